// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowctl's command line: options first (as with ip and nft), then a
 * command; commands and flush targets may be abbreviated to any unique
 * prefix, in the way of bgpctl and birdc.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "flowctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MATCH_AMBIGUOUS (-2)

static const char *const commands[] = { "status", "flush", "reload", "metrics" };
/* metrics asks for the status and prints it in another form. */
static const enum proto_command command_ids[] = { PROTO_CMD_STATUS, PROTO_CMD_FLUSH,
						  PROTO_CMD_RELOAD, PROTO_CMD_STATUS };
#define METRICS 3
static const char *const targets[] = { "all", "tunnel", "device" };
static const enum proto_target_kind target_ids[] = { PROTO_TARGET_ALL, PROTO_TARGET_TUNNEL,
						     PROTO_TARGET_DEVICE };

void flowctl_usage(FILE *out)
{
	fprintf(out,
		"Usage: flowctl [OPTIONS] COMMAND\n"
		"Query and control a running flowd.\n"
		"\n"
		"Commands (any unique prefix will do):\n"
		"  status                          show tunnels, devices and offloaded flows\n"
		"  flush [all|tunnel NAME|device NAME]\n"
		"                                  return offloaded flows to the slow path\n"
		"                                  (default: all)\n"
		"  reload                          reload the configuration and wait for\n"
		"                                  the answer\n"
		"  metrics                         status as Prometheus text (node_exporter's\n"
		"                                  textfile collector reads it)\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"  -j, --json          print JSON instead of text\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n",
		FLOWCTL_DEFAULT_SOCKET);
}

/* Index of word in names: exact match, else the only prefix match. */
static int match(const char *word, const char *const *names, size_t n)
{
	int found = -1;
	size_t len = strlen(word);

	if (len == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(word, names[i]) == 0)
			return (int)i;
		if (strncmp(word, names[i], len) == 0)
			found = found == -1 ? (int)i : MATCH_AMBIGUOUS;
	}
	return found;
}

static int parse_flush(int argc, char **argv, struct proto_target *target, char *err,
		       size_t errlen)
{
	int i;

	target->kind = PROTO_TARGET_ALL;
	if (argc == 0)
		return 0;
	i = match(argv[0], targets, ARRAY_SIZE(targets));
	if (i < 0) {
		snprintf(err, errlen, "flush: %s target '%s': expected all, tunnel NAME or device NAME",
			 i == MATCH_AMBIGUOUS ? "ambiguous" : "unknown", argv[0]);
		return -1;
	}
	target->kind = target_ids[i];
	if (target->kind == PROTO_TARGET_ALL) {
		if (argc > 1) {
			snprintf(err, errlen, "flush all: unexpected argument '%s'", argv[1]);
			return -1;
		}
		return 0;
	}
	if (argc < 2) {
		snprintf(err, errlen, "flush %s: missing NAME", targets[i]);
		return -1;
	}
	if (!proto_ifname_valid(argv[1])) {
		snprintf(err, errlen, "flush %s: '%s' is not a valid interface name", targets[i],
			 argv[1]);
		return -1;
	}
	if (argc > 2) {
		snprintf(err, errlen, "flush %s %s: unexpected argument '%s'", targets[i], argv[1],
			 argv[2]);
		return -1;
	}
	strcpy(target->name, argv[1]);	/* NOLINT(clang-analyzer-security.insecureAPI.strcpy): valid ifname */
	return 0;
}

int flowctl_parse_args(int argc, char **argv, struct flowctl_args *args, char *err,
		       size_t errlen)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	memset(args, 0, sizeof(*args));
	args->socket_path = FLOWCTL_DEFAULT_SOCKET;
	/* optind = 0 makes glibc's getopt start over; we print our own errors. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!optarg[0]) {
				snprintf(err, errlen, "empty socket path");
				return -1;
			}
			args->socket_path = optarg;
			break;
		case 'j':
			args->json = true;
			break;
		case 'h':
			args->action = FLOWCTL_HELP;
			return 0;
		case 'V':
			args->action = FLOWCTL_VERSION;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		snprintf(err, errlen, "no command given");
		return -1;
	}
	i = match(argv[optind], commands, ARRAY_SIZE(commands));
	if (i < 0) {
		snprintf(err, errlen, "%s command '%s': expected status, flush, reload or metrics",
			 i == MATCH_AMBIGUOUS ? "ambiguous" : "unknown", argv[optind]);
		return -1;
	}
	args->action = FLOWCTL_RUN;
	args->req.command = command_ids[i];
	args->metrics = i == METRICS;
	optind++;
	if (args->metrics && args->json) {
		snprintf(err, errlen, "metrics: --json does not apply (use status --json)");
		return -1;
	}
	if (args->req.command == PROTO_CMD_FLUSH)
		return parse_flush(argc - optind, argv + optind, &args->req.target, err, errlen);
	if (optind < argc) {
		snprintf(err, errlen, "%s: unexpected argument '%s'", commands[i], argv[optind]);
		return -1;
	}
	return 0;
}
