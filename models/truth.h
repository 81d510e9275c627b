/*
 * truth.h - every simulated instrument its own truth: the rig's true
 * parameters drawn per seed around the configured (datasheet) values.
 *
 * A rig's configuration holds nominal values: what the datasheet says, and
 * what the engine's factory defaults know.  A real instrument differs from
 * its datasheet by its manufacturing spread (parfocality, seating, thermal
 * coefficients and lags, backlash, settle, switch timing, camera gain,
 * offset and noise) and the slide on it differs from every other slide
 * (tilt, bow, coverslip).  mdl_truth_draw() draws each of those from its
 * documented distribution around the configured value (docs/models.md,
 * "The instrument's truth"), from one RNG stream of its own: each parameter
 * of the table takes exactly one normal draw, in table order, whether it is
 * applied or not, so pinning one never shifts the others.
 *
 * A parameter is pinned (keeps its configured value exactly) when its bit
 * is set in mdl_truth_config.pinned: the scenario loader sets it for every
 * key a scenario writes explicitly.  mode MDL_TRUTH_NOMINAL applies no
 * draw at all: the instrument is its datasheet.
 *
 * Distributions: ABS adds sigma * n (the key's unit); REL multiplies by
 * exp(sigma * n) (log-normal, median the configured value, never changes a
 * sign); n is a standard normal clamped to [-3, 3]; the result is clamped
 * to the parameter's [lo, hi].  Pure: the same rig, pins and stream give
 * the same truth on every compiler and optimisation level.
 */
#ifndef MDL_TRUTH_H
#define MDL_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/rng.h"

struct mdl_rig;

typedef enum mdl_truth_mode {
	MDL_TRUTH_DRAWN,     /* default: drawn per seed around the configured values */
	MDL_TRUTH_NOMINAL,   /* the configured values exactly (the datasheet instrument) */
} mdl_truth_mode;

typedef struct mdl_truth_config {
	mdl_truth_mode mode;
	uint64_t pinned;     /* bit i: parameter i of the table keeps its configured value */
} mdl_truth_config;

typedef enum mdl_truth_kind {
	MDL_TRUTH_ABS,       /* value + sigma n */
	MDL_TRUTH_REL,       /* value * exp(sigma n) */
} mdl_truth_kind;

/* One drawn parameter: the scenario key that sets its nominal value
 * (rig.<section>.<key>), where the double lives in mdl_rig, its spread and
 * the physical bounds of the drawn value. */
typedef struct mdl_truth_param {
	const char *section, *key;
	size_t off;
	mdl_truth_kind kind;
	double sigma;
	double lo, hi;
} mdl_truth_param;

/* Number of parameters in the table (at most 64), and parameter i (NULL
 * beyond the table). */
size_t mdl_truth_count(void);
const mdl_truth_param *mdl_truth_param_at(size_t i);

/* Index of the parameter set by rig.<section>.<key>, or -1 when that key
 * is not drawn. */
int mdl_truth_find(const char *section, const char *key);

/* Pin parameter id (from mdl_truth_find; -1 is a no-op); whether it is
 * pinned. */
void mdl_truth_pin(mdl_truth_config *t, int id);
/* Unpin it again (-1 is a no-op). */
void mdl_truth_unpin(mdl_truth_config *t, int id);
bool mdl_truth_pinned(const mdl_truth_config *t, int id);

/* Defaults: drawn, nothing pinned. */
void mdl_truth_config_default(mdl_truth_config *t);

/*
 * Replace the unpinned parameters of r by their draws from stream
 * SIM_STREAM_TRUTH of seed (no change in MDL_TRUTH_NOMINAL mode).  An
 * automatic camera gain (0) is resolved to its value first, so that it can
 * be drawn around.  Afterwards the constraints the draws could break are
 * restored: a settle or switch jitter is at most its settle or switch
 * time.  A rig that passed its models' checks still passes them.
 */
void mdl_truth_draw(struct mdl_rig *r, uint64_t seed);

#endif /* MDL_TRUTH_H */
