/*
 * test_stage.c - the z drive model against its numbers: trapezoid times,
 * backlash on reversal only, step and encoder quantisation, ringing that is
 * below the encoder resolution from the settle time on and not before,
 * settle and bus latency distributions, busy semantics, travel limits, the
 * three failure modes, the piezo's 10-90 % time, resolution and hysteresis,
 * and determinism.  Every test draws from fixed seeds.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/mdl.h"
#include "models/stage.h"
#include "kernel/clock.h"
#include "kernel/rng.h"

Suite *stage_suite(void);  /* for the runner; defined at the end */

#define MS SIM_NS_PER_MS
#define US SIM_NS_PER_US
#define SEED UINT64_C(0x5eed5eed)
#define TOL 1e-9

static void setup_stepper(mdl_stage *st, sim_rng *r, double z_um)
{
	mdl_stage_config c;

	mdl_stage_config_default(&c);
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_OK);
	mdl_stage_init(st, &c, z_um);
	sim_rng_stream(r, SEED, SIM_STREAM_STAGE);
}

static void setup_piezo(mdl_stage *st, sim_rng *r, double hysteresis_frac)
{
	mdl_stage_config c;

	mdl_stage_config_piezo(&c);
	c.hysteresis_frac = hysteresis_frac;
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_OK);
	mdl_stage_init(st, &c, 0.0);
	sim_rng_stream(r, SEED, SIM_STREAM_STAGE);
}

/* Move at *now_ns, check the result, and move *now_ns past the settle time
 * (and busy).  Returns the acceptance time. */
static int64_t move_and_wait(mdl_stage *st, sim_rng *r, int64_t *now_ns, double target_um,
			     int want_rc)
{
	int64_t ack_ns = -1;

	ck_assert_int_eq(mdl_stage_move(st, *now_ns, target_um, r, &ack_ns), want_rc);
	ck_assert_int_ge(ack_ns, *now_ns);
	*now_ns = ack_ns > st->t_settled_ns ? ack_ns : st->t_settled_ns;
	if (st->t_not_busy_ns > *now_ns)
		*now_ns = st->t_not_busy_ns;
	*now_ns += MS;
	ck_assert(!mdl_stage_busy(st, *now_ns));
	return ack_ns;
}

START_TEST(test_trapezoid_formula)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, ack, t;
	double v0, v1;

	ck_assert_double_eq(mdl_stage_trapezoid_s(0.0, 1000.0, 10000.0), 0.0);
	ck_assert_double_eq_tol(mdl_stage_trapezoid_s(50.0, 1000.0, 10000.0),
				2.0 * sqrt(50.0 / 10000.0), 1e-12);
	/* the corner, v^2 / a = 100 um: both formulas give 0.2 s */
	ck_assert_double_eq_tol(mdl_stage_trapezoid_s(100.0, 1000.0, 10000.0), 0.2, 1e-12);
	ck_assert_double_eq_tol(mdl_stage_trapezoid_s(99.999, 1000.0, 10000.0), 0.2, 1e-5);
	ck_assert_double_eq_tol(mdl_stage_trapezoid_s(300.0, 1000.0, 10000.0), 0.4, 1e-12);
	ck_assert_double_eq_tol(mdl_stage_trapezoid_s(1000.0, 1000.0, 10000.0), 1.1, 1e-12);

	setup_stepper(&st, &r, 0.0);
	/* short: a triangle of 50 um, 141.421 ms */
	ack = move_and_wait(&st, &r, &now, 50.0, MDL_OK);
	ck_assert_int_eq(st.t_cmd_ns, ack);
	ck_assert_int_le(llabs(st.t_motion_end_ns - ack - INT64_C(141421356)), US);
	/* half time, half way; the motor never exceeds a * t_half = 707 um/s */
	t = ack + (st.t_motion_end_ns - ack) / 2;
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, t), 25.0, 1e-4);
	v0 = (mdl_stage_motor_um(&st, t + 50 * US) - mdl_stage_motor_um(&st, t - 50 * US)) / 1e-4;
	ck_assert_double_eq_tol(v0, 707.1, 1.0);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, st.t_settled_ns), 50.0, TOL);

	/* long: a trapezoid of 300 um, 0.3 + 0.1 = 400 ms, cruising at 1 mm/s */
	ack = move_and_wait(&st, &r, &now, 350.0, MDL_OK);
	ck_assert_int_le(llabs(st.t_motion_end_ns - ack - 400 * MS), US);
	v1 = (mdl_stage_motor_um(&st, ack + 201 * MS) - mdl_stage_motor_um(&st, ack + 200 * MS)) /
	     1e-3;
	ck_assert_double_eq_tol(v1, 1000.0, 1e-6);
	/* acceleration phase: 0.5 a t^2 at 50 ms = 12.5 um */
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, ack + 50 * MS), 62.5, 1e-9);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, st.t_settled_ns), 350.0, TOL);

	/* long downward: 850 um in 0.85 + 0.1 s */
	ack = move_and_wait(&st, &r, &now, -500.0, MDL_OK);
	ck_assert_int_le(llabs(st.t_motion_end_ns - ack - 950 * MS), US);
}
END_TEST

START_TEST(test_backlash_on_reversal_only)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, ack, t;

	setup_stepper(&st, &r, 0.0);
	/* up, then up again: no backlash */
	move_and_wait(&st, &r, &now, 10.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 10.0, TOL);
	move_and_wait(&st, &r, &now, 20.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 20.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), 20.0, TOL);

	/* down: the stage hangs 2 um above the motor */
	ack = move_and_wait(&st, &r, &now, 15.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), 15.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 17.0, 0.01);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), 17.0, TOL);
	/* while the motor takes up the play the stage stands still: the motor
	 * is 1 um down after sqrt(2 * 1 / a) = 14.1 ms */
	t = ack + 14 * MS;
	ck_assert_double_lt(mdl_stage_motor_um(&st, t), 19.05);
	ck_assert_double_gt(mdl_stage_motor_um(&st, t), 19.0);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, t), 20.0, TOL);
	/* and a 5 um move only carries the stage 3 um: ringing 0.3 um */
	ck_assert_double_eq_tol(st.ring_amp_um, 0.3, 1e-12);

	/* up by less than the play: the motor moves, the stage does not */
	move_and_wait(&st, &r, &now, 16.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), 16.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 17.0, TOL);
	ck_assert_double_eq(st.ring_amp_um, 0.0);

	/* up again past the play: back on target */
	move_and_wait(&st, &r, &now, 20.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 20.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), 20.0, TOL);

	/* down then down: 2 um above each time */
	move_and_wait(&st, &r, &now, 5.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 7.0, TOL);
	move_and_wait(&st, &r, &now, -5.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), -3.0, TOL);
}
END_TEST

START_TEST(test_step_and_encoder_quantisation)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, ack, t;
	int i, off_grid = 0;
	double e, p;

	setup_stepper(&st, &r, 0.03);  /* init quantises too: 0.05 */
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, 0), 0.05, TOL);
	move_and_wait(&st, &r, &now, 10.03, MDL_OK);
	ck_assert_double_eq_tol(st.target_um, 10.05, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 10.05, TOL);
	move_and_wait(&st, &r, &now, 10.124, MDL_OK);
	ck_assert_double_eq_tol(st.target_um, 10.10, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 10.10, TOL);
	move_and_wait(&st, &r, &now, 10.126, MDL_OK);
	ck_assert_double_eq_tol(st.target_um, 10.15, TOL);

	/* the encoder: a multiple of 10 nm, within half of it of the stage */
	ack = move_and_wait(&st, &r, &now, 13.0, MDL_OK);
	for (i = 0; i < 1000; i++) {
		t = ack + (st.t_settled_ns - ack) * i / 1000;
		p = mdl_stage_position_um(&st, t);
		e = mdl_stage_encoder_um(&st, t);
		ck_assert_double_eq_tol(e / 0.01, round(e / 0.01), 1e-6);
		ck_assert_double_le(fabs(e - p), 0.005 + 1e-12);
		if (fabs(e - p) > 1e-6)
			off_grid++;
	}
	ck_assert_int_gt(off_grid, 500);
}
END_TEST

START_TEST(test_settle_ringing)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, t, period_ns = 6666667;
	double dev, max_before = 0.0;

	setup_stepper(&st, &r, 0.0);
	move_and_wait(&st, &r, &now, 10.0, MDL_OK);
	/* 10 um moved: 0.1 * 10 = 1 um, capped at 0.5 */
	ck_assert_double_eq_tol(st.ring_amp_um, 0.5, 1e-12);
	ck_assert_int_ge(st.t_settled_ns - st.t_motion_end_ns, 15 * MS);
	/* shortly after the motion the stage is far outside the resolution
	 * (an overshoot, upward) */
	dev = mdl_stage_position_um(&st, st.t_motion_end_ns) - 10.0;
	ck_assert_double_eq_tol(dev, 0.5, 1e-9);
	/* half a period (3.33 ms) later: the trough, still > 0.1 um */
	dev = mdl_stage_position_um(&st, st.t_motion_end_ns + period_ns / 2) - 10.0;
	ck_assert_double_lt(dev, -0.1);
	/* the envelope stays above the resolution until the settle time: in
	 * the last ringing period before it a crest exceeds 10 nm */
	for (t = st.t_settled_ns - period_ns; t < st.t_settled_ns; t += 10 * US) {
		dev = fabs(mdl_stage_position_um(&st, t) - 10.0);
		if (dev > max_before)
			max_before = dev;
	}
	ck_assert_double_gt(max_before, 0.01);
	ck_assert_double_lt(max_before, 0.05);
	/* at and after the settle time: within the encoder resolution */
	for (t = st.t_settled_ns; t < st.t_settled_ns + 50 * MS; t += 10 * US)
		ck_assert_double_le(fabs(mdl_stage_position_um(&st, t) - 10.0), 0.01);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, st.t_settled_ns), 10.0, TOL);
	ck_assert(mdl_stage_busy(&st, st.t_settled_ns - 1));
	ck_assert(!mdl_stage_busy(&st, st.t_settled_ns));

	/* downward moves ring downward first */
	move_and_wait(&st, &r, &now, 0.0, MDL_OK);
	dev = mdl_stage_position_um(&st, st.t_motion_end_ns) - 2.0;
	ck_assert_double_eq_tol(dev, -0.5, 1e-9);

	/* one step: 5 nm of ringing is below the resolution, none; the
	 * controller still waits its settle time */
	move_and_wait(&st, &r, &now, -0.05, MDL_OK);
	ck_assert_double_eq(st.ring_amp_um, 0.0);
	ck_assert_int_ge(st.t_settled_ns - st.t_motion_end_ns, 15 * MS);
	ck_assert(mdl_stage_busy(&st, st.t_motion_end_ns + 10 * MS));
}
END_TEST

START_TEST(test_settle_time_distribution)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, s_ns, lo = INT64_MAX, hi = 0;
	double sum = 0.0, mean_ms;
	int i, n = 4000;

	setup_stepper(&st, &r, 0.0);
	for (i = 0; i < n; i++) {
		move_and_wait(&st, &r, &now, (i & 1) ? 0.0 : 10.0, MDL_OK);
		s_ns = st.t_settled_ns - st.t_motion_end_ns;
		ck_assert_int_ge(s_ns, 15 * MS);
		ck_assert_int_le(s_ns, 25 * MS);
		if (s_ns < lo)
			lo = s_ns;
		if (s_ns > hi)
			hi = s_ns;
		sum += (double)s_ns;
	}
	mean_ms = sum / n / 1e6;
	ck_assert_double_eq_tol(mean_ms, 20.0, 0.3);
	ck_assert_int_lt(lo, 15 * MS + 100 * US);
	ck_assert_int_gt(hi, 25 * MS - 100 * US);
}
END_TEST

START_TEST(test_bus_latency_distribution)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, sent, lat, q;
	double sum = 0.0, qsum = 0.0;
	int i, n = 4000;

	setup_stepper(&st, &r, 0.0);
	for (i = 0; i < n; i++) {
		/* a move sent to a stage at rest: ack - send time */
		sent = now;
		lat = move_and_wait(&st, &r, &now, (i & 1) ? 1.0 : 2.0, MDL_OK) - sent;
		ck_assert_int_ge(lat, 5 * MS);
		ck_assert_int_le(lat, 25 * MS);
		sum += (double)lat;
		q = mdl_stage_query_latency_ns(&st, &r);
		ck_assert_int_ge(q, 5 * MS);
		ck_assert_int_le(q, 25 * MS);
		qsum += (double)q;
	}
	/* the standard error of the mean of n uniforms on 20 ms: 0.09 ms;
	 * measured 14.95 and 14.85 */
	ck_assert_double_eq_tol(sum / n / 1e6, 15.0, 0.4);
	ck_assert_double_eq_tol(qsum / n / 1e6, 15.0, 0.4);
}
END_TEST

START_TEST(test_busy_semantics)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = SIM_NS_PER_S, ack = 0, before;

	setup_stepper(&st, &r, 0.0);
	ck_assert(!mdl_stage_busy(&st, 0));
	ck_assert(!mdl_stage_busy(&st, now));
	ck_assert_int_eq(mdl_stage_move(&st, now, 100.0, &r, &ack), MDL_OK);
	/* on the bus: not accepted yet, the controller is idle */
	ck_assert(!mdl_stage_busy(&st, now));
	ck_assert(!mdl_stage_busy(&st, ack - 1));
	ck_assert_double_eq(mdl_stage_position_um(&st, ack - 1), 0.0);
	/* busy from the acceptance through the motion and the settle time */
	ck_assert(mdl_stage_busy(&st, ack));
	ck_assert(mdl_stage_busy(&st, st.t_motion_end_ns));
	ck_assert(mdl_stage_busy(&st, st.t_settled_ns - 1));
	ck_assert(!mdl_stage_busy(&st, st.t_settled_ns));
	ck_assert_int_eq(st.t_not_busy_ns, st.t_settled_ns);

	/* a move to where the stage stands: nothing moves, never busy */
	now = st.t_settled_ns + MS;
	before = st.t_settled_ns;
	ck_assert_int_eq(mdl_stage_move(&st, now, 100.0, &r, &ack), MDL_OK);
	ck_assert_int_eq(st.t_settled_ns, before);
	ck_assert(!mdl_stage_busy(&st, ack));
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, ack), 100.0, TOL);

	/* not a number: rejected, nothing moves */
	ck_assert_int_eq(mdl_stage_move(&st, ack, NAN, &r, &now), MDL_EINVAL);
	ck_assert_int_eq(st.t_settled_ns, before);
	ck_assert_double_eq_tol(st.target_um, 100.0, TOL);
}
END_TEST

START_TEST(test_travel_limits)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, ack = 0;

	setup_stepper(&st, &r, 0.0);
	move_and_wait(&st, &r, &now, 600.0, MDL_ELIMIT);
	ck_assert_double_eq_tol(st.target_um, 500.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), 500.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 500.0, TOL);
	/* it moved there: 500 um in 0.6 s */
	ck_assert_int_le(llabs(st.t_motion_end_ns - st.t_cmd_ns - 600 * MS), US);
	/* at the limit, asked beyond again: no motion, still ELIMIT */
	ck_assert_int_eq(mdl_stage_move(&st, now, 500.01, &r, &ack), MDL_ELIMIT);
	ck_assert(!mdl_stage_busy(&st, ack));
	move_and_wait(&st, &r, &now, 499.99, MDL_OK);  /* rounds to 500.00 */
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 500.0, TOL);

	move_and_wait(&st, &r, &now, -1e6, MDL_ELIMIT);
	ck_assert_double_eq_tol(st.target_um, -500.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), -500.0, TOL);
	/* approached from above: the stage hangs on the play */
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), -498.0, TOL);
	move_and_wait(&st, &r, &now, -500.0, MDL_OK);
	move_and_wait(&st, &r, &now, INFINITY, MDL_EINVAL);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), -500.0, TOL);
}
END_TEST

START_TEST(test_stall)
{
	mdl_stage st, ref;
	sim_rng r;
	int64_t now = 0, ack = 0, ack2 = 0, t_s, end_s;
	double p;

	setup_stepper(&st, &r, 0.0);
	ck_assert_int_eq(mdl_stage_move(&st, now, 100.0, &r, &ack), MDL_OK);
	t_s = ack + 50 * MS;
	mdl_stage_stall(&st, t_s, 100 * MS);
	end_s = t_s + 100 * MS;
	ck_assert_int_eq(st.stall_until_ns, end_s);
	/* frozen where it was: 0.5 a t^2 = 12.5 um into the acceleration */
	p = mdl_stage_position_um(&st, t_s);
	ck_assert_double_eq_tol(p, 12.5, 1e-6);
	ck_assert_double_eq(mdl_stage_position_um(&st, t_s + MS), p);
	ck_assert_double_eq(mdl_stage_position_um(&st, t_s + 99 * MS), p);
	ck_assert_double_eq(mdl_stage_position_um(&st, end_s + 10 * SIM_NS_PER_S), p);
	/* what happened before the stall is still there */
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, ack + 10 * MS), 0.5, 1e-6);
	/* busy and rejecting during the stall */
	ck_assert(mdl_stage_stalled(&st, t_s));
	ck_assert(mdl_stage_busy(&st, t_s));
	ck_assert(mdl_stage_busy(&st, end_s - 1));
	ck_assert_int_eq(mdl_stage_move(&st, t_s + 10 * MS, 50.0, &r, &ack2), MDL_ESTALL);
	ck_assert_int_ge(ack2, t_s + 15 * MS);
	ck_assert_int_le(ack2, t_s + 35 * MS);
	ck_assert_double_eq_tol(st.target_um, 100.0, TOL);
	ck_assert_double_eq(mdl_stage_position_um(&st, t_s + 50 * MS), p);
	/* after it: idle where it froze, then moves again */
	ck_assert(!mdl_stage_stalled(&st, end_s));
	ck_assert(!mdl_stage_busy(&st, end_s));
	now = end_s + MS;
	move_and_wait(&st, &r, &now, 100.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 100.0, TOL);
	ck_assert_int_le(llabs(st.t_motion_end_ns - st.t_cmd_ns -
			       sim_s_to_ns(mdl_stage_trapezoid_s(87.5, 1000.0, 10000.0))), US);

	/* a stall during the ringing leaves the ringing alone */
	ck_assert_int_eq(mdl_stage_move(&st, now, 90.0, &r, &ack), MDL_OK);
	ref = st;
	mdl_stage_stall(&st, st.t_motion_end_ns + MS, 5 * MS);
	ck_assert_double_eq(mdl_stage_position_um(&st, st.t_motion_end_ns + 3 * MS),
			    mdl_stage_position_um(&ref, ref.t_motion_end_ns + 3 * MS));
	ck_assert(mdl_stage_busy(&st, st.t_motion_end_ns + 3 * MS));
}
END_TEST

START_TEST(test_lost_steps)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0;

	setup_stepper(&st, &r, 0.0);
	mdl_stage_lose_steps(&st, 3);
	move_and_wait(&st, &r, &now, 10.0, MDL_OK);
	ck_assert_double_eq_tol(st.target_um, 10.0, TOL);  /* the controller's view */
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 10.0 - 3 * 0.05, TOL);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), 9.85, TOL);
	ck_assert_uint_eq(st.lost_steps_pending, 0);
	/* consumed: the next move arrives */
	move_and_wait(&st, &r, &now, 20.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 20.0, TOL);
	/* downward: short means above the target */
	mdl_stage_lose_steps(&st, 2);
	move_and_wait(&st, &r, &now, 10.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), 10.10, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 12.10, TOL);
	/* a move that does not move keeps the fault armed */
	mdl_stage_lose_steps(&st, 4);
	move_and_wait(&st, &r, &now, 10.10, MDL_OK);
	ck_assert_uint_eq(st.lost_steps_pending, 4);
	move_and_wait(&st, &r, &now, 12.10, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), 11.90, TOL);
	/* more steps lost than the move has: it ends where it started */
	mdl_stage_lose_steps(&st, 1000);
	move_and_wait(&st, &r, &now, 13.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), 11.90, TOL);
	ck_assert_double_eq_tol(st.target_um, 13.0, TOL);
}
END_TEST

START_TEST(test_early_not_busy)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0, ack = 0, t;
	double p0, p1;

	setup_stepper(&st, &r, 0.0);
	mdl_stage_early_not_busy(&st, 0.5);
	ck_assert_int_eq(mdl_stage_move(&st, now, 100.0, &r, &ack), MDL_OK);
	ck_assert_int_le(llabs(st.t_not_busy_ns - ack - 100 * MS), US);
	t = st.t_not_busy_ns;
	ck_assert(mdl_stage_busy(&st, t - 1));
	ck_assert(!mdl_stage_busy(&st, t));
	ck_assert(!mdl_stage_busy(&st, st.t_motion_end_ns));
	ck_assert_int_lt(t, st.t_motion_end_ns);
	/* still moving: half way, 1 mm/s */
	p0 = mdl_stage_position_um(&st, t);
	p1 = mdl_stage_position_um(&st, t + MS);
	ck_assert_double_eq_tol(p0, 50.0, 1e-3);
	ck_assert_double_gt(p1 - p0, 0.9);
	ck_assert(!st.early_not_busy_pending);
	/* the next move is normal */
	now = st.t_settled_ns + MS;
	move_and_wait(&st, &r, &now, 0.0, MDL_OK);
	ck_assert_int_eq(st.t_not_busy_ns, st.t_settled_ns);
	/* frac 0: busy never shows; out-of-range values are clamped */
	mdl_stage_early_not_busy(&st, -3.0);
	ck_assert_int_eq(mdl_stage_move(&st, now, 30.0, &r, &ack), MDL_OK);
	ck_assert(!mdl_stage_busy(&st, ack));
	ck_assert_double_lt(mdl_stage_motor_um(&st, ack + MS), 1.0);
	ck_assert_int_gt(st.t_motion_end_ns - ack, 100 * MS);
}
END_TEST

START_TEST(test_command_during_motion)
{
	mdl_stage st, ref;
	sim_rng r;
	int64_t ack1 = 0, ack2 = 0, ack3 = 0, now;
	int i;

	setup_stepper(&st, &r, 0.0);
	ck_assert_int_eq(mdl_stage_move(&st, 0, 100.0, &r, &ack1), MDL_OK);
	ref = st;
	/* reversal half way through (the engine fooled by early not-busy) */
	now = ack1 + 100 * MS;
	ck_assert_int_eq(mdl_stage_move(&st, now, 0.0, &r, &ack2), MDL_OK);
	/* until accepted the old move goes on */
	ck_assert_double_eq(mdl_stage_position_um(&st, ack2 - 1), mdl_stage_position_um(&ref, ack2 - 1));
	ck_assert(mdl_stage_busy(&st, ack2 - 1));
	/* the new move starts where the stage is: no jump */
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, ack2),
				mdl_stage_position_um(&ref, ack2), 1e-12);
	ck_assert_double_gt(mdl_stage_position_um(&st, ack2), 50.0);
	now = st.t_settled_ns + MS;
	ck_assert_double_eq_tol(mdl_stage_motor_um(&st, now), 0.0, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 2.0, TOL);

	/* two commands back to back: the bus keeps them in order (with
	 * independent latencies the second would overtake half the time), the
	 * later one wins */
	for (i = 0; i < 50; i++) {
		ck_assert_int_eq(mdl_stage_move(&st, now, 10.0 + i, &r, &ack1), MDL_OK);
		ck_assert_int_eq(mdl_stage_move(&st, now + 1, 20.0 + i, &r, &ack3), MDL_OK);
		ck_assert_int_ge(ack3, ack1);
		now = st.t_settled_ns + MS;
		ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 20.0 + i, TOL);
	}
}
END_TEST

START_TEST(test_piezo_step_response)
{
	mdl_stage st;
	sim_rng r;
	int64_t ack = 0, t, t10 = -1, t90 = -1;
	double p, e, t1090_ms;

	setup_piezo(&st, &r, 0.0);
	ck_assert_int_eq(mdl_stage_move(&st, 0, 10.0, &r, &ack), MDL_OK);
	ck_assert_int_ge(ack, 5 * MS);
	ck_assert_int_le(ack, 25 * MS);
	for (t = ack; t < ack + 300 * MS && t90 < 0; t += US) {
		p = mdl_stage_position_um(&st, t);
		if (t10 < 0 && p >= 1.0)
			t10 = t;
		if (p >= 9.0)
			t90 = t;
	}
	ck_assert_int_ge(t10, 0);
	ck_assert_int_ge(t90, 0);
	t1090_ms = (double)(t90 - t10) / 1e6;
	ck_assert_double_eq_tol(t1090_ms, 46.0, 0.46);
	ck_assert_double_eq_tol(t1090_ms, 46.0, 0.01);  /* in fact to the us */
	/* busy until within the resolution: tau ln(10 um / 1 nm) = 192.8 ms */
	ck_assert_int_le(llabs(st.t_not_busy_ns - ack -
			       sim_s_to_ns(0.046 / log(9.0) * log(1e4))), US);
	ck_assert(mdl_stage_busy(&st, st.t_not_busy_ns - 1));
	ck_assert(!mdl_stage_busy(&st, st.t_not_busy_ns));
	ck_assert_double_gt(fabs(mdl_stage_position_um(&st, st.t_not_busy_ns - 10 * US) - 10.0),
			    0.001);
	ck_assert_double_le(fabs(mdl_stage_position_um(&st, st.t_not_busy_ns - 1) - 10.0),
			    0.001 + 1e-9);
	ck_assert_double_eq(mdl_stage_position_um(&st, st.t_not_busy_ns), 10.0);
	/* the sensor reads 1 nm steps */
	for (t = ack; t < st.t_not_busy_ns; t += 997 * US) {
		e = mdl_stage_encoder_um(&st, t);
		ck_assert_double_eq_tol(e / 0.001, round(e / 0.001), 1e-6);
		ck_assert_double_le(fabs(e - mdl_stage_position_um(&st, t)), 0.0005 + 1e-12);
	}
}
END_TEST

START_TEST(test_piezo_resolution_and_travel)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0;

	setup_piezo(&st, &r, 0.0);
	move_and_wait(&st, &r, &now, 10.0004, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), 10.000, TOL);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 10.000, TOL);
	move_and_wait(&st, &r, &now, 10.0006, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), 10.001, TOL);
	/* no backlash, no ringing */
	move_and_wait(&st, &r, &now, 5.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 5.0, TOL);
	ck_assert_double_eq(mdl_stage_position_um(&st, st.t_motion_end_ns), 5.0);
	move_and_wait(&st, &r, &now, 150.0, MDL_ELIMIT);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 100.0, TOL);
	move_and_wait(&st, &r, &now, -150.0, MDL_ELIMIT);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), -100.0, TOL);
	/* lost steps mean nothing to a piezo */
	mdl_stage_lose_steps(&st, 5);
	move_and_wait(&st, &r, &now, 0.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 0.0, TOL);
}
END_TEST

START_TEST(test_piezo_hysteresis)
{
	mdl_stage st;
	sim_rng r;
	int64_t now = 0;

	setup_piezo(&st, &r, 0.12);
	/* up 10: short by 0.12 * 10 / 2 = 0.6 */
	move_and_wait(&st, &r, &now, 10.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 9.4, TOL);
	ck_assert_double_eq_tol(st.target_um, 10.0, TOL);
	/* down from 9.4 to 0: a step of 9.4, short by 0.564, above */
	move_and_wait(&st, &r, &now, 0.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 0.564, TOL);
	ck_assert_double_eq_tol(mdl_stage_encoder_um(&st, now), 0.564, TOL);
	/* the same target again creeps closer: a step of 0.564 falls short
	 * by 0.06 of it */
	move_and_wait(&st, &r, &now, 0.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 0.564 * 0.06, TOL);

	/* closed loop: on target */
	setup_piezo(&st, &r, 0.0);
	now = 0;
	move_and_wait(&st, &r, &now, 10.0, MDL_OK);
	ck_assert_double_eq_tol(mdl_stage_position_um(&st, now), 10.0, TOL);
}
END_TEST

#define DET_MOVES 200
#define DET_SAMPLES 4

struct det_run {
	int64_t ack[DET_MOVES], lat[DET_MOVES], t_end[DET_MOVES], t_settled[DET_MOVES];
	int rc[DET_MOVES];
	double pos[DET_MOVES][DET_SAMPLES];
	uint64_t rng_after[4];
};

static void det_sequence(struct det_run *out, uint64_t seed, mdl_stage_kind kind)
{
	mdl_stage_config c;
	mdl_stage st;
	sim_rng r, targets;
	int64_t now = 0, ack = 0, t;
	int i, j;

	if (kind == MDL_STAGE_PIEZO)
		mdl_stage_config_piezo(&c);
	else
		mdl_stage_config_default(&c);
	mdl_stage_init(&st, &c, 0.0);
	sim_rng_stream(&r, seed, SIM_STREAM_STAGE);
	sim_rng_stream(&targets, SEED, SIM_STREAM_STEPS);  /* the same targets */
	memset(out, 0, sizeof *out);
	for (i = 0; i < DET_MOVES; i++) {
		if (i == 30)
			mdl_stage_stall(&st, now, 40 * MS);
		if (i == 40)
			mdl_stage_lose_steps(&st, 7);
		if (i == 50)
			mdl_stage_early_not_busy(&st, 0.3);
		out->rc[i] = mdl_stage_move(&st, now, sim_rng_range(&targets, -120.0, 120.0), &r,
					    &ack);
		out->ack[i] = ack;
		out->lat[i] = ack - now;
		out->t_end[i] = st.t_motion_end_ns;
		out->t_settled[i] = st.t_settled_ns;
		for (j = 0; j < DET_SAMPLES; j++) {
			t = ack + (st.t_settled_ns - ack) * j / (DET_SAMPLES - 1);
			out->pos[i][j] = mdl_stage_position_um(&st, t);
		}
		/* sometimes wait, sometimes interrupt the move */
		t = (i % 4 == 3) ? ack + 30 * MS : st.t_not_busy_ns + MS;
		now = t > ack ? t : ack;
		now += mdl_stage_query_latency_ns(&st, &r);
	}
	memcpy(out->rng_after, r.s, sizeof r.s);
}

START_TEST(test_determinism)
{
	static struct det_run a, b, d;
	int i, differ = 0, kinds;
	mdl_stage_kind kind;

	for (kinds = 0; kinds < 2; kinds++) {
		kind = kinds ? MDL_STAGE_PIEZO : MDL_STAGE_STEPPER;
		det_sequence(&a, 42, kind);
		det_sequence(&b, 42, kind);
		ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
		/* the stall at move 30 rejects a command; limits are hit */
		ck_assert_int_eq(a.rc[30], MDL_ESTALL);
		det_sequence(&d, 43, kind);
		differ = 0;
		for (i = 0; i < DET_MOVES; i++)
			if (a.lat[i] != d.lat[i])
				differ++;
		ck_assert_int_gt(differ, DET_MOVES * 9 / 10);
	}
}
END_TEST

START_TEST(test_config_check_and_draws)
{
	mdl_stage_config c;
	mdl_stage st;
	sim_rng r1, r2;
	int64_t ack = 0;

	mdl_stage_config_default(&c);
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_OK);
	c.step_um = 0.0;
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_EINVAL);
	mdl_stage_config_default(&c);
	c.travel_max_um = NAN;
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_EINVAL);
	mdl_stage_config_default(&c);
	c.bus_latency_min_ms = 30.0;
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_EINVAL);
	mdl_stage_config_default(&c);
	c.settle_jitter_ms = 21.0;
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_EINVAL);
	mdl_stage_config_default(&c);
	c.kind = (mdl_stage_kind)7;
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_EINVAL);
	mdl_stage_config_piezo(&c);
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_OK);
	ck_assert_double_eq(c.travel_max_um, 100.0);
	ck_assert_double_eq(c.response_10_90_ms, 46.0);
	c.hysteresis_frac = 1.0;
	ck_assert_int_eq(mdl_stage_config_check(&c), MDL_EINVAL);

	/* every move draws the same: an ok, a rejected and an empty one */
	mdl_stage_config_default(&c);
	mdl_stage_init(&st, &c, 0.0);
	sim_rng_stream(&r1, SEED, SIM_STREAM_STAGE);
	r2 = r1;
	ck_assert_int_eq(mdl_stage_move(&st, 0, 10.0, &r1, &ack), MDL_OK);
	ck_assert_int_eq(mdl_stage_move(&st, ack, NAN, &r2, &ack), MDL_EINVAL);
	ck_assert_int_eq(memcmp(r1.s, r2.s, sizeof r1.s), 0);
	mdl_stage_init(&st, &c, 0.0);
	ck_assert_int_eq(mdl_stage_move(&st, 0, 0.0, &r1, &ack), MDL_OK);
	sim_rng_next(&r2);
	sim_rng_next(&r2);
	ck_assert_int_eq(memcmp(r1.s, r2.s, sizeof r1.s), 0);
}
END_TEST

Suite *stage_suite(void)
{
	Suite *s = suite_create("stage");
	TCase *tc = tcase_create("stepper");
	TCase *tf = tcase_create("faults");
	TCase *tp = tcase_create("piezo");
	TCase *td = tcase_create("determinism");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_trapezoid_formula);
	tcase_add_test(tc, test_backlash_on_reversal_only);
	tcase_add_test(tc, test_step_and_encoder_quantisation);
	tcase_add_test(tc, test_settle_ringing);
	tcase_add_test(tc, test_settle_time_distribution);
	tcase_add_test(tc, test_bus_latency_distribution);
	tcase_add_test(tc, test_busy_semantics);
	tcase_add_test(tc, test_travel_limits);
	tcase_add_test(tc, test_command_during_motion);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tf, 20);
	tcase_add_test(tf, test_stall);
	tcase_add_test(tf, test_lost_steps);
	tcase_add_test(tf, test_early_not_busy);
	suite_add_tcase(s, tf);

	tcase_set_timeout(tp, 20);
	tcase_add_test(tp, test_piezo_step_response);
	tcase_add_test(tp, test_piezo_resolution_and_travel);
	tcase_add_test(tp, test_piezo_hysteresis);
	suite_add_tcase(s, tp);

	tcase_set_timeout(td, 20);
	tcase_add_test(td, test_determinism);
	tcase_add_test(td, test_config_check_and_draws);
	suite_add_tcase(s, td);
	return s;
}
