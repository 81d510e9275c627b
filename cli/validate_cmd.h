/*
 * validate_cmd.h - `afsim hil validate` and `afsim report --validation`.
 */
#ifndef CLI_VALIDATE_CMD_H
#define CLI_VALIDATE_CMD_H

/* afsim hil SUBCOMMAND ...: argv[0] is "hil".  Exit 0 every measurement
 * PASS or MARGINAL, 1 a FAIL, 2 usage or a bad rig file, 3 an ERROR, the
 * database or the JUnit file. */
int afsim_hil_main(int argc, char **argv);

/* afsim report --validation ID|last [--format F] [--db PATH]: argv[0] is
 * "report".  Exit 0, 2 usage or no such validation, 3 the database. */
int afsim_report_validation(int argc, char **argv);

#endif /* CLI_VALIDATE_CMD_H */
