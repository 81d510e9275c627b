/*
 * emul_exec.c - the rig emulator's requests (emul_impl.h): each verb run
 * on the simulated rig through its HAL, its reply (a line, and the pixels
 * of a frame) made ready to send.  Serving thread, mu held.
 */
#include "hil/emul_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil/proto.h"
#include "sim/sim_ctl.h"

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
	void *np;

	if (*cap >= n)
		return 0;
	if (n > SIZE_MAX / elem || !(np = realloc(*p, n * elem)))
		return -1;
	*p = np;
	*cap = n;
	return 0;
}

/* The reply to a GRAB: the header line into e->out, the pixels into
 * e->pay.  AF_OK or the simulated HAL's error (its message is the HAL's);
 * AF_ENOMEM with msg set when the emulator's own buffers cannot grow. */
static int run_grab(hil_emul *e, uint32_t id, char *msg, size_t msg_cap)
{
	af_roi roi;
	af_frame fr;
	hil_reply rp;
	size_t npx;
	int len, rc;

	memset(&fr, 0, sizeof fr);
	e->hal.ops->get_roi(e->hal.ctx, &roi);
	npx = (size_t)roi.width * roi.height;
	if (grow((void **)&e->px, &e->px_cap, npx, sizeof *e->px) ||
	    grow((void **)&e->pay, &e->pay_cap, 2 * npx, 1)) {
		snprintf(msg, msg_cap, "out of memory for a %ux%u frame", roi.width, roi.height);
		return AF_ENOMEM;
	}
	fr.pixels = e->px;
	fr.capacity_px = e->px_cap;
	rc = e->hal.ops->grab_frame(e->hal.ctx, &fr);
	if (rc != AF_OK)
		return rc;
	npx = (size_t)fr.width * fr.height;
	hil_proto_put_pixels(fr.pixels, npx, e->pay);
	memset(&rp, 0, sizeof rp);
	rp.id = id;
	rp.frame.width = fr.width;
	rp.frame.height = fr.height;
	rp.frame.bit_depth = fr.bit_depth;
	rp.frame.seq = fr.seq;
	rp.frame.age_us = (sim_ctl_now_ns(e->sh) - fr.timestamp_us * 1000) / 1000;
	rp.frame.nbytes = 2 * npx;
	rp.frame.crc32 = hil_crc32(0, e->pay, 2 * npx);
	len = hil_proto_format_reply(HIL_GRAB, &rp, e->out, sizeof e->out);
	if (len < 0)
		return AF_EIO;
	e->out_len = (size_t)len;
	e->pay_len = 2 * npx;
	return AF_OK;
}

void hil_em_execute(hil_emul *e, const hil_request *rq)
{
	const af_hal_ops *o = e->hal.ops;
	void *c = e->hal.ctx;
	hil_reply rp;
	int rc = AF_OK, len;
	char msg[HIL_PROTO_ERR_MAX];

	memset(&rp, 0, sizeof rp);
	rp.id = rq->id;
	msg[0] = '\0';
	e->out_len = e->pay_len = 0;
	if (hil_verb_cap(rq->verb) & e->cfg.withhold_caps) {
		/* an older rig: the verb of a capability it does not announce */
		snprintf(msg, sizeof msg, "%s: this rig has no '%s' capability",
			 hil_verb_name(rq->verb), hil_cap_name(hil_verb_cap(rq->verb)));
		rc = AF_ENOTSUP;
		goto refuse;
	}
	switch (rq->verb) {
	case HIL_HELLO:
		if (rq->version != HIL_PROTO_VERSION) {
			rc = AF_EPROTO;
			snprintf(msg, sizeof msg, "protocol version %u is not spoken here, this rig speaks %u",
				 rq->version, HIL_PROTO_VERSION);
			break;
		}
		rp.hello.version = HIL_PROTO_VERSION;
		snprintf(rp.hello.name, sizeof rp.hello.name, "%s", e->name);
		snprintf(rp.hello.ident, sizeof rp.hello.ident, "%s", e->ident);
		rp.hello.caps = (HIL_CAP_BUSY | HIL_CAP_EXPOSURE | HIL_CAP_ROI | HIL_CAP_FRAMES |
				 HIL_CAP_PLACE | HIL_CAP_SETTLED_Z) & ~e->cfg.withhold_caps;
		break;
	case HIL_SELECT_LENS:
		rc = o->select_lens(c, rq->lens);
		break;
	case HIL_GET_LENS:
		rc = o->get_lens(c, &rp.lens);
		break;
	case HIL_MOVE_Z:
		rc = o->move_z(c, rq->z_um);
		if (rc == AF_OK) {
			e->have_target = true;
			e->target_um = rq->z_um;
		}
		break;
	case HIL_GET_Z:
		rc = o->get_z(c, &rp.z_um);
		break;
	case HIL_Z_BUSY:
		rc = o->z_busy(c, &rp.busy);
		break;
	case HIL_WAIT_SETTLED:
		rc = o->wait_settled(c, rq->timeout_ms);
		break;
	case HIL_WAIT_SETTLED_Z:
		rc = o->wait_settled_z(c, rq->timeout_ms, &rp.z_um);
		/* the faulty firmware: it waits all the same, then answers
		 * where the stage was sent, not where the encoder has it */
		if (rc == AF_OK && e->cfg.settled_z == HIL_EMUL_SETTLED_Z_COMMANDED && e->have_target)
			rp.z_um = e->target_um;
		break;
	case HIL_TEMP:
		rc = o->read_temperature(c, &rp.temp_c);
		break;
	case HIL_SET_EXPOSURE:
		rc = o->set_exposure_us(c, rq->exposure_us);
		break;
	case HIL_GET_EXPOSURE:
		rc = o->get_exposure_us(c, &rp.exposure_us);
		break;
	case HIL_SET_ROI:
		rc = o->set_roi(c, &rq->roi);
		break;
	case HIL_GET_ROI:
		rc = o->get_roi(c, &rp.roi);
		break;
	case HIL_GRAB:
		if ((rc = run_grab(e, rq->id, msg, sizeof msg)) == AF_OK)
			return;
		break;
	case HIL_PLACE:
		sim_ctl_set_place(e->sh, rq->z_um);
		break;
	case HIL_VERB_COUNT:
		rc = AF_EPROTO;
		break;
	}
	if (rc == AF_OK) {
		len = hil_proto_format_reply(rq->verb, &rp, e->out, sizeof e->out);
		if (len >= 0) {
			e->out_len = (size_t)len;
			return;
		}
		rc = AF_EIO;
		snprintf(msg, sizeof msg, "cannot encode the reply to %s", hil_verb_name(rq->verb));
	}
refuse:
	if (!msg[0])
		snprintf(msg, sizeof msg, "%s", o->errmsg(c));
	len = hil_proto_format_error(rq->id, rc, msg, e->out, sizeof e->out);
	e->out_len = len < 0 ? 0 : (size_t)len;
}
