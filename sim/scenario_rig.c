/*
 * scenario_rig.c - the keys of a scenario's `rig:` and `engine:` sections:
 * one table per mapping (name, type, where the value goes, range) and the
 * hooks that apply a profile before the other keys of its mapping and
 * check each rig sub-map as a whole once it is read.
 * scenarios/README.md documents every key; keep the two in step.
 *
 * Ranges: each field is checked on its own as it is read, with bounds
 * wide enough for any real instrument and narrow enough to catch a unit
 * slip (a wavelength of 550 means nanometres).  Constraints between
 * fields of one rig sub-map (travel_min_um < travel_max_um, na <
 * medium_n, ...) are checked when the sub-map ends, with a message naming
 * them, and the model's own *_config_check has the last word.  The
 * engine's cross-field constraints (max_frames >= points, extrapolate_um
 * <= step_um, ...) are left to af_engine_new(), whose message the runner
 * reports: repeating them here would be a second copy to keep in step.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "sim/scenario_impl.h"

/* Enum fields are written as int by the walker. */
_Static_assert(sizeof(af_level) == sizeof(int), "af_level is not int-sized");
_Static_assert(sizeof(af_mapping_model) == sizeof(int), "af_mapping_model is not int-sized");
_Static_assert(sizeof(af_measure_kind) == sizeof(int), "af_measure_kind is not int-sized");
_Static_assert(sizeof(af_search_mode) == sizeof(int), "af_search_mode is not int-sized");
_Static_assert(sizeof(af_peak_method) == sizeof(int), "af_peak_method is not int-sized");
_Static_assert(sizeof(mdl_specimen_kind) == sizeof(int), "mdl_specimen_kind is not int-sized");
_Static_assert(sizeof(mdl_truth_mode) == sizeof(int), "mdl_truth_mode is not int-sized");
_Static_assert(sizeof(mdl_places) == sizeof(int), "mdl_places is not int-sized");
_Static_assert(sizeof(mdl_turret_kind) == sizeof(int), "mdl_turret_kind is not int-sized");

/* Frames of one search: the engine's AF_SEARCH_MAX (engine-internal). */
#define SEARCH_MAX 96

/* ---- names ---- */

static const char *level_name(int i) { return af_level_name((af_level)i); }
static const char *model_name(int i) { return af_mapping_model_name((af_mapping_model)i); }
static const char *measure_name(int i) { return af_measure_name((af_measure_kind)i); }
static const char *lens_name(int i) { return af_lens_name((af_lens)i); }

static const char *const mode_names[] = { "scan", "probe" };
static const char *const fit_names[] = { "parabola", "gaussian", "lorentzian" };
static const char *const specimen_names[] = { "cells", "grid", "low_texture", "flat", "two_layer" };
static const char *const stage_profiles[] = { "stepper", "piezo" };
static const char *const turret_profiles[] = { "slider", "turret" };
static const char *const truth_names[] = { "drawn", "nominal" };
static const char *const places_names[] = { "varied", "same" };

static const sim_scn_enum e_level = { "optimization", NULL, level_name, AF_LEVEL_COUNT };
static const sim_scn_enum e_model = { "mapping model", NULL, model_name, 4 };
static const sim_scn_enum e_measure = { "focus measure", NULL, measure_name, AF_MEASURE_COUNT };
const sim_scn_enum sim_scn_lens = { "lens", NULL, lens_name, AF_LENS_COUNT };
static const sim_scn_enum e_mode = { "search mode", mode_names, NULL, 2 };
static const sim_scn_enum e_fit = { "fit", fit_names, NULL, 3 };
static const sim_scn_enum e_specimen = { "specimen kind", specimen_names, NULL, 5 };
static const sim_scn_enum e_stage = { "stage profile", stage_profiles, NULL, 2 };
static const sim_scn_enum e_turret = { "turret profile", turret_profiles, NULL, 2 };
static const sim_scn_enum e_truth = { "truth", truth_names, NULL, 2 };
static const sim_scn_enum e_places = { "places", places_names, NULL, 2 };

/* ---- helpers ---- */

__attribute__((format(printf, 4, 5)))
static int inconsistent(sim_scn_walker *w, yaml_node_t *map, const char *where, const char *fmt,
			...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sim_scn_fail(w, map->start_mark, "%s configuration is inconsistent: %s", where, msg);
}

/* The model's check, after the specific diagnoses above each call. */
static int model_check(sim_scn_walker *w, yaml_node_t *map, const char *where, int rc)
{
	if (rc == MDL_OK)
		return 0;
	return inconsistent(w, map, where,
			    "the model rejects it, expected values within scenarios/README.md's ranges");
}

/* ---- rig ---- */

static int lens_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		     const char *where)
{
	const mdl_lens_config *c = obj;

	(void)seen;
	if (!(c->na < c->medium_n))
		return inconsistent(w, map, where, "na %g is not below medium_n %g, expected na < medium_n",
				    c->na, c->medium_n);
	return model_check(w, map, where, mdl_lens_config_check(c));
}

static const sim_scn_field lens_fields[] = {
	DBL("magnification", mdl_lens_config, magnification, 0, 1000, LO),
	DBL("na", mdl_lens_config, na, 0, 1.7, LO),
	DBL("wavelength_um", mdl_lens_config, wavelength_um, 0.2, 2, 0),
	DBL("medium_n", mdl_lens_config, medium_n, 1, 2, 0),
	DBL("camera_pixel_um", mdl_lens_config, camera_pixel_um, 0, 100, LO),
	DBL("geometric_sigma_per_radius", mdl_lens_config, geometric_sigma_per_radius, 0, 10, LO),
	DBL("asymmetry", mdl_lens_config, asymmetry, -1, 1, LO | HI),
};
SCHEMA(lens_schema, lens_fields, NULL, lens_post);

static int parfocal_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
			 const char *where)
{
	(void)seen;
	return model_check(w, map, where, mdl_parfocal_config_check(obj));
}

static const sim_scn_field parfocal_fields[] = {
	DBL("c0_um", mdl_parfocal_config, c0_um, -1000, 1000, 0),
	DBL("c1", mdl_parfocal_config, c1, 0.1, 10, 0),
	DBL("c2_per_um", mdl_parfocal_config, c2_per_um, -1, 1, 0),
	DBL("c3_per_um2", mdl_parfocal_config, c3_per_um2, -1, 1, 0),
	DBL("ref_temp_c", mdl_parfocal_config, ref_temp_c, SIM_SCN_TEMP_MIN_C, SIM_SCN_TEMP_MAX_C, 0),
	DBL("focal_tc_um_per_c", mdl_parfocal_config, focal_tc_um_per_c, -100, 100, 0),
	DBL("offset_tc_um_per_c", mdl_parfocal_config, offset_tc_um_per_c, -100, 100, 0),
	DBL("seating_sigma_um", mdl_parfocal_config, seating_sigma_um, 0, 100, 0),
	DBL("depth_slope", mdl_parfocal_config, depth_slope, -10, 10, 0),
	DBL("depth_length_um", mdl_parfocal_config, depth_length_um, 0, 1000, LO),
	DBL("depth_interface_um", mdl_parfocal_config, depth_interface_um, -1000, 1000, 0),
};
SCHEMA(parfocal_schema, parfocal_fields, NULL, parfocal_post);

static int thermal_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
			const char *where)
{
	(void)seen;
	return model_check(w, map, where, mdl_thermal_config_check(obj));
}

static const sim_scn_field thermal_fields[] = {
	DBL("tau_fast_s", mdl_thermal_config, tau_fast_s, 0, 1e6, 0),
	DBL("tau_slow_s", mdl_thermal_config, tau_slow_s, 0, 1e6, 0),
	DBL("fast_weight", mdl_thermal_config, fast_weight, 0, 1, 0),
	DBL("sensor_lag_s", mdl_thermal_config, sensor_lag_s, 0, 1e5, 0),
	DBL("sensor_noise_c", mdl_thermal_config, sensor_noise_c, 0, 10, 0),
	DBL("sensor_resolution_c", mdl_thermal_config, sensor_resolution_c, 0, 10, 0),
};
SCHEMA(thermal_schema, thermal_fields, NULL, thermal_post);

/* profile first, whatever the key order: it replaces the whole config. */
static int stage_pre(sim_scn_walker *w, yaml_node_t *map, void *obj, const char *where)
{
	yaml_node_t *v = sim_scn_find(w, map, "profile", NULL);
	char child[SIM_SCN_WHERE_MAX];
	int k;

	if (!v)
		return 0;
	if (sim_scn_enum_value(w, v, &e_stage, sim_scn_child(child, sizeof child, where, "profile"),
			       &k))
		return -1;
	if (k == 1)
		mdl_stage_config_piezo(obj);
	else
		mdl_stage_config_default(obj);
	return 0;
}

static int stage_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		      const char *where)
{
	const mdl_stage_config *c = obj;

	(void)seen;
	if (!(c->travel_min_um < c->travel_max_um))
		return inconsistent(w, map, where,
				    "travel_min_um %g is not below travel_max_um %g, expected travel_min_um < travel_max_um",
				    c->travel_min_um, c->travel_max_um);
	if (!(c->bus_latency_min_ms <= c->bus_latency_max_ms))
		return inconsistent(w, map, where,
				    "bus_latency_min_ms %g exceeds bus_latency_max_ms %g, expected min <= max",
				    c->bus_latency_min_ms, c->bus_latency_max_ms);
	if (c->kind == MDL_STAGE_STEPPER) {
		if (c->settle_jitter_ms > c->settle_ms)
			return inconsistent(w, map, where,
					    "settle_jitter_ms %g exceeds settle_ms %g, expected settle_jitter_ms <= settle_ms",
					    c->settle_jitter_ms, c->settle_ms);
		if (ceil(c->travel_min_um / c->step_um) > floor(c->travel_max_um / c->step_um))
			return inconsistent(w, map, where,
					    "the travel holds no multiple of step_um %g, expected a travel at least one step wide",
					    c->step_um);
	}
	return model_check(w, map, where, mdl_stage_config_check(c));
}

static const sim_scn_field stage_fields[] = {
	SKIP("profile"),
	DBL("travel_min_um", mdl_stage_config, travel_min_um, -1e5, 1e5, 0),
	DBL("travel_max_um", mdl_stage_config, travel_max_um, -1e5, 1e5, 0),
	DBL("bus_latency_min_ms", mdl_stage_config, bus_latency_min_ms, 0, 1000, 0),
	DBL("bus_latency_max_ms", mdl_stage_config, bus_latency_max_ms, 0, 1000, 0),
	DBL("step_um", mdl_stage_config, step_um, 0, 100, LO),
	DBL("encoder_um", mdl_stage_config, encoder_um, 0, 100, LO),
	DBL("backlash_um", mdl_stage_config, backlash_um, 0, 1000, 0),
	DBL("max_speed_um_per_s", mdl_stage_config, max_speed_um_per_s, 0, 1e7, LO),
	DBL("accel_um_per_s2", mdl_stage_config, accel_um_per_s2, 0, 1e9, LO),
	DBL("settle_ms", mdl_stage_config, settle_ms, 0, 1e4, 0),
	DBL("settle_jitter_ms", mdl_stage_config, settle_jitter_ms, 0, 1e4, 0),
	DBL("ringing_frac", mdl_stage_config, ringing_frac, 0, 10, 0),
	DBL("ringing_max_um", mdl_stage_config, ringing_max_um, 0, 1000, 0),
	DBL("ringing_hz", mdl_stage_config, ringing_hz, 0, 1e6, LO),
	DBL("response_10_90_ms", mdl_stage_config, response_10_90_ms, 0, 1e4, LO),
	DBL("resolution_um", mdl_stage_config, resolution_um, 0, 100, LO),
	DBL("hysteresis_frac", mdl_stage_config, hysteresis_frac, 0, 1, HI),
};
SCHEMA(stage_schema, stage_fields, stage_pre, stage_post);

static int turret_pre(sim_scn_walker *w, yaml_node_t *map, void *obj, const char *where)
{
	yaml_node_t *v = sim_scn_find(w, map, "profile", NULL);
	char child[SIM_SCN_WHERE_MAX];
	int k;

	if (!v)
		return 0;
	if (sim_scn_enum_value(w, v, &e_turret, sim_scn_child(child, sizeof child, where, "profile"),
			       &k))
		return -1;
	if (k == 1)
		mdl_turret_config_turret(obj);
	else
		mdl_turret_config_default(obj);
	return 0;
}

static int turret_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		       const char *where)
{
	const mdl_turret_config *c = obj;

	(void)seen;
	if (c->switch_jitter_ms > c->switch_ms)
		return inconsistent(w, map, where,
				    "switch_jitter_ms %g exceeds switch_ms %g, expected switch_jitter_ms <= switch_ms",
				    c->switch_jitter_ms, c->switch_ms);
	return model_check(w, map, where, mdl_turret_config_check(c));
}

static const sim_scn_field turret_fields[] = {
	SKIP("profile"),
	DBL("switch_ms", mdl_turret_config, switch_ms, 0, 1e5, 0),
	DBL("switch_jitter_ms", mdl_turret_config, switch_jitter_ms, 0, 1e5, 0),
	DBL("settle_ms", mdl_turret_config, settle_ms, 0, 1e5, 0),
	DBL("bus_latency_ms", mdl_turret_config, bus_latency_ms, 0, 1e4, 0),
	DBL("jam_timeout_ms", mdl_turret_config, jam_timeout_ms, 0, 1e6, 0),
};
SCHEMA(turret_schema, turret_fields, turret_pre, turret_post);

/* The ROI stays centred on the sensor, whatever its size. */
static int camera_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		       const char *where)
{
	mdl_camera_config *c = obj;

	(void)seen;
	if (!(c->offset_adu < (double)mdl_camera_max_adu(c)))
		return inconsistent(w, map, where,
				    "offset_adu %g leaves no range at bit_depth %u, expected offset_adu < %u",
				    c->offset_adu, (unsigned)c->bit_depth, (unsigned)mdl_camera_max_adu(c));
	if (c->roi_width > c->sensor_width || c->roi_height > c->sensor_height)
		return inconsistent(w, map, where,
				    "ROI %ux%u exceeds the sensor %ux%u, expected roi_width <= sensor_width and roi_height <= sensor_height",
				    (unsigned)c->roi_width, (unsigned)c->roi_height,
				    (unsigned)c->sensor_width, (unsigned)c->sensor_height);
	c->roi_x = (c->sensor_width - c->roi_width) / 2;
	c->roi_y = (c->sensor_height - c->roi_height) / 2;
	return model_check(w, map, where, mdl_camera_config_check(c));
}

static const sim_scn_field camera_fields[] = {
	U32("sensor_width", mdl_camera_config, sensor_width, 1, 65535, 0),
	U32("sensor_height", mdl_camera_config, sensor_height, 1, 65535, 0),
	DBL("qe", mdl_camera_config, qe, 0, 1, LO),
	DBL("read_noise_e", mdl_camera_config, read_noise_e, 0, 1e6, 0),
	DBL("full_well_e", mdl_camera_config, full_well_e, 0, 1e12, LO),
	DBL("dark_e_per_s", mdl_camera_config, dark_e_per_s, 0, 1e12, 0),
	DBL("offset_adu", mdl_camera_config, offset_adu, 0, 65534, 0),
	U32("bit_depth", mdl_camera_config, bit_depth, 1, 16, 0),
	DBL("gain_e_per_adu", mdl_camera_config, gain_e_per_adu, 0, 1e12, 0),
	DBL("photon_flux_per_s", mdl_camera_config, photon_flux_per_s, 0, 1e15, 0),
	U32("exposure_us", mdl_camera_config, exposure_us, 1, 1e8, 0),
	DBL("readout_us_per_row", mdl_camera_config, readout_us_per_row, 0, 1e6, 0),
	U32("roi_width", mdl_camera_config, roi_width, 8, 65535, 0),
	U32("roi_height", mdl_camera_config, roi_height, 8, 65535, 0),
	DBL("bleach_tau_s", mdl_camera_config, bleach_tau_s, 0, 1e15, 0),
	DBL("frame_timeout_ms", mdl_camera_config, frame_timeout_ms, 0, 1e6, 0),
	DBL("trigger_latency_us", mdl_camera_config, trigger_latency_us, 0, 1e6, 0),
	DBL("link_mb_per_s", mdl_camera_config, link_mb_per_s, 0, 1e6, LO),
	DBL("delivery_us", mdl_camera_config, delivery_us, 0, 1e6, 0),
	DBL("register_write_us", mdl_camera_config, register_write_us, 0, 1e6, 0),
	DBL("roi_change_ms", mdl_camera_config, roi_change_ms, 0, 1e5, 0),
};
SCHEMA(camera_schema, camera_fields, NULL, camera_post);

static int specimen_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
			 const char *where)
{
	const mdl_specimen_config *c = obj;

	(void)seen;
	if (!(c->grid_line_um < c->grid_pitch_um))
		return inconsistent(w, map, where,
				    "grid_line_um %g is not below grid_pitch_um %g, expected grid_line_um < grid_pitch_um",
				    c->grid_line_um, c->grid_pitch_um);
	return model_check(w, map, where, mdl_specimen_config_check(c));
}

static const sim_scn_field specimen_fields[] = {
	ENUM("kind", mdl_specimen_config, kind, e_specimen, 0),
	U64("seed", mdl_specimen_config, seed),
	DBL("brightness", mdl_specimen_config, brightness, 0, 1e6, 0),
	DBL("contrast", mdl_specimen_config, contrast, 0, 1, 0),
	DBL("cell_diameter_um", mdl_specimen_config, cell_diameter_um, 0.001, 1000, 0),
	DBL("grid_pitch_um", mdl_specimen_config, grid_pitch_um, 0.001, 1e4, 0),
	DBL("grid_line_um", mdl_specimen_config, grid_line_um, 0, 1e4, 0),
	DBL("low_texture_contrast", mdl_specimen_config, low_texture_contrast, 0, 1, 0),
	DBL("layer_separation_um", mdl_specimen_config, layer_separation_um, 0, 1000, 0),
	DBL("layer2_weight", mdl_specimen_config, layer2_weight, 0, 1000, 0),
	DBL("tilt_x_um_per_mm", mdl_specimen_config, tilt_x_um_per_mm, -1000, 1000, 0),
	DBL("tilt_y_um_per_mm", mdl_specimen_config, tilt_y_um_per_mm, -1000, 1000, 0),
};
SCHEMA(specimen_schema, specimen_fields, NULL, specimen_post);

static int slide_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		      const char *where)
{
	(void)seen;
	return model_check(w, map, where, mdl_slide_config_check(obj));
}

static const sim_scn_field slide_fields[] = {
	ENUM("places", mdl_slide_config, places, e_places, 0),
	DBL("area_mm", mdl_slide_config, area_mm, 0, 100, 0),
	DBL("curvature_per_m", mdl_slide_config, curvature_per_m, -1000, 1000, 0),
	DBL("contrast_sigma", mdl_slide_config, contrast_sigma, 0, 2, 0),
	DBL("size_sigma", mdl_slide_config, size_sigma, 0, 2, 0),
	DBL("brightness_sigma", mdl_slide_config, brightness_sigma, 0, 2, 0),
};
SCHEMA(slide_schema, slide_fields, NULL, slide_post);

static int host_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		     const char *where)
{
	(void)seen;
	return model_check(w, map, where, mdl_host_config_check(obj));
}

static const sim_scn_field host_fields[] = {
	DBL("call_overhead_us", mdl_host_config, call_overhead_us, 0, 1e6, 0),
	DBL("compute_ns_per_px", mdl_host_config, compute_ns_per_px, 0, 1e6, 0),
};
SCHEMA(host_schema, host_fields, NULL, host_post);

/*
 * Every key a scenario writes in a rig sub-map that names a drawn
 * parameter of the instrument's truth (models/truth.h) pins it: the run
 * keeps the value as written.  The walk has checked every key and value
 * by now; this only looks at the keys present.
 */
static int rig_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		    const char *where)
{
	mdl_rig *rig = obj;

	(void)seen;
	(void)where;
	if (map->type != YAML_MAPPING_NODE)
		return 0;   /* `rig:` with nothing: nothing written, nothing pinned */
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *section = sim_scn_scalar(sim_scn_node(w, p->key));
		yaml_node_t *sub = sim_scn_node(w, p->value);

		if (!section || sub->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *q = sub->data.mapping.pairs.start;
		     q < sub->data.mapping.pairs.top; q++) {
			const char *key = sim_scn_scalar(sim_scn_node(w, q->key));

			if (key)
				mdl_truth_pin(&rig->truth, mdl_truth_find(section, key));
		}
	}
	return 0;
}

static const sim_scn_field rig_fields[] = {
	ENUM("truth", mdl_rig, truth.mode, e_truth, 0),
	DBL("start_z_um", mdl_rig, start_z_um, -1e5, 1e5, 0),
	ENUM("start_lens", mdl_rig, start_lens, sim_scn_lens, 0),
	MAP("lens_a", offsetof(mdl_rig, lens[MDL_LENS_A]), lens_schema),
	MAP("lens_b", offsetof(mdl_rig, lens[MDL_LENS_B]), lens_schema),
	MAP("parfocal", offsetof(mdl_rig, parfocal), parfocal_schema),
	MAP("thermal", offsetof(mdl_rig, thermal), thermal_schema),
	MAP("stage", offsetof(mdl_rig, stage), stage_schema),
	MAP("turret", offsetof(mdl_rig, turret), turret_schema),
	MAP("camera", offsetof(mdl_rig, camera), camera_schema),
	MAP("specimen", offsetof(mdl_rig, specimen), specimen_schema),
	MAP("slide", offsetof(mdl_rig, slide), slide_schema),
	MAP("host", offsetof(mdl_rig, host), host_schema),
};
const sim_scn_schema sim_scn_rig = { rig_fields, sizeof rig_fields / sizeof rig_fields[0], NULL,
	rig_post };

/* ---- engine ---- */

static const sim_scn_field params_fields[] = {
	ENUM("mode", af_search_params, mode, e_mode, 0),
	BOOL("confirm", af_search_params, confirm),
	DBL("land_tol_um", af_search_params, land_tol_um, 0, 100, 0),
	ENUM("measure", af_search_params, measure, e_measure, 0),
	U32("stride", af_search_params, stride, 1, 16, 0),
	U32("points", af_search_params, points, 3, SEARCH_MAX - 1, SIM_SCN_ODD),
	DBL("step_um", af_search_params, step_um, 0, 1000, LO),
	U32("refine_points", af_search_params, refine_points, 3, SEARCH_MAX - 3, SIM_SCN_ZERO_OK),
	DBL("refine_step_um", af_search_params, refine_step_um, 0, 1000, LO),
	DBL("range_um", af_search_params, range_um, 0, 1e4, LO),
	U32("max_frames", af_search_params, max_frames, 3, SEARCH_MAX, 0),
	ENUM("fit", af_search_params, fit, e_fit, 0),
	U32("fit_window", af_search_params, fit_window, 3, AF_FIT_MAX_POINTS, 0),
	DBL("min_contrast", af_search_params, min_contrast, 0, 1, HI),
	DBL("extrapolate_um", af_search_params, extrapolate_um, 0, 1000, 0),
};
SCHEMA(params_schema, params_fields, NULL, NULL);

#define SEARCH_LENS(name, l)                                                                       \
	static const sim_scn_field name##_fields[] = {                                             \
		MAP("ultra_fast", offsetof(af_engine_config, search[l][AF_LEVEL_ULTRA_FAST]),     \
		    params_schema),                                                                \
		MAP("fast", offsetof(af_engine_config, search[l][AF_LEVEL_FAST]), params_schema), \
		MAP("standard", offsetof(af_engine_config, search[l][AF_LEVEL_STANDARD]),         \
		    params_schema),                                                                \
		MAP("wide", offsetof(af_engine_config, wide[l]), params_schema),                  \
	};                                                                                         \
	SCHEMA(name, name##_fields, NULL, NULL)

SEARCH_LENS(search_a_schema, AF_LENS_A);
SEARCH_LENS(search_b_schema, AF_LENS_B);

static const sim_scn_field search_fields[] = {
	MAP("lens_a", 0, search_a_schema),
	MAP("lens_b", 0, search_b_schema),
};
SCHEMA(search_schema, search_fields, NULL, NULL);

static const sim_scn_field mapping_fields[] = {
	ENUM("model", af_engine_config, mapping_model, e_model, 0),
};
SCHEMA(mapping_schema, mapping_fields, NULL, NULL);

static const sim_scn_field cache_fields[] = {
	SIZE("size", af_engine_config, cache_size, 0, AF_CACHE_MAX),
	DBL("hit_threshold_um", af_engine_config, cache_hit_threshold_um, 0, 100, 0),
	DBL("temp_bound_c", af_engine_config, cache_temp_bound_c, 0, 100, 0),
};
SCHEMA(cache_schema, cache_fields, NULL, NULL);

/* The engine's model of the instrument's thermal lags (af_thermal.h). */
static const sim_scn_field ethermal_fields[] = {
	DBL("tau_fast_s", af_thermal_config, tau_fast_s, 0, 1e6, 0),
	DBL("tau_slow_s", af_thermal_config, tau_slow_s, 0, 1e6, 0),
	DBL("fast_weight", af_thermal_config, fast_weight, 0, 1, 0),
	DBL("glitch_band_c", af_thermal_config, glitch_band_c, 0, 100, 0),
	DBL("max_rate_c_per_s", af_thermal_config, max_rate_c_per_s, 0, 100, 0),
	DBL("glitch_persist_s", af_thermal_config, glitch_persist_s, 0, 1e6, 0),
};
SCHEMA(ethermal_schema, ethermal_fields, NULL, NULL);

/* overlap: one switch for every level. */
static int overlap_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		      const char *where)
{
	af_engine_config *c = obj;
	bool b;

	(void)f;
	if (sim_scn_bool(w, v, where, &b))
		return -1;
	for (int l = 0; l < AF_LEVEL_COUNT; l++)
		c->overlap[l] = b;
	return 0;
}

static const sim_scn_field engine_fields[] = {
	ENUM("optimization", af_engine_config, level, e_level, 0),
	MAP("mapping", 0, mapping_schema),
	MAP("cache", 0, cache_schema),
	BOOL("thermal_compensation", af_engine_config, thermal_compensation),
	BOOL("refine_offset", af_engine_config, refine_offset),
	DBL("mapping_limit_um", af_engine_config, mapping_limit_um, 0, 1000, LO),
	U32("validation_retries", af_engine_config, validation_retries, 0, 10, 0),
	DBL("backlash_um", af_engine_config, backlash_um, 0, 1000, 0),
	DBL("nominal_offset_um", af_engine_config, nominal_offset_um, -1000, 1000, 0),
	U32("settle_timeout_ms", af_engine_config, settle_timeout_ms, 1, 600000, 0),
	FN("overlap", 0, overlap_fn, 0, 0, 0),
	MAP("thermal", offsetof(af_engine_config, thermal), ethermal_schema),
	DBL("prior_tc_a_um_per_c", af_engine_config, prior_tc_a_um_per_c, -100, 100, 0),
	DBL("prior_tc_b_um_per_c", af_engine_config, prior_tc_b_um_per_c, -100, 100, 0),
	DBL("z_min_um", af_engine_config, z_min_um, -1e5, 1e5, 0),
	DBL("z_max_um", af_engine_config, z_max_um, -1e5, 1e5, 0),
	DBL("position_tol_um", af_engine_config, position_tol_um, 0, 1000, LO),
	MAP("search", 0, search_schema),
};
/* The combination as a whole, as af_engine_new will check it. */
static int engine_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		       const char *where)
{
	const char *bad = af_engine_config_check(obj);

	(void)seen;
	return bad ? inconsistent(w, map, where, "%s", bad) : 0;
}

const sim_scn_schema sim_scn_engine = { engine_fields,
	sizeof engine_fields / sizeof engine_fields[0], NULL, engine_post };
