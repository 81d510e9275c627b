/*
 * test_measure_simd.c - the focus measures' vector kernels (SSE2, AVX2)
 * give the scalar kernels' results bit for bit: every measure, strides 1
 * to 4, frames of odd and even sizes (vector parts, scalar tails, rows of
 * fewer samples than a vector), pixels over the full 16-bit range (rows
 * with differences of 2^15 and more take the exact vector path), below
 * 2^15, and camera-like frames (dim background, bright cells with sharp
 * edges).  A digest of the scores, taken with the scalar kernels before
 * the vector ones existed, is pinned.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_measure.h"
#include "engine/af_measure_impl.h"

Suite *measure_simd_suite(void);

#define MAXSIDE 300u

static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= c[i];
		*h *= 1099511628211u;
	}
}

/* Pixels of pattern p: 0 full range, 1 below 2^15, 2 camera-like (a
 * background of ~3000 with 40-pixel bright squares of ~50000, noise). */
static void fill(uint16_t *px, uint32_t w, uint32_t h, int p, uint64_t seed)
{
	uint64_t x = seed;

	for (uint32_t j = 0; j < h; j++)
		for (uint32_t i = 0; i < w; i++) {
			uint32_t r;

			x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
			r = (uint32_t)(x >> 33);
			if (p == 0)
				px[j * w + i] = (uint16_t)r;
			else if (p == 1)
				px[j * w + i] = (uint16_t)(r & 0x7fffu);
			else
				px[j * w + i] = (uint16_t)((((i / 40u) + (j / 40u)) % 2u ? 50000u : 3000u) +
							   r % 600u);
		}
}

/* Scores of every measure, stride 1..4, over the frames, with the kernels
 * of `level` (-1: af_measure itself); digested, and each compared with the
 * scalar kernels' bits when compare is set. */
static uint64_t scores_digest(int level, int compare)
{
	static const uint32_t sizes[][2] = { { 8, 8 },	   { 9, 31 },	{ 67, 53 }, { 128, 128 },
					     { 100, 37 }, { 300, 77 }, { 35, 260 } };
	static uint16_t px[MAXSIDE * MAXSIDE];
	uint64_t h = 1469598103934665603u;

	for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
		for (int p = 0; p < 3; p++) {
			uint32_t w = sizes[z][0], hh = sizes[z][1];
			af_frame f;

			fill(px, w, hh, p, 17u * z + (uint64_t)p);
			memset(&f, 0, sizeof f);
			f.pixels = px;
			f.capacity_px = (size_t)w * hh;
			f.width = w;
			f.height = hh;
			f.bit_depth = 16;
			for (int k = 0; k < AF_MEASURE_COUNT; k++)
				for (uint32_t s = 1; s <= 4; s++) {
					double got = -1.0, want = -1.0;
					int rc = level < 0 ? af_measure(k, &f, s, &got)
							   : af__measure_with(k, &f, s, level, &got);

					if (compare) {
						int rc0 = af__measure_with(k, &f, s, AF__MEASURE_SCALAR,
									   &want);

						ck_assert_int_eq(rc, rc0);
						ck_assert_msg(memcmp(&got, &want, sizeof got) == 0,
							      "level %d %s %ux%u pattern %d stride %u: "
							      "%.17g, scalar %.17g", level,
							      af_measure_name(k), w, hh, p, s, got, want);
					}
					fnv(&h, &rc, sizeof rc);
					if (rc == AF_OK)
						fnv(&h, &got, sizeof got);
				}
		}
	return h;
}

/* The digest of the scalar kernels' scores before the vector kernels. */
#define SCORES_DIGEST UINT64_C(0xcecb48f70347e6d0)

START_TEST(scalar_scores_pinned)
{
	uint64_t h = scores_digest(AF__MEASURE_SCALAR, 0);

	ck_assert_msg(h == SCORES_DIGEST, "scores digest %016llx, want %016llx",
		      (unsigned long long)h, (unsigned long long)SCORES_DIGEST);
}
END_TEST

START_TEST(every_level_same_bits)
{
	for (int level = AF__MEASURE_SSE2; level <= AF__MEASURE_AVX2; level++)
		ck_assert_msg(scores_digest(level, 1) == SCORES_DIGEST, "level %d", level);
	ck_assert(scores_digest(-1, 1) == SCORES_DIGEST);
	ck_assert_int_ge(af__measure_level_best(), AF__MEASURE_SCALAR);
	ck_assert_int_le(af__measure_level_best(), AF__MEASURE_AVX2);
}
END_TEST

Suite *measure_simd_suite(void)
{
	Suite *s = suite_create("measure_simd");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, scalar_scores_pinned);
	tcase_add_test(tc, every_level_same_bits);
	suite_add_tcase(s, tc);
	return s;
}
