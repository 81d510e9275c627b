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

/* The row sampler's passes with AVX2 where the processor has it: the GNU
 * target attribute (gcc, clang) on x86; -DAFSIM_NO_AVX2 leaves them out. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && \
	!defined(AFSIM_NO_AVX2)
#define SPECIMEN_AVX2 1
#include <immintrin.h>
#define AVX2_FN __attribute__((target("avx2")))
#endif

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
 * once), on the lattice row (per column, again only when the row moves into
 * another lattice row) and on y alone (per row), recombined in the same
 * order of operations: the same doubles.  A row is evaluated in passes over
 * its columns (background, then each lattice cell's disk, then the
 * emission) so that the loops are simple and the disk's work is done only
 * where a disk is.  tests/test_specimen.c compares the two on many rows.
 *
 * The membrane ring's exp() is skipped where it cannot change a double:
 * with q = -((rho - 0.88)^2) / 0.06^2 <= RIM_SKIP_ARG (rho < 0.51), rim =
 * 0.25 exp(q) < 0.25 e^-38 = 7.9e-18, while cell >= 0.8 * 0.3 = 0.24
 * (k >= 0.8, texture >= 0, the nucleus term >= 0), whose half ulp is at
 * least 2^-56 = 1.4e-17 (cell >= 0.125 = 2^-3: ulp 2^-55).  A positive
 * addend below half an ulp rounds away in round-to-nearest, so cell + rim
 * == cell: the skipped term is 0 and cell + 0.0 == cell as well.  exp()'s
 * error (an ulp or so) is far inside the factor 1.8 between the two
 * bounds; test_rim_skip_bound checks the numbers.
 */
#define RIM_SKIP_ARG (-38.0)

/* One octave of value noise at scale `scale` um along the columns. */
typedef struct noise_octave {
	uint64_t key;
	double scale;
	int64_t ix0;         /* smallest lattice column any sample touches */
	size_t nlat;         /* lattice columns ix0 .. ix0 + nlat - 1 */
	size_t *k;           /* per sample: floor(x / scale) - ix0 */
	double *u;           /* per sample: smoothstep weight along x */
	double *h0, *h1;     /* unit53 hashes of lattice rows iy and iy + 1 */
	double *a, *d;       /* per sample: lattice row iy lerped along x (a),
			      * row iy + 1's minus a (d) */
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
	size_t *gk;           /* per sample: floor(x / lat) - gx0 */
	size_t *run;          /* nrun + 1: samples run[j] .. run[j + 1] - 1 share a
			       * lattice cell (the same on every row) */
	size_t nrun;
	int64_t gx0;
	size_t ncells;
	cell_info *cell;      /* this row's cells, gx0 .. gx0 + ncells - 1 */
	double gy;
	int have_cells;
	double *raw;          /* per sample: this row's cell_pattern() */
	double *v08;          /* per sample: this row's 0.8 um octave */
	int avx2;             /* the passes run with AVX2 */
};

static int octave_init(noise_octave *o, uint64_t key, double scale, const double *xs, size_t nx)
{
	int64_t lo = 0, hi = 0, *ix = malloc(nx * sizeof *ix);

	o->key = key;
	o->scale = scale;
	o->k = malloc(nx * sizeof *o->k);
	o->u = malloc(nx * sizeof *o->u);
	o->a = malloc(nx * sizeof *o->a);
	o->d = malloc(nx * sizeof *o->d);
	if (!ix || !o->k || !o->u || !o->a || !o->d) {
		free(ix);
		return -1;
	}
	for (size_t i = 0; i < nx; i++) {
		double x = xs[i] / scale, fx = floor(x), u = x - fx;

		ix[i] = (int64_t)fx;
		o->u[i] = u * u * (3.0 - 2.0 * u);
		if (i == 0 || ix[i] < lo)
			lo = ix[i];
		if (i == 0 || ix[i] > hi)
			hi = ix[i];
	}
	o->ix0 = lo;
	o->nlat = (size_t)(hi - lo) + 2u;
	for (size_t i = 0; i < nx; i++)
		o->k[i] = (size_t)(ix[i] - lo);
	free(ix);
	o->h0 = malloc(o->nlat * sizeof *o->h0);
	o->h1 = malloc(o->nlat * sizeof *o->h1);
	return o->h0 && o->h1 ? 0 : -1;
}

static void octave_release(noise_octave *o)
{
	free(o->k);
	free(o->u);
	free(o->a);
	free(o->d);
	free(o->h0);
	free(o->h1);
}

static void hash_row(const noise_octave *o, int64_t iy, double *h)
{
	for (size_t k = 0; k < o->nlat; k++)
		h[k] = unit53(lattice_hash(o->key, o->ix0 + (int64_t)k, iy));
}

/* Enter the row at y_um: the y weight, and, if iy moved, the hash rows and
 * every column's lerps along x (value_noise's a, and b - a). */
static void octave_row(noise_octave *o, size_t nx, double y_um)
{
	double y = y_um / o->scale, fy = floor(y), w = y - fy;
	int64_t iy = (int64_t)fy;
	const double *h0, *h1;

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
	h0 = o->h0;
	h1 = o->h1;
	for (size_t i = 0; i < nx; i++) {
		size_t k = o->k[i];
		double u = o->u[i];
		double a = h0[k] + u * (h0[k + 1] - h0[k]);
		double b = h1[k] + u * (h1[k + 1] - h1[k]);

		o->a[i] = a;
		o->d[i] = b - a;
	}
}

/* value_noise(key, xs[i] / scale, y / scale) for the current row. */
static inline double octave_at(const noise_octave *o, size_t i)
{
	return o->a[i] + o->w * o->d[i];
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

/* cell_pattern() of samples i0 .. i1 - 1, all in the lattice cell ci, on
 * the current row (y): r->raw holds their background, and gets the cell's
 * disk added where it is. */
static void cells_disk(mdl_specimen_rows *r, const cell_info *ci, size_t i0, size_t i1, double y)
{
	double dy = y - ci->cy;

	for (size_t i = i0; i < i1; i++) {
		double dx = r->xs[i] - ci->cx;
		double rho2 = (dx * dx + dy * dy) / ci->rr;
		double rho, edge, q, rim, tex, cell, nx, ny, rn2;

		if (rho2 >= 1.0)
			continue;
		rho = sqrt(rho2);
		edge = (1.0 - rho) / 0.06;
		if (edge > 1.0)
			edge = 1.0;
		q = -((rho - 0.88) * (rho - 0.88)) / (0.06 * 0.06);
		rim = q > RIM_SKIP_ARG ? 0.25 * exp(q) : 0.0;
		tex = 0.5 * octave_at(&r->n2, i) + 0.35 * r->v08[i] + 0.3 * octave_at(&r->n03, i);
		cell = ci->k * (0.3 + tex);
		nx = dx - ci->ox;
		ny = dy - ci->oy;
		rn2 = (nx * nx + ny * ny) / ci->nrr;
		if (rn2 < 1.0)
			cell += 0.45 * (1.0 - rn2);
		r->raw[i] = r->raw[i] + edge * (cell + rim);
	}
}

/* The background of samples i0 .. i1 - 1: r->v08 and r->raw. */
static void cells_background(mdl_specimen_rows *r, size_t i0, size_t i1)
{
	for (size_t i = i0; i < i1; i++) {
		double n08 = octave_at(&r->n08, i);

		r->v08[i] = n08;
		r->raw[i] = 0.1 + 0.2 * octave_at(&r->n5, i) + 0.1 * n08;
	}
}

/* out[i] = the emission of raw pattern r->raw[i], i0 <= i < i1. */
static void emission_row(const mdl_specimen_rows *r, double scale, double contrast,
			 double mean, size_t i0, size_t i1, double *out)
{
	for (size_t i = i0; i < i1; i++) {
		double e = scale * (1.0 + contrast * (r->raw[i] - mean) / mean);

		out[i] = e > 0.0 ? e : 0.0;
	}
}

#if defined(SPECIMEN_AVX2)
/*
 * The same passes four samples at a time: the same operations in the same
 * order on each lane (+, -, *, / and sqrt are correctly rounded in every
 * lane; comparisons and blends stand for the scalar branches), so the same
 * doubles.  exp() stays libm's, called per lane where the scalar code
 * calls it.  Tails shorter than a vector go to the scalar code.
 */
static inline AVX2_FN __m256d octave4(const noise_octave *o, size_t i)
{
	return _mm256_add_pd(_mm256_loadu_pd(o->a + i),
			     _mm256_mul_pd(_mm256_set1_pd(o->w), _mm256_loadu_pd(o->d + i)));
}

static AVX2_FN void cells_background_avx2(mdl_specimen_rows *r, size_t nx)
{
	const __m256d c01 = _mm256_set1_pd(0.1), c02 = _mm256_set1_pd(0.2);
	size_t i = 0;

	for (; i + 4u <= nx; i += 4u) {
		__m256d n08 = octave4(&r->n08, i);

		_mm256_storeu_pd(r->v08 + i, n08);
		_mm256_storeu_pd(r->raw + i,
				 _mm256_add_pd(_mm256_add_pd(c01, _mm256_mul_pd(c02, octave4(&r->n5, i))),
					       _mm256_mul_pd(c01, n08)));
	}
	cells_background(r, i, nx);
}

static AVX2_FN void emission_row_avx2(const mdl_specimen_rows *r, double scale,
				      double contrast, double mean, double *out)
{
	const __m256d vs = _mm256_set1_pd(scale), vc = _mm256_set1_pd(contrast);
	const __m256d vm = _mm256_set1_pd(mean), one = _mm256_set1_pd(1.0);
	const __m256d zero = _mm256_setzero_pd();
	size_t i = 0;

	for (; i + 4u <= r->nx; i += 4u) {
		__m256d d = _mm256_div_pd(_mm256_mul_pd(vc, _mm256_sub_pd(_mm256_loadu_pd(r->raw + i), vm)),
					  vm);
		__m256d e = _mm256_mul_pd(vs, _mm256_add_pd(one, d));

		_mm256_storeu_pd(out + i, _mm256_blendv_pd(zero, e, _mm256_cmp_pd(e, zero, _CMP_GT_OQ)));
	}
	emission_row(r, scale, contrast, mean, i, r->nx, out);
}

static AVX2_FN void cells_disk_avx2(mdl_specimen_rows *r, const cell_info *ci, size_t i0,
				    size_t i1, double y)
{
	const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
	const __m256d sign = _mm256_set1_pd(-0.0);
	const __m256d cx = _mm256_set1_pd(ci->cx), rr = _mm256_set1_pd(ci->rr);
	const __m256d dy = _mm256_set1_pd(y - ci->cy), ny = _mm256_sub_pd(dy, _mm256_set1_pd(ci->oy));
	const __m256d ox = _mm256_set1_pd(ci->ox), nrr = _mm256_set1_pd(ci->nrr);
	const __m256d k = _mm256_set1_pd(ci->k);
	size_t i = i0;

	for (; i + 4u <= i1; i += 4u) {
		__m256d dx = _mm256_sub_pd(_mm256_loadu_pd(r->xs + i), cx);
		__m256d rho2 = _mm256_div_pd(_mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy)),
					     rr);
		__m256d in = _mm256_cmp_pd(rho2, one, _CMP_LT_OQ);
		__m256d rho, edge, m88, q, tex, cell, nx, rn2, rim, raw;
		double qs[4], rims[4];
		int mask = _mm256_movemask_pd(in);

		if (!mask)
			continue;
		rho = _mm256_sqrt_pd(rho2);
		edge = _mm256_div_pd(_mm256_sub_pd(one, rho), _mm256_set1_pd(0.06));
		edge = _mm256_blendv_pd(edge, one, _mm256_cmp_pd(edge, one, _CMP_GT_OQ));
		m88 = _mm256_sub_pd(rho, _mm256_set1_pd(0.88));
		q = _mm256_div_pd(_mm256_xor_pd(_mm256_mul_pd(m88, m88), sign),
				  _mm256_set1_pd(0.06 * 0.06));
		_mm256_storeu_pd(qs, q);
		for (int l = 0; l < 4; l++)
			rims[l] = (mask >> l & 1) && qs[l] > RIM_SKIP_ARG ? 0.25 * exp(qs[l]) : 0.0;
		rim = _mm256_loadu_pd(rims);
		tex = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), octave4(&r->n2, i)),
						  _mm256_mul_pd(_mm256_set1_pd(0.35),
								_mm256_loadu_pd(r->v08 + i))),
				    _mm256_mul_pd(_mm256_set1_pd(0.3), octave4(&r->n03, i)));
		cell = _mm256_mul_pd(k, _mm256_add_pd(_mm256_set1_pd(0.3), tex));
		nx = _mm256_sub_pd(dx, ox);
		rn2 = _mm256_div_pd(_mm256_add_pd(_mm256_mul_pd(nx, nx), _mm256_mul_pd(ny, ny)), nrr);
		cell = _mm256_blendv_pd(cell,
					_mm256_add_pd(cell, _mm256_mul_pd(_mm256_set1_pd(0.45),
									  _mm256_sub_pd(one, rn2))),
					_mm256_cmp_pd(rn2, one, _CMP_LT_OQ));
		raw = _mm256_loadu_pd(r->raw + i);
		raw = _mm256_blendv_pd(raw, _mm256_add_pd(raw, _mm256_mul_pd(edge, _mm256_add_pd(cell, rim))),
				       in);
		_mm256_storeu_pd(r->raw + i, raw);
	}
	(void)zero;
	cells_disk(r, ci, i, i1, y);
}
#endif

/* r->raw = cell_pattern() of every sample on the current row (y). */
static void cells_row(mdl_specimen_rows *r, double y)
{
	size_t nx = r->nx;

#if defined(SPECIMEN_AVX2)
	if (r->avx2)
		cells_background_avx2(r, nx);
	else
#endif
		cells_background(r, 0, nx);
	for (size_t j = 0; j < r->nrun; j++) {
		size_t i0 = r->run[j], i1 = r->run[j + 1];
		const cell_info *ci = &r->cell[r->gk[i0]];

		if (ci->empty)
			continue;
#if defined(SPECIMEN_AVX2)
		if (r->avx2)
			cells_disk_avx2(r, ci, i0, i1, y);
		else
#endif
			cells_disk(r, ci, i0, i1, y);
	}
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
		r->gk = malloc(nx * sizeof *r->gk);
		r->run = malloc((nx + 1) * sizeof *r->run);
		r->raw = malloc(nx * sizeof *r->raw);
		r->v08 = malloc(nx * sizeof *r->v08);
		if (!r->gk || !r->run || !r->raw || !r->v08 ||
		    octave_init(&r->n5, r->key ^ SALT_N5, 5.0, xs, nx) ||
		    octave_init(&r->n08, r->key ^ SALT_N08, 0.8, xs, nx) ||
		    octave_init(&r->n2, r->key ^ SALT_N2, 2.0, xs, nx) ||
		    octave_init(&r->n03, r->key ^ SALT_N03, 0.3, xs, nx))
			goto fail;
		for (size_t i = 0; i < nx; i++) {
			int64_t g = (int64_t)floor(xs[i] / r->lat);

			if (i == 0 || g < g_lo)
				g_lo = g;
			if (i == 0 || g > g_hi)
				g_hi = g;
		}
		for (size_t i = 0; i < nx; i++)
			r->gk[i] = (size_t)((int64_t)floor(xs[i] / r->lat) - g_lo);
		for (size_t i = 0; i < nx; i++)
			if (i == 0 || r->gk[i] != r->gk[i - 1])
				r->run[r->nrun++] = i;
		r->run[r->nrun] = nx;
		r->gx0 = g_lo;
		r->ncells = (size_t)(g_hi - g_lo) + 1u;
		r->cell = malloc(r->ncells * sizeof *r->cell);
		if (!r->cell)
			goto fail;
	}
	mdl_specimen_rows_use_avx2(r, 1);
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
	free(r->gk);
	free(r->run);
	free(r->cell);
	free(r->raw);
	free(r->v08);
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
	octave_row(&r->n5, r->nx, y_um);
	octave_row(&r->n08, r->nx, y_um);
	octave_row(&r->n2, r->nx, y_um);
	octave_row(&r->n03, r->nx, y_um);
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
	cells_row(r, y_um);
#if defined(SPECIMEN_AVX2)
	if (r->avx2) {
		emission_row_avx2(r, scale, contrast, mean, out);
		return;
	}
#endif
	emission_row(r, scale, contrast, mean, 0, r->nx, out);
}

void mdl_specimen_rows_use_avx2(mdl_specimen_rows *r, int on)
{
#if defined(SPECIMEN_AVX2)
	r->avx2 = on && __builtin_cpu_supports("avx2");
#else
	(void)r;
	(void)on;
#endif
}
