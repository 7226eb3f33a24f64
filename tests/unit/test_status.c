// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's status builder (status_build) feeding flowctl's renderers:
 * a struct flowd set up by hand (config, plan, conntrack tracker with
 * offloaded flows, counters), its status rendered as text and as metrics
 * and compared with golden files in tests/unit/flowctl, so that the
 * goldens follow what the daemon really sends, not a hand-written JSON.
 * Then the sync states: waiting, in sync, out of sync, and what status,
 * STATUS= and flowctl's exit code say in each.
 *
 * FLOWD_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "read_file.h"

#include "ct_fixture.h"
#include "ct.h"
#include "ct_routes_stub.h"
#include "daemon.h"
#include "flowctl.h"
#include "nft.h"
#include "status.h"
#include "topo.h"

#define DATA_DIR TEST_SRCDIR "/flowctl"

/*
 * topo_get_stats() is wrapped (-Wl,--wrap): a real topology context needs
 * rtnetlink.  Distinct values, so that the goldens show each counter
 * rendered from its own field.
 */
void __wrap_topo_get_stats(const struct topo_ctx *ctx, struct topo_stats *out);

void __wrap_topo_get_stats(const struct topo_ctx *ctx, struct topo_stats *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	out->resyncs = 2;
	out->route_events = 20001;
	out->route_overruns = 3;
	out->route_reconciles = 4;
	out->route_path_updates = 5;
	out->route_lookups = 6;
}

static const char config_text[] =
	"table: { family = \"inet\"; name = \"flowd\"; };\n"
	"flowtable: { name = \"ft\"; };\n"
	"devices = [ \"eth0\" ];\n"
	"tunnels = \"all\";\n";

/* eth0 (2) configured; tun0 (5, ipip) over eth1 (3); gre1 (6) without a route. */
static int tun0_underlay[] = { 3 };
static struct plan_device devs[] = {
	{ .name = "eth0", .ifindex = 2, .reasons = PLAN_REASON_CONFIGURED },
	{ .name = "eth1", .ifindex = 3, .reasons = PLAN_REASON_UNDERLAY, .tunnel = "tun0" },
	{ .name = "tun0", .ifindex = 5, .reasons = PLAN_REASON_TUNNEL, .tunnel = "tun0" },
};
static struct plan_tunnel tuns[] = {
	{ .name = "gre1", .ifindex = 6, .selected = true, .kind = "gre",
	  .why_not = "no route to remote" },
	{ .name = "tun0", .ifindex = 5, .selected = true, .accelerated = true,
	  .underlay_ifindex = 3, .underlay = "eth1", .kind = "ipip",
	  .underlay_ifindexes = tun0_underlay, .n_underlay_ifindexes = 1 },
};

/* LAN -> tunnel (hw), LAN -> Internet over eth1 (sw), Internet -> tunnel (sw). */
static const struct ctspec flows[] = {
	{ AF_INET, "10.0.0.2", "10.2.0.2", NULL, NULL, IPPROTO_TCP, 40000, 80, 1,
	  IPS_CONFIRMED | IPS_OFFLOAD | IPS_HW_OFFLOAD, 0, 0 },
	{ AF_INET, "10.0.0.2", "8.8.8.8", NULL, "198.51.100.1", IPPROTO_TCP, 40001, 443, 2,
	  IPS_CONFIRMED | IPS_OFFLOAD | IPS_SRC_NAT, 0, 0 },
	{ AF_INET, "172.16.0.1", "10.2.0.9", NULL, NULL, IPPROTO_UDP, 7, 8, 3,
	  IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 },
};

static struct ct_route route4(const char *addr, int plen, int ifindex)
{
	struct ct_route r = { .family = AF_INET, .plen = (uint8_t)plen, .ifindex = ifindex };

	inet_pton(AF_INET, addr, r.addr);
	return r;
}

static void set_addr(struct addr *a, const char *text)
{
	a->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, a->bytes), 1);
}

static struct nft_dev dev_list[] = { { "eth0" }, { "eth1" }, { "tun0" } };

/* The daemon in sync: what a reconcile that worked leaves behind. */
static void daemon_setup(struct flowd *fd)
{
	struct ct_route routes[] = {
		route4("10.0.0.0", 24, 2), route4("10.2.0.0", 24, 5), route4("0.0.0.0", 0, 3),
	};
	const struct nlmsghdr *nlh;
	union ctbuf buf;
	size_t off = 0;
	char err[256];
	int rem;

	memset(fd, 0, sizeof(*fd));
	fd->conf_path = "/etc/flowd.conf";
	if (conf_load_string(config_text, fd->conf_path, &fd->conf, err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	fd->plan = (struct plan){ devs, 3, tuns, 2 };
	set_addr(&tuns[0].local, "192.0.2.1");
	set_addr(&tuns[0].remote, "203.0.113.7");
	set_addr(&tuns[1].local, "192.0.2.1");
	set_addr(&tuns[1].remote, "198.51.100.2");
	set_addr(&tuns[1].nexthop, "192.0.2.254");
	assert_int_equal(ct_new(NULL, &fd->ct), 0);
	assert_int_equal(seed_set_routes(fd->ct, routes, 3), 0);
	assert_int_equal(ct_set_plan(fd->ct, &fd->plan), 0);
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++)
		ct_fx_put(&buf, &off, FX_DUMP, &flows[i]);
	ct_dump_begin(fd->ct);
	rem = (int)off;
	for (nlh = (const struct nlmsghdr *)buf.b; mnl_nlmsg_ok(nlh, rem);
	     nlh = mnl_nlmsg_next(nlh, &rem))
		ct_dump_msg(fd->ct, nlh, (size_t)rem);
	ct_dump_end(fd->ct, 10.0, true);

	fd->counters = (struct flowd_counters){
		.rtnl_events = 11, .nft_events = 12, .reconciles = 13, .batches = 14,
		.batch_errors = 15, .restores = 16, .reloads = 17, .reload_errors = 18,
		.rebuilds = 19, .stale_flushes = 20, .errors = 21,
	};
	/* Never dereferenced: topo_get_stats() is wrapped. */
	fd->topo = (struct topo_ctx *)fd;
	fd->started = fd->conf_loaded = time(NULL);
	fd->in_sync = fd->ready = true;
	fd->want_known = fd->kernel_known = fd->kernel_flowtable = true;
	fd->want_devices = calloc(3, sizeof(struct nft_dev));
	fd->kernel_devices = calloc(3, sizeof(struct nft_dev));
	assert_non_null(fd->want_devices);
	assert_non_null(fd->kernel_devices);
	memcpy(fd->want_devices, dev_list, sizeof(dev_list));
	memcpy(fd->kernel_devices, dev_list, sizeof(dev_list));
	fd->n_want_devices = fd->n_kernel_devices = 3;
}

static void daemon_teardown(struct flowd *fd)
{
	ct_close(fd->ct);
	conf_free(fd->conf);
	daemon_sync_free(fd);
}

/* status_build() with what changes from run to run (pid, clock) fixed. */
static json_t *build(const struct flowd *fd)
{
	json_t *st = status_build(fd), *daemon, *config;

	assert_non_null(st);
	daemon = json_object_get(st, "daemon");
	config = json_object_get(st, "config");
	assert_non_null(daemon);
	assert_non_null(config);
	assert_true(json_is_integer(json_object_get(daemon, "pid")));
	assert_int_equal(json_object_set_new(daemon, "pid", json_integer(123)), 0);
	assert_int_equal(json_object_set_new(daemon, "uptime_s", json_integer(7391)), 0);
	assert_int_equal(json_object_set_new(daemon, "started",
					     json_string("2026-11-25T17:01:02Z")), 0);
	assert_int_equal(json_object_set_new(config, "loaded",
					     json_string("2026-11-25T17:01:02Z")), 0);
	return st;
}

static char *render_with(int (*fn)(FILE *, const json_t *), const json_t *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(fn(out, st), 0);
	fclose(out);
	return text;
}

static int print_text(FILE *out, const json_t *st)
{
	return flowctl_print(out, PROTO_CMD_STATUS, st, false);
}


static void check_golden(const char *name, const char *got)
{
	char path[512];
	char *base;
	const char *want;

	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, name);
	if (update_golden(path, got))
		return;
	want = base = read_file(path);
	for (int line = 1;; line++) {
		size_t gl = strcspn(got, "\n"), wl = strcspn(want, "\n");

		if (gl != wl || memcmp(got, want, gl) != 0)
			fail_msg("%s, line %d:\n  got  \"%.*s\"\n  want \"%.*s\"", name, line,
				 (int)gl, got, (int)wl, want);
		if (!got[gl] || !want[wl]) {
			assert_int_equal(got[gl], want[wl]);
			break;
		}
		got += gl + 1;
		want += wl + 1;
	}
	free(base);
}

static void test_in_sync_golden(void **state)
{
	struct flowd fd;
	json_t *st;
	char *text;

	daemon_setup(&fd);
	st = build(&fd);
	assert_int_equal(flowctl_status_exit(st), FLOWCTL_EXIT_OK);
	/* --json passes the daemon's object through: the route counters are in it. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "counters"),
							    "route_events")), 20001);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "counters"),
							    "route_overruns")), 3);
	text = render_with(print_text, st);
	check_golden("status-daemon.txt", text);
	free(text);
	text = render_with(flowctl_print_metrics, st);
	check_golden("metrics-daemon.prom", text);
	/* Every counter the daemon has is a known, documented metric. */
	assert_null(strstr(text, "flowd_counter_"));
	free(text);
	json_decref(st);
	daemon_teardown(&fd);
}

/* One kind for what a field may hold: a number, a boolean, a string, ... */
static const char *shape_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

/*
 * Fields the hand-written files carry on purpose although no daemon sends
 * them: what a newer daemon might add, which flowctl must pass over.
 */
static bool from_a_newer_daemon(const char *key)
{
	return strcmp(key, "extra_top_level") == 0 || strcmp(key, "future_field") == 0;
}

/*
 * Do a (the daemon's status) and b (a hand-written file) have the same
 * fields with the same kinds, at every level?  null on either side stands
 * for any kind (a field the daemon leaves empty); every element of an
 * array in b is held to the daemon's first.  The first difference fails
 * with its path.
 */
static void check_same_shape(const json_t *a, const json_t *b, const char *path)
{
	const char *ka = shape_kind(a), *kb = shape_kind(b), *key;
	char sub[256];
	size_t i;
	json_t *v;

	if (json_is_null(a) || json_is_null(b))
		return;
	if (strcmp(ka, kb) != 0)
		fail_msg("%s: the daemon sends a %s, the file has a %s", path, ka, kb);
	if (json_is_array(a)) {
		if (json_array_size(a) == 0)
			return;
		json_array_foreach(b, i, v) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			check_same_shape(json_array_get(a, 0), v, sub);
		}
		return;
	}
	if (!json_is_object(a))
		return;
	json_object_foreach((json_t *)a, key, v) {
		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		if (!json_object_get(b, key))
			fail_msg("%s: the daemon sends it, the file lacks it", sub);
		check_same_shape(v, json_object_get(b, key), sub);
	}
	json_object_foreach((json_t *)b, key, v) {
		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		if (!json_object_get(a, key) && !from_a_newer_daemon(key))
			fail_msg("%s: in the file, but the daemon never sends it", sub);
	}
}

/*
 * flowctl's own tests render hand-written status files (every field
 * filled, hostile strings, ...).  They must stay what the daemon sends:
 * the fullest of them has exactly the fields status_build() fills.
 */
static void test_hand_written_status_has_the_daemons_shape(void **state)
{
	struct flowd fd;
	json_error_t jerr;
	json_t *st, *file;
	char path[512];

	daemon_setup(&fd);
	st = build(&fd);
	snprintf(path, sizeof(path), "%s/status-full.json", DATA_DIR);
	file = json_load_file(path, 0, &jerr);
	if (!file)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	check_same_shape(st, file, "status");
	json_decref(file);
	json_decref(st);
	daemon_teardown(&fd);
}

/* A status line cut to fit its buffer (STATUS= takes 256 bytes) says so. */
static void test_sync_status_cut(void **state)
{
	struct flowd fd;
	char line[32];

	daemon_setup(&fd);
	fd.reconcile_failed = true;
	memset(fd.reconcile_error, 'x', sizeof(fd.reconcile_error) - 1);
	fd.reconcile_error[sizeof(fd.reconcile_error) - 1] = '\0';
	daemon_sync_status(&fd, line, sizeof(line));
	assert_string_equal(line, "out of sync: xxxxxxxxxxxxxxx...");
	fd.reconcile_error[10] = '\0';
	daemon_sync_status(&fd, line, sizeof(line));
	assert_string_equal(line, "out of sync: xxxxxxxxxx");
	daemon_teardown(&fd);
}

static const char *table_str(const json_t *st, const char *key)
{
	return json_string_value(json_object_get(json_object_get(st, "table"), key));
}

/* Before the first sync worked: waiting, and the kernel lacks our devices. */
static void test_waiting(void **state)
{
	static const char why[] = "nftables batch failed, kernel unchanged: add flowtable "
				  "inet flowd ft: Operation not supported";
	struct flowd fd;
	json_t *st;
	char *text, line[256];

	daemon_setup(&fd);
	fd.in_sync = fd.ready = false;
	daemon_sync_status(&fd, line, sizeof(line));
	assert_string_equal(line, "waiting: first sync of the table");

	fd.reconcile_failed = true;
	snprintf(fd.reconcile_error, sizeof(fd.reconcile_error), "%s", why);
	fd.kernel_flowtable = false;
	fd.n_kernel_devices = 0;
	daemon_sync_status(&fd, line, sizeof(line));
	assert_string_equal(line, "waiting: nftables batch failed, kernel unchanged: add "
				  "flowtable inet flowd ft: Operation not supported");
	st = build(&fd);
	assert_int_equal(flowctl_status_exit(st), FLOWCTL_EXIT_NOT_IN_SYNC);
	assert_string_equal(table_str(st, "status"), line);
	assert_true(json_is_false(json_object_get(json_object_get(st, "table"), "ready")));
	assert_true(json_is_null(json_object_get(json_object_get(st, "table"),
						 "devices_in_kernel")));
	text = render_with(print_text, st);
	assert_non_null(strstr(text, "table inet flowd, flowtable ft, out of sync\n"
				     "status waiting: nftables batch failed"));
	assert_non_null(strstr(text, "\nflowtable devices wanted: eth0,eth1,tun0\n"
				     "flowtable devices in the kernel: - (no flowtable)\n"));
	free(text);
	json_decref(st);

	/* Metrics still export, with the table not in sync. */
	st = build(&fd);
	text = render_with(flowctl_print_metrics, st);
	assert_non_null(strstr(text, "\nflowd_table_in_sync{family=\"inet\",table=\"flowd\","
				     "flowtable=\"ft\"} 0\n"));
	free(text);
	json_decref(st);
	daemon_teardown(&fd);
}

/* In sync once, then a reconcile failed: out of sync, both device lists. */
static void test_out_of_sync(void **state)
{
	struct flowd fd;
	json_t *st;
	char *text, line[256];

	daemon_setup(&fd);
	daemon_sync_status(&fd, line, sizeof(line));
	assert_string_equal(line, "running: 3 devices in the flowtable, 1 of 2 tunnels accelerated");

	fd.in_sync = false;
	fd.reconcile_failed = true;
	snprintf(fd.reconcile_error, sizeof(fd.reconcile_error), "nftables batch failed");
	fd.n_kernel_devices = 1;	/* the kernel dropped eth1 and tun0 */
	st = build(&fd);
	assert_int_equal(flowctl_status_exit(st), FLOWCTL_EXIT_NOT_IN_SYNC);
	assert_string_equal(table_str(st, "status"), "out of sync: nftables batch failed");
	text = render_with(print_text, st);
	assert_non_null(strstr(text, "\nstatus out of sync: nftables batch failed\n"
				     "flowtable devices wanted: eth0,eth1,tun0\n"
				     "flowtable devices in the kernel: eth0\n"));
	free(text);
	json_decref(st);

	/* Unknown wants (the desired table could not be built): no comparison. */
	fd.want_known = false;
	st = build(&fd);
	text = render_with(print_text, st);
	assert_null(strstr(text, "flowtable devices wanted"));
	free(text);
	json_decref(st);
	daemon_teardown(&fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_sync_golden),
		cmocka_unit_test(test_hand_written_status_has_the_daemons_shape),
		cmocka_unit_test(test_sync_status_cut),
		cmocka_unit_test(test_waiting),
		cmocka_unit_test(test_out_of_sync),
	};

	/* Times are rendered in UTC, as in the golden files. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
