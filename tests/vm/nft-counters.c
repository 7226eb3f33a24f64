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
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <endian.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#define MAX_NAMES 64

static const struct {
	const char *name;
	uint8_t family;
} families[] = {
	{ "inet", NFPROTO_INET }, { "ip", NFPROTO_IPV4 }, { "ip6", NFPROTO_IPV6 },
	{ "arp", NFPROTO_ARP }, { "bridge", NFPROTO_BRIDGE }, { "netdev", NFPROTO_NETDEV },
};

struct wanted {
	const char *names[MAX_NAMES];
	uint64_t packets[MAX_NAMES];
	int found[MAX_NAMES];
	int n;
	const char *table;
};

static int family_of(const char *name)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(name, families[i].name) == 0)
			return families[i].family;
	return -1;
}

/* Append attribute TYPE with LEN bytes of DATA at *off of buf (size CAP). */
static int put_attr(char *buf, size_t cap, size_t *off, uint16_t type, const void *data,
		    size_t len)
{
	struct nlattr *nla = (struct nlattr *)(buf + *off);
	size_t total = NLA_HDRLEN + len;

	if (*off + NLA_ALIGN(total) > cap)
		return -1;
	nla->nla_type = type;
	nla->nla_len = (uint16_t)total;
	memcpy(buf + *off + NLA_HDRLEN, data, len);
	memset(buf + *off + total, 0, NLA_ALIGN(total) - total);
	*off += NLA_ALIGN(total);
	return 0;
}

/*
 * Index the attributes in LEN bytes at P by type into tb[0..MAX] (the
 * last of a type wins, types above MAX are skipped): 0, or -1 when one
 * does not fit.  What src/nlattr_util.c does with libmnl, which has no
 * static library on Debian to link this tool with.
 */
static int attr_table(const char *p, size_t len, const struct nlattr **tb, uint16_t max)
{
	memset(tb, 0, (max + 1u) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -1;
		if (type <= max)
			tb[type] = a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			break;
		len -= (size_t)NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

static size_t attr_len(const struct nlattr *a)
{
	return (size_t)a->nla_len - NLA_HDRLEN;
}

static const char *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

/* A string attribute's text: NULL unless it ends in its NUL. */
static const char *attr_str(const struct nlattr *a)
{
	if (a == NULL || attr_len(a) == 0 || attr_data(a)[attr_len(a) - 1] != '\0')
		return NULL;
	return attr_data(a);
}

/* The packets of a counter's NFTA_OBJ_DATA; 0 when absent (-1 malformed). */
static int counter_packets(const struct nlattr *data, uint64_t *packets)
{
	const struct nlattr *tb[NFTA_COUNTER_MAX + 1];
	uint64_t v;

	*packets = 0;
	if (attr_table(attr_data(data), attr_len(data), tb, NFTA_COUNTER_MAX) < 0)
		return -1;
	if (tb[NFTA_COUNTER_PACKETS] == NULL)
		return 0;
	if (attr_len(tb[NFTA_COUNTER_PACKETS]) < sizeof(v))
		return -1;
	memcpy(&v, attr_data(tb[NFTA_COUNTER_PACKETS]), sizeof(v));
	*packets = be64toh(v);
	return 0;
}

/* One NFT_MSG_NEWOBJ of the dump: record it when it is a wanted counter. */
static int take_object(const struct nlmsghdr *nlh, struct wanted *w)
{
	size_t hdr = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct nfgenmsg)));
	const struct nlattr *tb[NFTA_OBJ_MAX + 1];
	const char *name, *table;
	uint64_t packets = 0;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
		return -1;
	if (attr_table((const char *)nlh + hdr, nlh->nlmsg_len > hdr ? nlh->nlmsg_len - hdr : 0,
		       tb, NFTA_OBJ_MAX) < 0)
		return -1;
	name = attr_str(tb[NFTA_OBJ_NAME]);
	table = attr_str(tb[NFTA_OBJ_TABLE]);
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
 * Read the answer to request SEQ to its end (the dump's NLMSG_DONE, or the
 * acknowledgement): 0, or -1 with errno set.  W takes the counters.
 */
static int read_answer(int fd, uint32_t seq, struct wanted *w)
{
	static char buf[1 << 16];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((size_t)n > sizeof(buf)) {
			errno = EMSGSIZE;
			return -1;
		}
		left = (size_t)n;
		for (; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
					errno = EBADMSG;
					return -1;
				}
				if (e->error == 0)
					return 0;
				errno = -e->error;
				return -1;
			}
			if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWOBJ) &&
			    take_object(nlh, w) < 0) {
				errno = EBADMSG;
				return -1;
			}
		}
	}
}

/*
 * Send one nf_tables request of TYPE with FLAGS for W's family and table:
 * the table by name (GETTABLE), or its counters (GETOBJ dump, filtered
 * by the kernel on table and type, checked again in take_object()).
 */
static int ask(int fd, uint16_t type, uint16_t flags, uint32_t seq, const struct wanted *w,
	       uint8_t family)
{
	char req[512] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nfgenmsg *nfg = (struct nfgenmsg *)NLMSG_DATA(nlh);
	uint32_t counter = htobe32(NFT_OBJECT_COUNTER);
	size_t off = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(*nfg)));
	int bad;

	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	nlh->nlmsg_seq = seq;
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	if (type == NFT_MSG_GETTABLE)
		bad = put_attr(req, sizeof(req), &off, NFTA_TABLE_NAME, w->table,
			       strlen(w->table) + 1);
	else
		bad = put_attr(req, sizeof(req), &off, NFTA_OBJ_TABLE, w->table,
			       strlen(w->table) + 1) ||
		      put_attr(req, sizeof(req), &off, NFTA_OBJ_TYPE, &counter, sizeof(counter));
	if (bad) {
		errno = ENAMETOOLONG;
		return -1;
	}
	nlh->nlmsg_len = (uint32_t)off;
	if (sendto(fd, req, off, 0, (struct sockaddr *)&kernel, sizeof(kernel)) != (ssize_t)off)
		return -1;
	return 0;
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
	family = family_of(argv[1]);
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
	    read_answer(fd, seq, &w) < 0 ||
	    ask(fd, NFT_MSG_GETOBJ, NLM_F_DUMP, seq + 1, &w, (uint8_t)family) < 0 ||
	    read_answer(fd, seq + 1, &w) < 0) {
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
