/*
 * main.c - the afsim command line: parses the subcommand and hands over to
 * the part that does the work.  Kept thin on purpose.
 *
 * Exit codes (docs/design.md §5): 0 everything held, 1 an expectation
 * failed or a regression was found, 2 bad input or usage, 3 a harness,
 * hardware or bridge error.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/db_cmd.h"
#include "cli/export_cmd.h"
#include "cli/field_cmd.h"
#include "cli/gap_cmd.h"
#include "cli/help.h"
#include "cli/replay_cmd.h"
#include "cli/report_cmd.h"
#include "cli/rig_cmd.h"
#include "cli/run.h"
#include "cli/runs_cmd.h"
#include "cli/validate_cmd.h"
#include "cli/shrink_cmd.h"
#include "cli/swarm.h"
#include "cli/viz_cmd.h"
#include "sim/demo.h"
#include "sim/refseq.h"
#include "sim/shard.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

typedef struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} command;

static int cmd_demo(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_selftest(int argc, char **argv);
static int cmd_version(int argc, char **argv);

/* Their usage texts: cli/help.c, in the same order. */
static const command commands[] = {
	{ "run", cmd_run },
	{ "runs", afsim_cmd_runs },
	{ "report", afsim_cmd_report },
	{ "baseline", afsim_cmd_baseline },
	{ "regress", afsim_cmd_regress },
	{ "viz", afsim_cmd_viz },
	{ "replay", afsim_cmd_replay },
	{ "field", afsim_cmd_field },
	{ "gap", afsim_cmd_gap },
	{ "rig", afsim_rig_main },
	{ "hil", afsim_hil_main },
	{ "swarm", afsim_cmd_swarm },
	{ "shrink", afsim_cmd_shrink },
	{ "db", afsim_cmd_db },
	{ "export", afsim_cmd_export },
	{ "demo", cmd_demo },
	{ "selftest", cmd_selftest },
	{ "version", cmd_version },
	{ "help", cmd_help },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* afsim help [COMMAND [SUBCOMMAND]]: the overview, or one entry. */
static int cmd_help(int argc, char **argv)
{
	const afsim_help *h;
	bool used;

	if (argc < 2) {
		afsim_help_overview(stdout);
		return EXIT_OK;
	}
	if (!find_command(argv[1]) || !(h = afsim_help_find(argv[1], argc > 2 ? argv[2] : NULL, &used))) {
		fprintf(stderr, "afsim help: unknown command '%s' (afsim help lists them)\n", argv[1]);
		return EXIT_USAGE;
	}
	if (argc > 2 && !used && !afsim_help_asked(argv[2])) {
		fprintf(stderr, "afsim help: '%s' has no subcommand '%s'\n", argv[1], argv[2]);
		return EXIT_USAGE;
	}
	afsim_help_print(h, stdout);
	return EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("afsim %s\n", AFSIM_VERSION);
	return EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
	run_opts o = { 0 };
	uint64_t v;
	bool has_pixels = false;
	int rc;

	o.paths = calloc((size_t)argc, sizeof *o.paths);
	if (!o.paths) {
		fprintf(stderr, "afsim run: out of memory\n");
		return EXIT_HARNESS;
	}
	o.jobs = 1;
	o.tty = isatty(STDERR_FILENO) != 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--seed") == 0 || strcmp(a, "--junit") == 0 || strcmp(a, "-j") == 0 ||
		    strcmp(a, "--db") == 0 || strcmp(a, "--png") == 0 || strcmp(a, "--record") == 0 ||
		    strcmp(a, "--rig") == 0 || strcmp(a, "--shard") == 0 ||
		    strcmp(a, "--shard-count") == 0 || strcmp(a, "--summary") == 0 ||
		    strcmp(a, "--record-pixels") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "afsim run: %s needs a value\n", a);
				free(o.paths);
				return EXIT_USAGE;
			}
			i++;
			if (strcmp(a, "--junit") == 0) {
				o.junit = argv[i];
			} else if (strcmp(a, "--db") == 0) {
				o.db_path = argv[i];
			} else if (strcmp(a, "--png") == 0) {
				o.png_dir = argv[i];
			} else if (strcmp(a, "--record") == 0) {
				o.record = argv[i];
			} else if (strcmp(a, "--rig") == 0) {
				o.rig_file = argv[i];
			} else if (strcmp(a, "--shard") == 0) {
				o.shard = argv[i];
			} else if (strcmp(a, "--summary") == 0) {
				o.summary = argv[i];
			} else if (strcmp(a, "--record-pixels") == 0) {
				static const char *const which[] = { "all", "failures", "none" };

				o.record_pixels = -1;
				for (int k = 0; k < 3; k++)
					if (strcmp(argv[i], which[k]) == 0)
						o.record_pixels = k;
				if (o.record_pixels < 0) {
					fprintf(stderr, "afsim run: --record-pixels needs all, failures or "
							"none, not '%s'\n", argv[i]);
					free(o.paths);
					return EXIT_USAGE;
				}
				has_pixels = true;
			} else if (strcmp(a, "--shard-count") == 0) {
				if (cli_u64(argv[i], &v) != 0 || v < 1 || v > SIM_SHARD_MAX) {
					fprintf(stderr, "afsim run: --shard-count needs a number of shards "
							"in 1..%u, not '%s'\n", SIM_SHARD_MAX, argv[i]);
					free(o.paths);
					return EXIT_USAGE;
				}
				o.shard_count = (uint32_t)v;
			} else if (cli_u64(argv[i], &v) != 0 ||
				   (a[1] == 'j' && (v < 1 || v > 64))) {
				fprintf(stderr, "afsim run: %s needs %s, not '%s'\n", a,
					a[1] == 'j' ? "a number of jobs in 1..64" : "a non-negative integer",
					argv[i]);
				free(o.paths);
				return EXIT_USAGE;
			} else if (a[1] == 'j') {
				o.jobs = (int)v;
			} else {
				o.seed = v;
				o.has_seed = true;
			}
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o.verbose = true;
			o.tty = false;
		} else if (strcmp(a, "--tap") == 0) {
			o.tap = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "afsim run: unknown option '%s' (afsim help run)\n", a);
			free(o.paths);
			return EXIT_USAGE;
		} else {
			o.paths[o.npaths++] = argv[i];
		}
	}
	if (has_pixels && !o.record) {
		fprintf(stderr, "afsim run: --record-pixels goes with --record LOG\n");
		free(o.paths);
		return EXIT_USAGE;
	}
	if (o.npaths == 0) {
		fprintf(stderr, "usage: %s\n", afsim_help_synopsis(afsim_help_find("run", NULL, NULL)));
		free(o.paths);
		return EXIT_USAGE;
	}
	rc = afsim_run(&o);
	free(o.paths);
	return rc;
}

static int cmd_demo(int argc, char **argv)
{
	uint64_t seed = 1, n = 200;

	/* options come in pairs: --name value */
	for (int i = 1; i < argc; i += 2) {
		uint64_t *dst = strcmp(argv[i], "--seed") == 0 ? &seed
			       : strcmp(argv[i], "--handoffs") == 0 ? &n : NULL;

		if (!dst) {
			fprintf(stderr, "afsim demo: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
		if (i + 1 >= argc || cli_u64(argv[i + 1], dst) != 0 ||
		    (dst == &n && (n < 1 || n > 100000))) {
			fprintf(stderr, "afsim demo: %s needs a %s\n", argv[i],
				dst == &n ? "number of handoffs in 1..100000" : "non-negative integer");
			return EXIT_USAGE;
		}
	}
	if (sim_demo_run(seed, (int)n, stdout) != 0)
		return EXIT_HARNESS;
	return EXIT_OK;
}

static int cmd_selftest(int argc, char **argv)
{
	uint64_t seed = 1;
	int quiet = 0;
	sim_refseq_result res;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0) {
			if (i + 1 >= argc || cli_u64(argv[i + 1], &seed) != 0) {
				fprintf(stderr, "afsim selftest: --seed needs a non-negative integer\n");
				return EXIT_USAGE;
			}
			i++;
		} else if (strcmp(argv[i], "--quiet") == 0) {
			quiet = 1;
		} else {
			fprintf(stderr, "afsim selftest: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!quiet)
		printf("reference sequence, default rig, seed %" PRIu64 "\n", seed);
	if (sim_refseq_run(seed, quiet ? NULL : stdout, &res) != 0) {
		fprintf(stderr, "afsim selftest: cannot build the simulator: out of memory\n");
		return EXIT_HARNESS;
	}
	if (quiet) {
		printf("%016" PRIx64 "\n", res.trace_hash);
		return EXIT_OK;
	}
	printf("\nevents %" PRIu64 ", frames %" PRIu64 ", HAL errors %d (injected faults), "
	       "virtual time %.3f s\ntrace hash %016" PRIx64 "\n",
	       res.events, res.frames, res.errors, (double)res.virtual_ns / 1e9, res.trace_hash);
	return EXIT_OK;
}

/*
 * -h or --help anywhere among a command's arguments prints that command's
 * help (its subcommand's when the first argument names one: `afsim viz
 * timeline --help`) and exits 0, before the command parses anything: the
 * command files need not know about it.
 */
static bool help_requested(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (afsim_help_asked(argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const command *c;

	if (argc < 2) {
		afsim_help_overview(stderr);
		return EXIT_USAGE;
	}
	if (afsim_help_asked(argv[1]))
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "afsim: unknown command '%s' (afsim help lists them)\n", argv[1]);
		return EXIT_USAGE;
	}
	if (help_requested(argc, argv)) {
		afsim_help_print(afsim_help_find(argv[1], argc > 2 ? argv[2] : NULL, NULL), stdout);
		return EXIT_OK;
	}
	return c->fn(argc - 1, argv + 1);
}
