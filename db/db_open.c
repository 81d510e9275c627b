/*
 * db_open.c - opening the results store: the checks, WAL, busy_timeout,
 * the schema's migrations (db_schema.c) under PRAGMA user_version, abort
 * detection, and closing.
 *
 * Invariants:
 * - an afsim database carries PRAGMA application_id DB_APPLICATION_ID;
 *   any other SQLite file that has tables is refused untouched (a
 *   database of schema 1 or 2, which predate the id, is recognised by its
 *   tables and gets the id when it is migrated);
 * - opening for writing checks the file (PRAGMA quick_check) and that a
 *   write transaction can be taken, before anything is written; opening
 *   read-only (db_open_ro) never creates, migrates or writes anything;
 * - every write is one BEGIN IMMEDIATE transaction: a writer takes the
 *   write lock up front, so two writers never deadlock on a read-to-write
 *   upgrade and busy_timeout (10 s) is the only wait;
 * - a run's row exists (status `running`) before any of its ops, samples,
 *   events, expectations or trace chunks; rows are buffered and committed
 *   in batches, so a process killed half-way leaves a prefix of whole
 *   batches and never a torn one (WAL commits are atomic);
 * - the next db_open on the same host marks `aborted` every `running` run
 *   whose writer pid is gone (kill(pid, 0) fails with ESRCH);
 * - synchronous=NORMAL: in WAL mode a commit survives the death of the
 *   process (the case that matters here); only a power cut may lose the
 *   last transactions, never consistency.
 */
#include "db/db_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define DB_BUSY_MS 10000

/* The tables of every afsim schema: how a database that predates the
 * application id is told from someone else's (identify). */
#define AFSIM_TABLES_V1 7

/* --- open, migrate, abort detection ---------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Switch to WAL.  Switching needs the database to itself for a moment: when
 * several processes create one file at once the switch may report BUSY
 * without waiting, so it is retried for up to the busy timeout.
 */
static int set_wal(db *d)
{
	for (long waited = 0;; waited += 10) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(d->h, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		char mode[16] = "";

		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
				snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
		}
		if (rc == SQLITE_NOTADB)
			db_fail(d, "%s", sqlite3_errmsg(d->h));
		else if (rc != SQLITE_ROW && rc != SQLITE_DONE && rc != SQLITE_BUSY &&
			 rc != SQLITE_LOCKED)
			db_sqlfail(d, "cannot set the WAL journal");
		sqlite3_finalize(st);   /* repeats the step's result, handled above */
		if (rc == SQLITE_ROW && strcmp(mode, "wal") == 0)
			return 0;
		if (rc == SQLITE_ROW)
			return db_fail(d, "cannot set the WAL journal: the journal mode stays '%s'", mode);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= DB_BUSY_MS)
			return rc == SQLITE_BUSY || rc == SQLITE_LOCKED
				       ? db_fail(d, "cannot set the WAL journal: the database is locked")
				       : -1;
		sleep_ms(10);
	}
}


bool db_pid_gone(int64_t pid)
{
	if (pid <= 0 || pid > INT_MAX)
		return true;   /* not a process id: nobody can still be writing */
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

void db_aborted_message(const db *d, int64_t pid, char *buf, size_t n)
{
	snprintf(buf, n, "the writing process (pid %" PRId64 " on %s) ended before the run finished",
		 pid, d->host);
}

/* A `running` run of this host whose writer is gone. */
typedef struct dead_run {
	int64_t id, pid;
} dead_run;

/* This host's `running` runs whose writer is gone (*out malloc'd). */
static int dead_runs(db *d, dead_run **out, size_t *n)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_RUNNING_HERE, &tmp);
	size_t cap = 0;
	int rc = SQLITE_OK;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	db_bind_text(st, 1, d->host, &rc);
	if (db_bind_check(d, rc, "the host name") != 0) {
		(void)db_stmt_done(st, tmp);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 1);

		if (!db_pid_gone(pid))
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			dead_run *nv = realloc(*out, ncap * sizeof *nv);

			if (!nv) {
				db_fail(d, "out of memory");
				rc = SQLITE_NOMEM;
				break;
			}
			*out = nv;
			cap = ncap;
		}
		(*out)[(*n)++] = (dead_run){ sqlite3_column_int64(st, 0), pid };
	}
	if (rc != SQLITE_DONE && rc != SQLITE_NOMEM)
		db_sqlfail(d, "cannot look for aborted runs");
	if (db_stmt_done(st, tmp) != SQLITE_OK && rc == SQLITE_DONE)
		rc = db_sqlfail(d, "cannot look for aborted runs");
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/*
 * Mark the runs of dead writers `aborted`.  A read first, so that opening
 * a healthy database takes no write lock; if there is anything to mark,
 * the look-up is repeated and the marks made in one BEGIN IMMEDIATE
 * transaction (a writer may have finished its run in between).
 */
static int mark_aborted(db *d)
{
	dead_run *dead = NULL;
	size_t n = 0;
	char now[32], msg[400];
	int rc = -1;

	if (dead_runs(d, &dead, &n) != 0)
		return -1;
	free(dead);
	dead = NULL;
	if (n == 0)
		return 0;
	if (db_tx_begin(d) != 0)
		return -1;
	if (dead_runs(d, &dead, &n) != 0)
		goto out;
	db_iso_now(now);
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *tmp, *st = db_stmt_use(d, DB_ST_MARK_ABORTED, &tmp);
		int b = SQLITE_OK;

		if (!st)
			goto out;
		db_aborted_message(d, dead[i].pid, msg, sizeof msg);
		db_bind_int64(st, 1, dead[i].id, &b);
		db_bind_text(st, 2, now, &b);
		db_bind_text(st, 3, msg, &b);
		if (db_bind_check(d, b, "an aborted run") != 0) {
			(void)db_stmt_done(st, tmp);
			goto out;
		}
		if (db_step_done(d, st, tmp, "cannot mark a run aborted") != 0)
			goto out;
	}
	rc = db_tx_commit(d);
out:
	if (rc != 0)
		db_tx_rollback(d);
	free(dead);
	return rc;
}

/* What a file holds, before anything is written to it. */
typedef enum db_kind { DB_KIND_EMPTY, DB_KIND_OURS, DB_KIND_FOREIGN } db_kind;

/*
 * Read the header fields and the table names: an afsim database (by its
 * application id, or, before schema 3, by its tables), an empty file (or
 * a new one), or someone else's.  Only reads, in one statement: one
 * snapshot, since another process may be creating the file right now.
 */
static int identify(db *d, db_kind *kind, int *sqlcode)
{
	static const char sql[] =
		"SELECT (SELECT application_id FROM pragma_application_id), "
		"(SELECT user_version FROM pragma_user_version), "
		"(SELECT count(*) FROM sqlite_master), "
		"(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
		"('runs', 'ops', 'events', 'samples', 'expectations', 'traces', 'baselines'))";
	sqlite3_stmt *st = NULL;
	int64_t app = 0, v = 0, tables = 0, ours = 0;
	int rc = sqlite3_prepare_v2(d->h, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		app = sqlite3_column_int64(st, 0);
		v = sqlite3_column_int64(st, 1);
		tables = sqlite3_column_int64(st, 2);
		ours = sqlite3_column_int64(st, 3);
	}
	*sqlcode = rc;
	if (rc != SQLITE_ROW)
		db_sqlfail(d, "cannot read the database");
	if (sqlite3_finalize(st) != SQLITE_OK && rc == SQLITE_ROW)
		rc = db_sqlfail(d, "cannot read the database");
	if (rc != SQLITE_ROW)
		return -1;
	d->version = (int)v;
	if (app == DB_APPLICATION_ID) {
		*kind = DB_KIND_OURS;
	} else if (app == 0 && tables == 0 && v == 0) {
		*kind = DB_KIND_EMPTY;
	} else if (app == 0 && (v == 1 || v == 2) && ours == AFSIM_TABLES_V1) {
		*kind = DB_KIND_OURS;   /* schema 1 or 2 carried no application id */
	} else {
		*kind = DB_KIND_FOREIGN;
		return db_fail(d, "it is not an afsim database (application_id %" PRId64 ", %" PRId64
			       " schema objects, user_version %" PRId64 "): refusing to use it",
			       app, tables, v);
	}
	return 0;
}

/* PRAGMA quick_check: 0 when the file is sound, else -1 with its first
 * finding. */
static int quick_check(db *d)
{
	sqlite3_stmt *st = NULL;
	char first[256] = "";
	int rc = sqlite3_prepare_v2(d->h, "PRAGMA quick_check(1)", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(first, sizeof first, "%s",
			 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "?");
		for (char *p = first; *p; p++)
			if (*p == '\n')
				*p = ' ';   /* "*** in database main ***\nOn tree page ..." */
	}
	if (rc != SQLITE_ROW)
		db_fail(d, "the database is corrupt (%s)", sqlite3_errmsg(d->h));
	sqlite3_finalize(st);   /* repeats the step's result, handled above */
	if (rc != SQLITE_ROW)
		return -1;
	if (strcmp(first, "ok") != 0)
		return db_fail(d, "the database is corrupt (quick_check: %s)", first);
	return 0;
}

/* A write transaction can be taken now: BEGIN IMMEDIATE, then ROLLBACK. */
static int write_check(db *d)
{
	if (db_tx_begin(d) != 0)
		return -1;
	return db_step_slot(d, DB_ST_ROLLBACK, "cannot roll back");
}

static void set_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "cannot open database '%s': %s", path, why);
}

/* The handle before any SQLite call: NULL (err set) when out of memory. */
static db *handle_new(const char *path, char *err, size_t errlen)
{
	db *d = calloc(1, sizeof *d);

	if (!d) {
		set_err(err, errlen, path, "out of memory");
		return NULL;
	}
	if (gethostname(d->host, sizeof d->host - 1) != 0 || !d->host[0])
		snprintf(d->host, sizeof d->host, "unknown");
	d->pid = (long)getpid();
	return d;
}

/* A path SQLite may open: a regular file or none (sqlite would block on a
 * FIFO, and cannot use a folder or a device). */
static int path_ok(const char *path, bool must_exist, char *err, size_t errlen)
{
	struct stat st;

	if (!path || !*path) {
		set_err(err, errlen, "", "no path");
		return -1;
	}
	if (stat(path, &st) != 0) {
		if (errno == ENOENT && must_exist) {
			if (err && errlen)
				snprintf(err, errlen, "no such database '%s'", path);
			return -1;
		}
		return 0;   /* SQLite says why */
	}
	if (S_ISDIR(st.st_mode)) {
		set_err(err, errlen, path, "is a directory");
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, path, "is not a regular file");
		return -1;
	}
	return 0;
}

static db *open_rw(const char *path, unsigned flags, char *err, size_t errlen)
{
	db *d;
	db_kind kind = DB_KIND_EMPTY;
	int code = SQLITE_OK;

	if (path_ok(path, false, err, errlen) != 0 || !(d = handle_new(path, err, errlen)))
		return NULL;
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		/* a handle whose open failed still holds memory: db_close closes it */
		db_fail(d, "%s", d->h ? sqlite3_errmsg(d->h) : "out of memory");
		goto fail;
	}
	if (sqlite3_busy_timeout(d->h, DB_BUSY_MS) != SQLITE_OK) {
		db_sqlfail(d, "cannot set the busy timeout");
		goto fail;
	}
	/* a file we may not write is opened read-only without a word */
	if (sqlite3_db_readonly(d->h, "main") == 1) {
		db_fail(d, "it is read-only (results are written to it; --db PATH or $AFSIM_DB "
			   "chooses another)");
		goto fail;
	}
	if (identify(d, &kind, &code) != 0) {
		if ((code & 0xff) == SQLITE_CORRUPT)
			db_fail(d, "the database is corrupt (%s)", sqlite3_errstr(code));
		goto fail;
	}
	if (kind == DB_KIND_OURS && !(flags & DB_OPEN_NO_CHECK) && quick_check(d) != 0)
		goto fail;
	if (set_wal(d) != 0)
		goto fail;
	if (sqlite3_exec(d->h, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", NULL, NULL,
			 NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot configure the database");
		goto fail;
	}
	if (db_migrate(d) != 0 || mark_aborted(d) != 0 || write_check(d) != 0)
		goto fail;
	return d;
fail:
	set_err(err, errlen, path, d->err);
	db_close(d);
	return NULL;
}

/* "file:" URI of path with immutable=1 (percent-encoding what a URI must). */
static int immutable_uri(const char *path, char *out, size_t n)
{
	size_t k = 0;
	int w = snprintf(out, n, "file:");

	if (w < 0 || (size_t)w >= n)
		return -1;
	k = (size_t)w;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || strchr("/._-~", *p);

		w = plain ? snprintf(out + k, n - k, "%c", *p) : snprintf(out + k, n - k, "%%%02X", *p);
		if (w < 0 || (size_t)w >= n - k)
			return -1;
		k += (size_t)w;
	}
	w = snprintf(out + k, n - k, "?immutable=1");
	return w < 0 || (size_t)w >= n - k ? -1 : 0;
}

/* Open read-only and identify; *sqlcode says why it could not. */
static int ro_try(db *d, const char *name, int oflags, db_kind *kind, int *sqlcode)
{
	*sqlcode = sqlite3_open_v2(name, &d->h, oflags, NULL);
	if (*sqlcode != SQLITE_OK) {
		db_fail(d, "%s", d->h ? sqlite3_errmsg(d->h) : "out of memory");
		return -1;
	}
	if (sqlite3_busy_timeout(d->h, DB_BUSY_MS) != SQLITE_OK)
		return db_sqlfail(d, "cannot set the busy timeout");
	return identify(d, kind, sqlcode);
}

static db *open_ro(const char *path, char *err, size_t errlen)
{
	db *d;
	db_kind kind = DB_KIND_EMPTY;
	int code = SQLITE_OK;
	char uri[4200];

	if (path_ok(path, true, err, errlen) != 0 || !(d = handle_new(path, err, errlen)))
		return NULL;
	d->readonly = true;
	if (ro_try(d, path, SQLITE_OPEN_READONLY, &kind, &code) != 0) {
		/*
		 * A WAL database in a folder we cannot write: readers need the
		 * -shm file, which nobody can create there.  Nobody can write
		 * the database there either, so it is read as immutable.
		 */
		if ((code & 0xff) != SQLITE_CANTOPEN && (code & 0xff) != SQLITE_READONLY)
			goto fail;
		sqlite3_close(d->h);   /* no statement was left open */
		d->h = NULL;
		if (immutable_uri(path, uri, sizeof uri) != 0) {
			db_fail(d, "the path is too long");
			goto fail;
		}
		if (ro_try(d, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, &kind, &code) != 0)
			goto fail;
	}
	if (kind == DB_KIND_EMPTY) {
		db_fail(d, "it holds no afsim database (an empty file)");
		goto fail;
	}
	if (d->version > DB_SCHEMA_VERSION) {
		db_fail(d, "the database has schema version %d, newer than this afsim's %d", d->version,
			DB_SCHEMA_VERSION);
		goto fail;
	}
	if (d->version < 2) {
		db_fail(d, "the database has schema version %d: open it once for writing "
			   "(afsim run) to migrate it to version %d", d->version, DB_SCHEMA_VERSION);
		goto fail;
	}
	if (sqlite3_exec(d->h, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot configure the database");
		goto fail;
	}
	return d;
fail:
	set_err(err, errlen, path, d->err);
	db_close(d);
	return NULL;
}

db *db_open_with(const char *path, unsigned flags, char *err, size_t errlen)
{
	return flags & DB_OPEN_READONLY ? open_ro(path, err, errlen)
					: open_rw(path, flags, err, errlen);
}

db *db_open(const char *path, char *err, size_t errlen)
{
	return open_rw(path, 0, err, errlen);
}

db *db_open_ro(const char *path, char *err, size_t errlen)
{
	return open_ro(path, err, errlen);
}

void db_close(db *d)
{
	if (!d)
		return;
	if (d->h && !d->readonly && d->nrows)
		(void)db_flush(d);   /* a close cannot report; db_flush is the checked way */
	for (int i = 0; i < DB_ST_COUNT; i++)
		sqlite3_finalize(d->st[i]);
	/* every statement is finalized, so close cannot be refused; a handle
	 * whose open failed is closed the same way */
	sqlite3_close(d->h);
	for (size_t i = 0; i < d->nactive; i++)
		db_tenc_free(d->active[i].enc);
	free(d->rows);
	free(d->arena.p);
	free(d->held);
	free(d->harena.p);
	free(d->active);
	free(d);
}
