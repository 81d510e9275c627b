/*
 * sim_hal_new.c - a simulated HAL's construction and end: the instrument's
 * truth drawn around the configured rig (models/truth.h) and checked, the
 * random streams split from the seed, the models' initial state, the
 * camera's settings, an empty fault schedule.
 */
#include "sim_hal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/clock.h"
#include "kernel/rng.h"
#include "sim/fault.h"
#include "sim/sim_hal_impl.h"

/* What is wrong with a rig, or NULL. */
static const char *rig_bad(const mdl_rig *rig, const mdl_room_profile *room)
{
	const mdl_camera_config *c = &rig->camera;

	if (rig->start_lens != MDL_LENS_A && rig->start_lens != MDL_LENS_B)
		return "start lens must be A or B";
	if (!sim_hal_roi_fits(c, c->roi_x, c->roi_y, c->roi_width, c->roi_height))
		return "camera roi does not fit the sensor";
	return mdl_lens_config_check(&rig->lens[MDL_LENS_A]) ? "lens A configuration is invalid"
		: mdl_lens_config_check(&rig->lens[MDL_LENS_B]) ? "lens B configuration is invalid"
		: mdl_parfocal_config_check(&rig->parfocal) ? "parfocal configuration is invalid"
		: mdl_camera_config_check(c) ? "camera configuration is invalid"
		: mdl_stage_config_check(&rig->stage) ? "stage configuration is invalid"
		: mdl_turret_config_check(&rig->turret) ? "switcher configuration is invalid"
		: mdl_thermal_config_check(&rig->thermal) ? "thermal configuration is invalid"
		: mdl_specimen_config_check(&rig->specimen) ? "specimen configuration is invalid"
		: mdl_slide_config_check(&rig->slide) ? "slide configuration is invalid"
		: mdl_host_config_check(&rig->host) ? "host configuration is invalid"
		: room && mdl_room_profile_check(room) ? "room temperature profile is invalid"
		: NULL;
}

sim_hal *sim_hal_new(const mdl_rig *rig, const mdl_room_profile *room, uint64_t seed,
		     sim_trace *trace, const char **err)
{
	const char *bad = rig_bad(rig, room);
	sim_hal *sh;
	sim_rng spec;

	if (err)
		*err = bad;
	if (bad)
		return NULL;
	sh = calloc(1, sizeof *sh);
	if (!sh) {
		if (err)
			*err = "out of memory";
		return NULL;
	}
	/* the instrument's truth, around the rig as configured; the draws
	 * keep a valid rig valid (truth.h), which the check confirms */
	sh->rig = *rig;
	mdl_truth_draw(&sh->rig, seed);
	bad = rig_bad(&sh->rig, NULL);
	if (bad) {
		if (err)
			*err = "the instrument's drawn truth is invalid";
		free(sh);
		return NULL;
	}
	sh->room = *room;
	sh->seed = seed;
	sh->trace = trace;
	sim_clock_init(&sh->clock);
	sim_rng_stream(&sh->rng_stage, seed, SIM_STREAM_STAGE);
	sim_rng_stream(&sh->rng_camera, seed, SIM_STREAM_CAMERA);
	sim_rng_stream(&sh->rng_turret, seed, SIM_STREAM_TURRET);
	sim_rng_stream(&sh->rng_thermal, seed, SIM_STREAM_THERMAL);
	sim_rng_stream(&sh->rng_optics, seed, SIM_STREAM_OPTICS);
	if (sh->rig.specimen.seed == 0) {
		sim_rng_stream(&spec, seed, SIM_STREAM_SPECIMEN);
		sh->rig.specimen.seed = sim_rng_next(&spec) | 1u;
	}
	/* the slide's places are keyed by the run's seed */
	sh->place_key = seed;
	sim_hal_put_place(sh, 0.0);
	mdl_stage_init(&sh->stage, &sh->rig.stage, sh->rig.start_z_um);
	mdl_turret_init(&sh->turret, &sh->rig.turret, sh->rig.start_lens);
	mdl_thermal_init(&sh->thermal, &sh->rig.thermal, &sh->room, 0);
	sim_hal_draw_seat(sh, MDL_LENS_A);
	sim_hal_draw_seat(sh, MDL_LENS_B);
	sh->exposure_us = sh->rig.camera.exposure_us;
	sh->roi.x = sh->rig.camera.roi_x;
	sh->roi.y = sh->rig.camera.roi_y;
	sh->roi.width = sh->rig.camera.roi_width;
	sh->roi.height = sh->rig.camera.roi_height;
	sh->last_sensor_c = NAN;
	sh->op = 0;
	sim_fault_schedule_init(&sh->faults);
	snprintf(sh->errmsg, sizeof sh->errmsg, "no error");
	return sh;
}

void sim_hal_free(sim_hal *sh)
{
	if (!sh)
		return;
	sim_hal_drop_views(sh);
	free(sh->last_px);
	sim_fault_schedule_release(&sh->faults);
	free(sh);
}

