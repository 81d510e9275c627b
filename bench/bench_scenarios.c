/*
 * bench_scenarios.c - the scenario library's CPU time (issue 14's targets).
 *
 * Runs scenarios through sim_run() with no results sink (the simulation
 * and the engine, no database), each run of a case in a child process of
 * its own (fork), as `afsim run` starts afresh, and prints the CPU time
 * (user + system: growing the heap costs page faults) of each case, the
 * median of REPS runs, and how many times faster than real time the
 * simulated time went:
 *
 *   handoff-fast   scenarios/nominal/handoff-fast.yaml (target: >= 3000x
 *                  real time on one core);
 *   library        every *.yaml under scenarios/, in sorted order, one
 *                  after the other (what `afsim run -j 1 scenarios/` runs,
 *                  without its database).
 *
 * Every run starts cold, no view kept from an earlier run; the library's
 * scenarios share the view cache among themselves as they do in one
 * process.
 * "views" counts the camera views made, "reused" those the cache served
 * (models/camera_cache.c).
 * It also prints the xor of the library's trace hashes, so that a run of
 * the benchmark shows at a glance whether the results changed.  Run from
 * the project's root (make bench); AFSIM_BENCH_SCENARIOS names another
 * folder.  Quick mode (bench_quick.h): handoff-fast once, no library.
 * Prints figures; asserts nothing.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_quick.h"
#include "models/camera.h"
#include "sim/runner.h"
#include "sim/scenario.h"

#define REPS bench_size(3, 1)
#define MAX_FILES 512

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

typedef struct file_list {
	char *v[MAX_FILES];
	size_t n;
} file_list;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_yaml(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* path's *.yaml files, folders searched recursively, in sorted order. */
static int collect(file_list *l, const char *path)
{
	struct stat st;
	file_list sub = { .n = 0 };
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		if (l->n == MAX_FILES || !(l->v[l->n] = strdup(path)))
			return -1;
		l->n++;
		return 0;
	}
	if (!(d = opendir(path)))
		return -1;
	while ((de = readdir(d))) {
		char child[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof child, "%s/%s", path, de->d_name);
		if (stat(child, &st) != 0 || !(S_ISDIR(st.st_mode) || is_yaml(de->d_name)))
			continue;
		if (sub.n == MAX_FILES || !(sub.v[sub.n] = strdup(child))) {
			rc = -1;
			break;
		}
		sub.n++;
	}
	closedir(d);
	qsort(sub.v, sub.n, sizeof sub.v[0], cmp_str);
	for (size_t i = 0; i < sub.n; i++) {
		if (rc == 0)
			rc = collect(l, sub.v[i]);
		free(sub.v[i]);
	}
	return rc;
}

typedef struct outcome {
	double cpu_s, virtual_s;
	uint64_t hash_xor;
	size_t runs, errors;
	uint64_t views_made, views_reused;
} outcome;

/* Load and run the files of l, one after the other (in a fresh process:
 * the view cache is empty). */
static int run_here(const file_list *l, outcome *o)
{
	char err[1024];
	mdl_view_cache_stat st;

	for (size_t i = 0; i < l->n; i++) {
		sim_scenario sc;
		sim_run_result res;

		if (sim_scenario_load(l->v[i], &sc, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
		if (sim_run(&sc, 0, false, NULL, NULL, &res) == SIM_ERROR)
			o->errors++;
		o->virtual_s += res.virtual_s;
		o->hash_xor ^= res.trace_hash;
		o->runs++;
		sim_scenario_release(&sc);
	}
	mdl_view_cache_stats(&st);
	o->views_made = st.misses;
	o->views_reused = st.hits;
	return 0;
}

/* run_here() in a child process; its CPU time (user + system) from its
 * resource usage, its figures over a pipe. */
static int run_all(const file_list *l, outcome *o)
{
	struct rusage ru;
	int fds[2], status;
	pid_t pid;

	memset(o, 0, sizeof *o);
	fflush(NULL);
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		outcome c;

		close(fds[0]);
		memset(&c, 0, sizeof c);
		if (run_here(l, &c) != 0 || write(fds[1], &c, sizeof c) != (ssize_t)sizeof c)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], o, sizeof *o) != (ssize_t)sizeof *o) {
		close(fds[0]);
		waitpid(pid, &status, 0);
		return -1;
	}
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	o->cpu_s = tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Run l REPS times; print the median CPU time. */
static int bench_case(const char *name, const file_list *l)
{
	double cpu[8];
	outcome o;
	int reps = REPS;

	for (int r = 0; r < reps; r++) {
		if (run_all(l, &o) != 0)
			return -1;
		cpu[r] = o.cpu_s;
	}
	qsort(cpu, (size_t)reps, sizeof cpu[0], cmp_double);
	printf("%-14s %4zu %8.3f %10.1f %9.0f %6llu %6llu %6zu  %016llx\n", name, o.runs,
	       cpu[reps / 2], o.virtual_s, o.virtual_s / cpu[reps / 2],
	       (unsigned long long)o.views_made, (unsigned long long)o.views_reused, o.errors,
	       (unsigned long long)o.hash_xor);
	return 0;
}

int main(void)
{
	const char *dir = getenv("AFSIM_BENCH_SCENARIOS");
	char fast[4096];
	file_list one = { .n = 0 }, lib = { .n = 0 };
	int failed = 0;

	if (!dir || !*dir)
		dir = "scenarios";
	snprintf(fast, sizeof fast, "%s/nominal/handoff-fast.yaml", dir);
	printf("scenario library: CPU s (user + system) per run in a process of its own, "
	       "median of %d, no database\n", REPS);
	printf("%-14s %4s %8s %10s %9s %6s %6s %6s  %-16s\n", "case", "runs", "cpu s",
	       "virtual s", "x real", "views", "reused", "errors", "trace hash xor");
	if (collect(&one, fast) != 0 || bench_case("handoff-fast", &one) != 0) {
		printf("handoff-fast   failed (%s)\n", fast);
		failed = 1;
	}
	if (bench_size(1, 0)) {
		if (collect(&lib, dir) != 0 || bench_case("library -j 1", &lib) != 0) {
			printf("library        failed (%s)\n", dir);
			failed = 1;
		}
	}
	for (size_t i = 0; i < one.n; i++)
		free(one.v[i]);
	for (size_t i = 0; i < lib.n; i++)
		free(lib.v[i]);
	return failed;
}
