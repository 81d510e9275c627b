/*
 * af_rec.h - the flight recorder: an af_hal decorator that ships with the
 * engine and records, into a sink the caller provides, everything that
 * crosses the engine's boundary - every HAL call (op, arguments, return code
 * and message, returned values, the HAL clock before and after), every call
 * of a calibration's site callback, every engine operation with its
 * arguments and result, every frame's digest, statistics and focus score,
 * the frames' pixels, and the engine's whole configuration at its creation.
 * The format is docs/field-log.md; field/ reads it and replays it
 * (docs/field-replay.md).
 *
 * Attaching it (an instrument, the scenario runner, a HIL run):
 *
 *     af_rec_options o;
 *     af_rec_sink sink = { my_write, my_file };      // int my_write(void *, const void *, size_t)
 *     af_rec *rec;
 *     af_engine *e;
 *
 *     af_rec_options_default(&o);
 *     o.rig_id = "stand 7 / serial 0412";
 *     rec = af_rec_new(&hal, &o, &sink, &err);       // writes the log's header
 *     e = af_rec_engine_new(rec, &cfg, &err);        // records the configuration, then
 *                                                    // builds the engine on the recording HAL
 *     af_handoff(e, ...); af_calibrate(e, ...);      // the engine records its own operations
 *     af_rec_close(rec);                             // held pixels, then the end record
 *     af_engine_free(e);
 *     af_rec_free(rec);                              // the recorder outlives the engine
 *
 * Anything else that moves the instrument between operations (a runner's
 * setup moves) goes through the engine (af_engine_goto) so that it is
 * recorded; changes made behind the HAL's back (the simulator's place, an
 * operator moving the slide) show up in what the HAL answers, which is all
 * a replay needs.
 *
 * Transparency.  With the recorder the engine makes exactly the calls it
 * makes without it, with the same arguments, and gets the same answers: the
 * decorator forwards every call unchanged and mirrors which optional ops the
 * wrapped HAL has.  For the clock stamps and the messages of failed calls
 * the recorder itself calls the wrapped HAL's now_us (before and after each
 * call) and errmsg (after a failed one): it relies on these two being free
 * of side effects - reading a clock and a string - which the simulated HAL
 * guarantees (they neither advance virtual time nor append to the trace:
 * tests/test_rec.c checks the trace hash with and without the recorder) and
 * a rig bridge should (a local monotonic clock).  A HAL whose clock read
 * costs a bus exchange should record with stamps = false: the engine's own
 * now_us calls, which are recorded like any call, still date everything.
 * Without a recorder nothing of this runs: the engine tests e->rec and
 * makes no other call.
 *
 * Pixels.  By default every frame's pixels go into the log, losslessly
 * encoded (1.44 bytes a pixel for the simulated camera: the figures are
 * in docs/field-log.md and `make bench`), so every operation replays bit for
 * bit.  With keep_last_n_ops = N the pixels of the last N operations are
 * held in a ring of ring_bytes set up at creation and written when an
 * operation fails, on af_rec_flush and on af_rec_close; older frames keep
 * their digest, statistics and focus score, and a replay takes the recorded
 * score for them (exact as long as the engine scores them the same way; see
 * field/fld_replay.h).  ring_bytes = 0 with keep_last_n_ops > 0 keeps no
 * pixels at all (the smallest log).
 *
 * Cost.  af_rec_new allocates everything (the record buffer, sized for the
 * largest frame, and the ring); recording never allocates.  The sink is
 * called once per record with the whole record, so a crash leaves at most
 * one torn record at the end, which a reader detects and skips.  A sink that
 * fails stops the recording (af_rec_error says why) but never the engine:
 * calls are still forwarded.
 */
#ifndef AF_REC_H
#define AF_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "af_engine.h"
#include "af_hal.h"

/* Where the log goes: write all n bytes of buf, return 0 (or nonzero on
 * failure, which stops the recording). */
typedef struct af_rec_sink {
	int (*write)(void *user, const void *buf, size_t n);
	void *user;
} af_rec_sink;

typedef struct af_rec_options {
	const char *rig_id;        /* the instrument: model, serial, site ("") */
	const char *build_id;      /* the software that records, e.g. git describe ("") */
	/* 0: every frame's pixels in the log.  N: only the frames of the last
	 * N operations (see Pixels above). */
	uint32_t keep_last_n_ops;
	size_t ring_bytes;         /* memory holding those frames: 16 MiB */
	size_t max_frame_px;       /* largest frame whose pixels are kept: 512 x 512 */
	bool stamps;               /* HAL clock before and after every call: true */
} af_rec_options;

void af_rec_options_default(af_rec_options *o);

typedef struct af_rec af_rec;

/*
 * A recorder around `inner` (copied; the HAL must outlive the recorder)
 * writing to `sink` (copied).  Writes the log's header (format version,
 * engine version, rig and build identity, the HAL's name and optional ops).
 * NULL when an argument is bad, memory runs out or the sink fails on the
 * header; *err (when not NULL) then points to a static message.
 */
af_rec *af_rec_new(const af_hal *inner, const af_rec_options *opt, const af_rec_sink *sink,
		   const char **err);
/* Frees the recorder (not closing it: call af_rec_close first to end the
 * log properly).  NULL is a no-op.  Free the engine first. */
void af_rec_free(af_rec *r);

/* The recording HAL (valid as long as the recorder). */
void af_rec_hal(af_rec *r, af_hal *out);

/*
 * Record cfg and the engine's creation, build the engine on the recording
 * HAL and attach the recorder to it, so that its operations are recorded.
 * One engine per recorder.  NULL (and *err) as af_engine_new; the failure
 * is recorded too.
 */
af_engine *af_rec_engine_new(af_rec *r, const af_engine_config *cfg, const char **err);

/* Write the pixels held for the last operations now (e.g. the instrument
 * saw something worth keeping).  0, or -1 when the sink failed. */
int af_rec_flush(af_rec *r);
/* Flush, then write the end record; nothing is recorded afterwards (calls
 * are still forwarded).  0, or -1 when the sink failed at any point. */
int af_rec_close(af_rec *r);

/* NULL while recording works, else why it stopped (a sink failure). */
const char *af_rec_error(const af_rec *r);

typedef struct af_rec_stats {
	uint64_t bytes;            /* written to the sink */
	uint64_t records;
	uint64_t ops, calls, frames;
	uint64_t frames_inline;    /* pixels in their call record */
	uint64_t frames_held;      /* pixels put in the ring */
	uint64_t frames_written;   /* held pixels written (PIXELS records) */
	uint64_t frames_dropped;   /* held pixels dropped before being written */
} af_rec_stats;

void af_rec_get_stats(const af_rec *r, af_rec_stats *out);

#endif /* AF_REC_H */
