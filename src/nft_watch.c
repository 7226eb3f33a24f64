// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Watch nftables events for changes to our table made behind our back.
 *
 * Every committed transaction is announced as its object events followed
 * by one NEWGEN naming the committing process.  We note "our table was
 * touched" on an object event for our family + table name, and decide at
 * NEWGEN: report, unless the committer is the pid we were told to ignore
 * (flowd's own batches).  Without an ignore pid we report right away.
 *
 * Events come from the kernel, but are parsed as if hostile: every length
 * is checked, and anything we can't make sense of counts as "changed" (a
 * re-read is cheap; a missed change is not).  ENOBUFS means events were
 * lost: report, the re-read settles it.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "log.h"
#include "nft.h"
#include "nft_int.h"
#include "nl_talk.h"

#define NFT_WATCH_BUF		(64 * 1024)
#define NFT_WATCH_RCVBUF	(4 * 1024 * 1024)

struct nft_watch {
	struct mnl_socket *nl;		/* NULL for a test watch */
	uint8_t family;
	char table[NFT_NAME_MAX];
	nft_watch_cb cb;
	void *arg;
	pid_t ignore_pid;
	bool txn_ours;			/* this transaction touched our table */
	const char *why;		/* to report at the end of this dispatch */
	char *buf;
};

/* Attribute 1 is the table name in every nftables object message. */
#define NFT_ATTR_TABLE	1

struct nft_ev_attrs {
	const struct nlattr *table;
	bool bad;
};

static int nft_ev_attr_cb(const struct nlattr *attr, void *data)
{
	struct nft_ev_attrs *a = data;

	if (mnl_attr_get_type(attr) == NFT_ATTR_TABLE) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0) {
			a->bad = true;
			return MNL_CB_ERROR;
		}
		a->table = attr;
	}
	return MNL_CB_OK;
}

struct nft_gen_attrs {
	uint32_t pid;
	bool has_pid;
};

static int nft_gen_attr_cb(const struct nlattr *attr, void *data)
{
	struct nft_gen_attrs *g = data;

	if (mnl_attr_get_type(attr) == NFTA_GEN_PROC_PID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
		g->pid = ntohl(mnl_attr_get_u32(attr));
		g->has_pid = true;
	}
	return MNL_CB_OK;
}

enum nft_event_class nft_event_classify(const void *msg, uint8_t family, const char *table,
					uint32_t *gen_pid)
{
	const struct nlmsghdr *nlh = msg;
	const struct nfgenmsg *nfg;
	uint8_t type;

	if (gen_pid)
		*gen_pid = 0;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN)
		return NFT_EVENT_MALFORMED;
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return NFT_EVENT_OTHER;		/* NOOP, DONE; ERROR can't be multicast */
	if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
		return NFT_EVENT_OTHER;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*nfg)))
		return NFT_EVENT_MALFORMED;
	nfg = mnl_nlmsg_get_payload(nlh);
	type = nlh->nlmsg_type & 0xff;

	if (type == NFT_MSG_NEWGEN) {
		struct nft_gen_attrs g = { 0 };

		if (mnl_attr_parse(nlh, sizeof(*nfg), nft_gen_attr_cb, &g) < 0)
			return NFT_EVENT_MALFORMED;
		if (gen_pid && g.has_pid)
			*gen_pid = g.pid;
		return NFT_EVENT_GEN;
	}
	if (type == NFT_MSG_TRACE)
		return NFT_EVENT_OTHER;
	if (nfg->nfgen_family != family)
		return NFT_EVENT_OTHER;

	/* Any other message: tables, chains, rules, sets, elements, objects, flowtables. */
	struct nft_ev_attrs a = { 0 };

	if (mnl_attr_parse(nlh, sizeof(*nfg), nft_ev_attr_cb, &a) < 0 || a.bad)
		return NFT_EVENT_MALFORMED;
	if (!a.table)
		return NFT_EVENT_MALFORMED;	/* can't tell whose: assume ours */
	return strcmp(mnl_attr_get_str(a.table), table) == 0 ? NFT_EVENT_OURS : NFT_EVENT_OTHER;
}

static void nft_watch_report(struct nft_watch *w, const char *why)
{
	if (!w->why)
		w->why = why;
}

static void nft_watch_flush(struct nft_watch *w)
{
	const char *why = w->why;

	w->why = NULL;
	if (why && w->cb)
		w->cb(w->arg, why);
}

/* Account for one buffer of events; the callback is left for flush. */
static void nft_watch_account(struct nft_watch *w, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rem = len > INT32_MAX ? INT32_MAX : (int)len;

	for (; nft_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		uint32_t pid = 0;

		switch (nft_event_classify(nlh, w->family, w->table, &pid)) {
		case NFT_EVENT_OTHER:
			break;
		case NFT_EVENT_MALFORMED:
			nft_watch_report(w, "malformed nftables event");
			break;
		case NFT_EVENT_OURS:
			if (w->ignore_pid == 0)
				nft_watch_report(w, "our table changed");
			else
				w->txn_ours = true;
			break;
		case NFT_EVENT_GEN:
			if (w->txn_ours && (pid == 0 || pid != (uint32_t)w->ignore_pid))
				nft_watch_report(w, "our table changed");
			w->txn_ours = false;
			break;
		}
	}
	if (rem > 0)
		nft_watch_report(w, "truncated nftables event");
}

void nft_watch_feed(struct nft_watch *w, const void *buf, size_t len)
{
	nft_watch_account(w, buf, len);
	nft_watch_flush(w);
}

int nft_watch_new(const struct conf *conf, nft_watch_cb cb, void *arg, struct nft_watch **out)
{
	int family = nft_family_from_name(conf->table_family);
	struct nft_watch *w;

	*out = NULL;
	if (family < 0 || !conf->table_name || !*conf->table_name ||
	    strlen(conf->table_name) >= NFT_NAME_MAX)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->family = (uint8_t)family;
	nft_strlcpy(w->table, conf->table_name, sizeof(w->table));
	w->cb = cb;
	w->arg = arg;
	*out = w;
	return 0;
}

int nft_watch_open(const struct conf *conf, nft_watch_cb cb, void *arg, struct nft_watch **out)
{
	struct nft_watch *w;
	int group = NFNLGRP_NFTABLES, size = NFT_WATCH_RCVBUF, ret;

	if ((ret = nft_watch_new(conf, cb, arg, &w)) < 0)
		return ret;
	w->buf = malloc(NFT_WATCH_BUF);
	if (!w->buf) {
		ret = -ENOMEM;
		goto fail;
	}
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!w->nl || mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(w->nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		ret = -errno;
		goto fail;
	}
	/* Room for a burst (a whole `nft -f`): fewer overruns, fewer re-reads. */
	if (setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*out = w;
	return 0;
fail:
	nft_watch_close(w);
	return ret;
}

void nft_watch_ignore_pid(struct nft_watch *w, pid_t pid)
{
	w->ignore_pid = pid;
}

int nft_watch_fd(const struct nft_watch *w)
{
	return w->nl ? mnl_socket_get_fd(w->nl) : -1;
}

int nft_watch_dispatch(struct nft_watch *w)
{
	int ret = 0;

	if (!w->nl)
		return -EBADF;
	for (;;) {
		ssize_t n = nl_recv_kernel(mnl_socket_get_fd(w->nl), w->buf, NFT_WATCH_BUF,
					   MSG_DONTWAIT, NULL);

		if (n == -EAGAIN)
			break;
		if (n == -ENOBUFS) {
			/* Events were dropped: we no longer know. */
			log_debug("nft: event overrun");
			w->txn_ours = false;
			nft_watch_report(w, "nftables events lost (ENOBUFS)");
			continue;
		}
		if (n == -EMSGSIZE) {
			nft_watch_report(w, "truncated nftables event");
			continue;
		}
		if (n < 0) {
			ret = (int)n;
			break;
		}
		nft_watch_account(w, w->buf, (size_t)n);
	}
	nft_watch_flush(w);
	return ret;
}

void nft_watch_close(struct nft_watch *w)
{
	if (!w)
		return;
	if (w->nl)
		mnl_socket_close(w->nl);
	free(w->buf);
	free(w);
}
