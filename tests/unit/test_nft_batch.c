// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft_batch_build(): build the batch, then walk the buffer with libmnl and
 * decode every message with libnftnl's own parsers.  Nothing is compared
 * against bytes captured from a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft_fixture.h"

#define SEQ 1000

struct walk {
	const struct nlmsghdr *msg[64];
	size_t n;
};

static int setup(void **state)
{
	struct fixture *f = fixture_new();

	fixture_add_exclude(f, "10.9.0.0", 16);
	fixture_add_exclude(f, "2001:db8::", 33);
	assert_int_equal(fixture_build(f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* Build, check framing (begin/end, ACK, seq), return the inner messages. */
static void build_and_walk(struct fixture *f, struct nft_batch *b, struct walk *w)
{
	const struct nlmsghdr *nlh;
	int rem;
	size_t i = 0;

	nft_changes_free(&f->changes);
	assert_int_equal(nft_compute_changes(&f->want, &f->have, &f->changes), 0);
	assert_int_equal(nft_batch_build(&f->changes, SEQ, b), 0);
	assert_int_equal(b->n_msgs, f->changes.n);
	memset(w, 0, sizeof(*w));

	nlh = (const struct nlmsghdr *)b->buf;
	rem = (int)b->len;
	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem), i++) {
		const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);

		assert_int_equal(nlh->nlmsg_seq, SEQ + i);
		assert_true(nlh->nlmsg_flags & NLM_F_REQUEST);
		if (i == 0) {
			assert_int_equal(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
			assert_int_equal(ntohs(nfg->res_id), NFNL_SUBSYS_NFTABLES);
			continue;
		}
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
			assert_int_equal(ntohs(nfg->res_id), NFNL_SUBSYS_NFTABLES);
			assert_int_equal(nlh->nlmsg_seq, b->seq_end);
			continue;
		}
		assert_int_equal(nlh->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
		assert_true(nlh->nlmsg_flags & NLM_F_ACK);
		assert_int_equal(nfg->nfgen_family, f->want.family);
		assert_true(w->n < 64);
		assert_int_equal(b->msgs[w->n].seq, nlh->nlmsg_seq);
		w->msg[w->n++] = nlh;
	}
	assert_int_equal(rem, 0);
	assert_int_equal(i, f->changes.n + 2);
	assert_int_equal(w->n, f->changes.n);
}

static uint16_t msg_type(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_type & 0xff;
}

static void assert_table(const struct nlmsghdr *nlh, uint16_t type, const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();

	assert_int_equal(msg_type(nlh), type);
	assert_int_equal(nftnl_table_nlmsg_parse(nlh, t), 0);
	assert_string_equal(nftnl_table_get_str(t, NFTNL_TABLE_NAME), name);
	assert_int_equal(nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY), NFPROTO_INET);
	nftnl_table_free(t);
}

/* devs: NULL-terminated, or NULL for "no device attribute at all". */
static void assert_flowtable(const struct nlmsghdr *nlh, uint16_t type, int32_t prio,
			     const char *const *devs)
{
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	const char *const *got;
	size_t i;

	assert_int_equal(msg_type(nlh), type);
	assert_int_equal(nftnl_flowtable_nlmsg_parse(nlh, ft), 0);
	assert_string_equal(nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_NAME), "ft");
	assert_string_equal(nftnl_flowtable_get_str(ft, NFTNL_FLOWTABLE_TABLE), "flowd");
	assert_int_equal(nftnl_flowtable_get_u32(ft, NFTNL_FLOWTABLE_FAMILY), NFPROTO_INET);
	if (devs) {
		assert_int_equal(nftnl_flowtable_get_u32(ft, NFTNL_FLOWTABLE_HOOKNUM),
				 NF_NETDEV_INGRESS);
		assert_int_equal(nftnl_flowtable_get_s32(ft, NFTNL_FLOWTABLE_PRIO), prio);
		got = nftnl_flowtable_get_array(ft, NFTNL_FLOWTABLE_DEVICES);
		assert_non_null(got);
		for (i = 0; devs[i]; i++) {
			assert_non_null(got[i]);
			assert_string_equal(got[i], devs[i]);
		}
		assert_null(got[i]);
	} else {
		assert_false(nftnl_flowtable_is_set(ft, NFTNL_FLOWTABLE_HOOKNUM));
		assert_false(nftnl_flowtable_is_set(ft, NFTNL_FLOWTABLE_DEVICES));
	}
	nftnl_flowtable_free(ft);
}

static void assert_chain(const struct nlmsghdr *nlh, uint16_t type)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	assert_int_equal(msg_type(nlh), type);
	assert_int_equal(nftnl_chain_nlmsg_parse(nlh, c), 0);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "flowd");
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "forward");
	if (type == NFT_MSG_NEWCHAIN) {
		assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
		assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
		assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_INET_FORWARD);
		assert_int_equal(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), 10);
		assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), NF_ACCEPT);
		assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter");
	}
	nftnl_chain_free(c);
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		*(const char **)data = nftnl_udata_get(attr);
	return 0;
}

/* The rule's expressions as "name name ..." plus each one checked by check(). */
struct rule_view {
	char names[256];
	struct nftnl_expr *e[16];
	size_t n;
	struct nftnl_rule *r;
	const char *comment;
};

static void parse_rule(const struct nlmsghdr *nlh, struct rule_view *v)
{
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	const void *ud;
	uint32_t udlen = 0;

	memset(v, 0, sizeof(*v));
	assert_int_equal(msg_type(nlh), NFT_MSG_NEWRULE);
	assert_true(nlh->nlmsg_flags & NLM_F_APPEND);
	v->r = nftnl_rule_alloc();
	assert_int_equal(nftnl_rule_nlmsg_parse(nlh, v->r), 0);
	assert_string_equal(nftnl_rule_get_str(v->r, NFTNL_RULE_TABLE), "flowd");
	assert_string_equal(nftnl_rule_get_str(v->r, NFTNL_RULE_CHAIN), "forward");
	assert_false(nftnl_rule_is_set(v->r, NFTNL_RULE_HANDLE));
	it = nftnl_expr_iter_create(v->r);
	while ((e = nftnl_expr_iter_next(it)) != NULL && v->n < 16) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		v->e[v->n++] = e;
		strcat(v->names, v->n > 1 ? " " : "");
		strcat(v->names, name);
	}
	nftnl_expr_iter_destroy(it);
	ud = nftnl_rule_get_data(v->r, NFTNL_RULE_USERDATA, &udlen);
	assert_non_null(ud);
	assert_int_equal(nftnl_udata_parse(ud, udlen, comment_cb, &v->comment), 0);
	assert_non_null(v->comment);
}

static void assert_meta_cmp(struct nftnl_expr *meta, struct nftnl_expr *cmp, uint32_t key,
			    uint8_t value)
{
	uint32_t len = 0;
	const uint8_t *data;

	assert_int_equal(nftnl_expr_get_u32(meta, NFTNL_EXPR_META_KEY), key);
	assert_int_equal(nftnl_expr_get_u32(meta, NFTNL_EXPR_META_DREG), NFT_REG_1);
	assert_int_equal(nftnl_expr_get_u32(cmp, NFTNL_EXPR_CMP_SREG), NFT_REG_1);
	assert_int_equal(nftnl_expr_get_u32(cmp, NFTNL_EXPR_CMP_OP), NFT_CMP_EQ);
	data = nftnl_expr_get(cmp, NFTNL_EXPR_CMP_DATA, &len);
	assert_int_equal(len, 1);
	assert_int_equal(data[0], value);
}

static void assert_offload_rule(const struct nlmsghdr *nlh, uint8_t nfproto, uint8_t l4,
				const char *tag)
{
	struct rule_view v;

	parse_rule(nlh, &v);
	assert_string_equal(v.names, "meta cmp meta cmp flow_offload");
	assert_meta_cmp(v.e[0], v.e[1], NFT_META_NFPROTO, nfproto);
	assert_meta_cmp(v.e[2], v.e[3], NFT_META_L4PROTO, l4);
	assert_string_equal(nftnl_expr_get_str(v.e[4], NFTNL_EXPR_FLOW_TABLE_NAME), "ft");
	assert_string_equal(v.comment, tag);
	nftnl_rule_free(v.r);
}

static void assert_data(struct nftnl_expr *e, uint16_t attr, const void *want, uint32_t wlen)
{
	uint32_t len = 0;
	const void *data = nftnl_expr_get(e, attr, &len);

	assert_int_equal(len, wlen);
	assert_memory_equal(data, want, wlen);
}

static void test_create_everything(void **state)
{
	struct fixture *f = *state;
	static const char *const devs[] = { "eth0", "tun0", NULL };
	static const uint8_t v4[4] = { 10, 9, 0, 0 }, v4mask[4] = { 255, 255, 0, 0 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t v6mask[16] = { 255, 255, 255, 255, 0x80 };
	struct nft_batch b;
	struct walk w;
	struct rule_view v;

	build_and_walk(f, &b, &w);
	assert_int_equal(w.n, 3 + 4 + 4);	/* table, ft, chain, 4 excludes, 4 offloads */

	assert_table(w.msg[0], NFT_MSG_NEWTABLE, "flowd");
	assert_true(w.msg[0]->nlmsg_flags & NLM_F_EXCL);
	assert_flowtable(w.msg[1], NFT_MSG_NEWFLOWTABLE, 0, devs);
	assert_true(w.msg[1]->nlmsg_flags & NLM_F_EXCL);
	assert_chain(w.msg[2], NFT_MSG_NEWCHAIN);

	/* meta nfproto ipv4 ip saddr 10.9.0.0/16 return */
	parse_rule(w.msg[3], &v);
	assert_string_equal(v.names, "meta cmp payload bitwise cmp immediate");
	assert_meta_cmp(v.e[0], v.e[1], NFT_META_NFPROTO, NFPROTO_IPV4);
	assert_int_equal(nftnl_expr_get_u32(v.e[2], NFTNL_EXPR_PAYLOAD_BASE),
			 NFT_PAYLOAD_NETWORK_HEADER);
	assert_int_equal(nftnl_expr_get_u32(v.e[2], NFTNL_EXPR_PAYLOAD_OFFSET), 12);
	assert_int_equal(nftnl_expr_get_u32(v.e[2], NFTNL_EXPR_PAYLOAD_LEN), 4);
	assert_int_equal(nftnl_expr_get_u32(v.e[3], NFTNL_EXPR_BITWISE_LEN), 4);
	assert_data(v.e[3], NFTNL_EXPR_BITWISE_MASK, v4mask, 4);
	assert_data(v.e[4], NFTNL_EXPR_CMP_DATA, v4, 4);
	assert_int_equal(nftnl_expr_get_u32(v.e[5], NFTNL_EXPR_IMM_DREG), NFT_REG_VERDICT);
	assert_int_equal((int32_t)nftnl_expr_get_u32(v.e[5], NFTNL_EXPR_IMM_VERDICT), NFT_RETURN);
	assert_string_equal(v.comment, "flowd:v1:exclude saddr 10.9.0.0/16");
	nftnl_rule_free(v.r);

	/* ... ip daddr: offset 16 */
	parse_rule(w.msg[4], &v);
	assert_int_equal(nftnl_expr_get_u32(v.e[2], NFTNL_EXPR_PAYLOAD_OFFSET), 16);
	assert_string_equal(v.comment, "flowd:v1:exclude daddr 10.9.0.0/16");
	nftnl_rule_free(v.r);

	/* meta nfproto ipv6 ip6 saddr 2001:db8::/33 return: offset 8, 16 bytes */
	parse_rule(w.msg[5], &v);
	assert_meta_cmp(v.e[0], v.e[1], NFT_META_NFPROTO, NFPROTO_IPV6);
	assert_int_equal(nftnl_expr_get_u32(v.e[2], NFTNL_EXPR_PAYLOAD_OFFSET), 8);
	assert_int_equal(nftnl_expr_get_u32(v.e[2], NFTNL_EXPR_PAYLOAD_LEN), 16);
	assert_data(v.e[3], NFTNL_EXPR_BITWISE_MASK, v6mask, 16);
	assert_data(v.e[4], NFTNL_EXPR_CMP_DATA, v6, 16);
	assert_string_equal(v.comment, "flowd:v1:exclude saddr 2001:db8::/33");
	nftnl_rule_free(v.r);
	parse_rule(w.msg[6], &v);
	assert_int_equal(nftnl_expr_get_u32(v.e[2], NFTNL_EXPR_PAYLOAD_OFFSET), 24);
	nftnl_rule_free(v.r);

	assert_offload_rule(w.msg[7], NFPROTO_IPV4, IPPROTO_TCP, "flowd:v1:offload ipv4 tcp");
	assert_offload_rule(w.msg[8], NFPROTO_IPV4, IPPROTO_UDP, "flowd:v1:offload ipv4 udp");
	assert_offload_rule(w.msg[9], NFPROTO_IPV6, IPPROTO_TCP, "flowd:v1:offload ipv6 tcp");
	assert_offload_rule(w.msg[10], NFPROTO_IPV6, IPPROTO_UDP, "flowd:v1:offload ipv6 udp");

	assert_string_equal(b.msgs[1].what, "NEWFLOWTABLE ft");
	assert_non_null(nft_batch_find(&b, SEQ + 2));
	assert_null(nft_batch_find(&b, SEQ));	/* the begin is not a change */
	nft_batch_free(&b);
}

static void test_ip_table_rules_have_no_nfproto(void **state)
{
	struct fixture *f = *state;
	struct nft_batch b;
	struct walk w;
	struct rule_view v;

	f->conf.table_family = (char *)"ip";
	f->conf.n_exclude = 1;
	f->exclude[0].len = 32;			/* a host: no mask needed */
	assert_int_equal(fixture_build(f), 0);
	build_and_walk(f, &b, &w);
	assert_int_equal(w.n, 3 + 2 + 2);
	parse_rule(w.msg[3], &v);
	assert_string_equal(v.names, "payload cmp immediate");
	nftnl_rule_free(v.r);
	parse_rule(w.msg[5], &v);
	assert_string_equal(v.names, "meta cmp flow_offload");
	assert_meta_cmp(v.e[0], v.e[1], NFT_META_L4PROTO, IPPROTO_TCP);
	nftnl_rule_free(v.r);
	nft_batch_free(&b);
}

static void test_device_update_carries_only_changes(void **state)
{
	struct fixture *f = *state;
	static const char *const del[] = { "tun0", NULL };
	static const char *const add[] = { "eth1", "tun9", NULL };
	struct nft_batch b;
	struct walk w;

	fixture_have_all(f);
	nft_strlcpy(f->devices[0].name, "tun9", IFNAMSIZ);
	fixture_add_device(f, "eth1");
	assert_int_equal(fixture_build(f), 0);
	build_and_walk(f, &b, &w);
	assert_int_equal(w.n, 2);
	assert_flowtable(w.msg[0], NFT_MSG_DELFLOWTABLE, 0, del);
	assert_flowtable(w.msg[1], NFT_MSG_NEWFLOWTABLE, 0, add);
	/* An update: CREATE without EXCL, so existing flows survive. */
	assert_true(w.msg[1]->nlmsg_flags & NLM_F_CREATE);
	assert_false(w.msg[1]->nlmsg_flags & NLM_F_EXCL);
	nft_batch_free(&b);
}

static void test_priority_change_batch(void **state)
{
	struct fixture *f = *state;
	static const char *const devs[] = { "eth0", "tun0", NULL };
	struct nftnl_rule *r;
	struct nft_batch b;
	struct walk w;

	fixture_have_all(f);
	f->conf.flowtable_priority = -50;
	f->conf.flowtable_offload = true;
	assert_int_equal(fixture_build(f), 0);
	build_and_walk(f, &b, &w);
	assert_int_equal(w.n, 3 + 8);

	/* Flush: DELRULE with table + chain and no handle. */
	assert_int_equal(msg_type(w.msg[0]), NFT_MSG_DELRULE);
	r = nftnl_rule_alloc();
	assert_int_equal(nftnl_rule_nlmsg_parse(w.msg[0], r), 0);
	assert_string_equal(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), "flowd");
	assert_string_equal(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "forward");
	assert_false(nftnl_rule_is_set(r, NFTNL_RULE_HANDLE));
	nftnl_rule_free(r);

	assert_flowtable(w.msg[1], NFT_MSG_DELFLOWTABLE, 0, NULL);
	assert_flowtable(w.msg[2], NFT_MSG_NEWFLOWTABLE, -50, devs);
	{
		struct nftnl_flowtable *ft = nftnl_flowtable_alloc();

		assert_int_equal(nftnl_flowtable_nlmsg_parse(w.msg[2], ft), 0);
		assert_int_equal(nftnl_flowtable_get_u32(ft, NFTNL_FLOWTABLE_FLAGS),
				 NFT_FLOWTABLE_HW_OFFLOAD);
		nftnl_flowtable_free(ft);
	}
	for (size_t i = 3; i < w.n; i++)
		assert_int_equal(msg_type(w.msg[i]), NFT_MSG_NEWRULE);
	nft_batch_free(&b);
}

static void test_chain_recreate_and_table_delete(void **state)
{
	struct fixture *f = *state;
	struct nft_batch b;
	struct walk w;

	fixture_have_all(f);
	f->have.n_foreign_flowtables = 1;
	build_and_walk(f, &b, &w);
	assert_table(w.msg[0], NFT_MSG_DELTABLE, "flowd");
	assert_table(w.msg[1], NFT_MSG_NEWTABLE, "flowd");
	nft_batch_free(&b);

	nft_state_free(&f->have);
	fixture_have_all(f);
	f->have.chain_type[0] = 'x';
	build_and_walk(f, &b, &w);
	assert_chain(w.msg[0], NFT_MSG_DELCHAIN);
	assert_chain(w.msg[1], NFT_MSG_NEWCHAIN);
	assert_int_equal(w.n, 2 + 8);
	nft_batch_free(&b);
}

static void test_empty_flowtable_has_no_device_nest(void **state)
{
	struct fixture *f = *state;
	struct nftnl_flowtable *ft;
	struct nft_batch b;
	struct walk w;

	f->plan.n_devices = 0;
	assert_int_equal(fixture_build(f), 0);
	build_and_walk(f, &b, &w);
	ft = nftnl_flowtable_alloc();
	assert_int_equal(nftnl_flowtable_nlmsg_parse(w.msg[1], ft), 0);
	assert_true(nftnl_flowtable_is_set(ft, NFTNL_FLOWTABLE_HOOKNUM));
	assert_false(nftnl_flowtable_is_set(ft, NFTNL_FLOWTABLE_DEVICES));
	nftnl_flowtable_free(ft);
	nft_batch_free(&b);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_everything),
		T(test_ip_table_rules_have_no_nfproto),
		T(test_device_update_carries_only_changes),
		T(test_priority_change_batch),
		T(test_chain_recreate_and_table_delete),
		T(test_empty_flowtable_has_no_device_nest),
	};

	return cmocka_run_group_tests_name("nft_batch", tests, NULL, NULL);
}
