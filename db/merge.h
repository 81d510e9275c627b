/*
 * merge.h - folding afsim databases together: `afsim db merge OUT IN...`
 * (docs/database.md, "Merging databases"; docs/scale.md).
 *
 * The shards of a suite each record into a database of their own; a merge
 * copies their runs - with their ops, samples, events, expectations and
 * trace index - and their baselines into one, so that report, regress and
 * viz answer from it exactly as if everything had run in one place.
 *
 * Idempotent: a run is known by its uid (runs.uid, schema 5), so a run the
 * output already has is never copied twice - merging a shard again, or two
 * shards that started from copies of one database, changes nothing more.
 * One exception keeps a killed shard honest: a run that is still
 * `running` in the output is replaced by a finished copy of itself.
 *
 * Ids: the output gives the new runs ids after its own, in an order that
 * does not depend on which input held them: by invocation (the one whose
 * first run started first comes first), and within an invocation in the
 * order of the sorted work list - scenario path, then seed - which is the
 * order one `afsim run -j 1` over the whole suite records them in.
 *
 * Baselines: a baseline of an input is added when the output has none of
 * that name and scenario; when both have one and they name different
 * runs, the one created last wins (a tie keeps the output's) and a note
 * says so.
 *
 * Validations of rigs (validation.h), with their items, come along too.
 * A validation has no uid but is written once, whole, and never changed:
 * it is known by its content (every column of its row but id, and of its
 * items but validation_id).  The output ends with as many validations of
 * one content as it had or as the input that holds the most of them has,
 * whichever is more - so merging again, or inputs copied from one
 * database, adds nothing.  New ones get ids after the output's own, by
 * start (then end, host, content): not by which input held them.
 *
 * All or nothing: every input is opened and checked (an afsim database,
 * not another program's file; a schema this afsim knows) before anything
 * is written, and everything is written in one transaction.  Inputs are
 * only read; one of an older schema is read through a migrated copy in
 * the temporary folder, removed afterwards.
 */
#ifndef DB_MERGE_H
#define DB_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* One input and, after the merge, what became of its runs. */
typedef struct db_merge_input {
	const char *path;
	uint64_t runs;           /* runs it holds */
	uint64_t added;          /* copied into the output as new runs */
	uint64_t present;        /* the output (or an earlier input) had them */
	uint64_t refreshed;      /* were `running` in the output: replaced by a finished copy */
	uint64_t baselines;      /* baselines it holds */
	int version;             /* its schema version */
	bool migrated;           /* older than DB_SCHEMA_VERSION: read through a migrated copy */
	uint64_t validations;    /* validations of rigs it holds */
	uint64_t validations_added;    /* copied into the output */
	uint64_t validations_present;  /* the output (or an earlier input) had them */
} db_merge_input;

typedef struct db_merge_result {
	uint64_t added, present, refreshed;
	uint64_t running;        /* of the added and refreshed runs, those still `running` */
	int64_t first_id, last_id;   /* the ids the added runs got (0, 0 when none) */
	uint64_t rows;           /* rows of the runs' other tables copied */
	uint64_t baselines_added, baselines_same, baselines_replaced, baselines_kept;
	uint64_t validations_added, validations_present;
	int64_t validations_first_id, validations_last_id;   /* of the added (0, 0 when none) */
	uint64_t validation_items;   /* their items copied */
} db_merge_result;

/* A line for the user: a baseline conflict and how it was settled, a
 * table the merge does not know, a run still running. */
typedef void (*db_merge_note_fn)(void *user, const char *line);

/*
 * Merge the databases in[0..n) (their paths; the rest of each is filled
 * in) into out, opened for writing (db_open).  note (may be NULL) hears
 * each note.  0 and *res; -1 with db_errmsg(out) - "cannot merge 'PATH':
 * why" for an input (not an afsim database, a schema newer than this
 * afsim's, the output itself, unreadable) - and nothing written.
 */
int db_merge(db *out, db_merge_input *in, size_t n, db_merge_note_fn note, void *user,
	     db_merge_result *res);

#endif /* DB_MERGE_H */
