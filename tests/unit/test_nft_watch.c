// SPDX-License-Identifier: GPL-2.0-or-later
/* The event parser behind nft_watch_dispatch(), fed hand-built messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft_fixture.h"

struct ctx {
	struct fixture *f;
	struct nft_watch *w;
	int calls;
	char why[128];
	char buf[8192];
	size_t len;
};

static void on_change(void *arg, const char *why)
{
	struct ctx *c = arg;

	c->calls++;
	nft_strlcpy(c->why, why, sizeof(c->why));
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	c->f = fixture_new();
	assert_int_equal(nft_watch_new(&c->f->conf, on_change, c, &c->w), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	nft_watch_close(c->w);
	fixture_free(c->f);
	free(c);
	return 0;
}

/* Append an event: type NFT_MSG_*, family, attribute 1 = table (if any). */
static struct nlmsghdr *put_event(struct ctx *c, uint16_t type, uint8_t family, const char *table)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(c->buf + c->len, type, family, 0, 0);

	if (table)
		mnl_attr_put_strz(nlh, 1, table);
	mnl_attr_put_strz(nlh, 2, "objname");
	c->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return nlh;
}

static void put_gen(struct ctx *c, uint32_t pid)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(c->buf + c->len, NFT_MSG_NEWGEN,
						     AF_UNSPEC, 0, 0);

	mnl_attr_put_u32(nlh, NFTA_GEN_ID, htonl(77));
	mnl_attr_put_u32(nlh, NFTA_GEN_PROC_PID, htonl(pid));
	mnl_attr_put_strz(nlh, NFTA_GEN_PROC_NAME, "nft");
	c->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void feed(struct ctx *c)
{
	nft_watch_feed(c->w, c->buf, c->len);
	c->len = 0;
}

static void test_classify(void **state)
{
	struct ctx *c = *state;
	struct nlmsghdr *nlh;
	uint32_t pid;

	static const uint16_t ours[] = {
		NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_NEWFLOWTABLE, NFT_MSG_DELFLOWTABLE,
		NFT_MSG_NEWCHAIN, NFT_MSG_DELCHAIN, NFT_MSG_NEWRULE, NFT_MSG_DELRULE,
		NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM, NFT_MSG_DELOBJ,
	};
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		c->len = 0;
		nlh = put_event(c, ours[i], NFPROTO_INET, "flowd");
		assert_int_equal(nft_event_classify(nlh, NFPROTO_INET, "flowd", NULL),
				 NFT_EVENT_OURS);
	}
	c->len = 0;
	nlh = put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "filter");
	assert_int_equal(nft_event_classify(nlh, NFPROTO_INET, "flowd", NULL), NFT_EVENT_OTHER);
	nlh = put_event(c, NFT_MSG_NEWRULE, NFPROTO_IPV4, "flowd");	/* ip flowd, not inet */
	assert_int_equal(nft_event_classify(nlh, NFPROTO_INET, "flowd", NULL), NFT_EVENT_OTHER);
	nlh = put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "flowd2");
	assert_int_equal(nft_event_classify(nlh, NFPROTO_INET, "flowd", NULL), NFT_EVENT_OTHER);
	nlh = put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, NULL);		/* whose? */
	assert_int_equal(nft_event_classify(nlh, NFPROTO_INET, "flowd", NULL),
			 NFT_EVENT_MALFORMED);
	c->len = 0;
	put_gen(c, 4321);
	assert_int_equal(nft_event_classify(c->buf, NFPROTO_INET, "flowd", &pid), NFT_EVENT_GEN);
	assert_int_equal(pid, 4321);
	/* Another subsystem (conntrack) and control messages. */
	nlh = mnl_nlmsg_put_header(c->buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | 0;
	assert_int_equal(nft_event_classify(nlh, NFPROTO_INET, "flowd", NULL), NFT_EVENT_OTHER);
	nlh->nlmsg_type = NLMSG_NOOP;
	assert_int_equal(nft_event_classify(nlh, NFPROTO_INET, "flowd", NULL), NFT_EVENT_OTHER);
}

static void test_ours_is_reported_once_per_dispatch(void **state)
{
	struct ctx *c = *state;

	put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "filter");
	feed(c);
	assert_int_equal(c->calls, 0);
	put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "flowd");
	put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "flowd");
	put_gen(c, 99);
	feed(c);
	assert_int_equal(c->calls, 1);
	assert_string_equal(c->why, "our table changed");
}

static void test_own_transactions_are_ignored(void **state)
{
	struct ctx *c = *state;

	nft_watch_ignore_pid(c->w, 1000);
	/* flowd's own batch: objects, then NEWGEN with our pid. */
	put_event(c, NFT_MSG_NEWTABLE, NFPROTO_INET, "flowd");
	put_event(c, NFT_MSG_NEWFLOWTABLE, NFPROTO_INET, "flowd");
	put_gen(c, 1000);
	feed(c);
	assert_int_equal(c->calls, 0);
	/* Someone else's, split over two receive buffers. */
	put_event(c, NFT_MSG_DELRULE, NFPROTO_INET, "flowd");
	feed(c);
	assert_int_equal(c->calls, 0);
	put_gen(c, 2000);
	feed(c);
	assert_int_equal(c->calls, 1);
	/* Another table in someone else's transaction: nothing. */
	put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "filter");
	put_gen(c, 2000);
	feed(c);
	assert_int_equal(c->calls, 1);
}

static void test_garbage_never_crashes(void **state)
{
	struct ctx *c = *state;
	struct nlmsghdr *nlh;
	struct nlattr *a;

	/* Trailing bytes that are not a message. */
	put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "filter");
	memset(c->buf + c->len, 0xab, 9);
	c->len += 9;
	feed(c);
	assert_int_equal(c->calls, 1);
	assert_string_equal(c->why, "truncated nftables event");

	/* nlmsg_len larger than the buffer. */
	nlh = put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "filter");
	nlh->nlmsg_len = 5000;
	feed(c);
	assert_int_equal(c->calls, 2);

	/* nlmsg_len 0 must not loop forever. */
	nlh = put_event(c, NFT_MSG_NEWRULE, NFPROTO_INET, "filter");
	nlh->nlmsg_len = 0;
	feed(c);
	assert_int_equal(c->calls, 3);

	/* Too short for nfgenmsg. */
	nlh = mnl_nlmsg_put_header(c->buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;
	c->len = nlh->nlmsg_len;
	feed(c);
	assert_int_equal(c->calls, 4);
	assert_string_equal(c->why, "malformed nftables event");

	/* Table attribute without its NUL. */
	nlh = nftnl_nlmsg_build_hdr(c->buf, NFT_MSG_NEWRULE, NFPROTO_INET, 0, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, 1, 5, "flowd");
	*((char *)mnl_attr_get_payload(a) + 5) = 'x';
	c->len = nlh->nlmsg_len;
	feed(c);
	assert_int_equal(c->calls, 5);

	/* An attribute whose length runs past the message: parsing stops, table unknown. */
	nlh = nftnl_nlmsg_build_hdr(c->buf, NFT_MSG_NEWRULE, NFPROTO_INET, 0, 0);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_strz(nlh, 1, "filter");
	a->nla_len = 300;
	c->len = nlh->nlmsg_len;
	feed(c);
	assert_int_equal(c->calls, 6);

	/* Random bytes, every length up to 64: any verdict, no crash. */
	for (size_t len = 0; len < 64; len++) {
		for (size_t i = 0; i < len; i++)
			c->buf[i] = (char)(i * 37 + len);
		c->len = len;
		feed(c);
	}
	/* An empty buffer reports nothing. */
	c->calls = 0;
	c->len = 0;
	feed(c);
	assert_int_equal(c->calls, 0);
}

static void test_open_rejects_bad_conf(void **state)
{
	struct ctx *c = *state;
	struct nft_watch *w = NULL;

	c->f->conf.table_family = (char *)"arp";
	assert_int_equal(nft_watch_new(&c->f->conf, on_change, c, &w), -EINVAL);
	assert_null(w);
	assert_int_equal(nft_watch_fd(c->w), -1);
	assert_int_equal(nft_watch_dispatch(c->w), -EBADF);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_classify),
		T(test_ours_is_reported_once_per_dispatch),
		T(test_own_transactions_are_ignored),
		T(test_garbage_never_crashes),
		T(test_open_rejects_bad_conf),
	};

	return cmocka_run_group_tests_name("nft_watch", tests, NULL, NULL);
}
