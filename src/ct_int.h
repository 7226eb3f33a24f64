/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the conntrack module: shared by ct_*.c, not by the daemon. */
#ifndef FLOWD_CT_INT_H
#define FLOWD_CT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "nl_talk.h"

struct nfct_handle;
struct nfct_filter_dump;

/* SipHash-1-3; a random key for hash tables fed from the network. */
uint64_t ct_hash(const void *data, size_t len, uint64_t k0, uint64_t k1);
void ct_hash_key(uint64_t key[2]);

/* --- the path cache (ct_paths.c) --- */

/* One cached lookup: 60 bytes, in a table a quarter to half full. */
struct ct_pc_entry {
	struct ct_rtkey key;
	int32_t ifindex;		/* the answer; CT_PC_EMPTY: free slot */
	uint32_t used;			/* walk stamp (eviction of orphans) */
	uint8_t plen;			/* fib_match keys: the matched prefix length */
};

#define CT_PC_EMPTY INT32_MIN
#define CT_PC_PENDING (INT32_MIN + 1)	/* asked, no answer yet */
#define CT_PC_MAX_PENDING 64		/* prefixes queued before "drop all" */
#define CT_PC_FILTER_BITS 65536

struct ct_pcache {
	struct ct_pc_entry *slots;
	size_t cap, n;
	uint64_t k0, k1;
	uint32_t stamp;
	/*
	 * Which addresses cached keys use, coarsely: a bit per IPv4 /16 and
	 * per hash of an IPv6 /32, set when a key is added, rebuilt when the
	 * table is swept.  A route event for a prefix at least that long
	 * whose bit is clear cannot touch any key: no scan.
	 */
	uint8_t filter4[CT_PC_FILTER_BITS / 8], filter6[CT_PC_FILTER_BITS / 8];
	/* Route events not applied yet (applied before the next lookup). */
	struct ct_route pending[CT_PC_MAX_PENDING];
	size_t n_pending;
	bool drop_all;			/* pending overflowed, or rule/link events */
	bool dirty;			/* keys were dropped: flows to re-resolve */
	uint64_t lookups;		/* asked of the backend */
};

int ct_pc_init(struct ct_pcache *pc);
void ct_pc_free(struct ct_pcache *pc);
/* The entry for k, or NULL. */
struct ct_pc_entry *ct_pc_find(const struct ct_pcache *pc, const struct ct_rtkey *k);
/* Add k (answer CT_PC_PENDING) unless present; NULL on ENOMEM. */
struct ct_pc_entry *ct_pc_add(struct ct_pcache *pc, const struct ct_rtkey *k, bool *created);
void ct_pc_remove(struct ct_pcache *pc, const struct ct_rtkey *k);
/* Queue a route event's prefix; false when no cached key can lie in it. */
bool ct_pc_note_route(struct ct_pcache *pc, const struct ct_route *r);
void ct_pc_note_all(struct ct_pcache *pc);
/* Apply what was queued: drop the keys it can change.  0 or -ENOMEM. */
int ct_pc_apply(struct ct_pcache *pc);
/* Keep only entries stamped with pc->stamp (a walk touched them). */
int ct_pc_sweep(struct ct_pcache *pc);
/* k's dst (or, input keys, src) lies in the prefix family/plen/addr. */
bool ct_rtkey_in_prefix(const struct ct_rtkey *k, int family, unsigned int plen,
			const uint8_t *addr);

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
	struct ct_pcache pc;
	ct_lookup_fn lookup;
	void *lookup_arg;
	struct ct_lookup *kernel;	/* ct_lookup.c's socket; NULL without */
	bool unresolved;		/* some flow has CT_FLOW_UNRESOLVED */

	struct ct_pdev *devs;
	size_t n_devs;
	/* The VRFs of the flowtable's devices, without repeats (path lookups). */
	int32_t *vrfs;
	size_t n_vrfs;
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
	struct nl_talk del;		/* deletes: libnfct cannot send CTA_ID */
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
/* Internal: a new flow whose devices have not counted it as seen yet. */
#define CT_FLOW_UNCOUNTED (1u << 5)
/* A new flow got its path: count it as seen per device. */
void ct_count_seen(struct ct_ctx *ct, const struct ct_flow *f);
/* A flow left through flowd (deleted or rebuilt): count it per device. */
void ct_count_flushed(struct ct_ctx *ct, const struct ct_flow *f);
/* Append a copy of f to sel (*cap entries allocated, grown here): 0 or -ENOMEM. */
int ct_selection_add(struct ct_selection *sel, size_t *cap, const struct ct_flow *f);
/*
 * Resolve flows' paths: those flagged CT_FLOW_UNRESOLVED, or every flow
 * (all), asking the backend only for lookups not cached.  0 or -errno.
 */
int ct_paths_resolve(struct ct_ctx *ct, bool all);

/* --- the kernel as lookup backend (ct_lookup.c) --- */

struct ct_lookup;
int ct_lookup_open(struct ct_lookup **out);
void ct_lookup_close(struct ct_lookup *l);
/* A ct_lookup_fn; arg is the struct ct_lookup. */
int ct_lookup_kernel(void *arg, const struct ct_rtkey *keys, int32_t *ifindex, uint8_t *plen,
		      size_t n);

/* Free what ct_new() set up (not the sockets). */
void ct_state_free(struct ct_ctx *ct);

#endif
