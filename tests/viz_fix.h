/*
 * viz_fix.h - the fixture of the picture tests (test_viz.c,
 * test_viz_timeline.c): a temporary results database the store creates,
 * filled with raw SQL (runs 1..10, see fill()), read by the pictures
 * through the store (store), a viz context, and pixel helpers.
 * Header-only (static functions) so that each test file stays standalone.
 */
#ifndef TESTS_VIZ_FIX_H
#define TESTS_VIZ_FIX_H

#include <check.h>
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

#define VIZ_FIX_UNUSED __attribute__((unused))

#define SKY 0xFF56B4E9u
#define BLUE 0xFF0072B2u
#define VERMILLION 0xFFD55E00u
#define WHITE 0xFFFFFFFFu

static char tmpdir[256];
static char dbpath[300];
static sqlite3 *sq;
static db *store;
static viz_ctx *ctx;

VIZ_FIX_UNUSED static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(sq, sql, NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("%s: %s", sql, err);
}

VIZ_FIX_UNUSED static void execf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
VIZ_FIX_UNUSED static void execf(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	exec(buf);
}

VIZ_FIX_UNUSED static void add_run(int id, const char *scenario, const char *hash)
{
	execf("INSERT INTO runs (id, scenario, scenario_path, scenario_sha256, seed, mode, started_at, "
	      "finished_at, status, trace_hash, afsim_version, host, pid, rig, tol_time_frac, "
	      "tol_accuracy_um) VALUES (%d, '%s', 's.yaml', 'x', 1, 'sim', '2026-01-01T00:00:00Z', "
	      "'2026-01-01T00:00:01Z', 'passed', '%s', 'test', 'h', 1, 'sim:default', 0.05, 0.05)",
	      id, scenario, hash);
}

VIZ_FIX_UNUSED static void add_handoff(int run, int seq, double t, const double ph[4], double zf, int ok)
{
	execf("INSERT INTO ops (run_id, seq, kind, t_ms, from_lens, to_lens, z_found_um, "
	      "mapping_error_um, lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, total_ms, "
	      "frames, cache_hit, success) VALUES (%d, %d, 'handoff', %.17g, 'A', 'B', %.17g, 0.1, %.17g, "
	      "%.17g, %.17g, %.17g, %.17g, 3, 0, %d)",
	      run, seq, t, zf, ph[0], ph[1], ph[2], ph[3], ph[0] + ph[1] + ph[2] + ph[3], ok);
}

VIZ_FIX_UNUSED static void add_sample(int run, int op, int seq, double t, double z, double score, double truth,
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
VIZ_FIX_UNUSED static void fill(void)
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

VIZ_FIX_UNUSED static void setup_common(bool with_data)
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

VIZ_FIX_UNUSED static void setup(void)
{
	setup_common(true);
}

VIZ_FIX_UNUSED static void setup_empty(void)
{
	setup_common(false);
}

VIZ_FIX_UNUSED static void teardown(void)
{
	viz_ctx_free(ctx);
	db_close(store);
	store = NULL;
	sqlite3_close(sq);
	tmpdir_remove(tmpdir);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* Is a pixel of colour argb within r pixels (Chebyshev) of (x, y)? */
VIZ_FIX_UNUSED static bool near_color(const viz_canvas *c, int x, int y, uint32_t argb, int r)
{
	for (int dy = -r; dy <= r; dy++)
		for (int dx = -r; dx <= r; dx++)
			if (viz_canvas_pixel(c, x + dx, y + dy) == argb)
				return true;
	return false;
}

/* Pixels in r that are not white. */
VIZ_FIX_UNUSED static int ink(const viz_canvas *c, SDL_Rect r)
{
	int n = 0;

	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++)
			n += viz_canvas_pixel(c, x, y) != WHITE;
	return n;
}

VIZ_FIX_UNUSED static viz_view *view(viz_kind kind, int64_t a, int64_t b, int nruns, const char *scen,
		      const char *metric)
{
	viz_request rq = { kind, { a, b }, nruns, scen, metric, NULL };
	viz_view *v = viz_view_open(store, &rq);

	ck_assert_ptr_nonnull(v);
	return v;
}

VIZ_FIX_UNUSED static void canvas(viz_canvas *c, int w, int h)
{
	ck_assert_int_eq(viz_canvas_init(c, ctx, w, h), 0);
	ck_assert_int_eq(c->w, w);
	ck_assert_int_eq(c->h, h);
	ck_assert_int_eq(c->surf->w, w);
	ck_assert_int_eq(c->surf->h, h);
}

/* Legend, plot, x and y label regions all carry ink. */
VIZ_FIX_UNUSED static void assert_labelled(const viz_view *v, const viz_canvas *c)
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
VIZ_FIX_UNUSED static void assert_png_roundtrip(viz_canvas *c, const char *name)
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

#endif /* TESTS_VIZ_FIX_H */
