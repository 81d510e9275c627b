/*
 * validation.h - validations of a rig in the results store (schema 6; an
 * item may be SKIPPED from schema 7): one row per `afsim hil validate` in
 * `validations`, one per measurement in `validation_items`
 * (docs/database.md).  A validation is written whole,
 * in one transaction, when it ends (interrupted ones too, as `error`).
 * Functions return 0 or -1 with the message in db_errmsg(); the strings of
 * the rows read back live in the rows.
 */
#ifndef DB_VALIDATION_H
#define DB_VALIDATION_H

#include <stdint.h>

#include "db/db.h"

/* A validation as it is written (strings borrowed for the call). */
typedef struct db_validation {
	const char *rig;             /* the rig file's name */
	const char *rig_file;        /* its path */
	const char *identity;        /* the rig's greeting ("" when never reached) */
	const char *camera;          /* "rig" or "genicam:ID" */
	const char *status;          /* passed | marginal | failed | error */
	const char *message;         /* why error, or "" */
	const char *started_at;      /* ISO 8601 UTC */
	const char *afsim_version;
	uint32_t reps;
	double wall_s;
} db_validation;

/* One measurement (strings borrowed for the call). */
typedef struct db_validation_item {
	uint32_t seq;                /* 1-based order */
	const char *name;            /* "lens switch" */
	double value;                /* NaN: none (ERROR, SKIPPED) */
	const char *unit;            /* "ms" */
	double limit_lo, limit_hi;   /* NaN: open */
	double margin_pct;
	const char *outcome;         /* PASS | MARGINAL | FAIL | ERROR | SKIPPED */
	uint32_t n;                  /* repetitions */
	double sd;                   /* NaN: none */
	double duration_ms;          /* wall time of the measurement */
	const char *detail;          /* how it was measured, or the error */
} db_validation_item;

/* Record a validation and its n items in one transaction; *id its id. */
int db_validation_add(db *d, const db_validation *v, const db_validation_item *items, size_t n,
		      int64_t *id);

/* Read back. */
typedef struct db_validation_row {
	int64_t id;
	char rig[128], rig_file[1024], identity[200], camera[160], status[16];
	char started_at[32], finished_at[32], afsim_version[64], host[128], message[512];
	uint32_t reps;
	double wall_s;
} db_validation_row;

typedef struct db_validation_item_row {
	uint32_t seq, n;
	char name[48], unit[16], outcome[12], detail[1024];
	double value, limit_lo, limit_hi, margin_pct, sd, duration_ms;  /* NaN for NULL */
} db_validation_item_row;

/* The newest validation: 0 and *id, 1 when there is none (or the
 * database predates validations). */
int db_validation_last(db *d, int64_t *id);
/* Validation id: 0, 1 when there is no such validation. */
int db_validation_get(db *d, int64_t id, db_validation_row *out);
/* Its items in order: fn for each, stopping when fn returns non-zero. */
int db_validation_items(db *d, int64_t id,
			int (*fn)(void *user, const db_validation_item_row *it), void *user);

#endif /* DB_VALIDATION_H */
