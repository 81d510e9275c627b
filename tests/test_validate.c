/*
 * test_validate.c - the validation suite's judgement (hil/validate.h): the
 * outcome of a value against a max, a min and a range with their margins,
 * exactly at and around every boundary; the overall status.  The
 * measurements themselves run against the emulator in tests/cli_validate.sh.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "hil/validate.h"

START_TEST(judge_max_min_range)
{
	/* max 50, margin 10 %: MARGINAL above 45 */
	ck_assert_int_eq(hil_val_judge(44.99, NAN, 50.0, 10.0), HIL_VAL_PASS);
	ck_assert_int_eq(hil_val_judge(45.0, NAN, 50.0, 10.0), HIL_VAL_PASS);
	ck_assert_int_eq(hil_val_judge(45.01, NAN, 50.0, 10.0), HIL_VAL_MARGINAL);
	ck_assert_int_eq(hil_val_judge(50.0, NAN, 50.0, 10.0), HIL_VAL_MARGINAL);
	ck_assert_int_eq(hil_val_judge(50.01, NAN, 50.0, 10.0), HIL_VAL_FAIL);
	ck_assert_int_eq(hil_val_judge(0.0, NAN, 0.1, 10.0), HIL_VAL_PASS);
	/* min 25: MARGINAL below 27.5 */
	ck_assert_int_eq(hil_val_judge(27.51, 25.0, NAN, 10.0), HIL_VAL_PASS);
	ck_assert_int_eq(hil_val_judge(27.49, 25.0, NAN, 10.0), HIL_VAL_MARGINAL);
	ck_assert_int_eq(hil_val_judge(25.0, 25.0, NAN, 10.0), HIL_VAL_MARGINAL);
	ck_assert_int_eq(hil_val_judge(24.99, 25.0, NAN, 10.0), HIL_VAL_FAIL);
	/* range 10..40: MARGINAL within 3 (10 % of the width) of either end */
	ck_assert_int_eq(hil_val_judge(22.0, 10.0, 40.0, 10.0), HIL_VAL_PASS);
	ck_assert_int_eq(hil_val_judge(13.01, 10.0, 40.0, 10.0), HIL_VAL_PASS);
	ck_assert_int_eq(hil_val_judge(12.99, 10.0, 40.0, 10.0), HIL_VAL_MARGINAL);
	ck_assert_int_eq(hil_val_judge(37.01, 10.0, 40.0, 10.0), HIL_VAL_MARGINAL);
	ck_assert_int_eq(hil_val_judge(9.99, 10.0, 40.0, 10.0), HIL_VAL_FAIL);
	ck_assert_int_eq(hil_val_judge(40.01, 10.0, 40.0, 10.0), HIL_VAL_FAIL);
	/* a negative range works on its width */
	ck_assert_int_eq(hil_val_judge(-5.0, -10.0, 0.0, 10.0), HIL_VAL_PASS);
	ck_assert_int_eq(hil_val_judge(-9.5, -10.0, 0.0, 10.0), HIL_VAL_MARGINAL);
	/* margin 0: only beyond the limit counts */
	ck_assert_int_eq(hil_val_judge(50.0, NAN, 50.0, 0.0), HIL_VAL_PASS);
	ck_assert_int_eq(hil_val_judge(50.0001, NAN, 50.0, 0.0), HIL_VAL_FAIL);
	/* no value: ERROR; no limit: PASS */
	ck_assert_int_eq(hil_val_judge(NAN, NAN, 50.0, 10.0), HIL_VAL_ERROR);
	ck_assert_int_eq(hil_val_judge(1e9, NAN, NAN, 10.0), HIL_VAL_PASS);
}
END_TEST

START_TEST(names_and_status)
{
	hil_val_result r;

	ck_assert_str_eq(hil_val_outcome_name(HIL_VAL_PASS), "PASS");
	ck_assert_str_eq(hil_val_outcome_name(HIL_VAL_MARGINAL), "MARGINAL");
	ck_assert_str_eq(hil_val_outcome_name(HIL_VAL_FAIL), "FAIL");
	ck_assert_str_eq(hil_val_outcome_name(HIL_VAL_ERROR), "ERROR");
	ck_assert_str_eq(hil_val_outcome_name(HIL_VAL_OUTCOMES), "?");
	memset(&r, 0, sizeof r);
	r.count[HIL_VAL_PASS] = 14;
	ck_assert_str_eq(hil_val_status(&r), "passed");
	r.count[HIL_VAL_MARGINAL] = 1;
	ck_assert_str_eq(hil_val_status(&r), "marginal");
	r.count[HIL_VAL_FAIL] = 1;
	ck_assert_str_eq(hil_val_status(&r), "failed");
	r.count[HIL_VAL_ERROR] = 1;
	ck_assert_str_eq(hil_val_status(&r), "error");
}
END_TEST

/* A rig nobody serves: every item ERROR with the reason, one connection
 * attempt only (the others reuse its failure), the items named in order. */
START_TEST(unreachable_rig_is_error_everywhere)
{
	static const char *const names[HIL_VAL_ITEMS] = {
		"lens switch", "focus move", "settle", "z repeatability", "backlash",
		"encoder error", "frame rate", "frame jitter", "exposure linearity", "dark noise",
		"temperature noise", "temperature", "handoff", "mapping error",
	};
	hil_rig_file rf;
	hil_val_result r;
	char err[512];
	static const char y[] = "name: gone\ntransport: tcp:127.0.0.1:9\nconnect_timeout_ms: 200\n";

	ck_assert_int_eq(hil_rig_file_load_text("gone.yaml", y, strlen(y), &rf, err, sizeof err), 0);
	hil_validate(&rf, NULL, &r);
	ck_assert_uint_eq(r.n, HIL_VAL_ITEMS);
	ck_assert_uint_eq(r.count[HIL_VAL_ERROR], HIL_VAL_ITEMS);
	ck_assert_uint_eq(r.reps, HIL_VAL_REPS_DEFAULT);
	ck_assert_str_eq(r.identity, "");
	for (size_t i = 0; i < HIL_VAL_ITEMS; i++) {
		ck_assert_str_eq(r.items[i].name, names[i]);
		ck_assert(isnan(r.items[i].value));
		ck_assert_str_eq(r.items[i].detail, "cannot connect: rig 'gone': cannot connect to "
						    "'tcp:127.0.0.1:9': Connection refused");
	}
	ck_assert_double_eq(r.items[0].hi, 50.0);
	ck_assert(isnan(r.items[0].lo));
	ck_assert_double_eq(r.items[6].lo, 25.0);
	ck_assert_double_eq(r.items[11].lo, 10.0);
	ck_assert_double_eq(r.items[11].hi, 40.0);
	ck_assert_str_eq(hil_val_status(&r), "error");
}
END_TEST

Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("judge");

	tcase_add_test(tc, judge_max_min_range);
	tcase_add_test(tc, names_and_status);
	tcase_add_test(tc, unreachable_rig_is_error_everywhere);
	suite_add_tcase(s, tc);
	return s;
}
