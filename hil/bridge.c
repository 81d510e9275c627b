/*
 * bridge.c - the af_hal over the rig protocol (bridge.h).
 *
 * One request at a time: format, send, then read lines until the reply
 * with the request's id arrives or the deadline passes.  Lines with the id
 * of an earlier request that timed out are late replies: dropped (with the
 * pixels of a late frame).  Anything else that is not the awaited reply (a
 * garbled line, another id, a frame failing its checksum) fails the
 * attempt; before another attempt the input is drained until the line
 * goes quiet, so the retry does not read the rest of the bad reply.
 *
 * Why ids and not just order: after a timeout the rig may still answer, and
 * without ids that late answer would be taken for the reply to the next
 * request (a GET_Z read as the answer of the following TEMP).  Why retries
 * only for reads: a MOVE_Z whose reply was lost may or may not have moved
 * the stage; sending it again is only safe when the caller decides so.
 */
#include "hil/bridge_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A drain before a retry stops after this long without input. */
#define QUIET_NS (20 * 1000000LL)
/* Longest quoted line in an exchange. */
#define QUOTE_MAX 160

void hil_bridge_config_default(hil_bridge_config *c)
{
	memset(c, 0, sizeof *c);
	c->name = "rig";
	c->connect_timeout_ms = 3000;
	c->timeout_ms = 1000;
	c->retries = 2;
	c->z_min_um = -490.0;
	c->z_max_um = 490.0;
	c->frames = true;
}

/* ---- messages --------------------------------------------------------- */

/* snprintf that may cut: messages are cut at their buffer's end. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void setf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* line[0..len) quoted: printable bytes as they are, others '?', cut. */
static void quote_line(char *out, size_t size, const char *line, size_t len)
{
	size_t o = 0;

	if (size < 8)
		return;
	out[o++] = '\'';
	for (size_t i = 0; i < len && o + 5 < size && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)line[i];

		out[o++] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	if (len > QUOTE_MAX) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o++] = '\'';
	out[o] = '\0';
}

static void update_exchange(hil_bridge *b)
{
	char s[QUOTE_MAX + 8], g[QUOTE_MAX + 8];

	quote_line(s, sizeof s, b->sent, strlen(b->sent));
	if (b->have_got) {
		quote_line(g, sizeof g, b->got, b->got_len);
		setf(b->exchange, sizeof b->exchange, "sent %s, received %s", s, g);
	} else {
		setf(b->exchange, sizeof b->exchange, "sent %s, received nothing", s);
	}
}

/* Record the failure of request verb: "rig 'x' (spec): VERB: what; exchange". */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(hil_bridge *b, int code, const char *verb, const char *fmt, ...)
{
	char what[HIL_BRIDGE_ERR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	update_exchange(b);
	setf(b->errmsg, sizeof b->errmsg, "rig '%s' (%s): %s: %s; %s", b->name, b->where, verb,
		 what, b->exchange);
	return code;
}

/* Without an exchange: refused before anything was sent. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int hil_br_refuse(hil_bridge *b, int code, const char *verb, const char *fmt, ...)
{
	char what[HIL_BRIDGE_ERR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	setf(b->errmsg, sizeof b->errmsg, "rig '%s' (%s): %s: %s", b->name, b->where, verb, what);
	return code;
}

static void note_got(hil_bridge *b, const char *line, size_t len)
{
	if (len > sizeof b->got - 1)
		len = sizeof b->got - 1;
	memcpy(b->got, line, len);
	b->got[len] = '\0';
	b->got_len = len;
	b->have_got = true;
}

/* The connection is gone: close it, keep why. */
static void lose(hil_bridge *b, const char *why)
{
	snprintf(b->lost, sizeof b->lost, "%s", why);
	if (b->link) {
		b->st.bytes_out += hil_link_bytes_out(b->link);
		b->st.bytes_in += hil_link_bytes_in(b->link);
		hil_link_free(b->link);
		b->link = NULL;
	}
}

/* ---- the exchange ----------------------------------------------------- */

static bool is_read(hil_verb v)
{
	switch (v) {
	case HIL_GET_LENS:
	case HIL_GET_Z:
	case HIL_Z_BUSY:
	case HIL_TEMP:
	case HIL_GET_EXPOSURE:
	case HIL_GET_ROI:
	case HIL_GRAB:
		return true;
	default:
		return false;
	}
}

static uint32_t take_id(hil_bridge *b)
{
	if (++b->next_id == 0)
		b->next_id = 1;
	return b->next_id;
}

static void remember_unanswered(hil_bridge *b, uint32_t id)
{
	if (b->n_unanswered == UNANSWERED_MAX) {
		memmove(b->unanswered, b->unanswered + 1, (UNANSWERED_MAX - 1) * sizeof b->unanswered[0]);
		b->n_unanswered--;
	}
	b->unanswered[b->n_unanswered++] = id;
}

/* Whether id is a request that timed out; it is forgotten then. */
static bool take_unanswered(hil_bridge *b, uint32_t id)
{
	for (size_t i = 0; i < b->n_unanswered; i++)
		if (b->unanswered[i] == id) {
			memmove(b->unanswered + i, b->unanswered + i + 1,
				(b->n_unanswered - i - 1) * sizeof b->unanswered[0]);
			b->n_unanswered--;
			return true;
		}
	return false;
}

/* Drop input until none has come for QUIET_NS or deadline_ns passes. */
static void drain_quiet(hil_bridge *b, int64_t deadline_ns)
{
	for (;;) {
		int64_t now = hil_now_ns(), until = now + QUIET_NS;
		struct pollfd p = { hil_link_fd(b->link), POLLIN, 0 };

		hil_link_drain(b->link);
		if (until > deadline_ns)
			until = deadline_ns;
		if (until <= now || poll(&p, 1, (int)((until - now + 999999) / 1000000)) <= 0 ||
		    (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
			return;
	}
}

static int grow_rx(hil_bridge *b, size_t n)
{
	uint8_t *p;

	if (b->rx_cap >= n)
		return 0;
	if (!(p = realloc(b->rx, n)))
		return -1;
	b->rx = p;
	b->rx_cap = n;
	return 0;
}

/* Read the nbytes of a frame into b->rx by deadline_ns: AF_OK or the
 * link's error (lerr says it). */
static int read_payload(hil_bridge *b, size_t nbytes, int64_t deadline_ns, char *lerr,
			size_t lerrlen)
{
	size_t got = 0;

	if (grow_rx(b, nbytes)) {
		snprintf(lerr, lerrlen, "out of memory for a frame of %zu bytes", nbytes);
		return AF_ENOMEM;
	}
	return hil_link_read_bytes(b->link, b->rx, nbytes, &got, deadline_ns, lerr, lerrlen);
}

/* The pixels of a late frame: read and dropped; AF_OK or the link's error. */
static int skip_late_frame(hil_bridge *b, const char *line, size_t len, int64_t deadline_ns,
			   char *lerr, size_t lerrlen)
{
	hil_reply late;

	if (hil_proto_parse_reply(line, len, HIL_GRAB, &late, NULL, 0) != AF_OK || late.code != AF_OK)
		return AF_OK;
	return read_payload(b, late.frame.nbytes, deadline_ns, lerr, lerrlen);
}

/* A transport failure of an attempt: retried for reads. */
typedef struct attempt_out {
	bool transport;  /* the failure was the link's or the protocol's, not the rig's answer */
} attempt_out;

/* The link failed with rc (lerr): EIO closes it for good. */
static int link_failed(hil_bridge *b, const char *verb, int rc, const char *lerr,
		       uint32_t timeout_ms, attempt_out *ao)
{
	ao->transport = true;
	if (rc == AF_EIO) {
		int code = fail(b, AF_EIO, verb, "%s", lerr);

		lose(b, lerr);
		ao->transport = false;
		return code;
	}
	if (rc == AF_ETIMEDOUT)
		return fail(b, AF_ETIMEDOUT, verb, "no reply within %u ms (%s)", timeout_ms, lerr);
	return fail(b, rc, verb, "%s", lerr);
}

/* One attempt of request rq; the frame (GRAB) lands in frame. */
static int attempt(hil_bridge *b, hil_request *rq, hil_reply *rp, uint32_t extra_ms,
		   af_frame *frame, attempt_out *ao)
{
	const char *verb = hil_verb_name(rq->verb);
	char line[HIL_PROTO_LINE_BUF], lerr[HIL_PROTO_ERR_MAX], perr_[HIL_PROTO_ERR_MAX];
	uint32_t wait_ms = b->cfg.timeout_ms + extra_ms;
	int64_t deadline;
	size_t len;
	int n, rc;

	ao->transport = false;
	rq->id = take_id(b);
	n = hil_proto_format_request(rq, line, sizeof line);
	if (n < 0)
		return hil_br_refuse(b, AF_EINVAL, verb, "cannot encode the request (a value out of range)");
	memcpy(b->sent, line, (size_t)n - 1);
	b->sent[n - 1] = '\0';
	b->have_got = false;
	b->st.requests++;
	deadline = hil_now_ns() + (int64_t)wait_ms * 1000000;
	rc = hil_link_write(b->link, line, (size_t)n, deadline, lerr, sizeof lerr);
	if (rc == AF_EIO) {
		/* the rig may have said why before it closed (busy) */
		if (hil_link_read_line(b->link, line, sizeof line, &len, 0, NULL, 0) == AF_OK &&
		    hil_proto_parse_reply(line, len, rq->verb, rp, NULL, 0) == AF_OK &&
		    rp->code != AF_OK) {
			note_got(b, line, len);
			n = fail(b, rp->code, verb, "the rig reports %s: %s", rp->code_name, rp->message);
			lose(b, b->errmsg);
			return n;
		}
	}
	if (rc != AF_OK)
		return link_failed(b, verb, rc, lerr, wait_ms, ao);
	for (;;) {
		uint32_t id;
		int64_t t_line;

		rc = hil_link_read_line(b->link, line, sizeof line, &len, deadline, lerr, sizeof lerr);
		t_line = hil_now_ns();
		if (rc == AF_ETIMEDOUT)
			remember_unanswered(b, rq->id);
		if (rc == AF_EPROTO) {
			note_got(b, line, len);
			drain_quiet(b, deadline);
			ao->transport = true;
			return fail(b, AF_EPROTO, verb, "garbled reply: %s", lerr);
		}
		if (rc != AF_OK)
			return link_failed(b, verb, rc, lerr, wait_ms, ao);
		note_got(b, line, len);
		if (hil_proto_reply_id(line, len, &id) == 0 && id != 0 && id != rq->id &&
		    take_unanswered(b, id)) {
			b->st.late_replies++;
			rc = skip_late_frame(b, line, len, deadline, lerr, sizeof lerr);
			if (rc != AF_OK)
				return link_failed(b, verb, rc, lerr, wait_ms, ao);
			continue;
		}
		if (hil_proto_parse_reply(line, len, rq->verb, rp, perr_, sizeof perr_) != AF_OK) {
			drain_quiet(b, deadline);
			ao->transport = true;
			return fail(b, AF_EPROTO, verb, "garbled reply: %s", perr_);
		}
		if (rp->id != rq->id && !(rp->id == 0 && rp->code != AF_OK)) {
			drain_quiet(b, deadline);
			ao->transport = true;
			return fail(b, AF_EPROTO, verb, "reply with id %" PRIu32 ", expected %" PRIu32,
				    rp->id, rq->id);
		}
		if (rp->code != AF_OK)
			return fail(b, rp->code, verb, "the rig reports %s: %s", rp->code_name,
				    rp->message);
		if (rq->verb != HIL_GRAB) {
			update_exchange(b);
			return AF_OK;
		}
		/* the pixels: their own deadline, the transfer time on top */
		deadline = t_line + (int64_t)b->cfg.timeout_ms * 1000000 +
			   2 * (int64_t)rp->frame.nbytes * hil_link_byte_ns(b->link);
		rc = read_payload(b, rp->frame.nbytes, deadline, lerr, sizeof lerr);
		if (rc == AF_ETIMEDOUT) {
			ao->transport = true;
			drain_quiet(b, hil_now_ns() + QUIET_NS);
			return fail(b, AF_ETIMEDOUT, verb, "frame pixels: %s by the deadline", lerr);
		}
		if (rc != AF_OK)
			return link_failed(b, verb, rc, lerr, wait_ms, ao);
		rc = hil_proto_take_frame(&rp->frame, b->rx, frame->pixels, frame->capacity_px, perr_,
					  sizeof perr_);
		if (rc == AF_EPROTO)
			ao->transport = true;
		if (rc != AF_OK)
			return fail(b, rc, verb, "%s", perr_);
		b->st.frames++;
		frame->width = rp->frame.width;
		frame->height = rp->frame.height;
		frame->bit_depth = rp->frame.bit_depth;
		frame->seq = rp->frame.seq;
		frame->timestamp_us = (t_line - b->t0_ns) / 1000 - rp->frame.age_us;
		update_exchange(b);
		return AF_OK;
	}
}

/* Request rq and its reply rp; reads are retried after transport failures. */
int hil_br_request(hil_bridge *b, hil_request *rq, hil_reply *rp, uint32_t extra_ms,
		   af_frame *frame)
{
	const char *verb = hil_verb_name(rq->verb);
	uint32_t attempts = is_read(rq->verb) ? 1 + b->cfg.retries : 1;
	int64_t t0 = hil_now_ns();
	attempt_out ao = { false };
	int rc = AF_EIO;

	memset(rp, 0, sizeof *rp);
	if (!b->link)
		return hil_br_refuse(b, AF_EIO, verb, "the connection was lost earlier: %s", b->lost);
	for (uint32_t a = 0; a < attempts && b->link; a++) {
		if (a > 0)
			b->st.retries++;
		rc = attempt(b, rq, rp, extra_ms, frame, &ao);
		if (rc == AF_OK || !ao.transport)
			break;
	}
	if (rc != AF_OK && (ao.transport || !b->link))
		b->st.failures++;
	if (rc != AF_OK && ao.transport && attempts > 1) {
		char tail[64];

		snprintf(tail, sizeof tail, " (after %u attempts)", attempts);
		if (strlen(b->errmsg) + strlen(tail) < sizeof b->errmsg)
			strcat(b->errmsg, tail);
	}
	b->st.io_ns += hil_now_ns() - t0;
	return rc;
}

/* A request with no values. */
int hil_br_simple(hil_bridge *b, hil_verb v, hil_reply *rp)
{
	hil_request rq = { .verb = v };

	return hil_br_request(b, &rq, rp, 0, NULL);
}

int hil_br_need_cap(hil_bridge *b, hil_verb v)
{
	uint32_t cap = hil_verb_cap(v);

	if (!cap || (b->hello.caps & cap))
		return AF_OK;
	return hil_br_refuse(b, AF_ENOTSUP, hil_verb_name(v), "the rig has no '%s' capability",
		      hil_cap_name(cap));
}

/* ---- HAL ops ------------------------------------------------------------ */

static int op_select_lens(void *ctx, af_lens lens)
{
	hil_bridge *b = ctx;
	hil_request rq;
	hil_reply rp;

	if (lens != AF_LENS_A && lens != AF_LENS_B)
		return hil_br_refuse(b, AF_EINVAL, "SELECT_LENS", "no lens %d", (int)lens);
	rq = (hil_request){ .verb = HIL_SELECT_LENS, .lens = lens };
	return hil_br_request(b, &rq, &rp, 0, NULL);
}

static int op_get_lens(void *ctx, af_lens *lens)
{
	hil_reply rp;
	int rc = hil_br_simple(ctx, HIL_GET_LENS, &rp);

	if (rc == AF_OK)
		*lens = rp.lens;
	return rc;
}

static int op_move_z(void *ctx, double z_um)
{
	hil_bridge *b = ctx;
	hil_request rq;
	hil_reply rp;

	if (!isfinite(z_um))
		return hil_br_refuse(b, AF_EINVAL, "MOVE_Z", "target is not a finite number");
	if (z_um < b->cfg.z_min_um || z_um > b->cfg.z_max_um)
		return hil_br_refuse(b, AF_ERANGE, "MOVE_Z",
			      "%.3f um is beyond the travel [%.1f, %.1f] um of the rig file; not sent",
			      z_um, b->cfg.z_min_um, b->cfg.z_max_um);
	rq = (hil_request){ .verb = HIL_MOVE_Z, .z_um = z_um };
	return hil_br_request(b, &rq, &rp, 0, NULL);
}

static int op_get_z(void *ctx, double *z_um)
{
	hil_reply rp;
	int rc = hil_br_simple(ctx, HIL_GET_Z, &rp);

	if (rc == AF_OK)
		*z_um = rp.z_um;
	return rc;
}

static int op_z_busy(void *ctx, bool *busy)
{
	hil_reply rp;
	int rc = hil_br_need_cap(ctx, HIL_Z_BUSY);

	if (rc == AF_OK)
		rc = hil_br_simple(ctx, HIL_Z_BUSY, &rp);
	if (rc == AF_OK)
		*busy = rp.busy;
	return rc;
}

/* WAIT_SETTLED or WAIT_SETTLED_Z: the reply may take the timeout on top
 * of the usual deadline; never repeated (a read it is not). */
static int settle_request(hil_bridge *b, hil_verb v, uint32_t timeout_ms, hil_reply *rp)
{
	hil_request rq;

	if (timeout_ms < 1 || timeout_ms > HIL_PROTO_TIMEOUT_MAX_MS)
		return hil_br_refuse(b, AF_EINVAL, hil_verb_name(v), "timeout %u ms is outside [1, %u] ms",
			      timeout_ms, HIL_PROTO_TIMEOUT_MAX_MS);
	rq = (hil_request){ .verb = v, .timeout_ms = timeout_ms };
	return hil_br_request(b, &rq, rp, timeout_ms, NULL);
}

static int op_wait_settled(void *ctx, uint32_t timeout_ms)
{
	hil_reply rp;

	return settle_request(ctx, HIL_WAIT_SETTLED, timeout_ms, &rp);
}

/* Only where the rig announced "settled_z"; AF_ENOTSUP otherwise, before
 * anything is sent (the engine then waits and reads GET_Z). */
static int op_wait_settled_z(void *ctx, uint32_t timeout_ms, double *z_um)
{
	hil_reply rp;
	int rc = hil_br_need_cap(ctx, HIL_WAIT_SETTLED_Z);

	if (rc == AF_OK)
		rc = settle_request(ctx, HIL_WAIT_SETTLED_Z, timeout_ms, &rp);
	if (rc == AF_OK)
		*z_um = rp.z_um;
	return rc;
}

static int op_read_temperature(void *ctx, double *temp_c)
{
	hil_reply rp;
	int rc = hil_br_simple(ctx, HIL_TEMP, &rp);

	if (rc == AF_OK)
		*temp_c = rp.temp_c;
	return rc;
}

static int op_now_us(void *ctx, int64_t *t_us)
{
	const hil_bridge *b = ctx;

	*t_us = (hil_now_ns() - b->t0_ns) / 1000;
	return AF_OK;
}

static int op_sleep_us(void *ctx, uint32_t us)
{
	struct timespec ts;
	int64_t until = hil_now_ns() + (int64_t)us * 1000;

	(void)ctx;
	ts.tv_sec = (time_t)(until / 1000000000);
	ts.tv_nsec = (long)(until % 1000000000);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return AF_OK;
}

static const char *op_errmsg(void *ctx)
{
	const hil_bridge *b = ctx;

	return b->errmsg;
}

static const af_hal_ops bridge_ops = {
	.name = "hil",
	.version = AF_HAL_VERSION,
	.select_lens = op_select_lens,
	.get_lens = op_get_lens,
	.move_z = op_move_z,
	.get_z = op_get_z,
	.wait_settled = op_wait_settled,
	.grab_frame = hil_br_grab_frame,
	.read_temperature = op_read_temperature,
	.now_us = op_now_us,
	.sleep_us = op_sleep_us,
	.errmsg = op_errmsg,
	.set_exposure_us = hil_br_set_exposure_us,
	.get_exposure_us = hil_br_get_exposure_us,
	.set_roi = hil_br_set_roi,
	.get_roi = hil_br_get_roi,
	.z_busy = op_z_busy,
	.wait_settled_z = op_wait_settled_z,
};

const af_hal_ops *hil_bridge_ops(void)
{
	return &bridge_ops;
}

void hil_bridge_bind(hil_bridge *b, af_hal *hal)
{
	hal->ops = &bridge_ops;
	hal->ctx = b;
}

int hil_bridge_place(hil_bridge *b, double z_plan_um)
{
	hil_request rq;
	hil_reply rp;
	int rc = hil_br_need_cap(b, HIL_PLACE);

	if (rc != AF_OK)
		return rc;
	if (!isfinite(z_plan_um) || fabs(z_plan_um) > HIL_PROTO_Z_MAX_UM)
		return hil_br_refuse(b, AF_EINVAL, "PLACE", "plan position is not a finite number in range");
	rq = (hil_request){ .verb = HIL_PLACE, .z_um = z_plan_um };
	return hil_br_request(b, &rq, &rp, 0, NULL);
}

/* ---- life --------------------------------------------------------------- */

hil_bridge *hil_bridge_open(const hil_bridge_config *cfg, char *err, size_t errlen)
{
	hil_bridge *b = calloc(1, sizeof *b);
	hil_request rq;
	hil_reply rp;
	char lerr[HIL_BRIDGE_ERR_MAX];
	uint32_t saved;
	int rc;

	if (!b) {
		setf(err, errlen, "out of memory");
		return NULL;
	}
	b->cfg = *cfg;
	snprintf(b->name, sizeof b->name, "%s", cfg->name ? cfg->name : "rig");
	b->cfg.name = b->name;
	hil_transport_text(&cfg->transport, b->where, sizeof b->where);
	snprintf(b->errmsg, sizeof b->errmsg, "no error");
	setf(b->exchange, sizeof b->exchange, "nothing sent");
	b->t0_ns = hil_now_ns();
	b->link = hil_link_open(&cfg->transport, cfg->connect_timeout_ms, lerr, sizeof lerr);
	if (!b->link) {
		setf(err, errlen, "rig '%s': %s", b->name, lerr);
		goto fail;
	}
	/* the greeting: within the connect timeout, never retried (a rig
	 * that garbles its greeting is not one to run on) */
	rq = (hil_request){ .verb = HIL_HELLO, .version = HIL_PROTO_VERSION };
	saved = b->cfg.timeout_ms;
	b->cfg.timeout_ms = cfg->connect_timeout_ms;
	rc = hil_br_request(b, &rq, &rp, 0, NULL);
	b->cfg.timeout_ms = saved;
	if (rc != AF_OK) {
		if (strcmp(rp.code_name, "EBUSY") == 0)
			setf(err, errlen, "rig '%s' at %s is busy: %s", b->name, b->where,
				 rp.message);
		else
			setf(err, errlen, "%s", b->errmsg);
		goto fail;
	}
	b->hello = rp.hello;
	if (rp.hello.version != HIL_PROTO_VERSION) {
		setf(err, errlen, "rig '%s' at %s speaks protocol version %u, expected %u",
			 b->name, b->where, rp.hello.version, HIL_PROTO_VERSION);
		goto fail;
	}
	if (cfg->frames && !(rp.hello.caps & HIL_CAP_FRAMES)) {
		setf(err, errlen,
			 "rig '%s' at %s does not send frames (no 'frames' capability), but its "
			 "camera is 'rig'", b->name, b->where);
		goto fail;
	}
	if (hil_br_camera_open(b, cfg, err, errlen) != 0)
		goto fail;
	return b;
fail:
	hil_bridge_free(b);
	return NULL;
}

void hil_bridge_free(hil_bridge *b)
{
	if (!b)
		return;
	hil_br_camera_close(b);
	if (b->link)
		hil_link_free(b->link);
	free(b->rx);
	free(b);
}

const hil_hello *hil_bridge_hello(const hil_bridge *b)
{
	return &b->hello;
}

const char *hil_bridge_last_exchange(const hil_bridge *b)
{
	return b->exchange;
}

const char *hil_bridge_errmsg(const hil_bridge *b)
{
	return b->errmsg;
}

bool hil_bridge_connected(const hil_bridge *b)
{
	return b->link != NULL;
}

void hil_bridge_get_stats(const hil_bridge *b, hil_bridge_stats *out)
{
	*out = b->st;
	if (b->link) {
		out->bytes_out += hil_link_bytes_out(b->link);
		out->bytes_in += hil_link_bytes_in(b->link);
	}
}
