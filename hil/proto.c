/*
 * proto.c - the rig protocol codec (proto.h, docs/rig-protocol.md).
 *
 * A line is first checked as a whole (length, characters, single spaces)
 * and copied into a NUL-terminated token buffer, so every later check reads
 * one token and can quote it.  Numbers use the scenario loader's strict
 * syntax (sim_scn_parse_double: decimal, optional fraction and exponent,
 * nothing else) plus a range check; integers are digits only, no sign, no
 * leading zero.  Nothing here allocates or keeps state.  The frames' CRC-32
 * and pixel bytes are proto_frame.c.
 */
#include "proto.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/scenario_impl.h"

/* Most tokens a line may have (GRAB's reply: id OK FRAME + 7 values). */
#define MAX_TOKENS 12

static const char *const verb_names[] = {
#define HIL_VERB_STR_(name) #name,
	HIL_VERB_MAP(HIL_VERB_STR_)
#undef HIL_VERB_STR_
};

const char *hil_verb_name(hil_verb v)
{
	if ((unsigned)v >= HIL_VERB_COUNT)
		return NULL;
	return verb_names[v];
}

uint32_t hil_verb_cap(hil_verb v)
{
	switch (v) {
	case HIL_Z_BUSY:
		return HIL_CAP_BUSY;
	case HIL_SET_EXPOSURE:
	case HIL_GET_EXPOSURE:
		return HIL_CAP_EXPOSURE;
	case HIL_SET_ROI:
	case HIL_GET_ROI:
		return HIL_CAP_ROI;
	case HIL_GRAB:
		return HIL_CAP_FRAMES;
	case HIL_PLACE:
		return HIL_CAP_PLACE;
	case HIL_WAIT_SETTLED_Z:
		return HIL_CAP_SETTLED_Z;
	default:
		return 0;
	}
}

static const struct {
	const char *name;
	uint32_t bit;
} cap_names[] = {
	{ "busy", HIL_CAP_BUSY },
	{ "exposure", HIL_CAP_EXPOSURE },
	{ "roi", HIL_CAP_ROI },
	{ "frames", HIL_CAP_FRAMES },
	{ "place", HIL_CAP_PLACE },
	{ "settled_z", HIL_CAP_SETTLED_Z },
};
#define N_CAPS (sizeof cap_names / sizeof cap_names[0])

const char *hil_cap_name(uint32_t cap)
{
	for (size_t i = 0; i < N_CAPS; i++)
		if (cap_names[i].bit == cap)
			return cap_names[i].name;
	return NULL;
}

int hil_proto_code(const char *name)
{
	if (strcmp(name, "EBUSY") == 0)
		return AF_ESTATE;
#define HIL_CODE_(n, c, msg) \
	if ((c) != 0 && strcmp(name, #n) == 0) \
		return (c);
	AF_ERRNO_MAP(HIL_CODE_)
#undef HIL_CODE_
	return 0;
}

/* ---- messages --------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return AF_EPROTO;
}

/* ---- lines and tokens ------------------------------------------------- */

typedef struct toks {
	char buf[HIL_PROTO_LINE_MAX + 1];
	char *t[MAX_TOKENS];
	size_t n;
	/* the text after "<id> ERR <CODE> " (the message), NULL if none */
	char *rest;
} toks;

/*
 * Check line[0..len) and split it into words at single spaces.  After
 * "<id> ERR <CODE>" the rest of the line is one word, the message, free
 * text.  At most MAX_TOKENS words are kept; tk->n counts them all, so a
 * line with too many is an arity error of its verb.
 */
static int split(const char *line, size_t len, toks *tk, char *err, size_t errlen)
{
	size_t i, nt = 0;
	char *p;

	if (len && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return perr(err, errlen, "empty line, expected '<id> <word> ...'");
	if (len > HIL_PROTO_LINE_MAX)
		return perr(err, errlen, "line of %zu bytes, at most %d", len, HIL_PROTO_LINE_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c > 0x7e)
			return perr(err, errlen,
				    "byte 0x%02x at column %zu, expected printable ASCII", c, i + 1);
	}
	memcpy(tk->buf, line, len);
	tk->buf[len] = '\0';
	tk->rest = NULL;
	for (p = tk->buf;;) {
		char *sp;

		if (nt == 3 && strcmp(tk->t[1], "ERR") == 0) {
			tk->rest = p;
			if (*p)
				tk->t[nt++] = p;
			break;
		}
		sp = strchr(p, ' ');
		if (sp == p || (!sp && !*p)) {
			size_t col = (size_t)(p - tk->buf) + 1;

			return perr(err, errlen,
				    "%s space at column %zu, expected single spaces between words",
				    col == 1 ? "leading" : !*p ? "trailing" : "double",
				    col == 1 ? 1 : col - 1);
		}
		if (nt < MAX_TOKENS)
			tk->t[nt] = p;
		nt++;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	tk->n = nt;
	return AF_OK;
}

static const char *quote(char *buf, size_t size, const char *s)
{
	return sim_scn_quote(buf, size, s);
}

/* Digits only, no sign, no leading zero, value in [lo, hi]. */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s[0] || (s[0] == '0' && s[1]))
		return -1;
	for (i = 0; s[i]; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int tok_uint(const char *s, uint64_t lo, uint64_t hi, const char *what, uint64_t *out,
		    char *err, size_t errlen)
{
	char q[64];

	if (parse_uint(s, lo, hi, out) == 0)
		return AF_OK;
	return perr(err, errlen, "%s %s is not an integer in [%" PRIu64 ", %" PRIu64 "]", what,
		    quote(q, sizeof q, s), lo, hi);
}

static int tok_u32(const char *s, uint32_t lo, uint32_t hi, const char *what, uint32_t *out,
		   char *err, size_t errlen)
{
	uint64_t v;
	int rc = tok_uint(s, lo, hi, what, &v, err, errlen);

	if (rc == AF_OK)
		*out = (uint32_t)v;
	return rc;
}

static int tok_double(const char *s, double lo, double hi, const char *what, double *out,
		      char *err, size_t errlen)
{
	char q[64];
	double v;
	int rc = sim_scn_parse_double(s, &v);

	if (rc == -1)
		return perr(err, errlen, "%s %s is not a finite decimal number", what,
			    quote(q, sizeof q, s));
	if (rc == -2 || !(v >= lo && v <= hi))
		return perr(err, errlen, "%s %s is out of range, expected [%g, %g]", what,
			    quote(q, sizeof q, s), lo, hi);
	*out = v;
	return AF_OK;
}

static int tok_lens(const char *s, af_lens *out, char *err, size_t errlen)
{
	char q[64];

	if (strcmp(s, "A") == 0 || strcmp(s, "B") == 0) {
		*out = s[0] == 'A' ? AF_LENS_A : AF_LENS_B;
		return AF_OK;
	}
	return perr(err, errlen, "lens %s is not a lens, expected A or B", quote(q, sizeof q, s));
}

/* Characters of a name, an identity and a capability. */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '+';
}

static bool is_name(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!name_char(s[i]))
			return false;
	return i >= 1 && i <= max;
}

static int arity(const toks *tk, size_t want, const char *what, const char *args, char *err,
		 size_t errlen)
{
	if (tk->n == want)
		return AF_OK;
	if (want == 2)
		return perr(err, errlen, "%s takes no values, got %zu", what, tk->n - 2);
	return perr(err, errlen, "%s takes %zu value%s %s, got %zu", what, want - 2,
		    want - 2 == 1 ? "" : "s", args, tk->n - 2);
}

/* ---- requests --------------------------------------------------------- */

/* Arguments of each verb, for messages and arity. */
static const struct {
	size_t nargs;
	const char *args;
} verb_args[HIL_VERB_COUNT] = {
	[HIL_HELLO] = { 1, "(version)" },
	[HIL_SELECT_LENS] = { 1, "(A or B)" },
	[HIL_GET_LENS] = { 0, "" },
	[HIL_MOVE_Z] = { 1, "(z_um)" },
	[HIL_GET_Z] = { 0, "" },
	[HIL_Z_BUSY] = { 0, "" },
	[HIL_WAIT_SETTLED] = { 1, "(timeout_ms)" },
	[HIL_TEMP] = { 0, "" },
	[HIL_SET_EXPOSURE] = { 1, "(exposure_us)" },
	[HIL_GET_EXPOSURE] = { 0, "" },
	[HIL_SET_ROI] = { 4, "(x y width height)" },
	[HIL_GET_ROI] = { 0, "" },
	[HIL_GRAB] = { 0, "" },
	[HIL_PLACE] = { 1, "(z_plan_um)" },
	[HIL_WAIT_SETTLED_Z] = { 1, "(timeout_ms)" },
};

static int parse_roi(char *const *t, af_roi *roi, char *err, size_t errlen)
{
	if (tok_u32(t[0], 0, HIL_PROTO_FRAME_DIM_MAX * 4, "roi x", &roi->x, err, errlen) ||
	    tok_u32(t[1], 0, HIL_PROTO_FRAME_DIM_MAX * 4, "roi y", &roi->y, err, errlen) ||
	    tok_u32(t[2], 1, HIL_PROTO_FRAME_DIM_MAX, "roi width", &roi->width, err, errlen) ||
	    tok_u32(t[3], 1, HIL_PROTO_FRAME_DIM_MAX, "roi height", &roi->height, err, errlen))
		return AF_EPROTO;
	return AF_OK;
}

int hil_proto_parse_request(const char *line, size_t len, hil_request *out, char *err,
			    size_t errlen)
{
	toks tk;
	char q[64];
	uint64_t id;
	int rc, v;

	memset(out, 0, sizeof *out);
	if ((rc = split(line, len, &tk, err, errlen)) != AF_OK)
		return rc;
	if (parse_uint(tk.t[0], 1, UINT32_MAX, &id) != 0)
		return perr(err, errlen,
			    "request id %s is not an integer in [1, 4294967295] without leading zeros",
			    quote(q, sizeof q, tk.t[0]));
	out->id = (uint32_t)id;
	if (tk.n < 2)
		return perr(err, errlen, "request %u has no verb", out->id);
	for (v = 0; v < HIL_VERB_COUNT; v++)
		if (strcmp(tk.t[1], verb_names[v]) == 0)
			break;
	if (v == HIL_VERB_COUNT)
		return perr(err, errlen, "unknown verb %s", quote(q, sizeof q, tk.t[1]));
	out->verb = (hil_verb)v;
	if ((rc = arity(&tk, verb_args[v].nargs + 2, verb_names[v], verb_args[v].args, err,
			errlen)) != AF_OK)
		return rc;
	switch (out->verb) {
	case HIL_HELLO:
		return tok_u32(tk.t[2], 1, 999, "version", &out->version, err, errlen);
	case HIL_SELECT_LENS:
		return tok_lens(tk.t[2], &out->lens, err, errlen);
	case HIL_MOVE_Z:
		return tok_double(tk.t[2], -HIL_PROTO_Z_MAX_UM, HIL_PROTO_Z_MAX_UM, "z_um", &out->z_um,
				  err, errlen);
	case HIL_PLACE:
		return tok_double(tk.t[2], -HIL_PROTO_Z_MAX_UM, HIL_PROTO_Z_MAX_UM, "z_plan_um",
				  &out->z_um, err, errlen);
	case HIL_WAIT_SETTLED:
	case HIL_WAIT_SETTLED_Z:
		return tok_u32(tk.t[2], 1, HIL_PROTO_TIMEOUT_MAX_MS, "timeout_ms", &out->timeout_ms,
			       err, errlen);
	case HIL_SET_EXPOSURE:
		return tok_u32(tk.t[2], 1, HIL_PROTO_EXPOSURE_MAX_US, "exposure_us",
			       &out->exposure_us, err, errlen);
	case HIL_SET_ROI:
		return parse_roi(&tk.t[2], &out->roi, err, errlen);
	default:
		return AF_OK;
	}
}

/* snprintf into buf; the length, or AF_EINVAL when it did not fit. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size || n > HIL_PROTO_LINE_MAX + 1)
		return AF_EINVAL;
	return n;
}

static bool z_ok(double z)
{
	return isfinite(z) && fabs(z) <= HIL_PROTO_Z_MAX_UM;
}

int hil_proto_format_request(const hil_request *rq, char *buf, size_t size)
{
	const char *vn = hil_verb_name(rq->verb);

	if (!vn || rq->id == 0)
		return AF_EINVAL;
	switch (rq->verb) {
	case HIL_HELLO:
		return put(buf, size, "%" PRIu32 " HELLO %" PRIu32 "\n", rq->id, rq->version);
	case HIL_SELECT_LENS:
		if (rq->lens != AF_LENS_A && rq->lens != AF_LENS_B)
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " SELECT_LENS %s\n", rq->id, af_lens_name(rq->lens));
	case HIL_MOVE_Z:
	case HIL_PLACE:
		if (!z_ok(rq->z_um))
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " %s %.6f\n", rq->id, vn, rq->z_um);
	case HIL_WAIT_SETTLED:
	case HIL_WAIT_SETTLED_Z:
		if (rq->timeout_ms < 1 || rq->timeout_ms > HIL_PROTO_TIMEOUT_MAX_MS)
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " %s %" PRIu32 "\n", rq->id, vn, rq->timeout_ms);
	case HIL_SET_EXPOSURE:
		if (rq->exposure_us < 1 || rq->exposure_us > HIL_PROTO_EXPOSURE_MAX_US)
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " SET_EXPOSURE %" PRIu32 "\n", rq->id,
			   rq->exposure_us);
	case HIL_SET_ROI:
		if (rq->roi.width < 1 || rq->roi.width > HIL_PROTO_FRAME_DIM_MAX ||
		    rq->roi.height < 1 || rq->roi.height > HIL_PROTO_FRAME_DIM_MAX ||
		    rq->roi.x > HIL_PROTO_FRAME_DIM_MAX * 4 || rq->roi.y > HIL_PROTO_FRAME_DIM_MAX * 4)
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " SET_ROI %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
			   rq->id, rq->roi.x, rq->roi.y, rq->roi.width, rq->roi.height);
	default:
		return put(buf, size, "%" PRIu32 " %s\n", rq->id, vn);
	}
}

/* ---- replies ---------------------------------------------------------- */

int hil_caps_text(uint32_t caps, const char *sep, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < N_CAPS; i++) {
		if (!(caps & cap_names[i].bit))
			continue;
		int n = snprintf(out + o, size - o, "%s%s", o ? sep : "", cap_names[i].name);

		if (n < 0 || (size_t)n >= size - o)
			return -1;
		o += (size_t)n;
	}
	if (o == 0 && snprintf(out, size, "-") >= (int)size)
		return -1;
	return 0;
}

int hil_proto_format_reply(hil_verb v, const hil_reply *rp, char *buf, size_t size)
{
	const hil_frame_header *f = &rp->frame;
	char caps[96];

	switch (v) {
	case HIL_HELLO:
		if (!is_name(rp->hello.name, HIL_PROTO_NAME_MAX) ||
		    !is_name(rp->hello.ident, HIL_PROTO_IDENT_MAX) ||
		    hil_caps_text(rp->hello.caps, ",", caps, sizeof caps))
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " OK %" PRIu32 " name=%s id=%s caps=%s\n", rp->id,
			   rp->hello.version, rp->hello.name, rp->hello.ident, caps);
	case HIL_GET_LENS:
		if (rp->lens != AF_LENS_A && rp->lens != AF_LENS_B)
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " OK %s\n", rp->id, af_lens_name(rp->lens));
	case HIL_GET_Z:
	case HIL_WAIT_SETTLED_Z:
		if (!z_ok(rp->z_um))
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " OK %.6f\n", rp->id, rp->z_um);
	case HIL_Z_BUSY:
		return put(buf, size, "%" PRIu32 " OK %d\n", rp->id, rp->busy ? 1 : 0);
	case HIL_TEMP:
		if (!(rp->temp_c >= HIL_PROTO_TEMP_MIN_C && rp->temp_c <= HIL_PROTO_TEMP_MAX_C))
			return AF_EINVAL;
		return put(buf, size, "%" PRIu32 " OK %.6f\n", rp->id, rp->temp_c);
	case HIL_GET_EXPOSURE:
		return put(buf, size, "%" PRIu32 " OK %" PRIu32 "\n", rp->id, rp->exposure_us);
	case HIL_GET_ROI:
		return put(buf, size, "%" PRIu32 " OK %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
			   rp->id, rp->roi.x, rp->roi.y, rp->roi.width, rp->roi.height);
	case HIL_GRAB:
		return put(buf, size,
			   "%" PRIu32 " OK FRAME %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu64 " %" PRId64
			   " %zu %08" PRIx32 "\n",
			   rp->id, f->width, f->height, f->bit_depth, f->seq,
			   f->age_us < 0 ? (int64_t)0 : f->age_us, f->nbytes, f->crc32);
	case HIL_SELECT_LENS:
	case HIL_MOVE_Z:
	case HIL_WAIT_SETTLED:
	case HIL_SET_EXPOSURE:
	case HIL_SET_ROI:
	case HIL_PLACE:
		return put(buf, size, "%" PRIu32 " OK\n", rp->id);
	case HIL_VERB_COUNT:
		break;
	}
	return AF_EINVAL;
}

int hil_proto_format_error(uint32_t id, int code, const char *message, char *buf, size_t size)
{
	const char *name = code == HIL_PROTO_EBUSY ? "EBUSY" : af_err_name(code);
	char line[HIL_PROTO_LINE_MAX + 1];
	size_t room, i;
	int head;

	if (code == AF_OK || strcmp(name, "EUNKNOWN") == 0)
		return AF_EINVAL;
	if (!message || !*message)
		message = code == HIL_PROTO_EBUSY ? "busy" : af_strerror(code);
	head = snprintf(line, sizeof line, "%" PRIu32 " ERR %s ", id, name);
	room = HIL_PROTO_LINE_MAX - (size_t)head;
	for (i = 0; message[i] && i < room; i++) {
		unsigned char c = (unsigned char)message[i];

		line[(size_t)head + i] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	line[(size_t)head + i] = '\0';
	return put(buf, size, "%s\n", line);
}

static int parse_hello(const toks *tk, hil_hello *h, char *err, size_t errlen)
{
	static const char *const keys[3] = { "name=", "id=", "caps=" };
	char q[64];

	if (tk->n != 6)
		return perr(err, errlen,
			    "HELLO reply takes 4 values (version name=... id=... caps=...), got %zu",
			    tk->n - 2);
	if (tok_u32(tk->t[2], 1, 999, "version", &h->version, err, errlen))
		return AF_EPROTO;
	for (int k = 0; k < 3; k++) {
		const char *t = tk->t[3 + k];
		size_t kl = strlen(keys[k]);

		if (strncmp(t, keys[k], kl) != 0)
			return perr(err, errlen, "HELLO reply value %s, expected %s...",
				    quote(q, sizeof q, t), keys[k]);
		t += kl;
		if (k < 2 && !is_name(t, k == 0 ? HIL_PROTO_NAME_MAX : HIL_PROTO_IDENT_MAX))
			return perr(err, errlen,
				    "rig %s %s is not 1..%d of [A-Za-z0-9._:/+-]",
				    k == 0 ? "name" : "identity", quote(q, sizeof q, t),
				    k == 0 ? HIL_PROTO_NAME_MAX : HIL_PROTO_IDENT_MAX);
		if (k == 0)
			snprintf(h->name, sizeof h->name, "%s", t);
		else if (k == 1)
			snprintf(h->ident, sizeof h->ident, "%s", t);
	}
	/* caps: "-" or names separated by commas; unknown names are
	 * capabilities of a newer protocol, ignored */
	{
		const char *c = tk->t[5] + 5;
		char one[32];

		h->caps = 0;
		if (strcmp(c, "-") == 0)
			return AF_OK;
		if (!*c)
			return perr(err, errlen, "capability list '', expected names separated by commas or '-'");
		while (*c) {
			size_t n = strcspn(c, ",");

			if (n == 0 || n >= sizeof one)
				return perr(err, errlen, "capability list %s, expected names separated by commas or '-'",
					    quote(q, sizeof q, tk->t[5] + 5));
			memcpy(one, c, n);
			one[n] = '\0';
			for (size_t i = 0; one[i]; i++)
				if (!((one[i] >= 'a' && one[i] <= 'z') || (one[i] >= '0' && one[i] <= '9') ||
				      one[i] == '_'))
					return perr(err, errlen, "capability %s, expected [a-z0-9_]+",
						    quote(q, sizeof q, one));
			for (size_t i = 0; i < N_CAPS; i++)
				if (strcmp(one, cap_names[i].name) == 0)
					h->caps |= cap_names[i].bit;
			c += n;
			if (*c == ',' && !*++c)
				return perr(err, errlen, "capability list ends with a comma");
		}
	}
	return AF_OK;
}

static int parse_frame_header(const toks *tk, hil_frame_header *f, char *err, size_t errlen)
{
	uint64_t v;
	char q[64];
	size_t want;

	if (tk->n != 10 || strcmp(tk->t[2], "FRAME") != 0)
		return perr(err, errlen,
			    "GRAB reply is 'FRAME width height bit_depth seq age_us nbytes crc32', got %zu value%s",
			    tk->n - 2, tk->n == 3 ? "" : "s");
	if (tok_u32(tk->t[3], 1, HIL_PROTO_FRAME_DIM_MAX, "frame width", &f->width, err, errlen) ||
	    tok_u32(tk->t[4], 1, HIL_PROTO_FRAME_DIM_MAX, "frame height", &f->height, err, errlen) ||
	    tok_u32(tk->t[5], 1, 16, "frame bit_depth", &f->bit_depth, err, errlen) ||
	    tok_uint(tk->t[6], 0, UINT64_MAX, "frame seq", &f->seq, err, errlen) ||
	    tok_uint(tk->t[7], 0, (uint64_t)HIL_PROTO_AGE_MAX_US, "frame age_us", &v, err, errlen))
		return AF_EPROTO;
	f->age_us = (int64_t)v;
	if (tok_uint(tk->t[8], 2, HIL_PROTO_FRAME_BYTES_MAX, "frame nbytes", &v, err, errlen))
		return AF_EPROTO;
	f->nbytes = (size_t)v;
	want = (size_t)f->width * f->height * 2;
	if (f->nbytes != want)
		return perr(err, errlen, "frame nbytes %zu, expected width * height * 2 = %zu",
			    f->nbytes, want);
	{
		const char *h = tk->t[9];
		uint32_t crc = 0;
		size_t i;

		for (i = 0; h[i]; i++) {
			char c = h[i];
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
				   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;

			if (d > 15 || i >= 8)
				break;
			crc = crc << 4 | d;
		}
		if (i != 8 || h[i])
			return perr(err, errlen, "frame crc32 %s, expected 8 hex digits",
				    quote(q, sizeof q, h));
		f->crc32 = crc;
	}
	return AF_OK;
}

static int parse_err(const toks *tk, hil_reply *out, char *err, size_t errlen)
{
	char q[64];

	if (tk->n < 4)
		return perr(err, errlen, "ERR reply needs a code and a message");
	out->code = hil_proto_code(tk->t[2]);
	if (out->code == 0)
		return perr(err, errlen, "unknown error code %s", quote(q, sizeof q, tk->t[2]));
	snprintf(out->code_name, sizeof out->code_name, "%s", tk->t[2]);
	snprintf(out->message, sizeof out->message, "%s", tk->rest);
	return AF_OK;
}

int hil_proto_parse_reply(const char *line, size_t len, hil_verb v, hil_reply *out, char *err,
			  size_t errlen)
{
	toks tk;
	char q[64];
	uint64_t id;
	int rc;

	memset(out, 0, sizeof *out);
	if ((unsigned)v >= HIL_VERB_COUNT)
		return perr(err, errlen, "no such verb");
	if ((rc = split(line, len, &tk, err, errlen)) != AF_OK)
		return rc;
	if (parse_uint(tk.t[0], 0, UINT32_MAX, &id) != 0)
		return perr(err, errlen,
			    "reply id %s is not an integer in [0, 4294967295] without leading zeros",
			    quote(q, sizeof q, tk.t[0]));
	out->id = (uint32_t)id;
	if (tk.n < 2)
		return perr(err, errlen, "reply %u has neither OK nor ERR", out->id);
	if (strcmp(tk.t[1], "ERR") == 0)
		return parse_err(&tk, out, err, errlen);
	if (strcmp(tk.t[1], "OK") != 0)
		return perr(err, errlen, "reply word %s, expected OK or ERR", quote(q, sizeof q, tk.t[1]));
	out->code = AF_OK;
	switch (v) {
	case HIL_HELLO:
		return parse_hello(&tk, &out->hello, err, errlen);
	case HIL_GET_LENS:
		if ((rc = arity(&tk, 3, "GET_LENS reply", "(A or B)", err, errlen)) != AF_OK)
			return rc;
		return tok_lens(tk.t[2], &out->lens, err, errlen);
	case HIL_GET_Z:
	case HIL_WAIT_SETTLED_Z:
		if ((rc = arity(&tk, 3, v == HIL_GET_Z ? "GET_Z reply" : "WAIT_SETTLED_Z reply",
				"(z_um)", err, errlen)) != AF_OK)
			return rc;
		return tok_double(tk.t[2], -HIL_PROTO_Z_MAX_UM, HIL_PROTO_Z_MAX_UM, "z_um",
				  &out->z_um, err, errlen);
	case HIL_Z_BUSY:
		if ((rc = arity(&tk, 3, "Z_BUSY reply", "(0 or 1)", err, errlen)) != AF_OK)
			return rc;
		if (strcmp(tk.t[2], "0") != 0 && strcmp(tk.t[2], "1") != 0)
			return perr(err, errlen, "busy flag %s, expected 0 or 1",
				    quote(q, sizeof q, tk.t[2]));
		out->busy = tk.t[2][0] == '1';
		return AF_OK;
	case HIL_TEMP:
		if ((rc = arity(&tk, 3, "TEMP reply", "(temp_c)", err, errlen)) != AF_OK)
			return rc;
		return tok_double(tk.t[2], HIL_PROTO_TEMP_MIN_C, HIL_PROTO_TEMP_MAX_C, "temp_c",
				  &out->temp_c, err, errlen);
	case HIL_GET_EXPOSURE:
		if ((rc = arity(&tk, 3, "GET_EXPOSURE reply", "(exposure_us)", err, errlen)) != AF_OK)
			return rc;
		return tok_u32(tk.t[2], 1, HIL_PROTO_EXPOSURE_MAX_US, "exposure_us",
			       &out->exposure_us, err, errlen);
	case HIL_GET_ROI:
		if ((rc = arity(&tk, 6, "GET_ROI reply", "(x y width height)", err, errlen)) != AF_OK)
			return rc;
		return parse_roi(&tk.t[2], &out->roi, err, errlen);
	case HIL_GRAB:
		return parse_frame_header(&tk, &out->frame, err, errlen);
	default:
		{
			char what[32];

			snprintf(what, sizeof what, "%s reply", verb_names[v]);
			return arity(&tk, 2, what, "", err, errlen);
		}
	}
}

int hil_proto_reply_id(const char *line, size_t len, uint32_t *id)
{
	char word[12];
	size_t n = 0;
	uint64_t v;

	while (n < len && line[n] != ' ' && n < sizeof word - 1) {
		word[n] = line[n];
		n++;
	}
	word[n] = '\0';
	if (n == 0 || (n < len && line[n] != ' ') || parse_uint(word, 0, UINT32_MAX, &v) != 0)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* ---- frames ----------------------------------------------------------- */

int hil_proto_take_frame(const hil_frame_header *h, const uint8_t *bytes, uint16_t *px,
			 size_t capacity_px, char *err, size_t errlen)
{
	size_t npx = (size_t)h->width * h->height;
	uint32_t crc, max = h->bit_depth >= 16 ? 0xffffu : (1u << h->bit_depth) - 1u;

	if (h->nbytes != npx * 2)
		return perr(err, errlen, "frame of %zu bytes, expected %zu", h->nbytes, npx * 2);
	if (capacity_px < npx) {
		if (err && errlen)
			snprintf(err, errlen, "frame of %ux%u pixels does not fit a buffer of %zu",
				 h->width, h->height, capacity_px);
		return AF_EINVAL;
	}
	crc = hil_crc32(0, bytes, h->nbytes);
	if (crc != h->crc32)
		return perr(err, errlen, "frame checksum mismatch: crc32 of the %zu bytes is %08" PRIx32
			    ", the header says %08" PRIx32, h->nbytes, crc, h->crc32);
	for (size_t i = 0; i < npx; i++) {
		uint16_t v = (uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);

		if (v > max)
			return perr(err, errlen, "pixel %zu is %u, beyond the %u-bit depth", i,
				    (unsigned)v, h->bit_depth);
		px[i] = v;
	}
	return AF_OK;
}
