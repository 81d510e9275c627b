/*
 * test_scenario_files.c - the scenario loader on real files: a
 * temperature trace read from a CSV beside the scenario file, the trace's
 * errors at their line, a missing file, the trace parser's API.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario.h"
#include "tests/tmpdir.h"

Suite *scenario_files_suite(void);

/* The smallest valid steps, and a scenario around a temperature trace
 * (test_scenario.c uses the same two). */
#define OK_STEPS "steps: [{wait: {s: 1}}]\n"
#define TRACE_YAML(csv) "scenario: x\n" OK_STEPS "environment: {temperature: {trace: " csv "}}\n"
/* ---- files: a temporary folder per test ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void files_setup(void)
{
	tmpdir_make(tmpdir, sizeof tmpdir, "scn");
}

static void files_teardown(void)
{
	tmpdir_remove(tmpdir);
}

static const char trace_csv[] = "# recorded on the field rig\n"
				"t_s,temperature_c\n"
				"0, 21.5\n"
				"60,22.0   # a comment\r\n"
				"\n"
				"  120 ,22.5\n"
				"120,23\n";

START_TEST(test_file_with_trace)
{
	sim_scenario s, t;
	char path[256], err[SIM_ERR_MAX];
	static const char yaml[] = "scenario: traced\n" OK_STEPS
				   "environment: {temperature: {trace: temps.csv}}\n";

	write_file("temps.csv", trace_csv);
	write_file("s.yaml", yaml);
	snprintf(path, sizeof path, "%s/s.yaml", tmpdir);
	ck_assert_msg(sim_scenario_load(path, &s, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(s.path, path);
	ck_assert_str_eq(s.name, "traced");
	ck_assert_int_eq(s.room.kind, MDL_ROOM_TRACE);
	ck_assert_uint_eq(s.n_room_points, 4);
	ck_assert_ptr_eq(s.room.points, s.room_points);
	ck_assert_uint_eq(s.room.n_points, 4);
	ck_assert_double_eq(s.room_points[0].t_s, 0.0);
	ck_assert_double_eq(s.room_points[0].temp_c, 21.5);
	ck_assert_double_eq(s.room_points[1].t_s, 60.0);
	ck_assert_double_eq(s.room_points[1].temp_c, 22.0);
	ck_assert_double_eq(s.room_points[2].t_s, 120.0);
	ck_assert_double_eq(s.room_points[2].temp_c, 22.5);
	ck_assert_double_eq(s.room_points[3].temp_c, 23.0);
	/* a jump at 120 s: the later point holds */
	ck_assert_double_eq(mdl_room_temp_c(&s.room, 150.0), 23.0);
	ck_assert_double_eq_tol(mdl_room_temp_c(&s.room, 30.0), 21.75, 1e-12);

	/* The string loader reads the trace relative to the path it is given. */
	ck_assert_msg(sim_scenario_load_string(path, yaml, strlen(yaml), &t, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_uint_eq(t.n_room_points, 4);
	ck_assert(memcmp(t.room_points, s.room_points, 4 * sizeof *s.room_points) == 0);
	sim_scenario_release(&t);
	sim_scenario_release(&s);
}
END_TEST

/* Writes yaml_name (and csv_name, if given), loads it and returns the result;
 * a failure's message must start "want_file:want_pos: error: " and hold words. */
static int load_file_error(const char *yaml_name, const char *yaml, const char *csv_name,
			   const char *csv, const char *want_file, const char *want_pos, const char *words)
{
	sim_scenario s;
	char path[256], want[320], err[SIM_ERR_MAX];
	int rc;

	if (csv_name)
		write_file(csv_name, csv);
	write_file(yaml_name, yaml);
	snprintf(path, sizeof path, "%s/%s", tmpdir, yaml_name);
	if ((rc = sim_scenario_load(path, &s, err, sizeof err)) != -1)
		return rc;
	snprintf(want, sizeof want, "%s/%s:%s: error: ", tmpdir, want_file, want_pos);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\", want prefix \"%s\"", err, want);
	ck_assert_msg(strstr(err, words) != NULL, "got \"%s\", want \"%s\"", err, words);
	return rc;
}

START_TEST(test_trace_errors)
{
	ck_assert_int_eq(load_file_error("bad.yaml", TRACE_YAML("bad.csv"), "bad.csv", "t_s,c\n0,21\n60, abc\n",
					 "bad.csv", "3:5", "'abc' is not a room temperature, expected temperature_c, a finite number in [-50, 100]"), -1);
	ck_assert_int_eq(load_file_error("u.yaml", TRACE_YAML("unsorted.csv"), "unsorted.csv", "0,21\n60,22\n # late\n  30,23\n",
					 "unsorted.csv", "4:3", "time 30 is before the previous line's 60, expected times in non-decreasing order"), -1);
	ck_assert_int_eq(load_file_error("e.yaml", TRACE_YAML("empty.csv"), "empty.csv", "t_s,temperature_c\n# nothing\n",
					 "empty.csv", "2:1", "temperature trace has no data, expected t_s,temperature_c lines"), -1);
	ck_assert_int_eq(load_file_error("x.yaml", TRACE_YAML("bad.csv"), "bad.csv", "0,21,5\n",
					 "bad.csv", "1:5", "line has more than 2 fields"), -1);
	ck_assert_int_eq(load_file_error("x.yaml", TRACE_YAML("bad.csv"), "bad.csv", "0,21\nnan,22\n",
					 "bad.csv", "2:1", "'nan' is not a finite number, expected t_s"), -1);
	ck_assert_int_eq(load_file_error("x.yaml", TRACE_YAML("bad.csv"), "bad.csv", "0,21\n60\n",
					 "bad.csv", "2:3", "line has 1 field, expected 2 fields"), -1);
	/* the scenario's own errors name the file as given */
	ck_assert_int_eq(load_file_error("x.yaml", "scenario: x\n" OK_STEPS "seed: 1.5\n", NULL, NULL,
					 "x.yaml", "3:7", "'1.5' is not an integer"), -1);
}
END_TEST

START_TEST(test_missing_file)
{
	sim_scenario s;
	char err[SIM_ERR_MAX];

	ck_assert_int_eq(sim_scenario_load("/nonexistent/afsim/s.yaml", &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "/nonexistent/afsim/s.yaml:0:0: error: cannot open scenario: No such file or directory");
	ck_assert_ptr_null(s.steps);
	ck_assert_ptr_null(s.description);
	/* a folder is not a scenario either */
	ck_assert_int_eq(sim_scenario_load(tmpdir, &s, err, sizeof err), -1);
	ck_assert_msg(strstr(err, ":0:0: error: scenario is a directory, expected a regular file") != NULL,
		      "%s", err);
}
END_TEST

START_TEST(test_trace_parse_api)
{
	mdl_room_point *pts;
	size_t n;
	char err[SIM_ERR_MAX];
	static const char csv[] = "1,20\n2,21";

	ck_assert_int_eq(sim_room_trace_parse("t.csv", csv, strlen(csv), &pts, &n, err, sizeof err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_double_eq(pts[1].t_s, 2.0);
	ck_assert_double_eq(pts[1].temp_c, 21.0);
	free(pts);
	/* a header only where the data starts */
	ck_assert_int_eq(sim_room_trace_parse("t.csv", "1,20\nt,c\n", 9, &pts, &n, err, sizeof err), -1);
	ck_assert_ptr_null(pts);
	ck_assert_str_eq(err, "t.csv:2:1: error: 't' is not a finite number, expected t_s, a time in seconds");
	ck_assert_int_eq(sim_room_trace_parse("t.csv", "0,101\n", 6, &pts, &n, err, sizeof err), -1);
	ck_assert_msg(strncmp(err, "t.csv:1:3: error: '101' is not a room temperature", 49) == 0, "%s", err);
}
END_TEST

Suite *scenario_files_suite(void)
{
	Suite *s = suite_create("scenario_files");
	TCase *files = tcase_create("files");

	tcase_set_timeout(files, 10);
	tcase_add_checked_fixture(files, files_setup, files_teardown);
	tcase_add_test(files, test_file_with_trace);
	tcase_add_test(files, test_trace_errors);
	tcase_add_test(files, test_missing_file);
	tcase_add_test(files, test_trace_parse_api);
	suite_add_tcase(s, files);
	return s;
}
