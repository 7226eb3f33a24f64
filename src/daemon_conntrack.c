// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's conntrack glue: wire the tracker (ct_*.c) into the event
 * loop and the reload/reconcile cycle -- keep the offloaded-flow counts
 * current, return flows to the slow path when their path went stale, and
 * serve `flowctl flush`.  The tracker itself lives in ct_*.c;
 * this file only decides when to call it.
 *
 * Which mechanism returns flows to the slow path is ct_flush_advice()'s
 * call (see ct.h), within flush.method: deleting conntrack entries is the
 * only per-flow way in Linux 6.12 but loses their state (NAT mapping, ct
 * state), so under "auto" NATed flows or large selections get a flowtable
 * rebuild instead, which tears every flow down but keeps every conntrack
 * entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "daemon.h"
#include "log.h"
#include "module.h"
#include "nft.h"
#include "proto.h"

static void conntrack_timer_arm(struct flowd *fd)
{
	double due = ct_refresh_due(fd->ct, ev_now(fd->loop));

	ev_timer_stop(fd->loop, &fd->ct_timer);
	if (due < 0)
		return;
	ev_timer_set(&fd->ct_timer, due, 0);
	ev_timer_start(fd->loop, &fd->ct_timer);
}

static void ct_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct flowd *fd = w->data;
	int r = ct_dispatch(fd->ct, ev_now(loop));

	if (r < 0)
		daemon_error(fd, "conntrack event socket: %s", strerror(-r));
	conntrack_timer_arm(fd);
}

static void ct_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct flowd *fd = w->data;
	int r = ct_refresh(fd->ct, ev_now(loop));

	if (r < 0)
		log_warnx("conntrack dump failed: %s (retrying)", strerror(-r));
	conntrack_timer_arm(fd);
}

static enum ct_flush_policy conntrack_flush_policy(enum conf_flush_method m)
{
	switch (m) {
	case CONF_FLUSH_DELETE:
		return CT_FLUSH_POLICY_DELETE;
	case CONF_FLUSH_REBUILD:
		return CT_FLUSH_POLICY_REBUILD;
	case CONF_FLUSH_AUTO:
		break;
	}
	return CT_FLUSH_POLICY_AUTO;
}

/* A reload: every conntrack setting applies to the running watcher. */
static void conntrack_commit(void *ctx, const struct conf *old, const struct conf *next)
{
	struct flowd *fd = ctx;

	ct_set_flush_policy(fd->ct, conntrack_flush_policy(next->flush_method));
	if (next->ct_receive_buffer != old->ct_receive_buffer) {
		unsigned int got = ct_set_receive_buffer(fd->ct, next->ct_receive_buffer);

		log_info("reload: conntrack event receive buffer %d bytes (kernel: %u)",
			 next->ct_receive_buffer, got);
	}
}

static int conntrack_start(void *ctx, const struct conf *conf, char *err, size_t errlen)
{
	struct flowd *fd = ctx;
	struct ct_config cfg;
	int r;

	ct_config_default(&cfg);
	cfg.rcvbuf = conf->ct_receive_buffer;
	cfg.flush_policy = conntrack_flush_policy(conf->flush_method);
	r = ct_open(&cfg, ev_now(fd->loop), &fd->ct);
	if (r < 0) {
		snprintf(err, errlen, "cannot watch conntrack: %s", strerror(-r));
		return -1;
	}
	ev_io_init(&fd->ct_io, ct_io_cb, ct_fd(fd->ct), EV_READ);
	fd->ct_io.data = fd;
	ev_io_start(fd->loop, &fd->ct_io);
	ev_timer_init(&fd->ct_timer, ct_timer_cb, 0, 0);
	fd->ct_timer.data = fd;
	conntrack_timer_arm(fd);
	return 0;
}

static void conntrack_stop(void *ctx)
{
	struct flowd *fd = ctx;

	free(fd->fps);
	fd->fps = NULL;
	fd->n_fps = 0;
	if (!fd->ct)
		return;
	ev_io_stop(fd->loop, &fd->ct_io);
	ev_timer_stop(fd->loop, &fd->ct_timer);
	ct_close(fd->ct);
	fd->ct = NULL;
}

const struct module_ops conntrack_module = {
	.name = "conntrack",
	.start = conntrack_start,
	.commit = conntrack_commit,
	.stop = conntrack_stop,
};

/* Return a selection to the slow path the least disruptive way. */
static int conntrack_flush_selection(struct flowd *fd, const struct ct_selection *sel,
				   const char **method)
{
	enum ct_flush_method how = ct_flush_advice(fd->ct, sel);
	int r;

	*method = ct_flush_method_name(how);
	switch (how) {
	case CT_FLUSH_NONE:
		return 0;
	case CT_FLUSH_DELETE:
		r = ct_delete_flows(fd->ct, sel);
		if (r < 0)
			daemon_error(fd, "deleting %zu conntrack entries failed: %s", sel->n,
				     strerror(-r));
		return r;
	case CT_FLUSH_REBUILD:
		if (daemon_rebuild_flowtable(fd) < 0)
			return -EIO;
		ct_note_rebuild(fd->ct, sel, ev_now(fd->loop));
		conntrack_timer_arm(fd);
		return (int)sel->n;
	}
	return -EINVAL;
}

static int fingerprints(const struct topo *topo, const struct plan *plan,
			struct ct_tunnel_fp **out, size_t *n_out)
{
	struct ct_tunnel_fp *fps = calloc(plan->n_tunnels ? plan->n_tunnels : 1, sizeof(*fps));
	size_t n = 0;

	if (!fps)
		return -1;
	for (size_t i = 0; i < plan->n_tunnels; i++) {
		const struct plan_tunnel *t = &plan->tunnels[i];
		const struct link *l = topo_link_by_ifindex(topo, t->ifindex);

		if (!l)
			continue;
		ct_tunnel_fp_fill(&fps[n++], l, topo_route_by_tunnel(topo, t->ifindex), t);
	}
	*out = fps;
	*n_out = n;
	return 0;
}

void conntrack_after_reconcile(struct flowd *fd, const struct topo *topo,
			     const struct plan *old_plan, const struct plan *new_plan)
{
	struct ct_tunnel_fp *fps = NULL;
	struct ct_selection stale = { 0 };
	size_t n_fps = 0;
	const char *method;
	int r;

	if (fingerprints(topo, new_plan, &fps, &n_fps) < 0) {
		daemon_error(fd, "out of memory fingerprinting tunnels");
		return;
	}
	/*
	 * Against the paths the flows were resolved to: before the update.
	 * The table may lag the kernel (offload bits change without events:
	 * flows the kernel tore down and set up again come back only with a
	 * dump), so when something did change, what is offloaded now is
	 * dumped first: a flow left out would stay on its old path.
	 */
	r = fd->fps ? ct_paths_changed(old_plan, fd->fps, fd->n_fps, new_plan, fps, n_fps) : 0;
	if (r < 0) {
		daemon_error(fd, "out of memory finding stale flows");
		r = 0;
	}
	if (r > 0 && ct_refresh(fd->ct, ev_now(fd->loop)) < 0)
		log_warnx("conntrack dump before flushing stale flows failed: flows set up "
			  "again since the last dump may keep their old path until the next");
	if (r > 0 && ct_stale_flows(fd->ct, old_plan, fd->fps, fd->n_fps, new_plan, fps,
				      n_fps, &stale) == 0 && stale.n > 0) {
		r = conntrack_flush_selection(fd, &stale, &method);
		if (r >= 0) {
			fd->counters.stale_flushes++;
			log_info("path changed: %d stale offloaded flow(s) returned to the slow path (%s)",
				 r, method);
		}
	}
	ct_selection_free(&stale);
	/* Only the lookups route events dropped are asked again. */
	if ((r = ct_update_paths(fd->ct)) < 0)
		log_warnx("looking up flow paths failed: %s (retried)", strerror(-r));
	if (ct_set_plan(fd->ct, new_plan) < 0)
		daemon_error(fd, "out of memory updating flow paths");
	free(fd->fps);
	fd->fps = fps;
	fd->n_fps = n_fps;
	/* The plan's devices, and a dump made above, move the next refresh. */
	conntrack_timer_arm(fd);
}

void conntrack_update_paths(struct flowd *fd)
{
	int r;

	if (fd->ct == NULL)
		return;
	if ((r = ct_update_paths(fd->ct)) < 0)
		log_warnx("looking up flow paths failed: %s (retried)", strerror(-r));
}

json_t *daemon_flush(struct flowd *fd, const struct proto_target *target,
		     struct proto_error *err)
{
	struct ct_target ct_target = { .kind = CT_TARGET_ALL };
	struct ct_selection sel = { 0 };
	const char *method = "none";
	int r;

	if (target->kind == PROTO_TARGET_TUNNEL)
		ct_target.kind = CT_TARGET_TUNNEL;
	else if (target->kind == PROTO_TARGET_DEVICE)
		ct_target.kind = CT_TARGET_DEVICE;
	snprintf(ct_target.name, sizeof(ct_target.name), "%s", target->name);

	/* Flush what is offloaded now, not what the last dump saw. */
	ct_refresh(fd->ct, ev_now(fd->loop));
	r = ct_select(fd->ct, &ct_target, &sel);
	if (r == -ENOENT) {
		proto_error_set(err, PROTO_ERR_NOT_FOUND, "no %s named %s in the flowtable",
				target->kind == PROTO_TARGET_TUNNEL ? "tunnel" : "device",
				target->name);
		return NULL;
	}
	if (r < 0) {
		proto_error_set(err, PROTO_ERR_INTERNAL, "selecting flows: %s", strerror(-r));
		return NULL;
	}
	r = conntrack_flush_selection(fd, &sel, &method);
	ct_selection_free(&sel);
	if (r < 0) {
		proto_error_set(err, PROTO_ERR_INTERNAL, "flush failed: %s",
				fd->last_error[0] ? fd->last_error : strerror(-r));
		return NULL;
	}
	log_info("flush %s%s%s: %d flow(s) returned to the slow path (%s)",
		 proto_target_kind_name(target->kind), target->name[0] ? " " : "", target->name, r,
		 method);
	return json_pack("{s:i, s:o, s:s}", "flushed", r, "target", proto_target_to_json(target),
			 "method", method);
}
