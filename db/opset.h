/*
 * opset.h - the operations of a set of runs as flat arrays, and the one
 * definition of every per-run metric (docs/statistics.md): which operations
 * a metric's values come from (its population) and which estimator turns
 * them into a number (db_summary_of, db_summary_stat).  The report, the
 * regression check, the pictures' trend and the run's expectations
 * (sim/metrics.c) all evaluate metrics here, so one name means one number.
 *
 * Handoffs are kept whole (failed ones too, flagged), in the order of the
 * run list and then of seq, so the same runs always give the same arrays.
 * A NULL column is NaN.  Calibrations keep their RMS and whether they
 * succeeded; autofocus operations their time, focus error, frames and
 * success.  Memory: about 80 bytes per handoff (a million: 80 MB).
 *
 * Populations:
 *   handoff phase times (total_ms, lens_switch_ms, focus_move_ms,
 *   focus_search_ms, validation_ms) and frames: successful handoffs (a
 *   failed handoff's phases are partial);
 *   handoff mapping_error_um and focus_error_um: every handoff that
 *   measured it, failed ones included (a handoff that failed on its mapping
 *   error is exactly the one the distribution must show);
 *   autofocus ms, focus_error_um, frames: successful autofocus operations;
 *   calibration rms_um: successful calibrations (a failed one has no RMS);
 *   rates: handoff.success_rate over every handoff, autofocus.success_rate
 *   over every autofocus, cache.hit_rate over every handoff whose cache
 *   flag is known.
 */
#ifndef DB_OPSET_H
#define DB_OPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/stats.h"

/* The handoff phases, in the order the engine runs them, then the total. */
typedef enum db_phase {
	DB_PHASE_LENS_SWITCH,
	DB_PHASE_FOCUS_MOVE,
	DB_PHASE_FOCUS_SEARCH,
	DB_PHASE_VALIDATION,
	DB_PHASE_TOTAL,
	DB_PHASE_COUNT
} db_phase;

/* "lens_switch", "focus_move", "focus_search", "validation", "total";
 * "?" out of range. */
const char *db_phase_name(int phase);

typedef struct db_opset {
	size_t n;                          /* handoffs loaded */
	double *phase_ms[DB_PHASE_COUNT];  /* per handoff, NaN when NULL */
	double *mapping_error_um, *focus_error_um, *temperature_c, *frames;
	unsigned char *success;            /* 0 or 1 */
	unsigned char *cache_hit;          /* 0, 1, or 2 when NULL */
	size_t cap;
	/* calibrate ops: RMS (mapping_error_um; NaN when NULL or failed) */
	double *calib_rms_um;
	unsigned char *calib_ok;
	size_t ncalib, calib_cap;
	/* autofocus ops: total_ms, focus_error_um, frames, success */
	double *af_ms, *af_focus_um, *af_frames;
	unsigned char *af_ok;
	size_t naf, af_cap;
} db_opset;

/* One handoff as db_opset_add_handoff takes it. */
typedef struct db_opset_handoff {
	double phase_ms[DB_PHASE_COUNT];
	double mapping_error_um, focus_error_um, temperature_c, frames;
	bool success;
	int cache_hit;                     /* 0, 1, or 2 unknown */
} db_opset_handoff;

/*
 * Load the handoffs, calibrations and autofocus operations of
 * runs[0..nruns) (order kept; a run given twice is loaded twice) into *out,
 * which the call initialises.  A run without ops adds nothing; a run id
 * that does not exist is not an error here (the caller checks runs with
 * db_run_get).  0, or -1 (out of memory or SQL error: message in err) with
 * *out released.
 */
int db_opset_load(db *d, const int64_t *runs, size_t nruns, db_opset *out,
		  char *err, size_t errlen);

/*
 * The columns of an ops row the set reads, in this order, for a query of
 * one's own (db_metric_history): kind, the five phase times, mapping and
 * focus error, temperature, frames, cache_hit, success.
 * db_opset_add_columns appends the op of the current row of st, whose
 * columns c .. c + 11 are DB_OPSET_COLS: 0 or -1 (out of memory).  Ops of
 * another kind are skipped.
 */
#define DB_OPSET_COLS                                                                  \
	"kind, lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, total_ms, " \
	"mapping_error_um, focus_error_um, temperature_c, frames, cache_hit, success"
struct sqlite3_stmt;
int db_opset_add_columns(db_opset *s, struct sqlite3_stmt *st, int c);

/* Append one operation (the set must be zeroed or loaded first): 0 or -1
 * (out of memory; the set is unchanged). */
int db_opset_add_handoff(db_opset *s, const db_opset_handoff *h);
int db_opset_add_calibration(db_opset *s, double rms_um, bool success);
int db_opset_add_autofocus(db_opset *s, double ms, double focus_error_um, double frames,
			   bool success);

/* Free the arrays; the set is empty afterwards.  NULL is a no-op. */
void db_opset_release(db_opset *s);
/* Forget the operations but keep the arrays (for reuse). */
void db_opset_clear(db_opset *s);

/*
 * The values of a[0..n) where keep is NULL or keep[i] is non-zero and a[i]
 * is not NaN, copied into dst (n slots): returns how many.
 */
size_t db_opset_pick(const double *a, const unsigned char *keep, size_t n, double *dst);

/* How many of the set's handoffs succeeded. */
size_t db_opset_successes(const db_opset *s);

/* --- metrics ---------------------------------------------------------------- */

typedef enum db_metric_op { DB_MOP_HANDOFF, DB_MOP_AUTOFOCUS, DB_MOP_CALIBRATION } db_metric_op;

/* The fields of a metric (the part between the dots). */
typedef enum db_field {
	DB_F_LENS_SWITCH_MS,    /* = DB_PHASE_*: the five phase times */
	DB_F_FOCUS_MOVE_MS,
	DB_F_FOCUS_SEARCH_MS,
	DB_F_VALIDATION_MS,
	DB_F_TOTAL_MS,
	DB_F_MAPPING_ERROR_UM,
	DB_F_FOCUS_ERROR_UM,
	DB_F_FRAMES,
	DB_F_MS,                /* autofocus: its time */
	DB_F_RMS_UM,            /* calibration: its RMS */
	DB_F_SUCCESS_RATE,      /* handoff.success_rate, autofocus.success_rate */
	DB_F_HIT_RATE,          /* cache.hit_rate */
	DB_F_COUNT
} db_field;

typedef struct db_metric {
	db_metric_op op;
	db_field field;
	bool rate;              /* a named rate: no statistic */
	bool has_stat;          /* false: "op.field" alone, the last value */
	db_stat stat;
	db_metric_kind kind;    /* for tolerances: time, accuracy, count, rate */
	bool higher_is_worse;   /* false for the rates */
	const char *unit;       /* "ms", "um", "" (frames, rates) */
} db_metric;

/*
 * Parse a metric name the store can evaluate: handoff.FIELD.STAT (FIELD
 * total_ms lens_switch_ms focus_move_ms focus_search_ms validation_ms
 * mapping_error_um focus_error_um frames), autofocus.FIELD.STAT (FIELD ms
 * focus_error_um frames), calibration.rms_um[.STAT], handoff.success_rate,
 * autofocus.success_rate, cache.hit_rate; STAT count mean min max p50 p95
 * p99 std.  0, or -1 when the name is none of these.
 */
int db_metric_parse(const char *name, db_metric *out);

/*
 * The values of metric m's population in s (see the file comment) into
 * dst, in operation order; returns how many.  dst needs as many slots as
 * s has operations of m's kind (s->n, s->naf or s->ncalib).  0 for a rate.
 */
size_t db_opset_values(const db_opset *s, const db_metric *m, double *dst);

/*
 * Evaluate metric m over s: 0 with *value set; 1 when the metric has no
 * data in s (no handoff, no successful one: *value NaN; a count is 0 and
 * returns 0); -1 out of memory.  A statistic is db_summary_stat of
 * db_summary_of over the population; "op.field" alone is the population's
 * last value; a rate is successes over attempts.
 */
int db_opset_metric(const db_opset *s, const db_metric *m, double *value);

#endif /* DB_OPSET_H */
