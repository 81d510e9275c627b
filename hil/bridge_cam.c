/*
 * bridge_cam.c - the bridge's camera ops: frames, exposure and ROI, over
 * the rig protocol (GRAB, SET_EXPOSURE, ...) or, when the rig file names a
 * GenICam camera, from that camera through the driver (hil/genicam.h)
 * while lens, stage and temperature stay on the protocol.
 *
 * A camera call that fails keeps the driver's code (ETIMEDOUT for a frame
 * that did not come, EIO for an incomplete one, ENOTSUP, EINVAL, EHW for a
 * camera gone; the driver reconnects, bounded, at the next call) and its
 * message, prefixed with the rig, as the bridge's message.  The driver's
 * timestamps are on CLOCK_MONOTONIC from its epoch; the bridge's HAL clock
 * counts from hil_bridge_open, so they are moved onto it.
 */
#include "hil/bridge_impl.h"

#include <stdio.h>
#include <string.h>

/* The camera's failure as the bridge's: "rig 'x' (genicam:ID): <driver's>". */
static int cam_fail(hil_bridge *b, int rc)
{
	snprintf(b->errmsg, sizeof b->errmsg, "rig '%s' (%s): %s", b->name, b->cam_id,
		 hil_genicam_errmsg(b->cam));
	return rc;
}

int hil_br_grab_frame(void *ctx, af_frame *frame)
{
	hil_bridge *b = ctx;
	hil_request rq;
	hil_reply rp;
	int rc;

	if (b->cam) {
		rc = hil_genicam_grab(b->cam, frame);
		if (rc != AF_OK)
			return cam_fail(b, rc);
		frame->timestamp_us -= b->t0_ns / 1000;
		return AF_OK;
	}
	rc = hil_br_need_cap(b, HIL_GRAB);
	if (rc != AF_OK)
		return rc;
	if (!frame || !frame->pixels)
		return hil_br_refuse(b, AF_EINVAL, "GRAB", "no pixel buffer");
	rq = (hil_request){ .verb = HIL_GRAB };
	return hil_br_request(b, &rq, &rp, (b->exposure_us + 999) / 1000, frame);
}

int hil_br_set_exposure_us(void *ctx, uint32_t us)
{
	hil_bridge *b = ctx;
	hil_request rq;
	hil_reply rp;
	int rc;

	if (b->cam) {
		rc = hil_genicam_set_exposure_us(b->cam, us);
		return rc == AF_OK ? AF_OK : cam_fail(b, rc);
	}
	rc = hil_br_need_cap(b, HIL_SET_EXPOSURE);
	if (rc != AF_OK)
		return rc;
	if (us < 1 || us > HIL_PROTO_EXPOSURE_MAX_US)
		return hil_br_refuse(b, AF_EINVAL, "SET_EXPOSURE", "%u us is outside [1, %u] us", us,
				     HIL_PROTO_EXPOSURE_MAX_US);
	rq = (hil_request){ .verb = HIL_SET_EXPOSURE, .exposure_us = us };
	rc = hil_br_request(b, &rq, &rp, 0, NULL);
	if (rc == AF_OK)
		b->exposure_us = us;
	return rc;
}

int hil_br_get_exposure_us(void *ctx, uint32_t *us)
{
	hil_bridge *b = ctx;
	hil_reply rp;
	int rc;

	if (b->cam) {
		rc = hil_genicam_get_exposure_us(b->cam, us);
		return rc == AF_OK ? AF_OK : cam_fail(b, rc);
	}
	rc = hil_br_need_cap(b, HIL_GET_EXPOSURE);
	if (rc == AF_OK)
		rc = hil_br_simple(b, HIL_GET_EXPOSURE, &rp);
	if (rc == AF_OK)
		*us = b->exposure_us = rp.exposure_us;
	return rc;
}

int hil_br_set_roi(void *ctx, const af_roi *roi)
{
	hil_bridge *b = ctx;
	hil_request rq;
	hil_reply rp;
	int rc;

	if (b->cam) {
		rc = hil_genicam_set_roi(b->cam, roi);
		return rc == AF_OK ? AF_OK : cam_fail(b, rc);
	}
	rc = hil_br_need_cap(b, HIL_SET_ROI);
	if (rc != AF_OK)
		return rc;
	rq = (hil_request){ .verb = HIL_SET_ROI, .roi = *roi };
	return hil_br_request(b, &rq, &rp, 0, NULL);
}

int hil_br_get_roi(void *ctx, af_roi *roi)
{
	hil_bridge *b = ctx;
	hil_reply rp;
	int rc;

	if (b->cam) {
		rc = hil_genicam_get_roi(b->cam, roi);
		return rc == AF_OK ? AF_OK : cam_fail(b, rc);
	}
	rc = hil_br_need_cap(b, HIL_GET_ROI);
	if (rc == AF_OK)
		rc = hil_br_simple(b, HIL_GET_ROI, &rp);
	if (rc == AF_OK)
		*roi = rp.roi;
	return rc;
}

int hil_br_camera_open(hil_bridge *b, const hil_bridge_config *cfg, char *err, size_t errlen)
{
	char why[HIL_BRIDGE_ERR_MAX / 2];

	b->cfg.camera_id = NULL;
	b->cfg.camera.pixel_format = NULL;
	if (!cfg->camera_id || !*cfg->camera_id)
		return 0;
	snprintf(b->cam_id, sizeof b->cam_id, "genicam:%s", cfg->camera_id);
	b->cam = hil_genicam_open(cfg->camera_id, &cfg->camera, why, sizeof why);
	if (!b->cam) {
		snprintf(err, errlen, "rig '%s': camera '%s': %s", b->name, b->cam_id, why);
		return -1;
	}
	return 0;
}

void hil_br_camera_close(hil_bridge *b)
{
	hil_genicam_close(b->cam);
	b->cam = NULL;
}

hil_genicam *hil_bridge_camera(hil_bridge *b)
{
	return b->cam;
}
