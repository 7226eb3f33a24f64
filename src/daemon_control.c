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
#include "module.h"
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

static struct ctl *control_open(struct flowd *fd, const struct conf *conf, char *err,
				size_t errlen)
{
	struct ctl_options opts;

	control_options(conf, &opts);
	return ctl_open(fd->loop, &opts, &control_handlers, fd, err, errlen);
}

/*
 * conf's mode and group for the running socket, when conf's path is still
 * that socket: 1 done, 0 another path (control_open() it), -1 with err
 * (the socket unchanged).
 */
static int control_update(struct flowd *fd, const struct conf *conf, char *err, size_t errlen)
{
	struct ctl_options opts;

	control_options(conf, &opts);
	return ctl_update(fd->ctl, &opts, err, errlen);
}

static bool control_same_socket(const struct conf *a, const struct conf *b)
{
	return strcmp(a->control_socket, b->control_socket) == 0 &&
	       a->control_mode == b->control_mode &&
	       strcmp(a->control_group, b->control_group) == 0;
}

/* The old socket may be the one a `flowctl reload` is being answered on. */
static void ctl_reaper_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct flowd *fd = w->data;

	ctl_close(fd->ctl_retired);
	fd->ctl_retired = NULL;
}

static int control_start(void *ctx, const struct conf *conf, char *err, size_t errlen)
{
	struct flowd *fd = ctx;

	ev_timer_init(&fd->ctl_reaper, ctl_reaper_cb, 0, 0);
	fd->ctl_reaper.data = fd;
	fd->ctl = control_open(fd, conf, err, errlen);
	return fd->ctl ? 0 : -1;
}

/*
 * The same socket file with a new mode or group is changed in place:
 * opening a second socket on our own path would find us listening and
 * refuse.  Another path gets a new socket, ready before the switch.
 */
static int control_prepare(void *ctx, const struct conf *old, const struct conf *next,
			   char *err, size_t errlen)
{
	struct flowd *fd = ctx;
	int r;

	if (control_same_socket(old, next))
		return 0;
	r = control_update(fd, next, err, errlen);
	if (r < 0)
		return -1;
	if (r > 0) {
		fd->ctl_changed_in_place = true;
		return 0;
	}
	fd->ctl_next = control_open(fd, next, err, errlen);
	return fd->ctl_next ? 0 : -1;
}

static void control_abort(void *ctx, const struct conf *old, const struct conf *next)
{
	struct flowd *fd = ctx;
	char err[512];

	(void)next;
	if (fd->ctl_next)
		ctl_close(fd->ctl_next);
	fd->ctl_next = NULL;
	if (fd->ctl_changed_in_place && control_update(fd, old, err, sizeof(err)) < 0)
		daemon_error(fd, "control socket: restoring its mode and group failed: %s", err);
	fd->ctl_changed_in_place = false;
}

static void control_commit(void *ctx, const struct conf *old, const struct conf *next)
{
	struct flowd *fd = ctx;

	(void)old;
	(void)next;
	fd->ctl_changed_in_place = false;
	if (!fd->ctl_next)
		return;
	/* Two reloads before the loop ran: the first retired socket goes now. */
	if (fd->ctl_retired)
		ctl_close(fd->ctl_retired);
	fd->ctl_retired = fd->ctl;
	fd->ctl = fd->ctl_next;
	fd->ctl_next = NULL;
	ev_timer_set(&fd->ctl_reaper, 0, 0);
	ev_timer_start(fd->loop, &fd->ctl_reaper);
}

static void control_stop(void *ctx)
{
	struct flowd *fd = ctx;

	ev_timer_stop(fd->loop, &fd->ctl_reaper);
	ctl_close(fd->ctl_retired);
	ctl_close(fd->ctl_next);
	ctl_close(fd->ctl);
	fd->ctl = fd->ctl_retired = fd->ctl_next = NULL;
}

const struct module_ops control_module = {
	.name = "control socket",
	.start = control_start,
	.prepare = control_prepare,
	.abort = control_abort,
	.commit = control_commit,
	.stop = control_stop,
};
