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
#include "onelist.h"

static void *fifo_create(uint64_t capacity_bytes, struct err *e)
{
	return onelist_create(capacity_bytes, "fifo", e);
}

static int fifo_lookup(void *st, const struct pol_req *r)
{
	return onelist_lookup(st, r, NULL, onelist_evict_tail);
}

static int fifo_insert(void *st, const struct pol_req *r)
{
	return onelist_insert(st, r, onelist_evict_tail);
}

const struct pol_ops pol_fifo_ops = {
	.name = "fifo",
	.summary = "first in, first out",
	.create = fifo_create,
	.destroy = onelist_destroy,
	.lookup = fifo_lookup,
	.insert = fifo_insert,
	.remove = onelist_remove,
	.contains = onelist_contains,
	.mem_bytes = onelist_mem_bytes,
};
