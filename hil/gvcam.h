/*
 * gvcam.h - a GigE Vision camera served from this process, with frames we
 * render: Aravis's fake GigE Vision camera (arv_gv_fake_camera_new_full)
 * whose fill callback calls a render callback of ours with the camera's
 * current ROI, pixel format and exposure.  The rig emulator serves its
 * camera model this way, so the camera driver (hil/genicam.h) is tested
 * over the real GVCP/GVSP stack on loopback.
 *
 * The device: Aravis's fake camera description, extended with the pixel
 * formats of hil/pixfmt.h (Mono8 ... Mono12Packed), without the features
 * listed in opts.hide (to test a camera that lacks them) and with the ROI
 * increment of opts.roi_increment.  It answers GVCP
 * on UDP port 3956 of opts.address, so one gvcam per address and network
 * namespace; discovery sees it as vendor "Aravis", model "Fake".
 *
 * Software trigger: the fake camera looks at its TriggerSoftware register
 * once per period of its trigger frequency (Aravis's default is 25 Hz: up
 * to 40 ms from trigger to frame, at most 25 triggered frames/s, as the
 * stock arv-fake-gv-camera-0.8 behaves).  opts.trigger_hz raises it; the
 * price is that the fake camera's thread spins through the last
 * millisecond of every period while acquisition runs: measured idle, about
 * 5 % of a core at 100 Hz, 13 % at 200 Hz (the default: a frame 2.5 ms
 * after its trigger on average), 40 % at 1000 Hz.
 *
 * Threads: Aravis runs the camera in a thread of its own (GVCP, GVSP and
 * the fill callback, one after the other); no GMainLoop is involved.  The
 * render callback is called from that thread, never two at a time; what it
 * reads from the caller's state must be locked by the caller.  Faults are
 * queued from any thread and consumed by the camera thread.
 */
#ifndef HIL_GVCAM_H
#define HIL_GVCAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hil_gvcam hil_gvcam;

/* Where on the sensor and how the frame being rendered is taken. */
typedef struct hil_gvcam_shot {
	uint32_t x, y;              /* ROI offset on the sensor, pixels */
	uint32_t sensor_width, sensor_height;
	uint32_t gain;              /* GainRaw register */
	uint64_t frame_id;          /* the camera's block id (16 bit, wraps) */
	const char *pixel_format;   /* "Mono12" */
} hil_gvcam_shot;

/*
 * Render one frame: fill px (w * h values, row-major, below 2^bit_depth;
 * higher bits are masked off) for an exposure of exposure_us.  Called on the
 * camera thread, before the frame's fault is taken from the queue: a fault
 * the callback injects (hil_gvcam_inject, with nothing else queued) applies
 * to the frame it renders.  The frame leaves when the callback returns: a
 * callback that sleeps delays it (and stalls the camera's GVCP meanwhile).
 */
typedef void (*hil_gvcam_render_fn)(void *user, uint16_t *px, uint32_t w, uint32_t h,
				    uint32_t bit_depth, uint32_t exposure_us,
				    const hil_gvcam_shot *shot);

/* Options; a zeroed struct means every default. */
typedef struct hil_gvcam_opts {
	const char *address;        /* interface address or name ("127.0.0.1") */
	const char *serial;         /* [A-Za-z0-9_-], 1..15 chars ("AFSIM01") */
	uint32_t sensor_width, sensor_height; /* (2048 x 2048, Aravis's) */
	uint32_t width, height;     /* ROI at power-up (512 x 512, capped) */
	uint32_t x, y;              /* its offset at power-up (0, 0; 0 where the
				     * ROI would leave the sensor) */
	uint32_t exposure_us;       /* exposure at power-up (0: Aravis's 10 ms) */
	const char *pixel_format;   /* at power-up ("Mono8") */
	double trigger_hz;          /* software trigger polling (200) */
	hil_gvcam_render_fn render; /* NULL: a ramp, (x + y) of the sensor */
	void *user;
	const char *const *hide;    /* NULL-terminated feature names to leave
				     * out, e.g. "TriggerSoftware" */
	uint32_t roi_increment;     /* Inc of OffsetX/OffsetY/Width/Height that
				     * the description declares (1); the fake
				     * camera itself takes any value */
} hil_gvcam_opts;

#define HIL_GVCAM_SERIAL_DEFAULT "AFSIM01"
#define HIL_GVCAM_TRIGGER_HZ_DEFAULT 200.0

/*
 * Start serving.  NULL when the description cannot be built, the address
 * has no interface or port 3956 is taken there, with the message in err.
 * Strings in o are copied.
 */
hil_gvcam *hil_gvcam_new(const hil_gvcam_opts *o, char *err, size_t n);
/* Stop serving and free.  NULL is a no-op. */
void hil_gvcam_free(hil_gvcam *c);

/* How a client names it: the Aravis device id ("Aravis-Fake-AFSIM01"),
 * the serial, the address it answers on.  Valid until hil_gvcam_free. */
const char *hil_gvcam_device_id(const hil_gvcam *c);
const char *hil_gvcam_serial(const hil_gvcam *c);
const char *hil_gvcam_address(const hil_gvcam *c);

/*
 * The camera disappears (its sockets close, clients time out) and comes
 * back as after a power cycle: same id and address, registers at their
 * power-up values, no controller.  start fails like hil_gvcam_new.
 */
void hil_gvcam_stop(hil_gvcam *c);
int hil_gvcam_start(hil_gvcam *c, char *err, size_t n);
bool hil_gvcam_running(const hil_gvcam *c);

/* Camera faults for the next frames the camera sends. */
typedef enum hil_gvcam_fault {
	HIL_GVCAM_DROP,       /* none of the frame's packets is sent */
	HIL_GVCAM_DELAY,      /* the frame leaves param ms late; the camera
			       * thread (GVCP too) stalls meanwhile: keep it
			       * below Aravis's 500 ms GVCP timeout to look
			       * slow rather than gone */
	HIL_GVCAM_INCOMPLETE  /* each packet lost with probability param per
			       * mille (1..999): the client gets a frame with
			       * missing packets (the fake camera ignores
			       * resend requests) */
} hil_gvcam_fault;

/* Apply kind to the next n_frames frames (after any queued before).
 * -1 for a bad kind, n_frames 0 or param out of range. */
int hil_gvcam_inject(hil_gvcam *c, hil_gvcam_fault kind, uint32_t n_frames, uint32_t param);

typedef struct hil_gvcam_stats {
	uint64_t frames;      /* frames rendered and sent (faulty ones too) */
	uint64_t dropped, delayed, incomplete;
} hil_gvcam_stats;
void hil_gvcam_get_stats(hil_gvcam *c, hil_gvcam_stats *s);

#endif /* HIL_GVCAM_H */
