/*
 * test_rec_log.c - the field log reader (field/fld_log.h): torn last
 * records at every byte offset, damage named by record and byte offset,
 * wrong magic or version, records out of order, unclosed logs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec_wire.h"
#include "field/fld_log.h"
#include "tests/recfix.h"

/* Byte offsets of the records of a log (at most max); their count. */
static size_t offsets(const uint8_t *d, size_t n, size_t *at, size_t max)
{
	size_t pos = AF_LOG_MAGIC_LEN + 4, k = 0;

	while (pos + AF_LOG_REC_HEAD <= n && k < max) {
		uint32_t len = (uint32_t)d[pos] | (uint32_t)d[pos + 1] << 8 |
			       (uint32_t)d[pos + 2] << 16 | (uint32_t)d[pos + 3] << 24;

		at[k++] = pos;
		pos += AF_LOG_REC_HEAD + len + AF_LOG_REC_TAIL;
	}
	ck_assert_uint_eq(pos, n);
	return k;
}

/* A small log: one handoff; pixels as `pixels` says. */
static void small_log(memsink *m, bool pixels)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(1, false, f);
	af_rec_options ro;
	fld_sim_out out;
	fld_log *l;

	p.calibrate = false;
	p.autofocus = false;
	af_rec_options_default(&ro);
	if (!pixels) {
		ro.keep_last_n_ops = 1;
		ro.ring_bytes = 0;
	}
	l = recfix_record(&p, &ro, m, &out);
	fld_log_free(l);
}

static fld_log *parse_ok(const uint8_t *d, size_t n)
{
	char err[FLD_ERR_MAX];
	fld_log *l = NULL;

	ck_assert_msg(fld_log_parse(d, n, "test.aflog", &l, err, sizeof err) == 0, "%zu bytes: %s",
		      n, err);
	return l;
}

static void parse_fails(const uint8_t *d, size_t n, const char *want)
{
	char err[FLD_ERR_MAX];
	fld_log *l = NULL;

	ck_assert_int_eq(fld_log_parse(d, n, "test.aflog", &l, err, sizeof err), -1);
	ck_assert_ptr_null(l);
	ck_assert_str_eq(err, want);
}

/* Cut inside any of the last five records, at every byte: the records
 * before it are read, the torn one is skipped with a warning. */
START_TEST(a_torn_last_record_is_skipped_at_every_offset)
{
	memsink m = { 0 };
	size_t at[100000], n, total;
	char want[FLD_ERR_MAX];

	small_log(&m, false);
	total = offsets(m.p, m.len, at, 100000);
	ck_assert_uint_gt(total, 20);
	for (size_t r = total - 5; r < total; r++) {
		size_t end = r + 1 < total ? at[r + 1] : m.len;

		for (size_t cut = at[r]; cut < end; cut++) {
			fld_log *l = parse_ok(m.p, cut);

			ck_assert_uint_eq(l->records, r);
			ck_assert(l->torn == (cut > at[r]));
			ck_assert(!l->closed);
			fld_log_free(l);
		}
	}
	/* the words, at a cut in the head and one in the body */
	n = at[total - 1];
	{
		fld_log *l = parse_ok(m.p, n + 4);

		snprintf(want, sizeof want, "record %zu at byte %zu is torn (4 bytes of its head): "
			 "skipped", total - 1, n);
		ck_assert_str_eq(l->warning, want);
		fld_log_free(l);
		l = parse_ok(m.p, n + 20);
		snprintf(want, sizeof want, "record %zu at byte %zu is torn (20 of its %zu bytes): "
			 "skipped", total - 1, n, m.len - n);
		ck_assert_str_eq(l->warning, want);
		fld_log_free(l);
	}
	/* whole, it is closed */
	{
		fld_log *l = parse_ok(m.p, m.len);

		ck_assert(l->closed);
		ck_assert(!l->torn);
		ck_assert_uint_eq(l->records, total);
		fld_log_free(l);
	}
	memsink_release(&m);
}
END_TEST

/* The same inside a frame's record with its pixels (every 101st byte). */
START_TEST(a_torn_frame_record_is_skipped)
{
	memsink m = { 0 };
	static size_t at[100000];
	size_t total, r;

	small_log(&m, true);
	total = offsets(m.p, m.len, at, 100000);
	/* the last big record: a frame with its pixels */
	for (r = total - 1; r > 0 && (r + 1 < total ? at[r + 1] : m.len) - at[r] < 1000; r--)
		;
	ck_assert_uint_gt(r, 0);
	ck_assert_int_eq(m.p[at[r] + 4], AF_LOG_CALL);
	for (size_t cut = at[r] + 1; cut < at[r + 1]; cut += 101) {
		fld_log *l = parse_ok(m.p, cut);

		ck_assert(l->torn);
		ck_assert_uint_eq(l->records, r);
		fld_log_free(l);
	}
	memsink_release(&m);
}
END_TEST

START_TEST(damage_names_the_record_and_the_byte)
{
	memsink m = { 0 };
	size_t at[100000], total;
	uint8_t *d;
	char want[FLD_ERR_MAX];
	uint32_t stored;

	small_log(&m, false);
	total = offsets(m.p, m.len, at, 100000);
	d = malloc(m.len + 100);
	ck_assert_ptr_nonnull(d);

	/* a flipped bit in record 5's payload */
	memcpy(d, m.p, m.len);
	d[at[5] + AF_LOG_REC_HEAD + 2] ^= 0x10;
	{
		size_t len = at[6] - at[5] - AF_LOG_REC_HEAD - AF_LOG_REC_TAIL;

		stored = af_log_crc32c(0, m.p + at[5], AF_LOG_REC_HEAD + len);
		snprintf(want, sizeof want, "test.aflog: record 5 (%s) at byte %zu: checksum mismatch "
			 "(stored 0x%08x, computed 0x%08x)", af_log_rec_name(d[at[5] + 4]), at[5],
			 stored, af_log_crc32c(0, d + at[5], AF_LOG_REC_HEAD + len));
	}
	parse_fails(d, m.len, want);

	/* the same in the last record, which ends the file: a torn write */
	memcpy(d, m.p, m.len);
	d[m.len - 6] ^= 0x01;
	{
		fld_log *l = parse_ok(d, m.len);

		snprintf(want, sizeof want, "record %zu at byte %zu, the last, fails its checksum "
			 "(a torn write): skipped", total - 1, at[total - 1]);
		ck_assert_str_eq(l->warning, want);
		ck_assert_uint_eq(l->records, total - 1);
		fld_log_free(l);
	}

	/* a length beyond the limit */
	memcpy(d, m.p, m.len);
	d[at[3] + 3] = 0x7f;
	snprintf(want, sizeof want, "test.aflog: record 3 (%s) at byte %zu: length %u beyond the "
		 "format's limit of 67108864 bytes", af_log_rec_name(d[at[3] + 4]), at[3],
		 (unsigned)(m.p[at[3]] | m.p[at[3] + 1] << 8 | m.p[at[3] + 2] << 16 | 0x7f << 24));
	parse_fails(d, m.len, want);

	/* magic, version */
	memcpy(d, m.p, m.len);
	d[1] = 'X';
	parse_fails(d, m.len, "test.aflog: not a field log: no field log magic at byte 0");
	parse_fails(m.p, 5, "test.aflog: not a field log: no field log magic at byte 0");
	memcpy(d, m.p, m.len);
	ck_assert_uint_eq(d[8], 2);
	d[8] = 3;
	parse_fails(d, m.len, "test.aflog: format version 3 at byte 8: this afsim reads versions 1 "
		    "to 2");
	d[8] = 0;
	parse_fails(d, m.len, "test.aflog: format version 0 at byte 8: this afsim reads versions 1 "
		    "to 2");
	/* version 1 had no wait_settled_z: a header that claims it is damage */
	d[8] = 1;
	snprintf(want, sizeof want, "test.aflog: record 0 (header) at byte 12: unknown optional "
		 "ops 0x3f in a version 1 log");
	parse_fails(d, m.len, want);
	parse_fails(m.p, 12, "test.aflog: no header record after the magic (12 bytes)");

	/* a zero-filled tail (an unfinished write) */
	memcpy(d, m.p, m.len);
	memset(d + m.len, 0, 100);
	{
		fld_log *l = parse_ok(d, m.len + 100);

		snprintf(want, sizeof want, "record %zu at byte %zu: the last 100 bytes are zeros (an "
			 "unfinished write): skipped", total, m.len);
		ck_assert_str_eq(l->warning, want);
		ck_assert(l->closed);
		fld_log_free(l);
	}
	free(d);
	memsink_release(&m);
}
END_TEST

/* A hand-made log: magic, version, records. */
typedef struct mk {
	uint8_t buf[8192];
	af_log_wbuf w;
	size_t at;
} mk;

static void mk_start(mk *k)
{
	k->w = (af_log_wbuf){ k->buf, 0, sizeof k->buf, false };
	af_log_put_bytes(&k->w, AF_LOG_MAGIC, AF_LOG_MAGIC_LEN);
	af_log_put_u32(&k->w, AF_LOG_VERSION);
}

static void mk_open(mk *k, int type)
{
	k->at = af_log_rec_open(&k->w, type);
}

static void mk_close(mk *k)
{
	ck_assert(af_log_rec_close(&k->w, k->at));
}

static void mk_header(mk *k)
{
	mk_open(k, AF_LOG_HEADER);
	af_log_put_str(&k->w, "1.0");
	af_log_put_str(&k->w, "");
	af_log_put_str(&k->w, "rig");
	af_log_put_str(&k->w, "hand");
	af_log_put_u32(&k->w, AF_HAL_VERSION);
	af_log_put_u32(&k->w, 0);
	af_log_put_u32(&k->w, 0);
	af_log_put_u32(&k->w, 0);
	af_log_put_u64(&k->w, 1000);
	mk_close(k);
}

static void mk_new(mk *k)
{
	af_engine_config c;

	af_engine_config_default(&c);
	mk_open(k, AF_LOG_OP_BEGIN);
	af_log_put_u32(&k->w, 0);
	af_log_put_u8(&k->w, AF_LOG_OP_NEW);
	af_log_put_config(&k->w, &c);
	mk_close(k);
	mk_open(k, AF_LOG_OP_END);
	af_log_put_u32(&k->w, 0);
	af_log_put_u8(&k->w, AF_LOG_OP_NEW);
	af_log_put_i32(&k->w, AF_OK);
	af_log_put_str(&k->w, "");
	mk_close(k);
}

START_TEST(records_out_of_order_are_errors)
{
	mk k;
	fld_log *l;

	/* the smallest valid log: a header and an engine */
	mk_start(&k);
	mk_header(&k);
	mk_new(&k);
	l = parse_ok(k.buf, k.w.len);
	ck_assert_uint_eq(l->nops, 1);
	ck_assert(l->has_config);
	ck_assert_str_eq(l->hdr.rig_id, "rig");
	fld_log_free(l);

	mk_start(&k);
	mk_new(&k);
	parse_fails(k.buf, k.w.len, "test.aflog: record 0 (op_begin) at byte 12: the first record "
		    "must be the header");

	mk_start(&k);
	mk_header(&k);
	mk_new(&k);
	mk_open(&k, AF_LOG_OP_BEGIN);
	af_log_put_u32(&k.w, 2);
	af_log_put_u8(&k.w, AF_LOG_OP_TICK);
	mk_close(&k);
	{
		char want[200];

		snprintf(want, sizeof want, "test.aflog: record 3 (op_begin) at byte %zu: operation 2 "
			 "where operation 1 was due", k.at);
		parse_fails(k.buf, k.w.len, want);
	}

	mk_start(&k);
	mk_header(&k);
	mk_new(&k);
	mk_open(&k, AF_LOG_SCORE);
	af_log_put_u64(&k.w, 7);
	af_log_put_i32(&k.w, AF_MEASURE_BRENNER);
	af_log_put_u32(&k.w, 1);
	af_log_put_f64(&k.w, 1.0);
	mk_close(&k);
	{
		char want[200];

		snprintf(want, sizeof want, "test.aflog: record 3 (score) at byte %zu: names call 7, "
			 "which is not in the log", k.at);
		parse_fails(k.buf, k.w.len, want);
	}

	/* a call outside any operation, with a byte too many */
	mk_start(&k);
	mk_header(&k);
	mk_open(&k, AF_LOG_CALL);
	af_log_put_u64(&k.w, 0);
	af_log_put_u8(&k.w, AF_LOG_CALL_NOW_US);
	af_log_put_i32(&k.w, AF_OK);
	af_log_put_bool(&k.w, false);
	af_log_put_i64(&k.w, 5);
	af_log_put_u8(&k.w, 0);
	mk_close(&k);
	{
		char want[200];

		snprintf(want, sizeof want, "test.aflog: record 1 (call) at byte %zu: malformed "
			 "payload: 1 bytes left over", k.at);
		parse_fails(k.buf, k.w.len, want);
	}

	/* an unknown type, and a record after the end */
	mk_start(&k);
	mk_header(&k);
	mk_open(&k, 9);
	mk_close(&k);
	{
		char want[200];

		snprintf(want, sizeof want, "test.aflog: record 1 (?) at byte %zu: unknown record "
			 "type 9", k.at);
		parse_fails(k.buf, k.w.len, want);
	}
	mk_start(&k);
	mk_header(&k);
	mk_new(&k);
	mk_open(&k, AF_LOG_END);
	af_log_put_u32(&k.w, 0);
	af_log_put_u64(&k.w, 0);
	af_log_put_u64(&k.w, 0);
	af_log_put_u64(&k.w, 0);
	mk_close(&k);
	l = parse_ok(k.buf, k.w.len);
	ck_assert(l->closed);
	fld_log_free(l);
	{
		size_t after = k.w.len;
		char want[200];

		mk_new(&k);
		snprintf(want, sizeof want, "test.aflog: record 4 (op_begin) at byte %zu: a record "
			 "after the end record", after);
		parse_fails(k.buf, k.w.len, want);
	}
}
END_TEST

/* Format version 1 is version 2 without wait_settled_z: such a call in a
 * version 1 log is an unknown call; the same call in version 2 reads. */
START_TEST(wait_settled_z_is_version_2)
{
	mk k;
	fld_log *l;
	char want[200];

	for (uint32_t v = 1; v <= 2; v++) {
		mk_start(&k);
		k.buf[8] = (uint8_t)v;
		mk_header(&k);
		mk_new(&k);
		mk_open(&k, AF_LOG_OP_BEGIN);
		af_log_put_u32(&k.w, 1);
		af_log_put_u8(&k.w, AF_LOG_OP_TICK);
		mk_close(&k);
		mk_open(&k, AF_LOG_CALL);
		af_log_put_u64(&k.w, 0);
		af_log_put_u8(&k.w, AF_LOG_CALL_WAIT_SETTLED_Z);
		af_log_put_i32(&k.w, AF_OK);
		af_log_put_bool(&k.w, false);
		af_log_put_u32(&k.w, 500);
		af_log_put_f64(&k.w, 2.25);
		mk_close(&k);
		if (v == 1) {
			snprintf(want, sizeof want, "test.aflog: record 4 (call) at byte %zu: unknown "
				 "call 16 in a version 1 log", k.at);
			parse_fails(k.buf, k.w.len, want);
			continue;
		}
		l = parse_ok(k.buf, k.w.len);
		ck_assert_uint_eq(l->hdr.version, 2);
		ck_assert_uint_eq(l->ncalls, 1);
		ck_assert_int_eq(l->calls[0].op, AF_LOG_CALL_WAIT_SETTLED_Z);
		ck_assert_uint_eq(l->calls[0].u32, 500);
		ck_assert_double_eq(l->calls[0].out_f64, 2.25);
		fld_log_free(l);
	}
}
END_TEST

START_TEST(a_log_cut_between_records_is_readable)
{
	memsink m = { 0 };
	size_t at[100000], total;
	fld_log *l;

	small_log(&m, false);
	total = offsets(m.p, m.len, at, 100000);
	/* inside the handoff: its operation has not ended */
	l = parse_ok(m.p, at[total - 8]);
	ck_assert(!l->closed);
	ck_assert(!l->torn);
	ck_assert(!l->ops[l->nops - 1].ended);
	ck_assert_uint_eq(l->ops[l->nops - 1].ncalls,
			  l->ncalls - l->ops[l->nops - 1].first_call);
	fld_log_free(l);
	memsink_release(&m);
}
END_TEST

START_TEST(files_that_cannot_be_read_are_named)
{
	char err[FLD_ERR_MAX];
	fld_log *l = NULL;

	ck_assert_int_eq(fld_log_read_file("/nonexistent/x.aflog", &l, err, sizeof err), -1);
	ck_assert_ptr_null(l);
	ck_assert_str_eq(err, "cannot open field log '/nonexistent/x.aflog': No such file or "
		    "directory");
}
END_TEST

Suite *rec_log_suite(void)
{
	Suite *s = suite_create("rec_log");
	TCase *tc = tcase_create("reader");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_torn_last_record_is_skipped_at_every_offset);
	tcase_add_test(tc, a_torn_frame_record_is_skipped);
	tcase_add_test(tc, damage_names_the_record_and_the_byte);
	tcase_add_test(tc, records_out_of_order_are_errors);
	tcase_add_test(tc, wait_settled_z_is_version_2);
	tcase_add_test(tc, a_log_cut_between_records_is_readable);
	tcase_add_test(tc, files_that_cannot_be_read_are_named);
	suite_add_tcase(s, tc);
	return s;
}
