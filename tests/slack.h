/*
 * slack.h - how much later than asked a timed test accepts a measured
 * time: the allowance for scheduling on a busy machine, scaled by
 * CK_TIMEOUT_MULTIPLIER (sanitizer builds run slower).  Only upper bounds
 * get slack; a lower bound (not before the timeout, not sooner than the
 * model) stays exact.  Header-only.
 */
#ifndef TESTS_SLACK_H
#define TESTS_SLACK_H

#include <stdlib.h>

/* ms, times the timeout multiplier when it is above 1. */
static inline double slack_ms(double ms)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
	double k = m ? atof(m) : 1.0;

	return ms * (k > 1.0 ? k : 1.0);
}

#endif /* TESTS_SLACK_H */
