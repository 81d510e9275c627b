/*
 * netns.h - move this process into a private network namespace whose only
 * interface is the loopback, up: GigE Vision devices started and cameras
 * discovered in it see nothing of the machine's networks, and no packet of
 * theirs leaves it.  Header-only, no Check, so tests and benchmarks share it.
 *
 * netns_enter() must run while the process has one thread (before Aravis
 * starts any): unshare(CLONE_NEWNET) as root, else with a user namespace of
 * its own (unprivileged, where the kernel allows it); then lo is brought up
 * with SIOCSIFFLAGS.  In a Check suite call it from the test body: fork mode
 * runs each test in a child of its own, so the namespace ends with the test.
 *
 * When it cannot, the caller prints a SKIP line with the reason, except
 * where netns_required() says a skip would hide a failure (CI=true or
 * AFSIM_REQUIRE_NETNS=1): then it fails.  tests/netns.sh does the same for
 * scripts with unshare(1) and ip(8).
 */
#ifndef TESTS_NETNS_H
#define TESTS_NETNS_H

#include <errno.h>
#include <linux/sched.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 0 once in a private namespace with lo up; -1 with the reason in why. */
static inline int netns_enter(char *why, size_t n)
{
	struct ifreq ifr;
	int fd, e_root;

	if (syscall(SYS_unshare, CLONE_NEWNET) != 0) {
		e_root = errno;
		if (syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNET) != 0) {
			snprintf(why, n, "unshare(CLONE_NEWNET): %s; in a user namespace: %s",
				 strerror(e_root), strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		snprintf(why, n, "socket in the new namespace: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 ||
	    (ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP), ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)) {
		snprintf(why, n, "bringing lo up: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Must a namespace that cannot be made fail the run instead of skipping? */
static inline bool netns_required(void)
{
	const char *ci = getenv("CI"), *req = getenv("AFSIM_REQUIRE_NETNS");

	return (ci && *ci && strcmp(ci, "false") != 0 && strcmp(ci, "0") != 0) ||
	       (req && strcmp(req, "1") == 0);
}

#endif /* TESTS_NETNS_H */
