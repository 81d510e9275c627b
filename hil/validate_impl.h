/*
 * validate_impl.h - what the two halves of the validation suite share:
 * the context of a validation and the helpers of hil/validate.c (phases,
 * connection, time budget, statistics) that the measurements of
 * hil/validate_measure.c use.  Private to hil/validate*.c.
 */
#ifndef HIL_VALIDATE_IMPL_H
#define HIL_VALIDATE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_hal.h"
#include "hil/bridge.h"
#include "hil/validate.h"

typedef struct hil_vctx {
	const hil_rig_file *rf;
	const hil_rig_spec *spec;
	hil_val_opts o;
	hil_val_result *r;
	hil_bridge_config bc;
	hil_bridge *b;
	af_hal hal;
	/* where the rig was found, put back at the end */
	bool have_z0, have_lens0, have_exp0;
	double z0;               /* the stage, moved inside the travel's margin */
	double z_found;          /* as read */
	af_lens lens0;
	uint32_t exp0;
	/* the phase running */
	int64_t deadline_ns;
	uint32_t done, of;       /* repetitions done of planned, for a timeout's message */
	char err[1024];          /* why the phase stopped */
	char unreachable[HIL_BRIDGE_ERR_MAX]; /* the first connection failed: why */
	/* frames */
	uint16_t *px, *px2;
	size_t cap;
} hil_vctx;

/* A HAL call failed with rc: its message kept as the phase's error; rc. */
int hil_v_hal_fail(hil_vctx *v, int rc);
/* AF_OK, or AF_ETIMEDOUT with the message when the phase's time is up or
 * the suite was told to stop; counts a repetition done. */
int hil_v_tick(hil_vctx *v);
/* The stage's and lens's starting point, read on first use. */
int hil_v_need_z0(hil_vctx *v);
/* Move to z and wait until settled. */
int hil_v_move(hil_vctx *v, double z_um);
/* Frame buffers of at least the ROI's size (two of them). */
int hil_v_frames(hil_vctx *v);
/* Monotonic wall clock, ns / ms. */
int64_t hil_v_now_ns(void);
double hil_v_ms_since(int64_t t0_ns);

/* Mean and sample standard deviation of x[0..n) (sd NaN below 2). */
void hil_v_mean_sd(const double *x, size_t n, double *mean, double *sd);

/* An item's name, unit, limits (NaN: none) before it is measured. */
void hil_v_item(hil_val_item *it, const char *name, const char *unit, double lo, double hi);

/* The measurements (hil/validate_measure.c): each fills its one or two
 * items' values and details and returns AF_OK, or an error (the phase's
 * message in v->err) for the items it did not fill.  One may decide an
 * item's outcome itself (FAIL, SKIPPED) with its detail saying why. */
int hil_v_lens_switch(hil_vctx *v, hil_val_item *it);
int hil_v_focus_move(hil_vctx *v, hil_val_item *it);
int hil_v_settle(hil_vctx *v, hil_val_item *it);
int hil_v_repeatability(hil_vctx *v, hil_val_item *it);
int hil_v_backlash(hil_vctx *v, hil_val_item *it);
int hil_v_encoder(hil_vctx *v, hil_val_item *it);
int hil_v_settled_z(hil_vctx *v, hil_val_item *it);       /* SKIPPED without settled_z */
int hil_v_frame_rate(hil_vctx *v, hil_val_item *it);       /* rate, jitter */
int hil_v_exposure(hil_vctx *v, hil_val_item *it);
int hil_v_dark_noise(hil_vctx *v, hil_val_item *it);
int hil_v_temperature(hil_vctx *v, hil_val_item *it);      /* noise, sanity */
int hil_v_handoff(hil_vctx *v, hil_val_item *it);          /* handoff, mapping */

#endif /* HIL_VALIDATE_IMPL_H */
