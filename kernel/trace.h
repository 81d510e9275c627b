/*
 * trace.h - the event trace of a simulated run and its 64-bit hash.
 *
 * Every HAL call, model event and engine result is appended as one record in
 * a canonical binary form, independent of the host's endianness, struct
 * layout and compiler:
 *
 *   u16 kind | i64 t_ns | fields... | u32 payload length
 *
 * where each field is a one-byte type tag ('u' u32, 'i' i32, 'U' u64,
 * 'I' i64, 'd' f64, 's' string) and its value: integers little-endian,
 * doubles as their IEEE-754 bit patterns little-endian (-0.0 written as +0.0
 * and every NaN as one quiet NaN), strings as u32 length + bytes (at most
 * 4096).  The hash is 64-bit FNV-1a over that byte
 * stream: the identity of the run's behaviour.
 *
 * The running hash after every record, with the record's kind and time,
 * is the trace's index: two runs are compared record by record on it to
 * find the first event where they diverge.  A trace that keeps records
 * (tests, short traces) holds the index and the records' bytes in memory;
 * a trace that does not (a scenario run, whatever its length) holds
 * neither: it hands the index to a sink in slices as it goes, so its
 * memory stays bounded (sim_trace_set_sink).
 *
 * A trace never fails its caller: when memory runs out it stops keeping
 * records and checkpoints (sim_trace_complete() turns false) but the hash
 * stays exact.
 */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Record kinds.  Values are part of the canonical form: never renumber. */
#define SIM_EVENT_MAP(X)                                  \
	X(HAL_SELECT_LENS, 1, "hal.select_lens")              \
	X(HAL_GET_LENS, 2, "hal.get_lens")                    \
	X(HAL_MOVE_Z, 3, "hal.move_z")                        \
	X(HAL_GET_Z, 4, "hal.get_z")                          \
	X(HAL_WAIT_SETTLED, 5, "hal.wait_settled")            \
	X(HAL_GRAB_FRAME, 6, "hal.grab_frame")                \
	X(HAL_READ_TEMPERATURE, 7, "hal.read_temperature")    \
	X(HAL_NOW, 8, "hal.now_us")                           \
	X(HAL_SLEEP, 9, "hal.sleep_us")                       \
	X(HAL_SET_EXPOSURE, 10, "hal.set_exposure_us")        \
	X(HAL_SET_ROI, 11, "hal.set_roi")                     \
	X(HAL_Z_BUSY, 12, "hal.z_busy")                       \
	X(HAL_WAIT_SETTLED_Z, 13, "hal.wait_settled_z")       \
	X(FAULT, 32, "fault")                                 \
	X(PLACE, 33, "sim.place")                             \
	X(ADVANCE, 34, "sim.advance")                         \
	X(OP_BEGIN, 35, "sim.op_begin")                       \
	X(ENGINE_RESULT, 64, "engine.result")                 \
	X(NOTE, 65, "note")

enum sim_event_kind {
#define SIM_EVENT_ENUM_(name, code, str) SIM_EV_##name = (code),
	SIM_EVENT_MAP(SIM_EVENT_ENUM_)
#undef SIM_EVENT_ENUM_
};

/* "hal.move_z" etc.; "?" for an unknown kind. */
const char *sim_event_name(unsigned kind);

typedef struct sim_trace sim_trace;

/* A new empty trace; keep_records keeps the index and the bytes of every
 * record in memory (for printing and divergence reports; memory grows with
 * the trace), else it keeps neither.  NULL when out of memory. */
sim_trace *sim_trace_new(bool keep_records);
void sim_trace_free(sim_trace *t);

/* One record of the index: its kind, its time and the running hash after it. */
typedef struct sim_trace_entry {
	uint16_t kind;
	int64_t t_ns;
	uint64_t hash;
} sim_trace_entry;

/* Where the index goes: n entries, in record order, valid during the call. */
typedef void (*sim_trace_sink_fn)(void *user, const sim_trace_entry *e, size_t n);

/* Hand every record's index entry to fn from now on, in slices of up to
 * SIM_TRACE_SLICE entries (NULL: none).  The last slice waits for
 * sim_trace_flush. */
#define SIM_TRACE_SLICE 1024
void sim_trace_set_sink(sim_trace *t, sim_trace_sink_fn fn, void *user);
/* Hand the entries still waiting to the sink (the end of a run). */
void sim_trace_flush(sim_trace *t);

/* Append one record: begin, any number of fields, end.  Records do not
 * nest; a field outside begin/end is a broken invariant (assert). */
void sim_trace_begin(sim_trace *t, unsigned kind, int64_t t_ns);
void sim_trace_u32(sim_trace *t, uint32_t v);
void sim_trace_i32(sim_trace *t, int32_t v);
void sim_trace_u64(sim_trace *t, uint64_t v);
void sim_trace_i64(sim_trace *t, int64_t v);
void sim_trace_f64(sim_trace *t, double v);
void sim_trace_str(sim_trace *t, const char *s);
void sim_trace_end(sim_trace *t);

/* Hash of everything appended so far (the FNV-1a offset basis when empty). */
uint64_t sim_trace_hash(const sim_trace *t);
/* Number of records appended. */
uint64_t sim_trace_count(const sim_trace *t);
/* Running hash after record i (0-based) of a trace that keeps records; 0
 * when i is out of range, the trace keeps no records, or the checkpoint
 * was lost to memory exhaustion. */
uint64_t sim_trace_hash_at(const sim_trace *t, uint64_t i);
/* Kind, time and running hash of record i of a trace that keeps records;
 * 0, or -1 when i is out of range or the index is not held. */
int sim_trace_record_at(const sim_trace *t, uint64_t i, unsigned *kind, int64_t *t_ns,
			uint64_t *hash);
/* True when the index of every record appended is held (a trace that
 * keeps records: and every record) or went to the sink. */
bool sim_trace_complete(const sim_trace *t);

/* Index of the first record whose running hash differs between a and b
 * (both keeping records), or -1 when they are identical.  When one is a
 * strict prefix of the other, the length of the shorter. */
int64_t sim_trace_first_divergence(const sim_trace *a, const sim_trace *b);

/* Print record i (kept records only) as "kind t_ms fields..." to f;
 * returns 0, or -1 when the record is not kept. */
int sim_trace_print_record(const sim_trace *t, uint64_t i, FILE *f);

/* 64-bit FNV-1a over a byte range, continued from h. */
uint64_t sim_fnv1a64(uint64_t h, const void *data, size_t n);
#define SIM_FNV64_OFFSET UINT64_C(0xcbf29ce484222325)

/* A fast 64-bit digest of a pixel buffer (word-wise multiply-xorshift),
 * for putting frame contents into the trace without hashing byte by byte;
 * its steps are kernel/digest.h's (the camera model digests a frame while it
 * renders it: mdl_camera_render_digest). */
uint64_t sim_digest_u16(const uint16_t *px, size_t n);

#endif /* KERNEL_TRACE_H */
