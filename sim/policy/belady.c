/*
 * belady — Belady's MIN, the offline optimum for unit sizes under demand
 * paging (every miss admitted), as a bound.
 *
 * Algorithm (Belady, "A study of replacement algorithms for a
 * virtual-storage computer", IBM Systems Journal 5(2), 1966): evict the
 * resident object whose next request lies furthest in the future; an
 * object never requested again (next_access_vtime -1 or INT64_MAX, the
 * oracleGeneral convention) is furthest of all.  Every miss inserts (as
 * libCacheSim cache/eviction/Belady.c does), so it bounds the policies
 * that admit every miss; one that may bypass can do better (one slot,
 * A B A: 3 misses here, 2 bypassing B).  With variable sizes this is not optimal
 * (optimal is NP-hard; Berger et al., "Practical bounds on optimal
 * caching with variable object sizes", SIGMETRICS 2018) but remains the
 * customary reference.  Ties (several objects never requested again) are
 * broken by heap order: deterministic, unspecified.
 *
 * Structure: a binary max-heap of (next access, handle) with each entry
 * remembering its heap position, so a hit updates its key in O(log n).
 *
 * Per object: a 16-byte entry plus a 16-byte heap node plus its index
 * slot.
 */
#include <stdlib.h>

#include "sim/cache_index.h"
#include "sim/policy.h"

struct bel_ent {
	uint64_t key;
	uint32_t size;
	uint32_t pos; /* index in the heap */
};

struct bel_node {
	int64_t next; /* INT64_MAX: never */
	uint32_t h;
	uint32_t pad;
};

struct belady {
	struct pol_base b;
	struct cidx ix;
	struct bel_node *heap;
	uint32_t n, cap;
};

static inline struct bel_ent *bel_ent(const struct belady *s, uint32_t h)
{
	return (struct bel_ent *)cidx_at(&s->ix, h);
}

static inline int64_t bel_next(int64_t v)
{
	return v < 0 ? INT64_MAX : v;
}

static void *belady_create(uint64_t capacity_bytes, struct err *e)
{
	struct belady *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct bel_ent), CIDX_SPARSE) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "belady: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	return s;
}

static void belady_destroy(void *st)
{
	struct belady *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	free(s->heap);
	free(s);
}

static inline void bel_set(struct belady *s, uint32_t i, struct bel_node nd)
{
	s->heap[i] = nd;
	bel_ent(s, nd.h)->pos = i;
}

static void bel_up(struct belady *s, uint32_t i)
{
	struct bel_node nd = s->heap[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (s->heap[p].next >= nd.next)
			break;
		bel_set(s, i, s->heap[p]);
		i = p;
	}
	bel_set(s, i, nd);
}

static void bel_down(struct belady *s, uint32_t i)
{
	struct bel_node nd = s->heap[i];
	for (;;) {
		uint32_t l = 2 * i + 1, m;
		if (l >= s->n)
			break;
		m = l;
		if (l + 1 < s->n && s->heap[l + 1].next > s->heap[l].next)
			m = l + 1;
		if (s->heap[m].next <= nd.next)
			break;
		bel_set(s, i, s->heap[m]);
		i = m;
	}
	bel_set(s, i, nd);
}

/* Removes heap node i. */
static void bel_heap_del(struct belady *s, uint32_t i)
{
	s->n--;
	if (i == s->n)
		return;
	int64_t old = s->heap[i].next;
	bel_set(s, i, s->heap[s->n]);
	if (s->heap[i].next > old)
		bel_up(s, i);
	else
		bel_down(s, i);
}

static void bel_drop(struct belady *s, uint32_t h, int report)
{
	struct bel_ent *e = bel_ent(s, h);
	uint64_t key = e->key, size = e->size;
	bel_heap_del(s, e->pos);
	cidx_remove(&s->ix, h);
	if (report) {
		pol_base_evicted(&s->b, key, size);
	} else {
		s->b.used_bytes -= size;
		s->b.n_objects--;
	}
}

static void belady_evict_one(struct belady *s)
{
	bel_drop(s, s->heap[0].h, 1);
}

static int belady_lookup(void *st, const struct pol_req *r)
{
	struct belady *s = st;
	uint32_t h = cidx_find(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return 0;
	struct bel_ent *e = bel_ent(s, h);
	uint32_t i = e->pos;
	int64_t old = s->heap[i].next, nx = bel_next(r->next_access_vtime);
	s->heap[i].next = nx;
	if (nx > old)
		bel_up(s, i);
	else if (nx < old)
		bel_down(s, i);
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : POL_HIT_SHRANK;
		if (r->size_bytes > s->b.capacity_bytes) {
			bel_drop(s, h, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		e->size = (uint32_t)r->size_bytes;
		while (s->b.used_bytes > s->b.capacity_bytes)
			belady_evict_one(s);
		return hit;
	}
	return 1;
}

static int belady_insert(void *st, const struct pol_req *r)
{
	struct belady *s = st;
	while (s->b.used_bytes + r->size_bytes > s->b.capacity_bytes)
		belady_evict_one(s);
	if (s->n == s->cap) {
		uint32_t nc = s->cap ? s->cap * 2 : 64;
		struct bel_node *nh = realloc(s->heap, (size_t)nc * sizeof *nh);
		if (!nh)
			return -1;
		s->heap = nh;
		s->cap = nc;
	}
	uint32_t h = cidx_insert(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return -1;
	struct bel_ent *e = bel_ent(s, h);
	e->size = (uint32_t)r->size_bytes;
	s->heap[s->n] = (struct bel_node){ .next = bel_next(r->next_access_vtime), .h = h };
	e->pos = s->n++;
	bel_up(s, e->pos);
	s->b.used_bytes += r->size_bytes;
	s->b.n_objects++;
	return 1;
}

static int belady_remove(void *st, uint64_t id)
{
	struct belady *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE)
		return 0;
	bel_drop(s, h, 0);
	return 1;
}

static int belady_contains(const void *st, uint64_t id)
{
	const struct belady *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t belady_mem_bytes(const void *st)
{
	const struct belady *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix) + (size_t)s->cap * sizeof *s->heap;
}

const struct pol_ops pol_belady_ops = {
	.name = "belady",
	.summary = "Belady's MIN (offline; needs next-access times)",
	.create = belady_create,
	.destroy = belady_destroy,
	.lookup = belady_lookup,
	.insert = belady_insert,
	.remove = belady_remove,
	.contains = belady_contains,
	.mem_bytes = belady_mem_bytes,
};
