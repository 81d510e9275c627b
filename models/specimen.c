/*
 * specimen.c - procedural specimens from hash-based value noise.
 *
 * Every number comes from integer hashing (the splitmix64 finaliser of the
 * seed, a salt and lattice coordinates) and a handful of IEEE operations,
 * so the emission at a point does not depend on what was sampled before it.
 * The cell field tiles the plane with square lattice cells of 1.4 cell
 * diameters; each holds at most one cell whose disk lies wholly inside it,
 * so a point only ever looks at its own lattice cell (no neighbour search).
 * A cell has a soft edge, a bright membrane ring, textured cytoplasm (value
 * noise at 2, 0.8 and 0.3 um) and an off-centre nucleus; between cells a
 * dim background varies at 5 and 0.8 um.  The raw pattern is normalised by
 * its plane mean (CELLS_RAW_MEAN, measured once) so brightness is the mean.
 *
 * The row sampler (mdl_specimen_rows) evaluates the same expressions for a
 * fixed set of columns row after row, with what depends on x alone
 * computed once and the lattice hashes and cells of the current rows
 * cached: a view samples its specimen 4x faster, to the same doubles.
 */
#include "models/specimen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/mdl.h"

/* Mean of cell_pattern() over the plane, measured over 1.2e6 cells (the
 * pattern is scale-free: lattice and cells scale with the diameter). */
#define CELLS_RAW_MEAN 0.5807

/* Lattice cell side per cell diameter; a cell's radius is at most 0.6 d, so
 * its disk always fits inside its lattice cell. */
#define CELL_LATTICE_PER_D 1.4

/* Salts keep the noise octaves and layers independent of each other. */
#define SALT_CELL 0x243f6a8885a308d3u
#define SALT_N5 0x13198a2e03707344u
#define SALT_N2 0xa4093822299f31d0u
#define SALT_N08 0x082efa98ec4e6c89u
#define SALT_N03 0x452821e638d01377u

/* Coordinates are clamped so that lattice indices stay far inside int64. */
#define COORD_LIMIT_UM 1.0e12

void mdl_specimen_config_default(mdl_specimen_config *c)
{
	c->kind = MDL_SPECIMEN_CELLS;
	c->seed = 0;
	c->brightness = 1.0;
	c->contrast = 0.7;
	c->cell_diameter_um = 10.0;
	c->grid_pitch_um = 10.0;
	c->grid_line_um = 2.0;
	c->low_texture_contrast = 0.003;
	c->layer_separation_um = 4.0;
	c->layer2_weight = 0.7;
	c->tilt_x_um_per_mm = 0.0;
	c->tilt_y_um_per_mm = 0.0;
}

static int in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi; /* false for NaN */
}

int mdl_specimen_config_check(const mdl_specimen_config *c)
{
	if (!c)
		return MDL_EINVAL;
	if ((int)c->kind < (int)MDL_SPECIMEN_CELLS || (int)c->kind > (int)MDL_SPECIMEN_TWO_LAYER)
		return MDL_EINVAL;
	if (!in_range(c->brightness, 0.0, 1e12) || !in_range(c->contrast, 0.0, 1.0) ||
	    !in_range(c->low_texture_contrast, 0.0, 1.0))
		return MDL_EINVAL;
	if (!in_range(c->cell_diameter_um, 1e-3, 1e6) || !in_range(c->grid_pitch_um, 1e-3, 1e6) ||
	    !in_range(c->grid_line_um, 0.0, 1e6) || !(c->grid_line_um < c->grid_pitch_um))
		return MDL_EINVAL;
	if (!in_range(c->layer_separation_um, 0.0, 1e6) || !in_range(c->layer2_weight, 0.0, 1e6))
		return MDL_EINVAL;
	if (!in_range(c->tilt_x_um_per_mm, -1e6, 1e6) || !in_range(c->tilt_y_um_per_mm, -1e6, 1e6))
		return MDL_EINVAL;
	return 0;
}

int mdl_specimen_layer_count(const mdl_specimen_config *c)
{
	return c->kind == MDL_SPECIMEN_TWO_LAYER ? 2 : 1;
}

double mdl_specimen_layer_offset_um(const mdl_specimen_config *c, int layer)
{
	return layer == 1 && c->kind == MDL_SPECIMEN_TWO_LAYER ? c->layer_separation_um : 0.0;
}

double mdl_specimen_height_um(const mdl_specimen_config *c, double x_um, double y_um)
{
	return (c->tilt_x_um_per_mm * x_um + c->tilt_y_um_per_mm * y_um) / 1000.0;
}

/* The splitmix64 output function: a bijective 64-bit mixer. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* One mixer round over a linear combination: two lattice points collide
 * only if (ix - ix') K1 = (iy' - iy) K2 mod 2^64, never for nearby points. */
static uint64_t lattice_hash(uint64_t key, int64_t ix, int64_t iy)
{
	return mix64(key + (uint64_t)ix * 0x9e3779b97f4a7c15u + (uint64_t)iy * 0xd1b54a32d192ed03u);
}

/* 53 high bits as a uniform double in [0, 1). */
static double unit53(uint64_t h)
{
	return (double)(h >> 11) * 0x1.0p-53;
}

/* 16 bits from slice s (0..3) as a uniform double in [0, 1). */
static double unit16(uint64_t h, unsigned s)
{
	return (double)((h >> (16u * s)) & 0xffffu) * 0x1.0p-16;
}

/* Value noise with smoothstep interpolation of hashed lattice values at
 * unit spacing; range [0, 1], mean 1/2.  x and y in lattice units. */
static double value_noise(uint64_t key, double x, double y)
{
	double fx = floor(x), fy = floor(y);
	int64_t ix = (int64_t)fx, iy = (int64_t)fy;
	double u = x - fx, w = y - fy;
	double v00, v10, v01, v11, a, b;

	u = u * u * (3.0 - 2.0 * u);
	w = w * w * (3.0 - 2.0 * w);
	v00 = unit53(lattice_hash(key, ix, iy));
	v10 = unit53(lattice_hash(key, ix + 1, iy));
	v01 = unit53(lattice_hash(key, ix, iy + 1));
	v11 = unit53(lattice_hash(key, ix + 1, iy + 1));
	a = v00 + u * (v10 - v00);
	b = v01 + u * (v11 - v01);
	return a + w * (b - a);
}

/* The raw cell field: values in [0.1, ~2.4], plane mean CELLS_RAW_MEAN. */
static double cell_pattern(uint64_t key, double d_um, double x, double y)
{
	double lat = CELL_LATTICE_PER_D * d_um;
	double gx = floor(x / lat), gy = floor(y / lat);
	uint64_t h = lattice_hash(key ^ SALT_CELL, (int64_t)gx, (int64_t)gy);
	uint64_t h2 = mix64(h + 1u);
	double n08 = value_noise(key ^ SALT_N08, x / 0.8, y / 0.8);
	double bg = 0.1 + 0.2 * value_noise(key ^ SALT_N5, x / 5.0, y / 5.0) + 0.1 * n08;
	double r, cx, cy, dx, dy, rho2, rho, edge, tex, cell, nx, ny, nr, rn2, rim;

	/* One lattice cell in ten is empty. */
	if (unit16(h, 0) >= 0.9)
		return bg;
	r = 0.5 * d_um * (0.8 + 0.4 * unit16(h, 1));
	cx = gx * lat + r + unit16(h, 2) * (lat - 2.0 * r);
	cy = gy * lat + r + unit16(h, 3) * (lat - 2.0 * r);
	dx = x - cx;
	dy = y - cy;
	rho2 = (dx * dx + dy * dy) / (r * r);
	if (rho2 >= 1.0)
		return bg;
	rho = sqrt(rho2);
	/* A soft edge 6 % of the radius wide, and a membrane ring. */
	edge = (1.0 - rho) / 0.06;
	if (edge > 1.0)
		edge = 1.0;
	rim = 0.25 * exp(-((rho - 0.88) * (rho - 0.88)) / (0.06 * 0.06));
	tex = 0.5 * value_noise(key ^ SALT_N2, x / 2.0, y / 2.0) + 0.35 * n08 +
	      0.3 * value_noise(key ^ SALT_N03, x / 0.3, y / 0.3);
	cell = (0.8 + 0.4 * unit16(h2, 0)) * (0.3 + tex);
	/* Nucleus: radius 0.35..0.45 r, centre within 0.25 r of the cell's. */
	nr = r * (0.35 + 0.1 * unit16(h2, 1));
	nx = dx - r * 0.25 * (2.0 * unit16(h2, 2) - 1.0);
	ny = dy - r * 0.25 * (2.0 * unit16(h2, 3) - 1.0);
	rn2 = (nx * nx + ny * ny) / (nr * nr);
	if (rn2 < 1.0)
		cell += 0.45 * (1.0 - rn2);
	return bg + edge * (cell + rim);
}

static uint64_t layer_key(uint64_t seed, int layer)
{
	return mix64(seed ^ (0x9e3779b97f4a7c15u * (uint64_t)(layer + 1)));
}

/* Grid: 1 on the lines (width w every pitch p, both axes), 0 between. */
static double grid_pattern(double pitch, double line, double x, double y)
{
	double fx = x - pitch * floor(x / pitch);
	double fy = y - pitch * floor(y / pitch);

	return fx < line || fy < line ? 1.0 : 0.0;
}

double mdl_specimen_emission(const mdl_specimen_config *c, int layer, double x_um, double y_um)
{
	double raw, mean, contrast, scale = c->brightness, e;

	if (layer < 0 || layer >= mdl_specimen_layer_count(c))
		return 0.0;
	if (!(fabs(x_um) <= COORD_LIMIT_UM) || !(fabs(y_um) <= COORD_LIMIT_UM))
		return 0.0;
	switch (c->kind) {
	case MDL_SPECIMEN_FLAT:
		return c->brightness;
	case MDL_SPECIMEN_GRID: {
		/* Area fraction of the lines: 1 - (1 - w/p)^2. */
		double open = 1.0 - c->grid_line_um / c->grid_pitch_um;

		mean = 1.0 - open * open;
		raw = grid_pattern(c->grid_pitch_um, c->grid_line_um, x_um, y_um);
		contrast = c->contrast;
		break;
	}
	case MDL_SPECIMEN_LOW_TEXTURE:
		mean = CELLS_RAW_MEAN;
		raw = cell_pattern(layer_key(c->seed, 0), c->cell_diameter_um, x_um, y_um);
		contrast = c->low_texture_contrast;
		break;
	case MDL_SPECIMEN_TWO_LAYER:
		mean = CELLS_RAW_MEAN;
		raw = cell_pattern(layer_key(c->seed, layer), c->cell_diameter_um, x_um, y_um);
		contrast = c->contrast;
		scale = c->brightness * (layer == 0 ? 1.0 : c->layer2_weight) /
			(1.0 + c->layer2_weight);
		break;
	case MDL_SPECIMEN_CELLS:
	default:
		mean = CELLS_RAW_MEAN;
		raw = cell_pattern(layer_key(c->seed, 0), c->cell_diameter_um, x_um, y_um);
		contrast = c->contrast;
		break;
	}
	if (!(mean > 0.0))
		return scale;
	e = scale * (1.0 + contrast * (raw - mean) / mean);
	return e > 0.0 ? e : 0.0;
}

/* ---- Row sampler ---------------------------------------------------------
 *
 * The same expressions as value_noise(), cell_pattern() and
 * mdl_specimen_emission(), split into what depends on x alone (per column,
 * once), on y alone (per row) and on the lattice (cached while the row
 * stays in it), recombined in the same order of operations: the same
 * doubles.  tests/test_specimen.c compares the two on many rows.
 */

/* One octave of value noise at scale `scale` um along the columns. */
typedef struct noise_octave {
	uint64_t key;
	double scale;
	int64_t ix0;         /* smallest lattice column any sample touches */
	size_t nlat;         /* lattice columns ix0 .. ix0 + nlat - 1 */
	int64_t *ix;         /* per sample: floor(x / scale) */
	double *u;           /* per sample: smoothstep weight along x */
	double *h0, *h1;     /* unit53 hashes of lattice rows iy and iy + 1 */
	int64_t iy;
	int have_row;
	double w;            /* this row's smoothstep weight along y */
} noise_octave;

/* One lattice cell of the cell field, as cell_pattern() derives it. */
typedef struct cell_info {
	int empty;
	double r, rr, cx, cy, k, nr, nrr, ox, oy;
} cell_info;

struct mdl_specimen_rows {
	mdl_specimen_config c;
	int layer;
	size_t nx;
	double *xs;
	int cells;            /* cell field kinds: the cached path */
	uint64_t key;
	double lat;
	noise_octave n5, n08, n2, n03;
	double *gx;           /* per sample: floor(x / lat) */
	int64_t gx0;
	size_t ncells;
	cell_info *cell;      /* this row's cells, gx0 .. gx0 + ncells - 1 */
	double gy;
	int have_cells;
};

static int octave_init(noise_octave *o, uint64_t key, double scale, const double *xs, size_t nx)
{
	int64_t lo = 0, hi = 0;

	o->key = key;
	o->scale = scale;
	o->ix = malloc(nx * sizeof *o->ix);
	o->u = malloc(nx * sizeof *o->u);
	if (!o->ix || !o->u)
		return -1;
	for (size_t i = 0; i < nx; i++) {
		double x = xs[i] / scale, fx = floor(x), u = x - fx;

		o->ix[i] = (int64_t)fx;
		o->u[i] = u * u * (3.0 - 2.0 * u);
		if (i == 0 || o->ix[i] < lo)
			lo = o->ix[i];
		if (i == 0 || o->ix[i] > hi)
			hi = o->ix[i];
	}
	o->ix0 = lo;
	o->nlat = (size_t)(hi - lo) + 2u;
	o->h0 = malloc(o->nlat * sizeof *o->h0);
	o->h1 = malloc(o->nlat * sizeof *o->h1);
	return o->h0 && o->h1 ? 0 : -1;
}

static void octave_release(noise_octave *o)
{
	free(o->ix);
	free(o->u);
	free(o->h0);
	free(o->h1);
}

static void hash_row(const noise_octave *o, int64_t iy, double *h)
{
	for (size_t k = 0; k < o->nlat; k++)
		h[k] = unit53(lattice_hash(o->key, o->ix0 + (int64_t)k, iy));
}

/* Enter the row at y_um: the y weight, and the hash rows if iy moved. */
static void octave_row(noise_octave *o, double y_um)
{
	double y = y_um / o->scale, fy = floor(y), w = y - fy;
	int64_t iy = (int64_t)fy;

	o->w = w * w * (3.0 - 2.0 * w);
	if (o->have_row && iy == o->iy)
		return;
	if (o->have_row && iy == o->iy + 1) {
		double *t = o->h0;

		o->h0 = o->h1;
		o->h1 = t;
	} else {
		hash_row(o, iy, o->h0);
	}
	hash_row(o, iy + 1, o->h1);
	o->iy = iy;
	o->have_row = 1;
}

/* value_noise(key, xs[i] / scale, y / scale) for the current row. */
static inline double octave_at(const noise_octave *o, size_t i)
{
	size_t k = (size_t)(o->ix[i] - o->ix0);
	double u = o->u[i];
	double v00 = o->h0[k], v10 = o->h0[k + 1], v01 = o->h1[k], v11 = o->h1[k + 1];
	double a = v00 + u * (v10 - v00), b = v01 + u * (v11 - v01);

	return a + o->w * (b - a);
}

static void cell_of(const mdl_specimen_rows *r, double gx, double gy, cell_info *ci)
{
	double lat = r->lat, d_um = r->c.cell_diameter_um;
	uint64_t h = lattice_hash(r->key ^ SALT_CELL, (int64_t)gx, (int64_t)gy);
	uint64_t h2 = mix64(h + 1u);

	ci->empty = unit16(h, 0) >= 0.9;
	ci->r = 0.5 * d_um * (0.8 + 0.4 * unit16(h, 1));
	ci->rr = ci->r * ci->r;
	ci->cx = gx * lat + ci->r + unit16(h, 2) * (lat - 2.0 * ci->r);
	ci->cy = gy * lat + ci->r + unit16(h, 3) * (lat - 2.0 * ci->r);
	ci->k = 0.8 + 0.4 * unit16(h2, 0);
	ci->nr = ci->r * (0.35 + 0.1 * unit16(h2, 1));
	ci->nrr = ci->nr * ci->nr;
	ci->ox = ci->r * 0.25 * (2.0 * unit16(h2, 2) - 1.0);
	ci->oy = ci->r * 0.25 * (2.0 * unit16(h2, 3) - 1.0);
}

/* cell_pattern() of sample i on the current row (y). */
static double cells_at(const mdl_specimen_rows *r, size_t i, double y)
{
	const cell_info *ci = &r->cell[(size_t)((int64_t)r->gx[i] - r->gx0)];
	double x = r->xs[i];
	double n08 = octave_at(&r->n08, i);
	double bg = 0.1 + 0.2 * octave_at(&r->n5, i) + 0.1 * n08;
	double dx, dy, rho2, rho, edge, tex, cell, nx, ny, rn2, rim;

	if (ci->empty)
		return bg;
	dx = x - ci->cx;
	dy = y - ci->cy;
	rho2 = (dx * dx + dy * dy) / ci->rr;
	if (rho2 >= 1.0)
		return bg;
	rho = sqrt(rho2);
	edge = (1.0 - rho) / 0.06;
	if (edge > 1.0)
		edge = 1.0;
	rim = 0.25 * exp(-((rho - 0.88) * (rho - 0.88)) / (0.06 * 0.06));
	tex = 0.5 * octave_at(&r->n2, i) + 0.35 * n08 + 0.3 * octave_at(&r->n03, i);
	cell = ci->k * (0.3 + tex);
	nx = dx - ci->ox;
	ny = dy - ci->oy;
	rn2 = (nx * nx + ny * ny) / ci->nrr;
	if (rn2 < 1.0)
		cell += 0.45 * (1.0 - rn2);
	return bg + edge * (cell + rim);
}

mdl_specimen_rows *mdl_specimen_rows_new(const mdl_specimen_config *c, int layer,
					 const double *xs, size_t nx)
{
	mdl_specimen_rows *r;
	double lo = 0.0, hi = 0.0;

	if (mdl_specimen_config_check(c) || !xs || nx == 0 || nx > SIZE_MAX / 16u)
		return NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->c = *c;
	r->layer = layer;
	r->nx = nx;
	r->xs = malloc(nx * sizeof *r->xs);
	if (!r->xs)
		goto fail;
	memcpy(r->xs, xs, nx * sizeof *xs);
	/* The cached path needs finite coordinates whose lattice indices fit
	 * a table; anything else goes point by point. */
	r->cells = (c->kind == MDL_SPECIMEN_CELLS || c->kind == MDL_SPECIMEN_LOW_TEXTURE ||
		    c->kind == MDL_SPECIMEN_TWO_LAYER) &&
		   layer >= 0 && layer < mdl_specimen_layer_count(c);
	for (size_t i = 0; i < nx && r->cells; i++) {
		if (!(fabs(xs[i]) <= COORD_LIMIT_UM))
			r->cells = 0;
		lo = i == 0 || xs[i] < lo ? xs[i] : lo;
		hi = i == 0 || xs[i] > hi ? xs[i] : hi;
	}
	if (r->cells && !((hi - lo) / 0.3 < 1e7))
		r->cells = 0;
	if (r->cells) {
		int64_t g_lo = 0, g_hi = 0;

		r->key = layer_key(c->seed, c->kind == MDL_SPECIMEN_TWO_LAYER ? layer : 0);
		r->lat = CELL_LATTICE_PER_D * c->cell_diameter_um;
		r->gx = malloc(nx * sizeof *r->gx);
		if (!r->gx || octave_init(&r->n5, r->key ^ SALT_N5, 5.0, xs, nx) ||
		    octave_init(&r->n08, r->key ^ SALT_N08, 0.8, xs, nx) ||
		    octave_init(&r->n2, r->key ^ SALT_N2, 2.0, xs, nx) ||
		    octave_init(&r->n03, r->key ^ SALT_N03, 0.3, xs, nx))
			goto fail;
		for (size_t i = 0; i < nx; i++) {
			r->gx[i] = floor(xs[i] / r->lat);
			if (i == 0 || (int64_t)r->gx[i] < g_lo)
				g_lo = (int64_t)r->gx[i];
			if (i == 0 || (int64_t)r->gx[i] > g_hi)
				g_hi = (int64_t)r->gx[i];
		}
		r->gx0 = g_lo;
		r->ncells = (size_t)(g_hi - g_lo) + 1u;
		r->cell = malloc(r->ncells * sizeof *r->cell);
		if (!r->cell)
			goto fail;
	}
	return r;
fail:
	mdl_specimen_rows_free(r);
	return NULL;
}

void mdl_specimen_rows_free(mdl_specimen_rows *r)
{
	if (!r)
		return;
	octave_release(&r->n5);
	octave_release(&r->n08);
	octave_release(&r->n2);
	octave_release(&r->n03);
	free(r->gx);
	free(r->cell);
	free(r->xs);
	free(r);
}

void mdl_specimen_rows_eval(mdl_specimen_rows *r, double y_um, double *out)
{
	const mdl_specimen_config *c = &r->c;
	double mean = CELLS_RAW_MEAN, contrast, scale = c->brightness, gy;

	if (!r->cells || !(fabs(y_um) <= COORD_LIMIT_UM)) {
		for (size_t i = 0; i < r->nx; i++)
			out[i] = mdl_specimen_emission(c, r->layer, r->xs[i], y_um);
		return;
	}
	gy = floor(y_um / r->lat);
	if (!r->have_cells || gy != r->gy) {
		for (size_t k = 0; k < r->ncells; k++)
			cell_of(r, (double)(r->gx0 + (int64_t)k), gy, &r->cell[k]);
		r->gy = gy;
		r->have_cells = 1;
	}
	octave_row(&r->n5, y_um);
	octave_row(&r->n08, y_um);
	octave_row(&r->n2, y_um);
	octave_row(&r->n03, y_um);
	switch (c->kind) {
	case MDL_SPECIMEN_LOW_TEXTURE:
		contrast = c->low_texture_contrast;
		break;
	case MDL_SPECIMEN_TWO_LAYER:
		contrast = c->contrast;
		scale = c->brightness * (r->layer == 0 ? 1.0 : c->layer2_weight) /
			(1.0 + c->layer2_weight);
		break;
	default:
		contrast = c->contrast;
		break;
	}
	for (size_t i = 0; i < r->nx; i++) {
		double e = scale * (1.0 + contrast * (cells_at(r, i, y_um) - mean) / mean);

		out[i] = e > 0.0 ? e : 0.0;
	}
}
