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
#include <stdlib.h>

#include "plist.h"

struct clock {
	struct pol_base b;
	struct cidx ix;
	struct plist q;
};

static void *clock_create(uint64_t capacity_bytes, struct err *e)
{
	struct clock *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_SPARSE) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "clock: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	plist_init(&s->q);
	return s;
}

static void clock_destroy(void *st)
{
	struct clock *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	free(s);
}

static void clock_evict_one(struct clock *s)
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
	struct clock *s = st;
	uint32_t h = cidx_find(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return 0;
	struct pol_ent *e = plist_ent(&s->ix, h);
	e->meta = 1;
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : 1;
		if (r->size_bytes > s->b.capacity_bytes) {
			plist_drop(&s->ix, &s->q, &s->b, h, e, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		plist_resize(&s->q, e, (uint32_t)r->size_bytes);
		while (s->b.used_bytes > s->b.capacity_bytes)
			clock_evict_one(s);
		return hit;
	}
	return 1;
}

static int clock_insert(void *st, const struct pol_req *r)
{
	struct clock *s = st;
	while (s->b.used_bytes + r->size_bytes > s->b.capacity_bytes)
		clock_evict_one(s);
	if (plist_add(&s->ix, &s->q, &s->b, r->obj_id, (uint32_t)r->size_bytes, 0) == CIDX_NONE)
		return -1;
	return 1;
}

static int clock_remove(void *st, uint64_t id)
{
	struct clock *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE)
		return 0;
	plist_drop(&s->ix, &s->q, &s->b, h, plist_ent(&s->ix, h), 0);
	return 1;
}

static int clock_contains(const void *st, uint64_t id)
{
	const struct clock *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t clock_mem_bytes(const void *st)
{
	const struct clock *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix);
}

const struct pol_ops pol_clock_ops = {
	.name = "clock",
	.summary = "CLOCK, one reference bit (FIFO with reinsertion)",
	.create = clock_create,
	.destroy = clock_destroy,
	.lookup = clock_lookup,
	.insert = clock_insert,
	.remove = clock_remove,
	.contains = clock_contains,
	.mem_bytes = clock_mem_bytes,
};
