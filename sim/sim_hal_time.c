/*
 * sim_hal_time.c - the engine's own time: the ops table the engine binds
 * to a sim_hal (sim_hal_ops), each op of sim_hal.c wrapped so that the
 * work the engine does between its HAL calls is charged on the virtual
 * clock.
 *
 * The engine works between its HAL calls: it measures each frame it
 * grabbed and does its bookkeeping around every call.  That work is owed
 * when a call returns (engine_owes) and paid when the next one arrives
 * (sim_hal_charge_engine): the clock moves by it first, so the next call
 * starts when the engine would really issue it.  A cost model of what the
 * engine did (rig.host, docs/models.md "Timing"), not a measurement:
 * deterministic, and the same whatever machine the simulation runs on.
 * Reading the clock (now_us) sees the work owed done but neither pays
 * nor owes (a pure read, so a recorder's stamps change nothing); errmsg,
 * get_exposure_us and get_roi (the driver's cached values) neither pay nor
 * owe.  A wait of the runner (sim_ctl_advance) pays first too.
 */
#include "sim/sim_hal.h"

#include <math.h>

#include "kernel/clock.h"
#include "sim/sim_hal_impl.h"

static const af_hal_ops *raw(void)
{
	return sim_hal_raw_ops();
}

void sim_hal_charge_engine(sim_hal *sh)
{
	int64_t debt = sh->engine_debt_ns;

	sh->engine_debt_ns = 0;
	if (debt > 0 && !sh->clock.overflowed)
		sim_hal_advance_to(sh, sim_time_add(sh->clock.now_ns, debt));
}

int64_t sim_hal_engine_now_ns(const sim_hal *sh)
{
	if (sh->clock.overflowed || sh->engine_debt_ns <= 0)
		return sh->clock.now_ns;
	return sim_time_add(sh->clock.now_ns, sh->engine_debt_ns);
}

static void engine_owes(sim_hal *sh, size_t frame_px)
{
	const mdl_host_config *h = &sh->rig.host;

	sh->engine_debt_ns += (int64_t)llround(h->call_overhead_us * 1e3 +
					       (double)frame_px * h->compute_ns_per_px);
}

/* An op that owes the engine's bookkeeping around the call: what was owed
 * is paid first, then the op runs, then the call's overhead is owed. */
#define WRAP(op, params, args)                      \
	static int w_##op params                    \
	{                                           \
		int rc;                             \
		sim_hal_charge_engine(ctx);         \
		rc = raw()->op args;                \
		engine_owes(ctx, 0);                \
		return rc;                          \
	}

WRAP(select_lens, (void *ctx, af_lens lens), (ctx, lens))
WRAP(get_lens, (void *ctx, af_lens *lens), (ctx, lens))
WRAP(move_z, (void *ctx, double z_um), (ctx, z_um))
WRAP(get_z, (void *ctx, double *z_um), (ctx, z_um))
WRAP(z_busy, (void *ctx, bool *busy), (ctx, busy))
WRAP(wait_settled, (void *ctx, uint32_t timeout_ms), (ctx, timeout_ms))
WRAP(wait_settled_z, (void *ctx, uint32_t timeout_ms, double *z_um), (ctx, timeout_ms, z_um))
WRAP(read_temperature, (void *ctx, double *temp_c), (ctx, temp_c))
WRAP(sleep_us, (void *ctx, uint32_t us), (ctx, us))
WRAP(set_exposure_us, (void *ctx, uint32_t us), (ctx, us))
WRAP(set_roi, (void *ctx, const af_roi *roi), (ctx, roi))

static int w_grab_frame(void *ctx, af_frame *frame)
{
	int rc;

	sim_hal_charge_engine(ctx);
	rc = raw()->grab_frame(ctx, frame);
	/* the engine measures the frame it got */
	engine_owes(ctx, rc == AF_OK ? (size_t)frame->width * frame->height : 0);
	return rc;
}

/* A pure read (a recorder's stamps change nothing): the time the engine
 * reads is after its own work. */
static int w_now_us(void *ctx, int64_t *t_us)
{
	/* through the op all share (its prologue counts the call and fails
	 * it when a hal_error fault says so), then the engine's time */
	int rc = raw()->now_us(ctx, t_us);

	if (rc != AF_OK)
		return rc;
	*t_us = sim_hal_engine_now_ns(ctx) / SIM_NS_PER_US;
	return AF_OK;
}

static const char *w_errmsg(void *ctx)
{
	return raw()->errmsg(ctx);
}

static int w_get_exposure_us(void *ctx, uint32_t *us)
{
	return raw()->get_exposure_us(ctx, us);
}

static int w_get_roi(void *ctx, af_roi *roi)
{
	return raw()->get_roi(ctx, roi);
}

static const af_hal_ops sim_ops = {
	.name = "sim",
	.version = AF_HAL_VERSION,
	.select_lens = w_select_lens,
	.get_lens = w_get_lens,
	.move_z = w_move_z,
	.get_z = w_get_z,
	.wait_settled = w_wait_settled,
	.grab_frame = w_grab_frame,
	.read_temperature = w_read_temperature,
	.now_us = w_now_us,
	.sleep_us = w_sleep_us,
	.errmsg = w_errmsg,
	.set_exposure_us = w_set_exposure_us,
	.get_exposure_us = w_get_exposure_us,
	.set_roi = w_set_roi,
	.get_roi = w_get_roi,
	.z_busy = w_z_busy,
	.wait_settled_z = w_wait_settled_z,
};

const af_hal_ops *sim_hal_ops(void)
{
	return &sim_ops;
}

void sim_hal_bind(sim_hal *sh, af_hal *hal)
{
	hal->ops = &sim_ops;
	hal->ctx = sh;
}
