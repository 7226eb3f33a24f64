// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Choosing which offloaded flows a flush takes (all, a tunnel's, a
 * device's) and how to return them to the slow path: delete their
 * conntrack entries or rebuild the flowtable (ct_flush_advice()).  Pure:
 * reads the table; ct_watch.c does the deleting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ct.h"
#include "ct_int.h"

void ct_selection_free(struct ct_selection *sel)
{
	free(sel->flows);
	memset(sel, 0, sizeof(*sel));
}

int ct_selection_add(struct ct_selection *sel, size_t *cap, const struct ct_flow *f)
{
	if (sel->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ct_flow *nv = realloc(sel->flows, ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		sel->flows = nv;
		*cap = ncap;
	}
	sel->flows[sel->n++] = *f;
	if (f->flags & (CT_FLOW_SNAT | CT_FLOW_DNAT))
		sel->n_nat++;
	if (f->flags & CT_FLOW_HW)
		sel->n_hw++;
	return 0;
}

static bool has_dev(const int *devs, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i] == ifindex)
			return true;
	return false;
}

int ct_select(const struct ct_ctx *ct, const struct ct_target *target, struct ct_selection *out)
{
	int ifindex = 0;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (target->kind == CT_TARGET_TUNNEL) {
		for (size_t i = 0; i < ct->n_tuns && ifindex == 0; i++)
			if (strncmp(ct->tuns[i].name, target->name, IFNAMSIZ) == 0)
				ifindex = ct->tuns[i].ifindex;
	} else if (target->kind == CT_TARGET_DEVICE) {
		for (size_t i = 0; i < ct->n_devs && ifindex == 0; i++)
			if (strncmp(ct->devs[i].name, target->name, IFNAMSIZ) == 0)
				ifindex = ct->devs[i].ifindex;
		for (size_t i = 0; i < ct->n_tuns && ifindex == 0; i++)
			if (strncmp(ct->tuns[i].name, target->name, IFNAMSIZ) == 0)
				ifindex = ct->tuns[i].ifindex;
	} else if (target->kind != CT_TARGET_ALL) {
		return -EINVAL;
	}
	if (target->kind != CT_TARGET_ALL && ifindex <= 0)
		return -ENOENT;

	out->n_total = ct_flows_count(ct->flows);
	for (size_t i = 0; i < ct_flows_count(ct->flows); i++) {
		const struct ct_flow *f = ct_flows_at(ct->flows, i);
		bool take = target->kind == CT_TARGET_ALL;

		if (target->kind == CT_TARGET_TUNNEL) {
			take = f->in_if == ifindex || f->out_if == ifindex;
		} else if (target->kind == CT_TARGET_DEVICE) {
			int devs[CT_MAX_DEVS];
			size_t n = ct_flow_devices(ct->tuns, ct->n_tuns, f, devs);

			take = has_dev(devs, n, ifindex);
		}
		if (take && ct_selection_add(out, &cap, f) < 0) {
			ct_selection_free(out);
			return -ENOMEM;
		}
	}
	return 0;
}

/* --- how to flush --- */

enum ct_flush_method ct_flush_advice(const struct ct_ctx *ct, const struct ct_selection *sel)
{
	if (sel->n == 0)
		return CT_FLUSH_NONE;
	if (ct->cfg.flush_policy == CT_FLUSH_POLICY_DELETE)
		return CT_FLUSH_DELETE;
	if (ct->cfg.flush_policy == CT_FLUSH_POLICY_REBUILD)
		return CT_FLUSH_REBUILD;
	if (sel->n_nat > 0)
		return CT_FLUSH_REBUILD;
	if (ct->cfg.rebuild_pct > 0 && sel->n_total > 0 &&
	    (uint64_t)sel->n * 100 >= (uint64_t)ct->cfg.rebuild_pct * sel->n_total)
		return CT_FLUSH_REBUILD;
	return CT_FLUSH_DELETE;
}

void ct_set_flush_policy(struct ct_ctx *ct, enum ct_flush_policy policy)
{
	ct->cfg.flush_policy = policy;
}

const char *ct_flush_method_name(enum ct_flush_method m)
{
	switch (m) {
	case CT_FLUSH_NONE:
		return "none";
	case CT_FLUSH_DELETE:
		return "delete";
	case CT_FLUSH_REBUILD:
		return "rebuild";
	}
	return "?";
}

void ct_note_rebuild(struct ct_ctx *ct, const struct ct_selection *sel, double now)
{
	for (size_t i = 0; i < sel->n; i++)
		ct_count_flushed(ct, &sel->flows[i]);
	ct_flows_clear(ct->flows);
	/* They come back on their next packet, silently: look in a moment. */
	if (!ct->new_pending) {
		ct->new_pending = true;
		ct->first_new = now;
	}
}
