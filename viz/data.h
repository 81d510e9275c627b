/*
 * data.h - what the pictures draw, read through the results store (db/:
 * db/views.h for rows, db/opset.h for metrics - viz/ runs no SQL of its
 * own), the timeline's time axis with long idle gaps squeezed, and the
 * per-pixel-column decimation that keeps large series fast.
 *
 * The store's queries all have an ORDER BY, so the same database always
 * gives the same arrays and the same picture.  NULL columns load as NaN.
 * Loaders return 0, VIZ_ENODATA (the run, scenario or rows are not there:
 * a message for the user in err), VIZ_EUSAGE (a malformed metric name),
 * VIZ_ESQL or VIZ_ENOMEM; on failure the output is released.  Statistics
 * are the store's (docs/statistics.md): phase timings over successful
 * handoffs, accuracy over every handoff that measured it, numpy's linear
 * percentiles, the sample standard deviation (divisor n - 1).
 */
#ifndef VIZ_DATA_H
#define VIZ_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/opset.h"

/* The four handoff phases in engine order, then the total. */
enum { VIZ_LENS_SWITCH, VIZ_FOCUS_MOVE, VIZ_FOCUS_SEARCH, VIZ_VALIDATION, VIZ_TOTAL, VIZ_NPHASE };
/* "lens_switch" .. "total"; "?" out of range. */
const char *viz_phase_name(int phase);

typedef struct viz_run {
	int64_t id;
	char scenario[128], status[16], mode[8], trace_hash[24], started_at[32];
	char message[160];
	bool finished;                 /* status passed or failed */
	uint64_t seed;
	double virtual_s, tol_time_frac, tol_accuracy_um;
} viz_run;

/* The newest run's id: 0, or VIZ_ENODATA when the database has no runs. */
int viz_data_last_run(db *d, int64_t *id, char *err, size_t errlen);
/* One run's row: 0, or VIZ_ENODATA ("no run 42 in the database"). */
int viz_data_run(db *d, int64_t id, viz_run *out, char *err, size_t errlen);
/* The id of the run before (dir < 0) or after (dir > 0) id, among all runs
 * or those of scenario: 0, or VIZ_ENODATA at either end. */
int viz_data_step_run(db *d, int64_t id, int dir, const char *scenario, int64_t *out);
/* " · ABORTED: partial data" and the like for a run that did not finish,
 * "" for one that did: for titles. */
const char *viz_run_unfinished(const viz_run *r, char *buf, size_t size);

/* ---- timeline --------------------------------------------------------------- */

/*
 * Times on the timeline are display times u (ms): the run's clock with every
 * long idle gap (no operation under way, so no frame either) squeezed to a
 * short stretch, so that handoffs an hour apart sit side by side.  A gap is
 * long when it lasts at least VIZ_GAP_FACTOR times the median operation
 * (and VIZ_GAP_MIN_MS); it is drawn VIZ_GAP_KEEP times the median wide,
 * with a break mark on the time axis.  Before the first gap u is the run
 * time itself.
 */
#define VIZ_GAP_FACTOR 8.0
#define VIZ_GAP_MIN_MS 100.0
#define VIZ_GAP_KEEP 1.0

typedef struct viz_gap {
	double real0, real1;           /* the idle stretch in run time (ms) */
	double u0, w;                  /* where it is drawn, and how wide (display ms) */
} viz_gap;

typedef struct viz_op {
	uint32_t seq;
	char kind[16];                 /* handoff | autofocus | calibrate | ... */
	char from_lens[4], to_lens[4]; /* "" when NULL */
	double t_ms, end_ms;           /* start and end, display time */
	double t_real_ms;              /* start, run time */
	double phase_ms[VIZ_NPHASE];   /* NaN when NULL */
	double z_found_um;
	bool success;
} viz_op;

/* Samples as parallel arrays in time order (t_ms non-decreasing, display
 * time), so a window is a binary search and a column pass. */
typedef struct viz_timeline_data {
	viz_run run;
	viz_op *ops;
	size_t nops;
	size_t ns;
	double *t_ms, *z_um, *score, *true_um, *temp_c;
	uint32_t *op_seq;
	double t_end_ms;               /* end of the last op or sample, display time */
	double t_end_real_ms;          /* the same in run time */
	viz_gap *gaps;                 /* squeezed gaps, in time order */
	size_t ngaps;
} viz_timeline_data;

/* Load run's ops and samples; VIZ_ENODATA when the run is missing or has
 * neither. */
int viz_data_timeline(db *d, int64_t run, viz_timeline_data *out, char *err, size_t errlen);
void viz_timeline_data_release(viz_timeline_data *d);
/* Run time (ms) -> display time, and back. */
double viz_timeline_display(const viz_timeline_data *d, double real_ms);
double viz_timeline_real(const viz_timeline_data *d, double u);

/* ---- one run's handoffs (hist, compare) --------------------------------------------- */

typedef struct viz_phases {
	viz_run run;
	size_t handoffs, ok;               /* all handoffs, successful ones */
	double *v[VIZ_NPHASE];             /* sorted ascending, successful handoffs */
	size_t n[VIZ_NPHASE];
	double mean[VIZ_NPHASE], p95[VIZ_NPHASE];   /* NaN without values */
	double mapping_max_um, mapping_mean_um, focus_mean_um, focus_max_um, cache_rate;
} viz_phases;

/* VIZ_ENODATA when the run is missing or has no handoffs. */
int viz_data_phases(db *d, int64_t run, viz_phases *out, char *err, size_t errlen);
void viz_phases_release(viz_phases *p);

/* ---- trend ------------------------------------------------------------------------ */

typedef enum viz_mkind { VIZ_M_TIME, VIZ_M_ACCURACY, VIZ_M_COUNT, VIZ_M_RATE } viz_mkind;

typedef struct viz_metric {
	char name[64];          /* as given: handoff.total_ms.p95 */
	db_metric m;            /* the store's definition of it */
	char unit[8];           /* "ms", "µm", "" */
	viz_mkind kind;
	bool higher_is_worse;
} viz_metric;

/*
 * Parse a metric the store can evaluate (db_metric_parse: handoff.FIELD.STAT,
 * autofocus.FIELD.STAT, calibration.rms_um.STAT, the rates).  0, or
 * VIZ_EUSAGE with what is accepted in err.
 */
int viz_metric_parse(const char *name, viz_metric *m, char *err, size_t errlen);

typedef struct viz_trend_data {
	viz_metric m;
	char scenario[128];
	size_t n;                  /* runs with a value */
	int64_t *run_id;
	double *x, *value;         /* x = run id as a double */
	size_t skipped;            /* finished runs of the scenario without a value */
	size_t unfinished;         /* runs left out: they did not finish */
	bool has_base;
	int64_t base_run;
	double base_value, band_lo, band_hi;   /* the baseline's value -/+ the allowed change */
} viz_trend_data;

/* The metric per finished run of scenario (by id), and the band of the
 * baseline `baseline` (NULL: "main") of that scenario when it exists: its
 * value -/+ what the regression check allows (db_allowed_change). */
int viz_data_trend(db *d, const char *scenario, const char *metric, const char *baseline,
		   viz_trend_data *out, char *err, size_t errlen);
void viz_trend_data_release(viz_trend_data *d);

/* ---- decimation ----------------------------------------------------------------------- */

/* Per pixel column: the extremes of the points in it and the first and last
 * (for joining columns), n == 0 for an empty column. */
typedef struct viz_column {
	double lo, hi, first, last;
	uint32_t n;
} viz_column;

/*
 * Decimate the points (x[i], y[i]), x non-decreasing, with x in [x0, x1]
 * into cols columns (column k covers [x0 + k w, x0 + (k+1) w)), skipping NaN
 * y.  O(log n + points in the window).  Returns the number of points used.
 */
size_t viz_decimate(const double *x, const double *y, size_t n, double x0, double x1,
		    viz_column *out, int cols);
/* First index with x[i] >= v in the non-decreasing x[0..n). */
size_t viz_lower_bound(const double *x, size_t n, double v);

#endif /* VIZ_DATA_H */
