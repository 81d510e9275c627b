/*
 * test_hal.c - the HAL contract: binding checks, optional-op wrappers and
 * the error table, against a minimal fake implementation.
 */
#include <check.h>
#include <string.h>

#include "engine/af_hal.h"

static int f_select(void *c, af_lens l) { (void)c; (void)l; return AF_OK; }
static int f_get_lens(void *c, af_lens *l) { (void)c; *l = AF_LENS_A; return AF_OK; }
static int f_move(void *c, double z) { (void)c; (void)z; return AF_OK; }
static int f_get_z(void *c, double *z) { (void)c; *z = 0; return AF_OK; }
static int f_wait(void *c, uint32_t t) { (void)c; (void)t; return AF_ETIMEDOUT; }
static int f_grab(void *c, af_frame *f) { (void)c; (void)f; return AF_EIO; }
static int f_temp(void *c, double *t) { (void)c; *t = 22; return AF_OK; }
static int f_now(void *c, int64_t *t) { (void)c; *t = 42; return AF_OK; }
static int f_sleep(void *c, uint32_t us) { (void)c; (void)us; return AF_OK; }
static const char *f_msg(void *c) { (void)c; return "fake failure"; }

static const af_hal_ops fake = {
	.name = "fake", .version = AF_HAL_VERSION, .select_lens = f_select,
	.get_lens = f_get_lens, .move_z = f_move, .get_z = f_get_z, .wait_settled = f_wait,
	.grab_frame = f_grab, .read_temperature = f_temp, .now_us = f_now,
	.sleep_us = f_sleep, .errmsg = f_msg,
};

START_TEST(bind_accepts_complete_table)
{
	af_hal h;
	char err[128] = "";
	int ctx = 0;

	ck_assert_int_eq(af_hal_bind(&h, &fake, &ctx, err, sizeof err), AF_OK);
	ck_assert_ptr_eq(h.ops, &fake);
	ck_assert_ptr_eq(h.ctx, &ctx);
	ck_assert_str_eq(af_hal_errmsg(&h), "fake failure");
}
END_TEST

START_TEST(bind_names_the_missing_op)
{
	af_hal_ops broken = fake;
	af_hal h;
	char err[128];

	broken.grab_frame = NULL;
	ck_assert_int_eq(af_hal_bind(&h, &broken, NULL, err, sizeof err), AF_EINVAL);
	ck_assert_str_eq(err, "cannot bind hal 'fake': required op 'grab_frame' is missing");
	broken = fake;
	broken.version = AF_HAL_VERSION + 1;
	ck_assert_int_eq(af_hal_bind(&h, &broken, NULL, err, sizeof err), AF_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "version"));
	ck_assert_int_eq(af_hal_bind(&h, NULL, NULL, NULL, 0), AF_EINVAL);
}
END_TEST

START_TEST(optional_ops_report_not_supported)
{
	af_hal h;
	af_roi roi = { 0, 0, 64, 64 };
	uint32_t us;
	bool busy;
	double z = 7.5;

	ck_assert_int_eq(af_hal_bind(&h, &fake, NULL, NULL, 0), AF_OK);
	ck_assert_int_eq(af_hal_set_exposure_us(&h, 5000), AF_ENOTSUP);
	ck_assert_int_eq(af_hal_get_exposure_us(&h, &us), AF_ENOTSUP);
	ck_assert_int_eq(af_hal_set_roi(&h, &roi), AF_ENOTSUP);
	ck_assert_int_eq(af_hal_get_roi(&h, &roi), AF_ENOTSUP);
	ck_assert_int_eq(af_hal_z_busy(&h, &busy), AF_ENOTSUP);
	ck_assert_int_eq(af_hal_wait_settled_z(&h, 500, &z), AF_ENOTSUP);
	ck_assert_double_eq(z, 7.5);   /* untouched */
}
END_TEST

START_TEST(error_table_round_trips)
{
	ck_assert_str_eq(af_strerror(AF_OK), "success");
	ck_assert_str_eq(af_strerror(AF_ETIMEDOUT), "timed out");
	ck_assert_str_eq(af_err_name(AF_EHW), "EHW");
	ck_assert_str_eq(af_err_name(AF_ENOFOCUS), "ENOFOCUS");
	ck_assert_str_eq(af_strerror(-1000), "unknown error");
	ck_assert_str_eq(af_err_name(7), "EUNKNOWN");
	/* codes are distinct and negative */
	ck_assert_int_lt(AF_EPROTO, AF_EMAPPING);
	ck_assert_str_eq(af_lens_name(AF_LENS_B), "B");
	ck_assert_str_eq(af_lens_name((af_lens)5), "?");
}
END_TEST

Suite *hal_suite(void)
{
	Suite *s = suite_create("hal");
	TCase *tc = tcase_create("contract");

	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, bind_accepts_complete_table);
	tcase_add_test(tc, bind_names_the_missing_op);
	tcase_add_test(tc, optional_ops_report_not_supported);
	tcase_add_test(tc, error_table_round_trips);
	suite_add_tcase(s, tc);
	return s;
}
