/*
 * test_emul.c - the rig emulator, run in a thread of the test and reached
 * through the real bridge: pacing (a move takes the model's time in wall
 * clock, the stage is seen busy meanwhile), one client at a time,
 * malformed requests answered while the connection stays, the settle wait
 * that reports the encoder and an older rig without it, the world of a
 * scenario, every rig-level fault giving its error within the bridge's
 * timeout, and the engine itself handing off A -> B over TCP and over a
 * pseudo-terminal, lens B landing in focus by the emulator's ground truth.
 */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/af_engine.h"
#include "hil/bridge.h"
#include "hil/emul.h"
#include "models/rig.h"
#include "sim/scenario.h"
#include "sim/sim_ctl.h"
#include "sim/sim_hal.h"
#include "tests/slack.h"

#include "tests/emulfix.h"

/* What the model says MOVE_Z + WAIT_SETTLED to z takes on the default rig,
 * seed 1, from rest at 0: the same calls on a simulated rig, ms. */
static double model_move_ms(double z)
{
	mdl_rig rig;
	mdl_room_profile room;
	sim_hal *sh;
	af_hal h;
	int64_t t0;
	double ms;

	mdl_rig_default(&rig);
	mdl_room_profile_default(&room);
	sh = sim_hal_new(&rig, &room, 1, NULL, NULL);
	ck_assert_ptr_nonnull(sh);
	sim_hal_bind(sh, &h);
	t0 = sim_ctl_now_ns(sh);
	ck_assert_int_eq(h.ops->move_z(h.ctx, z), AF_OK);
	ck_assert_int_eq(h.ops->wait_settled(h.ctx, 5000), AF_OK);
	ms = (double)(sim_ctl_now_ns(sh) - t0) / 1e6;
	sim_hal_free(sh);
	return ms;
}

START_TEST(a_move_takes_the_models_time)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	double want = model_move_ms(200.0), got;
	int64_t t0;

	emul_up(&x, NULL, true, false);
	b = connect_to(&x, 1000, 0, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 200.0), AF_OK);
	ck_assert_int_eq(hal.ops->wait_settled(hal.ctx, 5000), AF_OK);
	got = ms_since(t0);
	/* never sooner than the model; later by the loopback and the poll
	 * grid of the settle wait */
	ck_assert_double_gt(want, 50.0);
	ck_assert_msg(got >= want - 2.0 && got <= want + slack_ms(30.0), "move took %.1f ms, model %.1f ms", got, want);
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

START_TEST(busy_while_moving)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	bool busy = true;
	int polls = 0, busy_polls = 0;
	double z = 0, want = model_move_ms(300.0);
	int64_t t0;

	emul_up(&x, NULL, true, false);
	b = connect_to(&x, 1000, 0, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 300.0), AF_OK);
	while (busy && polls < 1000) {
		ck_assert_int_eq(hal.ops->z_busy(hal.ctx, &busy), AF_OK);
		polls++;
		busy_polls += busy;
	}
	ck_assert_int_ge(busy_polls, 3);
	ck_assert_double_ge(ms_since(t0), want - 30.0);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	ck_assert_double_eq_tol(z, 300.0, 0.05);
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

/* A raw TCP connection to the emulator x (no bridge). */
static int raw_connect(const emul_fix *x)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned port;
	int fd;

	ck_assert_int_eq(sscanf(x->spec, "tcp:127.0.0.1:%u", &port), 1);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(0x7f000001);
	a.sin_port = htons((uint16_t)port);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Read from fd into got (NUL-terminated) until `until` is in it, the
 * buffer is full or 2 s pass without input. */
static void raw_read_until(int fd, char *got, size_t cap, const char *until)
{
	size_t n = 0;

	got[0] = '\0';
	while (n < cap - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&p, 1, 2000) <= 0 || (r = read(fd, got + n, cap - 1 - n)) <= 0)
			break;
		n += (size_t)r;
		got[n] = '\0';
		if (strstr(got, until))
			break;
	}
}

/* Raw lines: a malformed request is answered EPROTO, the connection stays. */
START_TEST(malformed_requests_keep_the_connection)
{
	emul_fix x;
	char big[700], got[2048];
	int fd;

	emul_up(&x, NULL, false, false);
	fd = raw_connect(&x);
	memset(big, 'Z', sizeof big);
	memcpy(big, "9 MOVE_Z ", 9);
	big[sizeof big - 1] = '\n';
	ck_assert_int_eq(write(fd, "5 FOO\n6 MOVE_Z nan\n", 19), 19);
	ck_assert_int_eq(write(fd, big, sizeof big), (ssize_t)sizeof big);
	ck_assert_int_eq(write(fd, "x GET_Z\n7 SELECT_LENS B\n8 GET_LENS\n", 35), 35);
	raw_read_until(fd, got, sizeof got, "8 OK");
	ck_assert_str_eq(got, "5 ERR EPROTO unknown verb 'FOO'\n"
			      "6 ERR EPROTO z_um 'nan' is not a finite decimal number\n"
			      "9 ERR EPROTO line longer than 512 bytes\n"
			      "0 ERR EPROTO request id 'x' is not an integer in [1, 4294967295] without leading zeros\n"
			      "7 OK\n"
			      "8 OK B\n");
	close(fd);
	emul_stop(&x);
	{
		hil_emul_stats s;

		hil_emul_get_stats(x.e, &s);
		ck_assert_uint_eq(s.requests, 6);
		ck_assert_uint_eq(s.bad_requests, 4);
		ck_assert_uint_eq(s.connections, 1);
	}
	emul_down(&x);
}
END_TEST

/* WAIT_SETTLED_Z: announced, and its reading is the encoder's once the
 * move settled (what GET_Z then reads); the wait is WAIT_SETTLED's. */
START_TEST(the_settle_wait_reports_the_encoder)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	double z = 0.0, enc = 0.0, want = model_move_ms(200.0), got;
	int64_t t0;

	emul_up(&x, NULL, true, false);
	b = connect_to(&x, 1000, 0, &hal);
	ck_assert_uint_eq(hil_bridge_hello(b)->caps & HIL_CAP_SETTLED_Z, HIL_CAP_SETTLED_Z);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 200.0), AF_OK);
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 5000, &z), AF_OK);
	got = ms_since(t0);
	ck_assert_msg(got >= want - 2.0 && got <= want + slack_ms(30.0), "move took %.1f ms, model %.1f ms",
		      got, want);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &enc), AF_OK);
	ck_assert_double_eq(z, enc);
	ck_assert_double_eq_tol(z, 200.0, 0.05);
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

/* A firmware whose WAIT_SETTLED_Z carries the commanded target (the
 * emulator's settled_z COMMANDED): before any move the encoder; after a
 * move down, where the stage was sent, while GET_Z reads it the backlash
 * (2 um) above; a refused move does not change the target. */
START_TEST(a_settle_wait_that_reports_the_target)
{
	hil_emul_config c;
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	double z = -1.0, enc = -1.0;

	hil_emul_config_default(&c);
	c.pacing = false;
	c.settled_z = HIL_EMUL_SETTLED_Z_COMMANDED;
	emul_up_config(&x,
		       "scenario: t\nrig:\n  truth: nominal\n"
		       "  stage: {travel_min_um: -100, travel_max_um: 100}\nsteps:\n  - wait: {s: 1}\n",
		       false, false, c);
	b = connect_to(&x, 1000, 0, &hal);
	ck_assert_uint_eq(hil_bridge_hello(b)->caps & HIL_CAP_SETTLED_Z, HIL_CAP_SETTLED_Z);
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 1000, &z), AF_OK);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &enc), AF_OK);
	ck_assert_double_eq(z, 0.0);
	ck_assert_double_eq(enc, 0.0);
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 10.0), AF_OK);
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 1000, &z), AF_OK);
	ck_assert_double_eq(z, 10.0);
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 6.0), AF_OK);
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 1000, &z), AF_OK);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &enc), AF_OK);
	ck_assert_double_eq(z, 6.0);
	ck_assert_double_eq_tol(enc, 8.0, 1e-9);
	/* beyond the scenario's travel: refused by the rig, the target kept */
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 150.0), AF_ERANGE);
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 1000, &z), AF_OK);
	ck_assert_double_eq(z, 6.0);
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

/* Calls of the ops the engine's encoder check may use, through a HAL
 * that forwards to the bridge (statics: a Check test is its own process). */
static const af_hal_ops *fwd_inner;
static uint32_t n_get_z, n_wait_z;

static int fwd_get_z(void *c, double *z)
{
	n_get_z++;
	return fwd_inner->get_z(c, z);
}

static int fwd_wait_z(void *c, uint32_t ms, double *z)
{
	n_wait_z++;
	return fwd_inner->wait_settled_z(c, ms, z);
}

/*
 * An older rig (the emulator withholding "settled_z"): it does not
 * announce it and answers the verb ENOTSUP; the bridge refuses it without
 * sending, and the engine's handoffs wait and read GET_Z instead, having
 * asked once.
 */
START_TEST(an_older_rig_without_settled_z)
{
	emul_fix x;
	af_hal hal;
	af_hal_ops ops;
	hil_bridge *b;
	af_engine_config cfg;
	af_engine *e;
	af_handoff_result h;
	af_calib_plan plan = { 3, -5.0, 5.0, 1, false };
	af_calib_report rep;
	const char *why = NULL;
	char got[256];
	int fd;

	emul_up_full(&x, NULL, false, false, false, HIL_CAP_SETTLED_Z);
	fd = raw_connect(&x);
	ck_assert_int_eq(write(fd, "1 HELLO 1\n2 WAIT_SETTLED_Z 100\n", 31), 31);
	raw_read_until(fd, got, sizeof got, "\n2 ");
	raw_read_until(fd, got + strlen(got), sizeof got - strlen(got), "\n");
	ck_assert_msg(strstr(got, " caps=busy,exposure,roi,frames,place\n") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "\n2 ERR ENOTSUP WAIT_SETTLED_Z: this rig has no 'settled_z' "
			      "capability\n") != NULL, "%s", got);
	close(fd);
	b = connect_to(&x, 1000, 0, &hal);
	ck_assert_uint_eq(hil_bridge_hello(b)->caps & HIL_CAP_SETTLED_Z, 0);
	fwd_inner = hal.ops;
	ops = *hal.ops;
	ops.get_z = fwd_get_z;
	ops.wait_settled_z = fwd_wait_z;
	hal.ops = &ops;
	af_engine_config_default(&cfg);
	e = af_engine_new(&hal, &cfg, &why);
	ck_assert_msg(e != NULL, "%s", why);
	ck_assert_msg(af_calibrate(e, &plan, emul_put_site, b, &rep) == AF_OK, "%s", rep.message);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(hil_bridge_place(b, 2.5 + i), AF_OK);
		ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 2.5 + i), AF_OK);
		n_get_z = n_wait_z = 0;
		ck_assert_msg(af_handoff(e, AF_LENS_A, AF_LENS_B, 2.5 + i, &h) == AF_OK, "%s",
			      h.message);
		ck_assert_uint_eq(n_wait_z, i == 0 ? 1 : 0);
		ck_assert_uint_eq(n_get_z, 1);
	}
	af_engine_free(e);
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

START_TEST(one_client_at_a_time)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_config c;
	char err[HIL_BRIDGE_ERR_MAX], want[HIL_TRANSPORT_TEXT_MAX + 96];
	const char *held;

	emul_up(&x, NULL, false, false);
	b = connect_to(&x, 500, 0, &hal);
	bridge_cfg(&x, &c, 500, 0);
	ck_assert_ptr_null(hil_bridge_open(&c, err, sizeof err));
	snprintf(want, sizeof want, "rig 'emul' at %s is busy: rig 'emul' is held by tcp:127.0.0.1:", x.spec);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	held = err + strlen(want);
	ck_assert_ptr_nonnull(strstr(held, " (connected "));
	ck_assert_ptr_nonnull(strstr(held, " s ago)"));
	/* the holder goes on; once it leaves, the next one is served */
	{
		double z;

		ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	}
	hil_bridge_free(b);
	sleep_ms(50);
	b = connect_to(&x, 500, 0, &hal);
	hil_bridge_free(b);
	emul_stop(&x);
	{
		hil_emul_stats s;

		hil_emul_get_stats(x.e, &s);
		ck_assert_uint_eq(s.connections, 2);
		ck_assert_uint_eq(s.refused, 1);
	}
	emul_down(&x);
}
END_TEST

/* The scenario sets the world: room temperature, rig, physics faults. */
START_TEST(the_world_of_a_scenario)
{
	static const char y[] =
		"scenario: warm-stall\n"
		"seed: 3\n"
		"rig:\n"
		"  stage: {travel_min_um: -100, travel_max_um: 100}\n"
		"environment:\n"
		"  temperature: {constant_c: 30}\n"
		"faults:\n"
		"  - {at_op: 4, kind: stage_stall, duration_ms: 300}\n"
		"steps:\n"
		"  - wait: {s: 1}\n";
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	double t = 0;

	emul_up(&x, y, false, false);
	b = connect_to(&x, 1000, 0, &hal);
	ck_assert_int_eq(hal.ops->read_temperature(hal.ctx, &t), AF_OK); /* request 2 */
	ck_assert_double_eq_tol(t, 30.0, 0.5);
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 150.0), AF_ERANGE);  /* 3: the scenario's travel */
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     "the rig reports ERANGE: move_z: 150.000 um is beyond the travel [-100.0, 100.0] um"));
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 10.0), AF_EHW);     /* 4: the stall */
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     "the rig reports EHW: z stage stalled: move to 10.000 um rejected"));
	ck_assert_str_eq(hil_bridge_hello(b)->ident, "afsim-emulator");
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

/* A rig-level fault scenario text: one fault. */

START_TEST(link_drop_closes_the_connection)
{
	char y[256];
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_config c;
	char err[HIL_BRIDGE_ERR_MAX];
	double z;
	int64_t t0;

	fault_yaml(y, sizeof y, "{at_op: 2, kind: link_drop, duration_s: 0.4}");
	emul_up(&x, y, false, false);
	b = connect_to(&x, 1000, 2, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_EIO);
	ck_assert_double_lt(ms_since(t0), slack_ms(200.0));
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": GET_Z: connection closed by the peer; sent '2 GET_Z', received nothing"));
	ck_assert(!hil_bridge_connected(b));
	hil_bridge_free(b);
	/* while the drop lasts, a new connection is closed at once */
	bridge_cfg(&x, &c, 500, 0);
	ck_assert_ptr_null(hil_bridge_open(&c, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, ": HELLO: connection closed by the peer"));
	sleep_ms(500);
	b = connect_to(&x, 500, 0, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_EIO); /* re-armed: request 2 again */
	hil_bridge_free(b);
	emul_stop(&x);
	{
		hil_emul_stats s;

		hil_emul_get_stats(x.e, &s);
		ck_assert_uint_eq(s.faults, 2);
		ck_assert_uint_eq(s.refused, 1);
	}
	emul_down(&x);
}
END_TEST

/* On a pty, link_drop hangs up the line and opens a new one. */
START_TEST(link_drop_on_a_pty_opens_a_new_line)
{
	char y[256], old[HIL_TRANSPORT_TEXT_MAX];
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	double z;
	int i;

	fault_yaml(y, sizeof y, "{at_op: 3, kind: link_drop}");
	emul_up(&x, y, false, true);
	snprintf(old, sizeof old, "%s", x.spec);
	b = connect_to(&x, 500, 0, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_EIO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), ": GET_Z: connection closed by the peer"));
	hil_bridge_free(b);
	for (i = 0; i < 100 && x.ready_calls < 2; i++)
		sleep_ms(10);
	ck_assert_int_eq(x.ready_calls, 2);
	ck_assert_msg(strncmp(x.spec, "serial:/dev/pts/", 16) == 0, "%s", x.spec);
	/* the new line serves (its faults re-armed at its HELLO) */
	b = connect_to(&x, 500, 0, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

START_TEST(garbage_garbles_lines_and_frames)
{
	char y[256];
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	double z;
	uint16_t *px = calloc(128 * 128, sizeof *px);
	af_frame fr = { px, 128 * 128, 0, 0, 0, 0, 0 };

	fault_yaml(y, sizeof y, "{at_op: 2, kind: garbage}");
	emul_up(&x, y, false, false);
	b = connect_to(&x, 500, 0, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), ": GET_Z: garbled reply: "));
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": GRAB: frame checksum mismatch: crc32 of the 32768 bytes is "));
	ck_assert(hil_bridge_connected(b));
	hil_bridge_free(b);
	emul_down(&x);
	free(px);
}
END_TEST

START_TEST(slow_and_missing_replies_time_out)
{
	char y[256];
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	double z, dt;
	int64_t t0;

	fault_yaml(y, sizeof y, "{at_op: 2, kind: slow_reply, duration_ms: 600}");
	emul_up(&x, y, false, false);
	b = connect_to(&x, 200, 0, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_ETIMEDOUT);
	dt = ms_since(t0);
	ck_assert_msg(dt >= 200.0 && dt < 200.0 + slack_ms(100.0), "slow_reply: %.1f ms", dt);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), ": GET_Z: no reply within 200 ms"));
	/* the late reply comes, is recognised and dropped */
	sleep_ms(500);
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 1.0), AF_ETIMEDOUT); /* still slow */
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.late_replies, 1);
	hil_bridge_free(b);
	emul_down(&x);

	fault_yaml(y, sizeof y, "{at_op: 2, kind: no_reply}");
	emul_up(&x, y, false, false);
	b = connect_to(&x, 200, 2, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_ETIMEDOUT);
	dt = ms_since(t0);
	ck_assert_msg(dt >= 600.0 && dt < 600.0 + slack_ms(200.0), "no_reply, 3 attempts: %.1f ms", dt);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), "(after 3 attempts)"));
	hil_bridge_free(b);
	emul_stop(&x);
	{
		hil_emul_stats es;

		hil_emul_get_stats(x.e, &es);
		ck_assert_uint_eq(es.swallowed, 3);
	}
	emul_down(&x);
}
END_TEST

/* at_s counts from the connection; duration_s ends the effect. */
START_TEST(faults_at_a_time_for_a_while)
{
	char y[256];
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	double z;
	int64_t t0;

	fault_yaml(y, sizeof y, "{at_s: 0.3, kind: no_reply, duration_s: 0.4}");
	emul_up(&x, y, false, false);
	sleep_ms(400); /* the clock starts at the connection, not before */
	t0 = hil_now_ns();
	b = connect_to(&x, 150, 0, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	while (ms_since(t0) < 350.0)
		sleep_ms(10);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_ETIMEDOUT);
	while (ms_since(t0) < 850.0)
		sleep_ms(10);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	hil_bridge_free(b);
	emul_down(&x);
}
END_TEST

/*
 * The engine on the bridge: calibrate (3 sites, one pass), then hand off
 * A -> B; lens B lands in focus by the emulator's own ground truth.  Over
 * TCP in real time (the calibration alone is about 10 s of rig time), over
 * the pty without pacing (the same exchange, at once).
 */
static void engine_handoff(bool pty, bool pacing)
{
	emul_fix x;
	af_hal hal;
	hil_bridge *b;
	af_engine_config cfg;
	af_engine *e;
	af_calib_plan plan = { 3, -5.0, 5.0, 1, false };
	af_calib_report rep;
	af_handoff_result h;
	const char *why = NULL;
	double truth_b, stage;

	emul_up(&x, NULL, pacing, pty);
	ck_assert_msg(strncmp(x.spec, pty ? "serial:/dev/pts/" : "tcp:127.0.0.1:", pty ? 16 : 14) == 0,
		      "%s", x.spec);
	b = connect_to(&x, 1000, 2, &hal);
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
	if (pacing) /* real time: the handoff's phases as long as the rig's */
		ck_assert_double_gt(h.phase_ms[AF_PHASE_TOTAL], 100.0);
	ck_assert_uint_gt(h.frames, 2);
	hil_bridge_free(b);
	emul_stop(&x);
	truth_b = sim_ctl_true_focus_um(hil_emul_sim(x.e), MDL_LENS_B);
	stage = sim_ctl_stage_um(hil_emul_sim(x.e));
	ck_assert_int_eq(sim_ctl_seated_lens(hil_emul_sim(x.e)), MDL_LENS_B);
	ck_assert_msg(fabs(stage - truth_b) <= 1.0, "lens B focus at %.3f um, stage at %.3f um",
		      truth_b, stage);
	af_engine_free(e);
	emul_down(&x);
}

START_TEST(engine_hands_off_over_tcp)
{
	engine_handoff(false, true);
}
END_TEST

START_TEST(engine_hands_off_over_a_pty)
{
	engine_handoff(true, false);
}
END_TEST

Suite *emul_suite(void)
{
	Suite *s = suite_create("emul");
	TCase *tc = tcase_create("emulator");
	TCase *e2e = tcase_create("end to end");

	tcase_add_test(tc, a_move_takes_the_models_time);
	tcase_add_test(tc, busy_while_moving);
	tcase_add_test(tc, malformed_requests_keep_the_connection);
	tcase_add_test(tc, the_settle_wait_reports_the_encoder);
	tcase_add_test(tc, an_older_rig_without_settled_z);
	tcase_add_test(tc, a_settle_wait_that_reports_the_target);
	tcase_add_test(tc, one_client_at_a_time);
	tcase_add_test(tc, the_world_of_a_scenario);
	tcase_add_test(tc, link_drop_closes_the_connection);
	tcase_add_test(tc, link_drop_on_a_pty_opens_a_new_line);
	tcase_add_test(tc, garbage_garbles_lines_and_frames);
	tcase_add_test(tc, slow_and_missing_replies_time_out);
	tcase_add_test(tc, faults_at_a_time_for_a_while);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tcase_add_test(e2e, engine_hands_off_over_tcp);
	tcase_add_test(e2e, engine_hands_off_over_a_pty);
	tcase_set_timeout(e2e, 60);
	suite_add_tcase(s, e2e);
	return s;
}
