/*
 * run_impl.h - what the parts of `afsim run` share (cli/run.c: loading,
 * running, -j; cli/run_out.c: the report, JUnit, pictures and the checks
 * of the outputs before anything runs).  Private to cli/run*.c.
 */
#ifndef CLI_RUN_IMPL_H
#define CLI_RUN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "cli/run.h"
#include "sim/results.h"
#include "sim/runner.h"
#include "sim/scenario.h"

#define REPORT_MAX 4096
#define DB_MSG_MAX 512

/* What one run leaves for the report: fixed size, so a worker process can
 * hand it over a pipe in one write. */
typedef struct outcome {
	sim_run_result res;
	double wall_s;
	int done;
	size_t report_len;
	char report[REPORT_MAX];   /* failed expectations, one per line */
	char na[1024];             /* expectations not applicable on the rig: "a, b" */
	int64_t run_id;            /* its row in the database, 0 when not recorded */
	char db_err[DB_MSG_MAX];   /* why it was not recorded (whole), "" otherwise */
	char log[4200];            /* --record: the field log written, "" without */
	int64_t log_bytes;         /* its size */
} outcome;

/* The report sink: failed (and not applicable) expectations into the
 * outcome (user). */
void cli_run_on_expect(void *user, const sim_expect_record *x);

/* The verdict line of one scenario, its error and warnings, its failed
 * expectations. */
void cli_run_print_outcome(const sim_scenario *s, const outcome *oc);
/* JUnit XML of the runs: 0, or -1 with a message on stderr. */
int cli_run_write_junit(const char *path, const sim_scenario *sc, const outcome *out, size_t n,
			double wall_s);
/* --png DIR: a timeline per recorded run: 0, or -1 with a message. */
int cli_run_write_timelines(const char *dir, const char *dbp, const sim_scenario *sc,
			    const outcome *out, size_t n);
/* The length of dir without its trailing slashes ("/" stays "/"). */
int cli_run_dir_len(const char *dir);

/* Checks before anything runs: 0, or -1 with a message on stderr. */
int cli_run_check_paths(const run_opts *o);
int cli_run_check_dir(const char *dir, const char *opt);

/* The run ids recorded, as ranges "7..9, 12" (malloc'd; NULL: no memory). */
char *cli_run_id_list(const outcome *out, size_t n);

#endif /* CLI_RUN_IMPL_H */
