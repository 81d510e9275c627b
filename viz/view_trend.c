/*
 * view_trend.c - one metric over the runs of a scenario.
 *
 * x is the run id (ids grow with time, so the axis reads as history and a
 * point names its run), y the per-run value.  The band is the scenario's
 * baseline run (`main` unless asked otherwise) +/- the tolerance the
 * regression check uses: the time fraction for times and counts, the
 * accuracy in µm for accuracies, nothing for rates (any drop counts).  A
 * point beyond the band on the worse side is a regression (vermillion
 * triangle), on the better side an improvement (green diamond); both are
 * drawn one by one even when the series itself is decimated, because they
 * are what the picture is for.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/view_impl.h"

/* -1 improvement beyond the band, 0 inside, 1 regression. */
static int judge(const viz_trend_data *d, double v)
{
	if (!d->has_base)
		return 0;
	if (v > d->band_hi)
		return d->m.higher_is_worse ? 1 : -1;
	if (v < d->band_lo)
		return d->m.higher_is_worse ? -1 : 1;
	return 0;
}

static const char *unit_sfx(const viz_trend_data *d, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", d->m.unit[0] ? " " : "", d->m.unit);
	return buf;
}

int viz_trend_load(viz_view *v)
{
	viz_trend_data *d = &v->tr;
	size_t reg = 0, imp = 0;
	char u[16], tol[64], left[64] = "";
	int rc = viz_data_trend(v->db, v->scenario, v->metric, v->baseline, d, v->msg, sizeof v->msg);

	snprintf(v->title, sizeof v->title, "%s over the runs of %s", v->metric, v->scenario);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < d->n; i++) {
		int j = judge(d, d->value[i]);

		reg += j > 0;
		imp += j < 0;
	}
	unit_sfx(d, u, sizeof u);
	if (d->unfinished)
		snprintf(left, sizeof left, " · %zu unfinished run%s left out", d->unfinished,
			 d->unfinished == 1 ? "" : "s");
	if (!d->has_base) {
		snprintf(v->subtitle, sizeof v->subtitle,
			 "%zu run%s with a value, %zu without%s · no baseline '%s' with this metric for "
			 "the scenario (afsim baseline set %s RUN)", d->n, d->n == 1 ? "" : "s",
			 d->skipped, left, v->baseline, v->baseline);
		return 0;
	}
	if (d->m.kind == VIZ_M_RATE)
		snprintf(tol, sizeof tol, "any drop");
	else
		snprintf(tol, sizeof tol, "± %.4g%s", (d->band_hi - d->band_lo) / 2, u);
	/* the check's band: the scenario's tolerance, never under its floor */
	snprintf(v->subtitle, sizeof v->subtitle,
		 "%zu run%s with a value, %zu without%s · baseline %s: run %lld = %.4g%s, %s · "
		 "%zu regression%s, %zu improvement%s beyond the band",
		 d->n, d->n == 1 ? "" : "s", d->skipped, left, v->baseline, (long long)d->base_run,
		 d->base_value, u, tol, reg, reg == 1 ? "" : "s", imp, imp == 1 ? "" : "s");
	return 0;
}

void viz_trend_reset(viz_view *v)
{
	const viz_trend_data *d = &v->tr;
	double a = d->x[0], b = d->x[d->n - 1], pad = (b - a) * 0.02;

	if (pad < 0.5)
		pad = 0.5;
	v->full0 = v->x0 = a - pad;
	v->full1 = v->x1 = b + pad;
}

int viz_trend_render(viz_view *v, viz_canvas *c)
{
	const viz_trend_data *d = &v->tr;
	int ls = c->line_h[VIZ_FONT_SMALL], top, left = viz_margin_left(c), rc, nlegend = 2;
	int right = c->w - c->line_h[VIZ_FONT_NORMAL] * 2, bottom;
	double lo = 0, hi = 0;
	bool any;
	char ylabel[96], base_label[96];
	viz_plot p;
	SDL_Rect lg;
	viz_legend_item items[5] = {
		{ "value per run", viz_color(VIZ_BLUE, 255), VIZ_G_MARK, VIZ_DOT },
		{ base_label, viz_color(VIZ_SKY, 110), VIZ_G_BOX, VIZ_DOT },
	};

	if (d->has_base) {
		snprintf(base_label, sizeof base_label, "baseline %s (run %lld) ± tolerance", v->baseline,
			 (long long)d->base_run);
		items[nlegend++] = (viz_legend_item){ "regression (beyond the band, worse)",
						      viz_color(VIZ_VERMILLION, 255), VIZ_G_MARK,
						      VIZ_TRIANGLE };
		items[nlegend++] = (viz_legend_item){ "improvement (beyond the band, better)",
						      viz_color(VIZ_GREEN, 255), VIZ_G_MARK, VIZ_DIAMOND };
	} else {
		nlegend = 1;
	}
	top = viz_view_header(v, c);
	lg = viz_legend_row(c, left, top, items, nlegend);
	viz_view_set_region(v, VIZ_REG_LEGEND, lg);
	snprintf(v->line, sizeof v->line, "runs %.0f-%.0f", ceil(v->x0), floor(v->x1));
	viz_text(c, VIZ_FONT_SMALL, c->w - ls, c->line_h[VIZ_FONT_TITLE] / 3, VIZ_RIGHT | VIZ_TOP,
		 viz_color(VIZ_DARKGREY, 255), "%s", v->line);
	top += ls + ls;
	bottom = c->h - (2 * ls + c->line_h[VIZ_FONT_NORMAL] + 4);
	if (bottom - top < 40 || right - left < 40) {
		snprintf(v->msg, sizeof v->msg, "the picture is too small");
		return VIZ_EUSAGE;
	}
	any = viz_range_in(d->x, d->value, d->n, v->x0, v->x1, &lo, &hi);
	if (!any) {
		lo = hi = d->value[0];
	}
	if (d->has_base) {
		lo = d->band_lo < lo ? d->band_lo : lo;
		hi = d->band_hi > hi ? d->band_hi : hi;
	}
	viz_nice_range(&lo, &hi, 8);
	viz_plot_init(&p, (SDL_Rect){ left, top, right - left, bottom - top }, v->x0, v->x1, lo, hi);
	viz_view_set_panel(v, 0, &p);
	viz_view_set_region(v, VIZ_REG_PLOT, p.r);
	viz_view_set_region(v, VIZ_REG_YLABEL, viz_ylabel_rect(c, &p));
	viz_view_set_region(v, VIZ_REG_XLABEL, viz_xlabel_rect(c, &p));

	if (d->has_base) {
		int ya = viz_axis_px(&p.y, d->band_hi), yb = viz_axis_px(&p.y, d->band_lo);
		int yc = viz_axis_px(&p.y, d->base_value);

		viz_clip(c, &p.r);
		if (yb - ya < 2) {
			ya = yc - 1;
			yb = yc + 1;
		}
		viz_fill(c, (SDL_Rect){ p.r.x, ya, p.r.w, yb - ya + 1 }, viz_color(VIZ_SKY, 110));
		viz_clip(c, NULL);
	}
	snprintf(ylabel, sizeof ylabel, "%s%s%s%s", d->m.name, d->m.unit[0] ? " (" : "", d->m.unit,
		 d->m.unit[0] ? ")" : "");
	viz_plot_axes(c, &p, VIZ_AXIS_GRID | VIZ_AXIS_XLABELS, "run id", ylabel);
	if (d->has_base) {
		int yc = viz_axis_px(&p.y, d->base_value);

		viz_clip(c, &p.r);
		viz_dashed(c, p.r.x, yc, p.r.x + p.r.w - 1, yc, 8, 5, viz_color(VIZ_BLUE, 255));
		viz_clip(c, NULL);
	}
	rc = viz_draw_series(v, c, &p, d->x, d->value, NULL, d->n, viz_color(VIZ_BLUE, 255),
			     VIZ_S_LINE | VIZ_S_MARK);
	if (rc != 0)
		return rc;
	viz_clip(c, &p.r);
	for (size_t i = viz_lower_bound(d->x, d->n, v->x0); i < d->n && d->x[i] <= v->x1; i++) {
		int j = judge(d, d->value[i]), px, py;

		viz_plot_px(&p, d->x[i], d->value[i], &px, &py);
		if (d->has_base && d->run_id[i] == d->base_run)
			viz_marker(c, px, py, VIZ_RING, 7, viz_color(VIZ_BLACK, 255));
		if (j > 0)
			viz_marker(c, px, py, VIZ_TRIANGLE, 5, viz_color(VIZ_VERMILLION, 255));
		else if (j < 0)
			viz_marker(c, px, py, VIZ_DIAMOND, 4, viz_color(VIZ_GREEN, 255));
	}
	viz_clip(c, NULL);
	return 0;
}
