/*
 * views.h - read-only views of the results store for the command line and
 * the pictures: run selection (by invocation, by age), a run's scenario
 * file, its operations and frames row by row, the step to the previous or
 * next run, and a metric per run over a scenario's history.  Everything
 * viz/ draws comes through here, so the pictures and the report read the
 * same rows the same way and compute metrics with the same code
 * (db/opset.h).
 *
 * Every query has an ORDER BY.  Functions return 0, 1 where documented
 * ("none"), or -1 with the message in db_errmsg(d) (SQL error) or, for the
 * ones that take err, in err.  Callbacks stop the walk by returning
 * non-zero (that value is returned).
 */
#ifndef DB_VIEWS_H
#define DB_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/opset.h"

/* --- runs -------------------------------------------------------------------- */

/* Whether a run's status is a finished one: "passed" or "failed". */
bool db_status_finished(const char *status);

/* The scenario file a run was recorded from and its digest then (64 hex
 * digits): 0, or -1 (no such run: message set). */
int db_run_scenario_file(db *d, int64_t id, char *path, size_t pathlen, char sha256[65]);

/* The newest invocation (that of the newest run that has one) into out:
 * 0, 1 when no run has an invocation, -1. */
int db_invocation_last(db *d, char *out, size_t outlen);

/* The ids of the runs of invocation inv (or started at or after the ISO
 * 8601 UTC time since, "2026-11-22T02:52:17Z"), oldest first: fn per id. */
int db_runs_of_invocation(db *d, const char *inv, int (*fn)(void *user, int64_t id), void *user);
int db_runs_since(db *d, const char *since, int (*fn)(void *user, int64_t id), void *user);

/* The newest run of scenario with a finished status (db_status_finished):
 * 0 and *id, 1 when there is none; *newer counts the runs of scenario
 * newer than it that did not finish (running, aborted, error). */
int db_newest_finished(db *d, const char *scenario, int64_t *id, size_t *newer);

/* The run before (dir < 0) or after (dir > 0) id, among all runs or those
 * of scenario (NULL: all): 0 and *out, 1 at either end, -1. */
int db_run_step(db *d, int64_t id, int dir, const char *scenario, int64_t *out);

/* Seconds from the ISO 8601 UTC time iso ("2026-11-22T02:52:17Z") to now
 * (negative when iso is in the future): 0, or -1 when iso is malformed. */
int db_age_s(const char *iso, double *age_s);
/* "3 s", "12 min", "5 h 3 min", "2 d 4 h" into buf. */
const char *db_age_str(double age_s, char *buf, size_t size);
/*
 * Parse WHEN: an ISO 8601 UTC time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or
 * YYYY-MM-DDTHH:MM:SS, optionally ending in Z) or an age before now, a
 * positive integer followed by s, m, h or d ("30m", "2h", "1d").  On
 * success 0 and the time as the store writes it ("2026-11-22T02:52:17Z")
 * in iso; -1 otherwise.
 */
int db_when_parse(const char *when, char iso[32]);

/* --- operations and frames ----------------------------------------------------- */

typedef struct db_op_row {
	uint32_t seq;
	char kind[16];
	double t_ms;
	char from_lens[4], to_lens[4];     /* "" when NULL */
	double z_request_um, z_predicted_um, z_found_um, mapping_error_um, focus_error_um;
	double phase_ms[DB_PHASE_COUNT];   /* lens_switch .. validation, total */
	double frames;                     /* NaN when NULL */
	int cache_hit;                     /* 0, 1, 2 when NULL */
	double temperature_c;
	bool success;
	char error[256];
} db_op_row;

/* The number of ops of run (of kind; NULL: all). */
int db_ops_count(db *d, int64_t run, const char *kind, size_t *n);
/* The ops of run (of kind; NULL all) with seq >= from_seq, by seq. */
int db_ops_each(db *d, int64_t run, const char *kind, uint32_t from_seq,
		int (*fn)(void *user, const db_op_row *op), void *user);
/* One op of run: 0, 1 when there is no such op, -1. */
int db_op_get(db *d, int64_t run, uint32_t seq, db_op_row *out);
/* The op of run that was under way at t_ms: the last one starting at or
 * before it.  0, 1 when none started by then, -1. */
int db_op_at(db *d, int64_t run, double t_ms, db_op_row *out);

typedef struct db_sample_row {
	uint32_t op_seq, seq;
	double t_ms;
	char lens[4];
	double z_um, focus_score, true_focus_um, temperature_c;   /* NaN when NULL */
} db_sample_row;

/* The number of samples of run. */
int db_samples_count(db *d, int64_t run, size_t *n);
/* The samples of run in time order (t_ms, then seq); op_seq 0: all, else
 * only that op's. */
int db_samples_each(db *d, int64_t run, uint32_t op_seq,
		    int (*fn)(void *user, const db_sample_row *s), void *user);

/* --- a metric over a scenario's runs ---------------------------------------------- */

/*
 * The value of metric m (db_opset_metric) for every run of scenario that
 * finished (passed or failed), oldest first: fn(user, run, value), value
 * NaN when the run has no data for it.  *unfinished (may be NULL) counts
 * the scenario's runs left out because they did not finish.  One pass over
 * the scenario's ops.  0, -1 (message in err).
 */
int db_metric_history(db *d, const char *scenario, const db_metric *m,
		      int (*fn)(void *user, int64_t run, double value), void *user,
		      size_t *unfinished, char *err, size_t errlen);
/* The value of m for one run: 0, 1 no data (NaN), -1 (err). */
int db_metric_of_run(db *d, int64_t run, const db_metric *m, double *value, char *err,
		     size_t errlen);

#endif /* DB_VIEWS_H */
