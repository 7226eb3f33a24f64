// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket's file: parent directory, stale sockets, bind with
 * the right mode from the first moment, group ownership, listen.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_priv.h"
#include "group_lookup.h"
#include "log.h"

static int make_addr(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "control socket path \"%s\" is empty or longer than %zu bytes",
			 path, sizeof(sa->sun_path) - 1);
		return -1;
	}
	strcpy(sa->sun_path, path);	/* NOLINT(clang-analyzer-security.insecureAPI.strcpy): length checked */
	return 0;
}

/* mkdir -p of everything before the last '/', new directories 0755. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char *dir = strdup(path);
	int rc = 0;

	if (!dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

static int lookup_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	int rc = group_lookup(name, gid);

	if (rc == 0)
		return 0;
	if (rc > 0)
		snprintf(err, errlen, "cannot look up group \"%s\": %s", name, strerror(rc));
	else
		snprintf(err, errlen, "group \"%s\" does not exist", name);
	return -1;
}

/*
 * A socket file left by a daemon that died is removed; one a live process
 * still accepts on is not: two daemons fighting over one flowtable would
 * undo each other's work.  Connecting is the only reliable test.
 */
static int clear_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct stat st;
	int fd, rc, saved;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot check %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; remove it or set another "
			 "control socket path", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	saved = errno;
	if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 && cred.pid > 0) {
		snprintf(err, errlen, "process %d (another flowd?) is already listening on %s",
			 (int)cred.pid, path);
		close(fd);
		return -1;
	}
	close(fd);
	/* EAGAIN: its backlog is full, so it is very much alive. */
	if (rc == 0 || saved == EAGAIN) {
		snprintf(err, errlen, "another process (flowd?) is already listening on %s", path);
		return -1;
	}
	if (saved == ENOENT)
		return 0;
	if (saved != ECONNREFUSED) {
		snprintf(err, errlen, "cannot check whether %s is in use: %s", path,
			 strerror(saved));
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	log_info("removed stale control socket %s", path);
	return 0;
}

int ctl_socket_open(const struct ctl_options *opts, dev_t *dev, ino_t *ino, char *err,
		    size_t errlen)
{
	const char *path = opts->path;
	gid_t gid = (gid_t)-1;
	struct sockaddr_un sa;
	struct stat st;
	mode_t old_umask;
	int fd, rc;

	if (make_addr(path, &sa, err, errlen) < 0)
		return -1;
	/* Resolve the group first: a typo must not leave a socket behind. */
	if (opts->group && opts->group[0] && lookup_group(opts->group, &gid, err, errlen) < 0)
		return -1;
	if (make_parents(path, err, errlen) < 0 || clear_stale(path, &sa, err, errlen) < 0)
		return -1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/*
	 * bind() creates the file with 0777 & ~umask: setting the umask from
	 * the wanted mode means the socket never exists with looser
	 * permissions, not even between bind() and a chmod().  flowd is
	 * single-threaded, so the process-wide umask is ours to borrow.
	 */
	old_umask = umask(~opts->mode & 0777);
	rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old_umask);
	if (rc < 0) {
		snprintf(err, errlen, "cannot bind %s: %s", path, strerror(errno));
		goto fail_close;
	}
	if (gid != (gid_t)-1 && fchownat(AT_FDCWD, path, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(err, errlen, "cannot give %s to group %s: %s", path, opts->group,
			 strerror(errno));
		goto fail_unlink;
	}
	if (lstat(path, &st) < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return fd;

fail_unlink:
	unlink(path);
fail_close:
	close(fd);
	return -1;
}

/*
 * Change the mode of the file fd (O_PATH) refers to: fchmod() refuses an
 * O_PATH descriptor, and chmod() on its path could follow a name swapped
 * in meanwhile; /proc's link is the very inode.
 */
static int chmod_fd(int fd, mode_t mode)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, mode);
}

int ctl_socket_update(const struct ctl_options *opts, dev_t dev, ino_t ino, char *err,
		      size_t errlen)
{
	const char *path = opts->path;
	mode_t mode = opts->mode & 07777, old_mode;
	gid_t gid = getegid(), old_gid;
	struct stat st;
	int fd, saved;

	/* As at creation: no group means the daemon's own. */
	if (opts->group && opts->group[0] && lookup_group(opts->group, &gid, err, errlen) < 0)
		return -1;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_dev != dev || st.st_ino != ino) {
		snprintf(err, errlen, "%s is no longer flowd's control socket", path);
		close(fd);
		return -1;
	}
	old_mode = st.st_mode & 07777;
	old_gid = st.st_gid;
	/*
	 * Never looser than both the old and the new setting, not even for a
	 * moment: first only the bits both allow, then the group, then the
	 * new mode.
	 */
	if (old_mode != mode && chmod_fd(fd, old_mode & mode) < 0) {
		snprintf(err, errlen, "cannot change the mode of %s: %s", path, strerror(errno));
		goto fail;
	}
	if (old_gid != gid && fchownat(fd, "", (uid_t)-1, gid, AT_EMPTY_PATH) < 0) {
		if (opts->group && opts->group[0])
			snprintf(err, errlen, "cannot give %s to group %s: %s", path, opts->group,
				 strerror(errno));
		else
			snprintf(err, errlen, "cannot give %s to group %u: %s", path,
				 (unsigned int)gid, strerror(errno));
		goto fail;
	}
	if (old_mode != mode && chmod_fd(fd, mode) < 0) {
		snprintf(err, errlen, "cannot change the mode of %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	return 0;

fail:
	/* Back to what it was, in the safe order: mode narrowed, group, mode. */
	saved = errno;
	if (fchownat(fd, "", (uid_t)-1, old_gid, AT_EMPTY_PATH) < 0 ||
	    chmod_fd(fd, old_mode) < 0)
		log_warn("cannot restore the mode and group of %s", path);
	close(fd);
	errno = saved;
	return -1;
}

void ctl_socket_unlink(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	/* A newer daemon may have replaced our socket: leave that one alone. */
	if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino && unlink(path) < 0)
		log_warn("cannot remove %s", path);
}
