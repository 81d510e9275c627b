/*
 * rigfile.h - the rig file: where a rig is and how to talk to it (YAML,
 * docs/hil.md).
 *
 *   name: bench-2                       # required: [A-Za-z0-9._-], 1..64
 *   transport: tcp:10.0.0.7:7001        # required: tcp:HOST:PORT | serial:/dev/ttyX@BAUD
 *   camera: rig                         # rig (frames over the protocol, default) or
 *                                       # genicam:ID (a GenICam camera through Aravis:
 *                                       # an IPv4 address, a device id or a serial)
 *   camera_timeout_ms: 1000             # genicam: per frame, from the trigger (1..600000)
 *   camera_pixel_format: Mono16         # genicam: one of hil/pixfmt.h (default: the
 *                                       # camera's own when we unpack it, else Mono8)
 *   camera_reconnect_attempts: 3        # genicam: per call while the camera is lost (1..10)
 *   timeout_ms: 1000                    # every reply, 1..600000 (default 1000)
 *   retries: 2                          # extra attempts of a read, 0..10 (default 2)
 *   connect_timeout_ms: 3000            # connection and greeting (default 3000)
 *   z_min_um: -490                      # travel the engine and the bridge keep to
 *   z_max_um: 490                       # (default +/-490, the engine's soft limits)
 *   description: the left bench         # optional text
 *   spec: {lens_switch_ms: 50, ...}     # the limits `afsim hil validate` holds the
 *                                       # rig to (hil_rig_spec; docs/hil.md)
 *
 * Loaded with the scenario loader's walker and its conventions
 * (sim_scn_load_file): unknown and duplicate keys, wrong types, numbers out
 * of range are errors "file:line:col: error: ...", the caller exits 2.  The
 * camera_* keys belong to a GenICam camera: with camera rig they are an
 * error.
 */
#ifndef HIL_RIGFILE_H
#define HIL_RIGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "hil/bridge.h"
#include "hil/link.h"
#include "hil/proto.h"

typedef enum hil_camera_kind { HIL_CAMERA_RIG, HIL_CAMERA_GENICAM } hil_camera_kind;

/* The longest camera id after "genicam:". */
#define HIL_CAMERA_ID_MAX 127

/*
 * The rig's specification: the limits `afsim hil validate` (hil/validate.h)
 * measures it against.  Defaults from docs/physics.md's targets and the
 * default rig; every one can be set in the rig file's `spec:` mapping.
 * Times are means over the repetitions, spreads standard deviations.
 */
typedef struct hil_rig_spec {
	double lens_switch_ms;         /* max mean lens switch (50) */
	double focus_move_ms;          /* max mean standard move, settled (80) */
	double standard_move_um;       /* the standard move: the A->B focus move of the
					* default rig, its parfocal offset (4) */
	double settle_ms;              /* max mean settle after a short move (40) */
	double z_repeatability_um;     /* max sd of repeated approaches (0.1) */
	double settled_z_um;           /* max |WAIT_SETTLED_Z's z - a GET_Z right after| (0.1) */
	double backlash_um;            /* max reversal error (3) */
	double encoder_error_um;       /* max |encoder - commanded| (0.2) */
	double frame_rate_hz;          /* min frames/s back to back (25) */
	double frame_jitter_ms;        /* max sd of frame intervals (5) */
	double exposure_linearity_pct; /* max deviation from a line, % (2) */
	double dark_noise_adu;         /* max, in 16-bit ADU (12) */
	double temperature_noise_c;    /* max sd of the sensor (0.1) */
	double temperature_min_c;      /* plausible readings (10) */
	double temperature_max_c;      /* (40) */
	double handoff_ms;             /* max A->B handoff total (300) */
	double mapping_error_um;       /* max mapping error of that handoff (1.0) */
	double margin_pct;             /* MARGINAL within this % of a limit (10) */
	double phase_timeout_s;        /* a measurement running longer is ERROR (20) */
} hil_rig_spec;

/* The defaults above. */
void hil_rig_spec_default(hil_rig_spec *s);

typedef struct hil_rig_file {
	char path[1024];
	char name[HIL_PROTO_NAME_MAX + 1];
	char description[256];
	hil_transport transport;
	hil_camera_kind camera;
	char camera_id[HIL_CAMERA_ID_MAX + 1];   /* genicam: what follows "genicam:" */
	uint32_t camera_timeout_ms;              /* genicam (1000) */
	char camera_pixel_format[24];            /* genicam ("": the camera's) */
	uint32_t camera_reconnect_attempts;      /* genicam (3) */
	uint32_t timeout_ms;
	uint32_t connect_timeout_ms;
	uint32_t retries;
	double z_min_um, z_max_um;
	hil_rig_spec spec;
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

/* The bridge configuration of a rig file (bc->name, bc->camera_id and
 * bc->camera.pixel_format point into rf). */
void hil_rig_file_bridge_config(const hil_rig_file *rf, hil_bridge_config *bc);

#endif /* HIL_RIGFILE_H */
