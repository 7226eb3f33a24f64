// SPDX-License-Identifier: GPL-2.0-or-later
/* The modules' life cycle (module.h): order, and all-or-nothing reloads. */
#include <stdio.h>
#include <string.h>

#include "module.h"

/* "NAME: reason", the reason as the module wrote it into err. */
static void name_error(const struct module_ops *m, char *err, size_t errlen)
{
	char reason[512];

	if (errlen == 0)
		return;
	snprintf(reason, sizeof(reason), "%s", err[0] ? err : "failed (no reason given)");
	snprintf(err, errlen, "%s: %s", m->name, reason);
}

int modules_start(const struct module_ops *const *mods, size_t n, void *ctx,
		  const struct conf *conf, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (errlen > 0)
			err[0] = '\0';
		if (mods[i]->start && mods[i]->start(ctx, conf, err, errlen) < 0) {
			name_error(mods[i], err, errlen);
			/* The failed one may hold part of what it opened. */
			if (mods[i]->stop)
				mods[i]->stop(ctx);
			modules_stop(mods, i, ctx);
			return -1;
		}
	}
	return 0;
}

int modules_reconfigure(const struct module_ops *const *mods, size_t n, void *ctx,
			const struct conf *old, const struct conf *next,
			char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (errlen > 0)
			err[0] = '\0';
		if (!mods[i]->prepare || mods[i]->prepare(ctx, old, next, err, errlen) == 0)
			continue;
		name_error(mods[i], err, errlen);
		for (j = i; j-- > 0;)
			if (mods[j]->abort)
				mods[j]->abort(ctx, old, next);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (mods[i]->commit)
			mods[i]->commit(ctx, old, next);
	return 0;
}

void modules_stop(const struct module_ops *const *mods, size_t n, void *ctx)
{
	while (n-- > 0)
		if (mods[n]->stop)
			mods[n]->stop(ctx);
}
