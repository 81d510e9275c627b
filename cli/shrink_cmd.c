/*
 * shrink_cmd.c - `afsim shrink SCENARIO --seed S -o MIN.yaml`: the command
 * around sim/shrink.h - options, the file's name and comment, the check
 * that the written file fails the same way.
 */
#include "cli/shrink_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/help.h"
#include "sim/scenario.h"
#include "sim/scenario_write.h"
#include "sim/shrink.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

typedef struct opts {
	const char *path, *out;
	uint64_t seed, max_runs;
	bool has_seed, same_errors;
} opts;

static int parse(int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (strcmp(a, "--seed") == 0 || strcmp(a, "--max-runs") == 0) {
			uint64_t *num = a[2] == 's' ? &o->seed : &o->max_runs;

			if (cli_value("shrink", argc, argv, &i, &v) != 0)
				return -1;
			if (cli_u64(v, num) != 0 || (num == &o->max_runs && (*num < 1 || *num > 1000000))) {
				fprintf(stderr, "afsim shrink: %s needs %s, not '%s'\n", a,
					num == &o->seed ? "a non-negative integer"
							: "a number of runs in 1..1000000", v);
				return -1;
			}
			o->has_seed |= num == &o->seed;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (cli_value("shrink", argc, argv, &i, &o->out) != 0)
				return -1;
		} else if (strcmp(a, "--same-errors") == 0) {
			o->same_errors = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "afsim shrink: unknown option '%s' (afsim help shrink)\n", a);
			return -1;
		} else if (o->path) {
			fprintf(stderr, "afsim shrink: one SCENARIO, not '%s' and '%s'\n", o->path, a);
			return -1;
		} else {
			o->path = a;
		}
	}
	if (!o->path || !o->has_seed || !o->out) {
		fprintf(stderr, "usage: %s\n", afsim_help_synopsis(afsim_help_find("shrink", NULL, NULL)));
		return -1;
	}
	return 0;
}

static void print_kept(void *user, const char *line)
{
	(void)user;
	printf("  kept: %s\n", line);
	fflush(stdout);
}

/* "3 steps, 301 handoffs, 2 faults, 7 expectations" */
static const char *size_text(const sim_scenario *s, char *buf, size_t n)
{
	uint64_t handoffs = 0;

	for (size_t i = 0; i < s->n_steps; i++)
		if (s->steps[i].kind == SIM_STEP_HANDOFF)
			handoffs += s->steps[i].repeat;
	snprintf(buf, n, "%zu step%s, %" PRIu64 " handoff%s, %zu fault%s, %zu expectation%s",
		 s->n_steps, s->n_steps == 1 ? "" : "s", handoffs, handoffs == 1 ? "" : "s",
		 s->n_faults, s->n_faults == 1 ? "" : "s", s->n_expects, s->n_expects == 1 ? "" : "s");
	return buf;
}

/* The comment at the top of the minimal file. */
static char *comment_of(const opts *o, const sim_scenario *s, const sim_shrink_result *r)
{
	char *buf = NULL, sig[1024], a[160], b[160];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *p;

	if (!f)
		return NULL;
	fprintf(f, "Shrunk by afsim shrink (afsim %s) from %s (scenario %s), seed %" PRIu64 ".\n",
		AFSIM_VERSION, o->path, s->name, o->seed);
	fprintf(f, "It fails the same way: %s\n",
		sim_shrink_sig_text(&r->sig, o->same_errors, sig, sizeof sig));
	fprintf(f, "(the same verdict and the same failed expectations%s; docs/scale.md).\n",
		o->same_errors ? ", and the same error codes of failed operations" : "");
	fprintf(f, "Original: %s.\n", size_text(s, a, sizeof a));
	fprintf(f, "Minimal:  %s.\n", size_text(&r->min, b, sizeof b));
	fprintf(f, "%" PRIu32 " runs%s; the reductions kept, in order:\n", r->runs,
		r->budget_spent ? " (the --max-runs budget ran out: smaller, maybe not minimal)" : "");
	for (p = r->how; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fprintf(f, "  %.*s\n", (int)n, p);
		p = nl ? nl + 1 : p + n;
	}
	if (!r->how || !*r->how)
		fprintf(f, "  (none: nothing could be removed)\n");
	fprintf(f, "Run it: afsim run %s", o->out);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int afsim_cmd_shrink(int argc, char **argv)
{
	opts o;
	sim_scenario s, back;
	sim_shrink_opts so = { 0 };
	sim_shrink_result r;
	sim_shrink_sig check;
	char err[SIM_ERR_MAX], sig[1024], desc[512], *comment = NULL;
	int rc;

	if (parse(argc, argv, &o) != 0)
		return EXIT_USAGE;
	if (sim_scenario_load(o.path, &s, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	so.seed = o.seed;
	so.same_errors = o.same_errors;
	so.max_runs = (uint32_t)o.max_runs;
	so.progress = print_kept;
	printf("shrinking %s (%s), seed %" PRIu64 "\n", s.name, o.path, o.seed);
	fflush(stdout);
	rc = sim_shrink(&s, &so, &r, err, sizeof err);
	if (rc == 1) {
		fprintf(stderr, "afsim shrink: %s passes with seed %" PRIu64 ": nothing to shrink\n",
			o.path, o.seed);
		sim_scenario_release(&s);
		return EXIT_USAGE;
	}
	if (rc != 0) {
		fprintf(stderr, "afsim shrink: %s\n", err);
		sim_scenario_release(&s);
		return EXIT_HARNESS;
	}
	/* the file is a scenario of its own: its name, its seed */
	snprintf(r.min.name, sizeof r.min.name, "%.*s-min", SIM_NAME_MAX - 5, s.name);
	r.min.seed = o.seed;
	snprintf(desc, sizeof desc, "%s, seed %" PRIu64 ", shrunk: %s", s.name, o.seed,
		 sim_shrink_sig_text(&r.sig, o.same_errors, sig, sizeof sig));
	free(r.min.description);
	r.min.description = strdup(desc);
	comment = comment_of(&o, &s, &r);
	rc = EXIT_HARNESS;
	if (!r.min.description || !comment) {
		fprintf(stderr, "afsim shrink: out of memory\n");
		goto out;
	}
	if (sim_scenario_write_file(&r.min, o.out, comment, err, sizeof err) != 0) {
		fprintf(stderr, "afsim shrink: %s\n", err);
		goto out;
	}
	/* the file as a reader gets it fails the same way */
	if (sim_scenario_load(o.out, &back, err, sizeof err) != 0) {
		fprintf(stderr, "afsim shrink: the written file does not load: %s\n", err);
		goto out;
	}
	sim_shrink_run(&back, back.seed, &check, NULL);
	sim_scenario_release(&back);
	if (!sim_shrink_same(&r.sig, &check, o.same_errors)) {
		fprintf(stderr, "afsim shrink: %s does not fail the same way when read back (%s)\n",
			o.out, sim_shrink_sig_text(&check, o.same_errors, sig, sizeof sig));
		goto out;
	}
	{
		char a[160], b[160];

		printf("%s: %s -> %s; %" PRIu32 " runs%s\n", o.out, size_text(&s, a, sizeof a),
		       size_text(&r.min, b, sizeof b), r.runs,
		       r.budget_spent ? " (budget spent: smaller, maybe not minimal)" : "");
		printf("checked: it fails the same way (%s)\n",
		       sim_shrink_sig_text(&check, o.same_errors, sig, sizeof sig));
	}
	rc = EXIT_OK;
out:
	free(comment);
	sim_shrink_result_release(&r);
	sim_scenario_release(&s);
	return rc;
}
