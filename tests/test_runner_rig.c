/*
 * test_runner_rig.c - the runner on a rig without the simulation-only
 * table (sim/rig.h), as on a physical rig: the simulated rig behind a
 * "bench" source that hides its table, so every run is deterministic and
 * fast (the simulated HAL's clock is the rig's clock, its sleep passes
 * virtual time) while the runner sees only a HAL and hooks.
 *
 * What it shows: the runner makes the same HAL calls with and without the
 * table (same operations, same figures, bit for bit); the run is recorded
 * as `hil` with the rig's name, no trace, NaN for the ground truth, and
 * ground-truth expectations not applicable; a wait really waits on the rig
 * clock and ticks the engine; a rig without places is said once; faults
 * are not injected but said; a handoff from B starts from an autofocus; a
 * lost rig ends the run as an error with what was recorded kept; a
 * recorded run (--record) is the same run and replays exactly.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec.h"
#include "field/fld_log.h"
#include "field/fld_replay.h"
#include "field/fld_sim.h"
#include "sim/results_db.h"
#include "sim/runner.h"
#include "sim/sim_rig.h"
#include "tests/dbfix.h"

Suite *runner_rig_suite(void);

/* --- what the sink saw ------------------------------------------------------ */

#define MAXOPS 64
#define MAXEV 16

typedef struct seen {
	char mode[8], rig[128];
	uint32_t nops, nsamples, nev, nexp;
	sim_op_record ops[MAXOPS];
	char errors[MAXOPS][160];
	double sample_truth_sum;      /* NaN once any true focus is NaN */
	uint32_t samples_with_truth;
	char ev_kind[MAXEV][16], ev_detail[MAXEV][256];
	sim_expect_record exp[8];
	char exp_metric[8][64];
	uint32_t trace_slices;
} seen;

static void s_begin(void *user, const sim_run_info *r)
{
	seen *s = user;

	snprintf(s->mode, sizeof s->mode, "%s", r->mode);
	snprintf(s->rig, sizeof s->rig, "%s", r->rig);
}

static void s_op(void *user, const sim_op_record *r)
{
	seen *s = user;

	if (s->nops < MAXOPS) {
		s->ops[s->nops] = *r;
		snprintf(s->errors[s->nops], sizeof s->errors[0], "%s", r->error);
		s->ops[s->nops].error = s->errors[s->nops];
		s->ops[s->nops].kind = r->kind;   /* static strings */
	}
	s->nops++;
}

static void s_sample(void *user, const sim_sample_record *r)
{
	seen *s = user;

	s->nsamples++;
	if (!isnan(r->true_focus_um))
		s->samples_with_truth++;
}

static void s_event(void *user, const sim_event_record *r)
{
	seen *s = user;

	if (s->nev < MAXEV) {
		snprintf(s->ev_kind[s->nev], sizeof s->ev_kind[0], "%s", r->kind);
		snprintf(s->ev_detail[s->nev], sizeof s->ev_detail[0], "%s", r->detail);
	}
	s->nev++;
}

static void s_expect(void *user, const sim_expect_record *r)
{
	seen *s = user;

	if (s->nexp < 8) {
		s->exp[s->nexp] = *r;
		snprintf(s->exp_metric[s->nexp], sizeof s->exp_metric[0], "%s", r->metric);
		s->exp[s->nexp].metric = s->exp_metric[s->nexp];
	}
	s->nexp++;
}

static void s_trace(void *user, const struct sim_trace_entry *e, size_t n)
{
	seen *s = user;

	(void)e;
	(void)n;
	s->trace_slices++;
}

static const sim_results_ops seen_ops = { .run_begin = s_begin, .op = s_op, .sample = s_sample,
					  .event = s_event, .expectation = s_expect,
					  .trace_index = s_trace };

/* --- the bench: the simulated rig seen as a physical one -------------------- */

typedef struct bench {
	bool places;          /* offer set_place */
	long fail_after;      /* rig calls before the link goes (-1: never) */
	long calls, temps;    /* rig calls made, read_temperature among them */
	sim_rig inner;        /* the simulated rig underneath */
	char lost[160];       /* "" while the link holds */
} bench;

/* A rig call: counted; once the link is gone, AF_EIO. */
static bool link_up(bench *b)
{
	if (b->fail_after >= 0 && b->calls >= b->fail_after) {
		if (!b->lost[0])
			snprintf(b->lost, sizeof b->lost,
				 "the connection closed: sent '%ld GET_Z', received nothing", b->calls + 1);
		return false;
	}
	b->calls++;
	return true;
}

#define FWD(call) (link_up(b) ? (call) : AF_EIO)

static int b_select_lens(void *c, af_lens l)
{
	bench *b = c;
	return FWD(b->inner.hal.ops->select_lens(b->inner.hal.ctx, l));
}
static int b_get_lens(void *c, af_lens *l)
{
	bench *b = c;
	return FWD(b->inner.hal.ops->get_lens(b->inner.hal.ctx, l));
}
static int b_move_z(void *c, double z)
{
	bench *b = c;
	return FWD(b->inner.hal.ops->move_z(b->inner.hal.ctx, z));
}
static int b_get_z(void *c, double *z)
{
	bench *b = c;
	return FWD(b->inner.hal.ops->get_z(b->inner.hal.ctx, z));
}
static int b_wait_settled(void *c, uint32_t ms)
{
	bench *b = c;
	return FWD(b->inner.hal.ops->wait_settled(b->inner.hal.ctx, ms));
}
static int b_grab_frame(void *c, af_frame *f)
{
	bench *b = c;
	return FWD(b->inner.hal.ops->grab_frame(b->inner.hal.ctx, f));
}
static int b_read_temperature(void *c, double *t)
{
	bench *b = c;

	b->temps++;
	return FWD(b->inner.hal.ops->read_temperature(b->inner.hal.ctx, t));
}
/* the clock is local: never a rig call */
static int b_now_us(void *c, int64_t *t)
{
	bench *b = c;
	return b->inner.hal.ops->now_us(b->inner.hal.ctx, t);
}
static int b_sleep_us(void *c, uint32_t us)
{
	bench *b = c;
	return b->inner.hal.ops->sleep_us(b->inner.hal.ctx, us);
}
static const char *b_errmsg(void *c)
{
	bench *b = c;
	return b->lost[0] ? b->lost : b->inner.hal.ops->errmsg(b->inner.hal.ctx);
}
static int b_set_exposure(void *c, uint32_t us)
{
	bench *b = c;
	return FWD(af_hal_set_exposure_us(&b->inner.hal, us));
}
static int b_get_exposure(void *c, uint32_t *us)
{
	bench *b = c;
	return FWD(af_hal_get_exposure_us(&b->inner.hal, us));
}
static int b_set_roi(void *c, const af_roi *r)
{
	bench *b = c;
	return FWD(af_hal_set_roi(&b->inner.hal, r));
}
static int b_get_roi(void *c, af_roi *r)
{
	bench *b = c;
	return FWD(af_hal_get_roi(&b->inner.hal, r));
}
static int b_z_busy(void *c, bool *busy)
{
	bench *b = c;
	return FWD(af_hal_z_busy(&b->inner.hal, busy));
}

static int b_wait_settled_z(void *c, uint32_t ms, double *z)
{
	bench *b = c;
	return FWD(af_hal_wait_settled_z(&b->inner.hal, ms, z));
}

static const af_hal_ops bench_hal = {
	"bench", AF_HAL_VERSION, b_select_lens, b_get_lens, b_move_z, b_get_z, b_wait_settled,
	b_grab_frame, b_read_temperature, b_now_us, b_sleep_us, b_errmsg, b_set_exposure,
	b_get_exposure, b_set_roi, b_get_roi, b_z_busy, b_wait_settled_z,
};

static int b_set_place(void *c, double z)
{
	bench *b = c;

	if (!b->places)
		return AF_ENOTSUP;
	return FWD(b->inner.ops->set_place(b->inner.ctx, z));
}

static void b_set_event_hook(void *c, sim_rig_event_fn fn, void *user)
{
	bench *b = c;

	b->inner.ops->set_event_hook(b->inner.ctx, fn, user);
}

static const char *b_lost(void *c)
{
	bench *b = c;

	return b->lost[0] ? b->lost : NULL;
}

static const sim_rig_ops bench_rig = { .mode = "hil", .set_place = b_set_place,
				       .set_event_hook = b_set_event_hook, .lost = b_lost,
				       .world = NULL };

static int b_open(void *user, const sim_scenario *s, uint64_t seed, struct sim_trace *trace,
		  sim_rig *out, char *err, size_t n)
{
	bench *b = user;
	const sim_rig_source *sim = sim_rig_simulated();
	char e[256];

	(void)trace;   /* a physical rig keeps no trace */
	if (sim->open(sim->user, s, seed, NULL, &b->inner, e, sizeof e) != 0) {
		snprintf(err, n, "%s", e);
		return -1;
	}
	ck_assert_int_eq(af_hal_bind(&out->hal, &bench_hal, b, e, sizeof e), AF_OK);
	out->ops = &bench_rig;
	out->ctx = b;
	snprintf(out->name, sizeof out->name, "bench-1 (afsim-test 0.1)");
	return 0;
}

static void b_close(void *user, sim_rig *rig)
{
	bench *b = user;
	const sim_rig_source *sim = sim_rig_simulated();

	(void)rig;
	sim->close(sim->user, &b->inner);
}

static sim_rig_source bench_source(bench *b)
{
	sim_rig_source src = { "hil", "bench-1", b_open, b_close, b };

	memset(b, 0, sizeof *b);
	b->places = true;
	b->fail_after = -1;
	return src;
}

/* --- helpers ------------------------------------------------------------------ */

static void load(sim_scenario *s, const char *yaml)
{
	char err[SIM_ERR_MAX];

	ck_assert_msg(sim_scenario_load_string("t.yaml", yaml, strlen(yaml), s, err, sizeof err) == 0,
		      "%s", err);
}

static sim_verdict run_on(const sim_scenario *s, const sim_rig_source *src, seen *sn,
			  sim_run_result *res)
{
	sim_run_opts o;

	sim_run_opts_default(&o);
	o.rig = src;
	memset(sn, 0, sizeof *sn);
	return sim_run_with(s, &o, &seen_ops, sn, res);
}

static const char nominal_yaml[] =
	"scenario: t\n"
	"seed: 5\n"
	"steps:\n"
	"  - calibrate: {points: 7, from_um: -6, to_um: 6}\n"
	"  - handoff: {from: A, to: B, z_um: {uniform: [-4, 4]}, repeat: 6}\n"
	"  - autofocus: {lens: B, near_um: 1}\n"
	"expect:\n"
	"  handoff.success_rate: {min: 1}\n"
	"  handoff.focus_error_um.max: {max: 1.0}\n"
	"  handoff.total_ms.p50: {max: 2000}\n"
	"  autofocus.focus_error_um.max: {max: 1.0}\n";

/* --- tests ---------------------------------------------------------------------- */

/* Without the table the runner makes the same HAL calls: the operations
 * and their figures are those of the simulated run, bit for bit, save the
 * ground truth (NaN); the run is `hil` on the rig's name, untraced. */
START_TEST(same_calls_with_and_without_the_table)
{
	sim_scenario s;
	sim_rig_source src;
	bench b;
	static seen a, h;
	sim_run_result ra, rh;

	load(&s, nominal_yaml);
	ck_assert_int_eq(run_on(&s, sim_rig_simulated(), &a, &ra), SIM_PASSED);
	src = bench_source(&b);
	ck_assert_int_eq(run_on(&s, &src, &h, &rh), SIM_PASSED);
	ck_assert_str_eq(a.mode, "sim");
	ck_assert_str_eq(a.rig, "sim:default");
	ck_assert_str_eq(h.mode, "hil");
	ck_assert_str_eq(h.rig, "bench-1 (afsim-test 0.1)");
	ck_assert_str_eq(rh.mode, "hil");
	ck_assert_uint_eq(a.nops, 8);
	ck_assert_uint_eq(h.nops, 8);
	for (uint32_t i = 0; i < a.nops; i++) {
		const sim_op_record *x = &a.ops[i], *y = &h.ops[i];

		ck_assert_str_eq(x->kind, y->kind);
		/* the rig's clock is the HAL's, in whole microseconds */
		ck_assert_msg(fabs(x->t_ms - y->t_ms) < 1e-3, "op %u t %.17g %.17g", i + 1, x->t_ms,
			      y->t_ms);
		ck_assert_msg(x->z_found_um == y->z_found_um || (isnan(x->z_found_um) && isnan(y->z_found_um)),
			      "op %u found %.17g %.17g", i + 1, x->z_found_um, y->z_found_um);
		ck_assert_msg(x->total_ms == y->total_ms, "op %u total %.17g %.17g", i + 1, x->total_ms,
			      y->total_ms);
		ck_assert_msg(x->mapping_error_um == y->mapping_error_um ||
			      (isnan(x->mapping_error_um) && isnan(y->mapping_error_um)), "op %u map", i + 1);
		ck_assert_uint_eq(x->frames, y->frames);
		ck_assert(y->success);
		ck_assert(isnan(y->focus_error_um));
	}
	ck_assert(isfinite(a.ops[1].focus_error_um));
	ck_assert_uint_eq(a.nsamples, h.nsamples);
	ck_assert_uint_eq(a.samples_with_truth, a.nsamples);
	ck_assert_uint_eq(h.samples_with_truth, 0);
	/* the simulated run is traced, the rig's is not */
	ck_assert(ra.traced);
	ck_assert_uint_gt(a.trace_slices, 0);
	ck_assert(!rh.traced);
	ck_assert_uint_eq(rh.trace_hash, 0);
	ck_assert_uint_eq(h.trace_slices, 0);
	ck_assert(isnan(rh.virtual_s));
	ck_assert_uint_eq(rh.handoffs_ok, 6);
	ck_assert(isnan(rh.focus_error_max_um));
	ck_assert_msg(ra.total_p95_ms == rh.total_p95_ms, "p95 %.17g %.17g", ra.total_p95_ms,
		      rh.total_p95_ms);
	sim_scenario_release(&s);
}
END_TEST

/* The ground-truth expectations are not applicable without the table:
 * neither passed nor failed, value NaN; the others are judged. */
START_TEST(ground_truth_expectations_are_not_applicable)
{
	sim_scenario s;
	static bench b;
	static seen h;
	sim_run_result r;
	sim_rig_source src = bench_source(&b);

	load(&s, nominal_yaml);
	ck_assert_int_eq(run_on(&s, &src, &h, &r), SIM_PASSED);
	ck_assert_uint_eq(h.nexp, 4);
	ck_assert_uint_eq(r.expectations, 4);
	ck_assert_uint_eq(r.na_expectations, 2);
	ck_assert_uint_eq(r.failed_expectations, 0);
	ck_assert_str_eq(h.exp[0].metric, "handoff.success_rate");
	ck_assert(h.exp[0].applicable && h.exp[0].passed);
	ck_assert_double_eq(h.exp[0].value, 1.0);
	ck_assert_str_eq(h.exp[1].metric, "handoff.focus_error_um.max");
	ck_assert(!h.exp[1].applicable && !h.exp[1].passed);
	ck_assert(isnan(h.exp[1].value));
	ck_assert_str_eq(h.exp[2].metric, "handoff.total_ms.p50");
	ck_assert(h.exp[2].applicable && h.exp[2].passed);
	ck_assert_str_eq(h.exp[3].metric, "autofocus.focus_error_um.max");
	ck_assert(!h.exp[3].applicable && !h.exp[3].passed);
	sim_scenario_release(&s);
}
END_TEST

/* A wait on a rig really waits: the rig's clock moves by the wait and the
 * engine ticks (reads the temperature) every 30 s of it. */
START_TEST(a_wait_waits_on_the_rig_clock_and_ticks)
{
	sim_scenario s;
	static bench b;
	static seen h;
	sim_run_result r;
	sim_rig_source src = bench_source(&b);
	long temps_before;

	load(&s, "scenario: w\nsteps:\n  - autofocus: {lens: A, near_um: 0}\n  - wait: {s: 95}\n"
		 "  - autofocus: {lens: A, near_um: 0}\n");
	ck_assert_int_eq(run_on(&s, &src, &h, &r), SIM_PASSED);
	ck_assert_uint_eq(h.nops, 2);
	/* the second autofocus starts 95 s (and the ticks' own time) later */
	ck_assert_double_ge(h.ops[1].t_ms - (h.ops[0].t_ms + h.ops[0].total_ms), 95000.0);
	ck_assert_double_lt(h.ops[1].t_ms - (h.ops[0].t_ms + h.ops[0].total_ms), 95100.0);
	/* ticks: one at the start, then at 30, 60 and 90 s */
	temps_before = b.temps;
	sim_scenario_release(&s);
	load(&s, "scenario: w\nsteps:\n  - autofocus: {lens: A, near_um: 0}\n"
		 "  - autofocus: {lens: A, near_um: 0}\n");
	b = (bench){ 0 };
	src = bench_source(&b);
	ck_assert_int_eq(run_on(&s, &src, &h, &r), SIM_PASSED);
	ck_assert_int_eq(temps_before - b.temps, 3);
	sim_scenario_release(&s);
}
END_TEST

/* A rig that cannot put places under the objective is said once, as a
 * warning; the operations run where the specimen is. */
START_TEST(a_rig_without_places_is_said_once)
{
	sim_scenario s;
	static bench b;
	static seen h;
	sim_run_result r;
	sim_rig_source src = bench_source(&b);

	b.places = false;
	load(&s, nominal_yaml);
	run_on(&s, &src, &h, &r);
	ck_assert_uint_eq(h.nops, 8);
	ck_assert_uint_eq(h.nev, 1);
	ck_assert_str_eq(h.ev_kind[0], "warning");
	ck_assert_str_eq(h.ev_detail[0],
			 "the rig 'bench-1 (afsim-test 0.1)' cannot put a place under the objective: "
			 "handoffs and calibration sites run wherever the specimen is");
	sim_scenario_release(&s);
}
END_TEST

/* The scenario's faults are the rig's business: not injected, said. */
START_TEST(faults_are_said_not_injected)
{
	sim_scenario s;
	static bench b;
	static seen h;
	sim_run_result r;
	sim_rig_source src = bench_source(&b);

	/* no calibration: the datasheet instrument, whose nominal mapping holds */
	load(&s, "scenario: f\nrig: {truth: nominal}\n"
		 "faults:\n  - {at_op: 2, kind: camera_drop, count: 3}\n"
		 "  - {at_s: 0, kind: turret_jam}\n"
		 "steps:\n  - handoff: {from: A, to: B, z_um: 1, repeat: 3}\n");
	ck_assert_int_eq(run_on(&s, &src, &h, &r), SIM_PASSED);
	ck_assert_uint_eq(r.handoffs_ok, 3);
	ck_assert_uint_eq(h.nev, 1);
	ck_assert_str_eq(h.ev_kind[0], "warning");
	ck_assert_str_eq(h.ev_detail[0],
			 "the scenario's 2 faults are not injected: on a physical rig faults are the "
			 "rig's own (the emulator takes them with --scenario)");
	sim_scenario_release(&s);
}
END_TEST

/* From B, with or without the table, lens B is focused by an autofocus
 * first (its frames belong to the handoff) and its result is the source:
 * never the simulator's true focal plane, which an instrument does not
 * know.  So the two runs make the same calls, bit for bit. */
START_TEST(a_handoff_from_b_starts_from_an_autofocus)
{
	sim_scenario s;
	static bench b;
	static seen h, a;
	sim_run_result r, ra;
	sim_rig_source src = bench_source(&b);

	load(&s, "scenario: ba\nsteps:\n  - calibrate: {points: 7, from_um: -6, to_um: 6}\n"
		 "  - handoff: {from: B, to: A, z_um: 2, repeat: 2}\n");
	ck_assert_int_eq(run_on(&s, &src, &h, &r), SIM_PASSED);
	ck_assert_int_eq(run_on(&s, sim_rig_simulated(), &a, &ra), SIM_PASSED);
	ck_assert_uint_eq(h.nops, 3);
	ck_assert_uint_eq(r.handoffs_ok, 2);
	ck_assert_uint_eq(ra.handoffs_ok, 2);
	ck_assert_str_eq(h.ops[1].from_lens, "B");
	/* the simulated setup scores the autofocus's frames too */
	ck_assert_uint_eq(h.nsamples, a.nsamples);
	for (uint32_t i = 1; i < 3; i++) {
		ck_assert_msg(a.ops[i].z_found_um == h.ops[i].z_found_um, "op %u found %.17g %.17g",
			      i + 1, a.ops[i].z_found_um, h.ops[i].z_found_um);
		ck_assert_msg(a.ops[i].z_predicted_um == h.ops[i].z_predicted_um, "op %u predicted",
			      i + 1);
		ck_assert_uint_eq(a.ops[i].frames, h.ops[i].frames);
		/* its mapping error is that of a handoff from B's own focus */
		ck_assert_double_lt(a.ops[i].mapping_error_um, 1.0);
	}
	sim_scenario_release(&s);
}
END_TEST

/* The rig's link goes in the middle of the handoffs: the run ends at once
 * as an error naming the rig, the step and the last exchange; what was
 * recorded before (the calibration, the first handoffs, the failed one)
 * stays. */
START_TEST(a_lost_rig_ends_the_run_as_an_error)
{
	sim_scenario s;
	static bench b;
	static seen h;
	sim_run_result r;
	sim_rig_source src = bench_source(&b);
	long calls;

	load(&s, nominal_yaml);
	/* the calls of the whole run; then the link goes half-way through */
	run_on(&s, &src, &h, &r);
	calls = b.calls;
	ck_assert_int_gt(calls, 100);
	b = (bench){ 0 };
	src = bench_source(&b);
	b.fail_after = calls / 2;
	ck_assert_int_eq(run_on(&s, &src, &h, &r), SIM_ERROR);
	ck_assert_uint_ge(h.nops, 1);
	ck_assert(!h.ops[h.nops - 1].success);
	ck_assert_msg(strstr(h.ops[h.nops - 1].error, "EIO") != NULL, "%s", h.ops[h.nops - 1].error);
	ck_assert_uint_lt(h.nops, 8);
	ck_assert_msg(strncmp(r.message, "the rig was lost in step ", 25) == 0, "%s", r.message);
	ck_assert_msg(strstr(r.message, "): the connection closed: sent '") != NULL, "%s", r.message);
	/* no expectation is judged on a run that lost its rig */
	ck_assert_uint_eq(h.nexp, 0);
	sim_scenario_release(&s);
}
END_TEST

/* A rig that cannot be opened is a run that ended in an error, with the
 * source's name and mode. */
static int refuse_open(void *user, const sim_scenario *s, uint64_t seed, struct sim_trace *trace,
		       sim_rig *out, char *err, size_t n)
{
	(void)user;
	(void)s;
	(void)seed;
	(void)trace;
	(void)out;
	snprintf(err, n, "cannot connect to the rig 'bench-9' at tcp:127.0.0.1:9: Connection refused");
	return -1;
}

START_TEST(a_rig_that_cannot_be_opened_is_a_recorded_error)
{
	sim_scenario s;
	static seen h;
	sim_run_result r;
	sim_rig_source src = { "hil", "bench-9", refuse_open, b_close, NULL };

	load(&s, nominal_yaml);
	ck_assert_int_eq(run_on(&s, &src, &h, &r), SIM_ERROR);
	ck_assert_str_eq(h.mode, "hil");
	ck_assert_str_eq(h.rig, "bench-9");
	ck_assert_str_eq(r.message, "cannot connect to the rig 'bench-9' at tcp:127.0.0.1:9: Connection refused");
	ck_assert_uint_eq(h.nops, 0);
	sim_scenario_release(&s);
}
END_TEST

/* A recorded run is the same run (same trace hash) and its log replays
 * exactly, on either face of the rig. */
START_TEST(a_recorded_run_is_the_same_run_and_replays)
{
	sim_scenario s;
	static seen a, h;
	sim_run_result r0, r1;
	fld_mem mem = { 0 };
	af_rec_sink sink = { fld_mem_write, &mem };
	sim_run_opts o;
	fld_log *log = NULL;
	fld_replay_result rr;
	char err[FLD_ERR_MAX];

	load(&s, nominal_yaml);
	ck_assert_int_eq(run_on(&s, sim_rig_simulated(), &a, &r0), SIM_PASSED);
	sim_run_opts_default(&o);
	o.record = &sink;
	ck_assert_int_eq(sim_run_with(&s, &o, &seen_ops, memset(&h, 0, sizeof h), &r1), SIM_PASSED);
	ck_assert_uint_eq(r0.trace_hash, r1.trace_hash);
	ck_assert_str_eq(r1.record_error, "");
	ck_assert_msg(fld_log_parse(mem.p, mem.len, "mem", &log, err, sizeof err) == 0, "%s", err);
	ck_assert(log->closed);
	ck_assert_str_eq(log->hdr.rig_id, "sim:default");
	ck_assert_int_eq(fld_replay(log, &log->config, NULL, false, &rr), FLD_REPRODUCED);
	/* new, a tick, calibrate, then a goto and a handoff each, autofocus */
	ck_assert_uint_eq(rr.ops, log->nops);
	ck_assert_uint_eq(log->nops, 1 + 1 + 1 + 2 * 6 + 1);
	fld_log_free(log);
	fld_mem_release(&mem);
	sim_scenario_release(&s);
}
END_TEST

/* A sink that fails stops the log, never the run: the result says why. */
static int fail_write(void *user, const void *buf, size_t n)
{
	int *left = user;

	(void)buf;
	(void)n;
	return --*left < 0 ? -28 : 0;
}

START_TEST(a_failing_log_is_said_and_the_run_goes_on)
{
	sim_scenario s;
	static seen h;
	sim_run_result r;
	int left = 40;
	af_rec_sink sink = { fail_write, &left };
	sim_run_opts o;

	load(&s, nominal_yaml);
	sim_run_opts_default(&o);
	o.record = &sink;
	ck_assert_int_eq(sim_run_with(&s, &o, &seen_ops, &h, &r), SIM_PASSED);
	ck_assert_uint_eq(h.nops, 8);
	ck_assert_msg(r.record_error[0] != '\0', "no record error");
	sim_scenario_release(&s);
}
END_TEST

/* In the store: mode hil, the rig's name, no trace hash and no simulated
 * seconds, no true focus in the samples, and the ground-truth
 * expectations with passed NULL. */
START_TEST(a_rig_run_in_the_store)
{
	sim_scenario s;
	static bench b;
	sim_run_result r;
	sim_rig_source src = bench_source(&b);
	sim_run_opts o;
	sim_results_db a;
	db *d = open_db();
	sqlite3 *h = raw_open();
	char q[300], t[200];
	FILE *f;

	snprintf(q, sizeof q, "%s/t.yaml", tmpdir);
	f = fopen(q, "w");
	ck_assert_ptr_nonnull(f);
	fputs(nominal_yaml, f);
	fclose(f);
	ck_assert_msg(sim_scenario_load(q, &s, t, sizeof t) == 0, "%s", t);
	sim_run_opts_default(&o);
	o.rig = &src;
	sim_results_db_init(&a, d, "v-test", NULL, NULL, NULL);
	ck_assert_int_eq(sim_run_with(&s, &o, &sim_results_db_ops, &a, &r), SIM_PASSED);
	ck_assert_msg(sim_results_db_error(&a) == NULL, "%s", sim_results_db_error(&a));
	q_text(h, "SELECT mode || '|' || rig || '|' || status || '|' || coalesce(trace_hash, 'NULL') "
		  "|| '|' || coalesce(virtual_s, 'NULL') FROM runs", t, sizeof t);
	ck_assert_str_eq(t, "hil|bench-1 (afsim-test 0.1)|passed|NULL|NULL");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops WHERE focus_error_um IS NULL"), 8);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples WHERE true_focus_um IS NOT NULL"), 0);
	ck_assert_int_gt(q_int(h, "SELECT count(*) FROM samples"), 50);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM trace_chunks"), 0);
	q_text(h, "SELECT group_concat(metric || ':' || coalesce(passed, 'n/a'), ' ') FROM "
		  "(SELECT metric, passed FROM expectations ORDER BY rowid)", t, sizeof t);
	ck_assert_str_eq(t, "handoff.success_rate:1 handoff.focus_error_um.max:n/a "
			    "handoff.total_ms.p50:1 autofocus.focus_error_um.max:n/a");
	sim_scenario_release(&s);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

Suite *runner_rig_suite(void)
{
	Suite *s = suite_create("runner_rig");
	TCase *tc = tcase_create("rig");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, same_calls_with_and_without_the_table);
	tcase_add_test(tc, ground_truth_expectations_are_not_applicable);
	tcase_add_test(tc, a_wait_waits_on_the_rig_clock_and_ticks);
	tcase_add_test(tc, a_rig_without_places_is_said_once);
	tcase_add_test(tc, faults_are_said_not_injected);
	tcase_add_test(tc, a_handoff_from_b_starts_from_an_autofocus);
	tcase_add_test(tc, a_lost_rig_ends_the_run_as_an_error);
	tcase_add_test(tc, a_rig_that_cannot_be_opened_is_a_recorded_error);
	tcase_add_test(tc, a_recorded_run_is_the_same_run_and_replays);
	tcase_add_test(tc, a_failing_log_is_said_and_the_run_goes_on);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_rig_run_in_the_store);
	suite_add_tcase(s, tc);
	return s;
}
