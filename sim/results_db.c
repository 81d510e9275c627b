/*
 * results_db.c - the results sink that writes a run into the store (see
 * results_db.h).  Each callback first writes, then forwards: the next sink
 * sees exactly what it would see without the database.
 *
 * A failed write is kept (the first one) but the adapter goes on writing:
 * the store loses only the rows that failed, and what can be recorded is.
 * The run is then finished as "error" ("incomplete record: ..."), so that
 * it neither passes for complete nor stays `running` until the next open
 * marks it aborted.  The trace index is streamed into the store as the
 * run goes (db_trace_add): nothing of it is held here.
 */
#include "sim/results_db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/sha256.h"
#include "kernel/trace.h"

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fail(sim_results_db *a, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void fail(sim_results_db *a, const char *fmt, ...)
{
	va_list ap;

	if (a->failed)
		return;   /* the first failure is the one to report */
	a->failed = true;
	va_start(ap, fmt);
	vsnprintf(a->err, sizeof a->err, fmt, ap);
	va_end(ap);
}

/* SHA-256 of the file's bytes as hex; 0, or -1 with the reason in a->err. */
static int file_sha256(sim_results_db *a, const char *path, char hex[DB_SHA256_HEX])
{
	FILE *f = fopen(path, "rb");
	db_sha256 c;
	uint8_t buf[8192], dg[DB_SHA256_LEN];
	size_t k;
	int rc = 0;

	if (!f) {
		fail(a, "cannot read scenario '%s': %s", path, strerror(errno));
		return -1;
	}
	db_sha256_init(&c);
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		db_sha256_update(&c, buf, k);
	if (ferror(f)) {
		fail(a, "cannot read scenario '%s': read error", path);
		rc = -1;
	}
	fclose(f);
	db_sha256_final(&c, dg);
	db_sha256_to_hex(dg, hex);
	return rc;
}

static void on_begin(void *user, const sim_run_info *r)
{
	sim_results_db *a = user;
	char hex[DB_SHA256_HEX];
	db_run_info info;

	a->t0_s = wall_s();
	if (file_sha256(a, r->path, hex) == 0) {
		info.scenario = r->scenario;
		info.scenario_path = r->path;
		info.scenario_sha256 = hex;
		info.seed = r->seed;
		info.mode = r->mode;
		info.afsim_version = a->afsim_version;
		info.rig = r->rig && *r->rig ? r->rig : a->rig;
		info.invocation = a->invocation;
		info.tol_time_frac = r->tol_time_frac;
		info.tol_accuracy_um = r->tol_accuracy_um;
		if (db_run_begin(a->d, &info, &a->run_id) != 0) {
			a->run_id = 0;
			fail(a, "%s", db_errmsg(a->d));
		}
	}
	if (a->next && a->next->run_begin)
		a->next->run_begin(a->next_user, r);
}

/* Whether rows can be written: the run is recorded. */
static bool writing(const sim_results_db *a)
{
	return a->run_id > 0;
}

static void on_op(void *user, const sim_op_record *r)
{
	sim_results_db *a = user;

	if (writing(a)) {
		db_op o = {
			.seq = r->seq, .kind = r->kind, .t_ms = r->t_ms,
			.from_lens = r->from_lens, .to_lens = r->to_lens,
			.z_request_um = r->z_request_um, .z_predicted_um = r->z_predicted_um,
			.z_found_um = r->z_found_um, .mapping_error_um = r->mapping_error_um,
			.focus_error_um = r->focus_error_um, .lens_switch_ms = r->lens_switch_ms,
			.focus_move_ms = r->focus_move_ms, .focus_search_ms = r->focus_search_ms,
			.validation_ms = r->validation_ms, .total_ms = r->total_ms,
			.frames = r->frames, .cache_hit = r->cache_hit,
			.temperature_c = r->temperature_c, .success = r->success,
			.error = r->error ? r->error : "",
		};

		if (db_op_add(a->d, a->run_id, &o) != 0)
			fail(a, "%s", db_errmsg(a->d));
	}
	if (a->next && a->next->op)
		a->next->op(a->next_user, r);
}

static void on_sample(void *user, const sim_sample_record *r)
{
	sim_results_db *a = user;

	if (writing(a)) {
		db_sample s = { .op_seq = r->op_seq, .t_ms = r->t_ms, .lens = r->lens,
				.z_um = r->z_um, .focus_score = r->focus_score,
				.true_focus_um = r->true_focus_um, .temperature_c = r->temperature_c };

		if (db_sample_add(a->d, a->run_id, &s) != 0)
			fail(a, "%s", db_errmsg(a->d));
	}
	if (a->next && a->next->sample)
		a->next->sample(a->next_user, r);
}

static void on_event(void *user, const sim_event_record *r)
{
	sim_results_db *a = user;

	if (writing(a)) {
		db_event e = { .t_ms = r->t_ms, .kind = r->kind, .detail = r->detail };

		if (db_event_add(a->d, a->run_id, &e) != 0)
			fail(a, "%s", db_errmsg(a->d));
	}
	if (a->next && a->next->event)
		a->next->event(a->next_user, r);
}

static void on_expect(void *user, const sim_expect_record *r)
{
	sim_results_db *a = user;

	if (writing(a)) {
		db_expect x = { .metric = r->metric, .value = r->value, .op = r->op,
				.bound = r->bound, .passed = r->passed, .na = !r->applicable };

		if (db_expect_add(a->d, a->run_id, &x) != 0)
			fail(a, "%s", db_errmsg(a->d));
	}
	if (a->next && a->next->expectation)
		a->next->expectation(a->next_user, r);
}

static void on_trace_index(void *user, const sim_trace_entry *e, size_t n)
{
	sim_results_db *a = user;
	db_trace_rec buf[256];

	for (size_t i = 0; writing(a) && i < n;) {
		size_t k = 0;

		for (; k < sizeof buf / sizeof buf[0] && i < n; k++, i++)
			buf[k] = (db_trace_rec){ e[i].kind, e[i].t_ns, e[i].hash };
		if (db_trace_add(a->d, a->run_id, buf, k) != 0)
			fail(a, "%s", db_errmsg(a->d));
	}
	if (a->next && a->next->trace_index)
		a->next->trace_index(a->next_user, e, n);
}

static void on_end(void *user, const sim_run_end *r)
{
	sim_results_db *a = user;

	if (a->run_id > 0) {
		double wall = wall_s() - a->t0_s;
		char msg[SIM_RESULTS_DB_ERR + 32];
		int rc;

		if (a->failed) {
			/* the record misses rows: it must not pass for a complete run */
			snprintf(msg, sizeof msg, "incomplete record: %s", a->err);
			rc = db_run_finish(a->d, a->run_id, "error", r->trace_hash, msg, r->virtual_s,
					   wall, NULL, 0);
		} else {
			rc = db_run_finish(a->d, a->run_id, r->status, r->trace_hash, r->message,
					   r->virtual_s, wall, NULL, 0);
		}
		if (rc != 0) {
			fail(a, "%s", db_errmsg(a->d));
			/* when the finish itself failed, try to end the run as an
			 * error rather than leave it running (a run the store
			 * already recorded as an error refuses: nothing to do) */
			snprintf(msg, sizeof msg, "incomplete record: %s", a->err);
			(void)db_run_finish(a->d, a->run_id, "error", r->trace_hash, msg, r->virtual_s,
					    wall, NULL, 0);
		}
	}
	if (a->next && a->next->run_end)
		a->next->run_end(a->next_user, r);
}

const sim_results_ops sim_results_db_ops = {
	.run_begin = on_begin,
	.op = on_op,
	.sample = on_sample,
	.event = on_event,
	.expectation = on_expect,
	.run_end = on_end,
	.trace_index = on_trace_index,
};

void sim_results_db_init(sim_results_db *a, db *d, const char *afsim_version, const char *rig,
			 const sim_results_ops *next, void *next_user)
{
	memset(a, 0, sizeof *a);
	a->d = d;
	a->afsim_version = afsim_version ? afsim_version : "unknown";
	a->rig = rig ? rig : "sim:default";
	a->next = next;
	a->next_user = next_user;
}

const char *sim_results_db_error(const sim_results_db *a)
{
	return a->failed ? a->err : NULL;
}
