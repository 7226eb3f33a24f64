// SPDX-License-Identifier: GPL-2.0-or-later
/* Conversations with the kernel over netlink (see nl_talk.h). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "nl_talk.h"
#include "nlattr_util.h"

static int talk_bind_info(struct nl_talk *t)
{
	struct sockaddr_nl sa = { 0 };
	socklen_t salen = sizeof(sa);

	if (getsockname(t->fd, (struct sockaddr *)&sa, &salen) < 0)
		return -errno;
	if (salen != sizeof(sa) || sa.nl_family != AF_NETLINK)
		return -EPROTO;
	t->portid = sa.nl_pid;
	/* Distinct from a previous run's, whose late answers may still come. */
	t->seq = (uint32_t)time(NULL);
	t->foreign = 0;
	return 0;
}

int nl_talk_open(struct nl_talk *t, int protocol, unsigned int timeout_ms)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000 };
	int one = 1, r;

	t->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (t->fd < 0)
		return -errno;
	if (bind(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (timeout_ms > 0 && setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)) {
		r = -errno;
		goto fail;
	}
	/* Extended acks are text for humans: a kernel without them still answers. */
	(void)setsockopt(t->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if ((r = talk_bind_info(t)) < 0)
		goto fail;
	return 0;
fail:
	close(t->fd);
	t->fd = -1;
	return r;
}

void nl_talk_close(struct nl_talk *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

uint32_t nl_talk_seq(struct nl_talk *t, uint32_t n)
{
	uint32_t first;

	/* Sequence 0 would look unset: start over at 1 rather than wrap to it. */
	if (t->seq >= UINT32_MAX - n)
		t->seq = 0;
	first = t->seq + 1;
	t->seq += n;
	return first;
}

int nl_msghdr_check(const struct msghdr *h)
{
	const struct sockaddr_nl *sa = h->msg_name;

	if (h->msg_namelen != sizeof(*sa) || sa->nl_pid != 0)
		return 0;
	if (h->msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return 1;
}

ssize_t nl_recv_kernel(int fd, void *buf, size_t len, int flags, uint64_t *foreign)
{
	for (;;) {
		struct sockaddr_nl sa = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr msg = { .msg_name = &sa, .msg_namelen = sizeof(sa),
				      .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &msg, flags);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		switch (nl_msghdr_check(&msg)) {
		case 0:
			if (foreign != NULL)
				(*foreign)++;
			continue;	/* only the kernel talks to us */
		case 1:
			return n;
		default:
			return -EMSGSIZE;
		}
	}
}

void nl_msg_extack(const struct nlmsghdr *m, struct nl_extack *x)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t paylen = mnl_nlmsg_get_payload_len(m);
	size_t off = sizeof(*e);

	memset(x, 0, sizeof(*x));
	if (paylen < sizeof(*e) || !(m->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the error echoes the whole request. */
	if (!(m->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len >= sizeof(e->msg) ? e->msg.nlmsg_len - sizeof(e->msg) : 0;
	off = MNL_ALIGN(off);
	if (paylen < off ||
	    nlattr_table((const char *)e + off, paylen - off, tb, NLMSGERR_ATTR_MAX) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] != NULL) {
		x->msg = mnl_attr_get_payload(tb[NLMSGERR_ATTR_MSG]);
		x->msg_len = strnlen(x->msg, mnl_attr_get_payload_len(tb[NLMSGERR_ATTR_MSG]));
	}
	if (tb[NLMSGERR_ATTR_OFFS] != NULL &&
	    nlattr_len_is(tb[NLMSGERR_ATTR_OFFS], sizeof(uint32_t)) == 0) {
		x->offs = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
		x->has_offs = true;
	}
}

int nl_msg_error(const struct nlmsghdr *m, char *ext, size_t extlen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

	if (ext != NULL && extlen > 0)
		ext[0] = '\0';
	if (mnl_nlmsg_get_payload_len(m) < sizeof(e->error))
		return -EPROTO;
	/* The kernel sends 0 or -errno; INT_MIN would overflow when negated. */
	if (e->error > 0 || e->error == INT_MIN)
		return -EPROTO;
	if (ext != NULL && extlen > 0) {
		struct nl_extack x;

		nl_msg_extack(m, &x);
		snprintf(ext, extlen, "%.*s", (int)(x.msg_len > INT_MAX ? INT_MAX : x.msg_len),
			 x.msg != NULL ? x.msg : "");
	}
	return e->error;
}

int nl_msg_done(const struct nlmsghdr *m)
{
	int e;

	/* Old kernels send a bare NLMSG_DONE. */
	if (mnl_nlmsg_get_payload_len(m) < sizeof(e))
		return 0;
	memcpy(&e, mnl_nlmsg_get_payload(m), sizeof(e));
	if (e > 0 || e == INT_MIN)
		return -EPROTO;
	return e;
}

int nl_talk_send(struct nl_talk *t, const void *req, size_t len)
{
	ssize_t n = send(t->fd, req, len, 0);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

int nl_exchange(struct nl_talk *t, const void *req, size_t len, void *buf, size_t buflen,
		struct nl_exchange *x)
{
	int r = nl_talk_send(t, req, len);

	x->dump_intr = false;
	return r < 0 ? r : nl_talk_answers(t, buf, buflen, x);
}

int nl_talk_answers(struct nl_talk *t, void *buf, size_t buflen, struct nl_exchange *x)
{
	ssize_t n;

	for (;;) {
		const struct nlmsghdr *m = buf;
		int rem;

		n = nl_recv_kernel(t->fd, buf, buflen, 0, &t->foreign);
		if (n == -EAGAIN)
			return -ETIMEDOUT;
		if (n < 0)
			return (int)n;
		rem = n > INT_MAX ? INT_MAX : (int)n;
		for (; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem)) {
			uint32_t idx = m->nlmsg_seq - x->first;
			int r;

			/* A late answer to an abandoned request, or not ours. */
			if (m->nlmsg_pid != t->portid || idx >= x->count)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				x->dump_intr = true;
			r = x->cb(m, (size_t)rem, idx, x->arg);
			if (r < 0)
				return r;
			if (r == NL_FINISHED)
				return 0;
		}
		/* Bytes that are no whole message: the kernel never sends them. */
		if (rem > 0)
			return -EPROTO;
	}
}
