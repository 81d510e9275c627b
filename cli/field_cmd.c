/*
 * field_cmd.c - `afsim field import LOG -o SCENARIO` (see field_cmd.h):
 * reads the log, imports it, prints what was made of it and whether the
 * scenario fails in simulation where the log failed.
 *
 * Exit codes: 0 written and the failures reproduce in simulation; 1
 * written, but the simulation fails otherwise than the log (the
 * differences are printed); 2 bad usage, a bad log, or a log that cannot
 * make a faithful scenario (what is missing is printed; nothing is written
 * without --force); 3 the files cannot be written or the simulation
 * cannot run.
 */
#include "cli/field_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/help.h"
#include "field/fld_import.h"
#include "field/fld_log.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_DIFFERS = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

static void lines(FILE *f, const char *title, const fld_text *t)
{
	if (!t->n)
		return;
	fprintf(f, "%s:\n", title);
	for (size_t i = 0; i < t->n; i++)
		fprintf(f, "  %s\n", t->v[i]);
}

static int usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "afsim field: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: %s\n",
		afsim_help_synopsis(afsim_help_find("field", "import", NULL)));
	return EXIT_USAGE;
}

static const char *plural(uint32_t n)
{
	return n == 1 ? "" : "s";
}

static void print_made(const char *out, const fld_import_report *r)
{
	printf("wrote %s: %u operation%s (%u handoff%s, %u calibration%s, %u autofocus) and %u "
	       "wait%s, %zu fault%s, the room from %zu temperature reading%s", out, r->ops,
	       plural(r->ops), r->handoffs, plural(r->handoffs), r->calibrations,
	       plural(r->calibrations), r->autofocus, r->waits, plural(r->waits), r->faults,
	       plural((uint32_t)r->faults), r->temps, plural((uint32_t)r->temps));
	if (r->trace_path[0])
		printf(" (%s)", r->trace_path);
	printf("\n");
	if (r->setup_runs)
		printf("placed %zu setup fault%s from as many simulations\n", r->setup_runs,
		       plural((uint32_t)r->setup_runs));
}

static int import_cmd(int argc, char **argv)
{
	const char *log_path = NULL, *out = NULL, *val;
	fld_import_opts o;
	fld_import_report rep;
	fld_log *l = NULL;
	char err[FLD_ERR_MAX + 600];
	bool verbose = false;
	uint64_t seed;
	int rc;

	fld_import_opts_default(&o);
	o.version = AFSIM_VERSION;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (cli_value("field", argc, argv, &i, &out) != 0)
				return EXIT_USAGE;
		} else if (strcmp(a, "--name") == 0) {
			if (cli_value("field", argc, argv, &i, &o.name) != 0)
				return EXIT_USAGE;
		} else if (strcmp(a, "--seed") == 0) {
			if (cli_value("field", argc, argv, &i, &val) != 0)
				return EXIT_USAGE;
			if (cli_u64(val, &seed) != 0)
				return usage("--seed needs a non-negative integer, not '%s'", val);
			o.seed = seed;
		} else if (strcmp(a, "--force") == 0) {
			o.force = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			verbose = true;
		} else if (a[0] == '-' && a[1]) {
			return usage("unknown option '%s'", a);
		} else if (log_path) {
			return usage("one log at a time ('%s' too)", a);
		} else {
			log_path = a;
		}
	}
	if (!log_path)
		return usage("%s", "which log?");
	if (!out)
		return usage("%s", "-o SCENARIO.yaml: where to write the scenario");
	if (fld_log_read_file(log_path, &l, err, sizeof err) != 0) {
		fprintf(stderr, "afsim field import: %s\n", err);
		return EXIT_USAGE;
	}
	if (l->torn)
		fprintf(stderr, "afsim field import: warning: %s: %s\n", log_path, l->warning);
	printf("field log %s: engine %s, build '%s', rig '%s', %zu engine operations, %zu calls, %"
	       PRIu64 " frames (%" PRIu64 " with pixels)%s\n", log_path, l->hdr.engine_version,
	       l->hdr.build_id, l->hdr.rig_id, l->nops, l->ncalls, l->frames, l->frames_kept,
	       l->closed ? "" : ", not closed");
	rc = fld_import(l, log_path, out, &o, &rep, err, sizeof err);
	if (rc < 0 || rc == 2) {
		fprintf(stderr, "afsim field import: %s\n", err);
		rc = rc < 0 ? EXIT_HARNESS : EXIT_USAGE;
		goto out;
	}
	if (rc == 1) {
		fprintf(stderr, "afsim field import: %s cannot be made into a faithful scenario; "
			"missing:\n", log_path);
		for (size_t i = 0; i < rep.missing.n; i++)
			fprintf(stderr, "  %s\n", rep.missing.v[i]);
		fprintf(stderr, "nothing written (--force writes the scenario without them)\n");
		rc = EXIT_USAGE;
		goto out;
	}
	print_made(out, &rep);
	lines(stdout, "faults, from the HAL errors", &rep.faults_said);
	lines(stdout, "expected", &rep.expects_said);
	if (verbose)
		lines(stdout, "the rig", &rep.rig_said);
	if (rep.missing.n)
		lines(stdout, "MISSING (written with --force: not faithful)", &rep.missing);
	if (rep.checked) {
		printf("checked in simulation (seed %" PRIu64 "): the %u operations that failed in the "
		       "log fail with the same codes, the others succeed\n", o.seed, rep.sim_failed);
		if (verbose)
			lines(stdout, "notes", &rep.notes);
		rc = EXIT_OK;
	} else {
		printf("checked in simulation (seed %" PRIu64 "): it fails otherwise than the log\n",
		       o.seed);
		lines(stdout, "notes", &rep.notes);
		rc = EXIT_DIFFERS;
	}
out:
	fld_import_report_release(&rep);
	fld_log_free(l);
	return rc;
}

int afsim_cmd_field(int argc, char **argv)
{
	if (argc < 2)
		return usage("%s", "which subcommand? import");
	if (strcmp(argv[1], "import") == 0)
		return import_cmd(argc - 1, argv + 1);
	return usage("unknown subcommand '%s', expected import", argv[1]);
}
