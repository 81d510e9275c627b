/*
 * bridge.h - the rig bridge: an af_hal over the rig protocol (proto.h) on a
 * TCP or serial link (link.h).  The engine runs on it unchanged; every HAL
 * call is one request and its reply.
 *
 * Failure is bounded and named.  Every request has a deadline (the rig
 * file's timeout_ms, plus what the request itself asks for: the settle
 * timeout of WAIT_SETTLED, the exposure and the transfer time of a frame).
 * A reply that does not come, comes late, carries another request's id, is
 * garbled, or a connection that closes, each ends the call with AF_ETIMEDOUT,
 * AF_EPROTO or AF_EIO and a message naming the rig, the request and the
 * last exchange (what was sent, what came back).  An error the rig reports
 * ("<id> ERR EHW ...") is returned with the rig's code and message.  Reads
 * (GET_LENS, GET_Z, Z_BUSY, TEMP, GET_EXPOSURE, GET_ROI, GRAB) are retried
 * up to `retries` times after a timeout, a wrong id or a garbled reply;
 * moves, lens selection, settings, WAIT_SETTLED and PLACE never are: their
 * effect on the rig is unknown after a lost reply.  A closed connection is
 * final: every later call fails at once with AF_EIO.
 *
 * Replies to earlier requests that timed out (late replies) are recognised
 * by their id, counted and dropped, frames included.
 *
 * The HAL clock (now_us, sleep_us) is the bridge's own CLOCK_MONOTONIC,
 * counted from hil_bridge_open; frame timestamps are put on it from the
 * age the rig reports in the frame header.
 *
 * With a GenICam camera (config camera_id, the rig file's camera:
 * genicam:ID) frames, exposure and ROI come from the camera through
 * hil/genicam.h instead, opened after the greeting; its errors keep the
 * driver's codes and messages (ETIMEDOUT, EIO, ENOTSUP, EINVAL, EHW and a
 * bounded reconnect at the next call), prefixed "rig 'x' (genicam:ID): ".
 *
 * Threading: none; one bridge is one connection used by one thread.
 */
#ifndef HIL_BRIDGE_H
#define HIL_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_hal.h"
#include "hil/genicam.h"
#include "hil/link.h"
#include "hil/proto.h"

/* The longest last-exchange text. */
#define HIL_EXCHANGE_MAX 400
#define HIL_BRIDGE_ERR_MAX 768

typedef struct hil_bridge_config {
	hil_transport transport;
	const char *name;             /* the rig's name in messages (the rig file's) */
	uint32_t connect_timeout_ms;  /* connection and HELLO */
	uint32_t timeout_ms;          /* every reply, on top of what a request asks for */
	uint32_t retries;             /* extra attempts of a read after a transport failure */
	double z_min_um, z_max_um;    /* travel: moves beyond are refused here (AF_ERANGE) */
	bool frames;                  /* frames over the protocol: the rig must have "frames" */
	/* A GenICam camera (hil/genicam.h) for frames, exposure and ROI:
	 * its id ("192.168.1.20", a device id, a serial) or NULL for none.
	 * Borrowed until hil_bridge_open returns, like camera.pixel_format. */
	const char *camera_id;
	hil_genicam_opts camera;
} hil_bridge_config;

/* Defaults: connect 3000 ms, timeout 1000 ms, 2 retries, travel
 * [-490, 490] um (the engine's soft limits), frames on. */
void hil_bridge_config_default(hil_bridge_config *c);

/* What the bridge has done, for the bench and the run record. */
typedef struct hil_bridge_stats {
	uint64_t requests;      /* requests sent, retries included */
	uint64_t retries;       /* of those, repeats of a failed read */
	uint64_t failures;      /* calls that ended in a transport or protocol error */
	uint64_t late_replies;  /* replies to earlier requests, dropped */
	uint64_t frames;        /* frames received and checked */
	uint64_t bytes_out, bytes_in;
	int64_t io_ns;          /* wall time spent inside requests */
} hil_bridge_stats;

typedef struct hil_bridge hil_bridge;

/*
 * Connect to the rig and greet it (HELLO): check the protocol version and,
 * with cfg->frames, the "frames" capability.  NULL on failure with err
 * saying what happened ("rig 'bench-2' at tcp:10.0.0.7:7001 is busy: held
 * by tcp:10.0.0.9:51234", "cannot connect to ...", "... no reply within
 * 3000 ms").
 */
hil_bridge *hil_bridge_open(const hil_bridge_config *cfg, char *err, size_t errlen);
/* Close the connection and free the bridge; NULL is a no-op. */
void hil_bridge_free(hil_bridge *b);

/* The ops table, and b bound into hal (always succeeds). */
const af_hal_ops *hil_bridge_ops(void);
void hil_bridge_bind(hil_bridge *b, af_hal *hal);

/* The rig's greeting: version, name, identity, capabilities. */
const hil_hello *hil_bridge_hello(const hil_bridge *b);

/*
 * The last exchange: "sent '12 MOVE_Z 3.000000', received '12 OK'" (bytes
 * outside printable ASCII as '?', long lines cut with "...").  What a run
 * record keeps when the rig is lost.
 */
const char *hil_bridge_last_exchange(const hil_bridge *b);
/* Message of the last failed call ("no error" before any). */
const char *hil_bridge_errmsg(const hil_bridge *b);
/* Whether the connection is still open (false after it closed). */
bool hil_bridge_connected(const hil_bridge *b);
void hil_bridge_get_stats(const hil_bridge *b, hil_bridge_stats *out);

/*
 * The GenICam camera the bridge takes frames, exposure and ROI from (the
 * rig file's camera: genicam:ID), for its identity and counters
 * (hil_genicam_get_info, hil_genicam_get_counters); NULL when frames come
 * over the protocol.  Owned by the bridge.
 */
hil_genicam *hil_bridge_camera(hil_bridge *b);

/*
 * Put the place of the specimen whose plan position is z_plan_um under the
 * objective (PLACE; a rig with an xy stage moves to that site of the scan
 * plan, the emulator sets its simulated place).  AF_OK, AF_ENOTSUP when
 * the rig lacks the "place" capability, or the errors of any request.
 * Never retried.
 */
int hil_bridge_place(hil_bridge *b, double z_plan_um);

#endif /* HIL_BRIDGE_H */
