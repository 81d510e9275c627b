/*
 * test_rng.c - the generator against the published reference vectors, and
 * the independence of streams.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>

#include "kernel/rng.h"

/* splitmix64 seeded with 1234567: the reference outputs. */
START_TEST(splitmix64_reference_vector)
{
	static const uint64_t want[] = { UINT64_C(6457827717110365317), UINT64_C(3203168211198807973),
					 UINT64_C(9817491932198370423), UINT64_C(4593380528125082431),
					 UINT64_C(16408922859458223821) };
	uint64_t st = 1234567;

	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(sim_splitmix64(&st), want[i]);
}
END_TEST

/* xoshiro256** from the state {1, 2, 3, 4}: the reference outputs. */
START_TEST(xoshiro256ss_reference_vector)
{
	static const uint64_t want[] = { UINT64_C(11520), UINT64_C(0), UINT64_C(1509978240),
					 UINT64_C(1215971899390074240), UINT64_C(1216172134540287360),
					 UINT64_C(607988272756665600), UINT64_C(16172922978634559625),
					 UINT64_C(8476171486693032832), UINT64_C(10595114339597558777),
					 UINT64_C(2904607092377533576) };
	sim_rng r = { { 1, 2, 3, 4 } };

	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(sim_rng_next(&r), want[i]);
}
END_TEST

/* The jump of the xoshiro256 family from {0, 0, 0, 1}: the reference state. */
START_TEST(jump_reference_state)
{
	sim_rng r = { { 0, 0, 0, 1 } };

	sim_rng_jump(&r);
	ck_assert_uint_eq(r.s[0], UINT64_C(0x934D05E8B2076310));
	ck_assert_uint_eq(r.s[1], UINT64_C(0xEABDD0BF76A1BE51));
	ck_assert_uint_eq(r.s[2], UINT64_C(0x75DD6A992ACCB1E8));
	ck_assert_uint_eq(r.s[3], UINT64_C(0xC660C602A7330187));
}
END_TEST

START_TEST(seed_goes_through_splitmix64)
{
	sim_rng r;
	uint64_t st = 42;

	sim_rng_seed(&r, 42);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(r.s[i], sim_splitmix64(&st));
}
END_TEST

/* Stream k is the seeded generator jumped k times; streams of one seed do
 * not share outputs in their first 4096 draws, and their uniforms are
 * uncorrelated. */
START_TEST(streams_are_independent)
{
	enum { N = 4096 };
	static uint64_t a[N], b[N];
	sim_rng ra, rb, rj;
	double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;

	sim_rng_stream(&ra, 7, SIM_STREAM_STAGE);
	sim_rng_stream(&rb, 7, SIM_STREAM_CAMERA);
	sim_rng_seed(&rj, 7);
	sim_rng_jump(&rj);
	for (int i = 0; i < N; i++) {
		a[i] = sim_rng_next(&ra);
		b[i] = sim_rng_next(&rb);
		ck_assert_uint_eq(sim_rng_next(&rj), a[i]);
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j += 97)
			ck_assert_uint_ne(a[i], b[j]);
	for (int i = 0; i < N; i++) {
		double x = (double)(a[i] >> 11) * 0x1.0p-53 - 0.5;
		double y = (double)(b[i] >> 11) * 0x1.0p-53 - 0.5;

		sa += x;
		sb += y;
		sab += x * y;
		saa += x * x;
		sbb += y * y;
	}
	{
		double cov = sab / N - (sa / N) * (sb / N);
		double corr = cov / sqrt((saa / N - (sa / N) * (sa / N)) * (sbb / N - (sb / N) * (sb / N)));

		/* 4 sigma of the sample correlation of independent draws. */
		ck_assert_double_lt(fabs(corr), 4.0 / sqrt((double)N));
	}
}
END_TEST

/* A new stream leaves the others' draws alone: stream 3 of seed 9 is the
 * same whether or not streams 1 and 2 were drawn from first. */
START_TEST(adding_a_stream_does_not_perturb_others)
{
	sim_rng x, y, z;
	uint64_t first;

	sim_rng_stream(&x, 9, 3);
	first = sim_rng_next(&x);
	sim_rng_stream(&y, 9, 1);
	for (int i = 0; i < 1000; i++)
		(void)sim_rng_next(&y);
	sim_rng_stream(&z, 9, 3);
	ck_assert_uint_eq(sim_rng_next(&z), first);
	sim_rng_stream(&z, 10, 3);
	ck_assert_uint_ne(sim_rng_next(&z), first);
}
END_TEST

START_TEST(uniform_and_normal_moments)
{
	enum { N = 200000 };
	sim_rng r;
	double su = 0, suu = 0, sn = 0, snn = 0, umin = 1, umax = 0;

	sim_rng_seed(&r, 123);
	for (int i = 0; i < N; i++) {
		double u = sim_rng_uniform(&r), n = sim_rng_normal(&r);

		su += u;
		suu += u * u;
		sn += n;
		snn += n * n;
		umin = u < umin ? u : umin;
		umax = u > umax ? u : umax;
	}
	ck_assert_double_ge(umin, 0.0);
	ck_assert_double_lt(umax, 1.0);
	ck_assert_double_eq_tol(su / N, 0.5, 0.003);
	ck_assert_double_eq_tol(suu / N - (su / N) * (su / N), 1.0 / 12.0, 0.001);
	ck_assert_double_eq_tol(sn / N, 0.0, 0.01);
	ck_assert_double_eq_tol(snn / N - (sn / N) * (sn / N), 1.0, 0.01);
}
END_TEST

START_TEST(poisson_mean_and_variance)
{
	static const double lambdas[] = { 0.5, 4.0, 37.0, 800.0, 5000.0 };
	sim_rng r;

	sim_rng_seed(&r, 5);
	for (size_t k = 0; k < sizeof lambdas / sizeof lambdas[0]; k++) {
		enum { N = 40000 };
		double s = 0, ss = 0, l = lambdas[k];

		for (int i = 0; i < N; i++) {
			double x = (double)sim_rng_poisson(&r, l);

			s += x;
			ss += x * x;
		}
		s /= N;
		ss = ss / N - s * s;
		/* mean within 5 standard errors, variance within 4 % */
		ck_assert_double_eq_tol(s, l, 5.0 * sqrt(l / N));
		ck_assert_double_eq_tol(ss / l, 1.0, 0.04);
	}
	ck_assert_uint_eq(sim_rng_poisson(&r, 0.0), 0);
	ck_assert_uint_eq(sim_rng_poisson(&r, -3.0), 0);
}
END_TEST

START_TEST(below_is_in_range_and_covers_it)
{
	sim_rng r;
	int seen[7] = { 0 };

	sim_rng_seed(&r, 77);
	for (int i = 0; i < 7000; i++) {
		uint64_t v = sim_rng_below(&r, 7);

		ck_assert_uint_lt(v, 7);
		seen[v]++;
	}
	for (int i = 0; i < 7; i++)
		ck_assert_int_gt(seen[i], 850);
}
END_TEST

Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, splitmix64_reference_vector);
	tcase_add_test(tc, xoshiro256ss_reference_vector);
	tcase_add_test(tc, jump_reference_state);
	tcase_add_test(tc, seed_goes_through_splitmix64);
	tcase_add_test(tc, streams_are_independent);
	tcase_add_test(tc, adding_a_stream_does_not_perturb_others);
	tcase_add_test(tc, uniform_and_normal_moments);
	tcase_add_test(tc, poisson_mean_and_variance);
	tcase_add_test(tc, below_is_in_range_and_covers_it);
	suite_add_tcase(s, tc);
	return s;
}
