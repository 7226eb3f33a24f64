// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reconcile: make the kernel's copy of flowd's table match the plan.
 *
 * Events only schedule work; the work runs from a debounce timer so that a
 * burst (a flapping link, a routing daemon installing 10k routes) costs one
 * reconcile.  Route events that can only change offloaded flows' paths
 * schedule a path update instead: no topology dump, plan or table read.
 * When the timer fires, and the backoff after failures, is
 * reconcile_sched.c's arithmetic.
 *
 * Each reconcile reads the table back from the kernel instead of trusting
 * a cached copy: someone may have flushed the ruleset, and the kernel
 * silently drops deleted devices from a flowtable.  When nothing differs,
 * nothing is sent.
 */
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "nft.h"
#include "notify.h"
#include "topo.h"

void daemon_error(struct flowd *fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fd->last_error, sizeof(fd->last_error), fmt, ap);
	va_end(ap);
	fd->counters.errors++;
	log_err("%s", fd->last_error);
}

/* (Re)arm the one timer for work due at `at` (absolute, loop time). */
static void timer_arm(struct flowd *fd, ev_tstamp at)
{
	ev_tstamp now = ev_now(fd->loop);

	ev_timer_stop(fd->loop, &fd->debounce);
	ev_timer_set(&fd->debounce, at > now ? at - now : 0, 0);
	ev_timer_start(fd->loop, &fd->debounce);
}

void daemon_schedule(struct flowd *fd)
{
	timer_arm(fd, sched_event(&fd->sched, ev_now(fd->loop), true));
}

void daemon_schedule_paths(struct flowd *fd)
{
	timer_arm(fd, sched_event(&fd->sched, ev_now(fd->loop), false));
}

/* After a failure: try again later, backing off while it keeps failing. */
static void schedule_retry(struct flowd *fd)
{
	ev_tstamp now = ev_now(fd->loop), at = sched_failed(&fd->sched, now);

	timer_arm(fd, at);
	log_info("retrying in %.1f s", at - now);
}

static void log_plan_change(const struct plan *old, const struct plan *new)
{
	char reasons[128];

	for (size_t i = 0; i < new->n_devices; i++) {
		bool found = false;

		for (size_t j = 0; j < old->n_devices && !found; j++)
			found = strcmp(old->devices[j].name, new->devices[i].name) == 0;
		if (!found)
			log_info("device %s joins the flowtable (%s)", new->devices[i].name,
				 plan_reasons_str(new->devices[i].reasons, reasons, sizeof(reasons)));
	}
	for (size_t j = 0; j < old->n_devices; j++) {
		bool found = false;

		for (size_t i = 0; i < new->n_devices && !found; i++)
			found = strcmp(old->devices[j].name, new->devices[i].name) == 0;
		if (!found)
			log_info("device %s leaves the flowtable", old->devices[j].name);
	}
}

/* *dst = a copy of n devices; on failure *dst is NULL and -1 returned. */
static int devs_copy(struct nft_dev **dst, size_t *ndst, const struct nft_dev *src, size_t n)
{
	free(*dst);
	*dst = NULL;
	*ndst = 0;
	if (n == 0)
		return 0;
	*dst = calloc(n, sizeof(**dst));
	if (!*dst)
		return -1;
	memcpy(*dst, src, n * sizeof(**dst));
	*ndst = n;
	return 0;
}

void daemon_sync_free(struct flowd *fd)
{
	devs_copy(&fd->want_devices, &fd->n_want_devices, NULL, 0);
	devs_copy(&fd->kernel_devices, &fd->n_kernel_devices, NULL, 0);
	fd->want_known = fd->kernel_known = false;
}

/*
 * The batch failed on our NEWFLOWTABLE with EOPNOTSUPP while it carried
 * the tunnel flag: maybe the kernel does not know the flag.  Try the same
 * sync without it; if that works, the flag was the reason.  0 when the
 * retry succeeded, else the retry's error (the caller reports the first).
 */
static int tunnel_flag_fallback(struct flowd *fd, struct nft_desired *want,
				const struct nft_state *have, bool rebuild)
{
	struct nft_changes changes = { 0 };
	char err[512];
	int r;

	want->ft_flags &= ~(uint32_t)NFT_FT_F_TUNNEL;
	r = rebuild ? nft_compute_rebuild(want, have, &changes)
		    : nft_compute_changes(want, have, &changes);
	if (r == 0)
		r = nft_apply(fd->nft, &changes, err, sizeof(err));
	nft_changes_free(&changes);
	if (r < 0)
		return r;
	fd->kernel_tunnel = ACCEL_KERNEL_INNER;
	snprintf(fd->kernel_tunnel_why, sizeof(fd->kernel_tunnel_why),
		 "flag refused: %s", strerror(EOPNOTSUPP));
	log_warnx("kernel: no tunnel offload (flowtable tunnel flag refused: %s): "
		  "tunnels get the inner flow offload only", strerror(EOPNOTSUPP));
	return 0;
}

/*
 * Bring the kernel's table to `plan`: desired table, read back, diff (or a
 * rebuild of the flowtable), one batch when anything differs.  Returns 0
 * when the kernel matches the plan afterwards, -1 (logged) otherwise.
 */
static int table_sync(struct flowd *fd, const struct plan *plan, bool rebuild)
{
	struct nft_desired want = { 0 };
	struct nft_state have;
	struct nft_changes changes = { 0 };
	char err[512];
	int ret = -1, r;

	nft_state_init(&have);
	fd->want_known = fd->kernel_known = false;
	r = nft_desired_build(fd->conf, plan, &want, err, sizeof(err));
	if (r < 0) {
		daemon_error(fd, "building the desired table failed: %s", err);
		goto out;
	}
	fd->want_known = devs_copy(&fd->want_devices, &fd->n_want_devices, want.devices,
				   want.n_devices) == 0;
	/*
	 * Ask for tunnel offload until the kernel refused it: a kernel
	 * without the series answers EOPNOTSUPP (never a version check).
	 */
	if (fd->kernel_tunnel != ACCEL_KERNEL_INNER)
		want.ft_flags |= NFT_FT_F_TUNNEL;
	r = nft_read_state(fd->nft, fd->conf, &have);
	if (r < 0) {
		daemon_error(fd, "reading table %s %s back failed: %s", fd->conf->table_family,
			     fd->conf->table_name, strerror(-r));
		goto out;
	}
	fd->kernel_known = devs_copy(&fd->kernel_devices, &fd->n_kernel_devices,
				     have.ft_devices, have.n_ft_devices) == 0;
	fd->kernel_flowtable = have.flowtable;
	r = rebuild ? nft_compute_rebuild(&want, &have, &changes)
		    : nft_compute_changes(&want, &have, &changes);
	if (r < 0) {
		daemon_error(fd, "computing the table difference failed: %s", strerror(-r));
		goto out;
	}
	if (changes.n > 0) {
		log_info("updating table %s %s: %s (%zu change%s)", fd->conf->table_family,
			 fd->conf->table_name, changes.reason, changes.n, changes.n == 1 ? "" : "s");
		fd->counters.batches++;
		/*
		 * Someone else changed or deleted our table: repairing it is a
		 * restore, also when the table has to be re-created (`nft flush
		 * ruleset`, `nft delete table`).
		 */
		if (fd->nft_changed)
			fd->counters.restores++;
		r = nft_apply(fd->nft, &changes, err, sizeof(err));
		if (r == -EOPNOTSUPP && (want.ft_flags & NFT_FT_F_TUNNEL) &&
		    nft_ctx_refused(fd->nft) == NFT_MSG_NEWFLOWTABLE &&
		    tunnel_flag_fallback(fd, &want, &have, rebuild) == 0)
			r = 0;
		if (r < 0) {
			fd->counters.batch_errors++;
			daemon_error(fd, "nftables batch failed, kernel unchanged: %s", err);
			goto out;
		}
	}
	/* The kernel has what we wanted now. */
	fd->kernel_known = devs_copy(&fd->kernel_devices, &fd->n_kernel_devices, want.devices,
				     want.n_devices) == 0;
	fd->kernel_flowtable = true;
	/* The kernel holds our flowtable with the flag: it knows it. */
	if ((want.ft_flags & NFT_FT_F_TUNNEL) && fd->kernel_tunnel != ACCEL_KERNEL_OUTER) {
		fd->kernel_tunnel = ACCEL_KERNEL_OUTER;
		snprintf(fd->kernel_tunnel_why, sizeof(fd->kernel_tunnel_why), "flag accepted");
		log_info("kernel: tunnel offload (flowtable tunnel flag accepted)");
	}
	ret = 0;
out:
	nft_changes_free(&changes);
	nft_state_free(&have);
	nft_desired_free(&want);
	return ret;
}

/*
 * One pass: snapshot -> plan -> table_sync -> stale flows.
 * Returns 0 when the kernel matches the plan afterwards, -1 otherwise.
 */
static int reconcile_once(struct flowd *fd)
{
	struct topo topo = { 0 };
	struct plan plan = { 0 }, old_plan;
	int ret = -1;

	fd->counters.reconciles++;
	if (topo_snapshot(fd->topo, &topo) < 0) {
		daemon_error(fd, "cannot read the topology from rtnetlink");
		goto out;
	}
	if (plan_compute(fd->conf, &topo, &plan) < 0) {
		daemon_error(fd, "planning failed: out of memory");
		goto out;
	}
	if (table_sync(fd, &plan, false) < 0)
		goto out;
	log_plan_change(&fd->plan, &plan);
	/*
	 * The new plan is the applied one from here on: a flowtable rebuild
	 * for stale flows must rebuild it, not the plan it replaces.
	 */
	old_plan = fd->plan;
	fd->plan = plan;
	memset(&plan, 0, sizeof(plan));
	conntrack_after_reconcile(fd, &topo, &old_plan, &fd->plan);
	plan_free(&old_plan);
	ret = 0;
out:
	plan_free(&plan);
	topo_free(&topo);
	return ret;
}

int daemon_rebuild_flowtable(struct flowd *fd)
{
	if (table_sync(fd, &fd->plan, true) < 0)
		return -1;
	fd->counters.rebuilds++;
	return 0;
}

/* printf into buf; a line cut to fit ends in "..." so that it says so. */
static void sync_status_line(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void sync_status_line(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= len && len > 3)
		memcpy(buf + len - 4, "...", 4);
}

void daemon_sync_status(const struct flowd *fd, char *buf, size_t len)
{
	size_t accelerated = 0;

	if (!fd->ready) {
		sync_status_line(buf, len, "waiting: %s",
				 fd->reconcile_failed ? fd->reconcile_error : "first sync of the table");
		return;
	}
	if (fd->reconcile_failed) {
		sync_status_line(buf, len, "out of sync: %s", fd->reconcile_error);
		return;
	}
	for (size_t i = 0; i < fd->plan.n_tunnels; i++)
		accelerated += fd->plan.tunnels[i].accelerated;
	sync_status_line(buf, len,
			 "running: %zu device%s in the flowtable, %zu of %zu tunnel%s accelerated",
			 fd->plan.n_devices, fd->plan.n_devices == 1 ? "" : "s", accelerated,
			 fd->plan.n_tunnels, fd->plan.n_tunnels == 1 ? "" : "s");
}

/*
 * Tell the service manager: READY=1 once, after the first sync that
 * worked (a unit ordered after flowd then finds the fast path in place),
 * and STATUS= after every reconcile, so that it never goes stale.
 */
static void report(struct flowd *fd, bool became_ready)
{
	char status[256];

	daemon_sync_status(fd, status, sizeof(status));
	if (became_ready)
		notify_ready(status);
	else
		notify_status(status);
}

void reconcile_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct flowd *fd = w->data;
	bool first;

	/*
	 * Route events that only dropped flow paths: look those up again, and
	 * leave the table, the plan and the sync state as they are.
	 */
	if (sched_fire(&fd->sched, fd->ready) == SCHED_PATHS) {
		conntrack_update_paths(fd);
		return;
	}
	/*
	 * Errors from before are over once a pass succeeds: `flowctl status`
	 * shows only what failed in this one (a failed pass always sets one).
	 */
	fd->last_error[0] = '\0';
	/* A failed event socket was closed: subscribe again before reading. */
	if (!fd->watch)
		daemon_watch_open(fd);
	if (reconcile_once(fd) < 0) {
		fd->in_sync = false;
		fd->reconcile_failed = true;
		/* What reconcile_once() failed on is the last error it recorded. */
		snprintf(fd->reconcile_error, sizeof(fd->reconcile_error), "%s", fd->last_error);
		report(fd, false);
		schedule_retry(fd);
		return;
	}
	fd->in_sync = true;
	fd->reconcile_failed = false;
	fd->reconcile_error[0] = '\0';
	fd->nft_changed = false;
	sched_succeeded(&fd->sched);
	first = !fd->ready;
	fd->ready = true;
	report(fd, first);
}
