/*
 * args.h - what every afsim command needs to read its arguments: strict
 * numbers and the value after an option.  Messages go to stderr as
 * "afsim CMD: ..."; callers exit 2 (usage) when these fail.
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stdint.h>

/* A decimal non-negative integer, digits only, no overflow: 0 or -1. */
int cli_u64(const char *s, uint64_t *out);
/* A run id: a decimal integer >= 1: 0 or -1. */
int cli_run_id(const char *s, int64_t *out);
/* The value of option argv[*i] (the next argument, not empty): *val set,
 * *i advanced, 0; -1 with "afsim CMD: OPTION needs a value" when missing. */
int cli_value(const char *cmd, int argc, char **argv, int *i, const char **val);
/* Whether an output file (a JUnit report) can be written at path, checked
 * before any work: an existing file is opened for writing (not truncated),
 * a new one created and removed again.  0, or -1 with "afsim CMD: cannot
 * write JUnit file 'PATH': why". */
int cli_output_writable(const char *cmd, const char *path);

#endif /* CLI_ARGS_H */
