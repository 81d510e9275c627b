/*
 * rig_source.h - a physical rig as a rig of the scenario runner
 * (sim/rig.h): the rig bridge (bridge.h) opened from a rig file, one
 * connection per run, seen through the runner's interface without the
 * simulation-only table.  `afsim run --rig` composes it with the runner.
 *
 * The HAL the engine runs on is the bridge's, behind a thin guard that
 * turns the first transport failure into a lost rig:
 *   - a call that fails reports a `hal_error` event with the bridge's
 *     message (the request and the last exchange);
 *   - a call that fails on the link itself (closed, no reply, a garbled or
 *     late reply: the bridge's failure count moves, or the connection is
 *     gone) loses the rig: a `link` event says so, every later call fails
 *     at once with AF_EIO, and the runner's `lost` hook returns the message,
 *     so the run ends as an error within one request's timeout, with the
 *     last exchange in its message.  An error the rig itself reports
 *     ("ERR EHW ...") is the hardware's and the run goes on.
 * Places go to the rig's PLACE (AF_ENOTSUP without the `place`
 * capability: the runner says so once).  The run's clock is the bridge's
 * monotonic clock.  The rig's name in the record is "NAME (IDENTITY)"
 * from its greeting.
 */
#ifndef HIL_RIG_SOURCE_H
#define HIL_RIG_SOURCE_H

#include "hil/rigfile.h"
#include "sim/rig.h"

/* The source of a rig file's rig: fill with hil_rig_source_init; lives as
 * long as the runs on it (it holds the rig file). */
typedef struct hil_rig_source {
	hil_rig_file rf;
	sim_rig_source src;
} hil_rig_source;

/* A source for the rig of rf (copied); hs->src is what the runner takes. */
void hil_rig_source_init(hil_rig_source *hs, const hil_rig_file *rf);

#endif /* HIL_RIG_SOURCE_H */
