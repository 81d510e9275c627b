/*
 * merge_impl.h - what db/merge.c and db/merge_plan.c share: a growable
 * string for building SQL, and the plan of what a merge copies (the
 * output's tables with a run_id column, their columns and statements).
 * Private to db/.
 */
#ifndef DB_MERGE_IMPL_H
#define DB_MERGE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db_impl.h"

/* --- a growable string ----------------------------------------------------------- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

/* Append printf-style; on a failure b->oom is set and later calls do nothing. */
__attribute__((format(printf, 2, 3)))
void db_sb_add(sbuf *b, const char *fmt, ...);
/* Append name as a quoted SQL identifier. */
void db_sb_ident(sbuf *b, const char *name);
/* A copy of s (NULL when s is NULL or out of memory). */
char *db_dup_text(const unsigned char *s);

/* --- what is copied ----------------------------------------------------------------- */

/* A table whose rows belong to runs (a run_id column), or `runs` itself. */
typedef struct table_plan {
	char *name;
	char **cols;
	size_t ncols;
	size_t run_col;          /* the run_id column (runs: none, see skip_id) */
	bool is_runs;            /* runs: every column but id */
	char *select_sql;        /* its rows of one run, from an input */
	sqlite3_stmt *ins;       /* into the output */
	sqlite3_stmt *del;       /* children: a refreshed run's rows, from the output */
	sqlite3_stmt *upd;       /* runs: a refreshed run's row */
} table_plan;

typedef struct plan {
	table_plan *t;           /* t[0] is runs */
	size_t n;
	char **other;            /* tables the merge does not know (no run_id column) */
	size_t nother;
} plan;

/* The tables of the output: runs first, then every table with a run_id
 * column (name order); the others are listed in p->other.  0, or -1 with
 * d's message set. */
int db_merge_plan_make(db *d, plan *p);
/* Free p's tables and statements; p is zeroed. */
void db_merge_plan_free(plan *p);

#endif /* DB_MERGE_IMPL_H */
