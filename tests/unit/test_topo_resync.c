// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lost events: nl_cache_mngr_data_ready() is wrapped (-Wl,--wrap) to report
 * ENOBUFS (-NLE_NOMEM) on demand; topo must refill, count and notify.
 * recvmmsg() is wrapped too (only the route event socket uses it here) to
 * report ENOBUFS or hand over a datagram from a given sender: overruns
 * mean "anything changed" without any re-read, and only the kernel's
 * datagrams count.  Needs the host's rtnetlink; skips without it.
 */
#include "config.h"	/* _GNU_SOURCE: recvmmsg() */

#include <errno.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev.h>
#include <netlink/cache.h>
#include <netlink/errno.h>

#include <linux/netlink.h>

#include "log.h"
#include "nlmsg_build.h"
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

int __real_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		    struct timespec *timeout);
int __wrap_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		    struct timespec *timeout);

static int fake_recv_errno;		/* once: fail with it */
static const void *fake_dgram;		/* once: this datagram ... */
static size_t fake_len;
static uint32_t fake_pid;		/* ... from this sender */

int __wrap_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		    struct timespec *timeout)
{
	if (fake_recv_errno != 0) {
		errno = fake_recv_errno;
		fake_recv_errno = 0;
		return -1;
	}
	if (fake_dgram != NULL) {
		struct msghdr *msg = &vec[0].msg_hdr;
		struct sockaddr_nl *sa = msg->msg_name;

		memset(sa, 0, sizeof(*sa));
		sa->nl_family = AF_NETLINK;
		sa->nl_pid = fake_pid;
		msg->msg_namelen = sizeof(*sa);
		msg->msg_flags = 0;
		memcpy(msg->msg_iov[0].iov_base, fake_dgram, fake_len);
		vec[0].msg_len = (unsigned int)fake_len;
		fake_dgram = NULL;
		return 1;
	}
	return __real_recvmmsg(fd, vec, vlen, flags, timeout);
}

/* The route hook: counts "anything changed" (NULL) and real messages. */
static int hook_all, hook_msgs;
static bool hook_answer;

static bool hook(void *arg, const struct nlmsghdr *nlh, size_t len)
{
	if (nlh == NULL)
		hook_all++;
	else
		hook_msgs++;
	return hook_answer;
}

static enum topo_change last_change;

static void changed(void *arg, enum topo_change what)
{
	last_change = what;
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

static void test_route_enobufs(void **state)
{
	struct topo_ctx *ctx;
	struct topo_stats st;
	int calls = 0;

	if (topo_init(&ctx, NULL, changed, &calls) < 0)
		skip();
	topo_set_route_hook(ctx, hook, NULL);
	hook_all = hook_msgs = 0;
	fake_recv_errno = ENOBUFS;
	assert_int_equal(topo_dispatch(ctx), 0);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.route_overruns, 1);
	assert_int_equal(hook_all, 1);		/* the flow paths: look up again */
	assert_int_equal(calls, 1);		/* tunnels: reconcile */
	assert_int_equal(last_change, TOPO_CHANGE_ALL);
	/* Nothing is re-read for it: no cache refill. */
	assert_int_equal(st.resyncs, 0);
	assert_int_equal(st.resync_failures, 0);
	/* The socket goes on. */
	assert_int_equal(topo_dispatch(ctx), 0);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.route_overruns, 1);
	topo_fini(ctx);
}

static void test_route_sender(void **state)
{
	struct topo_ctx *ctx;
	struct topo_stats st;
	union nlbuf buf;
	struct nlmsghdr *nlh;
	int calls = 0;

	if (topo_init(&ctx, NULL, changed, &calls) < 0)
		skip();
	topo_set_route_hook(ctx, hook, NULL);
	hook_all = hook_msgs = 0;
	hook_answer = false;
	nlh = nl_msg_start(&buf, RTM_NEWRULE, sizeof(struct rtmsg));
	/* From another process: dropped. */
	fake_dgram = nlh;
	fake_len = nlh->nlmsg_len;
	fake_pid = 4242;
	assert_int_equal(topo_dispatch(ctx), 0);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.foreign, 1);
	assert_int_equal(hook_msgs, 0);
	assert_int_equal(calls, 0);
	/* From the kernel: a rule event, told and a change. */
	fake_dgram = nlh;
	fake_pid = 0;
	assert_int_equal(topo_dispatch(ctx), 0);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.route_events, 1);
	assert_int_equal(hook_msgs, 1);
	assert_int_equal(calls, 1);
	assert_int_equal(last_change, TOPO_CHANGE_ALL);	/* rules move tunnels too */
	topo_fini(ctx);
}

/* A route event far from every tunnel is the hook's business only. */
static void test_route_filter(void **state)
{
	struct topo_ctx *ctx;
	struct topo_stats st;
	struct topo t;
	union nlbuf buf, rbuf;
	struct nlmsghdr *nlh, *rule;
	uint64_t reconciles;
	int calls = 0;

	if (topo_init(&ctx, NULL, changed, &calls) < 0)
		skip();
	topo_set_route_hook(ctx, hook, NULL);
	hook_msgs = 0;
	hook_answer = false;
	nlh = nl_newroute(&buf, AF_INET, 24, RTN_UNICAST);
	nl_put_in4(nlh, RTA_DST, "203.0.113.0");
	/* Before the first link dump anything may matter. */
	topo_route_events(ctx, nlh, nlh->nlmsg_len);
	assert_int_equal(topo_dispatch(ctx), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(topo_snapshot(ctx, &t), 0);
	topo_free(&t);
	topo_route_events(ctx, nlh, nlh->nlmsg_len);
	assert_int_equal(topo_dispatch(ctx), 0);
	assert_int_equal(hook_msgs, 2);
	assert_int_equal(calls, 1);		/* no tunnel's remote in it */
	topo_get_stats(ctx, &st);
	reconciles = st.route_reconciles;	/* the one before the dump */
	hook_answer = true;			/* but the flow paths want it: */
	topo_route_events(ctx, nlh, nlh->nlmsg_len);
	assert_int_equal(topo_dispatch(ctx), 0);
	assert_int_equal(calls, 2);
	/* ... a path update, not a reconcile. */
	assert_int_equal(last_change, TOPO_CHANGE_FLOW_PATHS);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.route_path_updates, 1);
	assert_int_equal(st.route_reconciles, reconciles);
	/* The same with a rule event in the batch: one reconcile covers both. */
	topo_route_events(ctx, nlh, nlh->nlmsg_len);
	rule = nl_msg_start(&rbuf, RTM_NEWRULE, sizeof(struct rtmsg));
	topo_route_events(ctx, rule, rule->nlmsg_len);
	assert_int_equal(topo_dispatch(ctx), 0);
	assert_int_equal(calls, 3);
	assert_int_equal(last_change, TOPO_CHANGE_ALL);
	topo_get_stats(ctx, &st);
	assert_int_equal(st.route_path_updates, 1);
	assert_int_equal(st.route_reconciles, reconciles + 1);
	/* Nothing new: no report. */
	assert_int_equal(topo_dispatch(ctx), 0);
	assert_int_equal(calls, 3);
	topo_fini(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_enobufs),
		cmocka_unit_test(test_route_sender),
		cmocka_unit_test(test_route_filter),
		cmocka_unit_test(test_enobufs_without_loop),
		cmocka_unit_test(test_enobufs_with_loop),
	};

	log_init("test_topo_resync", true, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests_name("topo_resync", tests, NULL, NULL);
}
