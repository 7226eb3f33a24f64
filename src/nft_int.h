/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the nft_*.c files (and their unit tests). */
#ifndef FLOWD_NFT_INT_H
#define FLOWD_NFT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "nft.h"

/* Which objects a read-back is about. */
struct nft_target {
	uint8_t family;
	const char *table;
	const char *flowtable;
	const char *chain;
};

/*
 * nft_read.c: fold one NEWTABLE/NEWFLOWTABLE/NEWCHAIN/NEWRULE message of a
 * dump into st.  Objects of other tables/families are ignored.  The
 * message is validated (bounds, attribute types): -EPROTO if malformed,
 * -ENOMEM, else 0.
 */
int nft_parse_table(const struct nlmsghdr *nlh, const struct nft_target *t, struct nft_state *st);
int nft_parse_flowtable(const struct nlmsghdr *nlh, const struct nft_target *t,
			struct nft_state *st);
int nft_parse_chain(const struct nlmsghdr *nlh, const struct nft_target *t, struct nft_state *st);
int nft_parse_rule(const struct nlmsghdr *nlh, const struct nft_target *t, struct nft_state *st);

/*
 * The comment in an nftables userdata blob (TLV: u8 type, u8 len, value),
 * as nft writes it.  Copies it to tag and returns 0; -ENOENT when there is
 * none or the blob is malformed (tag is then "").
 */
int nft_udata_comment(const void *data, size_t len, char *tag, size_t taglen);

/* nft_sock.c */
typedef int (*nft_msg_cb)(const struct nlmsghdr *nlh, void *arg);

/*
 * Send one request (a GET, dump or not) and feed each answer to cb.  Stale
 * messages (other seq) are skipped.  A dump is read to its end even when
 * cb fails.  Returns 0, cb's first error, -EINTR when the dump was
 * interrupted by a concurrent change (NLM_F_DUMP_INTR), or the kernel's
 * -errno.
 */
int nft_ctx_query(struct nft_ctx *ctx, struct nlmsghdr *req, nft_msg_cb cb, void *arg);
uint32_t nft_ctx_seq(struct nft_ctx *ctx, uint32_t count);

/*
 * mnl_nlmsg_ok() casts nlmsg_len to int: a length >= 2^31 from a hostile
 * buffer passes its check.  This one compares unsigned.
 */
static inline bool nft_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(struct nlmsghdr) &&
	       nlh->nlmsg_len >= sizeof(struct nlmsghdr) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}

/* Safe bounded string copy: always NUL-terminates; false if truncated. */
bool nft_strlcpy(char *dst, const char *src, size_t size);

#endif
