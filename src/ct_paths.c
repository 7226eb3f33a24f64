// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Flow paths as the kernel routes them: a cache of RTM_GETROUTE answers
 * per distinct lookup, dropped precisely by route events, and the walk
 * that resolves flows through it in batches.
 *
 * Which lookups.  A forwarded packet is routed by an input lookup: its
 * source and destination, the device it arrived on and its mark, so ip
 * rules with iif/from/fwmark, VRFs (the input device's l3mdev) and
 * rp_filter apply.  That is what we ask for, per direction:
 *
 *	out_if: input lookup  src -> rdst, arriving on in_if,  mark
 *	in_if:  input lookup rdst -> src,  arriving on out_if, mark
 *
 * (rdst is the reply's source: where the original direction goes after
 * DNAT; replies are routed after the reverse SNAT, so towards src.)
 * Conntrack does not record the input device, so each direction's is
 * taken from the other direction's output device (symmetric routing), and
 * to start, the source is first asked as an output lookup with the mark
 * only: an IPv4 output lookup with a source that is not local is refused
 * by the kernel, and without iif no iif rule can match.  Three rounds,
 * each one batch for all flows: the output lookups; the original
 * direction's input lookup; the reply's, arriving where the original
 * leaves.  When an input lookup gives no device (rp_filter refused the
 * guessed input device, say), the previous answer stands.
 *
 * VRFs.  A flow that arrived on a VRF's member was routed in the VRF's
 * table, which the output lookup towards its source does not see: it may
 * well answer with the main table's default route.  When the flowtable
 * has VRF members, the source is also asked for the route that matches
 * it (RTM_F_FIB_MATCH) in the main table and in each of those VRFs
 * (RTA_OIF = the VRF), and the most specific match names the input
 * device; on a tie, the table that matches the destination more
 * precisely, then the main table.  The input lookups then arrive on
 * that device, and the kernel routes them in its VRF.  The
 * conntrack mark stands for the packets' fwmark: rules restore it with
 * `meta mark set ct mark`, which is how marked flows keep their mark.
 * ECMP: the kernel picks the hop from the addresses (as the L3 hash of
 * fib_multipath_hash_policy 0 does); ports are not sent, so the cache
 * stays per address pair.
 *
 * Invalidation.  A route event (any table) for prefix P can only change
 * the answer for a lookup whose destination lies in P, or for an input
 * lookup, whose source does (rp_filter's reverse lookup).  Those keys are
 * dropped; rule, nexthop and link events, lost events and malformed route
 * events drop everything.  Events are queued and applied before the next
 * lookup, in one scan of the cache per batch, and a coarse filter of the
 * addresses in use skips the scan for most events of a full table's churn.
 *
 * Eviction: a walk over every flow stamps the keys it uses; when the cache
 * holds many more keys than flows need, the unstamped ones go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "ct.h"
#include "ct_int.h"
#include "log.h"

#define CT_PC_MIN_CAP 64
#define CT_LOOKUP_CHUNK 256		/* keys per backend call */

/* --- the cache --- */

static uint64_t key_hash(const struct ct_pcache *pc, const struct ct_rtkey *k)
{
	return ct_hash(k, sizeof(*k), pc->k0, pc->k1);
}

static bool key_equal(const struct ct_rtkey *a, const struct ct_rtkey *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void filter_set(struct ct_pcache *pc, int family, const uint8_t *addr)
{
	uint32_t bit;

	if (family == AF_INET) {
		bit = (uint32_t)addr[0] << 8 | addr[1];
		pc->filter4[bit / 8] |= (uint8_t)(1u << (bit % 8));
	} else {
		bit = (uint32_t)(ct_hash(addr, 4, pc->k0, pc->k1) & (CT_PC_FILTER_BITS - 1));
		pc->filter6[bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
}

static void filter_add_key(struct ct_pcache *pc, const struct ct_rtkey *k)
{
	filter_set(pc, k->family, k->dst);
	if (k->input)
		filter_set(pc, k->family, k->src);
}

/* Could a key's address lie in this prefix? */
static bool filter_maybe(const struct ct_pcache *pc, const struct ct_route *r)
{
	uint32_t bit;

	if (r->family == AF_INET) {
		if (r->plen < 16)
			return true;
		bit = (uint32_t)r->addr[0] << 8 | r->addr[1];
		return pc->filter4[bit / 8] & (1u << (bit % 8));
	}
	if (r->plen < 32)
		return true;
	bit = (uint32_t)(ct_hash(r->addr, 4, pc->k0, pc->k1) & (CT_PC_FILTER_BITS - 1));
	return pc->filter6[bit / 8] & (1u << (bit % 8));
}

static struct ct_pc_entry *slot_for(const struct ct_pcache *pc, const struct ct_rtkey *k)
{
	size_t mask = pc->cap - 1;
	size_t pos = (size_t)key_hash(pc, k) & mask;

	for (;;) {
		struct ct_pc_entry *e = &pc->slots[pos];

		if (e->ifindex == CT_PC_EMPTY || key_equal(&e->key, k))
			return e;
		pos = (pos + 1) & mask;
	}
}

static struct ct_pc_entry *alloc_slots(size_t cap)
{
	struct ct_pc_entry *v = calloc(cap, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < cap; i++)
		v[i].ifindex = CT_PC_EMPTY;
	return v;
}

int ct_pc_init(struct ct_pcache *pc)
{
	uint64_t key[2];

	memset(pc, 0, sizeof(*pc));
	pc->slots = alloc_slots(CT_PC_MIN_CAP);
	if (pc->slots == NULL)
		return -ENOMEM;
	pc->cap = CT_PC_MIN_CAP;
	ct_hash_key(key);
	pc->k0 = key[0];
	pc->k1 = key[1];
	return 0;
}

void ct_pc_free(struct ct_pcache *pc)
{
	free(pc->slots);
	pc->slots = NULL;
	pc->cap = pc->n = 0;
}

/*
 * Rebuild into a table of cap slots, keeping the entries keep() says
 * (all when NULL), and the address filter from them.
 */
static int rebuild(struct ct_pcache *pc, size_t cap,
		   bool (*keep)(const struct ct_pcache *, const struct ct_pc_entry *))
{
	struct ct_pc_entry *old = pc->slots, *v;
	size_t old_cap = pc->cap;

	while (cap > CT_PC_MIN_CAP && cap / 4 > pc->n)
		cap /= 2;
	v = alloc_slots(cap);
	if (v == NULL)
		return -ENOMEM;
	pc->slots = v;
	pc->cap = cap;
	pc->n = 0;
	memset(pc->filter4, 0, sizeof(pc->filter4));
	memset(pc->filter6, 0, sizeof(pc->filter6));
	for (size_t i = 0; i < old_cap; i++) {
		struct ct_pc_entry *e = &old[i];

		if (e->ifindex == CT_PC_EMPTY || (keep != NULL && !keep(pc, e)))
			continue;
		*slot_for(pc, &e->key) = *e;
		pc->n++;
		filter_add_key(pc, &e->key);
	}
	free(old);
	return 0;
}

struct ct_pc_entry *ct_pc_find(const struct ct_pcache *pc, const struct ct_rtkey *k)
{
	struct ct_pc_entry *e = slot_for(pc, k);

	return e->ifindex == CT_PC_EMPTY ? NULL : e;
}

struct ct_pc_entry *ct_pc_add(struct ct_pcache *pc, const struct ct_rtkey *k, bool *created)
{
	struct ct_pc_entry *e = slot_for(pc, k);

	*created = false;
	if (e->ifindex != CT_PC_EMPTY)
		return e;
	if ((pc->n + 1) * 2 > pc->cap) {
		if (rebuild(pc, pc->cap * 2, NULL) < 0)
			return NULL;
		e = slot_for(pc, k);
	}
	e->key = *k;
	e->ifindex = CT_PC_PENDING;
	e->used = pc->stamp;
	pc->n++;
	filter_add_key(pc, k);
	*created = true;
	return e;
}

/* Linear probing: shift the run after the hole back (no tombstones). */
void ct_pc_remove(struct ct_pcache *pc, const struct ct_rtkey *k)
{
	size_t mask = pc->cap - 1;
	struct ct_pc_entry *e = slot_for(pc, k);
	size_t i, j;

	if (e->ifindex == CT_PC_EMPTY)
		return;
	i = (size_t)(e - pc->slots);
	e->ifindex = CT_PC_EMPTY;
	pc->n--;
	for (j = (i + 1) & mask; pc->slots[j].ifindex != CT_PC_EMPTY; j = (j + 1) & mask) {
		size_t home = (size_t)key_hash(pc, &pc->slots[j].key) & mask;

		/* Stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		pc->slots[i] = pc->slots[j];
		pc->slots[j].ifindex = CT_PC_EMPTY;
		i = j;
	}
}

static bool addr_in_prefix(const uint8_t *addr, const uint8_t *prefix, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(addr, prefix, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((addr[bytes] ^ prefix[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

bool ct_rtkey_in_prefix(const struct ct_rtkey *k, int family, unsigned int plen,
			const uint8_t *addr)
{
	if (k->family != family || plen > (family == AF_INET ? 32u : 128u))
		return false;
	return addr_in_prefix(k->dst, addr, plen) ||
	       (k->input && addr_in_prefix(k->src, addr, plen));
}

bool ct_pc_note_route(struct ct_pcache *pc, const struct ct_route *r)
{
	/* Everything goes already: the caller was told when that was decided. */
	if (pc->drop_all)
		return false;
	if (pc->n == 0 || !filter_maybe(pc, r))
		return false;
	if (pc->n_pending == CT_PC_MAX_PENDING) {
		ct_pc_note_all(pc);
		return true;
	}
	pc->pending[pc->n_pending++] = *r;
	return true;
}

void ct_pc_note_all(struct ct_pcache *pc)
{
	pc->drop_all = true;
	pc->n_pending = 0;
}

static bool keep_unaffected(const struct ct_pcache *pc, const struct ct_pc_entry *e)
{
	for (size_t i = 0; i < pc->n_pending; i++) {
		const struct ct_route *r = &pc->pending[i];

		if (ct_rtkey_in_prefix(&e->key, r->family, r->plen, r->addr))
			return false;
	}
	return true;
}

static bool keep_none(const struct ct_pcache *pc, const struct ct_pc_entry *e)
{
	return false;
}

static bool keep_stamped(const struct ct_pcache *pc, const struct ct_pc_entry *e)
{
	return e->used == pc->stamp;
}

int ct_pc_sweep(struct ct_pcache *pc)
{
	return rebuild(pc, pc->cap, keep_stamped);
}

int ct_pc_apply(struct ct_pcache *pc)
{
	size_t before = pc->n;
	int r;

	if (pc->drop_all) {
		r = rebuild(pc, CT_PC_MIN_CAP, keep_none);
		if (r < 0)
			return r;
		pc->drop_all = false;
		pc->n_pending = 0;
		if (before > 0)
			pc->dirty = true;
		return 0;
	}
	if (pc->n_pending == 0)
		return 0;
	/* rebuild() reads pc->pending through keep_unaffected(). */
	r = rebuild(pc, pc->cap, keep_unaffected);
	if (r < 0)
		return r;
	pc->n_pending = 0;
	if (pc->n != before)
		pc->dirty = true;
	return 0;
}

/* --- resolving flows --- */

/* A batch of lookups to ask the backend. */
struct ask {
	struct ct_rtkey *keys;
	size_t n, cap;
	/*
	 * Keys the backend did not answer: they stay pending (not asked
	 * again by a later round of the same walk) and leave the cache at
	 * its end, to be asked again by the next walk.
	 */
	struct ct_rtkey *later;
	size_t n_later, cap_later;
};

/* Append k to *v (n used, cap allocated); -ENOMEM. */
static int push_key(struct ct_rtkey **v, size_t *n, size_t *cap, const struct ct_rtkey *k)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ct_rtkey *nv = realloc(*v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *k;
	return 0;
}

static void key_output(struct ct_rtkey *k, const struct ct_flow *f, const uint8_t *dst)
{
	memset(k, 0, sizeof(*k));
	k->family = f->family;
	k->mark = f->mark;
	memcpy(k->dst, dst, 16);
}

static void key_input(struct ct_rtkey *k, const struct ct_flow *f, int32_t iif,
		      const uint8_t *src, const uint8_t *dst)
{
	key_output(k, f, dst);
	k->input = 1;
	k->iif = iif;
	memcpy(k->src, src, 16);
}

static void key_probe(struct ct_rtkey *k, const struct ct_flow *f, const uint8_t *dst,
		      int32_t vrf)
{
	key_output(k, f, dst);
	k->fib_match = 1;
	k->oif = vrf;
}

/*
 * The cache entry for k once it holds an answer; NULL when it does not
 * yet: k is then queued on ask (once).  *err = -ENOMEM on allocation
 * failure.
 */
static const struct ct_pc_entry *answer(struct ct_ctx *ct, const struct ct_rtkey *k,
					struct ask *ask, int *err)
{
	struct ct_pc_entry *e;
	bool created;

	e = ct_pc_add(&ct->pc, k, &created);
	if (e == NULL)
		goto nomem;
	e->used = ct->pc.stamp;
	if (!created)
		return e->ifindex >= 0 ? e : NULL;
	if (push_key(&ask->keys, &ask->n, &ask->cap, k) < 0) {
		ct_pc_remove(&ct->pc, k);
		goto nomem;
	}
	return NULL;
nomem:
	*err = -ENOMEM;
	return NULL;
}

/* Ask the backend for everything queued; answers go into the cache. */
static int ask_all(struct ct_ctx *ct, struct ask *ask)
{
	int32_t ans[CT_LOOKUP_CHUNK];
	uint8_t plen[CT_LOOKUP_CHUNK];
	int ret = 0;

	for (size_t off = 0; off < ask->n; off += CT_LOOKUP_CHUNK) {
		size_t n = ask->n - off;
		int r = -ENOSYS;

		if (n > CT_LOOKUP_CHUNK)
			n = CT_LOOKUP_CHUNK;

		for (size_t i = 0; i < n; i++) {
			ans[i] = -1;
			plen[i] = 0;
		}
		if (ct->lookup != NULL && ret == 0) {
			r = ct->lookup(ct->lookup_arg, ask->keys + off, ans, plen, n);
			ct->pc.lookups += n;
		}
		if (r < 0 && ret == 0 && ct->lookup != NULL)
			ret = r;
		for (size_t i = 0; i < n; i++) {
			const struct ct_rtkey *k = &ask->keys[off + i];
			struct ct_pc_entry *e = ct_pc_find(&ct->pc, k);

			/* No backend: no path. */
			if (ct->lookup == NULL) {
				e->ifindex = 0;
				continue;
			}
			if (r < 0 || ans[i] < 0) {
				/* Unknown: ask again in the next walk. */
				if (push_key(&ask->later, &ask->n_later, &ask->cap_later, k) < 0)
					ct_pc_remove(&ct->pc, k);
			} else {
				e->ifindex = ans[i];
				e->plen = plen[i];
			}
		}
	}
	ask->n = 0;
	return ret;
}

static void set_resolved(struct ct_ctx *ct, struct ct_flow *f, int32_t in_if, int32_t out_if)
{
	f->in_if = in_if;
	f->out_if = out_if;
	f->flags &= (uint8_t)~CT_FLOW_UNRESOLVED;
	if (f->flags & CT_FLOW_UNCOUNTED) {
		f->flags &= (uint8_t)~CT_FLOW_UNCOUNTED;
		ct_count_seen(ct, f);
	}
}

/*
 * The most specific route that matches addr in the main table (vrf 0) or
 * in a VRF's, as its prefix length; -1 for no route (or no device).
 * False while the answer is missing.  *ifindex: the route's device.
 */
static bool table_match(struct ct_ctx *ct, const struct ct_flow *f, const uint8_t *addr,
			int32_t vrf, struct ask *ask, int *err, int *plen, int32_t *ifindex)
{
	const struct ct_pc_entry *e;
	struct ct_rtkey k;

	key_probe(&k, f, addr, vrf);
	e = answer(ct, &k, ask, err);
	if (e == NULL)
		return false;
	*plen = e->ifindex > 0 ? e->plen : -1;
	*ifindex = e->ifindex;
	return true;
}

/*
 * Where F's source is, as the device its reply leaves by (*in0, 0 for
 * none): the output lookup towards the source.  With VRFs among the
 * flowtable's devices, the main table alone would put a flow that
 * arrived in a VRF wherever the main table sends its source (often a
 * default route): so each VRF's table is asked too (the route that
 * matched, with its prefix length), and the most specific match wins.
 *
 * On a tie the destination decides: the table that knows it more
 * precisely, then the main table.  A tie is common: a server that both
 * the main table and a VRF reach by the same prefix is the source of
 * every entry that conntrack picked up from the server's side (after an
 * entry was deleted mid-stream, as `flowctl flush` does), and the
 * destination, a host of the VRF's network, is what tells it is the
 * VRF's flow.
 *
 * (An entry pointer lives only until the next answer(): adding a key may
 * grow the table.  What is kept is copied.)
 */
static bool source_device(struct ct_ctx *ct, const struct ct_flow *f, struct ask *ask,
			  int *err, int32_t *in0)
{
	const struct ct_pc_entry *e;
	struct ct_rtkey k;
	bool complete = true;
	int32_t best_if = 0, best_vrf = 0;
	int best_plen = -1, best_dst_plen = -1;

	key_output(&k, f, f->src);
	e = answer(ct, &k, ask, err);
	if (e == NULL)
		complete = false;
	else
		*in0 = e->ifindex;
	if (ct->n_vrfs == 0)
		return complete;
	for (size_t i = 0; i <= ct->n_vrfs; i++) {
		int32_t vrf = i == 0 ? 0 : ct->vrfs[i - 1];
		int32_t src_if, dst_if;
		int plen, dst_plen;
		bool have;

		have = table_match(ct, f, f->src, vrf, ask, err, &plen, &src_if);
		if (!table_match(ct, f, f->rdst, vrf, ask, err, &dst_plen, &dst_if) || !have) {
			complete = false;
			continue;
		}
		if (plen < 0)
			continue;
		if (plen > best_plen || (plen == best_plen && dst_plen > best_dst_plen)) {
			best_plen = plen;
			best_dst_plen = dst_plen;
			best_if = src_if;
			best_vrf = vrf;
		}
	}
	if (complete && best_vrf != 0)
		*in0 = best_if;
	return complete;
}

/*
 * How far F resolves with the answers the cache holds: 1 with *in_if and
 * *out_if set; 0 when an answer is missing (its lookup is queued on ask,
 * and the next round goes one step further); -ENOMEM.
 *
 *	1. output lookups: the reply's destination (out0), the source (in0);
 *	2. input lookup of the original direction, arriving on in0: out_if;
 *	3. input lookup of the reply, arriving where the original leaves
 *	   (out_if): in_if.
 *
 * A step without a device keeps the previous step's answer.
 */
static int resolve_flow(struct ct_ctx *ct, const struct ct_flow *f, struct ask *ask,
			int32_t *in_if, int32_t *out_if)
{
	const struct ct_pc_entry *e;
	struct ct_rtkey k;
	int32_t out0 = 0, in0 = 0;
	int err = 0;
	bool complete;

	key_output(&k, f, f->rdst);
	e = answer(ct, &k, ask, &err);
	complete = e != NULL;
	if (e != NULL)
		out0 = e->ifindex;
	if (!source_device(ct, f, ask, &err, &in0))
		complete = false;
	if (err < 0)
		return err;
	if (!complete)
		return 0;
	*out_if = out0;
	*in_if = in0;
	if (in0 > 0) {
		key_input(&k, f, in0, f->src, f->rdst);
		e = answer(ct, &k, ask, &err);
		if (e == NULL)
			return err;
		if (e->ifindex > 0)
			*out_if = e->ifindex;
	}
	if (*out_if > 0) {
		key_input(&k, f, *out_if, f->rdst, f->src);
		e = answer(ct, &k, ask, &err);
		if (e == NULL)
			return err;
		if (e->ifindex > 0)
			*in_if = e->ifindex;
	}
	return 1;
}

/* Rounds of lookups: outputs, then each direction's input lookup. */
#define CT_RESOLVE_ROUNDS 4

int ct_paths_resolve(struct ct_ctx *ct, bool all)
{
	struct ask ask = { 0 };
	size_t n = ct_flows_count(ct->flows);
	int ret = 0, r = 0;

	if (!all && !ct->unresolved)
		return 0;
	r = ct_pc_apply(&ct->pc);
	if (r < 0)
		return r;
	/*
	 * Every path is asked again.  A flow whose answer does not come now
	 * (a lookup timed out on a busy host) must be retried by the next
	 * resolve, not kept with the path it had before as if that were
	 * current: nothing else asks for it again.
	 */
	if (all) {
		for (size_t i = 0; i < n; i++)
			ct_flows_at(ct->flows, i)->flags |= CT_FLOW_UNRESOLVED;
		ct->unresolved = n > 0;
	}
	ct->pc.stamp++;
	/*
	 * Each round takes every flow as far as the cache answers and asks
	 * for what is missing, all flows' lookups in one batch.  A flow with
	 * an answer missing at the end stays unresolved (retried later).
	 */
	for (int round = 0; round < CT_RESOLVE_ROUNDS; round++) {
		for (size_t i = 0; i < n; i++) {
			struct ct_flow *f = ct_flows_at(ct->flows, i);
			int32_t in_if, out_if;

			/* Resolved, in this call or before: done. */
			if (!(f->flags & CT_FLOW_UNRESOLVED))
				continue;
			r = resolve_flow(ct, f, &ask, &in_if, &out_if);
			if (r < 0)
				goto out;
			if (r == 1)
				set_resolved(ct, f, in_if, out_if);
		}
		if (ask.n == 0)
			break;
		/* A failing backend is not asked again in this call. */
		if ((r = ask_all(ct, &ask)) < 0) {
			ret = r;
			break;
		}
	}
	ct->unresolved = false;
	for (size_t i = 0; i < n && !ct->unresolved; i++)
		if (ct_flows_at(ct->flows, i)->flags & CT_FLOW_UNRESOLVED)
			ct->unresolved = true;
	r = 0;
	/* Orphans: keys of gone flows, or of input devices that changed. */
	if (all && ct->pc.n > 4 * n + 256)
		r = ct_pc_sweep(&ct->pc);
out:
	/* Unanswered, or queued and never asked (ENOMEM): not cached. */
	for (size_t i = 0; i < ask.n_later; i++)
		ct_pc_remove(&ct->pc, &ask.later[i]);
	for (size_t i = 0; i < ask.n; i++)
		ct_pc_remove(&ct->pc, &ask.keys[i]);
	free(ask.later);
	free(ask.keys);
	return r < 0 ? r : ret;
}

void ct_set_lookup(struct ct_ctx *ct, ct_lookup_fn fn, void *arg)
{
	ct->lookup = fn;
	ct->lookup_arg = arg;
	ct_paths_invalidate(ct);
}

bool ct_route_event(struct ct_ctx *ct, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	struct ct_route r;

	if (buf == NULL) {
		ct_paths_invalidate(ct);
		return true;
	}
	if (len < sizeof(*nlh))
		return false;
	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		switch (ct_route_parse(buf, len, &r)) {
		case 1:
			return ct_pc_note_route(&ct->pc, &r);
		case 0:
			return false;
		default:
			/* We cannot tell what changed: assume anything did. */
			log_warnx("conntrack: malformed route event: flow paths looked up again");
			ct_paths_invalidate(ct);
			return true;
		}
	case RTM_NEWRULE:
	case RTM_DELRULE:
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ct_paths_invalidate(ct);
		return true;
	default:
		return false;
	}
}

void ct_paths_invalidate(struct ct_ctx *ct)
{
	ct_pc_note_all(&ct->pc);
}

int ct_update_paths(struct ct_ctx *ct)
{
	int r;

	r = ct_pc_apply(&ct->pc);
	if (r < 0)
		return r;
	if (!ct->pc.dirty)
		return ct_paths_resolve(ct, false);
	r = ct_paths_resolve(ct, true);
	if (r == 0)
		ct->pc.dirty = false;
	return r;
}

void ct_path_cache_stats(const struct ct_ctx *ct, size_t *cached_out, uint64_t *lookups)
{
	*cached_out = ct->pc.n;
	*lookups = ct->pc.lookups;
}
