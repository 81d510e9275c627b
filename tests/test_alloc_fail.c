/*
 * test_alloc_fail.c - allocation failure, one allocation at a time (as
 * SQLite's malloc tests do): af_engine_new, the scenario loader, and the
 * store (db_open and a run's ingest) are run with their n-th allocation
 * failing, for n = 1, 2, ... until a run makes fewer than n allocations.
 * Every failure must be a clean error (NULL or -1 with "out of memory" in
 * the message, a run recorded as an error or not at all, or one failed
 * operation when the simulated rig's HAL call ran out), never a crash;
 * `make asan` runs these under LeakSanitizer, so nothing may leak either.
 * Only the project's own allocations are counted and failed (the runner
 * wraps malloc, calloc and realloc: tests/test_alloc.c); SQLite's and
 * libyaml's are not.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "engine/af_engine.h"
#include "models/camera.h"
#include "models/rig.h"
#include "sim/results_db.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "tests/alloc_count.h"
#include "tests/tmpdir.h"

/* A loop gives up past this many allocations (a runaway, not a test). */
#define MAX_N 20000

static int put_site(void *user, uint32_t i, double z)
{
	(void)i;
	sim_ctl_set_place(user, z);
	return 0;
}

START_TEST(engine_new_fails_cleanly)
{
	mdl_rig rig;
	mdl_room_profile room;
	af_engine_config cfg;
	const char *err = NULL;
	sim_hal *sh;
	af_hal hal;
	uint32_t n, failures = 0;

	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	af_engine_config_default(&cfg);
	sh = sim_hal_new(&rig, &room, 1, NULL, &err);
	ck_assert_ptr_nonnull(sh);
	sim_hal_bind(sh, &hal);
	for (n = 1; n < MAX_N; n++) {
		af_engine *e;
		bool failed;

		err = NULL;
		test_alloc_fail_at(n);
		e = af_engine_new(&hal, &cfg, &err);
		failed = test_alloc_failed();
		test_alloc_fail_at(0);
		if (!failed) {
			ck_assert_ptr_nonnull(e);
			af_engine_free(e);
			break;
		}
		ck_assert_msg(e == NULL, "allocation %u failed, yet an engine", n);
		ck_assert_str_eq(err, "out of memory");
		failures++;
	}
	ck_assert_uint_lt(n, MAX_N);
	ck_assert_uint_ge(failures, 3);   /* the engine, its frame, its ring */

	/* the statistics' percentiles take memory: ENOMEM, then they work */
	{
		af_engine *e = af_engine_new(&hal, &cfg, &err);
		af_calib_plan plan = { 5, -6.0, 6.0, 1, false };
		af_calib_report cr;
		af_handoff_result hr;
		af_stats_summary st;
		uint32_t fails = 0;

		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(af_calibrate(e, &plan, put_site, sh, &cr), AF_OK);
		for (int i = 0; i < 3; i++) {
			sim_ctl_set_place(sh, 0.5 * i);
			ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 0.5 * i), AF_OK);
			ck_assert_int_eq(af_handoff(e, AF_LENS_A, AF_LENS_B, 0.5 * i, &hr), AF_OK);
		}
		for (n = 1; n < 100; n++) {
			int rc;
			bool failed;

			test_alloc_fail_at(n);
			rc = af_engine_stats(e, &st);
			failed = test_alloc_failed();
			test_alloc_fail_at(0);
			if (!failed) {
				ck_assert_int_eq(rc, AF_OK);
				break;
			}
			ck_assert_int_eq(rc, AF_ENOMEM);
			fails++;
		}
		ck_assert_uint_ge(fails, 1);
		ck_assert_uint_eq(st.handoffs, 3);
		af_engine_free(e);
	}
	sim_hal_free(sh);
}
END_TEST

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Library scenarios with most of the schema: rig overrides, faults of
 * both families, a room trace, engine settings, expectations. */
static const char *const scenario_files[] = {
	"scenarios/thermal/excursion-reanchor.yaml",
	"scenarios/calibration/bad-site.yaml",
	"scenarios/field/bench-7.yaml",
	"scenarios/faults/stage-stall.yaml",
};

START_TEST(scenario_loader_fails_cleanly)
{
	for (size_t i = 0; i < sizeof scenario_files / sizeof scenario_files[0]; i++) {
		const char *path = scenario_files[i];
		size_t len;
		char *text;
		uint32_t n, failures = 0;

		if (access(path, R_OK) != 0)
			continue;
		text = slurp(path, &len);
		for (n = 1; n < MAX_N; n++) {
			sim_scenario s;
			char err[512] = "";
			int rc;
			bool failed;

			test_alloc_fail_at(n);
			rc = sim_scenario_load_string(path, text, len, &s, err, sizeof err);
			failed = test_alloc_failed();
			test_alloc_fail_at(0);
			if (!failed) {
				ck_assert_msg(rc == 0, "%s: %s", path, err);
				sim_scenario_release(&s);
				break;
			}
			ck_assert_msg(rc == -1, "%s: allocation %u failed, yet loaded", path, n);
			ck_assert_msg(strstr(err, "out of memory") || strstr(err, strerror(ENOMEM)),
				      "%s, allocation %u: '%s'", path, n, err);
			failures++;
		}
		ck_assert_uint_lt(n, MAX_N);
		ck_assert_uint_ge(failures, 1);
		printf("alloc_fail: %s: %u allocations failed in turn\n", path, failures);
		free(text);
	}
}
END_TEST

/*
 * The store: open a new database and record a run of a scenario into it.
 * A failed allocation in db_open is NULL with the reason; in the run, the
 * run is recorded as an error, or the recording reports it, or the
 * verdict is an error saying so - whichever the allocation belonged to.
 */
START_TEST(store_fails_cleanly)
{
	static const char yaml[] =
		"scenario: alloc-store\n"
		"description: a calibration and two handoffs, recorded\n"
		"seed: 3\n"
		"steps:\n"
		"  - calibrate: {points: 5, from_um: -6, to_um: 6, passes: 1}\n"
		"  - handoff: {from: A, to: B, z_um: 0.5}\n"
		"  - handoff: {from: B, to: A, z_um: -1.0}\n";
	char dir[256], path[320];
	sim_scenario s;
	char err[512];
	uint32_t n, failures = 0;
	uint64_t hash;
	FILE *f;

	tmpdir_make(dir, sizeof dir, "test-alloc");
	snprintf(path, sizeof path, "%s/alloc-store.yaml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	ck_assert_msg(sim_scenario_load(path, &s, err, sizeof err) == 0, "%s", err);
	{
		sim_run_result res;

		ck_assert_int_eq(sim_run(&s, 3, true, NULL, NULL, &res), SIM_PASSED);
		hash = res.trace_hash;
	}
	for (n = 1; n < MAX_N; n++) {
		sim_results_db a;
		sim_run_result res;
		sim_verdict v = SIM_PASSED;
		db *d;
		bool failed, clean;

		snprintf(path, sizeof path, "%s/t%u.db", dir, n);
		err[0] = '\0';
		/* every run makes its views (and reuses them within the run),
		 * as the first run in a process does */
		mdl_view_cache_clear();
		test_alloc_fail_at(n);
		d = db_open(path, err, sizeof err);
		if (d) {
			sim_results_db_init(&a, d, "test", NULL, NULL, NULL);
			v = sim_run(&s, 3, true, &sim_results_db_ops, &a, &res);
		}
		failed = test_alloc_failed();
		test_alloc_fail_at(0);
		if (!failed) {
			ck_assert_ptr_nonnull(d);
			ck_assert_msg(v == SIM_PASSED, "%s", res.message);
			ck_assert_msg(sim_results_db_error(&a) == NULL, "n %u: %s", n, sim_results_db_error(&a));
			db_close(d);
			unlink(path);
			break;
		}
		if (!d) {
			clean = strstr(err, "out of memory") != NULL;
			ck_assert_msg(clean, "db_open, allocation %u: '%s'", n, err);
		} else {
			const char *rec = sim_results_db_error(&a);

			/* an allocation of the simulated rig's (a view of the
			 * specimen) fails that HAL call: ENOMEM, one failed
			 * operation in the record */
			clean = v == SIM_ERROR || rec != NULL || res.handoffs_ok < res.handoffs ||
				res.calibrations_failed > 0;
			/* or a cache of the simulated world went without: the
			 * run is the clean one, to the trace hash */
			ck_assert_msg(clean || res.trace_hash == hash, "run, allocation %u failed: verdict "
				      "%d, every operation succeeded, recorded whole, trace %016llx not "
				      "%016llx", n, (int)v, (unsigned long long)res.trace_hash,
				      (unsigned long long)hash);
			if (v == SIM_ERROR)
				ck_assert_msg(strstr(res.message, "out of memory") != NULL,
					      "run, allocation %u: '%s'", n, res.message);
			db_close(d);
		}
		unlink(path);
		failures++;
	}
	ck_assert_uint_lt(n, MAX_N);
	ck_assert_uint_ge(failures, 5);
	printf("alloc_fail: the store: %u allocations failed in turn\n", failures);
	tmpdir_remove(dir);
	sim_scenario_release(&s);
}
END_TEST

Suite *alloc_fail_suite(void)
{
	Suite *s = suite_create("alloc_fail");
	TCase *tc = tcase_create("loop");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, engine_new_fails_cleanly);
	tcase_add_test(tc, scenario_loader_fails_cleanly);
	tcase_add_test(tc, store_fails_cleanly);
	suite_add_tcase(s, tc);
	return s;
}
