/*
 * swarm.c - `afsim swarm SCENARIO --seeds N`: one scenario over many
 * seeds, each a full run recorded in the database, then what the seeds
 * say together: how many failed, which expectations, the failing seeds,
 * and each metric's distribution over the seeds (docs/scale.md).
 *
 * Seeds are the work list: --from S gives S .. S+N-1, a shard (--shard,
 * or the engines' variables: cli_shard) takes its part of them (seeds
 * dealt round robin, sim/shard.h), -j runs that many at a time in
 * processes of their own (cli/pool.h).  The output is in seed order
 * whatever -j is.  The database is opened (created, checked) before any
 * run: a swarm that cannot be recorded never runs.
 */
#include "cli/swarm.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/help.h"
#include "cli/pool.h"
#include "db/db.h"
#include "db/stats.h"
#include "sim/results_db.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/shard.h"

#ifndef AFSIM_VERSION
#define AFSIM_VERSION "unknown"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_HARNESS = 3 };

/* Expectations of the scenario whose values are kept per seed. */
#define SWARM_EXPECT_MAX 32
/* Failing seeds listed by name, at most (the rest are counted). */
#define SWARM_LIST_MAX 64

/* What one seed leaves: fixed size, handed over a pipe. */
typedef struct seed_out {
	sim_run_result res;
	double wall_s;
	int64_t run_id;
	uint32_t nexp;
	double value[SWARM_EXPECT_MAX];
	bool failed[SWARM_EXPECT_MAX];
	char db_err[512];
} seed_out;

typedef struct swarm {
	const sim_scenario *s;
	uint64_t *seeds;          /* this shard's seeds, ascending */
	size_t n;
	const char *dbp;
	db *d;                    /* -j 1: the one handle; else NULL (each job opens its own) */
	const char *invocation;
	bool verbose, tty;
	seed_out *out;
} swarm;

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_expect(void *user, const sim_expect_record *x)
{
	seed_out *o = ((void **)user)[0];
	const sim_scenario *s = ((void **)user)[1];

	for (size_t i = 0; i < s->n_expects && i < SWARM_EXPECT_MAX; i++)
		if (strcmp(s->expects[i].metric, x->metric) == 0) {
			o->value[i] = x->value;
			o->failed[i] = !x->passed;
			if (o->nexp < i + 1)
				o->nexp = (uint32_t)(i + 1);
		}
}

/* One seed, recorded (a job of the pool). */
static void run_seed(void *user, size_t i, void *result)
{
	static const sim_results_ops collect = { .expectation = on_expect };
	const swarm *w = user;
	seed_out *o = result;
	void *pair[2] = { o, (void *)w->s };
	sim_results_db rec;
	char err[512];
	db *d = w->d, *own = NULL;
	double t0 = wall_now();

	for (size_t k = 0; k < SWARM_EXPECT_MAX; k++)
		o->value[k] = NAN;
	if (!d && !(own = d = db_open_with(w->dbp, DB_OPEN_NO_CHECK, err, sizeof err)))
		snprintf(o->db_err, sizeof o->db_err, "%s", err);
	if (d) {
		sim_results_db_init(&rec, d, AFSIM_VERSION, "sim:default", &collect, pair);
		rec.invocation = w->invocation;
		sim_run(w->s, w->seeds[i], true, &sim_results_db_ops, &rec, &o->res);
		o->run_id = rec.run_id;
		if (sim_results_db_error(&rec))
			snprintf(o->db_err, sizeof o->db_err, "%s", sim_results_db_error(&rec));
	} else {
		sim_run(w->s, w->seeds[i], true, &collect, pair, &o->res);
	}
	db_close(own);
	o->wall_s = wall_now() - t0;
}

static void lost(void *user, size_t i, void *result, int status)
{
	const swarm *w = user;
	seed_out *o = result;

	o->res.verdict = SIM_ERROR;
	o->res.seed = w->seeds[i];
	for (size_t k = 0; k < SWARM_EXPECT_MAX; k++)
		o->value[k] = NAN;
	snprintf(o->res.message, sizeof o->res.message, "the worker process died (status %d)",
		 status);
}

static const char *verdict_word(sim_verdict v)
{
	return v == SIM_PASSED ? "PASS" : v == SIM_FAILED ? "FAIL" : "ERROR";
}

static void print_seed(const swarm *w, const seed_out *o)
{
	const sim_run_result *r = &o->res;

	printf("%-5s seed %-8" PRIu64 " ", verdict_word(r->verdict), r->seed);
	if (r->handoffs)
		printf("handoffs %u/%u  p95 %.1f ms  map max %.3f um  focus max %.3f um  ",
		       r->handoffs_ok, r->handoffs, r->total_p95_ms, r->mapping_error_max_um,
		       r->focus_error_max_um);
	printf("trace %016" PRIx64 "\n", r->trace_hash);
	if (r->verdict == SIM_ERROR)
		printf("  ERROR %s\n", r->message);
	for (uint32_t k = 0; k < o->nexp; k++)
		if (o->failed[k]) {
			const sim_expect *e = &w->s->expects[k];

			if (isnan(o->value[k]))
				printf("  FAIL %s: no data\n", e->metric);
			else
				printf("  FAIL %s = %.4g (%s %.4g)\n", e->metric, o->value[k],
				       e->has_max ? "max" : "min", e->has_max ? e->max : e->min);
		}
}

static void progress(void *user, size_t i, size_t finished)
{
	const swarm *w = user;

	if (w->verbose)
		return;
	if (w->tty)
		fprintf(stderr, "\r\033[K[%zu/%zu] seed %" PRIu64, finished, w->n, w->seeds[i]);
}

/* A metric's distribution over the seeds: one line. */
static void dist_line(const char *name, double *v, size_t n, double *scratch)
{
	db_summary sm;

	if (db_summary_of(v, n, scratch, &sm) != 0 || sm.n == 0) {
		printf("  %-34s %6s  (no data)\n", name, "0");
		return;
	}
	printf("  %-34s %6zu %10.4g %10.4g %10.4g %10.4g %10.4g\n", name, sm.n, sm.min, sm.p50, sm.p95,
	       sm.max, sm.mean);
}

static void summary(const swarm *w, double wall)
{
	const sim_scenario *s = w->s;
	size_t passed = 0, failed = 0, errors = 0, listed = 0, recorded = 0;
	size_t cap = w->n ? w->n : 1;
	double *v = malloc(cap * sizeof *v), *scratch = malloc(cap * sizeof *scratch);
	int64_t lo = 0, hi = 0;

	if (!v || !scratch) {
		fprintf(stderr, "afsim swarm: out of memory for the summary\n");
		free(v);
		free(scratch);
		return;
	}
	for (size_t i = 0; i < w->n; i++) {
		const seed_out *o = &w->out[i];

		passed += o->res.verdict == SIM_PASSED;
		failed += o->res.verdict == SIM_FAILED;
		errors += o->res.verdict == SIM_ERROR;
		if (o->run_id > 0) {
			recorded++;
			lo = lo && lo < o->run_id ? lo : o->run_id;
			hi = hi > o->run_id ? hi : o->run_id;
		}
	}
	printf("\nswarm %s: %zu seed%s, %zu passed, %zu failed, %zu error%s; %.2f s wall\n", s->name,
	       w->n, w->n == 1 ? "" : "s", passed, failed, errors, errors == 1 ? "" : "s", wall);
	if (failed + errors) {
		printf("failing seeds (%zu):", failed + errors);
		for (size_t i = 0; i < w->n; i++)
			if (w->out[i].res.verdict != SIM_PASSED && listed++ < SWARM_LIST_MAX)
				printf(" %" PRIu64, w->seeds[i]);
		if (listed > SWARM_LIST_MAX)
			printf(" ... and %zu more", listed - SWARM_LIST_MAX);
		printf("\n");
	}
	if (s->n_expects) {
		printf("%-36s %-18s %12s  %s\n", "expectation", "bound", "seeds failed", "worst (seed)");
		for (size_t k = 0; k < s->n_expects && k < SWARM_EXPECT_MAX; k++) {
			const sim_expect *e = &s->expects[k];
			size_t nf = 0;
			double worst = NAN;
			uint64_t worst_seed = 0;
			char bound[64];

			for (size_t i = 0; i < w->n; i++) {
				double x = w->out[i].value[k];

				if (!w->out[i].failed[k])
					continue;
				nf++;
				if (!isnan(x) && (isnan(worst) || (e->has_max ? x > worst : x < worst))) {
					worst = x;
					worst_seed = w->seeds[i];
				}
			}
			if (e->has_min && e->has_max)
				snprintf(bound, sizeof bound, "min %g, max %g", e->min, e->max);
			else
				snprintf(bound, sizeof bound, "%s %g", e->has_max ? "max" : "min",
					 e->has_max ? e->max : e->min);
			printf("  %-34s %-18s %12zu", e->metric, bound, nf);
			if (nf && !isnan(worst))
				printf("  %.4g (seed %" PRIu64 ")", worst, worst_seed);
			printf("\n");
		}
	}
	printf("%-36s %6s %10s %10s %10s %10s %10s\n", "over the seeds", "n", "min", "p50", "p95", "max",
	       "mean");
	for (size_t k = 0; k < s->n_expects && k < SWARM_EXPECT_MAX; k++) {
		for (size_t i = 0; i < w->n; i++)
			v[i] = w->out[i].value[k];
		dist_line(s->expects[k].metric, v, w->n, scratch);
	}
	for (int m = 0; m < 4; m++) {
		static const char *const names[] = { "p95 total (ms)", "map max (um)", "focus max (um)",
						     "handoffs succeeded (share)" };

		for (size_t i = 0; i < w->n; i++) {
			const sim_run_result *r = &w->out[i].res;

			v[i] = m == 0 ? r->total_p95_ms : m == 1 ? r->mapping_error_max_um
				: m == 2 ? r->focus_error_max_um
				: r->handoffs ? (double)r->handoffs_ok / r->handoffs : NAN;
			if (r->verdict == SIM_ERROR && !r->handoffs)
				v[i] = NAN;
		}
		dist_line(names[m], v, w->n, scratch);
	}
	if (recorded)
		printf("recorded %zu run%s in %s (ids %" PRId64 "..%" PRId64 ", invocation %s)\n", recorded,
		       recorded == 1 ? "" : "s", w->dbp, lo, hi, w->invocation);
	else
		printf("recorded 0 runs in %s\n", w->dbp);
	free(v);
	free(scratch);
}

/* The options, checked. */
typedef struct opts {
	const char *path, *db, *shard;
	uint64_t seeds, from, jobs, shard_count;
	bool verbose;
} opts;

static int parse(int argc, char **argv, opts *o)
{
	memset(o, 0, sizeof *o);
	o->from = 1;
	o->jobs = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		uint64_t *num = strcmp(a, "--seeds") == 0 ? &o->seeds
			      : strcmp(a, "--from") == 0 ? &o->from
			      : strcmp(a, "-j") == 0 ? &o->jobs
			      : strcmp(a, "--shard-count") == 0 ? &o->shard_count : NULL;

		if (num) {
			if (cli_value("swarm", argc, argv, &i, &v) != 0)
				return -1;
			if (cli_u64(v, num) != 0 || (num == &o->jobs && (*num < 1 || *num > 64)) ||
			    (num == &o->seeds && (*num < 1 || *num > 10000000)) ||
			    (num == &o->shard_count && (*num < 1 || *num > SIM_SHARD_MAX))) {
				fprintf(stderr, "afsim swarm: %s needs %s, not '%s'\n", a,
					num == &o->jobs ? "a number of jobs in 1..64"
					: num == &o->seeds ? "a number of seeds in 1..10000000"
					: num == &o->shard_count ? "a number of shards in 1..100000"
					: "a non-negative integer", v);
				return -1;
			}
		} else if (strcmp(a, "--db") == 0 || strcmp(a, "--shard") == 0) {
			if (cli_value("swarm", argc, argv, &i, a[2] == 'd' ? &o->db : &o->shard) != 0)
				return -1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "afsim swarm: unknown option '%s' (afsim help swarm)\n", a);
			return -1;
		} else if (o->path) {
			fprintf(stderr, "afsim swarm: one SCENARIO, not '%s' and '%s'\n", o->path, a);
			return -1;
		} else {
			o->path = a;
		}
	}
	if (!o->path || !o->seeds) {
		fprintf(stderr, "usage: %s\n", afsim_help_synopsis(afsim_help_find("swarm", NULL, NULL)));
		return -1;
	}
	if (o->from > UINT64_MAX - (o->seeds - 1)) {
		fprintf(stderr, "afsim swarm: seeds %" PRIu64 " .. %" PRIu64 " + %" PRIu64
				" pass the largest seed\n", o->from, o->from, o->seeds - 1);
		return -1;
	}
	return 0;
}

/* This shard's seeds of from .. from + count - 1 into w->seeds. */
static int shard_seeds(const opts *o, const sim_shard *sh, swarm *w)
{
	sim_shard_item *items = NULL;
	uint32_t *of = NULL;
	int rc = -1;

	w->seeds = malloc(o->seeds * sizeof *w->seeds);
	if (!w->seeds)
		return -1;
	if (!sh->count) {
		for (uint64_t i = 0; i < o->seeds; i++)
			w->seeds[w->n++] = o->from + i;
		return 0;
	}
	items = malloc(o->seeds * sizeof *items);
	of = malloc(o->seeds * sizeof *of);
	if (!items || !of)
		goto out;
	for (uint64_t i = 0; i < o->seeds; i++)
		items[i] = (sim_shard_item){ NULL, -1.0 };
	if (sim_shard_split(items, o->seeds, sh->count, of) != 0)
		goto out;
	for (uint64_t i = 0; i < o->seeds; i++)
		if (of[i] == sh->index)
			w->seeds[w->n++] = o->from + i;
	printf("shard %u/%u (%s): %zu of %" PRIu64 " seeds, plan %016" PRIx64 "\n", sh->index + 1,
	       sh->count, sh->source, w->n, o->seeds,
	       sim_shard_plan_hash(items, o->seeds, sh->count, of));
	rc = 0;
out:
	free(items);
	free(of);
	return rc;
}

int afsim_cmd_swarm(int argc, char **argv)
{
	opts o;
	sim_shard sh;
	sim_scenario s;
	swarm w = { 0 };
	char err[SIM_ERR_MAX], inv[80];
	int rc;
	double t0;

	if (parse(argc, argv, &o) != 0)
		return EXIT_USAGE;
	if ((rc = cli_shard("swarm", o.shard, (uint32_t)o.shard_count, &sh)) != 0)
		return rc;
	if (sim_scenario_load(o.path, &s, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	cli_invocation_id(inv, sizeof inv);
	w.s = &s;
	w.dbp = o.db ? o.db : db_default_path();
	w.invocation = inv;
	w.verbose = o.verbose;
	w.tty = isatty(STDERR_FILENO) != 0;
	rc = EXIT_HARNESS;
	if (shard_seeds(&o, &sh, &w) != 0 || !(w.out = calloc(w.n ? w.n : 1, sizeof *w.out))) {
		fprintf(stderr, "afsim swarm: out of memory\n");
		goto out;
	}
	if (!(w.d = db_open(w.dbp, err, sizeof err))) {
		fprintf(stderr, "afsim swarm: %s (--db PATH or $AFSIM_DB chooses another)\n", err);
		goto out;
	}
	if (o.jobs > 1 && !o.verbose) {
		db_close(w.d);   /* checked; each job opens its own */
		w.d = NULL;
	}
	if (s.n_expects > SWARM_EXPECT_MAX)
		fprintf(stderr, "afsim swarm: %s has %zu expectations: the summary shows the first %d\n",
			s.name, s.n_expects, SWARM_EXPECT_MAX);
	printf("swarm %s (%s): seeds %" PRIu64 "..%" PRIu64 ", %zu to run, -j %" PRIu64 "\n", s.name,
	       o.path, o.from, o.from + o.seeds - 1, w.n, o.verbose ? 1 : o.jobs);
	t0 = wall_now();
	{
		cli_pool p = { w.n, o.verbose ? 1 : (int)o.jobs, sizeof *w.out, w.out, run_seed, lost,
			       progress, &w };

		cli_pool_run(&p);
	}
	if (w.tty && !w.verbose)
		fprintf(stderr, "\r\033[K");
	rc = EXIT_OK;
	for (size_t i = 0; i < w.n; i++) {
		const seed_out *so = &w.out[i];

		if (o.verbose || so->res.verdict != SIM_PASSED)
			print_seed(&w, so);
		if (so->res.verdict == SIM_FAILED && rc == EXIT_OK)
			rc = EXIT_FAILED;
		if (so->res.verdict == SIM_ERROR)
			rc = EXIT_HARNESS;
	}
	summary(&w, wall_now() - t0);
	for (size_t i = 0; i < w.n; i++)
		if (w.out[i].db_err[0]) {
			fprintf(stderr, "afsim swarm: seed %" PRIu64 ": the run was not recorded whole in "
					"'%s': %s\n", w.seeds[i], w.dbp, w.out[i].db_err);
			rc = EXIT_HARNESS;
		}
out:
	db_close(w.d);
	free(w.seeds);
	free(w.out);
	sim_scenario_release(&s);
	return rc;
}
