/*
 * pool.h - jobs run N at a time, each in a process of its own
 * (cli/pool.c): what `afsim swarm` runs its seeds with.
 *
 * A job writes a fixed-size result, which its process hands to the parent
 * over a pipe in one piece; results land at the job's index, whatever
 * order the jobs finish in, so the output never depends on -j.  Processes,
 * not threads: a run is single-threaded by design (docs/design.md §3) and
 * a SQLite connection must not cross fork(), so each job that records
 * opens the database itself (the caller keeps no connection open across
 * cli_pool_run with jobs > 1).
 */
#ifndef CLI_POOL_H
#define CLI_POOL_H

#include <stddef.h>

/* Largest result a child hands over (a pipe's buffer on Linux); a larger
 * one makes every job run in this process. */
#define CLI_POOL_RESULT_MAX 65536

typedef struct cli_pool {
	size_t n;             /* jobs */
	int jobs;             /* at most this many at a time; 1: all in this process */
	size_t result_size;   /* bytes of one result */
	void *results;        /* n results, written at each job's index */
	/* Run job i into result (result_size bytes, zeroed first). */
	void (*run)(void *user, size_t i, void *result);
	/* Job i's process ended without a result (killed, crashed): fill it
	 * (may be NULL: the result stays zeroed). */
	void (*lost)(void *user, size_t i, void *result, int wait_status);
	/* Job i finished, the finished-th to (in the parent; may be NULL). */
	void (*done)(void *user, size_t i, size_t finished);
	void *user;
} cli_pool;

/* Run every job of p; returns when all are done.  A job that cannot get
 * a process (fork fails) runs in this one. */
void cli_pool_run(const cli_pool *p);

#endif /* CLI_POOL_H */
