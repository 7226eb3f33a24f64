/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw netlink helpers for the guest's static test tools (nft-counters.c,
 * nft-flowtable-flags.c): building an nf_tables request, indexing the
 * attributes of an answer, reading an answer to its end.  What
 * src/nlattr_util.c does for flowd with libmnl, which Debian ships without
 * a static library to link these tools with.  Header-only: each tool is
 * one compiler run in tests/vm/run-vm.sh.
 */
#ifndef FLOWD_VM_NL_TOOL_H
#define FLOWD_VM_NL_TOOL_H

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

static const struct {
	const char *name;
	uint8_t family;
} nl_tool_families[] = {
	{ "inet", NFPROTO_INET }, { "ip", NFPROTO_IPV4 }, { "ip6", NFPROTO_IPV6 },
	{ "arp", NFPROTO_ARP }, { "bridge", NFPROTO_BRIDGE }, { "netdev", NFPROTO_NETDEV },
};

/* The nf_tables family called NAME in nft's words, or -1. */
static inline int nl_tool_family(const char *name)
{
	for (size_t i = 0; i < sizeof(nl_tool_families) / sizeof(nl_tool_families[0]); i++)
		if (strcmp(name, nl_tool_families[i].name) == 0)
			return nl_tool_families[i].family;
	return -1;
}

/*
 * Start an nfnetlink message of SUBSYS/TYPE at *off of buf (size CAP,
 * 4-byte aligned): header and struct nfgenmsg.  Returns the header, NULL
 * when it does not fit; nl_msg_end() sets its length.
 */
static inline struct nlmsghdr *nl_msg_begin(char *buf, size_t cap, size_t *off, uint16_t subsys,
					    uint16_t type, uint16_t flags, uint32_t seq,
					    uint8_t family, uint16_t res_id)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + *off);
	size_t len = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct nfgenmsg)));
	struct nfgenmsg *nfg;

	if (*off + len > cap)
		return NULL;
	memset(nlh, 0, len);
	nlh->nlmsg_type = (uint16_t)((subsys << 8) | type);
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = seq;
	nfg = (struct nfgenmsg *)NLMSG_DATA(nlh);
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htobe16(res_id);
	*off += len;
	return nlh;
}

static inline void nl_msg_end(const char *buf, size_t off, struct nlmsghdr *nlh)
{
	nlh->nlmsg_len = (uint32_t)(buf + off - (const char *)nlh);
}

/* Append attribute TYPE with LEN bytes of DATA at *off of buf (size CAP). */
static inline int nl_put_attr(char *buf, size_t cap, size_t *off, uint16_t type,
			      const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)(buf + *off);
	size_t total = NLA_HDRLEN + len;

	if (*off + NLA_ALIGN(total) > cap || total > UINT16_MAX)
		return -1;
	nla->nla_type = type;
	nla->nla_len = (uint16_t)total;
	if (len > 0)
		memcpy(buf + *off + NLA_HDRLEN, data, len);
	memset(buf + *off + total, 0, NLA_ALIGN(total) - total);
	*off += NLA_ALIGN(total);
	return 0;
}

static inline int nl_put_str(char *buf, size_t cap, size_t *off, uint16_t type, const char *s)
{
	return nl_put_attr(buf, cap, off, type, s, strlen(s) + 1);
}

/*
 * Index the attributes in LEN bytes at P by type into tb[0..MAX] (the
 * last of a type wins, types above MAX are skipped): 0, or -1 when one
 * does not fit.
 */
static inline int nl_attr_table(const char *p, size_t len, const struct nlattr **tb,
				uint16_t max)
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

static inline size_t nl_attr_len(const struct nlattr *a)
{
	return (size_t)a->nla_len - NLA_HDRLEN;
}

static inline const char *nl_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

/* A string attribute's text: NULL unless it ends in its NUL. */
static inline const char *nl_attr_str(const struct nlattr *a)
{
	if (a == NULL || nl_attr_len(a) == 0 || nl_attr_data(a)[nl_attr_len(a) - 1] != '\0')
		return NULL;
	return nl_attr_data(a);
}

/* Index the attributes after the struct nfgenmsg of an nfnetlink message. */
static inline int nl_nfmsg_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb,
				 uint16_t max)
{
	size_t hdr = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct nfgenmsg)));

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
		return -1;
	return nl_attr_table((const char *)nlh + hdr,
			     nlh->nlmsg_len > hdr ? nlh->nlmsg_len - hdr : 0, tb, max);
}

/* Send LEN bytes of requests at BUF to the kernel: 0, or -1 with errno. */
static inline int nl_send(int fd, const char *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));

	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/*
 * Read the answer to request SEQ to its end (a dump's NLMSG_DONE, or the
 * acknowledgement): 0, or -1 with errno set (the kernel's error, or
 * EBADMSG).  TAKE sees every other message of SEQ; it returns -1 for one
 * it finds malformed.
 */
static inline int nl_read_answer(int fd, uint32_t seq,
				 int (*take)(const struct nlmsghdr *nlh, void *arg), void *arg)
{
	static char buf[1 << 16] __attribute__((aligned(4)));

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
			if (take != NULL && take(nlh, arg) < 0) {
				errno = EBADMSG;
				return -1;
			}
		}
	}
}

#endif
