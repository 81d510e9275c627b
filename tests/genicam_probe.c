/*
 * genicam_probe.c - a test helper: open a GenICam camera with the driver
 * (hil/genicam.h), set what the options say, grab frames and print what
 * came, so scripts (tests/cli_genicam.sh) drive the driver against cameras
 * running as other processes.  Not installed; `afsim` composes the driver
 * with the rig bridge.
 *
 *   genicam_probe ID [--frames N] [--format NAME] [--exposure US]
 *                    [--roi X,Y,W,H] [--timeout MS] [--free-run]
 *
 * Prints "camera ...", one "frame ..." line per frame and a "grabbed ..."
 * line; exit 0, 2 bad usage, 3 the camera failed (message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/af_hal.h"
#include "hil/genicam.h"

static int usage(const char *why)
{
	fprintf(stderr, "genicam_probe: %s\n"
			"usage: genicam_probe ID [--frames N] [--format NAME] [--exposure US]\n"
			"                        [--roi X,Y,W,H] [--timeout MS] [--free-run]\n",
		why);
	return 2;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	if (!s || !*s)
		return -1;
	x = strtoul(s, &end, 10);
	if (*end || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	hil_genicam_opts o = { 0 };
	hil_genicam *g;
	const hil_genicam_info *in;
	uint32_t frames = 1, exposure = 0, i;
	bool have_roi = false;
	af_roi roi = { 0, 0, 0, 0 };
	af_frame f = { 0 };
	char err[512];
	double t0, ms;
	int a, rc = 0;

	if (argc < 2 || argv[1][0] == '-')
		return usage("no camera id");
	for (a = 2; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (strcmp(argv[a], "--free-run") == 0) {
			o.trigger = HIL_GENICAM_TRIGGER_FREE_RUN;
			continue;
		}
		if (!v)
			return usage("option without a value");
		if (strcmp(argv[a], "--frames") == 0 && parse_u32(v, &frames) == 0 && frames > 0)
			a++;
		else if (strcmp(argv[a], "--exposure") == 0 && parse_u32(v, &exposure) == 0)
			a++;
		else if (strcmp(argv[a], "--timeout") == 0 && parse_u32(v, &o.timeout_ms) == 0)
			a++;
		else if (strcmp(argv[a], "--format") == 0)
			o.pixel_format = argv[++a];
		else if (strcmp(argv[a], "--roi") == 0 &&
			 sscanf(v, "%u,%u,%u,%u", &roi.x, &roi.y, &roi.width, &roi.height) == 4) {
			have_roi = true;
			a++;
		} else {
			return usage("bad option or value");
		}
	}
	g = hil_genicam_open(argv[1], &o, err, sizeof err);
	if (!g) {
		fprintf(stderr, "genicam_probe: %s\n", err);
		return 3;
	}
	in = hil_genicam_get_info(g);
	printf("camera %s serial %s at %s %s sensor %ux%u trigger %s\n", in->device_id, in->serial,
	       in->address[0] ? in->address : "-", in->protocol, in->sensor_width,
	       in->sensor_height, in->software_trigger ? "software" : "free-run");
	if ((exposure && hil_genicam_set_exposure_us(g, exposure) != AF_OK) ||
	    (have_roi && hil_genicam_set_roi(g, &roi) != AF_OK))
		goto fail;
	f.capacity_px = (size_t)in->sensor_width * in->sensor_height;
	f.pixels = malloc(f.capacity_px * sizeof *f.pixels);
	if (!f.pixels) {
		fprintf(stderr, "genicam_probe: out of memory\n");
		hil_genicam_close(g);
		return 3;
	}
	t0 = now_ms();
	for (i = 0; i < frames; i++) {
		double sum = 0;
		size_t k, n;

		if (hil_genicam_grab(g, &f) != AF_OK)
			goto fail;
		n = (size_t)f.width * f.height;
		for (k = 0; k < n; k++)
			sum += f.pixels[k];
		printf("frame %u %ux%u %s %u-bit seq %llu mean %.2f\n", i + 1, f.width, f.height,
		       hil_genicam_pixel_format(g), f.bit_depth, (unsigned long long)f.seq,
		       sum / (double)n);
	}
	ms = now_ms() - t0;
	printf("grabbed %u frames in %.0f ms (%.1f frames/s)\n", frames, ms,
	       (double)frames * 1000.0 / ms);
	goto done;
fail:
	fprintf(stderr, "genicam_probe: %s\n", hil_genicam_errmsg(g));
	rc = 3;
done:
	free(f.pixels);
	hil_genicam_close(g);
	return rc;
}
