/*
 * args.h - what every afsim command needs to read its arguments: strict
 * numbers and the value after an option.  Messages go to stderr as
 * "afsim CMD: ..."; callers exit 2 (usage) when these fail.
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/shard.h"

/* A decimal non-negative integer, digits only, no overflow: 0 or -1. */
int cli_u64(const char *s, uint64_t *out);
/* A run id: a decimal integer >= 1: 0 or -1. */
int cli_run_id(const char *s, int64_t *out);
/* The value of option argv[*i] (the next argument, not empty): *val set,
 * *i advanced, 0; -1 with "afsim CMD: OPTION needs a value" when missing. */
int cli_value(const char *cmd, int argc, char **argv, int *i, const char **val);
/* Whether an output file (what: "JUnit file", "field log", ...) can be
 * written at path, checked before any work: an existing file is opened for
 * writing (not truncated), a new one created and removed again.  0, or -1
 * with "afsim CMD: cannot write WHAT 'PATH': why". */
int cli_output_writable(const char *cmd, const char *what, const char *path);

/*
 * An id for this invocation, recorded with each of its runs so that a CI
 * gate can select exactly the runs one command made: $AFSIM_INVOCATION
 * when set (a pipeline's own id, the same in every shard of it), else 16
 * hex digits from the kernel's random source (the time and pid if that
 * fails).
 */
void cli_invocation_id(char *buf, size_t n);

/*
 * The shard of this process for command cmd (sim/shard.h): from --shard
 * (arg, NULL when not given), --shard-count (count, 0 when not given) and
 * the engines' variables in the environment.  Touches Bazel's
 * TEST_SHARD_STATUS_FILE when it is set, and prints on stderr when an
 * explicit --shard overrides a different shard of the environment.  0, or
 * the exit code with "afsim CMD: ..." printed: 2 (a usage error), 3 (the
 * status file cannot be touched).
 */
int cli_shard(const char *cmd, const char *arg, uint32_t count, sim_shard *out);

#endif /* CLI_ARGS_H */
