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
 * 10.7-21 bytes of map (load factor 3/8..3/4): <= 64 bytes in all.
 *
 * Algorithm: open addressing with linear probing (Knuth, TAOCP vol. 3,
 * 6.4 algorithm L) and backward-shift deletion (Knuth's algorithm R), so
 * there are no tombstones and a long run of evictions never degrades
 * lookups.  The hash is MurmurHash3's 64-bit finaliser (Appleby 2011),
 * which mixes sequential ids (block numbers) well.  A key's home slot is
 * the top `bits` bits of its hash, and the slot keeps the top 32 bits as
 * its tag, so the home of every slot is known from the slot alone:
 * deletion and growth never read an entry.  The tag filters almost every
 * probe before the entry's key is read.
 *
 * Entries live in blocks of CIDX_BLOCK entries that never move, so an
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
#define CIDX_BLOCK_SHIFT 12
#define CIDX_BLOCK (1u << CIDX_BLOCK_SHIFT)

struct cidx {
	uint64_t *slots;        /* 0: empty; else tag << 32 | (handle + 1) */
	uint32_t bits;          /* log2 of the number of slots */
	uint32_t count;         /* live keys */
	uint32_t grow_at;       /* grow when count reaches this (3/4 full) */
	uint32_t entry_bytes;
	unsigned char **blocks; /* entry blocks, CIDX_BLOCK entries each */
	uint32_t n_blocks, cap_blocks;
	uint32_t fresh;         /* handles below this have been handed out */
	uint32_t free_head;     /* freed handles, linked through the entries */
};

/* entry_bytes: the size of one entry (>= 8; it starts with the key).
 * Returns 0, or -1 on out of memory. */
int cidx_init(struct cidx *x, size_t entry_bytes);
void cidx_destroy(struct cidx *x);

static inline uint64_t cidx_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static inline void *cidx_at(const struct cidx *x, uint32_t h)
{
	return x->blocks[h >> CIDX_BLOCK_SHIFT] +
	       (size_t)(h & (CIDX_BLOCK - 1)) * x->entry_bytes;
}

/* The handle of key, or CIDX_NONE. */
static inline uint32_t cidx_find(const struct cidx *x, uint64_t key)
{
	uint64_t hv = cidx_hash(key);
	uint32_t tag = (uint32_t)(hv >> 32);
	size_t mask = ((size_t)1 << x->bits) - 1;
	size_t i = tag >> (32 - x->bits);
	for (;;) {
		uint64_t s = x->slots[i];
		if (!s)
			return CIDX_NONE;
		if ((uint32_t)(s >> 32) == tag) {
			uint32_t h = (uint32_t)s - 1;
			if (*(const uint64_t *)cidx_at(x, h) == key)
				return h;
		}
		i = (i + 1) & mask;
	}
}

/* A prefetch hint: it changes no contents and no result, only when memory
 * is read.  A lookup in a table larger than the CPU's caches misses on the
 * slot and then on the entry it names.  A caller that knows a key one step
 * ahead (a trace replay knows its next request) starts the first load
 * early.  (The entry's address needs the slot, and reading the slot early
 * too, two steps ahead, measured slower on bench/three_tiers.ini: the
 * stalls on those reads cost more than the entry misses they saved.) */
static inline void cidx_prefetch(const struct cidx *x, uint64_t key)
{
	uint32_t tag = (uint32_t)(cidx_hash(key) >> 32);
	__builtin_prefetch(&x->slots[tag >> (32 - x->bits)]);
}

/* Adds key, which must be absent, and returns its new entry's handle
 * (the entry holds the key; the rest of it is uninitialised), or
 * CIDX_NONE on out of memory.  Entry pointers stay valid. */
uint32_t cidx_insert(struct cidx *x, uint64_t key);

/* Removes the entry h (and its key from the map); h may be reused by the
 * next insert. */
void cidx_remove(struct cidx *x, uint32_t h);

static inline uint32_t cidx_count(const struct cidx *x) { return x->count; }

/* Bytes this table holds: the slot array, the entry blocks in use and the
 * block table. */
size_t cidx_mem_bytes(const struct cidx *x);

#endif
