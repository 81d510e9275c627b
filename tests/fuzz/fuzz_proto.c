/*
 * fuzz_proto.c - libFuzzer target for the rig protocol codec (hil/proto.h):
 * request lines, reply lines of every verb (the HELLO greeting, frame
 * headers), and frames (a header line, then its pixels).  Any bytes in:
 * either a parse or an error message, never a crash, a leak or undefined
 * behaviour; and what parses formats back to a line that parses to the
 * same thing (the codec agrees with itself).
 *
 * Input: byte 0 picks what to parse (request, reply, frame), byte 1 the
 * verb of a reply; the line is the rest up to the first LF; for a frame
 * the bytes after the LF are its pixels.  `make fuzz-proto`
 * builds it with clang (-fsanitize=fuzzer,address,undefined) and runs it
 * on tests/fuzz/proto/ as seed corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hil/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A message was written: non-empty, NUL-terminated inside its buffer. */
static void check_msg(const char *err, size_t size)
{
	if (!memchr(err, '\0', size) || !err[0])
		__builtin_trap();
}

static void requests(const char *line, size_t len)
{
	hil_request rq, back;
	char err[HIL_PROTO_ERR_MAX], buf[HIL_PROTO_LINE_BUF], buf2[HIL_PROTO_LINE_BUF];
	int n, n2;

	if (hil_proto_parse_request(line, len, &rq, err, sizeof err) != AF_OK) {
		check_msg(err, sizeof err);
		return;
	}
	/* what parses formats, and the formatted line is a fixed point */
	n = hil_proto_format_request(&rq, buf, sizeof buf);
	if (n <= 0 || buf[n - 1] != '\n')
		__builtin_trap();
	if (hil_proto_parse_request(buf, (size_t)n - 1, &back, err, sizeof err) != AF_OK)
		__builtin_trap();
	n2 = hil_proto_format_request(&back, buf2, sizeof buf2);
	if (n2 != n || memcmp(buf, buf2, (size_t)n) != 0 || back.id != rq.id || back.verb != rq.verb)
		__builtin_trap();
}

static void replies(const char *line, size_t len, hil_verb v)
{
	hil_reply rp, back;
	char err[HIL_PROTO_ERR_MAX], buf[HIL_PROTO_LINE_BUF], buf2[HIL_PROTO_LINE_BUF];
	int n, n2;

	if (hil_proto_parse_reply(line, len, v, &rp, err, sizeof err) != AF_OK) {
		check_msg(err, sizeof err);
		return;
	}
	if (rp.code != AF_OK) {
		/* an error reply: its code is one of the table's, its message text */
		if (!rp.code_name[0] || !rp.message[0] || hil_proto_code(rp.code_name) != rp.code)
			__builtin_trap();
		return;
	}
	n = hil_proto_format_reply(v, &rp, buf, sizeof buf);
	if (n == AF_EINVAL && v == HIL_TEMP)
		return; /* a parsed temperature may round out of range at 6 decimals */
	if (n <= 0)
		__builtin_trap();
	if (hil_proto_parse_reply(buf, (size_t)n - 1, v, &back, err, sizeof err) != AF_OK)
		__builtin_trap();
	n2 = hil_proto_format_reply(v, &back, buf2, sizeof buf2);
	if (n2 != n || memcmp(buf, buf2, (size_t)n) != 0)
		__builtin_trap();
}

static void frames(const char *line, size_t len, const uint8_t *pix, size_t npix_bytes)
{
	hil_reply rp;
	char err[HIL_PROTO_ERR_MAX];
	uint16_t *px;
	size_t npx;
	int rc;

	if (hil_proto_parse_reply(line, len, HIL_GRAB, &rp, err, sizeof err) != AF_OK ||
	    rp.code != AF_OK)
		return;
	npx = (size_t)rp.frame.width * rp.frame.height;
	if (rp.frame.nbytes != 2 * npx)
		__builtin_trap(); /* the parser checks this */
	if (rp.frame.nbytes > npix_bytes)
		return; /* not that many pixels in the input */
	px = malloc(npx * sizeof *px);
	if (!px)
		return;
	rc = hil_proto_take_frame(&rp.frame, pix, px, npx, err, sizeof err);
	if (rc != AF_OK && rc != AF_EPROTO)
		__builtin_trap();
	if (rc == AF_OK && hil_crc32(0, pix, rp.frame.nbytes) != rp.frame.crc32)
		__builtin_trap();
	free(px);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line;
	const uint8_t *nl;
	size_t len;

	if (size < 2)
		return 0;
	line = (const char *)data + 2;
	nl = memchr(data + 2, '\n', size - 2);
	len = nl ? (size_t)(nl - (data + 2)) : size - 2;
	switch (data[0] % 3) {
	case 0:
		requests(line, len);
		break;
	case 1:
		replies(line, len, (hil_verb)(data[1] % HIL_VERB_COUNT));
		break;
	default:
		frames(line, len, nl ? nl + 1 : data + size, nl ? size - 2 - len - 1 : 0);
		break;
	}
	return 0;
}
