// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control protocol tests: encode/parse round trips, and a table of bad
 * requests, each with the error code and the words its message must carry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct proto_request parse_ok(const char *line)
{
	struct proto_request req;
	struct proto_error err = { 0 };

	if (proto_request_parse(line, strlen(line), &req, &err) < 0)
		fail_msg("\"%s\" rejected: %s", line, err.message);
	return req;
}

static void test_request_encoding_is_one_exact_line(void **state)
{
	struct proto_request req = { .command = PROTO_CMD_FLUSH,
				     .target = { .kind = PROTO_TARGET_TUNNEL, .name = "tun0" } };
	size_t len;
	char *line = proto_request_encode(&req, &len);

	assert_non_null(line);
	assert_string_equal(line,
			    "{\"version\":1,\"command\":\"flush\",\"target\":{\"tunnel\":\"tun0\"}}\n");
	assert_int_equal(len, strlen(line));
	free(line);

	req.command = PROTO_CMD_STATUS;
	line = proto_request_encode(&req, &len);
	assert_string_equal(line, "{\"version\":1,\"command\":\"status\"}\n");
	free(line);
}

static void test_request_round_trips(void **state)
{
	static const struct proto_request reqs[] = {
		{ .command = PROTO_CMD_STATUS },
		{ .command = PROTO_CMD_RELOAD },
		{ .command = PROTO_CMD_FLUSH, .target = { .kind = PROTO_TARGET_ALL } },
		{ .command = PROTO_CMD_FLUSH, .target = { PROTO_TARGET_TUNNEL, "tun0" } },
		{ .command = PROTO_CMD_FLUSH, .target = { PROTO_TARGET_DEVICE, "eth1.100" } },
		{ .command = PROTO_CMD_FLUSH, .target = { PROTO_TARGET_DEVICE, "fifteen-chars-x" } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(reqs); i++) {
		size_t len;
		char *line = proto_request_encode(&reqs[i], &len);
		struct proto_request back;
		struct proto_error err;

		assert_non_null(line);
		assert_int_equal(proto_request_parse(line, len, &back, &err), 0);
		assert_int_equal(back.command, reqs[i].command);
		if (reqs[i].command == PROTO_CMD_FLUSH) {
			assert_int_equal(back.target.kind, reqs[i].target.kind);
			assert_string_equal(back.target.name, reqs[i].target.name);
		}
		free(line);
	}
}

static void test_request_parse_accepts_spacing_and_key_order(void **state)
{
	struct proto_request req;

	req = parse_ok(" { \"target\" : { \"device\" : \"eth1\" } , \"command\":\"flush\", "
		       "\"version\" : 1 }\r\n");
	assert_int_equal(req.command, PROTO_CMD_FLUSH);
	assert_int_equal(req.target.kind, PROTO_TARGET_DEVICE);
	assert_string_equal(req.target.name, "eth1");
	req = parse_ok("{\"version\":1,\"command\":\"reload\"}");
	assert_int_equal(req.command, PROTO_CMD_RELOAD);
}

struct bad_request {
	const char *input;
	enum proto_errcode code;
	const char *message;	/* a substring of the expected message */
};

static const struct bad_request bad_requests[] = {
	/* Not JSON, or not one object. */
	{ "", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "\n", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "hello", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "{\"version\":1,\"command\":\"status\"", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "{\"version\":1,\"comm", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "{\"version\":1,\"command\":\"status\"} {}", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "{\"version\":1,\"command\":\"status\",}", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "{\"version\":1,\"command\":\"st\\u0000atus\"}", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "{\"version\":1,\"command\":\"\xff\xfe\"}", PROTO_ERR_BAD_REQUEST, "not valid JSON" },
	{ "{\"version\":1,\"version\":1,\"command\":\"status\"}", PROTO_ERR_BAD_REQUEST,
	  "duplicate" },
	{ "{\"version\":1,\n\"command\":\"status\"}", PROTO_ERR_BAD_REQUEST, "more than one line" },
	{ "[1,2]", PROTO_ERR_BAD_REQUEST, "must be a JSON object, not an array" },
	{ "\"status\"", PROTO_ERR_BAD_REQUEST, "must be a JSON object, not a string" },
	{ "42", PROTO_ERR_BAD_REQUEST, "must be a JSON object, not an integer" },
	{ "null", PROTO_ERR_BAD_REQUEST, "must be a JSON object, not null" },
	/* Version. */
	{ "{\"command\":\"status\"}", PROTO_ERR_BAD_REQUEST, "no \"version\"" },
	{ "{\"version\":\"1\",\"command\":\"status\"}", PROTO_ERR_BAD_REQUEST,
	  "\"version\" must be an integer, not a string" },
	{ "{\"version\":1.0,\"command\":\"status\"}", PROTO_ERR_BAD_REQUEST,
	  "must be an integer, not a number" },
	{ "{\"version\":2,\"command\":\"status\"}", PROTO_ERR_UNSUPPORTED_VERSION,
	  "protocol version 2 is not supported (flowd speaks version 1)" },
	{ "{\"version\":0,\"command\":\"status\"}", PROTO_ERR_UNSUPPORTED_VERSION, "version 0" },
	{ "{\"version\":-1,\"command\":\"status\"}", PROTO_ERR_UNSUPPORTED_VERSION, "version -1" },
	/* A newer client's extra keys: the version is the problem, not the keys. */
	{ "{\"version\":2,\"command\":\"status\",\"verbose\":true}", PROTO_ERR_UNSUPPORTED_VERSION,
	  "version 2" },
	/* Command. */
	{ "{\"version\":1}", PROTO_ERR_BAD_REQUEST, "no \"command\"" },
	{ "{\"version\":1,\"command\":7}", PROTO_ERR_BAD_REQUEST,
	  "\"command\" must be a string, not an integer" },
	{ "{\"version\":1,\"command\":null}", PROTO_ERR_BAD_REQUEST, "must be a string, not null" },
	{ "{\"version\":1,\"command\":\"restart\"}", PROTO_ERR_BAD_REQUEST,
	  "unknown command \"restart\"" },
	{ "{\"version\":1,\"command\":\"st\"}", PROTO_ERR_BAD_REQUEST, "unknown command \"st\"" },
	{ "{\"version\":1,\"command\":\"STATUS\"}", PROTO_ERR_BAD_REQUEST, "unknown command" },
	/* Keys. */
	{ "{\"version\":1,\"command\":\"status\",\"x\":1}", PROTO_ERR_BAD_REQUEST,
	  "unknown key \"x\" in a status request" },
	{ "{\"version\":1,\"command\":\"status\",\"target\":{\"all\":true}}", PROTO_ERR_BAD_REQUEST,
	  "unknown key \"target\" in a status request" },
	{ "{\"version\":1,\"command\":\"reload\",\"force\":true}", PROTO_ERR_BAD_REQUEST,
	  "unknown key \"force\"" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"all\":true},\"dry\":1}",
	  PROTO_ERR_BAD_REQUEST, "unknown key \"dry\" in a flush request" },
	/* Flush targets. */
	{ "{\"version\":1,\"command\":\"flush\"}", PROTO_ERR_BAD_REQUEST, "flush needs a \"target\"" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":\"all\"}", PROTO_ERR_BAD_REQUEST,
	  "\"target\" must be an object, not a string" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{}}", PROTO_ERR_BAD_REQUEST,
	  "exactly one of" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"all\":true,\"tunnel\":\"t\"}}",
	  PROTO_ERR_BAD_REQUEST, "exactly one of" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"all\":false}}", PROTO_ERR_BAD_REQUEST,
	  "target \"all\" must be true" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"all\":1}}", PROTO_ERR_BAD_REQUEST,
	  "target \"all\" must be true" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"route\":\"x\"}}", PROTO_ERR_BAD_REQUEST,
	  "unknown target \"route\"" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"tunnel\":5}}", PROTO_ERR_BAD_REQUEST,
	  "target \"tunnel\" must be a string, not an integer" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"device\":\"\"}}", PROTO_ERR_BAD_REQUEST,
	  "not a valid interface name" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"device\":\"sixteen-chars-xx\"}}",
	  PROTO_ERR_BAD_REQUEST, "not a valid interface name" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"tunnel\":\"a/b\"}}", PROTO_ERR_BAD_REQUEST,
	  "not a valid interface name" },
	{ "{\"version\":1,\"command\":\"flush\",\"target\":{\"tunnel\":\"..\"}}", PROTO_ERR_BAD_REQUEST,
	  "not a valid interface name" },
};

static void test_bad_requests(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_requests); i++) {
		const struct bad_request *b = &bad_requests[i];
		struct proto_request req;
		struct proto_error err = { .code = -1 };

		if (proto_request_parse(b->input, strlen(b->input), &req, &err) == 0)
			fail_msg("accepted: %s", b->input);
		if (err.code != b->code || !strstr(err.message, b->message))
			fail_msg("%s\n  got %s \"%s\"\n  want %s \"...%s...\"", b->input,
				 proto_errcode_name(err.code), err.message,
				 proto_errcode_name(b->code), b->message);
	}
}

static void test_embedded_nul_is_rejected(void **state)
{
	static const char line[] = "{\"version\":1,\"command\":\"status\"}\0garbage\n";
	struct proto_request req;
	struct proto_error err;

	assert_int_equal(proto_request_parse(line, sizeof(line) - 1, &req, &err), -1);
	assert_int_equal(err.code, PROTO_ERR_BAD_REQUEST);
	assert_string_equal(err.message, "request contains a NUL byte");
}

static void test_size_limit_is_exact(void **state)
{
	static const char base[] = "{\"version\":1,\"command\":\"status\"}";
	char *buf = malloc(PROTO_MAX_REQUEST + 1);
	struct proto_request req;
	struct proto_error err;

	/* Padded with spaces to exactly the cap, newline included: accepted. */
	memset(buf, ' ', PROTO_MAX_REQUEST + 1);
	memcpy(buf, base, strlen(base));
	buf[PROTO_MAX_REQUEST - 1] = '\n';
	assert_int_equal(proto_request_parse(buf, PROTO_MAX_REQUEST, &req, &err), 0);
	assert_int_equal(req.command, PROTO_CMD_STATUS);

	/* One byte more: refused before any parsing. */
	buf[PROTO_MAX_REQUEST - 1] = ' ';
	buf[PROTO_MAX_REQUEST] = '\n';
	assert_int_equal(proto_request_parse(buf, PROTO_MAX_REQUEST + 1, &req, &err), -1);
	assert_int_equal(err.code, PROTO_ERR_BAD_REQUEST);
	assert_non_null(strstr(err.message, "request too large"));
	free(buf);
}

static void test_truncated_prefixes_never_parse(void **state)
{
	static const char line[] =
		"{\"version\":1,\"command\":\"flush\",\"target\":{\"tunnel\":\"tun0\"}}";
	struct proto_request req;
	struct proto_error err;

	/* Every proper prefix of a valid request is an error, never a crash. */
	for (size_t len = 0; len < sizeof(line) - 1; len++) {
		assert_int_equal(proto_request_parse(line, len, &req, &err), -1);
		assert_int_equal(err.code, PROTO_ERR_BAD_REQUEST);
	}
	assert_int_equal(proto_request_parse(line, sizeof(line) - 1, &req, &err), 0);
}

static void test_response_ok_round_trip(void **state)
{
	json_t *result = json_pack("{s:i,s:{s:s},s:[i,i]}", "flushed", 12, "target", "tunnel",
				   "tun0", "list", 1, 2);
	struct proto_response resp;
	struct proto_error err;
	size_t len;
	char *line = proto_response_encode_ok(result, &len);

	assert_non_null(line);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1));
	assert_int_equal(proto_response_parse(line, len, &resp, &err), 0);
	assert_true(resp.ok);
	assert_true(json_equal(resp.result, result));
	proto_response_clear(&resp);
	free(line);
	json_decref(result);

	line = proto_response_encode_ok(NULL, &len);
	assert_string_equal(line, "{\"version\":1,\"ok\":true,\"result\":{}}\n");
	free(line);
}

static void test_response_error_round_trip(void **state)
{
	for (int code = PROTO_ERR_PERMISSION_DENIED; code <= PROTO_ERR_RELOAD_FAILED; code++) {
		struct proto_error in, out;
		struct proto_response resp;
		size_t len;
		char *line;

		proto_error_set(&in, (enum proto_errcode)code, "message %d with \"quotes\"\n", code);
		line = proto_response_encode_error(&in, &len);
		assert_non_null(line);
		assert_int_equal(proto_response_parse(line, len, &resp, &out), 0);
		assert_false(resp.ok);
		assert_null(resp.result);
		assert_int_equal(resp.error.code, code);
		assert_string_equal(resp.error.message, in.message);
		free(line);
	}
}

static void test_response_encoding_exact(void **state)
{
	struct proto_error e;
	char *line;

	proto_error_set(&e, PROTO_ERR_PERMISSION_DENIED, "flush needs root");
	line = proto_response_encode_error(&e, NULL);
	assert_string_equal(line, "{\"version\":1,\"ok\":false,\"error\":{\"code\":"
				  "\"permission-denied\",\"message\":\"flush needs root\"}}\n");
	free(line);
}

static void test_response_parse_is_tolerant_but_checked(void **state)
{
	struct proto_response resp;
	struct proto_error err;
	const char *s;

	/* Extra keys and unknown error codes from a newer daemon. */
	s = "{\"version\":1,\"ok\":false,\"error\":{\"code\":\"busy\",\"message\":\"m\",\"x\":1},"
	    "\"extra\":true}";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), 0);
	assert_int_equal(resp.error.code, PROTO_ERR_INTERNAL);
	assert_string_equal(resp.error.message, "m");

	s = "{\"version\":2,\"ok\":true,\"result\":{}}";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), -1);
	assert_int_equal(err.code, PROTO_ERR_UNSUPPORTED_VERSION);
	assert_non_null(strstr(err.message, "flowctl speaks version 1"));

	s = "{\"version\":1,\"result\":{}}";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), -1);
	s = "{\"version\":1,\"ok\":true}";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), -1);
	s = "{\"version\":1,\"ok\":true,\"result\":[]}";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), -1);
	s = "{\"version\":1,\"ok\":false,\"error\":\"oops\"}";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), -1);
	s = "{\"version\":1,\"ok\":false}";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), -1);
	s = "not json";
	assert_int_equal(proto_response_parse(s, strlen(s), &resp, &err), -1);
	assert_null(resp.result);
}

/* What flowd sends for err must be one line that parses back as err. */
static void assert_error_reply_round_trips(const struct proto_error *in)
{
	struct proto_response resp;
	struct proto_error perr;
	size_t len;
	char *line = proto_response_encode_error(in, &len);

	if (!line)
		fail_msg("no error reply for \"%.100s...\"", in->message);
	if (proto_response_parse(line, len, &resp, &perr) < 0)
		fail_msg("error reply does not parse: %s", perr.message);
	assert_false(resp.ok);
	assert_int_equal(resp.error.code, in->code);
	assert_string_equal(resp.error.message, in->message);
	free(line);
}

/* The error reply of a request that failed to parse. */
static struct proto_error parse_error(const char *line)
{
	struct proto_request req;
	struct proto_error err;

	if (proto_request_parse(line, strlen(line), &req, &err) == 0)
		fail_msg("\"%s\" accepted", line);
	assert_error_reply_round_trips(&err);
	return err;
}

static void test_error_messages_are_always_sendable(void **state)
{
	char long_utf8[700] = "", name[100] = "x", line[400];
	struct proto_error err;

	/* Cut at the message's byte limit, in the middle of a "é". */
	for (int i = 0; i < 300; i++)
		strcat(long_utf8, "\xc3\xa9");
	proto_error_set(&err, PROTO_ERR_RELOAD_FAILED, "%s", long_utf8);
	assert_int_equal(strlen(err.message), 510);	/* 255 whole characters */
	assert_error_reply_round_trips(&err);

	/* Config bytes that are not UTF-8: escaped, the rest kept. */
	proto_error_set(&err, PROTO_ERR_RELOAD_FAILED, "/etc/flowd.conf:3: device \"%s\"",
			"eth\xff\xfe\xc3");
	assert_string_equal(err.message, "/etc/flowd.conf:3: device \"eth\\xff\\xfe\\xc3\"");
	assert_error_reply_round_trips(&err);

	/* jansson's own "near '...'" quotes the bad bytes (fuzz_proto found this). */
	err = parse_error("{\"version\":1,\"command\":\"\\u0\xd0\x9a\xc6\x91\"}");
	assert_non_null(strstr(err.message, "not valid JSON"));

	/* Names quoted up to 64 bytes: "x" and 40 "é" is cut inside the 32nd. */
	for (int i = 0; i < 40; i++)
		strcat(name, "\xc3\xa9");
	snprintf(line, sizeof(line), "{\"version\":1,\"command\":\"%s\"}", name);
	err = parse_error(line);
	assert_non_null(strstr(err.message, "unknown command \"x\xc3\xa9"));
	snprintf(line, sizeof(line), "{\"version\":1,\"command\":\"status\",\"%s\":1}", name);
	parse_error(line);
	snprintf(line, sizeof(line), "{\"version\":1,\"command\":\"flush\",\"target\":{\"%s\":1}}",
		 name);
	parse_error(line);
	snprintf(line, sizeof(line),
		 "{\"version\":1,\"command\":\"flush\",\"target\":{\"device\":\"%s\"}}", name);
	parse_error(line);

	/* A message filled in by hand, not through proto_error_set(). */
	err.code = PROTO_ERR_INTERNAL;
	strcpy(err.message, "raw \xff\xc0\x80 bytes");
	{
		size_t len;
		char *reply = proto_response_encode_error(&err, &len);

		assert_non_null(reply);
		assert_non_null(strstr(reply, "raw \\\\xff\\\\xc0\\\\x80 bytes"));
		free(reply);
	}
}

static void test_utf8_validation(void **state)
{
	static const char *const good[] = {
		"", "ascii", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbd",
		"\xf4\x8f\xbf\xbf", "\xed\x9f\xbf",
	};
	static const char *const bad[] = {
		"\x80", "\xc3", "\xc0\x80", "\xc1\xbf",	/* lone continuation, cut, overlong */
		"\xe0\x80\x80", "\xed\xa0\x80",		/* overlong, surrogate */
		"\xf0\x80\x80\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
		"\xe2\x82", "\xe2\x28\xa1",
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!proto_utf8_valid(good[i], strlen(good[i])))
			fail_msg("good[%zu] rejected", i);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (proto_utf8_valid(bad[i], strlen(bad[i])))
			fail_msg("bad[%zu] accepted", i);
}

static void test_utf8_copy_and_prefix(void **state)
{
	char out[16];

	/* Cut only between characters: "€" is 3 bytes. */
	assert_int_equal(proto_utf8_copy(out, 6, "ab\xe2\x82\xac", 5), 5);
	assert_string_equal(out, "ab\xe2\x82\xac");
	assert_int_equal(proto_utf8_copy(out, 5, "ab\xe2\x82\xac", 5), 2);
	assert_string_equal(out, "ab");
	/* Invalid bytes and NUL become "\xHH", never half of one. */
	assert_int_equal(proto_utf8_copy(out, sizeof(out), "a\xff\0b", 4), 10);
	assert_string_equal(out, "a\\xff\\x00b");
	assert_int_equal(proto_utf8_copy(out, 8, "a\xff\xfe", 3), 5);
	assert_string_equal(out, "a\\xff");
	assert_int_equal(proto_utf8_copy(out, 1, "abc", 3), 0);
	assert_string_equal(out, "");

	assert_int_equal(proto_utf8_prefix("abc", 64), 3);
	assert_int_equal(proto_utf8_prefix("ab\xe2\x82\xac", 4), 2);
	assert_int_equal(proto_utf8_prefix("ab\xe2\x82\xac", 5), 5);
	assert_int_equal(proto_utf8_prefix("a\xff\xfe", 2), 2);
}

static void test_json_string_of_any_bytes(void **state)
{
	json_t *j = proto_json_string("tun\xff\xc3\xa9");

	assert_non_null(j);
	assert_string_equal(json_string_value(j), "tun\\xff\xc3\xa9");
	json_decref(j);
	j = proto_json_string("eth0");
	assert_string_equal(json_string_value(j), "eth0");
	json_decref(j);
}

/* A result jansson cannot encode is told apart from a lack of memory. */
static void test_unencodable_result_says_why(void **state)
{
	json_t *result = json_object();
	size_t len;

	assert_int_equal(json_object_set_new(result, "name", json_string_nocheck("\xff")), 0);
	errno = 0;
	assert_null(proto_response_encode_ok(result, &len));
	assert_int_equal(errno, EILSEQ);
	json_decref(result);
}

static void test_names(void **state)
{
	for (int c = PROTO_CMD_STATUS; c <= PROTO_CMD_RELOAD; c++)
		assert_int_equal(proto_command_from_name(proto_command_name(c)), c);
	for (int e = PROTO_ERR_PERMISSION_DENIED; e <= PROTO_ERR_RELOAD_FAILED; e++)
		assert_int_equal(proto_errcode_from_name(proto_errcode_name(e)), e);
	assert_int_equal(proto_command_from_name("stat"), -1);
	assert_null(proto_command_name(99));
	assert_string_equal(proto_errcode_name(99), "internal");
	assert_string_equal(proto_errcode_name(PROTO_ERR_RELOAD_FAILED), "reload-failed");
	assert_false(proto_command_changes_state(PROTO_CMD_STATUS));
	assert_true(proto_command_changes_state(PROTO_CMD_FLUSH));
	assert_true(proto_command_changes_state(PROTO_CMD_RELOAD));
}

static void test_ifname_validation(void **state)
{
	static const char *good[] = { "eth0", "tun0", "eth1.100", "a", "fifteen-chars-x", "-x",
				      "wg_ü" };
	static const char *bad[] = { "", ".", "..", "sixteen-chars-xx", "a b", "a/b", "a:1",
				     "a\tb", "a\x01", "a\x7f" };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!proto_ifname_valid(good[i]))
			fail_msg("rejected \"%s\"", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (proto_ifname_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
}

static void test_target_to_json(void **state)
{
	struct proto_target all = { .kind = PROTO_TARGET_ALL };
	struct proto_target dev = { .kind = PROTO_TARGET_DEVICE, .name = "eth1" };
	json_t *a = proto_target_to_json(&all), *d = proto_target_to_json(&dev);
	json_t *wa = json_pack("{s:b}", "all", 1), *wd = json_pack("{s:s}", "device", "eth1");

	assert_true(json_equal(a, wa));
	assert_true(json_equal(d, wd));
	json_decref(a);
	json_decref(d);
	json_decref(wa);
	json_decref(wd);
}

/* The command table: row i is command i, names unique, unknown values refused everywhere. */
static void test_command_table(void **state)
{
	struct proto_request req = { .command = PROTO_CMD_COUNT };
	struct proto_error err;
	size_t len;

	(void)state;
	for (int i = 0; i < PROTO_CMD_COUNT; i++) {
		const struct proto_command_info *ci = proto_command_info((enum proto_command)i);

		assert_non_null(ci);
		assert_int_equal(ci->command, i);
		assert_int_equal(proto_command_from_name(ci->name), i);
		assert_string_equal(proto_command_name((enum proto_command)i), ci->name);
		assert_non_null(strstr(proto_command_names_list(), ci->name));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(proto_command_name((enum proto_command)j), ci->name);
	}
	assert_null(proto_command_info(PROTO_CMD_COUNT));
	assert_null(proto_command_info((enum proto_command)-1));
	assert_null(proto_command_name(PROTO_CMD_COUNT));
	assert_int_equal(proto_command_from_name("restart"), -1);
	/* Not known to be read-only: treated as needing root. */
	assert_true(proto_command_changes_state(PROTO_CMD_COUNT));
	assert_false(proto_command_changes_state(PROTO_CMD_STATUS));
	assert_true(proto_command_changes_state(PROTO_CMD_FLUSH));
	assert_true(proto_command_changes_state(PROTO_CMD_RELOAD));
	assert_string_equal(proto_command_names_list(), "\"status\", \"flush\" or \"reload\"");

	/* An unknown command is never encoded as some other one. */
	errno = 0;
	assert_null(proto_request_encode(&req, &len));
	assert_int_equal(errno, EINVAL);
	/* And never parsed into one: the error names it and lists the real ones. */
	static const char restart[] = "{\"version\":1,\"command\":\"restart\"}";

	assert_int_equal(proto_request_parse(restart, strlen(restart), &req, &err), -1);
	assert_int_equal(err.code, PROTO_ERR_BAD_REQUEST);
	assert_string_equal(err.message, "unknown command \"restart\": expected \"status\", "
					 "\"flush\" or \"reload\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_table),
		cmocka_unit_test(test_request_encoding_is_one_exact_line),
		cmocka_unit_test(test_request_round_trips),
		cmocka_unit_test(test_request_parse_accepts_spacing_and_key_order),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_embedded_nul_is_rejected),
		cmocka_unit_test(test_size_limit_is_exact),
		cmocka_unit_test(test_truncated_prefixes_never_parse),
		cmocka_unit_test(test_response_ok_round_trip),
		cmocka_unit_test(test_response_error_round_trip),
		cmocka_unit_test(test_response_encoding_exact),
		cmocka_unit_test(test_response_parse_is_tolerant_but_checked),
		cmocka_unit_test(test_error_messages_are_always_sendable),
		cmocka_unit_test(test_utf8_validation),
		cmocka_unit_test(test_utf8_copy_and_prefix),
		cmocka_unit_test(test_json_string_of_any_bytes),
		cmocka_unit_test(test_unencodable_result_says_why),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ifname_validation),
		cmocka_unit_test(test_target_to_json),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
