/*
 * test_engine.c - the autofocus engine on the simulated default rig, held
 * to docs/physics.md's targets with the simulator's ground truth.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_engine.h"
#include "models/rig.h"
#include "kernel/clock.h"
#include "kernel/rng.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "tests/rigfix.h"

/* docs/physics.md's targets at `fast`: 1000 handoffs, z uniform in +/-5 um, 22 C. */
START_TEST(thousand_fast_handoffs_meet_the_targets)
{
	static rigfix f;
	static tally t;
	af_stats_summary sm;
	double phases = 0.0;

	start(&f, 1, true);
	calibrate(&f);
	for (int i = 0; i < 1000; i++)
		handoff_at(&f, sim_rng_range(&f.steps, -5.0, 5.0), &t, NULL);
	printf("engine: fast x1000: success %.3f, p95 total %.1f ms, mean %.1f ms, "
	       "max mapping error %.3f um, max focus error %.3f um (mean %.3f)\n",
	       t.ok / 1000.0, p95(&t), t.sum_total / t.ok, t.max_map, t.max_fe, t.sum_fe / t.ok);
	ck_assert_int_ge(t.ok, 990);
	/* On the honest world's 5-25 ms stage bus six bus round trips per
	 * handoff (three moves, three waits, the last reporting the encoder)
	 * put this instrument's p95 at 300.8 ms (40 instruments: 295 ms,
	 * docs/engine.md, "Measured"); held at that. */
	ck_assert_double_le(p95(&t), 305.0);
	ck_assert_double_le(t.max_map, 1.0);
	ck_assert_double_le(t.max_fe, 0.25);
	/* the engine's own statistics agree */
	ck_assert_int_eq(af_engine_stats(f.e, &sm), AF_OK);
	ck_assert_uint_eq(sm.handoffs, 1000);
	ck_assert_uint_eq(sm.successes, (uint64_t)t.ok);
	ck_assert_double_eq_tol(sm.phase[AF_PHASE_TOTAL].mean, t.sum_total / t.ok, 1e-6);
	for (int p = 0; p < AF_PHASE_TOTAL; p++)
		phases += sm.phase[p].mean;
	ck_assert_double_eq_tol(phases, sm.phase[AF_PHASE_TOTAL].mean, 1e-6);
	stop(&f);
}
END_TEST

/* ultra_fast is the fastest, standard the most accurate, the fast levels
 * within 0.05 um of focus on average. */
START_TEST(levels_order_speed_and_accuracy)
{
	static rigfix f;
	static tally t[AF_LEVEL_COUNT];
	double mean_t[AF_LEVEL_COUNT], mean_fe[AF_LEVEL_COUNT];

	printf("engine: level       mean ms  p95 ms  mean focus err um  max focus err um  success\n");
	for (int l = 0; l < AF_LEVEL_COUNT; l++) {
		memset(&t[l], 0, sizeof t[l]);
		start(&f, 2, true);
		f.cfg.level = (af_level)l;
		af_engine_set_level(f.e, (af_level)l);
		calibrate(&f);
		for (int i = 0; i < 300; i++)
			handoff_at(&f, sim_rng_range(&f.steps, -5.0, 5.0), &t[l], NULL);
		mean_t[l] = t[l].sum_total / t[l].ok;
		mean_fe[l] = t[l].sum_fe / t[l].ok;
		printf("engine: %-10s  %7.1f  %6.1f  %17.3f  %16.3f  %7.3f\n",
		       af_level_name((af_level)l), mean_t[l], p95(&t[l]), mean_fe[l], t[l].max_fe,
		       t[l].ok / 300.0);
		ck_assert_int_ge(t[l].ok, 297);
		stop(&f);
	}
	ck_assert_double_lt(mean_t[AF_LEVEL_ULTRA_FAST], mean_t[AF_LEVEL_FAST]);
	ck_assert_double_lt(mean_t[AF_LEVEL_FAST], mean_t[AF_LEVEL_STANDARD]);
	ck_assert_double_lt(mean_fe[AF_LEVEL_STANDARD], mean_fe[AF_LEVEL_FAST]);
	ck_assert_double_lt(mean_fe[AF_LEVEL_STANDARD], mean_fe[AF_LEVEL_ULTRA_FAST]);
	/* the fast levels' check (af_probe.c) keeps both near focus: ultra_fast
	 * is no longer measurably less accurate than fast, only faster */
	ck_assert_double_lt(mean_fe[AF_LEVEL_FAST], 0.05);
	ck_assert_double_lt(mean_fe[AF_LEVEL_ULTRA_FAST], 0.05);
	ck_assert_double_lt(t[AF_LEVEL_ULTRA_FAST].max_fe, 0.25);
}
END_TEST

/* B -> A works through the inverse mapping. */
START_TEST(handoff_b_to_a)
{
	static rigfix f;
	int ok = 0;

	start(&f, 3, true);
	calibrate(&f);
	for (int i = 0; i < 50; i++) {
		double z = sim_rng_range(&f.steps, -5.0, 5.0), zb;
		af_handoff_result r;

		sim_ctl_set_place(f.sh, z);
		ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_B, z + 4.0), AF_OK);
		/* the truth of this seat of lens B; the user focused it there */
		zb = sim_ctl_true_focus_um(f.sh, 1);
		ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_B, zb), AF_OK);
		/* the source is where lens B is in focus now (measured) */
		if (af_handoff(f.e, AF_LENS_B, AF_LENS_A, zb, &r) == AF_OK) {
			ok++;
			ck_assert_double_le(fabs(sim_ctl_stage_um(f.sh) - sim_ctl_true_focus_um(f.sh, 0)),
					    1.0);
		}
	}
	ck_assert_int_ge(ok, 49);
	stop(&f);
}
END_TEST

/* A cubic relation: adaptive picks the cubic and fits it within 0.1 um
 * RMS; a linear model cannot. */
START_TEST(adaptive_mapping_fits_a_cubic_relation)
{
	static rigfix f;
	af_calib_report lin, ad;

	mdl_rig_default(&f.rig);
	mdl_room_profile_default(&f.room);
	af_engine_config_default(&f.cfg);
	f.rig.parfocal.c3_per_um2 = 0.002;
	f.cfg.mapping_model = AF_MAP_LINEAR;
	start(&f, 4, false);
	lin = calibrate(&f);
	stop(&f);
	f.cfg.mapping_model = AF_MAP_ADAPTIVE;
	start(&f, 4, false);
	ad = calibrate(&f);
	printf("engine: cubic relation: linear rms %.3f um (max %.3f), adaptive order %d rms %.3f um\n",
	       lin.mapping.rms_um, lin.mapping.max_abs_um, ad.mapping.order, ad.mapping.rms_um);
	ck_assert_int_eq(ad.mapping.order, 3);
	ck_assert_double_le(ad.mapping.rms_um, 0.1);
	ck_assert_double_gt(lin.mapping.rms_um, 0.1);
	stop(&f);
}
END_TEST

Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("sim");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, thousand_fast_handoffs_meet_the_targets);
	tcase_add_test(tc, levels_order_speed_and_accuracy);
	tcase_add_test(tc, handoff_b_to_a);
	tcase_add_test(tc, adaptive_mapping_fits_a_cubic_relation);
	suite_add_tcase(s, tc);
	return s;
}
