/*
 * test_rec.c - the flight recorder (engine/af_rec.h) and its wire format
 * (engine/af_rec_wire.h): checksums, digests, the pixel codec, the
 * configuration table, transparency (the same engine results and the same
 * simulator trace with the recorder on or off), allocations, the optional
 * ops, sink failures and the held-pixel ring.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec.h"
#include "engine/af_rec_wire.h"
#include "field/fld_log.h"
#include "field/fld_sim.h"
#include "kernel/rng.h"
#include "kernel/trace.h"
#include "tests/alloc_count.h"
#include "tests/fake_hal.h"
#include "tests/recfix.h"

START_TEST(crc32c_has_the_castagnoli_check_value)
{
	const char *s = "123456789";

	ck_assert_uint_eq(af_log_crc32c(0, s, 9), 0xe3069283u);
	/* chained calls give the one-shot value */
	ck_assert_uint_eq(af_log_crc32c(af_log_crc32c(0, s, 4), s + 4, 5), 0xe3069283u);
	ck_assert_uint_eq(af_log_crc32c(0, s, 0), 0u);
}
END_TEST

START_TEST(frame_digest_is_the_simulators)
{
	uint16_t px[37];
	sim_rng r;

	sim_rng_stream(&r, 9, 0);
	for (size_t i = 0; i < 37; i++)
		px[i] = (uint16_t)sim_rng_next(&r);
	for (size_t n = 0; n <= 37; n++)
		ck_assert_uint_eq(af_log_digest_u16(px, n), sim_digest_u16(px, n));
}
END_TEST

/* Encode, check the bound, decode, compare. */
static size_t round_trip(const uint16_t *px, uint32_t w, uint32_t h)
{
	size_t npx = (size_t)w * h, n;
	uint8_t *enc = malloc(AF_LOG_PX_BOUND(npx));
	uint16_t *dec = malloc(npx * sizeof *dec);

	ck_assert_ptr_nonnull(enc);
	ck_assert_ptr_nonnull(dec);
	n = af_log_px_encode(px, w, h, enc);
	ck_assert_uint_le(n, AF_LOG_PX_BOUND(npx));
	ck_assert_int_eq(af_log_px_decode(enc, n, w, h, dec), 0);
	ck_assert_int_eq(memcmp(px, dec, npx * sizeof *dec), 0);
	/* one byte short, one byte too many: errors */
	ck_assert_int_eq(af_log_px_decode(enc, n - 1, w, h, dec), -1);
	enc[n] = 0;
	ck_assert_int_eq(af_log_px_decode(enc, n + 1, w, h, dec), -1);
	free(enc);
	free(dec);
	return n;
}

START_TEST(pixels_round_trip_losslessly)
{
	static uint16_t px[64 * 64];
	static const uint32_t sizes[][2] = { { 1, 1 }, { 7, 1 }, { 1, 9 }, { 33, 17 }, { 64, 64 } };
	sim_rng r;

	sim_rng_stream(&r, 4, 0);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint32_t w = sizes[s][0], h = sizes[s][1];
		size_t n = (size_t)w * h;

		for (size_t i = 0; i < n; i++)        /* noise over the whole range */
			px[i] = (uint16_t)sim_rng_next(&r);
		round_trip(px, w, h);
		for (size_t i = 0; i < n; i++)        /* the worst case: 0 / 65535 checkerboard */
			px[i] = ((i % w) + (i / w)) % 2 ? 65535 : 0;
		round_trip(px, w, h);
		for (size_t i = 0; i < n; i++)        /* a ramp with a little noise */
			px[i] = (uint16_t)(20000 + 3 * (i % w) + 5 * (i / w) + sim_rng_next(&r) % 8);
		round_trip(px, w, h);
	}
	/* a flat image takes little more than a bit a pixel: the Rice
	 * parameter adapts (from the first pixel's large residual) */
	for (size_t i = 0; i < 64 * 64; i++)
		px[i] = 1234;
	ck_assert_uint_le(round_trip(px, 64, 64), 640);
}
END_TEST

START_TEST(pixel_decoder_rejects_damage)
{
	/* 1x1 pixel 0: "0" + five zero bits + two zero bits of padding */
	uint8_t one[1] = { 0x00 };
	/* an escaped residual of 131071 puts the pixel at -65536 */
	uint8_t low[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0x80 };
	uint16_t px;

	ck_assert_int_eq(af_log_px_decode(one, 1, 1, 1, &px), 0);
	ck_assert_uint_eq(px, 0);
	one[0] = 0x01;                          /* padding not zero */
	ck_assert_int_eq(af_log_px_decode(one, 1, 1, 1, &px), -1);
	ck_assert_int_eq(af_log_px_decode(low, 6, 1, 1, &px), -1);
	ck_assert_int_eq(af_log_px_decode(low, 0, 1, 1, &px), -1);
}
END_TEST

static int by_offset(const void *a, const void *b)
{
	const af_log_field *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Every field of af_engine_config is in the table: sorted by offset, the
 * gap before each field is smaller than the field (a missing field leaves a
 * gap at least its own size) - or, before a field on an 8-byte boundary
 * (the start of a nested struct), smaller than 8 - and the last ends
 * within padding. */
START_TEST(config_table_covers_the_configuration)
{
	size_t n, end = 0;
	const af_log_field *f = af_log_config_fields(&n);
	af_log_field *s = malloc(n * sizeof *s);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(sizeof(af_level), sizeof(int));
	ck_assert_uint_eq(sizeof(af_mapping_model), sizeof(int));
	ck_assert_uint_eq(sizeof(af_measure_kind), sizeof(int));
	ck_assert_uint_eq(sizeof(af_search_mode), sizeof(int));
	ck_assert_uint_eq(sizeof(af_peak_method), sizeof(int));
	memcpy(s, f, n * sizeof *s);
	qsort(s, n, sizeof *s, by_offset);
	ck_assert_uint_eq(s[0].offset, 0);
	for (size_t i = 0; i < n; i++) {
		size_t sz = af_log_ftype_size(s[i].type);

		ck_assert_msg(s[i].offset >= end &&
			      s[i].offset - end < (s[i].offset % 8 == 0 ? 8 : sz),
			      "a gap of %zu bytes before '%s'", s[i].offset - end, s[i].name);
		end = s[i].offset + sz;
	}
	ck_assert_uint_lt(sizeof(af_engine_config) - end, 8);
	ck_assert_uint_eq(n, 157);
	free(s);
}
END_TEST

START_TEST(config_round_trips_field_by_field)
{
	size_t n;
	const af_log_field *f = af_log_config_fields(&n);
	af_engine_config a, b;
	uint8_t ba[4096], bb[4096];
	af_log_wbuf wa = { ba, 0, sizeof ba, false }, wb = { bb, 0, sizeof bb, false };
	af_log_rbuf r;

	memset(&a, 0, sizeof a);
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = (unsigned char *)&a + f[i].offset;
		double d = (double)i + 0.25;
		uint32_t u = (uint32_t)i * 7u;
		size_t z = i * 11u;
		bool t = i % 2;
		int e = (int)(i % 3);

		switch (f[i].type) {
		case AF_LOG_T_F64: memcpy(p, &d, sizeof d); break;
		case AF_LOG_T_U32: memcpy(p, &u, sizeof u); break;
		case AF_LOG_T_SIZE: memcpy(p, &z, sizeof z); break;
		case AF_LOG_T_BOOL: memcpy(p, &t, sizeof t); break;
		case AF_LOG_T_ENUM: memcpy(p, &e, sizeof e); break;
		}
	}
	af_log_put_config(&wa, &a);
	ck_assert(!wa.overflow);
	/* 2 bytes of count, then 8 per double and size, 4 per u32 and enum, 1 per bool */
	r = (af_log_rbuf){ ba, wa.len, 0, false };
	af_log_get_config(&r, &b);
	ck_assert(!r.bad);
	ck_assert_uint_eq(r.pos, wa.len);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(memcmp((unsigned char *)&a + f[i].offset, (unsigned char *)&b + f[i].offset,
				     af_log_ftype_size(f[i].type)) == 0, "field '%s'", f[i].name);
	af_log_put_config(&wb, &b);
	ck_assert_uint_eq(wa.len, wb.len);
	ck_assert_int_eq(memcmp(ba, bb, wa.len), 0);
	/* a short configuration is malformed */
	r = (af_log_rbuf){ ba, wa.len - 1, 0, false };
	af_log_get_config(&r, &b);
	ck_assert(r.bad);
}
END_TEST

/* With the recorder on (every way it can be set up) the engine gets the
 * same answers, makes the same calls and decides the same: the simulator's
 * trace hash and every result are those of the run without it. */
START_TEST(recorder_is_transparent)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(9, true, f);
	fld_sim_out off, on;
	af_rec_options ro;
	char err[256];

	p.calibrate = false;
	p.nominal = true;   /* no calibration: the failures are the faults' */
	ck_assert_int_eq(fld_sim_run(&p, NULL, NULL, &off, err, sizeof err), 0);
	ck_assert_uint_eq(off.failed, 3);
	ck_assert_int_eq(off.codes[0], AF_EHW);
	ck_assert_int_eq(off.codes[1], AF_ETIMEDOUT);
	ck_assert_int_eq(off.codes[2], AF_ETIMEDOUT);
	for (int mode = 0; mode < 4; mode++) {
		memsink m = { 0 };
		af_rec_sink sink = memsink_sink(&m);

		af_rec_options_default(&ro);
		if (mode == 1)
			ro.keep_last_n_ops = 2;
		if (mode == 2)
			ro.stamps = false;
		if (mode == 3) {
			ro.keep_last_n_ops = 1;
			ro.ring_bytes = 0;
		}
		ck_assert_int_eq(fld_sim_run(&p, &ro, &sink, &on, err, sizeof err), 0);
		ck_assert_msg(on.trace_hash == off.trace_hash, "mode %d: trace %016llx, without %016llx",
			      mode, (unsigned long long)on.trace_hash,
			      (unsigned long long)off.trace_hash);
		ck_assert_uint_eq(on.results_hash, off.results_hash);
		ck_assert_uint_eq(on.ops, off.ops);
		ck_assert_uint_eq(on.failed, off.failed);
		ck_assert_uint_eq(on.rec.bytes, m.len);
		ck_assert_uint_gt(on.rec.calls, 100);
		memsink_release(&m);
	}
}
END_TEST

START_TEST(log_holds_header_configuration_operations_and_calls)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(3, false, f);
	memsink m = { 0 };
	fld_sim_out out;
	fld_log *l;
	uint8_t a[4096], b[4096];
	af_log_wbuf wa = { a, 0, sizeof a, false }, wb = { b, 0, sizeof b, false };
	size_t sites = 0, stamped = 0;

	p.engine.level = AF_LEVEL_STANDARD;
	l = recfix_record(&p, NULL, &m, &out);
	ck_assert_str_eq(l->hdr.engine_version, AF_ENGINE_VERSION);
	ck_assert_str_eq(l->hdr.rig_id, "test rig");
	ck_assert_str_eq(l->hdr.hal_name, "sim");
	ck_assert_uint_eq(l->hdr.optional_ops, AF_LOG_HAS_ALL);
	ck_assert_uint_eq(l->hdr.optional_ops, 63);
	ck_assert_uint_eq(l->hdr.version, 2);
	ck_assert_uint_eq(l->hdr.flags, AF_LOG_FLAG_STAMPS);
	ck_assert(l->closed);
	ck_assert(!l->torn);
	/* the whole configuration */
	af_log_put_config(&wa, &p.engine);
	af_log_put_config(&wb, &l->config);
	ck_assert_int_eq(memcmp(a, b, wa.len), 0);
	/* new, tick, calibrate, autofocus, then a goto and a handoff each */
	ck_assert_uint_eq(l->nops, 4 + 2 * 3);
	ck_assert_int_eq(l->ops[0].kind, AF_LOG_OP_NEW);
	ck_assert_int_eq(l->ops[1].kind, AF_LOG_OP_TICK);
	ck_assert_int_eq(l->ops[2].kind, AF_LOG_OP_CALIBRATE);
	ck_assert_int_eq(l->ops[3].kind, AF_LOG_OP_AUTOFOCUS);
	ck_assert_int_eq(l->ops[4].kind, AF_LOG_OP_GOTO);
	ck_assert_int_eq(l->ops[5].kind, AF_LOG_OP_HANDOFF);
	ck_assert_uint_eq(l->ops[2].plan.points, 11);
	/* the engine's creation asks for the roi, then the encoder */
	ck_assert_uint_eq(l->ops[0].ncalls, 2);
	ck_assert_int_eq(l->calls[0].op, AF_LOG_CALL_GET_ROI);
	ck_assert_int_eq(l->calls[1].op, AF_LOG_CALL_GET_Z);
	ck_assert_uint_eq(l->ncalls, out.rec.calls);
	ck_assert_uint_eq(l->frames, out.rec.frames);
	ck_assert_uint_eq(l->frames_kept, l->frames);
	for (size_t i = 0; i < l->ncalls; i++) {
		const fld_call *c = &l->calls[i];

		sites += c->op == AF_LOG_CALL_SITE;
		/* the clock is not stamped around itself; every other call is */
		ck_assert(c->stamped == (c->op != AF_LOG_CALL_NOW_US));
		if (c->stamped) {
			stamped++;
			ck_assert_int_ge(c->t1_us, c->t0_us);
		}
		if (c->op == AF_LOG_CALL_GRAB_FRAME && c->rc == AF_OK)
			ck_assert(c->frame.has_score);
	}
	/* 11 sites x 2 lenses x 2 passes */
	ck_assert_uint_eq(sites, 44);
	ck_assert_uint_gt(stamped, 1000);
	/* the handoff's result is the one the engine returned */
	ck_assert(l->ops[5].ended);
	ck_assert_int_eq(l->ops[5].rc, AF_OK);
	ck_assert_uint_gt(l->ops[5].res.handoff.frames, 2);
	fld_log_free(l);
	memsink_release(&m);
}
END_TEST

/* No heap allocation per handoff with the recorder on, pixels inline or
 * held (the fake HAL allocates nothing itself). */
START_TEST(recorded_handoffs_do_not_allocate)
{
	static fake_hal fk;
	for (int mode = 0; mode < 2; mode++) {
		af_rec_options ro;
		uint64_t before, used;
		fld_mem m = { .discard = true };   /* counts, allocates nothing */
		af_rec_sink sink = memsink_sink(&m);
		af_engine_config cfg;
		af_rec *rec;
		af_engine *e;
		af_hal hal;
		int ok = 0;

		fake_hal_init(&fk, 5);
		ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
		af_rec_options_default(&ro);
		ro.keep_last_n_ops = mode ? 3 : 0;
		ro.ring_bytes = (size_t)1 << 20;
		rec = af_rec_new(&hal, &ro, &sink, NULL);
		ck_assert_ptr_nonnull(rec);
		af_engine_config_default(&cfg);
		cfg.backlash_um = 0.0;
		e = af_rec_engine_new(rec, &cfg, NULL);
		ck_assert_ptr_nonnull(e);
		for (int level = 0; level < AF_LEVEL_COUNT; level++) {
			af_engine_set_level(e, (af_level)level);
			before = test_allocs();
			for (int i = 0; i < 50; i++) {
				af_handoff_result r;
				double z = -5.0 + 0.2 * i;

				fk.place_um = z;
				(void)af_engine_goto(e, AF_LENS_A, z);
				ok += af_handoff(e, AF_LENS_A, AF_LENS_B, z, &r) == AF_OK;
			}
			used = test_allocs() - before;
			ck_assert_uint_eq(used, 0);
		}
		ck_assert_int_ge(ok, 145);
		ck_assert_ptr_null(af_rec_error(rec));
		ck_assert_int_eq(af_rec_close(rec), 0);
		ck_assert_uint_gt(m.len, 100000);
		af_engine_free(e);
		af_rec_free(rec);
	}
}
END_TEST

/* The recorder offers exactly the optional ops the wrapped HAL has. */
START_TEST(optional_ops_are_mirrored)
{
	static fake_hal fk;
	fld_mem m = { .discard = true };
	af_rec_sink sink = memsink_sink(&m);
	af_hal hal, rh;
	af_rec *rec;

	fake_hal_init(&fk, 1);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
	rec = af_rec_new(&hal, NULL, &sink, NULL);
	ck_assert_ptr_nonnull(rec);
	af_rec_hal(rec, &rh);
	ck_assert_ptr_nonnull(rh.ops->grab_frame);
	ck_assert_ptr_null(rh.ops->set_exposure_us);
	ck_assert_ptr_null(rh.ops->get_exposure_us);
	ck_assert_ptr_null(rh.ops->set_roi);
	ck_assert_ptr_null(rh.ops->get_roi);
	ck_assert_ptr_null(rh.ops->z_busy);
	ck_assert_ptr_null(rh.ops->wait_settled_z);
	/* and binds like any HAL */
	ck_assert_int_eq(af_hal_bind(&hal, rh.ops, rh.ctx, NULL, 0), AF_OK);
	af_rec_free(rec);
}
END_TEST

/* A sink that fails (a full disk) stops the recording, never the engine:
 * the results are those of the run without a recorder, and the log holds
 * every record written before the failure. */
START_TEST(a_failing_sink_stops_the_recording_not_the_engine)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(4, true, f);
	fld_sim_out off, on;
	memsink m = { 0 };
	af_rec_sink sink = memsink_sink(&m);
	af_rec_options ro;
	char err[256], want[256];
	fld_log *l;

	p.calibrate = false;
	ck_assert_int_eq(fld_sim_run(&p, NULL, NULL, &off, err, sizeof err), 0);
	m.fail_at = 300000;
	af_rec_options_default(&ro);
	ck_assert_int_eq(fld_sim_run(&p, &ro, &sink, &on, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot write the field log: the sink failed (-28) after %zu "
		 "bytes: recording stopped", m.len);
	ck_assert_str_eq(err, want);
	ck_assert_uint_le(m.len, 300000);
	ck_assert_uint_eq(on.results_hash, off.results_hash);
	ck_assert_uint_eq(on.trace_hash, off.trace_hash);
	ck_assert_int_eq(fld_log_parse(m.p, m.len, "full.aflog", &l, err, sizeof err), 0);
	ck_assert(!l->closed);
	ck_assert(!l->torn);
	ck_assert_uint_gt(l->ncalls, 10);
	fld_log_free(l);
	memsink_release(&m);
}
END_TEST

/* A region of interest whose pixel count times two wraps around: the
 * engine must not take the wrapped size for its buffer (a replayed or
 * damaged log can say anything). */
static int huge_roi(void *ctx, af_roi *roi)
{
	(void)ctx;
	roi->x = roi->y = 0;
	roi->width = UINT32_MAX;                 /* (2^32 - 1)(2^31 + 1) = 2^63 + 2^31 - 1 */
	roi->height = (UINT32_C(1) << 31) + 1;
	return AF_OK;
}

START_TEST(engine_sizes_are_checked_before_multiplying)
{
	static fake_hal fk;
	af_hal_ops ops = *fake_hal_ops();
	af_engine_config cfg;
	const char *err = NULL;
	af_hal hal;

	fake_hal_init(&fk, 1);
	ops.get_roi = huge_roi;
	ck_assert_int_eq(af_hal_bind(&hal, &ops, &fk, NULL, 0), AF_OK);
	af_engine_config_default(&cfg);
	ck_assert_ptr_null(af_engine_new(&hal, &cfg, &err));
	ck_assert_str_eq(err, "out of memory");
	ops.get_roi = NULL;
	cfg.stats_window = SIZE_MAX / 8;
	err = NULL;
	ck_assert_ptr_null(af_engine_new(&hal, &cfg, &err));
	ck_assert_str_eq(err, "out of memory");
}
END_TEST

START_TEST(recorder_refuses_bad_arguments)
{
	static fake_hal fk;
	memsink m = { 0 };
	af_rec_sink sink = memsink_sink(&m), nosink = { NULL, NULL };
	af_rec_options ro;
	const char *err = NULL;
	af_hal hal;

	fake_hal_init(&fk, 1);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), &fk, NULL, 0), AF_OK);
	ck_assert_ptr_null(af_rec_new(&hal, NULL, &nosink, &err));
	ck_assert_str_eq(err, "no hal or no sink");
	af_rec_options_default(&ro);
	ro.max_frame_px = 0;
	ck_assert_ptr_null(af_rec_new(&hal, &ro, &sink, &err));
	ck_assert_str_eq(err, "max_frame_px must be in 1 .. 11 million pixels");
	m.fail_at = 1;
	ck_assert_ptr_null(af_rec_new(&hal, NULL, &sink, &err));
	ck_assert_str_eq(err, "cannot write the field log's header: the sink failed");
	memsink_release(&m);
}
END_TEST

/* keep_last_n_ops: the pixels of a failed operation and of the one before
 * it are written when it fails, those of the last two at the close; no
 * other frame keeps its pixels, every frame keeps digest and score. */
START_TEST(held_pixels_are_those_of_failures_and_the_last_operations)
{
	sim_fault f[FLD_SIM_FAULTS];
	fld_sim_plan p = recfix_plan(8, true, f);
	af_rec_options ro;
	memsink m = { 0 };
	fld_sim_out out;
	fld_log *l;
	bool keep[64] = { false };
	size_t kept = 0;

	p.calibrate = false;
	af_rec_options_default(&ro);
	ro.keep_last_n_ops = 2;
	l = recfix_record(&p, &ro, &m, &out);
	ck_assert_uint_lt(l->nops, 64);
	ck_assert_uint_eq(l->hdr.keep_last_n_ops, 2);
	for (size_t k = 0; k < l->nops; k++)
		if (l->ops[k].rc != AF_OK) {
			keep[k] = true;
			keep[k - 1] = true;
		}
	keep[l->nops - 1] = keep[l->nops - 2] = true;
	for (size_t i = 0; i < l->ncalls; i++) {
		const fld_call *c = &l->calls[i];

		if (c->op != AF_LOG_CALL_GRAB_FRAME || c->rc != AF_OK)
			continue;
		ck_assert_int_eq(c->frame.px, AF_LOG_PX_HELD);
		ck_assert(c->frame.has_score);
		ck_assert_msg((c->frame.data != NULL) == keep[c->op_index],
			      "frame of call %zu in op %u", i, c->op_index);
		kept += c->frame.data != NULL;
	}
	ck_assert_uint_eq(kept, l->frames_kept);
	ck_assert_uint_eq(out.rec.frames_written, kept);
	ck_assert_uint_gt(kept, 0);
	ck_assert_uint_lt(kept, l->frames);
	ck_assert_uint_eq(out.rec.frames_dropped + out.rec.frames_written, out.rec.frames_held);
	fld_log_free(l);
	memsink_release(&m);

	/* ring_bytes 0: no pixels at all; frames larger than max_frame_px:
	 * none either, marked so */
	for (int mode = 0; mode < 2; mode++) {
		memsink m2 = { 0 };

		af_rec_options_default(&ro);
		if (mode == 0) {
			ro.keep_last_n_ops = 1;
			ro.ring_bytes = 0;
		} else {
			ro.max_frame_px = 100;
		}
		l = recfix_record(&p, &ro, &m2, &out);
		ck_assert_uint_eq(l->frames_kept, 0);
		for (size_t i = 0; i < l->ncalls; i++)
			if (l->calls[i].op == AF_LOG_CALL_GRAB_FRAME && l->calls[i].rc == AF_OK)
				ck_assert_int_eq(l->calls[i].frame.px,
						 mode ? AF_LOG_PX_TOO_LARGE : AF_LOG_PX_NONE);
		fld_log_free(l);
		memsink_release(&m2);
	}
}
END_TEST

Suite *rec_suite(void)
{
	Suite *s = suite_create("rec");
	TCase *wire = tcase_create("wire");
	TCase *rec = tcase_create("recorder");

	tcase_add_test(wire, crc32c_has_the_castagnoli_check_value);
	tcase_add_test(wire, frame_digest_is_the_simulators);
	tcase_add_test(wire, pixels_round_trip_losslessly);
	tcase_add_test(wire, pixel_decoder_rejects_damage);
	tcase_add_test(wire, config_table_covers_the_configuration);
	tcase_add_test(wire, config_round_trips_field_by_field);
	suite_add_tcase(s, wire);
	tcase_set_timeout(rec, 60);
	tcase_add_test(rec, recorder_is_transparent);
	tcase_add_test(rec, log_holds_header_configuration_operations_and_calls);
	tcase_add_test(rec, recorded_handoffs_do_not_allocate);
	tcase_add_test(rec, optional_ops_are_mirrored);
	tcase_add_test(rec, a_failing_sink_stops_the_recording_not_the_engine);
	tcase_add_test(rec, recorder_refuses_bad_arguments);
	tcase_add_test(rec, engine_sizes_are_checked_before_multiplying);
	tcase_add_test(rec, held_pixels_are_those_of_failures_and_the_last_operations);
	suite_add_tcase(s, rec);
	return s;
}
