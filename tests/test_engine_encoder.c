/*
 * test_engine_encoder.c - the engine's encoder check after the focus move
 * (verify_position levels) on the scripted fake HAL: with wait_settled_z
 * the settle wait's reading is the check (no get_z, one bus round trip
 * less) and a shortfall it reports is where the engine believes the stage
 * is; a HAL without the op, or one that answers AF_ENOTSUP (asked once,
 * then remembered), waits and reads get_z instead, with the same effect;
 * a failing wait_settled_z fails the handoff with the HAL's message; the
 * calibration's backlash measure reads its encoder the same way.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/af_engine.h"
#include "tests/fake_hal.h"

/* What the HAL was asked, and what it is scripted to do.  A Check test
 * runs in its own process: statics are the test's own. */
static struct {
	uint32_t get_z, wait, wait_z, moves, grabs;
	double short_um;        /* the next settle loses this much (lost steps) */
	int wait_z_rc;          /* what wait_settled_z answers (AF_OK: it works) */
	double first_z_um;      /* the z the engine gives the first frame */
	double first_true_um;   /* where the stage really was for it */
	uint32_t samples;
	double moved_um[8];     /* the moves commanded */
} h;

static int t_move(void *c, double z)
{
	if (h.moves < 8)
		h.moved_um[h.moves] = z;
	h.moves++;
	return fake_hal_ops()->move_z(c, z);
}

static int t_grab(void *c, af_frame *fr)
{
	const fake_hal *f = c;

	if (h.grabs++ == 0)
		h.first_true_um = f->z_um;
	return fake_hal_ops()->grab_frame(c, fr);
}

static int t_get_z(void *c, double *z)
{
	h.get_z++;
	return fake_hal_ops()->get_z(c, z);
}

/* The settle: where the stage ends, short of its target when scripted. */
static int t_wait(void *c, uint32_t ms)
{
	fake_hal *f = c;

	h.wait++;
	f->z_um -= h.short_um;
	h.short_um = 0.0;
	return fake_hal_ops()->wait_settled(c, ms);
}

/* The same wait; the encoder comes with its last reply (no extra time). */
static int t_wait_z(void *c, uint32_t ms, double *z)
{
	fake_hal *f = c;
	int rc;

	h.wait_z++;
	if (h.wait_z_rc != AF_OK) {
		snprintf(f->msg, sizeof f->msg, "scripted %s", af_err_name(h.wait_z_rc));
		return h.wait_z_rc;
	}
	f->z_um -= h.short_um;
	h.short_um = 0.0;
	rc = fake_hal_ops()->wait_settled(c, ms);
	*z = f->z_um;
	return rc;
}

static void on_sample(void *user, const af_sample *s)
{
	(void)user;
	if (h.samples++ == 0)
		h.first_z_um = s->z_um;
}

typedef struct rig {
	fake_hal f;
	af_hal_ops ops;
	af_hal hal;
	af_engine *e;
} rig;

/* The fake at place 1 um, lens A in focus there; with_op: the HAL has
 * wait_settled_z. */
static void rig_start(rig *r, bool with_op)
{
	af_engine_config cfg;
	const char *err = NULL;

	memset(&h, 0, sizeof h);
	fake_hal_init(&r->f, 5);
	r->f.place_um = 1.0;
	r->ops = *fake_hal_ops();
	r->ops.get_z = t_get_z;
	r->ops.move_z = t_move;
	r->ops.grab_frame = t_grab;
	r->ops.wait_settled = t_wait;
	r->ops.wait_settled_z = with_op ? t_wait_z : NULL;
	ck_assert_int_eq(af_hal_bind(&r->hal, &r->ops, &r->f, NULL, 0), AF_OK);
	af_engine_config_default(&cfg);
	cfg.backlash_um = 0.0;   /* the fake's stage has no play */
	ck_assert(cfg.level == AF_LEVEL_FAST && cfg.verify_position[AF_LEVEL_FAST]);
	r->e = af_engine_new(&r->hal, &cfg, &err);
	ck_assert_msg(r->e != NULL, "%s", err ? err : "?");
	af_engine_set_sample_hook(r->e, on_sample, NULL);
	ck_assert_int_eq(af_engine_goto(r->e, AF_LENS_A, 1.0), AF_OK);
}

/* One A->B handoff from 1 um, the counters zeroed first (the script kept). */
static int handoff(rig *r, af_handoff_result *res)
{
	h.get_z = h.wait = h.wait_z = h.moves = h.grabs = 0;
	h.samples = 0;
	return af_handoff(r->e, AF_LENS_A, AF_LENS_B, 1.0, res);
}

/*
 * Where the first probe should be: 0.7 um below the prediction (the
 * uncalibrated engine predicts lens B 4 um over lens A).  The stage stops
 * 1 um short of it.  Believing the controller, the engine would grab the
 * first frame there and label it with the target; taking the encoder's
 * word, it moves the last micrometre before grabbing.
 */
static void check_shortfall_taken(const af_handoff_result *res)
{
	double first = 1.0 + 4.0 - 0.7;

	ck_assert_double_eq_tol(res->predicted_um, 5.0, 1e-9);
	ck_assert_uint_ge(h.moves, 2);
	ck_assert_double_eq(h.moved_um[0], first);
	ck_assert_double_eq(h.moved_um[1], first);
	ck_assert_double_eq(h.first_true_um, first);
	ck_assert_double_eq(h.first_z_um, first);
}

/* With the op: the settle wait reports the shortfall, no get_z at all,
 * and the handoff lands in focus. */
START_TEST(a_shortfall_reported_by_the_settle_wait_is_taken)
{
	static rig r;
	af_handoff_result res;

	rig_start(&r, true);
	h.short_um = 1.0;
	ck_assert_int_eq(handoff(&r, &res), AF_OK);
	ck_assert_uint_eq(h.wait_z, 1);
	ck_assert_uint_eq(h.get_z, 0);
	check_shortfall_taken(&res);
	ck_assert_double_eq_tol(res.found_um, fake_hal_focus_um(&r.f, AF_LENS_B), 0.05);
	ck_assert_double_eq_tol(r.f.z_um, fake_hal_focus_um(&r.f, AF_LENS_B), 0.05);
	af_engine_free(r.e);
}
END_TEST

/* Within position_tol_um the controller's word stands: no extra move. */
START_TEST(a_reading_within_the_tolerance_moves_nothing)
{
	static rig r;
	af_handoff_result res;

	rig_start(&r, true);
	h.short_um = 0.1;
	ck_assert_int_eq(handoff(&r, &res), AF_OK);
	ck_assert_uint_eq(h.wait_z, 1);
	ck_assert_double_eq(h.first_z_um, 1.0 + 4.0 - 0.7);
	ck_assert_double_eq_tol(h.first_true_um, 1.0 + 4.0 - 0.7 - 0.1, 1e-12);
	ck_assert_double_ne(h.moved_um[1], h.moved_um[0]);
	af_engine_free(r.e);
}
END_TEST

/* Without the op: wait_settled, then get_z, and the same shortfall is
 * taken from get_z; the focus move takes the get_z's 15 ms more than with
 * the op (the fake's bus round trip), everything else the same. */
START_TEST(a_hal_without_the_op_waits_then_reads_the_encoder)
{
	static rig with, without;
	af_handoff_result a, b;

	rig_start(&without, false);
	h.short_um = 1.0;
	ck_assert_int_eq(handoff(&without, &b), AF_OK);
	ck_assert_uint_eq(h.wait_z, 0);
	ck_assert_uint_eq(h.get_z, 1);
	check_shortfall_taken(&b);
	ck_assert_double_eq_tol(without.f.z_um, fake_hal_focus_um(&without.f, AF_LENS_B), 0.05);

	rig_start(&with, true);
	h.short_um = 1.0;
	ck_assert_int_eq(handoff(&with, &a), AF_OK);
	ck_assert_double_eq_tol(b.phase_ms[AF_PHASE_FOCUS_MOVE] - a.phase_ms[AF_PHASE_FOCUS_MOVE],
				15.0, 1e-9);
	ck_assert_double_eq_tol(b.phase_ms[AF_PHASE_TOTAL] - a.phase_ms[AF_PHASE_TOTAL], 15.0, 1e-9);
	ck_assert_double_eq(a.found_um, b.found_um);
	af_engine_free(with.e);
	af_engine_free(without.e);
}
END_TEST

/* A HAL that has the op but not the hardware (a rig without the
 * capability) answers AF_ENOTSUP: asked once, then never again; every
 * handoff falls back to wait_settled + get_z and succeeds. */
START_TEST(not_supported_is_asked_once)
{
	static rig r;
	af_handoff_result res;

	rig_start(&r, true);
	h.wait_z_rc = AF_ENOTSUP;
	h.short_um = 1.0;
	ck_assert_int_eq(handoff(&r, &res), AF_OK);
	ck_assert_uint_eq(h.wait_z, 1);
	ck_assert_uint_eq(h.get_z, 1);
	check_shortfall_taken(&res);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(af_engine_goto(r.e, AF_LENS_A, 1.0), AF_OK);
		ck_assert_int_eq(handoff(&r, &res), AF_OK);
		ck_assert_uint_eq(h.wait_z, 0);
		ck_assert_uint_eq(h.get_z, 1);
	}
	af_engine_free(r.e);
}
END_TEST

/* Any other failure of the wait fails the handoff with the HAL's code and
 * message; the next handoff asks again (it is not "not supported"). */
START_TEST(a_failing_settle_wait_fails_the_handoff)
{
	static rig r;
	af_handoff_result res;

	rig_start(&r, true);
	h.wait_z_rc = AF_ETIMEDOUT;
	ck_assert_int_eq(handoff(&r, &res), AF_ETIMEDOUT);
	ck_assert_str_eq(res.message, "wait_settled_z: scripted ETIMEDOUT");
	ck_assert(!res.success);
	h.wait_z_rc = AF_OK;
	ck_assert_int_eq(af_engine_goto(r.e, AF_LENS_A, 1.0), AF_OK);
	ck_assert_int_eq(handoff(&r, &res), AF_OK);
	ck_assert_uint_eq(h.wait_z, 1);
	ck_assert_uint_eq(h.get_z, 0);
	af_engine_free(r.e);
}
END_TEST

static int put_site(void *user, uint32_t i, double z_um)
{
	fake_hal *f = user;

	(void)i;
	f->place_um = z_um;
	return AF_OK;
}

/* The calibration's backlash measure reads the encoder after two settle
 * waits: with the op, the waits report it (no get_z); without, get_z
 * after each.  The fake's stage has no play: 0 um either way. */
START_TEST(the_backlash_measure_reads_the_settle_wait)
{
	static rig r[2];
	af_calib_plan plan = { 3, -2.0, 2.0, 1, true };
	af_calib_report rep;

	for (int with = 0; with < 2; with++) {
		rig_start(&r[with], with);
		h.get_z = h.wait_z = 0;
		ck_assert_msg(af_calibrate(r[with].e, &plan, put_site, &r[with].f, &rep) == AF_OK,
			      "%s", rep.message);
		ck_assert_uint_eq(h.wait_z, with ? 2 : 0);
		ck_assert_uint_eq(h.get_z, with ? 0 : 2);
		ck_assert_double_eq(rep.backlash_um, 0.0);
		af_engine_free(r[with].e);
	}
}
END_TEST

Suite *engine_encoder_suite(void)
{
	Suite *s = suite_create("engine_encoder");
	TCase *tc = tcase_create("verify");

	tcase_add_test(tc, a_shortfall_reported_by_the_settle_wait_is_taken);
	tcase_add_test(tc, a_reading_within_the_tolerance_moves_nothing);
	tcase_add_test(tc, a_hal_without_the_op_waits_then_reads_the_encoder);
	tcase_add_test(tc, not_supported_is_asked_once);
	tcase_add_test(tc, a_failing_settle_wait_fails_the_handoff);
	tcase_add_test(tc, the_backlash_measure_reads_the_settle_wait);
	suite_add_tcase(s, tc);
	return s;
}
