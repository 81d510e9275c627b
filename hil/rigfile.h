/*
 * rigfile.h - the rig file: where a rig is and how to talk to it (YAML,
 * docs/hil.md).
 *
 *   name: bench-2                       # required: [A-Za-z0-9._-], 1..64
 *   transport: tcp:10.0.0.7:7001        # required: tcp:HOST:PORT | serial:/dev/ttyX@BAUD
 *   camera: rig                         # rig (frames over the protocol, default);
 *                                       # genicam:ID is refused until GenICam lands
 *   timeout_ms: 1000                    # every reply, 1..600000 (default 1000)
 *   retries: 2                          # extra attempts of a read, 0..10 (default 2)
 *   connect_timeout_ms: 3000            # connection and greeting (default 3000)
 *   z_min_um: -490                      # travel the engine and the bridge keep to
 *   z_max_um: 490                       # (default +/-490, the engine's soft limits)
 *   description: the left bench         # optional text
 *
 * Loaded with the scenario loader's walker and its conventions
 * (sim_scn_load_file): unknown and duplicate keys, wrong types, numbers out
 * of range are errors "file:line:col: error: ...", the caller exits 2.
 */
#ifndef HIL_RIGFILE_H
#define HIL_RIGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "hil/bridge.h"
#include "hil/link.h"
#include "hil/proto.h"

typedef enum hil_camera_kind { HIL_CAMERA_RIG, HIL_CAMERA_GENICAM } hil_camera_kind;

typedef struct hil_rig_file {
	char path[1024];
	char name[HIL_PROTO_NAME_MAX + 1];
	char description[256];
	hil_transport transport;
	hil_camera_kind camera;
	uint32_t timeout_ms;
	uint32_t connect_timeout_ms;
	uint32_t retries;
	double z_min_um, z_max_um;
} hil_rig_file;

/*
 * Load the rig file at path into *out (a plain struct: nothing to
 * release).  0, or -1 with err (errlen bytes) saying "path:line:col:
 * error: what, expected what" (0:0 when the file cannot be read).
 */
int hil_rig_file_load(const char *path, hil_rig_file *out, char *err, size_t errlen);
/* The same from text[0..len), path naming it in messages. */
int hil_rig_file_load_text(const char *path, const char *text, size_t len, hil_rig_file *out,
			   char *err, size_t errlen);

/* The bridge configuration of a rig file (bc->name points into rf). */
void hil_rig_file_bridge_config(const hil_rig_file *rf, hil_bridge_config *bc);

#endif /* HIL_RIGFILE_H */
