// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket module (daemon_control.c) through reloads, on real
 * UNIX sockets in a temporary directory: a new path, a new mode in place,
 * and reloads that must fail and leave the running socket as it was,
 * including the undo of an in-place change when a later module refuses.
 */
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon.h"
#include "module.h"

struct fixture {
	char dir[64];
	char group[64];
	struct flowd fd;
	struct conf *confs[4];
	size_t n_confs;
};

/* A config whose control socket is dir/name with mode and group. */
static struct conf *conf_with_socket(struct fixture *f, const char *name, const char *mode,
				     const char *group)
{
	char text[512], err[256];
	struct conf *conf;

	snprintf(text, sizeof(text),
		 "devices = [ \"eth0\" ];\n"
		 "control: { socket = \"%s/%s\"; mode = \"%s\"; group = \"%s\"; };\n",
		 f->dir, name, mode, group);
	if (conf_load_string(text, "/etc/flowd.conf", &conf, err, sizeof(err)) < 0) {
		fail_msg("config: %s", err);
		return NULL;
	}
	assert_true(f->n_confs < sizeof(f->confs) / sizeof(f->confs[0]));
	f->confs[f->n_confs++] = conf;
	return conf;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct group *gr;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/flowd-test-ctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* Our own group: chown to it works without privileges. */
	gr = getgrgid(getgid());
	if (!gr) {
		fail_msg("no name for our group %u", (unsigned int)getgid());
		return -1;
	}
	snprintf(f->group, sizeof(f->group), "%s", gr->gr_name);
	f->fd.loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(f->fd.loop);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	control_module.stop(&f->fd);
	ev_loop_destroy(f->fd.loop);
	while (f->n_confs > 0)
		conf_free(f->confs[--f->n_confs]);
	rmdir(f->dir);
	free(f);
	return 0;
}

static bool exists(const struct fixture *f, const char *name, struct stat *st)
{
	char path[128];
	struct stat ignored;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	return lstat(path, st ? st : &ignored) == 0;
}

/* Does a client get through to dir/name? */
static bool answers(const struct fixture *f, const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	assert_true(s >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", f->dir, name);
	ok = connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(s);
	return ok;
}

static const struct module_ops *const control_only[] = { &control_module };

/* A new path: the new socket serves, the old one goes once the loop ran. */
static void test_reload_moves_socket(void **state)
{
	struct fixture *f = *state;
	struct conf *a = conf_with_socket(f, "a.sock", "0660", f->group);
	struct conf *b = conf_with_socket(f, "b.sock", "0660", f->group);
	char err[256];

	assert_int_equal(control_module.start(&f->fd, a, err, sizeof(err)), 0);
	assert_true(answers(f, "a.sock"));
	assert_int_equal(modules_reconfigure(control_only, 1, &f->fd, a, b, err, sizeof(err)), 0);
	assert_true(answers(f, "b.sock"));
	/* The old socket may be answering this very reload: closed from the loop. */
	assert_true(exists(f, "a.sock", NULL));
	ev_run(f->fd.loop, EVRUN_NOWAIT);
	assert_false(exists(f, "a.sock", NULL));
	assert_true(answers(f, "b.sock"));
}

/* A new mode on the same path: the same socket file, changed in place. */
static void test_reload_mode_in_place(void **state)
{
	struct fixture *f = *state;
	struct conf *a = conf_with_socket(f, "a.sock", "0660", f->group);
	struct conf *b = conf_with_socket(f, "a.sock", "0600", f->group);
	struct stat before, after;
	char err[256];

	assert_int_equal(control_module.start(&f->fd, a, err, sizeof(err)), 0);
	assert_true(exists(f, "a.sock", &before));
	assert_int_equal(before.st_mode & 07777, 0660);
	assert_int_equal(modules_reconfigure(control_only, 1, &f->fd, a, b, err, sizeof(err)), 0);
	assert_true(exists(f, "a.sock", &after));
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mode & 07777, 0600);
	assert_true(answers(f, "a.sock"));
}

/* A group that existed when the config was checked and is gone now. */
static void set_group_gone(struct conf *conf)
{
	free(conf->control_group);
	conf->control_group = strdup("flowd-no-such-group");
	assert_non_null(conf->control_group);
}

/* Bad settings: the reload fails naming the module, the socket is as it was. */
static void test_reload_refused(void **state)
{
	struct fixture *f = *state;
	struct conf *a = conf_with_socket(f, "a.sock", "0660", f->group);
	struct conf *gone = conf_with_socket(f, "a.sock", "0600", f->group);
	struct conf *blocked = conf_with_socket(f, "file/b.sock", "0660", f->group);
	struct stat before, after;
	char path[128], err[256];
	FILE *file;

	set_group_gone(gone);
	/* A regular file where the new socket's directory would be. */
	snprintf(path, sizeof(path), "%s/file", f->dir);
	file = fopen(path, "w");
	assert_non_null(file);
	fclose(file);

	assert_int_equal(control_module.start(&f->fd, a, err, sizeof(err)), 0);
	assert_true(exists(f, "a.sock", &before));
	assert_int_equal(modules_reconfigure(control_only, 1, &f->fd, a, gone, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control socket: "));
	assert_non_null(strstr(err, "flowd-no-such-group"));
	assert_int_equal(modules_reconfigure(control_only, 1, &f->fd, a, blocked, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "control socket: "));
	assert_non_null(strstr(err, "file/b.sock"));
	assert_true(exists(f, "a.sock", &after));
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mode & 07777, 0660);
	assert_true(answers(f, "a.sock"));
	unlink(path);
}

static int refuse_prepare(void *ctx, const struct conf *old, const struct conf *next, char *err,
			  size_t errlen)
{
	(void)ctx;
	(void)old;
	(void)next;
	snprintf(err, errlen, "needs a restart");
	return -1;
}

static const struct module_ops refusing = { .name = "later", .prepare = refuse_prepare };

/* A module after it refuses: the in-place mode change and a new socket are undone. */
static void test_reload_undone(void **state)
{
	struct fixture *f = *state;
	const struct module_ops *const mods[] = { &control_module, &refusing };
	struct conf *a = conf_with_socket(f, "a.sock", "0660", f->group);
	struct conf *b = conf_with_socket(f, "a.sock", "0600", f->group);
	struct conf *c = conf_with_socket(f, "c.sock", "0660", f->group);
	struct stat st;
	char err[256];

	assert_int_equal(control_module.start(&f->fd, a, err, sizeof(err)), 0);
	assert_int_equal(modules_reconfigure(mods, 2, &f->fd, a, b, err, sizeof(err)), -1);
	assert_string_equal(err, "later: needs a restart");
	assert_true(exists(f, "a.sock", &st));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(modules_reconfigure(mods, 2, &f->fd, a, c, err, sizeof(err)), -1);
	assert_false(exists(f, "c.sock", NULL));
	assert_true(answers(f, "a.sock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reload_moves_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_mode_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_undone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
