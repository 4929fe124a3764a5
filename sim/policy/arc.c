/*
 * arc — Adaptive Replacement Cache.
 *
 * Algorithm (Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead
 * Replacement Cache", FAST 2003, Figure 4): four LRU lists.  T1 holds
 * objects seen once recently, T2 objects seen at least twice; B1 and B2
 * are their ghosts (ids and sizes of objects evicted from T1 and T2, no
 * data).  A target p for the size of T1 adapts: a miss that hits B1 says
 * T1 was too small (p grows), a miss that hits B2 says T2 was too small
 * (p shrinks).
 *
 *   Case I    x in T1 or T2 (hit): move x to the head of T2.
 *   Case II   x in B1: p = min(c, p + d1), d1 = max(|B2|/|B1|, 1);
 *             REPLACE; x to the head of T2.
 *   Case III  x in B2: p = max(0, p - d2), d2 = max(|B1|/|B2|, 1);
 *             REPLACE; x to the head of T2.
 *   Case IV   x nowhere.  A: if |T1|+|B1| = c: if |T1| < c drop B1's LRU
 *             and REPLACE, else evict T1's LRU (no ghost).  B: otherwise,
 *             if |T1|+|T2|+|B1|+|B2| = 2c drop B2's LRU; REPLACE.  Then x
 *             to the head of T1.
 *   REPLACE   if |T1| >= 1 and (|T1| > p or (x in B2 and |T1| = p)): move
 *             T1's LRU to the head of B1, else T2's LRU to the head of B2.
 *
 * Byte-size generalisation (the paper counts pages of one size): every |L|
 * is the bytes of the objects on L, c the capacity in bytes, and p is in
 * bytes (a double, as in libCacheSim, since d1 and d2 are ratios).
 *   - An object of s bytes stands for s pages: d1 = s * max(|B2|/|B1|, 1)
 *     and d2 = s * max(|B1|/|B2|, 1), s the ghost's size.  (libCacheSim's
 *     ARC.c adds max(...,1) bytes, which barely moves p once objects are
 *     kilobytes; with unit sizes the two agree.)
 *   - "|T1|+|B1| = c" becomes "|T1|+|B1|+s > c" (inserting x would
 *     overflow L1), and "|T1| < c" becomes "B1 is not empty" (as in
 *     libCacheSim); case IV A then drops B1's LRU until |T1|+|B1|+s <= c
 *     or B1 is empty.  "total = 2c" becomes "total + s > 2c", and B2's LRU
 *     is dropped until it is not or B2 is empty.
 *   - REPLACE runs only while the resident bytes plus s exceed c, as many
 *     times as needed (variable sizes can need several evictions, each a
 *     REPLACE preceded by the case IV ghost trimming on a full miss).  With
 *     unit sizes every rule reduces to the paper's exactly.
 *   - Also taken from libCacheSim: REPLACE takes from T1 when T2 is empty.
 *
 * A hit that grows an object past the free space evicts by REPLACE (x not
 * in B2) until the cache fits again.
 *
 * Per resident object: one 24-byte entry (pol_ent; meta = T1 or T2) plus
 * its index slot.  B1 and B2 are ghost lists (ghost.h: a record and a
 * slot each); they hold up to c bytes more.
 */
#include <stdlib.h>

#include "ghost.h"
#include "plist.h"

enum { ARC_T1, ARC_T2 };
enum { ARC_B1, ARC_B2 }; /* ghost lists */

struct arc {
	struct pol_base b;
	struct cidx ix;
	struct plist l[2]; /* T1 T2 */
	struct ghost gh;   /* B1 B2 */
	double p;          /* target bytes of T1 */
	int ghost;         /* the last lookup's miss hit B1 or B2 (ARC_B1/B2), else -1 */
};

static void *arc_create(uint64_t capacity_bytes, struct err *e)
{
	struct arc *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_DENSE) < 0 ||
	    ghost_init(&s->gh) < 0) {
		if (s)
			cidx_destroy(&s->ix);
		free(s);
		err_set(e, ERR_FAIL, "arc: out of memory");
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	s->b.ghosts = &s->gh.map;
	for (int i = 0; i < 2; i++)
		plist_init(&s->l[i]);
	s->ghost = -1;
	return s;
}

static void arc_destroy(void *st)
{
	struct arc *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	ghost_destroy(&s->gh);
	free(s);
}

/* Moves the LRU of resident list t (T1 or T2) to the head of its ghost
 * list; it leaves the cache.  Out of memory for the ghost is kept in
 * s->gh.oom, which the next insert reports. */
static void arc_demote(struct arc *s, int t)
{
	uint32_t h = s->l[t].tail;
	struct pol_ent *e = plist_ent(&s->ix, h);
	uint64_t key = e->key;
	uint32_t size = e->size;
	plist_drop(&s->ix, &s->l[t], &s->b, h, e, 1);
	(void)ghost_push(&s->gh, t == ARC_T1 ? ARC_B1 : ARC_B2, key, size);
}

static void arc_replace(struct arc *s, int x_in_b2)
{
	const struct plist *t1 = &s->l[ARC_T1];
	double t1b = (double)t1->bytes;
	if ((t1->n > 0 && (t1b > s->p || (x_in_b2 && t1b == s->p))) ||
	    s->l[ARC_T2].n == 0)
		arc_demote(s, ARC_T1);
	else
		arc_demote(s, ARC_T2);
}

/* One eviction step for a miss on all four lists (case IV) of s bytes. */
static void arc_evict_case4(struct arc *s, uint64_t size)
{
	uint64_t c = s->b.capacity_bytes;
	struct plist *t1 = &s->l[ARC_T1];
	struct ghost *g = &s->gh;
	if (t1->bytes + ghost_bytes(g, ARC_B1) + size > c) {
		if (ghost_n(g, ARC_B1) > 0) {
			while (ghost_n(g, ARC_B1) > 0 && t1->bytes + ghost_bytes(g, ARC_B1) + size > c)
				ghost_pop(g, ARC_B1);
			arc_replace(s, 0);
		} else {
			uint32_t h = t1->tail;
			plist_drop(&s->ix, t1, &s->b, h, plist_ent(&s->ix, h), 1);
		}
		return;
	}
	for (;;) {
		uint64_t total = t1->bytes + s->l[ARC_T2].bytes + ghost_bytes(g, ARC_B1) +
				 ghost_bytes(g, ARC_B2);
		if (ghost_n(g, ARC_B2) == 0 || total + size <= 2 * c)
			break;
		ghost_pop(g, ARC_B2);
	}
	arc_replace(s, 0);
}

/* A miss that finds x in ghost list g (x's ghost size gsize, already
 * taken off g): adapt p (cases II and III). */
static void arc_ghost_hit(struct arc *s, int g, uint32_t gsize)
{
	double c = (double)s->b.capacity_bytes;
	/* |B1| and |B2| as they were with x on g. */
	double b1 = (double)(ghost_bytes(&s->gh, ARC_B1) + (g == ARC_B1 ? gsize : 0));
	double b2 = (double)(ghost_bytes(&s->gh, ARC_B2) + (g == ARC_B2 ? gsize : 0));
	/* A ghost of 0 bytes moves p by 0 (its list may then hold 0 bytes,
	 * and 0 * (b2 / 0) was NaN, which sent p to c or to 0). */
	if (g == ARC_B1 && gsize > 0) {
		double d = (double)gsize * (b2 / b1 > 1.0 ? b2 / b1 : 1.0);
		s->p = s->p + d < c ? s->p + d : c;
	} else if (gsize > 0) {
		double d = (double)gsize * (b1 / b2 > 1.0 ? b1 / b2 : 1.0);
		s->p = s->p - d > 0.0 ? s->p - d : 0.0;
	}
	s->ghost = g;
}

static int arc_lookup(void *st, const struct pol_req *r)
{
	struct arc *s = st;
	s->ghost = -1;
	uint64_t hv = cidx_hash(r->obj_id); /* for the index and the ghosts */
	uint32_t h = cidx_find_hashed(&s->ix, r->obj_id, hv);
	if (h == CIDX_NONE) {
		uint32_t gsize;
		int g = ghost_take_hashed(&s->gh, hv, &gsize);
		if (g >= 0)
			arc_ghost_hit(s, g, gsize);
		return 0;
	}
	struct pol_ent *e = plist_ent(&s->ix, h);
	switch (e->meta) {
	case ARC_T1:
		plist_unlink(&s->ix, &s->l[ARC_T1], h, e);
		e->meta = ARC_T2;
		plist_push_head(&s->ix, &s->l[ARC_T2], h, e);
		break;
	default: /* ARC_T2 */
		plist_move_head(&s->ix, &s->l[ARC_T2], h, e);
		break;
	}
	if (e->size != r->size_bytes) {
		int hit = r->size_bytes > e->size ? POL_HIT_GREW : POL_HIT_SHRANK;
		if (r->size_bytes > s->b.capacity_bytes) {
			plist_drop(&s->ix, &s->l[ARC_T2], &s->b, h, e, 1);
			return hit;
		}
		s->b.used_bytes = s->b.used_bytes - e->size + r->size_bytes;
		plist_resize(&s->l[ARC_T2], e, (uint32_t)r->size_bytes);
		while (s->b.used_bytes > s->b.capacity_bytes)
			arc_replace(s, 0);
		return hit;
	}
	return 1;
}

static int arc_insert(void *st, const struct pol_req *r)
{
	struct arc *s = st;
	uint64_t size = r->size_bytes;
	int list;
	if (s->ghost >= 0) {
		while (s->b.used_bytes + size > s->b.capacity_bytes)
			arc_replace(s, s->ghost == ARC_B2);
		list = ARC_T2;
	} else {
		while (s->b.used_bytes + size > s->b.capacity_bytes)
			arc_evict_case4(s, size);
		list = ARC_T1;
	}
	s->ghost = -1;
	if (s->gh.oom || plist_add(&s->ix, &s->l[list], &s->b, r->obj_id, (uint32_t)size,
				   (uint32_t)list) == CIDX_NONE)
		return -1;
	return 1;
}

static int arc_remove(void *st, uint64_t id)
{
	struct arc *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE) {
		uint32_t gsize;
		(void)ghost_take(&s->gh, id, &gsize);
		return 0;
	}
	struct pol_ent *e = plist_ent(&s->ix, h);
	plist_drop(&s->ix, &s->l[e->meta], &s->b, h, e, 0);
	return 1;
}

static int arc_contains(const void *st, uint64_t id)
{
	const struct arc *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

static size_t arc_mem_bytes(const void *st)
{
	const struct arc *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix) + ghost_mem_bytes(&s->gh);
}

const struct pol_ops pol_arc_ops = {
	.name = "arc",
	.summary = "ARC (Megiddo & Modha, FAST'03), sizes in bytes",
	.create = arc_create,
	.destroy = arc_destroy,
	.lookup = arc_lookup,
	.insert = arc_insert,
	.remove = arc_remove,
	.contains = arc_contains,
	.mem_bytes = arc_mem_bytes,
};
