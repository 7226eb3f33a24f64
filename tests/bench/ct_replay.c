// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replay ctnetlink event messages through ct_feed(), the function flowd's
 * event socket feeds, and report the cost per event.
 *
 *   ct_replay [-r ROUNDS] [-q] FILE     replay a capture (see ct_record.py)
 *   ct_replay [-r ROUNDS] [-q] -s FLOWS synthesize FLOWS flows instead
 *
 * A capture is a sequence of records: a 4-byte length (host order), then
 * that many bytes of one netlink datagram as the kernel delivered it.
 * Synthesized flows each make the three events a real offloaded TCP flow
 * makes at least: NEW (not offloaded), UPDATE with IPS_OFFLOAD (the ACK
 * that makes it ESTABLISHED), DESTROY; built with libnetfilter_conntrack
 * (tests/unit/ct_fixture.h), half TCP, half UDP, 10.0.x.y -> 10.2.0.z.
 *
 * The tracker is set up as flowd's is on the seed topology (routes and
 * plan: eth0, tun0 over eth1; tests/unit/ct_seed.h), without sockets.
 * Instructions per event:
 *
 *   valgrind --tool=callgrind --toggle-collect=ct_feed ct_replay FILE
 *
 * and divide callgrind's "Collected" by the events printed here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/ct_fixture.h"
#include "../unit/ct_routes_stub.h"
#include "../unit/ct_seed.h"
#include "ct.h"

struct rec {
	uint32_t len;
	uint32_t off;			/* into the data buffer */
};

struct capture {
	char *data;			/* 4-byte aligned records */
	size_t len, cap;
	struct rec *recs;
	size_t n, cap_recs;
	size_t msgs;			/* netlink messages in all records */
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("ct_replay");
		exit(2);
	}
	return p;
}

static void cap_add(struct capture *c, const void *buf, uint32_t len)
{
	size_t need = c->len + NLMSG_ALIGN(len);

	if (need > c->cap) {
		c->cap = need * 2;
		c->data = xrealloc(c->data, c->cap);
	}
	if (c->n == c->cap_recs) {
		c->cap_recs = c->cap_recs ? 2 * c->cap_recs : 1024;
		c->recs = xrealloc(c->recs, c->cap_recs * sizeof(*c->recs));
	}
	memcpy(c->data + c->len, buf, len);
	c->recs[c->n].len = len;
	c->recs[c->n].off = (uint32_t)c->len;
	c->n++;
	c->len = need;
	for (const struct nlmsghdr *m = buf; len >= sizeof(*m) && m->nlmsg_len >= sizeof(*m) &&
					     m->nlmsg_len <= len;) {
		uint32_t step = NLMSG_ALIGN(m->nlmsg_len);

		c->msgs++;
		if (step >= len)
			break;
		len -= step;
		m = (const struct nlmsghdr *)((const char *)m + step);
	}
}

static int load(struct capture *c, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	static char buf[1 << 16] __attribute__((aligned(4)));
	uint32_t len;

	if (!f) {
		fprintf(stderr, "ct_replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fread(&len, sizeof(len), 1, f) == 1) {
		if (len > sizeof(buf) || fread(buf, 1, len, f) != len) {
			fprintf(stderr, "ct_replay: %s: truncated record\n", path);
			return -1;
		}
		cap_add(c, buf, len);
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static void synth(struct capture *c, unsigned int flows)
{
	static union ctbuf b;
	char src[32], dst[32];

	for (unsigned int i = 0; i < flows; i++) {
		struct ctspec s = {
			.family = AF_INET, .src = src, .dst = dst,
			.proto = i % 2 ? IPPROTO_UDP : IPPROTO_TCP,
			.sport = (uint16_t)(1024 + i % 60000), .dport = (uint16_t)(80 + i % 7),
			.id = i + 1,
		};
		size_t off;

		snprintf(src, sizeof(src), "10.0.%u.%u", (i >> 8) & 255, i & 255);
		snprintf(dst, sizeof(dst), "10.2.0.%u", 1 + i % 250);
		s.status = IPS_CONFIRMED;
		off = 0;
		ct_fx_put(&b, &off, FX_NEW, &s);
		cap_add(c, b.b, (uint32_t)off);
		s.status = IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED | IPS_OFFLOAD;
		off = 0;
		ct_fx_put(&b, &off, FX_UPDATE, &s);
		cap_add(c, b.b, (uint32_t)off);
	}
	/* Destroys after all offloads: the table holds every flow at its peak. */
	for (unsigned int i = 0; i < flows; i++) {
		struct ctspec s = {
			.family = AF_INET, .src = src, .dst = dst,
			.proto = i % 2 ? IPPROTO_UDP : IPPROTO_TCP,
			.sport = (uint16_t)(1024 + i % 60000), .dport = (uint16_t)(80 + i % 7),
			.id = i + 1,
			.status = IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED | IPS_OFFLOAD,
		};
		size_t off = 0;

		snprintf(src, sizeof(src), "10.0.%u.%u", (i >> 8) & 255, i & 255);
		snprintf(dst, sizeof(dst), "10.2.0.%u", 1 + i % 250);
		ct_fx_put(&b, &off, FX_DESTROY, &s);
		cap_add(c, b.b, (uint32_t)off);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Kept out of line so callgrind can collect exactly this. */
__attribute__((noinline)) static void replay(struct ct_ctx *ct, const struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		ct_feed(ct, c->data + c->recs[i].off, c->recs[i].len, 1000.0);
}

int main(int argc, char **argv)
{
	struct ct_route routes[] = {
		route4("10.0.0.0", 24, 2), route4("10.2.0.0", 24, 5),
		route4("192.168.1.0", 24, 3), route4("192.168.100.0", 24, 5),
	};
	struct capture c = { 0 };
	unsigned int rounds = 1, flows = 0;
	bool quiet = false;
	struct ct_stats st;
	struct ct_ctx *ct;
	double t0, t1;
	int opt;

	while ((opt = getopt(argc, argv, "r:s:q")) != -1) {
		switch (opt) {
		case 'r':
			rounds = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 's':
			flows = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			quiet = true;
			break;
		default:
			fprintf(stderr, "usage: ct_replay [-r ROUNDS] [-q] FILE | -s FLOWS\n");
			return 2;
		}
	}
	if (flows > 0)
		synth(&c, flows);
	else if (optind < argc && load(&c, argv[optind]) < 0)
		return 1;
	if (c.n == 0 || rounds == 0) {
		fprintf(stderr, "ct_replay: no events (give a capture or -s FLOWS)\n");
		return 2;
	}
	if (ct_new(NULL, &ct) < 0 || seed_set_routes(ct, routes, 4) < 0 ||
	    ct_set_plan(ct, &seed_plan) < 0) {
		fprintf(stderr, "ct_replay: out of memory\n");
		return 1;
	}
	t0 = now_s();
	for (unsigned int r = 0; r < rounds; r++)
		replay(ct, &c);
	t1 = now_s();
	ct_get_stats(ct, &st);
	if (!quiet) {
		printf("datagrams %zu messages %zu rounds %u\n", c.n, c.msgs, rounds);
		printf("events %llu (new %llu update %llu destroy %llu malformed %llu)\n",
		       (unsigned long long)st.events, (unsigned long long)st.events_new,
		       (unsigned long long)st.events_update, (unsigned long long)st.events_destroy,
		       (unsigned long long)st.malformed);
		printf("offloads seen %llu, flows left %zu\n", (unsigned long long)st.seen,
		       ct_flows_count(ct_table(ct)));
	}
	printf("ns_per_event %.1f events_per_s %.0f\n", (t1 - t0) * 1e9 / (double)st.events,
	       (double)st.events / (t1 - t0));
	ct_close(ct);
	free(c.data);
	free(c.recs);
	return 0;
}
