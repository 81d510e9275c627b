/*
 * genicam.h - a GenICam camera (GigE Vision, USB3 Vision) through Aravis,
 * shaped for the engine's HAL: grab a frame into an af_frame, set and read
 * the exposure and the region of interest, choose the pixel format.
 *
 * Everything GenICam goes through libaravis-0.8 (arv_camera_*, ArvStream);
 * this module holds no GVCP/GVSP code and its header no Aravis type, so the
 * bridge, the tests and the benchmarks include it without glib.
 *
 * Per grab: give back frames that arrived since the last grab (stale),
 * send TriggerSoftware, wait for the frame timeout_ms from the trigger's
 * acknowledgement, skipping frames that answer older triggers (told by
 * frame id), unpack it to u16.  Cameras without a software trigger run free
 * (with a note) or are refused, as the options say.  The first frame after
 * every stream start is taken and given back (counted primed: Aravis sizes
 * a GigE Vision socket buffer only then).  Every wait is bounded: the grab
 * by timeout_ms, every feature access by Aravis's GVCP timeout (500 ms x 5
 * tries in 0.8), a discovery by 1 s, a reconnect by its attempts and
 * capped backoff.
 *
 * Errors (negative af_err codes, the message in hil_genicam_errmsg):
 *   no frame within timeout_ms                  AF_ETIMEDOUT  (counted)
 *   frame with missing packets / incomplete     AF_EIO        (counted)
 *   feature or pixel format the camera lacks    AF_ENOTSUP
 *   value out of the camera's range/increment   AF_EINVAL
 *   camera not answering (gone, unplugged)      AF_EHW, the camera is
 *     marked lost; the next call reconnects (bounded) and re-applies the
 *     exposure, ROI, pixel format and trigger set before, or fails AF_EHW.
 *
 * Timestamps: frame->timestamp_us is on CLOCK_MONOTONIC (the HIL HAL clock),
 * the middle of the exposure as the host sees it: with a software trigger,
 * the middle of the trigger command's round trip plus half the exposure;
 * free running, the host's arrival time of the frame's first packet minus
 * half the exposure (late by the readout).  The camera's own timestamp and
 * frame id come with hil_genicam_last_meta().  frame->seq is the camera's
 * frame id, unwrapped past the 16-bit wrap of GigE Vision 1.x block ids and
 * continued across reconnects, so it only grows.
 *
 * Threading: one hil_genicam is used from one thread at a time.  Aravis
 * runs its own threads per camera (stream receiver, GigE Vision heartbeat);
 * they touch only Aravis objects and one atomic flag here (control lost).
 * No GMainLoop is needed.  Networked tests run it in a private network
 * namespace (tests/netns.h, docs/genicam.md).
 */
#ifndef HIL_GENICAM_H
#define HIL_GENICAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_hal.h"

typedef struct hil_genicam hil_genicam;

/* How frames are started. */
typedef enum hil_genicam_trigger {
	/* software trigger; a camera without one runs free, with a note */
	HIL_GENICAM_TRIGGER_AUTO = 0,
	/* software trigger, or hil_genicam_open fails AF_ENOTSUP */
	HIL_GENICAM_TRIGGER_SOFTWARE,
	/* never trigger: take the next frame the camera sends */
	HIL_GENICAM_TRIGGER_FREE_RUN
} hil_genicam_trigger;

/* Options; a zeroed struct means every default. */
typedef struct hil_genicam_opts {
	uint32_t timeout_ms;          /* per grab: from the trigger acknowledged
				       * (free running: the call) to the frame (1000) */
	uint32_t n_buffers;           /* stream buffer pool, 2..64 (4) */
	const char *pixel_format;     /* "Mono8", "Mono12", ...; NULL: keep the
				       * camera's if it is one we unpack, else Mono8 */
	hil_genicam_trigger trigger;
	uint32_t reconnect_attempts;  /* per call while lost, 1..10 (3) */
	uint32_t reconnect_backoff_ms;/* before the 2nd attempt, doubled up to
				       * HIL_GENICAM_BACKOFF_CAP_MS (100) */
	uint32_t packet_size;         /* GigE Vision packet bytes; 0: Aravis's */
	uint32_t frame_retention_ms;  /* GigE Vision: how long an incomplete
				       * frame waits for its packets (0: 100) */
	bool packet_socket;           /* GigE Vision, with CAP_NET_RAW: receive
				       * through Aravis's packet ring (less CPU
				       * streaming, but it hands over frames in
				       * 5 ms blocks: +up to 5 ms per grab) */
} hil_genicam_opts;

#define HIL_GENICAM_TIMEOUT_MS_DEFAULT 1000u
#define HIL_GENICAM_BUFFERS_DEFAULT 4u
#define HIL_GENICAM_RECONNECT_ATTEMPTS_DEFAULT 3u
#define HIL_GENICAM_RECONNECT_ATTEMPTS_MAX 10u
#define HIL_GENICAM_BACKOFF_MS_DEFAULT 100u
#define HIL_GENICAM_BACKOFF_CAP_MS 2000u

/* What the camera says it is (strings as Aravis reports them). */
typedef struct hil_genicam_info {
	char device_id[200];  /* vendor-model-serial, as Aravis discovery names it */
	char vendor[64], model[64], serial[64];
	char address[64];     /* IPv4 address of a GigE Vision camera, or "" */
	char protocol[32];    /* "GigEVision", "USB3Vision" */
	uint32_t sensor_width, sensor_height;
	bool software_trigger;/* false: free running */
	char note[160];       /* why it runs free, or "" */
} hil_genicam_info;

/* What the last good frame carried besides pixels. */
typedef struct hil_genicam_meta {
	uint64_t frame_id;         /* as the camera numbered it (may wrap) */
	uint64_t device_ts_ns;     /* camera clock, its own epoch */
	int64_t host_arrival_us;   /* CLOCK_MONOTONIC, first packet */
	int64_t trigger_us;        /* CLOCK_MONOTONIC, trigger sent; -1 free run */
	uint32_t pixel_format;     /* PFNC code */
} hil_genicam_meta;

typedef struct hil_genicam_counters {
	uint64_t frames;      /* good frames delivered */
	uint64_t incomplete;  /* AF_EIO: missing packets, aborted, wrong size */
	uint64_t timeouts;    /* AF_ETIMEDOUT: no frame in time */
	uint64_t stale;       /* frames discarded as older than the grab */
	uint64_t primed;      /* first frames after a stream start, discarded
			       * (GigE Vision: see docs/genicam.md) */
	uint64_t lost;        /* times the camera stopped answering */
	uint64_t reconnects;  /* successful reconnects */
} hil_genicam_counters;

/*
 * Open the camera named by id: an IPv4 address ("192.168.1.20"), an Aravis
 * device id ("Basler-21234567"), a serial number, or a MAC address.  An
 * address is opened directly; the other forms run a discovery (about 1 s
 * for GigE Vision) and must match exactly one camera.  Takes control of the
 * camera, turns auto exposure off when the camera has it, sets the trigger
 * and pixel format, allocates the stream and starts acquisition.  o may be
 * NULL (defaults).  NULL on failure, with the message in err (n bytes).
 */
hil_genicam *hil_genicam_open(const char *id, const hil_genicam_opts *o, char *err,
			      size_t n);
/* Stop acquisition, release the camera and the stream.  NULL is a no-op. */
void hil_genicam_close(hil_genicam *g);

/*
 * Expose and read one frame into frame->pixels (capacity_px pixels, owned by
 * the caller); fills width, height, bit_depth, timestamp_us and seq.  Codes
 * as in the file comment; AF_EINVAL when the frame does not fit capacity_px.
 */
int hil_genicam_grab(hil_genicam *g, af_frame *frame);

/* Exposure in µs; AF_ENOTSUP without an exposure feature, AF_EINVAL out of
 * the camera's bounds (the message names them). */
int hil_genicam_set_exposure_us(hil_genicam *g, uint32_t exposure_us);
int hil_genicam_get_exposure_us(hil_genicam *g, uint32_t *exposure_us);

/* Region of interest in sensor pixels.  Refused with AF_EINVAL when it
 * leaves the sensor, is below the minimum size or off the increments of
 * OffsetX/OffsetY/Width/Height (nothing is rounded); AF_ENOTSUP for an
 * offset on a camera without offsets.  Restarts the stream (the payload
 * size changes). */
int hil_genicam_set_roi(hil_genicam *g, const af_roi *roi);
int hil_genicam_get_roi(hil_genicam *g, af_roi *roi);

/* Pixel format by GenICam name (one of hil/pixfmt.h); AF_EINVAL for a
 * name not there, AF_ENOTSUP when the camera does not offer it.  Restarts
 * the stream. */
int hil_genicam_set_pixel_format(hil_genicam *g, const char *name);
/* Name of the pixel format in use ("Mono12"). */
const char *hil_genicam_pixel_format(const hil_genicam *g);

/* The camera's identity and mode; valid until the next call on g. */
const hil_genicam_info *hil_genicam_get_info(const hil_genicam *g);
void hil_genicam_get_counters(const hil_genicam *g, hil_genicam_counters *c);
/* Metadata of the last frame hil_genicam_grab returned. */
void hil_genicam_last_meta(const hil_genicam *g, hil_genicam_meta *m);
/* Message of the last failed call; never NULL. */
const char *hil_genicam_errmsg(const hil_genicam *g);

#endif /* HIL_GENICAM_H */
