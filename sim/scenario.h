/*
 * scenario.h - a scenario: one YAML file describing rig, engine settings,
 * environment, faults, steps and expectations (docs/design.md §4;
 * every key is documented in scenarios/README.md).
 *
 * sim_scenario_load() parses with libyaml's document API and a table-driven
 * schema: unknown keys, duplicate keys, wrong types, out-of-range or
 * non-finite numbers, bad enum values, missing required keys, empty or
 * non-YAML files are errors reported as "file:line:col: error: ..." (1-based)
 * saying what was expected.  An explicit YAML tag counts: `!!str 5` is a
 * string, refused where a number is expected.  Before parsing, the loader
 * bounds its input: a regular file (a FIFO or a device is refused, never
 * waited on), at most 1 MiB, nested at most 64 deep; and the steps may
 * declare at most 2e9 s of simulated time in all (the int64 ns clock).  A
 * loaded scenario starts from the default rig (mdl_rig_default) and the
 * default engine (af_engine_config_default) with the file's overrides
 * applied.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_engine.h"
#include "models/rig.h"
#include "models/thermal.h"
#include "sim/fault.h"

#define SIM_NAME_MAX 64
#define SIM_METRIC_MAX 96
#define SIM_ERR_MAX 512

/* A number, or {uniform: [lo, hi]} drawn per use from the steps stream. */
typedef struct sim_value {
	bool uniform;
	double value;      /* when !uniform */
	double lo, hi;     /* when uniform */
} sim_value;

typedef enum sim_step_kind {
	SIM_STEP_CALIBRATE,
	SIM_STEP_HANDOFF,
	SIM_STEP_AUTOFOCUS,
	SIM_STEP_WAIT,
} sim_step_kind;

typedef struct sim_step {
	sim_step_kind kind;
	int line;                  /* 1-based line of the step in the file */
	/* calibrate: {points, from_um, to_um, passes, measure_backlash} */
	uint32_t points;           /* 11 */
	double from_um, to_um;     /* -8, 8 */
	uint32_t passes;           /* 2 */
	bool measure_backlash;     /* true */
	/* handoff: {from, to, z_um, repeat, interval_s} */
	af_lens from, to;          /* A, B */
	sim_value z_um;            /* required */
	uint32_t repeat;           /* 1 */
	double interval_s;         /* 0: virtual time between repeats */
	/* autofocus: {lens, near_um} */
	af_lens lens;              /* B */
	sim_value near_um;         /* required */
	/* wait: {s} */
	double wait_s;
} sim_step;

/* One expectation: metric name with a lower and/or upper bound. */
typedef struct sim_expect {
	char metric[SIM_METRIC_MAX];
	bool has_min, has_max;
	double min, max;
	int line, col;             /* where it was written */
} sim_expect;

typedef struct sim_scenario {
	char path[1024];
	char name[SIM_NAME_MAX];          /* required: [a-z0-9_-]+ */
	char *description;                /* owned; "" when absent */
	uint64_t seed;                    /* 1 unless given */
	mdl_rig rig;
	mdl_room_profile room;            /* its points point into room_points */
	mdl_room_point *room_points;      /* owned (steps, trace) */
	size_t n_room_points;
	af_engine_config engine;
	sim_fault *faults;                /* owned */
	size_t n_faults;
	sim_step *steps;                  /* owned; at least one */
	size_t n_steps;
	sim_expect *expects;              /* owned */
	size_t n_expects;
	/* regression tolerances (issue 5 reads them; loaded here) */
	double tol_time_frac;             /* 0.05 */
	double tol_accuracy_um;           /* 0.05 */
} sim_scenario;

/*
 * Load path into *out.  On success returns 0 and *out owns its memory
 * (release with sim_scenario_release).  On failure returns -1, *out holds
 * nothing to release, and err (errlen bytes) says
 * "path:line:col: error: what, expected what" (line and col 1-based; 0:0
 * when the file itself cannot be read).
 */
int sim_scenario_load(const char *path, sim_scenario *out, char *err, size_t errlen);

/* Same from a string (path names it in messages). */
int sim_scenario_load_string(const char *path, const char *yaml, size_t len,
			     sim_scenario *out, char *err, size_t errlen);

void sim_scenario_release(sim_scenario *s);

/*
 * Parse a room temperature trace from text[0..len): CSV lines
 * "t_s,temperature_c" (seconds from the start of the run, C), blank lines
 * and '#' comments ignored, one optional header line before the data,
 * times in non-decreasing order (two equal times make a jump), at least
 * one line, temperatures in [-50, 100] C.  csv_path names the text in
 * messages.  On success returns 0, *points (malloc'd; the caller frees it)
 * and *n >= 1.  On failure returns -1, *points is NULL and err says
 * "csv_path:line:col: error: what, expected what" (1-based).
 */
int sim_room_trace_parse(const char *csv_path, const char *text, size_t len,
			 mdl_room_point **points, size_t *n, char *err, size_t errlen);

/* Whether name is a metric the runner computes (for load-time checks of
 * `expect:` keys): "<op>.<field>.<stat>" or a named rate. */
bool sim_metric_known(const char *name);

#endif /* SIM_SCENARIO_H */
