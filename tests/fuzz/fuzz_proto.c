// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol: one request line (flowd's side) and one response
 * line (flowctl's side).  What parses must encode again and parse back to
 * the same thing; what does not parse gets an error reply, which must
 * encode (flowd sends it to the client) and parse back as that error.
 */
#include <stdio.h>

#include "fuzz_util.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What flowd sends for err: always a line, which flowctl reads back as err. */
static void error_reply(const struct proto_error *err)
{
	struct proto_response resp;
	struct proto_error perr;
	size_t len;
	char *line = proto_response_encode_error(err, &len);

	if (!line) {
		fprintf(stderr, "error reply not encoded: %s\n", err->message);
		abort();
	}
	if (proto_response_parse(line, len, &resp, &perr) < 0 || resp.ok ||
	    resp.error.code != err->code || strcmp(resp.error.message, err->message) != 0) {
		fprintf(stderr, "error reply did not round-trip: %s", line);
		abort();
	}
	free(line);
}

static void request(const char *buf, size_t size)
{
	struct proto_request req, again;
	struct proto_error err;
	size_t len;
	char *line;

	if (proto_request_parse(buf, size, &req, &err) < 0) {
		if (!proto_errcode_name(err.code) || strlen(err.message) >= sizeof(err.message))
			abort();
		error_reply(&err);
		return;
	}
	line = proto_request_encode(&req, &len);
	if (!line)
		abort();
	if (proto_request_parse(line, len, &again, &err) < 0 || again.command != req.command ||
	    (req.command == PROTO_CMD_FLUSH &&
	     (again.target.kind != req.target.kind ||
	      strcmp(again.target.name, req.target.name) != 0))) {
		fprintf(stderr, "request did not round-trip: %s", line);
		abort();
	}
	free(line);
}

static void response(const char *buf, size_t size)
{
	struct proto_response resp, again;
	struct proto_error err;
	size_t len;
	char *line;

	if (proto_response_parse(buf, size, &resp, &err) < 0) {
		error_reply(&err);
		return;
	}
	if (resp.ok)
		line = proto_response_encode_ok(resp.result, &len);
	else
		line = proto_response_encode_error(&resp.error, &len);
	if (!line)
		abort();
	if (proto_response_parse(line, len, &again, &err) < 0 || again.ok != resp.ok ||
	    (resp.ok && !json_equal(again.result, resp.result)) ||
	    (!resp.ok && (again.error.code != resp.error.code ||
			  strcmp(again.error.message, resp.error.message) != 0))) {
		fprintf(stderr, "response did not round-trip: %s", line);
		abort();
	}
	proto_response_clear(&again);
	proto_response_clear(&resp);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;

	if (size > PROTO_MAX_REQUEST + 16)
		return -1;
	buf = fuzz_copy(data, size);
	if (!buf)
		abort();
	request(buf, size);
	response(buf, size);
	(void)proto_ifname_valid(buf);
	free(buf);
	return 0;
}
