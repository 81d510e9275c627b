/*
 * test_db_open.c - opening the results store checks the file: a SQLite
 * file that is not afsim's is refused untouched, a corrupt one is refused
 * for writing, a read-only open creates, migrates and writes nothing and
 * reads a database in a folder it may not write, a read-only file is
 * refused for writing up front, and a schema-2 database is migrated to 3
 * with its runs' trace indexes still readable and comparable; a schema-3
 * database is migrated to 4 with its expectations, in their order, and
 * takes a not applicable one (passed NULL).
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "tests/dbfix.h"

Suite *db_open_suite(void);

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static off_t size_of(const char *p)
{
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_size;
}

/* A plain SQLite file with a table of someone else's. */
static void make_foreign(const char *p)
{
	sqlite3 *h = NULL;

	ck_assert_int_eq(sqlite3_open(p, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine')",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

START_TEST(foreign_file_refused_untouched)
{
	char p[400], err[512], s[64], wal[420];
	sqlite3 *h;

	snprintf(p, sizeof p, "%s/other.db", tmpdir);
	make_foreign(p);
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, "cannot open database '") == err &&
		      strstr(err, "it is not an afsim database (application_id 0, 1 schema objects, "
				  "user_version 0): refusing to use it"), "%s", err);
	ck_assert_ptr_null(db_open_ro(p, err, sizeof err));
	ck_assert_msg(strstr(err, "it is not an afsim database") != NULL, "%s", err);
	/* an application id of another program: refused as well */
	ck_assert_int_eq(sqlite3_open(p, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "PRAGMA application_id = 1234", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ck_assert_ptr_null(db_open(p, err, sizeof err));
	ck_assert_msg(strstr(err, "application_id 1234") != NULL, "%s", err);
	/* nothing was changed: no WAL, no tables, no version */
	ck_assert_int_eq(sqlite3_open(p, &h), SQLITE_OK);
	q_text(h, "PRAGMA journal_mode", s, sizeof s);
	ck_assert_str_eq(s, "delete");
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), 0);
	q_text(h, "SELECT group_concat(name) FROM sqlite_master", s, sizeof s);
	ck_assert_str_eq(s, "notes");
	sqlite3_close(h);
	snprintf(wal, sizeof wal, "%s-wal", p);
	ck_assert(!exists(wal));
}
END_TEST

START_TEST(corrupt_file_refused_for_writing)
{
	char err[512], s[64];
	db *d = open_db();
	int64_t run = begin(d, "c", 1);
	FILE *f;
	unsigned char junk[2048];
	sqlite3 *h;

	add_ops(d, run, 1, 3000);   /* many pages */
	finish(d, run, "passed");
	db_close(d);   /* the last connection checkpoints: everything is in the file */
	ck_assert_int_gt(size_of(dbpath), 16 * 4096);
	memset(junk, 0xff, sizeof junk);
	f = fopen(dbpath, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 8 * 4096, SEEK_SET), 0);   /* a page's header */
	ck_assert_uint_eq(fwrite(junk, 1, sizeof junk, f), sizeof junk);
	fclose(f);
	ck_assert_ptr_null(db_open(dbpath, err, sizeof err));
	ck_assert_msg(strstr(err, "the database is corrupt (") != NULL && !strchr(err, '\n'), "%s", err);
	/* nothing was appended to it */
	h = raw_open();
	q_text(h, "SELECT status FROM runs", s, sizeof s);
	ck_assert_str_eq(s, "passed");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), 1);
	sqlite3_close(h);
}
END_TEST

START_TEST(read_only_open_of_nothing_creates_nothing)
{
	char p[400], want[480], err[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/typo.db", tmpdir);
	ck_assert_ptr_null(db_open_ro(p, err, sizeof err));
	snprintf(want, sizeof want, "no such database '%s'", p);
	ck_assert_str_eq(err, want);
	ck_assert(!exists(p));
	/* an empty file is no database either, and stays empty */
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_ptr_null(db_open_ro(p, err, sizeof err));
	ck_assert_msg(strstr(err, "it holds no afsim database (an empty file)") != NULL, "%s", err);
	ck_assert_int_eq(size_of(p), 0);
	ck_assert_ptr_null(db_open_ro(tmpdir, err, sizeof err));
	ck_assert_msg(strstr(err, "is a directory") != NULL, "%s", err);
	ck_assert_ptr_null(db_open_ro("", err, sizeof err));
}
END_TEST

/* A read-only open never writes: a dead writer's run stays `running` in
 * the file (and reads as aborted), no run can be begun, and reading works. */
START_TEST(read_only_open_never_writes)
{
	db *d = open_db(), *ro;
	int64_t run = begin(d, "r", 1), none = 0;
	sqlite3 *h;
	char s[32], err[512], sql[256];
	db_run_row row;
	db_run_info info = { .scenario = "x", .scenario_path = "x.yaml", .scenario_sha256 = SHA_X,
			     .mode = "sim", .afsim_version = "v", .rig = "sim:default" };
	pid_t dead = fork();

	ck_assert_int_ge(dead, 0);
	if (dead == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
	finish(d, run, "passed");
	db_close(d);
	h = raw_open();
	snprintf(sql, sizeof sql, "INSERT INTO runs (scenario, scenario_path, scenario_sha256, seed, "
		 "mode, started_at, status, afsim_version, host, pid, rig) SELECT 'dead', 'p', "
		 "scenario_sha256, 1, 'sim', 't', 'running', 'v', host, %d, 'r' FROM runs", (int)dead);
	ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	ro = db_open_ro(dbpath, err, sizeof err);
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert(db_is_readonly(ro));
	q_text(h, "SELECT status FROM runs WHERE scenario = 'dead'", s, sizeof s);
	ck_assert_str_eq(s, "running");
	/* but it reads as what it is, as a writer would mark it */
	ck_assert_int_eq(db_last_run(ro, &none), 0);
	ck_assert_int_eq(db_run_get(ro, none, &row), 0);
	ck_assert_str_eq(row.status, "aborted");
	snprintf(sql, sizeof sql, "(pid %d on ", (int)dead);
	ck_assert_msg(strstr(row.message, sql) && strstr(row.message, "ended before the run finished"),
		      "%s", row.message);
	q_text(h, "SELECT status FROM runs WHERE scenario = 'dead'", s, sizeof s);
	ck_assert_str_eq(s, "running");
	ck_assert_int_eq(db_run_get(ro, run, &row), 0);
	ck_assert_str_eq(row.status, "passed");
	ck_assert_int_eq(db_run_begin(ro, &info, &none), -1);
	ck_assert_str_eq(db_errmsg(ro), "cannot begin a run: the database is open read-only");
	ck_assert_int_eq(db_baseline_set(ro, "main", run, "r"), -1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs"), 2);
	db_close(ro);
	sqlite3_close(h);
}
END_TEST

/*
 * As an unprivileged user (root reads and writes whatever the modes say):
 * a database in a folder nobody may write is read, and refused for
 * writing; a read-only file in a writable folder is refused for writing
 * before anything is written.  The child's exit status is the first check
 * that failed.
 */
static int unprivileged_checks(const char *rodb, const char *rofile)
{
	char err[512];
	db *d;
	db_run_row row;

	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		return 10;
	d = db_open_ro(rodb, err, sizeof err);
	if (!d) {
		fprintf(stderr, "read-only folder: %s\n", err);
		return 11;
	}
	if (db_run_get(d, 1, &row) != 0 || strcmp(row.status, "passed") != 0)
		return 12;
	db_close(d);
	d = db_open(rodb, err, sizeof err);
	if (d || !strstr(err, "cannot open database"))
		return 13;
	d = db_open(rofile, err, sizeof err);
	if (d || !strstr(err, "it is read-only")) {
		fprintf(stderr, "read-only file: %s\n", d ? "opened" : err);
		return 14;
	}
	return 0;
}

START_TEST(read_only_folder_and_file)
{
	char dir[300], rw[300], rodb[400], rofile[400];
	db *d;
	pid_t pid;
	int st;

	snprintf(dir, sizeof dir, "%s/ro", tmpdir);
	snprintf(rw, sizeof rw, "%s/rw", tmpdir);
	snprintf(rodb, sizeof rodb, "%s/ro/a.db", tmpdir);
	snprintf(rofile, sizeof rofile, "%s/rw/b.db", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkdir(rw, 0777), 0);
	d = db_open(rodb, NULL, 0);
	ck_assert_ptr_nonnull(d);
	finish(d, begin(d, "ro", 1), "passed");
	db_close(d);   /* no -wal or -shm file stays behind */
	d = db_open(rofile, NULL, 0);
	ck_assert_ptr_nonnull(d);
	db_close(d);
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	ck_assert_int_eq(chmod(rw, 0777), 0);   /* past the umask */
	ck_assert_int_eq(chmod(rodb, 0644), 0);
	ck_assert_int_eq(chmod(rofile, 0444), 0);
	ck_assert_int_eq(chmod(dir, 0555), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(unprivileged_checks(rodb, rofile));
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	chmod(dir, 0755);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check %d failed", WEXITSTATUS(st));
}
END_TEST

/* The 24-byte little-endian records of a schema-2 index blob. */
static void legacy_blob(const db_trace_rec *t, size_t n, unsigned char *b)
{
	for (size_t i = 0; i < n; i++, b += 24) {
		memset(b, 0, 24);
		b[0] = (unsigned char)t[i].kind;
		b[1] = (unsigned char)(t[i].kind >> 8);
		for (int k = 0; k < 8; k++) {
			b[8 + k] = (unsigned char)((uint64_t)t[i].t_ns >> (8 * k));
			b[16 + k] = (unsigned char)(t[i].hash >> (8 * k));
		}
	}
}

/* A schema-2 database (its runs' trace index in one blob each, no
 * application id) is read as it is by a read-only open, and migrated to 3
 * by a writing one: its old runs keep their index, which compares with a
 * new run's chunked one. */
START_TEST(migrate_from_v2)
{
	enum { N = 5000 };
	db_trace_rec *t = malloc(N * sizeof *t), *got = NULL;
	unsigned char *blob = malloc(N * 24);
	db *d = open_db();
	int64_t old = begin(d, "old", 1), same, other;
	sqlite3 *h;
	sqlite3_stmt *st;
	db_trace_div dv;
	uint64_t count = 0;
	size_t n = 0;
	char err[512];

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(blob);
	for (size_t i = 0; i < N; i++)
		t[i] = (db_trace_rec){ (uint16_t)(3 + i % 4), (int64_t)i * 2000000,
				       UINT64_C(0x9e3779b97f4a7c15) * (i + 7) };
	finish(d, old, "passed");
	db_close(d);
	/* back to schema 2, as afsim wrote it then */
	legacy_blob(t, N, blob);
	h = raw_open();
	ck_assert_int_eq(sqlite3_exec(h, "DROP TABLE validation_items; DROP TABLE validations; "
				     "DROP INDEX runs_uid; ALTER TABLE runs DROP COLUMN uid; "
				     "DROP TABLE trace_chunks; PRAGMA user_version = 2; "
				     "PRAGMA application_id = 0", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "INSERT INTO traces (run_id, records, index_blob) "
					    "VALUES (?, ?, ?)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, old);
	sqlite3_bind_int64(st, 2, N);
	sqlite3_bind_blob(st, 3, blob, N * 24, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	/* read-only: readable as version 2, left at version 2 */
	d = db_open_ro(dbpath, err, sizeof err);
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_eq(db_trace_count(d, old, &count), 0);
	ck_assert_uint_eq(count, N);
	db_close(d);
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), 2);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM sqlite_master WHERE name = 'trace_chunks'"), 0);

	/* writing: migrated, marked as afsim's */
	d = open_db();
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(h, "PRAGMA application_id"), DB_APPLICATION_ID);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM traces"), 1);
	ck_assert_int_eq(db_trace_load(d, old, &got, &n), 0);
	ck_assert_uint_eq(n, N);
	for (size_t i = 0; i < N; i++) {
		ck_assert_uint_eq(got[i].kind, t[i].kind);
		ck_assert_int_eq(got[i].t_ns, t[i].t_ns);
		ck_assert_uint_eq(got[i].hash, DB_TRACE_HASH_KEPT(t[i].hash));
	}
	free(got);
	/* a new run with the same index compares identical to the old one;
	 * one that parts from it at record 4321 is found there */
	same = begin(d, "old", 1);
	ck_assert_int_eq(db_trace_add(d, same, t, N), 0);
	finish(d, same, "passed");
	other = begin(d, "old", 1);
	for (size_t i = 4321; i < N; i++)   /* a running hash differs from there on */
		t[i].hash ^= UINT64_C(1) << 40;
	ck_assert_int_eq(db_trace_add(d, other, t, N), 0);
	finish(d, other, "passed");
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM trace_chunks"), 4);
	ck_assert_int_eq(db_trace_diverge_runs(d, old, same, &dv), 0);
	ck_assert(dv.available);
	ck_assert(!dv.diverged);
	ck_assert_uint_eq(dv.nb, N);
	ck_assert_uint_eq(dv.nc, N);
	ck_assert_int_eq(db_trace_diverge_runs(d, old, other, &dv), 0);
	ck_assert(dv.diverged);
	ck_assert_uint_eq(dv.index, 4321);
	ck_assert(dv.has_b && dv.has_c);
	ck_assert_uint_eq(dv.b.kind, t[4321].kind);
	ck_assert_int_eq(dv.c.t_ns, t[4321].t_ns);
	ck_assert_uint_eq(dv.c.hash, DB_TRACE_HASH_KEPT(t[4321].hash));
	ck_assert_msg(db_trace_diverge_runs(d, same, other, &dv) == 0, "%s", db_errmsg(d));
	ck_assert(dv.diverged);
	ck_assert_uint_eq(dv.index, 4321);
	db_close(d);
	sqlite3_close(h);
	free(t);
	free(blob);
}
END_TEST

/* Processes creating one file at once: each sees either nothing or the
 * whole schema (the checks read the file in one snapshot), never half of
 * it as someone else's database. */
/* A schema-3 file as afsim wrote it then: no validations (schema 5), and
 * expectations whose passed is NOT NULL. */
static const char expectations_v3[] =
	"DROP TABLE validation_items;\n"
	"DROP TABLE validations;\n"
	"DROP TABLE expectations;\n"
	"CREATE TABLE expectations (\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
	"  metric TEXT NOT NULL,\n"
	"  value REAL,\n"
	"  op TEXT NOT NULL CHECK (op IN ('min', 'max')),\n"
	"  bound REAL NOT NULL,\n"
	"  passed INTEGER NOT NULL\n"
	");\n";

START_TEST(migrate_from_v3)
{
	db *d = open_db();
	int64_t run = begin(d, "old", 1);
	sqlite3 *h;
	char buf[200];
	db_expect na = { .metric = "handoff.focus_error_um.max", .value = NAN, .op = "max",
			 .bound = 1.0, .passed = false, .na = true };

	finish(d, run, "passed");
	db_close(d);
	h = raw_open();
	ck_assert_int_eq(sqlite3_exec(h, "DROP INDEX runs_uid; ALTER TABLE runs DROP COLUMN uid",
				      NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, expectations_v3, NULL, NULL, NULL), SQLITE_OK);
	snprintf(buf, sizeof buf,
		 "INSERT INTO expectations VALUES (%" PRId64 ", 'b.x', 2, 'max', 3, 1), "
		 "(%" PRId64 ", 'a.x', 5, 'min', 6, 0); PRAGMA user_version = 3", run, run);
	ck_assert_int_eq(sqlite3_exec(h, buf, NULL, NULL, NULL), SQLITE_OK);
	/* schema 3 refuses a NULL passed */
	ck_assert_int_ne(sqlite3_exec(h, "INSERT INTO expectations VALUES (1, 'c', 1, 'max', 1, NULL)",
				      NULL, NULL, NULL), SQLITE_OK);

	d = open_db();
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE length(uid) = 32"), 1);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM expectations"), 2);
	q_text(h, "SELECT group_concat(metric || ':' || passed, ' ') FROM "
		  "(SELECT metric, passed FROM expectations ORDER BY rowid)", buf, sizeof buf);
	ck_assert_str_eq(buf, "b.x:1 a.x:0");
	/* a not applicable expectation: passed NULL, value NULL */
	run = begin(d, "new", 1);
	ck_assert_int_eq(db_expect_add(d, run, &na), 0);
	finish(d, run, "passed");
	snprintf(buf, sizeof buf,
		 "SELECT count(*) FROM expectations WHERE run_id = %" PRId64
		 " AND passed IS NULL AND value IS NULL AND metric = 'handoff.focus_error_um.max'", run);
	ck_assert_int_eq(q_int(h, buf), 1);
	/* and the schema still refuses anything but 0, 1 or NULL */
	ck_assert_int_ne(sqlite3_exec(h, "INSERT INTO expectations VALUES (1, 'c', 1, 'max', 1, 2)",
				      NULL, NULL, NULL), SQLITE_OK);
	db_close(d);
	sqlite3_close(h);
}
END_TEST

/* The uid step adds the column only where it is missing: a database that
 * has it already (a schema numbered otherwise) just gets its empty uids
 * filled and the index. */
START_TEST(uid_step_is_idempotent)
{
	db *d = open_db();
	int64_t a = begin(d, "a", 1), b = begin(d, "b", 2);
	sqlite3 *h;
	char want[DB_UID_LEN + 1], got[DB_UID_LEN + 1];

	finish(d, a, "passed");
	finish(d, b, "passed");
	ck_assert_int_eq(db_run_uid(d, a, got), 0);
	db_close(d);
	h = raw_open();
	ck_assert_int_eq(sqlite3_exec(h, "DROP INDEX runs_uid; UPDATE runs SET uid = NULL WHERE id = 2; "
				      "PRAGMA user_version = 4", NULL, NULL, NULL), SQLITE_OK);
	d = open_db();
	ck_assert_int_eq(q_int(h, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	ck_assert_int_eq(db_run_uid(d, a, want), 0);
	ck_assert_str_eq(want, got);   /* kept */
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM runs WHERE length(uid) = 32"), 2);
	ck_assert_int_eq(q_int(h, "SELECT count(*) FROM sqlite_master WHERE name = 'runs_uid'"), 1);
	db_close(d);
	sqlite3_close(h);
}
END_TEST

START_TEST(concurrent_creation)
{
	enum { ROUNDS = 40, PROCS = 6 };
	char p[400];

	for (int r = 0; r < ROUNDS; r++) {
		pid_t pid[PROCS];

		snprintf(p, sizeof p, "%s/c%d.db", tmpdir, r);
		for (int k = 0; k < PROCS; k++) {
			pid[k] = fork();
			ck_assert_int_ge(pid[k], 0);
			if (pid[k] == 0) {
				char err[512];
				db *d = db_open(p, err, sizeof err);

				if (!d)
					fprintf(stderr, "round %d: %s\n", r, err);
				db_close(d);
				_exit(d ? 0 : 1);
			}
		}
		for (int k = 0; k < PROCS; k++) {
			int st;

			ck_assert_int_eq(waitpid(pid[k], &st, 0), pid[k]);
			ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "round %d: an open failed", r);
		}
	}
}
END_TEST

Suite *db_open_suite(void)
{
	Suite *s = suite_create("db_open");
	TCase *tc = tcase_create("open");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, foreign_file_refused_untouched);
	tcase_add_test(tc, corrupt_file_refused_for_writing);
	tcase_add_test(tc, read_only_open_of_nothing_creates_nothing);
	tcase_add_test(tc, read_only_open_never_writes);
	tcase_add_test(tc, read_only_folder_and_file);
	tcase_add_test(tc, migrate_from_v2);
	tcase_add_test(tc, migrate_from_v3);
	tcase_add_test(tc, uid_step_is_idempotent);
	tcase_add_test(tc, concurrent_creation);
	suite_add_tcase(s, tc);
	return s;
}
