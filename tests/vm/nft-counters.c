// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft-counters FAMILY TABLE NAME...: the packets of named counter objects
 * of an nftables table, on one line in the order asked, an empty field
 * for a counter the table does not have: what lib.sh's nft_counters
 * prints, for the network namespace it runs in.
 *
 * Why not `nft list counters`: under TCG nft costs the guest 0.2-0.4 s a
 * run, and 1-3 s under KASAN (it loads its libraries and reads the
 * ruleset into its cache).  The tunnel tests read counters hundreds of
 * times, in every stream window and after every probe.  This asks the
 * kernel for the table's counters in one netlink dump.  Linked statically
 * by tests/vm/run-vm.sh, like netns-exec.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netfilter/nf_tables.h>

#include "nl-tool.h"

#define MAX_NAMES 64

struct wanted {
	const char *names[MAX_NAMES];
	uint64_t packets[MAX_NAMES];
	int found[MAX_NAMES];
	int n;
	const char *table;
};

/* The packets of a counter's NFTA_OBJ_DATA; 0 when absent (-1 malformed). */
static int counter_packets(const struct nlattr *data, uint64_t *packets)
{
	const struct nlattr *tb[NFTA_COUNTER_MAX + 1];
	uint64_t v;

	*packets = 0;
	if (nl_attr_table(nl_attr_data(data), nl_attr_len(data), tb, NFTA_COUNTER_MAX) < 0)
		return -1;
	if (tb[NFTA_COUNTER_PACKETS] == NULL)
		return 0;
	if (nl_attr_len(tb[NFTA_COUNTER_PACKETS]) < sizeof(v))
		return -1;
	memcpy(&v, nl_attr_data(tb[NFTA_COUNTER_PACKETS]), sizeof(v));
	*packets = be64toh(v);
	return 0;
}

/* One message of the GETOBJ dump: record it when it is a wanted counter. */
static int take_object(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[NFTA_OBJ_MAX + 1];
	struct wanted *w = arg;
	const char *name, *table;
	uint64_t packets = 0;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWOBJ))
		return 0;
	if (nl_nfmsg_attrs(nlh, tb, NFTA_OBJ_MAX) < 0)
		return -1;
	name = nl_attr_str(tb[NFTA_OBJ_NAME]);
	table = nl_attr_str(tb[NFTA_OBJ_TABLE]);
	/* A name or table that is there but not a string is malformed. */
	if ((tb[NFTA_OBJ_NAME] != NULL && name == NULL) ||
	    (tb[NFTA_OBJ_TABLE] != NULL && table == NULL))
		return -1;
	if (name == NULL || table == NULL || strcmp(table, w->table) != 0)
		return 0;
	if (tb[NFTA_OBJ_DATA] != NULL && counter_packets(tb[NFTA_OBJ_DATA], &packets) < 0)
		return -1;
	for (int i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0) {
			w->packets[i] = packets;
			w->found[i] = 1;
		}
	return 0;
}

/*
 * Send one nf_tables request of TYPE with FLAGS for W's family and table:
 * the table by name (GETTABLE), or its counters (GETOBJ dump, filtered
 * by the kernel on table and type, checked again in take_object()).
 */
static int ask(int fd, uint16_t type, uint16_t flags, uint32_t seq, const struct wanted *w,
	       uint8_t family)
{
	char req[512] __attribute__((aligned(4)));
	uint32_t counter = htobe32(NFT_OBJECT_COUNTER);
	struct nlmsghdr *nlh;
	size_t off = 0;
	int bad;

	nlh = nl_msg_begin(req, sizeof(req), &off, NFNL_SUBSYS_NFTABLES, type,
			   (uint16_t)(NLM_F_ACK | flags), seq, family, 0);
	if (type == NFT_MSG_GETTABLE)
		bad = nl_put_str(req, sizeof(req), &off, NFTA_TABLE_NAME, w->table);
	else
		bad = nl_put_str(req, sizeof(req), &off, NFTA_OBJ_TABLE, w->table) ||
		      nl_put_attr(req, sizeof(req), &off, NFTA_OBJ_TYPE, &counter,
				  sizeof(counter));
	if (nlh == NULL || bad) {
		errno = ENAMETOOLONG;
		return -1;
	}
	nl_msg_end(req, off, nlh);
	return nl_send(fd, req, off);
}

int main(int argc, char **argv)
{
	struct wanted w = { .n = 0 };
	uint32_t seq = (uint32_t)getpid() << 1;
	int family, fd;

	if (argc < 4 || argc - 3 > MAX_NAMES) {
		fprintf(stderr, "usage: nft-counters FAMILY TABLE NAME... (at most %d names)\n",
			MAX_NAMES);
		return 2;
	}
	family = nl_tool_family(argv[1]);
	if (family < 0) {
		fprintf(stderr, "nft-counters: unknown family %s\n", argv[1]);
		return 2;
	}
	w.table = argv[2];
	for (int i = 3; i < argc; i++)
		w.names[w.n++] = argv[i];

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) {
		perror("nft-counters: socket");
		return 1;
	}
	/*
	 * The table first: as with nft, a table that is not there is an
	 * error (a dump would just be empty).
	 */
	if (ask(fd, NFT_MSG_GETTABLE, 0, seq, &w, (uint8_t)family) < 0 ||
	    nl_read_answer(fd, seq, NULL, NULL) < 0 ||
	    ask(fd, NFT_MSG_GETOBJ, NLM_F_DUMP, seq + 1, &w, (uint8_t)family) < 0 ||
	    nl_read_answer(fd, seq + 1, take_object, &w) < 0) {
		fprintf(stderr, "nft-counters: %s %s: %s\n", argv[1], w.table, strerror(errno));
		return 1;
	}
	close(fd);
	for (int i = 0; i < w.n; i++) {
		if (i > 0)
			putchar(' ');
		if (w.found[i])
			printf("%llu", (unsigned long long)w.packets[i]);
	}
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : 1;
}
