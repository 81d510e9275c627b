/*
 * fld_records.h - a field log as the records of a run (sim/results.h): its
 * operations as the scenario runner would have recorded them (one per
 * step of field/fld_steps.h, with the phases, prediction, landing and
 * error of the engine's result), every frame the engine scored as a
 * sample (the stage where the engine last sent it, the focus score, the
 * temperature last read), and every failed call as a hal_error event.
 * Into the results store (sim/results_db.h) they make a run like any
 * other, which is how `afsim viz timeline LOG` draws a log with the same
 * view code as a recorded run.
 *
 * The run's time is the log's HAL clock from its start (ms); its mode is
 * "sim" for a log of the simulated HAL, else "hil"; there is no ground
 * truth (true focus NaN) and no trace.  Deterministic.
 */
#ifndef FLD_RECORDS_H
#define FLD_RECORDS_H

#include "field/fld_log.h"
#include "sim/results.h"

/*
 * Send the records of log l (named name: the run's scenario is "field log
 * NAME" cut to fit) to sink/user, from run_begin to run_end.  0, or -1
 * with err when the log cannot be read as steps (out of memory).
 */
int fld_records(const fld_log *l, const char *name, const sim_results_ops *sink, void *user,
		char *err, size_t errlen);

#endif /* FLD_RECORDS_H */
