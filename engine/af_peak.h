/*
 * af_peak.h - the focus curve's peak model: a two-sided Lorentzian.
 *
 *   S(z) = A / (1 + (u / w)^2),  u = (z - z0)(1 + a) for z >= z0,
 *                                u = (z - z0)(1 - a) below.
 *
 * A focus measure (Brenner's gradient at high NA) falls off like a
 * Lorentzian of half width w within about 1.5 w of focus.  Spherical
 * aberration blurs one side of focus faster than the other (the simulator's
 * lens `asymmetry` a: defocus above focus blurs as (1 + a) dz, below as
 * (1 - a) |dz|), which scales each flank's abscissa without moving the peak:
 * the model keeps the peak where the curve is highest.  A symmetric fit
 * (a parabola through log scores, a Lorentzian of one width) through frames
 * on both flanks of such a curve puts the peak on the broad side, by a
 * fraction of the frames' span; this model does not.
 *
 * Fits minimise the relative residual sum (1 - S_i / M(z_i))^2: for a fixed
 * z0 the model's 1/M is linear in 1/A and A^-1 w^-2 (times (1 +/- a)^2 on
 * each side), so each z0 costs one small linear solve, and z0 is searched
 * over a bracket (a grid, then golden sections around the best cell).
 * Deterministic (one operation order), no allocation, caller memory only.
 */
#ifndef AF_PEAK_H
#define AF_PEAK_H

#include <stddef.h>

typedef struct af_lorentz {
	double z0_um;   /* the peak */
	double peak;    /* A, the score there */
	double w_um;    /* half width of the symmetric-equivalent curve */
	double asym;    /* a, |a| < 1 (0: symmetric) */
} af_lorentz;

/* The model's score at z_um (NaN for a NULL model). */
double af_lorentz_eval(const af_lorentz *m, double z_um);

/*
 * Fit the model through the n points (z_um[i], score[i]), the peak searched
 * in [zlo_um, zhi_um]:
 *   w_um NaN, asym finite (|asym| < 1): the asymmetry held, A, w, z0
 *     fitted (n >= 3);
 *   w_um NaN, asym NaN: the asymmetry fitted too (n >= 4, at least two
 *     points on each side of the peak found), into out->asym;
 *   w_um finite, asym finite: the curve's shape held, A and z0 fitted
 *     (n >= 2): where a known curve through the points peaks, even when
 *     the highest point is an end one.
 * *rms (when not NULL) gets the RMS relative residual.  Returns AF_OK;
 * AF_EINVAL (NULL, n out of range, a score <= 0 or a non-finite value,
 * zlo > zhi, |asym| >= 1, w not positive, w held with asym free); AF_ENOFOCUS
 * when no z0 in the bracket gives a peak (A and w positive): the points are
 * not a focus peak.
 */
#define AF_PEAK_MAX_POINTS 96
int af_lorentz_fit(const double *z_um, const double *score, size_t n, double asym, double w_um,
		   double zlo_um, double zhi_um, af_lorentz *out, double *rms);

/*
 * Where the peak of a curve of half width w_um and asymmetry asym lies,
 * given its scores s1 at z1 and s2 at z2 (z1 < z2): the z0 in
 * [zlo_um, zhi_um] with s1 / s2 = M(z1) / M(z2).  Two probes cannot tell a
 * peak between them from one beyond the brighter: *near gets the root
 * nearest their midpoint, *far another root (NaN when there is one only).
 * With asym 0 these are the closed-form roots.  AF_OK, AF_EINVAL (bad
 * input) or AF_ENOFOCUS (no root: *near and *far are then the brighter
 * probe's position).
 */
int af_lorentz_two(double z1_um, double s1, double z2_um, double s2, double w_um, double asym,
		   double zlo_um, double zhi_um, double *near, double *far);

#endif /* AF_PEAK_H */
