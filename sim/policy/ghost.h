/*
 * ghost — FIFO lists of ghost entries: the ids and sizes of objects a
 * cache no longer holds (ARC's B1 and B2, S3-FIFO's G) or has not yet
 * admitted (the second-hit admission window).
 *
 * A ghost is only ever added at its list's newest end and leaves from the
 * oldest end or, when its object is requested again, from anywhere.  So a
 * list needs no links: it is a ring of 12-byte records in arrival order,
 * and a ghost taken from the middle leaves a dead record behind, skipped
 * when the oldest end reaches it.  A list whose dead records pass 1/8 of
 * its live ones (and 64) is compacted, in order.
 *
 * A record keeps the key's hash (cidx_hash, MurmurHash3's finaliser less
 * its last step, a bijection on 64 bits, so the hash identifies the key
 * exactly) and the size.  Its slot in a cidx_map keeps the hash's top 32
 * bits as the tag and, in its low 32 bits, the list and the record's
 * sequence number; the record's hash finds its slot again when the record
 * leaves.
 *
 * Per ghost: 12 bytes of record (13.5 at most with dead records) plus its
 * slot (10-12.5 bytes in a large map, cache_index.h), against a 24-byte
 * entry plus a slot when a ghost was a list entry in the policy's index.
 * Records come in blocks of GHOST_BLOCK (3 KiB); a block is freed as
 * soon as the oldest end leaves it.
 *
 * Private to sim/policy/.  Out of memory in ghost_push is reported by its
 * return value and also kept in `oom`, for callers that find out later.
 */
#ifndef TIERSIM_POLICY_GHOST_H
#define TIERSIM_POLICY_GHOST_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cache_index.h"

#define GHOST_LISTS 2
#define GHOST_BLOCK_SHIFT 8
#define GHOST_BLOCK (1u << GHOST_BLOCK_SHIFT)

struct ghost_block {
	uint64_t hash[GHOST_BLOCK];
	uint32_t size[GHOST_BLOCK];
};

struct ghost_list {
	uint32_t tail, head;       /* sequence numbers: records [tail, head) */
	uint64_t n, bytes;         /* live ghosts and their bytes */
	uint64_t dead;             /* dead records in [tail, head) */
	struct ghost_block **blocks; /* by (seq / GHOST_BLOCK) % n_blocks; NULL: none */
	uint32_t n_blocks;         /* a power of two, or 0 */
	struct ghost_block *spare[2]; /* blocks kept for reuse during compaction */
};

struct ghost {
	struct cidx_map map;
	struct ghost_list l[GHOST_LISTS];
	uint32_t seq_mask;         /* sequence numbers run modulo seq_mask + 1 */
	int oom;                   /* a ghost_push ran out of memory */
};

/* GHOST_LISTS lists, numbered from 0; one that is never used costs
 * nothing.  Returns 0, or -1 on out of memory. */
int ghost_init(struct ghost *g);
/* The same with sequence numbers modulo 2^seq_bits (11 to 30; ghost_init
 * takes 30), so a test can wrap them around. */
int ghost_init_seq_bits(struct ghost *g, int seq_bits);
void ghost_destroy(struct ghost *g);

/* Adds id at list's newest end.  Returns 0, or -1 on out of memory (the
 * ghost is not added and g->oom is set).  id must not be a ghost already. */
int ghost_push(struct ghost *g, int list, uint64_t id, uint32_t size);

/* If id is a ghost, removes it and returns its list, its size in *size;
 * else returns -1. */
int ghost_take(struct ghost *g, uint64_t id, uint32_t *size);
/* ghost_take of the id whose cidx_hash is hash (a caller that has it). */
int ghost_take_hashed(struct ghost *g, uint64_t hash, uint32_t *size);

/* Removes list's oldest ghost; the list must not be empty. */
void ghost_pop(struct ghost *g, int list);

static inline uint64_t ghost_n(const struct ghost *g, int list) { return g->l[list].n; }
static inline uint64_t ghost_bytes(const struct ghost *g, int list) { return g->l[list].bytes; }

/* Bytes held: the map, the record blocks and their tables. */
size_t ghost_mem_bytes(const struct ghost *g);

#endif
