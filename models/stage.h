/*
 * stage.h - the z drive: a stepper with backlash (default) or a piezo.
 *
 * Stepper: the controller counts motor steps of step_um; the motor follows a
 * trapezoidal profile (max speed, acceleration; short moves are
 * acceleration-limited, a triangle).  The stage hangs on the motor through a
 * play of backlash_um: the stage position s and motor position m satisfy
 * m <= s <= m + backlash; moving up pushes s = max(s, m), moving down pulls
 * s = min(s, m + backlash).  So after an upward approach the stage sits at
 * the motor's position, after a downward one backlash above it: backlash
 * shows only on reversal.  During a reversal the stage stands still while
 * the motor takes up the play.  After the motion the stage rings (a damped
 * cosine) and settles below the encoder resolution within settle_ms +/-
 * jitter.  The encoder reads the stage, quantised to encoder_um.  Every
 * command costs a bus latency drawn uniformly from [bus_latency_min_ms,
 * bus_latency_max_ms].  The controller reports busy from the acceptance of a
 * move until the motion has ended and its settle time has passed.
 *
 * Ringing: a move that carries the stage a distance d starts, at the end of
 * the motion, a ringing dir * A * exp(-t / tau) * cos(2 pi ringing_hz t)
 * about the final position, A = min(ringing_max_um, ringing_frac * d), dir
 * the direction of the move (an overshoot), tau chosen so that the envelope
 * reaches encoder_um exactly at t_settled_ns; from t_settled_ns on the stage
 * is exactly at its final position.  The cosine starts at its crest: the
 * position steps by A at the end of the motion (the overshoot is put in at
 * once instead of modelling the elastic lag during the motion).  A <=
 * encoder_um means no ringing; the controller waits the settle time all the
 * same.
 *
 * Piezo: closed-loop first-order response (tau = response_10_90_ms / ln 9),
 * targets quantised to resolution_um, busy until the position is within
 * resolution_um of the final one (then it is exactly there); optional
 * open-loop hysteresis: the final position falls short of the target by
 * hysteresis_frac * |step| / 2, step being the distance from the position
 * at the acceptance to the target (commanding the same target again creeps
 * closer to it).  No ringing, no settle time.
 *
 * Failure modes, armed by the simulator's fault injection: a stall (the
 * drive stops where it is and rejects commands for a while), lost steps (the
 * next move falls short by n steps, silently), early not-busy (the next
 * move's busy flag clears when only part of the motion is done).  Lost steps
 * and early not-busy wait for the next move that moves the drive; a move to
 * where the drive already stands neither moves nor consumes them.
 *
 * Commands during a move: the new move starts at its acceptance from where
 * motor and stage are then, the motor from rest (the velocity it had is
 * dropped, as a controller that aborts and replans would), and any ringing
 * left of the old move is dropped.  Until the acceptance the old move goes
 * on, so the model keeps the previous move record (prev) besides the
 * current one.  Queries are exact for t_ns from the previous command's
 * acceptance on; earlier times (history the model no longer keeps) read the
 * position the previous move started from.
 *
 * Times are integer nanoseconds on the caller's clock, which starts at 0;
 * the caller's clock never goes backwards between calls.  Randomness comes
 * only from the rng passed in, in a fixed order: every mdl_stage_move() draws
 * the bus latency and then (stepper only) the settle time, one uniform each,
 * whatever the outcome (rejected and empty moves included), so a fault or a
 * bad target never shifts the draws that follow; mdl_stage_query_latency_ns()
 * draws one uniform.  Same config, start, calls and rng state: same answers,
 * bit for bit, at every optimisation level and with gcc and clang.
 */
#ifndef MDL_STAGE_H
#define MDL_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/mdl.h"
#include "kernel/rng.h"

typedef enum mdl_stage_kind { MDL_STAGE_STEPPER, MDL_STAGE_PIEZO } mdl_stage_kind;

typedef struct mdl_stage_config {
	mdl_stage_kind kind;
	double travel_min_um, travel_max_um;  /* -500, 500 (piezo: -100, 100) */
	double bus_latency_min_ms;            /* 5 */
	double bus_latency_max_ms;            /* 25 */
	/* stepper */
	double step_um;                       /* 0.05 */
	double encoder_um;                    /* 0.01 */
	double backlash_um;                   /* 2.0 */
	double max_speed_um_per_s;            /* 1000 (1 mm/s) */
	double accel_um_per_s2;               /* 10000 (10 mm/s^2) */
	double settle_ms;                     /* 20 */
	double settle_jitter_ms;              /* 5: settle uniform in +/- this */
	double ringing_frac;                  /* 0.1: ringing amplitude per um moved */
	double ringing_max_um;                /* 0.5: amplitude cap */
	double ringing_hz;                    /* 150 */
	/* piezo */
	double response_10_90_ms;             /* 46 */
	double resolution_um;                 /* 0.001 */
	double hysteresis_frac;               /* 0 closed loop; 0.12 open loop */
} mdl_stage_config;

/* The stepper default of docs/physics.md. */
void mdl_stage_config_default(mdl_stage_config *c);
/* The piezo profile of docs/physics.md (closed loop: hysteresis_frac 0; set it to
 * 0.12 for the open-loop variant).  The stepper fields keep their defaults
 * and are not used. */
void mdl_stage_config_piezo(mdl_stage_config *c);
/* MDL_OK, or MDL_EINVAL when a value is not finite, the travel is empty,
 * the latency range is negative or reversed, or a field the kind uses is out
 * of range (stepper: step, encoder, speed, acceleration, ringing_hz > 0;
 * backlash, ringing >= 0; 0 <= jitter <= settle; piezo: response,
 * resolution > 0; 0 <= hysteresis_frac < 1). */
int mdl_stage_config_check(const mdl_stage_config *c);

/* Time of a trapezoidal move of distance d_um >= 0 (triangle when short),
 * seconds: 2 sqrt(d / a) when d <= v^2 / a, else d / v + v / a. */
double mdl_stage_trapezoid_s(double d_um, double vmax_um_per_s, double accel_um_per_s2);

/* One move as the model replays it (the layout of the current move's fields
 * in mdl_stage, kept as a copy for the previous move). */
typedef struct mdl_stage_seg {
	int64_t t_cmd_ns, t_motion_end_ns, t_not_busy_ns, t_settled_ns;
	double motor_from_um, motor_to_um;
	double stage_from_um, stage_to_um;
	double ring_amp_um, ring_tau_s;
} mdl_stage_seg;

typedef struct mdl_stage {
	mdl_stage_config cfg;
	/* the current (or last) move */
	int64_t t_cmd_ns;        /* command received by the controller (after latency) */
	int64_t t_motion_end_ns; /* motor (or piezo) motion ends */
	int64_t t_not_busy_ns;   /* controller clears busy */
	int64_t t_settled_ns;    /* ringing below encoder resolution */
	double motor_from_um, motor_to_um;   /* stepper motor positions (piezo:
					      * same as the stage's) */
	double stage_from_um, stage_to_um;   /* stage positions before/after the play */
	double ring_amp_um, ring_tau_s;      /* ringing after t_motion_end_ns */
	double target_um;                    /* last commanded target, as the
					      * controller holds it: clamped to
					      * travel and quantised to the step
					      * (lost steps do not show here) */
	mdl_stage_seg prev;      /* the move before, in effect until t_cmd_ns */
	/* failure modes */
	int64_t stall_from_ns;   /* stalled for t in [stall_from_ns, */
	int64_t stall_until_ns;  /* stall_until_ns): commands rejected */
	uint32_t lost_steps_pending;
	bool early_not_busy_pending;
	double early_not_busy_frac;  /* part of the motion done when busy clears */
} mdl_stage;

/* At rest at z_um (clamped to travel, quantised to the step; piezo: to the
 * resolution; not finite: 0), approached from below, since time 0, nothing
 * armed.  cfg
 * must pass mdl_stage_config_check(); it is copied. */
void mdl_stage_init(mdl_stage *st, const mdl_stage_config *cfg, double z_um);

/*
 * Command an absolute move at now_ns.  *ack_ns receives the time the
 * controller has accepted (or rejected) the command: now + bus latency, or
 * the acceptance of the move sent before if that is later (the bus keeps
 * commands in order); the motion starts then.  Returns MDL_OK, MDL_ELIMIT
 * (the target is outside travel: the drive moves to the limit and stops
 * there), MDL_ESTALL (the stall covers the acceptance time: no motion, no
 * change of target) or MDL_EINVAL (target not finite: no motion).  The draws
 * from rng are the same in every case (see the top of this file).
 */
int mdl_stage_move(mdl_stage *st, int64_t now_ns, double target_um, sim_rng *rng,
		   int64_t *ack_ns);

/* True stage position at t_ns (during motion, ringing or at rest), um. */
double mdl_stage_position_um(const mdl_stage *st, int64_t t_ns);
/* Motor position at t_ns, what the controller's step counter implies (no
 * play, no ringing), um.  Piezo: the position. */
double mdl_stage_motor_um(const mdl_stage *st, int64_t t_ns);
/* What the encoder reads at t_ns: the position quantised to encoder_um
 * (piezo: resolution_um). */
double mdl_stage_encoder_um(const mdl_stage *st, int64_t t_ns);
/* The controller's busy flag at t_ns: a move's from its acceptance to
 * t_not_busy_ns, and throughout a stall. */
bool mdl_stage_busy(const mdl_stage *st, int64_t t_ns);
/* True while a stall is in effect at t_ns. */
bool mdl_stage_stalled(const mdl_stage *st, int64_t t_ns);
/* Bus latency of a query command (get position, busy), drawn from rng, ns:
 * one uniform. */
int64_t mdl_stage_query_latency_ns(const mdl_stage *st, sim_rng *rng);

/*
 * Failure modes (armed by fault injection).
 *
 * mdl_stage_stall: from now_ns for duration_ns (negative counts as 0, a
 * duration past the end of int64 time lasts forever) the drive is stalled.
 * A move in progress (or still on the bus) freezes where the stage is at
 * now_ns: the move record is cut to end there, with no
 * ringing, and its target is kept (the controller still holds it).  A move
 * already over keeps ringing out.  During the stall busy reads true (the
 * drive is not ready) and every move whose acceptance falls in the stall is
 * rejected with MDL_ESTALL; afterwards busy clears (the stage stays where it
 * froze) and moves work again.  A new stall replaces the old one.
 *
 * mdl_stage_lose_steps: the next move that moves ends steps steps short of
 * its target (never behind its start); the stage and the encoder show it,
 * target_um does not.  Replaces a pending count.  Ignored by the piezo.
 *
 * mdl_stage_early_not_busy: the next move that moves clears busy when
 * frac_done (clamped to [0, 1]; not a number counts as 0) of its motion time
 * has passed, while the stage is still moving.
 */
void mdl_stage_stall(mdl_stage *st, int64_t now_ns, int64_t duration_ns);
void mdl_stage_lose_steps(mdl_stage *st, uint32_t steps);
void mdl_stage_early_not_busy(mdl_stage *st, double frac_done);

#endif /* MDL_STAGE_H */
