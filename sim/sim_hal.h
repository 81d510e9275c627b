/*
 * sim_hal.h - the simulated HAL: the models of the default (or a scenario's)
 * rig bound to the engine's HAL contract.
 *
 * Every HAL call advances the virtual clock by what the action physically
 * takes (bus latency, stage travel and settle, lens switch, exposure and
 * readout), polls the fault schedule (faults due in the interval fire at
 * their time, in order), and appends a record to the event trace.  Frames are
 * rendered from the specimen blurred at the true defocus of the active lens
 * at mid-exposure.  A run is a pure function of (rig, room profile, seed,
 * sequence of calls).
 *
 * Threading: none.  One sim_hal is one run; runs in parallel use one each.
 * The engine sees only sim_hal_ops() and the context; the control API for
 * tests and the runner (ground truth, faults, places) is sim/sim_ctl.h.
 */
#ifndef SIM_HAL_H
#define SIM_HAL_H

#include <stdint.h>

#include "engine/af_hal.h"
#include "models/rig.h"
#include "models/thermal.h"
#include "kernel/trace.h"

typedef struct sim_hal sim_hal;

/*
 * A new simulated rig at t = 0.  rig and room are copied (the room's trace
 * points stay borrowed: keep them alive as long as the sim_hal).  trace is
 * borrowed and may be NULL (no trace kept).  NULL on bad configuration or
 * out of memory; *err (when not NULL) then points to a static message.
 */
sim_hal *sim_hal_new(const mdl_rig *rig, const mdl_room_profile *room, uint64_t seed,
		     sim_trace *trace, const char **err);
void sim_hal_free(sim_hal *sh);

/* The ops table to bind with af_hal_bind(&hal, sim_hal_ops(), sh, ...). */
const af_hal_ops *sim_hal_ops(void);

/* Bind sh into hal (cannot fail for a sim_hal). */
void sim_hal_bind(sim_hal *sh, af_hal *hal);

#endif /* SIM_HAL_H */
