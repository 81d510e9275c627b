/*
 * af_rec_impl.h - the inside of the flight recorder, shared by its two
 * files: af_rec.c (the object, the log's header and end, the engine's
 * operations) and af_rec_hal.c (the HAL decorator: calls, frames and the
 * ring of held pixels).  Nothing else includes it.
 */
#ifndef AF_REC_IMPL_H
#define AF_REC_IMPL_H

#include "af_engine_impl.h"
#include "af_rec.h"
#include "af_rec_wire.h"

/* Index entries of the ring. */
#define AF_REC_RING_ENTRIES 4096
/* Bytes of a record besides a frame's encoded pixels (generous). */
#define AF_REC_SLACK 4096

typedef struct af_rec_ring_ent {
	size_t off, len;
	uint32_t op;
	bool written;
} af_rec_ring_ent;

struct af_rec {
	af_hal inner;
	af_hal_ops ops;                 /* the decorator's table */
	af_hal self;                    /* { &ops, this } */
	af_rec_sink sink;
	af_rec_options opt;
	char rig_id[AF_LOG_STR_MAX + 1], build_id[AF_LOG_STR_MAX + 1];

	af_log_wbuf w;                  /* the record being assembled */
	bool closed, failed;
	char errmsg[AF_MSG_MAX];
	bool has_engine;

	uint32_t op;                    /* the current (or last) operation */
	uint64_t call;                  /* index of the next call */
	uint64_t grab_call;             /* the last grab_frame call */
	af_rec_stats st;

	uint8_t *ring;                  /* keep_last_n_ops: held PIXELS records */
	size_t ring_cap;
	af_rec_ring_ent *ents;          /* AF_REC_RING_ENTRIES, oldest at ent_head */
	size_t ent_head, ent_n;
};

/* Neither closed nor stopped by a sink failure. */
bool af__rec_recording(const af_rec *r);
/* Hand n bytes to the sink; a failure stops the recording. */
void af__rec_emit(af_rec *r, const void *b, size_t n);
/* Start a record of `type` in r->w; returns where it starts. */
size_t af__rec_start(af_rec *r, int type);
/* Close the record started at `at` and write it. */
void af__rec_finish(af_rec *r, size_t at);
/* Fill in the decorator's ops table (af_rec_hal.c). */
void af__rec_bind_ops(af_rec *r);
/* Forget the held frames of operations more than N ago; write those not
 * yet written. */
void af__rec_ring_age(af_rec *r);
void af__rec_ring_flush(af_rec *r);

#endif /* AF_REC_IMPL_H */
