/*
 * test_replay.c - exact replay of field logs (field/fld_replay.h): logs
 * made on the simulated rig with a turret jam and dropped frames replay
 * identically; a changed engine stops at the first call or result that
 * differs, named; logs without pixels replay from the recorded scores; a
 * log cut short replays up to its end; a log of format version 1 replays;
 * --engine-set speaks the scenario's engine keys.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "engine/af_rec_wire.h"
#include "field/fld_replay.h"
#include "sim/scenario.h"
#include "tests/recfix.h"
#include "tests/tmpdir.h"

static void engine_set(af_engine_config *c, const char *kv)
{
	char err[FLD_ERR_MAX];

	ck_assert_msg(fld_engine_set(c, kv, err, sizeof err) == 0, "%s", err);
	ck_assert_ptr_null(af_engine_config_check(c));
}

static size_t first_op(const fld_log *l, int kind)
{
	for (size_t k = 0; k < l->nops; k++)
		if (l->ops[k].kind == kind)
			return k;
	ck_abort_msg("no operation of kind %d", kind);
	return 0;
}

/* Calibration (with its site callback), autofocus, handoffs, a turret jam
 * and two dropped frames, recorded to a file: the same engine makes the
 * same calls and ends in the same results and errors. */
START_TEST(a_faulted_run_replays_identically)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(9, true, f);
	af_rec_options ro;
	af_rec_sink sink;
	fld_sim_out out;
	fld_replay_result r;
	fld_log *l = NULL;
	char dir[64], path[128], err[FLD_ERR_MAX];
	size_t failed = 0;
	FILE *fp;

	tmpdir_make(dir, sizeof dir, "replay");
	snprintf(path, sizeof path, "%s/field.aflog", dir);
	fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	sink.write = fld_file_sink_write;
	sink.user = fp;
	af_rec_options_default(&ro);
	ck_assert_msg(fld_sim_run(&p, &ro, &sink, &out, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_msg(fld_log_read_file(path, &l, err, sizeof err) == 0, "%s", err);
	tmpdir_remove(dir);
	ck_assert_uint_eq(out.failed, 3);
	for (size_t k = 0; k < l->nops; k++)
		failed += l->ops[k].rc != AF_OK;
	ck_assert_uint_eq(failed, 3);
	ck_assert_uint_eq(l->size, out.rec.bytes);
	ck_assert_int_eq(fld_replay(l, &l->config, NULL, false, &r), FLD_REPRODUCED);
	ck_assert_uint_eq(r.ops, l->nops);
	ck_assert_uint_eq(r.calls, l->ncalls);
	ck_assert_uint_eq(r.frames_measured, l->frames);
	ck_assert_uint_eq(r.frames_from_log, 0);
	ck_assert(!r.log_incomplete);
	fld_log_free(l);
}
END_TEST

/* The search setting changed: the first handoff departs from the log at
 * its fifth call (standard switches the lens before moving, fast moves
 * first), and everything before it was decided as recorded. */
START_TEST(a_changed_level_diverges_at_the_first_different_call)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(3, true, f);
	memsink m = { 0 };
	fld_sim_out out;
	fld_replay_result r;
	af_engine_config cfg;
	fld_log *l;
	size_t k;
	char want[64];

	p.calibrate = false;
	l = recfix_record(&p, NULL, &m, &out);
	k = first_op(l, AF_LOG_OP_HANDOFF);
	cfg = l->config;
	engine_set(&cfg, "optimization=standard");
	ck_assert_int_eq(cfg.level, AF_LEVEL_STANDARD);
	ck_assert_int_eq(fld_replay(l, &cfg, NULL, false, &r), FLD_DIVERGED);
	ck_assert_uint_eq(r.div_op, k);
	ck_assert(r.div_at_call);
	ck_assert_uint_eq(r.div_call, l->ops[k].first_call + 4);
	ck_assert_uint_eq(r.ops, k);
	snprintf(want, sizeof want, "call %llu move_z(", (unsigned long long)r.div_call);
	ck_assert_msg(strncmp(r.recorded, want, strlen(want)) == 0, "%s", r.recorded);
	ck_assert_str_eq(r.replayed, "select_lens(B)");
	ck_assert_str_eq(r.what, "the engine makes another call");
	ck_assert_int_eq(l->calls[r.div_call].op, AF_LOG_CALL_MOVE_Z);
	fld_log_free(l);
	memsink_release(&m);
}
END_TEST

/* Another mapping model: the calibration makes the same calls (the fit
 * comes after the last frame) but its result differs, named by field. */
START_TEST(a_changed_result_is_named_by_field)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(1, false, f);
	memsink m = { 0 };
	fld_sim_out out;
	fld_replay_result r;
	af_engine_config cfg;
	fld_log *l;

	p.autofocus = false;
	l = recfix_record(&p, NULL, &m, &out);
	cfg = l->config;
	engine_set(&cfg, "mapping.model=cubic");
	ck_assert_int_eq(fld_replay(l, &cfg, NULL, false, &r), FLD_DIVERGED);
	ck_assert_uint_eq(r.div_op, first_op(l, AF_LOG_OP_CALIBRATE));
	ck_assert(!r.div_at_call);
	ck_assert_str_eq(r.recorded, "mapping.model = 0");
	ck_assert_str_eq(r.replayed, "mapping.model = 3");
	ck_assert_str_eq(r.what, "the engine made the same calls but its result differs");
	fld_log_free(l);
	memsink_release(&m);
}
END_TEST

/* No pixels kept: the frames are answered with their recorded scores, bit
 * for bit; a changed focus measure cannot be, and says so. */
START_TEST(a_log_without_pixels_replays_from_its_scores)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(4, true, f);
	memsink m = { 0 };
	fld_sim_out out;
	fld_replay_result r;
	af_rec_options ro;
	af_engine_config cfg;
	fld_log *l;
	const char *want = "the log did not keep the pixels of the frame of call";

	p.calibrate = false;
	af_rec_options_default(&ro);
	ro.keep_last_n_ops = 1;
	ro.ring_bytes = 0;
	l = recfix_record(&p, &ro, &m, &out);
	ck_assert_uint_eq(l->frames_kept, 0);
	ck_assert_int_eq(fld_replay(l, &l->config, NULL, false, &r), FLD_REPRODUCED);
	ck_assert_uint_eq(r.ops, l->nops);
	ck_assert_uint_eq(r.frames_from_log, l->frames);
	ck_assert_uint_eq(r.frames_measured, 0);
	cfg = l->config;
	engine_set(&cfg, "search.lens_b.fast.measure=tenengrad");
	ck_assert_int_eq(fld_replay(l, &cfg, NULL, false, &r), FLD_DIVERGED);
	ck_assert_uint_eq(r.div_op, first_op(l, AF_LOG_OP_HANDOFF));
	ck_assert_msg(strncmp(r.what, want, strlen(want)) == 0, "%s", r.what);
	ck_assert_msg(strstr(r.what, "with tenengrad/1 where the recording used brenner/1"), "%s",
		      r.what);
	fld_log_free(l);
	memsink_release(&m);
}
END_TEST

/* Calls of op in the operations of kind. */
static size_t calls_in(const fld_log *l, int kind, int op)
{
	size_t n = 0;

	for (size_t k = 0; k < l->nops; k++)
		for (size_t i = 0; l->ops[k].kind == kind && i < l->ops[k].ncalls; i++)
			n += l->calls[l->ops[k].first_call + i].op == op;
	return n;
}

/*
 * A log of format version 1 (before wait_settled_z: its HAL had no such
 * op) replays exactly: the replay HAL lacks the op as the recorded one
 * did, so the engine waits and reads get_z as it did then.  The same run
 * with the op (version 2) makes one get_z fewer per handoff.
 */
START_TEST(a_version_1_log_replays)
{
	fld_sim_plan p = recfix_plan(4, false, NULL);
	memsink m1 = { 0 }, m2 = { 0 };
	fld_sim_out out1, out2;
	fld_replay_result r;
	char err[FLD_ERR_MAX];
	fld_log *l1, *l2, *v1 = NULL;

	p.calibrate = false;
	p.no_wait_z = true;
	l1 = recfix_record(&p, NULL, &m1, &out1);
	ck_assert_uint_eq(l1->hdr.optional_ops & AF_LOG_HAS_WAIT_SETTLED_Z, 0);
	ck_assert_uint_eq(calls_in(l1, AF_LOG_OP_HANDOFF, AF_LOG_CALL_WAIT_SETTLED_Z), 0);
	ck_assert_uint_eq(calls_in(l1, AF_LOG_OP_HANDOFF, AF_LOG_CALL_GET_Z), 4);
	/* what an afsim before version 2 wrote: the same bytes, version 1 */
	ck_assert_uint_eq(m1.p[8], 2);
	m1.p[8] = 1;
	ck_assert_msg(fld_log_parse(m1.p, m1.len, "v1.aflog", &v1, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(v1->hdr.version, 1);
	ck_assert_int_eq(fld_replay(v1, &v1->config, NULL, false, &r), FLD_REPRODUCED);
	ck_assert_uint_eq(r.ops, v1->nops);
	ck_assert_uint_eq(r.calls, v1->ncalls);

	p.no_wait_z = false;
	l2 = recfix_record(&p, NULL, &m2, &out2);
	ck_assert_uint_eq(l2->hdr.optional_ops & AF_LOG_HAS_WAIT_SETTLED_Z, AF_LOG_HAS_WAIT_SETTLED_Z);
	ck_assert_uint_eq(calls_in(l2, AF_LOG_OP_HANDOFF, AF_LOG_CALL_WAIT_SETTLED_Z), 4);
	ck_assert_uint_eq(calls_in(l2, AF_LOG_OP_HANDOFF, AF_LOG_CALL_GET_Z), 0);
	ck_assert_uint_eq(calls_in(l2, AF_LOG_OP_HANDOFF, AF_LOG_CALL_WAIT_SETTLED),
			  calls_in(l1, AF_LOG_OP_HANDOFF, AF_LOG_CALL_WAIT_SETTLED) - 4);
	ck_assert_int_eq(fld_replay(l2, &l2->config, NULL, false, &r), FLD_REPRODUCED);
	ck_assert_uint_eq(r.calls, l2->ncalls);
	fld_log_free(v1);
	fld_log_free(l1);
	fld_log_free(l2);
	memsink_release(&m1);
	memsink_release(&m2);
}
END_TEST

/* A frame scored differently from its recorded score, and pixels that do
 * not match their digest (the log changed in memory). */
START_TEST(scores_and_digests_are_checked)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(1, false, f);
	memsink m = { 0 };
	fld_sim_out out;
	fld_replay_result r;
	fld_log *l;
	size_t g = 0;
	double score;
	char want[256];

	p.calibrate = false;
	p.autofocus = false;
	l = recfix_record(&p, NULL, &m, &out);
	while (l->calls[g].op != AF_LOG_CALL_GRAB_FRAME)
		g++;
	score = l->calls[g].frame.score;
	l->calls[g].frame.score = score + 1.0;
	ck_assert_int_eq(fld_replay(l, &l->config, NULL, false, &r), FLD_DIVERGED);
	ck_assert_uint_eq(r.div_call, g);
	snprintf(want, sizeof want, "the engine scores the frame of call %zu with brenner/1 at "
		 "%.17g; the recorded score is %.17g", g, score, score + 1.0);
	ck_assert_str_eq(r.what, want);
	l->calls[g].frame.score = score;
	l->calls[g].frame.digest ^= 1;
	ck_assert_int_eq(fld_replay(l, &l->config, NULL, false, &r), FLD_HARNESS);
	snprintf(want, sizeof want, "the pixels of the frame of call %zu do not match its digest", g);
	ck_assert_str_eq(r.message, want);
	fld_log_free(l);
	memsink_release(&m);
}
END_TEST

/* A log that stops inside an operation (the instrument died): replayed up
 * to its end, the last operation reported incomplete. */
START_TEST(a_log_cut_short_replays_up_to_its_end)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(3, false, f);
	memsink m = { 0 };
	fld_sim_out out;
	fld_replay_result r;
	char err[FLD_ERR_MAX];
	fld_log *l = NULL, *whole;
	size_t k;

	p.calibrate = false;
	whole = recfix_record(&p, NULL, &m, &out);
	k = whole->nops - 1;
	/* cut in the middle of the last handoff's 10th call */
	ck_assert_int_eq(fld_log_parse(m.p, whole->calls[whole->ops[k].first_call + 9].offset + 7,
				       "cut.aflog", &l, err, sizeof err), 0);
	ck_assert(l->torn);
	ck_assert_int_eq(fld_replay(l, &l->config, NULL, false, &r), FLD_REPRODUCED);
	ck_assert(r.log_incomplete);
	ck_assert_uint_eq(r.ops, k);
	ck_assert_uint_eq(r.calls, whole->ops[k].first_call + 9);
	fld_log_free(l);
	fld_log_free(whole);
	memsink_release(&m);
}
END_TEST

/* --engine-set gives what the same key gives in a scenario. */
START_TEST(engine_set_speaks_the_scenario_keys)
{
	static const char *const kv[][2] = {
		{ "optimization=standard", "optimization: standard" },
		{ "mapping.model=cubic", "mapping: {model: cubic}" },
		{ "cache.size=8", "cache: {size: 8}" },
		{ "cache.hit_threshold_um=0.1", "cache: {hit_threshold_um: 0.1}" },
		{ "thermal_compensation=false", "thermal_compensation: false" },
		{ "search.lens_b.fast.points=5", "search: {lens_b: {fast: {points: 5}}}" },
		{ "thermal.tau_fast_s=100", "thermal: {tau_fast_s: 100}" },
		{ "overlap=false", "overlap: false" },
		{ "z_max_um=400", "z_max_um: 400" },
		{ "validation_retries=2", "validation_retries: 2" },
	};
	char doc[256], err[SIM_ERR_MAX];

	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
		af_engine_config a;
		sim_scenario s;
		uint8_t ba[4096], bb[4096];
		af_log_wbuf wa = { ba, 0, sizeof ba, false }, wb = { bb, 0, sizeof bb, false };

		af_engine_config_default(&a);
		engine_set(&a, kv[i][0]);
		snprintf(doc, sizeof doc, "scenario: x\nengine: {%s}\nsteps: [{wait: {s: 1}}]\n",
			 kv[i][1]);
		ck_assert_msg(sim_scenario_load_string("x.yaml", doc, strlen(doc), &s, err,
						       sizeof err) == 0, "%s", err);
		af_log_put_config(&wa, &a);
		af_log_put_config(&wb, &s.engine);
		ck_assert_msg(wa.len == wb.len && memcmp(ba, bb, wa.len) == 0, "%s", kv[i][0]);
		sim_scenario_release(&s);
	}
	/* only the key's fields change */
	{
		af_engine_config c;

		af_engine_config_default(&c);
		c.level = AF_LEVEL_ULTRA_FAST;
		c.cache_size = 3;
		engine_set(&c, "mapping.model=linear");
		ck_assert_int_eq(c.level, AF_LEVEL_ULTRA_FAST);
		ck_assert_uint_eq(c.cache_size, 3);
		ck_assert_int_eq(c.mapping_model, AF_MAP_LINEAR);
	}
}
END_TEST

START_TEST(engine_set_errors_say_what_is_wrong)
{
	static const char *const bad[][2] = {
		{ "optimization", "'optimization': expected KEY=VALUE" },
		{ "=3", "'=3': expected KEY=VALUE" },
		{ "nosuch=1", "nosuch=1: unknown engine key 'nosuch' (the keys of a scenario's engine: "
			      "block, dotted: optimization, mapping.model, cache.size, "
			      "search.lens_b.fast.points, ...)" },
		{ "cache.size=bogus", "cache.size=bogus: 'bogus' is not an integer, expected an "
				      "integer in [0, 1024]" },
		{ "optimization=a:b", "optimization=a:b: the value must be a plain word or number" },
		{ "optimization=quick", NULL },
	};
	char err[FLD_ERR_MAX];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		af_engine_config c;

		af_engine_config_default(&c);
		ck_assert_int_eq(fld_engine_set(&c, bad[i][0], err, sizeof err), -1);
		if (bad[i][1])
			ck_assert_str_eq(err, bad[i][1]);
		else
			ck_assert_msg(strncmp(err, "optimization=quick: ", 20) == 0 &&
				      strstr(err, "'quick'"), "%s", err);
	}
}
END_TEST

Suite *replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("replay");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_faulted_run_replays_identically);
	tcase_add_test(tc, a_changed_level_diverges_at_the_first_different_call);
	tcase_add_test(tc, a_changed_result_is_named_by_field);
	tcase_add_test(tc, a_log_without_pixels_replays_from_its_scores);
	tcase_add_test(tc, a_version_1_log_replays);
	tcase_add_test(tc, scores_and_digests_are_checked);
	tcase_add_test(tc, a_log_cut_short_replays_up_to_its_end);
	tcase_add_test(tc, engine_set_speaks_the_scenario_keys);
	tcase_add_test(tc, engine_set_errors_say_what_is_wrong);
	suite_add_tcase(s, tc);
	return s;
}
