/*
 * test_bridge.c - the bridge against a scripted fake rig on loopback: each
 * way a reply can go wrong (late, wrong id, garbled, a closed connection,
 * silence, a bad frame) ends the call with its error code, a message that
 * names the request and quotes the exchange, within its timeout (measured);
 * reads are retried, moves never; late replies are dropped; the travel and
 * the capabilities are enforced before anything is sent.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hil/bridge.h"
#include "tests/slack.h"

#define MS 1000000LL
#define CAPS_ALL "busy,exposure,roi,frames,place,settled_z"

typedef enum act {
	REPLY,      /* "<id + id_delta> <text>\n" after delay_ms */
	RAW,        /* text as it is (no id) after delay_ms */
	SILENT,     /* nothing */
	CLOSE,      /* close the connection */
	FRAME,      /* a good 4x4 frame */
	BAD_FRAME,  /* a 4x4 frame with a flipped pixel byte */
} act;

typedef struct step {
	act a;
	const char *text;
	int delay_ms;
	int id_delta;
} step;

typedef struct fake {
	int lfd;
	uint16_t port;
	const char *greeting;   /* the HELLO reply after "<id> ", NULL: answer HELLO like any step */
	const step *steps;
	size_t n;
	pthread_t th;
	char seen[16][96];      /* request lines received */
	size_t n_seen;
} fake;

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* One request line from fd (blocking, at most 5 s); its length or -1. */
static int read_req(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = { fd, POLLIN, 0 };
		char c;

		if (poll(&p, 1, 5000) <= 0 || read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return (int)n;
}

static void send_frame(int fd, unsigned id, bool bad)
{
	uint16_t px[16];
	uint8_t bytes[32];
	char head[128];
	int n;

	for (int i = 0; i < 16; i++)
		px[i] = (uint16_t)(1000 + 37 * i);
	hil_proto_put_pixels(px, 16, bytes);
	n = snprintf(head, sizeof head, "%u OK FRAME 4 4 16 9 1500 32 %08x\n", id,
		     hil_crc32(0, bytes, 32));
	if (bad)
		bytes[7] ^= 0x40;
	ck_assert_int_eq(write(fd, head, (size_t)n), n);
	ck_assert_int_eq(write(fd, bytes, 32), 32);
}

static void note_seen(fake *f, const char *line)
{
	size_t n = strlen(line);

	if (f->n_seen == 16)
		return;
	if (n >= sizeof f->seen[0])
		n = sizeof f->seen[0] - 1;
	memcpy(f->seen[f->n_seen], line, n);
	f->seen[f->n_seen++][n] = '\0';
}

static void *fake_main(void *arg)
{
	fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	char line[600], out[700];
	unsigned id;

	if (fd < 0)
		return NULL;
	if (f->greeting) {
		if (read_req(fd, line, sizeof line) < 0 || sscanf(line, "%u", &id) != 1)
			goto out;
		snprintf(out, sizeof out, "%u %s\n", id, f->greeting);
		(void)!write(fd, out, strlen(out));
	}
	for (size_t i = 0; i < f->n; i++) {
		const step *s = &f->steps[i];

		if (read_req(fd, line, sizeof line) < 0)
			goto out;
		note_seen(f, line);
		id = 0;
		sscanf(line, "%u", &id);
		sleep_ms(s->delay_ms);
		switch (s->a) {
		case REPLY:
			snprintf(out, sizeof out, "%u %s\n", (unsigned)((int)id + s->id_delta), s->text);
			(void)!write(fd, out, strlen(out));
			break;
		case RAW:
			(void)!write(fd, s->text, strlen(s->text));
			break;
		case SILENT:
			break;
		case CLOSE:
			goto out;
		case FRAME:
		case BAD_FRAME:
			send_frame(fd, id, s->a == BAD_FRAME);
			break;
		}
	}
	/* keep the line open until the client closes it */
	while (read_req(fd, line, sizeof line) >= 0)
		note_seen(f, line);
out:
	close(fd);
	return NULL;
}

static void fake_start(fake *f, const char *greeting, const step *steps, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;

	memset(f, 0, sizeof *f);
	f->greeting = greeting;
	f->steps = steps;
	f->n = n;
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(f->lfd, 2), 0);
	ck_assert_int_eq(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_join(fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
}

static void config(hil_bridge_config *c, const fake *f, uint32_t timeout_ms, uint32_t retries)
{
	hil_bridge_config_default(c);
	c->name = "fake";
	c->transport.kind = HIL_TRANSPORT_TCP;
	snprintf(c->transport.host, sizeof c->transport.host, "127.0.0.1");
	c->transport.port = f->port;
	c->timeout_ms = timeout_ms;
	c->connect_timeout_ms = 1000;
	c->retries = retries;
}

/* Open a bridge on the fake; its HAL in *hal. */
static hil_bridge *open_on(const fake *f, uint32_t timeout_ms, uint32_t retries, af_hal *hal)
{
	hil_bridge_config c;
	char err[HIL_BRIDGE_ERR_MAX];
	hil_bridge *b;

	config(&c, f, timeout_ms, retries);
	b = hil_bridge_open(&c, err, sizeof err);
	ck_assert_msg(b != NULL, "%s", err);
	hil_bridge_bind(b, hal);
	return b;
}

static double ms_since(int64_t t0)
{
	return (double)(hil_now_ns() - t0) / 1e6;
}

/* The bridge's message is "rig 'fake' (tcp:127.0.0.1:PORT): " + tail. */
static void ck_msg(const af_hal *hal, const fake *f, const char *tail)
{
	char want[HIL_BRIDGE_ERR_MAX + 64];

	snprintf(want, sizeof want, "rig 'fake' (tcp:127.0.0.1:%u): %s", (unsigned)f->port, tail);
	ck_assert_str_eq(hal->ops->errmsg(hal->ctx), want);
}

static const char *const GREET = "OK 1 name=fake id=test-fw/1.0 caps=" CAPS_ALL;

START_TEST(plain_exchange)
{
	static const step st[] = { { REPLY, "OK 12.5", 0, 0 }, { REPLY, "OK B", 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	double z = 0;
	af_lens l = AF_LENS_A;
	char want[128];

	fake_start(&f, GREET, st, 2);
	b = open_on(&f, 500, 2, &hal);
	ck_assert_str_eq(hil_bridge_hello(b)->name, "fake");
	ck_assert_str_eq(hil_bridge_hello(b)->ident, "test-fw/1.0");
	ck_assert_uint_eq(hil_bridge_hello(b)->caps, 63);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	ck_assert_double_eq(z, 12.5);
	ck_assert_int_eq(hal.ops->get_lens(hal.ctx, &l), AF_OK);
	ck_assert_int_eq(l, AF_LENS_B);
	ck_assert_str_eq(hil_bridge_last_exchange(b), "sent '3 GET_LENS', received '3 OK B'");
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.requests, 3);
	ck_assert_uint_eq(s.retries, 0);
	ck_assert_uint_eq(s.bytes_out, strlen("1 HELLO 1\n2 GET_Z\n3 GET_LENS\n"));
	snprintf(want, sizeof want, "1 %s\n2 OK 12.5\n3 OK B\n", GREET);
	ck_assert_uint_eq(s.bytes_in, strlen(want));
	ck_assert_int_eq(s.io_ns > 0, 1);
	ck_assert_str_eq(hal.ops->name, "hil");
	hil_bridge_free(b);
	fake_join(&f);
	ck_assert_str_eq(f.seen[0], "2 GET_Z");
	ck_assert_str_eq(f.seen[1], "3 GET_LENS");
}
END_TEST

/* A reply after the timeout: the call times out; the late reply is
 * recognised by its id and dropped when the next request reads. */
START_TEST(late_reply_times_out_then_is_dropped)
{
	static const step st[] = { { REPLY, "OK 1.5", 300, 0 }, { REPLY, "OK 22.5", 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	double z = 0, t = 0, dt;
	int64_t t0;

	fake_start(&f, GREET, st, 2);
	b = open_on(&f, 200, 0, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_ETIMEDOUT);
	dt = ms_since(t0);
	ck_assert_double_ge(dt, 200.0);
	ck_assert_double_lt(dt, 200.0 + slack_ms(80.0));
	ck_msg(&hal, &f, "GET_Z: no reply within 200 ms (nothing received); sent '2 GET_Z', received nothing");
	ck_assert_int_eq(hal.ops->read_temperature(hal.ctx, &t), AF_OK);
	ck_assert_double_eq(t, 22.5);
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.late_replies, 1);
	ck_assert_uint_eq(s.failures, 1);
	hil_bridge_free(b);
	fake_join(&f);
}
END_TEST

/* Another request's id: a protocol error; a read is retried and the retry
 * gets the right reply. */
START_TEST(wrong_id_is_an_error_and_reads_retry)
{
	static const step st[] = {
		{ REPLY, "OK 1.0", 0, 5 },                       /* GET_Z: id + 5 */
		{ REPLY, "OK 2.0", 0, 5 }, { REPLY, "OK 3.0", 0, 0 },  /* GET_Z again: retried */
	};
	fake f;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	double z = 0;

	fake_start(&f, GREET, st, 3);
	b = open_on(&f, 300, 0, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": GET_Z: reply with id 7, expected 2; sent '2 GET_Z', received '7 OK 1.0'"));
	hil_bridge_free(b);
	fake_join(&f);

	fake_start(&f, GREET, st + 1, 2);
	b = open_on(&f, 300, 1, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	ck_assert_double_eq(z, 3.0);
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.retries, 1);
	ck_assert_uint_eq(s.requests, 3);
	hil_bridge_free(b);
	fake_join(&f);
	ck_assert_str_eq(f.seen[0], "2 GET_Z");
	ck_assert_str_eq(f.seen[1], "3 GET_Z");
}
END_TEST

START_TEST(garbled_replies)
{
	static const step st[] = {
		{ REPLY, "OK abc", 0, 0 },
		{ RAW, "\x01\x02junk\xff\n", 0, 0 },
		{ REPLY, "OK 1", 0, 0 },
		{ REPLY, "ERR EWHAT no such code", 0, 0 },
	};
	fake f;
	af_hal hal;
	hil_bridge *b;
	double z;
	af_lens l;

	fake_start(&f, GREET, st, 4);
	b = open_on(&f, 300, 0, &hal);
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": GET_Z: garbled reply: z_um 'abc' is not a finite decimal number; "
				     "sent '2 GET_Z', received '2 OK abc'"));
	ck_assert_int_eq(hal.ops->get_lens(hal.ctx, &l), AF_EPROTO);
	ck_msg(&hal, &f, "GET_LENS: garbled reply: byte 0x01 at column 1, expected printable ASCII; "
			 "sent '3 GET_LENS', received '??junk?'");
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 1.0), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": MOVE_Z: garbled reply: MOVE_Z reply takes no values, got 1"));
	ck_assert_int_eq(hal.ops->select_lens(hal.ctx, AF_LENS_B), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), "unknown error code 'EWHAT'"));
	ck_assert(hil_bridge_connected(b));
	hil_bridge_free(b);
	fake_join(&f);
}
END_TEST

/* The rig closes: AF_EIO at once, and every later call fails at once. */
START_TEST(closed_connection_is_final)
{
	static const step st[] = { { CLOSE, NULL, 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	double z;
	int64_t t0;

	fake_start(&f, GREET, st, 1);
	b = open_on(&f, 2000, 2, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_EIO);
	ck_assert_double_lt(ms_since(t0), slack_ms(500.0));
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": GET_Z: connection closed by the peer; sent '2 GET_Z', received nothing"));
	ck_assert(!hil_bridge_connected(b));
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 3.0), AF_EIO);
	ck_assert_double_lt(ms_since(t0), slack_ms(5.0));
	ck_msg(&hal, &f, "MOVE_Z: the connection was lost earlier: connection closed by the peer");
	/* the last exchange stays the one that lost the rig */
	ck_assert_str_eq(hil_bridge_last_exchange(b), "sent '2 GET_Z', received nothing");
	hil_bridge_free(b);
	fake_join(&f);
}
END_TEST

/* Silence: a read is tried 1 + retries times, each its full timeout; a
 * move is tried once. */
START_TEST(silence_reads_retry_moves_do_not)
{
	static const step st[] = {
		{ SILENT, NULL, 0, 0 }, { SILENT, NULL, 0, 0 }, { SILENT, NULL, 0, 0 },
		{ SILENT, NULL, 0, 0 },
	};
	fake f;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	double z, dt;
	int64_t t0;

	fake_start(&f, GREET, st, 4);
	b = open_on(&f, 150, 2, &hal);
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_ETIMEDOUT);
	dt = ms_since(t0);
	ck_assert_double_ge(dt, 450.0);
	ck_assert_double_lt(dt, 450.0 + slack_ms(150.0));
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": GET_Z: no reply within 150 ms (nothing received); sent '4 GET_Z', "
				     "received nothing (after 3 attempts)"));
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 5.0), AF_ETIMEDOUT);
	dt = ms_since(t0);
	ck_assert_double_ge(dt, 150.0);
	ck_assert_double_lt(dt, 150.0 + slack_ms(100.0));
	ck_assert_ptr_null(strstr(hal.ops->errmsg(hal.ctx), "attempts"));
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.requests, 1 + 3 + 1);
	ck_assert_uint_eq(s.retries, 2);
	ck_assert_uint_eq(s.failures, 2);
	hil_bridge_free(b);
	fake_join(&f);
	ck_assert_str_eq(f.seen[0], "2 GET_Z");
	ck_assert_str_eq(f.seen[2], "4 GET_Z");
	ck_assert_str_eq(f.seen[3], "5 MOVE_Z 5.000000");
}
END_TEST

/* WAIT_SETTLED waits its own timeout on top of the reply timeout. */
START_TEST(wait_settled_deadline_includes_its_timeout)
{
	static const step st[] = { { REPLY, "OK", 400, 0 }, { REPLY, "ERR ETIMEDOUT did not settle", 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;

	fake_start(&f, GREET, st, 2);
	b = open_on(&f, 200, 2, &hal);
	ck_assert_int_eq(hal.ops->wait_settled(hal.ctx, 300), AF_OK);
	ck_assert_int_eq(hal.ops->wait_settled(hal.ctx, 300), AF_ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": WAIT_SETTLED: the rig reports ETIMEDOUT: did not settle; sent '3 WAIT_SETTLED 300'"));
	hil_bridge_free(b);
	fake_join(&f);
}
END_TEST

/* WAIT_SETTLED_Z: the encoder comes with the settled reply; the deadline
 * includes its timeout, as WAIT_SETTLED's does; never repeated (after a
 * lost reply nobody knows what the stage did), not even after a garbled
 * reply; on failure the position is left alone. */
START_TEST(wait_settled_z_reports_the_encoder)
{
	static const step st[] = { { REPLY, "OK 6.25", 400, 0 }, { SILENT, NULL, 0, 0 },
				   { REPLY, "OK", 0, 0 }, { REPLY, "ERR EHW z stage stalled", 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	double z = 0.0, dt;
	int64_t t0;

	fake_start(&f, GREET, st, 4);
	b = open_on(&f, 200, 2, &hal);
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 300, &z), AF_OK);
	ck_assert_double_eq(z, 6.25);
	ck_assert_str_eq(hil_bridge_last_exchange(b),
			 "sent '2 WAIT_SETTLED_Z 300', received '2 OK 6.25'");
	t0 = hil_now_ns();
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 300, &z), AF_ETIMEDOUT);
	dt = ms_since(t0);
	ck_assert_double_ge(dt, 500.0);
	ck_assert_double_lt(dt, 500.0 + slack_ms(150.0));
	ck_assert_ptr_null(strstr(hal.ops->errmsg(hal.ctx), "attempts"));
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 300, &z), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": WAIT_SETTLED_Z: garbled reply: WAIT_SETTLED_Z reply takes 1 value (z_um), got 0"));
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 300, &z), AF_EHW);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": WAIT_SETTLED_Z: the rig reports EHW: z stage stalled; sent '5 WAIT_SETTLED_Z 300'"));
	ck_assert_double_eq(z, 6.25);
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.requests, 1 + 4);
	ck_assert_uint_eq(s.retries, 0);
	hil_bridge_free(b);
	fake_join(&f);
	ck_assert_str_eq(f.seen[1], "3 WAIT_SETTLED_Z 300");
}
END_TEST

/* An error the rig reports: its code and message, never retried. */
START_TEST(rig_errors_pass_through)
{
	static const step st[] = { { REPLY, "ERR EHW z stage stalled at 3.2 um", 0, 0 },
				   { REPLY, "ERR ETIMEDOUT camera frame dropped", 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	double z;

	fake_start(&f, GREET, st, 2);
	b = open_on(&f, 300, 2, &hal);
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 3.0), AF_EHW);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": MOVE_Z: the rig reports EHW: z stage stalled at 3.2 um; sent '2 MOVE_Z 3.000000'"));
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_ETIMEDOUT);
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.retries, 0);
	ck_assert_uint_eq(s.failures, 0);
	hil_bridge_free(b);
	fake_join(&f);
}
END_TEST

START_TEST(frames_checked_and_retried)
{
	static const step st[] = { { FRAME, NULL, 0, 0 }, { BAD_FRAME, NULL, 0, 0 },
				   { FRAME, NULL, 0, 0 }, { BAD_FRAME, NULL, 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	hil_bridge_stats s;
	uint16_t px[16];
	af_frame fr = { px, 16, 0, 0, 0, 0, 0 };
	int64_t now;

	fake_start(&f, GREET, st, 4);
	b = open_on(&f, 300, 1, &hal);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	ck_assert_uint_eq(fr.width, 4);
	ck_assert_uint_eq(fr.height, 4);
	ck_assert_uint_eq(fr.bit_depth, 16);
	ck_assert_uint_eq(fr.seq, 9);
	ck_assert_uint_eq(px[15], 1000 + 37 * 15);
	/* the timestamp is on the bridge's clock, 1.5 ms before the header */
	hal.ops->now_us(hal.ctx, &now);
	ck_assert_int_le(fr.timestamp_us, now - 1500);
	ck_assert_int_ge(fr.timestamp_us, now - 1500 - 100000);
	/* a flipped byte: checksum mismatch, retried, the retry is good */
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_OK);
	/* ...and without retries left */
	hil_bridge_free(b);
	fake_join(&f);
	fake_start(&f, GREET, st + 3, 1);
	b = open_on(&f, 300, 0, &hal);
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": GRAB: frame checksum mismatch: crc32 of the 32 bytes is "));
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.frames, 0);
	/* a frame larger than the buffer: refused, its pixels still read */
	hil_bridge_free(b);
	fake_join(&f);
	fake_start(&f, GREET, st, 2);
	b = open_on(&f, 300, 0, &hal);
	fr.capacity_px = 8;
	ck_assert_int_eq(hal.ops->grab_frame(hal.ctx, &fr), AF_EINVAL);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), "frame of 4x4 pixels does not fit a buffer of 8"));
	hil_bridge_free(b);
	fake_join(&f);
}
END_TEST

/* Refused here, nothing sent: travel, capabilities, bad arguments. */
START_TEST(refusals_before_sending)
{
	static const step st[] = { { REPLY, "OK 0.5", 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	bool busy;
	uint32_t us;
	af_roi roi = { 0, 0, 8, 8 };
	hil_bridge_stats s;
	double z;

	fake_start(&f, "OK 1 name=bare id=x caps=frames", st, 1);
	b = open_on(&f, 300, 0, &hal);
	ck_assert_int_eq(hal.ops->move_z(hal.ctx, 600.0), AF_ERANGE);
	ck_msg(&hal, &f, "MOVE_Z: 600.000 um is beyond the travel [-490.0, 490.0] um of the rig file; not sent");
	ck_assert_int_eq(hal.ops->z_busy(hal.ctx, &busy), AF_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), ": Z_BUSY: the rig has no 'busy' capability"));
	ck_assert_int_eq(hal.ops->set_exposure_us(hal.ctx, 100), AF_ENOTSUP);
	ck_assert_int_eq(hal.ops->get_exposure_us(hal.ctx, &us), AF_ENOTSUP);
	ck_assert_int_eq(hal.ops->set_roi(hal.ctx, &roi), AF_ENOTSUP);
	ck_assert_int_eq(hil_bridge_place(b, 1.0), AF_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx), ": PLACE: the rig has no 'place' capability"));
	/* an older rig: the engine waits and reads GET_Z instead */
	z = 3.5;
	ck_assert_int_eq(hal.ops->wait_settled_z(hal.ctx, 500, &z), AF_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(hal.ops->errmsg(hal.ctx),
				     ": WAIT_SETTLED_Z: the rig has no 'settled_z' capability"));
	ck_assert_double_eq(z, 3.5);
	ck_assert_int_eq(hal.ops->wait_settled(hal.ctx, 0), AF_EINVAL);
	ck_assert_int_eq(hal.ops->select_lens(hal.ctx, (af_lens)3), AF_EINVAL);
	hil_bridge_get_stats(b, &s);
	ck_assert_uint_eq(s.requests, 1); /* the HELLO only */
	ck_assert_int_eq(hal.ops->get_z(hal.ctx, &z), AF_OK);
	hil_bridge_free(b);
	fake_join(&f);
	ck_assert_uint_eq(f.n_seen, 1);
}
END_TEST

START_TEST(greetings_that_fail)
{
	static const step busy[] = { { RAW, "0 ERR EBUSY rig 'x' is held by tcp:10.0.0.9:51234\n", 0, 0 },
				     { CLOSE, NULL, 0, 0 } };
	static const step v2[] = { { REPLY, "OK 2 name=new id=fw/9 caps=frames", 0, 0 } };
	static const step noframes[] = { { REPLY, "OK 1 name=blind id=fw/1 caps=busy", 0, 0 } };
	static const step silent[] = { { SILENT, NULL, 0, 0 } };
	hil_bridge_config c;
	char err[HIL_BRIDGE_ERR_MAX];
	fake f;
	int64_t t0;

	fake_start(&f, NULL, busy, 2);
	config(&c, &f, 300, 0);
	ck_assert_ptr_null(hil_bridge_open(&c, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "rig 'fake' at tcp:127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(err, " is busy: rig 'x' is held by tcp:10.0.0.9:51234"));
	fake_join(&f);

	fake_start(&f, NULL, v2, 1);
	config(&c, &f, 300, 0);
	ck_assert_ptr_null(hil_bridge_open(&c, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, " speaks protocol version 2, expected 1"));
	fake_join(&f);

	fake_start(&f, NULL, noframes, 1);
	config(&c, &f, 300, 0);
	ck_assert_ptr_null(hil_bridge_open(&c, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, " does not send frames (no 'frames' capability), but its camera is 'rig'"));
	fake_join(&f);

	fake_start(&f, NULL, silent, 1);
	config(&c, &f, 300, 0);
	c.connect_timeout_ms = 250;
	t0 = hil_now_ns();
	ck_assert_ptr_null(hil_bridge_open(&c, err, sizeof err));
	ck_assert_double_ge(ms_since(t0), 250.0);
	ck_assert_double_lt(ms_since(t0), 250.0 + slack_ms(150.0));
	ck_assert_ptr_nonnull(strstr(err, ": HELLO: no reply within 250 ms (nothing received); sent '1 HELLO 1'"));
	fake_join(&f);
}
END_TEST

START_TEST(clock_is_monotonic_wall_time)
{
	static const step st[] = { { SILENT, NULL, 0, 0 } };
	fake f;
	af_hal hal;
	hil_bridge *b;
	int64_t a, c;

	fake_start(&f, GREET, st, 0);
	b = open_on(&f, 300, 0, &hal);
	ck_assert_int_eq(hal.ops->now_us(hal.ctx, &a), AF_OK);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(hal.ops->sleep_us(hal.ctx, 30000), AF_OK);
	ck_assert_int_eq(hal.ops->now_us(hal.ctx, &c), AF_OK);
	ck_assert_int_ge(c - a, 30000);
	ck_assert_int_lt(c - a, 30000 + (int64_t)(slack_ms(50.0) * 1000));
	hil_bridge_free(b);
	fake_join(&f);
}
END_TEST

Suite *bridge_suite(void)
{
	Suite *s = suite_create("bridge");
	TCase *tc = tcase_create("fake rig");

	tcase_add_test(tc, plain_exchange);
	tcase_add_test(tc, late_reply_times_out_then_is_dropped);
	tcase_add_test(tc, wrong_id_is_an_error_and_reads_retry);
	tcase_add_test(tc, garbled_replies);
	tcase_add_test(tc, closed_connection_is_final);
	tcase_add_test(tc, silence_reads_retry_moves_do_not);
	tcase_add_test(tc, wait_settled_deadline_includes_its_timeout);
	tcase_add_test(tc, wait_settled_z_reports_the_encoder);
	tcase_add_test(tc, rig_errors_pass_through);
	tcase_add_test(tc, frames_checked_and_retried);
	tcase_add_test(tc, refusals_before_sending);
	tcase_add_test(tc, greetings_that_fail);
	tcase_add_test(tc, clock_is_monotonic_wall_time);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
