/*
 * test_db_proc.c - the results store across processes, and the sink that
 * feeds it (sim/results_db.h): a writer SIGKILLed half-way leaves an
 * intact file (integrity_check ok) whose run reads `aborted` with the
 * batches it had committed; abort detection spares live writers and other
 * hosts; four processes writing one fresh file at once lose no run; the
 * sink records a run (scenario SHA-256, trace index) and forwards every
 * record to the next sink.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/sha256.h"
#include "sim/results_db.h"
#include "kernel/trace.h"
#include "tests/dbfix.h"

Suite *db_proc_suite(void);

/* --- crash ----------------------------------------------------------------------- */

/* Wait for pid with a deadline; its wait status, or -1 after killing it. */
static int wait_for(pid_t pid, double timeout_s)
{
	struct timespec ts = { 0, 5000000 };
	int st;

	for (double t = 0; t < timeout_s; t += 0.005) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0)
			return -1;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* The writer: 1000 ops in CRASH_BATCHES batches (one transaction each), a
 * byte on fd once half of them are committed, then on at full speed, so
 * that the kill lands somewhere in the second half, often mid-transaction. */
#define CRASH_BATCHES 50
#define CRASH_BATCH (1000 / CRASH_BATCHES)

static void crash_child(int fd)
{
	char err[512];
	db *d = db_open(dbpath, err, sizeof err);
	db_run_info info = { .scenario = "crash", .scenario_path = "c.yaml", .scenario_sha256 = SHA_X,
			     .seed = 1, .mode = "sim", .afsim_version = "v", .rig = "sim:default",
			     .tol_time_frac = 0.05, .tol_accuracy_um = 0.05 };
	int64_t run;

	if (!d || db_run_begin(d, &info, &run) != 0)
		_exit(10);
	for (uint32_t b = 0; b < CRASH_BATCHES; b++) {
		for (uint32_t i = 1; i <= CRASH_BATCH; i++) {
			db_op o = mk_op(b * CRASH_BATCH + i);

			if (db_op_add(d, run, &o) != 0)
				_exit(11);
		}
		if (db_flush(d) != 0)
			_exit(12);
		if (b + 1 == CRASH_BATCHES / 2 && write(fd, "x", 1) != 1)
			_exit(13);
	}
	for (;;)
		pause();   /* never finishes the run */
}

START_TEST(crash_half_way)
{
	int fds[2], st;
	pid_t pid;
	char c = 0, s[64];
	struct pollfd pfd;
	sqlite3 *h;
	int64_t k, run;
	db *d;
	db_run_row r;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(fds[1]);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 20000), 1);
	if (read(fds[0], &c, 1) != 1) {
		st = wait_for(pid, 5);
		ck_abort_msg("the writer failed before half-way (status %d)", st);
	}
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	st = wait_for(pid, 10);
	close(fds[0]);
	ck_assert(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

	/* before anyone opens it with db_open: consistent, still `running` */
	h = raw_open();
	q_text(h, "PRAGMA integrity_check", s, sizeof s);
	ck_assert_str_eq(s, "ok");
	q_text(h, "SELECT status FROM runs", s, sizeof s);
	ck_assert_str_eq(s, "running");
	k = q_int(h, "SELECT count(*) FROM ops");
	if (getenv("AFSIM_TEST_VERBOSE"))
		fprintf(stderr, "crash test: %" PRId64 " of 1000 ops committed at SIGKILL\n", k);
	/* whole batches, a prefix of the run, at least the 500 before the signal */
	ck_assert_int_ge(k, 500);
	ck_assert_int_le(k, 1000);
	ck_assert_int_eq(k % CRASH_BATCH, 0);
	ck_assert_int_eq(q_int(h, "SELECT coalesce(max(seq), 0) FROM ops"), k);

	/* the next db_open marks it aborted and keeps its rows */
	d = open_db();
	ck_assert_int_eq(db_last_run(d, &run), 0);
	ck_assert_int_eq(db_run_get(d, run, &r), 0);
	ck_assert_str_eq(r.status, "aborted");
	ck_assert_uint_eq(strlen(r.finished_at), 20);
	snprintf(s, sizeof s, "(pid %d on ", (int)pid);
	ck_assert_msg(strstr(r.message, s) != NULL, "%s", r.message);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), k);
	q_text(h, "PRAGMA integrity_check", s, sizeof s);
	ck_assert_str_eq(s, "ok");
	/* a finished or aborted run is never touched again */
	db_close(d);
	d = open_db();
	ck_assert_int_eq(db_run_get(d, run, &r), 0);
	ck_assert_str_eq(r.status, "aborted");
	db_close(d);
	sqlite3_close(h);
}
END_TEST

/* Abort detection spares live writers and other hosts' runs. */
START_TEST(abort_detection_scope)
{
	pid_t dead = fork();   /* before any connection: none crosses fork() */
	db *d, *d2;
	sqlite3 *h;
	int64_t mine;
	char sql[512], s[32];

	ck_assert_int_ge(dead, 0);
	if (dead == 0)
		_exit(0);
	ck_assert_int_ne(wait_for(dead, 10), -1);   /* reaped: its pid is gone */
	d = open_db();
	h = raw_open();
	mine = begin(d, "live", 1);
	snprintf(sql, sizeof sql,
		 "INSERT INTO runs (id, scenario, scenario_path, scenario_sha256, seed, mode, started_at, "
		 "status, afsim_version, host, pid, rig) VALUES "
		 "(100, 'other-host', 'p', '%s', 1, 'sim', 't', 'running', 'v', 'elsewhere', %d, 'r'), "
		 "(101, 'dead-here', 'p', '%s', 1, 'sim', 't', 'running', 'v', "
		 "(SELECT host FROM runs WHERE id = %" PRId64 "), %d, 'r')",
		 SHA_X, (int)dead, SHA_X, mine, (int)dead);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
	d2 = open_db();
	q_text(h, "SELECT status FROM runs WHERE id = 100", s, sizeof s);
	ck_assert_str_eq(s, "running");
	q_text(h, "SELECT status FROM runs WHERE id = 101", s, sizeof s);
	ck_assert_str_eq(s, "aborted");
	snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id = %" PRId64, mine);
	q_text(h, sql, s, sizeof s);
	ck_assert_str_eq(s, "running");   /* this process is alive */
	finish(d, mine, "passed");
	db_close(d2);
	db_close(d);
	sqlite3_close(h);
}
END_TEST

/* --- concurrency ------------------------------------------------------------------ */

#define WRITERS 4
#define RUNS_EACH 25
#define OPS_EACH 40

static void writer_child(int w)
{
	char err[512], name[32];
	db *d = db_open(dbpath, err, sizeof err);

	if (!d) {
		fprintf(stderr, "writer %d: %s\n", w, err);
		_exit(10);
	}
	snprintf(name, sizeof name, "writer-%d", w);
	for (int r = 0; r < RUNS_EACH; r++) {
		db_run_info info = { .scenario = name, .scenario_path = "w.yaml",
				     .scenario_sha256 = SHA_X, .seed = (uint64_t)r, .mode = "sim",
				     .afsim_version = "v", .rig = "sim:default",
				     .tol_time_frac = 0.05, .tol_accuracy_um = 0.05 };
		int64_t run;

		if (db_run_begin(d, &info, &run) != 0)
			_exit(11);
		for (uint32_t i = 1; i <= OPS_EACH; i++) {
			db_op o = mk_op(i);
			db_sample s = { .op_seq = i, .t_ms = i, .lens = "B", .z_um = 1,
					.focus_score = 2, .true_focus_um = 3, .temperature_c = 22 };
			db_event e = { .t_ms = i, .kind = "warning", .detail = "w" };

			if (db_op_add(d, run, &o) != 0 || db_sample_add(d, run, &s) != 0 ||
			    (i % 10 == 0 && db_event_add(d, run, &e) != 0))
				_exit(12);
		}
		if (db_run_finish(d, run, "passed", 1, "", 1, 1, NULL, 0) != 0)
			_exit(13);
	}
	db_close(d);
	_exit(0);
}

START_TEST(concurrent_writers)
{
	pid_t pids[WRITERS];
	struct timespec t0, t1;
	sqlite3 *h;
	char s[16];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* the file does not exist yet: the writers also race to create it */
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0)
			writer_child(w);
	}
	for (int w = 0; w < WRITERS; w++) {
		int st = wait_for(pids[w], 60);

		ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "writer %d: status %d", w, st);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("AFSIM_TEST_VERBOSE"))
		fprintf(stderr, "concurrency test: %d writers x %d runs in %.3f s\n", WRITERS, RUNS_EACH,
			(double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
	h = raw_open();
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), WRITERS * RUNS_EACH);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE status = 'passed' "
				  "AND finished_at IS NOT NULL"), WRITERS * RUNS_EACH);
	ck_assert_int_eq(q_int(h, "SELECT count(DISTINCT scenario || '/' || seed) FROM runs"),
			 WRITERS * RUNS_EACH);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), WRITERS * RUNS_EACH * OPS_EACH);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM (SELECT run_id FROM ops GROUP BY run_id "
				  "HAVING count(*) = 40 AND max(seq) = 40)"), WRITERS * RUNS_EACH);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM (SELECT run_id FROM samples GROUP BY run_id "
				  "HAVING count(*) = 40 AND max(seq) = 40)"), WRITERS * RUNS_EACH);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM events"), WRITERS * RUNS_EACH * 4);
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	q_text(h, "PRAGMA integrity_check", s, sizeof s);
	ck_assert_str_eq(s, "ok");
	sqlite3_close(h);
}
END_TEST

/* --- the results sink --------------------------------------------------------------- */

typedef struct counts {
	int begin, op, sample, event, expect, end, index;
} counts;

static void c_begin(void *u, const sim_run_info *r) { (void)r; ((counts *)u)->begin++; }
static void c_op(void *u, const sim_op_record *r) { (void)r; ((counts *)u)->op++; }
static void c_sample(void *u, const sim_sample_record *r) { (void)r; ((counts *)u)->sample++; }
static void c_event(void *u, const sim_event_record *r) { (void)r; ((counts *)u)->event++; }
static void c_expect(void *u, const sim_expect_record *r) { (void)r; ((counts *)u)->expect++; }
static void c_end(void *u, const sim_run_end *r) { (void)r; ((counts *)u)->end++; }

static void c_index(void *u, const sim_trace_entry *e, size_t n) { (void)e; ((counts *)u)->index += (int)n; }

static const sim_results_ops counting = { c_begin, c_op, c_sample, c_event, c_expect, c_end,
					  c_index };

/* Feed one synthetic run through the sink. */
static void feed(sim_results_db *a, const char *path, const sim_trace *t)
{
	const sim_results_ops *ops = &sim_results_db_ops;
	sim_run_info info = { .scenario = "sink", .path = path, .tol_time_frac = 0.1,
			      .tol_accuracy_um = 0.2, .seed = 5, .mode = "sim" };
	sim_op_record op = { .seq = 1, .kind = "handoff", .t_ms = 1, .from_lens = "A", .to_lens = "B",
			     .focus_error_um = NAN, .frames = 7, .success = true, .error = "" };
	sim_sample_record s = { .op_seq = 1, .t_ms = 2, .lens = "B", .z_um = 1, .focus_score = 3,
				.true_focus_um = 1.5, .temperature_c = 22 };
	sim_event_record e = { .t_ms = 3, .kind = "fault", .detail = "dropped frame" };
	sim_expect_record x = { .metric = "m", .value = 1, .op = "max", .bound = 2, .passed = true };
	sim_run_end end = { .status = "passed", .trace_hash = t ? sim_trace_hash(t) : 0, .trace = t,
			    .message = "", .virtual_s = 9 };

	sim_trace_entry idx[8];
	uint64_t n = t ? sim_trace_count(t) : 0;

	for (uint64_t i = 0; i < n && i < 8; i++) {
		unsigned kind;

		ck_assert_int_eq(sim_trace_record_at(t, i, &kind, &idx[i].t_ns, &idx[i].hash), 0);
		idx[i].kind = (uint16_t)kind;
	}
	ops->run_begin(a, &info);
	ops->sample(a, &s);   /* the runner records an op's samples before the op */
	ops->sample(a, &s);
	ops->op(a, &op);
	ops->event(a, &e);
	ops->trace_index(a, idx, (size_t)n);
	ops->expectation(a, &x);
	ops->run_end(a, &end);
}

START_TEST(results_sink)
{
	static const char yaml[] = "scenario: sink\nsteps: [{wait: {s: 1}}]\n";
	char path[400], sha[DB_SHA256_HEX], sql[600], s[128];
	db *d = open_db();
	sqlite3 *h = raw_open();
	sim_trace *t = sim_trace_new(true);
	sim_results_db a;
	counts c = { 0 };
	db_trace_rec *idx = NULL;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/sink.yaml", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	db_sha256_hex(yaml, strlen(yaml), sha);
	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < 5; i++) {
		sim_trace_begin(t, i % 2 ? SIM_EV_HAL_MOVE_Z : SIM_EV_HAL_GRAB_FRAME, 1000 * i);
		sim_trace_f64(t, 0.5 * i);
		sim_trace_end(t);
	}
	sim_results_db_init(&a, d, "v-sink", NULL, &counting, &c);
	feed(&a, path, t);
	ck_assert_ptr_null(sim_results_db_error(&a));
	ck_assert_int_gt(a.run_id, 0);
	/* every record also reached the next sink */
	ck_assert_int_eq(c.begin, 1);
	ck_assert_int_eq(c.op, 1);
	ck_assert_int_eq(c.sample, 2);
	ck_assert_int_eq(c.event, 1);
	ck_assert_int_eq(c.expect, 1);
	ck_assert_int_eq(c.end, 1);
	ck_assert_int_eq(c.index, 5);
	snprintf(sql, sizeof sql, "SELECT scenario_sha256 || ' ' || rig || ' ' || afsim_version || ' ' "
		 "|| status || ' ' || trace_hash || ' ' || seed || ' ' || tol_accuracy_um || ' ' || "
		 "(wall_s >= 0) FROM runs WHERE id = %" PRId64, a.run_id);
	q_text(h, sql, s, sizeof s);
	{
		char want[160];

		snprintf(want, sizeof want, "%s sim:default v-sink passed %016" PRIx64 " 5 0.2 1", sha,
			 sim_trace_hash(t));
		ck_assert_str_eq(s, want);
	}
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops WHERE frames = 7 AND focus_error_um IS NULL"), 1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples"), 2);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM expectations"), 1);
	ck_assert_int_eq(db_trace_load(d, a.run_id, &idx, &n), 0);
	ck_assert_uint_eq(n, 5);
	for (uint64_t i = 0; i < 5; i++) {
		unsigned kind;
		int64_t tn;
		uint64_t hh;

		ck_assert_int_eq(sim_trace_record_at(t, i, &kind, &tn, &hh), 0);
		ck_assert_uint_eq(idx[i].kind, kind);
		ck_assert_int_eq(idx[i].t_ns, tn);
		ck_assert_uint_eq(idx[i].hash, DB_TRACE_HASH_KEPT(hh));
	}
	ck_assert_uint_eq(idx[4].hash, DB_TRACE_HASH_KEPT(sim_trace_hash(t)));
	ck_assert_int_eq(q_int(h, "SELECT end_hash FROM trace_chunks"), (int64_t)sim_trace_hash(t));
	free(idx);

	/* a scenario file that cannot be read: nothing recorded, the chain intact */
	memset(&c, 0, sizeof c);
	snprintf(path, sizeof path, "%s/gone.yaml", tmpdir);
	sim_results_db_init(&a, d, "v-sink", NULL, &counting, &c);
	feed(&a, path, t);
	ck_assert_int_eq(a.run_id, 0);
	ck_assert_ptr_nonnull(sim_results_db_error(&a));
	ck_assert_msg(strstr(sim_results_db_error(&a), "gone.yaml") != NULL, "%s",
		      sim_results_db_error(&a));
	ck_assert_int_eq(c.begin + c.op + c.sample + c.event + c.expect + c.end, 7);
	ck_assert_int_eq(c.index, 5);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), 1);

	/* a row the store cannot write (a duplicate op seq): the run still
	 * ends, as an error that says why, not as a complete pass */
	{
		sim_op_record op = { .seq = 1, .kind = "handoff", .error = "" };
		sim_run_info info = { .scenario = "dup", .path = path, .seed = 1, .mode = "sim" };
		sim_run_end end = { .status = "passed", .message = "" };

		snprintf(path, sizeof path, "%s/sink.yaml", tmpdir);
		sim_results_db_init(&a, d, "v-sink", NULL, NULL, NULL);
		sim_results_db_ops.run_begin(&a, &info);
		sim_results_db_ops.op(&a, &op);
		sim_results_db_ops.op(&a, &op);
		sim_results_db_ops.run_end(&a, &end);
		ck_assert_ptr_nonnull(sim_results_db_error(&a));
		ck_assert_msg(strstr(sim_results_db_error(&a), "UNIQUE constraint failed") != NULL, "%s",
			      sim_results_db_error(&a));
		snprintf(sql, sizeof sql, "SELECT status || ' ' || substr(message, 1, 18) FROM runs "
			 "WHERE id = %" PRId64, a.run_id);
		q_text(h, sql, s, sizeof s);
		ck_assert_str_eq(s, "error incomplete record:");
		ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE status = 'running'"), 0);
	}
	sim_trace_free(t);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

Suite *db_proc_suite(void)
{
	Suite *s = suite_create("db_proc");
	TCase *tc = tcase_create("processes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, crash_half_way);
	tcase_add_test(tc, abort_detection_scope);
	tcase_add_test(tc, concurrent_writers);
	tcase_add_test(tc, results_sink);
	suite_add_tcase(s, tc);
	return s;
}
