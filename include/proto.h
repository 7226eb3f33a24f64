/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol between flowd and flowctl: one JSON object per
 * line (UTF-8, '\n'-terminated) each way, one response per request.
 *
 *   request   {"version":1,"command":"status"}
 *             {"version":1,"command":"flush","target":{"all":true}}
 *             {"version":1,"command":"flush","target":{"tunnel":"tun0"}}
 *             {"version":1,"command":"flush","target":{"device":"eth1"}}
 *             {"version":1,"command":"reload"}
 *   response  {"version":1,"ok":true,"result":{...}}
 *             {"version":1,"ok":false,"error":{"code":"...","message":"..."}}
 *
 * Everything here is pure (no I/O), so both ends and the unit tests share
 * one definition of what is valid.
 */
#ifndef FLOWD_PROTO_H
#define FLOWD_PROTO_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#define PROTO_VERSION 1
/* Caps include the terminating newline. */
#define PROTO_MAX_REQUEST (64 * 1024)
#define PROTO_MAX_RESPONSE (4 * 1024 * 1024)

/*
 * The commands, in the order of the table in proto.c that says what each
 * one is called and carries.  flowctl's commands (flowctl_commands.c) and
 * the daemon's handlers (daemon_control.c) are tables indexed by these too.
 */
enum proto_command {
	PROTO_CMD_STATUS,
	PROTO_CMD_FLUSH,
	PROTO_CMD_RELOAD,
	PROTO_CMD_COUNT,		/* not a command: how many there are */
};

struct proto_command_info {
	enum proto_command command;
	const char *name;		/* on the wire and in flowctl */
	bool changes_state;		/* needs root (flush, reload) */
	bool has_target;		/* the request carries a "target" (flush) */
};

enum proto_target_kind {
	PROTO_TARGET_ALL,
	PROTO_TARGET_TUNNEL,
	PROTO_TARGET_DEVICE,
};

/* What a flush applies to; name is set for TUNNEL and DEVICE only. */
struct proto_target {
	enum proto_target_kind kind;
	char name[IFNAMSIZ];
};

struct proto_request {
	enum proto_command command;
	struct proto_target target;	/* commands with has_target (flush) only */
};

enum proto_errcode {
	PROTO_ERR_PERMISSION_DENIED,
	PROTO_ERR_BAD_REQUEST,
	PROTO_ERR_UNSUPPORTED_VERSION,
	PROTO_ERR_NOT_FOUND,
	PROTO_ERR_INTERNAL,
	PROTO_ERR_RELOAD_FAILED,
};

struct proto_error {
	enum proto_errcode code;
	char message[512];
};

/* A parsed response; result is a reference owned by the struct. */
struct proto_response {
	bool ok;
	json_t *result;			/* ok: always a JSON object */
	struct proto_error error;	/* !ok */
};

/* The table row for cmd; NULL for a value that is not a command. */
const struct proto_command_info *proto_command_info(enum proto_command cmd);
/* "status", "flush", "reload"; NULL for an unknown value. */
const char *proto_command_name(enum proto_command cmd);
/* Exact name -> command; -1 if unknown. */
int proto_command_from_name(const char *name);
/* flush and reload change the daemon's state and need root; so does an unknown value. */
bool proto_command_changes_state(enum proto_command cmd);
/* "\"status\", \"flush\" or \"reload\"": the commands, for error messages. */
const char *proto_command_names_list(void);

/* "all", "tunnel", "device"; NULL for an unknown value. */
const char *proto_target_kind_name(enum proto_target_kind kind);
/* {"all":true} or {"tunnel":"tun0"}: also the "target" of a flush result. */
json_t *proto_target_to_json(const struct proto_target *target);

/* "permission-denied", "bad-request", ...; "internal" for unknown values. */
const char *proto_errcode_name(enum proto_errcode code);
/* Exact name -> code; -1 if unknown. */
int proto_errcode_from_name(const char *name);
/* The message is always valid UTF-8: invalid bytes escaped, cut between characters. */
void proto_error_set(struct proto_error *err, enum proto_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Every string flowd sends must be valid UTF-8, or jansson refuses to
 * encode it; names and config text from the kernel and from files need
 * not be.  These make any bytes sendable: a byte that does not belong to
 * a valid UTF-8 sequence becomes the four characters "\xHH", and a copy
 * is only ever cut between characters.
 */
/* s[0..len) is valid UTF-8 (no overlong forms, surrogates or > U+10FFFF). */
bool proto_utf8_valid(const char *s, size_t len);
/*
 * The longest prefix of the NUL-terminated s that has at most max bytes
 * and ends on a character boundary: for "%.*s" instead of "%.64s".
 */
int proto_utf8_prefix(const char *s, size_t max);
/*
 * Copy in[0..inlen) to out (outlen > 0 bytes, NUL included) made valid as
 * above, cut at a character boundary if it does not fit.  Returns the
 * length written (without the NUL).
 */
size_t proto_utf8_copy(char *out, size_t outlen, const char *in, size_t inlen);
/* A JSON string of s made valid as above; NULL only when out of memory. */
json_t *proto_json_string(const char *s);

/*
 * An interface name the kernel would accept (1 to IFNAMSIZ-1 bytes; not
 * "." or ".."; no '/', ':', whitespace or control characters).
 */
bool proto_ifname_valid(const char *name);

/*
 * Encoders return one malloc()ed, '\n'-terminated, NUL-terminated line and
 * its length (newline included) in *len; NULL with errno ENOMEM when out
 * of memory.
 */
char *proto_request_encode(const struct proto_request *req, size_t *len);
/*
 * result: any JSON object, borrowed (NULL encodes {}).  NULL with errno
 * EILSEQ when result holds a string that is not valid UTF-8 (made with
 * jansson's *_nocheck functions), which JSON cannot carry.
 */
char *proto_response_encode_ok(json_t *result, size_t *len);
/*
 * Never fails but for memory: the message is made valid UTF-8 on the way
 * (proto_utf8_copy), so any bytes an error text quotes can be sent.
 */
char *proto_response_encode_error(const struct proto_error *err, size_t *len);

/*
 * Parse one request line (a trailing '\n' is allowed, nothing after it).
 * Strict: anything but exactly the documented keys and types is
 * bad-request; a version other than PROTO_VERSION is unsupported-version.
 * Returns 0, or -1 with err set (req is then undefined).
 */
int proto_request_parse(const char *buf, size_t len, struct proto_request *req,
			struct proto_error *err);

/*
 * Parse one response line.  Returns 0 for a well-formed response (ok or
 * not: see resp->ok), or -1 with err->message saying what is wrong with it.
 * Unknown keys are ignored and an unknown error code reads as internal, so
 * an older flowctl still shows a newer daemon's errors.
 */
int proto_response_parse(const char *buf, size_t len, struct proto_response *resp,
			 struct proto_error *err);
void proto_response_clear(struct proto_response *resp);

#endif
