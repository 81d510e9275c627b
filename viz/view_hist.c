/*
 * view_hist.c - the handoff phases of one or two runs: per-phase histograms
 * as small multiples (hist), and the two runs side by side (compare).
 *
 * Both runs of a histogram share its bins (a nice step over the union of
 * their ranges), so the bars compare bin for bin: the first run filled, the
 * second an outline over a translucent fill.  Timings are over successful
 * handoffs, as in the report; the counts of failed ones are in the text.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/view_impl.h"

#define MAX_BINS 60

static const viz_col run_col[2] = { VIZ_SKY, VIZ_VERMILLION };

int viz_hist_load(viz_view *v)
{
	char un[2][48] = { "", "" };
	int rc = 0;

	v->nph = 0;
	if (v->kind == VIZ_COMPARE)
		snprintf(v->title, sizeof v->title, "run %lld vs run %lld", (long long)v->run[0],
			 (long long)v->run[1]);
	else
		snprintf(v->title, sizeof v->title, "handoff phases of run %lld", (long long)v->run[0]);
	for (int i = 0; i < v->nruns && rc == 0; i++) {
		rc = viz_data_phases(v->db, v->run[i], &v->ph[i], v->msg, sizeof v->msg);
		if (rc == 0)
			v->nph = i + 1;
	}
	/* a histogram of no values is empty axes: say so instead (compare
	 * still has the key numbers to show) */
	for (int i = 0; rc == 0 && v->kind == VIZ_HIST && i < v->nph; i++)
		if (v->ph[i].ok == 0) {
			snprintf(v->msg, sizeof v->msg, "run %lld has %zu handoff%s and none succeeded: no "
				 "phase times to draw (afsim report %lld lists their errors)",
				 (long long)v->run[i], v->ph[i].handoffs, v->ph[i].handoffs == 1 ? "" : "s",
				 (long long)v->run[i]);
			rc = VIZ_ENODATA;
		}
	if (rc != 0) {
		viz_phases_release(&v->ph[0]);
		viz_phases_release(&v->ph[1]);
		v->nph = 0;
		return rc;
	}
	viz_run_unfinished(&v->ph[0].run, un[0], sizeof un[0]);
	if (v->nph == 2)
		viz_run_unfinished(&v->ph[1].run, un[1], sizeof un[1]);
	if (v->kind == VIZ_COMPARE) {
		snprintf(v->title, sizeof v->title, "run %lld (%s)%s vs run %lld (%s)%s",
			 (long long)v->run[0], v->ph[0].run.scenario, un[0], (long long)v->run[1],
			 v->ph[1].run.scenario, un[1]);
		snprintf(v->subtitle, sizeof v->subtitle,
			 "per-phase mean with the p95 as a whisker, successful handoffs · %s",
			 strcmp(v->ph[0].run.trace_hash, v->ph[1].run.trace_hash) == 0 &&
					 v->ph[0].run.trace_hash[0]
				 ? "same trace hash: identical behaviour"
				 : "trace hashes differ");
	} else if (v->nph == 2) {
		snprintf(v->title, sizeof v->title, "handoff phases of run %lld (%s)%s and run %lld (%s)%s",
			 (long long)v->run[0], v->ph[0].run.scenario, un[0], (long long)v->run[1],
			 v->ph[1].run.scenario, un[1]);
		snprintf(v->subtitle, sizeof v->subtitle,
			 "successful handoffs: %zu of %zu and %zu of %zu · shared bins per phase",
			 v->ph[0].ok, v->ph[0].handoffs, v->ph[1].ok, v->ph[1].handoffs);
	} else {
		snprintf(v->title, sizeof v->title, "handoff phases of run %lld (%s)%s",
			 (long long)v->run[0], v->ph[0].run.scenario, un[0]);
		snprintf(v->subtitle, sizeof v->subtitle,
			 "successful handoffs: %zu of %zu · seed %llu · %s · trace %s", v->ph[0].ok,
			 v->ph[0].handoffs, (unsigned long long)v->ph[0].run.seed, v->ph[0].run.status,
			 v->ph[0].run.trace_hash[0] ? v->ph[0].run.trace_hash : "-");
	}
	if (v->nruns == 2)
		snprintf(v->line, sizeof v->line, "run %lld vs %lld", (long long)v->run[0],
			 (long long)v->run[1]);
	else
		snprintf(v->line, sizeof v->line, "run %lld", (long long)v->run[0]);
	return 0;
}

static void legend_items(const viz_view *v, viz_legend_item *it, char lab[2][64])
{
	for (int i = 0; i < v->nph; i++) {
		snprintf(lab[i], 64, "run %lld (%zu handoff%s)", (long long)v->ph[i].run.id, v->ph[i].ok,
			 v->ph[i].ok == 1 ? "" : "s");
		it[i] = (viz_legend_item){ lab[i], viz_color(run_col[i], 255),
					   i == 0 || v->kind == VIZ_COMPARE ? VIZ_G_BOX : VIZ_G_OUTLINE,
					   VIZ_DOT };
	}
}

/* One histogram panel: shared bins for the runs' values of phase ph. */
static void draw_hist(viz_view *v, viz_canvas *c, int ph, SDL_Rect r, bool ylabel)
{
	double lo = INFINITY, hi = -INFINITY, step, ticks[2], bin0;
	size_t count[2][MAX_BINS] = { { 0 } }, maxc = 1, target = 0;
	int nb;
	char xlabel[64];
	viz_plot p;

	for (int i = 0; i < v->nph; i++) {
		if (v->ph[i].n[ph] == 0)
			continue;
		lo = v->ph[i].v[ph][0] < lo ? v->ph[i].v[ph][0] : lo;
		hi = v->ph[i].v[ph][v->ph[i].n[ph] - 1] > hi ? v->ph[i].v[ph][v->ph[i].n[ph] - 1] : hi;
		target = v->ph[i].n[ph] > target ? v->ph[i].n[ph] : target;
	}
	if (lo > hi) {
		lo = 0;
		hi = 1;
	}
	/* about sqrt(n) bins of a nice width, 5 to MAX_BINS */
	target = (size_t)ceil(sqrt((double)target));
	target = target < 5 ? 5 : target > MAX_BINS - 2 ? MAX_BINS - 2 : target;
	if (hi - lo <= fabs(hi) * 1e-9 + 1e-9) {
		double pad = fabs(lo) > 1e-6 ? fabs(lo) * 0.02 : 0.5;

		lo -= pad;
		hi += pad;
	}
	viz_ticks(lo, hi, (int)target, ticks, 2, &step);
	bin0 = floor(lo / step) * step;
	nb = (int)ceil((hi - bin0) / step + 1e-9);
	if (bin0 + nb * step <= hi)
		nb++;
	nb = nb < 1 ? 1 : nb > MAX_BINS ? MAX_BINS : nb;
	for (int i = 0; i < v->nph; i++)
		for (size_t k = 0; k < v->ph[i].n[ph]; k++) {
			long b = (long)floor((v->ph[i].v[ph][k] - bin0) / step);

			b = b < 0 ? 0 : b >= nb ? nb - 1 : b;
			if (++count[i][b] > maxc)
				maxc = count[i][b];
		}
	{
		double ylo = 0, yhi = (double)maxc;

		viz_nice_range(&ylo, &yhi, 4);
		viz_plot_init(&p, r, bin0, bin0 + nb * step, 0, yhi);
	}
	viz_view_set_panel(v, ph, &p);
	snprintf(xlabel, sizeof xlabel, "%s (ms)", viz_phase_name(ph));
	viz_plot_axes(c, &p, VIZ_AXIS_GRID | VIZ_AXIS_XLABELS, xlabel, ylabel ? "handoffs" : NULL);
	viz_clip(c, &p.r);
	for (int i = 0; i < v->nph; i++) {
		for (int b = 0; b < nb; b++) {
			int x0 = viz_axis_px(&p.x, bin0 + b * step), x1 = viz_axis_px(&p.x, bin0 + (b + 1) * step);
			int y0 = viz_axis_px(&p.y, 0), y1 = viz_axis_px(&p.y, (double)count[i][b]);
			SDL_Rect bar = { x0 + (x1 - x0 > 3 ? 1 : 0), y1, x1 - x0 - (x1 - x0 > 3 ? 1 : 0),
					 y0 - y1 + 1 };

			if (count[i][b] == 0)
				continue;
			if (i == 0) {
				viz_fill(c, bar, viz_color(run_col[0], 255));
			} else {
				viz_fill(c, bar, viz_color(run_col[1], 60));
				viz_outline(c, bar, viz_color(run_col[1], 255));
				viz_outline(c, (SDL_Rect){ bar.x + 1, bar.y + 1, bar.w - 2, bar.h - 2 },
					    viz_color(run_col[1], 255));
			}
		}
	}
	viz_clip(c, NULL);
	for (int i = 0; i < v->nph; i++) {
		int x = viz_axis_px(&p.x, v->ph[i].mean[ph]);

		if (!isnan(v->ph[i].mean[ph]))
			viz_dashed(c, x, p.r.y + 1, x, p.r.y + p.r.h - 2, 4, 3,
				   viz_color(i == 0 ? VIZ_BLUE : VIZ_VERMILLION, 255));
	}
}

static void summary_cell(viz_view *v, viz_canvas *c, SDL_Rect r)
{
	int ls = c->line_h[VIZ_FONT_SMALL], y = r.y, col[3];
	SDL_Color fg = viz_color(VIZ_BLACK, 255), dim = viz_color(VIZ_DARKGREY, 255);

	col[0] = r.x;
	col[1] = r.x + r.w * 42 / 100;
	col[2] = r.x + r.w * 71 / 100;
	viz_text(c, VIZ_FONT_SMALL, col[0], y, VIZ_LEFT, dim, "mean / p95 (ms)");
	for (int i = 0; i < v->nph; i++)
		viz_text(c, VIZ_FONT_SMALL, col[1 + i], y, VIZ_LEFT, viz_color(i ? VIZ_VERMILLION : VIZ_BLUE, 255),
			 "run %lld", (long long)v->ph[i].run.id);
	y += ls + 2;
	for (int ph = 0; ph < VIZ_NPHASE; ph++, y += ls) {
		viz_text(c, VIZ_FONT_SMALL, col[0], y, VIZ_LEFT, fg, "%s", viz_phase_name(ph));
		for (int i = 0; i < v->nph; i++)
			viz_text(c, VIZ_FONT_SMALL, col[1 + i], y, VIZ_LEFT, fg, "%.1f / %.1f",
				 v->ph[i].mean[ph], v->ph[i].p95[ph]);
	}
	y += ls / 2;
	viz_text(c, VIZ_FONT_SMALL, col[0], y, VIZ_LEFT, fg, "mapping max (µm)");
	for (int i = 0; i < v->nph; i++)
		viz_text(c, VIZ_FONT_SMALL, col[1 + i], y, VIZ_LEFT, fg, "%.3f", v->ph[i].mapping_max_um);
	y += ls;
	viz_text(c, VIZ_FONT_SMALL, col[0], y, VIZ_LEFT, fg, "success");
	for (int i = 0; i < v->nph; i++)
		viz_text(c, VIZ_FONT_SMALL, col[1 + i], y, VIZ_LEFT, fg, "%zu / %zu", v->ph[i].ok,
			 v->ph[i].handoffs);
	y += ls + ls / 2;
	viz_text(c, VIZ_FONT_SMALL, col[0], y, VIZ_LEFT, dim, "dashed: the mean of each run");
}

int viz_hist_render(viz_view *v, viz_canvas *c)
{
	int ls = c->line_h[VIZ_FONT_SMALL], top, left = viz_margin_left(c), gapx, gapy, cw, ch;
	int right = c->w - c->line_h[VIZ_FONT_NORMAL] * 2, bottom = c->h - ls;
	viz_legend_item it[2];
	char lab[2][64];
	SDL_Rect lg;

	if (v->kind == VIZ_COMPARE)
		return viz_compare_render(v, c);
	top = viz_view_header(v, c);
	legend_items(v, it, lab);
	lg = viz_legend_row(c, left, top, it, v->nph);
	viz_view_set_region(v, VIZ_REG_LEGEND, lg);
	top += 2 * ls;
	gapx = viz_margin_left(c) - ls;
	gapy = 2 * ls + c->line_h[VIZ_FONT_NORMAL] + ls / 2;
	cw = (right - left - 2 * gapx) / 3;
	ch = (bottom - top - 2 * gapy) / 2;
	if (cw < 40 || ch < 30) {
		snprintf(v->msg, sizeof v->msg, "the picture is too small");
		return VIZ_EUSAGE;
	}
	for (int ph = 0; ph < VIZ_NPHASE; ph++) {
		int col = ph % 3, row = ph / 3;
		SDL_Rect r = { left + col * (cw + gapx), top + row * (ch + gapy), cw, ch };

		draw_hist(v, c, ph, r, col == 0);
	}
	viz_view_set_region(v, VIZ_REG_PLOT, v->panel[0].r);
	viz_view_set_region(v, VIZ_REG_YLABEL, viz_ylabel_rect(c, &v->panel[0]));
	viz_view_set_region(v, VIZ_REG_XLABEL, viz_xlabel_rect(c, &v->panel[3]));
	summary_cell(v, c, (SDL_Rect){ left + 2 * (cw + gapx), top + ch + gapy, cw, ch });
	return 0;
}

/* ---- compare ---------------------------------------------------------------------- */

static void key_numbers(viz_view *v, viz_canvas *c, SDL_Rect r)
{
	int ls = c->line_h[VIZ_FONT_NORMAL], y = r.y, x1 = r.x + r.w * 36 / 100, x2 = r.x + r.w * 68 / 100;
	SDL_Color fg = viz_color(VIZ_BLACK, 255), dim = viz_color(VIZ_DARKGREY, 255);
	const viz_phases *a = &v->ph[0], *b = &v->ph[1];
	char row[2][160];

	viz_text(c, VIZ_FONT_NORMAL, x1, y, VIZ_LEFT, viz_color(VIZ_BLUE, 255), "run %lld", (long long)a->run.id);
	viz_text(c, VIZ_FONT_NORMAL, x2, y, VIZ_LEFT, viz_color(VIZ_VERMILLION, 255), "run %lld",
		 (long long)b->run.id);
	y += ls + ls / 3;
#define ROW(label, fmt, va, vb)                                                        \
	do {                                                                           \
		snprintf(row[0], sizeof row[0], fmt, va);                               \
		snprintf(row[1], sizeof row[1], fmt, vb);                               \
		viz_text(c, VIZ_FONT_SMALL, r.x, y, VIZ_LEFT, dim, "%s", label);        \
		viz_text(c, VIZ_FONT_SMALL, x1, y, VIZ_LEFT, fg, "%s", row[0]);         \
		viz_text(c, VIZ_FONT_SMALL, x2, y, VIZ_LEFT, fg, "%s", row[1]);         \
		y += c->line_h[VIZ_FONT_SMALL];                                         \
	} while (0)
	ROW("scenario", "%s", a->run.scenario, b->run.scenario);
	ROW("seed", "%llu", (unsigned long long)a->run.seed, (unsigned long long)b->run.seed);
	ROW("status", "%s", a->run.status, b->run.status);
	ROW("trace hash", "%s", a->run.trace_hash[0] ? a->run.trace_hash : "-",
	    b->run.trace_hash[0] ? b->run.trace_hash : "-");
	ROW("started", "%s", a->run.started_at, b->run.started_at);
	ROW("handoffs", "%zu", a->handoffs, b->handoffs);
	ROW("success rate", "%.4f", (double)a->ok / (double)a->handoffs,
	    (double)b->ok / (double)b->handoffs);
	ROW("total mean (ms)", "%.2f", a->mean[VIZ_TOTAL], b->mean[VIZ_TOTAL]);
	ROW("total p95 (ms)", "%.2f", a->p95[VIZ_TOTAL], b->p95[VIZ_TOTAL]);
	ROW("mapping error mean (µm)", "%.4f", a->mapping_mean_um, b->mapping_mean_um);
	ROW("mapping error max (µm)", "%.4f", a->mapping_max_um, b->mapping_max_um);
	ROW("focus error mean (µm)", "%.4f", a->focus_mean_um, b->focus_mean_um);
	ROW("focus error max (µm)", "%.4f", a->focus_max_um, b->focus_max_um);
	ROW("cache hit rate", "%.3f", a->cache_rate, b->cache_rate);
#undef ROW
	y += c->line_h[VIZ_FONT_SMALL] / 2;
	viz_text(c, VIZ_FONT_SMALL, r.x, y, VIZ_LEFT, dim, "change of the mean, run %lld vs %lld:",
		 (long long)b->run.id, (long long)a->run.id);
	y += c->line_h[VIZ_FONT_SMALL];
	for (int ph = 0; ph < VIZ_NPHASE; ph++, y += c->line_h[VIZ_FONT_SMALL]) {
		double d = b->mean[ph] - a->mean[ph];
		double pct = a->mean[ph] != 0 ? d / a->mean[ph] * 100.0 : NAN;

		viz_text(c, VIZ_FONT_SMALL, r.x, y, VIZ_LEFT, fg, "%s", viz_phase_name(ph));
		viz_text(c, VIZ_FONT_SMALL, x1, y, VIZ_LEFT,
			 viz_color(d > 0 && pct > 5 ? VIZ_VERMILLION : VIZ_BLACK, 255),
			 "%+.2f ms (%+.1f %%)", d, pct);
	}
}

int viz_compare_render(viz_view *v, viz_canvas *c)
{
	int ls = c->line_h[VIZ_FONT_SMALL], top, left = viz_margin_left(c), bottom, split;
	double hi = 0, lo = 0;
	viz_legend_item it[2];
	char lab[2][64];
	SDL_Rect lg;
	viz_plot p;

	top = viz_view_header(v, c);
	legend_items(v, it, lab);
	lg = viz_legend_row(c, left, top, it, 2);
	viz_legend_row(c, lg.x + lg.w, top,
		       &(viz_legend_item){ "p95 whisker", viz_color(VIZ_BLACK, 255), VIZ_G_LINE, VIZ_DOT }, 1);
	lg.w += c->line_h[VIZ_FONT_SMALL] * 8;
	viz_view_set_region(v, VIZ_REG_LEGEND, lg);
	top += 2 * ls;
	bottom = c->h - (2 * ls + c->line_h[VIZ_FONT_NORMAL] + 4);
	split = c->w * 58 / 100;
	if (bottom - top < 40 || split - left < 60) {
		snprintf(v->msg, sizeof v->msg, "the picture is too small");
		return VIZ_EUSAGE;
	}
	for (int i = 0; i < 2; i++)
		for (int ph = 0; ph < VIZ_NPHASE; ph++) {
			double m = isnan(v->ph[i].p95[ph]) ? v->ph[i].mean[ph] : v->ph[i].p95[ph];

			hi = m > hi ? m : hi;
		}
	viz_nice_range(&lo, &hi, 8);
	viz_plot_init(&p, (SDL_Rect){ left, top, split - left - ls * 2, bottom - top }, -0.5, 4.5, 0, hi);
	viz_view_set_panel(v, 0, &p);
	viz_view_set_region(v, VIZ_REG_PLOT, p.r);
	viz_view_set_region(v, VIZ_REG_YLABEL, viz_ylabel_rect(c, &p));
	viz_view_set_region(v, VIZ_REG_XLABEL, viz_xlabel_rect(c, &p));
	viz_plot_axes(c, &p, VIZ_AXIS_GRID | VIZ_AXIS_NOX, NULL, "time (ms)");
	viz_text(c, VIZ_FONT_NORMAL, p.r.x + p.r.w / 2, p.r.y + p.r.h + 4 + ls, VIZ_HCENTER | VIZ_TOP,
		 viz_color(VIZ_BLACK, 255), "handoff phase (successful handoffs)");
	for (int ph = 0; ph < VIZ_NPHASE; ph++) {
		viz_text(c, VIZ_FONT_SMALL, viz_axis_px(&p.x, ph), p.r.y + p.r.h + 3, VIZ_HCENTER | VIZ_TOP,
			 viz_color(VIZ_DARKGREY, 255), "%s", viz_phase_name(ph));
		for (int i = 0; i < 2; i++) {
			double xc = ph + (i ? 0.2 : -0.2), m = v->ph[i].mean[ph], q = v->ph[i].p95[ph];
			int xa = viz_axis_px(&p.x, xc - 0.17), xb = viz_axis_px(&p.x, xc + 0.17);
			int xm = viz_axis_px(&p.x, xc), y0 = viz_axis_px(&p.y, 0), ym, yq;

			if (isnan(m))
				continue;
			ym = viz_axis_px(&p.y, m);
			viz_fill(c, (SDL_Rect){ xa, ym, xb - xa + 1, y0 - ym + 1 }, viz_color(run_col[i], 255));
			if (isnan(q))
				continue;
			yq = viz_axis_px(&p.y, q);
			viz_line(c, xm, ym, xm, yq, viz_color(VIZ_BLACK, 255));
			viz_line(c, xm - (xb - xa) / 4, yq, xm + (xb - xa) / 4, yq, viz_color(VIZ_BLACK, 255));
			viz_text(c, VIZ_FONT_SMALL, xm, yq - 2, VIZ_HCENTER | VIZ_BOTTOM,
				 viz_color(VIZ_DARKGREY, 255), "%.1f", m);
		}
	}
	key_numbers(v, c, (SDL_Rect){ split + ls, top, c->w - split - 2 * ls, bottom - top });
	return 0;
}
