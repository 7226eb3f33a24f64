// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control socket server tests on real UNIX sockets in a temporary
 * directory.  The server runs in a forked child with its own libev loop
 * (so a stuck server shows up as a timeout here, not a hang) and exits
 * cleanly on SIGTERM: its exit status carries ctl_close()'s cleanup and,
 * under ASan, its leak check.  The test process is the clients: raw
 * sockets for the misbehaving ones, flowctl_call() for the well-behaved.
 *
 * Clients of other users without being root: getsockopt() is wrapped
 * (-Wl,--wrap=getsockopt), and a client bound to the abstract address
 * "flowd-test-uid-UID-N" reads to the server as uid UID.
 */
#include "config.h"	/* _GNU_SOURCE: struct ucred */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "flowctl.h"
#include "log.h"

#define RECV_TIMEOUT_S 20	/* no single read may take longer, even on a busy host */
/* flowctl_call()'s own limit here: as long, for the same reason. */
#define CALL_TIMEOUT_MS (RECV_TIMEOUT_S * 1000)
/*
 * The idle timeout of servers whose test is not about it: far beyond any
 * wait on a busy host, so that a client the scheduler left waiting is not
 * hung up on.  (0 would be the daemon's 5 s.)
 */
#define IDLE_TIMEOUT_S 60.0
/*
 * For the tests of the idle timeout itself: short, yet long enough for a
 * well-behaved client's round trip on a busy host.
 */
#define SHORT_IDLE_TIMEOUT_S 3.0
#define FAKE_UID_PREFIX "flowd-test-uid-"

int __real_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len);

/* The server's SO_PEERCRED, with the uid a test client's address names. */
int __wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);
	size_t plen = strlen(FAKE_UID_PREFIX);
	int rc = __real_getsockopt(fd, level, name, val, len);

	if (rc == 0 && level == SOL_SOCKET && name == SO_PEERCRED &&
	    getpeername(fd, (struct sockaddr *)&sa, &salen) == 0 &&
	    salen > offsetof(struct sockaddr_un, sun_path) + 1 + plen && sa.sun_path[0] == '\0' &&
	    memcmp(sa.sun_path + 1, FAKE_UID_PREFIX, plen) == 0)
		((struct ucred *)val)->uid = (uid_t)strtoul(sa.sun_path + 1 + plen, NULL, 10);
	return rc;
}
#define BIG_RESULT (3 * 1024 * 1024)

struct server {
	pid_t pid;
	char dir[64];
	char rundir[96];
	char path[128];
};

/* ---- the daemon side ---- */

static json_t *big_result(size_t size)
{
	char *s = malloc(size + 1);
	json_t *r;

	memset(s, 'x', size);
	s[size] = '\0';
	r = json_pack("{s:s}", "blob", s);
	free(s);
	return r;
}

/*
 * flush's device name picks a misbehaviour: "null" returns NULL without an
 * error, "array" a non-object, "huge" a result over the response cap,
 * "big" one just under it, "badutf8" a result holding bytes that are not
 * UTF-8, "badmsg" an error quoting such bytes; tunnel "missing" is
 * not-found.
 */
static json_t *handler(void *arg, const struct proto_request *req, const struct ctl_peer *peer,
		       struct proto_error *err)
{
	const char *name = req->target.name;

	switch (req->command) {
	case PROTO_CMD_STATUS:
		return json_pack("{s:{s:s,s:i},s:i,s:i}", "daemon", "version", "test", "pid",
				 (int)getpid(), "peer_uid", (int)peer->uid, "peer_pid",
				 (int)peer->pid);
	case PROTO_CMD_FLUSH:
		if (req->target.kind == PROTO_TARGET_TUNNEL && strcmp(name, "missing") == 0) {
			proto_error_set(err, PROTO_ERR_NOT_FOUND, "no tunnel \"%s\"", name);
			return NULL;
		}
		if (req->target.kind == PROTO_TARGET_DEVICE) {
			if (strcmp(name, "null") == 0)
				return NULL;
			if (strcmp(name, "array") == 0)
				return json_array();
			if (strcmp(name, "huge") == 0)
				return big_result(PROTO_MAX_RESPONSE);
			if (strcmp(name, "big") == 0)
				return big_result(BIG_RESULT);
			if (strcmp(name, "badutf8") == 0)
				return json_pack("{s:o}", "name", json_string_nocheck("tun\xff"));
			if (strcmp(name, "badmsg") == 0) {
				proto_error_set(err, PROTO_ERR_NOT_FOUND, "no device \"eth\xff\xfe\"");
				return NULL;
			}
		}
		return json_pack("{s:i,s:o}", "flushed", 3, "target",
				 proto_target_to_json(&req->target));
	case PROTO_CMD_RELOAD:
		proto_error_set(err, PROTO_ERR_RELOAD_FAILED, "/etc/flowd.conf:1: test");
		return NULL;
	case PROTO_CMD_COUNT:	/* not a command: ctl never passes it */
		break;
	}
	return NULL;
}

/* The test handler serves every command; server_main() serves *server_handlers. */
static const struct ctl_handlers all_handlers = { .of = {
	[PROTO_CMD_STATUS] = handler,
	[PROTO_CMD_FLUSH] = handler,
	[PROTO_CMD_RELOAD] = handler,
} };
/* A daemon built without a status handler: the request must not reach another one. */
static const struct ctl_handlers no_status_handlers = { .of = {
	[PROTO_CMD_FLUSH] = handler,
	[PROTO_CMD_RELOAD] = handler,
} };
static const struct ctl_handlers *server_handlers = &all_handlers;

static void on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/*
 * The child: serve until SIGTERM.  No cmocka calls in here.  A failed
 * assertion in the parent skips server_stop(), so the child also goes when
 * the test program does, instead of holding its stdout open for ever.
 */
static void server_main(const struct ctl_options *opts, int ready_fd, pid_t parent)
{
	struct ev_loop *loop;
	char err[256] = "";
	struct ctl *ctl;
	ev_signal sig;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(4);
	loop = ev_default_loop(0);
	ev_signal_init(&sig, on_sigterm, SIGTERM);
	ev_signal_start(loop, &sig);
	ctl = ctl_open(loop, opts, server_handlers, NULL, err, sizeof(err));
	if (!ctl) {
		fprintf(stderr, "ctl_open: %s\n", err);
		_exit(2);
	}
	if (write(ready_fd, "!", 1) != 1)
		_exit(3);
	close(ready_fd);
	ev_run(loop, 0);
	ctl_close(ctl);
	ev_signal_stop(loop, &sig);
	ev_loop_destroy(loop);
	exit(0);
}

static void make_dirs(struct server *s)
{
	strcpy(s->dir, "/tmp/flowd-ctl-test-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	/* Others (uid 65534 below) need to reach the socket inside. */
	assert_int_equal(chmod(s->dir, 0755), 0);
	snprintf(s->rundir, sizeof(s->rundir), "%s/run", s->dir);
	snprintf(s->path, sizeof(s->path), "%s/flowd.sock", s->rundir);
}

static void server_start_opts(struct server *s, unsigned int max_clients, double timeout,
			      mode_t mode)
{
	struct ctl_options opts = { .path = s->path, .mode = mode, .max_clients = max_clients,
				    .timeout = timeout > 0 ? timeout : IDLE_TIMEOUT_S };
	pid_t parent = getpid();
	int pfd[2];
	char c;

	make_dirs(s);
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		close(pfd[0]);
		server_main(&opts, pfd[1], parent);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		fail_msg("the server did not start");
	close(pfd[0]);
}

static void server_start(struct server *s, unsigned int max_clients, double timeout)
{
	server_start_opts(s, max_clients, timeout, 0660);
}

static void server_stop(struct server *s)
{
	int status;

	assert_int_equal(kill(s->pid, SIGTERM), 0);
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* ctl_close() removed the socket. */
	assert_int_equal(access(s->path, F_OK), -1);
	assert_int_equal(rmdir(s->rundir), 0);
	assert_int_equal(rmdir(s->dir), 0);
}

/* ---- the client side ---- */

static int try_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* A connection that the server sees as coming from uid (see the top). */
static int connect_as(const char *path, unsigned int uid)
{
	static unsigned int serial;
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, me = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int n;

	assert_true(fd >= 0);
	n = snprintf(me.sun_path + 1, sizeof(me.sun_path) - 1, FAKE_UID_PREFIX "%u-%d-%u", uid,
		     (int)getpid(), serial++);
	if (bind(fd, (struct sockaddr *)&me, offsetof(struct sockaddr_un, sun_path) + 1 +
		 (socklen_t)n) < 0)
		fail_msg("bind: %s", strerror(errno));
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int client_connect(const char *path)
{
	int fd = try_connect(path);

	if (fd < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	return fd;
}

/* Send everything; a server that already hung up is not an error here. */
static void client_send(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EPIPE || errno == ECONNRESET)
				return;
			fail_msg("send: %s", strerror(errno));
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void client_send_str(int fd, const char *s)
{
	client_send(fd, s, strlen(s));
}

/* One response line (newline stripped), or NULL at EOF. */
static char *client_recv_line(int fd)
{
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);

	for (;;) {
		ssize_t n;

		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
		n = recv(fd, buf + len, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ECONNRESET)
			fail_msg("recv: %s", strerror(errno));
		if (n <= 0) {
			if (len)
				fail_msg("response cut short after %zu bytes", len);
			free(buf);
			return NULL;
		}
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return buf;
		}
		len++;
	}
}

static struct proto_response client_recv(int fd)
{
	struct proto_response resp;
	struct proto_error err;
	char *line = client_recv_line(fd);

	if (!line)
		fail_msg("EOF instead of a response");
	if (proto_response_parse(line, strlen(line), &resp, &err) < 0)
		fail_msg("bad response \"%.200s\": %s", line, err.message);
	free(line);
	return resp;
}

static void assert_eof(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);

	if (n != 0 && !(n < 0 && errno == ECONNRESET))
		fail_msg("expected EOF, got %zd (%s)", n, n < 0 ? strerror(errno) : "data");
}

static void assert_error(struct proto_response *r, enum proto_errcode code, const char *msg)
{
	assert_false(r->ok);
	if (r->error.code != code || !strstr(r->error.message, msg))
		fail_msg("got %s \"%s\", want %s \"...%s...\"", proto_errcode_name(r->error.code),
			 r->error.message, proto_errcode_name(code), msg);
}

static void assert_status_ok(struct proto_response *r)
{
	assert_true(r->ok);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r->result,
									      "daemon"),
							      "version")),
			    "test");
	proto_response_clear(r);
}

/* A whole status round trip on a new connection, through flowctl's client. */
static void status_via_flowctl(const char *path)
{
	struct proto_request req = { .command = PROTO_CMD_STATUS };
	struct proto_response resp;
	char err[256];

	if (flowctl_call(path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)) != FLOWCTL_EXIT_OK)
		fail_msg("flowctl_call: %s", err);
	assert_status_ok(&resp);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char status_line[] = "{\"version\":1,\"command\":\"status\"}\n";

/* ---- tests ---- */

/* A command the daemon's table has no handler for: an error naming it, no other handler runs. */
static void test_command_without_handler(void **state)
{
	struct proto_request req = { .command = PROTO_CMD_STATUS };
	struct proto_response resp;
	struct server s;
	char err[256];

	server_handlers = &no_status_handlers;
	server_start(&s, 0, 0);
	server_handlers = &all_handlers;
	assert_int_equal(flowctl_call(s.path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)), 0);
	assert_error(&resp, PROTO_ERR_BAD_REQUEST, "unknown command \"status\"");
	/* The connection and the other commands still work. */
	req.command = PROTO_CMD_RELOAD;
	assert_int_equal(flowctl_call(s.path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)), 0);
	assert_error(&resp, PROTO_ERR_RELOAD_FAILED, "/etc/flowd.conf:1: test");
	server_stop(&s);
}

static void test_commands_round_trip(void **state)
{
	struct proto_request req = { .command = PROTO_CMD_FLUSH,
				     .target = { PROTO_TARGET_TUNNEL, "tun0" } };
	struct proto_response resp;
	struct server s;
	char err[256];
	json_t *want;

	server_start(&s, 0, 0);
	status_via_flowctl(s.path);

	assert_int_equal(flowctl_call(s.path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)), 0);
	assert_true(resp.ok);
	want = json_pack("{s:i,s:{s:s}}", "flushed", 3, "target", "tunnel", "tun0");
	assert_true(json_equal(resp.result, want));
	json_decref(want);
	proto_response_clear(&resp);

	strcpy(req.target.name, "missing");
	assert_int_equal(flowctl_call(s.path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)), 0);
	assert_error(&resp, PROTO_ERR_NOT_FOUND, "no tunnel \"missing\"");

	req.command = PROTO_CMD_RELOAD;
	assert_int_equal(flowctl_call(s.path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)), 0);
	assert_error(&resp, PROTO_ERR_RELOAD_FAILED, "/etc/flowd.conf:1: test");
	server_stop(&s);
}

static void test_peer_credentials_reach_the_handler(void **state)
{
	struct server s;
	struct proto_response r;
	int fd;

	server_start(&s, 0, 0);
	fd = client_connect(s.path);
	client_send_str(fd, status_line);
	r = client_recv(fd);
	assert_true(r.ok);
	assert_int_equal(json_integer_value(json_object_get(r.result, "peer_uid")), getuid());
	assert_int_equal(json_integer_value(json_object_get(r.result, "peer_pid")), getpid());
	proto_response_clear(&r);
	close(fd);
	server_stop(&s);
}

static void test_pipelined_requests_answered_in_order(void **state)
{
	struct server s;
	struct proto_response r;
	int fd;

	server_start(&s, 0, 0);
	fd = client_connect(s.path);
	/* Three requests in one write, the last without its newline before EOF. */
	client_send_str(fd, "{\"version\":1,\"command\":\"status\"}\n"
			    "{\"version\":1,\"command\":\"bogus\"}\n"
			    "{\"version\":1,\"command\":\"flush\",\"target\":{\"all\":true}}");
	shutdown(fd, SHUT_WR);
	r = client_recv(fd);
	assert_status_ok(&r);
	r = client_recv(fd);
	assert_error(&r, PROTO_ERR_BAD_REQUEST, "unknown command \"bogus\"");
	r = client_recv(fd);
	assert_true(r.ok);
	assert_int_equal(json_integer_value(json_object_get(r.result, "flushed")), 3);
	proto_response_clear(&r);
	assert_eof(fd);
	close(fd);
	server_stop(&s);
}

/* Nothing to read yet and not hung up on: the connection is still open. */
static bool still_open(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 0;
}

static void test_silent_client_does_not_stall_others(void **state)
{
	struct server s;
	double t0, dt;
	int silent, partial;

	server_start(&s, 0, SHORT_IDLE_TIMEOUT_S);
	silent = client_connect(s.path);
	partial = client_connect(s.path);
	client_send_str(partial, "{\"version\":1,\"comm");

	t0 = now();
	status_via_flowctl(s.path);
	/*
	 * Served while both are still connected: a server that waited for
	 * them would have answered only after hanging up on them.  (No clock:
	 * a busy host makes this slower, not wrong.)
	 */
	if (!still_open(silent) || !still_open(partial))
		fail_msg("status was answered only after the silent clients were dropped "
			 "(%.2f s)", now() - t0);

	/* Both are hung up on after the timeout, without an answer. */
	assert_eof(silent);
	assert_eof(partial);
	dt = now() - t0;
	if (dt < SHORT_IDLE_TIMEOUT_S * 0.8)
		fail_msg("idle clients closed after %.2f s, before their %.1f s timeout", dt,
			 SHORT_IDLE_TIMEOUT_S);
	close(silent);
	close(partial);
	server_stop(&s);
}

static void test_hundred_clients_at_once(void **state)
{
	enum { N = 100 };
	struct server s;
	int fds[N];

	server_start(&s, 128, 0);
	for (int i = 0; i < N; i++)
		fds[i] = client_connect(s.path);
	for (int i = 0; i < N; i++)
		client_send_str(fds[i], status_line);
	for (int i = N - 1; i >= 0; i--) {
		struct proto_response r = client_recv(fds[i]);

		assert_status_ok(&r);
		close(fds[i]);
	}
	server_stop(&s);
}

static void test_clients_over_the_limit_wait_for_a_slot(void **state)
{
	struct server s;
	struct proto_response r;
	struct pollfd pfd;
	int a, b, c;

	server_start(&s, 2, 0);
	a = client_connect(s.path);
	b = client_connect(s.path);
	/* A round trip each: both are now accepted and counted. */
	client_send_str(a, status_line);
	r = client_recv(a);
	assert_status_ok(&r);
	client_send_str(b, status_line);
	r = client_recv(b);
	assert_status_ok(&r);

	/* The third waits in the backlog: connected, but no answer yet. */
	c = client_connect(s.path);
	client_send_str(c, status_line);
	pfd = (struct pollfd){ .fd = c, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 300), 0);

	/* A slot frees: the waiting client is served, not refused. */
	close(a);
	r = client_recv(c);
	assert_status_ok(&r);
	close(c);
	close(b);
	server_stop(&s);
}

/* A status round trip on fd: true if answered, false if refused for the limits. */
static bool status_or_refused(int fd)
{
	struct proto_response r;

	client_send_str(fd, status_line);
	r = client_recv(fd);
	if (r.ok) {
		assert_status_ok(&r);
		return true;
	}
	assert_error(&r, PROTO_ERR_PERMISSION_DENIED, "too many connections");
	assert_eof(fd);
	return false;
}

static void test_connections_per_uid_are_capped(void **state)
{
	struct server s;
	int held[CTL_DEFAULT_MAX_PER_UID], fd;
	double t0;

	server_start(&s, 0, 0);
	/* uid 1000 gets its 8, each answered (so each is accepted and counted). */
	for (int i = 0; i < CTL_DEFAULT_MAX_PER_UID; i++) {
		held[i] = connect_as(s.path, 1000);
		assert_true(status_or_refused(held[i]));
	}
	/* The 9th is refused with a reason, and closed. */
	fd = connect_as(s.path, 1000);
	client_send_str(fd, status_line);
	{
		struct proto_response r = client_recv(fd);

		assert_error(&r, PROTO_ERR_PERMISSION_DENIED,
			     "too many connections from uid 1000 (at most 8 per user");
	}
	assert_eof(fd);
	close(fd);
	/* Other users and root are not affected. */
	fd = connect_as(s.path, 1001);
	assert_true(status_or_refused(fd));
	close(fd);
	status_via_flowctl(s.path);
	/* A slot of its own frees: uid 1000 gets in again (once the server saw the close). */
	close(held[0]);
	t0 = now();
	for (;;) {
		fd = connect_as(s.path, 1000);
		if (status_or_refused(fd))
			break;
		close(fd);
		if (now() - t0 > 2)
			fail_msg("uid 1000 still refused after closing a connection");
		usleep(10 * 1000);
	}
	held[0] = fd;
	for (int i = 0; i < CTL_DEFAULT_MAX_PER_UID; i++)
		close(held[i]);
	server_stop(&s);
}

/*
 * The attack from issue 14: users in the socket's group hold every slot
 * they can and keep hundreds more connections coming; root (uid 0) is
 * still answered at once, and its reserve is there for it.
 */
static void test_root_is_served_while_others_flood(void **state)
{
	enum { USERS = 7, FLOOD = 300, RESERVE = CTL_DEFAULT_MAX_CLIENTS / 4 };
	int held[USERS * CTL_DEFAULT_MAX_PER_UID], flood[FLOOD], mine[RESERVE];
	unsigned int n_held = 0, refused = 0;
	struct server s;
	double t0, dt;
	int fd;

	/*
	 * An idle timeout far beyond any wait here: without the reserve, root
	 * would wait for it to free a slot, and the check below fails on any
	 * machine, however slow; with it, root is served once the server has
	 * worked through the backlog, which a busy host may slow down.
	 */
	server_start(&s, 0, 60.0);
	/* 7 users try for 8 each: together they get the 48 slots not reserved for root. */
	for (unsigned int u = 0; u < USERS; u++)
		for (int i = 0; i < CTL_DEFAULT_MAX_PER_UID; i++) {
			fd = connect_as(s.path, 1000 + u);
			if (status_or_refused(fd)) {
				held[n_held++] = fd;
			} else {
				refused++;
				close(fd);
			}
		}

	/* Hundreds more queue up in the backlog, in front of root. */
	for (int i = 0; i < FLOOD; i++) {
		flood[i] = connect_as(s.path, 1000 + (unsigned int)(i % USERS));
		client_send_str(flood[i], status_line);
	}
	t0 = now();
	fd = connect_as(s.path, 0);
	assert_true(status_or_refused(fd));
	dt = now() - t0;
	/* Before the reserve: until the idle timeout (60 s) freed a slot. */
	if (dt > 30.0)
		fail_msg("root waited %.2f s behind the flood", dt);
	close(fd);
	assert_int_equal(n_held, CTL_DEFAULT_MAX_CLIENTS - RESERVE);
	assert_int_equal(refused, USERS * CTL_DEFAULT_MAX_PER_UID - n_held);
	/* Every one of the flood was told why, none was left waiting. */
	for (int i = 0; i < FLOOD; i++) {
		assert_false(status_or_refused(flood[i]));
		close(flood[i]);
	}
	/* Root's reserve: 16 more connections while the others hold their 48. */
	for (int i = 0; i < RESERVE; i++) {
		mine[i] = connect_as(s.path, 0);
		assert_true(status_or_refused(mine[i]));
	}
	for (int i = 0; i < RESERVE; i++)
		close(mine[i]);
	for (unsigned int i = 0; i < n_held; i++)
		close(held[i]);
	server_stop(&s);
}

static void test_root_reserve_must_leave_room(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct ctl_options opts = { .mode = 0660, .max_clients = 4, .root_reserve = 4 };
	char err[256], dir[64] = "/tmp/flowd-ctl-test-XXXXXX", path[96];
	struct ctl *ctl;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/flowd.sock", dir);
	opts.path = path;
	ctl = ctl_open(loop, &opts, &all_handlers, NULL, err, sizeof(err));
	if (ctl) {
		ctl_close(ctl);
		fail_msg("a reserve of all 4 clients was accepted");
	}
	assert_non_null(strstr(err, "root's reserve (4) must leave some of the 4 clients"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rmdir(dir), 0);
	ev_loop_destroy(loop);
}

static void test_oversized_request(void **state)
{
	size_t size = PROTO_MAX_REQUEST + 6000;
	char *big = malloc(size);
	struct proto_response r;
	struct server s;
	int fd;

	server_start(&s, 0, 0);
	memset(big, ' ', size);
	memcpy(big, status_line, strlen(status_line) - 2);	/* no closing brace, no newline */
	fd = client_connect(s.path);
	client_send(fd, big, size);
	r = client_recv(fd);
	assert_error(&r, PROTO_ERR_BAD_REQUEST, "request too large");
	assert_eof(fd);
	close(fd);
	free(big);
	status_via_flowctl(s.path);
	server_stop(&s);
}

static void test_garbage_gets_bad_request_and_service_goes_on(void **state)
{
	static const char *const garbage[] = {
		"hello\n", "\n", "{}\n", "[]\n", "{\"version\":1,\"command\":\"status\",}\n",
		"{\"version\":99,\"command\":\"status\"}\n", "\xff\xfe\xfd\n", "\x1b[2J\n",
		"{\"version\":1,\"command\":\"flush\",\"target\":{\"tunnel\":\"../../x\"}}\n",
	};
	static const char nul[] = "{\"version\":1,\"command\":\"status\"}\0\n";
	struct proto_response r;
	struct server s;
	unsigned int seed = 1;
	char line[200];
	int fd;

	server_start(&s, 0, 0);
	fd = client_connect(s.path);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		client_send_str(fd, garbage[i]);
		r = client_recv(fd);
		assert_false(r.ok);
		assert_true(r.error.code == PROTO_ERR_BAD_REQUEST ||
			    r.error.code == PROTO_ERR_UNSUPPORTED_VERSION);
	}
	client_send(fd, nul, sizeof(nul) - 1);
	r = client_recv(fd);
	assert_error(&r, PROTO_ERR_BAD_REQUEST, "NUL byte");

	/* Random bytes, one line at a time: always exactly one answer. */
	for (int i = 0; i < 300; i++) {
		size_t len = (size_t)(rand_r(&seed) % (sizeof(line) - 1));

		for (size_t k = 0; k < len; k++) {
			line[k] = (char)(rand_r(&seed) % 256);
			if (line[k] == '\n')
				line[k] = ' ';
		}
		line[len] = '\n';
		client_send(fd, line, len + 1);
		r = client_recv(fd);
		assert_false(r.ok);
	}
	/* The same connection still works. */
	client_send_str(fd, status_line);
	r = client_recv(fd);
	assert_status_ok(&r);
	close(fd);

	/* A client that sends garbage and leaves without reading. */
	fd = client_connect(s.path);
	client_send_str(fd, "garbage\ngarbage\n");
	close(fd);
	status_via_flowctl(s.path);
	server_stop(&s);
}

static void test_handler_failures_become_internal_errors(void **state)
{
	static const struct {
		const char *device;
		const char *message;
	} cases[] = {
		{ "null", "flush failed" },
		{ "array", "flush returned no result object" },
		{ "huge", "flush result too large" },
		{ "badutf8", "flush result could not be encoded" },
	};
	struct server s;
	int fd;

	server_start(&s, 0, 0);
	fd = client_connect(s.path);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[200];
		struct proto_response r;

		snprintf(line, sizeof(line),
			 "{\"version\":1,\"command\":\"flush\",\"target\":{\"device\":\"%s\"}}\n",
			 cases[i].device);
		client_send_str(fd, line);
		r = client_recv(fd);
		assert_error(&r, PROTO_ERR_INTERNAL, cases[i].message);
	}
	/* Bytes that are not UTF-8 in an error message: escaped, not a dropped answer. */
	client_send_str(fd, "{\"version\":1,\"command\":\"flush\",\"target\":{\"device\":"
			    "\"badmsg\"}}\n");
	{
		struct proto_response r = client_recv(fd);

		assert_error(&r, PROTO_ERR_NOT_FOUND, "no device \"eth\\xff\\xfe\"");
	}
	close(fd);
	server_stop(&s);
}

static void test_big_response_reaches_flowctl(void **state)
{
	struct proto_request req = { .command = PROTO_CMD_FLUSH,
				     .target = { PROTO_TARGET_DEVICE, "big" } };
	struct proto_response resp;
	struct server s;
	char err[256];

	server_start(&s, 0, 0);
	assert_int_equal(flowctl_call(s.path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)), 0);
	assert_true(resp.ok);
	assert_int_equal(json_string_length(json_object_get(resp.result, "blob")), BIG_RESULT);
	proto_response_clear(&resp);
	server_stop(&s);
}

static void test_client_that_never_reads_is_dropped(void **state)
{
	static const char big[] =
		"{\"version\":1,\"command\":\"flush\",\"target\":{\"device\":\"big\"}}\n";
	struct server s;
	size_t total = 0;
	char buf[65536];
	int fd;

	server_start(&s, 0, SHORT_IDLE_TIMEOUT_S);
	fd = client_connect(s.path);
	client_send_str(fd, big);
	/* It never reads; meanwhile everybody else is served. */
	status_via_flowctl(s.path);
	/* Hung up on once its timeout ran out, still without reading. */
	{
		struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

		if (poll(&pfd, 1, RECV_TIMEOUT_S * 1000) != 1 || !(pfd.revents & POLLRDHUP))
			fail_msg("a client that never read was not hung up on in %d s",
				 RECV_TIMEOUT_S);
	}
	/* What reached it is only what fit in the socket buffers, then EOF. */
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		total += (size_t)n;
	}
	if (total >= BIG_RESULT)
		fail_msg("a client that never read got all %zu bytes", total);
	status_via_flowctl(s.path);
	close(fd);
	server_stop(&s);
}

/* In a child running as nobody: 0 if status works and both changes are refused. */
static int nobody_checks(const char *path)
{
	struct proto_request req = { .command = PROTO_CMD_STATUS };
	struct proto_response resp;
	char err[256];

	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	if (flowctl_call(path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)) != 0 || !resp.ok)
		return 11;
	proto_response_clear(&resp);
	req.command = PROTO_CMD_FLUSH;
	req.target.kind = PROTO_TARGET_ALL;
	if (flowctl_call(path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)) != 0 || resp.ok ||
	    resp.error.code != PROTO_ERR_PERMISSION_DENIED ||
	    strcmp(resp.error.message, "flush needs root") != 0)
		return 12;
	req.command = PROTO_CMD_RELOAD;
	if (flowctl_call(path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)) != 0 || resp.ok ||
	    resp.error.code != PROTO_ERR_PERMISSION_DENIED ||
	    strcmp(resp.error.message, "reload needs root") != 0)
		return 13;
	return 0;
}

/* In a child running as nobody: 0 if the socket's mode keeps it out. */
static int nobody_locked_out(const char *path)
{
	struct proto_request req = { .command = PROTO_CMD_STATUS };
	struct proto_response resp;
	char err[256];

	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	if (flowctl_call(path, &req, CALL_TIMEOUT_MS, &resp, err, sizeof(err)) != FLOWCTL_EXIT_DENIED)
		return 11;
	return strstr(err, "permission denied") ? 0 : 12;
}

/*
 * In a child running as nobody, with real credentials (no fake address):
 * 0 if it gets 8 connections served and the next ones refused.
 */
static int nobody_capped(const char *path)
{
	enum { TRIES = CTL_DEFAULT_MAX_PER_UID + 4 };
	unsigned int served = 0, refused = 0;
	int fds[TRIES];

	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	for (int i = 0; i < TRIES; i++) {
		char buf[512];
		ssize_t n;

		fds[i] = try_connect(path);
		if (fds[i] < 0)
			return 11;
		/*
		 * A connection over the cap is answered and closed at once, maybe
		 * before our request is sent: then the send fails (EPIPE,
		 * ECONNRESET) but the refusal is still there to read.
		 */
		if (send(fds[i], status_line, strlen(status_line), MSG_NOSIGNAL) < 0 &&
		    errno != EPIPE && errno != ECONNRESET)
			return 11;
		n = recv(fds[i], buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			return 12;
		buf[n] = '\0';
		if (strstr(buf, "\"ok\":true"))
			served++;
		else if (strstr(buf, "too many connections from uid 65534"))
			refused++;
	}
	return served == CTL_DEFAULT_MAX_PER_UID && refused == TRIES - served ? 0 : 13;
}

static void run_as_nobody(int (*fn)(const char *), const char *path)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("check as uid 65534 failed with %d", WEXITSTATUS(status));
}

static void test_non_root_is_denied_changes(void **state)
{
	struct server s;

	if (geteuid() != 0)
		skip();
	server_start_opts(&s, 0, 0, 0666);
	run_as_nobody(nobody_checks, s.path);
	run_as_nobody(nobody_capped, s.path);
	status_via_flowctl(s.path);
	server_stop(&s);

	server_start_opts(&s, 0, 0, 0660);
	run_as_nobody(nobody_locked_out, s.path);
	server_stop(&s);
}

/* ---- socket file handling, in-process: the loop is never run ---- */

static struct ctl *open_at(struct ev_loop *loop, const char *path, mode_t mode,
			   const char *group, char *err, size_t errlen)
{
	struct ctl_options opts = { .path = path, .mode = mode, .group = group };

	return ctl_open(loop, &opts, &all_handlers, NULL, err, errlen);
}

static void test_socket_file_setup(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct group *gr = getgrgid(getgid());
	char err[256], dir[64] = "/tmp/flowd-ctl-test-XXXXXX", path[160], sub[128];
	struct ctl *ctl, *second;
	struct stat st;

	assert_non_null(gr);
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	snprintf(path, sizeof(path), "%s/flowd.sock", sub);

	/* Missing parents are created 0755; the socket gets mode and group. */
	ctl = open_at(loop, path, 0640, gr->gr_name, err, sizeof(err));
	if (!ctl)
		fail_msg("ctl_open: %s", err);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, gr->gr_gid);
	assert_int_equal(ctl_client_count(ctl), 0);

	/* A second daemon on the same path is refused, and leaves it alone. */
	second = open_at(loop, path, 0660, NULL, err, sizeof(err));
	assert_null(second);
	assert_non_null(strstr(err, "is already listening on"));
	assert_int_equal(access(path, F_OK), 0);

	ctl_close(ctl);
	assert_int_equal(access(path, F_OK), -1);

	/* A stale socket (bound, nobody listening) is replaced. */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		strcpy(sa.sun_path, path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	assert_int_equal(access(path, F_OK), 0);
	ctl = open_at(loop, path, 0660, "", err, sizeof(err));
	if (!ctl)
		fail_msg("stale socket not replaced: %s", err);
	ctl_close(ctl);

	/* Something that is not a socket is never removed. */
	fclose(fopen(path, "w"));
	assert_null(open_at(loop, path, 0660, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(unlink(path), 0);

	/* A group typo fails before anything is created. */
	assert_null(open_at(loop, path, 0660, "no-such-group-flowd", err, sizeof(err)));
	assert_string_equal(err, "group \"no-such-group-flowd\" does not exist");
	assert_int_equal(access(path, F_OK), -1);

	/* sun_path has room for 107 bytes. */
	{
		char longpath[200];

		memset(longpath, 'x', sizeof(longpath) - 1);
		longpath[0] = '/';
		longpath[sizeof(longpath) - 1] = '\0';
		assert_null(open_at(loop, longpath, 0660, NULL, err, sizeof(err)));
		assert_non_null(strstr(err, "longer than 107 bytes"));
	}

	assert_int_equal(rmdir(sub), 0);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
	ev_loop_destroy(loop);
}

/* A group that is not ours and that we may give a file to: false if none. */
static bool other_group(char *name, size_t len, gid_t *gid)
{
	const struct group *gr = NULL;
	gid_t groups[64];
	int n;

	if (geteuid() != 0) {
		/* Not root: only a supplementary group of ours will do. */
		n = getgroups(64, groups);
		for (int i = 0; i < n && !gr; i++)
			if (groups[i] != getegid())
				gr = getgrgid(groups[i]);
	} else {
		setgrent();
		while ((gr = getgrent()) && gr->gr_gid == getegid())
			;
	}
	if (gr) {
		snprintf(name, len, "%s", gr->gr_name);
		*gid = gr->gr_gid;
	}
	if (geteuid() == 0)
		endgrent();
	return gr != NULL;
}

static void assert_socket_is(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	if ((st.st_mode & 07777) != mode || st.st_gid != gid)
		fail_msg("%s has mode %04o group %u, want %04o group %u", path,
			 (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_gid,
			 (unsigned int)mode, (unsigned int)gid);
}

/*
 * A reload that changes the socket's mode or group (issue 14, hardening
 * 3): a new socket on our own path is refused (we are listening there),
 * so ctl_update() changes the file in place, all or nothing.
 */
static void test_mode_and_group_change_in_place(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	char err[256], dir[64] = "/tmp/flowd-ctl-test-XXXXXX", path[96], other_path[128];
	struct ctl_options opts = { .mode = 0640 };
	gid_t other_gid = 0;
	struct ctl *ctl;
	char other_name[64];
	int fd;

	if (!other_group(other_name, sizeof(other_name), &other_gid))
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/flowd.sock", dir);
	ctl = open_at(loop, path, 0660, NULL, err, sizeof(err));
	if (!ctl)
		fail_msg("ctl_open: %s", err);
	assert_socket_is(path, 0660, getegid());

	/* What a reload did before: a second socket on the path, refused. */
	assert_null(open_at(loop, path, 0640, other_name, err, sizeof(err)));
	assert_non_null(strstr(err, "is already listening on"));

	/* In place: the same file, still listening, new mode and group. */
	opts.path = path;
	opts.group = other_name;
	if (ctl_update(ctl, &opts, err, sizeof(err)) != 1)
		fail_msg("ctl_update: %s", err);
	assert_socket_is(path, 0640, other_gid);
	fd = client_connect(path);
	close(fd);

	/* Looser again, and back to our own group; the path spelled differently. */
	snprintf(other_path, sizeof(other_path), "%s//flowd.sock", dir);
	opts.path = other_path;
	opts.mode = 0660;
	opts.group = "";
	if (ctl_update(ctl, &opts, err, sizeof(err)) != 1)
		fail_msg("ctl_update: %s", err);
	assert_socket_is(path, 0660, getegid());

	/* A group that does not exist: an error, and nothing changes. */
	opts.path = path;
	opts.mode = 0600;
	opts.group = "no-such-group-flowd";
	assert_int_equal(ctl_update(ctl, &opts, err, sizeof(err)), -1);
	assert_string_equal(err, "group \"no-such-group-flowd\" does not exist");
	assert_socket_is(path, 0660, getegid());

	/* Another path is not this socket: 0, for the caller to open one there. */
	snprintf(other_path, sizeof(other_path), "%s/other.sock", dir);
	opts.path = other_path;
	opts.group = NULL;
	assert_int_equal(ctl_update(ctl, &opts, err, sizeof(err)), 0);
	assert_int_equal(access(other_path, F_OK), -1);
	assert_socket_is(path, 0660, getegid());

	/* A file that replaced ours on the path is not ours to change. */
	assert_int_equal(rename(path, other_path), 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s2 = socket(AF_UNIX, SOCK_STREAM, 0);

		strcpy(sa.sun_path, path);
		assert_int_equal(bind(s2, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(s2);
	}
	opts.path = path;
	opts.mode = 0600;
	assert_int_equal(ctl_update(ctl, &opts, err, sizeof(err)), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(other_path, path), 0);

	ctl_close(ctl);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rmdir(dir), 0);
	ev_loop_destroy(loop);
}

static void test_flowctl_without_daemon(void **state)
{
	struct proto_request req = { .command = PROTO_CMD_STATUS };
	struct proto_response resp;
	char err[256];

	assert_int_equal(flowctl_call("/nonexistent/flowd.sock", &req, 1000, &resp, err,
				      sizeof(err)),
			 FLOWCTL_EXIT_NO_DAEMON);
	assert_string_equal(err, "cannot connect to /nonexistent/flowd.sock: No such file or "
				 "directory (is flowd running?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_round_trip),
		cmocka_unit_test(test_command_without_handler),
		cmocka_unit_test(test_peer_credentials_reach_the_handler),
		cmocka_unit_test(test_pipelined_requests_answered_in_order),
		cmocka_unit_test(test_silent_client_does_not_stall_others),
		cmocka_unit_test(test_hundred_clients_at_once),
		cmocka_unit_test(test_clients_over_the_limit_wait_for_a_slot),
		cmocka_unit_test(test_connections_per_uid_are_capped),
		cmocka_unit_test(test_root_is_served_while_others_flood),
		cmocka_unit_test(test_root_reserve_must_leave_room),
		cmocka_unit_test(test_oversized_request),
		cmocka_unit_test(test_garbage_gets_bad_request_and_service_goes_on),
		cmocka_unit_test(test_handler_failures_become_internal_errors),
		cmocka_unit_test(test_big_response_reaches_flowctl),
		cmocka_unit_test(test_client_that_never_reads_is_dropped),
		cmocka_unit_test(test_non_root_is_denied_changes),
		cmocka_unit_test(test_socket_file_setup),
		cmocka_unit_test(test_mode_and_group_change_in_place),
		cmocka_unit_test(test_flowctl_without_daemon),
	};

	/* Quiet: the server logs every rejected request at debug level only. */
	log_init("test_ctl", true, LOG_LEVEL_WARNING);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
