/*
 * run.c - `afsim run`: load scenarios (files and folders, recursively),
 * run them (in parallel with -j, each run deterministic in its own
 * process), print per scenario the verdict, key metrics, trace hash and
 * failed expectations, optionally write JUnit XML, and record every run
 * in the results database (db/db.h).
 *
 * Before anything runs: the options are checked (an empty --db, --junit or
 * --png is a usage error, exit 2), every scenario is loaded (one bad file
 * fails the whole command with exit 2), the outputs are checked (a JUnit
 * file or a picture folder that cannot be written: exit 3) and the
 * database is opened for writing (created, checked, migrated, a write
 * transaction taken and released): when it cannot be, exit 3.  So a run
 * that cannot be recorded or reported is never simulated.  Output is in
 * the order of the scenario list whatever -j is.
 *
 * With -j every worker process opens the database itself and writes its
 * own run (SQLite connections must not cross fork(), so the parent closes
 * its handle before the first fork); WAL and BEGIN IMMEDIATE make the
 * writers take turns.
 */
#include "cli/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/run_ci.h"
#include "db/db.h"
#include "sim/results_db.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "viz/view.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

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
	int64_t run_id;            /* its row in the database, 0 when not recorded */
	char db_err[DB_MSG_MAX];   /* why it was not recorded (whole), "" otherwise */
} outcome;

typedef struct list {
	char **v;
	size_t n, cap;
} list;

static int list_add(list *l, const char *s)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 32;
		char **nv = realloc(l->v, ncap * sizeof *nv);

		if (!nv)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return -1;
	l->n++;
	return 0;
}

static void list_free(list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Add path (a file, or a folder searched recursively for *.yaml). */
static int collect(list *l, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	list sub = { 0 };
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s:0:0: error: cannot open scenario: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return list_add(l, path);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s:0:0: error: cannot read folder: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char child[4096];
		struct stat cs;

		if (de->d_name[0] == '.')
			continue;
		{
			size_t pl = strlen(path);

			/* "scenarios/" and "scenarios" name the same children */
			while (pl > 1 && path[pl - 1] == '/')
				pl--;
			snprintf(child, sizeof child, "%.*s/%s", (int)pl, path, de->d_name);
		}
		if (stat(child, &cs) != 0)
			continue;
		if (S_ISDIR(cs.st_mode) || is_yaml(de->d_name))
			if (list_add(&sub, child) != 0)
				rc = -1;
	}
	closedir(d);
	/* sorted: the order of a run never depends on the file system */
	qsort(sub.v, sub.n, sizeof sub.v[0], cmp_str);
	for (size_t i = 0; rc == 0 && i < sub.n; i++)
		rc = collect(l, sub.v[i]);
	list_free(&sub);
	return rc;
}

/* --- the report sink: failed expectations into the outcome ------------- */

static void on_expect(void *user, const sim_expect_record *x)
{
	outcome *o = user;
	int n;

	if (x->passed || o->report_len >= REPORT_MAX - 1)
		return;
	if (isnan(x->value))   /* the run has nothing to measure it on */
		n = snprintf(o->report + o->report_len, REPORT_MAX - o->report_len,
			     "  FAIL %s: no data (%s %.4g)\n", x->metric, x->op, x->bound);
	else
		n = snprintf(o->report + o->report_len, REPORT_MAX - o->report_len,
			     "  FAIL %s = %.4g (%s %.4g)\n", x->metric, x->value, x->op, x->bound);
	if (n > 0)
		o->report_len += (size_t)n < REPORT_MAX - o->report_len ? (size_t)n
									 : REPORT_MAX - 1 - o->report_len;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* -v: every operation and event as it happens (one run at a time). */
static void on_op_verbose(void *user, const sim_op_record *r)
{
	(void)user;
	printf("  op %-4u %-9s t %10.1f ms  %s->%s  z %7.3f  pred %7.3f  found %7.3f  "
	       "map %6.3f  focus %6.3f  %5.1f+%5.1f+%5.1f+%5.1f = %6.1f ms  %2u fr%s%s%s\n",
	       r->seq, r->kind, r->t_ms, r->from_lens ? r->from_lens : "-",
	       r->to_lens ? r->to_lens : "-", r->z_request_um, r->z_predicted_um, r->z_found_um,
	       r->mapping_error_um, r->focus_error_um, r->lens_switch_ms, r->focus_move_ms,
	       r->focus_search_ms, r->validation_ms, r->total_ms, r->frames,
	       r->cache_hit ? "  cache" : "", r->success ? "" : "  ", r->error);
}

static void on_event_verbose(void *user, const sim_event_record *r)
{
	(void)user;
	printf("  event   %-9s t %10.1f ms  %s\n", r->kind, r->t_ms, r->detail);
}

/* Run s, recording it into d, or (d NULL: a worker, or the parent after
 * a failed fork) into a handle of its own on dbp. */
static void run_one(const sim_scenario *s, const run_opts *o, db *d, const char *dbp,
		    outcome *out)
{
	static const sim_results_ops ops = { .expectation = on_expect };
	static const sim_results_ops verbose = { .expectation = on_expect, .op = on_op_verbose,
						 .event = on_event_verbose };
	sim_results_db rec;
	db *own = NULL;
	char err[DB_MSG_MAX];
	double t0 = wall_now();

	memset(out, 0, sizeof *out);
	if (!d) {
		/* the parent checked the file before the first run */
		own = d = db_open_with(dbp, DB_OPEN_NO_CHECK, err, sizeof err);
		if (!d)
			snprintf(out->db_err, sizeof out->db_err, "%s", err);
	}
	if (o->verbose)
		printf("%s (%s)\n", s->name, s->path);
	if (d) {
		sim_results_db_init(&rec, d, AFSIM_VERSION, "sim:default",
				    o->verbose ? &verbose : &ops, out);
		rec.invocation = o->invocation;
		sim_run(s, o->seed, o->has_seed, &sim_results_db_ops, &rec, &out->res);
		out->run_id = rec.run_id;
		if (sim_results_db_error(&rec))
			snprintf(out->db_err, sizeof out->db_err, "%s", sim_results_db_error(&rec));
	} else {
		sim_run(s, o->seed, o->has_seed, o->verbose ? &verbose : &ops, out, &out->res);
	}
	db_close(own);
	out->wall_s = wall_now() - t0;
	out->done = 1;
}

/* --- parallel runs ------------------------------------------------------------ */

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

typedef struct worker {
	pid_t pid;
	int fd;
	size_t index;
} worker;

static void progress(const run_opts *o, size_t done, size_t n, const char *name)
{
	if (o->tty)
		fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, n, name);
}

static bool parallel(const run_opts *o)
{
	return o->jobs > 1 && !o->verbose;
}

/* Run every scenario, up to o->jobs at a time in child processes; d is the
 * database in sequential mode, NULL with -j (each run opens dbp). */
static void run_all(sim_scenario *sc, size_t n, const run_opts *o, db *d, const char *dbp,
		    outcome *out)
{
	worker *w;
	size_t next = 0, running = 0, done = 0;

	if (!parallel(o)) {
		for (size_t i = 0; i < n; i++) {
			progress(o, i, n, sc[i].name);
			run_one(&sc[i], o, d, dbp, &out[i]);
		}
		return;
	}
	w = calloc((size_t)o->jobs, sizeof *w);
	if (!w) {
		for (size_t i = 0; i < n; i++)
			run_one(&sc[i], o, NULL, dbp, &out[i]);
		return;
	}
	fflush(NULL);
	while (done < n) {
		while (running < (size_t)o->jobs && next < n) {
			int fds[2];
			pid_t pid;
			size_t slot = 0;

			while (w[slot].pid)
				slot++;
			if (pipe(fds) != 0 || (pid = fork()) < 0) {
				/* no process to spare: run it here */
				run_one(&sc[next], o, NULL, dbp, &out[next]);
				next++;
				done++;
				continue;
			}
			if (pid == 0) {
				outcome oc;

				close(fds[0]);
				run_one(&sc[next], o, NULL, dbp, &oc);
				_exit(write_all(fds[1], &oc, sizeof oc) == 0 ? 0 : 3);
			}
			close(fds[1]);
			w[slot].pid = pid;
			w[slot].fd = fds[0];
			w[slot].index = next++;
			running++;
		}
		if (!running)
			continue;
		{
			int status;
			pid_t pid = wait(&status);

			for (int k = 0; k < o->jobs; k++) {
				if (w[k].pid != pid || pid <= 0)
					continue;
				if (read_all(w[k].fd, &out[w[k].index], sizeof(outcome)) != 0) {
					memset(&out[w[k].index], 0, sizeof(outcome));
					out[w[k].index].res.verdict = SIM_ERROR;
					snprintf(out[w[k].index].res.message, sizeof out[w[k].index].res.message,
						 "the worker process died (status %d)", status);
				}
				close(w[k].fd);
				w[k].pid = 0;
				running--;
				done++;
				progress(o, done, n, sc[w[k].index].name);
			}
		}
	}
	free(w);
}

/* --- report and JUnit -------------------------------------------------------- */

static const char *verdict_word(sim_verdict v)
{
	return v == SIM_PASSED ? "PASS" : v == SIM_FAILED ? "FAIL" : "ERROR";
}

static void print_outcome(FILE *f, const sim_scenario *s, const outcome *oc)
{
	const sim_run_result *r = &oc->res;

	fprintf(f, "%-5s %-32s seed %-4" PRIu64 " sim  ", verdict_word(r->verdict), s->name, r->seed);
	if (r->handoffs_ok)
		fprintf(f, "handoffs %u/%u  p95 %.1f ms  map max %.3f um  focus max %.3f um  ",
			r->handoffs_ok, r->handoffs, r->total_p95_ms, r->mapping_error_max_um,
			r->focus_error_max_um);
	else if (r->handoffs)
		fprintf(f, "handoffs 0/%u (none succeeded: no timings)  ", r->handoffs);
	fprintf(f, "trace %016" PRIx64 "\n", r->trace_hash);
	if (r->verdict == SIM_ERROR)
		fprintf(f, "  ERROR %s\n", r->message);
	if (r->calibrations_failed == 1)
		fprintf(f, "  WARN %s\n", r->calibration_error);
	else if (r->calibrations_failed)
		fprintf(f, "  WARN %s (and %u more of %u calibrations failed)\n", r->calibration_error,
			r->calibrations_failed - 1, r->calibrations);
	fputs(oc->report, f);
}

/* The outcomes as the rows of the TAP and summary outputs. */
static int ci_outputs(const run_opts *o, const sim_scenario *sc, const outcome *out, size_t n,
		      const char *footer)
{
	run_ci_row *rows = calloc(n ? n : 1, sizeof *rows);
	int rc = 0;

	if (!rows) {
		fprintf(stderr, "afsim run: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const sim_run_result *r = &out[i].res;

		rows[i] = (run_ci_row){ sc[i].name, sc[i].path, r->seed, (int)r->verdict, r->handoffs,
					r->handoffs_ok, r->total_p95_ms, r->mapping_error_max_um,
					r->focus_error_max_um, r->trace_hash, out[i].report, r->message,
					out[i].wall_s, out[i].run_id };
	}
	if (o->tap && run_ci_tap(stdout, rows, n) != 0) {
		fprintf(stderr, "afsim run: cannot write TAP to standard output\n");
		rc = -1;
	}
	if (o->summary && run_ci_summary(o->summary, rows, n, footer) != 0)
		rc = -1;
	free(rows);
	return rc;
}

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static int write_junit(const char *path, const sim_scenario *sc, const outcome *out, size_t n,
		       double wall_s)
{
	FILE *f = fopen(path, "w");
	size_t failures = 0, errors = 0;

	if (!f) {
		fprintf(stderr, "afsim run: cannot write JUnit file '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		failures += out[i].res.verdict == SIM_FAILED;
		errors += out[i].res.verdict == SIM_ERROR;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", n,
		failures, errors, wall_s);
	fprintf(f, "  <testsuite name=\"afsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
		n, failures, errors, wall_s);
	for (size_t i = 0; i < n; i++) {
		const sim_run_result *r = &out[i].res;

		fprintf(f, "    <testcase classname=\"afsim.scenarios\" name=\"");
		xml_escape(f, sc[i].name);
		fprintf(f, "\" file=\"");
		xml_escape(f, sc[i].path);
		fprintf(f, "\" time=\"%.3f\">", out[i].wall_s);
		if (r->verdict == SIM_FAILED) {
			fprintf(f, "\n      <failure message=\"%u of %u expectations failed\" type=\"expectation\">",
				r->failed_expectations, r->expectations);
			xml_escape(f, out[i].report);
			fprintf(f, "</failure>\n    ");
		} else if (r->verdict == SIM_ERROR) {
			fprintf(f, "\n      <error message=\"");
			xml_escape(f, r->message);
			fprintf(f, "\" type=\"harness\"/>\n    ");
		}
		fprintf(f, "<system-out>seed %" PRIu64 " trace %016" PRIx64 "</system-out></testcase>\n",
			r->seed, r->trace_hash);
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "afsim run: cannot write JUnit file '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The length of dir without its trailing slashes ("/" stays "/"), so that
 * a file in it is written "dir/file", never "dir//file". */
static int dir_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n > 4096 ? 4096 : (int)n;
}

/*
 * --png DIR: a timeline picture of every recorded run, DIR/<scenario>.png
 * (for CI artifacts); DIR was made and checked before the runs.  0, or -1
 * with a message on stderr.
 */
static int write_timelines(const char *dir, const char *dbp, const sim_scenario *sc,
			   const outcome *out, size_t n)
{
	char err[256], path[4400];
	viz_ctx *x = NULL;
	db *d = NULL;
	int rc = -1;

	d = db_open_ro(dbp, err, sizeof err);
	if (!d) {
		fprintf(stderr, "afsim run: --png: %s\n", err);
		return -1;
	}
	x = viz_ctx_new(NULL, err, sizeof err);
	if (!x) {
		fprintf(stderr, "afsim run: --png: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		viz_request rq = { VIZ_TIMELINE, { out[i].run_id, 0 }, 1, NULL, NULL, NULL };
		viz_view *v;
		int vr;

		if (out[i].run_id <= 0)
			continue;
		snprintf(path, sizeof path, "%.*s/%s.png", dir_len(dir), dir, sc[i].name);
		v = viz_view_new(db_handle(d), &rq);
		if (!v) {
			fprintf(stderr, "afsim run: --png: out of memory\n");
			goto out;
		}
		vr = viz_render_png(v, x, 1280, 800, path, err, sizeof err);
		viz_view_free(v);
		/* a run with nothing to draw still gets its message picture */
		if (vr != 0 && vr != VIZ_ENODATA) {
			fprintf(stderr, "afsim run: --png: %s: %s\n", path, err);
			goto out;
		}
	}
	rc = 0;
out:
	viz_ctx_free(x);
	db_close(d);
	return rc;
}

/* --- outputs, checked before anything runs ------------------------------------- */

/* Options whose value is a path: an empty one is a usage error (exit 2). */
static int check_paths(const run_opts *o)
{
	static const char *const names[] = { "--db", "--junit", "--png", "--summary", "--shard" };
	const char *v[] = { o->db_path, o->junit, o->png_dir, o->summary, o->shard };

	for (int i = 0; i < 5; i++)
		if (v[i] && !*v[i]) {
			fprintf(stderr, "afsim run: %s needs a path, not an empty string\n", names[i]);
			return -1;
		}
	return 0;
}

/* An output file (what: "JUnit file") can be written: an existing file is
 * opened for writing (not truncated), a new one created and removed again.
 * 0, or -1 with a message. */
static int check_output(const char *path, const char *what)
{
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "afsim run: cannot write %s '%s': it is a folder\n", what, path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0666);
	if (fd >= 0) {
		close(fd);
		unlink(path);
		return 0;
	}
	if (errno == EEXIST && (fd = open(path, O_WRONLY | O_APPEND)) >= 0) {
		close(fd);
		return 0;
	}
	fprintf(stderr, "afsim run: cannot write %s '%s': %s\n", what, path, strerror(errno));
	return -1;
}

/* The picture folder exists (made now if need be) and takes a file.  0, or
 * -1 with a message. */
static int check_png_dir(const char *dir)
{
	char probe[4200];
	struct stat st;
	int fd;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "afsim run: --png: cannot create folder '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "afsim run: --png: '%s' is not a folder\n", dir);
		return -1;
	}
	snprintf(probe, sizeof probe, "%.*s/.afsim-probe-XXXXXX", dir_len(dir), dir);
	fd = mkstemp(probe);
	if (fd < 0) {
		fprintf(stderr, "afsim run: --png: cannot write to folder '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	close(fd);
	unlink(probe);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The run ids this invocation recorded, sorted, consecutive ones as
 * ranges: "7..9, 12, 15..16" (other writers' runs may sit in between).
 * out[0..n) holds them unsorted (0: not recorded); buf is malloc'd. */
static char *id_list(const outcome *out, size_t n)
{
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	char *buf = malloc(n * 48 + 1);
	size_t k = 0, len = 0;

	if (!ids || !buf) {
		free(ids);
		free(buf);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (out[i].run_id > 0)
			ids[k++] = out[i].run_id;
	qsort(ids, k, sizeof *ids, cmp_id);
	buf[0] = '\0';
	for (size_t i = 0; i < k;) {
		size_t j = i;

		while (j + 1 < k && ids[j + 1] == ids[j] + 1)
			j++;
		len += (size_t)sprintf(buf + len, "%s%" PRId64, i ? ", " : "", ids[i]);
		if (j > i)
			len += (size_t)sprintf(buf + len, "..%" PRId64, ids[j]);
		i = j + 1;
	}
	free(ids);
	return buf;
}

int afsim_run(const run_opts *opts)
{
	run_opts local = *opts;
	const run_opts *o = &local;
	char inv[40];
	list files = { 0 };
	sim_scenario *sc = NULL;
	outcome *out = NULL;
	size_t n = 0, loaded = 0, passed = 0, failed = 0, errors = 0, recorded = 0;
	char *ids = NULL;
	const char *dbp = o->db_path ? o->db_path : db_default_path();
	db *d = NULL;
	char dberr[DB_MSG_MAX];
	uint64_t handoffs = 0;
	double virt = 0.0, t0 = wall_now(), wall;
	int rc = 2;
	char err[SIM_ERR_MAX], footer[512] = "";
	bool bad = false;
	sim_shard sh;
	FILE *rep = o->tap ? stderr : stdout;   /* --tap: stdout is TAP's */

	cli_invocation_id(inv, sizeof inv);
	local.invocation = inv;
	if (check_paths(o) != 0)
		goto out;
	if (o->tap && o->verbose) {
		fprintf(stderr, "afsim run: --tap and -v cannot share standard output\n");
		goto out;
	}
	if ((rc = cli_shard("run", o->shard, o->shard_count, &sh)) != 0)
		goto out;
	rc = 2;
	for (int i = 0; i < o->npaths; i++)
		if (collect(&files, o->paths[i]) != 0)
			bad = true;
	if (bad)
		goto out;
	if (files.n == 0) {
		fprintf(stderr, "afsim run: no scenario (*.yaml) found\n");
		goto out;
	}
	n = files.n;
	sc = calloc(n, sizeof *sc);
	out = calloc(n, sizeof *out);
	if (!sc || !out) {
		fprintf(stderr, "afsim run: out of memory\n");
		rc = 3;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (sim_scenario_load(files.v[i], &sc[i], err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			bad = true;
			continue;
		}
		loaded = i + 1;
		for (size_t j = 0; j < i; j++)
			if (loaded > j && sc[j].name[0] && strcmp(sc[j].name, sc[i].name) == 0) {
				fprintf(stderr, "%s:1:1: error: scenario name '%s' is also used by %s\n",
					files.v[i], sc[i].name, files.v[j]);
				bad = true;
			}
	}
	loaded = n;
	if (bad)
		goto out;
	rc = 3;
	if ((o->junit && check_output(o->junit, "JUnit file") != 0) ||
	    (o->summary && check_output(o->summary, "summary") != 0) ||
	    (o->png_dir && check_png_dir(o->png_dir) != 0))
		goto out;
	d = db_open(dbp, dberr, sizeof dberr);
	if (!d) {
		fprintf(stderr, "afsim run: %s (--db PATH or $AFSIM_DB chooses another)\n", dberr);
		goto out;
	}
	if (sh.count) {
		/* the releases of the scenarios left out happen here */
		if (run_ci_shard(sc, &n, &sh, d, inv, rep) != 0)
			goto out;
		loaded = n;
	}
	if (parallel(o)) {
		/* opened to create and check it; the workers open their own */
		db_close(d);
		d = NULL;
	}
	run_all(sc, n, o, d, dbp, out);
	if (o->tty)
		fprintf(stderr, "\r\033[K");
	wall = wall_now() - t0;
	for (size_t i = 0; i < n; i++) {
		print_outcome(rep, &sc[i], &out[i]);
		passed += out[i].res.verdict == SIM_PASSED;
		failed += out[i].res.verdict == SIM_FAILED;
		errors += out[i].res.verdict == SIM_ERROR;
		handoffs += out[i].res.handoffs;
		virt += out[i].res.virtual_s;
		recorded += out[i].run_id > 0;
	}
	fprintf(rep, "\n%zu scenario%s: %zu passed, %zu failed, %zu error%s; %" PRIu64
		" handoff%s; %.1f s simulated in %.2f s wall (%.0fx)\n", n, n == 1 ? "" : "s", passed,
		failed, errors, errors == 1 ? "" : "s", handoffs, handoffs == 1 ? "" : "s", virt, wall,
		wall > 0 ? virt / wall : 0.0);
	ids = recorded ? id_list(out, n) : NULL;
	if (recorded)
		snprintf(footer, sizeof footer, "recorded %zu run%s in %s (id%s %s, invocation %s)",
			 recorded, recorded == 1 ? "" : "s", dbp, recorded == 1 ? "" : "s",
			 ids ? ids : "?", inv);
	else
		snprintf(footer, sizeof footer, "recorded 0 runs in %s", dbp);
	fprintf(rep, "%s\n", footer);
	rc = errors ? 3 : failed ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		if (out[i].db_err[0]) {
			fprintf(stderr, "afsim run: %s: the run was not recorded whole in '%s': %s\n",
				sc[i].name, dbp, out[i].db_err);
			rc = 3;
		}
	if (o->junit && write_junit(o->junit, sc, out, n, wall) != 0 && rc == 0)
		rc = 3;
	if ((o->tap || o->summary) && ci_outputs(o, sc, out, n, footer) != 0 && rc == 0)
		rc = 3;
	if (o->png_dir && recorded && write_timelines(o->png_dir, dbp, sc, out, n) != 0 && rc == 0)
		rc = 3;
	else if (o->png_dir && recorded)
		fprintf(rep, "wrote %zu timeline%s to %.*s/\n", recorded, recorded == 1 ? "" : "s",
			dir_len(o->png_dir), o->png_dir);
out:
	free(ids);
	db_close(d);
	for (size_t i = 0; sc && i < loaded; i++)
		sim_scenario_release(&sc[i]);
	free(sc);
	free(out);
	list_free(&files);
	return rc;
}
