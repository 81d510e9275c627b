/*
 * af_hal.h - the hardware abstraction the autofocus engine sees.
 *
 * The engine reaches hardware only through one const table of function
 * pointers plus a context pointer (af_hal).  Three implementations exist:
 * the simulated HAL (sim/), the rig bridge (hil/) and scripted fakes in the
 * tests.  Every call returns AF_OK (0) or a negative af_err code; the
 * implementation keeps a human-readable message for its last failure, read
 * with af_hal_errmsg().  Required ops are checked once, in af_hal_bind();
 * optional ops are called through the inline wrappers below, which return
 * AF_ENOTSUP when the implementation lacks them.
 *
 * Units are in the names: z in micrometres, time in microseconds, exposure
 * in microseconds, temperature in degrees Celsius.  The HAL clock is the only
 * clock the engine may read: virtual under simulation, monotonic under HIL.
 */
#ifndef AF_HAL_H
#define AF_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AF_HAL_VERSION 1u

/* X(name, code, message): the one table of error codes and their strings. */
#define AF_ERRNO_MAP(X)                                                     \
	X(OK, 0, "success")                                                     \
	X(ETIMEDOUT, -1, "timed out")                                           \
	X(EHW, -2, "hardware fault")                                            \
	X(ENOTSUP, -3, "operation not supported")                               \
	X(EIO, -4, "input/output error")                                        \
	X(EINVAL, -5, "invalid argument")                                       \
	X(ERANGE, -6, "position out of travel range")                           \
	X(ENOMEM, -7, "out of memory")                                          \
	X(ESTATE, -8, "operation not valid in the current state")               \
	X(ENOFOCUS, -9, "no focus found")                                       \
	X(EMAPPING, -10, "mapping error beyond limit")                          \
	X(EPROTO, -11, "protocol error")

enum af_err {
#define AF_ERR_ENUM_(name, code, msg) AF_##name = (code),
	AF_ERRNO_MAP(AF_ERR_ENUM_)
#undef AF_ERR_ENUM_
};

/* Message of an error code ("unknown error" for codes outside the table). */
const char *af_strerror(int code);
/* Symbolic name of an error code without the AF_ prefix ("ETIMEDOUT"). */
const char *af_err_name(int code);

typedef enum af_lens { AF_LENS_A = 0, AF_LENS_B = 1 } af_lens;
#define AF_LENS_COUNT 2
/* "A" or "B"; "?" for anything else. */
const char *af_lens_name(af_lens lens);

/* Region of interest on the sensor, in sensor pixels. */
typedef struct af_roi {
	uint32_t x, y, width, height;
} af_roi;

/*
 * A camera frame.  The caller owns the pixel buffer: it sets pixels and
 * capacity_px before grab_frame, the HAL fills the rest.  Pixels are
 * row-major, width * height of them, bit_depth significant bits each.
 */
typedef struct af_frame {
	uint16_t *pixels;
	size_t capacity_px;
	uint32_t width, height;
	uint32_t bit_depth;
	int64_t timestamp_us; /* HAL clock at the middle of the exposure */
	uint64_t seq;         /* frame counter of the camera */
} af_frame;

typedef struct af_hal_ops {
	const char *name;
	uint32_t version; /* AF_HAL_VERSION the implementation was built for */

	/* --- required --- */
	/* Switch the objective; returns when the new lens is seated. */
	int (*select_lens)(void *ctx, af_lens lens);
	/* Which objective the switcher reports as seated. */
	int (*get_lens)(void *ctx, af_lens *lens);
	/* Start an absolute z move; returns once the controller has accepted
	 * the command (the move goes on; see wait_settled). */
	int (*move_z)(void *ctx, double z_um);
	/* Current z as the drive's encoder reads it. */
	int (*get_z)(void *ctx, double *z_um);
	/* Wait until the drive reports the move finished and settled, at most
	 * timeout_ms; AF_ETIMEDOUT if it did not. */
	int (*wait_settled)(void *ctx, uint32_t timeout_ms);
	/* Expose and read one frame into frame->pixels (see af_frame). */
	int (*grab_frame)(void *ctx, af_frame *frame);
	/* Temperature sensor reading of the stand. */
	int (*read_temperature)(void *ctx, double *temp_c);
	/* HAL clock, microseconds, monotonic. */
	int (*now_us)(void *ctx, int64_t *t_us);
	/* Sleep on the HAL clock. */
	int (*sleep_us)(void *ctx, uint32_t us);
	/* Message of the last failed call; never NULL. */
	const char *(*errmsg)(void *ctx);

	/* --- optional (NULL when unsupported) --- */
	int (*set_exposure_us)(void *ctx, uint32_t exposure_us);
	int (*get_exposure_us)(void *ctx, uint32_t *exposure_us);
	int (*set_roi)(void *ctx, const af_roi *roi);
	int (*get_roi)(void *ctx, af_roi *roi);
	/* Busy flag of the z drive as the controller reports it. */
	int (*z_busy)(void *ctx, bool *busy);
	/* Wait exactly as wait_settled does, and on success report in *z_um
	 * the encoder's reading taken with the final (settled) status reply:
	 * a controller whose status reply carries the position, or a driver
	 * that pipelines a position query with its status poll.  It costs
	 * what wait_settled costs, no extra round trip.  On failure *z_um is
	 * left alone.  AF_ENOTSUP (the op absent, or present but without the
	 * hardware for it: a rig that did not announce it) means nothing was
	 * done: the caller waits with wait_settled and reads get_z. */
	int (*wait_settled_z)(void *ctx, uint32_t timeout_ms, double *z_um);
} af_hal_ops;

/* A bound HAL: the ops table and its context.  Copyable by value. */
typedef struct af_hal {
	const af_hal_ops *ops;
	void *ctx;
} af_hal;

/*
 * Bind ops and ctx into hal after checking that every required op is present
 * and the version matches.  On failure returns AF_EINVAL and, when err is not
 * NULL, writes a message naming the missing op into err (errlen bytes).
 */
int af_hal_bind(af_hal *hal, const af_hal_ops *ops, void *ctx, char *err,
		size_t errlen);

static inline const char *af_hal_errmsg(const af_hal *h)
{
	return h->ops->errmsg(h->ctx);
}

static inline int af_hal_set_exposure_us(const af_hal *h, uint32_t us)
{
	return h->ops->set_exposure_us ? h->ops->set_exposure_us(h->ctx, us)
				       : AF_ENOTSUP;
}

static inline int af_hal_get_exposure_us(const af_hal *h, uint32_t *us)
{
	return h->ops->get_exposure_us ? h->ops->get_exposure_us(h->ctx, us)
				       : AF_ENOTSUP;
}

static inline int af_hal_set_roi(const af_hal *h, const af_roi *roi)
{
	return h->ops->set_roi ? h->ops->set_roi(h->ctx, roi) : AF_ENOTSUP;
}

static inline int af_hal_get_roi(const af_hal *h, af_roi *roi)
{
	return h->ops->get_roi ? h->ops->get_roi(h->ctx, roi) : AF_ENOTSUP;
}

static inline int af_hal_z_busy(const af_hal *h, bool *busy)
{
	return h->ops->z_busy ? h->ops->z_busy(h->ctx, busy) : AF_ENOTSUP;
}

static inline int af_hal_wait_settled_z(const af_hal *h, uint32_t timeout_ms, double *z_um)
{
	return h->ops->wait_settled_z ? h->ops->wait_settled_z(h->ctx, timeout_ms, z_um)
				      : AF_ENOTSUP;
}

#endif /* AF_HAL_H */
