/*
 * test_thermal.c - room profiles, the closed-form lags against a numerical
 * integration done here, splitting invariance, and the sensor's lag, noise,
 * resolution and glitches.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/mdl.h"
#include "models/thermal.h"
#include "kernel/rng.h"

#define NS_PER_S INT64_C(1000000000)

Suite *thermal_suite(void);

static int64_t s_to_ns(double s)
{
	return (int64_t)llround(s * 1e9);
}

/* A config without sensor noise, so that tests see the model alone. */
static void quiet_config(mdl_thermal_config *c)
{
	mdl_thermal_config_default(c);
	c->sensor_noise_c = 0.0;
}

START_TEST(test_room_constant_and_default)
{
	mdl_room_profile p;

	mdl_room_profile_default(&p);
	ck_assert_int_eq(p.kind, MDL_ROOM_CONSTANT);
	ck_assert_double_eq(mdl_room_temp_c(&p, -5.0), 22.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 1e6), 22.0);
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_OK);
	p.constant_c = 19.5;
	ck_assert_double_eq(mdl_room_temp_c(&p, 3600.0), 19.5);
}
END_TEST

START_TEST(test_room_ramp)
{
	mdl_room_profile p;

	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_RAMP;
	p.from_c = 20.0;
	p.to_c = 24.0;
	p.start_s = 100.0;
	p.over_s = 400.0;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_OK);
	ck_assert_double_eq(mdl_room_temp_c(&p, 0.0), 20.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 100.0), 20.0);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 200.0), 21.0, 1e-12);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 450.0), 23.5, 1e-12);
	ck_assert_double_eq(mdl_room_temp_c(&p, 500.0), 24.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 1e5), 24.0);
	/* over_s 0: a step, taken at start_s. */
	p.over_s = 0.0;
	ck_assert_double_eq(mdl_room_temp_c(&p, 99.999), 20.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 100.0), 24.0);
	p.over_s = -1.0;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_EINVAL);
}
END_TEST

START_TEST(test_room_steps)
{
	static const mdl_room_point pts[] = { { 10.0, 21.0 }, { 20.0, 23.0 }, { 30.0, 22.5 } };
	mdl_room_profile p;

	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_STEPS;
	p.points = pts;
	p.n_points = 3;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_OK);
	ck_assert_double_eq(mdl_room_temp_c(&p, -100.0), 21.0);  /* points[0] before */
	ck_assert_double_eq(mdl_room_temp_c(&p, 10.0), 21.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 19.999), 21.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 20.0), 23.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 25.0), 23.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 30.0), 22.5);
	ck_assert_double_eq(mdl_room_temp_c(&p, 1e6), 22.5);
	p.n_points = 0;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_EINVAL);
	ck_assert_double_eq(mdl_room_temp_c(&p, 25.0), 22.0);    /* constant_c */
}
END_TEST

START_TEST(test_room_sine)
{
	mdl_room_profile p;

	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_SINE;
	p.mean_c = 22.0;
	p.amplitude_c = 1.5;
	p.period_s = 3600.0;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_OK);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 0.0), 22.0, 1e-12);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 900.0), 23.5, 1e-12);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 1800.0), 22.0, 1e-12);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 2700.0), 20.5, 1e-12);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 3600.0 + 300.0), 22.75, 1e-12);
	p.period_s = 0.0;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_EINVAL);
}
END_TEST

START_TEST(test_room_trace)
{
	static const mdl_room_point pts[] = {
		{ 100.0, 20.0 }, { 200.0, 22.0 }, { 400.0, 21.0 }, { 400.0, 25.0 }, { 500.0, 25.0 },
	};
	static const mdl_room_point unsorted[] = { { 10.0, 20.0 }, { 5.0, 21.0 } };
	mdl_room_profile p;

	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_TRACE;
	p.points = pts;
	p.n_points = 5;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_OK);
	ck_assert_double_eq(mdl_room_temp_c(&p, 0.0), 20.0);     /* held before */
	ck_assert_double_eq(mdl_room_temp_c(&p, 100.0), 20.0);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 150.0), 21.0, 1e-12);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 175.0), 21.5, 1e-12);
	ck_assert_double_eq(mdl_room_temp_c(&p, 200.0), 22.0);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 300.0), 21.5, 1e-12);
	ck_assert_double_eq_tol(mdl_room_temp_c(&p, 399.0), 21.005, 1e-12);
	ck_assert_double_eq(mdl_room_temp_c(&p, 400.0), 25.0);   /* jump: later point */
	ck_assert_double_eq(mdl_room_temp_c(&p, 450.0), 25.0);
	ck_assert_double_eq(mdl_room_temp_c(&p, 1e7), 25.0);     /* held after */
	p.points = unsorted;
	p.n_points = 2;
	ck_assert_int_eq(mdl_room_profile_check(&p), MDL_EINVAL);
}
END_TEST

START_TEST(test_config_defaults_and_check)
{
	mdl_thermal_config c;

	mdl_thermal_config_default(&c);
	ck_assert_double_eq(c.tau_fast_s, 900.0);
	ck_assert_double_eq(c.tau_slow_s, 7200.0);
	ck_assert_double_eq(c.fast_weight, 0.5);
	ck_assert_double_eq(c.sensor_lag_s, 60.0);
	ck_assert_double_eq(c.sensor_noise_c, 0.05);
	ck_assert_double_eq(c.sensor_resolution_c, 0.01);
	ck_assert_int_eq(mdl_thermal_config_check(&c), MDL_OK);
	c.fast_weight = 1.5;
	ck_assert_int_eq(mdl_thermal_config_check(&c), MDL_EINVAL);
	mdl_thermal_config_default(&c);
	c.tau_slow_s = -1.0;
	ck_assert_int_eq(mdl_thermal_config_check(&c), MDL_EINVAL);
	mdl_thermal_config_default(&c);
	c.sensor_noise_c = NAN;
	ck_assert_int_eq(mdl_thermal_config_check(&c), MDL_EINVAL);
}
END_TEST

START_TEST(test_equilibrium_start)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_RAMP;
	p.from_c = 20.0;
	p.to_c = 30.0;
	p.start_s = 0.0;
	p.over_s = 1000.0;
	mdl_thermal_init(&th, &c, &p, 500 * NS_PER_S);
	ck_assert_double_eq_tol(mdl_thermal_room_c(&th), 25.0, 1e-12);
	ck_assert_double_eq(mdl_thermal_stand_c(&th), mdl_thermal_room_c(&th));
	ck_assert_double_eq(mdl_thermal_frame_c(&th), mdl_thermal_room_c(&th));
	ck_assert_double_eq(th.sensor_c, mdl_thermal_room_c(&th));
	ck_assert_double_eq(mdl_thermal_instrument_c(&th), mdl_thermal_room_c(&th));

	/* A constant room stays in equilibrium, to rounding, for ten hours. */
	mdl_room_profile_default(&p);
	mdl_thermal_init(&th, &c, &p, 0);
	mdl_thermal_advance(&th, 10 * 3600 * NS_PER_S);
	ck_assert_double_eq_tol(mdl_thermal_stand_c(&th), 22.0, 1e-12);
	ck_assert_double_eq_tol(mdl_thermal_frame_c(&th), 22.0, 1e-12);
	ck_assert_double_eq_tol(th.sensor_c, 22.0, 1e-12);
}
END_TEST

/* After a 1 C room step the stand is at 1 - 1/e after tau_fast, the frame
 * after tau_slow. */
START_TEST(test_step_response_time_constants)
{
	static const mdl_room_point pts[] = { { 0.0, 22.0 }, { 100.0, 23.0 } };
	const double target = 1.0 - exp(-1.0);  /* 0.63212 */
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;
	double frac;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_STEPS;
	p.points = pts;
	p.n_points = 2;
	mdl_thermal_init(&th, &c, &p, 0);

	mdl_thermal_advance(&th, 100 * NS_PER_S);
	ck_assert_double_eq(mdl_thermal_room_c(&th), 23.0);
	ck_assert_double_eq_tol(mdl_thermal_stand_c(&th), 22.0, 1e-12);

	mdl_thermal_advance(&th, (100 + 900) * NS_PER_S);
	frac = mdl_thermal_stand_c(&th) - 22.0;
	ck_assert_msg(fabs(frac - 0.632) <= 0.005, "stand at tau_fast: %.5f", frac);
	ck_assert_double_eq_tol(frac, target, 1e-12);

	mdl_thermal_init(&th, &c, &p, 0);
	mdl_thermal_advance(&th, (100 + 7200) * NS_PER_S);
	frac = mdl_thermal_frame_c(&th) - 22.0;
	ck_assert_msg(fabs(frac - 0.632) <= 0.005, "frame at tau_slow: %.5f", frac);
	ck_assert_double_eq_tol(frac, target, 1e-12);
	/* The instrument mixes them half and half. */
	ck_assert_double_eq_tol(mdl_thermal_instrument_c(&th),
				0.5 * mdl_thermal_stand_c(&th) + 0.5 * mdl_thermal_frame_c(&th),
				1e-12);
}
END_TEST

START_TEST(test_fast_weight)
{
	static const mdl_room_point pts[] = { { 0.0, 22.0 }, { 1.0, 26.0 } };
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;

	quiet_config(&c);
	c.fast_weight = 0.25;
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_STEPS;
	p.points = pts;
	p.n_points = 2;
	mdl_thermal_init(&th, &c, &p, 0);
	mdl_thermal_advance(&th, 1801 * NS_PER_S);
	ck_assert_double_eq_tol(mdl_thermal_stand_c(&th), 26.0 - 4.0 * exp(-2.0), 1e-12);
	ck_assert_double_eq_tol(mdl_thermal_frame_c(&th), 26.0 - 4.0 * exp(-0.25), 1e-12);
	ck_assert_double_eq_tol(mdl_thermal_instrument_c(&th),
				0.25 * (26.0 - 4.0 * exp(-2.0)) + 0.75 * (26.0 - 4.0 * exp(-0.25)),
				1e-12);
}
END_TEST

/*
 * Reference: RK4 on the three-state system (stand, frame, sensor) with the
 * room evaluated by mdl_room_temp_c, dt_s on a fixed grid.
 */
struct ref_state {
	double stand, frame, sensor;
};

static void ref_deriv(const mdl_thermal_config *c, double u, const struct ref_state *y,
		      struct ref_state *dy)
{
	dy->stand = (u - y->stand) / c->tau_fast_s;
	dy->frame = (u - y->frame) / c->tau_slow_s;
	dy->sensor = (y->stand - y->sensor) / c->sensor_lag_s;
}

static void ref_rk4(const mdl_thermal_config *c, const mdl_room_profile *p, struct ref_state *y,
		    double t, double dt)
{
	struct ref_state k1, k2, k3, k4, tmp;
	double u0 = mdl_room_temp_c(p, t), um = mdl_room_temp_c(p, t + 0.5 * dt);
	double u1 = mdl_room_temp_c(p, t + dt);

	ref_deriv(c, u0, y, &k1);
	tmp.stand = y->stand + 0.5 * dt * k1.stand;
	tmp.frame = y->frame + 0.5 * dt * k1.frame;
	tmp.sensor = y->sensor + 0.5 * dt * k1.sensor;
	ref_deriv(c, um, &tmp, &k2);
	tmp.stand = y->stand + 0.5 * dt * k2.stand;
	tmp.frame = y->frame + 0.5 * dt * k2.frame;
	tmp.sensor = y->sensor + 0.5 * dt * k2.sensor;
	ref_deriv(c, um, &tmp, &k3);
	tmp.stand = y->stand + dt * k3.stand;
	tmp.frame = y->frame + dt * k3.frame;
	tmp.sensor = y->sensor + dt * k3.sensor;
	ref_deriv(c, u1, &tmp, &k4);
	y->stand += dt / 6.0 * (k1.stand + 2.0 * k2.stand + 2.0 * k3.stand + k4.stand);
	y->frame += dt / 6.0 * (k1.frame + 2.0 * k2.frame + 2.0 * k3.frame + k4.frame);
	y->sensor += dt / 6.0 * (k1.sensor + 2.0 * k2.sensor + 2.0 * k3.sensor + k4.sensor);
}

/* Run the model and RK4 (dt 0.1 s) side by side for total_s, comparing every
 * 60 s; returns the largest difference over the three states. */
static double max_diff_vs_rk4(const mdl_thermal_config *c, const mdl_room_profile *p,
			      double total_s)
{
	const double dt = 0.1;
	const int per_check = 600;  /* 60 s */
	mdl_thermal th;
	struct ref_state y;
	double worst = 0.0;
	long n = lround(total_s / dt);

	mdl_thermal_init(&th, c, p, 0);
	y.stand = y.frame = y.sensor = th.stand_c;
	for (long i = 0; i < n; i++) {
		ref_rk4(c, p, &y, (double)i * dt, dt);
		if ((i + 1) % per_check == 0) {
			double d;

			mdl_thermal_advance(&th, (i + 1) * (NS_PER_S / 10));
			d = fmax(fabs(th.stand_c - y.stand), fabs(th.frame_c - y.frame));
			d = fmax(d, fabs(th.sensor_c - y.sensor));
			worst = fmax(worst, d);
		}
	}
	return worst;
}

START_TEST(test_closed_form_vs_rk4_ramp)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	double d;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_RAMP;
	p.from_c = 21.0;
	p.to_c = 25.0;
	p.start_s = 300.0;      /* corners on the RK4 grid */
	p.over_s = 3600.0;
	d = max_diff_vs_rk4(&c, &p, 3.0 * 3600.0);
	ck_assert_msg(d < 1e-10, "ramp: max |model - rk4| = %g C", d);
}
END_TEST

START_TEST(test_closed_form_vs_rk4_sine)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	double d;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_SINE;
	p.mean_c = 22.0;
	p.amplitude_c = 2.0;
	p.period_s = 1800.0;
	d = max_diff_vs_rk4(&c, &p, 3.0 * 3600.0);
	ck_assert_msg(d < 1e-10, "sine: max |model - rk4| = %g C", d);

	/* A short period, where a chord approximation would be poor. */
	p.period_s = 120.0;
	d = max_diff_vs_rk4(&c, &p, 3600.0);
	ck_assert_msg(d < 1e-10, "sine 120 s: max |model - rk4| = %g C", d);
}
END_TEST

/* The cascade's closed form has a removable singularity where the stand's
 * and the sensor's time constants are equal: check both sides of it. */
START_TEST(test_closed_form_equal_time_constants)
{
	static const double taus[] = {
		60.0, 60.0 * (1.0 + 1e-12), 60.0 * (1.0 + 1e-9), 60.0 * (1.0 - 1e-6), 45.0, 3600.0,
	};
	mdl_thermal_config c;
	mdl_room_profile p;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_RAMP;
	p.from_c = 22.0;
	p.to_c = 20.0;
	p.start_s = 60.0;
	p.over_s = 600.0;
	for (size_t i = 0; i < sizeof taus / sizeof taus[0]; i++) {
		double d;

		c.tau_fast_s = taus[i];
		d = max_diff_vs_rk4(&c, &p, 1800.0);
		ck_assert_msg(d < 1e-10, "tau_fast %.12g: max |model - rk4| = %g C", taus[i], d);
	}
}
END_TEST

/* Advancing to total_s in one call or in many irregular ones: the same
 * time, and the largest difference between the two states (C) returned. */
static double split_difference(const mdl_room_profile *p, double total_s)
{
	mdl_thermal_config c;
	mdl_thermal one, many;
	sim_rng r;
	int64_t t = 0, end = s_to_ns(total_s);
	double worst;

	quiet_config(&c);
	mdl_thermal_init(&one, &c, p, 0);
	mdl_thermal_init(&many, &c, p, 0);
	sim_rng_seed(&r, 7);
	while (t < end) {
		/* Irregular steps from 1 ns to 20 s. */
		t += 1 + (int64_t)sim_rng_below(&r, (uint64_t)(20 * NS_PER_S));
		if (t > end)
			t = end;
		mdl_thermal_advance(&many, t);
	}
	mdl_thermal_advance(&one, end);
	ck_assert_int_eq(one.t_ns, many.t_ns);
	worst = fmax(fabs(one.stand_c - many.stand_c), fabs(one.frame_c - many.frame_c));
	worst = fmax(worst, fabs(one.sensor_c - many.sensor_c));
	return worst;
}

START_TEST(test_split_invariance)
{
	static const mdl_room_point steps[] = {
		{ 0.0, 22.0 }, { 600.0, 23.0 }, { 1234.5, 21.5 }, { 5000.0, 22.2 },
	};
	static const mdl_room_point trace[] = {
		{ 30.0, 22.0 }, { 700.0, 24.0 }, { 1500.0, 23.1 },
		{ 1500.0, 21.0 }, { 9000.0, 22.0 },
	};
	mdl_room_profile p;
	double d;

	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_RAMP;
	p.from_c = 21.0;
	p.to_c = 24.0;
	p.start_s = 123.456;
	p.over_s = 5432.1;
	d = split_difference(&p, 4.0 * 3600.0);
	ck_assert_msg(d <= 1e-9, "kind %d: one vs many steps differ by %g C", (int)p.kind, d);

	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_STEPS;
	p.points = steps;
	p.n_points = 4;
	d = split_difference(&p, 4.0 * 3600.0);
	ck_assert_msg(d <= 1e-9, "kind %d: one vs many steps differ by %g C", (int)p.kind, d);

	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_TRACE;
	p.points = trace;
	p.n_points = 5;
	d = split_difference(&p, 4.0 * 3600.0);
	ck_assert_msg(d <= 1e-9, "kind %d: one vs many steps differ by %g C", (int)p.kind, d);

	/* The sine is integrated in closed form too. */
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_SINE;
	p.amplitude_c = 1.0;
	p.period_s = 2400.0;
	d = split_difference(&p, 4.0 * 3600.0);
	ck_assert_msg(d <= 1e-9, "kind %d: one vs many steps differ by %g C", (int)p.kind, d);
}
END_TEST

START_TEST(test_advance_backwards_is_noop)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th, before;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_RAMP;
	p.to_c = 30.0;
	p.over_s = 100.0;
	mdl_thermal_init(&th, &c, &p, 0);
	mdl_thermal_advance(&th, 50 * NS_PER_S);
	before = th;
	mdl_thermal_advance(&th, 10 * NS_PER_S);
	mdl_thermal_advance(&th, 50 * NS_PER_S);
	ck_assert_int_eq(th.t_ns, 50 * NS_PER_S);
	ck_assert(memcmp(&th, &before, sizeof th) == 0);
	ck_assert(th.stand_c > 22.0);
}
END_TEST

/* On a ramp of slope r a first-order lag settles r tau behind its input: the
 * sensor trails the stand by 60 s, the stand the room by 900 s. */
START_TEST(test_sensor_lags_stand_on_ramp)
{
	const double r = 2.0 / 3600.0;  /* 2 C per hour */
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;
	double lag_s, stand_lag_s;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_RAMP;
	p.from_c = 20.0;
	p.to_c = 20.0 + r * 36000.0;
	p.start_s = 0.0;
	p.over_s = 36000.0;
	mdl_thermal_init(&th, &c, &p, 0);
	mdl_thermal_advance(&th, 4 * 3600 * NS_PER_S);  /* 16 tau_fast: transients gone */
	lag_s = (th.stand_c - th.sensor_c) / r;
	stand_lag_s = (mdl_thermal_room_c(&th) - th.stand_c) / r;
	ck_assert_msg(fabs(lag_s - 60.0) < 0.01, "sensor lag %.6f s", lag_s);
	ck_assert_msg(fabs(stand_lag_s - 900.0) < 0.1, "stand lag %.6f s", stand_lag_s);
	/* The stand 60 s ago, read off the ramp, is where the sensor is now. */
	ck_assert_double_eq_tol(th.sensor_c,
				mdl_room_temp_c(&p, 4.0 * 3600.0 - 60.0) - r * 900.0, 1e-5);
}
END_TEST

START_TEST(test_sensor_noise_and_resolution)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;
	sim_rng rng;
	const int n = 20000;
	double sum = 0.0, sum2 = 0.0, mean, sd;

	mdl_thermal_config_default(&c);
	mdl_room_profile_default(&p);
	p.constant_c = 21.337;
	mdl_thermal_init(&th, &c, &p, 0);
	sim_rng_stream(&rng, 42, SIM_STREAM_THERMAL);
	for (int i = 0; i < n; i++) {
		double v;

		mdl_thermal_advance(&th, (int64_t)i * NS_PER_S);
		v = mdl_thermal_sensor_read_c(&th, &rng);
		/* A multiple of 0.01, and the very double that prints as such. */
		ck_assert_msg(v == round(v * 100.0) / 100.0, "reading %.17g", v);
		sum += v;
		sum2 += v * v;
	}
	mean = sum / n;
	sd = sqrt((sum2 - sum * mean) / (n - 1));
	ck_assert_msg(fabs(mean - 21.337) < 0.003, "mean %.5f", mean);
	ck_assert_msg(fabs(sd - 0.05) < 0.005, "sd %.5f", sd);
}
END_TEST

START_TEST(test_quantisation_rounds_to_nearest)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;
	sim_rng rng;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	sim_rng_seed(&rng, 1);
	p.constant_c = 22.344;
	mdl_thermal_init(&th, &c, &p, 0);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.34);
	p.constant_c = 22.346;
	mdl_thermal_init(&th, &c, &p, 0);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.35);
	p.constant_c = -0.004;
	mdl_thermal_init(&th, &c, &p, 0);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 0.0);
	c.sensor_resolution_c = 0.0;   /* no quantisation */
	mdl_thermal_init(&th, &c, &p, 0);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), -0.004);
	c.sensor_resolution_c = 0.25;
	p.constant_c = 22.13;
	mdl_thermal_init(&th, &c, &p, 0);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.25);
}
END_TEST

START_TEST(test_glitch)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;
	sim_rng rng;

	quiet_config(&c);
	mdl_room_profile_default(&p);
	mdl_thermal_init(&th, &c, &p, 0);
	sim_rng_seed(&rng, 3);
	mdl_thermal_advance(&th, 100 * NS_PER_S);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.0);
	mdl_thermal_glitch(&th, 0.5, 10 * NS_PER_S);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.5);
	mdl_thermal_advance(&th, 105 * NS_PER_S);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.5);
	mdl_thermal_advance(&th, 110 * NS_PER_S - 1);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.5);
	mdl_thermal_advance(&th, 110 * NS_PER_S);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.0);
	mdl_thermal_advance(&th, 500 * NS_PER_S);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.0);
	/* Only readings: the temperatures themselves are untouched. */
	mdl_thermal_glitch(&th, -3.0, 60 * NS_PER_S);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 19.0);
	ck_assert_double_eq_tol(mdl_thermal_stand_c(&th), 22.0, 1e-12);
	ck_assert_double_eq_tol(th.sensor_c, 22.0, 1e-12);
	/* A zero duration clears a glitch that is on. */
	mdl_thermal_glitch(&th, 1.0, 0);
	ck_assert_double_eq(mdl_thermal_sensor_read_c(&th, &rng), 22.0);
}
END_TEST

START_TEST(test_sensor_lag_zero_reads_stand)
{
	static const mdl_room_point pts[] = { { 0.0, 22.0 }, { 10.0, 25.0 } };
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal th;

	quiet_config(&c);
	c.sensor_lag_s = 0.0;
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_STEPS;
	p.points = pts;
	p.n_points = 2;
	mdl_thermal_init(&th, &c, &p, 0);
	mdl_thermal_advance(&th, 400 * NS_PER_S);
	ck_assert_double_eq(th.sensor_c, th.stand_c);
	ck_assert_double_eq_tol(th.stand_c, 25.0 - 3.0 * exp(-390.0 / 900.0), 1e-12);
}
END_TEST

START_TEST(test_determinism)
{
	mdl_thermal_config c;
	mdl_room_profile p;
	mdl_thermal a, b, d;
	sim_rng ra, rb, rd;
	int differ = 0;

	mdl_thermal_config_default(&c);
	mdl_room_profile_default(&p);
	p.kind = MDL_ROOM_SINE;
	p.amplitude_c = 0.8;
	p.period_s = 3000.0;
	mdl_thermal_init(&a, &c, &p, 0);
	mdl_thermal_init(&b, &c, &p, 0);
	mdl_thermal_init(&d, &c, &p, 0);
	sim_rng_stream(&ra, 1234, SIM_STREAM_THERMAL);
	sim_rng_stream(&rb, 1234, SIM_STREAM_THERMAL);
	sim_rng_stream(&rd, 1235, SIM_STREAM_THERMAL);
	for (int i = 1; i <= 500; i++) {
		double va, vb, vd;

		mdl_thermal_advance(&a, (int64_t)i * 7 * NS_PER_S);
		mdl_thermal_advance(&b, (int64_t)i * 7 * NS_PER_S);
		mdl_thermal_advance(&d, (int64_t)i * 7 * NS_PER_S);
		va = mdl_thermal_sensor_read_c(&a, &ra);
		vb = mdl_thermal_sensor_read_c(&b, &rb);
		vd = mdl_thermal_sensor_read_c(&d, &rd);
		ck_assert(memcmp(&va, &vb, sizeof va) == 0);
		differ += va != vd;
	}
	ck_assert(memcmp(&a, &b, sizeof a) == 0);
	ck_assert_msg(differ > 400, "another seed changed only %d of 500 readings", differ);
}
END_TEST

Suite *thermal_suite(void)
{
	Suite *s = suite_create("thermal");
	TCase *tc = tcase_create("profiles");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_room_constant_and_default);
	tcase_add_test(tc, test_room_ramp);
	tcase_add_test(tc, test_room_steps);
	tcase_add_test(tc, test_room_sine);
	tcase_add_test(tc, test_room_trace);
	tcase_add_test(tc, test_config_defaults_and_check);
	suite_add_tcase(s, tc);

	tc = tcase_create("lags");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_equilibrium_start);
	tcase_add_test(tc, test_step_response_time_constants);
	tcase_add_test(tc, test_fast_weight);
	tcase_add_test(tc, test_closed_form_vs_rk4_ramp);
	tcase_add_test(tc, test_closed_form_vs_rk4_sine);
	tcase_add_test(tc, test_closed_form_equal_time_constants);
	tcase_add_test(tc, test_split_invariance);
	tcase_add_test(tc, test_advance_backwards_is_noop);
	suite_add_tcase(s, tc);

	tc = tcase_create("sensor");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_sensor_lags_stand_on_ramp);
	tcase_add_test(tc, test_sensor_noise_and_resolution);
	tcase_add_test(tc, test_quantisation_rounds_to_nearest);
	tcase_add_test(tc, test_glitch);
	tcase_add_test(tc, test_sensor_lag_zero_reads_stand);
	tcase_add_test(tc, test_determinism);
	suite_add_tcase(s, tc);
	return s;
}
