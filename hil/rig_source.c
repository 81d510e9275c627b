/*
 * rig_source.c - the rig bridge as a rig of the runner (rig_source.h).
 */
#include "hil/rig_source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil/bridge.h"

#define MSG_MAX (HIL_BRIDGE_ERR_MAX + 64)

/* One run's connection. */
typedef struct hrig {
	hil_bridge *b;
	uint64_t failures;        /* the bridge's transport failures so far */
	bool lost;
	char why[MSG_MAX];        /* why the rig is lost */
	char msg[MSG_MAX + 32];   /* errmsg of a call refused because it is */
	bool refused;             /* the last call was refused here */
	sim_rig_event_fn fn;
	void *user;
} hrig;

static void event(hrig *h, const char *kind, const char *detail)
{
	int64_t t_us = 0;

	if (!h->fn)
		return;
	(void)hil_bridge_ops()->now_us(h->b, &t_us);
	h->fn(h->user, kind, t_us * 1000, detail);
}

/* Before a call: AF_OK, or AF_EIO when the rig is lost. */
static int guard(hrig *h)
{
	h->refused = h->lost;
	if (h->lost)
		snprintf(h->msg, sizeof h->msg, "the rig was lost earlier: %s", h->why);
	return h->lost ? AF_EIO : AF_OK;
}

/* After a call that returned rc: the events, and whether the link failed. */
static int after(hrig *h, int rc)
{
	hil_bridge_stats st;

	if (rc == AF_OK)
		return rc;
	event(h, "hal_error", hil_bridge_errmsg(h->b));
	hil_bridge_get_stats(h->b, &st);
	if (st.failures > h->failures || !hil_bridge_connected(h->b)) {
		h->failures = st.failures;
		h->lost = true;
		snprintf(h->why, sizeof h->why, "%s", hil_bridge_errmsg(h->b));
		event(h, "link", h->why);
	}
	return rc;
}

#define CALL(expr) (guard(h) != AF_OK ? AF_EIO : after(h, (expr)))

static int r_select_lens(void *ctx, af_lens lens)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->select_lens(h->b, lens));
}

static int r_get_lens(void *ctx, af_lens *lens)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->get_lens(h->b, lens));
}

static int r_move_z(void *ctx, double z_um)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->move_z(h->b, z_um));
}

static int r_get_z(void *ctx, double *z_um)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->get_z(h->b, z_um));
}

static int r_wait_settled(void *ctx, uint32_t timeout_ms)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->wait_settled(h->b, timeout_ms));
}

static int r_grab_frame(void *ctx, af_frame *frame)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->grab_frame(h->b, frame));
}

static int r_read_temperature(void *ctx, double *temp_c)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->read_temperature(h->b, temp_c));
}

/* The clock and the sleep are the host's: never a request, never lost. */
static int r_now_us(void *ctx, int64_t *t_us)
{
	hrig *h = ctx;
	return hil_bridge_ops()->now_us(h->b, t_us);
}

static int r_sleep_us(void *ctx, uint32_t us)
{
	hrig *h = ctx;
	return hil_bridge_ops()->sleep_us(h->b, us);
}

static const char *r_errmsg(void *ctx)
{
	hrig *h = ctx;

	return h->refused ? h->msg : hil_bridge_errmsg(h->b);
}

/* Optional ops: the bridge has them all; each refuses without the rig's
 * capability (AF_ENOTSUP, not a link failure). */
static int r_set_exposure_us(void *ctx, uint32_t us)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->set_exposure_us(h->b, us));
}

static int r_get_exposure_us(void *ctx, uint32_t *us)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->get_exposure_us(h->b, us));
}

static int r_set_roi(void *ctx, const af_roi *roi)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->set_roi(h->b, roi));
}

static int r_get_roi(void *ctx, af_roi *roi)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->get_roi(h->b, roi));
}

static int r_z_busy(void *ctx, bool *busy)
{
	hrig *h = ctx;
	return CALL(hil_bridge_ops()->z_busy(h->b, busy));
}

/* A rig without the "settled_z" capability is the rig's way, not a
 * failure: no hal_error event (the engine waits and reads the encoder
 * instead). */
static int r_wait_settled_z(void *ctx, uint32_t timeout_ms, double *z_um)
{
	hrig *h = ctx;
	int rc;

	if (guard(h) != AF_OK)
		return AF_EIO;
	rc = hil_bridge_ops()->wait_settled_z(h->b, timeout_ms, z_um);
	return rc == AF_ENOTSUP ? rc : after(h, rc);
}

static const af_hal_ops guard_ops = {
	.name = "bridge",
	.version = AF_HAL_VERSION,
	.select_lens = r_select_lens,
	.get_lens = r_get_lens,
	.move_z = r_move_z,
	.get_z = r_get_z,
	.wait_settled = r_wait_settled,
	.grab_frame = r_grab_frame,
	.read_temperature = r_read_temperature,
	.now_us = r_now_us,
	.sleep_us = r_sleep_us,
	.errmsg = r_errmsg,
	.set_exposure_us = r_set_exposure_us,
	.get_exposure_us = r_get_exposure_us,
	.set_roi = r_set_roi,
	.get_roi = r_get_roi,
	.z_busy = r_z_busy,
	.wait_settled_z = r_wait_settled_z,
};

/* --- the runner's hooks ------------------------------------------------------ */

static int k_set_place(void *ctx, double z_plan_um)
{
	hrig *h = ctx;
	int rc;

	if (guard(h) != AF_OK)
		return AF_EIO;
	rc = hil_bridge_place(h->b, z_plan_um);
	/* no `place` capability is the rig's way, not a failure */
	return rc == AF_ENOTSUP ? rc : after(h, rc);
}

static void k_set_event_hook(void *ctx, sim_rig_event_fn fn, void *user)
{
	hrig *h = ctx;

	h->fn = fn;
	h->user = user;
}

static const char *k_lost(void *ctx)
{
	hrig *h = ctx;

	return h->lost ? h->why : NULL;
}

static const sim_rig_ops rig_ops = {
	.mode = "hil",
	.set_place = k_set_place,
	.set_event_hook = k_set_event_hook,
	.lost = k_lost,
	.world = NULL,   /* a physical rig: no simulation-only table */
};

/* --- the source ----------------------------------------------------------------- */

static int src_open(void *user, const sim_scenario *s, uint64_t seed, struct sim_trace *trace,
		    sim_rig *out, char *err, size_t errlen)
{
	hil_rig_source *hs = user;
	hil_bridge_config bc;
	const hil_hello *hello;
	hrig *h = calloc(1, sizeof *h);

	(void)s;
	(void)seed;    /* the rig's world is its own */
	(void)trace;   /* a physical rig keeps no trace */
	if (!h) {
		snprintf(err, errlen, "rig '%s': out of memory", hs->rf.name);
		return -1;
	}
	hil_rig_file_bridge_config(&hs->rf, &bc);
	h->b = hil_bridge_open(&bc, err, errlen);
	if (!h->b) {
		free(h);
		return -1;
	}
	out->hal.ops = &guard_ops;
	out->hal.ctx = h;
	out->ops = &rig_ops;
	out->ctx = h;
	/* the rig file's name, and the rig's own from its greeting */
	hello = hil_bridge_hello(h->b);
	if (strcmp(hello->name, hs->rf.name) == 0)
		snprintf(out->name, sizeof out->name, "%s (%s)", hello->name, hello->ident);
	else
		snprintf(out->name, sizeof out->name, "%s: %s (%s)", hs->rf.name, hello->name,
			 hello->ident);
	return 0;
}

static void src_close(void *user, sim_rig *rig)
{
	hrig *h = rig->ctx;

	(void)user;
	if (!h)
		return;
	hil_bridge_free(h->b);
	free(h);
	rig->ctx = NULL;
}

void hil_rig_source_init(hil_rig_source *hs, const hil_rig_file *rf)
{
	memset(hs, 0, sizeof *hs);
	hs->rf = *rf;
	hs->src.mode = "hil";
	hs->src.name = hs->rf.name;
	hs->src.open = src_open;
	hs->src.close = src_close;
	hs->src.user = hs;
}
