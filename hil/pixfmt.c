/*
 * pixfmt.c - packing and unpacking of the monochrome pixel formats.
 *
 * The PFNC "p" formats are one bit stream, least significant bit first:
 * bit k of pixel i is bit (i * bits + k) of the stream, and bit j of the
 * stream is bit j % 8 of byte j / 8.  GigE Vision's Mono12Packed is not
 * that stream: byte 0 holds p0 bits 11..4, byte 1 p0 bits 3..0 in its low
 * nibble and p1 bits 3..0 in its high nibble, byte 2 p1 bits 11..4.
 */
#include "hil/pixfmt.h"

#include <string.h>

enum { LAYOUT_C8, LAYOUT_C16, LAYOUT_LSB, LAYOUT_GV12 };

static const hil_pixfmt fmts[] = {
	{ "Mono8", 0x01080001u, 8, 8 },
	{ "Mono10", 0x01100003u, 10, 16 },
	{ "Mono12", 0x01100005u, 12, 16 },
	{ "Mono14", 0x01100025u, 14, 16 },
	{ "Mono16", 0x01100007u, 16, 16 },
	{ "Mono10p", 0x010a0046u, 10, 10 },
	{ "Mono12p", 0x010c0047u, 12, 12 },
	{ "Mono12Packed", 0x010c0006u, 12, 12 },
};
#define N_FMTS (sizeof fmts / sizeof fmts[0])
/* How each entry of fmts lays its pixels out, same order. */
static const int layouts[N_FMTS] = {
	LAYOUT_C8, LAYOUT_C16, LAYOUT_C16, LAYOUT_C16, LAYOUT_C16,
	LAYOUT_LSB, LAYOUT_LSB, LAYOUT_GV12,
};

const hil_pixfmt *hil_pixfmt_table(size_t *n)
{
	*n = N_FMTS;
	return fmts;
}

static int layout_of(const hil_pixfmt *f)
{
	size_t i;

	for (i = 0; i < N_FMTS; i++)
		if (fmts[i].code == f->code)
			return layouts[i];
	return -1;
}

const hil_pixfmt *hil_pixfmt_by_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < N_FMTS; i++)
		if (strcmp(fmts[i].name, name) == 0)
			return &fmts[i];
	return NULL;
}

const hil_pixfmt *hil_pixfmt_by_code(uint32_t code)
{
	size_t i;

	for (i = 0; i < N_FMTS; i++)
		if (fmts[i].code == code)
			return &fmts[i];
	return NULL;
}

size_t hil_pixfmt_bytes(const hil_pixfmt *f, size_t n_px)
{
	if (n_px > (SIZE_MAX - 7) / f->bits_per_px)
		return 0;
	return (n_px * f->bits_per_px + 7) / 8;
}

void hil_pixfmt_unpack(const hil_pixfmt *f, const uint8_t *src, uint16_t *dst, size_t n_px)
{
	uint16_t mask = (uint16_t)((1u << f->bit_depth) - 1u);
	size_t i;

	switch (layout_of(f)) {
	case LAYOUT_C8:
		for (i = 0; i < n_px; i++)
			dst[i] = src[i];
		break;
	case LAYOUT_C16:
		for (i = 0; i < n_px; i++)
			dst[i] = (uint16_t)((src[2 * i] | (src[2 * i + 1] << 8)) & mask);
		break;
	case LAYOUT_LSB: {
		uint32_t acc = 0, have = 0;
		size_t k = 0;

		for (i = 0; i < n_px; i++) {
			while (have < f->bits_per_px) {
				acc |= (uint32_t)src[k++] << have;
				have += 8;
			}
			dst[i] = (uint16_t)(acc & mask);
			acc >>= f->bits_per_px;
			have -= f->bits_per_px;
		}
		break;
	}
	case LAYOUT_GV12:
		for (i = 0; i < n_px; i++) {
			const uint8_t *b = src + (i / 2) * 3;

			if (i % 2 == 0)
				dst[i] = (uint16_t)((b[0] << 4) | (b[1] & 0x0f));
			else
				dst[i] = (uint16_t)((b[2] << 4) | (b[1] >> 4));
		}
		break;
	default:
		memset(dst, 0, n_px * sizeof *dst);
	}
}

void hil_pixfmt_pack(const hil_pixfmt *f, const uint16_t *src, uint8_t *dst, size_t n_px)
{
	uint16_t mask = (uint16_t)((1u << f->bit_depth) - 1u);
	size_t i;

	switch (layout_of(f)) {
	case LAYOUT_C8:
		for (i = 0; i < n_px; i++)
			dst[i] = (uint8_t)(src[i] & mask);
		break;
	case LAYOUT_C16:
		for (i = 0; i < n_px; i++) {
			uint16_t v = src[i] & mask;

			dst[2 * i] = (uint8_t)(v & 0xff);
			dst[2 * i + 1] = (uint8_t)(v >> 8);
		}
		break;
	case LAYOUT_LSB: {
		uint32_t acc = 0, have = 0;
		size_t k = 0;

		for (i = 0; i < n_px; i++) {
			acc |= (uint32_t)(src[i] & mask) << have;
			have += f->bits_per_px;
			while (have >= 8) {
				dst[k++] = (uint8_t)(acc & 0xff);
				acc >>= 8;
				have -= 8;
			}
		}
		if (have > 0)
			dst[k] = (uint8_t)(acc & 0xff);
		break;
	}
	case LAYOUT_GV12:
		for (i = 0; i < n_px; i++) {
			uint8_t *b = dst + (i / 2) * 3;
			uint16_t v = src[i] & mask;

			if (i % 2 == 0) {
				b[0] = (uint8_t)(v >> 4);
				b[1] = (uint8_t)(v & 0x0f);
			} else {
				b[1] = (uint8_t)(b[1] | ((v & 0x0f) << 4));
				b[2] = (uint8_t)(v >> 4);
			}
		}
		break;
	default:
		memset(dst, 0, hil_pixfmt_bytes(f, n_px));
	}
}
