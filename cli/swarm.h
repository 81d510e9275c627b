/*
 * swarm.h - the `afsim swarm` command (cli/swarm.c): one scenario over
 * many seeds.
 */
#ifndef CLI_SWARM_H
#define CLI_SWARM_H

/*
 * afsim swarm SCENARIO --seeds N [--from S] [-j N] [--shard I/N]
 * [--shard-count N] [--db PATH] [-v]; argv[0] is "swarm".  Runs the
 * scenario with seeds S .. S+N-1 (this shard's part of them), each a full
 * run recorded in the database, prints the failing seeds (every seed with
 * -v) and the summary.  Exit: 0 every seed passed, 1 a seed failed an
 * expectation, 2 usage or a bad scenario, 3 a run errored or was not
 * recorded, or the database cannot be opened.
 */
int afsim_cmd_swarm(int argc, char **argv);

#endif /* CLI_SWARM_H */
