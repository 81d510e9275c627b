/*
 * test_engine_errors.c - the engine's own error returns, each run once
 * with its code and message: bad arguments of a handoff, an autofocus, a
 * move and a calibration; a calibration site that cannot be reached, too
 * few sites with focus, no temperature; a focus measure that fails; a
 * handoff with no prediction; a landing that does not validate; sites
 * that do not span the fit; a probe curve unlike the learnt one; a lost
 * landing frame; scan and probe searches that cannot finish (scores
 * scripted on the fake HAL).  (The HAL's failures call by call are
 * test_hal_anomaly.c's, allocation failures test_alloc_fail.c's, the fits',
 * the constructors' and the recorder's limits test_engine_errors2.c's.)
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/af_engine.h"
#include "engine/af_fit.h"
#include "engine/af_measure.h"
#include "engine/af_peak.h"
#include "engine/af_stats.h"
#include "sim/sim_ctl.h"
#include "tests/fake_hal.h"
#include "tests/rigfix.h"

START_TEST(handoff_and_autofocus_refuse_bad_arguments)
{
	static rigfix f;
	af_handoff_result r;
	af_focus_result fr;

	start(&f, 3, true);
	ck_assert_int_eq(af_handoff(f.e, AF_LENS_A, AF_LENS_A, 1.0, &r), AF_EINVAL);
	ck_assert_str_eq(r.message, "handoff needs two different lenses");
	ck_assert(!r.success);
	ck_assert_int_eq(af_handoff(f.e, (af_lens)5, AF_LENS_B, 1.0, &r), AF_EINVAL);
	ck_assert_str_eq(r.message, "handoff needs two different lenses");
	ck_assert_int_eq(af_handoff(f.e, AF_LENS_A, AF_LENS_B, NAN, &r), AF_EINVAL);
	ck_assert_str_eq(r.message, "handoff source position is not a finite number");
	ck_assert_int_eq(af_autofocus(f.e, (af_lens)7, 1.0, &fr), AF_EINVAL);
	ck_assert_str_eq(fr.message, "autofocus: no lens 7");
	ck_assert_int_eq(af_autofocus(f.e, AF_LENS_B, INFINITY, &fr), AF_EINVAL);
	ck_assert_str_eq(fr.message, "autofocus: position is not a finite number");
	ck_assert(isnan(fr.z_um));
	ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_A, NAN), AF_EINVAL);
	ck_assert_str_eq(af_engine_errmsg(f.e), "move: target is not a finite number");
	/* nothing was commanded: the next handoff works */
	calibrate(&f);
	ck_assert_int_eq(handoff_at(&f, 1.0, NULL, &r), AF_OK);
	stop(&f);
}
END_TEST

static int unreachable(void *user, uint32_t i, double z)
{
	(void)user;
	(void)z;
	return i == 2 ? AF_EHW : 0;
}

/* Every temperature reading fails: a calibration on an engine without a
 * drift estimate cannot say at what temperature it holds (it once failed
 * "5 sites are not enough for the adaptive model"); with an estimate from
 * an earlier reading, that stands in. */
START_TEST(calibration_without_temperature)
{
	static rigfix f;
	af_calib_plan plan = { 5, -6.0, 6.0, 1, false };
	af_calib_report r;
	sim_fault flt;

	start(&f, 9, true);
	ck_assert_int_eq(af_engine_tick(f.e), AF_OK);   /* an estimate, for later */
	stop(&f);
	start(&f, 9, true);
	memset(&flt, 0, sizeof flt);
	flt.kind = SIM_FAULT_HAL_ERROR;
	flt.at_ns = 0;
	flt.at_op = -1;
	flt.hal_op = SIM_HAL_OP_READ_TEMPERATURE;
	flt.code = AF_EIO;
	flt.every_nth = 1;
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), 0);
	ck_assert_int_eq(af_calibrate(f.e, &plan, put_site, f.sh, &r), AF_EIO);
	ck_assert_str_eq(r.message, "calibration has no temperature: every sensor reading failed "
				    "(read_temperature: injected EIO (input/output error) at call 3 of "
				    "read_temperature)");
	ck_assert(!af_engine_mapping(f.e)->valid);
	stop(&f);

	start(&f, 9, true);
	ck_assert_int_eq(af_engine_tick(f.e), AF_OK);
	ck_assert_int_eq(sim_ctl_add_fault(f.sh, &flt), 0);
	ck_assert_int_eq(af_calibrate(f.e, &plan, put_site, f.sh, &r), AF_OK);
	ck_assert(af_engine_mapping(f.e)->valid);
	ck_assert_double_eq_tol(r.temp_c, af_engine_temp_eff_c(f.e), 1e-9);
	stop(&f);
}
END_TEST

START_TEST(calibration_errors)
{
	static rigfix f;
	af_calib_plan plan = { 5, -6.0, 6.0, 1, false };
	af_calib_report r;

	start(&f, 4, true);
	/* a bad plan */
	plan.points = 1;
	ck_assert_int_eq(af_calibrate(f.e, &plan, put_site, f.sh, &r), AF_EINVAL);
	ck_assert_str_eq(r.message, "calibration needs 2..64 points over a range of positions");
	plan.points = 5;
	plan.to_um = NAN;
	ck_assert_int_eq(af_calibrate(f.e, &plan, put_site, f.sh, &r), AF_EINVAL);
	ck_assert_int_eq(af_calibrate(f.e, &plan, NULL, f.sh, &r), AF_EINVAL);
	plan.to_um = 6.0;
	/* a site the rig cannot reach */
	ck_assert_int_eq(af_calibrate(f.e, &plan, unreachable, f.sh, &r), AF_EHW);
	ck_assert_str_eq(r.message, "calibration site 2 at 0.000 um could not be reached");
	ck_assert(!r.success);
	ck_assert(!af_engine_mapping(f.e)->valid);
	/* and a good one after all that */
	ck_assert_int_eq(af_calibrate(f.e, &plan, put_site, f.sh, &r), AF_OK);
	ck_assert(af_engine_mapping(f.e)->valid);
	stop(&f);
}
END_TEST

/* A blank field: no site has focus; the calibration fails naming the
 * first. */
START_TEST(calibration_with_too_few_sites)
{
	static rigfix f;
	af_calib_plan plan = { 5, -6.0, 6.0, 1, false };
	af_calib_report r;

	mdl_rig_default(&f.rig);
	mdl_room_profile_default(&f.room);
	af_engine_config_default(&f.cfg);
	f.rig.specimen.kind = MDL_SPECIMEN_LOW_TEXTURE;
	f.rig.specimen.low_texture_contrast = 0.001;
	start(&f, 5, false);
	ck_assert_int_eq(af_calibrate(f.e, &plan, put_site, f.sh, &r), AF_ENOFOCUS);
	ck_assert_msg(strstr(r.message, "calibration found focus at 0 of 5 sites, fewer than the 3 it "
				       "needs: site 0 at -6.000 um, lens A: no focus found near ") ==
			      r.message, "%s", r.message);
	ck_assert_uint_eq(r.skipped, 5);
	stop(&f);
}
END_TEST

static int measure_fails(void *user, const af_frame *fr, af_measure_kind m, uint32_t stride,
			 double *score)
{
	(void)user;
	(void)fr;
	(void)m;
	(void)stride;
	*score = NAN;
	return AF_EINVAL;
}

START_TEST(a_failed_focus_measure_fails_the_handoff)
{
	static rigfix f;
	af_handoff_result r;

	start(&f, 6, true);
	calibrate(&f);
	af_engine_set_measure_fn(f.e, measure_fails, NULL);
	ck_assert_int_eq(handoff_at(&f, 0.5, NULL, &r), AF_EINVAL);
	ck_assert_str_eq(r.message, "focus measure brenner failed on a 128x128 frame");
	af_engine_set_measure_fn(f.e, NULL, NULL);
	ck_assert_int_eq(handoff_at(&f, 0.7, NULL, &r), AF_OK);
	stop(&f);
}
END_TEST

/*
 * A landing that scores below the search's best frame: the measure here
 * answers every frame with the real score but two, the landing of the
 * search and of its retry, with a third of it (found by trying the frame
 * numbers: the landings come after the searches' frames).
 */
typedef struct notch {
	uint32_t calls, landing, again;
} notch;

static int notched(void *user, const af_frame *fr, af_measure_kind m, uint32_t stride,
		   double *score)
{
	notch *n = user;
	int rc = af_measure(m, fr, stride, score);

	n->calls++;
	if (n->calls == n->landing || n->calls == n->again)
		*score /= 3.0;
	return rc;
}

START_TEST(a_landing_that_does_not_validate)
{
	static rigfix f;
	af_handoff_result r;
	notch n = { 0, 0, 0 };

	start(&f, 7, true);
	calibrate(&f);
	af_engine_set_level(f.e, AF_LEVEL_STANDARD);
	/* the landing of the first search and of the retry's */
	af_engine_set_measure_fn(f.e, notched, &n);
	for (uint32_t landing = 6; landing <= 20; landing++) {
		for (uint32_t again = 1; again <= 12; again++) {
			n.calls = 0;
			n.landing = landing;
			n.again = landing + again;
			if (handoff_at(&f, 0.5 + 0.01 * landing, NULL, &r) == AF_ENOFOCUS &&
			    strstr(r.message, "focus did not validate: the landing scores ") == r.message)
				goto found;
		}
	}
found:
	ck_assert_msg(strstr(r.message, "focus did not validate: the landing scores ") == r.message,
		      "%s", r.message);
	ck_assert_int_eq(r.error, AF_ENOFOCUS);
	ck_assert_uint_eq(r.retries, 1);
	ck_assert(isfinite(r.found_um));
	af_engine_set_measure_fn(f.e, NULL, NULL);
	ck_assert_int_eq(handoff_at(&f, 1.3, NULL, &r), AF_OK);
	stop(&f);
}
END_TEST

/* From lens B absurdly far outside the calibrated range, the cubic
 * mapping has no inverse there: no prediction, ESTATE. */
START_TEST(a_handoff_without_a_prediction)
{
	static rigfix f;
	af_handoff_result r;

	mdl_rig_default(&f.rig);
	mdl_room_profile_default(&f.room);
	af_engine_config_default(&f.cfg);
	f.cfg.mapping_model = AF_MAP_CUBIC;
	start(&f, 8, false);
	calibrate(&f);
	ck_assert_int_eq(af_handoff(f.e, AF_LENS_B, AF_LENS_A, 1e200, &r), AF_ESTATE);
	ck_assert_str_eq(r.message, "no prediction for 1e+200 um: the mapping cannot invert it");
	ck_assert(isnan(r.predicted_um));
	ck_assert_int_eq(handoff_at(&f, 0.5, NULL, &r), AF_OK);
	stop(&f);
}
END_TEST

/* The peak model refuses what is not a curve (af_peak.h's contract). */
START_TEST(peak_model_errors)
{
	const double z[4] = { -1.0, 0.0, 1.0, 2.0 }, sc[4] = { 1.0, 2.0, 1.0, 0.5 };
	af_lorentz m;
	double near, far;

	/* too few points, a score not positive, a bad bracket */
	ck_assert_int_eq(af_lorentz_fit(z, sc, 1, 0.0, NAN, -2.0, 2.0, &m, NULL), AF_EINVAL);
	ck_assert_int_eq(af_lorentz_fit(z, (const double[]){ 1.0, 0.0, 1.0, 1.0 }, 4, 0.0, NAN, -2.0,
					2.0, &m, NULL), AF_EINVAL);
	ck_assert_int_eq(af_lorentz_fit(z, sc, 4, 0.0, NAN, 2.0, -2.0, &m, NULL), AF_EINVAL);
	ck_assert_int_eq(af_lorentz_fit(z, sc, 4, 0.0, NAN, -2.0, 2.0, &m, NULL), AF_OK);
	ck_assert_double_eq_tol(m.z0_um, 0.0, 0.05);
	/* two probes: out of order, or a ratio no curve of that width makes */
	ck_assert_int_eq(af_lorentz_two(1.0, 1.0, 0.0, 2.0, 1.0, 0.0, -5.0, 5.0, &near, &far), AF_EINVAL);
	ck_assert_int_eq(af_lorentz_two(0.0, 1.0, 0.1, 100.0, 1.0, 0.0, -5.0, 5.0, &near, &far),
			 AF_ENOFOCUS);
	ck_assert_double_eq(near, 0.1);
	ck_assert_int_eq(af_lorentz_two(0.0, 1.0, 0.1, 100.0, 1.0, 0.3, -5.0, 5.0, &near, &far),
			 AF_ENOFOCUS);
	ck_assert_double_eq(far, 0.1);
}
END_TEST

/* A black frame has no scale to normalise by; a polynomial through x so
 * large that their mean overflows is out of range. */
START_TEST(measure_and_fit_errors)
{
	uint16_t px[64 * 64];
	af_frame f = { px, 64 * 64, 64, 64, 12, 0, 0 };
	const double x[3] = { 1e308, 1.5e308, 1.7e308 }, y[3] = { 1.0, 2.0, 3.0 };
	af_poly p;
	double score;

	memset(px, 0, sizeof px);
	ck_assert_int_eq(af_measure(AF_MEASURE_NORMVAR, &f, 1, &score), AF_EINVAL);
	ck_assert_int_eq(af_poly_fit(x, y, 3, 1, &p, NULL, NULL), AF_ERANGE);
}
END_TEST

/* A move to where the stage already is asks the drive nothing: no move,
 * no wait (a wait costs a bus round trip on a real drive). */
START_TEST(no_wait_without_a_move)
{
	static rigfix f;
	uint64_t moves, waits;

	start(&f, 10, true);
	ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_A, 2.0), AF_OK);
	moves = sim_ctl_hal_calls(f.sh, SIM_HAL_OP_MOVE_Z);
	waits = sim_ctl_hal_calls(f.sh, SIM_HAL_OP_WAIT_SETTLED);
	ck_assert_uint_gt(waits, 0);
	ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_A, 2.0), AF_OK);
	ck_assert_uint_eq(sim_ctl_hal_calls(f.sh, SIM_HAL_OP_MOVE_Z), moves);
	ck_assert_uint_eq(sim_ctl_hal_calls(f.sh, SIM_HAL_OP_WAIT_SETTLED), waits);
	ck_assert_int_eq(af_engine_goto(f.e, AF_LENS_A, 2.5), AF_OK);
	ck_assert_uint_eq(sim_ctl_hal_calls(f.sh, SIM_HAL_OP_WAIT_SETTLED), waits + 1);
	stop(&f);
}
END_TEST

/* An instrument whose lens B sits 7.5 um above lens A where the datasheet
 * says 4: lens B's first calibration search, from the datasheet offset,
 * sees the scores still rising at its end and follows them; the later
 * sites start from the offset found.  (It once failed the calibration:
 * "found focus at 2 of 11 sites".) */
START_TEST(calibration_finds_an_offset_far_from_the_datasheet)
{
	static rigfix f;
	af_calib_report r;

	mdl_rig_default(&f.rig);
	mdl_room_profile_default(&f.room);
	af_engine_config_default(&f.cfg);
	f.rig.truth.mode = MDL_TRUTH_NOMINAL;
	f.rig.parfocal.c0_um = 7.5;
	start(&f, 11, false);
	r = calibrate(&f);
	ck_assert_uint_eq(r.skipped, 0);
	ck_assert_uint_eq(r.points, 11);
	ck_assert_double_eq_tol(af_mapping_predict_b(af_engine_mapping(f.e), 0.0, NAN, false), 7.5, 0.5);
	stop(&f);
}
END_TEST

/* An engine on the scripted HAL; tune (when not NULL) edits the
 * defaults. */
static af_engine *fake_engine(fake_hal *fk, void (*tune)(af_engine_config *c))
{
	af_engine_config cfg;
	const char *err = NULL;
	af_engine *e;
	af_hal hal;

	fake_hal_init(fk, 15);
	ck_assert_int_eq(af_hal_bind(&hal, fake_hal_ops(), fk, NULL, 0), AF_OK);
	af_engine_config_default(&cfg);
	cfg.backlash_um = 0.0;  /* the fake's stage has no play */
	if (tune)
		tune(&cfg);
	e = af_engine_new(&hal, &cfg, &err);
	ck_assert_msg(e != NULL, "%s", err);
	return e;
}

static void cubic_model(af_engine_config *c)
{
	c->mapping_model = AF_MAP_CUBIC;
}

/* The fake HAL's site callback: the specimen stays where it is (a stage
 * whose xy drive does nothing), or goes to the plan position. */
static int site_stays(void *user, uint32_t i, double z)
{
	(void)user;
	(void)i;
	(void)z;
	return 0;
}

static int site_moves(void *user, uint32_t i, double z)
{
	(void)i;
	((fake_hal *)user)->place_um = z;
	return 0;
}

/*
 * Sites that are all the same place: on the scripted HAL (no noise, the
 * stage exactly where told) every site's searches see the same frames on
 * the same grid (sites 4 um apart, the wide search's step), lens A finds
 * focus at the same position everywhere, and the cubic model has one
 * distinct abscissa where it needs four: the fit fails, the calibration
 * with it, naming the model; the mapping is not replaced.  The same plan
 * over sites that are where the plan says calibrates.
 */
START_TEST(calibration_whose_sites_do_not_span)
{
	static fake_hal fk;
	af_calib_plan plan = { 5, -8.0, 8.0, 1, false };
	af_calib_report r;
	af_engine *e;

	e = fake_engine(&fk, cubic_model);
	fk.place_um = 0.3;
	ck_assert_int_eq(af_calibrate(e, &plan, site_stays, &fk, &r), AF_EINVAL);
	ck_assert_str_eq(r.message, "calibration fit failed: 5 sites are not enough for the cubic model");
	ck_assert_int_eq(r.error, AF_EINVAL);
	ck_assert(!r.success);
	ck_assert_uint_eq(r.skipped, 0);
	ck_assert(!af_engine_mapping(e)->valid);
	ck_assert_int_eq(af_calibrate(e, &plan, site_moves, &fk, &r), AF_OK);
	ck_assert_uint_eq(r.points, 5);
	ck_assert(af_engine_mapping(e)->valid);
	ck_assert_int_eq(af_engine_mapping(e)->order, 3);
	ck_assert_double_eq_tol(af_mapping_predict_b(af_engine_mapping(e), 2.0, NAN, false), 6.0, 0.1);
	af_engine_free(e);
}
END_TEST



/*
 * Scores scripted as a function of where the scripted HAL's stage is, and
 * a focus measure that fails at one call: the searches' rarer branches on
 * demand.
 */
typedef struct script {
	fake_hal *fk;
	double (*score)(double z_um);
	uint32_t calls, fail_at;
} script;

static int scripted(void *user, const af_frame *fr, af_measure_kind m, uint32_t stride,
		    double *score)
{
	script *sc = user;

	(void)fr;
	(void)m;
	(void)stride;
	if (++sc->calls == sc->fail_at)
		return AF_EIO;
	*score = sc->score(sc->fk->z_um);
	return AF_OK;
}

static af_engine *scripted_engine(fake_hal *fk, script *sc, double (*score)(double),
				  uint32_t fail_at)
{
	af_engine *e = fake_engine(fk, NULL);

	sc->fk = fk;
	sc->score = score;
	sc->calls = 0;
	sc->fail_at = fail_at;
	af_engine_set_measure_fn(e, scripted, sc);
	return e;
}

/* Lens B's wide search around 2 um samples 13 frames, -1 .. 5 um by 0.5:
 * the focus curve still rises at 4.5 um, and 5 um scores 99 % of it. */
static double rising(double z)
{
	return z <= 4.5 + 1e-9 ? 2.0 + z : 0.99 * 6.5;
}

/* Spikes at 1 and 3 um, a lower one at 2: the nearest peak is the one at
 * 2 um, and the frames around it make a valley-peak-valley-peak. */
static double spiky(double z)
{
	if (fabs(z - 2.0) < 0.1)
		return 5.0;
	if (fabs(z - 1.0) < 0.1 || fabs(z - 3.0) < 0.1)
		return 9.0;
	return 1.0;
}

START_TEST(a_search_that_cannot_finish)
{
	static fake_hal fk;
	static script sc;
	af_focus_result r;
	af_engine *e;

	/* a peak that has not fallen on its last frame: the search extends
	 * (frame 14, at 5.5 um), and that frame's measure fails */
	e = scripted_engine(&fk, &sc, rising, 14);
	ck_assert_int_eq(af_autofocus(e, AF_LENS_B, 2.0, &r), AF_EIO);
	ck_assert_str_eq(r.message, "focus measure brenner failed on a 64x64 frame");
	ck_assert_uint_eq(r.frames, 14);
	ck_assert_uint_eq(sc.calls, 14);
	ck_assert_double_eq_tol(fk.z_um, 5.5, 1e-9);
	/* without the failure the extension shows the peak still rising */
	sc.fail_at = 0;
	ck_assert_int_eq(af_autofocus(e, AF_LENS_B, 2.0, &r), AF_ENOFOCUS);
	ck_assert_msg(strstr(r.message, "no focus peak") == r.message, "%s", r.message);
	af_engine_free(e);

	/* a chosen peak whose neighbourhood is not concave: the fit refuses
	 * it, and the stage goes back to where the search was asked to look */
	e = scripted_engine(&fk, &sc, spiky, 0);
	ck_assert_int_eq(af_autofocus(e, AF_LENS_B, 2.0, &r), AF_ENOFOCUS);
	ck_assert_str_eq(r.message, "no focus peak: the focus curve is not concave around 2.000 um");
	ck_assert_uint_eq(r.frames, 13);
	ck_assert(isnan(r.z_um));
	ck_assert_double_eq_tol(fk.z_um, 2.0, 1e-9);
	/* the same engine on the HAL's own frames finds lens B's focus */
	af_engine_set_measure_fn(e, NULL, NULL);
	fk.place_um = -2.0;
	ck_assert_int_eq(af_autofocus(e, AF_LENS_B, 2.0, &r), AF_OK);
	ck_assert_double_eq_tol(r.z_um, 2.0, 0.05);
	af_engine_free(e);
}
END_TEST

/* Scores that rise with z: every probe search's best frame is its
 * highest. */
static double uphill(double z)
{
	return exp(z);
}

/*
 * A probe search (fast level, confirm) whose best frame is an end one
 * takes a frame beyond it; that frame's measure fails: the handoff fails
 * with the measure's code.  Then the HAL's own frames hand off.
 */
START_TEST(a_probe_search_that_cannot_finish)
{
	static fake_hal fk;
	static script sc;
	af_handoff_result r;
	af_engine *e;

	e = scripted_engine(&fk, &sc, uphill, 4);
	fk.place_um = 1.0;
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 1.0), AF_OK);
	ck_assert_int_eq(af_handoff(e, AF_LENS_A, AF_LENS_B, 1.0, &r), AF_EIO);
	ck_assert_str_eq(r.message, "focus measure brenner failed on a 64x64 frame");
	ck_assert_uint_eq(r.frames, 4);
	ck_assert_double_eq(r.predicted_um, 5.0);
	ck_assert(isnan(r.found_um));
	/* the stage stays within the search's range of the prediction */
	ck_assert_double_le(fabs(fk.z_um - 5.0),
			    af_engine_get_config(e)->search[AF_LENS_B][AF_LEVEL_FAST].range_um);
	af_engine_set_measure_fn(e, NULL, NULL);
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 1.0), AF_OK);
	ck_assert_int_eq(af_handoff(e, AF_LENS_A, AF_LENS_B, 1.0, &r), AF_OK);
	ck_assert_double_eq_tol(r.found_um, 5.0, 0.1);
	af_engine_free(e);
}
END_TEST

/*
 * The landing frame of a scan search (standard level: the search does not
 * end where it lands, so validation takes a frame there) is lost: the
 * handoff fails with the HAL's code and message, found where the search
 * put it, the stage left there; the next handoff works.  The frame's
 * number comes from the same handoff without the fault.
 */
static uint64_t standard_handoff(fake_hal *fk, uint64_t drop_after, af_handoff_result *r,
				 af_engine **e)
{
	uint64_t before;

	*e = fake_engine(fk, NULL);
	af_engine_set_level(*e, AF_LEVEL_STANDARD);
	fk->place_um = 0.5;
	ck_assert_int_eq(af_engine_goto(*e, AF_LENS_A, 0.5), AF_OK);
	before = fk->frames;
	fk->fail_grab_after = drop_after ? (int)(before + drop_after) : 0;
	(void)af_handoff(*e, AF_LENS_A, AF_LENS_B, 0.5, r);
	return fk->frames - before;
}

START_TEST(the_landing_frame_is_lost)
{
	static fake_hal fk;
	af_handoff_result r;
	af_engine *e;
	uint64_t grabs;

	grabs = standard_handoff(&fk, 0, &r, &e);
	ck_assert_msg(r.success, "%s", r.message);
	ck_assert_uint_eq(r.retries, 0);
	ck_assert_uint_eq(r.frames, grabs);
	af_engine_free(e);

	ck_assert_uint_eq(standard_handoff(&fk, grabs - 1, &r, &e), grabs - 1);
	ck_assert_int_eq(r.error, AF_ETIMEDOUT);
	ck_assert_str_eq(r.message, "grab_frame: scripted frame drop");
	ck_assert_uint_eq(r.frames, grabs - 1);
	ck_assert_uint_eq(r.retries, 0);
	ck_assert_double_eq_tol(r.found_um, 4.5, 0.1);
	ck_assert_double_eq(fk.z_um, r.found_um);
	fk.place_um = 0.9;
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 0.9), AF_OK);
	ck_assert_int_eq(af_handoff(e, AF_LENS_A, AF_LENS_B, 0.9, &r), AF_OK);
	ck_assert_double_eq_tol(r.found_um, 4.9, 0.1);
	af_engine_free(e);
}
END_TEST

static void narrow_b_no_retry(af_engine_config *c)
{
	c->validation_retries = 0;
	c->curve_width_um[AF_LENS_B] = 1.2;
}

/*
 * A probe search whose curve is unlike the learnt one, with no retry to
 * validate it by (validation_retries 0): lens B configured 1.2 um wide
 * where the scripted HAL's curve is about a quarter of that, so the refit
 * of the frames disagrees (af_probe.c's check: a refit half width over 1.6
 * times the learnt one or under it by as much, or a refit peak more than
 * 0.4 half widths from the landing): the handoff fails ENOFOCUS saying so
 * rather than report success.  The refit's width is learnt, so the next
 * handoff at the same level works.
 */
START_TEST(a_curve_unlike_the_learnt_one_without_a_retry)
{
	static fake_hal fk;
	af_handoff_result r;
	double refit_um, learnt_um, peak_um, landing_um;
	af_engine *e;
	int got;

	e = fake_engine(&fk, narrow_b_no_retry);
	fk.place_um = 0.5;
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 0.5), AF_OK);
	ck_assert_int_eq(af_handoff(e, AF_LENS_A, AF_LENS_B, 0.5, &r), AF_ENOFOCUS);
	got = sscanf(r.message, "focus did not validate: lens B's focus curve is unlike the one it "
			 "learnt (refit half width %lf um, learnt %lf um; refit peak %lf um from the "
			 "landing at %lf um)", &refit_um, &learnt_um, &peak_um, &landing_um);
	ck_assert_msg(got == 4, "%s", r.message);
	ck_assert(refit_um > 1.6 * 1.2 || refit_um < 1.2 / 1.6 || fabs(peak_um) > 0.4 * 1.2);
	/* the width it was compared with, not the one the refit then taught */
	ck_assert_double_eq_tol(learnt_um, 1.2, 5e-4);
	ck_assert_double_eq_tol(landing_um, r.found_um, 5e-4);
	ck_assert_uint_eq(r.retries, 0);
	ck_assert(!r.success);
	fk.place_um = 0.7;
	ck_assert_int_eq(af_engine_goto(e, AF_LENS_A, 0.7), AF_OK);
	ck_assert_int_eq(af_handoff(e, AF_LENS_A, AF_LENS_B, 0.7, &r), AF_OK);
	ck_assert_double_eq_tol(r.found_um, 4.7, 0.1);
	af_engine_free(e);
}
END_TEST

Suite *engine_errors_suite(void)
{
	Suite *s = suite_create("engine_errors");
	TCase *tc = tcase_create("errors");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, handoff_and_autofocus_refuse_bad_arguments);
	tcase_add_test(tc, calibration_errors);
	tcase_add_test(tc, calibration_with_too_few_sites);
	tcase_add_test(tc, calibration_without_temperature);
	tcase_add_test(tc, a_failed_focus_measure_fails_the_handoff);
	tcase_add_test(tc, a_landing_that_does_not_validate);
	tcase_add_test(tc, a_handoff_without_a_prediction);
	tcase_add_test(tc, peak_model_errors);
	tcase_add_test(tc, measure_and_fit_errors);
	tcase_add_test(tc, no_wait_without_a_move);
	tcase_add_test(tc, calibration_finds_an_offset_far_from_the_datasheet);
	tcase_add_test(tc, calibration_whose_sites_do_not_span);
	tcase_add_test(tc, a_curve_unlike_the_learnt_one_without_a_retry);
	tcase_add_test(tc, the_landing_frame_is_lost);
	tcase_add_test(tc, a_search_that_cannot_finish);
	tcase_add_test(tc, a_probe_search_that_cannot_finish);
	suite_add_tcase(s, tc);
	return s;
}
