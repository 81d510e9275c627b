/*
 * test_pixfmt.c - the monochrome pixel formats (hil/pixfmt.c): the table,
 * byte counts, the exact bytes of each packing, and pack/unpack round trips.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "hil/pixfmt.h"

START_TEST(table_and_lookups)
{
	size_t n;
	const hil_pixfmt *t = hil_pixfmt_table(&n);

	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(t[0].name, "Mono8");
	ck_assert_ptr_eq(hil_pixfmt_by_name("Mono12p"), hil_pixfmt_by_code(0x010c0047u));
	ck_assert_uint_eq(hil_pixfmt_by_name("Mono12Packed")->code, 0x010c0006u);
	ck_assert_uint_eq(hil_pixfmt_by_name("Mono14")->bit_depth, 14);
	ck_assert_ptr_null(hil_pixfmt_by_name("RGB8"));
	ck_assert_ptr_null(hil_pixfmt_by_name(NULL));
	ck_assert_ptr_null(hil_pixfmt_by_code(0x02180014u));
	ck_assert_uint_eq(hil_pixfmt_bytes(hil_pixfmt_by_name("Mono8"), 5), 5);
	ck_assert_uint_eq(hil_pixfmt_bytes(hil_pixfmt_by_name("Mono12"), 5), 10);
	ck_assert_uint_eq(hil_pixfmt_bytes(hil_pixfmt_by_name("Mono12p"), 5), 8);
	ck_assert_uint_eq(hil_pixfmt_bytes(hil_pixfmt_by_name("Mono10p"), 4), 5);
	ck_assert_uint_eq(hil_pixfmt_bytes(hil_pixfmt_by_name("Mono16"), SIZE_MAX / 4), 0);
}
END_TEST

static void expect_bytes(const char *fmt, const uint16_t *px, size_t n, const uint8_t *want,
			 size_t nb)
{
	const hil_pixfmt *f = hil_pixfmt_by_name(fmt);
	uint8_t got[16];
	uint16_t back[8];
	size_t i;

	ck_assert_uint_eq(hil_pixfmt_bytes(f, n), nb);
	memset(got, 0xee, sizeof got);
	hil_pixfmt_pack(f, px, got, n);
	for (i = 0; i < nb; i++)
		ck_assert_msg(got[i] == want[i], "%s byte %zu: 0x%02x, want 0x%02x", fmt, i, got[i],
			      want[i]);
	ck_assert_uint_eq(got[nb], 0xee); /* nothing written past the end */
	hil_pixfmt_unpack(f, want, back, n);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(back[i], px[i] & ((1u << f->bit_depth) - 1u));
}

/* The bytes on the wire, worked out by hand from the standards. */
START_TEST(exact_bytes_of_each_packing)
{
	static const uint16_t p8[] = { 0x12, 0xff }, p16[] = { 0x1234, 0xfedc },
			      p12[] = { 0x0abc, 0x0123 }, p10[] = { 0x3ff, 0, 0x155, 0x2aa },
			      p12odd[] = { 0x0abc, 0x0123, 0x0fff };
	static const uint8_t b8[] = { 0x12, 0xff }, b16[] = { 0x34, 0x12, 0xdc, 0xfe },
			     b12c[] = { 0xbc, 0x0a, 0x23, 0x01 },
			     /* PFNC Mono12p: LSB-first stream */
			     b12p[] = { 0xbc, 0x3a, 0x12 },
			     /* GigE Vision Mono12Packed: p0 11..4, p1 3..0 | p0 3..0, p1 11..4 */
			     b12gv[] = { 0xab, 0x3c, 0x12 },
			     b12gvodd[] = { 0xab, 0x3c, 0x12, 0xff, 0x0f },
			     b10p[] = { 0xff, 0x03, 0x50, 0x95, 0xaa };

	expect_bytes("Mono8", p8, 2, b8, 2);
	expect_bytes("Mono16", p16, 2, b16, 4);
	expect_bytes("Mono12", p12, 2, b12c, 4);
	expect_bytes("Mono12p", p12, 2, b12p, 3);
	expect_bytes("Mono12Packed", p12, 2, b12gv, 3);
	expect_bytes("Mono12Packed", p12odd, 3, b12gvodd, 5);
	expect_bytes("Mono10p", p10, 4, b10p, 5);
}
END_TEST

/* Every format: 1000 pixels of a pseudo-random pattern survive pack and
 * unpack, masked to the bit depth (odd count: packed tails too). */
START_TEST(round_trip_every_format)
{
	static uint16_t in[1001], out[1001];
	static uint8_t buf[2002];
	size_t n, i, k;
	const hil_pixfmt *t = hil_pixfmt_table(&n);
	uint32_t x = 12345;

	for (i = 0; i < 1001; i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (uint16_t)(x >> 16);
	}
	for (k = 0; k < n; k++) {
		uint16_t mask = (uint16_t)((1u << t[k].bit_depth) - 1u);

		ck_assert_uint_le(hil_pixfmt_bytes(&t[k], 1001), sizeof buf);
		hil_pixfmt_pack(&t[k], in, buf, 1001);
		hil_pixfmt_unpack(&t[k], buf, out, 1001);
		for (i = 0; i < 1001; i++)
			ck_assert_msg(out[i] == (in[i] & mask), "%s pixel %zu: %u, want %u",
				      t[k].name, i, out[i], in[i] & mask);
	}
}
END_TEST

Suite *pixfmt_suite(void)
{
	Suite *s = suite_create("pixfmt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, table_and_lookups);
	tcase_add_test(tc, exact_bytes_of_each_packing);
	tcase_add_test(tc, round_trip_every_format);
	suite_add_tcase(s, tc);
	return s;
}
