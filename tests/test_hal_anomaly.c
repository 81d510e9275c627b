/*
 * test_hal_anomaly.c - the engine under a failing HAL, call by call (the
 * way SQLite's anomaly tests fail every system call in turn).
 *
 * For a handoff, an autofocus and a calibration: a clean run counts the
 * calls of every HAL op the operation makes; then for every op and every
 * call index 1..n of it, a fresh simulator and engine replay the same
 * operation with a hal_error fault failing exactly that call.  Each such
 * run must fail with the injected code and the HAL's message ("injected
 * EIO (input/output error) at call 7 of get_z") in its result, or succeed
 * when the engine can do without the call (listed in tolerated() with
 * why); the stage is never commanded to a non-finite position or beyond
 * the engine's soft limits, and the failed operation commands no position
 * the clean run did not (no 0 from a position never measured, no move
 * made up after the failure); and the next operation of the same kind
 * succeeds.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/af_engine.h"
#include "models/rig.h"
#include "sim/fault.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"

/* Every place and site lies near PLACE_UM. */
#define PLACE_UM 12.0
#define MAX_MOVES 8192

/* K_HANDOFF_UF: a handoff at ultra_fast (its own exposure, set and
 * restored); K_HANDOFF: at the default level. */
enum { K_HANDOFF, K_HANDOFF_UF, K_AUTOFOCUS, K_CALIBRATION, K_COUNT };
static const char *const kind_name[K_COUNT] = { "handoff", "ultra_fast handoff", "autofocus",
						 "calibration" };

typedef struct anomaly {
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal hal;
	af_hal_ops ops;          /* the simulator's, move_z watched */
	af_engine_config cfg;
	af_engine *e;
} anomaly;

/* The moves the engine commanded that break the rule (a Check test runs
 * in its own process: a static is the test's own). */
static const af_hal_ops *real_ops;
static uint32_t bad_moves, new_moves;   /* beyond the limits; not the clean run's */
static double bad_move_um, new_move_um;
static double soft_min_um, soft_max_um;
/* WATCH_RECORD: the clean run's targets are kept; WATCH_CHECK: a target
 * must be one of them. */
static enum { WATCH_LIMITS, WATCH_RECORD, WATCH_CHECK } watch;
static double clean_um[MAX_MOVES];
static size_t nclean;

static bool clean_target(double z_um)
{
	for (size_t i = 0; i < nclean; i++)
		if (clean_um[i] == z_um)
			return true;
	return false;
}

static int watch_move_z(void *ctx, double z_um)
{
	if (!isfinite(z_um) || z_um < soft_min_um || z_um > soft_max_um) {
		bad_moves++;
		bad_move_um = z_um;
	}
	if (watch == WATCH_CHECK && !clean_target(z_um)) {
		new_moves++;
		new_move_um = z_um;
	}
	if (watch == WATCH_RECORD && nclean < MAX_MOVES)
		clean_um[nclean++] = z_um;
	return real_ops->move_z(ctx, z_um);
}

static int put_site(void *user, uint32_t i, double z)
{
	(void)i;
	sim_ctl_set_place(user, z);
	return 0;
}

static const af_calib_plan plan = { 3, PLACE_UM - 6.0, PLACE_UM + 6.0, 1, true };

static void start(anomaly *a)
{
	const char *err = NULL;

	mdl_rig_default(&a->rig);
	mdl_room_profile_default(&a->room);
	af_engine_config_default(&a->cfg);
	a->sh = sim_hal_new(&a->rig, &a->room, 21, NULL, &err);
	ck_assert_msg(a->sh != NULL, "sim: %s", err ? err : "?");
	sim_hal_bind(a->sh, &a->hal);
	real_ops = a->hal.ops;
	a->ops = *a->hal.ops;
	a->ops.move_z = watch_move_z;
	a->hal.ops = &a->ops;
	soft_min_um = a->cfg.z_min_um;
	soft_max_um = a->cfg.z_max_um;
	a->e = af_engine_new(&a->hal, &a->cfg, &err);
	ck_assert_msg(a->e != NULL, "engine: %s", err ? err : "?");
	sim_ctl_set_place(a->sh, PLACE_UM);
}

static void stop(anomaly *a)
{
	af_engine_free(a->e);
	sim_hal_free(a->sh);
}

/* What an operation reports. */
typedef struct outcome {
	int rc;
	double ms;            /* its duration (a handoff's total) */
	double temp_c;        /* a handoff's sensor reading */
	char message[AF_MSG_MAX];
} outcome;

/* Bring the engine to where operation `kind` starts (calibrated, lens A
 * in focus at the place): setup, not counted. */
static void prepare(anomaly *a, int kind)
{
	af_calib_report cr;
	af_focus_result fr;

	if (kind == K_CALIBRATION)
		return;
	if (kind == K_HANDOFF_UF)
		af_engine_set_level(a->e, AF_LEVEL_ULTRA_FAST);
	ck_assert_msg(af_calibrate(a->e, &plan, put_site, a->sh, &cr) == AF_OK, "calibrate: %s",
		      cr.message);
	sim_ctl_set_place(a->sh, PLACE_UM + 1.5);
	ck_assert_int_eq(af_engine_goto(a->e, AF_LENS_A, PLACE_UM + 1.5), AF_OK);
	ck_assert_int_eq(af_autofocus(a->e, AF_LENS_A, PLACE_UM + 1.5, &fr), AF_OK);
}

/* Operation number op of `kind` (the place moves a little each time, so
 * that the cache does not answer the next handoff). */
static outcome run(anomaly *a, int kind, int op)
{
	af_handoff_result hr;
	af_focus_result fr;
	af_calib_report cr;
	double z = PLACE_UM + 1.5 + 0.7 * (op - 1);
	outcome o;

	memset(&o, 0, sizeof o);
	sim_ctl_begin_op(a->sh, op);
	switch (kind) {
	case K_HANDOFF:
	case K_HANDOFF_UF:
		o.rc = af_handoff(a->e, AF_LENS_A, AF_LENS_B, z, &hr);
		snprintf(o.message, sizeof o.message, "%s", hr.message);
		o.ms = hr.phase_ms[AF_PHASE_TOTAL];
		o.temp_c = hr.temp_c;
		for (int p = 0; p < AF_PHASE_COUNT; p++)
			ck_assert(isfinite(hr.phase_ms[p]) && hr.phase_ms[p] >= 0.0);
		ck_assert_int_eq(hr.error, o.rc);
		ck_assert(hr.success == (o.rc == AF_OK));
		break;
	case K_AUTOFOCUS:
		o.temp_c = NAN;
		o.rc = af_autofocus(a->e, AF_LENS_A, z, &fr);
		snprintf(o.message, sizeof o.message, "%s", fr.message);
		o.ms = fr.ms;
		ck_assert_int_eq(fr.error, o.rc);
		ck_assert(fr.success == (o.rc == AF_OK));
		break;
	default:
		o.temp_c = NAN;
		o.rc = af_calibrate(a->e, &plan, put_site, a->sh, &cr);
		snprintf(o.message, sizeof o.message, "%s", cr.message);
		o.ms = cr.ms;
		ck_assert_int_eq(cr.error, o.rc);
		ck_assert(cr.success == (o.rc == AF_OK));
		break;
	}
	return o;
}

/* The next operation starts where a user would start it: lens A at the
 * next place (setup, after the counted operation). */
static void next_start(anomaly *a, int kind, int op)
{
	double z = PLACE_UM + 1.5 + 0.7 * op;

	if (kind == K_CALIBRATION)
		return;
	sim_ctl_set_place(a->sh, z);
	(void)af_engine_goto(a->e, AF_LENS_A, z);
}

/* The code a failed call of op returns: what a driver of that op would. */
static int code_of(int op)
{
	switch (op) {
	case SIM_HAL_OP_WAIT_SETTLED:
	case SIM_HAL_OP_WAIT_SETTLED_Z:
	case SIM_HAL_OP_GRAB_FRAME:
		return AF_ETIMEDOUT;
	case SIM_HAL_OP_SELECT_LENS:
	case SIM_HAL_OP_MOVE_Z:
		return AF_EHW;
	default:
		return AF_EIO;
	}
}

/*
 * Calls the engine may do without, and why (every other failed HAL call
 * fails the operation with the HAL's own code and message):
 *  - read_temperature: a handoff or calibration compensates with the last
 *    drift estimate rather than fail (af_engine.c); the handoff's reading
 *    is then NaN;
 *  - get_exposure_us, set_exposure_us: a level's own exposure is a
 *    speed-up; when the camera will not tell or take it, the search's
 *    frames are exposed as the camera is (af_handoff);
 *  - now_us: a failed clock read is the last good one (af__now_us): the
 *    operation's durations read short, never negative.
 */
static bool tolerated(int kind, int op, const outcome *o)
{
	if (op == SIM_HAL_OP_READ_TEMPERATURE && (kind == K_HANDOFF || kind == K_HANDOFF_UF))
		return isnan(o->temp_c);
	if (op == SIM_HAL_OP_READ_TEMPERATURE)
		return kind == K_CALIBRATION;
	if (op == SIM_HAL_OP_GET_EXPOSURE_US || op == SIM_HAL_OP_SET_EXPOSURE_US)
		return kind == K_HANDOFF_UF;
	if (op == SIM_HAL_OP_NOW_US)
		return isfinite(o->ms) && o->ms >= 0.0;
	return false;
}

/* Per kind: how many (op, call) pairs were failed. */
static void loop_kind(int kind, uint32_t *pairs_out)
{
	uint64_t calls[SIM_HAL_OP_COUNT];
	uint32_t pairs = 0;
	anomaly a;
	outcome o;

	/* the clean run: how many calls of each op the operation makes */
	start(&a);
	prepare(&a, kind);
	for (int op = 0; op < SIM_HAL_OP_COUNT; op++)
		calls[op] = sim_ctl_hal_calls(a.sh, op);
	bad_moves = 0;
	nclean = 0;
	watch = WATCH_RECORD;
	o = run(&a, kind, 1);
	watch = WATCH_LIMITS;
	ck_assert_uint_lt(nclean, MAX_MOVES);
	ck_assert_msg(o.rc == AF_OK, "%s clean: %s", kind_name[kind], o.message);
	ck_assert(o.ms > 0.0);
	for (int op = 0; op < SIM_HAL_OP_COUNT; op++)
		calls[op] = sim_ctl_hal_calls(a.sh, op) - calls[op];
	ck_assert_msg(bad_moves == 0, "%s clean: stage commanded to %.3f um", kind_name[kind],
		      bad_move_um);
	stop(&a);
	ck_assert_uint_gt(calls[SIM_HAL_OP_GRAB_FRAME], 0);
	ck_assert_uint_gt(calls[SIM_HAL_OP_MOVE_Z], 0);

	for (int op = 0; op < SIM_HAL_OP_COUNT; op++) {
		for (uint64_t k = 1; k <= calls[op]; k++) {
			sim_fault flt;
			char want[96];

			start(&a);
			prepare(&a, kind);
			memset(&flt, 0, sizeof flt);
			flt.kind = SIM_FAULT_HAL_ERROR;
			flt.at_ns = -1;
			flt.at_op = 1;
			flt.hal_op = op;
			flt.code = code_of(op);
			flt.at_call = (uint32_t)k;
			flt.count = 1;
			ck_assert_int_eq(sim_ctl_add_fault(a.sh, &flt), 0);
			bad_moves = new_moves = 0;
			watch = WATCH_CHECK;
			o = run(&a, kind, 1);
			watch = WATCH_LIMITS;
			snprintf(want, sizeof want, "injected %s (%s) at call %llu of %s",
				 af_err_name(flt.code), af_strerror(flt.code), (unsigned long long)k,
				 sim_hal_op_name(op));
			if (o.rc != AF_OK || !tolerated(kind, op, &o)) {
				ck_assert_msg(o.rc == flt.code, "%s, %s: got %s (%s)", kind_name[kind], want,
					      af_err_name(o.rc), o.message);
				ck_assert_msg(strstr(o.message, want) != NULL, "%s, %s: message '%s'",
					      kind_name[kind], want, o.message);
				ck_assert_msg(new_moves == 0, "%s, %s: stage commanded to %.3f um, where "
					      "the clean run never was", kind_name[kind], want, new_move_um);
			}
			ck_assert_msg(bad_moves == 0, "%s, %s: stage commanded to %.3f um", kind_name[kind],
				      want, bad_move_um);
			/* the next operation recovers */
			next_start(&a, kind, 1);
			o = run(&a, kind, 2);
			ck_assert_msg(o.rc == AF_OK, "%s after %s: %s (%s)", kind_name[kind], want,
				      af_err_name(o.rc), o.message);
			ck_assert_msg(bad_moves == 0, "%s after %s: stage commanded to %.3f um",
				      kind_name[kind], want, bad_move_um);
			stop(&a);
			pairs++;
		}
	}
	printf("hal_anomaly: %s: %u calls failed one at a time, over", kind_name[kind], pairs);
	for (int op = 0; op < SIM_HAL_OP_COUNT; op++)
		if (calls[op])
			printf(" %s %llu", sim_hal_op_name(op), (unsigned long long)calls[op]);
	printf("\n");
	*pairs_out = pairs;
}

START_TEST(every_failed_call_of_a_handoff)
{
	uint32_t pairs;

	loop_kind(K_HANDOFF, &pairs);
	ck_assert_uint_gt(pairs, 10);
}
END_TEST

START_TEST(every_failed_call_of_an_ultra_fast_handoff)
{
	uint32_t pairs;

	loop_kind(K_HANDOFF_UF, &pairs);
	ck_assert_uint_gt(pairs, 10);
}
END_TEST

START_TEST(every_failed_call_of_an_autofocus)
{
	uint32_t pairs;

	loop_kind(K_AUTOFOCUS, &pairs);
	ck_assert_uint_gt(pairs, 10);
}
END_TEST

START_TEST(every_failed_call_of_a_calibration)
{
	uint32_t pairs;

	loop_kind(K_CALIBRATION, &pairs);
	ck_assert_uint_gt(pairs, 100);
}
END_TEST

Suite *hal_anomaly_suite(void)
{
	Suite *s = suite_create("hal_anomaly");
	TCase *tc = tcase_create("loop");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, every_failed_call_of_a_handoff);
	tcase_add_test(tc, every_failed_call_of_an_ultra_fast_handoff);
	tcase_add_test(tc, every_failed_call_of_an_autofocus);
	tcase_add_test(tc, every_failed_call_of_a_calibration);
	suite_add_tcase(s, tc);
	return s;
}
