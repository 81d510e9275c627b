/*
 * export_cmd.h - the `afsim export` command (cli/export_cmd.c): recorded
 * runs in other tools' formats.
 */
#ifndef CLI_EXPORT_CMD_H
#define CLI_EXPORT_CMD_H

/*
 * afsim export trace RUN -o FILE.json [--db PATH]; argv[0] is "export".
 * RUN is a run id or `last`.  Writes the run as Chrome trace-event JSON
 * (db/export.h) to FILE (`-`: standard output); a file that could not be
 * written whole is removed.  Exit: 0; 2 usage or no such run; 3 the
 * database cannot be read or the file written.
 */
int afsim_cmd_export(int argc, char **argv);

#endif /* CLI_EXPORT_CMD_H */
