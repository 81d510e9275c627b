/*
 * fld_records.c - a field log as a run's records (fld_records.h).
 *
 * The steps give the operations; one walk over each step's calls gives
 * its frames and errors, following where the engine last sent the stage,
 * which lens is seated and the last temperature read.
 */
#include "fld_records.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/af_rec_wire.h"
#include "field/fld_steps.h"

typedef struct rec_walk {
	const fld_log *l;
	const fld_steps *st;
	const sim_results_ops *sink;
	void *user;
	double z_um, temp_c;
	int lens;
} rec_walk;

/* ms of the run's clock at HAL time t (absolute us). */
static double ms(const rec_walk *w, int64_t t)
{
	return (double)(t - w->st->start_us) / 1e3;
}

static void call_records(rec_walk *w, const fld_call *c, uint32_t seq)
{
	char detail[AF_LOG_STR_MAX + 64];

	switch (c->op) {
	case AF_LOG_CALL_SELECT_LENS:
		if (c->rc == AF_OK)
			w->lens = c->lens;
		break;
	case AF_LOG_CALL_GET_LENS:
		if (c->rc == AF_OK)
			w->lens = c->out_lens;
		break;
	case AF_LOG_CALL_MOVE_Z:
		w->z_um = c->z_um;
		break;
	case AF_LOG_CALL_READ_TEMPERATURE:
		if (c->rc == AF_OK)
			w->temp_c = c->out_f64;
		break;
	case AF_LOG_CALL_GRAB_FRAME:
		if (c->rc == AF_OK && c->frame.has_score && w->sink->sample) {
			const fld_frame *f = &c->frame;
			/* the frame's mid-exposure when it falls inside the grab */
			int64_t t = c->stamped && f->timestamp_us >= c->t0_us && f->timestamp_us <= c->t1_us
					    ? f->timestamp_us : c->stamped ? c->t1_us : f->timestamp_us;
			sim_sample_record s = {
				.op_seq = seq, .t_ms = ms(w, t),
				.lens = w->lens >= 0 ? af_lens_name((af_lens)w->lens) : "A",
				.z_um = w->z_um, .focus_score = f->score, .true_focus_um = NAN,
				.temperature_c = w->temp_c,
			};

			w->sink->sample(w->user, &s);
		}
		break;
	default:
		break;
	}
	if (c->rc != AF_OK && c->op != AF_LOG_CALL_SITE && w->sink->event) {
		sim_event_record ev = { c->stamped ? ms(w, c->t0_us) : 0.0, "hal_error", detail };

		snprintf(detail, sizeof detail, "%s: %.*s", af_log_call_name(c->op), (int)c->msg_len,
			 c->msg ? c->msg : "");
		w->sink->event(w->user, &ev);
	}
}

/* The record of step st: its operation as the runner records it. */
static void op_record(rec_walk *w, const fld_step *st)
{
	const fld_log *l = w->l;
	const fld_op *m = st->main_op != FLD_NO_MAIN ? &l->ops[st->main_op] : NULL;
	const fld_op *fail = st->fail_op != FLD_NO_MAIN ? &l->ops[st->fail_op] : NULL;
	int64_t t0 = m ? fld_op_t0(l, m) : FLD_NO_TIME;
	char err[AF_MSG_MAX + 64] = "";
	sim_op_record r;

	memset(&r, 0, sizeof r);
	r.seq = st->seq;
	r.kind = fld_step_kind_name(st->kind);
	r.t_ms = t0 != FLD_NO_TIME ? ms(w, t0) : st->t0_us != FLD_NO_TIME ? (double)st->t0_us / 1e3 : 0;
	r.z_request_um = r.z_predicted_um = r.z_found_um = NAN;
	r.mapping_error_um = r.focus_error_um = r.temperature_c = NAN;
	r.lens_switch_ms = r.focus_move_ms = r.focus_search_ms = r.validation_ms = r.total_ms = NAN;
	r.success = st->rc == AF_OK;
	if (fail)
		snprintf(err, sizeof err, "%s: %s%s", af_err_name(st->rc), m ? "" : "setup: ",
			 fld_op_message(fail));
	r.error = err;
	switch (st->kind) {
	case FLD_STEP_HANDOFF:
		r.from_lens = af_lens_name(st->from);
		r.to_lens = af_lens_name(st->to);
		r.z_request_um = st->z_um;
		if (m && m->ended) {
			const af_handoff_result *h = &m->res.handoff;

			r.z_predicted_um = h->predicted_um;
			r.z_found_um = h->found_um;
			r.mapping_error_um = h->mapping_error_um;
			r.lens_switch_ms = h->phase_ms[AF_PHASE_LENS_SWITCH];
			r.focus_move_ms = h->phase_ms[AF_PHASE_FOCUS_MOVE];
			r.focus_search_ms = h->phase_ms[AF_PHASE_FOCUS_SEARCH];
			r.validation_ms = h->phase_ms[AF_PHASE_VALIDATION];
			r.total_ms = h->phase_ms[AF_PHASE_TOTAL];
			r.frames = h->frames;
			r.cache_hit = h->cache_hit;
			r.temperature_c = h->temp_c;
		}
		break;
	case FLD_STEP_AUTOFOCUS:
		r.to_lens = af_lens_name(st->lens);
		r.z_request_um = r.z_predicted_um = st->z_um;
		if (m && m->ended) {
			r.z_found_um = m->res.focus.z_um;
			r.total_ms = m->res.focus.ms;
			r.frames = m->res.focus.frames;
		}
		break;
	case FLD_STEP_CALIBRATE:
		if (m && m->ended) {
			r.mapping_error_um = st->rc == AF_OK ? m->res.calib.mapping.rms_um : NAN;
			r.total_ms = m->res.calib.ms;
			r.frames = m->res.calib.frames;
			r.temperature_c = m->res.calib.temp_c;
		}
		break;
	case FLD_STEP_WAIT:
		return;
	}
	if (w->sink->op)
		w->sink->op(w->user, &r);
}

int fld_records(const fld_log *l, const char *name, const sim_results_ops *sink, void *user,
		char *err, size_t errlen)
{
	fld_steps st;
	rec_walk w;
	char scenario[128];
	sim_run_info info;
	sim_run_end end;
	const char *base = strrchr(name, '/');

	if (fld_steps_build(l, 0.05, &st, err, errlen) != 0)
		return -1;
	memset(&w, 0, sizeof w);
	w.l = l;
	w.st = &st;
	w.sink = sink;
	w.user = user;
	w.z_um = w.temp_c = NAN;
	w.lens = -1;
	snprintf(scenario, sizeof scenario, "field log %s", base ? base + 1 : name);
	memset(&info, 0, sizeof info);
	info.scenario = scenario;
	info.path = name;
	info.tol_time_frac = info.tol_accuracy_um = 0.05;
	info.mode = strcmp(l->hdr.hal_name, "sim") == 0 ? "sim" : "hil";
	info.rig = l->hdr.rig_id[0] ? l->hdr.rig_id : l->hdr.hal_name;
	if (sink->run_begin)
		sink->run_begin(user, &info);
	/* every call in order, each step's operation once its calls are in */
	for (size_t i = 0, s = 0; i < l->ncalls || s < st.n; ) {
		const fld_step *cur = s < st.n ? &st.v[s] : NULL;
		size_t end_call = 0;

		if (cur && cur->kind == FLD_STEP_WAIT) {
			s++;
			continue;
		}
		if (cur) {
			const fld_op *last = &l->ops[cur->first_op + cur->nops - 1];

			end_call = last->first_call + last->ncalls;
		}
		while (i < l->ncalls && (!cur || i < end_call)) {
			const fld_call *c = &l->calls[i++];
			uint32_t seq = cur && c->op_index != FLD_NO_OP && c->op_index >= cur->first_op
				       ? cur->seq : 0;

			call_records(&w, c, seq);
		}
		if (!cur)
			break;
		op_record(&w, cur);
		s++;
	}
	memset(&end, 0, sizeof end);
	end.status = st.failed ? "failed" : "passed";
	end.message = st.failed ? "operations failed in the field log" : "";
	end.virtual_s = NAN;
	if (sink->run_end)
		sink->run_end(user, &end);
	fld_steps_release(&st);
	return 0;
}
