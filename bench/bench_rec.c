/*
 * bench_rec.c - the flight recorder's cost and the replay's speed.
 *
 * On the simulated rig (field/fld_sim.h: the default rig, A->B handoffs at
 * random places, each with its setup move, the engine ticking every four):
 *   bytes per handoff  the log's growth per handoff (the difference between
 *                      runs of 20 and 220 handoffs over 200), per way of
 *                      keeping pixels;
 *   CPU per handoff    CPU time of the run with the recorder minus without,
 *                      per handoff (best of 3 runs each; a discarding sink,
 *                      so the figure is the recorder's, not a disk's);
 *   replay             handoffs (and calls) replayed per CPU second, from a log
 *                      with every frame's pixels (the engine scores them)
 *                      and from one without (recorded scores), and the time
 *                      to read the log;
 *   import             `afsim field import` of a log of those handoffs (no
 *                      pixels, the tests' jam and dropped frames): the
 *                      log read as steps and its rig fitted, then the
 *                      whole import - the simulation that places the jam
 *                      of a handoff's setup, the files, the check run.
 * Prints figures; asserts nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "field/fld_fit.h"
#include "field/fld_import.h"
#include "field/fld_log.h"
#include "field/fld_replay.h"
#include "field/fld_sim.h"
#include "field/fld_steps.h"
#include "sim/runner.h"
#include "sim/scenario.h"

#define H_SMALL 20
#define H_LARGE 220
#define H_CPU 200
#define REPS 3

/* The process's CPU time: the machine may be shared, the runs are
 * single-threaded. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct mode {
	const char *name;
	uint32_t keep_last;
	size_t ring;
	bool stamps;
} mode;

static const mode modes[] = {
	{ "every frame's pixels (default)", 0, 0, true },
	{ "pixels of the last 8 operations", 8, (size_t)16 << 20, true },
	{ "no pixels", 1, 0, true },
	{ "no pixels, no clock stamps", 1, 0, false },
};
#define NMODES (sizeof modes / sizeof modes[0])

static void options(const mode *md, af_rec_options *ro)
{
	af_rec_options_default(ro);
	ro->keep_last_n_ops = md->keep_last;
	ro->ring_bytes = md->ring;
	ro->stamps = md->stamps;
}

/* One run; returns its wall time (and *bytes, *stats). */
static double run(uint32_t handoffs, bool calibrate, const mode *md, fld_mem *m, fld_sim_out *out)
{
	fld_sim_plan p;
	af_rec_options ro;
	af_rec_sink sink = { fld_mem_write, m };
	char err[256];
	double t0;

	fld_sim_plan_default(&p);
	p.handoffs = handoffs;
	p.calibrate = calibrate;
	p.autofocus = false;
	if (md)
		options(md, &ro);
	t0 = now_s();
	if (fld_sim_run(&p, md ? &ro : NULL, &sink, out, err, sizeof err) != 0) {
		fprintf(stderr, "bench_rec: %s\n", err);
		exit(3);
	}
	return now_s() - t0;
}

static double best_run(uint32_t handoffs, const mode *md)
{
	double best = 1e300;

	for (int r = 0; r < REPS; r++) {
		fld_mem m = { .discard = true };
		fld_sim_out out;
		double t = run(handoffs, false, md, &m, &out);

		best = t < best ? t : best;
	}
	return best;
}

static void replay_speed(const char *what, const mode *md)
{
	fld_mem m = { 0 };
	fld_sim_out out;
	fld_replay_result r;
	fld_log *l;
	char err[FLD_ERR_MAX];
	double t0, t_read, t_replay;

	run(H_CPU, false, md, &m, &out);
	t0 = now_s();
	if (fld_log_parse(m.p, m.len, "bench.aflog", &l, err, sizeof err) != 0) {
		fprintf(stderr, "bench_rec: %s\n", err);
		exit(3);
	}
	t_read = now_s() - t0;
	t0 = now_s();
	if (fld_replay(l, &l->config, NULL, false, &r) != FLD_REPRODUCED) {
		fprintf(stderr, "bench_rec: the replay did not reproduce: %s\n", r.what);
		exit(3);
	}
	t_replay = now_s() - t0;
	printf("  %-34s %6.1f MB  read %6.1f ms  replay %7.1f ms: %8.0f handoffs/s, %9.0f calls/s\n",
	       what, (double)m.len / 1e6, t_read * 1e3, t_replay * 1e3,
	       H_CPU / t_replay, (double)r.calls / t_replay);
	fld_log_free(l);
	fld_mem_release(&m);
}

/* The import's log: the runner on the simulated rig (field/fld_import.h
 * reads its logs as the runner's steps), a calibration and H_CPU handoffs
 * with a pause every 20; the camera drops two frames at handoff 40 and the
 * switcher jams half way through handoff 100: in the setup of the next. */

typedef struct op_times {
	double t_ms[H_CPU + 2], switch_ms[H_CPU + 2], total_ms[H_CPU + 2];
} op_times;

static void on_op(void *user, const sim_op_record *r)
{
	op_times *o = user;

	if (r->seq < H_CPU + 2) {
		o->t_ms[r->seq] = r->t_ms;
		o->switch_ms[r->seq] = r->lens_switch_ms;
		o->total_ms[r->seq] = r->total_ms;
	}
}

/* The scenario: the steps of import_yaml, H_CPU / 20 times over, with the
 * faults. */
static int import_scenario(sim_scenario *sc, int64_t jam_ns)
{
	char *text = NULL, err[SIM_ERR_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f)
		return -1;
	fprintf(f, "scenario: bench-import\nfaults:\n  - {at_op: 41, kind: camera_drop, count: 2}\n");
	if (jam_ns > 0)
		fprintf(f, "  - {at_s: %.9f, kind: turret_jam}\n", (double)jam_ns / 1e9);
	fprintf(f, "steps:\n  - calibrate: {points: 7}\n");
	for (int i = 0; i < H_CPU / 20; i++)
		fprintf(f, "  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5]}, repeat: 20}\n"
			   "  - wait: {s: 60}\n");
	if (fclose(f) != 0)
		return -1;
	rc = sim_scenario_load_string("bench-import.yaml", text, len, sc, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "bench_rec: %s\n", err);
	free(text);
	return rc;
}

static void import_speed(void)
{
	static const sim_results_ops ops = { .op = on_op };
	static op_times ot;
	sim_scenario sc;
	sim_run_opts so;
	sim_run_result res;
	af_rec_options ro;
	fld_mem m = { 0 };
	af_rec_sink sink = { fld_mem_write, &m };
	fld_log *l;
	fld_steps st;
	fld_fit fit;
	fld_import_opts o;
	fld_import_report rep;
	char err[FLD_ERR_MAX + 600], dir[] = "/tmp/afsim-bench-import-XXXXXX", path[128];
	double t0, t_read, t_fit, t_all;
	int rc;

	/* where handoff 100 (operation 101) is half way through its search */
	if (import_scenario(&sc, 0) != 0)
		exit(3);
	sim_run_opts_default(&so);
	sim_run_with(&sc, &so, &ops, &ot, &res);
	sim_scenario_release(&sc);
	if (import_scenario(&sc, (int64_t)((ot.t_ms[101] + ot.switch_ms[101] +
					     0.5 * (ot.total_ms[101] - ot.switch_ms[101])) * 1e6)) != 0)
		exit(3);
	options(&modes[2], &ro);
	so.record = &sink;
	so.record_opts = &ro;
	sim_run_with(&sc, &so, NULL, NULL, &res);
	sim_scenario_release(&sc);
	if (res.verdict == SIM_ERROR || !mkdtemp(dir)) {
		fprintf(stderr, "bench_rec: the import's log cannot be made: %s\n", res.message);
		exit(3);
	}
	t0 = now_s();
	if (fld_log_parse(m.p, m.len, "bench.aflog", &l, err, sizeof err) != 0) {
		fprintf(stderr, "bench_rec: %s\n", err);
		exit(3);
	}
	t_read = now_s() - t0;
	t0 = now_s();
	if (fld_steps_build(l, 0.05, &st, err, sizeof err) != 0 ||
	    fld_fit_rig(l, st.start_us, &fit, err, sizeof err) != 0) {
		fprintf(stderr, "bench_rec: %s\n", err);
		exit(3);
	}
	t_fit = now_s() - t0;
	fld_fit_release(&fit);
	fld_steps_release(&st);
	snprintf(path, sizeof path, "%s/bench.yaml", dir);
	fld_import_opts_default(&o);
	t0 = now_s();
	rc = fld_import(l, "bench.aflog", path, &o, &rep, err, sizeof err);
	t_all = now_s() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench_rec: the import failed: %s\n", rc < 0 ? err : "something missing");
		exit(3);
	}
	printf("\nimport of a log of %d handoffs and a calibration (runner-made, no pixels, %.0f kB, "
	       "%zu calls; CPU time):\n", H_CPU, (double)m.len / 1e3, l->ncalls);
	printf("  read %.1f ms; steps and rig fitted %.1f ms: %.0f handoffs/s\n", t_read * 1e3,
	       t_fit * 1e3, H_CPU / t_fit);
	printf("  the whole import %.1f ms (%zu simulation%s to place a setup fault, the files, the "
	       "check run): %.0f handoffs/s; %s, %zu faults\n", t_all * 1e3, rep.setup_runs,
	       rep.setup_runs == 1 ? "" : "s", H_CPU / t_all,
	       rep.checked ? "the failures reproduce" : "the check differs", rep.faults);
	fld_import_report_release(&rep);
	fld_log_free(l);
	fld_mem_release(&m);
	unlink(path);
	snprintf(path, sizeof path, "%s/bench.temps.csv", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	double t_off;

	printf("flight recorder on the default simulated rig (fast level, 128x128 16-bit frames)\n\n");
	printf("bytes per handoff (with its setup move; over %d handoffs after a calibration):\n",
	       H_LARGE - H_SMALL);
	for (size_t i = 0; i < NMODES; i++) {
		fld_mem a = { .discard = true }, b = { .discard = true };
		fld_sim_out oa, ob;
		double per, frames;

		run(H_SMALL, true, &modes[i], &a, &oa);
		run(H_LARGE, true, &modes[i], &b, &ob);
		per = (double)(b.len - a.len) / (H_LARGE - H_SMALL);
		frames = (double)(ob.rec.frames - oa.rec.frames) / (H_LARGE - H_SMALL);
		printf("  %-34s %9.0f bytes  (%.1f frames, %llu calls per handoff", modes[i].name, per,
		       frames, (unsigned long long)((ob.rec.calls - oa.rec.calls) /
						    (H_LARGE - H_SMALL)));
		if (modes[i].keep_last == 0)
			printf("; %.2f bytes per pixel", (per - 2500.0) / (frames * 128 * 128));
		printf(")\n");
	}
	printf("  (a frame's pixels raw: %d bytes; \"bytes per pixel\" counts %d bytes of the "
	       "handoff's calls as not pixels)\n", 128 * 128 * 2, 2500);

	printf("\nCPU per handoff (best of %d runs of %d handoffs, no calibration, discarding sink):\n",
	       REPS, H_CPU);
	t_off = best_run(H_CPU, NULL);
	printf("  %-34s %9.0f us per handoff (the simulator and the engine)\n", "recorder off",
	       t_off / H_CPU * 1e6);
	for (size_t i = 0; i < NMODES; i++) {
		double t_on = best_run(H_CPU, &modes[i]);

		printf("  %-34s %+9.1f us per handoff (%+.1f %%)\n", modes[i].name,
		       (t_on - t_off) / H_CPU * 1e6, 100.0 * (t_on - t_off) / t_off);
	}

	printf("\nreplay of %d handoffs (no calibration; CPU time):\n", H_CPU);
	replay_speed(modes[0].name, &modes[0]);
	replay_speed(modes[2].name, &modes[2]);
	import_speed();
	return 0;
}
