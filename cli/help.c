/*
 * help.c - the usage text of every afsim command and subcommand (help.h).
 *
 * One table: a command's entry, then its subcommands' entries.  The texts
 * say what the command files accept - when an option is added to a
 * command, its line goes here and into docs/afsim.1 (tests/cli_help.sh
 * fails when the two disagree on an option).  Lines stay within 80
 * columns.
 */
#include "cli/help.h"

#include <string.h>

struct afsim_help {
	const char *cmd;
	const char *sub;        /* NULL: the command itself */
	const char *synopsis;
	const char *text;
};

#define DB_LINE \
	"  --db PATH         the results database (default $AFSIM_DB, else ./afsim.db)\n"

static const afsim_help entries[] = {
	{ "run", NULL,
	  "afsim run FILE.yaml|DIR ... [--db PATH] [--seed N] [--rig RIG.yaml] [--junit PATH] "
	  "[--png DIR] [--record LOG] [--record-pixels WHICH] [-j N] [-v] [--shard I/N] "
	  "[--shard-count N] [--tap] "
	  "[--summary FILE]",
	  "Run scenarios (files, or folders searched recursively for *.yaml) on the\n"
	  "simulated rig (or, with --rig, on a physical rig) against the engine and check\n"
	  "their expectations.  Every file is loaded first: a bad one stops the command\n"
	  "(exit 2) before anything runs.\n"
	  "Prints per scenario the verdict, seed, key metrics, trace hash and each failed\n"
	  "expectation with its value and bound; a summary line; progress on a terminal.\n"
	  "Every run is recorded in the database with this invocation's id\n"
	  "($AFSIM_INVOCATION when set, else random), which regress --invocation selects.\n"
	  "  --db PATH         the results database (default $AFSIM_DB, else ./afsim.db),\n"
	  "                    created on first use\n"
	  "  --seed N          run every scenario with seed N instead of its own\n"
	  "  --rig RIG.yaml    run the steps on the rig of this rig file, over the rig\n"
	  "                    protocol, in real time (mode hil; docs/hil.md): one\n"
	  "                    connection per run, no trace hash, expectations on\n"
	  "                    *.focus_error_um not applicable; a rig lost in a run ends\n"
	  "                    it as an error (exit 3); -j above 1 is refused\n"
	  "  --junit PATH      write JUnit XML: one testcase per scenario\n"
	  "  --png DIR         write a timeline picture of every run, DIR/<scenario>.png\n"
	  "  --record LOG      write a field log of the run with the engine's flight\n"
	  "                    recorder (afsim replay reads it); with several scenarios\n"
	  "                    LOG is a folder (ending in / or existing) of\n"
	  "                    LOG/<scenario>.aflog\n"
	  "  --record-pixels WHICH\n"
	  "                    the frames whose pixels the log keeps: all (default),\n"
	  "                    failures (those of every failed operation and the one\n"
	  "                    before) or none (digests and scores only: the smallest\n"
	  "                    log, which still replays exactly)\n"
	  "  -j N              run N scenarios at a time, each in its own process (1..64);\n"
	  "                    the output and every run are the same as with -j 1\n"
	  "  -v, --verbose     print every operation (phase times, prediction, landing,\n"
	  "                    truth) and every fault and HAL error as it happens; runs\n"
	  "                    one at a time\n"
	  "  --shard I/N       run only shard I of N of the sorted scenarios (split by\n"
	  "                    their past wall times in the database); also read from\n"
	  "                    JOB_COMPLETION_INDEX (Kubernetes), SLURM_ARRAY_TASK_ID\n"
	  "                    and _COUNT (Slurm), TEST_SHARD_INDEX and\n"
	  "                    TEST_TOTAL_SHARDS (Bazel); --shard wins, sources that\n"
	  "                    disagree are an error; afsim db merge folds the shards'\n"
	  "                    databases (docs/scale.md)\n"
	  "  --shard-count N   the number of shards, with JOB_COMPLETION_INDEX\n"
	  "  --tap             TAP version 13 on standard output (the report goes to\n"
	  "                    standard error)\n"
	  "  --summary FILE    append a markdown summary to FILE (--summary\n"
	  "                    \"$GITHUB_STEP_SUMMARY\" on GitHub Actions)\n"
	  "Exit: 0 all passed, 1 an expectation failed, 2 bad input, 3 harness or\n"
	  "database error.  Scenario keys: scenarios/README.md.\n" },

	{ "runs", NULL, "afsim runs [--scenario NAME] [--limit N] [--db PATH]",
	  "List the recorded runs, newest first: id, scenario, seed, mode, status,\n"
	  "start time (UTC), trace hash and wall-clock seconds.\n"
	  "  --scenario NAME   only the runs of scenario NAME\n"
	  "  --limit N         at most N runs (default: all)\n"
	  DB_LINE
	  "Exit: 0, 2 usage, 3 the database cannot be opened or read.\n" },

	{ "report", NULL,
	  "afsim report [RUN_ID...|--last|--invocation ID|--validation ID] [--scenario NAME] "
	  "[--since WHEN] [--format text|markdown|json] [--db PATH]",
	  "Profiling report of recorded runs (several RUN_IDs are aggregated): per phase\n"
	  "(lens_switch, focus_move, focus_search, validation, total; successful\n"
	  "handoffs) count, mean, std, min, max, p50, p95, p99, CV and share of the\n"
	  "total; the bottlenecks; the mapping and focus error distributions;\n"
	  "calibrations; the thermal drift slope; the cache hit rate; faults; the\n"
	  "assessment against the targets (docs/physics.md) and recommendations.\n"
	  "  RUN_ID...         the runs to report on (default: the newest run)\n"
	  "  --last            the newest run (of --scenario NAME when given)\n"
	  "  --scenario NAME   every finished run of scenario NAME (with --last: its\n"
	  "                    newest)\n"
	  "  --invocation ID|last\n"
	  "                    the runs one `afsim run` recorded (`last`: the newest\n"
	  "                    invocation)\n"
	  "  --since WHEN      only runs started since WHEN: ISO 8601 UTC\n"
	  "                    (2024-05-01T12:00:00Z) or an age (30m, 2h, 1d)\n"
	  "  --validation ID|last\n"
	  "                    instead of runs, a validation of a rig (afsim hil\n"
	  "                    validate): every measurement, its limits, outcome and how\n"
	  "                    it was measured\n"
	  "  --format F        text (default), markdown (tables, for a CI job summary)\n"
	  "                    or json (one object, the same numbers; NaN as null)\n"
	  DB_LINE
	  "Exit: 0, 2 usage or no such run, 3 the database cannot be opened or read.\n" },

	{ "baseline", NULL,
	  "afsim baseline set NAME (RUN_ID...|--last|--invocation ID) --reason TEXT "
	  "| show [NAME] | list [NAME] [--db PATH]",
	  "Named baselines: one run per scenario under each name (regress compares with\n"
	  "`main` unless told otherwise).\n"
	  "  set NAME (RUN_ID...|--last|--invocation ID) --reason TEXT\n"
	  "                    bless runs as baseline NAME of their scenarios\n"
	  "  show [NAME]       per scenario: name, run, created_at (UTC), trace hash,\n"
	  "                    reason\n"
	  "  list [NAME]       the names, with how many scenarios each covers\n"
	  DB_LINE
	  "afsim help baseline set (show, list) tells more.\n"
	  "Exit: 0, 2 usage, no such run or no such baseline, 3 the database cannot be\n"
	  "opened, read or written.\n" },
	{ "baseline", "set",
	  "afsim baseline set NAME (RUN_ID...|--last|--invocation ID) --reason TEXT "
	  "[--db PATH]",
	  "Bless runs as baseline NAME of their scenarios, replacing what NAME held for\n"
	  "those scenarios.  Two runs of one scenario, a running run or an empty name\n"
	  "or reason is a usage error; a run that did not pass is blessed with a\n"
	  "warning.\n"
	  "  RUN_ID...         the runs to bless\n"
	  "  --last            the newest run\n"
	  "  --invocation ID|last\n"
	  "                    every run one `afsim run` recorded (its id, printed at the\n"
	  "                    end; `last`: the newest invocation) - the first pipeline\n"
	  "                    without a baseline blesses its own runs this way\n"
	  "  --reason TEXT     why (kept with the baseline, shown by show)\n"
	  DB_LINE
	  "Exit: 0, 2 usage or no such run, 3 the database cannot be opened or written.\n" },
	{ "baseline", "show", "afsim baseline show [NAME] [--db PATH]",
	  "Per scenario of baseline NAME (default: every baseline): name, run,\n"
	  "created_at (UTC), trace hash and reason.\n"
	  DB_LINE
	  "Exit: 0, 2 no such baseline, 3 the database cannot be opened or read.\n" },
	{ "baseline", "list", "afsim baseline list [NAME] [--db PATH]",
	  "The baseline names, with how many scenarios each covers.\n"
	  DB_LINE
	  "Exit: 0, 2 no such baseline, 3 the database cannot be opened or read.\n" },

	{ "regress", NULL,
	  "afsim regress [--baseline NAME] (RUN_ID...|--last|--latest|--invocation ID) "
	  "[--since WHEN] [--allow-incomplete] [--format text|markdown|json] [-v] [--db PATH]",
	  "Compare runs with the baseline run of their scenario.  Simulation, exact: the\n"
	  "same trace hash is identical; otherwise per metric the baseline, the\n"
	  "candidate, the change and the scenario's tolerance, and the first trace\n"
	  "record where the runs diverge.  HIL, statistical: per phase a Mann-Whitney U\n"
	  "test and a practical floor, success rates with Fisher's exact test;\n"
	  "\"inconclusive\" on too little data.  A summary first, then the scenarios\n"
	  "that regressed or changed.\n"
	  "  --baseline NAME   the baseline to compare with (default main)\n"
	  "  RUN_ID...         these runs\n"
	  "  --last            the newest run\n"
	  "  --latest          the newest finished run of every scenario the baseline\n"
	  "                    covers, each with its age\n"
	  "  --invocation ID|last\n"
	  "                    the runs one `afsim run` recorded (`last`: the newest\n"
	  "                    invocation) - the CI gate after `afsim run scenarios/`\n"
	  "  --since WHEN      only runs started since WHEN: ISO 8601 UTC\n"
	  "                    (2024-05-01T12:00:00Z) or an age (30m, 2h, 1d)\n"
	  "  --allow-incomplete\n"
	  "                    compare aborted or running runs too (refused by default)\n"
	  "  --format F        text (default), markdown or json\n"
	  "  -v                the full tables of every scenario, unchanged ones too\n"
	  DB_LINE
	  "Exit: 0 nothing regressed, 1 a regression, 2 usage or no such run, 3 nothing\n"
	  "could be compared (no baseline, an incomplete run) or the database cannot be\n"
	  "read.\n" },

	{ "viz", NULL,
	  "afsim viz (timeline RUN|LOG [--op N] [--from MS] [--to MS] | trend --scenario NAME "
	  "--metric METRIC [--baseline NAME] | hist RUN [RUN] | compare RUN RUN) "
	  "[--png FILE] [--size WxH] [--db PATH]",
	  "Draw pictures of recorded runs (docs/viz.md).  RUN is a run id or `last`\n"
	  "(the newest run; --last works too).\n"
	  "  timeline RUN|LOG  stage z over run time, frames, focal plane, phases; of a\n"
	  "                    run, or of a field log read directly\n"
	  "  trend             a metric over the runs of a scenario, with the baseline\n"
	  "  hist RUN [RUN]    per-phase histograms of a run's handoffs\n"
	  "  compare RUN RUN   two runs side by side\n"
	  "  --png FILE        render headless to FILE (no display needed) instead of a\n"
	  "                    window\n"
	  "  --size WxH        picture or window size in pixels (default 1280x800)\n"
	  DB_LINE
	  "  --script KEYS, --screenshot FILE\n"
	  "                    testing aids for the window (docs/viz.md)\n"
	  "Window: left/right step, up/down or +/- zoom, wheel zooms, drag pans, Home\n"
	  "resets, h or ? shows the keys, q or Esc quits.\n"
	  "afsim help viz timeline (trend, hist, compare) tells more.\n"
	  "Exit: 0 drawn; 2 bad usage (also an unknown metric); 3 nothing to draw (the\n"
	  "picture shows why) or an SDL or database error.\n" },
	{ "viz", "timeline",
	  "afsim viz timeline RUN|LOG [--op N] [--from MS] [--to MS] [--png FILE] [--size WxH] "
	  "[--db PATH]",
	  "Stage z over run time with every frame, the true focal plane, each search's\n"
	  "fitted peak, focus scores, temperature and a bar per phase of every\n"
	  "operation.  Opens on the handoffs; long idle gaps are squeezed (a break mark\n"
	  "on the time axis).  RUN is a run id or `last`; LOG a field log (an\n"
	  "instrument's flight recorder, afsim run's), drawn from its calls: the\n"
	  "stage where the engine sent it, the focus scores, the temperature read, the\n"
	  "phases of each operation and its HAL errors.\n"
	  "  --op N            open on operation N of the run\n"
	  "  --from MS         start of the window, ms of run time\n"
	  "  --to MS           end of the window, ms of run time\n"
	  "  --png FILE        render headless to FILE instead of a window\n"
	  "  --size WxH        picture or window size in pixels (default 1280x800)\n"
	  DB_LINE
	  "Exit: 0 drawn, 2 bad usage, 3 nothing to draw or an SDL or database error.\n" },
	{ "viz", "trend",
	  "afsim viz trend --scenario NAME --metric METRIC [--baseline NAME] [--png FILE] "
	  "[--size WxH] [--db PATH]",
	  "A metric over the runs of a scenario, with the band of its baseline and the\n"
	  "regressions marked.  METRIC is handoff.FIELD.STAT (FIELD total_ms,\n"
	  "lens_switch_ms, focus_move_ms, focus_search_ms, validation_ms,\n"
	  "mapping_error_um, focus_error_um, frames; STAT count, mean, min, max, p50,\n"
	  "p95, p99, std), handoff.success_rate or cache.hit_rate.\n"
	  "  --scenario NAME   the scenario\n"
	  "  --metric METRIC   the metric\n"
	  "  --baseline NAME   the baseline whose band is drawn (default main)\n"
	  "  --png FILE        render headless to FILE instead of a window\n"
	  "  --size WxH        picture or window size in pixels (default 1280x800)\n"
	  DB_LINE
	  "Exit: 0 drawn, 2 bad usage or an unknown metric, 3 nothing to draw or an SDL\n"
	  "or database error.\n" },
	{ "viz", "hist",
	  "afsim viz hist RUN [RUN] [--png FILE] [--size WxH] [--db PATH]",
	  "Per-phase histograms of a run's successful handoffs, a second run overlaid.\n"
	  "  --png FILE        render headless to FILE instead of a window\n"
	  "  --size WxH        picture or window size in pixels (default 1280x800)\n"
	  DB_LINE
	  "Exit: 0 drawn, 2 bad usage, 3 no handoffs to draw or an SDL or database\n"
	  "error.\n" },
	{ "viz", "compare",
	  "afsim viz compare RUN RUN [--png FILE] [--size WxH] [--db PATH]",
	  "Two runs side by side: phase means with p95 whiskers, key numbers and trace\n"
	  "hashes.\n"
	  "  --png FILE        render headless to FILE instead of a window\n"
	  "  --size WxH        picture or window size in pixels (default 1280x800)\n"
	  DB_LINE
	  "Exit: 0 drawn, 2 bad usage, 3 nothing to draw or an SDL or database error.\n" },

	{ "replay", NULL, "afsim replay LOG [--engine-set KEY=VALUE]... [-v] [--dump]",
	  "Replay a field log (written by the engine's flight recorder,\n"
	  "docs/field-log.md) against this build's engine: rebuild the engine from the\n"
	  "recorded configuration, issue the recorded operations again and answer every\n"
	  "call it makes from the log, checking each against the recorded one (op and\n"
	  "arguments, bit for bit) and every result against the recorded result.\n"
	  "Prints \"reproduced: N ops, M HAL calls, results identical\", or where the\n"
	  "engine departs from the log: the operation, the call, the recorded call and\n"
	  "the new one, and what the engine had decided up to there.\n"
	  "  --engine-set KEY=VALUE\n"
	  "                    change the engine before replaying: KEY is a key of a\n"
	  "                    scenario's engine: block, dotted (optimization=standard,\n"
	  "                    mapping.model=cubic, search.lens_b.fast.points=5);\n"
	  "                    repeatable\n"
	  "  -v                print every operation as it is reproduced, and every\n"
	  "                    operation decided before a divergence\n"
	  "  --dump            print the log as text (header, configuration, every\n"
	  "                    operation and call) instead of replaying it\n"
	  "A torn last record (the recording stopped mid-write) is skipped with a\n"
	  "warning.\n"
	  "Exit: 0 reproduced (or dumped), 1 diverged, 2 bad log or usage, 3 harness\n"
	  "error.\n" },
	{ "field", NULL,
	  "afsim field import LOG -o SCENARIO.yaml [--name NAME] [--seed N] [--force] [-v]",
	  "Field logs made into scenarios (docs/field-replay.md).\n"
	  "  import LOG -o SCENARIO.yaml\n"
	  "                    a scenario that reproduces the log in simulation: its\n"
	  "                    steps, rig, room, engine, faults and expectations\n"
	  "afsim help field import tells more.\n"
	  "Exit: 0 written and reproduced, 1 written but the simulation fails\n"
	  "otherwise, 2 usage, a bad log or something missing, 3 cannot write or run.\n" },
	{ "field", "import",
	  "afsim field import LOG -o SCENARIO.yaml [--name NAME] [--seed N] [--force] [-v]",
	  "Make a field log (an instrument's flight recorder, afsim run's) into a\n"
	  "scenario that reproduces it in the physics simulation: the operations as\n"
	  "steps (calibrations, autofocus, handoffs at their places, waits from the\n"
	  "gaps), the room from the temperature readings (SCENARIO.temps.csv beside\n"
	  "it), the rig's timings fitted from the calls' durations, the recorded engine\n"
	  "configuration, faults inferred from the HAL errors at the operations where\n"
	  "they happened, and expectations that the same operations fail with the same\n"
	  "codes (op.N.errors.CODE) and no others.  The scenario is then run once in\n"
	  "simulation and its failures compared with the log's.  What the log cannot\n"
	  "tell (no temperature readings or clock stamps, an operation or engine\n"
	  "setting a scenario cannot hold, an error no fault makes) is listed, and\n"
	  "nothing is written.\n"
	  "  -o, --output FILE the scenario to write\n"
	  "  --name NAME       the scenario's name (default: FILE's name)\n"
	  "  --seed N          the scenario's seed (default 1)\n"
	  "  --force           write the scenario even when something is missing (its\n"
	  "                    header comment lists what)\n"
	  "  -v, --verbose     also print where every rig value came from\n"
	  "Exit: 0 written, and the simulation fails where the log failed; 1 written,\n"
	  "but the simulation fails otherwise (the differences are printed); 2 usage,\n"
	  "a bad log, or something missing; 3 the files cannot be written or the\n"
	  "scenario cannot run.\n" },
	{ "gap", NULL, "afsim gap SIM_RUN HIL_RUN [--format text|json] [--db PATH]",
	  "The gap between simulation and a rig: a scenario's run in simulation against\n"
	  "its run on a rig (afsim run --rig), phase by phase.  Success rate (Fisher) and\n"
	  "mapping error (Mann-Whitney with the practical floor) must agree, judged as\n"
	  "afsim regress judges rig runs, in both directions; each phase's median time\n"
	  "is compared and its gap reported (rig slower, faster or the same).\n"
	  "  --format F        text (default) or json\n"
	  DB_LINE
	  "Exit: 0 success and accuracy agree (or too little data to tell: fewer than 8\n"
	  "handoffs a side), 1 they differ, 2 usage or runs that are not one sim and one\n"
	  "hil run of one scenario, 3 the database cannot be read.\n" },

	{ "rig", NULL,
	  "afsim rig (serve (--listen HOST:PORT | --pty) [--genicam] [--scenario FILE] "
	  "[--seed N] [--name NAME] [--settled-z MODE] [--no-pacing] [--quiet] [-v] | hello RIG.yaml)",
	  "The rig side of hardware-in-the-loop (docs/hil.md, docs/rig-protocol.md).\n"
	  "  serve             the rig emulator: the rig protocol on TCP or a\n"
	  "                    pseudo-terminal, answered by the simulator in real time\n"
	  "  hello RIG.yaml    connect to the rig of a rig file and show its greeting\n"
	  "afsim help rig serve (hello) tells more.\n"
	  "Exit: 0; 2 usage, a bad scenario or rig file; 3 cannot listen, or the rig\n"
	  "cannot be reached.\n" },
	{ "rig", "serve",
	  "afsim rig serve (--listen HOST:PORT | --pty) [--genicam] [--scenario FILE] "
	  "[--seed N] [--name NAME] [--settled-z MODE] [--no-pacing] [--quiet] [-v]",
	  "The rig emulator, a stand-in for a physical rig: it speaks the rig protocol\n"
	  "and answers with the simulator's physics in real time (a move takes as long\n"
	  "as the stage model says).  Prints one line once ready, 'listening on\n"
	  "tcp:127.0.0.1:PORT' or 'listening on serial:/dev/pts/N' (with --genicam\n"
	  "followed by ' camera genicam:127.0.0.1'), and serves one client at a time\n"
	  "(another gets a busy error naming the holder) until SIGINT or SIGTERM;\n"
	  "connections and faults are logged on stderr.\n"
	  "  --listen HOST:PORT  TCP on HOST (127.0.0.1, [::1], ...); port 0 picks a\n"
	  "                    free one\n"
	  "  --pty             a pseudo-terminal: a serial line serial:/dev/pts/N@BAUD\n"
	  "  --genicam         also serve the camera as a GigE Vision device on\n"
	  "                    127.0.0.1 (Aravis's fake camera; UDP port 3956 there: run\n"
	  "                    it in a private network namespace), its frames rendered\n"
	  "                    at the emulated stage, lens and exposure\n"
	  "  --scenario FILE   the emulated world: the scenario's rig, environment and\n"
	  "                    faults, the rig-level kinds included (link_drop, garbage,\n"
	  "                    slow_reply, no_reply; camera_delay, camera_incomplete,\n"
	  "                    camera_gone with --genicam); its steps are the client's\n"
	  "  --seed N          seed of the world (default: the scenario's, else 1)\n"
	  "  --name NAME       the rig's name in its greeting (default emul)\n"
	  "  --settled-z MODE  what WAIT_SETTLED_Z answers: measured (default: the\n"
	  "                    encoder), commanded (the last MOVE_Z target: a firmware\n"
	  "                    fault for afsim hil validate to catch) or none (the\n"
	  "                    settled_z capability not announced: an older rig)\n"
	  "  --no-pacing       answer at once instead of in real time (benchmarks)\n"
	  "  --quiet           no log on stderr\n"
	  "  -v, --verbose     also every request and reply line on stderr, with its\n"
	  "                    time in ms from the connection (a transcript)\n"
	  "Exit: 0 stopped by a signal; 2 usage or a bad scenario; 3 cannot listen (or\n"
	  "serve the camera).\n" },
	{ "rig", "hello",
	  "afsim rig hello RIG.yaml",
	  "Connect to the rig of the rig file (docs/hil.md), greet it (HELLO) and print\n"
	  "its name, identity, protocol version and capabilities, then the round trip\n"
	  "of one GET_Z: the first check when wiring a rig.  With camera: genicam:ID\n"
	  "it opens the camera too and prints what it is.\n"
	  "Exit: 0; 2 usage or a bad rig file; 3 the rig cannot be reached or\n"
	  "answers wrongly.\n" },

	{ "hil", NULL,
	  "afsim hil validate --rig RIG.yaml [--reps N] [--junit FILE] [--db PATH]",
	  "Hardware in the loop: the validation suite of a rig (docs/hil.md).\n"
	  "  validate          measure the rig against its specification\n"
	  "afsim help hil validate tells more.\n"
	  "Exit: 0 all pass, 1 a FAIL, 2 usage or a bad rig file, 3 an ERROR.\n" },
	{ "hil", "validate",
	  "afsim hil validate --rig RIG.yaml [--reps N] [--junit FILE] [--db PATH]",
	  "Measure the rig of a rig file against its specification (the rig file's\n"
	  "spec:, defaults from the targets): lens switch, focus move of a standard\n"
	  "move, settle, z repeatability, backlash, encoder error, settled z (the\n"
	  "position in WAIT_SETTLED_Z's reply against a GET_Z right after it), frame\n"
	  "rate and jitter, exposure linearity, dark noise, temperature noise and\n"
	  "sanity, and A->B handoffs with their mapping error.  One line per\n"
	  "measurement: name, value, unit, limits, outcome (PASS; MARGINAL: inside a\n"
	  "limit but within the spec's margin_pct of it; FAIL; ERROR: the rig\n"
	  "misbehaved or a measurement timed out, with its message - the others still\n"
	  "run; SKIPPED: the rig lacks what it checks, e.g. no settled_z capability,\n"
	  "with why), the repetitions and their standard deviation.  Recorded in the\n"
	  "database (afsim report --validation shows it).  The stage moves a few tens\n"
	  "of um around where it is and is put back, with the lens and the exposure.\n"
	  "  --rig RIG.yaml    the rig file\n"
	  "  --reps N          repetitions of each measurement, 3..1000 (default 10;\n"
	  "                    30 frames, 20 temperature readings, 5 backlash pairs)\n"
	  "  --junit FILE      write JUnit XML: one testcase per measurement, FAIL a\n"
	  "                    failure, ERROR an error, SKIPPED skipped\n"
	  "  --db PATH         the results database (default $AFSIM_DB, else ./afsim.db),\n"
	  "                    created on first use\n"
	  "Exit: 0 every measurement PASS, MARGINAL or SKIPPED, 1 a FAIL, 2 usage or a\n"
	  "bad rig file, 3 an ERROR, or the database or JUnit file cannot be written.\n" },

	{ "swarm", NULL,
	  "afsim swarm SCENARIO --seeds N [--from S] [-j N] [--shard I/N] [--shard-count N] "
	  "[--db PATH] [-v]",
	  "Run one scenario over many seeds - each a full run, recorded - and say what\n"
	  "the seeds say together: how many failed, which expectations (how often, the\n"
	  "worst value and its seed), the failing seeds, and the distribution of every\n"
	  "expectation's metric and of the key metrics over the seeds (n, min, p50, p95,\n"
	  "max, mean).  A failing seed is printed as afsim run prints a run; shrink it\n"
	  "with afsim shrink (docs/scale.md).\n"
	  "  --seeds N         how many seeds (1..10000000)\n"
	  "  --from S          the first seed (default 1): seeds S .. S+N-1\n"
	  "  -j N              run N seeds at a time, each in its own process (1..64)\n"
	  "  --shard I/N       run only shard I of N of the seeds (dealt round robin);\n"
	  "                    also read from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID\n"
	  "                    or TEST_SHARD_INDEX\n"
	  "  --shard-count N   the number of shards, with JOB_COMPLETION_INDEX\n"
	  "                    (Kubernetes Indexed Jobs)\n"
	  DB_LINE
	  "  -v, --verbose     print every seed's line, not only the failing ones\n"
	  "Exit: 0 every seed passed, 1 a seed failed, 2 usage or a bad scenario, 3 a\n"
	  "run errored or was not recorded.\n" },

	{ "shrink", NULL,
	  "afsim shrink SCENARIO --seed S -o MIN.yaml [--same-errors] [--max-runs N]",
	  "Reduce a failing (scenario, seed) to a smaller scenario that still fails the\n"
	  "same way - the same verdict and the same failed expectations - by delta\n"
	  "debugging over its parts: the failed handoff pinned, smaller handoff\n"
	  "repeats, fewer steps, fewer faults, shorter waits and intervals, the\n"
	  "default room, rig and engine overrides reset to the defaults; then the\n"
	  "expectations that held are dropped.  Deterministic: the same input gives the\n"
	  "same file.  The file says in a comment what it was shrunk from and how; it is\n"
	  "read back and run once more to check.  Records nothing (docs/scale.md).\n"
	  "  --seed S          the failing seed (a swarm's failing seeds)\n"
	  "  -o, --output FILE the minimal scenario to write (a temperature trace\n"
	  "                    goes beside it, FILE without .yaml + .temps.csv)\n"
	  "  --same-errors     also keep the error codes of the failed operations\n"
	  "                    (EHW, ETIMEDOUT, ...)\n"
	  "  --max-runs N      stop after N runs (default 5000)\n"
	  "Exit: 0 written; 2 usage, a bad scenario or a seed that passes; 3 the file\n"
	  "cannot be written or does not fail the same way when read back.\n" },

	{ "db", NULL, "afsim db merge OUT.db IN.db...",
	  "Operations on results databases as a whole (docs/database.md).\n"
	  "  merge OUT.db IN.db...\n"
	  "                    fold the runs, baselines and rig validations of the IN\n"
	  "                    databases (the shards of a suite, several rigs) into OUT\n"
	  "afsim help db merge tells more.\n"
	  "Exit: 0; 2 usage; 3 a database cannot be opened, read or written.\n" },
	{ "db", "merge", "afsim db merge OUT.db IN.db...",
	  "Fold the IN databases into OUT (created on first use), in one transaction:\n"
	  "every run OUT does not have yet (runs are known by their uid, so merging a\n"
	  "shard twice changes nothing) with its operations, frames, events,\n"
	  "expectations and trace index, and the baselines (when both have one for a\n"
	  "scenario, the later blessed wins).  New runs get ids after OUT's own, by\n"
	  "invocation and then in the order of the sorted suite - what one `afsim run`\n"
	  "on one machine would have recorded - so report, regress and viz answer from\n"
	  "OUT as if everything had run there.  A run still running in an IN is merged\n"
	  "as running and refreshed by a later merge.  The validations of rigs (afsim\n"
	  "hil validate) come along with their measurements, known by their content:\n"
	  "one OUT already has is not copied again; new ones get ids after OUT's own,\n"
	  "by start.  IN files are only read; one of an older schema is read through a\n"
	  "migrated copy.  Prints per IN its runs (new, already there) and validations,\n"
	  "and a summary (docs/scale.md).\n"
	  "Exit: 0; 2 usage; 3 an IN is not an afsim database or has a newer schema,\n"
	  "or a database cannot be read or written (then nothing is merged).\n" },

	{ "export", NULL, "afsim export trace RUN -o FILE.json [--db PATH]",
	  "Recorded runs in the formats of other tools (docs/scale.md).\n"
	  "  trace RUN -o FILE.json\n"
	  "                    the run as Chrome trace-event JSON, for Perfetto\n"
	  "                    (ui.perfetto.dev) and chrome://tracing\n"
	  DB_LINE
	  "afsim help export trace tells more.\n"
	  "Exit: 0; 2 usage or no such run; 3 the database cannot be read or the file\n"
	  "written.\n" },
	{ "export", "trace", "afsim export trace RUN -o FILE.json [--db PATH]",
	  "Write a recorded run (an id, or `last`) as Chrome trace-event JSON: one track\n"
	  "per phase (lens_switch, focus_move, focus_search, validation) under one of\n"
	  "whole operations, every frame as an instant event on a frames track (lens, z,\n"
	  "focus score, true focus), faults, HAL errors and failed operations as marked\n"
	  "events across every track, and stage z and temperature as counters; times\n"
	  "are microseconds of the run's clock.  otherData holds the run (scenario,\n"
	  "seed, status, trace hash, uid) and its expectations.  Open the file in\n"
	  "ui.perfetto.dev or chrome://tracing.\n"
	  "  -o, --output FILE the file to write (`-`: standard output)\n"
	  DB_LINE
	  "Exit: 0; 2 usage or no such run; 3 the database cannot be read or the file\n"
	  "written (a partial file is removed).\n" },

	{ "demo", NULL, "afsim demo [--seed N] [--handoffs N]",
	  "Run the autofocus engine on the default simulated rig: calibrate the\n"
	  "parfocal mapping, then A->B handoffs at random places (z uniform in +/-5 um,\n"
	  "22 C) at each optimization level, and print per level the success, the mean\n"
	  "time of each phase, the p95 total, the mapping error and the focus error\n"
	  "against the simulator's ground truth.  Records nothing.\n"
	  "  --seed N          seed of the runs (default 1)\n"
	  "  --handoffs N      handoffs per level, 1..100000 (default 200)\n"
	  "Exit: 0, 2 usage, 3 harness error.\n" },

	{ "selftest", NULL, "afsim selftest [--seed N] [--quiet]",
	  "Run the reference sequence of HAL calls on the default simulated rig (stage\n"
	  "moves both ways, frames through both lenses, a lens switch, a temperature\n"
	  "ramp and one fault of each class) and print each call, the virtual time it\n"
	  "took and the trace hash.  The same seed gives the same hash on every build;\n"
	  "CI compares it across compilers and -O levels (make determinism).\n"
	  "  --seed N          seed of the run (default 1)\n"
	  "  --quiet           print only the trace hash\n"
	  "Exit: 0, 2 usage, 3 harness error.\n" },

	{ "version", NULL, "afsim version",
	  "Print the version (git describe of the build).  afsim --version too.\n"
	  "Exit: 0.\n" },

	{ "help", NULL, "afsim help [COMMAND [SUBCOMMAND]]",
	  "Show the commands, or one command's help (the same as afsim COMMAND --help).\n"
	  "Exit: 0, 2 unknown command.\n" },
};

#define N_ENTRIES (sizeof entries / sizeof entries[0])

const afsim_help *afsim_help_find(const char *cmd, const char *sub, bool *used)
{
	const afsim_help *top = NULL;

	if (used)
		*used = false;
	for (size_t i = 0; i < N_ENTRIES; i++) {
		const afsim_help *h = &entries[i];

		if (strcmp(h->cmd, cmd) != 0)
			continue;
		if (!h->sub)
			top = h;
		else if (sub && strcmp(h->sub, sub) == 0) {
			if (used)
				*used = true;
			return h;
		}
	}
	return top;
}

const char *afsim_help_synopsis(const afsim_help *h)
{
	return h->synopsis;
}

void afsim_help_print(const afsim_help *h, FILE *f)
{
	fprintf(f, "usage: %s\n\n%s", h->synopsis, h->text);
}

void afsim_help_overview(FILE *f)
{
	fprintf(f, "usage: afsim COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_ENTRIES; i++)
		if (!entries[i].sub)
			fprintf(f, "  %s\n", entries[i].synopsis);
	fprintf(f, "\nafsim help COMMAND (or afsim COMMAND --help) shows one command's options;\n"
		   "man afsim tells it all.\n"
		   "exit codes: 0 ok, 1 expectation failed or regression, 2 bad input or usage,\n"
		   "3 harness, hardware or bridge error\n");
}

bool afsim_help_asked(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}
