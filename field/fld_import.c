/*
 * fld_import.c - a field log turned into a scenario (fld_import.h).
 *
 * The order: steps and rig from the log (fld_steps, fld_fit), the
 * scenario's skeleton, the faults (those inside operations at once, those
 * in a handoff's setup from a simulation each: fld_import_sim.c), the
 * expectations, the checks (what a scenario cannot hold, the size), the
 * files, and the run that checks the failures reproduce.
 */
#include "fld_import.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec_wire.h"
#include "field/fld_dump.h"
#include "field/fld_fit.h"
#include "field/fld_import_impl.h"
/* sim_scn_init, sim_scn_step_defaults: the loader's own defaults of a
 * scenario and of a step, which a scenario made here starts from */
#include "sim/scenario_impl.h"
#include "sim/scenario_write.h"

void fld_import_opts_default(fld_import_opts *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->wait_min_s = 0.05;
}

void fld_import_report_release(fld_import_report *r)
{
	fld_text_release(&r->missing);
	fld_text_release(&r->faults_said);
	fld_text_release(&r->expects_said);
	fld_text_release(&r->rig_said);
	fld_text_release(&r->notes);
}

/* --- the scenario's skeleton ----------------------------------------------------- */

/* The scenario's name: opts.name, else out_path's file name without its
 * extension, lowercased, anything but [a-z0-9_-] made '-'. */
static void scenario_name(const char *given, const char *out_path, char name[SIM_NAME_MAX])
{
	const char *base = strrchr(out_path, '/');
	size_t n;

	if (given) {
		snprintf(name, SIM_NAME_MAX, "%s", given);
		return;
	}
	base = base ? base + 1 : out_path;
	n = strcspn(base, ".");
	if (n == 0 || n >= SIM_NAME_MAX)
		n = n ? SIM_NAME_MAX - 1 : 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)base[i]);

		name[i] = (isalnum((unsigned char)c) || c == '_' || c == '-') && isascii(c) ? c : '-';
	}
	if (n == 0)
		memcpy(name, "field-log", (n = 9));
	name[n] = '\0';
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SIM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

static int build_steps(imp *m)
{
	const fld_steps *st = &m->steps;

	m->sc.steps = calloc(st->n ? st->n : 1, sizeof *m->sc.steps);
	if (!m->sc.steps)
		return -1;
	for (size_t i = 0; i < st->n; i++) {
		const fld_step *f = &st->v[i];
		sim_step *s = &m->sc.steps[m->sc.n_steps];

		sim_scn_step_defaults(s);
		switch (f->kind) {
		case FLD_STEP_CALIBRATE:
			s->kind = SIM_STEP_CALIBRATE;
			s->points = f->plan.points;
			s->from_um = f->plan.from_um;
			s->to_um = f->plan.to_um;
			s->passes = f->plan.passes;
			s->measure_backlash = f->plan.measure_backlash;
			m->rep->calibrations++;
			break;
		case FLD_STEP_HANDOFF:
			s->kind = SIM_STEP_HANDOFF;
			s->from = f->from;
			s->to = f->to;
			s->z_um.value = f->z_um;
			m->rep->handoffs++;
			break;
		case FLD_STEP_AUTOFOCUS:
			s->kind = SIM_STEP_AUTOFOCUS;
			s->lens = f->lens;
			s->near_um.value = f->z_um;
			m->rep->autofocus++;
			break;
		case FLD_STEP_WAIT:
			/* the microsecond the log tells, nothing finer */
			s->kind = SIM_STEP_WAIT;
			s->wait_s = round(f->wait_s * 1e6) / 1e6;
			if (!(s->wait_s > 0))
				continue;
			m->rep->waits++;
			break;
		}
		s->line = 0;
		m->sc.n_steps++;
	}
	return 0;
}

static int skeleton(imp *m)
{
	const fld_log *l = m->l;
	char desc[1024];
	int n;

	if (sim_scn_init(&m->sc) != 0)
		return -1;
	scenario_name(m->o->name, m->out_path, m->sc.name);
	snprintf(m->sc.path, sizeof m->sc.path, "%s", m->out_path);
	m->sc.seed = m->o->seed;
	m->sc.rig = m->fit.rig;
	m->sc.engine = l->config;
	n = snprintf(desc, sizeof desc,
		     "imported from the field log %s (engine %s, build '%s', rig '%s'): %u operations, %u "
		     "failed", m->log_name, l->hdr.engine_version, l->hdr.build_id, l->hdr.rig_id,
		     m->steps.ops, m->steps.failed);
	free(m->sc.description);
	if (!(m->sc.description = strdup(n > 0 ? desc : "imported from a field log")))
		return -1;
	if (m->fit.ntemps) {
		m->sc.room_points = malloc(m->fit.ntemps * sizeof *m->sc.room_points);
		if (!m->sc.room_points)
			return -1;
		memcpy(m->sc.room_points, m->fit.temps, m->fit.ntemps * sizeof *m->sc.room_points);
		m->sc.n_room_points = m->fit.ntemps;
		m->sc.room.kind = MDL_ROOM_TRACE;
		m->sc.room.points = m->sc.room_points;
		m->sc.room.n_points = m->fit.ntemps;
		m->rep->temps = m->fit.ntemps;
	}
	return build_steps(m);
}

/* --- faults ---------------------------------------------------------------------- */

/* The words of call c, for the reports. */
static void call_words(const imp *m, const fld_call *c, char *buf, size_t n)
{
	char d[700];

	fld_describe_call(c, d, sizeof d);
	snprintf(buf, n, "log op %u, call %s", c->op_index, d);
	(void)m;
}

/* A failed call the bridge made of its link, not the rig's hardware:
 * the kind of rig-level fault, or -1. */
static int link_kind(const fld_call *c)
{
	char msg[AF_LOG_STR_MAX + 1];

	snprintf(msg, sizeof msg, "%.*s", (int)c->msg_len, c->msg ? c->msg : "");
	if (strstr(msg, "the rig reports"))
		return -1;
	if (c->rc == AF_ETIMEDOUT && strstr(msg, "no reply within"))
		return SIM_FAULT_NO_REPLY;
	if (c->rc == AF_EPROTO && (strstr(msg, "garbled reply") || strstr(msg, "checksum mismatch")))
		return SIM_FAULT_GARBAGE;
	if (c->rc == AF_EIO && (strstr(msg, "closed") || strstr(msg, "connection")))
		return SIM_FAULT_LINK_DROP;
	return -1;
}

static int add_fault(imp *m, const pending_fault *p)
{
	if (m->nf == m->capf) {
		size_t cap = m->capf ? 2 * m->capf : 16;
		pending_fault *v = realloc(m->pf, cap * sizeof *v);

		if (!v)
			return -1;
		m->pf = v;
		m->capf = cap;
	}
	m->pf[m->nf++] = *p;
	return 0;
}

/* The fault of kind in step st (setup or its operation) acting on call ci
 * and shown by call `shown`: a new one, or one more frame of the same. */
static int note_fault(imp *m, const fld_step *st, int kind, bool setup, size_t ci, size_t shown)
{
	const fld_call *c = &m->l->calls[ci];
	pending_fault p;

	if (m->nf) {
		pending_fault *last = &m->pf[m->nf - 1];

		if (last->step == (size_t)(st - m->steps.v) && last->setup == setup &&
		    (int)last->f.kind == kind &&
		    (kind == SIM_FAULT_CAMERA_DROP || kind == SIM_FAULT_CAMERA_STALE)) {
			last->f.count++;
			return 0;
		}
	}
	memset(&p, 0, sizeof p);
	p.f.kind = SIM_FAULT_KIND(kind);
	p.f.at_ns = -1;
	p.f.at_op = -1;
	p.step = (size_t)(st - m->steps.v);
	p.setup = setup;
	p.call = ci;
	p.shown = shown;
	p.anchor_op = c->op;
	if (kind == SIM_FAULT_CAMERA_DROP || kind == SIM_FAULT_CAMERA_STALE)
		p.f.count = 1;
	if (sim_fault_is_rig_level(kind)) {
		/* the emulator counts at_s from the connection; the log starts
		 * just after it: the fault fires at or before this call */
		int64_t t = c->stamped ? c->t0_us - m->steps.start_us : 0;

		p.f.at_ns = (t > 0 ? t : 0) * 1000;
	} else if (!setup) {
		p.f.at_op = st->seq;
	}
	return add_fault(m, &p);
}

/* The n-th call of op `op` among the setup calls of step st before call
 * ci (1-based), for finding the same call in a simulation. */
static uint32_t nth_in_setup(const imp *m, const fld_step *st, size_t ci)
{
	const fld_log *l = m->l;
	uint32_t n = 0;

	for (size_t k = st->first_op; k < st->first_op + st->nops; k++) {
		const fld_op *o = &l->ops[k];

		if (k == st->main_op)
			break;
		for (size_t i = o->first_call; i < o->first_call + o->ncalls && i <= ci; i++)
			n += l->calls[i].op == l->calls[ci].op;
	}
	return n;
}

/* Every fault the calls of step st show. */
static int step_faults(imp *m, const fld_step *st)
{
	const fld_log *l = m->l;
	int selected = -1;
	bool have_seq = false;
	uint64_t seq = 0;
	char words[900];

	for (size_t k = st->first_op; k < st->first_op + st->nops; k++) {
		const fld_op *o = &l->ops[k];
		bool setup = k != st->main_op;

		for (size_t i = o->first_call; i < o->first_call + o->ncalls; i++) {
			const fld_call *c = &l->calls[i];
			int kind = -1, lk;
			size_t anchor = i;

			if (c->rc != AF_OK) {
				if ((lk = link_kind(c)) >= 0)
					kind = lk;
				else if (c->op == AF_LOG_CALL_SELECT_LENS && c->rc == AF_EHW)
					kind = SIM_FAULT_TURRET_JAM;
				else if ((c->op == AF_LOG_CALL_MOVE_Z || c->op == AF_LOG_CALL_WAIT_SETTLED ||
					  c->op == AF_LOG_CALL_WAIT_SETTLED_Z) && c->rc == AF_EHW)
					kind = SIM_FAULT_STAGE_STALL;
				else if (c->op == AF_LOG_CALL_GRAB_FRAME && c->rc == AF_ETIMEDOUT)
					kind = SIM_FAULT_CAMERA_DROP;
				if (kind < 0 && c->op != AF_LOG_CALL_SITE) {
					call_words(m, c, words, sizeof words);
					fld_text_add(&m->rep->missing,
						     "operation %u: %s: no fault kind of the simulator makes this "
						     "error", st->seq, words);
				}
			} else if (c->op == AF_LOG_CALL_SELECT_LENS) {
				selected = c->lens;
				m->last_select = i;
			} else if (c->op == AF_LOG_CALL_GET_LENS && selected >= 0 && c->out_lens != selected) {
				kind = SIM_FAULT_TURRET_WRONG_POSITION;
				anchor = m->last_select;   /* the switch that seated the wrong lens */
				selected = c->out_lens;
			} else if (c->op == AF_LOG_CALL_GRAB_FRAME) {
				if (have_seq && c->frame.seq == seq)
					kind = SIM_FAULT_CAMERA_STALE;
				have_seq = true;
				seq = c->frame.seq;
			}
			if (kind >= 0 && note_fault(m, st, kind, setup, anchor, i) != 0)
				return -1;
		}
	}
	return 0;
}

static int infer_faults(imp *m)
{
	for (size_t i = 0; i < m->steps.n; i++)
		if (m->steps.v[i].kind != FLD_STEP_WAIT && step_faults(m, &m->steps.v[i]) != 0)
			return -1;
	for (size_t i = 0; i < m->nf; i++) {
		pending_fault *p = &m->pf[i];

		if (p->setup && !sim_fault_is_rig_level((int)p->f.kind))
			p->nth = nth_in_setup(m, &m->steps.v[p->step], p->call);
	}
	return 0;
}

/* The faults into the scenario: those placed (n_placed setup faults of
 * the pending ones, in order), and every other kind but the setup faults
 * not placed yet.  0 or -1 (memory). */
int fld_imp_set_faults(imp *m, size_t n_placed)
{
	size_t setups = 0;

	free(m->sc.faults);
	m->sc.faults = NULL;
	m->sc.n_faults = 0;
	if (!m->nf)
		return 0;
	if (!(m->sc.faults = calloc(m->nf, sizeof *m->sc.faults)))
		return -1;
	for (size_t i = 0; i < m->nf; i++) {
		const pending_fault *p = &m->pf[i];

		if (p->setup && !sim_fault_is_rig_level((int)p->f.kind) && setups++ >= n_placed)
			continue;
		m->sc.faults[m->sc.n_faults++] = p->f;
	}
	return 0;
}

static void say_faults(imp *m)
{
	char words[900];

	for (size_t i = 0; i < m->nf; i++) {
		const pending_fault *p = &m->pf[i];
		const fld_step *st = &m->steps.v[p->step];
		const char *kind = sim_fault_name(p->f.kind);
		char when[96], count[32] = "";

		call_words(m, &m->l->calls[p->shown], words, sizeof words);
		if (p->f.count > 1)
			snprintf(count, sizeof count, " (%u frames)", p->f.count);
		if (sim_fault_is_rig_level((int)p->f.kind))
			snprintf(when, sizeof when, "at_s %.6f: the link, which only the rig emulator breaks",
				 (double)p->f.at_ns / 1e9);
		else if (p->setup)
			snprintf(when, sizeof when, "at_s %.6f: in the setup of operation %u",
				 (double)p->f.at_ns / 1e9, st->seq);
		else
			snprintf(when, sizeof when, "at operation %u", st->seq);
		fld_text_add(&m->rep->faults_said, "%s%s %s: %s", kind, count, when, words);
	}
	m->rep->faults = m->nf;
}

/* --- expectations ------------------------------------------------------------------ */

static int add_expect(imp *m, const char *metric, bool has_min, double min, bool has_max,
		      double max)
{
	sim_expect *e = &m->sc.expects[m->sc.n_expects++];

	memset(e, 0, sizeof *e);
	snprintf(e->metric, sizeof e->metric, "%s", metric);
	e->has_min = has_min;
	e->min = min;
	e->has_max = has_max;
	e->max = max;
	return 0;
}

/* Whether step st failed on the link (the bridge lost the rig). */
static bool link_failure(const imp *m, const fld_step *st)
{
	for (size_t i = 0; i < m->nf; i++)
		if (m->pf[i].step == (size_t)(st - m->steps.v) &&
		    sim_fault_is_rig_level((int)m->pf[i].f.kind))
			return true;
	return false;
}

/* Whether step st has a HAL error in its calls. */
static bool hal_failure(const imp *m, const fld_step *st)
{
	for (size_t i = 0; i < m->nf; i++)
		if (m->pf[i].step == (size_t)(st - m->steps.v))
			return true;
	return false;
}

static int expectations(imp *m)
{
	static const char *const kinds[3] = { "handoff", "calibration", "autofocus" };
	uint32_t fails[3] = { 0, 0, 0 }, present[3] = { 0, 0, 0 };
	char metric[SIM_METRIC_MAX];

	m->sc.expects = calloc(m->steps.n + 3, sizeof *m->sc.expects);
	if (!m->sc.expects)
		return -1;
	for (size_t i = 0; i < m->steps.n; i++) {
		const fld_step *st = &m->steps.v[i];
		int k = st->kind == FLD_STEP_HANDOFF ? 0 : st->kind == FLD_STEP_CALIBRATE ? 1 : 2;
		const fld_op *fo;

		if (st->kind == FLD_STEP_WAIT)
			continue;
		present[k]++;
		if (st->rc == AF_OK)
			continue;
		fails[k]++;
		fo = &m->l->ops[st->fail_op];
		if (link_failure(m, st)) {
			fld_text_add(&m->rep->expects_said,
				     "operation %u %s: %s on the link (%s): no expectation, the simulation has "
				     "no link", st->seq, fld_step_kind_name(st->kind), af_err_name(st->rc),
				     fld_op_message(fo));
			continue;
		}
		snprintf(metric, sizeof metric, "op.%u.errors.%s", st->seq, af_err_name(st->rc));
		add_expect(m, metric, true, 1, false, 0);
		fld_text_add(&m->rep->expects_said, "operation %u %s fails with %s%s: %s%s", st->seq,
			     fld_step_kind_name(st->kind), af_err_name(st->rc),
			     st->main_op == FLD_NO_MAIN ? " in its setup" : "", fld_op_message(fo),
			     hal_failure(m, st) ? ""
			     : " (no HAL error: the engine's own failure; once the engine is fixed, "
			       "expect op.N.errors.any: {max: 0} instead)");
	}
	for (int k = 0; k < 3; k++) {
		if (!present[k])
			continue;
		snprintf(metric, sizeof metric, "%s.errors.any", kinds[k]);
		add_expect(m, metric, false, 0, true, fails[k]);
	}
	return 0;
}

/* --- what a scenario cannot hold ----------------------------------------------------- */

/* The engine configuration as a scenario keeps it: every field that does
 * not survive the scenario's writer and loader is missing. */
static int check_engine(imp *m)
{
	sim_scenario copy = m->sc, back;
	size_t nf, len;
	const af_log_field *f = af_log_config_fields(&nf);
	char *text = NULL, err[SIM_ERR_MAX], a[64], b[64];

	/* the room and the size do not matter here */
	copy.room.kind = MDL_ROOM_CONSTANT;
	copy.n_steps = copy.n_steps ? 1 : 0;
	copy.n_faults = 0;
	copy.n_expects = 0;
	if (sim_scenario_format(&copy, NULL, NULL, &text, &len, err, sizeof err) != 0) {
		fld_text_add(&m->rep->missing, "the engine configuration: %s", err);
		return 0;
	}
	if (sim_scenario_load_string(m->out_path, text, len, &back, err, sizeof err) != 0) {
		fld_text_add(&m->rep->missing, "the engine configuration does not load back: %s", err);
		free(text);
		return 0;
	}
	for (size_t i = 0; i < nf; i++) {
		fld_config_value(&m->l->config, &f[i], a, sizeof a);
		fld_config_value(&back.engine, &f[i], b, sizeof b);
		if (strcmp(a, b) != 0)
			fld_text_add(&m->rep->missing,
				     "engine %s = %s: a scenario cannot set it (it would run with %s)",
				     f[i].name, a, b);
	}
	sim_scenario_release(&back);
	free(text);
	return 0;
}

static void check_log(imp *m)
{
	const fld_log *l = m->l;

	for (size_t i = 0; i < m->steps.missing.n; i++)
		fld_text_add(&m->rep->missing, "%s", m->steps.missing.v[i]);
	for (size_t i = 0; i < m->steps.notes.n; i++)
		fld_text_add(&m->rep->notes, "%s", m->steps.notes.v[i]);
	if (!m->steps.ops)
		fld_text_add(&m->rep->missing, "no operation: the log holds nothing to run");
	if (!(l->hdr.flags & AF_LOG_FLAG_STAMPS))
		fld_text_add(&m->rep->missing,
			     "clock stamps: the log's calls carry none, so the readings of the "
			     "temperature sensor have no times and the rig's timings cannot be fitted");
	else if (!m->fit.ntemps)
		fld_text_add(&m->rep->missing,
			     "temperature readings: the log has none, so the room's temperature is "
			     "not known");
	if (!l->closed)
		fld_text_add(&m->rep->notes, "the log was not closed (the recording stopped): the "
			     "scenario ends where it does");
	for (size_t i = 0; i < m->fit.said.n; i++)
		fld_text_add(&m->rep->rig_said, "%s", m->fit.said.v[i]);
	for (size_t i = 0; i < m->fit.kept.n; i++)
		fld_text_add(&m->rep->rig_said, "kept the default: %s", m->fit.kept.v[i]);
}

/* --- the file -------------------------------------------------------------------------- */

static void comment_lines(FILE *f, const char *title, const fld_text *t)
{
	if (!t->n)
		return;
	fprintf(f, "%s:\n", title);
	for (size_t i = 0; i < t->n; i++)
		fprintf(f, "  %s\n", t->v[i]);
}

/* The header comment: where the scenario came from and what it is made of. */
static char *header(imp *m)
{
	const fld_log *l = m->l;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "imported by afsim field import%s%s from the field log %s\n",
		m->o->version ? " " : "", m->o->version ? m->o->version : "", m->log_name);
	fprintf(f, "log: engine %s, build '%s', rig '%s', hal '%s'; %zu engine operations, %zu "
		"calls, %llu frames (%llu with pixels)\n", l->hdr.engine_version, l->hdr.build_id,
		l->hdr.rig_id, l->hdr.hal_name, l->nops, l->ncalls, (unsigned long long)l->frames,
		(unsigned long long)l->frames_kept);
	fprintf(f, "operation N below is the N-th calibration, handoff or autofocus of the steps "
		"(a fault's at_op, the op.N metrics)\n");
	comment_lines(f, "faults, from the HAL errors", &m->rep->faults_said);
	comment_lines(f, "expected", &m->rep->expects_said);
	comment_lines(f, "the rig", &m->rep->rig_said);
	comment_lines(f, "notes", &m->rep->notes);
	comment_lines(f, "MISSING (written with --force: not faithful)", &m->rep->missing);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	/* no trailing newline: the writer ends each line itself */
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

/* The trace's path, as sim_scenario_write_file names it. */
static void trace_path(const char *out, char *buf, size_t n)
{
	size_t stem = strlen(out);

	if (stem > 5 && strcmp(out + stem - 5, ".yaml") == 0)
		stem -= 5;
	else if (stem > 4 && strcmp(out + stem - 4, ".yml") == 0)
		stem -= 4;
	snprintf(buf, n, "%.*s.temps.csv", (int)stem, out);
}

/* The scenario's YAML must load: at most 1 MiB. */
static int check_size(imp *m)
{
	char *text = NULL, err[SIM_ERR_MAX];
	size_t len = 0;

	if (sim_scenario_format(&m->sc, NULL, "x.temps.csv", &text, &len, err, sizeof err) != 0)
		return -1;
	free(text);
	if (len > ((size_t)1 << 20))
		fld_text_add(&m->rep->missing,
			     "the size: the scenario would be %zu bytes (%zu steps), more than the 1 MiB a "
			     "scenario may be", len, m->sc.n_steps);
	return 0;
}

int fld_import(const fld_log *l, const char *log_name, const char *out_path,
	       const fld_import_opts *o, fld_import_report *rep, char *err, size_t errlen)
{
	imp m;
	char *comment = NULL;
	int rc = -1;

	memset(rep, 0, sizeof *rep);
	memset(&m, 0, sizeof m);
	m.l = l;
	m.o = o;
	m.rep = rep;
	m.log_name = log_name;
	m.out_path = out_path;
	if (!l->has_config) {
		snprintf(err, errlen, "%s: the log holds no engine (it ends before the engine's "
			 "creation): nothing to import", log_name);
		return 2;
	}
	if (o->name && !name_ok(o->name)) {
		snprintf(err, errlen, "'%s' is not a scenario name: 1 to 63 of a-z 0-9 _ -", o->name);
		return 2;
	}
	if (fld_steps_build(l, o->wait_min_s, &m.steps, err, errlen) != 0)
		return -1;
	if (fld_fit_rig(l, m.steps.start_us, &m.fit, err, errlen) != 0)
		goto out;
	if (skeleton(&m) != 0 || infer_faults(&m) != 0 || expectations(&m) != 0)
		goto oom;
	rep->ops = m.steps.ops;
	rep->failed = m.steps.failed;
	check_log(&m);
	if (check_engine(&m) != 0 || fld_imp_set_faults(&m, 0) != 0 || check_size(&m) != 0)
		goto oom;
	if (rep->missing.n && !o->force) {
		say_faults(&m);
		rc = 1;
		goto out;
	}
	/* the setup faults, each at the time the simulation makes its call */
	if (fld_imp_place_setup_faults(&m, err, errlen) != 0)
		goto out;
	say_faults(&m);
	if (!(comment = header(&m)))
		goto oom;
	if (sim_scenario_write_file(&m.sc, out_path, comment, err, errlen) != 0)
		goto out;
	rep->written = true;
	if (m.sc.room.kind == MDL_ROOM_TRACE)
		trace_path(out_path, rep->trace_path, sizeof rep->trace_path);
	if (fld_imp_check(&m, err, errlen) != 0)
		goto out;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (rep->missing.oom || rep->notes.oom || rep->faults_said.oom || rep->expects_said.oom ||
	    rep->rig_said.oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	free(comment);
	free(m.pf);
	sim_scenario_release(&m.sc);
	fld_fit_release(&m.fit);
	fld_steps_release(&m.steps);
	return rc;
}
