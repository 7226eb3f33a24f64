// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowctl: the operator's command line for a running flowd.  Parses argv,
 * asks the daemon over its control socket, prints the answer; the exit
 * code says what went wrong (see flowctl.h and flowctl(8)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "flowctl.h"
#include "version.h"

int main(int argc, char **argv)
{
	struct proto_response resp;
	struct flowctl_args args;
	char err[1024], esc[FLOWCTL_ESCAPED_MAX(sizeof(err))];
	int rc;

	if (flowctl_parse_args(argc, argv, &args, err, sizeof(err)) < 0) {
		fprintf(stderr, "flowctl: %s\nTry 'flowctl --help' for more information.\n",
			flowctl_escape(err, esc, sizeof(esc)));
		return FLOWCTL_EXIT_USAGE;
	}
	if (args.action == FLOWCTL_HELP) {
		flowctl_usage(stdout);
		return FLOWCTL_EXIT_OK;
	}
	if (args.action == FLOWCTL_VERSION) {
		version_print(stdout, "flowctl");
		return FLOWCTL_EXIT_OK;
	}

	rc = flowctl_call(args.socket_path, &args.req, FLOWCTL_TIMEOUT_MS, &resp, err,
			  sizeof(err));
	if (rc != FLOWCTL_EXIT_OK) {
		/* Quotes the socket path, or the daemon's malformed answer. */
		fprintf(stderr, "flowctl: %s\n", flowctl_escape(err, esc, sizeof(esc)));
		return rc;
	}
	if (!resp.ok)
		rc = flowctl_print_error(stderr, args.req.command, &resp.error);
	else if (args.metrics)
		/* Not the request's own printer: the command table's row says how. */
		rc = args.command->print_text(stdout, resp.result) < 0 || fflush(stdout) != 0
			     ? FLOWCTL_EXIT_FAILED : rc;
	else if (flowctl_print(stdout, args.req.command, resp.result, args.json) < 0)
		rc = FLOWCTL_EXIT_FAILED;
	else if (args.req.command == PROTO_CMD_STATUS)
		/* Scripts and monitoring can ask "is the fast path in place?". */
		rc = flowctl_status_exit(resp.result);
	proto_response_clear(&resp);
	return rc;
}
