// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowctl's side of the socket: connect, send one request line, read one
 * response line, all against a single deadline so a wedged daemon cannot
 * hang a script.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "flowctl.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long long left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc >= 0)
			return rc;
		if (errno != EINTR)
			return -1;
	}
}

static int do_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, saved;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -FLOWCTL_EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);	/* NOLINT(clang-analyzer-security.insecureAPI.strcpy): length checked */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -FLOWCTL_EXIT_COMM;
	}
	/*
	 * A blocking connect() to a UNIX socket whose backlog is full waits
	 * for room, up to SO_SNDTIMEO, then fails with EAGAIN.
	 */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		return fd;
	}
	saved = errno;
	close(fd);
	switch (saved) {
	case ENOENT:
	case ECONNREFUSED:
		snprintf(err, errlen, "cannot connect to %s: %s (is flowd running?)", path,
			 strerror(saved));
		return -FLOWCTL_EXIT_NO_DAEMON;
	case EACCES:
	case EPERM:
		snprintf(err, errlen, "permission denied: cannot connect to %s (run as root or as "
			 "a member of its group)", path);
		return -FLOWCTL_EXIT_DENIED;
	case EAGAIN:
	case EINPROGRESS:
		snprintf(err, errlen, "cannot connect to %s: flowd did not accept within %d s",
			 path, timeout_ms / 1000);
		return -FLOWCTL_EXIT_COMM;
	default:
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(saved));
		return -FLOWCTL_EXIT_NO_DAEMON;
	}
}

/*
 * Returns 0 when sent, or when flowd hung up on us: it may have said why
 * (a request too large) before closing, and reading tells.
 */
static int send_all(int fd, const char *buf, size_t len, long long deadline, char *err,
		    size_t errlen)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		int rc;

		if (n >= 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return 0;
		if (errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "cannot send to flowd: %s", strerror(errno));
			return -1;
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc <= 0) {
			snprintf(err, errlen, "%s", rc ? strerror(errno) : "flowd did not read the request in time");
			return -1;
		}
	}
	return 0;
}

/* Read up to and including the first '\n'; returns the length or -1. */
static ssize_t recv_line(int fd, char **out, long long deadline, char *err, size_t errlen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nbuf;

	while (buf) {
		ssize_t n;
		int rc;

		if (len == cap) {
			if (cap >= PROTO_MAX_RESPONSE) {
				snprintf(err, errlen, "flowd's answer exceeds %d bytes",
					 PROTO_MAX_RESPONSE);
				break;
			}
			cap = cap * 4 > PROTO_MAX_RESPONSE ? PROTO_MAX_RESPONSE : cap * 4;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nbuf;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n > 0) {
			char *nl = memchr(buf + len, '\n', (size_t)n);

			len += (size_t)n;
			if (nl) {
				*out = buf;
				return nl - buf + 1;
			}
			continue;
		}
		if (n == 0) {
			snprintf(err, errlen, len ? "flowd's answer was cut short"
						  : "flowd closed the connection without answering");
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			snprintf(err, errlen, "cannot read from flowd: %s", strerror(errno));
			break;
		}
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc <= 0) {
			snprintf(err, errlen, "%s", rc ? strerror(errno) : "no answer from flowd in time");
			break;
		}
	}
	if (!buf)
		snprintf(err, errlen, "out of memory");
	free(buf);
	return -1;
}

int flowctl_call(const char *path, const struct proto_request *req, int timeout_ms,
		 struct proto_response *resp, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	struct proto_error perr;
	char *line, *answer = NULL;
	size_t len;
	ssize_t alen;
	int fd, rc = FLOWCTL_EXIT_COMM;

	line = proto_request_encode(req, &len);
	if (!line) {
		snprintf(err, errlen, "out of memory");
		return FLOWCTL_EXIT_FAILED;
	}
	fd = do_connect(path, timeout_ms, err, errlen);
	if (fd < 0) {
		free(line);
		return -fd;
	}
	if (send_all(fd, line, len, deadline, err, errlen) < 0)
		goto out;
	alen = recv_line(fd, &answer, deadline, err, errlen);
	if (alen < 0)
		goto out;
	if (proto_response_parse(answer, (size_t)alen, resp, &perr) < 0) {
		snprintf(err, errlen, "malformed answer from flowd: %s", perr.message);
		goto out;
	}
	rc = FLOWCTL_EXIT_OK;
out:
	free(answer);
	free(line);
	close(fd);
	return rc;
}
