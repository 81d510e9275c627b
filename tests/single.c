/*
 * single.c - a runner for one suite, for working on one module while the
 * rest of the tree is in flux.  Not part of `make check`.
 *   cc ... -DSUITE_FN=stage_suite tests/single.c tests/test_stage.c models/stage.c kernel/rng.c
 */
#include <check.h>
#include <stdlib.h>

#ifndef SUITE_FN
#error "define SUITE_FN, e.g. -DSUITE_FN=stage_suite"
#endif

Suite *SUITE_FN(void);

int main(void)
{
	SRunner *sr = srunner_create(SUITE_FN());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
