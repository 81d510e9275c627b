/*
 * test_db_validation.c - validations in the results store (db/validation.h):
 * a validation with an item of every outcome, SKIPPED included, written
 * and read back field by field (NaN values as NULL); a database of schema
 * 6, whose validation_items took no SKIPPED, migrates keeping its items in
 * order and then takes one, and still refuses an outcome that is none.
 */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "db/db.h"
#include "db/validation.h"
#include "tests/dbfix.h"

typedef struct got {
	size_t n;
	db_validation_item_row it[8];
} got;

static int keep(void *user, const db_validation_item_row *it)
{
	got *g = user;

	ck_assert_uint_lt(g->n, 8);
	g->it[g->n++] = *it;
	return 0;
}

static int64_t add(db *d, const db_validation_item *items, size_t n)
{
	db_validation v = { "bench", "bench.yaml", "afsim/emulator", "rig", "passed", "",
			    "2026-12-05T04:00:00Z", "test", 3, 1.5 };
	int64_t id = 0;

	ck_assert_msg(db_validation_add(d, &v, items, n, &id) == 0, "%s", db_errmsg(d));
	return id;
}

START_TEST(every_outcome_round_trips)
{
	db_validation_item items[] = {
		{ 1, "encoder error", 0.022, "um", NAN, 0.2, 10.0, "PASS", 10, 0.0143, 80.0, "how" },
		{ 2, "settled z", NAN, "um", NAN, 0.1, 10.0, "SKIPPED", 0, NAN, 0.01,
		  "the rig does not announce 'settled_z'" },
		{ 3, "focus move", 76.5, "ms", NAN, 80.0, 10.0, "MARGINAL", 10, 3.9, 900.0, "m" },
		{ 4, "lens switch", 55.0, "ms", NAN, 50.0, 10.0, "FAIL", 10, 1.0, 600.0, "f" },
		{ 5, "handoff", NAN, "ms", NAN, 300.0, 10.0, "ERROR", 0, NAN, 20.0, "no reply" },
	};
	db *d = open_db();
	int64_t id = add(d, items, 5);
	got g = { 0 };

	ck_assert_int_eq(db_validation_items(d, id, keep, &g), 0);
	ck_assert_uint_eq(g.n, 5);
	ck_assert_str_eq(g.it[0].outcome, "PASS");
	ck_assert_double_eq(g.it[0].value, 0.022);
	ck_assert_uint_eq(g.it[1].seq, 2);
	ck_assert_str_eq(g.it[1].name, "settled z");
	ck_assert_str_eq(g.it[1].outcome, "SKIPPED");
	ck_assert(isnan(g.it[1].value));
	ck_assert(isnan(g.it[1].sd));
	ck_assert(isnan(g.it[1].limit_lo));
	ck_assert_double_eq(g.it[1].limit_hi, 0.1);
	ck_assert_uint_eq(g.it[1].n, 0);
	ck_assert_str_eq(g.it[1].detail, "the rig does not announce 'settled_z'");
	ck_assert_str_eq(g.it[2].outcome, "MARGINAL");
	ck_assert_str_eq(g.it[3].outcome, "FAIL");
	ck_assert_str_eq(g.it[4].outcome, "ERROR");
	db_close(d);
}
END_TEST

/* validation_items as schema 6 made it (the CHECK without SKIPPED). */
static const char items_v6[] =
	"DROP TABLE validation_items;\n"
	"CREATE TABLE validation_items (\n"
	"  validation_id INTEGER NOT NULL REFERENCES validations (id),\n"
	"  seq INTEGER NOT NULL, name TEXT NOT NULL, value REAL, unit TEXT NOT NULL,\n"
	"  limit_lo REAL, limit_hi REAL, margin_pct REAL NOT NULL,\n"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('PASS', 'MARGINAL', 'FAIL', 'ERROR')),\n"
	"  n INTEGER NOT NULL, sd REAL, duration_ms REAL, detail TEXT NOT NULL DEFAULT '',\n"
	"  PRIMARY KEY (validation_id, seq));\n"
	"INSERT INTO validation_items VALUES (1, 2, 'focus move', 76.5, 'ms', NULL, 80, 10, "
	"'MARGINAL', 10, 3.9, 900, 'second');\n"
	"INSERT INTO validation_items VALUES (1, 1, 'lens switch', 43.4, 'ms', NULL, 50, 10, "
	"'PASS', 10, 1.7, 500, 'first');\n"
	"PRAGMA user_version = 6;\n";

START_TEST(schema_6_migrates_and_takes_skipped)
{
	db_validation_item skipped = { 1, "settled z", NAN, "um", NAN, 0.1, 10.0, "SKIPPED", 0, NAN,
				       0.0, "why" };
	db *d = open_db();
	sqlite3 *h;
	got g = { 0 };
	char *msg = NULL;
	int64_t id;

	add(d, NULL, 0); /* validation 1, its items below */
	db_close(d);
	h = raw_open();
	ck_assert_msg(sqlite3_exec(h, items_v6, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
	ck_assert_int_ne(sqlite3_exec(h, "INSERT INTO validation_items VALUES (1, 3, 'x', NULL, 'um', "
				      "NULL, NULL, 10, 'SKIPPED', 0, NULL, NULL, '')", NULL, NULL,
				      NULL), SQLITE_OK);
	d = open_db();
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	ck_assert_int_eq(db_validation_items(d, 1, keep, &g), 0);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_str_eq(g.it[0].name, "lens switch");
	ck_assert_str_eq(g.it[0].detail, "first");
	ck_assert_double_eq(g.it[0].value, 43.4);
	ck_assert_str_eq(g.it[1].name, "focus move");
	ck_assert_str_eq(g.it[1].outcome, "MARGINAL");
	ck_assert_double_eq(g.it[1].sd, 3.9);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM sqlite_master WHERE name = "
				  "'validation_items_v6'"), 0);
	id = add(d, &skipped, 1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM validation_items WHERE outcome = 'SKIPPED'"),
			 1);
	ck_assert_int_eq(id, 2);
	ck_assert_int_ne(sqlite3_exec(h, "INSERT INTO validation_items VALUES (1, 3, 'x', NULL, 'um', "
				      "NULL, NULL, 10, 'MAYBE', 0, NULL, NULL, '')", NULL, NULL,
				      NULL), SQLITE_OK);
	db_close(d);
	sqlite3_close(h);
}
END_TEST

Suite *db_validation_suite(void)
{
	Suite *s = suite_create("db_validation");
	TCase *tc = tcase_create("validations");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_outcome_round_trips);
	tcase_add_test(tc, schema_6_migrates_and_takes_skipped);
	suite_add_tcase(s, tc);
	return s;
}
