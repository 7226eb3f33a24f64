/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running daemon: one struct flowd holds the loop, the modules and the
 * counters.  Data flows one way:
 *
 *	rtnetlink / nftables events -> debounce -> topo_snapshot -> plan
 *	-> desired table -> diff against the kernel -> one nftables batch
 */
#ifndef FLOWD_DAEMON_H
#define FLOWD_DAEMON_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "accel.h"
#include "conf.h"
#include "plan.h"
#include "reconcile_sched.h"

struct topo_ctx;
struct nft_ctx;
struct nft_watch;
struct ctl;
struct ct_ctx;
struct ct_tunnel_fp;
struct topo;
struct proto_target;
struct proto_error;
struct nft_dev;
struct module_ops;

struct flowd_counters {
	uint64_t rtnl_events;		/* topology change notifications */
	uint64_t nft_events;		/* changes to our table by others */
	uint64_t reconciles;		/* plan + diff runs */
	uint64_t batches;		/* nftables batches sent */
	uint64_t batch_errors;		/* batches the kernel refused */
	uint64_t restores;		/* our table repaired after outside changes */
	uint64_t reloads;		/* successful config reloads */
	uint64_t reload_errors;
	uint64_t rebuilds;		/* flowtable rebuilds (flushes) */
	uint64_t stale_flushes;		/* path changes that returned flows */
	uint64_t errors;		/* anything logged as an error */
};

struct flowd {
	struct ev_loop *loop;
	const char *conf_path;
	struct conf *conf;
	time_t conf_loaded;
	time_t started;
	bool debug;			/* -d: keep debug logging across reloads */
	bool modules_started;		/* daemon_modules[] (daemon.c) are up */
	bool ctl_changed_in_place;	/* a reload's prepare changed mode/group */

	struct topo_ctx *topo;
	struct nft_ctx *nft;
	struct nft_watch *watch;
	ev_io watch_io;

	/* Debounce and retry backoff (reconcile_sched.h): one timer. */
	ev_timer debounce;
	struct reconcile_sched sched;
	bool nft_changed;		/* our table changed behind our back */

	struct ct_ctx *ct;		/* offloaded flows (conntrack) */
	ev_io ct_io;
	ev_timer ct_timer;
	struct ct_tunnel_fp *fps;	/* per tunnel of `plan`: what makes flows stale */
	ev_tstamp status_refreshed;	/* last conntrack dump for a status request */
	size_t n_fps;

	struct ctl *ctl;		/* the control socket */
	struct ctl *ctl_retired;	/* replaced by a reload, closed from the loop */
	struct ctl *ctl_next;		/* a reload's new socket, until it commits */
	ev_timer ctl_reaper;

	ev_signal sig_term, sig_int, sig_hup;
	ev_timer watchdog;

	struct plan plan;		/* the last plan applied */
	bool in_sync;			/* the kernel matches it */

	/* The sync state, for sd_notify and `flowctl status` (reconcile.c). */
	bool ready;			/* READY=1 sent: the table was in sync once */
	bool reconcile_failed;		/* the last reconcile failed, ... */
	char reconcile_error[512];	/* ... for this reason */
	/*
	 * The flowtable's devices as the last sync wanted them and as it
	 * found them in the kernel (after a successful sync, the same), so
	 * that status can show both while they differ.
	 */
	struct nft_dev *want_devices, *kernel_devices;
	size_t n_want_devices, n_kernel_devices;
	bool want_known;		/* the desired table could be built */
	bool kernel_known;		/* the kernel's table could be read */
	bool kernel_flowtable;		/* ... and had our flowtable */
	/*
	 * Tunnel offload: learnt from the kernel's answer to our flowtable
	 * with NFT_FLOWTABLE_TUNNEL (accepted, or refused and created without
	 * it); why says how, for status.
	 */
	enum accel_kernel kernel_tunnel;
	char kernel_tunnel_why[160];
	struct flowd_counters counters;
	char last_error[512];
};

/* Set up every module for an already loaded config; 0 or -1 (logged). */
int daemon_init(struct flowd *fd, const char *conf_path, struct conf *conf, bool debug);
/* Run until SIGTERM/SIGINT; returns the exit status. */
int daemon_run(struct flowd *fd);
void daemon_fini(struct flowd *fd);

/* Ask for a reconcile soon (debounced). */
void daemon_schedule(struct flowd *fd);
/*
 * Ask for the offloaded flows' paths to be looked up again soon (debounced
 * like a reconcile, and part of one if one is due): route events that
 * dropped cached flow paths and cannot move a tunnel.
 */
void daemon_schedule_paths(struct flowd *fd);
/*
 * Reload the config file (SIGHUP, flowctl reload); 0, or -1 with the
 * reason in err and the running configuration kept.  *changed (may be
 * NULL) tells whether the file said anything new.
 */
int daemon_reload(struct flowd *fd, char *err, size_t errlen, bool *changed);
/* flowctl flush: return the target's offloaded flows to the slow path. */
json_t *daemon_flush(struct flowd *fd, const struct proto_target *target,
		     struct proto_error *err);

/* Rebuild the flowtable: every offloaded flow back to the slow path. */
int daemon_rebuild_flowtable(struct flowd *fd);

/*
 * The daemon's modules (module.h), each in its own file: the nftables
 * table and its event watch (daemon_table.c), rtnetlink (daemon_topology.c),
 * conntrack (daemon_conntrack.c), the control socket (daemon_control.c).
 */
extern const struct module_ops table_module;
extern const struct module_ops topology_module;
extern const struct module_ops conntrack_module;
extern const struct module_ops control_module;

/* Conntrack: the daemon's side (daemon_conntrack.c). */
/* After a reconcile: flush flows whose path went stale, update paths. */
void conntrack_after_reconcile(struct flowd *fd, const struct topo *topo,
			     const struct plan *old_plan, const struct plan *new_plan);
/* Look up again the flow paths route events dropped (no reconcile). */
void conntrack_update_paths(struct flowd *fd);

/* (Re)subscribe to nftables events for the configured table; 0 or -1. */
int daemon_watch_open(struct flowd *fd);
/* The debounce timer's callback (reconcile.c). */
void reconcile_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
/*
 * The sync state in one line, as STATUS= and `flowctl status` give it:
 * "waiting: ..." until the table was in sync once, "out of sync: ..."
 * after a failed reconcile, else "running: ...".
 */
void daemon_sync_status(const struct flowd *fd, char *buf, size_t len);
/* Free the device lists above. */
void daemon_sync_free(struct flowd *fd);
/* Record an error for `flowctl status` and log it. */
void daemon_error(struct flowd *fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
