/*
 * genicam_impl.h - what the two halves of the GenICam driver share: the
 * object, and the calls between the camera link (hil/genicam_link.c:
 * errors, the stream, the settings, connect and reconnect) and the frame
 * side (hil/genicam.c: open and close, the grab, the public calls).
 * Private to hil/genicam*.c; includes <arv.h>, so only those objects get
 * Aravis's include folders.
 */
#ifndef HIL_GENICAM_IMPL_H
#define HIL_GENICAM_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <arv.h>

#include "hil/genicam.h"
#include "hil/pixfmt.h"

struct hil_genicam {
	char id[128];
	hil_genicam_opts o;
	const hil_pixfmt *want_fmt; /* asked for in the options or later, or NULL */
	bool want_exposure, want_roi;
	uint32_t exposure_us;       /* asked for (want_exposure) */
	af_roi roi;                 /* asked for (want_roi) */

	ArvCamera *cam;
	ArvStream *stream;
	gulong lost_handler;
	gint control_lost;          /* set from Aravis's heartbeat thread */
	bool lost;
	pthread_t reaper;           /* releasing a lost camera (reap_lost) */
	bool reaping;

	const hil_pixfmt *fmt;      /* in force */
	af_roi cur;                 /* in force */
	uint32_t exp_now_us;        /* in force, as the camera reads it back */
	hil_genicam_info info;
	hil_genicam_counters n;
	hil_genicam_meta meta;
	uint64_t seq, last_raw;     /* frame counter: extended, camera's last */
	bool have_seq, have_raw;
	uint64_t anchor;            /* id of the last frame seen (any status) */
	uint32_t unanswered;        /* triggers sent since, frames not seen */
	bool have_anchor;
	char msg[512];
};

/* Set g's message (printf-style) and return code. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int hil_gc_err(hil_genicam *g, int code, const char *fmt, ...);
/* An Aravis error from doing what: our code and message; cleared.  A camera
 * that does not answer is marked lost. */
int hil_gc_gerr(hil_genicam *g, GError **e, const char *what);
int64_t hil_gc_mono_us(void);
/* A CLOCK_REALTIME instant, µs, on CLOCK_MONOTONIC. */
int64_t hil_gc_real_to_mono_us(int64_t real_us);
void hil_gc_copy_str(char *dst, size_t n, const char *src);

/* Frame b seen; true when it answers an older trigger (hil/genicam.c). */
bool hil_gc_seen(hil_genicam *g, ArvBuffer *b);

/* The stream: buffers, socket, acquisition started, first frame primed;
 * stop (talk: tell the camera, false when it is gone). */
int hil_gc_stream_start(hil_genicam *g);
void hil_gc_stream_stop(hil_genicam *g, bool talk);
/* Settings, checked against the camera; a change of ROI or format
 * restarts the stream (apply_format leaves it stopped). */
int hil_gc_read_exposure(hil_genicam *g);
int hil_gc_apply_exposure(hil_genicam *g, uint32_t us);
int hil_gc_read_roi(hil_genicam *g);
int hil_gc_apply_roi(hil_genicam *g, const af_roi *r);
int hil_gc_apply_format(hil_genicam *g, const hil_pixfmt *f);

/* Open, configure and start (again: a reconnect, an address must answer
 * discovery); on failure the caller releases. */
int hil_gc_connect(hil_genicam *g, bool again);
/* Release a camera that answers / that is gone (on a thread of its own);
 * wait for that thread. */
void hil_gc_disconnect(hil_genicam *g);
void hil_gc_reap_lost(hil_genicam *g);
void hil_gc_reap_join(hil_genicam *g);
/* Connected and answering, reconnecting first when it was lost. */
int hil_gc_ready(hil_genicam *g);

#endif /* HIL_GENICAM_IMPL_H */
