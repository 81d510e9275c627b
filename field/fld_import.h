/*
 * fld_import.h - a field log turned into a scenario that reproduces it in
 * the physics simulation (`afsim field import`, docs/field-replay.md §3).
 *
 * From the log (field/fld_log.h):
 *   - the steps: its operations as the scenario runner makes them
 *     (field/fld_steps.h): calibrations with their plans, autofocus
 *     operations, handoffs at their plan positions, waits from the gaps;
 *   - the rig: timings fitted from the calls' durations, the camera's
 *     region of interest, the room from the temperature readings
 *     (field/fld_fit.h);
 *   - the engine: the configuration the log recorded;
 *   - the faults, inferred from the HAL errors at the operation where they
 *     happened: a jammed switch (select_lens EHW) a turret_jam, a lens that
 *     is not the one selected a turret_wrong_position, a stage that
 *     refuses or stops (move_z, wait_settled EHW) a stage_stall, dropped
 *     frames (grab_frame ETIMEDOUT) a camera_drop of that many frames, a
 *     frame repeated (the same sequence number) a camera_stale; the
 *     bridge's link errors (no reply, a garbled reply, a closed connection)
 *     the rig-level kinds no_reply, garbage and link_drop, which only the
 *     rig emulator acts on.  A fault inside an operation fires at it
 *     (at_op).  A fault in a handoff's setup (the moves before the handoff
 *     itself, which the runner makes before the operation begins) fires at
 *     the time the same call is made in the simulation: the scenario is run
 *     once per such fault, without it, to find that time;
 *   - the expectations: each failed operation N with its code
 *     (op.N.errors.CODE: {min: 1}) and, per kind of operation, no more
 *     failures than the log has (handoff.errors.any: {max: F}).
 *
 * Then the scenario is run once in simulation (seed opts.seed) and its
 * failures compared with the log's: `checked` says whether the same
 * operations failed with the same codes.
 *
 * What the log cannot tell faithfully is listed in `missing`, and nothing
 * is written unless opts.force: no engine configuration (the log ends
 * before the engine was built: an error even with force), no operation,
 * no temperature reading, an operation or an engine setting a scenario
 * cannot express, an error no fault kind makes.  With force the scenario
 * is written without what is missing, which its header comment lists.
 */
#ifndef FLD_IMPORT_H
#define FLD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "field/fld_log.h"
#include "field/fld_steps.h"

typedef struct fld_import_opts {
	const char *name;           /* the scenario's name; NULL: from out_path's file name */
	uint64_t seed;              /* the scenario's seed: 1 */
	bool force;                 /* write even when something is missing */
	double wait_min_s;          /* the shortest gap that is a wait: 0.05 s */
	const char *version;        /* afsim's, for the header comment (may be NULL) */
} fld_import_opts;

void fld_import_opts_default(fld_import_opts *o);

typedef struct fld_import_report {
	uint32_t ops, failed;       /* operations of the scenario, and of them failed in the log */
	uint32_t handoffs, calibrations, autofocus, waits;
	size_t faults;              /* faults inferred */
	size_t temps;               /* temperature readings written to the trace */
	size_t setup_runs;          /* simulations run to place setup faults */
	bool written;               /* the scenario (and its trace) were written */
	char trace_path[1100];      /* the trace written next to it ("" when none) */
	/* the check in simulation */
	bool checked;               /* the same operations failed with the same codes */
	uint32_t sim_failed;        /* operations that failed in the simulation */
	fld_text missing;           /* what keeps the scenario from being faithful */
	fld_text faults_said;       /* one line per fault: where and why */
	fld_text expects_said;      /* one line per failed operation */
	fld_text rig_said;          /* the fitted rig, and the defaults kept */
	fld_text notes;             /* the rest: unusual things, check differences */
} fld_import_report;

void fld_import_report_release(fld_import_report *r);

/*
 * Import log l (named log_name in the scenario) into the scenario file
 * out_path, the temperature trace next to it as <stem>.temps.csv.  Fills
 * *rep.  Returns 0 when written (with force, possibly partial: rep.missing
 * not empty), 1 when something is missing and nothing was written
 * (rep.missing says what), 2 when the input cannot be imported at all
 * (err: the log holds no engine, opts.name is not a scenario name), -1 on
 * an error (err: out of memory, the files cannot be written, the
 * simulation could not run).
 */
int fld_import(const fld_log *l, const char *log_name, const char *out_path,
	       const fld_import_opts *o, fld_import_report *rep, char *err, size_t errlen);

#endif /* FLD_IMPORT_H */
