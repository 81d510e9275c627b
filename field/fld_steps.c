/*
 * fld_steps.c - a field log read as a scenario's steps (fld_steps.h).
 *
 * One pass over the operations: setup moves (goto, and on a rig the
 * autofocus of lens B) wait in a pending list until the handoff they
 * prepare; a setup operation that fails closes the handoff there, as the
 * runner does.  Ticks belong to no step: the runner ticks on its own.
 */
#include "fld_steps.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec_wire.h"

/* --- sentences ---------------------------------------------------------------- */

void fld_text_add(fld_text *t, const char *fmt, ...)
{
	va_list ap;
	char buf[512], *s;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **v = realloc(t->v, cap * sizeof *v);

		if (!v) {
			t->oom = true;
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	if (!(s = strdup(buf))) {
		t->oom = true;
		return;
	}
	t->v[t->n++] = s;
}

void fld_text_release(fld_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* --- times ----------------------------------------------------------------------- */

static int64_t call_t0(const fld_call *c)
{
	if (c->stamped)
		return c->t0_us;
	return c->op == AF_LOG_CALL_NOW_US && c->rc == AF_OK ? c->out_t_us : FLD_NO_TIME;
}

static int64_t call_t1(const fld_call *c)
{
	if (c->stamped)
		return c->t1_us;
	return c->op == AF_LOG_CALL_NOW_US && c->rc == AF_OK ? c->out_t_us : FLD_NO_TIME;
}

int64_t fld_op_t0(const fld_log *l, const fld_op *o)
{
	for (size_t i = 0; i < o->ncalls; i++) {
		int64_t t = call_t0(&l->calls[o->first_call + i]);

		if (t != FLD_NO_TIME)
			return t;
	}
	return FLD_NO_TIME;
}

int64_t fld_op_t1(const fld_log *l, const fld_op *o)
{
	for (size_t i = o->ncalls; i > 0; i--) {
		int64_t t = call_t1(&l->calls[o->first_call + i - 1]);

		if (t != FLD_NO_TIME)
			return t;
	}
	return FLD_NO_TIME;
}

const char *fld_op_message(const fld_op *o)
{
	if (!o->ended)
		return "the log ends inside it";
	switch (o->kind) {
	case AF_LOG_OP_HANDOFF:
		return o->res.handoff.message;
	case AF_LOG_OP_AUTOFOCUS:
		return o->res.focus.message;
	case AF_LOG_OP_CALIBRATE:
		return o->res.calib.message;
	default:
		return o->res.message;
	}
}

const char *fld_step_kind_name(fld_step_kind k)
{
	switch (k) {
	case FLD_STEP_CALIBRATE:
		return "calibrate";
	case FLD_STEP_HANDOFF:
		return "handoff";
	case FLD_STEP_AUTOFOCUS:
		return "autofocus";
	case FLD_STEP_WAIT:
		return "wait";
	}
	return "?";
}

/* --- the walk -------------------------------------------------------------------- */

typedef struct walk {
	const fld_log *l;
	fld_steps *s;
	size_t cap;
	double wait_min_s;
	int64_t prev_end;          /* where the last step (or the engine's creation) ended */
	bool oom;
} walk;

/* How operation o ended: 0, or its code (an operation cut by the end of
 * the log counts as failed with EIO). */
static int op_rc(const fld_op *o)
{
	return o->ended ? o->rc : AF_EIO;
}

static fld_step *push(walk *w, const fld_step *st)
{
	fld_steps *s = w->s;

	if (s->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		fld_step *v = realloc(s->v, cap * sizeof *v);

		if (!v) {
			w->oom = true;
			return NULL;
		}
		s->v = v;
		w->cap = cap;
	}
	s->v[s->n] = *st;
	return &s->v[s->n++];
}

/* Add the step made of ops [first, first + n): a wait first when the gap
 * before it is long enough. */
static void add_step(walk *w, fld_step *st, size_t first, size_t n)
{
	const fld_log *l = w->l;
	int64_t t0 = FLD_NO_TIME, t1 = FLD_NO_TIME;

	for (size_t i = first; i < first + n; i++) {
		int64_t a = fld_op_t0(l, &l->ops[i]), b = fld_op_t1(l, &l->ops[i]);

		if (t0 == FLD_NO_TIME)
			t0 = a;
		if (b != FLD_NO_TIME)
			t1 = b;
	}
	st->first_op = first;
	st->nops = n;
	st->t0_us = t0 == FLD_NO_TIME ? FLD_NO_TIME : t0 - w->s->start_us;
	st->t1_us = t1 == FLD_NO_TIME ? FLD_NO_TIME : t1 - w->s->start_us;
	if (t0 != FLD_NO_TIME && w->prev_end != FLD_NO_TIME &&
	    (double)(t0 - w->prev_end) / 1e6 >= w->wait_min_s) {
		fld_step wt;

		memset(&wt, 0, sizeof wt);
		wt.kind = FLD_STEP_WAIT;
		wt.main_op = FLD_NO_MAIN;
		wt.src_um = NAN;
		wt.wait_s = (double)(t0 - w->prev_end) / 1e6;
		wt.first_op = first;
		wt.t0_us = w->prev_end - w->s->start_us;
		wt.t1_us = t0 - w->s->start_us;
		push(w, &wt);
	}
	if (t1 != FLD_NO_TIME)
		w->prev_end = t1;
	st->seq = ++w->s->ops;
	if (st->rc != AF_OK)
		w->s->failed++;
	push(w, st);
}

static void step_init(fld_step *st, fld_step_kind kind)
{
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->main_op = FLD_NO_MAIN;
	st->fail_op = FLD_NO_MAIN;
	st->src_um = NAN;
	st->z_um = NAN;
}

/* A place the loader takes: [-1000, 1000] um. */
static void check_place(walk *w, const fld_step *st, const char *what, double z)
{
	if (!(z >= -1000.0 && z <= 1000.0))
		fld_text_add(&w->s->missing,
			     "operation %u (log op %zu) %s %.6g um is outside the [-1000, 1000] um a "
			     "scenario takes", st->seq ? st->seq : w->s->ops + 1, st->first_op, what, z);
}

/*
 * The handoff prepared by the setup ops pending[0 .. np) and done by op
 * `main` (FLD_NO_MAIN: the last setup op failed and it never started).
 */
static void add_handoff(walk *w, const size_t *pending, size_t np, size_t main)
{
	const fld_log *l = w->l;
	const fld_op *m = main != FLD_NO_MAIN ? &l->ops[main] : NULL;
	const fld_op *first = np ? &l->ops[pending[0]] : m;
	double off = l->config.nominal_offset_um;
	fld_step st;

	step_init(&st, FLD_STEP_HANDOFF);
	st.main_op = main;
	if (m) {
		st.from = (af_lens)m->lens;
		st.to = (af_lens)m->to;
		st.src_um = m->z_um;
		st.rc = op_rc(m);
		st.fail_op = st.rc ? main : FLD_NO_MAIN;
	} else {
		/* the setup failed: its lens is the handoff's `from` */
		st.from = (af_lens)first->lens;
		st.to = st.from == AF_LENS_A ? AF_LENS_B : AF_LENS_A;
		st.fail_op = pending[np - 1];
		st.rc = op_rc(&l->ops[st.fail_op]);
	}
	if (st.from == AF_LENS_A)
		st.z_um = m ? st.src_um : first->z_um;
	else
		st.z_um = (np && first->kind == AF_LOG_OP_GOTO ? first->z_um : st.src_um) - off;
	if (m && np == 0)
		fld_text_add(&w->s->notes,
			     "operation %u (log op %zu) handoff %s->%s has no setup move in the log: the "
			     "scenario's runner puts lens %s on the source first", w->s->ops + 1, main,
			     af_lens_name(st.from), af_lens_name(st.to), af_lens_name(st.from));
	else if (m && st.from == AF_LENS_A && first->kind == AF_LOG_OP_GOTO &&
		 first->z_um != st.src_um)
		fld_text_add(&w->s->notes,
			     "operation %u (log op %zu) handoff from %.6g um was prepared at %.6g um: the "
			     "scenario places it at the source", w->s->ops + 1, main, st.src_um, first->z_um);
	check_place(w, &st, "handoff from", st.z_um);
	add_step(w, &st, np ? pending[0] : main, np + (m != NULL));
}

/* Setup moves that no handoff followed. */
static void stray_setup(walk *w, const size_t *pending, size_t np, const char *why)
{
	for (size_t i = 0; i < np; i++) {
		const fld_op *o = &w->l->ops[pending[i]];

		fld_text_add(&w->s->missing,
			     "log op %zu %s lens %s to %.6g um %s: a scenario moves the stage only to "
			     "prepare a handoff", pending[i], af_log_op_name(o->kind),
			     af_lens_name((af_lens)o->lens), o->z_um, why);
	}
}

static void add_simple(walk *w, size_t i)
{
	const fld_op *o = &w->l->ops[i];
	fld_step st;

	step_init(&st, o->kind == AF_LOG_OP_CALIBRATE ? FLD_STEP_CALIBRATE : FLD_STEP_AUTOFOCUS);
	st.main_op = i;
	st.rc = op_rc(o);
	st.fail_op = st.rc ? i : FLD_NO_MAIN;
	if (o->kind == AF_LOG_OP_AUTOFOCUS) {
		st.lens = (af_lens)o->lens;
		st.z_um = o->z_um;
		check_place(w, &st, "autofocus near", st.z_um);
	} else {
		st.plan = o->plan;
		if (!o->has_plan || !o->has_site)
			fld_text_add(&w->s->missing,
				     "log op %zu calibrate was called without %s: a scenario's calibration "
				     "always has a plan and puts every site under the objective", i,
				     !o->has_plan ? "a plan" : "a site callback");
		else if (o->plan.points < 2 || o->plan.points > 64 || !(o->plan.from_um < o->plan.to_um) ||
			 !(o->plan.from_um >= -1000.0) || !(o->plan.to_um <= 1000.0) ||
			 o->plan.passes > 16)
			fld_text_add(&w->s->missing,
				     "log op %zu calibrate %u sites %.6g..%.6g um, %u passes: outside what a "
				     "scenario's calibrate step takes (2-64 sites, from < to in [-1000, 1000] "
				     "um, 1-16 passes)", i, o->plan.points, o->plan.from_um, o->plan.to_um,
				     o->plan.passes);
		if (st.plan.passes == 0)   /* the engine's default */
			st.plan.passes = 2;
	}
	add_step(w, &st, i, 1);
}

static bool failed(const fld_op *o)
{
	return op_rc(o) != AF_OK;
}

/* The log's start: the first time any call tells. */
static int64_t log_start(const fld_log *l)
{
	for (size_t i = 0; i < l->ncalls; i++) {
		int64_t t = call_t0(&l->calls[i]);

		if (t != FLD_NO_TIME)
			return t;
	}
	return FLD_NO_TIME;
}

int fld_steps_build(const fld_log *l, double wait_min_s, fld_steps *out, char *err,
		    size_t errlen)
{
	walk w = { l, out, 0, wait_min_s, FLD_NO_TIME, false };
	size_t *pending = NULL, np = 0;

	memset(out, 0, sizeof *out);
	out->start_us = log_start(l);
	if (l->nops)
		w.prev_end = fld_op_t1(l, &l->ops[0]);
	if (l->nops && !(pending = malloc(l->nops * sizeof *pending))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 1; i < l->nops && !w.oom; i++) {
		const fld_op *o = &l->ops[i];
		bool b_setup;

		switch (o->kind) {
		case AF_LOG_OP_TICK:
			break;
		case AF_LOG_OP_GOTO:
			pending[np++] = i;
			if (failed(o)) {
				add_handoff(&w, pending, np, FLD_NO_MAIN);
				np = 0;
			}
			break;
		case AF_LOG_OP_AUTOFOCUS:
			/* on a rig, a handoff from B starts with this autofocus */
			b_setup = np && l->ops[pending[np - 1]].kind == AF_LOG_OP_GOTO &&
				  l->ops[pending[np - 1]].lens == AF_LENS_B && o->lens == AF_LENS_B;
			if (b_setup) {
				pending[np++] = i;
				if (failed(o)) {
					add_handoff(&w, pending, np, FLD_NO_MAIN);
					np = 0;
				}
				break;
			}
			stray_setup(&w, pending, np, "before an autofocus");
			np = 0;
			add_simple(&w, i);
			break;
		case AF_LOG_OP_HANDOFF:
			add_handoff(&w, pending, np, i);
			np = 0;
			break;
		case AF_LOG_OP_CALIBRATE:
			stray_setup(&w, pending, np, "before a calibration");
			np = 0;
			add_simple(&w, i);
			break;
		case AF_LOG_OP_SET_LEVEL:
			fld_text_add(&out->missing,
				     "log op %zu set_level %s: a scenario cannot change the optimization "
				     "level in the middle of a run", i,
				     af_level_name((af_level)o->level) ? af_level_name((af_level)o->level) : "?");
			break;
		case AF_LOG_OP_SET_THERMAL:
			fld_text_add(&out->missing,
				     "log op %zu set_thermal %s: a scenario cannot switch the thermal "
				     "compensation in the middle of a run", i, o->on ? "on" : "off");
			break;
		default:
			fld_text_add(&out->missing, "log op %zu %s: no step of a scenario does this", i,
				     af_log_op_name(o->kind));
			break;
		}
	}
	if (np && !w.oom) {
		/* the log ends in a handoff's setup (the recording stopped) */
		out->cut = true;
		fld_text_add(&out->notes,
			     "the log ends in the setup of a handoff (log ops %zu..%zu): left out", pending[0],
			     pending[np - 1]);
	}
	free(pending);
	if (w.oom || out->missing.oom || out->notes.oom) {
		fld_steps_release(out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void fld_steps_release(fld_steps *s)
{
	free(s->v);
	fld_text_release(&s->missing);
	fld_text_release(&s->notes);
	memset(s, 0, sizeof *s);
}
