// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Read our table back into struct nft_state.
 *
 * Four requests: GETTABLE (ours only), then dumps of the family's
 * flowtables, chains and our chain's rules.  They are not one snapshot, so
 * the ruleset generation is read before and after: if it moved, or a dump
 * says NLM_F_DUMP_INTR, read again.
 *
 * The answers are parsed here with libmnl and checked attribute by
 * attribute rather than with libnftnl's parsers, which exit the process on
 * an attribute they don't expect.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/udata.h>

#include "log.h"
#include "nft.h"
#include "nft_int.h"

#define NFT_READ_TRIES	8

struct nft_tb {
	const struct nlattr **tb;
	uint16_t max;
	const enum mnl_attr_data_type *types;	/* [0..max] */
};

static int nft_tb_cb(const struct nlattr *attr, void *data)
{
	struct nft_tb *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > t->max)
		return MNL_CB_OK;	/* newer kernel: not ours to judge */
	if (t->types[type] != MNL_TYPE_UNSPEC && mnl_attr_validate(attr, t->types[type]) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

/* Parse a message's attributes after its nfgenmsg; -EPROTO if malformed. */
static int nft_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb, uint16_t max,
			 const enum mnl_attr_data_type *types, const struct nfgenmsg **nfg)
{
	struct nft_tb t = { .tb = tb, .max = max, .types = types };

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)))
		return -EPROTO;
	*nfg = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), nft_tb_cb, &t) < 0)
		return -EPROTO;
	return 0;
}

static int nft_parse_nested(const struct nlattr *nest, const struct nlattr **tb, uint16_t max,
			    const enum mnl_attr_data_type *types)
{
	struct nft_tb t = { .tb = tb, .max = max, .types = types };

	if (mnl_attr_parse_nested(nest, nft_tb_cb, &t) < 0)
		return -EPROTO;
	return 0;
}

static bool nft_str_is(const struct nlattr *attr, const char *want)
{
	return attr && strcmp(mnl_attr_get_str(attr), want) == 0;
}

static uint32_t nft_u32(const struct nlattr *attr)
{
	return ntohl(mnl_attr_get_u32(attr));
}

int nft_udata_comment(const void *data, size_t len, char *tag, size_t taglen)
{
	const uint8_t *p = data;
	size_t pos = 0;

	if (taglen > 0)
		tag[0] = '\0';
	while (p && len - pos >= 2) {
		uint8_t type = p[pos], vlen = p[pos + 1];
		const char *value = (const char *)&p[pos + 2];

		if (vlen > len - pos - 2)
			return -ENOENT;		/* runs past the blob */
		if (type == NFTNL_UDATA_RULE_COMMENT) {
			if (vlen == 0 || value[vlen - 1] != '\0' || (size_t)vlen > taglen)
				return -ENOENT;
			memcpy(tag, value, vlen);
			return 0;
		}
		pos += 2 + (size_t)vlen;
	}
	return -ENOENT;
}

int nft_parse_table(const struct nlmsghdr *nlh, const struct nft_target *t, struct nft_state *st)
{
	static const enum mnl_attr_data_type types[NFTA_TABLE_MAX + 1] = {
		[NFTA_TABLE_NAME] = MNL_TYPE_NUL_STRING,
		[NFTA_TABLE_FLAGS] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[NFTA_TABLE_MAX + 1] = { 0 };
	const struct nfgenmsg *nfg;

	if (nft_parse_msg(nlh, tb, NFTA_TABLE_MAX, types, &nfg) < 0 || !tb[NFTA_TABLE_NAME])
		return -EPROTO;
	if (nfg->nfgen_family != t->family || !nft_str_is(tb[NFTA_TABLE_NAME], t->table))
		return 0;
	st->table = true;
	st->table_flags = tb[NFTA_TABLE_FLAGS] ? nft_u32(tb[NFTA_TABLE_FLAGS]) : 0;
	return 0;
}

static int nft_parse_devices(const struct nlattr *nest, struct nft_state *st)
{
	const struct nlattr *attr;
	int ret;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != NFTA_DEVICE_NAME ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return -EPROTO;
		if ((ret = nft_state_add_device(st, mnl_attr_get_str(attr))) < 0)
			return ret;
	}
	return 0;
}

int nft_parse_flowtable(const struct nlmsghdr *nlh, const struct nft_target *t,
			struct nft_state *st)
{
	static const enum mnl_attr_data_type types[NFTA_FLOWTABLE_MAX + 1] = {
		[NFTA_FLOWTABLE_TABLE] = MNL_TYPE_NUL_STRING,
		[NFTA_FLOWTABLE_NAME] = MNL_TYPE_NUL_STRING,
		[NFTA_FLOWTABLE_HOOK] = MNL_TYPE_NESTED,
		[NFTA_FLOWTABLE_FLAGS] = MNL_TYPE_U32,
	};
	static const enum mnl_attr_data_type htypes[NFTA_FLOWTABLE_HOOK_MAX + 1] = {
		[NFTA_FLOWTABLE_HOOK_NUM] = MNL_TYPE_U32,
		[NFTA_FLOWTABLE_HOOK_PRIORITY] = MNL_TYPE_U32,
		[NFTA_FLOWTABLE_HOOK_DEVS] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[NFTA_FLOWTABLE_MAX + 1] = { 0 };
	const struct nlattr *hb[NFTA_FLOWTABLE_HOOK_MAX + 1] = { 0 };
	const struct nfgenmsg *nfg;

	if (nft_parse_msg(nlh, tb, NFTA_FLOWTABLE_MAX, types, &nfg) < 0 ||
	    !tb[NFTA_FLOWTABLE_TABLE] || !tb[NFTA_FLOWTABLE_NAME])
		return -EPROTO;
	if (nfg->nfgen_family != t->family || !nft_str_is(tb[NFTA_FLOWTABLE_TABLE], t->table))
		return 0;
	if (!nft_str_is(tb[NFTA_FLOWTABLE_NAME], t->flowtable)) {
		st->n_foreign_flowtables++;
		return 0;
	}
	if (st->flowtable)
		return -EPROTO;		/* twice in one dump */
	st->flowtable = true;
	st->ft_flags = tb[NFTA_FLOWTABLE_FLAGS] ? nft_u32(tb[NFTA_FLOWTABLE_FLAGS]) : 0;
	/* No hook: report an impossible hook number so the diff recreates it. */
	st->ft_hooknum = UINT32_MAX;
	if (!tb[NFTA_FLOWTABLE_HOOK])
		return 0;
	if (nft_parse_nested(tb[NFTA_FLOWTABLE_HOOK], hb, NFTA_FLOWTABLE_HOOK_MAX, htypes) < 0)
		return -EPROTO;
	if (hb[NFTA_FLOWTABLE_HOOK_NUM])
		st->ft_hooknum = nft_u32(hb[NFTA_FLOWTABLE_HOOK_NUM]);
	if (hb[NFTA_FLOWTABLE_HOOK_PRIORITY])
		st->ft_prio = (int32_t)nft_u32(hb[NFTA_FLOWTABLE_HOOK_PRIORITY]);
	if (hb[NFTA_FLOWTABLE_HOOK_DEVS])
		return nft_parse_devices(hb[NFTA_FLOWTABLE_HOOK_DEVS], st);
	return 0;
}

int nft_parse_chain(const struct nlmsghdr *nlh, const struct nft_target *t, struct nft_state *st)
{
	static const enum mnl_attr_data_type types[NFTA_CHAIN_MAX + 1] = {
		[NFTA_CHAIN_TABLE] = MNL_TYPE_NUL_STRING,
		[NFTA_CHAIN_NAME] = MNL_TYPE_NUL_STRING,
		[NFTA_CHAIN_HOOK] = MNL_TYPE_NESTED,
		[NFTA_CHAIN_POLICY] = MNL_TYPE_U32,
		[NFTA_CHAIN_TYPE] = MNL_TYPE_NUL_STRING,
	};
	static const enum mnl_attr_data_type htypes[NFTA_HOOK_MAX + 1] = {
		[NFTA_HOOK_HOOKNUM] = MNL_TYPE_U32,
		[NFTA_HOOK_PRIORITY] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[NFTA_CHAIN_MAX + 1] = { 0 };
	const struct nlattr *hb[NFTA_HOOK_MAX + 1] = { 0 };
	const struct nfgenmsg *nfg;

	if (nft_parse_msg(nlh, tb, NFTA_CHAIN_MAX, types, &nfg) < 0 ||
	    !tb[NFTA_CHAIN_TABLE] || !tb[NFTA_CHAIN_NAME])
		return -EPROTO;
	if (nfg->nfgen_family != t->family || !nft_str_is(tb[NFTA_CHAIN_TABLE], t->table))
		return 0;
	if (!nft_str_is(tb[NFTA_CHAIN_NAME], t->chain)) {
		st->n_foreign_chains++;
		return 0;
	}
	if (st->chain)
		return -EPROTO;
	st->chain = true;
	st->chain_policy = tb[NFTA_CHAIN_POLICY] ? nft_u32(tb[NFTA_CHAIN_POLICY]) : NF_ACCEPT;
	if (tb[NFTA_CHAIN_TYPE])
		nft_strlcpy(st->chain_type, mnl_attr_get_str(tb[NFTA_CHAIN_TYPE]),
			    sizeof(st->chain_type));
	if (!tb[NFTA_CHAIN_HOOK])
		return 0;
	if (nft_parse_nested(tb[NFTA_CHAIN_HOOK], hb, NFTA_HOOK_MAX, htypes) < 0)
		return -EPROTO;
	if (hb[NFTA_HOOK_HOOKNUM] && hb[NFTA_HOOK_PRIORITY]) {
		st->chain_base = true;
		st->chain_hooknum = nft_u32(hb[NFTA_HOOK_HOOKNUM]);
		st->chain_prio = (int32_t)nft_u32(hb[NFTA_HOOK_PRIORITY]);
	}
	return 0;
}

int nft_parse_rule(const struct nlmsghdr *nlh, const struct nft_target *t, struct nft_state *st)
{
	static const enum mnl_attr_data_type types[NFTA_RULE_MAX + 1] = {
		[NFTA_RULE_TABLE] = MNL_TYPE_NUL_STRING,
		[NFTA_RULE_CHAIN] = MNL_TYPE_NUL_STRING,
		[NFTA_RULE_HANDLE] = MNL_TYPE_U64,
		[NFTA_RULE_USERDATA] = MNL_TYPE_BINARY,
	};
	const struct nlattr *tb[NFTA_RULE_MAX + 1] = { 0 };
	const struct nfgenmsg *nfg;
	char tag[NFT_TAG_MAX] = "";
	uint64_t handle = 0;

	if (nft_parse_msg(nlh, tb, NFTA_RULE_MAX, types, &nfg) < 0 ||
	    !tb[NFTA_RULE_TABLE] || !tb[NFTA_RULE_CHAIN])
		return -EPROTO;
	if (nfg->nfgen_family != t->family || !nft_str_is(tb[NFTA_RULE_TABLE], t->table) ||
	    !nft_str_is(tb[NFTA_RULE_CHAIN], t->chain))
		return 0;
	if (tb[NFTA_RULE_HANDLE])
		handle = be64toh(mnl_attr_get_u64(tb[NFTA_RULE_HANDLE]));
	if (tb[NFTA_RULE_USERDATA])
		nft_udata_comment(mnl_attr_get_payload(tb[NFTA_RULE_USERDATA]),
				  mnl_attr_get_payload_len(tb[NFTA_RULE_USERDATA]), tag, sizeof(tag));
	return nft_state_add_rule(st, tag, handle);
}

/* --- the requests --- */

struct nft_read_arg {
	const struct nft_target *t;
	struct nft_state *st;
	int (*parse)(const struct nlmsghdr *, const struct nft_target *, struct nft_state *);
	uint16_t type;			/* NFT_MSG_NEW* expected */
};

static int nft_read_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_read_arg *a = data;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | a->type))
		return 0;
	return a->parse(nlh, a->t, a->st);
}

static int nft_gen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFTA_GEN_MAX + 1] = { 0 };
	static const enum mnl_attr_data_type types[NFTA_GEN_MAX + 1] = {
		[NFTA_GEN_ID] = MNL_TYPE_U32,
	};
	const struct nfgenmsg *nfg;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN))
		return 0;
	if (nft_parse_msg(nlh, tb, NFTA_GEN_MAX, types, &nfg) < 0 || !tb[NFTA_GEN_ID])
		return -EPROTO;
	*(uint32_t *)data = nft_u32(tb[NFTA_GEN_ID]);
	return 0;
}

static struct nlmsghdr *nft_req(char *buf, uint16_t type, uint8_t family, bool dump)
{
	return nftnl_nlmsg_build_hdr(buf, type, family, dump ? NLM_F_DUMP : 0, 0);
}

static int nft_get_gen(struct nft_ctx *ctx, uint32_t *gen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));	/* see nft_read_once() */
	nlh = nft_req(buf, NFT_MSG_GETGEN, AF_UNSPEC, false);

	*gen = 0;
	return nft_ctx_query(ctx, nlh, nft_gen_cb, gen);
}

/* A dump of a table or chain that vanished meanwhile: read it all again. */
static int nft_dump(struct nft_ctx *ctx, struct nlmsghdr *nlh, struct nft_read_arg *a)
{
	int ret = nft_ctx_query(ctx, nlh, nft_read_cb, a);

	return ret == -ENOENT ? -EINTR : ret;
}

static int nft_read_once(struct nft_ctx *ctx, const struct nft_target *t, struct nft_state *st)
{
	/*
	 * Zeroed: libmnl 1.0.4 (Debian 12) leaves the padding after an
	 * attribute uninitialised, and sendto() would hand those stack bytes
	 * to the kernel (valgrind: "sendto(msg) points to uninitialised byte(s)").
	 */
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nft_read_arg a = { .t = t, .st = st };
	struct nlmsghdr *nlh;
	uint32_t gen1, gen2;
	int ret;

	memset(buf, 0, sizeof(buf));

	if ((ret = nft_get_gen(ctx, &gen1)) < 0)
		return ret;

	nlh = nft_req(buf, NFT_MSG_GETTABLE, t->family, false);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, t->table);
	a.parse = nft_parse_table;
	a.type = NFT_MSG_NEWTABLE;
	ret = nft_ctx_query(ctx, nlh, nft_read_cb, &a);
	if (ret == -ENOENT)
		goto check_gen;		/* no table: nothing else to read */
	if (ret < 0)
		return ret;

	/* Dumps of the family; the table filter is a hint, parsers re-check. */
	nlh = nft_req(buf, NFT_MSG_GETFLOWTABLE, t->family, true);
	mnl_attr_put_strz(nlh, NFTA_FLOWTABLE_TABLE, t->table);
	a.parse = nft_parse_flowtable;
	a.type = NFT_MSG_NEWFLOWTABLE;
	if ((ret = nft_dump(ctx, nlh, &a)) < 0)
		return ret;

	nlh = nft_req(buf, NFT_MSG_GETCHAIN, t->family, true);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, t->table);
	a.parse = nft_parse_chain;
	a.type = NFT_MSG_NEWCHAIN;
	if ((ret = nft_dump(ctx, nlh, &a)) < 0)
		return ret;

	if (st->chain) {
		nlh = nft_req(buf, NFT_MSG_GETRULE, t->family, true);
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, t->table);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, t->chain);
		a.parse = nft_parse_rule;
		a.type = NFT_MSG_NEWRULE;
		if ((ret = nft_dump(ctx, nlh, &a)) < 0)
			return ret;
	}
check_gen:
	if ((ret = nft_get_gen(ctx, &gen2)) < 0)
		return ret;
	return gen1 == gen2 ? 0 : -EINTR;
}

int nft_read_state(struct nft_ctx *ctx, const struct conf *conf, struct nft_state *out)
{
	struct nft_target t = {
		.table = conf->table_name,
		.flowtable = conf->flowtable_name,
		.chain = NFT_CHAIN_NAME,
	};
	int family = nft_family_from_name(conf->table_family);
	int ret = -EINTR;

	nft_state_init(out);
	if (family < 0 || !t.table || !t.flowtable)
		return -EINVAL;
	t.family = (uint8_t)family;
	for (int i = 0; i < NFT_READ_TRIES && ret == -EINTR; i++) {
		nft_state_free(out);
		ret = nft_read_once(ctx, &t, out);
		if (ret == -EINTR)
			log_debug("nft: ruleset changed while reading it, again");
	}
	if (ret < 0)
		nft_state_free(out);
	return ret;
}
