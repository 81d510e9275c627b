/*
 * test_alloc.c - a counting allocator for the tests: the runner is linked
 * with --wrap=malloc,calloc,realloc, so every allocation made by project
 * code passes through here and is counted, and one of them can be made to
 * fail.  The engine's "no allocation in the handoff path" is asserted with
 * it (test_engine_faults.c); the allocation-failure loops use it
 * (test_alloc_fail.c).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/alloc_count.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

static uint64_t allocs;
static uint64_t fail_at;     /* the allocation number that fails; 0: none */
static bool failed;

/* Count an allocation; whether it is the one to fail. */
static bool fail_this(void)
{
	allocs++;
	if (fail_at && allocs == fail_at) {
		failed = true;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	return fail_this() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
	return fail_this() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_this() ? NULL : __real_realloc(p, n);
}

uint64_t test_allocs(void)
{
	return allocs;
}

void test_alloc_fail_at(uint64_t n)
{
	fail_at = n ? allocs + n : 0;
	failed = false;
}

bool test_alloc_failed(void)
{
	return failed;
}

START_TEST(counter_counts)
{
	/* through volatile pointers: the compiler may not elide the calls */
	void *(*volatile m)(size_t) = malloc;
	void *(*volatile c)(size_t, size_t) = calloc;
	void *(*volatile r)(void *, size_t) = realloc;
	uint64_t a = test_allocs();
	void *p = m(16), *q = c(2, 8);
	uint64_t after;

	p = r(p, 64);
	after = test_allocs();   /* before asserting: Check allocates per assertion */
	free(p);
	free(q);
	ck_assert_uint_eq(after - a, 3);
}
END_TEST

/* The n-th allocation fails, once; the next ones succeed. */
START_TEST(the_nth_allocation_fails)
{
	void *(*volatile m)(size_t) = malloc;
	void *p, *q, *r;
	bool f0, f1;

	test_alloc_fail_at(2);
	f0 = test_alloc_failed();
	p = m(8);
	q = m(8);
	f1 = test_alloc_failed();
	r = m(8);
	test_alloc_fail_at(0);
	ck_assert(!f0 && f1);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(q);
	ck_assert_ptr_nonnull(r);
	free(p);
	free(r);
}
END_TEST

Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("counter");

	tcase_add_test(tc, counter_counts);
	tcase_add_test(tc, the_nth_allocation_fails);
	suite_add_tcase(s, tc);
	return s;
}
