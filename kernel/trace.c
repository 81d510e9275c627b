/*
 * trace.c - canonical binary event trace and its FNV-1a hash.
 *
 * A record is built in a small staging buffer (records are short: a kind,
 * a time and a handful of fields), then hashed byte by byte into the running
 * hash.  A trace that keeps records appends the record to one growing byte
 * array with an offset table, and its index entry (kind, time, running
 * hash: 18 bytes) to three growing arrays, which is what divergence search
 * compares.  A trace that does not keep records holds only the last
 * SIM_TRACE_SLICE index entries for its sink: a run of any length costs
 * the same memory.
 */
#include "trace.h"

#include "kernel/digest.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STAGE_MAX 512
#define FNV_PRIME UINT64_C(0x100000001b3)

struct sim_trace {
	uint64_t hash;
	uint64_t count;
	bool indexed;            /* holds the index (a trace made to keep records) */
	bool keep;               /* still keeps the records' bytes */
	bool complete;
	bool open;
	/* staging of the record being built */
	uint8_t stage[STAGE_MAX];
	size_t stage_len;
	bool stage_overflow;
	/* running hash, kind and time of each record */
	uint64_t *ckpt;
	size_t ckpt_cap;
	uint16_t *kinds;
	size_t kinds_cap;
	int64_t *times;
	size_t times_cap;
	unsigned cur_kind;
	int64_t cur_t_ns;
	/* kept records: bytes and offsets (count + 1 entries) */
	uint8_t *bytes;
	size_t bytes_len, bytes_cap;
	size_t *offs;
	size_t offs_cap;
	/* the sink and the entries waiting for it */
	sim_trace_sink_fn sink;
	void *sink_user;
	size_t nslice;
	sim_trace_entry slice[SIM_TRACE_SLICE];
};

const char *sim_event_name(unsigned kind)
{
	switch (kind) {
#define SIM_EVENT_STR_(name, code, str) case (code): return (str);
		SIM_EVENT_MAP(SIM_EVENT_STR_)
#undef SIM_EVENT_STR_
	}
	return "?";
}

uint64_t sim_fnv1a64(uint64_t h, const void *data, size_t n)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t sim_digest_u16(const uint16_t *px, size_t n)
{
	uint64_t h = sim_digest_begin(n);
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		h = sim_digest_word(h, sim_digest_load4(px + i));
	for (; i < n; i++)
		h = sim_digest_pixel(h, px[i]);
	return sim_digest_end(h);
}

sim_trace *sim_trace_new(bool keep_records)
{
	sim_trace *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->hash = SIM_FNV64_OFFSET;
	t->keep = t->indexed = keep_records;
	t->complete = true;
	return t;
}

void sim_trace_free(sim_trace *t)
{
	if (!t)
		return;
	free(t->ckpt);
	free(t->kinds);
	free(t->times);
	free(t->bytes);
	free(t->offs);
	free(t);
}

static void put(sim_trace *t, const uint8_t *b, size_t n)
{
	assert(t->open);
	if (t->stage_len + n > STAGE_MAX) {
		/* Hash what cannot be staged directly; keeping stays exact in
		 * the hash but the record is no longer kept whole. */
		t->stage_overflow = true;
		t->hash = sim_fnv1a64(t->hash, t->stage, t->stage_len);
		t->stage_len = 0;
		if (n > STAGE_MAX) {
			t->hash = sim_fnv1a64(t->hash, b, n);
			return;
		}
	}
	memcpy(t->stage + t->stage_len, b, n);
	t->stage_len += n;
}

static void put_le(sim_trace *t, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(t, b, n);
}

void sim_trace_begin(sim_trace *t, unsigned kind, int64_t t_ns)
{
	assert(!t->open);
	t->open = true;
	t->cur_kind = kind;
	t->cur_t_ns = t_ns;
	t->stage_len = 0;
	t->stage_overflow = false;
	put_le(t, (uint64_t)kind & 0xffffu, 2);
	put_le(t, (uint64_t)t_ns, 8);
}

/* Every field starts with a one-byte type tag, so a kept record can be
 * printed field by field without knowing its kind. */
static void put_tag(sim_trace *t, char tag)
{
	uint8_t b = (uint8_t)tag;

	put(t, &b, 1);
}

void sim_trace_u32(sim_trace *t, uint32_t v) { put_tag(t, 'u'); put_le(t, v, 4); }
void sim_trace_i32(sim_trace *t, int32_t v) { put_tag(t, 'i'); put_le(t, (uint32_t)v, 4); }
void sim_trace_u64(sim_trace *t, uint64_t v) { put_tag(t, 'U'); put_le(t, v, 8); }
void sim_trace_i64(sim_trace *t, int64_t v) { put_tag(t, 'I'); put_le(t, (uint64_t)v, 8); }

void sim_trace_f64(sim_trace *t, double v)
{
	uint64_t bits;

	if (isnan(v))
		bits = UINT64_C(0x7ff8000000000000);
	else if (v == 0.0)
		bits = 0; /* -0.0 and +0.0 are one value */
	else
		memcpy(&bits, &v, sizeof bits);
	put_tag(t, 'd');
	put_le(t, bits, 8);
}

void sim_trace_str(sim_trace *t, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 4096)
		n = 4096;
	put_tag(t, 's');
	put_le(t, (uint64_t)n, 4);
	if (n)
		put(t, (const uint8_t *)s, n);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 256;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return false;
		ncap *= 2;
	}
	np = realloc(*p, ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

void sim_trace_end(sim_trace *t)
{
	uint32_t payload;

	assert(t->open);
	/* The trailing length makes records self-delimiting in the stream. */
	payload = (uint32_t)(t->stage_len >= 10 ? t->stage_len - 10 : 0);
	put_le(t, payload, 4);
	t->open = false;
	t->hash = sim_fnv1a64(t->hash, t->stage, t->stage_len);

	if (t->sink) {
		t->slice[t->nslice++] = (sim_trace_entry){ (uint16_t)t->cur_kind, t->cur_t_ns, t->hash };
		if (t->nslice == SIM_TRACE_SLICE)
			sim_trace_flush(t);
	}
	if (!t->indexed) {
		t->count++;
		return;
	}
	if (t->complete && grow((void **)&t->ckpt, &t->ckpt_cap, t->count + 1, sizeof *t->ckpt) &&
	    grow((void **)&t->kinds, &t->kinds_cap, t->count + 1, sizeof *t->kinds) &&
	    grow((void **)&t->times, &t->times_cap, t->count + 1, sizeof *t->times)) {
		t->ckpt[t->count] = t->hash;
		t->kinds[t->count] = (uint16_t)t->cur_kind;
		t->times[t->count] = t->cur_t_ns;
	} else {
		t->complete = false;
	}

	if (t->keep && t->complete) {
		if (t->stage_overflow ||
		    !grow((void **)&t->offs, &t->offs_cap, t->count + 2, sizeof *t->offs) ||
		    !grow((void **)&t->bytes, &t->bytes_cap, t->bytes_len + t->stage_len, 1)) {
			t->keep = false;
		} else {
			if (t->count == 0)
				t->offs[0] = 0;
			memcpy(t->bytes + t->bytes_len, t->stage, t->stage_len);
			t->bytes_len += t->stage_len;
			t->offs[t->count + 1] = t->bytes_len;
		}
	}
	t->count++;
}

void sim_trace_set_sink(sim_trace *t, sim_trace_sink_fn fn, void *user)
{
	sim_trace_flush(t);
	t->sink = fn;
	t->sink_user = user;
}

void sim_trace_flush(sim_trace *t)
{
	if (t->sink && t->nslice)
		t->sink(t->sink_user, t->slice, t->nslice);
	t->nslice = 0;
}

uint64_t sim_trace_hash(const sim_trace *t) { return t->hash; }
uint64_t sim_trace_count(const sim_trace *t) { return t->count; }
bool sim_trace_complete(const sim_trace *t) { return t->complete; }

uint64_t sim_trace_hash_at(const sim_trace *t, uint64_t i)
{
	if (!t->ckpt || !t->complete || i >= t->count)
		return 0;
	return t->ckpt[i];
}

int sim_trace_record_at(const sim_trace *t, uint64_t i, unsigned *kind, int64_t *t_ns,
			uint64_t *hash)
{
	if (!t->ckpt || !t->complete || i >= t->count)
		return -1;
	*kind = t->kinds[i];
	*t_ns = t->times[i];
	*hash = t->ckpt[i];
	return 0;
}

int64_t sim_trace_first_divergence(const sim_trace *a, const sim_trace *b)
{
	uint64_t n = a->count < b->count ? a->count : b->count;

	for (uint64_t i = 0; i < n; i++)
		if (sim_trace_hash_at(a, i) != sim_trace_hash_at(b, i))
			return (int64_t)i;
	if (a->count == b->count)
		return -1;
	return (int64_t)n;
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int sim_trace_print_record(const sim_trace *t, uint64_t i, FILE *f)
{
	const uint8_t *p;
	size_t len;
	int64_t t_ns;

	if (!t->keep || i >= t->count)
		return -1;
	p = t->bytes + t->offs[i];
	len = t->offs[i + 1] - t->offs[i];
	t_ns = (int64_t)get_le(p + 2, 8);
	fprintf(f, "#%" PRIu64 " %s t=%.6f ms", i, sim_event_name((unsigned)get_le(p, 2)),
		(double)t_ns / 1e6);
	for (size_t o = 10; o + 4 < len;) {
		char tag = (char)p[o++];
		uint64_t v;
		double d;

		switch (tag) {
		case 'u':
			fprintf(f, " %" PRIu32, (uint32_t)get_le(p + o, 4));
			o += 4;
			break;
		case 'i':
			fprintf(f, " %" PRId32, (int32_t)(uint32_t)get_le(p + o, 4));
			o += 4;
			break;
		case 'U':
			fprintf(f, " %" PRIu64, get_le(p + o, 8));
			o += 8;
			break;
		case 'I':
			fprintf(f, " %" PRId64, (int64_t)get_le(p + o, 8));
			o += 8;
			break;
		case 'd':
			v = get_le(p + o, 8);
			memcpy(&d, &v, sizeof d);
			fprintf(f, " %.9g", d);
			o += 8;
			break;
		case 's':
			v = get_le(p + o, 4);
			o += 4;
			fprintf(f, " '%.*s'", (int)v, (const char *)(p + o));
			o += (size_t)v;
			break;
		default:
			o = len; /* not a field: stop */
			break;
		}
	}
	fputc('\n', f);
	return 0;
}
