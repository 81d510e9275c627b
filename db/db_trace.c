/*
 * db_trace.c - a run's trace index in the store: encoded into chunks as
 * the run goes (db_trace_add), read back whole (db_trace_load) or compared
 * chunk by chunk (db_trace_diverge_runs).
 *
 * Why chunks: the index has a record for every HAL call, fault and engine
 * result, and a long `wait` is a record pair every 30 s of housekeeping
 * tick; held in memory and written as one blob it grew without bound and
 * past SQLite's blob limit.  Now a run holds one chunk of DB_TRACE_CHUNK
 * records (at most 72 KiB) and chunks are rows written with the batches.
 *
 * The encoding (docs/database.md) is independent per chunk, so any chunk
 * decodes alone.  Per record: a header byte, then maybe a kind and a time
 * step, then the top 32 bits of the running hash:
 *
 *   header   bits 0-4: kind code: the index of the record's kind in the
 *            chunk's kind table (0-30), or 31: the kind follows (a varint)
 *            and joins the table while it has fewer than 31 entries;
 *            bits 5-7: time step mode: the step is t_ns minus the previous
 *            record's (the first record's: minus 0), modulo 2^64:
 *              0 the same step as the last record of this kind code,
 *              1 zero, 2/3/4 +varint ms/us/ns, 5/6/7 -varint ms/us/ns;
 *   hash     u32 little-endian: running hash >> 32.
 *
 * Varints are unsigned LEB128.  In a long wait every record is a header
 * byte and the hash: 5 bytes (24 before).  Why 32 bits of hash: the chunk
 * row keeps the full 64-bit hash after its last record, which finds the
 * first differing chunk exactly; within it, the first record whose top 32
 * bits differ is the first that differs but with probability 2^-32 (then
 * a later one of the same chunk is named).  The top bits, because FNV-1a's
 * low bits depend only on the low bits of what it hashed.
 */
#include "db/db_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KINDS 31
#define CODE_NEW 31
#define REC_MAX 18   /* header + kind varint (3) + step varint (10) + hash (4) */

enum { STEP_SAME, STEP_ZERO, STEP_MS, STEP_US, STEP_NS, STEP_MS_NEG, STEP_US_NEG, STEP_NS_NEG };

/* The state both ends keep while walking a chunk. */
typedef struct chunk_state {
	int64_t prev_t;
	uint16_t kinds[KINDS];
	int nkinds;
	uint64_t last_step[KINDS + 1];   /* per code; slot KINDS for kinds past the table */
} chunk_state;

struct db_tenc {
	uint64_t total;          /* records given so far, all chunks */
	uint64_t chunk;          /* the chunk being built */
	uint32_t n;              /* its records */
	uint64_t end_hash;       /* running hash after its last record */
	chunk_state cs;
	size_t len;
	unsigned char buf[DB_TRACE_CHUNK * REC_MAX];
};

uint64_t db_tenc_records(const db_tenc *e)
{
	return e ? e->total : 0;
}

void db_tenc_free(db_tenc *e)
{
	free(e);
}

/* --- encoding ------------------------------------------------------------------- */

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* The kind's slot in the table, adding it when there is room; *code is
 * what the header says (CODE_NEW: the kind follows). */
static int kind_slot(chunk_state *cs, uint16_t kind, unsigned *code)
{
	for (int i = 0; i < cs->nkinds; i++)
		if (cs->kinds[i] == kind) {
			*code = (unsigned)i;
			return i;
		}
	*code = CODE_NEW;
	if (cs->nkinds == KINDS)
		return KINDS;
	cs->kinds[cs->nkinds] = kind;
	return cs->nkinds++;
}

static void encode(db_tenc *e, const db_trace_rec *r)
{
	chunk_state *cs = &e->cs;
	unsigned char *p = e->buf + e->len;
	uint64_t step = (uint64_t)r->t_ns - (uint64_t)cs->prev_t, mag;
	bool neg = r->t_ns < cs->prev_t;
	unsigned code, mode;
	int slot = kind_slot(cs, r->kind, &code);
	size_t k = 1;
	uint32_t h = (uint32_t)(r->hash >> 32);

	mag = neg ? (uint64_t)cs->prev_t - (uint64_t)r->t_ns : step;
	if (step == cs->last_step[slot]) {
		mode = STEP_SAME;
	} else if (step == 0) {
		mode = STEP_ZERO;
	} else if (mag % 1000000 == 0) {
		mode = neg ? STEP_MS_NEG : STEP_MS;
		mag /= 1000000;
	} else if (mag % 1000 == 0) {
		mode = neg ? STEP_US_NEG : STEP_US;
		mag /= 1000;
	} else {
		mode = neg ? STEP_NS_NEG : STEP_NS;
	}
	p[0] = (unsigned char)(code | mode << 5);
	if (code == CODE_NEW)
		k += put_varint(p + k, r->kind);
	if (mode != STEP_SAME && mode != STEP_ZERO)
		k += put_varint(p + k, mag);
	for (int i = 0; i < 4; i++)
		p[k++] = (unsigned char)(h >> (8 * i));
	cs->last_step[slot] = step;
	cs->prev_t = r->t_ns;
	e->len += k;
	e->n++;
	e->total++;
	e->end_hash = r->hash;
}

int db_trace_chunk_out(db *d, db_active *a)
{
	db_tenc *e = a->enc;
	db_pending *p;
	int rc;

	if (!e || e->n == 0)
		return 0;
	p = db_row_new(d, a->id, DB_ROW_CHUNK);
	if (!p) {
		db_row_lost(d, a->id, 1, d->err);
		rc = -1;
	} else {
		p->u.c = (db_chunk_row){ e->chunk, e->n, e->end_hash, e->len };
		rc = db_row_put_bytes(d, p, e->buf, e->len);
	}
	/* the next chunk starts afresh, whatever became of this one: chunk k
	 * always holds records k*DB_TRACE_CHUNK.. */
	e->chunk++;
	e->n = 0;
	e->len = 0;
	memset(&e->cs, 0, sizeof e->cs);
	return rc;
}

int db_trace_add(db *d, int64_t run, const db_trace_rec *recs, size_t n)
{
	db_active *a = db_active_get(d, run);
	int rc = 0;

	if (!a)
		return -1;
	if (n && !recs)
		return db_fail(d, "cannot add to the trace index: no records");
	if (!a->enc && n) {
		a->enc = calloc(1, sizeof *a->enc);
		if (!a->enc) {
			db_row_lost(d, run, 1, "out of memory for the trace index");
			return db_fail(d, "out of memory for the trace index");
		}
	}
	for (size_t i = 0; i < n; i++) {
		encode(a->enc, &recs[i]);
		if (a->enc->n == DB_TRACE_CHUNK && db_trace_chunk_out(d, a) != 0)
			rc = -1;   /* counted against the run; the index goes on */
	}
	return rc;
}

/* --- decoding -------------------------------------------------------------------- */

static int get_varint(const unsigned char *p, size_t len, size_t *o, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *o < len; shift += 7) {
		unsigned char b = p[(*o)++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

static const uint64_t scale[] = { 0, 0, 1000000, 1000, 1, 1000000, 1000, 1 };

/* Decode a chunk of `records` records into out; -1 with the message when
 * the bytes do not decode to exactly that. */
static int chunk_decode(db *d, int64_t run, uint64_t seq, const unsigned char *p, size_t len,
			uint32_t records, uint64_t end_hash, db_trace_rec *out)
{
	chunk_state cs;
	size_t o = 0;

	memset(&cs, 0, sizeof cs);
	for (uint32_t i = 0; i < records; i++) {
		unsigned code, mode;
		uint64_t kind, mag = 0, step;
		int slot;

		if (o >= len)
			goto corrupt;
		code = p[o] & 0x1f;
		mode = p[o] >> 5;
		o++;
		if (code == CODE_NEW) {
			if (get_varint(p, len, &o, &kind) != 0 || kind > UINT16_MAX)
				goto corrupt;
			slot = cs.nkinds < KINDS ? cs.nkinds : KINDS;
			if (cs.nkinds < KINDS)
				cs.kinds[cs.nkinds++] = (uint16_t)kind;
		} else {
			if ((int)code >= cs.nkinds)
				goto corrupt;
			slot = (int)code;
			kind = cs.kinds[code];
		}
		if (mode != STEP_SAME && mode != STEP_ZERO && get_varint(p, len, &o, &mag) != 0)
			goto corrupt;
		step = mode == STEP_SAME ? cs.last_step[slot] : mode == STEP_ZERO ? 0 : mag * scale[mode];
		if (mode >= STEP_MS_NEG)
			step = 0 - step;
		if (len - o < 4)
			goto corrupt;
		out[i].kind = (uint16_t)kind;
		out[i].t_ns = (int64_t)((uint64_t)cs.prev_t + step);
		out[i].hash = (uint64_t)p[o] << 32 | (uint64_t)p[o + 1] << 40 |
			      (uint64_t)p[o + 2] << 48 | (uint64_t)p[o + 3] << 56;
		o += 4;
		cs.last_step[slot] = step;
		cs.prev_t = out[i].t_ns;
	}
	if (o != len || (records && out[records - 1].hash != DB_TRACE_HASH_KEPT(end_hash)))
		goto corrupt;
	return 0;
corrupt:
	return db_fail(d, "the trace index of run %" PRId64 " is corrupt (chunk %" PRIu64
		       ", %" PRIu32 " records in %zu bytes)", run, seq, records, len);
}

static int bind_run(db *d, sqlite3_stmt *st, sqlite3_stmt *tmp, int64_t run)
{
	int b = SQLITE_OK;

	db_bind_int64(st, 1, run, &b);
	if (db_bind_check(d, b, "the run id") != 0) {
		(void)db_stmt_done(st, tmp);
		return -1;
	}
	return 0;
}

/* Count and records of run's chunks (0, 0 on a schema without them). */
static int chunk_count(db *d, int64_t run, uint64_t *chunks, uint64_t *records)
{
	sqlite3_stmt *tmp, *st;
	int rc;

	*chunks = *records = 0;
	if (d->version < 3)
		return 0;
	if (!(st = db_stmt_use(d, DB_ST_CHUNK_COUNT, &tmp)) || bind_run(d, st, tmp, run) != 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*chunks = (uint64_t)sqlite3_column_int64(st, 0);
		*records = (uint64_t)sqlite3_column_int64(st, 1);
	} else {
		db_sqlfail(d, "cannot read the trace index");
	}
	if (db_stmt_done(st, tmp) != SQLITE_OK && rc == SQLITE_ROW)
		rc = db_sqlfail(d, "cannot read the trace index");
	return rc == SQLITE_ROW ? 0 : -1;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int k = 7; k >= 0; k--)
		v = v << 8 | p[k];
	return v;
}

/* A run recorded before schema 3: its index is one blob in `traces`. */
static int legacy_load(db *d, int64_t run, db_trace_rec **recs, size_t *n)
{
	sqlite3_stmt *tmp, *st;
	const unsigned char *b;
	int64_t records;
	size_t len;
	int rc = -1, s;

	if (!(st = db_stmt_use(d, DB_ST_TRACE_LOAD, &tmp)) || bind_run(d, st, tmp, run) != 0)
		return -1;
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = 0;   /* a run without a trace index */
		goto out;
	}
	if (s != SQLITE_ROW) {
		db_sqlfail(d, "cannot read the trace index");
		goto out;
	}
	records = sqlite3_column_int64(st, 0);
	b = sqlite3_column_blob(st, 1);
	len = (size_t)sqlite3_column_bytes(st, 1);
	if (records < 0 || (uint64_t)records > SIZE_MAX / 24 || len != (size_t)records * 24 ||
	    (records && !b)) {
		db_fail(d, "the trace index of run %" PRId64 " is corrupt (%" PRId64 " records, %zu bytes)",
			run, records, len);
		goto out;
	}
	if (records && !(*recs = malloc((size_t)records * sizeof **recs))) {
		db_fail(d, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < (size_t)records; i++, b += 24) {
		(*recs)[i].kind = (uint16_t)(b[0] | b[1] << 8);
		(*recs)[i].t_ns = (int64_t)le64(b + 8);
		/* as a chunked index keeps it, so that old and new runs compare */
		(*recs)[i].hash = DB_TRACE_HASH_KEPT(le64(b + 16));
	}
	*n = (size_t)records;
	rc = 0;
out:
	if (db_stmt_done(st, tmp) != SQLITE_OK && rc == 0 && s == SQLITE_ROW)
		rc = db_sqlfail(d, "cannot read the trace index");
	return rc;
}

/* The chunk row's columns (first: the column of `records`) checked: chunk
 * k of a run holds DB_TRACE_CHUNK records but for the last. */
static int chunk_cols(db *d, sqlite3_stmt *st, int first, int64_t run, uint64_t seq, bool last,
		      uint32_t *records, uint64_t *end_hash, const unsigned char **data, size_t *len)
{
	int64_t r = sqlite3_column_int64(st, first);

	*end_hash = (uint64_t)sqlite3_column_int64(st, first + 1);
	*data = sqlite3_column_blob(st, first + 2);
	*len = (size_t)sqlite3_column_bytes(st, first + 2);
	if (r <= 0 || r > DB_TRACE_CHUNK || (!last && r != DB_TRACE_CHUNK) || !*data)
		return db_fail(d, "the trace index of run %" PRId64 " is corrupt (chunk %" PRIu64
			       " has %" PRId64 " records)", run, seq, r);
	*records = (uint32_t)r;
	return 0;
}

int db_trace_load(db *d, int64_t run, db_trace_rec **recs, size_t *n)
{
	sqlite3_stmt *tmp, *st;
	db_run_row row;
	uint64_t chunks, total, k = 0, at = 0;
	int rc = -1, s;

	*recs = NULL;
	*n = 0;
	if (db_run_get(d, run, &row) != 0 || chunk_count(d, run, &chunks, &total) != 0)
		return -1;
	if (chunks == 0)
		return legacy_load(d, run, recs, n);
	if (total > SIZE_MAX / sizeof **recs || !(*recs = malloc((size_t)total * sizeof **recs)))
		return db_fail(d, "out of memory for a trace index of %" PRIu64 " records", total);
	if (!(st = db_stmt_use(d, DB_ST_CHUNKS_ALL, &tmp)) || bind_run(d, st, tmp, run) != 0)
		goto fail;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0), end;
		const unsigned char *data;
		uint32_t records;
		size_t len;

		if (seq != k || chunk_cols(d, st, 1, run, seq, k + 1 == chunks, &records, &end,
					   &data, &len) != 0 ||
		    at + records > total ||
		    chunk_decode(d, run, seq, data, len, records, end, *recs + at) != 0) {
			if (seq != k)
				db_fail(d, "the trace index of run %" PRId64 " is corrupt (chunk %"
					PRIu64 " is missing)", run, k);
			s = SQLITE_ERROR;
			break;
		}
		at += records;
		k++;
	}
	if (s == SQLITE_DONE && at == total) {
		rc = 0;
		*n = (size_t)total;
	} else if (s == SQLITE_DONE) {
		db_fail(d, "the trace index of run %" PRId64 " changed while it was read", run);
	} else if (s != SQLITE_ERROR) {
		db_sqlfail(d, "cannot read the trace index");
	}
	if (db_stmt_done(st, tmp) != SQLITE_OK && rc == 0)
		rc = db_sqlfail(d, "cannot read the trace index");
	if (rc == 0)
		return 0;
fail:
	free(*recs);
	*recs = NULL;
	*n = 0;
	return -1;
}

int db_trace_count(db *d, int64_t run, uint64_t *n)
{
	db_trace_rec *recs = NULL;
	uint64_t chunks;
	size_t k = 0;

	if (chunk_count(d, run, &chunks, n) != 0)
		return -1;
	if (chunks)
		return 0;
	/* schema 2 and before: the count is the blob's (small: it fitted) */
	if (legacy_load(d, run, &recs, &k) != 0)
		return -1;
	free(recs);
	*n = k;
	return 0;
}

/* --- divergence --------------------------------------------------------------------- */

/* First differing record of two decoded stretches starting at record
 * base; nb, nc their lengths. */
static void diverge_at(const db_trace_rec *b, size_t nb, const db_trace_rec *c, size_t nc,
		       uint64_t base, db_trace_div *out)
{
	size_t n = nb < nc ? nb : nc, i = 0;

	while (i < n && b[i].hash == c[i].hash)
		i++;
	if (i == n && nb == nc && nb)
		i = nb - 1;   /* the end hashes differ: the last record, past 32 bits */
	out->diverged = true;
	out->index = base + i;
	if ((out->has_b = i < nb))
		out->b = b[i];
	if ((out->has_c = i < nc))
		out->c = c[i];
}

/* Runs recorded before schema 3 hold their index whole: compare it so. */
static int diverge_loaded(db *d, int64_t b, int64_t c, db_trace_div *out)
{
	db_trace_rec *tb = NULL, *tc = NULL;
	size_t nb = 0, nc = 0, n, i = 0;
	int rc = -1;

	if (db_trace_load(d, b, &tb, &nb) != 0 || db_trace_load(d, c, &tc, &nc) != 0)
		goto out;
	n = nb < nc ? nb : nc;
	while (i < n && tb[i].hash == tc[i].hash)
		i++;
	if (i < n || nb != nc)
		diverge_at(tb + i, nb - i, tc + i, nc - i, i, out);
	rc = 0;
out:
	free(tb);
	free(tc);
	return rc;
}

/* Decode chunk seq of run into out (*n records; 0 when it has none). */
static int chunk_load(db *d, int64_t run, uint64_t seq, bool last, db_trace_rec *out,
		      size_t *n)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_CHUNK_DATA, &tmp);
	const unsigned char *data;
	uint64_t end;
	uint32_t records;
	size_t len;
	int b = SQLITE_OK, s, rc = -1;

	*n = 0;
	if (!st)
		return -1;
	db_bind_int64(st, 1, run, &b);
	db_bind_int64(st, 2, (int64_t)seq, &b);
	if (db_bind_check(d, b, "the chunk") != 0) {
		(void)db_stmt_done(st, tmp);
		return -1;
	}
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = 0;
	} else if (s != SQLITE_ROW) {
		db_sqlfail(d, "cannot read the trace index");
	} else if (chunk_cols(d, st, 0, run, seq, last, &records, &end, &data, &len) == 0 &&
		   chunk_decode(d, run, seq, data, len, records, end, out) == 0) {
		*n = records;
		rc = 0;
	}
	if (db_stmt_done(st, tmp) != SQLITE_OK && rc == 0)
		rc = db_sqlfail(d, "cannot read the trace index");
	return rc;
}

/* The next (seq, records, end_hash) row of a CHUNKS_OF statement: 1, or 0
 * at the end, or -1. */
static int next_chunk(db *d, sqlite3_stmt *st, uint64_t *seq, int64_t *records, uint64_t *end)
{
	int s = sqlite3_step(st);

	if (s == SQLITE_DONE)
		return 0;
	if (s != SQLITE_ROW)
		return db_sqlfail(d, "cannot read the trace index");
	*seq = (uint64_t)sqlite3_column_int64(st, 0);
	*records = sqlite3_column_int64(st, 1);
	*end = (uint64_t)sqlite3_column_int64(st, 2);
	return 1;
}

int db_trace_diverge_runs(db *d, int64_t b, int64_t c, db_trace_div *out)
{
	sqlite3_stmt *tb = NULL, *tc = NULL, *sb = NULL, *sc = NULL;
	db_trace_rec *rb = NULL, *rc_ = NULL;
	uint64_t chb, chc, k = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (chunk_count(d, b, &chb, &out->nb) != 0 || chunk_count(d, c, &chc, &out->nc) != 0)
		return -1;
	if (chb == 0 || chc == 0) {
		/* an older run, or a run without an index */
		if ((chb == 0 && db_trace_count(d, b, &out->nb) != 0) ||
		    (chc == 0 && db_trace_count(d, c, &out->nc) != 0))
			return -1;
		out->available = out->nb > 0 && out->nc > 0;
		return out->available ? diverge_loaded(d, b, c, out) : 0;
	}
	out->available = true;
	if (!(sb = db_stmt_use(d, DB_ST_CHUNKS_OF, &tb)) || bind_run(d, sb, tb, b) != 0) {
		sb = NULL;
		return -1;
	}
	if (!(sc = db_stmt_use(d, DB_ST_CHUNKS_OF_C, &tc)) || bind_run(d, sc, tc, c) != 0) {
		sc = tc = NULL;   /* done with by bind_run */
		goto out;
	}
	/* chunk k covers the same records in both: skip while their ends agree */
	for (;; k++) {
		uint64_t qb = 0, qc = 0, eb = 0, ec = 0;
		int64_t nb = 0, nc = 0;
		int hb = next_chunk(d, sb, &qb, &nb, &eb), hc = next_chunk(d, sc, &qc, &nc, &ec);
		size_t lb, lc;

		if (hb < 0 || hc < 0)
			goto out;
		if ((hb && qb != k) || (hc && qc != k)) {
			db_fail(d, "the trace index of run %" PRId64 " is corrupt (chunk %" PRIu64
				" is missing)", hb && qb != k ? b : c, k);
			goto out;
		}
		if (!hb && !hc)
			break;   /* identical */
		if (hb && hc && nb == nc && eb == ec)
			continue;
		rb = malloc(DB_TRACE_CHUNK * sizeof *rb);
		rc_ = malloc(DB_TRACE_CHUNK * sizeof *rc_);
		if (!rb || !rc_) {
			db_fail(d, "out of memory");
			goto out;
		}
		if (chunk_load(d, b, k, k + 1 == chb, rb, &lb) != 0 ||
		    chunk_load(d, c, k, k + 1 == chc, rc_, &lc) != 0)
			goto out;
		diverge_at(rb, lb, rc_, lc, k * DB_TRACE_CHUNK, out);
		break;
	}
	rc = 0;
out:
	if (db_stmt_done(sb, tb) != SQLITE_OK && rc == 0)
		rc = db_sqlfail(d, "cannot read the trace index");
	if (sc && db_stmt_done(sc, tc) != SQLITE_OK && rc == 0)
		rc = db_sqlfail(d, "cannot read the trace index");
	free(rb);
	free(rc_);
	return rc;
}
