// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counting offloaded flows per tunnel and flowtable device, for status.
 * Pure: reads the table and the copied plan.  Choosing flows to flush is
 * ct_select.c's, finding stale ones ct_stale.c's.
 *
 * Counts are computed on demand by walking the table (100k flows: about a
 * millisecond), so they can never drift from the set; only the totals
 * ("seen", "flushed") are kept incrementally, per ifindex.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ct.h"
#include "ct_int.h"

static ssize_t dev_index(const struct ct_ctx *ct, int ifindex)
{
	for (size_t i = 0; i < ct->n_devs; i++)
		if (ct->devs[i].ifindex == ifindex)
			return (ssize_t)i;
	return -1;
}

static ssize_t tun_index(const struct ct_ctx *ct, int ifindex)
{
	const struct ct_ptun *t = ct_find_tun(ct->tuns, ct->n_tuns, ifindex);

	return t != NULL ? t - ct->tuns : -1;
}

static void bump(struct ct_path_count *c, const struct ct_flow *f)
{
	if (f->flags & CT_FLOW_HW)
		c->hw++;
	else
		c->sw++;
}

static void fill_totals(const struct ct_ctx *ct, struct ct_path_count *c)
{
	const struct ct_ifstat *s = ct_ifstat_find(ct, c->ifindex);

	if (s != NULL) {
		c->seen = s->seen;
		c->flushed = s->flushed;
	}
}

int ct_counts(const struct ct_ctx *ct, struct ct_counts *out)
{
	memset(out, 0, sizeof(*out));
	out->stats = ct->stats;
	if (ct->n_devs > 0 && (out->devices = calloc(ct->n_devs, sizeof(*out->devices))) == NULL)
		return -ENOMEM;
	if (ct->n_tuns > 0 && (out->tunnels = calloc(ct->n_tuns, sizeof(*out->tunnels))) == NULL) {
		ct_counts_free(out);
		return -ENOMEM;
	}
	out->n_devices = ct->n_devs;
	out->n_tunnels = ct->n_tuns;
	for (size_t i = 0; i < ct->n_devs; i++) {
		memcpy(out->devices[i].name, ct->devs[i].name, IFNAMSIZ);
		out->devices[i].ifindex = ct->devs[i].ifindex;
		fill_totals(ct, &out->devices[i]);
	}
	for (size_t i = 0; i < ct->n_tuns; i++) {
		memcpy(out->tunnels[i].name, ct->tuns[i].name, IFNAMSIZ);
		out->tunnels[i].ifindex = ct->tuns[i].ifindex;
		fill_totals(ct, &out->tunnels[i]);
	}

	for (size_t i = 0; i < ct_flows_count(ct->flows); i++) {
		const struct ct_flow *f = ct_flows_at(ct->flows, i);
		int devs[CT_MAX_DEVS];
		size_t n = ct_flow_devices(ct->tuns, ct->n_tuns, f, devs);
		ssize_t ti = tun_index(ct, f->in_if), to = tun_index(ct, f->out_if);

		if (f->flags & CT_FLOW_HW)
			out->hw++;
		else
			out->sw++;
		if (f->in_if == 0 || f->out_if == 0)
			out->unrouted++;
		for (size_t j = 0; j < n; j++) {
			ssize_t d = dev_index(ct, devs[j]);

			if (d >= 0)
				bump(&out->devices[d], f);
		}
		if (ti >= 0)
			bump(&out->tunnels[ti], f);
		if (to >= 0 && to != ti)
			bump(&out->tunnels[to], f);
	}
	return 0;
}

void ct_counts_free(struct ct_counts *c)
{
	free(c->devices);
	free(c->tunnels);
	memset(c, 0, sizeof(*c));
}
