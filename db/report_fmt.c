/*
 * report_fmt.c - print a profiling report (report.h) as text, markdown or
 * JSON.  The three carry the same numbers; text and markdown say "n too
 * small" in place of a percentile whose sample is too small (the stats
 * rule: p50 needs 2 values, p95 20, p99 100), JSON gives the value and a
 * *_ok flag.  Nothing here reads the database.
 */
#include "db/report.h"

#include <math.h>
#include <string.h>

#include "db/fmt.h"

static const char *const bn_names[] = { "-", "minor", "major" };

static const char *pct(char *buf, size_t size, double v, bool ok)
{
	if (!ok && !isnan(v))
		return "n too small";
	return db_fmt_num(buf, size, v, 1);
}

static const char *pct100(char *buf, size_t size, double v)
{
	if (isnan(v))
		return "-";
	snprintf(buf, size, "%.1f %%", 100 * v);
	return buf;
}

static void run_list(const db_report *r, FILE *f)
{
	for (size_t i = 0; i < r->nruns && i < 20; i++)
		fprintf(f, "%s%lld", i ? ", " : "", (long long)r->runs[i]);
	if (r->nruns > 20)
		fprintf(f, ", ... (%zu more)", r->nruns - 20);
}

/* --- text ----------------------------------------------------------------- */

static void text_acc(const char *name, const db_report_accuracy *a, FILE *f)
{
	char b[4][32];
	static const char *const bins[3] = { "< 0.1 um", "0.1-0.5 um", ">= 0.5 um" };

	fprintf(f, "  %s: n %zu, mean %s, rms %s, p95 %s, max %s um\n", name, a->d.n,
		db_fmt_num(b[0], sizeof b[0], a->d.mean, 3), db_fmt_num(b[1], sizeof b[1], a->rms, 3),
		a->d.p95_ok ? db_fmt_num(b[2], sizeof b[2], a->d.p95, 3) : "n too small",
		db_fmt_num(b[3], sizeof b[3], a->d.max, 3));
	for (int i = 0; i < 3; i++)
		fprintf(f, "    %-11s %8zu  %s\n", bins[i], a->bins[i],
			pct100(b[0], sizeof b[0], a->d.n ? (double)a->bins[i] / (double)a->d.n : NAN));
}

/* The runs that did not finish, one line each (at most the first few). */
static void text_unfinished(const db_report *r, FILE *f, const char *lead, const char *tail)
{
	size_t shown = r->nunfinished < DB_REPORT_UNFINISHED_MAX ? r->nunfinished
								 : DB_REPORT_UNFINISHED_MAX;

	for (size_t i = 0; i < shown; i++) {
		const db_report_unfinished *u = &r->unfinished[i];
		char up[16];
		size_t k;

		for (k = 0; u->status[k] && k + 1 < sizeof up; k++)
			up[k] = (char)(u->status[k] >= 'a' && u->status[k] <= 'z' ? u->status[k] - 32
										: u->status[k]);
		up[k] = '\0';
		fprintf(f, "%srun %lld %s: it did not finish; the numbers cover only what it "
			   "recorded%s%s%s\n", lead, (long long)u->id, up, u->message[0] ? " (" : "",
			u->message, u->message[0] ? ")" : "");
	}
	if (r->nunfinished > shown)
		fprintf(f, "%s... and %zu more unfinished run%s%s\n", lead, r->nunfinished - shown,
			db_plural_s(r->nunfinished - shown), tail);
}

/* "name n, name n" */
static void counts(const db_report_count *c, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s %lld", i ? ", " : "", c[i].name, (long long)c[i].n);
}

/* " (name n, name n)" when there are any */
static void paren_counts(const db_report_count *c, size_t n, FILE *f)
{
	if (n == 0)
		return;
	fputs(" (", f);
	counts(c, n, f);
	fputc(')', f);
}

static int64_t count_sum(const db_report_count *c, size_t n)
{
	int64_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += c[i].n;
	return k;
}

static void text_calibrations(const db_report *r, FILE *f)
{
	char b[2][32];

	if (r->calibrations == 0) {
		fprintf(f, "\ncalibrations: none\n");
		return;
	}
	fprintf(f, "\ncalibrations: %zu, %zu successful, %zu failed\n", r->calibrations, r->calib_ok,
		r->calibrations - r->calib_ok);
	if (r->calib_rms.n > 0)
		fprintf(f, "  RMS of the successful: worst %s um, mean %s um\n",
			db_fmt_num(b[0], 32, r->calib_rms.max, 3), db_fmt_num(b[1], 32, r->calib_rms.mean, 3));
	for (size_t i = 0; i < r->ncalib_errors; i++)
		fprintf(f, "  failed%s: %s\n", r->calib_errors[i].n == 1 ? "" :
			(snprintf(b[0], 32, " %lld times", (long long)r->calib_errors[i].n), b[0]),
			r->calib_errors[i].text);
}

static void text_autofocus(const db_report *r, FILE *f)
{
	const db_report_autofocus *a = &r->autofocus;
	char b[8][32];

	if (a->n == 0)
		return;
	fprintf(f, "\nautofocus: %zu operation%s, %zu successful (%s)\n", a->n, db_plural_s(a->n), a->ok,
		pct100(b[0], 32, a->success_rate));
	fprintf(f, "  time (ms): n %zu, mean %s, std %s, min %s, max %s, p50 %s, p95 %s\n", a->ms.n,
		db_fmt_num(b[0], 32, a->ms.mean, 1), db_fmt_num(b[1], 32, a->ms.std, 1),
		db_fmt_num(b[2], 32, a->ms.min, 1), db_fmt_num(b[3], 32, a->ms.max, 1),
		pct(b[4], 32, a->ms.p50, a->ms.p50_ok), pct(b[5], 32, a->ms.p95, a->ms.p95_ok));
	if (a->focus_error_um.n > 0)
		fprintf(f, "  focus error (against the simulator's truth): n %zu, mean %s, max %s um\n",
			a->focus_error_um.n, db_fmt_num(b[0], 32, a->focus_error_um.mean, 3),
			db_fmt_num(b[1], 32, a->focus_error_um.max, 3));
	fprintf(f, "  frames per successful autofocus: mean %s, max %s\n",
		db_fmt_num(b[0], 32, a->frames.mean, 1), db_fmt_num(b[1], 32, a->frames.max, 0));
	if (r->naf_errors) {
		fprintf(f, "  failed autofocus operations: %lld", (long long)count_sum(r->af_errors, r->naf_errors));
		paren_counts(r->af_errors, r->naf_errors, f);
		fputc('\n', f);
	}
}

static void text_faults(const db_report *r, FILE *f)
{
	int64_t other = 0;

	for (size_t i = 0; i < r->nevents; i++)
		if (strcmp(r->events[i].name, "fault") != 0 && strcmp(r->events[i].name, "hal_error") != 0)
			other += r->events[i].n;
	if (r->nevents == 0 && r->nerrors == 0) {
		fprintf(f, "faults and errors: none recorded\n");
		return;
	}
	fprintf(f, "faults and errors\n");
	fprintf(f, "  injected faults (events 'fault'): %lld", (long long)count_sum(r->injected, r->ninjected));
	paren_counts(r->injected, r->ninjected, f);
	fprintf(f, "\n  HAL errors the engine saw (events 'hal_error'): %lld",
		(long long)count_sum(r->hal_errors, r->nhal_errors));
	paren_counts(r->hal_errors, r->nhal_errors, f);
	fputc('\n', f);
	if (other) {
		fprintf(f, "  other events: ");
		for (size_t i = 0, k = 0; i < r->nevents; i++)
			if (strcmp(r->events[i].name, "fault") != 0 && strcmp(r->events[i].name, "hal_error") != 0)
				fprintf(f, "%s%s %lld", k++ ? ", " : "", r->events[i].name,
					(long long)r->events[i].n);
		fputc('\n', f);
	}
	fprintf(f, "  failed handoffs: %lld", (long long)count_sum(r->errors, r->nerrors));
	paren_counts(r->errors, r->nerrors, f);
	fputc('\n', f);
}

/* The runs' expectations, one line: the failed and the not applicable
 * ones by metric (docs/database.md: passed NULL). */
static void text_expectations(const db_report *r, FILE *f)
{
	if (r->exp_passed + r->exp_failed + r->exp_na == 0) {
		fprintf(f, "expectations: none recorded\n");
		return;
	}
	fprintf(f, "expectations: %zu passed, %zu failed", r->exp_passed, r->exp_failed);
	paren_counts(r->exp_failed_by, r->nexp_failed_by, f);
	if (r->exp_na) {
		fprintf(f, ", %zu not applicable", r->exp_na);
		paren_counts(r->exp_na_by, r->nexp_na_by, f);
		fprintf(f, ": they need the simulator's ground truth, which a rig run has not");
	}
	fputc('\n', f);
}

static void print_text(const db_report *r, FILE *f)
{
	char b[10][32];

	fprintf(f, "profiling report: %zu run%s (", r->nruns, db_plural_s(r->nruns));
	run_list(r, f);
	fprintf(f, "), scenario %s, mode %s\n", r->scenarios[0] ? r->scenarios : "-",
		r->modes[0] ? r->modes : "-");
	text_unfinished(r, f, "", "");
	fprintf(f, "handoffs %zu, successful %zu (%s)\n\n", r->handoffs, r->succeeded,
		pct100(b[0], sizeof b[0], r->success_rate));
	if (r->handoffs == 0)
		fprintf(f, "no handoffs recorded: no phase statistics\n\n");
	fprintf(f, "%-13s %7s %8s %8s %8s %8s %8s %12s %12s %7s %7s  %s\n", "phase (ms)", "n",
		"mean", "std", "min", "max", "p50", "p95", "p99", "CV", "share", "bottleneck");
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		const db_report_phase *ph = &r->phase[p];

		fprintf(f, "%-13s %7zu %8s %8s %8s %8s %8s %12s %12s %7s %7s%s%s\n",
			db_phase_name(p), ph->d.n, db_fmt_num(b[0], 32, ph->d.mean, 1),
			db_fmt_num(b[1], 32, ph->d.std, 1), db_fmt_num(b[2], 32, ph->d.min, 1),
			db_fmt_num(b[3], 32, ph->d.max, 1), pct(b[4], 32, ph->d.p50, ph->d.p50_ok),
			pct(b[5], 32, ph->d.p95, ph->d.p95_ok), pct(b[6], 32, ph->d.p99, ph->d.p99_ok),
			pct100(b[7], 32, ph->d.cv), pct100(b[8], 32, ph->share),
			p == DB_PHASE_TOTAL ? "" : "  ", p == DB_PHASE_TOTAL ? "" : bn_names[ph->bottleneck]);
	}
	fprintf(f, "frames per successful handoff: mean %s, max %s\n\n",
		db_fmt_num(b[0], 32, r->frames.mean, 1), db_fmt_num(b[1], 32, r->frames.max, 0));

	fprintf(f, "bottlenecks (share of the mean total; > 40 %% major, > 25 %% minor)\n");
	for (int i = 0; i < DB_PHASE_TOTAL; i++) {
		const db_report_phase *ph = &r->phase[r->rank[i]];

		fprintf(f, "  %d. %-13s %8s  %s\n", i + 1, db_phase_name(r->rank[i]),
			pct100(b[0], 32, ph->share),
			ph->bottleneck == DB_BN_NONE ? "ok" : ph->bottleneck == DB_BN_MAJOR
								   ? "major bottleneck" : "minor bottleneck");
	}

	fprintf(f, "\naccuracy\n");
	text_acc("mapping error", &r->mapping, f);
	if (r->focus.d.n > 0)
		text_acc("focus error (against the simulator's truth)", &r->focus, f);
	if (!isnan(r->drift_um_per_c))
		fprintf(f, "  thermal drift: mapping error slope %+.4f um/C over %.2f..%.2f C (n %zu)\n",
			r->drift_um_per_c, r->temp_min_c, r->temp_max_c, r->drift_n);
	else
		fprintf(f, "  thermal drift: no slope (temperature span %s C, n %zu)\n",
			db_fmt_num(b[0], 32, r->temp_max_c - r->temp_min_c, 2), r->drift_n);
	text_calibrations(r, f);
	text_autofocus(r, f);

	fprintf(f, "\ncache: %zu hit%s of %zu handoff%s (%s)\n", r->cache_hits, db_plural_s(r->cache_hits),
		r->cache_known, db_plural_s(r->cache_known), pct100(b[0], 32, r->cache_hit_rate));
	text_faults(r, f);
	text_expectations(r, f);
	fprintf(f, "\nassessment (docs/physics.md targets)\n");
	for (size_t i = 0; i < r->nassess; i++) {
		const db_report_assess *a = &r->assess[i];
		char v[48];

		if (strcmp(a->unit, "%") == 0)
			snprintf(v, sizeof v, "%s %%", db_fmt_num(b[0], 32, a->value, 2));
		else
			snprintf(v, sizeof v, "%s %s", db_fmt_num(b[0], 32, a->value,
								 strcmp(a->unit, "ms") == 0 ? 1 : 3), a->unit);
		fprintf(f, "  %-16s %-32s %-9s %-14s %s%*s%s\n", a->metric, a->target, a->basis, v,
			db_target_verdict_name(a->verdict),
			a->note[0] ? 11 - (int)strlen(db_target_verdict_name(a->verdict)) : 0, "", a->note);
	}
	fprintf(f, "\nrecommendations\n");
	if (r->nrecs == 0)
		fprintf(f, "  none: every measured quantity is within its target\n");
	for (size_t i = 0; i < r->nrecs; i++)
		fprintf(f, "  - %s\n", r->recs[i].text);
	if (!r->cfg.known)
		fprintf(f, "  (the runs' engine configuration is not known: %s)\n",
			r->cfg.why[0] ? r->cfg.why : "no scenario file");
}

/* --- markdown --------------------------------------------------------------- */

static void print_markdown(const db_report *r, FILE *f)
{
	char b[10][32];

	fprintf(f, "## afsim profiling report\n\n");
	fprintf(f, "%zu run%s (", r->nruns, db_plural_s(r->nruns));
	run_list(r, f);
	fprintf(f, "), scenario `%s`, mode %s: %zu handoff%s, %zu successful (%s)\n\n",
		r->scenarios[0] ? r->scenarios : "-", r->modes[0] ? r->modes : "-", r->handoffs,
		db_plural_s(r->handoffs), r->succeeded, pct100(b[0], 32, r->success_rate));
	if (r->nunfinished) {
		text_unfinished(r, f, "> **warning**: ", "");
		fputc('\n', f);
	}
	fprintf(f, "### Phases (ms, successful handoffs)\n\n"
		   "| phase | n | mean | std | min | max | p50 | p95 | p99 | CV | share | bottleneck |\n"
		   "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		const db_report_phase *ph = &r->phase[p];

		fprintf(f, "| %s | %zu | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			db_phase_name(p), ph->d.n, db_fmt_num(b[0], 32, ph->d.mean, 1),
			db_fmt_num(b[1], 32, ph->d.std, 1), db_fmt_num(b[2], 32, ph->d.min, 1),
			db_fmt_num(b[3], 32, ph->d.max, 1), pct(b[4], 32, ph->d.p50, ph->d.p50_ok),
			pct(b[5], 32, ph->d.p95, ph->d.p95_ok), pct(b[6], 32, ph->d.p99, ph->d.p99_ok),
			pct100(b[7], 32, ph->d.cv), pct100(b[8], 32, ph->share),
			p == DB_PHASE_TOTAL ? "" : bn_names[ph->bottleneck]);
	}
	fprintf(f, "\n### Accuracy\n\n| quantity | n | mean | rms | max | < 0.1 um | 0.1-0.5 um | >= 0.5 um |\n"
		   "|---|--:|--:|--:|--:|--:|--:|--:|\n");
	for (int k = 0; k < 2; k++) {
		const db_report_accuracy *a = k ? &r->focus : &r->mapping;

		if (k && a->d.n == 0)
			continue;
		fprintf(f, "| %s | %zu | %s | %s | %s", k ? "focus error (um)" : "mapping error (um)",
			a->d.n, db_fmt_num(b[0], 32, a->d.mean, 3), db_fmt_num(b[1], 32, a->rms, 3),
			db_fmt_num(b[2], 32, a->d.max, 3));
		for (int i = 0; i < 3; i++)
			fprintf(f, " | %zu (%s)", a->bins[i],
				pct100(b[3], 32, a->d.n ? (double)a->bins[i] / (double)a->d.n : NAN));
		fprintf(f, " |\n");
	}
	fprintf(f, "\ncache: %zu hit%s of %zu handoff%s (%s)", r->cache_hits, db_plural_s(r->cache_hits),
		r->cache_known, db_plural_s(r->cache_known), pct100(b[0], 32, r->cache_hit_rate));
	if (!isnan(r->drift_um_per_c))
		fprintf(f, "; thermal drift %+.4f um/C over %.2f..%.2f C", r->drift_um_per_c,
			r->temp_min_c, r->temp_max_c);
	fprintf(f, "\n\n### Calibrations, autofocus, faults\n\n```\n");
	text_calibrations(r, f);
	text_autofocus(r, f);
	fputc('\n', f);
	text_faults(r, f);
	text_expectations(r, f);
	fprintf(f, "```\n\n### Assessment\n\n| metric | target | basis | value | verdict | note |\n"
		   "|---|---|---|--:|---|---|\n");
	for (size_t i = 0; i < r->nassess; i++) {
		const db_report_assess *a = &r->assess[i];

		fprintf(f, "| %s | %s | %s | %s %s | %s%s%s | %s |\n", a->metric, a->target, a->basis,
			db_fmt_num(b[0], 32, a->value, strcmp(a->unit, "ms") == 0 ? 1
						       : strcmp(a->unit, "%") == 0 ? 2 : 3), a->unit,
			a->verdict == DB_TV_NOT_MET ? "**" : "", db_target_verdict_name(a->verdict),
			a->verdict == DB_TV_NOT_MET ? "**" : "", a->note);
	}
	fprintf(f, "\n### Recommendations\n\n");
	if (r->nrecs == 0)
		fprintf(f, "None: every measured quantity is within its target.\n");
	for (size_t i = 0; i < r->nrecs; i++)
		fprintf(f, "- %s\n", r->recs[i].text);
	if (!r->cfg.known)
		fprintf(f, "\n(The runs' engine configuration is not known: %s.)\n",
			r->cfg.why[0] ? r->cfg.why : "no scenario file");
}

/* --- JSON -------------------------------------------------------------------- */

static void json_summary(const db_summary *d, FILE *f)
{
	fprintf(f, "{\"n\": %zu, \"mean\": ", d->n);
	db_json_num(f, d->mean);
	fputs(", \"std\": ", f);
	db_json_num(f, d->std);
	fputs(", \"min\": ", f);
	db_json_num(f, d->min);
	fputs(", \"max\": ", f);
	db_json_num(f, d->max);
	fputs(", \"p50\": ", f);
	db_json_num(f, d->p50);
	fputs(", \"p50_ok\": ", f);
	db_json_bool(f, d->p50_ok);
	fputs(", \"p95\": ", f);
	db_json_num(f, d->p95);
	fputs(", \"p95_ok\": ", f);
	db_json_bool(f, d->p95_ok);
	fputs(", \"p99\": ", f);
	db_json_num(f, d->p99);
	fputs(", \"p99_ok\": ", f);
	db_json_bool(f, d->p99_ok);
	fputs(", \"cv\": ", f);
	db_json_num(f, d->cv);
	fputc('}', f);
}

static void json_acc(const db_report_accuracy *a, FILE *f)
{
	fputs("{\"summary\": ", f);
	json_summary(&a->d, f);
	fputs(", \"rms\": ", f);
	db_json_num(f, a->rms);
	fprintf(f, ", \"bins\": {\"lt_0.1\": %zu, \"0.1_to_0.5\": %zu, \"ge_0.5\": %zu}}",
		a->bins[0], a->bins[1], a->bins[2]);
}

static void json_counts(const db_report_count *c, size_t n, FILE *f)
{
	fputc('{', f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		db_json_str(f, c[i].name);
		fprintf(f, ": %lld", (long long)c[i].n);
	}
	fputc('}', f);
}

static void print_json(const db_report *r, FILE *f)
{
	fputs("{\"runs\": [", f);
	for (size_t i = 0; i < r->nruns; i++)
		fprintf(f, "%s%lld", i ? ", " : "", (long long)r->runs[i]);
	fputs("], \"scenarios\": ", f);
	db_json_str(f, r->scenarios);
	fputs(", \"modes\": ", f);
	db_json_str(f, r->modes);
	fprintf(f, ",\n \"unfinished\": {\"count\": %zu, \"runs\": [", r->nunfinished);
	for (size_t i = 0; i < r->nunfinished && i < DB_REPORT_UNFINISHED_MAX; i++) {
		fprintf(f, "%s{\"id\": %lld, \"status\": ", i ? ", " : "", (long long)r->unfinished[i].id);
		db_json_str(f, r->unfinished[i].status);
		fputs(", \"message\": ", f);
		db_json_str(f, r->unfinished[i].message);
		fputc('}', f);
	}
	fputs("]},\n \"configuration\": ", f);
	if (r->cfg.known) {
		fputs("{\"optimization\": ", f);
		db_json_str(f, r->cfg.optimization);
		fputs(", \"mapping_model\": ", f);
		db_json_str(f, r->cfg.mapping_model);
		fprintf(f, ", \"thermal_compensation\": %s, \"cache_size\": %zu}",
			r->cfg.thermal_compensation ? "true" : "false", r->cfg.cache_size);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\n \"handoffs\": {\"count\": %zu, \"succeeded\": %zu, \"success_rate\": ",
		r->handoffs, r->succeeded);
	db_json_num(f, r->success_rate);
	fputs("},\n \"phases\": {", f);
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		fprintf(f, "%s\n  \"%s\": {\"summary\": ", p ? "," : "", db_phase_name(p));
		json_summary(&r->phase[p].d, f);
		fputs(", \"share\": ", f);
		db_json_num(f, r->phase[p].share);
		fprintf(f, ", \"bottleneck\": \"%s\"}",
			r->phase[p].bottleneck == DB_BN_NONE ? "none" : bn_names[r->phase[p].bottleneck]);
	}
	fputs("},\n \"bottlenecks\": [", f);
	for (int i = 0; i < DB_PHASE_TOTAL; i++) {
		const db_report_phase *ph = &r->phase[r->rank[i]];

		fprintf(f, "%s{\"rank\": %d, \"phase\": \"%s\", \"share\": ", i ? ", " : "", i + 1,
			db_phase_name(r->rank[i]));
		db_json_num(f, ph->share);
		fprintf(f, ", \"class\": \"%s\"}",
			ph->bottleneck == DB_BN_NONE ? "none" : bn_names[ph->bottleneck]);
	}
	fputs("],\n \"frames\": ", f);
	json_summary(&r->frames, f);
	fputs(",\n \"accuracy\": {\"mapping_error_um\": ", f);
	json_acc(&r->mapping, f);
	fputs(", \"focus_error_um\": ", f);
	if (r->focus.d.n > 0)
		json_acc(&r->focus, f);
	else
		fputs("null", f);
	fputs("},\n \"calibration_rms_um\": ", f);
	json_summary(&r->calib_rms, f);
	fprintf(f, ",\n \"calibrations\": {\"count\": %zu, \"succeeded\": %zu, \"failed\": %zu, "
		   "\"errors\": ", r->calibrations, r->calib_ok, r->calibrations - r->calib_ok);
	fputc('[', f);
	for (size_t i = 0; i < r->ncalib_errors; i++) {
		fputs(i ? ", {\"error\": " : "{\"error\": ", f);
		db_json_str(f, r->calib_errors[i].text);
		fprintf(f, ", \"count\": %lld}", (long long)r->calib_errors[i].n);
	}
	fputc(']', f);
	fprintf(f, "},\n \"autofocus\": {\"count\": %zu, \"succeeded\": %zu, \"success_rate\": ",
		r->autofocus.n, r->autofocus.ok);
	db_json_num(f, r->autofocus.success_rate);
	fputs(", \"ms\": ", f);
	json_summary(&r->autofocus.ms, f);
	fputs(", \"focus_error_um\": ", f);
	json_summary(&r->autofocus.focus_error_um, f);
	fputs(", \"frames\": ", f);
	json_summary(&r->autofocus.frames, f);
	fputs(", \"errors\": ", f);
	json_counts(r->af_errors, r->naf_errors, f);
	fputc('}', f);
	fprintf(f, ",\n \"cache\": {\"known\": %zu, \"hits\": %zu, \"hit_rate\": ",
		r->cache_known, r->cache_hits);
	db_json_num(f, r->cache_hit_rate);
	fprintf(f, "},\n \"drift\": {\"n\": %zu, \"temp_min_c\": ", r->drift_n);
	db_json_num(f, r->temp_min_c);
	fputs(", \"temp_max_c\": ", f);
	db_json_num(f, r->temp_max_c);
	fputs(", \"slope_um_per_c\": ", f);
	db_json_num(f, r->drift_um_per_c);
	fputs("},\n \"events\": ", f);
	json_counts(r->events, r->nevents, f);
	fputs(", \"errors\": ", f);
	json_counts(r->errors, r->nerrors, f);
	fputs(",\n \"injected_faults\": ", f);
	json_counts(r->injected, r->ninjected, f);
	fputs(", \"hal_errors\": ", f);
	json_counts(r->hal_errors, r->nhal_errors, f);
	fprintf(f, ",\n \"expectations\": {\"passed\": %zu, \"failed\": %zu, \"not_applicable\": %zu, "
		   "\"failed_by\": ", r->exp_passed, r->exp_failed, r->exp_na);
	json_counts(r->exp_failed_by, r->nexp_failed_by, f);
	fputs(", \"not_applicable_by\": ", f);
	json_counts(r->exp_na_by, r->nexp_na_by, f);
	fputc('}', f);
	fputs(",\n \"assessment\": [", f);
	for (size_t i = 0; i < r->nassess; i++) {
		const db_report_assess *a = &r->assess[i];

		fputs(i ? ",\n  {\"metric\": " : "\n  {\"metric\": ", f);
		db_json_str(f, a->metric);
		fputs(", \"target\": ", f);
		db_json_str(f, a->target);
		fputs(", \"basis\": ", f);
		db_json_str(f, a->basis);
		fputs(", \"value\": ", f);
		db_json_num(f, a->value);
		fputs(", \"unit\": ", f);
		db_json_str(f, a->unit);
		fputs(", \"verdict\": ", f);
		db_json_str(f, db_target_verdict_name(a->verdict));
		fputs(", \"note\": ", f);
		db_json_str(f, a->note);
		fputc('}', f);
	}
	fputs("],\n \"recommendations\": [", f);
	for (size_t i = 0; i < r->nrecs; i++) {
		fprintf(f, "%s{\"id\": \"%s\", \"text\": ", i ? ",\n  " : "\n  ",
			db_rec_name(r->recs[i].id));
		db_json_str(f, r->recs[i].text);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

int db_report_print(const db_report *r, db_format fmt, FILE *f)
{
	switch (fmt) {
	case DB_FMT_MARKDOWN: print_markdown(r, f); break;
	case DB_FMT_JSON: print_json(r, f); break;
	default: print_text(r, f); break;
	}
	return ferror(f) ? -1 : 0;
}
