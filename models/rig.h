/*
 * rig.h - the whole simulated instrument: every model's configuration in
 * one value, with the default rig of docs/physics.md.
 *
 * A scenario starts from mdl_rig_default() and overrides what it names.
 * The values are nominal (the datasheet's): a simulated run draws its
 * instrument's truth around them (truth.h) unless truth.mode is
 * MDL_TRUTH_NOMINAL.  The room temperature profile is not part of the
 * rig: it belongs to the environment (thermal.h, mdl_room_profile).
 */
#ifndef MDL_RIG_H
#define MDL_RIG_H

#include "models/camera.h"
#include "models/mdl.h"
#include "models/optics.h"
#include "models/slide.h"
#include "models/specimen.h"
#include "models/stage.h"
#include "models/thermal.h"
#include "models/truth.h"
#include "models/turret.h"

/*
 * The instrument's controller: what the engine's own work costs in time,
 * charged by the simulated HAL (docs/models.md, "Timing").  The engine
 * does some work after each HAL call before the next one (call_overhead_us)
 * and measures each frame it grabbed (compute_ns_per_px per pixel).
 */
typedef struct mdl_host_config {
	double call_overhead_us;    /* 20 */
	double compute_ns_per_px;   /* 2 */
} mdl_host_config;

/* Defaults above; MDL_OK or MDL_EINVAL (not finite, negative, call
 * overhead above 1 s or compute above 1 ms per pixel). */
void mdl_host_config_default(mdl_host_config *c);
int mdl_host_config_check(const mdl_host_config *c);

typedef struct mdl_rig {
	mdl_lens_config lens[MDL_LENS_COUNT];
	mdl_parfocal_config parfocal;
	mdl_thermal_config thermal;
	mdl_stage_config stage;
	mdl_turret_config turret;
	mdl_camera_config camera;
	mdl_specimen_config specimen;
	mdl_slide_config slide;
	mdl_host_config host;
	mdl_truth_config truth;  /* drawn around the values above, unless nominal */
	double start_z_um;   /* stage position at the start of a run: 0 */
	int start_lens;      /* lens seated at the start: MDL_LENS_A */
} mdl_rig;

/* The default rig: 10x/0.30 + 40x/0.75, stepper stage, fast slider, sCMOS
 * camera with a 128 x 128 autofocus ROI, procedural cell specimen seeded
 * from the run, every place its own field, the truth drawn per seed. */
void mdl_rig_default(mdl_rig *r);

#endif /* MDL_RIG_H */
