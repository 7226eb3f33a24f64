// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowctl's command table: for each word the operator can type, the
 * request it sends (proto.h's command table), its line in --help, and how
 * its answer is printed as text.  flowctl_args.c matches words against it
 * and prints the usage from it; flowctl_print.c finds the text printer of
 * a request here.  A command missing from this table is a usage error on
 * the command line and "no printer" in flowctl_print(): nothing falls
 * through to another command's printer.
 */
#include "config.h"

#include <string.h>

#include "flowctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct flowctl_command commands[] = {
	{ "status", "status", "show tunnels, devices and offloaded flows",
	  flowctl_print_status, PROTO_CMD_STATUS, true },
	{ "flush", "flush [all|tunnel NAME|device NAME]",
	  "return offloaded flows to the slow path\n(default: all)",
	  flowctl_print_flush, PROTO_CMD_FLUSH, true },
	{ "reload", "reload", "reload the configuration and wait for\nthe answer",
	  flowctl_print_reload, PROTO_CMD_RELOAD, true },
	/* Not a request of its own: the status, shown another way. */
	{ "metrics", "metrics",
	  "status as Prometheus text (node_exporter's\ntextfile collector reads it)",
	  flowctl_print_metrics, PROTO_CMD_STATUS, false },
};

const struct flowctl_command *flowctl_command_at(size_t i)
{
	return i < ARRAY_SIZE(commands) ? &commands[i] : NULL;
}

const struct flowctl_command *flowctl_command_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const struct flowctl_command *flowctl_command_for_request(enum proto_command request)
{
	/* The command named like the request: "metrics" asks for a status too but is not it. */
	const struct flowctl_command *fc = flowctl_command_by_name(proto_command_name(request));

	return fc != NULL && fc->request == request ? fc : NULL;
}
