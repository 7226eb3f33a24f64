/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The router's topology from rtnetlink.  libnl's cache manager (links,
 * addresses) and a route/rule event socket (no route cache) are the event
 * sources; the link array itself comes from
 * flowd's own RTM_GETLINK dump parsed by link_parse.c, and each tunnel's
 * underlay from an RTM_GETROUTE lookup (tunnel_route.c).
 *
 * Events never hand out partial state: the callback only says "something
 * changed"; the daemon debounces and then takes a topo_snapshot().
 */
#ifndef FLOWD_TOPO_H
#define FLOWD_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

#include "model.h"

struct ev_loop;
struct topo_ctx;

/*
 * What a batch of events changed.  Only TOPO_CHANGE_ALL can move a
 * tunnel, its underlay or the flowtable's devices (a reconcile); route
 * events the route hook alone wanted change offloaded flows' paths and
 * nothing else, so they cost a path update, not a reconcile.
 */
enum topo_change {
	TOPO_CHANGE_ALL,	/* links, addresses, tunnels' routes, lost events */
	TOPO_CHANGE_FLOW_PATHS,	/* only routes the route hook asked for */
};

/* Called after a batch of events or a resync changed something. */
typedef void (*topo_changed_cb)(void *arg, enum topo_change what);

struct topo_stats {
	uint64_t events;		/* cache changes seen */
	uint64_t resyncs;		/* full refills after lost events (ENOBUFS) */
	uint64_t resync_failures;	/* refills that failed and were retried */
	uint64_t link_dumps;		/* RTM_GETLINK dumps */
	uint64_t dump_retries;		/* dumps redone after NLM_F_DUMP_INTR */
	uint64_t bad_links;		/* RTM_NEWLINK messages link_parse() refused */
	uint64_t route_events;		/* route, rule and nexthop events seen */
	uint64_t route_overruns;	/* ENOBUFS on the route event socket */
	uint64_t route_reconciles;	/* changes route events reported (each a debounced reconcile) */
	uint64_t route_path_updates;	/* batches that changed only flow paths (no reconcile) */
	uint64_t route_lookups;		/* RTM_GETROUTE requests for tunnels' underlays */
	uint64_t foreign;		/* datagrams not from the kernel, dropped */
};

/*
 * Told about every route, rule and nexthop event (nlh, the bytes left in
 * its buffer), and with nlh NULL that anything may have changed (events
 * lost, links changed, a resync).  Returns true when the event matters to
 * the caller: then topo reports TOPO_CHANGE_FLOW_PATHS, unless the same
 * batch also had a change of its own (TOPO_CHANGE_ALL).
 */
typedef bool (*topo_route_hook)(void *arg, const struct nlmsghdr *nlh, size_t len);

/*
 * Open the sockets and fill the caches.  With a loop, topo watches its own
 * fd and timers there; with loop NULL (flowd --check, tests) the caller
 * polls topo_fd() and calls topo_dispatch(), or only takes snapshots.
 * cb may be NULL.  Returns 0, or -1 (logged).
 */
int topo_init(struct topo_ctx **out, struct ev_loop *loop, topo_changed_cb cb, void *arg);
void topo_fini(struct topo_ctx *ctx);

/* The event socket, for callers without a loop. */
int topo_fd(const struct topo_ctx *ctx);
/*
 * Read pending events; calls cb once if anything changed.  Lost events
 * trigger a full resync (refill of every cache, links re-dumped).
 * Returns 0, or -1 when the resync itself failed (it is retried later
 * with a loop, or on the next topo_dispatch()/topo_resync() without).
 */
int topo_dispatch(struct topo_ctx *ctx);
/* Refill every cache and mark the links stale; calls cb. Returns 0 or -1. */
int topo_resync(struct topo_ctx *ctx);

/*
 * The current topology: links (re-dumped when a link event came in since
 * the last snapshot, otherwise copied) and one route per tunnel (looked
 * up afresh each time).  *out is overwritten; free it with topo_free().
 * Returns 0, or -1 with *out empty.
 */
int topo_snapshot(struct topo_ctx *ctx, struct topo *out);

void topo_get_stats(const struct topo_ctx *ctx, struct topo_stats *out);

void topo_set_route_hook(struct topo_ctx *ctx, topo_route_hook hook, void *arg);
/*
 * One datagram of the route event socket (for the tests; topo reads the
 * socket itself).  Notes a change for events that can move a tunnel's
 * underlay (ALL) or that the hook wants (FLOW_PATHS); topo_dispatch() or
 * the watcher reports it.
 */
void topo_route_events(struct topo_ctx *ctx, const void *buf, size_t len);

#endif
