/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conversations with the kernel over netlink.  Every request flowd sends
 * and every event it reads goes through these few functions, so that each
 * checks the same things the same way:
 *
 *   - only the kernel is heard: a datagram whose sender is not port 0
 *     (another process unicasting to our port) is dropped and counted;
 *   - a datagram cut short (MSG_TRUNC) is an error, never half parsed;
 *   - an answer belongs to a request by its sequence number and our port;
 *     late answers to an abandoned request are skipped;
 *   - NLMSG_ERROR is decoded once, with the kernel's extended ack text,
 *     and an error code the kernel cannot send (INT_MIN, positive) is a
 *     protocol error, not a negated overflow;
 *   - NLM_F_DUMP_INTR is reported so that the caller dumps again;
 *   - no answer within the socket's timeout is -ETIMEDOUT, not a hang.
 *
 * Attribute parsing stays with nlattr_util.h; libnl keeps its own socket
 * for the link and address caches (topo.c).
 */
#ifndef FLOWD_NL_TALK_H
#define FLOWD_NL_TALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nlmsghdr;

struct nl_talk {
	int fd;
	uint32_t portid;	/* our port, as the kernel bound it */
	uint32_t seq;		/* the last sequence number handed out */
	uint64_t foreign;	/* datagrams not from the kernel, dropped */
};

/*
 * Open and bind a netlink socket of protocol (NETLINK_ROUTE, ...) for
 * requests: answers must come within timeout_ms (0: wait for ever).
 * Extended ack text is asked for.  0 or -errno.
 */
int nl_talk_open(struct nl_talk *t, int protocol, unsigned int timeout_ms);
void nl_talk_close(struct nl_talk *t);
/* n consecutive sequence numbers; returns the first. */
uint32_t nl_talk_seq(struct nl_talk *t, uint32_t n);

/*
 * One datagram sent by the kernel into buf (recvmsg flags: MSG_DONTWAIT
 * or 0).  Returns its length, or -errno: -EAGAIN (nothing now, or nothing
 * within the timeout), -EMSGSIZE (cut short: lost), -ENOBUFS (the kernel
 * dropped messages for us).  EINTR is retried; datagrams from any other
 * sender are dropped and counted in *foreign (may be NULL).
 */
ssize_t nl_recv_kernel(int fd, void *buf, size_t len, int flags, uint64_t *foreign);
/*
 * The same check for a datagram read otherwise (recvmmsg() of a burst):
 * 1 from the kernel, 0 from anyone else (drop it), -EMSGSIZE cut short.
 */
struct msghdr;
int nl_msghdr_check(const struct msghdr *h);

/*
 * NLMSG_ERROR's code: 0 (an ACK) or -errno; -EPROTO when the message is
 * too short or carries a code the kernel never sends.  When ext is not
 * NULL it gets the extended ack text, or "" without one.
 */
int nl_msg_error(const struct nlmsghdr *m, char *ext, size_t extlen);

/*
 * NLMSG_ERROR's extended ack (NETLINK_EXT_ACK): the kernel's text, and the
 * offset in our request of the attribute it refused.  msg points into m
 * (msg_len bytes, no NUL needed); a field the kernel did not send, or sent
 * malformed, stays empty.
 */
struct nl_extack {
	const char *msg;
	size_t msg_len;
	bool has_offs;
	uint32_t offs;
};
void nl_msg_extack(const struct nlmsghdr *m, struct nl_extack *x);
/* NLMSG_DONE's code: 0, or the -errno a dump failed with half-way. */
int nl_msg_done(const struct nlmsghdr *m);

/* What an answer callback wants next. */
enum {
	NL_MORE = 0,		/* keep reading */
	NL_FINISHED = 1,	/* the conversation is over: return 0 */
};

/*
 * Told each message that answers request idx (its sequence number minus
 * the first), ACKs, errors and NLMSG_DONE included; rem is the buffer
 * left from m on.  Returns NL_MORE, NL_FINISHED or -errno (returned).
 */
typedef int (*nl_answer_cb)(const struct nlmsghdr *m, size_t rem, uint32_t idx, void *arg);

struct nl_exchange {
	uint32_t first;		/* sequence number of the first request */
	uint32_t count;		/* requests, numbered first .. first + count - 1 */
	nl_answer_cb cb;
	void *arg;
	bool dump_intr;		/* out: an answer carried NLM_F_DUMP_INTR */
};

/*
 * Send len bytes of requests (already numbered, see nl_talk_seq()) and
 * read answers into buf until the callback says NL_FINISHED.  Returns 0,
 * the callback's error, or -errno from the socket (-ETIMEDOUT for no
 * answer in time).
 */
int nl_exchange(struct nl_talk *t, const void *req, size_t len, void *buf, size_t buflen,
		struct nl_exchange *x);
/* The two halves of nl_exchange(): send (0 or -errno), then read answers. */
int nl_talk_send(struct nl_talk *t, const void *req, size_t len);
int nl_talk_answers(struct nl_talk *t, void *buf, size_t buflen, struct nl_exchange *x);

#endif
