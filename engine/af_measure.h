/*
 * af_measure.h - focus measures computed from frame pixels.
 *
 * Each measure maps a frame (or its region) to one number that peaks when
 * the image is in focus.  References: Groen, Young & Ligthart (1985),
 * Sun et al. (2004), Pertuz et al. (2013).
 *
 *   NORMVAR   normalised variance: sum (I - mean)^2 / (N mean), population
 *             variance over every sampled pixel.  Robust to noise and
 *             illumination changes; broad curve at high NA.
 *   BRENNER   Brenner gradient: sum of (I(x+2,y) - I(x,y))^2 +
 *             (I(x,y+2) - I(x,y))^2 over the positions where both
 *             neighbours exist, divided by their count.  Sharp peak,
 *             resolves a two-layer specimen's two planes.
 *   TENENGRAD mean of Gx^2 + Gy^2 over interior pixels, with the unscaled
 *             3 x 3 Sobel kernels ([-1 0 1; -2 0 2; -1 0 1] and transpose).
 *   LAPVAR    population variance of the 4-neighbour Laplacian
 *             4 I - I(x-1) - I(x+1) - I(y-1) - I(y+1) over interior pixels.
 *             Best in good light, most sensitive to noise.
 *
 * Gradient measures are divided by mean^2 so that a brighter frame does not
 * score higher (scale invariance: exact, bit for bit, for BRENNER and
 * TENENGRAD under an integer gain); NORMVAR by mean.  "mean" is always the
 * mean of every sampled pixel, the value af_frame_stats returns at the same
 * stride.
 *
 * Stride s measures the decimated image D(i, j) = I(i s, j s): samples lie on
 * the grid x = i s, y = j s and kernel neighbours are s pixels apart, so the
 * result equals the measure of a frame holding only those samples.
 *
 * Kernel sums are exact 64-bit integer sums (16-bit pixels; see
 * AF_MEASURE_MAX_SAMPLES), converted to double in a few fixed final steps:
 * deterministic across compilers and optimisation levels.  On x86-64 the
 * BRENNER and NORMVAR sums at strides 1 and 2 are computed with SSE2, or
 * with AVX2 where the processor has it (chosen at run time), and with AVX2
 * the TENENGRAD and LAPVAR sums at stride 1: integer sums are exact in any
 * order, so the results are the scalar code's bit for bit
 * (tests/test_measure_simd.c).  No allocation, no state; safe to call from
 * any thread.
 */
#ifndef AF_MEASURE_H
#define AF_MEASURE_H

#include <stdint.h>

#include "af_hal.h"

/* Smallest frame side af_measure accepts, in sensor pixels. */
#define AF_MEASURE_MIN_SIDE 8u
/* Most samples (decimated pixels) one call may cover: keeps every integer
 * kernel sum below 2^63.  67 M: beyond any sensor of the instrument. */
#define AF_MEASURE_MAX_SAMPLES (UINT64_C(1) << 26)

typedef enum af_measure_kind {
	AF_MEASURE_NORMVAR,
	AF_MEASURE_BRENNER,
	AF_MEASURE_TENENGRAD,
	AF_MEASURE_LAPVAR,
	AF_MEASURE_COUNT
} af_measure_kind;

/* "normvar", "brenner", "tenengrad", "lapvar"; NULL for a bad kind. */
const char *af_measure_name(af_measure_kind k);
/* The kind named s, or -1. */
int af_measure_parse(const char *s);

/*
 * Focus score of frame f with measure k, sampling every `stride`-th pixel
 * and row (1 = all; 2 = a quarter of the work).  Pixels near the border that
 * a kernel cannot reach are skipped.  Returns AF_OK with *score >= 0, or
 * AF_EINVAL: NULL frame, pixels or score; a frame smaller than
 * AF_MEASURE_MIN_SIDE on either side; capacity_px < width * height; stride
 * 0 or so large that fewer than 3 samples remain per axis; more than
 * AF_MEASURE_MAX_SAMPLES samples; a bad kind; a frame whose sampled mean is
 * 0.  bit_depth is not used.  *score is written only on success.
 */
int af_measure(af_measure_kind k, const af_frame *f, uint32_t stride, double *score);

/*
 * Mean pixel value of the frame (sampled with stride, the same samples as
 * af_measure), for exposure and saturation checks; the fraction of those
 * samples at or above the top code (1 << bit_depth) - 1 goes to
 * *saturated_frac when it is not NULL.  Any non-empty frame and stride >= 1
 * (a stride beyond the frame samples pixel (0, 0) only).  Returns AF_OK, or
 * AF_EINVAL: NULL frame, pixels or mean; empty frame; capacity_px < width *
 * height; stride 0; bit_depth outside 1..16; more than AF_MEASURE_MAX_SAMPLES
 * samples.
 */
int af_frame_stats(const af_frame *f, uint32_t stride, double *mean, double *saturated_frac);

#endif /* AF_MEASURE_H */
