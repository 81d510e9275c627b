/*
 * turret.c - timing and failure modes of the objective switcher.
 *
 * The switcher is a two-position device: a move goes from the seated lens to
 * the other one.  Durations are computed in double milliseconds and rounded
 * once to integer nanoseconds.  One jitter draw per call, whatever happens,
 * keeps the turret's rng stream aligned across fault scenarios.
 */
#include "models/turret.h"

#include <math.h>

void mdl_turret_config_default(mdl_turret_config *c)
{
	c->kind = MDL_TURRET_SLIDER;
	c->switch_ms = 35.0;
	c->switch_jitter_ms = 5.0;
	c->settle_ms = 8.0;
	c->bus_latency_ms = 2.0;
	c->jam_timeout_ms = 500.0;
}

void mdl_turret_config_turret(mdl_turret_config *c)
{
	mdl_turret_config_default(c);
	c->kind = MDL_TURRET_NOSEPIECE;
	c->switch_ms = 400.0;
	c->switch_jitter_ms = 40.0;
	c->settle_ms = 60.0;
	c->jam_timeout_ms = 2000.0;
}

int mdl_turret_config_check(const mdl_turret_config *c)
{
	const double v[5] = { c->switch_ms, c->switch_jitter_ms, c->settle_ms,
			      c->bus_latency_ms, c->jam_timeout_ms };

	if (c->kind != MDL_TURRET_SLIDER && c->kind != MDL_TURRET_NOSEPIECE)
		return MDL_EINVAL;
	for (int i = 0; i < 5; i++)
		if (!isfinite(v[i]) || v[i] < 0.0)
			return MDL_EINVAL;
	if (c->switch_jitter_ms > c->switch_ms)
		return MDL_EINVAL;
	return MDL_OK;
}

void mdl_turret_init(mdl_turret *tu, const mdl_turret_config *cfg, int seated)
{
	tu->cfg = *cfg;
	tu->seated = seated == MDL_LENS_B ? MDL_LENS_B : MDL_LENS_A;
	tu->jam_pending = false;
	tu->wrong_pending = false;
	tu->slow_factor_pending = 0.0;
}

/* Milliseconds to whole nanoseconds, nearest; negative and NaN count as 0. */
static int64_t ms_to_ns(double ms)
{
	if (!(ms > 0.0))
		return 0;
	if (ms > 9.0e12)
		return INT64_MAX / 2;
	return (int64_t)llround(ms * 1e6);
}

int mdl_turret_switch(mdl_turret *tu, int to, sim_rng *rng, int64_t *duration_ns)
{
	const mdl_turret_config *c = &tu->cfg;
	double jitter_ms, move_ms;
	bool jam, wrong;
	double slow;

	if (to != MDL_LENS_A && to != MDL_LENS_B) {
		*duration_ns = 0;
		return MDL_EINVAL;
	}
	jitter_ms = sim_rng_range(rng, -c->switch_jitter_ms, c->switch_jitter_ms);
	if (to == tu->seated) {
		/* The controller answers that it is there already; armed faults
		 * wait for a switch that moves. */
		*duration_ns = ms_to_ns(c->bus_latency_ms);
		return MDL_OK;
	}
	jam = tu->jam_pending;
	wrong = tu->wrong_pending;
	slow = tu->slow_factor_pending;
	tu->jam_pending = false;
	tu->wrong_pending = false;
	tu->slow_factor_pending = 0.0;
	if (jam) {
		*duration_ns = ms_to_ns(c->jam_timeout_ms);
		return MDL_EJAM;
	}
	move_ms = c->switch_ms + jitter_ms + c->settle_ms;
	if (slow > 0.0)
		move_ms *= slow;
	/* Two positions: the wrong one is the lens the slider left. */
	tu->seated = wrong ? 1 - to : to;
	*duration_ns = ms_to_ns(move_ms);
	return MDL_OK;
}

void mdl_turret_arm_jam(mdl_turret *tu)
{
	tu->jam_pending = true;
}

void mdl_turret_arm_wrong_position(mdl_turret *tu)
{
	tu->wrong_pending = true;
}

void mdl_turret_arm_slow(mdl_turret *tu, double factor)
{
	tu->slow_factor_pending = isfinite(factor) && factor > 0.0 ? factor : 0.0;
}
