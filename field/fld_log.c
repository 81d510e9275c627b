/*
 * fld_log.c - the field log reader (fld_log.h).
 *
 * One pass over the bytes: frame a record, check its length and CRC,
 * decode its payload strictly (every flag 0 or 1, every count as the
 * format says, nothing left over), then check it against what came before
 * (operations numbered in order and never nested, calls numbered in order,
 * a score or held pixels naming a frame that exists).  The first problem
 * ends the pass with a message naming the record and its byte offset; a
 * torn last record ends it with a warning.  Pixel streams are decoded once
 * while loading, so a replay never meets a bad one.
 */
#include "fld_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
	fld_log *l;
	char *err;
	size_t errlen;
	size_t rec;             /* index of the record being read */
	uint64_t at;            /* its byte offset */
	int type;
	size_t cap_ops, cap_calls;
	bool in_op;             /* an operation began and has not ended */
	bool ended;             /* the END record was read */
	uint16_t *scratch;      /* pixel validation */
	size_t scratch_cap;
} parser;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int bad(parser *p, const char *fmt, ...)
{
	char what[FLD_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (p->rec == (size_t)-1)
		snprintf(p->err, p->errlen, "%s: %s", p->l->name, what);
	else
		snprintf(p->err, p->errlen, "%s: record %zu (%s) at byte %llu: %s", p->l->name, p->rec,
			 af_log_rec_name(p->type) ? af_log_rec_name(p->type) : "?",
			 (unsigned long long)p->at, what);
	return -1;
}

/* The payload was read to its end, exactly. */
static int payload_done(parser *p, const af_log_rbuf *r)
{
	if (r->bad)
		return bad(p, "malformed payload: a field is short or out of range");
	if (r->pos != r->len)
		return bad(p, "malformed payload: %zu bytes left over", r->len - r->pos);
	return 0;
}

static int header(parser *p, af_log_rbuf *r)
{
	fld_header *h = &p->l->hdr;

	if (p->rec != 0)
		return bad(p, "a second header");
	af_log_get_strbuf(r, h->engine_version, sizeof h->engine_version);
	af_log_get_strbuf(r, h->build_id, sizeof h->build_id);
	af_log_get_strbuf(r, h->rig_id, sizeof h->rig_id);
	af_log_get_strbuf(r, h->hal_name, sizeof h->hal_name);
	h->hal_version = af_log_get_u32(r);
	h->optional_ops = af_log_get_u32(r);
	h->keep_last_n_ops = af_log_get_u32(r);
	h->flags = af_log_get_u32(r);
	h->max_frame_px = af_log_get_u64(r);
	if (payload_done(p, r))
		return -1;
	if (h->optional_ops & ~AF_LOG_HAS_ALL ||
	    (h->version < 2 && (h->optional_ops & AF_LOG_HAS_WAIT_SETTLED_Z)))
		return bad(p, "unknown optional ops 0x%x in a version %u log", h->optional_ops,
			   h->version);
	if (h->flags & ~AF_LOG_FLAG_STAMPS)
		return bad(p, "unknown flags 0x%x", h->flags);
	return 0;
}

static int op_begin(parser *p, af_log_rbuf *r)
{
	fld_log *l = p->l;
	fld_op *o;
	uint32_t idx = af_log_get_u32(r);
	int kind = af_log_get_u8(r);

	if (p->in_op)
		return bad(p, "operation %u begins inside operation %zu", idx, l->nops - 1);
	if (idx != l->nops)
		return bad(p, "operation %u where operation %zu was due", idx, l->nops);
	if (!af_log_op_name(kind))
		return bad(p, "unknown operation kind %d", kind);
	if ((idx == 0) != (kind == AF_LOG_OP_NEW))
		return bad(p, "operation %u is '%s': operation 0, and only it, creates the engine",
			   idx, af_log_op_name(kind));
	if (l->nops == p->cap_ops) {
		size_t cap = p->cap_ops ? 2 * p->cap_ops : 64;
		fld_op *n = realloc(l->ops, cap * sizeof *n);

		if (!n)
			return bad(p, "out of memory");
		l->ops = n;
		p->cap_ops = cap;
	}
	o = &l->ops[l->nops];
	memset(o, 0, sizeof *o);
	o->index = idx;
	o->kind = kind;
	o->first_call = l->ncalls;
	o->record = p->rec;
	o->offset = p->at;
	switch (kind) {
	case AF_LOG_OP_NEW:
		af_log_get_config(r, &l->config);
		l->has_config = true;
		break;
	case AF_LOG_OP_HANDOFF:
		o->lens = af_log_get_i32(r);
		o->to = af_log_get_i32(r);
		o->z_um = af_log_get_f64(r);
		break;
	case AF_LOG_OP_AUTOFOCUS:
	case AF_LOG_OP_GOTO:
		o->lens = af_log_get_i32(r);
		o->z_um = af_log_get_f64(r);
		break;
	case AF_LOG_OP_CALIBRATE:
		o->has_plan = af_log_get_bool(r);
		o->has_site = af_log_get_bool(r);
		o->plan.points = af_log_get_u32(r);
		o->plan.from_um = af_log_get_f64(r);
		o->plan.to_um = af_log_get_f64(r);
		o->plan.passes = af_log_get_u32(r);
		o->plan.measure_backlash = af_log_get_bool(r);
		break;
	case AF_LOG_OP_SET_LEVEL:
		o->level = af_log_get_i32(r);
		break;
	case AF_LOG_OP_SET_THERMAL:
		o->on = af_log_get_bool(r);
		break;
	default:
		break;
	}
	if (payload_done(p, r))
		return -1;
	l->nops++;
	p->in_op = true;
	return 0;
}

static int op_end(parser *p, af_log_rbuf *r)
{
	fld_log *l = p->l;
	fld_op *o;
	uint32_t idx = af_log_get_u32(r);
	int kind = af_log_get_u8(r);

	if (!p->in_op)
		return bad(p, "operation %u ends but none is under way", idx);
	o = &l->ops[l->nops - 1];
	if (idx != o->index || kind != o->kind)
		return bad(p, "the end of operation %u (%s) where operation %u (%s) is under way",
			   idx, af_log_op_name(kind) ? af_log_op_name(kind) : "?", o->index,
			   af_log_op_name(o->kind));
	o->rc = af_log_get_i32(r);
	switch (kind) {
	case AF_LOG_OP_HANDOFF: af_log_get_handoff(r, &o->res.handoff); break;
	case AF_LOG_OP_AUTOFOCUS: af_log_get_focus(r, &o->res.focus); break;
	case AF_LOG_OP_CALIBRATE: af_log_get_calib(r, &o->res.calib); break;
	default: af_log_get_strbuf(r, o->res.message, sizeof o->res.message); break;
	}
	if (payload_done(p, r))
		return -1;
	o->ended = true;
	o->ncalls = l->ncalls - o->first_call;
	p->in_op = false;
	return 0;
}

/* Check an encoded pixel stream by decoding it. */
static int check_pixels(parser *p, uint32_t w, uint32_t h, const uint8_t *data, size_t n)
{
	size_t npx = (size_t)w * h;

	/* every pixel takes at least one byte: the scratch is bounded by the
	 * log's own size */
	if (npx == 0 || npx > n)
		return bad(p, "a %ux%u frame cannot be encoded in %zu bytes", w, h, n);
	if (npx > p->scratch_cap) {
		uint16_t *s = realloc(p->scratch, npx * sizeof *s);

		if (!s)
			return bad(p, "out of memory");
		p->scratch = s;
		p->scratch_cap = npx;
	}
	if (af_log_px_decode(data, n, w, h, p->scratch) != 0)
		return bad(p, "the pixels of a %ux%u frame do not decode", w, h);
	return 0;
}

static int get_frame(parser *p, af_log_rbuf *r, fld_frame *f)
{
	f->width = af_log_get_u32(r);
	f->height = af_log_get_u32(r);
	f->bit_depth = af_log_get_u32(r);
	f->timestamp_us = af_log_get_i64(r);
	f->seq = af_log_get_u64(r);
	f->digest = af_log_get_u64(r);
	f->mean = af_log_get_f64(r);
	f->min = af_log_get_u16(r);
	f->max = af_log_get_u16(r);
	f->px = af_log_get_u8(r);
	if (r->bad)
		return 0;
	if (f->px > AF_LOG_PX_TOO_LARGE)
		return bad(p, "unknown pixel placement %d", f->px);
	if (f->px == AF_LOG_PX_INLINE) {
		int enc = af_log_get_u8(r);
		uint32_t n = af_log_get_u32(r);

		f->data = af_log_get_bytes(r, n);
		f->data_len = n;
		if (r->bad)
			return 0;
		if (enc != AF_LOG_ENC_MED)
			return bad(p, "unknown pixel encoding %d", enc);
		if (check_pixels(p, f->width, f->height, f->data, n))
			return -1;
		p->l->frames_kept++;
	}
	p->l->frames++;
	return 0;
}

static int call(parser *p, af_log_rbuf *r)
{
	fld_log *l = p->l;
	fld_call *c;
	uint64_t idx = af_log_get_u64(r);

	if (idx != l->ncalls)
		return bad(p, "call %llu where call %zu was due", (unsigned long long)idx, l->ncalls);
	if (l->ncalls == p->cap_calls) {
		size_t cap = p->cap_calls ? 2 * p->cap_calls : 1024;
		fld_call *n = realloc(l->calls, cap * sizeof *n);

		if (!n)
			return bad(p, "out of memory");
		l->calls = n;
		p->cap_calls = cap;
	}
	c = &l->calls[l->ncalls];
	memset(c, 0, sizeof *c);
	c->index = idx;
	c->op = af_log_get_u8(r);
	c->rc = af_log_get_i32(r);
	c->stamped = af_log_get_bool(r);
	if (c->stamped) {
		c->t0_us = af_log_get_i64(r);
		c->t1_us = af_log_get_i64(r);
	}
	c->op_index = p->in_op ? l->ops[l->nops - 1].index : FLD_NO_OP;
	c->record = p->rec;
	c->offset = p->at;
	c->msg = "";
	if (!af_log_call_name(c->op) ||
	    (c->op == AF_LOG_CALL_WAIT_SETTLED_Z && p->l->hdr.version < 2))
		return bad(p, "unknown call %d in a version %u log", c->op, p->l->hdr.version);
	switch (c->op) {
	case AF_LOG_CALL_SELECT_LENS: c->lens = af_log_get_i32(r); break;
	case AF_LOG_CALL_MOVE_Z: c->z_um = af_log_get_f64(r); break;
	case AF_LOG_CALL_WAIT_SETTLED:
	case AF_LOG_CALL_WAIT_SETTLED_Z:
	case AF_LOG_CALL_SLEEP_US:
	case AF_LOG_CALL_SET_EXPOSURE_US: c->u32 = af_log_get_u32(r); break;
	case AF_LOG_CALL_GRAB_FRAME: c->capacity_px = af_log_get_u64(r); break;
	case AF_LOG_CALL_SET_ROI:
		c->roi.x = af_log_get_u32(r);
		c->roi.y = af_log_get_u32(r);
		c->roi.width = af_log_get_u32(r);
		c->roi.height = af_log_get_u32(r);
		break;
	case AF_LOG_CALL_SITE:
		c->u32 = af_log_get_u32(r);
		c->z_um = af_log_get_f64(r);
		break;
	default: break;
	}
	if (c->rc != AF_OK) {
		af_log_get_str(r, &c->msg, &c->msg_len);
	} else {
		switch (c->op) {
		case AF_LOG_CALL_GET_LENS: c->out_lens = af_log_get_i32(r); break;
		case AF_LOG_CALL_GET_Z:
		case AF_LOG_CALL_WAIT_SETTLED_Z:
		case AF_LOG_CALL_READ_TEMPERATURE: c->out_f64 = af_log_get_f64(r); break;
		case AF_LOG_CALL_NOW_US: c->out_t_us = af_log_get_i64(r); break;
		case AF_LOG_CALL_GET_EXPOSURE_US: c->out_u32 = af_log_get_u32(r); break;
		case AF_LOG_CALL_GET_ROI:
			c->out_roi.x = af_log_get_u32(r);
			c->out_roi.y = af_log_get_u32(r);
			c->out_roi.width = af_log_get_u32(r);
			c->out_roi.height = af_log_get_u32(r);
			break;
		case AF_LOG_CALL_Z_BUSY: c->out_busy = af_log_get_bool(r); break;
		case AF_LOG_CALL_GRAB_FRAME:
			if (get_frame(p, r, &c->frame))
				return -1;
			break;
		default: break;
		}
	}
	if (payload_done(p, r))
		return -1;
	l->ncalls++;
	return 0;
}

/* The successful grab_frame call idx, or NULL with the message set. */
static fld_call *grab_of(parser *p, uint64_t idx)
{
	fld_call *c;

	if (idx >= p->l->ncalls) {
		bad(p, "names call %llu, which is not in the log", (unsigned long long)idx);
		return NULL;
	}
	c = &p->l->calls[idx];
	if (c->op != AF_LOG_CALL_GRAB_FRAME || c->rc != AF_OK) {
		bad(p, "names call %llu, which is not a frame", (unsigned long long)idx);
		return NULL;
	}
	return c;
}

static int score(parser *p, af_log_rbuf *r)
{
	uint64_t idx = af_log_get_u64(r);
	int m = af_log_get_i32(r);
	uint32_t stride = af_log_get_u32(r);
	double s = af_log_get_f64(r);
	fld_call *c;

	if (payload_done(p, r))
		return -1;
	if (!(c = grab_of(p, idx)))
		return -1;
	if (c->frame.has_score)
		return bad(p, "a second score for the frame of call %llu", (unsigned long long)idx);
	if (!af_measure_name((af_measure_kind)m))
		return bad(p, "unknown focus measure %d", m);
	c->frame.has_score = true;
	c->frame.measure = m;
	c->frame.stride = stride;
	c->frame.score = s;
	return 0;
}

static int pixels(parser *p, af_log_rbuf *r)
{
	uint64_t idx = af_log_get_u64(r);
	uint32_t w = af_log_get_u32(r), h = af_log_get_u32(r);
	int enc = af_log_get_u8(r);
	uint32_t n = af_log_get_u32(r);
	const uint8_t *data = af_log_get_bytes(r, n);
	fld_call *c;

	if (payload_done(p, r))
		return -1;
	if (!(c = grab_of(p, idx)))
		return -1;
	if (c->frame.px != AF_LOG_PX_HELD || c->frame.data)
		return bad(p, "pixels for the frame of call %llu, which has none to come",
			   (unsigned long long)idx);
	if (w != c->frame.width || h != c->frame.height)
		return bad(p, "pixels of %ux%u for the %ux%u frame of call %llu", w, h,
			   c->frame.width, c->frame.height, (unsigned long long)idx);
	if (enc != AF_LOG_ENC_MED)
		return bad(p, "unknown pixel encoding %d", enc);
	if (check_pixels(p, w, h, data, n))
		return -1;
	c->frame.data = data;
	c->frame.data_len = n;
	p->l->frames_kept++;
	return 0;
}

static int end(parser *p, af_log_rbuf *r)
{
	fld_log *l = p->l;
	uint32_t ops = af_log_get_u32(r);
	uint64_t calls = af_log_get_u64(r), frames = af_log_get_u64(r), kept = af_log_get_u64(r);

	if (payload_done(p, r))
		return -1;
	if (p->in_op)
		return bad(p, "the log ends inside operation %zu", l->nops - 1);
	if ((l->nops ? l->nops - 1 : 0) != ops || calls != l->ncalls || frames != l->frames ||
	    kept != l->frames_kept)
		return bad(p, "the end record counts %u operations, %llu calls, %llu frames (%llu kept); "
			   "the log has %zu, %zu, %llu (%llu)", ops, (unsigned long long)calls,
			   (unsigned long long)frames, (unsigned long long)kept,
			   l->nops ? l->nops - 1 : 0, l->ncalls, (unsigned long long)l->frames,
			   (unsigned long long)l->frames_kept);
	p->ended = true;
	l->closed = true;
	return 0;
}

static int record(parser *p, const uint8_t *payload, size_t n)
{
	af_log_rbuf r = { payload, n, 0, false };

	if (p->ended)
		return bad(p, "a record after the end record");
	if (p->rec == 0 && p->type != AF_LOG_HEADER)
		return bad(p, "the first record must be the header");
	switch (p->type) {
	case AF_LOG_HEADER: return header(p, &r);
	case AF_LOG_OP_BEGIN: return op_begin(p, &r);
	case AF_LOG_OP_END: return op_end(p, &r);
	case AF_LOG_CALL: return call(p, &r);
	case AF_LOG_SCORE: return score(p, &r);
	case AF_LOG_PIXELS: return pixels(p, &r);
	case AF_LOG_END: return end(p, &r);
	}
	return bad(p, "unknown record type %d", p->type);
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static bool zeros(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Record after record; a torn last one ends the pass with a warning. */
static int parse(parser *p)
{
	fld_log *l = p->l;
	const uint8_t *d = l->data;
	size_t n = l->size, pos;
	uint32_t version;

	p->rec = (size_t)-1;
	if (n < AF_LOG_MAGIC_LEN + 4 || memcmp(d, AF_LOG_MAGIC, AF_LOG_MAGIC_LEN) != 0)
		return bad(p, "not a field log: no field log magic at byte 0");
	version = le32(d + AF_LOG_MAGIC_LEN);
	if (version < AF_LOG_VERSION_MIN || version > AF_LOG_VERSION)
		return bad(p, "format version %u at byte 8: this afsim reads versions %u to %u",
			   version, AF_LOG_VERSION_MIN, AF_LOG_VERSION);
	l->hdr.version = version;
	pos = AF_LOG_MAGIC_LEN + 4;
	for (p->rec = 0; pos < n; p->rec++) {
		size_t left = n - pos, whole;
		uint32_t len, crc;

		p->at = pos;
		p->type = left >= 6 ? d[pos + 4] | d[pos + 5] << 8 : 0;
		if (zeros(d + pos, left)) {
			/* a file system that had extended the file but not yet
			 * written it when the instrument stopped */
			snprintf(l->warning, sizeof l->warning,
				 "record %zu at byte %zu: the last %zu bytes are zeros (an unfinished "
				 "write): skipped", p->rec, pos, left);
			l->torn = true;
			break;
		}
		if (left < AF_LOG_REC_HEAD) {
			snprintf(l->warning, sizeof l->warning,
				 "record %zu at byte %zu is torn (%zu bytes of its head): skipped",
				 p->rec, pos, left);
			l->torn = true;
			break;
		}
		len = le32(d + pos);
		if (len > AF_LOG_PAYLOAD_MAX)
			return bad(p, "length %u beyond the format's limit of %u bytes", len,
				   AF_LOG_PAYLOAD_MAX);
		whole = AF_LOG_REC_HEAD + (size_t)len + AF_LOG_REC_TAIL;
		if (whole > left) {
			snprintf(l->warning, sizeof l->warning,
				 "record %zu at byte %zu is torn (%zu of its %zu bytes): skipped", p->rec,
				 pos, left, whole);
			l->torn = true;
			break;
		}
		crc = le32(d + pos + AF_LOG_REC_HEAD + len);
		if (crc != af_log_crc32c(0, d + pos, AF_LOG_REC_HEAD + (size_t)len)) {
			if (whole == left) {
				snprintf(l->warning, sizeof l->warning,
					 "record %zu at byte %zu, the last, fails its checksum "
					 "(a torn write): skipped", p->rec, pos);
				l->torn = true;
				break;
			}
			return bad(p, "checksum mismatch (stored 0x%08x, computed 0x%08x)", crc,
				   af_log_crc32c(0, d + pos, AF_LOG_REC_HEAD + (size_t)len));
		}
		if (d[pos + 6] || d[pos + 7])
			return bad(p, "reserved bytes are not zero");
		if (record(p, d + pos + AF_LOG_REC_HEAD, len))
			return -1;
		pos += whole;
		l->records++;
	}
	if (l->records == 0) {
		p->rec = (size_t)-1;
		return bad(p, "no header record after the magic (%zu bytes)", n);
	}
	/* an operation the log ends inside: its calls so far */
	if (p->in_op)
		l->ops[l->nops - 1].ncalls = l->ncalls - l->ops[l->nops - 1].first_call;
	return 0;
}

static int parse_owned(uint8_t *data, size_t n, const char *name, fld_log **out, char *err,
		       size_t errlen)
{
	parser p;
	fld_log *l = calloc(1, sizeof *l);
	int rc;

	*out = NULL;
	if (!l) {
		free(data);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	snprintf(l->name, sizeof l->name, "%s", name);
	l->data = data;
	l->size = n;
	memset(&p, 0, sizeof p);
	p.l = l;
	p.err = err;
	p.errlen = errlen;
	rc = parse(&p);
	free(p.scratch);
	if (rc != 0) {
		fld_log_free(l);
		return -1;
	}
	*out = l;
	return 0;
}

int fld_log_parse(const void *data, size_t n, const char *name, fld_log **out, char *err,
		  size_t errlen)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy) {
		*out = NULL;
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	if (n)
		memcpy(copy, data, n);
	return parse_owned(copy, n, name, out, err, errlen);
}

int fld_log_read_file(const char *path, fld_log **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!f) {
		snprintf(err, errlen, "cannot open field log '%s': %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 1 << 16;
			uint8_t *nb = ncap > cap ? realloc(buf, ncap) : NULL;

			if (!nb) {
				snprintf(err, errlen, "cannot read field log '%s': out of memory", path);
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read field log '%s': %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	return parse_owned(buf, n, path, out, err, errlen);
fail:
	free(buf);
	fclose(f);
	return -1;
}

void fld_log_free(fld_log *l)
{
	if (!l)
		return;
	free(l->data);
	free(l->ops);
	free(l->calls);
	free(l);
}

int fld_log_frame_pixels(const fld_frame *f, uint16_t *px, size_t cap)
{
	if (!f->data || (size_t)f->width * f->height > cap)
		return -1;
	return af_log_px_decode(f->data, f->data_len, f->width, f->height, px);
}
