/*
 * test_dbjudge.c - the judgements db/stats builds on its tests (those are
 * checked in test_dbstats.c): the noisy judgement by simulation (A/A false
 * positives and power, printed) and by hand; the success-rate judgement
 * against Fisher values; the history monitors (halves, change points) on
 * synthetic series; the exact tolerances at their boundaries.  Reference
 * values marked "python" were computed once with python3 (integers and
 * fractions.Fraction) from the definitions, not from this code.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/stats.h"
#include "tests/dbstats_fix.h"

Suite *dbjudge_suite(void);  /* for the runner; defined at the end */

/* n lognormal timings with mean mean_ms and coefficient of variation cv */
static void lognormal_fill(uint64_t *s, double *v, size_t n, double mean_ms,
			   double cv)
{
	double sg = sqrt(log(1.0 + cv * cv));

	for (size_t i = 0; i < n; i++)
		v[i] = mean_ms * exp(sg * xs_normal(s) - 0.5 * sg * sg);
}

/* --- judgements --------------------------------------------------------------- */

/*
 * The noisy judgement by simulation: lognormal timings (mean 100 ms),
 * 200 trials of 30 vs 30 from a deterministic PRNG.
 *  - A/A, CV 10 %: regressed at most 2 % of trials (p alone allows ~1 %;
 *    the floor removes most of those).
 *  - candidate 20 % slower, CV 5 % (floor max(3 %, 2 x 5 %) = 10 %):
 *    regressed in >= 95 %.
 *  - candidate 20 % slower, CV 10 %: the floor is then 2 x CV ~ 20 %, the
 *    very size of the shift, so DESIGN's rule flags only about half of
 *    the trials - printed, and checked to stay a coin toss (20 .. 80 %), so
 *    a change to the floor rule shows up here.
 *  - candidate 30 % slower, CV 10 %: regressed in >= 95 %.
 *  - candidate 20 % faster, CV 5 %: improved in >= 95 %.
 */
static double judge_rate(uint64_t seed, double cv, double factor,
			 db_verdict want, double *p_only)
{
	enum { TRIALS = 200, N = 30 };
	double b[N], c[N], scratch[2 * N];
	uint64_t s = seed;
	int hits = 0, sig = 0;

	for (int t = 0; t < TRIALS; t++) {
		db_judgement j;

		lognormal_fill(&s, b, N, 100.0, cv);
		lognormal_fill(&s, c, N, 100.0 * factor, cv);
		ck_assert_int_eq(db_judge_noisy(b, N, c, N, DB_JUDGE_ALPHA, scratch, &j), 0);
		ck_assert_int_ne(j.verdict, DB_INCONCLUSIVE);
		hits += j.verdict == want;
		sig += (want == DB_IMPROVED ? j.p_faster : j.p_slower) <= DB_JUDGE_ALPHA;
	}
	if (p_only)
		*p_only = sig / (double)TRIALS;
	return hits / (double)TRIALS;
}

START_TEST(judge_noisy_false_positives_and_power)
{
	double fp_p, pw10_p;
	double fp = judge_rate(0x9e3779b97f4a7c15u, 0.10, 1.0, DB_REGRESSED, &fp_p);
	double fp_imp = judge_rate(0x2545f4914f6cdd1du, 0.10, 1.0, DB_IMPROVED, NULL);
	double pw5 = judge_rate(0x1234567887654321u, 0.05, 1.2, DB_REGRESSED, NULL);
	double pw10 = judge_rate(0xdeadbeefcafef00du, 0.10, 1.2, DB_REGRESSED, &pw10_p);
	double pw30 = judge_rate(0x0badc0ffee0ddf00u, 0.10, 1.3, DB_REGRESSED, NULL);
	double imp = judge_rate(0x5555aaaa5555aaaau, 0.05, 1.0 / 1.2, DB_IMPROVED, NULL);

	printf("dbstats: noisy judgement, 200 trials of 30 vs 30, lognormal:\n"
	       "  A/A CV 10%%: false positives %.1f%% (p <= 0.01 alone: %.1f%%), "
	       "improved %.1f%%\n"
	       "  +20%% CV 5%%: power %.1f%%\n"
	       "  +20%% CV 10%%: power %.1f%% (p <= 0.01 alone: %.1f%%; floor 2 x CV "
	       "~ the shift)\n"
	       "  +30%% CV 10%%: power %.1f%%\n"
	       "  -17%% CV 5%%: improved %.1f%%\n",
	       100 * fp, 100 * fp_p, 100 * fp_imp, 100 * pw5, 100 * pw10,
	       100 * pw10_p, 100 * pw30, 100 * imp);
	/* the p-value alone keeps its level (binomial 200 x 1 %: <= 5 is 98 %) */
	ck_assert(fp_p <= 0.03);
	ck_assert(fp <= 0.02);
	ck_assert(fp_imp <= 0.02);
	ck_assert(pw5 >= 0.95);
	ck_assert(pw10 >= 0.20 && pw10 <= 0.80);
	ck_assert(pw30 >= 0.95);
	ck_assert(imp >= 0.95);
}
END_TEST

/*
 * By hand: baseline 8 values 100..107 (median 103.5, mean 103.5, std
 * sqrt(42/7) = 2.449, cv 0.02367, floor max(0.03, 0.04733) = 0.04733);
 * candidate = baseline + 20: all above, U1 = 64, exact p_slower = 1 / C(16, 8)
 * = 1/12870; change = 20 / 103.5 = 0.19324 -> regressed.  Candidate +1 %
 * of 1000 with almost no noise: p tiny, but 1 % < the 3 % floor -> same.
 */
START_TEST(judge_noisy_by_hand)
{
	double b[8], c[9], big_b[10], big_c[10];
	db_judgement j;

	for (int i = 0; i < 8; i++) {
		b[i] = 100.0 + i;
		c[i] = 120.0 + i;
	}
	ck_assert_int_eq(db_judge_noisy(b, 8, c, 8, 0.01, NULL, &j), 0);
	ck_assert_int_eq(j.verdict, DB_REGRESSED);
	ck_assert_str_eq(db_verdict_name(j.verdict), "regressed");
	ck_assert(j.exact);
	ck_assert_double_eq(j.u1, 64.0);
	ck_assert_double_eq_tol(j.p_slower, 1.0 / 12870.0, 1e-15);
	ck_assert_double_eq(j.p_faster, 1.0);
	ck_assert_double_eq(j.median_b, 103.5);
	ck_assert_double_eq(j.median_c, 123.5);
	ck_assert_double_eq_tol(j.change, 20.0 / 103.5, TOL);
	ck_assert_double_eq_tol(j.cv_b, sqrt(6.0) / 103.5, TOL);
	ck_assert_double_eq_tol(j.floor, 2.0 * sqrt(6.0) / 103.5, TOL);
	/* the other way round: improved */
	ck_assert_int_eq(db_judge_noisy(c, 8, b, 8, 0.01, NULL, &j), 0);
	ck_assert_int_eq(j.verdict, DB_IMPROVED);
	ck_assert_double_eq_tol(j.p_faster, 1.0 / 12870.0, 1e-15);
	/* seven on one side: inconclusive, but the numbers are there */
	ck_assert_int_eq(db_judge_noisy(b, 8, c, 7, 0.01, NULL, &j), 0);
	ck_assert_int_eq(j.verdict, DB_INCONCLUSIVE);
	ck_assert_uint_eq(j.nc, 7);
	ck_assert_double_eq(j.median_c, 123.0);
	ck_assert(j.p_slower < 0.01);
	/* a NaN does not count towards the minimum */
	c[8] = NAN;
	c[7] = NAN;
	ck_assert_int_eq(db_judge_noisy(b, 8, c, 9, 0.01, NULL, &j), 0);
	ck_assert_int_eq(j.verdict, DB_INCONCLUSIVE);
	/* significant but under the 3 % floor */
	for (int i = 0; i < 10; i++) {
		big_b[i] = 1000.0 + 0.01 * i;
		big_c[i] = 1010.0 + 0.01 * i;
	}
	ck_assert_int_eq(db_judge_noisy(big_b, 10, big_c, 10, 0.01, NULL, &j), 0);
	ck_assert(j.p_slower < 1e-4);
	ck_assert_double_eq(j.floor, 0.03);
	ck_assert_int_eq(j.verdict, DB_SAME);
	/* no data at all; bad alpha */
	ck_assert_int_eq(db_judge_noisy(NULL, 0, NULL, 0, 0.01, NULL, &j), 0);
	ck_assert_int_eq(j.verdict, DB_INCONCLUSIVE);
	ck_assert(isnan(j.p_slower) && isnan(j.median_b));
	ck_assert_int_eq(db_judge_noisy(b, 8, c, 8, 0.0, NULL, &j), -1);
	ck_assert_int_eq(db_judge_noisy(b, 8, c, 8, 0.01, NULL, NULL), -1);
	ck_assert_str_eq(db_verdict_name(DB_SAME), "same");
	ck_assert_str_eq(db_verdict_name(DB_INCONCLUSIVE), "inconclusive");
	ck_assert_ptr_null(db_verdict_name((db_verdict)42));
}
END_TEST

/*
 * Success rates (python Fraction): 50/50 vs 40/50 -> [[50, 0], [40, 10]],
 * greater p = 0.0005934196725858287 -> regressed; 95/100 vs 85/100 ->
 * 0.01586001954315527 > 0.01 -> same; 40/50 vs 50/50 -> less p =
 * 0.0005934196725858287 -> improved; 20/20 vs 17/20 -> 0.11538461538461539.
 */
START_TEST(judge_rates_fisher)
{
	db_rate_judgement r;

	ck_assert_int_eq(db_judge_rates(50, 50, 40, 50, 0.01, &r), 0);
	ck_assert_int_eq(r.verdict, DB_REGRESSED);
	ck_assert(close_rel(r.p_worse, 0.0005934196725858287, 1e-10));
	ck_assert_double_eq(r.rate_b, 1.0);
	ck_assert_double_eq(r.rate_c, 0.8);
	ck_assert_int_eq(db_judge_rates(95, 100, 85, 100, 0.01, &r), 0);
	ck_assert_int_eq(r.verdict, DB_SAME);
	ck_assert(close_rel(r.p_worse, 0.01586001954315527, 1e-10));
	ck_assert(close_rel(r.p_better, 0.9959603631907512, 1e-10));
	ck_assert_int_eq(db_judge_rates(40, 50, 50, 50, 0.01, &r), 0);
	ck_assert_int_eq(r.verdict, DB_IMPROVED);
	ck_assert(close_rel(r.p_better, 0.0005934196725858287, 1e-10));
	ck_assert_int_eq(db_judge_rates(20, 20, 17, 20, 0.01, &r), 0);
	ck_assert_int_eq(r.verdict, DB_SAME);
	ck_assert(close_rel(r.p_worse, 0.11538461538461539, 1e-10));
	ck_assert_int_eq(db_judge_rates(0, 0, 17, 20, 0.01, &r), 0);
	ck_assert_int_eq(r.verdict, DB_INCONCLUSIVE);
	ck_assert(isnan(r.rate_b));
	ck_assert_int_eq(db_judge_rates(21, 20, 17, 20, 0.01, &r), -1);
	ck_assert_int_eq(db_judge_rates(20, 20, 17, 20, 1.0, &r), -1);
}
END_TEST

/* --- history ------------------------------------------------------------------ */

START_TEST(monitor_halves_by_hand)
{
	static const double up[8] = { 10, 10, 10, 10, 13, 13, 13, 13 };
	static const double edge[4] = { 10, 10, 12, 12 };
	static const double odd[5] = { 10, 10, 100, 11, 11 };
	static const double withnan[7] = { 10, NAN, 12, NAN, 20, 20, NAN };
	static const double down[6] = { 20, 20, 20, 10, 10, 10 };
	db_halves h;

	/* 13 / 10 - 1 = 0.3 > 0.2 */
	ck_assert_int_eq(db_monitor_halves(up, 8, DB_HALVES_THRESHOLD, &h), 0);
	ck_assert_int_eq(h.verdict, DB_REGRESSED);
	ck_assert_uint_eq(h.n_half, 4);
	ck_assert_double_eq(h.mean_old, 10.0);
	ck_assert_double_eq(h.mean_new, 13.0);
	ck_assert_double_eq_tol(h.change, 0.3, TOL);
	/* exactly 20 % (12 / 10 - 1 rounds just below 0.2): not "more than" */
	ck_assert_int_eq(db_monitor_halves(edge, 4, 0.20, &h), 0);
	ck_assert_int_eq(h.verdict, DB_SAME);
	/* odd: the middle run (100) is in neither half; 11 / 10 - 1 = 0.1 */
	ck_assert_int_eq(db_monitor_halves(odd, 5, 0.20, &h), 0);
	ck_assert_uint_eq(h.n_half, 2);
	ck_assert_double_eq_tol(h.change, 0.1, TOL);
	ck_assert_int_eq(h.verdict, DB_SAME);
	ck_assert_int_eq(db_monitor_halves(odd, 5, 0.05, &h), 0);
	ck_assert_int_eq(h.verdict, DB_REGRESSED);
	/* NaNs dropped first: {10, 12 | 20, 20}: 20 / 11 - 1 */
	ck_assert_int_eq(db_monitor_halves(withnan, 7, 0.20, &h), 0);
	ck_assert_uint_eq(h.n, 4);
	ck_assert_double_eq_tol(h.change, 20.0 / 11.0 - 1.0, TOL);
	ck_assert_int_eq(h.verdict, DB_REGRESSED);
	/* 10 / 20 - 1 = -0.5 */
	ck_assert_int_eq(db_monitor_halves(down, 6, 0.20, &h), 0);
	ck_assert_int_eq(h.verdict, DB_IMPROVED);
	/* three runs: inconclusive */
	ck_assert_int_eq(db_monitor_halves(up + 5, 3, 0.20, &h), 0);
	ck_assert_int_eq(h.verdict, DB_INCONCLUSIVE);
	ck_assert_int_eq(db_monitor_halves(withnan, 5, 0.20, &h), 0);
	ck_assert_int_eq(h.verdict, DB_INCONCLUSIVE);
	ck_assert_int_eq(db_monitor_halves(NULL, 0, 0.20, &h), 0);
	ck_assert_int_eq(h.verdict, DB_INCONCLUSIVE);
	ck_assert_int_eq(db_monitor_halves(up, 8, -0.1, &h), -1);
	ck_assert_int_eq(db_monitor_halves(up, 8, 0.2, NULL), -1);
}
END_TEST

/*
 * Change points.  Noiseless step 100 -> 110 at 30 of 60: found exactly,
 * means exact.  Noisy steps (sd 2 ms, step 10 ms) at 30 of 60 in 200
 * series: found within +/-2 and significant in every one.  Flat noise, 200
 * series of 60: false alarms (significant at DB_CP_PENALTY) printed,
 * at most 3 %.  A +10 % drift in the history of the "monitor": the halves
 * monitor misses it (< 20 %), the change point finds it.
 */
START_TEST(changepoint_single)
{
	enum { N = 60, TRIALS = 200 };
	double x[N], scratch[N];
	uint64_t s = 42;
	int found = 0, false_alarms = 0;
	db_changepoint cp;

	for (int i = 0; i < N; i++)
		x[i] = i < 30 ? 100.0 : 110.0;
	ck_assert_int_eq(db_changepoint_best(x, N, DB_CP_MIN_SEG, DB_CP_PENALTY,
					     scratch, &cp), 0);
	ck_assert_uint_eq(cp.index, 30);
	ck_assert_double_eq(cp.mean_before, 100.0);
	ck_assert_double_eq(cp.mean_after, 110.0);
	ck_assert(cp.significant);
	ck_assert_double_eq_tol(cp.score, 60.0 * log(1e12), 1e-6);

	for (int t = 0; t < TRIALS; t++) {
		for (int i = 0; i < N; i++)
			x[i] = (i < 30 ? 100.0 : 110.0) + 2.0 * xs_normal(&s);
		ck_assert_int_eq(db_changepoint_best(x, N, DB_CP_MIN_SEG,
						     DB_CP_PENALTY, NULL, &cp), 0);
		found += cp.significant && cp.index >= 28 && cp.index <= 32;
		for (int i = 0; i < N; i++)
			x[i] = 100.0 + 2.0 * xs_normal(&s);
		ck_assert_int_eq(db_changepoint_best(x, N, DB_CP_MIN_SEG,
						     DB_CP_PENALTY, NULL, &cp), 0);
		false_alarms += cp.significant;
		ck_assert(cp.index >= DB_CP_MIN_SEG && cp.index <= N - DB_CP_MIN_SEG);
	}
	printf("dbstats: change point, 200 series of 60: step found within +/-2 "
	       "%d/200, flat noise false alarms %d/200\n", found, false_alarms);
	ck_assert_int_eq(found, TRIALS);
	ck_assert_int_le(false_alarms, TRIALS * 3 / 100);

	/* a 10 % step in a history of 40 runs, CV 2 %: halves +5 %, quiet */
	{
		db_halves h;

		for (int i = 0; i < 40; i++)
			x[i] = (i < 30 ? 100.0 : 110.0) * (1.0 + 0.02 * xs_normal(&s));
		ck_assert_int_eq(db_monitor_halves(x, 40, DB_HALVES_THRESHOLD, &h), 0);
		ck_assert_int_eq(h.verdict, DB_SAME);
		ck_assert_int_eq(db_changepoint_best(x, 40, DB_CP_MIN_SEG,
						     DB_CP_PENALTY, NULL, &cp), 0);
		ck_assert(cp.significant);
		ck_assert(cp.index >= 28 && cp.index <= 32);
		ck_assert(cp.mean_after > cp.mean_before * 1.05);
	}

	/* constant: score 0; bad input */
	for (int i = 0; i < N; i++)
		x[i] = 5.0;
	ck_assert_int_eq(db_changepoint_best(x, N, 5, 3.0, NULL, &cp), 0);
	ck_assert_double_eq(cp.score, 0.0);
	ck_assert(!cp.significant);
	ck_assert_uint_eq(cp.index, 5);
	ck_assert_int_eq(db_changepoint_best(x, 9, 5, 3.0, NULL, &cp), -1);
	ck_assert_int_eq(db_changepoint_best(x, 10, 5, 3.0, NULL, &cp), 0);
	ck_assert_uint_eq(cp.index, 5);
	ck_assert_int_eq(db_changepoint_best(x, N, 0, 3.0, NULL, &cp), -1);
	ck_assert_int_eq(db_changepoint_best(x, N, 5, NAN, NULL, &cp), -1);
	x[3] = NAN;
	ck_assert_int_eq(db_changepoint_best(x, N, 5, 3.0, NULL, &cp), -1);
}
END_TEST

/*
 * Binary segmentation: 90 runs at 100, 120, 105 ms (sd 1.5) with changes
 * at 30 and 60: both found within +/-2, the means near the levels, the
 * output sorted; max_out 1 keeps the stronger (30: +20); flat noise: none.
 */
START_TEST(changepoint_binary_segmentation)
{
	enum { N = 90 };
	double x[N];
	uint64_t s = 99;
	db_changepoint cp[8];
	size_t k;

	for (int i = 0; i < N; i++)
		x[i] = (i < 30 ? 100.0 : i < 60 ? 120.0 : 105.0) + 1.5 * xs_normal(&s);
	ck_assert_int_eq(db_changepoints(x, N, DB_CP_MIN_SEG, DB_CP_PENALTY, NULL,
					 cp, 8, &k), 0);
	ck_assert_uint_eq(k, 2);
	ck_assert(cp[0].index >= 28 && cp[0].index <= 32);
	ck_assert(cp[1].index >= 58 && cp[1].index <= 62);
	ck_assert(fabs(cp[0].mean_before - 100.0) < 1.5);
	ck_assert(fabs(cp[0].mean_after - 120.0) < 1.5);
	ck_assert(fabs(cp[1].mean_before - 120.0) < 1.5);
	ck_assert(fabs(cp[1].mean_after - 105.0) < 1.5);
	ck_assert(cp[0].significant && cp[1].significant);
	/* the first split is made over the whole series; the same as best */
	{
		db_changepoint one, best;

		ck_assert_int_eq(db_changepoints(x, N, DB_CP_MIN_SEG, DB_CP_PENALTY,
						 NULL, &one, 1, &k), 0);
		ck_assert_uint_eq(k, 1);
		ck_assert_int_eq(db_changepoint_best(x, N, DB_CP_MIN_SEG,
						     DB_CP_PENALTY, NULL, &best), 0);
		ck_assert_uint_eq(one.index, best.index);
		ck_assert_double_eq(one.score, best.score);
		ck_assert(one.index >= 28 && one.index <= 32);
	}
	/* deterministic: again, same bits */
	{
		db_changepoint again[8];
		size_t k2;

		ck_assert_int_eq(db_changepoints(x, N, DB_CP_MIN_SEG, DB_CP_PENALTY,
						 NULL, again, 8, &k2), 0);
		ck_assert_uint_eq(k2, 2);
		for (size_t i = 0; i < 2; i++) {
			ck_assert_uint_eq(again[i].index, cp[i].index);
			ck_assert_double_eq(again[i].score, cp[i].score);
			ck_assert_double_eq(again[i].mean_before, cp[i].mean_before);
			ck_assert_double_eq(again[i].mean_after, cp[i].mean_after);
		}
	}
	for (int i = 0; i < N; i++)
		x[i] = 100.0 + 1.5 * xs_normal(&s);
	ck_assert_int_eq(db_changepoints(x, N, DB_CP_MIN_SEG, DB_CP_PENALTY, NULL,
					 cp, 8, &k), 0);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(db_changepoints(x, 9, DB_CP_MIN_SEG, DB_CP_PENALTY, NULL,
					 cp, 8, &k), 0);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(db_changepoints(x, N, DB_CP_MIN_SEG, DB_CP_PENALTY, NULL,
					 NULL, 8, &k), -1);
	ck_assert_int_eq(db_changepoints(x, N, DB_CP_MIN_SEG, DB_CP_PENALTY, NULL,
					 cp, 8, NULL), -1);
}
END_TEST

/* --- exact comparison ----------------------------------------------------------- */

START_TEST(exact_change_and_tolerance)
{
	db_delta d = db_change(200.0, 210.0);

	ck_assert_double_eq(d.abs, 10.0);
	ck_assert_double_eq(d.rel, 0.05);
	d = db_change(-4.0, -2.0);
	ck_assert_double_eq(d.rel, 0.5);
	d = db_change(0.0, 1.0);
	ck_assert_double_eq(d.abs, 1.0);
	ck_assert(isnan(d.rel));
	ck_assert(isnan(db_change(NAN, 1.0).abs));

	ck_assert_double_eq(db_default_tolerance(DB_KIND_TIME), 0.05);
	ck_assert_double_eq(db_default_tolerance(DB_KIND_ACCURACY), 0.05);
	ck_assert_double_eq(db_default_tolerance(DB_KIND_RATE), 0.0);
	ck_assert(isnan(db_default_tolerance((db_metric_kind)5)));

	/* time: +5 % of 100 ms is 105.0; exactly 5 % does not exceed */
	ck_assert(!db_exceeds_tolerance(DB_KIND_TIME, 100.0, 105.0, NAN));
	ck_assert(db_exceeds_tolerance(DB_KIND_TIME, 100.0, 105.01, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_TIME, 100.0, 50.0, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_TIME, 100.0, 109.0, 0.10));
	/* a relative tolerance has an absolute floor: 1 ms for times, 0.5 for
	 * counts; +0.28 ms on a 0 ms phase is no regression */
	ck_assert(!db_exceeds_tolerance(DB_KIND_TIME, 0.0, 0.28, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_TIME, 0.0, 1.0, NAN));
	ck_assert(db_exceeds_tolerance(DB_KIND_TIME, 0.0, 1.001, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_TIME, 10.0, 10.9, NAN));   /* 9 % but < 1 ms */
	ck_assert(db_exceeds_tolerance(DB_KIND_TIME, 10.0, 11.1, NAN));
	ck_assert_double_eq(db_allowed_change(DB_KIND_TIME, 0.0, NAN), 1.0);
	ck_assert_double_eq(db_allowed_change(DB_KIND_TIME, 100.0, NAN), 5.0);
	ck_assert(!db_exceeds_tolerance(DB_KIND_COUNT, 3.0, 3.5, NAN));
	ck_assert(db_exceeds_tolerance(DB_KIND_COUNT, 3.0, 3.51, NAN));
	ck_assert(db_exceeds_tolerance(DB_KIND_COUNT, 20.0, 21.01, NAN));   /* 5 % of 20 = 1 */
	ck_assert(!db_beats_tolerance(DB_KIND_TIME, 0.28, 0.0, NAN));
	ck_assert(db_beats_tolerance(DB_KIND_TIME, 100.0, 94.0, NAN));
	ck_assert(db_beats_tolerance(DB_KIND_RATE, 0.9, 0.95, NAN));
	ck_assert(!db_beats_tolerance(DB_KIND_ACCURACY, NAN, 0.1, NAN));
	/* accuracy: +0.05 um absolute */
	ck_assert(!db_exceeds_tolerance(DB_KIND_ACCURACY, 0.10, 0.14, NAN));
	ck_assert(db_exceeds_tolerance(DB_KIND_ACCURACY, 0.10, 0.16, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_ACCURACY, 0.10, 0.0, NAN));
	/* rate: any drop */
	ck_assert(!db_exceeds_tolerance(DB_KIND_RATE, 1.0, 1.0, NAN));
	ck_assert(db_exceeds_tolerance(DB_KIND_RATE, 1.0, 0.999, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_RATE, 0.9, 0.95, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_RATE, 1.0, 0.98, 0.05));
	/* one side missing exceeds; both missing does not */
	ck_assert(db_exceeds_tolerance(DB_KIND_ACCURACY, 0.1, NAN, NAN));
	ck_assert(db_exceeds_tolerance(DB_KIND_ACCURACY, NAN, 0.1, NAN));
	ck_assert(!db_exceeds_tolerance(DB_KIND_ACCURACY, NAN, NAN, NAN));
	ck_assert(db_exceeds_tolerance((db_metric_kind)5, 1.0, 1.0, 0.1));
}
END_TEST

Suite *dbjudge_suite(void)
{
	Suite *s = suite_create("dbjudge");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, judge_noisy_false_positives_and_power);
	tcase_add_test(tc, judge_noisy_by_hand);
	tcase_add_test(tc, judge_rates_fisher);
	tcase_add_test(tc, monitor_halves_by_hand);
	tcase_add_test(tc, changepoint_single);
	tcase_add_test(tc, changepoint_binary_segmentation);
	tcase_add_test(tc, exact_change_and_tolerance);
	suite_add_tcase(s, tc);
	return s;
}
