/*
 * frames.c - afsim's side of the numpy peer benchmark (bench/peer/peer.py
 * drives it): the camera model and the engine's Brenner measure behind a
 * line protocol on stdin/stdout, so that the peer and afsim are timed
 * alternately in one run, on the same specimen.
 *
 * The case is the bench's first: lens B, the default cell specimen, a
 * centred square ROI of SIZE pixels, 5 ms exposures, a 21-point sweep of
 * +-3 um.  Commands, one per line, answers one line each:
 *   export SIZE PATH      the view's sharp image (float32, row-major, ROI
 *                         plus margin) to PATH; answers the frame model's
 *                         parameters as JSON (sizes, electrons per unit
 *                         emission, dark, read noise, full well, gain,
 *                         offset, top code, the sweep's defocus and blur
 *                         sigma in pixels)
 *   time SIZE SECONDS B   warm frames of the sweep for SECONDS of CPU time,
 *                         with the Brenner score of each when B is 1;
 *                         answers frames per second
 *   stats SIZE DZ K       K frames at defocus DZ um: answers their mean
 *                         pixel value and mean Brenner score
 *   quit
 * Views are built on first use and kept (a warm camera, as in a run).
 * Timing is CPU time of this process.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/af_measure.h"
#include "models/camera.h"
#include "models/camera_impl.h"
#include "models/optics.h"
#include "models/specimen.h"
#include "kernel/rng.h"

#define SWEEP_POINTS 21
#define HALF_RANGE_UM 3.0
#define MAX_SIZES 4

typedef struct size_case {
	uint32_t side;
	mdl_view *v;
	uint16_t *px;
} size_case;

typedef struct peer_state {
	mdl_lens_config lens;
	mdl_specimen_config spec;
	mdl_camera_config cam;
	size_case sizes[MAX_SIZES];
	int nsizes;
	sim_rng rng;
	double dz[SWEEP_POINTS];
} peer_state;

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_case *case_of(peer_state *st, uint32_t side)
{
	size_case *c;

	for (int i = 0; i < st->nsizes; i++)
		if (st->sizes[i].side == side)
			return &st->sizes[i];
	if (st->nsizes == MAX_SIZES || side < 8 || side > 2048)
		return NULL;
	c = &st->sizes[st->nsizes];
	c->side = side;
	c->v = mdl_view_new(&st->lens, &st->spec, &st->cam, (st->cam.sensor_width - side) / 2,
			    (st->cam.sensor_height - side) / 2, side, side, 100.0, -50.0);
	c->px = malloc((size_t)side * side * sizeof *c->px);
	if (!c->v || !c->px) {
		mdl_view_free(c->v);
		free(c->px);
		return NULL;
	}
	st->nsizes++;
	return c;
}

static af_frame frame_of(const size_case *c)
{
	af_frame f;

	memset(&f, 0, sizeof f);
	f.pixels = c->px;
	f.capacity_px = (size_t)c->side * c->side;
	f.width = c->side;
	f.height = c->side;
	f.bit_depth = 16;
	return f;
}

static int render(peer_state *st, size_case *c, double dz)
{
	mdl_exposure x = { dz, (double)st->cam.exposure_us * 1e-6, 1.0, 0.0 };

	return mdl_camera_render(c->v, &x, &st->rng, c->px);
}

static int cmd_export(peer_state *st, uint32_t side, const char *path)
{
	size_case *c = case_of(st, side);
	const mdl_defocus_stack *s;
	uint32_t pw;
	size_t ph;
	FILE *f;
	double pix;

	if (!c || mdl_view_sample_all(c->v) != 0)   /* views sample lazily */
		return -1;
	s = c->v->stack[0];
	pw = mdl_defocus_padded_width(s);
	ph = (size_t)side + (pw - side);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (fwrite(mdl_defocus_base((mdl_defocus_stack *)s), sizeof(float), (size_t)pw * ph, f) !=
	    (size_t)pw * ph) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	pix = mdl_view_pixel_um(c->v);
	printf("{\"padded\": %u, \"side\": %u, \"margin\": %u, \"ke_per_emission\": %.17g, "
	       "\"dark_e\": %.17g, \"read_noise_e\": %.17g, \"full_well_e\": %.17g, "
	       "\"gain_e_per_adu\": %.17g, \"offset_adu\": %.17g, \"max_adu\": %u, "
	       "\"defocus_um\": [", pw, side, (pw - side) / 2,
	       st->cam.qe * st->cam.photon_flux_per_s * (double)st->cam.exposure_us * 1e-6,
	       st->cam.dark_e_per_s * (double)st->cam.exposure_us * 1e-6, st->cam.read_noise_e,
	       st->cam.full_well_e, mdl_camera_gain_e_per_adu(&st->cam), st->cam.offset_adu,
	       mdl_camera_max_adu(&st->cam));
	for (int i = 0; i < SWEEP_POINTS; i++)
		printf("%s%.17g", i ? ", " : "", st->dz[i]);
	printf("], \"sigma_px\": [");
	for (int i = 0; i < SWEEP_POINTS; i++)
		printf("%s%.17g", i ? ", " : "",
		       mdl_lens_blur_sigma_um(&st->lens, st->dz[i]) / pix);
	printf("]}\n");
	return 0;
}

static int cmd_time(peer_state *st, uint32_t side, double seconds, int brenner)
{
	size_case *c = case_of(st, side);
	af_frame f;
	double t0, t, sink = 0.0;
	long n = 0;

	if (!c)
		return -1;
	f = frame_of(c);
	for (int i = 0; i < SWEEP_POINTS; i++)  /* warm: every level of the sweep built */
		if (render(st, c, st->dz[i]))
			return -1;
	t0 = cpu_s();
	do {
		for (int i = 0; i < SWEEP_POINTS; i++) {
			double score = 0.0;

			if (render(st, c, st->dz[i]))
				return -1;
			if (brenner && af_measure(AF_MEASURE_BRENNER, &f, 1, &score) != AF_OK)
				return -1;
			sink += score + c->px[(size_t)n % f.capacity_px];
			n++;
		}
		t = cpu_s() - t0;
	} while (t < seconds);
	printf("%.6g %d\n", (double)n / t, (int)sink & 1);
	return 0;
}

static int cmd_stats(peer_state *st, uint32_t side, double dz, int k)
{
	size_case *c = case_of(st, side);
	double mean = 0.0, brenner = 0.0;
	af_frame f;

	if (!c || k < 1)
		return -1;
	f = frame_of(c);
	for (int i = 0; i < k; i++) {
		double m, b;

		if (render(st, c, dz) || af_frame_stats(&f, 1, &m, NULL) != AF_OK ||
		    af_measure(AF_MEASURE_BRENNER, &f, 1, &b) != AF_OK)
			return -1;
		mean += m / k;
		brenner += b / k;
	}
	printf("%.17g %.17g\n", mean, brenner);
	return 0;
}

int main(void)
{
	static peer_state st;
	char line[1024];

	mdl_lens_config_default(&st.lens, MDL_LENS_B);
	mdl_specimen_config_default(&st.spec);
	mdl_camera_config_default(&st.cam);
	sim_rng_stream(&st.rng, 7, SIM_STREAM_CAMERA);
	/* the bench's sweep: coarse points over the range, in an order that jumps */
	for (int i = 0; i < SWEEP_POINTS; i++) {
		int j = (i * 8) % SWEEP_POINTS;

		st.dz[i] = HALF_RANGE_UM * (2.0 * (double)j / (SWEEP_POINTS - 1) - 1.0);
	}
	while (fgets(line, sizeof line, stdin)) {
		char path[900];
		unsigned side;
		double a;
		int b, rc = -1;

		if (strncmp(line, "quit", 4) == 0)
			break;
		if (sscanf(line, "export %u %899s", &side, path) == 2)
			rc = cmd_export(&st, side, path);
		else if (sscanf(line, "time %u %lf %d", &side, &a, &b) == 3)
			rc = cmd_time(&st, side, a, b);
		else if (sscanf(line, "stats %u %lf %d", &side, &a, &b) == 3)
			rc = cmd_stats(&st, side, a, b);
		if (rc != 0)
			printf("error: cannot do '%.*s'\n", (int)strcspn(line, "\n"), line);
		fflush(stdout);
	}
	for (int i = 0; i < st.nsizes; i++) {
		mdl_view_free(st.sizes[i].v);
		free(st.sizes[i].px);
	}
	return 0;
}
