/*
 * optics.c - objective optics and the parfocal relation.
 */
#include "optics.h"

#include <math.h>

#include "mdl.h"

void mdl_lens_config_default(mdl_lens_config *c, int lens)
{
	c->magnification = lens == MDL_LENS_A ? 10.0 : 40.0;
	c->na = lens == MDL_LENS_A ? 0.30 : 0.75;
	c->wavelength_um = 0.55;
	c->medium_n = 1.0;
	c->camera_pixel_um = 6.5;
	c->geometric_sigma_per_radius = 0.5;
	c->asymmetry = 0.0;
}

static int positive(double v)
{
	return isfinite(v) && v > 0.0;
}

int mdl_lens_config_check(const mdl_lens_config *c)
{
	if (!positive(c->magnification) || !positive(c->na) || !positive(c->wavelength_um) ||
	    !positive(c->medium_n) || !positive(c->camera_pixel_um) ||
	    !positive(c->geometric_sigma_per_radius) || !(c->na < c->medium_n) ||
	    !isfinite(c->asymmetry) || !(fabs(c->asymmetry) < 1.0))
		return MDL_EINVAL;
	return MDL_OK;
}

int mdl_parfocal_config_check(const mdl_parfocal_config *c)
{
	if (!isfinite(c->c0_um) || !isfinite(c->c1) || !isfinite(c->c2_per_um) ||
	    !isfinite(c->c3_per_um2) || !isfinite(c->ref_temp_c) ||
	    !isfinite(c->focal_tc_um_per_c) || !isfinite(c->offset_tc_um_per_c) ||
	    !isfinite(c->seating_sigma_um) || c->seating_sigma_um < 0.0 ||
	    !isfinite(c->depth_slope) || !isfinite(c->depth_interface_um) ||
	    !isfinite(c->depth_length_um) || !(c->depth_length_um > 0.0))
		return MDL_EINVAL;
	return MDL_OK;
}

double mdl_lens_dof_um(const mdl_lens_config *c)
{
	return c->wavelength_um * c->medium_n / (c->na * c->na) +
	       c->medium_n * c->camera_pixel_um / (c->magnification * c->na);
}

double mdl_lens_sigma_xy_um(const mdl_lens_config *c)
{
	return 0.21 * c->wavelength_um / c->na;
}

double mdl_lens_sigma_z_um(const mdl_lens_config *c)
{
	return 0.66 * c->medium_n * c->wavelength_um / (c->na * c->na);
}

double mdl_lens_blur_slope(const mdl_lens_config *c)
{
	/* tan(asin(NA / n)) without the trigonometry. */
	double s = c->na / c->medium_n;

	return s / sqrt(1.0 - s * s);
}

double mdl_lens_sample_pixel_um(const mdl_lens_config *c)
{
	return c->camera_pixel_um / c->magnification;
}

double mdl_lens_effective_defocus_um(const mdl_lens_config *c, double defocus_um)
{
	if (defocus_um >= 0.0)
		return defocus_um * (1.0 + c->asymmetry);
	return -defocus_um * (1.0 - c->asymmetry);
}

double mdl_lens_blur_sigma_um(const mdl_lens_config *c, double defocus_um)
{
	double sxy = mdl_lens_sigma_xy_um(c);
	double g = c->geometric_sigma_per_radius * mdl_lens_blur_slope(c) *
		   mdl_lens_effective_defocus_um(c, defocus_um);

	return sqrt(sxy * sxy + g * g);
}

void mdl_parfocal_config_default(mdl_parfocal_config *c)
{
	c->c0_um = 4.0;
	c->c1 = 1.0;
	c->c2_per_um = 0.0;
	c->c3_per_um2 = 0.0;
	c->depth_slope = -0.2;
	c->depth_length_um = 10.0;
	c->depth_interface_um = -16.0;
	c->ref_temp_c = 22.0;
	c->focal_tc_um_per_c = 1.0;
	c->offset_tc_um_per_c = 0.10;
	c->seating_sigma_um = 0.2;
}

/* F of the depth term (optics.h): an exponential below the interface,
 * its tangent above it (the focal plane in the coverslip glass, whose
 * index the objectives are corrected for). */
static double depth_f(const mdl_parfocal_config *c, double z_um)
{
	double k = c->depth_slope, l = c->depth_length_um, zi = c->depth_interface_um;

	if (z_um >= zi)
		return -k * l * exp((zi - z_um) / l);
	return k * (z_um - zi) - k * l;
}

double mdl_parfocal_zb_um(const mdl_parfocal_config *c, double za_um)
{
	/* Horner form: one rounding order on every compiler. */
	double poly = c->c0_um + za_um * (c->c1 + za_um * (c->c2_per_um + za_um * c->c3_per_um2));

	if (c->depth_slope == 0.0)
		return poly;
	return poly + (depth_f(c, za_um) - depth_f(c, 0.0));
}

double mdl_focus_um(const mdl_parfocal_config *c, int lens, double z_plan_um,
		    double temp_c, double seat_um)
{
	double dt = temp_c - c->ref_temp_c;

	if (lens == MDL_LENS_A)
		return z_plan_um + c->focal_tc_um_per_c * dt + seat_um;
	return mdl_parfocal_zb_um(c, z_plan_um) +
	       (c->focal_tc_um_per_c + c->offset_tc_um_per_c) * dt + seat_um;
}
