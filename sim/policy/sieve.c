/*
 * sieve — SIEVE eviction.
 *
 * Algorithm (Zhang, Yang, Yue, Vigfusson & Rashmi, "SIEVE is Simpler than
 * LRU: an Efficient Turn-Key Eviction Algorithm for Web Caches", NSDI
 * 2024, Algorithm 1): one FIFO queue, a visited bit per object and a hand.
 * A hit sets the visited bit and moves nothing.  A new object is inserted
 * at the head with its bit clear.  To evict, the hand (starting at the
 * tail when it points nowhere) moves toward the head, clearing visited
 * bits, wrapping from the head back to the tail; the first object with a
 * clear bit is evicted and the hand stays at its neighbour toward the
 * head.  Unlike CLOCK, survivors keep their place: new objects stay near
 * the head, old popular ones near the tail.  libCacheSim
 * cache/eviction/Sieve.c is the same.
 *
 * Per object: one 24-byte entry (pol_ent; meta = visited bit) plus its
 * index slot.
 */
#include <stdlib.h>

#include "plist.h"

struct sieve {
	struct pol_base b;
	struct cidx ix;
	struct plist q;
	uint32_t hand; /* CIDX_NONE: start from the tail */
};

static void *sieve_create(uint64_t capacity_bytes, struct err *e)
{
	struct sieve *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_SPARSE) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "sieve: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	plist_init(&s->q);
	s->hand = CIDX_NONE;
	return s;
}

static void sieve_destroy(void *st)
{
	struct sieve *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	free(s);
}

/* Removes entry h, keeping the hand on a live entry. */
static void sieve_drop(struct sieve *s, uint32_t h, struct pol_ent *e, int report)
{
	if (s->hand == h)
		s->hand = e->prev;
	plist_drop(&s->ix, &s->q, &s->b, h, e, report);
}

static void sieve_evict_one(struct sieve *s)
{
	uint32_t h = s->hand != CIDX_NONE ? s->hand : s->q.tail;
	struct pol_ent *e = plist_ent(&s->ix, h);
	while (e->meta) {
		e->meta = 0;
		h = e->prev != CIDX_NONE ? e->prev : s->q.tail;
		e = plist_ent(&s->ix, h);
	}
	s->hand = e->prev;
	plist_drop(&s->ix, &s->q, &s->b, h, e, 1);
}

static int sieve_lookup(void *st, const struct pol_req *r)
{
	struct sieve *s = st;
	uint32_t h = cidx_find(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return 0;
	struct pol_ent *e = plist_ent(&s->ix, h);
	e->meta = 1;
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : 1;
		if (r->size_bytes > s->b.capacity_bytes) {
			sieve_drop(s, h, e, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		plist_resize(&s->q, e, (uint32_t)r->size_bytes);
		while (s->b.used_bytes > s->b.capacity_bytes)
			sieve_evict_one(s);
		return hit;
	}
	return 1;
}

static int sieve_insert(void *st, const struct pol_req *r)
{
	struct sieve *s = st;
	while (s->b.used_bytes + r->size_bytes > s->b.capacity_bytes)
		sieve_evict_one(s);
	if (plist_add(&s->ix, &s->q, &s->b, r->obj_id, (uint32_t)r->size_bytes, 0) == CIDX_NONE)
		return -1;
	return 1;
}

static int sieve_remove(void *st, uint64_t id)
{
	struct sieve *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE)
		return 0;
	sieve_drop(s, h, plist_ent(&s->ix, h), 0);
	return 1;
}

static int sieve_contains(const void *st, uint64_t id)
{
	const struct sieve *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t sieve_mem_bytes(const void *st)
{
	const struct sieve *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix);
}

const struct pol_ops pol_sieve_ops = {
	.name = "sieve",
	.summary = "SIEVE (Zhang et al., NSDI'24)",
	.create = sieve_create,
	.destroy = sieve_destroy,
	.lookup = sieve_lookup,
	.insert = sieve_insert,
	.remove = sieve_remove,
	.contains = sieve_contains,
	.mem_bytes = sieve_mem_bytes,
};
