/*
 * policy — cache eviction and admission policies behind one ops table.
 *
 * A policy instance holds objects (id, size in bytes) in a capacity of
 * bytes.  One file per policy under sim/policy/ (as libCacheSim's
 * cache/eviction/): fifo, lru, clock, lfu, arc, sieve, s3fifo, belady.
 * Each file opens with its algorithm and its source.
 *
 * The semantics of one request are those of conventional cache simulators
 * (libCacheSim's cache_get_base), the second rung of the validation
 * ladder, and are kept in one place, pol_access():
 *
 *   1. lookup: if the object is resident, it is a hit; the policy updates
 *      its state (recency, frequency, ...).
 *   2. Otherwise it is a miss, whatever happens next.  The object is
 *      inserted if it is no larger than the capacity and the admission
 *      policy (if any) admits it; the policy evicts, in its own order,
 *      until the object fits.  An object larger than the capacity is never
 *      inserted.  A policy may refuse some objects by its own rule (S3-FIFO
 *      does not admit an object as large as its small queue).
 *
 * Size changes.  A request for a resident object with a different size
 * than the one it was inserted with is a hit (the object is resident; a
 * request that finds its object counts as a hit in every simulator), and
 * the object takes its new size: used bytes change by the difference, and
 * if the cache is now over capacity the policy evicts in its own order
 * until it is not (under FIFO-like orders that can be the object itself).
 * If the new size exceeds the whole capacity the object is removed.  The
 * cache therefore never holds more than its capacity, and bytes held are
 * the bytes of the latest sizes.  (Why not a miss: the object was found,
 * and a block trace that rereads a block with a longer request still
 * finds its block.)  libCacheSim's cache_find_base instead keeps the size
 * an object was inserted with, so its occupancy counts stale sizes; with
 * traces where each object keeps one size (oracleGeneral does) the two
 * agree exactly.
 *
 * Evictions are reported through an optional callback, so a data path can
 * write back or account what leaves a tier.
 *
 * Admission policies (pol_adm_*) are a second, smaller ops table: always
 * (no admission policy), size threshold, and second hit (admit on the
 * second miss within a ghost window; see sim/policy/admit.c).
 */
#ifndef TIERSIM_POLICY_H
#define TIERSIM_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "cache_index.h"
#include "err.h"

/* One request as a policy sees it.  next_access_vtime: when the same
 * object is requested next, in any increasing request count (oracleGeneral
 * uses the 1-based request number), -1 or INT64_MAX when never; only
 * Belady reads it, and only its order matters. */
struct pol_req {
	uint64_t obj_id;
	uint64_t size_bytes;
	int64_t next_access_vtime;
	uint64_t obj_bytes; /* the whole object's size when obj_id is a piece of it (a data path's
			     * chunk), for admission by size; 0: size_bytes */
};

/* The largest object a policy entry holds (sizes are kept in 32 bits so
 * an entry fits 24 bytes; oracleGeneral sizes are 32-bit too). */
#define POL_MAX_OBJ_BYTES UINT32_MAX

/* Called for every resident object that leaves the cache by eviction
 * (not by pol_remove), with the size it held. */
typedef void (*pol_evict_fn)(void *ctx, uint64_t obj_id, uint64_t size_bytes);

/* The state every policy starts with, so the generic code reads counters
 * without a call.  Invariant after every operation:
 * used_bytes <= capacity_bytes, and used_bytes and n_objects are the sums
 * over resident objects (ghost entries are not resident). */
struct pol_base {
	uint64_t capacity_bytes;
	uint64_t used_bytes;
	uint64_t n_objects;
	uint64_t evictions;    /* objects evicted (not removed) so far */
	pol_evict_fn on_evict; /* may be NULL */
	void *on_evict_ctx;
	const struct cidx *index; /* the resident objects' index, for pol_prefetch (NULL: none) */
	const struct cidx_map *ghosts; /* the ghosts' map, for pol_prefetch (NULL: none) */
};

static inline void pol_base_evicted(struct pol_base *b, uint64_t id, uint64_t size)
{
	b->used_bytes -= size;
	b->n_objects--;
	b->evictions++;
	if (b->on_evict)
		b->on_evict(b->on_evict_ctx, id, size);
}

/*
 * The ops table of an eviction policy.  `st` is the policy's state, whose
 * first member is a struct pol_base.
 *
 *   create    capacity_bytes > 0; NULL on out of memory (fills e).
 *   lookup    a hit updates the policy and returns 1 (including the size
 *             change rule above), or POL_HIT_GREW when the object was
 *             held at a smaller size (a hit all the same: the data path
 *             alone treats it as a miss, since a tier holds only the
 *             bytes it was given), or POL_HIT_SHRANK when it was held at
 *             a larger one (a hit: the data path frees the bytes past
 *             the new size); a miss returns 0 and may update ghost
 *             state, which a following insert of the same request uses.
 *   insert    called only right after lookup returned 0 for the same
 *             request, with size_bytes <= capacity: evicts until the object
 *             fits and inserts it.  Returns 1 inserted, 0 refused by the
 *             policy's own rule, -1 out of memory (state stays consistent).
 *   remove    drops the object if resident (and any ghost entry); returns
 *             1 if it was resident, else 0.  Not an eviction: no callback.
 *   contains  1 if resident, without touching the policy's order.
 *   mem_bytes the bytes the policy's structures hold.
 *   max_object  optional: see the field.
 */
#define POL_HIT_GREW 2   /* lookup, pol_access: a hit on an object that grew */
#define POL_HIT_SHRANK 3 /* lookup, pol_access: a hit on an object that shrank */

struct pol_ops {
	const char *name;
	const char *summary;
	void *(*create)(uint64_t capacity_bytes, struct err *e);
	void (*destroy)(void *st);
	int (*lookup)(void *st, const struct pol_req *r);
	int (*insert)(void *st, const struct pol_req *r);
	int (*remove)(void *st, uint64_t obj_id);
	int (*contains)(const void *st, uint64_t obj_id);
	size_t (*mem_bytes)(const void *st);
	/* The largest object the policy ever keeps at a capacity (NULL: the
	 * capacity itself); for a warning when a tier cannot keep a chunk. */
	uint64_t (*max_object)(uint64_t capacity_bytes);
};

extern const struct pol_ops pol_fifo_ops;
extern const struct pol_ops pol_lru_ops;
extern const struct pol_ops pol_clock_ops;
extern const struct pol_ops pol_lfu_ops;
extern const struct pol_ops pol_arc_ops;
extern const struct pol_ops pol_sieve_ops;
extern const struct pol_ops pol_s3fifo_ops;
extern const struct pol_ops pol_belady_ops;

/* The largest object ops keeps in a cache of capacity_bytes. */
uint64_t pol_max_object(const struct pol_ops *ops, uint64_t capacity_bytes);

/* The policies by name (NULL-terminated), and lookup by name
 * (case-insensitive); NULL if unknown. */
extern const struct pol_ops *const pol_all[];
const struct pol_ops *pol_by_name(const char *name);
/* "fifo, lru, ..." for messages. */
const char *pol_names(void);

/* ---- admission ---- */

/*
 * An admission policy decides, on a miss, whether the object enters the
 * cache.  admit() is called only on misses of objects no larger than the
 * cache (so a rejection is always the admission policy's doing).
 */
struct pol_adm_ops {
	const char *name;
	/* param: the size threshold in bytes for "size", unused otherwise.
	 * capacity_bytes: the cache's capacity (sizes the ghost window). */
	void *(*create)(uint64_t param, uint64_t capacity_bytes, struct err *e);
	void (*destroy)(void *st);
	/* 1 admit, 0 reject, -1 out of memory. */
	int (*admit)(void *st, const struct pol_req *r);
	size_t (*mem_bytes)(const void *st);
	/* The largest object the policy ever keeps at a capacity (NULL: the
	 * capacity itself); for a warning when a tier cannot keep a chunk. */
	uint64_t (*max_object)(uint64_t capacity_bytes);
};

extern const struct pol_adm_ops pol_adm_size_ops;
extern const struct pol_adm_ops pol_adm_second_hit_ops;

/* An admission spec parsed from "always", "size:BYTES" or "second-hit". */
struct pol_adm_spec {
	const struct pol_adm_ops *ops; /* NULL: always admit */
	uint64_t param;
};
int pol_adm_parse(const char *s, struct pol_adm_spec *out, struct err *e);

/* ---- a policy instance ---- */

struct pol {
	const struct pol_ops *ops;
	void *st;
	const struct pol_adm_ops *adm_ops; /* NULL: always admit */
	void *adm;
};

/* adm may be NULL (always admit).  Returns 0 or -1 (e filled): zero
 * capacity, out of memory. */
int pol_init(struct pol *p, const struct pol_ops *ops, uint64_t capacity_bytes,
	     const struct pol_adm_spec *adm, struct err *e);
void pol_destroy(struct pol *p);

/* The request semantics above.  Returns 1 hit, POL_HIT_GREW a hit on an
 * object held at a smaller size, 0 miss, -1 error (an object larger than
 * POL_MAX_OBJ_BYTES, out of memory). */
int pol_access(struct pol *p, const struct pol_req *r, struct err *e);
/* pol_access, and *resident what pol_contains would say after it, without
 * its lookup in the common cases (a data path fills only a tier that
 * kept the chunk it missed). */
int pol_access_resident(struct pol *p, const struct pol_req *r, struct err *e, int *resident);

static inline const struct pol_base *pol_base_of(const struct pol *p)
{
	return (const struct pol_base *)p->st;
}
static inline uint64_t pol_capacity_bytes(const struct pol *p) { return pol_base_of(p)->capacity_bytes; }
static inline uint64_t pol_used_bytes(const struct pol *p) { return pol_base_of(p)->used_bytes; }
static inline uint64_t pol_n_objects(const struct pol *p) { return pol_base_of(p)->n_objects; }
static inline uint64_t pol_evictions(const struct pol *p) { return pol_base_of(p)->evictions; }
static inline int pol_contains(const struct pol *p, uint64_t id) { return p->ops->contains(p->st, id); }
static inline int pol_remove(struct pol *p, uint64_t id) { return p->ops->remove(p->st, id); }
/* A hint that id will be looked up soon (cidx_prefetch): it changes
 * nothing but when memory is read.  Always inlined (see cidx_prefetch). */
static inline __attribute__((always_inline)) void pol_prefetch(const struct pol *p, uint64_t id)
{
	const struct pol_base *b = pol_base_of(p);
	if (b->index)
		cidx_prefetch(b->index, id);
	if (b->ghosts)
		cidx_map_prefetch(b->ghosts, id);
}
size_t pol_mem_bytes(const struct pol *p);
void pol_set_evict_cb(struct pol *p, pol_evict_fn fn, void *ctx);

#endif
