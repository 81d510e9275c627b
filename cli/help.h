/*
 * help.h - the usage texts of every afsim command and subcommand, in one
 * table (cli/help.c), and the central -h/--help: main() answers
 * `afsim CMD ... --help` and `afsim help CMD [SUB]` from here, so a
 * command's own parser never sees -h.  The man page (docs/afsim.1) says
 * the same; tests/cli_help.sh checks the two agree on every option.
 */
#ifndef CLI_HELP_H
#define CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

/*
 * The entry of command cmd, or of its subcommand sub when cmd has one of
 * that name (`baseline set`, `viz timeline`); sub may be NULL.  *used (when
 * not NULL) says whether sub was taken.  NULL for an unknown command.
 */
typedef struct afsim_help afsim_help;
const afsim_help *afsim_help_find(const char *cmd, const char *sub, bool *used);

/* The one-line synopsis of an entry ("afsim run FILE.yaml|DIR ... [...]"). */
const char *afsim_help_synopsis(const afsim_help *h);

/* "usage: <synopsis>\n\n<text>" of an entry onto f. */
void afsim_help_print(const afsim_help *h, FILE *f);

/* The overview: every command's synopsis, then the exit codes. */
void afsim_help_overview(FILE *f);

/* True when argument a asks for help: "-h" or "--help". */
bool afsim_help_asked(const char *a);

#endif /* CLI_HELP_H */
