/*
 * test_dbsort.c - db_summary_of's sort gives the order qsort gave (the
 * statistics' definitions sum over sorted values, so any other order would
 * change their last bits): summaries and the sorted scratch compared bit
 * for bit with a qsort reference over sizes around the radix threshold and
 * a million values, with duplicates, negatives, infinities, -0.0 and +0.0
 * mixed, and NaNs skipped; and the mean of a known set exactly.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/stats.h"

Suite *dbsort_suite(void);

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* Values of kind k from an LCG: 0 wide range with both signs, 1 a few
 * distinct values (ties), 2 zeros of both signs, infinities and NaNs among
 * small numbers. */
static void fill(double *v, size_t n, int k, uint64_t seed)
{
	uint64_t x = seed;

	for (size_t i = 0; i < n; i++) {
		uint64_t r;

		x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		r = x >> 20;
		if (k == 0)
			v[i] = ((double)(r % 2000001) - 1000000.0) * 1e-3 * (double)(1 + r % 7);
		else if (k == 1)
			v[i] = (double)(r % 5) * 0.1;
		else
			v[i] = r % 9 == 0 ? -0.0 : r % 9 == 1 ? 0.0 : r % 97 == 2 ? INFINITY
			       : r % 89 == 3 ? -INFINITY : r % 83 == 4 ? NAN : (double)(r % 100) - 50.5;
	}
}

static void check_same(const double *v, size_t n)
{
	double *ref = malloc((n ? n : 1) * sizeof *ref), *scratch = malloc((n ? n : 1) * sizeof *scratch);
	size_t m = 0;
	db_summary d;

	ck_assert(ref && scratch);
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			ref[m++] = v[i];
	qsort(ref, m, sizeof *ref, cmp_double);
	ck_assert_int_eq(db_summary_of(v, n, scratch, &d), 0);
	ck_assert_uint_eq(d.n, m);
	ck_assert_msg(memcmp(ref, scratch, m * sizeof *ref) == 0, "n %zu: sorted order differs", n);
	if (m > 0) {
		double s = 0.0;

		for (size_t i = 0; i < m; i++)
			s += ref[i];
		s /= (double)m;
		ck_assert(memcmp(&s, &d.mean, sizeof s) == 0 || (isnan(s) && isnan(d.mean)));
		ck_assert(memcmp(&ref[0], &d.min, sizeof d.min) == 0);
		ck_assert(memcmp(&ref[m - 1], &d.max, sizeof d.max) == 0);
		ck_assert(memcmp(&(double){ db_percentile_sorted(ref, m, 95.0) }, &d.p95,
				 sizeof d.p95) == 0 || isnan(d.p95));
	}
	free(ref);
	free(scratch);
}

START_TEST(sorts_like_qsort)
{
	static const size_t sizes[] = { 0, 1, 2, 255, 256, 257, 1000, 65537 };
	double *v = malloc(1000000 * sizeof *v);

	ck_assert_ptr_nonnull(v);
	for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
		for (int k = 0; k < 3; k++) {
			fill(v, sizes[z], k, 31u * z + (uint64_t)k);
			check_same(v, sizes[z]);
		}
	fill(v, 1000000, 0, 7);
	check_same(v, 1000000);
	free(v);
}
END_TEST

/* The zeros keep their input order among themselves, as a stable sort of
 * equal keys must. */
START_TEST(signed_zeros_in_input_order)
{
	double v[600], out[600];
	db_summary d;

	for (int i = 0; i < 600; i++)
		v[i] = i % 3 == 0 ? -0.0 : i % 3 == 1 ? 0.0 : 1.0 + i;
	ck_assert_int_eq(db_summary_of(v, 600, out, &d), 0);
	for (int i = 0; i < 400; i++)
		ck_assert_int_eq(signbit(out[i]) != 0, i % 2 == 0);
	ck_assert_double_eq(out[400], 3.0);
	ck_assert_double_eq(d.max, 600.0);
}
END_TEST

Suite *dbsort_suite(void)
{
	Suite *s = suite_create("dbsort");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sorts_like_qsort);
	tcase_add_test(tc, signed_zeros_in_input_order);
	suite_add_tcase(s, tc);
	return s;
}
