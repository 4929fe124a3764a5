/*
 * lfu — Least Frequently Used eviction (in-cache counts, LRU tie-break).
 *
 * Algorithm: each resident object counts its requests since it was
 * inserted (1 on insertion); eviction takes an object with the smallest
 * count, and among those the one that reached that count first (the least
 * recently used of them).  Counts are forgotten on eviction ("in-cache
 * LFU"), as in libCacheSim cache/eviction/LFU.c, which this matches.
 *
 * Structure: the O(1) LFU of Shah, Mitra & Matani, "An O(1) algorithm for
 * implementing the LFU cache eviction scheme" (2010): a list of frequency
 * buckets in increasing order, each holding the list of its objects in the
 * order they entered it.  A hit moves the object to the bucket for count+1
 * (created right after its bucket if missing); empty buckets are freed.
 *
 * Per object: one 24-byte entry (pol_ent; meta = bucket id) plus its index
 * slot; buckets cost 40 bytes per distinct count in use.
 */
#include <stdlib.h>

#include "plist.h"

struct lfu_bucket {
	uint64_t freq;
	struct plist objs;   /* head: entered last; tail: entered first */
	uint32_t prev, next; /* neighbouring buckets; next has a larger freq */
};

struct lfu {
	struct pol_base b;
	struct cidx ix;
	struct lfu_bucket *bk;
	uint32_t n_bk, cap_bk;
	uint32_t free_bk;  /* freed buckets, linked through .next */
	uint32_t first;    /* bucket with the smallest freq, or CIDX_NONE */
};

static void *lfu_create(uint64_t capacity_bytes, struct err *e)
{
	struct lfu *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_SPARSE) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "lfu: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	s->free_bk = CIDX_NONE;
	s->first = CIDX_NONE;
	return s;
}

static void lfu_destroy(void *st)
{
	struct lfu *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	free(s->bk);
	free(s);
}

/* A new bucket for freq, linked after bucket `after` (CIDX_NONE: first).
 * Returns its id or CIDX_NONE on out of memory.  May move s->bk. */
static uint32_t lfu_bucket_new(struct lfu *s, uint64_t freq, uint32_t after)
{
	uint32_t id;
	if (s->free_bk != CIDX_NONE) {
		id = s->free_bk;
		s->free_bk = s->bk[id].next;
	} else {
		if (s->n_bk == s->cap_bk) {
			uint32_t nc = s->cap_bk ? s->cap_bk * 2 : 16;
			struct lfu_bucket *nb = realloc(s->bk, nc * sizeof *nb);
			if (!nb)
				return CIDX_NONE;
			s->bk = nb;
			s->cap_bk = nc;
		}
		id = s->n_bk++;
	}
	struct lfu_bucket *k = &s->bk[id];
	k->freq = freq;
	plist_init(&k->objs);
	k->prev = after;
	k->next = after == CIDX_NONE ? s->first : s->bk[after].next;
	if (k->next != CIDX_NONE)
		s->bk[k->next].prev = id;
	if (after == CIDX_NONE)
		s->first = id;
	else
		s->bk[after].next = id;
	return id;
}

static void lfu_bucket_free(struct lfu *s, uint32_t id)
{
	struct lfu_bucket *k = &s->bk[id];
	if (k->prev != CIDX_NONE)
		s->bk[k->prev].next = k->next;
	else
		s->first = k->next;
	if (k->next != CIDX_NONE)
		s->bk[k->next].prev = k->prev;
	k->next = s->free_bk;
	s->free_bk = id;
}

static void lfu_drop(struct lfu *s, uint32_t h, struct pol_ent *e, int report)
{
	uint32_t id = e->meta;
	plist_drop(&s->ix, &s->bk[id].objs, &s->b, h, e, report);
	if (s->bk[id].objs.n == 0)
		lfu_bucket_free(s, id);
}

static void lfu_evict_one(struct lfu *s)
{
	uint32_t h = s->bk[s->first].objs.tail;
	lfu_drop(s, h, plist_ent(&s->ix, h), 1);
}

/* Moves entry h from its bucket to the one for freq+1.  -1 on out of
 * memory (the entry then stays where it was). */
static int lfu_bump(struct lfu *s, uint32_t h, struct pol_ent *e)
{
	uint32_t id = e->meta;
	uint64_t f = s->bk[id].freq + 1;
	uint32_t nx = s->bk[id].next;
	if (nx == CIDX_NONE || s->bk[nx].freq != f) {
		nx = lfu_bucket_new(s, f, id);
		if (nx == CIDX_NONE)
			return -1;
	}
	plist_unlink(&s->ix, &s->bk[id].objs, h, e);
	plist_push_head(&s->ix, &s->bk[nx].objs, h, e);
	e->meta = nx;
	if (s->bk[id].objs.n == 0)
		lfu_bucket_free(s, id);
	return 0;
}

static int lfu_lookup(void *st, const struct pol_req *r)
{
	struct lfu *s = st;
	uint32_t h = cidx_find(&s->ix, r->obj_id);
	if (h == CIDX_NONE)
		return 0;
	struct pol_ent *e = plist_ent(&s->ix, h);
	/* Out of memory for a new bucket: the count stays, the hit counts. */
	(void)lfu_bump(s, h, e);
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : POL_HIT_SHRANK;
		if (r->size_bytes > s->b.capacity_bytes) {
			lfu_drop(s, h, e, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		plist_resize(&s->bk[e->meta].objs, e, (uint32_t)r->size_bytes);
		while (s->b.used_bytes > s->b.capacity_bytes)
			lfu_evict_one(s);
		return hit;
	}
	return 1;
}

static int lfu_insert(void *st, const struct pol_req *r)
{
	struct lfu *s = st;
	while (s->b.used_bytes + r->size_bytes > s->b.capacity_bytes)
		lfu_evict_one(s);
	uint32_t id = s->first;
	if (id == CIDX_NONE || s->bk[id].freq != 1) {
		id = lfu_bucket_new(s, 1, CIDX_NONE);
		if (id == CIDX_NONE)
			return -1;
	}
	if (plist_add(&s->ix, &s->bk[id].objs, &s->b, r->obj_id,
		      (uint32_t)r->size_bytes, id) == CIDX_NONE) {
		if (s->bk[id].objs.n == 0)
			lfu_bucket_free(s, id);
		return -1;
	}
	return 1;
}

static int lfu_remove(void *st, uint64_t id)
{
	struct lfu *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE)
		return 0;
	lfu_drop(s, h, plist_ent(&s->ix, h), 0);
	return 1;
}

static int lfu_contains(const void *st, uint64_t id)
{
	const struct lfu *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t lfu_mem_bytes(const void *st)
{
	const struct lfu *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix) + (size_t)s->cap_bk * sizeof *s->bk;
}

const struct pol_ops pol_lfu_ops = {
	.name = "lfu",
	.summary = "least frequently used (in-cache counts, LRU among ties)",
	.create = lfu_create,
	.destroy = lfu_destroy,
	.lookup = lfu_lookup,
	.insert = lfu_insert,
	.remove = lfu_remove,
	.contains = lfu_contains,
	.mem_bytes = lfu_mem_bytes,
};
