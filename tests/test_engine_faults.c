/*
 * test_engine_faults.c - the engine under faults, traps and drift: every
 * fault fails its handoff with the right code and the next one succeeds;
 * a low-texture field is "no focus", never a guess; the two-layer trap;
 * thermal compensation that matters; no allocation per handoff.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/af_engine.h"
#include "kernel/clock.h"
#include "tests/alloc_count.h"
#include "tests/fake_hal.h"
#include "tests/rigfix.h"

/* A fault at the start of a handoff: that handoff fails with `code`,
 * nothing crashes, the next handoff succeeds. */
static int fault_then_recover(sim_fault_kind kind, int code, const char *words)
{
	static rigfix f;
	sim_fault flt;
	af_handoff_result r;
	int rc;

	start(&f, 11, true);
	calibrate(&f);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(handoff_at(&f, 1.0 * i, NULL, NULL), AF_OK);
	memset(&flt, 0, sizeof flt);
	flt.kind = kind;
	flt.at_op = 1;
	flt.at_ns = -1;
	flt.duration_ms = 200;  /* a stall longer than the moves it breaks */
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), 0);
	sim_ctl_set_place(f.sh, 2.5);
	ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_A, 2.5), AF_OK);
	sim_ctl_begin_op(f.sh, 1);
	rc = af_handoff(f.e, AF_LENS_A, AF_LENS_B, 2.5, &r);
	ck_assert_msg(rc == code, "%s: got %s (%s), want %s", sim_fault_name(kind), af_err_name(rc),
		      r.message, af_err_name(code));
	ck_assert_int_eq(r.error, code);
	ck_assert(!r.success);
	ck_assert_msg(strstr(r.message, words) != NULL, "message '%s' lacks '%s'", r.message, words);
	/* the stage is never driven to 0 */
	ck_assert_double_gt(fabs(sim_ctl_stage_um(f.sh)), 0.5);
	/* recover: the next handoff succeeds */
	sim_ctl_advance(f.sh, 300 * SIM_NS_PER_MS);
	ck_assert_int_eq(handoff_at(&f, -1.5, NULL, &r), AF_OK);
	ck_assert(r.success);
	stop(&f);
	return rc;
}

START_TEST(stage_stall_fails_the_handoff_with_ehw)
{
	ck_assert_int_eq(fault_then_recover(SIM_FAULT_STAGE_STALL, AF_EHW, "stalled"), AF_EHW);
}
END_TEST

START_TEST(dropped_frame_fails_the_handoff_with_etimedout)
{
	ck_assert_int_eq(fault_then_recover(SIM_FAULT_CAMERA_DROP, AF_ETIMEDOUT, "dropped"), AF_ETIMEDOUT);
}
END_TEST

START_TEST(switcher_jam_fails_the_handoff_with_ehw)
{
	ck_assert_int_eq(fault_then_recover(SIM_FAULT_TURRET_JAM, AF_EHW, "jammed"), AF_EHW);
}
END_TEST

START_TEST(wrong_lens_seated_is_detected)
{
	ck_assert_int_eq(fault_then_recover(SIM_FAULT_TURRET_WRONG_POSITION, AF_EHW, "seated lens A instead of lens B"), AF_EHW);
}
END_TEST

/* A low-texture field has no focus to find: ENOFOCUS, the stage left at
 * the prediction, not at 0.  The engine here is a new one, uncalibrated,
 * so the instrument is the datasheet's (models/truth.h): on a drawn one
 * its nominal backlash would land the stage off by the difference. */
START_TEST(low_texture_reports_no_focus)
{
	static rigfix f;
	af_handoff_result r;
	int fails = 0;

	mdl_rig_default(&f.rig);
	f.rig.truth.mode = MDL_TRUTH_NOMINAL;
	mdl_room_profile_default(&f.room);
	af_engine_config_default(&f.cfg);
	start(&f, 12, false);
	calibrate(&f);
	stop(&f);
	/* same rig, now looking at a blank field */
	f.rig.specimen.kind = MDL_SPECIMEN_LOW_TEXTURE;
	f.rig.specimen.low_texture_contrast = 0.001;
	f.sh = sim_hal_new(&f.rig, &f.room, 12, NULL, NULL);
	ck_assert_ptr_nonnull(f.sh);
	sim_hal_bind(f.sh, &f.hal);
	f.e = af_engine_new(&f.hal, &f.cfg, NULL);
	ck_assert_ptr_nonnull(f.e);
	for (int i = 0; i < 10; i++) {
		double z = -4.0 + i;

		sim_ctl_set_place(f.sh, z);
		ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_A, z), AF_OK);
		if (af_handoff(f.e, AF_LENS_A, AF_LENS_B, z, &r) == AF_ENOFOCUS) {
			fails++;
			ck_assert_ptr_nonnull(strstr(r.message, "no focus"));
			ck_assert_double_eq_tol(sim_ctl_stage_um(f.sh), r.predicted_um, 0.06);
		}
	}
	ck_assert_int_eq(fails, 10);
	stop(&f);
}
END_TEST

/* Two layers 4 um apart: a wide autofocus near the right layer does not
 * climb the other one, from either side. */
START_TEST(two_layer_trap_is_avoided)
{
	static rigfix f;
	af_focus_result r;

	mdl_rig_default(&f.rig);
	mdl_room_profile_default(&f.room);
	af_engine_config_default(&f.cfg);
	f.rig.specimen.kind = MDL_SPECIMEN_TWO_LAYER;
	f.rig.specimen.layer2_weight = 1.0;
	start(&f, 13, false);
	sim_ctl_set_place(f.sh, 0.0);
	/* seat lens B first: the truth is that of this seat */
	ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_B, 0.0), AF_OK);
	for (int side = -1; side <= 1; side += 2) {
		double zb = sim_ctl_true_focus_um(f.sh, 1), near = zb + 0.8 * side;

		ck_assert_int_eq(af_autofocus(f.e, AF_LENS_B, near, &r), AF_OK);
		/* the lower layer, not the upper one 4 um away (the upper's
		 * flank pulls the fit up to 0.35 um on this optics) */
		ck_assert_msg(fabs(r.z_um - zb) < 0.5, "side %d: found %.3f, layer 0 at %.3f, layer 1 at %.3f",
			      side, r.z_um, zb, zb + f.rig.specimen.layer_separation_um);
	}
	stop(&f);
}
END_TEST

/*
 * Thermal compensation matters: calibrated at 28 C and at 22 C, the
 * engine hands off while the room warms 6 C over an hour.  With
 * compensation the mapping error stays within 1 um; without, it does not.
 */
static double ramp_max_error(bool compensate)
{
	static const mdl_room_point pts[] = {
		{ 0.0, 28.0 }, { 1.0, 22.0 }, { 43200.0, 22.0 }, { 46800.0, 28.0 }, { 1e9, 28.0 },
	};
	static rigfix f;
	double worst = 0.0;
	int failed = 0;
	int64_t t_cal2 = 43200LL * SIM_NS_PER_S - 120 * SIM_NS_PER_S;

	mdl_rig_default(&f.rig);
	af_engine_config_default(&f.cfg);
	f.room.kind = MDL_ROOM_TRACE;
	f.room.points = pts;
	f.room.n_points = sizeof pts / sizeof pts[0];
	f.cfg.thermal_compensation = compensate;
	/* learnt offsets and the cache would absorb drift too: compensation alone */
	f.cfg.refine_offset = false;
	f.cfg.cache_size = 0;
	start(&f, 14, false);
	calibrate(&f);                  /* at 28 C */
	/* twelve hours at 22 C, the engine ticking every minute */
	while (sim_ctl_now_ns(f.sh) < t_cal2) {
		sim_ctl_advance(f.sh, 60 * SIM_NS_PER_S);
		ck_assert_int_eq(af_engine_tick(f.e), AF_OK);
	}
	calibrate(&f);                  /* at 22 C: the reference now */
	ck_assert(af_engine_mapping(f.e)->thermal_valid);
	/* the ramp: a handoff every 30 s for the hour and the hour after */
	for (int i = 0; i < 240; i++) {
		af_handoff_result r;
		int rc;

		sim_ctl_advance(f.sh, 30 * SIM_NS_PER_S);
		rc = handoff_at(&f, -3.0 + 0.025 * i, NULL, &r);
		if (isfinite(r.mapping_error_um))
			worst = fmax(worst, r.mapping_error_um);
		if (rc != AF_OK) {
			failed++;
			/* a handoff that lost focus altogether counts as beyond
			 * any bound */
			if (!isfinite(r.mapping_error_um))
				worst = INFINITY;
		}
	}
	printf("engine: 6 C ramp, compensation %s: tc_b %.3f um/C, worst mapping error %.3f um, "
	       "%d of 240 handoffs failed\n", compensate ? "on " : "off",
	       af_engine_mapping(f.e)->tc_b_um_per_c, worst, failed);
	fflush(stdout);
	stop(&f);
	return worst;
}

START_TEST(thermal_compensation_holds_the_mapping_through_a_ramp)
{
	ck_assert_double_le(ramp_max_error(true), 1.0);
	ck_assert_double_gt(ramp_max_error(false), 1.0);
}
END_TEST

/* No heap allocation per handoff once the engine exists (on the scripted
 * fake HAL, which allocates nothing itself). */
START_TEST(handoffs_do_not_allocate)
{
	static fake_hal fk;
	af_engine_config cfg;
	af_engine *e;
	af_hal hal;
	uint64_t before;
	int ok = 0;

	fake_hal_init(&fk, 5);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
	af_engine_config_default(&cfg);
	cfg.backlash_um = 0.0;  /* the fake's stage has no play */
	e = af_engine_new(&hal, &cfg, NULL);
	ck_assert_ptr_nonnull(e);
	for (int level = 0; level < AF_LEVEL_COUNT; level++) {
		uint64_t used;
		int moved = 0;

		af_engine_set_level(e, (af_level)level);
		/* no assertion inside the counted loop: Check allocates for each */
		before = test_allocs();
		for (int i = 0; i < 100; i++) {
			af_handoff_result r;
			double z = -5.0 + 0.1 * i;

			fk.place_um = z;
			moved += af_engine_goto(e, AF_LENS_A, z) == AF_OK;
			ok += af_handoff(e, AF_LENS_A, AF_LENS_B, z, &r) == AF_OK;
		}
		used = test_allocs() - before;
		ck_assert_int_eq(moved, 100);
		ck_assert_uint_eq(used, 0);
	}
	ck_assert_int_ge(ok, 297);
	/* the counter does see allocations: a summary allocates its scratch */
	{
		af_stats_summary sm;

		before = test_allocs();
		ck_assert_int_eq(af_engine_stats(e, &sm), AF_OK);
		ck_assert_uint_gt(test_allocs() - before, 0);
	}
	af_engine_free(e);
}
END_TEST

Suite *engine_faults_suite(void)
{
	Suite *s = suite_create("engine_faults");
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stage_stall_fails_the_handoff_with_ehw);
	tcase_add_test(tc, dropped_frame_fails_the_handoff_with_etimedout);
	tcase_add_test(tc, switcher_jam_fails_the_handoff_with_ehw);
	tcase_add_test(tc, wrong_lens_seated_is_detected);
	tcase_add_test(tc, low_texture_reports_no_focus);
	tcase_add_test(tc, two_layer_trap_is_avoided);
	tcase_add_test(tc, thermal_compensation_holds_the_mapping_through_a_ramp);
	tcase_add_test(tc, handoffs_do_not_allocate);
	suite_add_tcase(s, tc);
	return s;
}
