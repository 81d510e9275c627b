/*
 * scenario.c - loading a scenario file: the public entry points, the
 * generic YAML-file entry (sim_scn_load_file, any schema), the libyaml
 * driver, reading files and temperature traces.  The walker lives in
 * scenario_walk.c, the key tables in scenario_rig.c and scenario_schema.c.
 *
 * Why the document API: every node carries its start mark, so an error
 * found while walking (a range check, a key that is not allowed there, two
 * keys that conflict) points at the exact place in the file; libyaml's own
 * syntax errors come with their problem mark.  Marks are 0-based and
 * printed +1.  Every path out of sim_scn_load_text() deletes the document
 * and the parser, and the scenario entry points release the half-built
 * scenario, so a failed load leaves nothing to free.
 *
 * What is bounded before libyaml builds anything: the file is a regular
 * file (a FIFO or a device would block or never end), at most
 * SIM_SCN_FILE_MAX bytes, nested at most SIM_SCN_DEPTH_MAX deep.
 */
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/scenario_impl.h"

/* ---- files ---- */

/* What st is, for "is <kind>, expected a regular file". */
static const char *file_kind(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	return "not a regular file";
}

static void too_large(char *why, size_t whylen, size_t max)
{
	snprintf(why, whylen, "larger than %zu bytes, expected at most %zu KiB", max, max >> 10);
}

/*
 * Why O_NONBLOCK and fstat before reading: opening a FIFO for reading
 * blocks until a writer appears, and reading a device (/dev/zero) never
 * ends, so a path that is not a regular file would hang a run for ever.
 * O_NONBLOCK makes the open return at once whatever the path is; fstat
 * then refuses anything but a regular file before a byte is read.  The
 * size is checked before reading and again while reading (the file may
 * grow under us).
 */
int sim_scn_read_file(const char *path, size_t max, char **text, size_t *len, char *why,
		      size_t whylen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap;
	int fd, rc = -1;

	*text = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s, expected a regular file", file_kind(&st));
		rc = -2;
		goto out;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > max) {
		too_large(why, whylen, max);
		rc = -2;
		goto out;
	}
	/* Room for the whole file, one byte more to see its end, the NUL. */
	cap = (size_t)st.st_size + 2;
	if (!(buf = malloc(cap))) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		goto out;
	}
	for (;;) {
		ssize_t got;

		if (n + 1 >= cap) {
			/* It grew since fstat: keep reading, up to max. */
			size_t ncap = cap > (max + 2) / 2 ? max + 2 : 2 * cap;
			char *nb;

			if (cap >= max + 2) {
				too_large(why, whylen, max);
				rc = -2;
				goto out;
			}
			if (!(nb = realloc(buf, ncap))) {
				snprintf(why, whylen, "%s", strerror(ENOMEM));
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- temperature traces ---- */

/* Field [b, e) of a CSV line as a number: 0, -1 not a number, -2 range. */
static int csv_number(const char *b, const char *e, char *copy, size_t size, double *v)
{
	size_t n = (size_t)(e - b);

	if (n >= size) {
		n = size - 1;
		memcpy(copy, b, n);
		copy[n] = '\0';
		return -1;
	}
	memcpy(copy, b, n);
	copy[n] = '\0';
	if (memchr(b, '\0', n))
		return -1;
	return sim_scn_parse_double(copy, v);
}

static bool csv_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int sim_room_trace_parse(const char *csv_path, const char *text, size_t len,
			 mdl_room_point **points, size_t *n, char *err, size_t errlen)
{
	mdl_room_point *pts = NULL, *np;
	size_t cnt = 0, cap = 0, line = 0, pos = 0;
	bool header_ok = true;
	char f1[64], f2[64], q[64];

	*points = NULL;
	*n = 0;
	while (pos < len) {
		const char *ls, *b, *e, *comma, *b2;
		double t = 0.0, c = 0.0;
		int r1, r2;

		line++;
		ls = b = text + pos;
		while (pos < len && text[pos] != '\n')
			pos++;
		e = text + pos;
		if (pos < len)
			pos++;
		for (const char *h = b; h < e; h++)
			if (*h == '#') {
				e = h;
				break;
			}
		while (b < e && csv_space(*b))
			b++;
		while (e > b && csv_space(e[-1]))
			e--;
		if (b == e)
			continue;
		comma = memchr(b, ',', (size_t)(e - b));
		if (!comma) {
			sim_scn_errf(err, errlen, csv_path, line, (size_t)(e - ls) + 1,
			             "line has 1 field, expected 2 fields: t_s,temperature_c");
			goto fail;
		}
		b2 = comma + 1;
		if ((np = memchr(b2, ',', (size_t)(e - b2))) != NULL) {
			sim_scn_errf(err, errlen, csv_path, line, (size_t)((const char *)np - ls) + 1,
			             "line has more than 2 fields, expected 2 fields: t_s,temperature_c");
			goto fail;
		}
		{
			const char *e1 = comma;

			while (e1 > b && csv_space(e1[-1]))
				e1--;
			while (b2 < e && csv_space(*b2))
				b2++;
			r1 = csv_number(b, e1, f1, sizeof f1, &t);
			r2 = csv_number(b2, e, f2, sizeof f2, &c);
		}
		if (r1 == -1 && header_ok) {
			header_ok = false;
			continue;
		}
		header_ok = false;
		if (r1 != 0) {
			sim_scn_errf(err, errlen, csv_path, line, (size_t)(b - ls) + 1,
			             "%s is not a %s number, expected t_s, a time in seconds",
			             sim_scn_quote(q, sizeof q, f1), r1 == -1 ? "finite" : "representable");
			goto fail;
		}
		if (r2 != 0 || !(c >= SIM_SCN_TEMP_MIN_C && c <= SIM_SCN_TEMP_MAX_C)) {
			sim_scn_errf(err, errlen, csv_path, line, (size_t)(b2 - ls) + 1,
			             "%s is not a room temperature, expected temperature_c, a finite number in [%g, %g]",
			             sim_scn_quote(q, sizeof q, f2), SIM_SCN_TEMP_MIN_C, SIM_SCN_TEMP_MAX_C);
			goto fail;
		}
		if (cnt && t < pts[cnt - 1].t_s) {
			sim_scn_errf(err, errlen, csv_path, line, (size_t)(b - ls) + 1,
			             "time %.15g is before the previous line's %.15g, expected times in non-decreasing order",
			             t, pts[cnt - 1].t_s);
			goto fail;
		}
		if (cnt == cap) {
			size_t ncap = cap ? 2 * cap : 256;

			if (ncap > SIZE_MAX / sizeof *pts || !(np = realloc(pts, ncap * sizeof *pts))) {
				sim_scn_errf(err, errlen, csv_path, line, 1, "out of memory, expected a smaller trace");
				goto fail;
			}
			pts = (mdl_room_point *)(void *)np;
			cap = ncap;
		}
		pts[cnt].t_s = t;
		pts[cnt].temp_c = c;
		cnt++;
	}
	if (cnt == 0) {
		sim_scn_errf(err, errlen, csv_path, line ? line : 1, 1,
		             "temperature trace has no data, expected t_s,temperature_c lines");
		goto fail;
	}
	*points = pts;
	*n = cnt;
	return 0;
fail:
	free(pts);
	return -1;
}

/* ---- the driver ---- */

static void parser_error(sim_scn_walker *w, const yaml_parser_t *p, const char *text, size_t len)
{
	const char *problem = p->problem ? p->problem : "cannot parse";
	size_t line = 1, col = 1;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		sim_scn_errf(w->err, w->errlen, w->path, 0, 0, "out of memory while parsing");
		return;
	case YAML_READER_ERROR:
		/* Reader errors carry a byte offset, not a mark. */
		for (size_t i = 0; i < p->problem_offset && i < len; i++) {
			col++;
			if (text[i] == '\n') {
				line++;
				col = 1;
			}
		}
		if (p->problem_value != -1)
			sim_scn_errf(w->err, w->errlen, w->path, line, col,
			             "%s (byte 0x%02X), expected UTF-8 text", problem, (unsigned)p->problem_value);
		else
			sim_scn_errf(w->err, w->errlen, w->path, line, col, "%s, expected UTF-8 text", problem);
		return;
	default:
		if (p->context)
			sim_scn_fail(w, p->problem_mark, "%s (%s)", problem, p->context);
		else
			sim_scn_fail(w, p->problem_mark, "%s", problem);
		return;
	}
}

/* The first pass's list of tagged scalars (sim_scn_walker.tagged). */
typedef struct tag_list {
	size_t *at;
	size_t n, cap;
} tag_list;

static int tag_list_add(tag_list *l, size_t at)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 16;
		size_t *na = realloc(l->at, ncap * sizeof *na);

		if (!na)
			return -1;
		l->at = na;
		l->cap = ncap;
	}
	l->at[l->n++] = at;
	return 0;
}

/* A node's event: its kind, tag and start mark, or false for other events. */
static bool event_node(const yaml_event_t *ev, yaml_node_type_t *kind, const char **tag)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*kind = YAML_SCALAR_NODE;
		*tag = (const char *)ev->data.scalar.tag;
		return true;
	case YAML_SEQUENCE_START_EVENT:
		*kind = YAML_SEQUENCE_NODE;
		*tag = (const char *)ev->data.sequence_start.tag;
		return true;
	case YAML_MAPPING_START_EVENT:
		*kind = YAML_MAPPING_NODE;
		*tag = (const char *)ev->data.mapping_start.tag;
		return true;
	default:
		return false;
	}
}

/*
 * The first pass, over the events, before the document is built.
 *
 * The nesting depth: libyaml's document loader takes time quadratic in
 * the depth (100 000 nested '[' take 25 s), and it builds the whole tree
 * before anything can look at it; the event parser reports a collection
 * as it opens, so this pass stops at the first collection past
 * SIM_SCN_DEPTH_MAX having read no further than it.
 *
 * The tags: the document API resolves an untagged scalar to !!str, so
 * `!!str 5` and `5` look the same there; here the explicit ones are
 * checked (sim_scn_check_tag) and the scalars' positions listed for the
 * walker.  A syntax error found here is the one the loader would report.
 */
static int prescan(sim_scn_walker *w, const char *text, size_t len, tag_list *tags)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	yaml_event_type_t type;
	/* Per open collection: a mapping?  Its nodes so far (even: a key next). */
	bool is_map[SIM_SCN_DEPTH_MAX + 1];
	size_t count[SIM_SCN_DEPTH_MAX + 1];
	size_t depth = 0;
	int rc = -1;

	if (!yaml_parser_initialize(&parser))
		return sim_scn_errf(w->err, w->errlen, w->path, 0, 0, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	do {
		yaml_node_type_t kind;
		const char *tag;
		bool key;

		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(w, &parser, text, len);
			goto out;
		}
		type = ev.type;
		key = depth > 0 && is_map[depth - 1] && count[depth - 1] % 2 == 0;
		if (event_node(&ev, &kind, &tag) && tag) {
			if (sim_scn_check_tag(w, tag, kind, key, ev.start_mark))
				goto out_event;
			if (kind == YAML_SCALAR_NODE && tag_list_add(tags, ev.start_mark.index)) {
				sim_scn_errf(w->err, w->errlen, w->path, 0, 0, "out of memory");
				goto out_event;
			}
		}
		switch (type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == SIM_SCN_DEPTH_MAX) {
				sim_scn_fail(w, ev.start_mark,
					     "%s nested more than %d levels deep, expected at most %d nested mappings and sequences",
					     type == YAML_MAPPING_START_EVENT ? "a mapping" : "a sequence",
					     SIM_SCN_DEPTH_MAX, SIM_SCN_DEPTH_MAX);
				goto out_event;
			}
			is_map[depth] = type == YAML_MAPPING_START_EVENT;
			count[depth++] = 0;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			/* The collection was one node of its parent. */
			depth--;
			/* fall through */
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			if (depth > 0)
				count[depth - 1]++;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	} while (type != YAML_STREAM_END_EVENT);
	rc = 0;
	goto out;
out_event:
	yaml_event_delete(&ev);
out:
	yaml_parser_delete(&parser);
	return rc;
}

int sim_scn_load_text(const char *path, const char *text, size_t len, const char *what,
		      const sim_scn_schema *schema, void *obj, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root, *second;
	sim_scn_walker w = { .path = path, .doc = &doc, .err = err, .errlen = errlen };
	tag_list tags = { 0 };
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!text)
		text = "";
	if (len > SIM_SCN_FILE_MAX)
		return sim_scn_errf(err, errlen, path, 0, 0,
				    "%s is larger than %zu bytes, expected at most %zu KiB", what,
				    SIM_SCN_FILE_MAX, SIM_SCN_FILE_MAX >> 10);
	if (prescan(&w, text, len, &tags))
		goto out_tags;
	w.tagged = tags.at;
	w.n_tagged = tags.n;
	if (!yaml_parser_initialize(&parser)) {
		sim_scn_errf(err, errlen, path, 0, 0, "out of memory");
		goto out_tags;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		/* libyaml deletes a document it failed to load. */
		parser_error(&w, &parser, text, len);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || sim_scn_null(&w, root)) {
		sim_scn_errf(err, errlen, path, 1, 1, "empty file, expected a %s mapping", what);
		goto out_doc;
	}
	/* One document per file: a second document is an error, not ignored. */
	w.doc = &extra;
	if (!yaml_parser_load(&parser, &extra)) {
		parser_error(&w, &parser, text, len);
		goto out_doc;
	}
	if ((second = yaml_document_get_root_node(&extra)) != NULL) {
		sim_scn_fail(&w, second->start_mark, "a second YAML document, expected one %s per file",
			     what);
		yaml_document_delete(&extra);
		goto out_doc;
	}
	yaml_document_delete(&extra);
	w.doc = &doc;
	if (root->type != YAML_MAPPING_NODE) {
		sim_scn_fail(&w, root->start_mark, "the top level is %s, expected a %s mapping",
			     sim_scn_kind(root), what);
		goto out_doc;
	}
	rc = sim_scn_walk(&w, root, schema, obj, "");
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
out_tags:
	free(tags.at);
	return rc;
}

int sim_scn_load_file(const char *path, const char *what, const sim_scn_schema *schema,
		      void *obj, char *err, size_t errlen)
{
	char *text, why[128];
	size_t len;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	rc = sim_scn_read_file(path, SIM_SCN_FILE_MAX, &text, &len, why, sizeof why);
	if (rc == -1)
		return sim_scn_errf(err, errlen, path, 0, 0, "cannot open %s: %s", what, why);
	if (rc)
		return sim_scn_errf(err, errlen, path, 0, 0, "%s is %s", what, why);
	rc = sim_scn_load_text(path, text, len, what, schema, obj, err, errlen);
	free(text);
	return rc;
}

/* The scenario starts from the defaults; a failed load releases it. */
static int scenario_begin(const char *path, sim_scenario *out, sim_scenario *s, char *err,
			  size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	if (sim_scn_init(s))
		return sim_scn_errf(err, errlen, path, 0, 0, "out of memory");
	snprintf(s->path, sizeof s->path, "%s", path);
	return 0;
}

static int scenario_end(int rc, sim_scenario *out, sim_scenario *s)
{
	if (rc)
		sim_scenario_release(s);
	else
		*out = *s;
	return rc;
}

int sim_scenario_load_string(const char *path, const char *yaml, size_t len,
			     sim_scenario *out, char *err, size_t errlen)
{
	sim_scenario s;

	if (scenario_begin(path, out, &s, err, errlen))
		return -1;
	return scenario_end(sim_scn_load_text(path, yaml, yaml ? len : 0, "scenario", &sim_scn_top,
					      &s, err, errlen),
			    out, &s);
}

int sim_scenario_load(const char *path, sim_scenario *out, char *err, size_t errlen)
{
	sim_scenario s;

	if (scenario_begin(path, out, &s, err, errlen))
		return -1;
	return scenario_end(sim_scn_load_file(path, "scenario", &sim_scn_top, &s, err, errlen),
			    out, &s);
}

void sim_scenario_release(sim_scenario *s)
{
	if (!s)
		return;
	free(s->description);
	free(s->room_points);
	free(s->faults);
	free(s->steps);
	free(s->expects);
	memset(s, 0, sizeof *s);
}
