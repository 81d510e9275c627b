/*
 * truth.c - the instrument's truth drawn per seed (truth.h).
 *
 * The table below is the one place the manufacturing distributions live;
 * docs/models.md ("The instrument's truth") lists it with the reasons and
 * sources, and tests/test_truth.c checks 200 draws of each against it.
 * Its order is part of the trace: a parameter added goes at the end.
 */
#include "models/truth.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "models/rig.h"

/* A normal deviate is clamped to this many sigma: no instrument is drawn
 * from the far tail, and every draw stays inside the models' ranges. */
#define CLAMP_SIGMA 3.0

#define ABS_(sec, key, member, sig, lo, hi) \
	{ sec, key, offsetof(mdl_rig, member), MDL_TRUTH_ABS, sig, lo, hi }
#define REL_(sec, key, member, sig, lo, hi) \
	{ sec, key, offsetof(mdl_rig, member), MDL_TRUTH_REL, sig, lo, hi }

static const mdl_truth_param params[] = {
	/* the objectives: parfocality, the depth scaling, seating, drift */
	ABS_("parfocal", "c0_um", parfocal.c0_um, 1.5, -1000, 1000),
	ABS_("parfocal", "c1", parfocal.c1, 0.005, 0.1, 10),
	REL_("parfocal", "depth_slope", parfocal.depth_slope, 0.2, -10, 10),
	REL_("parfocal", "depth_length_um", parfocal.depth_length_um, 0.2, 0.1, 1000),
	ABS_("parfocal", "depth_interface_um", parfocal.depth_interface_um, 3.0, -1000, 1000),
	REL_("parfocal", "focal_tc_um_per_c", parfocal.focal_tc_um_per_c, 0.15, -100, 100),
	ABS_("parfocal", "offset_tc_um_per_c", parfocal.offset_tc_um_per_c, 0.05, -100, 100),
	REL_("parfocal", "seating_sigma_um", parfocal.seating_sigma_um, 0.25, 0, 100),
	/* the stand's thermal lags and its sensor */
	REL_("thermal", "tau_fast_s", thermal.tau_fast_s, 0.2, 0, 1e6),
	REL_("thermal", "tau_slow_s", thermal.tau_slow_s, 0.2, 0, 1e6),
	ABS_("thermal", "fast_weight", thermal.fast_weight, 0.1, 0, 1),
	REL_("thermal", "sensor_lag_s", thermal.sensor_lag_s, 0.2, 0, 1e5),
	REL_("thermal", "sensor_noise_c", thermal.sensor_noise_c, 0.2, 0, 10),
	/* the z drive */
	REL_("stage", "backlash_um", stage.backlash_um, 0.25, 0, 1000),
	REL_("stage", "settle_ms", stage.settle_ms, 0.15, 0, 1e4),
	REL_("stage", "ringing_hz", stage.ringing_hz, 0.1, 1e-3, 1e6),
	REL_("stage", "response_10_90_ms", stage.response_10_90_ms, 0.1, 1e-3, 1e4),
	/* the objective switcher */
	REL_("turret", "switch_ms", turret.switch_ms, 0.1, 0, 1e5),
	REL_("turret", "settle_ms", turret.settle_ms, 0.2, 0, 1e5),
	/* the camera (the offset's upper bound is the ADC's, below) */
	REL_("camera", "qe", camera.qe, 0.03, 1e-6, 1),
	REL_("camera", "read_noise_e", camera.read_noise_e, 0.1, 0, 1e6),
	REL_("camera", "gain_e_per_adu", camera.gain_e_per_adu, 0.03, 0, 1e12),
	ABS_("camera", "offset_adu", camera.offset_adu, 1.5, 0, 65534),
	REL_("camera", "dark_e_per_s", camera.dark_e_per_s, 0.3, 0, 1e12),
	/* the slide: its tilt and its bow */
	ABS_("specimen", "tilt_x_um_per_mm", specimen.tilt_x_um_per_mm, 3.0, -1000, 1000),
	ABS_("specimen", "tilt_y_um_per_mm", specimen.tilt_y_um_per_mm, 3.0, -1000, 1000),
	ABS_("slide", "curvature_per_m", slide.curvature_per_m, 0.05, -1000, 1000),
};

#define N_PARAMS (sizeof params / sizeof params[0])
_Static_assert(N_PARAMS <= 64, "the pin mask holds 64 parameters");

size_t mdl_truth_count(void)
{
	return N_PARAMS;
}

const mdl_truth_param *mdl_truth_param_at(size_t i)
{
	return i < N_PARAMS ? &params[i] : NULL;
}

int mdl_truth_find(const char *section, const char *key)
{
	for (size_t i = 0; i < N_PARAMS; i++)
		if (strcmp(params[i].section, section) == 0 && strcmp(params[i].key, key) == 0)
			return (int)i;
	return -1;
}

void mdl_truth_pin(mdl_truth_config *t, int id)
{
	if (id >= 0 && (size_t)id < N_PARAMS)
		t->pinned |= (uint64_t)1 << id;
}

void mdl_truth_unpin(mdl_truth_config *t, int id)
{
	if (id >= 0 && (size_t)id < N_PARAMS)
		t->pinned &= ~((uint64_t)1 << id);
}

bool mdl_truth_pinned(const mdl_truth_config *t, int id)
{
	return id >= 0 && (size_t)id < N_PARAMS && (t->pinned >> id & 1u);
}

void mdl_truth_config_default(mdl_truth_config *t)
{
	t->mode = MDL_TRUTH_DRAWN;
	t->pinned = 0;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void mdl_truth_draw(mdl_rig *r, uint64_t seed)
{
	mdl_camera_config *cam = &r->camera;
	sim_rng rng;

	if (r->truth.mode == MDL_TRUTH_NOMINAL)
		return;
	/* an automatic gain is drawn around the value it stands for */
	if (cam->gain_e_per_adu == 0.0 &&
	    !mdl_truth_pinned(&r->truth, mdl_truth_find("camera", "gain_e_per_adu")))
		cam->gain_e_per_adu = mdl_camera_gain_e_per_adu(cam);
	sim_rng_stream(&rng, seed, SIM_STREAM_TRUTH);
	for (size_t i = 0; i < N_PARAMS; i++) {
		const mdl_truth_param *p = &params[i];
		double n = clampd(sim_rng_normal(&rng), -CLAMP_SIGMA, CLAMP_SIGMA);
		double *v = (double *)(void *)((char *)r + p->off);
		double hi = p->hi;

		if (mdl_truth_pinned(&r->truth, (int)i))
			continue;
		if (p->off == offsetof(mdl_rig, camera.offset_adu))
			hi = fmin(hi, (double)mdl_camera_max_adu(cam) - 1.0);
		if (p->kind == MDL_TRUTH_ABS)
			*v = clampd(*v + p->sigma * n, p->lo, hi);
		else
			*v = clampd(*v * exp(p->sigma * n), p->lo, hi);
	}
	/* what the draws may have broken */
	if (r->stage.settle_jitter_ms > r->stage.settle_ms)
		r->stage.settle_jitter_ms = r->stage.settle_ms;
	if (r->turret.switch_jitter_ms > r->turret.switch_ms)
		r->turret.switch_jitter_ms = r->turret.switch_ms;
}
