/*
 * camera.h - sCMOS image formation: specimen -> defocus blur -> photons ->
 * electrons -> ADU.
 *
 * A view (mdl_view) is what one lens sees of the specimen through one ROI.
 * It samples the specimen, area-averaged per pixel with a margin around
 * the ROI, and caches a ladder of Gaussian blurs of it (defocus.h), both
 * lazily: a level is built when a frame first needs it, and the specimen
 * is sampled only as far around the ROI as the widest level built so far
 * reads; a frame interpolates between the two levels around the
 * PSF sigma of its defocus, so rendering costs one lerp, one 64-bit random
 * draw and one conversion per pixel.  The focus curve depends on defocus
 * only through the lens's blur sigma: with asymmetry 0 it is exactly
 * symmetric and peaks at defocus 0.
 *
 * Noise, added after blur: Poisson shot noise on the expected electrons
 * (signal + dark), Gaussian read noise, clipping at full well, gain,
 * offset, rounding to the nearest ADU, clipping to [0, 2^bit_depth - 1].
 * Above 24 expected electrons shot + read noise is one Gaussian of
 * variance lambda + read_noise^2 (skewness below 0.2); below it the
 * Poisson count is exact (inversion).  Randomness comes only from the
 * sim_rng passed in: a frame is a pure function of (view, exposure, rng
 * state), bit for bit on every compiler and optimisation level.  How many
 * draws a frame takes depends on the frame (about one per four pixels in
 * bright light, one per pixel where it is dim) but never on anything else.
 */
#ifndef MDL_CAMERA_H
#define MDL_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "models/optics.h"
#include "models/specimen.h"
#include "kernel/rng.h"

typedef struct mdl_camera_config {
	uint32_t sensor_width, sensor_height;   /* 2048 x 2048 */
	double qe;                 /* quantum efficiency, 0.75 */
	double read_noise_e;       /* 1.6 e- rms */
	double full_well_e;        /* 30000 e- */
	double dark_e_per_s;       /* 0.5 e-/s per pixel */
	double offset_adu;         /* 100 */
	uint32_t bit_depth;        /* 16 (1..16) */
	/* Electrons per ADU; 0 = auto: full well fits in the ADC range above
	 * the offset, full_well / (2^bit_depth - 1 - offset). */
	double gain_e_per_adu;
	/* Photons per pixel per second at emission 1.0; the default puts a
	 * 5 ms exposure of the default specimen at 1/3 full well (10000 e-). */
	double photon_flux_per_s;
	uint32_t exposure_us;      /* 5000 */
	double readout_us_per_row; /* 2500 / 512: 2.5 ms per 512 rows */
	/* ROI of the HAL's camera, default 128 x 128 centred; a view takes its
	 * ROI as arguments and ignores these. */
	uint32_t roi_x, roi_y, roi_width, roi_height;
	/* 0 = no bleaching; else signal *= exp(-cumulative exposure / tau):
	 * the sim tracks the cumulative exposure and passes the factor as
	 * mdl_exposure.signal_scale (mdl_camera_bleach_scale). */
	double bleach_tau_s;
	double frame_timeout_ms;   /* 100: how long the HAL waits before reporting a dropped frame */
	/* What a grab and the camera's settings cost besides exposure and
	 * readout (docs/models.md, "Timing"): */
	double trigger_latency_us; /* 60: the software trigger's command to the start of exposure */
	double link_mb_per_s;      /* 380: the link's sustained payload rate (USB3 Vision), MB/s */
	double delivery_us;        /* 300: the frame's last byte to the frame in the caller's buffer */
	double register_write_us;  /* 500: one feature write (set_exposure) */
	double roi_change_ms;      /* 20: a new ROI (acquisition stopped, reconfigured, restarted) */
} mdl_camera_config;

/* The docs/physics.md sCMOS defaults listed above. */
void mdl_camera_config_default(mdl_camera_config *c);

/* 0 if the config is usable (sensor 1..65535 px a side, qe in (0, 1],
 * non-negative finite noise, dark, flux, readout, tau, timeout, full well
 * > 0, bit depth 1..16, offset in [0, 2^bit_depth - 1), gain >= 0, the
 * ROI fields inside the sensor), MDL_EINVAL otherwise. */
int mdl_camera_config_check(const mdl_camera_config *c);

/* Electrons per ADU: gain_e_per_adu, or the auto gain when it is 0. */
double mdl_camera_gain_e_per_adu(const mdl_camera_config *c);

/* Largest output code, 2^bit_depth - 1. */
uint32_t mdl_camera_max_adu(const mdl_camera_config *c);

/* Exposure + readout (roi_height rows at readout_us_per_row) in integer
 * nanoseconds, rounded to nearest. */
int64_t mdl_camera_frame_time_ns(const mdl_camera_config *c, uint32_t exposure_us,
				 uint32_t roi_height);

/*
 * One triggered grab of a roi_width x roi_height frame, ns from the
 * trigger command to the frame in the caller's buffer: the trigger
 * latency, the exposure, then the readout and the transfer over the link
 * (the frame streams out while it is read, so the longer of the two:
 * bytes / link_mb_per_s, 2 bytes a pixel above 8 bits), then the delivery.
 * *exposure_start_ns (when not NULL) receives the start of the exposure
 * from the trigger command, ns.  Rounded to nearest.
 */
int64_t mdl_camera_grab_time_ns(const mdl_camera_config *c, uint32_t exposure_us,
				uint32_t roi_width, uint32_t roi_height, int64_t *exposure_start_ns);

/* Bleaching factor after cumulative_exposure_s of light: 1 without
 * bleaching (tau 0), else exp(-cumulative / tau). */
double mdl_camera_bleach_scale(const mdl_camera_config *c, double cumulative_exposure_s);

/* Opaque: what one lens sees of the specimen through one ROI, with its
 * cached defocus stack. */
typedef struct mdl_view mdl_view;

/*
 * A view of the ROI (roi_x, roi_y, roi_width, roi_height) of the sensor,
 * in sensor pixels, through lens; field_x_um / field_y_um are the specimen
 * coordinates of the sensor centre.  The view copies the configs.  Cost:
 * nothing is sampled or built yet.  The first frame samples the specimen
 * n^2 times per pixel of the ROI and of a band around it as wide as its
 * blur levels' kernels reach (3.5 sigma, at most a 32-pixel margin), n =
 * max(2, ceil(sample pixel / 0.25 um)) (3 for lens A, 2 for lens B), and
 * builds its levels; later frames sample only the band a wider level adds
 * and build only levels not built yet.  Memory: 4 bytes per pixel of the
 * ROI and margin, 4 per ROI pixel per blur level used, plus a shared
 * 256 KiB noise table.  NULL on bad arguments (invalid configs, an empty
 * ROI or one outside the sensor) or out of memory.
 */
mdl_view *mdl_view_new(const mdl_lens_config *lens, const mdl_specimen_config *spec,
		       const mdl_camera_config *cam, uint32_t roi_x, uint32_t roi_y,
		       uint32_t roi_width, uint32_t roi_height, double field_x_um,
		       double field_y_um);

/* Frees the view and its cache; NULL is a no-op. */
void mdl_view_free(mdl_view *v);

/*
 * Views kept for reuse.  A view is a pure function of the arguments that
 * made it, so a view handed back with mdl_view_give can serve a later
 * mdl_view_take with the same arguments (compared byte for byte), its
 * specimen samples and blur levels included, and it renders the frames a
 * new view would, bit for bit: the cache changes no result, only the time
 * (a place seen again, a scenario run again, scenarios of one seed, in one
 * process).  One cache per process, safe from several threads: a taken
 * view belongs to its taker alone until given back.  It holds idle views
 * up to a budget of bytes, evicting the least recently given back.
 */

/* An idle cached view made with these arguments, or else a new one
 * (mdl_view_new).  NULL on what makes mdl_view_new fail, or when a cached
 * view's scratch cannot be made again (out of memory).  Hand it back with
 * mdl_view_give, or free it with mdl_view_free. */
mdl_view *mdl_view_take(const mdl_lens_config *lens, const mdl_specimen_config *spec,
			const mdl_camera_config *cam, uint32_t roi_x, uint32_t roi_y,
			uint32_t roi_width, uint32_t roi_height, double field_x_um,
			double field_y_um);

/* Hand v back (any view, taken or new): it waits idle in the cache, its
 * scratch freed, for a take with its arguments, until the budget evicts
 * it.  Never fails (the cache's links live in the view).  NULL is a
 * no-op. */
void mdl_view_give(mdl_view *v);

/* Free every idle view (a benchmark's cold start; tests). */
void mdl_view_cache_clear(void);

/* The bytes idle views may hold, by default 64 MiB; 0 frees every view
 * given back.  Views over a lowered budget are freed now. */
void mdl_view_cache_set_budget(size_t bytes);

typedef struct mdl_view_cache_stat {
	size_t idle_views, idle_bytes, budget_bytes;
	uint64_t hits, misses;    /* takes that found a view, and that made one */
} mdl_view_cache_stat;

/* The cache's figures now. */
void mdl_view_cache_stats(mdl_view_cache_stat *st);

/* ROI size in pixels. */
uint32_t mdl_view_width(const mdl_view *v);
uint32_t mdl_view_height(const mdl_view *v);

/* Specimen-plane size of a pixel, um, and the specimen coordinates of the
 * ROI centre, um. */
double mdl_view_pixel_um(const mdl_view *v);
void mdl_view_centre_um(const mdl_view *v, double *x_um, double *y_um);

/* Sample the specimen over the ROI and the whole margin now, as far as
 * not yet (for those who read the sharp image itself: bench/peer).  0 or
 * MDL_ENOMEM. */
int mdl_view_sample_all(mdl_view *v);

/* Blur levels built so far (summed over layers), specimen point samples
 * taken so far, and the bytes the view holds, for benchmarks and memory
 * budgets. */
int mdl_view_levels_built(const mdl_view *v);
size_t mdl_view_samples(const mdl_view *v);
size_t mdl_view_bytes(const mdl_view *v);

typedef struct mdl_exposure {
	double defocus_um;     /* z_stage - z_focus of layer 0 at the ROI centre (see optics.h sign convention) */
	double exposure_s;     /* >= 0 */
	double signal_scale;   /* multiplies the expected photon count (bleaching, illumination faults); 1.0 nominal, >= 0 */
	/* Change of defocus from the start to the end of the exposure (the
	 * stage moving or ringing); defocus_um is the middle.  0 = still.  A
	 * swept frame is the time average of the images along the sweep
	 * (sub-exposures a quarter DOF apart, at most 16). */
	double defocus_sweep_um;
} mdl_exposure;

/*
 * Render one frame into out (width * height uint16, row-major).  Expected
 * electrons per pixel = qe * flux * exposure * signal_scale * (specimen
 * blurred by the lens PSF at that pixel's defocus, per layer, summed) +
 * dark * exposure.  A pixel's defocus is defocus_um minus the tilt height
 * of the pixel relative to the ROI centre minus the layer's offset.  Then
 * shot noise, read noise, clipping at full well, offset + e / gain,
 * rounding, clipping to the ADC range.  Returns 0, MDL_EINVAL (NULL
 * pointer, non-finite or negative exposure values), MDL_ENOMEM (a blur
 * level could not be built; out and rng are then untouched).
 */
int mdl_camera_render(mdl_view *v, const mdl_exposure *x, sim_rng *rng, uint16_t *out);

/*
 * mdl_camera_render, and the frame's sim_digest_u16 (kernel/digest.h) into
 * *digest, computed while the frame is rendered (the digest's serial
 * chain overlaps the random draws: cheaper than digesting afterwards).
 * The same frame, the same generator state and the same digest as
 * mdl_camera_render then sim_digest_u16.  MDL_EINVAL also for a NULL
 * digest; *digest is written only on success.
 */
int mdl_camera_render_digest(mdl_view *v, const mdl_exposure *x, sim_rng *rng, uint16_t *out,
			     uint64_t *digest);

/*
 * The noise-free expected electrons per pixel of the frame
 * mdl_camera_render would draw (before clipping), into out (width * height
 * doubles).  Returns 0, MDL_EINVAL or MDL_ENOMEM like mdl_camera_render.
 */
int mdl_camera_expected_e(mdl_view *v, const mdl_exposure *x, double *out);

#endif /* MDL_CAMERA_H */
