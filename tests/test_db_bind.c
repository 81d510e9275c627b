/*
 * test_db_bind.c - a parameter the store cannot bind is an error, never a
 * query run with NULL in its place (which would answer "no runs" or "no
 * ops" as though the database were empty).  The connection's length limit
 * is lowered so that binding a long text fails with SQLITE_TOOBIG.
 */
#include <check.h>
#include <sqlite3.h>
#include <string.h>

#include "db/db.h"
#include "db/opset.h"
#include "db/views.h"
#include "tests/dbfix.h"

static char longtext[200];

static int count_id(void *user, int64_t id)
{
	(void)id;
	(*(int *)user)++;
	return 0;
}

static int count_value(void *user, int64_t run, double v)
{
	(void)run;
	(void)v;
	(*(int *)user)++;
	return 0;
}

static db *open_limited(void)
{
	db *d = open_db();

	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	sqlite3_limit(db_handle(d), SQLITE_LIMIT_LENGTH, 64);
	return d;
}

static void assert_bind_error(db *d, const char *what)
{
	ck_assert_msg(strstr(db_errmsg(d), what) != NULL, "message '%s' lacks '%s'", db_errmsg(d), what);
	ck_assert_msg(strstr(db_errmsg(d), "too big") != NULL, "message '%s' lacks the cause",
		      db_errmsg(d));
}

START_TEST(run_selection_refuses_an_unbindable_text)
{
	db *d = open_limited();
	int64_t id = 0;
	size_t newer = 7, n = 9;
	int calls = 0;

	ck_assert_int_eq(db_runs_of_invocation(d, longtext, count_id, &calls), -1);
	assert_bind_error(d, "cannot bind the invocation");
	ck_assert_int_eq(db_runs_since(d, longtext, count_id, &calls), -1);
	assert_bind_error(d, "cannot bind the time");
	ck_assert_int_eq(calls, 0);
	ck_assert_int_eq(db_newest_finished(d, longtext, &id, &newer), -1);
	assert_bind_error(d, "cannot bind the scenario");
	ck_assert_uint_eq(newer, 0);
	ck_assert_int_eq(db_run_step(d, 1, 1, longtext, &id), -1);
	assert_bind_error(d, "cannot bind the run id");
	ck_assert_int_eq(db_ops_count(d, 1, longtext, &n), -1);
	assert_bind_error(d, "cannot bind the run id");
	ck_assert_uint_eq(n, 9);
	db_close(d);
}
END_TEST

START_TEST(metric_history_refuses_an_unbindable_scenario)
{
	db *d = open_limited();
	db_metric m;
	char err[256] = "";
	int calls = 0;

	ck_assert_int_eq(db_metric_parse("handoff.total_ms.p95", &m), 0);
	ck_assert_int_eq(db_metric_history(d, longtext, &m, count_value, &calls, NULL, err, sizeof err),
			 -1);
	ck_assert_msg(strstr(err, "cannot bind the scenario") && strstr(err, "too big"), "%s", err);
	ck_assert_int_eq(calls, 0);
	db_close(d);
}
END_TEST

START_TEST(short_texts_still_bind)
{
	db *d = open_limited();
	int64_t id = 0;
	size_t newer = 7;
	int calls = 0;

	ck_assert_int_eq(db_runs_of_invocation(d, "inv-1", count_id, &calls), 0);
	ck_assert_int_eq(db_newest_finished(d, "demo", &id, &newer), 1);
	ck_assert_uint_eq(newer, 0);
	ck_assert_int_eq(calls, 0);
	db_close(d);
}
END_TEST

Suite *db_bind_suite(void);
Suite *db_bind_suite(void)
{
	Suite *s = suite_create("db_bind");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, run_selection_refuses_an_unbindable_text);
	tcase_add_test(tc, metric_history_refuses_an_unbindable_scenario);
	tcase_add_test(tc, short_texts_still_bind);
	suite_add_tcase(s, tc);
	return s;
}
