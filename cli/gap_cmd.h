/*
 * gap_cmd.h - the `afsim gap` command (cli/gap_cmd.c): a scenario's run in
 * simulation against its run on a rig (db/gap.h).
 */
#ifndef CLI_GAP_CMD_H
#define CLI_GAP_CMD_H

/* argv[0] is "gap".  Returns the exit code: 0 success and accuracy agree
 * (or too little data to say), 1 they differ, 2 usage or runs that cannot
 * be compared, 3 the database cannot be read. */
int afsim_cmd_gap(int argc, char **argv);

#endif /* CLI_GAP_CMD_H */
