/*
 * camera_impl.h - the inside of a camera view, shared by camera.c (views,
 * noise) and camera_signal.c (where a frame's blurred signal comes from:
 * the level pairs, tilt, motion during the exposure).  Nothing else
 * includes it.
 */
#ifndef MDL_CAMERA_IMPL_H
#define MDL_CAMERA_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "models/camera.h"
#include "models/defocus.h"
#include "models/mdl.h"

#define MAX_LAYERS 2
/* Cells of the normal table (see camera_noise.c). */
#define NORMAL_TABLE_N 65536u

/* Which kernels render a view's frames: the portable C (which compilers
 * vectorise with the target's baseline, SSE2 on x86-64) or AVX2, chosen at
 * run time.  Both give the same bits; tests render with each. */
typedef enum mdl_camera_simd {
	MDL_CAMERA_SIMD_PORTABLE,
	MDL_CAMERA_SIMD_AVX2,
} mdl_camera_simd;

struct mdl_view {
	/* What made the view (mdl_view_new's arguments, the configs copied
	 * byte for byte): the key of the view cache (camera_cache.c). */
	mdl_lens_config lens;
	mdl_specimen_config spec;
	mdl_camera_config cam;
	uint32_t roi_x, roi_y;
	double field_x_um, field_y_um;
	/* while idle in the view cache: its neighbours, most recent first */
	struct mdl_view *idle_prev, *idle_next;
	uint32_t width, height;
	size_t npix;
	int layers;
	int tilted;
	double pixel_um;
	double centre_x_um, centre_y_um;
	double gain_e_per_adu;
	mdl_defocus_stack *stack[MAX_LAYERS];
	/* The sharp images are sampled lazily (mdl_defocus_set_fill): the
	 * specimen coordinates of the ROI's top-left corner, one fill context
	 * per layer, and the point samples taken so far. */
	double left_um, top_um;
	struct view_fill {
		struct mdl_view *v;
		int layer;
	} fill[MAX_LAYERS];
	size_t samples;
	float *signal;          /* npix: this frame's blurred emission */
	double *height_um;      /* npix, tilted views only: each pixel's surface height */
	double *row_sigma;      /* width: one row's blur sigmas (tilt) */
	float *row_sum;         /* width: one row's sum over layers (tilt) */
	const float *normal_z;  /* NORMAL_TABLE_N cell medians, shared; see camera_noise.c */
	mdl_camera_simd simd;   /* kernels of mdl_camera_render */
};

/*
 * Where a frame's signal comes from: per layer two blur levels and the
 * weight of the second, the signal of pixel i being the sum over layers of
 * a[i] + t (b[i] - a[i]).  With tilt the signal pass has already summed
 * everything into v->signal, which becomes the one "layer" with t = 0.
 */
typedef struct frame_src {
	int layers;
	const float *a[MAX_LAYERS], *b[MAX_LAYERS];
	float t[MAX_LAYERS];
} frame_src;

/* The table z[i] = Phi^-1((i + 1/2) / NORMAL_TABLE_N), i < NORMAL_TABLE_N:
 * one per process, built on the first call (C11 call_once), never freed. */
const float *mdl_camera_normal_table(void);

/* The scratch a view needs only while it renders (the frame's signal, the
 * tilt's heights and rows, the ladder's scratch): freed while the view is
 * idle in the cache, made again when it is taken.  view_restore returns 0
 * or MDL_ENOMEM (the view is then as trimmed). */
void mdl_camera_view_trim(mdl_view *v);
int mdl_camera_view_restore(mdl_view *v);

/* The best kernels this processor runs (MDL_CAMERA_SIMD_AVX2 where the
 * compiler can build them and the processor has AVX2). */
mdl_camera_simd mdl_camera_simd_best(void);

static inline int mdl_camera_in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi; /* false for NaN */
}

/* 0 if an exposure's values are finite and in range, else MDL_EINVAL. */
static inline int mdl_camera_exposure_check(const mdl_exposure *x)
{
	if (!x || !mdl_camera_in_range(x->defocus_um, -1e6, 1e6) ||
	    !mdl_camera_in_range(x->exposure_s, 0.0, 1e6) ||
	    !mdl_camera_in_range(x->signal_scale, 0.0, 1e12) ||
	    !mdl_camera_in_range(x->defocus_sweep_um, -1e6, 1e6))
		return MDL_EINVAL;
	return 0;
}

/* Fill src for the frame x: per layer the level pair and weight, or, with
 * tilt or motion during the exposure, the composed signal in v->signal.
 * Returns 0 or MDL_ENOMEM. */
int mdl_camera_frame_source(mdl_view *v, const mdl_exposure *x, frame_src *src);

/* Blurred emission of n pixels from pixel i0 into sig.  Two loops rather
 * than a branch inside one, so that each vectorises. */
static inline void mdl_camera_source_signal(const frame_src *src, size_t i0, size_t n,
				 float *restrict sig)
{
	const float *restrict a = src->a[0] + i0, *restrict b = src->b[0] + i0;
	float t = src->t[0];

	for (size_t j = 0; j < n; j++)
		sig[j] = a[j] + t * (b[j] - a[j]);
	if (src->layers > 1) {
		const float *restrict a1 = src->a[1] + i0, *restrict b1 = src->b[1] + i0;
		float t1 = src->t[1];

		for (size_t j = 0; j < n; j++)
			sig[j] += a1[j] + t1 * (b1[j] - a1[j]);
	}
}


#endif /* MDL_CAMERA_IMPL_H */
