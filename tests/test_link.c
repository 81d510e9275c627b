/*
 * test_link.c - the transports: specs parse strictly; a line split over
 * writes is reassembled, the next stays buffered; an over-long line is
 * skipped to its LF; a silent peer times out at the deadline (measured); a
 * closed peer is AF_EIO; a pseudo-terminal opens as a serial line, raw,
 * 8N1, at the asked speed, and carries lines both ways.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname_r */
#include <check.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "engine/af_hal.h"
#include "hil/link.h"
#include "tests/slack.h"

#define MS 1000000LL

START_TEST(transport_specs)
{
	hil_transport t;
	char err[256], txt[HIL_TRANSPORT_TEXT_MAX];

	ck_assert_int_eq(hil_transport_parse("tcp:127.0.0.1:7001", &t, err, sizeof err), 0);
	ck_assert_int_eq(t.kind, HIL_TRANSPORT_TCP);
	ck_assert_str_eq(t.host, "127.0.0.1");
	ck_assert_uint_eq(t.port, 7001);
	ck_assert_str_eq(hil_transport_text(&t, txt, sizeof txt), "tcp:127.0.0.1:7001");
	ck_assert_int_eq(hil_transport_parse("tcp:[::1]:65535", &t, err, sizeof err), 0);
	ck_assert_str_eq(t.host, "::1");
	ck_assert_str_eq(hil_transport_text(&t, txt, sizeof txt), "tcp:[::1]:65535");
	ck_assert_int_eq(hil_transport_parse("tcp:rig-2.lab:1", &t, err, sizeof err), 0);
	ck_assert_int_eq(hil_transport_parse("serial:/dev/ttyUSB0@115200", &t, err, sizeof err), 0);
	ck_assert_int_eq(t.kind, HIL_TRANSPORT_SERIAL);
	ck_assert_str_eq(t.device, "/dev/ttyUSB0");
	ck_assert_uint_eq(t.baud, 115200);
	ck_assert_str_eq(hil_transport_text(&t, txt, sizeof txt), "serial:/dev/ttyUSB0@115200");

	ck_assert_int_eq(hil_transport_parse("udp:1.2.3.4:5", &t, err, sizeof err), -1);
	ck_assert_str_eq(err, "transport 'udp:1.2.3.4:5': expected tcp:HOST:PORT or serial:/dev/DEVICE@BAUD");
	ck_assert_int_eq(hil_transport_parse("tcp:1.2.3.4", &t, err, sizeof err), -1);
	ck_assert_str_eq(err, "transport 'tcp:1.2.3.4': expected tcp:HOST:PORT");
	ck_assert_int_eq(hil_transport_parse("tcp:1.2.3.4:0", &t, err, sizeof err), -1);
	ck_assert_str_eq(err, "transport 'tcp:1.2.3.4:0': port '0' is not in 1..65535");
	ck_assert_int_eq(hil_transport_parse("tcp:1.2.3.4:65536", &t, err, sizeof err), -1);
	ck_assert_int_eq(hil_transport_parse("tcp:1.2.3.4:07", &t, err, sizeof err), -1);
	ck_assert_int_eq(hil_transport_parse("tcp:a b:7", &t, err, sizeof err), -1);
	ck_assert_str_eq(err, "transport 'tcp:a b:7': bad character ' ' in the host name, expected [A-Za-z0-9._-] (or [IPv6])");
	ck_assert_int_eq(hil_transport_parse("tcp:[::1:7", &t, err, sizeof err), -1);
	ck_assert_int_eq(hil_transport_parse("serial:ttyUSB0@115200", &t, err, sizeof err), -1);
	ck_assert_str_eq(err, "transport 'serial:ttyUSB0@115200': expected serial:/dev/DEVICE@BAUD (an absolute path)");
	ck_assert_int_eq(hil_transport_parse("serial:/dev/ttyS0@115201", &t, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "baud '115201' is not a serial speed"));
	ck_assert_int_eq(hil_transport_parse("serial:/dev/ttyS0", &t, err, sizeof err), -1);
}
END_TEST

/* A connected pair: [0] wrapped in a link, [1] the test's end. */
static hil_link *pair(int *peer)
{
	int sv[2];
	hil_link *l;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	l = hil_link_wrap(sv[0]);
	ck_assert_ptr_nonnull(l);
	*peer = sv[1];
	return l;
}

START_TEST(lines_are_reassembled)
{
	int peer;
	hil_link *l = pair(&peer);
	char buf[64], err[128];
	size_t len;

	ck_assert_int_eq(write(peer, "12 OK 3.", 8), 8);
	ck_assert(!hil_link_has_line(l));
	/* a deadline in the past: what is there, no complete line */
	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, 0, err, sizeof err),
			 AF_ETIMEDOUT);
	ck_assert_str_eq(err, "an incomplete line of 8 bytes, no LF");
	ck_assert_int_eq(write(peer, "5\n13 OK\nxy", 10), 10);
	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, hil_now_ns() + 100 * MS, err,
					    sizeof err), AF_OK);
	ck_assert_str_eq(buf, "12 OK 3.5");
	ck_assert_uint_eq(len, 9);
	ck_assert(hil_link_has_line(l));
	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, 0, err, sizeof err), AF_OK);
	ck_assert_str_eq(buf, "13 OK");
	/* raw bytes after lines come from the buffer first */
	ck_assert_int_eq(write(peer, "zw", 2), 2);
	{
		char raw[4];
		size_t got;

		ck_assert_int_eq(hil_link_read_bytes(l, raw, 4, &got, hil_now_ns() + 100 * MS, err,
						     sizeof err), AF_OK);
		ck_assert_int_eq(memcmp(raw, "xyzw", 4), 0);
		ck_assert_int_eq(hil_link_read_bytes(l, raw, 2, &got, hil_now_ns() + 50 * MS, err,
						     sizeof err), AF_ETIMEDOUT);
		ck_assert_uint_eq(got, 0);
		ck_assert_str_eq(err, "0 of 2 bytes received");
	}
	ck_assert_uint_eq(hil_link_bytes_in(l), 20);
	hil_link_free(l);
	close(peer);
}
END_TEST

START_TEST(long_line_is_skipped)
{
	int peer;
	hil_link *l = pair(&peer);
	char big[3000], buf[32], err[128];
	size_t len;

	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	ck_assert_int_eq(write(peer, big, sizeof big), (ssize_t)sizeof big);
	ck_assert_int_eq(write(peer, "7 OK\n", 5), 5);
	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, hil_now_ns() + 100 * MS, err,
					    sizeof err), AF_EPROTO);
	ck_assert_str_eq(err, "a line longer than 31 bytes");
	ck_assert_uint_eq(len, 31);
	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, hil_now_ns() + 100 * MS, err,
					    sizeof err), AF_OK);
	ck_assert_str_eq(buf, "7 OK");
	hil_link_free(l);
	close(peer);
}
END_TEST

START_TEST(silence_times_out_at_the_deadline)
{
	int peer;
	hil_link *l = pair(&peer);
	char buf[32], err[128];
	size_t len;
	int64_t t0 = hil_now_ns(), dt;

	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, t0 + 150 * MS, err, sizeof err),
			 AF_ETIMEDOUT);
	dt = hil_now_ns() - t0;
	ck_assert_int_ge(dt, 150 * MS);
	ck_assert_int_lt(dt, 150 * MS + (int64_t)(slack_ms(250.0) * 1e6));
	ck_assert_str_eq(err, "nothing received");
	hil_link_free(l);
	close(peer);
}
END_TEST

START_TEST(closed_peer_is_eio)
{
	int peer;
	hil_link *l = pair(&peer);
	char buf[32], err[128];
	size_t len;

	close(peer);
	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, hil_now_ns() + 100 * MS, err,
					    sizeof err), AF_EIO);
	ck_assert_str_eq(err, "connection closed by the peer");
	ck_assert_int_eq(hil_link_write(l, "1 GET_Z\n", 8, hil_now_ns() + 100 * MS, err, sizeof err),
			 AF_EIO);
	hil_link_free(l);
}
END_TEST

START_TEST(refused_connection)
{
	hil_transport t;
	char err[256];
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;

	/* a port nobody listens on: bind one, read it, close it */
	a.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s);
	memset(&t, 0, sizeof t);
	t.kind = HIL_TRANSPORT_TCP;
	snprintf(t.host, sizeof t.host, "127.0.0.1");
	t.port = ntohs(a.sin_port);
	ck_assert_ptr_null(hil_link_open(&t, 500, err, sizeof err));
	{
		char want[128];

		snprintf(want, sizeof want, "cannot connect to 'tcp:127.0.0.1:%u': Connection refused",
			 (unsigned)t.port);
		ck_assert_str_eq(err, want);
	}
}
END_TEST

START_TEST(pty_is_a_raw_serial_line)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	char path[128], buf[192], err[256];
	hil_transport t;
	hil_link *l;
	struct termios tio;
	size_t len;

	ck_assert_int_ge(m, 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	ck_assert_int_eq(ptsname_r(m, path, sizeof path), 0);
	snprintf(buf, sizeof buf, "serial:%s@921600", path);
	ck_assert_int_eq(hil_transport_parse(buf, &t, err, sizeof err), 0);
	l = hil_link_open(&t, 1000, err, sizeof err);
	ck_assert_msg(l != NULL, "%s", err);
	ck_assert_int_eq(hil_link_byte_ns(l), 10850); /* 10 bits at 921600 baud, ns */
	ck_assert_int_eq(tcgetattr(hil_link_fd(l), &tio), 0);
	ck_assert_uint_eq(tio.c_lflag & (ECHO | ICANON | ISIG), 0);
	ck_assert_uint_eq(tio.c_cflag & CSIZE, CS8);
	ck_assert_uint_eq(tio.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0);
	ck_assert_uint_eq(tio.c_iflag & (IXON | IXOFF | ICRNL), 0);
	ck_assert_uint_eq(tio.c_oflag & OPOST, 0);
	ck_assert_uint_eq(cfgetospeed(&tio), B921600);
	/* host -> rig, rig -> host, bytes as they are (no CR/LF games) */
	ck_assert_int_eq(hil_link_write(l, "1 HELLO 1\n", 10, hil_now_ns() + 100 * MS, err, sizeof err),
			 AF_OK);
	{
		char got[16] = { 0 };
		ssize_t n = 0;
		int64_t end = hil_now_ns() + 500 * MS;

		while (n < 10 && hil_now_ns() < end) {
			ssize_t r = read(m, got + n, (size_t)(10 - n));

			if (r > 0)
				n += r;
		}
		ck_assert_int_eq(n, 10);
		ck_assert_int_eq(memcmp(got, "1 HELLO 1\n", 10), 0);
	}
	ck_assert_int_eq(write(m, "1 OK\r\n", 6), 6);
	ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, hil_now_ns() + 500 * MS, err,
					    sizeof err), AF_OK);
	ck_assert_str_eq(buf, "1 OK\r");
	/* the rig's end hangs up: EIO at once, not a wait for the deadline */
	close(m);
	{
		int64_t t0 = hil_now_ns();

		ck_assert_int_eq(hil_link_read_line(l, buf, sizeof buf, &len, t0 + 2000 * MS, err,
						    sizeof err), AF_EIO);
		ck_assert_str_eq(err, "connection closed by the peer");
		ck_assert_int_lt(hil_now_ns() - t0, (int64_t)(slack_ms(100.0) * 1e6));
	}
	hil_link_free(l);
}
END_TEST

START_TEST(serial_open_errors)
{
	hil_transport t;
	char err[256];

	ck_assert_int_eq(hil_transport_parse("serial:/nonexistent/tty@9600", &t, err, sizeof err), 0);
	ck_assert_ptr_null(hil_link_open(&t, 100, err, sizeof err));
	ck_assert_str_eq(err, "cannot open serial line '/nonexistent/tty': No such file or directory");
	ck_assert_int_eq(hil_transport_parse("serial:/dev/null@9600", &t, err, sizeof err), 0);
	ck_assert_ptr_null(hil_link_open(&t, 100, err, sizeof err));
	ck_assert_str_eq(err, "cannot configure serial line '/dev/null' (raw, 8N1, 9600 baud): "
			      "Inappropriate ioctl for device");
}
END_TEST

Suite *link_suite(void)
{
	Suite *s = suite_create("link");
	TCase *tc = tcase_create("transports");

	tcase_add_test(tc, transport_specs);
	tcase_add_test(tc, lines_are_reassembled);
	tcase_add_test(tc, long_line_is_skipped);
	tcase_add_test(tc, silence_times_out_at_the_deadline);
	tcase_add_test(tc, closed_peer_is_eio);
	tcase_add_test(tc, refused_connection);
	tcase_add_test(tc, pty_is_a_raw_serial_line);
	tcase_add_test(tc, serial_open_errors);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);
	return s;
}
