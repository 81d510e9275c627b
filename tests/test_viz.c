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

#define SKY 0xFF56B4E9u
#define BLUE 0xFF0072B2u
#define VERMILLION 0xFFD55E00u
#define WHITE 0xFFFFFFFFu

static char tmpdir[256];
static char dbpath[300];
static sqlite3 *sq;
static db *store;
static viz_ctx *ctx;

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(sq, sql, NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("%s: %s", sql, err);
}

static void execf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void execf(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	exec(buf);
}

static void add_run(int id, const char *scenario, const char *hash)
{
	execf("INSERT INTO runs (id, scenario, scenario_path, scenario_sha256, seed, mode, started_at, "
	      "finished_at, status, trace_hash, afsim_version, host, pid, rig, tol_time_frac, "
	      "tol_accuracy_um) VALUES (%d, '%s', 's.yaml', 'x', 1, 'sim', '2026-01-01T00:00:00Z', "
	      "'2026-01-01T00:00:01Z', 'passed', '%s', 'test', 'h', 1, 'sim:default', 0.05, 0.05)",
	      id, scenario, hash);
}

static void add_handoff(int run, int seq, double t, const double ph[4], double zf, int ok)
{
	execf("INSERT INTO ops (run_id, seq, kind, t_ms, from_lens, to_lens, z_found_um, "
	      "mapping_error_um, lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, total_ms, "
	      "frames, cache_hit, success) VALUES (%d, %d, 'handoff', %.17g, 'A', 'B', %.17g, 0.1, %.17g, "
	      "%.17g, %.17g, %.17g, %.17g, 3, 0, %d)",
	      run, seq, t, zf, ph[0], ph[1], ph[2], ph[3], ph[0] + ph[1] + ph[2] + ph[3], ok);
}

static void add_sample(int run, int op, int seq, double t, double z, double score, double truth,
		       double temp)
{
	execf("INSERT INTO samples VALUES (%d, %d, %d, %.17g, 'B', %.17g, %.17g, %.17g, %.17g)", run, op,
	      seq, t, z, score, truth, temp);
}

/*
 * run 1 (tl): two handoffs with three frames each; run 2..6 (tr): totals
 * for the trend, run 2 blessed as main; run 7, 8 (hs): 20 handoffs each
 * with known phases; run 9 (cal): a calibration only; run 10 (many): 30
 * handoffs for the window keys.
 */
static void fill(void)
{
	static const double ph[4] = { 10, 20, 30, 5 };

	exec("BEGIN");
	add_run(1, "tl", "00000000000000aa");
	add_handoff(1, 1, 0, ph, 2.0, 1);
	add_handoff(1, 2, 100, ph, 3.0, 1);
	add_sample(1, 1, 1, 35, 1.0, 0.10, -5, 22.0);
	add_sample(1, 1, 2, 45, 2.5, 0.30, -5, 22.1);
	add_sample(1, 1, 3, 55, 4.0, 0.20, -5, 22.2);
	add_sample(1, 2, 4, 135, 2.0, 0.10, -5, 22.3);
	add_sample(1, 2, 5, 145, 3.0, 0.30, -5, 22.4);
	add_sample(1, 2, 6, 155, 4.0, 0.20, -5, 22.5);
	/* trend: run k's totals are base_k + {0, 10, 20, 30, 40} (mean base + 20) */
	for (int k = 2; k <= 6; k++) {
		static const double base[7] = { 0, 0, 80, 81, 79, 130, 40 };

		add_run(k, "tr", "00000000000000bb");
		for (int i = 0; i < 5; i++) {
			double p[4] = { base[k] + 10.0 * i, 0, 0, 0 };

			add_handoff(k, i + 1, 1000.0 * i, p, 0, 1);
		}
	}
	exec("INSERT INTO baselines VALUES ('main', 'tr', 2, '2026-01-01T00:00:00Z', 'test')");
	/* hist: run 7 lens switch 40..44 (4 each), run 8 42..46 */
	add_run(7, "hs", "00000000000000cc");
	add_run(8, "hs", "00000000000000dd");
	for (int i = 0; i < 20; i++) {
		double a[4] = { 40 + i % 5 + 0.5, 30, 100 + i, 1 };
		double b[4] = { 42 + i % 5 + 0.5, 35, 120 + i, 2 };

		add_handoff(7, i + 1, 300.0 * i, a, 0, 1);
		add_handoff(8, i + 1, 300.0 * i, b, 0, 1);
	}
	add_run(9, "cal", "00000000000000ee");
	exec("INSERT INTO ops (run_id, seq, kind, t_ms, total_ms, success) VALUES (9, 1, 'calibrate', 0, 500, 1)");
	add_run(10, "many", "00000000000000ff");
	for (int i = 0; i < 30; i++)
		add_handoff(10, i + 1, 300.0 * i, ph, 1.0, 1);
	exec("COMMIT");
}

static void setup_common(bool with_data)
{
	char err[256];

	tmpdir_make(tmpdir, sizeof tmpdir, "test-viz");
	snprintf(dbpath, sizeof dbpath, "%s/v.db", tmpdir);
	/* the store creates the schema (docs/database.md); rows go in with SQL */
	{
		db *d = db_open(dbpath, err, sizeof err);

		ck_assert_msg(d != NULL, "%s", err);
		db_close(d);
	}
	ck_assert_int_eq(sqlite3_open(dbpath, &sq), SQLITE_OK);
	if (with_data)
		fill();
	/* the pictures read through the store; rows go in through sq */
	store = db_open(dbpath, err, sizeof err);
	ck_assert_msg(store != NULL, "%s", err);
	ctx = viz_ctx_new(NULL, err, sizeof err);
	ck_assert_msg(ctx != NULL, "%s", err);
}

static void setup(void)
{
	setup_common(true);
}

static void setup_empty(void)
{
	setup_common(false);
}

static void teardown(void)
{
	viz_ctx_free(ctx);
	db_close(store);
	store = NULL;
	sqlite3_close(sq);
	tmpdir_remove(tmpdir);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* Is a pixel of colour argb within r pixels (Chebyshev) of (x, y)? */
static bool near_color(const viz_canvas *c, int x, int y, uint32_t argb, int r)
{
	for (int dy = -r; dy <= r; dy++)
		for (int dx = -r; dx <= r; dx++)
			if (viz_canvas_pixel(c, x + dx, y + dy) == argb)
				return true;
	return false;
}

/* Pixels in r that are not white. */
static int ink(const viz_canvas *c, SDL_Rect r)
{
	int n = 0;

	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++)
			n += viz_canvas_pixel(c, x, y) != WHITE;
	return n;
}

static viz_view *view(viz_kind kind, int64_t a, int64_t b, int nruns, const char *scen,
		      const char *metric)
{
	viz_request rq = { kind, { a, b }, nruns, scen, metric, NULL };
	viz_view *v = viz_view_open(store, &rq);

	ck_assert_ptr_nonnull(v);
	return v;
}

static void canvas(viz_canvas *c, int w, int h)
{
	ck_assert_int_eq(viz_canvas_init(c, ctx, w, h), 0);
	ck_assert_int_eq(c->w, w);
	ck_assert_int_eq(c->h, h);
	ck_assert_int_eq(c->surf->w, w);
	ck_assert_int_eq(c->surf->h, h);
}

/* Legend, plot, x and y label regions all carry ink. */
static void assert_labelled(const viz_view *v, const viz_canvas *c)
{
	static const viz_region regs[] = { VIZ_REG_TITLE, VIZ_REG_LEGEND, VIZ_REG_XLABEL, VIZ_REG_YLABEL };
	static const char *const names[] = { "title", "legend", "x labels", "y labels" };
	SDL_Rect r;

	for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
		ck_assert_msg(viz_view_region(v, regs[i], &r) == 0, "no %s region", names[i]);
		ck_assert_msg(ink(c, r) > 40, "%s region %d,%d %dx%d has %d ink pixels", names[i], r.x, r.y,
			      r.w, r.h, ink(c, r));
	}
	ck_assert_int_eq(viz_view_region(v, VIZ_REG_MESSAGE, &r), -1);
}

/* Save c as PNG, read it back and compare every pixel. */
static void assert_png_roundtrip(viz_canvas *c, const char *name)
{
	char path[400];
	SDL_Surface *in, *conv;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	ck_assert_int_eq(viz_canvas_save_png(c, path), 0);
	in = IMG_Load(path);
	ck_assert_msg(in != NULL, "IMG_Load: %s", IMG_GetError());
	conv = SDL_ConvertSurfaceFormat(in, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(in);
	ck_assert_ptr_nonnull(conv);
	ck_assert_int_eq(conv->w, c->w);
	ck_assert_int_eq(conv->h, c->h);
	for (int y = 0; y < c->h; y++)
		ck_assert_msg(memcmp((const uint8_t *)conv->pixels + (size_t)y * (size_t)conv->pitch,
				     (const uint8_t *)c->surf->pixels + (size_t)y * (size_t)c->surf->pitch,
				     (size_t)c->w * 4) == 0, "PNG row %d differs", y);
	SDL_FreeSurface(conv);
}

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

/* ---- issue 9: what a CI picture shows --------------------------------------------- */

START_TEST(test_timeline_opens_on_handoffs)
{
	static const double ph[4] = { 40, 60, 120, 5 };
	viz_view *v;
	viz_canvas c;
	int px, py;

	/* run 11: a 47 s calibration, then five handoffs */
	add_run(11, "cal-then-handoffs", "0000000000000011");
	exec("INSERT INTO ops (run_id, seq, kind, t_ms, total_ms, frames, success) "
	     "VALUES (11, 1, 'calibrate', 0, 47000, 40, 1)");
	for (int i = 0; i < 5; i++)
		add_handoff(11, 2 + i, 47000.0 + 300.0 * i, ph, 1.0, 1);
	v = view(VIZ_TIMELINE, 11, 0, 1, NULL, NULL);
	canvas(&c, 1000, 600);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 2-6 of 6", 19) == 0, "%s",
		      viz_view_status_line(v));
	/* a handoff's 225 ms are readable: more than 100 px wide */
	ck_assert_int_eq(viz_view_map(v, 3, 47000.0, 0.5, &px, &py), 0);
	{
		int qx, qy;

		ck_assert_int_eq(viz_view_map(v, 3, 47225.0, 0.5, &qx, &qy), 0);
		ck_assert_int_gt(qx - px, 100);
	}
	/* --op 1: the calibration, alone (it is on another scale) */
	ck_assert_int_eq(viz_view_timeline_window(v, 1, false, 0, 0), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strncmp(viz_view_status_line(v), "operations 1-1 of 6", 19) == 0, "%s",
		      viz_view_status_line(v));
	ck_assert_int_eq(viz_view_timeline_window(v, 99, false, 0, 0), VIZ_ENODATA);
	ck_assert_str_eq(viz_view_errmsg(v), "run 11 has no operation 99 (its operations are 1 to 6)");
	/* --from --to: a stretch of run time */
	ck_assert_int_eq(viz_view_timeline_window(v, 0, true, 47250, 47700), 0);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	ck_assert_msg(strstr(viz_view_status_line(v), "47250.0-47700.0 ms") != NULL, "%s",
		      viz_view_status_line(v));
	ck_assert_int_eq(viz_view_timeline_window(v, 0, true, 5, 1), VIZ_EUSAGE);
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

START_TEST(test_timeline_squeezes_idle_gaps)
{
	static const double ph[4] = { 40, 60, 120, 30 };   /* 250 ms */
	viz_timeline_data t;
	viz_view *v;
	viz_canvas c;
	char err[256];
	int px, py, qx, qy;

	/* run 12: ten handoffs a minute apart, three frames each */
	add_run(12, "hourly", "0000000000000012");
	for (int i = 0; i < 10; i++) {
		add_handoff(12, i + 1, 60000.0 * i, ph, 1.0, 1);
		for (int k = 0; k < 3; k++)
			add_sample(12, i + 1, 3 * i + k + 1, 60000.0 * i + 110 + 40 * k, 1.0 + k, 0.2, 1.0, 22);
	}
	ck_assert_int_eq(viz_data_timeline(store, 12, &t, err, sizeof err), 0);
	ck_assert_uint_eq(t.ngaps, 9);
	ck_assert_double_eq(t.gaps[0].real0, 250.0);
	ck_assert_double_eq(t.gaps[0].real1, 60000.0);
	ck_assert_double_eq(t.gaps[0].w, 250.0);                 /* one median operation */
	ck_assert_double_eq(viz_timeline_display(&t, 60000.0), 500.0);
	ck_assert_double_eq(viz_timeline_real(&t, 500.0), 60000.0);
	ck_assert_double_eq(viz_timeline_display(&t, 540250.0), 4750.0);
	ck_assert_double_eq(t.t_end_real_ms, 540250.0);
	ck_assert_double_eq(t.t_ms[3], 610.0);                   /* 60110 ms, squeezed */
	viz_timeline_data_release(&t);
	v = view(VIZ_TIMELINE, 12, 0, 1, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(viz_view_title(v), "timeline of run 12 (hourly)"));
	canvas(&c, 1000, 600);
	ck_assert_int_eq(viz_view_render(v, &c), 0);
	/* all ten handoffs in one window, each tens of pixels wide */
	ck_assert_int_eq(viz_view_map(v, 0, 540000.0, 1.0, &px, &py), 0);
	ck_assert_int_eq(viz_view_map(v, 0, 60000.0, 1.0, &px, &py), 0);
	ck_assert_int_eq(viz_view_map(v, 0, 60250.0, 1.0, &qx, &qy), 0);
	ck_assert_int_gt(qx - px, 30);
	viz_canvas_release(&c);
	viz_view_free(v);
}
END_TEST

START_TEST(test_unfinished_runs_say_so)
{
	viz_view *v;
	viz_trend_data d;
	char err[256];

	exec("UPDATE runs SET status = 'aborted' WHERE id IN (6, 7)");
	v = view(VIZ_HIST, 7, 0, 1, NULL, NULL);
	ck_assert_int_eq(viz_view_status(v), 0);
	ck_assert_str_eq(viz_view_title(v), "handoff phases of run 7 (hs) · ABORTED: partial data");
	viz_view_free(v);
	v = view(VIZ_TIMELINE, 7, 0, 1, NULL, NULL);
	ck_assert_str_eq(viz_view_title(v), "timeline of run 7 (hs) · ABORTED: partial data");
	viz_view_free(v);
	/* the trend leaves the aborted run 6 out and says so */
	ck_assert_int_eq(viz_data_trend(store, "tr", "handoff.total_ms.mean", NULL, &d, err, sizeof err), 0);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_uint_eq(d.unfinished, 1);
	ck_assert_int_eq(d.run_id[3], 5);
	viz_trend_data_release(&d);
}
END_TEST

START_TEST(test_hist_without_a_successful_handoff)
{
	static const double ph[4] = { 10, 20, 30, 5 };
	viz_view *v;

	add_run(13, "failing", "0000000000000013");
	for (int i = 0; i < 3; i++)
		add_handoff(13, i + 1, 1000.0 * i, ph, 0, 0);
	v = view(VIZ_HIST, 13, 0, 1, NULL, NULL);
	ck_assert_int_eq(viz_view_status(v), VIZ_ENODATA);
	ck_assert_int_eq(viz_exit_code(viz_view_status(v)), 3);
	ck_assert_str_eq(viz_view_errmsg(v), "run 13 has 3 handoffs and none succeeded: no phase times "
					     "to draw (afsim report 13 lists their errors)");
	viz_view_free(v);
	/* compare still has its key numbers to show */
	v = view(VIZ_COMPARE, 7, 13, 2, NULL, NULL);
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
	tcase_add_test(tc, test_timeline_opens_on_handoffs);
	tcase_add_test(tc, test_timeline_squeezes_idle_gaps);
	tcase_add_test(tc, test_unfinished_runs_say_so);
	tcase_add_test(tc, test_hist_without_a_successful_handoff);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(te, setup_empty, teardown);
	tcase_set_timeout(te, 30);
	tcase_add_test(te, test_empty_db);
	suite_add_tcase(s, te);
	return s;
}
