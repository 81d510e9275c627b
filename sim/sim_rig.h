/*
 * sim_rig.h - the simulated rig as a rig of the runner (sim/rig.h): a
 * small adapter that builds, for each run, the simulated HAL (sim_hal.h)
 * from the scenario's rig, room and seed on the run's trace, and fills the
 * simulation-only table from the simulator's control API (sim_ctl.h).
 * Every entry forwards to one sim_ctl_* call, so a run through the
 * adapter makes the calls, and has the trace, it had when the runner
 * called the simulator itself.
 */
#ifndef SIM_SIM_RIG_H
#define SIM_SIM_RIG_H

#include "sim/rig.h"

/* The source of simulated rigs (mode "sim", name "sim:default"). */
const sim_rig_source *sim_rig_simulated(void);

#endif /* SIM_SIM_RIG_H */
