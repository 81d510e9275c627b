/*
 * fld_replay.h - exact replay of a field log (the rr idea: everything that
 * crossed the boundary was recorded, everything inside it runs again).
 *
 * The engine is rebuilt from the recorded configuration (or a changed one)
 * on a HAL that answers from the log, and the recorded operations are
 * issued again in order.  Every call the engine makes is checked against
 * the next recorded call of the operation: the same op and bit for bit the
 * same arguments, or the replay stops there.  The answer is the recorded
 * one: return code, message, returned values, the frame (its pixels
 * decoded from the log).  After each operation the engine must have made
 * all of its recorded calls and its result must equal the recorded result
 * in every field, bit for bit.  The calibration's site callback is answered
 * from the log the same way.
 *
 * Frames whose pixels the log did not keep (keep_last_n_ops) are answered
 * through the engine's measure seam (af_engine_set_measure_fn) with their
 * recorded focus score, as long as the engine asks for the measure and
 * stride that produced it; frames with pixels are scored by the engine's
 * own af_measure and the score must equal the recorded one.
 *
 * Deterministic, single-threaded, allocation only for the engine itself.
 */
#ifndef FLD_REPLAY_H
#define FLD_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/af_engine.h"
#include "field/fld_log.h"

typedef enum fld_verdict {
	FLD_REPRODUCED = 0,   /* every operation the log holds, identically */
	FLD_DIVERGED = 1,     /* a call or a result differs: see the divergence */
	FLD_HARNESS = 3,      /* the replay itself failed (out of memory) */
} fld_verdict;

typedef struct fld_replay_result {
	fld_verdict verdict;
	uint32_t ops;               /* operations replayed with identical results */
	uint64_t calls;             /* calls matched */
	uint64_t frames_measured;   /* frames the engine scored from their pixels */
	uint64_t frames_from_log;   /* frames answered with their recorded score */
	bool log_incomplete;        /* the log ends inside an operation (a crash) */
	/* FLD_DIVERGED: where and what */
	uint32_t div_op;            /* the operation */
	uint64_t div_call;          /* the recorded call it happened at (or the
				     * op's call count, when the engine stopped short) */
	bool div_at_call;           /* at a call (else: in the op's result) */
	char recorded[512];         /* the recorded call or result */
	char replayed[512];         /* the engine's */
	char what[512];             /* one sentence */
	char message[512];          /* FLD_HARNESS: why */
} fld_replay_result;

/*
 * Replay log with the engine configuration cfg (the log's own, l->config,
 * for an exact replay; a changed one to see where it departs).  With
 * `verbose`, one line per operation goes to `out` as it completes.  Fills
 * *res and returns its verdict.  The log must have a configuration (every
 * log the recorder wrote has).
 */
fld_verdict fld_replay(const fld_log *log, const af_engine_config *cfg, FILE *out, bool verbose,
		       fld_replay_result *res);

/*
 * Apply "KEY=VALUE" to cfg: KEY is a key of a scenario's `engine:` block in
 * dotted form (optimization, mapping.model, cache.size, thermal_compensation,
 * search.lens_b.fast.points, overlap, ...).  The value is checked by the
 * scenario loader itself (its types, ranges and names), the key's place in
 * the configuration comes from the log's table of configuration fields.
 * 0, or -1 with err "KEY=VALUE: what".  The combination is not checked
 * here: af_engine_config_check does that once every key is set.
 */
int fld_engine_set(af_engine_config *cfg, const char *kv, char *err, size_t errlen);

#endif /* FLD_REPLAY_H */
