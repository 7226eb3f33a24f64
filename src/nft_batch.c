// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Change list -> one nfnetlink batch: BATCH_BEGIN, one message per change,
 * BATCH_END.  Every message asks for an ACK and has its own sequence
 * number, so an error names the message that failed.  Pure: the bytes are
 * built in memory; nft_sock.c sends them.
 */
#include <netinet/in.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nft.h"
#include "nft_int.h"

/* Upper bound of one message: names, expressions, userdata; plus devices. */
#define NFT_MSG_BUDGET		4096
#define NFT_DEV_BUDGET		32

struct nft_builder {
	const struct nft_desired *want;
	struct mnl_nlmsg_batch *mb;
	struct nft_batch *out;
	uint32_t seq;
};

static const char *nft_msg_name(uint16_t type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE:		return "NEWTABLE";
	case NFT_MSG_DELTABLE:		return "DELTABLE";
	case NFT_MSG_NEWFLOWTABLE:	return "NEWFLOWTABLE";
	case NFT_MSG_DELFLOWTABLE:	return "DELFLOWTABLE";
	case NFT_MSG_NEWCHAIN:		return "NEWCHAIN";
	case NFT_MSG_DELCHAIN:		return "DELCHAIN";
	case NFT_MSG_NEWRULE:		return "NEWRULE";
	case NFT_MSG_DELRULE:		return "DELRULE";
	}
	return "?";
}

/* Start a message of type at the batch's current position. */
static struct nlmsghdr *nft_msg_start(struct nft_builder *b, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->mb), type, b->want->family,
				     flags | NLM_F_ACK, b->seq);
}

/* Account for the message just built and move on. */
static int nft_msg_end(struct nft_builder *b, struct nlmsghdr *nlh, uint16_t type,
		       size_t budget, const char *what)
{
	struct nft_batch_msg *m = &b->out->msgs[b->out->n_msgs];

	if (nlh->nlmsg_len > budget)
		return -EMSGSIZE;	/* can't happen with sane names; never send it */
	m->seq = b->seq++;
	m->type = type;
	m->offset = (size_t)((char *)nlh - (char *)mnl_nlmsg_batch_head(b->mb));
	m->len = nlh->nlmsg_len;
	snprintf(m->what, sizeof(m->what), "%s %s", nft_msg_name(type), what);
	b->out->n_msgs++;
	if (!mnl_nlmsg_batch_next(b->mb))
		return -EMSGSIZE;
	return 0;
}

static int nft_put_table(struct nft_builder *b, uint16_t type, uint16_t flags, bool set_flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	char what[NFT_NAME_MAX + 8];

	if (!t)
		return -ENOMEM;
	if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, b->want->table) < 0) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	if (set_flags)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	nlh = nft_msg_start(b, type, flags);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	snprintf(what, sizeof(what), "%s %s", nft_family_name(b->want->family), b->want->table);
	return nft_msg_end(b, nlh, type, NFT_MSG_BUDGET, what);
}

static int nft_put_flowtable(struct nft_builder *b, const struct nft_change *c)
{
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	const char **names = NULL;
	struct nlmsghdr *nlh;
	uint16_t type, flags = 0;
	bool hook = true, devs = true;
	int ret = -ENOMEM;

	if (!ft)
		return -ENOMEM;
	switch (c->op) {
	case NFT_OP_FT_ADD:
		type = NFT_MSG_NEWFLOWTABLE;
		flags = NLM_F_CREATE | NLM_F_EXCL;
		break;
	case NFT_OP_FT_ADD_DEVS:
		/* No EXCL: on an existing flowtable this adds devices. */
		type = NFT_MSG_NEWFLOWTABLE;
		flags = NLM_F_CREATE;
		break;
	case NFT_OP_FT_DEL_DEVS:
		type = NFT_MSG_DELFLOWTABLE;
		break;
	default:
		type = NFT_MSG_DELFLOWTABLE;
		hook = devs = false;
		break;
	}
	if (nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_TABLE, b->want->table) < 0 ||
	    nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_NAME, b->want->flowtable) < 0)
		goto out;
	if (hook) {
		nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_HOOKNUM, NF_NETDEV_INGRESS);
		nftnl_flowtable_set_s32(ft, NFTNL_FLOWTABLE_PRIO, b->want->ft_prio);
	}
	if (type == NFT_MSG_NEWFLOWTABLE)
		nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_FLAGS, b->want->ft_flags);
	/* An empty HOOK_DEVS nest is EINVAL: leave it out when there are none. */
	if (devs && c->n_devices > 0) {
		names = calloc(c->n_devices + 1, sizeof(*names));
		if (!names)
			goto out;
		for (size_t i = 0; i < c->n_devices; i++)
			names[i] = c->devices[i].name;
		if (nftnl_flowtable_set_array(ft, NFTNL_FLOWTABLE_DEVICES, names) < 0)
			goto out;
	}
	nlh = nft_msg_start(b, type, flags);
	nftnl_flowtable_nlmsg_build_payload(nlh, ft);
	ret = nft_msg_end(b, nlh, type, NFT_MSG_BUDGET + NFT_DEV_BUDGET * c->n_devices,
			  b->want->flowtable);
out:
	free(names);
	nftnl_flowtable_free(ft);
	return ret;
}

static int nft_put_chain(struct nft_builder *b, uint16_t type)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	uint16_t flags = 0;
	int ret = -ENOMEM;

	if (!ch)
		return -ENOMEM;
	if (nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, b->want->table) < 0 ||
	    nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, b->want->chain) < 0)
		goto out;
	if (type == NFT_MSG_NEWCHAIN) {
		flags = NLM_F_CREATE | NLM_F_EXCL;
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, b->want->chain_prio);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		if (nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, NFT_CHAIN_TYPE) < 0)
			goto out;
	}
	nlh = nft_msg_start(b, type, flags);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	ret = nft_msg_end(b, nlh, type, NFT_MSG_BUDGET, b->want->chain);
out:
	nftnl_chain_free(ch);
	return ret;
}

/* Expression helpers: each returns false on allocation failure. */
static bool nft_add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return false;
	nftnl_rule_add_expr(r, e);
	return true;
}

static bool nft_expr_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return nft_add_expr(r, e);
}

static bool nft_expr_cmp_eq(struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	if (nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len) < 0) {
		nftnl_expr_free(e);
		return false;
	}
	return nft_add_expr(r, e);
}

static bool nft_expr_meta_eq(struct nftnl_rule *r, uint32_t key, uint8_t value)
{
	return nft_expr_meta(r, key) && nft_expr_cmp_eq(r, &value, sizeof(value));
}

static bool nft_expr_payload(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return nft_add_expr(r, e);
}

/* reg1 = reg1 & mask (xor 0): the prefix mask. */
static bool nft_expr_mask(struct nftnl_rule *r, uint32_t len, uint8_t plen)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint8_t mask[16] = { 0 }, xor[16] = { 0 };

	if (!e)
		return false;
	for (uint32_t i = 0; i < len; i++) {
		unsigned int bits = plen > i * 8 ? plen - i * 8 : 0;

		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if (bits == 0)
			mask[i] = 0;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	if (nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len) < 0 ||
	    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len) < 0) {
		nftnl_expr_free(e);
		return false;
	}
	return nft_add_expr(r, e);
}

static bool nft_expr_return(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_RETURN);
	return nft_add_expr(r, e);
}

static bool nft_expr_flow_offload(struct nftnl_rule *r, const char *flowtable)
{
	struct nftnl_expr *e = nftnl_expr_alloc("flow_offload");

	if (!e)
		return false;
	if (nftnl_expr_set_str(e, NFTNL_EXPR_FLOW_TABLE_NAME, flowtable) < 0) {
		nftnl_expr_free(e);
		return false;
	}
	return nft_add_expr(r, e);
}

static bool nft_rule_exprs(struct nftnl_rule *r, const struct nft_desired *want,
			   const struct nft_rule_spec *spec)
{
	if (want->family == NFPROTO_INET &&
	    !nft_expr_meta_eq(r, NFT_META_NFPROTO,
			      spec->af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6))
		return false;
	if (spec->kind == NFT_RULE_OFFLOAD)
		return nft_expr_meta_eq(r, NFT_META_L4PROTO, spec->l4proto) &&
		       nft_expr_flow_offload(r, want->flowtable);

	/* IPv4 saddr at 12, daddr at 16; IPv6 saddr at 8, daddr at 24. */
	uint32_t len = spec->af == AF_INET ? 4 : 16;
	uint32_t off = spec->af == AF_INET ? (spec->daddr ? 16 : 12) : (spec->daddr ? 24 : 8);

	if (!nft_expr_payload(r, off, len))
		return false;
	if (spec->plen < len * 8 && !nft_expr_mask(r, len, spec->plen))
		return false;
	return nft_expr_cmp_eq(r, spec->addr, len) && nft_expr_return(r);
}

static int nft_put_rule(struct nft_builder *b, const struct nft_change *c)
{
	const struct nft_rule_spec *spec;
	struct nftnl_udata_buf *ud = NULL;
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	char what[NFT_NAME_MAX + NFT_TAG_MAX + 16];
	int ret = -ENOMEM;

	if (c->rule >= b->want->n_rules)
		return -EINVAL;
	spec = &b->want->rules[c->rule];
	r = nftnl_rule_alloc();
	if (!r)
		return -ENOMEM;
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->want->table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, b->want->chain) < 0 ||
	    !nft_rule_exprs(r, b->want, spec))
		goto out;
	/* The tag, as an nft comment: `nft list ruleset` shows it. */
	ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, spec->tag) ||
	    nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				nftnl_udata_buf_len(ud)) < 0)
		goto out;
	nlh = nft_msg_start(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	snprintf(what, sizeof(what), "%s #%zu (%s)", b->want->chain, c->rule + 1, spec->tag);
	ret = nft_msg_end(b, nlh, NFT_MSG_NEWRULE, NFT_MSG_BUDGET, what);
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	nftnl_rule_free(r);
	return ret;
}

/* DELRULE with table + chain and no handle: every rule of the chain. */
static int nft_put_flush(struct nft_builder *b)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	char what[NFT_NAME_MAX + 16];
	int ret = -ENOMEM;

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->want->table) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, b->want->chain) < 0)
		goto out;
	nlh = nft_msg_start(b, NFT_MSG_DELRULE, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	snprintf(what, sizeof(what), "%s (flush)", b->want->chain);
	ret = nft_msg_end(b, nlh, NFT_MSG_DELRULE, NFT_MSG_BUDGET, what);
out:
	nftnl_rule_free(r);
	return ret;
}

static int nft_put_change(struct nft_builder *b, const struct nft_change *c)
{
	switch (c->op) {
	case NFT_OP_TABLE_ADD:
		return nft_put_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, true);
	case NFT_OP_TABLE_UPDATE:
		return nft_put_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, true);
	case NFT_OP_TABLE_DEL:
		return nft_put_table(b, NFT_MSG_DELTABLE, 0, false);
	case NFT_OP_FT_ADD:
	case NFT_OP_FT_ADD_DEVS:
	case NFT_OP_FT_DEL_DEVS:
	case NFT_OP_FT_DEL:
		return nft_put_flowtable(b, c);
	case NFT_OP_CHAIN_ADD:
		return nft_put_chain(b, NFT_MSG_NEWCHAIN);
	case NFT_OP_CHAIN_DEL:
		return nft_put_chain(b, NFT_MSG_DELCHAIN);
	case NFT_OP_CHAIN_FLUSH:
		return nft_put_flush(b);
	case NFT_OP_RULE_ADD:
		return nft_put_rule(b, c);
	}
	return -EINVAL;
}

int nft_batch_build(const struct nft_changes *changes, uint32_t seq, struct nft_batch *out)
{
	struct nft_builder b = { .want = changes->want, .out = out };
	size_t cap = 2 * MNL_SOCKET_BUFFER_SIZE;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!changes->want)
		return -EINVAL;
	for (size_t i = 0; i < changes->n; i++)
		cap += NFT_MSG_BUDGET + NFT_DEV_BUDGET * changes->v[i].n_devices;
	/*
	 * mnl_nlmsg_batch notices an overflow only after the fact: add room.
	 * Zeroed, because libmnl 1.0.4 does not zero attribute padding.
	 */
	out->buf = calloc(1, cap + MNL_SOCKET_BUFFER_SIZE);
	out->msgs = calloc(changes->n ? changes->n : 1, sizeof(*out->msgs));
	if (!out->buf || !out->msgs)
		goto fail;
	b.mb = mnl_nlmsg_batch_start(out->buf, cap);
	if (!b.mb)
		goto fail;

	out->seq_begin = seq;
	nftnl_batch_begin(mnl_nlmsg_batch_current(b.mb), seq++);
	if (!mnl_nlmsg_batch_next(b.mb)) {
		ret = -EMSGSIZE;
		goto fail;
	}
	b.seq = seq;
	for (size_t i = 0; i < changes->n; i++)
		if ((ret = nft_put_change(&b, &changes->v[i])) < 0)
			goto fail;
	out->seq_end = b.seq;
	nftnl_batch_end(mnl_nlmsg_batch_current(b.mb), b.seq);
	if (!mnl_nlmsg_batch_next(b.mb)) {
		ret = -EMSGSIZE;
		goto fail;
	}
	out->len = mnl_nlmsg_batch_size(b.mb);
	mnl_nlmsg_batch_stop(b.mb);
	return 0;
fail:
	if (b.mb)
		mnl_nlmsg_batch_stop(b.mb);
	nft_batch_free(out);
	return ret;
}

void nft_batch_free(struct nft_batch *batch)
{
	free(batch->buf);
	free(batch->msgs);
	memset(batch, 0, sizeof(*batch));
}

const struct nft_batch_msg *nft_batch_find(const struct nft_batch *batch, uint32_t seq)
{
	for (size_t i = 0; i < batch->n_msgs; i++)
		if (batch->msgs[i].seq == seq)
			return &batch->msgs[i];
	return NULL;
}
