/*
 * test_genicam_stock.c - the GenICam camera driver against a camera nobody
 * here wrote: Aravis's stock arv-fake-gv-camera-0.8 (aravis-tools), run as
 * a process of its own in the test's private network namespace.  Its test
 * pattern has no focus, so this proves the transport and the feature
 * handling: found by serial through discovery, software trigger, exposure
 * and ROI round trips, Mono8 and Mono16 frames whose every pixel matches
 * the stock pattern (x + y + frame id, scaled by the exposure), a pixel
 * format it lacks, and the frame rate (printed, with a floor).
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/af_hal.h"
#include "hil/genicam.h"
#include "tests/genicam_fix.h"

#define STOCK "arv-fake-gv-camera-0.8"
#define SERIAL "GVSTOCK"

/* Is something bound to UDP 127.0.0.1:3956 (GVCP) in this namespace? */
static bool gvcp_port_bound(void)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[256];
	bool yes = false;

	if (!f)
		return false;
	while (!yes && fgets(line, sizeof line, f))
		yes = strstr(line, " 0100007F:0F74 ") != NULL;
	fclose(f);
	return yes;
}

/*
 * Start the stock camera; its pid, or 0 when it is not installed (the
 * caller skips or fails).  It dies with the test process.
 */
static pid_t stock_start(void)
{
	pid_t pid = fork();
	int i, status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp(STOCK, STOCK, "-i", "127.0.0.1", "-s", SERIAL, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 250 && !gvcp_port_bound(); i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 127,
				      STOCK " ended (status %d) before it served", status);
			return 0;
		}
		usleep(20000);
	}
	ck_assert_msg(gvcp_port_bound(), STOCK " did not bind UDP 127.0.0.1:3956 within 5 s");
	return pid;
}

static void stock_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

/* The stock camera's Mono8 value: ((x + frame id + y) % 255) times
 * 1 + log10(exposure / 10 ms), clamped, truncated (arvfakecamera.c). */
static uint16_t stock_mono8(uint32_t x, uint32_t y, uint64_t fid, uint32_t exposure_us)
{
	double v = (double)((x + fid + y) % 255);

	v *= 1.0 + log10((double)exposure_us / 10000.0);
	return (uint16_t)(unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static void check_stock(const af_frame *f, uint64_t fid, uint32_t exposure_us, uint32_t bits)
{
	uint32_t r, c;

	for (r = 0; r < f->height; r++)
		for (c = 0; c < f->width; c++) {
			uint16_t got = f->pixels[(size_t)r * f->width + c];
			uint16_t want = bits == 8 ? stock_mono8(c, r, fid, exposure_us)
						  : (uint16_t)((256u * c + 256u * fid + 256u * r) % 65535u);

			ck_assert_msg(got == want, "frame %llu pixel (%u,%u) is %u, want %u",
				      (unsigned long long)fid, c, r, got, want);
		}
}

START_TEST(stock_fake_camera_software_trigger)
{
	hil_genicam_opts o = { .trigger = HIL_GENICAM_TRIGGER_SOFTWARE };
	hil_genicam *g;
	hil_genicam_meta m;
	af_roi roi = { 32, 16, 128, 96 }, got;
	uint16_t *px = calloc(512 * 512, sizeof *px);
	af_frame f = { px, 512 * 512, 0, 0, 0, 0, 0 };
	uint64_t last_id = 0;
	int64_t last_ts = 0;
	uint32_t us = 0;
	char err[512];
	double t0, ms, fps;
	pid_t pid;
	int i;

	NETNS_OR_SKIP();
	pid = stock_start();
	if (pid == 0) {
		ck_assert_msg(!netns_required(), STOCK " is not installed (aravis-tools)");
		fprintf(stderr, "SKIP %s: " STOCK " is not installed (aravis-tools)\n", __func__);
		free(px);
		return;
	}
	g = hil_genicam_open(SERIAL, &o, err, sizeof err);
	ck_assert_msg(g != NULL, "open by serial: %s", err);
	ck_assert_str_eq(hil_genicam_get_info(g)->device_id, "Aravis-Fake-" SERIAL);
	ck_assert_str_eq(hil_genicam_get_info(g)->address, "127.0.0.1");
	ck_assert(hil_genicam_get_info(g)->software_trigger);
	ck_assert_str_eq(hil_genicam_pixel_format(g), "Mono8");

	ck_assert_int_eq(hil_genicam_set_exposure_us(g, 10000), AF_OK);
	ck_assert_int_eq(hil_genicam_get_exposure_us(g, &us), AF_OK);
	ck_assert_uint_eq(us, 10000);
	ck_assert_int_eq(hil_genicam_set_roi(g, &roi), AF_OK);
	ck_assert_int_eq(hil_genicam_get_roi(g, &got), AF_OK);
	ck_assert_uint_eq(got.x, 32);
	ck_assert_uint_eq(got.y, 16);
	ck_assert_uint_eq(got.width, 128);
	ck_assert_uint_eq(got.height, 96);

	t0 = fix_now_ms();
	for (i = 0; i < 20; i++) {
		ck_assert_msg(hil_genicam_grab(g, &f) == AF_OK, "frame %d: %s", i, hil_genicam_errmsg(g));
		ck_assert_uint_eq(f.width, 128);
		ck_assert_uint_eq(f.height, 96);
		ck_assert_uint_eq(f.bit_depth, 8);
		hil_genicam_last_meta(g, &m);
		check_stock(&f, m.frame_id, 10000, 8);
		if (i > 0) {
			ck_assert_uint_eq(m.frame_id, last_id + 1);
			ck_assert_int_gt(f.timestamp_us, last_ts);
		}
		last_id = m.frame_id;
		last_ts = f.timestamp_us;
	}
	ms = fix_now_ms() - t0;
	fps = 20.0 * 1000.0 / ms;
	printf("stock " STOCK ": 20 software-triggered 128x96 Mono8 frames in %.0f ms, %.1f frames/s\n",
	       ms, fps);
	ck_assert_double_gt(fps, 5.0); /* it looks for triggers at 25 Hz */

	/* the exposure reaches the pixels: 20 ms scales them by 1 + log10 2 */
	ck_assert_int_eq(hil_genicam_set_exposure_us(g, 20000), AF_OK);
	ck_assert_int_eq(hil_genicam_grab(g, &f), AF_OK);
	hil_genicam_last_meta(g, &m);
	check_stock(&f, m.frame_id, 20000, 8);

	ck_assert_int_eq(hil_genicam_set_pixel_format(g, "Mono16"), AF_OK);
	ck_assert_int_eq(hil_genicam_set_exposure_us(g, 10000), AF_OK);
	ck_assert_int_eq(hil_genicam_grab(g, &f), AF_OK);
	ck_assert_uint_eq(f.bit_depth, 16);
	hil_genicam_last_meta(g, &m);
	check_stock(&f, m.frame_id, 10000, 16);

	ck_assert_int_eq(hil_genicam_set_pixel_format(g, "Mono12"), AF_ENOTSUP);
	ck_assert_str_eq(hil_genicam_errmsg(g),
			 "camera '" SERIAL "' does not offer pixel format 'Mono12' (it offers "
			 "BayerBG8, BayerGB8, BayerGR8, BayerRG8, Mono8, RGB8, Mono16)");
	ck_assert_int_eq(hil_genicam_grab(g, &f), AF_OK); /* still Mono16 */
	ck_assert_uint_eq(f.bit_depth, 16);
	hil_genicam_close(g);
	stock_stop(pid);
	free(px);
}
END_TEST

Suite *genicam_stock_suite(void)
{
	Suite *s = suite_create("genicam_stock");
	TCase *tc = tcase_create("stock");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, stock_fake_camera_software_trigger);
	suite_add_tcase(s, tc);
	return s;
}
