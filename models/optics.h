/*
 * optics.h - the two objectives and the parfocal relation between them.
 *
 * Per lens: depth of field, the Gaussian PSF width in focus and its growth
 * with defocus, the sample pixel.  Between lenses: where lens B is in focus
 * given where lens A is (the parfocal relation), its temperature dependence
 * and the seating repeatability of a lens switch.
 *
 * Conventions: defocus dz = z_stage - z_focus in micrometres; a positive dz
 * means the stage is above the focal plane.  Defaults come from docs/physics.md.
 */
#ifndef MDL_OPTICS_H
#define MDL_OPTICS_H

typedef struct mdl_lens_config {
	double magnification;     /* 10 (A), 40 (B) */
	double na;                /* numerical aperture: 0.30 (A), 0.75 (B) */
	double wavelength_um;     /* 0.55 */
	double medium_n;          /* refractive index of the medium: 1.0 (dry) */
	double camera_pixel_um;   /* sensor pixel pitch e: 6.5 */
	/* Gaussian sigma per geometric blur radius: sigma_geo = k * slope * |dz|.
	 * 0.5 puts the blur circle's edge at two sigma. */
	double geometric_sigma_per_radius;
	/* Spherical-aberration asymmetry a: defocus above focus blurs as
	 * (1 + a) dz, below as (1 - a) |dz|; 0 keeps the focus curve symmetric.
	 * |a| < 1. */
	double asymmetry;
} mdl_lens_config;

/* Defaults: lens MDL_LENS_A 10x/0.30, MDL_LENS_B 40x/0.75. */
void mdl_lens_config_default(mdl_lens_config *c, int lens);

/* MDL_OK if usable: NA in (0, n), magnification, wavelength, n, pixel and
 * k positive and finite, |asymmetry| < 1; MDL_EINVAL otherwise. */
int mdl_lens_config_check(const mdl_lens_config *c);

/* lambda n / NA^2 + n e / (M NA), micrometres. */
double mdl_lens_dof_um(const mdl_lens_config *c);
/* In-focus lateral PSF sigma 0.21 lambda / NA, micrometres. */
double mdl_lens_sigma_xy_um(const mdl_lens_config *c);
/* Axial PSF sigma 0.66 n lambda / NA^2, micrometres. */
double mdl_lens_sigma_z_um(const mdl_lens_config *c);
/* Geometric blur radius per micrometre of defocus: tan(asin NA). */
double mdl_lens_blur_slope(const mdl_lens_config *c);
/* Specimen-plane size of one camera pixel: e / M, micrometres. */
double mdl_lens_sample_pixel_um(const mdl_lens_config *c);
/* Lateral blur sigma at defocus dz: sqrt(sigma_xy^2 + (k slope dz')^2),
 * dz' with the asymmetry applied; micrometres. */
double mdl_lens_blur_sigma_um(const mdl_lens_config *c, double defocus_um);
/* The symmetric-equivalent defocus: |dz| scaled by (1 +/- asymmetry). */
double mdl_lens_effective_defocus_um(const mdl_lens_config *c, double defocus_um);

typedef struct mdl_parfocal_config {
	/* z_B = c0 + c1 z_A + c2 z_A^2 + c3 z_A^3 + D(z_A) at the reference
	 * temperature; c0 in um, c1 dimensionless, c2 in 1/um, c3 in 1/um^2
	 * (c2, c3: 0 by default, the curvature is D's). */
	double c0_um, c1, c2_per_um, c3_per_um2;
	/* D: the depth-dependent axial scaling of lens B relative to lens A
	 * focusing into the mounting medium (docs/physics.md), with F(z) =
	 * -k l exp((z_i - z) / l) below the coverslip (z >= z_i) and its
	 * tangent k (z - z_i) - k l above it, D(z) = F(z) - F(0): its slope is
	 * k at the interface and fades to 0 over l deeper in.  No polynomial
	 * holds it, so extrapolating a fitted mapping beyond the calibrated
	 * range degrades.  k = depth_slope (-0.2, 0: none), l =
	 * depth_length_um (10, > 0), z_i = depth_interface_um (-16: the lens-A
	 * plan position where the focal plane meets the coverslip). */
	double depth_slope, depth_length_um, depth_interface_um;
	double ref_temp_c;               /* 22: temperature the relation holds at */
	double focal_tc_um_per_c;        /* 1.0: both focal planes drift with T */
	double offset_tc_um_per_c;       /* 0.10: extra drift of lens B's offset */
	double seating_sigma_um;         /* 0.2: per-switch seat repeatability */
} mdl_parfocal_config;

void mdl_parfocal_config_default(mdl_parfocal_config *c);

/* MDL_OK if every coefficient is finite, the seating sigma >= 0 and the
 * depth length > 0. */
int mdl_parfocal_config_check(const mdl_parfocal_config *c);

/* The parfocal relation f(z_A) at the reference temperature, um: the
 * polynomial plus the depth term D. */
double mdl_parfocal_zb_um(const mdl_parfocal_config *c, double za_um);

/*
 * True in-focus stage position of a lens for a place on the specimen.
 * z_plan_um is where lens A was in focus at that place at the reference
 * temperature; temp_c is the instrument temperature that drives focal drift;
 * seat_um the seating error of the lens's current seat.
 *   A: z_plan + focal_tc (T - Tref) + seat
 *   B: f(z_plan) + (focal_tc + offset_tc) (T - Tref) + seat
 */
double mdl_focus_um(const mdl_parfocal_config *c, int lens, double z_plan_um,
		    double temp_c, double seat_um);

#endif /* MDL_OPTICS_H */
