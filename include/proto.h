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

enum proto_command {
	PROTO_CMD_STATUS,
	PROTO_CMD_FLUSH,
	PROTO_CMD_RELOAD,
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
	struct proto_target target;	/* PROTO_CMD_FLUSH only */
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

/* "status", "flush", "reload"; NULL for an unknown value. */
const char *proto_command_name(enum proto_command cmd);
/* Exact name -> command; -1 if unknown. */
int proto_command_from_name(const char *name);
/* flush and reload change the daemon's state and need root. */
bool proto_command_changes_state(enum proto_command cmd);

/* "all", "tunnel", "device"; NULL for an unknown value. */
const char *proto_target_kind_name(enum proto_target_kind kind);
/* {"all":true} or {"tunnel":"tun0"}: also the "target" of a flush result. */
json_t *proto_target_to_json(const struct proto_target *target);

/* "permission-denied", "bad-request", ...; "internal" for unknown values. */
const char *proto_errcode_name(enum proto_errcode code);
/* Exact name -> code; -1 if unknown. */
int proto_errcode_from_name(const char *name);
void proto_error_set(struct proto_error *err, enum proto_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * An interface name the kernel would accept (1 to IFNAMSIZ-1 bytes; not
 * "." or ".."; no '/', ':', whitespace or control characters).
 */
bool proto_ifname_valid(const char *name);

/*
 * Encoders return one malloc()ed, '\n'-terminated, NUL-terminated line and
 * its length (newline included) in *len; NULL when out of memory.
 */
char *proto_request_encode(const struct proto_request *req, size_t *len);
/* result: any JSON object, borrowed (NULL encodes {}). */
char *proto_response_encode_ok(json_t *result, size_t *len);
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
