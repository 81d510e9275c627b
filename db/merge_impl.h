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

/* A table whose rows belong to a parent row (a link column: run_id of
 * runs, validation_id of validations), or a parent table itself (runs,
 * validations: every column but id). */
typedef struct table_plan {
	char *name;
	char **cols;
	size_t ncols;
	size_t run_col;          /* the link column (a parent: none) */
	bool is_runs;            /* runs itself */
	char *select_sql;        /* its rows of one parent (a parent: its row), from an input */
	sqlite3_stmt *ins;       /* into the output */
	sqlite3_stmt *del;       /* children: a refreshed parent's rows, from the output */
	sqlite3_stmt *upd;       /* parents: a refreshed row */
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

/* The plan of table t->name (set by the caller, freed with t) of the
 * output d: its columns but skip (NULL: none), and its statements - a
 * parent's when link is NULL, else a child's whose column link names
 * its parent.  1; 0 (nothing prepared) when the table has no column
 * link; -1 with d's message set. */
int db_merge_table_make(db *d, table_plan *t, const char *skip, const char *link);
/* Free t's columns, name and statements; t is zeroed. */
void db_merge_table_release(table_plan *t);

/* Step st (an INSERT, UPDATE or DELETE on the output) once and reset it:
 * 0, or -1 with "what: why". */
int db_merge_step_reset(db *out, sqlite3_stmt *st, const char *what);

/*
 * Copy the rows of child table t that belong to parent from_id of an
 * input (from: t->select_sql prepared on it, left reset) into the output,
 * their link column set to to_id, in the input's order; *rows counts
 * them.  0, or -1 with out's message: "cannot copy a OWNER's rows: why",
 * or "cannot merge 'PATH': cannot read the TABLE of OWNER ID: why".
 */
int db_merge_copy_rows(db *out, db *in, const char *path, sqlite3_stmt *from,
		       const table_plan *t, const char *owner, int64_t from_id, int64_t to_id,
		       uint64_t *rows);

/* --- validations (merge_valid.c) --------------------------------------------------- */

struct db_merge_input;
struct db_merge_result;

/* The validations of the inputs d[0..n) (paths and counts in in[]) into
 * out, inside the merge's transaction (merge.h has the rules).  0 and
 * res's validation figures; -1 with out's message. */
int db_merge_validations(db *out, db *const *d, struct db_merge_input *in, size_t n,
			 struct db_merge_result *res);

#endif /* DB_MERGE_IMPL_H */
