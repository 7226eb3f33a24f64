// SPDX-License-Identifier: GPL-2.0-or-later
/* PPPoE lower-device discovery from /proc/net/pppoe text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pppoe.h"

/* As the kernel prints it: "%08X %pM %8s\n" after the header. */
static const char one_session[] =
	"Id       Address              Device\n"
	"00001A2B 00:11:22:33:44:55     eth2\n";

static const char two_sessions[] =
	"Id       Address              Device\n"
	"00001A2B 00:11:22:33:44:55     eth2\n"
	"00000007 66:77:88:99:aa:bb eth3.7\n";

static void mklink(struct link *l, int ifindex, const char *name, enum link_type type)
{
	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->type = type;
}

static void test_parse(void **state)
{
	char dev[IFNAMSIZ];

	assert_int_equal(pppoe_parse_sessions(one_session, dev), 1);
	assert_string_equal(dev, "eth2");
	assert_int_equal(pppoe_parse_sessions(two_sessions, dev), 2);
	assert_string_equal(dev, "eth2");
	assert_int_equal(pppoe_parse_sessions("Id       Address              Device\n", dev), 0);
	assert_string_equal(dev, "");
	assert_int_equal(pppoe_parse_sessions("", NULL), 0);
	assert_int_equal(pppoe_parse_sessions(NULL, dev), 0);
	/* Garbage lines are skipped, no trailing newline is fine. */
	assert_int_equal(pppoe_parse_sessions("zz\n\n12 nomac eth0\n0001 aa:bb:cc:dd:ee:ff eth5",
					      dev), 1);
	assert_string_equal(dev, "eth5");
}

static void test_assign_unambiguous(void **state)
{
	struct link links[3];

	mklink(&links[0], 1, "lo", LINK_TYPE_OTHER);
	mklink(&links[1], 4, "eth2", LINK_TYPE_OTHER);
	mklink(&links[2], 9, "ppp0", LINK_TYPE_PPP);
	assert_int_equal(pppoe_assign_lower(links, 3, one_session), 1);
	assert_int_equal(links[2].lower_ifindex, 4);
}

static void test_assign_refuses_ambiguity(void **state)
{
	struct link links[4];

	mklink(&links[0], 4, "eth2", LINK_TYPE_OTHER);
	mklink(&links[1], 5, "eth3.7", LINK_TYPE_VLAN);
	mklink(&links[2], 9, "ppp0", LINK_TYPE_PPP);
	mklink(&links[3], 10, "ppp1", LINK_TYPE_PPP);
	/* Two sessions. */
	assert_int_equal(pppoe_assign_lower(links, 3, two_sessions), 0);
	assert_int_equal(links[2].lower_ifindex, 0);
	/* Two PPP units of unknown lower device. */
	assert_int_equal(pppoe_assign_lower(links, 4, one_session), 0);
	assert_int_equal(links[2].lower_ifindex, 0);
	assert_int_equal(links[3].lower_ifindex, 0);
	/* The session's device does not exist here. */
	mklink(&links[0], 4, "eth8", LINK_TYPE_OTHER);
	assert_int_equal(pppoe_assign_lower(links, 3, one_session), 0);
	/* No PPP link at all. */
	assert_int_equal(pppoe_assign_lower(links, 2, one_session), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_assign_unambiguous),
		cmocka_unit_test(test_assign_refuses_ambiguity),
	};

	return cmocka_run_group_tests_name("pppoe", tests, NULL, NULL);
}
