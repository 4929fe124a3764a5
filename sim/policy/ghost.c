/* ghost — see ghost.h for the layout and why it keeps no links. */
#include "ghost.h"

#include <stdlib.h>
#include <string.h>

/* Sequence numbers run modulo 2^seq_bits (30 unless a test asks for
 * fewer); a slot's low 32 bits are 1 + (list << 30 | seq), never 0. */
#define SEQ_BITS 30
#define HI 0xffffffff00000000ULL
#define COMPACT_MIN 64

static inline uint32_t slot_val(int list, uint32_t seq)
{
	return 1u + ((uint32_t)list << SEQ_BITS | seq);
}

static inline uint32_t blk(uint32_t seq) { return seq >> GHOST_BLOCK_SHIFT; }
static inline uint32_t off(uint32_t seq) { return seq & (GHOST_BLOCK - 1); }
static inline uint32_t seq_next(const struct ghost *g, uint32_t seq)
{
	return (seq + 1) & g->seq_mask;
}

static inline struct ghost_block **block_ref(const struct ghost_list *l, uint32_t seq)
{
	return &l->blocks[blk(seq) & (l->n_blocks - 1)];
}

/* The number of block numbers, seq_mask's blocks. */
static inline uint32_t seq_blocks(const struct ghost *g)
{
	return blk(g->seq_mask) + 1;
}

/* Blocks from the tail's to the head's, inclusive. */
static inline uint32_t blocks_spanned(const struct ghost *g, const struct ghost_list *l)
{
	return ((blk(l->head) - blk(l->tail)) & (seq_blocks(g) - 1)) + 1;
}

int ghost_init_seq_bits(struct ghost *g, int seq_bits)
{
	memset(g, 0, sizeof *g);
	if (seq_bits < GHOST_BLOCK_SHIFT + 3 || seq_bits > SEQ_BITS)
		return -1;
	g->seq_mask = (1u << seq_bits) - 1;
	return cidx_map_init(&g->map, CIDX_DENSE);
}

int ghost_init(struct ghost *g)
{
	return ghost_init_seq_bits(g, SEQ_BITS);
}

void ghost_destroy(struct ghost *g)
{
	if (!g)
		return;
	for (int k = 0; k < GHOST_LISTS; k++) {
		struct ghost_list *l = &g->l[k];
		for (uint32_t b = 0; b < l->n_blocks; b++)
			free(l->blocks[b]);
		free(l->blocks);
		free(l->spare[0]);
		free(l->spare[1]);
	}
	cidx_map_destroy(&g->map);
	memset(g, 0, sizeof *g);
}

/* A table of at least `need` block pointers (a power of two), the blocks
 * in use moved to their places in it.  0, or -1 on out of memory. */
static int table_fit(const struct ghost *g, struct ghost_list *l, uint32_t need)
{
	if (need <= l->n_blocks)
		return 0;
	uint32_t n = l->n_blocks ? l->n_blocks : 4;
	while (n < need)
		n *= 2;
	if (n > seq_blocks(g))
		return -1;
	struct ghost_block **t = calloc(n, sizeof *t);
	if (!t)
		return -1;
	if (l->n_blocks)
		for (uint32_t b = blk(l->tail), k = 0; k < blocks_spanned(g, l) && k < l->n_blocks;
		     b = (b + 1) & (seq_blocks(g) - 1), k++)
			t[b & (n - 1)] = l->blocks[b & (l->n_blocks - 1)];
	free(l->blocks);
	l->blocks = t;
	l->n_blocks = n;
	return 0;
}

static struct ghost_block *block_get(struct ghost_list *l)
{
	for (int k = 1; k >= 0; k--)
		if (l->spare[k]) {
			struct ghost_block *b = l->spare[k];
			l->spare[k] = NULL;
			return b;
		}
	return malloc(sizeof(struct ghost_block));
}

/* Keeps a released block as a spare if fewer than `keep` are kept. */
static void block_put(struct ghost_list *l, struct ghost_block *b, int keep)
{
	for (int k = 0; k < keep; k++)
		if (!l->spare[k]) {
			l->spare[k] = b;
			return;
		}
	free(b);
}

/* Makes sure the head's record has a block.  0, or -1 on out of memory.
 * Needed only when the head starts a block: inside one, its block holds
 * the record before it, which the tail has not passed. */
static int head_room(const struct ghost *g, struct ghost_list *l)
{
	if (table_fit(g, l, blocks_spanned(g, l)) < 0)
		return -1;
	struct ghost_block **r = block_ref(l, l->head);
	if (!*r && !(*r = block_get(l)))
		return -1;
	return 0;
}

/* Appends a record at the head (its block exists) and returns its seq. */
static uint32_t append(const struct ghost *g, struct ghost_list *l, uint64_t hash,
		       uint32_t size)
{
	uint32_t seq = l->head;
	struct ghost_block *b = *block_ref(l, seq);
	b->hash[off(seq)] = hash;
	b->size[off(seq)] = size;
	l->head = seq_next(g, seq);
	return seq;
}

/* Moves the tail past its record, releasing a block it leaves (kept as a
 * spare while fewer than `keep` are). */
static void advance_tail(const struct ghost *g, struct ghost_list *l, int keep)
{
	uint32_t old = l->tail;
	l->tail = seq_next(g, old);
	if (off(l->tail) == 0) {
		struct ghost_block **r = block_ref(l, old);
		block_put(l, *r, keep);
		*r = NULL;
	}
}

/* The map slot of record seq of list, or UINT32_MAX if it is dead. */
static uint32_t slot_of(const struct ghost *g, int list, uint32_t seq, uint64_t hash)
{
	const struct cidx_map *m = &g->map;
	uint64_t want = (hash & HI) | slot_val(list, seq);
	for (uint32_t i = cidx_map_home(m, (uint32_t)(hash >> 32));; i = cidx_map_next(m, i)) {
		uint64_t s = m->slots[i];
		if (s == want)
			return i;
		if (!s)
			return UINT32_MAX;
	}
}

/* Takes the tail record of list off the ring (its hash and size into
 * *hash and *size) and returns its map slot, or UINT32_MAX if it was
 * dead.  keep: spare blocks to keep (advance_tail). */
static inline uint32_t pop_record(struct ghost *g, int list, int keep, uint64_t *hash, uint32_t *size)
{
	struct ghost_list *l = &g->l[list];
	uint32_t seq = l->tail;
	const struct ghost_block *b = *block_ref(l, seq);
	*hash = b->hash[off(seq)];
	*size = b->size[off(seq)];
	uint32_t i = slot_of(g, list, seq, *hash);
	advance_tail(g, l, keep);
	return i;
}

int ghost_push(struct ghost *g, int list, uint64_t id, uint32_t size)
{
	struct ghost_list *l = &g->l[list];
	if (((l->head - l->tail) & g->seq_mask) >= g->seq_mask - 4 * GHOST_BLOCK ||
	    cidx_map_reserve(&g->map) < 0 || (off(l->head) == 0 && head_room(g, l) < 0)) {
		g->oom = 1;
		return -1;
	}
	uint64_t hash = cidx_hash(id);
	uint32_t seq = append(g, l, hash, size);
	cidx_map_put(&g->map, (hash & HI) | slot_val(list, seq));
	l->n++;
	l->bytes += size;
	return 0;
}

/* Rewrites list's records in order without its dead ones: each live
 * record moves to the head and its slot (same tag, same place) is
 * renumbered.  Skipped, with nothing changed, if the blocks it may need
 * cannot be had: it saves memory and changes no result. */
static void compact(struct ghost *g, int list)
{
	struct ghost_list *l = &g->l[list];
	/* Writes never outrun reads, so the blocks in use grow by at most two
	 * (the head's partial block and one more) before the tail frees one. */
	if (table_fit(g, l, blocks_spanned(g, l) + 2) < 0)
		return;
	for (int k = 0; k < 2; k++)
		if (!l->spare[k] && !(l->spare[k] = malloc(sizeof(struct ghost_block))))
			return;
	uint32_t end = l->head;
	while (l->tail != end) {
		uint64_t hash;
		uint32_t size;
		uint32_t i = pop_record(g, list, 2, &hash, &size);
		if (i == UINT32_MAX)
			continue;
		(void)head_room(g, l); /* cannot fail: the table fits, spares wait */
		uint32_t ns = append(g, l, hash, size);
		g->map.slots[i] = (hash & HI) | slot_val(list, ns);
	}
	l->dead = 0;
	for (int k = 0; k < 2; k++) {
		free(l->spare[k]);
		l->spare[k] = NULL;
	}
}

int ghost_take(struct ghost *g, uint64_t id, uint32_t *size)
{
	return ghost_take_hashed(g, cidx_hash(id), size);
}

int ghost_take_hashed(struct ghost *g, uint64_t hash, uint32_t *size)
{
	const struct cidx_map *m = &g->map;
	uint32_t tag = (uint32_t)(hash >> 32);
	for (uint32_t i = cidx_map_home(m, tag);; i = cidx_map_next(m, i)) {
		uint64_t s = m->slots[i];
		if (!s)
			return -1;
		if ((uint32_t)(s >> 32) != tag)
			continue;
		uint32_t v = (uint32_t)s - 1;
		int list = (int)(v >> SEQ_BITS);
		uint32_t seq = v & ((1u << SEQ_BITS) - 1);
		struct ghost_list *l = &g->l[list];
		struct ghost_block *b = *block_ref(l, seq);
		if (b->hash[off(seq)] != hash)
			continue;
		*size = b->size[off(seq)];
		cidx_map_delete(&g->map, i);
		l->n--;
		l->bytes -= *size;
		l->dead++;
		if (l->dead > COMPACT_MIN && l->dead > l->n / 8)
			compact(g, list);
		return list;
	}
}

void ghost_pop(struct ghost *g, int list)
{
	struct ghost_list *l = &g->l[list];
	for (;;) {
		uint64_t hash;
		uint32_t size;
		uint32_t i = pop_record(g, list, 0, &hash, &size);
		if (i == UINT32_MAX) {
			l->dead--;
			continue;
		}
		cidx_map_delete(&g->map, i);
		l->n--;
		l->bytes -= size;
		return;
	}
}

size_t ghost_mem_bytes(const struct ghost *g)
{
	size_t n = (size_t)g->map.n_slots * sizeof *g->map.slots;
	for (int k = 0; k < GHOST_LISTS; k++) {
		const struct ghost_list *l = &g->l[k];
		n += (size_t)l->n_blocks * sizeof *l->blocks;
		for (uint32_t b = 0; b < l->n_blocks; b++)
			n += l->blocks[b] ? sizeof(struct ghost_block) : 0;
		n += (l->spare[0] ? sizeof(struct ghost_block) : 0) +
		     (l->spare[1] ? sizeof(struct ghost_block) : 0);
	}
	return n;
}
