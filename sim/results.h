/*
 * results.h - where a run's records go: the one narrow interface between
 * the scenario runner and whatever keeps the results (the terminal
 * report, JUnit, the SQLite store).  Every callback is optional; records
 * arrive in run order; pointers are valid only during the call.
 */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_run_info {
	const char *scenario;
	const char *path;
	double tol_time_frac, tol_accuracy_um;   /* the scenario's regression tolerances */
	uint64_t seed;
	const char *mode;          /* "sim" or "hil" */
	const char *rig;           /* the rig's name: "sim:default", "bench-2 (ident)" */
} sim_run_info;

/* One operation (a row of the ops table of docs/design.md §6). */
typedef struct sim_op_record {
	uint32_t seq;              /* 1-based */
	const char *kind;          /* "handoff", "autofocus", "calibrate" */
	double t_ms;               /* run clock at the start */
	const char *from_lens, *to_lens;   /* "A"/"B" or NULL */
	double z_request_um, z_predicted_um, z_found_um;
	double mapping_error_um, focus_error_um;   /* NaN when not measured */
	double lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, total_ms;
	uint32_t frames;
	bool cache_hit;
	double temperature_c;
	bool success;
	const char *error;         /* "" on success: "ETIMEDOUT: camera frame dropped ..." */
} sim_op_record;

/* One frame the engine scored. */
typedef struct sim_sample_record {
	uint32_t op_seq;
	double t_ms;
	const char *lens;
	double z_um;               /* where the engine put the stage */
	double focus_score;
	double true_focus_um;      /* the simulator's truth for that lens */
	double temperature_c;      /* instrument temperature */
} sim_sample_record;

typedef struct sim_event_record {
	double t_ms;
	const char *kind;          /* "fault", "hal_error", "warning" */
	const char *detail;
} sim_event_record;

typedef struct sim_expect_record {
	const char *metric;
	double value;              /* NaN when the run has no data for it */
	const char *op;            /* "min" or "max" */
	double bound;
	bool passed;
	/* false: the metric needs what this rig cannot know (ground truth on a
	 * physical rig): neither passed nor failed (passed is false, value NaN) */
	bool applicable;
} sim_expect_record;

struct sim_trace;
struct sim_trace_entry;

typedef struct sim_run_end {
	const char *status;        /* "passed", "failed", "error" */
	uint64_t trace_hash;
	const struct sim_trace *trace;   /* the run's trace (kernel/trace.h): its record index */
	const char *message;       /* "" or why the run errored */
	double virtual_s;          /* simulated seconds; NaN on a physical rig */
} sim_run_end;

typedef struct sim_results_ops {
	void (*run_begin)(void *user, const sim_run_info *r);
	void (*op)(void *user, const sim_op_record *r);
	void (*sample)(void *user, const sim_sample_record *r);
	void (*event)(void *user, const sim_event_record *r);
	void (*expectation)(void *user, const sim_expect_record *r);
	void (*run_end)(void *user, const sim_run_end *r);
	/* The run's trace index (kernel/trace.h) as the run goes: n entries, the
	 * next records in order; the last slice arrives before run_end. */
	void (*trace_index)(void *user, const struct sim_trace_entry *e, size_t n);
} sim_results_ops;

#endif /* SIM_RESULTS_H */
