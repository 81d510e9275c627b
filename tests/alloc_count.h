/* alloc_count.h - allocations made so far by project code in this test
 * process, and an allocation made to fail (see test_alloc.c: the runner
 * wraps malloc, calloc, realloc). */
#ifndef TESTS_ALLOC_COUNT_H
#define TESTS_ALLOC_COUNT_H

#include <stdbool.h>
#include <stdint.h>

uint64_t test_allocs(void);

/* Fail the n-th allocation from now (malloc, calloc, realloc return NULL
 * and change nothing), and only that one; 0: fail none. */
void test_alloc_fail_at(uint64_t n);
/* Whether the allocation test_alloc_fail_at named has been failed. */
bool test_alloc_failed(void);

#endif
