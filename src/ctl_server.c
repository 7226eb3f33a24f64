// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket server: accept clients, read request lines, check the
 * peer, call the command's handler from the table the daemon passed to
 * ctl_open() (daemon_control.c), write the response.  Knows nothing of
 * the daemon; the socket file itself is ctl_socket.c's.
 *
 * Every client is non-blocking and has its own ev_io and ev_timer, so a
 * slow or silent client only ever costs its own timeout.  A client is
 * served one request at a time: while a response is unsent it is not read
 * from, which bounds its memory to one request (PROTO_MAX_REQUEST) plus one
 * response (PROTO_MAX_RESPONSE), and a client that never reads runs into
 * its timeout.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_priv.h"
#include "log.h"

/* After EMFILE and friends, wait this long before accepting again. */
#define CTL_ACCEPT_BACKOFF 1.0
/* Connections taken per wakeup: a flood of refused ones must not hog the loop. */
#define CTL_ACCEPT_BATCH 64
/* A uid over its limit is logged as a warning at most this often (seconds). */
#define CTL_REFUSE_LOG_INTERVAL 60.0

struct ctl_client {
	struct ctl *ctl;
	struct ctl_client *prev, *next;
	int fd;
	struct ctl_peer peer;
	ev_io io;
	ev_timer timer;
	bool eof;			/* the peer shut down its sending side */
	bool closing;			/* close once out is sent */
	char *out;			/* one encoded response, or NULL */
	size_t outlen, outoff;
	size_t inlen;
	char in[PROTO_MAX_REQUEST];	/* a partial request, or several */
};

struct ctl {
	struct ev_loop *loop;
	char *path;
	dev_t dev;
	ino_t ino;
	int fd;
	ev_io accept_io;
	ev_timer accept_backoff;
	struct ctl_handlers handlers;
	void *arg;
	unsigned int max_clients;
	unsigned int max_others;	/* max_clients less root's reserve */
	unsigned int max_per_uid;	/* for each uid but root */
	unsigned int n_clients;
	unsigned int n_others;		/* clients that are not root */
	double timeout;
	ev_tstamp refuse_logged;	/* last refusal logged as a warning */
	struct ctl_client *clients;
};

static void client_drop(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;

	ev_io_stop(ctl->loop, &c->io);
	ev_timer_stop(ctl->loop, &c->timer);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl->n_clients--;
	if (c->peer.uid != 0)
		ctl->n_others--;
	free(c->out);
	free(c);
	/* A slot is free: take the next waiting client (unless backing off). */
	if (!ev_is_active(&ctl->accept_io) && !ev_is_active(&ctl->accept_backoff))
		ev_io_start(ctl->loop, &ctl->accept_io);
}

/* Queue one response; only called with nothing else queued. */
static void client_queue(struct ctl_client *c, char *line, size_t len)
{
	if (!line) {
		/* Error replies are always encodable (proto.h): only memory is short. */
		log_warnx("control: out of memory encoding a response, dropping pid %d",
			  (int)c->peer.pid);
		c->closing = true;
		return;
	}
	c->out = line;
	c->outlen = len;
	c->outoff = 0;
}

static void client_queue_error(struct ctl_client *c, const struct proto_error *err)
{
	size_t len;
	char *line = proto_response_encode_error(err, &len);

	client_queue(c, line, len);
}

/* Everything after the request has been parsed: permissions, handler, result. */
static void client_dispatch(struct ctl_client *c, const struct proto_request *req)
{
	const char *name = proto_command_name(req->command);
	struct proto_error err = { .code = PROTO_ERR_INTERNAL };
	ctl_handler_fn handler;
	json_t *result;
	size_t len;
	char *line;
	int saved;

	/* The parser only passes known commands; a table without the handler is answered too. */
	handler = name != NULL ? c->ctl->handlers.of[req->command] : NULL;
	if (handler == NULL) {
		if (name != NULL)
			proto_error_set(&err, PROTO_ERR_BAD_REQUEST,
					"unknown command \"%s\": this flowd has no handler for it",
					name);
		else
			proto_error_set(&err, PROTO_ERR_BAD_REQUEST, "unknown command %d",
					(int)req->command);
		log_warnx("control: %s from pid %d", err.message, (int)c->peer.pid);
		client_queue_error(c, &err);
		return;
	}
	log_debug("control: %s from pid %d uid %u", name, (int)c->peer.pid,
		  (unsigned int)c->peer.uid);
	if (proto_command_changes_state(req->command) && c->peer.uid != 0) {
		proto_error_set(&err, PROTO_ERR_PERMISSION_DENIED, "%s needs root", name);
		client_queue_error(c, &err);
		return;
	}
	result = handler(c->ctl->arg, req, &c->peer, &err);
	if (!result) {
		if (!err.message[0])
			proto_error_set(&err, PROTO_ERR_INTERNAL, "%s failed", name);
		client_queue_error(c, &err);
		return;
	}
	if (!json_is_object(result)) {
		json_decref(result);
		proto_error_set(&err, PROTO_ERR_INTERNAL, "%s returned no result object", name);
		client_queue_error(c, &err);
		return;
	}
	line = proto_response_encode_ok(result, &len);
	saved = errno;
	json_decref(result);
	if (!line) {
		/* The client gets an answer, the log the reason. */
		log_warnx("control: cannot encode the %s result for pid %d: %s", name,
			  (int)c->peer.pid,
			  saved == EILSEQ ? "it holds a string that is not valid UTF-8"
					  : strerror(saved));
		proto_error_set(&err, PROTO_ERR_INTERNAL,
				"%s result could not be encoded (flowd's log says why)", name);
		client_queue_error(c, &err);
		return;
	}
	if (len > PROTO_MAX_RESPONSE) {
		free(line);
		proto_error_set(&err, PROTO_ERR_INTERNAL, "%s result too large (%zu bytes)", name,
				len);
		client_queue_error(c, &err);
		return;
	}
	client_queue(c, line, len);
}

static void client_request(struct ctl_client *c, const char *buf, size_t len)
{
	struct proto_error err;
	struct proto_request req;

	if (proto_request_parse(buf, len, &req, &err) < 0) {
		log_debug("control: pid %d: %s", (int)c->peer.pid, err.message);
		client_queue_error(c, &err);
		return;
	}
	client_dispatch(c, &req);
}

/* Returns -1 when the client is gone. */
static int client_read(struct ctl_client *c)
{
	ssize_t n;

	/* Not reached (a full buffer is answered first), but recv(0) would read as EOF. */
	if (c->inlen == sizeof(c->in))
		return 0;
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n > 0) {
		c->inlen += (size_t)n;
		return 0;
	}
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	log_debug("control: pid %d: read: %s", (int)c->peer.pid, strerror(errno));
	return -1;
}

/* Returns -1 when the client is gone. */
static int client_write(struct ctl_client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			log_debug("control: pid %d: write: %s", (int)c->peer.pid, strerror(errno));
			return -1;
		}
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	return 0;
}

/*
 * Take the next request from the input buffer and queue its answer.
 * Returns false when a complete request has not arrived yet.
 */
static bool client_take_request(struct ctl_client *c)
{
	struct proto_error err;
	char *nl = memchr(c->in, '\n', c->inlen);

	if (nl) {
		size_t len = (size_t)(nl - c->in) + 1;

		client_request(c, c->in, len);
		memmove(c->in, c->in + len, c->inlen - len);
		c->inlen -= len;
		/* The next request, and reading this answer, get a full timeout. */
		ev_timer_again(c->ctl->loop, &c->timer);
		return true;
	}
	if (c->inlen == sizeof(c->in)) {
		/* Resynchronising on the next newline would be guesswork: close. */
		proto_error_set(&err, PROTO_ERR_BAD_REQUEST, "request too large (more than %d bytes)",
				PROTO_MAX_REQUEST);
		client_queue_error(c, &err);
		c->closing = true;
		return true;
	}
	if (c->eof) {
		/* A last request without its newline still gets an answer. */
		if (c->inlen)
			client_request(c, c->in, c->inlen);
		c->inlen = 0;
		c->closing = true;
		return true;
	}
	return false;
}

/*
 * Answer buffered requests one at a time for as long as the answers can be
 * sent, then wait for whatever comes next: room to write, or more to read.
 */
static void client_step(struct ctl_client *c)
{
	struct ev_loop *loop = c->ctl->loop;
	int events;

	for (;;) {
		if (c->out && client_write(c) < 0) {
			client_drop(c);
			return;
		}
		if (c->out)
			break;
		if (c->closing) {
			client_drop(c);
			return;
		}
		if (!client_take_request(c))
			break;
	}
	events = c->out ? EV_WRITE : EV_READ;
	if (events != (c->io.events & (EV_READ | EV_WRITE))) {
		ev_io_stop(loop, &c->io);
		ev_io_set(&c->io, c->fd, events);
		ev_io_start(loop, &c->io);
	}
}

static void client_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	if (((revents & EV_WRITE) && client_write(c) < 0) ||
	    ((revents & EV_READ) && client_read(c) < 0)) {
		client_drop(c);
		return;
	}
	client_step(c);
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;

	log_debug("control: pid %d idle for %.1f s, closing", (int)c->peer.pid, c->ctl->timeout);
	client_drop(c);
}


static void client_new(struct ctl *ctl, int fd, const struct ucred *cred)
{
	struct ctl_client *c = calloc(1, sizeof(*c));

	if (!c) {
		log_warnx("control: out of memory for a client");
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->peer.pid = cred->pid;
	c->peer.uid = cred->uid;
	c->peer.gid = cred->gid;
	c->next = ctl->clients;
	if (c->next)
		c->next->prev = c;
	ctl->clients = c;
	ctl->n_clients++;
	if (c->peer.uid != 0)
		ctl->n_others++;

	ev_io_init(&c->io, client_io_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(ctl->loop, &c->io);
	ev_init(&c->timer, client_timeout_cb);
	c->timer.repeat = ctl->timeout;
	c->timer.data = c;
	ev_timer_again(ctl->loop, &c->timer);
}

/*
 * Whether a connection from uid fits the limits (ctl.h); if not, why, for
 * the peer to read.  Root is only ever held up by the total.
 */
static bool client_allowed(const struct ctl *ctl, uid_t uid, struct proto_error *err)
{
	unsigned int same = 0;

	if (uid == 0)
		return true;
	for (const struct ctl_client *c = ctl->clients; c; c = c->next)
		same += c->peer.uid == uid;
	if (same >= ctl->max_per_uid) {
		proto_error_set(err, PROTO_ERR_PERMISSION_DENIED,
				"too many connections from uid %u (at most %u per user but root); "
				"close one and try again", (unsigned int)uid, ctl->max_per_uid);
		return false;
	}
	if (ctl->n_others >= ctl->max_others) {
		proto_error_set(err, PROTO_ERR_PERMISSION_DENIED,
				"too many connections (users but root share %u); try again later",
				ctl->max_others);
		return false;
	}
	return true;
}

/*
 * Answer a connection over its limit and close it, without waiting for
 * anything: it costs one accept, one short write and one close.
 */
static void client_refuse(struct ctl *ctl, int fd, const struct ucred *cred,
			  const struct proto_error *err)
{
	ev_tstamp now = ev_now(ctl->loop);
	char drain[4096];
	size_t len;
	char *line = proto_response_encode_error(err, &len);

	if (ctl->refuse_logged == 0 || now - ctl->refuse_logged >= CTL_REFUSE_LOG_INTERVAL) {
		log_warnx("control: refusing pid %d uid %u: %s (more refusals within %.0f s are "
			  "logged at debug level)", (int)cred->pid, (unsigned int)cred->uid,
			  err->message, CTL_REFUSE_LOG_INTERVAL);
		ctl->refuse_logged = now;
	} else {
		log_debug("control: refusing pid %d uid %u: %s", (int)cred->pid,
			  (unsigned int)cred->uid, err->message);
	}
	/* A fresh socket's buffer holds the line; if not, closing is the answer. */
	if (line && send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control: pid %d: write: %s", (int)cred->pid, strerror(errno));
	free(line);
	/*
	 * Read the request that came with it (once: a peer that keeps
	 * writing must not keep us here), so that the peer reads our answer
	 * and then end of file rather than a reset for unread data.
	 */
	if (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) < 0 && errno != EAGAIN)
		log_debug("control: pid %d: read: %s", (int)cred->pid, strerror(errno));
	close(fd);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl *ctl = w->data;
	struct proto_error err;
	struct ucred cred;
	socklen_t len;
	int fd;

	/* Level-triggered: what is left in the backlog comes next iteration. */
	for (unsigned int n = 0; n < CTL_ACCEPT_BATCH; n++) {
		if (ctl->n_clients >= ctl->max_clients) {
			ev_io_stop(loop, &ctl->accept_io);
			return;
		}
		fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			/*
			 * Out of descriptors or memory: the pending connection
			 * keeps the socket readable, so retrying at once would
			 * spin.  Pause accepting instead.
			 */
			log_warn("control: accept");
			ev_io_stop(loop, &ctl->accept_io);
			ev_timer_set(&ctl->accept_backoff, CTL_ACCEPT_BACKOFF, 0);
			ev_timer_start(loop, &ctl->accept_backoff);
			return;
		}
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			log_warn("control: SO_PEERCRED");
			close(fd);
			continue;
		}
		/*
		 * At the total limit (checked above) accepting stops: further
		 * clients wait in the listen backlog, not refused, until a
		 * slot frees, which the idle timeout guarantees within
		 * ctl->timeout.  Only root's clients can fill the reserve,
		 * so only root can bring that about; everybody else is
		 * refused at their own limits instead, which keeps the
		 * backlog moving.
		 */
		if (!client_allowed(ctl, cred.uid, &err)) {
			client_refuse(ctl, fd, &cred, &err);
			continue;
		}
		client_new(ctl, fd, &cred);
	}
}

static void accept_backoff_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl *ctl = w->data;

	if (ctl->n_clients < ctl->max_clients)
		ev_io_start(loop, &ctl->accept_io);
}

struct ctl *ctl_open(struct ev_loop *loop, const struct ctl_options *opts,
		     const struct ctl_handlers *handlers, void *arg, char *err, size_t errlen)
{
	unsigned int max_clients = opts->max_clients ? opts->max_clients : CTL_DEFAULT_MAX_CLIENTS;
	unsigned int reserve = opts->root_reserve ? opts->root_reserve : max_clients / 4;
	struct ctl *ctl;

	if (reserve >= max_clients) {
		snprintf(err, errlen, "control: root's reserve (%u) must leave some of the %u "
			 "clients to other users", reserve, max_clients);
		return NULL;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl || !(ctl->path = strdup(opts->path))) {
		snprintf(err, errlen, "out of memory");
		free(ctl);
		return NULL;
	}
	ctl->fd = ctl_socket_open(opts, &ctl->dev, &ctl->ino, err, errlen);
	if (ctl->fd < 0) {
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	ctl->loop = loop;
	ctl->handlers = *handlers;
	ctl->arg = arg;
	ctl->max_clients = max_clients;
	ctl->max_others = max_clients - reserve;
	ctl->max_per_uid = opts->max_per_uid ? opts->max_per_uid : CTL_DEFAULT_MAX_PER_UID;
	ctl->timeout = opts->timeout > 0 ? opts->timeout : CTL_DEFAULT_TIMEOUT;

	ev_io_init(&ctl->accept_io, accept_cb, ctl->fd, EV_READ);
	ctl->accept_io.data = ctl;
	ev_io_start(loop, &ctl->accept_io);
	ev_timer_init(&ctl->accept_backoff, accept_backoff_cb, CTL_ACCEPT_BACKOFF, 0);
	ctl->accept_backoff.data = ctl;
	log_debug("control: listening on %s", ctl->path);
	return ctl;
}

int ctl_update(struct ctl *ctl, const struct ctl_options *opts, char *err, size_t errlen)
{
	struct stat st;

	/* Gone or replaced: not ours to change, and a new socket is what is needed. */
	if (lstat(opts->path, &st) < 0 || st.st_dev != ctl->dev || st.st_ino != ctl->ino)
		return 0;
	if (ctl_socket_update(opts, ctl->dev, ctl->ino, err, errlen) < 0)
		return -1;
	log_debug("control: %s now has mode %04o and group %s", ctl->path,
		  (unsigned int)opts->mode, opts->group && opts->group[0] ? opts->group : "(ours)");
	return 1;
}

void ctl_close(struct ctl *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients)
		/* c->ctl == ctl, so this unlinks it: the analyzer cannot know. */
		client_drop(ctl->clients);	/* NOLINT(clang-analyzer-unix.Malloc) */
	ev_io_stop(ctl->loop, &ctl->accept_io);
	ev_timer_stop(ctl->loop, &ctl->accept_backoff);
	close(ctl->fd);
	ctl_socket_unlink(ctl->path, ctl->dev, ctl->ino);
	free(ctl->path);
	free(ctl);
}

unsigned int ctl_client_count(const struct ctl *ctl)
{
	return ctl->n_clients;
}
