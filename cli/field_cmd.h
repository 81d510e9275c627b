/*
 * field_cmd.h - the `afsim field` command (cli/field_cmd.c): field logs
 * made into scenarios (field/fld_import.h, docs/field-replay.md).
 */
#ifndef CLI_FIELD_CMD_H
#define CLI_FIELD_CMD_H

/* argv[0] is "field".  Returns the exit code (0, 1, 2 or 3). */
int afsim_cmd_field(int argc, char **argv);

#endif /* CLI_FIELD_CMD_H */
