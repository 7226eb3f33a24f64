// SPDX-License-Identifier: GPL-2.0-or-later
/* nft_desired_build() and nft_compute_changes(): pure, no kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nft_fixture.h"

static int setup(void **state)
{
	struct fixture *f = fixture_new();

	fixture_add_exclude(f, "10.9.1.2", 16);
	assert_int_equal(fixture_build(f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static void diff(struct fixture *f)
{
	nft_changes_free(&f->changes);
	assert_int_equal(nft_compute_changes(&f->want, &f->have, &f->changes), 0);
}

/* Assert the ops in order; -1 ends the list. */
static void assert_ops(const struct nft_changes *c, const int *ops)
{
	size_t n = 0;

	while (ops[n] >= 0)
		n++;
	for (size_t i = 0; i < c->n && i < n; i++)
		if ((int)c->v[i].op != ops[i])
			fail_msg("change %zu: %s, want %s (reason: %s)", i, nft_op_name(c->v[i].op),
				 nft_op_name((enum nft_op)ops[i]), c->reason);
	assert_int_equal(c->n, n);
}

static void assert_devs(const struct nft_change *c, const char *a, const char *b)
{
	assert_int_equal(c->n_devices, b ? 2 : 1);
	assert_string_equal(c->devices[0].name, a);
	if (b)
		assert_string_equal(c->devices[1].name, b);
}

#define R NFT_OP_RULE_ADD

static void test_desired_rules_and_tags(void **state)
{
	struct fixture *f = *state;
	static const char *tags[] = {
		"flowd:v1:exclude saddr 10.9.0.0/16",	/* host bits cleared */
		"flowd:v1:exclude daddr 10.9.0.0/16",
		"flowd:v1:offload ipv4 tcp", "flowd:v1:offload ipv4 udp",
		"flowd:v1:offload ipv6 tcp", "flowd:v1:offload ipv6 udp",
	};

	assert_int_equal(f->want.family, NFPROTO_INET);
	assert_string_equal(f->want.table, "flowd");
	assert_string_equal(f->want.flowtable, "ft");
	assert_string_equal(f->want.chain, "forward");
	assert_int_equal(f->want.chain_prio, 10);
	assert_int_equal(f->want.n_devices, 2);
	assert_string_equal(f->want.devices[0].name, "eth0");	/* sorted */
	assert_string_equal(f->want.devices[1].name, "tun0");
	assert_int_equal(f->want.n_rules, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(f->want.rules[i].tag, tags[i]);
	assert_int_equal(f->want.rules[0].addr[0], 10);
	assert_int_equal(f->want.rules[0].addr[1], 9);
	assert_int_equal(f->want.rules[0].addr[2], 0);
	assert_false(f->want.rules[0].daddr);
	assert_true(f->want.rules[1].daddr);
}

static void test_desired_ip_table_skips_ipv6(void **state)
{
	struct fixture *f = *state;

	fixture_add_exclude(f, "2001:db8::", 32);
	f->conf.table_family = (char *)"ip";
	f->conf.flow_l4 = FLOW_L4_TCP;
	f->conf.flowtable_counter = true;
	assert_int_equal(fixture_build(f), 0);
	assert_int_equal(f->want.family, NFPROTO_IPV4);
	assert_int_equal(f->want.ft_flags, NFT_FLOWTABLE_COUNTER);
	assert_int_equal(f->want.n_rules, 3);
	assert_string_equal(f->want.rules[2].tag, "flowd:v1:offload ipv4 tcp");

	f->conf.table_family = (char *)"ip6";
	assert_int_equal(fixture_build(f), 0);
	assert_int_equal(f->want.n_rules, 3);
	assert_string_equal(f->want.rules[0].tag, "flowd:v1:exclude saddr 2001:db8::/32");
	assert_string_equal(f->want.rules[2].tag, "flowd:v1:offload ipv6 tcp");
}

static void test_desired_rejects_bad_input(void **state)
{
	struct fixture *f = *state;
	char err[128] = "";

	nft_desired_free(&f->want);	/* out is overwritten, not freed */
	f->conf.table_family = (char *)"bridge";
	assert_int_equal(nft_desired_build(&f->conf, &f->plan, &f->want, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "bridge"));
	f->conf.table_family = (char *)"inet";
	f->exclude[0].len = 33;
	assert_int_equal(nft_desired_build(&f->conf, &f->plan, &f->want, err, sizeof(err)),
			 -EINVAL);
}

static void test_desired_dedups_devices(void **state)
{
	struct fixture *f = *state;

	fixture_add_device(f, "eth0");
	assert_int_equal(fixture_build(f), 0);
	assert_int_equal(f->want.n_devices, 2);
}

static void test_table_missing_creates_everything(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_TABLE_ADD, NFT_OP_FT_ADD, NFT_OP_CHAIN_ADD,
				   R, R, R, R, R, R, -1 };

	diff(f);
	assert_ops(&f->changes, ops);
	assert_devs(&f->changes.v[1], "eth0", "tun0");
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(f->changes.v[3 + i].rule, i);
	assert_non_null(strstr(f->changes.reason, "table flowd missing"));
}

static void test_identical_is_no_change(void **state)
{
	struct fixture *f = *state;

	fixture_have_all(f);
	diff(f);
	assert_int_equal(f->changes.n, 0);
	assert_string_equal(f->changes.reason, "");
	/* And nothing is sent: no socket needed. */
	assert_int_equal(nft_apply(NULL, &f->changes, NULL, 0), 0);
}

static void test_rebuild_recreates_the_flowtable(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_FLUSH, NFT_OP_FT_DEL, NFT_OP_FT_ADD,
				   R, R, R, R, R, R, -1 };

	/* Nothing differs, yet the flowtable goes and comes back, rules around it. */
	fixture_have_all(f);
	assert_int_equal(nft_compute_rebuild(&f->want, &f->have, &f->changes), 0);
	assert_ops(&f->changes, ops);
	assert_devs(&f->changes.v[2], "eth0", "tun0");
	assert_non_null(strstr(f->changes.reason, "rebuilt"));
}

static void test_add_one_device(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_FT_ADD_DEVS, -1 };

	fixture_have_all(f);
	fixture_add_device(f, "eth1");
	assert_int_equal(fixture_build(f), 0);
	diff(f);
	assert_ops(&f->changes, ops);
	assert_devs(&f->changes.v[0], "eth1", NULL);
}

static void test_remove_one_device(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_FT_DEL_DEVS, -1 };

	fixture_have_all(f);
	f->plan.n_devices = 1;		/* eth0 went away */
	assert_int_equal(fixture_build(f), 0);
	diff(f);
	assert_ops(&f->changes, ops);
	assert_devs(&f->changes.v[0], "eth0", NULL);
}

static void test_add_and_remove_devices(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_FT_DEL_DEVS, NFT_OP_FT_ADD_DEVS, -1 };

	fixture_have_all(f);
	nft_strlcpy(f->devices[0].name, "tun1", IFNAMSIZ);	/* tun0 -> tun1 */
	fixture_add_device(f, "eth2");
	assert_int_equal(fixture_build(f), 0);
	diff(f);
	assert_ops(&f->changes, ops);
	assert_devs(&f->changes.v[0], "tun0", NULL);
	assert_devs(&f->changes.v[1], "eth2", "tun1");
}

/*
 * No device in the flowtable: no fast path, so "flow add" would only mark
 * conntrack entries offloaded while every packet stays on the slow path.
 * The table, flowtable and chain stay; the chain is empty.  This is what
 * the shipped /etc/flowd.conf (nothing selected) gets.
 */
static void test_no_devices_no_rules(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_TABLE_ADD, NFT_OP_FT_ADD, NFT_OP_CHAIN_ADD, -1 };

	f->plan.n_devices = 0;
	assert_int_equal(fixture_build(f), 0);
	assert_int_equal(f->want.n_devices, 0);
	assert_int_equal(f->want.n_rules, 0);
	diff(f);
	assert_ops(&f->changes, ops);
	assert_int_equal(f->changes.v[1].n_devices, 0);

	/* The first device brings the rules back, after the device. */
	fixture_have_all(f);
	fixture_add_device(f, "eth0");
	assert_int_equal(fixture_build(f), 0);
	assert_int_equal(f->want.n_rules, 6);
	diff(f);
	{
		static const int add[] = { NFT_OP_FT_ADD_DEVS, R, R, R, R, R, R, -1 };

		assert_ops(&f->changes, add);
		assert_devs(&f->changes.v[0], "eth0", NULL);
	}
}

static void test_all_devices_removed(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_FLUSH, NFT_OP_FT_DEL_DEVS, -1 };

	fixture_have_all(f);
	f->plan.n_devices = 0;
	assert_int_equal(fixture_build(f), 0);
	diff(f);
	assert_ops(&f->changes, ops);
	assert_devs(&f->changes.v[1], "eth0", "tun0");
}

static void test_priority_change_recreates_flowtable(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_FLUSH, NFT_OP_FT_DEL, NFT_OP_FT_ADD,
				   R, R, R, R, R, R, -1 };

	fixture_have_all(f);
	f->conf.flowtable_priority = -100;
	assert_int_equal(fixture_build(f), 0);
	diff(f);
	assert_ops(&f->changes, ops);
	assert_devs(&f->changes.v[2], "eth0", "tun0");
	assert_non_null(strstr(f->changes.reason, "priority"));
}

static void test_flags_change_recreates_flowtable(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_FLUSH, NFT_OP_FT_DEL, NFT_OP_FT_ADD,
				   R, R, R, R, R, R, -1 };

	fixture_have_all(f);
	f->have.ft_flags = NFT_FLOWTABLE_HW_OFFLOAD;
	diff(f);
	assert_ops(&f->changes, ops);
	assert_non_null(strstr(f->changes.reason, "flags"));
}

static void test_chain_policy_change_recreates_chain(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_DEL, NFT_OP_CHAIN_ADD,
				   R, R, R, R, R, R, -1 };

	fixture_have_all(f);
	f->have.chain_policy = NF_DROP;
	diff(f);
	assert_ops(&f->changes, ops);
}

static void test_chain_priority_and_flowtable_together(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_DEL, NFT_OP_FT_DEL, NFT_OP_FT_ADD,
				   NFT_OP_CHAIN_ADD, R, R, R, R, R, R, -1 };

	fixture_have_all(f);
	f->have.chain_prio = 0;
	f->have.ft_prio = 5;
	diff(f);
	assert_ops(&f->changes, ops);
}

static void test_chain_missing(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_ADD, R, R, R, R, R, R, -1 };

	fixture_have_all(f);
	f->have.chain = false;
	f->have.n_rules = 0;
	diff(f);
	assert_ops(&f->changes, ops);
}

static void test_flowtable_missing(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_FT_ADD, -1 };

	fixture_have_all(f);
	f->have.flowtable = false;
	diff(f);
	assert_ops(&f->changes, ops);
}

static void test_foreign_rule_in_chain(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_FLUSH, R, R, R, R, R, R, -1 };

	fixture_have_all(f);
	nft_state_add_rule(&f->have, "", 999);		/* `nft add rule ... counter` */
	diff(f);
	assert_ops(&f->changes, ops);
	assert_non_null(strstr(f->changes.reason, "rules differ"));
}

static void test_rules_reordered(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_CHAIN_FLUSH, R, R, R, R, R, R, -1 };
	struct nft_rule_info tmp;

	fixture_have_all(f);
	tmp = f->have.rules[0];
	f->have.rules[0] = f->have.rules[5];
	f->have.rules[5] = tmp;
	diff(f);
	assert_ops(&f->changes, ops);
}

static void test_foreign_chain_recreates_table(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_TABLE_DEL, NFT_OP_TABLE_ADD, NFT_OP_FT_ADD,
				   NFT_OP_CHAIN_ADD, R, R, R, R, R, R, -1 };

	fixture_have_all(f);
	f->have.n_foreign_chains = 1;
	diff(f);
	assert_ops(&f->changes, ops);
}

static void test_dormant_table_is_woken(void **state)
{
	struct fixture *f = *state;
	static const int ops[] = { NFT_OP_TABLE_UPDATE, -1 };

	fixture_have_all(f);
	f->have.table_flags = NFT_TABLE_F_DORMANT;
	diff(f);
	assert_ops(&f->changes, ops);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_desired_rules_and_tags),
		T(test_desired_ip_table_skips_ipv6),
		T(test_desired_rejects_bad_input),
		T(test_desired_dedups_devices),
		T(test_table_missing_creates_everything),
		T(test_identical_is_no_change),
		T(test_rebuild_recreates_the_flowtable),
		T(test_add_one_device),
		T(test_remove_one_device),
		T(test_add_and_remove_devices),
		T(test_no_devices_no_rules),
		T(test_all_devices_removed),
		T(test_priority_change_recreates_flowtable),
		T(test_flags_change_recreates_flowtable),
		T(test_chain_policy_change_recreates_chain),
		T(test_chain_priority_and_flowtable_together),
		T(test_chain_missing),
		T(test_flowtable_missing),
		T(test_foreign_rule_in_chain),
		T(test_rules_reordered),
		T(test_foreign_chain_recreates_table),
		T(test_dormant_table_is_woken),
	};

	return cmocka_run_group_tests_name("nft_diff", tests, NULL, NULL);
}
