// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NETLINK_NETFILTER socket: requests, dumps and batches.
 *
 * nfnetlink handles a batch synchronously inside sendmsg(): when it
 * returns, every ACK and error is already queued on our socket.  We still
 * wait (bounded) for missing ACKs rather than trust that blindly.
 */
#include <netinet/in.h>
#include <errno.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "log.h"
#include "nft.h"
#include "nft_int.h"

#define NFT_RECV_BUF	(64 * 1024)	/* > the kernel's largest dump skb (32 KiB) */
#define NFT_TIMEOUT_S	5

struct nft_ctx {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *buf;
	uint16_t refused;		/* NFT_MSG_* the last batch failed on */
};

int nft_ctx_open(struct nft_ctx **out)
{
	struct timeval tv = { .tv_sec = NFT_TIMEOUT_S };
	struct nft_ctx *ctx;
	int one = 1, ret;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->buf = malloc(NFT_RECV_BUF);
	if (!ctx->buf) {
		ret = -ENOMEM;
		goto fail;
	}
	ctx->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ctx->nl || mnl_socket_bind(ctx->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	/* Small ACKs (no echoed request), with the kernel's reason attached. */
	if (mnl_socket_setsockopt(ctx->nl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(ctx->nl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		log_debug("nft: no extended ACKs: %s", strerror(errno));
	if (setsockopt(mnl_socket_get_fd(ctx->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		goto fail;
	}
	ctx->portid = mnl_socket_get_portid(ctx->nl);
	ctx->seq = (uint32_t)time(NULL);
	*out = ctx;
	return 0;
fail:
	nft_ctx_close(ctx);
	return ret;
}

void nft_ctx_close(struct nft_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->nl)
		mnl_socket_close(ctx->nl);
	free(ctx->buf);
	free(ctx);
}

/* Reserve count sequence numbers; returns the first. */
uint32_t nft_ctx_seq(struct nft_ctx *ctx, uint32_t count)
{
	uint32_t first = ++ctx->seq;

	/* Sequence 0 would look unset; skip it on wrap-around. */
	if (first == 0 || first + count < first)
		first = ctx->seq = 1;
	ctx->seq = first + count - 1;
	return first;
}

/*
 * One datagram from the kernel.  Returns its length, or -errno: -EAGAIN
 * (nothing within the timeout, or nothing now with MSG_DONTWAIT),
 * -EMSGSIZE if it did not fit.
 */
static ssize_t nft_recv(struct nft_ctx *ctx, int flags)
{
	struct sockaddr_nl addr;
	struct iovec iov = { .iov_base = ctx->buf, .iov_len = NFT_RECV_BUF };
	struct msghdr msg = {
		.msg_name = &addr, .msg_namelen = sizeof(addr),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	for (;;) {
		n = recvmsg(mnl_socket_get_fd(ctx->nl), &msg, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (msg.msg_namelen != sizeof(addr) || addr.nl_pid != 0)
			continue;	/* only the kernel talks to us */
		return n;
	}
}

static int nft_send(struct nft_ctx *ctx, const void *buf, size_t len)
{
	ssize_t n = mnl_socket_sendto(ctx->nl, buf, len);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

int nft_ctx_query(struct nft_ctx *ctx, struct nlmsghdr *req, nft_msg_cb cb, void *arg)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool intr = false;
	uint32_t seq = nft_ctx_seq(ctx, 1);
	int cb_err = 0, ret;

	req->nlmsg_seq = seq;
	if ((ret = nft_send(ctx, req, req->nlmsg_len)) < 0)
		return ret;
	for (;;) {
		ssize_t n = nft_recv(ctx, 0);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)ctx->buf;
		int rem;

		if (n == -EAGAIN)
			return -ETIMEDOUT;
		if (n == -ENOBUFS)
			return -EINTR;	/* answers lost: read again */
		if (n < 0)
			return (int)n;
		rem = (int)n;
		for (; nft_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != ctx->portid)
				continue;	/* stale: an earlier, abandoned request */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
					return -EPROTO;
				if (e->error == INT_MIN)
					return -EPROTO;	/* no errno, and -INT_MIN overflows */
				if (e->error != 0)
					return e->error < 0 ? e->error : -e->error;
				goto done;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed half-way says so here. */
				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
					int e = *(const int *)mnl_nlmsg_get_payload(nlh);

					if (e == -EINTR)
						intr = true;
					else if (e < 0 && cb_err == 0)
						cb_err = e;
				}
				goto done;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (cb_err == 0)
				cb_err = cb(nlh, arg);
			if (!dump)
				goto done;
		}
		if (rem > 0)
			return -EPROTO;
	}
done:
	if (intr)
		return -EINTR;
	return cb_err;
}

/* Make room for n small ACKs; failure only costs ENOBUFS later. */
static void nft_grow_rcvbuf(struct nft_ctx *ctx, size_t n)
{
	int fd = mnl_socket_get_fd(ctx->nl), cur = 0, want;
	socklen_t len = sizeof(cur);

	if (n > 64 * 1024)
		n = 64 * 1024;
	want = (int)(n * 1024);	/* truesize of a small skb, generously */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cur, &len) == 0 && cur >= want)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
}

static int nft_send_batch(struct nft_ctx *ctx, const struct nft_batch *b, char *err, size_t errlen)
{
	struct nft_acks acks;
	int ret;

	nft_acks_init(&acks);
	ctx->refused = 0;
	nft_grow_rcvbuf(ctx, b->n_msgs + 2);
	/* netlink refuses a datagram larger than the send buffer (EMSGSIZE). */
	if (b->len > 128 * 1024) {
		int fd = mnl_socket_get_fd(ctx->nl), size = (int)(b->len * 2);

		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
	/* Throw away anything stale first (answers to an abandoned request). */
	while (nft_recv(ctx, MSG_DONTWAIT) > 0)
		;
	if ((ret = nft_send(ctx, b->buf, b->len)) < 0) {
		snprintf(err, errlen, "batch: send: %s", strerror(-ret));
		return ret;
	}
	while (acks.acked + acks.n_errors < b->n_msgs) {
		/* Once something failed, take what is queued; else wait a bit. */
		ssize_t n = nft_recv(ctx, acks.err ? MSG_DONTWAIT : 0);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			/* ENOBUFS: ACKs were lost, the outcome is unknown: re-read. */
			snprintf(err, errlen, "batch: receiving ACKs: %s", strerror((int)-n));
			return (int)n;
		}
		if ((ret = nft_acks_parse(b, ctx->buf, (size_t)n, &acks)) < 0) {
			snprintf(err, errlen, "batch: malformed answer from the kernel");
			return ret;
		}
	}
	if (acks.err < 0) {
		const struct nft_batch_msg *m = nft_batch_find(b, acks.err_seq);

		ctx->refused = m ? m->type : 0;
	}
	return nft_acks_result(b, &acks, err, errlen);
}

uint16_t nft_ctx_refused(const struct nft_ctx *ctx)
{
	return ctx->refused;
}

int nft_apply(struct nft_ctx *ctx, const struct nft_changes *changes, char *err, size_t errlen)
{
	struct nft_batch b;
	char dummy[1];
	int ret;

	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (changes->n == 0)
		return 0;
	ret = nft_batch_build(changes, nft_ctx_seq(ctx, (uint32_t)changes->n + 2), &b);
	if (ret < 0) {
		snprintf(err, errlen, "batch: build: %s", strerror(-ret));
		return ret;
	}
	ret = nft_send_batch(ctx, &b, err, errlen);
	if (ret < 0)
		log_warnx("nft: %s", err);
	else
		log_debug("nft: applied %zu change(s): %s", changes->n, changes->reason);
	nft_batch_free(&b);
	return ret;
}

int nft_probe_flowtable_flags(struct nft_ctx *ctx, uint32_t flags, char *err, size_t errlen)
{
	struct nft_desired want;
	struct nft_change v[] = { { .op = NFT_OP_TABLE_UPDATE }, { .op = NFT_OP_FT_ADD } };
	struct nft_changes changes = { .want = &want, .v = v, .n = 2 };
	const struct nft_batch_msg *last;
	struct nft_batch b;
	int ret;

	memset(&want, 0, sizeof(want));
	want.family = NFPROTO_INET;
	snprintf(want.table, sizeof(want.table), "flowd-probe-%ld", (long)getpid());
	snprintf(want.flowtable, sizeof(want.flowtable), "probe");
	want.ft_flags = flags;
	ret = nft_batch_build(&changes, nft_ctx_seq(ctx, 4), &b);
	if (ret < 0) {
		snprintf(err, errlen, "batch: build: %s", strerror(-ret));
		return ret;
	}
	/*
	 * Leave BATCH_END out: nfnetlink then checks every message, answers
	 * each, and aborts the transaction instead of committing it.
	 */
	last = &b.msgs[b.n_msgs - 1];
	b.len = NLMSG_ALIGN(last->offset + last->len);
	ret = nft_send_batch(ctx, &b, err, errlen);
	nft_batch_free(&b);
	if (ret == 0)
		return 1;
	if (ret == -EOPNOTSUPP && ctx->refused == NFT_MSG_NEWFLOWTABLE)
		return 0;
	return ret;
}

int nft_delete_table(struct nft_ctx *ctx, const struct conf *conf, char *err, size_t errlen)
{
	struct nft_desired want;
	struct nft_change del = { .op = NFT_OP_TABLE_DEL };
	struct nft_changes changes = { .want = &want, .v = &del, .n = 1 };
	struct nft_batch b;
	char dummy[1];
	int family = nft_family_from_name(conf->table_family), ret;

	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	memset(&want, 0, sizeof(want));
	if (family < 0 || !conf->table_name || !nft_strlcpy(want.table, conf->table_name,
							      sizeof(want.table))) {
		snprintf(err, errlen, "nft: bad table family or name");
		return -EINVAL;
	}
	want.family = (uint8_t)family;
	snprintf(changes.reason, sizeof(changes.reason), "delete table");
	ret = nft_batch_build(&changes, nft_ctx_seq(ctx, 3), &b);
	if (ret < 0) {
		snprintf(err, errlen, "batch: build: %s", strerror(-ret));
		return ret;
	}
	ret = nft_send_batch(ctx, &b, err, errlen);
	nft_batch_free(&b);
	if (ret == -ENOENT) {
		err[0] = '\0';
		return 0;
	}
	if (ret < 0)
		log_warnx("nft: %s", err);
	return ret;
}
