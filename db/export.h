/*
 * export.h - a recorded run in the formats of the tools users already
 * look at: the Chrome trace-event JSON that Perfetto (ui.perfetto.dev) and
 * chrome://tracing load (docs/scale.md, "Exporting a run").
 *
 * One process, the run; one track (thread) per phase of an operation and
 * one for the operations as a whole, so the handoffs line up phase under
 * phase; every frame the engine scored is an instant event on a frames
 * track; faults, HAL errors, warnings and failed operations are global
 * instant events (a line across every track); temperature and stage z are
 * counters.  Times are microseconds of the run's own clock (virtual in
 * simulation).  The layout is fixed (DB_EXPORT_TRACK_*): a test checks it
 * field by field.
 *
 * Read-only, streaming (one statement at a time, nothing held per row),
 * deterministic: the same run gives the same bytes.
 */
#ifndef DB_EXPORT_H
#define DB_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "db/db.h"

/* The tracks: the "tid" of the events on them. */
enum db_export_track {
	DB_EXPORT_TRACK_OPS = 1,          /* every operation, "X" (complete) events */
	DB_EXPORT_TRACK_LENS_SWITCH = 2,  /* the phases of a handoff, one track each */
	DB_EXPORT_TRACK_FOCUS_MOVE = 3,
	DB_EXPORT_TRACK_FOCUS_SEARCH = 4,
	DB_EXPORT_TRACK_VALIDATION = 5,
	DB_EXPORT_TRACK_FRAMES = 6,       /* "i" events, one per frame */
	DB_EXPORT_TRACK_EVENTS = 7,       /* faults, HAL errors, warnings, failed ops: "i", "s": "g" */
};

/* The version of the layout, in otherData.format ("afsim-trace 1"). */
#define DB_EXPORT_TRACE_FORMAT "afsim-trace 1"

/*
 * Write run as Chrome trace-event JSON (the object form: traceEvents,
 * displayTimeUnit, otherData) to out.  0; -1 with db_errmsg(d) when there
 * is no such run or the database cannot be read, or "cannot write the
 * trace: ..." when out fails.
 */
int db_export_trace(db *d, int64_t run, FILE *out);

#endif /* DB_EXPORT_H */
