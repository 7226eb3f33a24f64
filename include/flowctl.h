/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowctl's parts, split so the unit tests can drive each one: argument
 * parsing, the socket round trip, and rendering results as text or JSON.
 */
#ifndef FLOWD_FLOWCTL_H
#define FLOWD_FLOWCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "proto.h"

/*
 * flowd's default control socket (CONF_DEFAULT_CONTROL_SOCKET in conf):
 * fixed, not from --runstatedir, so the two always agree.
 */
#define FLOWCTL_DEFAULT_SOCKET "/run/flowd/flowd.sock"
#define FLOWCTL_TIMEOUT_MS 10000	/* connect, send and receive, in total */

/* Exit codes, documented in flowctl(8). */
enum flowctl_exit {
	FLOWCTL_EXIT_OK = 0,
	FLOWCTL_EXIT_FAILED = 1,	/* flowd reported an error */
	FLOWCTL_EXIT_USAGE = 2,		/* bad command line */
	FLOWCTL_EXIT_NO_DAEMON = 3,	/* cannot connect: flowd not running */
	FLOWCTL_EXIT_DENIED = 4,	/* socket or command not permitted */
	FLOWCTL_EXIT_COMM = 5,		/* timeout, hang-up or malformed answer */
	FLOWCTL_EXIT_NOT_IN_SYNC = 6,	/* status: the kernel's table is not as flowd wants it */
};

enum flowctl_action {
	FLOWCTL_RUN,
	FLOWCTL_HELP,
	FLOWCTL_VERSION,
};

/*
 * flowctl's command table (flowctl_commands.c): a word the operator types,
 * the request it sends and how the answer is printed as text.
 */
struct flowctl_command {
	const char *name;		/* typed; any unique prefix will do */
	const char *synopsis;		/* its --help line: "flush [all|tunnel NAME|device NAME]" */
	const char *help;		/* what it does; '\n' between --help lines */
	int (*print_text)(FILE *out, const json_t *result);	/* 0, or -1 if out failed */
	enum proto_command request;
	bool json;			/* --json applies */
};

/* Row i, 0-based; NULL past the end. */
const struct flowctl_command *flowctl_command_at(size_t i);
/* Exact name -> row; NULL if none. */
const struct flowctl_command *flowctl_command_by_name(const char *name);
/* The command of the same name as the request; NULL for an unknown request. */
const struct flowctl_command *flowctl_command_for_request(enum proto_command request);

struct flowctl_args {
	enum flowctl_action action;
	const char *socket_path;	/* points into argv or a constant */
	bool json;
	bool metrics;			/* `metrics`: a status request, shown as metrics */
	const struct flowctl_command *command;	/* FLOWCTL_RUN: the row typed */
	struct proto_request req;	/* FLOWCTL_RUN */
};

/*
 * argv -> args.  Commands and flush targets may be abbreviated to any
 * unique prefix.  Returns 0, or -1 with a one-line message in err (a usage
 * error).  Resets getopt's state, so it may be called repeatedly.
 */
int flowctl_parse_args(int argc, char **argv, struct flowctl_args *args, char *err,
		       size_t errlen);
void flowctl_usage(FILE *out);

/*
 * Send req to the daemon at path and read its answer, all within
 * timeout_ms.  Returns FLOWCTL_EXIT_OK with *resp filled (ok or not; clear
 * it with proto_response_clear()), or another exit code with err set.
 */
int flowctl_call(const char *path, const struct proto_request *req, int timeout_ms,
		 struct proto_response *resp, char *err, size_t errlen);

/*
 * The one output path: the result of cmd as pretty JSON, or rendered as
 * text.  Tolerates missing and extra fields.  Returns 0, or -1 if out
 * failed.
 */
int flowctl_print(FILE *out, enum proto_command cmd, const json_t *result, bool json);
/* The text printers of flowctl's command table (flowctl_print.c). */
int flowctl_print_status(FILE *out, const json_t *status);
int flowctl_print_flush(FILE *out, const json_t *result);
int flowctl_print_reload(FILE *out, const json_t *result);
/*
 * The exit code of `status` for its result: FLOWCTL_EXIT_NOT_IN_SYNC while
 * the table is not in sync (not yet, or the last reconcile failed).
 */
int flowctl_status_exit(const json_t *status);
/* Print "flowctl: ..." for a daemon-reported error; returns the exit code. */
int flowctl_print_error(FILE *out, enum proto_command cmd, const struct proto_error *err);

/*
 * s made safe for a terminal (flowctl_escape.c): controls, DEL, C1 and
 * bidi controls and invalid UTF-8 escaped, a backslash doubled.  Writes
 * into buf (len bytes, cut at a whole character or escape) and returns it.
 * FLOWCTL_ESCAPED_MAX(n) always holds an escaped string of n bytes.
 */
#define FLOWCTL_ESCAPED_MAX(n) (4 * (n) + 1)
const char *flowctl_escape(const char *s, char *buf, size_t len);
/*
 * The first character of s (not at its NUL) as flowctl_escape() shows it,
 * NUL-terminated in out: an escape, which begins with a backslash, or the
 * character itself (a backslash is its own escape, doubled).  Returns the
 * bytes of s it stands for.
 */
size_t flowctl_escape_unit(const char *s, char out[8]);

/*
 * The status result as Prometheus text exposition format 0.0.4
 * (flowctl_metrics.c): the metrics listed in flowctl(8).  0, or -1 if out
 * failed.
 */
int flowctl_print_metrics(FILE *out, const json_t *status);

/* Aligned columns, widths from the data (flowctl_table.c). */
#define FLOWCTL_TABLE_MAX_COLS 10

struct flowctl_table {
	size_t ncols;
	const char *const *headers;	/* NULL: no heading row */
	const char *align;		/* per column: 'l' or 'r' */
	char **cells;			/* nrows * ncols, owned */
	size_t nrows;
};

void flowctl_table_init(struct flowctl_table *t, size_t ncols, const char *const *headers,
			const char *align);
/* Copies ncols strings (NULL prints as "-").  Returns 0, or -1 out of memory. */
int flowctl_table_add(struct flowctl_table *t, const char *const *row);
void flowctl_table_print(FILE *out, const struct flowctl_table *t);
void flowctl_table_free(struct flowctl_table *t);

#endif
