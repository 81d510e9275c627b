/*
 * fld_fit.h - what a field log tells of the rig that recorded it: the
 * timings of the objective switcher, the z stage and the camera fitted
 * from the calls' durations on the HAL clock, the camera's region of
 * interest and bit depth, the stage's start position, and the room
 * temperature from the sensor's readings.  Used by `afsim field import`
 * (field/fld_import.h) to build the scenario's rig; every value it sets
 * says where it came from, every value it cannot tell stays the default
 * rig's and is named.
 *
 * The models the durations are read against are the simulator's
 * (models/turret.h, models/stage.h, models/camera.h, sim/sim_hal.c):
 *   select_lens that moves   switch_ms + U(-jitter, +jitter) + settle_ms
 *   select_lens that does not bus_latency_ms; jammed: jam_timeout_ms
 *   move_z, get_z, z_busy    the stage's bus latency, U(min, max)
 *   wait_settled after move_z  travel (trapezoid: max_speed, accel) + settle
 *                            +/- settle_jitter, seen on a 1 ms poll
 *   grab_frame               exposure + rows x readout_us_per_row; the
 *                            frame's timestamp is mid-exposure; a dropped
 *                            frame takes frame_timeout_ms
 * A value needs enough calls to be fitted (two for a spread, three moves
 * of different lengths for the stage); a fitted value outside the range a
 * scenario takes (scenarios/README.md) is clamped to it and said so.
 *
 * The room: the sensor's readings (read_temperature results, at the end
 * of each call) become the room's temperature trace, and the instrument
 * follows the room without lag, the sensor reading it without noise or
 * quantisation (rig.thermal: tau_fast_s, tau_slow_s and sensor_lag_s 0,
 * sensor_noise_c and sensor_resolution_c 0): the simulated sensor then
 * reads, at the recorded times, exactly what the instrument's sensor read,
 * and the focal planes drift with it.
 *
 * Deterministic: a pure function of the log.
 */
#ifndef FLD_FIT_H
#define FLD_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "field/fld_log.h"
#include "field/fld_steps.h"
#include "models/rig.h"
#include "models/thermal.h"

typedef struct fld_fit {
	mdl_rig rig;               /* the default rig with what the log tells */
	mdl_room_point *temps;     /* the readings, in time order (malloc'd) */
	size_t ntemps;
	fld_text said;             /* "rig.turret.switch_ms = 35.2: ..." per value set */
	fld_text kept;             /* what the log cannot tell (defaults kept) */
} fld_fit;

/*
 * Fit the rig of log l; times count from start_us on the HAL clock
 * (fld_steps.start_us).  0, or -1 when memory runs out (err).
 */
int fld_fit_rig(const fld_log *l, int64_t start_us, fld_fit *out, char *err, size_t errlen);
void fld_fit_release(fld_fit *f);

#endif /* FLD_FIT_H */
