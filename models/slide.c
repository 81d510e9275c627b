/*
 * slide.c - the places on the slide (slide.h).
 */
#include "models/slide.h"

#include <math.h>
#include <string.h>

#include "models/mdl.h"

/* Salts of the place hash: position, then the three factors. */
#define SALT_PLACE 0x6a09e667f3bcc909u

/* Cell diameters and contrasts a factor may produce stay in the
 * specimen's ranges. */
#define DIAMETER_MIN_UM 0.001
#define DIAMETER_MAX_UM 1000.0

void mdl_slide_config_default(mdl_slide_config *c)
{
	c->places = MDL_PLACES_VARIED;
	c->area_mm = 10.0;
	c->curvature_per_m = 0.0;
	c->contrast_sigma = 0.2;
	c->size_sigma = 0.15;
	c->brightness_sigma = 0.15;
}

static int in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi; /* false for NaN */
}

int mdl_slide_config_check(const mdl_slide_config *c)
{
	if (c->places != MDL_PLACES_VARIED && c->places != MDL_PLACES_SAME)
		return MDL_EINVAL;
	if (!in_range(c->area_mm, 0.0, 100.0) || !in_range(c->curvature_per_m, -1000.0, 1000.0) ||
	    !in_range(c->contrast_sigma, 0.0, 2.0) || !in_range(c->size_sigma, 0.0, 2.0) ||
	    !in_range(c->brightness_sigma, 0.0, 2.0))
		return MDL_EINVAL;
	return MDL_OK;
}

/* The splitmix64 output function. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* 53 bits of h as a uniform double in [0, 1). */
static double unit(uint64_t h)
{
	return (double)(h >> 11) * 0x1.0p-53;
}

/* An approximately standard normal from four 16-bit slices of h (the sum
 * of four uniforms, centred and scaled: within 3.5 sigma, no
 * transcendental call, the same bits everywhere). */
static double normal4(uint64_t h)
{
	double s = 0.0;

	for (unsigned i = 0; i < 4; i++)
		s += (double)((h >> (16u * i)) & 0xffffu) * 0x1.0p-16;
	return (s - 2.0) * 1.7320508075688772;   /* sqrt(12 / 4) */
}

void mdl_slide_place(const mdl_slide_config *c, uint64_t key, double z_plan_um,
		     mdl_place *out)
{
	uint64_t bits, h;
	double side_um = c->area_mm * 1000.0, k_per_um = c->curvature_per_m * 1e-6;

	memset(out, 0, sizeof *out);
	out->contrast_factor = out->size_factor = out->brightness_factor = 1.0;
	if (c->places == MDL_PLACES_SAME)
		return;
	if (z_plan_um == 0.0)
		z_plan_um = 0.0;   /* -0 is +0: one place */
	memcpy(&bits, &z_plan_um, sizeof bits);
	h = mix64(key ^ SALT_PLACE) ^ bits;
	h = mix64(h);
	out->x_um = (unit(h) - 0.5) * side_um;
	h = mix64(h + 1);
	out->y_um = (unit(h) - 0.5) * side_um;
	out->contrast_factor = exp(c->contrast_sigma * normal4(mix64(h + 2)));
	out->size_factor = exp(c->size_sigma * normal4(mix64(h + 3)));
	out->brightness_factor = exp(c->brightness_sigma * normal4(mix64(h + 4)));
	/* the bow's slope, um per um, per mm */
	out->slope_x_um_per_mm = k_per_um * out->x_um * 1000.0;
	out->slope_y_um_per_mm = k_per_um * out->y_um * 1000.0;
}

void mdl_slide_specimen(const mdl_specimen_config *spec, const mdl_place *p,
			mdl_specimen_config *out)
{
	double d;

	if (out != spec)
		*out = *spec;
	out->contrast = fmin(1.0, spec->contrast * p->contrast_factor);
	d = spec->cell_diameter_um * p->size_factor;
	out->cell_diameter_um = fmin(DIAMETER_MAX_UM, fmax(DIAMETER_MIN_UM, d));
	out->brightness = spec->brightness * p->brightness_factor;
	out->tilt_x_um_per_mm = spec->tilt_x_um_per_mm + p->slope_x_um_per_mm;
	out->tilt_y_um_per_mm = spec->tilt_y_um_per_mm + p->slope_y_um_per_mm;
}
