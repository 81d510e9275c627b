/*
 * rng.h - the deterministic random generator of the simulator.
 *
 * xoshiro256** (Blackman & Vigna) seeded through splitmix64.  A run has one
 * seed; every component draws from its own stream, derived from the seed and
 * a fixed stream id by jumping the generator 2^128 steps per id, so streams
 * never overlap and adding a component (a new id) does not perturb the
 * draws of the others.  Everything here is integer arithmetic or IEEE
 * operations with one rounding each: the same seed gives the same numbers at
 * every optimisation level and with every compiler.
 */
#ifndef KERNEL_RNG_H
#define KERNEL_RNG_H

#include <stdint.h>

typedef struct sim_rng {
	uint64_t s[4];
} sim_rng;

/* Stream ids of the simulator's components.  Never renumber: a changed id
 * changes every run's trace. */
enum sim_stream {
	SIM_STREAM_STAGE = 1,
	SIM_STREAM_CAMERA = 2,
	SIM_STREAM_TURRET = 3,
	SIM_STREAM_THERMAL = 4,
	SIM_STREAM_SPECIMEN = 5,
	SIM_STREAM_FAULTS = 6,
	SIM_STREAM_STEPS = 7,
	SIM_STREAM_OPTICS = 8,
	SIM_STREAM_TRUTH = 9,      /* the instrument's truth (models/truth.h) */
};

/* One step of splitmix64: advances *state and returns the next output. */
uint64_t sim_splitmix64(uint64_t *state);

/* Fill the four state words from splitmix64(seed), as the reference does. */
void sim_rng_seed(sim_rng *r, uint64_t seed);

/* Seed from (seed, stream): the seeded generator jumped stream times. */
void sim_rng_stream(sim_rng *r, uint64_t seed, uint32_t stream);

/* Next 64-bit output of xoshiro256**. */
static inline uint64_t sim_rng_next(sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5u;
	uint64_t result = ((x << 7) | (x >> 57)) * 9u;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

/* Advance the generator by 2^128 steps (the reference jump polynomial). */
void sim_rng_jump(sim_rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
static inline double sim_rng_uniform(sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform double in [lo, hi). */
double sim_rng_range(sim_rng *r, double lo, double hi);

/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);

/* Standard normal deviate (Marsaglia polar method; uses log and sqrt). */
double sim_rng_normal(sim_rng *r);

/* Poisson deviate with mean lambda >= 0: inversion for small means, the
 * rounded normal approximation above 1000 (relative error of the variance
 * there is below 0.1 %). */
uint32_t sim_rng_poisson(sim_rng *r, double lambda);

#endif /* KERNEL_RNG_H */
