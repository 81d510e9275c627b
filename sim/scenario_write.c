/*
 * scenario_write.c - a loaded scenario back to YAML (scenario_write.h).
 *
 * `rig:` and `engine:` are written by walking the loader's own tables
 * (sim_scn_rig, sim_scn_engine, and the tables they point to) over the
 * scenario and over the defaults side by side: a field is written when its
 * bytes differ from the default's, a mapping when any field under it
 * does.  Three keys of those tables are not plain values: the stage's and
 * the switcher's `profile` (a stage of the piezo kind is written as
 * `profile: piezo`, a nosepiece as `profile: turret`, and compared with
 * that profile's defaults from there on, as the loader applies the
 * profile before the other keys) and the engine's `overlap` (one switch
 * for every level).  The rest of the file - environment, faults,
 * steps, expect, tolerances - has one writer each, below.
 *
 * Numbers: the shortest %.Ng (N = 1..17) that strtod reads back to the
 * same bits, which the loader's strict syntax accepts ("1e-05", "-0").  A
 * fault's time is kept in integer nanoseconds: its at_s is the shortest
 * text that the loader rounds back to the same count.
 *
 * Output goes to a memory stream (open_memstream); its failure is checked
 * once at the end.
 */
#include "sim/scenario_write.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario_impl.h"

typedef struct writer {
	FILE *f;
	char *err;
	size_t errlen;
	bool failed;        /* an error was set (the first one wins) */
	const mdl_truth_config *truth;   /* the rig's pins, or NULL */
} writer;

__attribute__((format(printf, 2, 3)))
static int werr(writer *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->failed && w->err && w->errlen) {
		va_start(ap, fmt);
		vsnprintf(w->err, w->errlen, fmt, ap);
		va_end(ap);
	}
	w->failed = true;
	return -1;
}

__attribute__((format(printf, 2, 3)))
static void put(writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
}

static bool reads_back(const char *text, double v)
{
	double back = strtod(text, NULL);

	return memcmp(&back, &v, sizeof v) == 0;
}

/* The shortest text of v that reads back to the same double; plain
 * decimals (60, 0.001) rather than an exponent between 1e-5 and 1e16. */
static const char *num(char buf[40], double v)
{
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, 40, "%.*g", p, v);
		if (reads_back(buf, v))
			break;
	}
	if (strchr(buf, 'e') && fabs(v) >= 1e-5 && fabs(v) < 1e16)
		for (int d = 0; d <= 20; d++) {
			char fixed[40];

			snprintf(fixed, sizeof fixed, "%.*f", d, v);
			if (reads_back(fixed, v)) {
				memcpy(buf, fixed, strlen(fixed) + 1);
				break;
			}
		}
	return buf;
}

static bool same_bytes(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

/* A string as a YAML double-quoted scalar on one line. */
static void quoted(writer *w, const char *s)
{
	put(w, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			put(w, "\\%c", *c);
		else if (*c == '\n')
			put(w, "\\n");
		else if (*c == '\t')
			put(w, "\\t");
		else if (*c < 0x20 || *c == 0x7f)
			put(w, "\\x%02x", *c);
		else
			put(w, "%c", *c);
	}
	put(w, "\"");
}

static const char *enum_text(const sim_scn_enum *e, int v)
{
	if (v < 0 || v >= e->count)
		return NULL;
	return e->names ? e->names[v] : e->name(v);
}

/* --- rig: and engine:, from the loader's tables ---------------------------------- */

static bool map_differs(const sim_scn_schema *sc, const char *obj, const char *def);

static bool is_stage(const sim_scn_schema *sc, const sim_scn_field *f)
{
	return sc == &sim_scn_rig && strcmp(f->key, "stage") == 0;
}

static bool is_turret(const sim_scn_schema *sc, const sim_scn_field *f)
{
	return sc == &sim_scn_rig && strcmp(f->key, "turret") == 0;
}

/* A key whose values are read against a profile: the stage, the
 * switcher. */
static bool is_profiled(const sim_scn_schema *sc, const sim_scn_field *f)
{
	return is_stage(sc, f) || is_turret(sc, f);
}

static bool is_overlap(const sim_scn_schema *sc, const sim_scn_field *f)
{
	return sc == &sim_scn_engine && strcmp(f->key, "overlap") == 0;
}

/* A stage or a switcher, read against its profile. */
typedef union profiled {
	mdl_stage_config stage;
	mdl_turret_config turret;
} profiled;

/* The defaults the keys of a (a stage or a switcher, f says which) are
 * read against: its profile's, in *base; whether its profile differs from
 * that of d (the default's); the profile's name, or NULL for the default
 * profile. */
static const char *profile_base(const sim_scn_schema *sc, const sim_scn_field *f, const char *a,
				const char *d, profiled *base, bool *other)
{
	if (is_stage(sc, f)) {
		const mdl_stage_config *c = (const void *)a, *dc = (const void *)d;

		*other = c->kind != dc->kind;
		if (c->kind == MDL_STAGE_PIEZO) {
			mdl_stage_config_piezo(&base->stage);
			return "piezo";
		}
		mdl_stage_config_default(&base->stage);
		return NULL;
	} else {
		const mdl_turret_config *c = (const void *)a, *dc = (const void *)d;

		*other = c->kind != dc->kind;
		if (c->kind == MDL_TURRET_NOSEPIECE) {
			mdl_turret_config_turret(&base->turret);
			return "turret";
		}
		mdl_turret_config_default(&base->turret);
		return NULL;
	}
}

static bool field_differs(const sim_scn_schema *sc, const sim_scn_field *f, const char *obj,
			  const char *def)
{
	const char *a = obj + f->off, *b = def + f->off;

	if (is_profiled(sc, f)) {
		profiled base;
		bool other;

		(void)profile_base(sc, f, a, b, &base, &other);
		return other || map_differs(f->sub, a, (const char *)&base);
	}
	if (is_overlap(sc, f)) {
		const af_engine_config *c = (const void *)obj, *d = (const void *)def;

		return !same_bytes(c->overlap, d->overlap, sizeof c->overlap);
	}
	switch (f->type) {
	case SIM_SCN_DOUBLE: return !same_bytes(a, b, sizeof(double));
	case SIM_SCN_U32: return !same_bytes(a, b, sizeof(uint32_t));
	case SIM_SCN_U64: return !same_bytes(a, b, sizeof(uint64_t));
	case SIM_SCN_SIZE: return !same_bytes(a, b, sizeof(size_t));
	case SIM_SCN_BOOL: return *(const bool *)(const void *)a != *(const bool *)(const void *)b;
	case SIM_SCN_ENUM: return !same_bytes(a, b, sizeof(int));
	case SIM_SCN_MAP: return map_differs(f->sub, a, b);
	case SIM_SCN_CUSTOM:
	case SIM_SCN_SKIP: return false;
	}
	return false;
}

static bool map_differs(const sim_scn_schema *sc, const char *obj, const char *def)
{
	for (size_t i = 0; i < sc->n; i++)
		if (field_differs(sc, &sc->fields[i], obj, def))
			return true;
	return false;
}

static void write_map(writer *w, const sim_scn_schema *sc, const char *obj, const char *def,
		      int indent, const char *where);

/* `overlap:` - one switch for all levels, or nothing the file can say. */
static void write_overlap(writer *w, const af_engine_config *c, int indent)
{
	for (int l = 1; l < AF_LEVEL_COUNT; l++)
		if (c->overlap[l] != c->overlap[0]) {
			werr(w, "engine.overlap differs between the levels (%s %s, %s %s), which no "
				"scenario key expresses", af_level_name(AF_LEVEL_ULTRA_FAST),
			     c->overlap[0] ? "on" : "off", af_level_name((af_level)l),
			     c->overlap[l] ? "on" : "off");
			return;
		}
	put(w, "%*soverlap: %s\n", indent, "", c->overlap[0] ? "true" : "false");
}

/*
 * Whether the value at where.key was pinned (models/truth.h): a key the
 * scenario wrote that names a drawn parameter, which must be written
 * again even when it equals the default, or the reloaded scenario would
 * draw it.  where "rig" and a section as key: any key of that section.
 */
static bool pinned_here(const writer *w, const char *where, const char *key)
{
	if (!w->truth || !w->truth->pinned)
		return false;
	for (size_t i = 0; i < mdl_truth_count(); i++) {
		const mdl_truth_param *p = mdl_truth_param_at(i);

		if (!mdl_truth_pinned(w->truth, (int)i))
			continue;
		if (strcmp(where, "rig") == 0 && strcmp(p->section, key) == 0)
			return true;
		if (strncmp(where, "rig.", 4) == 0 && strcmp(where + 4, p->section) == 0 &&
		    strcmp(p->key, key) == 0)
			return true;
	}
	return false;
}

static void write_field(writer *w, const sim_scn_schema *sc, const sim_scn_field *f,
			const char *obj, const char *def, int indent, const char *where)
{
	const char *a = obj + f->off;
	char buf[40], child[SIM_SCN_WHERE_MAX];

	if (!field_differs(sc, f, obj, def) && !pinned_here(w, where, f->key))
		return;
	sim_scn_child(child, sizeof child, where, f->key);
	if (is_profiled(sc, f)) {
		profiled base;
		bool other;
		const char *profile = profile_base(sc, f, a, def + f->off, &base, &other);

		put(w, "%*s%s:\n", indent, "", f->key);
		if (profile)
			put(w, "%*sprofile: %s\n", indent + 2, "", profile);
		write_map(w, f->sub, a, (const char *)&base, indent + 2, child);
		return;
	}
	if (is_overlap(sc, f)) {
		write_overlap(w, (const af_engine_config *)(const void *)obj, indent);
		return;
	}
	switch (f->type) {
	case SIM_SCN_DOUBLE:
		put(w, "%*s%s: %s\n", indent, "", f->key, num(buf, *(const double *)(const void *)a));
		break;
	case SIM_SCN_U32:
		put(w, "%*s%s: %u\n", indent, "", f->key, (unsigned)*(const uint32_t *)(const void *)a);
		break;
	case SIM_SCN_U64:
		put(w, "%*s%s: %llu\n", indent, "", f->key,
		    (unsigned long long)*(const uint64_t *)(const void *)a);
		break;
	case SIM_SCN_SIZE:
		put(w, "%*s%s: %zu\n", indent, "", f->key, *(const size_t *)(const void *)a);
		break;
	case SIM_SCN_BOOL:
		put(w, "%*s%s: %s\n", indent, "", f->key,
		    *(const bool *)(const void *)a ? "true" : "false");
		break;
	case SIM_SCN_ENUM: {
		int v = *(const int *)(const void *)a;
		const char *name = enum_text(f->sub, v);

		if (!name)
			werr(w, "%s has the value %d, which is no %s", child, v,
			     ((const sim_scn_enum *)f->sub)->noun);
		else
			put(w, "%*s%s: %s\n", indent, "", f->key, name);
		break;
	}
	case SIM_SCN_MAP:
		put(w, "%*s%s:\n", indent, "", f->key);
		write_map(w, f->sub, a, def + f->off, indent + 2, child);
		break;
	case SIM_SCN_CUSTOM:
	case SIM_SCN_SKIP:
		werr(w, "%s cannot be written (a key the writer does not know)", child);
		break;
	}
}

static void write_map(writer *w, const sim_scn_schema *sc, const char *obj, const char *def,
		      int indent, const char *where)
{
	for (size_t i = 0; i < sc->n; i++)
		write_field(w, sc, &sc->fields[i], obj, def, indent, where);
}

/* --- what differs, value by value (for afsim shrink) ----------------------------- */

_Static_assert(sizeof(mdl_stage_config) <= SIM_SCN_DIFF_MAX, "a stage is one value of a diff");
_Static_assert(sizeof(mdl_turret_config) <= SIM_SCN_DIFF_MAX, "a switcher is one value of a diff");

static size_t leaf_size(const sim_scn_field *f)
{
	switch (f->type) {
	case SIM_SCN_DOUBLE: return sizeof(double);
	case SIM_SCN_U32: return sizeof(uint32_t);
	case SIM_SCN_U64: return sizeof(uint64_t);
	case SIM_SCN_SIZE: return sizeof(size_t);
	case SIM_SCN_BOOL: return sizeof(bool);
	case SIM_SCN_ENUM: return sizeof(int);
	default: return 0;
	}
}

typedef struct diff_walk {
	void (*fn)(void *user, const sim_scn_diff *d);
	void *user;
	const char *top;       /* the object the offsets count from */
} diff_walk;

static void diff_emit(diff_walk *dw, const char *where, const char *at, const void *def,
		      size_t size)
{
	sim_scn_diff d;

	snprintf(d.where, sizeof d.where, "%s", where);
	d.off = (size_t)(at - dw->top);
	d.size = size;
	memcpy(d.def, def, size);
	dw->fn(dw->user, &d);
}

static void diff_map(diff_walk *dw, const sim_scn_schema *sc, const char *obj, const char *def,
		     const char *where)
{
	for (size_t i = 0; i < sc->n; i++) {
		const sim_scn_field *f = &sc->fields[i];
		char child[SIM_SCN_WHERE_MAX];

		if (!field_differs(sc, f, obj, def))
			continue;
		sim_scn_child(child, sizeof child, where, f->key);
		if (is_profiled(sc, f)) {
			profiled base;
			bool other;

			(void)profile_base(sc, f, obj + f->off, def + f->off, &base, &other);
			if (other) {
				diff_emit(dw, child, obj + f->off, def + f->off,
					  is_stage(sc, f) ? sizeof base.stage : sizeof base.turret);
				continue;
			}
			diff_map(dw, f->sub, obj + f->off, (const char *)&base, child);
		} else if (is_overlap(sc, f)) {
			const af_engine_config *d = (const void *)def;

			diff_emit(dw, child, obj + offsetof(af_engine_config, overlap), d->overlap,
				  sizeof d->overlap);
		} else if (f->type == SIM_SCN_MAP) {
			diff_map(dw, f->sub, obj + f->off, def + f->off, child);
		} else if (leaf_size(f)) {
			diff_emit(dw, child, obj + f->off, def + f->off, leaf_size(f));
		}
	}
}

void sim_scn_diff_each(const sim_scn_schema *sc, const void *obj, const void *def,
		       const char *where, void (*fn)(void *user, const sim_scn_diff *d),
		       void *user)
{
	diff_walk dw = { fn, user, obj };

	diff_map(&dw, sc, obj, def, where);
}

/* --- the rest of the file ------------------------------------------------------- */

static void write_environment(writer *w, const sim_scenario *s, const char *trace_csv)
{
	const mdl_room_profile *r = &s->room;
	mdl_room_profile d;
	char a[40], b[40], c[40];

	mdl_room_profile_default(&d);
	if (r->kind == MDL_ROOM_CONSTANT && same_bytes(&r->constant_c, &d.constant_c, sizeof d.constant_c))
		return;
	put(w, "environment:\n  temperature:\n");
	switch (r->kind) {
	case MDL_ROOM_CONSTANT:
		put(w, "    constant_c: %s\n", num(a, r->constant_c));
		break;
	case MDL_ROOM_RAMP:
		put(w, "    ramp: {from_c: %s, to_c: %s, over_s: %s", num(a, r->from_c), num(b, r->to_c),
		    num(c, r->over_s));
		if (!same_bytes(&r->start_s, &d.start_s, sizeof d.start_s))
			put(w, ", start_s: %s", num(a, r->start_s));
		put(w, "}\n");
		break;
	case MDL_ROOM_SINE:
		put(w, "    sine: {mean_c: %s, amplitude_c: %s, period_s: %s}\n", num(a, r->mean_c),
		    num(b, r->amplitude_c), num(c, r->period_s));
		break;
	case MDL_ROOM_STEPS:
		put(w, "    steps:\n");
		for (size_t i = 0; i < s->n_room_points; i++)
			put(w, "      - {at_s: %s, c: %s}\n", num(a, s->room_points[i].t_s),
			    num(b, s->room_points[i].temp_c));
		break;
	case MDL_ROOM_TRACE:
		if (!trace_csv) {
			werr(w, "the scenario's temperature is a trace: the file needs a CSV path for it");
			return;
		}
		put(w, "    trace: ");
		quoted(w, trace_csv);
		put(w, "\n");
		break;
	}
}

/* at_s as the loader will round it: llround(at_s * 1e9) == ns. */
static const char *at_s_text(char buf[40], int64_t ns)
{
	double v = (double)ns / 1e9;

	for (int p = 1; p <= 17; p++) {
		snprintf(buf, 40, "%.*g", p, v);
		if (llround(strtod(buf, NULL) * 1e9) == ns)
			break;
	}
	return buf;
}

static void write_faults(writer *w, const sim_scenario *s)
{
	char a[40];

	if (!s->n_faults)
		return;
	put(w, "faults:\n");
	for (size_t i = 0; i < s->n_faults; i++) {
		const sim_fault *f = &s->faults[i];
		const char *kind = sim_fault_name(f->kind);
		const double zero = 0.0;

		if (!kind) {
			werr(w, "faults[%zu] has the kind %d, which is no fault kind", i + 1, (int)f->kind);
			return;
		}
		if (sim_fault_check(f)) {
			werr(w, "faults[%zu]: %s", i + 1, sim_fault_check(f));
			return;
		}
		put(w, "  - {kind: %s", kind);
		if (f->at_ns >= 0)
			put(w, ", at_s: %s", at_s_text(a, f->at_ns));
		if (f->at_op >= 0)
			put(w, ", at_op: %lld", (long long)f->at_op);
		if (!same_bytes(&f->duration_ms, &zero, sizeof zero))
			put(w, ", duration_ms: %s", num(a, f->duration_ms));
		if (f->count)
			put(w, ", count: %u", (unsigned)f->count);
		if (!same_bytes(&f->delta_c, &zero, sizeof zero))
			put(w, ", delta_c: %s", num(a, f->delta_c));
		if (!same_bytes(&f->duration_s, &zero, sizeof zero))
			put(w, ", duration_s: %s", num(a, f->duration_s));
		if (!same_bytes(&f->factor, &zero, sizeof zero))
			put(w, ", factor: %s", num(a, f->factor));
		if (f->kind == SIM_FAULT_HAL_ERROR) {
			put(w, ", op: %s, code: %s", sim_hal_op_name(f->hal_op), af_err_name(f->code));
			if (f->at_call)
				put(w, ", at_call: %u", (unsigned)f->at_call);
			if (f->every_nth)
				put(w, ", every_nth: %u", (unsigned)f->every_nth);
		}
		put(w, "}\n");
	}
}

static void value_text(writer *w, const sim_value *v)
{
	char a[40], b[40];

	if (v->uniform)
		put(w, "{uniform: [%s, %s]}", num(a, v->lo), num(b, v->hi));
	else
		put(w, "%s", num(a, v->value));
}

/* ", key: value" when the step's double differs from its default. */
static void step_double(writer *w, bool *first, const char *key, double v, double d)
{
	char a[40];

	if (same_bytes(&v, &d, sizeof v))
		return;
	put(w, "%s%s: %s", *first ? "" : ", ", key, num(a, v));
	*first = false;
}

static void write_step(writer *w, const sim_step *st)
{
	sim_step d;
	bool first = true;
	char a[40];

	sim_scn_step_defaults(&d);
	switch (st->kind) {
	case SIM_STEP_CALIBRATE:
		put(w, "  - calibrate: {");
		if (st->points != d.points) {
			put(w, "points: %u", (unsigned)st->points);
			first = false;
		}
		step_double(w, &first, "from_um", st->from_um, d.from_um);
		step_double(w, &first, "to_um", st->to_um, d.to_um);
		if (st->passes != d.passes) {
			put(w, "%spasses: %u", first ? "" : ", ", (unsigned)st->passes);
			first = false;
		}
		if (st->measure_backlash != d.measure_backlash)
			put(w, "%smeasure_backlash: %s", first ? "" : ", ",
			    st->measure_backlash ? "true" : "false");
		put(w, "}\n");
		break;
	case SIM_STEP_HANDOFF:
		put(w, "  - handoff: {from: %s, to: %s, z_um: ", af_lens_name(st->from),
		    af_lens_name(st->to));
		value_text(w, &st->z_um);
		if (st->repeat != d.repeat)
			put(w, ", repeat: %u", (unsigned)st->repeat);
		first = false;
		step_double(w, &first, "interval_s", st->interval_s, d.interval_s);
		put(w, "}\n");
		break;
	case SIM_STEP_AUTOFOCUS:
		put(w, "  - autofocus: {lens: %s, near_um: ", af_lens_name(st->lens));
		value_text(w, &st->near_um);
		put(w, "}\n");
		break;
	case SIM_STEP_WAIT:
		put(w, "  - wait: {s: %s}\n", num(a, st->wait_s));
		break;
	default:
		werr(w, "a step of kind %d, which is no step kind", (int)st->kind);
	}
}

static void write_expect(writer *w, const sim_scenario *s)
{
	char a[40], b[40];

	if (!s->n_expects)
		return;
	put(w, "expect:\n");
	for (size_t i = 0; i < s->n_expects; i++) {
		const sim_expect *e = &s->expects[i];

		if (e->has_min && e->has_max)
			put(w, "  %s: {min: %s, max: %s}\n", e->metric, num(a, e->min), num(b, e->max));
		else if (e->has_min)
			put(w, "  %s: {min: %s}\n", e->metric, num(a, e->min));
		else
			put(w, "  %s: {max: %s}\n", e->metric, num(a, e->max));
	}
}

static void write_tolerances(writer *w, const sim_scenario *s)
{
	const double d = 0.05;
	bool t = !same_bytes(&s->tol_time_frac, &d, sizeof d);
	bool a = !same_bytes(&s->tol_accuracy_um, &d, sizeof d);
	char x[40], y[40];

	if (t && a)
		put(w, "tolerances: {time_frac: %s, accuracy_um: %s}\n", num(x, s->tol_time_frac),
		    num(y, s->tol_accuracy_um));
	else if (t)
		put(w, "tolerances: {time_frac: %s}\n", num(x, s->tol_time_frac));
	else if (a)
		put(w, "tolerances: {accuracy_um: %s}\n", num(y, s->tol_accuracy_um));
}

static void write_comment(writer *w, const char *comment)
{
	const char *p = comment;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		put(w, n ? "# %.*s\n" : "#\n", (int)n, p);
		p = nl ? nl + 1 : p + n;
	}
}

int sim_scenario_format(const sim_scenario *s, const char *comment, const char *trace_csv,
			char **text, size_t *len, char *err, size_t errlen)
{
	writer w = { NULL, err, errlen, false, &s->rig.truth };
	mdl_rig rig;
	af_engine_config eng;
	char *buf = NULL;
	size_t n = 0;

	*text = NULL;
	*len = 0;
	if (!(w.f = open_memstream(&buf, &n)))
		return werr(&w, "cannot write the scenario: %s", strerror(errno));
	mdl_rig_default(&rig);
	af_engine_config_default(&eng);
	write_comment(&w, comment);
	put(&w, "scenario: ");
	quoted(&w, s->name);
	put(&w, "\n");
	if (s->description && *s->description) {
		put(&w, "description: ");
		quoted(&w, s->description);
		put(&w, "\n");
	}
	put(&w, "seed: %llu\n", (unsigned long long)s->seed);
	if (map_differs(&sim_scn_rig, (const char *)&s->rig, (const char *)&rig) ||
	    s->rig.truth.pinned) {
		put(&w, "rig:\n");
		write_map(&w, &sim_scn_rig, (const char *)&s->rig, (const char *)&rig, 2, "rig");
	}
	if (map_differs(&sim_scn_engine, (const char *)&s->engine, (const char *)&eng)) {
		put(&w, "engine:\n");
		write_map(&w, &sim_scn_engine, (const char *)&s->engine, (const char *)&eng, 2, "engine");
	}
	write_environment(&w, s, trace_csv);
	write_faults(&w, s);
	put(&w, "steps:\n");
	for (size_t i = 0; i < s->n_steps; i++)
		write_step(&w, &s->steps[i]);
	write_expect(&w, s);
	write_tolerances(&w, s);
	if (ferror(w.f) && !w.failed)
		werr(&w, "cannot write the scenario: out of memory");
	if (fclose(w.f) != 0 && !w.failed)
		werr(&w, "cannot write the scenario: out of memory");
	if (w.failed) {
		free(buf);
		return -1;
	}
	*text = buf;
	*len = n;
	return 0;
}

int sim_room_trace_format(const mdl_room_point *points, size_t n, char **text, size_t *len)
{
	char *buf = NULL, a[40], b[40];
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	int bad;

	*text = NULL;
	*len = 0;
	if (!f)
		return -1;
	fprintf(f, "t_s,temperature_c\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s,%s\n", num(a, points[i].t_s), num(b, points[i].temp_c));
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return -1;
	}
	*text = buf;
	*len = blen;
	return 0;
}

/* Write text to path through a temporary file renamed into place. */
static int write_whole(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 16);
	FILE *f = NULL;
	int fd;

	if (!tmp) {
		snprintf(err, errlen, "cannot write '%s': out of memory", path);
		return -1;
	}
	memcpy(tmp, path, pl);
	memcpy(tmp + pl, ".tmp-XXXXXX", 12);
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int sim_scenario_write_file(const sim_scenario *s, const char *path, const char *comment,
			    char *err, size_t errlen)
{
	char *yaml = NULL, *csv = NULL, *csv_path = NULL;
	const char *base;
	size_t ylen, clen, stem;
	int rc = -1;

	if (s->room.kind == MDL_ROOM_TRACE) {
		stem = strlen(path);
		if (stem > 5 && strcmp(path + stem - 5, ".yaml") == 0)
			stem -= 5;
		else if (stem > 4 && strcmp(path + stem - 4, ".yml") == 0)
			stem -= 4;
		if (!(csv_path = malloc(stem + 11))) {
			snprintf(err, errlen, "cannot write '%s': out of memory", path);
			return -1;
		}
		memcpy(csv_path, path, stem);
		memcpy(csv_path + stem, ".temps.csv", 11);
		base = strrchr(csv_path, '/');
		base = base ? base + 1 : csv_path;
		if (sim_room_trace_format(s->room_points, s->n_room_points, &csv, &clen) != 0) {
			snprintf(err, errlen, "cannot write '%s': out of memory", csv_path);
			goto out;
		}
		if (write_whole(csv_path, csv, clen, err, errlen) != 0)
			goto out;
	} else {
		base = NULL;
	}
	if (sim_scenario_format(s, comment, base, &yaml, &ylen, err, errlen) != 0 ||
	    write_whole(path, yaml, ylen, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	free(yaml);
	free(csv);
	free(csv_path);
	return rc;
}
