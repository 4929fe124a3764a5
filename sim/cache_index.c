/* cache_index — see cache_index.h for the layout and its sources. */
#include "cache_index.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 64u
#define MAX_SLOTS UINT32_MAX
#define DOUBLE_BELOW (1u << 12) /* slots of a dense map; see cache_index.h */

static int doubles(const struct cidx_map *m, uint32_t n)
{
	return !m->dense || n < DOUBLE_BELOW;
}

/* Grow when 3/4 full while doubling, else when 4/5 full. */
static uint32_t grow_limit(const struct cidx_map *m, uint32_t n)
{
	return doubles(m, n) ? n - n / 4 : n - n / 5;
}

int cidx_map_init(struct cidx_map *m, int dense)
{
	m->n_slots = MIN_SLOTS;
	m->count = 0;
	m->dense = dense != 0;
	m->grow_at = grow_limit(m, m->n_slots);
	m->slots = calloc(m->n_slots, sizeof *m->slots);
	return m->slots ? 0 : -1;
}

void cidx_map_destroy(struct cidx_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof *m);
}

static void put(struct cidx_map *m, uint64_t slot)
{
	uint32_t i = cidx_map_home(m, (uint32_t)(slot >> 32));
	while (m->slots[i])
		i = cidx_map_next(m, i);
	m->slots[i] = slot;
}

/* Grows the slot array (doubles it while small, else by a quarter); homes
 * come from the tags, entries are not read. */
int cidx_map_grow(struct cidx_map *m)
{
	if (m->n_slots == MAX_SLOTS)
		return -1;
	uint32_t n = doubles(m, m->n_slots) ? m->n_slots * 2 : m->n_slots + m->n_slots / 4;
	if (n < m->n_slots)
		n = MAX_SLOTS;
	struct cidx_map g = { .slots = calloc(n, sizeof *g.slots), .n_slots = n,
			      .count = m->count, .grow_at = grow_limit(m, n), .dense = m->dense };
	if (!g.slots)
		return -1;
	for (uint32_t i = 0; i < m->n_slots; i++)
		if (m->slots[i])
			put(&g, m->slots[i]);
	free(m->slots);
	*m = g;
	return 0;
}

void cidx_map_put(struct cidx_map *m, uint64_t slot)
{
	put(m, slot);
	m->count++;
}

void cidx_map_delete(struct cidx_map *m, uint32_t i)
{
	/* Backward shift: pull later members of the run into the hole when
	 * their home does not lie cyclically in (hole, j].  The distances
	 * back from j are taken modulo 2^32, not n: a distance that wraps
	 * past slot 0 comes out larger than any that does not, modulo either,
	 * so the comparison is the same. */
	uint32_t j = i;
	for (;;) {
		j = cidx_map_next(m, j);
		uint64_t s = m->slots[j];
		if (!s)
			break;
		uint32_t home = cidx_map_home(m, (uint32_t)(s >> 32));
		if (j - home >= j - i) {
			m->slots[i] = s;
			i = j;
		}
	}
	m->slots[i] = 0;
	m->count--;
}

int cidx_init(struct cidx *x, size_t entry_bytes, int dense)
{
	memset(x, 0, sizeof *x);
	if (entry_bytes < 8 || entry_bytes > 4096)
		return -1;
	x->entry_bytes = (uint32_t)entry_bytes;
	x->free_head = CIDX_NONE;
	return cidx_map_init(&x->map, dense);
}

void cidx_destroy(struct cidx *x)
{
	if (!x)
		return;
	for (uint32_t b = 0; b < x->n_blocks; b++)
		free(x->blocks[b]);
	free(x->blocks);
	cidx_map_destroy(&x->map);
	memset(x, 0, sizeof *x);
}

static uint32_t alloc_handle(struct cidx *x)
{
	if (x->free_head != CIDX_NONE) {
		uint32_t h = x->free_head;
		memcpy(&x->free_head, cidx_at(x, h), sizeof x->free_head);
		return h;
	}
	if (x->fresh >= UINT32_MAX - 1)
		return CIDX_NONE;
	uint32_t h = x->fresh;
	uint32_t b = h >> CIDX_BLOCK_SHIFT;
	if (b >= x->n_blocks) {
		if (x->n_blocks == x->cap_blocks) {
			uint32_t nc = x->cap_blocks ? x->cap_blocks * 2 : 8;
			unsigned char **nbk = realloc(x->blocks, nc * sizeof *nbk);
			if (!nbk)
				return CIDX_NONE;
			x->blocks = nbk;
			x->cap_blocks = nc;
		}
		x->blocks[x->n_blocks] = malloc((size_t)CIDX_BLOCK * x->entry_bytes);
		if (!x->blocks[x->n_blocks])
			return CIDX_NONE;
		x->n_blocks++;
	}
	x->fresh++;
	return h;
}

/* Stores key, whose hash is hv, in entry h and its slot in the map (room
 * reserved). */
static inline uint32_t insert_at(struct cidx *x, uint32_t h, uint64_t key, uint64_t hv)
{
	memcpy(cidx_at(x, h), &key, sizeof key);
	put(&x->map, (hv & 0xffffffff00000000ULL) | ((uint64_t)h + 1));
	x->map.count++;
	return h;
}

/* cidx_insert when the map must grow or no freed handle is there. */
static __attribute__((noinline)) uint32_t insert_slow(struct cidx *x, uint64_t key, uint64_t hv)
{
	if (cidx_map_reserve(&x->map) < 0)
		return CIDX_NONE;
	uint32_t h = alloc_handle(x);
	if (h == CIDX_NONE)
		return CIDX_NONE;
	return insert_at(x, h, key, hv);
}

/* The common insert (room in the map, a freed handle to reuse) first,
 * with the rest as a call in tail position: it then saves no registers
 * for the growth. */
uint32_t cidx_insert_hashed(struct cidx *x, uint64_t key, uint64_t hv)
{
	if (x->map.count + 1 > x->map.grow_at || x->free_head == CIDX_NONE)
		return insert_slow(x, key, hv);
	uint32_t h = x->free_head;
	memcpy(&x->free_head, cidx_at(x, h), sizeof x->free_head);
	return insert_at(x, h, key, hv);
}

void cidx_remove(struct cidx *x, uint32_t h)
{
	uint64_t key;
	memcpy(&key, cidx_at(x, h), sizeof key);
	cidx_remove_hashed(x, h, cidx_hash(key));
}

void cidx_remove_hashed(struct cidx *x, uint32_t h, uint64_t hv)
{
	const struct cidx_map *m = &x->map;
	uint32_t i = cidx_map_home(m, (uint32_t)(hv >> 32));
	while ((uint32_t)m->slots[i] != h + 1)
		i = cidx_map_next(m, i);
	cidx_map_delete(&x->map, i);
	memcpy(cidx_at(x, h), &x->free_head, sizeof x->free_head);
	x->free_head = h;
}

size_t cidx_mem_bytes(const struct cidx *x)
{
	return (size_t)x->map.n_slots * sizeof *x->map.slots +
	       (size_t)x->n_blocks * CIDX_BLOCK * x->entry_bytes +
	       (size_t)x->cap_blocks * sizeof *x->blocks;
}
