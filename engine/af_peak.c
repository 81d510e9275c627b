/*
 * af_peak.c - the two-sided Lorentzian peak model (af_peak.h).
 *
 * The z0 search: a fixed grid of PEAK_GRID points over the bracket, then
 * golden sections between the best point's neighbours.  The residual of a
 * focus peak is smooth and has one minimum near the peak; the grid keeps a
 * second, spurious minimum far out on a flank from capturing the sections.
 * 48 + 40 evaluations of an O(n) sum: a few microseconds for the engine's
 * largest searches.
 */
#include "af_peak.h"

#include <math.h>
#include <stdbool.h>

#include "af_hal.h"

#define PEAK_GRID 48
#define PEAK_SECTIONS 40
#define TWO_GRID 256
#define TWO_BISECT 60

double af_lorentz_eval(const af_lorentz *m, double z_um)
{
	double d, u;

	if (!m)
		return NAN;
	d = z_um - m->z0_um;
	u = d * (d >= 0.0 ? 1.0 + m->asym : 1.0 - m->asym) / m->w_um;
	return m->peak / (1.0 + u * u);
}

/* Solve the 3x3 system a x = b by Gaussian elimination with partial
 * pivoting; false when it is singular. */
static bool solve3(double a[3][3], double b[3], double x[3])
{
	for (int c = 0; c < 3; c++) {
		int p = c;

		for (int r = c + 1; r < 3; r++)
			if (fabs(a[r][c]) > fabs(a[p][c]))
				p = r;
		if (!(fabs(a[p][c]) > 1e-300))
			return false;
		if (p != c) {
			for (int k = 0; k < 3; k++) {
				double t = a[c][k];

				a[c][k] = a[p][k];
				a[p][k] = t;
			}
			{
				double t = b[c];

				b[c] = b[p];
				b[p] = t;
			}
		}
		for (int r = c + 1; r < 3; r++) {
			double f = a[r][c] / a[c][c];

			for (int k = c; k < 3; k++)
				a[r][k] -= f * a[c][k];
			b[r] -= f * b[c];
		}
	}
	for (int c = 2; c >= 0; c--) {
		double v = b[c];

		for (int k = c + 1; k < 3; k++)
			v -= a[c][k] * x[k];
		x[c] = v / a[c][c];
	}
	return isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]);
}

/*
 * At a fixed peak z0: the least-squares coefficients of 1/M (scores
 * normalised to the largest) and the residual sum; INFINITY when they make
 * no peak.  Fixed asymmetry: 1/M = c[0] + c[1] u^2.  Free (asym NaN): 1/M =
 * c[0] + c[1] dz^2 above z0 + c[2] dz^2 below, with two points each side.
 */
static double residual_at(const double *z, const double *s, size_t n, double asym, double w,
			  double z0, double c[3])
{
	bool free_a = isnan(asym);
	double m[3][3] = { { 0 } }, b[3] = { 0 }, r = 0.0;
	size_t above = 0, below = 0;
	int k = free_a ? 3 : 2;

	if (isfinite(w)) {
		/* width and asymmetry held: 1/M = c[0] (1 + (u / w)^2) */
		double sf = 0.0, sff = 0.0;

		for (size_t i = 0; i < n; i++) {
			double d = z[i] - z0, u = d * (d >= 0.0 ? 1.0 + asym : 1.0 - asym) / w;
			double f = s[i] * (1.0 + u * u);

			sf += f;
			sff += f * f;
		}
		if (!(sff > 0.0))
			return INFINITY;
		c[0] = sf / sff;
		c[1] = c[0] / (w * w);
		c[2] = 0.0;
		for (size_t i = 0; i < n; i++) {
			double d = z[i] - z0, u = d * (d >= 0.0 ? 1.0 + asym : 1.0 - asym) / w;
			double e = 1.0 - c[0] * s[i] * (1.0 + u * u);

			r += e * e;
		}
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		double d = z[i] - z0, f[3];

		if (free_a) {
			f[0] = s[i];
			f[1] = d >= 0.0 ? s[i] * d * d : 0.0;
			f[2] = d < 0.0 ? s[i] * d * d : 0.0;
			above += d > 0.0;
			below += d < 0.0;
		} else {
			double u = d * (d >= 0.0 ? 1.0 + asym : 1.0 - asym);

			f[0] = s[i];
			f[1] = s[i] * u * u;
			f[2] = 0.0;
		}
		for (int p = 0; p < k; p++) {
			for (int q = 0; q < k; q++)
				m[p][q] += f[p] * f[q];
			b[p] += f[p];
		}
	}
	if (free_a) {
		if (above < 2 || below < 2 || !solve3(m, b, c))
			return INFINITY;
		if (!(c[0] > 0.0 && c[1] > 0.0 && c[2] > 0.0))
			return INFINITY;
	} else {
		double det = m[0][0] * m[1][1] - m[0][1] * m[1][0];

		if (!(fabs(det) > 1e-300 * fabs(m[0][0] * m[1][1])) || !(det != 0.0))
			return INFINITY;
		c[0] = (b[0] * m[1][1] - m[0][1] * b[1]) / det;
		c[1] = (m[0][0] * b[1] - m[1][0] * b[0]) / det;
		c[2] = 0.0;
		if (!(c[0] > 0.0 && c[1] > 0.0))
			return INFINITY;
	}
	for (size_t i = 0; i < n; i++) {
		double d = z[i] - z0, e;

		if (free_a) {
			e = 1.0 - s[i] * (c[0] + (d >= 0.0 ? c[1] : c[2]) * d * d);
		} else {
			double u = d * (d >= 0.0 ? 1.0 + asym : 1.0 - asym);

			e = 1.0 - s[i] * (c[0] + c[1] * u * u);
		}
		r += e * e;
	}
	return r;
}

int af_lorentz_fit(const double *z_um, const double *score, size_t n, double asym, double w_um,
		   double zlo_um, double zhi_um, af_lorentz *out, double *rms)
{
	double s[AF_PEAK_MAX_POINTS], smax = 0.0, best_r = INFINITY, best_z = NAN, c[3];
	double lo, hi, x1, x2, r1, r2;
	const double g = 0.6180339887498949;
	size_t best_i = 0;

	if (!z_um || !score || !out || n < 2 || n > AF_PEAK_MAX_POINTS || !isfinite(zlo_um) ||
	    !isfinite(zhi_um) || zlo_um > zhi_um || (!isnan(asym) && !(fabs(asym) < 1.0)) ||
	    (isnan(asym) && (n < 4 || !isnan(w_um))) || (isnan(w_um) && n < 3) ||
	    (!isnan(w_um) && !(w_um > 0.0 && isfinite(w_um))))
		return AF_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(z_um[i]) || !isfinite(score[i]) || !(score[i] > 0.0))
			return AF_EINVAL;
		smax = score[i] > smax ? score[i] : smax;
	}
	for (size_t i = 0; i < n; i++)
		s[i] = score[i] / smax;
	for (size_t i = 0; i < PEAK_GRID; i++) {
		double z0 = zlo_um + (zhi_um - zlo_um) * (double)i / (double)(PEAK_GRID - 1);
		double r = residual_at(z_um, s, n, asym, w_um, z0, c);

		if (r < best_r) {
			best_r = r;
			best_z = z0;
			best_i = i;
		}
	}
	if (!isfinite(best_r))
		return AF_ENOFOCUS;
	/* golden sections between the best grid point's neighbours */
	lo = zlo_um + (zhi_um - zlo_um) * (double)(best_i > 0 ? best_i - 1 : 0) / (PEAK_GRID - 1);
	hi = zlo_um + (zhi_um - zlo_um) * (double)(best_i + 1 < PEAK_GRID ? best_i + 1 : best_i) /
			      (PEAK_GRID - 1);
	x1 = hi - g * (hi - lo);
	x2 = lo + g * (hi - lo);
	r1 = residual_at(z_um, s, n, asym, w_um, x1, c);
	r2 = residual_at(z_um, s, n, asym, w_um, x2, c);
	for (int it = 0; it < PEAK_SECTIONS; it++) {
		if (r1 <= r2) {
			hi = x2;
			x2 = x1;
			r2 = r1;
			x1 = hi - g * (hi - lo);
			r1 = residual_at(z_um, s, n, asym, w_um, x1, c);
		} else {
			lo = x1;
			x1 = x2;
			r1 = r2;
			x2 = lo + g * (hi - lo);
			r2 = residual_at(z_um, s, n, asym, w_um, x2, c);
		}
	}
	if (r1 < best_r) {
		best_r = r1;
		best_z = x1;
	}
	if (r2 < best_r) {
		best_r = r2;
		best_z = x2;
	}
	(void)residual_at(z_um, s, n, asym, w_um, best_z, c);
	out->z0_um = best_z;
	out->peak = smax / c[0];
	if (isfinite(w_um)) {
		out->asym = asym;
		out->w_um = w_um;
	} else if (isnan(asym)) {
		double q = sqrt(c[1] / c[2]);     /* (1 + a) / (1 - a) */

		out->asym = (q - 1.0) / (q + 1.0);
		out->w_um = sqrt(c[0] / c[1]) * (1.0 + out->asym);
	} else {
		out->asym = asym;
		out->w_um = sqrt(c[0] / c[1]);
	}
	if (rms)
		*rms = sqrt(best_r / (double)n);
	return AF_OK;
}

/* s1 g(z1 - z0) - s2 g(z2 - z0), g the reciprocal of the unit-peak model */
static double two_f(double z1, double s1, double z2, double s2, double w, double a, double z0)
{
	double d1 = z1 - z0, d2 = z2 - z0;
	double u1 = d1 * (d1 >= 0.0 ? 1.0 + a : 1.0 - a) / w;
	double u2 = d2 * (d2 >= 0.0 ? 1.0 + a : 1.0 - a) / w;

	return s1 * (1.0 + u1 * u1) - s2 * (1.0 + u2 * u2);
}

int af_lorentz_two(double z1_um, double s1, double z2_um, double s2, double w_um, double asym,
		   double zlo_um, double zhi_um, double *near, double *far)
{
	double mid = 0.5 * (z1_um + z2_um), roots[4];
	int nr = 0;

	if (!near || !far || !(z1_um < z2_um) || !(s1 > 0.0) || !(s2 > 0.0) || !(w_um > 0.0) ||
	    !(fabs(asym) < 1.0) || !(zlo_um <= zhi_um))
		return AF_EINVAL;
	if (asym == 0.0) {
		/* the roots of (1 - r) u^2 - 2 (z1 - r z2) u + z1^2 - r z2^2 +
		 * w^2 (1 - r) = 0, r = S2 / S1 (the ratio of 1/S) */
		double r = s2 / s1, qa = 1.0 - r, qb = -2.0 * (z1_um - r * z2_um);
		double qc = z1_um * z1_um - r * z2_um * z2_um + w_um * w_um * qa, disc, u1, u2;

		if (fabs(qa) < 1e-12) {
			*near = *far = mid;
			return AF_OK;
		}
		disc = qb * qb - 4.0 * qa * qc;
		if (disc < 0.0) {
			*near = *far = s1 > s2 ? z1_um : z2_um;
			return AF_ENOFOCUS;
		}
		disc = sqrt(disc);
		u1 = (-qb - disc) / (2.0 * qa);
		u2 = (-qb + disc) / (2.0 * qa);
		*near = fabs(u1 - mid) <= fabs(u2 - mid) ? u1 : u2;
		*far = *near == u1 ? u2 : u1;
		return AF_OK;
	}
	/* sign changes on a grid over the bracket, each refined by bisection */
	{
		double zp = zlo_um, fp = two_f(z1_um, s1, z2_um, s2, w_um, asym, zp);

		for (int i = 1; i <= TWO_GRID && nr < 4; i++) {
			double zc = zlo_um + (zhi_um - zlo_um) * (double)i / TWO_GRID;
			double fc = two_f(z1_um, s1, z2_um, s2, w_um, asym, zc);

			if (fp == 0.0) {
				roots[nr++] = zp;
			} else if ((fp < 0.0) != (fc < 0.0) && fc != 0.0) {
				double a = zp, b = zc, fa = fp;

				for (int k = 0; k < TWO_BISECT; k++) {
					double m = 0.5 * (a + b), fm = two_f(z1_um, s1, z2_um, s2, w_um, asym, m);

					if ((fm < 0.0) == (fa < 0.0)) {
						a = m;
						fa = fm;
					} else {
						b = m;
					}
				}
				roots[nr++] = 0.5 * (a + b);
			}
			zp = zc;
			fp = fc;
		}
	}
	if (nr == 0) {
		*near = *far = s1 > s2 ? z1_um : z2_um;
		return AF_ENOFOCUS;
	}
	*near = roots[0];
	for (int i = 1; i < nr; i++)
		if (fabs(roots[i] - mid) < fabs(*near - mid))
			*near = roots[i];
	*far = NAN;
	for (int i = 0; i < nr; i++)
		if (roots[i] != *near && (isnan(*far) || fabs(roots[i] - mid) < fabs(*far - mid)))
			*far = roots[i];
	return AF_OK;
}
