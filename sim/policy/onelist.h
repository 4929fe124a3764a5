/*
 * onelist — what the one-list policies (FIFO, LRU, CLOCK, SIEVE) share.
 *
 * Each keeps its resident objects in one plist, new ones entering at the
 * head.  They differ only in what a hit does to its entry (nothing, move
 * it to the head, set its reference bit) and in which entry an eviction
 * takes (the tail, or the first unreferenced one from the tail or from a
 * hand); each policy's file says that much and this file the rest:
 * creating and freeing the state, a hit on an object whose size changed,
 * an insertion that evicts until the object fits, removal, membership and
 * memory.
 *
 * Private to sim/policy/.  The lookup and insert paths are static inline
 * and take the policy's touch and eviction as constant arguments, so each
 * policy's copy calls its own directly (the cache benchmark's hot path).
 */
#ifndef TIERSIM_POLICY_ONELIST_H
#define TIERSIM_POLICY_ONELIST_H

#include "plist.h"

struct onelist {
	struct pol_base b;
	struct cidx ix;
	struct plist q;
	uint32_t hand; /* SIEVE's hand (CIDX_NONE: from the tail); unused otherwise */
};

typedef void (*onelist_evict_fn)(struct onelist *s);

/* A new empty state of capacity_bytes; name says whose in an error. */
void *onelist_create(uint64_t capacity_bytes, const char *name, struct err *e);
void onelist_destroy(void *st);
int onelist_remove(void *st, uint64_t id);
int onelist_contains(const void *st, uint64_t id);
size_t onelist_mem_bytes(const void *st);

/* Takes resident entry h out (plist_drop), moving a hand that points at
 * it to the entry before it. */
static inline void onelist_drop(struct onelist *s, uint32_t h, struct pol_ent *e, int report)
{
	if (s->hand == h)
		s->hand = e->prev;
	plist_drop(&s->ix, &s->q, &s->b, h, e, report);
}

/* Evicts the tail: the oldest entry (FIFO), the least recent (LRU). */
static inline void onelist_evict_tail(struct onelist *s)
{
	uint32_t h = s->q.tail;
	plist_drop(&s->ix, &s->q, &s->b, h, plist_ent(&s->ix, h), 1);
}

/* What a hit does to its entry before the rest (onelist_lookup). */
typedef void (*onelist_touch_fn)(struct onelist *s, uint32_t h, struct pol_ent *e);

/* The reference bit of CLOCK and SIEVE (meta). */
static inline void onelist_mark(struct onelist *s, uint32_t h, struct pol_ent *e)
{
	(void)s;
	(void)h;
	e->meta = 1;
}

/* A lookup: 0 on a miss; on a hit, touch (NULL: nothing) and then, for an
 * object whose size changed, either it leaves the cache (larger than the
 * cache) or it is held at its new size, evicting until the cache fits
 * (its own entry last but for FIFO, whose hit leaves it where it is).
 * Returns the hit code: POL_HIT_GREW when the object is larger than the
 * entry held, POL_HIT_SHRANK when smaller, else 1. */
static inline int onelist_lookup(struct onelist *s, const struct pol_req *r, onelist_touch_fn touch,
				 onelist_evict_fn evict_one)
{
	uint32_t h = cidx_find(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return 0;
	struct pol_ent *e = plist_ent(&s->ix, h);
	if (touch)
		touch(s, h, e);
	if (e->size == r->size_bytes)
		return 1;
	int hit = r->size_bytes > e->size ? POL_HIT_GREW : POL_HIT_SHRANK;
	if (r->size_bytes > s->b.capacity_bytes) {
		onelist_drop(s, h, e, 1);
		return hit;
	}
	s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
	plist_resize(&s->q, e, (uint32_t)r->size_bytes);
	while (s->b.used_bytes > s->b.capacity_bytes)
		evict_one(s);
	return hit;
}

/* Inserts r's object at the head after evicting until it fits (the
 * caller, cache.c or the data path, inserts only objects no larger than
 * the cache).  1, or -1 when out of memory. */
static inline int onelist_insert(struct onelist *s, const struct pol_req *r, onelist_evict_fn evict_one)
{
	while (s->b.used_bytes + r->size_bytes > s->b.capacity_bytes)
		evict_one(s);
	if (plist_add(&s->ix, &s->q, &s->b, r->obj_id, (uint32_t)r->size_bytes, 0) == CIDX_NONE)
		return -1;
	return 1;
}

#endif
