// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Topology from rtnetlink.
 *
 * Events: a libnl cache manager keeps route/link and route/addr caches
 * (tens of objects) and tells us, through change callbacks, that
 * something moved.  We never read partial state from those callbacks:
 * they only mark "changed" (and "links stale" for link objects), and the
 * daemon, after its debounce, takes a topo_snapshot().
 *
 * Routes are never cached: on a full-table router a copy of every route
 * costs hundreds of MB and its upkeep more CPU than the kernel's own.  A
 * plain netlink socket subscribed to the IPv4/IPv6 route and rule groups
 * (and nexthop objects) only learns that routing changed.  A rule or
 * nexthop event, or a route event whose prefix holds a tunnel's remote
 * address, can move a tunnel's underlay: "changed".  Other route events
 * cannot, and only go to the route hook (the conntrack module drops the
 * flow path lookups they can change); when it wanted one, the report says
 * "flow paths only", and the daemon looks those paths up again without a
 * reconcile.  Overruns (ENOBUFS) mean "anything
 * may have changed": changed, and the hook is told so; nothing is
 * re-read.  Only messages from the kernel (nl_pid 0) count.
 *
 * Links: libnl hides IFLA_INFO_DATA and lacks getters for some tunnel
 * kinds, so the struct link array comes from our own RTM_GETLINK dump
 * (libmnl + link_parse.c), redone on the first snapshot after any link
 * event.  A router has tens of links, so a full dump (a few KB) per link
 * change costs less than keeping a second, incremental link model in step
 * with libnl's; the price is one extra round trip per debounced change.
 *
 * Routes: every snapshot redoes one RTM_GETROUTE per tunnel: the kernel
 * applies policy rules, marks, oif binding and multipath exactly as the
 * tunnel would.  The route/addr cache is there for its events (a local
 * address appearing can resolve a tunnel).  Note IPv4 routes the kernel
 * flushes on link down produce no event; the link event that caused it
 * covers that.
 *
 * Order at start: the caches subscribe to their groups before their first
 * dump, and our own link dump happens after that (at snapshot time), so
 * any change after our dump shows up as an event: no gap.
 *
 * Lost events (ENOBUFS shows as -NLE_NOMEM, or any receive error): the
 * state is unknown, so every cache is refilled, links re-dumped, the
 * daemon notified, and the resync counted.
 */
#include "config.h"	/* _GNU_SOURCE: recvmmsg() */

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "link_parse.h"
#include "log.h"
#include "nl_talk.h"
#include "nlattr_util.h"
#include "pppoe.h"
#include "topo.h"
#include "tunnel_route.h"

#define TOPO_EVENT_RCVBUF (4 * 1024 * 1024)
#define TOPO_DUMP_BUFSIZE (64 * 1024)
#define TOPO_DUMP_TRIES 4
#define TOPO_RESYNC_DELAY 0.1		/* seconds: coalesce an event storm */
#define TOPO_RESYNC_RETRY 1.0
#define TOPO_PPPOE_MAX (64 * 1024)

#define TOPO_ROUTE_VLEN 32		/* datagrams per recvmmsg() */
#define TOPO_ROUTE_DGRAM (8 * 1024)	/* room per datagram: one event each */
#define TOPO_ROUTE_CALLS 64		/* recvmmsg() calls per wakeup */
#define TOPO_ROUTE_DELAY 0.01		/* s: let a burst gather before reading */

static const char *const topo_caches[] = { "route/link", "route/addr" };
#define N_CACHES (sizeof(topo_caches) / sizeof(topo_caches[0]))

struct topo_ctx {
	struct ev_loop *loop;
	ev_io io;
	ev_timer resync_timer;
	topo_changed_cb cb;
	void *cb_arg;

	struct nl_cache_mngr *mngr;
	struct nl_sock *sync_sk;		/* refills after lost events */
	struct nl_cache *caches[N_CACHES];

	int rt_fd;				/* route/rule events, no cache */
	ev_io rt_io;
	ev_timer rt_timer;
	topo_route_hook route_hook;
	void *route_arg;
	char *rt_buf;

	struct nl_talk talk;			/* link dumps and route lookups */

	struct link *links;			/* last dump */
	size_t n_links;
	bool links_stale;
	bool changed;				/* set by cache callbacks */
	bool route_changed;			/* ... of which by route events */
	bool paths_changed;			/* route events the hook wanted */
	bool resync_pending;
	struct topo_stats stats;
};

/* Report what changed since the last report, if anything. */
static void topo_notify(struct topo_ctx *ctx)
{
	enum topo_change what = ctx->changed ? TOPO_CHANGE_ALL : TOPO_CHANGE_FLOW_PATHS;

	if (!ctx->changed && !ctx->paths_changed)
		return;
	/* Counted apart: how often route churn costs a reconcile, or less. */
	if (ctx->route_changed)
		ctx->stats.route_reconciles++;
	else if (what == TOPO_CHANGE_FLOW_PATHS)
		ctx->stats.route_path_updates++;
	ctx->route_changed = false;
	ctx->changed = false;
	ctx->paths_changed = false;
	if (ctx->cb != NULL)
		ctx->cb(ctx->cb_arg, what);
}

static void cache_changed(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct topo_ctx *ctx = arg;
	const char *type = obj != NULL ? nl_object_get_type(obj) : NULL;

	ctx->stats.events++;
	ctx->changed = true;
	if (type == NULL || strcmp(type, "route/link") == 0) {
		ctx->links_stale = true;
		/* Links going down or away move routes without route events. */
		if (ctx->route_hook != NULL)
			(void)ctx->route_hook(ctx->route_arg, NULL, 0);
	}
}

/* --- route and rule events: no cache --- */

static bool addr_in_prefix(const uint8_t *addr, const uint8_t *prefix, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(addr, prefix, bytes) != 0)
		return false;
	return bits == 0 || ((addr[bytes] ^ prefix[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

/* Can this route message move a tunnel's underlay? Malformed: assume so. */
static bool route_moves_tunnels(const struct topo_ctx *ctx, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	uint8_t dst[16] = { 0 };
	size_t alen;

	if (ctx->links == NULL || ctx->links_stale)
		return true;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm)))
		return true;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return false;
	if (rtm->rtm_flags & RTM_F_CLONED)
		return false;
	alen = rtm->rtm_family == AF_INET ? 4 : 16;
	if (rtm->rtm_dst_len > alen * 8 || nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return true;
	if (tb[RTA_DST] != NULL) {
		if (nlattr_len_is(tb[RTA_DST], alen) < 0)
			return true;
		memcpy(dst, mnl_attr_get_payload(tb[RTA_DST]), alen);
	}
	for (size_t i = 0; i < ctx->n_links; i++) {
		const struct link *l = &ctx->links[i];

		if (l->type == LINK_TYPE_TUNNEL && l->tun.remote.family == rtm->rtm_family &&
		    addr_in_prefix(l->tun.remote.bytes, dst, rtm->rtm_dst_len))
			return true;
	}
	return false;
}

void topo_route_events(struct topo_ctx *ctx, const void *buf, size_t len)
{
	const struct nlmsghdr *m = buf;
	int rem = len > INT_MAX ? INT_MAX : (int)len;

	for (; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem)) {
		bool moves;

		switch (m->nlmsg_type) {
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			moves = route_moves_tunnels(ctx, m);
			break;
		case RTM_NEWRULE:
		case RTM_DELRULE:
		case RTM_NEWNEXTHOP:
		case RTM_DELNEXTHOP:
			moves = true;
			break;
		default:
			continue;
		}
		ctx->stats.route_events++;
		/* The hook's paths move without a reconcile (see topo_notify()). */
		if (ctx->route_hook != NULL && ctx->route_hook(ctx->route_arg, m, (size_t)rem))
			ctx->paths_changed = true;
		if (moves) {
			ctx->stats.events++;
			ctx->changed = true;
			ctx->route_changed = true;
		}
	}
}

static void route_events_lost(struct topo_ctx *ctx, int err)
{
	ctx->stats.route_overruns++;
	log_warnx("route events lost (%s): paths looked up again", strerror(err));
	ctx->changed = true;
	ctx->route_changed = true;
	if (ctx->route_hook != NULL)
		(void)ctx->route_hook(ctx->route_arg, NULL, 0);
}

/*
 * Read what is pending, bounded (the watcher is level-triggered).  Each
 * event is a datagram of its own: recvmmsg() takes up to TOPO_ROUTE_VLEN
 * per system call, which under a churn of thousands of routes a second is
 * most of the cost.
 */
static void route_dispatch(struct topo_ctx *ctx)
{
	struct sockaddr_nl sa[TOPO_ROUTE_VLEN];
	struct iovec iov[TOPO_ROUTE_VLEN];
	struct mmsghdr mm[TOPO_ROUTE_VLEN];

	for (int call = 0; call < TOPO_ROUTE_CALLS; call++) {
		int n;

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < TOPO_ROUTE_VLEN; i++) {
			iov[i].iov_base = ctx->rt_buf + (size_t)i * TOPO_ROUTE_DGRAM;
			iov[i].iov_len = TOPO_ROUTE_DGRAM;
			mm[i].msg_hdr.msg_name = &sa[i];
			mm[i].msg_hdr.msg_namelen = sizeof(sa[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(ctx->rt_fd, mm, TOPO_ROUTE_VLEN, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			/* ENOBUFS: the kernel dropped events; the socket goes on. */
			route_events_lost(ctx, errno);
			if (errno != ENOBUFS)
				return;
			continue;
		}
		for (int i = 0; i < n; i++) {
			switch (nl_msghdr_check(&mm[i].msg_hdr)) {
			case 0:
				ctx->stats.foreign++;
				continue;	/* not from the kernel */
			case 1:
				topo_route_events(ctx, iov[i].iov_base, mm[i].msg_len);
				break;
			default:
				route_events_lost(ctx, EMSGSIZE);
				break;
			}
		}
		if (n < TOPO_ROUTE_VLEN)
			return;
	}
}

static void route_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct topo_ctx *ctx = w->data;

	route_dispatch(ctx);
	topo_notify(ctx);
	ev_io_start(loop, &ctx->rt_io);
}

/* Readable: read a little later, so that a burst costs a few wakeups. */
static void route_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct topo_ctx *ctx = w->data;

	ev_io_stop(loop, w);
	ev_timer_set(&ctx->rt_timer, TOPO_ROUTE_DELAY, 0.);
	ev_timer_start(loop, &ctx->rt_timer);
}

void topo_set_route_hook(struct topo_ctx *ctx, topo_route_hook hook, void *arg)
{
	ctx->route_hook = hook;
	ctx->route_arg = arg;
}

/* --- our own link dump --- */

static int links_append(struct link **v, size_t *n, size_t *cap, const struct link *l)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct link *nv = realloc(*v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *l;
	return 0;
}

struct link_dump {
	struct topo_ctx *ctx;
	struct link *v;
	size_t n, cap;
	int err;				/* the kernel's, for the log */
};

/* Each answer of the dump: a link, its end, or the kernel's error. */
static int dump_answer(const struct nlmsghdr *m, size_t rem, uint32_t idx, void *arg)
{
	struct link_dump *d = arg;
	struct link l;

	switch (m->nlmsg_type) {
	case NLMSG_DONE:
		d->err = nl_msg_done(m);
		return d->err < 0 ? d->err : NL_FINISHED;
	case NLMSG_ERROR:
		d->err = nl_msg_error(m, NULL, 0);
		return d->err < 0 ? d->err : NL_FINISHED;
	case RTM_NEWLINK:
		break;
	default:
		return NL_MORE;
	}
	if (link_parse(m, &l) < 0) {
		d->ctx->stats.bad_links++;
		log_warn("link dump: skipping a malformed RTM_NEWLINK");
		return NL_MORE;
	}
	if (links_append(&d->v, &d->n, &d->cap, &l) < 0)
		return -ENOMEM;
	return NL_MORE;
}

/* One RTM_GETLINK dump; *intr says the kernel flagged it inconsistent. */
static int dump_links_once(struct topo_ctx *ctx, char *buf, struct link **out, size_t *n_out,
			   bool *intr)
{
	char req[128];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ifinfomsg *ifi;
	struct link_dump d = { .ctx = ctx };
	struct nl_exchange x = { .first = nl_talk_seq(&ctx->talk, 1), .count = 1,
				 .cb = dump_answer, .arg = &d };
	int r;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = x.first;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_exchange(&ctx->talk, nlh, nlh->nlmsg_len, buf, TOPO_DUMP_BUFSIZE, &x);
	*intr = x.dump_intr;
	if (r == -EINTR) {
		/* A dump the kernel could not finish consistently: dump again. */
		*intr = true;
		r = 0;
	}
	if (r < 0) {
		log_warnx("link dump: %s", strerror(-r));
		free(d.v);
		return -1;
	}
	*out = d.v;
	*n_out = d.n;
	return 0;
}

/* Best effort: a missing /proc/net/pppoe (no pppoe module) is normal. */
static void links_pppoe(struct link *links, size_t n)
{
	char *text;
	ssize_t len;
	int fd;

	for (size_t i = 0; i < n; i++)
		if (links[i].type == LINK_TYPE_PPP && links[i].lower_ifindex == 0)
			goto read;
	return;
read:
	fd = open(PPPOE_PROC_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	text = malloc(TOPO_PPPOE_MAX);
	if (text != NULL) {
		len = read(fd, text, TOPO_PPPOE_MAX - 1);
		if (len >= 0) {
			text[len] = '\0';
			if (pppoe_assign_lower(links, n, text) == 1)
				log_debug("ppp lower device taken from %s", PPPOE_PROC_PATH);
		}
		free(text);
	}
	close(fd);
}

static int dump_links(struct topo_ctx *ctx)
{
	char *buf = malloc(TOPO_DUMP_BUFSIZE);
	struct link *v = NULL;
	size_t n = 0;
	bool intr = true;

	if (buf == NULL) {
		log_warn("link dump");
		return -1;
	}
	/* A dump interrupted by a concurrent change may be inconsistent: redo it. */
	for (int try = 0; try < TOPO_DUMP_TRIES && intr; try++) {
		free(v);
		v = NULL;
		if (try > 0)
			ctx->stats.dump_retries++;
		if (dump_links_once(ctx, buf, &v, &n, &intr) < 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	if (intr)
		log_warnx("link dump still interrupted after %d tries; using it", TOPO_DUMP_TRIES);
	links_pppoe(v, n);
	free(ctx->links);
	ctx->links = v;
	ctx->n_links = n;
	ctx->links_stale = false;
	ctx->stats.link_dumps++;
	return 0;
}

/* --- resync --- */

static int refill_caches(struct topo_ctx *ctx)
{
	int ret = 0;

	for (size_t i = 0; i < N_CACHES; i++) {
		int err = nl_cache_refill(ctx->sync_sk, ctx->caches[i]);

		if (err < 0) {
			log_warnx("refilling %s: %s", topo_caches[i], nl_geterror(err));
			ret = -1;
		}
	}
	return ret;
}

int topo_resync(struct topo_ctx *ctx)
{
	int ret = refill_caches(ctx);

	ctx->links_stale = true;
	if (ctx->route_hook != NULL)
		(void)ctx->route_hook(ctx->route_arg, NULL, 0);
	if (ret < 0) {
		ctx->stats.resync_failures++;
		ctx->resync_pending = true;
		if (ctx->loop != NULL) {
			ev_timer_set(&ctx->resync_timer, TOPO_RESYNC_RETRY, 0.);
			ev_timer_start(ctx->loop, &ctx->resync_timer);
		}
	} else {
		ctx->resync_pending = false;
	}
	/* Even a failed refill leaves stale links to re-dump: say so. */
	ctx->changed = true;
	topo_notify(ctx);
	return ret;
}

static void resync_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct topo_ctx *ctx = w->data;

	(void)topo_resync(ctx);
}

static int events_lost(struct topo_ctx *ctx, int err)
{
	ctx->stats.resyncs++;
	log_warnx("topology events lost (%s): full resync", nl_geterror(err));
	ctx->links_stale = true;
	if (ctx->loop == NULL)
		return topo_resync(ctx);
	ctx->resync_pending = true;
	if (!ev_is_active(&ctx->resync_timer)) {
		ev_timer_set(&ctx->resync_timer, TOPO_RESYNC_DELAY, 0.);
		ev_timer_start(ctx->loop, &ctx->resync_timer);
	}
	return 0;
}

int topo_dispatch(struct topo_ctx *ctx)
{
	int err = nl_cache_mngr_data_ready(ctx->mngr);
	int ret = 0;

	if (err < 0)
		ret = events_lost(ctx, err);
	else if (ctx->resync_pending && ctx->loop == NULL)
		ret = topo_resync(ctx);
	route_dispatch(ctx);
	topo_notify(ctx);
	return ret;
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)topo_dispatch(w->data);
}

/* --- setup --- */

static void set_rcvbuf(int fd, int size)
{
	/* FORCE needs CAP_NET_ADMIN, which flowd has; else take what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		log_warn("event socket receive buffer");
}

static int open_talk(struct topo_ctx *ctx)
{
	/* The kernel answers at once; a timeout keeps a lost answer from hanging the loop. */
	int r = nl_talk_open(&ctx->talk, NETLINK_ROUTE, 2000);

	if (r < 0) {
		log_warnx("rtnetlink socket: %s", strerror(-r));
		return -1;
	}
	return 0;
}

static int open_libnl(struct topo_ctx *ctx)
{
	int err;

	ctx->sync_sk = nl_socket_alloc();
	if (ctx->sync_sk == NULL) {
		log_warnx("libnl: cannot allocate a socket");
		return -1;
	}
	err = nl_connect(ctx->sync_sk, NETLINK_ROUTE);
	if (err < 0) {
		log_warnx("libnl connect: %s", nl_geterror(err));
		return -1;
	}
	/* Flags 0: no NL_AUTO_PROVIDE, these caches stay ours, not process-wide. */
	err = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &ctx->mngr);
	if (err < 0) {
		log_warnx("libnl cache manager: %s", nl_geterror(err));
		return -1;
	}
	set_rcvbuf(nl_cache_mngr_get_fd(ctx->mngr), TOPO_EVENT_RCVBUF);
	/*
	 * Empty caches (NULL socket: allocated, not filled) from libnl-route's
	 * own allocators, not nl_cache_mngr_add() by name: nothing else would
	 * reference libnl-route, so with --as-needed it would not be linked and
	 * its cache types would be unknown ("route/link": invalid cache type).
	 */
	for (size_t i = 0; i < N_CACHES; i++) {
		struct nl_cache *cache = NULL;

		if (i == 0)
			err = rtnl_link_alloc_cache_flags(NULL, AF_UNSPEC, &cache, 0);
		else
			err = rtnl_addr_alloc_cache(NULL, &cache);
		if (err < 0) {
			log_warnx("libnl cache %s: %s", topo_caches[i], nl_geterror(err));
			return -1;
		}
		/* Subscribes, then fills: events queue up meanwhile, no gap. */
		err = nl_cache_mngr_add_cache(ctx->mngr, cache, cache_changed, ctx);
		if (err < 0) {
			log_warnx("libnl cache %s: %s", topo_caches[i], nl_geterror(err));
			nl_cache_free(cache);
			return -1;
		}
		ctx->caches[i] = cache;
	}
	return 0;
}

/* Subscribed before the caches fill and before any snapshot: no gap. */
static int open_route_events(struct topo_ctx *ctx)
{
	static const unsigned int groups[] = {
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
		RTNLGRP_NEXTHOP,
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	ctx->rt_buf = malloc((size_t)TOPO_ROUTE_VLEN * TOPO_ROUTE_DGRAM);
	if (ctx->rt_buf == NULL) {
		log_warn("route events");
		return -1;
	}
	ctx->rt_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (ctx->rt_fd < 0 || bind(ctx->rt_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_warn("route event socket");
		return -1;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		/* Nexthop objects are newer than some kernels: only they may fail. */
		if (setsockopt(ctx->rt_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
			       sizeof(groups[i])) < 0 && groups[i] != RTNLGRP_NEXTHOP) {
			log_warn("route event socket: group %u", groups[i]);
			return -1;
		}
	}
	set_rcvbuf(ctx->rt_fd, TOPO_EVENT_RCVBUF);
	return 0;
}

int topo_init(struct topo_ctx **out, struct ev_loop *loop, topo_changed_cb cb, void *arg)
{
	struct topo_ctx *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (ctx == NULL) {
		log_warn("topology");
		return -1;
	}
	ctx->loop = loop;
	ctx->cb = cb;
	ctx->cb_arg = arg;
	ctx->links_stale = true;
	ctx->rt_fd = -1;
	ctx->talk.fd = -1;
	if (open_route_events(ctx) < 0 || open_libnl(ctx) < 0 || open_talk(ctx) < 0) {
		topo_fini(ctx);
		return -1;
	}
	ev_timer_init(&ctx->resync_timer, resync_timer_cb, TOPO_RESYNC_DELAY, 0.);
	ctx->resync_timer.data = ctx;
	ev_io_init(&ctx->io, io_cb, nl_cache_mngr_get_fd(ctx->mngr), EV_READ);
	ctx->io.data = ctx;
	ev_io_init(&ctx->rt_io, route_io_cb, ctx->rt_fd, EV_READ);
	ctx->rt_io.data = ctx;
	ev_timer_init(&ctx->rt_timer, route_timer_cb, TOPO_ROUTE_DELAY, 0.);
	ctx->rt_timer.data = ctx;
	if (loop != NULL) {
		ev_io_start(loop, &ctx->io);
		ev_io_start(loop, &ctx->rt_io);
	}
	*out = ctx;
	return 0;
}

void topo_fini(struct topo_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->loop != NULL) {
		ev_io_stop(ctx->loop, &ctx->io);
		ev_io_stop(ctx->loop, &ctx->rt_io);
		ev_timer_stop(ctx->loop, &ctx->rt_timer);
		ev_timer_stop(ctx->loop, &ctx->resync_timer);
	}
	if (ctx->rt_fd >= 0)
		close(ctx->rt_fd);
	free(ctx->rt_buf);
	/* The manager frees the caches it holds. */
	if (ctx->mngr != NULL)
		nl_cache_mngr_free(ctx->mngr);
	if (ctx->sync_sk != NULL)
		nl_socket_free(ctx->sync_sk);
	nl_talk_close(&ctx->talk);
	free(ctx->links);
	free(ctx);
}

int topo_fd(const struct topo_ctx *ctx)
{
	return nl_cache_mngr_get_fd(ctx->mngr);
}

int topo_snapshot(struct topo_ctx *ctx, struct topo *out)
{
	memset(out, 0, sizeof(*out));
	if ((ctx->links_stale || ctx->links == NULL) && dump_links(ctx) < 0)
		return -1;
	out->links = calloc(ctx->n_links ? ctx->n_links : 1, sizeof(*out->links));
	if (out->links == NULL) {
		log_warn("topology snapshot");
		return -1;
	}
	if (ctx->n_links > 0)
		memcpy(out->links, ctx->links, ctx->n_links * sizeof(*out->links));
	out->n_links = ctx->n_links;
	if (tunnel_route_resolve_all(&ctx->talk, out, &ctx->stats.route_lookups) < 0) {
		log_warn("topology snapshot");
		topo_free(out);
		return -1;
	}
	return 0;
}

void topo_get_stats(const struct topo_ctx *ctx, struct topo_stats *out)
{
	*out = ctx->stats;
}
