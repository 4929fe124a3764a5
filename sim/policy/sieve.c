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
#include "onelist.h"

static void *sieve_create(uint64_t capacity_bytes, struct err *e)
{
	return onelist_create(capacity_bytes, "sieve", e);
}

static void sieve_evict_one(struct onelist *s)
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
	return onelist_lookup(st, r, onelist_mark, sieve_evict_one);
}

static int sieve_insert(void *st, const struct pol_req *r)
{
	return onelist_insert(st, r, sieve_evict_one);
}

const struct pol_ops pol_sieve_ops = {
	.name = "sieve",
	.summary = "SIEVE (Zhang et al., NSDI'24)",
	.create = sieve_create,
	.destroy = onelist_destroy,
	.lookup = sieve_lookup,
	.insert = sieve_insert,
	.remove = onelist_remove,
	.contains = onelist_contains,
	.mem_bytes = onelist_mem_bytes,
};
