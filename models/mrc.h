/*
 * mrc — LRU miss-ratio curves in one pass over a trace: exact stack
 * distances, and SHARDS spatial sampling for traces too large for them.
 *
 * Stack distance (Mattson, Gecsei, Slutz & Traiger, "Evaluation techniques
 * for storage hierarchies", IBM Systems Journal 9(2), 1970).  LRU has the
 * inclusion property: the cache of size C holds the C most recently used
 * objects.  So one pass that records, for each request, the distance D of
 * its object from the top of the recency stack gives the hits of every
 * cache size at once:  hit in a cache of size C  ⇔  D ≤ C.
 *
 * Byte-weighted distance.  With sizes, D is the bytes of the stack above
 * the object plus its own size:
 *
 *     D = s_x + Σ { s_y : y ≠ x distinct, requested since x's last request }
 *
 * (s_x the size x had when last requested, which is what a real cache
 * holds).  For unit sizes D is the classic distance in objects.  Why this
 * is exact for a real LRU with byte capacity C (sim/policy.h semantics):
 * by induction, the resident set of such a cache is always the longest
 * prefix of the recency stack whose sizes sum to ≤ C — a miss puts the
 * object on top and evicts from the bottom only until it fits, so the next
 * object below still does not fit; a hit only reorders inside the prefix.
 * So x is resident ⇔ the prefix down to x fits ⇔ D ≤ C.  The induction
 * needs every requested object to fit: an object larger than C is never
 * inserted by a real cache (nothing is evicted), but in the stack it sits
 * on top and pushes everything else below C.  Hence:
 *
 *     the curve equals an LRU replay (tiersim cache --policy lru) exactly
 *     at every size C ≥ the largest size requested (mrc_max_obj_bytes);
 *     below that it may differ, by the requests that follow an oversize
 *     object.  Unit-size traces: exact at every C ≥ 1.  The induction
 *     also needs each object to keep its size: when one shrinks, the
 *     objects below it move up the stack, where a real cache has already
 *     evicted them (mrc_size_changes counts such requests).
 *
 * Data structure (the standard O(n log M) method; e.g. Almási, Caşcaval
 * & Padua, MSP 2002; Niu et al., PARDA, IPDPS 2012): every object's last
 * request has a position (a logical timestamp); a Fenwick tree (Fenwick,
 * Software: Practice and Experience 24(3), 1994) over positions holds s_y
 * at the last position of each object y and 0 elsewhere; a hash map gives
 * each object's last position and size.  For a request of x at position t
 * whose last request was at t0:  D = (live bytes) − prefix(t0) + s_x, in
 * O(log) time.  Positions are renumbered (compacted, in order) whenever
 * they run out, so memory is O(M) for M distinct objects, not O(n).
 *
 * Histogram.  Distances go into buckets of width g: bucket ⌈D/g⌉ (0 for
 * D = 0), so hits(C) = Σ buckets ≤ C/g is exact at every multiple of g.
 * g starts at 1 and doubles (merging buckets pairwise, which keeps the
 * ⌈⌉ form exact) whenever a distance falls beyond 2^20 buckets.  Sizes
 * given up front (mrc_cfg.sizes) are counted exactly whatever g becomes.
 *
 * SHARDS (Waldspurger, Park, Garthwaite & Ahmad, "Efficient MRC
 * Construction with SHARDS", FAST 2015), fixed rate: an object is sampled
 * iff hash(id) mod P < T, P = 2^24, so the rate is R = T/P and every
 * request of a sampled object is seen.  Stack distances are computed among
 * sampled objects only and scaled by 1/R (⌈D·P/T⌉).  The SHARDS_adj
 * correction of the paper (§5.2) is applied: the difference between the
 * expected and actual number of sampled requests, E[N_s] − N_s = N·R − N_s,
 * is added to the hits of the smallest distance (and likewise for bytes),
 * so ratios are over N·R.  Memory is O(R·M).
 *
 * Miss ratios: request miss ratio = misses / requests, byte miss ratio =
 * missed bytes / requested bytes (a request's bytes are its own size).
 */
#ifndef TIERSIM_MRC_H
#define TIERSIM_MRC_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

enum mrc_kind { MRC_EXACT, MRC_SHARDS };

#define MRC_SHARDS_P ((uint64_t)1 << 24)

struct mrc_cfg {
	int exact;                  /* compute exact stack distances */
	uint64_t exact_max_objects; /* 0: no limit; else the exact curve is dropped
				     * (its memory freed) once it sees more objects */
	double sample_rate;         /* 0: no SHARDS; (0, 1]: SHARDS at this rate
				     * (rounded to T/P, at least 1/P) */
	const uint64_t *sizes;      /* sizes evaluated exactly (may be NULL) */
	size_t n_sizes;
};

struct mrc;

struct mrc_point {
	uint64_t size_bytes;
	double miss_ratio;      /* NaN when no request was counted (or sampled) */
	double byte_miss_ratio;
};

/* At least one of exact and sample_rate; sizes > 0.  NULL with e filled. */
struct mrc *mrc_new(const struct mrc_cfg *cfg, struct err *e);
void mrc_free(struct mrc *m);

/* One request.  0, or -1 with e filled (out of memory: ERR_FAIL). */
int mrc_access(struct mrc *m, uint64_t obj_id, uint64_t size_bytes, struct err *e);

/* 1 if that curve is computed (the exact one may have been dropped). */
int mrc_has(const struct mrc *m, enum mrc_kind k);
/* The sampling rate used, T/P (0 without SHARDS). */
double mrc_sample_rate(const struct mrc *m);
uint64_t mrc_requests(const struct mrc *m);
/* The largest size requested: the exact curve matches an LRU replay at
 * every cache size at least this. */
uint64_t mrc_max_obj_bytes(const struct mrc *m);
/* Requests of the exact curve that found their object at another size
 * than its last request's: with any, the curve is not exact even at the
 * largest size (a real LRU does not bring back what an object that
 * shrank had pushed out; the stack does).  0 without the exact curve. */
uint64_t mrc_size_changes(const struct mrc *m);
/* Bytes of the distinct objects seen (SHARDS: sampled bytes / R): the
 * size beyond which only cold misses remain. */
uint64_t mrc_working_set_bytes(const struct mrc *m, enum mrc_kind k);
/* Histogram bucket width: the curve is exact at multiples of it. */
uint64_t mrc_granularity(const struct mrc *m, enum mrc_kind k);

/* The curve at one cache size: exactly at the cfg sizes and at multiples
 * of the granularity; elsewhere at the multiple of the granularity just
 * below (what out->size_bytes then says).  -1 if the curve is not
 * computed or size_bytes is 0. */
int mrc_eval(const struct mrc *m, enum mrc_kind k, uint64_t size_bytes, struct mrc_point *out);

/* Stack distances of a whole sequence, for tests and small tools:
 * dist[i] = the byte stack distance of request i, or UINT64_MAX for a
 * first request (sizes NULL: unit sizes).  0, or -1 (out of memory). */
int mrc_stack_distances(const uint64_t *ids, const uint64_t *sizes, size_t n, uint64_t *dist,
			struct err *e);

#endif
