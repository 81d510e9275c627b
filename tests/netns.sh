#!/bin/sh
# netns.sh - run a command in a private network namespace whose only
# interface is the loopback, up, so GigE Vision devices it starts and
# cameras it discovers see nothing of the machine's networks and no packet
# of theirs leaves it.  The shell-side twin of tests/netns.h.
#
#   sh tests/netns.sh COMMAND [ARG...]
#
# As root: unshare -n; otherwise unshare -r -n (a user namespace of its own,
# where the kernel allows it); then `ip link set lo up`; then COMMAND, with
# AFSIM_NETNS=1 in its environment (already set: COMMAND runs as is).
# Exit: COMMAND's status; 77 when no namespace can be made here (the reason
# on stderr) - except where a skip would hide a failure (CI=true or
# AFSIM_REQUIRE_NETNS=1): then 3.
set -u
if [ "${AFSIM_NETNS:-}" = 1 ]; then
	exec "$@"
fi
inner='ip link set lo up || exit 3; AFSIM_NETNS=1; export AFSIM_NETNS; exec "$@"'
for how in "-n" "-r -n"; do
	# shellcheck disable=SC2086 # $how is two options on purpose
	if unshare $how sh -c 'ip link set lo up' > /dev/null 2>&1; then
		# shellcheck disable=SC2086
		exec unshare $how sh -c "$inner" netns "$@"
	fi
done
why=$(unshare -n sh -c 'ip link set lo up' 2>&1 | head -n 1)
[ -n "$why" ] || why="unshare or ip failed"
required=0
case "${CI:-}" in "" | false | 0) ;; *) required=1 ;; esac
[ "${AFSIM_REQUIRE_NETNS:-}" = 1 ] && required=1
if [ $required = 1 ]; then
	echo "netns.sh: no private network namespace (required here): $why" >&2
	exit 3
fi
echo "netns.sh: no private network namespace: $why" >&2
exit 77
