/*
 * af_rec_wire.h - the field log's wire format (docs/field-log.md): record
 * and op codes, the little-endian codec, CRC-32C, the frame digest, the
 * pixel codec and the codecs of the engine's configuration and results.
 *
 * Shared by the flight recorder (af_rec.c, which writes) and the log reader
 * (field/, which reads), so the two can never disagree on a byte.  Every
 * value is stored little-endian with no padding, doubles as their IEEE-754
 * bits, so a log reads the same on every host.
 *
 * Writers (af_log_put_*) append to a caller-owned buffer of fixed capacity
 * and never allocate; past the capacity they set `overflow` and drop the
 * rest.  Readers (af_log_get_*) consume from a byte range and set `bad` on
 * the first short read or invalid value; every later read then returns
 * zeros, so a decoder checks `bad` once at the end.
 */
#ifndef AF_REC_WIRE_H
#define AF_REC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "af_engine.h"

/* The first 8 bytes of a log, then the format version as a u32.  The
 * recorder writes AF_LOG_VERSION; a reader reads every version from
 * AF_LOG_VERSION_MIN on.  Version 2 added the wait_settled_z call (and its
 * optional-op bit); a version 1 log is version 2 without them. */
#define AF_LOG_MAGIC "\x89" "AFLOG\r\n"
#define AF_LOG_MAGIC_LEN 8
#define AF_LOG_VERSION 2u
#define AF_LOG_VERSION_MIN 1u
/* A record: u32 payload length, u16 type, u16 reserved (0), the payload,
 * u32 CRC-32C of the length, type, reserved and payload. */
#define AF_LOG_REC_HEAD 8
#define AF_LOG_REC_TAIL 4
/* Largest payload a reader accepts (a 4096 x 4096 frame fits). */
#define AF_LOG_PAYLOAD_MAX ((uint32_t)64 << 20)
/* Longest message or name stored (bytes; longer ones are cut). */
#define AF_LOG_STR_MAX 255

/* Record types. */
#define AF_LOG_REC_MAP(X)                                                    \
	X(HEADER, 1, "header")                                               \
	X(OP_BEGIN, 2, "op_begin")                                           \
	X(OP_END, 3, "op_end")                                               \
	X(CALL, 4, "call")                                                   \
	X(SCORE, 5, "score")                                                 \
	X(PIXELS, 6, "pixels")                                               \
	X(END, 7, "end")

enum af_log_rec {
#define AF_LOG_REC_ENUM_(name, code, str) AF_LOG_##name = (code),
	AF_LOG_REC_MAP(AF_LOG_REC_ENUM_)
#undef AF_LOG_REC_ENUM_
};
/* "call" etc.; NULL for an unknown type. */
const char *af_log_rec_name(int type);

/* Engine operations (op 0 is always NEW: the engine's creation). */
#define AF_LOG_OP_MAP(X)                                                     \
	X(NEW, 1, "new")                                                     \
	X(HANDOFF, 2, "handoff")                                             \
	X(AUTOFOCUS, 3, "autofocus")                                         \
	X(CALIBRATE, 4, "calibrate")                                         \
	X(GOTO, 5, "goto")                                                   \
	X(TICK, 6, "tick")                                                   \
	X(SET_LEVEL, 7, "set_level")                                         \
	X(SET_THERMAL, 8, "set_thermal")

enum af_log_op {
#define AF_LOG_OP_ENUM_(name, code, str) AF_LOG_OP_##name = (code),
	AF_LOG_OP_MAP(AF_LOG_OP_ENUM_)
#undef AF_LOG_OP_ENUM_
};
const char *af_log_op_name(int kind);

/* Calls that cross the boundary: the HAL's ops and the calibration's site
 * callback (SITE: the outside world placing a site under the objective). */
#define AF_LOG_CALL_MAP(X)                                                   \
	X(SELECT_LENS, 1, "select_lens")                                     \
	X(GET_LENS, 2, "get_lens")                                           \
	X(MOVE_Z, 3, "move_z")                                               \
	X(GET_Z, 4, "get_z")                                                 \
	X(WAIT_SETTLED, 5, "wait_settled")                                   \
	X(GRAB_FRAME, 6, "grab_frame")                                       \
	X(READ_TEMPERATURE, 7, "read_temperature")                           \
	X(NOW_US, 8, "now_us")                                               \
	X(SLEEP_US, 9, "sleep_us")                                           \
	X(SET_EXPOSURE_US, 10, "set_exposure_us")                            \
	X(GET_EXPOSURE_US, 11, "get_exposure_us")                            \
	X(SET_ROI, 12, "set_roi")                                            \
	X(GET_ROI, 13, "get_roi")                                            \
	X(Z_BUSY, 14, "z_busy")                                              \
	X(SITE, 15, "site")                                                  \
	X(WAIT_SETTLED_Z, 16, "wait_settled_z")

enum af_log_call {
#define AF_LOG_CALL_ENUM_(name, code, str) AF_LOG_CALL_##name = (code),
	AF_LOG_CALL_MAP(AF_LOG_CALL_ENUM_)
#undef AF_LOG_CALL_ENUM_
};
const char *af_log_call_name(int op);

/* Optional HAL ops the recorded HAL had (header bit set). */
#define AF_LOG_HAS_SET_EXPOSURE 1u
#define AF_LOG_HAS_GET_EXPOSURE 2u
#define AF_LOG_HAS_SET_ROI 4u
#define AF_LOG_HAS_GET_ROI 8u
#define AF_LOG_HAS_Z_BUSY 16u
#define AF_LOG_HAS_WAIT_SETTLED_Z 32u    /* version 2 on */
#define AF_LOG_HAS_ALL 63u

/* Header flags. */
#define AF_LOG_FLAG_STAMPS 1u   /* calls carry the HAL clock before and after */

/* Where a frame's pixels are (the px byte of a grab_frame call). */
#define AF_LOG_PX_NONE 0        /* not kept (the recorder keeps none) */
#define AF_LOG_PX_INLINE 1      /* in the call record, encoded */
#define AF_LOG_PX_HELD 2        /* held by the recorder: a PIXELS record
				 * follows later if they were kept */
#define AF_LOG_PX_TOO_LARGE 3   /* larger than the recorder's buffers */

/* Pixel encodings. */
#define AF_LOG_ENC_MED 1        /* MED prediction, zigzag, adaptive Rice code */

/* --- writer ----------------------------------------------------------- */

typedef struct af_log_wbuf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
} af_log_wbuf;

void af_log_put_u8(af_log_wbuf *w, uint8_t v);
void af_log_put_u16(af_log_wbuf *w, uint16_t v);
void af_log_put_u32(af_log_wbuf *w, uint32_t v);
void af_log_put_u64(af_log_wbuf *w, uint64_t v);
void af_log_put_i32(af_log_wbuf *w, int32_t v);
void af_log_put_i64(af_log_wbuf *w, int64_t v);
void af_log_put_f64(af_log_wbuf *w, double v);
void af_log_put_bool(af_log_wbuf *w, bool v);
/* u16 length, then the bytes (s NULL or longer than AF_LOG_STR_MAX: cut). */
void af_log_put_str(af_log_wbuf *w, const char *s);
void af_log_put_bytes(af_log_wbuf *w, const void *b, size_t n);

/* Start a record of `type` at w->len (leaves room for the head). */
size_t af_log_rec_open(af_log_wbuf *w, int type);
/* Close the record started at `at`: length, CRC.  false on overflow. */
bool af_log_rec_close(af_log_wbuf *w, size_t at);

/* --- reader ----------------------------------------------------------- */

typedef struct af_log_rbuf {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
} af_log_rbuf;

uint8_t af_log_get_u8(af_log_rbuf *r);
uint16_t af_log_get_u16(af_log_rbuf *r);
uint32_t af_log_get_u32(af_log_rbuf *r);
uint64_t af_log_get_u64(af_log_rbuf *r);
int32_t af_log_get_i32(af_log_rbuf *r);
int64_t af_log_get_i64(af_log_rbuf *r);
double af_log_get_f64(af_log_rbuf *r);
/* A u8 that must be 0 or 1. */
bool af_log_get_bool(af_log_rbuf *r);
/* A string: *s points into the buffer (not NUL-terminated), *n bytes. */
void af_log_get_str(af_log_rbuf *r, const char **s, size_t *n);
/* A string copied into dst (cap >= 1 bytes, NUL-terminated, cut to fit). */
void af_log_get_strbuf(af_log_rbuf *r, char *dst, size_t cap);
/* n bytes: a pointer into the buffer (NULL when short). */
const uint8_t *af_log_get_bytes(af_log_rbuf *r, size_t n);

/* --- checksums and digests ------------------------------------------- */

/* CRC-32C (Castagnoli), reflected, init and final xor 0xffffffff:
 * af_log_crc32c(0, "123456789", 9) == 0xe3069283.  crc chains calls. */
uint32_t af_log_crc32c(uint32_t crc, const void *data, size_t n);
/* Digest of n pixels: the same function as the simulator's frame digest
 * (sim_digest_u16), so a log's frames can be matched with a simulation's. */
uint64_t af_log_digest_u16(const uint16_t *px, size_t n);

/* --- pixels ------------------------------------------------------------ */

/* Bytes af_log_px_encode may need for n pixels (at most 41 bits each). */
#define AF_LOG_PX_BOUND(n) ((size_t)(n) * 6 + 8)
/*
 * Encode w x h pixels (row-major) with AF_LOG_ENC_MED into out (at least
 * AF_LOG_PX_BOUND(w * h) bytes); returns the bytes written.  Each pixel is
 * predicted from its left (a), upper (b) and upper-left (c) neighbours by
 * the median edge detector of LOCO-I (min(a,b) if c >= max(a,b), max(a,b)
 * if c <= min(a,b), else a + b - c; the first row predicts from the left,
 * the first column from above, the first pixel is predicted 0); the
 * residual d is zigzag-mapped (u = 2d for d >= 0, -2d - 1 otherwise) and
 * Rice-coded with an adaptive parameter (docs/field-log.md has the
 * details).
 */
size_t af_log_px_encode(const uint16_t *px, uint32_t w, uint32_t h, uint8_t *out);
/* Decode exactly n bytes into w x h pixels: 0, or -1 on a short, long or
 * out-of-range stream. */
int af_log_px_decode(const uint8_t *in, size_t n, uint32_t w, uint32_t h, uint16_t *px);

/* --- engine configuration and results ------------------------------- */

typedef enum af_log_ftype { AF_LOG_T_F64, AF_LOG_T_U32, AF_LOG_T_SIZE, AF_LOG_T_BOOL,
			    AF_LOG_T_ENUM } af_log_ftype;

/* One field of af_engine_config: its name (the scenario's engine key path,
 * e.g. "search.lens_b.fast.points"), offset and type. */
typedef struct af_log_field {
	const char *name;
	size_t offset;
	af_log_ftype type;
} af_log_field;

/* Every field of af_engine_config, in the order a log stores them. */
const af_log_field *af_log_config_fields(size_t *n);
/* Size of a field of that type in the struct. */
size_t af_log_ftype_size(af_log_ftype t);

void af_log_put_config(af_log_wbuf *w, const af_engine_config *c);
/* Decode into *c (zeroed first); sets r->bad on a short or invalid field. */
void af_log_get_config(af_log_rbuf *r, af_engine_config *c);

void af_log_put_handoff(af_log_wbuf *w, const af_handoff_result *h);
void af_log_get_handoff(af_log_rbuf *r, af_handoff_result *h);
void af_log_put_focus(af_log_wbuf *w, const af_focus_result *f);
void af_log_get_focus(af_log_rbuf *r, af_focus_result *f);
void af_log_put_calib(af_log_wbuf *w, const af_calib_report *c);
void af_log_get_calib(af_log_rbuf *r, af_calib_report *c);

#endif /* AF_REC_WIRE_H */
