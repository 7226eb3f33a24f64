// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf + plan -> the table flowd wants.  Pure: no kernel, no allocation
 * beyond the result.
 *
 * The forward chain holds, in this order:
 *	for each excluded prefix P:	ip saddr P return; ip daddr P return
 *	for each family, l4 proto:	meta l4proto tcp flow add @ft
 * On an inet table every rule starts with `meta nfproto ipv4|ipv6`, so a
 * payload match never reads an IPv6 header as IPv4.  An ip (ip6) table only
 * sees IPv4 (IPv6): rules of the other family are left out.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nft.h"
#include "nft_int.h"

static const struct {
	const char *name;
	int family;
} nft_families[] = {
	{ "inet", NFPROTO_INET },
	{ "ip", NFPROTO_IPV4 },
	{ "ip6", NFPROTO_IPV6 },
};

int nft_family_from_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof(nft_families) / sizeof(nft_families[0]); i++)
		if (strcmp(name, nft_families[i].name) == 0)
			return nft_families[i].family;
	return -1;
}

const char *nft_family_name(int family)
{
	for (size_t i = 0; i < sizeof(nft_families) / sizeof(nft_families[0]); i++)
		if (nft_families[i].family == family)
			return nft_families[i].name;
	return "unknown";
}

static void nft_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void nft_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Does a table of this family see packets of address family af? */
static bool nft_family_sees(uint8_t family, int af)
{
	if (family == NFPROTO_INET)
		return true;
	return (family == NFPROTO_IPV4 && af == AF_INET) ||
	       (family == NFPROTO_IPV6 && af == AF_INET6);
}

static int nft_copy_name(char *dst, const char *src, const char *what, char *err, size_t errlen)
{
	if (!src || !*src) {
		nft_errf(err, errlen, "nft: empty %s name", what);
		return -EINVAL;
	}
	if (!nft_strlcpy(dst, src, NFT_NAME_MAX)) {
		nft_errf(err, errlen, "nft: %s name too long (max %d)", what, NFT_NAME_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

static int nft_dev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nft_dev *)a)->name, ((const struct nft_dev *)b)->name);
}

static int nft_desired_devices(const struct plan *plan, struct nft_desired *out,
			       char *err, size_t errlen)
{
	size_t i, n = 0;

	if (!plan || plan->n_devices == 0)
		return 0;
	out->devices = calloc(plan->n_devices, sizeof(*out->devices));
	if (!out->devices)
		return -ENOMEM;
	for (i = 0; i < plan->n_devices; i++) {
		const char *name = plan->devices[i].name;

		if (memchr(name, '\0', IFNAMSIZ) == NULL || name[0] == '\0') {
			nft_errf(err, errlen, "nft: plan device %zu has no valid name", i);
			return -EINVAL;
		}
		nft_strlcpy(out->devices[n++].name, name, IFNAMSIZ);
	}
	qsort(out->devices, n, sizeof(*out->devices), nft_dev_cmp);
	/* Unique: the kernel refuses a device twice in one flowtable. */
	out->n_devices = 0;
	for (i = 0; i < n; i++)
		if (out->n_devices == 0 ||
		    strcmp(out->devices[out->n_devices - 1].name, out->devices[i].name) != 0)
			out->devices[out->n_devices++] = out->devices[i];
	return 0;
}

static struct nft_rule_spec *nft_rule_push(struct nft_desired *out, size_t *cap)
{
	struct nft_rule_spec *v;

	if (out->n_rules == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		v = realloc(out->rules, ncap * sizeof(*v));
		if (!v)
			return NULL;
		out->rules = v;
		*cap = ncap;
	}
	v = &out->rules[out->n_rules++];
	memset(v, 0, sizeof(*v));
	return v;
}

static int nft_desired_excludes(const struct conf *conf, struct nft_desired *out, size_t *cap,
				char *err, size_t errlen)
{
	for (size_t i = 0; i < conf->n_exclude; i++) {
		const struct prefix *p = &conf->exclude[i];
		uint8_t addr[16] = { 0 };
		char text[INET6_ADDRSTRLEN];
		size_t alen;

		if (p->family != AF_INET && p->family != AF_INET6) {
			nft_errf(err, errlen, "nft: exclude prefix %zu: bad address family", i);
			return -EINVAL;
		}
		alen = p->family == AF_INET ? 4 : 16;
		if (p->len > alen * 8) {
			nft_errf(err, errlen, "nft: exclude prefix %zu: bad length %u", i, p->len);
			return -EINVAL;
		}
		if (!nft_family_sees(out->family, p->family))
			continue;
		/* Clear host bits: the match compares (addr & mask). */
		for (size_t b = 0; b < alen; b++) {
			unsigned int bits = p->len > b * 8 ? p->len - b * 8 : 0;

			if (bits >= 8)
				addr[b] = p->addr[b];
			else if (bits > 0)
				addr[b] = p->addr[b] & (uint8_t)(0xff << (8 - bits));
		}
		if (!inet_ntop(p->family, addr, text, sizeof(text)))
			return -EINVAL;
		for (int dir = 0; dir < 2; dir++) {
			struct nft_rule_spec *r = nft_rule_push(out, cap);

			if (!r)
				return -ENOMEM;
			r->kind = NFT_RULE_EXCLUDE;
			r->af = p->family;
			r->daddr = dir == 1;
			memcpy(r->addr, addr, sizeof(r->addr));
			r->plen = p->len;
			snprintf(r->tag, sizeof(r->tag), NFT_TAG_PREFIX "exclude %s %s/%u",
				 r->daddr ? "daddr" : "saddr", text, p->len);
		}
	}
	return 0;
}

static int nft_desired_offloads(const struct conf *conf, struct nft_desired *out, size_t *cap)
{
	static const struct {
		unsigned int bit;
		int af;
		const char *name;
	} fams[] = {
		{ FLOW_FAMILY_IPV4, AF_INET, "ipv4" },
		{ FLOW_FAMILY_IPV6, AF_INET6, "ipv6" },
	};
	static const struct {
		unsigned int bit;
		uint8_t proto;
		const char *name;
	} l4s[] = {
		{ FLOW_L4_TCP, IPPROTO_TCP, "tcp" },
		{ FLOW_L4_UDP, IPPROTO_UDP, "udp" },
	};

	for (size_t f = 0; f < 2; f++) {
		if (!(conf->flow_families & fams[f].bit) || !nft_family_sees(out->family, fams[f].af))
			continue;
		for (size_t l = 0; l < 2; l++) {
			struct nft_rule_spec *r;

			if (!(conf->flow_l4 & l4s[l].bit))
				continue;
			r = nft_rule_push(out, cap);
			if (!r)
				return -ENOMEM;
			r->kind = NFT_RULE_OFFLOAD;
			r->af = fams[f].af;
			r->l4proto = l4s[l].proto;
			snprintf(r->tag, sizeof(r->tag), NFT_TAG_PREFIX "offload %s %s",
				 fams[f].name, l4s[l].name);
		}
	}
	return 0;
}

int nft_desired_build(const struct conf *conf, const struct plan *plan,
		      struct nft_desired *out, char *err, size_t errlen)
{
	size_t cap = 0;
	int family, ret;

	memset(out, 0, sizeof(*out));
	family = nft_family_from_name(conf->table_family);
	if (family < 0) {
		nft_errf(err, errlen, "nft: unknown table family \"%s\"",
			 conf->table_family ? conf->table_family : "");
		return -EINVAL;
	}
	out->family = (uint8_t)family;
	if ((ret = nft_copy_name(out->table, conf->table_name, "table", err, errlen)) < 0 ||
	    (ret = nft_copy_name(out->flowtable, conf->flowtable_name, "flowtable", err, errlen)) < 0)
		goto fail;
	nft_strlcpy(out->chain, NFT_CHAIN_NAME, sizeof(out->chain));
	out->ft_prio = conf->flowtable_priority;
	out->ft_flags = (conf->flowtable_counter ? NFT_FLOWTABLE_COUNTER : 0) |
			(conf->flowtable_offload ? NFT_FLOWTABLE_HW_OFFLOAD : 0);
	out->chain_prio = conf->chain_priority;

	if ((ret = nft_desired_devices(plan, out, err, errlen)) < 0)
		goto fail;
	/*
	 * No device, no fast path: "flow add" would still mark each flow
	 * offloaded (a flowtable takes flows whatever their devices), changing
	 * conntrack's handling of flows that all stay on the slow path.  Leave
	 * the chain empty until there is a device (the shipped config selects
	 * none).
	 */
	if (out->n_devices == 0)
		return 0;
	if ((ret = nft_desired_excludes(conf, out, &cap, err, errlen)) < 0 ||
	    (ret = nft_desired_offloads(conf, out, &cap)) < 0)
		goto fail;
	return 0;
fail:
	if (ret == -ENOMEM)
		nft_errf(err, errlen, "nft: out of memory");
	nft_desired_free(out);
	return ret;
}

void nft_desired_free(struct nft_desired *want)
{
	free(want->devices);
	free(want->rules);
	memset(want, 0, sizeof(*want));
}
