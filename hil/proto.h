/*
 * proto.h - the rig protocol, version 1: the codec (docs/rig-protocol.md).
 *
 * A line-oriented request/response protocol between a bridge (the client,
 * hil/bridge.c) and a rig (its firmware, a small daemon, or the emulator,
 * hil/emul.c).  Every request is one line "<id> <VERB> [args]"; every reply
 * is one line "<id> OK [values]" or "<id> ERR <CODE> <message>" echoing the
 * request's id; a GRAB's OK line is a frame header followed by the raw
 * pixels.  Lines are printable ASCII (0x20..0x7e), tokens separated by one
 * space, at most HIL_PROTO_LINE_MAX bytes before the LF (a CR just before
 * the LF is dropped).
 *
 * This module is pure: it formats and parses lines and checks frames, and
 * does no I/O, keeps no state and never allocates, so it can be fuzzed.
 * Every parse is strict: wrong arity, a number that is not a finite
 * decimal in its range, an unknown verb or code, a bad character or a line
 * too long is an error whose message names the token and what was
 * expected.
 */
#ifndef HIL_PROTO_H
#define HIL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_hal.h"

#define HIL_PROTO_VERSION 1u
/* Longest line, bytes, the LF (and a CR before it) excluded. */
#define HIL_PROTO_LINE_MAX 512
/* Room for a formatted line: the text, LF and NUL. */
#define HIL_PROTO_LINE_BUF (HIL_PROTO_LINE_MAX + 2)
/* Size of the message buffers the parsers fill. */
#define HIL_PROTO_ERR_MAX 256
/* Longest rig name and identity in a HELLO reply. */
#define HIL_PROTO_NAME_MAX 64
#define HIL_PROTO_IDENT_MAX 128
/* Largest frame: 16384 x 16384 pixels and at most this many bytes. */
#define HIL_PROTO_FRAME_DIM_MAX 16384u
#define HIL_PROTO_FRAME_BYTES_MAX ((size_t)64 << 20)
/* Numbers a request or reply may carry. */
#define HIL_PROTO_Z_MAX_UM 1e6           /* |z| and places, um */
#define HIL_PROTO_TEMP_MIN_C (-273.15)
#define HIL_PROTO_TEMP_MAX_C 1000.0
#define HIL_PROTO_TIMEOUT_MAX_MS 600000u /* WAIT_SETTLED(_Z): ten minutes */
#define HIL_PROTO_EXPOSURE_MAX_US 100000000u
#define HIL_PROTO_AGE_MAX_US 3600000000LL /* a frame's age: an hour */

/* X(name): the verbs, one per HAL operation (HELLO first). */
#define HIL_VERB_MAP(X)  \
	X(HELLO)         \
	X(SELECT_LENS)   \
	X(GET_LENS)      \
	X(MOVE_Z)        \
	X(GET_Z)         \
	X(Z_BUSY)        \
	X(WAIT_SETTLED)  \
	X(TEMP)          \
	X(SET_EXPOSURE)  \
	X(GET_EXPOSURE)  \
	X(SET_ROI)       \
	X(GET_ROI)       \
	X(GRAB)          \
	X(PLACE)         \
	X(WAIT_SETTLED_Z)

typedef enum hil_verb {
#define HIL_VERB_ENUM_(name) HIL_##name,
	HIL_VERB_MAP(HIL_VERB_ENUM_)
#undef HIL_VERB_ENUM_
	HIL_VERB_COUNT
} hil_verb;

/* "MOVE_Z" etc.; NULL for a bad value. */
const char *hil_verb_name(hil_verb v);

/*
 * Capabilities a rig announces in its HELLO reply: the optional verbs it
 * answers.  The other verbs are required of every rig.
 */
#define HIL_CAP_BUSY 1u      /* "busy": Z_BUSY */
#define HIL_CAP_EXPOSURE 2u  /* "exposure": SET_EXPOSURE, GET_EXPOSURE */
#define HIL_CAP_ROI 4u       /* "roi": SET_ROI, GET_ROI */
#define HIL_CAP_FRAMES 8u    /* "frames": GRAB (frames over the protocol) */
#define HIL_CAP_PLACE 16u    /* "place": PLACE (puts a place of the specimen under the objective) */
#define HIL_CAP_SETTLED_Z 32u /* "settled_z": WAIT_SETTLED_Z (the settle wait reports the encoder) */
#define HIL_CAP_LAST HIL_CAP_SETTLED_Z   /* the highest bit (for a loop over them all) */

/* The name of one capability bit ("busy"), NULL for anything else. */
const char *hil_cap_name(uint32_t cap);
/* The names of the bits of caps in bit order, sep between them ("," in a
 * HELLO reply), "-" for none, into out: 0, or -1 when size is too small. */
int hil_caps_text(uint32_t caps, const char *sep, char *out, size_t size);
/* The capability a verb needs (0 for a required verb). */
uint32_t hil_verb_cap(hil_verb v);

/*
 * Error codes on the wire: the names of AF_ERRNO_MAP without AF_OK
 * ("ETIMEDOUT", "EHW", ...) and EBUSY (the rig is held by another client),
 * which the bridge reports as AF_ESTATE.  The af_err code of a wire name,
 * or 0 when the name is not a code.
 */
int hil_proto_code(const char *name);

/* A request.  Only the fields of its verb are read or filled. */
typedef struct hil_request {
	uint32_t id;           /* 1..UINT32_MAX; 0 is never a request's */
	hil_verb verb;
	uint32_t version;      /* HELLO: the protocol version the client speaks */
	af_lens lens;          /* SELECT_LENS */
	double z_um;           /* MOVE_Z: target; PLACE: plan position */
	uint32_t timeout_ms;   /* WAIT_SETTLED(_Z): 1..HIL_PROTO_TIMEOUT_MAX_MS */
	uint32_t exposure_us;  /* SET_EXPOSURE: 1..HIL_PROTO_EXPOSURE_MAX_US */
	af_roi roi;            /* SET_ROI */
} hil_request;

/* What a rig says about itself in the HELLO reply. */
typedef struct hil_hello {
	uint32_t version;                      /* protocol version it speaks */
	char name[HIL_PROTO_NAME_MAX + 1];     /* name=...: the rig's name */
	char ident[HIL_PROTO_IDENT_MAX + 1];   /* id=...: model, firmware, serial */
	uint32_t caps;                         /* caps=...: HIL_CAP_* (unknown ones ignored) */
} hil_hello;

/* The header line of a frame; nbytes raw bytes follow it. */
typedef struct hil_frame_header {
	uint32_t width, height, bit_depth;
	uint64_t seq;          /* the camera's frame counter */
	int64_t age_us;        /* from mid-exposure to the sending of the header */
	size_t nbytes;         /* width * height * 2: little-endian u16 pixels */
	uint32_t crc32;        /* hil_crc32 of the nbytes */
} hil_frame_header;

/* A reply.  code AF_OK: the values of the request's verb are filled;
 * otherwise code_name and message say what the rig reported. */
typedef struct hil_reply {
	uint32_t id;           /* 0: not tied to a request (busy, unreadable request) */
	int code;              /* AF_OK or an af_err */
	char code_name[16];    /* ERR: the code as sent ("EBUSY") */
	char message[HIL_PROTO_LINE_MAX + 1];   /* ERR: the message */
	hil_hello hello;       /* HELLO */
	af_lens lens;          /* GET_LENS */
	double z_um;           /* GET_Z, WAIT_SETTLED_Z */
	bool busy;             /* Z_BUSY */
	double temp_c;         /* TEMP */
	uint32_t exposure_us;  /* GET_EXPOSURE */
	af_roi roi;            /* GET_ROI */
	hil_frame_header frame;  /* GRAB */
} hil_reply;

/*
 * Format a request as a line with its LF into buf (size bytes, NUL added).
 * Numbers go out in fixed notation (z with 6 decimals) so a rig needs no
 * exponent parsing.  Returns the length without the NUL, or AF_EINVAL when
 * a field is out of its range (a NaN z, a zero id) or the line does not fit.
 */
int hil_proto_format_request(const hil_request *rq, char *buf, size_t size);

/*
 * Parse one request line (line[0..len), without its LF; a trailing CR is
 * dropped).  AF_OK and *out, or AF_EPROTO with err (errlen bytes) saying
 * what is wrong; out->id is then the line's id when it could be read, else
 * 0, so a rig can answer "<id> ERR EPROTO <err>".
 */
int hil_proto_parse_request(const char *line, size_t len, hil_request *out, char *err,
			    size_t errlen);

/*
 * Format the OK reply to a request of verb v from rp (id and the verb's
 * values) into buf with its LF.  Length, or AF_EINVAL (bad value, no room).
 */
int hil_proto_format_reply(hil_verb v, const hil_reply *rp, char *buf, size_t size);

/*
 * Format "<id> ERR <CODE> <message>" with its LF: code an af_err (or
 * HIL_PROTO_EBUSY); the message is cut to fit the line and characters
 * outside 0x20..0x7e become '?' (an empty message becomes the code's
 * af_strerror).  Length, or AF_EINVAL for a code that is not an error.
 */
int hil_proto_format_error(uint32_t id, int code, const char *message, char *buf, size_t size);

/* The wire code EBUSY as an argument of hil_proto_format_error (on the
 * bridge's side it becomes AF_ESTATE). */
#define HIL_PROTO_EBUSY 1000

/*
 * Parse one reply line to a request of verb v.  AF_OK when the line is a
 * well-formed reply, OK or ERR (see out->code); AF_EPROTO with err saying
 * what is wrong when it is not (garbled, wrong arity, bad number, unknown
 * code).  The id is not compared here: the caller knows which it awaits.
 */
int hil_proto_parse_reply(const char *line, size_t len, hil_verb v, hil_reply *out, char *err,
			  size_t errlen);

/* The id of a reply line (its first word, 0..UINT32_MAX, no leading
 * zero), whatever follows: 0 and *id, or -1 when the line has none.  A
 * client uses it to tell a late reply to an earlier request from a reply
 * to the one it awaits before parsing the values. */
int hil_proto_reply_id(const char *line, size_t len, uint32_t *id);

/* CRC-32 (IEEE 802.3, as zlib's crc32: reflected polynomial 0xEDB88320,
 * initial and final XOR 0xFFFFFFFF) of data[0..n) continuing from crc
 * (0 to start).  hil_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t hil_crc32(uint32_t crc, const void *data, size_t n);

/* Write n pixels as little-endian u16 bytes into out (2n bytes). */
void hil_proto_put_pixels(const uint16_t *px, size_t n, uint8_t *out);

/*
 * Check the bytes that followed header h (h->nbytes of them): the CRC-32
 * matches and no pixel exceeds the bit depth; then decode them into px
 * (capacity_px pixels, at least width * height).  AF_OK, AF_EPROTO (the
 * message says which check failed) or AF_EINVAL (px too small).
 */
int hil_proto_take_frame(const hil_frame_header *h, const uint8_t *bytes, uint16_t *px,
			 size_t capacity_px, char *err, size_t errlen);

#endif /* HIL_PROTO_H */
