/*
 * gap.h - the gap between simulation and a rig: one scenario run in
 * simulation (mode sim) and on a rig (mode hil), side by side - the first
 * step of tracking how far the simulation is from the hardware.
 *
 * The engine is the same object code and the physics the same models, so
 * what the engine achieves must agree: the success rate (Fisher's exact
 * test) and the mapping error (Mann-Whitney with the practical floor),
 * judged with the statistical regression's rules (db/stats.h:
 * db_judge_rates, db_judge_noisy; alpha 0.01, inconclusive below 8 values
 * a side) in both directions - a rig that does better than its simulation
 * disagrees as much as one that does worse.  The timing of each phase is
 * not expected to agree (the bridge's round trips, a rig's own timings):
 * its gap is reported, median against median, with the same judgement
 * saying whether the rig is slower, faster or the same.
 */
#ifndef DB_GAP_H
#define DB_GAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"
#include "db/opset.h"
#include "db/stats.h"

typedef struct db_gap_row {
	db_judgement j;          /* baseline: the simulation; candidate: the rig */
	double p;                /* two-sided: 2 min(p_slower, p_faster), at most 1 */
} db_gap_row;

typedef struct db_gap {
	db_run_row sim, rig;
	db_gap_row phase[DB_PHASE_COUNT];   /* successful handoffs */
	db_gap_row mapping;                 /* mapping_error_um, every handoff that measured it */
	uint64_t ok_sim, n_sim, ok_rig, n_rig;   /* handoffs: succeeded, all */
	db_rate_judgement success;
	bool success_agree, mapping_agree;
	bool agree;                         /* both */
} db_gap;

/*
 * Compare run a with run b, one of mode sim and the other hil, of the same
 * scenario (in either order).  0 and *out; 1 with err saying why the runs
 * cannot be compared (not one sim and one hil, other scenarios, a run that
 * does not exist, no handoffs); -1 with err on a database error.
 */
int db_gap_compare(db *d, int64_t a, int64_t b, db_gap *out, char *err, size_t errlen);

/* Print g as text (json false) or JSON.  0, or -1 when writing failed. */
int db_gap_print(const db_gap *g, bool json, FILE *f);

#endif /* DB_GAP_H */
