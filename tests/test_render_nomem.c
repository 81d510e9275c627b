/*
 * test_render_nomem.c - memory running out while the simulated camera
 * renders.  A view samples the specimen and builds its blur levels as
 * frames ask for them, so mdl_camera_render can run out of memory long
 * after the view was made: the simulated HAL's grab_frame must say so
 * (AF_ENOMEM, "out of memory while rendering"), not pass it off as an
 * I/O error, and the engine must hand that on.  The allocations are
 * failed one at a time with the runner's counting allocator
 * (tests/test_alloc.c), as test_alloc_fail.c does for whole runs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_engine.h"
#include "engine/af_hal.h"
#include "models/camera.h"
#include "models/rig.h"
#include "sim/sim_hal.h"
#include "tests/alloc_count.h"

/* A loop gives up past this many allocations (a runaway, not a test). */
#define MAX_N 5000

static const char view_msg[] = "camera: cannot build the view of lens A";
static const char render_msg[] = "camera: out of memory while rendering a frame of lens A";

typedef struct rig_fix {
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal hal;
} rig_fix;

/* A simulated rig of the datasheet instrument, no view made yet (the
 * process-wide view cache emptied: every view is built from nothing). */
static void rig_open(rig_fix *f)
{
	const char *err = NULL;

	mdl_rig_default(&f->rig);
	mdl_room_profile_default(&f->room);
	f->sh = sim_hal_new(&f->rig, &f->room, 1, NULL, &err);
	ck_assert_msg(f->sh != NULL, "%s", err ? err : "?");
	sim_hal_bind(f->sh, &f->hal);
	mdl_view_cache_clear();
}

/*
 * grab_frame with its n-th allocation failing, n = 1, 2, ... until one
 * makes fewer: the view's own allocations fail as "cannot build the
 * view", those made while rendering (specimen samples, blur levels) as
 * "out of memory while rendering" - both AF_ENOMEM - and the next grab,
 * with memory back, renders.  Or a cache went without: the frame is the
 * one a grab with all its memory renders.
 */
START_TEST(grab_frame_says_render_ran_out_of_memory)
{
	uint32_t n, at_view = 0, at_render = 0, without = 0;
	uint16_t *clean;
	size_t npx;
	af_frame fr;

	memset(&fr, 0, sizeof fr);
	fr.capacity_px = 512 * 512;
	fr.pixels = calloc(fr.capacity_px, sizeof *fr.pixels);
	clean = calloc(fr.capacity_px, sizeof *clean);
	ck_assert_ptr_nonnull(fr.pixels);
	ck_assert_ptr_nonnull(clean);
	{
		rig_fix f;

		rig_open(&f);
		ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &fr), AF_OK);
		npx = (size_t)fr.width * fr.height;
		memcpy(clean, fr.pixels, npx * sizeof *clean);
		sim_hal_free(f.sh);
	}
	for (n = 1; n < MAX_N; n++) {
		rig_fix f;
		bool failed;
		int rc;

		rig_open(&f);
		test_alloc_fail_at(n);
		rc = f.hal.ops->grab_frame(f.hal.ctx, &fr);
		failed = test_alloc_failed();
		test_alloc_fail_at(0);
		if (!failed) {
			ck_assert_int_eq(rc, AF_OK);
			sim_hal_free(f.sh);
			break;
		}
		if (rc == AF_OK) {
			/* a cache went without: the frame is the same */
			ck_assert_msg(memcmp(fr.pixels, clean, npx * sizeof *clean) == 0,
				      "allocation %u failed, the frame differs", n);
			without++;
			sim_hal_free(f.sh);
			continue;
		}
		ck_assert_msg(rc == AF_ENOMEM, "allocation %u: %s (%d), '%s'", n, af_err_name(rc), rc,
			      af_hal_errmsg(&f.hal));
		if (strcmp(af_hal_errmsg(&f.hal), view_msg) == 0)
			at_view++;
		else if (strcmp(af_hal_errmsg(&f.hal), render_msg) == 0)
			at_render++;
		else
			ck_abort_msg("allocation %u: '%s'", n, af_hal_errmsg(&f.hal));
		ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &fr), AF_OK);
		ck_assert_uint_eq(fr.width, f.rig.camera.roi_width);
		sim_hal_free(f.sh);
	}
	ck_assert_uint_lt(n, MAX_N);
	ck_assert_uint_ge(at_view, 1);
	ck_assert_uint_ge(at_render, 1);
	printf("render_nomem: grab_frame: %u allocations failed in turn: %u making the view, %u "
	       "while rendering, %u a cache went without\n", at_view + at_render + without, at_view,
	       at_render, without);
	free(fr.pixels);
	free(clean);
}
END_TEST

/* The engine hands the rig's ENOMEM on, with the rig's message. */
START_TEST(autofocus_says_render_ran_out_of_memory)
{
	uint32_t n, at_render = 0;

	for (n = 1; n < MAX_N; n++) {
		af_engine_config cfg;
		af_focus_result fo;
		const char *err = NULL;
		af_engine *e;
		rig_fix f;
		bool failed;
		int rc;

		rig_open(&f);
		af_engine_config_default(&cfg);
		e = af_engine_new(&f.hal, &cfg, &err);
		ck_assert_msg(e != NULL, "%s", err ? err : "?");
		test_alloc_fail_at(n);
		rc = af_autofocus(e, AF_LENS_A, 0.0, &fo);
		failed = test_alloc_failed();
		test_alloc_fail_at(0);
		if (!failed) {
			ck_assert_msg(rc == AF_OK, "%s", af_engine_errmsg(e));
			af_engine_free(e);
			sim_hal_free(f.sh);
			break;
		}
		ck_assert_msg(rc == AF_ENOMEM || rc == AF_OK, "allocation %u: %s, '%s'", n,
			      af_err_name(rc), af_engine_errmsg(e));
		if (strstr(af_engine_errmsg(e), "while rendering")) {
			char want[160];

			snprintf(want, sizeof want, "grab_frame: %s", render_msg);
			ck_assert_str_eq(af_engine_errmsg(e), want);
			at_render++;
		}
		af_engine_free(e);
		sim_hal_free(f.sh);
	}
	ck_assert_uint_lt(n, MAX_N);
	ck_assert_uint_ge(at_render, 1);
}
END_TEST

Suite *render_nomem_suite(void)
{
	Suite *s = suite_create("render_nomem");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, grab_frame_says_render_ran_out_of_memory);
	tcase_add_test(tc, autofocus_says_render_ran_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}
