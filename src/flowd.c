// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowd: keeps a netfilter flowtable in step with the tunnels and devices
 * of a Linux router.  This file holds the command line and start-up.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "version.h"

#define FLOWD_DEFAULT_CONF SYSCONFDIR "/flowd.conf"

struct flowd_options {
	const char *conf_path;
	bool foreground;
	bool check_only;
	bool debug;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: flowd [OPTIONS]\n"
		"Keep a netfilter flowtable in step with the router's tunnels and devices.\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -f, --foreground    stay in the foreground and log to stderr\n"
		"  -n, --check         validate the configuration, print the plan, exit\n"
		"  -d, --debug         log debug messages\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n",
		FLOWD_DEFAULT_CONF);
}

static int parse_options(int argc, char **argv, struct flowd_options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:fndhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->conf_path = optarg;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 'n':
			opt->check_only = true;
			break;
		case 'd':
			opt->debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			version_print(stdout, "flowd");
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "flowd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct flowd_options opt = { .conf_path = FLOWD_DEFAULT_CONF };

	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	log_init("flowd", true, opt.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	log_err("the daemon core is not built yet (see issue: flowd core)");
	return 1;
}
