/*
 * test_emul_gv.c - a GenICam rig end to end, in a private network
 * namespace: the rig emulator serves its camera as a GigE Vision device
 * (hil_emul_start_genicam) and the bridge takes frames, exposure and ROI
 * from it through the Aravis driver (the rig file's camera: genicam:ID)
 * while lens, stage and temperature go over the rig protocol.
 *
 * The frames are the simulated camera's, bit for bit (their digest is the
 * one the simulator recorded), taken at the stage state of the moment they
 * are triggered; the engine calibrates and hands off A -> B on them and
 * lens B lands in focus by the emulator's ground truth; and every camera
 * fault of a scenario reaches the bridge as the driver's error: a dropped
 * frame (camera_drop) ETIMEDOUT, a late one (camera_delay) ETIMEDOUT then
 * the next frame, a frame with holes (camera_incomplete) EIO, a camera gone
 * for a while (camera_gone) EHW then a reconnect; a camera without an
 * exposure feature ENOTSUP.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_engine.h"
#include "hil/bridge.h"
#include "hil/emul.h"
#include "hil/genicam.h"
#include "models/camera.h"
#include "sim/sim_ctl.h"
#include "kernel/trace.h"
#include "tests/emulfix.h"
#include "tests/genicam_fix.h"
#include "tests/slack.h"

#define CAP_PX (512 * 512)

/* A bridge to the emulator with its camera: genicam:127.0.0.1. */
static hil_bridge *connect_gv(const emul_fix *x, uint32_t camera_timeout_ms, af_hal *hal)
{
	hil_bridge_config c;
	char err[HIL_BRIDGE_ERR_MAX];
	hil_bridge *b;

	bridge_cfg(x, &c, 1000, 2);
	c.frames = false;
	c.camera_id = "127.0.0.1";
	c.camera.timeout_ms = camera_timeout_ms;
	b = hil_bridge_open(&c, err, sizeof err);
	ck_assert_msg(b != NULL, "%s", err);
	hil_bridge_bind(b, hal);
	return b;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static double mean_px(const af_frame *f)
{
	double s = 0.0;
	size_t n = (size_t)f->width * f->height;

	for (size_t i = 0; i < n; i++)
		s += f->pixels[i];
	return s / (double)n;
}

/* The simulator's record of the last frame it rendered. */
static sim_frame_info last_info(emul_fix *x)
{
	sim_frame_info fi;

	hil_emul_lock(x->e);
	ck_assert(sim_ctl_last_frame(hil_emul_sim(x->e), &fi));
	hil_emul_unlock(x->e);
	return fi;
}

START_TEST(frames_are_the_emulated_camera)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	mdl_camera_config cc;
	af_roi roi, small = { 100, 200, 64, 48 };
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	uint32_t us = 0;
	sim_frame_info fi;
	double m5, m25, m16, dt, frame_ms;
	int64_t t0, now_us;

	NETNS_OR_SKIP();
	mdl_camera_config_default(&cc);
	emul_up_with(&x, NULL, true, false, true);
	ck_assert_str_eq(hil_emul_camera_spec(x.e), "genicam:127.0.0.1");
	b = connect_gv(&x, 1000, &hal);
	ck_assert_str_eq(hil_genicam_pixel_format(hil_bridge_camera(b)), "Mono16");
	/* the power-up ROI and exposure are the simulated camera's */
	ck_assert_int_eq(af_hal_get_roi(&hal, &roi), AF_OK);
	ck_assert_uint_eq(roi.x, cc.roi_x);
	ck_assert_uint_eq(roi.y, cc.roi_y);
	ck_assert_uint_eq(roi.width, cc.roi_width);
	ck_assert_uint_eq(roi.height, cc.roi_height);
	ck_assert_int_eq(af_hal_get_exposure_us(&hal, &us), AF_OK);
	ck_assert_uint_eq(us, cc.exposure_us);

	/* a frame is the simulator's, bit for bit, and takes its frame time */
	frame_ms = (double)mdl_camera_frame_time_ns(&cc, cc.exposure_us, cc.roi_height) / 1e6;
	t0 = hil_now_ns();
	ck_assert_msg(hal.ops->grab_frame(hal.ctx, &fr) == AF_OK, "%s", af_hal_errmsg(&hal));
	dt = ms_since(t0);
	ck_assert_msg(dt >= frame_ms, "a %.3f ms frame came in %.3f ms", frame_ms, dt);
	ck_assert_uint_eq(fr.width, cc.roi_width);
	ck_assert_uint_eq(fr.height, cc.roi_height);
	ck_assert_uint_eq(fr.bit_depth, 16);
	fi = last_info(&x);
	ck_assert_uint_eq(sim_digest_u16(fr.pixels, (size_t)fr.width * fr.height), fi.digest);
	/* its timestamp is on the bridge's clock, inside the grab */
	ck_assert_int_eq(hal.ops->now_us(hal.ctx, &now_us), AF_OK);
	ck_assert_int_le(fr.timestamp_us, now_us);
	ck_assert_int_ge(fr.timestamp_us, now_us - (int64_t)(dt * 1000.0) - 1000);
	m5 = mean_px(&fr) - cc.offset_adu;

	/* exposure: the signal scales with it */
	ck_assert_int_eq(af_hal_set_exposure_us(&hal, 2500), AF_OK);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	ck_assert_uint_eq(sim_digest_u16(fr.pixels, (size_t)fr.width * fr.height), last_info(&x).digest);
	m25 = mean_px(&fr) - cc.offset_adu;
	ck_assert_msg(m25 / m5 > 0.47 && m25 / m5 < 0.53, "signal %.1f ADU at 5 ms, %.1f at 2.5 ms", m5,
		      m25);

	/* ROI: the simulator renders the client's */
	ck_assert_int_eq(af_hal_set_roi(&hal, &small), AF_OK);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	ck_assert_uint_eq(fr.width, 64);
	ck_assert_uint_eq(fr.height, 48);
	ck_assert_uint_eq(sim_digest_u16(fr.pixels, 64 * 48), last_info(&x).digest);
	m16 = mean_px(&fr);

	/* Mono8: the simulated 16-bit ADU shifted down */
	ck_assert_int_eq(hil_genicam_set_pixel_format(hil_bridge_camera(b), "Mono8"), AF_OK);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	ck_assert_uint_eq(fr.bit_depth, 8);
	ck_assert_msg(fabs(mean_px(&fr) - m16 / 256.0) < 1.0, "Mono8 mean %.2f, Mono16 %.2f / 256",
		      mean_px(&fr), m16 / 256.0);
	hil_bridge_free(b);
	emul_down(&x);
	free(px);
}
END_TEST

/* Triggered while the stage moves, a frame shows the stage where the
 * model has it at that moment, not where the move will end. */
START_TEST(a_frame_is_exposed_at_the_stage_state_now)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	sim_frame_info fi;

	NETNS_OR_SKIP();
	emul_up_with(&x, NULL, true, false, true);
	b = connect_gv(&x, 1000, &hal);
	/* 200 um: 100 ms of acceleration over the first 50 um, then 1 mm/s;
	 * 150 ms after the controller took the move the stage is near 100 um */
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 200.0), AF_OK);
	sleep_ms(150);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	fi = last_info(&x);
	ck_assert_msg(fi.z_stage_um > 60.0 && fi.z_stage_um < 190.0,
		      "frame during the move taken at %.3f um", fi.z_stage_um);
	ck_assert_double_gt(fabs(fi.z_sweep_um), 0.05); /* moving during the exposure */
	ck_assert_int_eq(hal.ops->wait_settled(hal.ctx, 2000), AF_OK);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	fi = last_info(&x);
	ck_assert_double_eq_tol(fi.z_stage_um, 200.0, 0.011);
	ck_assert_double_eq_tol(fi.z_sweep_um, 0.0, 1e-9);
	hil_bridge_free(b);
	emul_down(&x);
	free(px);
}
END_TEST


/* The engine calibrates (3 sites, one pass: 10 s of rig time) and hands
 * off A -> B on frames that crossed GVCP/GVSP; lens B lands in focus by
 * the emulator's ground truth. */
START_TEST(engine_focuses_on_genicam_frames)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	af_engine_config cfg;
	af_engine *e;
	af_calib_plan plan = { 3, -5.0, 5.0, 1, false };
	af_calib_report rep;
	af_handoff_result h;
	hil_genicam_counters gc;
	hil_emul_stats es;
	const char *why = NULL;
	double truth_b, stage;

	NETNS_OR_SKIP();
	emul_up_with(&x, NULL, true, false, true);
	b = connect_gv(&x, 1000, &hal);
	af_engine_config_default(&cfg);
	e = af_engine_new(&hal, &cfg, &why);
	ck_assert_msg(e != NULL, "%s", why);
	ck_assert_msg(af_calibrate(e, &plan, emul_put_site, b, &rep) == AF_OK, "%s", rep.message);
	ck_assert_uint_gt(rep.frames, 20);
	ck_assert_int_eq(hil_bridge_place(b, 2.5), AF_OK);
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 2.5), AF_OK);
	ck_assert_msg(af_handoff(e, AF_LENS_A, AF_LENS_B, 2.5, &h) == AF_OK, "%s", h.message);
	ck_assert(h.success);
	ck_assert_double_le(h.mapping_error_um, 1.0);
	ck_assert_double_gt(h.phase_ms[AF_PHASE_TOTAL], 100.0); /* real time */
	ck_assert_uint_gt(h.frames, 2);
	hil_genicam_get_counters(hil_bridge_camera(b), &gc);
	ck_assert_uint_ge(gc.frames, rep.frames + h.frames);
	ck_assert_uint_eq(gc.timeouts + gc.incomplete + gc.lost, 0);
	hil_bridge_free(b);
	emul_stop(&x);
	hil_emul_get_stats(x.e, &es);
	ck_assert_uint_ge(es.camera_frames, gc.frames);
	ck_assert_uint_eq(es.camera_dropped, 0);
	hil_emul_lock(x.e);
	truth_b = sim_ctl_true_focus_um(hil_emul_sim(x.e), MDL_LENS_B);
	stage = sim_ctl_stage_um(hil_emul_sim(x.e));
	ck_assert_int_eq(sim_ctl_seated_lens(hil_emul_sim(x.e)), MDL_LENS_B);
	hil_emul_unlock(x.e);
	ck_assert_msg(fabs(stage - truth_b) <= 1.0, "lens B focus at %.3f um, stage at %.3f um",
		      truth_b, stage);
	af_engine_free(e);
	emul_down(&x);
}
END_TEST

/* A scenario's camera fault at the bridge's second request (the GET_Z
 * after the greeting), then the grab that meets it. */
static hil_bridge *faulty(emul_fix *x, const char *fault, uint32_t camera_timeout_ms, af_hal *hal)
{
	char y[256];
	hil_bridge *b;
	double z;

	fault_yaml(y, sizeof y, fault);
	emul_up_with(x, y, false, false, true);
	b = connect_gv(x, camera_timeout_ms, hal);
	ck_assert_int_eq(hal->ops->get_z(hal->ctx, &z), AF_OK); /* request 2: the fault fires */
	return b;
}

START_TEST(camera_drop_times_out_then_frames_come)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	hil_genicam_counters gc;
	hil_emul_stats es;
	double dt;
	int64_t t0;

	NETNS_OR_SKIP();
	b = faulty(&x, "{at_op: 2, kind: camera_drop, count: 2}", 300, &hal);
	for (int i = 0; i < 2; i++) {
		t0 = hil_now_ns();
		ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_ETIMEDOUT);
		dt = ms_since(t0);
		ck_assert_msg(dt >= 300.0 && dt < 300.0 + slack_ms(150.0), "dropped frame: %.1f ms", dt);
		ck_assert_str_eq(af_hal_errmsg(&hal),
				 "rig 'emul' (genicam:127.0.0.1): no frame from camera '127.0.0.1' "
				 "within 300 ms of its software trigger");
	}
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	ck_assert_uint_eq(sim_digest_u16(fr.pixels, (size_t)fr.width * fr.height), last_info(&x).digest);
	hil_genicam_get_counters(hil_bridge_camera(b), &gc);
	ck_assert_uint_eq(gc.timeouts, 2);
	hil_bridge_free(b);
	emul_stop(&x);
	hil_emul_get_stats(x.e, &es);
	ck_assert_uint_eq(es.camera_dropped, 2);
	emul_down(&x);
	free(px);
}
END_TEST

START_TEST(camera_delay_times_out_and_is_not_taken_for_the_next)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	hil_genicam_counters gc;
	uint64_t seq;
	double dt;
	int64_t t0;

	NETNS_OR_SKIP();
	b = faulty(&x, "{at_op: 2, kind: camera_delay, duration_ms: 400}", 200, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_ETIMEDOUT);
	dt = ms_since(t0);
	ck_assert_msg(dt >= 200.0 && dt < 200.0 + slack_ms(150.0), "late frame: %.1f ms", dt);
	ck_assert_str_eq(af_hal_errmsg(&hal),
			 "rig 'emul' (genicam:127.0.0.1): no frame from camera '127.0.0.1' "
			 "within 200 ms of its software trigger");
	/* the late frame arrives meanwhile; the next grab takes its own */
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	seq = fr.seq;
	ck_assert_uint_eq(sim_digest_u16(fr.pixels, (size_t)fr.width * fr.height), last_info(&x).digest);
	hil_genicam_get_counters(hil_bridge_camera(b), &gc);
	ck_assert_uint_eq(gc.timeouts, 1);
	ck_assert_uint_eq(gc.stale, 1);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	ck_assert_uint_eq(fr.seq, seq + 1);
	hil_bridge_free(b);
	emul_down(&x);
	free(px);
}
END_TEST

START_TEST(camera_incomplete_is_eio_counted)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	hil_genicam_counters gc;
	const char *m;

	NETNS_OR_SKIP();
	b = faulty(&x, "{at_op: 2, kind: camera_incomplete, factor: 0.5}", 1000, &hal);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_EIO);
	m = af_hal_errmsg(&hal);
	ck_assert_msg(starts(m, "rig 'emul' (genicam:127.0.0.1): incomplete frame "), "%s", m);
	ck_assert_msg(strstr(m, " from camera '127.0.0.1': ") != NULL, "%s", m);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	hil_genicam_get_counters(hil_bridge_camera(b), &gc);
	ck_assert_uint_eq(gc.incomplete, 1);
	hil_bridge_free(b);
	emul_down(&x);
	free(px);
}
END_TEST

START_TEST(camera_gone_is_ehw_then_reconnects)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	uint16_t *px = calloc(CAP_PX, sizeof *px);
	af_frame fr = { px, CAP_PX, 0, 0, 0, 0, 0 };
	hil_genicam_counters gc;
	uint32_t us = 0;
	const char *m;
	char y[256];
	double dt, z;
	int64_t t0;

	NETNS_OR_SKIP();
	/* gone for 3 s: longer than Aravis's 2.5 s of GVCP retries */
	fault_yaml(y, sizeof y, "{at_op: 2, kind: camera_gone, duration_s: 3}");
	emul_up_with(&x, y, false, false, true);
	b = connect_gv(&x, 500, &hal);
	ck_assert_int_eq(af_hal_set_exposure_us(&hal, 3000), AF_OK);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK); /* request 2: the camera goes */
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_EHW);
	dt = ms_since(t0);
	ck_assert_msg(dt < slack_ms(3500.0), "finding the camera gone took %.0f ms", dt);
	m = af_hal_errmsg(&hal);
	ck_assert_msg(starts(m, "rig 'emul' (genicam:127.0.0.1): camera '127.0.0.1' stopped answering "
				"(sending TriggerSoftware: "), "%s", m);
	ck_assert_msg(strstr(m, "the next call reconnects") != NULL, "%s", m);
	/* back after 3 s: the next call reconnects (bounded) and works, the
	 * exposure set before applied again to the camera that forgot it */
	t0 = hil_now_ns();
	ck_assert_msg(hal.ops->grab_frame(hal.ctx, &fr) == AF_OK, "%s", af_hal_errmsg(&hal));
	dt = ms_since(t0);
	ck_assert_msg(dt < slack_ms(5000.0), "reconnect took %.0f ms", dt);
	ck_assert_uint_eq(sim_digest_u16(fr.pixels, (size_t)fr.width * fr.height), last_info(&x).digest);
	hil_genicam_get_counters(hil_bridge_camera(b), &gc);
	ck_assert_uint_eq(gc.lost, 1);
	ck_assert_uint_eq(gc.reconnects, 1);
	ck_assert_int_eq(af_hal_get_exposure_us(&hal, &us), AF_OK);
	ck_assert_uint_eq(us, 3000);
	hil_bridge_free(b);
	emul_down(&x);
	free(px);
}
END_TEST

/* A camera that lacks a feature: ENOTSUP with the driver's message,
 * through the bridge (here a camera of its own next to the emulator). */
START_TEST(missing_feature_is_enotsup)
{
	static const char *const no_exposure[] = { "ExposureTimeAbs", NULL };
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	hil_gvcam *cam;
	hil_gvcam_opts o = { 0 };
	uint32_t us;
	char err[256];

	NETNS_OR_SKIP();
	o.hide = no_exposure;
	cam = hil_gvcam_new(&o, err, sizeof err);
	ck_assert_msg(cam != NULL, "%s", err);
	emul_up(&x, NULL, false, false);
	b = connect_gv(&x, 1000, &hal);
	ck_assert_int_eq(af_hal_set_exposure_us(&hal, 2000), AF_ENOTSUP);
	ck_assert_str_eq(af_hal_errmsg(&hal),
			 "rig 'emul' (genicam:127.0.0.1): camera '127.0.0.1' has no exposure time feature");
	ck_assert_int_eq(af_hal_get_exposure_us(&hal, &us), AF_ENOTSUP);
	hil_bridge_free(b);
	emul_down(&x);
	hil_gvcam_free(cam);
}
END_TEST

Suite *emul_genicam_suite(void)
{
	Suite *s = suite_create("emul_genicam");
	TCase *tc = tcase_create("genicam rig");

	tcase_add_test(tc, frames_are_the_emulated_camera);
	tcase_add_test(tc, a_frame_is_exposed_at_the_stage_state_now);
	tcase_add_test(tc, engine_focuses_on_genicam_frames);
	tcase_add_test(tc, camera_drop_times_out_then_frames_come);
	tcase_add_test(tc, camera_delay_times_out_and_is_not_taken_for_the_next);
	tcase_add_test(tc, camera_incomplete_is_eio_counted);
	tcase_add_test(tc, camera_gone_is_ehw_then_reconnects);
	tcase_add_test(tc, missing_feature_is_enotsup);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
