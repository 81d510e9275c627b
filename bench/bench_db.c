/*
 * bench_db.c - how fast the results store ingests: 100k ops rows through
 * db_op_add (buffered, one BEGIN IMMEDIATE transaction per batch of 512),
 * the run begun and finished around them, into a fresh file in a temp
 * folder.  Prints rows per second (best of REPS, each on a fresh file)
 * and the size of the file after db_close (WAL checkpointed into it).
 * Then the trace index: N_TRACE records of a long wait's shape streamed
 * through db_trace_add (records per second, bytes per record), and two
 * such runs that part near the end compared with db_trace_diverge_runs
 * (chunk by chunk) and with db_trace_load (whole).  Asserts nothing.
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_quick.h"
#include "db/db.h"

#define N_OPS 100000
#define REPS bench_size(3, 1)
#define N_TRACE ((size_t)bench_size(4000000, 200000))   /* a wait of 2e6 s: 30 s ticks, a read and an advance each */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

/* One run of N_OPS ops into path: seconds, and the file size in *bytes. */
static int one(const char *path, double *secs, long long *bytes)
{
	static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char err[512];
	db_run_info info = { .scenario = "bench", .scenario_path = "bench.yaml",
			     .scenario_sha256 = sha, .seed = 1, .mode = "sim",
			     .afsim_version = "bench", .rig = "sim:default",
			     .tol_time_frac = 0.05, .tol_accuracy_um = 0.05 };
	int64_t run;
	double t0;
	struct stat st;
	db *d = db_open(path, err, sizeof err);

	if (!d) {
		fprintf(stderr, "bench_db: %s\n", err);
		return -1;
	}
	t0 = now_s();
	if (db_run_begin(d, &info, &run) != 0)
		goto fail;
	for (uint32_t i = 1; i <= N_OPS; i++) {
		/* the shape of a real handoff row, values varying */
		db_op o = { .seq = i, .kind = "handoff", .t_ms = 250.0 * i,
			    .from_lens = i % 2 ? "A" : "B", .to_lens = i % 2 ? "B" : "A",
			    .z_request_um = sin(i), .z_predicted_um = sin(i) + 0.01,
			    .z_found_um = sin(i) + 0.02, .mapping_error_um = 0.01 * (i % 7),
			    .focus_error_um = 0.02 * (i % 5), .lens_switch_ms = 80 + i % 3,
			    .focus_move_ms = 20 + i % 5, .focus_search_ms = 60 + i % 11,
			    .validation_ms = 15, .total_ms = 175 + i % 19, .frames = 9 + i % 4,
			    .cache_hit = i % 3 == 0, .temperature_c = 22 + 0.001 * (i % 1000),
			    .success = true, .error = "" };

		if (db_op_add(d, run, &o) != 0)
			goto fail;
	}
	if (db_run_finish(d, run, "passed", 1, "", 1, 1, NULL, 0) != 0)
		goto fail;
	*secs = now_s() - t0;
	db_close(d);
	*bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
	return 0;
fail:
	fprintf(stderr, "bench_db: %s\n", db_errmsg(d));
	db_close(d);
	return -1;
}

static const char bench_sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* A run whose index is N_TRACE records of a long wait, parting from the
 * other at record `part` (N_TRACE: never); its id in *run. */
static int trace_run(db *d, size_t part, int64_t *run)
{
	db_run_info info = { .scenario = "bench", .scenario_path = "bench.yaml",
			     .scenario_sha256 = bench_sha, .seed = 1, .mode = "sim",
			     .afsim_version = "bench", .rig = "sim:default",
			     .tol_time_frac = 0.05, .tol_accuracy_um = 0.05 };
	db_trace_rec buf[1024];
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	if (db_run_begin(d, &info, run) != 0)
		return -1;
	for (size_t i = 0; i < N_TRACE;) {
		size_t k = 0;

		for (; k < 1024 && i < N_TRACE; k++, i++) {
			h = (h ^ (i >= part ? i + 1 : i)) * UINT64_C(0x100000001b3);
			buf[k] = (db_trace_rec){ (uint16_t)(i % 2 ? 7 : 34),
						 (int64_t)(i / 2) * 30000000000 + (int64_t)(i % 2) * 2000000,
						 h };
		}
		if (db_trace_add(d, *run, buf, k) != 0)
			return -1;
	}
	return db_run_finish(d, *run, "passed", h, "", 2e6, 1, NULL, 0);
}

static int trace_bench(const char *dir)
{
	char path[96], err[512];
	db *d;
	int64_t a, b;
	double t0, t_add, t_div, t_load;
	long long before, after;
	struct stat st;
	db_trace_div dv;
	db_trace_rec *recs = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/trace.db", dir);
	if (!(d = db_open(path, err, sizeof err))) {
		fprintf(stderr, "bench_db: %s\n", err);
		return -1;
	}
	before = stat(path, &st) == 0 ? (long long)st.st_size : 0;
	t0 = now_s();
	if (trace_run(d, N_TRACE, &a) != 0)
		goto fail;
	t_add = now_s() - t0;
	db_close(d);
	after = stat(path, &st) == 0 ? (long long)st.st_size : 0;
	if (!(d = db_open(path, err, sizeof err))) {
		fprintf(stderr, "bench_db: %s\n", err);
		return -1;
	}
	if (trace_run(d, N_TRACE - 10, &b) != 0)
		goto fail;
	t0 = now_s();
	if (db_trace_diverge_runs(d, a, b, &dv) != 0)
		goto fail;
	t_div = now_s() - t0;
	t0 = now_s();
	if (db_trace_load(d, a, &recs, &n) != 0)
		goto fail;
	t_load = now_s() - t0;
	free(recs);
	printf("trace index: %zu records of a long wait (db_trace_add, chunks of 4096)\n", N_TRACE);
	printf("  ingest %.3f s  %.0f records/s  %.2f bytes/record in the file (24 as one blob)\n",
	       t_add, N_TRACE / t_add, (double)(after - before) / N_TRACE);
	printf("  first divergence at record %llu: %.3f s chunk by chunk; "
	       "db_trace_load of one run %.3f s, %.0f MB\n", (unsigned long long)dv.index, t_div,
	       t_load, (double)n * sizeof *recs / 1e6);
	db_close(d);
	return 0;
fail:
	fprintf(stderr, "bench_db: %s\n", db_errmsg(d));
	db_close(d);
	return -1;
}

int main(void)
{
	char dir[] = "/tmp/afsim-bench-db-XXXXXX", path[64];
	double best = INFINITY;
	long long bytes = 0;

	if (!mkdtemp(dir)) {
		perror("bench_db: mkdtemp");
		return 1;
	}
	printf("results store ingest: %d ops rows per run (db_op_add, batches of 512)\n", N_OPS);
	for (int r = 0; r < REPS; r++) {
		double s;

		snprintf(path, sizeof path, "%s/bench%d.db", dir, r);
		if (one(path, &s, &bytes) != 0) {
			rm_dir(dir);
			return 1;
		}
		printf("  rep %d: %.3f s  %.0f rows/s\n", r + 1, s, N_OPS / s);
		if (s < best)
			best = s;
	}
	printf("best: %.0f rows/s; file %.1f MB (%.0f bytes/row)\n", N_OPS / best,
	       (double)bytes / 1e6, (double)bytes / N_OPS);
	if (trace_bench(dir) != 0) {
		rm_dir(dir);
		return 1;
	}
	rm_dir(dir);
	return 0;
}
