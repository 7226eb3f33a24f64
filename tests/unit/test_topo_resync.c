// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lost events: nl_cache_mngr_data_ready() is wrapped (-Wl,--wrap) to report
 * ENOBUFS (-NLE_NOMEM) on demand; topo must refill, count and notify.
 * Needs the host's rtnetlink for the refill; skips without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev.h>
#include <netlink/cache.h>
#include <netlink/errno.h>

#include "log.h"
#include "topo.h"

int __real_nl_cache_mngr_data_ready(struct nl_cache_mngr *mngr);
int __wrap_nl_cache_mngr_data_ready(struct nl_cache_mngr *mngr);

static int fake_error;	/* 0: pass through to libnl */

int __wrap_nl_cache_mngr_data_ready(struct nl_cache_mngr *mngr)
{
	int err = fake_error;

	fake_error = 0;
	return err != 0 ? err : __real_nl_cache_mngr_data_ready(mngr);
}

static void changed(void *arg)
{
	(*(int *)arg)++;
}

static void test_enobufs_without_loop(void **state)
{
	struct topo_ctx *ctx;
	struct topo_stats st;
	struct topo t;
	int calls = 0;

	if (topo_init(&ctx, NULL, changed, &calls) < 0)
		skip();
	assert_int_equal(topo_snapshot(ctx, &t), 0);
	topo_free(&t);

	fake_error = -NLE_NOMEM;
	assert_int_equal(topo_dispatch(ctx), 0);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.resyncs, 1);
	assert_int_equal(st.resync_failures, 0);
	assert_int_equal(calls, 1);

	/* The links are re-dumped on the next snapshot. */
	assert_int_equal(topo_snapshot(ctx, &t), 0);
	topo_free(&t);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.link_dumps, 2);

	/* Any other receive error counts as lost events too. */
	fake_error = -NLE_MSG_TRUNC;
	assert_int_equal(topo_dispatch(ctx), 0);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.resyncs, 2);
	assert_int_equal(calls, 2);
	topo_fini(ctx);
}

static void test_enobufs_with_loop(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct topo_ctx *ctx;
	struct topo_stats st;
	int calls = 0;

	assert_non_null(loop);
	if (topo_init(&ctx, loop, changed, &calls) < 0) {
		ev_loop_destroy(loop);
		skip();
	}
	fake_error = -NLE_NOMEM;
	assert_int_equal(topo_dispatch(ctx), 0);
	/* Deferred to a short timer, so a burst of errors costs one refill. */
	assert_int_equal(calls, 0);
	fake_error = -NLE_NOMEM;
	assert_int_equal(topo_dispatch(ctx), 0);
	for (int i = 0; i < 50 && calls == 0; i++)
		ev_run(loop, EVRUN_ONCE);
	assert_int_equal(calls, 1);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.resyncs, 2);
	assert_int_equal(st.resync_failures, 0);
	topo_fini(ctx);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enobufs_without_loop),
		cmocka_unit_test(test_enobufs_with_loop),
	};

	log_init("test_topo_resync", true, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests_name("topo_resync", tests, NULL, NULL);
}
