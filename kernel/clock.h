/*
 * clock.h - the virtual clock of a simulated run.
 *
 * Time is an integer count of nanoseconds since the start of the run.  It
 * only moves forward, and only when the simulator says an action took time;
 * nothing here reads the wall clock.
 *
 * The clock counts up to SIM_TIME_MAX_NS, 2^62 - 1 ns (146 years), and no
 * further: a move past it stops the clock there and marks it overflowed
 * (sim_clock_overflowed), which the simulator turns into an error.  The
 * limit is half the int64 range so that any time the clock can show plus
 * any one duration (sim_s_to_ns caps them at the limit + 1) still fits an
 * int64: sums of a time and a duration never overflow, and
 * sim_time_add() tells when they pass the limit.
 */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_NS_PER_US INT64_C(1000)
#define SIM_NS_PER_MS INT64_C(1000000)
#define SIM_NS_PER_S INT64_C(1000000000)

/* The latest time the clock can show: 4.6e18 ns, 146 years. */
#define SIM_TIME_MAX_NS (INT64_MAX / 2)
/* What a sum past the limit saturates to (still an int64 with room). */
#define SIM_TIME_OVER_NS (SIM_TIME_MAX_NS + 1)

typedef struct sim_clock {
	int64_t now_ns;
	bool overflowed;   /* a move past SIM_TIME_MAX_NS was asked for */
} sim_clock;

static inline void sim_clock_init(sim_clock *c)
{
	c->now_ns = 0;
	c->overflowed = false;
}

static inline int64_t sim_clock_now_ns(const sim_clock *c)
{
	return c->now_ns;
}

static inline bool sim_clock_overflowed(const sim_clock *c)
{
	return c->overflowed;
}

/* t_ns + dt_ns for a time t_ns <= SIM_TIME_MAX_NS and a duration dt_ns
 * (negative: 0), or SIM_TIME_OVER_NS when the sum is past the limit. */
static inline int64_t sim_time_add(int64_t t_ns, int64_t dt_ns)
{
	if (dt_ns <= 0)
		return t_ns;
	if (t_ns > SIM_TIME_MAX_NS || dt_ns > SIM_TIME_MAX_NS - t_ns)
		return SIM_TIME_OVER_NS;
	return t_ns + dt_ns;
}

/* Move the clock to t_ns if that is later than now; never backwards.  Past
 * SIM_TIME_MAX_NS the clock stops at the limit, marked overflowed. */
static inline void sim_clock_advance_to_ns(sim_clock *c, int64_t t_ns)
{
	if (t_ns > SIM_TIME_MAX_NS) {
		c->now_ns = SIM_TIME_MAX_NS;
		c->overflowed = true;
	} else if (t_ns > c->now_ns) {
		c->now_ns = t_ns;
	}
}

/* Move the clock forward by dt_ns (negative: not at all). */
static inline void sim_clock_advance_ns(sim_clock *c, int64_t dt_ns)
{
	sim_clock_advance_to_ns(c, sim_time_add(c->now_ns, dt_ns));
}

/* Seconds (a model's duration) to whole nanoseconds, rounded to nearest;
 * negative and non-finite durations count as zero, and anything longer
 * than the clock can count as SIM_TIME_OVER_NS. */
static inline int64_t sim_s_to_ns(double s)
{
	if (!(s > 0.0))
		return 0;
	if (s >= (double)SIM_TIME_MAX_NS / 1e9)
		return SIM_TIME_OVER_NS;
	return (int64_t)llround(s * 1e9);
}

#endif /* KERNEL_CLOCK_H */
