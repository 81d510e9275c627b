/*
 * stage.c - the z drive model: a stepper behind a backlash play, or a piezo.
 *
 * Nothing is integrated.  A move is a record (mdl_stage_seg: when it was
 * accepted, when the motion ends, when busy clears, when it has settled,
 * where motor and stage start and end, its ringing) and every query is a
 * closed-form function of the record in effect at t_ns and of t_ns: the
 * answer does not depend on how often, or in which order, the caller asked.
 * The current move lives in the flat fields of mdl_stage (the HAL reads
 * them), the one before in st->prev, which covers the time between the
 * sending of a command and its acceptance.
 *
 * Invariants of a record: t_cmd <= t_motion_end <= t_settled, t_not_busy in
 * [t_cmd, t_settled]; from t_settled on the stage is exactly at stage_to;
 * stepper: motor_to is a whole number of steps and motor <= stage <= motor +
 * backlash at both ends; prev.t_cmd_ns <= t_cmd_ns.
 *
 * Floating point: only + - * / sqrt (one rounding each) and exp, log, cos
 * of run-time values, all from the one libm, and no constant the compiler
 * might fold differently at different levels (ln 9 is a literal).  With
 * -ffp-contract=off the results are the same bit for bit everywhere.
 */
#include "stage.h"

#include <math.h>
#include <string.h>

#include "mdl.h"
#include "kernel/clock.h"

#define STAGE_LN9 2.1972245773362193828
#define STAGE_PI 3.14159265358979323846
/* Below this a distance is no distance: far under any step or resolution,
 * far over the rounding error of positions of a few hundred um. */
#define STAGE_EPS_UM 1e-9

void mdl_stage_config_default(mdl_stage_config *c)
{
	memset(c, 0, sizeof *c);
	c->kind = MDL_STAGE_STEPPER;
	c->travel_min_um = -500.0;
	c->travel_max_um = 500.0;
	c->bus_latency_min_ms = 5.0;
	c->bus_latency_max_ms = 25.0;
	c->step_um = 0.05;
	c->encoder_um = 0.01;
	c->backlash_um = 2.0;
	c->max_speed_um_per_s = 1000.0;
	c->accel_um_per_s2 = 10000.0;
	c->settle_ms = 20.0;
	c->settle_jitter_ms = 5.0;
	c->ringing_frac = 0.1;
	c->ringing_max_um = 0.5;
	c->ringing_hz = 150.0;
	c->response_10_90_ms = 46.0;
	c->resolution_um = 0.001;
	c->hysteresis_frac = 0.0;
}

void mdl_stage_config_piezo(mdl_stage_config *c)
{
	mdl_stage_config_default(c);
	c->kind = MDL_STAGE_PIEZO;
	c->travel_min_um = -100.0;
	c->travel_max_um = 100.0;
}

static bool all_finite(const mdl_stage_config *c)
{
	const double v[] = {
		c->travel_min_um, c->travel_max_um, c->bus_latency_min_ms,
		c->bus_latency_max_ms, c->step_um, c->encoder_um, c->backlash_um,
		c->max_speed_um_per_s, c->accel_um_per_s2, c->settle_ms,
		c->settle_jitter_ms, c->ringing_frac, c->ringing_max_um,
		c->ringing_hz, c->response_10_90_ms, c->resolution_um,
		c->hysteresis_frac,
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

int mdl_stage_config_check(const mdl_stage_config *c)
{
	if (!all_finite(c) || !(c->travel_min_um < c->travel_max_um) ||
	    !(c->bus_latency_min_ms >= 0.0) ||
	    !(c->bus_latency_max_ms >= c->bus_latency_min_ms))
		return MDL_EINVAL;
	switch (c->kind) {
	case MDL_STAGE_STEPPER:
		if (!(c->step_um > 0.0) || !(c->encoder_um > 0.0) ||
		    !(c->backlash_um >= 0.0) || !(c->max_speed_um_per_s > 0.0) ||
		    !(c->accel_um_per_s2 > 0.0) || !(c->settle_jitter_ms >= 0.0) ||
		    !(c->settle_ms >= c->settle_jitter_ms) ||
		    !(c->ringing_frac >= 0.0) || !(c->ringing_max_um >= 0.0) ||
		    !(c->ringing_hz > 0.0))
			return MDL_EINVAL;
		/* The travel must hold at least one step position. */
		if (ceil(c->travel_min_um / c->step_um) > floor(c->travel_max_um / c->step_um))
			return MDL_EINVAL;
		return MDL_OK;
	case MDL_STAGE_PIEZO:
		if (!(c->response_10_90_ms > 0.0) || !(c->resolution_um > 0.0) ||
		    !(c->hysteresis_frac >= 0.0) || !(c->hysteresis_frac < 1.0))
			return MDL_EINVAL;
		return MDL_OK;
	}
	return MDL_EINVAL;
}

double mdl_stage_trapezoid_s(double d_um, double vmax_um_per_s, double accel_um_per_s2)
{
	if (!(d_um > 0.0))
		return 0.0;
	if (d_um <= vmax_um_per_s * vmax_um_per_s / accel_um_per_s2)
		return 2.0 * sqrt(d_um / accel_um_per_s2);
	return d_um / vmax_um_per_s + vmax_um_per_s / accel_um_per_s2;
}

/* Distance covered t_s into a trapezoidal move of d_um (same case split as
 * mdl_stage_trapezoid_s, so the profile ends exactly at its formula time). */
static double trapezoid_x_um(double d_um, double v, double a, double t_s)
{
	double ta_s, total_s, r_s;

	if (!(t_s > 0.0))
		return 0.0;
	if (d_um <= v * v / a) {
		ta_s = sqrt(d_um / a);
		total_s = 2.0 * ta_s;
	} else {
		ta_s = v / a;
		total_s = d_um / v + ta_s;
	}
	if (t_s >= total_s)
		return d_um;
	if (t_s <= ta_s)
		return 0.5 * a * t_s * t_s;
	if (t_s >= total_s - ta_s) {
		r_s = total_s - t_s;
		return d_um - 0.5 * a * r_s * r_s;
	}
	return 0.5 * a * ta_s * ta_s + v * (t_s - ta_s);
}

static double quantise(double x, double q)
{
	return q * (double)llround(x / q);
}

static double ms_to_s(double ms)
{
	return ms * 1e-3;
}

static double ns_to_s(int64_t ns)
{
	return (double)ns * 1e-9;
}

static double grid_um(const mdl_stage_config *c)
{
	return c->kind == MDL_STAGE_PIEZO ? c->resolution_um : c->step_um;
}

static double piezo_tau_s(const mdl_stage_config *c)
{
	return ms_to_s(c->response_10_90_ms) / STAGE_LN9;
}

/* Clamp x to travel and put it on the grid, inside travel; *beyond tells
 * whether x was outside. */
static double clamp_to_grid(const mdl_stage_config *c, double x, bool *beyond)
{
	double g = grid_um(c);
	long long k;

	*beyond = false;
	if (x > c->travel_max_um) {
		x = c->travel_max_um;
		*beyond = true;
	} else if (x < c->travel_min_um) {
		x = c->travel_min_um;
		*beyond = true;
	}
	k = llround(x / g);
	if ((double)k * g > c->travel_max_um + STAGE_EPS_UM)
		k--;
	else if ((double)k * g < c->travel_min_um - STAGE_EPS_UM)
		k++;
	return (double)k * g;
}

static void seg_rest(mdl_stage_seg *g, int64_t t_ns, double motor_um, double stage_um)
{
	g->t_cmd_ns = t_ns;
	g->t_motion_end_ns = t_ns;
	g->t_not_busy_ns = t_ns;
	g->t_settled_ns = t_ns;
	g->motor_from_um = motor_um;
	g->motor_to_um = motor_um;
	g->stage_from_um = stage_um;
	g->stage_to_um = stage_um;
	g->ring_amp_um = 0.0;
	g->ring_tau_s = 0.0;
}

static void get_cur(const mdl_stage *st, mdl_stage_seg *g)
{
	g->t_cmd_ns = st->t_cmd_ns;
	g->t_motion_end_ns = st->t_motion_end_ns;
	g->t_not_busy_ns = st->t_not_busy_ns;
	g->t_settled_ns = st->t_settled_ns;
	g->motor_from_um = st->motor_from_um;
	g->motor_to_um = st->motor_to_um;
	g->stage_from_um = st->stage_from_um;
	g->stage_to_um = st->stage_to_um;
	g->ring_amp_um = st->ring_amp_um;
	g->ring_tau_s = st->ring_tau_s;
}

static void set_cur(mdl_stage *st, const mdl_stage_seg *g)
{
	st->t_cmd_ns = g->t_cmd_ns;
	st->t_motion_end_ns = g->t_motion_end_ns;
	st->t_not_busy_ns = g->t_not_busy_ns;
	st->t_settled_ns = g->t_settled_ns;
	st->motor_from_um = g->motor_from_um;
	st->motor_to_um = g->motor_to_um;
	st->stage_from_um = g->stage_from_um;
	st->stage_to_um = g->stage_to_um;
	st->ring_amp_um = g->ring_amp_um;
	st->ring_tau_s = g->ring_tau_s;
}

/* The record in effect at t_ns; *buf holds the current one if it is that. */
static const mdl_stage_seg *seg_at(const mdl_stage *st, int64_t t_ns, mdl_stage_seg *buf)
{
	if (t_ns < st->t_cmd_ns)
		return &st->prev;
	get_cur(st, buf);
	return buf;
}

/* Motor position (piezo: the position) of record g at t_ns. */
static double seg_motor_um(const mdl_stage_config *c, const mdl_stage_seg *g, int64_t t_ns)
{
	double d_um, x_um, t_s;

	if (t_ns <= g->t_cmd_ns)
		return g->motor_from_um;
	if (t_ns >= g->t_motion_end_ns)
		return g->motor_to_um;
	t_s = ns_to_s(t_ns - g->t_cmd_ns);
	if (c->kind == MDL_STAGE_PIEZO)
		return g->motor_to_um +
		       (g->motor_from_um - g->motor_to_um) * exp(-t_s / piezo_tau_s(c));
	d_um = fabs(g->motor_to_um - g->motor_from_um);
	x_um = trapezoid_x_um(d_um, c->max_speed_um_per_s, c->accel_um_per_s2, t_s);
	return g->motor_to_um >= g->motor_from_um ? g->motor_from_um + x_um
						  : g->motor_from_um - x_um;
}

/* Stage through the play with motor position m_um, in record g's direction. */
static double play_um(const mdl_stage_config *c, const mdl_stage_seg *g, double m_um)
{
	if (g->motor_to_um >= g->motor_from_um)
		return fmax(g->stage_from_um, m_um);
	return fmin(g->stage_from_um, m_um + c->backlash_um);
}

/* Stage position of record g at t_ns without the ringing. */
static double seg_rigid_um(const mdl_stage_config *c, const mdl_stage_seg *g, int64_t t_ns)
{
	if (c->kind == MDL_STAGE_PIEZO)
		return seg_motor_um(c, g, t_ns);
	if (t_ns >= g->t_motion_end_ns)
		return g->stage_to_um;
	return play_um(c, g, seg_motor_um(c, g, t_ns));
}

static double seg_position_um(const mdl_stage_config *c, const mdl_stage_seg *g, int64_t t_ns)
{
	double t_s, ring_um;

	if (c->kind == MDL_STAGE_PIEZO || t_ns < g->t_motion_end_ns)
		return seg_rigid_um(c, g, t_ns);
	if (t_ns >= g->t_settled_ns || !(g->ring_amp_um > 0.0))
		return g->stage_to_um;
	t_s = ns_to_s(t_ns - g->t_motion_end_ns);
	ring_um = g->ring_amp_um * exp(-t_s / g->ring_tau_s) *
		  cos(2.0 * STAGE_PI * c->ringing_hz * t_s);
	return g->stage_to_um >= g->stage_from_um ? g->stage_to_um + ring_um
						  : g->stage_to_um - ring_um;
}

void mdl_stage_init(mdl_stage *st, const mdl_stage_config *cfg, double z_um)
{
	mdl_stage_seg g;
	bool beyond;
	double q_um;

	memset(st, 0, sizeof *st);
	st->cfg = *cfg;
	q_um = clamp_to_grid(cfg, isfinite(z_um) ? z_um : 0.0, &beyond);
	seg_rest(&g, 0, q_um, q_um);
	set_cur(st, &g);
	st->prev = g;
	st->target_um = q_um;
}

static int64_t draw_ms_ns(sim_rng *rng, double lo_ms, double hi_ms)
{
	return sim_s_to_ns(ms_to_s(sim_rng_range(rng, lo_ms, hi_ms)));
}

/* Stepper: the record of a move from (m0, s0) at t_rx to motor target
 * motor_to_um, settle time settle_ns. */
static void stepper_seg(const mdl_stage_config *c, mdl_stage_seg *g, int64_t t_rx,
			double m0_um, double s0_um, double motor_to_um, int64_t settle_ns)
{
	double d_um, amp_um;

	seg_rest(g, t_rx, m0_um, s0_um);
	g->motor_to_um = motor_to_um;
	g->stage_to_um = play_um(c, g, motor_to_um);
	d_um = fabs(motor_to_um - m0_um);
	g->t_motion_end_ns = t_rx + sim_s_to_ns(mdl_stage_trapezoid_s(d_um,
			c->max_speed_um_per_s, c->accel_um_per_s2));
	g->t_settled_ns = g->t_motion_end_ns + settle_ns;
	g->t_not_busy_ns = g->t_settled_ns;
	/* The envelope A exp(-t / tau) meets the encoder resolution exactly at
	 * the settle time: tau = settle / ln(A / res). */
	amp_um = fmin(c->ringing_max_um, c->ringing_frac * fabs(g->stage_to_um - s0_um));
	if (amp_um > c->encoder_um && settle_ns > 0) {
		g->ring_amp_um = amp_um;
		g->ring_tau_s = ns_to_s(settle_ns) / log(amp_um / c->encoder_um);
	}
}

/* Piezo: first-order approach from p0 at t_rx to to_um, busy until within
 * the resolution. */
static void piezo_seg(const mdl_stage_config *c, mdl_stage_seg *g, int64_t t_rx,
		      double p0_um, double to_um)
{
	double d_um = fabs(to_um - p0_um);

	seg_rest(g, t_rx, p0_um, p0_um);
	g->motor_to_um = to_um;
	g->stage_to_um = to_um;
	if (d_um > c->resolution_um)
		g->t_motion_end_ns = t_rx + sim_s_to_ns(piezo_tau_s(c) *
							log(d_um / c->resolution_um));
	g->t_settled_ns = g->t_motion_end_ns;
	g->t_not_busy_ns = g->t_motion_end_ns;
}

int mdl_stage_move(mdl_stage *st, int64_t now_ns, double target_um, sim_rng *rng,
		   int64_t *ack_ns)
{
	const mdl_stage_config *c = &st->cfg;
	mdl_stage_seg cur, g;
	int64_t t_rx, settle_ns = 0;
	double q_um, m0_um, s0_um, to_um, step_um;
	bool beyond;
	long long k;

	/* The draws first, always the same ones: see stage.h. */
	t_rx = now_ns + draw_ms_ns(rng, c->bus_latency_min_ms, c->bus_latency_max_ms);
	if (c->kind == MDL_STAGE_STEPPER)
		settle_ns = draw_ms_ns(rng, c->settle_ms - c->settle_jitter_ms,
				       c->settle_ms + c->settle_jitter_ms);
	if (t_rx < st->t_cmd_ns)
		t_rx = st->t_cmd_ns;
	*ack_ns = t_rx;
	if (!isfinite(target_um))
		return MDL_EINVAL;
	if (mdl_stage_stalled(st, t_rx))
		return MDL_ESTALL;

	q_um = clamp_to_grid(c, target_um, &beyond);
	get_cur(st, &cur);
	m0_um = seg_motor_um(c, &cur, t_rx);
	s0_um = seg_rigid_um(c, &cur, t_rx);
	if (c->kind == MDL_STAGE_PIEZO) {
		/* Open loop: the piezo falls short by a part of the step it makes
		 * (so commanding the same target again creeps closer to it). */
		step_um = q_um - s0_um;
		to_um = q_um - copysign(0.5 * c->hysteresis_frac * fabs(step_um), step_um);
	} else {
		to_um = q_um;
	}
	st->target_um = q_um;

	/* Already there, and not moving: nothing happens, the old record (and
	 * its ringing, and the armed faults) stay. */
	if (fabs(to_um - m0_um) <= STAGE_EPS_UM && t_rx >= cur.t_motion_end_ns)
		return beyond ? MDL_ELIMIT : MDL_OK;

	if (c->kind == MDL_STAGE_PIEZO) {
		piezo_seg(c, &g, t_rx, s0_um, to_um);
	} else {
		if (st->lost_steps_pending > 0) {
			k = llround(q_um / c->step_um);
			if (q_um > m0_um)
				to_um = fmax(m0_um, (double)(k - (long long)st->lost_steps_pending) *
							    c->step_um);
			else
				to_um = fmin(m0_um, (double)(k + (long long)st->lost_steps_pending) *
							    c->step_um);
			st->lost_steps_pending = 0;
		}
		stepper_seg(c, &g, t_rx, m0_um, s0_um, to_um, settle_ns);
	}
	if (st->early_not_busy_pending) {
		g.t_not_busy_ns = t_rx + (int64_t)llround(st->early_not_busy_frac *
				(double)(g.t_motion_end_ns - t_rx));
		st->early_not_busy_pending = false;
	}
	st->prev = cur;
	set_cur(st, &g);
	return beyond ? MDL_ELIMIT : MDL_OK;
}

double mdl_stage_position_um(const mdl_stage *st, int64_t t_ns)
{
	mdl_stage_seg buf;

	return seg_position_um(&st->cfg, seg_at(st, t_ns, &buf), t_ns);
}

double mdl_stage_motor_um(const mdl_stage *st, int64_t t_ns)
{
	mdl_stage_seg buf;

	return seg_motor_um(&st->cfg, seg_at(st, t_ns, &buf), t_ns);
}

double mdl_stage_encoder_um(const mdl_stage *st, int64_t t_ns)
{
	double res_um = st->cfg.kind == MDL_STAGE_PIEZO ? st->cfg.resolution_um
							: st->cfg.encoder_um;

	return quantise(mdl_stage_position_um(st, t_ns), res_um);
}

bool mdl_stage_stalled(const mdl_stage *st, int64_t t_ns)
{
	return t_ns >= st->stall_from_ns && t_ns < st->stall_until_ns;
}

bool mdl_stage_busy(const mdl_stage *st, int64_t t_ns)
{
	mdl_stage_seg buf;
	const mdl_stage_seg *g;

	if (mdl_stage_stalled(st, t_ns))
		return true;
	g = seg_at(st, t_ns, &buf);
	/* Before the acceptance of the oldest record kept, the drive is taken
	 * as idle (history the model no longer has). */
	return t_ns >= g->t_cmd_ns && t_ns < g->t_not_busy_ns;
}

int64_t mdl_stage_query_latency_ns(const mdl_stage *st, sim_rng *rng)
{
	return draw_ms_ns(rng, st->cfg.bus_latency_min_ms, st->cfg.bus_latency_max_ms);
}

void mdl_stage_stall(mdl_stage *st, int64_t now_ns, int64_t duration_ns)
{
	const mdl_stage_config *c = &st->cfg;
	mdl_stage_seg buf, frozen;
	const mdl_stage_seg *g = seg_at(st, now_ns, &buf);
	mdl_stage_seg in_effect = *g;

	/* A move in progress, or one not yet accepted, stops here; a move whose
	 * motion is over keeps its ringing (the drive is not what rings). */
	if (now_ns < st->t_cmd_ns || now_ns < st->t_motion_end_ns) {
		if (now_ns < in_effect.t_motion_end_ns)
			seg_rest(&frozen, now_ns, seg_motor_um(c, &in_effect, now_ns),
				 seg_rigid_um(c, &in_effect, now_ns));
		else
			frozen = in_effect;  /* only a command on the bus: dropped */
		st->prev = in_effect;
		set_cur(st, &frozen);
	}
	if (duration_ns < 0)
		duration_ns = 0;
	st->stall_from_ns = now_ns;
	st->stall_until_ns = duration_ns > INT64_MAX - now_ns ? INT64_MAX : now_ns + duration_ns;
}

void mdl_stage_lose_steps(mdl_stage *st, uint32_t steps)
{
	if (st->cfg.kind == MDL_STAGE_STEPPER)
		st->lost_steps_pending = steps;
}

void mdl_stage_early_not_busy(mdl_stage *st, double frac_done)
{
	if (!(frac_done > 0.0))
		frac_done = 0.0;
	else if (frac_done > 1.0)
		frac_done = 1.0;
	st->early_not_busy_frac = frac_done;
	st->early_not_busy_pending = true;
}
