/*
 * genicam_fix.h - shared pieces of the GenICam suites: the private network
 * namespace or a SKIP line, a render callback for the fake camera server
 * whose every pixel is known (it depends on the sensor position and the
 * exposure), and the check of a grabbed frame against it.  Header-only.
 */
#ifndef TESTS_GENICAM_FIX_H
#define TESTS_GENICAM_FIX_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine/af_hal.h"
#include "hil/gvcam.h"
#include "tests/netns.h"

/*
 * Enter a private network namespace, or end the test here with a SKIP line
 * naming the reason; where a skip would hide a failure (CI) fail instead.
 */
#define NETNS_OR_SKIP()                                                            \
	do {                                                                       \
		char why_[256];                                                    \
		if (netns_enter(why_, sizeof why_) != 0) {                         \
			ck_assert_msg(!netns_required(),                          \
				      "no private network namespace (CI requires one): %s", \
				      why_);                                       \
			fprintf(stderr, "SKIP %s: no private network namespace: %s\n", \
				__func__, why_);                                   \
			return;                                                    \
		}                                                                  \
	} while (0)

static inline double fix_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The value the known pattern has at sensor pixel (sx, sy). */
static inline uint16_t known_value(uint32_t sx, uint32_t sy, uint32_t exposure_us,
				   uint32_t bit_depth)
{
	return (uint16_t)((sx * 3u + sy * 5u + exposure_us / 100u) & ((1u << bit_depth) - 1u));
}

static inline void known_render(void *user, uint16_t *px, uint32_t w, uint32_t h,
				uint32_t bit_depth, uint32_t exposure_us,
				const hil_gvcam_shot *shot)
{
	uint32_t r, c;

	(void)user;
	for (r = 0; r < h; r++)
		for (c = 0; c < w; c++)
			px[(size_t)r * w + c] =
				known_value(shot->x + c, shot->y + r, exposure_us, bit_depth);
}

/* Every pixel of f against the pattern for roi and exposure; fails the test
 * at the first one that differs. */
static inline void check_known(const af_frame *f, const af_roi *roi, uint32_t exposure_us,
			       uint32_t bit_depth)
{
	uint32_t r, c;

	ck_assert_uint_eq(f->width, roi->width);
	ck_assert_uint_eq(f->height, roi->height);
	ck_assert_uint_eq(f->bit_depth, bit_depth);
	for (r = 0; r < f->height; r++)
		for (c = 0; c < f->width; c++) {
			uint16_t want = known_value(roi->x + c, roi->y + r, exposure_us, bit_depth);
			uint16_t got = f->pixels[(size_t)r * f->width + c];

			ck_assert_msg(got == want, "pixel (%u,%u) is %u, want %u (%u-bit, %u us)", c,
				      r, got, want, bit_depth, exposure_us);
		}
}

/* A fake camera serving the known pattern; sensor w x h. */
static inline hil_gvcam *known_camera(uint32_t w, uint32_t h, const char *const *hide)
{
	hil_gvcam_opts o = { 0 };
	char err[256];
	hil_gvcam *c;

	o.sensor_width = w;
	o.sensor_height = h;
	o.render = known_render;
	o.hide = hide;
	c = hil_gvcam_new(&o, err, sizeof err);
	ck_assert_msg(c != NULL, "fake camera: %s", err);
	return c;
}

#endif /* TESTS_GENICAM_FIX_H */
