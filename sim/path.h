/*
 * path — the tiered data path of one GPU node: which tier serves a read,
 * what a miss fills, how writes travel down, which metadata operations
 * each access costs.  Written once (DESIGN.md, "the one idea") against
 * the executor (exec.h) and backend (backend.h) contracts only, so the
 * simulator and the reference implementation run this same code.
 *
 * Wiring.  One path instance per GPU node; its tiers are listed top down
 * (e.g. DRAM -> local NVMe -> warm cluster -> cold object store).  Lower
 * tiers that the nodes share (warm, cold) are shared through their
 * *backends*: every node's path is given the same struct backend, and the
 * path stamps its node id (cfg.client) on each request so a model can
 * pick per-node links and queues.  Residency (the eviction policy) is per
 * path instance, unless the caller gives a bounded shared tier one policy
 * for every node (path_tier_cfg.shared, as models/tiered.c does for the
 * warm cluster): one node's fill is then another's hit.  A chunk reserved
 * there by one node's miss is not written until that node's fetch is
 * back; another node whose lookup finds it meanwhile waits for that fetch
 * and then reads the tier (behind the fill), so the nodes' misses on a
 * chunk make one fetch.
 *
 * Chunks.  Objects are read and cached in chunks of cfg.chunk_bytes:
 * chunk i of object o covers [i*C, min((i+1)*C, size)), so an object
 * smaller than a chunk is one chunk.  A chunk's id, the key in every
 * policy, is (o << PATH_IDX_BITS) | i: objects ids below 2^40 (10^12
 * objects), at most 2^24 chunks per object.  The bottom tier must be
 * unbounded (capacity_bytes 0): it holds every chunk.  Any unbounded tier
 * holds every chunk, so reads never go below the first one.
 *
 * Reads, per chunk:
 *   1. If a fetch of the chunk is already in flight, the read joins it
 *      (coalescing: one backend read serves every waiter), counted in
 *      path_stats.coalesced and in no tier's hits or misses.
 *   2. Else the tiers are looked up from the top with pol_access (the
 *      cache-simulator semantics of policy.h): a hit stops the walk; each
 *      bounded tier that misses counts a miss and, if its admission policy
 *      admits the chunk, inserts it right then (the slot is reserved at
 *      miss time, as a real cache allocates on miss).  A chunk held at a
 *      smaller size than it now has (its object grew: the last chunk of
 *      an object, or a small object) is a miss here, though the policy
 *      counts a hit and keeps it with its new size (POL_HIT_GREW): the
 *      tier holds only the bytes it was given, so it is filled again from
 *      below (grown counts these).  `tiersim cache` counts them as hits,
 *      so on traces whose objects change size the two differ.
 *   3. The top tier serving: a backend READ of the requested bytes only.
 *      A lower tier serving: a backend READ of the whole chunk (the cache
 *      unit).  When it completes, every waiter is delivered its bytes, and
 *      each tier above that admitted the chunk and still holds it gets a
 *      backend WRITE of the chunk: fill traffic, in the background, not on
 *      the read's critical path (fill_bytes).  A chunk is readable from a
 *      tier as soon as its fill is issued.  A fill that fails counts in the
 *      tier's errors and takes the chunk out of the tier (unless a write
 *      has made it dirty there since), so later reads fetch it from below;
 *      reads that hit it while the fill was in flight fail with it.
 *   Latency (path_read to delivery, ns) goes to the histogram of the tier
 *   that served the chunk.
 *
 * Writes, per chunk, starting at the top tier; the tier's write policy
 * decides (the bottom tier always just writes):
 *   WRITE_THROUGH  write this tier and, in parallel, the tiers below (by
 *                  their own policies); acknowledged when both are.
 *   WRITE_BACK     acknowledged once this tier has it; the chunk is dirty
 *                  and drained (a write of the whole chunk to the tier
 *                  below, by its policy) in the background, FIFO, at most
 *                  drain_depth drains in flight.  Dirty bytes are
 *                  reserved when a write starts and released when its
 *                  drain completes; a write that would take them over
 *                  dirty_budget_bytes waits (backpressure, FIFO), except
 *                  when nothing is dirty (so a chunk larger than the budget
 *                  cannot deadlock).  A write to a chunk already dirty
 *                  reserves nothing; if that chunk is being drained it is
 *                  drained again afterwards.
 *   WRITE_AROUND   skip this tier (drop the chunk from it if resident) and
 *                  write the tiers below.
 *   A write-through write that fails at a tier fails the request and, as
 *   a failed fill does, takes the chunk out of that tier.
 *   Writes are not subject to admission (a chunk larger than a tier's
 *   capacity is not cached there: write-back then acts as write-through).
 *   Dirty chunks and eviction: a dirty chunk that the policy evicts stays
 *   in the tier's dirty set (its write-back buffer) until its queued drain
 *   completes; its bytes leave the capacity at once and the dirty budget
 *   when drained (dirty_evictions counts these).  Until then a read of it
 *   is served by that tier, from those bytes (a hit), not from below,
 *   where the drain has not landed; the backend discards them when the
 *   drain lands, unless the chunk is back in the tier.  Likewise a chunk
 *   evicted while a read of it is under way at the tier (decided, not yet
 *   done) is discarded when the last such read ends.  A write caches the whole
 *   chunk at a tier but transfers only the written bytes to it.
 *
 * Metadata (never free, DESIGN.md): a tier with a metadata backend issues,
 * before each data access to an object, what a real client would,
 * according to meta_kind and a client-side metadata cache with a TTL per
 * tier (meta_ttl_ns; entries are keyed by object and never evicted):
 *   PATH_META_FILE   (an NFS-like namespace, the warm tier)
 *                    object unknown: read -> LOOKUP, OPEN; write -> CREATE
 *                    known, entry expired -> GETATTR (revalidation, as NFS
 *                    attribute caching does); fresh -> nothing.
 *   PATH_META_OBJECT (an S3/Blob store) read of an unknown or expired
 *                    object -> HEAD before the GET (as object-store client
 *                    libraries do to learn size and etag); writes -> none
 *                    (the PUT creates).
 * Residency is known locally (the tier's policy is the client's index of
 * what it holds), so a tier that misses costs no metadata operation; the
 * tier that serves or is written pays them.  Fills and drains into a file
 * tier are writes (CREATE for an object new to it).
 * The entry is refreshed when its operations are issued, so concurrent
 * accesses to one object issue them once (they do not wait for them).
 * Metadata operations run in sequence, then the data operation.
 *
 * Completion.  path_read/path_write return 0 and later call done exactly
 * once, always from an executor callback (never from inside the call),
 * with a bk_status and the bytes delivered/written; or return -1 (e
 * filled) for bad arguments, and then never call done.  Out of memory in
 * flight fails that request with BK_EIO and is sticky (path_failed).
 *
 * Invariants (tests/test_path.c checks them): bytes requested = bytes
 * delivered for successful reads; no tier's policy ever holds more than
 * its capacity; every request completes exactly once; equal inputs give
 * the same order of backend operations (every queue here is FIFO; hash
 * tables are only looked up, never iterated to make decisions).
 *
 * Not modelled yet: Belady (no next-access times reach the path),
 * prefetch, promotion on hits at lower tiers beyond the miss fill,
 * failed drains (counted in errors,
 * the chunk is then dropped, not retried), and data freshness across
 * nodes: a node's write-back tier is its own, so another node reads the
 * object below, without the bytes still dirty there (tierref: old bytes
 * or a short read); within a node, a fill that lands after a newer write
 * overwrites it, and a write-around may race a queued drain of older
 * data.
 */
#ifndef TIERSIM_PATH_H
#define TIERSIM_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "err.h"
#include "exec.h"
#include "hist.h"
#include "metrics.h"
#include "policy.h"

#define PATH_MAX_TIERS 16
#define PATH_IDX_BITS 24
#define PATH_OBJ_BITS (64 - PATH_IDX_BITS)

enum path_write_policy {
	PATH_WRITE_THROUGH = 0,
	PATH_WRITE_BACK,
	PATH_WRITE_AROUND,
};

enum path_meta_kind {
	PATH_META_NONE = 0, /* no metadata operations (DRAM, local NVMe) */
	PATH_META_FILE,
	PATH_META_OBJECT,
};

struct path_shared; /* path_shared_new, below */

struct path_tier_cfg {
	const char *name;               /* "hot", "warm": metric names */
	uint64_t capacity_bytes;        /* 0: unbounded (holds everything) */
	const struct pol_ops *policy;   /* required when bounded */
	struct pol_adm_spec admission;  /* .ops NULL: always admit */
	enum path_write_policy write_policy;
	uint64_t dirty_budget_bytes;    /* write-back: > 0 */
	uint32_t drain_depth;           /* write-back: drains in flight (0: 1) */
	struct backend data;            /* required */
	struct backend meta;            /* .ops NULL: metadata is free here */
	enum path_meta_kind meta_kind;
	uint64_t meta_ttl_ns;           /* client metadata cache TTL */
	/* A residency the caller owns (path_shared_new) and shares between
	 * the paths of several nodes: a cluster-wide tier (the warm cluster)
	 * whose residency is common to every node, so one node's fill is the
	 * next node's hit.  capacity_bytes must be its policy's capacity, and
	 * data the backend it was made with.  Not with write-back (dirty
	 * state is per node).  This tier's evictions are not counted per node (see
	 * path_tier_shared_evictions).  NULL: the path creates its own
	 * policy from `policy` and `admission`. */
	struct path_shared *shared;
};

struct path_cfg {
	uint64_t chunk_bytes;           /* > 0, <= POL_MAX_OBJ_BYTES */
	uint32_t client;                /* node id, stamped on every request */
	size_t n_tiers;                 /* 1..PATH_MAX_TIERS */
	const struct path_tier_cfg *tiers; /* top first; the last unbounded */
};

struct path_tier_stats {
	uint64_t hits;            /* read lookups that found the chunk here */
	uint64_t misses;          /* read lookups that did not (bounded tiers) */
	uint64_t fill_refused;    /* misses not admitted (admission, size) */
	uint64_t read_bytes;      /* read from this tier's data backend */
	uint64_t write_bytes;     /* written to it: writes, fills, drains in */
	uint64_t fill_bytes;      /* of write_bytes: fills after misses */
	uint64_t writeback_bytes; /* drained out of this tier (write-back) */
	uint64_t evictions;
	uint64_t dirty_evictions; /* evicted while dirty (see above) */
	uint64_t invalidations;   /* dropped by write-around */
	uint64_t backpressure_waits; /* writes that waited for dirty budget */
	uint64_t errors;          /* backend operations that failed */
	uint64_t fill_errors;     /* of errors: fills (the chunk left the tier) */
	uint64_t drain_errors;    /* of errors: drains out of this tier that failed below (data lost) */
	uint64_t grown;           /* of misses: chunks held at a smaller size */
	uint64_t meta_ops[BK_NOPS]; /* metadata operations issued, by type */
	struct hist *read_latency_ns; /* chunks this tier served */
};

struct path_stats {
	uint64_t reads, writes;             /* requests accepted */
	uint64_t reads_done, writes_done;   /* requests completed */
	uint64_t failed;                    /* completed with an error */
	uint64_t read_req_bytes, read_delivered_bytes;
	uint64_t write_req_bytes, write_acked_bytes;
	uint64_t coalesced;                 /* chunk reads that joined a fetch */
	/* Events whose outcome depends on timing, as coalesced does (so a
	 * measured run and its prediction may differ in hits, misses and
	 * bytes): a read served by a dirty chunk's bytes that its policy had
	 * let go or held smaller (before its drain lands), a fetch back after
	 * its chunk was evicted (no fill), a rewrite of a chunk being drained
	 * (drained twice), a read that waited for a write queued for budget,
	 * and a lookup of a shared chunk another node had reserved. */
	uint64_t raced;
};

/* status: enum bk_status; bytes: delivered (read) or written (write). */
typedef void (*path_done_fn)(void *ctx, int status, uint64_t bytes);

struct path;

/* The executor and the backends are borrowed: they must outlive the path.
 * NULL on bad configuration (ERR_INPUT, naming the tier and field) or out
 * of memory. */
struct path *path_new(const struct exec *x, const struct path_cfg *cfg, struct err *e);
/* Frees the path and everything in flight, without callbacks: call it only
 * when the executor will not run the path's pending callbacks again. */
void path_free(struct path *p);

/* Reads (writes) [offset, offset + length) of object obj, whose size is
 * obj_bytes (for a write: its size once written).  See above. */
int path_read(struct path *p, uint64_t obj, uint64_t obj_bytes, uint64_t offset,
	      uint64_t length, path_done_fn done, void *ctx, struct err *e);
int path_write(struct path *p, uint64_t obj, uint64_t obj_bytes, uint64_t offset,
	       uint64_t length, path_done_fn done, void *ctx, struct err *e);

/* A hint that a request for obj (from offset 0) comes next: starts
 * loading the per-object state it will look up (each tier's policy index
 * and metadata cache; see cidx_prefetch), so that the loads overlap the
 * work before it.  It changes nothing: a run gives the same results with
 * or without hints. */
void path_prefetch(const struct path *p, uint64_t obj);

/* Writes the statistics under prefix: "<prefix>.<tier>.hits", ...,
 * "<prefix>.<tier>.meta.<op>", the histogram "<prefix>.<tier>.read_latency"
 * (replaced on each call), "<prefix>.reads", ... -1 on out of memory. */
int path_export(const struct path *p, const char *prefix, struct met_registry *m, uint64_t now_ns);

const struct path_stats *path_stats(const struct path *p);
size_t path_n_tiers(const struct path *p);
const struct path_tier_stats *path_tier_stats(const struct path *p, size_t tier);
const char *path_tier_name(const struct path *p, size_t tier);
/* Bytes the tier's policy holds (0 for an unbounded tier), its capacity. */
/* 0 if an object of obj_bytes has at most 2^PATH_IDX_BITS chunks; else -1
 * with an ERR_INPUT message that gives the least chunk that would do, for
 * a job to check its objects' sizes when it is built rather than fail
 * when it first reads or writes one. */
int path_check_object(const struct path *p, uint64_t obj_bytes, struct err *e);
uint64_t path_tier_used_bytes(const struct path *p, size_t tier);
/* A tier whose policy the nodes share (shared): the evictions of
 * that policy, every node's together (its per-node stats count none);
 * 0 for any other tier. */
uint64_t path_tier_shared_evictions(const struct path *p, size_t tier);
/* A bounded tier's residency shared by the nodes' paths: the policy pol
 * (the caller's, pol_init; it must outlive this), the tier's data backend
 * (the one every node's path is given for it) and the paths' chunk.  It
 * holds what each path must see of the others' work on the tier: the
 * chunks reserved by a node's miss whose fetch is not back, and the
 * chunks with reads under way (a chunk that leaves the tier is discarded
 * at data, as a node tier's is, after every node's reads of it; a no-op
 * in every model).  Made before the paths, freed after them; NULL on out
 * of memory (fills e). */
struct path_shared *path_shared_new(struct pol *pol, struct backend data, uint64_t chunk_bytes, struct err *e);
void path_shared_free(struct path_shared *s);

/* 1 if the nodes share the tier's policy (one residency: shared). */
int path_tier_policy_shared(const struct path *p, size_t tier);
uint64_t path_tier_capacity_bytes(const struct path *p, size_t tier);
/* The tier's policy (NULL for an unbounded tier), and the path's chunk. */
const struct pol_ops *path_tier_policy(const struct path *p, size_t tier);
uint64_t path_chunk_bytes(const struct path *p);
uint64_t path_tier_dirty_bytes(const struct path *p, size_t tier);
/* 1 if chunk idx of obj is resident at tier (always for unbounded). */
int path_tier_holds(const struct path *p, size_t tier, uint64_t obj, uint64_t idx);
/* Requests accepted and not yet completed, plus background work (fills,
 * drains) in flight; 0 when the path is idle. */
size_t path_inflight(const struct path *p);
/* The spread series (metrics.h, met_series_add_spread) into which the
 * tier's reads and writes book their bytes, each over its data
 * operation's time at the backend (NULL: none).  Nodes may share one. */
void path_tier_set_series(struct path *p, size_t tier, struct met_series *read, struct met_series *write);
/* Registers tier.NAME.read_bytes and tier.NAME.write_bytes (B), spread
 * series summed over the nodes' paths, for every tier, and sets them on
 * every path: 0, or -1 on out of memory. */
int path_add_tier_series(struct path *const *paths, size_t nodes, struct met_registry *m);
/* Requests (path_read, path_write) accepted and not yet completed. */
size_t path_requests_inflight(const struct path *p);
/* Chunks held dirty at write-back tiers, not yet written back. */
size_t path_dirty_chunks(const struct path *p);
/* 1 (e filled if not NULL) if an allocation failed in flight. */
int path_failed(const struct path *p, struct err *e);

#endif
