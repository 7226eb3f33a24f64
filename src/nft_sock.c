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
#include "nl_talk.h"

#define NFT_RECV_BUF	(64 * 1024)	/* > the kernel's largest dump skb (32 KiB) */
#define NFT_TIMEOUT_S	5

struct nft_ctx {
	struct nl_talk talk;
	char *buf;
	uint16_t refused;		/* NFT_MSG_* the last batch failed on */
};

int nft_ctx_open(struct nft_ctx **out)
{
	struct nft_ctx *ctx;
	int one = 1, ret;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->talk.fd = -1;
	ctx->buf = malloc(NFT_RECV_BUF);
	if (!ctx->buf) {
		ret = -ENOMEM;
		goto fail;
	}
	if ((ret = nl_talk_open(&ctx->talk, NETLINK_NETFILTER, NFT_TIMEOUT_S * 1000)) < 0)
		goto fail;
	/* Small ACKs (no echoed request); the reason text comes with them. */
	if (setsockopt(ctx->talk.fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		log_debug("nft: no capped ACKs: %s", strerror(errno));
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
	nl_talk_close(&ctx->talk);
	free(ctx->buf);
	free(ctx);
}

/* Reserve count sequence numbers; returns the first. */
uint32_t nft_ctx_seq(struct nft_ctx *ctx, uint32_t count)
{
	return nl_talk_seq(&ctx->talk, count);
}

/* One datagram from the kernel, or -errno (see nl_recv_kernel()). */
static ssize_t nft_recv(struct nft_ctx *ctx, int flags)
{
	return nl_recv_kernel(ctx->talk.fd, ctx->buf, NFT_RECV_BUF, flags, &ctx->talk.foreign);
}

static int nft_send(struct nft_ctx *ctx, const void *buf, size_t len)
{
	ssize_t n = send(ctx->talk.fd, buf, len, 0);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

struct query {
	nft_msg_cb cb;
	void *arg;
	bool dump;
	bool intr;
	int cb_err;
};

/* Each answer: the callback's until it fails; a dump is read to its end. */
static int query_answer(const struct nlmsghdr *nlh, size_t rem, uint32_t idx, void *arg)
{
	struct query *q = arg;
	int e;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		e = nl_msg_error(nlh, NULL, 0);
		return e < 0 ? e : NL_FINISHED;
	case NLMSG_DONE:
		/* A dump that failed half-way says so here. */
		e = nl_msg_done(nlh);
		if (e == -EINTR)
			q->intr = true;
		else if (e < 0 && q->cb_err == 0)
			q->cb_err = e;
		return NL_FINISHED;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return NL_MORE;
	if (q->cb_err == 0)
		q->cb_err = q->cb(nlh, q->arg);
	return q->dump ? NL_MORE : NL_FINISHED;
}

int nft_ctx_query(struct nft_ctx *ctx, struct nlmsghdr *req, nft_msg_cb cb, void *arg)
{
	struct query q = { .cb = cb, .arg = arg,
			   .dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP };
	struct nl_exchange x = { .first = nft_ctx_seq(ctx, 1), .count = 1,
				 .cb = query_answer, .arg = &q };
	int ret;

	req->nlmsg_seq = x.first;
	ret = nl_exchange(&ctx->talk, req, req->nlmsg_len, ctx->buf, NFT_RECV_BUF, &x);
	if (ret == -ENOBUFS)
		return -EINTR;	/* answers lost: read again */
	if (ret < 0)
		return ret;
	if (x.dump_intr || q.intr)
		return -EINTR;
	return q.cb_err;
}

/* Make room for n small ACKs; failure only costs ENOBUFS later. */
static void nft_grow_rcvbuf(struct nft_ctx *ctx, size_t n)
{
	int fd = ctx->talk.fd, cur = 0, want;
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
		int fd = ctx->talk.fd, size = (int)(b->len * 2);

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
