/*
 * test_scenario.c - the scenario loader: every error kind at its exact
 * line and column, a full scenario parsed into the right fields, the
 * defaults when sections are absent (real files: test_scenario_files.c).
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/af_engine.h"
#include "models/rig.h"
#include "sim/scenario.h"

Suite *scenario_suite(void);

static int load(const char *yaml, sim_scenario *s, char *err, size_t errlen)
{
	return sim_scenario_load_string("s.yaml", yaml, strlen(yaml), s, err, errlen);
}

/* ---- errors, one per kind: exact "s.yaml:L:C: error: " prefix + words ---- */

typedef struct err_case {
	const char *name;
	const char *yaml;
	const char *prefix;   /* exact start of the message */
	const char *words;    /* must appear in the message */
} err_case;

#define OK_STEPS "steps: [{wait: {s: 1}}]\n"
#define TRACE_YAML(csv) "scenario: x\n" OK_STEPS "environment: {temperature: {trace: " csv "}}\n"

static const err_case err_cases[] = {
	{ "unknown key nested",
	  "scenario: x\nrig:\n  stage:\n    profile: stepper\n    bakclash_um: 3\n" OK_STEPS,
	  "s.yaml:5:5: error: ",
	  "unknown key 'bakclash_um' in rig.stage, expected one of: profile, travel_min_um, " },
	{ "unknown key top level", "scenaro: x\n" OK_STEPS, "s.yaml:1:1: error: ",
	  "unknown key 'scenaro', expected one of: scenario, description, seed, rig, " },
	{ "duplicate key", "scenario: x\n" OK_STEPS "seed: 3\nseed: 4\n", "s.yaml:4:1: error: ",
	  "duplicate key 'seed'" },
	{ "duplicate nested key", "scenario: x\n" OK_STEPS "rig: {lens_a: {na: 0.2, na: 0.3}}\n",
	  "s.yaml:3:25: error: ", "duplicate key 'na' in rig.lens_a" },
	{ "bad enum", "scenario: x\nengine:\n  optimization: fast!\n" OK_STEPS, "s.yaml:3:17: error: ",
	  "'fast!' is not a valid optimization, expected ultra_fast, fast or standard" },
	{ "not a number", "scenario: x\n" OK_STEPS "rig:\n  lens_a:\n    na: abc\n",
	  "s.yaml:5:9: error: ", "'abc' is not a number, expected a finite number in (0, 1.7]" },
	{ "out of range", "scenario: x\n" OK_STEPS "rig:\n  thermal: {fast_weight: 1.5}\n",
	  "s.yaml:4:26: error: ",
	  "'1.5' is out of range for rig.thermal.fast_weight, expected a finite number in [0, 1]" },
	{ "nan", "scenario: x\n" OK_STEPS "tolerances: {time_frac: .nan}\n", "s.yaml:3:25: error: ",
	  "'.nan' is not a finite number" },
	{ "inf", "scenario: x\n" OK_STEPS "rig: {start_z_um: -.inf}\n", "s.yaml:3:19: error: ",
	  "'-.inf' is not a finite number" },
	{ "overflow", "scenario: x\n" OK_STEPS "tolerances: {accuracy_um: 1e999}\n",
	  "s.yaml:3:27: error: ", "'1e999' is beyond the range of a double" },
	{ "hex number", "scenario: x\n" OK_STEPS "rig: {start_z_um: 0x10}\n", "s.yaml:3:19: error: ",
	  "'0x10' is not a number" },
	{ "quoted number", "scenario: x\n" OK_STEPS "seed: \"5\"\n", "s.yaml:3:7: error: ",
	  "quoted '5' is a string, expected a non-negative integer" },
	{ "empty number", "scenario: x\n" OK_STEPS "rig:\n  lens_a:\n    na:\n", "s.yaml:5:8: error: ",
	  "rig.lens_a.na is empty, expected a finite number" },
	{ "fractional integer", "scenario: x\nsteps:\n  - calibrate: {points: 2.5}\n",
	  "s.yaml:3:25: error: ", "'2.5' is not an integer, expected an integer in [2, 64]" },
	{ "octal-looking integer", "scenario: x\nsteps:\n  - calibrate: {points: 010}\n",
	  "s.yaml:3:25: error: ", "'010' is not an integer" },
	{ "integer out of range", "scenario: x\nsteps:\n  - calibrate: {passes: 17}\n",
	  "s.yaml:3:25: error: ", "'17' is out of range for steps[1].calibrate.passes, expected an integer in [1, 16]" },
	{ "negative seed", "scenario: x\n" OK_STEPS "seed: -1\n", "s.yaml:3:7: error: ",
	  "'-1' is out of range for seed, expected a non-negative integer" },
	{ "even points", "scenario: x\n" OK_STEPS "engine: {search: {lens_b: {fast: {points: 4}}}}\n",
	  "s.yaml:3:43: error: ",
	  "'4' is out of range for engine.search.lens_b.fast.points, expected an odd integer in [3, 95]" },
	{ "refine points 1", "scenario: x\n" OK_STEPS "engine: {search: {lens_a: {wide: {refine_points: 1}}}}\n",
	  "s.yaml:3:50: error: ", "expected 0 or an integer in [3, 93]" },
	{ "cache size", "scenario: x\n" OK_STEPS "engine: {cache: {size: 2000}}\n", "s.yaml:3:24: error: ",
	  "'2000' is out of range for engine.cache.size, expected an integer in [0, 1024]" },
	{ "boolean", "scenario: x\n" OK_STEPS "engine: {overlap: yes}\n", "s.yaml:3:19: error: ",
	  "'yes' is not a boolean, expected true or false" },
	{ "missing steps", "# a comment\nscenario: x\nseed: 3\n", "s.yaml:2:1: error: ",
	  "missing required key 'steps'" },
	{ "missing scenario", OK_STEPS, "s.yaml:1:1: error: ", "missing required key 'scenario'" },
	{ "missing z_um", "scenario: x\nsteps:\n  - handoff: {from: A, to: B}\n", "s.yaml:3:14: error: ",
	  "missing required key 'z_um' in steps[1].handoff" },
	{ "missing wait s", "scenario: x\nsteps:\n  - wait:\n", "s.yaml:3:10: error: ",
	  "missing required key 's' in steps[1].wait" },
	{ "empty file", "", "s.yaml:1:1: error: ", "empty file, expected a scenario mapping" },
	{ "comments only", "# nothing\n\n# here\n", "s.yaml:1:1: error: ",
	  "empty file, expected a scenario mapping" },
	{ "syntax error", "scenario: x\nsteps:\n  - wait: {s: 1}\nfoo\nbar: 2\n", "s.yaml:5:1: error: ",
	  "could not find expected ':' (while scanning a simple key)" },
	{ "syntax error flow", "scenario: x\nsteps: [\n", "s.yaml:3:1: error: ",
	  "did not find expected node content (while parsing a flow node)" },
	{ "undefined alias", "scenario: x\n" OK_STEPS "seed: *a\n", "s.yaml:3:7: error: ",
	  "found undefined alias" },
	{ "not UTF-8", "scenario: x\n" OK_STEPS "description: \xff\n", "s.yaml:3:14: error: ",
	  "invalid leading UTF-8 octet" },
	{ "top level sequence", "- a\n- b\n", "s.yaml:1:1: error: ",
	  "the top level is a sequence, expected a scenario mapping" },
	{ "top level scalar", "\n\nhello\n", "s.yaml:3:1: error: ",
	  "the top level is a scalar, expected a scenario mapping" },
	{ "second document", "scenario: x\n" OK_STEPS "---\nscenario: y\n", "s.yaml:4:1: error: ",
	  "a second YAML document, expected one scenario per file" },
	{ "map expected", "scenario: x\n" OK_STEPS "rig: 5\n", "s.yaml:3:6: error: ",
	  "rig is a scalar, expected a mapping" },
	{ "bad scenario name", "scenario: Foo Bar\n" OK_STEPS, "s.yaml:1:11: error: ",
	  "'Foo Bar' is not a valid scenario name, expected 1 to 63 characters of a-z, 0-9" },
	{ "unknown metric", "scenario: x\n" OK_STEPS "expect:\n  handoff.bogus.p95: {max: 1}\n",
	  "s.yaml:4:3: error: ", "unknown metric 'handoff.bogus.p95', expected <op>.<field>.<statistic>" },
	{ "duplicate metric",
	  "scenario: x\n" OK_STEPS "expect:\n  cache.hit_rate: {min: 0.5}\n  cache.hit_rate: {min: 0.6}\n",
	  "s.yaml:5:3: error: ", "duplicate key 'cache.hit_rate' in expect" },
	{ "expect min above max", "scenario: x\n" OK_STEPS "expect:\n  cache.hit_rate: {min: 0.9, max: 0.5}\n",
	  "s.yaml:4:35: error: ", "max 0.5 is below min 0.9 in expect.cache.hit_rate, expected min <= max" },
	{ "expect without bound", "scenario: x\n" OK_STEPS "expect:\n  cache.hit_rate: {}\n",
	  "s.yaml:4:19: error: ", "expect.cache.hit_rate has no bound, expected {min: x} and/or {max: y}" },
	{ "two temperature profiles",
	  "scenario: x\n" OK_STEPS "environment:\n  temperature:\n    constant_c: 22\n"
	  "    sine: {mean_c: 22, amplitude_c: 1, period_s: 60}\n",
	  "s.yaml:6:5: error: ",
	  "'constant_c' and 'sine' both given in environment.temperature, expected exactly one of" },
	{ "no temperature profile", "scenario: x\n" OK_STEPS "environment:\n  temperature: {}\n",
	  "s.yaml:4:16: error: ", "environment.temperature has no profile, expected exactly one of" },
	{ "ramp missing over_s", "scenario: x\n" OK_STEPS "environment: {temperature: {ramp: {from_c: 20, to_c: 24}}}\n",
	  "s.yaml:3:35: error: ", "missing required key 'over_s' in environment.temperature.ramp" },
	{ "room steps unsorted",
	  "scenario: x\n" OK_STEPS "environment:\n  temperature:\n"
	  "    steps: [{at_s: 0, c: 22}, {at_s: 600, c: 25}, {at_s: 300, c: 23}]\n",
	  "s.yaml:5:58: error: ", "at_s 300 is not after the previous step's 600" },
	{ "room steps empty", "scenario: x\n" OK_STEPS "environment: {temperature: {steps: []}}\n",
	  "s.yaml:3:36: error: ", "environment.temperature.steps is empty" },
	{ "missing trace file", "scenario: x\n" OK_STEPS "environment: {temperature: {trace: nope.csv}}\n",
	  "s.yaml:3:36: error: ", "cannot open temperature trace 'nope.csv': No such file or directory" },
	{ "fault at_s and at_op", "scenario: x\n" OK_STEPS "faults:\n  - {at_s: 1, kind: camera_drop, at_op: 3}\n",
	  "s.yaml:4:34: error: ", "both at_s and at_op in faults[1], expected exactly one of them" },
	{ "fault without time", "scenario: x\n" OK_STEPS "faults:\n  - {kind: turret_jam}\n",
	  "s.yaml:4:5: error: ", "missing required key 'at_s' or 'at_op' in faults[1]" },
	{ "fault kind", "scenario: x\n" OK_STEPS "faults:\n  - {at_s: 1, kind: stage_explode}\n",
	  "s.yaml:4:21: error: ", "'stage_explode' is not a valid fault kind, expected stage_stall, " },
	{ "hal_error without a call", "scenario: x\n" OK_STEPS "faults:\n  - {kind: hal_error, op: get_z, code: EIO}\n",
	  "s.yaml:4:5: error: ", "missing required key 'at_call' or 'every_nth' in faults[1], expected exactly one of them" },
	{ "hal_error with both calls", "scenario: x\n" OK_STEPS
	  "faults:\n  - {kind: hal_error, op: get_z, code: EIO, every_nth: 2, at_call: 1}\n",
	  "s.yaml:4:59: error: ", "both at_call and every_nth in faults[1], expected exactly one of them" },
	{ "hal_error code OK", "scenario: x\n" OK_STEPS "faults:\n  - {kind: hal_error, op: get_z, code: OK, at_call: 1}\n",
	  "s.yaml:4:40: error: ", "'OK' is not a valid error code, expected ETIMEDOUT, EHW, ENOTSUP, EIO, " },
	{ "hal_error op", "scenario: x\n" OK_STEPS "faults:\n  - {kind: hal_error, op: fly, code: EIO, at_call: 1}\n",
	  "s.yaml:4:27: error: ", "'fly' is not a valid HAL op, expected select_lens, get_lens, move_z, " },
	{ "hal_error without op", "scenario: x\n" OK_STEPS "faults:\n  - {kind: hal_error, code: EIO, at_call: 1}\n",
	  "s.yaml:4:5: error: ", "missing required key 'op' in faults[1] (a hal_error fault)" },
	{ "hal_error with factor", "scenario: x\n" OK_STEPS
	  "faults:\n  - {kind: hal_error, op: get_z, code: EIO, at_call: 1, factor: 2}\n",
	  "s.yaml:4:57: error: ", "'factor' in faults[1] is not a key of hal_error faults" },
	{ "op of another kind", "scenario: x\n" OK_STEPS "faults:\n  - {kind: stage_stall, at_s: 1, op: get_z}\n",
	  "s.yaml:4:34: error: ", "'op' in faults[1] is a key of hal_error faults only" },
	{ "hal_error at_call 0", "scenario: x\n" OK_STEPS
	  "faults:\n  - {kind: hal_error, op: get_z, code: EIO, at_call: 0}\n",
	  "s.yaml:4:54: error: ", "'0' is out of range for faults[1].at_call, expected an integer in [1, " },
	{ "fault at_op 0", "scenario: x\n" OK_STEPS "faults:\n  - {at_op: 0, kind: turret_jam}\n",
	  "s.yaml:4:13: error: ", "'0' is out of range for faults[1].at_op, expected an integer in [1, " },
	{ "handoff same lens", "scenario: x\nsteps:\n  - handoff: {from: B, to: B, z_um: 0}\n",
	  "s.yaml:3:28: error: ", "handoff from B to B in steps[1].handoff, expected two different lenses" },
	{ "handoff bad lens", "scenario: x\nsteps:\n  - handoff: {from: C, z_um: 0}\n",
	  "s.yaml:3:21: error: ", "'C' is not a valid lens, expected A or B" },
	{ "uniform empty", "scenario: x\nsteps:\n  - autofocus: {near_um: {uniform: [3, 1]}}\n",
	  "s.yaml:3:40: error: ", "uniform [3, 1] is empty, expected lo < hi" },
	{ "uniform three items", "scenario: x\nsteps:\n  - autofocus: {near_um: {uniform: [1, 2, 3]}}\n",
	  "s.yaml:3:36: error: ", "has 3 items, expected 2: [lo, hi]" },
	{ "uniform unknown key", "scenario: x\nsteps:\n  - handoff: {z_um: {normal: [0, 1]}}\n",
	  "s.yaml:3:22: error: ", "unknown key 'normal' in steps[1].handoff.z_um, expected one of: uniform" },
	{ "calibrate reversed", "scenario: x\nsteps:\n  - calibrate: {from_um: 5, to_um: -5}\n",
	  "s.yaml:3:36: error: ", "from_um 5 is not below to_um -5" },
	{ "step with two keys", "scenario: x\nsteps:\n  - {wait: {s: 1}, handoff: {z_um: 0}}\n",
	  "s.yaml:3:20: error: ", "steps[1] has more than one key, expected exactly one of: calibrate, handoff" },
	{ "unknown step", "scenario: x\nsteps:\n  - wait: {s: 1}\n  - focus: {lens: B}\n",
	  "s.yaml:4:5: error: ", "unknown step 'focus', expected one of: calibrate, handoff, autofocus or wait" },
	{ "empty steps", "scenario: x\nsteps: []\n", "s.yaml:2:8: error: ",
	  "steps is empty, expected at least one step" },
	{ "steps not a sequence", "scenario: x\nsteps: {wait: {s: 1}}\n", "s.yaml:2:8: error: ",
	  "steps is a mapping, expected a sequence of steps" },
	{ "wait zero", "scenario: x\nsteps:\n  - wait: {s: 0}\n", "s.yaml:3:15: error: ",
	  "'0' is out of range for steps[1].wait.s, expected a finite number in (0, " },
	{ "stage travel reversed",
	  "scenario: x\n" OK_STEPS "rig:\n  stage:\n    travel_min_um: 10\n    travel_max_um: 5\n",
	  "s.yaml:5:5: error: ",
	  "rig.stage configuration is inconsistent: travel_min_um 10 is not below travel_max_um 5" },
	{ "stage jitter above settle", "scenario: x\n" OK_STEPS "rig: {stage: {settle_ms: 2}}\n",
	  "s.yaml:3:14: error: ", "rig.stage configuration is inconsistent: settle_jitter_ms 5 exceeds settle_ms 2" },
	{ "lens na above n", "scenario: x\n" OK_STEPS "rig:\n  lens_b: {na: 1.2}\n", "s.yaml:4:11: error: ",
	  "rig.lens_b configuration is inconsistent: na 1.2 is not below medium_n 1" },
	{ "camera roi beyond sensor", "scenario: x\n" OK_STEPS "rig:\n  camera: {sensor_width: 100}\n",
	  "s.yaml:4:11: error: ", "rig.camera configuration is inconsistent: ROI 128x128 exceeds the sensor 100x2048" },
	{ "camera offset beyond adc", "scenario: x\n" OK_STEPS "rig:\n  camera: {bit_depth: 6}\n",
	  "s.yaml:4:11: error: ", "rig.camera configuration is inconsistent: offset_adu 100 leaves no range at bit_depth 6" },
	{ "turret jitter", "scenario: x\n" OK_STEPS "rig:\n  turret: {switch_ms: 2}\n", "s.yaml:4:11: error: ",
	  "rig.turret configuration is inconsistent: switch_jitter_ms 5 exceeds switch_ms 2" },
	{ "specimen grid", "scenario: x\n" OK_STEPS "rig:\n  specimen: {grid_line_um: 12}\n",
	  "s.yaml:4:13: error: ", "rig.specimen configuration is inconsistent: grid_line_um 12 is not below grid_pitch_um 10" },
	{ "bad stage profile", "scenario: x\n" OK_STEPS "rig:\n  stage: {step_um: 1, profile: servo}\n",
	  "s.yaml:4:32: error: ", "'servo' is not a valid stage profile, expected stepper or piezo" },
	{ "non-scalar key", "scenario: x\n" OK_STEPS "rig: {[a]: 1}\n", "s.yaml:3:7: error: ",
	  "a sequence as a key in rig, expected a scalar key" },
};

START_TEST(test_error_position)
{
	const err_case *c = &err_cases[_i];
	sim_scenario s, zero;
	char err[SIM_ERR_MAX];
	int rc;

	memset(&zero, 0, sizeof zero);
	memset(&s, 0xab, sizeof s);
	rc = load(c->yaml, &s, err, sizeof err);
	ck_assert_msg(rc == -1, "%s: loaded", c->name);
	ck_assert_msg(strncmp(err, c->prefix, strlen(c->prefix)) == 0, "%s: got \"%s\", want prefix \"%s\"",
		      c->name, err, c->prefix);
	ck_assert_msg(strstr(err, c->words) != NULL, "%s: got \"%s\", want \"%s\"", c->name, err,
		      c->words);
	/* A failed load leaves nothing to release. */
	ck_assert_msg(memcmp(&s, &zero, sizeof s) == 0, "%s: *out not cleared", c->name);
	sim_scenario_release(&s);
}
END_TEST

/* A short buffer gets a truncated, terminated message. */
START_TEST(test_error_truncated)
{
	sim_scenario s;
	char err[16];

	memset(err, 'x', sizeof err);
	ck_assert_int_eq(load("scenario: x\n", &s, err, sizeof err), -1);
	ck_assert_str_eq(err, "s.yaml:1:1: err");
	ck_assert_int_eq(load("scenario: x\n", &s, NULL, 0), -1);
}
END_TEST

/* ---- valid scenarios ---- */

START_TEST(test_defaults)
{
	sim_scenario s;
	mdl_rig rig;
	af_engine_config eng;
	char err[SIM_ERR_MAX];

	mdl_rig_default(&rig);
	af_engine_config_default(&eng);
	ck_assert_msg(load("scenario: minimal\nsteps:\n  - calibrate:\n  - wait: {s: 2.5}\n", &s, err,
			   sizeof err) == 0, "%s", err);
	ck_assert_str_eq(s.name, "minimal");
	ck_assert_str_eq(s.path, "s.yaml");
	ck_assert_str_eq(s.description, "");
	ck_assert_uint_eq(s.seed, 1);
	ck_assert(memcmp(&s.rig, &rig, sizeof rig) == 0);
	ck_assert(memcmp(&s.engine, &eng, sizeof eng) == 0);
	ck_assert_int_eq(s.room.kind, MDL_ROOM_CONSTANT);
	ck_assert_double_eq(s.room.constant_c, 22.0);
	ck_assert_ptr_null(s.room_points);
	ck_assert_uint_eq(s.n_faults, 0);
	ck_assert_uint_eq(s.n_expects, 0);
	ck_assert_double_eq(s.tol_time_frac, 0.05);
	ck_assert_double_eq(s.tol_accuracy_um, 0.05);
	ck_assert_uint_eq(s.n_steps, 2);
	/* `calibrate:` with no mapping takes every default */
	ck_assert_int_eq(s.steps[0].kind, SIM_STEP_CALIBRATE);
	ck_assert_int_eq(s.steps[0].line, 3);
	ck_assert_uint_eq(s.steps[0].points, 11);
	ck_assert_double_eq(s.steps[0].from_um, -8.0);
	ck_assert_double_eq(s.steps[0].to_um, 8.0);
	ck_assert_uint_eq(s.steps[0].passes, 2);
	ck_assert(s.steps[0].measure_backlash);
	ck_assert_int_eq(s.steps[1].kind, SIM_STEP_WAIT);
	ck_assert_int_eq(s.steps[1].line, 4);
	ck_assert_double_eq(s.steps[1].wait_s, 2.5);
	sim_scenario_release(&s);
	ck_assert_ptr_null(s.steps);
	sim_scenario_release(&s); /* released twice: still fine */
	sim_scenario_release(NULL);
}
END_TEST

/* Empty sections change nothing either. */
START_TEST(test_empty_sections)
{
	sim_scenario s;
	mdl_rig rig;
	af_engine_config eng;
	char err[SIM_ERR_MAX];

	mdl_rig_default(&rig);
	af_engine_config_default(&eng);
	ck_assert_msg(load("scenario: x\nrig: {}\nengine:\nenvironment: {}\nfaults: []\nexpect: {}\n"
			   "tolerances: {}\nsteps: [{wait: {s: 1}}]\n", &s, err, sizeof err) == 0,
		      "%s", err);
	ck_assert(memcmp(&s.rig, &rig, sizeof rig) == 0);
	ck_assert(memcmp(&s.engine, &eng, sizeof eng) == 0);
	ck_assert_uint_eq(s.n_faults, 0);
	ck_assert_uint_eq(s.n_expects, 0);
	ck_assert_int_eq(s.steps[0].line, 8);
	sim_scenario_release(&s);
}
END_TEST

static const char full_yaml[] =
	"scenario: full-test_1\n"                                                        /*  1 */
	"description: every section\n"                                                   /*  2 */
	"seed: 18446744073709551615\n"                                                   /*  3 */
	"rig:\n"                                                                         /*  4 */
	"  start_z_um: 12.5\n"                                                           /*  5 */
	"  start_lens: B\n"                                                              /*  6 */
	"  lens_a: {magnification: 20, na: 0.4}\n"                                       /*  7 */
	"  lens_b: {na: 0.9, medium_n: 1.33, asymmetry: -0.2}\n"                         /*  8 */
	"  parfocal: {c0_um: 3.5, c1: 1.01, ref_temp_c: 21}\n"                           /*  9 */
	"  thermal: {tau_fast_s: 600, fast_weight: 0.25}\n"                              /* 10 */
	"  stage: {travel_max_um: 80, profile: piezo, hysteresis_frac: 0.12}\n"          /* 11 */
	"  turret: {switch_ms: 900, profile: turret}\n"                                  /* 12 */
	"  camera: {sensor_width: 1024, sensor_height: 512, roi_width: 64,\n"            /* 13 */
	"           roi_height: 32, bit_depth: 12, exposure_us: 2000}\n"                 /* 14 */
	"  specimen: {kind: two_layer, seed: 9, layer_separation_um: 6}\n"               /* 15 */
	"engine:\n"                                                                      /* 16 */
	"  optimization: standard\n"                                                     /* 17 */
	"  mapping: {model: quadratic}\n"                                                /* 18 */
	"  cache: {size: 16, hit_threshold_um: 0.1, temp_bound_c: 0.25}\n"               /* 19 */
	"  thermal_compensation: false\n"                                                /* 20 */
	"  refine_offset: false\n"                                                       /* 21 */
	"  mapping_limit_um: 2\n"                                                        /* 22 */
	"  validation_retries: 3\n"                                                      /* 23 */
	"  backlash_um: 1.5\n"                                                           /* 24 */
	"  nominal_offset_um: -3\n"                                                      /* 25 */
	"  settle_timeout_ms: 250\n"                                                     /* 26 */
	"  overlap: false\n"                                                             /* 27 */
	"  search:\n"                                                                    /* 28 */
	"    lens_b:\n"                                                                  /* 29 */
	"      fast: {mode: scan, points: 7, step_um: .4, measure: tenengrad,\n"         /* 30 */
	"             fit: parabola, refine_points: 0, max_frames: 12, extrapolate_um: 0.4}\n" /* 31 */
	"      wide: {range_um: 8, max_frames: 40}\n"                                    /* 32 */
	"    lens_a:\n"                                                                  /* 33 */
	"      ultra_fast: {confirm: true, land_tol_um: 0.3, stride: 4}\n"               /* 34 */
	"environment:\n"                                                                 /* 35 */
	"  temperature:\n"                                                               /* 36 */
	"    ramp: {from_c: 20, to_c: 26, over_s: 3600, start_s: 60}\n"                  /* 37 */
	"faults:\n"                                                                      /* 38 */
	"  - {at_s: 30.5, kind: stage_stall, duration_ms: 40}\n"                         /* 39 */
	"  - {at_op: 12, kind: camera_drop, count: 2}\n"                                 /* 40 */
	"  - {kind: sensor_glitch, at_s: 0, delta_c: -3, duration_s: 20, factor: 0}\n"   /* 41 */
	"steps:\n"                                                                       /* 42 */
	"  - calibrate: {points: 9, from_um: -6, to_um: 6, passes: 3,\n"                 /* 43 */
	"                measure_backlash: false}\n"                                     /* 44 */
	"  - handoff: {from: B, to: A, z_um: 2.5, repeat: 4, interval_s: 1.5}\n"         /* 45 */
	"  # a comment between steps\n"                                                  /* 46 */
	"  - handoff:\n"                                                                 /* 47 */
	"      z_um: {uniform: [-5, 5e0]}\n"                                             /* 48 */
	"      repeat: 100\n"                                                            /* 49 */
	"  - autofocus: {lens: A, near_um: {uniform: [-1, +1.5]}}\n"                     /* 50 */
	"  - wait: {s: 600}\n"                                                           /* 51 */
	"expect:\n"                                                                      /* 52 */
	"  handoff.total_ms.p95: {max: 300}\n"                                           /* 53 */
	"  handoff.success_rate: {min: 0.99}\n"                                          /* 54 */
	"  calibration.rms_um: {min: 0, max: 0.1}\n"                                     /* 55 */
	"tolerances: {time_frac: 0.1, accuracy_um: 0.02}\n";                             /* 56 */

START_TEST(test_full)
{
	sim_scenario s;
	mdl_rig def;
	af_engine_config eng;
	char err[SIM_ERR_MAX];
	const sim_step *st;

	mdl_rig_default(&def);
	af_engine_config_default(&eng);
	ck_assert_msg(load(full_yaml, &s, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(s.name, "full-test_1");
	ck_assert_str_eq(s.description, "every section");
	ck_assert_uint_eq(s.seed, UINT64_MAX);

	/* rig */
	ck_assert_double_eq(s.rig.start_z_um, 12.5);
	ck_assert_int_eq(s.rig.start_lens, MDL_LENS_B);
	ck_assert_double_eq(s.rig.lens[MDL_LENS_A].magnification, 20.0);
	ck_assert_double_eq(s.rig.lens[MDL_LENS_A].na, 0.4);
	ck_assert_double_eq(s.rig.lens[MDL_LENS_A].wavelength_um, 0.55); /* default kept */
	ck_assert_double_eq(s.rig.lens[MDL_LENS_B].na, 0.9);
	ck_assert_double_eq(s.rig.lens[MDL_LENS_B].medium_n, 1.33);
	ck_assert_double_eq(s.rig.lens[MDL_LENS_B].asymmetry, -0.2);
	ck_assert_double_eq(s.rig.parfocal.c0_um, 3.5);
	ck_assert_double_eq(s.rig.parfocal.c1, 1.01);
	ck_assert_double_eq(s.rig.parfocal.ref_temp_c, 21.0);
	ck_assert_double_eq(s.rig.parfocal.c2_per_um, def.parfocal.c2_per_um);
	ck_assert_double_eq(s.rig.thermal.tau_fast_s, 600.0);
	ck_assert_double_eq(s.rig.thermal.fast_weight, 0.25);
	/* profile piezo applied first although written after travel_max_um */
	ck_assert_int_eq(s.rig.stage.kind, MDL_STAGE_PIEZO);
	ck_assert_double_eq(s.rig.stage.travel_min_um, -100.0);
	ck_assert_double_eq(s.rig.stage.travel_max_um, 80.0);
	ck_assert_double_eq(s.rig.stage.hysteresis_frac, 0.12);
	/* turret profile applied first too: its jam timeout, our switch time */
	ck_assert_double_eq(s.rig.turret.switch_ms, 900.0);
	ck_assert_double_eq(s.rig.turret.jam_timeout_ms, 2000.0);
	ck_assert_uint_eq(s.rig.camera.sensor_width, 1024);
	ck_assert_uint_eq(s.rig.camera.sensor_height, 512);
	ck_assert_uint_eq(s.rig.camera.roi_width, 64);
	ck_assert_uint_eq(s.rig.camera.roi_height, 32);
	ck_assert_uint_eq(s.rig.camera.roi_x, 480);
	ck_assert_uint_eq(s.rig.camera.roi_y, 240);
	ck_assert_uint_eq(s.rig.camera.bit_depth, 12);
	ck_assert_uint_eq(s.rig.camera.exposure_us, 2000);
	ck_assert_int_eq(s.rig.specimen.kind, MDL_SPECIMEN_TWO_LAYER);
	ck_assert_uint_eq(s.rig.specimen.seed, 9);
	ck_assert_double_eq(s.rig.specimen.layer_separation_um, 6.0);

	/* engine */
	ck_assert_int_eq(s.engine.level, AF_LEVEL_STANDARD);
	ck_assert_int_eq(s.engine.mapping_model, AF_MAP_QUADRATIC);
	ck_assert_uint_eq(s.engine.cache_size, 16);
	ck_assert_double_eq(s.engine.cache_hit_threshold_um, 0.1);
	ck_assert_double_eq(s.engine.cache_temp_bound_c, 0.25);
	ck_assert(!s.engine.thermal_compensation);
	ck_assert(!s.engine.refine_offset);
	ck_assert_double_eq(s.engine.mapping_limit_um, 2.0);
	ck_assert_uint_eq(s.engine.validation_retries, 3);
	ck_assert_double_eq(s.engine.backlash_um, 1.5);
	ck_assert_double_eq(s.engine.nominal_offset_um, -3.0);
	ck_assert_uint_eq(s.engine.settle_timeout_ms, 250);
	for (int l = 0; l < AF_LEVEL_COUNT; l++)
		ck_assert(!s.engine.overlap[l]);
	ck_assert_int_eq(s.engine.search[AF_LENS_B][AF_LEVEL_FAST].mode, AF_SEARCH_SCAN);
	ck_assert_uint_eq(s.engine.search[AF_LENS_B][AF_LEVEL_FAST].points, 7);
	ck_assert_double_eq(s.engine.search[AF_LENS_B][AF_LEVEL_FAST].step_um, 0.4);
	ck_assert_int_eq(s.engine.search[AF_LENS_B][AF_LEVEL_FAST].measure, AF_MEASURE_TENENGRAD);
	ck_assert_int_eq(s.engine.search[AF_LENS_B][AF_LEVEL_FAST].fit, AF_PEAK_PARABOLA);
	ck_assert_uint_eq(s.engine.search[AF_LENS_B][AF_LEVEL_FAST].refine_points, 0);
	ck_assert_double_eq(s.engine.wide[AF_LENS_B].range_um, 8.0);
	ck_assert_uint_eq(s.engine.wide[AF_LENS_B].max_frames, 40);
	ck_assert_uint_eq(s.engine.wide[AF_LENS_B].points, eng.wide[AF_LENS_B].points);
	ck_assert(s.engine.search[AF_LENS_A][AF_LEVEL_ULTRA_FAST].confirm);
	ck_assert_double_eq(s.engine.search[AF_LENS_A][AF_LEVEL_ULTRA_FAST].land_tol_um, 0.3);
	ck_assert_uint_eq(s.engine.search[AF_LENS_A][AF_LEVEL_ULTRA_FAST].stride, 4);
	/* untouched levels keep their defaults */
	ck_assert(memcmp(&s.engine.search[AF_LENS_A][AF_LEVEL_STANDARD],
			 &eng.search[AF_LENS_A][AF_LEVEL_STANDARD], sizeof eng.search[0][0]) == 0);
	ck_assert(memcmp(&s.engine.wide[AF_LENS_A], &eng.wide[AF_LENS_A], sizeof eng.wide[0]) == 0);

	/* environment */
	ck_assert_int_eq(s.room.kind, MDL_ROOM_RAMP);
	ck_assert_double_eq(s.room.from_c, 20.0);
	ck_assert_double_eq(s.room.to_c, 26.0);
	ck_assert_double_eq(s.room.over_s, 3600.0);
	ck_assert_double_eq(s.room.start_s, 60.0);

	/* faults */
	ck_assert_uint_eq(s.n_faults, 3);
	ck_assert_int_eq(s.faults[0].kind, SIM_FAULT_STAGE_STALL);
	ck_assert_int_eq(s.faults[0].at_ns, INT64_C(30500000000));
	ck_assert_int_eq(s.faults[0].at_op, -1);
	ck_assert_double_eq(s.faults[0].duration_ms, 40.0);
	ck_assert_int_eq(s.faults[1].kind, SIM_FAULT_CAMERA_DROP);
	ck_assert_int_eq(s.faults[1].at_ns, -1);
	ck_assert_int_eq(s.faults[1].at_op, 12);
	ck_assert_uint_eq(s.faults[1].count, 2);
	ck_assert_int_eq(s.faults[2].kind, SIM_FAULT_SENSOR_GLITCH);
	ck_assert_int_eq(s.faults[2].at_ns, 0);
	ck_assert_int_eq(s.faults[2].at_op, -1);
	ck_assert_double_eq(s.faults[2].delta_c, -3.0);
	ck_assert_double_eq(s.faults[2].duration_s, 20.0);

	/* steps */
	ck_assert_uint_eq(s.n_steps, 5);
	st = &s.steps[0];
	ck_assert_int_eq(st->kind, SIM_STEP_CALIBRATE);
	ck_assert_int_eq(st->line, 43);
	ck_assert_uint_eq(st->points, 9);
	ck_assert_double_eq(st->from_um, -6.0);
	ck_assert_double_eq(st->to_um, 6.0);
	ck_assert_uint_eq(st->passes, 3);
	ck_assert(!st->measure_backlash);
	st = &s.steps[1];
	ck_assert_int_eq(st->kind, SIM_STEP_HANDOFF);
	ck_assert_int_eq(st->line, 45);
	ck_assert_int_eq(st->from, AF_LENS_B);
	ck_assert_int_eq(st->to, AF_LENS_A);
	ck_assert(!st->z_um.uniform);
	ck_assert_double_eq(st->z_um.value, 2.5);
	ck_assert_uint_eq(st->repeat, 4);
	ck_assert_double_eq(st->interval_s, 1.5);
	st = &s.steps[2];
	ck_assert_int_eq(st->kind, SIM_STEP_HANDOFF);
	ck_assert_int_eq(st->line, 47);
	ck_assert_int_eq(st->from, AF_LENS_A);
	ck_assert_int_eq(st->to, AF_LENS_B);
	ck_assert(st->z_um.uniform);
	ck_assert_double_eq(st->z_um.lo, -5.0);
	ck_assert_double_eq(st->z_um.hi, 5.0);
	ck_assert_uint_eq(st->repeat, 100);
	st = &s.steps[3];
	ck_assert_int_eq(st->kind, SIM_STEP_AUTOFOCUS);
	ck_assert_int_eq(st->line, 50);
	ck_assert_int_eq(st->lens, AF_LENS_A);
	ck_assert(st->near_um.uniform);
	ck_assert_double_eq(st->near_um.lo, -1.0);
	ck_assert_double_eq(st->near_um.hi, 1.5);
	st = &s.steps[4];
	ck_assert_int_eq(st->kind, SIM_STEP_WAIT);
	ck_assert_int_eq(st->line, 51);
	ck_assert_double_eq(st->wait_s, 600.0);

	/* expect */
	ck_assert_uint_eq(s.n_expects, 3);
	ck_assert_str_eq(s.expects[0].metric, "handoff.total_ms.p95");
	ck_assert(!s.expects[0].has_min);
	ck_assert(s.expects[0].has_max);
	ck_assert_double_eq(s.expects[0].max, 300.0);
	ck_assert_int_eq(s.expects[0].line, 53);
	ck_assert_int_eq(s.expects[0].col, 3);
	ck_assert_str_eq(s.expects[1].metric, "handoff.success_rate");
	ck_assert(s.expects[1].has_min);
	ck_assert(!s.expects[1].has_max);
	ck_assert_double_eq(s.expects[1].min, 0.99);
	ck_assert(s.expects[2].has_min && s.expects[2].has_max);
	ck_assert_double_eq(s.expects[2].min, 0.0);
	ck_assert_double_eq(s.expects[2].max, 0.1);
	ck_assert_int_eq(s.expects[2].line, 55);

	ck_assert_double_eq(s.tol_time_frac, 0.1);
	ck_assert_double_eq(s.tol_accuracy_um, 0.02);
	sim_scenario_release(&s);
}
END_TEST

/* Profiles replace the whole sub-config before the other keys, in either
 * order; back to the stepper resets the piezo values. */
START_TEST(test_profile_order)
{
	sim_scenario s;
	char err[SIM_ERR_MAX];
	mdl_stage_config piezo;

	mdl_stage_config_piezo(&piezo);
	ck_assert_msg(load("scenario: x\n" OK_STEPS
			   "rig: {stage: {profile: piezo, travel_min_um: -50, response_10_90_ms: 10}}\n",
			   &s, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(s.rig.stage.kind, MDL_STAGE_PIEZO);
	ck_assert_double_eq(s.rig.stage.travel_min_um, -50.0);
	ck_assert_double_eq(s.rig.stage.travel_max_um, piezo.travel_max_um);
	ck_assert_double_eq(s.rig.stage.response_10_90_ms, 10.0);
	sim_scenario_release(&s);

	ck_assert_msg(load("scenario: x\n" OK_STEPS
			   "rig: {stage: {response_10_90_ms: 10, travel_min_um: -50, profile: piezo}}\n",
			   &s, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(s.rig.stage.kind, MDL_STAGE_PIEZO);
	ck_assert_double_eq(s.rig.stage.travel_min_um, -50.0);
	ck_assert_double_eq(s.rig.stage.response_10_90_ms, 10.0);
	sim_scenario_release(&s);

	ck_assert_msg(load("scenario: x\n" OK_STEPS
			   "rig: {stage: {backlash_um: 0.5, profile: stepper}, turret: {profile: slider}}\n",
			   &s, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(s.rig.stage.kind, MDL_STAGE_STEPPER);
	ck_assert_double_eq(s.rig.stage.backlash_um, 0.5);
	ck_assert_double_eq(s.rig.stage.travel_max_um, 500.0);
	ck_assert_double_eq(s.rig.turret.switch_ms, 35.0);
	sim_scenario_release(&s);
}
END_TEST

START_TEST(test_numbers_and_values)
{
	sim_scenario s;
	char err[SIM_ERR_MAX];

	ck_assert_msg(load("scenario: 'quoted-name'\ndescription: \"a: b\"\nseed: 0\n"
			   "rig: {start_z_um: -1.25e+2, lens_a: {na: .5}, lens_b: {na: 0.7e0}}\n"
			   "engine: {overlap: true, optimization: ultra_fast, mapping: {model: cubic}}\n"
			   "environment: {temperature: {constant_c: -5.}}\n"
			   "steps: [{autofocus: {near_um: 7}}, {handoff: {to: A, from: B, z_um: -0}}]\n",
			   &s, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(s.name, "quoted-name");
	ck_assert_str_eq(s.description, "a: b");
	ck_assert_uint_eq(s.seed, 0);
	ck_assert_double_eq(s.rig.start_z_um, -125.0);
	ck_assert_double_eq(s.rig.lens[MDL_LENS_A].na, 0.5);
	ck_assert_double_eq(s.rig.lens[MDL_LENS_B].na, 0.7);
	for (int l = 0; l < AF_LEVEL_COUNT; l++)
		ck_assert(s.engine.overlap[l]);
	ck_assert_int_eq(s.engine.level, AF_LEVEL_ULTRA_FAST);
	ck_assert_int_eq(s.engine.mapping_model, AF_MAP_CUBIC);
	ck_assert_int_eq(s.room.kind, MDL_ROOM_CONSTANT);
	ck_assert_double_eq(s.room.constant_c, -5.0);
	ck_assert_int_eq(s.steps[0].lens, AF_LENS_B);
	ck_assert(!s.steps[0].near_um.uniform);
	ck_assert_double_eq(s.steps[0].near_um.value, 7.0);
	ck_assert_int_eq(s.steps[0].line, 7);
	ck_assert_int_eq(s.steps[1].from, AF_LENS_B);
	ck_assert_int_eq(s.steps[1].to, AF_LENS_A);
	sim_scenario_release(&s);
}
END_TEST

START_TEST(test_room_steps_and_sine)
{
	sim_scenario s;
	char err[SIM_ERR_MAX];

	ck_assert_msg(load("scenario: x\n" OK_STEPS "environment:\n  temperature:\n"
			   "    steps: [{at_s: 0, c: 22}, {c: 25, at_s: 600}, {at_s: 900.5, c: 23}]\n",
			   &s, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(s.room.kind, MDL_ROOM_STEPS);
	ck_assert_uint_eq(s.n_room_points, 3);
	ck_assert_ptr_eq(s.room.points, s.room_points);
	ck_assert_uint_eq(s.room.n_points, 3);
	ck_assert_double_eq(s.room_points[1].t_s, 600.0);
	ck_assert_double_eq(s.room_points[1].temp_c, 25.0);
	ck_assert_double_eq(s.room_points[2].t_s, 900.5);
	ck_assert_double_eq(mdl_room_temp_c(&s.room, 700.0), 25.0);
	sim_scenario_release(&s);

	ck_assert_msg(load("scenario: x\n" OK_STEPS
			   "environment: {temperature: {sine: {mean_c: 22, amplitude_c: 0.5, period_s: 1200}}}\n",
			   &s, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(s.room.kind, MDL_ROOM_SINE);
	ck_assert_double_eq(s.room.mean_c, 22.0);
	ck_assert_double_eq(s.room.amplitude_c, 0.5);
	ck_assert_double_eq(s.room.period_s, 1200.0);
	sim_scenario_release(&s);
}
END_TEST

Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("load");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_error_position, 0, (int)(sizeof err_cases / sizeof err_cases[0]));
	tcase_add_test(tc, test_error_truncated);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_sections);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_profile_order);
	tcase_add_test(tc, test_numbers_and_values);
	tcase_add_test(tc, test_room_steps_and_sine);
	suite_add_tcase(s, tc);
	return s;
}
