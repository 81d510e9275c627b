/*
 * stats.h - the pure statistics behind the results store's report and its
 * regression judgements (docs/design.md §7): summaries with numpy-default
 * percentiles, the Mann-Whitney U test, Fisher's exact test, the noisy (HIL)
 * and success-rate judgements, the run-history monitors (recent half vs
 * older half, change points) and the exact simulation tolerances.
 *
 * Only libc and libm.  No global state: every function is a pure function
 * of its arguments, and results do not depend on the order of the values
 * in a sample (sums run over sorted copies), so the same data give the same
 * bits on every run.  A function that sorts takes a caller-provided scratch
 * array (its size is documented per function); scratch NULL allocates a
 * buffer of that size and frees it before returning - the only allocation
 * in this module.  Fallible functions return 0 or -1 (a NULL pointer, an
 * empty or non-finite input where one is required, an out-of-range
 * parameter, or out of memory); on -1, *out is unspecified.
 */
#ifndef DB_STATS_H
#define DB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- descriptive ---------------------------------------------------------- */

/*
 * Percentile q in [0, 100] of sorted[0 .. n) (ascending, no NaN) by linear
 * interpolation between order statistics, numpy's default method 'linear':
 * virtual index h = q/100 (n - 1), a = sorted[floor h], b = the next one,
 * t = h - floor h, result a + (b - a) t when t < 0.5, else b - (b - a)(1 - t)
 * (numpy's two-sided lerp, so results match numpy bit for bit).  NaN when
 * n == 0, sorted is NULL, or q is NaN or outside [0, 100].
 */
double db_percentile_sorted(const double *sorted, size_t n, double q);

/*
 * The sample size a percentile needs before the report may quote it without
 * a warning: the tail beyond q must hold at least one value on average,
 * n * min(q, 100 - q) / 100 >= 1, i.e. n >= ceil(100 / min(q, 100 - q)).
 * p50 needs 2, p95 and p5 need 20, p99 needs 100, p99.9 needs 1000.  q = 0
 * or 100 (the sample minimum and maximum, reported as what they are) need 1.
 * SIZE_MAX for a q outside [0, 100] or NaN.
 */
size_t db_percentile_min_n(double q);

#define DB_P95_MIN_N 20u
#define DB_P99_MIN_N 100u

typedef struct db_summary {
	size_t n;        /* values counted (NaNs skipped) */
	size_t n_nan;    /* NaNs skipped */
	double mean, std;          /* std: sample, divisor n - 1 */
	double min, max, p50, p95, p99;
	double cv;       /* std / |mean| */
	/* the percentile is backed by enough values (db_percentile_min_n):
	 * n >= 2, n >= 20, n >= 100.  Percentiles are computed whatever these
	 * say; the report prints a warning next to the ones that are false. */
	bool p50_ok, p95_ok, p99_ok;
} db_summary;

/*
 * Summary of the n values v, NaNs skipped (counted in n_nan).  scratch:
 * n doubles (may be v itself, which is then overwritten) or NULL; on return
 * scratch[0 .. out->n) holds the non-NaN values ascending.  mean, min, max
 * and percentiles are NaN when out->n == 0; std when out->n < 2; cv when
 * std is NaN or mean == 0.  Sums run over the sorted values (mean: one
 * pass; std: a second pass over deviations from the mean).  O(n): a stable
 * radix sort, the order glibc's qsort gave (equal values, -0.0 and +0.0 too,
 * in input order).
 * 0, or -1 (out NULL, v NULL with n > 0, out of memory).
 */
int db_summary_of(const double *v, size_t n, double *scratch, db_summary *out);

/* The statistics a metric name ends in (docs/statistics.md): count, mean,
 * min, max, p50, p95, p99, std - in that order. */
typedef enum db_stat {
	DB_STAT_COUNT,
	DB_STAT_MEAN,
	DB_STAT_MIN,
	DB_STAT_MAX,
	DB_STAT_P50,
	DB_STAT_P95,
	DB_STAT_P99,
	DB_STAT_STD,
	DB_STAT_N
} db_stat;

/* "count", "mean", ...; NULL for a bad value. */
const char *db_stat_name(db_stat s);
/* The statistic named by s[0 .. len) (not necessarily terminated): 0 and
 * *out, or -1 when it is none of them. */
int db_stat_parse(const char *s, size_t len, db_stat *out);
/*
 * Statistic st of a summary: count is d->n (0 when there are no values),
 * the others the summary's field (NaN when undefined: no values, or std of
 * one).  The one place a statistic's name is mapped to its estimator, so
 * the report, the regression check, the pictures and the run's
 * expectations cannot mean different things by "std" or "p95".  NaN for a
 * bad st.
 */
double db_summary_stat(const db_summary *d, db_stat st);

/* --- tests ----------------------------------------------------------------- */

/* The alternative hypothesis, scipy's names.  Mann-Whitney: GREATER = x is
 * stochastically larger than y.  Fisher [[a, b], [c, d]]: GREATER = the odds
 * ratio a d / (b c) is larger than 1 (large a). */
typedef enum db_alternative {
	DB_TWO_SIDED,
	DB_GREATER,
	DB_LESS
} db_alternative;

/* Largest n1 and n2 for which the exact U distribution is used. */
#define DB_MW_EXACT_MAX 20u

typedef struct db_mw {
	size_t n1, n2;   /* values used (NaNs skipped) */
	double u1;       /* U of x: pairs with x > y, plus half the pairs x == y
			  * (= R1 - n1 (n1 + 1) / 2 with average ranks for ties) */
	double u2;       /* n1 n2 - u1 */
	double z;        /* normal statistic of the alternative's U (see below),
			  * computed whether or not p is exact */
	double p;
	bool exact;      /* p from the exact distribution of U */
	bool ties;       /* some value occurs more than once in x and y together */
} db_mw;

/*
 * Mann-Whitney U test of x[0 .. n1) against y[0 .. n2) (NaNs skipped).
 *
 * Method: exact when there are no ties and both (non-NaN) sizes are at most
 * DB_MW_EXACT_MAX (20); otherwise the normal approximation.  This is
 * scipy.stats.mannwhitneyu's arithmetic with method 'exact' resp.
 * 'asymptotic' (use_continuity=True); only the choice differs from scipy's
 * method='auto', which goes exact only when one size is <= 8.
 *   U for the alternative: GREATER u1, LESS u2, TWO_SIDED max(u1, u2).
 *   Exact: p = P(U >= that U) under H0, from the counts of the Gaussian
 *   binomial coefficient [n1 + n2 choose n1]_q (all integers below 2^53,
 *   so exact in doubles), doubled for TWO_SIDED and clipped to 1.
 *   Normal: z = (U - n1 n2 / 2 - 0.5) / s with
 *   s = sqrt(n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1)))), n = n1 + n2,
 *   t the sizes of the groups of tied values; p = P(Z >= z) = erfc(z/sqrt 2)
 *   / 2, doubled for TWO_SIDED and clipped to 1.  When every value is equal
 *   s = 0: z = -inf and p = 1, as scipy.
 * scratch: n1 + n2 doubles or NULL; on return it holds x's values sorted,
 * then y's.  0, or -1 (NULL out, x or y NULL with a size > 0, no non-NaN
 * value on one side, bad alternative, out of memory).
 */
int db_mann_whitney(const double *x, size_t n1, const double *y, size_t n2,
		    db_alternative alt, double *scratch, db_mw *out);

typedef struct db_fisher {
	double p;
	double odds_ratio;   /* a d / (b c): inf when b c == 0 < a d, NaN when both 0 */
} db_fisher;

/*
 * Fisher's exact test of the 2x2 table [[a, b], [c, d]], conditional on
 * the margins: X = the top-left cell is hypergeometric.  GREATER: P(X >= a);
 * LESS: P(X <= a); TWO_SIDED: the sum of P(X = k) over every table k whose
 * probability is <= P(X = a) (1 + 1e-7) - the relative tolerance R's
 * fisher.test uses, so that tables as likely as the observed one count even
 * when rounding splits them.  Probabilities from log-factorials (lgamma_r),
 * summed in ascending k; p is clipped to 1.  O(min(a + b, a + c)) time.
 * 0, or -1 (NULL out, bad alternative, a total above 2^53).
 */
int db_fisher_exact(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		    db_alternative alt, db_fisher *out);

/* --- regression judgements (docs/design.md §7) -------------------------- */

typedef enum db_verdict {
	DB_SAME,          /* no significant change (or below the practical floor) */
	DB_REGRESSED,     /* candidate slower / worse */
	DB_IMPROVED,      /* candidate faster / better */
	DB_INCONCLUSIVE   /* too little data to judge */
} db_verdict;

/* "same", "regressed", "improved", "inconclusive"; NULL for a bad value. */
const char *db_verdict_name(db_verdict v);

/* Smallest sample per side the noisy judgement will judge: with 8 vs 8 the
 * smallest exact one-sided Mann-Whitney p is 1 / C(16, 8) = 7.8e-5, and a
 * coefficient of variation from fewer values is too rough for the floor. */
#define DB_JUDGE_MIN_N 8u
#define DB_JUDGE_ALPHA 0.01
#define DB_JUDGE_FLOOR_MIN 0.03   /* the practical floor is at least 3 % */
#define DB_JUDGE_FLOOR_CV 2.0     /* ... and at least 2 x the baseline's CV */

typedef struct db_judgement {
	db_verdict verdict;
	size_t nb, nc;           /* non-NaN values on each side */
	double median_b, median_c;
	double change;           /* (median_c - median_b) / median_b */
	double cv_b;             /* baseline std / |mean| */
	double floor;            /* max(0.03, 2 cv_b) */
	double p_slower;         /* Mann-Whitney, one-sided, candidate larger */
	double p_faster;         /* Mann-Whitney, one-sided, candidate smaller */
	double u1, z;            /* U of the candidate; z of the "slower" test */
	bool exact;              /* p from the exact U distribution */
} db_judgement;

/*
 * The HIL regression judgement of one metric where larger is worse (a phase
 * time).  alpha: the significance level, DB_JUDGE_ALPHA (0.01) by DESIGN.
 *   INCONCLUSIVE  nb or nc (non-NaN) < DB_JUDGE_MIN_N, or the baseline
 *                 median is not > 0 (no scale for a relative change), or the
 *                 floor is NaN (the baseline CV is undefined);
 *   REGRESSED     p_slower <= alpha and change > floor;
 *   IMPROVED      p_faster <= alpha and change < -floor;
 *   SAME          otherwise.
 * Medians are numpy p50s; the Mann-Whitney tests are db_mann_whitney's with
 * x = candidate, y = baseline.  The numbers are filled in as far as the
 * data allow (NaN otherwise) even when INCONCLUSIVE.
 * scratch: nb + nc doubles or NULL.  0, or -1 (NULL out, NULL array with a
 * size > 0, alpha not in (0, 1), out of memory).
 */
int db_judge_noisy(const double *baseline, size_t nb, const double *candidate,
		   size_t nc, double alpha, double *scratch, db_judgement *out);

typedef struct db_rate_judgement {
	db_verdict verdict;
	double rate_b, rate_c;   /* successes / attempts; NaN for 0 attempts */
	double p_worse;          /* Fisher one-sided: candidate's rate lower */
	double p_better;         /* Fisher one-sided: candidate's rate higher */
} db_rate_judgement;

/*
 * Success rates, baseline ok_b of n_b attempts against candidate ok_c of
 * n_c, with Fisher's exact test on [[ok_b, n_b - ok_b], [ok_c, n_c - ok_c]]:
 * p_worse is its GREATER p (the baseline's odds of success higher), p_better
 * its LESS p.  INCONCLUSIVE when n_b or n_c is 0; REGRESSED when p_worse
 * <= alpha; IMPROVED when p_better <= alpha; else SAME.  0, or -1 (NULL
 * out, ok > n, alpha not in (0, 1)).
 */
int db_judge_rates(uint64_t ok_b, uint64_t n_b, uint64_t ok_c, uint64_t n_c,
		   double alpha, db_rate_judgement *out);

/* --- run history ------------------------------------------------------------ */

#define DB_HALVES_MIN_N 4u
#define DB_HALVES_THRESHOLD 0.20

typedef struct db_halves {
	db_verdict verdict;
	size_t n;                /* non-NaN values */
	size_t n_half;           /* values in each half */
	double mean_old, mean_new;
	double change;           /* mean_new / mean_old - 1 */
} db_halves;

/*
 * The "recent half vs older half" monitor over per-run values in time order
 * (oldest first; larger is worse).  NaNs are dropped first; of the m values
 * left the older half is the first m/2 and the newer half the last m/2 (the
 * middle value of an odd m is in neither).  The halves are compared by
 * their means (as the profiling monitor this follows; a drift moves the
 * mean as surely as the median, and a single slow run in a half of a few
 * runs is a thing to see).
 *   INCONCLUSIVE  m < DB_HALVES_MIN_N (4), or mean_old not > 0;
 *   REGRESSED     change > threshold (DB_HALVES_THRESHOLD: more than 20 %);
 *   IMPROVED      change < -threshold;
 *   SAME          otherwise.
 * 0, or -1 (NULL out, series NULL with n > 0, threshold negative or NaN).
 */
int db_monitor_halves(const double *series, size_t n, double threshold,
		      db_halves *out);

#define DB_CP_MIN_SEG 5u
#define DB_CP_PENALTY 3.0

typedef struct db_changepoint {
	size_t index;            /* first value of the new regime, in (0, n) */
	double mean_before;      /* mean of the segment ending at index */
	double mean_after;       /* mean of the segment starting at index */
	double score;            /* m ln(SSE_0 / SSE_1) in its segment */
	bool significant;        /* score > penalty ln(n) */
} db_changepoint;

/*
 * The most likely single change in the mean of x[0 .. n) (time order, all
 * finite), by least squares: over every split k with min_seg <= k <=
 * n - min_seg, the one minimizing SSE_1 = SSE(x[0 .. k)) + SSE(x[k .. n)),
 * the smallest k on a tie.  score = n ln(SSE_0 / SSE_1), SSE_0 the sum of
 * squares about the overall mean: the likelihood-ratio statistic of a
 * Gaussian mean shift with unknown common variance.  significant when score
 * > penalty ln(n): penalty 2 is BIC (one location and one mean more), too
 * eager for a maximum over all splits; with DB_CP_PENALTY = 3, flat Gaussian
 * noise raised a false alarm in 2.4 % of series of 20 values, 0.8 % of 60,
 * 0.4 % of 200, 0.15 % of 500 (2000 series each; BIC: 10, 6.5, 3.8, 1.3 %).  SSE_1 is floored at 1e-12 SSE_0 so a noiseless step
 * scores a finite n ln(1e12); a constant series scores 0.  Segment sums of
 * squares come from Welford passes (no cancellation).
 * scratch: n doubles or NULL.  0, or -1 (NULL out, x NULL, a non-finite
 * value, min_seg == 0 or n < 2 min_seg, penalty negative or NaN, out of
 * memory).
 */
int db_changepoint_best(const double *x, size_t n, size_t min_seg,
			double penalty, double *scratch, db_changepoint *out);

/*
 * Several change points by binary segmentation: start from the whole
 * series; repeatedly take, over all current segments, the best split (as
 * db_changepoint_best within the segment, score m ln(SSE_0 / SSE_1) with m
 * the segment's length, both parts at least min_seg long) with the highest
 * score, and split there while that score exceeds penalty ln(n) (n the
 * whole series' length) and fewer than max_out points were found; ties go
 * to the earlier segment.  out[0 .. *n_out) is sorted by index; its means
 * are those of the final segments either side of each point, its scores
 * those at which each split was made, all significant.  *n_out == 0 when
 * nothing is significant (including n < 2 min_seg).  O(max_out n) time.
 * scratch: n doubles or NULL.  0, or -1 (NULL n_out, x NULL with n > 0,
 * out NULL with max_out > 0, a non-finite value, min_seg == 0, penalty
 * negative or NaN, out of memory).
 */
int db_changepoints(const double *x, size_t n, size_t min_seg, double penalty,
		    double *scratch, db_changepoint *out, size_t max_out,
		    size_t *n_out);

/* --- exact (simulation) comparison ------------------------------------------ */

typedef struct db_delta {
	double abs;    /* candidate - baseline */
	double rel;    /* (candidate - baseline) / |baseline|; NaN when baseline
			* is 0 or either is NaN */
} db_delta;

db_delta db_change(double baseline, double candidate);

typedef enum db_metric_kind {
	DB_KIND_TIME,       /* a duration (ms): larger is worse, relative tolerance */
	DB_KIND_ACCURACY,   /* an error magnitude (um): larger is worse, absolute */
	DB_KIND_RATE,       /* a success rate in [0, 1]: smaller is worse, absolute */
	DB_KIND_COUNT       /* a count per operation (frames): larger is worse, relative */
} db_metric_kind;

/* docs/design.md defaults: time +5 %, accuracy +0.05 um, success rate any drop. */
#define DB_TOL_TIME_FRAC 0.05
#define DB_TOL_ACCURACY_UM 0.05
#define DB_TOL_RATE 0.0
/*
 * The absolute floors under a relative tolerance (docs/statistics.md): a
 * change of a time metric by at most DB_TOL_TIME_FLOOR_MS, or of a count
 * by at most DB_TOL_COUNT_FLOOR, is never a regression (nor an
 * improvement), whatever the relative change.  Without a floor a relative
 * tolerance on a baseline of 0 (a validation phase of 0 ms) is no
 * tolerance at all, and +0.28 ms on it was a "regression".  1 ms is 0.3 %
 * of the 300 ms handoff target and above the HIL clock's resolution; half
 * a frame per operation is the smallest change of a mean frame count that
 * is more than rounding.
 */
#define DB_TOL_TIME_FLOOR_MS 1.0
#define DB_TOL_COUNT_FLOOR 0.5

/* The default tolerance of a kind (the macros above; COUNT: the time
 * fraction); NaN for a bad kind. */
double db_default_tolerance(db_metric_kind kind);

/* The absolute floor of a kind: DB_TOL_TIME_FLOOR_MS, DB_TOL_COUNT_FLOOR,
 * 0 for ACCURACY and RATE (their tolerances are absolute already); NaN for
 * a bad kind. */
double db_tolerance_floor(db_metric_kind kind);

/*
 * The allowed worsening of a metric with value baseline: TIME and COUNT
 * max(tol |baseline|, the kind's floor), ACCURACY and RATE tol.  tol NaN:
 * the kind's default.  NaN for a bad kind.
 */
double db_allowed_change(db_metric_kind kind, double baseline, double tol);

/*
 * Whether candidate is worse than baseline by more than it is allowed
 * (db_allowed_change; strictly, no epsilon at the boundary):
 *   TIME, COUNT  candidate - baseline > max(tol |baseline|, floor)
 *   ACCURACY     candidate - baseline > tol
 *   RATE         baseline - candidate > tol   (tol 0: any drop)
 * tol NaN means the kind's default.  A value on one side only (the other
 * NaN) exceeds - a metric that appeared or vanished is a change to look at;
 * NaN on both sides does not.  A bad kind exceeds.
 */
bool db_exceeds_tolerance(db_metric_kind kind, double baseline,
			  double candidate, double tol);
/* The mirror image: better than baseline by more than allowed (TIME, COUNT,
 * ACCURACY smaller, RATE larger).  False when either side is NaN or for a
 * bad kind. */
bool db_beats_tolerance(db_metric_kind kind, double baseline,
			double candidate, double tol);

#endif /* DB_STATS_H */
