/*
 * fld_steps.h - a field log read as a scenario: the engine operations of
 * the log (field/fld_log.h) grouped into the steps of a scenario the way
 * the scenario runner (sim/runner.h) makes them - a calibration, an
 * autofocus, a handoff with the setup moves that came before it - and the
 * waits between them, from the gaps on the HAL clock.  Steps are numbered
 * as the runner numbers its operations (1, 2, ...: what a fault's at_op
 * and the op.N.errors metrics count), so a failure at step N of the log is
 * operation N of the scenario made from it.
 *
 * The runner's setup of a handoff, as it shows in a log:
 *   from A:            goto A z                      (z = the plan position = the source)
 *   from B, simulated: goto B z + offset, goto B src (the simulator's true focus)
 *   from B, on a rig:  goto B z + offset, autofocus B near z + offset
 * (offset: the engine's nominal_offset_um).  A setup that fails is a
 * handoff that could not start: the runner records it as a failed handoff
 * with the setup's error, and so does this.
 *
 * What a scenario cannot say - a change of optimization level or of the
 * thermal compensation mid-run, a move that belongs to no handoff, a
 * calibration without a plan or a site callback, a place outside the
 * loader's ranges - is listed in `missing`, one sentence each; what was
 * made of something unusual (a handoff without a setup move) in `notes`.
 *
 * Times are microseconds on the HAL clock from the log's start (the first
 * time a call of the log carries); a log without clock stamps dates its
 * operations by the engine's own now_us calls.
 */
#ifndef FLD_STEPS_H
#define FLD_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_engine.h"
#include "field/fld_log.h"

/* A handoff whose setup failed has no main operation. */
#define FLD_NO_MAIN SIZE_MAX
/* A time the log does not tell. */
#define FLD_NO_TIME INT64_MIN

typedef enum fld_step_kind {
	FLD_STEP_CALIBRATE,
	FLD_STEP_HANDOFF,
	FLD_STEP_AUTOFOCUS,
	FLD_STEP_WAIT,
} fld_step_kind;

typedef struct fld_step {
	fld_step_kind kind;
	uint32_t seq;              /* the runner's operation number, 1-based; 0 for a wait */
	size_t first_op, nops;     /* its log operations: l->ops[first_op ..), setup first */
	size_t main_op;            /* the operation itself, or FLD_NO_MAIN (a failed setup) */
	af_lens from, to;          /* handoff */
	af_lens lens;              /* autofocus */
	double z_um;               /* handoff: the plan position; autofocus: near */
	double src_um;             /* handoff: the source the engine was given (NaN: none) */
	af_calib_plan plan;        /* calibrate */
	double wait_s;             /* wait */
	int rc;                    /* how it ended: 0, or the code of its error */
	size_t fail_op;            /* the operation that failed (rc != 0) */
	int64_t t0_us, t1_us;      /* its first and last time (FLD_NO_TIME: unknown) */
} fld_step;

/* Sentences, one per line of a report. */
typedef struct fld_text {
	char **v;
	size_t n, cap;
	bool oom;                  /* a sentence was lost to memory */
} fld_text;

void fld_text_add(fld_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fld_text_release(fld_text *t);

typedef struct fld_steps {
	fld_step *v;
	size_t n;
	uint32_t ops;              /* steps that are operations (not waits) */
	uint32_t failed;           /* of them, those that failed */
	int64_t start_us;          /* the log's start on the HAL clock (FLD_NO_TIME: no time at all) */
	bool cut;                  /* the log ends inside a step's setup (dropped) */
	fld_text missing, notes;
} fld_steps;

/*
 * Group the operations of l into steps.  A gap of at least wait_min_s
 * between two steps (no operation but ticks under way) becomes a wait.
 * 0, or -1 when memory runs out (err says so).
 */
int fld_steps_build(const fld_log *l, double wait_min_s, fld_steps *out, char *err,
		    size_t errlen);
void fld_steps_release(fld_steps *s);

/* The first and last time of operation o's calls on the HAL clock
 * (absolute; FLD_NO_TIME when none of its calls tells one). */
int64_t fld_op_t0(const fld_log *l, const fld_op *o);
int64_t fld_op_t1(const fld_log *l, const fld_op *o);

/* The message of operation o's result (the engine's words; "" on success). */
const char *fld_op_message(const fld_op *o);

/* "handoff", "autofocus", "calibrate" (the runner's op kinds), "wait". */
const char *fld_step_kind_name(fld_step_kind k);

#endif /* FLD_STEPS_H */
