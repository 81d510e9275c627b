/*
 * test_specimen.c - the procedural specimens: determinism, non-negativity,
 * mean brightness, texture at lens B's scale, the grid's period, layers,
 * tilt and config checks; the row sampler against points, portable and
 * AVX2, and the bound that lets it skip the membrane ring's exp().
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "models/mdl.h"
#include "models/specimen.h"

Suite *specimen_suite(void);

/* Mean of a layer over a w x w um square sampled every step um. */
static double area_mean(const mdl_specimen_config *c, int layer, double x0, double y0,
			double w, double step)
{
	double s = 0.0;
	long n = 0;

	for (double y = y0; y < y0 + w; y += step) {
		for (double x = x0; x < x0 + w; x += step) {
			s += mdl_specimen_emission(c, layer, x, y);
			n++;
		}
	}
	return s / (double)n;
}

/* Statistics of a 128 x 128 sample at lens B's pixel, 0.1625 um: relative
 * standard deviation and the rms difference of neighbours over the mean. */
static void lens_b_stats(const mdl_specimen_config *c, double x0, double y0, double *rel_sd,
			 double *rel_step)
{
	double s = 0.0, s2 = 0.0, d2 = 0.0, m;

	for (int y = 0; y < 128; y++) {
		double prev = 0.0;

		for (int x = 0; x < 128; x++) {
			double e = mdl_specimen_emission(c, 0, x0 + 0.1625 * x, y0 + 0.1625 * y);

			s += e;
			s2 += e * e;
			if (x > 0)
				d2 += (e - prev) * (e - prev);
			prev = e;
		}
	}
	m = s / 16384.0;
	*rel_sd = sqrt(s2 / 16384.0 - m * m) / m;
	*rel_step = sqrt(d2 / (128.0 * 127.0)) / m;
}

START_TEST(test_defaults)
{
	mdl_specimen_config c;

	mdl_specimen_config_default(&c);
	ck_assert_int_eq(c.kind, MDL_SPECIMEN_CELLS);
	ck_assert_int_eq(mdl_specimen_config_check(&c), 0);
	ck_assert_double_eq(c.brightness, 1.0);
	ck_assert_double_eq(c.cell_diameter_um, 10.0);
	ck_assert_double_eq(c.grid_pitch_um, 10.0);
	ck_assert_double_eq(c.grid_line_um, 2.0);
	ck_assert_double_eq(c.low_texture_contrast, 0.003);
	ck_assert_double_eq(c.layer_separation_um, 4.0);
	ck_assert_int_eq(mdl_specimen_layer_count(&c), 1);
	ck_assert_double_eq(mdl_specimen_layer_offset_um(&c, 0), 0.0);
	ck_assert_double_eq(mdl_specimen_layer_offset_um(&c, 1), 0.0);
	c.kind = MDL_SPECIMEN_TWO_LAYER;
	ck_assert_int_eq(mdl_specimen_layer_count(&c), 2);
	ck_assert_double_eq(mdl_specimen_layer_offset_um(&c, 1), 4.0);
}
END_TEST

START_TEST(test_config_check)
{
	mdl_specimen_config c;

	mdl_specimen_config_default(&c);
	c.contrast = 1.5;
	ck_assert_int_eq(mdl_specimen_config_check(&c), MDL_EINVAL);
	mdl_specimen_config_default(&c);
	c.brightness = -1.0;
	ck_assert_int_eq(mdl_specimen_config_check(&c), MDL_EINVAL);
	mdl_specimen_config_default(&c);
	c.grid_line_um = 10.0;
	ck_assert_int_eq(mdl_specimen_config_check(&c), MDL_EINVAL);
	mdl_specimen_config_default(&c);
	c.cell_diameter_um = 0.0;
	ck_assert_int_eq(mdl_specimen_config_check(&c), MDL_EINVAL);
	mdl_specimen_config_default(&c);
	c.tilt_x_um_per_mm = NAN;
	ck_assert_int_eq(mdl_specimen_config_check(&c), MDL_EINVAL);
	mdl_specimen_config_default(&c);
	c.kind = (mdl_specimen_kind)9;
	ck_assert_int_eq(mdl_specimen_config_check(&c), MDL_EINVAL);
	ck_assert_int_eq(mdl_specimen_config_check(NULL), MDL_EINVAL);
}
END_TEST

/* Same config, same values, whatever the order of evaluation; another seed,
 * another field. */
START_TEST(test_determinism)
{
	mdl_specimen_config a, b;
	double first[200];
	int differ = 0;

	mdl_specimen_config_default(&a);
	a.seed = 1234;
	b = a;
	for (int i = 0; i < 200; i++)
		first[i] = mdl_specimen_emission(&a, 0, 3.7 * i - 400.0, 1.3 * i + 55.5);
	for (int i = 199; i >= 0; i--)
		ck_assert_double_eq(mdl_specimen_emission(&b, 0, 3.7 * i - 400.0, 1.3 * i + 55.5),
				    first[i]);
	b.seed = 1235;
	for (int i = 0; i < 200; i++)
		differ += mdl_specimen_emission(&b, 0, 3.7 * i - 400.0, 1.3 * i + 55.5) != first[i];
	ck_assert_int_gt(differ, 150);
	/* The two layers of a two-layer specimen are different fields. */
	a.kind = MDL_SPECIMEN_TWO_LAYER;
	differ = 0;
	for (int i = 0; i < 200; i++)
		differ += mdl_specimen_emission(&a, 0, 2.1 * i, 0.0) * 0.7 !=
			  mdl_specimen_emission(&a, 1, 2.1 * i, 0.0);
	ck_assert_int_gt(differ, 150);
}
END_TEST

START_TEST(test_non_negative)
{
	mdl_specimen_config c;

	mdl_specimen_config_default(&c);
	c.contrast = 1.0;
	for (int k = MDL_SPECIMEN_CELLS; k <= MDL_SPECIMEN_TWO_LAYER; k++) {
		c.kind = (mdl_specimen_kind)k;
		for (int l = 0; l < mdl_specimen_layer_count(&c); l++) {
			for (int i = 0; i < 20000; i++) {
				double e = mdl_specimen_emission(&c, l, 0.731 * i - 7000.0,
								 0.377 * (i % 997) + 1.0e5);

				ck_assert(e >= 0.0 && isfinite(e));
			}
		}
	}
	/* Layers that do not exist and non-finite coordinates emit nothing. */
	c.kind = MDL_SPECIMEN_CELLS;
	ck_assert_double_eq(mdl_specimen_emission(&c, 1, 0.0, 0.0), 0.0);
	ck_assert_double_eq(mdl_specimen_emission(&c, -1, 0.0, 0.0), 0.0);
	ck_assert_double_eq(mdl_specimen_emission(&c, 0, NAN, 0.0), 0.0);
	ck_assert_double_eq(mdl_specimen_emission(&c, 0, 0.0, INFINITY), 0.0);
}
END_TEST

/* The plane mean is the brightness: cells within 3 % over 600 x 600 um,
 * the grid within 2 %, the flat field exactly, two layers summed. */
START_TEST(test_mean_brightness)
{
	mdl_specimen_config c;
	double m;

	mdl_specimen_config_default(&c);
	c.brightness = 2.0;
	c.seed = 99;
	m = area_mean(&c, 0, -300.0, 200.0, 600.0, 0.77);
	ck_assert_double_lt(fabs(m - 2.0), 0.06);
	c.kind = MDL_SPECIMEN_LOW_TEXTURE;
	m = area_mean(&c, 0, -300.0, 200.0, 600.0, 0.77);
	ck_assert_double_lt(fabs(m - 2.0), 0.002);
	c.kind = MDL_SPECIMEN_GRID;
	m = area_mean(&c, 0, 0.0, 0.0, 200.0, 0.1);
	ck_assert_double_lt(fabs(m - 2.0), 0.04);
	c.kind = MDL_SPECIMEN_FLAT;
	ck_assert_double_eq(mdl_specimen_emission(&c, 0, 12.0, -3.0), 2.0);
	c.kind = MDL_SPECIMEN_TWO_LAYER;
	m = area_mean(&c, 0, -300.0, 200.0, 600.0, 0.77) + area_mean(&c, 1, -300.0, 200.0, 600.0, 0.77);
	ck_assert_double_lt(fabs(m - 2.0), 0.06);
	/* Layer 2 carries layer2_weight / (1 + layer2_weight) of it. */
	ck_assert_double_lt(fabs(area_mean(&c, 1, -300.0, 200.0, 600.0, 0.77) - 2.0 * 0.7 / 1.7),
			    0.04);
}
END_TEST

/* Lens B sees structure: over its 128 x 128 px field the cells vary by
 * ~55 % rms and neighbouring pixels differ by ~9 % rms (fine texture); the
 * low-texture field varies by ~0.2 %. */
START_TEST(test_texture_lens_b)
{
	mdl_specimen_config c;
	double sd, step;

	mdl_specimen_config_default(&c);
	for (int i = 0; i < 4; i++) {
		c.seed = (uint64_t)(1000 * i + 7);
		lens_b_stats(&c, 333.0 * i, -71.0 * i, &sd, &step);
		ck_assert_msg(sd > 0.3, "relative sd %.4f", sd);
		ck_assert_msg(step > 0.04, "neighbour step %.4f", step);
	}
	c.kind = MDL_SPECIMEN_LOW_TEXTURE;
	lens_b_stats(&c, 10.0, 10.0, &sd, &step);
	ck_assert_double_gt(sd, 0.0005);
	ck_assert_double_lt(sd, 0.005);
	c.kind = MDL_SPECIMEN_FLAT;
	lens_b_stats(&c, 10.0, 10.0, &sd, &step);
	ck_assert_double_eq(step, 0.0);
}
END_TEST

/* Lens A (0.65 um pixels) sees cells too: the field varies from cell to
 * background on the scale of the cell diameter. */
START_TEST(test_texture_lens_a)
{
	mdl_specimen_config c;
	double lo = 1e300, hi = 0.0;

	mdl_specimen_config_default(&c);
	for (int y = 0; y < 128; y++) {
		for (int x = 0; x < 128; x++) {
			double e = mdl_specimen_emission(&c, 0, 0.65 * x, 0.65 * y);

			lo = e < lo ? e : lo;
			hi = e > hi ? e : hi;
		}
	}
	ck_assert_double_lt(lo, 0.6);
	ck_assert_double_gt(hi, 1.8);
}
END_TEST

/* The grid repeats every pitch in x and y, is bright on the lines. */
START_TEST(test_grid)
{
	mdl_specimen_config c;
	double on, off;

	mdl_specimen_config_default(&c);
	c.kind = MDL_SPECIMEN_GRID;
	for (int i = 0; i < 400; i++) {
		double x = 0.25 * i + 0.125, y = 0.5 * (i % 37) + 0.125;
		double e = mdl_specimen_emission(&c, 0, x, y);

		ck_assert_double_eq(mdl_specimen_emission(&c, 0, x + 10.0, y), e);
		ck_assert_double_eq(mdl_specimen_emission(&c, 0, x, y - 30.0), e);
	}
	on = mdl_specimen_emission(&c, 0, 1.0, 5.0);
	off = mdl_specimen_emission(&c, 0, 5.0, 5.0);
	ck_assert_double_gt(on, 2.0 * off);
	ck_assert_double_eq(mdl_specimen_emission(&c, 0, 5.0, 1.5), on);
	ck_assert_double_eq(mdl_specimen_emission(&c, 0, 15.0, 25.0), off);
}
END_TEST

START_TEST(test_tilt_height)
{
	mdl_specimen_config c;

	mdl_specimen_config_default(&c);
	ck_assert_double_eq(mdl_specimen_height_um(&c, 500.0, -200.0), 0.0);
	c.tilt_x_um_per_mm = 10.0;
	c.tilt_y_um_per_mm = -4.0;
	ck_assert_double_eq_tol(mdl_specimen_height_um(&c, 500.0, -200.0), 5.0 + 0.8, 1e-12);
	ck_assert_double_eq_tol(mdl_specimen_height_um(&c, -100.0, 0.0), -1.0, 1e-12);
	/* Tilt changes heights, not what is drawn. */
	{
		mdl_specimen_config flat_c;

		mdl_specimen_config_default(&flat_c);
		ck_assert_double_eq(mdl_specimen_emission(&c, 0, 3.0, 4.0),
				    mdl_specimen_emission(&flat_c, 0, 3.0, 4.0));
	}
}
END_TEST

/* The row sampler gives mdl_specimen_emission's doubles, bit for bit: every
 * kind, both layers and a missing one, columns finer and coarser than the
 * finest lattice (0.3 um) across negative and positive coordinates, rows
 * visited upwards, downwards and jumping (cached lattice rows reused,
 * shifted and rebuilt), a row beyond the coordinate limit, and columns
 * with a non-finite x (the point-by-point path); with the portable code
 * and with AVX2 (where the processor has it), rows of 700, 699 and 698
 * samples (vector tails). */
START_TEST(test_rows_match_points)
{
	static const mdl_specimen_kind kinds[] = { MDL_SPECIMEN_CELLS, MDL_SPECIMEN_GRID,
						   MDL_SPECIMEN_LOW_TEXTURE, MDL_SPECIMEN_FLAT,
						   MDL_SPECIMEN_TWO_LAYER };
	static const double steps[] = { 0.0541, 0.2167, 0.77 };
	static const double ys[] = { -31.0, -30.93, -30.85, -30.2, 4.4, 4.45, 4.2, 400.0, -2e12 };
	double xs[700], out[700];
	long compared = 0;

	/* every (AVX2 off/on, kind, layer -1..2, column step) */
	for (int run = 0; run < 2 * 5 * 4 * 3; run++) {
		int simd = run / 60, layer = run / 3 % 4 - 1;
		size_t ki = (size_t)(run / 12 % 5), si = (size_t)(run % 3), n = 700 - si;
		mdl_specimen_config c;
		mdl_specimen_rows *r;

		mdl_specimen_config_default(&c);
		c.kind = kinds[ki];
		c.seed = 99u + ki;
		for (size_t i = 0; i < n; i++)
			xs[i] = -20.0 + steps[si] * (double)i;
		if (si == 2)
			xs[5] = NAN;
		r = mdl_specimen_rows_new(&c, layer, xs, n);
		ck_assert_ptr_nonnull(r);
		mdl_specimen_rows_use_avx2(r, simd);
		for (size_t k = 0; k < sizeof ys / sizeof ys[0]; k++) {
			mdl_specimen_rows_eval(r, ys[k], out);
			for (size_t i = 0; i < n; i++) {
				double want = mdl_specimen_emission(&c, layer, xs[i], ys[k]);

				ck_assert_msg(memcmp(&out[i], &want, sizeof want) == 0,
					      "avx2 %d kind %zu layer %d x %.17g y %.17g: %.17g, "
					      "point %.17g", simd, ki, layer, xs[i], ys[k], out[i], want);
				compared++;
			}
		}
		mdl_specimen_rows_free(r);
	}
	ck_assert_int_eq(compared, 2L * 5 * 4 * 9 * (700 + 699 + 698));
	ck_assert_ptr_null(mdl_specimen_rows_new(NULL, 0, xs, 10));
	ck_assert_ptr_null(mdl_specimen_rows_new(&(mdl_specimen_config){ .kind = MDL_SPECIMEN_CELLS },
						 0, xs, 10));
	mdl_specimen_rows_free(NULL);
}
END_TEST

/* The bound behind the row sampler's skipped exp() (specimen.c, "The
 * membrane ring's exp() is skipped"): where the ring's exponent is at most
 * -38, 0.25 exp(q) is below half an ulp of the smallest cell value (0.24 >
 * 2^-3), so adding it changes no double; at -30 it would. */
START_TEST(test_rim_skip_bound)
{
	static const double qs[] = { -38.0, -38.5, -45.0, -100.0, -700.0 };
	long kept = 0;

	ck_assert(0.25 * exp(-38.0) < 0x1p-56);
	ck_assert(1.5 * 0.25 * exp(-38.0) < 0x1p-56);   /* exp()'s error is far inside */
	ck_assert(0.8 * (0.3 + 0.0) > 0x1p-3);
	for (double cell = 0.24; cell < 4.0; cell = nextafter(cell * 1.0137, 5.0)) {
		for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
			double rim = 0.25 * exp(qs[k]), sum = cell + rim;

			ck_assert_msg(memcmp(&sum, &cell, sizeof sum) == 0, "cell %.17g q %g", cell,
				      qs[k]);
		}
		kept += cell + 0.25 * exp(-30.0) != cell;
	}
	ck_assert_int_gt(kept, 0);
}
END_TEST

/* The row sampler against points where the ring's exp() is skipped or not:
 * rows 0.013 um apart through cells of two sizes, columns 0.011 um apart,
 * so that many samples fall on either side of the skip's radius (rho =
 * 0.51) and of the disk's edge; portable code, then AVX2. */
START_TEST(test_rows_rim_boundary)
{
	static const double diameters[] = { 10.0, 3.1 };
	double xs[1500], out[1500];

	for (size_t d = 0; d < 4; d++) {
		mdl_specimen_config c;
		mdl_specimen_rows *r;

		mdl_specimen_config_default(&c);
		c.seed = 1234u + d % 2;
		c.cell_diameter_um = diameters[d % 2];
		for (size_t i = 0; i < 1500; i++)
			xs[i] = -3.0 + 0.011 * (double)i;
		r = mdl_specimen_rows_new(&c, 0, xs, 1500);
		ck_assert_ptr_nonnull(r);
		mdl_specimen_rows_use_avx2(r, d >= 2);
		for (int k = 0; k < 300; k++) {
			double y = 2.0 + 0.013 * (double)k;

			mdl_specimen_rows_eval(r, y, out);
			for (size_t i = 0; i < 1500; i++) {
				double want = mdl_specimen_emission(&c, 0, xs[i], y);

				ck_assert_msg(memcmp(&out[i], &want, sizeof want) == 0,
					      "d %g x %.17g y %.17g: %.17g, point %.17g", diameters[d % 2],
					      xs[i], y, out[i], want);
			}
		}
		mdl_specimen_rows_free(r);
	}
}
END_TEST

Suite *specimen_suite(void)
{
	Suite *s = suite_create("specimen");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_config_check);
	tcase_add_test(tc, test_determinism);
	tcase_add_test(tc, test_non_negative);
	tcase_add_test(tc, test_mean_brightness);
	tcase_add_test(tc, test_texture_lens_b);
	tcase_add_test(tc, test_texture_lens_a);
	tcase_add_test(tc, test_grid);
	tcase_add_test(tc, test_tilt_height);
	tcase_add_test(tc, test_rows_match_points);
	tcase_add_test(tc, test_rim_skip_bound);
	tcase_add_test(tc, test_rows_rim_boundary);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
