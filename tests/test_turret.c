/*
 * test_turret.c - switch timing of the slider and the turret profile, the
 * same-lens shortcut, the three failure modes (and that each is consumed by
 * one switch), rng alignment and determinism.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/mdl.h"
#include "models/turret.h"
#include "kernel/rng.h"

#define NS_PER_MS INT64_C(1000000)

Suite *turret_suite(void);

static double ns_to_ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* n alternating switches: the range and mean of their durations, ms. */
static void switch_stats(const mdl_turret_config *c, int n, double *min_ms, double *max_ms,
			 double *mean_ms)
{
	mdl_turret tu;
	sim_rng rng;
	double sum = 0.0;

	mdl_turret_init(&tu, c, MDL_LENS_A);
	sim_rng_stream(&rng, 99, SIM_STREAM_TURRET);
	*min_ms = INFINITY;
	*max_ms = -INFINITY;
	for (int i = 0; i < n; i++) {
		int64_t d_ns = -1;
		int to = 1 - tu.seated;
		double d_ms;

		ck_assert_int_eq(mdl_turret_switch(&tu, to, &rng, &d_ns), MDL_OK);
		ck_assert_int_eq(tu.seated, to);
		d_ms = ns_to_ms(d_ns);
		*min_ms = fmin(*min_ms, d_ms);
		*max_ms = fmax(*max_ms, d_ms);
		sum += d_ms;
	}
	*mean_ms = sum / n;
}

START_TEST(test_config_defaults_and_check)
{
	mdl_turret_config c;

	mdl_turret_config_default(&c);
	ck_assert_double_eq(c.switch_ms, 35.0);
	ck_assert_double_eq(c.switch_jitter_ms, 5.0);
	ck_assert_double_eq(c.settle_ms, 8.0);
	ck_assert_double_eq(c.bus_latency_ms, 2.0);
	ck_assert_double_eq(c.jam_timeout_ms, 500.0);
	ck_assert_int_eq(mdl_turret_config_check(&c), MDL_OK);
	ck_assert_int_eq(c.kind, MDL_TURRET_SLIDER);
	mdl_turret_config_turret(&c);
	ck_assert_int_eq(c.kind, MDL_TURRET_NOSEPIECE);
	ck_assert_double_eq(c.switch_ms, 400.0);
	ck_assert_double_eq(c.switch_jitter_ms, 40.0);
	ck_assert_double_eq(c.settle_ms, 60.0);
	ck_assert(c.jam_timeout_ms > c.switch_ms + c.switch_jitter_ms + c.settle_ms);
	ck_assert_int_eq(mdl_turret_config_check(&c), MDL_OK);
	c.switch_jitter_ms = 900.0;
	ck_assert_int_eq(mdl_turret_config_check(&c), MDL_EINVAL);
	mdl_turret_config_default(&c);
	c.settle_ms = -1.0;
	ck_assert_int_eq(mdl_turret_config_check(&c), MDL_EINVAL);
	mdl_turret_config_default(&c);
	c.bus_latency_ms = NAN;
	ck_assert_int_eq(mdl_turret_config_check(&c), MDL_EINVAL);
	mdl_turret_config_default(&c);
	c.kind = (mdl_turret_kind)2;
	ck_assert_int_eq(mdl_turret_config_check(&c), MDL_EINVAL);
}
END_TEST

/* 35 +/- 5 ms uniform + 8 ms settle: within [38, 48], mean 43 (the mean of
 * 10000 draws has a standard error of 0.029 ms). */
START_TEST(test_slider_timing)
{
	mdl_turret_config c;
	double lo, hi, mean;

	mdl_turret_config_default(&c);
	switch_stats(&c, 10000, &lo, &hi, &mean);
	ck_assert_msg(lo >= 38.0 && hi <= 48.0, "range [%.4f, %.4f] ms", lo, hi);
	ck_assert_msg(lo < 38.1 && hi > 47.9, "jitter does not span: [%.4f, %.4f]", lo, hi);
	ck_assert_msg(fabs(mean - 43.0) < 0.15, "mean %.4f ms", mean);
}
END_TEST

/* 400 +/- 40 ms uniform + 60 ms settle: within [420, 500], mean 460 (the
 * mean of 10000 draws has a standard error of 0.23 ms). */
START_TEST(test_turret_profile_timing)
{
	mdl_turret_config c;
	double lo, hi, mean;

	mdl_turret_config_turret(&c);
	switch_stats(&c, 10000, &lo, &hi, &mean);
	ck_assert_msg(lo >= 420.0 && hi <= 500.0, "range [%.4f, %.4f] ms", lo, hi);
	ck_assert_msg(lo < 421.0 && hi > 499.0, "jitter does not span: [%.4f, %.4f]", lo, hi);
	ck_assert_msg(fabs(mean - 460.0) < 1.0, "mean %.4f ms", mean);
}
END_TEST

START_TEST(test_same_lens_costs_bus_latency)
{
	mdl_turret_config c;
	mdl_turret tu;
	sim_rng rng;
	int64_t d_ns = -1;

	mdl_turret_config_default(&c);
	mdl_turret_init(&tu, &c, MDL_LENS_B);
	sim_rng_seed(&rng, 5);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_B);
	ck_assert_int_eq(d_ns, 2 * NS_PER_MS);
	c.bus_latency_ms = 0.75;
	mdl_turret_init(&tu, &c, MDL_LENS_A);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_A, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(d_ns, 750000);
}
END_TEST

START_TEST(test_bad_lens)
{
	mdl_turret_config c;
	mdl_turret tu;
	sim_rng rng, before;
	int64_t d_ns = -1;

	mdl_turret_config_default(&c);
	mdl_turret_init(&tu, &c, MDL_LENS_A);
	sim_rng_seed(&rng, 5);
	before = rng;
	ck_assert_int_eq(mdl_turret_switch(&tu, 2, &rng, &d_ns), MDL_EINVAL);
	ck_assert_int_eq(mdl_turret_switch(&tu, -1, &rng, &d_ns), MDL_EINVAL);
	ck_assert_int_eq(d_ns, 0);
	ck_assert_int_eq(tu.seated, MDL_LENS_A);
	ck_assert(memcmp(&rng, &before, sizeof rng) == 0);
	/* init with a bad lens seats A */
	mdl_turret_init(&tu, &c, 7);
	ck_assert_int_eq(tu.seated, MDL_LENS_A);
}
END_TEST

START_TEST(test_jam)
{
	mdl_turret_config c;
	mdl_turret tu;
	sim_rng rng;
	int64_t d_ns = -1;

	mdl_turret_config_default(&c);
	mdl_turret_init(&tu, &c, MDL_LENS_A);
	sim_rng_seed(&rng, 11);
	mdl_turret_arm_jam(&tu);
	/* A request for the seated lens does not move and leaves it armed. */
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_A, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(d_ns, 2 * NS_PER_MS);
	ck_assert(tu.jam_pending);

	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_EJAM);
	ck_assert_int_eq(d_ns, 500 * NS_PER_MS);
	ck_assert_int_eq(tu.seated, MDL_LENS_A);
	ck_assert(!tu.jam_pending);
	/* Consumed: the retry works. */
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_B);
	ck_assert(d_ns >= 38 * NS_PER_MS && d_ns <= 48 * NS_PER_MS);
}
END_TEST

START_TEST(test_wrong_position)
{
	mdl_turret_config c;
	mdl_turret tu;
	sim_rng rng;
	int64_t d_ns = -1;

	mdl_turret_config_default(&c);
	mdl_turret_init(&tu, &c, MDL_LENS_A);
	sim_rng_seed(&rng, 12);
	mdl_turret_arm_wrong_position(&tu);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_A);   /* not the lens asked for */
	ck_assert(d_ns >= 38 * NS_PER_MS && d_ns <= 48 * NS_PER_MS);
	ck_assert(!tu.wrong_pending);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_B);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_A, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_A);
}
END_TEST

/* A slow switch takes exactly factor times what the same draw would have
 * taken: compare with a twin on the same seed. */
START_TEST(test_slow)
{
	mdl_turret_config c;
	mdl_turret tu, twin;
	sim_rng rng, rng_twin;
	int64_t d_ns = -1, d_twin_ns = -1;

	mdl_turret_config_default(&c);
	mdl_turret_init(&tu, &c, MDL_LENS_A);
	mdl_turret_init(&twin, &c, MDL_LENS_A);
	sim_rng_seed(&rng, 13);
	sim_rng_seed(&rng_twin, 13);
	mdl_turret_arm_slow(&tu, 3.0);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(mdl_turret_switch(&twin, MDL_LENS_B, &rng_twin, &d_twin_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_B);
	ck_assert(d_ns >= 114 * NS_PER_MS && d_ns <= 144 * NS_PER_MS);
	ck_assert(d_ns - 3 * d_twin_ns >= -2 && d_ns - 3 * d_twin_ns <= 2);
	/* Consumed: the next switch is normal again, and equal to the twin's. */
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_A, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(mdl_turret_switch(&twin, MDL_LENS_A, &rng_twin, &d_twin_ns), MDL_OK);
	ck_assert_int_eq(d_ns, d_twin_ns);
	/* Bad factors disarm. */
	mdl_turret_arm_slow(&tu, -2.0);
	ck_assert_double_eq(tu.slow_factor_pending, 0.0);
	mdl_turret_arm_slow(&tu, NAN);
	ck_assert_double_eq(tu.slow_factor_pending, 0.0);
}
END_TEST

START_TEST(test_faults_combine_and_are_consumed_together)
{
	mdl_turret_config c;
	mdl_turret tu;
	sim_rng rng;
	int64_t d_ns = -1;

	mdl_turret_config_default(&c);
	mdl_turret_init(&tu, &c, MDL_LENS_A);
	sim_rng_seed(&rng, 14);
	/* wrong + slow: a slow switch that ends on the wrong lens */
	mdl_turret_arm_wrong_position(&tu);
	mdl_turret_arm_slow(&tu, 2.0);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_A);
	ck_assert(d_ns >= 76 * NS_PER_MS && d_ns <= 96 * NS_PER_MS);
	/* jam dominates and drops the others with it */
	mdl_turret_arm_jam(&tu);
	mdl_turret_arm_wrong_position(&tu);
	mdl_turret_arm_slow(&tu, 2.0);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_EJAM);
	ck_assert_int_eq(d_ns, 500 * NS_PER_MS);
	ck_assert(!tu.jam_pending && !tu.wrong_pending && tu.slow_factor_pending == 0.0);
	ck_assert_int_eq(mdl_turret_switch(&tu, MDL_LENS_B, &rng, &d_ns), MDL_OK);
	ck_assert_int_eq(tu.seated, MDL_LENS_B);
	ck_assert(d_ns >= 38 * NS_PER_MS && d_ns <= 48 * NS_PER_MS);
}
END_TEST

/* One draw per call, whatever happens: a run with faults and same-lens
 * requests leaves the rng exactly where a plain run does. */
START_TEST(test_rng_alignment)
{
	mdl_turret_config c;
	mdl_turret tu, plain;
	sim_rng rng, rng_plain;
	int64_t d_ns;

	mdl_turret_config_default(&c);
	mdl_turret_init(&tu, &c, MDL_LENS_A);
	mdl_turret_init(&plain, &c, MDL_LENS_A);
	sim_rng_stream(&rng, 77, SIM_STREAM_TURRET);
	sim_rng_stream(&rng_plain, 77, SIM_STREAM_TURRET);
	mdl_turret_arm_jam(&tu);
	for (int i = 0; i < 6; i++) {
		if (i == 2)
			mdl_turret_arm_wrong_position(&tu);
		if (i == 4)
			mdl_turret_arm_slow(&tu, 5.0);
		(void)mdl_turret_switch(&tu, i % 3 == 0 ? tu.seated : 1 - tu.seated, &rng, &d_ns);
		(void)mdl_turret_switch(&plain, 1 - plain.seated, &rng_plain, &d_ns);
	}
	ck_assert(memcmp(&rng, &rng_plain, sizeof rng) == 0);
	ck_assert_uint_eq(sim_rng_next(&rng), sim_rng_next(&rng_plain));
}
END_TEST

START_TEST(test_determinism)
{
	mdl_turret_config c;
	mdl_turret a, b, d;
	sim_rng ra, rb, rd;
	int differ = 0;

	mdl_turret_config_default(&c);
	mdl_turret_init(&a, &c, MDL_LENS_A);
	mdl_turret_init(&b, &c, MDL_LENS_A);
	mdl_turret_init(&d, &c, MDL_LENS_A);
	sim_rng_stream(&ra, 2024, SIM_STREAM_TURRET);
	sim_rng_stream(&rb, 2024, SIM_STREAM_TURRET);
	sim_rng_stream(&rd, 2025, SIM_STREAM_TURRET);
	for (int i = 0; i < 200; i++) {
		int64_t da, db, dd;

		ck_assert_int_eq(mdl_turret_switch(&a, 1 - a.seated, &ra, &da), MDL_OK);
		ck_assert_int_eq(mdl_turret_switch(&b, 1 - b.seated, &rb, &db), MDL_OK);
		ck_assert_int_eq(mdl_turret_switch(&d, 1 - d.seated, &rd, &dd), MDL_OK);
		ck_assert_int_eq(da, db);
		differ += da != dd;
	}
	ck_assert(memcmp(&a, &b, sizeof a) == 0);
	ck_assert_msg(differ > 190, "another seed changed only %d of 200 durations", differ);
}
END_TEST

Suite *turret_suite(void)
{
	Suite *s = suite_create("turret");
	TCase *tc = tcase_create("timing");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_config_defaults_and_check);
	tcase_add_test(tc, test_slider_timing);
	tcase_add_test(tc, test_turret_profile_timing);
	tcase_add_test(tc, test_same_lens_costs_bus_latency);
	tcase_add_test(tc, test_bad_lens);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_jam);
	tcase_add_test(tc, test_wrong_position);
	tcase_add_test(tc, test_slow);
	tcase_add_test(tc, test_faults_combine_and_are_consumed_together);
	tcase_add_test(tc, test_rng_alignment);
	tcase_add_test(tc, test_determinism);
	suite_add_tcase(s, tc);
	return s;
}
