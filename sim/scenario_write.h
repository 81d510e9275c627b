/*
 * scenario_write.h - a loaded scenario back to YAML (sim/scenario_write.c).
 *
 * The contract is the round trip: sim_scenario_load() of what
 * sim_scenario_format() writes gives the same scenario - every field of
 * the struct (but the source lines the loader notes for messages), hence
 * the same runs and the same trace hashes.  The file names only what
 * differs from the defaults a scenario starts from (the default rig, the
 * default engine, each step's defaults), in the key order of
 * scenarios/README.md, every number in the shortest form that reads back
 * to the same double.  It is written from the loader's own key tables
 * (scenario_rig.c), so the writer cannot fall out of step with them.
 *
 * Used by `afsim shrink` (the minimal scenario it finds) and `afsim field
 * import` (a scenario made from a field log).  A temperature trace
 * (environment.temperature.trace) names a CSV file: the caller says which
 * (trace_csv), and writes the points there (sim_room_trace_format);
 * sim_scenario_write_file does both.
 */
#ifndef SIM_SCENARIO_WRITE_H
#define SIM_SCENARIO_WRITE_H

#include <stddef.h>

#include "sim/scenario.h"

/*
 * The YAML of s into *text (malloc'd, NUL-terminated, the caller frees)
 * and *len.  comment (may be NULL): lines written first, each as a `# `
 * comment.  trace_csv: the path the file gives for a temperature trace
 * (relative to the scenario's folder); required when s has one.  0, or -1
 * with err saying what cannot be written (a trace without trace_csv, an
 * engine overlap that differs between levels, which no key expresses, out
 * of memory).
 */
int sim_scenario_format(const sim_scenario *s, const char *comment, const char *trace_csv,
			char **text, size_t *len, char *err, size_t errlen);

/* The points as the trace CSV the loader reads ("t_s,temperature_c" and
 * one line per point, shortest round-trip numbers): *text malloc'd.  0 or
 * -1 when out of memory. */
int sim_room_trace_format(const mdl_room_point *points, size_t n, char **text, size_t *len);

/*
 * Write s to path (comment as in sim_scenario_format), and a temperature
 * trace, if s has one, next to it as <path without .yaml>.temps.csv.
 * Each file is written to a temporary name and renamed into place, so a
 * reader never sees half of one.  0, or -1 with err.
 */
int sim_scenario_write_file(const sim_scenario *s, const char *path, const char *comment,
			    char *err, size_t errlen);

#endif /* SIM_SCENARIO_WRITE_H */
