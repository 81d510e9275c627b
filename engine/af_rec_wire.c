/*
 * af_rec_wire.c - the field log's wire format (see af_rec_wire.h and
 * docs/field-log.md).
 *
 * Design notes.  Values are assembled byte by byte, never by copying
 * structs, so the format does not depend on the host's byte order or
 * padding.  The configuration is stored field by field from one table
 * (config_fields) whose names are the scenario's engine keys: the reader
 * decodes with the same table, `afsim replay --engine-set` finds a key's
 * place with it, and the dump prints it.  The pixel codec trades ratio for
 * simplicity: LOCO-I's prediction and an adaptive Rice code, about sixty
 * lines each way, and a damaged stream cannot make the decoder run away (a
 * pixel takes at most 41 bits).
 */
#include "af_rec_wire.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* --- names ------------------------------------------------------------ */

const char *af_log_rec_name(int type)
{
	switch (type) {
#define AF_LOG_REC_STR_(name, code, str) case (code): return (str);
		AF_LOG_REC_MAP(AF_LOG_REC_STR_)
#undef AF_LOG_REC_STR_
	}
	return NULL;
}

const char *af_log_op_name(int kind)
{
	switch (kind) {
#define AF_LOG_OP_STR_(name, code, str) case (code): return (str);
		AF_LOG_OP_MAP(AF_LOG_OP_STR_)
#undef AF_LOG_OP_STR_
	}
	return NULL;
}

const char *af_log_call_name(int op)
{
	switch (op) {
#define AF_LOG_CALL_STR_(name, code, str) case (code): return (str);
		AF_LOG_CALL_MAP(AF_LOG_CALL_STR_)
#undef AF_LOG_CALL_STR_
	}
	return NULL;
}

/* --- writer ----------------------------------------------------------- */

static void put_le(af_log_wbuf *w, uint64_t v, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

void af_log_put_u8(af_log_wbuf *w, uint8_t v) { put_le(w, v, 1); }
void af_log_put_u16(af_log_wbuf *w, uint16_t v) { put_le(w, v, 2); }
void af_log_put_u32(af_log_wbuf *w, uint32_t v) { put_le(w, v, 4); }
void af_log_put_u64(af_log_wbuf *w, uint64_t v) { put_le(w, v, 8); }
void af_log_put_i32(af_log_wbuf *w, int32_t v) { put_le(w, (uint32_t)v, 4); }
void af_log_put_i64(af_log_wbuf *w, int64_t v) { put_le(w, (uint64_t)v, 8); }
void af_log_put_bool(af_log_wbuf *w, bool v) { put_le(w, v ? 1u : 0u, 1); }

void af_log_put_f64(af_log_wbuf *w, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	put_le(w, u, 8);
}

void af_log_put_bytes(af_log_wbuf *w, const void *b, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

void af_log_put_str(af_log_wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > AF_LOG_STR_MAX)
		n = AF_LOG_STR_MAX;
	af_log_put_u16(w, (uint16_t)n);
	af_log_put_bytes(w, s, n);
}

size_t af_log_rec_open(af_log_wbuf *w, int type)
{
	size_t at = w->len;

	af_log_put_u32(w, 0);   /* length, set by af_log_rec_close */
	af_log_put_u16(w, (uint16_t)type);
	af_log_put_u16(w, 0);
	return at;
}

bool af_log_rec_close(af_log_wbuf *w, size_t at)
{
	size_t n;
	uint32_t crc;

	if (w->overflow || w->len - at < AF_LOG_REC_HEAD)
		return false;
	n = w->len - at - AF_LOG_REC_HEAD;
	if (n > AF_LOG_PAYLOAD_MAX) {
		w->overflow = true;
		return false;
	}
	for (size_t i = 0; i < 4; i++)
		w->p[at + i] = (uint8_t)(n >> (8 * i));
	crc = af_log_crc32c(0, w->p + at, w->len - at);
	af_log_put_u32(w, crc);
	return !w->overflow;
}

/* --- reader ----------------------------------------------------------- */

static uint64_t get_le(af_log_rbuf *r, size_t n)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->pos + i] << (8 * i);
	r->pos += n;
	return v;
}

uint8_t af_log_get_u8(af_log_rbuf *r) { return (uint8_t)get_le(r, 1); }
uint16_t af_log_get_u16(af_log_rbuf *r) { return (uint16_t)get_le(r, 2); }
uint32_t af_log_get_u32(af_log_rbuf *r) { return (uint32_t)get_le(r, 4); }
uint64_t af_log_get_u64(af_log_rbuf *r) { return get_le(r, 8); }

int32_t af_log_get_i32(af_log_rbuf *r)
{
	uint32_t u = (uint32_t)get_le(r, 4);
	int32_t v;

	memcpy(&v, &u, sizeof v);
	return v;
}

int64_t af_log_get_i64(af_log_rbuf *r)
{
	uint64_t u = get_le(r, 8);
	int64_t v;

	memcpy(&v, &u, sizeof v);
	return v;
}

double af_log_get_f64(af_log_rbuf *r)
{
	uint64_t u = get_le(r, 8);
	double v;

	memcpy(&v, &u, sizeof v);
	return v;
}

bool af_log_get_bool(af_log_rbuf *r)
{
	uint8_t v = (uint8_t)get_le(r, 1);

	if (v > 1)
		r->bad = true;
	return v == 1;
}

const uint8_t *af_log_get_bytes(af_log_rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

void af_log_get_str(af_log_rbuf *r, const char **s, size_t *n)
{
	size_t len = af_log_get_u16(r);
	const uint8_t *p = af_log_get_bytes(r, len);

	*s = p ? (const char *)p : "";
	*n = p ? len : 0;
}

void af_log_get_strbuf(af_log_rbuf *r, char *dst, size_t cap)
{
	const char *s;
	size_t n;

	af_log_get_str(r, &s, &n);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* --- checksums and digests ------------------------------------------- */

static const uint32_t crc32c_table[256] = {
	0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
	0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
	0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
	0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
	0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
	0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
	0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
	0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
	0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
	0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
	0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
	0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
	0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
	0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
	0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
	0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
	0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
	0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
	0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
	0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
	0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
	0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
	0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
	0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
	0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
	0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
	0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
	0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
	0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
	0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
	0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
	0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
	0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
	0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
	0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
	0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
	0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
	0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
	0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
	0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
	0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
	0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
	0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

uint32_t af_log_crc32c(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc32c_table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
	return ~crc;
}

/* Kept identical to sim_digest_u16 (kernel/trace.c); the engine may not
 * include the simulator, and a test checks the two agree. */
uint64_t af_log_digest_u16(const uint16_t *px, size_t n)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)n;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		uint64_t w = (uint64_t)px[i] | (uint64_t)px[i + 1] << 16 |
			     (uint64_t)px[i + 2] << 32 | (uint64_t)px[i + 3] << 48;
		h ^= w;
		h *= UINT64_C(0xbf58476d1ce4e5b9);
		h ^= h >> 29;
	}
	for (; i < n; i++) {
		h ^= px[i];
		h *= UINT64_C(0x94d049bb133111eb);
		h ^= h >> 31;
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

/* --- pixels ------------------------------------------------------------ */

static int32_t med(int32_t a, int32_t b, int32_t c)
{
	int32_t lo = a < b ? a : b, hi = a < b ? b : a;

	if (c >= hi)
		return lo;
	if (c <= lo)
		return hi;
	return a + b - c;
}

static int32_t predict_px(const uint16_t *px, uint32_t w, uint32_t x, uint32_t y)
{
	size_t i = (size_t)y * w + x;

	if (y == 0)
		return x == 0 ? 0 : px[i - 1];
	if (x == 0)
		return px[i - w];
	return med(px[i - 1], px[i - w], px[i - w - 1]);
}

/*
 * Adaptive Rice coding of the zigzagged residuals (the LOCO-I scheme): k is
 * the smallest shift with N << k >= A, where A sums the recent residuals
 * and N counts them (both halved every RICE_RESET pixels, so k follows the
 * image).  A residual u is written as q = u >> k in unary (q ones and a
 * zero) and the k low bits; q >= RICE_QMAX is written as RICE_QMAX ones and
 * u in 17 bits.  Bits go most significant first; the last byte is padded
 * with zeros.
 */
#define RICE_QMAX 24u
#define RICE_RAW 17u
#define RICE_RESET 64u

typedef struct rice {
	uint32_t a, n;
	unsigned k;
} rice;

/* The smallest k with n << k >= a; k moves little from pixel to pixel, so
 * start from the last one. */
static unsigned rice_k(rice *c)
{
	unsigned k = c->k;

	while (k < 16 && ((uint64_t)c->n << k) < c->a)
		k++;
	while (k > 0 && ((uint64_t)c->n << (k - 1)) >= c->a)
		k--;
	c->k = k;
	return k;
}

static void rice_update(rice *c, uint32_t u)
{
	c->a += u;
	if (++c->n == RICE_RESET) {
		c->a >>= 1;
		c->n >>= 1;
	}
}

/* Leading ones of the top `max` bits of v (max <= 64). */
static unsigned leading_ones(uint64_t v, unsigned max)
{
#if defined(__GNUC__)
	unsigned n = ~v ? (unsigned)__builtin_clzll(~v) : 64u;

	return n < max ? n : max;
#else
	unsigned n = 0;

	while (n < max && (v >> (63 - n) & 1u))
		n++;
	return n;
#endif
}

size_t af_log_px_encode(const uint16_t *px, uint32_t w, uint32_t h, uint8_t *out)
{
	rice c = { 32, 1, 0 };
	uint64_t acc = 0;     /* pending bits, the oldest highest */
	unsigned bits = 0;    /* how many */
	size_t n = 0;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			int32_t d = (int32_t)px[(size_t)y * w + x] - predict_px(px, w, x, y);
			uint32_t u = d >= 0 ? (uint32_t)d << 1 : ((uint32_t)(-d) << 1) - 1u;
			unsigned k = rice_k(&c);
			uint32_t q = u >> k;
			uint64_t code;
			unsigned len;

			if (q < RICE_QMAX) {
				/* q ones, a zero, the k low bits */
				code = ((((uint64_t)1 << q) - 1u) << 1 << k) | (u & ((1u << k) - 1u));
				len = q + 1 + k;
			} else {
				code = ((((uint64_t)1 << RICE_QMAX) - 1u) << RICE_RAW) | u;
				len = RICE_QMAX + RICE_RAW;
			}
			acc = acc << len | code;
			bits += len;
			while (bits >= 8) {
				bits -= 8;
				out[n++] = (uint8_t)(acc >> bits);
			}
			rice_update(&c, u);
		}
	if (bits)
		out[n++] = (uint8_t)(acc << (8 - bits));
	return n;
}

int af_log_px_decode(const uint8_t *in, size_t n, uint32_t w, uint32_t h, uint16_t *px)
{
	rice c = { 32, 1, 0 };
	uint64_t acc = 0;     /* the next bits, left-aligned */
	unsigned avail = 0;   /* valid bits in acc */
	size_t pos = 0;       /* next byte to load (past n: zeros, counted) */
	uint64_t used = 0;    /* bits consumed */

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			unsigned k = rice_k(&c), q;
			uint32_t u;
			int32_t d, v;

			while (avail <= 56) {
				acc |= (uint64_t)(pos < n ? in[pos] : 0) << (56 - avail);
				pos++;
				avail += 8;
			}
			q = leading_ones(acc, RICE_QMAX);
			if (q < RICE_QMAX) {
				acc <<= q + 1;
				u = (uint32_t)(k ? acc >> (64 - k) : 0) | q << k;
				acc <<= k;
				avail -= q + 1 + k;
				used += q + 1 + k;
			} else {
				acc <<= RICE_QMAX;
				u = (uint32_t)(acc >> (64 - RICE_RAW));
				acc <<= RICE_RAW;
				avail -= RICE_QMAX + RICE_RAW;
				used += RICE_QMAX + RICE_RAW;
			}
			if (used > (uint64_t)n * 8 || u > 0x1ffffu)
				return -1;
			d = (u & 1u) ? -(int32_t)((u + 1u) >> 1) : (int32_t)(u >> 1);
			v = predict_px(px, w, x, y) + d;
			if (v < 0 || v > 0xffff)
				return -1;
			px[(size_t)y * w + x] = (uint16_t)v;
			rice_update(&c, u);
		}
	/* the padding: zeros to the end of the last byte, and nothing after */
	if ((used + 7) / 8 != n)
		return -1;
	if (used % 8 && (in[n - 1] & ((1u << (8 - used % 8)) - 1u)))
		return -1;
	return 0;
}

/* --- configuration ---------------------------------------------------- */

#define CF(name, member, type) { name, offsetof(af_engine_config, member), type }

/* The fields of one af_search_params at `member`, keys under `prefix`. */
#define PARAMS(prefix, member)                                                          \
	CF(prefix ".mode", member.mode, AF_LOG_T_ENUM),                                 \
	CF(prefix ".confirm", member.confirm, AF_LOG_T_BOOL),                           \
	CF(prefix ".land_tol_um", member.land_tol_um, AF_LOG_T_F64),                    \
	CF(prefix ".measure", member.measure, AF_LOG_T_ENUM),                           \
	CF(prefix ".stride", member.stride, AF_LOG_T_U32),                              \
	CF(prefix ".points", member.points, AF_LOG_T_U32),                              \
	CF(prefix ".step_um", member.step_um, AF_LOG_T_F64),                            \
	CF(prefix ".refine_points", member.refine_points, AF_LOG_T_U32),                \
	CF(prefix ".refine_step_um", member.refine_step_um, AF_LOG_T_F64),              \
	CF(prefix ".range_um", member.range_um, AF_LOG_T_F64),                          \
	CF(prefix ".max_frames", member.max_frames, AF_LOG_T_U32),                      \
	CF(prefix ".fit", member.fit, AF_LOG_T_ENUM),                                   \
	CF(prefix ".fit_window", member.fit_window, AF_LOG_T_U32),                      \
	CF(prefix ".min_contrast", member.min_contrast, AF_LOG_T_F64),                  \
	CF(prefix ".extrapolate_um", member.extrapolate_um, AF_LOG_T_F64)

static const af_log_field config_fields[] = {
	CF("optimization", level, AF_LOG_T_ENUM),
	PARAMS("search.lens_a.ultra_fast", search[AF_LENS_A][AF_LEVEL_ULTRA_FAST]),
	PARAMS("search.lens_a.fast", search[AF_LENS_A][AF_LEVEL_FAST]),
	PARAMS("search.lens_a.standard", search[AF_LENS_A][AF_LEVEL_STANDARD]),
	PARAMS("search.lens_b.ultra_fast", search[AF_LENS_B][AF_LEVEL_ULTRA_FAST]),
	PARAMS("search.lens_b.fast", search[AF_LENS_B][AF_LEVEL_FAST]),
	PARAMS("search.lens_b.standard", search[AF_LENS_B][AF_LEVEL_STANDARD]),
	CF("curve_width_um.lens_a", curve_width_um[AF_LENS_A], AF_LOG_T_F64),
	CF("curve_width_um.lens_b", curve_width_um[AF_LENS_B], AF_LOG_T_F64),
	PARAMS("search.lens_a.wide", wide[AF_LENS_A]),
	PARAMS("search.lens_b.wide", wide[AF_LENS_B]),
	CF("mapping.model", mapping_model, AF_LOG_T_ENUM),
	CF("thermal_compensation", thermal_compensation, AF_LOG_T_BOOL),
	CF("thermal.tau_fast_s", thermal.tau_fast_s, AF_LOG_T_F64),
	CF("thermal.tau_slow_s", thermal.tau_slow_s, AF_LOG_T_F64),
	CF("thermal.fast_weight", thermal.fast_weight, AF_LOG_T_F64),
	CF("thermal.glitch_band_c", thermal.glitch_band_c, AF_LOG_T_F64),
	CF("thermal.max_rate_c_per_s", thermal.max_rate_c_per_s, AF_LOG_T_F64),
	CF("thermal.glitch_persist_s", thermal.glitch_persist_s, AF_LOG_T_F64),
	CF("prior_tc_a_um_per_c", prior_tc_a_um_per_c, AF_LOG_T_F64),
	CF("prior_tc_b_um_per_c", prior_tc_b_um_per_c, AF_LOG_T_F64),
	CF("mapping_limit_um", mapping_limit_um, AF_LOG_T_F64),
	CF("validation_retries", validation_retries, AF_LOG_T_U32),
	CF("validation_min_ratio", validation_min_ratio, AF_LOG_T_F64),
	CF("nominal_offset_um", nominal_offset_um, AF_LOG_T_F64),
	CF("refine_offset", refine_offset, AF_LOG_T_BOOL),
	CF("refine_window", refine_window, AF_LOG_T_U32),
	CF("cache.size", cache_size, AF_LOG_T_SIZE),
	CF("cache.hit_threshold_um", cache_hit_threshold_um, AF_LOG_T_F64),
	CF("cache.temp_bound_c", cache_temp_bound_c, AF_LOG_T_F64),
	CF("backlash_um", backlash_um, AF_LOG_T_F64),
	CF("settle_timeout_ms", settle_timeout_ms, AF_LOG_T_U32),
	CF("overlap.ultra_fast", overlap[AF_LEVEL_ULTRA_FAST], AF_LOG_T_BOOL),
	CF("overlap.fast", overlap[AF_LEVEL_FAST], AF_LOG_T_BOOL),
	CF("overlap.standard", overlap[AF_LEVEL_STANDARD], AF_LOG_T_BOOL),
	CF("verify_position.ultra_fast", verify_position[AF_LEVEL_ULTRA_FAST], AF_LOG_T_BOOL),
	CF("verify_position.fast", verify_position[AF_LEVEL_FAST], AF_LOG_T_BOOL),
	CF("verify_position.standard", verify_position[AF_LEVEL_STANDARD], AF_LOG_T_BOOL),
	CF("position_tol_um", position_tol_um, AF_LOG_T_F64),
	CF("exposure_us.ultra_fast", exposure_us[AF_LEVEL_ULTRA_FAST], AF_LOG_T_U32),
	CF("exposure_us.fast", exposure_us[AF_LEVEL_FAST], AF_LOG_T_U32),
	CF("exposure_us.standard", exposure_us[AF_LEVEL_STANDARD], AF_LOG_T_U32),
	CF("z_min_um", z_min_um, AF_LOG_T_F64),
	CF("z_max_um", z_max_um, AF_LOG_T_F64),
	CF("stats_window", stats_window, AF_LOG_T_SIZE),
};

const af_log_field *af_log_config_fields(size_t *n)
{
	*n = sizeof config_fields / sizeof config_fields[0];
	return config_fields;
}

size_t af_log_ftype_size(af_log_ftype t)
{
	switch (t) {
	case AF_LOG_T_F64: return sizeof(double);
	case AF_LOG_T_U32: return sizeof(uint32_t);
	case AF_LOG_T_SIZE: return sizeof(size_t);
	case AF_LOG_T_BOOL: return sizeof(bool);
	case AF_LOG_T_ENUM: return sizeof(int);
	}
	return 0;
}

/* Enums are stored as i32 (every enum of the config is an int-sized
 * enumeration: checked where the table is tested). */
void af_log_put_config(af_log_wbuf *w, const af_engine_config *c)
{
	const unsigned char *base = (const unsigned char *)c;
	size_t n;
	const af_log_field *f = af_log_config_fields(&n);

	af_log_put_u16(w, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		const void *p = base + f[i].offset;
		double d;
		uint32_t u;
		size_t z;
		bool b;
		int e;

		switch (f[i].type) {
		case AF_LOG_T_F64: memcpy(&d, p, sizeof d); af_log_put_f64(w, d); break;
		case AF_LOG_T_U32: memcpy(&u, p, sizeof u); af_log_put_u32(w, u); break;
		case AF_LOG_T_SIZE: memcpy(&z, p, sizeof z); af_log_put_u64(w, z); break;
		case AF_LOG_T_BOOL: memcpy(&b, p, sizeof b); af_log_put_bool(w, b); break;
		case AF_LOG_T_ENUM: memcpy(&e, p, sizeof e); af_log_put_i32(w, e); break;
		}
	}
}

void af_log_get_config(af_log_rbuf *r, af_engine_config *c)
{
	unsigned char *base = (unsigned char *)c;
	size_t n;
	const af_log_field *f = af_log_config_fields(&n);

	memset(c, 0, sizeof *c);
	if (af_log_get_u16(r) != n) {
		r->bad = true;
		return;
	}
	for (size_t i = 0; i < n && !r->bad; i++) {
		void *p = base + f[i].offset;
		double d;
		uint32_t u;
		uint64_t z;
		size_t zs;
		bool b;
		int e;

		switch (f[i].type) {
		case AF_LOG_T_F64: d = af_log_get_f64(r); memcpy(p, &d, sizeof d); break;
		case AF_LOG_T_U32: u = af_log_get_u32(r); memcpy(p, &u, sizeof u); break;
		case AF_LOG_T_SIZE:
			z = af_log_get_u64(r);
#if SIZE_MAX < UINT64_MAX
			if (z > SIZE_MAX)
				r->bad = true;
#endif
			zs = (size_t)z;
			memcpy(p, &zs, sizeof zs);
			break;
		case AF_LOG_T_BOOL: b = af_log_get_bool(r); memcpy(p, &b, sizeof b); break;
		case AF_LOG_T_ENUM: e = af_log_get_i32(r); memcpy(p, &e, sizeof e); break;
		}
	}
}

/* --- results ------------------------------------------------------------ */

void af_log_put_handoff(af_log_wbuf *w, const af_handoff_result *h)
{
	af_log_put_bool(w, h->success);
	af_log_put_i32(w, h->error);
	af_log_put_i32(w, (int32_t)h->from);
	af_log_put_i32(w, (int32_t)h->to);
	af_log_put_f64(w, h->src_um);
	af_log_put_f64(w, h->predicted_um);
	af_log_put_f64(w, h->found_um);
	af_log_put_f64(w, h->mapping_error_um);
	af_log_put_u8(w, AF_PHASE_COUNT);
	for (int p = 0; p < AF_PHASE_COUNT; p++)
		af_log_put_f64(w, h->phase_ms[p]);
	af_log_put_u32(w, h->frames);
	af_log_put_u32(w, h->retries);
	af_log_put_bool(w, h->cache_hit);
	af_log_put_f64(w, h->temp_c);
	af_log_put_f64(w, h->temp_eff_c);
	af_log_put_str(w, h->message);
}

void af_log_get_handoff(af_log_rbuf *r, af_handoff_result *h)
{
	memset(h, 0, sizeof *h);
	h->success = af_log_get_bool(r);
	h->error = af_log_get_i32(r);
	h->from = (af_lens)af_log_get_i32(r);
	h->to = (af_lens)af_log_get_i32(r);
	h->src_um = af_log_get_f64(r);
	h->predicted_um = af_log_get_f64(r);
	h->found_um = af_log_get_f64(r);
	h->mapping_error_um = af_log_get_f64(r);
	if (af_log_get_u8(r) != AF_PHASE_COUNT)
		r->bad = true;
	for (int p = 0; p < AF_PHASE_COUNT; p++)
		h->phase_ms[p] = af_log_get_f64(r);
	h->frames = af_log_get_u32(r);
	h->retries = af_log_get_u32(r);
	h->cache_hit = af_log_get_bool(r);
	h->temp_c = af_log_get_f64(r);
	h->temp_eff_c = af_log_get_f64(r);
	af_log_get_strbuf(r, h->message, sizeof h->message);
}

void af_log_put_focus(af_log_wbuf *w, const af_focus_result *f)
{
	af_log_put_bool(w, f->success);
	af_log_put_i32(w, f->error);
	af_log_put_i32(w, (int32_t)f->lens);
	af_log_put_f64(w, f->z_um);
	af_log_put_f64(w, f->score);
	af_log_put_u32(w, f->frames);
	af_log_put_f64(w, f->ms);
	af_log_put_str(w, f->message);
}

void af_log_get_focus(af_log_rbuf *r, af_focus_result *f)
{
	memset(f, 0, sizeof *f);
	f->success = af_log_get_bool(r);
	f->error = af_log_get_i32(r);
	f->lens = (af_lens)af_log_get_i32(r);
	f->z_um = af_log_get_f64(r);
	f->score = af_log_get_f64(r);
	f->frames = af_log_get_u32(r);
	f->ms = af_log_get_f64(r);
	af_log_get_strbuf(r, f->message, sizeof f->message);
}

static void put_mapping(af_log_wbuf *w, const af_mapping *m)
{
	af_log_put_bool(w, m->valid);
	af_log_put_i32(w, (int32_t)m->model);
	af_log_put_i32(w, m->order);
	af_log_put_i32(w, m->poly.order);
	af_log_put_u8(w, AF_POLY_MAX_ORDER + 1);
	for (int i = 0; i <= AF_POLY_MAX_ORDER; i++)
		af_log_put_f64(w, m->poly.c[i]);
	af_log_put_f64(w, m->ref_temp_c);
	af_log_put_u64(w, m->n_points);
	af_log_put_f64(w, m->rms_um);
	af_log_put_f64(w, m->max_abs_um);
	for (int i = 0; i <= AF_POLY_MAX_ORDER; i++)
		af_log_put_f64(w, m->cv_rms_um[i]);
	af_log_put_bool(w, m->thermal_valid);
	af_log_put_f64(w, m->tc_a_um_per_c);
	af_log_put_f64(w, m->tc_b_um_per_c);
	af_log_put_f64(w, m->thermal_span_c);
	af_log_put_u64(w, m->n_calibrations);
	af_log_put_f64(w, m->thermal_rms_um);
}

static void get_mapping(af_log_rbuf *r, af_mapping *m)
{
	m->valid = af_log_get_bool(r);
	m->model = (af_mapping_model)af_log_get_i32(r);
	m->order = af_log_get_i32(r);
	m->poly.order = af_log_get_i32(r);
	if (af_log_get_u8(r) != AF_POLY_MAX_ORDER + 1)
		r->bad = true;
	for (int i = 0; i <= AF_POLY_MAX_ORDER; i++)
		m->poly.c[i] = af_log_get_f64(r);
	m->ref_temp_c = af_log_get_f64(r);
	m->n_points = (size_t)af_log_get_u64(r);
	m->rms_um = af_log_get_f64(r);
	m->max_abs_um = af_log_get_f64(r);
	for (int i = 0; i <= AF_POLY_MAX_ORDER; i++)
		m->cv_rms_um[i] = af_log_get_f64(r);
	m->thermal_valid = af_log_get_bool(r);
	m->tc_a_um_per_c = af_log_get_f64(r);
	m->tc_b_um_per_c = af_log_get_f64(r);
	m->thermal_span_c = af_log_get_f64(r);
	m->n_calibrations = (size_t)af_log_get_u64(r);
	m->thermal_rms_um = af_log_get_f64(r);
}

void af_log_put_calib(af_log_wbuf *w, const af_calib_report *c)
{
	af_log_put_bool(w, c->success);
	af_log_put_i32(w, c->error);
	put_mapping(w, &c->mapping);
	af_log_put_u64(w, c->points);
	af_log_put_f64(w, c->temp_c);
	af_log_put_f64(w, c->backlash_um);
	af_log_put_u32(w, c->frames);
	af_log_put_f64(w, c->ms);
	af_log_put_str(w, c->message);
}

void af_log_get_calib(af_log_rbuf *r, af_calib_report *c)
{
	memset(c, 0, sizeof *c);
	c->success = af_log_get_bool(r);
	c->error = af_log_get_i32(r);
	get_mapping(r, &c->mapping);
	c->points = (size_t)af_log_get_u64(r);
	c->temp_c = af_log_get_f64(r);
	c->backlash_um = af_log_get_f64(r);
	c->frames = af_log_get_u32(r);
	c->ms = af_log_get_f64(r);
	af_log_get_strbuf(r, c->message, sizeof c->message);
}
