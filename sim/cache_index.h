/*
 * cache_index — the object table under every cache policy: a hash map from
 * a 64-bit object id to a 32-bit handle, and a slab of fixed-size entries
 * addressed by that handle.
 *
 * Why a table of its own: a policy keeps one small entry per object (its
 * list links, size and a few bits), and a cache simulator spends its time
 * finding that entry.  Handles (uint32) instead of pointers halve the
 * links, and a slot that packs a 32-bit hash tag with the handle keeps the
 * map at 8 bytes a slot, so an LRU object costs its 24-byte entry plus
 * 10.7-21.3 bytes of map (load factor 3/8..3/4): under 46 bytes in all.
 *
 * Algorithm: open addressing with linear probing (Knuth, TAOCP vol. 3,
 * 6.4 algorithm L) and backward-shift deletion (Knuth's algorithm R), so
 * there are no tombstones and a long run of evictions never degrades
 * lookups.  The hash is MurmurHash3's 64-bit finaliser (Appleby 2011),
 * which mixes sequential ids (block numbers) well, less its last step
 * (see cidx_hash).  The slot keeps the
 * top 32 bits of the hash as its tag, and a key's home slot is the tag
 * scaled to the table, floor(tag * n_slots / 2^32) (Lemire's "fast
 * alternative to the modulo reduction", 2016), so the home of every slot
 * is known from the slot alone: deletion and growth never read an entry.
 * The tag filters almost every probe before the entry's key is read.
 *
 * Load: a map doubles when it is 3/4 full, so it is 37.5-75% full and a
 * key costs 10.7-21.3 bytes of slots.  A dense map (for the policies that
 * also index ghosts, ARC and S3-FIFO, whose per-object budget they eat)
 * does so only below 2^12 slots; from there it grows by a quarter when
 * 4/5 full, so it stays 64-80% full and a key costs 10-12.5 bytes.  The
 * table need not be a power of two, because a home is the tag scaled to
 * the table.  Rehashing by a quarter moves each slot about five times
 * over a table's growth, paid once, while a cache fills.  The price is
 * probing: at 80% a miss probes about 13 slots (Knuth's
 * (1 + 1/(1-a)^2)/2), at 37.5% 1.8.  Measured on bench/cache at 10^5
 * objects, a dense map made LRU 0.72 times as fast (and 25% smaller), so
 * the policies within their budget without it keep the sparse one.
 *
 * Entries live in blocks of CIDX_BLOCK (1024) entries that never move, so an
 * entry pointer stays valid until that entry is removed, and growth never
 * copies entries.  Every entry starts with its uint64_t key.  Freed
 * handles are reused first (LIFO), so the touched memory follows the peak
 * number of live entries.
 *
 * Limits: at most 2^32 - 2 live entries.
 */
#ifndef TIERSIM_CACHE_INDEX_H
#define TIERSIM_CACHE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define CIDX_NONE UINT32_MAX
#define CIDX_BLOCK_SHIFT 10
#define CIDX_BLOCK (1u << CIDX_BLOCK_SHIFT)

/* A map's load (see "Load" above). */
enum { CIDX_SPARSE = 0, CIDX_DENSE = 1 };

/* The slot array on its own (cidx_map_*), for a table that keeps its
 * entries elsewhere (sim/policy/ghost.c).  A slot is 0 when empty, else
 * the key's tag (the top 32 bits of cidx_hash) << 32 | a nonzero value of
 * the table's own. */
struct cidx_map {
	uint64_t *slots;
	uint32_t n_slots;       /* <= 2^32 - 1 */
	uint32_t count;         /* full slots */
	uint32_t grow_at;       /* grow when count passes this */
	int dense;              /* see "Load" above */
};

/* dense: grow by a quarter at 4/5 once large, rather than double at 3/4
 * (see "Load" above).  Returns 0, or -1 on out of memory. */
int cidx_map_init(struct cidx_map *m, int dense);
void cidx_map_destroy(struct cidx_map *m);
/* Grows the slot array (doubles it, or a dense one past 2^12 slots by a
 * quarter): 0, or -1 on out of memory (nothing changed). */
int cidx_map_grow(struct cidx_map *m);
/* Makes room for one more slot, growing the map if it is as full as its
 * load allows: 0, or -1 on out of memory (nothing changed). */
static inline int cidx_map_reserve(struct cidx_map *m)
{
	return m->count + 1 <= m->grow_at ? 0 : cidx_map_grow(m);
}
/* Stores a nonzero slot in the first free place from its home; room must
 * have been reserved. */
void cidx_map_put(struct cidx_map *m, uint64_t slot);
/* Empties slot i, moving later members of its run back (no tombstones). */
void cidx_map_delete(struct cidx_map *m, uint32_t i);

/* The home slot of a key whose hash has the top 32 bits tag. */
static inline uint32_t cidx_map_home(const struct cidx_map *m, uint32_t tag)
{
	return (uint32_t)(((uint64_t)tag * m->n_slots) >> 32);
}

static inline uint32_t cidx_map_next(const struct cidx_map *m, uint32_t i)
{
	return ++i == m->n_slots ? 0 : i;
}

/* The index: its map's slots hold tag << 32 | (handle + 1). */
struct cidx {
	struct cidx_map map;
	uint32_t entry_bytes;
	unsigned char **blocks; /* entry blocks, CIDX_BLOCK entries each */
	uint32_t n_blocks, cap_blocks;
	uint32_t fresh;         /* handles below this have been handed out */
	uint32_t free_head;     /* freed handles, linked through the entries */
};

/* entry_bytes: the size of one entry (>= 8; it starts with the key);
 * dense: the map's load (see "Load" above).  Returns 0, or -1 on out of
 * memory. */
int cidx_init(struct cidx *x, size_t entry_bytes, int dense);
void cidx_destroy(struct cidx *x);

/* MurmurHash3's finaliser without its last step, k ^= k >> 33: that step
 * changes bits 0..30 only, and the users of the hash read its top bits (a
 * tag is the top 32; the path's metadata cache takes log2 of its slots,
 * 33 at most below 2^33 slots) or the whole value as the key's identity
 * (ghost records), which needs a bijection, not those bits.  So tags and
 * homes are the full finaliser's, slot for slot, three instructions
 * sooner (about 15 hashes a request on the three-tier bench).  Lookups
 * never decide results, so even a larger table would only lay out
 * differently. */
static inline uint64_t cidx_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	return k;
}

static inline void *cidx_at(const struct cidx *x, uint32_t h)
{
	return x->blocks[h >> CIDX_BLOCK_SHIFT] +
	       (size_t)(h & (CIDX_BLOCK - 1)) * x->entry_bytes;
}

/* The handle of key, whose hash is hv (cidx_hash(key)), or CIDX_NONE.
 * The *_hashed calls let a caller that looks a key up, then inserts or
 * later removes it, hash it once. */
static inline uint32_t cidx_find_hashed(const struct cidx *x, uint64_t key, uint64_t hv)
{
	uint32_t tag = (uint32_t)(hv >> 32);
	uint32_t i = cidx_map_home(&x->map, tag);
	for (;;) {
		uint64_t s = x->map.slots[i];
		if (!s)
			return CIDX_NONE;
		if ((uint32_t)(s >> 32) == tag) {
			uint32_t h = (uint32_t)s - 1;
			if (*(const uint64_t *)cidx_at(x, h) == key)
				return h;
		}
		i = cidx_map_next(&x->map, i);
	}
}

/* The handle of key, or CIDX_NONE. */
static inline uint32_t cidx_find(const struct cidx *x, uint64_t key)
{
	return cidx_find_hashed(x, key, cidx_hash(key));
}

/* A prefetch hint: it changes no contents and no result, only when memory
 * is read.  A lookup in a table larger than the CPU's caches misses on the
 * slot and then on the entry it names.  A caller that knows a key one step
 * ahead (a trace replay knows its next request) starts the first load
 * early.  (The entry's address needs the slot, and reading the slot early
 * too, two steps ahead, measured slower on bench/three_tiers.ini: the
 * stalls on those reads cost more than the entry misses they saved.)
 *
 * Always inlined, here and in pol_prefetch: GCC 12 counts a function whose
 * only effect is __builtin_prefetch as free of side effects (its IPA
 * pure-const pass), so a call to one that it did not inline is deleted,
 * prefetch and all, while a prefetch written in place stays. */
static inline __attribute__((always_inline)) void cidx_map_prefetch(const struct cidx_map *m,
								       uint64_t key)
{
	uint32_t tag = (uint32_t)(cidx_hash(key) >> 32);
	__builtin_prefetch(&m->slots[cidx_map_home(m, tag)]);
}

static inline __attribute__((always_inline)) void cidx_prefetch(const struct cidx *x, uint64_t key)
{
	cidx_map_prefetch(&x->map, key);
}

/* Adds key, which must be absent, and returns its new entry's handle
 * (the entry holds the key; the rest of it is uninitialised), or
 * CIDX_NONE on out of memory.  Entry pointers stay valid. */
uint32_t cidx_insert_hashed(struct cidx *x, uint64_t key, uint64_t hv);
static inline uint32_t cidx_insert(struct cidx *x, uint64_t key)
{
	return cidx_insert_hashed(x, key, cidx_hash(key));
}

/* Removes the entry h, whose key hashes to hv (and its key from the map);
 * h may be reused by the next insert. */
void cidx_remove_hashed(struct cidx *x, uint32_t h, uint64_t hv);
/* The same, hashing the entry's key. */
void cidx_remove(struct cidx *x, uint32_t h);

static inline uint32_t cidx_count(const struct cidx *x) { return x->map.count; }

/* Bytes this table holds: the slot array, the entry blocks in use and the
 * block table. */
size_t cidx_mem_bytes(const struct cidx *x);

#endif
