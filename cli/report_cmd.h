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
	"afsim report [RUN_ID...|--last|--scenario NAME|--invocation ID|--since WHEN] "    \
	"[--format text|markdown|json] [--db PATH]"
#define AFSIM_REPORT_HELP                                                                   \
	"Profiling report of recorded runs (several runs are aggregated, a run named\n"     \
	"twice counts once).  Definitions of every number: docs/statistics.md.\n"          \
	"Per phase (lens_switch, focus_move, focus_search, validation, total; successful\n" \
	"handoffs) count, mean, std, min, max, p50, p95, p99, CV and share of the total,\n" \
	"with \"n too small\" where a percentile lacks the sample (p95 needs 20, p99 100);\n" \
	"bottlenecks ranked (share > 40 % major, > 25 % minor); the mapping and focus\n"   \
	"error distributions (< 0.1, 0.1-0.5, >= 0.5 um); the calibrations (successful\n" \
	"and failed, with the reasons; RMS of the successful ones); the autofocus\n"       \
	"operations; the thermal drift slope; cache hit rate; the injected faults, the\n" \
	"HAL errors and the failed operations by error; the assessment against the\n"     \
	"targets (docs/physics.md) and recommendations that follow from the numbers and\n" \
	"from the runs' engine configuration (read from each run's scenario file while\n" \
	"it is unchanged).  A run that did not finish (aborted, error, running) is named\n" \
	"in the header: its numbers cover only what it recorded.\n"                       \
	"  RUN_ID...        the runs to report on (default: the newest run)\n"               \
	"  --last           the newest run (of --scenario NAME when given)\n"               \
	"  --scenario NAME  every finished run of scenario NAME (with --last: its newest)\n" \
	"  --invocation ID  every run one `afsim run` recorded (`last`: the newest)\n"     \
	"  --since WHEN     every run started since WHEN (2026-11-22T02:52:17Z, 2026-11-22,\n" \
	"                   or an age: 45s, 30m, 2h, 1d)\n"                                 \
	"  --format F       text (default), markdown (tables, for a CI job summary) or\n"   \
	"                   json (one object, the same numbers; NaN as null)\n"            \
	"  --db PATH        the results database (default $AFSIM_DB, else ./afsim.db)\n"   \
	"Exit: 0, 2 usage or no such run, 3 the database cannot be opened or read.\n"

#define AFSIM_BASELINE_SYNOPSIS                                                          \
	"afsim baseline set NAME (RUN_ID...|--last|--invocation ID|last) --reason TEXT | " \
	"show [NAME] | list [NAME] [--db PATH]"
#define AFSIM_BASELINE_HELP                                                                 \
	"Named baselines: one run per scenario under each name (regress uses `main`).\n"     \
	"  set NAME (RUN_ID...|--last|--invocation ID|last) --reason TEXT\n"                  \
	"                   bless the runs as baseline NAME of their scenarios, replacing\n"  \
	"                   any; --invocation blesses every run one `afsim run` recorded\n"  \
	"                   (`last`: the newest invocation - the bootstrap of a pipeline\n"  \
	"                   without a baseline); an empty name, two runs of one scenario,\n"  \
	"                   a run that did not finish (running, aborted, error) or an\n"     \
	"                   empty reason is a usage error; a failed run is blessed with a\n"  \
	"                   warning\n"                                                         \
	"  show [NAME]      per scenario: name, run, created_at (UTC), trace hash, reason\n"  \
	"  list [NAME]      the names, with how many scenarios each covers\n"                 \
	"  --db PATH        the results database (default $AFSIM_DB, else ./afsim.db)\n"     \
	"Exit: 0, 2 usage, no such run or no such baseline, 3 the database cannot be\n"    \
	"opened, read or written.\n"

#define AFSIM_REGRESS_SYNOPSIS                                                             \
	"afsim regress [--baseline NAME] (RUN_ID...|--last|--latest|--invocation ID|last|"   \
	"--since WHEN) [--allow-incomplete] [-v] [--format text|markdown|json] [--db PATH]"
#define AFSIM_REGRESS_HELP                                                                    \
	"Compare runs with the baseline run of their scenario (default baseline: main).\n"     \
	"Simulation, exact: the same trace hash is identical; otherwise per metric (phase\n"   \
	"means and p95s, mapping and focus error mean and max, success rate, frames) the\n"   \
	"baseline, the candidate, the change and the tolerance (the scenario's: time +5 %\n"  \
	"but never less than 1 ms, accuracy +0.05 um, success rate any drop, frames +5 %\n"  \
	"but never less than 0.5 by default), worst first, and the first trace record\n"     \
	"where the runs diverge with what differs there (the op each side was in, its\n"      \
	"fields that differ, its first differing frame).  HIL, statistical: per phase a\n"    \
	"Mann-Whitney U test (p <= 0.01) and a practical floor (median moved by more than\n"  \
	"max(3 %, 2 x the baseline's CV)), success rates with Fisher's exact test;\n"         \
	"\"inconclusive\" on too little data.  Both: the scenario's run history (per-run\n"   \
	"phase means, recent half vs older half > 20 %, the best change point) - advice,\n"  \
	"not a verdict.  The output opens with a summary and one line per run (its\n"        \
	"headline metric, with its unit); the full comparison follows for the runs that\n"  \
	"regressed or changed.  Definitions: docs/statistics.md.\n"                           \
	"  --baseline NAME  the baseline to compare with (default main)\n"                     \
	"  RUN_ID...        these runs\n"                                                        \
	"  --last           the newest run\n"                                                    \
	"  --latest         the newest finished run of every scenario the baseline covers,\n"   \
	"                   each with its age (they may come from different invocations)\n"     \
	"  --invocation ID  every run one `afsim run` recorded (it prints its id; `last`:\n"    \
	"                   the newest invocation) - the CI gate after `afsim run`\n"           \
	"  --since WHEN     every run started since WHEN (2026-11-22T02:52:17Z, 2026-11-22,\n" \
	"                   or an age: 45s, 30m, 2h, 1d)\n"                                     \
	"  --allow-incomplete  compare candidates that did not finish (aborted, error,\n"      \
	"                   running) too; without it such a candidate is refused (exit 3)\n"     \
	"  -v               print every run's full comparison, identical ones too\n"            \
	"  --format F       text (default), markdown or json\n"                              \
	"  --db PATH        the results database (default $AFSIM_DB, else ./afsim.db)\n"      \
	"Exit: 0 nothing regressed, 1 a regression, 2 usage or no such run, 3 a candidate\n"  \
	"did not finish, nothing could be compared (no baseline for any run) or the\n"       \
	"database cannot be read.\n"

#endif /* CLI_REPORT_CMD_H */
