/*
 * fld_sim.c - field logs made on the simulated rig (fld_sim.h).
 */
#include "fld_sim.h"

#include <stdlib.h>
#include <string.h>

#include "engine/af_rec_wire.h"
#include "models/rig.h"
#include "kernel/clock.h"
#include "kernel/rng.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "kernel/trace.h"

void fld_sim_plan_default(fld_sim_plan *p)
{
	memset(p, 0, sizeof *p);
	p->seed = 1;
	af_engine_config_default(&p->engine);
	p->calibrate = true;
	p->autofocus = true;
	p->handoffs = 10;
	p->wait_every = 4;
}

void fld_sim_faults(sim_fault f[FLD_SIM_FAULTS])
{
	memset(f, 0, FLD_SIM_FAULTS * sizeof *f);
	f[0].kind = SIM_FAULT_TURRET_JAM;
	f[0].at_ns = -1;
	f[0].at_op = 4;
	f[1].kind = SIM_FAULT_CAMERA_DROP;
	f[1].at_ns = -1;
	f[1].at_op = 9;
	f[1].count = 2;
	for (int i = 0; i < FLD_SIM_FAULTS; i++)
		sim_fault_defaults(&f[i]);
}

int fld_file_sink_write(void *user, const void *buf, size_t n)
{
	return fwrite(buf, 1, n, user) == n ? 0 : -1;
}

int fld_mem_write(void *user, const void *buf, size_t n)
{
	fld_mem *m = user;

	if (m->fail_at && m->len + n > m->fail_at)
		return -28;
	if (!m->discard && m->cap - m->len < n) {
		size_t cap = m->cap ? m->cap : (size_t)1 << 16;
		uint8_t *np;

		while (cap - m->len < n)
			cap *= 2;
		np = realloc(m->p, cap);
		if (!np)
			return -1;
		m->p = np;
		m->cap = cap;
	}
	if (!m->discard)
		memcpy(m->p + m->len, buf, n);
	m->len += n;
	return 0;
}

void fld_mem_release(fld_mem *m)
{
	free(m->p);
	memset(m, 0, sizeof *m);
}

static int put_site(void *user, uint32_t i, double z)
{
	(void)i;
	sim_ctl_set_place(user, z);
	return 0;
}

/* Fold one operation's result into the hash and the tally. */
static void tally(fld_sim_out *out, int kind, int rc, const void *res)
{
	uint8_t buf[1024];
	af_log_wbuf w = { buf, 0, sizeof buf, false };

	af_log_put_i32(&w, rc);
	if (kind == AF_LOG_OP_HANDOFF)
		af_log_put_handoff(&w, res);
	else if (kind == AF_LOG_OP_AUTOFOCUS)
		af_log_put_focus(&w, res);
	else if (kind == AF_LOG_OP_CALIBRATE)
		af_log_put_calib(&w, res);
	out->results_hash = sim_fnv1a64(out->results_hash, buf, w.len);
	out->ops++;
	if (rc != AF_OK && out->failed < 3)
		out->codes[out->failed] = rc;
	out->failed += rc != AF_OK;
}

int fld_sim_run(const fld_sim_plan *p, const af_rec_options *ro, const af_rec_sink *sink,
		fld_sim_out *out, char *err, size_t errlen)
{
	mdl_rig rig;
	mdl_room_profile room;
	sim_trace *trace = sim_trace_new(false);
	sim_hal *sh = NULL;
	af_rec *rec = NULL;
	af_engine *e = NULL;
	af_hal hal;
	af_hal_ops older;
	sim_rng steps;
	const char *why = NULL;
	int64_t op = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->results_hash = SIM_FNV64_OFFSET;
	mdl_rig_default(&rig);
	if (p->nominal)
		rig.truth.mode = MDL_TRUTH_NOMINAL;
	mdl_room_profile_default(&room);
	if (!trace) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	sh = sim_hal_new(&rig, &room, p->seed, trace, &why);
	if (!sh) {
		snprintf(err, errlen, "cannot build the simulated rig: %s", why);
		goto done;
	}
	for (size_t i = 0; i < p->nfaults; i++)
		if (sim_ctl_add_fault(sh, &p->faults[i]) != 0) {
			snprintf(err, errlen, "cannot add fault %zu", i);
			goto done;
		}
	sim_hal_bind(sh, &hal);
	if (p->no_wait_z) {
		older = *hal.ops;
		older.wait_settled_z = NULL;
		hal.ops = &older;
	}
	if (ro) {
		rec = af_rec_new(&hal, ro, sink, &why);
		if (!rec) {
			snprintf(err, errlen, "cannot start the recorder: %s", why);
			goto done;
		}
		e = af_rec_engine_new(rec, &p->engine, &why);
	} else {
		e = af_engine_new(&hal, &p->engine, &why);
	}
	if (!e) {
		snprintf(err, errlen, "cannot build the engine: %s", why);
		goto done;
	}
	(void)af_engine_tick(e);
	if (p->calibrate) {
		af_calib_plan plan = { 11, -8.0, 8.0, 2, true };
		af_calib_report cal;

		sim_ctl_begin_op(sh, ++op);
		tally(out, AF_LOG_OP_CALIBRATE, af_calibrate(e, &plan, put_site, sh, &cal), &cal);
	}
	if (p->autofocus) {
		af_focus_result f;

		sim_ctl_begin_op(sh, ++op);
		sim_ctl_set_place(sh, 0.0);
		tally(out, AF_LOG_OP_AUTOFOCUS, af_autofocus(e, AF_LENS_B, 4.0, &f), &f);
	}
	sim_rng_stream(&steps, p->seed, SIM_STREAM_STEPS);
	for (uint32_t i = 0; i < p->handoffs; i++) {
		double z = sim_rng_range(&steps, -5.0, 5.0);
		af_handoff_result h;

		if (p->wait_every && i && i % p->wait_every == 0) {
			sim_ctl_advance(sh, sim_s_to_ns(30.0));
			(void)af_engine_tick(e);
		}
		sim_ctl_begin_op(sh, ++op);
		sim_ctl_set_place(sh, z);
		tally(out, AF_LOG_OP_GOTO, af_engine_goto(e, AF_LENS_A, z), NULL);
		tally(out, AF_LOG_OP_HANDOFF, af_handoff(e, AF_LENS_A, AF_LENS_B, z, &h), &h);
	}
	out->trace_hash = sim_trace_hash(trace);
	rc = 0;
	if (rec) {
		if (af_rec_close(rec) != 0) {
			snprintf(err, errlen, "%s", af_rec_error(rec));
			rc = -1;
		}
		af_rec_get_stats(rec, &out->rec);
	}
done:
	af_engine_free(e);
	af_rec_free(rec);
	sim_hal_free(sh);
	sim_trace_free(trace);
	return rc;
}
