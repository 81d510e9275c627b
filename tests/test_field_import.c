/*
 * test_field_import.c - a field log made into a scenario (field/fld_steps.h,
 * field/fld_fit.h, field/fld_import.h) and into a run's records
 * (field/fld_records.h), on logs the runner records on the simulated rig:
 *   - the fit finds the rig's timings the log was made with (a slow
 *     switcher, a slow and quick-accelerating stage, a camera's readout);
 *   - the steps are the scenario's (calibrate, autofocus, handoffs from A
 *     and from B at their plan positions, waits);
 *   - the import's scenario fails where the log failed, a jam in a
 *     handoff's setup placed from a simulation;
 *   - a failed wait_settled_z (EHW) is a stage stall;
 *   - what a scenario cannot hold is missing (a level changed mid-run, an
 *     engine setting no key takes), and --force writes it anyway;
 *   - the records of a log are the runner's own records of that run.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec.h"
#include "field/fld_fit.h"
#include "field/fld_import.h"
#include "field/fld_log.h"
#include "field/fld_records.h"
#include "field/fld_sim.h"
#include "field/fld_steps.h"
#include "models/rig.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/sim_hal.h"
#include "tmpdir.h"

Suite *field_import_suite(void);

/* --- a recorded run ------------------------------------------------------------- */

/* What the runner said of each operation. */
typedef struct seen {
	sim_op_record op[64];
	char err[64][160];
	uint32_t nops;
	double score[512];
	uint32_t nsamples;
} seen;

static void on_op(void *user, const sim_op_record *r)
{
	seen *s = user;

	if (s->nops < 64) {
		s->op[s->nops] = *r;
		snprintf(s->err[s->nops], sizeof s->err[0], "%s", r->error);
		s->op[s->nops].error = s->err[s->nops];
		s->nops++;
	}
}

static void on_sample(void *user, const sim_sample_record *r)
{
	seen *s = user;

	if (s->nsamples < 512)
		s->score[s->nsamples++] = r->focus_score;
}

static const sim_results_ops seen_ops = { .op = on_op, .sample = on_sample };

/* Run yaml on the simulated rig, its log (no pixels) into *log. */
static void record(const char *yaml, fld_log **log, seen *s)
{
	sim_scenario sc;
	fld_mem mem;
	af_rec_sink sink = { fld_mem_write, &mem };
	af_rec_options ro;
	sim_run_opts o;
	sim_run_result res;
	char err[SIM_ERR_MAX];

	memset(&mem, 0, sizeof mem);
	ck_assert_msg(sim_scenario_load_string("t.yaml", yaml, strlen(yaml), &sc, err, sizeof err) == 0,
		      "%s", err);
	af_rec_options_default(&ro);
	ro.keep_last_n_ops = 1;
	ro.ring_bytes = 0;
	sim_run_opts_default(&o);
	o.record = &sink;
	o.record_opts = &ro;
	if (s)
		memset(s, 0, sizeof *s);
	sim_run_with(&sc, &o, s ? &seen_ops : NULL, s, &res);
	ck_assert_int_ne(res.verdict, SIM_ERROR);
	sim_scenario_release(&sc);
	ck_assert_msg(fld_log_parse(mem.p, mem.len, "t.aflog", log, err, sizeof err) == 0, "%s", err);
	fld_mem_release(&mem);
}

/* --- the fit ------------------------------------------------------------------------ */

static const char fit_yaml[] =
	"scenario: fit\n"
	"rig:\n"
	"  turret: {switch_ms: 60, switch_jitter_ms: 3, settle_ms: 8, bus_latency_ms: 4, jam_timeout_ms: 700}\n"
	"  stage: {bus_latency_min_ms: 3, bus_latency_max_ms: 9, max_speed_um_per_s: 150,\n"
	"          accel_um_per_s2: 20000, settle_ms: 12, settle_jitter_ms: 2}\n"
	"  camera: {readout_us_per_row: 6, frame_timeout_ms: 150, trigger_latency_us: 0, delivery_us: 0}\n"
	"faults:\n"
	"  - {at_op: 3, kind: turret_jam}\n"
	"  - {at_op: 5, kind: camera_drop}\n"
	"steps:\n"
	"  - calibrate: {points: 11, from_um: -8, to_um: 8}\n"
	"  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5]}, repeat: 8}\n";

/* The stage model's travel time (models/stage.c: trapezoid), ms. */
static double move_ms(double d, double v, double a)
{
	return 1e3 * (d <= v * v / a ? 2 * sqrt(d / a) : d / v + v / a);
}

START_TEST(fit_recovers_the_rig)
{
	fld_log *l;
	fld_fit f;
	char err[256];
	const mdl_turret_config *t;
	const mdl_stage_config *s;
	mdl_host_config host;

	record(fit_yaml, &l, NULL);
	ck_assert_int_eq(fld_fit_rig(l, 0, &f, err, sizeof err), 0);
	t = &f.rig.turret;
	s = &f.rig.stage;
	/* a switch is 60 +/- 3 ms and the 8 ms settle, which stays */
	ck_assert_double_eq(t->settle_ms, 8);
	ck_assert_msg(fabs(t->switch_ms - 60) < 1.0, "switch_ms %g", t->switch_ms);
	ck_assert_msg(t->switch_jitter_ms > 2.0 && t->switch_jitter_ms <= 3.0, "jitter %g",
		      t->switch_jitter_ms);
	/* a switch to the seated lens: the bus exchange and the engine's own
	 * work after the call, which the call's stamps take in */
	mdl_host_config_default(&host);
	ck_assert_double_eq_tol(t->bus_latency_ms, 4 + host.call_overhead_us / 1e3, 1e-9);
	ck_assert_double_eq_tol(t->jam_timeout_ms, 700 + host.call_overhead_us / 1e3, 1e-9);
	/* the stage: latency 3..9 ms, a top speed reached by every longer move */
	ck_assert_msg(s->bus_latency_min_ms >= 3 && s->bus_latency_min_ms < 3.5, "min %g",
		      s->bus_latency_min_ms);
	ck_assert_msg(s->bus_latency_max_ms <= 9 + host.call_overhead_us / 1e3 &&
		      s->bus_latency_max_ms > 8.5, "max %g",
		      s->bus_latency_max_ms);
	ck_assert_msg(fabs(s->max_speed_um_per_s - 150) < 15, "speed %g", s->max_speed_um_per_s);
	/* a move that cruises takes d/v + v/a + settle: v/a and the settle
	 * are one constant to the log, so what must hold is the time of a
	 * move, travel and settle, at every length; the wait ends at the
	 * reply of a status poll (a bus exchange of 3..9 ms after a 1 ms
	 * pause), which the fit takes in: up to one poll's time more */
	for (double d = 2; d <= 40; d *= 2) {
		double want = move_ms(d, 150, 20000) + 12;
		double got = move_ms(d, s->max_speed_um_per_s, s->accel_um_per_s2) + s->settle_ms;

		ck_assert_msg(got - want > -1.5 && got - want < 1.5 + 1 + 9,
			      "a %g um move: %g ms, the rig's %g ms", d, got, want);
	}
	/* 2 ms, and the spread of the poll that ends the wait (3..9 ms) */
	ck_assert_msg(s->settle_jitter_ms > 1.0 && s->settle_jitter_ms < 3.0 + 6.0, "settle jitter %g",
		      s->settle_jitter_ms);
	/* the camera: the readout exactly, the exposure kept (the log never reads it) */
	/* the readout: a grab's time past its exposure over its 128 rows
	 * (no trigger latency nor delivery here), with the engine's work
	 * after the call (its overhead and the measure of 128 x 128 pixels),
	 * the stamps in whole microseconds */
	ck_assert_double_eq_tol(f.rig.camera.readout_us_per_row,
				6 + (host.call_overhead_us + 128 * 128 * host.compute_ns_per_px / 1e3) / 128,
				0.01);
	ck_assert_uint_eq(f.rig.camera.exposure_us, 5000);
	ck_assert_double_eq_tol(f.rig.camera.frame_timeout_ms, 150 + host.call_overhead_us / 1e3, 1e-9);
	/* the room: every reading, the stand following it */
	ck_assert_uint_gt(f.ntemps, 8);
	ck_assert_double_eq(f.rig.thermal.tau_fast_s, 0);
	ck_assert_double_eq(f.rig.thermal.sensor_noise_c, 0);
	fld_fit_release(&f);
	fld_log_free(l);
}
END_TEST

/* --- the steps ---------------------------------------------------------------------- */

static const char steps_yaml[] =
	"scenario: steps\n"
	"steps:\n"
	"  - calibrate: {points: 7, from_um: -6, to_um: 6, passes: 1, measure_backlash: false}\n"
	"  - autofocus: {lens: B, near_um: 4.1}\n"
	"  - handoff: {from: A, to: B, z_um: 1.25}\n"
	"  - wait: {s: 45}\n"
	"  - handoff: {from: B, to: A, z_um: -2.5}\n"
	"  - wait: {s: 0.25}\n"
	"  - handoff: {from: A, to: B, z_um: 0.75}\n";

START_TEST(steps_are_the_scenarios)
{
	fld_log *l;
	fld_steps st;
	char err[256];
	static const fld_step_kind want[] = { FLD_STEP_CALIBRATE, FLD_STEP_AUTOFOCUS, FLD_STEP_HANDOFF,
					     FLD_STEP_WAIT, FLD_STEP_HANDOFF, FLD_STEP_WAIT,
					     FLD_STEP_HANDOFF };

	record(steps_yaml, &l, NULL);
	ck_assert_int_eq(fld_steps_build(l, 0.05, &st, err, sizeof err), 0);
	ck_assert_uint_eq(st.n, 7);
	ck_assert_uint_eq(st.ops, 5);
	ck_assert_uint_eq(st.missing.n, 0);
	for (size_t i = 0; i < 7; i++)
		ck_assert_int_eq(st.v[i].kind, want[i]);
	ck_assert_uint_eq(st.v[0].seq, 1);
	ck_assert_uint_eq(st.v[0].plan.points, 7);
	ck_assert_double_eq(st.v[0].plan.from_um, -6);
	ck_assert_uint_eq(st.v[0].plan.passes, 1);
	ck_assert(!st.v[0].plan.measure_backlash);
	ck_assert_int_eq(st.v[1].lens, AF_LENS_B);
	ck_assert_double_eq(st.v[1].z_um, 4.1);
	ck_assert_uint_eq(st.v[2].seq, 3);
	ck_assert_double_eq(st.v[2].z_um, 1.25);
	ck_assert_double_eq_tol(st.v[3].wait_s, 45, 1e-6);
	/* from B: two setup moves (the place's B focus, then the true one) */
	ck_assert_uint_eq(st.v[4].seq, 4);
	ck_assert_int_eq(st.v[4].from, AF_LENS_B);
	ck_assert_int_eq(st.v[4].to, AF_LENS_A);
	ck_assert_uint_eq(st.v[4].nops, 3);
	ck_assert_double_eq_tol(st.v[4].z_um, -2.5, 1e-9);
	ck_assert_double_eq_tol(st.v[5].wait_s, 0.25, 1e-6);
	ck_assert_uint_eq(st.v[6].seq, 5);
	fld_steps_release(&st);
	fld_log_free(l);
}
END_TEST

/* --- the import ----------------------------------------------------------------------- */

/* Where handoff 2 of a run of yaml is half way through its search (ns). */
static int64_t mid_handoff(const char *yaml, uint32_t seq)
{
	fld_log *l;
	seen s;
	int64_t t;

	record(yaml, &l, &s);
	ck_assert_uint_ge(s.nops, seq);
	t = (int64_t)llround((s.op[seq - 1].t_ms + s.op[seq - 1].lens_switch_ms +
			      0.5 * (s.op[seq - 1].total_ms - s.op[seq - 1].lens_switch_ms)) * 1e6);
	fld_log_free(l);
	return t;
}

START_TEST(import_reproduces_a_setup_jam)
{
	static const char base[] =
		"scenario: jam\n"
		"rig: {truth: nominal}\n"   /* no calibration: the datasheet instrument */
		"steps:\n"
		"  - handoff: {from: A, to: B, z_um: 0.5}\n"
		"  - handoff: {from: A, to: B, z_um: -1.5}\n"
		"  - handoff: {from: A, to: B, z_um: 1.0}\n"
		"  - handoff: {from: A, to: B, z_um: 2.0}\n";
	char yaml[1024], dir[128], out[256], err[600];
	int64_t at = mid_handoff(base, 2);
	fld_import_opts o;
	fld_import_report rep;
	sim_scenario sc;
	fld_log *l;
	seen s;

	/* armed half way through handoff 2: the switch back to lens A for
	 * handoff 3 jams, in its setup */
	snprintf(yaml, sizeof yaml, "%.*sfaults:\n  - {at_s: %.9f, kind: turret_jam}\n%s",
		 (int)(strstr(base, "steps:") - base), base, (double)at / 1e9, strstr(base, "steps:"));
	record(yaml, &l, &s);
	ck_assert_uint_eq(s.nops, 4);
	ck_assert(!s.op[2].success);
	ck_assert_str_eq(s.err[2], "EHW: setup: select_lens: objective switcher jammed moving from lens B to lens A");
	tmpdir_make(dir, sizeof dir, "import");
	snprintf(out, sizeof out, "%s/jam.yaml", dir);
	fld_import_opts_default(&o);
	ck_assert_msg(fld_import(l, "t.aflog", out, &o, &rep, err, sizeof err) == 0, "%s", err);
	ck_assert(rep.written);
	ck_assert_uint_eq(rep.setup_runs, 1);
	ck_assert_uint_eq(rep.faults, 1);
	ck_assert_msg(rep.checked, "%s", rep.notes.n ? rep.notes.v[0] : "");
	ck_assert_uint_eq(rep.sim_failed, 1);
	ck_assert_uint_eq(rep.missing.n, 0);
	ck_assert_int_eq(sim_scenario_load(out, &sc, err, sizeof err), 0);
	ck_assert_uint_eq(sc.n_faults, 1);
	ck_assert_int_eq(sc.faults[0].kind, SIM_FAULT_TURRET_JAM);
	ck_assert_int_eq(sc.faults[0].at_op, -1);
	/* in the simulation's timeline: after handoff 2's switch, before its end */
	ck_assert_int_gt(sc.faults[0].at_ns, (int64_t)llround((s.op[1].t_ms + s.op[1].lens_switch_ms) * 1e6));
	ck_assert_int_le(sc.faults[0].at_ns, (int64_t)llround(s.op[2].t_ms * 1e6));
	ck_assert_uint_eq(sc.n_expects, 2);
	ck_assert_str_eq(sc.expects[0].metric, "op.3.errors.EHW");
	ck_assert_str_eq(sc.expects[1].metric, "handoff.errors.any");
	ck_assert_double_eq(sc.expects[1].max, 1);
	ck_assert_int_eq(sc.room.kind, MDL_ROOM_TRACE);
	sim_scenario_release(&sc);
	fld_import_report_release(&rep);
	fld_log_free(l);
	tmpdir_remove(dir);
}
END_TEST

/* The settle wait that reports the encoder failing EHW (a stall the
 * controller saw while the engine waited) is a stage_stall in the
 * imported scenario, as a failed wait_settled is. */
START_TEST(a_failed_settle_wait_z_is_a_stall)
{
	static const char yaml[] =
		"scenario: stall\n"
		"rig: {truth: nominal}\n"
		"faults:\n"
		"  - {at_op: 2, kind: hal_error, op: wait_settled_z, code: EHW, at_call: 1}\n"
		"steps:\n"
		"  - handoff: {from: A, to: B, z_um: 0.5}\n"
		"  - handoff: {from: A, to: B, z_um: -1.5}\n"
		"  - handoff: {from: A, to: B, z_um: 1.0}\n";
	char dir[128], out[256], err[600];
	fld_import_opts o;
	fld_import_report rep;
	sim_scenario sc;
	fld_log *l;
	seen s;
	size_t failed = 0;

	record(yaml, &l, &s);
	ck_assert_uint_eq(s.nops, 3);
	ck_assert(!s.op[1].success);
	ck_assert_str_eq(s.err[1], "EHW: wait_settled_z: injected EHW (hardware fault) at call 1 of "
		    "wait_settled_z");
	for (size_t i = 0; i < l->ncalls; i++)
		failed += l->calls[i].op == AF_LOG_CALL_WAIT_SETTLED_Z && l->calls[i].rc == AF_EHW;
	ck_assert_uint_eq(failed, 1);
	tmpdir_make(dir, sizeof dir, "import");
	snprintf(out, sizeof out, "%s/stall.yaml", dir);
	fld_import_opts_default(&o);
	o.force = true;
	ck_assert_msg(fld_import(l, "t.aflog", out, &o, &rep, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(rep.faults, 1);
	ck_assert_int_eq(sim_scenario_load(out, &sc, err, sizeof err), 0);
	ck_assert_uint_eq(sc.n_faults, 1);
	ck_assert_int_eq(sc.faults[0].kind, SIM_FAULT_STAGE_STALL);
	sim_scenario_release(&sc);
	fld_import_report_release(&rep);
	fld_log_free(l);
	tmpdir_remove(dir);
}
END_TEST

/* A log of the engine on the default simulated rig, driven by hand: a
 * level change between two handoffs, with cfg. */
static fld_log *hand_log(const af_engine_config *cfg, bool set_level)
{
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal hal;
	af_rec *rec;
	af_engine *e;
	af_rec_options ro;
	fld_mem mem;
	af_rec_sink sink = { fld_mem_write, &mem };
	af_handoff_result h;
	const char *why = NULL;
	char err[256];
	fld_log *l;

	memset(&mem, 0, sizeof mem);
	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	sh = sim_hal_new(&rig, &room, 1, NULL, &why);
	ck_assert_ptr_nonnull(sh);
	sim_hal_bind(sh, &hal);
	af_rec_options_default(&ro);
	ro.keep_last_n_ops = 1;
	ro.ring_bytes = 0;
	rec = af_rec_new(&hal, &ro, &sink, &why);
	ck_assert_ptr_nonnull(rec);
	e = af_rec_engine_new(rec, cfg, &why);
	ck_assert_ptr_nonnull(e);
	(void)af_engine_tick(e);
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 0.5), AF_OK);
	(void)af_handoff(e, AF_LENS_A, AF_LENS_B, 0.5, &h);
	if (set_level)
		af_engine_set_level(e, AF_LEVEL_STANDARD);
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, -0.5), AF_OK);
	(void)af_handoff(e, AF_LENS_A, AF_LENS_B, -0.5, &h);
	af_rec_close(rec);
	af_engine_free(e);
	af_rec_free(rec);
	sim_hal_free(sh);
	ck_assert_msg(fld_log_parse(mem.p, mem.len, "hand.aflog", &l, err, sizeof err) == 0, "%s", err);
	fld_mem_release(&mem);
	return l;
}

static bool has_line(const fld_text *t, const char *part)
{
	for (size_t i = 0; i < t->n; i++)
		if (strstr(t->v[i], part))
			return true;
	return false;
}

START_TEST(missing_is_said_and_force_writes)
{
	af_engine_config cfg;
	fld_import_opts o;
	fld_import_report rep;
	char dir[128], out[256], err[600];
	fld_log *l;
	FILE *f;
	char line[512];
	bool said = false;

	af_engine_config_default(&cfg);
	l = hand_log(&cfg, true);
	tmpdir_make(dir, sizeof dir, "import");
	snprintf(out, sizeof out, "%s/lvl.yaml", dir);
	fld_import_opts_default(&o);
	ck_assert_int_eq(fld_import(l, "hand.aflog", out, &o, &rep, err, sizeof err), 1);
	ck_assert(!rep.written);
	ck_assert(has_line(&rep.missing, "log op 4 set_level standard: a scenario cannot change the "
				       "optimization level in the middle of a run"));
	ck_assert_ptr_null(fopen(out, "r"));
	fld_import_report_release(&rep);
	/* --force: written, the comment saying what is missing */
	o.force = true;
	ck_assert_msg(fld_import(l, "hand.aflog", out, &o, &rep, err, sizeof err) == 0, "%s", err);
	ck_assert(rep.written);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		said |= strstr(line, "#   log op 4 set_level standard") != NULL;
	fclose(f);
	ck_assert(said);
	fld_import_report_release(&rep);
	fld_log_free(l);
	/* an engine setting no scenario key takes */
	cfg.curve_width_um[AF_LENS_A] = 4.5;
	l = hand_log(&cfg, false);
	o.force = false;
	ck_assert_int_eq(fld_import(l, "hand.aflog", out, &o, &rep, err, sizeof err), 1);
	ck_assert_msg(has_line(&rep.missing, "engine curve_width_um.lens_a = 4.5: a scenario cannot set "
					     "it (it would run with 3.6"), "%s",
		      rep.missing.n ? rep.missing.v[0] : "(nothing missing)");
	fld_import_report_release(&rep);
	fld_log_free(l);
	tmpdir_remove(dir);
}
END_TEST

/* --- the records ---------------------------------------------------------------------- */

START_TEST(records_are_the_runners)
{
	fld_log *l;
	seen run, rec;
	char err[256];

	record(fit_yaml, &l, &run);
	memset(&rec, 0, sizeof rec);
	ck_assert_int_eq(fld_records(l, "t.aflog", &seen_ops, &rec, err, sizeof err), 0);
	ck_assert_uint_eq(rec.nops, run.nops);
	for (uint32_t i = 0; i < run.nops; i++) {
		const sim_op_record *a = &run.op[i], *b = &rec.op[i];

		ck_assert_uint_eq(a->seq, b->seq);
		ck_assert_str_eq(a->kind, b->kind);
		ck_assert_int_eq(a->success, b->success);
		ck_assert_str_eq(a->error, b->error);
		ck_assert_uint_eq(a->frames, b->frames);
		ck_assert(memcmp(&a->total_ms, &b->total_ms, sizeof a->total_ms) == 0);
		ck_assert(memcmp(&a->lens_switch_ms, &b->lens_switch_ms, sizeof a->lens_switch_ms) == 0);
		ck_assert(memcmp(&a->z_found_um, &b->z_found_um, sizeof a->z_found_um) == 0);
		ck_assert(memcmp(&a->mapping_error_um, &b->mapping_error_um, sizeof a->mapping_error_um) == 0);
		ck_assert_double_eq_tol(a->t_ms, b->t_ms, 1e-3);
	}
	ck_assert_uint_eq(rec.nsamples, run.nsamples);
	for (uint32_t i = 0; i < run.nsamples; i++)
		ck_assert(memcmp(&run.score[i], &rec.score[i], sizeof run.score[i]) == 0);
	fld_log_free(l);
}
END_TEST

Suite *field_import_suite(void)
{
	Suite *s = suite_create("field_import");
	TCase *tc = tcase_create("import");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fit_recovers_the_rig);
	tcase_add_test(tc, steps_are_the_scenarios);
	tcase_add_test(tc, import_reproduces_a_setup_jam);
	tcase_add_test(tc, a_failed_settle_wait_z_is_a_stall);
	tcase_add_test(tc, missing_is_said_and_force_writes);
	tcase_add_test(tc, records_are_the_runners);
	suite_add_tcase(s, tc);
	return s;
}
