/*
 * bench_genicam.c - frames through Aravis on loopback: the GenICam driver
 * (hil/genicam.h) grabbing from the fake GigE Vision camera server
 * (hil/gvcam.h), software-triggered, in a private network namespace
 * (tests/netns.h; it prints SKIP where none can be made).  Per ROI and
 * pixel format: frames/s and the grab round trip (trigger sent to pixels
 * unpacked) median, 90th percentile and max, and the process CPU (client
 * and camera thread together) per wall second.  The camera renders a
 * constant, so the figures are the transport's.  Asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/af_hal.h"
#include "hil/genicam.h"
#include "hil/gvcam.h"
#include "tests/netns.h"

#define WARMUP 10

typedef struct row {
	const char *label;
	uint32_t w, h;
	const char *format;
	double trigger_hz;
	uint32_t packet_size; /* 0: the camera's 1400 bytes */
	bool packet_socket;
	int frames;
} row;

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void flat(void *user, uint16_t *px, uint32_t w, uint32_t h, uint32_t bit_depth,
		 uint32_t exposure_us, const hil_gvcam_shot *shot)
{
	size_t i, n = (size_t)w * h;

	(void)user;
	(void)exposure_us;
	(void)shot;
	for (i = 0; i < n; i++)
		px[i] = (uint16_t)((1u << (bit_depth - 1)) & 0xffff);
}

static int run(const row *r, uint16_t *px)
{
	hil_gvcam_opts co = { 0 };
	hil_genicam_opts go = { 0 };
	hil_gvcam *cam;
	hil_genicam *g;
	af_roi roi = { 0, 0, r->w, r->h };
	af_frame f = { px, 1024 * 1024, 0, 0, 0, 0, 0 };
	double *lat = malloc((size_t)r->frames * sizeof *lat);
	double t0, wall, cpu0, cpu;
	char err[512];
	int i, rc = 0;

	co.render = flat;
	co.trigger_hz = r->trigger_hz;
	co.pixel_format = r->format;
	go.pixel_format = r->format;
	go.packet_size = r->packet_size;
	go.packet_socket = r->packet_socket;
	cam = hil_gvcam_new(&co, err, sizeof err);
	g = cam ? hil_genicam_open("127.0.0.1", &go, err, sizeof err) : NULL;
	if (!lat || !g) {
		fprintf(stderr, "bench_genicam: %s\n", lat ? err : "out of memory");
		rc = -1;
		goto done;
	}
	if (hil_genicam_set_roi(g, &roi) != AF_OK || hil_genicam_set_exposure_us(g, 100) != AF_OK)
		goto fail;
	for (i = 0; i < WARMUP; i++)
		if (hil_genicam_grab(g, &f) != AF_OK)
			goto fail;
	t0 = clock_s(CLOCK_MONOTONIC);
	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < r->frames; i++) {
		double s = clock_s(CLOCK_MONOTONIC);

		if (hil_genicam_grab(g, &f) != AF_OK)
			goto fail;
		lat[i] = (clock_s(CLOCK_MONOTONIC) - s) * 1e3;
	}
	wall = clock_s(CLOCK_MONOTONIC) - t0;
	cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	qsort(lat, (size_t)r->frames, sizeof *lat, cmp_double);
	printf("  %-34s %5d frames %7.1f frames/s  latency median %6.2f ms  p90 %6.2f  max %6.2f"
	       "  cpu %3.0f%%\n",
	       r->label, r->frames, r->frames / wall, lat[r->frames / 2],
	       lat[r->frames * 9 / 10], lat[r->frames - 1], 100.0 * cpu / wall);
	goto done;
fail:
	fprintf(stderr, "bench_genicam: %s: %s\n", r->label, hil_genicam_errmsg(g));
	rc = -1;
done:
	hil_genicam_close(g);
	hil_gvcam_free(cam);
	free(lat);
	return rc;
}

int main(void)
{
	static const row rows[] = {
		{ "128x128 Mono8", 128, 128, "Mono8", 200.0, 0, false, 300 },
		{ "128x128 Mono16", 128, 128, "Mono16", 200.0, 0, false, 300 },
		{ "512x512 Mono8", 512, 512, "Mono8", 200.0, 0, false, 300 },
		{ "512x512 Mono16", 512, 512, "Mono16", 200.0, 0, false, 200 },
		{ "512x512 Mono8, 8000-byte packets", 512, 512, "Mono8", 200.0, 8000, false, 300 },
		{ "128x128 Mono8, trigger polled 1 kHz", 128, 128, "Mono8", 1000.0, 0, false, 500 },
		{ "512x512 Mono8, trigger polled 1 kHz", 512, 512, "Mono8", 1000.0, 0, false, 300 },
		{ "128x128 Mono8, packet socket", 128, 128, "Mono8", 200.0, 0, true, 300 },
		{ "128x128 Mono8, trigger polled 25 Hz", 128, 128, "Mono8", 25.0, 0, false, 50 },
	};
	uint16_t *px = malloc(1024 * 1024 * sizeof *px);
	char why[256];
	size_t i;
	int rc = 0;

	if (!px)
		return 1;
	if (netns_enter(why, sizeof why) != 0) {
		printf("SKIP bench_genicam: no private network namespace: %s\n", why);
		free(px);
		return netns_required() ? 1 : 0;
	}
	printf("GenICam frames through Aravis on loopback: software trigger, grab round trip\n"
	       "(fake GigE Vision camera polling its trigger at 200 Hz unless said, 1400-byte\n"
	       " packets, plain UDP socket; 25 Hz is Aravis's default, as the stock fake camera)\n");
	for (i = 0; i < sizeof rows / sizeof rows[0] && rc == 0; i++)
		rc = run(&rows[i], px);
	free(px);
	return rc == 0 ? 0 : 1;
}
