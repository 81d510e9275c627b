/*
 * emul_gv.c - the rig emulator's camera as a GigE Vision device
 * (hil_emul_start_genicam): Aravis's fake camera (hil/gvcam.h) whose
 * render callback takes the frame from the simulated rig.
 *
 * Time.  The emulator paces virtual time to the wall clock, lazily: the
 * world catches up when something asks.  A GenICam frame asks too: on the
 * camera thread, under the world's lock, the world catches up with the
 * wall clock, then the simulated camera takes the frame (grab_frame: the
 * stage position at mid-exposure, the seated lens, the exposure, shot and
 * read noise, the physics faults), which moves virtual time on by the
 * exposure and readout.  The lock is let go and the callback sleeps until
 * the wall clock reaches the end of that frame, so the frame leaves when
 * a real camera's would (the client's trigger-to-frame time is the
 * camera's frame time plus the fake camera's trigger polling).  The sleep
 * is capped (FRAME_SLEEP_MAX_NS): the fake camera's one thread also
 * answers GVCP, and a client takes a camera silent for 500 ms as gone; a
 * longer exposure leaves early and virtual time stays ahead until the wall
 * clock catches up (requests meanwhile are answered at the paced time, as
 * always).  A request over the protocol and a GenICam frame never run at
 * once on the world; a client that grabs while a move is under way sees the
 * stage where the model has it at that moment.
 *
 * The sensor, the power-up ROI and exposure are the simulated camera's;
 * the client's ROI and exposure reach the world before each frame (a new
 * ROI rebuilds the view, as in simulation).  The pixels are the simulated
 * camera's 16-bit ADU shifted down to the pixel format's bit depth.
 */
#include "hil/emul_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hil/link.h"
#include "sim/sim_ctl.h"

/* Longest the camera thread waits for a frame's exposure to end. */
#define FRAME_SLEEP_MAX_NS (200 * 1000000LL)

static void sleep_until_ns(int64_t t_ns)
{
	struct timespec ts = { (time_t)(t_ns / 1000000000LL), (long)(t_ns % 1000000000LL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Camera thread: one frame of the simulated camera into px (w x h at
 * shot's offset, bit_depth bits). */
static void render(void *user, uint16_t *px, uint32_t w, uint32_t h, uint32_t bit_depth,
		   uint32_t exposure_us, const hil_gvcam_shot *shot)
{
	hil_emul *e = user;
	const af_hal_ops *o = e->hal.ops;
	void *c = e->hal.ctx;
	af_roi want = { shot->x, shot->y, w, h }, cur;
	af_frame fr;
	uint32_t exp_now = 0, shift;
	size_t npx = (size_t)w * h;
	int64_t due = -1;
	int rc;

	memset(&fr, 0, sizeof fr);
	fr.pixels = px;
	fr.capacity_px = npx;
	pthread_mutex_lock(&e->mu);
	hil_em_start_clock(e);
	hil_em_catch_up(e);
	rc = o->get_roi(c, &cur);
	if (rc == AF_OK && memcmp(&cur, &want, sizeof cur) != 0)
		rc = o->set_roi(c, &want);
	if (rc == AF_OK)
		rc = o->get_exposure_us(c, &exp_now);
	if (rc == AF_OK && exp_now != exposure_us)
		rc = o->set_exposure_us(c, exposure_us);
	if (rc == AF_OK)
		rc = o->grab_frame(c, &fr);
	if (rc == AF_OK && e->cfg.pacing)
		due = hil_em_wall_of(e, sim_ctl_now_ns(e->sh));
	pthread_mutex_unlock(&e->mu);

	pthread_mutex_lock(&e->cam_mu);
	e->cam_frames++;
	e->cam_dropped += rc == AF_ETIMEDOUT;
	pthread_mutex_unlock(&e->cam_mu);
	if (rc != AF_OK) {
		/* a dropped frame (camera_drop): none of its packets leaves */
		memset(px, 0, npx * sizeof *px);
		if (rc == AF_ETIMEDOUT)
			hil_gvcam_inject(e->cam, HIL_GVCAM_DROP, 1, 0);
		else
			hil_em_log(e, "genicam frame %llu: %s", (unsigned long long)shot->frame_id,
				   o->errmsg(c));
		return;
	}
	shift = fr.bit_depth > bit_depth ? fr.bit_depth - bit_depth : 0;
	if (shift)
		for (size_t i = 0; i < npx; i++)
			px[i] = (uint16_t)(px[i] >> shift);
	if (e->cfg.trace) {
		flockfile(e->cfg.trace);
		fprintf(e->cfg.trace, "%10.3f * genicam frame %llu %ux%u+%u+%u %s %u us\n",
			(double)(hil_now_ns() - e->conn_t0_ns) / 1e6,
			(unsigned long long)shot->frame_id, w, h, shot->x, shot->y, shot->pixel_format,
			exposure_us);
		fflush(e->cfg.trace);
		funlockfile(e->cfg.trace);
	}
	if (due > 0) {
		int64_t cap = hil_now_ns() + FRAME_SLEEP_MAX_NS;

		sleep_until_ns(due < cap ? due : cap);
	}
}

/* The smallest container of the simulated camera's bit depth. */
static const char *format_of(uint32_t bits)
{
	return bits <= 8 ? "Mono8" : bits <= 10 ? "Mono10" : bits <= 12 ? "Mono12"
	       : bits <= 14 ? "Mono14" : "Mono16";
}

int hil_emul_start_genicam(hil_emul *e, const char *address, char *err, size_t errlen)
{
	const mdl_camera_config *cc = &e->rig.camera;
	hil_gvcam_opts o;
	char why[256];

	if (e->cam) {
		snprintf(err, errlen, "the emulator already serves a GenICam camera");
		return -1;
	}
	memset(&o, 0, sizeof o);
	o.address = address ? address : "127.0.0.1";
	o.sensor_width = cc->sensor_width;
	o.sensor_height = cc->sensor_height;
	o.width = cc->roi_width;
	o.height = cc->roi_height;
	o.x = cc->roi_x;
	o.y = cc->roi_y;
	o.exposure_us = cc->exposure_us;
	o.pixel_format = format_of(cc->bit_depth);
	/* without pacing (a benchmark, a quick test) frames come as fast as
	 * the camera looks at its trigger: 1 kHz, at about 40 % of a core
	 * while acquiring, instead of 200 Hz */
	o.trigger_hz = e->cfg.pacing ? 0.0 : 1000.0;
	o.render = render;
	o.user = e;
	e->cam = hil_gvcam_new(&o, why, sizeof why);
	if (!e->cam) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	snprintf(e->cam_spec, sizeof e->cam_spec, "genicam:%s", hil_gvcam_address(e->cam));
	return 0;
}

const char *hil_emul_camera_spec(const hil_emul *e)
{
	return e->cam_spec;
}

hil_gvcam *hil_emul_gvcam(hil_emul *e)
{
	return e->cam;
}

void hil_em_camera_fault(hil_emul *e, const sim_fault *f, int64_t now_ns, int64_t until_ns)
{
	const char *name = sim_fault_name(f->kind);
	uint32_t param;

	if (!e->cam) {
		hil_em_log(e, "fault %s ignored: no GenICam camera (--genicam)", name);
		return;
	}
	switch ((int)f->kind) {
	case SIM_FAULT_CAMERA_DELAY:
		param = f->duration_ms < 1.0 ? 1u : f->duration_ms > 60000.0 ? 60000u
										: (uint32_t)f->duration_ms;
		if (hil_gvcam_inject(e->cam, HIL_GVCAM_DELAY, f->count, param) != 0)
			hil_em_log(e, "fault %s: too many camera faults queued", name);
		break;
	case SIM_FAULT_CAMERA_INCOMPLETE:
		param = f->factor >= 0.999 ? 999u : f->factor <= 0.001 ? 1u
									 : (uint32_t)(f->factor * 1000.0);
		if (hil_gvcam_inject(e->cam, HIL_GVCAM_INCOMPLETE, f->count, param) != 0)
			hil_em_log(e, "fault %s: too many camera faults queued", name);
		break;
	case SIM_FAULT_CAMERA_GONE:
		if (hil_gvcam_running(e->cam)) {
			hil_em_log(e, "camera_gone: the GenICam camera %s disappears", e->cam_spec);
			hil_gvcam_stop(e->cam);
		}
		e->cam_back_ns = until_ns > now_ns ? until_ns : INT64_MAX;
		break;
	default:
		break;
	}
}

void hil_em_camera_tick(hil_emul *e, int64_t now_ns)
{
	char why[256];

	if (!e->cam || e->cam_back_ns < 0 || now_ns < e->cam_back_ns)
		return;
	e->cam_back_ns = -1;
	if (hil_gvcam_start(e->cam, why, sizeof why) != 0)
		hil_em_log(e, "the GenICam camera cannot come back: %s", why);
	else
		hil_em_log(e, "the GenICam camera %s is back", e->cam_spec);
}

void hil_em_camera_session_end(hil_emul *e)
{
	if (e->cam_back_ns == INT64_MAX)
		e->cam_back_ns = hil_now_ns();
}

void hil_em_camera_free(hil_emul *e)
{
	hil_gvcam_free(e->cam);
	e->cam = NULL;
}
