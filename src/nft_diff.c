// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * desired table vs what the kernel has -> the smallest change list that
 * makes them equal, in the order the batch must carry it.
 *
 * Kernel facts this relies on (nf_tables behaviour; tests/vm runs the
 * resulting batches against a real kernel):
 * - NEWFLOWTABLE without EXCL on an existing flowtable only ADDS the
 *   devices it carries: offloaded flows survive.  DELFLOWTABLE carrying
 *   devices only drops those.
 * - A flowtable's hook priority and flags can't be updated (EOPNOTSUPP),
 *   and it can't be deleted while a rule uses it (EBUSY): flush the rules,
 *   delete it, create it, re-add the rules, all in one batch.
 * - NEWRULE appends: to change rules, flush the chain and re-add them all.
 * - Deleting an object and creating one with the same name in the same
 *   batch works: lookups see the next generation.
 */
#include <netinet/in.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "nft_int.h"

const char *nft_op_name(enum nft_op op)
{
	switch (op) {
	case NFT_OP_TABLE_ADD:		return "add table";
	case NFT_OP_TABLE_UPDATE:	return "update table";
	case NFT_OP_TABLE_DEL:		return "delete table";
	case NFT_OP_FT_ADD:		return "add flowtable";
	case NFT_OP_FT_ADD_DEVS:	return "add flowtable devices";
	case NFT_OP_FT_DEL_DEVS:	return "delete flowtable devices";
	case NFT_OP_FT_DEL:		return "delete flowtable";
	case NFT_OP_CHAIN_ADD:		return "add chain";
	case NFT_OP_CHAIN_DEL:		return "delete chain";
	case NFT_OP_CHAIN_FLUSH:	return "flush chain";
	case NFT_OP_RULE_ADD:		return "add rule";
	}
	return "unknown";
}

static void nft_reason(struct nft_changes *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void nft_reason(struct nft_changes *out, const char *fmt, ...)
{
	size_t used = strlen(out->reason);
	va_list ap;

	if (used + 1 >= sizeof(out->reason))
		return;
	if (used > 0) {
		snprintf(out->reason + used, sizeof(out->reason) - used, "; ");
		used = strlen(out->reason);
	}
	va_start(ap, fmt);
	vsnprintf(out->reason + used, sizeof(out->reason) - used, fmt, ap);
	va_end(ap);
}

static struct nft_change *nft_push(struct nft_changes *out, enum nft_op op)
{
	struct nft_change *v;

	v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	out->v = v;
	v = &out->v[out->n++];
	memset(v, 0, sizeof(*v));
	v->op = op;
	return v;
}

static int nft_push_op(struct nft_changes *out, enum nft_op op)
{
	return nft_push(out, op) ? 0 : -ENOMEM;
}

static int nft_push_devs(struct nft_changes *out, enum nft_op op,
			 const struct nft_dev *devs, size_t n)
{
	struct nft_change *c = nft_push(out, op);

	if (!c)
		return -ENOMEM;
	if (n == 0)
		return 0;
	c->devices = malloc(n * sizeof(*devs));
	if (!c->devices)
		return -ENOMEM;
	memcpy(c->devices, devs, n * sizeof(*devs));
	c->n_devices = n;
	return 0;
}

static int nft_push_rules(struct nft_changes *out, const struct nft_desired *want)
{
	for (size_t i = 0; i < want->n_rules; i++) {
		struct nft_change *c = nft_push(out, NFT_OP_RULE_ADD);

		if (!c)
			return -ENOMEM;
		c->rule = i;
	}
	return 0;
}

/* The whole table: after a missing table or a DELTABLE. */
static int nft_push_all(struct nft_changes *out, const struct nft_desired *want)
{
	int ret;

	if ((ret = nft_push_op(out, NFT_OP_TABLE_ADD)) < 0 ||
	    (ret = nft_push_devs(out, NFT_OP_FT_ADD, want->devices, want->n_devices)) < 0 ||
	    (ret = nft_push_op(out, NFT_OP_CHAIN_ADD)) < 0)
		return ret;
	return nft_push_rules(out, want);
}

/* a - b for sorted unique device lists. */
static int nft_dev_minus(const struct nft_dev *a, size_t na, const struct nft_dev *b, size_t nb,
			 struct nft_dev **res, size_t *nres)
{
	size_t i = 0, j = 0;

	*res = NULL;
	*nres = 0;
	if (na == 0)
		return 0;
	*res = malloc(na * sizeof(**res));
	if (!*res)
		return -ENOMEM;
	while (i < na) {
		int cmp = j < nb ? strcmp(a[i].name, b[j].name) : -1;

		if (cmp < 0)
			(*res)[(*nres)++] = a[i++];
		else if (cmp == 0)
			i++, j++;
		else
			j++;
	}
	return 0;
}

static bool nft_rules_equal(const struct nft_desired *want, const struct nft_state *have)
{
	if (want->n_rules != have->n_rules)
		return false;
	for (size_t i = 0; i < want->n_rules; i++)
		if (strcmp(want->rules[i].tag, have->rules[i].tag) != 0)
			return false;
	return true;
}

static bool nft_chain_ok(const struct nft_desired *want, const struct nft_state *have,
			 struct nft_changes *out)
{
	if (!have->chain) {
		nft_reason(out, "chain %s missing", want->chain);
		return false;
	}
	if (!have->chain_base || have->chain_hooknum != NF_INET_FORWARD) {
		nft_reason(out, "chain %s not on the forward hook", want->chain);
		return false;
	}
	if (have->chain_prio != want->chain_prio) {
		nft_reason(out, "chain priority %d, want %d", have->chain_prio, want->chain_prio);
		return false;
	}
	if (have->chain_policy != NF_ACCEPT) {
		nft_reason(out, "chain policy is not accept");
		return false;
	}
	if (strcmp(have->chain_type, NFT_CHAIN_TYPE) != 0) {
		nft_reason(out, "chain type %s, want " NFT_CHAIN_TYPE, have->chain_type);
		return false;
	}
	return true;
}

static bool nft_ft_ok(const struct nft_desired *want, const struct nft_state *have,
		      struct nft_changes *out)
{
	if (have->ft_hooknum != NF_NETDEV_INGRESS) {
		nft_reason(out, "flowtable hook %u, want ingress", have->ft_hooknum);
		return false;
	}
	if (have->ft_prio != want->ft_prio) {
		nft_reason(out, "flowtable priority %d, want %d", have->ft_prio, want->ft_prio);
		return false;
	}
	if (have->ft_flags != want->ft_flags) {
		nft_reason(out, "flowtable flags 0x%x, want 0x%x", have->ft_flags, want->ft_flags);
		return false;
	}
	return true;
}

static int nft_diff_devices(const struct nft_desired *want, const struct nft_state *have,
			    struct nft_changes *out)
{
	struct nft_dev *add = NULL, *del = NULL;
	size_t n_add = 0, n_del = 0;
	int ret;

	ret = nft_dev_minus(have->ft_devices, have->n_ft_devices, want->devices, want->n_devices,
			    &del, &n_del);
	if (ret == 0)
		ret = nft_dev_minus(want->devices, want->n_devices, have->ft_devices,
				    have->n_ft_devices, &add, &n_add);
	/* Removals first: they never fail for a device that is gone. */
	if (ret == 0 && n_del > 0) {
		nft_reason(out, "%zu device(s) to remove, first %s", n_del, del[0].name);
		ret = nft_push_devs(out, NFT_OP_FT_DEL_DEVS, del, n_del);
	}
	if (ret == 0 && n_add > 0) {
		nft_reason(out, "%zu device(s) to add, first %s", n_add, add[0].name);
		ret = nft_push_devs(out, NFT_OP_FT_ADD_DEVS, add, n_add);
	}
	free(add);
	free(del);
	return ret;
}

static int nft_diff(const struct nft_desired *want, const struct nft_state *have,
		    bool rebuild, struct nft_changes *out)
{
	bool chain_ok, ft_ok, rules_ok;
	int ret;

	if (!have->table) {
		nft_reason(out, "table %s missing", want->table);
		return nft_push_all(out, want);
	}
	/* Someone else's objects in our table: start over, it is ours. */
	if (have->n_foreign_chains > 0 || have->n_foreign_flowtables > 0) {
		nft_reason(out, "table holds %zu foreign chain(s), %zu foreign flowtable(s): recreate",
			   have->n_foreign_chains, have->n_foreign_flowtables);
		if ((ret = nft_push_op(out, NFT_OP_TABLE_DEL)) < 0)
			return ret;
		return nft_push_all(out, want);
	}
	if (have->table_flags & NFT_TABLE_F_DORMANT) {
		nft_reason(out, "table is dormant");
		if ((ret = nft_push_op(out, NFT_OP_TABLE_UPDATE)) < 0)
			return ret;
	}

	chain_ok = nft_chain_ok(want, have, out);
	if (rebuild && have->flowtable) {
		/* Tears down every offloaded flow; their conntrack entries stay. */
		nft_reason(out, "flowtable %s rebuilt to return flows to the slow path",
			   want->flowtable);
		ft_ok = false;
	} else {
		ft_ok = !have->flowtable || nft_ft_ok(want, have, out);
	}
	rules_ok = chain_ok && ft_ok && nft_rules_equal(want, have);
	if (chain_ok && ft_ok && !rules_ok)
		nft_reason(out, "rules differ (%zu in the chain, want %zu)",
			   have->n_rules, want->n_rules);

	/* 1. Get the rules out of the way (they may use the flowtable). */
	if (have->chain && !chain_ok)
		ret = nft_push_op(out, NFT_OP_CHAIN_DEL);
	else if (!rules_ok && have->n_rules > 0)
		ret = nft_push_op(out, NFT_OP_CHAIN_FLUSH);
	else
		ret = 0;
	if (ret < 0)
		return ret;

	/* 2. The flowtable. */
	if (!have->flowtable) {
		nft_reason(out, "flowtable %s missing", want->flowtable);
		ret = nft_push_devs(out, NFT_OP_FT_ADD, want->devices, want->n_devices);
	} else if (!ft_ok) {
		if ((ret = nft_push_op(out, NFT_OP_FT_DEL)) == 0)
			ret = nft_push_devs(out, NFT_OP_FT_ADD, want->devices, want->n_devices);
	} else {
		ret = nft_diff_devices(want, have, out);
	}
	if (ret < 0)
		return ret;

	/* 3. The chain and its rules. */
	if (!chain_ok && (ret = nft_push_op(out, NFT_OP_CHAIN_ADD)) < 0)
		return ret;
	if (!rules_ok)
		return nft_push_rules(out, want);
	return 0;
}

static int nft_compute(const struct nft_desired *want, const struct nft_state *have,
		       bool rebuild, struct nft_changes *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->want = want;
	ret = nft_diff(want, have, rebuild, out);
	if (ret < 0) {
		nft_changes_free(out);
		return ret;
	}
	if (out->n == 0)
		out->reason[0] = '\0';
	return 0;
}

int nft_compute_changes(const struct nft_desired *want, const struct nft_state *have,
			struct nft_changes *out)
{
	return nft_compute(want, have, false, out);
}

int nft_compute_rebuild(const struct nft_desired *want, const struct nft_state *have,
			struct nft_changes *out)
{
	return nft_compute(want, have, true, out);
}

void nft_changes_free(struct nft_changes *changes)
{
	for (size_t i = 0; i < changes->n; i++)
		free(changes->v[i].devices);
	free(changes->v);
	memset(changes, 0, sizeof(*changes));
}
