/*
 * gap_cmd.c - `afsim gap SIM_RUN HIL_RUN`: argument parsing and the
 * database around db/gap.c.  Read only.
 */
#include "cli/gap_cmd.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "db/db.h"
#include "db/gap.h"

enum { EXIT_OK = 0, EXIT_DIFFER = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

int afsim_cmd_gap(int argc, char **argv)
{
	const char *path = NULL, *fmt = "text";
	int64_t runs[2];
	int nruns = 0, rc;
	char err[600];
	db_gap g;
	db *d;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t v;

		if (strcmp(a, "--db") == 0 || strcmp(a, "--format") == 0) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "afsim gap: %s needs a value\n", a);
				return EXIT_USAGE;
			}
			*(a[2] == 'd' ? &path : &fmt) = argv[++i];
		} else if (cli_u64(a, &v) == 0 && v > 0 && v <= INT64_MAX && nruns < 2) {
			runs[nruns++] = (int64_t)v;
		} else {
			fprintf(stderr, "afsim gap: unexpected argument '%s' (afsim help gap)\n", a);
			return EXIT_USAGE;
		}
	}
	if (nruns != 2) {
		fprintf(stderr, "usage: afsim gap SIM_RUN HIL_RUN [--format text|json] [--db PATH]\n");
		return EXIT_USAGE;
	}
	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0) {
		fprintf(stderr, "afsim gap: --format must be text or json, not '%s'\n", fmt);
		return EXIT_USAGE;
	}
	if (!path)
		path = db_default_path();
	d = db_open_ro(path, err, sizeof err);
	if (!d) {
		fprintf(stderr, "afsim gap: %s\n", err);
		return EXIT_HARNESS;
	}
	rc = db_gap_compare(d, runs[0], runs[1], &g, err, sizeof err);
	db_close(d);
	if (rc != 0) {
		fprintf(stderr, "afsim gap: %s\n", err);
		return rc > 0 ? EXIT_USAGE : EXIT_HARNESS;
	}
	if (db_gap_print(&g, strcmp(fmt, "json") == 0, stdout) != 0) {
		fprintf(stderr, "afsim gap: cannot write the output\n");
		return EXIT_HARNESS;
	}
	return g.agree ? EXIT_OK : EXIT_DIFFER;
}
