/*
 * replay_cmd.h - the `afsim replay` command (cli/replay_cmd.c): exact
 * replay of a field log against the engine (field/fld_replay.h,
 * docs/field-replay.md).
 */
#ifndef CLI_REPLAY_CMD_H
#define CLI_REPLAY_CMD_H

#define AFSIM_REPLAY_SYNOPSIS "afsim replay LOG [--engine-set KEY=VALUE]... [-v] [--dump]"

#define AFSIM_REPLAY_HELP \
	"Replay a field log (written by the engine's flight recorder, docs/field-log.md)\n" \
	"against this build's engine: rebuild the engine from the recorded configuration,\n" \
	"issue the recorded operations again and answer every call it makes from the log,\n" \
	"checking each against the recorded one (op and arguments, bit for bit) and every\n" \
	"result against the recorded result.  Prints \"reproduced: N ops, M HAL calls,\n" \
	"results identical\", or where the engine departs from the log: the operation,\n" \
	"the call, the recorded call and the new one, and what the engine had decided\n" \
	"up to there.\n" \
	"  --engine-set KEY=VALUE  change the engine before replaying: KEY is a key of a\n" \
	"                          scenario's engine: block, dotted (optimization=standard,\n" \
	"                          mapping.model=cubic, cache.size=0,\n" \
	"                          search.lens_b.fast.points=5); repeatable\n" \
	"  -v                      print every operation as it is reproduced, and every\n" \
	"                          operation decided before a divergence\n" \
	"  --dump                  print the log as text (header, configuration, every\n" \
	"                          operation and call) instead of replaying it\n" \
	"A torn last record (the recording stopped mid-write) is skipped with a warning.\n" \
	"Exit: 0 reproduced (or dumped), 1 diverged, 2 bad log or usage, 3 harness error.\n"

/* argv[0] is "replay".  Returns the exit code (0, 1, 2 or 3). */
int afsim_cmd_replay(int argc, char **argv);

#endif /* CLI_REPLAY_CMD_H */
