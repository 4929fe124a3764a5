/*
 * lru — Least Recently Used eviction.
 *
 * Algorithm: one recency list; a hit moves the object to the head, a new
 * object enters at the head, and eviction takes the tail (the object
 * whose last request is oldest).  LRU is the stack algorithm of Mattson,
 * Gecsei, Slutz & Traiger, "Evaluation techniques for storage
 * hierarchies", IBM Systems Journal 9(2), 1970: with unit sizes a request
 * hits in a cache of C objects iff its stack distance is <= C, which is
 * what `tiersim mrc` and the unit tests check it against.  libCacheSim
 * cache/eviction/LRU.c is the same.
 *
 * Per object: one 24-byte entry (pol_ent) plus its index slot.
 */
#include "onelist.h"

static void *lru_create(uint64_t capacity_bytes, struct err *e)
{
	return onelist_create(capacity_bytes, "lru", e);
}

static void lru_touch(struct onelist *s, uint32_t h, struct pol_ent *e)
{
	plist_move_head(&s->ix, &s->q, h, e);
}

static int lru_lookup(void *st, const struct pol_req *r)
{
	return onelist_lookup(st, r, lru_touch, onelist_evict_tail);
}

static int lru_insert(void *st, const struct pol_req *r)
{
	return onelist_insert(st, r, onelist_evict_tail);
}

const struct pol_ops pol_lru_ops = {
	.name = "lru",
	.summary = "least recently used",
	.create = lru_create,
	.destroy = onelist_destroy,
	.lookup = lru_lookup,
	.insert = lru_insert,
	.remove = onelist_remove,
	.contains = onelist_contains,
	.mem_bytes = onelist_mem_bytes,
};
