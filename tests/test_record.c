/*
 * test_record.c - a scenario run from start to the store: a run whose
 * trace index is far past SQLite's blob limit keeps every row; a writer
 * killed after any commit leaves no sample without its op; a failed
 * calibration is a failed op with its error (never a mapping error of 0)
 * and a warning; virtual time that would overflow ends the run as an
 * error, and the simulator's clock stops at its limit instead of wrapping.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "engine/af_hal.h"
#include "kernel/clock.h"
#include "sim/results_db.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "tests/dbfix.h"

Suite *record_suite(void);

/* A scenario from YAML text, written to a file in the test's folder (the
 * store records the file's SHA-256). */
static void load(sim_scenario *s, const char *name, const char *yaml)
{
	char path[400], err[SIM_ERR_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.yaml", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	ck_assert_msg(sim_scenario_load(path, s, err, sizeof err) == 0, "%s", err);
}

/* Run s into d; the run's id. */
static int64_t record(db *d, const sim_scenario *s, sim_run_result *res, bool whole)
{
	sim_results_db a;

	sim_results_db_init(&a, d, "v-test", NULL, NULL, NULL);
	sim_run(s, 0, false, &sim_results_db_ops, &a, res);
	if (whole)
		ck_assert_msg(sim_results_db_error(&a) == NULL, "%s", sim_results_db_error(&a));
	ck_assert_int_gt(a.run_id, 0);
	return a.run_id;
}

static const char handoffs_yaml[] =
	"scenario: many\n"
	"seed: 3\n"
	"steps:\n"
	"  - calibrate: {points: 7, from_um: -6, to_um: 6}\n"
	"  - handoff: {from: A, to: B, z_um: {uniform: [-4, 4]}, repeat: 200}\n";

/*
 * The store's blob limit lowered to 100 kB: the run's index (about 7000
 * records, 170 kB as one blob) was refused, the run's rows rolled back
 * after it printed PASS.  Now every op and every index record is there,
 * and the index's last hash is the run's.
 */
START_TEST(run_past_the_blob_limit_keeps_its_rows)
{
	sim_scenario s;
	sim_run_result res;
	db *d = open_db();
	sqlite3 *h = raw_open();
	int64_t run;
	uint64_t n = 0;
	db_trace_rec *t = NULL;
	size_t k = 0;
	char q[200], st[32];

	load(&s, "many", handoffs_yaml);
	sqlite3_limit(db_handle(d), SQLITE_LIMIT_LENGTH, 100000);
	run = record(d, &s, &res, true);
	ck_assert_int_eq(res.verdict, SIM_PASSED);
	ck_assert_uint_gt(res.events * 24, 100000);   /* one blob would not fit */
	snprintf(q, sizeof q, "SELECT status FROM runs WHERE id = %" PRId64, run);
	q_text(h, q, st, sizeof st);
	ck_assert_str_eq(st, "passed");
	snprintf(q, sizeof q, "SELECT count(*) FROM ops WHERE run_id = %" PRId64, run);
	ck_assert_int_eq(q_int(h, q), 201);
	ck_assert_int_eq(db_trace_count(d, run, &n), 0);
	ck_assert_uint_eq(n, res.events);
	ck_assert_int_eq(db_trace_load(d, run, &t, &k), 0);
	ck_assert_uint_eq(k, res.events);
	ck_assert_uint_eq(t[k - 1].hash, DB_TRACE_HASH_KEPT(res.trace_hash));
	free(t);
	sim_scenario_release(&s);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* The writer of a run, killed after its `commits`-th commit. */
static int commits_left;

static int die_after(void *user, sqlite3 *h, const char *name, int pages)
{
	(void)user;
	(void)h;
	(void)name;
	(void)pages;
	if (--commits_left == 0)
		raise(SIGKILL);
	return SQLITE_OK;
}

static void crash_child(int commits)
{
	sim_scenario s;
	sim_run_result res;
	sim_results_db a;
	char err[512];
	db *d = db_open(dbpath, err, sizeof err);

	if (!d)
		_exit(10);
	load(&s, "crash", "scenario: crash\nsteps:\n  - calibrate: {points: 7, from_um: -6, to_um: 6}\n"
			  "  - handoff: {from: A, to: B, z_um: {uniform: [-4, 4]}, repeat: 1000}\n");
	commits_left = commits;
	/* called after each commit, once it is durable in the WAL */
	sqlite3_wal_hook(db_handle(d), die_after, NULL);
	sim_results_db_init(&a, d, "v-test", NULL, NULL, NULL);
	sim_run(&s, 0, false, &sim_results_db_ops, &a, &res);
	_exit(11);   /* finished before the kill: too few commits */
}

/* Killed after the 2nd, 3rd, ... 7th commit (the first is the run's row;
 * the run makes about 25): some ops and samples are in, and every
 * sample's op is. */
START_TEST(killed_writer_leaves_no_orphan_samples)
{
	for (int commits = 2; commits <= 7; commits++) {
		pid_t pid;
		int st;
		sqlite3 *h;

		unlink(dbpath);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			crash_child(commits);
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "commit %d: status %d", commits,
			      st);
		h = raw_open();
		ck_assert_int_gt(q_int(h, "SELECT count(*) FROM samples"), 0);
		ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples s WHERE NOT EXISTS (SELECT 1 "
					  "FROM ops o WHERE o.run_id = s.run_id AND o.seq = s.op_seq)"), 0);
		sqlite3_close(h);
	}
}
END_TEST

/* A flat specimen has no focus peak: the calibration fails. */
START_TEST(failed_calibration_is_a_failed_op)
{
	static const char yaml[] =
		"scenario: flat\n"
		"rig: {specimen: {kind: flat}}\n"
		"steps:\n"
		"  - calibrate: {points: 5, from_um: -4, to_um: 4}\n"
		"  - handoff: {from: A, to: B, z_um: 1, repeat: 2}\n"
		"expect:\n"
		"  calibration.rms_um: {max: 0.1}\n";
	sim_scenario s;
	sim_run_result res;
	db *d = open_db();
	sqlite3 *h = raw_open();
	char row[600], want[600];

	load(&s, "flat", yaml);
	record(d, &s, &res, true);
	ck_assert_int_eq(res.verdict, SIM_FAILED);
	ck_assert_uint_eq(res.calibrations, 1);
	ck_assert_uint_eq(res.calibrations_failed, 1);
	q_text(h, "SELECT kind || '|' || success || '|' || coalesce(mapping_error_um, 'NULL') || '|' "
		  "|| error FROM ops WHERE seq = 1", row, sizeof row);
	ck_assert_msg(strstr(row, "calibrate|0|NULL|ENOFOCUS: calibration found focus at 0 of 5 sites, "
				  "fewer than the 3 it needs: site 0 at -4.000 um, lens A: no focus ") == row,
		      "%s", row);
	snprintf(want, sizeof want, "calibration (op 1) failed: %s; the operations after it use "
		 "the factory mapping (nominal offset 4.000 um)", strchr(strchr(strchr(row, '|') + 1,
									    '|') + 1, '|') + 1);
	ck_assert_str_eq(res.calibration_error, want);
	q_text(h, "SELECT kind || ': ' || detail FROM events ORDER BY seq LIMIT 1", row, sizeof row);
	ck_assert_str_eq(row + strlen("warning: "), want);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM events WHERE kind = 'warning'"), 1);
	q_text(h, "SELECT coalesce(value, 'NULL') || ' ' || passed FROM expectations", row, sizeof row);
	ck_assert_str_eq(row, "NULL 0");
	sim_scenario_release(&s);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* A scenario made in C, past the loader's bounds: 930 waits of 1e7 s
 * (9.3e9 s: past the 9.2e9 s of int64 nanoseconds) is an error before
 * anything runs, recorded as such; so is one interval past the limit. */
START_TEST(time_past_the_clock_is_an_error)
{
	sim_scenario s;
	sim_run_result res;
	db *d = open_db();
	sqlite3 *h = raw_open();
	int64_t run;
	char row[400];

	load(&s, "long", "scenario: long\nsteps:\n  - wait: {s: 1}\n");
	free(s.steps);
	s.n_steps = 930;
	s.steps = calloc(s.n_steps, sizeof *s.steps);
	ck_assert_ptr_nonnull(s.steps);
	for (size_t i = 0; i < s.n_steps; i++) {
		s.steps[i].kind = SIM_STEP_WAIT;
		s.steps[i].line = 3 + (int)i;
		s.steps[i].wait_s = 1e7;
	}
	run = record(d, &s, &res, true);
	ck_assert_int_eq(res.verdict, SIM_ERROR);
	ck_assert_str_eq(res.message, "the scenario's waits and intervals add up to 9.3e+09 s of "
				      "simulated time, more than the 4.612e+09 s (146 years) the "
				      "virtual clock can count");
	ck_assert(res.virtual_s < 1.0);   /* nothing ran */
	snprintf(row, sizeof row, "SELECT status || ': ' || message FROM runs WHERE id = %" PRId64, run);
	q_text(h, row, row, sizeof row);
	ck_assert_msg(strstr(row, "error: the scenario's waits and intervals add up to 9.3e+09 s") == row,
		      "%s", row);

	s.n_steps = 1;
	s.steps[0].kind = SIM_STEP_HANDOFF;
	s.steps[0].from = AF_LENS_A;
	s.steps[0].to = AF_LENS_B;
	s.steps[0].z_um.value = 1;
	s.steps[0].repeat = 2;
	s.steps[0].interval_s = 5e9;
	record(d, &s, &res, true);
	ck_assert_int_eq(res.verdict, SIM_ERROR);
	ck_assert_msg(strstr(res.message, "add up to 5e+09 s") != NULL, "%s", res.message);
	ck_assert_uint_eq(res.handoffs, 0);
	sim_scenario_release(&s);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* The simulator's clock at its limit: it stops there instead of wrapping
 * around, and every call that would take time is refused. */
START_TEST(clock_stops_at_its_limit)
{
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal hal;
	double t;
	sim_clock c;

	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	sh = sim_hal_new(&rig, &room, 1, NULL, NULL);
	ck_assert_ptr_nonnull(sh);
	sim_hal_bind(sh, &hal);
	ck_assert_int_eq(hal.ops->read_temperature(hal.ctx, &t), AF_OK);
	/* the engine's work after the reading is paid first */
	sim_ctl_advance(sh, SIM_TIME_MAX_NS - 1000 - sim_ctl_engine_now_ns(sh));
	ck_assert_int_eq(sim_ctl_now_ns(sh), SIM_TIME_MAX_NS - 1000);
	/* a reading starts in time and takes 2 ms: the clock stops at the limit */
	ck_assert_int_eq(hal.ops->read_temperature(hal.ctx, &t), AF_OK);
	ck_assert_int_eq(sim_ctl_now_ns(sh), SIM_TIME_MAX_NS);
	ck_assert_int_eq(hal.ops->sleep_us(hal.ctx, 1), AF_ESTATE);
	ck_assert_msg(strstr(hal.ops->errmsg(hal.ctx), "virtual clock overflow: the run reached "
				"4.612e+09 s of simulated time") == hal.ops->errmsg(hal.ctx), "%s",
		      hal.ops->errmsg(hal.ctx));
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 1.0), AF_ESTATE);
	sim_ctl_advance(sh, INT64_MAX);
	ck_assert_int_eq(sim_ctl_now_ns(sh), SIM_TIME_MAX_NS);
	sim_hal_free(sh);

	/* the clock itself, and the sums */
	sim_clock_init(&c);
	sim_clock_advance_ns(&c, INT64_MAX);
	ck_assert(sim_clock_overflowed(&c));
	ck_assert_int_eq(sim_clock_now_ns(&c), SIM_TIME_MAX_NS);
	sim_clock_init(&c);
	sim_clock_advance_ns(&c, -5);
	ck_assert_int_eq(sim_clock_now_ns(&c), 0);
	sim_clock_advance_ns(&c, SIM_TIME_MAX_NS);
	ck_assert(!sim_clock_overflowed(&c));
	ck_assert_int_eq(sim_time_add(SIM_TIME_MAX_NS, 1), SIM_TIME_OVER_NS);
	ck_assert_int_eq(sim_time_add(SIM_TIME_MAX_NS, INT64_MAX), SIM_TIME_OVER_NS);
	ck_assert_int_eq(sim_time_add(5, 7), 12);
	ck_assert_int_eq(sim_s_to_ns(1e300), SIM_TIME_OVER_NS);
	ck_assert_int_eq(sim_s_to_ns(INFINITY), SIM_TIME_OVER_NS);
	ck_assert_int_eq(sim_s_to_ns(NAN), 0);
	ck_assert_int_eq(sim_s_to_ns(1e7), INT64_C(10000000000000000));
}
END_TEST

Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, run_past_the_blob_limit_keeps_its_rows);
	tcase_add_test(tc, killed_writer_leaves_no_orphan_samples);
	tcase_add_test(tc, failed_calibration_is_a_failed_op);
	tcase_add_test(tc, time_past_the_clock_is_an_error);
	tcase_add_test(tc, clock_stops_at_its_limit);
	suite_add_tcase(s, tc);
	return s;
}
