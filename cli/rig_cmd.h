/*
 * rig_cmd.h - the `afsim rig` commands (cli/rig_cmd.c): the rig emulator
 * and a connection check of a rig file.
 */
#ifndef CLI_RIG_CMD_H
#define CLI_RIG_CMD_H

/*
 * afsim rig serve (--listen HOST:PORT | --pty) [--scenario FILE] [--seed N]
 *                 [--name NAME] [--settled-z measured|commanded|none]
 *                 [--no-pacing] [--quiet] [-v]
 * afsim rig hello RIG.yaml
 * argv[0] is "rig".  serve prints "listening on tcp:HOST:PORT" or
 * "listening on serial:/dev/pts/N" (flushed) once ready and serves until
 * SIGINT or SIGTERM.  hello connects to the rig of a rig file and prints its
 * greeting.  Exit: 0; 2 usage or a bad scenario or rig file; 3 cannot
 * listen, or the rig cannot be reached.  The usage texts are in
 * cli/help.c.
 */
int afsim_rig_main(int argc, char **argv);

#endif
