/*
 * view_impl.h - the inside of a viz_view, shared by view.c (dispatch,
 * navigation, the frame of every picture) and the view_*.c files that
 * draw one kind each.  Not part of viz/'s public surface.
 */
#ifndef VIZ_VIEW_IMPL_H
#define VIZ_VIEW_IMPL_H

#include "viz/data.h"
#include "viz/view.h"

#define VIZ_MAX_PANELS 8
/* Operations shown by default in a timeline, and the run length below which
 * the whole run is shown. */
#define VIZ_TIMELINE_OPS 10

struct viz_view {
	viz_kind kind;
	db *db;                         /* borrowed (or owned_db) */
	db *owned_db;                   /* opened by viz_view_new, closed with the view */
	int64_t run[2];
	int nruns;
	char scenario[128], metric[64], baseline[64];

	int status;                     /* load result */
	char msg[512];
	char title[512], subtitle[512], line[128];

	viz_timeline_data tl;
	viz_trend_data tr;
	viz_phases ph[2];
	int nph;

	double x0, x1;                  /* visible x range (timeline ms, trend run id) */
	double full0, full1;            /* everything */
	size_t op_first, op_count;      /* timeline: the ops window shown, when op_win */
	bool op_win;                    /* false after a zoom or pan */
	uint32_t first_op;              /* timeline: the requested first op (0: none) */
	bool has_range;                 /* timeline: the requested run-time range */
	double from_ms, to_ms;

	/* the last render's layout */
	viz_plot panel[VIZ_MAX_PANELS];
	int npanels;
	SDL_Rect region[VIZ_REG_COUNT];
	bool has_region[VIZ_REG_COUNT];

	viz_column *cols;               /* decimation scratch, ncols columns */
	int ncols;
};

/* Per kind: load (status/msg set by the caller from the return), draw,
 * initial window, step. */
int viz_timeline_load(viz_view *v);
int viz_timeline_render(viz_view *v, viz_canvas *c);
void viz_timeline_reset(viz_view *v);
int viz_timeline_step(viz_view *v, int dir);

int viz_trend_load(viz_view *v);
int viz_trend_render(viz_view *v, viz_canvas *c);
void viz_trend_reset(viz_view *v);

int viz_hist_load(viz_view *v);
int viz_hist_render(viz_view *v, viz_canvas *c);
int viz_compare_render(viz_view *v, viz_canvas *c);

/* ---- shared by the views ---------------------------------------------------------- */

/* Draw the title and subtitle lines; returns the y below them. */
int viz_view_header(viz_view *v, viz_canvas *c);
/* Record a region of the layout. */
void viz_view_set_region(viz_view *v, viz_region r, SDL_Rect rect);
/* Record panel i (0-based, in order) of the layout. */
void viz_view_set_panel(viz_view *v, int i, const viz_plot *p);
/* The decimation scratch with at least n columns; NULL when out of memory. */
viz_column *viz_view_columns(viz_view *v, int n);
/* Margins of a plot for canvas c, in pixels. */
int viz_margin_left(const viz_canvas *c);
int viz_margin_right(const viz_canvas *c);
/* The rectangle under plot p holding its x numbers and title, and the one
 * left of it holding the y numbers and title. */
SDL_Rect viz_xlabel_rect(const viz_canvas *c, const viz_plot *p);
SDL_Rect viz_ylabel_rect(const viz_canvas *c, const viz_plot *p);

enum { VIZ_S_LINE = 1, VIZ_S_DASH = 2, VIZ_S_MARK = 4 };
/*
 * Draw the points (x[i], y[i]) of x-sorted arrays that fall in p's x range,
 * clipped to p: joined within a group (group NULL: all one group) by a
 * solid or dashed line and/or marked, each point at its mapped pixel; when
 * there are more than a third as many points as pixel columns, as per-
 * column min/max strokes joined column to column (every point still drawn,
 * the cost O(points + columns)).  0 or VIZ_ENOMEM.
 */
int viz_draw_series(viz_view *v, viz_canvas *c, const viz_plot *p, const double *x,
		    const double *y, const uint32_t *group, size_t n, SDL_Color col, int style);
/* The extremes of y[i] for x[i] in [x0, x1] (NaN skipped) into *lo, *hi;
 * false when there is none. */
bool viz_range_in(const double *x, const double *y, size_t n, double x0, double x1, double *lo,
		  double *hi);

#endif /* VIZ_VIEW_IMPL_H */
