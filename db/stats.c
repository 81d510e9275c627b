/*
 * stats.c - descriptive statistics, Mann-Whitney U, Fisher's exact test,
 * the regression judgements and the run-history monitors (stats.h).
 *
 * Everything is a function of its arguments.  Samples are sorted before
 * anything is summed, so a result depends on the multiset of values, not
 * on the order the database returned them in.  The exact U distribution is
 * kept in a fixed-size array on the stack (n1, n2 <= 20: at most 401
 * counts); the heap holds the documented scratch fallback and the sort's
 * keys (dsort.h: 16 bytes a sample from 256 samples on; out of memory is
 * then an error).
 */
#include "db/stats.h"

#include "db/dsort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers ---------------------------------------------------------------- */

/* Copy the non-NaN values of v[0 .. n) to dst (which may be v) and sort
 * them; the count kept, or SIZE_MAX out of memory. */
static size_t copy_sorted(const double *v, size_t n, double *dst)
{
	size_t m = 0;

	/* m <= i: safe in place */
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			dst[m++] = v[i];
	return db_sort_doubles(dst, m) == 0 ? m : SIZE_MAX;
}

/* scratch, or a fresh buffer of n doubles (at least one, so that NULL
 * always means out of memory). */
static double *scratch_or_alloc(double *scratch, size_t n)
{
	if (scratch)
		return scratch;
	if (n > SIZE_MAX / sizeof(double))
		return NULL;
	return malloc((n ? n : 1) * sizeof(double));
}

static double mean_of(const double *v, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

/* Sample standard deviation of v about mean; NaN for n < 2. */
static double std_of(const double *v, size_t n, double mean)
{
	double ss = 0.0;

	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		double d = v[i] - mean;

		ss += d * d;
	}
	return sqrt(ss / (double)(n - 1));
}

/* Standard normal upper tail P(Z >= z). */
static double norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

/* --- descriptive ------------------------------------------------------------ */

double db_percentile_sorted(const double *sorted, size_t n, double q)
{
	double idx, t, a, b, diff;
	size_t lo, hi;

	if (!sorted || n == 0 || !(q >= 0.0 && q <= 100.0))
		return NAN;
	idx = (q / 100.0) * (double)(n - 1);
	lo = (size_t)floor(idx);
	if (lo > n - 1)
		lo = n - 1;
	hi = lo + 1 < n ? lo + 1 : n - 1;
	t = idx - (double)lo;
	a = sorted[lo];
	b = sorted[hi];
	diff = b - a;
	/* numpy's lerp: exact at both ends of [a, b] */
	return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

size_t db_percentile_min_n(double q)
{
	double tail, need;

	if (!(q >= 0.0 && q <= 100.0))
		return SIZE_MAX;
	tail = q < 100.0 - q ? q : 100.0 - q;
	if (tail <= 0.0)
		return 1;
	/* 100 - 99.9 is 0.0999...94: without the slack 1000 would be 1001 */
	need = ceil(100.0 / tail - 1e-9);
	return need >= (double)SIZE_MAX ? SIZE_MAX : (size_t)need;
}

int db_summary_of(const double *v, size_t n, double *scratch, db_summary *out)
{
	double *buf;
	size_t m;

	if (!out || (n > 0 && !v))
		return -1;
	buf = scratch_or_alloc(scratch, n);
	if (!buf)
		return -1;
	m = copy_sorted(v, n, buf);
	if (m == SIZE_MAX) {
		if (buf != scratch)
			free(buf);
		return -1;
	}
	out->n = m;
	out->n_nan = n - m;
	if (m == 0) {
		out->mean = out->std = out->min = out->max = NAN;
		out->p50 = out->p95 = out->p99 = out->cv = NAN;
	} else {
		out->mean = mean_of(buf, m);
		out->std = std_of(buf, m, out->mean);
		out->min = buf[0];
		out->max = buf[m - 1];
		out->p50 = db_percentile_sorted(buf, m, 50.0);
		out->p95 = db_percentile_sorted(buf, m, 95.0);
		out->p99 = db_percentile_sorted(buf, m, 99.0);
		out->cv = (isnan(out->std) || out->mean == 0.0)
			? NAN : out->std / fabs(out->mean);
	}
	out->p50_ok = m >= db_percentile_min_n(50.0);
	out->p95_ok = m >= DB_P95_MIN_N;
	out->p99_ok = m >= DB_P99_MIN_N;
	if (buf != scratch)
		free(buf);
	return 0;
}

static const char *const stat_names[DB_STAT_N] = {
	"count", "mean", "min", "max", "p50", "p95", "p99", "std",
};

const char *db_stat_name(db_stat s)
{
	return (unsigned)s < DB_STAT_N ? stat_names[s] : NULL;
}

int db_stat_parse(const char *s, size_t len, db_stat *out)
{
	for (int i = 0; i < DB_STAT_N; i++)
		if (strlen(stat_names[i]) == len && strncmp(stat_names[i], s, len) == 0) {
			*out = (db_stat)i;
			return 0;
		}
	return -1;
}

double db_summary_stat(const db_summary *d, db_stat st)
{
	switch (st) {
	case DB_STAT_COUNT: return (double)d->n;
	case DB_STAT_MEAN: return d->mean;
	case DB_STAT_MIN: return d->min;
	case DB_STAT_MAX: return d->max;
	case DB_STAT_P50: return d->p50;
	case DB_STAT_P95: return d->p95;
	case DB_STAT_P99: return d->p99;
	case DB_STAT_STD: return d->std;
	case DB_STAT_N: break;
	}
	return NAN;
}

/* --- Mann-Whitney U ----------------------------------------------------------- */

/* Counts of U = 0 .. m n (m, n <= DB_MW_EXACT_MAX) under H0 */
#define MW_COUNTS (DB_MW_EXACT_MAX * DB_MW_EXACT_MAX + DB_MW_EXACT_MAX + 1)

/*
 * P(U >= u) for sample sizes m and n without ties.  The number of
 * arrangements with U = k is the coefficient of q^k in the Gaussian binomial
 * [m + n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i); after step i
 * the polynomial is [n + i choose i]_q, so every intermediate is an integer
 * of magnitude at most C(40, 20) = 1.4e11 < 2^53 and exact in a double.
 * Rejected: the three-index recurrence f(m, n, u), which needs m n (m n)
 * cells, and floating-point probabilities, which lose the exactness.
 */
static double mw_exact_sf(size_t m, size_t n, double u)
{
	double c[MW_COUNTS] = { 1.0 };
	double total = 0.0, tail = 0.0;
	size_t deg = 0;

	for (size_t i = 1; i <= m; i++) {
		size_t up = n + i;

		/* times (1 - q^up): descending, so c[j - up] is still old */
		for (size_t j = deg + up; j >= up; j--)
			c[j] -= c[j - up];
		deg += up;
		/* divided by (1 - q^i): b[j] = a[j] + b[j - i], ascending */
		for (size_t j = i; j <= deg; j++)
			c[j] += c[j - i];
		deg -= i;
	}
	for (size_t k = 0; k <= deg; k++) {
		total += c[k];
		if ((double)k >= u)
			tail += c[k];
	}
	return tail / total;
}

/*
 * The test on sorted samples xs[0 .. n1) and ys[0 .. n2) (n1, n2 > 0).
 * One merge walk finds U1 (each x counts the y below it and half the y
 * equal to it: half-integers, exact) and the tie groups.
 */
static void mw_sorted(const double *xs, size_t n1, const double *ys, size_t n2,
		      db_alternative alt, db_mw *out)
{
	size_t i = 0, j = 0;
	double u1 = 0.0, tie_term = 0.0, nn = (double)(n1 + n2);
	double prod = (double)n1 * (double)n2, u, s;
	bool ties = false;

	while (i < n1 || j < n2) {
		double v = i < n1 && (j >= n2 || xs[i] <= ys[j]) ? xs[i] : ys[j];
		size_t cx = 0, cy = 0;
		double t;

		while (i + cx < n1 && xs[i + cx] == v)
			cx++;
		while (j + cy < n2 && ys[j + cy] == v)
			cy++;
		u1 += (double)cx * ((double)j + 0.5 * (double)cy);
		t = (double)(cx + cy);
		if (cx + cy > 1) {
			ties = true;
			tie_term += t * t * t - t;
		}
		i += cx;
		j += cy;
	}
	out->n1 = n1;
	out->n2 = n2;
	out->u1 = u1;
	out->u2 = prod - u1;
	out->ties = ties;
	if (alt == DB_GREATER)
		u = out->u1;
	else if (alt == DB_LESS)
		u = out->u2;
	else
		u = out->u1 > out->u2 ? out->u1 : out->u2;
	s = sqrt(prod / 12.0 * ((nn + 1.0) - tie_term / (nn * (nn - 1.0))));
	/* s == 0 (all equal): -0.5 / 0 = -inf, p = 1, as scipy */
	out->z = (u - prod / 2.0 - 0.5) / s;
	out->exact = !ties && n1 <= DB_MW_EXACT_MAX && n2 <= DB_MW_EXACT_MAX;
	if (out->exact)
		out->p = n1 <= n2 ? mw_exact_sf(n1, n2, u) : mw_exact_sf(n2, n1, u);
	else
		out->p = norm_sf(out->z);
	if (alt == DB_TWO_SIDED)
		out->p *= 2.0;
	if (out->p > 1.0)
		out->p = 1.0;
}

int db_mann_whitney(const double *x, size_t n1, const double *y, size_t n2,
		    db_alternative alt, double *scratch, db_mw *out)
{
	double *buf;
	size_t m1, m2;

	if (!out || (n1 > 0 && !x) || (n2 > 0 && !y) || n1 > SIZE_MAX - n2)
		return -1;
	if (alt != DB_TWO_SIDED && alt != DB_GREATER && alt != DB_LESS)
		return -1;
	buf = scratch_or_alloc(scratch, n1 + n2);
	if (!buf)
		return -1;
	m1 = copy_sorted(x, n1, buf);
	m2 = m1 == SIZE_MAX ? SIZE_MAX : copy_sorted(y, n2, buf + m1);
	if (m2 == SIZE_MAX)
		m1 = m2 = 0;  /* out of memory: no answer, as for empty samples */
	if (m1 > 0 && m2 > 0)
		mw_sorted(buf, m1, buf + m1, m2, alt, out);
	if (buf != scratch)
		free(buf);
	return m1 > 0 && m2 > 0 ? 0 : -1;
}

/* --- Fisher's exact test ------------------------------------------------------ */

static double log_fact(double k)
{
	int sign;

	/* lgamma_r: lgamma's sign goes to a global */
	return lgamma_r(k + 1.0, &sign);
}

/* ln P(X = k): top-left k of a table with row sums r1, r2 and first column
 * sum c1 (total r1 + r2). */
static double hyper_logpmf(double k, double r1, double r2, double c1,
			   double lconst)
{
	double c2 = r1 + r2 - c1;

	return lconst - log_fact(k) - log_fact(r1 - k) - log_fact(c1 - k)
		- log_fact(c2 - r1 + k);
}

int db_fisher_exact(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		    db_alternative alt, db_fisher *out)
{
	const uint64_t lim = UINT64_C(1) << 53;
	uint64_t r1, r2, c1, c2, lo, hi;
	double lconst, lobs, p = 0.0;

	if (!out || a > lim || b > lim || c > lim || d > lim
	    || a + b + c + d > lim)
		return -1;
	if (alt != DB_TWO_SIDED && alt != DB_GREATER && alt != DB_LESS)
		return -1;
	r1 = a + b;
	r2 = c + d;
	c1 = a + c;
	c2 = b + d;
	{
		double ad = (double)a * (double)d, bc = (double)b * (double)c;

		out->odds_ratio = bc == 0.0 ? (ad == 0.0 ? NAN : INFINITY) : ad / bc;
	}
	/* support of the top-left cell */
	lo = c1 > r2 ? c1 - r2 : 0;
	hi = r1 < c1 ? r1 : c1;
	lconst = log_fact((double)r1) + log_fact((double)r2)
		+ log_fact((double)c1) + log_fact((double)c2)
		- log_fact((double)(r1 + r2));
	lobs = hyper_logpmf((double)a, (double)r1, (double)r2, (double)c1, lconst);
	if (alt == DB_GREATER) {
		for (uint64_t k = a; k <= hi; k++)
			p += exp(hyper_logpmf((double)k, (double)r1, (double)r2,
					      (double)c1, lconst));
	} else if (alt == DB_LESS) {
		for (uint64_t k = lo; k <= a; k++)
			p += exp(hyper_logpmf((double)k, (double)r1, (double)r2,
					      (double)c1, lconst));
	} else {
		/* ln(1 + 1e-7): R's relErr, in the log domain */
		double cut = lobs + log1p(1e-7);

		for (uint64_t k = lo; k <= hi; k++) {
			double lp = hyper_logpmf((double)k, (double)r1,
						 (double)r2, (double)c1, lconst);

			if (lp <= cut)
				p += exp(lp);
		}
	}
	out->p = p > 1.0 ? 1.0 : p;
	return 0;
}

/* --- judgements ----------------------------------------------------------------- */

const char *db_verdict_name(db_verdict v)
{
	switch (v) {
	case DB_SAME: return "same";
	case DB_REGRESSED: return "regressed";
	case DB_IMPROVED: return "improved";
	case DB_INCONCLUSIVE: return "inconclusive";
	}
	return NULL;
}

int db_judge_noisy(const double *baseline, size_t nb, const double *candidate,
		   size_t nc, double alpha, double *scratch, db_judgement *out)
{
	double *buf, *bs, *cs, mean_b, std_b;
	size_t mb, mc;
	db_mw slower, faster;

	if (!out || (nb > 0 && !baseline) || (nc > 0 && !candidate)
	    || nb > SIZE_MAX - nc || !(alpha > 0.0 && alpha < 1.0))
		return -1;
	buf = scratch_or_alloc(scratch, nb + nc);
	if (!buf)
		return -1;
	bs = buf;
	mb = copy_sorted(baseline, nb, bs);
	cs = buf + (mb == SIZE_MAX ? 0 : mb);
	mc = mb == SIZE_MAX ? SIZE_MAX : copy_sorted(candidate, nc, cs);
	if (mc == SIZE_MAX) {
		if (buf != scratch)
			free(buf);
		return -1;
	}

	out->verdict = DB_INCONCLUSIVE;
	out->nb = mb;
	out->nc = mc;
	out->median_b = db_percentile_sorted(bs, mb, 50.0);
	out->median_c = db_percentile_sorted(cs, mc, 50.0);
	out->change = out->median_b > 0.0
		? (out->median_c - out->median_b) / out->median_b : NAN;
	mean_b = mb > 0 ? mean_of(bs, mb) : NAN;
	std_b = mb > 0 ? std_of(bs, mb, mean_b) : NAN;
	out->cv_b = (isnan(std_b) || mean_b == 0.0) ? NAN : std_b / fabs(mean_b);
	out->floor = isnan(out->cv_b) ? NAN
		: fmax(DB_JUDGE_FLOOR_MIN, DB_JUDGE_FLOOR_CV * out->cv_b);
	out->p_slower = out->p_faster = out->u1 = out->z = NAN;
	out->exact = false;
	if (mb > 0 && mc > 0) {
		mw_sorted(cs, mc, bs, mb, DB_GREATER, &slower);
		mw_sorted(cs, mc, bs, mb, DB_LESS, &faster);
		out->p_slower = slower.p;
		out->p_faster = faster.p;
		out->u1 = slower.u1;
		out->z = slower.z;
		out->exact = slower.exact;
	}
	if (buf != scratch)
		free(buf);

	if (mb < DB_JUDGE_MIN_N || mc < DB_JUDGE_MIN_N
	    || isnan(out->change) || isnan(out->floor))
		return 0;
	if (out->p_slower <= alpha && out->change > out->floor)
		out->verdict = DB_REGRESSED;
	else if (out->p_faster <= alpha && out->change < -out->floor)
		out->verdict = DB_IMPROVED;
	else
		out->verdict = DB_SAME;
	return 0;
}

int db_judge_rates(uint64_t ok_b, uint64_t n_b, uint64_t ok_c, uint64_t n_c,
		   double alpha, db_rate_judgement *out)
{
	db_fisher worse, better;

	if (!out || ok_b > n_b || ok_c > n_c || !(alpha > 0.0 && alpha < 1.0))
		return -1;
	out->verdict = DB_INCONCLUSIVE;
	out->rate_b = n_b ? (double)ok_b / (double)n_b : NAN;
	out->rate_c = n_c ? (double)ok_c / (double)n_c : NAN;
	out->p_worse = out->p_better = NAN;
	if (n_b == 0 || n_c == 0)
		return 0;
	/* rows baseline, candidate; columns successes, failures */
	if (db_fisher_exact(ok_b, n_b - ok_b, ok_c, n_c - ok_c, DB_GREATER, &worse)
	    || db_fisher_exact(ok_b, n_b - ok_b, ok_c, n_c - ok_c, DB_LESS, &better))
		return -1;
	out->p_worse = worse.p;
	out->p_better = better.p;
	if (worse.p <= alpha)
		out->verdict = DB_REGRESSED;
	else if (better.p <= alpha)
		out->verdict = DB_IMPROVED;
	else
		out->verdict = DB_SAME;
	return 0;
}

/* --- run history -------------------------------------------------------------- */

int db_monitor_halves(const double *series, size_t n, double threshold,
		      db_halves *out)
{
	size_t m = 0, half, seen = 0;
	double s_old = 0.0, s_new = 0.0;

	if (!out || (n > 0 && !series) || !(threshold >= 0.0))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isnan(series[i]))
			m++;
	half = m / 2;
	/* time order is the point here: sum in it, no sorting */
	for (size_t i = 0; i < n; i++) {
		if (isnan(series[i]))
			continue;
		if (seen < half)
			s_old += series[i];
		else if (seen >= m - half)
			s_new += series[i];
		seen++;
	}
	out->n = m;
	out->n_half = half;
	out->mean_old = half ? s_old / (double)half : NAN;
	out->mean_new = half ? s_new / (double)half : NAN;
	out->change = half && out->mean_old > 0.0
		? out->mean_new / out->mean_old - 1.0 : NAN;
	if (m < DB_HALVES_MIN_N || isnan(out->change))
		out->verdict = DB_INCONCLUSIVE;
	else if (out->change > threshold)
		out->verdict = DB_REGRESSED;
	else if (out->change < -threshold)
		out->verdict = DB_IMPROVED;
	else
		out->verdict = DB_SAME;
	return 0;
}

/* The best split of x[0 .. m) with both parts at least min_seg long
 * (m >= 2 min_seg): its index (relative), score and the means either side.
 * back: m doubles of scratch for the suffix sums of squares. */
static void best_split(const double *x, size_t m, size_t min_seg, double *back,
		       db_changepoint *cp)
{
	double mean = 0.0, ss = 0.0, sse0, best = INFINITY, fl;
	size_t best_k = min_seg;

	/* back[k] = SSE(x[k .. m)), Welford from the end */
	for (size_t k = m; k-- > 0;) {
		double dlt = x[k] - mean;
		size_t cnt = m - k;

		mean += dlt / (double)cnt;
		ss += dlt * (x[k] - mean);
		back[k] = ss;
	}
	sse0 = ss;
	mean = 0.0;
	ss = 0.0;
	for (size_t k = 1; k <= m - min_seg; k++) {
		double dlt = x[k - 1] - mean;

		mean += dlt / (double)k;
		ss += dlt * (x[k - 1] - mean);
		if (k >= min_seg && ss + back[k] < best) {
			best = ss + back[k];
			best_k = k;
		}
	}
	cp->index = best_k;
	cp->mean_before = mean_of(x, best_k);
	cp->mean_after = mean_of(x + best_k, m - best_k);
	fl = sse0 * 1e-12;
	if (best < fl)
		best = fl;
	cp->score = sse0 > 0.0 ? (double)m * log(sse0 / best) : 0.0;
	cp->significant = false;
}

static bool all_finite(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return false;
	return true;
}

int db_changepoint_best(const double *x, size_t n, size_t min_seg,
			double penalty, double *scratch, db_changepoint *out)
{
	double *buf;

	if (!out || !x || min_seg == 0 || n / 2 < min_seg
	    || !(penalty >= 0.0) || !all_finite(x, n))
		return -1;
	buf = scratch_or_alloc(scratch, n);
	if (!buf)
		return -1;
	best_split(x, n, min_seg, buf, out);
	out->significant = out->score > penalty * log((double)n);
	if (buf != scratch)
		free(buf);
	return 0;
}

int db_changepoints(const double *x, size_t n, size_t min_seg, double penalty,
		    double *scratch, db_changepoint *out, size_t max_out,
		    size_t *n_out)
{
	double *buf, thr;
	size_t k = 0;

	if (!n_out || (n > 0 && !x) || (max_out > 0 && !out) || min_seg == 0
	    || !(penalty >= 0.0) || !all_finite(x, n))
		return -1;
	*n_out = 0;
	if (n / 2 < min_seg || max_out == 0)
		return 0;
	buf = scratch_or_alloc(scratch, n);
	if (!buf)
		return -1;
	thr = penalty * log((double)n);
	/* out[0 .. k) holds the accepted points sorted by index; segment s
	 * runs from out[s - 1].index (0 for s = 0) to out[s].index (n for
	 * s = k).  Each round re-scans every segment: O(n) per point. */
	while (k < max_out) {
		db_changepoint best = { 0, 0.0, 0.0, -1.0, false };
		size_t best_s = 0;

		for (size_t s = 0; s <= k; s++) {
			size_t a = s ? out[s - 1].index : 0;
			size_t e = s < k ? out[s].index : n;
			db_changepoint cp;

			if ((e - a) / 2 < min_seg)
				continue;
			best_split(x + a, e - a, min_seg, buf, &cp);
			if (cp.score > thr && cp.score > best.score) {
				best = cp;
				best.index += a;
				best_s = s;
			}
		}
		if (best.score < 0.0)
			break;
		best.significant = true;
		for (size_t s = k; s > best_s; s--)
			out[s] = out[s - 1];
		out[best_s] = best;
		k++;
	}
	/* means of the final segments either side of each point */
	for (size_t s = 0; s < k; s++) {
		size_t a = s ? out[s - 1].index : 0;
		size_t e = s + 1 < k ? out[s + 1].index : n;

		out[s].mean_before = mean_of(x + a, out[s].index - a);
		out[s].mean_after = mean_of(x + out[s].index, e - out[s].index);
	}
	*n_out = k;
	if (buf != scratch)
		free(buf);
	return 0;
}

/* --- exact comparison --------------------------------------------------------- */

db_delta db_change(double baseline, double candidate)
{
	db_delta d;

	d.abs = candidate - baseline;
	d.rel = (baseline == 0.0 || isnan(d.abs)) ? NAN : d.abs / fabs(baseline);
	return d;
}

double db_default_tolerance(db_metric_kind kind)
{
	switch (kind) {
	case DB_KIND_TIME: return DB_TOL_TIME_FRAC;
	case DB_KIND_ACCURACY: return DB_TOL_ACCURACY_UM;
	case DB_KIND_RATE: return DB_TOL_RATE;
	case DB_KIND_COUNT: return DB_TOL_TIME_FRAC;
	}
	return NAN;
}

double db_tolerance_floor(db_metric_kind kind)
{
	switch (kind) {
	case DB_KIND_TIME: return DB_TOL_TIME_FLOOR_MS;
	case DB_KIND_COUNT: return DB_TOL_COUNT_FLOOR;
	case DB_KIND_ACCURACY:
	case DB_KIND_RATE: return 0.0;
	}
	return NAN;
}

double db_allowed_change(db_metric_kind kind, double baseline, double tol)
{
	if (isnan(tol))
		tol = db_default_tolerance(kind);
	switch (kind) {
	case DB_KIND_TIME:
	case DB_KIND_COUNT: return fmax(tol * fabs(baseline), db_tolerance_floor(kind));
	case DB_KIND_ACCURACY:
	case DB_KIND_RATE: return tol;
	}
	return NAN;
}

bool db_exceeds_tolerance(db_metric_kind kind, double baseline,
			  double candidate, double tol)
{
	double allowed;

	if (isnan(baseline) || isnan(candidate))
		return isnan(baseline) != isnan(candidate);
	allowed = db_allowed_change(kind, baseline, tol);
	if (isnan(allowed))
		return true;
	return kind == DB_KIND_RATE ? baseline - candidate > allowed
				    : candidate - baseline > allowed;
}

bool db_beats_tolerance(db_metric_kind kind, double baseline,
			double candidate, double tol)
{
	double allowed;

	if (isnan(baseline) || isnan(candidate))
		return false;
	allowed = db_allowed_change(kind, baseline, tol);
	if (isnan(allowed))
		return false;
	return kind == DB_KIND_RATE ? candidate - baseline > allowed
				    : baseline - candidate > allowed;
}
