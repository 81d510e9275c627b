/*
 * runs_cmd.c - `afsim runs`: the runs table of the results database as a
 * fixed-width table, newest first.  Read only, apart from what opening
 * the database does (creating it, migrating it, marking the runs of dead
 * writers aborted).
 */
#include "cli/runs_cmd.h"

#include "cli/args.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

typedef struct listing {
	size_t rows;
} listing;

static int print_run(void *user, const db_run_row *r)
{
	listing *l = user;
	char wall[32];

	if (l->rows++ == 0)
		printf("%6s  %-32s %6s  %-4s  %-8s %-20s  %-16s  %8s\n", "id", "scenario", "seed",
		       "mode", "status", "started_at", "trace", "wall_s");
	if (isnan(r->wall_s))
		snprintf(wall, sizeof wall, "-");
	else
		snprintf(wall, sizeof wall, "%.3f", r->wall_s);
	printf("%6" PRId64 "  %-32s %6" PRIu64 "  %-4s  %-8s %-20s  %-16s  %8s\n", r->id,
	       r->scenario, r->seed, r->mode, r->status, r->started_at,
	       r->trace_hash[0] ? r->trace_hash : "-", wall);
	return 0;
}

static int parse_limit(const char *s, size_t *out)
{
	uint64_t v;

	if (cli_u64(s, &v) != 0 || v == 0 || v > SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

int afsim_cmd_runs(int argc, char **argv)
{
	const char *scenario = NULL, *path = NULL;
	size_t limit = 0;
	listing l = { 0 };
	char err[512];
	db *d;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--scenario") != 0 && strcmp(a, "--db") != 0 &&
		    strcmp(a, "--limit") != 0) {
			fprintf(stderr, "afsim runs: unknown argument '%s' (afsim help runs)\n", a);
			return EXIT_USAGE;
		}
		if (i + 1 >= argc || !argv[i + 1][0]) {
			fprintf(stderr, "afsim runs: %s needs a value\n", a);
			return EXIT_USAGE;
		}
		i++;
		if (strcmp(a, "--scenario") == 0) {
			scenario = argv[i];
		} else if (strcmp(a, "--db") == 0) {
			path = argv[i];
		} else if (parse_limit(argv[i], &limit) != 0) {
			fprintf(stderr, "afsim runs: --limit needs a positive integer, not '%s'\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!path)
		path = db_default_path();
	d = db_open_ro(path, err, sizeof err);
	if (!d) {
		fprintf(stderr, "afsim runs: %s\n", err);
		return EXIT_HARNESS;
	}
	rc = db_runs_each(d, scenario, limit, print_run, &l);
	if (rc != 0)
		fprintf(stderr, "afsim runs: cannot list the runs of '%s': %s\n", path, db_errmsg(d));
	else if (l.rows == 0 && scenario)
		printf("no runs of scenario '%s' in %s\n", scenario, path);
	else if (l.rows == 0)
		printf("no runs in %s\n", path);
	db_close(d);
	return rc == 0 ? EXIT_OK : EXIT_HARNESS;
}
