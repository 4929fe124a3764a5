/*
 * s3fifo — S3-FIFO: three static FIFO queues.
 *
 * Algorithm (Yang, Zhang, Qiu, Yue & Rashmi, "FIFO queues are all you
 * need for cache eviction", SOSP 2023, Algorithm 1), with the reference
 * semantics of the paper's artifact, libCacheSim
 * cache/eviction/S3FIFOv0.c ("the original S3FIFO implementation used in
 * the SOSP paper"):
 *
 *   Queues  S (small) holds 10% of the capacity: floor(c/10) bytes; M
 *           (main) the rest, c - |S|cap; G (ghost) remembers ids and sizes
 *           of objects evicted from S, up to as many bytes as M holds
 *           (the paper: "as many entries as M"; in bytes, as libCacheSim).
 *   Hit     in S or M: freq = min(freq + 1, 3) (two bits).
 *   Miss    if x is in G: remove it from G and insert x into M; else
 *           insert x into S.  freq = 0.  An object of |S|cap bytes or more
 *           is not inserted into S (it would flush S), unless it comes
 *           from G; no object larger than |S|cap is inserted at all
 *           (libCacheSim's S3FIFOv0_can_insert).
 *   Evict   (until x fits) if M holds more than its share or S is empty:
 *           evict from M, else from S.
 *     from S: take S's tail t; if t.freq >= 2 ("accessed more than once",
 *           the paper's t.freq > 1; libCacheSim move-to-main-threshold=2)
 *           move t to M's head with freq 0 and look at the next tail;
 *           else evict t and insert it into G (dropping G's oldest ghosts
 *           until it fits).  Moving objects into M never evicts from M
 *           directly: M may run over its share until the next eviction.
 *     from M: take M's tail t; if t.freq >= 1, reinsert it at M's head
 *           with freq - 1 (a 2-bit CLOCK) and look again; else evict t.
 *
 * A hit that grows an object past the free space evicts by the same rule
 * until the cache fits again.
 *
 * Per resident object: one 24-byte entry (pol_ent; meta = queue | freq <<
 * 2) plus its index slot; G is a ghost list (ghost.h: a record and a slot
 * per ghost).
 */
#include <stdlib.h>

#include "ghost.h"
#include "plist.h"

enum { S3_S, S3_M, S3_G };

#define S3_QUEUE(m) ((int)((m) & 3u))
#define S3_FREQ(m) ((m) >> 2)
#define S3_META(q, f) ((uint32_t)(q) | ((uint32_t)(f) << 2))
#define S3_PROMOTE_FREQ 2 /* S -> M when freq >= 2 */
#define S3_MAX_FREQ 3

struct s3fifo {
	struct pol_base b;
	struct cidx ix;
	struct plist q[2];   /* S M */
	struct ghost g;      /* G: one list */
	uint64_t cap[3];     /* bytes of S, M, G */
	int ghost_hit;       /* the last lookup's miss found x in G */
};

static void *s3fifo_create(uint64_t capacity_bytes, struct err *e)
{
	struct s3fifo *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_DENSE) < 0 ||
	    ghost_init(&s->g) < 0) {
		if (s)
			cidx_destroy(&s->ix);
		free(s);
		err_set(e, ERR_FAIL, "s3fifo: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	s->b.ghosts = &s->g.map;
	for (int i = 0; i < 2; i++)
		plist_init(&s->q[i]);
	s->cap[S3_S] = capacity_bytes / 10;
	s->cap[S3_M] = capacity_bytes - s->cap[S3_S];
	s->cap[S3_G] = s->cap[S3_M];
	return s;
}

static void s3fifo_destroy(void *st)
{
	struct s3fifo *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	ghost_destroy(&s->g);
	free(s);
}

static void s3fifo_move(struct s3fifo *s, int from, int to, uint32_t h,
			struct pol_ent *e, uint32_t freq)
{
	plist_unlink(&s->ix, &s->q[from], h, e);
	e->meta = S3_META(to, freq);
	plist_push_head(&s->ix, &s->q[to], h, e);
}

static void s3fifo_evict_small(struct s3fifo *s)
{
	while (s->q[S3_S].n > 0) {
		uint32_t h = s->q[S3_S].tail;
		struct pol_ent *e = plist_ent(&s->ix, h);
		if (S3_FREQ(e->meta) >= S3_PROMOTE_FREQ) {
			s3fifo_move(s, S3_S, S3_M, h, e, 0);
			continue;
		}
		/* Evict t; it becomes a ghost in G if it fits there (out of
		 * memory for the ghost is kept in s->g.oom, which the next
		 * insert reports). */
		uint64_t key = e->key, size = e->size;
		plist_drop(&s->ix, &s->q[S3_S], &s->b, h, e, 1);
		if (size <= s->cap[S3_G]) {
			while (ghost_bytes(&s->g, 0) + size > s->cap[S3_G])
				ghost_pop(&s->g, 0);
			(void)ghost_push(&s->g, 0, key, (uint32_t)size);
		}
		return;
	}
}

static void s3fifo_evict_main(struct s3fifo *s)
{
	while (s->q[S3_M].n > 0) {
		uint32_t h = s->q[S3_M].tail;
		struct pol_ent *e = plist_ent(&s->ix, h);
		uint32_t f = S3_FREQ(e->meta);
		if (f >= 1) {
			s3fifo_move(s, S3_M, S3_M, h, e, f - 1);
			continue;
		}
		plist_drop(&s->ix, &s->q[S3_M], &s->b, h, e, 1);
		return;
	}
}

static void s3fifo_evict(struct s3fifo *s)
{
	if (s->q[S3_M].bytes > s->cap[S3_M] || s->q[S3_S].n == 0)
		s3fifo_evict_main(s);
	else
		s3fifo_evict_small(s);
}

static int s3fifo_lookup(void *st, const struct pol_req *r)
{
	struct s3fifo *s = st;
	s->ghost_hit = 0;
	uint64_t hv = cidx_hash(r->obj_id); /* for the index and G */
	uint32_t h = cidx_find_hashed(&s->ix, r->obj_id, hv);
	if (h == CIDX_NONE) {
		uint32_t gsize;
		s->ghost_hit = ghost_take_hashed(&s->g, hv, &gsize) >= 0;
		return 0;
	}
	struct pol_ent *e = plist_ent(&s->ix, h);
	int q = S3_QUEUE(e->meta);
	uint32_t f = S3_FREQ(e->meta);
	if (f < S3_MAX_FREQ)
		e->meta = S3_META(q, f + 1);
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : POL_HIT_SHRANK;
		if (r->size_bytes > s->b.capacity_bytes) {
			plist_drop(&s->ix, &s->q[q], &s->b, h, e, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		plist_resize(&s->q[q], e, (uint32_t)r->size_bytes);
		while (s->b.used_bytes > s->b.capacity_bytes)
			s3fifo_evict(s);
		return hit;
	}
	return 1;
}

static int s3fifo_insert(void *st, const struct pol_req *r)
{
	struct s3fifo *s = st;
	uint64_t size = r->size_bytes;
	int to = s->ghost_hit ? S3_M : S3_S;
	s->ghost_hit = 0;
	if (size > s->cap[S3_S] || (to == S3_S && size == s->cap[S3_S]))
		return 0;
	while (s->b.used_bytes + size > s->b.capacity_bytes)
		s3fifo_evict(s);
	if (s->g.oom || plist_add(&s->ix, &s->q[to], &s->b, r->obj_id, (uint32_t)size,
				  S3_META(to, 0)) == CIDX_NONE)
		return -1;
	return 1;
}

static int s3fifo_remove(void *st, uint64_t id)
{
	struct s3fifo *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE) {
		uint32_t gsize;
		(void)ghost_take(&s->g, id, &gsize);
		return 0;
	}
	struct pol_ent *e = plist_ent(&s->ix, h);
	plist_drop(&s->ix, &s->q[S3_QUEUE(e->meta)], &s->b, h, e, 0);
	return 1;
}

static int s3fifo_contains(const void *st, uint64_t id)
{
	const struct s3fifo *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t s3fifo_mem_bytes(const void *st)
{
	const struct s3fifo *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix) + ghost_mem_bytes(&s->g);
}

/* An object enters S only if smaller than S (s3fifo_insert), and M
 * only from G, which only S feeds: so none of |S|cap bytes or more as
 * long as objects keep their sizes (one that grows on a hit keeps its
 * new size, and one that comes back from G at exactly |S|cap is kept). */
static uint64_t s3fifo_max_object(uint64_t capacity_bytes)
{
	return capacity_bytes / 10 ? capacity_bytes / 10 - 1 : 0;
}

const struct pol_ops pol_s3fifo_ops = {
	.name = "s3fifo",
	.summary = "S3-FIFO (Yang et al., SOSP'23)",
	.create = s3fifo_create,
	.destroy = s3fifo_destroy,
	.lookup = s3fifo_lookup,
	.insert = s3fifo_insert,
	.remove = s3fifo_remove,
	.contains = s3fifo_contains,
	.mem_bytes = s3fifo_mem_bytes,
	.max_object = s3fifo_max_object,
};
