/*
 * genicam_link.c - the GenICam driver's side that talks to the camera:
 * Aravis errors to af_err codes, the stream, the settings (exposure, ROI,
 * pixel format, trigger), finding and opening the camera, and losing and
 * finding it again.
 *
 * State: a connected camera has cam (ArvCamera) and stream (ArvStream with
 * n_buffers buffers of the current payload, acquisition started).  A camera
 * that stops answering is marked lost: its objects stay until the next call,
 * which releases them and reconnects (reconnect()).  The settings asked for
 * (exposure, ROI, pixel format) are kept in want_* and re-applied on every
 * connect, since a camera that comes back has forgotten them.
 *
 * Aravis's own waits bound everything here: a GigE Vision register access
 * gives up after 5 x 500 ms, a discovery after 1 s.  Releasing a camera
 * that is gone costs Aravis up to 5 s (its heartbeat's last read, then a
 * last write giving up control), so it happens on a thread of its own.
 */
#include "hil/genicam_impl.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- small helpers ---------------------------------------------------- */

int hil_gc_err(hil_genicam *g, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof g->msg, fmt, ap);
	va_end(ap);
	return code;
}

int64_t hil_gc_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * A CLOCK_REALTIME instant (µs) on CLOCK_MONOTONIC: the offset between the
 * clocks is read between two realtime readings around a monotonic one, the
 * tightest of three tries, so a preemption in between does not shift it.
 */
int64_t hil_gc_real_to_mono_us(int64_t real_us)
{
	int64_t best_gap = INT64_MAX, offset = 0;
	int i;

	for (i = 0; i < 3; i++) {
		int64_t r1 = g_get_real_time(), m = hil_gc_mono_us(), r2 = g_get_real_time();

		if (r2 - r1 < best_gap) {
			best_gap = r2 - r1;
			offset = m - (r1 + (r2 - r1) / 2);
		}
	}
	return real_us + offset;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

void hil_gc_copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* Does this Aravis error mean the camera is not answering at all? */
static bool gone_error(const GError *e)
{
	return e->domain == ARV_DEVICE_ERROR &&
	       (e->code == ARV_DEVICE_ERROR_TIMEOUT || e->code == ARV_DEVICE_ERROR_NOT_CONNECTED ||
		e->code == ARV_DEVICE_ERROR_TRANSFER_ERROR);
}

static int code_of(const GError *e)
{
	if (gone_error(e))
		return AF_EHW;
	if (e->domain == ARV_DEVICE_ERROR) {
		switch (e->code) {
		case ARV_DEVICE_ERROR_FEATURE_NOT_FOUND:
		case ARV_DEVICE_ERROR_PROTOCOL_ERROR_NOT_IMPLEMENTED:
			return AF_ENOTSUP;
		case ARV_DEVICE_ERROR_INVALID_PARAMETER:
		case ARV_DEVICE_ERROR_PROTOCOL_ERROR_INVALID_PARAMETER:
			return AF_EINVAL;
		case ARV_DEVICE_ERROR_PROTOCOL_ERROR:
		case ARV_DEVICE_ERROR_WRONG_FEATURE:
			return AF_EPROTO;
		default:
			return AF_EHW;
		}
	}
	if (e->domain == ARV_GC_ERROR) {
		switch (e->code) {
		case ARV_GC_ERROR_NODE_NOT_FOUND:
		case ARV_GC_ERROR_ENUM_ENTRY_NOT_FOUND:
		case ARV_GC_ERROR_PROPERTY_NOT_DEFINED:
		case ARV_GC_ERROR_EMPTY_ENUMERATION:
			return AF_ENOTSUP;
		case ARV_GC_ERROR_OUT_OF_RANGE:
			return AF_EINVAL;
		default:
			return AF_EHW;
		}
	}
	return AF_EHW;
}

/*
 * Turn an Aravis error from doing `what` into our code and message, and
 * clear it.  A camera that does not answer is marked lost.
 */
int hil_gc_gerr(hil_genicam *g, GError **e, const char *what)
{
	int code = code_of(*e);

	if (gone_error(*e)) {
		if (!g->lost)
			g->n.lost++;
		g->lost = true;
		hil_gc_err(g, code, "camera '%s' stopped answering (%s: %s); the next call reconnects",
			   g->id, what, (*e)->message);
	} else {
		hil_gc_err(g, code, "camera '%s': %s: %s", g->id, what, (*e)->message);
	}
	g_clear_error(e);
	return code;
}

static void on_control_lost(ArvDevice *dev, gpointer user)
{
	hil_genicam *g = user;

	(void)dev;
	g_atomic_int_set(&g->control_lost, 1);
}

/* --- stream ----------------------------------------------------------- */

void hil_gc_stream_stop(hil_genicam *g, bool talk)
{
	if (talk && g->cam && g->stream)
		arv_camera_stop_acquisition(g->cam, NULL);
	g_clear_object(&g->stream);
}

/*
 * Receive buffer of a GigE Vision stream socket: room for 4 frames, at
 * least 1 MiB, at most 64 MiB; the kernel caps it at net.core.rmem_max.
 */
static int socket_bytes(guint payload)
{
	uint64_t b = (uint64_t)payload * 4;

	return (int)(b < (1u << 20) ? (1u << 20) : b > (64u << 20) ? (64u << 20) : b);
}

/*
 * Aravis sizes a GigE Vision stream's socket buffer when the first frame
 * starts to arrive, so the first frame after a stream starts meets the
 * system's default buffer (about 90 packets) and a camera that bursts (the
 * fake one on loopback does) loses the rest.  Take that frame and give it
 * back.  Errors are left for the next grab to find.
 */
static void prime(hil_genicam *g)
{
	GError *e = NULL;
	ArvBuffer *b;

	if (!ARV_IS_GV_STREAM(g->stream))
		return;
	if (g->info.software_trigger) {
		arv_camera_software_trigger(g->cam, &e);
		if (e) {
			g_clear_error(&e);
			return;
		}
	}
	b = arv_stream_timeout_pop_buffer(g->stream, (guint64)g->o.timeout_ms * 1000u);
	if (b) {
		hil_gc_seen(g, b);
		g->n.primed++;
		arv_stream_push_buffer(g->stream, b);
	} else if (g->info.software_trigger) {
		g->unanswered++;
	}
}

int hil_gc_stream_start(hil_genicam *g)
{
	GError *e = NULL;
	guint payload;
	uint32_t i;

	if (arv_camera_is_gv_device(g->cam))
		arv_camera_gv_set_stream_options(g->cam, g->o.packet_socket
								 ? ARV_GV_STREAM_OPTION_NONE
								 : ARV_GV_STREAM_OPTION_PACKET_SOCKET_DISABLED);
	payload = arv_camera_get_payload(g->cam, &e);
	if (e)
		return hil_gc_gerr(g, &e, "reading PayloadSize");
	if (payload == 0)
		return hil_gc_err(g, AF_EHW, "camera '%s' reports a payload of 0 bytes", g->id);
	g->stream = arv_camera_create_stream(g->cam, NULL, NULL, &e);
	if (!g->stream)
		return e ? hil_gc_gerr(g, &e, "creating the stream")
			 : hil_gc_err(g, AF_EHW, "camera '%s': no stream", g->id);
	if (ARV_IS_GV_STREAM(g->stream))
		g_object_set(g->stream, "frame-retention", (guint)(g->o.frame_retention_ms * 1000u),
			     "socket-buffer", ARV_GV_STREAM_SOCKET_BUFFER_FIXED, "socket-buffer-size",
			     socket_bytes(payload), NULL);
	for (i = 0; i < g->o.n_buffers; i++)
		arv_stream_push_buffer(g->stream, arv_buffer_new_allocate(payload));
	arv_camera_start_acquisition(g->cam, &e);
	if (e)
		return hil_gc_gerr(g, &e, "starting acquisition");
	prime(g);
	return AF_OK;
}

/* --- settings --------------------------------------------------------- */

int hil_gc_read_exposure(hil_genicam *g)
{
	GError *e = NULL;
	double x = arv_camera_get_exposure_time(g->cam, &e);

	if (e)
		return hil_gc_gerr(g, &e, "reading the exposure time");
	g->exp_now_us = x > 0 ? (uint32_t)(x + 0.5) : 0;
	return AF_OK;
}

int hil_gc_apply_exposure(hil_genicam *g, uint32_t us)
{
	GError *e = NULL;
	double lo, hi;
	gboolean have = arv_camera_is_exposure_time_available(g->cam, &e);

	if (e)
		return hil_gc_gerr(g, &e, "looking for ExposureTime");
	if (!have)
		return hil_gc_err(g, AF_ENOTSUP, "camera '%s' has no exposure time feature", g->id);
	arv_camera_get_exposure_time_bounds(g->cam, &lo, &hi, &e);
	if (e)
		return hil_gc_gerr(g, &e, "reading the exposure bounds");
	if ((double)us < lo || (double)us > hi)
		return hil_gc_err(g, AF_EINVAL, "exposure %u us is outside %.0f..%.0f us of camera '%s'",
				  us, lo, hi, g->id);
	arv_camera_set_exposure_time(g->cam, (double)us, &e);
	if (e)
		return hil_gc_gerr(g, &e, "setting the exposure time");
	return hil_gc_read_exposure(g);
}

int hil_gc_read_roi(hil_genicam *g)
{
	GError *e = NULL;
	gint x = 0, y = 0, w = 0, h = 0;

	arv_camera_get_region(g->cam, &x, &y, &w, &h, &e);
	if (e)
		return hil_gc_gerr(g, &e, "reading the region of interest");
	g->cur = (af_roi){ (uint32_t)x, (uint32_t)y, (uint32_t)w, (uint32_t)h };
	return AF_OK;
}

/* One axis of an ROI against the sensor, the minimum size and increments. */
static int check_axis(hil_genicam *g, const char *axis, uint32_t off, uint32_t len,
		      uint32_t sensor, gint min_len, gint len_inc, gint off_inc)
{
	const char *size_name = axis[0] == 'x' ? "width" : "height";

	if (len == 0 || (gint64)len < min_len)
		return hil_gc_err(g, AF_EINVAL, "roi %s %u is below the minimum %d of camera '%s'",
				  size_name, len, min_len, g->id);
	if ((uint64_t)off + len > sensor)
		return hil_gc_err(g, AF_EINVAL,
				  "roi %s=%u %s=%u leaves the sensor (%s %u) of camera '%s'", axis, off,
				  size_name, len, size_name, sensor, g->id);
	if (len_inc > 1 && len % (uint32_t)len_inc != 0)
		return hil_gc_err(g, AF_EINVAL, "roi %s %u is not a multiple of %d (camera '%s')",
				  size_name, len, len_inc, g->id);
	if (off_inc > 1 && off % (uint32_t)off_inc != 0)
		return hil_gc_err(g, AF_EINVAL, "roi %s %u is not a multiple of %d (camera '%s')",
				  axis, off, off_inc, g->id);
	return AF_OK;
}

static int check_roi(hil_genicam *g, const af_roi *r)
{
	GError *e = NULL;
	gint wmin = 1, wmax = 0, hmin = 1, hmax = 0, winc, hinc, xinc = 1, yinc = 1;
	gboolean offsets;
	int rc;

	arv_camera_get_width_bounds(g->cam, &wmin, &wmax, &e);
	if (!e)
		arv_camera_get_height_bounds(g->cam, &hmin, &hmax, &e);
	winc = e ? 1 : arv_camera_get_width_increment(g->cam, &e);
	hinc = e ? 1 : arv_camera_get_height_increment(g->cam, &e);
	offsets = e ? FALSE : arv_camera_is_region_offset_available(g->cam, &e);
	if (!e && offsets) {
		xinc = arv_camera_get_x_offset_increment(g->cam, &e);
		if (!e)
			yinc = arv_camera_get_y_offset_increment(g->cam, &e);
	}
	if (e)
		return hil_gc_gerr(g, &e, "reading the region bounds");
	if ((r->x || r->y) && !offsets)
		return hil_gc_err(g, AF_ENOTSUP, "camera '%s' has no OffsetX/OffsetY: roi at %u,%u",
				  g->id, r->x, r->y);
	rc = check_axis(g, "x", r->x, r->width, g->info.sensor_width, wmin, winc, xinc);
	if (rc == AF_OK)
		rc = check_axis(g, "y", r->y, r->height, g->info.sensor_height, hmin, hinc, yinc);
	return rc;
}

int hil_gc_apply_roi(hil_genicam *g, const af_roi *r)
{
	GError *e = NULL;
	int rc = check_roi(g, r), rc2;

	if (rc != AF_OK)
		return rc;
	hil_gc_stream_stop(g, true);
	arv_camera_set_region(g->cam, (gint)r->x, (gint)r->y, (gint)r->width, (gint)r->height, &e);
	rc = e ? hil_gc_gerr(g, &e, "setting the region of interest") : AF_OK;
	if (g->lost)
		return rc;
	rc2 = hil_gc_read_roi(g);
	if (rc == AF_OK && rc2 == AF_OK &&
	    (g->cur.x != r->x || g->cur.y != r->y || g->cur.width != r->width ||
	     g->cur.height != r->height))
		rc = hil_gc_err(g, AF_EINVAL, "camera '%s' took roi %u,%u %ux%u as %u,%u %ux%u", g->id,
				r->x, r->y, r->width, r->height, g->cur.x, g->cur.y, g->cur.width,
				g->cur.height);
	rc2 = rc2 == AF_OK ? hil_gc_stream_start(g) : rc2;
	return rc != AF_OK ? rc : rc2;
}

/* Is name among the camera's PixelFormat entries?  The list goes to
 * offered (n bytes) for messages. */
static int offers_format(hil_genicam *g, const char *name, bool *yes, char *offered, size_t n)
{
	GError *e = NULL;
	guint i, count = 0;
	const char **names = arv_camera_dup_available_pixel_formats_as_strings(g->cam, &count, &e);
	size_t k = 0;

	*yes = false;
	offered[0] = '\0';
	if (e) {
		g_free(names);
		return hil_gc_gerr(g, &e, "listing the pixel formats");
	}
	for (i = 0; i < count; i++) {
		if (strcmp(names[i], name) == 0)
			*yes = true;
		if (k < n)
			k += (size_t)snprintf(offered + k, n - k, "%s%s", i ? ", " : "", names[i]);
	}
	g_free(names);
	return AF_OK;
}

int hil_gc_apply_format(hil_genicam *g, const hil_pixfmt *f)
{
	GError *e = NULL;
	char offered[256];
	bool yes;
	int rc = offers_format(g, f->name, &yes, offered, sizeof offered);
	ArvPixelFormat now;

	if (rc != AF_OK)
		return rc;
	if (!yes)
		return hil_gc_err(g, AF_ENOTSUP, "camera '%s' does not offer pixel format '%s' (it offers %s)",
				  g->id, f->name, offered);
	hil_gc_stream_stop(g, true);
	arv_camera_set_pixel_format_from_string(g->cam, f->name, &e);
	if (e)
		return hil_gc_gerr(g, &e, "setting PixelFormat");
	now = arv_camera_get_pixel_format(g->cam, &e);
	if (e)
		return hil_gc_gerr(g, &e, "reading PixelFormat");
	if (now != f->code)
		return hil_gc_err(g, AF_EHW, "camera '%s' reports pixel format 0x%08x after '%s' was set",
				  g->id, now, f->name);
	g->fmt = f;
	return AF_OK;
}

/* The format to use at connect: asked for, else the camera's own when we
 * unpack it, else Mono8. */
static int choose_format(hil_genicam *g)
{
	GError *e = NULL;
	ArvPixelFormat now;
	const hil_pixfmt *f;

	if (g->want_fmt)
		return hil_gc_apply_format(g, g->want_fmt);
	now = arv_camera_get_pixel_format(g->cam, &e);
	if (e)
		return hil_gc_gerr(g, &e, "reading PixelFormat");
	f = hil_pixfmt_by_code(now);
	if (f) {
		g->fmt = f;
		return AF_OK;
	}
	return hil_gc_apply_format(g, hil_pixfmt_by_name("Mono8"));
}

static int setup_trigger(hil_genicam *g)
{
	GError *e = NULL;
	gboolean sw = FALSE;

	g->info.software_trigger = false;
	g->info.note[0] = '\0';
	if (g->o.trigger != HIL_GENICAM_TRIGGER_FREE_RUN) {
		sw = arv_camera_is_software_trigger_supported(g->cam, &e);
		if (!e && sw)
			sw = arv_camera_is_enumeration_entry_available(g->cam, "TriggerSource",
								       "Software", &e);
		if (e)
			return hil_gc_gerr(g, &e, "looking for TriggerSoftware");
	}
	if (sw) {
		arv_camera_set_trigger(g->cam, "Software", &e);
		if (e)
			return hil_gc_gerr(g, &e, "setting TriggerMode=On, TriggerSource=Software");
		g->info.software_trigger = true;
		return AF_OK;
	}
	if (g->o.trigger == HIL_GENICAM_TRIGGER_SOFTWARE)
		return hil_gc_err(g, AF_ENOTSUP,
				  "camera '%s' has no software trigger (TriggerSoftware, TriggerSource=Software)",
				  g->id);
	if (arv_camera_is_feature_available(g->cam, "TriggerMode", NULL)) {
		arv_camera_clear_triggers(g->cam, &e);
		if (e)
			return hil_gc_gerr(g, &e, "setting TriggerMode=Off");
	}
	hil_gc_copy_str(g->info.note, sizeof g->info.note,
			g->o.trigger == HIL_GENICAM_TRIGGER_FREE_RUN
			? "free running, as asked: a frame's exposure may begin before its grab"
			: "no software trigger: free running, a frame's exposure may begin before its grab");
	return AF_OK;
}

/* --- connect ---------------------------------------------------------- */

/*
 * The Aravis id to open: an IPv4 address as given, else the device id of
 * the one discovered camera whose id, serial, MAC or address is g->id.
 * With check_ip an address must answer discovery too: after a loss that
 * costs 1 s where opening an address nobody answers costs Aravis 2.5 s.
 */
static int resolve(hil_genicam *g, char *target, size_t n, bool check_ip)
{
	struct in_addr a;
	unsigned i, nd, hits = 0, pick = 0;
	char ids[256];
	size_t k = 0;
	bool ip = inet_pton(AF_INET, g->id, &a) == 1;

	if (ip && !check_ip) {
		hil_gc_copy_str(target, n, g->id);
		return AF_OK;
	}
	arv_update_device_list();
	nd = arv_get_n_devices();
	ids[0] = '\0';
	for (i = 0; i < nd; i++) {
		const char *did = arv_get_device_id(i);

		if (k < sizeof ids)
			k += (size_t)snprintf(ids + k, sizeof ids - k, "%s%s", i ? ", " : "",
					      did ? did : "?");
		if (did && strcmp(did, g->id) == 0) { /* a device id is unique */
			hits = 1;
			pick = i;
			break;
		}
		if (g_strcmp0(arv_get_device_serial_nbr(i), g->id) == 0 ||
		    g_strcmp0(arv_get_device_physical_id(i), g->id) == 0 ||
		    g_strcmp0(arv_get_device_address(i), g->id) == 0) {
			hits++;
			pick = i;
		}
	}
	if (hits == 0)
		return hil_gc_err(g, AF_EHW, "no camera '%s' among the %u GenICam devices found%s%s%s",
				  g->id, nd, nd ? " (" : "", ids, nd ? ")" : "");
	if (ip) {
		hil_gc_copy_str(target, n, g->id);
		return AF_OK;
	}
	if (hits > 1)
		return hil_gc_err(g, AF_EINVAL, "camera '%s' matches %u devices (%s): use a device id",
				  g->id, hits, ids);
	hil_gc_copy_str(target, n, arv_get_device_id(pick));
	return AF_OK;
}

static void read_info(hil_genicam *g)
{
	ArvDevice *dev = arv_camera_get_device(g->cam);
	hil_genicam_info *in = &g->info;
	gint sw = 0, sh = 0;
	GError *e = NULL;

	hil_gc_copy_str(in->vendor, sizeof in->vendor, arv_camera_get_vendor_name(g->cam, NULL));
	hil_gc_copy_str(in->model, sizeof in->model, arv_camera_get_model_name(g->cam, NULL));
	hil_gc_copy_str(in->serial, sizeof in->serial,
			arv_camera_get_device_serial_number(g->cam, NULL));
	/* as Aravis's discovery names a device */
	snprintf(in->device_id, sizeof in->device_id, "%s-%s-%s", in->vendor, in->model,
		 in->serial);
	in->address[0] = '\0';
	hil_gc_copy_str(in->protocol, sizeof in->protocol,
			arv_camera_is_gv_device(g->cam) ? "GigEVision"
			: arv_camera_is_uv_device(g->cam) ? "USB3Vision" : "other");
	if (ARV_IS_GV_DEVICE(dev)) {
		GSocketAddress *sa = arv_gv_device_get_device_address(ARV_GV_DEVICE(dev));
		char *s = g_inet_address_to_string(
			g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)));

		hil_gc_copy_str(in->address, sizeof in->address, s);
		g_free(s);
	}
	arv_camera_get_sensor_size(g->cam, &sw, &sh, &e);
	if (e || sw <= 0 || sh <= 0) { /* no SensorWidth: the largest ROI */
		gint lo;

		g_clear_error(&e);
		arv_camera_get_width_bounds(g->cam, &lo, &sw, NULL);
		arv_camera_get_height_bounds(g->cam, &lo, &sh, NULL);
	}
	in->sensor_width = sw > 0 ? (uint32_t)sw : 0;
	in->sensor_height = sh > 0 ? (uint32_t)sh : 0;
}

/* Open, configure and start the camera; on failure the caller disconnects.
 * again: a reconnect (see resolve). */
int hil_gc_connect(hil_genicam *g, bool again)
{
	GError *e = NULL;
	char target[128];
	int rc = resolve(g, target, sizeof target, again);

	if (rc != AF_OK)
		return rc;
	g->cam = arv_camera_new(target, &e);
	if (!g->cam) {
		rc = hil_gc_err(g, AF_EHW, "cannot open camera '%s': %s", g->id,
				e ? e->message : "unknown error");
		g_clear_error(&e);
		return rc;
	}
	g_atomic_int_set(&g->control_lost, 0);
	g->lost = false;
	g->lost_handler = g_signal_connect(arv_camera_get_device(g->cam), "control-lost",
					   G_CALLBACK(on_control_lost), g);
	read_info(g);
	if (arv_camera_is_gv_device(g->cam) && g->o.packet_size) {
		arv_camera_gv_set_packet_size_adjustment(g->cam, ARV_GV_PACKET_SIZE_ADJUSTMENT_NEVER);
		arv_camera_gv_set_packet_size(g->cam, (gint)g->o.packet_size, &e);
		if (e)
			return hil_gc_gerr(g, &e, "setting GevSCPSPacketSize");
	}
	if (arv_camera_is_exposure_auto_available(g->cam, NULL)) {
		arv_camera_set_exposure_time_auto(g->cam, ARV_AUTO_OFF, &e);
		if (e)
			return hil_gc_gerr(g, &e, "setting ExposureAuto=Off");
	}
	arv_camera_set_acquisition_mode(g->cam, ARV_ACQUISITION_MODE_CONTINUOUS, &e);
	if (e)
		return hil_gc_gerr(g, &e, "setting AcquisitionMode=Continuous");
	rc = setup_trigger(g);
	if (rc == AF_OK)
		rc = choose_format(g);
	if (rc == AF_OK && g->want_exposure)
		rc = hil_gc_apply_exposure(g, g->exposure_us);
	else if (rc == AF_OK && arv_camera_is_exposure_time_available(g->cam, NULL))
		rc = hil_gc_read_exposure(g);
	if (rc == AF_OK && g->want_roi)
		rc = hil_gc_apply_roi(g, &g->roi); /* starts the stream */
	else if (rc == AF_OK && (rc = hil_gc_read_roi(g)) == AF_OK)
		rc = hil_gc_stream_start(g);
	return rc;
}

static void quiet_signals(hil_genicam *g)
{
	if (g->cam && g->lost_handler)
		g_signal_handler_disconnect(arv_camera_get_device(g->cam), g->lost_handler);
	g->lost_handler = 0;
}

/* Stop and release a camera that answers. */
void hil_gc_disconnect(hil_genicam *g)
{
	hil_gc_stream_stop(g, true);
	quiet_signals(g);
	g_clear_object(&g->cam);
}

typedef struct reap_job {
	ArvCamera *cam;
	ArvStream *stream;
} reap_job;

static void *reap_main(void *p)
{
	reap_job *j = p;

	g_clear_object(&j->stream);
	g_clear_object(&j->cam);
	free(j);
	return NULL;
}

void hil_gc_reap_join(hil_genicam *g)
{
	if (g->reaping)
		pthread_join(g->reaper, NULL);
	g->reaping = false;
}

/*
 * Release a camera that stopped answering.  Aravis's teardown of a gone
 * GigE Vision device waits out its heartbeat's last read and a last write
 * (giving up control), up to 5 s, so it runs on a thread of its own while
 * the reconnect goes on; the next release or hil_genicam_close joins it.
 */
void hil_gc_reap_lost(hil_genicam *g)
{
	reap_job *j;

	quiet_signals(g);
	if (!g->cam && !g->stream)
		return;
	hil_gc_reap_join(g); /* one at a time: only when an attempt failed half-way */
	j = malloc(sizeof *j);
	if (j) {
		j->cam = g->cam;
		j->stream = g->stream;
		g->cam = NULL;
		g->stream = NULL;
		if (pthread_create(&g->reaper, NULL, reap_main, j) == 0) {
			g->reaping = true;
			return;
		}
		g->cam = j->cam;
		g->stream = j->stream;
		free(j);
	}
	g_clear_object(&g->stream); /* no thread: wait here */
	g_clear_object(&g->cam);
}

static int reconnect(hil_genicam *g)
{
	uint32_t a, backoff = g->o.reconnect_backoff_ms;
	char last[sizeof g->msg];

	hil_gc_reap_lost(g);
	g->have_raw = g->have_anchor = false;
	g->unanswered = 0;
	for (a = 1; a <= g->o.reconnect_attempts; a++) {
		if (a > 1) {
			sleep_ms(backoff);
			backoff = backoff * 2 > HIL_GENICAM_BACKOFF_CAP_MS ? HIL_GENICAM_BACKOFF_CAP_MS
									  : backoff * 2;
		}
		if (hil_gc_connect(g, true) == AF_OK) {
			g->n.reconnects++;
			return AF_OK;
		}
		memcpy(last, g->msg, sizeof last);
		hil_gc_reap_lost(g);
	}
	g->lost = true;
	return hil_gc_err(g, AF_EHW, "camera '%s' lost, not back after %u reconnect attempts (%s)",
			  g->id, g->o.reconnect_attempts, last);
}

/* Connected and answering, reconnecting first when it was lost. */
int hil_gc_ready(hil_genicam *g)
{
	if (g_atomic_int_get(&g->control_lost) && !g->lost) {
		g->lost = true;
		g->n.lost++;
	}
	if (g->cam && g->stream && !g->lost)
		return AF_OK;
	return reconnect(g);
}
