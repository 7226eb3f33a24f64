// SPDX-License-Identifier: GPL-2.0-or-later
/* The offloaded-flow table: operations, churn, memory per flow. */
#include <arpa/inet.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ct.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Flow number i: 10.x.y.z:port -> 192.0.2.1:443, id i + 1. */
static struct ct_flow mkflow(uint32_t i)
{
	struct ct_flow f;
	uint32_t src = htonl(0x0a000000u | (i & 0xffffff)), dst = htonl(0xc0000201u);

	memset(&f, 0, sizeof(f));
	f.id = i + 1;
	f.family = AF_INET;
	f.l4proto = IPPROTO_TCP;
	f.sport = htons((uint16_t)(1024 + (i >> 24)));
	f.dport = htons(443);
	memcpy(f.src, &src, 4);
	memcpy(f.dst, &dst, 4);
	memcpy(f.rdst, &dst, 4);
	f.flags = CT_FLOW_OFFLOAD;
	return f;
}

static void test_basic(void **state)
{
	struct ct_flows *t = ct_flows_new();
	struct ct_flow a = mkflow(1), b = mkflow(2), key;
	struct ct_flow *p;
	bool created;

	assert_non_null(t);
	assert_int_equal(ct_flows_count(t), 0);
	assert_null(ct_flows_lookup(t, &a));

	p = ct_flows_insert(t, &a, &created);
	assert_non_null(p);
	assert_true(created);
	assert_int_equal(ct_flows_count(t), 1);
	/* Same key again: found, not copied. */
	a.flags |= CT_FLOW_HW;
	p = ct_flows_insert(t, &a, &created);
	assert_false(created);
	assert_int_equal(p->flags, CT_FLOW_OFFLOAD);
	p->flags = a.flags;		/* an update is done in place */
	assert_int_equal(ct_flows_lookup(t, &a)->flags, CT_FLOW_OFFLOAD | CT_FLOW_HW);

	/* Fields outside the key do not matter for lookups. */
	key = a;
	key.flags = 0;
	key.in_if = 7;
	key.rdst[0] ^= 1;
	assert_ptr_equal(ct_flows_lookup(t, &key), ct_flows_lookup(t, &a));

	/* Same tuple, another id: another conntrack entry. */
	key = a;
	key.id++;
	assert_null(ct_flows_lookup(t, &key));
	key = a;
	key.zone = 1;
	assert_null(ct_flows_lookup(t, &key));

	assert_non_null(ct_flows_insert(t, &b, &created));
	assert_true(created);
	assert_int_equal(ct_flows_count(t), 2);
	assert_true(ct_flows_delete(t, &a));
	assert_false(ct_flows_delete(t, &a));
	assert_null(ct_flows_lookup(t, &a));
	assert_non_null(ct_flows_lookup(t, &b));
	assert_int_equal(ct_flows_count(t), 1);
	assert_true(ct_flow_key_equal(ct_flows_at(t, 0), &b));
	assert_null(ct_flows_at(t, 1));

	ct_flows_clear(t);
	assert_int_equal(ct_flows_count(t), 0);
	assert_null(ct_flows_lookup(t, &b));
	ct_flows_free(t);
	ct_flows_free(NULL);
}

static void test_ipv6_keys(void **state)
{
	struct ct_flows *t = ct_flows_new();
	struct ct_flow a, b;
	bool created;

	memset(&a, 0, sizeof(a));
	a.id = 5;
	a.family = AF_INET6;
	a.l4proto = IPPROTO_UDP;
	inet_pton(AF_INET6, "2001:db8::1", a.src);
	inet_pton(AF_INET6, "2001:db8:1::1", a.dst);
	b = a;
	b.dst[15] = 2;
	assert_non_null(ct_flows_insert(t, &a, &created));
	assert_non_null(ct_flows_insert(t, &b, &created));
	assert_true(created);
	assert_int_equal(ct_flows_count(t), 2);
	b.family = AF_INET;		/* same bytes, other family */
	assert_null(ct_flows_lookup(t, &b));
	ct_flows_free(t);
}

/* Delete while walking downwards: every match goes, every other stays. */
static void test_sweep(void **state)
{
	struct ct_flows *t = ct_flows_new();
	bool created;

	for (uint32_t i = 0; i < 10000; i++) {
		struct ct_flow f = mkflow(i);

		f.gen = (uint8_t)(i % 3);
		assert_non_null(ct_flows_insert(t, &f, &created));
	}
	for (size_t i = ct_flows_count(t); i-- > 0;)
		if (ct_flows_at(t, i)->gen == 1)
			ct_flows_delete_at(t, i);
	assert_int_equal(ct_flows_count(t), 10000 - 3333);
	for (uint32_t i = 0; i < 10000; i++) {
		struct ct_flow f = mkflow(i);

		if (i % 3 == 1)
			assert_null(ct_flows_lookup(t, &f));
		else
			assert_non_null(ct_flows_lookup(t, &f));
	}
	ct_flows_free(t);
}

static void test_memory_per_flow(void **state)
{
	const uint32_t n = 100000;
	struct ct_flows *t;
	size_t mem;
	bool created;
#ifndef UNDER_ASAN
	size_t before = mallinfo2().uordblks + mallinfo2().hblkhd;
#endif

	t = ct_flows_new();
	for (uint32_t i = 0; i < n; i++) {
		struct ct_flow f = mkflow(i);

		assert_non_null(ct_flows_insert(t, &f, &created));
		assert_true(created);
	}
	assert_int_equal(ct_flows_count(t), n);
	mem = ct_flows_mem(t);
	printf("# %u flows: %zu bytes, %.1f bytes/flow (struct ct_flow %zu)\n", n, mem,
	       (double)mem / n, sizeof(struct ct_flow));
	assert_true(mem / n < 128);
#ifndef UNDER_ASAN
	{
		/* What the allocator really handed out, its own overhead included. */
		size_t used = mallinfo2().uordblks + mallinfo2().hblkhd - before;

		printf("# allocator: %zu bytes, %.1f bytes/flow\n", used, (double)used / n);
		assert_true(used / n < 128);
	}
#endif
	for (uint32_t i = 0; i < n; i++) {
		struct ct_flow f = mkflow(i);

		assert_non_null(ct_flows_lookup(t, &f));
	}
	ct_flows_free(t);
}

/* 1M random inserts and deletes around 20k live flows: right answers, bounded memory. */
static void test_churn(void **state)
{
	enum { LIVE = 20000, OPS = 1000000 };
	struct ct_flows *t = ct_flows_new();
	uint32_t *live = calloc(2 * LIVE, sizeof(*live));
	size_t n_live = 0, peak = 0, mem_steady = 0;
	uint32_t next = 0, rnd = 12345;
	bool created;

	assert_non_null(live);
	for (unsigned int op = 0; op < OPS; op++) {
		rnd = rnd * 1103515245u + 12345u;
		/* Insert while under LIVE, else flip a coin weighted towards it. */
		if (n_live == 0 || (n_live < 2 * LIVE && (rnd >> 16) % (2 * LIVE) >= n_live)) {
			struct ct_flow f = mkflow(next);

			assert_non_null(ct_flows_insert(t, &f, &created));
			assert_true(created);
			live[n_live++] = next++;
		} else {
			size_t k = (rnd >> 8) % n_live;
			struct ct_flow f = mkflow(live[k]);

			assert_true(ct_flows_delete(t, &f));
			live[k] = live[--n_live];
		}
		assert_int_equal(ct_flows_count(t), n_live);
		if (ct_flows_mem(t) > peak)
			peak = ct_flows_mem(t);
		if (op == OPS / 10)
			mem_steady = peak;
		if (op % 100000 == 0) {
			for (size_t i = 0; i < n_live; i++) {
				struct ct_flow f = mkflow(live[i]);

				assert_non_null(ct_flows_lookup(t, &f));
			}
		}
	}
	printf("# churn: %u ops, %zu live, %u distinct flows, peak %zu bytes (%zu after 10%%)\n",
	       (unsigned int)OPS, n_live, next, peak, mem_steady);
	/* No growth with churn: the peak is reached early and stays. */
	assert_true(peak <= mem_steady * 2);
	assert_true(peak / (2 * LIVE) < 128 * 2);

	/* Emptied, the table returns to its minimum. */
	for (size_t i = 0; i < n_live; i++) {
		struct ct_flow f = mkflow(live[i]);

		assert_true(ct_flows_delete(t, &f));
	}
	assert_int_equal(ct_flows_count(t), 0);
	printf("# empty again: %zu bytes\n", ct_flows_mem(t));
	/* One chunk stays (CT_CHUNK flows of 76 bytes: 304 KiB) and a small index. */
	assert_true(ct_flows_mem(t) < 320 * 1024);
	free(live);
	ct_flows_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_ipv6_keys),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_memory_per_flow),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
