/*
 * fld_log.h - the field log reader: loads a log written by the flight
 * recorder (engine/af_rec.h; format in docs/field-log.md), checks every
 * record (framing, length, CRC-32C, payload, the order of operations and
 * calls, the pixel streams) and returns it decoded: the header, the
 * engine's configuration, the operations and the calls in order.
 *
 * A damaged log - wrong magic, a format version this reader does not know
 * (it reads AF_LOG_VERSION_MIN to AF_LOG_VERSION), a bad checksum or
 * length, a malformed payload, records out of order - is an error naming
 * the byte offset and the record index.  A torn last record (the recorder
 * was stopped in the middle of a write: the record runs past the end of
 * the file, or its checksum fails and it ends exactly at the end of the
 * file) is not an error: it is skipped with a warning and the rest is
 * used.  A log without its end record (the recording never closed) is
 * readable too; `closed` says so.
 *
 * Read-only after loading; every pointer into the log (messages, pixel
 * streams) stays valid until fld_log_free.
 */
#ifndef FLD_LOG_H
#define FLD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/af_engine.h"
#include "engine/af_rec_wire.h"

#define FLD_ERR_MAX 512
/* An operation index meaning "outside any operation". */
#define FLD_NO_OP UINT32_MAX

typedef struct fld_header {
	uint32_t version;               /* format version */
	char engine_version[AF_LOG_STR_MAX + 1];
	char build_id[AF_LOG_STR_MAX + 1];
	char rig_id[AF_LOG_STR_MAX + 1];
	char hal_name[AF_LOG_STR_MAX + 1];
	uint32_t hal_version;
	uint32_t optional_ops;          /* AF_LOG_HAS_* */
	uint32_t keep_last_n_ops;
	uint32_t flags;                 /* AF_LOG_FLAG_* */
	uint64_t max_frame_px;
} fld_header;

/* A frame a grab_frame call returned. */
typedef struct fld_frame {
	uint32_t width, height, bit_depth;
	int64_t timestamp_us;
	uint64_t seq, digest;
	double mean;
	uint16_t min, max;
	int px;                         /* AF_LOG_PX_* as recorded */
	const uint8_t *data;            /* the encoded pixels when kept, else NULL */
	size_t data_len;
	bool has_score;                 /* the engine scored it (a SCORE record) */
	int measure;                    /* af_measure_kind */
	uint32_t stride;
	double score;
} fld_frame;

/* One call across the boundary (a HAL op or the site callback). */
typedef struct fld_call {
	uint64_t index;                 /* 0, 1, ... over the log */
	int op;                         /* AF_LOG_CALL_* */
	int rc;
	bool stamped;
	int64_t t0_us, t1_us;           /* HAL clock before and after (stamped) */
	/* arguments */
	int32_t lens;                   /* select_lens */
	double z_um;                    /* move_z; site: the site's plan position */
	uint32_t u32;                   /* wait_settled(_z) ms, sleep_us, set_exposure_us, site index */
	uint64_t capacity_px;           /* grab_frame: the engine's buffer */
	af_roi roi;                     /* set_roi */
	/* results (rc == 0) */
	int32_t out_lens;               /* get_lens */
	double out_f64;                 /* get_z and wait_settled_z um, read_temperature C */
	int64_t out_t_us;               /* now_us */
	uint32_t out_u32;               /* get_exposure_us */
	af_roi out_roi;                 /* get_roi */
	bool out_busy;                  /* z_busy */
	fld_frame frame;                /* grab_frame */
	/* rc != 0 */
	const char *msg;                /* not NUL-terminated: msg_len bytes */
	size_t msg_len;
	uint32_t op_index;              /* the operation it belongs to, or FLD_NO_OP */
	size_t record;                  /* record index and byte offset in the log */
	uint64_t offset;
} fld_call;

typedef union fld_result {
	af_handoff_result handoff;
	af_focus_result focus;
	af_calib_report calib;
	char message[AF_MSG_MAX];       /* new, goto, tick, set_level, set_thermal */
} fld_result;

/* One engine operation. */
typedef struct fld_op {
	uint32_t index;                 /* 0 = NEW, then 1, 2, ... */
	int kind;                       /* AF_LOG_OP_* */
	/* arguments: handoff (lens = from, to, z_um = src), autofocus (lens,
	 * z_um = near), goto (lens, z_um), calibrate (plan), set_level (level),
	 * set_thermal (on); new's configuration is fld_log.config */
	int32_t lens, to;
	double z_um;
	bool has_plan, has_site;
	af_calib_plan plan;
	int32_t level;
	bool on;
	/* result */
	bool ended;                     /* its end record is in the log */
	int rc;
	fld_result res;
	size_t first_call, ncalls;      /* its calls: calls[first_call ..] */
	size_t record;
	uint64_t offset;
} fld_op;

typedef struct fld_log {
	char name[256];                 /* as named in messages */
	uint8_t *data;                  /* the log's bytes (owned) */
	size_t size;
	fld_header hdr;
	af_engine_config config;        /* the configuration op 0 recorded */
	bool has_config;
	fld_op *ops;
	size_t nops;
	fld_call *calls;
	size_t ncalls;
	size_t records;                 /* records read (the torn one not counted) */
	uint64_t frames, frames_kept;   /* grab_frame results, those with pixels */
	bool closed;                    /* the end record is there */
	bool torn;                      /* a torn last record was skipped */
	char warning[FLD_ERR_MAX];      /* why, when torn */
} fld_log;

/*
 * Read the log at path.  0 and *out (free with fld_log_free), or -1 and
 * err says "PATH: what" (cannot open or read) or
 * "PATH: record R at byte B: what" (damage).
 */
int fld_log_read_file(const char *path, fld_log **out, char *err, size_t errlen);
/* The same from memory (copied); name names it in messages. */
int fld_log_parse(const void *data, size_t n, const char *name, fld_log **out, char *err,
		  size_t errlen);
void fld_log_free(fld_log *l);

/* Decode a kept frame's pixels into px (cap pixels): 0, or -1 when the
 * frame has none or they do not fit. */
int fld_log_frame_pixels(const fld_frame *f, uint16_t *px, size_t cap);

#endif /* FLD_LOG_H */
