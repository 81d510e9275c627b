/*
 * af_rec.c - the flight recorder (af_rec.h): the HAL decorator, the
 * engine's recording hooks and the ring of held pixels.
 *
 * Every record is assembled in one buffer (sized at creation for the
 * largest frame) and handed to the sink in one write.  Held pixels (the
 * keep_last_n_ops mode) are encoded straight into the ring as complete
 * PIXELS records, so writing them later is one sink call each.
 *
 * The ring is a circular byte buffer of whole records (a record never
 * wraps: when it does not fit at the end it starts at the beginning) with a
 * circular index of its entries, oldest first.  An operation's start
 * evicts the entries of operations more than N ago; a frame that does not
 * fit evicts the oldest entries until it does.  Evicting an entry that was
 * never written drops its frame (counted).
 */
#include "af_rec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "af_engine_impl.h"
#include "af_rec_wire.h"

/* Index entries of the ring. */
#define RING_ENTRIES 4096
/* Bytes of a record besides a frame's encoded pixels (generous). */
#define RECORD_SLACK 4096
/* The PIXELS payload before the pixel bytes: call, w, h, encoding, n. */
#define PIXELS_FIXED (8 + 4 + 4 + 1 + 4)

typedef struct ring_ent {
	size_t off, len;
	uint32_t op;
	bool written;
} ring_ent;

typedef struct stamp {
	bool on;
	int64_t t0, t1;
} stamp;

struct af_rec {
	af_hal inner;
	af_hal_ops ops;                 /* the decorator's table */
	af_hal self;                    /* { &ops, this } */
	af_rec_sink sink;
	af_rec_options opt;
	char rig_id[AF_LOG_STR_MAX + 1], build_id[AF_LOG_STR_MAX + 1];

	af_log_wbuf w;                  /* the record being assembled */
	bool closed, failed;
	char errmsg[AF_MSG_MAX];
	bool has_engine;

	uint32_t op;                    /* the current (or last) operation */
	uint64_t call;                  /* index of the next call */
	uint64_t grab_call;             /* the last grab_frame call */
	af_rec_stats st;

	uint8_t *ring;
	size_t ring_cap;
	ring_ent *ents;
	size_t ent_head, ent_n;
};

static bool recording(const af_rec *r)
{
	return !r->closed && !r->failed;
}

/* Hand n bytes to the sink; a failure stops the recording. */
static void emit_bytes(af_rec *r, const void *b, size_t n)
{
	int rc;

	if (!recording(r))
		return;
	rc = r->sink.write(r->sink.user, b, n);
	if (rc != 0) {
		r->failed = true;
		snprintf(r->errmsg, sizeof r->errmsg,
			 "cannot write the field log: the sink failed (%d) after %llu bytes: "
			 "recording stopped", rc, (unsigned long long)r->st.bytes);
		return;
	}
	r->st.bytes += n;
	r->st.records++;
}

/* Start assembling a record of `type` in the buffer. */
static size_t rec_start(af_rec *r, int type)
{
	r->w.len = 0;
	r->w.overflow = false;
	return af_log_rec_open(&r->w, type);
}

/* Close and write the record; an overflow (a bug: the buffer is sized for
 * the largest record) stops the recording rather than write garbage. */
static void rec_finish(af_rec *r, size_t at)
{
	if (!af_log_rec_close(&r->w, at)) {
		if (recording(r)) {
			r->failed = true;
			snprintf(r->errmsg, sizeof r->errmsg,
				 "cannot write the field log: a record outgrew the %zu-byte buffer: "
				 "recording stopped", r->w.cap);
		}
		return;
	}
	emit_bytes(r, r->w.p, r->w.len);
}

/* --- the ring of held pixels --------------------------------------------- */

static ring_ent *ent_at(af_rec *r, size_t i)
{
	return &r->ents[(r->ent_head + i) % RING_ENTRIES];
}

static void ring_evict_oldest(af_rec *r)
{
	if (!ent_at(r, 0)->written)
		r->st.frames_dropped++;
	r->ent_head = (r->ent_head + 1) % RING_ENTRIES;
	r->ent_n--;
}

/* Room for `need` bytes at the ring's tail, evicting as needed; the entry
 * is appended (len = need, to be trimmed).  NULL when need exceeds the
 * ring. */
static ring_ent *ring_alloc(af_rec *r, size_t need)
{
	ring_ent *e;
	size_t off;

	if (need > r->ring_cap)
		return NULL;
	for (;;) {
		if (r->ent_n == RING_ENTRIES) {
			ring_evict_oldest(r);
			continue;
		}
		if (r->ent_n == 0) {
			off = 0;
			break;
		} else {
			size_t head = ent_at(r, 0)->off;
			const ring_ent *last = ent_at(r, r->ent_n - 1);
			size_t tail = last->off + last->len;

			if (tail > head || (tail == head && last->off >= head)) {
				/* not wrapped: free space at the end, then before head */
				if (r->ring_cap - tail >= need) {
					off = tail;
					break;
				}
				if (head >= need) {
					off = 0;
					break;
				}
			} else if (head - tail >= need) {
				off = tail;
				break;
			}
		}
		ring_evict_oldest(r);
	}
	e = &r->ents[(r->ent_head + r->ent_n) % RING_ENTRIES];
	e->off = off;
	e->len = need;
	e->op = r->op;
	e->written = false;
	r->ent_n++;
	return e;
}

/* Forget the frames of operations more than N ago. */
static void ring_age(af_rec *r)
{
	while (r->ent_n && ent_at(r, 0)->op + r->opt.keep_last_n_ops <= r->op)
		ring_evict_oldest(r);
}

static void ring_flush(af_rec *r)
{
	for (size_t i = 0; i < r->ent_n && recording(r); i++) {
		ring_ent *e = ent_at(r, i);

		if (e->written)
			continue;
		emit_bytes(r, r->ring + e->off, e->len);
		if (recording(r)) {
			e->written = true;
			r->st.frames_written++;
		}
	}
}

/* --- calls ------------------------------------------------------------------ */

static void stamp_begin(af_rec *r, stamp *s)
{
	s->on = recording(r) && r->opt.stamps &&
		r->inner.ops->now_us(r->inner.ctx, &s->t0) == AF_OK;
	s->t1 = s->t0;
}

static void stamp_end(af_rec *r, stamp *s)
{
	if (s->on && r->inner.ops->now_us(r->inner.ctx, &s->t1) != AF_OK)
		s->on = false;
}

static size_t call_start(af_rec *r, int op, int rc, const stamp *s)
{
	size_t at = rec_start(r, AF_LOG_CALL);

	af_log_put_u64(&r->w, r->call);
	af_log_put_u8(&r->w, (uint8_t)op);
	af_log_put_i32(&r->w, rc);
	af_log_put_bool(&r->w, s->on);
	if (s->on) {
		af_log_put_i64(&r->w, s->t0);
		af_log_put_i64(&r->w, s->t1);
	}
	return at;
}

/* The message (failed calls), then out. */
static int call_finish(af_rec *r, size_t at, int rc)
{
	if (rc != AF_OK)
		af_log_put_str(&r->w, r->inner.ops->errmsg(r->inner.ctx));
	rec_finish(r, at);
	r->call++;
	r->st.calls++;
	return rc;
}

static int d_select_lens(void *ctx, af_lens lens)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->select_lens(r->inner.ctx, lens);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_SELECT_LENS, rc, &s);
	af_log_put_i32(&r->w, (int32_t)lens);
	return call_finish(r, at, rc);
}

static int d_get_lens(void *ctx, af_lens *lens)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->get_lens(r->inner.ctx, lens);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_GET_LENS, rc, &s);
	if (rc == AF_OK)
		af_log_put_i32(&r->w, (int32_t)*lens);
	return call_finish(r, at, rc);
}

static int d_move_z(void *ctx, double z_um)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->move_z(r->inner.ctx, z_um);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_MOVE_Z, rc, &s);
	af_log_put_f64(&r->w, z_um);
	return call_finish(r, at, rc);
}

static int d_get_z(void *ctx, double *z_um)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->get_z(r->inner.ctx, z_um);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_GET_Z, rc, &s);
	if (rc == AF_OK)
		af_log_put_f64(&r->w, *z_um);
	return call_finish(r, at, rc);
}

static int d_wait_settled(void *ctx, uint32_t timeout_ms)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->wait_settled(r->inner.ctx, timeout_ms);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_WAIT_SETTLED, rc, &s);
	af_log_put_u32(&r->w, timeout_ms);
	return call_finish(r, at, rc);
}

/*
 * A frame's description and pixels: size, bit depth, time, sequence,
 * digest, mean/min/max, then where the pixels are.  A frame inconsistent
 * with its buffer (a HAL bug) is described but neither digested nor kept.
 */
static void put_frame(af_rec *r, const af_frame *f)
{
	size_t npx = (size_t)f->width * f->height;
	bool usable = f->pixels && npx <= f->capacity_px;
	uint16_t lo = 0, hi = 0;
	double mean = 0.0;

	if (usable && npx) {
		uint64_t sum = 0;

		lo = hi = f->pixels[0];
		for (size_t i = 0; i < npx; i++) {
			uint16_t v = f->pixels[i];

			sum += v;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		mean = (double)sum / (double)npx;
	}
	af_log_put_u32(&r->w, f->width);
	af_log_put_u32(&r->w, f->height);
	af_log_put_u32(&r->w, f->bit_depth);
	af_log_put_i64(&r->w, f->timestamp_us);
	af_log_put_u64(&r->w, f->seq);
	af_log_put_u64(&r->w, usable ? af_log_digest_u16(f->pixels, npx) : 0);
	af_log_put_f64(&r->w, mean);
	af_log_put_u16(&r->w, lo);
	af_log_put_u16(&r->w, hi);
	r->st.frames++;
	if (!usable || npx > r->opt.max_frame_px) {
		af_log_put_u8(&r->w, AF_LOG_PX_TOO_LARGE);
		return;
	}
	if (r->opt.keep_last_n_ops == 0) {
		size_t at_n, n;

		af_log_put_u8(&r->w, AF_LOG_PX_INLINE);
		af_log_put_u8(&r->w, AF_LOG_ENC_MED);
		at_n = r->w.len;
		af_log_put_u32(&r->w, 0);
		if (r->w.overflow || r->w.cap - r->w.len < AF_LOG_PX_BOUND(npx)) {
			r->w.overflow = true;
			return;
		}
		n = af_log_px_encode(f->pixels, f->width, f->height, r->w.p + r->w.len);
		r->w.len += n;
		for (size_t i = 0; i < 4; i++)
			r->w.p[at_n + i] = (uint8_t)(n >> (8 * i));
		r->st.frames_inline++;
		return;
	}
	{
		size_t need = AF_LOG_REC_HEAD + PIXELS_FIXED + AF_LOG_PX_BOUND(npx) + AF_LOG_REC_TAIL;
		ring_ent *e = ring_alloc(r, need);
		af_log_wbuf pw;
		size_t at, at_n, n;

		if (!e) {
			af_log_put_u8(&r->w, AF_LOG_PX_NONE);
			return;
		}
		af_log_put_u8(&r->w, AF_LOG_PX_HELD);
		pw.p = r->ring + e->off;
		pw.len = 0;
		pw.cap = need;
		pw.overflow = false;
		at = af_log_rec_open(&pw, AF_LOG_PIXELS);
		af_log_put_u64(&pw, r->call);
		af_log_put_u32(&pw, f->width);
		af_log_put_u32(&pw, f->height);
		af_log_put_u8(&pw, AF_LOG_ENC_MED);
		at_n = pw.len;
		af_log_put_u32(&pw, 0);
		n = af_log_px_encode(f->pixels, f->width, f->height, pw.p + pw.len);
		pw.len += n;
		for (size_t i = 0; i < 4; i++)
			pw.p[at_n + i] = (uint8_t)(n >> (8 * i));
		(void)af_log_rec_close(&pw, at);
		e->len = pw.len;    /* trim to what the encoding took */
		r->st.frames_held++;
	}
}

static int d_grab_frame(void *ctx, af_frame *frame)
{
	af_rec *r = ctx;
	uint64_t cap = frame ? frame->capacity_px : 0;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->grab_frame(r->inner.ctx, frame);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_GRAB_FRAME, rc, &s);
	af_log_put_u64(&r->w, cap);
	if (rc == AF_OK && frame)
		put_frame(r, frame);
	r->grab_call = r->call;
	return call_finish(r, at, rc);
}

static int d_read_temperature(void *ctx, double *temp_c)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->read_temperature(r->inner.ctx, temp_c);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_READ_TEMPERATURE, rc, &s);
	if (rc == AF_OK)
		af_log_put_f64(&r->w, *temp_c);
	return call_finish(r, at, rc);
}

/* The clock is its own stamp: none around it. */
static int d_now_us(void *ctx, int64_t *t_us)
{
	af_rec *r = ctx;
	stamp s = { false, 0, 0 };
	size_t at;
	int rc = r->inner.ops->now_us(r->inner.ctx, t_us);

	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_NOW_US, rc, &s);
	if (rc == AF_OK)
		af_log_put_i64(&r->w, *t_us);
	return call_finish(r, at, rc);
}

static int d_sleep_us(void *ctx, uint32_t us)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->sleep_us(r->inner.ctx, us);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_SLEEP_US, rc, &s);
	af_log_put_u32(&r->w, us);
	return call_finish(r, at, rc);
}

static const char *d_errmsg(void *ctx)
{
	af_rec *r = ctx;

	return r->inner.ops->errmsg(r->inner.ctx);
}

static int d_set_exposure_us(void *ctx, uint32_t us)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->set_exposure_us(r->inner.ctx, us);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_SET_EXPOSURE_US, rc, &s);
	af_log_put_u32(&r->w, us);
	return call_finish(r, at, rc);
}

static int d_get_exposure_us(void *ctx, uint32_t *us)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->get_exposure_us(r->inner.ctx, us);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_GET_EXPOSURE_US, rc, &s);
	if (rc == AF_OK)
		af_log_put_u32(&r->w, *us);
	return call_finish(r, at, rc);
}

static void put_roi(af_log_wbuf *w, const af_roi *roi)
{
	af_log_put_u32(w, roi->x);
	af_log_put_u32(w, roi->y);
	af_log_put_u32(w, roi->width);
	af_log_put_u32(w, roi->height);
}

static int d_set_roi(void *ctx, const af_roi *roi)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->set_roi(r->inner.ctx, roi);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_SET_ROI, rc, &s);
	put_roi(&r->w, roi);
	return call_finish(r, at, rc);
}

static int d_get_roi(void *ctx, af_roi *roi)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->get_roi(r->inner.ctx, roi);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_GET_ROI, rc, &s);
	if (rc == AF_OK)
		put_roi(&r->w, roi);
	return call_finish(r, at, rc);
}

static int d_z_busy(void *ctx, bool *busy)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->z_busy(r->inner.ctx, busy);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_Z_BUSY, rc, &s);
	if (rc == AF_OK)
		af_log_put_bool(&r->w, *busy);
	return call_finish(r, at, rc);
}

/* The calibration's site callback, as a call of its own. */
int af__rec_site(af_rec *r, af_site_fn site, void *user, uint32_t index, double site_um)
{
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = site(user, index, site_um);
	stamp_end(r, &s);
	if (!recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_SITE, rc, &s);
	af_log_put_u32(&r->w, index);
	af_log_put_f64(&r->w, site_um);
	/* the callback has no message of its own */
	if (rc != AF_OK)
		af_log_put_str(&r->w, af_strerror(rc));
	rec_finish(r, at);
	r->call++;
	r->st.calls++;
	return rc;
}

/* --- engine operations --------------------------------------------------- */

static size_t op_start(af_rec *r, int kind)
{
	size_t at;

	r->op++;
	r->st.ops++;
	if (r->opt.keep_last_n_ops)
		ring_age(r);
	at = rec_start(r, AF_LOG_OP_BEGIN);
	af_log_put_u32(&r->w, r->op);
	af_log_put_u8(&r->w, (uint8_t)kind);
	return at;
}

static size_t op_end_start(af_rec *r, int kind, int rc)
{
	size_t at = rec_start(r, AF_LOG_OP_END);

	af_log_put_u32(&r->w, r->op);
	af_log_put_u8(&r->w, (uint8_t)kind);
	af_log_put_i32(&r->w, rc);
	return at;
}

/* After an operation: a failure writes the held pixels (the frames that
 * led to it). */
static void op_done(af_rec *r, size_t at, int rc)
{
	rec_finish(r, at);
	if (rc != AF_OK && r->opt.keep_last_n_ops)
		ring_flush(r);
}

void af__rec_handoff_begin(af_rec *r, af_lens from, af_lens to, double src_um)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_start(r, AF_LOG_OP_HANDOFF);
	af_log_put_i32(&r->w, (int32_t)from);
	af_log_put_i32(&r->w, (int32_t)to);
	af_log_put_f64(&r->w, src_um);
	rec_finish(r, at);
}

void af__rec_handoff_end(af_rec *r, int rc, const af_handoff_result *res)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_end_start(r, AF_LOG_OP_HANDOFF, rc);
	af_log_put_handoff(&r->w, res);
	op_done(r, at, rc);
}

void af__rec_autofocus_begin(af_rec *r, af_lens lens, double near_um)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_start(r, AF_LOG_OP_AUTOFOCUS);
	af_log_put_i32(&r->w, (int32_t)lens);
	af_log_put_f64(&r->w, near_um);
	rec_finish(r, at);
}

void af__rec_autofocus_end(af_rec *r, int rc, const af_focus_result *res)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_end_start(r, AF_LOG_OP_AUTOFOCUS, rc);
	af_log_put_focus(&r->w, res);
	op_done(r, at, rc);
}

void af__rec_calibrate_begin(af_rec *r, const af_calib_plan *plan, bool has_site)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_start(r, AF_LOG_OP_CALIBRATE);
	af_log_put_bool(&r->w, plan != NULL);
	af_log_put_bool(&r->w, has_site);
	af_log_put_u32(&r->w, plan ? plan->points : 0);
	af_log_put_f64(&r->w, plan ? plan->from_um : 0.0);
	af_log_put_f64(&r->w, plan ? plan->to_um : 0.0);
	af_log_put_u32(&r->w, plan ? plan->passes : 0);
	af_log_put_bool(&r->w, plan ? plan->measure_backlash : false);
	rec_finish(r, at);
}

void af__rec_calibrate_end(af_rec *r, int rc, const af_calib_report *rep)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_end_start(r, AF_LOG_OP_CALIBRATE, rc);
	af_log_put_calib(&r->w, rep);
	op_done(r, at, rc);
}

/* goto, tick, set_level and set_thermal: arguments, then rc and message. */
void af__rec_simple_begin(af_rec *r, int kind, int lens, double z_um)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_start(r, kind);
	if (kind == AF_LOG_OP_GOTO) {
		af_log_put_i32(&r->w, lens);
		af_log_put_f64(&r->w, z_um);
	} else if (kind == AF_LOG_OP_SET_LEVEL) {
		af_log_put_i32(&r->w, lens);
	} else if (kind == AF_LOG_OP_SET_THERMAL) {
		af_log_put_bool(&r->w, lens != 0);
	}
	rec_finish(r, at);
}

void af__rec_simple_end(af_rec *r, int kind, int rc, const char *msg)
{
	size_t at;

	if (!recording(r))
		return;
	at = op_end_start(r, kind, rc);
	af_log_put_str(&r->w, rc == AF_OK ? "" : msg);
	op_done(r, at, rc);
}

void af__rec_score(af_rec *r, af_measure_kind m, uint32_t stride, double score)
{
	size_t at;

	if (!recording(r))
		return;
	at = rec_start(r, AF_LOG_SCORE);
	af_log_put_u64(&r->w, r->grab_call);
	af_log_put_i32(&r->w, (int32_t)m);
	af_log_put_u32(&r->w, stride);
	af_log_put_f64(&r->w, score);
	rec_finish(r, at);
}

/* --- the recorder ----------------------------------------------------------- */

void af_rec_options_default(af_rec_options *o)
{
	memset(o, 0, sizeof *o);
	o->rig_id = "";
	o->build_id = "";
	o->keep_last_n_ops = 0;
	o->ring_bytes = (size_t)16 << 20;
	o->max_frame_px = 512 * 512;
	o->stamps = true;
}

static void copy_id(char *dst, const char *src)
{
	snprintf(dst, AF_LOG_STR_MAX + 1, "%s", src ? src : "");
}

static void bind_ops(af_rec *r)
{
	const af_hal_ops *in = r->inner.ops;

	r->ops.name = "recorder";
	r->ops.version = AF_HAL_VERSION;
	r->ops.select_lens = d_select_lens;
	r->ops.get_lens = d_get_lens;
	r->ops.move_z = d_move_z;
	r->ops.get_z = d_get_z;
	r->ops.wait_settled = d_wait_settled;
	r->ops.grab_frame = d_grab_frame;
	r->ops.read_temperature = d_read_temperature;
	r->ops.now_us = d_now_us;
	r->ops.sleep_us = d_sleep_us;
	r->ops.errmsg = d_errmsg;
	/* optional ops exactly where the wrapped HAL has them */
	r->ops.set_exposure_us = in->set_exposure_us ? d_set_exposure_us : NULL;
	r->ops.get_exposure_us = in->get_exposure_us ? d_get_exposure_us : NULL;
	r->ops.set_roi = in->set_roi ? d_set_roi : NULL;
	r->ops.get_roi = in->get_roi ? d_get_roi : NULL;
	r->ops.z_busy = in->z_busy ? d_z_busy : NULL;
	r->self.ops = &r->ops;
	r->self.ctx = r;
}

static uint32_t optional_ops(const af_hal_ops *o)
{
	return (o->set_exposure_us ? AF_LOG_HAS_SET_EXPOSURE : 0u) |
	       (o->get_exposure_us ? AF_LOG_HAS_GET_EXPOSURE : 0u) |
	       (o->set_roi ? AF_LOG_HAS_SET_ROI : 0u) | (o->get_roi ? AF_LOG_HAS_GET_ROI : 0u) |
	       (o->z_busy ? AF_LOG_HAS_Z_BUSY : 0u);
}

/* Magic, version and the header record, in one write. */
static void write_header(af_rec *r)
{
	size_t at;

	r->w.len = 0;
	r->w.overflow = false;
	af_log_put_bytes(&r->w, AF_LOG_MAGIC, AF_LOG_MAGIC_LEN);
	af_log_put_u32(&r->w, AF_LOG_VERSION);
	at = af_log_rec_open(&r->w, AF_LOG_HEADER);
	af_log_put_str(&r->w, AF_ENGINE_VERSION);
	af_log_put_str(&r->w, r->build_id);
	af_log_put_str(&r->w, r->rig_id);
	af_log_put_str(&r->w, r->inner.ops->name);
	af_log_put_u32(&r->w, r->inner.ops->version);
	af_log_put_u32(&r->w, optional_ops(r->inner.ops));
	af_log_put_u32(&r->w, r->opt.keep_last_n_ops);
	af_log_put_u32(&r->w, r->opt.stamps ? AF_LOG_FLAG_STAMPS : 0u);
	af_log_put_u64(&r->w, r->opt.max_frame_px);
	rec_finish(r, at);
}

af_rec *af_rec_new(const af_hal *inner, const af_rec_options *opt, const af_rec_sink *sink,
		   const char **err)
{
	af_rec_options def;
	af_rec *r = NULL;
	const char *why = "out of memory";

	if (!opt) {
		af_rec_options_default(&def);
		opt = &def;
	}
	if (!inner || !inner->ops || !sink || !sink->write) {
		why = "no hal or no sink";
		goto fail;
	}
	if (opt->max_frame_px == 0 || opt->max_frame_px > AF_LOG_PAYLOAD_MAX / 6 - RECORD_SLACK) {
		why = "max_frame_px must be in 1 .. 11 million pixels";
		goto fail;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		goto fail;
	r->inner = *inner;
	r->sink = *sink;
	r->opt = *opt;
	copy_id(r->rig_id, opt->rig_id);
	copy_id(r->build_id, opt->build_id);
	r->opt.rig_id = r->rig_id;
	r->opt.build_id = r->build_id;
	r->w.cap = AF_LOG_PX_BOUND(opt->max_frame_px) + RECORD_SLACK;
	r->w.p = malloc(r->w.cap);
	if (!r->w.p)
		goto fail;
	if (opt->keep_last_n_ops && opt->ring_bytes) {
		r->ring_cap = opt->ring_bytes;
		r->ring = malloc(r->ring_cap);
		r->ents = malloc(RING_ENTRIES * sizeof *r->ents);
		if (!r->ring || !r->ents)
			goto fail;
	}
	bind_ops(r);
	write_header(r);
	if (r->failed) {
		why = "cannot write the field log's header: the sink failed";
		goto fail;
	}
	if (err)
		*err = NULL;
	return r;
fail:
	if (err)
		*err = why;
	af_rec_free(r);
	return NULL;
}

void af_rec_free(af_rec *r)
{
	if (!r)
		return;
	free(r->w.p);
	free(r->ring);
	free(r->ents);
	free(r);
}

void af_rec_hal(af_rec *r, af_hal *out)
{
	*out = r->self;
}

af_engine *af_rec_engine_new(af_rec *r, const af_engine_config *cfg, const char **err)
{
	af_engine *e;
	const char *why = NULL;
	size_t at;
	int rc;

	if (!r || !cfg || r->has_engine) {
		if (err)
			*err = r && r->has_engine ? "the recorder already has an engine"
						  : "no recorder or configuration";
		return NULL;
	}
	r->has_engine = true;
	if (recording(r)) {
		/* op 0: no ring to age, no counter to advance */
		r->st.ops++;
		at = rec_start(r, AF_LOG_OP_BEGIN);
		af_log_put_u32(&r->w, 0);
		af_log_put_u8(&r->w, AF_LOG_OP_NEW);
		af_log_put_config(&r->w, cfg);
		rec_finish(r, at);
	}
	e = af_engine_new(&r->self, cfg, &why);
	rc = e ? AF_OK : (why && strcmp(why, "out of memory") == 0 ? AF_ENOMEM : AF_EINVAL);
	if (recording(r)) {
		at = op_end_start(r, AF_LOG_OP_NEW, rc);
		af_log_put_str(&r->w, why ? why : "");
		op_done(r, at, rc);
	}
	if (e)
		e->rec = r;
	if (err)
		*err = why;
	return e;
}

int af_rec_flush(af_rec *r)
{
	if (r->opt.keep_last_n_ops)
		ring_flush(r);
	return r->failed ? -1 : 0;
}

int af_rec_close(af_rec *r)
{
	size_t at;

	if (r->closed)
		return r->failed ? -1 : 0;
	(void)af_rec_flush(r);
	if (recording(r)) {
		at = rec_start(r, AF_LOG_END);
		af_log_put_u32(&r->w, r->op);
		af_log_put_u64(&r->w, r->call);
		af_log_put_u64(&r->w, r->st.frames);
		af_log_put_u64(&r->w, r->st.frames_inline + r->st.frames_written);
		rec_finish(r, at);
	}
	r->closed = true;
	return r->failed ? -1 : 0;
}

const char *af_rec_error(const af_rec *r)
{
	return r->failed ? r->errmsg : NULL;
}

void af_rec_get_stats(const af_rec *r, af_rec_stats *out)
{
	*out = r->st;
}
