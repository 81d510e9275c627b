/*
 * pixfmt.h - the monochrome GenICam pixel formats the camera driver
 * (hil/genicam.h) unpacks and the fake camera server (hil/gvcam.h) packs:
 * 8- and 16-bit containers (Mono8, Mono10, Mono12, Mono14, Mono16, little
 * endian) and packed ones (Mono10p, Mono12p: PFNC, an LSB-first bit stream;
 * Mono12Packed: GigE Vision, two pixels in three bytes).  Pure functions,
 * no Aravis.
 */
#ifndef HIL_PIXFMT_H
#define HIL_PIXFMT_H

#include <stddef.h>
#include <stdint.h>

typedef struct hil_pixfmt {
	const char *name;     /* GenICam PixelFormat entry */
	uint32_t code;        /* PFNC value */
	uint32_t bit_depth;   /* significant bits per pixel */
	uint32_t bits_per_px; /* bits per pixel on the wire */
} hil_pixfmt;

/* The table (n entries). */
const hil_pixfmt *hil_pixfmt_table(size_t *n);
/* By GenICam name or by PFNC code; NULL when not in the table. */
const hil_pixfmt *hil_pixfmt_by_name(const char *name);
const hil_pixfmt *hil_pixfmt_by_code(uint32_t code);
/* Bytes n_px pixels take in f (a packed tail rounds up to a whole byte);
 * 0 when that does not fit a size_t. */
size_t hil_pixfmt_bytes(const hil_pixfmt *f, size_t n_px);
/* Unpack n_px pixels from src (hil_pixfmt_bytes(f, n_px) bytes) to dst. */
void hil_pixfmt_unpack(const hil_pixfmt *f, const uint8_t *src, uint16_t *dst,
		       size_t n_px);
/* Pack n_px pixels into dst (hil_pixfmt_bytes bytes); values are masked to
 * the format's bit depth. */
void hil_pixfmt_pack(const hil_pixfmt *f, const uint16_t *src, uint8_t *dst, size_t n_px);

#endif /* HIL_PIXFMT_H */
