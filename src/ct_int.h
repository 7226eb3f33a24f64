/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the conntrack module: shared by ct_*.c, not by the daemon. */
#ifndef FLOWD_CT_INT_H
#define FLOWD_CT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

struct mnl_socket;
struct nfct_handle;
struct nfct_filter_dump;

/* SipHash-1-3; a random key for hash tables fed from the network. */
uint64_t ct_hash(const void *data, size_t len, uint64_t k0, uint64_t k1);
void ct_hash_key(uint64_t key[2]);

/* --- longest prefix match (ct_path.c) --- */

struct ct_lpm_slot {
	uint8_t used, family, plen;
	int32_t ifindex;
	uint32_t metric;
	uint8_t addr[16];		/* masked prefix */
};

struct ct_lpm {
	struct ct_lpm_slot *slots;	/* open addressing, at most half full */
	size_t cap, n;
	uint8_t order4[33], order6[129];	/* prefix lengths present, longest first */
	size_t n4, n6;
	uint64_t k0, k1;
};

/* Build a new table from routes into *lpm (emptied first).  0 or -ENOMEM. */
int ct_lpm_build(struct ct_lpm *lpm, const struct ct_route *routes, size_t n);
void ct_lpm_free(struct ct_lpm *lpm);
/* The route's device for addr (network order), 0 when none or no route. */
int ct_lpm_lookup(const struct ct_lpm *lpm, int family, const uint8_t *addr);

/* --- the plan, as far as counting goes --- */

struct ct_pdev {
	char name[IFNAMSIZ];
	int ifindex;
};

struct ct_ptun {
	char name[IFNAMSIZ];
	int ifindex;
	int underlay;			/* ifindex, 0 unresolved */
};

/* Per-ifindex totals that outlive plan changes. */
struct ct_ifstat {
	int ifindex;
	uint64_t seen, flushed;
};

#define CT_MAX_DEVS 4			/* in, out and two underlays */

struct ct_ctx {
	struct ct_config cfg;
	struct ct_flows *flows;
	struct ct_lpm lpm;

	struct ct_pdev *devs;
	size_t n_devs;
	struct ct_ptun *tuns;
	size_t n_tuns;
	struct ct_ifstat *ifstats;
	size_t n_ifstats, cap_ifstats;

	struct ct_stats stats;
	uint8_t gen;			/* current dump generation */
	bool in_dump;

	/* Refresh policy (ct_refresh_due). */
	bool new_pending;		/* NEW events since the last refresh */
	double first_new;		/* time of the first of them */
	double last_refresh;		/* last successful refresh; <0 never */
	bool resync_pending;		/* events lost: a dump is due */
	bool refresh_failed;		/* the last dump failed: retry */
	double retry_at;		/* no resync/retry before this */

	/* Sockets (ct_watch.c); NULL without. */
	struct nfct_handle *evh;	/* events */
	struct nfct_handle *dumph;	/* dumps */
	struct nfct_filter_dump *filter;
	struct mnl_socket *mnl;		/* deletes: libnfct cannot send CTA_ID */
	uint32_t seq;
	char *rbuf;
	size_t rbuf_len;
};

/* Devices a flow counts for under tuns: in, out and their underlays, unique. */
size_t ct_flow_devices(const struct ct_ptun *tuns, size_t n_tuns, const struct ct_flow *f,
		       int out[CT_MAX_DEVS]);
const struct ct_ptun *ct_find_tun(const struct ct_ptun *tuns, size_t n, int ifindex);
/* The per-ifindex totals entry, created on demand; NULL on ENOMEM. */
struct ct_ifstat *ct_ifstat(struct ct_ctx *ct, int ifindex);
const struct ct_ifstat *ct_ifstat_find(const struct ct_ctx *ct, int ifindex);
/* A flow left through flowd (deleted or rebuilt): count it per device. */
void ct_count_flushed(struct ct_ctx *ct, const struct ct_flow *f);
/* Free what ct_new() set up (not the sockets). */
void ct_state_free(struct ct_ctx *ct);

#endif
