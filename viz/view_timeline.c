/*
 * view_timeline.c - one run over time: four panels sharing the run-time
 * axis (ms):
 *
 *   stage z (µm)   the stage position of every frame (a dot per frame, joined
 *                  within an operation), the simulator's true focal plane
 *                  (dashed), and each search's fitted peak: z found, drawn
 *                  over the search phase and marked at the operation's end
 *   focus score    the focus measure of every frame
 *   temp (°C)      the instrument temperature of every frame
 *   phases         a bar per operation, its phases laid end to end from the
 *                  operation's start (lens switch, focus move, focus search,
 *                  validation); an operation without phases is one grey bar
 *
 * The window is a range of display time (viz/data.h: run time with long
 * idle gaps squeezed; each squeezed gap is shaded, marked with a break on
 * the time axis and labelled with how long it really was, and the tick
 * labels are run time).  By default it opens on the first handoffs - what
 * a run is about - rather than on the calibration before them; a
 * requested op (--op N) or run-time range (--from/--to) overrides that.
 * Operations are few (thousands), frames many (up to 10^5 and more):
 * frames go through viz_draw_series, which decimates per pixel column,
 * operations are walked from a binary search.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/view_impl.h"

static const viz_col phase_col[4] = { VIZ_SKY, VIZ_YELLOW, VIZ_GREEN, VIZ_PURPLE };
static const char *const phase_label[4] = { "lens switch", "focus move", "focus search",
					    "validation" };

static double op_end(const viz_op *o)
{
	return o->end_ms;
}

/* First op whose end is at or after t. */
static size_t first_op_after(const viz_timeline_data *d, double t)
{
	size_t lo = 0, hi = d->nops;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (op_end(&d->ops[mid]) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int viz_timeline_load(viz_view *v)
{
	viz_timeline_data *d = &v->tl;
	int rc = viz_data_timeline(v->db, v->run[0], d, v->msg, sizeof v->msg);
	char un[64], gaps[64] = "";

	snprintf(v->title, sizeof v->title, "timeline of run %lld", (long long)v->run[0]);
	if (rc != 0)
		return rc;
	snprintf(v->title, sizeof v->title, "timeline of run %lld (%s)%s", (long long)d->run.id,
		 d->run.scenario, viz_run_unfinished(&d->run, un, sizeof un));
	if (d->ngaps)
		snprintf(gaps, sizeof gaps, " · %zu idle gap%s squeezed", d->ngaps,
			 d->ngaps == 1 ? "" : "s");
	snprintf(v->subtitle, sizeof v->subtitle,
		 "seed %llu · %s · %s · trace %s · %zu operation%s, %zu frame%s · %.1f s of run time%s",
		 (unsigned long long)d->run.seed, d->run.mode, d->run.status,
		 d->run.trace_hash[0] ? d->run.trace_hash : "-", d->nops, d->nops == 1 ? "" : "s", d->ns,
		 d->ns == 1 ? "" : "s", d->t_end_real_ms / 1000.0, gaps);
	return 0;
}

static void set_line(viz_view *v)
{
	const viz_timeline_data *d = &v->tl;
	size_t a = first_op_after(d, v->x0), b = a;
	double r0 = viz_timeline_real(d, v->x0), r1 = viz_timeline_real(d, v->x1);

	while (b < d->nops && d->ops[b].t_ms <= v->x1)
		b++;
	if (v->op_win) {
		a = v->op_first;
		b = v->op_first + v->op_count;
	}
	if (b > a)
		snprintf(v->line, sizeof v->line, "operations %u-%u of %zu, %.1f-%.1f ms",
			 d->ops[a].seq, d->ops[b - 1].seq, d->nops, r0, r1);
	else
		snprintf(v->line, sizeof v->line, "%.1f-%.1f ms", r0, r1);
}

/* Show ops [first, first + count) with a margin of 2 % each side. */
static void window_ops(viz_view *v, size_t first, size_t count)
{
	const viz_timeline_data *d = &v->tl;
	double a = d->ops[first].t_ms, b = op_end(&d->ops[first + count - 1]), pad;

	if (first == 0 && d->ns > 0 && d->t_ms[0] < a)
		a = d->t_ms[0];
	v->op_first = first;
	v->op_count = count;
	v->op_win = true;
	pad = (b - a) * 0.02 + 1e-3;
	v->x0 = a - pad < v->full0 ? v->full0 : a - pad;
	v->x1 = b + pad > v->full1 ? v->full1 : b + pad;
}

/*
 * How many ops a window starting at op `first` holds (1..VIZ_TIMELINE_OPS):
 * it stops before an op that would change the scale by more than 20x (a
 * 47 s calibration scan and 0.2 s handoffs are not readable on one axis),
 * so a window is one kind of activity.  dir < 0 grows backwards from op
 * `first` instead and returns the count ending there.
 */
static size_t group(const viz_timeline_data *d, size_t first, int dir)
{
	size_t count = 1;
	double a = d->ops[first].t_ms, b = op_end(&d->ops[first]);

	while (count < VIZ_TIMELINE_OPS) {
		const viz_op *o;
		double step, span = b - a;

		if (dir > 0 ? first + count >= d->nops : first < count)
			break;
		o = &d->ops[dir > 0 ? first + count : first - count];
		step = dir > 0 ? op_end(o) - b : a - o->t_ms;
		if (span > 0 && (step > span * 20 || step * 20 < span))
			break;
		if (dir > 0)
			b = op_end(o);
		else
			a = o->t_ms;
		count++;
	}
	return count;
}

/* The index of the op with seq, nops when there is none. */
static size_t op_index(const viz_timeline_data *d, uint32_t seq)
{
	size_t i = 0;

	while (i < d->nops && d->ops[i].seq != seq)
		i++;
	return i;
}

/* The op index the default window starts at: the first handoff, else the
 * first autofocus, else 0; SIZE_MAX when there is no op. */
static size_t default_first(const viz_timeline_data *d)
{
	static const char *const kinds[] = { "handoff", "autofocus" };

	if (d->nops == 0)
		return SIZE_MAX;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		for (size_t i = 0; i < d->nops; i++)
			if (strcmp(d->ops[i].kind, kinds[k]) == 0)
				return i;
	return 0;
}

void viz_timeline_reset(viz_view *v)
{
	const viz_timeline_data *d = &v->tl;
	double t0 = 0, span;
	size_t first = default_first(d);
	bool whole = d->nops <= VIZ_TIMELINE_OPS + 2 && first == 0;

	if (d->ns > 0)
		t0 = d->t_ms[0];
	if (d->nops > 0 && d->ops[0].t_ms < t0)
		t0 = d->ops[0].t_ms;
	span = d->t_end_ms - t0;
	if (!(span > 0))
		span = 1.0;
	v->full0 = t0 - span * 0.01 - 1e-3;
	v->full1 = d->t_end_ms + span * 0.01 + 1e-3;
	if (v->has_range) {
		v->x0 = viz_timeline_display(d, v->from_ms);
		v->x1 = viz_timeline_display(d, v->to_ms);
		v->op_win = false;
	} else if (v->first_op && op_index(d, v->first_op) < d->nops) {
		size_t i = op_index(d, v->first_op);

		window_ops(v, i, group(d, i, 1));
	} else if (first != SIZE_MAX && !whole) {
		window_ops(v, first, group(d, first, 1));
	} else {
		v->x0 = v->full0;
		v->x1 = v->full1;
		v->op_first = 0;
		v->op_count = d->nops;
		v->op_win = d->nops > 0;
	}
	set_line(v);
}

int viz_timeline_step(viz_view *v, int dir)
{
	const viz_timeline_data *d = &v->tl;
	size_t first, count = 0, n;

	if (d->nops == 0)
		return VIZ_ENODATA;
	if (v->op_win) {
		first = v->op_first;
		count = v->op_count;
	} else {
		first = first_op_after(d, v->x0);
		if (first >= d->nops)
			first = d->nops - 1;
		while (first + count < d->nops && d->ops[first + count].t_ms <= v->x1)
			count++;
	}
	if (count == 0)
		count = 1;
	if (dir > 0) {
		if (first + count >= d->nops)
			return VIZ_ENODATA;
		window_ops(v, first + count, group(d, first + count, 1));
	} else {
		if (first == 0)
			return VIZ_ENODATA;
		n = group(d, first - 1, -1);
		window_ops(v, first - n, n);
	}
	set_line(v);
	return 0;
}

/* ---- drawing ------------------------------------------------------------------- */

/* "+59.8 s", "+12 min", "+2.5 h": how long a squeezed gap really was. */
static void gap_label(char *buf, size_t size, double ms)
{
	if (ms < 60e3)
		snprintf(buf, size, "+%.1f s", ms / 1e3);
	else if (ms < 3600e3)
		snprintf(buf, size, "+%.1f min", ms / 60e3);
	else
		snprintf(buf, size, "+%.1f h", ms / 3600e3);
}

/*
 * The time axis of panel p: grid lines and ticks at nice run times (in ms
 * / scale: 1 for ms, 1000 for s) within each stretch between squeezed gaps
 * (labelled when labels), and every
 * squeezed gap in view shaded with a break mark on the frame (and, with
 * labels, how long it really was).  Drawn before the data.
 */
static void draw_time_axis(viz_canvas *c, const viz_plot *p, const viz_timeline_data *d,
			   bool labels, double scale)
{
	SDL_Color fg = viz_color(VIZ_DARKGREY, 255), grid = viz_color(VIZ_LIGHTGREY, 255);
	int bottom = p->r.y + p->r.h - 1, tick = c->line_h[VIZ_FONT_SMALL] / 3 + 1;
	int margin = c->line_h[VIZ_FONT_SMALL] * 2;
	double ua = p->x.lo;
	size_t g = 0;

	while (g < d->ngaps && d->gaps[g].u0 + d->gaps[g].w <= p->x.lo)
		g++;
	for (;;) {
		bool last = g >= d->ngaps || d->gaps[g].u0 >= p->x.hi;
		double ub = last ? p->x.hi : d->gaps[g].u0, t[64], st;
		int pa = viz_axis_px(&p->x, ua), pb = viz_axis_px(&p->x, ub);
		int n = 0, max = (pb - pa) / (c->line_h[VIZ_FONT_SMALL] * 6) + 1;
		char buf[48];

		bool narrow = pb - pa <= 2 * margin;
		int best = -1;

		if (pb > pa)
			n = viz_ticks(viz_timeline_real(d, ua) / scale, viz_timeline_real(d, ub) / scale,
				      max < 2 ? 2 : max, t, 64, &st);
		/* a stretch too narrow for several ticks gets the one nearest its middle */
		for (int i = 0; narrow && i < n; i++)
			if (best < 0 || fabs(t[i] - (t[0] + t[n - 1]) / 2) < fabs(t[best] - (t[0] + t[n - 1]) / 2))
				best = i;
		for (int i = 0; i < n; i++) {
			int x = viz_axis_px(&p->x, viz_timeline_display(d, t[i] * scale));

			/* keep clear of the breaks either side */
			if (narrow ? i != best
				   : (ua > p->x.lo && x - pa < margin) || (!last && pb - x < margin))
				continue;
			viz_line(c, x, p->r.y + 1, x, bottom - 1, grid);
			viz_line(c, x, bottom, x, bottom + tick, fg);
			if (labels) {
				viz_fmt_num(buf, sizeof buf, t[i], st);
				viz_text(c, VIZ_FONT_SMALL, x, bottom + tick + 1, VIZ_HCENTER | VIZ_TOP, fg,
					 "%s", buf);
			}
		}
		if (last)
			break;
		{
			const viz_gap *gp = &d->gaps[g];
			int a = viz_axis_px(&p->x, gp->u0), b = viz_axis_px(&p->x, gp->u0 + gp->w);
			int cx = (a + b) / 2, h = tick + 2, w, th;

			viz_clip(c, &p->r);
			viz_fill(c, (SDL_Rect){ a, p->r.y + 1, b - a > 1 ? b - a : 1, p->r.h - 2 },
				 viz_color(VIZ_LIGHTGREY, 150));
			viz_clip(c, NULL);
			/* the break: the frame cut and two slashes, bottom and top */
			for (int e = 0; e < 2; e++) {
				int y = e ? p->r.y : bottom;

				viz_fill(c, (SDL_Rect){ cx - 3, y - 1, 7, 3 }, viz_color(VIZ_WHITE, 255));
				viz_line(c, cx - 5, y + h, cx - 1, y - h, fg);
				viz_line(c, cx + 1, y + h, cx + 5, y - h, fg);
			}
			if (labels) {
				gap_label(buf, sizeof buf, gp->real1 - gp->real0);
				viz_text_size(c, VIZ_FONT_SMALL, buf, &w, &th);
				if (w < (b - a) + 2 * margin)
					viz_text(c, VIZ_FONT_SMALL, cx, p->r.y + p->r.h / 2, VIZ_HCENTER | VIZ_VCENTER,
						 fg, "%s", buf);
			}
			ua = gp->u0 + gp->w;
			g++;
		}
	}
}

static void nice_or(double *lo, double *hi, bool any, double dlo, double dhi)
{
	if (!any) {
		*lo = dlo;
		*hi = dhi;
	}
	viz_nice_range(lo, hi, 5);
}

/* Alternate shading and a label per operation, so the frames of one
 * operation read as one group. */
static void draw_op_bands(viz_canvas *c, const viz_plot *p, const viz_timeline_data *d)
{
	int lh = c->line_h[VIZ_FONT_SMALL];

	viz_clip(c, &p->r);
	for (size_t i = first_op_after(d, p->x.lo); i < d->nops && d->ops[i].t_ms <= p->x.hi; i++) {
		const viz_op *o = &d->ops[i];
		int a = viz_axis_px(&p->x, o->t_ms), b = viz_axis_px(&p->x, op_end(o)), w, h;
		char label[64];

		if (b - a < 3)
			continue;
		if (o->seq % 2 == 0)
			viz_fill(c, (SDL_Rect){ a, p->r.y + 1, b - a, p->r.h - 2 }, viz_color(VIZ_LIGHTGREY, 110));
		if (o->from_lens[0] && o->to_lens[0])
			snprintf(label, sizeof label, "#%u %s→%s", o->seq, o->from_lens, o->to_lens);
		else
			snprintf(label, sizeof label, "#%u %s", o->seq, o->kind);
		viz_text_size(c, VIZ_FONT_SMALL, label, &w, &h);
		if (w + 4 < b - a)
			viz_text(c, VIZ_FONT_SMALL, a + 2, p->r.y + 2, VIZ_LEFT | VIZ_TOP,
				 viz_color(o->success ? VIZ_DARKGREY : VIZ_VERMILLION, 255), "%s", label);
		else if (lh < b - a && !o->success)
			viz_text(c, VIZ_FONT_SMALL, a + 1, p->r.y + 2, VIZ_LEFT | VIZ_TOP,
				 viz_color(VIZ_VERMILLION, 255), "!");
	}
	viz_clip(c, NULL);
}

/* The fitted peak of each search: z found over the search phase, a diamond
 * at the op's end. */
static void draw_peaks(viz_canvas *c, const viz_plot *p, const viz_timeline_data *d)
{
	SDL_Color col = viz_color(VIZ_VERMILLION, 255);
	size_t first = first_op_after(d, p->x.lo), n = 0;

	for (size_t i = first; i < d->nops && d->ops[i].t_ms <= p->x.hi; i++)
		n++;
	viz_clip(c, &p->r);
	for (size_t i = first; i < first + n; i++) {
		const viz_op *o = &d->ops[i];
		double s0 = o->t_ms, s1;
		int x0, x1, y, xe;

		if (isnan(o->z_found_um))
			continue;
		for (int k = 0; k < VIZ_FOCUS_SEARCH; k++)
			s0 += isnan(o->phase_ms[k]) ? 0 : o->phase_ms[k];
		s1 = s0 + (isnan(o->phase_ms[VIZ_FOCUS_SEARCH]) ? 0 : o->phase_ms[VIZ_FOCUS_SEARCH]);
		viz_plot_px(p, s0, o->z_found_um, &x0, &y);
		viz_plot_px(p, s1, o->z_found_um, &x1, &y);
		xe = viz_axis_px(&p->x, op_end(o));
		if (x1 > x0)
			viz_line(c, x0, y, x1, y, col);
		viz_marker(c, xe, y, VIZ_DIAMOND, (size_t)p->r.w > n * 8 ? 4 : 2, col);
	}
	viz_clip(c, NULL);
}

static void draw_phase_lane(viz_canvas *c, const viz_plot *p, const viz_timeline_data *d)
{
	int ytop = viz_axis_px(&p->y, 0.85), ybot = viz_axis_px(&p->y, 0.15);

	viz_clip(c, &p->r);
	for (size_t i = first_op_after(d, p->x.lo); i < d->nops && d->ops[i].t_ms <= p->x.hi; i++) {
		const viz_op *o = &d->ops[i];
		double t = o->t_ms;
		bool any = false;
		int a, b;

		for (int k = 0; k < 4; k++) {
			double ms = o->phase_ms[k];

			if (isnan(ms) || ms <= 0)
				continue;
			a = viz_axis_px(&p->x, t);
			b = viz_axis_px(&p->x, t + ms);
			viz_fill(c, (SDL_Rect){ a, ytop, b - a > 0 ? b - a : 1, ybot - ytop + 1 },
				 viz_color(phase_col[k], 255));
			t += ms;
			any = true;
		}
		a = viz_axis_px(&p->x, o->t_ms);
		b = viz_axis_px(&p->x, op_end(o));
		if (!any)
			viz_fill(c, (SDL_Rect){ a, ytop, b - a > 0 ? b - a : 1, ybot - ytop + 1 },
				 viz_color(VIZ_GREY, 255));
		if (b - a >= 4)
			viz_outline(c, (SDL_Rect){ a, ytop, b - a, ybot - ytop + 1 },
				    viz_color(VIZ_DARKGREY, 255));
		if (!o->success) {
			viz_line(c, a, ytop, b, ybot, viz_color(VIZ_VERMILLION, 255));
			viz_line(c, a, ybot, b, ytop, viz_color(VIZ_VERMILLION, 255));
		}
	}
	viz_clip(c, NULL);
}

int viz_timeline_render(viz_view *v, viz_canvas *c)
{
	const viz_timeline_data *d = &v->tl;
	int ls = c->line_h[VIZ_FONT_SMALL], top, left = viz_margin_left(c);
	int right = c->w - viz_margin_right(c), bottom, avail, gap = ls / 2 + 2;
	int hz, hs, ht, hl, rc;
	double zlo = 0, zhi = 0, slo = 0, shi = 0, tlo = 0, thi = 0, scale;
	bool zany, sany, tany;
	viz_plot pz, ps, pt, pl;
	SDL_Rect lg1, lg2;
	viz_legend_item series[] = {
		{ "stage z (a dot per frame)", viz_color(VIZ_BLUE, 255), VIZ_G_MARK, VIZ_DOT },
		{ "true focal plane", viz_color(VIZ_BLACK, 255), VIZ_G_DASH, VIZ_DOT },
		{ "fitted peak (z found)", viz_color(VIZ_VERMILLION, 255), VIZ_G_MARK, VIZ_DIAMOND },
		{ "focus score", viz_color(VIZ_GREEN, 255), VIZ_G_MARK, VIZ_DOT },
		{ "temperature", viz_color(VIZ_ORANGE, 255), VIZ_G_LINE, VIZ_DOT },
	};
	viz_legend_item phases[5];

	for (int k = 0; k < 4; k++)
		phases[k] = (viz_legend_item){ phase_label[k], viz_color(phase_col[k], 255), VIZ_G_BOX,
					       VIZ_DOT };
	phases[4] = (viz_legend_item){ "other op", viz_color(VIZ_GREY, 255), VIZ_G_BOX, VIZ_DOT };

	set_line(v);
	/* seconds once the window spans more than 10 s of run time */
	scale = viz_timeline_real(d, v->x1) - viz_timeline_real(d, v->x0) > 10e3 ? 1e3 : 1.0;
	top = viz_view_header(v, c);
	lg1 = viz_legend_row(c, left, top, series, 5);
	lg2 = viz_legend_row(c, left, top + ls + 2, phases, 5);
	viz_view_set_region(v, VIZ_REG_LEGEND,
			    (SDL_Rect){ left, top, lg1.w > lg2.w ? lg1.w : lg2.w, 2 * ls + 2 });
	top += 2 * ls + 2 + gap;
	bottom = c->h - (2 * ls + c->line_h[VIZ_FONT_NORMAL] + 4);
	avail = bottom - top - 3 * gap;
	if (avail < 40 || right - left < 40) {
		snprintf(v->msg, sizeof v->msg, "the picture is too small");
		return VIZ_EUSAGE;
	}
	hz = avail * 50 / 100;
	hs = avail * 19 / 100;
	ht = avail * 17 / 100;
	hl = avail - hz - hs - ht;

	/* y ranges from what is visible */
	zany = viz_range_in(d->t_ms, d->z_um, d->ns, v->x0, v->x1, &zlo, &zhi);
	if (viz_range_in(d->t_ms, d->true_um, d->ns, v->x0, v->x1, &slo, &shi)) {
		zlo = zany && zlo < slo ? zlo : slo;
		zhi = zany && zhi > shi ? zhi : shi;
		zany = true;
	}
	for (size_t i = first_op_after(d, v->x0); i < d->nops && d->ops[i].t_ms <= v->x1; i++) {
		double z = d->ops[i].z_found_um;

		if (isnan(z))
			continue;
		zlo = zany && zlo < z ? zlo : z;
		zhi = zany && zhi > z ? zhi : z;
		zany = true;
	}
	nice_or(&zlo, &zhi, zany, -1, 1);
	sany = viz_range_in(d->t_ms, d->score, d->ns, v->x0, v->x1, &slo, &shi);
	nice_or(&slo, &shi, sany, 0, 1);
	tany = viz_range_in(d->t_ms, d->temp_c, d->ns, v->x0, v->x1, &tlo, &thi);
	if (tany && thi - tlo < 0.2) {
		tlo -= 0.1;
		thi += 0.1;
	}
	nice_or(&tlo, &thi, tany, 20, 24);

	viz_plot_init(&pz, (SDL_Rect){ left, top, right - left, hz }, v->x0, v->x1, zlo, zhi);
	viz_plot_init(&ps, (SDL_Rect){ left, top + hz + gap, right - left, hs }, v->x0, v->x1, slo, shi);
	viz_plot_init(&pt, (SDL_Rect){ left, ps.r.y + hs + gap, right - left, ht }, v->x0, v->x1, tlo,
		      thi);
	viz_plot_init(&pl, (SDL_Rect){ left, pt.r.y + ht + gap, right - left, hl }, v->x0, v->x1, 0, 1);
	viz_view_set_panel(v, 0, &pz);
	viz_view_set_panel(v, 1, &ps);
	viz_view_set_panel(v, 2, &pt);
	viz_view_set_panel(v, 3, &pl);
	viz_view_set_region(v, VIZ_REG_PLOT, pz.r);
	viz_view_set_region(v, VIZ_REG_YLABEL, viz_ylabel_rect(c, &pz));
	viz_view_set_region(v, VIZ_REG_XLABEL, viz_xlabel_rect(c, &pl));

	draw_op_bands(c, &pz, d);
	viz_plot_axes(c, &pz, VIZ_AXIS_GRID | VIZ_AXIS_NOX, NULL, "stage z (µm)");
	draw_time_axis(c, &pz, d, false, scale);
	rc = viz_draw_series(v, c, &pz, d->t_ms, d->true_um, d->op_seq, d->ns,
			     viz_color(VIZ_BLACK, 255), VIZ_S_DASH);
	if (rc == 0)
		rc = viz_draw_series(v, c, &pz, d->t_ms, d->z_um, d->op_seq, d->ns,
				     viz_color(VIZ_BLUE, 255), VIZ_S_LINE | VIZ_S_MARK);
	if (rc != 0)
		return rc;
	draw_peaks(c, &pz, d);

	viz_plot_axes(c, &ps, VIZ_AXIS_GRID | VIZ_AXIS_NOX, NULL, "focus score");
	draw_time_axis(c, &ps, d, false, scale);
	rc = viz_draw_series(v, c, &ps, d->t_ms, d->score, d->op_seq, d->ns,
			     viz_color(VIZ_GREEN, 255), VIZ_S_LINE | VIZ_S_MARK);
	if (rc != 0)
		return rc;
	viz_plot_axes(c, &pt, VIZ_AXIS_GRID | VIZ_AXIS_NOX, NULL, "temp (°C)");
	draw_time_axis(c, &pt, d, false, scale);
	if (!tany)
		viz_text(c, VIZ_FONT_SMALL, pt.r.x + pt.r.w / 2, pt.r.y + pt.r.h / 2,
			 VIZ_HCENTER | VIZ_VCENTER, viz_color(VIZ_GREY, 255), "no temperature recorded");
	rc = viz_draw_series(v, c, &pt, d->t_ms, d->temp_c, NULL, d->ns, viz_color(VIZ_ORANGE, 255),
			     VIZ_S_LINE);
	if (rc != 0)
		return rc;
	viz_plot_axes(c, &pl, VIZ_AXIS_XLABELS | VIZ_AXIS_NOY | VIZ_AXIS_NOX,
		      scale > 1 ? "run time (s)" : "run time (ms)", "phases");
	draw_time_axis(c, &pl, d, true, scale);
	draw_phase_lane(c, &pl, d);
	if (d->ns == 0)
		viz_text(c, VIZ_FONT_NORMAL, pz.r.x + pz.r.w / 2, pz.r.y + pz.r.h / 2,
			 VIZ_HCENTER | VIZ_VCENTER, viz_color(VIZ_DARKGREY, 255),
			 "this run recorded no frames (no samples)");
	viz_text(c, VIZ_FONT_SMALL, c->w - ls, c->line_h[VIZ_FONT_TITLE] / 3, VIZ_RIGHT | VIZ_TOP,
		 viz_color(VIZ_DARKGREY, 255), "%s", v->line);
	return 0;
}
