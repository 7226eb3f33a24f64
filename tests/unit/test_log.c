// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"

static void test_level_names_round_trip(void **state)
{
	static const char *names[] = { "error", "warning", "info", "debug" };

	for (size_t i = 0; i < 4; i++)
		assert_string_equal(log_level_name(log_level_from_name(names[i])), names[i]);
}

static void test_level_name_is_case_insensitive(void **state)
{
	assert_int_equal(log_level_from_name("DEBUG"), LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_from_name("Warning"), LOG_LEVEL_WARNING);
}

static void test_unknown_level_is_rejected(void **state)
{
	assert_int_equal(log_level_from_name("verbose"), -1);
	assert_int_equal(log_level_from_name(""), -1);
	assert_string_equal(log_level_name(12345), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_names_round_trip),
		cmocka_unit_test(test_level_name_is_case_insensitive),
		cmocka_unit_test(test_unknown_level_is_rejected),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
