/*
 * test_proto.c - the rig protocol codec: every request and reply formats
 * and parses back; every malformed line is refused with a message naming
 * what is wrong; frames are checked (CRC-32, bit depth, size).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hil/proto.h"

static int preq(const char *line, hil_request *rq, char *err, size_t n)
{
	return hil_proto_parse_request(line, strlen(line), rq, err, n);
}

static int prep(const char *line, hil_verb v, hil_reply *rp, char *err, size_t n)
{
	return hil_proto_parse_reply(line, strlen(line), v, rp, err, n);
}

/* The definition, a bit at a time. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

START_TEST(crc32_is_the_ieee_one)
{
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	uint8_t all[256];

	ck_assert_uint_eq(hil_crc32(0, "123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(hil_crc32(0, "", 0), 0u);
	ck_assert_uint_eq(hil_crc32(0, zero, 4), 0x2144df1cu);
	/* continuing from a running value is the same as one pass */
	ck_assert_uint_eq(hil_crc32(hil_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
	/* every byte value, every table entry */
	for (int i = 0; i < 256; i++) {
		all[i] = (uint8_t)(255 - i);
		ck_assert_uint_eq(hil_crc32(0, all + i, 1), crc_bitwise(all + i, 1));
	}
	ck_assert_uint_eq(hil_crc32(0, all, 256), crc_bitwise(all, 256));
}
END_TEST

/* Every verb formats to the documented line and parses back. */
START_TEST(every_request_round_trips)
{
	static const struct {
		hil_request rq;
		const char *line;
	} cases[] = {
		{ { .id = 1, .verb = HIL_HELLO, .version = 1 }, "1 HELLO 1\n" },
		{ { .id = 2, .verb = HIL_SELECT_LENS, .lens = AF_LENS_B }, "2 SELECT_LENS B\n" },
		{ { .id = 3, .verb = HIL_GET_LENS }, "3 GET_LENS\n" },
		{ { .id = 4, .verb = HIL_MOVE_Z, .z_um = -12.5 }, "4 MOVE_Z -12.500000\n" },
		{ { .id = 5, .verb = HIL_GET_Z }, "5 GET_Z\n" },
		{ { .id = 6, .verb = HIL_Z_BUSY }, "6 Z_BUSY\n" },
		{ { .id = 7, .verb = HIL_WAIT_SETTLED, .timeout_ms = 500 }, "7 WAIT_SETTLED 500\n" },
		{ { .id = 8, .verb = HIL_TEMP }, "8 TEMP\n" },
		{ { .id = 9, .verb = HIL_SET_EXPOSURE, .exposure_us = 2500 }, "9 SET_EXPOSURE 2500\n" },
		{ { .id = 10, .verb = HIL_GET_EXPOSURE }, "10 GET_EXPOSURE\n" },
		{ { .id = 11, .verb = HIL_SET_ROI, .roi = { 960, 960, 128, 64 } }, "11 SET_ROI 960 960 128 64\n" },
		{ { .id = 12, .verb = HIL_GET_ROI }, "12 GET_ROI\n" },
		{ { .id = 13, .verb = HIL_GRAB }, "13 GRAB\n" },
		{ { .id = 4294967295u, .verb = HIL_PLACE, .z_um = 2.25 }, "4294967295 PLACE 2.250000\n" },
		{ { .id = 15, .verb = HIL_WAIT_SETTLED_Z, .timeout_ms = 500 }, "15 WAIT_SETTLED_Z 500\n" },
	};
	char buf[HIL_PROTO_LINE_BUF], err[HIL_PROTO_ERR_MAX];

	ck_assert_int_eq((int)(sizeof cases / sizeof cases[0]), HIL_VERB_COUNT);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hil_request back;
		int n = hil_proto_format_request(&cases[i].rq, buf, sizeof buf);

		ck_assert_int_eq(n, (int)strlen(cases[i].line));
		ck_assert_str_eq(buf, cases[i].line);
		ck_assert_msg(hil_proto_parse_request(buf, (size_t)n - 1, &back, err, sizeof err) == AF_OK,
			      "%s: %s", cases[i].line, err);
		ck_assert_uint_eq(back.id, cases[i].rq.id);
		ck_assert_int_eq(back.verb, cases[i].rq.verb);
		ck_assert_uint_eq(back.version, cases[i].rq.version);
		ck_assert_int_eq(back.lens, cases[i].rq.lens);
		ck_assert_double_eq(back.z_um, cases[i].rq.z_um);
		ck_assert_uint_eq(back.timeout_ms, cases[i].rq.timeout_ms);
		ck_assert_uint_eq(back.exposure_us, cases[i].rq.exposure_us);
		ck_assert_int_eq(memcmp(&back.roi, &cases[i].rq.roi, sizeof back.roi), 0);
	}
}
END_TEST

START_TEST(request_numbers_and_crlf)
{
	hil_request rq;
	char err[HIL_PROTO_ERR_MAX];

	/* exponents and a sign are numbers; a CR before the LF is dropped */
	ck_assert_int_eq(preq("3 MOVE_Z -1.5e2\r", &rq, err, sizeof err), AF_OK);
	ck_assert_double_eq(rq.z_um, -150.0);
	ck_assert_int_eq(preq("3 MOVE_Z +.5", &rq, err, sizeof err), AF_OK);
	ck_assert_double_eq(rq.z_um, 0.5);
	ck_assert_int_eq(preq("3 MOVE_Z 1000000", &rq, err, sizeof err), AF_OK);
	ck_assert_int_eq(preq("3 WAIT_SETTLED 600000", &rq, err, sizeof err), AF_OK);
	ck_assert_uint_eq(rq.timeout_ms, 600000u);
	ck_assert_int_eq(preq("3 WAIT_SETTLED_Z 1", &rq, err, sizeof err), AF_OK);
	ck_assert_int_eq(rq.verb, HIL_WAIT_SETTLED_Z);
	ck_assert_uint_eq(rq.timeout_ms, 1u);
}
END_TEST

/* Each malformed request: EPROTO, the message, the id when readable. */
START_TEST(malformed_requests_are_refused)
{
	static const struct {
		const char *line;
		uint32_t id;
		const char *msg;
	} cases[] = {
		{ "", 0, "empty line, expected '<id> <word> ...'" },
		{ "0 GET_Z", 0, "request id '0' is not an integer in [1, 4294967295] without leading zeros" },
		{ "01 GET_Z", 0, "request id '01' is not an integer in [1, 4294967295] without leading zeros" },
		{ "-1 GET_Z", 0, "request id '-1' is not an integer in [1, 4294967295] without leading zeros" },
		{ "4294967296 GET_Z", 0, "request id '4294967296' is not an integer in [1, 4294967295] without leading zeros" },
		{ "abc GET_Z", 0, "request id 'abc' is not an integer in [1, 4294967295] without leading zeros" },
		{ "5", 5, "request 5 has no verb" },
		{ "5 FOO", 5, "unknown verb 'FOO'" },
		{ "5 get_z", 5, "unknown verb 'get_z'" },
		{ "5 MOVE_Z", 5, "MOVE_Z takes 1 value (z_um), got 0" },
		{ "5 MOVE_Z 1 2", 5, "MOVE_Z takes 1 value (z_um), got 2" },
		{ "5 GET_Z 1", 5, "GET_Z takes no values, got 1" },
		{ "5 SET_ROI 1 2 3", 5, "SET_ROI takes 4 values (x y width height), got 3" },
		{ "5 MOVE_Z nan", 5, "z_um 'nan' is not a finite decimal number" },
		{ "5 MOVE_Z inf", 5, "z_um 'inf' is not a finite decimal number" },
		{ "5 MOVE_Z 0x10", 5, "z_um '0x10' is not a finite decimal number" },
		{ "5 MOVE_Z 1,5", 5, "z_um '1,5' is not a finite decimal number" },
		{ "5 MOVE_Z 1e999", 5, "z_um '1e999' is out of range, expected [-1e+06, 1e+06]" },
		{ "5 MOVE_Z 1000001", 5, "z_um '1000001' is out of range, expected [-1e+06, 1e+06]" },
		{ "5 PLACE x", 5, "z_plan_um 'x' is not a finite decimal number" },
		{ "5 SELECT_LENS C", 5, "lens 'C' is not a lens, expected A or B" },
		{ "5 WAIT_SETTLED 0", 5, "timeout_ms '0' is not an integer in [1, 600000]" },
		{ "5 WAIT_SETTLED 600001", 5, "timeout_ms '600001' is not an integer in [1, 600000]" },
		{ "5 WAIT_SETTLED_Z 0", 5, "timeout_ms '0' is not an integer in [1, 600000]" },
		{ "5 WAIT_SETTLED_Z 600001", 5, "timeout_ms '600001' is not an integer in [1, 600000]" },
		{ "5 WAIT_SETTLED_Z", 5, "WAIT_SETTLED_Z takes 1 value (timeout_ms), got 0" },
		{ "5 WAIT_SETTLED_Z 5 5", 5, "WAIT_SETTLED_Z takes 1 value (timeout_ms), got 2" },
		{ "5 SET_EXPOSURE -3", 5, "exposure_us '-3' is not an integer in [1, 100000000]" },
		{ "5 SET_ROI 0 0 0 8", 5, "roi width '0' is not an integer in [1, 16384]" },
		{ "5 HELLO 1.0", 5, "version '1.0' is not an integer in [1, 999]" },
		{ "5  GET_Z", 0, "double space at column 2, expected single spaces between words" },
		{ " 5 GET_Z", 0, "leading space at column 1, expected single spaces between words" },
		{ "5 GET_Z ", 0, "trailing space at column 8, expected single spaces between words" },
		{ "5 GET\tZ", 0, "byte 0x09 at column 6, expected printable ASCII" },
		{ "5 GET_Z\xff", 0, "byte 0xff at column 8, expected printable ASCII" },
	};
	char err[HIL_PROTO_ERR_MAX];
	hil_request rq;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(preq(cases[i].line, &rq, err, sizeof err) == AF_EPROTO, "'%s' accepted",
			      cases[i].line);
		ck_assert_str_eq(err, cases[i].msg);
		ck_assert_uint_eq(rq.id, cases[i].id);
	}
}
END_TEST

START_TEST(too_long_and_nul)
{
	char line[HIL_PROTO_LINE_MAX + 2], err[HIL_PROTO_ERR_MAX];
	hil_request rq;

	memset(line, 'A', sizeof line);
	memcpy(line, "5 MOVE_Z ", 9);
	/* 513 bytes: one too many */
	ck_assert_int_eq(hil_proto_parse_request(line, HIL_PROTO_LINE_MAX + 1, &rq, err, sizeof err),
			 AF_EPROTO);
	ck_assert_str_eq(err, "line of 513 bytes, at most 512");
	/* exactly 512 is a line (and a bad number) */
	ck_assert_int_eq(hil_proto_parse_request(line, HIL_PROTO_LINE_MAX, &rq, err, sizeof err),
			 AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "z_um 'AAAA"));
	/* a NUL inside the line is not text */
	ck_assert_int_eq(hil_proto_parse_request("5 GET_Z\0x", 9, &rq, err, sizeof err), AF_EPROTO);
	ck_assert_str_eq(err, "byte 0x00 at column 8, expected printable ASCII");
}
END_TEST

START_TEST(format_refuses_bad_values)
{
	char buf[HIL_PROTO_LINE_BUF], small[6];
	hil_request rq = { .id = 1, .verb = HIL_MOVE_Z, .z_um = NAN };

	ck_assert_int_eq(hil_proto_format_request(&rq, buf, sizeof buf), AF_EINVAL);
	rq.z_um = 2e6;
	ck_assert_int_eq(hil_proto_format_request(&rq, buf, sizeof buf), AF_EINVAL);
	rq.z_um = 1;
	rq.id = 0;
	ck_assert_int_eq(hil_proto_format_request(&rq, buf, sizeof buf), AF_EINVAL);
	rq.id = 123;
	ck_assert_int_eq(hil_proto_format_request(&rq, small, sizeof small), AF_EINVAL);
	rq.verb = HIL_SELECT_LENS;
	rq.lens = (af_lens)7;
	ck_assert_int_eq(hil_proto_format_request(&rq, buf, sizeof buf), AF_EINVAL);
	rq.verb = HIL_VERB_COUNT;
	ck_assert_int_eq(hil_proto_format_request(&rq, buf, sizeof buf), AF_EINVAL);
}
END_TEST

/* Every OK reply formats as documented and parses back. */
START_TEST(every_reply_round_trips)
{
	char buf[HIL_PROTO_LINE_BUF], err[HIL_PROTO_ERR_MAX];
	hil_reply rp, back;
	int n;

	memset(&rp, 0, sizeof rp);
	rp.id = 1;
	rp.hello.version = 1;
	snprintf(rp.hello.name, sizeof rp.hello.name, "bench-2");
	snprintf(rp.hello.ident, sizeof rp.hello.ident, "acme/zd-3.2/sn:0042");
	rp.hello.caps = HIL_CAP_BUSY | HIL_CAP_FRAMES | HIL_CAP_PLACE | HIL_CAP_SETTLED_Z;
	n = hil_proto_format_reply(HIL_HELLO, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "1 OK 1 name=bench-2 id=acme/zd-3.2/sn:0042 caps=busy,frames,place,settled_z\n");
	ck_assert_int_eq(hil_proto_parse_reply(buf, (size_t)n - 1, HIL_HELLO, &back, err, sizeof err), AF_OK);
	ck_assert_str_eq(back.hello.name, "bench-2");
	ck_assert_str_eq(back.hello.ident, "acme/zd-3.2/sn:0042");
	ck_assert_uint_eq(back.hello.caps,
			  HIL_CAP_BUSY | HIL_CAP_FRAMES | HIL_CAP_PLACE | HIL_CAP_SETTLED_Z);
	rp.hello.caps = 0;
	hil_proto_format_reply(HIL_HELLO, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "1 OK 1 name=bench-2 id=acme/zd-3.2/sn:0042 caps=-\n");

	rp.id = 2;
	rp.lens = AF_LENS_B;
	hil_proto_format_reply(HIL_GET_LENS, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK B\n");
	ck_assert_int_eq(prep("2 OK B", HIL_GET_LENS, &back, err, sizeof err), AF_OK);
	ck_assert_int_eq(back.lens, AF_LENS_B);

	rp.z_um = 12.345678;
	hil_proto_format_reply(HIL_GET_Z, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK 12.345678\n");
	ck_assert_int_eq(prep("2 OK 12.345678", HIL_GET_Z, &back, err, sizeof err), AF_OK);
	ck_assert_double_eq_tol(back.z_um, 12.345678, 1e-12);
	/* the settle wait that reports the encoder: GET_Z's reply */
	rp.z_um = -3.5;
	hil_proto_format_reply(HIL_WAIT_SETTLED_Z, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK -3.500000\n");
	ck_assert_int_eq(prep("2 OK 6.25", HIL_WAIT_SETTLED_Z, &back, err, sizeof err), AF_OK);
	ck_assert_double_eq(back.z_um, 6.25);
	rp.z_um = NAN;
	ck_assert_int_eq(hil_proto_format_reply(HIL_WAIT_SETTLED_Z, &rp, buf, sizeof buf), AF_EINVAL);

	rp.busy = true;
	hil_proto_format_reply(HIL_Z_BUSY, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK 1\n");
	ck_assert_int_eq(prep("2 OK 0", HIL_Z_BUSY, &back, err, sizeof err), AF_OK);
	ck_assert(!back.busy);

	rp.temp_c = 22.5;
	hil_proto_format_reply(HIL_TEMP, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK 22.500000\n");
	ck_assert_int_eq(prep("2 OK -5", HIL_TEMP, &back, err, sizeof err), AF_OK);
	ck_assert_double_eq(back.temp_c, -5.0);

	rp.exposure_us = 5000;
	hil_proto_format_reply(HIL_GET_EXPOSURE, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK 5000\n");
	rp.roi = (af_roi){ 1, 2, 3, 4 };
	hil_proto_format_reply(HIL_GET_ROI, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK 1 2 3 4\n");
	ck_assert_int_eq(prep("2 OK 1 2 3 4", HIL_GET_ROI, &back, err, sizeof err), AF_OK);
	ck_assert_uint_eq(back.roi.height, 4);

	rp.frame = (hil_frame_header){ 128, 64, 12, 77, 2500, 128 * 64 * 2, 0x0badf00du };
	hil_proto_format_reply(HIL_GRAB, &rp, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 OK FRAME 128 64 12 77 2500 16384 0badf00d\n");
	ck_assert_int_eq(prep("2 OK FRAME 128 64 12 77 2500 16384 0BADF00D", HIL_GRAB, &back, err,
			      sizeof err), AF_OK);
	ck_assert_uint_eq(back.frame.width, 128);
	ck_assert_uint_eq(back.frame.height, 64);
	ck_assert_uint_eq(back.frame.bit_depth, 12);
	ck_assert_uint_eq(back.frame.seq, 77);
	ck_assert_int_eq(back.frame.age_us, 2500);
	ck_assert_uint_eq(back.frame.nbytes, 16384);
	ck_assert_uint_eq(back.frame.crc32, 0x0badf00du);

	for (hil_verb v = HIL_SELECT_LENS; v < HIL_VERB_COUNT; v++) {
		if (v == HIL_GET_LENS || v == HIL_GET_Z || v == HIL_Z_BUSY || v == HIL_TEMP ||
		    v == HIL_GET_EXPOSURE || v == HIL_GET_ROI || v == HIL_GRAB ||
		    v == HIL_WAIT_SETTLED_Z)
			continue;
		hil_proto_format_reply(v, &rp, buf, sizeof buf);
		ck_assert_str_eq(buf, "2 OK\n");
		ck_assert_int_eq(prep("2 OK", v, &back, err, sizeof err), AF_OK);
		ck_assert_int_eq(back.code, AF_OK);
	}
}
END_TEST

START_TEST(error_replies)
{
	char buf[HIL_PROTO_LINE_BUF], err[HIL_PROTO_ERR_MAX], longmsg[700];
	hil_reply rp;

	ck_assert_int_eq(hil_proto_format_error(7, AF_EHW, "z stage  stalled\n", buf, sizeof buf), 28);
	ck_assert_str_eq(buf, "7 ERR EHW z stage  stalled?\n");
	/* the message is free text: spaces as they are */
	ck_assert_int_eq(prep("7 ERR EHW z stage  stalled?", HIL_MOVE_Z, &rp, err, sizeof err), AF_OK);
	ck_assert_int_eq(rp.code, AF_EHW);
	ck_assert_str_eq(rp.code_name, "EHW");
	ck_assert_str_eq(rp.message, "z stage  stalled?");
	ck_assert_uint_eq(rp.id, 7);
	/* every code of the engine's table */
	for (int c = AF_ETIMEDOUT; c >= AF_EPROTO; c--) {
		ck_assert_int_gt(hil_proto_format_error(3, c, "x", buf, sizeof buf), 0);
		buf[strlen(buf) - 1] = '\0';
		ck_assert_int_eq(prep(buf, HIL_GET_Z, &rp, err, sizeof err), AF_OK);
		ck_assert_int_eq(rp.code, c);
	}
	hil_proto_format_error(0, HIL_PROTO_EBUSY, NULL, buf, sizeof buf);
	ck_assert_str_eq(buf, "0 ERR EBUSY busy\n");
	ck_assert_int_eq(prep("0 ERR EBUSY held by tcp:1.2.3.4:5", HIL_HELLO, &rp, err, sizeof err), AF_OK);
	ck_assert_int_eq(rp.code, AF_ESTATE);
	ck_assert_str_eq(rp.code_name, "EBUSY");
	hil_proto_format_error(4, AF_EIO, "", buf, sizeof buf);
	ck_assert_str_eq(buf, "4 ERR EIO input/output error\n");
	ck_assert_int_eq(hil_proto_format_error(4, AF_OK, "x", buf, sizeof buf), AF_EINVAL);
	ck_assert_int_eq(hil_proto_format_error(4, -99, "x", buf, sizeof buf), AF_EINVAL);
	/* a long message is cut to the line limit */
	memset(longmsg, 'm', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	ck_assert_int_eq(hil_proto_format_error(4, AF_EHW, longmsg, buf, sizeof buf),
			 HIL_PROTO_LINE_MAX + 1);
	buf[HIL_PROTO_LINE_MAX] = '\0';
	ck_assert_int_eq(prep(buf, HIL_GET_Z, &rp, err, sizeof err), AF_OK);
	ck_assert_uint_eq(strlen(rp.message), HIL_PROTO_LINE_MAX - strlen("4 ERR EHW "));
}
END_TEST

/* Each malformed reply: EPROTO and the message. */
START_TEST(malformed_replies_are_refused)
{
	static const struct {
		const char *line;
		hil_verb v;
		const char *msg;
	} cases[] = {
		{ "x OK", HIL_GET_Z, "reply id 'x' is not an integer in [0, 4294967295] without leading zeros" },
		{ "3", HIL_GET_Z, "reply 3 has neither OK nor ERR" },
		{ "3 YES 1", HIL_GET_Z, "reply word 'YES', expected OK or ERR" },
		{ "3 OK", HIL_GET_Z, "GET_Z reply takes 1 value (z_um), got 0" },
		{ "3 OK 1 2", HIL_GET_Z, "GET_Z reply takes 1 value (z_um), got 2" },
		{ "3 OK abc", HIL_GET_Z, "z_um 'abc' is not a finite decimal number" },
		{ "3 OK", HIL_WAIT_SETTLED_Z, "WAIT_SETTLED_Z reply takes 1 value (z_um), got 0" },
		{ "3 OK 1 2", HIL_WAIT_SETTLED_Z, "WAIT_SETTLED_Z reply takes 1 value (z_um), got 2" },
		{ "3 OK nan", HIL_WAIT_SETTLED_Z, "z_um 'nan' is not a finite decimal number" },
		{ "3 OK 2e6", HIL_WAIT_SETTLED_Z, "z_um '2e6' is out of range, expected [-1e+06, 1e+06]" },
		{ "3 OK NaN", HIL_TEMP, "temp_c 'NaN' is not a finite decimal number" },
		{ "3 OK -300", HIL_TEMP, "temp_c '-300' is out of range, expected [-273.15, 1000]" },
		{ "3 OK 2", HIL_Z_BUSY, "busy flag '2', expected 0 or 1" },
		{ "3 OK C", HIL_GET_LENS, "lens 'C' is not a lens, expected A or B" },
		{ "3 OK 1", HIL_MOVE_Z, "MOVE_Z reply takes no values, got 1" },
		{ "3 ERR EHW", HIL_MOVE_Z, "ERR reply needs a code and a message" },
		{ "3 ERR EWHAT broken", HIL_MOVE_Z, "unknown error code 'EWHAT'" },
		{ "3 ERR OK fine", HIL_MOVE_Z, "unknown error code 'OK'" },
		{ "3 OK 1 name=a id=b", HIL_HELLO, "HELLO reply takes 4 values (version name=... id=... caps=...), got 3" },
		{ "3 OK 1 name=a id=b caps=busy,", HIL_HELLO, "capability list ends with a comma" },
		{ "3 OK 1 name=a id=b caps=Busy", HIL_HELLO, "capability 'Busy', expected [a-z0-9_]+" },
		{ "3 OK 1 name=a id=b caps=", HIL_HELLO, "capability list '', expected names separated by commas or '-'" },
		{ "3 OK 1 nom=a id=b caps=-", HIL_HELLO, "HELLO reply value 'nom=a', expected name=..." },
		{ "3 OK 1 name=a\"b id=b caps=-", HIL_HELLO, "rig name 'a\"b' is not 1..64 of [A-Za-z0-9._:/+-]" },
		{ "3 OK 0 name=a id=b caps=-", HIL_HELLO, "version '0' is not an integer in [1, 999]" },
		{ "3 OK FRAME 128 64 12 77 2500 16384", HIL_GRAB,
		  "GRAB reply is 'FRAME width height bit_depth seq age_us nbytes crc32', got 7 values" },
		{ "3 OK PICTURE 128 64 12 77 2500 16384 00000000", HIL_GRAB,
		  "GRAB reply is 'FRAME width height bit_depth seq age_us nbytes crc32', got 8 values" },
		{ "3 OK FRAME 0 64 12 77 2500 0 00000000", HIL_GRAB, "frame width '0' is not an integer in [1, 16384]" },
		{ "3 OK FRAME 128 64 17 77 2500 16384 00000000", HIL_GRAB, "frame bit_depth '17' is not an integer in [1, 16]" },
		{ "3 OK FRAME 128 64 12 77 -1 16384 00000000", HIL_GRAB, "frame age_us '-1' is not an integer in [0, 3600000000]" },
		{ "3 OK FRAME 128 64 12 77 2500 16383 00000000", HIL_GRAB, "frame nbytes 16383, expected width * height * 2 = 16384" },
		{ "3 OK FRAME 16384 16384 12 77 2500 536870912 00000000", HIL_GRAB,
		  "frame nbytes '536870912' is not an integer in [2, 67108864]" },
		{ "3 OK FRAME 128 64 12 77 2500 16384 0000000", HIL_GRAB, "frame crc32 '0000000', expected 8 hex digits" },
		{ "3 OK FRAME 128 64 12 77 2500 16384 0000000g", HIL_GRAB, "frame crc32 '0000000g', expected 8 hex digits" },
		{ "3 OK FRAME 128 64 12 77 2500 16384 000000000", HIL_GRAB, "frame crc32 '000000000', expected 8 hex digits" },
	};
	char err[HIL_PROTO_ERR_MAX];
	hil_reply rp;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(prep(cases[i].line, cases[i].v, &rp, err, sizeof err) == AF_EPROTO,
			      "'%s' accepted", cases[i].line);
		ck_assert_str_eq(err, cases[i].msg);
	}
	/* unknown capabilities are a newer protocol's, ignored */
	ck_assert_int_eq(prep("3 OK 1 name=a id=b caps=busy,teleport", HIL_HELLO, &rp, err, sizeof err), AF_OK);
	ck_assert_uint_eq(rp.hello.caps, HIL_CAP_BUSY);
}
END_TEST

START_TEST(reply_ids)
{
	uint32_t id = 99;

	ck_assert_int_eq(hil_proto_reply_id("12 OK", 5, &id), 0);
	ck_assert_uint_eq(id, 12);
	ck_assert_int_eq(hil_proto_reply_id("0 ERR EBUSY x", 13, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(hil_proto_reply_id("12", 2, &id), 0);
	ck_assert_int_eq(hil_proto_reply_id("012 OK", 6, &id), -1);
	ck_assert_int_eq(hil_proto_reply_id("12x OK", 6, &id), -1);
	ck_assert_int_eq(hil_proto_reply_id("99999999999 OK", 14, &id), -1);
	ck_assert_int_eq(hil_proto_reply_id("", 0, &id), -1);
}
END_TEST

START_TEST(frames_are_checked)
{
	uint16_t px[12], back[12];
	uint8_t bytes[24];
	hil_frame_header h = { 4, 3, 12, 1, 0, 24, 0 };
	char err[HIL_PROTO_ERR_MAX];

	for (int i = 0; i < 12; i++)
		px[i] = (uint16_t)(i * 300 + 7);
	hil_proto_put_pixels(px, 12, bytes);
	ck_assert_uint_eq(bytes[0], 7);
	ck_assert_uint_eq(bytes[3], 300 >> 8);
	h.crc32 = hil_crc32(0, bytes, 24);
	ck_assert_int_eq(hil_proto_take_frame(&h, bytes, back, 12, err, sizeof err), AF_OK);
	ck_assert_int_eq(memcmp(px, back, sizeof px), 0);
	/* too small a buffer */
	ck_assert_int_eq(hil_proto_take_frame(&h, bytes, back, 11, err, sizeof err), AF_EINVAL);
	ck_assert_str_eq(err, "frame of 4x3 pixels does not fit a buffer of 11");
	/* a flipped bit */
	bytes[5] ^= 0x10;
	ck_assert_int_eq(hil_proto_take_frame(&h, bytes, back, 12, err, sizeof err), AF_EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "frame checksum mismatch: crc32 of the 24 bytes is "));
	bytes[5] ^= 0x10;
	/* a pixel beyond 12 bits, checksum right */
	px[2] = 4096;
	hil_proto_put_pixels(px, 12, bytes);
	h.crc32 = hil_crc32(0, bytes, 24);
	ck_assert_int_eq(hil_proto_take_frame(&h, bytes, back, 12, err, sizeof err), AF_EPROTO);
	ck_assert_str_eq(err, "pixel 2 is 4096, beyond the 12-bit depth");
	/* 16 bits take everything */
	h.bit_depth = 16;
	ck_assert_int_eq(hil_proto_take_frame(&h, bytes, back, 12, err, sizeof err), AF_OK);
}
END_TEST

START_TEST(names_and_codes)
{
	ck_assert_str_eq(hil_verb_name(HIL_WAIT_SETTLED), "WAIT_SETTLED");
	ck_assert_ptr_null(hil_verb_name(HIL_VERB_COUNT));
	ck_assert_uint_eq(hil_verb_cap(HIL_Z_BUSY), HIL_CAP_BUSY);
	ck_assert_uint_eq(hil_verb_cap(HIL_GRAB), HIL_CAP_FRAMES);
	ck_assert_uint_eq(hil_verb_cap(HIL_MOVE_Z), 0);
	ck_assert_str_eq(hil_cap_name(HIL_CAP_PLACE), "place");
	ck_assert_str_eq(hil_cap_name(HIL_CAP_SETTLED_Z), "settled_z");
	ck_assert_uint_eq(hil_verb_cap(HIL_WAIT_SETTLED_Z), HIL_CAP_SETTLED_Z);
	ck_assert_uint_eq(hil_verb_cap(HIL_WAIT_SETTLED), 0);
	ck_assert_str_eq(hil_verb_name(HIL_WAIT_SETTLED_Z), "WAIT_SETTLED_Z");
	ck_assert_ptr_null(hil_cap_name(3));
	ck_assert_int_eq(hil_proto_code("ETIMEDOUT"), AF_ETIMEDOUT);
	ck_assert_int_eq(hil_proto_code("EPROTO"), AF_EPROTO);
	ck_assert_int_eq(hil_proto_code("EBUSY"), AF_ESTATE);
	ck_assert_int_eq(hil_proto_code("OK"), 0);
	ck_assert_int_eq(hil_proto_code("EAGAIN"), 0);
}
END_TEST

Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, crc32_is_the_ieee_one);
	tcase_add_test(tc, every_request_round_trips);
	tcase_add_test(tc, request_numbers_and_crlf);
	tcase_add_test(tc, malformed_requests_are_refused);
	tcase_add_test(tc, too_long_and_nul);
	tcase_add_test(tc, format_refuses_bad_values);
	tcase_add_test(tc, every_reply_round_trips);
	tcase_add_test(tc, error_replies);
	tcase_add_test(tc, malformed_replies_are_refused);
	tcase_add_test(tc, reply_ids);
	tcase_add_test(tc, frames_are_checked);
	tcase_add_test(tc, names_and_codes);
	suite_add_tcase(s, tc);
	return s;
}
