/*
 * report_cmd.h - the `afsim report`, `afsim baseline` and `afsim regress`
 * commands (cli/report_cmd.c): the profiling report of recorded runs, the
 * named baselines, and the comparison of runs with their baseline.
 *
 * Each takes argv[0] = its command name and returns the exit code of
 * docs/design.md §5: 0 ok, 1 a regression (regress only), 2 usage or a
 * run that does not exist, 3 the database cannot be opened or read (and,
 * for regress, nothing could be compared).
 */
#ifndef CLI_REPORT_CMD_H
#define CLI_REPORT_CMD_H

int afsim_cmd_report(int argc, char **argv);
int afsim_cmd_baseline(int argc, char **argv);
int afsim_cmd_regress(int argc, char **argv);

#define AFSIM_REPORT_SYNOPSIS                                                              \
	"afsim report [RUN_ID...|--last] [--scenario NAME] [--format text|markdown|json] " \
	"[--db PATH]"
#define AFSIM_REPORT_HELP                                                                   \
	"Profiling report of recorded runs (several RUN_IDs are aggregated): per phase\n"    \
	"(lens_switch, focus_move, focus_search, validation, total; successful handoffs)\n" \
	"count, mean, std, min, max, p50, p95, p99, CV and share of the total, with\n"      \
	"\"n too small\" where a percentile lacks the sample (p95 needs 20, p99 100);\n"    \
	"bottlenecks ranked (share > 40 % major, > 25 % minor); the mapping and focus\n"    \
	"error distributions (< 0.1, 0.1-0.5, >= 0.5 um); calibration RMS; the thermal\n"  \
	"drift slope; cache hit rate; faults by kind; the assessment against the\n"        \
	"targets (docs/physics.md) and recommendations that follow from the numbers.\n"          \
	"  RUN_ID...        the runs to report on (default: the newest run)\n"               \
	"  --last           the newest run (of --scenario NAME when given)\n"               \
	"  --scenario NAME  every finished run of scenario NAME (with --last: its newest)\n" \
	"  --format F       text (default), markdown (tables, for a CI job summary) or\n"   \
	"                   json (one object, the same numbers; NaN as null)\n"            \
	"  --db PATH        the results database (default $AFSIM_DB, else ./afsim.db)\n"   \
	"Exit: 0, 2 usage or no such run, 3 the database cannot be opened or read.\n"

#define AFSIM_BASELINE_SYNOPSIS                                                          \
	"afsim baseline set NAME (RUN_ID...|--last) --reason TEXT | show [NAME] | list " \
	"[NAME] [--db PATH]"
#define AFSIM_BASELINE_HELP                                                                 \
	"Named baselines: one run per scenario under each name (regress uses `main`).\n"     \
	"  set NAME (RUN_ID...|--last) --reason TEXT\n"                                       \
	"                   bless the runs as baseline NAME of their scenarios, replacing\n"  \
	"                   any; two runs of one scenario, a running run or an empty\n"       \
	"                   reason is a usage error; a run that did not pass is blessed\n"    \
	"                   with a warning\n"                                                  \
	"  show [NAME]      per scenario: name, run, created_at (UTC), trace hash, reason\n"  \
	"  list [NAME]      the names, with how many scenarios each covers\n"                 \
	"  --db PATH        the results database (default $AFSIM_DB, else ./afsim.db)\n"     \
	"Exit: 0, 2 usage, no such run or no such baseline, 3 the database cannot be\n"    \
	"opened, read or written.\n"

#define AFSIM_REGRESS_SYNOPSIS                                                             \
	"afsim regress [--baseline NAME] (RUN_ID...|--last|--latest) [--format text|markdown|json] " \
	"[--db PATH]"
#define AFSIM_REGRESS_HELP                                                                    \
	"Compare runs with the baseline run of their scenario (default baseline: main).\n"     \
	"Simulation, exact: the same trace hash is identical; otherwise per metric (phase\n"   \
	"means and p95s, mapping and focus error mean and max, success rate, frames) the\n"   \
	"baseline, the candidate, the change and the tolerance (the scenario's: time +5 %,\n" \
	"accuracy +0.05 um, success rate any drop by default), worst first, and the first\n"  \
	"trace record where the runs diverge.  HIL, statistical: per phase a Mann-Whitney\n"   \
	"U test (p <= 0.01) and a practical floor (median moved by more than max(3 %, 2 x\n"  \
	"the baseline's CV)), success rates with Fisher's exact test; \"inconclusive\" on\n"   \
	"too little data.  Both: the scenario's run history (per-run phase means, recent\n"   \
	"half vs older half > 20 %, the best change point) - advice, not a verdict.\n"        \
	"  --baseline NAME  the baseline to compare with (default main)\n"                     \
	"  RUN_ID... | --last | --latest\n"                                                      \
	"                   the candidate runs: these, the newest run, or the newest\n"         \
	"                   finished run of every scenario the baseline covers (a CI gate\n"    \
	"                   after `afsim run scenarios/`)\n"                                      \
	"  --format F       text (default), markdown or json\n"                              \
	"  --db PATH        the results database (default $AFSIM_DB, else ./afsim.db)\n"      \
	"Exit: 0 nothing regressed, 1 a regression, 2 usage or no such run, 3 nothing\n"     \
	"could be compared (no baseline for any run) or the database cannot be read.\n"

#endif /* CLI_REPORT_CMD_H */
