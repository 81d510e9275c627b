/*
 * regress.h - compare a candidate run with the baseline run of its
 * scenario (docs/design.md §7) and watch the scenario's run history.
 *
 * Simulation (both runs mode sim), exact: the same trace hash is
 * "identical"; otherwise every metric is judged against the candidate
 * run's tolerances (tol_time_frac, tol_accuracy_um; success rate: any
 * drop) with db_exceeds_tolerance, and the first record where the two
 * trace indexes part is named.  HIL (either run mode hil), statistical:
 * per phase db_judge_noisy on the per-op values, the success rate with
 * db_judge_rates; too little data is "inconclusive", never a regression.
 * History, both modes: each phase's per-run mean over the scenario's runs
 * up to the candidate (by id), with the recent-half-vs-older-half monitor
 * and the best single change point.  The history is advice: it is printed
 * but does not make a run regressed (an accepted change would otherwise
 * fail every run for half a history).
 *
 * Metrics are sorted worst first: regressed before the rest, time metrics
 * by relative change (largest first), then accuracy, then rates.
 */
#ifndef DB_REGRESS_H
#define DB_REGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"
#include "db/opset.h"
#include "db/report.h"
#include "db/views.h"
#include "db/stats.h"

/* The name of a trace record kind, mirroring kernel/trace.h's SIM_EVENT_MAP
 * (db/ may not include sim/): "hal.move_z", "fault", ...; "?" unknown. */
const char *db_trace_kind_name(unsigned kind);

/* A field of an ops row that differs between the two runs. */
typedef struct db_field_diff {
	char field[24];          /* the ops column: "focus_move_ms", "error", ... */
	double b, c;             /* numeric fields (NaN for NULL) */
	char sb[48], sc[48];     /* text fields (lenses, error), else "" */
	bool text;
} db_field_diff;

#define DB_DIFF_MAX 20

typedef struct db_divergence {
	bool available;          /* both runs have a trace index */
	bool diverged;           /* false: the indexes are equal */
	size_t index;            /* first record (0-based) whose running hash differs,
				  * or the shorter length when one is a prefix */
	size_t nb, nc;           /* records in the baseline's and candidate's index */
	bool has_b, has_c;       /* a record at index on that side */
	unsigned kind_b, kind_c;
	int64_t t_ns_b, t_ns_c;
	/* what differs there (db_regress_run; db_trace_diverge leaves these 0):
	 * the op each side was in at that moment (the last one started by
	 * then), and the fields of op `op_seq` (the baseline's, else the
	 * candidate's) that differ between the two runs */
	bool has_op_b, has_op_c;
	uint32_t op_seq_b, op_seq_c;
	char op_kind_b[16], op_kind_c[16];
	uint32_t op_seq;         /* the op compared; 0 when neither side was in one */
	bool op_missing_b, op_missing_c;   /* that op is not in one of the runs */
	size_t ndiff;
	db_field_diff diff[DB_DIFF_MAX];
	/* the first frame of op op_seq whose stage z or focus score differs
	 * (frames counted from 1 within the op); sample_index 0: none differs */
	size_t sample_index;
	double sample_t_ms_b, sample_t_ms_c, z_b, z_c, score_b, score_c;
	bool sample_missing_b, sample_missing_c;   /* one side has fewer frames */
} db_divergence;

/* First divergence of two trace indexes (pure). */
void db_trace_diverge(const db_trace_rec *b, size_t nb, const db_trace_rec *c, size_t nc,
		      db_divergence *out);

/* The fields of two ops rows that differ (exactly; NULL equals NULL) into
 * out->diff (at most DB_DIFF_MAX), out->ndiff (pure). */
void db_op_diff(const db_op_row *b, const db_op_row *c, db_divergence *out);

typedef struct db_regress_metric {
	char name[40];           /* "focus_move_ms.mean", "success_rate", ... */
	db_metric_kind kind;
	const char *unit;        /* "ms", "um", "" */
	double baseline, candidate;   /* sim: the statistic; hil: the medians */
	db_delta change;
	double tol;              /* sim: the tolerance; hil: the practical floor */
	db_verdict verdict;
	double p;                /* hil: the one-sided p of "worse"; sim: NaN */
	size_t nb, nc;           /* values on each side */
} db_regress_metric;

#define DB_REGRESS_METRICS_MAX 24

typedef struct db_regress_history {
	size_t n;                /* runs in the series */
	db_halves halves;        /* verdict INCONCLUSIVE when too short */
	bool cp_ok;              /* a change point was computed (n >= 2 x DB_CP_MIN_SEG) */
	db_changepoint cp;
	int64_t cp_run;          /* the first run of the new regime */
} db_regress_history;

typedef enum db_regress_status {
	DB_RG_NO_BASELINE,       /* nothing to compare */
	DB_RG_IDENTICAL,         /* same trace hash */
	DB_RG_OK,                /* compared, nothing regressed */
	DB_RG_REGRESSED
} db_regress_status;

/* "nothing to compare", "identical", "ok", "regressed". */
const char *db_regress_status_name(db_regress_status s);

typedef struct db_regress_result {
	int64_t candidate, baseline;  /* baseline 0 when none */
	char scenario[128];
	char status_c[16];            /* the candidate's run status */
	bool unfinished;              /* ... not passed or failed: partial data */
	char message_c[160];          /* its message (why it was aborted) */
	char started_c[32];           /* ISO 8601 UTC */
	char invocation_c[40];        /* "" when none */
	size_t newer_unfinished;      /* --latest: newer runs of the scenario left out */
	char mode_b[8], mode_c[8];
	char hash_b[24], hash_c[24];
	double tol_time_frac, tol_accuracy_um;
	bool statistical;             /* judged as HIL */
	db_regress_status status;
	size_t nmetrics, nregressed, ninconclusive;
	db_regress_metric metrics[DB_REGRESS_METRICS_MAX];
	db_divergence div;
	size_t nhistory;              /* runs in the scenario's history */
	db_regress_history history[DB_PHASE_COUNT];
} db_regress_result;

/*
 * Compare run candidate with the baseline `name` of its scenario into
 * *out.  0 (including "no baseline": out->status), or -1 with the reason
 * in err (no such run, SQL error, out of memory).
 */
int db_regress_run(db *d, const char *name, int64_t candidate, db_regress_result *out,
		   char *err, size_t errlen);

/*
 * The exact comparison of two op sets (what db_regress_run does for sim
 * runs, without the database): fills out->metrics, nmetrics, nregressed
 * and status (OK or REGRESSED).  tol_time_frac / tol_accuracy_um NaN: the
 * defaults.  0 or -1 (out of memory).
 */
int db_regress_exact(const db_opset *base, const db_opset *cand, double tol_time_frac,
		     double tol_accuracy_um, db_regress_result *out);

/* The statistical comparison of two op sets (HIL), likewise. */
int db_regress_noisy(const db_opset *base, const db_opset *cand, db_regress_result *out);

/* The exit code of a regress over results r[0..n): 1 when any regressed,
 * else 3 when none could be compared (n == 0 or all without baseline),
 * else 0. */
int db_regress_exit_code(const db_regress_result *r, size_t n);

/* The headline of a result: its worst regressed metric, else the handoff
 * total p95 (the design target), else the total mean; NULL when it has no
 * metrics (identical, nothing to compare, no handoffs). */
const db_regress_metric *db_regress_headline(const db_regress_result *r);

/* Print flags: every run in full (not only the regressed and changed ones);
 * each candidate's age (--latest). */
#define DB_RG_PRINT_VERBOSE 1u
#define DB_RG_PRINT_AGES 2u

/*
 * Print results r[0..n) compared with baseline `name`: a summary first
 * (counts, then one line per run with its headline metric), then the full
 * comparison (metric table, first divergent event, history) of each run
 * that regressed or changed - of every run with DB_RG_PRINT_VERBOSE.  JSON
 * always carries everything.  0 or -1 (ferror).
 */
int db_regress_print(const char *name, const db_regress_result *r, size_t n, db_format fmt,
		     unsigned flags, FILE *f);

#endif /* DB_REGRESS_H */
