/*
 * defocus.h - a cached stack of Gaussian blurs of one sharp image.
 *
 * The camera renders a frame at any defocus by interpolating between two
 * precomputed blur levels instead of convolving per frame.  The stack holds
 * the sharp image of a region of interest with a margin on every side
 * (filled by the caller), and a ladder of blur sigmas in pixels: sigma_0
 * (the in-focus PSF) times ratio^k, capped at sigma_cap (the last level is
 * exactly sigma_cap).  A level is built on first use (separable Gaussian,
 * taps summed in a fixed order, reflecting borders beyond the margin) and
 * kept until the stack is freed, so a search that visits a few defocus
 * values builds only those levels.  The levels cover the ROI only.
 *
 * A level of kernel half-width r reads the sharp image only within r pixels
 * of the ROI (all of it once r exceeds the margin), so the image can be
 * filled lazily (mdl_defocus_set_fill): a band around the ROI as wide as
 * the widest level built so far needs, grown when a wider level is built.
 * What a level reads is filled before it is built, so a lazily filled stack
 * gives the same bits as one filled in full.
 *
 * Interpolation is linear in sigma between the two neighbouring levels:
 * sigma_0 is level 0 exactly, so a frame in focus is the in-focus level and
 * the result depends on the defocus only through sigma (symmetric when the
 * optics are).  Determinism: float storage, every sum in one fixed order
 * (vectorising across pixels does not reorder a pixel's sum).
 */
#ifndef MDL_DEFOCUS_H
#define MDL_DEFOCUS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mdl_defocus_stack mdl_defocus_stack;

/*
 * A stack for a width x height ROI with margin_px pixels of real image on
 * every side; sigma0_px > 0 the in-focus sigma, sigma_cap_px the largest
 * (raised to sigma0_px if smaller), ratio > 1 the step between levels.
 * NULL on bad arguments, size overflow or out of memory.  The sharp image
 * (mdl_defocus_base) is zero until the caller fills it.
 */
mdl_defocus_stack *mdl_defocus_new(uint32_t width, uint32_t height, uint32_t margin_px,
				   double sigma0_px, double sigma_cap_px, double ratio);

/* Frees the stack and every level; NULL is a no-op. */
void mdl_defocus_free(mdl_defocus_stack *s);

/* The sharp image, row-major, (width + 2 margin) x (height + 2 margin),
 * ROI pixel (x, y) at [(y + margin) * padded_width + x + margin].  Fill it
 * before the first mdl_defocus_level() (or let a fill function do it);
 * later changes are not seen by levels already built. */
float *mdl_defocus_base(mdl_defocus_stack *s);
uint32_t mdl_defocus_padded_width(const mdl_defocus_stack *s);

/*
 * A fill function writes the sharp image's pixels [x0, x1) x [y0, y1)
 * (padded coordinates) into base (row stride padded_width); each pixel must
 * depend on its coordinates only.  Returns 0, or MDL_ENOMEM (the level
 * that asked is then not built: mdl_defocus_level returns MDL_ENOMEM and a
 * later call asks again).
 */
typedef int (*mdl_defocus_fill_fn)(void *user, float *base, size_t padded_width, uint32_t x0,
				   uint32_t y0, uint32_t x1, uint32_t y1);

/*
 * Fill the sharp image lazily with fn: before a level is built, the band of
 * min(r, margin) pixels around the ROI that it reads (r its kernel
 * half-width), ROI included, is filled where it was not yet, a rectangle
 * at a time.  Call before the first level; fn NULL: the caller fills the
 * whole image (the default).
 */
void mdl_defocus_set_fill(mdl_defocus_stack *s, mdl_defocus_fill_fn fn, void *user);

/* The width of the band filled so far, pixels beyond the ROI (-1: nothing
 * yet; always the margin without a fill function). */
int mdl_defocus_filled_band(const mdl_defocus_stack *s);

/* Fill the whole sharp image now (the ROI and the whole margin) through
 * the fill function: 0, or MDL_ENOMEM.  For those who read the image
 * itself; a no-op without a fill function or when it is filled. */
int mdl_defocus_fill_all(mdl_defocus_stack *s);

/* Number of levels and the sigma of level k, pixels. */
int mdl_defocus_level_count(const mdl_defocus_stack *s);
double mdl_defocus_level_sigma_px(const mdl_defocus_stack *s, int k);
/* The whole ladder: mdl_defocus_level_count() sigmas in pixels, strictly
 * increasing, owned by the stack. */
const double *mdl_defocus_ladder(const mdl_defocus_stack *s);

/*
 * Where sigma_px falls in the ladder: *k the level at or below it and
 * *t in [0, 1] the weight of level k + 1 (0 below sigma_0; at and above the
 * cap *k is the last level and *t 0).  Pure lookup, builds nothing.
 */
void mdl_defocus_locate(const mdl_defocus_stack *s, double sigma_px, int *k, float *t);

/*
 * Level k (width x height floats, row-major), built now if it was not.
 * Returns 0 and sets *img, MDL_EINVAL for k out of range, MDL_ENOMEM.
 * The pointer stays valid until the stack is freed.
 */
int mdl_defocus_level(mdl_defocus_stack *s, int k, const float **img);

/* Build levels with the AVX2 convolution (on, the default, where the
 * processor has AVX2) or the portable one (off): the same bits either way;
 * for tests. */
void mdl_defocus_use_avx2(mdl_defocus_stack *s, int on);

/* Free the scratch that only building a level needs (about a padded image
 * of floats) while the stack waits unused; levels already built stay
 * readable, a new one is MDL_EINVAL until mdl_defocus_restore.  Restore
 * returns 0, or MDL_ENOMEM (the stack stays trimmed).  Both are no-ops
 * when there is nothing to do. */
void mdl_defocus_trim(mdl_defocus_stack *s);
int mdl_defocus_restore(mdl_defocus_stack *s);

/* Free every level built (the sharp image stays): they are built again
 * when asked for, the same bits.  For memory budgets. */
void mdl_defocus_drop_levels(mdl_defocus_stack *s);

/* Levels built so far, and the bytes the stack holds (base, levels,
 * scratch). */
int mdl_defocus_levels_built(const mdl_defocus_stack *s);
size_t mdl_defocus_bytes(const mdl_defocus_stack *s);

#endif /* MDL_DEFOCUS_H */
