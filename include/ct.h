/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offloaded conntrack flows: which flows the flowtable carries, over which
 * tunnel / flowtable device, and returning selected ones to the slow path.
 *
 * What the kernel gives (6.12, read in net/netfilter; the host here has no
 * flowtable, so this is from source, not observed):
 *
 *  - nft_flow_offload_eval() sets IPS_OFFLOAD with a bare test_and_set_bit()
 *    and the hardware offload worker sets IPS_HW_OFFLOAD with set_bit(); the
 *    teardown (flow_offload_teardown(): idle expiry, TCP FIN/RST, dst check,
 *    flowtable deleted) clears IPS_OFFLOAD the same way.  None of these
 *    caches a conntrack event: the bit changes silently, both ways.
 *  - But every ctnetlink event (NEW, UPDATE and DESTROY alike) carries
 *    CTA_STATUS as it is when the event is delivered, and cached events are
 *    delivered at the confirm hook (POSTROUTING), after the forward hook
 *    that runs `flow add`.  So the packet that gets a flow offloaded often
 *    also sends an UPDATE showing IPS_OFFLOAD: the TCP ACK that makes the
 *    flow ESTABLISHED (IPCT_PROTOINFO), the first UDP reply (IPCT_REPLY).
 *    No event at all when nothing else changed on that packet: UDP offloaded
 *    by a second packet in the original direction, any re-offload after a
 *    teardown or a flowtable rebuild, and IPS_HW_OFFLOAD (set later by a
 *    workqueue).  A NEW event never shows the bit (offload needs a
 *    confirmed entry).  A DESTROY of an offloaded flow still shows it.
 *  - With net.netfilter.nf_conntrack_events = 2 (the default) an entry
 *    created while no ctnetlink listener existed gets no event extension
 *    and never sends any event, not even DESTROY (seen on the host: our
 *    deletes of such entries came back silent).  So after a start or a
 *    restart, flows older than the subscription are known from dumps only.
 *  - A dump filtered with CTA_STATUS/CTA_STATUS_MASK = IPS_OFFLOAD returns
 *    exactly the offloaded entries (the kernel still walks the whole
 *    conntrack table; older kernels ignore the filter, so we check the bit
 *    again).  Offloaded entries come without CTA_TIMEOUT and CTA_PROTOINFO.
 *
 *  - Deletes: a DELETE with the original tuple and CTA_ID removes the
 *    entry only when the id matches (ENOENT otherwise).  Neither
 *    libnetfilter_conntrack builder sends CTA_ID, so we build the request.
 *
 * So events are hints and the filtered dump is the truth: DESTROY removes
 * a flow, NEW/UPDATE with the bit add it, UPDATE without the bit removes
 * it, a TCP/UDP/GRE NEW arms a refresh (a dump) about a second later, and
 * a periodic refresh while flows exist catches silent teardowns.  The daemon asks
 * ct_refresh_due() when to call ct_refresh(), and refreshes before it
 * answers `flowctl status`.  Lost events (ENOBUFS) make a resync: the same
 * filtered dump, applied as mark-and-sweep, so it rebuilds the set exactly
 * and doing it twice changes nothing.
 *
 * Paths are the kernel's own answer: RTM_GETROUTE lookups shaped like the
 * flow's packets (addresses, the conntrack mark as RTA_MARK, the input
 * device), cached per distinct lookup and dropped precisely by the route
 * events that can change them (see ct_route_event() and ct_paths.c).  No
 * copy of any routing table is kept.
 *
 * No libev here: the daemon watches ct_fd() and calls ct_dispatch().
 */
#ifndef FLOWD_CT_H
#define FLOWD_CT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "plan.h"

/* ------------------------------------------------------------------ */
/* Flows (ct_flows.c: a compact hash table, pure). */

enum ct_flow_flags {
	CT_FLOW_OFFLOAD = 1u << 0,	/* IPS_OFFLOAD (always set in the table) */
	CT_FLOW_HW = 1u << 1,		/* IPS_HW_OFFLOAD */
	CT_FLOW_SNAT = 1u << 2,		/* IPS_SRC_NAT */
	CT_FLOW_DNAT = 1u << 3,		/* IPS_DST_NAT */
	CT_FLOW_UNRESOLVED = 1u << 4,	/* internal: its path lookups are due */
};

/*
 * One tracked flow: 76 bytes.  The key is the conntrack id (CTA_ID) plus
 * the original tuple and zone: a newer entry with the same tuple has
 * another id.  Addresses are in network order; IPv4 uses the first 4
 * bytes, the rest is zero.
 */
struct ct_flow {
	uint32_t id;			/* CTA_ID */
	uint16_t zone;			/* CTA_ZONE, 0 = default */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t l4proto;		/* IPPROTO_TCP, _UDP, _GRE... */
	uint16_t sport, dport;		/* network order (GRE: keys, 0) */
	uint8_t flags;			/* enum ct_flow_flags */
	uint8_t gen;			/* refresh generation (internal) */
	uint8_t src[16], dst[16];	/* original tuple */
	uint8_t rdst[16];		/* where the original direction goes: the
					 * reply tuple's source (differs under DNAT) */
	uint32_t mark;			/* CTA_MARK: routes as the packets' fwmark */
	int32_t in_if;			/* route to src: where replies leave, 0 unknown */
	int32_t out_if;			/* route to rdst: where originals leave */
};

struct ct_flows;

struct ct_flows *ct_flows_new(void);
void ct_flows_free(struct ct_flows *t);
/* Same id, zone, family, proto, ports and addresses. */
bool ct_flow_key_equal(const struct ct_flow *a, const struct ct_flow *b);
/* The flow with f's key, or NULL. */
struct ct_flow *ct_flows_lookup(const struct ct_flows *t, const struct ct_flow *key);
/*
 * Insert a copy of f, or find the flow with its key (then *created is
 * false and nothing is copied).  NULL on allocation failure.  Pointers stay
 * valid only until the next insert or delete.
 */
struct ct_flow *ct_flows_insert(struct ct_flows *t, const struct ct_flow *f, bool *created);
/* Remove the flow with key's key; false if there was none. */
bool ct_flows_delete(struct ct_flows *t, const struct ct_flow *key);
/*
 * Flows sit densely at 0..count-1.  Deleting the one at i moves the last
 * one into i, so walk downwards to delete while iterating.
 */
size_t ct_flows_count(const struct ct_flows *t);
struct ct_flow *ct_flows_at(const struct ct_flows *t, size_t i);
void ct_flows_delete_at(struct ct_flows *t, size_t i);
void ct_flows_clear(struct ct_flows *t);
/* Bytes the table holds from the allocator, overhead included. */
size_t ct_flows_mem(const struct ct_flows *t);

/* ------------------------------------------------------------------ */
/* Routes (ct_path.c: messages, pure). */

/* A route as an rtnetlink message describes it, reduced to what paths need. */
struct ct_route {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t type;			/* RTN_UNICAST, RTN_LOCAL, ... */
	uint8_t addr[16];		/* prefix, network order */
	int32_t ifindex;		/* RTA_OIF or the first RTA_MULTIPATH hop, 0 none */
	uint32_t table;			/* RTA_TABLE or rtm_table */
	uint32_t metric;		/* RTA_PRIORITY */
};

/*
 * One RTM_NEWROUTE or RTM_DELROUTE message (an event, or the answer to a
 * lookup) -> route: 1 parsed, 0 not for us (another message type or
 * family, a cloned route), -1 malformed (truncated, bad attribute sizes, a
 * prefix longer than the address).  Any table and any route type.
 */
int ct_route_parse(const void *nlh, size_t len, struct ct_route *out);

/*
 * A path lookup, as flowd asks the kernel (RTM_GETROUTE).  Output lookups
 * carry the destination and mark only (the kernel refuses an IPv4 output
 * lookup from a source that is not local); input lookups are "a packet
 * from src to dst arriving on iif with this mark", routed as forwarded
 * packets are (ip rules with iif/from, VRFs, rp_filter).  An output
 * lookup may name a routing context, a VRF device (oif: the kernel then
 * routes in the VRF's table), and ask for the route that matched
 * (fib_match: the answer carries its prefix length).  48 bytes.
 */
struct ct_rtkey {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t input;			/* 1: input lookup (iif, src set) */
	uint8_t fib_match;		/* 1: output lookup, answer the matched route */
	uint8_t pad;			/* 0 */
	int32_t iif;			/* input lookups */
	int32_t oif;			/* output lookups: a VRF device, or 0 */
	uint32_t mark;
	uint8_t src[16];		/* input lookups; 0 otherwise */
	uint8_t dst[16];
};

/* Room one lookup request needs. */
#define CT_LOOKUP_MSG_MAX 128
/* The RTM_GETROUTE request for k into buf; its length, 0 if buf is too small. */
size_t ct_lookup_build(void *buf, size_t len, const struct ct_rtkey *k, uint32_t seq);
/*
 * The answer to a lookup (an RTM_NEWROUTE or an NLMSG_ERROR): the output
 * device (> 0), 0 when the kernel has no path for it (no route,
 * unreachable, blackhole, prohibit, rp_filter, a local destination),
 * -1 when the answer says nothing (transient error: ENOBUFS, ENOMEM,
 * EAGAIN, EINTR; or a malformed message).  *plen: the prefix length of
 * the route that matched (meaningful for fib_match lookups), 0 otherwise.
 */
int ct_lookup_parse(const void *nlh, size_t len, uint8_t *plen);

/*
 * Who answers lookups: the kernel (ct_open() installs ct_lookup.c's), or
 * a test's table.  Fills ifindex[i] and plen[i] for keys[i] as
 * ct_lookup_parse() answers (-1: unknown, not cached, retried later).
 * 0 or -errno (nothing answered).
 */
typedef int (*ct_lookup_fn)(void *arg, const struct ct_rtkey *keys, int32_t *ifindex,
			    uint8_t *plen, size_t n);

/* ------------------------------------------------------------------ */
/* The tracker (ct_state.c, ct_count.c, ct_select.c, ct_stale.c: pure; ct_watch.c: sockets). */

/*
 * flush.method in flowd.conf: AUTO lets ct_flush_advice() weigh each
 * selection (below); DELETE and REBUILD always use that mechanism, for
 * routers where the other one does harm (see flowd.conf(5)).
 */
enum ct_flush_policy {
	CT_FLUSH_POLICY_AUTO = 0,
	CT_FLUSH_POLICY_DELETE,
	CT_FLUSH_POLICY_REBUILD,
};

#define CT_DEFAULT_RCVBUF	(8 * 1024 * 1024)
#define CT_DEFAULT_REFRESH_NEW	1.0	/* s after a NEW event */
#define CT_DEFAULT_REFRESH	10.0	/* s between refreshes while flows exist */
#define CT_DEFAULT_REBUILD_PCT	50

struct ct_config {
	int rcvbuf;			/* event socket buffer, bytes (kernel doubles it) */
	unsigned int groups;		/* NF_NETLINK_CONNTRACK_NEW|UPDATE|DESTROY */
	double refresh_after_new;	/* s; a flow is offloaded on its 2nd-3rd packet */
	double refresh_period;		/* s, only while flows are tracked */
	unsigned int rebuild_pct;	/* advise a rebuild when a flush selects at
					 * least this % of offloaded flows; 0 = never */
	enum ct_flush_policy flush_policy;	/* flowd.conf flush.method */
	uint32_t offload_bit;		/* IPS_OFFLOAD; tests use another bit */
	uint32_t hw_bit;		/* IPS_HW_OFFLOAD */
};

void ct_config_default(struct ct_config *cfg);

struct ct_ctx;

/* A tracker without sockets: the caller feeds it (tests, tools).  0 or -ENOMEM. */
int ct_new(const struct ct_config *cfg, struct ct_ctx **out);
/*
 * The real thing: subscribe to conntrack events first, then load the
 * offloaded flows with a filtered dump, so nothing falls between the two
 * (an entry seen twice is harmless).  Paths are looked up in the kernel
 * over a socket of its own; call ct_set_plan() next, and feed routing
 * events to ct_route_event().  cfg may be NULL for the defaults.  now is
 * the clock the daemon passes everywhere (ev_now).  0, or -errno (logged).
 */
int ct_open(const struct ct_config *cfg, double now, struct ct_ctx **out);
void ct_close(struct ct_ctx *ct);

/* The non-blocking event socket, for an ev_io (EV_READ); -1 without one. */
int ct_fd(const struct ct_ctx *ct);
/*
 * Read pending events (bounded per call; level-triggered watchers come
 * back).  now: the loop's clock (ev_now), for the refresh policy.  Lost
 * events set a resync, done here at most once a second (else
 * ct_refresh_due() says when).  Returns 0, or -errno when the socket is
 * unusable (close and reopen).
 */
int ct_dispatch(struct ct_ctx *ct, double now);
/*
 * Drain pending events, then dump the offloaded entries and make the set
 * exactly that (mark and sweep).  0 or -errno (the set is kept, a retry is
 * due in a second).
 */
int ct_refresh(struct ct_ctx *ct, double now);
/*
 * Seconds from now until ct_refresh() is wanted (0: now), or -1 for
 * never: a resync is due at once (retried every second after failures);
 * after NEW events, refresh_after_new after the first of them (so at most
 * one refresh per interval under a stream of NEW events); otherwise every
 * refresh_period while flows are tracked or the plan has flowtable
 * devices, and never when there are neither.
 * Recommended: also refresh right before answering `flowctl status`.
 */
double ct_refresh_due(const struct ct_ctx *ct, double now);

/* Install the lookup backend (NULL: none, every path is 0). */
void ct_set_lookup(struct ct_ctx *ct, ct_lookup_fn fn, void *arg);
/*
 * A message from the routing event socket (route, rule, nexthop or link
 * events; others are ignored), or NULL for "events were lost".  A route
 * event for prefix P drops the cached lookups whose destination (or, for
 * input lookups, source) lies in P; anything else drops every cached
 * lookup.  Nothing is looked up here.  Returns true when cached paths may
 * have been dropped: then call ct_update_paths() (debounced).
 */
bool ct_route_event(struct ct_ctx *ct, const void *nlh, size_t len);
/* Drop every cached lookup (links changed, events lost, tests). */
void ct_paths_invalidate(struct ct_ctx *ct);
/*
 * Re-resolve the flows whose lookups were dropped since the last call
 * (every flow is walked, the kernel is asked only for missing lookups, in
 * batches).  0 or -errno (flows keep their old paths and are retried).
 */
int ct_update_paths(struct ct_ctx *ct);
/* The flowtable devices and tunnels to count for (copied).  0 or -ENOMEM. */
int ct_set_plan(struct ct_ctx *ct, const struct plan *plan);
/* Lookups cached now, lookups asked of the backend since ct_new(). */
void ct_path_cache_stats(const struct ct_ctx *ct, size_t *cached, uint64_t *lookups);

/* ------------------------------------------------------------------ */
/* Counts (ct_count.c). */

struct ct_path_count {
	char name[IFNAMSIZ];
	int ifindex;
	uint32_t sw, hw;		/* offloaded now: in software, in hardware */
	uint64_t seen;			/* offloads seen over it since start */
	uint64_t flushed;		/* flows flowd returned to the slow path */
};

struct ct_stats {
	uint64_t events;		/* conntrack messages received */
	uint64_t events_new, events_update, events_destroy;
	uint64_t malformed;		/* messages we could not parse */
	uint64_t lost;			/* ENOBUFS: events lost */
	uint64_t resyncs;		/* full dumps after lost events */
	uint64_t refreshes;		/* filtered dumps (resyncs included) */
	uint64_t dumped;		/* entries those dumps returned */
	uint64_t refresh_errors;
	uint64_t seen;			/* offloads seen (a re-offload counts again) */
	uint64_t flushed;		/* flows deleted or rebuilt by flowd */
	uint64_t delete_errors;
};

struct ct_counts {
	struct ct_path_count *devices;	/* the plan's devices, in plan order */
	size_t n_devices;
	struct ct_path_count *tunnels;	/* the plan's tunnels, in plan order */
	size_t n_tunnels;
	uint32_t sw, hw;		/* every offloaded flow */
	uint32_t unrouted;		/* ... of which no device is known */
	struct ct_stats stats;
};

/*
 * A flow counts for tunnel T when T is its in or out device, and for
 * flowtable device D when D is its in or out device or the underlay of a
 * tunnel it uses; each flow at most once per device.  0 or -ENOMEM.
 */
int ct_counts(const struct ct_ctx *ct, struct ct_counts *out);
void ct_counts_free(struct ct_counts *c);
void ct_get_stats(const struct ct_ctx *ct, struct ct_stats *out);

/* ------------------------------------------------------------------ */
/* Selecting and flushing flows (ct_select.c, ct_stale.c; ct_watch.c deletes). */

enum ct_target_kind {
	CT_TARGET_ALL,
	CT_TARGET_TUNNEL,		/* flows whose in or out device it is */
	CT_TARGET_DEVICE,		/* flows that count for it (see ct_counts) */
};

struct ct_target {
	enum ct_target_kind kind;
	char name[IFNAMSIZ];
};

/* Copies of selected flows: the table may change while they are used. */
struct ct_selection {
	struct ct_flow *flows;
	size_t n;
	size_t n_nat;			/* NATed (SNAT or DNAT) */
	size_t n_hw;
	size_t n_total;			/* offloaded flows when selected */
};

void ct_selection_free(struct ct_selection *sel);
/* 0, -ENOENT (no tunnel/device of that name in the plan) or -ENOMEM. */
int ct_select(const struct ct_ctx *ct, const struct ct_target *target, struct ct_selection *out);

/*
 * What makes a tunnel's offloaded flows stale: anything that changes how
 * its outer packets are built or where they go.  The daemon fills one per
 * tunnel from its topology (ct_tunnel_fp_fill()).
 */
struct ct_tunnel_fp {
	int ifindex;
	int underlay_ifindex;		/* 0: unresolved */
	int oif;			/* the route's output device */
	struct addr nexthop;
	struct addr local, remote;
	uint8_t ttl, tos;
	bool pmtudisc;
	uint32_t params;		/* hash of the other parameters: keys,
					 * flowinfo, encap limit, flags, fwmark */
};

/* From the topology: l is the tunnel, r its route (may be NULL), t its plan entry. */
void ct_tunnel_fp_fill(struct ct_tunnel_fp *fp, const struct link *l, const struct tunnel_route *r,
		       const struct plan_tunnel *t);
bool ct_tunnel_fp_equal(const struct ct_tunnel_fp *a, const struct ct_tunnel_fp *b);

/*
 * Whether a topology change makes any flow stale: a tunnel whose
 * fingerprint changed or that disappeared, or a device of old_plan that is
 * not in new_plan.  1, 0 or -ENOMEM.  Pure.
 */
int ct_paths_changed(const struct plan *old_plan, const struct ct_tunnel_fp *old_fp,
		     size_t n_old, const struct plan *new_plan, const struct ct_tunnel_fp *new_fp,
		     size_t n_new);
/*
 * Flows to return to the slow path after a topology change: those using a
 * tunnel whose fingerprint changed or that disappeared, or counting for a
 * device of old_plan that is not in new_plan.  Call it BEFORE
 * ct_update_paths()/ct_set_plan() with the new data: flows are matched on
 * the paths they were resolved to, under old_plan's underlays.
 * 0 or -ENOMEM.
 */
int ct_stale_flows(const struct ct_ctx *ct, const struct plan *old_plan,
		   const struct ct_tunnel_fp *old_fp, size_t n_old, const struct plan *new_plan,
		   const struct ct_tunnel_fp *new_fp, size_t n_new, struct ct_selection *out);

/*
 * How to return a selection to the slow path.
 *
 * Kernel 6.12 has exactly one per-flow way: delete the conntrack entry
 * (ctnetlink cannot clear IPS_OFFLOAD, it is in IPS_UNCHANGEABLE_MASK);
 * the flowtable GC then tears the flow down because its ct is dying.  That
 * loses the entry's state: a NAT mapping is gone (the next packet may get
 * another one, which breaks the connection), and a TCP flow picked up
 * mid-stream is `ct state new`, which a typical forward policy drops when
 * the first packet comes from outside.  Deleting and recreating the
 * flowtable tears down every flow but keeps every entry: each flow takes
 * one packet through the slow path and `flow add` offloads it again.
 *
 * So, under CT_FLUSH_POLICY_AUTO: DELETE for a few non-NATed flows,
 * REBUILD when any selected flow is NATed or the selection is at least
 * rebuild_pct % of all offloaded flows (then the rebuild costs little
 * extra).  The other policies always answer their method (NONE when
 * nothing is selected).  The daemon owns nft: on REBUILD it rebuilds the
 * flowtable and calls ct_note_rebuild().
 */
enum ct_flush_method {
	CT_FLUSH_NONE,			/* nothing selected */
	CT_FLUSH_DELETE,
	CT_FLUSH_REBUILD,
};

enum ct_flush_method ct_flush_advice(const struct ct_ctx *ct, const struct ct_selection *sel);
const char *ct_flush_method_name(enum ct_flush_method m);
/* A reload changed flush.method. */
void ct_set_flush_policy(struct ct_ctx *ct, enum ct_flush_policy policy);
/*
 * A new event socket receive buffer (bytes, > 0), applied to the open
 * socket at once and kept for the ones opened after an overflow.  Returns
 * the size the kernel granted (it doubles the request; without
 * CAP_NET_ADMIN it caps it at net.core.rmem_max), or 0 when no socket is
 * open.
 */
unsigned int ct_set_receive_buffer(struct ct_ctx *ct, int bytes);
/*
 * Delete the selected flows' conntrack entries, each by original tuple,
 * zone and CTA_ID (an entry with the same tuple but another id is left
 * alone).  Returns how many were deleted (gone already: not counted), or
 * -errno when nothing could be sent.  Deleted flows leave the table.
 */
int ct_delete_flows(struct ct_ctx *ct, const struct ct_selection *sel);
/*
 * The daemon rebuilt the flowtable: every flow was torn down (their
 * entries stay, and re-offload on their next packet).  Counts sel as
 * flushed, empties the set and arms a refresh.
 */
void ct_note_rebuild(struct ct_ctx *ct, const struct ct_selection *sel, double now);

struct ct_flush_result {
	enum ct_flush_method method;	/* what was done, or what is needed */
	size_t selected;
	size_t flushed;			/* deleted (DELETE) */
	bool rebuild_needed;		/* REBUILD advised and not forced to delete */
};

/*
 * Select the target's flows and follow the advice: DELETE deletes them;
 * REBUILD deletes nothing and sets rebuild_needed (unless force_delete,
 * which deletes anyway).  Returns the number flushed, or -errno
 * (-ENOENT: unknown name).
 */
int ct_flush(struct ct_ctx *ct, const struct ct_target *target, bool force_delete,
	     struct ct_flush_result *res);

/* ------------------------------------------------------------------ */
/* Feeding by hand (tests; ct_dispatch/ct_refresh use the same paths). */

/* Process a receive buffer of ctnetlink event messages. */
void ct_feed(struct ct_ctx *ct, const void *buf, size_t len, double now);
/* A dump: begin, one call per message (dump replies), end sweeps. */
void ct_dump_begin(struct ct_ctx *ct);
void ct_dump_msg(struct ct_ctx *ct, const void *nlh, size_t len);
void ct_dump_end(struct ct_ctx *ct, double now, bool resync);
/* The table itself, read-only. */
const struct ct_flows *ct_table(const struct ct_ctx *ct);

/* ctnetlink parsing (ct_msg.c, pure). */
enum ct_msg_type {
	CT_MSG_OTHER = 0,		/* not a conntrack NEW/DELETE message */
	CT_MSG_NEW,			/* IPCTNL_MSG_CT_NEW with NLM_F_CREATE */
	CT_MSG_UPDATE,			/* IPCTNL_MSG_CT_NEW otherwise (also dump replies) */
	CT_MSG_DESTROY,			/* IPCTNL_MSG_CT_DELETE */
};

/*
 * Parse one message (len = bytes available from nlh).  Fills f (key,
 * flags; paths 0) and *status (CTA_STATUS, host order).  Returns the type,
 * CT_MSG_OTHER for messages to skip, or -1 when malformed (truncated,
 * missing tuple or id, bad family).  Never reads outside [nlh, nlh+len).
 */
int ct_msg_parse(const void *nlh, size_t len, struct ct_flow *f, uint32_t *status);

/* Room one delete request needs. */
#define CT_DELETE_MSG_MAX 160
/*
 * An IPCTNL_MSG_CT_DELETE request (NLM_F_ACK) for f's original tuple,
 * zone and CTA_ID into buf; returns its length, 0 if buf is too small.
 * The kernel deletes the entry only when the id matches (ENOENT else).
 */
size_t ct_msg_build_delete(void *buf, size_t len, const struct ct_flow *f, uint32_t seq);

#endif
