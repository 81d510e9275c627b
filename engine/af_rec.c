/*
 * af_rec.c - the flight recorder (af_rec.h): the object, the log's header
 * and end record, and the engine's recording hooks (af_engine_impl.h); the
 * HAL decorator is af_rec_hal.c.
 *
 * Every record is assembled in one buffer (sized at creation for the
 * largest frame) and handed to the sink in one write, so a crash tears at
 * most the last record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "af_rec_impl.h"

bool af__rec_recording(const af_rec *r)
{
	return !r->closed && !r->failed;
}

void af__rec_emit(af_rec *r, const void *b, size_t n)
{
	int rc;

	if (!af__rec_recording(r))
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

size_t af__rec_start(af_rec *r, int type)
{
	r->w.len = 0;
	r->w.overflow = false;
	return af_log_rec_open(&r->w, type);
}

/* Close and write the record; an overflow (a bug: the buffer is sized for
 * the largest record) stops the recording rather than write garbage. */
void af__rec_finish(af_rec *r, size_t at)
{
	if (!af_log_rec_close(&r->w, at)) {
		if (af__rec_recording(r)) {
			r->failed = true;
			snprintf(r->errmsg, sizeof r->errmsg,
				 "cannot write the field log: a record outgrew the %zu-byte buffer: "
				 "recording stopped", r->w.cap);
		}
		return;
	}
	af__rec_emit(r, r->w.p, r->w.len);
}

/* --- engine operations --------------------------------------------------- */

static size_t op_start(af_rec *r, int kind)
{
	size_t at;

	r->op++;
	r->st.ops++;
	if (r->opt.keep_last_n_ops)
		af__rec_ring_age(r);
	at = af__rec_start(r, AF_LOG_OP_BEGIN);
	af_log_put_u32(&r->w, r->op);
	af_log_put_u8(&r->w, (uint8_t)kind);
	return at;
}

static size_t op_end_start(af_rec *r, int kind, int rc)
{
	size_t at = af__rec_start(r, AF_LOG_OP_END);

	af_log_put_u32(&r->w, r->op);
	af_log_put_u8(&r->w, (uint8_t)kind);
	af_log_put_i32(&r->w, rc);
	return at;
}

/* After an operation: a failure writes the held pixels (the frames that
 * led to it). */
static void op_done(af_rec *r, size_t at, int rc)
{
	af__rec_finish(r, at);
	if (rc != AF_OK && r->opt.keep_last_n_ops)
		af__rec_ring_flush(r);
}

void af__rec_handoff_begin(af_rec *r, af_lens from, af_lens to, double src_um)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = op_start(r, AF_LOG_OP_HANDOFF);
	af_log_put_i32(&r->w, (int32_t)from);
	af_log_put_i32(&r->w, (int32_t)to);
	af_log_put_f64(&r->w, src_um);
	af__rec_finish(r, at);
}

void af__rec_handoff_end(af_rec *r, int rc, const af_handoff_result *res)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = op_end_start(r, AF_LOG_OP_HANDOFF, rc);
	af_log_put_handoff(&r->w, res);
	op_done(r, at, rc);
}

void af__rec_autofocus_begin(af_rec *r, af_lens lens, double near_um)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = op_start(r, AF_LOG_OP_AUTOFOCUS);
	af_log_put_i32(&r->w, (int32_t)lens);
	af_log_put_f64(&r->w, near_um);
	af__rec_finish(r, at);
}

void af__rec_autofocus_end(af_rec *r, int rc, const af_focus_result *res)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = op_end_start(r, AF_LOG_OP_AUTOFOCUS, rc);
	af_log_put_focus(&r->w, res);
	op_done(r, at, rc);
}

void af__rec_calibrate_begin(af_rec *r, const af_calib_plan *plan, bool has_site)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = op_start(r, AF_LOG_OP_CALIBRATE);
	af_log_put_bool(&r->w, plan != NULL);
	af_log_put_bool(&r->w, has_site);
	af_log_put_u32(&r->w, plan ? plan->points : 0);
	af_log_put_f64(&r->w, plan ? plan->from_um : 0.0);
	af_log_put_f64(&r->w, plan ? plan->to_um : 0.0);
	af_log_put_u32(&r->w, plan ? plan->passes : 0);
	af_log_put_bool(&r->w, plan ? plan->measure_backlash : false);
	af__rec_finish(r, at);
}

void af__rec_calibrate_end(af_rec *r, int rc, const af_calib_report *rep)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = op_end_start(r, AF_LOG_OP_CALIBRATE, rc);
	af_log_put_calib(&r->w, rep);
	op_done(r, at, rc);
}

/* goto, tick, set_level and set_thermal: arguments, then rc and message. */
void af__rec_simple_begin(af_rec *r, int kind, int lens, double z_um)
{
	size_t at;

	if (!af__rec_recording(r))
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
	af__rec_finish(r, at);
}

void af__rec_simple_end(af_rec *r, int kind, int rc, const char *msg)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = op_end_start(r, kind, rc);
	af_log_put_str(&r->w, rc == AF_OK ? "" : msg);
	op_done(r, at, rc);
}

void af__rec_score(af_rec *r, af_measure_kind m, uint32_t stride, double score)
{
	size_t at;

	if (!af__rec_recording(r))
		return;
	at = af__rec_start(r, AF_LOG_SCORE);
	af_log_put_u64(&r->w, r->grab_call);
	af_log_put_i32(&r->w, (int32_t)m);
	af_log_put_u32(&r->w, stride);
	af_log_put_f64(&r->w, score);
	af__rec_finish(r, at);
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

static uint32_t optional_ops(const af_hal_ops *o)
{
	return (o->set_exposure_us ? AF_LOG_HAS_SET_EXPOSURE : 0u) |
	       (o->get_exposure_us ? AF_LOG_HAS_GET_EXPOSURE : 0u) |
	       (o->set_roi ? AF_LOG_HAS_SET_ROI : 0u) | (o->get_roi ? AF_LOG_HAS_GET_ROI : 0u) |
	       (o->z_busy ? AF_LOG_HAS_Z_BUSY : 0u) |
	       (o->wait_settled_z ? AF_LOG_HAS_WAIT_SETTLED_Z : 0u);
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
	af__rec_finish(r, at);
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
	if (opt->max_frame_px == 0 || opt->max_frame_px > AF_LOG_PAYLOAD_MAX / 6 - AF_REC_SLACK) {
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
	r->w.cap = AF_LOG_PX_BOUND(opt->max_frame_px) + AF_REC_SLACK;
	r->w.p = malloc(r->w.cap);
	if (!r->w.p)
		goto fail;
	if (opt->keep_last_n_ops && opt->ring_bytes) {
		r->ring_cap = opt->ring_bytes;
		r->ring = malloc(r->ring_cap);
		r->ents = malloc(AF_REC_RING_ENTRIES * sizeof *r->ents);
		if (!r->ring || !r->ents)
			goto fail;
	}
	af__rec_bind_ops(r);
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
	if (af__rec_recording(r)) {
		/* op 0: no ring to age, no counter to advance */
		r->st.ops++;
		at = af__rec_start(r, AF_LOG_OP_BEGIN);
		af_log_put_u32(&r->w, 0);
		af_log_put_u8(&r->w, AF_LOG_OP_NEW);
		af_log_put_config(&r->w, cfg);
		af__rec_finish(r, at);
	}
	e = af_engine_new(&r->self, cfg, &why);
	rc = e ? AF_OK : (why && strcmp(why, "out of memory") == 0 ? AF_ENOMEM : AF_EINVAL);
	if (af__rec_recording(r)) {
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
		af__rec_ring_flush(r);
	return r->failed ? -1 : 0;
}

int af_rec_close(af_rec *r)
{
	size_t at;

	if (r->closed)
		return r->failed ? -1 : 0;
	(void)af_rec_flush(r);
	if (af__rec_recording(r)) {
		at = af__rec_start(r, AF_LOG_END);
		af_log_put_u32(&r->w, r->op);
		af_log_put_u64(&r->w, r->call);
		af_log_put_u64(&r->w, r->st.frames);
		af_log_put_u64(&r->w, r->st.frames_inline + r->st.frames_written);
		af__rec_finish(r, at);
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
