/*
 * db_cmd.h - the `afsim db` command (cli/db_cmd.c): operations on results
 * databases as a whole.
 */
#ifndef CLI_DB_CMD_H
#define CLI_DB_CMD_H

/*
 * afsim db merge OUT.db IN.db...; argv[0] is "db".  Folds the runs and
 * baselines of the IN databases into OUT (created on first use), in one
 * transaction (db/merge.h), and prints what it merged.  Exit: 0; 2 usage;
 * 3 a database cannot be opened, is not an afsim database, has a schema
 * newer than this afsim's, or cannot be written (then nothing is merged).
 */
int afsim_cmd_db(int argc, char **argv);

#endif /* CLI_DB_CMD_H */
