// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * topo.c and tunnel_route_lookup() against the host's own rtnetlink,
 * read-only (no device is created).  Skips where netlink is unavailable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ev.h>
#include <libmnl/libmnl.h>

#include "log.h"
#include "nl_talk.h"
#include "plan.h"
#include "topo.h"
#include "tunnel_route.h"

static void changed(void *arg, enum topo_change what)
{
	(void)what;
	(*(int *)arg)++;
}

static void test_snapshot_and_resync(void **state)
{
	static char *lo_only[] = { "lo" };
	struct conf c = { .devices = lo_only, .n_devices = 1, .tunnel_kinds = TUNNEL_KIND_ALL };
	struct topo_ctx *ctx;
	struct topo_stats st;
	struct topo t;
	struct plan p;
	const struct link *lo;
	int calls = 0;

	if (topo_init(&ctx, NULL, changed, &calls) < 0)
		skip();
	assert_true(topo_fd(ctx) >= 0);

	assert_int_equal(topo_snapshot(ctx, &t), 0);
	lo = topo_link_by_name(&t, "lo");
	assert_non_null(lo);
	assert_int_equal(lo->type, LINK_TYPE_OTHER);
	assert_ptr_equal(topo_link_by_ifindex(&t, lo->ifindex), lo);
	/* One route entry per tunnel, whatever the host has. */
	for (size_t i = 0; i < t.n_routes; i++)
		assert_non_null(topo_link_by_ifindex(&t, t.routes[i].tunnel_ifindex));

	assert_int_equal(plan_compute(&c, &t, &p), 0);
	assert_true(p.n_devices >= 1);
	plan_free(&p);
	topo_free(&t);
	assert_null(t.links);

	/* No event since: the link array is reused, not re-dumped. */
	assert_int_equal(topo_dispatch(ctx), 0);
	assert_int_equal(topo_snapshot(ctx, &t), 0);
	topo_free(&t);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.link_dumps, 1);
	assert_int_equal(st.bad_links, 0);

	/* A resync notifies and forces a fresh dump. */
	assert_int_equal(topo_resync(ctx), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(topo_snapshot(ctx, &t), 0);
	topo_free(&t);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.link_dumps, 2);
	topo_fini(ctx);
}

static void test_with_loop(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct topo_ctx *ctx;
	int calls = 0;

	assert_non_null(loop);
	if (topo_init(&ctx, loop, changed, &calls) < 0) {
		ev_loop_destroy(loop);
		skip();
	}
	ev_run(loop, EVRUN_NOWAIT);
	topo_fini(ctx);
	ev_loop_destroy(loop);
}

static void test_lookup_against_kernel(void **state)
{
	struct nl_talk t;
	struct link l = { .ifindex = 999999, .name = "fake0", .type = LINK_TYPE_TUNNEL };
	struct tunnel_route r;

	if (nl_talk_open(&t, NETLINK_ROUTE, 2000) < 0)
		skip();
	l.tun.kind = TUNNEL_KIND_IPIP;
	l.tun.outer_family = AF_INET;
	l.tun.remote.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &l.tun.remote.v4);

	/* The loopback address is local: no underlay. */
	assert_int_equal(tunnel_route_lookup(&t, &l, &r), 0);
	assert_false(r.resolved);
	assert_ptr_equal(r.why_not, TUNNEL_ROUTE_LOCAL_REMOTE);
	assert_int_equal(r.tunnel_ifindex, 999999);

	/* Bound to a device that does not exist. */
	inet_pton(AF_INET, "192.0.2.99", &l.tun.remote.v4);
	l.tun.link_ifindex = 999998;
	assert_int_equal(tunnel_route_lookup(&t, &l, &r), 0);
	assert_false(r.resolved);
	assert_ptr_equal(r.why_not, TUNNEL_ROUTE_NO_LINK);

	/* No lookup needed. */
	l.tun.collect_md = true;
	assert_int_equal(tunnel_route_lookup(&t, &l, &r), 0);
	assert_ptr_equal(r.why_not, TUNNEL_ROUTE_COLLECT_MD);
	nl_talk_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_and_resync),
		cmocka_unit_test(test_with_loop),
		cmocka_unit_test(test_lookup_against_kernel),
	};

	log_init("test_topo", true, LOG_LEVEL_WARNING);
	return cmocka_run_group_tests_name("topo", tests, NULL, NULL);
}
