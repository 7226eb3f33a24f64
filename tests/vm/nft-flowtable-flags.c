// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Read or change the flags of an existing nftables flowtable through
 * nftables netlink, for the kernel tunnel flowtable tests: Debian's nft has
 * no name for the tunnel offload flag (NFT_FLOWTABLE_TUNNEL, 0x4) that the
 * kernel series (kernel/patches/) adds.
 *
 *   nft-flowtable-flags get   inet filter ft          prints the flags, e.g. 0x5
 *   nft-flowtable-flags set   inet filter ft tunnel
 *   nft-flowtable-flags clear inet filter ft tunnel
 *
 * set/clear read the flowtable's flags and send a flowtable update (one
 * NFT_MSG_NEWFLOWTABLE in a batch) with the flag added or removed, the
 * other flags as they are, then read them again.  A kernel that does not
 * know the flag refuses the update: the tool then prints the kernel's
 * error and exits 3 (1 for any other failure, 2 for bad usage), so a test
 * can tell "refused" from "broken".
 *
 * A static C tool, not a script: every tunnel test sets the flag for each
 * topology it builds, and a python start costs the guest 0.4-1.5 s under
 * TCG (more under KASAN).  Built by tests/vm/run-vm.sh, like nft-counters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netfilter/nf_tables.h>

#include "nl-tool.h"

/* The flag the kernel series adds; Debian's headers predate it. */
#define FLOWTABLE_FLAG_TUNNEL 0x4u

static const struct {
	const char *name;
	uint32_t bit;
} flag_names[] = {
	{ "offload", 0x1u },
	{ "counter", 0x2u },
	{ "tunnel", FLOWTABLE_FLAG_TUNNEL },
};

struct flowtable_ref {
	uint8_t family;
	const char *table;
	const char *name;
};

struct flags_answer {
	int seen;
	uint32_t flags;
};

static int flag_bit(const char *name, uint32_t *bit)
{
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (strcmp(name, flag_names[i].name) == 0) {
			*bit = flag_names[i].bit;
			return 0;
		}
	return -1;
}

/* The NEWFLOWTABLE answer to GETFLOWTABLE: its flags (0 when absent). */
static int take_flowtable(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[NFTA_FLOWTABLE_MAX + 1];
	struct flags_answer *answer = arg;
	uint32_t v = 0;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWFLOWTABLE))
		return 0;
	if (nl_nfmsg_attrs(nlh, tb, NFTA_FLOWTABLE_MAX) < 0)
		return -1;
	if (tb[NFTA_FLOWTABLE_FLAGS] != NULL) {
		if (nl_attr_len(tb[NFTA_FLOWTABLE_FLAGS]) != sizeof(v))
			return -1;
		memcpy(&v, nl_attr_data(tb[NFTA_FLOWTABLE_FLAGS]), sizeof(v));
	}
	answer->flags = be32toh(v);
	answer->seen = 1;
	return 0;
}

/* The flowtable's flags: 0, or -1 with errno set. */
static int get_flags(int fd, uint32_t seq, const struct flowtable_ref *ft, uint32_t *flags)
{
	char req[512] __attribute__((aligned(4)));
	struct flags_answer answer = { 0 };
	struct nlmsghdr *nlh;
	size_t off = 0;

	nlh = nl_msg_begin(req, sizeof(req), &off, NFNL_SUBSYS_NFTABLES, NFT_MSG_GETFLOWTABLE,
			   NLM_F_ACK, seq, ft->family, 0);
	if (nlh == NULL || nl_put_str(req, sizeof(req), &off, NFTA_FLOWTABLE_TABLE, ft->table) ||
	    nl_put_str(req, sizeof(req), &off, NFTA_FLOWTABLE_NAME, ft->name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	nl_msg_end(req, off, nlh);
	if (nl_send(fd, req, off) < 0 || nl_read_answer(fd, seq, take_flowtable, &answer) < 0)
		return -1;
	if (!answer.seen) {
		errno = ENOENT;
		return -1;
	}
	*flags = answer.flags;
	return 0;
}

/*
 * One flowtable update with FLAGS in a batch: 0 when the kernel took it,
 * 1 when it refused it, -1 when the request or its answer failed (errno
 * set either way).
 */
static int update_flags(int fd, uint32_t seq, const struct flowtable_ref *ft, uint32_t flags)
{
	char req[1024] __attribute__((aligned(4)));
	uint32_t be_flags = htobe32(flags);
	struct nlmsghdr *begin, *update, *end;
	size_t off = 0;

	/* Batch messages: subsystem 0, the batch's subsystem in res_id. */
	begin = nl_msg_begin(req, sizeof(req), &off, 0, NFNL_MSG_BATCH_BEGIN, 0, seq,
			     AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	if (begin == NULL)
		goto too_long;
	nl_msg_end(req, off, begin);
	update = nl_msg_begin(req, sizeof(req), &off, NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWFLOWTABLE,
			      NLM_F_ACK | NLM_F_CREATE, seq + 1, ft->family, 0);
	/* An update needs the hook attribute; empty: same hook, no devices. */
	if (update == NULL ||
	    nl_put_str(req, sizeof(req), &off, NFTA_FLOWTABLE_TABLE, ft->table) ||
	    nl_put_str(req, sizeof(req), &off, NFTA_FLOWTABLE_NAME, ft->name) ||
	    nl_put_attr(req, sizeof(req), &off, NFTA_FLOWTABLE_HOOK | NLA_F_NESTED, NULL, 0) ||
	    nl_put_attr(req, sizeof(req), &off, NFTA_FLOWTABLE_FLAGS, &be_flags,
			sizeof(be_flags)))
		goto too_long;
	nl_msg_end(req, off, update);
	end = nl_msg_begin(req, sizeof(req), &off, 0, NFNL_MSG_BATCH_END, 0, seq + 2, AF_UNSPEC,
			   NFNL_SUBSYS_NFTABLES);
	if (end == NULL)
		goto too_long;
	nl_msg_end(req, off, end);
	/* The batch answers with one acknowledgement, of the update. */
	if (nl_send(fd, req, off) < 0)
		return -1;
	if (nl_read_answer(fd, seq + 1, NULL, NULL) == 0)
		return 0;
	return errno == EBADMSG || errno == EMSGSIZE ? -1 : 1;

too_long:
	errno = ENAMETOOLONG;
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: nft-flowtable-flags get FAMILY TABLE FLOWTABLE\n"
			"       nft-flowtable-flags set|clear FAMILY TABLE FLOWTABLE "
			"offload|counter|tunnel\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint32_t seq = (uint32_t)getpid() << 3, flags, wanted, got, bit = 0;
	struct flowtable_ref ft;
	int family, get, fd, rc;

	if (argc < 5)
		return usage();
	get = strcmp(argv[1], "get") == 0;
	if (!get && strcmp(argv[1], "set") != 0 && strcmp(argv[1], "clear") != 0)
		return usage();
	if (argc != (get ? 5 : 6))
		return usage();
	family = nl_tool_family(argv[2]);
	if (family < 0) {
		fprintf(stderr, "nft-flowtable-flags: unknown family %s\n", argv[2]);
		return 2;
	}
	if (!get && flag_bit(argv[5], &bit) < 0) {
		fprintf(stderr, "nft-flowtable-flags: unknown flag %s\n", argv[5]);
		return 2;
	}
	ft = (struct flowtable_ref){ .family = (uint8_t)family, .table = argv[3],
				     .name = argv[4] };

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) {
		perror("nft-flowtable-flags: socket");
		return 1;
	}
	if (get_flags(fd, seq, &ft, &flags) < 0) {
		fprintf(stderr, "nft-flowtable-flags: %s %s %s: %s\n", argv[2], ft.table, ft.name,
			strerror(errno));
		return 1;
	}
	if (get) {
		printf("0x%x\n", flags);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	wanted = strcmp(argv[1], "set") == 0 ? flags | bit : flags & ~bit;
	rc = update_flags(fd, seq + 1, &ft, wanted);
	if (rc != 0) {
		fprintf(stderr, "nft-flowtable-flags: %s %s: flags 0x%x -> 0x%x %s: %s\n",
			argv[1], argv[5], flags, wanted, rc > 0 ? "refused" : "failed",
			strerror(errno));
		return rc > 0 ? 3 : 1;
	}
	if (get_flags(fd, seq + 4, &ft, &got) < 0) {
		fprintf(stderr, "nft-flowtable-flags: reading the flags again: %s\n",
			strerror(errno));
		return 1;
	}
	if (got != wanted) {
		fprintf(stderr, "nft-flowtable-flags: flags are 0x%x, not 0x%x\n", got, wanted);
		return 1;
	}
	return 0;
}
