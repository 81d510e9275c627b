/*
 * dsort.c - the statistics' sort (dsort.h).  Results are sums over sorted
 * samples, so the sort must give exactly the order the definitions were
 * pinned with: glibc's qsort (a stable merge sort at these sizes) with
 * "a < b" order, equal values in input order.  A million-sample report
 * spent most of its time there (comparisons through a function pointer).
 * This is an LSD radix sort on the doubles' bits mapped to unsigned keys
 * that order like the values (sign flipped for positives, all bits for
 * negatives; -0.0 mapped to +0.0's key, since the comparison calls them
 * equal): stable, so the same sequence, in at most eight passes of 8 bits
 * (faster here than 11 or 13 bits a pass: 256 buckets are written
 * sequentially enough to stream).  Below RADIX_MIN samples an insertion
 * sort (stable too) is faster.
 */
#include "db/dsort.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RADIX_MIN 256u
#define RADIX_BITS 8u
#define RADIX_PASSES 8u    /* 8 x 8 bits: the 64-bit key */
#define RADIX_BUCKETS (1u << RADIX_BITS)

static uint64_t sort_key(double x)
{
	uint64_t b;

	if (x == 0.0)
		x = 0.0;  /* -0.0 sorts as +0.0 */
	memcpy(&b, &x, sizeof b);
	return b >> 63 ? ~b : b | UINT64_C(0x8000000000000000);
}

static double key_value(uint64_t k)
{
	uint64_t b = k >> 63 ? k & ~UINT64_C(0x8000000000000000) : ~k;
	double x;

	memcpy(&x, &b, sizeof x);
	return x;
}

static void insertion_sort(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		for (; j > 0 && x < v[j - 1]; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* The digit counts of every pass come from one read of the keys; a pass
 * whose digit is the same for every key is skipped (small integers such as
 * frame counts need one or two passes). */
int db_sort_doubles(double *v, size_t n)
{
	uint64_t *a, *b, *t;
	size_t *count;
	int zero_sign = 0;

	if (n < RADIX_MIN) {
		insertion_sort(v, n);
		return 0;
	}
	if (n > SIZE_MAX / (2 * sizeof *a))
		return -1;
	a = malloc(2 * n * sizeof *a);
	count = calloc((size_t)RADIX_PASSES * RADIX_BUCKETS, sizeof *count);
	if (!a || !count) {
		free(a);
		free(count);
		return -1;
	}
	b = a + n;
	for (size_t i = 0; i < n; i++) {
		uint64_t k = sort_key(v[i]);

		a[i] = k;
		zero_sign |= v[i] == 0.0 && signbit(v[i]);
		for (unsigned p = 0; p < RADIX_PASSES; p++)
			count[p * RADIX_BUCKETS + ((k >> (p * RADIX_BITS)) & (RADIX_BUCKETS - 1))]++;
	}
	for (unsigned p = 0; p < RADIX_PASSES; p++) {
		size_t *c = count + p * RADIX_BUCKETS, pos = 0;
		unsigned shift = p * RADIX_BITS;

		if (c[(a[0] >> shift) & (RADIX_BUCKETS - 1)] == n)
			continue;  /* one digit for all: nothing to move */
		for (size_t k = 0; k < RADIX_BUCKETS; k++) {
			size_t m = c[k];

			c[k] = pos;
			pos += m;
		}
		for (size_t i = 0; i < n; i++)
			b[c[(a[i] >> shift) & (RADIX_BUCKETS - 1)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (!zero_sign) {
		for (size_t i = 0; i < n; i++)
			v[i] = key_value(a[i]);
	} else {
		/* -0.0 and +0.0 share a key: put the zeros back in input
		 * order, which a stable sort keeps among equals */
		size_t z = 0, nz = 0;

		for (size_t i = 0; i < n; i++)
			if (v[i] == 0.0)
				b[nz++] = signbit(v[i]) != 0;
		for (size_t i = 0; i < n; i++) {
			v[i] = key_value(a[i]);
			if (v[i] == 0.0)
				v[i] = b[z++] ? -0.0 : 0.0;
		}
	}
	free(a < b ? a : b);
	free(count);
	return 0;
}
