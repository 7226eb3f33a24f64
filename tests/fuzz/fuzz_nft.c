// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nftables: the read-back parsers (nft_parse_table/flowtable/chain/rule,
 * as nft_read.c's callback dispatches them), the event watch
 * (nft_watch_feed) and the batch ACK parser (nft_acks_parse) over one
 * receive buffer.  The state read back is then diffed against the wanted
 * table and turned into a batch: nothing the kernel says may break those.
 */
#include <netinet/in.h>	/* before <linux/netfilter.h>: glibc and uapi clash otherwise */
#include <stdio.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "fuzz_util.h"
#include "nft.h"
#include "nft_int.h"

#define BATCH_SEQ 100

static struct prefix exclude[] = {
	{ .family = AF_INET, .addr = { 10, 9 }, .len = 16 },
	{ .family = AF_INET6, .addr = { 0xfd }, .len = 8 },
};
static struct plan_device devices[] = {
	{ .name = "eth0" }, { .name = "eth1" }, { .name = "tun0" },
};
static struct conf conf = {
	.table_family = "inet",
	.table_name = "flowd",
	.flowtable_name = "ft",
	.flow_l4 = FLOW_L4_TCP | FLOW_L4_UDP,
	.flow_families = FLOW_FAMILY_IPV4 | FLOW_FAMILY_IPV6,
	.exclude = exclude,
	.n_exclude = 2,
	.chain_priority = 10,
};
static const struct plan plan = { devices, 3, NULL, 0 };
static const struct nft_target target = {
	.family = NFPROTO_INET, .table = "flowd", .flowtable = "ft", .chain = NFT_CHAIN_NAME,
};

static struct nft_desired want;
static struct nft_batch batch;		/* every object created: the biggest batch */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nft_changes changes;
	struct nft_state empty;
	char err[256];

	nft_state_init(&empty);
	if (nft_desired_build(&conf, &plan, &want, err, sizeof(err)) < 0 ||
	    nft_compute_changes(&want, &empty, &changes) < 0 ||
	    nft_batch_build(&changes, BATCH_SEQ, &batch) < 0) {
		fprintf(stderr, "fuzz_nft: setup failed: %s\n", err);
		abort();
	}
	nft_changes_free(&changes);
	return 0;
}

static void on_change(void *arg, const char *why)
{
	(*(int *)arg)++;
}

/* nft_read.c's nft_read_cb, for every object type at once. */
static int read_back(const struct nlmsghdr *nlh, struct nft_state *st)
{
	if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
		return 0;
	switch (nlh->nlmsg_type & 0xff) {
	case NFT_MSG_NEWTABLE:
		return nft_parse_table(nlh, &target, st);
	case NFT_MSG_NEWFLOWTABLE:
		return nft_parse_flowtable(nlh, &target, st);
	case NFT_MSG_NEWCHAIN:
		return nft_parse_chain(nlh, &target, st);
	case NFT_MSG_NEWRULE:
		return nft_parse_rule(nlh, &target, st);
	}
	return 0;
}

static void diff_and_build(const struct nft_state *have)
{
	struct nft_changes changes;
	struct nft_batch b;

	if (nft_compute_changes(&want, have, &changes) == 0) {
		if (nft_batch_build(&changes, 1, &b) == 0)
			nft_batch_free(&b);
		nft_changes_free(&changes);
	}
	if (nft_compute_rebuild(&want, have, &changes) == 0) {
		if (nft_batch_build(&changes, 1, &b) == 0)
			nft_batch_free(&b);
		nft_changes_free(&changes);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nft_watch *w;
	struct nft_state st;
	struct nft_acks acks;
	char err[600];
	int calls = 0;
	char *buf;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	buf = fuzz_copy(data, size);
	if (!buf)
		abort();

	/* Read-back: nft_sock.c walks the buffer, nft_read_cb dispatches. */
	nft_state_init(&st);
	{
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int rem = (int)size;

		for (; nft_nlmsg_ok(m, rem); m = mnl_nlmsg_next(m, &rem))
			if (read_back(m, &st) < 0)
				break;
	}
	diff_and_build(&st);
	nft_state_free(&st);

	/* Events: with and without a pid to ignore. */
	if (nft_watch_new(&conf, on_change, &calls, &w) < 0)
		abort();
	nft_watch_feed(w, buf, size);
	nft_watch_ignore_pid(w, 4242);
	nft_watch_feed(w, buf, size);
	nft_watch_close(w);

	/* ACKs to the batch. */
	nft_acks_init(&acks);
	if (nft_acks_parse(&batch, buf, size, &acks) == 0)
		(void)nft_acks_result(&batch, &acks, err, sizeof(err));

	/* The whole input as one message of each kind. */
	{
		struct nlmsghdr *one = fuzz_single_msg(data, size);

		if (one) {
			uint32_t pid;

			nft_state_init(&st);
			(void)nft_parse_table(one, &target, &st);
			(void)nft_parse_flowtable(one, &target, &st);
			(void)nft_parse_chain(one, &target, &st);
			(void)nft_parse_rule(one, &target, &st);
			diff_and_build(&st);
			nft_state_free(&st);
			(void)nft_event_classify(one, NFPROTO_INET, "flowd", &pid);
			free(one);
		}
	}
	free(buf);
	return 0;
}
