/*
 * shard.h - which part of a suite one machine runs (docs/scale.md).
 *
 * A suite is split into N shards; shard I of N runs its part, writes its
 * own database, and `afsim db merge` folds the databases together.  afsim
 * brings no scheduler: the shard comes from `--shard I/N` (a CI matrix) or
 * from the variables of the engine the user already runs - Kubernetes
 * Indexed Jobs, Slurm job arrays, Bazel test sharding.
 *
 * Everything here is pure: the environment arrives through a callback,
 * the costs as numbers, and the split is a function of (the sorted work
 * list, its costs, N) alone - never of the machine, the clock or the
 * order files were found in - so that N machines agree on it without
 * talking to each other, the union of the shards is the whole list and no
 * item lands in two shards.
 */
#ifndef SIM_SHARD_H
#define SIM_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most shards a suite may be split into. */
#define SIM_SHARD_MAX 100000u
#define SIM_SHARD_SOURCE_MAX 96
#define SIM_SHARD_PATH_MAX 1024
#define SIM_SHARD_NOTE_MAX 256

/* A shard: index (0-based) of count; count 0 means no sharding (the whole
 * suite). */
typedef struct sim_shard {
	uint32_t index, count;
	/* where it came from: "--shard", "JOB_COMPLETION_INDEX",
	 * "SLURM_ARRAY_TASK_ID", "TEST_SHARD_INDEX" ("" without sharding) */
	char source[SIM_SHARD_SOURCE_MAX];
	/* Bazel's TEST_SHARD_STATUS_FILE: the file to touch, telling Bazel
	 * that this test shards ("" when not asked) */
	char status_file[SIM_SHARD_PATH_MAX];
	/* an explicit --shard that overrode a different shard from the
	 * environment says so here ("" otherwise) */
	char note[SIM_SHARD_NOTE_MAX];
} sim_shard;

/*
 * Parse "I/N" (1-based I, 1 <= I <= N <= SIM_SHARD_MAX; decimal digits
 * only) into *out (index I - 1, count N, source "--shard").  0, or -1 and
 * err says "--shard '2/0': ..., expected I/N with 1 <= I <= N".
 */
int sim_shard_parse(const char *text, sim_shard *out, char *err, size_t errlen);

/* Reads one environment variable: its value or NULL when unset. */
typedef const char *(*sim_shard_getenv_fn)(void *user, const char *name);

/*
 * The shard of this process, from (in this order of precedence):
 *   arg          `--shard I/N` (NULL: not given) - an explicit shard wins
 *                over the environment (out->note says when they differ);
 *   the environment, through env(user, name):
 *     JOB_COMPLETION_INDEX (0-based; Kubernetes Indexed Job) with the
 *       count from count_arg (`--shard-count N`; 0: not given);
 *     SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT (and _MIN, _STEP when
 *       set: index (ID - MIN) / STEP);
 *     TEST_SHARD_INDEX (0-based), TEST_TOTAL_SHARDS (Bazel), and
 *       TEST_SHARD_STATUS_FILE into out->status_file.
 * Several sources must agree on (index, count); count_arg must agree with
 * the count of every source that has one.  No source and no count_arg:
 * 0 with out->count 0 (no sharding).  -1 with err naming the variables
 * and values for: a value that is not a number, an index out of range, a
 * half-set source (TEST_SHARD_INDEX without TEST_TOTAL_SHARDS,
 * JOB_COMPLETION_INDEX without --shard-count), conflicting sources, or
 * count_arg with nothing to give the index.
 */
int sim_shard_resolve(const char *arg, uint32_t count_arg, sim_shard_getenv_fn env, void *user,
		      sim_shard *out, char *err, size_t errlen);

/* One item of a work list: its name (ties are broken by it; NULL: by the
 * item's place in the list) and its expected cost in seconds (negative or
 * NaN: unknown). */
typedef struct sim_shard_item {
	const char *name;
	double cost_s;
} sim_shard_item;

/*
 * Split items[0..n) into count shards: shard_of[i] receives the 0-based
 * shard of item i.  Longest processing time first: items by expected cost,
 * largest first (ties by name, then by place), each to the shard with the
 * least cost so far (ties: the lowest shard).  An unknown cost counts as
 * the median of the known ones (1 s when none is known), so a list
 * without history is split evenly by count.  A pure function of (the
 * names, the costs, count): the same on every machine.  0, or -1 when
 * count is 0 or memory runs out.
 */
int sim_shard_split(const sim_shard_item *items, size_t n, uint32_t count, uint32_t *shard_of);

/* A fingerprint of a split (16 hex digits when printed): FNV-1a over
 * count and every item's name (or place) and shard.  Shards that print
 * the same fingerprint agree on the whole split. */
uint64_t sim_shard_plan_hash(const sim_shard_item *items, size_t n, uint32_t count,
			     const uint32_t *shard_of);

/* Touch path (create it, or update its time): Bazel's sharding
 * handshake.  0, or -1 with errno set. */
int sim_shard_touch(const char *path);

#endif /* SIM_SHARD_H */
