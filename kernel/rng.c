/*
 * rng.c - xoshiro256** and splitmix64, after the public-domain reference
 * implementations by David Blackman and Sebastiano Vigna.
 */
#include "rng.h"

#include <math.h>

uint64_t sim_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
	uint64_t sm = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&sm);
}

void sim_rng_jump(sim_rng *r)
{
	static const uint64_t jump[] = { 0x180ec6d33cfd0abau, 0xd5a61266f0c9392cu,
					 0xa9582618e03fc9aau, 0x39abdc4529b1661cu };
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (int i = 0; i < 4; i++) {
		for (int b = 0; b < 64; b++) {
			if (jump[i] & ((uint64_t)1 << b)) {
				s0 ^= r->s[0];
				s1 ^= r->s[1];
				s2 ^= r->s[2];
				s3 ^= r->s[3];
			}
			(void)sim_rng_next(r);
		}
	}
	r->s[0] = s0;
	r->s[1] = s1;
	r->s[2] = s2;
	r->s[3] = s3;
}

void sim_rng_stream(sim_rng *r, uint64_t seed, uint32_t stream)
{
	sim_rng_seed(r, seed);
	for (uint32_t i = 0; i < stream; i++)
		sim_rng_jump(r);
}

double sim_rng_range(sim_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * sim_rng_uniform(r);
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
	/* Rejection on the top of the range keeps every value equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do {
		x = sim_rng_next(r);
	} while (x >= limit);
	return x % n;
}

double sim_rng_normal(sim_rng *r)
{
	double u, v, s;

	do {
		u = 2.0 * sim_rng_uniform(r) - 1.0;
		v = 2.0 * sim_rng_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	/* The second deviate (v * factor) is dropped so that a draw never
	 * depends on the parity of earlier calls. */
	return u * sqrt(-2.0 * log(s) / s);
}

uint32_t sim_rng_poisson(sim_rng *r, double lambda)
{
	if (!(lambda > 0.0))
		return 0;
	if (lambda > 1000.0) {
		double x = lambda + sqrt(lambda) * sim_rng_normal(r) + 0.5;

		return x <= 0.0 ? 0u : x >= 4294967295.0 ? UINT32_MAX : (uint32_t)x;
	}
	/* Inversion by sequential search from the mode keeps the walk short:
	 * start at k = 0 for small means, otherwise chop lambda into chunks of
	 * at most 500 whose sum is Poisson(lambda). */
	uint32_t total = 0;
	while (lambda > 0.0) {
		double chunk = lambda > 500.0 ? 500.0 : lambda;
		double p = exp(-chunk), cdf = p, u = sim_rng_uniform(r);
		uint32_t k = 0;

		while (u > cdf && k < 10000u) {
			k++;
			p *= chunk / (double)k;
			cdf += p;
		}
		total += k;
		lambda -= chunk;
	}
	return total;
}
