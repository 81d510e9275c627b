/*
 * bench_viz.c - how long the pictures take at scale: a trend over 10 000
 * runs and a timeline of 100 000 frames (zoomed out: every frame in view,
 * decimated per pixel column), plus hist and compare of a run with 5 000
 * handoffs.  Builds its own temporary database (the store's schema, raw
 * SQL inserts in one transaction), then prints per view the load time (read through the
 * store, db/views.h) and the median render time (headless, 1280x800) in ms.  A program that prints figures, not a
 * test: nothing is asserted.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_quick.h"
#include "db/db.h"
#include "viz/canvas.h"
#include "viz/view.h"

#define RUNS bench_size(10000, 200)
#define FRAMES bench_size(100000, 2000)
#define HANDOFFS bench_size(5000, 100)
#define REPS 9

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int exec(sqlite3 *sq, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(sq, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench_viz: %s\n", err);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* xorshift: deterministic data without libc rand */
static double rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (double)(*s >> 11) / 9007199254740992.0;
}

static int build(sqlite3 *sq)
{
	sqlite3_stmt *run = NULL, *op = NULL, *smp = NULL;
	uint64_t s = 88172645463325252ull;
	int rc = -1;

	if (exec(sq, "BEGIN") ||
	    sqlite3_prepare_v2(sq, "INSERT INTO runs (id, scenario, scenario_path, scenario_sha256, seed, "
			       "mode, started_at, finished_at, status, trace_hash, afsim_version, host, pid, rig, "
			       "message, virtual_s, wall_s, tol_time_frac, tol_accuracy_um) VALUES (?1, ?2, "
			       "'x.yaml', 'x', 1, 'sim', '2026-01-01T00:00:00Z', NULL, 'passed', "
			       "'0123456789abcdef', 'bench', 'h', 1, 'sim:default', '', 1, 1, 0.05, 0.05)", -1, &run, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sq, "INSERT INTO ops VALUES (?1, ?2, 'handoff', ?3, 'A', 'B', 0, 0, ?4, ?5, "
			       "NULL, ?6, ?7, ?8, ?9, ?10, 3, 0, 22, 1, '')", -1, &op, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sq, "INSERT INTO samples VALUES (?1, ?2, ?3, ?4, 'B', ?5, ?6, ?7, ?8)", -1,
			       &smp, NULL) != SQLITE_OK)
		goto out;
	/* runs 1..RUNS of scenario "trend", 3 handoffs each; run RUNS+1 the big one */
	for (int r = 1; r <= RUNS + 1; r++) {
		int nops = r <= RUNS ? 3 : HANDOFFS;

		sqlite3_bind_int(run, 1, r);
		sqlite3_bind_text(run, 2, r <= RUNS ? "trend" : "big", -1, SQLITE_STATIC);
		if (sqlite3_step(run) != SQLITE_DONE)
			goto out;
		sqlite3_reset(run);
		for (int i = 0; i < nops; i++) {
			double ph[4] = { 44 + rnd(&s) * 6, 20 + rnd(&s) * 30, 120 + rnd(&s) * 40, rnd(&s) };

			if (r <= RUNS && r > RUNS / 2)
				ph[2] += 10;   /* a step change half-way: regressions */
			sqlite3_bind_int(op, 1, r);
			sqlite3_bind_int(op, 2, i + 1);
			sqlite3_bind_double(op, 3, 300.0 * i);
			sqlite3_bind_double(op, 4, rnd(&s) * 10 - 5);
			sqlite3_bind_double(op, 5, rnd(&s) * 0.5);
			for (int k = 0; k < 4; k++)
				sqlite3_bind_double(op, 6 + k, ph[k]);
			sqlite3_bind_double(op, 10, ph[0] + ph[1] + ph[2] + ph[3]);
			if (sqlite3_step(op) != SQLITE_DONE)
				goto out;
			sqlite3_reset(op);
		}
	}
	for (int i = 0; i < FRAMES; i++) {
		int opn = i / (FRAMES / HANDOFFS);

		sqlite3_bind_int(smp, 1, RUNS + 1);
		sqlite3_bind_int(smp, 2, opn + 1);
		sqlite3_bind_int(smp, 3, i + 1);
		sqlite3_bind_double(smp, 4, 300.0 * opn + 40 + (i % (FRAMES / HANDOFFS)) * 8.0);
		sqlite3_bind_double(smp, 5, sin(i * 0.01) * 5 + rnd(&s));
		sqlite3_bind_double(smp, 6, rnd(&s));
		sqlite3_bind_double(smp, 7, sin(i * 0.01) * 5);
		sqlite3_bind_double(smp, 8, 22 + i * 1e-5);
		if (sqlite3_step(smp) != SQLITE_DONE)
			goto out;
		sqlite3_reset(smp);
	}
	if (exec(sq, "INSERT INTO baselines VALUES ('main', 'trend', 1, 'now', 'bench')") ||
	    exec(sq, "COMMIT"))
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_viz: cannot build the database: %s\n", sqlite3_errmsg(sq));
	sqlite3_finalize(run);
	sqlite3_finalize(op);
	sqlite3_finalize(smp);
	return rc;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int measure(db *d, viz_ctx *x, const char *name, const viz_request *rq, bool zoom_out)
{
	double t0 = now_ms(), load, r[REPS];
	viz_view *v = viz_view_open(d, rq);
	viz_canvas c;
	int rc;

	load = now_ms() - t0;
	if (!v || viz_view_status(v) != 0) {
		fprintf(stderr, "bench_viz: %s: %s\n", name, v ? viz_view_errmsg(v) : "out of memory");
		viz_view_free(v);
		return -1;
	}
	if (viz_canvas_init(&c, x, 1280, 800) != 0) {
		fprintf(stderr, "bench_viz: %s\n", c.err);
		viz_view_free(v);
		return -1;
	}
	rc = viz_view_render(v, &c);
	if (zoom_out)
		viz_view_zoom(v, 1e9, -1);   /* the whole run: every frame in view */
	for (int i = 0; i < REPS && rc == 0; i++) {
		t0 = now_ms();
		rc = viz_view_render(v, &c);
		r[i] = now_ms() - t0;
	}
	if (rc == 0) {
		qsort(r, REPS, sizeof r[0], cmp);
		printf("%-34s load %8.1f ms   render %6.1f ms (median of %d, min %.1f, max %.1f)\n", name,
		       load, r[REPS / 2], REPS, r[0], r[REPS - 1]);
	}
	viz_canvas_release(&c);
	viz_view_free(v);
	return rc;
}

int main(void)
{
	char dir[] = "/tmp/afsim-bench-viz-XXXXXX", path[64], err[256];
	sqlite3 *sq = NULL;
	db *store = NULL;
	viz_ctx *x = NULL;
	double t0;
	int rc = 1;

	if (!mkdtemp(dir)) {
		perror("bench_viz: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/bench.db", dir);
	t0 = now_ms();
	{
		/* the store creates the schema; the rows go in with raw SQL */
		db *d = db_open(path, err, sizeof err);

		if (!d) {
			fprintf(stderr, "bench_viz: %s\n", err);
			goto out;
		}
		db_close(d);
	}
	if (sqlite3_open(path, &sq) != SQLITE_OK || build(sq) != 0)
		goto out;
	printf("database: %d runs (3 handoffs each), one run of %d handoffs and %d frames, built in %.0f ms\n",
	       RUNS, HANDOFFS, FRAMES, now_ms() - t0);
	x = viz_ctx_new(NULL, err, sizeof err);
	if (!x) {
		fprintf(stderr, "bench_viz: %s\n", err);
		goto out;
	}
	/* the pictures read through the store */
	store = db_open(path, err, sizeof err);
	if (!store) {
		fprintf(stderr, "bench_viz: %s\n", err);
		goto out;
	}
	{
		viz_request tl = { VIZ_TIMELINE, { RUNS + 1, 0 }, 1, NULL, NULL, NULL };
		viz_request tr = { VIZ_TREND, { 0, 0 }, 0, "trend", "handoff.total_ms.p95", NULL };
		viz_request tm = { VIZ_TREND, { 0, 0 }, 0, "trend", "handoff.total_ms.mean", NULL };
		viz_request hi = { VIZ_HIST, { RUNS + 1, 1 }, 2, NULL, NULL, NULL };
		viz_request cm = { VIZ_COMPARE, { RUNS + 1, 1 }, 2, NULL, NULL, NULL };

		if (measure(store, x, "timeline, 100000 frames, all", &tl, true) ||
		    measure(store, x, "timeline, first window", &tl, false) ||
		    measure(store, x, "trend p95, 10000 runs", &tr, false) ||
		    measure(store, x, "trend mean, 10000 runs", &tm, false) ||
		    measure(store, x, "hist, 5000 + 3 handoffs", &hi, false) ||
		    measure(store, x, "compare, 5000 vs 3 handoffs", &cm, false))
			goto out;
	}
	rc = 0;
out:
	viz_ctx_free(x);
	db_close(store);
	sqlite3_close(sq);
	unlink(path);
	rmdir(dir);
	return rc;
}
