/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's modules (control socket, nftables table, topology,
 * conntrack, ...) and their life cycle: start for a config, take a new
 * config on reload, stop.  The order of the table is the start order;
 * stop runs in reverse, so a module may use those before it.
 *
 * A reload is all or nothing, in two phases:
 *   prepare   every module checks the new config and sets up whatever
 *             may fail (a new socket), changing nothing that runs; a
 *             setting it cannot take while running fails here with
 *             "... needs a restart";
 *   commit    once all prepared, each switches to the new config; this
 *             cannot fail (a module that loses a watcher there reports
 *             it and retries by itself).
 * When one prepare fails, the modules prepared before it abort (undo what
 * they set up), in reverse, and the running config stays as it was.
 */
#ifndef FLOWD_MODULE_H
#define FLOWD_MODULE_H

#include <stddef.h>

struct conf;

struct module_ops {
	const char *name;
	/* Open what the module owns for conf; 0, or -1 with err. */
	int (*start)(void *ctx, const struct conf *conf, char *err, size_t errlen);
	/* NULL: the module takes any new config as it is. */
	int (*prepare)(void *ctx, const struct conf *old, const struct conf *next,
		       char *err, size_t errlen);
	/* Undo prepare (NULL: nothing to undo). */
	void (*abort)(void *ctx, const struct conf *old, const struct conf *next);
	/* Switch to next (NULL: nothing depends on the config). */
	void (*commit)(void *ctx, const struct conf *old, const struct conf *next);
	/* Close everything the module owns; safe after a failed start. */
	void (*stop)(void *ctx);
};

/*
 * Start mods[0..n) in order.  On a failure the ones started are stopped
 * in reverse, -1 is returned and err says "NAME: reason".
 */
int modules_start(const struct module_ops *const *mods, size_t n, void *ctx,
		  const struct conf *conf, char *err, size_t errlen);
/*
 * Prepare every module for next, then commit them all in order; or, when
 * one prepare fails, abort those prepared before it (in reverse) and
 * return -1 with "NAME: reason" in err: nothing changed.
 */
int modules_reconfigure(const struct module_ops *const *mods, size_t n, void *ctx,
			const struct conf *old, const struct conf *next,
			char *err, size_t errlen);
/* Stop mods[0..n) in reverse order. */
void modules_stop(const struct module_ops *const *mods, size_t n, void *ctx);

#endif
