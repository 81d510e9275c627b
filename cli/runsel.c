/*
 * runsel.c - run selection shared by report, baseline and regress (see
 * runsel.h).
 *
 * Runs are checked to exist before anything is printed, so a typo is a
 * usage error (exit 2), never half a report.  A selection that names no
 * run (an invocation nobody recorded, nothing since a time) is a usage
 * error too: the command was asked about something that is not there.
 */
#include "cli/runsel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "db/report.h"
#include "db/views.h"

int runsel_add(runsel *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->ids[i] == id)
			return 0;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? 2 * r->cap : 16;
		int64_t *p = realloc(r->ids, ncap * sizeof *p);

		if (!p)
			return -1;
		r->ids = p;
		r->cap = ncap;
	}
	r->ids[r->n++] = id;
	return 0;
}

void runsel_release(runsel *r)
{
	free(r->ids);
	free(r->newer_unfinished);
	r->ids = NULL;
	r->newer_unfinished = NULL;
	r->n = r->cap = 0;
}

int runsel_count(const runsel *r)
{
	return (int)(r->n > 0) + (int)r->last + (int)r->latest + (int)(r->invocation != NULL) +
	       (int)(r->since != NULL);
}

db *runsel_open(const char *cmd, const char *path, bool writable)
{
	char err[512];
	db *d = writable ? db_open(path, err, sizeof err) : db_open_ro(path, err, sizeof err);

	if (!d)
		fprintf(stderr, "afsim %s: %s\n", cmd, err);
	return d;
}

int runsel_arg(const char *cmd, int argc, char **argv, int *i, runsel *sel, bool latest_ok,
	       const char **fmt_s, const char **path)
{
	const char *a = argv[*i];
	int64_t id;

	if (strcmp(a, "--last") == 0) {
		sel->last = true;
		return 1;
	}
	if (latest_ok && strcmp(a, "--latest") == 0) {
		sel->latest = true;
		return 1;
	}
	if (strcmp(a, "--invocation") == 0)
		return cli_value(cmd, argc, argv, i, &sel->invocation) == 0 ? 1 : -1;
	if (strcmp(a, "--since") == 0)
		return cli_value(cmd, argc, argv, i, &sel->since) == 0 ? 1 : -1;
	if (fmt_s && strcmp(a, "--format") == 0)
		return cli_value(cmd, argc, argv, i, fmt_s) == 0 ? 1 : -1;
	if (strcmp(a, "--db") == 0)
		return cli_value(cmd, argc, argv, i, path) == 0 ? 1 : -1;
	if (cli_run_id(a, &id) == 0)
		return runsel_add(sel, id) == 0 ? 1 : -2;
	return 0;
}

/* --- callbacks ----------------------------------------------------------------- */

static int collect_finished(void *user, const db_run_row *row)
{
	runsel *r = user;

	if (!db_status_finished(row->status))
		return 0;
	if (runsel_add(r, row->id) != 0) {
		r->oom = true;
		return 1;
	}
	return 0;
}

static int collect_id(void *user, int64_t id)
{
	runsel *r = user;

	if (runsel_add(r, id) != 0) {
		r->oom = true;
		return 1;
	}
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int newest(void *user, const db_run_row *row)
{
	*(int64_t *)user = row->id;
	return 1;   /* the first row is the newest: stop */
}

/* --latest: the newest finished run of each scenario the baseline covers. */
typedef struct latest_ctx {
	db *d;
	runsel *sel;
	size_t cap;
	bool failed;
} latest_ctx;

static int latest_of(void *user, const db_baseline_row *b)
{
	latest_ctx *c = user;
	int64_t id = 0;
	size_t newer = 0, n = c->sel->n;
	int rc = db_newest_finished(c->d, b->scenario, &id, &newer);

	if (rc < 0 || (rc == 0 && runsel_add(c->sel, id) != 0)) {
		c->failed = true;
		return 1;
	}
	if (c->sel->n > n) {
		if (c->sel->n > c->cap) {
			size_t ncap = c->cap ? 2 * c->cap : 16;
			size_t *p = realloc(c->sel->newer_unfinished, ncap * sizeof *p);

			if (!p) {
				c->failed = true;
				return 1;
			}
			c->sel->newer_unfinished = p;
			c->cap = ncap;
		}
		c->sel->newer_unfinished[c->sel->n - 1] = newer;
	}
	return 0;
}

static int latest_runs(const char *cmd, db *d, const char *path, const char *name, runsel *sel)
{
	latest_ctx c = { d, sel, 0, false };

	if (db_baselines_each(d, name, latest_of, &c) != 0 || c.failed) {
		fprintf(stderr, "afsim %s: cannot read the runs of '%s': %s\n", cmd, path, db_errmsg(d));
		return EXIT_HARNESS;
	}
	if (sel->n == 0) {
		fprintf(stderr, "afsim %s: nothing to compare: no baseline '%s' with a finished run "
				"in %s\n", cmd, name, path);
		return EXIT_HARNESS;
	}
	return EXIT_OK;
}

/* --invocation ID|last and --since WHEN */
static int select_set(const char *cmd, db *d, const char *path, runsel *r)
{
	char inv[64], iso[32];
	int rc;

	if (r->invocation) {
		const char *id = r->invocation;

		if (strcmp(id, "last") == 0) {
			rc = db_invocation_last(d, inv, sizeof inv);
			if (rc < 0)
				goto sqlfail;
			if (rc == 1) {
				fprintf(stderr, "afsim %s: no run in %s has an invocation id (recorded "
						"before schema version 2?)\n", cmd, path);
				return EXIT_USAGE;
			}
			id = inv;
		}
		if (db_runs_of_invocation(d, id, collect_id, r) < 0)
			goto sqlfail;
		if (r->n == 0 && !r->oom) {
			fprintf(stderr, "afsim %s: no runs of invocation '%s' in %s\n", cmd, id, path);
			return EXIT_USAGE;
		}
	} else {
		if (db_when_parse(r->since, iso) != 0) {
			fprintf(stderr, "afsim %s: --since needs an ISO 8601 UTC time "
					"(2026-11-22T02:52:17Z, 2026-11-22) or an age (45s, 30m, 2h, 1d), "
					"not '%s'\n", cmd, r->since);
			return EXIT_USAGE;
		}
		if (db_runs_since(d, iso, collect_id, r) < 0)
			goto sqlfail;
		if (r->n == 0 && !r->oom) {
			fprintf(stderr, "afsim %s: no runs started since %s in %s\n", cmd, iso, path);
			return EXIT_USAGE;
		}
	}
	if (r->oom) {
		fprintf(stderr, "afsim %s: out of memory\n", cmd);
		return EXIT_HARNESS;
	}
	return EXIT_OK;
sqlfail:
	fprintf(stderr, "afsim %s: cannot read the runs of '%s': %s\n", cmd, path, db_errmsg(d));
	return EXIT_HARNESS;
}

int runsel_resolve(const char *cmd, db *d, const char *path, runsel *r, bool allow_scenario_all,
		   const char *baseline)
{
	db_run_row row;

	if (r->latest)
		return latest_runs(cmd, d, path, baseline ? baseline : "main", r);
	if (r->invocation || r->since)
		return select_set(cmd, d, path, r);
	if (r->last || (r->n == 0 && !r->scenario)) {
		int64_t id = 0;

		if (r->scenario) {
			if (db_runs_each(d, r->scenario, 1, newest, &id) != 0)
				goto sqlfail;
		} else if (db_last_run(d, &id) != 0) {
			id = 0;
		}
		if (id == 0) {
			fprintf(stderr, "afsim %s: no runs%s%s%s in %s\n", cmd,
				r->scenario ? " of scenario '" : "", r->scenario ? r->scenario : "",
				r->scenario ? "'" : "", path);
			return EXIT_USAGE;
		}
		r->n = 0;
		if (runsel_add(r, id) != 0)
			goto oom;
		return EXIT_OK;
	}
	if (r->n == 0 && r->scenario && allow_scenario_all) {
		if (db_runs_each(d, r->scenario, 0, collect_finished, r) != 0)
			goto sqlfail;
		if (r->oom)
			goto oom;
		if (r->n == 0) {
			fprintf(stderr, "afsim %s: no finished runs of scenario '%s' in %s\n", cmd,
				r->scenario, path);
			return EXIT_USAGE;
		}
		qsort(r->ids, r->n, sizeof *r->ids, cmp_id);   /* oldest first */
		return EXIT_OK;
	}
	for (size_t i = 0; i < r->n; i++)
		if (db_run_get(d, r->ids[i], &row) != 0) {
			fprintf(stderr, "afsim %s: no run %" PRId64 " in %s\n", cmd, r->ids[i], path);
			return EXIT_USAGE;
		}
	return EXIT_OK;
sqlfail:
	fprintf(stderr, "afsim %s: cannot read the runs of '%s': %s\n", cmd, path, db_errmsg(d));
	return EXIT_HARNESS;
oom:
	fprintf(stderr, "afsim %s: out of memory\n", cmd);
	return EXIT_HARNESS;
}
