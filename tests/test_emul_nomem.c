/*
 * test_emul_nomem.c - memory running out while the rig emulator renders a
 * GRAB: the error reply says so with the simulated camera's own message
 * ("out of memory while rendering"), as the simulated HAL does in process
 * (test_render_nomem.c), not a bare "out of memory" that hides where.  The
 * request is executed directly (hil_em_execute, no socket), its
 * allocations failed one at a time with the runner's counting allocator.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hil/emul.h"
#include "hil/emul_impl.h"
#include "hil/proto.h"
#include "models/camera.h"
#include "tests/alloc_count.h"

Suite *emul_nomem_suite(void);

#define MAX_N 5000

static const char render_msg[] = "camera: out of memory while rendering a frame of lens A";

START_TEST(grab_reply_says_render_ran_out_of_memory)
{
	uint32_t n, at_render = 0, other = 0;

	for (n = 1; n < MAX_N; n++) {
		hil_emul_config c;
		hil_request rq;
		hil_emul *e;
		char err[256];
		bool failed;

		hil_emul_config_default(&c);
		c.pacing = false;
		e = hil_emul_new(&c, err, sizeof err);
		ck_assert_msg(e != NULL, "%s", err);
		mdl_view_cache_clear();
		memset(&rq, 0, sizeof rq);
		rq.id = 7;
		rq.verb = HIL_GRAB;
		test_alloc_fail_at(n);
		hil_em_execute(e, &rq);
		failed = test_alloc_failed();
		test_alloc_fail_at(0);
		if (!failed) {
			ck_assert_uint_gt(e->pay_len, 0);
			hil_emul_free(e);
			break;
		}
		if (e->pay_len == 0) {
			ck_assert_msg(strncmp(e->out, "7 ERR ENOMEM ", 13) == 0,
				      "allocation %u: '%.*s'", n, (int)e->out_len, e->out);
			if (strstr(e->out, render_msg))
				at_render++;
			else
				other++;
			/* memory back: the next GRAB renders */
			hil_em_execute(e, &rq);
			ck_assert_uint_gt(e->pay_len, 0);
		}
		hil_emul_free(e);
	}
	ck_assert_uint_lt(n, MAX_N);
	ck_assert_uint_ge(at_render, 1);
	printf("emul_nomem: GRAB: %u allocations failed: %u while rendering (the camera's message), "
	       "%u elsewhere\n", n - 1, at_render, other);
}
END_TEST

Suite *emul_nomem_suite(void)
{
	Suite *s = suite_create("emul_nomem");
	TCase *tc = tcase_create("grab");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, grab_reply_says_render_ran_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}
