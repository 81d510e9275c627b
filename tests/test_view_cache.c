/*
 * test_view_cache.c - views kept for reuse (camera.h, mdl_view_take): a
 * view given back serves a take with the same arguments and renders the
 * frames a new view renders, bit for bit (tilted too: its scratch is made
 * again); any difference in the arguments, down to one ulp of the field's
 * position, is another view; a taken view is its taker's alone; the budget
 * strips idle views of their levels, then evicts the least recently given
 * back; and a scenario run twice in one
 * process reuses its views and keeps its trace hash.  The cache is one per
 * process: every test starts by clearing it and counts differences.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/camera.h"
#include "models/mdl.h"
#include "kernel/rng.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "tests/camera_fix.h"

Suite *view_cache_suite(void);

static mdl_view *take(const rig *r, double field_x_um)
{
	return mdl_view_take(&r->lens, &r->spec, &r->cam, (r->cam.sensor_width - ROI) / 2,
			     (r->cam.sensor_height - ROI) / 2, ROI, ROI, field_x_um, -120.0);
}

static mdl_view *fresh(const rig *r, double field_x_um)
{
	return mdl_view_new(&r->lens, &r->spec, &r->cam, (r->cam.sensor_width - ROI) / 2,
			    (r->cam.sensor_height - ROI) / 2, ROI, ROI, field_x_um, -120.0);
}

/* A frame at defocus dz from the camera stream of seed 7. */
static void frame(mdl_view *v, double dz, uint16_t *px)
{
	mdl_exposure x = { dz, 0.005, 1.0, 0.0 };
	sim_rng g;

	sim_rng_stream(&g, 7, SIM_STREAM_CAMERA);
	ck_assert_int_eq(mdl_camera_render(v, &x, &g, px), 0);
}

static void stats(mdl_view_cache_stat *st)
{
	mdl_view_cache_stats(st);
}

/* The budget a test found, put back when it changed it. */
static size_t default_budget;

static void setup(void)
{
	mdl_view_cache_stat st;

	mdl_view_cache_stats(&st);
	default_budget = st.budget_bytes;
	ck_assert_uint_eq(default_budget, (size_t)64 << 20);
}

/* Given back, taken again: the same view, the same frames as a new one. */
static void reuse_renders_alike(double tilt_um_per_mm)
{
	const size_t n = (size_t)ROI * ROI;
	uint16_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	mdl_view_cache_stat s0, s1;
	mdl_view *v, *w, *ref;
	size_t bytes;
	rig r;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	mdl_view_cache_clear();
	rig_default(&r, MDL_LENS_B);
	r.spec.tilt_x_um_per_mm = tilt_um_per_mm;
	stats(&s0);
	v = take(&r, 250.0);
	ck_assert_ptr_nonnull(v);
	frame(v, 0.3, a);
	bytes = mdl_view_bytes(v);
	mdl_view_give(v);
	stats(&s1);
	ck_assert_uint_eq(s1.misses - s0.misses, 1);
	ck_assert_uint_eq(s1.hits - s0.hits, 0);
	ck_assert_uint_eq(s1.idle_views, 1);
	/* idle, it holds its samples and levels, not its scratch */
	ck_assert_uint_eq(s1.idle_bytes, mdl_view_bytes(v));
	ck_assert_uint_lt(s1.idle_bytes, bytes);
	w = take(&r, 250.0);
	ck_assert_ptr_eq(w, v);
	ck_assert_uint_eq(mdl_view_bytes(w), bytes);
	stats(&s1);
	ck_assert_uint_eq(s1.hits - s0.hits, 1);
	ck_assert_uint_eq(s1.idle_views, 0);
	ck_assert_uint_eq(s1.idle_bytes, 0);
	/* a level it has and one it has not: the frames of a new view */
	ref = fresh(&r, 250.0);
	ck_assert_ptr_nonnull(ref);
	for (int i = 0; i < 2; i++) {
		double dz = i == 0 ? 0.3 : -2.1;

		frame(w, dz, a);
		frame(ref, dz, b);
		ck_assert_msg(memcmp(a, b, n * sizeof *a) == 0, "tilt %g dz %g", tilt_um_per_mm, dz);
	}
	mdl_view_free(ref);
	mdl_view_give(w);
	mdl_view_cache_clear();
	stats(&s1);
	ck_assert_uint_eq(s1.idle_views, 0);
	free(a);
	free(b);
}

START_TEST(test_reuse)
{
	reuse_renders_alike(0.0);
	reuse_renders_alike(6.3);
}
END_TEST

/* A take that must make a view other than v (idle in the cache). */
static void take_other(const rig *r, double field_x_um, const mdl_view *v)
{
	mdl_view *w = take(r, field_x_um);

	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_ne(w, v);
	mdl_view_free(w);
}

/* Another argument, another view; a taken view is not handed out twice. */
START_TEST(test_keys)
{
	mdl_view_cache_stat s0, s1;
	mdl_view *v, *w;
	rig r, r2;

	mdl_view_cache_clear();
	rig_default(&r, MDL_LENS_B);
	stats(&s0);
	v = take(&r, 250.0);
	w = take(&r, 250.0);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_ne(v, w);
	mdl_view_give(w);
	mdl_view_give(v);
	/* one ulp of the field, a contrast, a lens, a camera setting */
	take_other(&r, nextafter(250.0, 300.0), v);
	r2 = r;
	r2.spec.contrast = 0.69;
	take_other(&r2, 250.0, v);
	rig_default(&r2, MDL_LENS_A);
	r2.spec.seed = r.spec.seed;
	take_other(&r2, 250.0, v);
	r2 = r;
	r2.cam.read_noise_e = 1.7;
	take_other(&r2, 250.0, v);
	stats(&s1);
	ck_assert_uint_eq(s1.misses - s0.misses, 6);
	ck_assert_uint_eq(s1.hits - s0.hits, 0);
	ck_assert_uint_eq(s1.idle_views, 2);
	/* the two alike are both there: two takes, two hits */
	v = take(&r, 250.0);
	w = take(&r, 250.0);
	stats(&s1);
	ck_assert_uint_eq(s1.hits - s0.hits, 2);
	ck_assert_ptr_ne(v, w);
	mdl_view_free(v);
	mdl_view_free(w);
	ck_assert_ptr_null(take(&(rig){ 0 }, 250.0));   /* bad configs: NULL, as mdl_view_new */
	mdl_view_give(NULL);
}
END_TEST

/* The budget keeps the most recently given back. */
START_TEST(test_budget)
{
	mdl_view_cache_stat st;
	mdl_view *a, *b, *c;
	size_t one;
	rig r;

	mdl_view_cache_clear();
	rig_default(&r, MDL_LENS_B);
	a = take(&r, 100.0);
	b = take(&r, 200.0);
	c = take(&r, 300.0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	mdl_view_give(a);
	stats(&st);
	one = st.idle_bytes;
	/* room for two idle views (unsampled ones are the same size) */
	mdl_view_cache_set_budget(2 * one);
	mdl_view_give(b);
	mdl_view_give(c);   /* a, given back first, goes */
	stats(&st);
	ck_assert_uint_eq(st.idle_views, 2);
	ck_assert_uint_eq(st.idle_bytes, 2 * one);
	ck_assert_uint_eq(st.budget_bytes, 2 * one);
	c = take(&r, 300.0);
	b = take(&r, 200.0);
	a = take(&r, 100.0);
	stats(&st);
	ck_assert_uint_eq(st.idle_views, 0);
	mdl_view_give(a);
	mdl_view_give(b);
	mdl_view_give(c);
	/* a lower budget evicts now; 0 keeps nothing */
	mdl_view_cache_set_budget(one);
	stats(&st);
	ck_assert_uint_eq(st.idle_views, 1);
	mdl_view_cache_set_budget(0);
	stats(&st);
	ck_assert_uint_eq(st.idle_views, 0);
	ck_assert_uint_eq(st.idle_bytes, 0);
	a = take(&r, 100.0);
	mdl_view_give(a);
	stats(&st);
	ck_assert_uint_eq(st.idle_views, 0);
	mdl_view_cache_set_budget(default_budget);
}
END_TEST

/* Over the budget, idle views lose their levels before any view goes: the
 * samples stay, the levels are built again, the same frames. */
START_TEST(test_budget_strips_levels)
{
	const size_t n = (size_t)ROI * ROI;
	uint16_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	mdl_view_cache_stat st;
	mdl_view *v, *w;
	size_t samples, levels_bytes, stripped;
	rig r;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	mdl_view_cache_clear();
	rig_default(&r, MDL_LENS_B);
	v = take(&r, 100.0);
	w = take(&r, 200.0);
	/* two views with the same band sampled and the same levels built */
	frame(v, 0.0, a);
	frame(v, 1.7, a);
	frame(w, 0.0, b);
	frame(w, 1.7, b);
	ck_assert_int_ge(mdl_view_levels_built(v), 3);
	ck_assert_int_eq(mdl_view_levels_built(w), mdl_view_levels_built(v));
	samples = mdl_view_samples(v);
	levels_bytes = (size_t)mdl_view_levels_built(v) * n * sizeof(float);
	mdl_view_give(v);
	stats(&st);
	stripped = st.idle_bytes - levels_bytes;
	/* a byte short: v's levels go, v stays */
	mdl_view_cache_set_budget(st.idle_bytes - 1);
	stats(&st);
	ck_assert_uint_eq(st.idle_views, 1);
	ck_assert_int_eq(mdl_view_levels_built(v), 0);
	ck_assert_uint_eq(st.idle_bytes, stripped);
	ck_assert_uint_eq(mdl_view_samples(v), samples);
	/* room for both without levels: w's go too (v has none left) */
	mdl_view_cache_set_budget(2 * stripped);
	mdl_view_give(w);
	stats(&st);
	ck_assert_uint_eq(st.idle_views, 2);
	ck_assert_uint_eq(st.idle_bytes, 2 * stripped);
	ck_assert_int_eq(mdl_view_levels_built(w), 0);
	/* v again: its levels built again from its samples, the same frame */
	ck_assert_ptr_eq(take(&r, 100.0), v);
	frame(v, 1.7, b);
	ck_assert_uint_eq(mdl_view_samples(v), samples);
	ck_assert_int_eq(memcmp(a, b, n * sizeof *a), 0);
	mdl_view_free(v);
	mdl_view_cache_set_budget(default_budget);
	mdl_view_cache_clear();
	free(a);
	free(b);
}
END_TEST

/* A scenario run twice in one process: the second run finds its views
 * (two per place it imaged) and keeps its trace hash. */
START_TEST(test_scenario_rerun)
{
	static const char yaml[] =
		"scenario: rerun\n"
		"steps:\n"
		"  - calibrate: {points: 3, from_um: -4, to_um: 4}\n"
		"  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5]}, repeat: 4}\n";
	mdl_view_cache_stat s0, s1, s2;
	sim_run_result res1, res2;
	sim_scenario sc;
	char err[256];

	ck_assert_int_eq(sim_scenario_load_string("rerun.yaml", yaml, strlen(yaml), &sc, err,
						  sizeof err), 0);
	mdl_view_cache_clear();
	stats(&s0);
	ck_assert_int_eq(sim_run(&sc, 5, true, NULL, NULL, &res1), SIM_PASSED);
	stats(&s1);
	ck_assert_int_eq(sim_run(&sc, 5, true, NULL, NULL, &res2), SIM_PASSED);
	stats(&s2);
	ck_assert_uint_eq(res1.trace_hash, res2.trace_hash);
	/* the second run made no view: every one came from the first */
	ck_assert_uint_gt(s1.misses - s0.misses, 4);
	ck_assert_uint_eq(s2.misses - s1.misses, 0);
	ck_assert_uint_eq(s2.hits - s1.hits, (s1.misses - s0.misses) + (s1.hits - s0.hits));
	/* and with no cache at all, the same run */
	mdl_view_cache_set_budget(0);
	ck_assert_int_eq(sim_run(&sc, 5, true, NULL, NULL, &res2), SIM_PASSED);
	ck_assert_uint_eq(res1.trace_hash, res2.trace_hash);
	mdl_view_cache_set_budget(default_budget);
	sim_scenario_release(&sc);
}
END_TEST

Suite *view_cache_suite(void)
{
	Suite *s = suite_create("view_cache");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_budget_strips_levels);
	tcase_add_test(tc, test_scenario_rerun);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
