/*
 * clock — CLOCK (second chance) eviction with one reference bit.
 *
 * Algorithm (Corbató, "A paging experiment with the Multics system", MIT
 * Project MAC report MAC-M-384, 1968): objects sit on a circle with a
 * hand; a hit sets the object's reference bit; to evict, the hand clears
 * and passes set bits and evicts the first object whose bit is clear; a
 * new object goes in just behind the hand with its bit clear.  Written
 * here as the equivalent FIFO with reinsertion: the queue tail is the
 * hand, a referenced tail object is moved to the head with its bit
 * cleared (libCacheSim cache/eviction/Clock.c with one bit is the same).
 *
 * Per object: one 24-byte entry (pol_ent; meta = reference bit) plus its
 * index slot.
 */
#include "onelist.h"

static void *clock_create(uint64_t capacity_bytes, struct err *e)
{
	return onelist_create(capacity_bytes, "clock", e);
}

static void clock_evict_one(struct onelist *s)
{
	for (;;) {
		uint32_t h = s->q.tail;
		struct pol_ent *e = plist_ent(&s->ix, h);
		if (!e->meta) {
			plist_drop(&s->ix, &s->q, &s->b, h, e, 1);
			return;
		}
		e->meta = 0;
		plist_move_head(&s->ix, &s->q, h, e);
	}
}

static int clock_lookup(void *st, const struct pol_req *r)
{
	return onelist_lookup(st, r, onelist_mark, clock_evict_one);
}

static int clock_insert(void *st, const struct pol_req *r)
{
	return onelist_insert(st, r, clock_evict_one);
}

const struct pol_ops pol_clock_ops = {
	.name = "clock",
	.summary = "CLOCK, one reference bit (FIFO with reinsertion)",
	.create = clock_create,
	.destroy = onelist_destroy,
	.lookup = clock_lookup,
	.insert = clock_insert,
	.remove = onelist_remove,
	.contains = onelist_contains,
	.mem_bytes = onelist_mem_bytes,
};
