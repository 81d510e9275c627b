/*
 * rigfix.h - a test fixture: the simulated rig, the engine on it, and
 * handoffs measured against the simulator's ground truth.  Header-only
 * (static functions) so each test file that needs it includes it.
 */
#ifndef TESTS_RIGFIX_H
#define TESTS_RIGFIX_H

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "engine/af_engine.h"
#include "models/rig.h"
#include "kernel/rng.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"

typedef struct rigfix {
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal hal;
	af_engine_config cfg;
	af_engine *e;
	sim_rng steps;
} rigfix;

static inline int put_site(void *user, uint32_t i, double z)
{
	(void)i;
	sim_ctl_set_place(user, z);
	return 0;
}

/* rig and room as set by the caller (defaults when init_defaults). */
static inline void start(rigfix *f, uint64_t seed, bool init_defaults)
{
	const char *err = NULL;

	if (init_defaults) {
		mdl_rig_default(&f->rig);
		mdl_room_profile_default(&f->room);
		af_engine_config_default(&f->cfg);
	}
	f->sh = sim_hal_new(&f->rig, &f->room, seed, NULL, &err);
	ck_assert_msg(f->sh != NULL, "sim: %s", err ? err : "?");
	sim_hal_bind(f->sh, &f->hal);
	f->e = af_engine_new(&f->hal, &f->cfg, &err);
	ck_assert_msg(f->e != NULL, "engine: %s", err ? err : "?");
	sim_rng_stream(&f->steps, seed, SIM_STREAM_STEPS);
}

static inline void stop(rigfix *f)
{
	af_engine_free(f->e);
	sim_hal_free(f->sh);
}

static inline af_calib_report calibrate(rigfix *f)
{
	af_calib_plan plan = { 11, -8.0, 8.0, 2, true };
	af_calib_report r;

	ck_assert_msg(af_calibrate(f->e, &plan, put_site, f->sh, &r) == AF_OK, "calibrate: %s",
		      r.message);
	return r;
}

typedef struct tally {
	int n, ok;
	double total[1000];
	double sum_total, max_map, max_fe, sum_fe, sum_map;
	int codes[16];
} tally;

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static inline double p95(tally *t)
{
	double idx;
	int lo;

	qsort(t->total, (size_t)t->n, sizeof t->total[0], cmp_double);
	idx = 0.95 * (t->n - 1);
	lo = (int)idx;
	return t->total[lo] + (idx - lo) * (t->total[lo + 1 < t->n ? lo + 1 : lo] - t->total[lo]);
}

/* One A->B handoff at the plan position z: place, user at lens A, handoff. */
static inline int handoff_at(rigfix *f, double z, tally *t, af_handoff_result *out)
{
	af_handoff_result r;
	double fe;
	int rc;

	sim_ctl_set_place(f->sh, z);
	ck_assert_int_eq(af_engine_goto(f->e, AF_LENS_A, z), AF_OK);
	rc = af_handoff(f->e, AF_LENS_A, AF_LENS_B, z, &r);
	fe = fabs(sim_ctl_stage_um(f->sh) - sim_ctl_true_focus_um(f->sh, 1));
	if (t) {
		t->total[t->n++] = r.phase_ms[AF_PHASE_TOTAL];
		if (rc == AF_OK) {
			t->ok++;
			t->sum_total += r.phase_ms[AF_PHASE_TOTAL];
			t->max_map = fmax(t->max_map, r.mapping_error_um);
			t->sum_map += r.mapping_error_um;
			t->max_fe = fmax(t->max_fe, fe);
			t->sum_fe += fe;
		} else {
			t->codes[-rc < 16 ? -rc : 15]++;
		}
	}
	if (out)
		*out = r;
	return rc;
}


#endif
