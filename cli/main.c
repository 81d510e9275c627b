/*
 * main.c - the afsim command line: parses the subcommand and hands over to
 * the part that does the work.  Kept thin on purpose.
 *
 * Exit codes (docs/design.md §5): 0 everything held, 1 an expectation
 * failed or a regression was found, 2 bad input or usage, 3 a harness,
 * hardware or bridge error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/replay_cmd.h"
#include "cli/report_cmd.h"
#include "cli/run.h"
#include "cli/runs_cmd.h"
#include "cli/viz_cmd.h"
#include "sim/demo.h"
#include "sim/refseq.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

typedef struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
} command;

static int cmd_demo(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_selftest(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const command commands[] = {
	{ "run", cmd_run, "afsim run FILE.yaml|DIR ... [--db PATH] [--seed N] [--junit PATH] [--png DIR] [-j N] [-v]",
	  "Run scenarios (files, or folders searched recursively for *.yaml) on the\n"
	  "simulated rig against the engine and check their expectations.  Every file is\n"
	  "loaded first: a bad one stops the command (exit 2) before anything runs.\n"
	  "Prints per scenario the verdict, seed, key metrics, trace hash and each failed\n"
	  "expectation with its value and bound; a summary line; progress on a terminal.\n"
	  "  --db PATH     results database (default $AFSIM_DB, else ./afsim.db): every run\n"
	  "                is recorded there, created on first use\n"
	  "  --seed N      run every scenario with seed N instead of its own\n"
	  "  --junit PATH  write JUnit XML: one testcase per scenario\n"
	  "  --png DIR     write a timeline picture of every run, DIR/<scenario>.png\n"
	  "  -j N          run N scenarios at a time, each in its own process (1..64);\n"
	  "                the output and every run are the same as with -j 1\n"
	  "  -v            print every operation (phase times, prediction, landing, truth)\n"
	  "                and every fault and HAL error as it happens; runs one at a time\n"
	  "Exit: 0 all passed, 1 an expectation failed, 2 bad input, 3 harness error.\n"
	  "Scenario keys: scenarios/README.md.\n" },
	{ "runs", afsim_cmd_runs, AFSIM_RUNS_SYNOPSIS, AFSIM_RUNS_HELP },
	{ "report", afsim_cmd_report, AFSIM_REPORT_SYNOPSIS, AFSIM_REPORT_HELP },
	{ "baseline", afsim_cmd_baseline, AFSIM_BASELINE_SYNOPSIS, AFSIM_BASELINE_HELP },
	{ "regress", afsim_cmd_regress, AFSIM_REGRESS_SYNOPSIS, AFSIM_REGRESS_HELP },
	{ "viz", afsim_cmd_viz, AFSIM_VIZ_SYNOPSIS, AFSIM_VIZ_HELP },
	{ "replay", afsim_cmd_replay, AFSIM_REPLAY_SYNOPSIS, AFSIM_REPLAY_HELP },
	{ "demo", cmd_demo, "afsim demo [--seed N] [--handoffs N]",
	  "Run the autofocus engine on the default simulated rig: calibrate the parfocal\n"
	  "mapping, then A->B handoffs at random places (z uniform in +/-5 um, 22 C) at each\n"
	  "optimization level, and print per level the success, the mean time of each phase,\n"
	  "the p95 total, the mapping error and the focus error against the simulator's\n"
	  "ground truth.\n"
	  "  --seed N       seed of the runs (default 1)\n"
	  "  --handoffs N   handoffs per level, 1..100000 (default 200)\n" },
	{ "selftest", cmd_selftest, "afsim selftest [--seed N] [--quiet]",
	  "Run the reference sequence of HAL calls on the default simulated rig\n"
	  "(stage moves both ways, frames through both lenses, a lens switch, a\n"
	  "temperature ramp and one fault of each class) and print each call, the\n"
	  "virtual time it took and the trace hash.  The same seed gives the same\n"
	  "hash on every build; CI compares it across compilers and -O levels.\n"
	  "  --seed N   seed of the run (default 1)\n"
	  "  --quiet    print only the trace hash\n" },
	{ "version", cmd_version, "afsim version", "Print the version (git describe).\n" },
	{ "help", cmd_help, "afsim help [COMMAND]", "Show the commands, or one command's help.\n" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: afsim COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].synopsis);
	fprintf(f, "\nafsim help COMMAND shows one command's options.\n"
		   "exit codes: 0 ok, 1 expectation failed or regression, 2 bad input or usage,\n"
		   "3 harness, hardware or bridge error\n");
}

static int cmd_help(int argc, char **argv)
{
	const command *c;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "afsim help: unknown command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: %s\n\n%s", c->synopsis, c->help);
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
		    strcmp(a, "--db") == 0 || strcmp(a, "--png") == 0) {
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
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "afsim run: unknown option '%s' (afsim help run)\n", a);
			free(o.paths);
			return EXIT_USAGE;
		} else {
			o.paths[o.npaths++] = argv[i];
		}
	}
	if (o.npaths == 0) {
		fprintf(stderr, "usage: afsim run FILE.yaml|DIR ... [--db PATH] [--seed N] [--junit PATH] [--png DIR] [-j N] [-v]\n");
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

int main(int argc, char **argv)
{
	const command *c;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "afsim: unknown command '%s' (afsim help lists them)\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
