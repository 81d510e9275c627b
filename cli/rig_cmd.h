/*
 * rig_cmd.h - the `afsim rig` commands (cli/rig_cmd.c): the rig emulator
 * and a connection check of a rig file.
 */
#ifndef CLI_RIG_CMD_H
#define CLI_RIG_CMD_H

/*
 * afsim rig serve (--listen HOST:PORT | --pty) [--scenario FILE] [--seed N]
 *                 [--name NAME] [--no-pacing] [--quiet]
 * afsim rig hello RIG.yaml
 * argv[0] is "rig".  serve prints "listening on tcp:HOST:PORT" or
 * "listening on serial:/dev/pts/N" (flushed) once ready and serves until
 * SIGINT or SIGTERM.  hello connects to the rig of a rig file and prints its
 * greeting.  Exit: 0; 2 usage or a bad scenario or rig file; 3 cannot
 * listen, or the rig cannot be reached.
 */
int afsim_rig_main(int argc, char **argv);

#define AFSIM_RIG_SYNOPSIS \
	"afsim rig serve (--listen HOST:PORT | --pty) [--scenario FILE] [--seed N] | rig hello RIG.yaml"
#define AFSIM_RIG_HELP                                                                        \
	"serve: the rig emulator, a stand-in for a physical rig.  It speaks the rig\n"         \
	"protocol (docs/rig-protocol.md) on TCP or a pseudo-terminal and answers with the\n"   \
	"simulator's physics in real time: a move takes as long as the stage model says.\n"   \
	"Prints one line once ready, 'listening on tcp:127.0.0.1:PORT' or 'listening on\n"   \
	"serial:/dev/pts/N', and serves one client at a time until SIGINT or SIGTERM.\n"      \
	"  --listen HOST:PORT  TCP on HOST (127.0.0.1, [::1], ...); port 0 picks a free one\n" \
	"  --pty               a pseudo-terminal (a serial line: serial:/dev/pts/N@BAUD)\n"   \
	"  --scenario FILE     the emulated world: the scenario's rig, environment and\n"     \
	"                      faults, rig-level ones included (link_drop, garbage,\n"        \
	"                      slow_reply, no_reply); its steps are the client's business\n"  \
	"  --seed N            seed of the world (default: the scenario's, else 1)\n"         \
	"  --name NAME         the rig's name in its greeting (default: emul)\n"              \
	"  --no-pacing         answer at once instead of in real time (benchmarks)\n"         \
	"  --quiet             no log of connections and faults on stderr\n"                  \
	"hello: connect to the rig of RIG.yaml (docs/hil.md), greet it and print its name,\n" \
	"identity, capabilities and the round trip of one GET_Z.\n"                           \
	"Exit: 0; 2 usage, bad scenario or rig file; 3 cannot listen, rig unreachable.\n"

#endif
