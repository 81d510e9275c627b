/*
 * af_engine.h - the dual-lens autofocus engine: A<->B handoff, focus search
 * at three optimization levels, parfocal calibration with temperature
 * compensation, a focus prediction cache and statistics.
 *
 * The engine sees hardware only through the HAL (af_hal.h): it runs
 * unchanged on the simulator and on a physical rig, and measures every
 * phase with the HAL clock.  Focus is computed from the pixels of the
 * frames the HAL returns.
 *
 * Memory: af_engine_new() allocates everything the engine will ever use
 * (frame buffer, sample arrays, statistics ring); af_handoff(),
 * af_autofocus() and af_calibrate() never allocate.
 *
 * Stage motion: the engine compensates the z drive's backlash (a play of
 * backlash_um, measured by calibration) by commanding downward moves
 * backlash_um lower, so that every move lands on its target whichever way
 * it goes; it tracks the direction of its own moves, so moves made behind
 * its back should go through af_engine_goto().
 *
 * Failure: every operation reports an error code and message; after a
 * failed search the stage is left at the predicted position (when the drive
 * still answers), never driven to 0.
 */
#ifndef AF_ENGINE_H
#define AF_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "af_cache.h"
#include "af_fit.h"
#include "af_hal.h"
#include "af_mapping.h"
#include "af_measure.h"
#include "af_stats.h"
#include "af_thermal.h"

/* The engine's version, written into every field log (af_rec.h). */
#define AF_ENGINE_VERSION "1.0"

/* Size of every message buffer: the engine's and the results'. */
#define AF_MSG_MAX 256

typedef enum af_level {
	AF_LEVEL_ULTRA_FAST,
	AF_LEVEL_FAST,
	AF_LEVEL_STANDARD,
	AF_LEVEL_COUNT
} af_level;

/* "ultra_fast", "fast", "standard"; NULL for a bad value. */
const char *af_level_name(af_level l);
/* The level named s, or -1. */
int af_level_parse(const char *s);

/*
 * How a search samples the focus curve.
 *   SCAN   an evenly spaced pass of `points` frames (extended while the
 *          maximum is at an end), a peak fit, an optional refine pass.
 *   PROBE  two frames step_um either side of the prediction; a
 *          Lorentzian focus curve S = A / (1 + ((z - z0) / w)^2) through
 *          them (w, the curve's half width, learnt from earlier searches)
 *          puts the peak z0; the third frame is taken there, where the
 *          stage lands.  With confirm, the three frames are fitted again
 *          and the stage moves once more if the refit lands more than
 *          land_tol_um away.  Two moves instead of three for a three-frame
 *          fit: the fast levels.
 */
typedef enum af_search_mode { AF_SEARCH_SCAN, AF_SEARCH_PROBE } af_search_mode;

/* How one lens searches at one level. */
typedef struct af_search_params {
	af_search_mode mode;
	bool confirm;             /* PROBE: refit the three frames, reland if needed */
	double land_tol_um;       /* PROBE: how far the refit may move the landing */
	af_measure_kind measure;
	uint32_t stride;          /* measure decimation: 1 every pixel, 2 a quarter */
	uint32_t points;          /* frames of the first pass, odd, >= 3 */
	double step_um;           /* spacing of the first pass */
	uint32_t refine_points;   /* second pass around the first's peak (0: none) */
	double refine_step_um;
	double range_um;          /* never leave prediction +/- range */
	uint32_t max_frames;      /* frame budget of one search */
	af_peak_method fit;
	uint32_t fit_window;      /* points around the maximum the fit uses, odd */
	/* Below this relative contrast, (max - min) / max of the scores of a
	 * pass, there is no focus to find (a blank or low-texture field). */
	double min_contrast;
	/* When the maximum is the first or last frame, accept the Gaussian
	 * fit's vertex up to this far beyond the frames instead of taking
	 * another frame (0: always extend). */
	double extrapolate_um;
} af_search_params;

typedef struct af_engine_config {
	af_level level;
	af_search_params search[AF_LENS_COUNT][AF_LEVEL_COUNT];
	/* Initial half width of each lens's focus curve (Lorentzian w, um)
	 * for PROBE searches; refined by every search that fits three frames. */
	double curve_width_um[AF_LENS_COUNT];
	/* Searches that must find a lens's focus from a rough hint (calibration,
	 * autofocus without a mapping): wide coarse pass + fine pass. */
	af_search_params wide[AF_LENS_COUNT];
	af_mapping_model mapping_model;
	bool thermal_compensation;
	/* The instrument's thermal lags, for estimating the drift
	 * temperature from the stand's sensor (af_thermal.h). */
	af_thermal_config thermal;
	/* Drift of each lens's focus per degree from the factory
	 * characterisation, used until calibrations at two temperatures give
	 * fitted ones (0 and 0: no compensation before then). */
	double prior_tc_a_um_per_c;     /* 1.0 */
	double prior_tc_b_um_per_c;     /* 1.1 */
	double mapping_limit_um;        /* 1.0: validation bound */
	uint32_t validation_retries;    /* 1 */
	double validation_min_ratio;    /* 0.8: score at the landing / best frame's */
	double nominal_offset_um;       /* 4.0: z_B - z_A before any calibration */
	/* Learn the mean residual (found - predicted) of recent handoffs per
	 * direction and add it to predictions: removes the calibration's own
	 * seating bias and slow drift the thermal model misses.  An
	 * exponential average over about refine_window handoffs; reset by
	 * calibration; residuals beyond the mapping limit are not learnt. */
	bool refine_offset;             /* true */
	uint32_t refine_window;         /* 16 */
	size_t cache_size;              /* 64 */
	double cache_hit_threshold_um;  /* 0.05 */
	double cache_temp_bound_c;      /* 0.5 */
	double backlash_um;             /* 2.0 until calibration measures it */
	uint32_t settle_timeout_ms;     /* 500 */
	/* Start the focus move before the lens switch and let the stage travel
	 * while the objective changes (levels fast and ultra_fast). */
	bool overlap[AF_LEVEL_COUNT];
	/* Read the encoder after the focus move: when the stage is more than
	 * position_tol_um from where the engine put it (lost steps), the
	 * engine takes the encoder's word, so the search's frames are labelled
	 * where they really are.  Costs one bus exchange (5-25 ms). */
	bool verify_position[AF_LEVEL_COUNT];
	double position_tol_um;         /* 0.15 */
	/* Exposure of a level's search frames, us (0: leave the camera's);
	 * restored after the handoff.  Shorter frames at ultra_fast. */
	uint32_t exposure_us[AF_LEVEL_COUNT];
	double z_min_um, z_max_um;      /* soft limits: the engine never commands beyond */
	size_t stats_window;            /* 4096 handoffs kept for percentiles */
} af_engine_config;

/* The defaults, defended in docs/engine.md. */
void af_engine_config_default(af_engine_config *c);

/* NULL when c is usable, else a static message saying what is wrong
 * (what af_engine_new checks). */
const char *af_engine_config_check(const af_engine_config *c);

typedef struct af_engine af_engine;

/* A new engine on hal (copied).  NULL on bad configuration or out of
 * memory; *err (when not NULL) then points to a static message. */
af_engine *af_engine_new(const af_hal *hal, const af_engine_config *cfg, const char **err);
void af_engine_free(af_engine *e);

/* Message of the last failed operation ("no error" before any). */
const char *af_engine_errmsg(const af_engine *e);
const af_engine_config *af_engine_get_config(const af_engine *e);
/* Change the optimization level between operations. */
void af_engine_set_level(af_engine *e, af_level level);
void af_engine_set_thermal_compensation(af_engine *e, bool on);

/* One frame the engine scored: for recording and drawing searches. */
typedef struct af_sample {
	int64_t t_us;       /* HAL clock at the frame's mid-exposure */
	af_lens lens;
	double z_um;        /* where the engine believes the stage was */
	double score;
	af_measure_kind measure;
} af_sample;

typedef void (*af_sample_fn)(void *user, const af_sample *s);
/* Called for every frame the engine scores (NULL to remove). */
void af_engine_set_sample_hook(af_engine *e, af_sample_fn fn, void *user);

/*
 * Replay's seam (field/fld_replay.h): when fn is set the engine asks it for
 * the focus score of every frame it takes instead of calling af_measure
 * itself, so a replay can answer frames whose pixels a log did not keep
 * with their recorded scores.  fn returns AF_OK and *score, or an error the
 * engine treats as a failed measure.  NULL (the default) restores
 * af_measure.  An instrument never sets it.
 */
typedef int (*af_measure_fn)(void *user, const af_frame *f, af_measure_kind m, uint32_t stride,
			     double *score);
void af_engine_set_measure_fn(af_engine *e, af_measure_fn fn, void *user);

typedef struct af_handoff_result {
	bool success;
	int error;                     /* AF_OK or a negative af_err */
	af_lens from, to;
	double src_um;                 /* source position (lens `from` in focus) */
	double predicted_um;           /* where the mapping (or cache) put lens `to` */
	double found_um;               /* where the search found it (NaN if not) */
	double mapping_error_um;       /* |found - predicted| (NaN if not found) */
	double phase_ms[AF_PHASE_COUNT];
	uint32_t frames;
	uint32_t retries;
	bool cache_hit;
	double temp_c;                 /* sensor reading */
	double temp_eff_c;             /* drift temperature estimate used for compensation */
	char message[AF_MSG_MAX];             /* "" on success */
} af_handoff_result;

/*
 * Hand off from lens `from`, in focus at src_um, to lens `to`: switch,
 * move to the predicted position, search around it, validate (mapping
 * error against the limit, score at the landing against the fitted peak,
 * with a bounded retry over a wider range).  Fills *out whatever happens
 * and records it in the statistics.  Returns AF_OK or the error (also in
 * out->error): AF_EINVAL (from == to, bad lens, NaN position), AF_ESTATE
 * (no mapping yet and no nominal offset), HAL errors (AF_EHW, AF_ETIMEDOUT,
 * ...), AF_ENOFOCUS, AF_EMAPPING.
 */
int af_handoff(af_engine *e, af_lens from, af_lens to, double src_um, af_handoff_result *out);

typedef struct af_focus_result {
	bool success;
	int error;
	af_lens lens;
	double z_um;        /* best focus (NaN if none) */
	double score;
	uint32_t frames;
	double ms;
	char message[AF_MSG_MAX];
} af_focus_result;

/*
 * Focus the active lens (selecting `lens` first) near near_um with the wide
 * search of that lens; the stage ends at the best focus.  AF_OK,
 * AF_ENOFOCUS or a HAL error.
 */
int af_autofocus(af_engine *e, af_lens lens, double near_um, af_focus_result *out);

/* Select `lens` and move the stage to z_um, compensated and settled (a
 * setup move, not an operation: not in the statistics). */
int af_engine_goto(af_engine *e, af_lens lens, double z_um);

typedef struct af_calib_plan {
	uint32_t points;      /* sites, 2..AF_FIT_MAX_POINTS */
	double from_um, to_um;
	uint32_t passes;      /* visits of every site per lens (0: 2) */
	bool measure_backlash;
} af_calib_plan;

/* Puts calibration site `index` (plan position site_um) under the
 * objective; on a rig, moves the stage in xy or asks the operator.  Returns
 * 0 or a negative af_err. */
typedef int (*af_site_fn)(void *user, uint32_t index, double site_um);

typedef struct af_calib_report {
	bool success;
	int error;
	af_mapping mapping;      /* the new mapping (with thermal fit when possible) */
	size_t points;           /* sites calibrated (the plan's, less the skipped) */
	uint32_t skipped;        /* sites skipped: a lens found no focus there */
	uint64_t skipped_mask;   /* which: bit i for site i */
	double temp_c;           /* mean drift temperature estimate during the calibration */
	double backlash_um;      /* measured (NaN when not measured) */
	uint32_t frames;
	double ms;
	/* the error; on success "" or, with skipped sites, which and why
	 * ("calibrated 10 of 11 sites; skipped 1: site 3 at -3.200 um, lens A:
	 * no focus ...") */
	char message[AF_MSG_MAX];
} af_calib_report;

/*
 * Calibrate the parfocal mapping: per pass, focus lens A at every site,
 * switch once, focus lens B at every site near the nominal (or current)
 * prediction; average the passes; fit the configured model; keep the
 * calibration and, with two or more at different temperatures, fit the
 * temperature coefficients.  A site where a lens finds no focus is skipped
 * in every pass and reported (skipped, skipped_mask, message); the
 * calibration fails with AF_ENOFOCUS only when fewer sites remain than the
 * model needs or than half the plan's.  AF_EINVAL for a bad plan, HAL
 * errors as they come, AF_ERANGE/AF_EINVAL from the fit.  The new mapping
 * replaces the old only on success.  Clears the cache.
 */
int af_calibrate(af_engine *e, const af_calib_plan *plan, af_site_fn site, void *user,
		 af_calib_report *out);

/*
 * Housekeeping: read the temperature sensor and update the drift estimate.
 * An instrument calls it every few tens of seconds while idle (the
 * scenario runner does during waits).  AF_OK or the HAL's error.
 */
int af_engine_tick(af_engine *e);
/* The current drift temperature estimate (NaN before any reading). */
double af_engine_temp_eff_c(const af_engine *e);

/* The current mapping (valid == false before the first calibration). */
const af_mapping *af_engine_mapping(const af_engine *e);
const af_cache *af_engine_cache(const af_engine *e);
/* Statistics summary (allocates scratch: not for the handoff path). */
int af_engine_stats(const af_engine *e, af_stats_summary *out);
/* Backlash the engine compensates, um. */
double af_engine_backlash_um(const af_engine *e);

#endif /* AF_ENGINE_H */
