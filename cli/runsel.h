/*
 * runsel.h - which runs `afsim report`, `afsim baseline set` and `afsim
 * regress` work on (cli/runsel.c): run ids given on the command line
 * (a run named twice counts once), --last, --scenario, --latest (the
 * newest finished run of every scenario a baseline covers), --invocation
 * ID|last (the runs one `afsim run` recorded) and --since WHEN (the runs
 * started since a time or an age).  Messages go to stderr as "afsim CMD:
 * ..."; functions return an exit code of docs/design.md §5 (0, 2 usage or
 * a selection that names nothing, 3 the database cannot be read).
 */
#ifndef CLI_RUNSEL_H
#define CLI_RUNSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

typedef struct runsel {
	int64_t *ids;
	size_t n, cap;
	bool last, latest, oom;
	const char *scenario;        /* --scenario NAME */
	const char *invocation;      /* --invocation ID|last */
	const char *since;           /* --since WHEN */
	size_t *newer_unfinished;    /* --latest: per id, newer runs left out (owned) */
} runsel;

/* Append id unless it is there already: 0, -1 out of memory. */
int runsel_add(runsel *r, int64_t id);
void runsel_release(runsel *r);
/* How many of --last, --latest, --invocation, --since and run ids were given. */
int runsel_count(const runsel *r);

/* Open the results database for cmd (the one place each command opens it):
 * read-only (never created, migrated or written: db_open_ro) unless
 * writable; NULL with the reason printed. */
db *runsel_open(const char *cmd, const char *path, bool writable);

/*
 * The selection arguments: --last, --latest (latest_ok), --invocation ID,
 * --since WHEN, --format F, --db PATH and run ids.  1 when argv[*i] was one
 * of them (consumed, with its value), 0 when it was not, -1 on a usage
 * error (message printed), -2 out of memory.
 */
int runsel_arg(const char *cmd, int argc, char **argv, int *i, runsel *sel, bool latest_ok,
	       const char **fmt_s, const char **path);

/*
 * Turn the selection into run ids, checked to exist.  allow_scenario_all:
 * --scenario alone means every finished run of it (report).  baseline:
 * --latest takes the newest finished run of each scenario of that
 * baseline (sel->newer_unfinished says how many newer ones were left
 * out).  Returns an exit code: 0, EXIT_USAGE (message printed) or
 * EXIT_HARNESS.
 */
int runsel_resolve(const char *cmd, db *d, const char *path, runsel *r, bool allow_scenario_all,
		   const char *baseline);

#endif /* CLI_RUNSEL_H */
