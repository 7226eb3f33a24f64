// SPDX-License-Identifier: GPL-2.0-or-later
/* Build the `status` result: plain data, no formatting (flowctl does that). */
#include "config.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "status.h"

static json_t *json_time(time_t t)
{
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

/* An address, or null when there is none. */
static json_t *json_addr(const struct addr *a)
{
	char buf[ADDR_STRLEN];

	if (!addr_is_set(a))
		return json_null();
	return json_string(addr_ntop(a, buf, sizeof(buf)));
}

static json_t *json_reasons(unsigned int reasons)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	if (reasons & PLAN_REASON_CONFIGURED)
		json_array_append_new(arr, json_string("configured"));
	if (reasons & PLAN_REASON_TUNNEL)
		json_array_append_new(arr, json_string("tunnel"));
	if (reasons & PLAN_REASON_UNDERLAY)
		json_array_append_new(arr, json_string("underlay"));
	return arr;
}

/* The tunnels a device is there for: itself, or those it is underlay of. */
static json_t *json_device_tunnels(const struct flowd *fd, const struct plan_device *dev)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < fd->plan.n_tunnels; i++) {
		const struct plan_tunnel *t = &fd->plan.tunnels[i];

		if ((t->ifindex == dev->ifindex && (dev->reasons & PLAN_REASON_TUNNEL)) ||
		    (t->accelerated && plan_tunnel_uses(&fd->plan, t, dev)))
			json_array_append_new(arr, json_string(t->name));
	}
	return arr;
}

static json_t *status_devices(const struct flowd *fd)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < fd->plan.n_devices; i++) {
		const struct plan_device *d = &fd->plan.devices[i];

		json_array_append_new(arr, json_pack("{s:s, s:i, s:o, s:o}",
			"name", d->name, "ifindex", d->ifindex,
			"reasons", json_reasons(d->reasons),
			"tunnels", json_device_tunnels(fd, d)));
	}
	return arr;
}

static json_t *status_tunnels(const struct flowd *fd)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < fd->plan.n_tunnels; i++) {
		const struct plan_tunnel *t = &fd->plan.tunnels[i];

		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:o}",
			"name", t->name, "ifindex", t->ifindex, "kind", t->kind,
			"local", json_addr(&t->local), "remote", json_addr(&t->remote),
			"underlay", t->underlay[0] ? json_string(t->underlay) : json_null(),
			"nexthop", t->accelerated ? json_addr(&t->nexthop) : json_null(),
			"selected", t->selected, "accelerated", t->accelerated,
			"why_not", t->why_not ? json_string(t->why_not) : json_null()));
	}
	return arr;
}

static json_t *status_counters(const struct flowd *fd)
{
	const struct flowd_counters *c = &fd->counters;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"rtnl_events", (json_int_t)c->rtnl_events,
		"nft_events", (json_int_t)c->nft_events,
		"reconciles", (json_int_t)c->reconciles,
		"batches", (json_int_t)c->batches,
		"batch_errors", (json_int_t)c->batch_errors,
		"restores", (json_int_t)c->restores,
		"reloads", (json_int_t)c->reloads,
		"reload_errors", (json_int_t)c->reload_errors,
		"errors", (json_int_t)c->errors);
}

json_t *status_build(const struct flowd *fd)
{
	time_t now = time(NULL);

	return json_pack("{s:{s:s, s:i, s:I, s:o}, s:{s:s, s:o}, s:{s:s, s:s, s:s, s:i, s:i, s:b},"
			 " s:o, s:o, s:o, s:o}",
		"daemon", "version", PACKAGE_VERSION, "pid", (int)getpid(),
			"uptime_s", (json_int_t)(now - fd->started), "started", json_time(fd->started),
		"config", "path", fd->conf_path, "loaded", json_time(fd->conf_loaded),
		"table", "family", fd->conf->table_family, "name", fd->conf->table_name,
			"flowtable", fd->conf->flowtable_name,
			"flowtable_priority", fd->conf->flowtable_priority,
			"chain_priority", fd->conf->chain_priority, "in_sync", fd->in_sync,
		"devices", status_devices(fd),
		"tunnels", status_tunnels(fd),
		"counters", status_counters(fd),
		"last_error", fd->last_error[0] ? json_string(fd->last_error) : json_null());
}
