/*
 * scenario_walk.c - the table-driven schema walker of the scenario loader
 * and the strict conversions of scalars it applies (scenario_impl.h).
 *
 * Strictness, on purpose: a scenario is a test input, and a typo that
 * silently falls back to a default makes a test that passes for the wrong
 * reason.  So unknown and duplicate keys are errors, numbers are plain
 * decimal (no .inf/.nan, no hex, no YAML 1.1 octal, no quoted numbers),
 * integers have no fraction, booleans are true or false only.  Every
 * message names the place (line:col of the offending node, 1-based) and
 * says what was expected.
 *
 * An explicit tag is honoured as YAML means it: `!!str 5` is a string,
 * refused by a number key exactly as the quoted "5" is; `!!int 5` is an
 * integer, fine for an integer or a number key; `!!float 3` is not an
 * integer; `!!bool true` is a boolean only.  Tags the loader has no use
 * for are refused before the document is built (sim_scn_check_tag).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario_impl.h"

/* ---- messages ---- */

static void verr(char *err, size_t errlen, const char *path, size_t line, size_t col,
		 const char *fmt, va_list ap)
{
	int k;

	if (!err || errlen == 0)
		return;
	k = snprintf(err, errlen, "%s:%zu:%zu: error: ", path, line, col);
	if (k < 0) {
		err[0] = '\0';
		return;
	}
	if ((size_t)k < errlen)
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
}

int sim_scn_errf(char *err, size_t errlen, const char *path, size_t line, size_t col,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(err, errlen, path, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

int sim_scn_fail(sim_scn_walker *w, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(w->err, w->errlen, w->path, m.line + 1, m.column + 1, fmt, ap);
	va_end(ap);
	return -1;
}

const char *sim_scn_quote(char *buf, size_t size, const char *s)
{
	size_t i = 0, o = 0;

	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '\'';
	while (s[i] && i < 48 && o + 5 < size) {
		unsigned char c = (unsigned char)s[i++];

		buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (s[i]) {
		buf[o++] = '.';
		buf[o++] = '.';
		buf[o++] = '.';
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

const char *sim_scn_where(const char *where)
{
	return *where ? where : "the top level";
}

const char *sim_scn_child(char *buf, size_t size, const char *where, const char *key)
{
	snprintf(buf, size, "%s%s%.64s", where, *where ? "." : "", key);
	return buf;
}

/* ---- nodes ---- */

yaml_node_t *sim_scn_node(const sim_scn_walker *w, int index)
{
	return yaml_document_get_node(w->doc, index);
}

const char *sim_scn_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

bool sim_scn_is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0 &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* ---- tags ---- */

#define YAML_NS "tag:yaml.org,2002:"

enum tag_kind { TAG_NONE, TAG_STR, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_NULL, TAG_MAP, TAG_SEQ,
		TAG_OTHER };

/* The tags a scenario may write, index = tag_kind (after the "!!"). */
static const char *const tag_words[] = { "", "str", "int", "float", "bool", "null", "map", "seq" };

static enum tag_kind tag_kind_of(const char *tag)
{
	if (strcmp(tag, "!") == 0)
		return TAG_STR;
	if (strncmp(tag, YAML_NS, sizeof YAML_NS - 1) == 0)
		for (int k = TAG_STR; k <= TAG_SEQ; k++)
			if (strcmp(tag + sizeof YAML_NS - 1, tag_words[k]) == 0)
				return (enum tag_kind)k;
	return TAG_OTHER;
}

/* "!!int" for tag:yaml.org,2002:int, other tags quoted as written. */
static const char *tag_name(char *buf, size_t size, const char *tag)
{
	if (strncmp(tag, YAML_NS, sizeof YAML_NS - 1) == 0) {
		snprintf(buf, size, "!!%.40s", tag + sizeof YAML_NS - 1);
		return buf;
	}
	return sim_scn_quote(buf, size, tag);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The explicit tag of scalar n, TAG_NONE when it was written without one. */
static enum tag_kind tag_of(const sim_scn_walker *w, const yaml_node_t *n)
{
	size_t at = n->start_mark.index;

	if (n->type != YAML_SCALAR_NODE || !w->n_tagged ||
	    !bsearch(&at, w->tagged, w->n_tagged, sizeof at, cmp_size))
		return TAG_NONE;
	/* libyaml stores the non-specific "!" as the default, !!str. */
	return tag_kind_of((const char *)n->tag);
}

int sim_scn_check_tag(sim_scn_walker *w, const char *tag, yaml_node_type_t kind, bool key,
		      yaml_mark_t m)
{
	enum tag_kind k = tag_kind_of(tag);
	char name[64];

	tag_name(name, sizeof name, tag);
	if (k == TAG_OTHER)
		return sim_scn_fail(w, m,
				    "unknown tag %s, expected no tag or one of !!str, !!int, !!float, !!bool, !!null, !!map, !!seq",
				    name);
	if (key && kind == YAML_SCALAR_NODE && k != TAG_STR)
		return sim_scn_fail(w, m, "a key tagged %s, expected a string key", name);
	if (strcmp(tag, "!") == 0)
		return 0;
	if (kind == YAML_MAPPING_NODE && k != TAG_MAP)
		return sim_scn_fail(w, m, "tag %s on a mapping, expected !!map or no tag", name);
	if (kind == YAML_SEQUENCE_NODE && k != TAG_SEQ)
		return sim_scn_fail(w, m, "tag %s on a sequence, expected !!seq or no tag", name);
	if (kind == YAML_SCALAR_NODE && (k == TAG_MAP || k == TAG_SEQ))
		return sim_scn_fail(w, m, "tag %s on a scalar, expected !!str, !!int, !!float, !!bool, !!null or no tag",
				    name);
	return 0;
}

bool sim_scn_null(const sim_scn_walker *w, const yaml_node_t *n)
{
	enum tag_kind k;

	if (!sim_scn_is_null(n))
		return false;
	k = tag_of(w, n);
	return k == TAG_NONE || k == TAG_NULL;
}

/* What a scalar of tag k is, for "tagged !!int '5' is <an integer>". */
static const char *tag_noun(enum tag_kind k)
{
	switch (k) {
	case TAG_STR: return "a string";
	case TAG_INT: return "an integer";
	case TAG_FLOAT: return "a float";
	case TAG_BOOL: return "a boolean";
	case TAG_NULL: return "null";
	default: return "tagged";
	}
}

static int tag_mismatch(sim_scn_walker *w, yaml_node_t *n, enum tag_kind k, const char *where,
			const char *expected)
{
	char q[64], name[64];

	tag_name(name, sizeof name, (const char *)n->tag);
	if (!*sim_scn_scalar(n))
		return sim_scn_fail(w, n->start_mark, "%s is tagged %s and empty, expected %s",
				    sim_scn_where(where), name, expected);
	return sim_scn_fail(w, n->start_mark, "tagged %s %s is %s, expected %s", name,
			    sim_scn_quote(q, sizeof q, sim_scn_scalar(n)), tag_noun(k), expected);
}

const char *sim_scn_text(sim_scn_walker *w, yaml_node_t *n, const char *where,
			 const char *expected)
{
	const char *t = sim_scn_scalar(n);
	enum tag_kind k;

	if (!t) {
		sim_scn_fail(w, n->start_mark, "%s is %s, expected %s", where, sim_scn_kind(n),
			     expected);
		return NULL;
	}
	k = tag_of(w, n);
	if (k != TAG_NONE && k != TAG_STR) {
		tag_mismatch(w, n, k, where, expected);
		return NULL;
	}
	return t;
}

const char *sim_scn_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a sequence";
	default: return "a scalar";
	}
}

yaml_node_t *sim_scn_find(const sim_scn_walker *w, yaml_node_t *map, const char *key,
			  yaml_node_t **key_node)
{
	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = sim_scn_node(w, p->key);
		const char *t = sim_scn_scalar(k);

		if (t && strcmp(t, key) == 0) {
			if (key_node)
				*key_node = k;
			return sim_scn_node(w, p->value);
		}
	}
	return NULL;
}

/* ---- scalars ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int sim_scn_parse_double(const char *s, double *out)
{
	const char *p = s;
	bool digits = false;
	char *end;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	while (is_digit(*p)) {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (is_digit(*p)) {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return -1;
		while (is_digit(*p))
			p++;
	}
	if (*p)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end != p)
		return -1;
	/* ERANGE both ways: 1e999 would be inf, 1e-999 a silent 0. */
	if (errno == ERANGE || !isfinite(v))
		return -2;
	*out = v;
	return 0;
}

/* ".inf", "-Infinity", "nan", ".NaN": a YAML special, named as such. */
static bool is_nonfinite_word(const char *s)
{
	char low[16];
	size_t i;

	if (*s == '+' || *s == '-')
		s++;
	if (*s == '.')
		s++;
	for (i = 0; s[i] && i + 1 < sizeof low; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	if (s[i])
		return false;
	low[i] = '\0';
	return strcmp(low, "inf") == 0 || strcmp(low, "infinity") == 0 || strcmp(low, "nan") == 0;
}

static void fmt_num(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.15g", v);
}

/* "a finite number in [0, 1)", "an odd integer in [3, 95]", ... */
static void range_text(char *buf, size_t n, bool integer, double lo, double hi, unsigned flags)
{
	char a[32], b[32];

	if (flags & SIM_SCN_ANY) {
		snprintf(buf, n, "%s", integer ? "a non-negative integer" : "a finite number");
		return;
	}
	fmt_num(a, sizeof a, lo);
	fmt_num(b, sizeof b, hi);
	if (integer)
		snprintf(buf, n, "%s%s in [%s, %s]", flags & SIM_SCN_ZERO_OK ? "0 or " : "",
			 flags & SIM_SCN_ODD ? "an odd integer" : "an integer", a, b);
	else
		snprintf(buf, n, "a finite number in %c%s, %s%c", flags & SIM_SCN_LO_OPEN ? '(' : '[', a,
			 b, flags & SIM_SCN_HI_OPEN ? ')' : ']');
}

static bool in_range(double v, double lo, double hi, unsigned flags)
{
	if (flags & SIM_SCN_ANY)
		return true;
	if (flags & SIM_SCN_LO_OPEN ? !(v > lo) : !(v >= lo))
		return false;
	return flags & SIM_SCN_HI_OPEN ? v < hi : v <= hi;
}

/* What a number, integer or boolean key wants. */
enum want { WANT_NUMBER, WANT_INTEGER, WANT_BOOL };

static bool integer_syntax(const char *t)
{
	if (*t == '+' || *t == '-')
		t++;
	if (!*t)
		return false;
	for (; *t; t++)
		if (!is_digit(*t))
			return false;
	return true;
}

/* The text of a scalar that should hold a number, integer or boolean: plain
 * and untagged, or tagged as what is wanted (!!int is a number too); NULL
 * after setting the error for anything else. */
static const char *value_text(sim_scn_walker *w, yaml_node_t *n, const char *where,
			      const char *expected, enum want want)
{
	const char *t = sim_scn_scalar(n);
	enum tag_kind k;
	char q[64], name[64];

	if (!t) {
		sim_scn_fail(w, n->start_mark, "%s is %s, expected %s", where, sim_scn_kind(n),
			     expected);
		return NULL;
	}
	k = tag_of(w, n);
	if (k == TAG_NONE && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		sim_scn_fail(w, n->start_mark, "quoted %s is a string, expected %s",
			     sim_scn_quote(q, sizeof q, t), expected);
		return NULL;
	}
	if (k == TAG_STR || k == TAG_NULL || (k == TAG_BOOL && want != WANT_BOOL) ||
	    (k == TAG_FLOAT && want != WANT_NUMBER) || (k == TAG_INT && want == WANT_BOOL)) {
		tag_mismatch(w, n, k, where, expected);
		return NULL;
	}
	if (!*t) {
		sim_scn_fail(w, n->start_mark, "%s is empty, expected %s", where, expected);
		return NULL;
	}
	if (k == TAG_INT && !integer_syntax(t)) {
		sim_scn_fail(w, n->start_mark, "tagged %s %s is not an integer, expected %s",
			     tag_name(name, sizeof name, (const char *)n->tag),
			     sim_scn_quote(q, sizeof q, t), expected);
		return NULL;
	}
	return t;
}

int sim_scn_double(sim_scn_walker *w, yaml_node_t *n, double lo, double hi, unsigned flags,
		   const char *where, double *out)
{
	char rng[96], q[64];
	const char *t;
	double v = 0.0;
	int rc;

	range_text(rng, sizeof rng, false, lo, hi, flags);
	if (!(t = value_text(w, n, where, rng, WANT_NUMBER)))
		return -1;
	rc = sim_scn_parse_double(t, &v);
	if (rc == -1)
		return sim_scn_fail(w, n->start_mark, "%s is not a %snumber, expected %s",
				    sim_scn_quote(q, sizeof q, t), is_nonfinite_word(t) ? "finite " : "",
				    rng);
	if (rc == -2)
		return sim_scn_fail(w, n->start_mark, "%s is beyond the range of a double, expected %s",
				    sim_scn_quote(q, sizeof q, t), rng);
	if (!in_range(v, lo, hi, flags))
		return sim_scn_fail(w, n->start_mark, "%s is out of range for %s, expected %s",
				    sim_scn_quote(q, sizeof q, t), where, rng);
	*out = v;
	return 0;
}

int sim_scn_uint(sim_scn_walker *w, yaml_node_t *n, double lo, double hi, unsigned flags,
		 const char *where, uint64_t *out)
{
	char rng[96], q[64];
	const char *t, *p;
	unsigned long long u;
	bool neg;

	range_text(rng, sizeof rng, true, lo, hi, flags);
	if (!(t = value_text(w, n, where, rng, WANT_INTEGER)))
		return -1;
	p = t;
	neg = *p == '-';
	if (neg)
		p++;
	for (const char *c = p; *c; c++)
		if (!is_digit(*c))
			goto not_integer;
	/* No leading zeros: YAML 1.1 reads 010 as octal 8. */
	if (!*p || (p[0] == '0' && p[1]))
		goto not_integer;
	errno = 0;
	u = strtoull(p, NULL, 10);
	if (errno == ERANGE || (neg && u != 0))
		goto out_of_range;
	if (!(flags & SIM_SCN_ANY)) {
		bool ok = (double)u >= lo && (double)u <= hi;

		if (flags & SIM_SCN_ODD)
			ok = ok && u % 2 == 1;
		if ((flags & SIM_SCN_ZERO_OK) && u == 0)
			ok = true;
		if (!ok)
			goto out_of_range;
	}
	*out = (uint64_t)u;
	return 0;
not_integer:
	return sim_scn_fail(w, n->start_mark, "%s is not an integer, expected %s",
			    sim_scn_quote(q, sizeof q, t), rng);
out_of_range:
	return sim_scn_fail(w, n->start_mark, "%s is out of range for %s, expected %s",
			    sim_scn_quote(q, sizeof q, t), where, rng);
}

int sim_scn_bool(sim_scn_walker *w, yaml_node_t *n, const char *where, bool *out)
{
	const char *t = value_text(w, n, where, "true or false", WANT_BOOL);
	char q[64];

	if (!t)
		return -1;
	if (strcmp(t, "true") == 0 || strcmp(t, "false") == 0) {
		*out = t[0] == 't';
		return 0;
	}
	return sim_scn_fail(w, n->start_mark, "%s is not a boolean, expected true or false",
			    sim_scn_quote(q, sizeof q, t));
}

static const char *enum_name(const sim_scn_enum *e, int i)
{
	return e->names ? e->names[i] : e->name(i);
}

int sim_scn_enum_value(sim_scn_walker *w, yaml_node_t *n, const sim_scn_enum *e,
		       const char *where, int *out)
{
	char list[320], q[64];
	const char *t;
	size_t k = 0;

	for (int i = 0; i < e->count && k < sizeof list; i++) {
		int r = snprintf(list + k, sizeof list - k, "%s%s",
				 i == 0 ? "" : i + 1 == e->count ? " or " : ", ", enum_name(e, i));

		if (r < 0)
			break;
		k += (size_t)r;
	}
	if (!(t = sim_scn_text(w, n, where, list)))
		return -1;
	if (!*t)
		return sim_scn_fail(w, n->start_mark, "%s is empty, expected %s", where, list);
	for (int i = 0; i < e->count; i++)
		if (strcmp(t, enum_name(e, i)) == 0) {
			*out = i;
			return 0;
		}
	return sim_scn_fail(w, n->start_mark, "%s is not a valid %s, expected %s",
			    sim_scn_quote(q, sizeof q, t), e->noun, list);
}

/* ---- the walker ---- */

static int unknown_key(sim_scn_walker *w, yaml_node_t *k, const sim_scn_schema *sc,
		       const char *where)
{
	char list[512], q[64];
	size_t o = 0;

	list[0] = '\0';
	for (size_t i = 0; i < sc->n && o < sizeof list; i++) {
		int r = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", sc->fields[i].key);

		if (r < 0)
			break;
		o += (size_t)r;
	}
	sim_scn_quote(q, sizeof q, sim_scn_scalar(k));
	if (*where)
		return sim_scn_fail(w, k->start_mark, "unknown key %s in %s, expected one of: %s", q,
				    where, list);
	return sim_scn_fail(w, k->start_mark, "unknown key %s, expected one of: %s", q, list);
}

static int apply(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		 const char *where)
{
	char *at = (char *)obj + f->off;
	uint64_t u = 0;
	double d = 0.0;
	bool b = false;
	int e = 0;

	switch (f->type) {
	case SIM_SCN_DOUBLE:
		if (sim_scn_double(w, v, f->lo, f->hi, f->flags, where, &d))
			return -1;
		*(double *)(void *)at = d;
		return 0;
	case SIM_SCN_U32:
	case SIM_SCN_U64:
	case SIM_SCN_SIZE:
		if (sim_scn_uint(w, v, f->lo, f->hi, f->flags, where, &u))
			return -1;
		/* The ranges of U32 and SIZE fields fit their types. */
		if (f->type == SIM_SCN_U32)
			*(uint32_t *)(void *)at = (uint32_t)u;
		else if (f->type == SIM_SCN_SIZE)
			*(size_t *)(void *)at = (size_t)u;
		else
			*(uint64_t *)(void *)at = u;
		return 0;
	case SIM_SCN_BOOL:
		if (sim_scn_bool(w, v, where, &b))
			return -1;
		*(bool *)(void *)at = b;
		return 0;
	case SIM_SCN_ENUM:
		if (sim_scn_enum_value(w, v, f->sub, where, &e))
			return -1;
		*(int *)(void *)at = e;
		return 0;
	case SIM_SCN_MAP:
		return sim_scn_walk(w, v, f->sub, at, where);
	case SIM_SCN_CUSTOM:
		return f->fn(w, v, obj, f, where);
	case SIM_SCN_SKIP:
		return 0;
	}
	return sim_scn_fail(w, v->start_mark, "internal error: bad schema entry for %s", where);
}

int sim_scn_walk(sim_scn_walker *w, yaml_node_t *node, const sim_scn_schema *sc, void *obj,
		 const char *where)
{
	uint64_t seen = 0;
	char child[SIM_SCN_WHERE_MAX];

	if (node->type != YAML_MAPPING_NODE && !sim_scn_null(w, node))
		return sim_scn_fail(w, node->start_mark, "%s is %s, expected a mapping",
				    sim_scn_where(where), sim_scn_kind(node));
	if (sc->pre && sc->pre(w, node, obj, where))
		return -1;
	if (node->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = sim_scn_node(w, p->key), *v = sim_scn_node(w, p->value);
			const char *key = sim_scn_scalar(k);
			size_t i;

			if (!key)
				return sim_scn_fail(w, k->start_mark,
						    "%s as a key in %s, expected a scalar key",
						    sim_scn_kind(k), sim_scn_where(where));
			for (i = 0; i < sc->n && strcmp(sc->fields[i].key, key) != 0; i++)
				;
			if (i == sc->n)
				return unknown_key(w, k, sc, where);
			if (seen & (UINT64_C(1) << i)) {
				char q[64];

				sim_scn_quote(q, sizeof q, key);
				if (*where)
					return sim_scn_fail(w, k->start_mark, "duplicate key %s in %s",
							    q, where);
				return sim_scn_fail(w, k->start_mark, "duplicate key %s", q);
			}
			seen |= UINT64_C(1) << i;
			if (apply(w, v, obj, &sc->fields[i],
				  sim_scn_child(child, sizeof child, where, key)))
				return -1;
		}
	}
	for (size_t i = 0; i < sc->n; i++)
		if ((sc->fields[i].flags & SIM_SCN_REQ) && !(seen & (UINT64_C(1) << i))) {
			if (*where)
				return sim_scn_fail(w, node->start_mark,
						    "missing required key '%s' in %s",
						    sc->fields[i].key, where);
			return sim_scn_fail(w, node->start_mark, "missing required key '%s'",
					    sc->fields[i].key);
		}
	return sc->post ? sc->post(w, node, obj, seen, where) : 0;
}
