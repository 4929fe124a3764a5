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
#include <stdlib.h>

#include "plist.h"

struct lru {
	struct pol_base b;
	struct cidx ix;
	struct plist q;
};

static void *lru_create(uint64_t capacity_bytes, struct err *e)
{
	struct lru *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_SPARSE) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "lru: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	plist_init(&s->q);
	return s;
}

static void lru_destroy(void *st)
{
	struct lru *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	free(s);
}

static void lru_evict_one(struct lru *s)
{
	uint32_t h = s->q.tail;
	plist_drop(&s->ix, &s->q, &s->b, h, plist_ent(&s->ix, h), 1);
}

static int lru_lookup(void *st, const struct pol_req *r)
{
	struct lru *s = st;
	uint32_t h = cidx_find(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return 0;
	struct pol_ent *e = plist_ent(&s->ix, h);
	plist_move_head(&s->ix, &s->q, h, e);
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : 1;
		if (r->size_bytes > s->b.capacity_bytes) {
			plist_drop(&s->ix, &s->q, &s->b, h, e, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		plist_resize(&s->q, e, (uint32_t)r->size_bytes);
		while (s->b.used_bytes > s->b.capacity_bytes)
			lru_evict_one(s);
		return hit;
	}
	return 1;
}

static int lru_insert(void *st, const struct pol_req *r)
{
	struct lru *s = st;
	while (s->b.used_bytes + r->size_bytes > s->b.capacity_bytes)
		lru_evict_one(s);
	if (plist_add(&s->ix, &s->q, &s->b, r->obj_id, (uint32_t)r->size_bytes, 0) == CIDX_NONE)
		return -1;
	return 1;
}

static int lru_remove(void *st, uint64_t id)
{
	struct lru *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE)
		return 0;
	plist_drop(&s->ix, &s->q, &s->b, h, plist_ent(&s->ix, h), 0);
	return 1;
}

static int lru_contains(const void *st, uint64_t id)
{
	const struct lru *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t lru_mem_bytes(const void *st)
{
	const struct lru *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix);
}

const struct pol_ops pol_lru_ops = {
	.name = "lru",
	.summary = "least recently used",
	.create = lru_create,
	.destroy = lru_destroy,
	.lookup = lru_lookup,
	.insert = lru_insert,
	.remove = lru_remove,
	.contains = lru_contains,
	.mem_bytes = lru_mem_bytes,
};
