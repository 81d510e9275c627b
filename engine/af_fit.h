/*
 * af_fit.h - small least-squares fits for the engine: polynomials (for the
 * parfocal mapping) and peaks (for focus search).
 *
 * Everything works on caller arrays with fixed maximum sizes and never
 * allocates.  Polynomials are fitted on centred, scaled abscissae
 * u = (x - xc)/xs (xc the mean, xs the largest |x - xc|), so that the
 * Vandermonde columns are of order one, and solved by Householder QR in
 * double; the result is returned in the natural basis.  Far from x = 0 the
 * natural coefficients cancel each other (a cubic fitted around x = 200
 * loses about four digits when evaluated there); the engine's z ranges
 * keep that well below a nanometre.  Deterministic: one fixed operation
 * order, bit-identical across compilers built with -ffp-contract=off.
 */
#ifndef AF_FIT_H
#define AF_FIT_H

#include <stddef.h>

#define AF_POLY_MAX_ORDER 3
#define AF_FIT_MAX_POINTS 64

/* p(x) = c[0] + c[1] x + c[2] x^2 + c[3] x^3 (unused terms 0). */
typedef struct af_poly {
	int order;                        /* 0..AF_POLY_MAX_ORDER */
	double c[AF_POLY_MAX_ORDER + 1];
} af_poly;

/* p(x) by Horner's rule; NaN when p is NULL or its order is out of range. */
double af_poly_eval(const af_poly *p, double x);

/*
 * Least-squares polynomial of the given order through n points (x, y).
 * Needs n >= order + 1 and at least order + 1 distinct x.  Returns AF_OK,
 * AF_EINVAL (NULL x, y or out, bad order, too few points or distinct x,
 * n > AF_FIT_MAX_POINTS, non-finite input) or AF_ERANGE (numerically
 * singular system: distinct x so close together, relative to their spread,
 * that the scaled system's condition number passes ~1e10; or a result that
 * overflows).  When rms/max_abs are not NULL they receive the RMS
 * (sqrt(sum r^2 / n)) and maximum absolute residual of *out as returned.
 * *out, *rms and *max_abs are written only on AF_OK.
 */
int af_poly_fit(const double *x, const double *y, size_t n, int order, af_poly *out,
		double *rms, double *max_abs);

/*
 * Leave-one-out cross-validation RMS of a polynomial fit of the given order:
 * the RMS (over all n points) of the residual of each point predicted by
 * the fit to the other n - 1.  Needs n >= order + 2, and every n - 1 subset
 * must itself be fittable (order + 1 distinct x once any point is left
 * out).  AF_OK or the af_poly_fit errors (AF_EINVAL also for NULL cv_rms).
 */
int af_poly_cv_rms(const double *x, const double *y, size_t n, int order, double *cv_rms);

typedef enum af_peak_method {
	AF_PEAK_PARABOLA,   /* parabola through the top points */
	AF_PEAK_GAUSSIAN,   /* parabola through log(score): exact for a Gaussian curve */
	AF_PEAK_LORENTZIAN, /* the engine's searches only: the two-sided Lorentzian of
			     * af_peak.h through the peak's samples (af_peak_fit
			     * refuses it) */
	AF_PEAK_METHOD_COUNT
} af_peak_method;

/*
 * Peak of a sampled focus curve: fits the method to the points around the
 * raw maximum and returns the vertex.  The raw maximum is the first sample
 * with the largest score; the fit uses the samples within (window - 1)/2
 * places of it (window 3..AF_FIT_MAX_POINTS, normally odd; an even window
 * behaves as window - 1), clipped at the ends of the data, and widened
 * inward to three samples when a maximum at an end leaves only two.
 * Least squares over the window: with exactly 3 points this is the classic
 * 3-point interpolation.  AF_PEAK_GAUSSIAN fits log(score) and falls back
 * to the parabola when a score in the window is <= 0.
 * The samples need not be evenly spaced but must be strictly increasing in
 * z; n is not limited.  *z_peak receives the vertex, clamped to
 * [z[0], z[n-1]]; *score_peak (when not NULL) the fitted score there.
 * Returns AF_OK, AF_EINVAL (NULL z/score/z_peak, n < 3, window out of
 * range, bad method, z not strictly increasing, non-finite input),
 * AF_ERANGE (samples so close in z that the fit is singular) or
 * AF_ENOFOCUS (the fit is not
 * concave: no peak inside the samples; *z_peak and *score_peak then receive
 * the raw maximum).  *at_edge (when not NULL) is set whenever the input is
 * valid, to 1 when the raw maximum is the first or last sample: the peak
 * may lie outside.
 */
int af_peak_fit(const double *z, const double *score, size_t n, af_peak_method method,
		int window, double *z_peak, double *score_peak, int *at_edge);

#endif /* AF_FIT_H */
