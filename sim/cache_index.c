/* cache_index — see cache_index.h for the layout and its sources. */
#include "cache_index.h"

#include <stdlib.h>
#include <string.h>

#define MIN_BITS 6

static uint32_t grow_limit(uint32_t bits)
{
	uint64_t n = (uint64_t)1 << bits;
	uint64_t lim = n - n / 4;
	return lim > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)lim;
}

int cidx_init(struct cidx *x, size_t entry_bytes)
{
	memset(x, 0, sizeof *x);
	if (entry_bytes < 8 || entry_bytes > 4096)
		return -1;
	x->entry_bytes = (uint32_t)entry_bytes;
	x->bits = MIN_BITS;
	x->slots = calloc((size_t)1 << x->bits, sizeof *x->slots);
	if (!x->slots)
		return -1;
	x->grow_at = grow_limit(x->bits);
	x->free_head = CIDX_NONE;
	return 0;
}

void cidx_destroy(struct cidx *x)
{
	if (!x)
		return;
	for (uint32_t b = 0; b < x->n_blocks; b++)
		free(x->blocks[b]);
	free(x->blocks);
	free(x->slots);
	memset(x, 0, sizeof *x);
}

static inline size_t home_of(uint64_t slot, uint32_t bits)
{
	return (uint32_t)(slot >> 32) >> (32 - bits);
}

/* Doubles the slot array; homes come from the tags, entries are not read. */
static int grow(struct cidx *x)
{
	if (x->bits >= 32)
		return -1;
	uint32_t nb = x->bits + 1;
	size_t n = (size_t)1 << nb, mask = n - 1;
	uint64_t *ns = calloc(n, sizeof *ns);
	if (!ns)
		return -1;
	size_t old = (size_t)1 << x->bits;
	for (size_t i = 0; i < old; i++) {
		uint64_t s = x->slots[i];
		if (!s)
			continue;
		size_t j = home_of(s, nb);
		while (ns[j])
			j = (j + 1) & mask;
		ns[j] = s;
	}
	free(x->slots);
	x->slots = ns;
	x->bits = nb;
	x->grow_at = grow_limit(nb);
	return 0;
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

uint32_t cidx_insert(struct cidx *x, uint64_t key)
{
	if (x->count + 1 > x->grow_at && grow(x) < 0)
		return CIDX_NONE;
	uint32_t h = alloc_handle(x);
	if (h == CIDX_NONE)
		return CIDX_NONE;
	memcpy(cidx_at(x, h), &key, sizeof key);
	uint64_t hv = cidx_hash(key);
	size_t mask = ((size_t)1 << x->bits) - 1;
	size_t i = (uint32_t)(hv >> 32) >> (32 - x->bits);
	while (x->slots[i])
		i = (i + 1) & mask;
	x->slots[i] = (hv & 0xffffffff00000000ULL) | ((uint64_t)h + 1);
	x->count++;
	return h;
}

void cidx_remove(struct cidx *x, uint32_t h)
{
	uint64_t key;
	memcpy(&key, cidx_at(x, h), sizeof key);
	uint64_t hv = cidx_hash(key);
	size_t mask = ((size_t)1 << x->bits) - 1;
	size_t i = (uint32_t)(hv >> 32) >> (32 - x->bits);
	while ((uint32_t)x->slots[i] != h + 1)
		i = (i + 1) & mask;
	/* Backward shift: pull later members of the run into the hole when
	 * their home does not lie cyclically in (hole, j]. */
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		uint64_t s = x->slots[j];
		if (!s)
			break;
		size_t home = home_of(s, x->bits);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			x->slots[i] = s;
			i = j;
		}
	}
	x->slots[i] = 0;
	x->count--;
	memcpy(cidx_at(x, h), &x->free_head, sizeof x->free_head);
	x->free_head = h;
}

size_t cidx_mem_bytes(const struct cidx *x)
{
	return ((size_t)sizeof(uint64_t) << x->bits) +
	       (size_t)x->n_blocks * CIDX_BLOCK * x->entry_bytes +
	       (size_t)x->cap_blocks * sizeof *x->blocks;
}
