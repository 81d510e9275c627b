/*
 * viz_cmd.c - `afsim viz`: parse the command line, open the results
 * database, build the view and hand it to the headless PNG path or the
 * window.  Whatever goes wrong after parsing is still a picture: the view
 * becomes a message, the PNG (or window) shows it, and the exit code and
 * stderr say it too.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/viz_cmd.h"

#include "cli/args.h"
#include "db/db.h"
#include "field/fld_log.h"
#include "field/fld_records.h"
#include "sim/results_db.h"
#include "viz/data.h"
#include "viz/view.h"
#include "viz/window.h"

typedef struct viz_args {
	viz_request rq;
	const char *runs[2];
	int nruns;
	const char *png, *db, *script, *screenshot;
	int w, h;
	/* timeline: the first window */
	uint32_t op;
	bool has_from, has_to;
	double from_ms, to_ms;
} viz_args;

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "afsim viz: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: %s\n(afsim viz --help for more)\n", AFSIM_VIZ_SYNOPSIS);
	return 2;
}

static int parse_size(const char *s, int *w, int *h)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(s, &end, 10);
	if (errno || end == s || (*end != 'x' && *end != 'X'))
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (errno || end == s || *end || a < 160 || b < 120 || a > 8192 || b > 8192)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

/* A run time in ms: a finite number >= 0. */
static int parse_ms(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, viz_args *a)
{
	const char *what;

	memset(a, 0, sizeof *a);
	a->w = 1280;
	a->h = 800;
	if (argc < 2)
		return usage_err("%s", "which picture? timeline, trend, hist or compare");
	what = argv[1];
	if (strcmp(what, "timeline") == 0)
		a->rq.kind = VIZ_TIMELINE;
	else if (strcmp(what, "trend") == 0)
		a->rq.kind = VIZ_TREND;
	else if (strcmp(what, "hist") == 0)
		a->rq.kind = VIZ_HIST;
	else if (strcmp(what, "compare") == 0)
		a->rq.kind = VIZ_COMPARE;
	else
		return usage_err("unknown picture '%s', expected timeline, trend, hist or compare", what);
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		const char **dst = strcmp(o, "--png") == 0 ? &a->png
				   : strcmp(o, "--db") == 0 ? &a->db
				   : strcmp(o, "--scenario") == 0 ? &a->rq.scenario
				   : strcmp(o, "--metric") == 0 ? &a->rq.metric
				   : strcmp(o, "--baseline") == 0 ? &a->rq.baseline
				   : strcmp(o, "--script") == 0 ? &a->script
				   : strcmp(o, "--screenshot") == 0 ? &a->screenshot : NULL;

		if (strcmp(o, "--op") == 0 || strcmp(o, "--from") == 0 || strcmp(o, "--to") == 0) {
			uint64_t u;

			if (i + 1 >= argc)
				return usage_err("%s needs a value", o);
			i++;
			if (o[2] == 'o') {
				if (cli_u64(argv[i], &u) != 0 || u < 1 || u > UINT32_MAX)
					return usage_err("--op needs an operation number (1, 2, ...), not '%s'",
							 argv[i]);
				a->op = (uint32_t)u;
			} else if (parse_ms(argv[i], o[2] == 'f' ? &a->from_ms : &a->to_ms) != 0) {
				return usage_err("--from and --to need a run time in ms (>= 0), not '%s'",
						 argv[i]);
			} else if (o[2] == 'f') {
				a->has_from = true;
			} else {
				a->has_to = true;
			}
			continue;
		}
		if (dst || strcmp(o, "--size") == 0) {
			if (i + 1 >= argc)
				return usage_err("%s needs a value", o);
			if (dst) {
				*dst = argv[++i];
			} else if (parse_size(argv[++i], &a->w, &a->h) != 0) {
				return usage_err("--size needs WxH within 160x120..8192x8192, not '%s'", argv[i]);
			}
		} else if (strcmp(o, "--last") == 0 || (o[0] != '-' && o[0])) {
			if (a->nruns == 2)
				return usage_err("too many runs at '%s'", o);
			a->runs[a->nruns++] = strcmp(o, "--last") == 0 ? "last" : o;
		} else {
			return usage_err("unknown option '%s'", o);
		}
	}
	switch (a->rq.kind) {
	case VIZ_TIMELINE:
		if (a->nruns != 1)
			return usage_err("%s", "timeline needs one RUN (an id, last, or a field log)");
		break;
	case VIZ_TREND:
		if (a->nruns != 0 || !a->rq.scenario || !a->rq.metric)
			return usage_err("%s", "trend needs --scenario NAME and --metric METRIC and no RUN");
		break;
	case VIZ_HIST:
		if (a->nruns < 1)
			return usage_err("%s", "hist needs one or two RUNs");
		break;
	case VIZ_COMPARE:
		if (a->nruns != 2)
			return usage_err("%s", "compare needs two RUNs");
		break;
	}
	if (a->rq.kind != VIZ_TREND && (a->rq.scenario || a->rq.metric || a->rq.baseline))
		return usage_err("%s", "--scenario, --metric and --baseline belong to trend");
	if (a->rq.kind != VIZ_TIMELINE && (a->op || a->has_from || a->has_to))
		return usage_err("%s", "--op, --from and --to belong to timeline");
	if (a->has_from != a->has_to)
		return usage_err("%s", "--from and --to go together");
	if (a->op && a->has_from)
		return usage_err("%s", "give --op N or --from MS --to MS, not both");
	if (a->has_from && !(a->to_ms > a->from_ms))
		return usage_err("%s", "--to must be after --from");
	if (a->png && (a->script || a->screenshot))
		return usage_err("%s", "--script and --screenshot are for the window, not --png");
	return 0;
}

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

/* Whether the timeline's RUN is a field log: not `last`, not a run id,
 * and a file that is there. */
static bool is_log_arg(const viz_args *a)
{
	int64_t id;
	struct stat st;

	return a->rq.kind == VIZ_TIMELINE && a->nruns == 1 && strcmp(a->runs[0], "last") != 0 &&
	       cli_run_id(a->runs[0], &id) != 0 && stat(a->runs[0], &st) == 0 && S_ISREG(st.st_mode);
}

/* A field log's own database: a temporary folder. */
typedef struct log_db {
	char dir[512], path[600];
	db *d;
} log_db;

static void log_db_remove(log_db *x)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char p[640];

	db_close(x->d);
	x->d = NULL;
	if (!x->dir[0])
		return;
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		snprintf(p, sizeof p, "%s%s", x->path, ext[i]);
		unlink(p);
	}
	rmdir(x->dir);
	x->dir[0] = '\0';
}

/*
 * `afsim viz timeline LOG`: the log's records (field/fld_records.h) into
 * a database of its own in a temporary folder, so that the timeline draws
 * it with the view code of any run.  0 and the run's id, 2 a bad log, 3
 * (the database), with msg.
 */
static int open_log(const char *path, log_db *x, int64_t *id, char *msg, size_t msglen)
{
	const char *tmp = getenv("TMPDIR");
	sim_results_db rec;
	fld_log *l = NULL;
	char err[FLD_ERR_MAX];
	int rc = 3;

	if (fld_log_read_file(path, &l, err, sizeof err) != 0) {
		snprintf(msg, msglen, "%s", err);
		return 2;
	}
	snprintf(x->dir, sizeof x->dir, "%s/afsim-viz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(x->dir)) {
		snprintf(msg, msglen, "cannot make a folder for the log's records: %s", strerror(errno));
		x->dir[0] = '\0';
		goto out;
	}
	snprintf(x->path, sizeof x->path, "%s/log.db", x->dir);
	if (!(x->d = db_open(x->path, err, sizeof err))) {
		snprintf(msg, msglen, "%s", err);
		goto out;
	}
	sim_results_db_init(&rec, x->d, AFSIM_VERSION, l->hdr.rig_id, NULL, NULL);
	if (fld_records(l, path, &sim_results_db_ops, &rec, err, sizeof err) != 0) {
		snprintf(msg, msglen, "%s", err);
		goto out;
	}
	if (sim_results_db_error(&rec)) {
		snprintf(msg, msglen, "cannot store the log's records: %s", sim_results_db_error(&rec));
		goto out;
	}
	*id = rec.run_id;
	rc = 0;
out:
	fld_log_free(l);
	return rc;
}

/* Resolve RUN arguments: 0, 2 (malformed) or a VIZ_E* code with msg. */
static int resolve_runs(db *h, viz_args *a, char *msg, size_t msglen)
{
	for (int i = 0; i < a->nruns; i++) {
		const char *s = a->runs[i];
		if (strcmp(s, "last") == 0) {
			int rc = viz_data_last_run(h, &a->rq.run[i], msg, msglen);

			if (rc != 0)
				return rc;
			continue;
		}
		if (cli_run_id(s, &a->rq.run[i]) != 0) {
			snprintf(msg, msglen, "'%s' is not a run id (a positive integer or last)", s);
			return VIZ_EUSAGE;
		}
	}
	a->rq.nruns = a->nruns;
	return 0;
}

static const char *kind_name(viz_kind k)
{
	return k == VIZ_TIMELINE ? "timeline" : k == VIZ_TREND ? "trend" : k == VIZ_HIST ? "hist" : "compare";
}

int afsim_cmd_viz(int argc, char **argv)
{
	viz_args a;
	viz_ctx *x = NULL;
	viz_view *v = NULL;
	db *d = NULL;
	log_db ldb = { "", "", NULL };
	const char *path;
	char err[FLD_ERR_MAX + 128] = "", title[64];
	int rc, status;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
			  strcmp(argv[1], "help") == 0)) {
		printf("usage: %s\n\n%s", AFSIM_VIZ_SYNOPSIS, AFSIM_VIZ_HELP);
		return 0;
	}
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc;
	if (viz_script_check(a.script, err, sizeof err) != 0) {
		fprintf(stderr, "afsim viz: %s\n", err);
		return 2;
	}
	x = viz_ctx_new(NULL, err, sizeof err);
	if (!x) {
		fprintf(stderr, "afsim viz: %s\n", err);
		return 3;
	}
	snprintf(title, sizeof title, "afsim viz %s", kind_name(a.rq.kind));
	path = a.db ? a.db : db_default_path();
	if (is_log_arg(&a)) {
		/* a field log, drawn through a database of its own */
		rc = open_log(a.runs[0], &ldb, &a.rq.run[0], err, sizeof err);
		if (rc == 2) {
			fprintf(stderr, "afsim viz: %s\n", err);
			goto out;
		}
		a.rq.nruns = 1;
		v = rc == 0 ? viz_view_open(ldb.d, &a.rq) : viz_view_new_message(a.rq.kind, VIZ_ESQL, title, err);
		if (v && rc == 0 && viz_view_status(v) == 0 && (a.op || a.has_from) &&
		    (rc = viz_view_timeline_window(v, a.op, a.has_from, a.from_ms, a.to_ms)) != 0) {
			snprintf(err, sizeof err, "%s", viz_view_errmsg(v));
			viz_view_free(v);
			v = viz_view_new_message(a.rq.kind, rc, title, err);
		}
	} else if (access(path, F_OK) != 0) {
		/* viz only reads: a database that is not there is not created */
		snprintf(err, sizeof err, "no results database at '%s' (afsim run records one; --db PATH)",
			 path);
		v = viz_view_new_message(a.rq.kind, VIZ_ENODATA, title, err);
	} else if (!(d = db_open_ro(path, err, sizeof err))) {
		char m[600];

		snprintf(m, sizeof m, "cannot open the results database '%s': %s", path, err);
		v = viz_view_new_message(a.rq.kind, VIZ_ESQL, title, m);
	} else {
		rc = resolve_runs(d, &a, err, sizeof err);
		v = rc == 0 ? viz_view_open(d, &a.rq)
			    : viz_view_new_message(a.rq.kind, rc, title, err);
		if (v && rc == 0 && viz_view_status(v) == 0 && (a.op || a.has_from) &&
		    (rc = viz_view_timeline_window(v, a.op, a.has_from, a.from_ms, a.to_ms)) != 0) {
			snprintf(err, sizeof err, "%s", viz_view_errmsg(v));
			viz_view_free(v);
			v = viz_view_new_message(a.rq.kind, rc, title, err);
		}
	}
	if (!v) {
		fprintf(stderr, "afsim viz: out of memory\n");
		rc = 3;
		goto out;
	}
	status = viz_view_status(v);
	if (a.png) {
		rc = viz_render_png(v, x, a.w, a.h, a.png, err, sizeof err);
		if (rc != 0 && rc != status)
			fprintf(stderr, "afsim viz: %s\n", err);
	} else {
		viz_window_opts wo = { a.w, a.h, a.script, a.screenshot };

		rc = viz_window_run(v, x, &wo, err, sizeof err);
		if (rc != 0)
			fprintf(stderr, "afsim viz: %s\n", err);
		else
			rc = status;
	}
	if (status != 0)
		fprintf(stderr, "afsim viz: %s: %s\n", viz_strerror(status), viz_view_errmsg(v));
	rc = viz_exit_code(rc != 0 ? rc : status);
out:
	viz_view_free(v);
	db_close(d);
	log_db_remove(&ldb);
	viz_ctx_free(x);
	return rc;
}
