// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemon's life cycle: start, signals, reload, watchdog, stop. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "module.h"
#include "nft.h"
#include "notify.h"

/*
 * The modules in start order; stop runs in reverse.  The control socket
 * prepares last: it may change the running socket's mode in place, so
 * no other module's prepare can fail after it.
 */
static const struct module_ops *const daemon_modules[] = {
	&table_module,
	&topology_module,
	&conntrack_module,
	&control_module,
};
#define N_DAEMON_MODULES (sizeof(daemon_modules) / sizeof(daemon_modules[0]))

static void apply_log_level(struct flowd *fd)
{
	log_set_level(fd->debug ? LOG_LEVEL_DEBUG : fd->conf->log_level);
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
	/* All or nothing: every module prepares before any switches. */
	if (modules_reconfigure(daemon_modules, N_DAEMON_MODULES, fd, prev, next, err, errlen) < 0) {
		conf_free(next);
		reload_failed(fd, err);
		return -1;
	}
	if (changed)
		*changed = true;
	fd->conf = next;
	fd->conf_loaded = time(NULL);
	fd->counters.reloads++;
	apply_log_level(fd);
	conf_free(prev);
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

int daemon_init(struct flowd *fd, const char *conf_path, struct conf *conf, bool debug)
{
	char err[512];
	uint64_t wd_usec;

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

	if (modules_start(daemon_modules, N_DAEMON_MODULES, fd, conf, err, sizeof(err)) < 0) {
		log_err("cannot start: %s", err);
		return -1;
	}
	fd->modules_started = true;

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
	if (fd->modules_started)
		modules_stop(daemon_modules, N_DAEMON_MODULES, fd);
	fd->modules_started = false;
	plan_free(&fd->plan);
	daemon_sync_free(fd);
	conf_free(fd->conf);
	fd->conf = NULL;
	if (fd->loop)
		ev_loop_destroy(fd->loop);
	fd->loop = NULL;
}
