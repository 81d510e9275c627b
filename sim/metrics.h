/*
 * metrics.h - the values a run produces and the metric names that read
 * them (docs/design.md §4).
 *
 * A metric is "<op>.<field>.<statistic>" (statistics: count mean min max
 * p50 p95 p99 std, over the values the run recorded for that op and
 * field), "<op>.<field>" (the last value: calibration.rms_um), or a named
 * rate (handoff.success_rate, autofocus.success_rate, cache.hit_rate).
 *
 *   handoff:     total_ms lens_switch_ms focus_move_ms focus_search_ms
 *                validation_ms mapping_error_um focus_error_um frames retries
 *                (successful handoffs only)
 *   autofocus:   ms focus_error_um frames
 *   calibration: rms_um max_um order backlash_um frames ms
 *
 * Values are kept in insertion order; statistics sort a copy (percentiles
 * with linear interpolation, as numpy).
 */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sim_metrics sim_metrics;

sim_metrics *sim_metrics_new(void);
void sim_metrics_free(sim_metrics *m);

/* Record value v of op.field; 0 or -1 (unknown op.field, out of memory). */
int sim_metrics_add(sim_metrics *m, const char *op, const char *field, double v);
/* Count an attempt of op (handoff/autofocus) and whether it succeeded;
 * cache hits of handoffs. */
void sim_metrics_attempt(sim_metrics *m, const char *op, bool success, bool cache_hit);

/*
 * Evaluate a metric.  0 with *value set; 1 when the metric is known but
 * has no data in this run (no handoff, say: *value is NaN); -1 when the
 * name is not a metric.
 */
int sim_metrics_eval(const sim_metrics *m, const char *metric, double *value);

/* Whether name is a metric (syntax and known names only). */
bool sim_metric_known(const char *name);

#endif /* SIM_METRICS_H */
