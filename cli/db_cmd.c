/*
 * db_cmd.c - `afsim db merge OUT.db IN.db...`: fold shard databases (runs,
 * baselines, validations of rigs) into one (db/merge.h does the work; this
 * file parses, reports and picks the exit code).
 */
#include "cli/db_cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/help.h"
#include "db/db.h"
#include "db/merge.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

static void print_note(void *user, const char *line)
{
	(void)user;
	printf("  note: %s\n", line);
}

static int merge(int argc, char **argv)
{
	db_merge_input *in;
	db_merge_result res;
	char err[512];
	db *out;
	int rc;

	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "afsim db merge: unknown option '%s' (afsim help db merge)\n",
				argv[i]);
			return EXIT_USAGE;
		} else if (!argv[i][0]) {
			fprintf(stderr, "afsim db merge: a database path is empty\n");
			return EXIT_USAGE;
		}
	if (argc < 3) {
		fprintf(stderr, "usage: %s\n", afsim_help_synopsis(afsim_help_find("db", "merge", NULL)));
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], argv[1]) == 0) {
			fprintf(stderr, "afsim db merge: '%s' is the output, not an input\n", argv[i]);
			return EXIT_USAGE;
		}
	if (!(in = calloc((size_t)argc - 2, sizeof *in))) {
		fprintf(stderr, "afsim db merge: out of memory\n");
		return EXIT_HARNESS;
	}
	for (int i = 2; i < argc; i++)
		in[i - 2].path = argv[i];
	out = db_open(argv[1], err, sizeof err);
	if (!out) {
		fprintf(stderr, "afsim db merge: %s\n", err);
		free(in);
		return EXIT_HARNESS;
	}
	printf("merging %d database%s into %s\n", argc - 2, argc == 3 ? "" : "s", argv[1]);
	rc = db_merge(out, in, (size_t)argc - 2, print_note, NULL, &res);
	if (rc != 0) {
		fprintf(stderr, "afsim db merge: %s (nothing merged)\n", db_errmsg(out));
		db_close(out);
		free(in);
		return EXIT_HARNESS;
	}
	for (int i = 0; i < argc - 2; i++) {
		printf("  %s: schema %d%s, %" PRIu64 " run%s: %" PRIu64 " new, %" PRIu64
		       " already there, %" PRIu64 " refreshed; %" PRIu64 " baseline%s", in[i].path,
		       in[i].version, in[i].migrated ? " (read through a migrated copy)" : "",
		       in[i].runs, in[i].runs == 1 ? "" : "s", in[i].added, in[i].present,
		       in[i].refreshed, in[i].baselines, in[i].baselines == 1 ? "" : "s");
		/* a shard of simulated runs holds none: no word about them */
		if (in[i].validations)
			printf("; %" PRIu64 " validation%s: %" PRIu64 " new, %" PRIu64 " already there",
			       in[i].validations, in[i].validations == 1 ? "" : "s",
			       in[i].validations_added, in[i].validations_present);
		printf("\n");
	}
	if (res.added)
		printf("%s: %" PRIu64 " new run%s (ids %" PRId64 "..%" PRId64 ")", argv[1], res.added,
		       res.added == 1 ? "" : "s", res.first_id, res.last_id);
	else
		printf("%s: no new runs", argv[1]);
	printf(", %" PRIu64 " already there, %" PRIu64 " refreshed, %" PRIu64 " rows copied; "
	       "baselines: %" PRIu64 " added, %" PRIu64 " the same, %" PRIu64 " replaced, %" PRIu64
	       " kept", res.present, res.refreshed, res.rows, res.baselines_added,
	       res.baselines_same, res.baselines_replaced, res.baselines_kept);
	if (res.validations_added)
		printf("; validations: %" PRIu64 " new (ids %" PRId64 "..%" PRId64 ", %" PRIu64
		       " items), %" PRIu64 " already there\n", res.validations_added,
		       res.validations_first_id, res.validations_last_id, res.validation_items,
		       res.validations_present);
	else
		printf("; validations: none new, %" PRIu64 " already there\n", res.validations_present);
	db_close(out);
	free(in);
	return EXIT_OK;
}

int afsim_cmd_db(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s\n", afsim_help_synopsis(afsim_help_find("db", NULL, NULL)));
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "merge") == 0)
		return merge(argc - 1, argv + 1);
	fprintf(stderr, "afsim db: unknown subcommand '%s' (afsim help db)\n", argv[1]);
	return EXIT_USAGE;
}
