/*
 * slide.h - the slide under the objectives and the places on it: every
 * place of a scan plan shows its own field.
 *
 * A place is named by its plan position z_plan_um (where lens A is in
 * focus there; docs/design.md §4).  Where it lies on the slide and how its
 * specimen looks there are a pure function of (slide config, key, z_plan):
 * the same plan position is the same place (a calibration site visited
 * again shows the same field), two positions are two places.  A place
 * has
 *
 *   - its xy position, uniform over a square of area_mm a side centred on
 *     the slide: the field the camera sees there is another part of the
 *     procedural specimen, other cells;
 *   - its own texture and contrast: the specimen's contrast, cell diameter
 *     and brightness times log-normal factors (contrast_sigma,
 *     size_sigma, brightness_sigma), as stain and cell size vary across a
 *     real slide;
 *   - the local slope of the slide's height map h(x, y) = tilt . (x, y) +
 *     (x^2 + y^2) / (2 R): the specimen's tilt (the slide's, drawn per seed
 *     unless a scenario sets it) plus the bow's slope (x, y) / R, R the
 *     radius of 1 / curvature_per_m.  The height itself is in the plan
 *     position already (a scan plan measures it); only the slope across
 *     the field is the camera's.
 *
 * places MDL_PLACES_SAME gives every place the field at the slide's centre
 * with the specimen as configured (the world before places existed).
 * Randomness: integer hashing of (key, z_plan bits), never RNG state; the
 * only transcendental calls are exp() for the factors.
 */
#ifndef MDL_SLIDE_H
#define MDL_SLIDE_H

#include <stdint.h>

#include "models/specimen.h"

typedef enum mdl_places {
	MDL_PLACES_VARIED,   /* default: every place its own field */
	MDL_PLACES_SAME,     /* every place the slide's centre, the specimen as configured */
} mdl_places;

typedef struct mdl_slide_config {
	mdl_places places;
	double area_mm;           /* 10: side of the square the places lie in */
	double curvature_per_m;   /* 0 (drawn per seed): the bow, 1 / R */
	double contrast_sigma;    /* 0.2: log-normal spread of a place's contrast */
	double size_sigma;        /* 0.15: of its cell diameter */
	double brightness_sigma;  /* 0.15: of its brightness */
} mdl_slide_config;

/* One place. */
typedef struct mdl_place {
	double x_um, y_um;            /* the field's centre on the slide */
	double contrast_factor;       /* times the specimen's contrast (capped at 1) */
	double size_factor;           /* times its cell diameter */
	double brightness_factor;     /* times its brightness */
	double slope_x_um_per_mm;     /* the bow's slope there (added to the tilt) */
	double slope_y_um_per_mm;
} mdl_place;

/* Defaults: varied places over 10 mm, no bow, spreads 0.2 / 0.15 / 0.15. */
void mdl_slide_config_default(mdl_slide_config *c);

/* MDL_OK, or MDL_EINVAL for an unknown places value, a non-finite value,
 * area_mm outside [0, 100], |curvature_per_m| > 1000 or a spread outside
 * [0, 2]. */
int mdl_slide_config_check(const mdl_slide_config *c);

/* The place whose plan position is z_plan_um on the slide keyed by key
 * (the run's): a pure function of its arguments.  -0 and +0 are one
 * place. */
void mdl_slide_place(const mdl_slide_config *c, uint64_t key, double z_plan_um,
		     mdl_place *out);

/* The specimen as place p shows it: spec with p's factors and the bow's
 * slope added to its tilt.  out may be spec. */
void mdl_slide_specimen(const mdl_specimen_config *spec, const mdl_place *p,
			mdl_specimen_config *out);

#endif /* MDL_SLIDE_H */
