/*
 * scenario_impl.h - the inside of the scenario loader, shared by its files
 * and the writer, and included by nothing else.
 *
 * Files: scenario.c (the public entry points: the libyaml driver, files,
 * temperature traces), scenario_walk.c (the walker, strict scalars,
 * messages), scenario_rig.c (the rig and engine tables), scenario_schema.c
 * (the top level, environment, faults, steps, expect), and
 * scenario_write.c (a loaded scenario back to YAML, from the same tables).
 *
 * A schema is a table of keys.  The walker takes a mapping node and an
 * object, and for every pair looks the key up in the table (an unknown key
 * and a key seen twice are errors at the key's mark), converts the value
 * the way the entry says (a range-checked number, integer, boolean or
 * name, a nested mapping, or a handler) and stores it at the entry's offset
 * in the object.  Then it reports the first required key that is missing
 * (at the mapping's mark) and runs the schema's post hook, which sees the
 * keys present as a bit set.  Every error goes through sim_scn_fail(): the
 * first error ends the walk, and the walker returns -1 up to the driver,
 * which frees the document, the parser and the partly built scenario.
 */
#ifndef SIM_SCENARIO_IMPL_H
#define SIM_SCENARIO_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "sim/scenario.h"

/* Largest scenario (or other YAML) file, bytes: 1 MiB, far beyond any
 * hand-written scenario (the library's largest is a few KiB). */
#define SIM_SCN_FILE_MAX ((size_t)1 << 20)
/* Deepest nesting of mappings and sequences a YAML file may have (a
 * scenario needs 6); checked before the document is built. */
#define SIM_SCN_DEPTH_MAX 64
/* Largest temperature trace, bytes (about ten million lines). */
#define SIM_SCN_TRACE_MAX ((size_t)256 << 20)
/* Room temperatures a profile or trace may name, C. */
#define SIM_SCN_TEMP_MIN_C (-50.0)
#define SIM_SCN_TEMP_MAX_C 100.0
/* Longest dotted key path in messages ("engine.search.lens_b.fast.points"). */
#define SIM_SCN_WHERE_MAX 128

typedef struct sim_scn_walker {
	const char *path;        /* the file as named in messages */
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	/* Start offsets (mark index) of the scalars written with an explicit
	 * tag, ascending.  The document API gives `!!str 5` and a plain `5`
	 * the same tag; the events of the first pass tell them apart. */
	const size_t *tagged;
	size_t n_tagged;
} sim_scn_walker;

enum sim_scn_type {
	SIM_SCN_DOUBLE,   /* double, [lo, hi] */
	SIM_SCN_U32,      /* uint32_t, integer in [lo, hi] */
	SIM_SCN_U64,      /* uint64_t, any non-negative integer */
	SIM_SCN_SIZE,     /* size_t, integer in [lo, hi] */
	SIM_SCN_BOOL,     /* bool: true or false */
	SIM_SCN_ENUM,     /* int (an enum), one of the names of sub */
	SIM_SCN_MAP,      /* a nested mapping: schema sub on obj + off */
	SIM_SCN_CUSTOM,   /* fn(walker, value, obj, field, where) */
	SIM_SCN_SKIP,     /* known key handled by the schema's pre hook */
};

/* Field flags. */
#define SIM_SCN_REQ 1u       /* required */
#define SIM_SCN_LO_OPEN 2u   /* lo excluded */
#define SIM_SCN_HI_OPEN 4u   /* hi excluded */
#define SIM_SCN_ANY 8u       /* any finite number (lo, hi unused) */
#define SIM_SCN_ODD 16u      /* integers: odd only */
#define SIM_SCN_ZERO_OK 32u  /* integers: 0 besides [lo, hi] */

/* Names of an enum, index = value: names[] or name(i). */
typedef struct sim_scn_enum {
	const char *noun;              /* "optimization": "'x' is not a valid <noun>" */
	const char *const *names;
	const char *(*name)(int i);
	int count;
} sim_scn_enum;

struct sim_scn_field;
typedef int (*sim_scn_fn)(sim_scn_walker *w, yaml_node_t *value, void *obj,
			  const struct sim_scn_field *f, const char *where);

typedef struct sim_scn_field {
	const char *key;
	enum sim_scn_type type;
	size_t off;               /* where the value goes in the object */
	double lo, hi;            /* numbers and integers */
	unsigned flags;
	const void *sub;          /* MAP: const sim_scn_schema *; ENUM: const sim_scn_enum * */
	sim_scn_fn fn;            /* CUSTOM */
} sim_scn_field;

typedef struct sim_scn_schema {
	const sim_scn_field *fields;
	size_t n;                 /* <= 64 */
	/* Before the pairs (a profile that must apply before the other keys);
	 * after them, with the set of keys present (bit i: fields[i]). */
	int (*pre)(sim_scn_walker *w, yaml_node_t *map, void *obj, const char *where);
	int (*post)(sim_scn_walker *w, yaml_node_t *map, void *obj, uint64_t seen,
		    const char *where);
} sim_scn_schema;

/* "path:line:col: error: " + the message (line, col as given); -1. */
int sim_scn_errf(char *err, size_t errlen, const char *path, size_t line, size_t col,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same at mark m (0-based, printed +1); returns -1. */
int sim_scn_fail(sim_scn_walker *w, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The node at a document index (never NULL for indices libyaml made). */
yaml_node_t *sim_scn_node(const sim_scn_walker *w, int index);
/* The text of a scalar node, NUL-terminated; NULL for other nodes. */
const char *sim_scn_scalar(const yaml_node_t *n);
/* True for an empty plain scalar (`key:` with nothing after it): null,
 * which the walker takes as an empty mapping.  Blind to tags: the walker
 * and the handlers ask sim_scn_null(), for which `key: !!str` is an empty
 * string, not null. */
bool sim_scn_is_null(const yaml_node_t *n);
bool sim_scn_null(const sim_scn_walker *w, const yaml_node_t *n);
/*
 * The text of a scalar that should be a string (a name, a path, a
 * description): untagged (plain or quoted) or tagged !!str.  NULL after
 * setting the error ("X is a mapping, expected <expected>", "tagged !!int
 * '5' is an integer, expected <expected>") for anything else.
 */
const char *sim_scn_text(sim_scn_walker *w, yaml_node_t *n, const char *where,
			 const char *expected);
/*
 * Explicit tags, checked on the events before the document is built: a
 * scalar may carry !!str (or the non-specific "!"), !!int, !!float, !!bool
 * or !!null, a mapping !!map, a sequence !!seq, a key !!str only; any
 * other tag (a custom !tag, !!binary, !!timestamp ...) is an error.
 * 0, or -1 and the error at mark m.  kind: the event's node type.
 */
int sim_scn_check_tag(sim_scn_walker *w, const char *tag, yaml_node_type_t kind, bool key,
		      yaml_mark_t m);
/* "a mapping", "a sequence", "a scalar". */
const char *sim_scn_kind(const yaml_node_t *n);
/* s quoted for a message: 'text', at most 48 characters, control
 * characters as '?'. */
const char *sim_scn_quote(char *buf, size_t size, const char *s);
/* where for messages: "the top level" for "". */
const char *sim_scn_where(const char *where);
/* "<where>.<key>" (or key at the top) into buf. */
const char *sim_scn_child(char *buf, size_t size, const char *where, const char *key);
/* The value of the first pair of map whose key is key, or NULL; *key_node
 * (when not NULL) receives that pair's key node. */
yaml_node_t *sim_scn_find(const sim_scn_walker *w, yaml_node_t *map, const char *key,
			  yaml_node_t **key_node);

/* Strict conversions of a value node with range checks; 0 or -1 (error
 * set at the node's mark). */
int sim_scn_double(sim_scn_walker *w, yaml_node_t *n, double lo, double hi, unsigned flags,
		   const char *where, double *out);
int sim_scn_uint(sim_scn_walker *w, yaml_node_t *n, double lo, double hi, unsigned flags,
		 const char *where, uint64_t *out);
int sim_scn_bool(sim_scn_walker *w, yaml_node_t *n, const char *where, bool *out);
int sim_scn_enum_value(sim_scn_walker *w, yaml_node_t *n, const sim_scn_enum *e,
		       const char *where, int *out);
/* Walk mapping node (or null) with schema sc onto obj. */
int sim_scn_walk(sim_scn_walker *w, yaml_node_t *node, const sim_scn_schema *sc, void *obj,
		 const char *where);

/*
 * Strict number syntax: [-+]?(digits[.digits]|.digits)([eE][-+]?digits)?,
 * nothing before or after.  0 and *out; -1 not a number (inf, nan, hex,
 * text); -2 out of the range of a double (1e999, 1e-999).
 */
int sim_scn_parse_double(const char *s, double *out);

/*
 * Read a whole regular file (at most max bytes) into a NUL-terminated
 * buffer the caller frees.  Never blocks: a FIFO, a device or a directory
 * is refused before a byte is read.  0; -1 when the file cannot be opened
 * or read (why: strerror's text); -2 when it is not a file we read (why:
 * "a FIFO, expected a regular file", "larger than N bytes, expected at
 * most K KiB").  *text is NULL on failure.
 */
int sim_scn_read_file(const char *path, size_t max, char **text, size_t *len, char *why,
		      size_t whylen);

/*
 * Load a YAML file whose top level is a mapping walked with schema onto
 * obj: the generic entry point of the loader for every file with a
 * schema (a scenario, a rig file).  The file must be a regular file of at
 * most SIM_SCN_FILE_MAX bytes, nested at most SIM_SCN_DEPTH_MAX deep, hold
 * one YAML document whose top level is a mapping; what names the file in
 * messages ("scenario": "cannot open scenario: ...", "expected a scenario
 * mapping", "expected one scenario per file").  0, or -1 and err (errlen
 * bytes) says "path:line:col: error: what, expected what" (1-based; 0:0
 * when the file itself cannot be read).  The document, the parser and the
 * text are freed on every path; what the walk stored in obj before an
 * error is the caller's to release.
 */
int sim_scn_load_file(const char *path, const char *what, const sim_scn_schema *schema,
		      void *obj, char *err, size_t errlen);
/* The same from text[0..len) (len bytes, NUL or not; NULL is ""), path
 * naming it in messages. */
int sim_scn_load_text(const char *path, const char *text, size_t len, const char *what,
		      const sim_scn_schema *schema, void *obj, char *err, size_t errlen);

/* Table shorthands for the schema files. */
#define REQ SIM_SCN_REQ
#define LO SIM_SCN_LO_OPEN
#define HI SIM_SCN_HI_OPEN
#define ANY SIM_SCN_ANY

#define DBL(k, st, m, l, h, fl) \
	{ .key = (k), .type = SIM_SCN_DOUBLE, .off = offsetof(st, m), .lo = (l), .hi = (h), .flags = (fl) }
#define U32(k, st, m, l, h, fl) \
	{ .key = (k), .type = SIM_SCN_U32, .off = offsetof(st, m), .lo = (l), .hi = (h), .flags = (fl) }
#define SIZE(k, st, m, l, h) \
	{ .key = (k), .type = SIM_SCN_SIZE, .off = offsetof(st, m), .lo = (l), .hi = (h) }
#define U64(k, st, m) { .key = (k), .type = SIM_SCN_U64, .off = offsetof(st, m), .flags = ANY }
#define BOOL(k, st, m) { .key = (k), .type = SIM_SCN_BOOL, .off = offsetof(st, m) }
#define ENUM(k, st, m, e, fl) \
	{ .key = (k), .type = SIM_SCN_ENUM, .off = offsetof(st, m), .sub = &(e), .flags = (fl) }
#define MAP(k, off_, sc) { .key = (k), .type = SIM_SCN_MAP, .off = (off_), .sub = &(sc) }
#define FN(k, off_, f, l, h, fl) \
	{ .key = (k), .type = SIM_SCN_CUSTOM, .off = (off_), .fn = (f), .lo = (l), .hi = (h), .flags = (fl) }
#define SKIP(k) { .key = (k), .type = SIM_SCN_SKIP }
#define SCHEMA(name, table, pre, post) \
	static const sim_scn_schema name = { table, sizeof table / sizeof table[0], pre, post }

/* The rig and engine schemas and the lens names (scenario_rig.c). */
extern const sim_scn_schema sim_scn_rig;
extern const sim_scn_schema sim_scn_engine;
extern const sim_scn_enum sim_scn_lens;

/* The top-level schema (scenario_schema.c) and the defaults it starts
 * from: sim_scn_init sets every default and allocates the empty
 * description (0 or -1 when out of memory). */
extern const sim_scn_schema sim_scn_top;
int sim_scn_init(sim_scenario *s);
/* What a step holds before its keys are read (its kind's defaults). */
void sim_scn_step_defaults(sim_step *st);

/* One value of a `rig:` or `engine:` object that differs from its default
 * (scenario_write.c): its key path, where its bytes are in the object, and
 * the default's bytes, which put back reset it. */
#define SIM_SCN_DIFF_MAX 512
typedef struct sim_scn_diff {
	char where[SIM_SCN_WHERE_MAX];       /* "rig.stage.settle_ms" */
	size_t off, size;                    /* in the object; size <= SIM_SCN_DIFF_MAX */
	unsigned char def[SIM_SCN_DIFF_MAX]; /* the default's bytes */
} sim_scn_diff;
/*
 * Call fn for every value of obj (walked with sc, named from where) that
 * differs from def, as the writer would write it: each leaf, a stage of
 * another kind than the default's as one value (its kind and all its
 * fields), the engine's overlap (all levels) as one.
 */
void sim_scn_diff_each(const sim_scn_schema *sc, const void *obj, const void *def,
		       const char *where, void (*fn)(void *user, const sim_scn_diff *d),
		       void *user);

#endif /* SIM_SCENARIO_IMPL_H */
