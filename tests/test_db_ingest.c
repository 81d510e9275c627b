/*
 * test_db_ingest.c - what the store does when a row cannot be written (a
 * bind refused past the length limit, a statement refused): the row is
 * named, its run is recorded as an error, and every other row survives;
 * a trace index far past SQLite's blob limit is stored whole, in chunks;
 * samples wait for their op; two runs' indexes are compared chunk by
 * chunk, and a damaged chunk is reported, not misread.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "tests/alloc_count.h"
#include "tests/dbfix.h"

Suite *db_ingest_suite(void);

static void run_text(sqlite3 *h, int64_t run, const char *col, char *out, size_t n)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT %s FROM runs WHERE id = %" PRId64, col, run);
	q_text(h, sql, out, n);
}

/* A value past the database's length limit: the bind is refused, the
 * row named, the others of its batch kept, the run an error. */
START_TEST(failing_bind_is_reported)
{
	db *d = open_db();
	sqlite3 *h = raw_open();
	int64_t run = begin(d, "bind", 1);
	char big[5000], s[512], want[160];
	db_event e = { .t_ms = 1, .kind = "warning", .detail = big };

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	sqlite3_limit(db_handle(d), SQLITE_LIMIT_LENGTH, 1000);
	add_ops(d, run, 1, 5);
	ck_assert_int_eq(db_event_add(d, run, &e), 0);   /* buffered */
	add_ops(d, run, 6, 5);
	ck_assert_int_eq(db_run_finish(d, run, "passed", 1, "", 1, 1, NULL, 0), -1);
	snprintf(want, sizeof want, "run %" PRId64 " was recorded as an error: 1 rows could not be "
		 "written: cannot store event 1 of run %" PRId64 ": cannot bind its values: string or "
		 "blob too big", run, run);
	ck_assert_str_eq(db_errmsg(d), want);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), 10);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM events"), 0);
	run_text(h, run, "status || ': ' || message", s, sizeof s);
	snprintf(want, sizeof want, "error: incomplete record: cannot store event 1 of run %" PRId64
		 ": cannot bind its values: string or blob too big", run);
	ck_assert_str_eq(s, want);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* A statement the database refuses (here a trigger; in life a constraint):
 * the same. */
START_TEST(failing_step_is_reported)
{
	db *d = open_db();
	sqlite3 *h = raw_open();
	int64_t run = begin(d, "step", 1);
	char s[512], want[200];

	ck_assert_int_eq(sqlite3_exec(h, "CREATE TRIGGER no3 BEFORE INSERT ON ops WHEN NEW.seq = 3 "
				     "BEGIN SELECT RAISE(ABORT, 'op 3 refused'); END", NULL, NULL, NULL),
			 SQLITE_OK);
	add_ops(d, run, 1, 5);
	ck_assert_int_eq(db_flush(d), -1);
	snprintf(want, sizeof want, "cannot store op 3 of run %" PRId64 ": op 3 refused", run);
	ck_assert_str_eq(db_errmsg(d), want);
	q_text(h, "SELECT group_concat(seq) FROM (SELECT seq FROM ops ORDER BY seq)", s, sizeof s);
	ck_assert_str_eq(s, "1,2,4,5");
	add_ops(d, run, 6, 1);
	ck_assert_int_eq(db_run_finish(d, run, "passed", 1, "", 1, 1, NULL, 0), -1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), 5);
	run_text(h, run, "status || ': ' || message", s, sizeof s);
	snprintf(want, sizeof want, "error: incomplete record: cannot store op 3 of run %" PRId64
		 ": op 3 refused", run);
	ck_assert_str_eq(s, want);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

static db_trace_rec *fake_trace(size_t n, uint64_t salt)
{
	db_trace_rec *t = malloc(n * sizeof *t);
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ salt;

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < n; i++) {
		/* a tick's pair (30 s apart), now and then a burst of HAL calls */
		bool tick = i % 40 < 30;

		h = (h ^ i) * UINT64_C(0x100000001b3);
		t[i].kind = (uint16_t)(tick ? (i % 2 ? 7 : 34) : 1 + i % 12);
		t[i].t_ns = (int64_t)(i / 2) * 30000000000 + (int64_t)(i % 2) * 2000000 +
			    (tick ? 0 : (int64_t)(i % 7) * 12345);
		t[i].hash = h;
	}
	return t;
}

/*
 * 200 000 records with SQLITE_LIMIT_LENGTH at 100 kB: as one blob (4.8 MB)
 * the index would be refused, and with it the run's rows; in chunks every
 * op row and every record is stored, both given at the finish (a caller
 * that does not stream) and streamed as the run goes.
 */
START_TEST(trace_past_the_blob_limit)
{
	enum { N = 200000 };
	db *d = open_db();
	sqlite3 *h = raw_open();
	db_trace_rec *t = fake_trace(N, 1), *got = NULL;
	int64_t at_end = begin(d, "end", 1), streamed = begin(d, "streamed", 1);
	uint64_t count = 0;
	size_t n = 0;
	char s[64];

	sqlite3_limit(db_handle(d), SQLITE_LIMIT_LENGTH, 100000);
	add_ops(d, at_end, 1, 700);
	ck_assert_msg(db_run_finish(d, at_end, "passed", t[N - 1].hash, "", 1, 1, t, N) == 0, "%s",
		      db_errmsg(d));
	add_ops(d, streamed, 1, 700);
	for (size_t i = 0; i < N; i += 999)
		ck_assert_int_eq(db_trace_add(d, streamed, t + i, i + 999 <= N ? 999 : N - i), 0);
	finish(d, streamed, "passed");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM ops"), 1400);
	run_text(h, at_end, "status", s, sizeof s);
	ck_assert_str_eq(s, "passed");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM trace_chunks"), 2 * 49);
	ck_assert_int_le(q_int(h, "SELECT max(length(data)) FROM trace_chunks"), 100000);
	for (int k = 0; k < 2; k++) {
		int64_t run = k ? streamed : at_end;

		ck_assert_int_eq(db_trace_count(d, run, &count), 0);
		ck_assert_uint_eq(count, N);
		ck_assert_int_eq(db_trace_load(d, run, &got, &n), 0);
		ck_assert_uint_eq(n, N);
		for (size_t i = 0; i < N; i++) {
			ck_assert_uint_eq(got[i].kind, t[i].kind);
			ck_assert_int_eq(got[i].t_ns, t[i].t_ns);
			ck_assert_uint_eq(got[i].hash, DB_TRACE_HASH_KEPT(t[i].hash));
		}
		free(got);
	}
	free(t);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* Streaming an index holds one chunk and one batch, whatever its length:
 * past the first batches, a million more records allocate nothing. */
START_TEST(streaming_memory_is_flat)
{
	enum { N = 1000000, SLICE = 1024 };
	db *d = open_db();
	db_trace_rec *t = fake_trace(SLICE, 5);
	int64_t run = begin(d, "flat", 1);
	uint64_t before = 0, count = 0;
	int rc = 0;

	/* (no assertion inside the loops: Check's own bookkeeping allocates) */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			before = test_allocs();
		for (size_t i = 0; i < N; i += SLICE) {
			for (size_t k = 0; k < SLICE; k++)
				t[k].t_ns += 60000000000;
			rc |= db_trace_add(d, run, t, SLICE);
		}
	}
	ck_assert_uint_eq(test_allocs(), before);
	ck_assert_int_eq(rc, 0);
	finish(d, run, "passed");
	ck_assert_int_eq(db_trace_count(d, run, &count), 0);
	ck_assert_uint_eq(count, 2 * ((N + SLICE - 1) / SLICE) * SLICE);
	free(t);
	db_close(d);
}
END_TEST

/* Samples come before their op: they wait for it, so that no committed
 * sample names an op that is not there; an op that never comes takes
 * its samples with it. */
START_TEST(samples_wait_for_their_op)
{
	db *d = open_db();
	sqlite3 *h = raw_open();
	int64_t run = begin(d, "s", 1);
	db_sample smp = { .op_seq = 1, .t_ms = 1, .lens = "B", .z_um = 1, .focus_score = 2,
			  .true_focus_um = NAN, .temperature_c = NAN };

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(db_sample_add(d, run, &smp), 0);
	ck_assert_int_eq(db_flush(d), 0);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples"), 0);   /* op 1 is not there */
	add_ops(d, run, 1, 1);
	ck_assert_int_eq(db_flush(d), 0);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples WHERE op_seq = 1"), 3);
	/* 2000 samples of one op span several batches: none goes before it */
	smp.op_seq = 2;
	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(db_sample_add(d, run, &smp), 0);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples"), 3);
	add_ops(d, run, 2, 1);   /* with its 2000 samples, a full batch: written at once */
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples"), 2003);
	/* samples of op 3, which never comes */
	smp.op_seq = 3;
	ck_assert_int_eq(db_sample_add(d, run, &smp), 0);
	finish(d, run, "passed");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples"), 2003);
	ck_assert_int_eq(q_int(h, "SELECT max(seq) FROM samples"), 2003);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM samples s WHERE NOT EXISTS (SELECT 1 FROM ops o "
				  "WHERE o.run_id = s.run_id AND o.seq = s.op_seq)"), 0);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

/* Where two indexes part, chunk by chunk: in the middle, at a chunk's last
 * record (where only the 64-bit end hash tells), and where one is a
 * prefix of the other. */
START_TEST(divergence_by_chunks)
{
	enum { N = 3 * 4096 + 100 };
	db *d = open_db();
	db_trace_rec *a = fake_trace(N, 1), *b = fake_trace(N, 1);
	int64_t ra = begin(d, "a", 1), rb = begin(d, "a", 1), rc = begin(d, "a", 1),
		rp = begin(d, "a", 1), rn = begin(d, "a", 1);
	db_trace_div dv;

	ck_assert_int_eq(db_trace_add(d, ra, a, N), 0);
	finish(d, ra, "passed");
	for (size_t i = 5000; i < N; i++)
		b[i].hash ^= UINT64_C(0x100000000);
	ck_assert_int_eq(db_trace_add(d, rb, b, N), 0);
	finish(d, rb, "passed");
	memcpy(b, a, N * sizeof *b);
	b[4095].hash ^= 1;   /* the last record of chunk 0, in the bits a record does not keep */
	ck_assert_int_eq(db_trace_add(d, rc, b, 4096), 0);
	ck_assert_int_eq(db_trace_add(d, rc, a + 4096, N - 4096), 0);
	finish(d, rc, "passed");
	ck_assert_int_eq(db_trace_add(d, rp, a, 8192), 0);
	finish(d, rp, "passed");
	finish(d, rn, "passed");

	ck_assert_int_eq(db_trace_diverge_runs(d, ra, rb, &dv), 0);
	ck_assert(dv.available && dv.diverged);
	ck_assert_uint_eq(dv.index, 5000);
	ck_assert_uint_eq(dv.b.kind, a[5000].kind);
	ck_assert_int_eq(dv.c.t_ns, a[5000].t_ns);
	ck_assert_int_eq(db_trace_diverge_runs(d, ra, rc, &dv), 0);
	ck_assert(dv.diverged);
	ck_assert_uint_eq(dv.index, 4095);
	ck_assert_int_eq(db_trace_diverge_runs(d, ra, rp, &dv), 0);
	ck_assert(dv.diverged);
	ck_assert_uint_eq(dv.index, 8192);
	ck_assert(dv.has_b && !dv.has_c);
	ck_assert_uint_eq(dv.nb, N);
	ck_assert_uint_eq(dv.nc, 8192);
	ck_assert_int_eq(db_trace_diverge_runs(d, rp, ra, &dv), 0);
	ck_assert(!dv.has_b && dv.has_c && dv.index == 8192);
	ck_assert_int_eq(db_trace_diverge_runs(d, ra, ra, &dv), 0);
	ck_assert(dv.available && !dv.diverged);
	ck_assert_int_eq(db_trace_diverge_runs(d, ra, rn, &dv), 0);
	ck_assert(!dv.available);
	free(a);
	free(b);
	db_close(d);
}
END_TEST

/* A chunk whose bytes were damaged is reported, never misread. */
START_TEST(damaged_chunk_is_reported)
{
	db *d = open_db();
	sqlite3 *h = raw_open();
	db_trace_rec *t = fake_trace(5000, 3), *got = NULL;
	int64_t run = begin(d, "d", 1);
	size_t n = 7;
	char want[160];

	ck_assert_int_eq(db_trace_add(d, run, t, 5000), 0);
	finish(d, run, "passed");
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE trace_chunks SET data = substr(data, 1, length(data) - 3) "
				     "WHERE seq = 1", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(db_trace_load(d, run, &got, &n), -1);
	ck_assert_ptr_null(got);
	ck_assert_uint_eq(n, 0);
	snprintf(want, sizeof want, "the trace index of run %" PRId64 " is corrupt (chunk 1, 904 records in",
		 run);
	ck_assert_msg(strstr(db_errmsg(d), want) == db_errmsg(d), "%s", db_errmsg(d));
	ck_assert_int_eq(sqlite3_exec(h, "DELETE FROM trace_chunks WHERE seq = 0", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(db_trace_load(d, run, &got, &n), -1);
	ck_assert_msg(strstr(db_errmsg(d), "(chunk 0 is missing)") != NULL, "%s", db_errmsg(d));
	free(t);
	sqlite3_close(h);
	db_close(d);
}
END_TEST

Suite *db_ingest_suite(void)
{
	Suite *s = suite_create("db_ingest");
	TCase *tc = tcase_create("ingest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, failing_bind_is_reported);
	tcase_add_test(tc, failing_step_is_reported);
	tcase_add_test(tc, trace_past_the_blob_limit);
	tcase_add_test(tc, streaming_memory_is_flat);
	tcase_add_test(tc, samples_wait_for_their_op);
	tcase_add_test(tc, divergence_by_chunks);
	tcase_add_test(tc, damaged_chunk_is_reported);
	suite_add_tcase(s, tc);
	return s;
}
