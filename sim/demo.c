/*
 * demo.c - the engine on the default rig, end to end (see demo.h).
 */
#include "demo.h"

#include <math.h>
#include <stdlib.h>

#include "engine/af_engine.h"
#include "models/rig.h"
#include "kernel/rng.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"

static int put_site(void *user, uint32_t i, double z)
{
	(void)i;
	sim_ctl_set_place(user, z);
	return 0;
}

static int run_level(uint64_t seed, af_level level, int n, FILE *out, af_calib_report *cal_out)
{
	af_calib_plan plan = { 11, -8.0, 8.0, 2, true };
	mdl_rig rig;
	mdl_room_profile room;
	af_engine_config cfg;
	af_calib_report cal;
	af_stats_summary sm;
	sim_hal *sh;
	af_engine *e = NULL;
	af_hal hal;
	sim_rng steps;
	const char *err = NULL;
	double fe_sum = 0.0, fe_max = 0.0;
	int ok = 0, rc = -1;

	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	af_engine_config_default(&cfg);
	cfg.level = level;
	sh = sim_hal_new(&rig, &room, seed, NULL, &err);
	if (!sh) {
		fprintf(out, "cannot build the simulated rig: %s\n", err);
		return -1;
	}
	sim_hal_bind(sh, &hal);
	e = af_engine_new(&hal, &cfg, &err);
	if (!e) {
		fprintf(out, "cannot build the engine: %s\n", err);
		goto out;
	}
	if (af_calibrate(e, &plan, put_site, sh, &cal) != AF_OK) {
		fprintf(out, "calibration failed: %s\n", cal.message);
		goto out;
	}
	*cal_out = cal;
	sim_rng_stream(&steps, seed, SIM_STREAM_STEPS);
	for (int i = 0; i < n; i++) {
		double z = sim_rng_range(&steps, -5.0, 5.0), fe;
		af_handoff_result r;

		sim_ctl_set_place(sh, z);
		if (af_engine_goto(e, AF_LENS_A, z) != AF_OK)
			continue;
		if (af_handoff(e, AF_LENS_A, AF_LENS_B, z, &r) != AF_OK)
			continue;
		ok++;
		fe = fabs(sim_ctl_stage_um(sh) - sim_ctl_true_focus_um(sh, 1));
		fe_sum += fe;
		fe_max = fe > fe_max ? fe : fe_max;
	}
	if (af_engine_stats(e, &sm) != AF_OK) {
		fprintf(out, "out of memory\n");
		goto out;
	}
	fprintf(out, "%-10s %5d/%-5d %6.1f %6.1f %6.1f %6.1f  %6.1f %6.1f  %6.3f %6.3f  %6.3f %6.3f  %5.1f %%\n",
		af_level_name(level), ok, n, sm.phase[AF_PHASE_LENS_SWITCH].mean,
		sm.phase[AF_PHASE_FOCUS_MOVE].mean, sm.phase[AF_PHASE_FOCUS_SEARCH].mean,
		sm.phase[AF_PHASE_VALIDATION].mean, sm.phase[AF_PHASE_TOTAL].mean,
		sm.phase[AF_PHASE_TOTAL].p95, sm.mapping_error.mean, sm.mapping_error.max,
		ok ? fe_sum / ok : NAN, fe_max, 100.0 * sm.cache_hit_rate);
	rc = 0;
out:
	af_engine_free(e);
	sim_hal_free(sh);
	return rc;
}

int sim_demo_run(uint64_t seed, int handoffs, FILE *out)
{
	fprintf(out, "default rig (10x/0.30 -> 40x/0.75), 22 C, seed %llu, %d A->B handoffs per level, "
		"z uniform in +/-5 um\n", (unsigned long long)seed, handoffs);
	af_calib_report cal;

	fprintf(out, "level      success     switch   move search  valid   total    p95"
		"  map err   max  focus err  max  cache\n"
		"                          ms     ms     ms     ms      ms     ms"
		"       um    um         um   um       \n");
	for (int l = 0; l < AF_LEVEL_COUNT; l++)
		if (run_level(seed, (af_level)l, handoffs, out, &cal) != 0)
			return -1;
	fprintf(out, "\ncalibration (each level's run): %zu sites x 2 passes, %s -> order %d, rms %.3f um, "
		"max %.3f um, backlash %.2f um, %u frames, %.1f s virtual\n", cal.points,
		af_mapping_model_name(cal.mapping.model), cal.mapping.order, cal.mapping.rms_um,
		cal.mapping.max_abs_um, cal.backlash_um, cal.frames, cal.ms / 1e3);
	fprintf(out, "focus err: distance of the stage from the true focal plane of lens B after the "
		"handoff (the simulator's ground truth)\n");
	return 0;
}
