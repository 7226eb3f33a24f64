// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `flowctl metrics`: the status result in the Prometheus text exposition
 * format, version 0.0.4, the one node_exporter's textfile collector reads
 * (and OpenMetrics parsers accept).  Each family is written once, as
 * # HELP, # TYPE and then all its samples, in a fixed order: the format
 * forbids a family's samples from being split.  No timestamps (the
 * textfile collector refuses them); families without samples are left
 * out.  Every metric is documented in flowctl(8): keep the two in step.
 *
 * Like the text output this tolerates missing and unknown fields: a
 * missing value leaves its sample out, and a counter this flowctl does
 * not know is still exported, untyped, as flowd_counter_NAME.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flowctl.h"

#define MUT(v) ((json_t *)(v))

static const json_t *get(const json_t *obj, const char *key)
{
	return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

/*
 * A label value: the format's escapes for backslash, double quote and
 * line feed; any other character flowctl_escape() would not print raw
 * (controls, invalid UTF-8) becomes that escape's text, so the file stays
 * valid UTF-8 and safe on a terminal.  Other names keep their exact value.
 */
static void put_label_value(FILE *out, const char *s)
{
	while (*s) {
		char unit[8];
		size_t n = flowctl_escape_unit(s, unit);

		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (unit[0] == '\\')	/* escaped: its backslash escaped again */
			fprintf(out, "\\%s", unit);
		else
			fputs(unit, out);
		s += n;
	}
}

/* labels: NULL-terminated name, value pairs; a NULL value prints as "". */
static void put_sample(FILE *out, const char *name, const char *const *labels, const char *value)
{
	fputs(name, out);
	if (labels && labels[0]) {
		fputc('{', out);
		for (size_t i = 0; labels[i]; i += 2) {
			fprintf(out, "%s%s=\"", i ? "," : "", labels[i]);
			put_label_value(out, labels[i + 1] ? labels[i + 1] : "");
			fputc('"', out);
		}
		fputc('}', out);
	}
	fprintf(out, " %s\n", value);
}

/* A JSON number or boolean as a sample value; NULL when it is neither. */
static const char *num(const json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%d", json_is_true(v) ? 1 : 0);
	else
		return NULL;
	return buf;
}

/* Writes # HELP and # TYPE before a family's first sample, once. */
struct family {
	const char *name, *type, *help;
	bool started;
};

static void family_sample(FILE *out, struct family *f, const char *const *labels,
			  const json_t *v)
{
	char buf[64];
	const char *value = num(v, buf, sizeof(buf));

	if (!value)
		return;
	if (!f->started) {
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
		f->started = true;
	}
	put_sample(out, f->name, labels, value);
}

static const char *str(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "2026-11-25T17:01:02Z" as seconds since the epoch. */
static json_t *timestamp(const json_t *v)
{
	const char *s = str(v), *end;
	struct tm tm;
	time_t t;

	if (!s)
		return NULL;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end || (t = timegm(&tm)) == (time_t)-1)
		return NULL;
	return json_integer((json_int_t)t);
}

static void put_daemon(FILE *out, const json_t *st)
{
	struct family info = { "flowd_info", "gauge",
			       "Always 1; the version label is flowd's version.", false };
	struct family uptime = { "flowd_uptime_seconds", "gauge", "Seconds since flowd started.",
				 false };
	struct family loaded = { "flowd_config_loaded_timestamp_seconds", "gauge",
				 "When the configuration was last (re)loaded, in seconds since the "
				 "epoch.", false };
	struct family sync = { "flowd_table_in_sync", "gauge",
			       "1 when the kernel's table matches what flowd wants, else 0.", false };
	const json_t *daemon = get(st, "daemon"), *table = get(st, "table");
	const char *info_l[] = { "version", str(get(daemon, "version")), NULL };
	const char *table_l[] = { "family", str(get(table, "family")), "table",
				  str(get(table, "name")), "flowtable",
				  str(get(table, "flowtable")), NULL };
	json_t *one = json_integer(1), *t = timestamp(get(get(st, "config"), "loaded"));

	if (daemon)
		family_sample(out, &info, info_l, one);
	family_sample(out, &uptime, NULL, get(daemon, "uptime_s"));
	family_sample(out, &loaded, NULL, t);
	family_sample(out, &sync, table_l, get(table, "in_sync"));
	json_decref(t);
	json_decref(one);
}

/* Offloaded flows and the per-path counters of "devices" or "tunnels". */
static void put_paths(FILE *out, const json_t *arr, const char *what, const char *label)
{
	char n_flows[64], n_seen[64], n_flushed[64], h_flows[160], h_seen[160], h_flushed[160];
	struct family flows = { n_flows, "gauge", h_flows, false };
	struct family seen = { n_seen, "counter", h_seen, false };
	struct family flushed = { n_flushed, "counter", h_flushed, false };
	const json_t *e;
	size_t i;

	snprintf(n_flows, sizeof(n_flows), "flowd_%s_offloaded_flows", what);
	snprintf(h_flows, sizeof(h_flows), "Flows offloaded now through the %s; mode sw: in "
		 "software only, hw: also in hardware.", what);
	snprintf(n_seen, sizeof(n_seen), "flowd_%s_offloads_seen_total", what);
	snprintf(h_seen, sizeof(h_seen), "Offloads seen through the %s since flowd started.",
		 what);
	snprintf(n_flushed, sizeof(n_flushed), "flowd_%s_flushed_flows_total", what);
	snprintf(h_flushed, sizeof(h_flushed), "Offloaded flows through the %s that flowd "
		 "returned to the slow path.", what);
	json_array_foreach(MUT(arr), i, e) {
		const json_t *off = get(e, "offloaded");
		const char *sw[] = { label, str(get(e, "name")), "mode", "sw", NULL };
		const char *hw[] = { label, str(get(e, "name")), "mode", "hw", NULL };

		family_sample(out, &flows, sw, get(off, "sw"));
		family_sample(out, &flows, hw, get(off, "hw"));
	}
	json_array_foreach(MUT(arr), i, e) {
		const char *l[] = { label, str(get(e, "name")), NULL };

		family_sample(out, &seen, l, get(get(e, "offloaded"), "seen"));
	}
	json_array_foreach(MUT(arr), i, e) {
		const char *l[] = { label, str(get(e, "name")), NULL };

		family_sample(out, &flushed, l, get(get(e, "offloaded"), "flushed"));
	}
}

static void put_devices(FILE *out, const json_t *devices)
{
	struct family count = { "flowd_flowtable_devices", "gauge",
				"Devices in the flowtable.", false };
	json_t *n = json_is_array(devices) ? json_integer((json_int_t)json_array_size(devices))
					   : NULL;

	family_sample(out, &count, NULL, n);
	json_decref(n);
	put_paths(out, devices, "device", "device");
}

static void put_tunnels(FILE *out, const json_t *tunnels)
{
	struct family info = { "flowd_tunnel_info", "gauge",
			       "Always 1; labels describe the tunnel (why_not: why it is not "
			       "accelerated).", false };
	struct family selected = { "flowd_tunnel_selected", "gauge",
				   "1 when the configuration selects the tunnel, else 0.", false };
	struct family accel = { "flowd_tunnel_accelerated", "gauge",
				"1 when the tunnel and its underlay are in the flowtable, else 0.", false };
	json_t *one = json_integer(1);
	const json_t *t;
	size_t i;

	json_array_foreach(MUT(tunnels), i, t) {
		const char *l[] = { "tunnel", str(get(t, "name")), "kind", str(get(t, "kind")),
				    "local", str(get(t, "local")), "remote", str(get(t, "remote")),
				    "underlay", str(get(t, "underlay")),
				    "nexthop", str(get(t, "nexthop")),
				    "why_not", str(get(t, "why_not")), NULL };

		family_sample(out, &info, l, one);
	}
	json_decref(one);
	json_array_foreach(MUT(tunnels), i, t) {
		const char *l[] = { "tunnel", str(get(t, "name")), NULL };

		family_sample(out, &selected, l, get(t, "selected"));
	}
	json_array_foreach(MUT(tunnels), i, t) {
		const char *l[] = { "tunnel", str(get(t, "name")), NULL };

		family_sample(out, &accel, l, get(t, "accelerated"));
	}
	put_paths(out, tunnels, "tunnel", "tunnel");
}

/* The daemon's counters this flowctl knows; flowctl(8) lists the same. */
static const struct known_counter {
	const char *key, *metric, *type, *mode, *help;
} known_counters[] = {
	{ "rtnl_events", "flowd_rtnl_events_total", "counter", NULL,
	  "Rtnetlink (link, address, route) notifications handled." },
	{ "rtnl_resyncs", "flowd_rtnl_resyncs_total", "counter", NULL,
	  "Full rtnetlink re-reads after lost notifications." },
	{ "route_events", "flowd_route_events_total", "counter", NULL,
	  "Route, rule and nexthop notifications received." },
	{ "route_overruns", "flowd_route_overruns_total", "counter", NULL,
	  "Times route notifications were lost to a socket overrun (ENOBUFS)." },
	{ "route_reconciles", "flowd_route_reconciles_total", "counter", NULL,
	  "Reconciles route notifications asked for (underlay may move, or lost)." },
	{ "route_path_updates", "flowd_route_path_updates_total", "counter", NULL,
	  "Flow path updates route notifications asked for, without a reconcile." },
	{ "route_lookups", "flowd_route_lookups_total", "counter", NULL,
	  "Route lookups (RTM_GETROUTE) made for tunnels' underlays." },
	{ "path_lookups", "flowd_path_lookups_total", "counter", NULL,
	  "Route lookups (RTM_GETROUTE) made for offloaded flows' paths." },
	{ "ct_events", "flowd_ct_events_total", "counter", NULL,
	  "Conntrack event messages received." },
	{ "ct_events_lost", "flowd_ct_events_lost_total", "counter", NULL,
	  "Times conntrack events were lost (socket overrun)." },
	{ "ct_resyncs", "flowd_ct_resyncs_total", "counter", NULL,
	  "Full conntrack dumps after lost events." },
	{ "ct_dumps", "flowd_ct_dumps_total", "counter", NULL,
	  "Conntrack dumps made, resyncs and status refreshes." },
	{ "resyncs", "flowd_resyncs_total", "counter", NULL,
	  "Full resyncs after lost events, rtnetlink and conntrack together." },
	{ "offloaded_sw", "flowd_offloaded_flows", "gauge", "sw",
	  "Flows offloaded now; mode sw: in software only, hw: also in hardware." },
	{ "offloaded_hw", "flowd_offloaded_flows", "gauge", "hw", NULL },
	{ "offloads_seen", "flowd_offloads_seen_total", "counter", NULL,
	  "Offloads seen since flowd started (a re-offload counts again)." },
	{ "flushed_flows", "flowd_flushed_flows_total", "counter", NULL,
	  "Offloaded flows flowd returned to the slow path." },
	{ "rebuilds", "flowd_rebuilds_total", "counter", NULL,
	  "Flowtable rebuilds (every offloaded flow back to the slow path)." },
	{ "stale_flushes", "flowd_stale_flushes_total", "counter", NULL,
	  "Path changes that returned offloaded flows to the slow path." },
	{ "nft_events", "flowd_nft_events_total", "counter", NULL,
	  "Changes to flowd's nftables table made by others." },
	{ "reconciles", "flowd_reconciles_total", "counter", NULL,
	  "Reconcile passes (plan computed and compared with the kernel)." },
	{ "batches", "flowd_batches_total", "counter", NULL, "Nftables batches sent." },
	{ "batch_errors", "flowd_batch_errors_total", "counter", NULL,
	  "Nftables batches the kernel refused." },
	{ "restores", "flowd_restores_total", "counter", NULL,
	  "Repairs of flowd's table after outside changes." },
	{ "reloads", "flowd_reloads_total", "counter", NULL,
	  "Successful configuration reloads." },
	{ "reload_errors", "flowd_reload_errors_total", "counter", NULL,
	  "Configuration reloads refused; the running configuration was kept." },
	{ "errors", "flowd_errors_total", "counter", NULL, "Errors flowd logged." },
};

#define N_KNOWN (sizeof(known_counters) / sizeof(known_counters[0]))

static const struct known_counter *known(const char *key)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (strcmp(known_counters[i].key, key) == 0)
			return &known_counters[i];
	return NULL;
}

/* flowd_counter_KEY with what the metric name grammar refuses as '_'. */
static void unknown_name(const char *key, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "flowd_counter_");

	for (; *key && n + 1 < len; key++, n++) {
		char c = *key;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			c = '_';
		buf[n] = c;
	}
	buf[n] = '\0';
}

static bool among(char names[][80], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void put_counters(FILE *out, const json_t *counters)
{
	struct family fam = { NULL, NULL, NULL, false };
	char names[64][80];
	size_t n_names = 0;
	const char *key;
	json_t *v;

	/* Known ones in the table's order; a row without help continues a family. */
	for (size_t i = 0; i < N_KNOWN; i++) {
		const struct known_counter *k = &known_counters[i];
		const char *l[] = { "mode", k->mode, NULL };

		if (k->help)
			fam = (struct family){ k->metric, k->type, k->help, false };
		family_sample(out, &fam, k->mode ? l : NULL, get(counters, k->key));
	}
	json_object_foreach(MUT(counters), key, v) {
		struct family f = { NULL, "untyped",
				    "A flowd counter this flowctl has no description of.", false };

		if (known(key) || n_names == sizeof(names) / sizeof(names[0]))
			continue;
		unknown_name(key, names[n_names], sizeof(names[0]));
		/* Two keys that differ only in refused characters: the first wins. */
		if (among(names, n_names, names[n_names]))
			continue;
		f.name = names[n_names++];
		family_sample(out, &f, NULL, v);
	}
}

int flowctl_print_metrics(FILE *out, const json_t *status)
{
	put_daemon(out, status);
	put_devices(out, get(status, "devices"));
	put_tunnels(out, get(status, "tunnels"));
	put_counters(out, get(status, "counters"));
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}
