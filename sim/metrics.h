/*
 * metrics.h - the values a run produces and the metric names that read
 * them (docs/design.md §4, docs/statistics.md).
 *
 * A metric is "<op>.<field>.<statistic>" (statistics: count mean min max
 * p50 p95 p99 std), "<op>.<field>" (the last value: calibration.rms_um), or
 * a named rate (handoff.success_rate, autofocus.success_rate,
 * cache.hit_rate).
 *
 *   handoff:     total_ms lens_switch_ms focus_move_ms focus_search_ms
 *                validation_ms mapping_error_um focus_error_um frames retries
 *   autofocus:   ms focus_error_um frames
 *   calibration: rms_um max_um order backlash_um frames ms
 *
 * Errors (the operations that failed, and with what code):
 *
 *   <op>.errors.<CODE>   how many operations of that kind (handoff,
 *                        autofocus, calibration) failed with CODE, an
 *                        error name of AF_ERRNO_MAP (EHW, ETIMEDOUT, ...)
 *                        or `any` (failed at all)
 *   op.<N>.errors.<CODE> 1 when operation N (1-based, as a fault's at_op
 *                        counts) failed with CODE, 0 when it ended
 *                        otherwise; no data when the run has no operation N
 *
 * so that a scenario made from a field log can say which operations fail
 * and how (`op.4.errors.EHW: {min: 1}`), and that nothing else fails
 * (`handoff.errors.any: {max: 2}`).
 *
 * Handoff and autofocus metrics, and calibration.rms_um, are evaluated by
 * the results store's one definition (db/opset.h: db_opset_metric), so an
 * expectation, the run line, the report and the pictures agree on every
 * number: phase times, frames and retries over successful handoffs,
 * mapping and focus error over every handoff that measured them, sample
 * standard deviation (n - 1), numpy's linear percentiles.  Values are kept
 * in insertion order; statistics sort a copy.
 */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_metrics sim_metrics;

sim_metrics *sim_metrics_new(void);
void sim_metrics_free(sim_metrics *m);

/* One handoff, whatever its outcome: what the runner measured (NaN where
 * nothing was measured).  The metric definitions decide which values count. */
typedef struct sim_metrics_handoff {
	bool success, cache_hit;
	double total_ms, lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms;
	double mapping_error_um, focus_error_um, frames, retries;
} sim_metrics_handoff;

/* Record one handoff (the attempt and all its values): 0 or -1 (out of
 * memory). */
int sim_metrics_add_handoff(sim_metrics *m, const sim_metrics_handoff *h);

/*
 * The older, field-by-field way: count an attempt of op (handoff or
 * autofocus), then add its values with sim_metrics_add.  A value added
 * after an attempt belongs to that attempt; for a handoff recorded this
 * way only the values that were added count (a runner that adds values of
 * successful handoffs only hides the mapping error of a failed one: use
 * sim_metrics_add_handoff).
 */
void sim_metrics_attempt(sim_metrics *m, const char *op, bool success, bool cache_hit);
/* Record value v of op.field; 0 or -1 (unknown op.field, out of memory). */
int sim_metrics_add(sim_metrics *m, const char *op, const char *field, double v);

/*
 * Record how operation seq (1-based) of kind ("handoff", "autofocus",
 * "calibrate") ended: success, or the error as the runner words it
 * ("EHW: select_lens: ...": the code's name, a colon, the message).  Every
 * operation of a run, in order; the error metrics read these.  0 or -1
 * (out of memory).
 */
int sim_metrics_add_outcome(sim_metrics *m, uint32_t seq, const char *kind, bool success,
			    const char *error);

/*
 * Evaluate a metric.  0 with *value set; 1 when the metric is known but
 * has no data in this run (no handoff, say: *value is NaN); -1 when the
 * name is not a metric (or out of memory).
 */
int sim_metrics_eval(const sim_metrics *m, const char *metric, double *value);

/* Whether name is a metric (syntax and known names only). */
bool sim_metric_known(const char *name);

#endif /* SIM_METRICS_H */
