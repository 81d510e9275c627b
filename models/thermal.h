/*
 * thermal.h - room temperature profiles, the instrument's thermal lag and
 * the temperature sensor.
 *
 * The room follows a profile (constant, ramp, steps, sine or a recorded
 * trace).  The instrument follows the room through two first-order lags in
 * parallel: the stand (tau_fast, 15 min) and the frame (tau_slow, 2 h).  The
 * focal planes drift with the instrument temperature, a weighted mix of the
 * two.  The sensor sits on the stand: it reads the stand temperature through
 * its own lag (60 s, in series with the stand's), with Gaussian noise and a
 * resolution.
 *
 * Time is integer nanoseconds from the start of the run; the integration
 * works in double seconds.  Advancing is exact for every profile: time is
 * cut at the profile's corners (ramp ends, step times, trace points) and
 * over each piece the room is linear (or a pure sine), so the stand, the
 * frame and the stand->sensor cascade each have a closed-form solution
 * (forced response + decaying transients).  The result does not depend on
 * how a span of time is split into advance calls, beyond rounding (1e-12 C).
 * Hours of virtual time cost one piece per profile corner in them: a
 * constant or sine room takes one piece whatever the span.
 *
 * Determinism: IEEE double arithmetic and libm exp/expm1/sin/cos only; the
 * only randomness is the sensor noise, one sim_rng_normal() per reading.
 */
#ifndef MDL_THERMAL_H
#define MDL_THERMAL_H

#include <stddef.h>
#include <stdint.h>

#include "models/mdl.h"
#include "kernel/rng.h"

typedef enum mdl_room_kind {
	MDL_ROOM_CONSTANT,
	MDL_ROOM_RAMP,
	MDL_ROOM_STEPS,
	MDL_ROOM_SINE,
	MDL_ROOM_TRACE,
} mdl_room_kind;

typedef struct mdl_room_point {
	double t_s;
	double temp_c;
} mdl_room_point;

/*
 * A room profile.  For STEPS the temperature is points[i].temp_c from
 * points[i].t_s until the next point (points[0] before the first); for
 * TRACE it is linear between points and held flat outside them (two points
 * at the same time make a jump: the later one holds from that time on).
 * Points are sorted by t_s; the profile borrows them (the caller keeps them
 * alive as long as any mdl_thermal holding a copy of the profile).  A STEPS
 * or TRACE profile without points is constant at constant_c.
 */
typedef struct mdl_room_profile {
	mdl_room_kind kind;
	double constant_c;
	/* RAMP: from_c until start_s, linear to to_c at start_s + over_s
	 * (over_s 0: a step to to_c at start_s). */
	double from_c, to_c, start_s, over_s;
	/* SINE: mean + amplitude sin(2 pi t / period) (period <= 0: the mean). */
	double mean_c, amplitude_c, period_s;
	const mdl_room_point *points;
	size_t n_points;
} mdl_room_profile;

/* A constant 22 C room. */
void mdl_room_profile_default(mdl_room_profile *p);
/* MDL_OK, or MDL_EINVAL for a profile that is not well formed: a value not
 * finite, over_s < 0, period_s <= 0 for a sine, STEPS or TRACE without
 * points or with points out of order, an unknown kind. */
int mdl_room_profile_check(const mdl_room_profile *p);
/* Room temperature at t_s, C.  At the instant of a step, of STEPS or of
 * a RAMP with over_s 0, the value after the step. */
double mdl_room_temp_c(const mdl_room_profile *p, double t_s);

typedef struct mdl_thermal_config {
	double tau_fast_s;            /* 900: stand (0: follows the room) */
	double tau_slow_s;            /* 7200: frame (0: follows the room) */
	double fast_weight;           /* 0.5: stand's share of the focal drift */
	double sensor_lag_s;          /* 60 (0: reads the stand directly) */
	double sensor_noise_c;        /* 0.05 (1 sigma) */
	double sensor_resolution_c;   /* 0.01 (0: no quantisation) */
	/* 10: kept for scenario files.  The sine is integrated in closed form,
	 * so no piece length bounds the accuracy any more; the value is
	 * checked (> 0) but does not change the result. */
	double max_step_s;
} mdl_thermal_config;

void mdl_thermal_config_default(mdl_thermal_config *c);
/* MDL_OK, or MDL_EINVAL when a value is not finite, a time constant, the
 * noise or the resolution is negative, fast_weight is outside [0, 1] or
 * max_step_s is not positive. */
int mdl_thermal_config_check(const mdl_thermal_config *c);

typedef struct mdl_thermal {
	mdl_thermal_config cfg;
	mdl_room_profile room;     /* copied; its points stay borrowed */
	int64_t t_ns;              /* time the state below holds at */
	double stand_c;
	double frame_c;
	double sensor_c;           /* the sensor's lagged view of the stand */
	double glitch_c;           /* added to readings while a glitch is on */
	int64_t glitch_until_ns;   /* the glitch is on while t_ns < this */
} mdl_thermal;

/* Start at t_ns with stand, frame and sensor all equal to the room
 * temperature at t_ns (equilibrium), no glitch.  cfg and room should pass
 * their _check functions; the state copies both. */
void mdl_thermal_init(mdl_thermal *th, const mdl_thermal_config *cfg,
		      const mdl_room_profile *room, int64_t t_ns);

/* Advance the state to t_ns (no-op when t_ns is not later).  Exact for
 * every profile kind; draws no random numbers. */
void mdl_thermal_advance(mdl_thermal *th, int64_t t_ns);

/* Temperatures at the state's time, C. */
double mdl_thermal_room_c(const mdl_thermal *th);
double mdl_thermal_stand_c(const mdl_thermal *th);
double mdl_thermal_frame_c(const mdl_thermal *th);
/* The temperature that drives focal drift: w stand + (1 - w) frame. */
double mdl_thermal_instrument_c(const mdl_thermal *th);

/* One sensor reading at the state's time: lagged stand + noise drawn from
 * rng + any glitch, quantised to the nearest multiple of the resolution.
 * Draws exactly one sim_rng_normal() per call, whatever the config (a zero
 * noise still consumes its draw, so the stream does not depend on it). */
double mdl_thermal_sensor_read_c(mdl_thermal *th, sim_rng *rng);

/* A sensor glitch: readings offset by delta_c from the state's time for
 * duration_ns (readings at t with t_ns <= t < t_ns + duration_ns).  A new
 * glitch replaces one still on; duration_ns <= 0 clears it. */
void mdl_thermal_glitch(mdl_thermal *th, double delta_c, int64_t duration_ns);

#endif /* MDL_THERMAL_H */
