/*
 * evq_heap — the pending-event set as a 4-ary min-heap with inline keys.
 *
 * Layout (40 bytes per pending event):
 *   heap[]  16-byte entries {time, seq, slot}, ordered by (time, seq).  The
 *           keys live in the heap array itself, so sifting compares
 *           neighbouring cache lines and never chases a pointer.  A 4-ary
 *           heap halves the depth of a binary one and its four children
 *           share one 64-byte line (LaMarca & Ladner, "The influence of
 *           caches on the performance of heaps", JEA 1996).
 *   slab[]  24-byte records {fn, arg, pos, gen} addressed by slot: the
 *           callback, and where the event sits in the heap (for O(log n)
 *           cancel).  Free records form a list threaded through `pos`.
 *
 * Sequence numbers are 32 bits to keep an entry at 16 bytes.  Before the
 * counter would wrap, every pending event is renumbered 0..n-1 in (time,
 * seq) order — a sorted array is a valid heap, so the heap is rebuilt by
 * sorting — and counting resumes at n.  Order between pending events is
 * thus exactly that of unbounded sequence numbers; the renumbering costs
 * O(n log n) once per ~4·10^9 pushes.
 *
 * Handles are (gen << 32) | (slot + 1): never 0, and a record's gen changes
 * when it is freed, so a stale handle cannot cancel a later event that
 * reuses the record (a record is retired before its gen could wrap).
 *
 * Growth is by 1/8 of the current size (at least 64), which keeps the
 * allocated bytes per pending event within ~12% of the live 40 bytes,
 * at the cost of more (amortised O(1)) reallocations.
 */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

#define ARITY 4
#define SLOT_NONE UINT32_MAX

struct hent {
	uint64_t t;
	uint32_t seq;
	uint32_t slot;
};

struct hrec {
	exec_fn fn;
	void *arg;
	uint32_t pos;  /* heap index while pending; next free slot while free */
	uint32_t gen;
};

struct heapq {
	struct hent *heap;
	size_t n, cap;
	struct hrec *slab;
	uint32_t nslab, slabcap;
	uint32_t free_head;
	uint32_t next_seq;
	uint32_t seq_limit; /* renumber when next_seq reaches it (tests lower it) */
};

static inline int hless(const struct hent *a, const struct hent *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static size_t grow(size_t cap)
{
	size_t add = cap / 8;
	return cap + (add < 64 ? 64 : add);
}

static void *heapq_create(void)
{
	struct heapq *q = calloc(1, sizeof *q);
	if (q) {
		q->free_head = SLOT_NONE;
		q->seq_limit = UINT32_MAX;
	}
	return q;
}

static void heapq_destroy(void *vq)
{
	struct heapq *q = vq;
	if (!q)
		return;
	free(q->heap);
	free(q->slab);
	free(q);
}

static inline void place(struct heapq *q, size_t i, struct hent e)
{
	q->heap[i] = e;
	q->slab[e.slot].pos = (uint32_t)i;
}

static void sift_up(struct heapq *q, size_t i, struct hent e)
{
	while (i > 0) {
		size_t p = (i - 1) / ARITY;
		if (!hless(&e, &q->heap[p]))
			break;
		place(q, i, q->heap[p]);
		i = p;
	}
	place(q, i, e);
}

/* Moves the hole at i down to where e belongs, then puts e there. */
static void sift_down(struct heapq *q, size_t i, struct hent e)
{
	size_t n = q->n;
	for (;;) {
		size_t c = i * ARITY + 1;
		if (c >= n)
			break;
		size_t best = c, end = c + ARITY < n ? c + ARITY : n;
		for (size_t k = c + 1; k < end; k++)
			if (hless(&q->heap[k], &q->heap[best]))
				best = k;
		if (!hless(&q->heap[best], &e))
			break;
		place(q, i, q->heap[best]);
		i = best;
	}
	place(q, i, e);
}

static int ent_cmp(const void *a, const void *b)
{
	const struct hent *x = a, *y = b;
	return hless(x, y) ? -1 : hless(y, x) ? 1 : 0;
}

/* Renumbers pending events 0..n-1 in order (see the opening comment). */
static void renumber(struct heapq *q)
{
	qsort(q->heap, q->n, sizeof *q->heap, ent_cmp);
	for (size_t i = 0; i < q->n; i++) {
		q->heap[i].seq = (uint32_t)i;
		q->slab[q->heap[i].slot].pos = (uint32_t)i;
	}
	q->next_seq = (uint32_t)q->n;
}

static uint32_t slot_alloc(struct heapq *q)
{
	if (q->free_head != SLOT_NONE) {
		uint32_t s = q->free_head;
		q->free_head = q->slab[s].pos;
		return s;
	}
	if (q->nslab == q->slabcap) {
		size_t cap = grow(q->slabcap);
		if (cap >= SLOT_NONE)
			return SLOT_NONE;
		struct hrec *p = realloc(q->slab, cap * sizeof *p);
		if (!p)
			return SLOT_NONE;
		q->slab = p;
		q->slabcap = (uint32_t)cap;
	}
	q->slab[q->nslab].gen = 0;
	return q->nslab++;
}

static void slot_free(struct heapq *q, uint32_t s)
{
	/* A record whose generation would wrap is retired, never reused, so a
	 * stale handle can never match a later event. */
	if (++q->slab[s].gen == UINT32_MAX)
		return;
	q->slab[s].pos = q->free_head;
	q->free_head = s;
}

static uint64_t heapq_push(void *vq, uint64_t t, exec_fn fn, void *arg)
{
	struct heapq *q = vq;
	if (q->n == q->cap) {
		size_t cap = grow(q->cap);
		struct hent *p = realloc(q->heap, cap * sizeof *p);
		if (!p)
			return 0;
		q->heap = p;
		q->cap = cap;
	}
	uint32_t s = slot_alloc(q);
	if (s == SLOT_NONE)
		return 0;
	if (q->next_seq >= q->seq_limit)
		renumber(q);
	q->slab[s].fn = fn;
	q->slab[s].arg = arg;
	struct hent e = { .t = t, .seq = q->next_seq++, .slot = s };
	sift_up(q, q->n++, e);
	return ((uint64_t)q->slab[s].gen << 32) | ((uint64_t)s + 1);
}

/* Removes the entry at heap index i. */
static void remove_at(struct heapq *q, size_t i)
{
	struct hent last = q->heap[--q->n];
	if (i == q->n)
		return;
	if (i > 0 && hless(&last, &q->heap[(i - 1) / ARITY]))
		sift_up(q, i, last);
	else
		sift_down(q, i, last);
}

static int heapq_pop(void *vq, uint64_t until, uint64_t *t, exec_fn *fn, void **arg)
{
	struct heapq *q = vq;
	if (q->n == 0) {
		*t = UINT64_MAX;
		return 0;
	}
	struct hent top = q->heap[0];
	*t = top.t;
	if (top.t > until)
		return 0;
	struct hrec *r = &q->slab[top.slot];
	*fn = r->fn;
	*arg = r->arg;
	remove_at(q, 0);
	slot_free(q, top.slot);
	return 1;
}

static uint64_t heapq_peek_time(void *vq)
{
	struct heapq *q = vq;
	return q->n ? q->heap[0].t : UINT64_MAX;
}

static int heapq_cancel(void *vq, uint64_t h)
{
	struct heapq *q = vq;
	uint64_t s1 = h & 0xffffffffu;
	if (s1 == 0 || s1 > q->nslab)
		return 0;
	uint32_t s = (uint32_t)(s1 - 1);
	struct hrec *r = &q->slab[s];
	/* A freed record's gen has moved on; the position check also refuses a
	 * handle that was never issued. */
	if (r->gen != (uint32_t)(h >> 32) || r->pos >= q->n || q->heap[r->pos].slot != s)
		return 0;
	remove_at(q, r->pos);
	slot_free(q, s);
	return 1;
}

static size_t heapq_size(const void *vq)
{
	return ((const struct heapq *)vq)->n;
}

static size_t heapq_mem_bytes(const void *vq)
{
	const struct heapq *q = vq;
	return sizeof *q + q->cap * sizeof *q->heap + (size_t)q->slabcap * sizeof *q->slab;
}

const struct evq_ops evq_heap = {
	.name = "heap",
	.create = heapq_create,
	.destroy = heapq_destroy,
	.push = heapq_push,
	.pop = heapq_pop,
	.peek_time = heapq_peek_time,
	.cancel = heapq_cancel,
	.size = heapq_size,
	.mem_bytes = heapq_mem_bytes,
};

void evq_heap_set_seq_limit(void *vq, uint32_t limit)
{
	struct heapq *q = vq;
	q->seq_limit = limit;
}
