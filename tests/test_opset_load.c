/*
 * test_opset_load.c - db_opset_load reads runs through an SQLite aggregate
 * (each row handed to C inside the scan) and must give the arrays the row
 * by row loader gave: ops in run order then seq order, NULL columns as NaN,
 * an unknown cache flag as 2, calibrations and autofocus operations in
 * their own arrays.  When the rows reach the aggregate out of seq order
 * (here: an ops table rebuilt without its key, rows stored backwards) the
 * run is loaded again with ORDER BY seq, and the arrays are the same.
 */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "db/opset.h"
#include "tests/report_fix.h"

Suite *opset_load_suite(void);

static const fix_op ops_a[] = {
	{ 30, 40, 120, 2, 194, 0.3, 0.05, 22.0, 4, true, true, "" },
	{ 31, 41, 121, 3, 198, 0.2, NAN, 22.1, 5, false, true, "" },
	{ 32, 42, 122, 4, 202, 0.1, 0.07, 22.2, 6, true, false, "ETIMEDOUT: frame dropped" },
};
static const fix_op ops_b[] = {
	{ 50, 60, 70, 8, 190, 0.5, 0.01, 23.0, 3, false, true, "" },
	{ 51, NAN, 71, 9, 133, 0.6, 0.02, 23.5, 7, true, true, "" },
};
static const double rms_a[] = { 0.04, 0.06 };
static const fix_op af_b[] = { { 0, 0, 0, 0, 480, 0, 0.03, 0, 25, false, true, "" } };

/* Two runs (given b then a), loaded; the arrays checked value by value. */
static void load_and_check(int64_t a, int64_t b)
{
	int64_t runs[] = { b, a };
	char err[256];
	db_opset s;

	ck_assert_int_eq(db_opset_load(fix_db, runs, 2, &s, err, sizeof err), 0);
	ck_assert_uint_eq(s.n, 5);
	/* b's handoffs first, then a's, each in seq order */
	ck_assert_double_eq(s.phase_ms[DB_PHASE_TOTAL][0], 190);
	ck_assert_double_eq(s.phase_ms[DB_PHASE_TOTAL][1], 133);
	ck_assert(isnan(s.phase_ms[DB_PHASE_FOCUS_MOVE][1]));
	ck_assert_double_eq(s.phase_ms[DB_PHASE_TOTAL][2], 194);
	ck_assert_double_eq(s.phase_ms[DB_PHASE_TOTAL][4], 202);
	ck_assert_double_eq(s.phase_ms[DB_PHASE_LENS_SWITCH][3], 31);
	ck_assert(isnan(s.focus_error_um[3]));
	ck_assert_double_eq(s.focus_error_um[4], 0.07);
	ck_assert_double_eq(s.mapping_error_um[0], 0.5);
	ck_assert_double_eq(s.temperature_c[1], 23.5);
	ck_assert_double_eq(s.frames[4], 6);
	ck_assert_int_eq(s.success[4], 0);
	ck_assert_int_eq(s.success[3], 1);
	ck_assert_int_eq(s.cache_hit[0], 0);
	ck_assert_int_eq(s.cache_hit[1], 1);
	ck_assert_uint_eq(s.ncalib, 2);
	ck_assert_double_eq(s.calib_rms_um[0], 0.04);
	ck_assert_double_eq(s.calib_rms_um[1], 0.06);
	ck_assert_uint_eq(s.naf, 1);
	ck_assert_double_eq(s.af_ms[0], 480);
	ck_assert_double_eq(s.af_focus_um[0], 0.03);
	ck_assert_double_eq(s.af_frames[0], 25);
	db_opset_release(&s);
}

START_TEST(load_in_order)
{
	fix_run ra = { .scenario = "s", .ops = ops_a, .nops = 3, .calib_rms = rms_a, .ncalib = 2 };
	fix_run rb = { .scenario = "s", .ops = ops_b, .nops = 2, .autofocus = af_b, .nautofocus = 1 };
	int64_t a = fix_add_run(&ra), b = fix_add_run(&rb);
	sqlite3 *h = db_handle(fix_db);

	/* one handoff's cache flag unknown */
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE ops SET cache_hit = NULL WHERE total_ms = 198",
				      NULL, NULL, NULL), SQLITE_OK);
	load_and_check(a, b);
	{
		int64_t runs[] = { a };
		char err[256];
		db_opset s;

		ck_assert_int_eq(db_opset_load(fix_db, runs, 1, &s, err, sizeof err), 0);
		ck_assert_int_eq(s.cache_hit[1], 2);
		db_opset_release(&s);
	}
	/* the same ops stored backwards in a table without the key: the
	 * aggregate sees seq descending and the run is read again in order */
	ck_assert_int_eq(sqlite3_exec(h,
		"UPDATE ops SET cache_hit = 1 WHERE total_ms = 198;"
		"CREATE TABLE ops_copy AS SELECT * FROM ops ORDER BY run_id, seq DESC;"
		"DROP TABLE ops; ALTER TABLE ops_copy RENAME TO ops;", NULL, NULL, NULL), SQLITE_OK);
	load_and_check(a, b);
}
END_TEST

Suite *opset_load_suite(void)
{
	Suite *s = suite_create("opset_load");
	TCase *tc = tcase_create("core");

	(void)json_valid;  /* report_fix.h's, unused here */
	(void)fix_scaled;
	tcase_add_checked_fixture(tc, fix_setup, fix_teardown);
	tcase_add_test(tc, load_in_order);
	suite_add_tcase(s, tc);
	return s;
}
