// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the netlink seed corpora: hand-built messages for fuzz_rtnl,
 * fuzz_ct and fuzz_nft, with the unit tests' builders (nlmsg_build.h,
 * ct_fixture.h) and the daemon's own batch builder for nftables objects.
 *   gen_corpus OUTDIR   (writes OUTDIR/fuzz_rtnl/..., OUTDIR/fuzz_ct/...)
 * The committed corpus under tests/fuzz/corpus came from this; build.sh
 * builds it, run it again after changing it.
 */
#include <net/if.h>	/* before <linux/if*.h>, <linux/netfilter.h>: */
#include <netinet/in.h>	/* glibc and uapi clash otherwise */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include "../unit/ct_fixture.h"
#include "../unit/nlmsg_build.h"
#include "nft.h"

static const char *outdir;

/* Netlink buffers must be 4-byte aligned. */
union big {
	struct nlmsghdr align;
	char b[32768];
};

static void save(const char *target, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---- rtnetlink ---- */

/* Append msg (len bytes at nlh) to an accumulating buffer. */
static void add(union big *acc, size_t *off, const struct nlmsghdr *nlh)
{
	memcpy(acc->b + *off, nlh, nlh->nlmsg_len);
	*off += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *link_tunnel(union nlbuf *b, int ifindex, const char *name,
				    const char *kind, bool v6, int link)
{
	struct nlmsghdr *nlh = nl_newlink(b, ifindex, name, IFF_UP);
	struct nlattr *data, *li = nl_linkinfo_begin(nlh, kind, &data);
	bool gre = strstr(kind, "gre") != NULL;

	mnl_attr_put_u32(nlh, gre ? IFLA_GRE_LINK : IFLA_IPTUN_LINK, (uint32_t)link);
	if (v6) {
		nl_put_in6(nlh, gre ? IFLA_GRE_LOCAL : IFLA_IPTUN_LOCAL, "2001:db8::1");
		nl_put_in6(nlh, gre ? IFLA_GRE_REMOTE : IFLA_IPTUN_REMOTE, "2001:db8::2");
		mnl_attr_put_u8(nlh, gre ? IFLA_GRE_ENCAP_LIMIT : IFLA_IPTUN_ENCAP_LIMIT, 4);
		mnl_attr_put_u32(nlh, gre ? IFLA_GRE_FLOWINFO : IFLA_IPTUN_FLOWINFO, 0);
		mnl_attr_put_u32(nlh, gre ? IFLA_GRE_FLAGS : IFLA_IPTUN_FLAGS, 0x20);
	} else {
		nl_put_in4(nlh, gre ? IFLA_GRE_LOCAL : IFLA_IPTUN_LOCAL, "192.0.2.1");
		nl_put_in4(nlh, gre ? IFLA_GRE_REMOTE : IFLA_IPTUN_REMOTE, "198.51.100.7");
		mnl_attr_put_u8(nlh, gre ? IFLA_GRE_TOS : IFLA_IPTUN_TOS, 0x10);
		mnl_attr_put_u8(nlh, gre ? IFLA_GRE_PMTUDISC : IFLA_IPTUN_PMTUDISC, 1);
	}
	mnl_attr_put_u8(nlh, gre ? IFLA_GRE_TTL : IFLA_IPTUN_TTL, 64);
	mnl_attr_put_u32(nlh, gre ? IFLA_GRE_FWMARK : IFLA_IPTUN_FWMARK, 7);
	if (gre) {
		mnl_attr_put_u16(nlh, IFLA_GRE_IFLAGS, htons(0x2000));
		mnl_attr_put_u16(nlh, IFLA_GRE_OFLAGS, htons(0x2000));
		mnl_attr_put_u32(nlh, IFLA_GRE_IKEY, htonl(42));
		mnl_attr_put_u32(nlh, IFLA_GRE_OKEY, htonl(42));
	} else {
		mnl_attr_put_u8(nlh, IFLA_IPTUN_PROTO, v6 ? IPPROTO_IPV6 : IPPROTO_IPIP);
	}
	nl_linkinfo_end(nlh, li, data);
	return nlh;
}

static struct nlmsghdr *link_vlan(union nlbuf *b, int ifindex, const char *name, int lower)
{
	struct nlmsghdr *nlh = nl_newlink(b, ifindex, name, IFF_UP);
	struct nlattr *li, *data;

	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)lower);
	li = nl_linkinfo_begin(nlh, "vlan", &data);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, 100);
	mnl_attr_put_u16(nlh, IFLA_VLAN_PROTOCOL, htons(0x8100));
	nl_linkinfo_end(nlh, li, data);
	return nlh;
}

static struct nlmsghdr *link_kind(union nlbuf *b, int ifindex, const char *name,
				  const char *kind, int master)
{
	struct nlmsghdr *nlh = nl_newlink(b, ifindex, name, IFF_UP);

	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (kind) {
		struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(nlh, li);
	}
	return nlh;
}

static struct nlmsghdr *route_reply(union nlbuf *b, int family, int oif, const char *gw,
				    unsigned char type)
{
	struct nlmsghdr *nlh = nl_newroute(b, family, family == AF_INET ? 32 : 128, type);

	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	if (family == AF_INET) {
		nl_put_in4(nlh, RTA_DST, "198.51.100.7");
		nl_put_in4(nlh, RTA_PREFSRC, "192.0.2.1");
		if (gw)
			nl_put_in4(nlh, RTA_GATEWAY, gw);
	} else {
		nl_put_in6(nlh, RTA_DST, "2001:db8::2");
		nl_put_in6(nlh, RTA_PREFSRC, "2001:db8::1");
		if (gw)
			nl_put_in6(nlh, RTA_GATEWAY, gw);
	}
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nlh;
}

/* The error for a request that was a bare header. */
static struct nlmsghdr *error_msg(union nlbuf *b, int error)
{
	struct nlmsghdr *nlh = nl_error(b, error);
	struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	return nlh;
}

static void gen_rtnl(void)
{
	static const struct { const char *kind; bool v6; } tunnels[] = {
		{ "ipip", false }, { "sit", false }, { "ip6tnl", true },
		{ "gre", false }, { "ip6gre", true },
	};
	union nlbuf b;
	union big acc;
	size_t off = 0;
	struct nlmsghdr *nlh;
	char name[64];

	for (size_t i = 0; i < sizeof(tunnels) / sizeof(tunnels[0]); i++) {
		nlh = link_tunnel(&b, 10 + (int)i, "tun0", tunnels[i].kind, tunnels[i].v6, 2);
		snprintf(name, sizeof(name), "link-%s", tunnels[i].kind);
		save("fuzz_rtnl", name, nlh, nlh->nlmsg_len);
	}
	nlh = link_vlan(&b, 4, "eth0.100", 2);
	save("fuzz_rtnl", "link-vlan", nlh, nlh->nlmsg_len);
	nlh = link_kind(&b, 7, "br0", "bridge", 0);
	save("fuzz_rtnl", "link-bridge", nlh, nlh->nlmsg_len);
	nlh = link_kind(&b, 8, "ppp0", "ppp", 0);
	save("fuzz_rtnl", "link-ppp", nlh, nlh->nlmsg_len);
	nlh = link_kind(&b, 9, "gretap1", "gretap", 7);
	save("fuzz_rtnl", "link-gretap-bridge-port", nlh, nlh->nlmsg_len);
	nlh = route_reply(&b, AF_INET, 3, "192.0.2.254", RTN_UNICAST);
	save("fuzz_rtnl", "route4", nlh, nlh->nlmsg_len);
	nlh = route_reply(&b, AF_INET6, 3, NULL, RTN_UNICAST);
	save("fuzz_rtnl", "route6-onlink", nlh, nlh->nlmsg_len);
	nlh = error_msg(&b, -ENETUNREACH);
	save("fuzz_rtnl", "route-error", nlh, nlh->nlmsg_len);

	/*
	 * A whole router: eth0, eth1 (bridge port of br0), eth0.100, an
	 * ipip tunnel over the VLAN and an ip6gre one, their route replies.
	 */
	nlh = link_kind(&b, 2, "eth0", NULL, 0);
	add(&acc, &off, nlh);
	nlh = link_kind(&b, 3, "eth1", NULL, 7);
	add(&acc, &off, nlh);
	nlh = link_kind(&b, 7, "br0", "bridge", 0);
	add(&acc, &off, nlh);
	nlh = link_vlan(&b, 4, "eth0.100", 2);
	add(&acc, &off, nlh);
	nlh = link_tunnel(&b, 5, "tun0", "ipip", false, 0);
	add(&acc, &off, nlh);
	nlh = link_tunnel(&b, 6, "tun1", "ip6gre", true, 0);
	add(&acc, &off, nlh);
	nlh = route_reply(&b, AF_INET, 4, "192.0.2.254", RTN_UNICAST);
	add(&acc, &off, nlh);
	nlh = route_reply(&b, AF_INET6, 7, NULL, RTN_UNICAST);
	add(&acc, &off, nlh);
	save("fuzz_rtnl", "topology", acc.b, off);
}

/* ---- conntrack ---- */

/* One route of a main table dump. */
static struct nlmsghdr *main_route(union nlbuf *b, int family, const char *dst, int plen,
				   int oif, unsigned char type, bool multipath)
{
	struct nlmsghdr *nlh = nl_newroute(b, family, plen, type);

	nlh->nlmsg_flags = NLM_F_MULTI;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	if (plen) {
		if (family == AF_INET)
			nl_put_in4(nlh, RTA_DST, dst);
		else
			nl_put_in6(nlh, RTA_DST, dst);
	}
	if (multipath) {
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
		struct rtnexthop *nh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nh));

		nh->rtnh_len = sizeof(*nh);
		nh->rtnh_ifindex = oif;
		nh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nh));
		nh->rtnh_len = sizeof(*nh);
		nh->rtnh_ifindex = oif + 1;
		mnl_attr_nest_end(nlh, mp);
	} else if (oif) {
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	}
	return nlh;
}

static void gen_ct(void)
{
	static const struct ctspec flows[] = {
		{ AF_INET, "10.0.0.2", "10.2.0.2", NULL, NULL, IPPROTO_TCP, 40000, 80, 1,
		  IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 },
		{ AF_INET, "10.0.0.3", "10.2.0.5", NULL, NULL, IPPROTO_UDP, 5000, 53, 2,
		  IPS_OFFLOAD | IPS_HW_OFFLOAD, 7, 0 },
		{ AF_INET, "10.0.0.2", "8.8.8.8", NULL, "198.51.100.1", IPPROTO_TCP, 40001, 443, 3,
		  IPS_OFFLOAD | IPS_SRC_NAT, 0, 0 },
		{ AF_INET6, "fd00::2", "2001:db8::9", NULL, NULL, IPPROTO_TCP, 1, 2, 4,
		  IPS_OFFLOAD | IPS_DST_NAT, 0, 0 },
		{ AF_INET, "172.16.0.1", "10.2.0.9", NULL, NULL, IPPROTO_GRE, 0, 0, 5,
		  IPS_CONFIRMED, 0, 0 },
	};
	static const char *const kinds[] = { "new", "update", "destroy", "dump" };
	union ctbuf buf, acc;
	union nlbuf b;
	size_t off, aoff = 0;
	struct nlmsghdr *nlh;
	char name[64];

	/* The main table: 10.0.0.0/24 eth0, 10.2.0.0/24 tun0, default ECMP. */
	nlh = main_route(&b, AF_INET, "10.0.0.0", 24, 2, RTN_UNICAST, false);
	save("fuzz_ct", "route-v4", nlh, nlh->nlmsg_len);
	memcpy(acc.b + aoff, nlh, nlh->nlmsg_len);
	aoff += MNL_ALIGN(nlh->nlmsg_len);
	nlh = main_route(&b, AF_INET, "10.2.0.0", 24, 5, RTN_UNICAST, false);
	memcpy(acc.b + aoff, nlh, nlh->nlmsg_len);
	aoff += MNL_ALIGN(nlh->nlmsg_len);
	nlh = main_route(&b, AF_INET, "0.0.0.0", 0, 3, RTN_UNICAST, true);
	save("fuzz_ct", "route-multipath", nlh, nlh->nlmsg_len);
	memcpy(acc.b + aoff, nlh, nlh->nlmsg_len);
	aoff += MNL_ALIGN(nlh->nlmsg_len);
	nlh = main_route(&b, AF_INET6, "2001:db8::", 32, 0, RTN_UNREACHABLE, false);
	save("fuzz_ct", "route-unreachable6", nlh, nlh->nlmsg_len);
	memcpy(acc.b + aoff, nlh, nlh->nlmsg_len);
	aoff += MNL_ALIGN(nlh->nlmsg_len);

	for (int k = FX_NEW; k <= FX_DUMP; k++) {
		off = 0;
		for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
			size_t one = off;

			nlh = ct_fx_put(&buf, &off, (enum ct_fx_kind)k, &flows[i]);
			if (i == 0 || i == 3) {
				snprintf(name, sizeof(name), "%s-%s", kinds[k],
					 flows[i].family == AF_INET ? "v4" : "v6");
				save("fuzz_ct", name, buf.b + one, nlh->nlmsg_len);
			}
		}
		snprintf(name, sizeof(name), "%s-all", kinds[k]);
		save("fuzz_ct", name, buf.b, off);
		if (k == FX_UPDATE || k == FX_DESTROY) {
			memcpy(acc.b + aoff, buf.b, off);
			aoff += off;
		}
	}
	save("fuzz_ct", "routes-then-events", acc.b, aoff);
}

/* ---- nftables ---- */

static struct nlmsghdr *gen_msg(union nlbuf *b, uint32_t pid)
{
	struct nlmsghdr *nlh = nl_msg_start(b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN,
					    sizeof(struct nfgenmsg));
	struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);

	nfg->nfgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NFTA_GEN_ID, htonl(77));
	mnl_attr_put_u32(nlh, NFTA_GEN_PROC_PID, htonl(pid));
	mnl_attr_put_strz(nlh, NFTA_GEN_PROC_NAME, "nft");
	return nlh;
}

/* The same table, flowtable and chain as fuzz_nft.c wants. */
static void gen_nft(void)
{
	static struct prefix exclude[] = {
		{ .family = AF_INET, .addr = { 10, 9 }, .len = 16 },
		{ .family = AF_INET6, .addr = { 0xfd }, .len = 8 },
	};
	static struct plan_device devices[] = {
		{ .name = "eth0" }, { .name = "eth1" }, { .name = "tun0" },
	};
	struct conf conf = {
		.table_family = "inet", .table_name = "flowd", .flowtable_name = "ft",
		.flow_l4 = FLOW_L4_TCP | FLOW_L4_UDP,
		.flow_families = FLOW_FAMILY_IPV4 | FLOW_FAMILY_IPV6,
		.exclude = exclude, .n_exclude = 2, .chain_priority = 10,
	};
	const struct plan plan = { devices, 3, NULL, 0 };
	const uint32_t seq = 100;	/* fuzz_nft.c's BATCH_SEQ */
	struct nft_desired want;
	struct nft_changes changes;
	struct nft_state empty;
	struct nft_batch batch;
	union big acc;
	union nlbuf b;
	struct nlmsghdr *nlh;
	size_t off = 0;
	char err[256], name[64];

	nft_state_init(&empty);
	if (nft_desired_build(&conf, &plan, &want, err, sizeof(err)) < 0 ||
	    nft_compute_changes(&want, &empty, &changes) < 0 ||
	    nft_batch_build(&changes, seq, &batch) < 0) {
		fprintf(stderr, "gen_corpus: nft setup failed\n");
		exit(1);
	}
	/* Our requests carry the attributes the kernel's dumps and events do. */
	for (size_t i = 0; i < batch.n_msgs; i++) {
		const struct nft_batch_msg *m = &batch.msgs[i];

		snprintf(name, sizeof(name), "object-%zu", i);
		save("fuzz_nft", name, batch.buf + m->offset, m->len);
		memcpy(acc.b + off, batch.buf + m->offset, m->len);
		off += MNL_ALIGN(m->len);
	}
	nlh = gen_msg(&b, 4242);
	save("fuzz_nft", "newgen", nlh, nlh->nlmsg_len);
	memcpy(acc.b + off, nlh, nlh->nlmsg_len);
	off += MNL_ALIGN(nlh->nlmsg_len);
	save("fuzz_nft", "dump-and-event", acc.b, off);

	/* ACKs: all good; a failure with extack text and the device offset. */
	off = 0;
	for (uint32_t s = batch.seq_begin; s <= batch.seq_end; s++) {
		nlh = nl_put_ack(acc.b + off, s, 0, NULL, -1);
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	save("fuzz_nft", "acks-ok", acc.b, off);
	off = 0;
	nlh = nl_put_ack(acc.b + off, batch.msgs[0].seq, 0, NULL, -1);
	off += MNL_ALIGN(nlh->nlmsg_len);
	nlh = nl_put_ack(acc.b + off, batch.msgs[1].seq, -ENOENT, "device not found", 36);
	off += MNL_ALIGN(nlh->nlmsg_len);
	nlh = nl_put_ack(acc.b + off, batch.msgs[2].seq, -EBUSY, NULL, 20);
	off += MNL_ALIGN(nlh->nlmsg_len);
	save("fuzz_nft", "acks-error", acc.b, off);

	nft_batch_free(&batch);
	nft_changes_free(&changes);
	nft_desired_free(&want);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	gen_rtnl();
	gen_ct();
	gen_nft();
	return 0;
}
