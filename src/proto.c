// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's messages: names, encoding and strict parsing.
 * See proto.h for the wire format.  Nothing here does I/O.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Indexed by the enums in proto.h. */
static const char *const proto_commands[] = {
	[PROTO_CMD_STATUS] = "status",
	[PROTO_CMD_FLUSH] = "flush",
	[PROTO_CMD_RELOAD] = "reload",
};

static const char *const proto_target_kinds[] = {
	[PROTO_TARGET_ALL] = "all",
	[PROTO_TARGET_TUNNEL] = "tunnel",
	[PROTO_TARGET_DEVICE] = "device",
};

static const char *const proto_errcodes[] = {
	[PROTO_ERR_PERMISSION_DENIED] = "permission-denied",
	[PROTO_ERR_BAD_REQUEST] = "bad-request",
	[PROTO_ERR_UNSUPPORTED_VERSION] = "unsupported-version",
	[PROTO_ERR_NOT_FOUND] = "not-found",
	[PROTO_ERR_INTERNAL] = "internal",
	[PROTO_ERR_RELOAD_FAILED] = "reload-failed",
};

static int name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *proto_command_name(enum proto_command cmd)
{
	return (unsigned int)cmd < ARRAY_SIZE(proto_commands) ? proto_commands[cmd] : NULL;
}

int proto_command_from_name(const char *name)
{
	return name_index(proto_commands, ARRAY_SIZE(proto_commands), name);
}

bool proto_command_changes_state(enum proto_command cmd)
{
	/* Anything not known to be read-only is treated as a change. */
	return cmd != PROTO_CMD_STATUS;
}

const char *proto_target_kind_name(enum proto_target_kind kind)
{
	return (unsigned int)kind < ARRAY_SIZE(proto_target_kinds) ? proto_target_kinds[kind]
								    : NULL;
}

const char *proto_errcode_name(enum proto_errcode code)
{
	return (unsigned int)code < ARRAY_SIZE(proto_errcodes) ? proto_errcodes[code]
							       : "internal";
}

int proto_errcode_from_name(const char *name)
{
	return name_index(proto_errcodes, ARRAY_SIZE(proto_errcodes), name);
}

void proto_error_set(struct proto_error *err, enum proto_errcode code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

bool proto_ifname_valid(const char *name)
{
	size_t len = strnlen(name, IFNAMSIZ);

	/* The kernel's dev_valid_name(), plus no control characters. */
	if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == ':')
			return false;
	return true;
}

json_t *proto_target_to_json(const struct proto_target *target)
{
	switch (target->kind) {
	case PROTO_TARGET_ALL:
		return json_pack("{s:b}", "all", 1);
	case PROTO_TARGET_TUNNEL:
	case PROTO_TARGET_DEVICE:
		return json_pack("{s:s}", proto_target_kind_name(target->kind), target->name);
	}
	return NULL;
}

/* One compact line: jansson escapes control characters inside strings. */
static char *encode_line(json_t *msg, size_t *len)
{
	char *text, *line;
	size_t n;

	if (!msg)
		return NULL;
	text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(msg);
	if (!text)
		return NULL;
	n = strlen(text);
	line = realloc(text, n + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	if (len)
		*len = n + 1;
	return line;
}

char *proto_request_encode(const struct proto_request *req, size_t *len)
{
	const char *name = proto_command_name(req->command);
	json_t *msg;

	if (!name)
		return NULL;
	msg = json_pack("{s:i,s:s}", "version", PROTO_VERSION, "command", name);
	if (msg && req->command == PROTO_CMD_FLUSH &&
	    json_object_set_new(msg, "target", proto_target_to_json(&req->target)) < 0) {
		json_decref(msg);
		return NULL;
	}
	return encode_line(msg, len);
}

char *proto_response_encode_ok(json_t *result, size_t *len)
{
	json_t *msg = json_pack("{s:i,s:b}", "version", PROTO_VERSION, "ok", 1);

	if (msg && json_object_set_new(msg, "result", result ? json_incref(result)
							      : json_object()) < 0) {
		json_decref(msg);
		return NULL;
	}
	return encode_line(msg, len);
}

char *proto_response_encode_error(const struct proto_error *err, size_t *len)
{
	return encode_line(json_pack("{s:i,s:b,s:{s:s,s:s}}", "version", PROTO_VERSION, "ok", 0,
				     "error", "code", proto_errcode_name(err->code),
				     "message", err->message),
			   len);
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

/*
 * Decode one line into a JSON object.  jansson already rejects invalid
 * UTF-8 and "\u0000"; a raw NUL byte is caught first, so the message says
 * what is wrong instead of pointing at a position.
 */
static json_t *load_line(const char *buf, size_t len, size_t max, const char *what,
			 enum proto_errcode toobig, struct proto_error *err)
{
	json_error_t jerr;
	json_t *root;

	if (len > max) {
		proto_error_set(err, toobig, "%s too large (%zu bytes, at most %zu)", what, len, max);
		return NULL;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (memchr(buf, '\0', len)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "%s contains a NUL byte", what);
		return NULL;
	}
	if (memchr(buf, '\n', len)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "%s spans more than one line", what);
		return NULL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "%s is not valid JSON: %s (at byte %d)",
				what, jerr.text, jerr.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "%s must be a JSON object, not %s", what,
				json_type_name(root));
		json_decref(root);
		return NULL;
	}
	return root;
}

/*
 * The version is checked before anything else: a newer client may send
 * keys this daemon does not know, and "unsupported-version" is the useful
 * answer then, not "unknown key".
 */
static int check_version(json_t *root, const char *what, const char *we,
			 struct proto_error *err)
{
	json_t *v = json_object_get(root, "version");

	if (!v) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "%s has no \"version\"", what);
		return -1;
	}
	if (!json_is_integer(v)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "\"version\" must be an integer, not %s",
				json_type_name(v));
		return -1;
	}
	if (json_integer_value(v) != PROTO_VERSION) {
		proto_error_set(err, PROTO_ERR_UNSUPPORTED_VERSION,
				"protocol version %" JSON_INTEGER_FORMAT " is not supported (%s speaks "
				"version %d)", json_integer_value(v), we, PROTO_VERSION);
		return -1;
	}
	return 0;
}

static int parse_target(json_t *t, struct proto_target *target, struct proto_error *err)
{
	const char *key;
	json_t *v;
	int kind;

	if (!json_is_object(t)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "\"target\" must be an object, not %s",
				json_type_name(t));
		return -1;
	}
	if (json_object_size(t) != 1) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				"\"target\" must have exactly one of \"all\", \"tunnel\", \"device\"");
		return -1;
	}
	json_object_foreach(t, key, v) {
		kind = name_index(proto_target_kinds, ARRAY_SIZE(proto_target_kinds), key);
		if (kind < 0) {
			proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					"unknown target \"%.64s\": expected \"all\", \"tunnel\" or "
					"\"device\"", key);
			return -1;
		}
		target->kind = (enum proto_target_kind)kind;
		if (kind == PROTO_TARGET_ALL) {
			if (!json_is_true(v)) {
				proto_error_set(err, PROTO_ERR_BAD_REQUEST,
						"target \"all\" must be true");
				return -1;
			}
			target->name[0] = '\0';
			continue;
		}
		if (!json_is_string(v)) {
			proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					"target \"%s\" must be a string, not %s", key, json_type_name(v));
			return -1;
		}
		if (strlen(json_string_value(v)) != json_string_length(v) ||
		    !proto_ifname_valid(json_string_value(v))) {
			proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					"target %s \"%.64s\" is not a valid interface name", key,
					json_string_value(v));
			return -1;
		}
		/* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.strcpy): valid ifname, < IFNAMSIZ */
		strcpy(target->name, json_string_value(v));
	}
	return 0;
}

int proto_request_parse(const char *buf, size_t len, struct proto_request *req,
			struct proto_error *err)
{
	json_t *root, *cmd, *v;
	const char *key;
	int c, rc = -1;

	root = load_line(buf, len, PROTO_MAX_REQUEST, "request", PROTO_ERR_BAD_REQUEST, err);
	if (!root)
		return -1;
	if (check_version(root, "request", "flowd", err) < 0)
		goto out;

	cmd = json_object_get(root, "command");
	if (!cmd) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "request has no \"command\"");
		goto out;
	}
	if (!json_is_string(cmd)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "\"command\" must be a string, not %s",
				json_type_name(cmd));
		goto out;
	}
	c = proto_command_from_name(json_string_value(cmd));
	if (c < 0) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				"unknown command \"%.64s\": expected \"status\", \"flush\" or \"reload\"",
				json_string_value(cmd));
		goto out;
	}
	memset(req, 0, sizeof(*req));
	req->command = (enum proto_command)c;

	json_object_foreach(root, key, v) {
		if (strcmp(key, "version") == 0 || strcmp(key, "command") == 0)
			continue;
		if (strcmp(key, "target") == 0 && req->command == PROTO_CMD_FLUSH)
			continue;
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "unknown key \"%.64s\" in a %s request",
				key, proto_command_name(req->command));
		goto out;
	}
	if (req->command == PROTO_CMD_FLUSH) {
		v = json_object_get(root, "target");
		if (!v) {
			proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					"flush needs a \"target\": {\"all\":true}, {\"tunnel\":NAME} "
					"or {\"device\":NAME}");
			goto out;
		}
		if (parse_target(v, &req->target, err) < 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static int parse_error_object(json_t *e, struct proto_error *out, struct proto_error *err)
{
	json_t *code = json_object_get(e, "code"), *msg = json_object_get(e, "message");
	int c;

	if (!json_is_object(e) || !json_is_string(code) || !json_is_string(msg)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST,
				"\"error\" must be an object with string \"code\" and \"message\"");
		return -1;
	}
	c = proto_errcode_from_name(json_string_value(code));
	out->code = c < 0 ? PROTO_ERR_INTERNAL : (enum proto_errcode)c;
	snprintf(out->message, sizeof(out->message), "%s", json_string_value(msg));
	return 0;
}

int proto_response_parse(const char *buf, size_t len, struct proto_response *resp,
			 struct proto_error *err)
{
	json_t *root, *ok, *result;
	int rc = -1;

	memset(resp, 0, sizeof(*resp));
	root = load_line(buf, len, PROTO_MAX_RESPONSE, "response", PROTO_ERR_INTERNAL, err);
	if (!root)
		return -1;
	if (check_version(root, "response", "flowctl", err) < 0)
		goto out;
	ok = json_object_get(root, "ok");
	if (!json_is_boolean(ok)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "response has no boolean \"ok\"");
		goto out;
	}
	resp->ok = json_is_true(ok);
	if (!resp->ok) {
		rc = parse_error_object(json_object_get(root, "error"), &resp->error, err);
		goto out;
	}
	result = json_object_get(root, "result");
	if (!json_is_object(result)) {
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "response has no \"result\" object");
		goto out;
	}
	resp->result = json_incref(result);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

void proto_response_clear(struct proto_response *resp)
{
	json_decref(resp->result);
	resp->result = NULL;
}
