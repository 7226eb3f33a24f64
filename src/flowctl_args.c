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

static const char *const targets[] = { "all", "tunnel", "device" };
static const enum proto_target_kind target_ids[] = { PROTO_TARGET_ALL, PROTO_TARGET_TUNNEL,
						     PROTO_TARGET_DEVICE };

/* The help column starts here; a longer synopsis gets a line of its own. */
#define HELP_COLUMN 34

static void usage_command(FILE *out, const struct flowctl_command *fc)
{
	const char *line = fc->help;
	int pad = HELP_COLUMN - 2 - (int)strlen(fc->synopsis);

	fprintf(out, "  %s", fc->synopsis);
	if (pad < 2) {
		fputc('\n', out);
		pad = HELP_COLUMN;
	}
	/* Each help line, the first after the synopsis, the rest under it. */
	for (;;) {
		size_t len = strcspn(line, "\n");

		fprintf(out, "%*s%.*s\n", pad, "", (int)len, line);
		if (line[len] == '\0')
			break;
		line += len + 1;
		pad = HELP_COLUMN;
	}
}

void flowctl_usage(FILE *out)
{
	const struct flowctl_command *fc;

	fputs("Usage: flowctl [OPTIONS] COMMAND\n"
	      "Query and control a running flowd.\n"
	      "\n"
	      "Commands (any unique prefix will do):\n", out);
	for (size_t i = 0; (fc = flowctl_command_at(i)) != NULL; i++)
		usage_command(out, fc);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"  -j, --json          print JSON instead of text\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n",
		FLOWCTL_DEFAULT_SOCKET);
}

/* "status, flush, reload or metrics": the command names, for a usage error. */
static void command_names(char *buf, size_t len)
{
	const struct flowctl_command *fc;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; (fc = flowctl_command_at(i)) != NULL; i++) {
		const char *sep = i == 0 ? "" : flowctl_command_at(i + 1) == NULL ? " or " : ", ";
		int n = snprintf(buf + used, len - used, "%s%s", sep, fc->name);

		if (n < 0 || (size_t)n >= len - used)
			return;	/* cut: keep what fits */
		used += (size_t)n;
	}
}

/* The command row for word: exact name, else the only row it is a prefix of. */
static const struct flowctl_command *match_command(const char *word, bool *ambiguous)
{
	const struct flowctl_command *fc, *found = NULL;
	size_t len = strlen(word);

	*ambiguous = false;
	if (len == 0)
		return NULL;
	for (size_t i = 0; (fc = flowctl_command_at(i)) != NULL; i++) {
		if (strcmp(word, fc->name) == 0)
			return fc;
		if (strncmp(word, fc->name, len) == 0) {
			*ambiguous = found != NULL;
			found = fc;
		}
	}
	return *ambiguous ? NULL : found;
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
	const struct flowctl_command *fc;
	bool ambiguous;
	char names[128];
	int c;

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
	fc = match_command(argv[optind], &ambiguous);
	if (fc == NULL) {
		command_names(names, sizeof(names));
		snprintf(err, errlen, "%s command '%s': expected %s",
			 ambiguous ? "ambiguous" : "unknown", argv[optind], names);
		return -1;
	}
	args->action = FLOWCTL_RUN;
	args->command = fc;
	args->req.command = fc->request;
	/* A row that is not the request's own (metrics) prints the answer its own way. */
	args->metrics = flowctl_command_for_request(fc->request) != fc;
	optind++;
	if (!fc->json && args->json) {
		snprintf(err, errlen, "%s: --json does not apply (use %s --json)", fc->name,
			 proto_command_name(fc->request));
		return -1;
	}
	if (proto_command_info(fc->request)->has_target)
		return parse_flush(argc - optind, argv + optind, &args->req.target, err, errlen);
	if (optind < argc) {
		snprintf(err, errlen, "%s: unexpected argument '%s'", fc->name, argv[optind]);
		return -1;
	}
	return 0;
}
