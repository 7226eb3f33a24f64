// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowctl's single output path.  The daemon sends data; this file decides
 * how it looks: pretty JSON as received for --json, or a header and
 * aligned tables for people.  Every field is optional here: a missing or
 * null one prints as "-", unknown ones are ignored, so flowctl and flowd
 * from different releases still get along.  Every string from the daemon
 * goes through flowctl_escape() on its way to the text: names come from
 * whoever created the interface.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flowctl.h"

#define CELL 256	/* plenty for names, addresses and reasons, escaped */
#define NAME_CELL FLOWCTL_ESCAPED_MAX(64)

/* json_object_foreach() and friends take non-const pointers. */
#define MUT(v) ((json_t *)(v))

static const json_t *get(const json_t *obj, const char *key)
{
	return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Any JSON value as one cell: null and missing are "-", booleans yes/no. */
static const char *fmt_value(const json_t *v, char *buf, size_t len)
{
	char *text;
	size_t i;
	json_t *e;

	if (!v)
		return "-";
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) ? flowctl_escape(json_string_value(v), buf, len) : "-";
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return "-";
		buf[0] = '\0';
		json_array_foreach(MUT(v), i, e) {
			char tmp[CELL];

			append(buf, len, "%s%s", i ? "," : "", fmt_value(e, tmp, sizeof(tmp)));
		}
		return buf;
	case JSON_OBJECT:
		/* JSON escapes C0 controls; ENSURE_ASCII the rest but DEL. */
		text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		buf[0] = '\0';
		for (const char *c = text ? text : "-"; *c; c++) {
			if (*c == 0x7f)
				append(buf, len, "\\u007f");
			else
				append(buf, len, "%c", *c);
		}
		free(text);
		return buf;
	case JSON_NULL:
		break;
	}
	return "-";
}

static const char *fmt_duration(const json_t *v, char *buf, size_t len)
{
	long long s, d, h, m;

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fmt_value(v, buf, len);
	s = json_integer_value(v);
	d = s / 86400;
	h = s / 3600 % 24;
	m = s / 60 % 60;
	s %= 60;
	if (d)
		snprintf(buf, len, "%lldd %02lldh %02lldm %02llds", d, h, m, s);
	else if (h)
		snprintf(buf, len, "%lldh %02lldm %02llds", h, m, s);
	else if (m)
		snprintf(buf, len, "%lldm %02llds", m, s);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

/* "2026-11-25T17:01:02Z" -> local "2026-11-25 17:01:02"; anything else as is. */
static const char *fmt_time(const json_t *v, char *buf, size_t len)
{
	const char *s = json_string_value(v), *end;
	struct tm tm;
	time_t t;

	if (!s)
		return fmt_value(v, buf, len);
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end || (t = timegm(&tm)) == (time_t)-1 || !localtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		return fmt_value(v, buf, len);
	return buf;
}

/* {"sw":3,"hw":1} -> "4 (1 hw)"; {"sw":3,"hw":0} -> "3". */
static const char *fmt_offloaded(const json_t *v, char *buf, size_t len)
{
	const json_t *sw = get(v, "sw"), *hw = get(v, "hw");
	json_int_t nsw, nhw;

	if (!json_is_integer(sw) && !json_is_integer(hw))
		return fmt_value(v, buf, len);
	nsw = json_is_integer(sw) ? json_integer_value(sw) : 0;
	nhw = json_is_integer(hw) ? json_integer_value(hw) : 0;
	if (nhw)
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT " hw)",
			 nsw + nhw, nhw);
	else
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, nsw);
	return buf;
}

/*
 * "configured", "tunnel tun0" (the device is that tunnel), "underlay of
 * tun0,tun1" (it carries their outer packets); unknown reasons as sent.
 */
static const char *fmt_reasons(const json_t *dev, char *buf, size_t len)
{
	const json_t *reasons = get(dev, "reasons"), *tunnels = get(dev, "tunnels");
	const char *self = json_string_value(get(dev, "name"));
	char self_esc[NAME_CELL];
	json_t *r, *t;
	size_t i, j;

	if (!json_is_array(reasons) || json_array_size(reasons) == 0)
		return fmt_value(reasons, buf, len);
	buf[0] = '\0';
	json_array_foreach(MUT(reasons), i, r) {
		const char *reason = json_string_value(r);
		char tmp[CELL];
		bool first = true;

		if (i)
			append(buf, len, ", ");
		if (reason && strcmp(reason, "tunnel") == 0 && self) {
			append(buf, len, "tunnel %s", flowctl_escape(self, self_esc, sizeof(self_esc)));
		} else if (reason && strcmp(reason, "underlay") == 0) {
			append(buf, len, "underlay");
			json_array_foreach(MUT(tunnels), j, t) {
				const char *name = json_string_value(t);

				/* A stacked tunnel lists itself too; that is the "tunnel" reason. */
				if (!name || (self && strcmp(name, self) == 0))
					continue;
				append(buf, len, "%s%s", first ? " of " : ",",
				       flowctl_escape(name, tmp, sizeof(tmp)));
				first = false;
			}
		} else {
			append(buf, len, "%s", fmt_value(r, tmp, sizeof(tmp)));
		}
	}
	return buf;
}

/* "tun0: rx and tx: why" or "tun0: rx: why; tx: why", for the detail lines. */
static void print_accel_detail(FILE *out, const json_t *tun)
{
	const char *rx = json_string_value(get(get(tun, "rx"), "why"));
	const char *tx = json_string_value(get(get(tun, "tx"), "why"));
	char c[CELL], a[CELL], b[CELL];
	const char *name = fmt_value(get(tun, "name"), c, sizeof(c));

	if (!rx || !tx)
		return;
	if (strcmp(rx, tx) == 0)
		fprintf(out, "  %s: %s\n", name, fmt_value(get(get(tun, "rx"), "why"), a, sizeof(a)));
	else
		fprintf(out, "  %s: rx: %s; tx: %s\n", name,
			fmt_value(get(get(tun, "rx"), "why"), a, sizeof(a)),
			fmt_value(get(get(tun, "tx"), "why"), b, sizeof(b)));
}

/*
 * The daemon's own line on its state, and while the kernel's flowtable
 * differs from what flowd wants, both device lists.
 */
static void print_sync(FILE *out, const json_t *table)
{
	const json_t *status = get(table, "status");
	const json_t *want = get(table, "devices_wanted"), *have = get(table, "devices_in_kernel");
	char a[FLOWCTL_ESCAPED_MAX(256)], b[4096];

	if (json_is_string(status))
		fprintf(out, "status %s\n", fmt_value(status, a, sizeof(a)));
	if (!want || json_is_null(want) || json_equal(MUT(want), MUT(have)))
		return;
	fprintf(out, "flowtable devices wanted: %s\n", fmt_value(want, b, sizeof(b)));
	fprintf(out, "flowtable devices in the kernel: %s\n",
		have && !json_is_null(have) ? fmt_value(have, b, sizeof(b)) : "- (no flowtable)");
}

static void print_header(FILE *out, const json_t *st)
{
	const json_t *daemon = get(st, "daemon"), *config = get(st, "config");
	const json_t *table = get(st, "table"), *uptime = get(daemon, "uptime_s");
	const json_t *loaded = get(config, "loaded"), *sync = get(table, "in_sync");
	char a[CELL], b[CELL], c[CELL];

	fprintf(out, "flowd %s", fmt_value(get(daemon, "version"), a, sizeof(a)));
	if (uptime && !json_is_null(uptime))
		fprintf(out, ", up %s", fmt_duration(uptime, a, sizeof(a)));
	fprintf(out, "\nconfig %s", fmt_value(get(config, "path"), a, sizeof(a)));
	if (loaded && !json_is_null(loaded))
		fprintf(out, ", loaded %s", fmt_time(loaded, a, sizeof(a)));
	fprintf(out, "\ntable %s %s, flowtable %s", fmt_value(get(table, "family"), a, sizeof(a)),
		fmt_value(get(table, "name"), b, sizeof(b)),
		fmt_value(get(table, "flowtable"), c, sizeof(c)));
	if (json_is_boolean(sync))
		fputs(json_is_true(sync) ? ", in sync" : ", out of sync", out);
	fputc('\n', out);
	print_sync(out, table);
	if (get(st, "kernel"))
		fprintf(out, "kernel tunnel offload: %s (%s)\n",
			fmt_value(get(get(st, "kernel"), "tunnel_offload"), a, sizeof(a)),
			fmt_value(get(get(st, "kernel"), "why"), b, sizeof(b)));
}

static void print_section(FILE *out, const char *title, const struct flowctl_table *t)
{
	fprintf(out, "\n%s\n", title);
	if (t->nrows)
		flowctl_table_print(out, t);
	else
		fputs("(none)\n", out);
}

static int print_devices(FILE *out, const json_t *devices)
{
	static const char *const head[] = { "DEVICE", "IFINDEX", "REASON", "OFFLOADED" };
	struct flowctl_table t;
	const json_t *d;
	size_t i;
	int rc = 0;

	flowctl_table_init(&t, 4, head, "lrlr");
	json_array_foreach(MUT(devices), i, d) {
		char c0[CELL], c1[CELL], c2[CELL], c3[CELL];
		const char *row[] = {
			fmt_value(get(d, "name"), c0, sizeof(c0)),
			fmt_value(get(d, "ifindex"), c1, sizeof(c1)),
			fmt_reasons(d, c2, sizeof(c2)),
			fmt_offloaded(get(d, "offloaded"), c3, sizeof(c3)),
		};

		if (flowctl_table_add(&t, row) < 0)
			rc = -1;
	}
	print_section(out, "FLOWTABLE DEVICES", &t);
	flowctl_table_free(&t);
	return rc;
}

static int print_tunnels(FILE *out, const json_t *tunnels)
{
	static const char *const head[] = { "NAME", "KIND", "LOCAL", "REMOTE", "UNDERLAY",
					    "NEXTHOP", "RX", "TX", "OFFLOADED" };
	static const char *const keys[] = { "name", "kind", "local", "remote", "underlay",
					    "nexthop" };
	struct flowctl_table t;
	const json_t *tun;
	size_t i;
	int rc = 0;

	flowctl_table_init(&t, 9, head, "llllllllr");
	json_array_foreach(MUT(tunnels), i, tun) {
		char cell[9][CELL];
		const char *row[9];

		for (size_t k = 0; k < 6; k++)
			row[k] = fmt_value(get(tun, keys[k]), cell[k], CELL);
		row[6] = fmt_value(get(get(tun, "rx"), "state"), cell[6], CELL);
		row[7] = fmt_value(get(get(tun, "tx"), "state"), cell[7], CELL);
		row[8] = fmt_offloaded(get(tun, "offloaded"), cell[8], CELL);
		if (flowctl_table_add(&t, row) < 0)
			rc = -1;
	}
	print_section(out, "TUNNELS", &t);
	json_array_foreach(MUT(tunnels), i, tun) {
		print_accel_detail(out, tun);
	}
	flowctl_table_free(&t);
	return rc;
}

static int print_counters(FILE *out, const json_t *counters)
{
	struct flowctl_table t;
	const char *key;
	json_t *v;
	int rc = 0;

	flowctl_table_init(&t, 2, NULL, "lr");
	if (json_is_object(counters)) {
		json_object_foreach(MUT(counters), key, v) {
			char cell[CELL], name[CELL];
			const char *row[] = { flowctl_escape(key, name, sizeof(name)),
					      fmt_value(v, cell, sizeof(cell)) };

			if (flowctl_table_add(&t, row) < 0)
				rc = -1;
		}
	}
	print_section(out, "COUNTERS", &t);
	flowctl_table_free(&t);
	return rc;
}

int flowctl_print_status(FILE *out, const json_t *st)
{
	char buf[FLOWCTL_ESCAPED_MAX(1024)];
	int rc = 0;

	print_header(out, st);
	rc |= print_devices(out, get(st, "devices"));
	rc |= print_tunnels(out, get(st, "tunnels"));
	rc |= print_counters(out, get(st, "counters"));
	fprintf(out, "\nLAST ERROR\n%s\n", fmt_value(get(st, "last_error"), buf, sizeof(buf)));
	return rc;
}

/* {"tunnel":"tun0"} -> "tunnel tun0", {"all":true} -> "all". */
static const char *fmt_target(const json_t *target, char *buf, size_t len)
{
	char k[NAME_CELL], name[NAME_CELL];
	const char *key;
	json_t *v;

	if (json_is_object(target) && json_object_size(target) == 1) {
		json_object_foreach(MUT(target), key, v) {
			if (json_is_true(v))
				snprintf(buf, len, "%s", flowctl_escape(key, k, sizeof(k)));
			else if (json_is_string(v))
				snprintf(buf, len, "%s %s", flowctl_escape(key, k, sizeof(k)),
					 flowctl_escape(json_string_value(v), name, sizeof(name)));
			else
				break;
			return buf;
		}
	}
	return fmt_value(target, buf, len);
}

int flowctl_print_flush(FILE *out, const json_t *res)
{
	const json_t *n = get(res, "flushed");
	char a[CELL], b[CELL];

	return fprintf(out, "flushed %s offloaded flow%s (%s)\n", fmt_value(n, a, sizeof(a)),
		       json_is_integer(n) && json_integer_value(n) == 1 ? "" : "s",
		       fmt_target(get(res, "target"), b, sizeof(b))) < 0 ? -1 : 0;
}

int flowctl_print_reload(FILE *out, const json_t *res)
{
	const json_t *reloaded = get(res, "reloaded"), *changed = get(res, "changed");
	const char *text;

	if (json_is_false(reloaded))
		text = "configuration not reloaded\n";
	else if (json_is_false(changed))
		text = "configuration reloaded (no changes)\n";
	else
		text = "configuration reloaded\n";
	return fputs(text, out) == EOF ? -1 : 0;
}

/*
 * As received, but ASCII only, so that no raw C1 control reaches a
 * terminal this way either; jansson escapes C0 controls but not DEL, which
 * can only appear inside a string, where \u007f means the same.
 */
static int print_json(FILE *out, const json_t *result)
{
	char *text = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
					JSON_ENCODE_ANY);

	if (!text)
		return -1;
	for (const char *c = text; *c; c++) {
		if (*c == 0x7f)
			fputs("\\u007f", out);
		else
			fputc(*c, out);
	}
	fputc('\n', out);
	free(text);
	return 0;
}

int flowctl_print(FILE *out, enum proto_command cmd, const json_t *result, bool json)
{
	int rc = 0;

	if (json) {
		rc = print_json(out, result);
	} else {
		/* The command table's printer; an unknown request has none, and says so. */
		const struct flowctl_command *fc = flowctl_command_for_request(cmd);

		if (fc != NULL)
			rc = fc->print_text(out, result);
		else if (proto_command_name(cmd) != NULL)
			fprintf(out, "flowctl: no printer for command %s\n",
				proto_command_name(cmd));
		else
			fprintf(out, "flowctl: no printer for command %d\n", (int)cmd);
		if (fc == NULL)
			rc = -1;
	}
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	return rc ? -1 : 0;
}

int flowctl_status_exit(const json_t *status)
{
	return json_is_false(get(get(status, "table"), "in_sync")) ? FLOWCTL_EXIT_NOT_IN_SYNC
								   : FLOWCTL_EXIT_OK;
}

int flowctl_print_error(FILE *out, enum proto_command cmd, const struct proto_error *err)
{
	char msg[FLOWCTL_ESCAPED_MAX(sizeof(err->message))];

	flowctl_escape(err->message, msg, sizeof(msg));
	switch (err->code) {
	case PROTO_ERR_PERMISSION_DENIED:
		fprintf(out, "flowctl: permission denied: %s\n", msg);
		return FLOWCTL_EXIT_DENIED;
	case PROTO_ERR_RELOAD_FAILED:
		fprintf(out, "flowctl: reload failed: %s\n", msg);
		return FLOWCTL_EXIT_FAILED;
	case PROTO_ERR_BAD_REQUEST:
	case PROTO_ERR_UNSUPPORTED_VERSION:
		/* Only a flowctl/flowd version mismatch gets here. */
		fprintf(out, "flowctl: flowd rejected the %s request: %s\n",
			proto_command_name(cmd), msg);
		return FLOWCTL_EXIT_FAILED;
	case PROTO_ERR_NOT_FOUND:
	case PROTO_ERR_INTERNAL:
		break;
	}
	fprintf(out, "flowctl: %s\n", msg);
	return FLOWCTL_EXIT_FAILED;
}
