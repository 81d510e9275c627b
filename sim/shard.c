/*
 * shard.c - shards of a suite: parsing `--shard I/N`, reading the shard
 * from the engines' variables, and the split (shard.h).
 *
 * Why longest-processing-time first: the wall time of a sharded suite is
 * that of its slowest shard.  Dealing items out by count puts two slow
 * scenarios in one shard as easily as not; LPT (Graham 1969) gives every
 * item, largest first, to the least loaded shard and stays within 4/3 of
 * the best split - and it is deterministic once ties are broken by name.
 * A heap keeps it O(n log N) for a swarm's thousands of seeds.
 */
#include "sim/shard.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/trace.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Decimal digits only, at most max: 0 and *v, -1 otherwise. */
static int digits(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > max)
			return -1;
	}
	*v = x;
	return 0;
}

int sim_shard_parse(const char *text, sim_shard *out, char *err, size_t errlen)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	uint64_t i = 0, n = 0;

	memset(out, 0, sizeof *out);
	if (!slash || digits(text, (size_t)(slash - text), SIM_SHARD_MAX, &i) != 0 ||
	    digits(slash + 1, strlen(slash + 1), SIM_SHARD_MAX, &n) != 0)
		return fail(err, errlen, "--shard '%s' is not I/N, expected two numbers such as 2/4 "
				    "(shard 2 of 4; N at most %u)", text ? text : "", SIM_SHARD_MAX);
	if (n == 0 || i == 0 || i > n)
		return fail(err, errlen, "--shard '%s' is out of range, expected I/N with 1 <= I <= N",
			    text);
	out->index = (uint32_t)(i - 1);
	out->count = (uint32_t)n;
	snprintf(out->source, sizeof out->source, "--shard");
	return 0;
}

/* --- the environment ---------------------------------------------------------- */

/* One source of a shard found in the environment. */
typedef struct candidate {
	bool set;
	uint32_t index, count;
	char what[SIM_SHARD_SOURCE_MAX];   /* "SLURM_ARRAY_TASK_ID=3 of SLURM_ARRAY_TASK_COUNT=4" */
	char name[40];                     /* the index variable */
} candidate;

/* The number in variable name (-1 unset, 0 read, -2 bad, err set). */
static int env_num(sim_shard_getenv_fn env, void *user, const char *name, uint64_t *v, char *err,
		   size_t errlen)
{
	const char *s = env(user, name);

	if (!s)
		return -1;
	if (digits(s, strlen(s), UINT32_MAX, v) != 0) {
		fail(err, errlen, "%s='%s' is not a non-negative integer", name, s);
		return -2;
	}
	return 0;
}

static int kubernetes(sim_shard_getenv_fn env, void *user, uint32_t count_arg, candidate *c,
		      char *err, size_t errlen)
{
	uint64_t i;
	int r = env_num(env, user, "JOB_COMPLETION_INDEX", &i, err, errlen);

	if (r == -1)
		return 0;
	if (r != 0)
		return -1;
	if (!count_arg)
		return fail(err, errlen, "JOB_COMPLETION_INDEX=%llu is set (a Kubernetes Indexed Job) "
				    "but the number of shards is not, expected --shard-count N (the "
				    "Job's completions)", (unsigned long long)i);
	*c = (candidate){ true, (uint32_t)i, count_arg, "", "JOB_COMPLETION_INDEX" };
	snprintf(c->what, sizeof c->what, "JOB_COMPLETION_INDEX=%llu of --shard-count %u",
		 (unsigned long long)i, count_arg);
	return 0;
}

static int slurm(sim_shard_getenv_fn env, void *user, candidate *c, char *err, size_t errlen)
{
	uint64_t id, n, min = 0, step = 1;
	int ri = env_num(env, user, "SLURM_ARRAY_TASK_ID", &id, err, errlen);
	int rn = env_num(env, user, "SLURM_ARRAY_TASK_COUNT", &n, err, errlen);

	if (ri == -2 || rn == -2)
		return -1;
	if (ri == -1 && rn == -1)
		return 0;
	if (ri == -1 || rn == -1)
		return fail(err, errlen, "%s is set but not %s, expected both (a Slurm job array)",
			    ri == -1 ? "SLURM_ARRAY_TASK_COUNT" : "SLURM_ARRAY_TASK_ID",
			    ri == -1 ? "SLURM_ARRAY_TASK_ID" : "SLURM_ARRAY_TASK_COUNT");
	if (env_num(env, user, "SLURM_ARRAY_TASK_MIN", &min, err, errlen) == -2 ||
	    env_num(env, user, "SLURM_ARRAY_TASK_STEP", &step, err, errlen) == -2)
		return -1;
	if (step == 0 || id < min || (id - min) % step != 0)
		return fail(err, errlen, "SLURM_ARRAY_TASK_ID=%llu is not on the array's grid "
				    "(SLURM_ARRAY_TASK_MIN %llu, step %llu)", (unsigned long long)id,
			    (unsigned long long)min, (unsigned long long)step);
	*c = (candidate){ true, (uint32_t)((id - min) / step), (uint32_t)n, "", "SLURM_ARRAY_TASK_ID" };
	snprintf(c->what, sizeof c->what, "SLURM_ARRAY_TASK_ID=%llu of SLURM_ARRAY_TASK_COUNT=%llu",
		 (unsigned long long)id, (unsigned long long)n);
	return 0;
}

static int bazel(sim_shard_getenv_fn env, void *user, candidate *c, char *status, size_t slen,
		 char *err, size_t errlen)
{
	uint64_t i, n;
	int ri = env_num(env, user, "TEST_SHARD_INDEX", &i, err, errlen);
	int rn = env_num(env, user, "TEST_TOTAL_SHARDS", &n, err, errlen);
	const char *sf = env(user, "TEST_SHARD_STATUS_FILE");

	if (ri == -2 || rn == -2)
		return -1;
	if (sf && *sf)
		snprintf(status, slen, "%s", sf);
	if (ri == -1 && rn == -1)
		return 0;
	if (ri == -1 || rn == -1)
		return fail(err, errlen, "%s is set but not %s, expected both (Bazel test sharding)",
			    ri == -1 ? "TEST_TOTAL_SHARDS" : "TEST_SHARD_INDEX",
			    ri == -1 ? "TEST_SHARD_INDEX" : "TEST_TOTAL_SHARDS");
	*c = (candidate){ true, (uint32_t)i, (uint32_t)n, "", "TEST_SHARD_INDEX" };
	snprintf(c->what, sizeof c->what, "TEST_SHARD_INDEX=%llu of TEST_TOTAL_SHARDS=%llu",
		 (unsigned long long)i, (unsigned long long)n);
	return 0;
}

static int in_range(const candidate *c, char *err, size_t errlen)
{
	if (c->count == 0 || c->count > SIM_SHARD_MAX)
		return fail(err, errlen, "%s: %u shards, expected 1 to %u", c->what, c->count,
			    SIM_SHARD_MAX);
	if (c->index >= c->count)
		return fail(err, errlen, "%s: index %u is out of range, expected 0 to %u (0-based)",
			    c->what, c->index, c->count - 1);
	return 0;
}

int sim_shard_resolve(const char *arg, uint32_t count_arg, sim_shard_getenv_fn env, void *user,
		      sim_shard *out, char *err, size_t errlen)
{
	candidate c[3] = { { 0 } };
	const candidate *first = NULL;
	char status[SIM_SHARD_PATH_MAX] = "";
	size_t nc = 0;

	memset(out, 0, sizeof *out);
	if (count_arg > SIM_SHARD_MAX)
		return fail(err, errlen, "--shard-count %u is out of range, expected 1 to %u", count_arg,
			    SIM_SHARD_MAX);
	if (kubernetes(env, user, count_arg, &c[0], err, errlen) != 0 ||
	    slurm(env, user, &c[1], err, errlen) != 0 ||
	    bazel(env, user, &c[2], status, sizeof status, err, errlen) != 0) {
		if (!arg)
			return -1;
		/* an explicit --shard wins over a broken environment too */
		memset(c, 0, sizeof c);
	}
	for (size_t k = 0; k < 3; k++) {
		if (!c[k].set)
			continue;
		if (!arg && in_range(&c[k], err, errlen) != 0)
			return -1;
		if (first && (c[k].index != first->index || c[k].count != first->count) && !arg)
			return fail(err, errlen, "conflicting shards: %s is shard %u/%u but %s is shard "
					    "%u/%u, expected one shard (or an explicit --shard I/N)",
				    first->what, first->index + 1, first->count, c[k].what,
				    c[k].index + 1, c[k].count);
		if (count_arg && c[k].count != count_arg && !arg)
			return fail(err, errlen, "conflicting shard counts: --shard-count %u but %s",
				    count_arg, c[k].what);
		if (!first)
			first = &c[k];
		nc++;
	}
	if (arg) {
		if (sim_shard_parse(arg, out, err, errlen) != 0)
			return -1;
		if (count_arg && count_arg != out->count)
			return fail(err, errlen, "conflicting shard counts: --shard %s but --shard-count %u",
				    arg, count_arg);
		for (size_t k = 0; k < 3; k++)
			if (c[k].set && (c[k].index != out->index || c[k].count != out->count)) {
				snprintf(out->note, sizeof out->note,
					 "--shard %u/%u wins over %s (shard %u/%u)", out->index + 1,
					 out->count, c[k].what, c[k].index + 1, c[k].count);
				break;
			}
	} else if (first) {
		out->index = first->index;
		out->count = first->count;
		if (nc == 1)
			snprintf(out->source, sizeof out->source, "%s", first->name);
		else
			snprintf(out->source, sizeof out->source, "%s (and %zu more that agree)",
				 first->name, nc - 1);
	} else if (count_arg) {
		return fail(err, errlen, "--shard-count %u without a shard index, expected "
				    "JOB_COMPLETION_INDEX set (Kubernetes) or --shard I/N", count_arg);
	}
	snprintf(out->status_file, sizeof out->status_file, "%s", status);
	return 0;
}

/* --- the split ---------------------------------------------------------------- */

/* An item in LPT order: cost descending, then name, then place. */
typedef struct ranked {
	double cost;
	const char *name;
	size_t place;
} ranked;

static int by_cost(const void *pa, const void *pb)
{
	const ranked *a = pa, *b = pb;
	int c;

	if (a->cost != b->cost)
		return a->cost > b->cost ? -1 : 1;
	if (a->name && b->name && (c = strcmp(a->name, b->name)) != 0)
		return c;
	return (a->place > b->place) - (a->place < b->place);
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

static bool known(double c)
{
	return !isnan(c) && c >= 0.0 && isfinite(c);
}

/* Shard heap: the least loaded on top, ties by the lower shard. */
typedef struct slot {
	double load;
	uint32_t shard;
} slot;

static bool before(const slot *a, const slot *b)
{
	return a->load < b->load || (a->load == b->load && a->shard < b->shard);
}

static void sift_down(slot *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		slot t;

		if (l < n && before(&h[l], &h[m]))
			m = l;
		if (r < n && before(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

int sim_shard_split(const sim_shard_item *items, size_t n, uint32_t count, uint32_t *shard_of)
{
	double *sorted = NULL, fill = 1.0;
	ranked *ord = NULL;
	size_t nk = 0;
	slot *heap = NULL;
	int rc = -1;

	if (count == 0)
		return -1;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof *ord)
		return -1;
	sorted = malloc(n * sizeof *sorted);
	ord = malloc(n * sizeof *ord);
	heap = malloc(count * sizeof *heap);
	if (!sorted || !ord || !heap)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (known(items[i].cost_s))
			sorted[nk++] = items[i].cost_s;
	if (nk) {
		qsort(sorted, nk, sizeof *sorted, cmp_double);
		fill = nk % 2 ? sorted[nk / 2] : (sorted[nk / 2 - 1] + sorted[nk / 2]) / 2.0;
	}
	for (size_t i = 0; i < n; i++)
		ord[i] = (ranked){ known(items[i].cost_s) ? items[i].cost_s : fill, items[i].name, i };
	qsort(ord, n, sizeof *ord, by_cost);
	for (uint32_t k = 0; k < count; k++)
		heap[k] = (slot){ 0.0, k };   /* ascending shards: already a heap */
	for (size_t j = 0; j < n; j++) {
		shard_of[ord[j].place] = heap[0].shard;
		heap[0].load += ord[j].cost;
		sift_down(heap, count, 0);
	}
	rc = 0;
out:
	free(sorted);
	free(ord);
	free(heap);
	return rc;
}

uint64_t sim_shard_plan_hash(const sim_shard_item *items, size_t n, uint32_t count,
			     const uint32_t *shard_of)
{
	uint64_t h = sim_fnv1a64(SIM_FNV64_OFFSET, &count, sizeof count);

	for (size_t i = 0; i < n; i++) {
		uint64_t place = i;

		if (items[i].name)
			h = sim_fnv1a64(h, items[i].name, strlen(items[i].name) + 1);
		else
			h = sim_fnv1a64(h, &place, sizeof place);
		h = sim_fnv1a64(h, &shard_of[i], sizeof shard_of[i]);
	}
	return h;
}

int sim_shard_touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		return -1;
	if (futimens(fd, NULL) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}
