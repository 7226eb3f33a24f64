// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's side of the control socket: its command table (one handler
 * each for status, flush and reload) and opening or updating the socket
 * with the settings from flowd.conf.  The generic server (ctl_server.c,
 * ctl_socket.c, shared with the unit tests) has already framed and parsed
 * the request and checked the peer's credentials; this file only does the
 * work.  Named so that it is not mistaken for that server, which it uses.
 */
#include <stdio.h>
#include <string.h>

#include "ct.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "status.h"

/*
 * Offload bits change without events: dump what is offloaded now before
 * answering, but at most every STATUS_REFRESH_MIN seconds, so that a
 * hundred clients asking at once cost one dump, not a hundred.
 */
#define STATUS_REFRESH_MIN 0.25

static void status_refresh(struct flowd *fd)
{
	ev_tstamp now = ev_now(fd->loop);

	if (fd->status_refreshed > 0 && now - fd->status_refreshed < STATUS_REFRESH_MIN)
		return;
	if (ct_refresh(fd->ct, now) < 0)
		log_warnx("conntrack dump for status failed; counts may be stale");
	fd->status_refreshed = now;
}

/* The handlers: ctl_server.c has already refused state changes from non-root. */
static json_t *handle_status(void *arg, const struct proto_request *req,
			     const struct ctl_peer *peer, struct proto_error *err)
{
	struct flowd *fd = arg;

	(void)req;
	(void)peer;
	(void)err;
	status_refresh(fd);
	return status_build(fd);
}

static json_t *handle_flush(void *arg, const struct proto_request *req,
			    const struct ctl_peer *peer, struct proto_error *err)
{
	(void)peer;
	return daemon_flush(arg, &req->target, err);
}

static json_t *handle_reload(void *arg, const struct proto_request *req,
			     const struct ctl_peer *peer, struct proto_error *err)
{
	struct flowd *fd = arg;
	char msg[512];
	bool changed;

	(void)req;
	(void)peer;
	if (daemon_reload(fd, msg, sizeof(msg), &changed) < 0) {
		proto_error_set(err, PROTO_ERR_RELOAD_FAILED, "%s", msg);
		return NULL;
	}
	return json_pack("{s:b, s:b}", "reloaded", 1, "changed", changed);
}

/* The daemon's row of the command table: one handler per enum proto_command. */
static const struct ctl_handlers control_handlers = { .of = {
	[PROTO_CMD_STATUS] = handle_status,
	[PROTO_CMD_FLUSH] = handle_flush,
	[PROTO_CMD_RELOAD] = handle_reload,
} };

static void control_options(const struct conf *conf, struct ctl_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->path = conf->control_socket;
	opts->mode = conf->control_mode;
	opts->group = conf->control_group;
}

struct ctl *control_open(struct flowd *fd, const struct conf *conf, char *err, size_t errlen)
{
	struct ctl_options opts;

	control_options(conf, &opts);
	return ctl_open(fd->loop, &opts, &control_handlers, fd, err, errlen);
}

int control_update(struct flowd *fd, const struct conf *conf, char *err, size_t errlen)
{
	struct ctl_options opts;

	control_options(conf, &opts);
	return ctl_update(fd->ctl, &opts, err, errlen);
}

bool control_same_socket(const struct conf *a, const struct conf *b)
{
	return strcmp(a->control_socket, b->control_socket) == 0 &&
	       a->control_mode == b->control_mode &&
	       strcmp(a->control_group, b->control_group) == 0;
}
