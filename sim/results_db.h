/*
 * results_db.h - a results sink (sim/results.h) that records a run into
 * the results store (db/db.h), and passes every record on to another sink,
 * so that the terminal report and the database both see the run.
 *
 * run_begin inserts the run (status running) with the SHA-256 of the
 * scenario file's bytes, read here; each op, sample, event and
 * expectation becomes a row, and the trace index goes to the store as the
 * run goes (trace_index: nothing of it is held here); run_end finishes the
 * run with the status, the trace hash and the wall time since run_begin.
 * Recording never changes the run: records reach `next` whatever the
 * database does, and the wall clock read here never feeds back.  A failed
 * write is kept as the adapter's error (the first one wins) and writing
 * goes on (the store loses only what failed); the run is then finished as
 * "error" with "incomplete record: ..." when possible.
 */
#ifndef SIM_RESULTS_DB_H
#define SIM_RESULTS_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "sim/results.h"

#define SIM_RESULTS_DB_ERR 512

/* Caller-owned state of one recording; init before each run. */
typedef struct sim_results_db {
	db *d;
	const char *afsim_version, *rig;
	const char *invocation;        /* set after init; NULL: none */
	const sim_results_ops *next;   /* may be NULL */
	void *next_user;
	int64_t run_id;                /* 0 until run_begin has recorded the run */
	double t0_s;                   /* wall clock at run_begin */
	bool failed;
	char err[SIM_RESULTS_DB_ERR];
} sim_results_db;

/* The sink: pass &sim_results_db_ops with user = a sim_results_db. */
extern const sim_results_ops sim_results_db_ops;

/*
 * Prepare a to record one run into d (borrowed), with afsim_version (git
 * describe) and rig ("sim:default" when NULL; the run's own rig, from
 * sim_run_info, wins when it has one), forwarding every record to
 * next/next_user (next may be NULL).  Strings are borrowed for the run.
 */
void sim_results_db_init(sim_results_db *a, db *d, const char *afsim_version, const char *rig,
			 const sim_results_ops *next, void *next_user);

/* NULL when the run was recorded whole, else why not. */
const char *sim_results_db_error(const sim_results_db *a);

#endif /* SIM_RESULTS_DB_H */
