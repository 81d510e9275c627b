/*
 * test_trace.c - canonical form, hash and divergence search of the trace.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/trace.h"
#include "tests/alloc_count.h"

/* FNV-1a 64 reference values ("" and "a", "foobar"). */
START_TEST(fnv1a64_reference_values)
{
	ck_assert_uint_eq(sim_fnv1a64(SIM_FNV64_OFFSET, "", 0), UINT64_C(0xcbf29ce484222325));
	ck_assert_uint_eq(sim_fnv1a64(SIM_FNV64_OFFSET, "a", 1), UINT64_C(0xaf63dc4c8601ec8c));
	ck_assert_uint_eq(sim_fnv1a64(SIM_FNV64_OFFSET, "foobar", 6), UINT64_C(0x85944171f73967e8));
}
END_TEST

static void append(sim_trace *t, int64_t when, double z)
{
	sim_trace_begin(t, SIM_EV_HAL_MOVE_Z, when);
	sim_trace_f64(t, z);
	sim_trace_i32(t, 0);
	sim_trace_end(t);
}

/* The hash is FNV-1a of the documented byte layout, spelled out here. */
START_TEST(canonical_layout_is_hashed)
{
	sim_trace *t = sim_trace_new(false);
	uint8_t want[64];
	size_t n = 0;
	double z = 1.5;
	uint64_t bits;

	ck_assert_ptr_nonnull(t);
	append(t, 1000, z);
	want[n++] = SIM_EV_HAL_MOVE_Z;
	want[n++] = 0;
	for (int i = 0; i < 8; i++)
		want[n++] = (uint8_t)((uint64_t)1000 >> (8 * i));
	want[n++] = 'd';
	memcpy(&bits, &z, 8);
	for (int i = 0; i < 8; i++)
		want[n++] = (uint8_t)(bits >> (8 * i));
	want[n++] = 'i';
	for (int i = 0; i < 4; i++)
		want[n++] = 0;
	/* payload length: 9 + 5 bytes of fields */
	want[n++] = 14;
	want[n++] = 0;
	want[n++] = 0;
	want[n++] = 0;
	ck_assert_uint_eq(sim_trace_hash(t), sim_fnv1a64(SIM_FNV64_OFFSET, want, n));
	ck_assert_uint_eq(sim_trace_count(t), 1);
	sim_trace_free(t);
}
END_TEST

START_TEST(negative_zero_and_nan_are_canonical)
{
	sim_trace *a = sim_trace_new(false), *b = sim_trace_new(false);
	double nan1 = NAN, nan2 = -NAN;

	append(a, 5, 0.0);
	append(b, 5, -0.0);
	ck_assert_uint_eq(sim_trace_hash(a), sim_trace_hash(b));
	append(a, 6, nan1);
	append(b, 6, nan2);
	ck_assert_uint_eq(sim_trace_hash(a), sim_trace_hash(b));
	append(a, 7, 1.0);
	append(b, 7, nextafter(1.0, 2.0));
	ck_assert_uint_ne(sim_trace_hash(a), sim_trace_hash(b));
	sim_trace_free(a);
	sim_trace_free(b);
}
END_TEST

/* What a sink saw. */
typedef struct seen {
	sim_trace_entry *e;
	size_t n, slices, max_slice;
} seen;

static void collect(void *user, const sim_trace_entry *e, size_t n)
{
	seen *s = user;

	memcpy(s->e + s->n, e, n * sizeof *e);
	s->n += n;
	s->slices++;
	if (n > s->max_slice)
		s->max_slice = n;
}

/* A trace that keeps no records hands every index entry to its sink, in
 * order and in slices, and holds none: a million records allocate
 * nothing.  The entries are those a keeping trace holds. */
START_TEST(index_streams_to_the_sink)
{
	enum { N = 1000000, CMP = 5000 };
	sim_trace *t = sim_trace_new(false), *k = sim_trace_new(true);
	seen s = { .e = malloc(N * sizeof *s.e) };
	uint64_t before;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(s.e);
	sim_trace_set_sink(t, collect, &s);
	before = test_allocs();
	for (int i = 0; i < N; i++)
		append(t, i, (double)i);
	ck_assert_uint_eq(test_allocs(), before);   /* the memory of a long run is flat */
	sim_trace_flush(t);
	ck_assert_uint_eq(s.n, N);
	ck_assert_uint_eq(s.slices, (N + SIM_TRACE_SLICE - 1) / SIM_TRACE_SLICE);
	ck_assert_uint_eq(s.max_slice, SIM_TRACE_SLICE);
	ck_assert_uint_eq(s.e[N - 1].hash, sim_trace_hash(t));
	for (int i = 0; i < CMP; i++)
		append(k, i, (double)i);
	for (uint64_t i = 0; i < CMP; i++) {
		unsigned kind;
		int64_t when;
		uint64_t h;

		ck_assert_int_eq(sim_trace_record_at(k, i, &kind, &when, &h), 0);
		ck_assert_uint_eq(s.e[i].kind, kind);
		ck_assert_int_eq(s.e[i].t_ns, when);
		ck_assert_uint_eq(s.e[i].hash, h);
	}
	/* it holds no index of its own */
	ck_assert_int_eq(sim_trace_record_at(t, 5, &(unsigned){ 0 }, &(int64_t){ 0 }, &(uint64_t){ 0 }), -1);
	ck_assert_uint_eq(sim_trace_hash_at(t, 5), 0);
	ck_assert(sim_trace_complete(t));
	/* a flush with nothing waiting calls nobody */
	sim_trace_flush(t);
	ck_assert_uint_eq(s.slices, (N + SIM_TRACE_SLICE - 1) / SIM_TRACE_SLICE);
	free(s.e);
	sim_trace_free(t);
	sim_trace_free(k);
}
END_TEST

START_TEST(first_divergence_is_found)
{
	sim_trace *a = sim_trace_new(true), *b = sim_trace_new(true);

	for (int i = 0; i < 1000; i++) {
		append(a, i, (double)i);
		append(b, i, i == 617 ? 617.25 : (double)i);
	}
	ck_assert_int_eq(sim_trace_first_divergence(a, b), 617);
	{
		unsigned kind;
		int64_t when;
		uint64_t h;

		ck_assert_int_eq(sim_trace_record_at(b, 617, &kind, &when, &h), 0);
		ck_assert_uint_eq(kind, SIM_EV_HAL_MOVE_Z);
		ck_assert_int_eq(when, 617);
		ck_assert_uint_eq(h, sim_trace_hash_at(b, 617));
		ck_assert_int_eq(sim_trace_record_at(b, 1000, &kind, &when, &h), -1);
	}
	ck_assert_uint_eq(sim_trace_hash_at(a, 616), sim_trace_hash_at(b, 616));
	ck_assert_uint_ne(sim_trace_hash_at(a, 617), sim_trace_hash_at(b, 617));
	ck_assert_int_eq(sim_trace_first_divergence(a, a), -1);
	sim_trace_free(b);
	b = sim_trace_new(true);
	for (int i = 0; i < 400; i++)
		append(b, i, (double)i);
	/* a strict prefix diverges where it ends */
	ck_assert_int_eq(sim_trace_first_divergence(a, b), 400);
	ck_assert_uint_eq(sim_trace_hash_at(a, 1000), 0);
	sim_trace_free(a);
	sim_trace_free(b);
}
END_TEST

START_TEST(kept_records_print_their_fields)
{
	sim_trace *t = sim_trace_new(true);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sim_trace_begin(t, SIM_EV_FAULT, 2500000);
	sim_trace_str(t, "stage_stall");
	sim_trace_i64(t, -1);
	sim_trace_u32(t, 7);
	sim_trace_f64(t, 0.25);
	sim_trace_end(t);
	ck_assert_int_eq(sim_trace_print_record(t, 0, f), 0);
	ck_assert_int_eq(sim_trace_print_record(t, 1, f), -1);
	fclose(f);
	ck_assert_str_eq(buf, "#0 fault t=2.500000 ms 'stage_stall' -1 7 0.25\n");
	free(buf);
	sim_trace_free(t);
}
END_TEST

START_TEST(pixel_digest_sees_every_pixel)
{
	uint16_t px[1031];
	uint64_t d0;

	for (int i = 0; i < 1031; i++)
		px[i] = (uint16_t)(i * 37);
	d0 = sim_digest_u16(px, 1031);
	ck_assert_uint_eq(d0, sim_digest_u16(px, 1031));
	for (int i = 0; i < 1031; i += 103) {
		px[i] ^= 1;
		ck_assert_uint_ne(sim_digest_u16(px, 1031), d0);
		px[i] ^= 1;
	}
	ck_assert_uint_ne(sim_digest_u16(px, 1030), d0);
}
END_TEST

Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, fnv1a64_reference_values);
	tcase_add_test(tc, canonical_layout_is_hashed);
	tcase_add_test(tc, negative_zero_and_nan_are_canonical);
	tcase_add_test(tc, first_divergence_is_found);
	tcase_add_test(tc, index_streams_to_the_sink);
	tcase_add_test(tc, kept_records_print_their_fields);
	tcase_add_test(tc, pixel_digest_sees_every_pixel);
	suite_add_tcase(s, tc);
	return s;
}
