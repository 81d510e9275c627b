/*
 * bench.c - how fast the camera model renders frames.
 *
 * For each case (lens, specimen, ROI) it times: making the view (nothing
 * is sampled or built yet), its first frame and the first sweep of a
 * search-like set of defocus values (cold: the specimen is sampled as far
 * around the ROI as the levels it touches read, and those levels are built
 * then), and warm sweeps over the same values (frames per second) once
 * every level they touch is built.
 * The floor is the cost of the cheapest possible frame of the same size:
 * one sim_rng_next() per pixel stored as uint16; "x floor" is warm time per
 * frame over it, the number the camera model is tuned against (target <= 2
 * at 128 x 128 and 512 x 512).  Times are CPU time of this process (the
 * machine is shared: time spent descheduled would count otherwise); the
 * floor is measured the same way in the same run.  Timing lives here only:
 * models never read a clock.  Prints a table; asserts nothing.  Quick mode
 * (bench_quick.h): the first two cases, one short block each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench_quick.h"
#include "models/camera.h"
#include "models/optics.h"
#include "models/specimen.h"
#include "kernel/rng.h"

#define SWEEP_POINTS 21
/* Warm sweeps shift the defocus by SHIFT_UM times 0 .. SHIFTS - 1, frame
 * after frame, so that no two frames in a row are alike. */
#define SHIFTS 7
#define SHIFT_UM 0.01
/* Best of BLOCKS blocks of at least BLOCK_S each (quick: one short block). */
#define BLOCKS bench_size(5, 1)
#define BLOCK_S (bench_size(60, 5) * 1e-3)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds per frame of the floor: one draw per pixel, stored.  Best of
 * BLOCKS blocks, as for the model, so that both see a quiet machine. */
static double floor_s_per_frame(uint16_t *buf, size_t npix, uint64_t *sink)
{
	sim_rng rng;
	double best = 1e300;

	sim_rng_seed(&rng, 42);
	for (int blk = 0; blk < BLOCKS; blk++) {
		long frames = 0;
		double t0 = now_s(), t;

		do {
			for (int rep = 0; rep < 16; rep++) {
				for (size_t i = 0; i < npix; i++)
					buf[i] = (uint16_t)(sim_rng_next(&rng) >> 48);
				*sink += buf[npix / 2];
				frames++;
			}
			t = now_s() - t0;
		} while (t < BLOCK_S);
		if (t / (double)frames < best)
			best = t / (double)frames;
	}
	return best;
}

typedef struct bench_case {
	const char *name;
	int lens;
	mdl_specimen_kind kind;
	double tilt_um_per_mm;
	uint32_t roi;
	double half_range_um;   /* sweep from -half to +half */
} bench_case;

static int run_case(const bench_case *bc, uint64_t *sink)
{
	mdl_lens_config lens;
	mdl_specimen_config spec;
	mdl_camera_config cam;
	mdl_view *v;
	uint16_t *frame;
	sim_rng rng;
	double dz[SWEEP_POINTS], t0, t_view, t_first = 0.0, t_cold, t_warm, floor_s;
	size_t npix = (size_t)bc->roi * bc->roi;

	mdl_lens_config_default(&lens, bc->lens);
	mdl_specimen_config_default(&spec);
	spec.kind = bc->kind;
	spec.tilt_x_um_per_mm = bc->tilt_um_per_mm;
	mdl_camera_config_default(&cam);
	frame = malloc(npix * sizeof *frame);
	if (!frame)
		return -1;
	/* A search: coarse points over the range, in an order that jumps. */
	for (int i = 0; i < SWEEP_POINTS; i++) {
		int j = (i * 8) % SWEEP_POINTS;

		dz[i] = bc->half_range_um * (2.0 * (double)j / (SWEEP_POINTS - 1) - 1.0);
	}
	sim_rng_stream(&rng, 7, SIM_STREAM_CAMERA);

	t0 = now_s();
	v = mdl_view_new(&lens, &spec, &cam, (cam.sensor_width - bc->roi) / 2,
			 (cam.sensor_height - bc->roi) / 2, bc->roi, bc->roi, 100.0, -50.0);
	t_view = now_s() - t0;
	if (!v) {
		free(frame);
		return -1;
	}
	t0 = now_s();
	for (int i = 0; i < SWEEP_POINTS; i++) {
		mdl_exposure x = { dz[i], 0.005, 1.0, 0.0 };

		if (mdl_camera_render(v, &x, &rng, frame))
			goto fail;
		*sink += frame[npix / 3];
		if (i == 0)
			t_first = now_s() - t0;
	}
	t_cold = now_s() - t0;
	/* Warm means every level the timed sweeps touch is built: one untimed
	 * pass over all of their defocus values (the timed blocks shift the
	 * sweep by up to (SHIFTS - 1) SHIFT_UM, which can reach a level the cold sweep did
	 * not; a block as short as quick mode's would otherwise time builds). */
	for (int s = 0; s < SHIFTS; s++)
		for (int i = 0; i < SWEEP_POINTS; i++) {
			mdl_exposure x = { dz[i] + SHIFT_UM * (double)s, 0.005, 1.0, 0.0 };

			if (mdl_camera_render(v, &x, &rng, frame))
				goto fail;
			*sink += frame[npix / 3];
		}
	t_warm = 1e300;
	for (int blk = 0; blk < BLOCKS; blk++) {
		long n = 0;
		double t;

		t0 = now_s();
		do {
			for (int i = 0; i < SWEEP_POINTS; i++) {
				mdl_exposure x = { dz[i] + SHIFT_UM * (double)(n % SHIFTS), 0.005,
						   1.0, 0.0 };

				if (mdl_camera_render(v, &x, &rng, frame))
					goto fail;
				*sink += frame[npix / 3];
				n++;
			}
			t = now_s() - t0;
		} while (t < BLOCK_S);
		if (t / (double)n < t_warm)
			t_warm = t / (double)n;
	}
	floor_s = floor_s_per_frame(frame, npix, sink);
	printf("%-22s %4ux%-4u %8.2f %8.2f %8.2f %9.0f %8.1f %8.1f %6.2f %7.1f\n", bc->name,
	       bc->roi, bc->roi, t_view * 1e3, t_first * 1e3, t_cold * 1e3, 1.0 / t_warm,
	       t_warm * 1e6, floor_s * 1e6, t_warm / floor_s,
	       (double)mdl_view_bytes(v) / 1048576.0);
	mdl_view_free(v);
	free(frame);
	return 0;
fail:
	mdl_view_free(v);
	free(frame);
	return -1;
}

int main(void)
{
	static const bench_case cases[] = {
		{ "B cells +-3um", 1, MDL_SPECIMEN_CELLS, 0.0, 128, 3.0 },
		{ "B cells +-3um", 1, MDL_SPECIMEN_CELLS, 0.0, 512, 3.0 },
		{ "A cells +-40um", 0, MDL_SPECIMEN_CELLS, 0.0, 128, 40.0 },
		{ "A cells +-40um", 0, MDL_SPECIMEN_CELLS, 0.0, 512, 40.0 },
		{ "B two-layer +-3um", 1, MDL_SPECIMEN_TWO_LAYER, 0.0, 128, 3.0 },
		{ "B cells tilt 20um/mm", 1, MDL_SPECIMEN_CELLS, 20.0, 128, 3.0 },
		{ "B cells tilt 20um/mm", 1, MDL_SPECIMEN_CELLS, 20.0, 512, 3.0 },
	};
	size_t ncases = (size_t)bench_size((int)(sizeof cases / sizeof cases[0]), 2);
	uint64_t sink = 0;
	int failed = 0;

	printf("camera model: %d-point defocus sweeps, 5 ms exposure, default camera\n",
	       SWEEP_POINTS);
	printf("%-22s %9s %8s %8s %8s %9s %8s %8s %6s %7s\n", "case", "roi", "view ms",
	       "1st ms", "cold ms", "frames/s", "us/frame", "floor us", "xfloor", "MiB");
	for (size_t i = 0; i < ncases; i++) {
		if (run_case(&cases[i], &sink)) {
			printf("%-22s failed\n", cases[i].name);
			failed = 1;
		}
	}
	printf("(view: making the view, nothing sampled yet; 1st: first frame, its sampling\n"
	       " and levels; cold: first sweep incl. sampling and level builds; frames/s,\n"
	       " us/frame: warm sweeps, best block; floor: one rng draw\n"
	       " per pixel;"
	       " xfloor: warm frame time / floor; MiB: view memory after the run)  [%llu]\n",
	       (unsigned long long)(sink & 0xff));
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
