/*
 * fld_sim.h - field logs made on the simulated rig, without the scenario
 * runner: the engine on the default rig (sim/sim_hal.h), optionally wrapped
 * in the flight recorder, through a fixed program - a calibration, an
 * autofocus, handoffs at random places with waits - with faults injected
 * through the simulator's control API.  The tests, the benchmark and the
 * log-making helper share it; `afsim run --record` will make logs from any
 * scenario through the runner with the same recorder.
 *
 * A run is a pure function of the plan (seed included): the same plan gives
 * the same trace hash and the same results with and without the recorder.
 */
#ifndef FLD_SIM_H
#define FLD_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/af_engine.h"
#include "engine/af_rec.h"
#include "sim/fault.h"

typedef struct fld_sim_plan {
	uint64_t seed;              /* 1 */
	af_engine_config engine;    /* the defaults */
	bool calibrate;             /* 11 sites over +/-8 um, 2 passes, backlash: true */
	bool autofocus;             /* lens B near 4 um after the calibration: true */
	uint32_t handoffs;          /* A->B at places uniform in +/-5 um: 10 */
	uint32_t wait_every;        /* every n handoffs 30 s pass and the engine ticks: 4 */
	bool nominal;               /* the datasheet instrument, not one drawn from the
				     * seed (models/truth.h): false */
	bool no_wait_z;             /* a HAL without wait_settled_z (an older driver;
				     * what logs before format version 2 hold): false */
	/* faults (at_op counts the program's steps from 1: the calibration,
	 * the autofocus, then each handoff with its setup move) */
	const sim_fault *faults;
	size_t nfaults;
} fld_sim_plan;

void fld_sim_plan_default(fld_sim_plan *p);

typedef struct fld_sim_out {
	uint64_t trace_hash;        /* the simulator's event trace */
	uint64_t results_hash;      /* every operation's result, as a log encodes it */
	uint32_t ops, failed;       /* operations issued (calibrate, autofocus, each setup
				     * move and handoff), and those that failed */
	int codes[3];               /* the first three failures' codes (0: none) */
	af_rec_stats rec;           /* the recorder's figures (zeros without one) */
} fld_sim_out;

/*
 * Run the plan; with ro (not NULL) the engine records into sink with those
 * options and the log is closed at the end.  0, or -1 with err saying why
 * (the rig or the engine could not be built, the recorder failed).
 */
int fld_sim_run(const fld_sim_plan *p, const af_rec_options *ro, const af_rec_sink *sink,
		fld_sim_out *out, char *err, size_t errlen);

/* The faults of the tests' field logs: a turret jam armed at step 4 (it
 * jams the setup move's switch back to lens A) and two dropped frames at
 * step 9 (two handoffs fail on them). */
#define FLD_SIM_FAULTS 2
void fld_sim_faults(sim_fault f[FLD_SIM_FAULTS]);

/* A sink writing to a stdio stream (user: the FILE *). */
int fld_file_sink_write(void *user, const void *buf, size_t n);

/* A sink into memory (user: a fld_mem, zeroed to start): the log grows in
 * p (unless `discard`, which only counts len).  fail_at > 0: the write that
 * would pass fail_at bytes fails with -28, as a full disk would. */
typedef struct fld_mem {
	uint8_t *p;
	size_t len, cap;
	size_t fail_at;
	bool discard;
} fld_mem;

int fld_mem_write(void *user, const void *buf, size_t n);
void fld_mem_release(fld_mem *m);

#endif /* FLD_SIM_H */
