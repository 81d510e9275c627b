/*
 * rig.c - the default rig.
 */
#include "rig.h"

#include <string.h>

#include "models/mdl.h"

void mdl_host_config_default(mdl_host_config *c)
{
	c->call_overhead_us = 20.0;
	c->compute_ns_per_px = 2.0;
}

int mdl_host_config_check(const mdl_host_config *c)
{
	if (!(c->call_overhead_us >= 0.0 && c->call_overhead_us <= 1e6) ||
	    !(c->compute_ns_per_px >= 0.0 && c->compute_ns_per_px <= 1e6))
		return MDL_EINVAL;
	return MDL_OK;
}

void mdl_rig_default(mdl_rig *r)
{
	memset(r, 0, sizeof *r);
	mdl_lens_config_default(&r->lens[MDL_LENS_A], MDL_LENS_A);
	mdl_lens_config_default(&r->lens[MDL_LENS_B], MDL_LENS_B);
	mdl_parfocal_config_default(&r->parfocal);
	mdl_thermal_config_default(&r->thermal);
	mdl_stage_config_default(&r->stage);
	mdl_turret_config_default(&r->turret);
	mdl_camera_config_default(&r->camera);
	mdl_specimen_config_default(&r->specimen);
	mdl_slide_config_default(&r->slide);
	mdl_host_config_default(&r->host);
	mdl_truth_config_default(&r->truth);
	r->start_z_um = 0.0;
	r->start_lens = MDL_LENS_A;
}
