/*
 * export_cmd.c - `afsim export trace RUN -o FILE.json`: a recorded run as
 * Chrome trace-event JSON for Perfetto and chrome://tracing (the format is
 * db/export.c's; this file parses and opens the files).
 */
#include "cli/export_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/help.h"
#include "db/db.h"
#include "db/export.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

static int usage(void)
{
	fprintf(stderr, "usage: %s\n", afsim_help_synopsis(afsim_help_find("export", "trace", NULL)));
	return EXIT_USAGE;
}

static int trace(int argc, char **argv)
{
	const char *run_s = NULL, *file = NULL, *path = NULL;
	int64_t run = 0;
	char err[512];
	FILE *f;
	db *d;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (cli_value("export trace", argc, argv, &i, &file) != 0)
				return EXIT_USAGE;
		} else if (strcmp(a, "--db") == 0) {
			if (cli_value("export trace", argc, argv, &i, &path) != 0)
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "afsim export trace: unknown option '%s' (afsim help export "
					"trace)\n", a);
			return EXIT_USAGE;
		} else if (run_s) {
			fprintf(stderr, "afsim export trace: one RUN, not '%s' and '%s'\n", run_s, a);
			return EXIT_USAGE;
		} else {
			run_s = a;
		}
	}
	if (!run_s || !file)
		return usage();
	if (strcmp(run_s, "last") != 0 && cli_run_id(run_s, &run) != 0) {
		fprintf(stderr, "afsim export trace: '%s' is not a run id (a positive integer or "
				"last)\n", run_s);
		return EXIT_USAGE;
	}
	d = db_open_ro(path ? path : db_default_path(), err, sizeof err);
	if (!d) {
		fprintf(stderr, "afsim export trace: %s\n", err);
		return EXIT_HARNESS;
	}
	if (!run && db_last_run(d, &run) != 0) {
		fprintf(stderr, "afsim export trace: no run to export: %s\n", db_errmsg(d));
		db_close(d);
		return EXIT_USAGE;
	}
	{
		db_run_row r;

		if (db_run_get(d, run, &r) != 0) {
			fprintf(stderr, "afsim export trace: no run %" PRId64 " in '%s'\n", run,
				path ? path : db_default_path());
			db_close(d);
			return EXIT_USAGE;
		}
	}
	f = strcmp(file, "-") == 0 ? stdout : fopen(file, "w");
	if (!f) {
		fprintf(stderr, "afsim export trace: cannot write '%s': %s\n", file, strerror(errno));
		db_close(d);
		return EXIT_HARNESS;
	}
	rc = db_export_trace(d, run, f);
	if (rc != 0)
		fprintf(stderr, "afsim export trace: %s\n", db_errmsg(d));
	if (f != stdout && fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "afsim export trace: cannot write '%s': %s\n", file, strerror(errno));
		rc = -1;
	}
	if (rc != 0 && f != stdout)
		unlink(file);
	db_close(d);
	if (rc == 0 && f != stdout)
		fprintf(stderr, "wrote run %" PRId64 " to %s (Chrome trace-event JSON: "
				"ui.perfetto.dev or chrome://tracing)\n", run, file);
	return rc == 0 ? EXIT_OK : EXIT_HARNESS;
}

int afsim_cmd_export(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s\n", afsim_help_synopsis(afsim_help_find("export", NULL, NULL)));
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "trace") == 0)
		return trace(argc - 1, argv + 1);
	fprintf(stderr, "afsim export: unknown subcommand '%s' (afsim help export)\n", argv[1]);
	return EXIT_USAGE;
}
