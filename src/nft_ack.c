// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's answers to a batch.  With NLM_F_ACK on every message,
 * nfnetlink answers each one with an NLMSG_ERROR (error 0 = done), all of
 * them queued before sendmsg() returns.  A failing message gets its errno
 * and, with NETLINK_EXT_ACK, a text and the offset of the attribute it
 * disliked: we keep our own copy of the batch, so the offset tells which
 * device a NEWFLOWTABLE choked on.  Pure: buffers in, verdict out.
 */
#include <netinet/in.h>
#include <errno.h>
#include <limits.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "nft.h"
#include "nft_int.h"
#include "nl_talk.h"

void nft_acks_init(struct nft_acks *acks)
{
	memset(acks, 0, sizeof(*acks));
}

/*
 * Name the attribute at offset offs of our own message m, walking its real
 * attribute boundaries: " (device eth3)" for a flowtable device, " (table
 * flowd)" for the table an object refers to.  "" when unknown.
 */
static void nft_bad_attr(const struct nft_batch *b, const struct nft_batch_msg *m,
			 uint32_t offs, char *hint, size_t hintlen)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + m->offset);
	const char *base = (const char *)nlh;
	const struct nlattr *attr, *hattr, *dattr;
	bool flowtable = m->type == NFT_MSG_NEWFLOWTABLE || m->type == NFT_MSG_DELFLOWTABLE;
	bool table = m->type == NFT_MSG_NEWTABLE || m->type == NFT_MSG_DELTABLE;

	hint[0] = '\0';
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if ((uint32_t)((const char *)attr - base) == offs) {
			/* Attribute 1 is the table name in every object message. */
			if (mnl_attr_get_type(attr) == 1 && !table)
				snprintf(hint, hintlen, " (table %s)", mnl_attr_get_str(attr));
			return;
		}
		if (!flowtable || mnl_attr_get_type(attr) != NFTA_FLOWTABLE_HOOK)
			continue;
		mnl_attr_for_each_nested(hattr, attr) {
			if (mnl_attr_get_type(hattr) != NFTA_FLOWTABLE_HOOK_DEVS)
				continue;
			mnl_attr_for_each_nested(dattr, hattr) {
				if ((uint32_t)((const char *)dattr - base) == offs) {
					snprintf(hint, hintlen, " (device %s)",
						 mnl_attr_get_str(dattr));
					return;
				}
			}
		}
	}
}

/* "eth1, eth3": the devices our flowtable message m carries. */
static size_t nft_msg_devices(const struct nft_batch *b, const struct nft_batch_msg *m,
			      char *out, size_t outlen)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + m->offset);
	const struct nlattr *attr, *hattr, *dattr;
	size_t n = 0, used = 0;

	out[0] = '\0';
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) != NFTA_FLOWTABLE_HOOK)
			continue;
		mnl_attr_for_each_nested(hattr, attr) {
			if (mnl_attr_get_type(hattr) != NFTA_FLOWTABLE_HOOK_DEVS)
				continue;
			mnl_attr_for_each_nested(dattr, hattr) {
				int w = snprintf(out + used, outlen - used, "%s%s", n ? ", " : "",
						 mnl_attr_get_str(dattr));

				n++;
				if (w < 0 || (size_t)w >= outlen - used)
					return n;	/* truncated: fine for a hint */
				used += (size_t)w;
			}
		}
	}
	return n;
}

static void nft_describe(const struct nft_batch *b, uint32_t seq, int error,
			 const struct nl_extack *x, char *text, size_t textlen)
{
	const struct nft_batch_msg *m = nft_batch_find(b, seq);
	const char *what = m ? m->what : seq == b->seq_begin ? "batch" : "batch end";
	char hint[256] = "";
	int used;

	if (m && x->has_offs)
		nft_bad_attr(b, m, x->offs, hint, sizeof(hint));
	if (hint[0]) {
		/* the kernel pointed at it */
	} else if (m && m->type == NFT_MSG_NEWFLOWTABLE && error == ENOENT) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + m->offset);
		char devs[128];
		size_t n = nft_msg_devices(b, m, devs, sizeof(devs));

		/* A new flowtable also fails ENOENT without kernel flowtable support. */
		if (!(nlh->nlmsg_flags & NLM_F_EXCL) && n > 0)
			snprintf(hint, sizeof(hint), " (%s%s?)", n == 1 ? "device " : "one of ", devs);
		else if (n > 0)
			snprintf(hint, sizeof(hint), " (%s%s missing, or no flowtable support?)",
				 n == 1 ? "device " : "one of ", devs);
		else
			snprintf(hint, sizeof(hint), " (no flowtable support in the kernel?)");
	}
	used = snprintf(text, textlen, "%s: %s", what, strerror(error));
	if (used < 0 || (size_t)used >= textlen)
		return;
	if (x->msg_len > 0) {
		int w = snprintf(text + used, textlen - (size_t)used, ": %.*s",
				 (int)(x->msg_len > INT_MAX ? INT_MAX : x->msg_len), x->msg);

		if (w < 0 || (size_t)w >= textlen - (size_t)used)
			return;
		used += w;
	}
	snprintf(text + used, textlen - (size_t)used, "%s", hint);
}

int nft_acks_parse(const struct nft_batch *batch, const void *buf, size_t len,
		   struct nft_acks *acks)
{
	const struct nlmsghdr *nlh = buf;
	int rem = len > INT32_MAX ? INT32_MAX : (int)len;

	for (; nft_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		const struct nlmsgerr *e;
		struct nl_extack x;
		int error;

		if (nlh->nlmsg_seq < batch->seq_begin || nlh->nlmsg_seq > batch->seq_end)
			continue;	/* not ours: something stale */
		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
			return -EPROTO;
		e = mnl_nlmsg_get_payload(nlh);
		if (e->error == 0) {
			acks->acked++;
			continue;
		}
		/* INT_MIN has no positive counterpart (and is no errno). */
		error = e->error == INT_MIN ? EPROTO : e->error < 0 ? -e->error : e->error;
		acks->n_errors++;
		/* The first failing message is the cause; later ones may be echoes. */
		if (acks->err != 0 && nlh->nlmsg_seq >= acks->err_seq)
			continue;
		nl_msg_extack(nlh, &x);
		acks->err = -error;
		acks->err_seq = nlh->nlmsg_seq;
		nft_describe(batch, nlh->nlmsg_seq, error, &x, acks->text, sizeof(acks->text));
	}
	/* Leftover bytes that are not a whole message: the buffer is broken. */
	if (rem > 0)
		return -EPROTO;
	return 0;
}

int nft_acks_result(const struct nft_batch *batch, const struct nft_acks *acks,
		    char *err, size_t errlen)
{
	if (acks->err < 0) {
		if (err && errlen) {
			if (acks->n_errors > 1)
				snprintf(err, errlen, "%s (and %zu more errors)", acks->text,
					 acks->n_errors - 1);
			else
				snprintf(err, errlen, "%s", acks->text);
		}
		return acks->err;
	}
	if (acks->acked < batch->n_msgs) {
		if (err && errlen)
			snprintf(err, errlen, "batch: the kernel acknowledged %zu of %zu messages",
				 acks->acked, batch->n_msgs);
		return -EPROTO;
	}
	return 0;
}
