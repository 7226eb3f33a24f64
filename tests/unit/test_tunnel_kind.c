// SPDX-License-Identifier: GPL-2.0-or-later
/* The tunnel kind table: every row consistent with the others and with TUNNEL_KIND_ALL. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "link_parse.h"
#include "tunnel_kind.h"

static void test_rows_are_consistent(void **state)
{
	unsigned int all = 0;
	size_t n = 0;

	(void)state;
	for (const struct tunnel_kind_info *k; (k = tunnel_kind_at(n)) != NULL; n++) {
		/* Row n holds bit n, one bit only. */
		assert_int_equal(k->kind, 1u << n);
		assert_int_equal(all & k->kind, 0);	/* bits unique */
		all |= k->kind;
		assert_non_null(k->name);
		assert_non_null(k->carries);
		assert_non_null(k->fallback_dev);
		assert_true(k->outer_family == AF_INET || k->outer_family == AF_INET6);
		assert_true(k->gre == (k->attrs == TUNNEL_ATTRS_GRE));
		for (size_t j = 0; j < n; j++) {	/* names and fallback devices unique */
			assert_string_not_equal(tunnel_kind_at(j)->name, k->name);
			assert_string_not_equal(tunnel_kind_at(j)->fallback_dev, k->fallback_dev);
		}
	}
	assert_int_equal(n, TUNNEL_KIND_COUNT);
	assert_int_equal(all, TUNNEL_KIND_ALL);
}

static void test_name_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < TUNNEL_KIND_COUNT; i++) {
		const struct tunnel_kind_info *k = tunnel_kind_at(i);

		assert_int_equal(tunnel_kind_from_name(k->name), k->kind);
		assert_string_equal(tunnel_kind_name(k->kind), k->name);
		assert_ptr_equal(tunnel_kind_info(k->kind), k);
		assert_ptr_equal(tunnel_kind_by_name(k->name), k);
		/* The config name is the IFLA_INFO_KIND string: link_parse agrees. */
		assert_int_equal(link_type_from_kind(k->name), LINK_TYPE_TUNNEL);
		assert_non_null(strstr(tunnel_kind_names_list(), k->name));
	}
}

static void test_unknown(void **state)
{
	(void)state;
	assert_null(tunnel_kind_at(TUNNEL_KIND_COUNT));
	assert_null(tunnel_kind_info(0));
	assert_null(tunnel_kind_info(TUNNEL_KIND_ALL));
	assert_null(tunnel_kind_info(1u << TUNNEL_KIND_COUNT));
	assert_null(tunnel_kind_by_name(NULL));
	assert_null(tunnel_kind_by_name("gretap"));	/* layer 2: never accelerated */
	assert_int_equal(tunnel_kind_from_name("IPIP"), 0);
	assert_int_equal(tunnel_kind_from_name(""), 0);
	assert_null(tunnel_kind_name(0));
}

static void test_names_list(void **state)
{
	(void)state;
	assert_string_equal(tunnel_kind_names_list(), "ipip, sit, ip6tnl, gre, ip6gre");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_are_consistent),
		cmocka_unit_test(test_name_round_trip),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_names_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
