/*
 * test_defocus.c - the blur ladder's lazily filled sharp image: a level
 * reads only the band it needs, the band grows a ring at a time, every
 * pixel is filled once, and the levels are the bits of a stack filled in
 * full, whatever order they are built in; a fill that runs out of memory
 * builds nothing and is asked again; a trimmed stack keeps its levels.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/defocus.h"
#include "models/mdl.h"

Suite *defocus_suite(void);

/* A 40 x 30 ROI with a 12-pixel margin: levels from sigma 0.6 px (kernel
 * half-width 3) to 14 px (49, past the margin), 14 levels. */
#define W 40u
#define H 30u
#define M 12u
#define PW (W + 2u * M)
#define PH (H + 2u * M)

/* A sharp image with structure everywhere, from the coordinates alone. */
static float pixel_at(uint32_t x, uint32_t y)
{
	uint64_t z = (uint64_t)x * 0x9e3779b97f4a7c15u ^ (uint64_t)y * 0xd1b54a32d192ed03u;

	z = (z ^ (z >> 29)) * 0xbf58476d1ce4e5b9u;
	return 0.5f + (float)(z >> 40) * 0x1.0p-24f;
}

typedef struct filler {
	unsigned char times[PW * PH];   /* how often each pixel was filled */
	size_t pixels, calls;
	int fail;                       /* the next call fails */
} filler;

static int fill(void *user, float *base, size_t pw, uint32_t x0, uint32_t y0, uint32_t x1,
		uint32_t y1)
{
	filler *f = user;

	ck_assert_uint_eq(pw, PW);
	ck_assert_uint_le(x1, PW);
	ck_assert_uint_le(y1, PH);
	if (f->fail) {
		f->fail = 0;
		return MDL_ENOMEM;
	}
	f->calls++;
	for (uint32_t y = y0; y < y1; y++)
		for (uint32_t x = x0; x < x1; x++) {
			base[y * pw + x] = pixel_at(x, y);
			f->times[y * PW + x]++;
			f->pixels++;
		}
	return 0;
}

static mdl_defocus_stack *stack_new(void)
{
	mdl_defocus_stack *s = mdl_defocus_new(W, H, M, 0.6, 14.0, 1.3);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(mdl_defocus_level_count(s), 14);
	return s;
}

/* (W + 2b) x (H + 2b): the pixels a band of b holds. */
static size_t band_pixels(int b)
{
	return (size_t)(W + 2u * (uint32_t)b) * (H + 2u * (uint32_t)b);
}

START_TEST(test_lazy_fill_matches_full)
{
	/* levels in an order that grows the band, revisits a narrow level,
	 * then passes the margin: kernel half-widths 3, 11, 4, 49 */
	static const int order[] = { 0, 6, 2, 13 };
	static const int bands[] = { 3, 11, 11, 12 };
	mdl_defocus_stack *full = stack_new(), *lazy = stack_new();
	filler *f = calloc(1, sizeof *f);
	float *base = mdl_defocus_base(full);

	ck_assert_ptr_nonnull(f);
	for (uint32_t y = 0; y < PH; y++)
		for (uint32_t x = 0; x < PW; x++)
			base[y * PW + x] = pixel_at(x, y);
	ck_assert_int_eq(mdl_defocus_filled_band(full), (int)M);
	mdl_defocus_set_fill(lazy, fill, f);
	ck_assert_int_eq(mdl_defocus_filled_band(lazy), -1);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const float *a, *b;

		ck_assert_int_eq(mdl_defocus_level(full, order[i], &a), 0);
		ck_assert_int_eq(mdl_defocus_level(lazy, order[i], &b), 0);
		ck_assert_msg(memcmp(a, b, W * H * sizeof *a) == 0, "level %d differs", order[i]);
		ck_assert_int_eq(mdl_defocus_filled_band(lazy), bands[i]);
		ck_assert_uint_eq(f->pixels, band_pixels(bands[i]));
	}
	/* one rectangle, then four per ring (the third level added none) */
	ck_assert_uint_eq(f->calls, 1u + 4u + 4u);
	for (size_t p = 0; p < PW * PH; p++)
		ck_assert_uint_eq(f->times[p], 1);
	/* every other level, all the bits of the full stack */
	for (int k = 0; k < 14; k++) {
		const float *a, *b;

		ck_assert_int_eq(mdl_defocus_level(full, k, &a), 0);
		ck_assert_int_eq(mdl_defocus_level(lazy, k, &b), 0);
		ck_assert_msg(memcmp(a, b, W * H * sizeof *a) == 0, "level %d differs", k);
	}
	ck_assert_uint_eq(f->pixels, (size_t)PW * PH);
	mdl_defocus_free(full);
	mdl_defocus_free(lazy);
	free(f);
}
END_TEST

START_TEST(test_fill_failure)
{
	mdl_defocus_stack *s = stack_new();
	filler *f = calloc(1, sizeof *f);
	const float *img = NULL;

	ck_assert_ptr_nonnull(f);
	mdl_defocus_set_fill(s, fill, f);
	f->fail = 1;
	ck_assert_int_eq(mdl_defocus_level(s, 3, &img), MDL_ENOMEM);
	ck_assert_ptr_null(img);
	ck_assert_int_eq(mdl_defocus_levels_built(s), 0);
	ck_assert_int_eq(mdl_defocus_filled_band(s), -1);
	ck_assert_int_eq(mdl_defocus_level(s, 3, &img), 0);
	ck_assert_ptr_nonnull(img);
	ck_assert_int_eq(mdl_defocus_levels_built(s), 1);
	ck_assert_int_eq(mdl_defocus_filled_band(s), 5);   /* ceil(3.5 * 0.6 * 1.3^3) */
	/* a ring that fails leaves the band as it was */
	f->fail = 1;
	ck_assert_int_eq(mdl_defocus_level(s, 13, &img), MDL_ENOMEM);
	ck_assert_int_eq(mdl_defocus_filled_band(s), 5);
	ck_assert_int_eq(mdl_defocus_level(s, 13, &img), 0);
	ck_assert_int_eq(mdl_defocus_filled_band(s), (int)M);
	mdl_defocus_free(s);
	free(f);
}
END_TEST

/* Trimmed, a stack keeps its levels and its image but not its scratch: a
 * new level waits for the scratch to be made again, then is the level of
 * an untrimmed stack. */
START_TEST(test_trim)
{
	mdl_defocus_stack *s = stack_new(), *ref = stack_new();
	filler *f = calloc(1, sizeof *f), *g = calloc(1, sizeof *g);
	const float *a, *b, *kept;
	size_t bytes;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(g);
	mdl_defocus_set_fill(s, fill, f);
	mdl_defocus_set_fill(ref, fill, g);
	ck_assert_int_eq(mdl_defocus_level(s, 2, &kept), 0);
	bytes = mdl_defocus_bytes(s);
	mdl_defocus_trim(s);
	mdl_defocus_trim(s);
	/* the horizontal pass's PH x W floats and a reflected row's floats
	 * and indices (W + 2 * 49 each) */
	ck_assert_uint_eq(bytes - mdl_defocus_bytes(s),
			  PH * W * sizeof(float) + (W + 98u) * (sizeof(float) + sizeof(size_t)));
	ck_assert_int_eq(mdl_defocus_level(s, 2, &a), 0);
	ck_assert_ptr_eq(a, kept);
	ck_assert_int_eq(mdl_defocus_level(s, 13, &a), MDL_EINVAL);
	ck_assert_int_eq(mdl_defocus_restore(s), 0);
	ck_assert_int_eq(mdl_defocus_restore(s), 0);
	ck_assert_uint_eq(mdl_defocus_bytes(s), bytes);
	ck_assert_int_eq(mdl_defocus_level(s, 13, &a), 0);
	ck_assert_int_eq(mdl_defocus_level(ref, 13, &b), 0);
	ck_assert_int_eq(memcmp(a, b, W * H * sizeof *a), 0);
	mdl_defocus_free(s);
	mdl_defocus_free(ref);
	free(f);
	free(g);
}
END_TEST

Suite *defocus_suite(void)
{
	Suite *s = suite_create("defocus");
	TCase *tc = tcase_create("fill");

	tcase_add_test(tc, test_lazy_fill_matches_full);
	tcase_add_test(tc, test_fill_failure);
	tcase_add_test(tc, test_trim);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);
	return s;
}
