// SPDX-License-Identifier: GPL-2.0-or-later
/* struct nft_state: what the kernel has of our table. */
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "nft_int.h"

bool nft_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size == 0)
		return false;
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

void nft_state_init(struct nft_state *st)
{
	memset(st, 0, sizeof(*st));
}

void nft_state_free(struct nft_state *st)
{
	free(st->ft_devices);
	free(st->rules);
	nft_state_init(st);
}

int nft_state_add_device(struct nft_state *st, const char *name)
{
	struct nft_dev *v;
	size_t i;
	int cmp = 1;

	/* Names longer than IFNAMSIZ can't be devices; keep them distinct anyway. */
	for (i = 0; i < st->n_ft_devices; i++) {
		cmp = strncmp(st->ft_devices[i].name, name, IFNAMSIZ - 1);
		if (cmp >= 0)
			break;
	}
	if (i < st->n_ft_devices && cmp == 0)
		return 0;
	v = realloc(st->ft_devices, (st->n_ft_devices + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	st->ft_devices = v;
	memmove(&v[i + 1], &v[i], (st->n_ft_devices - i) * sizeof(*v));
	nft_strlcpy(v[i].name, name, sizeof(v[i].name));
	st->n_ft_devices++;
	return 0;
}

int nft_state_add_rule(struct nft_state *st, const char *tag, uint64_t handle)
{
	struct nft_rule_info *v;

	v = realloc(st->rules, (st->n_rules + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	st->rules = v;
	nft_strlcpy(v[st->n_rules].tag, tag, sizeof(v[st->n_rules].tag));
	v[st->n_rules].handle = handle;
	st->n_rules++;
	return 0;
}
