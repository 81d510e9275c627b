/*
 * turret.h - the objective switcher: a fast motorised slider by default,
 * a slow turret as the alternative profile.
 *
 * A switch takes switch_ms +/- jitter (uniform) plus a vibration settle.
 * Switching to the lens already seated takes only one bus exchange.  This
 * model only times switches and says which lens ends up seated: the seating
 * error (Gaussian, the parfocal config's seating_sigma_um) is drawn by the
 * caller, once for every switch that moved (a switch to another lens that
 * returned MDL_OK, wrong position included), and added to the focal plane
 * of the lens now seated.
 *
 * Failure modes, armed by fault injection: jam (the next switch fails after
 * jam_timeout_ms with the old lens still seated), wrong position (the next
 * switch ends on the other lens than asked: with two lenses, back on the one
 * it left) and slow (the next switch takes factor times as long).  Armed
 * faults wait for the next switch that moves: a request for the lens already
 * seated neither moves nor consumes them.  That switch consumes all of them;
 * a jam dominates (the switch fails and the others are dropped with it),
 * wrong position and slow combine.
 *
 * Randomness: every call of mdl_turret_switch() draws exactly one uniform
 * (the jitter) from the rng, used or not, so arming a fault or asking for
 * the seated lens never shifts the draws that follow.
 */
#ifndef MDL_TURRET_H
#define MDL_TURRET_H

#include <stdbool.h>
#include <stdint.h>

#include "models/mdl.h"
#include "kernel/rng.h"

/* The two switcher profiles (docs/models.md, "Objective switcher"). */
typedef enum mdl_turret_kind {
	MDL_TURRET_SLIDER,        /* default: a two-position motorised slider */
	MDL_TURRET_NOSEPIECE,     /* a motorised revolving nosepiece (`profile: turret`) */
} mdl_turret_kind;

typedef struct mdl_turret_config {
	mdl_turret_kind kind;     /* the profile the values came from */
	double switch_ms;         /* 35 slider, 400 nosepiece */
	double switch_jitter_ms;  /* 5 slider, 40 nosepiece: uniform in [-jitter, +jitter) */
	double settle_ms;         /* 8 slider, 60 nosepiece: vibration settle after the move */
	double bus_latency_ms;    /* 2: a switch to the seated lens */
	double jam_timeout_ms;    /* 500 slider, 2000 nosepiece: how long a jammed
				   * switch tries */
} mdl_turret_config;

/* The slider: 35 +/- 5 ms + 8 ms settle, jam timeout 500 ms. */
void mdl_turret_config_default(mdl_turret_config *c);
/* The motorised nosepiece profile: 400 +/- 40 ms + 60 ms settle (a
 * rotation of one position of a loaded revolver, then its detent and the
 * stand ringing down), jam timeout 2000 ms (it must exceed a normal
 * switch). */
void mdl_turret_config_turret(mdl_turret_config *c);
/* MDL_OK, or MDL_EINVAL for an unknown kind, a value negative or not
 * finite, or a jitter above switch_ms (a switch could take negative
 * time). */
int mdl_turret_config_check(const mdl_turret_config *c);

typedef struct mdl_turret {
	mdl_turret_config cfg;
	int seated;               /* MDL_LENS_A or MDL_LENS_B */
	bool jam_pending;
	bool wrong_pending;
	double slow_factor_pending; /* 0 or 1: none */
} mdl_turret;

/* seated: MDL_LENS_A or MDL_LENS_B (anything else seats lens A).  No fault
 * armed.  The state copies cfg. */
void mdl_turret_init(mdl_turret *tu, const mdl_turret_config *cfg, int seated);

/*
 * Switch to lens `to`.  *duration_ns receives how long the attempt took
 * (rounded to whole ns).  Returns MDL_OK (tu->seated is now the lens
 * actually seated: `to`, or the other one after a wrong-position fault),
 * MDL_EJAM (nothing moved; *duration_ns is jam_timeout_ms) or MDL_EINVAL
 * for a `to` that is not a lens (nothing happens, *duration_ns is 0, no
 * draw).
 */
int mdl_turret_switch(mdl_turret *tu, int to, sim_rng *rng, int64_t *duration_ns);

void mdl_turret_arm_jam(mdl_turret *tu);
void mdl_turret_arm_wrong_position(mdl_turret *tu);
/* factor > 0 and finite (1 is no change); anything else disarms. */
void mdl_turret_arm_slow(mdl_turret *tu, double factor);

#endif /* MDL_TURRET_H */
