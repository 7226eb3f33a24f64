/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's control socket: a UNIX stream socket speaking proto.h.
 *
 * ctl owns framing, size caps, timeouts, the client limits, peer
 * credentials and the root check for state-changing commands; the handler
 * sees only valid requests from permitted peers and returns data (the
 * result object), never text: flowctl does the formatting.
 */
#ifndef FLOWD_CTL_H
#define FLOWD_CTL_H

#include <ev.h>
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "proto.h"

#define CTL_DEFAULT_MAX_CLIENTS 64
#define CTL_DEFAULT_MAX_PER_UID 8
#define CTL_DEFAULT_TIMEOUT 5.0		/* seconds for a client to finish a request */

/*
 * Connection limits.  Everyone who may open the socket (its group) could
 * otherwise take every slot and starve root's flush or reload, so:
 *   - root (uid 0) may use all max_clients slots; at the limit further
 *     connections wait in the listen backlog until a slot frees;
 *   - everybody else shares max_clients - root_reserve slots, at most
 *     max_per_uid per uid; a connection over either limit gets a
 *     permission-denied answer and is closed at once, so it never waits
 *     in the backlog in front of root.
 */
struct ctl_options {
	const char *path;		/* socket path, absolute */
	mode_t mode;			/* e.g. 0660 */
	const char *group;		/* socket's group by name; NULL or "" keeps ours */
	unsigned int max_clients;	/* 0: CTL_DEFAULT_MAX_CLIENTS */
	unsigned int root_reserve;	/* slots for root only; 0: a quarter of max_clients */
	unsigned int max_per_uid;	/* per non-root uid; 0: CTL_DEFAULT_MAX_PER_UID */
	double timeout;			/* 0: CTL_DEFAULT_TIMEOUT */
};

/* Who is asking, from SO_PEERCRED at accept time. */
struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/*
 * The handler of one command, called once per valid, permitted request.  Returns a new reference to
 * the result object (ctl sends it and drops the reference), or NULL with
 * err set: e.g. not-found for an unknown tunnel, reload-failed with the
 * config error.  NULL with err untouched is reported as internal.  It runs
 * on the loop, synchronously: it must not block for long, and must not
 * call ctl_close().
 */
typedef json_t *(*ctl_handler_fn)(void *arg, const struct proto_request *req,
				  const struct ctl_peer *peer, struct proto_error *err);

/*
 * The daemon's command table: handlers[cmd] serves command cmd (enum
 * proto_command).  A request whose command has no handler here gets a
 * bad-request answer naming the command; it never reaches another
 * command's handler.
 */
struct ctl_handlers {
	ctl_handler_fn of[PROTO_CMD_COUNT];
};

struct ctl;

/*
 * Create the socket and start serving on loop.  Creates missing parent
 * directories (0755); replaces a stale socket file but refuses to start if
 * a live process answers on it.  Returns NULL with a message in err.
 */
struct ctl *ctl_open(struct ev_loop *loop, const struct ctl_options *opts,
		     const struct ctl_handlers *handlers, void *arg, char *err, size_t errlen);
/*
 * For a reload: when opts->path names the socket ctl serves (the same
 * file, however spelled), give it opts' mode and group in place, keeping
 * its clients (access is checked when connecting) and returning 1.  When
 * opts->path is another file, return 0 and change nothing: open a new ctl
 * there.  -1 with a message in err when the change failed; the socket is
 * then as it was.
 */
int ctl_update(struct ctl *ctl, const struct ctl_options *opts, char *err, size_t errlen);
/* Drop every client, stop serving, unlink the socket (if still ours). */
void ctl_close(struct ctl *ctl);
/* Clients currently connected. */
unsigned int ctl_client_count(const struct ctl *ctl);

#endif
