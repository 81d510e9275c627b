/*
 * fld_import_sim.c - the simulations of an import (fld_import_impl.h):
 * placing the faults of a handoff's setup, and checking that the written
 * scenario fails where the log failed.
 *
 * A setup fault cannot fire at an operation: the runner makes the setup
 * moves before the operation begins, and the operation before may move the
 * same hardware (a fault at it would break it instead).  So it fires at a
 * time: the time at which the simulation makes the same call - the nth
 * call of the same HAL op in the same step's setup - found by running the
 * scenario with the faults before it, recording into memory (no pixels),
 * and reading that log as the import reads any (fld_steps).  Up to that
 * call the run with the fault is the run without it, so the time is exact;
 * the fault fires at the call's first microsecond, at the latest as the
 * call begins.  One run per setup fault, in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec.h"
#include "field/fld_import_impl.h"
#include "field/fld_sim.h"
#include "sim/runner.h"

/* The scenario run with seed into a field log in memory (*out). */
static int dry_run(const sim_scenario *sc, uint64_t seed, fld_log **out, char *err, size_t errlen)
{
	fld_mem mem;
	af_rec_sink sink = { fld_mem_write, &mem };
	af_rec_options ro;
	sim_run_opts o;
	sim_run_result res;
	int rc;

	memset(&mem, 0, sizeof mem);
	af_rec_options_default(&ro);
	ro.keep_last_n_ops = 1;      /* no pixels: only the times matter */
	ro.ring_bytes = 0;
	ro.build_id = "afsim field import";
	sim_run_opts_default(&o);
	o.seed = seed;
	o.use_seed = true;
	o.record = &sink;
	o.record_opts = &ro;
	sim_run_with(sc, &o, NULL, NULL, &res);
	if (res.verdict == SIM_ERROR) {
		snprintf(err, errlen, "the scenario cannot run in simulation: %s", res.message);
		fld_mem_release(&mem);
		return -1;
	}
	if (res.record_error[0]) {
		snprintf(err, errlen, "the simulation's log: %s", res.record_error);
		fld_mem_release(&mem);
		return -1;
	}
	rc = fld_log_parse(mem.p, mem.len, "the simulation", out, err, errlen);
	fld_mem_release(&mem);
	return rc;
}

/* The time (virtual us) of the nth call of op anchor in the setup of the
 * step numbered seq of the simulation's log, or FLD_NO_TIME. */
static int64_t setup_call_time(const fld_log *dl, const fld_steps *ds, uint32_t seq, int anchor,
			       uint32_t nth, int64_t *step_t0)
{
	uint32_t n = 0;

	*step_t0 = FLD_NO_TIME;
	for (size_t i = 0; i < ds->n; i++) {
		const fld_step *st = &ds->v[i];

		if (st->seq != seq || st->kind == FLD_STEP_WAIT)
			continue;
		if (st->t0_us != FLD_NO_TIME)
			*step_t0 = st->t0_us + ds->start_us;
		for (size_t k = st->first_op; k < st->first_op + st->nops && k != st->main_op; k++) {
			const fld_op *o = &dl->ops[k];

			for (size_t c = o->first_call; c < o->first_call + o->ncalls; c++)
				if (dl->calls[c].op == anchor && ++n == nth && dl->calls[c].stamped)
					return dl->calls[c].t0_us;
		}
	}
	return FLD_NO_TIME;
}

int fld_imp_place_setup_faults(imp *m, char *err, size_t errlen)
{
	size_t placed = 0;

	for (size_t i = 0; i < m->nf; i++) {
		pending_fault *p = &m->pf[i];
		const fld_step *st = &m->steps.v[p->step];
		fld_log *dl = NULL;
		fld_steps ds;
		int64_t t, t0;

		if (!p->setup || sim_fault_is_rig_level((int)p->f.kind))
			continue;
		if (fld_imp_set_faults(m, placed) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (dry_run(&m->sc, m->o->seed, &dl, err, errlen) != 0)
			return -1;
		if (fld_steps_build(dl, m->o->wait_min_s, &ds, err, errlen) != 0) {
			fld_log_free(dl);
			return -1;
		}
		m->rep->setup_runs++;
		t = setup_call_time(dl, &ds, st->seq, p->anchor_op, p->nth, &t0);
		if (t == FLD_NO_TIME) {
			t = t0 != FLD_NO_TIME ? t0 : 0;
			fld_text_add(&m->rep->notes,
				     "the %s fault of operation %u's setup: the simulation's setup makes no "
				     "call %u of that kind: placed where the operation's setup begins",
				     sim_fault_name(p->f.kind), st->seq, p->nth);
		}
		p->f.at_ns = (t > 0 ? t : 0) * 1000;
		placed++;
		fld_steps_release(&ds);
		fld_log_free(dl);
	}
	if (fld_imp_set_faults(m, placed) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* --- the check --------------------------------------------------------------------- */

typedef struct outcomes {
	int *code;          /* by operation number - 1 */
	uint32_t n, cap;
	bool oom;
} outcomes;

/* The code of "CODE: message" (0 for ""). */
static int code_of(const char *error)
{
	size_t n = strcspn(error, ":");

	if (!*error)
		return 0;
	for (int c = -1; c >= -64; c--)
		if (strlen(af_err_name(c)) == n && strncmp(af_err_name(c), error, n) == 0)
			return c;
	return AF_EIO;
}

static void on_op(void *user, const sim_op_record *r)
{
	outcomes *o = user;

	if (r->seq > o->cap) {
		uint32_t cap = o->cap ? 2 * o->cap : 64;
		int *v;

		while (cap < r->seq)
			cap *= 2;
		if (!(v = realloc(o->code, cap * sizeof *v))) {
			o->oom = true;
			return;
		}
		memset(v + o->cap, 0, (cap - o->cap) * sizeof *v);
		o->code = v;
		o->cap = cap;
	}
	if (r->seq < 1)
		return;
	o->code[r->seq - 1] = r->success ? 0 : code_of(r->error);
	if (r->seq > o->n)
		o->n = r->seq;
}

/* Whether step st failed on the link (a rig-level fault of it). */
static bool on_link(const imp *m, size_t step)
{
	for (size_t i = 0; i < m->nf; i++)
		if (m->pf[i].step == step && sim_fault_is_rig_level((int)m->pf[i].f.kind))
			return true;
	return false;
}

int fld_imp_check(imp *m, char *err, size_t errlen)
{
	static const sim_results_ops ops = { .op = on_op };
	outcomes oc = { NULL, 0, 0, false };
	sim_scenario s;
	sim_run_opts o;
	sim_run_result res;
	char lerr[SIM_ERR_MAX];
	bool same = true;

	if (sim_scenario_load(m->out_path, &s, lerr, sizeof lerr) != 0) {
		snprintf(err, errlen, "the scenario written does not load: %s", lerr);
		return -1;
	}
	sim_run_opts_default(&o);
	o.seed = m->o->seed;
	o.use_seed = true;
	sim_run_with(&s, &o, &ops, &oc, &res);
	sim_scenario_release(&s);
	if (oc.oom) {
		free(oc.code);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (res.verdict == SIM_ERROR) {
		free(oc.code);
		snprintf(err, errlen, "the scenario errored in simulation: %s", res.message);
		return -1;
	}
	for (uint32_t i = 0; i < oc.n; i++)
		m->rep->sim_failed += oc.code[i] != 0;
	for (size_t i = 0; i < m->steps.n; i++) {
		const fld_step *st = &m->steps.v[i];
		int sim;

		if (st->kind == FLD_STEP_WAIT || on_link(m, i))
			continue;
		if (st->seq > oc.n) {
			fld_text_add(&m->rep->notes, "operation %u: the simulation never got there",
				     st->seq);
			same = false;
			continue;
		}
		sim = oc.code[st->seq - 1];
		if (sim == st->rc)
			continue;
		same = false;
		fld_text_add(&m->rep->notes, "operation %u %s: %s in the log, %s in the simulation",
			     st->seq, fld_step_kind_name(st->kind),
			     st->rc ? af_err_name(st->rc) : "succeeded",
			     sim ? af_err_name(sim) : "succeeded");
	}
	m->rep->checked = same;
	free(oc.code);
	return 0;
}
