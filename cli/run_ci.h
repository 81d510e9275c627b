/*
 * run_ci.h - what `afsim run` gives a CI besides JUnit (cli/run_ci.c):
 * TAP version 13 on standard output (--tap: for `prove` and every TAP
 * consumer) and a markdown summary (--summary FILE: appended, so that
 * --summary "$GITHUB_STEP_SUMMARY" fills a GitHub step summary), and the
 * scenarios of one shard of the suite (--shard, docs/scale.md).
 */
#ifndef CLI_RUN_CI_H
#define CLI_RUN_CI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"
#include "sim/scenario.h"
#include "sim/shard.h"

/* One scenario's result, as the run report has it. */
typedef struct run_ci_row {
	const char *name, *path;
	uint64_t seed;
	int verdict;                  /* sim_verdict: 0 passed, 1 failed, 3 error */
	uint32_t handoffs, handoffs_ok;
	double p95_ms, map_max_um, focus_max_um;   /* NaN without handoffs */
	uint64_t trace_hash;
	const char *failed;           /* the failed expectations, "  FAIL ...\n" each */
	const char *message;          /* why it errored ("" otherwise) */
	double wall_s;
	int64_t run_id;               /* 0: not recorded */
} run_ci_row;

/* rows as TAP version 13 on f: the plan, a test point per scenario, a
 * YAML block (message, severity, the failed expectations, seed, trace,
 * run) under every one that did not pass.  0, or -1 when f fails. */
int run_ci_tap(FILE *f, const run_ci_row *rows, size_t n);

/* Append the markdown summary of rows to path (created when missing):
 * a heading with the counts, a table of the scenarios, the failed
 * expectations, then footer (a line: where the runs were recorded).  0,
 * or -1 with a message on stderr. */
int run_ci_summary(const char *path, const run_ci_row *rows, size_t n, const char *footer);

/*
 * Keep in sc[0 .. *n) the scenarios of shard sh (in their order),
 * releasing the others: the work list's split (sim_shard_split) by the
 * scenarios' names and their expected wall times in d (NULL: none known),
 * runs of this invocation (inv) left out.
 * Prints the shard line on out ("shard 2/4 (SLURM_ARRAY_TASK_ID): 7 of 27
 * scenarios, expected 0.9 s of 3.4 s, plan 1f0c...").  0, or -1 when out
 * of memory or the database cannot be read (message on stderr).
 */
int run_ci_shard(sim_scenario *sc, size_t *n, const sim_shard *sh, db *d, const char *inv,
		 FILE *out);

#endif /* CLI_RUN_CI_H */
