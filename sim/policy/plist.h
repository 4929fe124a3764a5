/*
 * plist — the entry and the intrusive doubly linked lists shared by the
 * list-based policies (FIFO, LRU, CLOCK, LFU, ARC, SIEVE, S3-FIFO).
 *
 * Entries live in a cache_index and link to each other by 32-bit handle
 * (CIDX_NONE ends a list), which keeps an entry at 24 bytes: key, size,
 * prev, next and 32 bits the policy owns (a reference bit, a frequency, a
 * list id).  A list's head is its newest or most recent end, its tail the
 * oldest; each list counts its objects and bytes.
 *
 * Private to sim/policy/: static inline functions, no state of their own.
 */
#ifndef TIERSIM_POLICY_PLIST_H
#define TIERSIM_POLICY_PLIST_H

#include <stdint.h>

#include "sim/cache_index.h"
#include "sim/policy.h"

struct pol_ent {
	uint64_t key;
	uint32_t size;
	uint32_t prev; /* toward the head */
	uint32_t next; /* toward the tail */
	uint32_t meta; /* the policy's bits */
};

_Static_assert(sizeof(struct pol_ent) == 24, "pol_ent is 24 bytes");

struct plist {
	uint32_t head, tail;
	uint64_t n;
	uint64_t bytes;
};

static inline struct pol_ent *plist_ent(const struct cidx *x, uint32_t h)
{
	return (struct pol_ent *)cidx_at(x, h);
}

static inline void plist_init(struct plist *l)
{
	l->head = l->tail = CIDX_NONE;
	l->n = 0;
	l->bytes = 0;
}

static inline void plist_push_head(const struct cidx *x, struct plist *l,
				   uint32_t h, struct pol_ent *e)
{
	e->prev = CIDX_NONE;
	e->next = l->head;
	if (l->head != CIDX_NONE)
		plist_ent(x, l->head)->prev = h;
	else
		l->tail = h;
	l->head = h;
	l->n++;
	l->bytes += e->size;
}

static inline void plist_unlink(const struct cidx *x, struct plist *l,
				uint32_t h, struct pol_ent *e)
{
	if (e->prev != CIDX_NONE)
		plist_ent(x, e->prev)->next = e->next;
	else
		l->head = e->next;
	if (e->next != CIDX_NONE)
		plist_ent(x, e->next)->prev = e->prev;
	else
		l->tail = e->prev;
	(void)h;
	l->n--;
	l->bytes -= e->size;
}

static inline void plist_move_head(const struct cidx *x, struct plist *l,
				   uint32_t h, struct pol_ent *e)
{
	if (l->head == h)
		return;
	plist_unlink(x, l, h, e);
	plist_push_head(x, l, h, e);
}

/* Changes a listed entry's size, keeping the list's byte count. */
static inline void plist_resize(struct plist *l, struct pol_ent *e, uint32_t size)
{
	l->bytes = l->bytes - e->size + size;
	e->size = size;
}

/* Adds a resident entry for key at the head of l and counts it into b.
 * Returns its handle, or CIDX_NONE on out of memory. */
static inline uint32_t plist_add(struct cidx *x, struct plist *l, struct pol_base *b,
				 uint64_t key, uint32_t size, uint32_t meta)
{
	uint32_t h = cidx_insert(x, key);
	if (h == CIDX_NONE)
		return CIDX_NONE;
	struct pol_ent *e = plist_ent(x, h);
	e->size = size;
	e->meta = meta;
	plist_push_head(x, l, h, e);
	b->used_bytes += size;
	b->n_objects++;
	return h;
}

/* Takes resident entry h off list l and out of the index; counts it out
 * of b and, if report, tells the eviction callback. */
static inline void plist_drop(struct cidx *x, struct plist *l, struct pol_base *b,
			      uint32_t h, struct pol_ent *e, int report)
{
	uint64_t key = e->key, size = e->size;
	plist_unlink(x, l, h, e);
	cidx_remove(x, h);
	if (report) {
		pol_base_evicted(b, key, size);
	} else {
		b->used_bytes -= size;
		b->n_objects--;
	}
}

#endif
