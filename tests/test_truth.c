/*
 * test_truth.c - every simulated instrument its own truth (models/truth.h)
 * and every place its own field (models/slide.h): the draws follow their
 * documented distributions, differ per seed, keep a pinned key, give the
 * datasheet instrument when asked; a place is a pure function of its plan
 * position and shows another field than its neighbour.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "engine/af_hal.h"
#include "models/rig.h"
#include "models/slide.h"
#include "models/truth.h"
#include "sim/scenario.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"

Suite *truth_suite(void);

#define SEEDS 200

/* The standard deviate a drawn value stands for (its sigma's units). */
static double deviate(const mdl_truth_param *p, double nominal, double v)
{
	return p->kind == MDL_TRUTH_ABS ? (v - nominal) / p->sigma : log(v / nominal) / p->sigma;
}

static double at(const mdl_rig *r, const mdl_truth_param *p)
{
	double v;

	memcpy(&v, (const char *)r + p->off, sizeof v);
	return v;
}

/*
 * Over 200 seeds every parameter of the default rig is drawn from its
 * distribution: each deviate within the clamp (3 sigma), their mean within
 * 3 standard errors of 0 (3 / sqrt(200) = 0.21) and their spread within
 * [0.8, 1.2] (a normal clamped at 3 sigma has 0.987; the standard error
 * of a spread of 200 is 0.05).
 */
START_TEST(draws_follow_the_documented_distributions)
{
	mdl_rig nom;

	mdl_rig_default(&nom);
	nom.camera.gain_e_per_adu = mdl_camera_gain_e_per_adu(&nom.camera);
	for (size_t i = 0; i < mdl_truth_count(); i++) {
		const mdl_truth_param *p = mdl_truth_param_at(i);
		double nv = at(&nom, p), s = 0.0, s2 = 0.0;

		if (p->kind == MDL_TRUTH_REL && nv == 0.0)
			continue;   /* a log-normal around 0 stays 0 */
		for (uint64_t seed = 1; seed <= SEEDS; seed++) {
			mdl_rig r;
			double z;

			mdl_rig_default(&r);
			mdl_truth_draw(&r, seed);
			z = deviate(p, nv, at(&r, p));
			ck_assert_msg(fabs(z) <= 3.0 + 1e-9, "%s.%s seed %llu: %g sigma", p->section,
				      p->key, (unsigned long long)seed, z);
			s += z;
			s2 += z * z;
		}
		s /= SEEDS;
		s2 = sqrt(s2 / SEEDS - s * s);
		ck_assert_msg(fabs(s) < 3.0 / sqrt(SEEDS), "%s.%s: mean deviate %g", p->section, p->key,
			      s);
		ck_assert_msg(s2 > 0.8 && s2 < 1.2, "%s.%s: spread %g", p->section, p->key, s2);
	}
}
END_TEST

/* Two seeds, two instruments: every drawn parameter differs; the same seed
 * draws the same instrument. */
START_TEST(truth_differs_per_seed)
{
	mdl_rig a, b, c;

	mdl_rig_default(&a);
	mdl_rig_default(&b);
	mdl_rig_default(&c);
	mdl_truth_draw(&a, 1);
	mdl_truth_draw(&b, 2);
	mdl_truth_draw(&c, 1);
	ck_assert_int_eq(memcmp(&a, &c, sizeof a), 0);
	for (size_t i = 0; i < mdl_truth_count(); i++) {
		const mdl_truth_param *p = mdl_truth_param_at(i);

		ck_assert_msg(at(&a, p) != at(&b, p), "%s.%s is the same for seeds 1 and 2",
			      p->section, p->key);
	}
}
END_TEST

/* A pinned parameter keeps its value, and the others are drawn as if it
 * were not pinned (one draw per parameter, used or not); nominal mode
 * draws nothing. */
START_TEST(pins_and_the_nominal_instrument)
{
	mdl_rig free_, pinned, nom, def;
	int c0 = mdl_truth_find("parfocal", "c0_um");

	ck_assert_int_ge(c0, 0);
	ck_assert_int_eq(mdl_truth_find("parfocal", "no_such_key"), -1);
	mdl_rig_default(&def);
	mdl_rig_default(&free_);
	mdl_rig_default(&pinned);
	mdl_truth_pin(&pinned.truth, c0);
	ck_assert(mdl_truth_pinned(&pinned.truth, c0));
	mdl_truth_draw(&free_, 7);
	mdl_truth_draw(&pinned, 7);
	ck_assert_double_eq(pinned.parfocal.c0_um, def.parfocal.c0_um);
	ck_assert_double_ne(free_.parfocal.c0_um, def.parfocal.c0_um);
	for (size_t i = 0; i < mdl_truth_count(); i++) {
		const mdl_truth_param *p = mdl_truth_param_at(i);

		if ((int)i != c0)
			ck_assert_msg(at(&free_, p) == at(&pinned, p), "%s.%s shifted", p->section,
				      p->key);
	}
	mdl_truth_unpin(&pinned.truth, c0);
	ck_assert(!mdl_truth_pinned(&pinned.truth, c0));
	mdl_rig_default(&nom);
	nom.truth.mode = MDL_TRUTH_NOMINAL;
	mdl_truth_draw(&nom, 7);
	def.truth.mode = MDL_TRUTH_NOMINAL;
	ck_assert_int_eq(memcmp(&nom, &def, sizeof nom), 0);
}
END_TEST

static void load(const char *yaml, sim_scenario *s)
{
	char err[SIM_ERR_MAX];

	ck_assert_msg(sim_scenario_load_string("t.yaml", yaml, strlen(yaml), s, err, sizeof err) == 0,
		      "%s", err);
}

/* A key a scenario writes pins it, at whatever value (its nominal too);
 * `truth: nominal` asks for the datasheet instrument; the simulated
 * instrument is the drawn one, which the engine never sees. */
START_TEST(a_scenario_pins_what_it_writes)
{
	sim_scenario s;
	const mdl_rig *t;
	sim_hal *sh;
	mdl_rig def;

	load("scenario: p\nrig:\n  parfocal: {c0_um: 4.0}\n  stage: {backlash_um: 3}\n"
	     "steps:\n  - autofocus: {near_um: 0}\n", &s);
	ck_assert(mdl_truth_pinned(&s.rig.truth, mdl_truth_find("parfocal", "c0_um")));
	ck_assert(mdl_truth_pinned(&s.rig.truth, mdl_truth_find("stage", "backlash_um")));
	ck_assert(!mdl_truth_pinned(&s.rig.truth, mdl_truth_find("parfocal", "c1")));
	ck_assert_int_eq(s.rig.truth.mode, MDL_TRUTH_DRAWN);
	sh = sim_hal_new(&s.rig, &s.room, 3, NULL, NULL);
	ck_assert_ptr_nonnull(sh);
	t = sim_ctl_truth(sh);
	ck_assert_double_eq(t->parfocal.c0_um, 4.0);
	ck_assert_double_eq(t->stage.backlash_um, 3.0);
	ck_assert_double_ne(t->parfocal.c1, s.rig.parfocal.c1);
	ck_assert_double_ne(t->thermal.tau_fast_s, s.rig.thermal.tau_fast_s);
	sim_hal_free(sh);
	sim_scenario_release(&s);

	load("scenario: n\nrig: {truth: nominal}\nsteps:\n  - autofocus: {near_um: 0}\n", &s);
	ck_assert_int_eq(s.rig.truth.mode, MDL_TRUTH_NOMINAL);
	sh = sim_hal_new(&s.rig, &s.room, 3, NULL, NULL);
	ck_assert_ptr_nonnull(sh);
	mdl_rig_default(&def);
	t = sim_ctl_truth(sh);
	ck_assert_double_eq(t->parfocal.c0_um, def.parfocal.c0_um);
	ck_assert_double_eq(t->parfocal.c1, def.parfocal.c1);
	ck_assert_double_eq(t->thermal.tau_fast_s, def.thermal.tau_fast_s);
	ck_assert_double_eq(t->stage.backlash_um, def.stage.backlash_um);
	sim_hal_free(sh);
	sim_scenario_release(&s);
}
END_TEST

/* --- the slide ------------------------------------------------------------------ */

/* A place is its plan position's: the same position, the same place (-0
 * and +0 too); another position, another place on the slide. */
START_TEST(a_place_is_its_plan_position)
{
	mdl_slide_config c;
	mdl_place a, b, m, o;
	double z0 = 0.0, zm = -z0;

	mdl_slide_config_default(&c);
	mdl_slide_place(&c, 42, 1.5, &a);
	mdl_slide_place(&c, 42, 1.5, &b);
	ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
	mdl_slide_place(&c, 42, z0, &a);
	mdl_slide_place(&c, 42, zm, &m);
	ck_assert_int_eq(memcmp(&a, &m, sizeof a), 0);
	mdl_slide_place(&c, 42, 1.5, &a);
	mdl_slide_place(&c, 42, 1.6, &o);
	ck_assert_double_ne(a.x_um, o.x_um);
	ck_assert_double_ne(a.y_um, o.y_um);
	ck_assert_double_ne(a.contrast_factor, o.contrast_factor);
	/* another slide (run), another place at the same position */
	mdl_slide_place(&c, 43, 1.5, &b);
	ck_assert_double_ne(a.x_um, b.x_um);
	/* every place within the area, 10 mm a side */
	ck_assert(fabs(a.x_um) <= 5000.0 && fabs(a.y_um) <= 5000.0);
	/* `places: same`: the centre, the specimen as configured */
	c.places = MDL_PLACES_SAME;
	mdl_slide_place(&c, 42, 1.5, &a);
	ck_assert_double_eq(a.x_um, 0.0);
	ck_assert_double_eq(a.y_um, 0.0);
	ck_assert_double_eq(a.contrast_factor, 1.0);
	ck_assert_double_eq(a.size_factor, 1.0);
	ck_assert_double_eq(a.brightness_factor, 1.0);
	ck_assert_double_eq(a.slope_x_um_per_mm, 0.0);
}
END_TEST

/*
 * Over 1000 places the factors are log-normal with the configured spreads
 * (log factor mean within 3 standard errors of 0, spread within 10 %),
 * the positions uniform over the area (mean within 3 standard errors of
 * the centre: 10 mm / sqrt(12 * 1000) = 91 um), and the bow's slope is
 * the curvature times the position.
 */
START_TEST(places_follow_their_distributions)
{
	mdl_slide_config c;
	double lc = 0, lc2 = 0, ls = 0, ls2 = 0, mx = 0;
	const int n = 1000;

	mdl_slide_config_default(&c);
	c.curvature_per_m = 0.5;
	for (int i = 0; i < n; i++) {
		mdl_place p;
		double a, b;

		mdl_slide_place(&c, 9, -10.0 + 0.02 * i, &p);
		a = log(p.contrast_factor);
		b = log(p.size_factor);
		lc += a;
		lc2 += a * a;
		ls += b;
		ls2 += b * b;
		mx += p.x_um;
		ck_assert_double_eq_tol(p.slope_x_um_per_mm, 0.5e-6 * p.x_um * 1000.0, 1e-12);
		ck_assert_double_eq_tol(p.slope_y_um_per_mm, 0.5e-6 * p.y_um * 1000.0, 1e-12);
	}
	lc /= n;
	ls /= n;
	mx /= n;
	ck_assert_msg(fabs(lc) < 3 * 0.2 / sqrt(n), "log contrast mean %g", lc);
	ck_assert_msg(fabs(ls) < 3 * 0.15 / sqrt(n), "log size mean %g", ls);
	ck_assert_msg(fabs(sqrt(lc2 / n - lc * lc) / 0.2 - 1) < 0.1, "contrast spread %g",
		      sqrt(lc2 / n - lc * lc));
	ck_assert_msg(fabs(sqrt(ls2 / n - ls * ls) / 0.15 - 1) < 0.1, "size spread %g",
		      sqrt(ls2 / n - ls * ls));
	ck_assert_msg(fabs(mx) < 3 * 91.3, "mean x %g um", mx);
}
END_TEST

/* The specimen a place shows: its factors applied, the bow's slope on top
 * of the slide's tilt, the contrast capped at 1. */
START_TEST(a_place_shows_its_specimen)
{
	mdl_specimen_config spec, out;
	mdl_place p = { 100.0, -200.0, 2.0, 1.5, 0.5, 0.25, -0.5 };

	mdl_specimen_config_default(&spec);
	spec.tilt_x_um_per_mm = 1.0;
	mdl_slide_specimen(&spec, &p, &out);
	ck_assert_double_eq(out.contrast, 1.0);
	ck_assert_double_eq(out.cell_diameter_um, 15.0);
	ck_assert_double_eq(out.brightness, 0.5);
	ck_assert_double_eq(out.tilt_x_um_per_mm, 1.25);
	ck_assert_double_eq(out.tilt_y_um_per_mm, -0.5);
	p.contrast_factor = 0.5;
	mdl_slide_specimen(&spec, &p, &spec);   /* in place */
	ck_assert_double_eq(spec.contrast, 0.35);
}
END_TEST

/* In the simulator two places show two fields: in focus, the same
 * exposure, their frames differ; the first place visited again shows its
 * frame again (noise aside: the mean within 1 %). */
static double frame_mean(sim_hal *sh, af_hal *hal, double z_plan, uint64_t *digest)
{
	static uint16_t px[128 * 128];
	af_frame fr = { px, sizeof px / sizeof px[0], 0, 0, 0, 0, 0 };
	sim_frame_info fi;
	double s = 0.0;

	sim_ctl_set_place(sh, z_plan);
	ck_assert_int_eq(hal->ops->move_z(hal->ctx, sim_ctl_true_focus_um(sh, 0)), AF_OK);
	ck_assert_int_eq(hal->ops->wait_settled(hal->ctx, 2000), AF_OK);
	ck_assert_int_eq(hal->ops->grab_frame(hal->ctx, &fr), AF_OK);
	for (size_t i = 0; i < (size_t)fr.width * fr.height; i++)
		s += fr.pixels[i];
	ck_assert(sim_ctl_last_frame(sh, &fi));
	*digest = fi.digest;
	return s / ((double)fr.width * fr.height);
}

START_TEST(two_places_two_fields)
{
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal hal;
	uint64_t d1, d2, d3;
	double m1, m2, m3;
	mdl_place p1, p2;

	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	sh = sim_hal_new(&rig, &room, 5, NULL, NULL);
	ck_assert_ptr_nonnull(sh);
	sim_hal_bind(sh, &hal);
	m1 = frame_mean(sh, &hal, 1.0, &d1);
	sim_ctl_place_field(sh, &p1, NULL);
	m2 = frame_mean(sh, &hal, -2.0, &d2);
	sim_ctl_place_field(sh, &p2, NULL);
	m3 = frame_mean(sh, &hal, 1.0, &d3);
	ck_assert_double_ne(p1.x_um, p2.x_um);
	ck_assert_uint_ne(d1, d2);
	ck_assert_msg(fabs(m1 - m2) / m1 > 0.01, "two places, means %g and %g", m1, m2);
	ck_assert_msg(fabs(m3 - m1) / m1 < 0.01, "the same place, means %g and %g", m1, m3);
	sim_hal_free(sh);
}
END_TEST

Suite *truth_suite(void)
{
	Suite *s = suite_create("truth");
	TCase *tc = tcase_create("truth");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, draws_follow_the_documented_distributions);
	tcase_add_test(tc, truth_differs_per_seed);
	tcase_add_test(tc, pins_and_the_nominal_instrument);
	tcase_add_test(tc, a_scenario_pins_what_it_writes);
	tcase_add_test(tc, a_place_is_its_plan_position);
	tcase_add_test(tc, places_follow_their_distributions);
	tcase_add_test(tc, a_place_shows_its_specimen);
	tcase_add_test(tc, two_places_two_fields);
	suite_add_tcase(s, tc);
	return s;
}
