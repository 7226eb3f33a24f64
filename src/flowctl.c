// SPDX-License-Identifier: GPL-2.0-or-later
/* flowctl: the operator's command line for a running flowd. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

#define FLOWCTL_DEFAULT_SOCKET RUNSTATEDIR "/flowd/flowd.sock"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: flowctl [OPTIONS] COMMAND\n"
		"Query and control a running flowd.\n"
		"\n"
		"Commands:\n"
		"  status                          show tunnels, devices and offloaded flows\n"
		"  flush [all|tunnel NAME|device NAME]\n"
		"                                  return offloaded flows to the slow path\n"
		"  reload                          reload the configuration (as SIGHUP)\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"  -j, --json          print JSON instead of text\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n",
		FLOWCTL_DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+s:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'j':
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version_print(stdout, "flowctl");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	fprintf(stderr, "flowctl: '%s': the control socket is not built yet\n", argv[optind]);
	return 1;
}
