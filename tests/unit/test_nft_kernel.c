// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Against the running kernel, in a fresh network namespace of its own
 * (root only; skipped otherwise).  The development host has nf_tables but
 * no flowtable support, so a NEWFLOWTABLE fails there: that is used to
 * check that a failed batch leaves nothing behind.  Tables, chains, rules,
 * read-back, error mapping and the watch are exercised for real; real
 * flowtables are tested in the VM.
 */
#define _GNU_SOURCE 1
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "nft_fixture.h"

struct ctx {
	struct fixture *f;
	struct nft_ctx *nft;
	int calls;
};

static bool in_netns;

static int group_setup(void **state)
{
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0)
		in_netns = true;
	return 0;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	c->f = fixture_new();
	fixture_add_exclude(c->f, "10.9.0.0", 16);
	fixture_add_exclude(c->f, "fd00::", 8);
	nft_strlcpy(c->f->devices[0].name, "lo", IFNAMSIZ);
	c->f->plan.n_devices = 1;
	assert_int_equal(fixture_build(c->f), 0);
	*state = c;
	if (!in_netns)
		return 0;
	assert_int_equal(nft_ctx_open(&c->nft), 0);
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	if (c->nft)
		assert_int_equal(nft_delete_table(c->nft, &c->f->conf, NULL, 0), 0);
	nft_ctx_close(c->nft);
	fixture_free(c->f);
	free(c);
	return 0;
}

#define NEED_NETNS()                                                         \
	do {                                                                 \
		if (!in_netns) {                                             \
			print_message("not root or no netns: skipped\n");  \
			skip();                                              \
		}                                                            \
	} while (0)

static void read_state(struct ctx *c)
{
	nft_state_free(&c->f->have);
	assert_int_equal(nft_read_state(c->nft, &c->f->conf, &c->f->have), 0);
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Apply a hand-made list: the table, the chain and its rules, no flowtable. */
static int apply_without_flowtable(struct ctx *c, bool table, bool flush, char *err, size_t errlen)
{
	struct nft_changes ch = { .want = &c->f->want };
	struct nft_change v[32];
	int ret;

	if (table) {
		v[ch.n++] = (struct nft_change){ .op = NFT_OP_TABLE_ADD };
		v[ch.n++] = (struct nft_change){ .op = NFT_OP_CHAIN_ADD };
	}
	if (flush)
		v[ch.n++] = (struct nft_change){ .op = NFT_OP_CHAIN_FLUSH };
	for (size_t i = 0; i < c->f->want.n_rules; i++)
		v[ch.n++] = (struct nft_change){ .op = NFT_OP_RULE_ADD, .rule = i };
	ch.v = v;
	ret = nft_apply(c->nft, &ch, err, errlen);
	return ret;
}

static void test_empty_namespace(void **state)
{
	struct ctx *c = *state;

	NEED_NETNS();
	read_state(c);
	assert_false(c->f->have.table);
	assert_false(c->f->have.flowtable);
	assert_false(c->f->have.chain);
}

static void test_failed_batch_is_atomic(void **state)
{
	struct ctx *c = *state;
	char err[512] = "";
	int ret;

	NEED_NETNS();
	read_state(c);
	assert_int_equal(nft_compute_changes(&c->f->want, &c->f->have, &c->f->changes), 0);
	ret = nft_apply(c->nft, &c->f->changes, err, sizeof(err));
	if (ret == 0) {
		/* A kernel with flowtables: then it must all be there. */
		print_message("flowtables supported here\n");
		read_state(c);
		nft_changes_free(&c->f->changes);
		assert_int_equal(nft_compute_changes(&c->f->want, &c->f->have, &c->f->changes), 0);
		assert_int_equal(c->f->changes.n, 0);
		return;
	}
	print_message("expected failure: %s\n", err);
	assert_true(ret == -ENOENT || ret == -EOPNOTSUPP);
	assert_true(strncmp(err, "NEWFLOWTABLE ft: ", 17) == 0);
	/* The NEWTABLE before it was undone with it. */
	read_state(c);
	assert_false(c->f->have.table);
}

static void test_round_trip_without_flowtable(void **state)
{
	struct ctx *c = *state;
	char err[512] = "";

	NEED_NETNS();
	c->f->conf.flow_l4 = 0;			/* no `flow add`: no flowtable needed */
	assert_int_equal(fixture_build(c->f), 0);
	assert_int_equal(c->f->want.n_rules, 4);
	assert_int_equal(apply_without_flowtable(c, true, false, err, sizeof(err)), 0);

	read_state(c);
	assert_true(c->f->have.table);
	assert_false(c->f->have.flowtable);
	assert_true(c->f->have.chain);
	assert_true(c->f->have.chain_base);
	assert_int_equal(c->f->have.chain_hooknum, NF_INET_FORWARD);
	assert_int_equal(c->f->have.chain_prio, 10);
	assert_int_equal(c->f->have.chain_policy, NF_ACCEPT);
	assert_string_equal(c->f->have.chain_type, "filter");
	assert_int_equal(c->f->have.n_rules, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(c->f->have.rules[i].tag, c->f->want.rules[i].tag);
		assert_true(c->f->have.rules[i].handle > 0);
	}
	/* Only the flowtable is missing. */
	assert_int_equal(nft_compute_changes(&c->f->want, &c->f->have, &c->f->changes), 0);
	assert_int_equal(c->f->changes.n, 1);
	assert_int_equal(c->f->changes.v[0].op, NFT_OP_FT_ADD);

	/* nft itself reads our rules and shows the tag as a comment. */
	if (run("nft --version >/dev/null 2>&1") == 0) {
		assert_int_equal(run("nft list chain inet flowd forward | "
				     "grep -q 'ip saddr 10.9.0.0/16 return comment "
				     "\"flowd:v1:exclude saddr 10.9.0.0/16\"'"), 0);
		assert_int_equal(run("nft list chain inet flowd forward | "
				     "grep -q 'ip6 daddr fd00::/8 return'"), 0);
		/* A rule added behind our back is seen, and flushed away. */
		assert_int_equal(run("nft add rule inet flowd forward counter"), 0);
		read_state(c);
		assert_int_equal(c->f->have.n_rules, 5);
		assert_string_equal(c->f->have.rules[4].tag, "");
		assert_int_equal(apply_without_flowtable(c, false, true, err, sizeof(err)), 0);
		read_state(c);
		assert_int_equal(c->f->have.n_rules, 4);
	}
}

static void test_kernel_error_names_message(void **state)
{
	struct ctx *c = *state;
	struct nft_change v = { .op = NFT_OP_CHAIN_ADD };
	struct nft_changes ch = { .want = &c->f->want, .v = &v, .n = 1 };
	char err[512] = "";

	NEED_NETNS();
	assert_int_equal(nft_apply(c->nft, &ch, err, sizeof(err)), -ENOENT);
	print_message("kernel said: %s\n", err);
	assert_true(strncmp(err, "NEWCHAIN forward: No such file or directory", 43) == 0);
	/* Kernels with extended ACKs point at the table attribute. */
	assert_true(strstr(err, "(table flowd)") || strlen(err) == 43);
}

static void on_change(void *arg, const char *why)
{
	((struct ctx *)arg)->calls++;
}

static void test_watch(void **state)
{
	struct ctx *c = *state;
	struct nft_watch *w;
	char err[512];

	NEED_NETNS();
	c->f->conf.flow_l4 = 0;
	assert_int_equal(fixture_build(c->f), 0);
	assert_int_equal(nft_watch_open(&c->f->conf, on_change, c, &w), 0);
	assert_true(nft_watch_fd(w) >= 0);
	nft_watch_ignore_pid(w, getpid());

	/* Our own batch: not reported. */
	assert_int_equal(apply_without_flowtable(c, true, false, err, sizeof(err)), 0);
	assert_int_equal(nft_watch_dispatch(w), 0);
	assert_int_equal(c->calls, 0);
	if (run("nft --version >/dev/null 2>&1") != 0) {
		nft_watch_close(w);
		return;
	}
	/* Another table: not reported.  A chain added to ours: reported once. */
	assert_int_equal(run("nft add table inet other"), 0);
	assert_int_equal(nft_watch_dispatch(w), 0);
	assert_int_equal(c->calls, 0);
	assert_int_equal(run("nft add chain inet flowd extra; nft add rule inet flowd extra counter"),
			 0);
	assert_int_equal(nft_watch_dispatch(w), 0);
	assert_int_equal(c->calls, 1);
	nft_watch_close(w);

	/* The foreign chain makes the diff start over. */
	read_state(c);
	assert_int_equal(c->f->have.n_foreign_chains, 1);
	assert_int_equal(nft_compute_changes(&c->f->want, &c->f->have, &c->f->changes), 0);
	assert_int_equal(c->f->changes.v[0].op, NFT_OP_TABLE_DEL);
	assert_int_equal(run("nft delete table inet other"), 0);
}

static void test_delete_table(void **state)
{
	struct ctx *c = *state;
	char err[512];

	NEED_NETNS();
	c->f->conf.flow_l4 = 0;
	assert_int_equal(fixture_build(c->f), 0);
	assert_int_equal(apply_without_flowtable(c, true, false, err, sizeof(err)), 0);
	assert_int_equal(nft_delete_table(c->nft, &c->f->conf, err, sizeof(err)), 0);
	read_state(c);
	assert_false(c->f->have.table);
	/* Missing is fine. */
	assert_int_equal(nft_delete_table(c->nft, &c->f->conf, err, sizeof(err)), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_namespace),
		T(test_failed_batch_is_atomic),
		T(test_round_trip_without_flowtable),
		T(test_kernel_error_names_message),
		T(test_watch),
		T(test_delete_table),
	};

	return cmocka_run_group_tests_name("nft_kernel", tests, group_setup, NULL);
}
