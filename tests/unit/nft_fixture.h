/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-built conf, plan and kernel state for the nft tests: conf.c and
 * plan.c are not needed (nor linked) to test the nft module.
 */
#ifndef FLOWD_TEST_NFT_FIXTURE_H
#define FLOWD_TEST_NFT_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "nft_int.h"

struct fixture {
	struct conf conf;
	struct prefix exclude[4];
	struct plan plan;
	struct plan_device devices[8];
	struct nft_desired want;
	struct nft_state have;
	struct nft_changes changes;
};

static inline void fixture_add_device(struct fixture *f, const char *name)
{
	struct plan_device *d = &f->devices[f->plan.n_devices++];

	memset(d, 0, sizeof(*d));
	nft_strlcpy(d->name, name, sizeof(d->name));
	d->reasons = PLAN_REASON_CONFIGURED;
	f->plan.devices = f->devices;
}

static inline void fixture_add_exclude(struct fixture *f, const char *addr, unsigned int len)
{
	struct prefix *p = &f->exclude[f->conf.n_exclude++];

	memset(p, 0, sizeof(*p));
	p->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(p->family, addr, p->addr);
	p->len = (uint8_t)len;
	f->conf.exclude = f->exclude;
}

/* inet flowd, flowtable ft prio 0, chain prio 10, tcp+udp, v4+v6, eth0 + tun0. */
static inline struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->conf.table_family = (char *)"inet";
	f->conf.table_name = (char *)"flowd";
	f->conf.flowtable_name = (char *)"ft";
	f->conf.flowtable_priority = 0;
	f->conf.flow_l4 = FLOW_L4_TCP | FLOW_L4_UDP;
	f->conf.flow_families = FLOW_FAMILY_IPV4 | FLOW_FAMILY_IPV6;
	f->conf.chain_priority = 10;
	fixture_add_device(f, "tun0");
	fixture_add_device(f, "eth0");
	nft_state_init(&f->have);
	return f;
}

static inline void fixture_free(struct fixture *f)
{
	nft_changes_free(&f->changes);
	nft_desired_free(&f->want);
	nft_state_free(&f->have);
	free(f);
}

static inline int fixture_build(struct fixture *f)
{
	char err[256];

	nft_desired_free(&f->want);
	return nft_desired_build(&f->conf, &f->plan, &f->want, err, sizeof(err));
}

/* What the kernel has when everything is as wanted. */
static inline void fixture_have_all(struct fixture *f)
{
	nft_state_free(&f->have);
	f->have.table = true;
	f->have.flowtable = true;
	f->have.ft_hooknum = NF_NETDEV_INGRESS;
	f->have.ft_prio = f->want.ft_prio;
	f->have.ft_flags = f->want.ft_flags;
	for (size_t i = 0; i < f->want.n_devices; i++)
		nft_state_add_device(&f->have, f->want.devices[i].name);
	f->have.chain = true;
	f->have.chain_base = true;
	f->have.chain_hooknum = NF_INET_FORWARD;
	f->have.chain_prio = f->want.chain_prio;
	f->have.chain_policy = NF_ACCEPT;
	nft_strlcpy(f->have.chain_type, "filter", sizeof(f->have.chain_type));
	for (size_t i = 0; i < f->want.n_rules; i++)
		nft_state_add_rule(&f->have, f->want.rules[i].tag, 100 + i);
}

#endif
