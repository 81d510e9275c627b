/*
 * bridge_impl.h - what the two halves of the bridge share: the object, and
 * the request machinery of hil/bridge.c that the camera ops of
 * hil/bridge_cam.c (frames, exposure, ROI: over the protocol or from a
 * GenICam camera) call.  Private to hil/bridge*.c.
 */
#ifndef HIL_BRIDGE_IMPL_H
#define HIL_BRIDGE_IMPL_H

#include "hil/bridge.h"
#include "hil/genicam.h"

/* Ids of requests that timed out, remembered to recognise late replies. */
#define UNANSWERED_MAX 16

struct hil_bridge {
	hil_bridge_config cfg;    /* camera_id and camera.pixel_format: NULL (copied below) */
	char name[HIL_PROTO_NAME_MAX + 1];
	char where[HIL_TRANSPORT_TEXT_MAX];
	hil_link *link;
	hil_hello hello;
	uint32_t next_id;
	uint32_t unanswered[UNANSWERED_MAX];
	size_t n_unanswered;
	int64_t t0_ns;
	uint32_t exposure_us;     /* last set, 0 unknown: part of a GRAB's deadline */
	uint8_t *rx;              /* frame payload */
	size_t rx_cap;
	hil_bridge_stats st;
	char sent[HIL_PROTO_LINE_BUF];
	char got[HIL_PROTO_LINE_BUF];
	size_t got_len;
	bool have_got;
	char exchange[HIL_EXCHANGE_MAX];
	char errmsg[HIL_BRIDGE_ERR_MAX];
	char lost[256];
	hil_genicam *cam;         /* the GenICam camera, or NULL: frames over the protocol */
	char cam_id[160];         /* "genicam:ID" */
};

/* Record a refusal (nothing sent): "rig 'x' (spec): VERB: what"; code. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int hil_br_refuse(hil_bridge *b, int code, const char *verb, const char *fmt, ...);
/* Request rq and its reply rp, extra_ms on top of the timeout; a GRAB's
 * frame lands in frame.  Reads are retried after transport failures. */
int hil_br_request(hil_bridge *b, hil_request *rq, hil_reply *rp, uint32_t extra_ms,
		   af_frame *frame);
/* A request with no values. */
int hil_br_simple(hil_bridge *b, hil_verb v, hil_reply *rp);
/* AF_OK when the rig announced the capability verb needs, else refused
 * AF_ENOTSUP. */
int hil_br_need_cap(hil_bridge *b, hil_verb v);

/* The camera ops (hil/bridge_cam.c), in the bridge's ops table. */
int hil_br_grab_frame(void *ctx, af_frame *frame);
int hil_br_set_exposure_us(void *ctx, uint32_t us);
int hil_br_get_exposure_us(void *ctx, uint32_t *us);
int hil_br_set_roi(void *ctx, const af_roi *roi);
int hil_br_get_roi(void *ctx, af_roi *roi);

/* Open the GenICam camera of cfg (after the greeting); 0, or -1 with err. */
int hil_br_camera_open(hil_bridge *b, const hil_bridge_config *cfg, char *err, size_t errlen);
void hil_br_camera_close(hil_bridge *b);

#endif /* HIL_BRIDGE_IMPL_H */
