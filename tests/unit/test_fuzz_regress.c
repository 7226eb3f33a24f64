// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Inputs the fuzz targets (tests/fuzz) found, minimized, each against the
 * code it broke.  The same inputs are in the seed corpora as regress-*.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "nft_fixture.h"
#include "nlattr_util.h"
#include "proto.h"

/* Netlink buffers must be 4-byte aligned. */
union buf {
	struct nlmsghdr align;
	uint8_t b[256];
};

static union buf make(const uint8_t *bytes, size_t len)
{
	union buf u;

	memset(&u, 0, sizeof(u));
	if (len > 0)
		memcpy(u.b, bytes, len);
	return u;
}

/*
 * The daemon's receive loops (topo.c, tunnel_route.c, ct_path.c,
 * ct_watch.c) walked with mnl_nlmsg_ok(): walk len bytes the way they do
 * now, counting messages; fail if the walk leaves the buffer.
 */
static int walk(const union buf *u, int len)
{
	const struct nlmsghdr *m = &u->align;
	int rem = len, n = 0;

	for (; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem)) {
		assert_true((const uint8_t *)m >= u->b);
		assert_true((const uint8_t *)m + m->nlmsg_len <= u->b + len);
		assert_true(++n < 100);		/* no endless walk */
	}
	return n;
}

/*
 * fuzz_rtnl, SEGV: nlmsg_len 0xffff0044 passes mnl_nlmsg_ok() (it compares
 * as int: negative <= 16), and mnl_nlmsg_next() then jumps ~4 GiB ahead;
 * topo.c would also hand the message to link_parse(), which trusts
 * nlmsg_len.
 */
static void test_rtnl_msg_len_over_2g(void **state)
{
	static const uint8_t in[] = {
		0x44, 0x00, 0xff, 0xff, 0x61, 0x70, 0x00, 0x03,
		0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	union buf u = make(in, sizeof(in));

	assert_true(mnl_nlmsg_ok(&u.align, sizeof(in)));	/* why libmnl's won't do */
	assert_false(nlattr_msg_ok(&u.align, sizeof(in)));
	assert_int_equal(walk(&u, sizeof(in)), 0);
}

/*
 * fuzz_ct, timeout: the same hole in ct_path.c's route dump loop.  And
 * with nlmsg_len 0xfffffffd..0xffffffff, MNL_ALIGN() rounds to 0 and
 * mnl_nlmsg_next() returns the same message forever.
 */
static void test_ct_route_walk_never_ends(void **state)
{
	static const uint8_t in[] = {
		0x8c, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x01,
	};
	union buf u = make(in, sizeof(in));
	struct nlmsghdr *second;

	assert_false(nlattr_msg_ok(&u.align, sizeof(in)));
	assert_int_equal(walk(&u, sizeof(in)), 0);

	/* A good message, then one whose length aligns to 0. */
	u = make(NULL, 0);
	u.align.nlmsg_len = 16;
	second = (struct nlmsghdr *)(u.b + 16);
	second->nlmsg_len = 0xfffffffd;
	assert_int_equal(MNL_ALIGN(second->nlmsg_len), 0);
	assert_int_equal(walk(&u, 32), 1);
	second->nlmsg_len = 16;
	assert_int_equal(walk(&u, 32), 2);
	assert_int_equal(walk(&u, 31), 1);	/* the second one is cut short */
}

/*
 * fuzz_nft, UBSan: an ACK with error INT_MIN made nft_acks_parse() negate
 * it (signed overflow).  It is no errno: reported as EPROTO.
 */
static void test_nft_ack_error_int_min(void **state)
{
	static const uint8_t in[] = {
		0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x64, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x64, 0x00, 0x00, 0x00,
		0x6e, 0x00, 0x00, 0x00, 0x6e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	union buf u = make(in, sizeof(in));
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(&u.align);
	struct fixture *f = fixture_new();
	struct nft_batch b;
	struct nft_acks acks;
	char err[600];

	assert_int_equal(e->error, INT_MIN);
	assert_int_equal(fixture_build(f), 0);
	assert_int_equal(nft_compute_changes(&f->want, &f->have, &f->changes), 0);
	assert_int_equal(nft_batch_build(&f->changes, 100, &b), 0);	/* seq 100: the input's */
	nft_acks_init(&acks);
	assert_int_equal(nft_acks_parse(&b, u.b, sizeof(in), &acks), 0);
	assert_int_equal(acks.err, -EPROTO);
	assert_int_equal(nft_acks_result(&b, &acks, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, strerror(EPROTO)));
	nft_batch_free(&b);
	fixture_free(f);
}

/*
 * fuzz_proto, abort: the error reply for a line that is not JSON quoted
 * jansson's "near '...'" text, whose bytes here are "\u0" and the start
 * of a UTF-8 character; json_pack() refused the message, so flowd sent no
 * answer at all (and logged "out of memory").
 */
static void test_proto_error_reply_quotes_invalid_utf8(void **state)
{
	static const char in[] =
		"{\"version\":1,\"ok\":false,\"error\":{\"code\":\"f-code\",\"message\":\"\\u0"
		"\xd0\x9a\xc6\x91" "0\"},\"eht\":[1,2]}\n";
	struct proto_request req;
	struct proto_response resp;
	struct proto_error err, perr;
	size_t len;
	char *line;

	assert_int_equal(proto_request_parse(in, sizeof(in) - 1, &req, &err), -1);
	assert_non_null(strstr(err.message, "invalid escape near"));
	line = proto_response_encode_error(&err, &len);
	assert_non_null(line);
	assert_int_equal(proto_response_parse(line, len, &resp, &perr), 0);
	assert_false(resp.ok);
	assert_int_equal(resp.error.code, PROTO_ERR_BAD_REQUEST);
	assert_string_equal(resp.error.message, err.message);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtnl_msg_len_over_2g),
		cmocka_unit_test(test_ct_route_walk_never_ends),
		cmocka_unit_test(test_nft_ack_error_int_min),
		cmocka_unit_test(test_proto_error_reply_quotes_invalid_utf8),
	};

	return cmocka_run_group_tests_name("fuzz_regress", tests, NULL, NULL);
}
