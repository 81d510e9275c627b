/*
 * view.h - the four pictures of afsim's results (docs/design.md §8):
 *
 *   timeline  one run: stage z against run time with every frame marked,
 *             the true focal plane, each search's fitted peak (z found at
 *             the op's end), the focus-measure samples, the temperature,
 *             and a bar per phase of every operation; a window of about
 *             ten operations at a time, opening on the first handoffs (the
 *             whole run when it is short and has none), long idle gaps
 *             squeezed with a break mark on the time axis
 *   trend     one metric over the runs of a scenario, the band of the
 *             scenario's `main` baseline and the regressions outside it
 *   hist      per-phase histograms of one run's handoffs, a second overlaid
 *   compare   two runs side by side: per-phase means with p95 whiskers and
 *             the key numbers and trace hashes
 *
 * A view loads its data once (viz_view_new) and renders onto a canvas of
 * any size (viz_view_render), as often as the window needs.  A view whose
 * data could not be loaded still renders: the picture is the message, and
 * render returns the load's code, so nothing is ever silently empty.  The
 * axis mapping of the last render is exposed (viz_view_map) for the tests.
 * Navigation (zoom, pan, stepping) changes what the next render shows.
 */
#ifndef VIZ_VIEW_H
#define VIZ_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "viz/canvas.h"

#include "db/db.h"

typedef enum viz_kind { VIZ_TIMELINE, VIZ_TREND, VIZ_HIST, VIZ_COMPARE } viz_kind;

typedef struct viz_request {
	viz_kind kind;
	int64_t run[2];          /* timeline: 1, hist: 1 or 2, compare: 2 */
	int nruns;
	const char *scenario;    /* trend */
	const char *metric;      /* trend: e.g. handoff.total_ms.p95 */
	const char *baseline;    /* trend: baseline name, NULL for "main" */
} viz_request;

typedef struct viz_view viz_view;

/*
 * Load the data of rq from d (borrowed: it must outlive the view).  NULL
 * only when out of memory; otherwise check viz_view_status().
 */
viz_view *viz_view_open(db *d, const viz_request *rq);
/*
 * The same for a caller that holds only the raw SQLite handle of an open
 * results store (db_handle()): the view opens that database file again
 * through db/ and owns that handle.  Kept for callers not yet passing
 * their db; prefer viz_view_open.
 */
struct sqlite3;
viz_view *viz_view_new(struct sqlite3 *h, const viz_request *rq);

/*
 * The timeline's first window: operation op_seq (> 0) and the ones after
 * it, or the run-time range [from_ms, to_ms] when has_range (op_seq 0).
 * Without either the timeline opens on the first handoffs.  0; VIZ_EUSAGE
 * (not a timeline, an empty range) or VIZ_ENODATA (the run has no such op)
 * with viz_view_errmsg() - the view itself is left as it was.
 */
int viz_view_timeline_window(viz_view *v, uint32_t op_seq, bool has_range, double from_ms,
			     double to_ms);
/* A view that only shows a message (e.g. the database cannot be opened):
 * status code, the message and the title (may be NULL). */
viz_view *viz_view_new_message(viz_kind kind, int code, const char *title, const char *msg);
void viz_view_free(viz_view *v);

/* 0 when the data loaded, else a VIZ_E* code with viz_view_errmsg(). */
int viz_view_status(const viz_view *v);
const char *viz_view_errmsg(const viz_view *v);
/* The picture's title line ("timeline of run 12 (handoff-fast)"). */
const char *viz_view_title(const viz_view *v);

/*
 * Draw the view onto c (cleared first) and flush it.  0; the load code when
 * the view is a message (drawn as text); VIZ_ESDL / VIZ_ENOMEM (the message
 * in viz_view_errmsg) when drawing failed.
 */
int viz_view_render(viz_view *v, viz_canvas *c);

/*
 * The pixel where (x, y) lands in panel `panel` of the last render:
 *   timeline  0 z (ms, µm), 1 focus score (ms, score), 2 temperature (ms, °C),
 *             3 phase lane (ms, 0..1); x is run time (mapped through the
 *             squeezed gaps)
 *   trend     0 (run id, metric value)
 *   hist      0..4 the phases in engine order then total (ms, handoffs)
 *   compare   0 (phase index -0.5..4.5; the first run's bar centred at
 *             phase - 0.2, the second's at phase + 0.2; ms)
 * 0, or -1 when the panel does not exist (no render yet, a message) or the
 * point falls outside it (*px, *py still written when the panel exists).
 */
int viz_view_map(const viz_view *v, int panel, double x, double y, int *px, int *py);

typedef enum viz_region {
	VIZ_REG_TITLE,     /* title and subtitle lines */
	VIZ_REG_LEGEND,    /* the legend (box or row) */
	VIZ_REG_PLOT,      /* the main plot area (first panel) */
	VIZ_REG_XLABEL,    /* below the lowest plot: tick numbers and the x title */
	VIZ_REG_YLABEL,    /* left of the main plot: tick numbers and the y title */
	VIZ_REG_MESSAGE,   /* the message of a view that has nothing to draw */
	VIZ_REG_COUNT
} viz_region;

/* Where a part of the last render went: 0, or -1 when it was not drawn. */
int viz_view_region(const viz_view *v, viz_region r, SDL_Rect *out);

/* ---- navigation (the window's keys and mouse) ------------------------------------ */

/* Zoom the x axis by factor (< 1 zooms in) around canvas column px (the plot
 * centre when px is outside it).  Timeline and trend only; 0 or -1. */
int viz_view_zoom(viz_view *v, double factor, int px);
/* Pan the x axis by dx canvas pixels (drag to the right shows earlier x). */
int viz_view_pan(viz_view *v, int dx);
/*
 * Step: timeline, the previous/next window of operations; trend, a page of
 * runs; hist and compare, the previous/next run (the last run given).  0, or
 * VIZ_ENODATA at either end (the view is unchanged).
 */
int viz_view_step(viz_view *v, int dir);
/* Step the (last) run to the previous/next one in the database (timeline,
 * hist, compare); 0 or VIZ_ENODATA. */
int viz_view_step_run(viz_view *v, int dir);
/* Back to the initial window. */
void viz_view_reset(viz_view *v);
/* A one-line description of what is shown ("ops 1-10 of 301"), for the
 * window title; "" when there is none. */
const char *viz_view_status_line(const viz_view *v);

/*
 * Render v headless at w x h into the PNG file path (no display needed).
 * 0; the view's code when it is a message (the PNG is still written); or
 * VIZ_ESDL / VIZ_EIO / VIZ_EUSAGE with the reason in err.
 */
int viz_render_png(viz_view *v, viz_ctx *x, int w, int h, const char *path, char *err,
		   size_t errlen);

#endif /* VIZ_VIEW_H */
