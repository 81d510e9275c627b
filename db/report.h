/*
 * report.h - the profiling report of one or more runs: per-phase timing
 * statistics (db_summary: numpy percentiles, each flagged when its sample
 * is too small), bottlenecks, accuracy, calibrations (succeeded and failed,
 * with the reasons), autofocus operations, the assessment against the
 * targets of docs/physics.md, cache efficiency, the injected faults, the
 * HAL errors and the failed operations (each named as what it is), and
 * recommendations that follow from what was measured and from the runs'
 * own configuration; printed as text, markdown (tables, for a CI job
 * summary) or JSON (one object, the same numbers).
 *
 * Building a report (db_report_build) reads the database; printing one
 * (db_report_print) does not.  Which operations each number covers is
 * db/opset.h's (docs/statistics.md): phase timings over successful
 * handoffs, accuracy over every handoff that measured it, calibration RMS
 * over successful calibrations.  A value that could not be computed is NaN
 * (JSON null, "-" in text).  A run that did not finish (running, aborted,
 * error) is named as such in the header of every format.
 */
#ifndef DB_REPORT_H
#define DB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"
#include "db/opset.h"
#include "db/stats.h"

/* Targets (docs/physics.md "Targets the engine is held to"). */
#define DB_TARGET_TOTAL_MS 300.0
#define DB_EXCELLENT_TOTAL_MS 150.0
#define DB_TARGET_LENS_SWITCH_MS 50.0
#define DB_TARGET_FOCUS_MOVE_MS 80.0
#define DB_TARGET_FOCUS_SEARCH_MS 100.0
#define DB_TARGET_VALIDATION_MS 20.0
#define DB_TARGET_MAPPING_UM 1.0
#define DB_EXCELLENT_MAPPING_UM 0.1
#define DB_TARGET_CALIB_RMS_UM 0.1
#define DB_TARGET_DRIFT_UM_PER_C 0.05
#define DB_TARGET_SUCCESS 0.99
#define DB_EXCELLENT_SUCCESS 0.999
#define DB_TARGET_CACHE 0.50
#define DB_EXCELLENT_CACHE 0.70

/* Bottleneck thresholds: a phase's share of the mean total. */
#define DB_BOTTLENECK_MAJOR 0.40
#define DB_BOTTLENECK_MINOR 0.25
/* A phase whose coefficient of variation exceeds this is "high variance". */
#define DB_HIGH_CV 0.30
/* ... when the phase is at least this share of the total. */
#define DB_HIGH_CV_MIN_SHARE 0.05
/* The temperature span below which no drift slope is computed, in C. */
#define DB_DRIFT_MIN_SPAN_C 0.5

typedef enum db_bottleneck { DB_BN_NONE, DB_BN_MINOR, DB_BN_MAJOR } db_bottleneck;

typedef struct db_report_phase {
	db_summary d;
	double share;                      /* mean / total mean; the total: 1 */
	db_bottleneck bottleneck;          /* the total: NONE */
} db_report_phase;

typedef struct db_report_accuracy {
	db_summary d;
	double rms;
	size_t bins[3];                    /* < 0.1, [0.1, 0.5), >= 0.5 um */
} db_report_accuracy;

/* How a measured value stands against its target. */
typedef enum db_target_verdict {
	DB_TV_NA,                          /* nothing measured */
	DB_TV_NOT_MET,
	DB_TV_MET,
	DB_TV_EXCELLENT
} db_target_verdict;

/* "n/a", "not met", "met", "excellent". */
const char *db_target_verdict_name(db_target_verdict v);

#define DB_REPORT_ASSESS_MAX 12
typedef struct db_report_assess {
	const char *metric;                /* "handoff total", "lens switch", ... */
	const char *target;                /* "<= 300 ms (excellent < 150 ms)" */
	const char *basis;                 /* what was compared: "p95", "mean", ... */
	double value;
	const char *unit;                  /* "ms", "um", "%", "um/C" */
	db_target_verdict verdict;
	char note[96];                     /* e.g. "p95 142.0 ms above" or "" */
} db_report_assess;

#define DB_REPORT_COUNTS_MAX 16
typedef struct db_report_count {
	char name[48];
	int64_t n;
} db_report_count;

/* A message and how often it occurred (a failed calibration's reason). */
#define DB_REPORT_MSGS_MAX 8
typedef struct db_report_msg {
	char text[256];
	int64_t n;
} db_report_msg;

/* Recommendation ids: what condition triggered it.  Tests look for ids;
 * people read the text. */
typedef enum db_rec_id {
	DB_REC_SEARCH_SHARE,      /* focus search a bottleneck */
	DB_REC_MOVE_SHARE,        /* focus move a bottleneck */
	DB_REC_SWITCH_SHARE,      /* lens switch a bottleneck (or over target) */
	DB_REC_VALIDATION_SHARE,  /* validation a bottleneck (or over target) */
	DB_REC_TOTAL_SLOW,        /* total over its target */
	DB_REC_MAPPING,           /* mapping error over target */
	DB_REC_CALIBRATION,       /* calibration RMS over target */
	DB_REC_DRIFT,             /* mapping error trends with temperature */
	DB_REC_HIGH_CV,           /* a phase with a high coefficient of variation */
	DB_REC_SUCCESS,           /* success rate under target */
	DB_REC_CACHE,             /* cache hit rate under target */
	DB_REC_CALIBRATION_FAILED,/* a calibration failed */
	DB_REC_COUNT
} db_rec_id;

/* "search_share", ... (the JSON "id" of a recommendation). */
const char *db_rec_name(db_rec_id id);

#define DB_REPORT_RECS_MAX 16
typedef struct db_report_rec {
	db_rec_id id;
	char text[480];
} db_report_rec;

/*
 * The engine configuration the runs used, as far as it is known (the ops
 * table does not store it: the command derives it from the scenario file
 * when that is unchanged since the run).  Recommendations never advise
 * what the run already does; when the configuration is not known they
 * say so instead of naming a setting.
 */
typedef struct db_report_config {
	bool known;
	char optimization[16];             /* "ultra_fast" | "fast" | "standard" */
	char mapping_model[16];            /* "adaptive" | "linear" | "quadratic" | "cubic" */
	bool thermal_compensation;
	size_t cache_size;
	char why[160];                     /* when !known: why ("scenario file changed") */
} db_report_config;

/* A run of the report that did not finish. */
#define DB_REPORT_UNFINISHED_MAX 8
typedef struct db_report_unfinished {
	int64_t id;
	char status[16];                   /* "running" | "aborted" | "error" */
	char message[160];
} db_report_unfinished;

typedef struct db_report_autofocus {
	size_t n, ok;
	double success_rate;               /* NaN with none */
	db_summary ms, focus_error_um, frames;   /* successful ones */
} db_report_autofocus;

typedef struct db_report {
	/* what the report covers */
	int64_t *runs;                     /* distinct, in the order given */
	size_t nruns;
	char scenarios[256];               /* distinct, comma separated, by first run */
	char modes[16];                    /* "sim", "hil" or "sim, hil" */
	size_t nunfinished;                /* runs not passed or failed */
	db_report_unfinished unfinished[DB_REPORT_UNFINISHED_MAX];   /* the first of them */
	db_report_config cfg;
	/* handoffs */
	size_t handoffs, succeeded;
	double success_rate;               /* NaN with no handoffs */
	db_report_phase phase[DB_PHASE_COUNT];
	int rank[DB_PHASE_TOTAL];          /* phases by share, largest first */
	db_summary frames;
	/* accuracy */
	db_report_accuracy mapping, focus; /* focus.d.n == 0: not measured (HIL) */
	size_t calibrations, calib_ok;     /* calibrate ops, successful ones */
	db_summary calib_rms;              /* RMS of the successful calibrate ops */
	db_report_msg calib_errors[DB_REPORT_MSGS_MAX];   /* failed ones by message */
	size_t ncalib_errors;
	/* autofocus operations */
	db_report_autofocus autofocus;
	/* cache */
	size_t cache_known, cache_hits;
	double cache_hit_rate;
	/* thermal drift: least-squares slope of mapping error on temperature */
	size_t drift_n;
	double temp_min_c, temp_max_c, drift_um_per_c;   /* slope NaN when the span is small */
	/* faults and errors, each named as what it is */
	db_report_count events[DB_REPORT_COUNTS_MAX];    /* events by kind */
	size_t nevents;
	db_report_count injected[DB_REPORT_COUNTS_MAX];  /* events 'fault' by fault kind */
	size_t ninjected;
	db_report_count hal_errors[DB_REPORT_COUNTS_MAX];/* events 'hal_error' by what failed */
	size_t nhal_errors;
	db_report_count errors[DB_REPORT_COUNTS_MAX];    /* failed handoffs by error code */
	size_t nerrors;
	db_report_count af_errors[DB_REPORT_COUNTS_MAX]; /* failed autofocus ops by error code */
	size_t naf_errors;
	/* the runs' expectations: passed, failed, and not applicable (a metric
	 * that needs the simulator's ground truth, on a rig: passed NULL in
	 * the store), the failed and the n/a ones by metric */
	size_t exp_passed, exp_failed, exp_na;
	db_report_count exp_failed_by[DB_REPORT_COUNTS_MAX];
	size_t nexp_failed_by;
	db_report_count exp_na_by[DB_REPORT_COUNTS_MAX];
	size_t nexp_na_by;
	/* judgement */
	db_report_assess assess[DB_REPORT_ASSESS_MAX];
	size_t nassess;
	db_report_rec recs[DB_REPORT_RECS_MAX];
	size_t nrecs;
} db_report;

/*
 * Build the report of runs[0..nruns) (nruns >= 1; copied, a run given
 * twice counted once).  Every run must exist.  cfg: the runs'
 * configuration, or NULL when it is not known.  0, or -1 with the reason
 * in err (no such run, SQL error, out of memory); *out is initialised
 * either way and released by db_report_release.
 */
int db_report_build(db *d, const int64_t *runs, size_t nruns, const db_report_config *cfg,
		    db_report *out, char *err, size_t errlen);

/* The statistics, assessment and recommendations of an already loaded op
 * set (tests, the bench): fills every field but runs, scenarios, modes,
 * the unfinished runs, cfg and the fault and error counts, which it leaves
 * as they are (zero *out first, set cfg before).  0 or -1 (out of
 * memory). */
int db_report_compute(const db_opset *s, db_report *out);

void db_report_release(db_report *r);

/* True when the report recommends id. */
bool db_report_has_rec(const db_report *r, db_rec_id id);

typedef enum db_format { DB_FMT_TEXT, DB_FMT_MARKDOWN, DB_FMT_JSON } db_format;

/* "text" | "markdown" | "json" -> 0 and *fmt; -1 otherwise. */
int db_format_parse(const char *s, db_format *fmt);

/* Print r to f.  Returns 0, or -1 when writing failed (ferror). */
int db_report_print(const db_report *r, db_format fmt, FILE *f);

#endif /* DB_REPORT_H */
