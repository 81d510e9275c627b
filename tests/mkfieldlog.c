/*
 * mkfieldlog.c - write a field log from a run on the simulated rig
 * (field/fld_sim.h), with the recorder's options that `afsim run --record`
 * does not offer (pixels of the last N operations only, a ring of a given
 * size, no clock stamps): the logs of tests/cli_replay.sh that run cannot
 * make, and the seed corpus of `make fuzz-fieldlog`.
 *
 *   mkfieldlog OUT [--seed N] [--handoffs N] [--level L] [--faults]
 *              [--keep-last N] [--ring-bytes N] [--no-stamps]
 *              [--no-calibrate] [--no-autofocus]
 *
 * --faults injects the tests' faults (fld_sim_faults: a turret jam, two
 * dropped frames).  Prints one line: operations, failures, bytes, trace hash.
 * Exit 0, 2 on bad usage, 3 when the run or the file fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field/fld_sim.h"

static int num(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	fld_sim_plan plan;
	fld_sim_out out;
	af_rec_options ro;
	sim_fault faults[FLD_SIM_FAULTS];
	af_rec_sink sink;
	char err[256];
	FILE *f;
	uint64_t v;

	fld_sim_plan_default(&plan);
	af_rec_options_default(&ro);
	ro.rig_id = "default simulated rig";
	ro.build_id = "mkfieldlog";
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mkfieldlog OUT [--seed N] [--handoffs N] [--level L] [--faults] "
			"[--keep-last N] [--ring-bytes N] [--no-stamps] [--no-calibrate] [--no-autofocus]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--faults") == 0) {
			fld_sim_faults(faults);
			plan.faults = faults;
			plan.nfaults = FLD_SIM_FAULTS;
		} else if (strcmp(a, "--no-calibrate") == 0) {
			/* and the datasheet instrument: without a calibration
			 * nothing in the log tells its parfocal truth, which an
			 * import does not fit (models/truth.h) */
			plan.calibrate = false;
			plan.nominal = true;
		} else if (strcmp(a, "--no-autofocus") == 0) {
			plan.autofocus = false;
		} else if (strcmp(a, "--no-stamps") == 0) {
			ro.stamps = false;
		} else if (strcmp(a, "--level") == 0 && next && af_level_parse(next) >= 0) {
			plan.engine.level = (af_level)af_level_parse(next);
			i++;
		} else if (num(next, &v) == 0 && strcmp(a, "--seed") == 0) {
			plan.seed = v;
			i++;
		} else if (num(next, &v) == 0 && v <= 100000 && strcmp(a, "--handoffs") == 0) {
			plan.handoffs = (uint32_t)v;
			i++;
		} else if (num(next, &v) == 0 && v <= 1000000 && strcmp(a, "--keep-last") == 0) {
			ro.keep_last_n_ops = (uint32_t)v;
			i++;
		} else if (num(next, &v) == 0 && strcmp(a, "--ring-bytes") == 0) {
			ro.ring_bytes = (size_t)v;
			i++;
		} else {
			fprintf(stderr, "mkfieldlog: bad option '%s'\n", a);
			return 2;
		}
	}
	f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 3;
	}
	sink.write = fld_file_sink_write;
	sink.user = f;
	if (fld_sim_run(&plan, &ro, &sink, &out, err, sizeof err) != 0) {
		fprintf(stderr, "mkfieldlog: %s\n", err);
		fclose(f);
		return 3;
	}
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 3;
	}
	printf("%" PRIu32 " operations, %" PRIu32 " failed, %" PRIu64 " bytes, trace %016" PRIx64 "\n",
	       out.ops, out.failed, out.rec.bytes, out.trace_hash);
	return 0;
}
