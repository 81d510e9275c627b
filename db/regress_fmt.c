/*
 * regress_fmt.c - print regression results (regress.h) as text, markdown
 * or JSON.  A summary first: how many runs regressed, changed within
 * tolerance, were identical or had nothing to compare, then one line per
 * run with its headline metric (and, for --latest, its age).  Then, for
 * each run that regressed or changed (every run with -v), the metric table
 * worst first (a line "first regression: METRIC ..." names the worst for
 * scripts), the first divergent trace record with what differs there, and
 * the history monitors.  Values carry their units.
 */
#include "db/regress.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "db/fmt.h"

static const char *const kind_names[] = { "time", "accuracy", "rate", "count" };

static const char *verdict_str(db_verdict v)
{
	const char *s = db_verdict_name(v);

	return s ? s : "?";
}

/* A metric's value with its unit: rates in %, the rest as they are. */
static const char *value_str(char *buf, size_t size, const db_regress_metric *m, double v)
{
	if (isnan(v))
		return "-";
	if (m->kind == DB_KIND_RATE)
		snprintf(buf, size, "%.2f %%", 100 * v);
	else
		snprintf(buf, size, "%.4g%s%s", v, m->unit && m->unit[0] ? " " : "",
			 m->unit ? m->unit : "");
	return buf;
}

static const char *change_str(char *buf, size_t size, const db_regress_metric *m)
{
	if (m->kind == DB_KIND_TIME || m->kind == DB_KIND_COUNT ||
	    (m->kind == DB_KIND_ACCURACY && !isnan(m->p))) {
		if (isnan(m->change.rel)) {
			/* no scale: both absent, one side absent, or a zero baseline */
			if (isnan(m->baseline) && isnan(m->candidate))
				return "-";
			if (isnan(m->baseline) || isnan(m->candidate))
				return isnan(m->baseline) ? "appeared" : "vanished";
			snprintf(buf, size, "%+.4g%s%s", m->change.abs, m->unit[0] ? " " : "", m->unit);
			return buf;
		}
		snprintf(buf, size, "%+.1f %%", 100 * m->change.rel);
	} else if (m->kind == DB_KIND_ACCURACY) {
		if (isnan(m->change.abs))
			return "-";
		snprintf(buf, size, "%+.4f um", m->change.abs);
	} else {
		if (isnan(m->change.abs))
			return "-";
		snprintf(buf, size, "%+.2f pp", 100 * m->change.abs);
	}
	return buf;
}

/* Tolerance (sim, with its absolute floor) or practical floor (hil). */
static const char *tol_str(char *buf, size_t size, const db_regress_metric *m, bool stat)
{
	if (isnan(m->tol))
		return "-";
	if (m->kind == DB_KIND_RATE)
		snprintf(buf, size, m->tol == 0 ? "any drop" : "%.2f pp", 100 * m->tol);
	else if (m->kind == DB_KIND_ACCURACY && !stat)
		snprintf(buf, size, "+%.3f um", m->tol);
	else if (!stat && m->kind == DB_KIND_TIME)
		snprintf(buf, size, "+%.0f %% (>=%g ms)", 100 * m->tol, DB_TOL_TIME_FLOOR_MS);
	else if (!stat && m->kind == DB_KIND_COUNT)
		snprintf(buf, size, "+%.0f %% (>=%g)", 100 * m->tol, DB_TOL_COUNT_FLOOR);
	else
		snprintf(buf, size, "+%.1f %%", 100 * m->tol);
	return buf;
}

static const db_regress_metric *first_regressed(const db_regress_result *r)
{
	return r->nmetrics && r->metrics[0].verdict == DB_REGRESSED ? &r->metrics[0] : NULL;
}

/* The headline "focus_move_ms.mean +19.8 % (51.8 ms -> 62.06 ms)". */
static const char *headline_str(char *buf, size_t size, const db_regress_result *r)
{
	const db_regress_metric *h = db_regress_headline(r);
	char b[3][40];

	if (r->status == DB_RG_NO_BASELINE)
		snprintf(buf, size, "no baseline for the scenario");
	else if (r->status == DB_RG_IDENTICAL)
		snprintf(buf, size, "trace %s", r->hash_c[0] ? r->hash_c : "-");
	else if (!h)
		snprintf(buf, size, "no handoffs to compare");
	else
		snprintf(buf, size, "%s %s (%s -> %s)", h->name, change_str(b[0], 40, h),
			 value_str(b[1], 40, h, h->baseline), value_str(b[2], 40, h, h->candidate));
	return buf;
}

/* "run 30" or "run 30 (ABORTED)" for a candidate that did not finish. */
static const char *run_str(char *buf, size_t size, const db_regress_result *r)
{
	char up[16];
	size_t k;

	for (k = 0; r->status_c[k] && k + 1 < sizeof up; k++)
		up[k] = (char)(r->status_c[k] >= 'a' && r->status_c[k] <= 'z' ? r->status_c[k] - 32
										: r->status_c[k]);
	up[k] = '\0';
	if (r->unfinished)
		snprintf(buf, size, "run %" PRId64 " (%s)", r->candidate, up);
	else
		snprintf(buf, size, "run %" PRId64, r->candidate);
	return buf;
}

static const char *status_word(const db_regress_result *r)
{
	switch (r->status) {
	case DB_RG_REGRESSED: return "REGRESSED";
	case DB_RG_OK: return "changed";
	case DB_RG_IDENTICAL: return "identical";
	default: return "no baseline";
	}
}

/* Whether a result gets its full comparison printed. */
static bool in_full(const db_regress_result *r, unsigned flags)
{
	return (flags & DB_RG_PRINT_VERBOSE) || r->status == DB_RG_REGRESSED || r->status == DB_RG_OK;
}

static bool any_full(const db_regress_result *r, size_t n, unsigned flags)
{
	for (size_t i = 0; i < n; i++)
		if (in_full(&r[i], flags))
			return true;
	return false;
}

/* --- text ------------------------------------------------------------------- */

/* The fewest significant digits (6 to 17) that tell b and c apart. */
static int digits_apart(double b, double c)
{
	char sb[40], sc[40];
	int p = 6;

	for (; p < 17; p++) {
		snprintf(sb, sizeof sb, "%.*g", p, b);
		snprintf(sc, sizeof sc, "%.*g", p, c);
		if (strcmp(sb, sc) != 0)
			break;
	}
	return p;
}

static void text_num(FILE *f, const char *name, double b, double c)
{
	int p = digits_apart(b, c);

	fprintf(f, "%s %.*g -> %.*g", name, p, b, p, c);
}

static void text_divergence(const db_divergence *v, FILE *f)
{
	if (!v->available) {
		fprintf(f, "  first divergent event: no trace index stored for both runs\n");
		return;
	}
	if (!v->diverged) {
		fprintf(f, "  first divergent event: none (the trace indexes are equal)\n");
		return;
	}
	fprintf(f, "  first divergent event: record %zu (of %zu baseline / %zu candidate):", v->index,
		v->nb, v->nc);
	if (v->has_b)
		fprintf(f, " baseline %s at %.6f s", db_trace_kind_name(v->kind_b),
			(double)v->t_ns_b / 1e9);
	else
		fprintf(f, " baseline ended");
	if (v->has_c)
		fprintf(f, ", candidate %s at %.6f s\n", db_trace_kind_name(v->kind_c),
			(double)v->t_ns_c / 1e9);
	else
		fprintf(f, ", candidate ended\n");
	if (!v->has_op_b && !v->has_op_c) {
		fprintf(f, "    before the first operation\n");
		return;
	}
	fprintf(f, "    in op ");
	if (v->has_op_b && v->has_op_c && v->op_seq_b == v->op_seq_c)
		fprintf(f, "%u (%s) on both sides\n", v->op_seq_b, v->op_kind_b);
	else
		fprintf(f, "%s%u%s%s%s on the baseline side, %s%u%s%s%s on the candidate side\n",
			v->has_op_b ? "" : "-", v->has_op_b ? v->op_seq_b : 0u, v->has_op_b ? " (" : "",
			v->op_kind_b, v->has_op_b ? ")" : "", v->has_op_c ? "" : "-",
			v->has_op_c ? v->op_seq_c : 0u, v->has_op_c ? " (" : "", v->op_kind_c,
			v->has_op_c ? ")" : "");
	if (v->op_missing_b || v->op_missing_c) {
		fprintf(f, "    op %u is not in the %s run\n", v->op_seq,
			v->op_missing_b ? "baseline" : "candidate");
	} else if (v->ndiff == 0) {
		fprintf(f, "    op %u: every recorded field is equal\n", v->op_seq);
	} else {
		fprintf(f, "    op %u differs (baseline -> candidate): ", v->op_seq);
		for (size_t i = 0; i < v->ndiff; i++) {
			const db_field_diff *d = &v->diff[i];

			fputs(i ? ", " : "", f);
			if (d->text)
				fprintf(f, "%s '%s' -> '%s'", d->field, d->sb, d->sc);
			else
				text_num(f, d->field, d->b, d->c);
		}
		fputc('\n', f);
	}
	if (v->sample_index) {
		fprintf(f, "    first differing frame of op %u: frame %zu", v->op_seq, v->sample_index);
		if (v->sample_missing_b || v->sample_missing_c)
			fprintf(f, " exists only in the %s run\n",
				v->sample_missing_b ? "candidate" : "baseline");
		else
			fprintf(f, " at %.3f / %.3f ms: z %.4f -> %.4f um, score %.6g -> %.6g\n",
				v->sample_t_ms_b, v->sample_t_ms_c, v->z_b, v->z_c, v->score_b, v->score_c);
	}
}

static void text_history(const db_regress_result *r, FILE *f, const char *indent)
{
	fprintf(f, "%shistory: %zu run%s of %s (%s), per-run phase means\n", indent, r->nhistory,
		db_plural_s(r->nhistory), r->scenario, r->mode_c);
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		const db_regress_history *h = &r->history[p];

		fprintf(f, "%s  %-12s ", indent, db_phase_name(p));
		if (h->halves.verdict == DB_INCONCLUSIVE)
			fprintf(f, "recent vs older half: too few runs (%zu, need %u)", h->halves.n,
				DB_HALVES_MIN_N);
		else
			fprintf(f, "recent half %.2f vs older half %.2f ms (%+.1f %%): %s", h->halves.mean_new,
				h->halves.mean_old, 100 * h->halves.change,
				h->halves.verdict == DB_REGRESSED ? "DRIFT (> 20 % slower)"
								  : verdict_str(h->halves.verdict));
		if (h->cp_ok)
			fprintf(f, "; change point at run %" PRId64 " (index %zu): %.2f -> %.2f ms%s",
				h->cp_run, h->cp.index, h->cp.mean_before, h->cp.mean_after,
				h->cp.significant ? " (significant)" : " (not significant)");
		else
			fprintf(f, "; change point: too few runs (need %u)", 2 * DB_CP_MIN_SEG);
		fputc('\n', f);
	}
}

static void text_one(const db_regress_result *r, FILE *f)
{
	char b[4][40];
	const db_regress_metric *w;

	fprintf(f, "%s (%s, %s)", run_str(b[0], 40, r), r->scenario, r->mode_c);
	if (r->unfinished)
		fprintf(f, " [did not finish%s%s: partial data]", r->message_c[0] ? ": " : "",
			r->message_c);
	if (r->status == DB_RG_NO_BASELINE) {
		fprintf(f, ": nothing to compare (no baseline for scenario '%s')\n", r->scenario);
		text_history(r, f, "  ");
		return;
	}
	fprintf(f, " vs baseline run %" PRId64 ": ", r->baseline);
	if (r->status == DB_RG_IDENTICAL) {
		fprintf(f, "identical (trace %s)\n", r->hash_c);
		text_history(r, f, "  ");
		return;
	}
	fprintf(f, "%s, %zu of %zu metric%s regressed%s",
		r->status == DB_RG_REGRESSED ? "REGRESSED" : "changed within tolerance",
		r->nregressed, r->nmetrics, db_plural_s(r->nmetrics),
		r->statistical ? " (statistical, HIL)" : "");
	if (r->ninconclusive)
		fprintf(f, ", %zu inconclusive", r->ninconclusive);
	if (!r->statistical)
		fprintf(f, "; trace %s -> %s", r->hash_b[0] ? r->hash_b : "-", r->hash_c[0] ? r->hash_c : "-");
	fputc('\n', f);
	w = first_regressed(r);
	if (w)
		fprintf(f, "  first regression: %s %s (baseline %s, candidate %s)\n", w->name,
			change_str(b[0], 40, w), value_str(b[1], 40, w, w->baseline),
			value_str(b[2], 40, w, w->candidate));
	if (r->statistical)
		fprintf(f, "  %-24s %11s %11s %10s %10s %9s %9s  %s\n", "metric (median)", "baseline",
			"candidate", "change", "floor", "p", "n b/c", "verdict");
	else
		fprintf(f, "  %-24s %12s %12s %10s %15s  %s\n", "metric", "baseline", "candidate",
			"change", "tolerance", "verdict");
	for (size_t i = 0; i < r->nmetrics; i++) {
		const db_regress_metric *m = &r->metrics[i];

		if (r->statistical) {
			char nn[40], pp[40];

			snprintf(nn, sizeof nn, "%zu/%zu", m->nb, m->nc);
			snprintf(pp, sizeof pp, "%.2g", m->p);
			fprintf(f, "  %-24s %11s %11s %10s %10s %9s %9s", m->name,
				value_str(b[0], 40, m, m->baseline), value_str(b[1], 40, m, m->candidate),
				change_str(b[2], 40, m), tol_str(b[3], 40, m, true), isnan(m->p) ? "-" : pp, nn);
		} else {
			fprintf(f, "  %-24s %12s %12s %10s %15s", m->name,
				value_str(b[0], 40, m, m->baseline), value_str(b[1], 40, m, m->candidate),
				change_str(b[2], 40, m), tol_str(b[3], 40, m, false));
		}
		fprintf(f, "  %s\n", verdict_str(m->verdict));
	}
	if (!r->statistical)
		text_divergence(&r->div, f);
	text_history(r, f, "  ");
}

/* How many distinct invocations the candidates come from; the ages of
 * their oldest and newest runs. */
static void text_invocations(const db_regress_result *r, size_t n, FILE *f)
{
	size_t ninv = 0, none = 0;
	double oldest = NAN, newest = NAN;
	char a[2][32];

	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		double age;

		if (!r[i].invocation_c[0])
			none++;
		for (size_t k = 0; k < i && r[i].invocation_c[0]; k++)
			seen |= strcmp(r[k].invocation_c, r[i].invocation_c) == 0;
		ninv += r[i].invocation_c[0] && !seen;
		if (db_age_s(r[i].started_c, &age) == 0) {
			oldest = isnan(oldest) || age > oldest ? age : oldest;
			newest = isnan(newest) || age < newest ? age : newest;
		}
	}
	if (ninv + (none ? 1 : 0) <= 1)
		return;
	fprintf(f, "warning: the runs come from %zu invocation%s%s (newest recorded %s ago, oldest "
		   "%s ago): compare one invocation with --invocation ID|last\n",
		ninv, db_plural_s(ninv), none ? " and runs without one" : "",
		db_age_str(newest, a[0], 32), db_age_str(oldest, a[1], 32));
}

static void print_text(const char *name, const db_regress_result *r, size_t n, unsigned flags,
		       FILE *f)
{
	size_t count[4] = { 0 }, unfinished = 0, full = 0;
	char b[4][200];

	for (size_t i = 0; i < n; i++) {
		count[r[i].status]++;
		unfinished += r[i].unfinished;
	}
	fprintf(f, "regress against baseline '%s': %zu run%s\n", name, n, db_plural_s(n));
	fprintf(f, "summary: %zu regressed, %zu changed within tolerance, %zu identical, "
		   "%zu with nothing to compare\n", count[DB_RG_REGRESSED], count[DB_RG_OK],
		count[DB_RG_IDENTICAL], count[DB_RG_NO_BASELINE]);
	if (unfinished)
		fprintf(f, "warning: %zu candidate run%s did not finish (compared as asked, partial "
			   "data)\n", unfinished, db_plural_s(unfinished));
	text_invocations(r, n, f);
	for (size_t i = 0; i < n; i++) {
		char base[32] = "", age[64] = "";
		double a;

		if (r[i].baseline)
			snprintf(base, sizeof base, "vs %" PRId64, r[i].baseline);
		if ((flags & DB_RG_PRINT_AGES) && db_age_s(r[i].started_c, &a) == 0)
			snprintf(age, sizeof age, "  recorded %s ago", db_age_str(a, b[3], 40));
		fprintf(f, "  %-11s %-32s %-18s %-8s%s  %s", status_word(&r[i]), r[i].scenario,
			run_str(b[0], 40, &r[i]), base, age, headline_str(b[1], sizeof b[1], &r[i]));
		if (r[i].newer_unfinished)
			fprintf(f, "  (%zu newer run%s did not finish: left out)", r[i].newer_unfinished,
				db_plural_s(r[i].newer_unfinished));
		fputc('\n', f);
		full += in_full(&r[i], flags);
	}
	for (size_t i = 0; i < n; i++) {
		if (!in_full(&r[i], flags))
			continue;
		fputc('\n', f);
		text_one(&r[i], f);
	}
	if (!full && n)
		fprintf(f, "(-v prints every run's comparison and history)\n");
}

/* --- markdown ----------------------------------------------------------------- */

static void md_divergence(const db_divergence *v, FILE *f)
{
	if (!v->diverged)
		return;
	fprintf(f, "\nFirst divergent event: record %zu, baseline %s / candidate %s", v->index,
		v->has_b ? db_trace_kind_name(v->kind_b) : "(ended)",
		v->has_c ? db_trace_kind_name(v->kind_c) : "(ended)");
	if (v->op_seq)
		fprintf(f, ", in op %u (%s)", v->op_seq, v->has_op_b ? v->op_kind_b : v->op_kind_c);
	fputs("\n", f);
	if (v->ndiff) {
		fprintf(f, "\n| op %u field | baseline | candidate |\n|---|--:|--:|\n", v->op_seq);
		for (size_t i = 0; i < v->ndiff; i++) {
			const db_field_diff *d = &v->diff[i];

			if (d->text)
				fprintf(f, "| %s | %s | %s |\n", d->field, d->sb, d->sc);
			else
				fprintf(f, "| %s | %.*g | %.*g |\n", d->field, digits_apart(d->b, d->c), d->b,
					digits_apart(d->b, d->c), d->c);
		}
	}
	if (v->sample_index && !v->sample_missing_b && !v->sample_missing_c)
		fprintf(f, "\nFirst differing frame of op %u: frame %zu, z %.4f -> %.4f um, score %.6g -> %.6g\n",
			v->op_seq, v->sample_index, v->z_b, v->z_c, v->score_b, v->score_c);
}

static void print_markdown(const char *name, const db_regress_result *r, size_t n,
			   unsigned flags, FILE *f)
{
	char b[4][200];
	size_t count[4] = { 0 };

	for (size_t i = 0; i < n; i++)
		count[r[i].status]++;
	fprintf(f, "## afsim regress against baseline `%s`\n\n", name);
	fprintf(f, "%zu run%s: %zu regressed, %zu changed within tolerance, %zu identical, %zu with "
		   "nothing to compare\n\n", n, db_plural_s(n), count[DB_RG_REGRESSED], count[DB_RG_OK],
		count[DB_RG_IDENTICAL], count[DB_RG_NO_BASELINE]);
	fprintf(f, "| run | scenario | baseline | status | headline |\n|--:|---|--:|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		bool bad = r[i].status == DB_RG_REGRESSED;

		fprintf(f, "| %s | %s | %s | %s%s%s | %s |\n", run_str(b[0], 40, &r[i]), r[i].scenario,
			r[i].baseline ? (snprintf(b[2], 40, "%" PRId64, r[i].baseline), b[2]) : "-",
			bad ? "**" : "", status_word(&r[i]), bad ? "**" : "",
			headline_str(b[1], sizeof b[1], &r[i]));
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].nmetrics == 0 || !in_full(&r[i], flags))
			continue;
		fprintf(f, "\n### run %" PRId64 " (%s) vs run %" PRId64 "%s\n\n", r[i].candidate,
			r[i].scenario, r[i].baseline, r[i].statistical ? ", statistical" : "");
		fprintf(f, "| metric | baseline | candidate | change | %s | verdict |\n|---|--:|--:|--:|--:|---|\n",
			r[i].statistical ? "floor" : "tolerance");
		for (size_t k = 0; k < r[i].nmetrics; k++) {
			const db_regress_metric *m = &r[i].metrics[k];
			bool bad = m->verdict == DB_REGRESSED;

			fprintf(f, "| %s | %s | %s | %s | %s | %s%s%s |\n", m->name,
				value_str(b[0], 40, m, m->baseline), value_str(b[1], 40, m, m->candidate),
				change_str(b[2], 40, m), tol_str(b[3], 40, m, r[i].statistical),
				bad ? "**" : "", verdict_str(m->verdict), bad ? "**" : "");
		}
		if (!r[i].statistical)
			md_divergence(&r[i].div, f);
	}
	if (!any_full(r, n, flags))
		return;
	fprintf(f, "\n<details><summary>history</summary>\n\n```\n");
	for (size_t i = 0; i < n; i++)
		if (in_full(&r[i], flags))
			text_history(&r[i], f, "");
	fprintf(f, "```\n</details>\n");
}

/* --- JSON -------------------------------------------------------------------------- */

static void json_metric(const db_regress_metric *m, FILE *f)
{
	fputs("{\"name\": ", f);
	db_json_str(f, m->name);
	fprintf(f, ", \"kind\": \"%s\", \"unit\": ", kind_names[m->kind]);
	db_json_str(f, m->unit);
	fputs(", \"baseline\": ", f);
	db_json_num(f, m->baseline);
	fputs(", \"candidate\": ", f);
	db_json_num(f, m->candidate);
	fputs(", \"change_abs\": ", f);
	db_json_num(f, m->change.abs);
	fputs(", \"change_rel\": ", f);
	db_json_num(f, m->change.rel);
	fputs(", \"tolerance\": ", f);
	db_json_num(f, m->tol);
	fputs(", \"p\": ", f);
	db_json_num(f, m->p);
	fprintf(f, ", \"nb\": %zu, \"nc\": %zu, \"verdict\": \"%s\"}", m->nb, m->nc,
		verdict_str(m->verdict));
}

static void json_history(const db_regress_result *r, FILE *f)
{
	fprintf(f, "{\"runs\": %zu", r->nhistory);
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		const db_regress_history *h = &r->history[p];

		fprintf(f, ", \"%s\": {\"halves\": {\"verdict\": \"%s\", \"n\": %zu, \"mean_old\": ",
			db_phase_name(p), verdict_str(h->halves.verdict), h->halves.n);
		db_json_num(f, h->halves.mean_old);
		fputs(", \"mean_new\": ", f);
		db_json_num(f, h->halves.mean_new);
		fputs(", \"change\": ", f);
		db_json_num(f, h->halves.change);
		fputs("}, \"change_point\": ", f);
		if (h->cp_ok) {
			fprintf(f, "{\"run\": %" PRId64 ", \"index\": %zu, \"mean_before\": ", h->cp_run,
				h->cp.index);
			db_json_num(f, h->cp.mean_before);
			fputs(", \"mean_after\": ", f);
			db_json_num(f, h->cp.mean_after);
			fputs(", \"score\": ", f);
			db_json_num(f, h->cp.score);
			fputs(", \"significant\": ", f);
			db_json_bool(f, h->cp.significant);
			fputc('}', f);
		} else {
			fputs("null", f);
		}
		fputc('}', f);
	}
	fputc('}', f);
}

static void json_divergence(const db_divergence *v, FILE *f)
{
	if (!v->available) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"diverged\": %s, \"index\": %zu, \"records_baseline\": %zu, "
		   "\"records_candidate\": %zu, \"kind_baseline\": ",
		v->diverged ? "true" : "false", v->index, v->nb, v->nc);
	db_json_str(f, v->diverged && v->has_b ? db_trace_kind_name(v->kind_b) : NULL);
	fputs(", \"kind_candidate\": ", f);
	db_json_str(f, v->diverged && v->has_c ? db_trace_kind_name(v->kind_c) : NULL);
	fputs(", \"t_s_baseline\": ", f);
	db_json_num(f, v->diverged && v->has_b ? (double)v->t_ns_b / 1e9 : NAN);
	fputs(", \"t_s_candidate\": ", f);
	db_json_num(f, v->diverged && v->has_c ? (double)v->t_ns_c / 1e9 : NAN);
	fputs(", \"op_baseline\": ", f);
	if (v->has_op_b)
		fprintf(f, "{\"seq\": %u, \"kind\": \"%s\"}", v->op_seq_b, v->op_kind_b);
	else
		fputs("null", f);
	fputs(", \"op_candidate\": ", f);
	if (v->has_op_c)
		fprintf(f, "{\"seq\": %u, \"kind\": \"%s\"}", v->op_seq_c, v->op_kind_c);
	else
		fputs("null", f);
	fprintf(f, ", \"op_compared\": %u, \"differences\": [", v->op_seq);
	for (size_t i = 0; i < v->ndiff; i++) {
		fprintf(f, "%s{\"field\": \"%s\", \"baseline\": ", i ? ", " : "", v->diff[i].field);
		if (v->diff[i].text)
			db_json_str(f, v->diff[i].sb);
		else
			db_json_num(f, v->diff[i].b);
		fputs(", \"candidate\": ", f);
		if (v->diff[i].text)
			db_json_str(f, v->diff[i].sc);
		else
			db_json_num(f, v->diff[i].c);
		fputc('}', f);
	}
	fputs("], \"frame\": ", f);
	if (v->sample_index) {
		fprintf(f, "{\"index\": %zu, \"z_um_baseline\": ", v->sample_index);
		db_json_num(f, v->z_b);
		fputs(", \"z_um_candidate\": ", f);
		db_json_num(f, v->z_c);
		fputs(", \"score_baseline\": ", f);
		db_json_num(f, v->score_b);
		fputs(", \"score_candidate\": ", f);
		db_json_num(f, v->score_c);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fputc('}', f);
}

static void print_json(const char *name, const db_regress_result *r, size_t n, FILE *f)
{
	fputs("{\"baseline\": ", f);
	db_json_str(f, name);
	fprintf(f, ", \"exit\": %d, \"results\": [", db_regress_exit_code(r, n));
	for (size_t i = 0; i < n; i++) {
		const db_regress_result *x = &r[i];
		const db_regress_metric *w = first_regressed(x), *h = db_regress_headline(x);

		fprintf(f, "%s\n {\"candidate\": %" PRId64 ", \"baseline\": ", i ? "," : "", x->candidate);
		if (x->baseline)
			fprintf(f, "%" PRId64, x->baseline);
		else
			fputs("null", f);
		fputs(", \"scenario\": ", f);
		db_json_str(f, x->scenario);
		fputs(", \"mode\": ", f);
		db_json_str(f, x->mode_c);
		fputs(", \"run_status\": ", f);
		db_json_str(f, x->status_c);
		fprintf(f, ", \"finished\": %s, \"started_at\": ", x->unfinished ? "false" : "true");
		db_json_str(f, x->started_c);
		fputs(", \"invocation\": ", f);
		db_json_str(f, x->invocation_c[0] ? x->invocation_c : NULL);
		fprintf(f, ", \"status\": \"%s\", \"judged\": \"%s\", \"trace_hash_baseline\": ",
			db_regress_status_name(x->status), x->statistical ? "statistical" : "exact");
		db_json_str(f, x->hash_b[0] ? x->hash_b : NULL);
		fputs(", \"trace_hash_candidate\": ", f);
		db_json_str(f, x->hash_c[0] ? x->hash_c : NULL);
		fputs(", \"first_regression\": ", f);
		db_json_str(f, w ? w->name : NULL);
		fputs(", \"headline\": ", f);
		db_json_str(f, h ? h->name : NULL);
		fputs(",\n  \"metrics\": [", f);
		for (size_t k = 0; k < x->nmetrics; k++) {
			fputs(k ? ",\n   " : "\n   ", f);
			json_metric(&x->metrics[k], f);
		}
		fputs("],\n  \"divergence\": ", f);
		json_divergence(&x->div, f);
		fputs(",\n  \"history\": ", f);
		json_history(x, f);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

int db_regress_print(const char *name, const db_regress_result *r, size_t n, db_format fmt,
		     unsigned flags, FILE *f)
{
	switch (fmt) {
	case DB_FMT_MARKDOWN: print_markdown(name, r, n, flags, f); break;
	case DB_FMT_JSON: print_json(name, r, n, f); break;
	default: print_text(name, r, n, flags, f); break;
	}
	return ferror(f) ? -1 : 0;
}
