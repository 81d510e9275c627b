/*
 * test_viz.c - the pictures: statistics and decimation with numbers, the
 * data loaders against a database the store creates, filled with raw SQL,
 * and each view rendered headless and checked pixel by pixel: the size,
 * a known data point on the pixel the view's axis mapping predicts in its
 * series colour, ink where the legend and the axis labels go, the message
 * of an empty database / unknown run / run without handoffs, and the PNG
 * read back with IMG_Load equal to the surface that was written.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL_image.h>

#include "db/db.h"
#include "tests/tmpdir.h"
#include "viz/canvas.h"
#include "viz/data.h"
#include "viz/view.h"
#include "viz/window.h"

Suite *viz_suite(void);

#include "tests/viz_fix.h"

/* ---- statistics, ticks, decimation -------------------------------------------------- */

START_TEST(test_stats)
{
	viz_trend_data d;
	char err[512];

	/* run 2's totals are 80, 90, 100, 110, 120: the trend's std is the
	 * report's, the sample std sqrt(1000 / 4) = 15.81 (divisor n - 1), not
	 * the population's sqrt(1000 / 5) = 14.14 */
	ck_assert_int_eq(viz_data_trend(store, "tr", "handoff.total_ms.std", NULL, &d, err, sizeof err), 0);
	ck_assert_int_eq(d.run_id[0], 2);
	ck_assert_double_eq_tol(d.value[0], sqrt(250.0), 1e-12);
	ck_assert_double_eq_tol(d.value[0], 15.811388300841896, 1e-12);
	viz_trend_data_release(&d);
	/* numpy's p95 of {80 .. 120}: 118 */
	ck_assert_int_eq(viz_data_trend(store, "tr", "handoff.total_ms.p95", NULL, &d, err, sizeof err), 0);
	ck_assert_double_eq_tol(d.value[0], 118.0, 1e-12);
	viz_trend_data_release(&d);
}
END_TEST

START_TEST(test_ticks)
{
	double t[32], step, lo = 0.3, hi = 9.2;
	int n = viz_ticks(0, 10, 5, t, 32, &step);

	ck_assert_int_eq(n, 6);
	ck_assert_double_eq(step, 2.0);
	ck_assert_double_eq(t[0], 0.0);
	ck_assert_double_eq(t[5], 10.0);
	n = viz_ticks(243.0, 251.0, 16, t, 32, &step);
	ck_assert_double_eq_tol(step, 0.5, 1e-12);
	ck_assert_int_eq(n, 17);
	viz_nice_range(&lo, &hi, 5);
	ck_assert_double_eq(lo, 0.0);
	ck_assert_double_eq(hi, 10.0);
	lo = hi = 22.0;
	viz_nice_range(&lo, &hi, 5);
	ck_assert(lo < 22.0 && hi > 22.0);
	{
		viz_axis ax = { 0, 100, 10, 109 };   /* 100 units on 99 pixel steps */

		ck_assert_int_eq(viz_axis_px(&ax, 0), 10);
		ck_assert_int_eq(viz_axis_px(&ax, 100), 109);
		ck_assert_int_eq(viz_axis_px(&ax, 50), 60);   /* 59.5 rounds up */
		ck_assert_double_eq_tol(viz_axis_value(&ax, 59.5), 50.0, 1e-12);
	}
}
END_TEST

START_TEST(test_decimate)
{
	enum { N = 100000 };
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	viz_column cols[10];
	size_t used;

	ck_assert(x && y);
	for (int i = 0; i < N; i++) {
		x[i] = i;
		y[i] = (i % 1000 == 500) ? 1000.0 + i / 1000 : (double)(i % 7);
	}
	y[3] = NAN;
	used = viz_decimate(x, y, N, 0, 9999.999, cols, 10);
	ck_assert_uint_eq(used, 9999);      /* 10 000 points in the window, one NaN */
	for (int k = 0; k < 10; k++) {
		ck_assert_uint_eq(cols[k].n, k == 0 ? 999 : 1000);
		ck_assert_double_eq(cols[k].lo, 0.0);
		ck_assert_double_eq(cols[k].hi, 1000.0 + k);   /* the spike of each column survives */
	}
	ck_assert_double_eq(cols[0].first, 0.0);
	ck_assert_double_eq(cols[9].last, 9999 % 7);
	ck_assert_uint_eq(viz_lower_bound(x, N, 50000.5), 50001);
	ck_assert_uint_eq(viz_decimate(x, y, N, 5, 5, cols, 10), 0);
	free(x);
	free(y);
}
END_TEST

START_TEST(test_metric_parse)
{
	viz_metric m;
	char err[512];

	ck_assert_int_eq(viz_metric_parse("handoff.total_ms.p95", &m, err, sizeof err), 0);
	ck_assert_int_eq(m.m.field, DB_F_TOTAL_MS);
	ck_assert_int_eq(m.m.stat, DB_STAT_P95);
	ck_assert_int_eq(m.kind, VIZ_M_TIME);
	ck_assert_str_eq(m.unit, "ms");
	ck_assert_int_eq(viz_metric_parse("autofocus.ms.mean", &m, err, sizeof err), 0);
	ck_assert_int_eq(m.m.op, DB_MOP_AUTOFOCUS);
	ck_assert_int_eq(viz_metric_parse("handoff.mapping_error_um.max", &m, err, sizeof err), 0);
	ck_assert_int_eq(m.kind, VIZ_M_ACCURACY);
	ck_assert_int_eq(viz_metric_parse("handoff.success_rate", &m, err, sizeof err), 0);
	ck_assert_int_eq(m.kind, VIZ_M_RATE);
	ck_assert(!m.higher_is_worse);
	ck_assert_int_eq(viz_metric_parse("handoff.total_ms.p97", &m, err, sizeof err), VIZ_EUSAGE);
	ck_assert_int_eq(viz_metric_parse("handoff.total_ms; DROP TABLE runs.max", &m, err, sizeof err),
			 VIZ_EUSAGE);
	ck_assert(strstr(err, "unknown metric 'handoff.total_ms; DROP TABLE runs.max'") != NULL);
	ck_assert_int_eq(viz_exit_code(VIZ_EUSAGE), 2);
	ck_assert_int_eq(viz_exit_code(VIZ_ENODATA), 3);
	ck_assert_int_eq(viz_exit_code(0), 0);
}
END_TEST

/* ---- loaders ------------------------------------------------------------------------ */

START_TEST(test_data_trend)
{
	viz_trend_data d;
	char err[512];

	ck_assert_int_eq(viz_data_trend(store, "tr", "handoff.total_ms.mean", NULL, &d, err, sizeof err), 0);
	ck_assert_uint_eq(d.n, 5);
	ck_assert_int_eq(d.run_id[0], 2);
	ck_assert_int_eq(d.run_id[4], 6);
	ck_assert_double_eq_tol(d.value[0], 100.0, 1e-9);
	ck_assert_double_eq_tol(d.value[3], 150.0, 1e-9);
	ck_assert(d.has_base);
	ck_assert_int_eq(d.base_run, 2);
	ck_assert_double_eq_tol(d.band_lo, 95.0, 1e-9);    /* 100 - 5 % */
	ck_assert_double_eq_tol(d.band_hi, 105.0, 1e-9);
	viz_trend_data_release(&d);

	ck_assert_int_eq(viz_data_trend(store, "tr", "handoff.total_ms.p95", NULL, &d, err, sizeof err), 0);
	ck_assert_double_eq_tol(d.value[0], 118.0, 1e-9);  /* 80 + {0..40}: 110 + 0.8 * 10 */
	ck_assert_double_eq_tol(d.value[4], 78.0, 1e-9);
	ck_assert_double_eq_tol(d.band_hi, 118.0 * 1.05, 1e-9);
	viz_trend_data_release(&d);

	ck_assert_int_eq(viz_data_trend(store, "tr", "handoff.success_rate", NULL, &d, err, sizeof err), 0);
	ck_assert_double_eq(d.value[2], 1.0);
	ck_assert_double_eq(d.band_lo, 1.0);
	viz_trend_data_release(&d);

	ck_assert_int_eq(viz_data_trend(store, "nope", "handoff.total_ms.mean", NULL, &d, err, sizeof err),
			 VIZ_ENODATA);
	ck_assert_str_eq(err, "no runs of scenario 'nope' in the database");
	ck_assert_int_eq(viz_data_trend(store, "cal", "handoff.total_ms.mean", NULL, &d, err, sizeof err),
			 VIZ_ENODATA);
	ck_assert(strstr(err, "no finished run of scenario 'cal' has a value") != NULL);
}
END_TEST

START_TEST(test_data_phases_timeline)
{
	viz_phases p;
	viz_timeline_data t;
	char err[512];
	int64_t last;

	ck_assert_int_eq(viz_data_phases(store, 7, &p, err, sizeof err), 0);
	ck_assert_uint_eq(p.handoffs, 20);
	ck_assert_uint_eq(p.n[VIZ_LENS_SWITCH], 20);
	ck_assert_double_eq_tol(p.mean[VIZ_LENS_SWITCH], 42.5, 1e-9);
	ck_assert_double_eq_tol(p.v[VIZ_FOCUS_SEARCH][0], 100.0, 1e-9);
	ck_assert_double_eq_tol(p.p95[VIZ_FOCUS_SEARCH], 118.05, 1e-9);
	viz_phases_release(&p);
	ck_assert_int_eq(viz_data_phases(store, 9, &p, err, sizeof err), VIZ_ENODATA);
	ck_assert_str_eq(err, "run 9 has no handoffs");
	ck_assert_int_eq(viz_data_phases(store, 99, &p, err, sizeof err), VIZ_ENODATA);
	ck_assert_str_eq(err, "no run 99 in the database");

	ck_assert_int_eq(viz_data_timeline(store, 1, &t, err, sizeof err), 0);
	ck_assert_uint_eq(t.nops, 2);
	ck_assert_uint_eq(t.ns, 6);
	ck_assert_double_eq(t.t_ms[1], 45.0);
	ck_assert_double_eq(t.z_um[1], 2.5);
	ck_assert_double_eq(t.ops[1].z_found_um, 3.0);
	ck_assert_double_eq(t.t_end_ms, 165.0);
	viz_timeline_data_release(&t);
	ck_assert_int_eq(viz_data_last_run(store, &last, err, sizeof err), 0);
	ck_assert_int_eq(last, 10);
	ck_assert_int_eq(viz_data_step_run(store, 7, 1, NULL, &last), 0);
	ck_assert_int_eq(last, 8);
	ck_assert_int_eq(viz_data_step_run(store, 10, 1, NULL, &last), VIZ_ENODATA);
}
END_TEST

/* ---- views, headless --------------------------------------------------------------- */

START_TEST(test_timeline_png)
{
	viz_view *v = view(VIZ_TIMELINE, 1, 0, 1, NULL, NULL);
	viz_canvas c;
	int px, py;

	ck_assert_int_eq(viz_view_status(v), 0);
	canvas(&c, 1280, 800);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	/* a frame: stage z 2.5 um at 45 ms, a blue dot on its mapped pixel */
	ck_assert_int_eq(viz_view_map(v, 0, 45.0, 2.5, &px, &py), 0);
	ck_assert_msg(near_color(&c, px, py, BLUE, 1), "pixel %d,%d is %08x", px, py,
		      viz_canvas_pixel(&c, px, py));
	/* the fitted peak of op 2: a vermillion diamond at its end (165 ms, 3.0 um) */
	ck_assert_int_eq(viz_view_map(v, 0, 165.0, 3.0, &px, &py), 0);
	ck_assert_msg(near_color(&c, px, py, VERMILLION, 1), "peak pixel %d,%d is %08x", px, py,
		      viz_canvas_pixel(&c, px, py));
	/* the focus-search bar of op 1 (from 30 to 60 ms) in the phase lane */
	ck_assert_int_eq(viz_view_map(v, 3, 45.0, 0.5, &px, &py), 0);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), 0xFF009E73u);
	/* the temperature strip maps 22.2 C where the orange line passes */
	ck_assert_int_eq(viz_view_map(v, 2, 55.0, 22.2, &px, &py), 0);
	ck_assert(near_color(&c, px, py, 0xFFE69F00u, 1));
	ck_assert_int_eq(viz_view_map(v, 4, 0, 0, &px, &py), -1);
	assert_labelled(v, &c);
	assert_png_roundtrip(&c, "timeline.png");
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

START_TEST(test_trend_png)
{
	viz_view *v = view(VIZ_TREND, 0, 0, 0, "tr", "handoff.total_ms.mean");
	viz_canvas c;
	int px, py, bx, by;

	ck_assert_int_eq(viz_view_status(v), 0);
	canvas(&c, 1280, 800);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	/* run 3 (101 ms) is inside the band: blue */
	ck_assert_int_eq(viz_view_map(v, 0, 3.0, 101.0, &px, &py), 0);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), BLUE);
	/* run 5 (150 ms) is a regression: a vermillion triangle */
	ck_assert_int_eq(viz_view_map(v, 0, 5.0, 150.0, &px, &py), 0);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), VERMILLION);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py + 4), VERMILLION);  /* its base row is wide */
	ck_assert_uint_eq(viz_canvas_pixel(&c, px - 4, py + 5), VERMILLION);
	/* run 6 (60 ms) is an improvement: green */
	ck_assert_int_eq(viz_view_map(v, 0, 6.0, 60.0, &px, &py), 0);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), 0xFF009E73u);
	/* the band (95..105) is tinted between runs, the area above it is not */
	ck_assert_int_eq(viz_view_map(v, 0, 2.5, 97.0, &bx, &by), 0);
	ck_assert_uint_ne(viz_canvas_pixel(&c, bx, by), WHITE);
	ck_assert_int_eq(viz_view_map(v, 0, 2.5, 125.0, &bx, &by), 0);
	ck_assert(viz_canvas_pixel(&c, bx, by) == WHITE || viz_canvas_pixel(&c, bx, by) == 0xFFE4E4E4u);
	assert_labelled(v, &c);
	assert_png_roundtrip(&c, "trend.png");
	viz_canvas_release(&c);
	/* another size: the mapping follows */
	canvas(&c, 400, 300);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_int_eq(viz_view_map(v, 0, 5.0, 150.0, &px, &py), 0);
	ck_assert(px < 400 && py < 300);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), VERMILLION);
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

START_TEST(test_hist_png)
{
	viz_view *v = view(VIZ_HIST, 7, 8, 2, NULL, NULL);
	viz_canvas c;
	int px, py;

	ck_assert_int_eq(viz_view_status(v), 0);
	canvas(&c, 1280, 800);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	/* run 7 alone in bin [40, 41): 4 handoffs, filled sky blue */
	ck_assert_int_eq(viz_view_map(v, VIZ_LENS_SWITCH, 40.5, 2.0, &px, &py), 0);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), SKY);
	/* run 8 alone in bin [46, 47): 4 handoffs, a vermillion outline on top */
	ck_assert_int_eq(viz_view_map(v, VIZ_LENS_SWITCH, 46.5, 4.0, &px, &py), 0);
	ck_assert(near_color(&c, px, py, VERMILLION, 1));
	/* nothing above the bars */
	ck_assert_int_eq(viz_view_map(v, VIZ_LENS_SWITCH, 46.5, 4.6, &px, &py), 0);
	ck_assert(!near_color(&c, px, py, VERMILLION, 1));
	ck_assert_int_eq(viz_view_map(v, VIZ_NPHASE, 0, 0, &px, &py), -1);
	assert_labelled(v, &c);
	assert_png_roundtrip(&c, "hist.png");
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

START_TEST(test_compare_png)
{
	viz_view *v = view(VIZ_COMPARE, 7, 8, 2, NULL, NULL);
	viz_canvas c;
	int px, py;

	ck_assert_int_eq(viz_view_status(v), 0);
	canvas(&c, 1024, 640);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	/* focus search means: run 7 109.5 ms, run 8 129.5 ms */
	ck_assert_int_eq(viz_view_map(v, 0, VIZ_FOCUS_SEARCH - 0.2, 109.5 / 2, &px, &py), 0);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), SKY);
	ck_assert_int_eq(viz_view_map(v, 0, VIZ_FOCUS_SEARCH + 0.2, 129.5 / 2, &px, &py), 0);
	ck_assert_uint_eq(viz_canvas_pixel(&c, px, py), VERMILLION);
	ck_assert_int_eq(viz_view_map(v, 0, VIZ_FOCUS_SEARCH + 0.2, 129.5 + 8, &px, &py), 0);
	ck_assert_uint_ne(viz_canvas_pixel(&c, px, py), VERMILLION);
	assert_labelled(v, &c);
	assert_png_roundtrip(&c, "compare.png");
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

/* ---- nothing to draw ---------------------------------------------------------------- */

static void assert_message(viz_view *v, int code, const char *msg)
{
	viz_canvas c;
	SDL_Rect r;

	ck_assert_int_eq(viz_view_status(v), code);
	ck_assert_str_eq(viz_view_errmsg(v), msg);
	canvas(&c, 800, 500);
	ck_assert_int_eq(viz_view_render(v, &c), code);
	ck_assert_int_eq(viz_view_region(v, VIZ_REG_MESSAGE, &r), 0);
	ck_assert_msg(ink(&c, r) > 100, "message has %d ink pixels", ink(&c, r));
	ck_assert_int_eq(viz_view_map(v, 0, 0, 0, &r.x, &r.y), -1);
	viz_canvas_release(&c);
}

START_TEST(test_empty_db)
{
	viz_view *v = view(VIZ_TREND, 0, 0, 0, "tr", "handoff.total_ms.mean");
	char err[256], path[400];
	int64_t id;

	assert_message(v, VIZ_ENODATA, "no runs of scenario 'tr' in the database");
	snprintf(path, sizeof path, "%s/empty.png", tmpdir);
	ck_assert_int_eq(viz_render_png(v, ctx, 640, 400, path, err, sizeof err), VIZ_ENODATA);
	ck_assert_int_eq(access(path, R_OK), 0);   /* the message picture is still written */
	viz_view_free(v);
	ck_assert_int_eq(viz_data_last_run(store, &id, err, sizeof err), VIZ_ENODATA);
	ck_assert(strstr(err, "the database has no runs") != NULL);
	v = view(VIZ_TIMELINE, 1, 0, 1, NULL, NULL);
	assert_message(v, VIZ_ENODATA, "no run 1 in the database");
	viz_view_free(v);
}
END_TEST

START_TEST(test_missing_data)
{
	viz_view *v = view(VIZ_HIST, 9, 0, 1, NULL, NULL);

	assert_message(v, VIZ_ENODATA, "run 9 has no handoffs");
	viz_view_free(v);
	v = view(VIZ_COMPARE, 7, 42, 2, NULL, NULL);
	assert_message(v, VIZ_ENODATA, "no run 42 in the database");
	viz_view_free(v);
	v = view(VIZ_TREND, 0, 0, 0, "tr", "handoff.total_ms.p97");
	ck_assert_int_eq(viz_view_status(v), VIZ_EUSAGE);
	ck_assert_int_eq(viz_exit_code(viz_view_status(v)), 2);
	viz_view_free(v);
	/* a calibration-only run still has a timeline */
	v = view(VIZ_TIMELINE, 9, 0, 1, NULL, NULL);
	ck_assert_int_eq(viz_view_status(v), 0);
	viz_view_free(v);
}
END_TEST

/* ---- navigation --------------------------------------------------------------------- */

START_TEST(test_navigation)
{
	viz_view *v = view(VIZ_TIMELINE, 10, 0, 1, NULL, NULL);
	viz_canvas c;
	int px, py, qx, qy;
	char err[256];

	canvas(&c, 1000, 600);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 1-10 of 30", 21) == 0, "%s",
		      viz_view_status_line(v));
	ck_assert_int_eq(viz_view_step(v, -1), VIZ_ENODATA);
	ck_assert_int_eq(viz_view_step(v, 1), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 11-20 of 30", 22) == 0, "%s",
		      viz_view_status_line(v));
	ck_assert_int_eq(viz_view_step(v, 1), 0);
	ck_assert_int_eq(viz_view_step(v, 1), VIZ_ENODATA);
	ck_assert_int_eq(viz_view_step(v, -1), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 11-20 of 30", 22) == 0, "%s",
		      viz_view_status_line(v));
	/* zoom around the pixel of 3300 ms: that time stays on that pixel */
	ck_assert_int_eq(viz_view_map(v, 0, 3300.0, 1.0, &px, &py), 0);
	ck_assert_int_eq(viz_view_zoom(v, 0.5, px), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	viz_view_map(v, 0, 3300.0, 1.0, &qx, &qy);
	ck_assert_int_le(abs(qx - px), 1);
	/* drag right by 100 px: the same time moves 100 px right */
	ck_assert_int_eq(viz_view_pan(v, 100), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	viz_view_map(v, 0, 3300.0, 1.0, &qx, &qy);
	ck_assert_int_le(abs(qx - (px + 100)), 1);
	viz_view_reset(v);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 1-10 of 30", 21) == 0, "%s",
		      viz_view_status_line(v));
	/* the previous run (9, a calibration) and back */
	ck_assert_int_eq(viz_view_step_run(v, -1), 0);
	ck_assert(strstr(viz_view_title(v), "run 9") != NULL);
	ck_assert_int_eq(viz_view_step_run(v, 1), 0);
	ck_assert(strstr(viz_view_title(v), "run 10") != NULL);
	ck_assert_int_eq(viz_view_step_run(v, 1), VIZ_ENODATA);
	viz_canvas_release(&c);
	viz_view_free(v);
	ck_assert_int_eq(viz_script_check("right,plus,h,?,esc,wheelup", err, sizeof err), 0);
	ck_assert_int_eq(viz_script_check("right,jump", err, sizeof err), VIZ_EUSAGE);
	ck_assert(strstr(err, "unknown key 'jump'") != NULL);
}
END_TEST

Suite *viz_suite(void)
{
	Suite *s = suite_create("viz");
	TCase *pure = tcase_create("pure"), *tc = tcase_create("views"), *te = tcase_create("empty");

	tcase_add_test(pure, test_ticks);
	tcase_add_test(pure, test_decimate);
	tcase_add_test(pure, test_metric_parse);
	suite_add_tcase(s, pure);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_data_trend);
	tcase_add_test(tc, test_data_phases_timeline);
	tcase_add_test(tc, test_timeline_png);
	tcase_add_test(tc, test_trend_png);
	tcase_add_test(tc, test_hist_png);
	tcase_add_test(tc, test_compare_png);
	tcase_add_test(tc, test_missing_data);
	tcase_add_test(tc, test_navigation);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(te, setup_empty, teardown);
	tcase_set_timeout(te, 30);
	tcase_add_test(te, test_empty_db);
	suite_add_tcase(s, te);
	return s;
}
