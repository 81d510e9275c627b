/*
 * test_scenario_write.c - the scenario writer's round trip: every scenario
 * of the library, and one that sets a key of every kind, loads back from
 * what the writer wrote as the same struct, and runs with the same trace
 * hash; what the writer refuses.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/scenario_write.h"
#include "tests/tmpdir.h"

/* --- the library, in sorted order ----------------------------------------------- */

#define LIB_MAX 256

typedef struct lib {
	char path[LIB_MAX][512];
	int n;
} lib;

static int cmp_path(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void collect(lib *l, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) && l->n < LIB_MAX) {
		char p[512];
		struct stat st;
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			collect(l, p);
		else if (n > 5 && strcmp(de->d_name + n - 5, ".yaml") == 0)
			snprintf(l->path[l->n++], sizeof l->path[0], "%s", p);
	}
	closedir(d);
}

static lib library;

static void library_load(void)
{
	if (library.n)
		return;
	collect(&library, "scenarios");
	qsort(library.path, (size_t)library.n, sizeof library.path[0], cmp_path);
}

/* --- comparing two scenarios, field by field ------------------------------------- */

static bool same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

/* Everything but where the text was (path, the lines of steps and
 * expectations, which point into the file they came from). */
static void assert_same(const sim_scenario *a, const sim_scenario *b, const char *what)
{
	mdl_room_profile ra = a->room, rb = b->room;

	ck_assert_str_eq(a->name, b->name);
	ck_assert_str_eq(a->description, b->description);
	ck_assert_uint_eq(a->seed, b->seed);
	ck_assert_msg(memcmp(&a->rig, &b->rig, sizeof a->rig) == 0, "%s: the rig differs", what);
	ck_assert_msg(memcmp(&a->engine, &b->engine, sizeof a->engine) == 0, "%s: the engine differs",
		      what);
	ra.points = rb.points = NULL;
	ck_assert_msg(memcmp(&ra, &rb, sizeof ra) == 0, "%s: the room differs", what);
	ck_assert_uint_eq(a->n_room_points, b->n_room_points);
	ck_assert_msg(a->n_room_points == 0 ||
		      memcmp(a->room_points, b->room_points, a->n_room_points * sizeof *a->room_points) == 0,
		      "%s: the room points differ", what);
	ck_assert_uint_eq(a->n_faults, b->n_faults);
	for (size_t i = 0; i < a->n_faults; i++)
		ck_assert_msg(memcmp(&a->faults[i], &b->faults[i], sizeof a->faults[i]) == 0,
			      "%s: fault %zu differs", what, i + 1);
	ck_assert_uint_eq(a->n_steps, b->n_steps);
	for (size_t i = 0; i < a->n_steps; i++) {
		sim_step x = a->steps[i], y = b->steps[i];

		x.line = y.line = 0;
		ck_assert_msg(memcmp(&x, &y, sizeof x) == 0, "%s: step %zu differs", what, i + 1);
	}
	ck_assert_uint_eq(a->n_expects, b->n_expects);
	for (size_t i = 0; i < a->n_expects; i++) {
		const sim_expect *x = &a->expects[i], *y = &b->expects[i];

		ck_assert_str_eq(x->metric, y->metric);
		ck_assert(x->has_min == y->has_min && x->has_max == y->has_max);
		ck_assert_msg(same_double(x->min, y->min) && same_double(x->max, y->max),
			      "%s: expectation %s differs", what, x->metric);
	}
	ck_assert(same_double(a->tol_time_frac, b->tol_time_frac));
	ck_assert(same_double(a->tol_accuracy_um, b->tol_accuracy_um));
}

static char dir[256];

static void setup(void)
{
	tmpdir_make(dir, sizeof dir, "test-scnwrite");
}

static void teardown(void)
{
	tmpdir_remove(dir);   /* a copy's trace CSV lives beside it, in the folder */
}

/* Write s into the test folder as name, load it back. */
static void round_trip(const sim_scenario *s, const char *name, sim_scenario *back)
{
	char path[512], err[SIM_ERR_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	ck_assert_msg(sim_scenario_write_file(s, path, "written by the round-trip test", err,
					      sizeof err) == 0, "%s", err);
	ck_assert_msg(sim_scenario_load(path, back, err, sizeof err) == 0, "%s: %s", name, err);
}

/* Each scenario of the library: load, write, load - the same struct; and
 * the same run (trace hash, verdict) from both. */
START_TEST(library_round_trip)
{
	sim_scenario a, b;
	sim_run_result ra, rb;
	char err[SIM_ERR_MAX];

	library_load();
	ck_assert_int_lt(_i, library.n);
	ck_assert_msg(sim_scenario_load(library.path[_i], &a, err, sizeof err) == 0, "%s", err);
	round_trip(&a, "copy.yaml", &b);
	assert_same(&a, &b, library.path[_i]);
	sim_run(&a, 0, false, NULL, NULL, &ra);
	sim_run(&b, 0, false, NULL, NULL, &rb);
	ck_assert_msg(ra.trace_hash == rb.trace_hash, "%s: trace %016llx, its copy %016llx",
		      library.path[_i], (unsigned long long)ra.trace_hash,
		      (unsigned long long)rb.trace_hash);
	ck_assert_int_eq(ra.verdict, rb.verdict);
	sim_scenario_release(&a);
	sim_scenario_release(&b);
}
END_TEST

/* A key of every kind, off its default. */
static const char kitchen[] =
	"scenario: every-kind\n"
	"description: \"quotes \\\" and \\\\ and a tab\\t, a line\\nand \xc2\xb5m\"\n"
	"seed: 18446744073709551615\n"
	"rig:\n"
	"  start_z_um: 1.25\n"
	"  start_lens: B\n"
	"  lens_a: {na: 0.25, asymmetry: -0.125}\n"
	"  parfocal: {c0_um: 3.9, c2_per_um: 0.0001, seating_sigma_um: 0}\n"
	"  thermal: {tau_fast_s: 600, sensor_noise_c: 0.02}\n"
	"  stage: {settle_ms: 7, profile: piezo, travel_max_um: 90}\n"
	"  turret: {profile: turret}\n"
	"  camera: {roi_width: 96, roi_height: 64, exposure_us: 5000, bit_depth: 12, qe: 0.75}\n"
	"  specimen: {kind: grid, seed: 99, grid_pitch_um: 12.5, tilt_x_um_per_mm: -0.3}\n"
	"engine:\n"
	"  optimization: standard\n"
	"  mapping: {model: cubic}\n"
	"  cache: {size: 16, hit_threshold_um: 0.1}\n"
	"  thermal_compensation: false\n"
	"  overlap: false\n"
	"  thermal: {glitch_band_c: 1.5}\n"
	"  search:\n"
	"    lens_b:\n"
	"      fast: {step_um: 0.6, measure: normvar, stride: 1}\n"
	"    lens_a:\n"
	"      wide: {range_um: 60}\n"
	"environment:\n"
	"  temperature: {ramp: {from_c: 20, to_c: 26.5, over_s: 3600, start_s: 120}}\n"
	"faults:\n"
	"  - {at_s: 30.000000001, kind: stage_stall, duration_ms: 40}\n"
	"  - {at_op: 12, kind: camera_drop, count: 2}\n"
	"  - {at_s: 0.1, kind: sensor_glitch, delta_c: -3, duration_s: 20}\n"
	"  - {at_s: 1e-9, kind: turret_slow, factor: 2.5}\n"
	"  - {kind: hal_error, op: grab_frame, code: ETIMEDOUT, every_nth: 4, count: 3}\n"
	"  - {kind: hal_error, at_op: 2, op: get_z, code: EIO, at_call: 2}\n"
	"steps:\n"
	"  - calibrate: {points: 9, from_um: -6, to_um: 6.5, passes: 1, measure_backlash: false}\n"
	"  - handoff: {from: B, to: A, z_um: -0.1, repeat: 3, interval_s: 0.25}\n"
	"  - handoff: {z_um: {uniform: [-5, 5.000000000000001]}}\n"
	"  - autofocus: {lens: A, near_um: {uniform: [-1, 1]}}\n"
	"  - autofocus: {near_um: 0}\n"
	"  - wait: {s: 1e-3}\n"
	"expect:\n"
	"  handoff.total_ms.p95: {max: 300}\n"
	"  handoff.success_rate: {min: 0.99}\n"
	"  handoff.mapping_error_um.mean: {min: 0, max: 1e-1}\n"
	"tolerances: {time_frac: 0.1}\n";

START_TEST(every_kind_round_trip)
{
	sim_scenario a, b;
	char err[SIM_ERR_MAX], *text;
	size_t len;

	ck_assert_msg(sim_scenario_load_string("k.yaml", kitchen, strlen(kitchen), &a, err,
					       sizeof err) == 0, "%s", err);
	round_trip(&a, "k.yaml", &b);
	assert_same(&a, &b, "every-kind");
	/* only what differs from the defaults is written, in the table's order */
	ck_assert_int_eq(sim_scenario_format(&a, "shrunk from x\nby y", NULL, &text, &len, err,
					     sizeof err), 0);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_msg(strncmp(text, "# shrunk from x\n# by y\nscenario: \"every-kind\"\n", 44) == 0,
		      "%s", text);
	ck_assert_msg(strstr(text, "  stage:\n    profile: piezo\n    travel_max_um: 90\n"
				   "    settle_ms: 7\n"), "%s", text);
	ck_assert_msg(strstr(text, "  turret:\n    profile: turret\n  camera:\n"), "%s", text);
	/* a drawn parameter written at its nominal value stays pinned */
	ck_assert_msg(strstr(text, "    qe: 0.75\n"), "%s", text);
	ck_assert_msg(strstr(text, "  - {kind: stage_stall, at_s: 30.000000001, duration_ms: 40}\n"),
		      "%s", text);
	ck_assert_msg(strstr(text, "  - {kind: turret_slow, at_s: 1e-09, factor: 2.5}\n"), "%s", text);
	ck_assert_msg(strstr(text, "  - {kind: hal_error, at_s: 0, count: 3, op: grab_frame, code: ETIMEDOUT, "
				   "every_nth: 4}\n"), "%s", text);
	ck_assert_msg(strstr(text, "  - {kind: hal_error, at_op: 2, op: get_z, code: EIO, "
				   "at_call: 2}\n"), "%s", text);
	ck_assert_msg(strstr(text, "  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5.000000000000001]}}\n"),
		      "%s", text);
	ck_assert_msg(strstr(text, "  - calibrate: {points: 9, from_um: -6, to_um: 6.5, passes: 1, "
				   "measure_backlash: false}\n"), "%s", text);
	ck_assert_msg(strstr(text, "  handoff.mapping_error_um.mean: {min: 0, max: 0.1}\n"), "%s", text);
	ck_assert_msg(strstr(text, "tolerances: {time_frac: 0.1}\n"), "%s", text);
	ck_assert_msg(!strstr(text, "lens_b:\n    na"), "%s", text);
	free(text);
	sim_scenario_release(&a);
	sim_scenario_release(&b);
}
END_TEST

/* The defaults alone: only name, seed and steps are written. */
START_TEST(defaults_write_nothing_else)
{
	static const char y[] = "scenario: bare\nsteps:\n  - handoff: {z_um: 1}\n";
	sim_scenario a;
	char err[SIM_ERR_MAX], *text;
	size_t len;

	ck_assert_int_eq(sim_scenario_load_string("b.yaml", y, strlen(y), &a, err, sizeof err), 0);
	ck_assert_int_eq(sim_scenario_format(&a, NULL, NULL, &text, &len, err, sizeof err), 0);
	ck_assert_str_eq(text, "scenario: \"bare\"\nseed: 1\nsteps:\n"
			       "  - handoff: {from: A, to: B, z_um: 1}\n");
	free(text);
	sim_scenario_release(&a);
}
END_TEST

/* What no file can say is refused with the reason. */
START_TEST(refuses_what_no_key_expresses)
{
	static const char y[] = "scenario: t\nsteps:\n  - wait: {s: 1}\n";
	sim_scenario a;
	char err[SIM_ERR_MAX], *text;
	size_t len = 1;

	ck_assert_int_eq(sim_scenario_load_string("t.yaml", y, strlen(y), &a, err, sizeof err), 0);
	/* the default: on at ultra_fast and fast, off at standard - which is
	 * the default, and not written */
	ck_assert_int_eq(sim_scenario_format(&a, NULL, NULL, &text, &len, err, sizeof err), 0);
	ck_assert_msg(!strstr(text, "overlap"), "%s", text);
	free(text);
	a.engine.overlap[AF_LEVEL_ULTRA_FAST] = false;
	text = (char *)"x";
	ck_assert_int_eq(sim_scenario_format(&a, NULL, NULL, &text, &len, err, sizeof err), -1);
	ck_assert_ptr_null(text);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(err, "engine.overlap differs between the levels (ultra_fast off, fast on), "
			      "which no scenario key expresses");
	a.engine.overlap[AF_LEVEL_FAST] = false;
	ck_assert_int_eq(sim_scenario_format(&a, NULL, NULL, &text, &len, err, sizeof err), 0);
	ck_assert_msg(strstr(text, "engine:\n  overlap: false\n"), "%s", text);
	free(text);
	/* a trace needs a place for its CSV */
	a.room.kind = MDL_ROOM_TRACE;
	ck_assert_int_eq(sim_scenario_format(&a, NULL, NULL, &text, &len, err, sizeof err), -1);
	ck_assert_str_eq(err, "the scenario's temperature is a trace: the file needs a CSV path for it");
	sim_scenario_release(&a);
}
END_TEST

/* The trace CSV reads back to the same points. */
START_TEST(trace_csv_round_trip)
{
	const mdl_room_point pts[] = { { 0, 21.5 }, { 60, 21.5 }, { 60, 23.0000000001 },
				       { 1e6, -0.1 } };
	mdl_room_point *back = NULL;
	char *text, err[256];
	size_t len, n = 0;

	ck_assert_int_eq(sim_room_trace_format(pts, 4, &text, &len), 0);
	ck_assert_str_eq(text, "t_s,temperature_c\n0,21.5\n60,21.5\n60,23.0000000001\n1000000,-0.1\n");
	ck_assert_int_eq(sim_room_trace_parse("t.csv", text, len, &back, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(memcmp(back, pts, sizeof pts) == 0);
	free(back);
	free(text);
}
END_TEST

Suite *scenario_write_suite(void)
{
	Suite *s = suite_create("scenario_write");
	TCase *tc = tcase_create("core");
	TCase *lib_tc = tcase_create("library");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_kind_round_trip);
	tcase_add_test(tc, defaults_write_nothing_else);
	tcase_add_test(tc, refuses_what_no_key_expresses);
	tcase_add_test(tc, trace_csv_round_trip);
	suite_add_tcase(s, tc);
	library_load();
	tcase_add_checked_fixture(lib_tc, setup, teardown);
	tcase_set_timeout(lib_tc, 60);
	tcase_add_loop_test(lib_tc, library_round_trip, 0, library.n ? library.n : 1);
	suite_add_tcase(s, lib_tc);
	return s;
}
