/*
 * replay_cmd.h - the `afsim replay` command (cli/replay_cmd.c): exact
 * replay of a field log against the engine (field/fld_replay.h,
 * docs/field-replay.md).
 */
#ifndef CLI_REPLAY_CMD_H
#define CLI_REPLAY_CMD_H

#define AFSIM_REPLAY_SYNOPSIS "afsim replay LOG [--engine-set KEY=VALUE]... [-v] [--dump]"

/* argv[0] is "replay".  Returns the exit code (0, 1, 2 or 3). */
int afsim_cmd_replay(int argc, char **argv);

#endif /* CLI_REPLAY_CMD_H */
