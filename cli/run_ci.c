/*
 * run_ci.c - TAP, the markdown summary and the shard of `afsim run`
 * (run_ci.h).
 *
 * TAP: the specification's version 13 (testanything.org): "TAP version
 * 13", the plan "1..N", then "ok K - NAME" or "not ok K - NAME" with an
 * indented YAML block ("  ---" ... "  ...") of diagnostics.  Scenario
 * names are [a-z0-9_-]+, so they need no escaping in a test point; the
 * YAML values are quoted.
 */
#include "cli/run_ci.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A text's lines, each without its leading spaces and "FAIL ". */
static void each_failed(FILE *f, const char *failed, const char *before, const char *after,
			bool yaml)
{
	for (const char *p = failed; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *q = p;

		while (q < p + n && *q == ' ')
			q++;
		if ((size_t)(p + n - q) > 5 && strncmp(q, "FAIL ", 5) == 0)
			q += 5;
		fputs(before, f);
		for (const char *c = q; c < p + n; c++)
			if (yaml && (*c == '"' || *c == '\\'))
				fprintf(f, "\\%c", *c);
			else if (!yaml && *c == '|')
				fputs("\\|", f);
			else
				fputc(*c, f);
		fputs(after, f);
		p = nl ? nl + 1 : p + n;
	}
}

static void yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	fputc('"', f);
}

int run_ci_tap(FILE *f, const run_ci_row *rows, size_t n)
{
	fprintf(f, "TAP version 13\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const run_ci_row *r = &rows[i];

		fprintf(f, "%s %zu - %s\n", r->verdict == 0 ? "ok" : "not ok", i + 1, r->name);
		if (r->verdict == 0)
			continue;
		fprintf(f, "  ---\n  message: ");
		yaml_str(f, r->verdict == 1 ? "expectations failed" : r->message);
		fprintf(f, "\n  severity: %s\n", r->verdict == 1 ? "fail" : "error");
		if (r->failed && *r->failed) {
			fprintf(f, "  failed:\n");
			each_failed(f, r->failed, "    - \"", "\"\n", true);
		}
		fprintf(f, "  file: ");
		yaml_str(f, r->path);
		fprintf(f, "\n  seed: %" PRIu64 "\n  trace: \"%016" PRIx64 "\"\n", r->seed, r->trace_hash);
		if (r->run_id > 0)
			fprintf(f, "  run: %" PRId64 "\n", r->run_id);
		fprintf(f, "  ...\n");
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}

static const char *word(int verdict)
{
	return verdict == 0 ? "PASS" : verdict == 1 ? "FAIL" : "ERROR";
}

static void num_cell(FILE *f, double v, const char *fmt)
{
	if (isnan(v))
		fputs(" - |", f);
	else {
		fputc(' ', f);
		fprintf(f, fmt, v);
		fputs(" |", f);
	}
}

int run_ci_summary(const char *path, const run_ci_row *rows, size_t n, const char *footer)
{
	FILE *f = fopen(path, "a");
	size_t passed = 0, failed = 0, errors = 0;

	if (!f) {
		fprintf(stderr, "afsim run: cannot write the summary '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		passed += rows[i].verdict == 0;
		failed += rows[i].verdict == 1;
		errors += rows[i].verdict != 0 && rows[i].verdict != 1;
	}
	fprintf(f, "### afsim run: %zu scenario%s, %zu passed, %zu failed, %zu error%s\n\n", n,
		n == 1 ? "" : "s", passed, failed, errors, errors == 1 ? "" : "s");
	fprintf(f, "| verdict | scenario | seed | handoffs | p95 (ms) | map max (um) | focus max (um) "
		   "| trace |\n|---|---|---:|---:|---:|---:|---:|---|\n");
	for (size_t i = 0; i < n; i++) {
		const run_ci_row *r = &rows[i];

		fprintf(f, "| %s | %s | %" PRIu64 " | ", word(r->verdict), r->name, r->seed);
		if (r->handoffs)
			fprintf(f, "%u/%u |", r->handoffs_ok, r->handoffs);
		else
			fputs("- |", f);
		num_cell(f, r->handoffs_ok ? r->p95_ms : NAN, "%.1f");
		num_cell(f, r->handoffs_ok ? r->map_max_um : NAN, "%.3f");
		num_cell(f, r->handoffs_ok ? r->focus_max_um : NAN, "%.3f");
		fprintf(f, " `%016" PRIx64 "` |\n", r->trace_hash);
	}
	if (failed + errors) {
		fprintf(f, "\n**Did not pass:**\n\n");
		for (size_t i = 0; i < n; i++) {
			const run_ci_row *r = &rows[i];

			if (r->verdict == 0)
				continue;
			if (r->verdict != 1)
				fprintf(f, "- `%s` (seed %" PRIu64 "): error: %s\n", r->name, r->seed,
					r->message);
			else
				each_failed(f, r->failed, "- ", "\n", false);
		}
	}
	if (footer && *footer)
		fprintf(f, "\n%s\n", footer);
	fputc('\n', f);
	if (fclose(f) != 0) {
		fprintf(stderr, "afsim run: cannot write the summary '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int run_ci_shard(sim_scenario *sc, size_t *n, const sim_shard *sh, db *d, const char *inv,
		 FILE *out)
{
	sim_shard_item *items = calloc(*n ? *n : 1, sizeof *items);
	uint32_t *of = calloc(*n ? *n : 1, sizeof *of);
	double all = 0.0, mine = 0.0;
	size_t kept = 0, known = 0;
	uint64_t plan;
	int rc = -1;

	if (!items || !of) {
		fprintf(stderr, "afsim run: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < *n; i++) {
		double w = -1.0;
		int k = d ? db_expected_wall_s(d, sc[i].name, inv, &w) : 1;

		if (k < 0) {
			fprintf(stderr, "afsim run: --shard: %s\n", db_errmsg(d));
			goto out;
		}
		items[i] = (sim_shard_item){ sc[i].name, k == 0 ? w : -1.0 };
		known += k == 0;
	}
	if (sim_shard_split(items, *n, sh->count, of) != 0) {
		fprintf(stderr, "afsim run: out of memory\n");
		goto out;
	}
	plan = sim_shard_plan_hash(items, *n, sh->count, of);
	for (size_t i = 0; i < *n; i++) {
		double w = items[i].cost_s >= 0 ? items[i].cost_s : 0.0;

		all += w;
		mine += of[i] == sh->index ? w : 0.0;
		kept += of[i] == sh->index;
	}
	fprintf(out, "shard %u/%u (%s): %zu of %zu scenarios", sh->index + 1, sh->count, sh->source,
		kept, *n);
	if (known)
		fprintf(out, ", expected %.2f s of %.2f s (%zu known)", mine, all, known);
	fprintf(out, ", plan %016" PRIx64 "\n", plan);
	kept = 0;
	for (size_t i = 0; i < *n; i++) {
		if (of[i] != sh->index) {
			sim_scenario_release(&sc[i]);
			continue;
		}
		if (kept != i)
			sc[kept] = sc[i];
		kept++;
	}
	*n = kept;
	rc = 0;
out:
	free(items);
	free(of);
	return rc;
}
