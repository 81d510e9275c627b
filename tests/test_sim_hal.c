/*
 * test_sim_hal.c - the simulated HAL: virtual time advances by what the
 * models say, faults break what they should, and a run is a pure function
 * of its seed.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_hal.h"
#include "models/rig.h"
#include "kernel/clock.h"
#include "sim/refseq.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "kernel/trace.h"

typedef struct fixture {
	mdl_rig rig;
	mdl_room_profile room;
	sim_trace *trace;
	sim_hal *sh;
	af_hal hal;
	af_frame frame;
} fixture;

static void setup(fixture *f, uint64_t seed)
{
	mdl_rig_default(&f->rig);
	mdl_room_profile_default(&f->room);
	f->trace = sim_trace_new(true);
	ck_assert_ptr_nonnull(f->trace);
	f->sh = sim_hal_new(&f->rig, &f->room, seed, f->trace, NULL);
	ck_assert_ptr_nonnull(f->sh);
	sim_hal_bind(f->sh, &f->hal);
	f->frame.capacity_px = 512 * 512;
	f->frame.pixels = calloc(f->frame.capacity_px, sizeof *f->frame.pixels);
	ck_assert_ptr_nonnull(f->frame.pixels);
}

static void teardown(fixture *f)
{
	sim_hal_free(f->sh);
	sim_trace_free(f->trace);
	free(f->frame.pixels);
}

static double now_ms(const fixture *f)
{
	return (double)sim_ctl_now_ns(f->sh) / 1e6;
}

START_TEST(binds_as_a_hal)
{
	fixture f;
	af_hal h;
	char err[128];

	setup(&f, 1);
	ck_assert_int_eq(af_hal_bind(&h, sim_hal_ops(), f.sh, err, sizeof err), AF_OK);
	ck_assert_str_eq(sim_hal_ops()->name, "sim");
	teardown(&f);
}
END_TEST

/* The engine's own work owed after one HAL call (rig.host): charged at
 * the start of the next. */
static double overhead_ms(const fixture *f)
{
	return sim_ctl_truth(f->sh)->host.call_overhead_us / 1e3;
}

/*
 * move + settle costs the command's bus latency, then the trapezoid and
 * the settle time of this instrument (its truth), found by status polls
 * that each cost a bus round trip (5..25 ms) with 1 ms between them: the
 * wait ends at the first reply after the settle, at most one round trip
 * and a pause late.
 */
START_TEST(stage_move_costs_physical_time)
{
	fixture f;
	const mdl_stage_config *st;
	double t0, t1, z, want_motion_ms;

	setup(&f, 3);
	st = &sim_ctl_truth(f.sh)->stage;
	want_motion_ms = 1e3 * mdl_stage_trapezoid_s(10.0, st->max_speed_um_per_s,
						     st->accel_um_per_s2);
	t0 = now_ms(&f);
	ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, 10.0), AF_OK);
	t1 = now_ms(&f);
	ck_assert_double_ge(t1 - t0, 5.0);   /* the command's bus latency */
	ck_assert_double_le(t1 - t0, 25.0);
	ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 500), AF_OK);
	ck_assert_double_ge(now_ms(&f) - t1,
			    overhead_ms(&f) + want_motion_ms + st->settle_ms - st->settle_jitter_ms);
	ck_assert_double_le(now_ms(&f) - t1, overhead_ms(&f) + want_motion_ms + st->settle_ms +
						     st->settle_jitter_ms + 25.0 + 1.0);
	/* settled already: one poll, one round trip */
	t1 = now_ms(&f);
	ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 500), AF_OK);
	ck_assert_double_ge(now_ms(&f) - t1, overhead_ms(&f) + 5.0);
	ck_assert_double_le(now_ms(&f) - t1, overhead_ms(&f) + 25.0);
	ck_assert_int_eq(f.hal.ops->get_z(f.hal.ctx, &z), AF_OK);
	ck_assert_double_eq_tol(z, 10.0, 0.0101);
	teardown(&f);
}
END_TEST

/*
 * wait_settled_z is wait_settled's poll loop: the same polls at the same
 * times (the same draws), so it ends when wait_settled would, and reports
 * the encoder at the last reply, what get_z reads after it.  Lost steps
 * show in its reading.  Its trace record is its own kind; a stall fails
 * it as it fails wait_settled; a hal_error fault names it.
 */
START_TEST(the_settle_wait_reports_the_encoder)
{
	fixture f, g;
	sim_fault lose = { .kind = SIM_FAULT_STAGE_LOST_STEPS, .at_ns = -1, .at_op = 1,
			   .count = 20 };
	sim_fault flt = { .kind = SIM_FAULT_HAL_ERROR, .at_ns = -1, .at_op = 2,
			  .hal_op = SIM_HAL_OP_WAIT_SETTLED_Z, .code = AF_ETIMEDOUT, .at_call = 1,
			  .count = 1 };
	sim_fault stall = { .kind = SIM_FAULT_STAGE_STALL, .at_ns = -1, .at_op = 3,
			    .duration_ms = 40 };
	double z = 0.0, enc = 0.0, step_um;
	unsigned kind;
	int64_t t_ns;
	uint64_t hash, n;

	setup(&f, 3);
	setup(&g, 3);
	ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, 10.0), AF_OK);
	ck_assert_int_eq(g.hal.ops->move_z(g.hal.ctx, 10.0), AF_OK);
	ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 500), AF_OK);
	ck_assert_int_eq(g.hal.ops->wait_settled_z(g.hal.ctx, 500, &z), AF_OK);
	ck_assert_double_eq(now_ms(&f), now_ms(&g));
	ck_assert_int_eq(f.hal.ops->get_z(f.hal.ctx, &enc), AF_OK);
	ck_assert_double_eq(z, enc);
	ck_assert_double_eq_tol(z, 10.0, 0.0101);
	n = sim_trace_count(g.trace);
	ck_assert_int_eq(sim_trace_record_at(g.trace, n - 1, &kind, &t_ns, &hash), 0);
	ck_assert_uint_eq(kind, SIM_EV_HAL_WAIT_SETTLED_Z);
	ck_assert_str_eq(sim_event_name(kind), "hal.wait_settled_z");

	/* 20 lost steps: the reading is short of the target by them */
	step_um = sim_ctl_truth(g.sh)->stage.step_um;
	ck_assert_int_eq(sim_ctl_add_fault(g.sh, &lose), 0);
	sim_ctl_begin_op(g.sh, 1);
	ck_assert_int_eq(g.hal.ops->move_z(g.hal.ctx, 30.0), AF_OK);
	ck_assert_int_eq(g.hal.ops->wait_settled_z(g.hal.ctx, 500, &z), AF_OK);
	ck_assert_double_eq_tol(z, 30.0 - 20 * step_um, 0.0101);
	ck_assert_double_eq_tol(z, sim_ctl_stage_um(g.sh), 0.0101);

	/* a hal_error: the injected code and message, z untouched */
	ck_assert_int_eq(sim_ctl_add_fault(g.sh, &flt), 0);
	sim_ctl_begin_op(g.sh, 2);
	z = -1.0;
	ck_assert_int_eq(g.hal.ops->wait_settled_z(g.hal.ctx, 500, &z), AF_ETIMEDOUT);
	ck_assert_str_eq(af_hal_errmsg(&g.hal),
			 "injected ETIMEDOUT (timed out) at call 1 of wait_settled_z");
	ck_assert_double_eq(z, -1.0);
	ck_assert_uint_eq(sim_ctl_hal_calls(g.sh, SIM_HAL_OP_WAIT_SETTLED_Z), 3);

	/* a stall during the wait: EHW, as wait_settled's */
	ck_assert_int_eq(sim_ctl_add_fault(g.sh, &stall), 0);
	ck_assert_int_eq(g.hal.ops->move_z(g.hal.ctx, 80.0), AF_OK);
	sim_ctl_begin_op(g.sh, 3);
	ck_assert_int_eq(g.hal.ops->wait_settled_z(g.hal.ctx, 500, &z), AF_EHW);
	ck_assert_ptr_nonnull(strstr(af_hal_errmsg(&g.hal), "z stage stalled at "));
	ck_assert_double_eq(z, -1.0);
	ck_assert_int_eq(sim_hal_op_parse("wait_settled_z"), SIM_HAL_OP_WAIT_SETTLED_Z);
	teardown(&f);
	teardown(&g);
}
END_TEST

/*
 * A grab costs the trigger latency, the exposure, the readout (or the
 * transfer over the link, whichever is longer) and the delivery; the
 * timestamp is the middle of the exposure, after the trigger latency.
 * The engine then owes the measure of the frame (compute_ns_per_px per
 * pixel), charged when it calls next.
 */
START_TEST(frame_costs_exposure_and_readout)
{
	fixture f;
	const mdl_rig *t;
	double t0;
	int64_t want, start_ns;

	setup(&f, 4);
	t = sim_ctl_truth(f.sh);
	want = mdl_camera_grab_time_ns(&t->camera, t->camera.exposure_us, t->camera.roi_width,
				       t->camera.roi_height, &start_ns);
	/* 60 us + 5 ms + max(128 rows x 4.88 us, 32 KiB at 380 MB/s) + 300 us */
	ck_assert_int_eq(start_ns, 60000);
	ck_assert_int_eq(want, 60000 + 5000000 + 625000 + 300000);
	t0 = now_ms(&f);
	ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &f.frame), AF_OK);
	ck_assert_double_eq_tol(now_ms(&f) - t0, (double)want / 1e6, 1e-9);
	ck_assert_uint_eq(f.frame.width, 128);
	ck_assert_uint_eq(f.frame.height, 128);
	ck_assert_uint_eq(f.frame.bit_depth, 16);
	ck_assert_uint_eq(f.frame.seq, 1);
	/* the timestamp is mid-exposure */
	ck_assert_int_eq(f.frame.timestamp_us,
			 (int64_t)(t0 * 1e3) + 60 + t->camera.exposure_us / 2);
	/* the engine's measure of 128 x 128 pixels and its call overhead: the
	 * clock it reads counts them done, without charging them (a pure
	 * read); its next call pays them */
	t0 = now_ms(&f);
	{
		int64_t us;
		double owed = overhead_ms(&f) + 128.0 * 128.0 * t->host.compute_ns_per_px / 1e6;

		ck_assert_int_eq(f.hal.ops->now_us(f.hal.ctx, &us), AF_OK);
		ck_assert_double_eq(now_ms(&f), t0);
		ck_assert_int_eq(us, (int64_t)((t0 + owed) * 1e3));
		ck_assert_double_eq_tol((double)sim_ctl_engine_now_ns(f.sh) / 1e6 - t0, owed, 1e-9);
		ck_assert_int_eq(f.hal.ops->sleep_us(f.hal.ctx, 1), AF_OK);
		ck_assert_double_eq_tol(now_ms(&f) - t0, owed + 1e-3, 1e-9);
	}
	/* a full 2048 x 2048 frame: the link (8 MiB at 380 MB/s, 22.1 ms)
	 * takes longer than its readout (10 ms) */
	want = mdl_camera_grab_time_ns(&t->camera, 5000, 2048, 2048, NULL);
	ck_assert_int_eq(want, 60000 + 5000000 + llround(2048.0 * 2048 * 2 / 380.0 * 1e3) + 300000);
	teardown(&f);
}
END_TEST

/* Camera settings cost a feature write (exposure) or a stop, a
 * reconfiguration and a restart of acquisition (a new ROI; the same ROI
 * again costs nothing). */
START_TEST(camera_settings_cost_time)
{
	fixture f;
	af_roi roi = { 0, 0, 64, 64 };
	double t0;

	setup(&f, 13);
	t0 = now_ms(&f);
	ck_assert_int_eq(af_hal_set_exposure_us(&f.hal, 2000), AF_OK);
	ck_assert_double_eq_tol(now_ms(&f) - t0, 0.5, 1e-9);
	t0 = now_ms(&f);
	ck_assert_int_eq(af_hal_set_roi(&f.hal, &roi), AF_OK);
	ck_assert_double_eq_tol(now_ms(&f) - t0, overhead_ms(&f) + 20.0, 1e-9);
	t0 = now_ms(&f);
	ck_assert_int_eq(af_hal_set_roi(&f.hal, &roi), AF_OK);
	ck_assert_double_eq_tol(now_ms(&f) - t0, overhead_ms(&f), 1e-9);
	teardown(&f);
}
END_TEST

START_TEST(lens_switch_time_and_seating)
{
	fixture f;
	double t0, fb0, fb1;
	af_lens l;

	setup(&f, 5);
	fb0 = sim_ctl_true_focus_um(f.sh, 1);
	t0 = now_ms(&f);
	ck_assert_int_eq(f.hal.ops->select_lens(f.hal.ctx, AF_LENS_B), AF_OK);
	/* this slider's 35 +/- 5 ms + 8 ms vibration settle (nominal) */
	{
		const mdl_turret_config *tu = &sim_ctl_truth(f.sh)->turret;

		ck_assert_double_ge(now_ms(&f) - t0, tu->switch_ms - tu->switch_jitter_ms + tu->settle_ms);
		ck_assert_double_le(now_ms(&f) - t0, tu->switch_ms + tu->switch_jitter_ms + tu->settle_ms);
		ck_assert_double_ne(tu->switch_ms, 35.0);
	}
	ck_assert_int_eq(f.hal.ops->get_lens(f.hal.ctx, &l), AF_OK);
	ck_assert_int_eq(l, AF_LENS_B);
	fb1 = sim_ctl_true_focus_um(f.sh, 1);
	/* a new seat moves lens B's focal plane by the seating error (sigma 0.2) */
	ck_assert_double_ne(fb0, fb1);
	ck_assert_double_lt(fabs(fb1 - fb0), 1.6);
	/* at 22 C and place 0, B's focus is this instrument's c0 plus the seat */
	ck_assert_double_eq_tol(fb1, sim_ctl_truth(f.sh)->parfocal.c0_um, 1.0);
	teardown(&f);
}
END_TEST

START_TEST(camera_drop_times_out_then_recovers)
{
	fixture f;
	sim_fault drop = { .kind = SIM_FAULT_CAMERA_DROP, .at_ns = -1, .at_op = 1, .count = 1 };
	double t0;

	setup(&f, 6);
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &drop), 0);
	sim_ctl_begin_op(f.sh, 1);
	t0 = now_ms(&f);
	ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &f.frame), AF_ETIMEDOUT);
	ck_assert_double_eq_tol(now_ms(&f) - t0, f.rig.camera.frame_timeout_ms, 1e-9);
	ck_assert_ptr_nonnull(strstr(af_hal_errmsg(&f.hal), "dropped"));
	ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &f.frame), AF_OK);
	teardown(&f);
}
END_TEST

START_TEST(stage_stall_is_a_hardware_error)
{
	fixture f;
	sim_fault stall = { .kind = SIM_FAULT_STAGE_STALL, .at_ns = 30 * SIM_NS_PER_MS,
			    .at_op = -1, .duration_ms = 40 };

	setup(&f, 7);
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &stall), 0);
	ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, 50.0), AF_OK);
	/* the stall fires during the move's wait */
	ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 500), AF_EHW);
	ck_assert_ptr_nonnull(strstr(af_hal_errmsg(&f.hal), "stalled"));
	ck_assert_double_lt(sim_ctl_stage_um(f.sh), 50.0 - 1.0);
	ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, 40.0), AF_EHW);
	ck_assert_int_eq(f.hal.ops->sleep_us(f.hal.ctx, 50000), AF_OK);
	ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, 40.0), AF_OK);
	ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 500), AF_OK);
	teardown(&f);
}
END_TEST

START_TEST(turret_faults)
{
	fixture f;
	sim_fault jam = { .kind = SIM_FAULT_TURRET_JAM, .at_ns = -1, .at_op = 1 };
	sim_fault wrong = { .kind = SIM_FAULT_TURRET_WRONG_POSITION, .at_ns = -1, .at_op = 2 };
	af_lens l;

	setup(&f, 8);
	sim_ctl_add_fault(f.sh, &jam);
	sim_ctl_add_fault(f.sh, &wrong);
	sim_ctl_begin_op(f.sh, 1);
	ck_assert_int_eq(f.hal.ops->select_lens(f.hal.ctx, AF_LENS_B), AF_EHW);
	ck_assert_ptr_nonnull(strstr(af_hal_errmsg(&f.hal), "jammed"));
	ck_assert_int_eq(sim_ctl_seated_lens(f.sh), 0);
	sim_ctl_begin_op(f.sh, 2);
	ck_assert_int_eq(f.hal.ops->select_lens(f.hal.ctx, AF_LENS_B), AF_OK);
	ck_assert_int_eq(f.hal.ops->get_lens(f.hal.ctx, &l), AF_OK);
	ck_assert_int_eq(l, AF_LENS_A);  /* the wrong position: still A */
	ck_assert_int_eq(f.hal.ops->select_lens(f.hal.ctx, AF_LENS_B), AF_OK);
	ck_assert_int_eq(sim_ctl_seated_lens(f.sh), 1);
	teardown(&f);
}
END_TEST

START_TEST(sensor_glitch_offsets_readings)
{
	fixture f;
	sim_fault g = { .kind = SIM_FAULT_SENSOR_GLITCH, .at_ns = 10 * SIM_NS_PER_S, .at_op = -1,
			.delta_c = 3.0, .duration_s = 20 };
	double before, during, after;

	setup(&f, 9);
	sim_ctl_add_fault(f.sh, &g);
	ck_assert_int_eq(f.hal.ops->read_temperature(f.hal.ctx, &before), AF_OK);
	sim_ctl_advance(f.sh, 15 * SIM_NS_PER_S);
	ck_assert_int_eq(f.hal.ops->read_temperature(f.hal.ctx, &during), AF_OK);
	sim_ctl_advance(f.sh, 30 * SIM_NS_PER_S);
	ck_assert_int_eq(f.hal.ops->read_temperature(f.hal.ctx, &after), AF_OK);
	ck_assert_double_eq_tol(before, 22.0, 0.3);
	ck_assert_double_eq_tol(during - before, 3.0, 0.4);
	ck_assert_double_eq_tol(after, 22.0, 0.3);
	teardown(&f);
}
END_TEST

/* The focal planes follow the instrument temperature at this instrument's
 * coefficients: focal_tc (A; nominal 1.0 um/C) and focal_tc + offset_tc
 * (B; nominal 1.1 um/C). */
START_TEST(focus_drifts_with_temperature)
{
	fixture f;
	double a0, b0, a1, b1, t0, t1;

	mdl_rig_default(&f.rig);
	f.room.kind = MDL_ROOM_STEPS;
	{
		static const mdl_room_point pts[] = { { 0.0, 22.0 }, { 1.0, 26.0 } };

		f.room.points = pts;
		f.room.n_points = 2;
	}
	f.trace = NULL;
	f.sh = sim_hal_new(&f.rig, &f.room, 10, NULL, NULL);
	ck_assert_ptr_nonnull(f.sh);
	a0 = sim_ctl_true_focus_um(f.sh, 0);
	b0 = sim_ctl_true_focus_um(f.sh, 1);
	t0 = sim_ctl_instrument_c(f.sh);
	sim_ctl_advance(f.sh, 3600 * SIM_NS_PER_S);
	a1 = sim_ctl_true_focus_um(f.sh, 0);
	b1 = sim_ctl_true_focus_um(f.sh, 1);
	t1 = sim_ctl_instrument_c(f.sh);
	ck_assert_double_gt(t1 - t0, 1.0);
	{
		const mdl_parfocal_config *p = &sim_ctl_truth(f.sh)->parfocal;

		ck_assert_double_eq_tol((a1 - a0) / (t1 - t0), p->focal_tc_um_per_c, 1e-9);
		ck_assert_double_eq_tol((b1 - b0) / (t1 - t0),
					p->focal_tc_um_per_c + p->offset_tc_um_per_c, 1e-9);
		/* not the nominal ones: this instrument is its own */
		ck_assert_double_ne(p->focal_tc_um_per_c, 1.0);
	}
	sim_hal_free(f.sh);
}
END_TEST

/* Frames in focus are sharper than frames 3 DOF away, for both lenses. */
static double norm_variance(const af_frame *fr)
{
	size_t n = (size_t)fr->width * fr->height;
	double s = 0, ss = 0, m;

	for (size_t i = 0; i < n; i++)
		s += fr->pixels[i];
	m = s / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (fr->pixels[i] - m) * (fr->pixels[i] - m);
	return ss / (double)n / m;
}

START_TEST(frames_are_sharp_at_the_true_focus)
{
	fixture f;

	setup(&f, 11);
	for (int lens = 0; lens < 2; lens++) {
		double zf, sharp, blurred;

		ck_assert_int_eq(f.hal.ops->select_lens(f.hal.ctx, (af_lens)lens), AF_OK);
		zf = sim_ctl_true_focus_um(f.sh, lens);
		/* approach from below, so the backlash play is taken up */
		ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, zf - 30.0), AF_OK);
		ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 1000), AF_OK);
		ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, zf), AF_OK);
		ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 1000), AF_OK);
		ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &f.frame), AF_OK);
		sharp = norm_variance(&f.frame);
		ck_assert_double_eq_tol(sim_ctl_stage_um(f.sh), zf, 0.05);
		ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, zf + 3.0 * mdl_lens_dof_um(&f.rig.lens[lens])), AF_OK);
		ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 1000), AF_OK);
		ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &f.frame), AF_OK);
		blurred = norm_variance(&f.frame);
		ck_assert_double_gt(sharp, 1.5 * blurred);
	}
	teardown(&f);
}
END_TEST

START_TEST(bad_arguments_are_rejected)
{
	fixture f;
	af_roi big = { 0, 0, 4096, 128 };
	af_frame tiny = { 0 };
	uint16_t px[4];

	setup(&f, 12);
	ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, NAN), AF_EINVAL);
	ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, 700.0), AF_ERANGE);
	ck_assert_ptr_nonnull(strstr(af_hal_errmsg(&f.hal), "travel"));
	ck_assert_int_eq(af_hal_set_roi(&f.hal, &big), AF_EINVAL);
	ck_assert_int_eq(af_hal_set_exposure_us(&f.hal, 1), AF_EINVAL);
	tiny.pixels = px;
	tiny.capacity_px = 4;
	ck_assert_int_eq(f.hal.ops->grab_frame(f.hal.ctx, &tiny), AF_EINVAL);
	ck_assert_int_eq(f.hal.ops->select_lens(f.hal.ctx, (af_lens)3), AF_EINVAL);
	teardown(&f);
}
END_TEST

/* Same seed, same trace hash; another seed, another hash. */
/* hal_error: the calls it names fail in the shared prologue, with the
 * code and a message saying which call; nothing else changes and no time
 * passes; at_call counts from the firing; a bad hal_error is refused. */
START_TEST(hal_error_fails_the_calls_it_names)
{
	fixture f;
	sim_fault flt;
	double z, t;
	int rc[8];
	double t0;

	setup(&f, 3);
	memset(&flt, 0, sizeof flt);
	flt.kind = SIM_FAULT_HAL_ERROR;
	flt.at_ns = -1;
	flt.at_op = 1;
	flt.hal_op = SIM_HAL_OP_GET_Z;
	flt.code = AF_EIO;
	flt.at_call = 2;
	flt.count = 2;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), 0);
	/* before the firing, calls run */
	ck_assert_int_eq(f.hal.ops->get_z(f.hal.ctx, &z), AF_OK);
	sim_ctl_begin_op(f.sh, 1);
	for (int i = 0; i < 4; i++) {
		t0 = now_ms(&f);
		rc[i] = f.hal.ops->get_z(f.hal.ctx, &z);
		/* a failed call takes no time: only the engine's own work
		 * before it is charged (the host's call overhead) */
		if (rc[i] != AF_OK)
			ck_assert_double_eq_tol(now_ms(&f) - t0, f.rig.host.call_overhead_us / 1e3, 1e-6);
		if (i == 1)
			ck_assert_str_eq(f.hal.ops->errmsg(f.hal.ctx),
					 "injected EIO (input/output error) at call 2 of get_z");
	}
	ck_assert_int_eq(rc[0], AF_OK);
	ck_assert_int_eq(rc[1], AF_EIO);
	ck_assert_int_eq(rc[2], AF_EIO);
	ck_assert_int_eq(rc[3], AF_OK);
	/* other ops are untouched */
	ck_assert_int_eq(f.hal.ops->read_temperature(f.hal.ctx, &t), AF_OK);

	/* every_nth 3, count 2: calls 3 and 6 of read_temperature, then none */
	flt.hal_op = SIM_HAL_OP_READ_TEMPERATURE;
	flt.code = AF_ETIMEDOUT;
	flt.at_call = 0;
	flt.every_nth = 3;
	flt.count = 2;
	flt.at_op = -1;
	flt.at_ns = 0;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), 0);
	{
		int failed[12], n = 0;

		for (int i = 1; i <= 12; i++)
			if (f.hal.ops->read_temperature(f.hal.ctx, &t) == AF_ETIMEDOUT)
				failed[n++] = i;
		ck_assert_int_eq(n, 2);
		ck_assert_int_eq(failed[0], 3);
		ck_assert_int_eq(failed[1], 6);
	}
	/* ops without a record fail too */
	flt.hal_op = SIM_HAL_OP_NOW_US;
	flt.code = AF_EHW;
	flt.every_nth = 0;
	flt.at_call = 1;
	flt.count = 0;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), 0);
	{
		int64_t us;

		ck_assert_int_eq(f.hal.ops->get_z(f.hal.ctx, &z), AF_OK);   /* fires it */
		ck_assert_int_eq(f.hal.ops->now_us(f.hal.ctx, &us), AF_EHW);
		ck_assert_int_eq(f.hal.ops->now_us(f.hal.ctx, &us), AF_OK);
	}
	/* refused: no op, code OK, both or neither of at_call / every_nth */
	flt.hal_op = SIM_HAL_OP_COUNT;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), -1);
	flt.hal_op = SIM_HAL_OP_GET_Z;
	flt.code = AF_OK;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), -1);
	flt.code = -99;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), -1);
	flt.code = AF_EIO;
	flt.every_nth = 2;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), -1);
	flt.every_nth = flt.at_call = 0;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), -1);
	ck_assert_ptr_eq(sim_hal_op_name(SIM_HAL_OP_COUNT), NULL);
	ck_assert_int_eq(sim_hal_op_parse("wait_settled"), SIM_HAL_OP_WAIT_SETTLED);
	ck_assert_int_eq(sim_hal_op_parse("errmsg"), -1);
	teardown(&f);
}
END_TEST

START_TEST(reference_sequence_is_deterministic)
{
	sim_refseq_result a, b, c;

	ck_assert_int_eq(sim_refseq_run(1, NULL, &a), 0);
	ck_assert_int_eq(sim_refseq_run(1, NULL, &b), 0);
	ck_assert_int_eq(sim_refseq_run(2, NULL, &c), 0);
	ck_assert_uint_eq(a.trace_hash, b.trace_hash);
	ck_assert_uint_eq(a.events, b.events);
	ck_assert_int_eq(a.virtual_ns, b.virtual_ns);
	ck_assert_uint_ne(a.trace_hash, c.trace_hash);
	/* the script's injected faults: drop, stall, limit */
	ck_assert_int_eq(a.errors, 3);
	ck_assert_uint_eq(a.frames, 19); /* 20 grabs, one of them stale */
}
END_TEST

/* The script calls every op of the HAL the simulator implements, the
 * optional settle wait that reports the encoder too. */
START_TEST(reference_sequence_calls_wait_settled_z)
{
	sim_refseq_result a;
	char *log = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&log, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sim_refseq_run(1, f, &a), 0);
	fclose(f);
	ck_assert_msg(strstr(log, "wait_settled_z 200") != NULL, "%s", log);
	{
		const char *line = strstr(log, "wait_settled_z 200");
		const char *eol = strchr(line, '\n');

		ck_assert_ptr_nonnull(eol);
		ck_assert_msg(eol - line >= 2 && strncmp(eol - 2, "ok", 2) == 0, "%.*s",
			      (int)(eol - line), line);
	}
	free(log);
}
END_TEST

/* Two runs that differ in one call diverge exactly there. */
START_TEST(divergence_names_the_first_different_event)
{
	fixture f, g;
	int64_t at;

	setup(&f, 13);
	setup(&g, 13);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(f.hal.ops->move_z(f.hal.ctx, 1.0 * i), AF_OK);
		ck_assert_int_eq(g.hal.ops->move_z(g.hal.ctx, i == 3 ? 3.05 : 1.0 * i), AF_OK);
		ck_assert_int_eq(f.hal.ops->wait_settled(f.hal.ctx, 200), AF_OK);
		ck_assert_int_eq(g.hal.ops->wait_settled(g.hal.ctx, 200), AF_OK);
	}
	at = sim_trace_first_divergence(f.trace, g.trace);
	ck_assert_int_eq(at, 6);  /* records: move, wait per step; step 3's move */
	teardown(&f);
	teardown(&g);
}
END_TEST

Suite *sim_hal_suite(void)
{
	Suite *s = suite_create("sim_hal");
	TCase *tc = tcase_create("hal");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, binds_as_a_hal);
	tcase_add_test(tc, stage_move_costs_physical_time);
	tcase_add_test(tc, the_settle_wait_reports_the_encoder);
	tcase_add_test(tc, frame_costs_exposure_and_readout);
	tcase_add_test(tc, camera_settings_cost_time);
	tcase_add_test(tc, lens_switch_time_and_seating);
	tcase_add_test(tc, camera_drop_times_out_then_recovers);
	tcase_add_test(tc, stage_stall_is_a_hardware_error);
	tcase_add_test(tc, turret_faults);
	tcase_add_test(tc, sensor_glitch_offsets_readings);
	tcase_add_test(tc, focus_drifts_with_temperature);
	tcase_add_test(tc, frames_are_sharp_at_the_true_focus);
	tcase_add_test(tc, bad_arguments_are_rejected);
	tcase_add_test(tc, hal_error_fails_the_calls_it_names);
	tcase_add_test(tc, reference_sequence_is_deterministic);
	tcase_add_test(tc, reference_sequence_calls_wait_settled_z);
	tcase_add_test(tc, divergence_names_the_first_different_event);
	suite_add_tcase(s, tc);
	return s;
}
