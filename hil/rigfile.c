/*
 * rigfile.c - the rig file (rigfile.h): a schema for the scenario loader's
 * walker, nothing else.  The loader reads and bounds the file, parses it
 * with libyaml's document API and walks the top-level mapping with this
 * table; the handlers here only check the three text values.
 */
#include "rigfile.h"

#include <stdio.h>
#include <string.h>

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
	const char *t;
	char q[64];

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "rig or genicam:ID")))
		return -1;
	if (strcmp(t, "rig") == 0) {
		rf->camera = HIL_CAMERA_RIG;
		return 0;
	}
	if (strncmp(t, "genicam:", 8) == 0 && t[8])
		return sim_scn_fail(w, v->start_mark,
				    "camera %s: GenICam cameras are not supported yet, expected 'rig' "
				    "(frames over the rig protocol)", sim_scn_quote(q, sizeof q, t));
	return sim_scn_fail(w, v->start_mark, "camera %s, expected 'rig' or 'genicam:ID'",
			    sim_scn_quote(q, sizeof q, t));
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

static int rig_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		    const char *where)
{
	hil_rig_file *rf = obj;
	yaml_node_t *k = NULL;

	(void)seen;
	(void)where;
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
	U32("timeout_ms", hil_rig_file, timeout_ms, 1, HIL_PROTO_TIMEOUT_MAX_MS, 0),
	U32("connect_timeout_ms", hil_rig_file, connect_timeout_ms, 1, HIL_PROTO_TIMEOUT_MAX_MS, 0),
	U32("retries", hil_rig_file, retries, 0, 10, 0),
	DBL("z_min_um", hil_rig_file, z_min_um, -HIL_PROTO_Z_MAX_UM, HIL_PROTO_Z_MAX_UM, 0),
	DBL("z_max_um", hil_rig_file, z_max_um, -HIL_PROTO_Z_MAX_UM, HIL_PROTO_Z_MAX_UM, 0),
	FN("description", 0, description_fn, 0, 0, 0),
};
SCHEMA(rig_schema, rig_fields, NULL, rig_post);

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
}
