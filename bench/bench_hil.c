/*
 * bench_hil.c - what the HIL bridge costs.
 *
 *   1. The bridge's overhead per operation: GET_Z round trips against an
 *      emulator that answers at once (no pacing), over loopback TCP and over
 *      a pseudo-terminal, against the same call on the simulated HAL in
 *      process (the floor).
 *   2. Frames per second over the protocol at 128 x 128 and 512 x 512 (the
 *      emulator renders each frame), against rendering them in process.
 *   3. A handoff's phases against the emulator in real time (pacing on:
 *      what a rig would take) next to the same calibration and handoffs in
 *      simulation: the gap between the two is the bridge's and the
 *      emulator's share.
 *
 * The emulator runs in a child process (fork), as `afsim rig serve` would.
 * Prints tables; asserts nothing.  Quick mode (bench_quick.h): fewer
 * round trips, frames and handoffs.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_quick.h"
#include "engine/af_engine.h"
#include "hil/bridge.h"
#include "hil/emul.h"
#include "models/rig.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"

typedef struct server {
	hil_emul *e;
	pid_t pid;
	int stop[2];
	char spec[HIL_TRANSPORT_TEXT_MAX + 16];
} server;

/* An emulator serving in a child process; 0 or -1. */
static int server_up(server *s, bool pty, bool pacing)
{
	hil_emul_config c;
	char err[256];

	memset(s, 0, sizeof *s);
	hil_emul_config_default(&c);
	c.pacing = pacing;
	if (!(s->e = hil_emul_new(&c, err, sizeof err)) ||
	    (pty ? hil_emul_open_pty(s->e, err, sizeof err)
		 : hil_emul_listen_tcp(s->e, "127.0.0.1", 0, err, sizeof err)) != 0 ||
	    pipe(s->stop) != 0) {
		fprintf(stderr, "bench_hil: emulator: %s\n", err);
		return -1;
	}
	snprintf(s->spec, sizeof s->spec, "%s%s", hil_emul_spec(s->e), pty ? "@115200" : "");
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int rc = hil_emul_serve(s->e, s->stop[0], err, sizeof err);

		_exit(rc == 0 ? 0 : 1);
	}
	return 0;
}

static void server_down(server *s)
{
	if (s->pid > 0) {
		(void)!write(s->stop[1], "x", 1);
		waitpid(s->pid, NULL, 0);
	}
	close(s->stop[0]);
	close(s->stop[1]);
	hil_emul_free(s->e);
}

static hil_bridge *connect_to(const server *s, af_hal *hal)
{
	hil_bridge_config c;
	char err[HIL_BRIDGE_ERR_MAX];
	hil_bridge *b;

	hil_bridge_config_default(&c);
	c.name = "bench";
	if (hil_transport_parse(s->spec, &c.transport, err, sizeof err) != 0 ||
	    !(b = hil_bridge_open(&c, err, sizeof err))) {
		fprintf(stderr, "bench_hil: %s\n", err);
		return NULL;
	}
	hil_bridge_bind(b, hal);
	return b;
}

static sim_hal *local_sim(af_hal *hal)
{
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;

	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	sh = sim_hal_new(&rig, &room, 1, NULL, NULL);
	if (sh)
		sim_hal_bind(sh, hal);
	return sh;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* us per GET_Z on hal: mean, p50, p99 of n calls. */
static int time_get_z(const af_hal *hal, int n, double out[3])
{
	double *t = malloc((size_t)n * sizeof *t), sum = 0, z;

	if (!t)
		return -1;
	for (int i = 0; i < n; i++) {
		int64_t t0 = hil_now_ns();

		if (hal->ops->get_z(hal->ctx, &z) != AF_OK) {
			fprintf(stderr, "bench_hil: GET_Z: %s\n", hal->ops->errmsg(hal->ctx));
			free(t);
			return -1;
		}
		t[i] = (double)(hil_now_ns() - t0) / 1e3;
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	out[0] = sum / n;
	out[1] = t[n / 2];
	out[2] = t[(size_t)((n - 1) * 0.99)];
	free(t);
	return 0;
}

static void round_trips(void)
{
	int n = bench_size(5000, 200);
	double r[3];
	af_hal hal;
	sim_hal *sh = local_sim(&hal);

	printf("GET_Z round trip, %d calls, emulator without pacing\n", n);
	printf("%-26s %10s %10s %10s\n", "path", "mean us", "p50 us", "p99 us");
	if (sh && time_get_z(&hal, n, r) == 0)
		printf("%-26s %10.2f %10.2f %10.2f\n", "simulated HAL, in process", r[0], r[1], r[2]);
	sim_hal_free(sh);
	for (int pty = 0; pty <= 1; pty++) {
		server s;
		hil_bridge *b;

		if (server_up(&s, pty, false) != 0)
			return;
		if ((b = connect_to(&s, &hal)) && time_get_z(&hal, n, r) == 0)
			printf("%-26s %10.2f %10.2f %10.2f\n", pty ? "bridge over a pty" : "bridge over TCP loopback",
			       r[0], r[1], r[2]);
		hil_bridge_free(b);
		server_down(&s);
	}
}

/* Frames per second of n grabs of side x side on hal. */
static double fps(const af_hal *hal, uint32_t side, int n)
{
	af_roi roi = { (2048 - side) / 2, (2048 - side) / 2, side, side };
	af_frame fr;
	int64_t t0;
	double r = -1.0;

	memset(&fr, 0, sizeof fr);
	fr.capacity_px = (size_t)side * side;
	if (!(fr.pixels = malloc(fr.capacity_px * sizeof *fr.pixels)))
		return -1.0;
	if (hal->ops->set_roi(hal->ctx, &roi) != AF_OK ||
	    hal->ops->grab_frame(hal->ctx, &fr) != AF_OK) /* warm: views built */
		goto out;
	t0 = hil_now_ns();
	for (int i = 0; i < n; i++)
		if (hal->ops->grab_frame(hal->ctx, &fr) != AF_OK)
			goto out;
	r = n / ((double)(hil_now_ns() - t0) / 1e9);
out:
	if (r < 0)
		fprintf(stderr, "bench_hil: grab: %s\n", hal->ops->errmsg(hal->ctx));
	free(fr.pixels);
	return r;
}

static void frame_rates(void)
{
	static const uint32_t sides[2] = { 128, 512 };
	af_hal hal;
	sim_hal *sh;

	printf("\nframes over the protocol (16-bit pixels, CRC-32 checked), emulator without pacing\n");
	printf("%-26s %14s %14s\n", "path", "128x128 fps", "512x512 fps");
	sh = local_sim(&hal);
	if (sh)
		printf("%-26s %14.1f %14.1f\n", "simulated HAL, in process",
		       fps(&hal, sides[0], bench_size(400, 20)), fps(&hal, sides[1], bench_size(40, 3)));
	sim_hal_free(sh);
	for (int pty = 0; pty <= 1; pty++) {
		server s;
		hil_bridge *b;

		if (server_up(&s, pty, false) != 0)
			return;
		if ((b = connect_to(&s, &hal)))
			printf("%-26s %14.1f %14.1f\n", pty ? "bridge over a pty" : "bridge over TCP loopback",
			       fps(&hal, sides[0], bench_size(400, 20)), fps(&hal, sides[1], bench_size(40, 3)));
		hil_bridge_free(b);
		server_down(&s);
	}
}

typedef struct handoffs {
	double phase_ms[AF_PHASE_COUNT];   /* sums */
	double map_err_um, calib_ms, wall_s;
	int ok, n;
} handoffs;

typedef struct placer {
	sim_hal *sh;
	hil_bridge *b;
} placer;

static int place(placer *p, double z)
{
	if (p->sh) {
		sim_ctl_set_place(p->sh, z);
		return AF_OK;
	}
	return hil_bridge_place(p->b, z);
}

static int site(void *user, uint32_t i, double z)
{
	(void)i;
	return place(user, z);
}

/* Calibrate (3 sites, one pass) and hand off A -> B at n places. */
static int run_handoffs(const af_hal *hal, placer *p, int n, handoffs *out)
{
	af_engine_config cfg;
	af_engine *e;
	af_calib_plan plan = { 3, -5.0, 5.0, 1, false };
	af_calib_report rep;
	const char *why;
	int64_t t0 = hil_now_ns();

	memset(out, 0, sizeof *out);
	af_engine_config_default(&cfg);
	if (!(e = af_engine_new(hal, &cfg, &why)))
		return -1;
	if (af_calibrate(e, &plan, site, p, &rep) != AF_OK) {
		fprintf(stderr, "bench_hil: calibrate: %s\n", rep.message);
		af_engine_free(e);
		return -1;
	}
	out->calib_ms = rep.ms;
	for (int i = 0; i < n; i++) {
		double z = -4.0 + 8.0 * i / (n > 1 ? n - 1 : 1);
		af_handoff_result h;

		if (place(p, z) != AF_OK || af_engine_goto(e, AF_LENS_A, z) != AF_OK)
			break;
		out->n++;
		if (af_handoff(e, AF_LENS_A, AF_LENS_B, z, &h) != AF_OK)
			continue;
		out->ok++;
		for (int k = 0; k < AF_PHASE_COUNT; k++)
			out->phase_ms[k] += h.phase_ms[k];
		out->map_err_um += h.mapping_error_um;
	}
	out->wall_s = (double)(hil_now_ns() - t0) / 1e9;
	af_engine_free(e);
	return 0;
}

static void handoff_gap(void)
{
	static const char *const names[AF_PHASE_COUNT] = { "lens_switch", "focus_move", "focus_search",
							    "validation", "total" };
	int n = bench_size(10, 2);
	handoffs sim, emu;
	af_hal hal;
	placer p = { NULL, NULL };
	server s;

	printf("\na handoff A->B: simulation (virtual time) vs the emulator over TCP in real time\n"
	       "(calibration of 3 sites first, then %d handoffs at places -4..4 um; seed 1)\n", n);
	p.sh = local_sim(&hal);
	if (!p.sh || run_handoffs(&hal, &p, n, &sim) != 0)
		return;
	sim_hal_free(p.sh);
	p.sh = NULL;
	if (server_up(&s, false, true) != 0)
		return;
	p.b = connect_to(&s, &hal);
	if (!p.b || run_handoffs(&hal, &p, n, &emu) != 0) {
		hil_bridge_free(p.b);
		server_down(&s);
		return;
	}
	{
		hil_bridge_stats st;

		hil_bridge_get_stats(p.b, &st);
		printf("%-14s %12s %12s %10s\n", "phase (mean)", "sim ms", "emulator ms", "gap ms");
		for (int k = 0; k < AF_PHASE_COUNT; k++) {
			double a = sim.ok ? sim.phase_ms[k] / sim.ok : NAN;
			double b = emu.ok ? emu.phase_ms[k] / emu.ok : NAN;

			printf("%-14s %12.1f %12.1f %+10.1f\n", names[k], a, b, b - a);
		}
		printf("%-14s %12.1f %12.1f %+10.1f\n", "calibration", sim.calib_ms, emu.calib_ms,
		       emu.calib_ms - sim.calib_ms);
		printf("success %d/%d (sim), %d/%d (emulator); mapping error mean %.3f / %.3f um\n",
		       sim.ok, sim.n, emu.ok, emu.n, sim.ok ? sim.map_err_um / sim.ok : NAN,
		       emu.ok ? emu.map_err_um / emu.ok : NAN);
		printf("wall: sim %.2f s, emulator %.2f s; bridge: %llu requests, %llu retries, "
		       "%.1f MB in, %.1f s in I/O\n",
		       sim.wall_s, emu.wall_s, (unsigned long long)st.requests,
		       (unsigned long long)st.retries, (double)st.bytes_in / 1e6, (double)st.io_ns / 1e9);
	}
	hil_bridge_free(p.b);
	server_down(&s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	round_trips();
	frame_rates();
	handoff_gap();
	return 0;
}
