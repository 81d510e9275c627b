/*
 * gap.c - simulation against a rig, run against run (gap.h).
 */
#include "db/gap.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db/fmt.h"

/* The non-NaN values of a[] where keep[] (NULL: all), into a malloc'd
 * array (*n of them); NULL when out of memory. */
static double *pick(const double *a, const unsigned char *keep, size_t n, size_t *k)
{
	double *v = malloc((n ? n : 1) * sizeof *v);

	*k = v ? db_opset_pick(a, keep, n, v) : 0;
	return v;
}

static int judge(const double *s, const unsigned char *ks, size_t ns, const double *r,
		 const unsigned char *kr, size_t nr, db_gap_row *out)
{
	size_t a, b;
	double *x = pick(s, ks, ns, &a), *y = pick(r, kr, nr, &b);
	int rc = -1;

	if (x && y && db_judge_noisy(x, a, y, b, DB_JUDGE_ALPHA, NULL, &out->j) == 0) {
		double p = 2.0 * fmin(out->j.p_slower, out->j.p_faster);

		out->p = isnan(p) ? NAN : fmin(p, 1.0);
		rc = 0;
	}
	free(x);
	free(y);
	return rc;
}

int db_gap_compare(db *d, int64_t a, int64_t b, db_gap *out, char *err, size_t errlen)
{
	db_run_row ra, rb;
	db_opset ss = { 0 }, sr = { 0 };
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (db_run_get(d, a, &ra) != 0 || db_run_get(d, b, &rb) != 0) {
		snprintf(err, errlen, "no run %" PRId64 " in the database",
			 db_run_get(d, a, &ra) != 0 ? a : b);
		return 1;
	}
	if (strcmp(ra.mode, "hil") == 0 && strcmp(rb.mode, "sim") == 0) {
		db_run_row t = ra;

		ra = rb;
		rb = t;
	}
	if (strcmp(ra.mode, "sim") != 0 || strcmp(rb.mode, "hil") != 0) {
		snprintf(err, errlen, "runs %" PRId64 " and %" PRId64 " are %s and %s: the gap needs "
			 "one simulated run (sim) and one on a rig (hil)", a, b, ra.mode, rb.mode);
		return 1;
	}
	if (strcmp(ra.scenario, rb.scenario) != 0) {
		snprintf(err, errlen, "run %" PRId64 " is of scenario '%s', run %" PRId64 " of '%s': "
			 "the gap compares one scenario", ra.id, ra.scenario, rb.id, rb.scenario);
		return 1;
	}
	out->sim = ra;
	out->rig = rb;
	if (db_opset_load(d, &ra.id, 1, &ss, err, errlen) != 0 ||
	    db_opset_load(d, &rb.id, 1, &sr, err, errlen) != 0)
		goto done;
	if (ss.n == 0 || sr.n == 0) {
		snprintf(err, errlen, "run %" PRId64 " has no handoffs: nothing to compare",
			 ss.n == 0 ? ra.id : rb.id);
		rc = 1;
		goto done;
	}
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		if (judge(ss.phase_ms[p], ss.success, ss.n, sr.phase_ms[p], sr.success, sr.n,
			  &out->phase[p]) != 0)
			goto oom;
	if (judge(ss.mapping_error_um, NULL, ss.n, sr.mapping_error_um, NULL, sr.n, &out->mapping) != 0)
		goto oom;
	out->n_sim = ss.n;
	out->n_rig = sr.n;
	out->ok_sim = db_opset_successes(&ss);
	out->ok_rig = db_opset_successes(&sr);
	if (db_judge_rates(out->ok_sim, out->n_sim, out->ok_rig, out->n_rig, DB_JUDGE_ALPHA,
			   &out->success) != 0)
		goto oom;
	out->success_agree = out->success.verdict == DB_SAME || out->success.verdict == DB_INCONCLUSIVE;
	out->mapping_agree = out->mapping.j.verdict == DB_SAME ||
			     out->mapping.j.verdict == DB_INCONCLUSIVE;
	out->agree = out->success_agree && out->mapping_agree;
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	db_opset_release(&ss);
	db_opset_release(&sr);
	return rc;
}

/* --- printing ------------------------------------------------------------------- */

/* What the judgement says of the rig against the simulation. */
static const char *word(const db_judgement *j, bool timing)
{
	switch (j->verdict) {
	case DB_REGRESSED: return timing ? "rig slower" : "differ: rig worse";
	case DB_IMPROVED: return timing ? "rig faster" : "differ: rig better";
	case DB_SAME: return timing ? "same" : "agree";
	default:
		/* too few values, or no scale: a simulated median of 0 */
		return j->nb < DB_JUDGE_MIN_N || j->nc < DB_JUDGE_MIN_N ? "inconclusive (n < 8)"
			: "inconclusive (median 0)";
	}
}

static void text_row(FILE *f, const char *name, const db_gap_row *r, const char *unit,
		     bool timing)
{
	const db_judgement *j = &r->j;
	double gap = j->median_c - j->median_b;
	char change[32];

	if (isfinite(j->change))
		snprintf(change, sizeof change, "%+7.1f %%", 100.0 * j->change);
	else
		snprintf(change, sizeof change, "%9s", "-");
	fprintf(f, "%-16s %5zu %10.3f %s %5zu %10.3f %s %+9.3f %s %s  %8.2g  %s\n", name, j->nb,
		j->median_b, unit, j->nc, j->median_c, unit, gap, unit, change, r->p,
		word(j, timing));
}

static void json_row(FILE *f, const char *name, const db_gap_row *r, bool timing)
{
	const db_judgement *j = &r->j;

	fprintf(f, "{\"name\": ");
	db_json_str(f, name);
	fprintf(f, ", \"n_sim\": %zu, \"median_sim\": ", j->nb);
	db_json_num(f, j->median_b);
	fprintf(f, ", \"n_rig\": %zu, \"median_rig\": ", j->nc);
	db_json_num(f, j->median_c);
	fprintf(f, ", \"gap\": ");
	db_json_num(f, j->median_c - j->median_b);
	fprintf(f, ", \"change\": ");
	db_json_num(f, j->change);
	fprintf(f, ", \"p\": ");
	db_json_num(f, r->p);
	fprintf(f, ", \"verdict\": ");
	db_json_str(f, word(j, timing));
	fprintf(f, "}");
}

static void print_json(const db_gap *g, FILE *f)
{
	fprintf(f, "{\"scenario\": ");
	db_json_str(f, g->sim.scenario);
	fprintf(f, ", \"sim_run\": %" PRId64 ", \"rig_run\": %" PRId64 ", \"rig\": ", g->sim.id,
		g->rig.id);
	db_json_str(f, g->rig.rig);
	fprintf(f, ",\n \"phases\": [");
	for (int p = 0; p < DB_PHASE_COUNT; p++) {
		fprintf(f, "%s\n  ", p ? "," : "");
		json_row(f, db_phase_name(p), &g->phase[p], true);
	}
	fprintf(f, "],\n \"mapping_error_um\": ");
	json_row(f, "mapping_error_um", &g->mapping, false);
	fprintf(f, ",\n \"success\": {\"sim\": [%" PRIu64 ", %" PRIu64 "], \"rig\": [%" PRIu64
		", %" PRIu64 "], \"p\": ", g->ok_sim, g->n_sim, g->ok_rig, g->n_rig);
	db_json_num(f, fmin(1.0, 2.0 * fmin(g->success.p_worse, g->success.p_better)));
	fprintf(f, ", \"agree\": ");
	db_json_bool(f, g->success_agree);
	fprintf(f, "},\n \"agree\": ");
	db_json_bool(f, g->agree);
	fprintf(f, "}\n");
}

int db_gap_print(const db_gap *g, bool json, FILE *f)
{
	const db_judgement *t = &g->phase[DB_PHASE_TOTAL].j;

	if (json) {
		print_json(g, f);
		return ferror(f) ? -1 : 0;
	}
	fprintf(f, "gap between simulation and rig: %s\n", g->sim.scenario);
	fprintf(f, "  sim run %" PRId64 " (seed %" PRIu64 ") vs hil run %" PRId64 " (seed %" PRIu64
		", rig %s)\n", g->sim.id, g->sim.seed, g->rig.id, g->rig.seed, g->rig.rig);
	fprintf(f, "%-16s %5s %13s %5s %13s %12s %9s  %8s  %s\n", "phase (median)", "n", "sim",
		"n", "rig", "gap", "", "p", "verdict");
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		text_row(f, db_phase_name(p), &g->phase[p], "ms", true);
	text_row(f, "mapping_error", &g->mapping, "um", false);
	fprintf(f, "%-16s %" PRIu64 "/%" PRIu64 " sim, %" PRIu64 "/%" PRIu64 " rig%*s  %8.2g  %s\n",
		"success", g->ok_sim, g->n_sim, g->ok_rig, g->n_rig, 40, "",
		fmin(1.0, 2.0 * fmin(g->success.p_worse, g->success.p_better)),
		g->success.verdict == DB_INCONCLUSIVE ? "inconclusive"
		: g->success_agree ? "agree" : g->success.verdict == DB_REGRESSED ? "differ: rig worse"
		: "differ: rig better");
	fprintf(f, "verdict: %s; the rig's total is %+.1f ms (%+.1f %%) from the simulation's\n",
		g->agree ? "success and accuracy agree" : !g->success_agree && !g->mapping_agree
		? "success and accuracy differ" : !g->success_agree ? "success differs"
		: "accuracy differs", t->median_c - t->median_b, 100.0 * t->change);
	return ferror(f) ? -1 : 0;
}
