// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemon's life cycle: start, signals, reload, watchdog, stop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ct.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "nft.h"
#include "notify.h"
#include "topo.h"

static void topo_changed(void *arg, enum topo_change what)
{
	struct flowd *fd = arg;

	fd->counters.rtnl_events++;
	if (what == TOPO_CHANGE_FLOW_PATHS)
		daemon_schedule_paths(fd);
	else
		daemon_schedule(fd);
}

/* Route events drop the flow path lookups they can change (ct_paths.c). */
static bool route_event(void *arg, const struct nlmsghdr *nlh, size_t len)
{
	struct flowd *fd = arg;

	return fd->ct != NULL && ct_route_event(fd->ct, nlh, len);
}

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
int daemon_watch_open(struct flowd *fd)
{
	int r = nft_watch_open(fd->conf, nft_table_changed, fd, &fd->watch);

	if (r < 0) {
		daemon_error(fd, "cannot subscribe to nftables events: %s", strerror(-r));
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

static void apply_log_level(struct flowd *fd)
{
	log_set_level(fd->debug ? LOG_LEVEL_DEBUG : fd->conf->log_level);
}

/* Same table identity: a reload can update it in place. */
static bool same_table(const struct conf *a, const struct conf *b)
{
	return strcmp(a->table_family, b->table_family) == 0 &&
	       strcmp(a->table_name, b->table_name) == 0 &&
	       strcmp(a->flowtable_name, b->flowtable_name) == 0;
}

/* The old socket may be the one a `flowctl reload` is being answered on. */
static void ctl_reaper_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct flowd *fd = w->data;

	ctl_close(fd->ctl_retired);
	fd->ctl_retired = NULL;
}

/*
 * A reload is over.  RELOADING=1 went out only when the service was ready
 * (systemd ignores it before), so READY=1 goes back only then too: before
 * the first sync READY=1 would announce a fast path that is not there.
 */
static void reload_done(struct flowd *fd)
{
	char status[256];

	daemon_sync_status(fd, status, sizeof(status));
	if (fd->ready)
		notify_ready(status);
	else
		notify_status(status);
}

static void reload_failed(struct flowd *fd, const char *err)
{
	fd->counters.reload_errors++;
	daemon_error(fd, "reload failed, keeping the running configuration: %s", err);
	reload_done(fd);
}

int daemon_reload(struct flowd *fd, char *err, size_t errlen, bool *changed)
{
	struct conf *next = NULL;
	struct conf *prev = fd->conf;
	struct ctl *new_ctl = NULL;

	if (changed)
		*changed = false;
	if (fd->ready)
		notify_reloading();
	if (conf_load(fd->conf_path, &next, err, errlen) < 0) {
		reload_failed(fd, err);
		return -1;
	}
	if (conf_equal(prev, next)) {
		log_info("reload: %s unchanged", fd->conf_path);
		conf_free(next);
		fd->conf_loaded = time(NULL);
		fd->counters.reloads++;
		reload_done(fd);
		return 0;
	}
	/* Everything that can fail comes before the switch: all or nothing. */
	/*
	 * The same socket file with a new mode or group is changed in place:
	 * opening a second socket on our own path would find us listening
	 * and refuse.  Nothing after this can fail.
	 */
	if (!control_same_socket(prev, next)) {
		int r = control_update(fd, next, err, errlen);

		if (r == 0)
			new_ctl = control_open(fd, next, err, errlen);
		if (r < 0 || (r == 0 && !new_ctl)) {
			conf_free(next);
			reload_failed(fd, err);
			return -1;
		}
	}
	if (changed)
		*changed = true;
	if (!same_table(prev, next)) {
		/*
		 * A new table (or flowtable) name: the old one would be left
		 * behind, offloading flows nobody maintains.  Remove it; its
		 * offloaded flows return to the slow path.
		 */
		log_info("reload: table moves from %s %s to %s %s", prev->table_family,
			 prev->table_name, next->table_family, next->table_name);
		if (nft_delete_table(fd->nft, prev, err, errlen) < 0)
			daemon_error(fd, "removing the old table failed: %s", err);
	}
	watch_close(fd);
	if (new_ctl) {
		fd->ctl_retired = fd->ctl;
		fd->ctl = new_ctl;
		ev_timer_set(&fd->ctl_reaper, 0, 0);
		ev_timer_start(fd->loop, &fd->ctl_reaper);
	}
	fd->conf = next;
	fd->conf_loaded = time(NULL);
	fd->counters.reloads++;
	apply_log_level(fd);
	conntrack_conf_changed(fd, prev);
	conf_free(prev);
	daemon_watch_open(fd);
	log_info("reloaded %s", fd->conf_path);
	daemon_schedule(fd);
	reload_done(fd);
	return 0;
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct flowd *fd = w->data;
	char err[512];

	if (w->signum == SIGHUP) {
		log_info("SIGHUP: reloading %s", fd->conf_path);
		daemon_reload(fd, err, sizeof(err), NULL);
		return;
	}
	log_info("%s: stopping", strsignal(w->signum));
	ev_break(loop, EVBREAK_ALL);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	notify_watchdog();
}

static void signal_start(struct flowd *fd, ev_signal *w, int signum)
{
	ev_signal_init(w, signal_cb, signum);
	w->data = fd;
	ev_signal_start(fd->loop, w);
}

/*
 * Before the first sync: does the kernel take the flowtable tunnel flag?
 * Asked in a batch it checks and aborts, so nothing changes.  A kernel
 * that refuses it is never asked again, and a table a previous flowd left
 * without the flag is adopted as it is (no batch), as on any restart.
 * When the kernel accepts it, the first sync sets it and says so.
 */
static void daemon_probe_tunnel_offload(struct flowd *fd)
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

int daemon_init(struct flowd *fd, const char *conf_path, struct conf *conf, bool debug)
{
	uint64_t wd_usec;
	int r;

	memset(fd, 0, sizeof(*fd));
	fd->conf_path = conf_path;
	fd->conf = conf;
	fd->debug = debug;
	fd->conf_loaded = fd->started = time(NULL);
	apply_log_level(fd);

	fd->loop = ev_default_loop(EVFLAG_AUTO);
	if (!fd->loop) {
		log_err("cannot create the event loop");
		return -1;
	}
	/*
	 * Signals first: a SIGTERM that arrives while the sockets are being
	 * set up is then held until the loop runs, and handled cleanly.
	 */
	signal_start(fd, &fd->sig_term, SIGTERM);
	signal_start(fd, &fd->sig_int, SIGINT);
	signal_start(fd, &fd->sig_hup, SIGHUP);
	/* A client that vanishes mid-reply must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	ev_timer_init(&fd->debounce, reconcile_timer_cb, 0, 0);
	fd->debounce.data = fd;

	r = nft_ctx_open(&fd->nft);
	if (r < 0) {
		log_err("cannot open a netfilter netlink socket: %s", strerror(-r));
		return -1;
	}
	daemon_probe_tunnel_offload(fd);
	if (daemon_watch_open(fd) < 0)
		return -1;
	if (topo_init(&fd->topo, fd->loop, topo_changed, fd) < 0) {
		log_err("cannot read the topology from rtnetlink");
		return -1;
	}
	if (conntrack_init(fd) < 0)
		return -1;
	topo_set_route_hook(fd->topo, route_event, fd);
	ev_timer_init(&fd->ctl_reaper, ctl_reaper_cb, 0, 0);
	fd->ctl_reaper.data = fd;
	{
		char err[512];

		fd->ctl = control_open(fd, conf, err, sizeof(err));
		if (!fd->ctl) {
			log_err("control socket: %s", err);
			return -1;
		}
	}


	wd_usec = notify_watchdog_usec();
	if (wd_usec > 0) {
		/* Twice per interval, as systemd recommends. */
		ev_timer_init(&fd->watchdog, watchdog_cb, 0, wd_usec / 2e6);
		fd->watchdog.data = fd;
		ev_timer_again(fd->loop, &fd->watchdog);
	}
	return 0;
}

int daemon_run(struct flowd *fd)
{
	char err[512];

	/* The first reconcile adopts an existing table: only the difference. */
	daemon_schedule(fd);
	/* READY=1 waits for the first sync (reconcile.c). */
	notify_status("waiting: first sync of the table");
	log_info("started: table %s %s, config %s", fd->conf->table_family, fd->conf->table_name,
		 fd->conf_path);
	ev_run(fd->loop, 0);

	notify_stopping();
	if (!fd->conf->keep_table_on_exit) {
		if (nft_delete_table(fd->nft, fd->conf, err, sizeof(err)) < 0)
			log_err("removing table %s %s failed: %s", fd->conf->table_family,
				fd->conf->table_name, err);
		else
			log_info("removed table %s %s", fd->conf->table_family,
				 fd->conf->table_name);
	} else {
		log_info("leaving table %s %s in place: offloaded flows keep flowing",
			 fd->conf->table_family, fd->conf->table_name);
	}
	return 0;
}

void daemon_fini(struct flowd *fd)
{
	if (fd->loop) {
		ev_timer_stop(fd->loop, &fd->debounce);
		ev_timer_stop(fd->loop, &fd->watchdog);
		ev_signal_stop(fd->loop, &fd->sig_term);
		ev_signal_stop(fd->loop, &fd->sig_int);
		ev_signal_stop(fd->loop, &fd->sig_hup);
	}
	watch_close(fd);
	if (fd->loop)
		ev_timer_stop(fd->loop, &fd->ctl_reaper);
	if (fd->ctl_retired)
		ctl_close(fd->ctl_retired);
	if (fd->ctl)
		ctl_close(fd->ctl);
	fd->ctl = fd->ctl_retired = NULL;
	if (fd->loop)
		conntrack_fini(fd);
	if (fd->topo)
		topo_fini(fd->topo);
	if (fd->nft)
		nft_ctx_close(fd->nft);
	plan_free(&fd->plan);
	daemon_sync_free(fd);
	conf_free(fd->conf);
	fd->conf = NULL;
	if (fd->loop)
		ev_loop_destroy(fd->loop);
	fd->loop = NULL;
}
