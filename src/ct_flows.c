// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of offloaded flows: a slab plus an open-addressing index.
 *
 * Flows live densely in fixed-size chunks (CT_CHUNK flows each), so a flow
 * costs its 76 bytes plus at most one partly used chunk for the whole
 * table.  The index is an array of 32-bit slot numbers (flow index + 1,
 * 0 = empty), linear probing, kept between 1/8 and 3/4 full: 4 to 11
 * bytes per flow.  Deleting moves the last flow into the hole (one index
 * fix-up) and shifts the probe run back instead of leaving tombstones, so
 * churn never degrades the table and memory follows the flow count: the
 * index shrinks below 1/8 load and spare chunks beyond one are freed.
 *
 * The hash is SipHash-1-3 with a random key: tuples come from the network
 * and a fixed hash would let anyone build long probe runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ct.h"
#include "ct_int.h"

#define CT_CHUNK_SHIFT	12
#define CT_CHUNK	(1u << CT_CHUNK_SHIFT)	/* flows per chunk: 304 KiB */
#define CT_INDEX_MIN	64u

_Static_assert(sizeof(struct ct_flow) == 76, "struct ct_flow grew");

struct ct_flows {
	struct ct_flow **chunks;
	size_t n_chunks;		/* allocated chunks */
	size_t cap_chunks;		/* size of the chunks array */
	size_t n;			/* flows */
	uint32_t *index;
	size_t index_cap;		/* power of two */
	uint64_t k0, k1;		/* hash key */
};

/* --- SipHash-1-3 --- */

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* The arguments are always plain variables: the macro assigns them. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define SIPROUND(v0, v1, v2, v3)					\
	do {								\
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
	} while (0)
/* NOLINTEND(bugprone-macro-parentheses) */

uint64_t ct_hash(const void *data, size_t len, uint64_t k0, uint64_t k1)
{
	const uint8_t *p = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t left = len & 7;
	const uint8_t *end = p + len - left;

	for (; p != end; p += 8) {
		memcpy(&m, p, 8);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t i = 0; i < left; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

void ct_hash_key(uint64_t key[2])
{
	if (getrandom(key, 2 * sizeof(key[0]), GRND_NONBLOCK) != (ssize_t)(2 * sizeof(key[0]))) {
		struct timespec ts;

		/* No entropy yet (early boot): still better than a constant. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		key[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec;
		key[1] = (uint64_t)(uintptr_t)key * 0xc2b2ae3d27d4eb4fULL ^ key[0];
	}
}

/* --- keys --- */

/* The key is the first 44 bytes minus flags/gen: hash it in two parts. */
struct ct_flow_keybuf {
	uint32_t id;
	uint16_t zone;
	uint8_t family, l4proto;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

static uint64_t flow_hash(const struct ct_flows *t, const struct ct_flow *f)
{
	struct ct_flow_keybuf k;

	memset(&k, 0, sizeof(k));
	k.id = f->id;
	k.zone = f->zone;
	k.family = f->family;
	k.l4proto = f->l4proto;
	k.sport = f->sport;
	k.dport = f->dport;
	memcpy(k.src, f->src, 16);
	memcpy(k.dst, f->dst, 16);
	return ct_hash(&k, sizeof(k), t->k0, t->k1);
}

bool ct_flow_key_equal(const struct ct_flow *a, const struct ct_flow *b)
{
	return a->id == b->id && a->zone == b->zone && a->family == b->family &&
	       a->l4proto == b->l4proto && a->sport == b->sport && a->dport == b->dport &&
	       memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

/* --- slab --- */

static inline struct ct_flow *slot_flow(const struct ct_flows *t, size_t i)
{
	return &t->chunks[i >> CT_CHUNK_SHIFT][i & (CT_CHUNK - 1)];
}

static int slab_reserve(struct ct_flows *t)
{
	if (t->n < t->n_chunks * CT_CHUNK)
		return 0;
	if (t->n_chunks == t->cap_chunks) {
		size_t ncap = t->cap_chunks ? t->cap_chunks * 2 : 8;
		struct ct_flow **nc = realloc(t->chunks, ncap * sizeof(*nc));

		if (nc == NULL)
			return -ENOMEM;
		t->chunks = nc;
		t->cap_chunks = ncap;
	}
	t->chunks[t->n_chunks] = malloc(CT_CHUNK * sizeof(struct ct_flow));
	if (t->chunks[t->n_chunks] == NULL)
		return -ENOMEM;
	t->n_chunks++;
	return 0;
}

/* Keep one spare chunk at most, so a flow coming and going costs nothing. */
static void slab_trim(struct ct_flows *t)
{
	while (t->n_chunks >= 2 && t->n + CT_CHUNK <= (t->n_chunks - 1) * CT_CHUNK) {
		free(t->chunks[--t->n_chunks]);
		t->chunks[t->n_chunks] = NULL;
	}
	if (t->n_chunks * 4 < t->cap_chunks && t->cap_chunks > 8) {
		size_t ncap = t->cap_chunks / 2;
		struct ct_flow **nc = realloc(t->chunks, ncap * sizeof(*nc));

		if (nc != NULL) {
			t->chunks = nc;
			t->cap_chunks = ncap;
		}
	}
}

/* --- index --- */

/* Where f is in the index, or where it would go (an empty slot). */
static size_t index_find(const struct ct_flows *t, const struct ct_flow *key, uint64_t h)
{
	size_t mask = t->index_cap - 1;
	size_t pos = (size_t)h & mask;

	for (;;) {
		uint32_t s = t->index[pos];

		if (s == 0 || ct_flow_key_equal(slot_flow(t, s - 1), key))
			return pos;
		pos = (pos + 1) & mask;
	}
}

static int index_resize(struct ct_flows *t, size_t ncap)
{
	uint32_t *old = t->index;
	size_t old_cap = t->index_cap;
	uint32_t *ni = calloc(ncap, sizeof(*ni));

	if (ni == NULL)
		return -ENOMEM;
	t->index = ni;
	t->index_cap = ncap;
	for (size_t i = 0; i < old_cap; i++) {
		uint32_t s = old[i];

		if (s != 0) {
			size_t pos = (size_t)flow_hash(t, slot_flow(t, s - 1)) & (ncap - 1);

			while (ni[pos] != 0)
				pos = (pos + 1) & (ncap - 1);
			ni[pos] = s;
		}
	}
	free(old);
	return 0;
}

/* Empty slot pos and close the gap (backward shift, no tombstones). */
static void index_remove_at(struct ct_flows *t, size_t pos)
{
	size_t mask = t->index_cap - 1;
	size_t hole = pos, next = (pos + 1) & mask;

	for (;;) {
		uint32_t s = t->index[next];
		size_t home;

		if (s == 0)
			break;
		home = (size_t)flow_hash(t, slot_flow(t, s - 1)) & mask;
		/* Move s into the hole unless its home lies cyclically in (hole, next]. */
		if (((next - home) & mask) >= ((next - hole) & mask)) {
			t->index[hole] = s;
			hole = next;
		}
		next = (next + 1) & mask;
	}
	t->index[hole] = 0;
}

/* --- API --- */

struct ct_flows *ct_flows_new(void)
{
	struct ct_flows *t = calloc(1, sizeof(*t));
	uint64_t key[2];

	if (t == NULL)
		return NULL;
	t->index = calloc(CT_INDEX_MIN, sizeof(*t->index));
	if (t->index == NULL) {
		free(t);
		return NULL;
	}
	t->index_cap = CT_INDEX_MIN;
	ct_hash_key(key);
	t->k0 = key[0];
	t->k1 = key[1];
	return t;
}

void ct_flows_clear(struct ct_flows *t)
{
	for (size_t i = 0; i < t->n_chunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	t->chunks = NULL;
	t->n_chunks = t->cap_chunks = 0;
	t->n = 0;
	if (t->index_cap != CT_INDEX_MIN) {
		uint32_t *ni = calloc(CT_INDEX_MIN, sizeof(*ni));

		if (ni != NULL) {
			free(t->index);
			t->index = ni;
			t->index_cap = CT_INDEX_MIN;
			return;
		}
	}
	memset(t->index, 0, t->index_cap * sizeof(*t->index));
}

void ct_flows_free(struct ct_flows *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_chunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->index);
	free(t);
}

struct ct_flow *ct_flows_lookup(const struct ct_flows *t, const struct ct_flow *key)
{
	size_t pos = index_find(t, key, flow_hash(t, key));

	return t->index[pos] ? slot_flow(t, t->index[pos] - 1) : NULL;
}

struct ct_flow *ct_flows_insert(struct ct_flows *t, const struct ct_flow *f, bool *created)
{
	uint64_t h = flow_hash(t, f);
	size_t pos = index_find(t, f, h);
	struct ct_flow *nf;

	*created = false;
	if (t->index[pos] != 0)
		return slot_flow(t, t->index[pos] - 1);
	if (t->n >= UINT32_MAX - 1)
		return NULL;
	/* Keep the load at most 3/4 after this insert. */
	if ((t->n + 1) * 4 > t->index_cap * 3) {
		if (index_resize(t, t->index_cap * 2) < 0)
			return NULL;
		pos = index_find(t, f, h);
	}
	if (slab_reserve(t) < 0)
		return NULL;
	nf = slot_flow(t, t->n);
	*nf = *f;
	t->index[pos] = (uint32_t)(++t->n);
	*created = true;
	return nf;
}

void ct_flows_delete_at(struct ct_flows *t, size_t i)
{
	size_t last = t->n - 1;
	size_t pos;

	pos = index_find(t, slot_flow(t, i), flow_hash(t, slot_flow(t, i)));
	index_remove_at(t, pos);
	if (i != last) {
		/* The last flow fills the hole; its slot follows it. */
		struct ct_flow *lf = slot_flow(t, last);

		pos = index_find(t, lf, flow_hash(t, lf));
		*slot_flow(t, i) = *lf;
		t->index[pos] = (uint32_t)(i + 1);
	}
	t->n--;
	slab_trim(t);
	/* Shrink below 1/8 load to the size that makes it at most 1/2. */
	if (t->index_cap > CT_INDEX_MIN && t->n * 8 < t->index_cap) {
		size_t ncap = CT_INDEX_MIN;

		while (ncap < t->n * 2)
			ncap *= 2;
		index_resize(t, ncap);	/* on failure the big index stays valid */
	}
}

bool ct_flows_delete(struct ct_flows *t, const struct ct_flow *key)
{
	size_t pos = index_find(t, key, flow_hash(t, key));

	if (t->index[pos] == 0)
		return false;
	ct_flows_delete_at(t, t->index[pos] - 1);
	return true;
}

size_t ct_flows_count(const struct ct_flows *t)
{
	return t->n;
}

struct ct_flow *ct_flows_at(const struct ct_flows *t, size_t i)
{
	return i < t->n ? slot_flow(t, i) : NULL;
}

size_t ct_flows_mem(const struct ct_flows *t)
{
	return sizeof(*t) + t->cap_chunks * sizeof(*t->chunks) +
	       t->n_chunks * CT_CHUNK * sizeof(struct ct_flow) + t->index_cap * sizeof(*t->index);
}
