/*
 * bench_measure.c - how fast the engine's focus measures score a frame.
 *
 * Frames are the camera model's (lens B, the default cell specimen, in
 * focus and 2 um out), 128 x 128 and 512 x 512; every measure at stride 1
 * and 2, best of several blocks of CPU time (the machine is shared), in
 * microseconds per frame and samples (scored pixels) per nanosecond.
 * Prints a table; asserts nothing.  Quick mode (bench_quick.h): 128 x 128
 * only, one short block.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_quick.h"
#include "engine/af_measure.h"
#include "models/camera.h"
#include "models/optics.h"
#include "models/specimen.h"
#include "kernel/rng.h"

#define BLOCKS bench_size(7, 1)
#define BLOCK_S (bench_size(30, 2) * 1e-3)

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds per call of af_measure(k, f, stride), best block. */
static double time_measure(af_measure_kind k, const af_frame *f, uint32_t stride, double *sink)
{
	double best = 1e300;

	for (int b = 0; b < BLOCKS; b++) {
		long n = 0;
		double t0 = cpu_s(), t;

		do {
			for (int r = 0; r < 32; r++) {
				double s = 0.0;

				if (af_measure(k, f, stride, &s) != AF_OK)
					return -1.0;
				*sink += s;
				n++;
			}
			t = cpu_s() - t0;
		} while (t < BLOCK_S);
		if (t / (double)n < best)
			best = t / (double)n;
	}
	return best;
}

static int run_size(uint32_t side, double *sink)
{
	mdl_lens_config lens;
	mdl_specimen_config spec;
	mdl_camera_config cam;
	mdl_view *v;
	sim_rng rng;
	size_t n = (size_t)side * side;
	uint16_t *px = malloc(n * sizeof *px);
	af_frame f;

	mdl_lens_config_default(&lens, 1);
	mdl_specimen_config_default(&spec);
	mdl_camera_config_default(&cam);
	v = mdl_view_new(&lens, &spec, &cam, (cam.sensor_width - side) / 2,
			 (cam.sensor_height - side) / 2, side, side, 100.0, -50.0);
	if (!px || !v) {
		free(px);
		mdl_view_free(v);
		return -1;
	}
	sim_rng_stream(&rng, 7, SIM_STREAM_CAMERA);
	memset(&f, 0, sizeof f);
	f.pixels = px;
	f.capacity_px = n;
	f.width = side;
	f.height = side;
	f.bit_depth = 16;
	for (int focus = 0; focus < 2; focus++) {
		mdl_exposure x = { focus ? 0.0 : 2.0, 0.005, 1.0, 0.0 };

		if (mdl_camera_render(v, &x, &rng, px))
			break;
		for (int k = 0; k < AF_MEASURE_COUNT; k++)
			for (uint32_t s = 1; s <= 2; s++) {
				double t = time_measure((af_measure_kind)k, &f, s, sink);
				double samples = (double)(((side - 1) / s + 1) * ((side - 1) / s + 1));

				printf("%-10s %4ux%-4u %-9s %6u %10.2f %10.2f\n", af_measure_name(k),
				       side, side, focus ? "in focus" : "2 um out", s, t * 1e6,
				       samples / (t * 1e9));
			}
	}
	mdl_view_free(v);
	free(px);
	return 0;
}

int main(void)
{
	double sink = 0.0;
	int failed = 0;

	printf("focus measures on camera frames (lens B, cells), CPU time, best of %d blocks\n",
	       BLOCKS);
	printf("%-10s %9s %-9s %6s %10s %10s\n", "measure", "frame", "defocus", "stride",
	       "us/frame", "samples/ns");
	failed |= run_size(128, &sink) != 0;
	if (bench_size(1, 0))
		failed |= run_size(512, &sink) != 0;
	printf("[%d]\n", (int)sink & 0xff);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
