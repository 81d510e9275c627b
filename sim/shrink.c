/*
 * shrink.c - delta debugging over a scenario's parts (shrink.h).
 *
 * The current scenario is always one that failed the same way.  A
 * candidate is a copy of it with one part made smaller; the copy is made
 * through the YAML writer and the loader (clone), which is a deep copy and
 * a validity check in one.  A candidate that loads and fails the same way
 * becomes the current scenario.  Why complement removal only (no "test
 * the chunk alone" of full ddmin): the steps of a scenario build on each
 * other (a calibration, then handoffs), so a chunk alone rarely fails
 * where the rest without it does; removing chunks finds the same minima
 * in fewer runs here.
 */
#include "sim/shrink.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario_impl.h"
#include "sim/scenario_write.h"

#define SHRINK_ROUNDS 8
#define SHRINK_HALVINGS 40

/* --- signatures ------------------------------------------------------------------ */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void add_name(char (*list)[SIM_METRIC_MAX], size_t *n, const char *s, size_t width)
{
	for (size_t i = 0; i < *n; i++)
		if (strncmp(list[i], s, width - 1) == 0)
			return;
	if (*n < SIM_SHRINK_NAMES)
		snprintf(list[(*n)++], width, "%s", s);
}

static void on_expect(void *user, const sim_expect_record *x)
{
	sim_shrink_sig *s = user;

	if (!x->passed)
		add_name(s->failed, &s->nfailed, x->metric, SIM_METRIC_MAX);
}

static void on_op(void *user, const sim_op_record *r)
{
	sim_shrink_sig *s = user;
	char code[SIM_SHRINK_CODE];
	size_t n;

	if (r->success)
		return;
	if (!s->first_failed_op) {
		s->first_failed_op = r->seq;
		s->first_failed_z_um = r->z_request_um;
	}
	if (!r->error || !*r->error)
		return;
	n = strcspn(r->error, ":");
	snprintf(code, sizeof code, "%.*s", (int)(n < sizeof code ? n : sizeof code - 1), r->error);
	for (size_t i = 0; i < s->ncodes; i++)
		if (strcmp(s->codes[i], code) == 0)
			return;
	if (s->ncodes < SIM_SHRINK_NAMES)
		memcpy(s->codes[s->ncodes++], code, sizeof code);
}

void sim_shrink_run(const sim_scenario *s, uint64_t seed, sim_shrink_sig *sig, sim_run_result *res)
{
	static const sim_results_ops ops = { .expectation = on_expect, .op = on_op };
	sim_run_result local;

	if (!res)
		res = &local;
	memset(sig, 0, sizeof *sig);
	sim_run(s, seed, true, &ops, sig, res);
	sig->verdict = res->verdict;
	sig->handoffs = res->handoffs;
	if (res->verdict == SIM_ERROR)
		snprintf(sig->error_word, sizeof sig->error_word, "%.*s",
			 (int)strcspn(res->message, " :"), res->message);
	qsort(sig->failed, sig->nfailed, sizeof sig->failed[0], cmp_name);
	qsort(sig->codes, sig->ncodes, sizeof sig->codes[0], cmp_name);
}

bool sim_shrink_same(const sim_shrink_sig *a, const sim_shrink_sig *b, bool same_errors)
{
	if (a->verdict != b->verdict || a->nfailed != b->nfailed ||
	    strcmp(a->error_word, b->error_word) != 0)
		return false;
	for (size_t i = 0; i < a->nfailed; i++)
		if (strcmp(a->failed[i], b->failed[i]) != 0)
			return false;
	if (!same_errors)
		return true;
	if (a->ncodes != b->ncodes)
		return false;
	for (size_t i = 0; i < a->ncodes; i++)
		if (strcmp(a->codes[i], b->codes[i]) != 0)
			return false;
	return true;
}

const char *sim_shrink_sig_text(const sim_shrink_sig *s, bool codes, char *buf, size_t n)
{
	size_t k = 0;
	int w;

	if (s->verdict == SIM_PASSED) {
		snprintf(buf, n, "passes");
		return buf;
	}
	w = s->verdict == SIM_ERROR ? snprintf(buf, n, "harness error %s", s->error_word)
				    : snprintf(buf, n, "failed expectations");
	k = w > 0 && (size_t)w < n ? (size_t)w : n - 1;
	for (size_t i = 0; i < s->nfailed && k < n - 1; i++) {
		w = snprintf(buf + k, n - k, "%s%s", i ? ", " : " ", s->failed[i]);
		k += w > 0 && (size_t)w < n - k ? (size_t)w : n - 1 - k;
	}
	if (codes && s->ncodes && k < n - 1) {
		w = snprintf(buf + k, n - k, "; error codes");
		k += w > 0 && (size_t)w < n - k ? (size_t)w : n - 1 - k;
		for (size_t i = 0; i < s->ncodes && k < n - 1; i++) {
			w = snprintf(buf + k, n - k, "%s%s", i ? ", " : " ", s->codes[i]);
			k += w > 0 && (size_t)w < n - k ? (size_t)w : n - 1 - k;
		}
	}
	return buf;
}

/* --- the shrinker ---------------------------------------------------------------- */

typedef struct shrinker {
	const sim_shrink_opts *o;
	sim_scenario cur;        /* the smallest that fails the same way so far */
	sim_shrink_sig cur_sig;  /* how it failed (its first failed op) */
	sim_shrink_sig want;
	char trace_csv[1024];    /* a temperature trace's CSV while shrinking ("" none) */
	uint32_t runs, max_runs;
	FILE *how;               /* the reductions kept (memory stream) */
	char *err;
	size_t errlen;
	bool failed;             /* an error (not a rejected candidate) */
} shrinker;

__attribute__((format(printf, 2, 3)))
static void kept(shrinker *k, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(k->how, "%s\n", line);
	if (k->o->progress)
		k->o->progress(k->o->user, line);
}

/* A deep copy of s through the writer and the loader: 0, -1 when the
 * writer cannot express s (an error) or the loader refuses it (1: not an
 * error, the candidate is just not valid). */
static int clone(shrinker *k, const sim_scenario *s, sim_scenario *out)
{
	char *text = NULL, err[SIM_ERR_MAX];
	size_t len = 0;
	int rc;

	if (sim_scenario_format(s, NULL, k->trace_csv[0] ? k->trace_csv : NULL, &text, &len, err,
				sizeof err) != 0) {
		snprintf(k->err, k->errlen, "%s", err);
		k->failed = true;
		return -1;
	}
	rc = sim_scenario_load_string(s->path, text, len, out, err, sizeof err);
	free(text);
	return rc == 0 ? 0 : 1;
}

static bool budget(const shrinker *k)
{
	return !k->failed && k->runs < k->max_runs;
}

/* Try cand (owned: released here unless it becomes the current one): 1
 * taken, 0 not. */
static int try_cand(shrinker *k, sim_scenario *cand)
{
	sim_scenario tested;
	sim_shrink_sig sig;
	int rc;

	if (!budget(k)) {
		sim_scenario_release(cand);
		return 0;
	}
	rc = clone(k, cand, &tested);
	sim_scenario_release(cand);
	if (rc != 0)
		return 0;
	k->runs++;
	sim_shrink_run(&tested, k->o->seed, &sig, NULL);
	if (!sim_shrink_same(&k->want, &sig, k->o->same_errors)) {
		sim_scenario_release(&tested);
		return 0;
	}
	sim_scenario_release(&k->cur);
	k->cur = tested;
	k->cur_sig = sig;
	return 1;
}

/* A candidate: a copy of the current scenario (0), to be made smaller. */
static int copy_cur(shrinker *k, sim_scenario *cand)
{
	return clone(k, &k->cur, cand) == 0 ? 0 : -1;
}

/* The step that makes operation seq (1-based), and which of its repeats:
 * a calibration or an autofocus is one operation, a handoff repeat ones,
 * a wait none.  -1 when the steps make fewer. */
static long step_of_op(const sim_scenario *s, uint32_t seq, uint32_t *rep)
{
	uint64_t at = 1;

	for (size_t i = 0; i < s->n_steps; i++) {
		const sim_step *st = &s->steps[i];
		uint64_t n = st->kind == SIM_STEP_WAIT ? 0 : st->kind == SIM_STEP_HANDOFF ? st->repeat : 1;

		if (seq < at + n) {
			*rep = (uint32_t)(seq - at);
			return (long)i;
		}
		at += n;
	}
	return -1;
}

/* 1a. The first failed operation, if a handoff of a step of several or of
 * random places, pinned: that step becomes one handoff at its place. */
static bool pin_failure(shrinker *k)
{
	uint32_t rep = 0;
	long i = step_of_op(&k->cur, k->cur_sig.first_failed_op, &rep);
	const sim_step *st;
	sim_scenario c;
	char z[40];

	if (i < 0 || !budget(k))
		return false;
	st = &k->cur.steps[i];
	if (st->kind != SIM_STEP_HANDOFF || (st->repeat == 1 && !st->z_um.uniform))
		return false;
	if (copy_cur(k, &c) != 0)
		return false;
	c.steps[i].repeat = 1;
	c.steps[i].z_um = (sim_value){ .value = k->cur_sig.first_failed_z_um };
	if (!try_cand(k, &c))
		return false;
	snprintf(z, sizeof z, "%.6g", k->cur_sig.first_failed_z_um);
	kept(k, "step %ld (handoff): pinned to its failed repeat %u, one handoff at z_um %s", i + 1,
	     rep + 1, z);
	return true;
}

/* 1. Each handoff's repeat by bisection: the smallest r that still fails
 * when every smaller one tried does not. */
static bool shrink_repeats(shrinker *k)
{
	bool changed = false;

	for (size_t i = 0; i < k->cur.n_steps && budget(k); i++) {
		uint32_t lo = 1, hi, from;

		if (k->cur.steps[i].kind != SIM_STEP_HANDOFF || k->cur.steps[i].repeat <= 1)
			continue;
		hi = from = k->cur.steps[i].repeat;
		while (lo < hi && budget(k)) {
			uint32_t mid = lo + (hi - lo) / 2;
			sim_scenario c;

			if (copy_cur(k, &c) != 0)
				return changed;
			c.steps[i].repeat = mid;
			if (try_cand(k, &c))
				hi = mid;
			else
				lo = mid + 1;
		}
		if (k->cur.steps[i].repeat != from) {
			kept(k, "step %zu (handoff): repeat %u -> %u", i + 1, from, k->cur.steps[i].repeat);
			changed = true;
		}
	}
	return changed;
}

/* Remove items [at, at + n) of an array of count items of size bytes. */
static void cut(void *items, size_t *count, size_t size, size_t at, size_t n)
{
	char *p = items;

	memmove(p + at * size, p + (at + n) * size, (*count - at - n) * size);
	*count -= n;
}

/* 2, 3. Complement removal over the steps (keep >= 1) or the faults. */
static bool shrink_list(shrinker *k, bool steps)
{
	size_t before = steps ? k->cur.n_steps : k->cur.n_faults, parts = 2;
	size_t floor_n = steps ? 1 : 0;

	for (;;) {
		size_t n = steps ? k->cur.n_steps : k->cur.n_faults, chunk;
		bool removed = false;

		if (n <= floor_n || !budget(k))
			break;
		if (parts > n)
			parts = n;
		chunk = (n + parts - 1) / parts;
		for (size_t at = 0; at < n && !removed && budget(k); at += chunk) {
			size_t len = at + chunk > n ? n - at : chunk;
			sim_scenario c;

			if (n - len < floor_n)
				continue;
			if (copy_cur(k, &c) != 0)
				return false;
			if (steps)
				cut(c.steps, &c.n_steps, sizeof *c.steps, at, len);
			else
				cut(c.faults, &c.n_faults, sizeof *c.faults, at, len);
			removed = try_cand(k, &c) == 1;
		}
		if (removed)
			parts = parts > 2 ? parts - 1 : 2;
		else if (parts >= n)
			break;
		else
			parts = 2 * parts > n ? n : 2 * parts;
	}
	if ((steps ? k->cur.n_steps : k->cur.n_faults) == before)
		return false;
	kept(k, "%s: %zu -> %zu", steps ? "steps" : "faults", before,
	     steps ? k->cur.n_steps : k->cur.n_faults);
	return true;
}

/* 4. Waits halved; a handoff's interval_s 0, else halved. */
static bool shrink_times(shrinker *k)
{
	bool changed = false;
	char a[40], b[40];

	for (size_t i = 0; i < k->cur.n_steps && budget(k); i++) {
		sim_step *st = &k->cur.steps[i];
		bool wait = st->kind == SIM_STEP_WAIT;
		double from = wait ? st->wait_s : st->interval_s;
		sim_scenario c;

		if (!wait && (st->kind != SIM_STEP_HANDOFF || st->interval_s == 0.0))
			continue;
		if (!wait) {
			if (copy_cur(k, &c) != 0)
				return changed;
			c.steps[i].interval_s = 0.0;
			try_cand(k, &c);
		}
		for (int h = 0; h < SHRINK_HALVINGS && budget(k); h++) {
			double v = (wait ? k->cur.steps[i].wait_s : k->cur.steps[i].interval_s) / 2.0;

			if (v == 0.0 || copy_cur(k, &c) != 0)
				break;
			if (wait)
				c.steps[i].wait_s = v;
			else
				c.steps[i].interval_s = v;
			if (!try_cand(k, &c))
				break;
		}
		st = &k->cur.steps[i];
		if ((wait ? st->wait_s : st->interval_s) != from) {
			snprintf(a, sizeof a, "%g", from);
			snprintf(b, sizeof b, "%g", wait ? st->wait_s : st->interval_s);
			kept(k, "step %zu (%s): %s %s s -> %s s", i + 1, wait ? "wait" : "handoff",
			     wait ? "s" : "interval_s", a, b);
			changed = true;
		}
	}
	return changed;
}

/* 5. The default room. */
static bool shrink_room(shrinker *k)
{
	mdl_room_profile d;
	sim_scenario c;

	mdl_room_profile_default(&d);
	if (k->cur.room.kind == d.kind && k->cur.room.constant_c == d.constant_c)
		return false;
	if (!budget(k) || copy_cur(k, &c) != 0)
		return false;
	c.room = d;
	if (!try_cand(k, &c))
		return false;
	kept(k, "environment: the default room (constant 22 C)");
	return true;
}

/* The differing values of rig: or engine:, collected. */
typedef struct diffs {
	sim_scn_diff *v;
	size_t n, cap;
	bool oom;
} diffs;

static void diff_add(void *user, const sim_scn_diff *d)
{
	diffs *l = user;

	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 16;
		sim_scn_diff *nv = realloc(l->v, ncap * sizeof *nv);

		if (!nv) {
			l->oom = true;
			return;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *d;
}

/* The part of a key path a group is named by: "rig.stage" of
 * "rig.stage.settle_ms", "engine.search" of "engine.search.lens_b...". */
static size_t group_len(const char *where)
{
	const char *dot = strchr(where, '.');
	const char *second = dot ? strchr(dot + 1, '.') : NULL;

	return second ? (size_t)(second - where) : strlen(where);
}

/* A rig value reset to its default is no longer pinned (models/truth.h):
 * rig.<section>.<key> unpins that key, rig.<section> (a whole stage or
 * switcher) every key of the section. */
static void unpin(mdl_truth_config *t, const char *where)
{
	const char *sec, *key;
	size_t n;

	if (strncmp(where, "rig.", 4) != 0)
		return;
	sec = where + 4;
	key = strchr(sec, '.');
	n = key ? (size_t)(key - sec) : strlen(sec);
	for (size_t i = 0; i < mdl_truth_count(); i++) {
		const mdl_truth_param *p = mdl_truth_param_at(i);

		if (strlen(p->section) == n && strncmp(p->section, sec, n) == 0 &&
		    (!key || strcmp(p->key, key + 1) == 0))
			mdl_truth_unpin(t, (int)i);
	}
}

/* Reset diffs [from, to) of the object at offset base of a copy. */
static int try_reset(shrinker *k, size_t base, const diffs *l, size_t from, size_t to)
{
	sim_scenario c;

	if (!budget(k) || copy_cur(k, &c) != 0)
		return 0;
	for (size_t i = from; i < to; i++) {
		memcpy((char *)&c + base + l->v[i].off, l->v[i].def, l->v[i].size);
		if (base == offsetof(sim_scenario, rig))
			unpin(&c.rig.truth, l->v[i].where);
	}
	return try_cand(k, &c);
}

/* 6, 7. Overrides back to the defaults: a group at once, else value by
 * value. */
static bool shrink_overrides(shrinker *k, bool rig)
{
	const sim_scn_schema *sc = rig ? &sim_scn_rig : &sim_scn_engine;
	size_t base = rig ? offsetof(sim_scenario, rig) : offsetof(sim_scenario, engine);
	mdl_rig drig;
	af_engine_config deng;
	diffs l = { 0 };
	bool changed = false;

	mdl_rig_default(&drig);
	af_engine_config_default(&deng);
	sim_scn_diff_each(sc, (const char *)&k->cur + base, rig ? (const void *)&drig : (const void *)&deng,
			  rig ? "rig" : "engine", diff_add, &l);
	if (l.oom) {
		snprintf(k->err, k->errlen, "out of memory");
		k->failed = true;
	}
	for (size_t g = 0, e; g < l.n && budget(k); g = e) {
		size_t gl = group_len(l.v[g].where);

		for (e = g + 1; e < l.n && group_len(l.v[e].where) == gl &&
				strncmp(l.v[e].where, l.v[g].where, gl) == 0; e++)
			;
		if (try_reset(k, base, &l, g, e)) {
			kept(k, "%.*s: reset to the default", (int)gl, l.v[g].where);
			changed = true;
			continue;
		}
		for (size_t i = g; e - g > 1 && i < e && budget(k); i++)
			if (try_reset(k, base, &l, i, i + 1)) {
				kept(k, "%s: reset to the default", l.v[i].where);
				changed = true;
			}
	}
	free(l.v);
	return changed;
}

/* At the end: the expectations that held go (one run confirms). */
static void drop_held(shrinker *k)
{
	sim_scenario c;
	size_t before = k->cur.n_expects, n = 0;

	if (before == k->want.nfailed || !budget(k) || copy_cur(k, &c) != 0)
		return;
	for (size_t i = 0; i < c.n_expects; i++) {
		bool failed = false;

		for (size_t j = 0; j < k->want.nfailed; j++)
			failed = failed || strcmp(c.expects[i].metric, k->want.failed[j]) == 0;
		if (failed)
			c.expects[n++] = c.expects[i];
	}
	c.n_expects = n;
	if (try_cand(k, &c))
		kept(k, "expectations: %zu -> %zu (the ones that held dropped)", before, n);
}

/* A temperature trace goes to a CSV of its own while candidates are
 * written and read (the loader reads the trace from its file). */
static int trace_setup(shrinker *k, const sim_scenario *s)
{
	const char *dir = k->o->tmpdir ? k->o->tmpdir : getenv("TMPDIR");
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int fd;

	if (s->room.kind != MDL_ROOM_TRACE)
		return 0;
	snprintf(k->trace_csv, sizeof k->trace_csv, "%s/afsim-shrink-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(k->trace_csv)) < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(k->err, k->errlen, "cannot write the temperature trace for shrinking: %s",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		k->trace_csv[0] = '\0';
		return -1;
	}
	if (sim_room_trace_format(s->room_points, s->n_room_points, &text, &len) != 0 ||
	    fwrite(text, 1, len, f) != len) {
		free(text);
		fclose(f);
		snprintf(k->err, k->errlen, "cannot write the temperature trace for shrinking");
		return -1;
	}
	free(text);
	if (fclose(f) != 0) {
		snprintf(k->err, k->errlen, "cannot write the temperature trace for shrinking: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int sim_shrink(const sim_scenario *s, const sim_shrink_opts *o, sim_shrink_result *out,
	       char *err, size_t errlen)
{
	shrinker k = { .o = o, .err = err, .errlen = errlen };
	char *how = NULL;
	size_t hlen = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	k.max_runs = o->max_runs ? o->max_runs : 5000;
	sim_shrink_run(s, o->seed, &k.want, NULL);
	k.runs = 1;
	k.cur_sig = k.want;
	out->sig = k.want;
	out->runs = 1;
	if (k.want.verdict == SIM_PASSED)
		return 1;
	if (!(k.how = open_memstream(&how, &hlen))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (trace_setup(&k, s) != 0)
		goto out;
	if (clone(&k, s, &k.cur) != 0) {
		if (!k.failed)
			snprintf(err, errlen, "the scenario does not load back from its own YAML");
		goto out;
	}
	for (int round = 0; round < SHRINK_ROUNDS && budget(&k); round++) {
		bool changed = false;

		changed |= pin_failure(&k);
		changed |= shrink_repeats(&k);
		changed |= shrink_list(&k, true);
		changed |= shrink_list(&k, false);
		changed |= shrink_times(&k);
		changed |= shrink_room(&k);
		changed |= shrink_overrides(&k, true);
		changed |= shrink_overrides(&k, false);
		if (!changed)
			break;
	}
	drop_held(&k);
	if (k.failed)
		goto out;
	out->runs = k.runs;
	out->budget_spent = k.runs >= k.max_runs;
	rc = 0;
out:
	if (fclose(k.how) != 0 && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (k.trace_csv[0])
		unlink(k.trace_csv);
	if (rc == 0) {
		out->min = k.cur;
		out->how = how;
	} else {
		if (k.cur.steps)
			sim_scenario_release(&k.cur);
		free(how);
	}
	return rc;
}

void sim_shrink_result_release(sim_shrink_result *r)
{
	if (!r)
		return;
	sim_scenario_release(&r->min);
	free(r->how);
	r->how = NULL;
}
