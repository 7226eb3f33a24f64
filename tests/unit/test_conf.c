// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Config file tests.  Good files are checked field by field; every
 * conf/bad/NAME.conf must fail with exactly the message in NAME.err, so
 * adding a pair of files adds a case.  Tests chdir into the data directory
 * and pass bare file names, which keeps the messages independent of where
 * the source tree lives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

#define GOOD_DIR TEST_SRCDIR "/conf/good"
#define BAD_DIR TEST_SRCDIR "/conf/bad"
#define EXAMPLE_CONF TEST_SRCDIR "/../../conf/flowd.conf"
#define MIN_BAD_FILES 25

/* Anything conf_load() must leave alone on failure. */
static struct conf sentinel;

static void enter(const char *dir)
{
	assert_int_equal(chdir(dir), 0);
}

static struct conf *load_ok(const char *path)
{
	struct conf *conf = NULL;
	char err[1024] = "";

	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fail_msg("%s: unexpected error: %s", path, err);
	assert_non_null(conf);
	return conf;
}

static void assert_prefix(const struct prefix *p, int family, const char *addr, unsigned int len)
{
	uint8_t want[16] = { 0 };

	assert_int_equal(p->family, family);
	assert_int_equal(inet_pton(family, addr, want), 1);
	assert_memory_equal(p->addr, want, family == AF_INET ? 4 : 16);
	assert_int_equal(p->len, len);
}

/* Every default but the selections (devices, tunnels) and the exclude list. */
static void assert_defaults_but_lists(const struct conf *c)
{
	assert_string_equal(c->table_family, "inet");
	assert_string_equal(c->table_name, "flowd");
	assert_string_equal(c->flowtable_name, "ft");
	assert_int_equal(c->flowtable_priority, 0);
	assert_false(c->flowtable_counter);
	assert_false(c->flowtable_offload);
	assert_int_equal(c->flow_l4, FLOW_L4_TCP | FLOW_L4_UDP);
	assert_int_equal(c->flow_families, FLOW_FAMILY_IPV4 | FLOW_FAMILY_IPV6);
	assert_int_equal(c->chain_priority, 10);
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	assert_true(c->keep_table_on_exit);
	assert_int_equal(c->flush_method, CONF_FLUSH_AUTO);
	assert_string_equal(c->control_socket, "/run/flowd/flowd.sock");
	assert_int_equal(c->control_mode, 0660);
	assert_string_equal(c->control_group, "root");
}

static void test_empty_file_gives_defaults(void **state)
{
	struct conf *c;

	enter(GOOD_DIR);
	c = load_ok("empty.conf");
	assert_string_equal(c->path, "empty.conf");
	assert_defaults_but_lists(c);
	assert_int_equal(c->tunnel_kinds, TUNNEL_KIND_ALL);
	assert_int_equal(c->n_devices, 0);
	assert_int_equal(c->n_tunnel_names, 0);
	assert_int_equal(c->n_exclude, 0);
	conf_free(c);
}

static void test_every_key_set(void **state)
{
	struct conf *c;

	enter(GOOD_DIR);
	c = load_ok("full.conf");
	assert_string_equal(c->table_family, "inet");
	assert_string_equal(c->table_name, "edge_fw-1.v2");
	assert_string_equal(c->flowtable_name, "fast");
	assert_int_equal(c->flowtable_priority, -150);
	assert_true(c->flowtable_counter);
	assert_true(c->flowtable_offload);
	assert_int_equal(c->n_devices, 4);
	assert_string_equal(c->devices[0], "eth0");
	assert_string_equal(c->devices[1], "lan*");
	assert_string_equal(c->devices[2], "wan[0-9]");
	assert_string_equal(c->devices[3], "ppp\\*");
	assert_int_equal(c->tunnel_kinds, TUNNEL_KIND_GRE | TUNNEL_KIND_IPIP | TUNNEL_KIND_IP6GRE);
	assert_int_equal(c->n_tunnel_names, 2);
	assert_string_equal(c->tunnel_names[0], "tun*");
	assert_string_equal(c->tunnel_names[1], "wg-[!x]*");
	assert_int_equal(c->flow_l4, FLOW_L4_UDP);
	assert_int_equal(c->flow_families, FLOW_FAMILY_IPV4 | FLOW_FAMILY_IPV6);
	assert_int_equal(c->n_exclude, 5);
	assert_prefix(&c->exclude[0], AF_INET, "10.9.0.0", 16);
	assert_prefix(&c->exclude[1], AF_INET6, "fd00::", 8);
	assert_prefix(&c->exclude[2], AF_INET, "192.0.2.7", 32);
	assert_prefix(&c->exclude[3], AF_INET6, "2001:db8::", 64);
	assert_prefix(&c->exclude[4], AF_INET, "0.0.0.0", 0);
	assert_int_equal(c->chain_priority, -1000);
	assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
	assert_false(c->keep_table_on_exit);
	assert_int_equal(c->flush_method, CONF_FLUSH_REBUILD);
	assert_string_equal(c->control_socket, "/var/run/flowd.sock");
	assert_int_equal(c->control_mode, 0640);
	assert_string_equal(c->control_group, "daemon");
	conf_free(c);
}

static void test_ip_table_defaults_to_ipv4(void **state)
{
	struct conf *c;

	enter(GOOD_DIR);
	c = load_ok("ip-table.conf");
	assert_string_equal(c->table_family, "ip");
	assert_int_equal(c->flow_families, FLOW_FAMILY_IPV4);
	assert_int_equal(c->tunnel_kinds, TUNNEL_KIND_ALL);
	assert_int_equal(c->n_devices, 2);
	assert_string_equal(c->devices[0], "br-lan");
	assert_string_equal(c->devices[1], "eth1");
	assert_int_equal(c->flowtable_priority, 1000);
	assert_int_equal(c->log_level, LOG_LEVEL_WARNING);
	conf_free(c);
}

static void test_ip6_table_names_only(void **state)
{
	struct conf *c;

	enter(GOOD_DIR);
	c = load_ok("ip6-table.conf");
	assert_string_equal(c->table_family, "ip6");
	assert_int_equal(c->flow_families, FLOW_FAMILY_IPV6);
	assert_int_equal(c->tunnel_kinds, 0);
	assert_int_equal(c->n_tunnel_names, 1);
	assert_string_equal(c->tunnel_names[0], "6in4-*");
	assert_int_equal(c->flow_l4, FLOW_L4_TCP);
	assert_int_equal(c->n_exclude, 1);
	assert_prefix(&c->exclude[0], AF_INET6, "fd00:1::", 32);
	assert_int_equal(c->control_mode, 0700);
	conf_free(c);
}

static void test_escaped_strings(void **state)
{
	struct conf *c;

	enter(GOOD_DIR);
	c = load_ok("quoting.conf");
	assert_int_equal(c->n_devices, 2);
	assert_string_equal(c->devices[0], "a\"b");
	assert_string_equal(c->devices[1], "c\\d");
	assert_string_equal(c->control_socket, "/run/a\"b\\c.sock");
	conf_free(c);
}

/*
 * The shipped /etc/flowd.conf documents the defaults and selects nothing:
 * no device, no tunnel kind, no tunnel name, so installing flowd changes
 * no router's forwarding until the operator edits it.
 */
static void test_example_loads_and_selects_nothing(void **state)
{
	struct conf *c = load_ok(EXAMPLE_CONF);

	assert_defaults_but_lists(c);
	assert_int_equal(c->n_devices, 0);
	assert_int_equal(c->tunnel_kinds, 0);
	assert_int_equal(c->n_tunnel_names, 0);
	assert_int_equal(c->n_exclude, 0);
	conf_free(c);
}

static void test_missing_file(void **state)
{
	struct conf *out = &sentinel;
	char err[256];

	enter(GOOD_DIR);
	assert_int_equal(conf_load("no-such-file.conf", &out, err, sizeof(err)), -1);
	assert_ptr_equal(out, &sentinel);
	assert_string_equal(err, "no-such-file.conf: cannot open: No such file or directory");
}

static void test_directory_is_not_a_file(void **state)
{
	struct conf *out = &sentinel;
	char err[256];

	enter(GOOD_DIR);
	assert_int_equal(conf_load(".", &out, err, sizeof(err)), -1);
	assert_ptr_equal(out, &sentinel);
	assert_string_equal(err, ".: cannot read: Is a directory");
}

/* A scratch directory for files the repository cannot hold (FIFOs, huge files). */
static char scratch[64];

static void scratch_enter(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/flowd-test-conf-XXXXXX");
	assert_non_null(mkdtemp(scratch));
	enter(scratch);
}

static void scratch_leave(const char *const *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(unlink(files[i]), 0);
	enter("/");
	assert_int_equal(rmdir(scratch), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* Opening a FIFO for reading blocks until a writer comes: the old code hung here. */
static void test_fifo_is_refused(void **state)
{
	static const char *const files[] = { "fifo.conf", "main.conf" };
	struct conf *out = &sentinel;
	char err[512];

	scratch_enter();
	assert_int_equal(mkfifo("fifo.conf", 0600), 0);
	alarm(10);		/* a hang fails the test instead of stalling make check */
	assert_int_equal(conf_load("fifo.conf", &out, err, sizeof(err)), -1);
	assert_string_equal(err, "fifo.conf: is a FIFO; flowd reads its configuration only "
			    "from regular files");
	write_file("main.conf", "log: { level = \"debug\"; };\n@include \"fifo.conf\"\n");
	assert_int_equal(conf_load("main.conf", &out, err, sizeof(err)), -1);
	assert_string_equal(err, "main.conf:2: @include \"fifo.conf\": ./fifo.conf: is a FIFO; "
			    "flowd reads its configuration only from regular files");
	/* The same through conf_load_string(), the reload's path for the fuzzer. */
	assert_int_equal(conf_load_string("@include \"fifo.conf\"", "x.conf", &out, err,
					  sizeof(err)), -1);
	assert_string_equal(err, "x.conf:1: @include \"fifo.conf\": ./fifo.conf: is a FIFO; "
			    "flowd reads its configuration only from regular files");
	/* A character device never ends. */
	assert_int_equal(conf_load("/dev/zero", &out, err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/zero: is a character device; flowd reads its "
			    "configuration only from regular files");
	alarm(0);
	assert_ptr_equal(out, &sentinel);
	scratch_leave(files, 2);
}

/* A reload runs on the event loop: the text it parses is bounded. */
static void test_size_is_bounded(void **state)
{
	static const char *const files[] = { "big.conf", "main.conf", "ok.conf" };
	const size_t limit = 64 * 1024;
	struct conf *out = &sentinel, *c;
	char err[512];
	FILE *fp;

	scratch_enter();
	/* One byte over the limit, all comment: valid libconfig, too large. */
	fp = fopen("big.conf", "w");
	assert_non_null(fp);
	for (size_t i = 0; i < limit; i += 64)
		fprintf(fp, "# %61zu\n", i);
	fputc('\n', fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(conf_load("big.conf", &out, err, sizeof(err)), -1);
	assert_string_equal(err, "big.conf: configuration too large: flowd reads at most "
			    "65536 bytes (the main file and its @include files together)");
	/* The limit holds for the main file and its includes together. */
	assert_int_equal(truncate("big.conf", (off_t)(limit - 128)), 0);	/* whole lines */
	assert_int_equal(rename("big.conf", "part.inc"), 0);
	fp = fopen("main.conf", "w");	/* 192 bytes of comment and the @include */
	assert_non_null(fp);
	for (int i = 0; i < 3; i++)
		fprintf(fp, "# %61d\n", i);
	fputs("@include \"part.inc\"\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(conf_load("main.conf", &out, err, sizeof(err)), -1);
	assert_string_equal(err, "main.conf:4: @include \"part.inc\": ./part.inc: configuration "
			    "too large: flowd reads at most 65536 bytes (the main file and its "
			    "@include files together)");
	assert_ptr_equal(out, &sentinel);
	/* Just under it loads. */
	write_file("ok.conf", "@include \"part.inc\"\n");
	c = load_ok("ok.conf");
	conf_free(c);
	assert_int_equal(rename("part.inc", "big.conf"), 0);
	scratch_leave(files, 3);
}

static void test_error_is_truncated_to_buffer(void **state)
{
	struct conf *out = &sentinel;
	char err[16];

	enter(BAD_DIR);
	memset(err, 'x', sizeof(err));
	assert_int_equal(conf_load("unknown-top-key.conf", &out, err, 12), -1);
	assert_string_equal(err, "unknown-top");
	assert_int_equal(err[12], 'x');
}

/* The .err file's one line, without its newline; NULL if unreadable. */
static char *read_expected(const char *conf_name)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;

	snprintf(path, sizeof(path), "%.*s.err", (int)(strlen(conf_name) - 5), conf_name);
	fp = fopen(path, "r");
	if (!fp)
		return NULL;
	len = getline(&line, &cap, fp);
	fclose(fp);
	if (len < 0) {
		free(line);
		return NULL;
	}
	if (len > 0 && line[len - 1] == '\n')
		line[len - 1] = '\0';
	return line;
}

static int is_conf_file(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && strcmp(d->d_name + len - 5, ".conf") == 0;
}

static void test_bad_files(void **state)
{
	struct dirent **names;
	int n, failures = 0;

	enter(BAD_DIR);
	n = scandir(".", &names, is_conf_file, alphasort);
	assert_true(n >= MIN_BAD_FILES);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *want = read_expected(name);
		struct conf *out = &sentinel;
		char err[1024] = "";
		int rc = conf_load(name, &out, err, sizeof(err));

		if (!want) {
			print_error("%s: no matching .err file\n", name);
			failures++;
		} else if (rc != -1 || out != &sentinel) {
			print_error("%s: loaded although it is bad (rc %d)\n", name, rc);
			failures++;
		} else if (strcmp(err, want) != 0) {
			print_error("%s:\n  expected: %s\n  got:      %s\n", name, want, err);
			failures++;
		}
		free(want);
		free(names[i]);
	}
	free(names);
	assert_int_equal(failures, 0);
}

/* A file's text, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int ch;

	if (!fp)
		return NULL;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	while ((ch = fgetc(fp)) != EOF)
		fputc(ch, out);
	fclose(fp);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* conf_load_string() on a file's text answers exactly as conf_load() on the file. */
static int check_string_like_file(const char *name)
{
	struct conf *from_file = NULL, *from_text = NULL;
	char err_file[1024] = "", err_text[1024] = "";
	char *text = slurp(name);
	int rc_file, rc_text, bad = 0;

	assert_non_null(text);
	rc_file = conf_load(name, &from_file, err_file, sizeof(err_file));
	rc_text = conf_load_string(text, name, &from_text, err_text, sizeof(err_text));
	if (rc_file != rc_text || strcmp(err_file, err_text) != 0) {
		print_error("%s: file: %d \"%s\", string: %d \"%s\"\n", name, rc_file, err_file,
			    rc_text, err_text);
		bad = 1;
	} else if (rc_file == 0 && (!conf_equal(from_file, from_text) ||
				    strcmp(from_file->path, from_text->path) != 0)) {
		print_error("%s: loads differently from a string\n", name);
		bad = 1;
	}
	conf_free(from_file);
	conf_free(from_text);
	free(text);
	return bad;
}

static void test_load_string_like_file(void **state)
{
	static const char *const dirs[] = { GOOD_DIR, BAD_DIR };
	int failures = 0;

	for (size_t d = 0; d < 2; d++) {
		struct dirent **names;
		int n;

		enter(dirs[d]);
		n = scandir(".", &names, is_conf_file, alphasort);
		assert_true(n > 0);
		for (int i = 0; i < n; i++) {
			failures += check_string_like_file(names[i]->d_name);
			free(names[i]);
		}
		free(names);
	}
	assert_int_equal(failures, 0);
}

/* conf_print() into a file, then conf_load() that file. */
static struct conf *print_and_reload(const struct conf *c)
{
	char path[] = "/tmp/flowd-test-conf-XXXXXX";
	struct conf *again;
	int fd = mkstemp(path);
	FILE *fp;

	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	conf_print(fp, c);
	assert_int_equal(fclose(fp), 0);
	again = load_ok(path);
	assert_int_equal(unlink(path), 0);
	return again;
}

static char *print_to_string(struct conf *c)
{
	char *path = c->path, *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	c->path = NULL;		/* the "read from" comment differs by design */
	conf_print(fp, c);
	c->path = path;
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void check_round_trip(const char *path)
{
	struct conf *c = load_ok(path);
	struct conf *again = print_and_reload(c);
	char *first = print_to_string(c), *second = print_to_string(again);

	if (!conf_equal(c, again))
		fail_msg("%s: printed config reads back different:\n%s", path, second);
	assert_string_equal(first, second);
	free(first);
	free(second);
	conf_free(c);
	conf_free(again);
}

static void test_print_round_trip(void **state)
{
	static const char *good[] = {
		"empty.conf", "full.conf", "ip-table.conf", "ip6-table.conf", "quoting.conf",
	};

	enter(GOOD_DIR);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		check_round_trip(good[i]);
	check_round_trip(EXAMPLE_CONF);
}

static void test_print_shows_values(void **state)
{
	struct conf *c;
	char *text;

	enter(GOOD_DIR);
	c = load_ok("ip6-table.conf");
	text = print_to_string(c);
	assert_non_null(strstr(text, "\tfamily = \"ip6\";\n"));
	assert_non_null(strstr(text, "\tkinds = [ ];\n"));
	assert_non_null(strstr(text, "\tnames = [ \"6in4-*\" ];\n"));
	assert_non_null(strstr(text, "\tfamilies = [ \"ipv6\" ];\n"));
	assert_non_null(strstr(text, "\texclude = [ \"fd00:1::/32\" ];\n"));
	assert_non_null(strstr(text, "\tmode = \"0700\";\n"));
	assert_non_null(strstr(text, "on_exit = \"keep\";\n"));
	assert_non_null(strstr(text, "flush: {\n\tmethod = \"auto\";\n};\n"));
	free(text);
	conf_free(c);
}

static void test_conf_equal_sees_differences(void **state)
{
	struct conf *a, *b;

	enter(GOOD_DIR);
	a = load_ok("empty.conf");
	b = load_ok("empty.conf");
	assert_true(conf_equal(a, b));
	b->chain_priority = 11;
	assert_false(conf_equal(a, b));
	b->chain_priority = a->chain_priority;
	b->flush_method = CONF_FLUSH_DELETE;
	assert_false(conf_equal(a, b));
	conf_free(b);
	b = load_ok("full.conf");
	assert_false(conf_equal(a, b));
	conf_free(a);
	conf_free(b);
}

static void test_tunnel_kind_names(void **state)
{
	static const char *names[] = { "ipip", "sit", "ip6tnl", "gre", "ip6gre" };
	unsigned int all = 0;

	for (size_t i = 0; i < 5; i++) {
		unsigned int kind = tunnel_kind_from_name(names[i]);

		assert_int_not_equal(kind, 0);
		assert_string_equal(tunnel_kind_name(kind), names[i]);
		all |= kind;
	}
	assert_int_equal(all, TUNNEL_KIND_ALL);
	assert_int_equal(tunnel_kind_from_name("gretap"), 0);
	assert_int_equal(tunnel_kind_from_name("IPIP"), 0);
	assert_int_equal(tunnel_kind_from_name(""), 0);
	assert_null(tunnel_kind_name(TUNNEL_KIND_ALL));
	assert_null(tunnel_kind_name(0));
}

static void test_flush_method_names(void **state)
{
	assert_string_equal(conf_flush_method_name(CONF_FLUSH_AUTO), "auto");
	assert_string_equal(conf_flush_method_name(CONF_FLUSH_DELETE), "delete");
	assert_string_equal(conf_flush_method_name(CONF_FLUSH_REBUILD), "rebuild");
	assert_null(conf_flush_method_name((enum conf_flush_method)7));
}

static void test_flow_names(void **state)
{
	assert_int_equal(flow_l4_from_name("tcp"), FLOW_L4_TCP);
	assert_string_equal(flow_l4_name(FLOW_L4_UDP), "udp");
	assert_int_equal(flow_l4_from_name("icmp"), 0);
	assert_int_equal(flow_family_from_name("ipv6"), FLOW_FAMILY_IPV6);
	assert_string_equal(flow_family_name(FLOW_FAMILY_IPV4), "ipv4");
	assert_null(flow_family_name(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file_gives_defaults),
		cmocka_unit_test(test_every_key_set),
		cmocka_unit_test(test_ip_table_defaults_to_ipv4),
		cmocka_unit_test(test_ip6_table_names_only),
		cmocka_unit_test(test_escaped_strings),
		cmocka_unit_test(test_example_loads_and_selects_nothing),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory_is_not_a_file),
		cmocka_unit_test(test_error_is_truncated_to_buffer),
		cmocka_unit_test(test_fifo_is_refused),
		cmocka_unit_test(test_size_is_bounded),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_load_string_like_file),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_shows_values),
		cmocka_unit_test(test_conf_equal_sees_differences),
		cmocka_unit_test(test_tunnel_kind_names),
		cmocka_unit_test(test_flush_method_names),
		cmocka_unit_test(test_flow_names),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
