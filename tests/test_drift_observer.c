/*
 * test_drift_observer.c - the engine's drift-temperature observer
 * (af_thermal.h) against the simulator's thermal model.
 */
#include <check.h>
#include <math.h>

#include "engine/af_thermal.h"
#include "models/thermal.h"
#include "kernel/clock.h"
#include "kernel/rng.h"

/* On a 6 C/h ramp the observer, fed the noisy lagged sensor every 30 s,
 * tracks the instrument's drift temperature within 0.15 C while the
 * sensor alone is off by more than 1 C. */
START_TEST(observer_tracks_the_drift_temperature_through_a_ramp)
{
	mdl_room_profile room = { .kind = MDL_ROOM_RAMP, .from_c = 22.0, .to_c = 28.0,
				  .start_s = 600.0, .over_s = 3600.0 };
	mdl_thermal_config tc;
	mdl_thermal th;
	af_thermal_config oc;
	af_thermal ob;
	sim_rng rng;
	double worst_obs = 0.0, worst_sensor = 0.0;

	mdl_thermal_config_default(&tc);
	mdl_thermal_init(&th, &tc, &room, 0);
	af_thermal_config_default(&oc);
	af_thermal_init(&ob, &oc);
	sim_rng_seed(&rng, 3);
	for (int64_t t = 0; t <= 3 * 3600; t += 30) {
		double reading, truth;

		mdl_thermal_advance(&th, t * SIM_NS_PER_S);
		reading = mdl_thermal_sensor_read_c(&th, &rng);
		af_thermal_update(&ob, t * 1000000, reading);
		truth = mdl_thermal_instrument_c(&th);
		worst_obs = fmax(worst_obs, fabs(af_thermal_effective_c(&ob) - truth));
		worst_sensor = fmax(worst_sensor, fabs(reading - truth));
	}
	ck_assert_double_lt(worst_obs, 0.15);
	ck_assert_double_gt(worst_sensor, 1.0);
}
END_TEST

/* A 3 C glitch for 20 s is ignored; a step that persists is accepted. */
START_TEST(glitches_are_ignored_real_steps_are_not)
{
	af_thermal_config oc;
	af_thermal ob;
	double before;

	af_thermal_config_default(&oc);
	af_thermal_init(&ob, &oc);
	for (int t = 0; t <= 600; t += 10)
		af_thermal_update(&ob, (int64_t)t * 1000000, 22.0);
	before = af_thermal_effective_c(&ob);
	for (int t = 610; t <= 630; t += 10)
		af_thermal_update(&ob, (int64_t)t * 1000000, 25.0);
	ck_assert_double_eq(af_thermal_effective_c(&ob), before);
	ck_assert_uint_eq(ob.rejected, 3);
	af_thermal_update(&ob, 640 * 1000000LL, 22.02);
	ck_assert(!ob.suspect);
	/* a persistent jump: accepted after glitch_persist_s */
	for (int t = 650; t <= 900; t += 10)
		af_thermal_update(&ob, (int64_t)t * 1000000, 24.0);
	ck_assert_double_eq_tol(ob.stand_c, 24.0, 1e-12);
	ck_assert_double_gt(af_thermal_effective_c(&ob), before + 1.0);
}
END_TEST

/* Equilibrium start; NaN before any reading. */
START_TEST(observer_starts_in_equilibrium)
{
	af_thermal_config oc;
	af_thermal ob;

	af_thermal_config_default(&oc);
	af_thermal_init(&ob, &oc);
	ck_assert(isnan(af_thermal_effective_c(&ob)));
	af_thermal_update(&ob, 5, 23.5);
	ck_assert_double_eq(af_thermal_effective_c(&ob), 23.5);
	ck_assert_double_eq(af_thermal_frame_c(&ob), 23.5);
}
END_TEST

Suite *drift_observer_suite(void)
{
	Suite *s = suite_create("drift_observer");
	TCase *tc = tcase_create("observer");

	tcase_add_test(tc, observer_tracks_the_drift_temperature_through_a_ramp);
	tcase_add_test(tc, glitches_are_ignored_real_steps_are_not);
	tcase_add_test(tc, observer_starts_in_equilibrium);
	suite_add_tcase(s, tc);
	return s;
}
