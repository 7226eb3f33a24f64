// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel as the path lookup backend: RTM_GETROUTE over a socket of
 * our own, CT_LOOKUP_BATCH requests per send (rtnetlink handles every
 * message of a datagram in turn) and then their answers, matched by
 * sequence number.  Batches stay small enough that the answers fit the
 * socket's receive buffer: a unicast answer that does not fit is dropped
 * by the kernel, which would look like a timeout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "ct.h"
#include "ct_int.h"
#include "log.h"
#include "nlattr_util.h"

#define CT_LOOKUP_BATCH 64
#define CT_LOOKUP_RBUF 8192

struct ct_lookup {
	int fd;
	uint32_t portid;
	uint32_t seq;
	char req[CT_LOOKUP_BATCH * CT_LOOKUP_MSG_MAX] __attribute__((aligned(4)));
	char rbuf[CT_LOOKUP_RBUF] __attribute__((aligned(4)));
};

int ct_lookup_open(struct ct_lookup **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	struct timeval tv = { .tv_sec = 2 };
	struct ct_lookup *l = calloc(1, sizeof(*l));
	int r;

	*out = NULL;
	if (l == NULL)
		return -ENOMEM;
	l->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (l->fd < 0) {
		r = -errno;
		free(l);
		return r;
	}
	/* The kernel answers at once; a timeout keeps a lost answer from hanging the loop. */
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(l->fd, (struct sockaddr *)&sa, &salen) < 0 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		ct_lookup_close(l);
		return r;
	}
	l->portid = sa.nl_pid;
	l->seq = (uint32_t)time(NULL);
	*out = l;
	return 0;
}

void ct_lookup_close(struct ct_lookup *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	free(l);
}

/* One datagram from the kernel (nl_pid 0); others are dropped. */
static ssize_t recv_kernel(struct ct_lookup *l)
{
	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = { l->rbuf, sizeof(l->rbuf) };
		struct msghdr msg = { .msg_name = &sa, .msg_namelen = sizeof(sa),
				      .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t len = recvmsg(l->fd, &msg, 0);

		if (len < 0)
			return -errno;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (msg.msg_namelen == sizeof(sa) && sa.nl_pid == 0)
			return len;
	}
}

static int batch(struct ct_lookup *l, const struct ct_rtkey *keys, int32_t *ans, uint8_t *plen,
		 size_t n)
{
	uint32_t first = l->seq + 1;
	size_t off = 0, left = n;

	for (size_t i = 0; i < n; i++) {
		size_t m = ct_lookup_build(l->req + off, sizeof(l->req) - off, &keys[i], ++l->seq);

		if (m == 0)
			return -EINVAL;
		off += MNL_ALIGN(m);
	}
	if (send(l->fd, l->req, off, 0) < 0)
		return -errno;
	while (left > 0) {
		ssize_t len = recv_kernel(l);
		const struct nlmsghdr *m = (const struct nlmsghdr *)l->rbuf;
		int rem;

		if (len < 0)
			return (int)len;
		for (rem = (int)len; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem)) {
			uint32_t i = m->nlmsg_seq - first;

			/* A late answer to an earlier batch, or not ours. */
			if (m->nlmsg_pid != l->portid || i >= n || ans[i] != -1)
				continue;
			ans[i] = ct_lookup_parse(m, (size_t)rem, &plen[i]);
			if (ans[i] == -1)
				ans[i] = -2;	/* answered, but unknown */
			left--;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (ans[i] == -2)
			ans[i] = -1;
	return 0;
}

int ct_lookup_kernel(void *arg, const struct ct_rtkey *keys, int32_t *ans, uint8_t *plen,
		      size_t n)
{
	struct ct_lookup *l = arg;

	for (size_t i = 0; i < n; i++) {
		ans[i] = -1;
		plen[i] = 0;
	}
	for (size_t off = 0; off < n; off += CT_LOOKUP_BATCH) {
		size_t m = n - off < CT_LOOKUP_BATCH ? n - off : CT_LOOKUP_BATCH;
		int r = batch(l, keys + off, ans + off, plen + off, m);

		if (r < 0) {
			for (size_t i = off; i < off + m; i++)
				if (ans[i] == -2)
					ans[i] = -1;
			log_warnx("conntrack: route lookups: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}
