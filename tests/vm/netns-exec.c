// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netns-exec NAME COMMAND [ARGS...]: run COMMAND in the network namespace
 * NAME (/run/netns/NAME), with /sys showing that namespace's devices:
 * what `ip netns exec` does for the VM tests (they use no /etc/netns).
 *
 * Why not `ip netns exec`: under TCG, with the root file system on 9p,
 * starting a dynamically linked program costs the guest 50-200 ms, and ip
 * loads ten libraries.  The tests run a command in a namespace thousands
 * of times (every counter read, every poll).  This helper is linked
 * statically by tests/vm/run-vm.sh and costs about a tenth of that.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int fail(const char *name, const char *what)
{
	fprintf(stderr, "netns-exec: %s: %s: %s\n", name, what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char path[512];
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: netns-exec NAME COMMAND [ARGS...]\n");
		return 2;
	}
	if (strchr(argv[1], '/') ||
	    snprintf(path, sizeof(path), "/run/netns/%s", argv[1]) >= (int)sizeof(path)) {
		fprintf(stderr, "netns-exec: %s: not a namespace name\n", argv[1]);
		return 2;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(argv[1], "open");
	if (setns(fd, CLONE_NEWNET) < 0)
		return fail(argv[1], "setns");
	close(fd);

	/* A mount namespace of our own, so that /sys can be the namespace's
	 * sysfs without changing anyone else's view; mounts made outside
	 * still reach us (slave), ours do not leave. */
	if (unshare(CLONE_NEWNS) < 0)
		return fail(argv[1], "unshare mount namespace");
	if (mount("none", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return fail(argv[1], "make / a slave mount");
	/* EINVAL: nothing mounted on /sys to take away. */
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return fail(argv[1], "unmount /sys");
	if (mount(argv[1], "/sys", "sysfs", 0, NULL) < 0)
		return fail(argv[1], "mount sysfs on /sys");

	execvp(argv[2], argv + 2);
	fprintf(stderr, "netns-exec: %s: %s\n", argv[2], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
