/*
 * genicam.c - the GenICam camera driver over libaravis-0.8: open and close,
 * the grab, the public calls.  The camera link (errors, stream, settings,
 * connect and reconnect) is hil/genicam_link.c.
 *
 * Why the grab discards frames that answer older triggers: a frame that
 * arrives after its grab timed out (a slow camera) would otherwise be taken
 * as the answer to the next trigger.  A camera numbers its frames one by
 * one, a dropped frame too, so with the id of the last frame seen (anchor)
 * and the count of triggers still unanswered since then, a frame whose id
 * is at most unanswered past the anchor answers an older trigger.  Arrival
 * times cannot tell: a stalled camera sends its late frame just before it
 * acknowledges the next trigger, and the two race through different
 * threads here.  Free running, a frame is stale when its first packet came
 * before the grab began.  Stale frames are counted and given back.
 *
 * The stream pop is given what is left of the grab timeout, counted from
 * the trigger's acknowledgement.
 */
#include "hil/genicam_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many frames on from frame id a is id b: GigE Vision 1.x block ids
 * are 16 bits and skip 0 (65535 then 1); ids that go back (a camera that
 * restarted) count as the next. */
static uint64_t id_distance(uint64_t a, uint64_t b)
{
	if (b > a)
		return b - a;
	if (a <= 0xffff && b <= 0xffff && b != a)
		return 0xffff - a + b;
	return 1;
}

/*
 * Note frame b as seen; true when it answers an older trigger than the
 * current grab's (see the file comment).  Triggered mode only.
 */
bool hil_gc_seen(hil_genicam *g, ArvBuffer *b)
{
	uint64_t id = arv_buffer_get_frame_id(b), d;
	bool old = false;

	if (!g->info.software_trigger)
		return false;
	if (g->have_anchor) {
		d = id_distance(g->anchor, id);
		old = d <= g->unanswered;
		g->unanswered = old ? g->unanswered - (uint32_t)d : 0;
	}
	g->anchor = id;
	g->have_anchor = true;
	return old;
}

/* --- public ----------------------------------------------------------- */

static void opts_normalize(hil_genicam_opts *o)
{
	if (!o->timeout_ms)
		o->timeout_ms = HIL_GENICAM_TIMEOUT_MS_DEFAULT;
	if (!o->n_buffers)
		o->n_buffers = HIL_GENICAM_BUFFERS_DEFAULT;
	o->n_buffers = o->n_buffers < 2 ? 2 : o->n_buffers > 64 ? 64 : o->n_buffers;
	if (!o->reconnect_attempts)
		o->reconnect_attempts = HIL_GENICAM_RECONNECT_ATTEMPTS_DEFAULT;
	if (o->reconnect_attempts > HIL_GENICAM_RECONNECT_ATTEMPTS_MAX)
		o->reconnect_attempts = HIL_GENICAM_RECONNECT_ATTEMPTS_MAX;
	if (!o->reconnect_backoff_ms)
		o->reconnect_backoff_ms = HIL_GENICAM_BACKOFF_MS_DEFAULT;
	if (o->reconnect_backoff_ms > HIL_GENICAM_BACKOFF_CAP_MS)
		o->reconnect_backoff_ms = HIL_GENICAM_BACKOFF_CAP_MS;
	if (!o->frame_retention_ms)
		o->frame_retention_ms = 100;
}

hil_genicam *hil_genicam_open(const char *id, const hil_genicam_opts *o, char *err, size_t n)
{
	hil_genicam *g;

	if (!id || !*id || strlen(id) >= sizeof g->id) {
		snprintf(err, n, "camera id '%s' is %s", id ? id : "", id && *id ? "too long" : "empty");
		return NULL;
	}
	g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(err, n, "out of memory opening camera '%s'", id);
		return NULL;
	}
	hil_gc_copy_str(g->id, sizeof g->id, id);
	if (o)
		g->o = *o;
	if (g->o.pixel_format) {
		g->want_fmt = hil_pixfmt_by_name(g->o.pixel_format);
		if (!g->want_fmt) {
			snprintf(err, n, "pixel format '%s' for camera '%s' is not one afsim unpacks",
				 g->o.pixel_format, id);
			free(g);
			return NULL;
		}
	}
	g->o.pixel_format = NULL; /* not kept: the caller owns the string */
	opts_normalize(&g->o);
	if (hil_gc_connect(g, false) != AF_OK) {
		snprintf(err, n, "%s", g->msg);
		hil_genicam_close(g);
		return NULL;
	}
	return g;
}

void hil_genicam_close(hil_genicam *g)
{
	if (!g)
		return;
	if (g->lost)
		hil_gc_reap_lost(g);
	else
		hil_gc_disconnect(g);
	hil_gc_reap_join(g);
	free(g);
}

/* The camera's frame id, unwrapped and continued across reconnects. */
static uint64_t next_seq(hil_genicam *g, uint64_t raw)
{
	uint64_t d = g->have_raw ? id_distance(g->last_raw, raw) : 1;

	g->seq = g->have_seq ? g->seq + d : raw;
	g->have_seq = g->have_raw = true;
	g->last_raw = raw;
	return g->seq;
}

static const char *status_name(ArvBufferStatus s)
{
	switch (s) {
	case ARV_BUFFER_STATUS_TIMEOUT: return "packets still missing at the frame retention time";
	case ARV_BUFFER_STATUS_MISSING_PACKETS: return "missing packets";
	case ARV_BUFFER_STATUS_WRONG_PACKET_ID: return "wrong packet id";
	case ARV_BUFFER_STATUS_SIZE_MISMATCH: return "frame larger than the buffer";
	case ARV_BUFFER_STATUS_ABORTED: return "aborted";
	case ARV_BUFFER_STATUS_CLEARED: return "cleared";
	case ARV_BUFFER_STATUS_FILLING: return "still filling";
	default: return "unknown status";
	}
}

/* Unpack a popped buffer into frame; the caller gives the buffer back. */
static int take(hil_genicam *g, ArvBuffer *b, af_frame *frame, int64_t trig_us)
{
	ArvBufferStatus st = arv_buffer_get_status(b);
	uint64_t raw = arv_buffer_get_frame_id(b);
	const hil_pixfmt *f;
	const void *data;
	size_t size = 0, npx, need;
	gint w, h;
	int64_t arrival_us;

	if (st != ARV_BUFFER_STATUS_SUCCESS) {
		g->n.incomplete++;
		return hil_gc_err(g, AF_EIO, "incomplete frame %llu from camera '%s': %s",
				  (unsigned long long)raw, g->id, status_name(st));
	}
	f = hil_pixfmt_by_code(arv_buffer_get_image_pixel_format(b));
	w = arv_buffer_get_image_width(b);
	h = arv_buffer_get_image_height(b);
	data = arv_buffer_get_image_data(b, &size);
	if (!f || w <= 0 || h <= 0 || !data) {
		g->n.incomplete++;
		return hil_gc_err(g, AF_EIO,
				  "frame %llu from camera '%s' is no monochrome image (format 0x%08x, %dx%d)",
				  (unsigned long long)raw, g->id, arv_buffer_get_image_pixel_format(b), w,
				  h);
	}
	npx = (size_t)w * (size_t)h;
	need = hil_pixfmt_bytes(f, npx);
	if (size < need) {
		g->n.incomplete++;
		return hil_gc_err(g, AF_EIO, "frame %llu from camera '%s' has %zu bytes, %dx%d %s needs %zu",
				  (unsigned long long)raw, g->id, size, w, h, f->name, need);
	}
	if (npx > frame->capacity_px)
		return hil_gc_err(g, AF_EINVAL, "frame %dx%d from camera '%s' does not fit %zu pixels", w, h,
				  g->id, frame->capacity_px);
	hil_pixfmt_unpack(f, data, frame->pixels, npx);
	/* Host realtime of the first packet, moved to the monotonic clock. */
	arrival_us = hil_gc_real_to_mono_us((int64_t)(arv_buffer_get_system_timestamp(b) / 1000));
	frame->width = (uint32_t)w;
	frame->height = (uint32_t)h;
	frame->bit_depth = f->bit_depth;
	frame->timestamp_us = trig_us >= 0 ? trig_us + g->exp_now_us / 2
					   : arrival_us - g->exp_now_us / 2;
	frame->seq = next_seq(g, raw);
	g->meta = (hil_genicam_meta){ raw, arv_buffer_get_timestamp(b), arrival_us, trig_us,
				      f->code };
	g->n.frames++;
	return AF_OK;
}

int hil_genicam_grab(hil_genicam *g, af_frame *frame)
{
	GError *e = NULL;
	ArvBuffer *b;
	int64_t t0, t1, real0, deadline, trig_us = -1;
	int rc = hil_gc_ready(g);

	if (rc != AF_OK)
		return rc;
	if (!frame || !frame->pixels)
		return hil_gc_err(g, AF_EINVAL, "grab from camera '%s' without a pixel buffer", g->id);
	if ((uint64_t)g->cur.width * g->cur.height > frame->capacity_px)
		return hil_gc_err(g, AF_EINVAL, "roi %ux%u of camera '%s' does not fit %zu pixels",
				  g->cur.width, g->cur.height, g->id, frame->capacity_px);
	while ((b = arv_stream_try_pop_buffer(g->stream))) { /* arrived since the last grab */
		hil_gc_seen(g, b);
		g->n.stale++;
		arv_stream_push_buffer(g->stream, b);
	}
	t0 = hil_gc_mono_us();
	real0 = g_get_real_time(); /* frames older than this are stale */
	if (g->info.software_trigger) {
		arv_camera_software_trigger(g->cam, &e);
		t1 = hil_gc_mono_us();
		real0 = g_get_real_time();
		if (e)
			return hil_gc_gerr(g, &e, "sending TriggerSoftware");
		trig_us = t0 + (t1 - t0) / 2;
	}
	/* from the trigger's acknowledgement: a camera slow to take the command
	 * (bounded by Aravis's GVCP timeout) does not eat the frame's time */
	deadline = hil_gc_mono_us() + (int64_t)g->o.timeout_ms * 1000;
	for (;;) {
		int64_t left = deadline - hil_gc_mono_us();

		b = left > 0 ? arv_stream_timeout_pop_buffer(g->stream, (guint64)left) : NULL;
		if (!b)
			break;
		if (hil_gc_seen(g, b) ||
		    (!g->info.software_trigger && arv_buffer_get_status(b) == ARV_BUFFER_STATUS_SUCCESS &&
		     (int64_t)(arv_buffer_get_system_timestamp(b) / 1000) < real0)) {
			g->n.stale++;
			arv_stream_push_buffer(g->stream, b);
			continue;
		}
		rc = take(g, b, frame, trig_us);
		arv_stream_push_buffer(g->stream, b);
		return rc;
	}
	if (g->info.software_trigger && g->unanswered < UINT32_MAX)
		g->unanswered++; /* its frame may still come: not ours then */
	if (g_atomic_int_get(&g->control_lost)) {
		g->lost = true;
		g->n.lost++;
		return hil_gc_err(g, AF_EHW, "camera '%s' lost control (heartbeat); the next call reconnects",
				  g->id);
	}
	g->n.timeouts++;
	return hil_gc_err(g, AF_ETIMEDOUT, "no frame from camera '%s' within %u ms%s", g->id,
			  g->o.timeout_ms, g->info.software_trigger ? " of its software trigger" : "");
}

int hil_genicam_set_exposure_us(hil_genicam *g, uint32_t exposure_us)
{
	int rc = hil_gc_ready(g);

	if (rc == AF_OK)
		rc = hil_gc_apply_exposure(g, exposure_us);
	if (rc == AF_OK) {
		g->want_exposure = true;
		g->exposure_us = exposure_us;
	}
	return rc;
}

int hil_genicam_get_exposure_us(hil_genicam *g, uint32_t *exposure_us)
{
	GError *e = NULL;
	int rc = hil_gc_ready(g);

	if (rc != AF_OK)
		return rc;
	if (!arv_camera_is_exposure_time_available(g->cam, &e))
		return e ? hil_gc_gerr(g, &e, "looking for ExposureTime")
			 : hil_gc_err(g, AF_ENOTSUP, "camera '%s' has no exposure time feature", g->id);
	rc = hil_gc_read_exposure(g);
	if (rc == AF_OK)
		*exposure_us = g->exp_now_us;
	return rc;
}

int hil_genicam_set_roi(hil_genicam *g, const af_roi *roi)
{
	int rc = hil_gc_ready(g);

	if (rc == AF_OK)
		rc = hil_gc_apply_roi(g, roi);
	if (rc == AF_OK) {
		g->want_roi = true;
		g->roi = *roi;
	}
	return rc;
}

int hil_genicam_get_roi(hil_genicam *g, af_roi *roi)
{
	int rc = hil_gc_ready(g);

	if (rc == AF_OK)
		rc = hil_gc_read_roi(g);
	if (rc == AF_OK)
		*roi = g->cur;
	return rc;
}

int hil_genicam_set_pixel_format(hil_genicam *g, const char *name)
{
	const hil_pixfmt *f = hil_pixfmt_by_name(name);
	int rc, rc2;

	if (!f)
		return hil_gc_err(g, AF_EINVAL, "pixel format '%s' is not one afsim unpacks",
				  name ? name : "");
	rc = hil_gc_ready(g);
	if (rc != AF_OK)
		return rc;
	rc = hil_gc_apply_format(g, f);
	if (rc == AF_OK)
		g->want_fmt = f;
	if (g->lost)
		return rc;
	rc2 = g->stream ? AF_OK : hil_gc_stream_start(g);
	return rc != AF_OK ? rc : rc2;
}

const char *hil_genicam_pixel_format(const hil_genicam *g)
{
	return g->fmt ? g->fmt->name : "";
}

const hil_genicam_info *hil_genicam_get_info(const hil_genicam *g)
{
	return &g->info;
}

void hil_genicam_get_counters(const hil_genicam *g, hil_genicam_counters *c)
{
	*c = g->n;
}

void hil_genicam_last_meta(const hil_genicam *g, hil_genicam_meta *m)
{
	*m = g->meta;
}

const char *hil_genicam_errmsg(const hil_genicam *g)
{
	return g->msg;
}
