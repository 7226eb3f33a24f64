// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The `status` answer built from a daemon state put together by hand:
 * names, paths and errors that are not UTF-8 must still be listed (with
 * the bad bytes escaped), not make an entry or the whole answer vanish.
 *
 * status.c is linked in directly; topo_get_stats() is wrapped
 * (-Wl,--wrap) because a real topology context needs rtnetlink.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "daemon.h"
#include "proto.h"
#include "status.h"
#include "topo.h"

void __wrap_topo_get_stats(const struct topo_ctx *ctx, struct topo_stats *out);

void __wrap_topo_get_stats(const struct topo_ctx *ctx, struct topo_stats *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
}

struct state {
	struct flowd fd;
	struct plan_device devs[2];
	struct plan_tunnel tuns[2];
};

/* Two devices and two tunnels, one of each named with bytes that are not UTF-8. */
static void state_init(struct state *st, const char *conf_path)
{
	static const char text[] = "";
	char err[512];

	memset(st, 0, sizeof(*st));
	if (conf_load_string(text, conf_path, &st->fd.conf, err, sizeof(err)) < 0)
		fail_msg("conf: %s", err);
	st->fd.conf_path = conf_path;
	strcpy(st->devs[0].name, "eth0");
	st->devs[0].ifindex = 2;
	st->devs[0].reasons = PLAN_REASON_CONFIGURED;
	strcpy(st->devs[1].name, "eth\xff\xfe");
	st->devs[1].ifindex = 3;
	st->devs[1].reasons = PLAN_REASON_TUNNEL;
	strcpy(st->tuns[0].name, "tun\xc3");	/* a cut character */
	st->tuns[0].ifindex = 3;
	strcpy(st->tuns[0].kind, "ip\xe9ip");	/* Latin-1, not UTF-8 */
	st->tuns[0].why_not = "not selected";
	strcpy(st->tuns[1].name, "tun1");
	st->tuns[1].ifindex = 4;
	strcpy(st->tuns[1].kind, "gre");
	st->fd.plan.devices = st->devs;
	st->fd.plan.n_devices = 2;
	st->fd.plan.tunnels = st->tuns;
	st->fd.plan.n_tunnels = 2;
	assert_int_equal(ct_new(NULL, &st->fd.ct), 0);
	assert_int_equal(ct_set_plan(st->fd.ct, &st->fd.plan), 0);
}

static void state_fini(struct state *st)
{
	ct_close(st->fd.ct);
	conf_free(st->fd.conf);
}

static const char *name_at(json_t *status, const char *list, size_t i)
{
	json_t *arr = json_object_get(status, list);

	if (json_array_size(arr) <= i)
		fail_msg("%s has %zu entries, want more than %zu", list, json_array_size(arr), i);
	return json_string_value(json_object_get(json_array_get(arr, i), "name"));
}

static void test_names_that_are_not_utf8_are_listed(void **state)
{
	struct state st;
	json_t *status;
	char *line;
	size_t len;

	state_init(&st, "/etc/flowd\xff.conf");
	status = status_build(&st.fd);
	assert_non_null(status);
	assert_int_equal(json_array_size(json_object_get(status, "devices")), 2);
	assert_int_equal(json_array_size(json_object_get(status, "tunnels")), 2);
	assert_string_equal(name_at(status, "devices", 0), "eth0");
	assert_string_equal(name_at(status, "devices", 1), "eth\\xff\\xfe");
	assert_string_equal(name_at(status, "tunnels", 0), "tun\\xc3");
	assert_string_equal(name_at(status, "tunnels", 1), "tun1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
				    json_object_get(status, "tunnels"), 0), "kind")),
			    "ip\\xe9ip");
	assert_string_equal(json_string_value(json_object_get(json_object_get(status, "config"),
							      "path")),
			    "/etc/flowd\\xff.conf");
	/* And the whole answer goes on the wire. */
	line = proto_response_encode_ok(status, &len);
	assert_non_null(line);
	free(line);
	json_decref(status);
	state_fini(&st);
}

static void test_last_error_that_is_not_utf8_keeps_status_working(void **state)
{
	struct state st;
	json_t *status;

	state_init(&st, "/etc/flowd.conf");
	/* What a failed reload of a config with Latin-1 bytes leaves behind. */
	snprintf(st.fd.last_error, sizeof(st.fd.last_error), "%s",
		 "reload failed: /etc/flowd.conf:4: unknown device \"caf\xe9\"");
	status = status_build(&st.fd);
	if (!status)
		fail_msg("no status while last_error holds bytes that are not UTF-8");
	assert_string_equal(json_string_value(json_object_get(status, "last_error")),
			    "reload failed: /etc/flowd.conf:4: unknown device \"caf\\xe9\"");
	json_decref(status);

	st.fd.last_error[0] = '\0';
	status = status_build(&st.fd);
	assert_non_null(status);
	assert_true(json_is_null(json_object_get(status, "last_error")));
	json_decref(status);
	state_fini(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_that_are_not_utf8_are_listed),
		cmocka_unit_test(test_last_error_that_is_not_utf8_keeps_status_working),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
