/*
 * scenario_schema.c - the keys of a scenario file outside `rig:` and
 * `engine:` (scenario_rig.c): the top level, environment, faults, steps
 * and expect, with the handlers of the keys that are more than a value
 * (names, sequences, {uniform: [lo, hi]}, exactly-one-of choices), and
 * the defaults a scenario starts from.  scenarios/README.md documents
 * every key; keep the two in step.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/metrics.h"
#include "sim/scenario_impl.h"

/* Enum fields are written as int by the walker. */
_Static_assert(sizeof(af_lens) == sizeof(int), "af_lens is not int-sized");
_Static_assert(sizeof(sim_fault_kind) == sizeof(int), "sim_fault_kind is not int-sized");

/* Positions a handoff or autofocus may name, um (the stage's travel is
 * +/-500 by default). */
#define Z_LIMIT_UM 1000.0
/* Longest wait, fault time: 1e7 s is 116 days of virtual time. */
#define TIME_LIMIT_S 1e7
/*
 * Most simulated time the steps of one scenario may declare (waits and the
 * intervals between a handoff's repeats), s: 2e9 s is about 63 years.  The
 * virtual clock counts int64 nanoseconds, which overflow at 9.2e9 s; the
 * bound keeps every declared sum far below that, with room for the few
 * seconds each operation itself takes.  Each step's own time is at most
 * (100000 - 1) x 1e7 s, so the sum of doubles is exact enough to compare.
 */
#define TOTAL_TIME_LIMIT_S 2e9
#define TOTAL_TIME_LIMIT_TEXT "2e9 s (about 63 years)"

static const char *fault_name(int i) { return sim_fault_name((sim_fault_kind)i); }
static const sim_scn_enum e_fault = { "fault kind", NULL, fault_name, SIM_FAULT_ALL_COUNT };

/* ---- helpers ---- */

/* The mark of key's value in map, or of map when key is absent. */
static yaml_mark_t mark_of(const sim_scn_walker *w, yaml_node_t *map, const char *key)
{
	yaml_node_t *v = sim_scn_find(w, map, key, NULL);

	return v ? v->start_mark : map->start_mark;
}


/* A sequence node (or null: no items); -1 for anything else. */
static int items(sim_scn_walker *w, yaml_node_t *v, const char *where, const char *expected,
		 yaml_node_item_t **first, size_t *n)
{
	if (sim_scn_null(w, v)) {
		*first = NULL;
		*n = 0;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return sim_scn_fail(w, v->start_mark, "%s is %s, expected %s", where, sim_scn_kind(v),
				    expected);
	*first = v->data.sequence.items.start;
	*n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	return 0;
}

static void *alloc_items(sim_scn_walker *w, yaml_node_t *v, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		sim_scn_fail(w, v->start_mark, "out of memory");
	return p;
}

/* ---- environment ---- */

static const sim_scn_field ramp_fields[] = {
	DBL("from_c", mdl_room_profile, from_c, SIM_SCN_TEMP_MIN_C, SIM_SCN_TEMP_MAX_C, REQ),
	DBL("to_c", mdl_room_profile, to_c, SIM_SCN_TEMP_MIN_C, SIM_SCN_TEMP_MAX_C, REQ),
	DBL("over_s", mdl_room_profile, over_s, 0, 1e9, REQ),
	DBL("start_s", mdl_room_profile, start_s, 0, 1e9, 0),
};
SCHEMA(ramp_schema, ramp_fields, NULL, NULL);

static const sim_scn_field sine_fields[] = {
	DBL("mean_c", mdl_room_profile, mean_c, SIM_SCN_TEMP_MIN_C, SIM_SCN_TEMP_MAX_C, REQ),
	DBL("amplitude_c", mdl_room_profile, amplitude_c, 0, 50, REQ),
	DBL("period_s", mdl_room_profile, period_s, 0, 1e9, REQ | LO),
};
SCHEMA(sine_schema, sine_fields, NULL, NULL);

static const sim_scn_field point_fields[] = {
	DBL("at_s", mdl_room_point, t_s, 0, 1e9, REQ),
	DBL("c", mdl_room_point, temp_c, SIM_SCN_TEMP_MIN_C, SIM_SCN_TEMP_MAX_C, REQ),
};
SCHEMA(point_schema, point_fields, NULL, NULL);

static int room_steps_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
			 const char *where)
{
	sim_scenario *s = obj;
	yaml_node_item_t *it;
	char child[SIM_SCN_WHERE_MAX];
	size_t n;

	(void)f;
	if (items(w, v, where, "a sequence of {at_s, c}", &it, &n))
		return -1;
	if (n == 0)
		return sim_scn_fail(w, v->start_mark, "%s is empty, expected at least one {at_s, c}",
				    where);
	if (!(s->room_points = alloc_items(w, v, n, sizeof *s->room_points)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = sim_scn_node(w, it[i]);
		mdl_room_point *p = &s->room_points[i];

		snprintf(child, sizeof child, "%s[%zu]", where, i + 1);
		if (sim_scn_walk(w, item, &point_schema, p, child))
			return -1;
		s->n_room_points = i + 1;
		if (i > 0 && !(p->t_s > p[-1].t_s))
			return sim_scn_fail(w, mark_of(w, item, "at_s"),
					    "at_s %g is not after the previous step's %g, expected steps in increasing at_s order",
					    p->t_s, p[-1].t_s);
	}
	s->room.points = s->room_points;
	s->room.n_points = s->n_room_points;
	return 0;
}

static int room_trace_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
			 const char *where)
{
	sim_scenario *s = obj;
	const char *rel, *slash;
	char *full, *text, why[128];
	size_t dir, len, n;
	mdl_room_point *pts;
	int rc;

	(void)f;
	if (!(rel = sim_scn_text(w, v, where, "the path of a CSV file")))
		return -1;
	if (!*rel)
		return sim_scn_fail(w, v->start_mark, "%s is empty, expected the path of a CSV file",
				    where);
	/* Relative to the scenario's directory, so a suite can move as one. */
	slash = rel[0] == '/' ? NULL : strrchr(w->path, '/');
	dir = slash ? (size_t)(slash - w->path) + 1 : 0;
	if (!(full = malloc(dir + strlen(rel) + 1)))
		return sim_scn_fail(w, v->start_mark, "out of memory");
	memcpy(full, w->path, dir);
	strcpy(full + dir, rel);
	if ((rc = sim_scn_read_file(full, SIM_SCN_TRACE_MAX, &text, &len, why, sizeof why)) != 0) {
		if (rc == -1)
			rc = sim_scn_fail(w, v->start_mark,
					  "cannot open temperature trace '%s': %s, expected a readable CSV file",
					  full, why);
		else
			rc = sim_scn_fail(w, v->start_mark, "temperature trace '%s' is %s", full, why);
		free(full);
		return rc;
	}
	rc = sim_room_trace_parse(full, text, len, &pts, &n, w->err, w->errlen);
	free(text);
	free(full);
	if (rc)
		return -1;
	s->room_points = pts;
	s->n_room_points = n;
	s->room.points = pts;
	s->room.n_points = n;
	return 0;
}

/* Field order = the order of the kinds these keys select (post hook). */
static const sim_scn_field temperature_fields[] = {
	DBL("constant_c", sim_scenario, room.constant_c, SIM_SCN_TEMP_MIN_C, SIM_SCN_TEMP_MAX_C, 0),
	MAP("ramp", offsetof(sim_scenario, room), ramp_schema),
	FN("steps", 0, room_steps_fn, 0, 0, 0),
	MAP("sine", offsetof(sim_scenario, room), sine_schema),
	FN("trace", 0, room_trace_fn, 0, 0, 0),
};
static const mdl_room_kind temperature_kinds[] = { MDL_ROOM_CONSTANT, MDL_ROOM_RAMP,
	MDL_ROOM_STEPS, MDL_ROOM_SINE, MDL_ROOM_TRACE };

/* Exactly one profile: checked before any is read, so that two of them
 * never both fill room_points. */
static int temperature_pre(sim_scn_walker *w, yaml_node_t *map, void *obj, const char *where)
{
	const char *first = NULL;
	unsigned seen = 0;

	(void)obj;
	if (map->type != YAML_MAPPING_NODE)
		return 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = sim_scn_node(w, p->key);
		const char *key = sim_scn_scalar(k);

		for (unsigned i = 0; key && i < 5; i++) {
			if (strcmp(key, temperature_fields[i].key) != 0 || (seen & (1u << i)))
				continue;
			if (first)
				return sim_scn_fail(w, k->start_mark,
						    "'%s' and '%s' both given in %s, expected exactly one of: constant_c, ramp, steps, sine or trace",
						    first, key, where);
			first = temperature_fields[i].key;
			seen |= 1u << i;
		}
	}
	return 0;
}

static int temperature_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
			    const char *where)
{
	sim_scenario *s = obj;
	size_t i;

	for (i = 0; i < 5 && !(seen & (UINT64_C(1) << i)); i++)
		;
	if (i == 5)
		return sim_scn_fail(w, map->start_mark,
				    "%s has no profile, expected exactly one of: constant_c, ramp, steps, sine or trace",
				    where);
	s->room.kind = temperature_kinds[i];
	if (mdl_room_profile_check(&s->room) != MDL_OK)
		return sim_scn_fail(w, map->start_mark,
				    "%s profile is inconsistent, expected values within scenarios/README.md's ranges",
				    where);
	return 0;
}
SCHEMA(temperature_schema, temperature_fields, temperature_pre, temperature_post);

static const sim_scn_field environment_fields[] = {
	MAP("temperature", 0, temperature_schema),
};
SCHEMA(environment_schema, environment_fields, NULL, NULL);

/* ---- faults ---- */

static int at_s_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		   const char *where)
{
	sim_fault *ft = obj;
	double s;

	if (sim_scn_double(w, v, f->lo, f->hi, f->flags, where, &s))
		return -1;
	ft->at_ns = (int64_t)llround(s * 1e9);
	return 0;
}

static int at_op_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		    const char *where)
{
	sim_fault *ft = obj;
	uint64_t op;

	if (sim_scn_uint(w, v, f->lo, f->hi, f->flags, where, &op))
		return -1;
	ft->at_op = (int64_t)op;
	return 0;
}

/* af_err codes -1, -2, ... by index (the table's codes are contiguous). */
#define ERR_COUNT_(name, code, msg) +1
enum { N_ERR_CODES = (0 AF_ERRNO_MAP(ERR_COUNT_)) - 1 };
#undef ERR_COUNT_
static const char *err_code_name(int i) { return af_err_name(-(i + 1)); }
static const sim_scn_enum e_err_code = { "error code", NULL, err_code_name, N_ERR_CODES };
static const char *hal_op_name(int i) { return sim_hal_op_name(i); }
static const sim_scn_enum e_hal_op = { "HAL op", NULL, hal_op_name, SIM_HAL_OP_COUNT };

static int code_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		   const char *where)
{
	sim_fault *ft = obj;
	int i;

	(void)f;
	if (sim_scn_enum_value(w, v, &e_err_code, where, &i))
		return -1;
	ft->code = -(i + 1);
	return 0;
}

/* The keys of fault_fields, in table order: bit i of `seen` is key i. */
static const char *const fault_keys[] = {
	"kind", "at_s", "at_op", "duration_ms", "count", "delta_c", "duration_s", "factor",
	"op", "code", "at_call", "every_nth",
};
enum {
	F_AT_S = 1u << 1, F_AT_OP = 1u << 2, F_DURATION_MS = 1u << 3, F_DELTA_C = 1u << 5,
	F_DURATION_S = 1u << 6, F_FACTOR = 1u << 7, F_OP = 1u << 8, F_CODE = 1u << 9,
	F_AT_CALL = 1u << 10, F_EVERY_NTH = 1u << 11,
};

/* Of the keys in bits present in map, the last in the file (the one that
 * makes a pair): its key node, its name in *key. */
static yaml_node_t *last_key_of(sim_scn_walker *w, yaml_node_t *map, uint64_t bits,
				const char **key)
{
	yaml_node_t *last = NULL, *v = NULL;

	for (size_t i = 0; i < sizeof fault_keys / sizeof fault_keys[0]; i++)
		if ((bits & (1u << i)) && sim_scn_find(w, map, fault_keys[i], &v) && v &&
		    (!last || v->start_mark.index > last->start_mark.index)) {
			last = v;
			*key = fault_keys[i];
		}
	return last;
}

/* Exactly one of the two keys in bits: 0, else the error. */
static int one_of(sim_scn_walker *w, yaml_node_t *map, uint64_t seen, uint64_t bits,
		  const char *where)
{
	const char *names[2] = { NULL, NULL }, *key = NULL;
	size_t n = 0;

	for (size_t i = 0; i < sizeof fault_keys / sizeof fault_keys[0] && n < 2; i++)
		if (bits & (1u << i))
			names[n++] = fault_keys[i];
	if (!(seen & bits))
		return sim_scn_fail(w, map->start_mark,
				    "missing required key '%s' or '%s' in %s, expected exactly one of them",
				    names[0], names[1], where);
	if ((seen & bits) == bits)
		return sim_scn_fail(w, last_key_of(w, map, bits, &key)->start_mark,
				    "both %s and %s in %s, expected exactly one of them", names[0],
				    names[1], where);
	return 0;
}

/* hal_error: op, code, exactly one of at_call and every_nth; the keys of
 * the other kinds are not its own, and its keys not theirs. */
static int hal_error_post(sim_scn_walker *w, yaml_node_t *map, const sim_fault *ft,
			  uint64_t seen, const char *where)
{
	const uint64_t own = F_OP | F_CODE | F_AT_CALL | F_EVERY_NTH;
	const char *key = NULL;
	yaml_node_t *v;

	if (ft->kind != SIM_FAULT_HAL_ERROR) {
		if ((v = last_key_of(w, map, seen & own, &key)))
			return sim_scn_fail(w, v->start_mark,
					    "'%s' in %s is a key of hal_error faults only", key, where);
		return 0;
	}
	if ((v = last_key_of(w, map, seen & (F_DURATION_MS | F_DELTA_C | F_DURATION_S | F_FACTOR),
			     &key)))
		return sim_scn_fail(w, v->start_mark, "'%s' in %s is not a key of hal_error faults",
				    key, where);
	if (!(seen & F_OP) || !(seen & F_CODE))
		return sim_scn_fail(w, map->start_mark, "missing required key '%s' in %s (a hal_error fault)",
				    !(seen & F_OP) ? "op" : "code", where);
	return one_of(w, map, seen, F_AT_CALL | F_EVERY_NTH, where);
}

static int fault_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		      const char *where)
{
	sim_fault *ft = obj;

	if (hal_error_post(w, map, ft, seen, where))
		return -1;
	/* a hal_error fault without a time is armed from the start */
	if (ft->kind == SIM_FAULT_HAL_ERROR && !(seen & (F_AT_S | F_AT_OP))) {
		ft->at_ns = 0;
		return 0;
	}
	return one_of(w, map, seen, F_AT_S | F_AT_OP, where);
}

static const sim_scn_field fault_fields[] = {
	ENUM("kind", sim_fault, kind, e_fault, REQ),
	FN("at_s", 0, at_s_fn, 0, TIME_LIMIT_S, 0),
	FN("at_op", 0, at_op_fn, 1, 1e12, 0),
	DBL("duration_ms", sim_fault, duration_ms, 0, 1e9, 0),
	U32("count", sim_fault, count, 0, 1e6, 0),
	DBL("delta_c", sim_fault, delta_c, -100, 100, 0),
	DBL("duration_s", sim_fault, duration_s, 0, TIME_LIMIT_S, 0),
	DBL("factor", sim_fault, factor, 0, 1e6, 0),
	ENUM("op", sim_fault, hal_op, e_hal_op, 0),
	FN("code", 0, code_fn, 0, 0, 0),
	U32("at_call", sim_fault, at_call, 1, 1e9, 0),
	U32("every_nth", sim_fault, every_nth, 1, 1e9, 0),
};
_Static_assert(sizeof fault_keys / sizeof fault_keys[0] ==
	       sizeof fault_fields / sizeof fault_fields[0], "one key name per fault field");
SCHEMA(fault_schema, fault_fields, NULL, fault_post);

static int faults_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		     const char *where)
{
	sim_scenario *s = obj;
	yaml_node_item_t *it;
	char child[SIM_SCN_WHERE_MAX];
	size_t n;

	(void)f;
	if (items(w, v, where, "a sequence of faults", &it, &n))
		return -1;
	if (!(s->faults = alloc_items(w, v, n, sizeof *s->faults)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		sim_fault *ft = &s->faults[i];

		ft->at_ns = -1;
		ft->at_op = -1;
		snprintf(child, sizeof child, "%s[%zu]", where, i + 1);
		if (sim_scn_walk(w, sim_scn_node(w, it[i]), &fault_schema, ft, child))
			return -1;
		s->n_faults = i + 1;
	}
	return 0;
}

/* ---- steps ---- */

/* z_um: a number or {uniform: [lo, hi]}. */
static int uniform_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		      const char *where)
{
	sim_value *val = obj;
	yaml_node_item_t *it;
	yaml_node_t *hi;
	size_t n;

	(void)f;
	if (items(w, v, where, "a sequence [lo, hi]", &it, &n))
		return -1;
	if (n != 2)
		return sim_scn_fail(w, v->start_mark, "%s has %zu items, expected 2: [lo, hi]", where, n);
	hi = sim_scn_node(w, it[1]);
	if (sim_scn_double(w, sim_scn_node(w, it[0]), -Z_LIMIT_UM, Z_LIMIT_UM, 0, where, &val->lo) ||
	    sim_scn_double(w, hi, -Z_LIMIT_UM, Z_LIMIT_UM, 0, where, &val->hi))
		return -1;
	if (!(val->lo < val->hi))
		return sim_scn_fail(w, hi->start_mark,
				    "uniform [%g, %g] is empty, expected lo < hi", val->lo, val->hi);
	val->uniform = true;
	return 0;
}

static const sim_scn_field uniform_fields[] = {
	FN("uniform", 0, uniform_fn, 0, 0, REQ),
};
SCHEMA(uniform_schema, uniform_fields, NULL, NULL);

static int value_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		    const char *where)
{
	sim_value *val = (sim_value *)(void *)((char *)obj + f->off);

	memset(val, 0, sizeof *val);
	if (v->type == YAML_MAPPING_NODE)
		return sim_scn_walk(w, v, &uniform_schema, val, where);
	if (v->type == YAML_SEQUENCE_NODE)
		return sim_scn_fail(w, v->start_mark,
				    "%s is a sequence, expected a number or {uniform: [lo, hi]}", where);
	return sim_scn_double(w, v, f->lo, f->hi, f->flags, where, &val->value);
}

static int calibrate_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
			  const char *where)
{
	const sim_step *st = obj;

	(void)seen;
	if (!(st->from_um < st->to_um))
		return sim_scn_fail(w, mark_of(w, map, sim_scn_find(w, map, "to_um", NULL) ? "to_um" : "from_um"),
				    "from_um %g is not below to_um %g in %s, expected from_um < to_um",
				    st->from_um, st->to_um, where);
	return 0;
}

static const sim_scn_field calibrate_fields[] = {
	U32("points", sim_step, points, 2, AF_FIT_MAX_POINTS, 0),
	DBL("from_um", sim_step, from_um, -Z_LIMIT_UM, Z_LIMIT_UM, 0),
	DBL("to_um", sim_step, to_um, -Z_LIMIT_UM, Z_LIMIT_UM, 0),
	U32("passes", sim_step, passes, 1, 16, 0),
	BOOL("measure_backlash", sim_step, measure_backlash),
};
SCHEMA(calibrate_schema, calibrate_fields, NULL, calibrate_post);

static int handoff_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
			const char *where)
{
	const sim_step *st = obj;

	(void)seen;
	if (st->from == st->to)
		return sim_scn_fail(w, mark_of(w, map, sim_scn_find(w, map, "to", NULL) ? "to" : "from"),
				    "handoff from %s to %s in %s, expected two different lenses",
				    af_lens_name(st->from), af_lens_name(st->to), where);
	return 0;
}

static const sim_scn_field handoff_fields[] = {
	ENUM("from", sim_step, from, sim_scn_lens, 0),
	ENUM("to", sim_step, to, sim_scn_lens, 0),
	FN("z_um", offsetof(sim_step, z_um), value_fn, -Z_LIMIT_UM, Z_LIMIT_UM, REQ),
	U32("repeat", sim_step, repeat, 1, 100000, 0),
	DBL("interval_s", sim_step, interval_s, 0, TIME_LIMIT_S, 0),
};
SCHEMA(handoff_schema, handoff_fields, NULL, handoff_post);

static const sim_scn_field autofocus_fields[] = {
	ENUM("lens", sim_step, lens, sim_scn_lens, 0),
	FN("near_um", offsetof(sim_step, near_um), value_fn, -Z_LIMIT_UM, Z_LIMIT_UM, REQ),
};
SCHEMA(autofocus_schema, autofocus_fields, NULL, NULL);

static const sim_scn_field wait_fields[] = {
	DBL("s", sim_step, wait_s, 0, TIME_LIMIT_S, REQ | LO),
};
SCHEMA(wait_schema, wait_fields, NULL, NULL);

/* Index = sim_step_kind. */
static const char *const step_names[] = { "calibrate", "handoff", "autofocus", "wait" };
static const sim_scn_schema *const step_schemas[] = { &calibrate_schema, &handoff_schema,
	&autofocus_schema, &wait_schema };
#define STEP_KINDS "calibrate, handoff, autofocus or wait"

void sim_scn_step_defaults(sim_step *st)
{
	memset(st, 0, sizeof *st);
	st->points = 11;
	st->from_um = -8.0;
	st->to_um = 8.0;
	st->passes = 2;
	st->measure_backlash = true;
	st->from = AF_LENS_A;
	st->to = AF_LENS_B;
	st->repeat = 1;
	st->lens = AF_LENS_B;
}

/* The simulated time a step declares, s: a wait, or the intervals between
 * a handoff's repeats (the first runs at once). */
static double step_time_s(const sim_step *st)
{
	switch (st->kind) {
	case SIM_STEP_WAIT:
		return st->wait_s;
	case SIM_STEP_HANDOFF:
		return (double)(st->repeat - 1) * st->interval_s;
	default:
		return 0.0;
	}
}

static int steps_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		    const char *where)
{
	sim_scenario *s = obj;
	yaml_node_item_t *it;
	char child[SIM_SCN_WHERE_MAX], q[64];
	double total_s = 0.0;
	size_t n;

	(void)f;
	if (items(w, v, where, "a sequence of steps", &it, &n))
		return -1;
	if (n == 0)
		return sim_scn_fail(w, v->start_mark, "%s is empty, expected at least one step: %s",
				    where, STEP_KINDS);
	if (!(s->steps = alloc_items(w, v, n, sizeof *s->steps)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = sim_scn_node(w, it[i]), *k;
		sim_step *st = &s->steps[i];
		yaml_node_pair_t *pairs;
		const char *key;
		size_t kind, np;

		sim_scn_step_defaults(st);
		st->line = (int)item->start_mark.line + 1;
		snprintf(child, sizeof child, "%s[%zu]", where, i + 1);
		if (item->type != YAML_MAPPING_NODE)
			return sim_scn_fail(w, item->start_mark, "%s is %s, expected a step: %s", child,
					    sim_scn_kind(item), STEP_KINDS);
		pairs = item->data.mapping.pairs.start;
		np = (size_t)(item->data.mapping.pairs.top - pairs);
		if (np == 0)
			return sim_scn_fail(w, item->start_mark, "%s is empty, expected a step: %s",
					    child, STEP_KINDS);
		if (np > 1)
			return sim_scn_fail(w, sim_scn_node(w, pairs[1].key)->start_mark,
					    "%s has more than one key, expected exactly one of: %s", child,
					    STEP_KINDS);
		k = sim_scn_node(w, pairs[0].key);
		if (!(key = sim_scn_scalar(k)))
			return sim_scn_fail(w, k->start_mark, "%s as a key in %s, expected a step: %s",
					    sim_scn_kind(k), child, STEP_KINDS);
		for (kind = 0; kind < 4 && strcmp(key, step_names[kind]) != 0; kind++)
			;
		if (kind == 4)
			return sim_scn_fail(w, k->start_mark, "unknown step %s, expected one of: %s",
					    sim_scn_quote(q, sizeof q, key), STEP_KINDS);
		st->kind = (sim_step_kind)kind;
		snprintf(child, sizeof child, "%s[%zu].%s", where, i + 1, key);
		if (sim_scn_walk(w, sim_scn_node(w, pairs[0].value), step_schemas[kind], st, child))
			return -1;
		s->n_steps = i + 1;
		total_s += step_time_s(st);
		if (total_s > TOTAL_TIME_LIMIT_S)
			return sim_scn_fail(w, item->start_mark,
					    "%s brings the simulated time of the steps to %.15g s, expected at most " TOTAL_TIME_LIMIT_TEXT " in all",
					    child, total_s);
	}
	return 0;
}

/* ---- expect ---- */

static int bound_post(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		      const char *where)
{
	sim_expect *e = obj;

	e->has_min = (seen & 1) != 0;
	e->has_max = (seen & 2) != 0;
	if (!seen)
		return sim_scn_fail(w, map->start_mark, "%s has no bound, expected {min: x} and/or {max: y}",
				    where);
	if (e->has_min && e->has_max && !(e->min <= e->max))
		return sim_scn_fail(w, mark_of(w, map, "max"),
				    "max %g is below min %g in %s, expected min <= max", e->max, e->min,
				    where);
	return 0;
}

static const sim_scn_field bound_fields[] = {
	DBL("min", sim_expect, min, 0, 0, ANY),
	DBL("max", sim_expect, max, 0, 0, ANY),
};
SCHEMA(bound_schema, bound_fields, NULL, bound_post);

static int expect_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		     const char *where)
{
	sim_scenario *s = obj;
	char child[SIM_SCN_WHERE_MAX], q[64];
	yaml_node_pair_t *pairs;
	size_t n;

	(void)f;
	if (sim_scn_null(w, v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return sim_scn_fail(w, v->start_mark, "%s is %s, expected a mapping of metric: bounds",
				    where, sim_scn_kind(v));
	pairs = v->data.mapping.pairs.start;
	n = (size_t)(v->data.mapping.pairs.top - pairs);
	if (!(s->expects = alloc_items(w, v, n, sizeof *s->expects)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = sim_scn_node(w, pairs[i].key);
		const char *name = sim_scn_scalar(k);
		sim_expect *e = &s->expects[i];

		if (!name)
			return sim_scn_fail(w, k->start_mark, "%s as a key in %s, expected a metric name",
					    sim_scn_kind(k), where);
		if (strlen(name) >= SIM_METRIC_MAX || !sim_metric_known(name))
			return sim_scn_fail(w, k->start_mark,
					    "unknown metric %s, expected <op>.<field>.<statistic> (statistics: count mean min max p50 p95 p99 std), <op>.<field>, <op>.errors.<CODE>, op.<N>.errors.<CODE>, handoff.success_rate, autofocus.success_rate or cache.hit_rate",
					    sim_scn_quote(q, sizeof q, name));
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->expects[j].metric, name) == 0)
				return sim_scn_fail(w, k->start_mark, "duplicate key %s in %s",
						    sim_scn_quote(q, sizeof q, name), where);
		memcpy(e->metric, name, strlen(name) + 1);
		e->line = (int)k->start_mark.line + 1;
		e->col = (int)k->start_mark.column + 1;
		if (sim_scn_walk(w, sim_scn_node(w, pairs[i].value), &bound_schema, e,
				 sim_scn_child(child, sizeof child, where, name)))
			return -1;
		s->n_expects = i + 1;
	}
	return 0;
}

/* ---- top level ---- */

static int name_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
		   const char *where)
{
	sim_scenario *s = obj;
	const char *t;
	char q[64];
	size_t n;

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "a name of a-z, 0-9, '_' and '-'")))
		return -1;
	n = strlen(t);
	if (n == 0 || n >= SIM_NAME_MAX || strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return sim_scn_fail(w, v->start_mark,
				    "%s is not a valid scenario name, expected 1 to %d characters of a-z, 0-9, '_' and '-'",
				    sim_scn_quote(q, sizeof q, t), SIM_NAME_MAX - 1);
	memcpy(s->name, t, n + 1);
	return 0;
}

static int description_fn(sim_scn_walker *w, yaml_node_t *v, void *obj, const sim_scn_field *f,
			  const char *where)
{
	sim_scenario *s = obj;
	const char *t;
	char *d;

	(void)f;
	if (!(t = sim_scn_text(w, v, where, "a string")))
		return -1;
	if (!(d = malloc(strlen(t) + 1)))
		return sim_scn_fail(w, v->start_mark, "out of memory");
	memcpy(d, t, strlen(t) + 1);
	free(s->description);
	s->description = d;
	return 0;
}

static const sim_scn_field tolerances_fields[] = {
	DBL("time_frac", sim_scenario, tol_time_frac, 0, 100, 0),
	DBL("accuracy_um", sim_scenario, tol_accuracy_um, 0, 1000, 0),
};
SCHEMA(tolerances_schema, tolerances_fields, NULL, NULL);

static const sim_scn_field top_fields[] = {
	FN("scenario", 0, name_fn, 0, 0, REQ),
	FN("description", 0, description_fn, 0, 0, 0),
	U64("seed", sim_scenario, seed),
	MAP("rig", offsetof(sim_scenario, rig), sim_scn_rig),
	MAP("engine", offsetof(sim_scenario, engine), sim_scn_engine),
	MAP("environment", 0, environment_schema),
	FN("faults", 0, faults_fn, 0, 0, 0),
	FN("steps", 0, steps_fn, 0, 0, REQ),
	FN("expect", 0, expect_fn, 0, 0, 0),
	MAP("tolerances", 0, tolerances_schema),
};
const sim_scn_schema sim_scn_top = { top_fields, sizeof top_fields / sizeof top_fields[0], NULL,
	NULL };

int sim_scn_init(sim_scenario *s)
{
	memset(s, 0, sizeof *s);
	s->seed = 1;
	mdl_rig_default(&s->rig);
	mdl_room_profile_default(&s->room);
	af_engine_config_default(&s->engine);
	s->tol_time_frac = 0.05;
	s->tol_accuracy_um = 0.05;
	s->description = calloc(1, 1);
	return s->description ? 0 : -1;
}
