/*
 * run.h - the `afsim run` command (cli/run.c).
 */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rig_source;

typedef struct run_opts {
	char **paths;
	int npaths;
	uint64_t seed;
	bool has_seed;
	const char *junit;
	const char *db_path;   /* results database; NULL: db_default_path() */
	const char *png_dir;   /* write a timeline PNG per recorded run there */
	int jobs;
	const char *invocation;   /* this invocation's id (set by afsim_run) */
	bool tty;      /* show progress on stderr */
	bool verbose;  /* print every operation and event (runs one at a time) */
	/* --record: a field log of the run (one scenario), or a folder (an
	 * existing one, or a path ending in '/') of DIR/<scenario>.aflog */
	const char *record;
	bool record_dir;                    /* set by afsim_run: record is a folder */
	/* --record-pixels: which frames' pixels the log keeps: 0 all (the
	 * default), 1 those of failed operations (and the one before), 2 none */
	int record_pixels;
	const char *rig_file;               /* --rig: the rig file (mode hil) */
	const struct sim_rig_source *rig;   /* set by afsim_run: NULL, the simulated rig */
	const char *shard;        /* --shard I/N (NULL: from the environment, if at all) */
	uint32_t shard_count;     /* --shard-count N (0: not given) */
	bool tap;                 /* --tap: TAP 13 on stdout, the report on stderr */
	const char *summary;      /* --summary FILE: a markdown summary appended to FILE */
} run_opts;

/*
 * Run the scenarios of o->paths (only those of its shard, with --shard or
 * the engines' variables: docs/scale.md) and record every run in the
 * database o->db_path (created on first use).  Exit code: 0 all passed, 1
 * an expectation failed, 2 bad input (a scenario, an empty --db, --junit,
 * --png, --record or --summary, --record FILE with several scenarios, a
 * shard that is malformed or conflicts), 3 harness error (a run that
 * errored or was not recorded whole, a field log that could not be
 * written whole; and, before anything runs: a database that cannot be
 * opened for writing, or a JUnit file, summary, picture folder or field
 * log that cannot be written).
 */
int afsim_run(const run_opts *o);

#endif
