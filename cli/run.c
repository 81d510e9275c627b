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
 *
 * What is written (the lines, JUnit, pictures) and the checks of those
 * outputs are in cli/run_out.c.
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
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/pool.h"
#include "cli/run_ci.h"
#include "cli/run_impl.h"
#include "db/db.h"
#include "engine/af_rec.h"
#include "field/fld_sim.h"
#include "hil/rig_source.h"
#include "sim/results_db.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

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

/* --record: the field log of scenario s. */
static void log_path(const run_opts *o, const sim_scenario *s, char *buf, size_t n)
{
	if (o->record_dir)
		snprintf(buf, n, "%.*s/%s.aflog", cli_run_dir_len(o->record), o->record, s->name);
	else
		snprintf(buf, n, "%s", o->record);
}

/* The field log: opened into *f with the sink and options that write it,
 * set in ro; false (and the reason in the result) when it cannot be. */
static bool log_open(const run_opts *o, const sim_scenario *s, outcome *out, FILE **f,
		     af_rec_sink *sink, af_rec_options *opts, sim_run_opts *ro)
{
	log_path(o, s, out->log, sizeof out->log);
	*f = fopen(out->log, "wb");
	if (!*f) {
		snprintf(out->res.record_error, sizeof out->res.record_error, "cannot write it: %s",
			 strerror(errno));
		return false;
	}
	af_rec_options_default(opts);
	opts->build_id = AFSIM_VERSION;   /* rig_id: the runner's rig name */
	if (o->record_pixels == 1) {
		/* the ring's frames are written when an operation fails */
		opts->keep_last_n_ops = 2;
	} else if (o->record_pixels == 2) {
		opts->keep_last_n_ops = 1;
		opts->ring_bytes = 0;
	}
	sink->write = fld_file_sink_write;
	sink->user = *f;
	ro->record = sink;
	ro->record_opts = opts;
	return true;
}

/* Close the field log; its size into the outcome. */
static void log_close(FILE *f, outcome *out)
{
	struct stat st;
	char why[128];
	bool failed = fflush(f) != 0 || ferror(f);

	snprintf(why, sizeof why, "%s", strerror(errno));
	if (fclose(f) != 0)
		failed = true;
	if (failed && !out->res.record_error[0])
		snprintf(out->res.record_error, sizeof out->res.record_error, "cannot write it: %s", why);
	out->log_bytes = stat(out->log, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Run s, recording it into d, or (d NULL: a worker, or the parent after
 * a failed fork) into a handle of its own on dbp. */
static void run_one(const sim_scenario *s, const run_opts *o, db *d, const char *dbp,
		    outcome *out)
{
	static const sim_results_ops ops = { .expectation = cli_run_on_expect };
	static const sim_results_ops verbose = { .expectation = cli_run_on_expect, .op = on_op_verbose,
						 .event = on_event_verbose };
	sim_results_db rec;
	sim_run_opts ro;
	af_rec_sink sink;
	af_rec_options rec_opts;
	FILE *logf = NULL;
	char record_error[SIM_ERR_MAX] = "";
	db *own = NULL;
	char err[DB_MSG_MAX];
	double t0 = wall_now();

	memset(out, 0, sizeof *out);
	sim_run_opts_default(&ro);
	ro.seed = o->seed;
	ro.use_seed = o->has_seed;
	ro.rig = o->rig;
	if (o->record && !log_open(o, s, out, &logf, &sink, &rec_opts, &ro))
		snprintf(record_error, sizeof record_error, "%s", out->res.record_error);
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
		sim_run_with(s, &ro, &sim_results_db_ops, &rec, &out->res);
		out->run_id = rec.run_id;
		if (sim_results_db_error(&rec))
			snprintf(out->db_err, sizeof out->db_err, "%s", sim_results_db_error(&rec));
	} else {
		sim_run_with(s, &ro, o->verbose ? &verbose : &ops, out, &out->res);
	}
	if (record_error[0])   /* the log could not even be opened */
		snprintf(out->res.record_error, sizeof out->res.record_error, "%s", record_error);
	if (logf)
		log_close(logf, out);
	db_close(own);
	out->wall_s = wall_now() - t0;
	out->done = 1;
}

/* --- parallel runs ------------------------------------------------------------ */

static void progress(const run_opts *o, size_t done, size_t n, const char *name)
{
	if (o->tty)
		fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, n, name);
}

static bool parallel(const run_opts *o)
{
	return o->jobs > 1 && !o->verbose;
}

/* The runs as jobs of a pool (cli/pool.h). */
typedef struct run_ctx {
	sim_scenario *sc;
	size_t n;
	const run_opts *o;
	db *d;                   /* -j 1: the one handle; else NULL (each run opens its own) */
	const char *dbp;
} run_ctx;

static void job_run(void *user, size_t i, void *result)
{
	const run_ctx *c = user;

	run_one(&c->sc[i], c->o, c->d, c->dbp, result);
}

static void job_lost(void *user, size_t i, void *result, int status)
{
	outcome *oc = result;

	(void)user;
	(void)i;
	oc->res.verdict = SIM_ERROR;
	snprintf(oc->res.message, sizeof oc->res.message, "the worker process died (status %d)",
		 status);
}

static void job_done(void *user, size_t i, size_t finished)
{
	const run_ctx *c = user;

	progress(c->o, finished, c->n, c->sc[i].name);
}

/* Run every scenario, up to o->jobs at a time in child processes; d is the
 * database in sequential mode, NULL with -j (each run opens dbp). */
static void run_all(sim_scenario *sc, size_t n, const run_opts *o, db *d, const char *dbp,
		    outcome *out)
{
	run_ctx c = { sc, n, o, parallel(o) ? NULL : d, dbp };
	cli_pool p = { n, parallel(o) ? o->jobs : 1, sizeof *out, out, job_run, job_lost, job_done,
		       &c };

	cli_pool_run(&p);
}

/*
 * --rig: the rig file loaded into *hs and o->rig set to its source.  A rig
 * is one physical thing: -j above 1 is refused.  0, or 2 with a message
 * (usage, a bad rig file).
 */
static int use_rig(run_opts *o, hil_rig_source *hs)
{
	hil_rig_file rf;
	char err[1024];

	if (o->jobs > 1) {
		fprintf(stderr,
			"afsim run: --rig drives one physical rig, which takes one run at a time: "
			"-j %d is refused (leave -j out)\n", o->jobs);
		return 2;
	}
	if (hil_rig_file_load(o->rig_file, &rf, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	hil_rig_source_init(hs, &rf);
	o->rig = &hs->src;
	return 0;
}

/* --record: a folder (an existing one, or a path ending in '/') of one log
 * per scenario, or one scenario's log.  0; 2 (a file for several
 * scenarios: usage); 3 (it cannot be written), with a message. */
static int check_record(run_opts *o, size_t n)
{
	struct stat st;
	size_t len = strlen(o->record);

	o->record_dir = (stat(o->record, &st) == 0 && S_ISDIR(st.st_mode)) || o->record[len - 1] == '/';
	if (o->record_dir)
		return cli_run_check_dir(o->record, "--record") == 0 ? 0 : 3;
	if (n > 1) {
		fprintf(stderr,
			"afsim run: --record %s names one field log, but %zu scenarios run: give a "
			"folder (--record DIR/) to write DIR/<scenario>.aflog for each\n", o->record, n);
		return 2;
	}
	return cli_output_writable("run", "field log", o->record) == 0 ? 0 : 3;
}

/* What --record wrote: a line on stdout; a log not written whole on
 * stderr.  0, or 3 when a log is incomplete. */
static int report_logs(const run_opts *o, const sim_scenario *sc, const outcome *out, size_t n)
{
	size_t written = 0;
	int64_t bytes = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (!out[i].log[0])
			continue;
		if (out[i].res.record_error[0]) {
			fprintf(stderr, "afsim run: %s: the field log '%s' was not written whole: %s\n",
				sc[i].name, out[i].log, out[i].res.record_error);
			rc = 3;
			continue;
		}
		written++;
		bytes += out[i].log_bytes;
	}
	if (written && o->record_dir)
		printf("wrote %zu field log%s to %.*s/ (%" PRId64 " bytes)\n", written,
		       written == 1 ? "" : "s", cli_run_dir_len(o->record), o->record, bytes);
	else if (written)
		printf("wrote field log %s (%" PRId64 " bytes)\n", o->record, bytes);
	return rc;
}

/* The outcomes as the rows of the TAP and summary outputs (cli/run_ci.h);
 * TAP to tap (the real standard output). */
static int ci_outputs(const run_opts *o, const sim_scenario *sc, const outcome *out, size_t n,
		      FILE *tap, const char *footer)
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
	if (tap && run_ci_tap(tap, rows, n) != 0) {
		fprintf(stderr, "afsim run: cannot write TAP to standard output\n");
		rc = -1;
	}
	if (o->summary && run_ci_summary(o->summary, rows, n, footer) != 0)
		rc = -1;
	free(rows);
	return rc;
}

/*
 * --tap: standard output is TAP's alone.  Everything afsim run prints
 * goes to standard error meanwhile (the descriptor is redirected, so no
 * line of any part is missed); the TAP is written at the end to the real
 * standard output, kept here.  -1 when there is no --tap (or the
 * descriptors cannot be juggled: then TAP shares standard output).
 */
static int tap_begin(void)
{
	int keep;

	fflush(stdout);
	if ((keep = dup(STDOUT_FILENO)) < 0)
		return -1;
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		close(keep);
		return -1;
	}
	return keep;
}

/* Standard output back from tap_begin; the stream TAP is written to. */
static FILE *tap_end(int keep)
{
	fflush(stdout);
	if (keep >= 0) {
		dup2(keep, STDOUT_FILENO);
		close(keep);
	}
	return stdout;
}

int afsim_run(const run_opts *opts)
{
	static hil_rig_source rig;   /* --rig: the rig's source, for the whole invocation */
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
	int tap_fd = o->tap ? tap_begin() : -1;

	cli_invocation_id(inv, sizeof inv);
	local.invocation = inv;
	if (cli_run_check_paths(o) != 0)
		goto out;
	if ((rc = cli_shard("run", o->shard, o->shard_count, &sh)) != 0)
		goto out;
	rc = 2;
	if (o->rig_file && use_rig(&local, &rig) != 0)
		goto out;
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
	if (o->record && (rc = check_record(&local, n)) != 0)
		goto out;
	rc = 3;
	if ((o->junit && cli_output_writable("run", "JUnit file", o->junit) != 0) ||
	    (o->summary && cli_output_writable("run", "summary", o->summary) != 0) ||
	    (o->png_dir && cli_run_check_dir(o->png_dir, "--png") != 0))
		goto out;
	d = db_open(dbp, dberr, sizeof dberr);
	if (!d) {
		fprintf(stderr, "afsim run: %s (--db PATH or $AFSIM_DB chooses another)\n", dberr);
		goto out;
	}
	if (sh.count) {
		/* the scenarios left out are released here */
		if (run_ci_shard(sc, &n, &sh, d, inv, stdout) != 0)
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
		cli_run_print_outcome(&sc[i], &out[i]);
		passed += out[i].res.verdict == SIM_PASSED;
		failed += out[i].res.verdict == SIM_FAILED;
		errors += out[i].res.verdict == SIM_ERROR;
		handoffs += out[i].res.handoffs;
		if (!isnan(out[i].res.virtual_s))   /* NaN: a run on a physical rig */
			virt += out[i].res.virtual_s;
		recorded += out[i].run_id > 0;
	}
	printf("\n%zu scenario%s: %zu passed, %zu failed, %zu error%s; %" PRIu64 " handoff%s; ", n,
	       n == 1 ? "" : "s", passed, failed, errors, errors == 1 ? "" : "s", handoffs,
	       handoffs == 1 ? "" : "s");
	if (o->rig)   /* real time on a rig: nothing simulated */
		printf("%.2f s wall on the rig '%s'\n", wall, o->rig->name);
	else
		printf("%.1f s simulated in %.2f s wall (%.0fx)\n", virt, wall,
		       wall > 0 ? virt / wall : 0.0);
	ids = recorded ? cli_run_id_list(out, n) : NULL;
	if (recorded)
		snprintf(footer, sizeof footer, "recorded %zu run%s in %s (id%s %s, invocation %s)",
			 recorded, recorded == 1 ? "" : "s", dbp, recorded == 1 ? "" : "s",
			 ids ? ids : "?", inv);
	else
		snprintf(footer, sizeof footer, "recorded 0 runs in %s", dbp);
	printf("%s\n", footer);
	rc = errors ? 3 : failed ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		if (out[i].db_err[0]) {
			fprintf(stderr, "afsim run: %s: the run was not recorded whole in '%s': %s\n",
				sc[i].name, dbp, out[i].db_err);
			rc = 3;
		}
	if (o->junit && cli_run_write_junit(o->junit, sc, out, n, wall) != 0 && rc == 0)
		rc = 3;
	if (o->png_dir && recorded && cli_run_write_timelines(o->png_dir, dbp, sc, out, n) != 0 && rc == 0)
		rc = 3;
	else if (o->png_dir && recorded)
		printf("wrote %zu timeline%s to %.*s/\n", recorded, recorded == 1 ? "" : "s",
		       cli_run_dir_len(o->png_dir), o->png_dir);
	if (o->record && report_logs(o, sc, out, n) != 0)
		rc = 3;
	if ((o->tap || o->summary) &&
	    ci_outputs(o, sc, out, n, o->tap ? tap_end(tap_fd) : NULL, footer) != 0 && rc == 0)
		rc = 3;
	tap_fd = -1;
out:
	if (o->tap && tap_fd >= 0)
		tap_end(tap_fd);   /* stopped early: standard output back, no TAP */
	free(ids);
	db_close(d);
	for (size_t i = 0; sc && i < loaded; i++)
		sim_scenario_release(&sc[i]);
	free(sc);
	free(out);
	list_free(&files);
	return rc;
}

