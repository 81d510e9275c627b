/*
 * specimen.h - procedural specimens: what emits light where, per focal layer.
 *
 * A specimen is a pure function of its configuration: the emission of a
 * layer at a point (x, y) in micrometres comes from hash-based value noise
 * (splitmix64 of the seed and lattice coordinates), never from RNG state, so
 * any region can be sampled in any order and gives the same numbers on every
 * compiler and optimisation level.  Kinds: a cell field (cells/beads of
 * ~cell_diameter_um with texture at 0.3, 0.8, 2 and 5 um, so both lenses see
 * structure), a grid target, a low-texture field (the cell field at a
 * contrast so faint that a focus search must report "no focus"), a flat
 * field, and two layers of independent cell fields, the second
 * layer_separation_um above the first.  Tilt applies to every kind: the
 * specimen surface height varies linearly across the field; the camera
 * applies it per pixel at render time.
 *
 * Emission is relative: 1.0 is the mean of the default specimen, and the
 * camera converts it to photons with its photon_flux_per_s.
 */
#ifndef MDL_SPECIMEN_H
#define MDL_SPECIMEN_H

#include <stddef.h>
#include <stdint.h>

typedef enum mdl_specimen_kind {
	MDL_SPECIMEN_CELLS,
	MDL_SPECIMEN_GRID,
	MDL_SPECIMEN_LOW_TEXTURE,
	MDL_SPECIMEN_FLAT,
	MDL_SPECIMEN_TWO_LAYER,
} mdl_specimen_kind;

typedef struct mdl_specimen_config {
	mdl_specimen_kind kind;
	uint64_t seed;              /* procedural seed; 0: the simulator takes one from the run's seed */
	double brightness;          /* mean emission, relative (1.0 default), >= 0 */
	double contrast;            /* texture contrast, 0..1 (0.7 default) */
	double cell_diameter_um;    /* mean cell diameter, ~10 */
	double grid_pitch_um;       /* grid: line spacing, 10 */
	double grid_line_um;        /* grid: line width, 2; < grid_pitch_um */
	double low_texture_contrast;  /* ~0.003: so faint a focus search must report "no focus" */
	double layer_separation_um;   /* two-layer: second layer this far above the first, ~4 */
	/* Two-layer: relative brightness of layer 2 (0.7 default).  The layers
	 * share the mean brightness: layer 0 emits brightness / (1 + w) on
	 * average, layer 1 brightness * w / (1 + w), so the sum has mean
	 * brightness and the camera exposure stays in range. */
	double layer2_weight;
	/* Height of the specimen surface across the field: h(x, y) =
	 * (tilt_x x + tilt_y y) / 1000 um for x, y in um (the per-mille slope
	 * of um per mm).  A higher surface comes into focus at a higher stage
	 * position. */
	double tilt_x_um_per_mm, tilt_y_um_per_mm;
} mdl_specimen_config;

/* Defaults: a cell field, seed 0 (the run's), brightness 1.0, contrast 0.7, cells of
 * 10 um, grid 10 um pitch with 2 um lines, low-texture contrast 0.003,
 * layer separation 4 um, layer-2 weight 0.7, no tilt. */
void mdl_specimen_config_default(mdl_specimen_config *c);

/* 0 if every field is in range (finite, brightness >= 0, contrasts in
 * [0, 1], positive sizes, line narrower than the pitch, separation >= 0,
 * weight >= 0, finite tilts), MDL_EINVAL otherwise. */
int mdl_specimen_config_check(const mdl_specimen_config *c);

/* Number of focal layers: 2 for MDL_SPECIMEN_TWO_LAYER, 1 otherwise. */
int mdl_specimen_layer_count(const mdl_specimen_config *c);

/* Height of a layer above layer 0, um: 0 for layer 0, layer_separation_um
 * for layer 1 of a two-layer specimen, 0 for layers that do not exist. */
double mdl_specimen_layer_offset_um(const mdl_specimen_config *c, int layer);

/* Surface height from the tilt at (x_um, y_um), um (0 at the origin).
 * Inline: a view evaluates it for every pixel. */
static inline double mdl_specimen_height_um(const mdl_specimen_config *c, double x_um,
					    double y_um)
{
	return (c->tilt_x_um_per_mm * x_um + c->tilt_y_um_per_mm * y_um) / 1000.0;
}

/*
 * Emission >= 0 of a layer at specimen coordinates (x_um, y_um), relative
 * units (mean brightness over the plane, summed over layers).  A pure
 * function of (config, layer, x, y): hash-based value noise, no state.
 * Returns 0 for a layer that does not exist and for non-finite coordinates.
 */
double mdl_specimen_emission(const mdl_specimen_config *c, int layer, double x_um, double y_um);

/*
 * A row sampler: the emission of one layer at a fixed set of x
 * coordinates, row after row (any y, any order).  Every value is
 * mdl_specimen_emission(c, layer, xs[i], y) bit for bit; it is faster
 * because what depends on x alone (lattice indices, interpolation weights)
 * is computed once, and the lattice hashes and cells of the current rows
 * are kept until y leaves them, so a view's area sampling hashes each
 * lattice point about once instead of once per sample.  Copies the config
 * and xs.  NULL on a bad config, nx 0 or out of memory.
 */
typedef struct mdl_specimen_rows mdl_specimen_rows;

mdl_specimen_rows *mdl_specimen_rows_new(const mdl_specimen_config *c, int layer,
					 const double *xs, size_t nx);

/* out[i] = mdl_specimen_emission(c, layer, xs[i], y_um) for i < nx. */
void mdl_specimen_rows_eval(mdl_specimen_rows *r, double y_um, double *out);

/* Evaluate rows with AVX2 (on, the default, where the processor has it)
 * or the portable code (off): the same bits either way; for tests. */
void mdl_specimen_rows_use_avx2(mdl_specimen_rows *r, int on);

/* Frees the sampler; NULL is a no-op. */
void mdl_specimen_rows_free(mdl_specimen_rows *r);

#endif /* MDL_SPECIMEN_H */
