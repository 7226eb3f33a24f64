// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracker's state machine, without sockets: events and dump replies
 * in, the set of offloaded flows (with their paths) out.
 *
 *	DESTROY			-> remove
 *	NEW/UPDATE, bit set	-> add (or update flags)
 *	UPDATE, bit clear	-> remove: the offload ended (torn down)
 *	NEW			-> arm a refresh: offload follows in a packet or two
 *	dump			-> mark every entry seen; at the end, sweep the rest
 *
 * A dump is the authority: the sweep rebuilds the set exactly, so a resync
 * after lost events does not drift and repeating it changes nothing.  An
 * aborted dump sweeps nothing (ct_dump_end is not called).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "ct.h"
#include "ct_int.h"
#include "log.h"

void ct_config_default(struct ct_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rcvbuf = CT_DEFAULT_RCVBUF;
	cfg->groups = 0x1 | 0x2 | 0x4;	/* NF_NETLINK_CONNTRACK_NEW|UPDATE|DESTROY */
	cfg->refresh_after_new = CT_DEFAULT_REFRESH_NEW;
	cfg->refresh_period = CT_DEFAULT_REFRESH;
	cfg->rebuild_pct = CT_DEFAULT_REBUILD_PCT;
	cfg->offload_bit = 1u << 14;	/* IPS_OFFLOAD */
	cfg->hw_bit = 1u << 15;		/* IPS_HW_OFFLOAD */
}

int ct_new(const struct ct_config *cfg, struct ct_ctx **out)
{
	struct ct_ctx *ct = calloc(1, sizeof(*ct));

	*out = NULL;
	if (ct == NULL)
		return -ENOMEM;
	if (cfg != NULL)
		ct->cfg = *cfg;
	else
		ct_config_default(&ct->cfg);
	ct->flows = ct_flows_new();
	if (ct->flows == NULL || ct_pc_init(&ct->pc) < 0) {
		ct_state_free(ct);
		free(ct);
		return -ENOMEM;
	}
	ct->last_refresh = -1;
	ct->del.fd = -1;
	*out = ct;
	return 0;
}

void ct_state_free(struct ct_ctx *ct)
{
	ct_flows_free(ct->flows);
	ct->flows = NULL;
	ct_pc_free(&ct->pc);
	free(ct->devs);
	free(ct->tuns);
	free(ct->vrfs);
	free(ct->ifstats);
	ct->devs = NULL;
	ct->tuns = NULL;
	ct->vrfs = NULL;
	ct->ifstats = NULL;
	ct->n_devs = ct->n_tuns = ct->n_vrfs = ct->n_ifstats = ct->cap_ifstats = 0;
}

const struct ct_flows *ct_table(const struct ct_ctx *ct)
{
	return ct->flows;
}

void ct_get_stats(const struct ct_ctx *ct, struct ct_stats *out)
{
	*out = ct->stats;
}

/* --- paths --- */

const struct ct_ptun *ct_find_tun(const struct ct_ptun *tuns, size_t n, int ifindex)
{
	if (ifindex <= 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (tuns[i].ifindex == ifindex)
			return &tuns[i];
	return NULL;
}

static size_t add_dev(int *v, size_t n, int ifindex)
{
	if (ifindex <= 0)
		return n;
	for (size_t i = 0; i < n; i++)
		if (v[i] == ifindex)
			return n;
	v[n] = ifindex;
	return n + 1;
}

size_t ct_flow_devices(const struct ct_ptun *tuns, size_t n_tuns, const struct ct_flow *f,
		       int out[CT_MAX_DEVS])
{
	const struct ct_ptun *ti = ct_find_tun(tuns, n_tuns, f->in_if);
	const struct ct_ptun *to = ct_find_tun(tuns, n_tuns, f->out_if);
	size_t n = 0;

	n = add_dev(out, n, f->in_if);
	n = add_dev(out, n, f->out_if);
	if (ti != NULL)
		n = add_dev(out, n, ti->underlay);
	if (to != NULL)
		n = add_dev(out, n, to->underlay);
	return n;
}

const struct ct_ifstat *ct_ifstat_find(const struct ct_ctx *ct, int ifindex)
{
	for (size_t i = 0; i < ct->n_ifstats; i++)
		if (ct->ifstats[i].ifindex == ifindex)
			return &ct->ifstats[i];
	return NULL;
}

struct ct_ifstat *ct_ifstat(struct ct_ctx *ct, int ifindex)
{
	struct ct_ifstat *s = (struct ct_ifstat *)ct_ifstat_find(ct, ifindex);

	if (s != NULL)
		return s;
	if (ct->n_ifstats == ct->cap_ifstats) {
		size_t ncap = ct->cap_ifstats ? ct->cap_ifstats * 2 : 16;
		struct ct_ifstat *nv = realloc(ct->ifstats, ncap * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		ct->ifstats = nv;
		ct->cap_ifstats = ncap;
	}
	s = &ct->ifstats[ct->n_ifstats++];
	memset(s, 0, sizeof(*s));
	s->ifindex = ifindex;
	return s;
}

void ct_count_seen(struct ct_ctx *ct, const struct ct_flow *f)
{
	int devs[CT_MAX_DEVS];
	size_t n = ct_flow_devices(ct->tuns, ct->n_tuns, f, devs);

	for (size_t i = 0; i < n; i++) {
		struct ct_ifstat *s = ct_ifstat(ct, devs[i]);

		if (s != NULL)
			s->seen++;
	}
}

void ct_count_flushed(struct ct_ctx *ct, const struct ct_flow *f)
{
	int devs[CT_MAX_DEVS];
	size_t n = ct_flow_devices(ct->tuns, ct->n_tuns, f, devs);

	ct->stats.flushed++;
	for (size_t i = 0; i < n; i++) {
		struct ct_ifstat *s = ct_ifstat(ct, devs[i]);

		if (s != NULL)
			s->flushed++;
	}
}

/* --- applying what the kernel says --- */

/* New flows get their paths once per buffer or dump: lookups in batches. */
static void resolve_new(struct ct_ctx *ct)
{
	int r = ct_paths_resolve(ct, false);

	if (r < 0)
		log_warnx("conntrack: looking up flow paths: %s (retried)", strerror(-r));
}

/* The entry is offloaded now: add it, or refresh what may change. */
static void flow_offloaded(struct ct_ctx *ct, struct ct_flow *f, uint32_t status)
{
	struct ct_flow *have;
	bool created;

	f->flags &= (uint8_t)~(CT_FLOW_OFFLOAD | CT_FLOW_HW);
	f->flags |= CT_FLOW_OFFLOAD;
	if (status & ct->cfg.hw_bit)
		f->flags |= CT_FLOW_HW;
	f->gen = ct->gen;
	/* Paths are looked up in a batch after this buffer or dump (ct_paths.c). */
	f->flags |= CT_FLOW_UNRESOLVED | CT_FLOW_UNCOUNTED;
	f->in_if = f->out_if = 0;
	have = ct_flows_insert(ct->flows, f, &created);
	if (have == NULL) {
		log_warnx("conntrack: out of memory tracking an offloaded flow");
		return;
	}
	if (created) {
		ct->stats.seen++;
		ct->unresolved = true;
		return;
	}
	/* The lookups depend on the mark and the destination only. */
	if (have->mark != f->mark || memcmp(have->rdst, f->rdst, sizeof(have->rdst)) != 0) {
		have->flags |= CT_FLOW_UNRESOLVED;
		ct->unresolved = true;
	}
	have->flags = (uint8_t)(f->flags & ~(CT_FLOW_UNRESOLVED | CT_FLOW_UNCOUNTED)) |
		      (have->flags & (CT_FLOW_UNRESOLVED | CT_FLOW_UNCOUNTED));
	have->gen = f->gen;
	have->mark = f->mark;
	memcpy(have->rdst, f->rdst, sizeof(have->rdst));
}

static void apply(struct ct_ctx *ct, int kind, struct ct_flow *f, uint32_t status, double now)
{
	switch (kind) {
	case CT_MSG_DESTROY:
		ct->stats.events_destroy++;
		ct_flows_delete(ct->flows, f);
		return;
	case CT_MSG_NEW:
		ct->stats.events_new++;
		/* The flowtable takes TCP, UDP and (6.12) GRE only. */
		if (!ct->new_pending && (f->l4proto == IPPROTO_TCP || f->l4proto == IPPROTO_UDP ||
					 f->l4proto == IPPROTO_GRE)) {
			ct->new_pending = true;
			ct->first_new = now;
		}
		break;
	case CT_MSG_UPDATE:
		ct->stats.events_update++;
		break;
	default:
		return;
	}
	if (status & ct->cfg.offload_bit)
		flow_offloaded(ct, f, status);
	else
		ct_flows_delete(ct->flows, f);
}

/*
 * Not mnl_nlmsg_ok(): it takes an nlmsg_len >= 2^31 for a negative length
 * and walks off the buffer.  The kernel never sends that; we still check.
 */
void ct_feed(struct ct_ctx *ct, const void *buf, size_t len, double now)
{
	const char *p = buf;
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(p + off);
		size_t mlen = nlh->nlmsg_len;
		struct ct_flow f;
		uint32_t status;
		int kind;

		ct->stats.events++;
		if (mlen < sizeof(*nlh) || mlen > len - off) {
			ct->stats.malformed++;
			return;		/* the rest cannot be framed */
		}
		kind = ct_msg_parse(nlh, mlen, &f, &status);
		if (kind < 0)
			ct->stats.malformed++;
		else
			apply(ct, kind, &f, status, now);
		mlen = NLMSG_ALIGN(mlen);
		off = mlen < len - off ? off + mlen : len;
	}
	if (off < len)
		ct->stats.malformed++;	/* trailing bytes that are no message */
	resolve_new(ct);
}

/* --- dumps --- */

void ct_dump_begin(struct ct_ctx *ct)
{
	ct->gen++;
	ct->in_dump = true;
}

void ct_dump_msg(struct ct_ctx *ct, const void *nlh, size_t len)
{
	struct ct_flow f;
	uint32_t status;
	int kind = ct_msg_parse(nlh, len, &f, &status);

	ct->stats.dumped++;
	if (kind < 0) {
		ct->stats.malformed++;
		return;
	}
	/* Kernels without the status filter send every entry. */
	if (kind == CT_MSG_UPDATE && (status & ct->cfg.offload_bit))
		flow_offloaded(ct, &f, status);
}

void ct_dump_end(struct ct_ctx *ct, double now, bool resync)
{
	/* Downwards: deleting at i moves an already checked flow into i. */
	for (size_t i = ct_flows_count(ct->flows); i-- > 0;)
		if (ct_flows_at(ct->flows, i)->gen != ct->gen)
			ct_flows_delete_at(ct->flows, i);
	ct->in_dump = false;
	resolve_new(ct);
	ct->stats.refreshes++;
	if (resync)
		ct->stats.resyncs++;
	ct->resync_pending = false;
	ct->refresh_failed = false;
	ct->new_pending = false;
	ct->last_refresh = now;
}

double ct_refresh_due(const struct ct_ctx *ct, double now)
{
	double at;

	if (ct->resync_pending || ct->refresh_failed)
		at = ct->retry_at;
	else if (ct->new_pending)
		at = ct->first_new + ct->cfg.refresh_after_new;
	/*
	 * Also with none tracked while the flowtable has devices: flows the
	 * kernel tore down and set up again send no event, and a dump that
	 * fell in between left them out.
	 */
	else if ((ct_flows_count(ct->flows) > 0 || ct->n_devs > 0) && ct->cfg.refresh_period > 0)
		at = (ct->last_refresh < 0 ? now : ct->last_refresh) + ct->cfg.refresh_period;
	else
		return -1;
	return at > now ? at - now : 0;
}

/* --- topology --- */

static bool has_vrf(const int32_t *vrfs, size_t n, int32_t vrf)
{
	for (size_t i = 0; i < n; i++)
		if (vrfs[i] == vrf)
			return true;
	return false;
}

/*
 * Install the flowtable devices' VRFs.  Flow paths are looked up in
 * their tables: when the set changes, every cached answer may be wrong.
 */
static void set_vrfs(struct ct_ctx *ct, int32_t *vrfs, size_t n)
{
	bool same = n == ct->n_vrfs;

	for (size_t i = 0; same && i < n; i++)
		same = has_vrf(ct->vrfs, ct->n_vrfs, vrfs[i]);
	free(ct->vrfs);
	ct->vrfs = vrfs;
	ct->n_vrfs = n;
	if (!same)
		ct_paths_invalidate(ct);
}

int ct_set_plan(struct ct_ctx *ct, const struct plan *plan)
{
	struct ct_pdev *devs = NULL;
	struct ct_ptun *tuns = NULL;
	int32_t *vrfs = NULL, vrf;
	size_t n_vrfs = 0;

	if (plan->n_devices > 0) {
		devs = calloc(plan->n_devices, sizeof(*devs));
		vrfs = calloc(plan->n_devices, sizeof(*vrfs));
		if (devs == NULL || vrfs == NULL) {
			free(devs);
			free(vrfs);
			return -ENOMEM;
		}
	}
	if (plan->n_tunnels > 0) {
		tuns = calloc(plan->n_tunnels, sizeof(*tuns));
		if (tuns == NULL) {
			free(devs);
			free(vrfs);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < plan->n_devices; i++) {
		memcpy(devs[i].name, plan->devices[i].name, IFNAMSIZ);
		devs[i].name[IFNAMSIZ - 1] = '\0';
		devs[i].ifindex = plan->devices[i].ifindex;
		vrf = plan->devices[i].l3mdev_ifindex;
		if (vrf > 0 && !has_vrf(vrfs, n_vrfs, vrf))
			vrfs[n_vrfs++] = vrf;
	}
	for (size_t i = 0; i < plan->n_tunnels; i++) {
		memcpy(tuns[i].name, plan->tunnels[i].name, IFNAMSIZ);
		tuns[i].name[IFNAMSIZ - 1] = '\0';
		tuns[i].ifindex = plan->tunnels[i].ifindex;
		tuns[i].underlay = plan->tunnels[i].underlay_ifindex;
	}
	free(ct->devs);
	free(ct->tuns);
	ct->devs = devs;
	ct->n_devs = plan->n_devices;
	set_vrfs(ct, vrfs, n_vrfs);
	ct->tuns = tuns;
	ct->n_tuns = plan->n_tunnels;
	return 0;
}
