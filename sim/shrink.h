/*
 * shrink.h - a failing (scenario, seed) reduced to a smaller scenario that
 * still fails the same way: `afsim shrink` (docs/scale.md, "Shrinking").
 *
 * "The same way" (sim_shrink_same): the run has the same verdict (failed,
 * or a harness error), the same set of failed expectations (by metric
 * name; for a harness error the first word of its message), and - only
 * when asked (same_errors) - the same set of error codes among its failed
 * operations (EHW, ETIMEDOUT, ENOFOCUS ...).  A candidate that fails some
 * other way, or passes, is not taken.
 *
 * The reductions, each tried in turn and kept when the run still fails the
 * same way, until a whole round changes nothing (delta debugging over the
 * scenario's parts, Zeller & Hildebrandt 2002, complement removal):
 *   1. the handoff step of the first failed operation pinned: one handoff
 *      at that operation's place instead of its repeats (and random
 *      places); else each handoff's repeat, by bisection towards 1;
 *   2. the steps: chunks removed, halves first, then ever smaller;
 *   3. the faults, the same way (down to none);
 *   4. waits halved, a handoff's interval_s 0 or halved;
 *   5. the room temperature back to the default (constant 22 C);
 *   6. rig overrides reset to the default rig: a whole part (rig.stage)
 *      first, then value by value;
 *   7. engine overrides reset to the default engine, the same way;
 * and at the end the expectations that held are dropped.  Every candidate
 * is written as YAML and loaded back before it runs (sim/scenario_write.h),
 * so a candidate the loader would refuse is never taken and what runs is
 * exactly what the minimal file says.
 *
 * Deterministic: the order of the reductions and of the candidates is
 * fixed and every run is a pure function of (scenario, seed), so the same
 * input gives the same minimal scenario, byte for byte.
 */
#ifndef SIM_SHRINK_H
#define SIM_SHRINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/runner.h"
#include "sim/scenario.h"

#define SIM_SHRINK_NAMES 32
#define SIM_SHRINK_CODE 24

/* How a run failed. */
typedef struct sim_shrink_sig {
	sim_verdict verdict;
	size_t nfailed;                                   /* failed expectations, sorted */
	char failed[SIM_SHRINK_NAMES][SIM_METRIC_MAX];
	size_t ncodes;                                    /* error codes of failed ops, sorted */
	char codes[SIM_SHRINK_NAMES][SIM_SHRINK_CODE];
	char error_word[SIM_SHRINK_CODE];                 /* a harness error's first word */
	/* not compared: */
	uint32_t handoffs;                                /* of the run */
	uint32_t first_failed_op;                         /* its seq (1-based), 0: none */
	double first_failed_z_um;                         /* that op's place (z_request_um) */
} sim_shrink_sig;

/* Run s with seed; its signature into *sig, its result into *res (may be
 * NULL). */
void sim_shrink_run(const sim_scenario *s, uint64_t seed, sim_shrink_sig *sig,
		    sim_run_result *res);

/* Whether b failed the same way as a (see above). */
bool sim_shrink_same(const sim_shrink_sig *a, const sim_shrink_sig *b, bool same_errors);

/* "failed expectations handoff.success_rate, handoff.total_ms.p95" into
 * buf, and "; error codes EHW, ETIMEDOUT" with codes. */
const char *sim_shrink_sig_text(const sim_shrink_sig *s, bool codes, char *buf, size_t n);

typedef struct sim_shrink_opts {
	uint64_t seed;
	bool same_errors;
	uint32_t max_runs;            /* stop after this many runs (0: 5000) */
	/* a line per reduction kept (may be NULL) */
	void (*progress)(void *user, const char *line);
	void *user;
	/* a folder for the room trace's CSV while candidates are checked (a
	 * scenario with a temperature trace only; NULL: $TMPDIR or /tmp) */
	const char *tmpdir;
} sim_shrink_opts;

typedef struct sim_shrink_result {
	sim_scenario min;             /* the smallest scenario found (owned: release it) */
	sim_shrink_sig sig;           /* how the original failed (and the minimal does) */
	uint32_t runs;                /* runs made, the original's included */
	bool budget_spent;            /* stopped at max_runs: min is smaller, not minimal */
	char *how;                    /* the reductions kept, a line each (malloc'd) */
} sim_shrink_result;

/*
 * Shrink s under seed o->seed.  0 and *out (release with
 * sim_shrink_result_release); 1 when the run passes (nothing to shrink:
 * out->sig says so, nothing to release); -1 with err (out of memory, a
 * scenario the writer cannot express).
 */
int sim_shrink(const sim_scenario *s, const sim_shrink_opts *o, sim_shrink_result *out,
	       char *err, size_t errlen);

void sim_shrink_result_release(sim_shrink_result *r);

#endif /* SIM_SHRINK_H */
