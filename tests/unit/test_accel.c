// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * accel: per tunnel and direction outer / inner / slow, table driven.
 * The refusal rows follow the kernel series' ndo_fill_forward_path() and
 * receive checks (kernel/patches/); the compute rows each fact in turn.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "accel.h"

static struct addr a4(const char *text)
{
	struct addr a = { .family = AF_INET };

	inet_pton(AF_INET, text, &a.v4);
	return a;
}

static struct addr a6(const char *text)
{
	struct addr a = { .family = AF_INET6 };

	inet_pton(AF_INET6, text, &a.v6);
	return a;
}

enum fam { V4, V6 };

/* A tunnel of kind with both end points set, then the row's changes. */
struct refusal_row {
	const char *what;
	enum tunnel_kind kind;
	bool no_local, no_remote, mcast, collect_md;
	uint16_t iflags, oflags;
	uint32_t flags;
	uint8_t proto;
	const char *both;	/* substring of the reason, NULL: none */
	const char *rx;
};

static const struct refusal_row refusal_rows[] = {
	{ .what = "ipip plain", .kind = TUNNEL_KIND_IPIP, .both = NULL, .rx = NULL },
	{ .what = "ipip no local (any)", .kind = TUNNEL_KIND_IPIP, .no_local = true },
	{ .what = "ipip no remote", .kind = TUNNEL_KIND_IPIP, .no_remote = true, .both = "no fixed remote" },
	{ .what = "ipip multicast remote", .kind = TUNNEL_KIND_IPIP, .mcast = true, .both = "multicast" },
	{ .what = "ipip external", .kind = TUNNEL_KIND_IPIP, .collect_md = true, .both = "metadata" },
	{ .what = "gre key", .kind = TUNNEL_KIND_GRE, .iflags = 0x2000, .oflags = 0x2000 },
	{ .what = "gre icsum", .kind = TUNNEL_KIND_GRE, .iflags = 0x8000, .both = "GRE checksums" },
	{ .what = "gre ocsum", .kind = TUNNEL_KIND_GRE, .oflags = 0x8000, .both = "GRE checksums" },
	{ .what = "gre iseq", .kind = TUNNEL_KIND_GRE, .iflags = 0x1000, .both = "GRE sequence" },
	{ .what = "gre oseq + key", .kind = TUNNEL_KIND_GRE, .oflags = 0x3000, .both = "GRE sequence" },
	{ .what = "gre multicast (multipoint)", .kind = TUNNEL_KIND_GRE, .mcast = true, .both = "multicast" },
	{ .what = "ipip mode any", .kind = TUNNEL_KIND_IPIP, .proto = 0 },
	{ .what = "ipip mode mplsip", .kind = TUNNEL_KIND_IPIP, .proto = 137, .both = "mplsip" },
	{ .what = "sit plain", .kind = TUNNEL_KIND_SIT },
	{ .what = "sit mode mplsip", .kind = TUNNEL_KIND_SIT, .proto = 137, .both = "mplsip" },
	{ .what = "sit isatap", .kind = TUNNEL_KIND_SIT, .flags = 0x1, .both = "ISATAP" },
	{ .what = "sit 6to4 (no remote)", .kind = TUNNEL_KIND_SIT, .no_remote = true, .both = "no fixed remote" },
	/* IPv6 outer: iproute2's default sends the encapsulation limit, which
	 * the series accelerates both ways. */
	{ .what = "ip6tnl default", .kind = TUNNEL_KIND_IP6TNL },
	{ .what = "ip6tnl encaplimit none", .kind = TUNNEL_KIND_IP6TNL, .flags = 0x1 },
	{ .what = "ip6tnl tclass/flowlabel inherit", .kind = TUNNEL_KIND_IP6TNL, .flags = 0x1 | 0x2 | 0x4 },
	{ .what = "ip6tnl fwmark inherit", .kind = TUNNEL_KIND_IP6TNL, .flags = 0x1 | 0x20, .both = "fwmark" },
	{ .what = "ip6tnl dscp copy", .kind = TUNNEL_KIND_IP6TNL, .flags = 0x1 | 0x10, .both = "DSCP copy" },
	{ .what = "ip6tnl no local", .kind = TUNNEL_KIND_IP6TNL, .flags = 0x1, .no_local = true,
	  .both = "end points" },
	{ .what = "ip6tnl no remote", .kind = TUNNEL_KIND_IP6TNL, .no_remote = true, .both = "end points" },
	{ .what = "ip6tnl external", .kind = TUNNEL_KIND_IP6TNL, .collect_md = true, .both = "metadata" },
	{ .what = "ip6gre default", .kind = TUNNEL_KIND_IP6GRE },
	{ .what = "ip6gre csum", .kind = TUNNEL_KIND_IP6GRE, .flags = 0x1, .iflags = 0x8000,
	  .both = "GRE checksums" },
	{ .what = "ip6gre seq, default encaplimit", .kind = TUNNEL_KIND_IP6GRE, .oflags = 0x1000,
	  .both = "GRE sequence", .rx = NULL },
	/* Flags of the IPv6 kinds mean nothing on sit/ipip (only ISATAP). */
	{ .what = "ipip with 0x20 in flags", .kind = TUNNEL_KIND_IPIP, .flags = 0x20 },
};

static void check_reason(const char *row, const char *dir, const char *got, const char *want)
{
	if (!want && got)
		fail_msg("%s: %s: want no refusal, got \"%s\"", row, dir, got);
	if (want && (!got || !strstr(got, want)))
		fail_msg("%s: %s: want \"%s\", got \"%s\"", row, dir, want, got ? got : "(none)");
}

static void test_refusals(void **state)
{
	for (size_t i = 0; i < sizeof(refusal_rows) / sizeof(refusal_rows[0]); i++) {
		const struct refusal_row *r = &refusal_rows[i];
		bool v6 = r->kind == TUNNEL_KIND_IP6TNL || r->kind == TUNNEL_KIND_IP6GRE;
		struct tunnel_params tp = { .kind = r->kind };
		const char *both = "x", *rx = "x";

		tp.outer_family = v6 ? AF_INET6 : AF_INET;
		if (!r->no_local)
			tp.local = v6 ? a6("2001:db8::1") : a4("192.0.2.1");
		if (r->mcast)
			tp.remote = v6 ? a6("ff0e::1") : a4("239.1.1.1");
		else if (!r->no_remote)
			tp.remote = v6 ? a6("2001:db8::2") : a4("198.51.100.2");
		tp.collect_md = r->collect_md;
		tp.iflags = r->iflags;
		tp.oflags = r->oflags;
		tp.flags = r->flags;
		tp.proto = r->proto;
		accel_refusals(&tp, &both, &rx);
		check_reason(r->what, "both", both, r->both);
		check_reason(r->what, "rx", rx, r->rx);
	}
}

struct compute_row {
	const char *what;
	enum accel_kernel kernel;
	struct accel_facts f;
	enum accel_state rx, tx;
	const char *rx_why, *tx_why;	/* substrings */
};

#define IN_FT .tunnel_in_ft = true, .underlay_in_ft = true

static const struct compute_row compute_rows[] = {
	{ "not selected", ACCEL_KERNEL_OUTER, { .why_not = "not selected" },
	  ACCEL_SLOW, ACCEL_SLOW, "not selected", "not selected" },
	{ "not in the flowtable, no reason given", ACCEL_KERNEL_INNER, { 0 },
	  ACCEL_SLOW, ACCEL_SLOW, "not in the flowtable", "not in the flowtable" },
	{ "tunnel in, underlay unresolved: inner on any kernel", ACCEL_KERNEL_OUTER,
	  { .tunnel_in_ft = true, .why_not = "no route to remote" },
	  ACCEL_INNER, ACCEL_INNER, "no route", "no route" },
	{ "unresolved, kernel unknown: still inner", ACCEL_KERNEL_UNKNOWN,
	  { .tunnel_in_ft = true, .why_not = "no route to remote" },
	  ACCEL_INNER, ACCEL_INNER, "no route", "no route" },
	{ "stock kernel", ACCEL_KERNEL_INNER, { IN_FT },
	  ACCEL_INNER, ACCEL_INNER, "flag refused", "flag refused" },
	{ "stock kernel, rx refusal does not matter", ACCEL_KERNEL_INNER,
	  { IN_FT, .rx_refused = "a receive-only setting" },
	  ACCEL_INNER, ACCEL_INNER, "flag refused", "flag refused" },
	{ "series kernel", ACCEL_KERNEL_OUTER, { IN_FT },
	  ACCEL_OUTER, ACCEL_OUTER, "outer header", "outer header" },
	{ "series kernel, GRE checksums", ACCEL_KERNEL_OUTER, { IN_FT, .refused = "GRE checksums" },
	  ACCEL_INNER, ACCEL_INNER, "GRE checksums", "GRE checksums" },
	{ "stock kernel, GRE checksums: the kernel is the reason", ACCEL_KERNEL_INNER,
	  { IN_FT, .refused = "GRE checksums" },
	  ACCEL_INNER, ACCEL_INNER, "flag refused", "flag refused" },
	{ "series kernel, a receive-only refusal", ACCEL_KERNEL_OUTER,
	  { IN_FT, .rx_refused = "a receive-only setting" },
	  ACCEL_SLOW, ACCEL_OUTER, "a receive-only setting", "outer header" },
	{ "unknown kernel", ACCEL_KERNEL_UNKNOWN, { IN_FT },
	  ACCEL_UNKNOWN, ACCEL_UNKNOWN, "not applied yet", "not applied yet" },
	{ "unknown kernel, refused setting: known", ACCEL_KERNEL_UNKNOWN,
	  { IN_FT, .refused = "ISATAP" }, ACCEL_INNER, ACCEL_INNER, "ISATAP", "ISATAP" },
	/* The tunnel device itself left out (down): the plan has no underlay either. */
	{ "underlay only (tunnel down)", ACCEL_KERNEL_OUTER,
	  { .underlay_in_ft = true }, ACCEL_OUTER, ACCEL_OUTER, "outer", "outer" },
};

static void test_compute(void **state)
{
	for (size_t i = 0; i < sizeof(compute_rows) / sizeof(compute_rows[0]); i++) {
		const struct compute_row *r = &compute_rows[i];
		struct accel a;

		memset(&a, 0xa5, sizeof(a));
		accel_compute(r->kernel, &r->f, &a);
		if (a.rx.state != r->rx || a.tx.state != r->tx)
			fail_msg("%s: got rx %s tx %s, want rx %s tx %s", r->what,
				 accel_state_name(a.rx.state), accel_state_name(a.tx.state),
				 accel_state_name(r->rx), accel_state_name(r->tx));
		check_reason(r->what, "rx why", a.rx.why, r->rx_why);
		check_reason(r->what, "tx why", a.tx.why, r->tx_why);
	}
}

static void test_names(void **state)
{
	assert_string_equal(accel_state_name(ACCEL_OUTER), "outer");
	assert_string_equal(accel_state_name(ACCEL_INNER), "inner");
	assert_string_equal(accel_state_name(ACCEL_SLOW), "slow");
	assert_string_equal(accel_state_name(ACCEL_UNKNOWN), "unknown");
	assert_string_equal(accel_state_name((enum accel_state)42), "unknown");
	assert_string_equal(accel_kernel_name(ACCEL_KERNEL_OUTER), "outer");
	assert_string_equal(accel_kernel_name(ACCEL_KERNEL_INNER), "inner");
	assert_string_equal(accel_kernel_name(ACCEL_KERNEL_UNKNOWN), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_compute),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
