// SPDX-License-Identifier: GPL-2.0-or-later
/* When the daemon works: debounce, flow-path-only runs, retry backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reconcile_sched.h"

/* Times are compared in microseconds: the arithmetic is in doubles. */
#define assert_time(got, want) \
	assert_int_equal((long long)((got) * 1e6 + 0.5), (long long)((want) * 1e6 + 0.5))

/* One event: due 20 ms later; a burst moves it, but not past 100 ms. */
static void test_debounce(void **state)
{
	struct reconcile_sched s = { 0 };
	double t;

	assert_time(sched_event(&s, 10.0, true), 10.020);
	assert_time(sched_event(&s, 10.015, true), 10.035);
	for (t = 10.030; t < 10.095; t += 0.015)
		assert_true(sched_event(&s, t, true) <= 10.100 + 1e-9);
	assert_time(s.due, 10.100);
	/* An event past the bound (a late timer): due at once. */
	assert_time(sched_event(&s, 10.120, true), 10.120);
	assert_int_equal(sched_fire(&s, true), SCHED_RECONCILE);
	assert_false(s.armed);
	/* The next burst starts afresh. */
	assert_time(sched_event(&s, 11.0, true), 11.020);
}

/* Route events no tunnel feels: paths only, unless the burst reconciles. */
static void test_paths_only(void **state)
{
	struct reconcile_sched s = { 0 };

	assert_time(sched_event(&s, 1.0, false), 1.020);
	assert_int_equal(sched_fire(&s, true), SCHED_PATHS);
	sched_event(&s, 2.0, false);
	sched_event(&s, 2.010, true);
	sched_event(&s, 2.015, false);
	assert_int_equal(sched_fire(&s, true), SCHED_RECONCILE);
	/* A reconcile's flag does not outlive its run. */
	sched_event(&s, 3.0, false);
	assert_int_equal(sched_fire(&s, true), SCHED_PATHS);
	/* Before the first pass worked, everything is a whole pass. */
	sched_event(&s, 4.0, false);
	assert_int_equal(sched_fire(&s, false), SCHED_RECONCILE);
}

/* Failures back off 0.2, 0.4, 0.8 ... 30 s; success starts over. */
static void test_backoff(void **state)
{
	struct reconcile_sched s = { 0 };
	static const double want[] = { 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30 };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		double now = 100.0 * (double)i;

		assert_time(sched_failed(&s, now) - now, want[i]);
		assert_true(s.armed);
		assert_int_equal(sched_fire(&s, true), SCHED_RECONCILE);
	}
	sched_succeeded(&s);
	assert_time(sched_failed(&s, 5000.0), 5000.2);
}

/*
 * While a failed pass waits for its retry, path events do not bring it
 * forward (it would hammer a failing kernel), and the retry is still a
 * whole pass; a reconcile event does bring it forward.
 */
static void test_retry_not_cut_short(void **state)
{
	struct reconcile_sched s = { 0 };

	sched_failed(&s, 0.0);
	sched_fire(&s, true);
	assert_time(sched_failed(&s, 1.0), 1.4);
	assert_time(sched_event(&s, 1.05, false), 1.4);
	assert_time(sched_event(&s, 1.2, false), 1.4);
	assert_int_equal(sched_fire(&s, true), SCHED_RECONCILE);
	assert_time(sched_failed(&s, 2.0), 2.8);
	/* 100 ms into the wait, the burst's bound: due now. */
	assert_time(sched_event(&s, 2.1, true), 2.1);
	assert_int_equal(sched_fire(&s, true), SCHED_RECONCILE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debounce),
		cmocka_unit_test(test_paths_only),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_not_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
