// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowctl tests without a daemon: argv parsing (a table of command lines
 * and what each must give), status rendering against golden files in
 * tests/unit/flowctl (NAME.json rendered must equal NAME.txt byte for
 * byte, alignment included), and the smaller outputs inline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "read_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flowctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DATA_DIR TEST_SRCDIR "/flowctl"
#define MAX_ARGS 8

struct args_case {
	const char *argv[MAX_ARGS];	/* after "flowctl", NULL-terminated */
	int rc;
	const char *err;		/* rc -1: a substring of the message */
	enum flowctl_action action;
	enum proto_command cmd;
	enum proto_target_kind target;
	const char *name;
	bool json;
	bool metrics;
	const char *socket;		/* NULL: the default */
};

#define RUN(c) .action = FLOWCTL_RUN, .cmd = PROTO_CMD_##c
#define FLUSH(k, n) .action = FLOWCTL_RUN, .cmd = PROTO_CMD_FLUSH, .target = PROTO_TARGET_##k, \
	.name = (n)
#define USAGE(m) .rc = -1, .err = (m)

static const struct args_case args_cases[] = {
	/* Commands and their unique prefixes. */
	{ { "status" }, RUN(STATUS) },
	{ { "st" }, RUN(STATUS) },
	{ { "s" }, RUN(STATUS) },
	{ { "reload" }, RUN(RELOAD) },
	{ { "metrics" }, RUN(STATUS), .metrics = true },
	{ { "m" }, RUN(STATUS), .metrics = true },
	{ { "rel" }, RUN(RELOAD) },
	{ { "flush" }, FLUSH(ALL, "") },
	{ { "flush", "all" }, FLUSH(ALL, "") },
	{ { "f", "a" }, FLUSH(ALL, "") },
	{ { "flush", "tunnel", "tun0" }, FLUSH(TUNNEL, "tun0") },
	{ { "fl", "tun", "gre-lab" }, FLUSH(TUNNEL, "gre-lab") },
	{ { "flush", "device", "eth1.100" }, FLUSH(DEVICE, "eth1.100") },
	{ { "flush", "d", "eth1" }, FLUSH(DEVICE, "eth1") },
	/* Options. */
	{ { "-j", "status" }, RUN(STATUS), .json = true },
	{ { "--json", "status" }, RUN(STATUS), .json = true },
	{ { "-s", "/tmp/x.sock", "status" }, RUN(STATUS), .socket = "/tmp/x.sock" },
	{ { "--socket=/tmp/y.sock", "-j", "reload" }, RUN(RELOAD), .json = true, .socket = "/tmp/y.sock" },
	{ { "-js", "rel.sock", "status" }, RUN(STATUS), .json = true, .socket = "rel.sock" },
	{ { "-h" }, .action = FLOWCTL_HELP },
	{ { "--help", "bogus" }, .action = FLOWCTL_HELP },
	{ { "-V" }, .action = FLOWCTL_VERSION },
	{ { "--version" }, .action = FLOWCTL_VERSION },
	/* Usage errors. */
	{ { NULL }, USAGE("no command given") },
	{ { "-j" }, USAGE("no command given") },
	{ { "bogus" }, USAGE("unknown command 'bogus'") },
	{ { "" }, USAGE("unknown command ''") },
	{ { "statusx" }, USAGE("unknown command 'statusx'") },
	{ { "status", "now" }, USAGE("status: unexpected argument 'now'") },
	{ { "reload", "-j" }, USAGE("reload: unexpected argument '-j'") },
	{ { "flush", "tunnel" }, USAGE("flush tunnel: missing NAME") },
	{ { "flush", "device" }, USAGE("flush device: missing NAME") },
	{ { "flush", "everything" }, USAGE("unknown target 'everything'") },
	{ { "flush", "all", "tun0" }, USAGE("flush all: unexpected argument 'tun0'") },
	{ { "flush", "tunnel", "tun0", "x" }, USAGE("unexpected argument 'x'") },
	{ { "flush", "tunnel", "sixteen-chars-xx" }, USAGE("not a valid interface name") },
	{ { "flush", "device", "a/b" }, USAGE("not a valid interface name") },
	{ { "-x", "status" }, USAGE("unknown option '-x'") },
	{ { "--bogus", "status" }, USAGE("unknown option '--bogus'") },
	{ { "-s" }, USAGE("option '-s' needs an argument") },
	{ { "--socket" }, USAGE("option '--socket' needs an argument") },
	{ { "-s", "", "status" }, USAGE("empty socket path") },
	{ { "-j", "metrics" }, USAGE("metrics: --json does not apply") },
	{ { "metrics", "now" }, USAGE("metrics: unexpected argument 'now'") },
};

static void test_args_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(args_cases); i++) {
		const struct args_case *c = &args_cases[i];
		char *argv[MAX_ARGS + 2] = { "flowctl" };
		struct flowctl_args a;
		char err[256] = "";
		int argc = 1, rc;

		for (size_t k = 0; k < MAX_ARGS && c->argv[k]; k++)
			argv[argc++] = (char *)c->argv[k];
		rc = flowctl_parse_args(argc, argv, &a, err, sizeof(err));
		if (rc != c->rc)
			fail_msg("case %zu (%s ...): rc %d, want %d (%s)", i,
				 c->argv[0] ? c->argv[0] : "", rc, c->rc, err);
		if (rc < 0) {
			if (!strstr(err, c->err))
				fail_msg("case %zu: message \"%s\", want \"...%s...\"", i, err, c->err);
			continue;
		}
		assert_int_equal(a.action, c->action);
		assert_string_equal(a.socket_path, c->socket ? c->socket : FLOWCTL_DEFAULT_SOCKET);
		if (a.action != FLOWCTL_RUN)
			continue;
		assert_int_equal(a.json, c->json);
		assert_int_equal(a.metrics, c->metrics);
		assert_int_equal(a.req.command, c->cmd);
		if (c->cmd == PROTO_CMD_FLUSH) {
			assert_int_equal(a.req.target.kind, c->target);
			assert_string_equal(a.req.target.name, c->name);
		}
	}
}

/* Render into a string; the caller frees it. */
static char *render(enum proto_command cmd, const json_t *result, bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(flowctl_print(out, cmd, result, json), 0);
	fclose(out);
	return text;
}

/* Each command prints its own answer; a command without a printer fails. */
static void test_print_each_command(void **state)
{
	json_t *reload = json_pack("{s:b, s:b}", "reloaded", 1, "changed", 0);
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	text = render(PROTO_CMD_RELOAD, reload, false);
	assert_string_equal(text, "configuration reloaded (no changes)\n");
	free(text);

	text = NULL;
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(flowctl_print(out, (enum proto_command)77, reload, false), -1);
	fclose(out);
	assert_non_null(strstr(text, "no printer for command 77"));
	assert_null(strstr(text, "reloaded"));
	free(text);
	json_decref(reload);
}

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);

	if (!j)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	return j;
}

/* Compare line by line, so a failure names the first line that differs. */
static void assert_text_equal(const char *got, const char *want, const char *what)
{
	for (int line = 1;; line++) {
		size_t gl = strcspn(got, "\n"), wl = strcspn(want, "\n");

		if (gl != wl || memcmp(got, want, gl) != 0)
			fail_msg("%s, line %d:\n  got  \"%.*s\"\n  want \"%.*s\"", what, line,
				 (int)gl, got, (int)wl, want);
		if (!got[gl] || !want[wl]) {
			assert_int_equal(got[gl], want[wl]);
			return;
		}
		got += gl + 1;
		want += wl + 1;
	}
}

static void check_golden(const char *name)
{
	char jpath[512], tpath[512];
	json_t *result;
	char *got, *want;

	snprintf(jpath, sizeof(jpath), "%s/%s.json", DATA_DIR, name);
	snprintf(tpath, sizeof(tpath), "%s/%s.txt", DATA_DIR, name);
	result = load_json(jpath);
	got = render(PROTO_CMD_STATUS, result, false);
	update_golden(tpath, got);
	want = read_file(tpath);
	assert_text_equal(got, want, name);
	free(got);
	free(want);
	json_decref(result);
}

static void test_status_full(void **state)
{
	check_golden("status-full");
}

static void test_status_missing_fields(void **state)
{
	check_golden("status-minimal");
	check_golden("status-empty");
}

/* The key lines spelled out here too, so the golden file cannot drift silently. */
static void test_status_key_lines(void **state)
{
	json_t *result = load_json(DATA_DIR "/status-full.json");
	char *got = render(PROTO_CMD_STATUS, result, false);

	assert_non_null(strstr(got, "flowd 0.1.0, up 2h 03m 11s\n"
				    "config /etc/flowd.conf, loaded 2026-11-25 17:01:02\n"
				    "table inet flowd, flowtable ft, in sync\n"));
	assert_non_null(strstr(got,
		"DEVICE    IFINDEX  REASON                                OFFLOADED\n"
		"eth1            3  configured, underlay of tun0,gre-lab          3\n"));
	assert_non_null(strstr(got, "kernel tunnel offload: outer (flag accepted)\n"));
	assert_non_null(strstr(got,
		"ip6t     ip6tnl  2001:db8::1  2001:db8:ffff::2  -         -              "
		"inner  inner          0\n"));
	assert_non_null(strstr(got,
		"tun0     ipip    192.168.1.1  192.168.1.2       eth1      192.168.1.2    "
		"slow   outer          3\n"));
	assert_non_null(strstr(got, "  tun0: rx: encapsulation limit option (IPv6 extension header) "
				    "not accelerated on receive; tx: outer header in the fast path\n"));
	assert_non_null(strstr(got, "\nLAST ERROR\n-\n"));
	free(got);
	json_decref(result);
}

static void test_status_json_is_the_result(void **state)
{
	json_t *result = load_json(DATA_DIR "/status-full.json"), *back;
	char *got = render(PROTO_CMD_STATUS, result, true);

	/* Pretty-printed, every field kept, unknown ones included. */
	assert_non_null(strstr(got, "\n  \"daemon\": {\n    \"version\": \"0.1.0\","));
	back = json_loads(got, 0, NULL);
	assert_true(json_equal(back, result));
	json_decref(back);
	free(got);
	json_decref(result);
}

static void test_uptime_forms(void **state)
{
	static const struct {
		json_int_t s;
		const char *want;
	} cases[] = {
		{ 0, "up 0s" }, { 59, "up 59s" }, { 61, "up 1m 01s" }, { 3600, "up 1h 00m 00s" },
		{ 90061, "up 1d 01h 01m 01s" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *r = json_pack("{s:{s:s,s:I}}", "daemon", "version", "1", "uptime_s",
				      cases[i].s);
		char *got = render(PROTO_CMD_STATUS, r, false);

		if (!strstr(got, cases[i].want))
			fail_msg("%" JSON_INTEGER_FORMAT " s: want \"%s\" in:\n%s", cases[i].s,
				 cases[i].want, got);
		free(got);
		json_decref(r);
	}
}

static void test_flush_and_reload_text(void **state)
{
	static const struct {
		enum proto_command cmd;
		const char *result;
		const char *want;
	} cases[] = {
		{ PROTO_CMD_FLUSH, "{\"flushed\":12,\"target\":{\"tunnel\":\"tun0\"}}",
		  "flushed 12 offloaded flows (tunnel tun0)\n" },
		{ PROTO_CMD_FLUSH, "{\"flushed\":1,\"target\":{\"device\":\"eth1\"}}",
		  "flushed 1 offloaded flow (device eth1)\n" },
		{ PROTO_CMD_FLUSH, "{\"flushed\":0,\"target\":{\"all\":true}}",
		  "flushed 0 offloaded flows (all)\n" },
		{ PROTO_CMD_FLUSH, "{}", "flushed - offloaded flows (-)\n" },
		{ PROTO_CMD_RELOAD, "{\"reloaded\":true,\"changed\":true}",
		  "configuration reloaded\n" },
		{ PROTO_CMD_RELOAD, "{\"reloaded\":true,\"changed\":false}",
		  "configuration reloaded (no changes)\n" },
		{ PROTO_CMD_RELOAD, "{\"reloaded\":true}", "configuration reloaded\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *r = json_loads(cases[i].result, 0, NULL);
		char *got = render(cases[i].cmd, r, false);

		assert_string_equal(got, cases[i].want);
		free(got);
		json_decref(r);
	}
}

static void test_error_exit_codes(void **state)
{
	static const struct {
		enum proto_command cmd;
		enum proto_errcode code;
		const char *message;
		int rc;
		const char *want;
	} cases[] = {
		{ PROTO_CMD_FLUSH, PROTO_ERR_PERMISSION_DENIED, "flush needs root", FLOWCTL_EXIT_DENIED,
		  "flowctl: permission denied: flush needs root\n" },
		{ PROTO_CMD_RELOAD, PROTO_ERR_RELOAD_FAILED, "/etc/flowd.conf:3: bad key",
		  FLOWCTL_EXIT_FAILED, "flowctl: reload failed: /etc/flowd.conf:3: bad key\n" },
		{ PROTO_CMD_FLUSH, PROTO_ERR_NOT_FOUND, "no tunnel \"tun7\"", FLOWCTL_EXIT_FAILED,
		  "flowctl: no tunnel \"tun7\"\n" },
		{ PROTO_CMD_STATUS, PROTO_ERR_INTERNAL, "out of memory", FLOWCTL_EXIT_FAILED,
		  "flowctl: out of memory\n" },
		{ PROTO_CMD_STATUS, PROTO_ERR_UNSUPPORTED_VERSION, "version 1 is not supported",
		  FLOWCTL_EXIT_FAILED,
		  "flowctl: flowd rejected the status request: version 1 is not supported\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct proto_error e;
		char *text = NULL;
		size_t len;
		FILE *out = open_memstream(&text, &len);

		proto_error_set(&e, cases[i].code, "%s", cases[i].message);
		assert_int_equal(flowctl_print_error(out, cases[i].cmd, &e), cases[i].rc);
		fclose(out);
		assert_string_equal(text, cases[i].want);
		free(text);
	}
}

static void test_table_alignment(void **state)
{
	static const char *const head[] = { "NAME", "N", "NOTE" };
	static const char *const r1[] = { "a", "1", "short" };
	static const char *const r2[] = { "müller", "1234", NULL };
	struct flowctl_table t;
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	flowctl_table_init(&t, 3, head, "lrl");
	assert_int_equal(flowctl_table_add(&t, r1), 0);
	assert_int_equal(flowctl_table_add(&t, r2), 0);
	flowctl_table_print(out, &t);
	fclose(out);
	/* Widths count characters, not bytes; the last column has no padding. */
	assert_string_equal(text, "NAME       N  NOTE\n"
				  "a          1  short\n"
				  "müller  1234  -\n");
	free(text);
	flowctl_table_free(&t);
}

static void test_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "eth0", "eth0" },
		{ "", "" },
		{ "m\xc3\xbcller", "m\xc3\xbcller" },			/* valid UTF-8 stays */
		{ "\xe2\x82\xac", "\xe2\x82\xac" },			/* U+20AC */
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },		/* U+1F600 */
		{ "a\x1b]0;pwned\x07", "a\\x1b]0;pwned\\x07" },	/* ESC, BEL */
		{ "x\ny", "x\\x0ay" },
		{ "\t\r", "\\x09\\x0d" },
		{ "del\x7f", "del\\x7f" },
		{ "csi\xc2\x9b" "31m", "csi\\u009b31m" },		/* C1 CSI */
		{ "\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0" },
		{ "\xe2\x80\xae" "evil", "\\u202eevil" },		/* bidi override */
		{ "\xe2\x81\xa6", "\\u2066" },
		{ "back\\slash", "back\\\\slash" },
		{ "\xff\xfe", "\\xff\\xfe" },				/* not UTF-8 */
		{ "\xc0\x80", "\\xc0\\x80" },				/* overlong NUL */
		{ "\xe0\x80\xaf", "\\xe0\\x80\\xaf" },			/* overlong '/' */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },			/* surrogate */
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },		/* > U+10FFFF */
		{ "cut\xe2\x82", "cut\\xe2\\x82" },			/* sequence cut short */
		{ "\x80lone", "\\x80lone" },				/* stray continuation */
	};
	char buf[FLOWCTL_ESCAPED_MAX(32)];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = flowctl_escape(cases[i].in, buf, sizeof(buf));

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, cases[i].want);
	}
	/* A short buffer is cut at a whole escape or character, never inside. */
	assert_string_equal(flowctl_escape("ab\x1b", buf, 6), "ab");
	assert_string_equal(flowctl_escape("ab\x1b", buf, 7), "ab\\x1b");
	assert_string_equal(flowctl_escape("a\xc3\xbc", buf, 3), "a");
	assert_string_equal(flowctl_escape("abc", buf, 1), "");
}

/* No byte of the text may drive a terminal: only '\n' ends lines. */
static void assert_terminal_safe(const char *text, int want_lines)
{
	const unsigned char *p = (const unsigned char *)text;
	int lines = 0;

	for (; *p; p++) {
		if (*p == '\n')
			lines++;
		else if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x at offset %td", *p, p - (const unsigned char *)text);
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fail_msg("C1 control U+00%02X at offset %td", p[1], p - (const unsigned char *)text);
	}
	if (want_lines >= 0)
		assert_int_equal(lines, want_lines);
}

#define HOSTILE "x\x1b[2J\ny\x7fz\xc2\x9b" "1m"
#define HOSTILE_ESCAPED "x\\x1b[2J\\x0ay\\x7fz\\u009b1m"

static void test_status_hostile_strings(void **state)
{
	json_t *r = json_pack("{s:{s:s}, s:[{s:s, s:i, s:[s, s], s:[s, s]}],"
			      " s:[{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}}], s:{s:i}, s:s}",
		"daemon", "version", "1\x1b]0;t\x07",
		"devices", "name", HOSTILE, "ifindex", 3, "reasons", "tunnel", "underlay",
			"tunnels", HOSTILE, "t\nun",
		"tunnels", "name", HOSTILE, "kind", "ipip\r",
			"rx", "state", "slow", "why", "no\x1b route",
			"tx", "state", "slow", "why", "no\x1b route",
		"counters", "c\x1b" "1", 5,
		"last_error", "bad\n\xc2\x85line");
	json_t *target = json_pack("{s:s}", "tunnel", HOSTILE);
	json_t *flushed = json_pack("{s:i, s:o}", "flushed", 1, "target", target);
	char *got;

	assert_non_null(r);
	got = render(PROTO_CMD_STATUS, r, false);
	/*
	 * status-empty.txt's 15 lines, plus a heading for devices and
	 * tunnels and the tunnel's reason line.
	 */
	assert_terminal_safe(got, 18);
	assert_non_null(strstr(got, "flowd 1\\x1b]0;t\\x07\n"));
	assert_non_null(strstr(got, "\n" HOSTILE_ESCAPED "  "));
	assert_non_null(strstr(got, "tunnel " HOSTILE_ESCAPED ", underlay of t\\x0aun"));
	assert_non_null(strstr(got, "ipip\\x0d"));
	assert_non_null(strstr(got, ": no\\x1b route\n"));
	assert_non_null(strstr(got, "\nc\\x1b1  5\n"));
	assert_non_null(strstr(got, "\nLAST ERROR\nbad\\x0a\\u0085line\n"));
	free(got);

	/* JSON output: valid JSON, ASCII only, the same strings when parsed. */
	got = render(PROTO_CMD_STATUS, r, true);
	assert_terminal_safe(got, -1);
	for (const char *c = got; *c; c++)
		assert_true((unsigned char)*c < 0x80);
	assert_non_null(strstr(got, "\\u009B"));	/* jansson writes upper case */
	free(got);
	json_decref(r);

	got = render(PROTO_CMD_FLUSH, flushed, false);
	assert_string_equal(got, "flushed 1 offloaded flow (tunnel " HOSTILE_ESCAPED ")\n");
	free(got);
	json_decref(flushed);
}

static void test_error_message_escaped(void **state)
{
	struct proto_error e;
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	/* A reload error quoting a config line with an escape and bad UTF-8. */
	proto_error_set(&e, PROTO_ERR_RELOAD_FAILED, "%s", "f.conf:1: bad \"\x1b[31m\xff\"\nforged");
	assert_int_equal(flowctl_print_error(out, PROTO_CMD_RELOAD, &e), FLOWCTL_EXIT_FAILED);
	fclose(out);
	/*
	 * The daemon's proto_error_set() already wrote the invalid byte as
	 * the text "\xff" (the wire is UTF-8); flowctl shows that text's
	 * backslash as "\\", and the escape and newline as "\x1b", "\x0a".
	 */
	assert_string_equal(text, "flowctl: reload failed: f.conf:1: bad \"\\x1b[31m\\\\xff\"\\x0aforged\n");
	free(text);
}

/*
 * metrics for the fixtures: equal to NAME.prom (FLOWD_UPDATE_GOLDEN=1
 * rewrites it), which tests/unit/check-metrics.sh parses.
 */
static void check_metrics_golden(const char *name)
{
	char jpath[512], ppath[512];
	char *text = NULL, *want;
	size_t len = 0;
	json_t *result;
	FILE *out;

	snprintf(jpath, sizeof(jpath), "%s/status-%s.json", DATA_DIR, name);
	snprintf(ppath, sizeof(ppath), "%s/metrics-%s.prom", DATA_DIR, name);
	result = load_json(jpath);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(flowctl_print_metrics(out, result), 0);
	fclose(out);
	update_golden(ppath, text);
	want = read_file(ppath);
	assert_text_equal(text, want, ppath);
	free(want);
	free(text);
	json_decref(result);
}

static void test_metrics(void **state)
{
	json_t *r = load_json(DATA_DIR "/status-full.json");
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	check_metrics_golden("full");
	check_metrics_golden("minimal");
	check_metrics_golden("empty");
	check_metrics_golden("hostile");

	/* The key lines spelled out, so that the golden files cannot drift silently. */
	out = open_memstream(&text, &len);
	assert_int_equal(flowctl_print_metrics(out, r), 0);
	fclose(out);
	assert_non_null(strstr(text, "# HELP flowd_tunnel_accelerated "));
	assert_non_null(strstr(text, "\n# TYPE flowd_tunnel_accelerated gauge\n"
				     "flowd_tunnel_accelerated{tunnel=\"gre-lab\"} 1\n"));
	assert_non_null(strstr(text, "\nflowd_device_offloaded_flows{device=\"eth1\",mode=\"sw\"} 3\n"));
	assert_non_null(strstr(text, "\n# TYPE flowd_errors_total counter\nflowd_errors_total 0\n"));
	assert_null(strstr(text, "flowd_counter_"));	/* every counter of the fixture is known */
	free(text);
	json_decref(r);
}

static void test_status_exit(void **state)
{
	static const struct {
		const char *result;
		int rc;
	} cases[] = {
		{ "{\"table\":{\"in_sync\":true}}", FLOWCTL_EXIT_OK },
		{ "{\"table\":{\"in_sync\":false}}", FLOWCTL_EXIT_NOT_IN_SYNC },
		/* An older flowd that does not say: nothing to complain about. */
		{ "{\"table\":{}}", FLOWCTL_EXIT_OK },
		{ "{}", FLOWCTL_EXIT_OK },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *r = json_loads(cases[i].result, 0, NULL);

		assert_int_equal(flowctl_status_exit(r), cases[i].rc);
		json_decref(r);
	}
	assert_int_equal(FLOWCTL_EXIT_NOT_IN_SYNC, 6);	/* documented in flowctl(8) */
}

static int setup(void **state)
{
	/* Times in the fixtures are UTC; render them in UTC too. */
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

/* flowctl's command table: every request has its row and printer; nothing else does. */
static void test_command_table(void **state)
{
	const struct flowctl_command *fc;
	char *text = NULL;
	size_t len = 0, n = 0;
	FILE *out;

	(void)state;
	for (int c = 0; c < PROTO_CMD_COUNT; c++) {
		fc = flowctl_command_for_request((enum proto_command)c);
		assert_non_null(fc);
		assert_int_equal(fc->request, c);
		assert_string_equal(fc->name, proto_command_name((enum proto_command)c));
		assert_non_null(fc->print_text);
	}
	assert_null(flowctl_command_for_request(PROTO_CMD_COUNT));
	assert_null(flowctl_command_by_name("bogus"));
	assert_null(flowctl_command_by_name(NULL));

	out = open_memstream(&text, &len);
	assert_non_null(out);
	flowctl_usage(out);
	fclose(out);
	for (; (fc = flowctl_command_at(n)) != NULL; n++) {
		assert_non_null(proto_command_info(fc->request));
		assert_non_null(fc->print_text);
		assert_ptr_equal(flowctl_command_by_name(fc->name), fc);	/* names unique */
		assert_non_null(strstr(text, fc->synopsis));			/* in --help */
	}
	assert_int_equal(n, PROTO_CMD_COUNT + 1);	/* the requests and metrics */
	free(text);
}

/* A command flowctl does not know: a usage error, and no printer runs. */
static void test_unknown_command_never_prints_another(void **state)
{
	json_t *result = json_pack("{s:b,s:i}", "reloaded", 1, "flushed", 1);
	struct flowctl_args a;
	char *argv[] = { "flowctl", "restart", NULL }, err[256], *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_int_equal(flowctl_parse_args(2, argv, &a, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown command 'restart': expected status, flush, reload or "
				 "metrics");

	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(flowctl_print(out, PROTO_CMD_COUNT, result, false), -1);
	fclose(out);
	assert_non_null(strstr(text, "no printer for command"));
	assert_null(strstr(text, "reloaded"));
	assert_null(strstr(text, "flushed"));
	free(text);
	json_decref(result);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_table),
		cmocka_unit_test(test_command_table),
		cmocka_unit_test(test_unknown_command_never_prints_another),
		cmocka_unit_test(test_print_each_command),
		cmocka_unit_test(test_status_full),
		cmocka_unit_test(test_status_missing_fields),
		cmocka_unit_test(test_status_key_lines),
		cmocka_unit_test(test_status_json_is_the_result),
		cmocka_unit_test(test_uptime_forms),
		cmocka_unit_test(test_flush_and_reload_text),
		cmocka_unit_test(test_error_exit_codes),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_status_hostile_strings),
		cmocka_unit_test(test_error_message_escaped),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_status_exit),
	};

	return cmocka_run_group_tests_name("flowctl", tests, setup, NULL);
}
