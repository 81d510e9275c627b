/*
 * report_fix.h - helpers for the report and regression tests: a temporary
 * results database (created in a checked fixture, removed after) and runs
 * written into it through the db_* API from arrays of phase times, and a
 * minimal JSON validator for the printers' output.
 * Header-only (static functions) so that each test file stays standalone.
 */
#ifndef TESTS_REPORT_FIX_H
#define TESTS_REPORT_FIX_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "db/db.h"
#include "tests/tmpdir.h"

/* One handoff as a test writes it; NaN fields become NULL. */
typedef struct fix_op {
	double lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms, total_ms;
	double mapping_error_um, focus_error_um, temperature_c;
	int frames;
	bool cache_hit, success;
	const char *error;
} fix_op;

typedef struct fix_run {
	const char *scenario, *mode;
	double tol_time_frac, tol_accuracy_um;   /* 0: the defaults */
	const fix_op *ops;
	size_t nops;
	const double *calib_rms;                 /* calibrate ops before the handoffs */
	size_t ncalib;
	const bool *calib_failed;                /* NULL: all succeeded */
	const char *calib_error;                 /* the failed ones' error */
	const fix_op *autofocus;                 /* autofocus ops after the handoffs: */
	size_t nautofocus;                       /* total_ms, focus_error_um, frames, success */
	const char *const *event_kinds;          /* one event per entry */
	const char *const *event_details;        /* NULL: "injected" */
	size_t nevents;
	const char *status;                      /* NULL: passed; "aborted" is set by SQL */
	const char *message;
	const char *invocation;                  /* NULL: none */
	const db_sample *samples;                /* frames (op_seq must name an op) */
	size_t nsamples;
	uint64_t trace_hash;                     /* 0: none */
	const db_trace_rec *trace;
	size_t ntrace;
} fix_run;

static char fix_dir[64];
static char fix_path[96];
static db *fix_db;

static void fix_setup(void)
{
	char err[256];

	tmpdir_make(fix_dir, sizeof fix_dir, "test");
	snprintf(fix_path, sizeof fix_path, "%s/t.db", fix_dir);
	fix_db = db_open(fix_path, err, sizeof err);
	ck_assert_msg(fix_db != NULL, "db_open: %s", err);
}

static void fix_teardown(void)
{
	db_close(fix_db);
	fix_db = NULL;
	tmpdir_remove(fix_dir);
}

static int64_t fix_add_run(const fix_run *r)
{
	static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	db_run_info info = {
		.scenario = r->scenario, .scenario_path = "scenarios/x.yaml", .scenario_sha256 = sha,
		.seed = 1, .mode = r->mode ? r->mode : "sim", .afsim_version = "test", .rig = "sim:default",
		.tol_time_frac = r->tol_time_frac > 0 ? r->tol_time_frac : 0.05,
		.tol_accuracy_um = r->tol_accuracy_um > 0 ? r->tol_accuracy_um : 0.05,
		.invocation = r->invocation,
	};
	int64_t id;
	uint32_t seq = 1;

	ck_assert_int_eq(db_run_begin(fix_db, &info, &id), 0);
	for (size_t i = 0; i < r->ncalib; i++) {
		bool failed = r->calib_failed && r->calib_failed[i];
		db_op op = { .seq = seq++, .kind = "calibrate", .t_ms = 0,
			     .z_request_um = NAN, .z_predicted_um = NAN, .z_found_um = NAN,
			     .mapping_error_um = r->calib_rms[i], .focus_error_um = NAN,
			     .lens_switch_ms = NAN, .focus_move_ms = NAN, .focus_search_ms = NAN,
			     .validation_ms = NAN, .total_ms = 500, .frames = 40,
			     .temperature_c = 22, .success = !failed,
			     .error = failed && r->calib_error ? r->calib_error : "" };

		ck_assert_int_eq(db_op_add(fix_db, id, &op), 0);
	}
	for (size_t i = 0; i < r->nops; i++) {
		const fix_op *o = &r->ops[i];
		db_op op = { .seq = seq++, .kind = "handoff", .t_ms = (double)i * 1000,
			     .from_lens = "A", .to_lens = "B", .z_request_um = 0,
			     .z_predicted_um = 4, .z_found_um = 4,
			     .mapping_error_um = o->mapping_error_um, .focus_error_um = o->focus_error_um,
			     .lens_switch_ms = o->lens_switch_ms, .focus_move_ms = o->focus_move_ms,
			     .focus_search_ms = o->focus_search_ms, .validation_ms = o->validation_ms,
			     .total_ms = o->total_ms, .frames = o->frames, .cache_hit = o->cache_hit,
			     .temperature_c = o->temperature_c, .success = o->success,
			     .error = o->error ? o->error : "" };

		ck_assert_int_eq(db_op_add(fix_db, id, &op), 0);
	}
	for (size_t i = 0; i < r->nautofocus; i++) {
		const fix_op *o = &r->autofocus[i];
		db_op op = { .seq = seq++, .kind = "autofocus", .t_ms = 1e6 + (double)i * 1000,
			     .to_lens = "B", .z_request_um = 0, .z_predicted_um = 0, .z_found_um = 0,
			     .mapping_error_um = NAN, .focus_error_um = o->focus_error_um,
			     .lens_switch_ms = NAN, .focus_move_ms = NAN, .focus_search_ms = NAN,
			     .validation_ms = NAN, .total_ms = o->total_ms, .frames = o->frames,
			     .temperature_c = NAN, .success = o->success,
			     .error = o->error ? o->error : "" };

		ck_assert_int_eq(db_op_add(fix_db, id, &op), 0);
	}
	for (size_t i = 0; i < r->nsamples; i++)
		ck_assert_int_eq(db_sample_add(fix_db, id, &r->samples[i]), 0);
	for (size_t i = 0; i < r->nevents; i++) {
		db_event e = { .t_ms = (double)i, .kind = r->event_kinds[i],
			       .detail = r->event_details ? r->event_details[i] : "injected" };

		ck_assert_int_eq(db_event_add(fix_db, id, &e), 0);
	}
	ck_assert_int_eq(db_run_finish(fix_db, id, "passed", r->trace_hash, r->message ? r->message : "",
				       1.0, 0.1, r->trace, r->ntrace), 0);
	if (r->status) {
		char sql[256];

		/* what the store does to a run whose writer died (db_open) */
		snprintf(sql, sizeof sql, "UPDATE runs SET status = '%s' WHERE id = %lld", r->status,
			 (long long)id);
		ck_assert_int_eq(sqlite3_exec(db_handle(fix_db), sql, NULL, NULL, NULL), SQLITE_OK);
	}
	return id;
}

/* A handoff whose phases are fixed fractions of its total. */
static fix_op fix_scaled(double total, double f_switch, double f_move, double f_search,
			 double f_valid)
{
	fix_op o = {
		.lens_switch_ms = f_switch * total, .focus_move_ms = f_move * total,
		.focus_search_ms = f_search * total, .validation_ms = f_valid * total,
		.total_ms = total, .mapping_error_um = 0.05, .focus_error_um = 0.02,
		.temperature_c = 22.0, .frames = 7, .cache_hit = true, .success = true,
	};
	return o;
}

/* --- a minimal JSON validator (RFC 8259 grammar, no semantics) ----------- */

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *js_number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static const char *js_seq(const char *p, char close, int depth, int object)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = js_string(js_ws(p));
			if (!p)
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = js_value(p, depth + 1);
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = js_ws(p);
	switch (*p) {
	case '{': return js_seq(p, '}', depth, 1);
	case '[': return js_seq(p, ']', depth, 0);
	case '"': return js_string(p);
	case 't': return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f': return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n': return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default: return js_number(p);
	}
}

static int json_valid(const char *s)
{
	const char *p = js_value(s, 0);

	return p && *js_ws(p) == '\0';
}

#endif /* TESTS_REPORT_FIX_H */
