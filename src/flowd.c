// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowd: keeps a netfilter flowtable in step with the tunnels and devices
 * of a Linux router.  This file holds the command line and start-up.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "nft.h"
#include "plan.h"
#include "topo.h"
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

/*
 * Does this kernel offload tunnel outer headers?  Asked the way the
 * daemon learns it, with the flowtable tunnel flag, in a batch the kernel
 * checks and then aborts (nft_probe_flowtable_flags): nothing changes.
 */
static enum accel_kernel probe_kernel(char *why, size_t len)
{
	struct nft_ctx *nft = NULL;
	char err[512];
	int r;

	r = nft_ctx_open(&nft);
	if (r < 0) {
		snprintf(why, len, "cannot ask the kernel: %s", strerror(-r));
		return ACCEL_KERNEL_UNKNOWN;
	}
	r = nft_probe_flowtable_flags(nft, NFT_FT_F_TUNNEL, err, sizeof(err));
	nft_ctx_close(nft);
	if (r > 0) {
		snprintf(why, len, "flag accepted by a test batch, not applied");
		return ACCEL_KERNEL_OUTER;
	}
	if (r == 0) {
		snprintf(why, len, "flag refused by a test batch: %s", strerror(EOPNOTSUPP));
		return ACCEL_KERNEL_INNER;
	}
	snprintf(why, len, "cannot tell until applied: %s", err);
	return ACCEL_KERNEL_UNKNOWN;
}

/*
 * --check: the config is valid or not (exit 0/1); when it is, show what
 * flowd would put in the flowtable on this machine right now, and what the
 * kernel would do with each tunnel.  Reads rtnetlink and asks nftables in
 * a batch that is never committed: changes nothing.
 */
static int check_config(const struct flowd_options *opt)
{
	struct conf *conf = NULL;
	struct topo_ctx *topo = NULL;
	struct topo snap = { 0 };
	struct plan plan = { 0 };
	char err[512];

	if (conf_load(opt->conf_path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "flowd: %s\n", err);
		return 1;
	}
	printf("%s: configuration OK\n", opt->conf_path);
	if (opt->debug) {
		printf("\n# normalized configuration\n");
		conf_print(stdout, conf);
	}
	if (topo_init(&topo, NULL, NULL, NULL) < 0 || topo_snapshot(topo, &snap) < 0) {
		printf("(no plan: cannot read this machine's topology)\n");
	} else if (plan_compute(conf, &snap, &plan) < 0) {
		printf("(no plan: out of memory)\n");
	} else {
		printf("\nPlan for table %s %s, flowtable %s:\n", conf->table_family,
		       conf->table_name, conf->flowtable_name);
		char why[600];
		enum accel_kernel k;

		plan_print(stdout, &plan);
		k = probe_kernel(why, sizeof(why));
		printf("\n");
		plan_print_accel(stdout, &plan, k, why);
	}
	plan_free(&plan);
	topo_free(&snap);
	if (topo)
		topo_fini(topo);
	conf_free(conf);
	return 0;
}

int main(int argc, char **argv)
{
	struct flowd_options opt = { .conf_path = FLOWD_DEFAULT_CONF };
	struct flowd fd;
	struct conf *conf = NULL;
	char err[512];
	int status;

	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	log_init("flowd", opt.foreground || opt.check_only,
		 opt.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if (opt.check_only)
		return check_config(&opt);

	/* A bad file stops the start before anything touches the kernel. */
	if (conf_load(opt.conf_path, &conf, err, sizeof(err)) < 0) {
		log_err("%s", err);
		log_err("not starting: fix the configuration (check it with flowd -n -c FILE)");
		return 1;
	}
	/*
	 * Set up with root's full powers (the control socket bound and given
	 * to its group, every netlink socket open), then keep only what the
	 * running daemon needs.
	 */
	if (daemon_init(&fd, opt.conf_path, conf, opt.debug) < 0 || caps_drop() < 0) {
		daemon_fini(&fd);
		return 1;
	}
	status = daemon_run(&fd);
	daemon_fini(&fd);
	return status;
}
