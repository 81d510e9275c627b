/*
 * rigfile.c - the rig file (rigfile.h): a schema for the scenario loader's
 * walker, nothing else.  The loader reads and bounds the file, parses it
 * with libyaml's document API and walks the top-level mapping with this
 * table; the handlers here only check the text values (name, transport,
 * camera, pixel format) and the post hooks what spans keys.
 */
#include "rigfile.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hil/pixfmt.h"

#include "sim/scenario_impl.h"

static int name_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		   const char *where)
{
	hil_rig_file *rf = obj;
	const char *t;
	char q[64];
	size_t n;

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "a rig name of A-Z, a-z, 0-9, '.', '_' and '-'")))
		return -1;
	n = strlen(t);
	if (n == 0 || n > HIL_PROTO_NAME_MAX ||
	    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return sim_scn_fail(w, v->start_mark,
				    "%s is not a valid rig name, expected 1 to %d characters of A-Z, a-z, 0-9, '.', '_' and '-'",
				    sim_scn_quote(q, sizeof q, t), HIL_PROTO_NAME_MAX);
	memcpy(rf->name, t, n + 1);
	return 0;
}

static int transport_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
			const char *where)
{
	hil_rig_file *rf = obj;
	const char *t;
	char why[256];

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "tcp:HOST:PORT or serial:/dev/DEVICE@BAUD")))
		return -1;
	if (hil_transport_parse(t, &rf->transport, why, sizeof why) != 0)
		return sim_scn_fail(w, v->start_mark, "%s", why);
	return 0;
}

static int camera_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		     const char *where)
{
	hil_rig_file *rf = obj;
	const char *t, *id;
	char q[64];
	size_t n;

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "rig or genicam:ID")))
		return -1;
	if (strcmp(t, "rig") == 0) {
		rf->camera = HIL_CAMERA_RIG;
		return 0;
	}
	if (strncmp(t, "genicam:", 8) != 0 || !t[8])
		return sim_scn_fail(w, v->start_mark, "camera %s, expected 'rig' or 'genicam:ID'",
				    sim_scn_quote(q, sizeof q, t));
	id = t + 8;
	n = strlen(id);
	/* what Aravis takes: an address, a device id, a serial; printable,
	 * no blanks (a device id joins vendor, model and serial with '-') */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f)
			return sim_scn_fail(w, v->start_mark,
					    "camera %s: the camera id has a blank or a control character, "
					    "expected genicam:ID with ID an IPv4 address, a device id or a serial",
					    sim_scn_quote(q, sizeof q, t));
	if (n > HIL_CAMERA_ID_MAX)
		return sim_scn_fail(w, v->start_mark, "camera %s: the camera id is longer than %d characters",
				    sim_scn_quote(q, sizeof q, t), HIL_CAMERA_ID_MAX);
	rf->camera = HIL_CAMERA_GENICAM;
	memcpy(rf->camera_id, id, n + 1);
	return 0;
}

static int pixel_format_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
			   const char *where)
{
	hil_rig_file *rf = obj;
	const hil_pixfmt *tab;
	const char *t;
	char q[64], names[256];
	size_t n, k = 0;

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "a pixel format name")))
		return -1;
	if (hil_pixfmt_by_name(t) && strlen(t) < sizeof rf->camera_pixel_format) {
		snprintf(rf->camera_pixel_format, sizeof rf->camera_pixel_format, "%s", t);
		return 0;
	}
	tab = hil_pixfmt_table(&n);
	names[0] = '\0';
	for (size_t i = 0; i < n && k < sizeof names; i++)
		k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "", tab[i].name);
	return sim_scn_fail(w, v->start_mark, "%s is not a pixel format afsim unpacks, expected one of %s",
			    sim_scn_quote(q, sizeof q, t), names);
}

static int description_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
			  const char *where)
{
	hil_rig_file *rf = obj;
	const char *t;

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "a string")))
		return -1;
	snprintf(rf->description, sizeof rf->description, "%s", t);
	return 0;
}

static int spec_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		     const char *where)
{
	const hil_rig_spec *sp = obj;
	yaml_node_t *k = NULL;

	(void)seen;
	(void)where;
	if (sp->temperature_min_c < sp->temperature_max_c)
		return 0;
	if (!sim_scn_find(w, map, "temperature_max_c", &k))
		sim_scn_find(w, map, "temperature_min_c", &k);
	return sim_scn_fail(w, k ? k->start_mark : map->start_mark,
			    "spec temperature_min_c %g is not below temperature_max_c %g",
			    sp->temperature_min_c, sp->temperature_max_c);
}

static const sim_scn_field spec_fields[] = {
	DBL("lens_switch_ms", hil_rig_spec, lens_switch_ms, 0, 600000, LO),
	DBL("focus_move_ms", hil_rig_spec, focus_move_ms, 0, 600000, LO),
	DBL("standard_move_um", hil_rig_spec, standard_move_um, 0, 400, LO),
	DBL("settle_ms", hil_rig_spec, settle_ms, 0, 600000, LO),
	DBL("z_repeatability_um", hil_rig_spec, z_repeatability_um, 0, 1000, LO),
	DBL("settled_z_um", hil_rig_spec, settled_z_um, 0, 1000, LO),
	DBL("backlash_um", hil_rig_spec, backlash_um, 0, 1000, LO),
	DBL("encoder_error_um", hil_rig_spec, encoder_error_um, 0, 1000, LO),
	DBL("frame_rate_hz", hil_rig_spec, frame_rate_hz, 0, 100000, LO),
	DBL("frame_jitter_ms", hil_rig_spec, frame_jitter_ms, 0, 600000, LO),
	DBL("exposure_linearity_pct", hil_rig_spec, exposure_linearity_pct, 0, 100, LO),
	DBL("dark_noise_adu", hil_rig_spec, dark_noise_adu, 0, 65535, LO),
	DBL("temperature_noise_c", hil_rig_spec, temperature_noise_c, 0, 100, LO),
	DBL("temperature_min_c", hil_rig_spec, temperature_min_c, -50, 100, 0),
	DBL("temperature_max_c", hil_rig_spec, temperature_max_c, -50, 100, 0),
	DBL("handoff_ms", hil_rig_spec, handoff_ms, 0, 600000, LO),
	DBL("mapping_error_um", hil_rig_spec, mapping_error_um, 0, 1000, LO),
	DBL("margin_pct", hil_rig_spec, margin_pct, 0, 50, 0),
	DBL("phase_timeout_s", hil_rig_spec, phase_timeout_s, 1, 3600, 0),
};
SCHEMA(spec_schema, spec_fields, NULL, spec_post);

/* Indices of the camera_* keys in rig_fields, for rig_post. */
enum { F_CAMERA_TIMEOUT = 3, F_CAMERA_FORMAT, F_CAMERA_RECONNECT };

static int rig_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		    const char *where)
{
	static const char *const cam_keys[] = { "camera_timeout_ms", "camera_pixel_format",
						 "camera_reconnect_attempts" };
	hil_rig_file *rf = obj;
	yaml_node_t *k = NULL;

	(void)where;
	for (int i = 0; rf->camera == HIL_CAMERA_RIG && i < 3; i++)
		if (seen & (UINT64_C(1) << (F_CAMERA_TIMEOUT + i))) {
			sim_scn_find(w, map, cam_keys[i], &k);
			return sim_scn_fail(w, k ? k->start_mark : map->start_mark,
					    "%s is for a GenICam camera, but the camera is 'rig' "
					    "(expected camera: genicam:ID)", cam_keys[i]);
		}
	if (rf->z_min_um < rf->z_max_um)
		return 0;
	if (!sim_scn_find(w, map, "z_max_um", &k))
		sim_scn_find(w, map, "z_min_um", &k);
	return sim_scn_fail(w, k ? k->start_mark : map->start_mark,
			    "travel z_min_um %g is not below z_max_um %g", rf->z_min_um, rf->z_max_um);
}

static const sim_scn_field rig_fields[] = {
	FN("name", 0, name_fn, 0, 0, REQ),
	FN("transport", 0, transport_fn, 0, 0, REQ),
	FN("camera", 0, camera_fn, 0, 0, 0),
	/* F_CAMERA_TIMEOUT .. F_CAMERA_RECONNECT: keep these three together here */
	U32("camera_timeout_ms", hil_rig_file, camera_timeout_ms, 1, HIL_PROTO_TIMEOUT_MAX_MS, 0),
	FN("camera_pixel_format", 0, pixel_format_fn, 0, 0, 0),
	U32("camera_reconnect_attempts", hil_rig_file, camera_reconnect_attempts, 1,
	    HIL_GENICAM_RECONNECT_ATTEMPTS_MAX, 0),
	U32("timeout_ms", hil_rig_file, timeout_ms, 1, HIL_PROTO_TIMEOUT_MAX_MS, 0),
	U32("connect_timeout_ms", hil_rig_file, connect_timeout_ms, 1, HIL_PROTO_TIMEOUT_MAX_MS, 0),
	U32("retries", hil_rig_file, retries, 0, 10, 0),
	DBL("z_min_um", hil_rig_file, z_min_um, -HIL_PROTO_Z_MAX_UM, HIL_PROTO_Z_MAX_UM, 0),
	DBL("z_max_um", hil_rig_file, z_max_um, -HIL_PROTO_Z_MAX_UM, HIL_PROTO_Z_MAX_UM, 0),
	FN("description", 0, description_fn, 0, 0, 0),
	MAP("spec", offsetof(hil_rig_file, spec), spec_schema),
};
SCHEMA(rig_schema, rig_fields, NULL, rig_post);

void hil_rig_spec_default(hil_rig_spec *s)
{
	s->lens_switch_ms = 50.0;
	s->focus_move_ms = 80.0;
	s->standard_move_um = 4.0;
	s->settle_ms = 40.0;
	s->z_repeatability_um = 0.1;
	s->settled_z_um = 0.1;
	s->backlash_um = 3.0;
	s->encoder_error_um = 0.2;
	s->frame_rate_hz = 25.0;
	s->frame_jitter_ms = 5.0;
	s->exposure_linearity_pct = 2.0;
	s->dark_noise_adu = 12.0;
	s->temperature_noise_c = 0.1;
	s->temperature_min_c = 10.0;
	s->temperature_max_c = 40.0;
	s->handoff_ms = 300.0;
	s->mapping_error_um = 1.0;
	s->margin_pct = 10.0;
	s->phase_timeout_s = 20.0;
}

static void defaults(const char *path, hil_rig_file *rf)
{
	hil_bridge_config d;

	hil_bridge_config_default(&d);
	memset(rf, 0, sizeof *rf);
	snprintf(rf->path, sizeof rf->path, "%s", path);
	rf->camera = HIL_CAMERA_RIG;
	rf->timeout_ms = d.timeout_ms;
	rf->connect_timeout_ms = d.connect_timeout_ms;
	rf->retries = d.retries;
	rf->z_min_um = d.z_min_um;
	rf->z_max_um = d.z_max_um;
	rf->camera_timeout_ms = HIL_GENICAM_TIMEOUT_MS_DEFAULT;
	rf->camera_reconnect_attempts = HIL_GENICAM_RECONNECT_ATTEMPTS_DEFAULT;
	hil_rig_spec_default(&rf->spec);
}

int hil_rig_file_load(const char *path, hil_rig_file *out, char *err, size_t errlen)
{
	defaults(path, out);
	return sim_scn_load_file(path, "rig file", &rig_schema, out, err, errlen);
}

int hil_rig_file_load_text(const char *path, const char *text, size_t len, hil_rig_file *out,
			   char *err, size_t errlen)
{
	defaults(path, out);
	return sim_scn_load_text(path, text, len, "rig file", &rig_schema, out, err, errlen);
}

void hil_rig_file_bridge_config(const hil_rig_file *rf, hil_bridge_config *bc)
{
	hil_bridge_config_default(bc);
	bc->transport = rf->transport;
	bc->name = rf->name;
	bc->timeout_ms = rf->timeout_ms;
	bc->connect_timeout_ms = rf->connect_timeout_ms;
	bc->retries = rf->retries;
	bc->z_min_um = rf->z_min_um;
	bc->z_max_um = rf->z_max_um;
	bc->frames = rf->camera == HIL_CAMERA_RIG;
	if (rf->camera == HIL_CAMERA_GENICAM) {
		bc->camera_id = rf->camera_id;
		bc->camera.timeout_ms = rf->camera_timeout_ms;
		bc->camera.pixel_format = rf->camera_pixel_format[0] ? rf->camera_pixel_format : NULL;
		bc->camera.reconnect_attempts = rf->camera_reconnect_attempts;
	}
}
