/*
 * fifo — First-In First-Out eviction.
 *
 * Algorithm: objects enter at the head of one queue and leave from its
 * tail, in insertion order; a hit changes nothing.  The textbook baseline
 * (Belady, Nelson & Shedler 1969, who used it to show that FIFO can miss
 * more with more memory: "An anomaly in space-time characteristics of
 * certain programs running in a paging machine", CACM 12(6)); libCacheSim
 * cache/eviction/FIFO.c is the same.
 *
 * Per object: one 24-byte entry (pol_ent) plus its index slot.
 */
#include <stdlib.h>

#include "plist.h"

struct fifo {
	struct pol_base b;
	struct cidx ix;
	struct plist q;
};

static void *fifo_create(uint64_t capacity_bytes, struct err *e)
{
	struct fifo *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_SPARSE) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "fifo: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	plist_init(&s->q);
	return s;
}

static void fifo_destroy(void *st)
{
	struct fifo *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	free(s);
}

static void fifo_evict_one(struct fifo *s)
{
	uint32_t h = s->q.tail;
	plist_drop(&s->ix, &s->q, &s->b, h, plist_ent(&s->ix, h), 1);
}

static int fifo_lookup(void *st, const struct pol_req *r)
{
	struct fifo *s = st;
	uint32_t h = cidx_find(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return 0;
	struct pol_ent *e = plist_ent(&s->ix, h);
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : 1;
		if (r->size_bytes > s->b.capacity_bytes) {
			plist_drop(&s->ix, &s->q, &s->b, h, e, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		plist_resize(&s->q, e, (uint32_t)r->size_bytes);
		while (s->b.used_bytes > s->b.capacity_bytes)
			fifo_evict_one(s);
		return hit;
	}
	return 1;
}

static int fifo_insert(void *st, const struct pol_req *r)
{
	struct fifo *s = st;
	while (s->b.used_bytes + r->size_bytes > s->b.capacity_bytes)
		fifo_evict_one(s);
	if (plist_add(&s->ix, &s->q, &s->b, r->obj_id, (uint32_t)r->size_bytes, 0) == CIDX_NONE)
		return -1;
	return 1;
}

static int fifo_remove(void *st, uint64_t id)
{
	struct fifo *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE)
		return 0;
	plist_drop(&s->ix, &s->q, &s->b, h, plist_ent(&s->ix, h), 0);
	return 1;
}

static int fifo_contains(const void *st, uint64_t id)
{
	const struct fifo *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t fifo_mem_bytes(const void *st)
{
	const struct fifo *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix);
}

const struct pol_ops pol_fifo_ops = {
	.name = "fifo",
	.summary = "first in, first out",
	.create = fifo_create,
	.destroy = fifo_destroy,
	.lookup = fifo_lookup,
	.insert = fifo_insert,
	.remove = fifo_remove,
	.contains = fifo_contains,
	.mem_bytes = fifo_mem_bytes,
};
