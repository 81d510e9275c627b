/*
 * replay_cmd.c - `afsim replay LOG` (see replay_cmd.h): reads the log,
 * applies the --engine-set changes, replays and reports.
 */
#include "cli/replay_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "field/fld_dump.h"
#include "field/fld_log.h"
#include "field/fld_replay.h"

enum { EXIT_OK = 0, EXIT_DIVERGED = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

/* Operations listed before a divergence without -v. */
#define DECIDED_MAX 12

/* The keys whose values cfg changes from the recorded ones. */
static void print_changes(const fld_log *l, const af_engine_config *cfg)
{
	size_t nf;
	const af_log_field *f = af_log_config_fields(&nf);
	char a[64], b[64];

	for (size_t i = 0; i < nf; i++) {
		fld_config_value(&l->config, &f[i], a, sizeof a);
		fld_config_value(cfg, &f[i], b, sizeof b);
		if (strcmp(a, b) != 0)
			printf("engine changed: %s = %s (recorded %s)\n", f[i].name, b, a);
	}
}

/* An operation's words without its result: "op 5 handoff A->B from 2.5 um". */
static void cut_result(char *line)
{
	char *colon = strchr(line, ':');

	if (colon)
		*colon = '\0';
}

static void print_decided(const fld_log *l, const fld_replay_result *r, bool verbose)
{
	size_t from = 0;
	char line[1024];

	printf("decided before the divergence (%" PRIu32 " operations completed with the recorded "
	       "results):\n", r->ops);
	if (!verbose && r->ops > DECIDED_MAX) {
		from = r->ops - DECIDED_MAX;
		printf("  ... %zu earlier operations (-v lists them)\n", from);
	}
	for (size_t i = from; i < r->ops && i < l->nops; i++) {
		fld_describe_op(&l->ops[i], line, sizeof line);
		printf("  %s\n", line);
	}
}

static int report(const fld_log *l, const fld_replay_result *r, bool verbose)
{
	const fld_op *o;
	char line[1024];

	switch (r->verdict) {
	case FLD_REPRODUCED:
		if (r->log_incomplete) {
			o = &l->ops[r->ops < l->nops ? r->ops : l->nops - 1];
			fld_describe_op(o, line, sizeof line);
			cut_result(line);
			printf("reproduced up to the end of the log: %" PRIu32 " ops, %" PRIu64
			       " HAL calls, results identical; the log ends inside %s, after %zu "
			       "of its calls (the recording stopped there)\n", r->ops, r->calls, line, o->ncalls);
		} else {
			printf("reproduced: %" PRIu32 " ops, %" PRIu64 " HAL calls, results identical\n",
			       r->ops, r->calls);
		}
		printf("frames: %" PRIu64 " scored from their pixels, %" PRIu64
		       " answered with their recorded score (pixels not kept)\n", r->frames_measured,
		       r->frames_from_log);
		return EXIT_OK;
	case FLD_DIVERGED:
		o = &l->ops[r->div_op < l->nops ? r->div_op : l->nops - 1];
		fld_describe_op(o, line, sizeof line);
		cut_result(line);
		if (r->div_at_call)
			printf("diverged at %s, HAL call %" PRIu64 " (the operation's call %" PRIu64
			       "): %s\n", line, r->div_call, r->div_call - o->first_call, r->what);
		else
			printf("diverged at %s, after its %zu calls: %s\n", line, o->ncalls, r->what);
		printf("  recorded: %s\n  replayed: %s\n", r->recorded, r->replayed);
		print_decided(l, r, verbose);
		return EXIT_DIVERGED;
	case FLD_HARNESS:
		fprintf(stderr, "afsim replay: %s\n", r->message);
		return EXIT_HARNESS;
	}
	return EXIT_HARNESS;
}

int afsim_cmd_replay(int argc, char **argv)
{
	const char *path = NULL, *val, *bad;
	const char **sets = calloc((size_t)argc, sizeof *sets);
	size_t nsets = 0;
	bool verbose = false, dump = false;
	fld_log *l = NULL;
	fld_replay_result r;
	af_engine_config cfg;
	char err[FLD_ERR_MAX];
	int rc = EXIT_USAGE;

	if (!sets) {
		fprintf(stderr, "afsim replay: out of memory\n");
		return EXIT_HARNESS;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--engine-set") == 0) {
			if (cli_value("replay", argc, argv, &i, &val) != 0)
				goto out;
			sets[nsets++] = val;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			verbose = true;
		} else if (strcmp(a, "--dump") == 0) {
			dump = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "afsim replay: unknown option '%s' (afsim help replay)\n", a);
			goto out;
		} else if (path) {
			fprintf(stderr, "afsim replay: one log at a time ('%s' and '%s')\n", path, a);
			goto out;
		} else {
			path = a;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: %s\n", AFSIM_REPLAY_SYNOPSIS);
		goto out;
	}
	if (fld_log_read_file(path, &l, err, sizeof err) != 0) {
		fprintf(stderr, "afsim replay: %s\n", err);
		goto out;
	}
	if (l->torn)
		fprintf(stderr, "afsim replay: warning: %s: %s\n", path, l->warning);
	if (dump) {
		fld_dump(l, stdout);
		rc = EXIT_OK;
		goto out;
	}
	if (!l->has_config) {
		fprintf(stderr, "afsim replay: %s: the log holds no engine (it ends before the "
			"engine's creation)\n", path);
		goto out;
	}
	cfg = l->config;
	for (size_t i = 0; i < nsets; i++)
		if (fld_engine_set(&cfg, sets[i], err, sizeof err) != 0) {
			fprintf(stderr, "afsim replay: --engine-set %s\n", err);
			goto out;
		}
	if ((bad = af_engine_config_check(&cfg))) {
		fprintf(stderr, "afsim replay: the changed engine configuration is invalid: %s\n", bad);
		goto out;
	}
	printf("field log %s: engine %s, build '%s', rig '%s', %zu operations, %zu calls, %" PRIu64
	       " frames (%" PRIu64 " with pixels)%s\n", path, l->hdr.engine_version, l->hdr.build_id,
	       l->hdr.rig_id, l->nops, l->ncalls, l->frames, l->frames_kept,
	       l->closed ? "" : ", not closed");
	if (strcmp(l->hdr.engine_version, AF_ENGINE_VERSION) != 0)
		printf("note: recorded by engine %s, replayed with engine %s\n", l->hdr.engine_version,
		       AF_ENGINE_VERSION);
	print_changes(l, &cfg);
	fflush(stdout);
	fld_replay(l, &cfg, stdout, verbose, &r);
	rc = report(l, &r, verbose);
out:
	fld_log_free(l);
	free(sets);
	return rc;
}
