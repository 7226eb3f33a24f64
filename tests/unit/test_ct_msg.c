// SPDX-License-Identifier: GPL-2.0-or-later
/* ctnetlink parsing and event handling: NEW/UPDATE/DESTROY, malformed input. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ct_fixture.h"
#include "ct.h"

static void assert_in4(const uint8_t *got, const char *want)
{
	uint8_t a[16] = { 0 };

	inet_pton(AF_INET, want, a);
	assert_memory_equal(got, a, 16);
}

static void test_parse_v4(void **state)
{
	union ctbuf buf;
	size_t off = 0;
	struct ctspec s = ct_fx_seed_flow();
	struct nlmsghdr *nlh;
	struct ct_flow f;
	uint32_t status;

	s.status |= IPS_HW_OFFLOAD | IPS_SRC_NAT;
	s.rdst = "192.0.2.1";		/* masqueraded */
	s.zone = 7;
	s.id = 0xdeadbeef;
	nlh = ct_fx_put(&buf, &off, FX_UPDATE, &s);
	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_UPDATE);
	assert_int_equal(status, s.status);
	assert_int_equal(f.id, 0xdeadbeef);
	assert_int_equal(f.zone, 7);
	assert_int_equal(f.family, AF_INET);
	assert_int_equal(f.l4proto, IPPROTO_TCP);
	assert_int_equal(ntohs(f.sport), 40000);
	assert_int_equal(ntohs(f.dport), 80);
	assert_in4(f.src, "10.0.0.2");
	assert_in4(f.dst, "10.2.0.2");
	assert_in4(f.rdst, "10.2.0.2");
	assert_int_equal(f.flags, CT_FLOW_OFFLOAD | CT_FLOW_HW | CT_FLOW_SNAT);
	assert_int_equal(f.in_if, 0);
	assert_int_equal(f.out_if, 0);

	off = 0;
	nlh = ct_fx_put(&buf, &off, FX_NEW, &s);
	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_NEW);
	off = 0;
	nlh = ct_fx_put(&buf, &off, FX_DESTROY, &s);
	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_DESTROY);
	off = 0;
	nlh = ct_fx_put(&buf, &off, FX_DUMP, &s);
	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_UPDATE);
}

static void test_parse_v6_dnat(void **state)
{
	union ctbuf buf;
	size_t off = 0;
	struct ctspec s = { .family = AF_INET6, .src = "2001:db8::2", .dst = "2001:db8:f::1",
			    .rsrc = "2001:db8:2::80", .proto = IPPROTO_UDP, .sport = 5000,
			    .dport = 53, .id = 9, .status = IPS_OFFLOAD | IPS_DST_NAT };
	struct nlmsghdr *nlh = ct_fx_put(&buf, &off, FX_UPDATE, &s);
	struct ct_flow f;
	uint32_t status;
	uint8_t a[16];

	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_UPDATE);
	assert_int_equal(f.family, AF_INET6);
	assert_int_equal(f.l4proto, IPPROTO_UDP);
	inet_pton(AF_INET6, "2001:db8:f::1", a);
	assert_memory_equal(f.dst, a, 16);
	/* DNAT: the original direction really goes to the reply's source. */
	inet_pton(AF_INET6, "2001:db8:2::80", a);
	assert_memory_equal(f.rdst, a, 16);
	assert_int_equal(f.flags, CT_FLOW_OFFLOAD | CT_FLOW_DNAT);
}

static void test_other_messages(void **state)
{
	union ctbuf buf;
	size_t off = 0;
	struct ctspec s = ct_fx_seed_flow();
	struct nlmsghdr *nlh = ct_fx_put(&buf, &off, FX_UPDATE, &s);
	struct ct_flow f;
	uint32_t status;

	/* Expectations, other subsystems, other message types: skipped. */
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK_EXP << 8) | IPCTNL_MSG_EXP_NEW;
	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_OTHER);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_OTHER);
	nlh->nlmsg_type = NLMSG_DONE;
	assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_OTHER);
}

static void test_malformed(void **state)
{
	union ctbuf buf;
	size_t off = 0;
	struct ctspec s = ct_fx_seed_flow();
	struct nlmsghdr *nlh = ct_fx_put(&buf, &off, FX_UPDATE, &s);
	struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct ct_flow f;
	uint32_t status;
	size_t len = nlh->nlmsg_len;

	/* Longer than the buffer, shorter than a header. */
	assert_int_equal(ct_msg_parse(nlh, len - 1, &f, &status), -1);
	assert_int_equal(ct_msg_parse(nlh, 8, &f, &status), -1);
	nlh->nlmsg_len = 8;
	assert_int_equal(ct_msg_parse(nlh, len, &f, &status), -1);
	nlh->nlmsg_len = (uint32_t)len;

	/* Bad family. */
	nfg->nfgen_family = AF_UNIX;
	assert_int_equal(ct_msg_parse(nlh, len, &f, &status), -1);
	nfg->nfgen_family = AF_INET6;	/* IPv4 addresses under IPv6 */
	assert_int_equal(ct_msg_parse(nlh, len, &f, &status), -1);
	nfg->nfgen_family = AF_INET;
	assert_int_equal(ct_msg_parse(nlh, len, &f, &status), CT_MSG_UPDATE);

	/* Every truncation of the message itself: rejected or parsed, no overread. */
	for (size_t cut = 0; cut < len; cut++) {
		union ctbuf copy;
		struct nlmsghdr *c = (struct nlmsghdr *)copy.b;
		char *exact = malloc(cut ? cut : 1);
		int r;

		memcpy(copy.b, buf.b, len);
		c->nlmsg_len = (uint32_t)cut;
		r = ct_msg_parse(c, len, &f, &status);
		assert_true(r == -1 || r == CT_MSG_UPDATE);
		/* The same bytes in a buffer of exactly that size (ASan sees overreads). */
		memcpy(exact, copy.b, cut);
		r = ct_msg_parse(exact, cut, &f, &status);
		assert_true(r == -1 || r == CT_MSG_UPDATE);
		free(exact);
	}
}

/* Remove an attribute by turning it into one we ignore (type 0x3ff). */
static void hide_attr(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == type)
			a->nla_type = 0x3ff;
}

static void test_missing_attrs(void **state)
{
	static const uint16_t required[] = { CTA_TUPLE_ORIG, CTA_ID, CTA_STATUS };
	struct ct_flow f;
	uint32_t status;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		union ctbuf buf;
		size_t off = 0;
		struct ctspec s = ct_fx_seed_flow();
		struct nlmsghdr *nlh = ct_fx_put(&buf, &off, FX_UPDATE, &s);

		hide_attr(nlh, required[i]);
		assert_int_equal(ct_msg_parse(nlh, off, &f, &status), -1);
	}
	/* DESTROY needs no status; without a reply tuple rdst = dst. */
	{
		union ctbuf buf;
		size_t off = 0;
		struct ctspec s = ct_fx_seed_flow();
		struct nlmsghdr *nlh = ct_fx_put(&buf, &off, FX_DESTROY, &s);

		hide_attr(nlh, CTA_STATUS);
		hide_attr(nlh, CTA_TUPLE_REPLY);
		assert_int_equal(ct_msg_parse(nlh, off, &f, &status), CT_MSG_DESTROY);
		assert_int_equal(status, 0);
		assert_in4(f.rdst, "10.2.0.2");
	}
}

/* Random byte flips over valid messages: never crash, never overread. */
static void test_mutations(void **state)
{
	union ctbuf buf;
	size_t off = 0;
	struct ctspec s = ct_fx_seed_flow();
	uint32_t rnd = 1;
	struct ct_ctx *ct;

	ct_fx_put(&buf, &off, FX_NEW, &s);
	s.family = AF_INET6;
	s.src = "2001:db8::2";
	s.dst = "2001:db8:1::2";
	ct_fx_put(&buf, &off, FX_UPDATE, &s);
	assert_int_equal(ct_new(NULL, &ct), 0);
	for (int iter = 0; iter < 200000; iter++) {
		char *m = malloc(off);
		int flips = 1 + iter % 4;

		memcpy(m, buf.b, off);
		for (int k = 0; k < flips; k++) {
			rnd = rnd * 1103515245u + 12345u;
			m[(rnd >> 8) % off] ^= (char)(1u << ((rnd >> 4) & 7));
		}
		ct_feed(ct, m, off, 0);
		free(m);
	}
	{
		struct ct_stats st;

		ct_get_stats(ct, &st);
		printf("# mutations: %llu messages, %llu malformed, %zu flows\n",
		       (unsigned long long)st.events, (unsigned long long)st.malformed,
		       ct_flows_count(ct_table(ct)));
		assert_true(st.malformed > 0);
	}
	ct_close(ct);
}

/* --- events applied to the tracker --- */

static struct ct_ctx *tracker(void)
{
	struct ct_ctx *ct;

	assert_int_equal(ct_new(NULL, &ct), 0);
	return ct;
}

static void feed(struct ct_ctx *ct, enum ct_fx_kind kind, const struct ctspec *s, double now)
{
	union ctbuf buf;
	size_t off = 0;

	ct_fx_put(&buf, &off, kind, s);
	ct_feed(ct, buf.b, off, now);
}

static void test_events(void **state)
{
	struct ct_ctx *ct = tracker();
	struct ctspec s = ct_fx_seed_flow();
	struct ct_stats st;
	const struct ct_flow *f;

	/* NEW never carries the bit: nothing tracked, a refresh armed... */
	s.status = IPS_CONFIRMED;
	assert_true(ct_refresh_due(ct, 100.0) < 0);
	/* ...but not for protocols the flowtable never offloads. */
	s.proto = IPPROTO_ICMP;
	s.sport = s.dport = 0;
	feed(ct, FX_NEW, &s, 99.0);
	assert_true(ct_refresh_due(ct, 99.0) < 0);
	s = ct_fx_seed_flow();
	s.status = IPS_CONFIRMED;
	feed(ct, FX_NEW, &s, 100.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 0);
	assert_true(ct_refresh_due(ct, 100.0) == 1.0);
	/* More NEW events do not push it back. */
	feed(ct, FX_NEW, &s, 100.5);
	assert_true(ct_refresh_due(ct, 100.5) == 0.5);

	/* An UPDATE without the bit: still nothing. */
	s.status |= IPS_SEEN_REPLY | IPS_ASSURED;
	feed(ct, FX_UPDATE, &s, 100.6);
	assert_int_equal(ct_flows_count(ct_table(ct)), 0);

	/* The ESTABLISHED update delivered after `flow add`: tracked. */
	s.status |= IPS_OFFLOAD;
	feed(ct, FX_UPDATE, &s, 100.7);
	assert_int_equal(ct_flows_count(ct_table(ct)), 1);
	f = ct_flows_at(ct_table(ct), 0);
	assert_int_equal(f->flags, CT_FLOW_OFFLOAD);
	/* Again (a duplicate, e.g. event and dump): still one, seen once. */
	feed(ct, FX_UPDATE, &s, 100.8);
	assert_int_equal(ct_flows_count(ct_table(ct)), 1);

	/* Hardware offload shows up on a later message. */
	s.status |= IPS_HW_OFFLOAD;
	feed(ct, FX_UPDATE, &s, 101.0);
	f = ct_flows_at(ct_table(ct), 0);
	assert_int_equal(f->flags, CT_FLOW_OFFLOAD | CT_FLOW_HW);

	/* Torn down, then an update: gone. */
	s.status &= ~(uint32_t)(IPS_OFFLOAD | IPS_HW_OFFLOAD);
	feed(ct, FX_UPDATE, &s, 102.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 0);

	/* Offloaded again, then destroyed (still showing the bit). */
	s.status |= IPS_OFFLOAD;
	feed(ct, FX_UPDATE, &s, 103.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 1);
	feed(ct, FX_DESTROY, &s, 104.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 0);
	/* A DESTROY for something unknown, and for another id: no-ops. */
	feed(ct, FX_DESTROY, &s, 104.0);
	feed(ct, FX_UPDATE, &s, 105.0);
	s.id = 2;
	feed(ct, FX_DESTROY, &s, 105.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 1);

	ct_get_stats(ct, &st);
	assert_int_equal(st.events, 13);
	assert_int_equal(st.events_new, 3);
	assert_int_equal(st.events_update, 7);
	assert_int_equal(st.events_destroy, 3);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.seen, 3);	/* offloaded three times */
	ct_close(ct);
}

/* Several messages in one buffer, one of them broken in the middle. */
static void test_feed_batch(void **state)
{
	struct ct_ctx *ct = tracker();
	union ctbuf buf;
	size_t off = 0;
	struct ctspec s = ct_fx_seed_flow();
	struct nlmsghdr *bad;
	struct ct_stats st;

	ct_fx_put(&buf, &off, FX_UPDATE, &s);
	s.id = 2;
	s.sport++;
	bad = ct_fx_put(&buf, &off, FX_UPDATE, &s);
	s.id = 3;
	s.sport++;
	ct_fx_put(&buf, &off, FX_UPDATE, &s);
	((struct nfgenmsg *)mnl_nlmsg_get_payload(bad))->nfgen_family = 99;
	ct_feed(ct, buf.b, off, 0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 2);
	ct_get_stats(ct, &st);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.malformed, 1);
	/* Trailing garbage shorter than a header. */
	ct_feed(ct, buf.b, 10, 0);
	ct_get_stats(ct, &st);
	assert_int_equal(st.malformed, 2);
	ct_close(ct);
}

/* The delete request parses back to the same key, with CTA_ID and zone. */
static void test_build_delete(void **state)
{
	union ctbuf buf;
	size_t off = 0;
	struct ctspec s = ct_fx_seed_flow();
	struct ct_flow f, back;
	uint32_t status;
	char small[CT_DELETE_MSG_MAX - 1];

	s.zone = 3;
	s.id = 0x01020304;
	ct_fx_put(&buf, &off, FX_UPDATE, &s);
	assert_int_equal(ct_msg_parse(buf.b, off, &f, &status), CT_MSG_UPDATE);
	assert_int_equal(ct_msg_build_delete(small, sizeof(small), &f, 1), 0);
	off = ct_msg_build_delete(buf.b, sizeof(buf), &f, 77);
	assert_true(off > 0 && off <= CT_DELETE_MSG_MAX);
	assert_int_equal(((struct nlmsghdr *)buf.b)->nlmsg_seq, 77);
	assert_true(((struct nlmsghdr *)buf.b)->nlmsg_flags & NLM_F_ACK);
	assert_int_equal(ct_msg_parse(buf.b, off, &back, &status), CT_MSG_DESTROY);
	assert_true(ct_flow_key_equal(&f, &back));
	assert_int_equal(back.id, 0x01020304);
	assert_int_equal(back.zone, 3);

	/* IPv6, and a protocol without ports. */
	off = 0;
	s = (struct ctspec){ .family = AF_INET6, .src = "2001:db8::1", .dst = "2001:db8::2",
			     .proto = IPPROTO_ICMPV6, .id = 5, .status = IPS_OFFLOAD };
	ct_fx_put(&buf, &off, FX_UPDATE, &s);
	assert_int_equal(ct_msg_parse(buf.b, off, &f, &status), CT_MSG_UPDATE);
	f.sport = f.dport = 0;
	off = ct_msg_build_delete(buf.b, sizeof(buf), &f, 78);
	assert_true(off > 0 && off <= CT_DELETE_MSG_MAX);
	assert_int_equal(ct_msg_parse(buf.b, off, &back, &status), CT_MSG_DESTROY);
	assert_true(ct_flow_key_equal(&f, &back));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_v4),
		cmocka_unit_test(test_parse_v6_dnat),
		cmocka_unit_test(test_other_messages),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_missing_attrs),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_feed_batch),
		cmocka_unit_test(test_build_delete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
