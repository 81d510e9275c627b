/*
 * bench_rig_frames.c - the emulated camera's frames by both ways a rig
 * delivers them, side by side: over the rig protocol (GRAB: a header line
 * and 16-bit pixels on the TCP connection, CRC-32 checked) and through
 * Aravis as a GigE Vision device (rig serve --genicam: the fake camera's
 * GVCP trigger and GVSP packets on loopback, Mono16), both rendered by the
 * same camera model in the emulator, with the simulated HAL in process as
 * the floor.  Per path and ROI (128 x 128, 512 x 512): frames/s back to
 * back and the per-frame latency (the grab call) median, p90, max.
 *
 * The emulator runs without pacing in a child process, as `afsim rig
 * serve --no-pacing --genicam` would (each frame is the model's render; no
 * wait for the exposure), in a private network namespace (tests/netns.h;
 * SKIP where none can be made).  The GenICam camera polls its software
 * trigger at 200 Hz (hil/gvcam.h): a back-to-back grab waits for its next
 * 5 ms tick.  Asserts nothing.  Quick mode (bench_quick.h): fewer frames.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_quick.h"
#include "engine/af_hal.h"
#include "hil/bridge.h"
#include "hil/emul.h"
#include "models/rig.h"
#include "sim/sim_hal.h"
#include "tests/netns.h"

typedef struct stats {
	double fps, p50, p90, max;
} stats;

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* n grabs of side x side (centred) on hal, after two warm-up frames. */
static int grabs(const af_hal *hal, uint32_t side, int n, stats *st)
{
	af_roi roi = { (2048 - side) / 2, (2048 - side) / 2, side, side };
	af_frame fr;
	double *lat = malloc((size_t)n * sizeof *lat);
	int64_t t0;
	int rc = -1;

	memset(&fr, 0, sizeof fr);
	fr.capacity_px = (size_t)side * side;
	fr.pixels = malloc(fr.capacity_px * sizeof *fr.pixels);
	if (!lat || !fr.pixels)
		goto out;
	if (af_hal_set_roi(hal, &roi) != AF_OK || hal->ops->grab_frame(hal->ctx, &fr) != AF_OK ||
	    hal->ops->grab_frame(hal->ctx, &fr) != AF_OK)
		goto fail;
	t0 = hil_now_ns();
	for (int i = 0; i < n; i++) {
		int64_t s = hil_now_ns();

		if (hal->ops->grab_frame(hal->ctx, &fr) != AF_OK)
			goto fail;
		lat[i] = (double)(hil_now_ns() - s) / 1e6;
	}
	st->fps = n / ((double)(hil_now_ns() - t0) / 1e9);
	qsort(lat, (size_t)n, sizeof *lat, cmp_d);
	st->p50 = lat[n / 2];
	st->p90 = lat[n * 9 / 10];
	st->max = lat[n - 1];
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "bench_rig_frames: %s\n", af_hal_errmsg(hal));
out:
	free(lat);
	free(fr.pixels);
	return rc;
}

static void row(const char *path, const stats st[2])
{
	printf("%-34s %8.1f %7.2f %7.2f %7.2f   %8.1f %7.2f %7.2f %7.2f\n", path, st[0].fps, st[0].p50,
	       st[0].p90, st[0].max, st[1].fps, st[1].p50, st[1].p90, st[1].max);
}

int main(void)
{
	static const uint32_t sides[2] = { 128, 512 };
	int n = bench_size(300, 20);
	hil_emul_config c;
	hil_emul *e = NULL;
	hil_bridge_config bc;
	hil_bridge *b;
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal hal;
	stats st[2];
	char err[HIL_BRIDGE_ERR_MAX], why[256];
	int stop[2] = { -1, -1 }, rc = 1;
	pid_t pid = -1;

	if (netns_enter(why, sizeof why) != 0) {
		printf("SKIP bench_rig_frames: no private network namespace: %s\n", why);
		return netns_required() ? 1 : 0;
	}
	printf("frames of the emulated camera (its model renders each; emulator without pacing),\n"
	       "%d back to back per ROI, 16-bit; latency of the grab call in ms\n", n);
	printf("%-34s %8s %7s %7s %7s   %8s %7s %7s %7s\n", "path", "128 fps", "p50", "p90", "max",
	       "512 fps", "p50", "p90", "max");

	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	sh = sim_hal_new(&rig, &room, 1, NULL, NULL);
	if (!sh)
		return 1;
	sim_hal_bind(sh, &hal);
	if (grabs(&hal, sides[0], n, &st[0]) == 0 && grabs(&hal, sides[1], n, &st[1]) == 0)
		row("simulated HAL, in process", st);
	sim_hal_free(sh);

	/* the emulator in a child: it starts its camera there (Aravis's
	 * threads are made after the fork) */
	hil_emul_config_default(&c);
	c.pacing = false;
	if (!(e = hil_emul_new(&c, err, sizeof err)) ||
	    hil_emul_listen_tcp(e, "127.0.0.1", 0, err, sizeof err) != 0 || pipe(stop) != 0) {
		fprintf(stderr, "bench_rig_frames: emulator: %s\n", err);
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		int r = hil_emul_start_genicam(e, NULL, err, sizeof err) == 0 &&
			hil_emul_serve(e, stop[0], err, sizeof err) == 0;

		if (!r)
			fprintf(stderr, "bench_rig_frames: emulator: %s\n", err);
		hil_emul_free(e);
		_exit(r ? 0 : 1);
	}
	if (pid < 0)
		goto out;
	for (int gv = 0; gv <= 1; gv++) {
		hil_bridge_config_default(&bc);
		bc.name = "bench";
		if (hil_transport_parse(hil_emul_spec(e), &bc.transport, err, sizeof err) != 0)
			goto out;
		if (gv) {
			bc.frames = false;
			bc.camera_id = "127.0.0.1";
		}
		/* the camera may still be starting in the child: a few tries */
		b = NULL;
		for (int t = 0; t < 20 && !b; t++)
			if (!(b = hil_bridge_open(&bc, err, sizeof err)))
				usleep(100000);
		if (!b) {
			fprintf(stderr, "bench_rig_frames: %s\n", err);
			goto out;
		}
		hil_bridge_bind(b, &hal);
		if (grabs(&hal, sides[0], n, &st[0]) == 0 && grabs(&hal, sides[1], n, &st[1]) == 0)
			row(gv ? "GenICam through Aravis (GVSP)" : "rig protocol over TCP (GRAB)", st);
		hil_bridge_free(b);
	}
	rc = 0;
out:
	if (pid > 0) {
		(void)!write(stop[1], "x", 1);
		waitpid(pid, NULL, 0);
	}
	if (stop[0] >= 0) {
		close(stop[0]);
		close(stop[1]);
	}
	hil_emul_free(e);
	return rc;
}
