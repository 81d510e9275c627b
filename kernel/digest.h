/*
 * digest.h - the frame digest's steps: a fast 64-bit digest of a 16-bit
 * pixel buffer (word-wise multiply-xorshift), which puts frame contents
 * into the trace without hashing byte by byte.  sim_digest_u16 (trace.h)
 * is begin, one word step per four pixels (assembled little-endian by
 * value, so the digest does not depend on the host's byte order), one
 * pixel step per pixel left over, end.  The steps are here, pure inline
 * functions of their arguments like the RNG, so that a producer of pixels
 * (the camera model) can digest a frame while it renders it and give the
 * same value.  Changing a constant changes every trace hash.
 */
#ifndef KERNEL_DIGEST_H
#define KERNEL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t sim_digest_begin(size_t n)
{
	return UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)n;
}

/* Pixels p[0..4) as one little-endian word. */
static inline uint64_t sim_digest_load4(const uint16_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 32 | (uint64_t)p[3] << 48;
}

static inline uint64_t sim_digest_word(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	return h ^ (h >> 29);
}

static inline uint64_t sim_digest_pixel(uint64_t h, uint16_t px)
{
	h ^= px;
	h *= UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 31);
}

static inline uint64_t sim_digest_end(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 33);
}

#endif /* KERNEL_DIGEST_H */
