// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol's messages: names, encoding and strict parsing.
 * See proto.h for the wire format.  Nothing here does I/O.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The one list of commands: row i is command i. */
static const struct proto_command_info proto_commands[] = {
	[PROTO_CMD_STATUS] = { PROTO_CMD_STATUS, "status", false, false },
	[PROTO_CMD_FLUSH] = { PROTO_CMD_FLUSH, "flush", true, true },
	[PROTO_CMD_RELOAD] = { PROTO_CMD_RELOAD, "reload", true, false },
};

_Static_assert(ARRAY_SIZE(proto_commands) == PROTO_CMD_COUNT,
	       "every enum proto_command needs its row in proto_commands[]");

/* Indexed by the enums in proto.h. */

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

const struct proto_command_info *proto_command_info(enum proto_command cmd)
{
	return (unsigned int)cmd < ARRAY_SIZE(proto_commands) ? &proto_commands[cmd] : NULL;
}

const char *proto_command_name(enum proto_command cmd)
{
	const struct proto_command_info *ci = proto_command_info(cmd);

	return ci != NULL ? ci->name : NULL;
}

int proto_command_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(proto_commands); i++)
		if (strcmp(proto_commands[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool proto_command_changes_state(enum proto_command cmd)
{
	const struct proto_command_info *ci = proto_command_info(cmd);

	/* Anything not known to be read-only is treated as a change. */
	return ci == NULL || ci->changes_state;
}

const char *proto_command_names_list(void)
{
	/* Built on first use; flowd and flowctl are single-threaded. */
	static char list[128];
	size_t used = 0;

	if (list[0] != '\0')
		return list;
	for (size_t i = 0; i < ARRAY_SIZE(proto_commands); i++) {
		const char *sep = i == 0 ? "" : i + 1 == ARRAY_SIZE(proto_commands) ? " or " : ", ";
		int n = snprintf(list + used, sizeof(list) - used, "%s\"%s\"", sep,
				 proto_commands[i].name);

		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;	/* too long for the buffer: keep what fits */
		used += (size_t)n;
	}
	return list;
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

/*
 * Length of the valid UTF-8 sequence that starts s (n > 0 bytes there), 0
 * when none does: the byte ranges of RFC 3629, section 4, which exclude
 * overlong forms, surrogates and code points above U+10FFFF, as jansson
 * does.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

bool proto_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_seq_len(p + i, len - i);
		if (n == 0)
			return false;
	}
	return true;
}

int proto_utf8_prefix(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (p[i]) {
		/* An invalid byte counts as one: it is escaped later anyway. */
		n = utf8_seq_len(p + i, strnlen(s + i, 4));
		if (n == 0)
			n = 1;
		if (i + n > max)
			break;
		i += n;
	}
	return (int)i;
}

size_t proto_utf8_copy(char *out, size_t outlen, const char *in, size_t inlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, n;

	for (size_t i = 0; i < inlen; i += n) {
		n = p[i] ? utf8_seq_len(p + i, inlen - i) : 0;
		if (n == 0) {
			/* Not UTF-8 (or a NUL, which would end the copy): "\xHH". */
			if (o + 4 >= outlen)
				break;
			snprintf(out + o, 5, "\\x%02x", p[i]);
			o += 4;
			n = 1;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, in + i, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

json_t *proto_json_string(const char *s)
{
	size_t len = strlen(s);
	char *buf;
	json_t *j;

	if (proto_utf8_valid(s, len))
		return json_stringn(s, len);
	/* Each invalid byte takes four. */
	buf = malloc(4 * len + 1);
	if (!buf)
		return NULL;
	proto_utf8_copy(buf, 4 * len + 1, s, len);
	j = json_string(buf);
	free(buf);
	return j;
}

/*
 * len bytes of s were all that fit: drop a character cut in the middle
 * (a lead byte followed by fewer continuation bytes than it announces).
 */
static size_t utf8_trim_cut(const char *s, size_t len)
{
	for (size_t back = 1; back <= 3 && back <= len; back++) {
		unsigned char c = (unsigned char)s[len - back];
		size_t need;

		if ((c & 0xc0) == 0x80)
			continue;
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return need > back ? len - back : len;
	}
	return len;
}

void proto_error_set(struct proto_error *err, enum proto_errcode code, const char *fmt, ...)
{
	char buf[sizeof(err->message)];
	va_list ap;
	size_t len;
	int n;

	err->code = code;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		snprintf(err->message, sizeof(err->message), "(unprintable error message)");
		return;
	}
	len = (size_t)n;
	if (len >= sizeof(buf))
		len = utf8_trim_cut(buf, sizeof(buf) - 1);
	/* Messages quote names, config text and jansson's "near '...'": any bytes. */
	proto_utf8_copy(err->message, sizeof(err->message), buf, len);
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

/* No string or key in v is invalid UTF-8 (only *_nocheck can make one). */
static bool json_utf8_valid(json_t *v)
{
	const char *key;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return proto_utf8_valid(json_string_value(v), json_string_length(v));
	case JSON_OBJECT:
		json_object_foreach(v, key, e)
			if (!proto_utf8_valid(key, strlen(key)) || !json_utf8_valid(e))
				return false;
		return true;
	case JSON_ARRAY:
		json_array_foreach(v, i, e)
			if (!json_utf8_valid(e))
				return false;
		return true;
	default:
		return true;
	}
}

/*
 * One compact line: jansson escapes control characters inside strings.
 * NULL with errno ENOMEM, or EILSEQ when msg holds invalid UTF-8.
 */
static char *encode_line(json_t *msg, size_t *len)
{
	char *text, *line;
	size_t n;

	if (!msg) {
		errno = ENOMEM;
		return NULL;
	}
	text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text) {
		/* json_dumps() says nothing; only two things make it fail. */
		errno = json_utf8_valid(msg) ? ENOMEM : EILSEQ;
		json_decref(msg);
		return NULL;
	}
	json_decref(msg);
	n = strlen(text);
	line = realloc(text, n + 2);
	if (!line) {
		free(text);
		errno = ENOMEM;
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
	const struct proto_command_info *ci = proto_command_info(req->command);
	json_t *msg;

	if (ci == NULL) {
		errno = EINVAL;
		return NULL;
	}
	msg = json_pack("{s:i,s:s}", "version", PROTO_VERSION, "command", ci->name);
	if (msg && ci->has_target &&
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
	char message[sizeof(err->message)];

	/* Set by proto_error_set() it is valid already; a caller may have filled it. */
	proto_utf8_copy(message, sizeof(message), err->message,
			strnlen(err->message, sizeof(err->message)));
	return encode_line(json_pack("{s:i,s:b,s:{s:s,s:s}}", "version", PROTO_VERSION, "ok", 0,
				     "error", "code", proto_errcode_name(err->code),
				     "message", message),
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
					"unknown target \"%.*s\": expected \"all\", \"tunnel\" or "
					"\"device\"", proto_utf8_prefix(key, 64), key);
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
					"target %s \"%.*s\" is not a valid interface name", key,
					proto_utf8_prefix(json_string_value(v), 64),
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
	const struct proto_command_info *ci;
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
				"unknown command \"%.*s\": expected %s",
				proto_utf8_prefix(json_string_value(cmd), 64), json_string_value(cmd),
				proto_command_names_list());
		goto out;
	}
	memset(req, 0, sizeof(*req));
	req->command = (enum proto_command)c;
	ci = proto_command_info(req->command);

	json_object_foreach(root, key, v) {
		if (strcmp(key, "version") == 0 || strcmp(key, "command") == 0)
			continue;
		if (strcmp(key, "target") == 0 && ci->has_target)
			continue;
		proto_error_set(err, PROTO_ERR_BAD_REQUEST, "unknown key \"%.*s\" in a %s request",
				proto_utf8_prefix(key, 64), key, ci->name);
		goto out;
	}
	if (ci->has_target) {
		v = json_object_get(root, "target");
		if (!v) {
			proto_error_set(err, PROTO_ERR_BAD_REQUEST,
					"%s needs a \"target\": {\"all\":true}, {\"tunnel\":NAME} "
					"or {\"device\":NAME}", ci->name);
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
	/* Cut between characters; a "\u0000" inside must not end it unseen. */
	proto_utf8_copy(out->message, sizeof(out->message), json_string_value(msg),
			json_string_length(msg));
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
