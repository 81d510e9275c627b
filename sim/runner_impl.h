/*
 * runner_impl.h - what the two halves of the runner share (runner.c: the
 * run, its sinks and its clock; runner_steps.c: the steps).  Private to
 * sim/runner*.c.
 */
#ifndef SIM_RUNNER_IMPL_H
#define SIM_RUNNER_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/af_engine.h"
#include "engine/af_rec.h"
#include "kernel/rng.h"
#include "kernel/trace.h"
#include "sim/metrics.h"
#include "sim/results.h"
#include "sim/rig.h"
#include "sim/runner.h"
#include "sim/scenario.h"

typedef struct run {
	const sim_scenario *s;
	const sim_results_ops *sink;
	void *user;
	const sim_rig_source *src;
	sim_rig rig;
	bool rig_open;
	const sim_world_ops *world;   /* the rig's simulation-only table, or NULL */
	int64_t t0_us;                /* HAL clock at the start (no table) */
	af_rec *rec;                  /* the flight recorder, or NULL */
	af_engine *e;
	sim_trace *trace;
	sim_metrics *m;
	sim_rng steps;
	uint32_t seq;            /* operations so far */
	double cal_temp_c;       /* instrument temperature at the last calibration */
	uint32_t cal_op;         /* op of the last calibration that succeeded, 0: none */
	uint32_t sample_seq;     /* the op the engine's frames belong to */
	int64_t next_tick_ns;
	bool overflow;           /* a wait or interval would pass the clock's limit */
	bool warned_place;       /* the rig cannot put places under the objective: said */
	sim_run_result *out;
} run;

static inline double sim_runner_ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* An event and an operation to the sink. */
void sim_runner_emit_event(run *r, double t_ms, const char *kind, const char *detail);
void sim_runner_emit_op(run *r, const sim_op_record *op);

/* The run's clock, ns: virtual time on a simulated rig, else the HAL's
 * clock since the start of the run. */
int64_t sim_runner_now_ns(run *r);
/* Whether nothing more can run: the virtual clock at its limit, or the
 * rig lost. */
bool sim_runner_clock_spent(run *r);
/* Let dt_ns pass (closed form in simulation, a real wait on a rig), the
 * engine ticking every SIM_TICK_S. */
void sim_runner_pass_time(run *r, int64_t dt_ns);

/* The steps (runner_steps.c). */
void sim_runner_calibrate(run *r, const sim_step *st);
void sim_runner_handoff(run *r, const sim_step *st);
void sim_runner_autofocus(run *r, const sim_step *st);

#endif /* SIM_RUNNER_IMPL_H */
