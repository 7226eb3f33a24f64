// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's answers, hand-built: batch ACKs/errors with extended ACK
 * attributes (nft_ack.c), and read-back dump messages (nft_read.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nlmsg_build.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/flowtable.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nft_fixture.h"

#define SEQ 5000

struct ctx {
	struct fixture *f;
	struct nft_batch b;
	char buf[8192];
	size_t len;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	c->f = fixture_new();
	assert_int_equal(fixture_build(c->f), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	nft_batch_free(&c->b);
	fixture_free(c->f);
	free(c);
	return 0;
}

/* The device update batch: DELFLOWTABLE tun0, NEWFLOWTABLE eth3 + tun9. */
static void build_update(struct ctx *c)
{
	fixture_have_all(c->f);
	nft_strlcpy(c->f->devices[0].name, "tun9", IFNAMSIZ);
	fixture_add_device(c->f, "eth3");
	assert_int_equal(fixture_build(c->f), 0);
	assert_int_equal(nft_compute_changes(&c->f->want, &c->f->have, &c->f->changes), 0);
	assert_int_equal(nft_batch_build(&c->f->changes, SEQ, &c->b), 0);
	assert_int_equal(c->b.n_msgs, 2);
}

/* Append an NLMSG_ERROR for seq; msg/offs are extended ACK attributes (optional). */
static void put_ack(struct ctx *c, uint32_t seq, int error, const char *msg, int64_t offs)
{
	c->len += nl_put_ack(c->buf + c->len, seq, error, msg, offs)->nlmsg_len;
}

static int acks(struct ctx *c, char *err, size_t errlen)
{
	struct nft_acks a;

	nft_acks_init(&a);
	assert_int_equal(nft_acks_parse(&c->b, c->buf, c->len, &a), 0);
	return nft_acks_result(&c->b, &a, err, errlen);
}

static void test_all_acked(void **state)
{
	struct ctx *c = *state;
	char err[256] = "x";

	build_update(c);
	put_ack(c, SEQ + 99, -EPERM, NULL, -1);	/* stale: someone else's seq */
	put_ack(c, SEQ + 1, 0, NULL, -1);
	put_ack(c, SEQ + 2, 0, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), 0);
}

static void test_error_names_the_message(void **state)
{
	struct ctx *c = *state;
	char err[256];

	build_update(c);
	put_ack(c, SEQ + 1, 0, NULL, -1);
	put_ack(c, SEQ + 2, -ENOENT, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "NEWFLOWTABLE ft: No such file or directory (one of eth3, tun9?)");
}

static void test_error_with_extack_text(void **state)
{
	struct ctx *c = *state;
	char err[256];

	build_update(c);
	put_ack(c, SEQ + 1, -EBUSY, "flowtable is busy", -1);
	put_ack(c, SEQ + 2, 0, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "DELFLOWTABLE ft: Device or resource busy: flowtable is busy");
}

/* The offset of the NFTA_DEVICE_NAME attribute holding name in message m. */
static uint32_t device_offset(const struct nft_batch *b, const struct nft_batch_msg *m,
			      const char *name)
{
	const char *start = b->buf + m->offset;

	for (size_t off = MNL_NLMSG_HDRLEN; off + 4 <= m->len; off += 4) {
		const struct nlattr *a = (const struct nlattr *)(start + off);

		if (mnl_attr_get_type(a) == NFTA_DEVICE_NAME && a->nla_len == 4 + strlen(name) + 1 &&
		    strcmp(mnl_attr_get_str(a), name) == 0)
			return (uint32_t)off;
	}
	fail_msg("device %s not in the message", name);
	return 0;
}

static void test_error_offset_names_the_device(void **state)
{
	struct ctx *c = *state;
	char err[256];

	build_update(c);
	put_ack(c, SEQ + 1, 0, NULL, -1);
	put_ack(c, SEQ + 2, -ENOENT, NULL, device_offset(&c->b, &c->b.msgs[1], "tun9"));
	assert_int_equal(acks(c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "NEWFLOWTABLE ft: No such file or directory (device tun9)");
}

static void test_error_offset_names_the_table(void **state)
{
	struct ctx *c = *state;
	struct nft_change v = { .op = NFT_OP_CHAIN_ADD };
	struct nft_changes ch = { .want = &c->f->want, .v = &v, .n = 1 };
	char err[256];

	assert_int_equal(nft_batch_build(&ch, SEQ, &c->b), 0);
	/* The first attribute, right after nlmsghdr + nfgenmsg: the table. */
	put_ack(c, SEQ + 1, -ENOENT, NULL, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)));
	assert_int_equal(acks(c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "NEWCHAIN forward: No such file or directory (table flowd)");
}

static void test_bogus_offset_is_ignored(void **state)
{
	struct ctx *c = *state;
	char err[256];

	build_update(c);
	put_ack(c, SEQ + 2, -ENOENT, NULL, 3);
	put_ack(c, SEQ + 1, 0, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "(one of eth3, tun9?)"));
	c->len = 0;
	put_ack(c, SEQ + 2, -ENOENT, NULL, 60000);
	assert_int_equal(acks(c, err, sizeof(err)), -ENOENT);
}

static void test_new_flowtable_hint(void **state)
{
	struct ctx *c = *state;
	char err[256];

	/* Whole table: NEWTABLE, NEWFLOWTABLE (EXCL, eth0 + tun0), NEWCHAIN, rules. */
	assert_int_equal(nft_compute_changes(&c->f->want, &c->f->have, &c->f->changes), 0);
	assert_int_equal(nft_batch_build(&c->f->changes, SEQ, &c->b), 0);
	put_ack(c, SEQ + 1, 0, NULL, -1);
	put_ack(c, SEQ + 2, -ENOENT, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "NEWFLOWTABLE ft: No such file or directory "
				 "(one of eth0, tun0 missing, or no flowtable support?)");
}

static void test_first_error_wins(void **state)
{
	struct ctx *c = *state;
	char err[256];

	build_update(c);
	put_ack(c, SEQ + 2, -EINVAL, NULL, -1);
	put_ack(c, SEQ + 1, -EOPNOTSUPP, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "DELFLOWTABLE ft: Operation not supported"));
	assert_non_null(strstr(err, "(and 1 more errors)"));
}

static void test_batch_begin_error(void **state)
{
	struct ctx *c = *state;
	char err[256];

	build_update(c);
	put_ack(c, SEQ, -EPERM, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), -EPERM);
	assert_string_equal(err, "batch: Operation not permitted");
}

static void test_missing_acks(void **state)
{
	struct ctx *c = *state;
	char err[256];

	build_update(c);
	put_ack(c, SEQ + 1, 0, NULL, -1);
	assert_int_equal(acks(c, err, sizeof(err)), -EPROTO);
	assert_string_equal(err, "batch: the kernel acknowledged 1 of 2 messages");
}

static void test_malformed_acks(void **state)
{
	struct ctx *c = *state;
	struct nlmsghdr *nlh;
	struct nft_acks a;

	build_update(c);
	/* An NLMSG_ERROR too short for struct nlmsgerr. */
	nlh = mnl_nlmsg_put_header(c->buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = SEQ + 1;
	nft_acks_init(&a);
	assert_int_equal(nft_acks_parse(&c->b, c->buf, nlh->nlmsg_len, &a), -EPROTO);
	/* Garbage after a good message. */
	c->len = 0;
	put_ack(c, SEQ + 1, 0, NULL, -1);
	memset(c->buf + c->len, 0xff, 7);
	nft_acks_init(&a);
	assert_int_equal(nft_acks_parse(&c->b, c->buf, c->len + 7, &a), -EPROTO);
	/* A length field pointing past the buffer. */
	((struct nlmsghdr *)c->buf)->nlmsg_len = 4000;
	nft_acks_init(&a);
	assert_int_equal(nft_acks_parse(&c->b, c->buf, c->len, &a), -EPROTO);
	assert_int_equal(a.acked, 0);
	/* Extended ACK attributes with a bad length: no crash, the error still counts. */
	c->len = 0;
	put_ack(c, SEQ + 1, -ENOENT, "text", -1);
	((struct nlattr *)(c->buf + MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr)))->nla_len = 200;
	nft_acks_init(&a);
	assert_int_equal(nft_acks_parse(&c->b, c->buf, c->len, &a), 0);
	assert_int_equal(a.err, -ENOENT);
	assert_null(strstr(a.text, "text"));
}

/* ---- read-back parsers ---- */

static const struct nft_target target = {
	.family = NFPROTO_INET, .table = "flowd", .flowtable = "ft", .chain = "forward",
};

static struct nlmsghdr *kmsg(char *buf, uint16_t type, uint8_t family)
{
	return nftnl_nlmsg_build_hdr(buf, type, family, NLM_F_MULTI, 1);
}

static void test_parse_flowtable(void **state)
{
	static const char *devs[] = { "tun0", "eth1", "eth0", NULL };
	struct nftnl_flowtable *ft = nftnl_flowtable_alloc();
	char buf[4096];
	struct nlmsghdr *nlh;
	struct nft_state st;

	nft_state_init(&st);
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_TABLE, "flowd");
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_NAME, "ft");
	nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_HOOKNUM, NF_NETDEV_INGRESS);
	nftnl_flowtable_set_s32(ft, NFTNL_FLOWTABLE_PRIO, -20);
	nftnl_flowtable_set_u32(ft, NFTNL_FLOWTABLE_FLAGS, NFT_FLOWTABLE_COUNTER);
	nftnl_flowtable_set_array(ft, NFTNL_FLOWTABLE_DEVICES, devs);
	nlh = kmsg(buf, NFT_MSG_NEWFLOWTABLE, NFPROTO_INET);
	nftnl_flowtable_nlmsg_build_payload(nlh, ft);
	assert_int_equal(nft_parse_flowtable(nlh, &target, &st), 0);
	assert_true(st.flowtable);
	assert_int_equal(st.ft_hooknum, NF_NETDEV_INGRESS);
	assert_int_equal(st.ft_prio, -20);
	assert_int_equal(st.ft_flags, NFT_FLOWTABLE_COUNTER);
	assert_int_equal(st.n_ft_devices, 3);
	assert_string_equal(st.ft_devices[0].name, "eth0");	/* sorted */
	assert_string_equal(st.ft_devices[2].name, "tun0");

	/* Same name in another family: not ours.  Another name: foreign. */
	nlh = kmsg(buf, NFT_MSG_NEWFLOWTABLE, NFPROTO_IPV4);
	nftnl_flowtable_nlmsg_build_payload(nlh, ft);
	assert_int_equal(nft_parse_flowtable(nlh, &target, &st), 0);
	assert_int_equal(st.n_foreign_flowtables, 0);
	nftnl_flowtable_set_str(ft, NFTNL_FLOWTABLE_NAME, "other");
	nlh = kmsg(buf, NFT_MSG_NEWFLOWTABLE, NFPROTO_INET);
	nftnl_flowtable_nlmsg_build_payload(nlh, ft);
	assert_int_equal(nft_parse_flowtable(nlh, &target, &st), 0);
	assert_int_equal(st.n_foreign_flowtables, 1);
	assert_int_equal(st.n_ft_devices, 3);
	nftnl_flowtable_free(ft);
	nft_state_free(&st);
}

static void test_parse_table_and_chain(void **state)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_chain *ch = nftnl_chain_alloc();
	char buf[4096];
	struct nlmsghdr *nlh;
	struct nft_state st;

	nft_state_init(&st);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "flowd");
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_DORMANT);
	nlh = kmsg(buf, NFT_MSG_NEWTABLE, NFPROTO_INET);
	nftnl_table_nlmsg_build_payload(nlh, t);
	assert_int_equal(nft_parse_table(nlh, &target, &st), 0);
	assert_true(st.table);
	assert_int_equal(st.table_flags, NFT_TABLE_F_DORMANT);

	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, "flowd");
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, "forward");
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
	nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, 10);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_DROP);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
	nlh = kmsg(buf, NFT_MSG_NEWCHAIN, NFPROTO_INET);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	assert_int_equal(nft_parse_chain(nlh, &target, &st), 0);
	assert_true(st.chain);
	assert_true(st.chain_base);
	assert_int_equal(st.chain_hooknum, NF_INET_FORWARD);
	assert_int_equal(st.chain_prio, 10);
	assert_int_equal(st.chain_policy, NF_DROP);
	assert_string_equal(st.chain_type, "filter");
	/* The same chain twice in a dump is nonsense. */
	assert_int_equal(nft_parse_chain(nlh, &target, &st), -EPROTO);

	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, "mine");
	nlh = kmsg(buf, NFT_MSG_NEWCHAIN, NFPROTO_INET);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	assert_int_equal(nft_parse_chain(nlh, &target, &st), 0);
	assert_int_equal(st.n_foreign_chains, 1);
	nftnl_table_free(t);
	nftnl_chain_free(ch);
	nft_state_free(&st);
}

static void put_rule(char *buf, const char *chain, const void *ud, uint32_t udlen,
		     struct nlmsghdr **out)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh = kmsg(buf, NFT_MSG_NEWRULE, NFPROTO_INET);

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, "flowd");
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, 42);
	if (ud)
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, ud, udlen);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	*out = nlh;
}

static void test_parse_rules(void **state)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(256);
	static const uint8_t bad_tlv[] = { 0, 200, 'x', 0 };
	char buf[4096];
	struct nlmsghdr *nlh;
	struct nft_state st;

	nft_state_init(&st);
	nftnl_udata_put_u32(ud, 7, 1234);	/* something else first */
	nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, "flowd:v1:offload ipv4 tcp");
	put_rule(buf, "forward", nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud), &nlh);
	assert_int_equal(nft_parse_rule(nlh, &target, &st), 0);
	put_rule(buf, "forward", NULL, 0, &nlh);		/* `nft add rule ... counter` */
	assert_int_equal(nft_parse_rule(nlh, &target, &st), 0);
	put_rule(buf, "forward", bad_tlv, sizeof(bad_tlv), &nlh);
	assert_int_equal(nft_parse_rule(nlh, &target, &st), 0);
	put_rule(buf, "other", nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud), &nlh);
	assert_int_equal(nft_parse_rule(nlh, &target, &st), 0);
	assert_int_equal(st.n_rules, 3);
	assert_string_equal(st.rules[0].tag, "flowd:v1:offload ipv4 tcp");
	assert_int_equal(st.rules[0].handle, 42);
	assert_string_equal(st.rules[1].tag, "");
	assert_string_equal(st.rules[2].tag, "");
	nftnl_udata_buf_free(ud);
	nft_state_free(&st);
}

static void test_parse_rejects_malformed(void **state)
{
	char buf[4096];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	struct nft_state st;

	nft_state_init(&st);
	/* Table name without its NUL. */
	nlh = kmsg(buf, NFT_MSG_NEWRULE, NFPROTO_INET);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, NFTA_RULE_TABLE, 5, "flowd");
	*((char *)mnl_attr_get_payload(a) + 5) = 'x';
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, "forward");
	assert_int_equal(nft_parse_rule(nlh, &target, &st), -EPROTO);
	/* No nfgenmsg at all. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE;
	assert_int_equal(nft_parse_table(nlh, &target, &st), -EPROTO);
	/* A device list holding something else. */
	nlh = kmsg(buf, NFT_MSG_NEWFLOWTABLE, NFPROTO_INET);
	mnl_attr_put_strz(nlh, NFTA_FLOWTABLE_TABLE, "flowd");
	mnl_attr_put_strz(nlh, NFTA_FLOWTABLE_NAME, "ft");
	{
		struct nlattr *hook = mnl_attr_nest_start(nlh, NFTA_FLOWTABLE_HOOK);
		struct nlattr *devs = mnl_attr_nest_start(nlh, NFTA_FLOWTABLE_HOOK_DEVS);

		mnl_attr_put_u32(nlh, 7, 1);
		mnl_attr_nest_end(nlh, devs);
		mnl_attr_nest_end(nlh, hook);
	}
	assert_int_equal(nft_parse_flowtable(nlh, &target, &st), -EPROTO);
	assert_false(st.table);
	nft_state_free(&st);
}

static void test_udata_comment(void **state)
{
	static const uint8_t ok[] = { 0, 3, 'a', 'b', 0 };
	static const uint8_t nonul[] = { 0, 2, 'a', 'b' };
	static const uint8_t past[] = { 1, 9, 0, 0 };
	char tag[8];

	assert_int_equal(nft_udata_comment(ok, sizeof(ok), tag, sizeof(tag)), 0);
	assert_string_equal(tag, "ab");
	assert_int_equal(nft_udata_comment(nonul, sizeof(nonul), tag, sizeof(tag)), -ENOENT);
	assert_string_equal(tag, "");
	assert_int_equal(nft_udata_comment(past, sizeof(past), tag, sizeof(tag)), -ENOENT);
	assert_int_equal(nft_udata_comment(ok, 1, tag, sizeof(tag)), -ENOENT);
	assert_int_equal(nft_udata_comment(ok, sizeof(ok), tag, 2), -ENOENT);	/* too long */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_all_acked),
		T(test_error_names_the_message),
		T(test_error_with_extack_text),
		T(test_error_offset_names_the_device),
		T(test_error_offset_names_the_table),
		T(test_bogus_offset_is_ignored),
		T(test_new_flowtable_hint),
		T(test_first_error_wins),
		T(test_batch_begin_error),
		T(test_missing_acks),
		T(test_malformed_acks),
		cmocka_unit_test(test_parse_flowtable),
		cmocka_unit_test(test_parse_table_and_chain),
		cmocka_unit_test(test_parse_rules),
		cmocka_unit_test(test_parse_rejects_malformed),
		cmocka_unit_test(test_udata_comment),
	};

	return cmocka_run_group_tests_name("nft_ack", tests, NULL, NULL);
}
