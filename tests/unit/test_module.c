// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The modules' life cycle (module.c) with fake modules that record every
 * call: start order and the unwinding of a failed start, reloads that
 * change everything or nothing, stop in reverse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "module.h"

/* What the fakes did, one "verb:module" word per call, in order. */
struct journal {
	char calls[1024];
	const char *fail_start;		/* this module's start fails */
	const char *fail_prepare;	/* this module's prepare fails */
	const char *reason;		/* ... with this err ("" for none) */
};

static void note(struct journal *j, const char *verb, const char *name)
{
	size_t len = strlen(j->calls);

	snprintf(j->calls + len, sizeof(j->calls) - len, "%s%s:%s", len ? " " : "", verb, name);
}

/* One fake module named id, recording its calls in the journal (ctx). */
#define FAKE(id)								\
	static int id##_start(void *ctx, const struct conf *conf, char *err, size_t errlen) \
	{									\
		struct journal *j = ctx;					\
		(void)conf;							\
		note(j, "start", #id);						\
		if (j->fail_start && strcmp(j->fail_start, #id) == 0) {		\
			snprintf(err, errlen, "%s", j->reason);			\
			return -1;						\
		}								\
		return 0;							\
	}									\
	static int id##_prepare(void *ctx, const struct conf *old, const struct conf *next, \
				char *err, size_t errlen)			\
	{									\
		struct journal *j = ctx;					\
		(void)old;							\
		(void)next;							\
		note(j, "prepare", #id);					\
		if (j->fail_prepare && strcmp(j->fail_prepare, #id) == 0) {	\
			snprintf(err, errlen, "%s", j->reason);			\
			return -1;						\
		}								\
		return 0;							\
	}									\
	static void id##_abort(void *ctx, const struct conf *old, const struct conf *next) \
	{									\
		(void)old;							\
		(void)next;							\
		note(ctx, "abort", #id);					\
	}									\
	static void id##_commit(void *ctx, const struct conf *old, const struct conf *next) \
	{									\
		(void)old;							\
		(void)next;							\
		note(ctx, "commit", #id);					\
	}									\
	static void id##_stop(void *ctx)					\
	{									\
		note(ctx, "stop", #id);						\
	}									\
	static const struct module_ops id = {					\
		.name = #id, .start = id##_start, .prepare = id##_prepare,	\
		.abort = id##_abort, .commit = id##_commit, .stop = id##_stop,	\
	}

FAKE(table);
FAKE(topology);
FAKE(control);

/* A module with no config to take: no prepare, abort or commit. */
static void fixed_stop(void *ctx)
{
	note(ctx, "stop", "fixed");
}

static const struct module_ops fixed = { .name = "fixed", .stop = fixed_stop };

static const struct module_ops *const mods[] = { &table, &fixed, &topology, &control };
#define N_MODS (sizeof(mods) / sizeof(mods[0]))

static void test_start_and_stop_order(void **state)
{
	struct journal j = { 0 };
	char err[128] = "untouched";

	(void)state;
	assert_int_equal(modules_start(mods, N_MODS, &j, NULL, err, sizeof(err)), 0);
	assert_string_equal(j.calls, "start:table start:topology start:control");
	j.calls[0] = '\0';
	modules_stop(mods, N_MODS, &j);
	assert_string_equal(j.calls, "stop:control stop:topology stop:fixed stop:table");
}

/* A failed start: it and everything before it stop, in reverse; nothing after starts. */
static void test_failed_start_unwinds(void **state)
{
	struct journal j = { .fail_start = "topology", .reason = "no rtnetlink" };
	char err[128];

	(void)state;
	assert_int_equal(modules_start(mods, N_MODS, &j, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "topology: no rtnetlink");
	assert_string_equal(j.calls,
			    "start:table start:topology stop:topology stop:fixed stop:table");
}

/* A module that fails without saying why still gets a readable error. */
static void test_failure_without_reason(void **state)
{
	struct journal j = { .fail_start = "table", .reason = "" };
	char err[128];

	(void)state;
	assert_int_equal(modules_start(mods, N_MODS, &j, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "table: failed (no reason given)");
	assert_string_equal(j.calls, "start:table stop:table");
}

/* A reload all modules take: every prepare before the first commit. */
static void test_reload_commits_all(void **state)
{
	struct journal j = { 0 };
	char err[128];

	(void)state;
	assert_int_equal(modules_reconfigure(mods, N_MODS, &j, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(j.calls, "prepare:table prepare:topology prepare:control "
			    "commit:table commit:topology commit:control");
}

/* One prepare fails: those before it abort in reverse, nobody commits. */
static void test_reload_all_or_nothing(void **state)
{
	struct journal j = { .fail_prepare = "control", .reason = "socket path in use" };
	char err[128];

	(void)state;
	assert_int_equal(modules_reconfigure(mods, N_MODS, &j, NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "control: socket path in use");
	assert_string_equal(j.calls, "prepare:table prepare:topology prepare:control "
			    "abort:topology abort:table");
	assert_null(strstr(j.calls, "commit"));

	/* The first one failing: nothing to abort. */
	memset(&j, 0, sizeof(j));
	j.fail_prepare = "table";
	j.reason = "needs a restart";
	assert_int_equal(modules_reconfigure(mods, N_MODS, &j, NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "table: needs a restart");
	assert_string_equal(j.calls, "prepare:table");
}

/* A long reason is cut to the buffer, never overrun. */
static void test_error_truncated(void **state)
{
	struct journal j = { .fail_start = "table",
			     .reason = "a reason far longer than the eight bytes we give it" };
	char err[8];

	(void)state;
	assert_int_equal(modules_start(mods, N_MODS, &j, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "table: ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_and_stop_order),
		cmocka_unit_test(test_failed_start_unwinds),
		cmocka_unit_test(test_failure_without_reason),
		cmocka_unit_test(test_reload_commits_all),
		cmocka_unit_test(test_reload_all_or_nothing),
		cmocka_unit_test(test_error_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
