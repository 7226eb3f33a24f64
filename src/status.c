// SPDX-License-Identifier: GPL-2.0-or-later
/* Build the `status` result: plain data, no formatting (flowctl does that). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"
#include "daemon.h"
#include "log.h"
#include "nft.h"
#include "proto.h"
#include "status.h"
#include "topo.h"

/*
 * Names come from the kernel, paths and table names from the command line
 * and the config, errors quote all of them: none need be UTF-8, and
 * json_string() would refuse such a string, making the whole answer (or
 * one entry of a list) vanish.  Every string from outside goes through
 * here: invalid bytes are shown as "\xHH".
 */
static json_t *json_text(const char *s)
{
	return proto_json_string(s);
}

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

/* Append v (a new reference, NULL when out of memory); on failure arr is freed. */
static json_t *append(json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, v) < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *json_reasons(unsigned int reasons)
{
	json_t *arr = json_array();

	if (arr && (reasons & PLAN_REASON_CONFIGURED))
		arr = append(arr, json_string("configured"));
	if (arr && (reasons & PLAN_REASON_TUNNEL))
		arr = append(arr, json_string("tunnel"));
	if (arr && (reasons & PLAN_REASON_UNDERLAY))
		arr = append(arr, json_string("underlay"));
	return arr;
}

/* The tunnels a device is there for: itself, or those it is underlay of. */
static json_t *json_device_tunnels(const struct flowd *fd, const struct plan_device *dev)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < fd->plan.n_tunnels; i++) {
		const struct plan_tunnel *t = &fd->plan.tunnels[i];

		if ((t->ifindex == dev->ifindex && (dev->reasons & PLAN_REASON_TUNNEL)) ||
		    (t->accelerated && plan_tunnel_uses(&fd->plan, t, dev)))
			arr = append(arr, json_text(t->name));
	}
	return arr;
}

/* {sw, hw} are disjoint (flowctl(8)): a flow in hardware is not in sw. */
static json_t *json_offloaded(const struct ct_path_count *pc)
{
	if (!pc)
		return json_pack("{s:i, s:i}", "sw", 0, "hw", 0);
	return json_pack("{s:I, s:I, s:I, s:I}", "sw", (json_int_t)pc->sw,
			 "hw", (json_int_t)pc->hw, "seen", (json_int_t)pc->seen,
			 "flushed", (json_int_t)pc->flushed);
}

static const struct ct_path_count *find_count(const struct ct_path_count *v, size_t n,
					      int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ifindex == ifindex)
			return &v[i];
	return NULL;
}

/*
 * One entry of "devices" or "tunnels": name and ifindex, what only that
 * kind has (details, whose reference this takes), then the flows counted
 * on it.  Keys keep this order: flowctl -j prints them as they come.  NULL
 * when out of memory.
 */
static json_t *json_path_entry(const char *name, int ifindex, json_t *details,
			       const struct ct_path_count *counts, size_t n_counts)
{
	json_t *entry = json_pack("{s:o, s:i}", "name", json_text(name), "ifindex", ifindex);

	if (!details || json_object_update(entry, details) < 0 ||
	    json_object_set_new(entry, "offloaded",
				json_offloaded(find_count(counts, n_counts, ifindex))) < 0) {
		json_decref(entry);
		entry = NULL;
	}
	json_decref(details);
	return entry;
}

static json_t *status_devices(const struct flowd *fd, const struct ct_counts *cc)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < fd->plan.n_devices; i++) {
		const struct plan_device *d = &fd->plan.devices[i];

		/* An entry that cannot be built fails the answer: never a silent gap. */
		arr = append(arr, json_path_entry(d->name, d->ifindex,
			json_pack("{s:o, s:o}",
				"reasons", json_reasons(d->reasons),
				"tunnels", json_device_tunnels(fd, d)),
			cc->devices, cc->n_devices));
	}
	return arr;
}

/* {"state": "outer", "why": "..."}: what the kernel does one way. */
static json_t *json_accel_dir(const struct accel_dir *d)
{
	return json_pack("{s:s, s:o}", "state", accel_state_name(d->state), "why", json_text(d->why));
}

static json_t *status_tunnels(const struct flowd *fd, const struct ct_counts *cc)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < fd->plan.n_tunnels; i++) {
		const struct plan_tunnel *t = &fd->plan.tunnels[i];
		struct accel a;

		plan_tunnel_accel(t, fd->kernel_tunnel, &a);
		arr = append(arr, json_path_entry(t->name, t->ifindex,
			json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o}",
				"kind", json_text(t->kind),
				"local", json_addr(&t->local), "remote", json_addr(&t->remote),
				"underlay", t->underlay[0] ? json_text(t->underlay) : json_null(),
				"nexthop", t->accelerated ? json_addr(&t->nexthop) : json_null(),
				"selected", t->selected, "accelerated", t->accelerated,
				"why_not", t->why_not ? json_text(t->why_not) : json_null(),
				"rx", json_accel_dir(&a.rx), "tx", json_accel_dir(&a.tx)),
			cc->tunnels, cc->n_tunnels));
	}
	return arr;
}

static json_t *counters_json(const struct flowd_counters *c, const struct topo_stats *ts,
			     const struct ct_counts *cc, uint64_t path_lookups)
{
	const struct ct_stats *ct = &cc->stats;

	/* 27 counters: json_pack silently ignores pairs the format lacks. */
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"rtnl_events", (json_int_t)c->rtnl_events,
		"rtnl_resyncs", (json_int_t)ts->resyncs,
		"route_events", (json_int_t)ts->route_events,
		"route_overruns", (json_int_t)ts->route_overruns,
		"route_reconciles", (json_int_t)ts->route_reconciles,
		"route_path_updates", (json_int_t)ts->route_path_updates,
		"route_lookups", (json_int_t)ts->route_lookups,
		"path_lookups", (json_int_t)path_lookups,
		"ct_events", (json_int_t)ct->events,
		"ct_events_lost", (json_int_t)ct->lost,
		"ct_resyncs", (json_int_t)ct->resyncs,
		"ct_dumps", (json_int_t)ct->refreshes,
		"resyncs", (json_int_t)ts->resyncs + (json_int_t)ct->resyncs,
		"offloaded_sw", (json_int_t)cc->sw,
		"offloaded_hw", (json_int_t)cc->hw,
		"offloads_seen", (json_int_t)ct->seen,
		"flushed_flows", (json_int_t)ct->flushed,
		"rebuilds", (json_int_t)c->rebuilds,
		"stale_flushes", (json_int_t)c->stale_flushes,
		"nft_events", (json_int_t)c->nft_events,
		"reconciles", (json_int_t)c->reconciles,
		"batches", (json_int_t)c->batches,
		"batch_errors", (json_int_t)c->batch_errors,
		"restores", (json_int_t)c->restores,
		"reloads", (json_int_t)c->reloads,
		"reload_errors", (json_int_t)c->reload_errors,
		"errors", (json_int_t)c->errors);
}

static json_t *status_counters(const struct flowd *fd, const struct ct_counts *cc)
{
	struct topo_stats ts;
	uint64_t path_lookups;
	size_t cached;

	/* No topology module (the unit tests' daemon): nothing counted. */
	if (fd->topo)
		topo_get_stats(fd->topo, &ts);
	else
		memset(&ts, 0, sizeof(ts));
	ct_path_cache_stats(fd->ct, &cached, &path_lookups);
	return counters_json(&fd->counters, &ts, cc, path_lookups);
}

static json_t *json_devs(bool known, const struct nft_dev *devs, size_t n)
{
	json_t *arr = known ? json_array() : json_null();

	for (size_t i = 0; known && arr && i < n; i++)
		json_array_append_new(arr, json_text(devs[i].name));
	return arr;
}

/*
 * The sync state beside in_sync: whether flowd was ever in sync (READY=1),
 * the same line as STATUS=, and the flowtable's devices as flowd wants
 * them and as the kernel has them (null: not known, or no flowtable).
 */
static int status_sync(const struct flowd *fd, json_t *table)
{
	char text[256];

	daemon_sync_status(fd, text, sizeof(text));
	if (!table || json_object_set_new(table, "ready", json_boolean(fd->ready)) < 0 ||
	    json_object_set_new(table, "status", json_text(text)) < 0 ||
	    json_object_set_new(table, "devices_wanted",
				json_devs(fd->want_known, fd->want_devices,
					  fd->n_want_devices)) < 0 ||
	    json_object_set_new(table, "devices_in_kernel",
				json_devs(fd->kernel_known && fd->kernel_flowtable,
					  fd->kernel_devices, fd->n_kernel_devices)) < 0)
		return -1;
	return 0;
}

json_t *status_build(const struct flowd *fd)
{
	time_t now = time(NULL);
	struct ct_counts cc = { 0 };
	json_t *result;

	if (ct_counts(fd->ct, &cc) < 0) {
		log_warnx("status: out of memory counting flows");
		return NULL;
	}
	result = json_pack("{s:{s:s, s:i, s:I, s:o}, s:{s:o, s:o}, s:{s:o, s:o, s:o, s:i, s:i, s:b},"
			 " s:{s:s, s:o}, s:o, s:o, s:o, s:o}",
		"daemon", "version", PACKAGE_VERSION, "pid", (int)getpid(),
			"uptime_s", (json_int_t)(now - fd->started), "started", json_time(fd->started),
		"config", "path", json_text(fd->conf_path), "loaded", json_time(fd->conf_loaded),
		"table", "family", json_text(fd->conf->table_family),
			"name", json_text(fd->conf->table_name),
			"flowtable", json_text(fd->conf->flowtable_name),
			"flowtable_priority", fd->conf->flowtable_priority,
			"chain_priority", fd->conf->chain_priority, "in_sync", fd->in_sync,
		"kernel", "tunnel_offload", accel_kernel_name(fd->kernel_tunnel),
			"why", json_text(fd->kernel_tunnel_why[0] ? fd->kernel_tunnel_why : "not applied yet"),
		"devices", status_devices(fd, &cc),
		"tunnels", status_tunnels(fd, &cc),
		"counters", status_counters(fd, &cc),
		"last_error", fd->last_error[0] ? json_text(fd->last_error) : json_null());
	ct_counts_free(&cc);
	/* Every string is valid now: only memory can be short. */
	if (!result) {
		log_warnx("status: out of memory building the answer");
		return NULL;
	}
	if (status_sync(fd, json_object_get(result, "table")) < 0) {
		log_warnx("status: out of memory building the sync state");
		json_decref(result);
		result = NULL;
	}
	return result;
}
