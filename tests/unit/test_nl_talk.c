// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netlink conversation layer: error and done decoding on hand-built
 * messages, and against the running kernel (skipped without netlink):
 * a dump to its end, an error with its code, answers matched by sequence
 * number, other senders and late answers ignored, and a timeout.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl_talk.h"
#include "nlmsg_build.h"

/* An NLMSG_ERROR with code, and extended ack text when text is not NULL. */
static struct nlmsghdr *error_msg(union nlbuf *buf, int code, const char *text)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, NLMSG_ERROR, sizeof(struct nlmsgerr));
	struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	e->error = code;
	e->msg.nlmsg_len = sizeof(e->msg);
	e->msg.nlmsg_type = RTM_GETLINK;
	if (text != NULL) {
		nlh->nlmsg_flags |= NLM_F_CAPPED | NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	}
	return nlh;
}

static void test_error_codes(void **state)
{
	union nlbuf buf;
	char ext[64];

	assert_int_equal(nl_msg_error(error_msg(&buf, 0, NULL), ext, sizeof(ext)), 0);
	assert_string_equal(ext, "");
	assert_int_equal(nl_msg_error(error_msg(&buf, -ENODEV, NULL), ext, sizeof(ext)), -ENODEV);
	/* Codes the kernel never sends: no overflow, no "success". */
	assert_int_equal(nl_msg_error(error_msg(&buf, INT_MIN, NULL), NULL, 0), -EPROTO);
	assert_int_equal(nl_msg_error(error_msg(&buf, EPERM, NULL), NULL, 0), -EPROTO);
	/* Too short to hold a code. */
	assert_int_equal(nl_msg_error(nl_msg_start(&buf, NLMSG_ERROR, 0), NULL, 0), -EPROTO);
}

static void test_error_text(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh;
	char ext[16];

	nlh = error_msg(&buf, -EINVAL, "Unknown device type");
	assert_int_equal(nl_msg_error(nlh, ext, sizeof(ext)), -EINVAL);
	assert_string_equal(ext, "Unknown device ");	/* cut to the buffer */
	/* Flags that promise attributes, but a broken one: no text, same code. */
	nlh = error_msg(&buf, -EINVAL, NULL);
	nlh->nlmsg_flags |= NLM_F_CAPPED | NLM_F_ACK_TLVS;
	memset(mnl_nlmsg_get_payload_tail(nlh), 0xff, 6);
	nlh->nlmsg_len += 6;
	assert_int_equal(nl_msg_error(nlh, ext, sizeof(ext)), -EINVAL);
	assert_string_equal(ext, "");
}

/*
 * The extended ack's fields as both the rtnetlink callers and the nftables
 * batch (which names the refused attribute by its offset) read them.
 */
static void test_extack_fields(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh;
	struct nlattr *a;
	struct nl_extack x;

	/* No attributes promised: nothing, even if bytes follow. */
	nlh = error_msg(&buf, -EINVAL, NULL);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 40);
	nl_msg_extack(nlh, &x);
	assert_null(x.msg);
	assert_false(x.has_offs);
	/* Text and offset. */
	nlh = error_msg(&buf, -EINVAL, "bad device");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 40);
	nl_msg_extack(nlh, &x);
	assert_int_equal(x.msg_len, strlen("bad device"));
	assert_memory_equal(x.msg, "bad device", x.msg_len);
	assert_true(x.has_offs);
	assert_int_equal(x.offs, 40);
	/* An offset of the wrong size is not read. */
	nlh = error_msg(&buf, -EINVAL, "x");
	mnl_attr_put_u16(nlh, NLMSGERR_ATTR_OFFS, 40);
	nl_msg_extack(nlh, &x);
	assert_false(x.has_offs);
	/* A text without its NUL ends with its attribute. */
	nlh = error_msg(&buf, -EINVAL, "abcd");
	a = (struct nlattr *)((char *)mnl_nlmsg_get_payload(nlh) + sizeof(struct nlmsgerr));
	a->nla_len = MNL_ATTR_HDRLEN + 3;
	nlh->nlmsg_len -= 4;	/* "d\0" and the padding */
	nl_msg_extack(nlh, &x);
	assert_int_equal(x.msg_len, 3);
	/* The whole request echoed (no NLM_F_CAPPED): the attributes follow it. */
	nlh = nl_msg_start(&buf, NLMSG_ERROR, sizeof(struct nlmsgerr) + 8);
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error = -EPERM;
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = sizeof(struct nlmsghdr) + 8;
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 24);
	nl_msg_extack(nlh, &x);
	assert_true(x.has_offs);
	assert_int_equal(x.offs, 24);
	/* An echo longer than the message: nothing. */
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4000;
	nl_msg_extack(nlh, &x);
	assert_false(x.has_offs);
}

static void test_done_codes(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_msg_start(&buf, NLMSG_DONE, 0);
	int code = -EINTR;

	assert_int_equal(nl_msg_done(nlh), 0);		/* bare, as old kernels send */
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(code)), &code, sizeof(code));
	assert_int_equal(nl_msg_done(nlh), -EINTR);
	code = INT_MIN;
	memcpy(mnl_nlmsg_get_payload(nlh), &code, sizeof(code));
	assert_int_equal(nl_msg_done(nlh), -EPROTO);
}

/* Sequence numbers never wrap to 0 (it would look unset). */
static void test_seq_skips_zero(void **state)
{
	struct nl_talk t = { .fd = -1, .seq = 10 };

	assert_int_equal(nl_talk_seq(&t, 3), 11);
	assert_int_equal(t.seq, 13);
	t.seq = UINT32_MAX - 2;
	assert_int_equal(nl_talk_seq(&t, 4), 1);
	assert_int_equal(t.seq, 4);
	t.seq = UINT32_MAX;
	assert_int_equal(nl_talk_seq(&t, 1), 1);
}

struct tally {
	unsigned int links, acks, errors, done;
	int error;
	uint32_t last_idx;
};

static int count_answer(const struct nlmsghdr *m, size_t rem, uint32_t idx, void *arg)
{
	struct tally *t = arg;

	t->last_idx = idx;
	switch (m->nlmsg_type) {
	case RTM_NEWLINK:
		t->links++;
		return NL_MORE;
	case NLMSG_ERROR:
		t->error = nl_msg_error(m, NULL, 0);
		if (t->error == 0)
			t->acks++;
		else
			t->errors++;
		return NL_FINISHED;
	case NLMSG_DONE:
		t->done++;
		return nl_msg_done(m) < 0 ? nl_msg_done(m) : NL_FINISHED;
	default:
		return NL_MORE;
	}
}

/* RTM_GETLINK numbered seq: a dump, or for ifindex one link and an ACK. */
static struct nlmsghdr *getlink(union nlbuf *buf, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	nlh->nlmsg_flags = NLM_F_REQUEST | (ifindex == 0 ? NLM_F_DUMP : NLM_F_ACK);
	nlh->nlmsg_seq = seq;
	ifi->ifi_index = ifindex;
	return nlh;
}

static int open_or_skip(struct nl_talk *t, unsigned int timeout_ms)
{
	if (nl_talk_open(t, NETLINK_ROUTE, timeout_ms) < 0)
		skip();
	return 0;
}

static char rbuf[32768] __attribute__((aligned(4)));

static void test_dump_and_error(void **state)
{
	struct nl_talk t;
	union nlbuf buf;
	struct nlmsghdr *nlh;
	struct tally tally = { 0 };
	struct nl_exchange x = { .count = 1, .cb = count_answer, .arg = &tally };

	open_or_skip(&t, 2000);
	x.first = nl_talk_seq(&t, 1);
	nlh = getlink(&buf, x.first, 0);
	assert_int_equal(nl_exchange(&t, nlh, nlh->nlmsg_len, rbuf, sizeof(rbuf), &x), 0);
	assert_true(tally.links >= 1);			/* lo at least */
	assert_int_equal(tally.done, 1);
	assert_int_equal(tally.errors, 0);
	/* No such device: the kernel's error, as -errno. */
	memset(&tally, 0, sizeof(tally));
	x.first = nl_talk_seq(&t, 1);
	nlh = getlink(&buf, x.first, INT_MAX);
	assert_int_equal(nl_exchange(&t, nlh, nlh->nlmsg_len, rbuf, sizeof(rbuf), &x), 0);
	assert_int_equal(tally.errors, 1);
	assert_int_equal(tally.error, -ENODEV);
	nl_talk_close(&t);
}

/*
 * Another process unicasting to our port, with our next sequence number
 * and a failure code, is not heard; neither is the kernel's late answer
 * to an earlier request.  Only the answer to the request asked counts.
 */
static void test_only_the_kernel_and_our_request(void **state)
{
	struct nl_talk t;
	union nlbuf buf, fake;
	struct nlmsghdr *nlh, *f;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct tally tally = { 0 };
	struct nl_exchange x = { .count = 1, .cb = count_answer, .arg = &tally };
	uint32_t late;
	int other;

	open_or_skip(&t, 2000);
	other = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(other >= 0);
	/* The kernel answers this one, and we never read it in its turn. */
	late = nl_talk_seq(&t, 1);
	nlh = getlink(&buf, late, INT_MAX);
	assert_int_equal(send(t.fd, nlh, nlh->nlmsg_len, 0), (ssize_t)nlh->nlmsg_len);
	x.first = nl_talk_seq(&t, 1);
	f = error_msg(&fake, -EPERM, NULL);
	f->nlmsg_seq = x.first;
	f->nlmsg_pid = t.portid;
	to.nl_pid = t.portid;
	if (sendto(other, f, f->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		close(other);
		nl_talk_close(&t);
		skip();
	}
	nlh = getlink(&buf, x.first, 1);		/* lo */
	assert_int_equal(nl_exchange(&t, nlh, nlh->nlmsg_len, rbuf, sizeof(rbuf), &x), 0);
	assert_int_equal(t.foreign, 1);
	assert_int_equal(tally.errors, 0);		/* neither the fake nor the late one */
	assert_int_equal(tally.links, 1);
	assert_int_equal(tally.acks, 1);
	assert_int_equal(tally.last_idx, 0);
	close(other);
	nl_talk_close(&t);
}

/* A message the kernel does not answer (no NLM_F_REQUEST): a timeout. */
static void test_timeout(void **state)
{
	struct nl_talk t;
	union nlbuf buf;
	struct nlmsghdr *nlh;
	struct tally tally = { 0 };
	struct nl_exchange x = { .count = 1, .cb = count_answer, .arg = &tally };

	open_or_skip(&t, 100);
	x.first = nl_talk_seq(&t, 1);
	nlh = getlink(&buf, x.first, 1);
	nlh->nlmsg_flags = 0;
	assert_int_equal(nl_exchange(&t, nlh, nlh->nlmsg_len, rbuf, sizeof(rbuf), &x),
			 -ETIMEDOUT);
	assert_int_equal(tally.links + tally.acks + tally.errors + tally.done, 0);
	nl_talk_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_extack_fields),
		cmocka_unit_test(test_done_codes),
		cmocka_unit_test(test_seq_skips_zero),
		cmocka_unit_test(test_dump_and_error),
		cmocka_unit_test(test_only_the_kernel_and_our_request),
		cmocka_unit_test(test_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
