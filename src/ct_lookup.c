// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel as the path lookup backend: RTM_GETROUTE over a socket of
 * our own, CT_LOOKUP_BATCH requests per send (rtnetlink handles every
 * message of a datagram in turn) and then their answers, matched by
 * sequence number.  Batches stay small enough that the answers fit the
 * socket's receive buffer: a unicast answer that does not fit is dropped
 * by the kernel, which would look like a timeout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "ct.h"
#include "ct_int.h"
#include "log.h"
#include "nl_talk.h"

#define CT_LOOKUP_BATCH 64
#define CT_LOOKUP_RBUF 8192

struct ct_lookup {
	struct nl_talk talk;
	char req[CT_LOOKUP_BATCH * CT_LOOKUP_MSG_MAX] __attribute__((aligned(4)));
	char rbuf[CT_LOOKUP_RBUF] __attribute__((aligned(4)));
};

int ct_lookup_open(struct ct_lookup **out)
{
	struct ct_lookup *l = calloc(1, sizeof(*l));
	int r;

	*out = NULL;
	if (l == NULL)
		return -ENOMEM;
	/* The kernel answers at once; a timeout keeps a lost answer from hanging the loop. */
	if ((r = nl_talk_open(&l->talk, NETLINK_ROUTE, 2000)) < 0) {
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

void ct_lookup_close(struct ct_lookup *l)
{
	if (l == NULL)
		return;
	nl_talk_close(&l->talk);
	free(l);
}

struct batch_answers {
	int32_t *ans;
	uint8_t *plen;
	size_t left;
};

/* One lookup's answer (a route, or an error: answered, but unknown). */
static int batch_answer(const struct nlmsghdr *m, size_t rem, uint32_t i, void *arg)
{
	struct batch_answers *b = arg;

	if (b->ans[i] != -1)
		return NL_MORE;		/* answered already */
	b->ans[i] = ct_lookup_parse(m, rem, &b->plen[i]);
	if (b->ans[i] == -1)
		b->ans[i] = -2;
	return --b->left == 0 ? NL_FINISHED : NL_MORE;
}

static int batch(struct ct_lookup *l, const struct ct_rtkey *keys, int32_t *ans, uint8_t *plen,
		 size_t n)
{
	struct batch_answers b = { .ans = ans, .plen = plen, .left = n };
	struct nl_exchange x = { .first = nl_talk_seq(&l->talk, (uint32_t)n),
				 .count = (uint32_t)n, .cb = batch_answer, .arg = &b };
	size_t off = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		size_t m = ct_lookup_build(l->req + off, sizeof(l->req) - off, &keys[i],
					   x.first + (uint32_t)i);

		if (m == 0)
			return -EINVAL;
		off += MNL_ALIGN(m);
	}
	if (n == 0)
		return 0;
	r = nl_exchange(&l->talk, l->req, off, l->rbuf, sizeof(l->rbuf), &x);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (ans[i] == -2)
			ans[i] = -1;
	return 0;
}

int ct_lookup_kernel(void *arg, const struct ct_rtkey *keys, int32_t *ans, uint8_t *plen,
		      size_t n)
{
	struct ct_lookup *l = arg;

	for (size_t i = 0; i < n; i++) {
		ans[i] = -1;
		plen[i] = 0;
	}
	for (size_t off = 0; off < n; off += CT_LOOKUP_BATCH) {
		size_t m = n - off < CT_LOOKUP_BATCH ? n - off : CT_LOOKUP_BATCH;
		int r = batch(l, keys + off, ans + off, plen + off, m);

		if (r < 0) {
			for (size_t i = off; i < off + m; i++)
				if (ans[i] == -2)
					ans[i] = -1;
			log_warnx("conntrack: route lookups: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}
