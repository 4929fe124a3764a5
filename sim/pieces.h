/*
 * pieces — an object written into a block blob a chunk at a time, as the
 * blocks its blob is made of: the one layout that `tierref`'s Blob backend
 * (refimpl/blob.c) commits and the model of the store (models/cold.c)
 * charges.
 *
 * A block blob is written whole: it is its committed blocks end to end
 * (Put Block stages a block, Put Block List commits a list of them and
 * drops every block it does not list).  The data path writes an object
 * larger than a chunk one chunk at a time, so each chunk is a piece: a
 * block in the chunk's slot, [k * piece_bytes, (k+1) * piece_bytes), at
 * most piece_bytes long.  A piece sits at its offset only if the blocks
 * before it add up to that offset.  A piece not yet written (chunks
 * drained out of order) or a short one that is no longer the last (an
 * object that shrank while its later chunks stay listed) would move every
 * piece after it, and a read would get the wrong bytes.  Azure has no
 * sparse blob, so the gap before a piece is a fill: a block of zeros, one
 * per slot the gap covers (so at most piece_bytes), named by its offset
 * and length, so that a fill once committed is listed again, not staged
 * again, while its gap stays.  The blob ends at its last piece.
 *
 * So a commit of the pieces p_1 < ... < p_n (offsets o_i, lengths l_i)
 * lists, in order, for each i: the fills of [e_{i-1}, o_i) cut at
 * multiples of piece_bytes, then p_i; with e_0 = 0 and e_i = o_i + l_i.
 * A commit stages first the fills it lists that the blob does not hold
 * committed.
 *
 * The writes of one object's pieces go in phases, since a commit (Put
 * Block List) drops every block of the blob it does not list, staged
 * ones too (Azure's Put Block List; Azurite does the same): a Put Block
 * that lands while a commit is made would be lost.  So an object is
 * either staging or committing:
 *   - staging: each write stages its piece at once, side by side (Put
 *     Block), unless an earlier write of the object still holds its slot
 *     (not yet committed): then it waits, so two writes of one piece
 *     keep their order;
 *   - once a piece has landed, new writes wait (the phase is closed);
 *     when the last Put Block of the phase has landed, one commit lists
 *     every piece landed, with the fills its gaps need (staged first),
 *     and completes all of the phase's writes at once;
 *   - when it ends, landed or not, the waiting writes start the next
 *     phase.
 * So the pieces of an object drained in order, d at a time, need no fill
 * and take one commit per d pieces, where one piece at a time took a
 * commit each and, when times to first byte dominate, about d times as
 * long.  A gap is filled only where no write of the phase covers it
 * (chunks drained out of order across phases).
 *
 * One object's state is a struct pieces, kept in a pieces_table for the
 * life of the backend (every later commit must list every piece).  No
 * I/O, no clock: callers do the requests.
 */
#ifndef TIERSIM_PIECES_H
#define TIERSIM_PIECES_H

#include <stddef.h>
#include <stdint.h>

/* A block of a blob written in pieces: a piece (fill 0) or a fill. */
struct pieces_block {
	uint64_t off, len;
	int fill;
};

/* A write of a piece, from its arrival to the end of the commit that
 * lists it: embedded in the caller's record of the request (recover the
 * record with offsetof).  The caller sets nothing; pieces_job_arrive
 * fills it in. */
enum pieces_state { PIECES_WAITING, PIECES_STAGING, PIECES_STAGED };
struct pieces_job {
	uint64_t off, len;
	enum pieces_state state;
	struct pieces_job *next;    /* the object's writes in arrival order; then a chain handed back */
	struct pieces_job *start;   /* pieces_next_phase's chain */
};

/* One object's pieces.  A caller may embed it first in a larger entry
 * (pieces_table_get's entry_bytes). */
struct pieces {
	uint64_t object;
	struct pieces_block *ps;    /* pieces listed by the last commit made, by offset */
	size_t n, cap;
	struct pieces_block *fills; /* the fills the blob holds committed, by offset */
	size_t nfill, fillcap;
	struct pieces *hnext;
	/* the phases (above) */
	struct pieces_job *jobs, *jobs_tail; /* writes not yet completed, in arrival order */
	unsigned staging, staged;   /* writes of the phase with their Put Block in flight, landed */
	int committing;             /* a commit (its fills, its Put Block List) under way */
};

/* Adds the piece [off, off + len) by offset, or gives the one there its
 * new length (written again; with keep, the one there stays): 0, or -1
 * when out of memory. */
int pieces_add(struct pieces *p, uint64_t off, uint64_t len, int keep);

/* Adds a fill the blob holds committed (one found in it): 0, or -1. */
int pieces_fill_held(struct pieces *p, const struct pieces_block *f);

/* Calls fn on each block of a commit of p's pieces, in order (above).
 * Stops at fn's first nonzero answer and returns it; 0 when it went
 * through.  Pieces start at multiples of piece_bytes and are no longer. */
typedef int (*pieces_fn)(void *arg, const struct pieces_block *bl);
int pieces_walk(const struct pieces *p, uint64_t piece_bytes, pieces_fn fn, void *arg);

/* The first fill a commit lists, at or after offset from, that the blob
 * does not hold committed: 1 with it in *f, or 0. */
int pieces_fill_to_stage(const struct pieces *p, uint64_t piece_bytes, uint64_t from, struct pieces_block *f);

/* A commit landed: the fills it listed are the ones held now.  0, or -1
 * when out of memory (then none is held, and each is staged again). */
int pieces_committed(struct pieces *p, uint64_t piece_bytes);

/* The phases (above).  Every call is O(writes of the object not yet
 * completed); none calls back.
 *
 * A write of [off, off + len) arrives: 1 when it stages now (its Put
 * Block: the caller makes it), 0 when it waits. */
int pieces_job_arrive(struct pieces *p, struct pieces_job *j, uint64_t off, uint64_t len);

/* j's Put Block landed: 1 when the phase's commit is to start now
 * (pieces_commit_begin, then its fills and Put Block List). */
int pieces_job_staged(struct pieces *p, struct pieces_job *j);

/* j, staging, failed (or was never started): it leaves the object.  1
 * when the phase's commit is to start now (by one of the landed writes,
 * pieces_first_staged), as in pieces_job_staged. */
int pieces_job_failed(struct pieces *p, struct pieces_job *j);

/* A landed write of the phase (to make its commit), or NULL. */
struct pieces_job *pieces_first_staged(const struct pieces *p);

/* The commit starts: the landed pieces join the list it makes.  0, or -1
 * when out of memory (the commit is still under way; end it, failed). */
int pieces_commit_begin(struct pieces *p);

/* The commit ended (landed or not): the phase's writes, which it
 * completes, leave the object and are handed back chained by next. */
struct pieces_job *pieces_commit_end(struct pieces *p);

/* The next phase: while the phase is open (no write landed, no commit
 * under way), the waiting writes that may stage now (the first of each
 * slot), each now staging, chained by start in arrival order (read a
 * job's start before acting on it: a failure takes it out); the caller
 * makes their Put Blocks.  NULL when there is none.  Call it when a
 * commit ends and when a write fails. */
struct pieces_job *pieces_next_phase(struct pieces *p);

/* Objects' pieces by object id: 1,024 chained buckets. */
struct pieces_table {
	struct pieces *b[1024];
};

/* The object's entry, or NULL. */
struct pieces *pieces_table_find(struct pieces_table *t, uint64_t object);
/* The object's entry, made on first use (entry_bytes >= sizeof(struct
 * pieces), zeroed, the struct pieces first); NULL when out of memory. */
struct pieces *pieces_table_get(struct pieces_table *t, uint64_t object, size_t entry_bytes);
/* Frees every entry (not the table itself). */
void pieces_table_clear(struct pieces_table *t);

#endif
