// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's topology module: rtnetlink links, addresses and routes
 * (topo.c) wired to the reconcile schedule.  A change that can move a
 * tunnel asks for a reconcile; a route event that only changes cached
 * flow paths asks for those paths alone.  Nothing in flowd.conf changes
 * what the topology watches, so a reload leaves it as it is.
 */
#include <stdio.h>

#include "ct.h"
#include "daemon.h"
#include "module.h"
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

static int topology_start(void *ctx, const struct conf *conf, char *err, size_t errlen)
{
	struct flowd *fd = ctx;

	(void)conf;
	if (topo_init(&fd->topo, fd->loop, topo_changed, fd) < 0) {
		snprintf(err, errlen, "cannot read the topology from rtnetlink");
		return -1;
	}
	/* The hook asks conntrack, which may start later: it checks. */
	topo_set_route_hook(fd->topo, route_event, fd);
	return 0;
}

static void topology_stop(void *ctx)
{
	struct flowd *fd = ctx;

	if (fd->topo)
		topo_fini(fd->topo);
	fd->topo = NULL;
}

const struct module_ops topology_module = {
	.name = "topology",
	.start = topology_start,
	.stop = topology_stop,
};
