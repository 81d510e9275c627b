/*
 * rig.h - the whole simulated instrument: every model's configuration in
 * one value, with the default rig of docs/physics.md.
 *
 * A scenario starts from mdl_rig_default() and overrides what it names.
 * The room temperature profile is not part of the rig: it belongs to the
 * environment (thermal.h, mdl_room_profile).
 */
#ifndef MDL_RIG_H
#define MDL_RIG_H

#include "models/camera.h"
#include "models/mdl.h"
#include "models/optics.h"
#include "models/specimen.h"
#include "models/stage.h"
#include "models/thermal.h"
#include "models/turret.h"

typedef struct mdl_rig {
	mdl_lens_config lens[MDL_LENS_COUNT];
	mdl_parfocal_config parfocal;
	mdl_thermal_config thermal;
	mdl_stage_config stage;
	mdl_turret_config turret;
	mdl_camera_config camera;
	mdl_specimen_config specimen;
	double start_z_um;   /* stage position at the start of a run: 0 */
	int start_lens;      /* lens seated at the start: MDL_LENS_A */
} mdl_rig;

/* The default rig: 10x/0.30 + 40x/0.75, stepper stage, fast slider, sCMOS
 * camera with a 128 x 128 autofocus ROI, procedural cell specimen. */
void mdl_rig_default(mdl_rig *r);

#endif /* MDL_RIG_H */
