/*
 * test_camera_simd.c - the camera's frames are the same bits whichever
 * kernels render them and build their blur levels (the portable C and,
 * where the processor has it, AVX2), and the same bits as before the kernels were vectorised: a digest
 * of frames and expected electrons over bright, dim, saturated, two-layer,
 * tilted and swept frames, ROIs that are not a multiple of the chunk or of
 * a vector, is pinned.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/camera.h"
#include "models/camera_impl.h"
#include "models/mdl.h"
#include "kernel/rng.h"
#include "kernel/trace.h"
#include "tests/camera_fix.h"

Suite *camera_simd_suite(void);

/* FNV-1a over bytes. */
static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= c[i];
		*h *= 1099511628211u;
	}
}

/*
 * Renders eight frames per case with the given kernels and digests the
 * frames, every other frame's expected electrons and the generator state.
 * Cases: both lenses; cells, grid, two layers; plain and tilted; ROIs
 * 128 x 128, 100 x 37 (a partial chunk) and 9 x 61; signal scales from
 * dim (Poisson) through bright to saturated; a swept frame.
 */
static uint64_t frames_digest(mdl_camera_simd simd)
{
	static const mdl_specimen_kind kinds[] = { MDL_SPECIMEN_CELLS, MDL_SPECIMEN_GRID,
						   MDL_SPECIMEN_TWO_LAYER };
	static const uint32_t rois[][2] = { { 128, 128 }, { 100, 37 }, { 9, 61 } };
	static const double scales[] = { 1.0, 0.002, 0.03, 4.0 };
	uint64_t h = 1469598103934665603u;

	for (int lens = 0; lens < 2; lens++)
		for (int ki = 0; ki < 3; ki++)
			for (int ri = 0; ri < 3; ri++)
				for (int tilt = 0; tilt < 2; tilt++) {
					uint32_t w = rois[ri][0], hh = rois[ri][1];
					size_t n = (size_t)w * hh;
					uint16_t *f = malloc(n * sizeof *f);
					double *e = malloc(n * sizeof *e);
					mdl_view *v;
					sim_rng r;
					rig g;

					ck_assert(f && e);
					rig_default(&g, lens);
					g.spec.kind = kinds[ki];
					if (tilt)
						g.spec.tilt_x_um_per_mm = 20.0;
					v = rig_view(&g, w, hh);
					ck_assert_ptr_nonnull(v);
					v->simd = simd;
					for (int l = 0; l < MAX_LAYERS; l++)
						if (v->stack[l])
							mdl_defocus_use_avx2(
								v->stack[l],
								simd == MDL_CAMERA_SIMD_AVX2);
					sim_rng_stream(&r, 7u + (unsigned)ki, SIM_STREAM_CAMERA);
					for (int k = 0; k < 8; k++) {
						mdl_exposure x = { -5.0 + 1.3 * k, 0.005, scales[k % 4],
								   k == 5 ? 0.8 : 0.0 };

						ck_assert_int_eq(mdl_camera_render(v, &x, &r, f), 0);
						fnv(&h, f, n * sizeof *f);
						if (k % 2 == 0) {
							ck_assert_int_eq(mdl_camera_expected_e(v, &x, e), 0);
							fnv(&h, e, n * sizeof *e);
						}
					}
					fnv(&h, r.s, sizeof r.s);
					mdl_view_free(v);
					free(e);
					free(f);
				}
	return h;
}

/* The digest of the frames as the scalar model rendered them before the
 * vectorised kernels: any change of a frame's bits fails here. */
#define FRAMES_DIGEST UINT64_C(0x82ac7a18b58ff3cd)

START_TEST(test_portable_frames_pinned)
{
	uint64_t h = frames_digest(MDL_CAMERA_SIMD_PORTABLE);

	ck_assert_msg(h == FRAMES_DIGEST, "frames digest %016llx, want %016llx",
		      (unsigned long long)h, (unsigned long long)FRAMES_DIGEST);
}
END_TEST

START_TEST(test_best_kernels_same_bits)
{
	mdl_camera_simd best = mdl_camera_simd_best();
	uint64_t h = frames_digest(best);

	ck_assert_msg(h == FRAMES_DIGEST, "kernels %d: frames digest %016llx, want %016llx",
		      (int)best, (unsigned long long)h, (unsigned long long)FRAMES_DIGEST);
}
END_TEST

/* mdl_camera_render_digest: the frame and the generator state of
 * mdl_camera_render, and sim_digest_u16 of the frame, whichever kernels:
 * bright and dim frames (the digest rides the draw loops of both), ROIs of
 * 128 x 128, 100 x 37 (a partial last chunk) and 9 x 61 (549 pixels: one
 * left over after the words), plain and tilted. */
START_TEST(test_render_digest)
{
	static const uint32_t rois[][2] = { { 128, 128 }, { 100, 37 }, { 9, 61 } };
	static const double scales[] = { 1.0, 0.002, 0.03 };
	int frames = 0;

	for (int simd = MDL_CAMERA_SIMD_PORTABLE; simd <= MDL_CAMERA_SIMD_AVX2; simd++)
		for (int ri = 0; ri < 3; ri++)
			for (int tilt = 0; tilt < 2; tilt++) {
				uint32_t w = rois[ri][0], hh = rois[ri][1];
				size_t n = (size_t)w * hh;
				uint16_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
				mdl_view *v;
				sim_rng ra, rb;
				rig g;

				ck_assert(a && b);
				rig_default(&g, MDL_LENS_B);
				g.spec.tilt_x_um_per_mm = tilt ? 15.0 : 0.0;
				v = rig_view(&g, w, hh);
				ck_assert_ptr_nonnull(v);
				v->simd = (mdl_camera_simd)simd;
				sim_rng_stream(&ra, 3, SIM_STREAM_CAMERA);
				rb = ra;
				for (int k = 0; k < 6; k++) {
					mdl_exposure x = { -2.0 + 0.9 * k, 0.005, scales[k % 3], 0.0 };
					uint64_t d = 0;

					ck_assert_int_eq(mdl_camera_render(v, &x, &ra, a), 0);
					ck_assert_int_eq(mdl_camera_render_digest(v, &x, &rb, b, &d), 0);
					ck_assert(memcmp(a, b, n * sizeof *a) == 0);
					ck_assert(memcmp(&ra, &rb, sizeof ra) == 0);
					ck_assert_msg(d == sim_digest_u16(a, n),
						      "%ux%u tilt %d frame %d: digest %016llx, want %016llx",
						      w, hh, tilt, k, (unsigned long long)d,
						      (unsigned long long)sim_digest_u16(a, n));
					frames++;
				}
				{
					mdl_exposure x = { 0.0, 0.005, 1.0, 0.0 };

					ck_assert_int_eq(mdl_camera_render_digest(v, &x, &rb, b, NULL),
							 MDL_EINVAL);
				}
				mdl_view_free(v);
				free(a);
				free(b);
			}
	ck_assert_int_eq(frames, 2 * 3 * 2 * 6);
}
END_TEST

Suite *camera_simd_suite(void)
{
	Suite *s = suite_create("camera_simd");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_portable_frames_pinned);
	tcase_add_test(tc, test_best_kernels_same_bits);
	tcase_add_test(tc, test_render_digest);
	suite_add_tcase(s, tc);
	return s;
}
