// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's nftables module: the netlink socket to the table flowd
 * owns, the probe of the kernel's tunnel offload, and the subscription to
 * nftables events that tells when someone else changed that table.  A
 * reload to a new table name removes the old table (nobody would maintain
 * its offloaded flows) and subscribes for the new one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "module.h"
#include "nft.h"

static void nft_table_changed(void *arg, const char *why)
{
	struct flowd *fd = arg;

	fd->counters.nft_events++;
	fd->nft_changed = true;
	log_info("table %s %s changed outside flowd (%s): checking it", fd->conf->table_family,
		 fd->conf->table_name, why);
	daemon_schedule(fd);
}

static void watch_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct flowd *fd = w->data;
	int r = nft_watch_dispatch(fd->watch);

	if (r < 0) {
		/* The socket is unusable: re-read everything and reopen it. */
		daemon_error(fd, "nftables event socket failed: %s", strerror(-r));
		ev_io_stop(loop, w);
		nft_watch_close(fd->watch);
		fd->watch = NULL;
		fd->nft_changed = true;
		daemon_schedule(fd);
	}
}

/*
 * The watch opens before the first read of the table, so that a change
 * between the read and the subscription cannot be missed.
 */
static int watch_open(struct flowd *fd, const struct conf *conf, char *err, size_t errlen)
{
	int r = nft_watch_open(conf, nft_table_changed, fd, &fd->watch);

	if (r < 0) {
		snprintf(err, errlen, "cannot subscribe to nftables events: %s", strerror(-r));
		return -1;
	}
	nft_watch_ignore_pid(fd->watch, getpid());
	ev_io_init(&fd->watch_io, watch_io_cb, nft_watch_fd(fd->watch), EV_READ);
	fd->watch_io.data = fd;
	ev_io_start(fd->loop, &fd->watch_io);
	return 0;
}

static void watch_close(struct flowd *fd)
{
	if (!fd->watch)
		return;
	ev_io_stop(fd->loop, &fd->watch_io);
	nft_watch_close(fd->watch);
	fd->watch = NULL;
}

int daemon_watch_open(struct flowd *fd)
{
	char err[256];

	if (watch_open(fd, fd->conf, err, sizeof(err)) < 0) {
		daemon_error(fd, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * Before the first sync: does the kernel take the flowtable tunnel flag?
 * Asked in a batch it checks and aborts, so nothing changes.  A kernel
 * that refuses it is never asked again, and a table a previous flowd left
 * without the flag is adopted as it is (no batch), as on any restart.
 * When the kernel accepts it, the first sync sets it and says so.
 */
static void probe_tunnel_offload(struct flowd *fd)
{
	char err[512];
	int r = nft_probe_flowtable_flags(fd->nft, NFT_FT_F_TUNNEL, err, sizeof(err));

	if (r == 0) {
		fd->kernel_tunnel = ACCEL_KERNEL_INNER;
		snprintf(fd->kernel_tunnel_why, sizeof(fd->kernel_tunnel_why),
			 "flag refused: %s", strerror(EOPNOTSUPP));
		log_info("kernel: no tunnel offload (flowtable tunnel flag refused: %s): "
			 "tunnels get the inner flow offload only", strerror(EOPNOTSUPP));
	} else if (r < 0) {
		log_warnx("kernel: cannot ask about tunnel offload before the first sync: %s", err);
	}
}

static int table_start(void *ctx, const struct conf *conf, char *err, size_t errlen)
{
	struct flowd *fd = ctx;
	int r = nft_ctx_open(&fd->nft);

	if (r < 0) {
		snprintf(err, errlen, "cannot open a netfilter netlink socket: %s", strerror(-r));
		return -1;
	}
	probe_tunnel_offload(fd);
	return watch_open(fd, conf, err, errlen);
}

/* Same table identity: a reload can update it in place. */
static bool same_table(const struct conf *a, const struct conf *b)
{
	return strcmp(a->table_family, b->table_family) == 0 &&
	       strcmp(a->table_name, b->table_name) == 0 &&
	       strcmp(a->flowtable_name, b->flowtable_name) == 0;
}

/*
 * Every table setting applies at the next reconcile, which the reload
 * schedules; only the event subscription is tied to the table's name.
 */
static void table_commit(void *ctx, const struct conf *old, const struct conf *next)
{
	struct flowd *fd = ctx;
	char err[512];

	if (!same_table(old, next)) {
		/*
		 * A new table (or flowtable) name: the old one would be left
		 * behind, offloading flows nobody maintains.  Remove it; its
		 * offloaded flows return to the slow path.
		 */
		log_info("reload: table moves from %s %s to %s %s", old->table_family,
			 old->table_name, next->table_family, next->table_name);
		if (nft_delete_table(fd->nft, old, err, sizeof(err)) < 0)
			daemon_error(fd, "removing the old table failed: %s", err);
	}
	watch_close(fd);
	/* A failure is reported; the next reconcile subscribes again. */
	if (watch_open(fd, next, err, sizeof(err)) < 0)
		daemon_error(fd, "%s", err);
}

static void table_stop(void *ctx)
{
	struct flowd *fd = ctx;

	watch_close(fd);
	if (fd->nft)
		nft_ctx_close(fd->nft);
	fd->nft = NULL;
}

const struct module_ops table_module = {
	.name = "nftables",
	.start = table_start,
	.commit = table_commit,
	.stop = table_stop,
};
