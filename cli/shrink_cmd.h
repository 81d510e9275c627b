/*
 * shrink_cmd.h - the `afsim shrink` command (cli/shrink_cmd.c): a failing
 * (scenario, seed) reduced to a minimal scenario file.
 */
#ifndef CLI_SHRINK_CMD_H
#define CLI_SHRINK_CMD_H

/*
 * afsim shrink SCENARIO --seed S -o MIN.yaml [--same-errors]
 * [--max-runs N]; argv[0] is "shrink".  Shrinks (sim/shrink.h),
 * writes the smallest scenario found with a comment saying what it was
 * shrunk from and how, runs the written file once more to check it fails
 * the same way.  Records nothing.  Exit: 0 written; 2 usage, a bad
 * scenario, or a seed that passes (nothing to shrink); 3 the file cannot
 * be written or does not fail the same way when read back.
 */
int afsim_cmd_shrink(int argc, char **argv);

#endif /* CLI_SHRINK_CMD_H */
