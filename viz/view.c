/*
 * view.c - a viz_view: loading through the kind's loader, rendering (the
 * message picture when there is nothing to draw), the last layout for the
 * tests and the mouse, navigation, and the headless PNG path.
 *
 * The x window (x0, x1) is kept in data units, not pixels, so a resize
 * keeps what is shown and zoom/pan are exact inverses of the mapping that
 * drew the last frame.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "viz/view_impl.h"

static int load(viz_view *v)
{
	int rc;

	switch (v->kind) {
	case VIZ_TIMELINE:
		rc = viz_timeline_load(v);
		break;
	case VIZ_TREND:
		rc = viz_trend_load(v);
		break;
	default:
		rc = viz_hist_load(v);
		break;
	}
	v->status = rc;
	if (rc == 0)
		viz_view_reset(v);
	return rc;
}

static viz_view *alloc_view(viz_kind kind)
{
	viz_view *v = calloc(1, sizeof *v);

	if (v)
		v->kind = kind;
	return v;
}

viz_view *viz_view_new(struct sqlite3 *h, const viz_request *rq)
{
	const char *path = h ? sqlite3_db_filename(h, "main") : NULL;
	char err[512];
	db *d;
	viz_view *v;

	if (!path || !*path) {
		v = viz_view_new_message(rq->kind, VIZ_ESQL, NULL, "the results database has no file");
		return v;
	}
	d = db_open_ro(path, err, sizeof err);
	if (!d)
		return viz_view_new_message(rq->kind, VIZ_ESQL, NULL, err);
	v = viz_view_open(d, rq);
	if (!v) {
		db_close(d);
		return NULL;
	}
	v->owned_db = d;
	return v;
}

viz_view *viz_view_open(db *d, const viz_request *rq)
{
	viz_view *v = alloc_view(rq->kind);

	if (!v)
		return NULL;
	v->db = d;
	v->nruns = rq->nruns < 0 ? 0 : rq->nruns > 2 ? 2 : rq->nruns;
	for (int i = 0; i < v->nruns; i++)
		v->run[i] = rq->run[i];
	snprintf(v->scenario, sizeof v->scenario, "%s", rq->scenario ? rq->scenario : "");
	snprintf(v->metric, sizeof v->metric, "%s", rq->metric ? rq->metric : "");
	snprintf(v->baseline, sizeof v->baseline, "%s", rq->baseline ? rq->baseline : "main");
	if ((rq->kind == VIZ_TREND && (!rq->scenario || !rq->metric)) ||
	    (rq->kind == VIZ_TIMELINE && v->nruns != 1) ||
	    (rq->kind == VIZ_HIST && v->nruns < 1) || (rq->kind == VIZ_COMPARE && v->nruns != 2)) {
		v->status = VIZ_EUSAGE;
		snprintf(v->msg, sizeof v->msg, "the request names the wrong number of runs");
		return v;
	}
	load(v);
	return v;
}

viz_view *viz_view_new_message(viz_kind kind, int code, const char *title, const char *msg)
{
	viz_view *v = alloc_view(kind);

	if (!v)
		return NULL;
	v->status = code ? code : VIZ_ENODATA;
	snprintf(v->msg, sizeof v->msg, "%s", msg);
	snprintf(v->title, sizeof v->title, "%s", title ? title : "");
	return v;
}

static void release_data(viz_view *v)
{
	viz_timeline_data_release(&v->tl);
	viz_trend_data_release(&v->tr);
	viz_phases_release(&v->ph[0]);
	viz_phases_release(&v->ph[1]);
	v->nph = 0;
}

void viz_view_free(viz_view *v)
{
	if (!v)
		return;
	release_data(v);
	free(v->cols);
	db_close(v->owned_db);
	free(v);
}

int viz_view_timeline_window(viz_view *v, uint32_t op_seq, bool has_range, double from_ms,
			     double to_ms)
{
	if (v->kind != VIZ_TIMELINE || (has_range && !(to_ms > from_ms)) || (has_range && op_seq)) {
		snprintf(v->msg, sizeof v->msg, "a timeline window is an op or a range with --to "
			 "after --from");
		return VIZ_EUSAGE;
	}
	if (v->status != 0)
		return v->status;
	if (op_seq) {
		size_t i = 0;

		while (i < v->tl.nops && v->tl.ops[i].seq != op_seq)
			i++;
		if (i == v->tl.nops) {
			snprintf(v->msg, sizeof v->msg, "run %lld has no operation %u (its operations are "
				 "%u to %u)", (long long)v->run[0], op_seq,
				 v->tl.nops ? v->tl.ops[0].seq : 0u, v->tl.nops ? v->tl.ops[v->tl.nops - 1].seq : 0u);
			return VIZ_ENODATA;
		}
	}
	v->first_op = op_seq;
	v->has_range = has_range;
	v->from_ms = from_ms;
	v->to_ms = to_ms;
	viz_view_reset(v);
	return 0;
}

int viz_view_status(const viz_view *v)
{
	return v->status;
}

const char *viz_view_errmsg(const viz_view *v)
{
	return v->msg;
}

const char *viz_view_title(const viz_view *v)
{
	return v->title;
}

const char *viz_view_status_line(const viz_view *v)
{
	return v->line;
}

/* ---- layout shared by the views --------------------------------------------------- */

int viz_view_header(viz_view *v, viz_canvas *c)
{
	int lt = c->line_h[VIZ_FONT_TITLE], ls = c->line_h[VIZ_FONT_SMALL], x = lt / 2, y = lt / 3;
	int w1, w2;

	w1 = viz_text(c, VIZ_FONT_TITLE, x, y, VIZ_LEFT | VIZ_TOP, viz_color(VIZ_BLACK, 255), "%s",
		      v->title);
	w2 = viz_text(c, VIZ_FONT_SMALL, x, y + lt, VIZ_LEFT | VIZ_TOP, viz_color(VIZ_DARKGREY, 255),
		      "%s", v->subtitle);
	viz_view_set_region(v, VIZ_REG_TITLE, (SDL_Rect){ x, y, w1 > w2 ? w1 : w2, lt + ls });
	return y + lt + ls + ls / 2;
}

void viz_view_set_region(viz_view *v, viz_region r, SDL_Rect rect)
{
	v->region[r] = rect;
	v->has_region[r] = true;
}

void viz_view_set_panel(viz_view *v, int i, const viz_plot *p)
{
	if (i < 0 || i >= VIZ_MAX_PANELS)
		return;
	v->panel[i] = *p;
	if (i >= v->npanels)
		v->npanels = i + 1;
}

viz_column *viz_view_columns(viz_view *v, int n)
{
	if (n > v->ncols) {
		viz_column *nc = realloc(v->cols, (size_t)n * sizeof *nc);

		if (!nc)
			return NULL;
		v->cols = nc;
		v->ncols = n;
	}
	return v->cols;
}

int viz_margin_left(const viz_canvas *c)
{
	return c->line_h[VIZ_FONT_SMALL] * 5 + c->line_h[VIZ_FONT_NORMAL] * 2;
}

int viz_margin_right(const viz_canvas *c)
{
	return c->line_h[VIZ_FONT_SMALL] * 4 + c->line_h[VIZ_FONT_NORMAL] * 2;
}

SDL_Rect viz_xlabel_rect(const viz_canvas *c, const viz_plot *p)
{
	return (SDL_Rect){ p->r.x, p->r.y + p->r.h + 1, p->r.w,
			   c->line_h[VIZ_FONT_SMALL] + c->line_h[VIZ_FONT_NORMAL] +
			   c->line_h[VIZ_FONT_SMALL] / 3 + 4 };
}

SDL_Rect viz_ylabel_rect(const viz_canvas *c, const viz_plot *p)
{
	int w = viz_margin_left(c) - 2;

	return (SDL_Rect){ p->r.x - w, p->r.y, w - 1, p->r.h };
}

int viz_draw_series(viz_view *v, viz_canvas *c, const viz_plot *p, const double *x,
		    const double *y, const uint32_t *group, size_t n, SDL_Color col, int style)
{
	size_t i0 = viz_lower_bound(x, n, p->x.lo), i1 = viz_lower_bound(x, n, p->x.hi);
	int prev_x = 0, prev_y = 0;
	bool have_prev = false;

	while (i1 < n && x[i1] <= p->x.hi)
		i1++;
	viz_clip(c, &p->r);
	if ((i1 - i0) * 3 > (size_t)p->r.w) {
		viz_column *cols = viz_view_columns(v, p->r.w);

		if (!cols) {
			viz_clip(c, NULL);
			return VIZ_ENOMEM;
		}
		viz_decimate(x, y, n, p->x.lo, p->x.hi, cols, p->r.w);
		for (int k = 0; k < p->r.w; k++) {
			int px = p->r.x + k, ylo, yhi;

			if (cols[k].n == 0)
				continue;
			ylo = viz_axis_px(&p->y, cols[k].lo);
			yhi = viz_axis_px(&p->y, cols[k].hi);
			if (have_prev)
				viz_line(c, prev_x, prev_y, px, viz_axis_px(&p->y, cols[k].first), col);
			viz_line(c, px, ylo, px, yhi, col);
			prev_x = px;
			prev_y = viz_axis_px(&p->y, cols[k].last);
			have_prev = true;
		}
		viz_clip(c, NULL);
		return 0;
	}
	/* sparse: lines first, then the markers on top of them */
	for (size_t i = i0; (style & (VIZ_S_LINE | VIZ_S_DASH)) && i < i1; i++) {
		int px, py;

		if (isnan(y[i])) {
			have_prev = false;
			continue;
		}
		viz_plot_px(p, x[i], y[i], &px, &py);
		if (have_prev && (!group || group[i] == group[i - 1])) {
			if (style & VIZ_S_DASH)
				viz_dashed(c, prev_x, prev_y, px, py, 6, 4, col);
			else
				viz_line(c, prev_x, prev_y, px, py, col);
		}
		prev_x = px;
		prev_y = py;
		have_prev = true;
	}
	for (size_t i = i0; (style & VIZ_S_MARK) && i < i1; i++) {
		int px, py;

		if (isnan(y[i]))
			continue;
		viz_plot_px(p, x[i], y[i], &px, &py);
		viz_marker(c, px, py, VIZ_DOT, 2, col);
	}
	viz_clip(c, NULL);
	return 0;
}

bool viz_range_in(const double *x, const double *y, size_t n, double x0, double x1, double *lo,
		  double *hi)
{
	bool any = false;

	for (size_t i = viz_lower_bound(x, n, x0); i < n && x[i] <= x1; i++) {
		if (isnan(y[i]))
			continue;
		if (!any || y[i] < *lo)
			*lo = y[i];
		if (!any || y[i] > *hi)
			*hi = y[i];
		any = true;
	}
	return any;
}

/* ---- render and map ---------------------------------------------------------------- */

int viz_view_render(viz_view *v, viz_canvas *c)
{
	int rc = 0;

	v->npanels = 0;
	memset(v->has_region, 0, sizeof v->has_region);
	viz_clear(c, VIZ_WHITE);
	if (v->status == 0) {
		switch (v->kind) {
		case VIZ_TIMELINE:
			rc = viz_timeline_render(v, c);
			break;
		case VIZ_TREND:
			rc = viz_trend_render(v, c);
			break;
		case VIZ_HIST:
			rc = viz_hist_render(v, c);
			break;
		case VIZ_COMPARE:
			rc = viz_compare_render(v, c);
			break;
		}
		if (rc != 0) {
			snprintf(v->msg, sizeof v->msg, "%s", viz_strerror(rc));
			v->npanels = 0;
			memset(v->has_region, 0, sizeof v->has_region);
		}
	}
	if (v->status != 0 || rc != 0) {
		const char *hint = v->status == VIZ_EUSAGE ? "afsim help viz shows the usage"
				   : v->status == VIZ_ENODATA ? "afsim runs lists what the database holds"
				   : NULL;

		viz_view_set_region(v, VIZ_REG_MESSAGE,
				    viz_message(c, v->title[0] ? v->title : "afsim viz", v->msg, hint));
		rc = v->status != 0 ? v->status : rc;
	}
	if (viz_canvas_flush(c) != 0) {
		snprintf(v->msg, sizeof v->msg, "%s", c->err);
		return VIZ_ESDL;
	}
	return rc;
}

int viz_view_map(const viz_view *v, int panel, double x, double y, int *px, int *py)
{
	if (panel < 0 || panel >= v->npanels)
		return -1;
	if (v->kind == VIZ_TIMELINE)
		x = viz_timeline_display(&v->tl, x);
	return viz_plot_px(&v->panel[panel], x, y, px, py);
}

int viz_view_region(const viz_view *v, viz_region r, SDL_Rect *out)
{
	if (r < 0 || r >= VIZ_REG_COUNT || !v->has_region[r])
		return -1;
	*out = v->region[r];
	return 0;
}

/* ---- navigation -------------------------------------------------------------------- */

static bool zoomable(const viz_view *v)
{
	return v->status == 0 && (v->kind == VIZ_TIMELINE || v->kind == VIZ_TREND) && v->npanels > 0;
}

/* Keep the window inside the data (plus a little) and not narrower than a
 * sliver of the full range. */
static void clamp_window(viz_view *v)
{
	double full = v->full1 - v->full0, w = v->x1 - v->x0, minw = full * 1e-6;

	if (!(full > 0))
		return;
	if (minw < 1e-6)
		minw = 1e-6;
	if (w < minw) {
		double mid = (v->x0 + v->x1) / 2;

		v->x0 = mid - minw / 2;
		v->x1 = mid + minw / 2;
		w = minw;
	}
	if (w > full) {
		v->x0 = v->full0;
		v->x1 = v->full1;
		return;
	}
	if (v->x0 < v->full0) {
		v->x1 += v->full0 - v->x0;
		v->x0 = v->full0;
	}
	if (v->x1 > v->full1) {
		v->x0 -= v->x1 - v->full1;
		v->x1 = v->full1;
	}
}

int viz_view_zoom(viz_view *v, double factor, int px)
{
	const viz_plot *p = &v->panel[0];
	double anchor;

	if (!zoomable(v) || !(factor > 0))
		return -1;
	anchor = (px >= p->r.x && px < p->r.x + p->r.w) ? viz_axis_value(&p->x, px)
							 : (v->x0 + v->x1) / 2;
	v->op_win = false;
	v->x0 = anchor - (anchor - v->x0) * factor;
	v->x1 = anchor + (v->x1 - anchor) * factor;
	clamp_window(v);
	return 0;
}

int viz_view_pan(viz_view *v, int dx)
{
	const viz_plot *p = &v->panel[0];
	double d;

	if (!zoomable(v) || p->r.w < 2)
		return -1;
	v->op_win = false;
	d = -(double)dx * (v->x1 - v->x0) / (double)(p->r.w - 1);
	v->x0 += d;
	v->x1 += d;
	clamp_window(v);
	return 0;
}

void viz_view_reset(viz_view *v)
{
	if (v->status != 0)
		return;
	if (v->kind == VIZ_TIMELINE)
		viz_timeline_reset(v);
	else if (v->kind == VIZ_TREND)
		viz_trend_reset(v);
}

int viz_view_step_run(viz_view *v, int dir)
{
	int slot = v->nruns - 1;
	int64_t next;
	viz_view tmp;
	int rc;

	if (v->status != 0 || v->kind == VIZ_TREND || slot < 0)
		return VIZ_ENODATA;
	if (viz_data_step_run(v->db, v->run[slot], dir, NULL, &next) != 0)
		return VIZ_ENODATA;
	/* load into a copy first so a run that cannot be drawn leaves the view as it was */
	tmp = *v;
	memset(&tmp.tl, 0, sizeof tmp.tl);
	memset(&tmp.tr, 0, sizeof tmp.tr);
	memset(tmp.ph, 0, sizeof tmp.ph);
	tmp.run[slot] = next;
	for (;;) {
		rc = v->kind == VIZ_TIMELINE ? viz_timeline_load(&tmp) : viz_hist_load(&tmp);
		if (rc == 0)
			break;
		/* skip runs without data (a run of calibrations, an aborted run) */
		if (rc != VIZ_ENODATA || viz_data_step_run(v->db, tmp.run[slot], dir, NULL, &next) != 0)
			return rc == VIZ_ENODATA ? VIZ_ENODATA : rc;
		tmp.run[slot] = next;
	}
	release_data(v);
	*v = tmp;
	/* the requested window was for the run before */
	v->first_op = 0;
	v->has_range = false;
	viz_view_reset(v);
	return 0;
}

int viz_view_step(viz_view *v, int dir)
{
	double w;

	if (v->status != 0)
		return VIZ_ENODATA;
	switch (v->kind) {
	case VIZ_TIMELINE:
		return viz_timeline_step(v, dir);
	case VIZ_TREND:
		w = v->x1 - v->x0;
		if ((dir > 0 && v->x1 >= v->full1) || (dir < 0 && v->x0 <= v->full0))
			return VIZ_ENODATA;
		v->x0 += dir > 0 ? w : -w;
		v->x1 += dir > 0 ? w : -w;
		clamp_window(v);
		return 0;
	default:
		return viz_view_step_run(v, dir);
	}
}

/* ---- headless ------------------------------------------------------------------------ */

int viz_render_png(viz_view *v, viz_ctx *x, int w, int h, const char *path, char *err, size_t errlen)
{
	viz_canvas c;
	int rc, src;

	rc = viz_canvas_init(&c, x, w, h);
	if (rc != 0) {
		snprintf(err, errlen, "%s", c.err);
		return rc;
	}
	rc = viz_view_render(v, &c);
	if (rc == VIZ_ESDL) {
		snprintf(err, errlen, "%s", viz_view_errmsg(v));
		viz_canvas_release(&c);
		return rc;
	}
	/* a message picture is still written: CI keeps it as the artifact */
	src = viz_canvas_save_png(&c, path);
	if (src != 0) {
		snprintf(err, errlen, "%s", c.err);
		rc = src;
	} else if (rc != 0) {
		snprintf(err, errlen, "%s", viz_view_errmsg(v));
	}
	viz_canvas_release(&c);
	return rc;
}
