/*
 * bench_report.c - how long the profiling report and the regression check
 * take over a large results database.
 *
 * Builds a temporary database of RUNS runs x HANDOFFS handoffs of one
 * scenario (a million ops by default; each run's ops inserted with one
 * prepared statement in one BEGIN IMMEDIATE transaction), the first and
 * the last run with trace indexes of TRACE records, the first blessed as
 * baseline `main`.  Then times: the report over every run of the scenario
 * (collect the ids, load, compute, print text and JSON to /dev/null), the
 * report of one run, and the regression of the last run against the
 * baseline (two runs' ops, both trace indexes, and the history over every
 * run of the scenario).  Next to them, the floor of any report over those
 * rows: one plain SQLite scan per run that aggregates every column the
 * report reads (count and sums of the opset's columns), and one scan that
 * aggregates the columns of the regression's history over the scenario's
 * runs; the report and the regression are printed as multiples of them.
 * Times are CPU time (user + system) of this process, best of REPEAT: the
 * machine is shared.  Prints figures; asserts nothing.
 *   build/bench/bench_report [RUNS [HANDOFFS]]
 */
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_quick.h"
#include "db/db.h"
#include "db/regress.h"
#include "db/report.h"

#define TRACE 30000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64*: deterministic noise in [0, 1). */
static double noise(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static const char op_sql[] =
	"INSERT INTO ops (run_id, seq, kind, t_ms, from_lens, to_lens, z_request_um, z_predicted_um,"
	" z_found_um, mapping_error_um, focus_error_um, lens_switch_ms, focus_move_ms,"
	" focus_search_ms, validation_ms, total_ms, frames, cache_hit, temperature_c, success, error)"
	" VALUES (?1, ?2, 'handoff', ?3, 'A', 'B', 0, 4, 4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	" ?13, ?14, ?15)";

static int insert_ops(db *d, sqlite3_stmt *st, int64_t run, int handoffs, double slow,
		      uint64_t *rng)
{
	sqlite3 *h = db_handle(d);

	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	for (int i = 0; i < handoffs; i++) {
		double sw = 35 + 10 * noise(rng), mv = slow * (30 + 20 * noise(rng));
		double se = 120 + 60 * noise(rng), va = 2 * noise(rng);
		bool ok = noise(rng) > 0.002;

		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int(st, 2, i + 1);
		sqlite3_bind_double(st, 3, 500.0 * i);
		sqlite3_bind_double(st, 4, 0.4 * noise(rng) * noise(rng));
		sqlite3_bind_double(st, 5, 0.1 * noise(rng));
		sqlite3_bind_double(st, 6, sw);
		sqlite3_bind_double(st, 7, mv);
		sqlite3_bind_double(st, 8, se);
		sqlite3_bind_double(st, 9, va);
		sqlite3_bind_double(st, 10, sw + mv + se + va + 2);
		sqlite3_bind_int(st, 11, 3 + (int)(3 * noise(rng)));
		sqlite3_bind_int(st, 12, noise(rng) < 0.5);
		sqlite3_bind_double(st, 13, 22 + 0.3 * noise(rng));
		sqlite3_bind_int(st, 14, ok);
		sqlite3_bind_text(st, 15, ok ? "" : "ETIMEDOUT: camera frame dropped", -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		sqlite3_reset(st);
	}
	return sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void fill_trace(db_trace_rec *t, size_t n, size_t part_at)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		t[i].kind = (uint16_t)(1 + i % 12);
		t[i].t_ns = (int64_t)i * 1000000;
		h = (h ^ (i >= part_at ? 0x55 : i)) * 0x100000001b3ULL;
		t[i].hash = h;
	}
}

/* The report's floor: the columns db_opset_load reads, aggregated by SQLite
 * over the same runs through the same index. */
static const char scan_report_sql[] =
	"SELECT count(kind), sum(lens_switch_ms), sum(focus_move_ms), sum(focus_search_ms),"
	" sum(validation_ms), sum(total_ms), sum(mapping_error_um), sum(focus_error_um),"
	" sum(temperature_c), sum(frames), sum(cache_hit), sum(success)"
	" FROM ops WHERE run_id = ?1";

/* The regression's floor: the history's columns over the scenario's runs. */
static const char scan_history_sql[] =
	"SELECT count(*), sum(o.lens_switch_ms), sum(o.focus_move_ms), sum(o.focus_search_ms),"
	" sum(o.validation_ms), sum(o.total_ms)"
	" FROM runs r JOIN ops o ON o.run_id = r.id WHERE r.scenario = ?1";

/* Seconds for the report's floor scan over runs[0..n); -1 on error. */
static double scan_report(db *d, const int64_t *runs, size_t n, double *check)
{
	sqlite3_stmt *st = NULL;
	double t0 = now_s(), sum = 0.0;

	if (sqlite3_prepare_v2(db_handle(d), scan_report_sql, -1, &st, NULL) != SQLITE_OK)
		return -1.0;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, runs[i]);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return -1.0;
		}
		sum += sqlite3_column_double(st, 5);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	*check = sum;
	return now_s() - t0;
}

static double scan_history(db *d, double *check)
{
	sqlite3_stmt *st = NULL;
	double t0 = now_s();
	int rc;

	if (sqlite3_prepare_v2(db_handle(d), scan_history_sql, -1, &st, NULL) != SQLITE_OK)
		return -1.0;
	sqlite3_bind_text(st, 1, "bench", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*check = rc == SQLITE_ROW ? sqlite3_column_double(st, 5) : 0.0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? now_s() - t0 : -1.0;
}

/* Best of REPEAT: the machine is shared, the fastest run is the cleanest. */
#define REPEAT 3

typedef struct ids {
	int64_t *v;
	size_t n, cap;
} ids;

static int collect(void *user, const db_run_row *r)
{
	ids *x = user;

	if (x->n == x->cap) {
		size_t ncap = x->cap ? 2 * x->cap : 1024;
		int64_t *p = realloc(x->v, ncap * sizeof *p);

		if (!p)
			return 1;
		x->v = p;
		x->cap = ncap;
	}
	x->v[x->n++] = r->id;
	return 0;
}

int main(int argc, char **argv)
{
	static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	int runs = argc > 1 ? atoi(argv[1]) : bench_size(1000, 40), handoffs = argc > 2 ? atoi(argv[2]) : bench_size(1000, 100);
	char dir[] = "/tmp/afsim-bench-XXXXXX", path[64], err[512];
	db_run_info info = { .scenario = "bench", .scenario_path = "bench.yaml",
			     .scenario_sha256 = sha, .seed = 1, .mode = "sim",
			     .afsim_version = "bench", .rig = "sim:default",
			     .tol_time_frac = 0.05, .tol_accuracy_um = 0.05 };
	db_trace_rec *trace = malloc(TRACE * sizeof *trace);
	sqlite3_stmt *st = NULL;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	int64_t first = 0, last = 0;
	ids all = { 0 };
	db_report rep;
	db_regress_result *res = calloc(1, sizeof *res);
	FILE *null = fopen("/dev/null", "w");
	double t0, t_build, t_ids, t_rep = 1e300, t_text, t_json, t_one, t_reg = 1e300;
	double t_scan = 1e300, t_hist = 1e300, check = 0.0;
	db *d;
	int rc = 1;

	if (runs < 2 || handoffs < 1 || !trace || !res || !null || !mkdtemp(dir)) {
		fprintf(stderr, "bench_report: bad arguments or out of memory\n");
		return 1;
	}
	snprintf(path, sizeof path, "%s/bench.db", dir);
	d = db_open(path, err, sizeof err);
	if (!d) {
		fprintf(stderr, "bench_report: %s\n", err);
		return 1;
	}
	if (sqlite3_prepare_v2(db_handle(d), op_sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	printf("building %d runs x %d handoffs (%.1f M ops) in %s\n", runs, handoffs,
	       (double)runs * handoffs / 1e6, path);
	t0 = now_s();
	for (int r = 0; r < runs; r++) {
		int64_t id;
		bool traced = r == 0 || r == runs - 1;
		/* the last tenth of the history has a 20 % slower focus move */
		double slow = r >= runs - runs / 10 ? 1.2 : 1.0;

		if (db_run_begin(d, &info, &id) != 0 || insert_ops(d, st, id, handoffs, slow, &rng) != 0)
			goto out;
		if (traced)
			fill_trace(trace, TRACE, r == 0 ? TRACE : TRACE / 2);
		if (db_run_finish(d, id, "passed", traced ? trace[TRACE - 1].hash : (uint64_t)id, "",
				  1.0, 1.0, traced ? trace : NULL, traced ? TRACE : 0) != 0)
			goto out;
		if (r == 0)
			first = id;
		last = id;
	}
	t_build = now_s() - t0;
	if (db_baseline_set(d, "main", first, "bench") != 0)
		goto out;

	t0 = now_s();
	if (db_runs_each(d, "bench", 0, collect, &all) != 0)
		goto out;
	t_ids = now_s() - t0;
	for (int k = 0; k < REPEAT; k++) {
		double t = scan_report(d, all.v, all.n, &check);

		if (t < 0.0)
			goto out;
		t_scan = t < t_scan ? t : t_scan;
		t = scan_history(d, &check);
		if (t < 0.0)
			goto out;
		t_hist = t < t_hist ? t : t_hist;
	}
	for (int k = 0; k < REPEAT; k++) {
		if (k > 0)
			db_report_release(&rep);
		t0 = now_s();
		if (db_report_build(d, all.v, all.n, NULL, &rep, err, sizeof err) != 0) {
			fprintf(stderr, "bench_report: %s\n", err);
			goto out;
		}
		t0 = now_s() - t0;
		t_rep = t0 < t_rep ? t0 : t_rep;
	}
	t0 = now_s();
	db_report_print(&rep, DB_FMT_TEXT, null);
	t_text = now_s() - t0;
	t0 = now_s();
	db_report_print(&rep, DB_FMT_JSON, null);
	t_json = now_s() - t0;
	printf("report over %zu runs: %zu handoffs, total mean %.2f ms, p99 %.2f ms\n", all.n,
	       rep.handoffs, rep.phase[DB_PHASE_TOTAL].d.mean, rep.phase[DB_PHASE_TOTAL].d.p99);
	db_report_release(&rep);
	t0 = now_s();
	if (db_report_build(d, &last, 1, NULL, &rep, err, sizeof err) != 0)
		goto out;
	db_report_print(&rep, DB_FMT_TEXT, null);
	t_one = now_s() - t0;
	db_report_release(&rep);

	for (int k = 0; k < REPEAT; k++) {
		memset(res, 0, sizeof *res);
		t0 = now_s();
		if (db_regress_run(d, "main", last, res, err, sizeof err) != 0) {
			fprintf(stderr, "bench_report: %s\n", err);
			goto out;
		}
		db_regress_print("main", res, 1, DB_FMT_TEXT, DB_RG_PRINT_VERBOSE, null);
		t0 = now_s() - t0;
		t_reg = t0 < t_reg ? t0 : t_reg;
	}
	printf("regress run %" PRId64 " vs %" PRId64 ": %s, first %s, divergence at %zu of %zu, "
	       "history %zu runs, focus_move change point at run %" PRId64 "\n",
	       last, first, db_regress_status_name(res->status),
	       res->nmetrics ? res->metrics[0].name : "-", res->div.index, res->div.nc,
	       res->nhistory, res->history[DB_PHASE_FOCUS_MOVE].cp_run);

	printf("\n%-44s %10s\n", "step", "seconds");
	printf("%-44s %10.3f  (%.0f ops/s)\n", "build the database", t_build,
	       (double)runs * handoffs / t_build);
	printf("%-44s %10.3f\n", "list the scenario's run ids", t_ids);
	printf("%-44s %10.3f\n", "floor: SQLite scan of the report's columns", t_scan);
	printf("%-44s %10.3f  (%.2fx the floor)\n", "report: load + statistics, all runs", t_rep,
	       t_rep / t_scan);
	printf("%-44s %10.3f\n", "report: print text", t_text);
	printf("%-44s %10.3f\n", "report: print json", t_json);
	printf("%-44s %10.3f\n", "report of one run (build + text)", t_one);
	printf("%-44s %10.3f\n", "floor: SQLite scan of the history's columns", t_hist);
	printf("%-44s %10.3f  (%.2fx the floor)\n", "regress one run (ops, traces, history)", t_reg,
	       t_reg / t_hist);
	printf("(best of %d; floors aggregate the same rows in SQLite alone)  [%d]\n", REPEAT,
	       (int)check & 0xff);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_report: %s\n", db_errmsg(d));
	sqlite3_finalize(st);
	db_close(d);
	snprintf(err, sizeof err, "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof err, "%s-shm", path);
	unlink(err);
	unlink(path);
	rmdir(dir);
	fclose(null);
	free(trace);
	free(res);
	free(all.v);
	return rc;
}
