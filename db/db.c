/*
 * db.c - the results store's common parts: the statement cache, the
 * transaction and binding helpers, and the failure messages.  Opening and
 * migrating is db_open.c, run ingest db_ingest.c, the trace index
 * db_trace.c, queries db_query.c.
 *
 * Every SQLite call's result is checked, except sqlite3_finalize and
 * sqlite3_close on the way out of a failure (they can only repeat it).
 */
#include "db/db_impl.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "db/sha256.h"

static const char *const stmt_sql[DB_ST_COUNT] = {
#define DB_STMT_SQL_(name, sql) sql,
	DB_STMT_MAP(DB_STMT_SQL_)
#undef DB_STMT_SQL_
};

/* --- helpers shared with the other files of db/ ------------------------------ */

int db_fail(db *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
	return -1;
}

int db_sqlfail(db *d, const char *what)
{
	return db_fail(d, "%s: %s", what, d->h ? sqlite3_errmsg(d->h) : "out of memory");
}

int db_writable(db *d, const char *what)
{
	if (d->readonly)
		return db_fail(d, "cannot %s: the database is open read-only", what);
	return 0;
}

sqlite3_stmt *db_stmt_use(db *d, enum db_stmt_slot slot, sqlite3_stmt **tmp)
{
	sqlite3_stmt **st = &d->st[slot];

	*tmp = NULL;
	if (*st && sqlite3_stmt_busy(*st))
		st = tmp;
	if (!*st && sqlite3_prepare_v3(d->h, stmt_sql[slot], -1,
				       st == tmp ? 0 : SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		db_sqlfail(d, "cannot prepare a statement");
		sqlite3_finalize(*st);   /* NULL after a failed prepare: a no-op */
		*st = NULL;
		return NULL;
	}
	return *st;
}

int db_stmt_done(sqlite3_stmt *st, sqlite3_stmt *tmp)
{
	int rc;

	if (tmp)
		return sqlite3_finalize(tmp);
	if (!st)
		return SQLITE_OK;
	rc = sqlite3_reset(st);
	/* clears to NULL: cannot fail */
	(void)sqlite3_clear_bindings(st);
	return rc;
}

int db_step_done(db *d, sqlite3_stmt *st, sqlite3_stmt *tmp, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_sqlfail(d, what);
		(void)db_stmt_done(st, tmp);   /* repeats the step's error */
		return -1;
	}
	if (db_stmt_done(st, tmp) != SQLITE_OK)
		return db_sqlfail(d, what);
	return 0;
}

int db_step_slot(db *d, enum db_stmt_slot slot, const char *what)
{
	sqlite3_stmt *tmp, *st = db_stmt_use(d, slot, &tmp);

	return st ? db_step_done(d, st, tmp, what) : -1;
}

int db_tx_begin(db *d)
{
	return db_step_slot(d, DB_ST_BEGIN, "cannot begin a write transaction");
}

int db_tx_commit(db *d)
{
	return db_step_slot(d, DB_ST_COMMIT, "cannot commit");
}

void db_tx_rollback(db *d)
{
	char keep[DB_ERR_MAX];

	if (sqlite3_get_autocommit(d->h))
		return;   /* the failure already ended the transaction */
	memcpy(keep, d->err, sizeof keep);
	/* a ROLLBACK that fails leaves nothing to do: the message of the
	 * failure that called for it is the one to report */
	(void)db_step_slot(d, DB_ST_ROLLBACK, "cannot roll back");
	memcpy(d->err, keep, sizeof keep);
}

static void bind_keep(int *rc, int r)
{
	if (*rc == SQLITE_OK)
		*rc = r;
}

void db_bind_int64(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	bind_keep(rc, sqlite3_bind_int64(st, i, v));
}

void db_bind_real(sqlite3_stmt *st, int i, double v, int *rc)
{
	bind_keep(rc, isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v));
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s, int *rc)
{
	bind_keep(rc, s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i));
}

void db_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n, int *rc)
{
	/* sqlite3_bind_blob64 refuses (SQLITE_TOOBIG) what is past the
	 * database's length limit, instead of storing NULL */
	bind_keep(rc, sqlite3_bind_blob64(st, i, p ? p : "", (sqlite3_uint64)n, SQLITE_STATIC));
}

int db_bind_check(db *d, int rc, const char *what)
{
	char m[128];

	if (rc == SQLITE_OK)
		return 0;
	snprintf(m, sizeof m, "cannot bind %s", what);
	return db_fail(d, "%s: %s", m, sqlite3_errstr(rc));
}

int db_bind_done(db *d, sqlite3_stmt *st, int rc, const char *what)
{
	if (rc == SQLITE_OK)
		return 0;
	sqlite3_finalize(st);
	return db_bind_check(d, rc, what);
}

void db_iso_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

const char *db_errmsg(const db *d)
{
	return d ? d->err : "no database";
}

struct sqlite3 *db_handle(db *d)
{
	return d->h;
}

const char *db_default_path(void)
{
	const char *p = getenv("AFSIM_DB");

	return p && *p ? p : "./afsim.db";
}

bool db_is_readonly(const db *d)
{
	return d->readonly;
}


/* --- run uids ------------------------------------------------------------------- */

static void uid_hex(const uint8_t *b, char out[DB_UID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < DB_UID_LEN / 2; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[DB_UID_LEN] = '\0';
}

void db_uid_new(char out[DB_UID_LEN + 1])
{
	uint8_t b[DB_UID_LEN / 2];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t k = getrandom(b + got, sizeof b - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (got < sizeof b) {
		/* no random source: a digest of what differs between any two
		 * calls (the clocks in ns, the process, this call's stack) */
		struct timespec rt, mt;
		uint8_t dg[DB_SHA256_LEN];
		db_sha256 c;
		long pid = (long)getpid();
		const void *where = &rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mt);
		db_sha256_init(&c);
		db_sha256_update(&c, &rt, sizeof rt);
		db_sha256_update(&c, &mt, sizeof mt);
		db_sha256_update(&c, &pid, sizeof pid);
		db_sha256_update(&c, &where, sizeof where);
		db_sha256_final(&c, dg);
		memcpy(b, dg, sizeof b);
	}
	uid_hex(b, out);
}

void db_uid_legacy(const char *host, int64_t pid, const char *started_at, int64_t id,
		   const char *scenario, int64_t seed, char out[DB_UID_LEN + 1])
{
	char buf[1024];
	uint8_t dg[DB_SHA256_LEN];
	int n = snprintf(buf, sizeof buf,
			 "afsim-run\037%s\037%" PRId64 "\037%s\037%" PRId64 "\037%s\037%" PRId64,
			 host ? host : "", pid, started_at ? started_at : "", id,
			 scenario ? scenario : "", seed);
	db_sha256 c;

	db_sha256_init(&c);
	db_sha256_update(&c, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	db_sha256_final(&c, dg);
	uid_hex(dg, out);
}
