/*
 * af_rec_hal.c - the flight recorder's HAL decorator (af_rec.h): every op
 * forwards the call unchanged to the wrapped HAL, then writes a call record
 * (arguments, return code, results or message, the clock stamps); frames
 * add their description and pixels, inline or into the ring of held pixels.
 *
 * The ring is a circular byte buffer of whole PIXELS records (a record
 * never wraps: when it does not fit at the end it starts at the beginning)
 * with a circular index of its entries, oldest first.  An operation's start
 * evicts the entries of operations more than N ago; a frame that does not
 * fit evicts the oldest entries until it does.  Evicting an entry that was
 * never written drops its frame (counted).  Frames are encoded straight
 * into the ring, so writing them later is one sink call each.
 */
#include "af_rec_impl.h"

/* The PIXELS payload before the pixel bytes: call, w, h, encoding, n. */
#define PIXELS_FIXED (8 + 4 + 4 + 1 + 4)

typedef struct stamp {
	bool on;
	int64_t t0, t1;
} stamp;

/* --- the ring of held pixels --------------------------------------------- */

static af_rec_ring_ent *ent_at(af_rec *r, size_t i)
{
	return &r->ents[(r->ent_head + i) % AF_REC_RING_ENTRIES];
}

static void ring_evict_oldest(af_rec *r)
{
	if (!ent_at(r, 0)->written)
		r->st.frames_dropped++;
	r->ent_head = (r->ent_head + 1) % AF_REC_RING_ENTRIES;
	r->ent_n--;
}

/* Room for `need` bytes at the ring's tail, evicting as needed; the entry
 * is appended (len = need, to be trimmed).  NULL when need exceeds the
 * ring. */
static af_rec_ring_ent *ring_alloc(af_rec *r, size_t need)
{
	af_rec_ring_ent *e;
	size_t off;

	if (need > r->ring_cap)
		return NULL;
	for (;;) {
		if (r->ent_n == AF_REC_RING_ENTRIES) {
			ring_evict_oldest(r);
			continue;
		}
		if (r->ent_n == 0) {
			off = 0;
			break;
		} else {
			size_t head = ent_at(r, 0)->off;
			const af_rec_ring_ent *last = ent_at(r, r->ent_n - 1);
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
	e = &r->ents[(r->ent_head + r->ent_n) % AF_REC_RING_ENTRIES];
	e->off = off;
	e->len = need;
	e->op = r->op;
	e->written = false;
	r->ent_n++;
	return e;
}

/* Forget the frames of operations more than N ago. */
void af__rec_ring_age(af_rec *r)
{
	while (r->ent_n && ent_at(r, 0)->op + r->opt.keep_last_n_ops <= r->op)
		ring_evict_oldest(r);
}

void af__rec_ring_flush(af_rec *r)
{
	for (size_t i = 0; i < r->ent_n && af__rec_recording(r); i++) {
		af_rec_ring_ent *e = ent_at(r, i);

		if (e->written)
			continue;
		af__rec_emit(r, r->ring + e->off, e->len);
		if (af__rec_recording(r)) {
			e->written = true;
			r->st.frames_written++;
		}
	}
}

/* --- calls ------------------------------------------------------------------ */

static void stamp_begin(af_rec *r, stamp *s)
{
	s->on = af__rec_recording(r) && r->opt.stamps &&
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
	size_t at = af__rec_start(r, AF_LOG_CALL);

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
	af__rec_finish(r, at);
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_WAIT_SETTLED, rc, &s);
	af_log_put_u32(&r->w, timeout_ms);
	return call_finish(r, at, rc);
}

static int d_wait_settled_z(void *ctx, uint32_t timeout_ms, double *z_um)
{
	af_rec *r = ctx;
	stamp s;
	size_t at;
	int rc;

	stamp_begin(r, &s);
	rc = r->inner.ops->wait_settled_z(r->inner.ctx, timeout_ms, z_um);
	stamp_end(r, &s);
	if (!af__rec_recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_WAIT_SETTLED_Z, rc, &s);
	af_log_put_u32(&r->w, timeout_ms);
	if (rc == AF_OK)
		af_log_put_f64(&r->w, *z_um);
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
		af_rec_ring_ent *e = ring_alloc(r, need);
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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

	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
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
	if (!af__rec_recording(r))
		return rc;
	at = call_start(r, AF_LOG_CALL_SITE, rc, &s);
	af_log_put_u32(&r->w, index);
	af_log_put_f64(&r->w, site_um);
	/* the callback has no message of its own */
	if (rc != AF_OK)
		af_log_put_str(&r->w, af_strerror(rc));
	af__rec_finish(r, at);
	r->call++;
	r->st.calls++;
	return rc;
}

/* --- the ops table ------------------------------------------------------ */

void af__rec_bind_ops(af_rec *r)
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
	r->ops.wait_settled_z = in->wait_settled_z ? d_wait_settled_z : NULL;
	r->self.ops = &r->ops;
	r->self.ctx = r;
}

