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

#include "engine/af_engine.h"
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

/* ---- files that are not regular files ---- */

START_TEST(test_fifo_scenario)
{
	char path[256], err[SIM_ERR_MAX], want[512];
	sim_scenario s;

	/* Without O_NONBLOCK and fstat, opening a FIFO nobody writes to blocks
	 * for ever: the test's timeout would fail it. */
	snprintf(path, sizeof path, "%s/pipe.yaml", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(sim_scenario_load(path, &s, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:0:0: error: scenario is a FIFO, expected a regular file", path);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(s.steps);

	ck_assert_int_eq(sim_scenario_load("/dev/null", &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "/dev/null:0:0: error: scenario is a character device, expected a regular file");
	ck_assert_int_eq(sim_scenario_load(tmpdir, &s, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:0:0: error: scenario is a directory, expected a regular file", tmpdir);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_fifo_trace)
{
	char path[256], fifo[256], err[SIM_ERR_MAX], want[600];
	sim_scenario s;

	snprintf(fifo, sizeof fifo, "%s/temps.csv", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	write_file(path, sizeof path, "s.yaml",
		   "scenario: x\nsteps: [{wait: {s: 1}}]\nenvironment: {temperature: {trace: temps.csv}}\n");
	ck_assert_int_eq(sim_scenario_load(path, &s, err, sizeof err), -1);
	snprintf(want, sizeof want,
		 "%s:3:36: error: temperature trace '%s' is a FIFO, expected a regular file", path, fifo);
	ck_assert_str_eq(err, want);

	write_file(path, sizeof path, "d.yaml",
		   "scenario: x\nsteps: [{wait: {s: 1}}]\nenvironment: {temperature: {trace: /dev/zero}}\n");
	ck_assert_int_eq(sim_scenario_load(path, &s, err, sizeof err), -1);
	snprintf(want, sizeof want,
		 "%s:3:36: error: temperature trace '/dev/zero' is a character device, expected a regular file",
		 path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* ---- size and nesting, before the document is built ---- */

START_TEST(test_file_size)
{
	size_t n = SIM_SCN_FILE_MAX + 1;
	char *big = malloc(n + 1), path[256], err[SIM_ERR_MAX], want[512];
	sim_scenario s;

	ck_assert_ptr_nonnull(big);
	/* a valid scenario padded with a comment to one byte past the limit */
	memset(big, ' ', n);
	memcpy(big, "scenario: x\nsteps: [{wait: {s: 1}}]\n#", 37);
	big[n] = '\0';
	ck_assert_int_eq(sim_scenario_load_string("s.yaml", big, n, &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "s.yaml:0:0: error: scenario is larger than 1048576 bytes, expected at most 1024 KiB");
	write_file(path, sizeof path, "big.yaml", big);
	ck_assert_int_eq(sim_scenario_load(path, &s, err, sizeof err), -1);
	snprintf(want, sizeof want,
		 "%s:0:0: error: scenario is larger than 1048576 bytes, expected at most 1024 KiB", path);
	ck_assert_str_eq(err, want);
	/* at the limit it loads */
	big[n - 1] = '\n';
	ck_assert_msg(sim_scenario_load_string("s.yaml", big, n - 1, &s, err, sizeof err) == 0, "%s", err);
	sim_scenario_release(&s);
	free(big);
}
END_TEST

/* "scenario: x\nsteps: [{wait: {s: 1}}]\nrig: " + depth x open + close. */
static char *nested(size_t depth, char open, char close)
{
	static const char head[] = "scenario: x\nsteps: [{wait: {s: 1}}]\nrig: ";
	size_t h = sizeof head - 1;
	char *t = malloc(h + 2 * depth + 2);

	ck_assert_ptr_nonnull(t);
	memcpy(t, head, h);
	memset(t + h, open, depth);
	memset(t + h + depth, close, depth);
	t[h + 2 * depth] = '\n';
	t[h + 2 * depth + 1] = '\0';
	return t;
}

START_TEST(test_nesting)
{
	char err[SIM_ERR_MAX];
	sim_scenario s;
	char *t;

	/* 100 000 levels took libyaml's document loader 25 s; refused at the
	 * 65th level before it runs (the test's 5 s timeout would fail it). */
	t = nested(100000, '[', ']');
	ck_assert_int_eq(sim_scenario_load_string("s.yaml", t, strlen(t), &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "s.yaml:3:69: error: a sequence nested more than 64 levels deep, expected at most 64 nested mappings and sequences");
	free(t);
	/* the top-level mapping is level 1: 63 below it is the deepest */
	t = nested(63, '[', ']');
	ck_assert_int_eq(sim_scenario_load_string("s.yaml", t, strlen(t), &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "s.yaml:3:6: error: rig is a sequence, expected a mapping");
	free(t);
	t = nested(64, '[', ']');
	ck_assert_int_eq(sim_scenario_load_string("s.yaml", t, strlen(t), &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "s.yaml:3:69: error: a sequence nested more than 64 levels deep, expected at most 64 nested mappings and sequences");
	free(t);
	/* block style, a mapping per line */
	{
		char *b = malloc(100000), *p = b;

		ck_assert_ptr_nonnull(b);
		p += sprintf(p, "scenario: x\nsteps: [{wait: {s: 1}}]\nrig:\n");
		for (int d = 1; d <= 70; d++)
			p += sprintf(p, "%*sk%d:\n", d, "", d);
		ck_assert_int_eq(sim_scenario_load_string("s.yaml", b, (size_t)(p - b), &s, err, sizeof err), -1);
		ck_assert_str_eq(err, "s.yaml:67:65: error: a mapping nested more than 64 levels deep, expected at most 64 nested mappings and sequences");
		free(b);
	}
}
END_TEST

/* ---- the total simulated time of the steps ---- */

/* "scenario: x\nsteps:\n" + n lines of step. */
static char *steps_of(size_t n, const char *step)
{
	size_t len = strlen(step);
	char *t = malloc(32 + n * (len + 5)), *p = t;

	ck_assert_ptr_nonnull(t);
	p += sprintf(p, "scenario: x\nsteps:\n");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "  - %s\n", step);
	return t;
}

static int load(const char *yaml, sim_scenario *s, char *err, size_t errlen)
{
	return sim_scenario_load_string("s.yaml", yaml, strlen(yaml), s, err, errlen);
}

START_TEST(test_total_time)
{
	char err[SIM_ERR_MAX];
	sim_scenario s;
	char *t;

	/* 930 waits of 1e7 s overflowed the int64 ns clock; the 201st crosses 2e9 s */
	t = steps_of(930, "wait: {s: 1e7}");
	ck_assert_int_eq(load(t, &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "s.yaml:203:5: error: steps[201].wait brings the simulated time of the steps to 2010000000 s, expected at most 2e9 s (about 63 years) in all");
	free(t);
	/* exactly 2e9 s loads, and so does 1e9 s */
	t = steps_of(200, "wait: {s: 1e7}");
	ck_assert_msg(load(t, &s, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(s.n_steps, 200);
	sim_scenario_release(&s);
	free(t);
	t = steps_of(100, "wait: {s: 1e7}");
	ck_assert_msg(load(t, &s, err, sizeof err) == 0, "%s", err);
	sim_scenario_release(&s);
	free(t);
	/* a handoff's repeats: (repeat - 1) x interval_s */
	ck_assert_msg(load("scenario: x\nsteps: [{calibrate: }, {handoff: {z_um: 1, repeat: 100, interval_s: 1e7}}]\n",
			   &s, err, sizeof err) == 0, "%s", err);
	sim_scenario_release(&s);
	ck_assert_int_eq(load("scenario: x\nsteps:\n  - calibrate:\n  - handoff: {z_um: 1, repeat: 100000, interval_s: 1e7}\n",
			      &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "s.yaml:4:5: error: steps[2].handoff brings the simulated time of the steps to 999990000000 s, expected at most 2e9 s (about 63 years) in all");
	/* waits and handoffs add up: 100 x 1e7 + 199 x 5e6 + 5e6 = 2e9, then one more second */
	ck_assert_msg(load("scenario: x\nsteps:\n  - wait: {s: 1e7}\n  - handoff: {z_um: 1, repeat: 200, interval_s: 5e6}\n",
			   &s, err, sizeof err) == 0, "%s", err);
	sim_scenario_release(&s);
	t = steps_of(100, "wait: {s: 1e7}");
	{
		char *u = malloc(strlen(t) + 128);

		ck_assert_ptr_nonnull(u);
		sprintf(u, "%s  - handoff: {z_um: 1, repeat: 200, interval_s: 5e6}\n  - wait: {s: 5e6}\n  - wait: {s: 1}\n", t);
		ck_assert_int_eq(load(u, &s, err, sizeof err), -1);
		ck_assert_str_eq(err, "s.yaml:105:5: error: steps[103].wait brings the simulated time of the steps to 2000000001 s, expected at most 2e9 s (about 63 years) in all");
		free(u);
	}
	free(t);
}
END_TEST

/* ---- explicit tags: honoured as YAML means them ---- */

typedef struct tag_case {
	const char *yaml;   /* after "scenario: x\nsteps: [{wait: {s: 1}}]\n" */
	const char *err;    /* NULL: loads */
} tag_case;

static const tag_case tag_cases[] = {
	/* a string, refused by a number key like the quoted "5" */
	{ "seed: !!str 5", "s.yaml:3:7: error: tagged !!str '5' is a string, expected a non-negative integer" },
	{ "seed: \"5\"", "s.yaml:3:7: error: quoted '5' is a string, expected a non-negative integer" },
	{ "seed: ! 5", "s.yaml:3:7: error: tagged !!str '5' is a string, expected a non-negative integer" },
	{ "rig: {start_z_um: !!str 5}", "s.yaml:4:19: error: tagged !!str '5' is a string, expected a finite number in [-100000, 100000]" },
	{ "engine: {overlap: !!str true}", "s.yaml:4:19: error: tagged !!str 'true' is a string, expected true or false" },
	/* an integer: fine for integer and number keys, not for booleans */
	{ "seed: !!int 5", NULL },
	{ "seed: !!int \"7\"", NULL },
	{ "rig: {start_z_um: !!int 5}", NULL },
	{ "rig: {start_z_um: !!int 5.5}", "s.yaml:4:19: error: tagged !!int '5.5' is not an integer, expected a finite number in [-100000, 100000]" },
	{ "engine: {overlap: !!int 1}", "s.yaml:4:19: error: tagged !!int '1' is an integer, expected true or false" },
	/* a float: numbers only */
	{ "rig: {start_z_um: !!float 5}", NULL },
	{ "seed: !!float 5", "s.yaml:3:7: error: tagged !!float '5' is a float, expected a non-negative integer" },
	/* a boolean: boolean keys only */
	{ "engine: {overlap: !!bool true}", NULL },
	{ "rig: {start_z_um: !!bool true}", "s.yaml:4:19: error: tagged !!bool 'true' is a boolean, expected a finite number in [-100000, 100000]" },
	/* strings: names, enums, paths take !!str, refuse the others */
	{ "description: !!str 12", NULL },
	{ "engine: {optimization: !!str fast}", NULL },
	{ "engine: {optimization: !!int 5}", "s.yaml:4:24: error: tagged !!int '5' is an integer, expected ultra_fast, fast or standard" },
	{ "description: !!float 1.5", "s.yaml:4:14: error: tagged !!float '1.5' is a float, expected a string" },
	/* null */
	{ "seed: !!null", "s.yaml:3:7: error: seed is tagged !!null and empty, expected a non-negative integer" },
	{ "rig: !!null", NULL },
	{ "rig: !!str", "s.yaml:4:6: error: rig is a scalar, expected a mapping" },
	/* collections */
	{ "rig: !!map {}", NULL },
	{ "rig: !!seq {}", "s.yaml:4:6: error: tag !!seq on a mapping, expected !!map or no tag" },
	{ "faults: !!map []", "s.yaml:4:9: error: tag !!map on a sequence, expected !!seq or no tag" },
	{ "seed: !!map 5", "s.yaml:3:7: error: tag !!map on a scalar, expected !!str, !!int, !!float, !!bool, !!null or no tag" },
	/* keys are strings */
	{ "!!str tolerances: {}", NULL },
	{ "!!int tolerances: {}", "s.yaml:4:1: error: a key tagged !!int, expected a string key" },
	/* custom and unused tags */
	{ "seed: !foo 5", "s.yaml:3:7: error: unknown tag '!foo', expected no tag or one of !!str, !!int, !!float, !!bool, !!null, !!map, !!seq" },
	{ "description: !!binary aGVsbG8=", "s.yaml:4:14: error: unknown tag !!binary, expected no tag or one of !!str, !!int, !!float, !!bool, !!null, !!map, !!seq" },
	{ "rig: !<tag:example.com,1:rig> {}", "s.yaml:4:6: error: unknown tag 'tag:example.com,1:rig', expected no tag or one of !!str, !!int, !!float, !!bool, !!null, !!map, !!seq" },
};

START_TEST(test_tags)
{
	const tag_case *c = &tag_cases[_i];
	char yaml[256], err[SIM_ERR_MAX];
	sim_scenario s;
	int rc;

	/* seed keys on line 3, others on line 4: seed replaces the default line */
	if (strncmp(c->yaml, "seed", 4) == 0)
		snprintf(yaml, sizeof yaml, "scenario: x\nsteps: [{wait: {s: 1}}]\n%s\n", c->yaml);
	else
		snprintf(yaml, sizeof yaml, "scenario: x\nsteps: [{wait: {s: 1}}]\nseed: 3\n%s\n", c->yaml);
	rc = load(yaml, &s, err, sizeof err);
	if (!c->err) {
		ck_assert_msg(rc == 0, "%s: %s", c->yaml, err);
		if (strstr(c->yaml, "seed"))
			ck_assert_uint_eq(s.seed, strstr(c->yaml, "7") ? 7 : 5);
		if (strstr(c->yaml, "start_z_um"))
			ck_assert_double_eq(s.rig.start_z_um, 5.0);
		if (strstr(c->yaml, "description"))
			ck_assert_str_eq(s.description, "12");
		if (strstr(c->yaml, "optimization"))
			ck_assert_int_eq(s.engine.level, AF_LEVEL_FAST);
		sim_scenario_release(&s);
		return;
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strcmp(err, c->err) == 0, "%s:\n got  %s\n want %s", c->yaml, err, c->err);
}
END_TEST

Suite *scenario_limits_suite(void)
{
	Suite *s = suite_create("scenario_limits");
	TCase *files = tcase_create("files");

	TCase *bounds = tcase_create("bounds");

	tcase_set_timeout(files, 5);
	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, test_load_file_any_schema);
	tcase_add_test(files, test_fifo_scenario);
	tcase_add_test(files, test_fifo_trace);
	tcase_add_test(files, test_file_size);
	suite_add_tcase(s, files);

	tcase_set_timeout(bounds, 5);
	tcase_add_test(bounds, test_nesting);
	tcase_add_test(bounds, test_total_time);
	tcase_add_loop_test(bounds, test_tags, 0, (int)(sizeof tag_cases / sizeof tag_cases[0]));
	suite_add_tcase(s, bounds);
	return s;
}
