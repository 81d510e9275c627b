/*
 * test_genicam.c - the GenICam camera driver (hil/genicam.c) against the
 * fake GigE Vision camera server (hil/gvcam.c) over Aravis on loopback:
 * exact pixels in every pixel format, the ROI and exposure, the id forms,
 * every fault path (timeout, late frame, incomplete frame, missing
 * feature, camera gone and back), and the driver composed into an af_hal.
 * Every test runs in a private network namespace of its own (fork mode),
 * so each has UDP port 3956 on its own loopback.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_hal.h"
#include "hil/genicam.h"
#include "hil/gvcam.h"
#include "hil/pixfmt.h"
#include "tests/fake_hal.h"
#include "tests/genicam_fix.h"

#define CAP_PX (512 * 512)

typedef struct fix {
	hil_gvcam *cam;
	hil_genicam *g;
	af_frame frame;
} fix;

/* A known camera (sensor w x h) and the driver on it by address. */
static void fix_up(fix *f, uint32_t w, uint32_t h, const hil_genicam_opts *o)
{
	char err[512];

	f->cam = known_camera(w, h, NULL);
	f->g = hil_genicam_open("127.0.0.1", o, err, sizeof err);
	ck_assert_msg(f->g != NULL, "open: %s", err);
	f->frame.capacity_px = CAP_PX;
	f->frame.pixels = calloc(CAP_PX, sizeof *f->frame.pixels);
	ck_assert_ptr_nonnull(f->frame.pixels);
}

static void fix_down(fix *f)
{
	hil_genicam_close(f->g);
	hil_gvcam_free(f->cam);
	free(f->frame.pixels);
}

static int grab(fix *f)
{
	return hil_genicam_grab(f->g, &f->frame);
}

/* Every pixel format, exact, at an offset ROI and two exposures. */
START_TEST(pixels_arrive_exactly_in_every_format)
{
	fix f;
	af_roi roi = { 24, 8, 64, 32 };
	size_t i, n;
	const hil_pixfmt *t = hil_pixfmt_table(&n);
	uint32_t exposure = 2300;

	NETNS_OR_SKIP();
	fix_up(&f, 1024, 768, NULL);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &roi), AF_OK);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(hil_genicam_set_pixel_format(f.g, t[i].name), AF_OK);
		ck_assert_str_eq(hil_genicam_pixel_format(f.g), t[i].name);
		exposure = i % 2 ? 2300 : 4100;
		ck_assert_int_eq(hil_genicam_set_exposure_us(f.g, exposure), AF_OK);
		ck_assert_msg(grab(&f) == AF_OK, "%s: %s", t[i].name, hil_genicam_errmsg(f.g));
		check_known(&f.frame, &roi, exposure, t[i].bit_depth);
	}
	fix_down(&f);
}
END_TEST

/* The first frame of a fresh stream is whole even when it is a burst far
 * above the system's default socket buffer (1024x1024 Mono16: 1500
 * packets of 1400 bytes at once, on loopback). */
START_TEST(first_large_frame_is_whole)
{
	fix f;
	hil_genicam_opts o = { .pixel_format = "Mono16" };
	hil_genicam_counters n;
	af_roi full = { 0, 0, 1024, 1024 };
	uint16_t *big = calloc(1024 * 1024, sizeof *big);
	af_frame fr = { big, 1024 * 1024, 0, 0, 0, 0, 0 };
	int rc;

	NETNS_OR_SKIP();
	fix_up(&f, 1024, 1024, &o);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &full), AF_OK);
	rc = hil_genicam_grab(f.g, &fr);
	ck_assert_msg(rc == AF_OK, "%s", hil_genicam_errmsg(f.g));
	check_known(&fr, &full, 10000, 16);
	hil_genicam_get_counters(f.g, &n);
	ck_assert_uint_eq(n.incomplete, 0);
	fix_down(&f);
	free(big);
}
END_TEST

START_TEST(exposure_and_roi_round_trip)
{
	fix f;
	af_roi roi = { 100, 60, 200, 120 }, got;
	uint32_t us = 0;

	NETNS_OR_SKIP();
	fix_up(&f, 1024, 768, NULL);
	ck_assert_int_eq(hil_genicam_set_exposure_us(f.g, 12345), AF_OK);
	ck_assert_int_eq(hil_genicam_get_exposure_us(f.g, &us), AF_OK);
	ck_assert_uint_eq(us, 12345);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &roi), AF_OK);
	ck_assert_int_eq(hil_genicam_get_roi(f.g, &got), AF_OK);
	ck_assert_uint_eq(got.x, 100);
	ck_assert_uint_eq(got.y, 60);
	ck_assert_uint_eq(got.width, 200);
	ck_assert_uint_eq(got.height, 120);
	ck_assert_int_eq(grab(&f), AF_OK);
	check_known(&f.frame, &roi, 12345, 8);
	fix_down(&f);
}
END_TEST

/* Out of the sensor or below the minimum: refused, named, nothing changed. */
START_TEST(roi_out_of_range_is_refused)
{
	fix f;
	af_roi ok = { 0, 0, 64, 32 }, zero = { 0, 0, 0, 10 }, wide = { 200, 0, 64, 32 },
	       low = { 0, 180, 64, 32 }, got;
	uint16_t small[100];
	af_frame tiny = { small, 100, 0, 0, 0, 0, 0 };

	NETNS_OR_SKIP();
	fix_up(&f, 256, 192, NULL);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &ok), AF_OK);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &zero), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(f.g),
			 "roi width 0 is below the minimum 1 of camera '127.0.0.1'");
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &wide), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(f.g),
			 "roi x=200 width=64 leaves the sensor (width 256) of camera '127.0.0.1'");
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &low), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(f.g),
			 "roi y=180 height=32 leaves the sensor (height 192) of camera '127.0.0.1'");
	ck_assert_int_eq(hil_genicam_get_roi(f.g, &got), AF_OK);
	ck_assert_uint_eq(got.width, 64);
	ck_assert_uint_eq(got.height, 32);
	ck_assert_int_eq(hil_genicam_grab(f.g, &tiny), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(f.g),
			 "roi 64x32 of camera '127.0.0.1' does not fit 100 pixels");
	ck_assert_int_eq(hil_genicam_set_exposure_us(f.g, 5), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(f.g),
			 "exposure 5 us is outside 10..10000000 us of camera '127.0.0.1'");
	ck_assert_int_eq(hil_genicam_set_pixel_format(f.g, "RGB8"), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(f.g), "pixel format 'RGB8' is not one afsim unpacks");
	ck_assert_int_eq(grab(&f), AF_OK); /* still fine */
	check_known(&f.frame, &ok, 10000, 8);
	fix_down(&f);
}
END_TEST

/* A camera whose ROI moves in steps of 8: off-step values are refused. */
START_TEST(roi_off_the_increment_is_refused)
{
	hil_gvcam_opts co = { .render = known_render, .roi_increment = 8 };
	hil_gvcam *cam;
	hil_genicam *g;
	af_roi ok = { 8, 16, 64, 32 }, x = { 4, 16, 64, 32 }, w = { 8, 16, 60, 32 },
	       h = { 8, 16, 64, 30 }, y = { 8, 2, 64, 32 };
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	char err[512];

	NETNS_OR_SKIP();
	cam = hil_gvcam_new(&co, err, sizeof err);
	ck_assert_msg(cam != NULL, "%s", err);
	g = hil_genicam_open("127.0.0.1", NULL, err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	ck_assert_int_eq(hil_genicam_set_roi(g, &ok), AF_OK);
	ck_assert_int_eq(hil_genicam_set_roi(g, &x), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(g), "roi x 4 is not a multiple of 8 (camera '127.0.0.1')");
	ck_assert_int_eq(hil_genicam_set_roi(g, &w), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(g),
			 "roi width 60 is not a multiple of 8 (camera '127.0.0.1')");
	ck_assert_int_eq(hil_genicam_set_roi(g, &h), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(g),
			 "roi height 30 is not a multiple of 8 (camera '127.0.0.1')");
	ck_assert_int_eq(hil_genicam_set_roi(g, &y), AF_EINVAL);
	ck_assert_str_eq(hil_genicam_errmsg(g), "roi y 2 is not a multiple of 8 (camera '127.0.0.1')");
	ck_assert_int_eq(hil_genicam_grab(g, &fr), AF_OK);
	check_known(&fr, &ok, 10000, 8);
	hil_genicam_close(g);
	hil_gvcam_free(cam);
	free(px);
}
END_TEST

/* By device id and by serial (both discover), an unknown id, a bad format. */
START_TEST(opens_by_device_id_serial_and_address)
{
	hil_gvcam *cam;
	hil_genicam *g;
	char err[512];
	hil_genicam_opts o = { 0 };

	NETNS_OR_SKIP();
	cam = known_camera(640, 480, NULL);
	ck_assert_str_eq(hil_gvcam_device_id(cam), "Aravis-Fake-AFSIM01");
	ck_assert_str_eq(hil_gvcam_serial(cam), "AFSIM01");
	ck_assert_str_eq(hil_gvcam_address(cam), "127.0.0.1");
	g = hil_genicam_open("Aravis-Fake-AFSIM01", NULL, err, sizeof err);
	ck_assert_msg(g != NULL, "by device id: %s", err);
	ck_assert_str_eq(hil_genicam_get_info(g)->device_id, "Aravis-Fake-AFSIM01");
	ck_assert_str_eq(hil_genicam_get_info(g)->address, "127.0.0.1");
	ck_assert_str_eq(hil_genicam_get_info(g)->protocol, "GigEVision");
	ck_assert_uint_eq(hil_genicam_get_info(g)->sensor_width, 640);
	ck_assert_uint_eq(hil_genicam_get_info(g)->sensor_height, 480);
	ck_assert(hil_genicam_get_info(g)->software_trigger);
	hil_genicam_close(g);
	g = hil_genicam_open("AFSIM01", NULL, err, sizeof err);
	ck_assert_msg(g != NULL, "by serial: %s", err);
	ck_assert_str_eq(hil_genicam_get_info(g)->serial, "AFSIM01");
	hil_genicam_close(g);
	ck_assert_ptr_null(hil_genicam_open("NOPE", NULL, err, sizeof err));
	ck_assert_str_eq(err,
			 "no camera 'NOPE' among the 1 GenICam devices found (Aravis-Fake-AFSIM01)");
	ck_assert_ptr_null(hil_genicam_open("", NULL, err, sizeof err));
	ck_assert_str_eq(err, "camera id '' is empty");
	o.pixel_format = "Mono9";
	ck_assert_ptr_null(hil_genicam_open("127.0.0.1", &o, err, sizeof err));
	ck_assert_str_eq(err, "pixel format 'Mono9' for camera '127.0.0.1' is not one afsim unpacks");
	hil_gvcam_free(cam);
}
END_TEST

/* Triggered frames: the timestamp sits inside the grab, plus half the
 * exposure; seq follows the camera's frame id across its 16-bit wrap. */
START_TEST(timestamps_and_frame_counter)
{
	fix f;
	hil_genicam_meta m;
	struct timespec ts;
	int64_t before, after, last_seq = -1;
	int i;

	NETNS_OR_SKIP();
	fix_up(&f, 256, 256, NULL);
	ck_assert_int_eq(hil_genicam_set_exposure_us(f.g, 20000), AF_OK);
	for (i = 0; i < 150; i++) { /* Aravis's fake camera starts its ids at 65400 */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		before = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		ck_assert_int_eq(grab(&f), AF_OK);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		after = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		hil_genicam_last_meta(f.g, &m);
		ck_assert_int_ge(m.trigger_us, before);
		ck_assert_int_le(m.trigger_us, after);
		ck_assert_int_eq(f.frame.timestamp_us, m.trigger_us + 10000);
		ck_assert_int_ge(m.host_arrival_us, before); /* not an older frame */
		if (last_seq >= 0)
			ck_assert_int_eq((int64_t)f.frame.seq, last_seq + 1);
		last_seq = (int64_t)f.frame.seq;
	}
	ck_assert_uint_lt(m.frame_id, 65400); /* wrapped */
	ck_assert_uint_ge(f.frame.seq, 65400 + 149);
	fix_down(&f);
}
END_TEST

/* A dropped frame: ETIMEDOUT once the timeout has passed, counted; the
 * next grab is fine. */
START_TEST(dropped_frame_times_out)
{
	fix f;
	hil_genicam_opts o = { .timeout_ms = 300 };
	hil_genicam_counters n;
	double t0, dt;
	af_roi roi = { 0, 0, 128, 128 };

	NETNS_OR_SKIP();
	fix_up(&f, 512, 512, &o);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &roi), AF_OK);
	ck_assert_int_eq(hil_gvcam_inject(f.cam, HIL_GVCAM_DROP, 1, 0), 0);
	t0 = fix_now_ms();
	ck_assert_int_eq(grab(&f), AF_ETIMEDOUT);
	dt = fix_now_ms() - t0;
	ck_assert_str_eq(hil_genicam_errmsg(f.g),
			 "no frame from camera '127.0.0.1' within 300 ms of its software trigger");
	ck_assert_double_ge(dt, 290.0);
	ck_assert_double_lt(dt, 1300.0);
	ck_assert_int_eq(grab(&f), AF_OK);
	check_known(&f.frame, &roi, 10000, 8);
	hil_genicam_get_counters(f.g, &n);
	ck_assert_uint_eq(n.timeouts, 1);
	ck_assert_uint_eq(n.frames, 1);
	fix_down(&f);
}
END_TEST

/* A frame later than the timeout: ETIMEDOUT; when it arrives it is not
 * taken for the next grab's frame. */
START_TEST(late_frame_is_not_taken_for_the_next)
{
	fix f;
	/* the delay stays under Aravis's 500 ms GVCP timeout: the next
	 * trigger waits for the stalled camera, 250 ms */
	hil_genicam_opts o = { .timeout_ms = 200 };
	hil_genicam_counters n;
	hil_genicam_meta m1, m2;
	hil_gvcam_stats st;

	NETNS_OR_SKIP();
	fix_up(&f, 256, 256, &o);
	ck_assert_int_eq(grab(&f), AF_OK);
	hil_genicam_last_meta(f.g, &m1);
	ck_assert_int_eq(hil_gvcam_inject(f.cam, HIL_GVCAM_DELAY, 1, 450), 0);
	ck_assert_int_eq(grab(&f), AF_ETIMEDOUT);
	ck_assert_msg(grab(&f) == AF_OK, "%s", hil_genicam_errmsg(f.g));
	hil_genicam_last_meta(f.g, &m2);
	ck_assert_uint_eq(m2.frame_id, m1.frame_id + 2); /* +1 was the late one */
	hil_genicam_get_counters(f.g, &n);
	ck_assert_uint_eq(n.stale, 1);
	ck_assert_uint_eq(n.primed, 1);
	ck_assert_uint_eq(n.timeouts, 1);
	hil_gvcam_get_stats(f.cam, &st);
	ck_assert_uint_eq(st.delayed, 1);
	ck_assert_uint_eq(st.frames, 4); /* the primed one, ours, the late one, ours */
	fix_down(&f);
}
END_TEST

/* Half the packets lost: EIO, counted; the next frame is whole. */
START_TEST(incomplete_frame_is_eio)
{
	fix f;
	hil_genicam_counters n;
	af_roi roi = { 0, 0, 256, 256 };

	NETNS_OR_SKIP();
	fix_up(&f, 512, 512, NULL);
	ck_assert_int_eq(hil_genicam_set_pixel_format(f.g, "Mono16"), AF_OK);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &roi), AF_OK);
	ck_assert_int_eq(hil_gvcam_inject(f.cam, HIL_GVCAM_INCOMPLETE, 1, 500), 0);
	ck_assert_int_eq(grab(&f), AF_EIO);
	ck_assert_msg(strncmp(hil_genicam_errmsg(f.g), "incomplete frame ", 17) == 0, "%s",
		      hil_genicam_errmsg(f.g));
	ck_assert_int_eq(grab(&f), AF_OK);
	check_known(&f.frame, &roi, 10000, 16);
	hil_genicam_get_counters(f.g, &n);
	ck_assert_uint_eq(n.incomplete, 1);
	ck_assert_uint_eq(n.frames, 1);
	fix_down(&f);
}
END_TEST

/* Gone: an error within Aravis's command timeout; back: the next call
 * reconnects and the camera has its exposure, ROI and format again. */
START_TEST(camera_gone_then_back_reconnects)
{
	fix f;
	hil_genicam_opts o = { .reconnect_attempts = 1 };
	hil_genicam_counters n;
	af_roi roi = { 8, 4, 64, 48 };
	char err[256];
	uint64_t seq;
	double t0;

	NETNS_OR_SKIP();
	fix_up(&f, 512, 512, &o);
	ck_assert_int_eq(hil_genicam_set_pixel_format(f.g, "Mono12"), AF_OK);
	ck_assert_int_eq(hil_genicam_set_roi(f.g, &roi), AF_OK);
	ck_assert_int_eq(hil_genicam_set_exposure_us(f.g, 3300), AF_OK);
	ck_assert_int_eq(grab(&f), AF_OK);
	seq = f.frame.seq;
	hil_gvcam_stop(f.cam);
	t0 = fix_now_ms();
	ck_assert_int_eq(grab(&f), AF_EHW);
	ck_assert_double_lt(fix_now_ms() - t0, 5000.0);
	ck_assert_msg(strstr(hil_genicam_errmsg(f.g), "camera '127.0.0.1' stopped answering (") ==
			      hil_genicam_errmsg(f.g), "%s", hil_genicam_errmsg(f.g));
	t0 = fix_now_ms();
	ck_assert_int_eq(grab(&f), AF_EHW);
	ck_assert_double_lt(fix_now_ms() - t0, 5000.0);
	ck_assert_str_eq(hil_genicam_errmsg(f.g),
			 "camera '127.0.0.1' lost, not back after 1 reconnect attempts (no camera "
			 "'127.0.0.1' among the 0 GenICam devices found)");
	ck_assert_int_eq(hil_gvcam_start(f.cam, err, sizeof err), 0);
	ck_assert_msg(grab(&f) == AF_OK, "%s", hil_genicam_errmsg(f.g));
	check_known(&f.frame, &roi, 3300, 12);
	ck_assert_uint_eq(f.frame.seq, seq + 1);
	hil_genicam_get_counters(f.g, &n);
	ck_assert_uint_eq(n.lost, 1);
	ck_assert_uint_eq(n.reconnects, 1);
	ck_assert_uint_eq(n.frames, 2);
	fix_down(&f);
}
END_TEST

/* A camera without TriggerSoftware: refused when a trigger is required,
 * free running with a note otherwise; one without an exposure feature. */
START_TEST(missing_features_are_enotsup)
{
	static const char *const no_trigger[] = { "TriggerSoftware", NULL };
	static const char *const no_exposure[] = { "ExposureTimeAbs", NULL };
	hil_genicam_opts o = { .trigger = HIL_GENICAM_TRIGGER_SOFTWARE };
	hil_gvcam *cam;
	hil_genicam *g;
	hil_genicam_meta m;
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	af_roi full = { 0, 0, 128, 96 };
	uint32_t us;
	char err[512];

	NETNS_OR_SKIP();
	cam = known_camera(128, 96, no_trigger);
	ck_assert_ptr_null(hil_genicam_open("127.0.0.1", &o, err, sizeof err));
	ck_assert_str_eq(err, "camera '127.0.0.1' has no software trigger (TriggerSoftware, "
			      "TriggerSource=Software)");
	g = hil_genicam_open("127.0.0.1", NULL, err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	ck_assert(!hil_genicam_get_info(g)->software_trigger);
	ck_assert_str_eq(hil_genicam_get_info(g)->note,
			 "no software trigger: free running, a frame's exposure may begin before its grab");
	ck_assert_msg(hil_genicam_grab(g, &fr) == AF_OK, "%s", hil_genicam_errmsg(g));
	check_known(&fr, &full, 10000, 8);
	hil_genicam_last_meta(g, &m);
	ck_assert_int_eq(m.trigger_us, -1);
	ck_assert_int_eq(fr.timestamp_us, m.host_arrival_us - 5000);
	hil_genicam_close(g);
	hil_gvcam_free(cam);

	cam = known_camera(128, 96, no_exposure);
	g = hil_genicam_open("127.0.0.1", NULL, err, sizeof err);
	ck_assert_msg(g != NULL, "%s", err);
	ck_assert_int_eq(hil_genicam_set_exposure_us(g, 2000), AF_ENOTSUP);
	ck_assert_str_eq(hil_genicam_errmsg(g), "camera '127.0.0.1' has no exposure time feature");
	ck_assert_int_eq(hil_genicam_get_exposure_us(g, &us), AF_ENOTSUP);
	ck_assert_int_eq(hil_genicam_grab(g, &fr), AF_OK);
	hil_genicam_close(g);
	hil_gvcam_free(cam);
	free(px);
}
END_TEST

/* The server's own refusals: a taken port, an address without interface,
 * a bad serial, format or trigger frequency, bad faults. */
START_TEST(fake_camera_refuses_bad_setups)
{
	hil_gvcam_opts o = { 0 };
	hil_gvcam *a, *b;
	char err[256];

	NETNS_OR_SKIP();
	a = hil_gvcam_new(NULL, err, sizeof err);
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_ptr_null(hil_gvcam_new(NULL, err, sizeof err));
	ck_assert_str_eq(err, "cannot serve a GigE Vision camera on '127.0.0.1': UDP port 3956 is "
			      "taken there");
	o.address = "10.1.2.3";
	ck_assert_ptr_null(hil_gvcam_new(&o, err, sizeof err));
	ck_assert_str_eq(err, "cannot serve a GigE Vision camera on '10.1.2.3': no interface has "
			      "that address or name");
	o.address = NULL;
	o.serial = "has space";
	ck_assert_ptr_null(hil_gvcam_new(&o, err, sizeof err));
	ck_assert_str_eq(err, "camera serial 'has space' must be 1..15 of [A-Za-z0-9_-]");
	o.serial = NULL;
	o.pixel_format = "RGB8";
	ck_assert_ptr_null(hil_gvcam_new(&o, err, sizeof err));
	ck_assert_str_eq(err, "pixel format 'RGB8' is not one the fake camera serves");
	o.pixel_format = NULL;
	o.trigger_hz = -1.0;
	ck_assert_ptr_null(hil_gvcam_new(&o, err, sizeof err));
	ck_assert_str_eq(err, "trigger frequency -1 Hz is outside 0..100000");
	ck_assert_int_eq(hil_gvcam_inject(a, HIL_GVCAM_DROP, 0, 0), -1);
	ck_assert_int_eq(hil_gvcam_inject(a, HIL_GVCAM_INCOMPLETE, 1, 1000), -1);
	ck_assert_int_eq(hil_gvcam_inject(a, HIL_GVCAM_DELAY, 1, 0), -1);
	ck_assert_int_eq(hil_gvcam_inject(a, (hil_gvcam_fault)7, 1, 1), -1);
	hil_gvcam_stop(a);
	ck_assert(!hil_gvcam_running(a));
	b = hil_gvcam_new(NULL, err, sizeof err); /* the port is free again */
	ck_assert_msg(b != NULL, "%s", err);
	ck_assert_int_eq(hil_gvcam_start(a, err, sizeof err), -1);
	hil_gvcam_free(b);
	ck_assert_int_eq(hil_gvcam_start(a, err, sizeof err), 0);
	ck_assert(hil_gvcam_running(a));
	hil_gvcam_free(a);
}
END_TEST

/* --- the driver as the camera of an af_hal ----------------------------- */

/* A rig whose lens, stage and clock are the scripted fake and whose camera
 * is the GenICam driver: the shape the bridge gives `camera: genicam:ID`. */
typedef struct composed {
	fake_hal rest;
	hil_genicam *cam;
	bool cam_failed;
} composed;

static int c_grab(void *ctx, af_frame *fr)
{
	composed *c = ctx;
	int rc = hil_genicam_grab(c->cam, fr);

	c->cam_failed = rc != AF_OK;
	return rc;
}

static int c_set_roi(void *ctx, const af_roi *roi)
{
	composed *c = ctx;
	int rc = hil_genicam_set_roi(c->cam, roi);

	c->cam_failed = rc != AF_OK;
	return rc;
}

static int c_set_exposure(void *ctx, uint32_t us)
{
	composed *c = ctx;
	int rc = hil_genicam_set_exposure_us(c->cam, us);

	c->cam_failed = rc != AF_OK;
	return rc;
}

static const char *c_errmsg(void *ctx)
{
	composed *c = ctx;

	return c->cam_failed ? hil_genicam_errmsg(c->cam) : fake_hal_ops()->errmsg(&c->rest);
}

START_TEST(plugs_into_an_af_hal)
{
	hil_gvcam *cam;
	composed c;
	af_hal_ops ops = *fake_hal_ops();
	af_hal hal;
	af_roi roi = { 32, 16, 96, 64 }, bad = { 500, 0, 96, 64 };
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	char err[512];

	NETNS_OR_SKIP();
	cam = known_camera(512, 512, NULL);
	fake_hal_init(&c.rest, 1);
	c.cam_failed = false;
	c.cam = hil_genicam_open("127.0.0.1", NULL, err, sizeof err);
	ck_assert_msg(c.cam != NULL, "%s", err);
	ops.name = "fake+genicam";
	ops.grab_frame = c_grab;
	ops.set_roi = c_set_roi;
	ops.set_exposure_us = c_set_exposure;
	ops.errmsg = c_errmsg;
	ck_assert_int_eq(af_hal_bind(&hal, &ops, &c, err, sizeof err), AF_OK);
	ck_assert_int_eq(af_hal_set_roi(&hal, &roi), AF_OK);
	ck_assert_int_eq(af_hal_set_exposure_us(&hal, 700), AF_OK);
	ck_assert_int_eq(hal.ops->select_lens(hal.ctx, AF_LENS_B), AF_OK);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	check_known(&fr, &roi, 700, 8);
	ck_assert_int_eq(af_hal_set_roi(&hal, &bad), AF_EINVAL);
	ck_assert_str_eq(af_hal_errmsg(&hal),
			 "roi x=500 width=96 leaves the sensor (width 512) of camera '127.0.0.1'");
	hil_genicam_close(c.cam);
	hil_gvcam_free(cam);
	free(px);
}
END_TEST

Suite *genicam_suite(void)
{
	Suite *s = suite_create("genicam");
	TCase *tc = tcase_create("gvcam");

	/* discovery takes 1 s, a lost camera 2.5 s to notice */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pixels_arrive_exactly_in_every_format);
	tcase_add_test(tc, first_large_frame_is_whole);
	tcase_add_test(tc, exposure_and_roi_round_trip);
	tcase_add_test(tc, roi_out_of_range_is_refused);
	tcase_add_test(tc, roi_off_the_increment_is_refused);
	tcase_add_test(tc, opens_by_device_id_serial_and_address);
	tcase_add_test(tc, timestamps_and_frame_counter);
	tcase_add_test(tc, dropped_frame_times_out);
	tcase_add_test(tc, late_frame_is_not_taken_for_the_next);
	tcase_add_test(tc, incomplete_frame_is_eio);
	tcase_add_test(tc, camera_gone_then_back_reconnects);
	tcase_add_test(tc, missing_features_are_enotsup);
	tcase_add_test(tc, fake_camera_refuses_bad_setups);
	tcase_add_test(tc, plugs_into_an_af_hal);
	suite_add_tcase(s, tc);
	return s;
}
