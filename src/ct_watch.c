// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The conntrack sockets: one subscribed to NEW/UPDATE/DESTROY events, one
 * for filtered dumps (never query a handle whose callbacks may be running)
 * and a libmnl one for deletes.
 *
 * Events are read with recvfrom() on nfct_fd() and parsed by ct_msg.c, the
 * same code the unit tests feed; nfct_catch() would hide malformed
 * messages and drive its own callbacks.  Dumps use nfct_query() with a
 * callback that hands each reply's nlmsghdr to the same parser.
 *
 * Order at start (unlike conntrackd, which dumps first and accepts a gap):
 * subscribe, then dump.  An event about a flow also in the dump is applied
 * twice, which changes nothing.
 *
 * ENOBUFS on the event socket means events were lost: the set may be wrong
 * in both directions, so we resync with a full filtered dump, at most once
 * a second during an event storm, and count it.  The buffer is large
 * (8 MiB by default, SO_RCVBUFFORCE when we have CAP_NET_ADMIN) because a
 * busy router makes thousands of NEW/DESTROY events a second.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnfnetlink/libnfnetlink.h>
#include <linux/netlink.h>

#include "ct.h"
#include "ct_int.h"
#include "log.h"
#include "nl_talk.h"
#include "nlattr_util.h"

#define CT_RBUF		(64 * 1024)
#define CT_BUDGET	4096	/* messages per ct_dispatch() */
#define CT_RETRY	1.0	/* s between resyncs / after a failed dump */

static int dump_cb(const struct nlmsghdr *nlh, enum nf_conntrack_msg_type type,
		   struct nf_conntrack *obj, void *data)
{
	ct_dump_msg(data, nlh, nlh->nlmsg_len);
	return NFCT_CB_CONTINUE;
}

int ct_fd(const struct ct_ctx *ct)
{
	return ct->evh != NULL ? nfct_fd(ct->evh) : -1;
}

/* Read what is pending, up to the budget.  0, or -errno when the socket broke. */
static int read_events(struct ct_ctx *ct, double now)
{
	int fd = ct_fd(ct);

	for (int i = 0; i < CT_BUDGET; i++) {
		ssize_t n = nl_recv_kernel(fd, ct->rbuf, ct->rbuf_len, MSG_DONTWAIT, NULL);

		if (n == -EAGAIN || n == 0)
			return 0;
		if (n == -ENOBUFS || n == -EMSGSIZE) {
			/* Dropped by the kernel, or cut short: events are lost either way. */
			ct->stats.lost++;
			if (!ct->resync_pending)
				log_warnx("conntrack: events lost (%s): resyncing",
					  n == -ENOBUFS ? "receive buffer full" : "truncated");
			ct->resync_pending = true;
			continue;
		}
		if (n < 0)
			return (int)n;
		ct_feed(ct, ct->rbuf, (size_t)n, now);
	}
	return 0;
}

int ct_refresh(struct ct_ctx *ct, double now)
{
	bool resync;
	int err;

	if (ct->dumph == NULL)
		return -ENOTCONN;
	/*
	 * Events queued before the dump are older than it: apply them first,
	 * or a stale "not offloaded" UPDATE would undo what the dump found.
	 */
	if (ct->evh != NULL && read_events(ct, now) < 0)
		log_warn("conntrack: reading events before a dump");
	resync = ct->resync_pending;
	ct->retry_at = now + CT_RETRY;
	ct_dump_begin(ct);
	errno = 0;
	if (nfct_query(ct->dumph, NFCT_Q_DUMP_FILTER, ct->filter) < 0) {
		err = errno ? errno : EIO;
		ct->in_dump = false;
		ct->refresh_failed = true;
		ct->stats.refresh_errors++;
		log_warnx("conntrack: dump of offloaded flows failed: %s", strerror(err));
		return -err;
	}
	ct_dump_end(ct, now, resync);
	if (resync)
		log_info("conntrack: resynced, %zu offloaded flows", ct_flows_count(ct->flows));
	return 0;
}

int ct_dispatch(struct ct_ctx *ct, double now)
{
	int r;

	if (ct->evh == NULL)
		return -ENOTCONN;
	r = read_events(ct, now);
	if (r < 0) {
		log_warnx("conntrack: event socket: %s", strerror(-r));
		return r;
	}
	if (ct->resync_pending && now >= ct->retry_at)
		ct_refresh(ct, now);	/* failures are retried via ct_refresh_due */
	return 0;
}

/* --- deletes --- */

/*
 * Deletes go out in batches on a plain libmnl socket: libnetfilter_conntrack
 * never puts CTA_ID in a request (checked: a wrong id deleted the entry),
 * and the id is what keeps us off a newer entry with the same tuple.  The
 * acks are capped (NETLINK_CAP_ACK) and a batch is small enough for them
 * all to fit the receive buffer; a receive timeout bounds the wait.
 */
#define CT_DELETE_BATCH	64
#define CT_ACK_TIMEOUT	5	/* s */

static int open_delete_socket(struct ct_ctx *ct)
{
	int one = 1, rcvbuf = 1024 * 1024, fd, r;

	if ((r = nl_talk_open(&ct->del, NETLINK_NETFILTER, CT_ACK_TIMEOUT * 1000)) < 0)
		return r;
	fd = ct->del.fd;
	/* Best effort: without them the acks are only bigger. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

struct delete_acks {
	int *res;
	size_t pending;
};

/* One delete's ACK or error; other answers are not expected. */
static int delete_ack(const struct nlmsghdr *m, size_t rem, uint32_t k, void *arg)
{
	struct delete_acks *a = arg;

	if (m->nlmsg_type != NLMSG_ERROR)
		return NL_MORE;
	if (a->res[k] == -ETIMEDOUT)
		a->pending--;
	a->res[k] = nl_msg_error(m, NULL, 0);
	return a->pending == 0 ? NL_FINISHED : NL_MORE;
}

/* Send one batch; res[i] = 0 or -errno per flow.  0, or -errno if it could not be sent. */
static int delete_batch(struct ct_ctx *ct, const struct ct_flow *flows, size_t n, int *res)
{
	char buf[CT_DELETE_BATCH * CT_DELETE_MSG_MAX] __attribute__((aligned(4)));
	struct delete_acks a = { .res = res, .pending = n };
	struct nl_exchange x = { .first = nl_talk_seq(&ct->del, (uint32_t)n), .count = (uint32_t)n,
				 .cb = delete_ack, .arg = &a };
	size_t off = 0;
	int r;

	/* libmnl 1.0.4 leaves attribute padding (after CTA_PROTO_NUM) unset. */
	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i < n; i++) {
		res[i] = -ETIMEDOUT;
		off += ct_msg_build_delete(buf + off, sizeof(buf) - off, &flows[i],
					   x.first + (uint32_t)i);
	}
	if ((r = nl_talk_send(&ct->del, buf, off)) < 0)
		return r;
	/* A receive error leaves the unanswered -ETIMEDOUT (or lost acks). */
	(void)nl_talk_answers(&ct->del, ct->rbuf, ct->rbuf_len, &x);
	return 0;
}

int ct_delete_flows(struct ct_ctx *ct, const struct ct_selection *sel)
{
	int res[CT_DELETE_BATCH];
	int deleted = 0, first_err = 0;

	if (ct->del.fd < 0 || ct->rbuf == NULL)
		return -ENOTCONN;
	for (size_t start = 0; start < sel->n; start += CT_DELETE_BATCH) {
		size_t n = sel->n - start < CT_DELETE_BATCH ? sel->n - start : CT_DELETE_BATCH;
		int r = delete_batch(ct, sel->flows + start, n, res);

		if (r < 0) {
			ct->stats.delete_errors += n;
			if (first_err == 0)
				first_err = r;
			continue;
		}
		/* cppcheck-suppress knownConditionTrueFalse ; false positive: start < sel->n, so n >= 1 */
		for (size_t i = 0; i < n; i++) {
			const struct ct_flow *f = &sel->flows[start + i];

			if (res[i] == 0) {
				deleted++;
				ct_count_flushed(ct, f);
			} else if (res[i] != -ENOENT) {
				/* ENOENT: gone already, or a newer entry has the tuple. */
				ct->stats.delete_errors++;
				if (first_err == 0)
					first_err = res[i];
				continue;
			}
			ct_flows_delete(ct->flows, f);
		}
	}
	if (first_err != 0) {
		log_warnx("conntrack: deleting %zu flows: %s", sel->n, strerror(-first_err));
		if (deleted == 0)
			return first_err;
	}
	return deleted;
}

int ct_open(const struct ct_config *cfg, double now, struct ct_ctx **out)
{
	struct nfct_filter_dump_mark status;
	struct ct_ctx *ct;
	unsigned int got;
	int r, fd, flags;

	*out = NULL;
	r = ct_new(cfg, &ct);
	if (r < 0)
		return r;
	ct->rbuf_len = CT_RBUF;
	ct->rbuf = malloc(ct->rbuf_len);
	if (ct->rbuf == NULL) {
		r = -ENOMEM;
		goto fail;
	}

	/* 1. Subscribe. */
	ct->evh = nfct_open(CONNTRACK, ct->cfg.groups);
	if (ct->evh == NULL) {
		r = -errno;
		log_warn("conntrack: cannot subscribe to events");
		goto fail;
	}
	fd = nfct_fd(ct->evh);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		r = -errno;
		log_warn("conntrack: event socket");
		goto fail;
	}
	if (ct->cfg.rcvbuf > 0) {
		got = ct_set_receive_buffer(ct, ct->cfg.rcvbuf);
		log_debug("conntrack: event receive buffer %u bytes (asked %d)", got,
			  ct->cfg.rcvbuf);
	}

	/* 2. The handle for dumps and deletes. */
	ct->dumph = nfct_open(CONNTRACK, 0);
	if (ct->dumph == NULL) {
		r = -errno;
		log_warn("conntrack: cannot open a ctnetlink socket");
		goto fail;
	}
	if (nfct_callback_register2(ct->dumph, NFCT_T_ALL, dump_cb, ct) < 0) {
		r = -errno;
		goto fail;
	}
	ct->filter = nfct_filter_dump_create();
	if (ct->filter == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	status.val = status.mask = ct->cfg.offload_bit;
	r = open_delete_socket(ct);
	if (r < 0) {
		log_warnx("conntrack: cannot open a netlink socket: %s", strerror(-r));
		goto fail;
	}
	nfct_filter_dump_set_attr(ct->filter, NFCT_FILTER_DUMP_STATUS, &status);

	/* 3. The kernel answers path lookups (without it flows have no path), then the dump. */
	r = ct_lookup_open(&ct->kernel);
	if (r < 0) {
		log_warnx("conntrack: cannot open a route lookup socket: %s", strerror(-r));
		goto fail;
	}
	ct_set_lookup(ct, ct_lookup_kernel, ct->kernel);
	r = ct_refresh(ct, now);
	if (r < 0)
		goto fail;
	*out = ct;
	return 0;
fail:
	ct_close(ct);
	return r;
}

void ct_close(struct ct_ctx *ct)
{
	if (ct == NULL)
		return;
	if (ct->evh != NULL)
		nfct_close(ct->evh);
	if (ct->dumph != NULL)
		nfct_close(ct->dumph);
	if (ct->filter != NULL)
		nfct_filter_dump_destroy(ct->filter);
	nl_talk_close(&ct->del);
	ct_lookup_close(ct->kernel);
	free(ct->rbuf);
	ct_state_free(ct);
	free(ct);
}

int ct_flush(struct ct_ctx *ct, const struct ct_target *target, bool force_delete,
	     struct ct_flush_result *res)
{
	struct ct_selection sel;
	int r;

	memset(res, 0, sizeof(*res));
	r = ct_select(ct, target, &sel);
	if (r < 0)
		return r;
	res->selected = sel.n;
	res->method = ct_flush_advice(ct, &sel);
	if (res->method == CT_FLUSH_REBUILD && !force_delete) {
		res->rebuild_needed = true;
		ct_selection_free(&sel);
		return 0;
	}
	if (res->method == CT_FLUSH_REBUILD)
		res->method = CT_FLUSH_DELETE;
	r = sel.n > 0 ? ct_delete_flows(ct, &sel) : 0;
	ct_selection_free(&sel);
	if (r < 0)
		return r;
	res->flushed = (size_t)r;
	return r;
}

unsigned int ct_set_receive_buffer(struct ct_ctx *ct, int bytes)
{
	ct->cfg.rcvbuf = bytes;
	if (ct->evh == NULL || bytes <= 0)
		return 0;
	return nfnl_rcvbufsiz(nfct_nfnlh(ct->evh), (unsigned int)bytes);
}
