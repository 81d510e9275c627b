/*
 * af_engine_impl.h - the inside of the engine, shared by its modules:
 * af_engine.c (object, handoff, statistics), af_search.c (motion, frames,
 * searches, autofocus), af_calib.c (calibration).  Nothing outside
 * engine/ includes it.
 */
#ifndef AF_ENGINE_IMPL_H
#define AF_ENGINE_IMPL_H

#include "af_engine.h"
#include "af_rec.h"

#define AF_CAL_HISTORY 8
/* Most frames one search keeps (coarse + extension + refine). */
#define AF_SEARCH_MAX 96

struct af_engine {
	af_hal hal;
	af_engine_config cfg;
	char errmsg[AF_MSG_MAX];

	/* the one frame buffer */
	af_frame frame;
	size_t frame_cap;

	/* motion: where the engine believes the stage is, and which way the
	 * backlash play is taken up (+1 after an upward move, -1 downward,
	 * 0 unknown) */
	double stage_um;
	int play_dir;
	bool unsettled;      /* a move was commanded and not waited for since */
	bool no_wait_z;      /* the HAL answered wait_settled_z with AF_ENOTSUP:
			      * wait_settled then get_z from then on */
	double backlash_um;

	af_mapping mapping;
	af_calibration cals[AF_CAL_HISTORY];   /* oldest first */
	size_t ncal;

	af_thermal thermal;
	/* learnt prediction offset per target lens (af_engine_config.refine_offset) */
	double learnt_um[AF_LENS_COUNT];
	uint32_t learnt_n[AF_LENS_COUNT];
	/* a confirmed miss beyond the mapping limit waiting for a second one
	 * the same way before the engine re-anchors on it (reanchor()) */
	bool miss_pending[AF_LENS_COUNT];
	double miss_um[AF_LENS_COUNT];
	af_cache cache;
	af_stats stats;
	af_stats_sample *ring;

	af_sample_fn hook;
	void *hook_user;

	/* the flight recorder (af_rec.h; NULL: none) and replay's seam */
	af_rec *rec;
	af_measure_fn measure_fn;
	void *measure_user;

	/* learnt focus-curve half width and asymmetry per lens (af_peak.h;
	 * af__learn_shape) */
	double width_um[AF_LENS_COUNT];
	uint32_t width_n[AF_LENS_COUNT];
	double asym[AF_LENS_COUNT];        /* held: the mean once it stands out */
	double asym_mean[AF_LENS_COUNT], asym_var[AF_LENS_COUNT];
	uint32_t asym_n[AF_LENS_COUNT];

	/* one search's samples, sorted by z */
	double sz[AF_SEARCH_MAX], ss[AF_SEARCH_MAX];
	size_t ns;
	double ss_landing;    /* score of the last frame taken (PROBE's landing) */
	uint32_t op_frames;   /* frames of the current operation */
	int64_t last_us;      /* the HAL clock's last good reading (af__now_us) */
};

/* Set the engine's message (printf-style) and return code. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int af__err(af_engine *e, int code, const char *fmt, ...);
/* Set the message from a failed HAL call: "<what>: <hal message>". */
int af__hal_err(af_engine *e, int code, const char *what);

/* HAL clock, us.  A failed read (or one going back) gives the last good
 * reading: a clock error is not worth aborting an operation for, and the
 * phases it spans read short, never negative or counted from 0. */
int64_t af__now_us(af_engine *e);

/* Move the stage to z_um (backlash-compensated, clamped to the soft
 * limits) and wait until it settled. */
int af__move_settle(af_engine *e, double z_um);
/* Start the move only (no wait). */
int af__move_start(af_engine *e, double z_um);
int af__wait(af_engine *e);
/* Settle (when a move is pending) and read the encoder into *z_um: with
 * wait_settled_z in one call, else (AF_ENOTSUP, remembered) wait_settled
 * then get_z.  AF_OK or the HAL's error (af_search.c). */
int af__wait_z(af_engine *e, double *z_um);
/* af__wait_z, then the encoder against where the engine put the stage:
 * beyond position_tol_um the engine takes the encoder's word. */
int af__settle_verify(af_engine *e);
/* Grab a frame and score it with measure/stride; reports the sample. */
int af__score_here(af_engine *e, af_lens lens, af_measure_kind m, uint32_t stride, double *score);
/* Read the sensor and feed the drift observer; *reading_c and *eff_c
 * receive the reading and the estimate.  AF_OK or the HAL's error. */
int af__read_temp(af_engine *e, double *reading_c, double *eff_c);
/* Forget the learnt prediction offsets (a new calibration). */
void af__forget_offsets(af_engine *e);
/* Select lens and check that the switcher seated it. */
int af__select(af_engine *e, af_lens lens);

typedef struct af_search_out {
	double z_um;          /* fitted best focus */
	double score;         /* fitted peak score */
	double contrast;      /* (max - min) / max of the scores */
	double best_sample;   /* the highest score of a frame */
	uint32_t frames;
	bool at_edge;
	bool landed;          /* the stage is already at z_um (PROBE) */
	/* PROBE: the frames do not make the curve the engine learnt
	 * (af_probe.c's check); the refit's half width and peak (NaN when
	 * there was none) */
	bool unlike;
	double fit_w_um, fit_z_um;
	double learnt_w_um;   /* the learnt half width the check compared with */
} af_search_out;

/*
 * Search lens's focus around center_um with p: the first pass (from below,
 * upward), an extension while the maximum sits at an edge (within range and
 * budget), the fit, an optional refine pass.  Leaves the stage at the last
 * frame's position (the caller lands).  AF_OK, AF_ENOFOCUS or a HAL error.
 */
int af__search(af_engine *e, af_lens lens, double center_um, const af_search_params *p,
	       af_search_out *out);

/* PROBE (af_probe.c): the fast levels' search, with its check. */
int af__probe(af_engine *e, af_lens lens, double center_um, const af_search_params *p,
	      af_search_out *out);

/* Search helpers (af_search.c).  Take a frame at z (settled) into the
 * sorted samples; whether a sample lies within tol of z; the index of the
 * highest score; (max - min) / max of the scores; the "too little texture"
 * failure. */
int af__sample_at(af_engine *e, af_lens lens, const af_search_params *p, double z,
		  uint32_t *frames);
bool af__sampled(const af_engine *e, double z, double tol);
size_t af__argmax(const af_engine *e);
double af__contrast(const af_engine *e);
int af__no_texture(af_engine *e, af_lens lens, double center_um, double got, double min);
/* Most asymmetry the engine learns (|a|): beyond it a fit is not trusted. */
#define AF_ASYM_MAX 0.6
/* Fold a fitted half width (PROBE fits: far from the configured width is
 * ignored) or asymmetry (scan fits: at most AF_ASYM_MAX) into the lens's
 * learnt one, an average over the last 16. */
void af__learn_width(af_engine *e, af_lens lens, double w_um);
void af__learn_asym(af_engine *e, af_lens lens, double asym);

/*
 * The flight recorder's hooks (af_rec.c).  The engine calls them only when
 * e->rec is set, around its public operations: the begin hook before any
 * HAL call of the operation, the end hook with the result after the last.
 */
void af__rec_handoff_begin(af_rec *r, af_lens from, af_lens to, double src_um);
void af__rec_handoff_end(af_rec *r, int rc, const af_handoff_result *res);
void af__rec_autofocus_begin(af_rec *r, af_lens lens, double near_um);
void af__rec_autofocus_end(af_rec *r, int rc, const af_focus_result *res);
void af__rec_calibrate_begin(af_rec *r, const af_calib_plan *plan, bool has_site);
void af__rec_calibrate_end(af_rec *r, int rc, const af_calib_report *rep);
/* goto (lens, z_um), tick, set_level (level in `lens`), set_thermal (on in
 * `lens`); the end carries the engine's message when rc fails. */
void af__rec_simple_begin(af_rec *r, int kind, int lens, double z_um);
void af__rec_simple_end(af_rec *r, int kind, int rc, const char *msg);
/* The focus score of the frame just grabbed. */
void af__rec_score(af_rec *r, af_measure_kind m, uint32_t stride, double score);
/* Call the calibration's site callback, recorded as a call. */
int af__rec_site(af_rec *r, af_site_fn site, void *user, uint32_t index, double site_um);

#endif /* AF_ENGINE_IMPL_H */
