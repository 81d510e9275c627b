/*
 * metrics.c - run values and metric evaluation (metrics.h).
 *
 * Handoffs, autofocus operations and calibration RMS values are kept as a
 * db_opset, the results store's in-memory form of a run's operations, and
 * evaluated with its metric code (db_opset_metric): the definitions of
 * docs/statistics.md live there once.  The few values the store has no
 * column for (handoff retries; calibration max_um, order, backlash_um,
 * frames, ms, skipped_sites) are plain series summarised with the same estimators
 * (db_summary_of, db_summary_stat).  How every operation ended (its error
 * code) is a list of outcomes in run order, which the error metrics count.
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db/opset.h"
#include "db/stats.h"
#include "engine/af_hal.h"

typedef struct series {
	double *v;
	size_t n, cap;
} series;

/* The series of values the op set has no place for. */
enum {
	S_RETRIES, S_CAL_MAX, S_CAL_ORDER, S_CAL_BACKLASH, S_CAL_FRAMES, S_CAL_MS, S_CAL_SKIPPED,
	S_COUNT
};

static const struct {
	const char *op, *field;
} series_names[S_COUNT] = {
	{ "handoff", "retries" },
	{ "calibration", "max_um" },
	{ "calibration", "order" },
	{ "calibration", "backlash_um" },
	{ "calibration", "frames" },
	{ "calibration", "ms" },
	{ "calibration", "skipped_sites" },
};

/* The kinds of operation the error metrics count, by their metric name
 * and the runner's. */
enum { K_HANDOFF, K_AUTOFOCUS, K_CALIBRATION, K_COUNT };
static const char *const kind_metric[K_COUNT] = { "handoff", "autofocus", "calibration" };
static const char *const kind_runner[K_COUNT] = { "handoff", "autofocus", "calibrate" };

/* An error code a metric names: AF_ERRNO_MAP's but OK; ANY_ERROR: `any`. */
#define ANY_ERROR 1
/* A failed operation whose error names no known code. */
#define UNKNOWN_ERROR 2

static const struct {
	const char *name;
	int code;
} codes[] = {
#define CODE_(name, code, msg) { #name, code },
	AF_ERRNO_MAP(CODE_)
#undef CODE_
};

typedef struct outcome {
	uint32_t seq;
	int kind;          /* K_*, or -1 */
	int code;          /* 0 success, an AF_E* code, UNKNOWN_ERROR */
} outcome;

struct sim_metrics {
	db_opset ops;
	series s[S_COUNT];
	outcome *out;
	size_t nout, capout;
};

sim_metrics *sim_metrics_new(void)
{
	sim_metrics *m = calloc(1, sizeof *m);

	return m;
}

void sim_metrics_free(sim_metrics *m)
{
	if (!m)
		return;
	db_opset_release(&m->ops);
	for (int i = 0; i < S_COUNT; i++)
		free(m->s[i].v);
	free(m->out);
	free(m);
}

static int push(series *s, double v)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 64;
		double *nv;

		if (ncap > SIZE_MAX / sizeof *nv)
			return -1;
		nv = realloc(s->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = v;
	return 0;
}

/* The series op.field (field[0 .. flen)), or -1. */
static int series_of(const char *op, size_t oplen, const char *field, size_t flen)
{
	for (int i = 0; i < S_COUNT; i++)
		if (strlen(series_names[i].op) == oplen && strncmp(series_names[i].op, op, oplen) == 0 &&
		    strlen(series_names[i].field) == flen && strncmp(series_names[i].field, field, flen) == 0)
			return i;
	return -1;
}

int sim_metrics_add_handoff(sim_metrics *m, const sim_metrics_handoff *h)
{
	db_opset_handoff o = {
		.phase_ms = { h->lens_switch_ms, h->focus_move_ms, h->focus_search_ms,
			      h->validation_ms, h->total_ms },
		.mapping_error_um = h->mapping_error_um,
		.focus_error_um = h->focus_error_um,
		.temperature_c = NAN,
		.frames = h->frames,
		.success = h->success,
		.cache_hit = h->cache_hit,
	};

	if (db_opset_add_handoff(&m->ops, &o) != 0)
		return -1;
	/* retries, like the phases, over successful handoffs */
	if (h->success && !isnan(h->retries) && push(&m->s[S_RETRIES], h->retries) != 0)
		return -1;
	return 0;
}

void sim_metrics_attempt(sim_metrics *m, const char *op, bool success, bool cache_hit)
{
	if (strcmp(op, "handoff") == 0) {
		db_opset_handoff o = {
			.phase_ms = { NAN, NAN, NAN, NAN, NAN },
			.mapping_error_um = NAN, .focus_error_um = NAN, .temperature_c = NAN,
			.frames = NAN, .success = success, .cache_hit = cache_hit,
		};

		db_opset_add_handoff(&m->ops, &o);
	} else {
		db_opset_add_autofocus(&m->ops, NAN, NAN, NAN, success);
	}
}

/* The slot of the last handoff's field, a successful handoff added first
 * when none was attempted; NULL for a field the op set does not keep. */
static double *handoff_slot(sim_metrics *m, const char *field)
{
	static const char *const phases[DB_PHASE_COUNT] = {
		"lens_switch_ms", "focus_move_ms", "focus_search_ms", "validation_ms", "total_ms",
	};
	db_opset *s = &m->ops;
	size_t i;

	if (s->n == 0)
		sim_metrics_attempt(m, "handoff", true, false);
	if (s->n == 0)
		return NULL;
	i = s->n - 1;
	for (int p = 0; p < DB_PHASE_COUNT; p++)
		if (strcmp(field, phases[p]) == 0)
			return &s->phase_ms[p][i];
	if (strcmp(field, "mapping_error_um") == 0)
		return &s->mapping_error_um[i];
	if (strcmp(field, "focus_error_um") == 0)
		return &s->focus_error_um[i];
	if (strcmp(field, "frames") == 0)
		return &s->frames[i];
	return NULL;
}

static double *autofocus_slot(sim_metrics *m, const char *field)
{
	db_opset *s = &m->ops;

	if (s->naf == 0)
		sim_metrics_attempt(m, "autofocus", true, false);
	if (s->naf == 0)
		return NULL;
	if (strcmp(field, "ms") == 0)
		return &s->af_ms[s->naf - 1];
	if (strcmp(field, "focus_error_um") == 0)
		return &s->af_focus_um[s->naf - 1];
	if (strcmp(field, "frames") == 0)
		return &s->af_frames[s->naf - 1];
	return NULL;
}

int sim_metrics_add(sim_metrics *m, const char *op, const char *field, double v)
{
	int k = series_of(op, strlen(op), field, strlen(field));
	double *slot = NULL;

	if (k >= 0)
		return push(&m->s[k], v);
	if (strcmp(op, "calibration") == 0 && strcmp(field, "rms_um") == 0)
		return db_opset_add_calibration(&m->ops, v, true);
	if (strcmp(op, "handoff") == 0)
		slot = handoff_slot(m, field);
	else if (strcmp(op, "autofocus") == 0)
		slot = autofocus_slot(m, field);
	if (!slot)
		return -1;
	*slot = v;
	return 0;
}

/* --- errors ---------------------------------------------------------------- */

/* The code named name[0 .. n) (not OK), ANY_ERROR for "any", or 0. */
static int code_of(const char *name, size_t n)
{
	if (n == 3 && strncmp(name, "any", 3) == 0)
		return ANY_ERROR;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code != 0 && strlen(codes[i].name) == n && strncmp(codes[i].name, name, n) == 0)
			return codes[i].code;
	return 0;
}

int sim_metrics_add_outcome(sim_metrics *m, uint32_t seq, const char *kind, bool success,
			    const char *error)
{
	outcome o = { seq, -1, 0 };

	for (int k = 0; k < K_COUNT; k++)
		if (kind && strcmp(kind, kind_runner[k]) == 0)
			o.kind = k;
	if (!success) {
		const char *colon = error ? strchr(error, ':') : NULL;
		int c = colon ? code_of(error, (size_t)(colon - error)) : 0;

		o.code = c < 0 ? c : UNKNOWN_ERROR;
	}
	if (m->nout == m->capout) {
		size_t ncap = m->capout ? 2 * m->capout : 64;
		outcome *n;

		if (ncap > SIZE_MAX / sizeof *n)
			return -1;
		n = realloc(m->out, ncap * sizeof *n);
		if (!n)
			return -1;
		m->out = n;
		m->capout = ncap;
	}
	m->out[m->nout++] = o;
	return 0;
}

/* An error metric: "<kind>.errors.<CODE>" (*seq 0) or
 * "op.<N>.errors.<CODE>" (*seq N, *kind -1).  0, or -1 when name is none. */
static int parse_errors(const char *name, int *kind, uint32_t *seq, int *code)
{
	static const char tail[] = ".errors.";
	const char *t = strstr(name, tail), *code_name;
	size_t head;

	if (!t)
		return -1;
	head = (size_t)(t - name);
	code_name = t + sizeof tail - 1;
	*code = code_of(code_name, strlen(code_name));
	if (*code == 0)
		return -1;
	*kind = -1;
	*seq = 0;
	if (head > 3 && strncmp(name, "op.", 3) == 0) {
		uint64_t v = 0;

		/* N: decimal digits, no leading zero, 1 .. 2^32 - 1 */
		if (name[3] == '0')
			return -1;
		for (const char *c = name + 3; c < t; c++) {
			if (*c < '0' || *c > '9' || v > UINT32_MAX / 10)
				return -1;
			v = v * 10 + (uint64_t)(*c - '0');
		}
		if (v == 0 || v > UINT32_MAX)
			return -1;
		*seq = (uint32_t)v;
		return 0;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (strlen(kind_metric[k]) == head && strncmp(name, kind_metric[k], head) == 0) {
			*kind = k;
			return 0;
		}
	return -1;
}

static bool outcome_matches(const outcome *o, int code)
{
	return o->code != 0 && (code == ANY_ERROR || o->code == code);
}

static int eval_errors(const sim_metrics *m, int kind, uint32_t seq, int code, double *value)
{
	size_t n = 0;

	if (seq) {
		for (size_t i = 0; i < m->nout; i++)
			if (m->out[i].seq == seq) {
				*value = outcome_matches(&m->out[i], code) ? 1.0 : 0.0;
				return 0;
			}
		return 1;
	}
	for (size_t i = 0; i < m->nout; i++)
		n += m->out[i].kind == kind && outcome_matches(&m->out[i], code);
	*value = (double)n;
	return 0;
}

/* Split "op.field[.stat]" for the plain series: 0 with the series and
 * the statistic (-1: none), or -1. */
static int split_series(const char *name, int *k, int *stat)
{
	const char *d1 = strchr(name, '.'), *d2;
	db_stat st;

	if (!d1)
		return -1;
	d2 = strchr(d1 + 1, '.');
	*k = series_of(name, (size_t)(d1 - name), d1 + 1,
		       d2 ? (size_t)(d2 - d1 - 1) : strlen(d1 + 1));
	if (*k < 0)
		return -1;
	*stat = -1;
	if (d2) {
		if (db_stat_parse(d2 + 1, strlen(d2 + 1), &st) != 0)
			return -1;
		*stat = (int)st;
	}
	return 0;
}

bool sim_metric_known(const char *name)
{
	db_metric dm;
	int k, st, code;
	uint32_t seq;

	return db_metric_parse(name, &dm) == 0 || split_series(name, &k, &st) == 0 ||
	       parse_errors(name, &k, &seq, &code) == 0;
}

int sim_metrics_eval(const sim_metrics *m, const char *metric, double *value)
{
	db_metric dm;
	db_summary d;
	const series *s;
	double *buf;
	int k, st, rc, code;
	uint32_t seq;

	*value = NAN;
	if (db_metric_parse(metric, &dm) == 0)
		return db_opset_metric(&m->ops, &dm, value);
	if (parse_errors(metric, &k, &seq, &code) == 0)
		return eval_errors(m, k, seq, code, value);
	if (split_series(metric, &k, &st) != 0)
		return -1;
	s = &m->s[k];
	if (st < 0) {
		if (!s->n)
			return 1;
		*value = s->v[s->n - 1];
		return 0;
	}
	buf = malloc((s->n ? s->n : 1) * sizeof *buf);
	if (!buf)
		return -1;
	rc = db_summary_of(s->v, s->n, buf, &d);
	free(buf);
	if (rc != 0)
		return -1;
	*value = db_summary_stat(&d, (db_stat)st);
	if (st == DB_STAT_COUNT)
		return 0;
	return isnan(*value) ? 1 : 0;
}
