/*
 * path — the tiered data path of one GPU node (semantics in path.h).
 *
 * How it is built.  Every piece of work in flight is a small heap object
 * on one of the path's allocation lists (so path_free can reclaim what a
 * run left in flight), and every step ends in a backend submit whose
 * completion, delivered by the executor, runs the next step:
 *
 *   struct rq     a caller's request; counts its chunks outstanding
 *   struct tio    one access to one tier: its metadata operations in
 *                 sequence, then the data READ or WRITE, then `cont`
 *   struct fetch  a read miss in flight, keyed by chunk in `pending`;
 *                 its waiters are delivered when the fetch completes
 *   struct wop    a chunk write arriving at one tier (the tier's write
 *                 policy decides what it does there and below)
 *   struct dirty  a dirty chunk of a write-back tier, in the tier's dirty
 *                 map and (until drained) its FIFO drain queue
 *
 * Invariants kept here:
 *   - an rq completes when its `remaining` count (one per chunk plus one
 *     guard held while the request is being issued) reaches zero, and the
 *     user callback runs from an executor callback, never from inside
 *     path_read/path_write;
 *   - `pending` holds exactly the fetches in flight; a chunk has at most
 *     one;
 *   - a tier's dirty_bytes is the sum of the lengths of the dirty records
 *     in its map; each record is in the drain queue iff its state is
 *     QUEUED;
 *   - policies are only changed through pol_access / insert / remove, so
 *     their capacity invariant (policy.h) is theirs to keep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cache_index.h"
#include "sim/path.h"

/* ---- allocation: every object is on a list that path_free frees ----
 *
 * An object of a size class (see p_alloc) is made once and then reused:
 * it joins the list `all` when it is made and stays there, in use or
 * spare, so that using and freeing it move it on no list but its class's
 * spare list (a doubly linked list of the objects in use had cost 2% of
 * the three-tier bench).  A larger one is freed at once, and sits on the
 * doubly linked `big` list while in use. */

struct live {
	struct live *prev, *next; /* cls 0: on `big`; else next: the spare list, while spare */
	struct live *all;         /* cls > 0: the next on `all` */
	uint32_t cls;             /* size class (see p_alloc); 0: none, freed at once */
};

union live_hdr {
	struct live l;
	max_align_t align;
};

/* Size classes of P_CLASS_BYTES for p_alloc's reuse lists; class c holds
 * objects of up to c * P_CLASS_BYTES bytes (larger ones are not kept). */
#define P_CLASS_BYTES 32u
#define P_CLASSES 16u

enum dirty_state { D_WRITING, D_QUEUED, D_DRAINING };

struct dirty {
	uint64_t key, obj, idx, len;
	uint32_t tier; /* the write-back tier whose record this is */
	uint8_t state;
	uint8_t redirty;
	struct dirty *next, *prev; /* drain queue (QUEUED) */
};

/* The client's metadata cache: obj -> expiry (ns), entries never removed.
 * Its own open-addressing table (linear probing, load <= 3/4) rather than
 * a cidx: the key and the value share the slot, so a lookup in a table
 * larger than the CPU's caches misses once instead of twice (slot, then
 * entry), and one prefetch of the slot (path_prefetch) covers it.  On
 * bench/three_tiers.ini this lookup was the largest single cost. */
struct mc_slot {
	uint64_t key1;  /* obj + 1; 0: empty */
	uint64_t exp_ns; /* | MC_CREATING */
};

/* exp_ns's top bit: a write of the object is in its metadata steps
 * (premeta, below).  Expiries stop short of it (2^63 ns is 292 years). */
#define MC_CREATING ((uint64_t)1 << 63)

struct mcache {
	struct mc_slot *slot;
	uint32_t bits;   /* log2 of the number of slots */
	uint64_t count;
};

#define MC_MIN_BITS 6

static int mc_init(struct mcache *m)
{
	m->bits = MC_MIN_BITS;
	m->count = 0;
	m->slot = calloc((size_t)1 << m->bits, sizeof *m->slot);
	return m->slot ? 0 : -1;
}

static void mc_destroy(struct mcache *m)
{
	free(m->slot);
	m->slot = NULL;
}

static size_t mc_home(const struct mcache *m, uint64_t obj)
{
	return (size_t)(cidx_hash(obj) >> (64 - m->bits));
}

/* The slot holding obj, or the empty slot where it would go. */
static struct mc_slot *mc_probe(const struct mcache *m, uint64_t obj)
{
	size_t mask = ((size_t)1 << m->bits) - 1;
	for (size_t i = mc_home(m, obj);; i = (i + 1) & mask) {
		struct mc_slot *s = &m->slot[i];
		if (s->key1 == obj + 1 || s->key1 == 0)
			return s;
	}
}

/* Doubles the table; -1 on out of memory (the table is unchanged). */
static int mc_grow(struct mcache *m)
{
	struct mcache n = { .bits = m->bits + 1, .count = m->count };
	if (n.bits > 40 || !(n.slot = calloc((size_t)1 << n.bits, sizeof *n.slot)))
		return -1;
	for (size_t i = 0; i < (size_t)1 << m->bits; i++)
		if (m->slot[i].key1)
			*mc_probe(&n, m->slot[i].key1 - 1) = m->slot[i];
	free(m->slot);
	*m = n;
	return 0;
}

/* Always inlined: see cidx_prefetch. */
static inline __attribute__((always_inline)) void mc_prefetch(const struct mcache *m, uint64_t obj)
{
	__builtin_prefetch(&m->slot[mc_home(m, obj)]);
}

struct wop;

struct tier {
	char *name;
	uint64_t capacity_bytes;
	uint64_t chunk_bytes;    /* the path's, for on_evict */
	int bounded;
	struct pol pol;
	int pol_shared;          /* pol belongs to the caller (shared_policy) */
	enum path_write_policy wp;
	uint64_t dirty_budget_bytes;
	uint32_t drain_depth;
	struct backend data, meta;
	enum path_meta_kind meta_kind;
	uint64_t meta_ttl_ns;
	struct mcache meta_cache; /* obj -> expiry (ns), and MC_CREATING */
	struct cidx dirty_map;   /* chunk key -> struct dirty * */
	/* A backend that frees what the tier evicts (discard): chunk key ->
	 * struct rpin, the reads of the tier's chunks decided and not done
	 * (a hit's read can go to the backend milliseconds after the lookup,
	 * behind its object's writes or its metadata); a chunk evicted
	 * meanwhile is discarded when the last of them ends.  (Discarded at
	 * once, a hit read zeros: tierref's wrong content at outstanding 8.)
	 * Unused, and no cost, in a simulation: modelled backends free
	 * nothing. */
	struct cidx reading;
	struct cidx *rd;         /* &reading, or a shared tier's (every node's reads) */
	/* With pins_on, a node tier's chunks reserved by a miss whose fill
	 * has not been issued, and that hold no bytes here (chunk key; the
	 * entry is the key alone): one that leaves the tier before its fill
	 * is not discarded.  A real file has nothing there (tierref's punch
	 * found no file, or a hole), and a model that charges its drive for
	 * discards (nvme discard_bw) charged for 6.6 GB of make validate's
	 * KV-cache case where tierref punched 2.6 GB.  Shared tiers do not
	 * track them (their chunks are discarded when they leave).  A
	 * pointer, not the table: a simulation without discards never
	 * uses it, and a larger struct tier cost every request 23
	 * instructions on bench/three_tiers.ini (its index arithmetic). */
	struct cidx *unfilled;
	/* Objects with accesses held until a write's CREATE of them is over
	 * (its data operation submitted, so that ord orders them after it):
	 * obj -> struct premeta. */
	struct cidx premeta;
	size_t npremeta;
	int pins_on;
	struct path_shared *sh;  /* a shared residency, or NULL */
	uint64_t dirty_bytes;
	uint32_t draining;
	struct dirty *dq_head, *dq_tail;   /* drain queue (QUEUED) */
	struct wop *wq_head, *wq_tail;     /* writes waiting for budget */
	/* Write-back: chunk key -> struct wq_key, the chunks with writes in
	 * wq, and the reads of them that wait for those writes to go. */
	struct cidx wq_keys;
	struct met_series *moved[2];       /* [is_write]: bytes over time, or NULL */
	struct path_tier_stats st;
};

struct path {
	struct exec x;
	uint64_t chunk_bytes;
	uint32_t client;
	size_t n;
	struct tier t[PATH_MAX_TIERS];
	struct cidx pending;     /* chunk key -> struct fetch * */
	struct live big;         /* sentinel: objects of no size class in use */
	struct live *all;        /* every object of a size class, in use or spare */
	size_t n_live;           /* objects in use */
	/* Freed objects kept for reuse, one list per size class (chained
	 * through live.next): every request allocates and frees several
	 * small objects, and malloc/free cost more than the rest of the
	 * step.  Bounded by the peak number in flight. */
	union live_hdr *spare[P_CLASSES];
	size_t n_rq;
	size_t n_wq_keys;        /* entries of the tiers' wq_keys, summed */
	uint32_t shared_mask;    /* bit s: tier s is shared (sh) */
	struct path_stats st;
	int failed;
	char fail_msg[256];
};

struct kv_ptr {
	uint64_t key;
	void *ptr;
};

/* A chunk with writes waiting for a write-back tier's budget, and the
 * reads of it that arrived meanwhile. */
struct rwait {
	struct rq *r;
	uint64_t obj, obj_bytes, idx, clen, off, len;
	struct rwait *next;
};

struct wq_key {
	uint64_t key;
	uint32_t n; /* writes of it in wq */
	struct rwait *head, *tail;
};

struct rpin {
	uint64_t key;
	uint32_t n;       /* reads in flight */
	uint32_t evicted; /* evicted meanwhile: discard when n reaches 0 */
};

/* A residency the nodes share (path.h).  A node's miss reserves the chunk
 * in pol at once, as a node tier's does, but the fill is written only when
 * that node's fetch is back; another node's lookup meanwhile finds the
 * chunk and must not read it yet (tierref read a file not yet written:
 * ENOENT), so its read waits for that fetch (sfill_wait) and goes to the
 * tier once the fill is issued, behind it (ord): the nodes' misses on a
 * chunk make one fetch, as a shared cache's clients do.  The nodes' reads
 * pin its chunks in one table, for the discards of the policy's
 * evictions. */
struct tio;
struct swait {
	struct path *p; /* the waiting node's */
	size_t tier;
	uint64_t obj, off, len;
	uint64_t need;  /* the chunk's bytes it reads: up to off + len */
	void (*cont)(struct path *, struct tio *);
	void *arg;
	struct swait *next;
};

struct sfill {
	uint64_t key;
	uint32_t n; /* fetches under way that reserved it */
	struct swait *head, *tail;
};

struct path_shared {
	struct pol *pol;
	struct backend data;
	uint64_t chunk_bytes;
	int pins_on;          /* data frees what is evicted (discard) */
	struct cidx reading;  /* pins_on: chunk key -> struct rpin */
	struct cidx filling;  /* chunk key -> struct sfill */
	size_t nfilling;
	/* Objects some node's write is in its metadata steps for here (a
	 * CREATE, a GETATTR) -> struct spremeta: every node's accesses of
	 * them wait until its data operation is submitted (premeta, below;
	 * a node's own metadata cache holds only its own accesses, and
	 * another node's LOOKUP reached the directory before the file was
	 * created: ENOENT in tierref, a hit in tiersim). */
	struct cidx premeta;
	size_t npremeta;
	uint32_t npaths;      /* the paths made over it: with one, nobody waits */
};

/* A reused object is zeroed unless `zero` is 0: the caller then sets every
 * field it reads (struct tio: zeroing its 200 bytes was a quarter of
 * tio_start's time on bench/three_tiers.ini). */
static void *p_alloc_z(struct path *p, size_t n, int zero)
{
	uint32_t cls = (uint32_t)((n + P_CLASS_BYTES - 1) / P_CLASS_BYTES);
	union live_hdr *h;
	if (cls < P_CLASSES && p->spare[cls]) {
		h = p->spare[cls];
		p->spare[cls] = (union live_hdr *)h->l.next;
		if (zero)
			memset(h + 1, 0, (size_t)cls * P_CLASS_BYTES);
	} else {
		if (cls >= P_CLASSES)
			cls = 0;
		h = calloc(1, sizeof *h + (cls ? (size_t)cls * P_CLASS_BYTES : n));
		if (!h)
			return NULL;
		h->l.cls = cls;
		if (cls) {
			h->l.all = p->all;
			p->all = &h->l;
		} else {
			h->l.next = p->big.next;
			h->l.prev = &p->big;
			p->big.next->prev = &h->l;
			p->big.next = &h->l;
		}
	}
	p->n_live++;
	return h + 1;
}

static void *p_alloc(struct path *p, size_t n)
{
	return p_alloc_z(p, n, 1);
}

static void p_free(struct path *p, void *o)
{
	if (!o)
		return;
	union live_hdr *h = (union live_hdr *)o - 1;
	p->n_live--;
	if (!h->l.cls) {
		h->l.prev->next = h->l.next;
		h->l.next->prev = h->l.prev;
		free(h);
		return;
	}
	h->l.next = (struct live *)p->spare[h->l.cls];
	p->spare[h->l.cls] = h;
}

static void p_fail(struct path *p, const char *what)
{
	if (!p->failed) {
		p->failed = 1;
		snprintf(p->fail_msg, sizeof p->fail_msg, "path: out of memory (%s)", what);
	}
}

static uint64_t chunk_key(uint64_t obj, uint64_t idx)
{
	return obj << PATH_IDX_BITS | idx;
}

/* The chunk index in a chunk key. */
static uint64_t chunk_idx(uint64_t key)
{
	return key & (((uint64_t)1 << PATH_IDX_BITS) - 1);
}

static uint64_t now(const struct path *p)
{
	return exec_now(&p->x);
}

/* ---- requests ---- */

struct rq {
	path_done_fn done;
	void *ctx;
	int is_write;
	int status;
	uint64_t remaining;
	uint64_t bytes;
	uint64_t start_ns;
};

static void rq_complete_cb(void *arg);

static void rq_finish(struct path *p, struct rq *r)
{
	if (r->status != BK_OK)
		p->st.failed++;
	if (r->is_write) {
		p->st.writes_done++;
		p->st.write_acked_bytes += r->bytes;
	} else {
		p->st.reads_done++;
		p->st.read_delivered_bytes += r->bytes;
	}
	p->n_rq--;
	path_done_fn done = r->done;
	void *ctx = r->ctx;
	int status = r->status;
	uint64_t bytes = r->bytes;
	p_free(p, r);
	done(ctx, status, bytes);
}

/* A request's completion scheduled for now (used when the last chunk
 * finished while the request was still being issued). */
struct rq_later {
	struct path *p;
	struct rq *r;
};

static void rq_complete_cb(void *arg)
{
	struct rq_later *l = arg;
	struct path *p = l->p;
	struct rq *r = l->r;
	p_free(p, l);
	rq_finish(p, r);
}

static void rq_chunk_done(struct path *p, struct rq *r, uint64_t bytes, int status)
{
	if (status == BK_OK)
		r->bytes += bytes;
	else if (r->status == BK_OK)
		r->status = status;
	if (--r->remaining == 0)
		rq_finish(p, r);
}

/* Drops the issuing guard: completes through the executor if every chunk
 * is already done. */
static void rq_release_guard(struct path *p, struct rq *r)
{
	if (--r->remaining > 0)
		return;
	struct rq_later *l = p_alloc(p, sizeof *l);
	if (l) {
		l->p = p;
		l->r = r;
		if (exec_at(&p->x, now(p), rq_complete_cb, l))
			return;
		p_free(p, l);
	}
	/* The executor could not take it: it fails its run (exec.h). */
	p_fail(p, "completion");
}

/* ---- tier I/O: metadata operations, then the data operation ---- */

struct tio;
typedef void (*tio_cont)(struct path *p, struct tio *io);

struct tio {
	struct path *p;
	size_t tier;
	int is_write;
	uint64_t obj, off, len;
	uint64_t data_ns;       /* when the data operation went to the backend */
	enum bk_op meta[2];
	int nmeta, step;
	int status;
	int creates;            /* a write with metadata steps before its data (CREATE,
				 * GETATTR): it set MC_CREATING */
	int held;               /* planned during another write's metadata steps: premeta_hold */
	int sheld;              /* registered at, or held by, the shared tier's premeta */
	struct bk_req req;
	tio_cont cont;
	void *arg;
	struct tio *held_next;  /* in premeta */
};

/* A write of a new file creates it (CREATE) before its data operation,
 * and one of a file whose cached attributes expired checks them
 * (GETATTR); ord sees only the data operation.  But the write refreshed
 * the object in the metadata cache at once, so an access of it meanwhile
 * had no metadata step of its own and went straight to the data backend,
 * before the write (tierref: ENOENT, a short read of an object the write
 * grew, or data overwritten by the older write; tiersim: a read served
 * before its fill was written).  Such an access is held, in order, until
 * the write's metadata steps are over; a held write with metadata steps
 * of its own holds the accesses behind it in turn (premeta_release). */
struct premeta {
	uint64_t key; /* the object */
	struct tio *head, *tail;
};

/* The same at a shared tier, for every node (struct path_shared). */
struct spremeta {
	uint64_t key; /* the object */
	uint32_t n;   /* writes of it in their metadata steps, not held */
	struct tio *head, *tail;
};

static void read_unpin(struct path *p, struct tier *t, uint64_t key) __attribute__((noinline, cold));

static void premeta_done(struct tier *t, struct tio *io) __attribute__((noinline));

static inline __attribute__((always_inline)) void tio_finish(struct path *p, struct tio *io, int status)
{
	io->status = status;
	struct tier *t = &p->t[io->tier];
	if (__builtin_expect(io->creates, 0) && io->step < io->nmeta)
		premeta_done(t, io); /* failed before its data */
	if (status != BK_OK)
		t->st.errors++;
	if (__builtin_expect(t->pins_on, 0) && !io->is_write)
		read_unpin(p, t, chunk_key(io->obj, io->off / p->chunk_bytes));
	io->cont(p, io);
	p_free(p, io);
}

static void tio_fail_cb(void *arg)
{
	struct tio *io = arg;
	tio_finish(io->p, io, BK_EIO);
}

static void tio_bk_done(struct bk_req *req);
static void tio_next(struct path *p, struct tio *io);

/* io to the end of a held queue. */
static void held_append(struct tio **head, struct tio **tail, struct tio *io)
{
	io->held_next = NULL;
	if (*tail)
		(*tail)->held_next = io;
	else
		*head = io;
	*tail = io;
}

/* An access planned while a write of its object is in its metadata steps
 * (io->held): queued behind that write.  -1 on out of memory (it goes on
 * unheld). */
static __attribute__((cold, noinline)) int premeta_hold(struct tier *t, struct tio *io)
{
	uint32_t h = cidx_find(&t->premeta, io->obj);
	if (h == CIDX_NONE) {
		if ((h = cidx_insert(&t->premeta, io->obj)) == CIDX_NONE)
			return -1;
		struct premeta *m = cidx_at(&t->premeta, h);
		m->head = m->tail = NULL;
		t->npremeta++;
	}
	struct premeta *m = cidx_at(&t->premeta, h);
	held_append(&m->head, &m->tail, io);
	return 0;
}

/* Releases a held queue, in order, up to and including the first access
 * that is itself a write in its metadata steps: the rest stay held behind
 * that one (*head keeps them).  Returns the released ones, in order. */
static struct tio *premeta_release(struct tio **head, struct tio **tail)
{
	struct tio *go = *head, *io = go;
	while (io && !io->creates)
		io = io->held_next;
	if (!io) {
		*head = *tail = NULL;
		return go;
	}
	*head = io->held_next;
	if (!*head)
		*tail = NULL;
	io->held_next = NULL;
	return go;
}

/* Released accesses (linked by held_next) go on, in order, each at its
 * own node's path. */
static void held_go(struct tio *go)
{
	while (go) {
		struct tio *next = go->held_next;
		tio_next(go->p, go);
		go = next;
	}
}

/* Every node's accesses of obj held at shared tier sh behind the write
 * that just submitted its data (or failed before it). */
static void spremeta_done(struct path_shared *sh, uint64_t obj)
{
	uint32_t h = cidx_find(&sh->premeta, obj);
	if (h == CIDX_NONE)
		return;
	struct spremeta *m = cidx_at(&sh->premeta, h);
	if (--m->n)
		return;
	struct tio *go = premeta_release(&m->head, &m->tail);
	int more = m->head != NULL;
	for (struct tio *x = go; x; x = x->held_next)
		if (x->creates)
			m->n++; /* the one the rest wait for now */
	if (!m->n && !more) {
		cidx_remove(&sh->premeta, h);
		sh->npremeta--;
	}
	held_go(go);
}

/* The metadata steps of a write (io) are over (its data submitted, or it
 * failed): the accesses held behind it go on, in order, up to the next
 * write with metadata steps of its own. */
static void premeta_done(struct tier *t, struct tio *io)
{
	uint64_t obj = io->obj;
	struct tio *go = NULL;
	int more = 0;
	if (__builtin_expect(t->npremeta != 0, 0)) {
		uint32_t h = cidx_find(&t->premeta, obj);
		if (h != CIDX_NONE) {
			struct premeta *m = cidx_at(&t->premeta, h);
			go = premeta_release(&m->head, &m->tail);
			if (!(more = m->head != NULL)) {
				cidx_remove(&t->premeta, h);
				t->npremeta--;
			}
		}
	}
	int creating = more;
	for (struct tio *x = go; x; x = x->held_next)
		creating |= x->creates;
	struct mc_slot *ms = mc_probe(&t->meta_cache, obj);
	if (ms->key1 == obj + 1 && !creating)
		ms->exp_ns &= ~MC_CREATING;
	held_go(go);
	if (io->sheld)
		spremeta_done(t->sh, obj);
}

static void tio_next(struct path *p, struct tio *io)
{
	struct tier *t = &p->t[io->tier];
	struct bk_req *q = &io->req;
	/* Every field but the backend's private ones (backend.h: each backend
	 * sets what it reads of those); a memset of the whole request was
	 * 3% of this path's instructions. */
	q->object = io->obj;
	q->offset = 0;
	q->length = 0;
	q->client = p->client;
	q->buf = NULL;
	q->done = tio_bk_done;
	q->ctx = io;
	q->status = 0;
	q->retries = 0;
	q->submit_ns = 0;
	const struct backend *b;
	if (io->step < io->nmeta) {
		q->op = io->meta[io->step];
		t->st.meta_ops[q->op]++;
		b = &t->meta;
	} else {
		q->op = io->is_write ? BK_WRITE : BK_READ;
		q->offset = io->off;
		q->length = io->len;
		io->data_ns = now(p);
		b = &t->data;
	}
	int rc = bk_submit(b, q);
	if (__builtin_expect(io->creates, 0) && io->step == io->nmeta)
		premeta_done(t, io); /* ord has its data now (or it failed) */
	if (rc == 0)
		return;
	/* Out of memory in the backend: fail this access, from the executor. */
	p_fail(p, "backend submit");
	if (!exec_at(&p->x, now(p), tio_fail_cb, io))
		p_fail(p, "executor");
}

static void tio_bk_done(struct bk_req *req)
{
	struct tio *io = req->ctx;
	struct path *p = io->p;
	struct tier *t = &p->t[io->tier];
	if (req->status != BK_OK) {
		tio_finish(p, io, req->status);
		return;
	}
	if (io->step < io->nmeta) {
		io->step++;
		tio_next(p, io);
		return;
	}
	if (io->is_write)
		t->st.write_bytes += io->len;
	else
		t->st.read_bytes += io->len;
	if (t->moved[io->is_write])
		met_spread(t->moved[io->is_write], io->data_ns, now(p), (double)io->len);
	tio_finish(p, io, BK_OK);
}

/* Decides the metadata operations of an access (path.h, "Metadata") and
 * refreshes the client cache entry. */
static int tio_plan_meta(struct path *p, struct tio *io)
{
	struct tier *t = &p->t[io->tier];
	io->nmeta = 0;
	if (!t->meta.ops || t->meta_kind == PATH_META_NONE)
		return 0;
	uint64_t tnow = now(p);
	struct mc_slot *ms = mc_probe(&t->meta_cache, io->obj);
	int known = ms->key1 != 0;
	uint64_t creating = known ? ms->exp_ns & MC_CREATING : 0;
	int fresh = known && (ms->exp_ns & ~MC_CREATING) > tnow;
	io->held = creating != 0;
	if (t->meta_kind == PATH_META_FILE) {
		if (!known) {
			if (io->is_write) {
				io->meta[io->nmeta++] = BK_CREATE;
				io->creates = 1;
				creating = MC_CREATING;
			} else {
				io->meta[io->nmeta++] = BK_LOOKUP;
				io->meta[io->nmeta++] = BK_OPEN;
			}
		} else if (!fresh) {
			io->meta[io->nmeta++] = BK_GETATTR;
			if (io->is_write) {
				/* Its data goes after the GETATTR: an access
				 * of the object meanwhile, fresh in the cache,
				 * would reach ord before it (tierref: a short
				 * read of a grown object). */
				io->creates = 1;
				creating = MC_CREATING;
			}
		}
	} else if (t->meta_kind == PATH_META_OBJECT) {
		if (!io->is_write && !fresh)
			io->meta[io->nmeta++] = BK_HEAD;
	}
	if (!known) {
		struct mcache *mc = &t->meta_cache;
		if (mc->count + 1 > ((uint64_t)3 << mc->bits) / 4) {
			if (mc_grow(mc) < 0)
				return -1;
			ms = mc_probe(mc, io->obj);
		}
		ms->key1 = io->obj + 1;
		mc->count++;
	}
	uint64_t exp = tnow + t->meta_ttl_ns;
	if (exp < tnow || exp >= MC_CREATING)
		exp = MC_CREATING - 1;
	ms->exp_ns = exp | creating;
	return 0;
}

/* A miss at tier t reserved the chunk, and its fill is to come: the tier
 * holds no bytes of it, unless a read of an earlier residency still pins
 * them (their discard waited for that read, which found the chunk back)
 * or a dirty record keeps them (dirty_holds).  Not tracked on out of
 * memory: the chunk is then discarded when it leaves, which is safe. */
static void unfilled_add(struct tier *t, uint64_t key) __attribute__((noinline, cold));
static void unfilled_add(struct tier *t, uint64_t key)
{
	if (t->sh || cidx_find(t->rd, key) != CIDX_NONE || cidx_find(&t->dirty_map, key) != CIDX_NONE ||
	    cidx_find(t->unfilled, key) != CIDX_NONE)
		return;
	(void)cidx_insert(t->unfilled, key);
}

/* Whether the chunk was reserved and holds no bytes here.  Either way it
 * is tracked no more: its bytes are on their way (a fill, a write), or it
 * has left the tier. */
static int unfilled_take(struct tier *t, uint64_t key) __attribute__((noinline, cold));
static int unfilled_take(struct tier *t, uint64_t key)
{
	if (!t->unfilled || !cidx_count(t->unfilled))
		return 0;
	uint32_t h = cidx_find(t->unfilled, key);
	if (h == CIDX_NONE)
		return 0;
	cidx_remove(t->unfilled, h);
	return 1;
}

static int read_pin(struct tier *t, uint64_t key) __attribute__((noinline, cold));
static int read_pin(struct tier *t, uint64_t key)
{
	uint32_t h = cidx_find(t->rd, key);
	if (h == CIDX_NONE) {
		if ((h = cidx_insert(t->rd, key)) == CIDX_NONE)
			return -1;
		struct rpin *r = cidx_at(t->rd, h);
		r->n = 0;
		r->evicted = 0;
	}
	((struct rpin *)cidx_at(t->rd, h))->n++;
	return 0;
}

/* At a shared tier every node's accesses are ordered here, the node's
 * own too (its premeta queue is not used there: an access it released
 * went to the tier before another node's write that its own node's fill
 * was queued behind, and read a chunk not written yet).  An access of an
 * object that a write (any node's) is in its metadata steps for is held
 * behind it (returns 1); a write with metadata steps of its own that is
 * not held registers, so that the others wait for it (returns 0).  -1 on
 * out of memory. */
static int spremeta_hold(struct path_shared *sh, struct tio *io)
{
	uint32_t h = sh->npremeta ? cidx_find(&sh->premeta, io->obj) : CIDX_NONE;
	if (h == CIDX_NONE) {
		if (!io->creates)
			return 0;
		if ((h = cidx_insert(&sh->premeta, io->obj)) == CIDX_NONE)
			return -1;
		struct spremeta *m = cidx_at(&sh->premeta, h);
		m->n = 1;
		m->head = m->tail = NULL;
		sh->npremeta++;
		io->sheld = 1;
		return 0;
	}
	struct spremeta *m = cidx_at(&sh->premeta, h);
	io->sheld = io->creates;
	held_append(&m->head, &m->tail, io);
	return 1;
}

/* Starts an access; cont(p, io) runs when it is over (io->status), never
 * from inside this call.  Returns -1 (nothing scheduled) on out of
 * memory. */
static int tio_start(struct path *p, size_t tier, int is_write, uint64_t obj, uint64_t off,
		     uint64_t len, tio_cont cont, void *arg)
{
	struct tio *io = p_alloc_z(p, sizeof *io, 0); /* every field set below or before use */
	if (!io) {
		p_fail(p, "tier access");
		return -1;
	}
	io->p = p;
	io->tier = tier;
	io->is_write = is_write;
	io->obj = obj;
	io->off = off;
	io->len = len;
	io->cont = cont;
	io->arg = arg;
	io->step = 0;
	io->status = BK_OK;
	io->creates = 0;
	io->held = 0;
	io->sheld = 0;
	if (tio_plan_meta(p, io) < 0) {
		p_free(p, io);
		p_fail(p, "metadata cache");
		return -1;
	}
	struct tier *t = &p->t[tier];
	if (__builtin_expect(t->pins_on, 0)) {
		uint64_t key = chunk_key(obj, off / p->chunk_bytes);
		if (is_write) {
			(void)unfilled_take(t, key); /* its bytes are on their way */
		} else if (read_pin(t, key) < 0) {
			p_free(p, io);
			p_fail(p, "read pins");
			return -1;
		}
	}
	if (__builtin_expect(t->sh != NULL, 0) && t->sh->npaths > 1) {
		if (io->creates || t->sh->npremeta) {
			int w = spremeta_hold(t->sh, io);
			if (w > 0)
				return 0;
			if (w < 0)
				p_fail(p, "metadata order"); /* it may pass the CREATE */
		}
	} else if (__builtin_expect(io->held, 0)) {
		if (premeta_hold(t, io) == 0)
			return 0;
		p_fail(p, "metadata order"); /* it may pass the CREATE */
	}
	tio_next(p, io);
	return 0;
}

/* ---- reads ---- */

struct waiter {
	struct rq *r;
	uint64_t bytes;
};

#define FETCH_INLINE 2

struct fetch {
	uint64_t key, obj, idx, len;
	size_t serve;
	uint32_t fill_mask;
	uint32_t h;             /* its entry in pending (handles stay put) */
	uint64_t hv;            /* cidx_hash(key), for its removal from pending */
	struct waiter *w;       /* w1 until more than FETCH_INLINE wait */
	size_t nw, capw;
	struct waiter w1[FETCH_INLINE];
};

/* Most fetches have one waiter: it lives in the fetch, with no malloc. */
static void fetch_free_waiters(struct fetch *f)
{
	if (f->w != f->w1)
		free(f->w);
}

static int fetch_add_waiter(struct fetch *f, struct rq *r, uint64_t bytes)
{
	if (f->capw == 0) {
		f->w = f->w1;
		f->capw = FETCH_INLINE;
	}
	if (f->nw == f->capw) {
		size_t nc = 2 * f->capw;
		struct waiter *nw = malloc(nc * sizeof *nw);
		if (!nw)
			return -1;
		memcpy(nw, f->w, f->nw * sizeof *nw);
		fetch_free_waiters(f);
		f->w = nw;
		f->capw = nc;
	}
	f->w[f->nw].r = r;
	f->w[f->nw].bytes = bytes;
	f->nw++;
	return 0;
}

static void chunk_gone(struct tier *t, uint64_t key);
static void chunk_shrank(struct tier *t, uint64_t key, uint64_t clen) __attribute__((cold, noinline));

/* A fill that failed (a full disk, say) leaves the chunk out of the tier,
 * so that later reads fetch it from below rather than read what never
 * arrived; reads already waiting for the fill fail with it (ord.h).  A
 * chunk written since (dirty) keeps its place: the write's bytes are
 * there. */
static void tier_forget(struct path *p, size_t tier, uint64_t obj, uint64_t idx)
{
	struct tier *t = &p->t[tier];
	uint64_t key = chunk_key(obj, idx);
	if (t->bounded && cidx_find(&t->dirty_map, key) == CIDX_NONE && pol_remove(&t->pol, key))
		chunk_gone(t, key);
}

static void fill_done(struct path *p, struct tio *io)
{
	struct tier *t = &p->t[io->tier];
	if (io->status == BK_OK) {
		t->st.fill_bytes += io->len;
		return;
	}
	t->st.fill_errors++;
	tier_forget(p, io->tier, io->obj, io->off / p->chunk_bytes);
}

/* sfill_add at one shared tier that more than one path uses. */
static __attribute__((noinline)) void sfill_add_at(struct path *p, struct path_shared *sh, uint64_t key)
{
	uint32_t h = cidx_find(&sh->filling, key);
	if (h == CIDX_NONE) {
		if ((h = cidx_insert(&sh->filling, key)) == CIDX_NONE) {
			p_fail(p, "shared fills"); /* other nodes may read it early */
			return;
		}
		struct sfill *sf = cidx_at(&sh->filling, h);
		sf->n = 0;
		sf->head = sf->tail = NULL;
		sh->nfilling++;
	}
	((struct sfill *)cidx_at(&sh->filling, h))->n++;
}

/* A fetch that reserved the chunk at shared tiers (mask) has gone out.
 * Visits only the shared tiers in mask, in order, and with one path over
 * a tier (nobody to wait) does no more than test that: a loop over every
 * tier, its hash worked out up front, was 1% of the three-tier bench. */
static inline void sfill_add(struct path *p, uint64_t key, uint32_t mask)
{
	for (uint32_t m = mask & p->shared_mask; m; m &= m - 1) {
		struct path_shared *sh = p->t[__builtin_ctz(m)].sh;
		if (sh->npaths >= 2)
			sfill_add_at(p, sh, key);
	}
}

/* A read of the chunk at shared tier `tier`, by a node whose lookup found
 * it reserved by another's fetch: started when that fetch is back. */
static __attribute__((cold, noinline)) int sfill_wait(struct path *p, size_t tier, uint64_t key, uint64_t obj,
							uint64_t off, uint64_t len, tio_cont cont, void *arg)
{
	struct path_shared *sh = p->t[tier].sh;
	struct sfill *sf = cidx_at(&sh->filling, cidx_find(&sh->filling, key));
	struct swait *w = p_alloc(p, sizeof *w);
	if (!w)
		return -1;
	uint64_t cstart = chunk_idx(key) * p->chunk_bytes;
	*w = (struct swait){ p, tier, obj, off, len, off + len - cstart, cont, arg, NULL };
	if (sf->tail)
		sf->tail->next = w;
	else
		sf->head = w;
	sf->tail = w;
	return 0;
}

static void fetch_done(struct path *p, struct tio *io);

/* A read that waited at a shared tier for a fill that will not serve it
 * (the fetch failed, its chunk was evicted first, or it was shorter than
 * the read: its object grew) reads the bottom tier, which holds every
 * chunk; its hit, and its latency (a fetch's goes to f->serve), move
 * there with it. */
static void swait_to_bottom(struct swait *w)
{
	struct path *q = w->p;
	q->t[w->tier].st.hits--;
	q->t[q->n - 1].st.hits++;
	w->tier = q->n - 1;
	if (w->cont == fetch_done)
		((struct fetch *)w->arg)->serve = w->tier;
}

/* The fetch that reserved the chunk at shared tier s is back, and issued
 * its fills, of flen bytes, at the tiers in `filled`.  The reads waiting
 * at s for no more than flen bytes go to it now (behind the fill, in
 * ord); the others wait for the chunk's other fetches, and with none left
 * they read the bottom tier (swait_to_bottom). */
static __attribute__((noinline)) void sfill_done_at(struct path *p, size_t s, uint64_t key, uint32_t filled,
						     uint64_t flen)
{
	uint32_t bit = 1u << s;
	struct path_shared *sh = p->t[s].sh;
	uint32_t h = cidx_find(&sh->filling, key);
	if (h == CIDX_NONE)
		return; /* its sfill_add failed */
	struct sfill *sf = cidx_at(&sh->filling, h);
	int last = --sf->n == 0;
	/* Those to release, in order; the rest stay, in order. */
	struct swait *go = NULL, **go_tail = &go, *w = sf->head;
	sf->head = sf->tail = NULL;
	while (w) {
		struct swait *next = w->next;
		w->next = NULL;
		if ((filled & bit) && w->need <= flen) {
			*go_tail = w;
			go_tail = &w->next;
		} else if (last) {
			swait_to_bottom(w);
			*go_tail = w;
			go_tail = &w->next;
		} else {
			if (sf->tail)
				sf->tail->next = w;
			else
				sf->head = w;
			sf->tail = w;
		}
		w = next;
	}
	if (last) {
		cidx_remove(&sh->filling, h);
		sh->nfilling--;
	}
	while (go) {
		struct swait *next = go->next;
		struct path *q = go->p;
		if (tio_start(q, go->tier, 0, go->obj, go->off, go->len, go->cont, go->arg) < 0)
			p_fail(q, "read after a shared fill"); /* the request stays open: the run fails */
		p_free(q, go);
		go = next;
	}
}

/* sfill_done_at at each shared tier in mask, in order, as sfill_add
 * visits them: one with no fill under way (one path: sfill_add skips it)
 * only tests that. */
static inline void sfill_done(struct path *p, uint64_t key, uint32_t mask, uint32_t filled, uint64_t flen)
{
	for (uint32_t m = mask & p->shared_mask; m; m &= m - 1) {
		size_t s = (size_t)__builtin_ctz(m);
		if (p->t[s].sh->nfilling)
			sfill_done_at(p, s, key, filled, flen);
	}
}

static void fetch_done(struct path *p, struct tio *io)
{
	struct fetch *f = io->arg;
	cidx_remove_hashed(&p->pending, f->h, f->hv);
	uint32_t filled = 0;
	uint64_t tnow = now(p);
	for (size_t j = 0; j < f->serve; j++) {
		if (!(f->fill_mask & (1u << j)))
			continue;
		struct tier *t = &p->t[j];
		if (io->status != BK_OK) {
			/* The data never arrived: drop the reserved slots. */
			pol_remove(&t->pol, f->key);
			if (t->pins_on)
				(void)unfilled_take(t, f->key);
			continue;
		}
		if (!pol_contains(&t->pol, f->key)) {
			p->st.raced++; /* evicted before its fill */
			continue;
		}
		tio_start(p, j, 1, f->obj, f->idx * p->chunk_bytes, f->len, fill_done, NULL);
		filled |= 1u << j;
	}
	if (f->fill_mask & p->shared_mask)
		sfill_done(p, f->key, f->fill_mask, filled, f->len);
	struct hist *lat = p->t[f->serve].st.read_latency_ns;
	for (size_t i = 0; i < f->nw; i++) {
		if (io->status == BK_OK)
			hist_record(lat, tnow - f->w[i].r->start_ns);
		rq_chunk_done(p, f->w[i].r, f->w[i].bytes, io->status);
	}
	fetch_free_waiters(f);
	p_free(p, f);
}

static void hit_done(struct path *p, struct tio *io)
{
	struct rq *r = io->arg;
	if (io->status == BK_OK)
		hist_record(p->t[io->tier].st.read_latency_ns, now(p) - r->start_ns);
	rq_chunk_done(p, r, io->len, io->status);
}

/* Whether a write-back tier still has the chunk's written bytes though its
 * policy let it go: a dirty chunk evicted before its drain keeps its bytes
 * (on_evict does not discard it) until the drain lands below, and a read
 * meanwhile is served from them.  (It read below, before the drain: a
 * real tier below had nothing there yet, and tierref read zeros and short
 * reads where tiersim counted a success.) */
static int dirty_holds(const struct tier *t, uint64_t key, uint64_t clen)
{
	if (t->wp != PATH_WRITE_BACK)
		return 0;
	uint32_t h = cidx_find(&t->dirty_map, key);
	return h != CIDX_NONE && ((const struct dirty *)((const struct kv_ptr *)cidx_at(&t->dirty_map, h))->ptr)->len >= clen;
}

/* One chunk of a read: `off` and `len` are the requested bytes of the
 * object inside chunk idx, whose length is clen.  Returns -1 on error
 * (the chunk is then accounted failed by the caller). */
static int read_wait_queued(struct path *p, struct rq *r, uint64_t obj, uint64_t obj_bytes, uint64_t idx,
			    uint64_t clen, uint64_t off, uint64_t len);

static int read_chunk(struct path *p, struct rq *r, uint64_t obj, uint64_t obj_bytes, uint64_t idx, uint64_t clen,
		      uint64_t off, uint64_t len)
{
	if (__builtin_expect(p->n_wq_keys != 0, 0)) {
		int w = read_wait_queued(p, r, obj, obj_bytes, idx, clen, off, len);
		if (w != 0)
			return w < 0 ? -1 : 0;
	}
	uint64_t key = chunk_key(obj, idx);
	uint64_t hv = cidx_hash(key); /* for pending's find, insert and remove */
	uint32_t h = cidx_find_hashed(&p->pending, key, hv);
	if (h != CIDX_NONE) {
		struct fetch *f = ((struct kv_ptr *)cidx_at(&p->pending, h))->ptr;
		if (f->len < clen) {
			/* The object has grown since that fetch went out: its
			 * bytes would not cover this read (which completed with
			 * bytes never read).  The bottom tier holds every object
			 * at its size. */
			p->t[p->n - 1].st.hits++;
			return tio_start(p, p->n - 1, 0, obj, off, len, hit_done, r);
		}
		if (fetch_add_waiter(f, r, len) < 0)
			return -1;
		p->st.coalesced++;
		return 0;
	}
	struct pol_req pr = { .obj_id = key, .size_bytes = clen, .next_access_vtime = -1, .obj_bytes = obj_bytes };
	uint32_t mask = 0;
	int waits = 0; /* at tier s, for another node's fetch */
	size_t s;
	for (s = 0; s < p->n; s++) {
		struct tier *t = &p->t[s];
		if (!t->bounded) {
			t->st.hits++;
			break;
		}
		struct err e;
		int resident;
		int hit = pol_access_resident(&t->pol, &pr, &e, &resident);
		if (hit < 0)
			goto undo;
		if (hit && hit != POL_HIT_GREW && t->sh && t->sh->nfilling &&
		    cidx_find(&t->sh->filling, key) != CIDX_NONE) {
			/* Reserved by another node's miss, not yet written: a
			 * hit whose read waits for that fetch (struct
			 * path_shared). */
			t->st.hits++;
			p->st.raced++;
			waits = 1;
			break;
		}
		if (hit == 1 || hit == POL_HIT_SHRANK) {
			if (hit == POL_HIT_SHRANK)
				chunk_shrank(t, key, clen);
			t->st.hits++;
			break;
		}
		/* A dirty chunk serves a read its policy lost (evicted) or
		 * holds at a smaller size since a shorter read (grown). */
		if (dirty_holds(t, key, clen)) {
			p->st.raced++;
			t->st.hits++;
			break;
		}
		/* A miss, or the chunk held at a smaller size (its object has
		 * grown since): the tier has not the added bytes, so it is
		 * filled from below as after a miss (path.h). */
		t->st.misses++;
		if (hit == POL_HIT_GREW)
			t->st.grown++;
		if (resident) {
			mask |= 1u << s;
			if (__builtin_expect(t->pins_on, 0) && !hit)
				unfilled_add(t, key);
		} else {
			t->st.fill_refused++;
		}
	}
	/* s < n: the bottom tier is unbounded (path_new checks). */
	if (s == 0)
		return waits ? sfill_wait(p, 0, key, obj, off, len, hit_done, r) : tio_start(p, 0, 0, obj, off, len, hit_done, r);

	struct fetch *f = p_alloc_z(p, sizeof *f, 0); /* every field set here */
	if (!f)
		goto undo;
	f->w = NULL;
	f->nw = f->capw = 0;
	f->key = key;
	f->obj = obj;
	f->idx = idx;
	f->len = clen;
	f->serve = s;
	f->fill_mask = mask;
	if (fetch_add_waiter(f, r, len) < 0)
		goto undo_f;
	h = cidx_insert_hashed(&p->pending, key, hv);
	if (h == CIDX_NONE)
		goto undo_f;
	((struct kv_ptr *)cidx_at(&p->pending, h))->ptr = f;
	f->h = h;
	f->hv = hv;
	if ((waits ? sfill_wait(p, s, key, obj, idx * p->chunk_bytes, clen, fetch_done, f)
		   : tio_start(p, s, 0, obj, idx * p->chunk_bytes, clen, fetch_done, f)) < 0) {
		cidx_remove_hashed(&p->pending, h, hv);
		goto undo_f;
	}
	if (mask & p->shared_mask)
		sfill_add(p, key, mask);
	return 0;
undo_f:
	fetch_free_waiters(f);
	p_free(p, f);
undo:
	for (size_t j = 0; j < s; j++)
		if (mask & (1u << j)) {
			pol_remove(&p->t[j].pol, key);
			if (p->t[j].pins_on)
				(void)unfilled_take(&p->t[j], key);
		}
	return -1;
}

/* ---- writes ---- */

struct wop;
typedef void (*wop_cont)(struct path *p, struct wop *w);

struct wop {
	struct path *p;
	size_t tier;
	uint64_t obj, idx, clen, off, len;
	int joins;
	int status;
	wop_cont cont;
	void *arg;
	struct dirty *d;        /* write-back: the record this write made */
	struct wop *next;       /* backpressure queue */
};

static void tier_write(struct path *p, struct wop *w);

static void wop_join(struct path *p, struct wop *w, int status)
{
	if (status != BK_OK && w->status == BK_OK)
		w->status = status;
	if (--w->joins > 0)
		return;
	w->cont(p, w);
	p_free(p, w);
}

/* A write-through's own write at a tier: one that failed takes the chunk
 * out of the tier as a failed fill does (the request fails too). */
static void wt_tio_done(struct path *p, struct tio *io)
{
	struct wop *w = io->arg;
	if (io->status != BK_OK)
		tier_forget(p, io->tier, w->obj, w->idx);
	wop_join(p, w, io->status);
}

static void wop_child_done(struct path *p, struct wop *c)
{
	wop_join(p, c->arg, c->status);
}

static struct wop *wop_new(struct path *p, size_t tier, uint64_t obj, uint64_t idx, uint64_t clen,
			   uint64_t off, uint64_t len, wop_cont cont, void *arg)
{
	struct wop *w = p_alloc(p, sizeof *w);
	if (!w) {
		p_fail(p, "write");
		return NULL;
	}
	w->p = p;
	w->tier = tier;
	w->obj = obj;
	w->idx = idx;
	w->clen = clen;
	w->off = off;
	w->len = len;
	w->cont = cont;
	w->arg = arg;
	return w;
}

/* A wop that could not be issued completes with BK_EIO from the executor. */
static void wop_fail_cb(void *arg)
{
	struct wop *w = arg;
	w->joins = 1;
	wop_join(w->p, w, BK_EIO);
}

/* Caches the chunk at a bounded tier for a write (no admission); 1 if it
 * is resident afterwards.  Unbounded tiers always hold it. */
static int write_resident(struct tier *t, uint64_t key, uint64_t clen)
{
	if (!t->bounded)
		return 1;
	if (clen > t->capacity_bytes)
		return 0;
	struct pol_req pr = { .obj_id = key, .size_bytes = clen, .next_access_vtime = -1 };
	int hit = t->pol.ops->lookup(t->pol.st, &pr);
	if (hit == POL_HIT_SHRANK)
		chunk_shrank(t, key, clen);
	if (hit)
		return 1;
	if (t->pol.ops->insert(t->pol.st, &pr) < 0)
		return -1;
	return pol_contains(&t->pol, key);
}

static void drain_kick(struct path *p, size_t i);

static void write_through(struct path *p, struct wop *w)
{
	struct tier *t = &p->t[w->tier];
	int last = w->tier + 1 == p->n;
	w->joins = 1; /* guard */
	int res = write_resident(t, chunk_key(w->obj, w->idx), w->clen);
	if (res < 0) {
		p_fail(p, "policy insert");
		w->status = BK_EIO;
	} else if (res > 0 || last) {
		w->joins++;
		if (tio_start(p, w->tier, 1, w->obj, w->off, w->len, wt_tio_done, w) < 0) {
			w->joins--;
			w->status = BK_EIO;
		}
	}
	if (!last) {
		struct wop *c = wop_new(p, w->tier + 1, w->obj, w->idx, w->clen, w->off, w->len,
					wop_child_done, w);
		if (c) {
			w->joins++;
			tier_write(p, c);
		} else {
			w->status = BK_EIO;
		}
	}
	/* Dropping the guard completes w only if nothing was issued (an
	 * error): then complete it from the executor. */
	if (w->joins == 1) {
		w->joins = 0;
		if (!exec_at(&p->x, now(p), wop_fail_cb, w))
			p_fail(p, "executor");
		return;
	}
	w->joins--;
}

/* The drain queue: doubly linked, since dq_pick takes chunks from its
 * middle. */
static void dq_append(struct tier *t, struct dirty *d)
{
	d->state = D_QUEUED;
	d->next = NULL;
	d->prev = t->dq_tail;
	if (t->dq_tail)
		t->dq_tail->next = d;
	else
		t->dq_head = d;
	t->dq_tail = d;
}

static void dq_unlink(struct tier *t, struct dirty *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		t->dq_head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		t->dq_tail = d->prev;
}

static void wb_written(struct path *p, struct tio *io)
{
	struct wop *w = io->arg;
	struct tier *t = &p->t[w->tier];
	struct dirty *d = w->d;
	if (d && d->state == D_WRITING) {
		dq_append(t, d);
		drain_kick(p, w->tier);
	}
	wop_join(p, w, io->status);
}

/* A write-back write that has its budget (or needs none). */
static void wb_go(struct path *p, struct wop *w)
{
	struct tier *t = &p->t[w->tier];
	uint64_t key = chunk_key(w->obj, w->idx);
	uint32_t h = cidx_find(&t->dirty_map, key);
	w->d = NULL;
	if (h != CIDX_NONE) {
		struct dirty *d = ((struct kv_ptr *)cidx_at(&t->dirty_map, h))->ptr;
		p->st.raced++; /* still dirty: a drain saved, or (draining) one more */
		if (d->state == D_DRAINING)
			d->redirty = 1;
		/* The chunk has grown since (its object did): the drain must
		 * carry the new length (it drained the old one, and the tier
		 * below kept a hole). */
		if (w->clen > d->len) {
			t->dirty_bytes += w->clen - d->len;
			d->len = w->clen;
		}
	} else {
		struct dirty *d = p_alloc(p, sizeof *d);
		h = d ? cidx_insert(&t->dirty_map, key) : CIDX_NONE;
		if (h == CIDX_NONE) {
			p_free(p, d);
			p_fail(p, "dirty map");
			write_through(p, w);
			return;
		}
		d->key = key;
		d->obj = w->obj;
		d->idx = w->idx;
		d->len = w->clen;
		d->tier = (uint32_t)w->tier;
		d->state = D_WRITING;
		((struct kv_ptr *)cidx_at(&t->dirty_map, h))->ptr = d;
		t->dirty_bytes += d->len;
		w->d = d;
	}
	if (write_resident(t, key, w->clen) < 0)
		p_fail(p, "policy insert");
	w->joins = 1;
	if (tio_start(p, w->tier, 1, w->obj, w->off, w->len, wb_written, w) < 0) {
		/* Keep the record consistent: it drains like any other. */
		struct tio fake = { .p = p, .tier = w->tier, .status = BK_EIO, .arg = w };
		w->joins = 1;
		wb_written(p, &fake);
	}
}

static int wb_fits(const struct tier *t, uint64_t len)
{
	return t->dirty_bytes == 0 || t->dirty_bytes + len <= t->dirty_budget_bytes;
}

/* The budget queue's index.  A read of a chunk whose write waits in wq
 * waits for that write to go (wq_key_gone): read now, it would find the
 * chunk in no tier (the write makes it resident when it goes) and read
 * the bytes below, which the write has not reached: old ones, or for a
 * new object none (tierref's short reads). */
static int wq_key_add(struct path *p, struct tier *t, uint64_t key)
{
	uint32_t h = cidx_find(&t->wq_keys, key);
	if (h == CIDX_NONE) {
		h = cidx_insert(&t->wq_keys, key);
		if (h == CIDX_NONE)
			return -1;
		struct wq_key *q = cidx_at(&t->wq_keys, h);
		q->n = 0;
		q->head = q->tail = NULL;
		p->n_wq_keys++;
	}
	((struct wq_key *)cidx_at(&t->wq_keys, h))->n++;
	return 0;
}

/* Cold: kept out of read_chunk, which runs for every chunk read. */
static __attribute__((cold, noinline)) int read_wait_queued(struct path *p, struct rq *r, uint64_t obj,
							    uint64_t obj_bytes, uint64_t idx, uint64_t clen,
							    uint64_t off, uint64_t len)
{
	uint64_t key = chunk_key(obj, idx);
	for (size_t s = 0; s + 1 < p->n; s++) {
		struct tier *t = &p->t[s];
		uint32_t h = t->wp == PATH_WRITE_BACK ? cidx_find(&t->wq_keys, key) : CIDX_NONE;
		if (h == CIDX_NONE)
			continue;
		struct rwait *w = p_alloc(p, sizeof *w);
		if (!w)
			return -1;
		*w = (struct rwait){ r, obj, obj_bytes, idx, clen, off, len, NULL };
		p->st.raced++;
		struct wq_key *q = cidx_at(&t->wq_keys, h);
		if (q->tail)
			q->tail->next = w;
		else
			q->head = w;
		q->tail = w;
		return 1;
	}
	return 0;
}

/* The last queued write of the chunk has gone (made it resident and
 * started its write, which the reads now wait behind in ord). */
static void wq_key_gone(struct path *p, struct tier *t, uint64_t key)
{
	uint32_t h = cidx_find(&t->wq_keys, key);
	if (h == CIDX_NONE)
		return; /* its wq_key_add failed */
	struct wq_key *q = cidx_at(&t->wq_keys, h);
	if (--q->n > 0)
		return;
	struct rwait *w = q->head;
	cidx_remove(&t->wq_keys, h);
	p->n_wq_keys--;
	while (w) {
		struct rwait *next = w->next;
		if (read_chunk(p, w->r, w->obj, w->obj_bytes, w->idx, w->clen, w->off, w->len) < 0) {
			p_fail(p, "read");
			rq_chunk_done(p, w->r, 0, BK_EIO);
		}
		p_free(p, w);
		w = next;
	}
}

static void write_back(struct path *p, struct wop *w)
{
	struct tier *t = &p->t[w->tier];
	if (t->bounded && w->clen > t->capacity_bytes) {
		write_through(p, w);
		return;
	}
	uint64_t key = chunk_key(w->obj, w->idx);
	int dirty = cidx_find(&t->dirty_map, key) != CIDX_NONE;
	if (!dirty && (t->wq_head || !wb_fits(t, w->clen))) {
		t->st.backpressure_waits++;
		if (wq_key_add(p, t, key) < 0)
			p_fail(p, "write queue"); /* reads of it will not wait */
		w->next = NULL;
		if (t->wq_tail)
			t->wq_tail->next = w;
		else
			t->wq_head = w;
		t->wq_tail = w;
		return;
	}
	wb_go(p, w);
}

/* Lets waiting writes go, in order, while the budget allows. */
static void wb_wake(struct path *p, size_t i)
{
	struct tier *t = &p->t[i];
	while (t->wq_head) {
		struct wop *w = t->wq_head;
		int dirty = cidx_find(&t->dirty_map, chunk_key(w->obj, w->idx)) != CIDX_NONE;
		if (!dirty && !wb_fits(t, w->clen))
			break;
		t->wq_head = w->next;
		if (!t->wq_head)
			t->wq_tail = NULL;
		uint64_t key = chunk_key(w->obj, w->idx);
		wb_go(p, w);
		wq_key_gone(p, t, key);
	}
}

/* c, the drain of d, is acknowledged below d's tier: by the next tier
 * or, through write-around tiers that pass it on (tier_write moves c
 * down), by one further down; so d, not c, says whose drain ended. */
static void discard_chunk(const struct backend *b, uint64_t chunk_bytes, uint64_t key);

static void drain_done(struct path *p, struct wop *c)
{
	struct dirty *d = c->arg;
	size_t i = d->tier;
	struct tier *t = &p->t[i];
	t->draining--;
	if (c->status == BK_OK) {
		t->st.writeback_bytes += c->len; /* what this drain carried (d->len may have grown since) */
	} else {
		t->st.errors++; /* the drain failed: the data is counted lost */
		t->st.drain_errors++;
	}
	if (d->redirty) {
		d->redirty = 0;
		dq_append(t, d);
	} else {
		uint32_t h = cidx_find(&t->dirty_map, d->key);
		if (h != CIDX_NONE)
			cidx_remove(&t->dirty_map, h);
		t->dirty_bytes -= d->len;
		/* Evicted while dirty, and not back since: its bytes go, after
		 * the reads dirty_holds is serving from them (they were punched
		 * under those reads). */
		if (t->bounded && !pol_contains(&t->pol, d->key))
			chunk_gone(t, d->key);
		p_free(p, d);
		wb_wake(p, i);
	}
	drain_kick(p, i);
}

/* The chunk to drain next, first in the drain queue afterwards, or NULL
 * to wait.  The queue is in the order the writes landed, but a chunk
 * goes after its object's earlier chunks: those queued behind it move
 * ahead of it, lowest first, and one still being written to this tier is
 * waited for (wb_written kicks the drain when it lands).  An object store
 * below stages each drain as a piece of its object, and a commit whose
 * pieces leave a gap the blob does not hold must fill the gap first (a
 * block blob is contiguous: cold.c, "Pieces"); a checkpoint's chunks land
 * a little out of order, and drained as they landed they made fills
 * (make validate's cold-checkpoint case: 60 fills for 192 pieces).  A
 * chunk moved ahead is next, and its own predecessor is draining or not
 * dirty, so each chunk is moved at most once and a pick costs one lookup
 * (a few in a run moved together). */
static struct dirty *dq_pick(struct tier *t)
{
	struct dirty *e = t->dq_head;
	while (chunk_idx(e->key) > 0) {
		uint32_t h = cidx_find(&t->dirty_map, e->key - 1);
		if (h == CIDX_NONE)
			break;
		struct dirty *f = ((struct kv_ptr *)cidx_at(&t->dirty_map, h))->ptr;
		if (f->state == D_DRAINING)
			break;
		if (f->state == D_WRITING)
			return NULL;
		dq_unlink(t, f);
		f->prev = NULL; /* ahead of e, the head */
		f->next = e;
		e->prev = f;
		t->dq_head = f;
		e = f;
	}
	return e;
}

static void drain_kick(struct path *p, size_t i)
{
	struct tier *t = &p->t[i];
	while (t->draining < t->drain_depth && t->dq_head) {
		struct dirty *d = dq_pick(t);
		if (!d)
			return; /* its object's earlier chunk lands first */
		struct wop *c = wop_new(p, i + 1, d->obj, d->idx, d->len, d->idx * p->chunk_bytes,
					d->len, drain_done, d);
		if (!c)
			return; /* retried at the next drain completion or write */
		dq_unlink(t, d);
		d->state = D_DRAINING;
		t->draining++;
		tier_write(p, c);
	}
}

/* A chunk write arriving at tier w->tier: the tier's write policy decides
 * (the bottom tier just writes).  w->cont runs when it is acknowledged. */
static void tier_write(struct path *p, struct wop *w)
{
	struct tier *t = &p->t[w->tier];
	int last = w->tier + 1 == p->n;
	w->status = BK_OK;
	if (last) {
		write_through(p, w);
		return;
	}
	switch (t->wp) {
	case PATH_WRITE_AROUND:
		if (t->bounded && pol_remove(&t->pol, chunk_key(w->obj, w->idx))) {
			t->st.invalidations++;
			chunk_gone(t, chunk_key(w->obj, w->idx)); /* its stale bytes stayed on the disk */
		}
		w->tier++;
		tier_write(p, w);
		return;
	case PATH_WRITE_BACK:
		write_back(p, w);
		return;
	case PATH_WRITE_THROUGH:
	default:
		write_through(p, w);
		return;
	}
}

static void write_chunk_done(struct path *p, struct wop *w)
{
	rq_chunk_done(p, w->arg, w->len, w->status);
}

/* ---- the public calls ---- */

/* A chunk left the tier: a backend that stores bytes may free them
 * (backend.h, discard; a bounded tier on a real disk otherwise grows to
 * every chunk it ever held).  A dirty chunk too: its drain writes the
 * tier below from the request, not from this tier's copy. */
/* The chunk's whole span, [i C, (i + 1) C): the bytes of an object's last
 * chunk end before it, and nothing else lives there, so a backend that
 * frees whole blocks frees the last one too (a 4 KiB-class object's only
 * block stayed when the discard ended at the object's last byte). */
static void discard_chunk(const struct backend *b, uint64_t chunk_bytes, uint64_t key)
{
	if (b->ops->discard) {
		uint64_t idx = chunk_idx(key);
		b->ops->discard(b->self, key >> PATH_IDX_BITS, idx * chunk_bytes, chunk_bytes);
	}
}

/* The chunk has left the tier (evicted, invalidated, its fill failed, or
 * drained after an eviction): its bytes go, now or, with reads of it
 * under way, after the last (read_unpin).  One reserved and never filled
 * has none. */
static void chunk_gone(struct tier *t, uint64_t key)
{
	if (__builtin_expect(t->pins_on, 0)) {
		if (unfilled_take(t, key))
			return;
		uint32_t h = cidx_find(t->rd, key);
		if (h != CIDX_NONE) {
			((struct rpin *)cidx_at(t->rd, h))->evicted = 1;
			return;
		}
	}
	discard_chunk(&t->data, t->chunk_bytes, key);
}

/* The chunk is held at clen now, less than before (its object shrank):
 * the bytes past clen go, or the tier's files hold more than its policy
 * counts (a 128 KiB tier held 1,088 KiB).  Not under reads of it (they
 * may want those bytes; the whole chunk goes when it leaves the tier)
 * nor while dirty bytes past clen wait for their drain. */
static void chunk_shrank(struct tier *t, uint64_t key, uint64_t clen)
{
	if (!t->pins_on || cidx_find(t->rd, key) != CIDX_NONE)
		return;
	uint32_t h = cidx_find(&t->dirty_map, key);
	if (h != CIDX_NONE && ((const struct dirty *)((const struct kv_ptr *)cidx_at(&t->dirty_map, h))->ptr)->len > clen)
		return;
	uint64_t idx = chunk_idx(key);
	t->data.ops->discard(t->data.self, key >> PATH_IDX_BITS, idx * t->chunk_bytes + clen, t->chunk_bytes - clen);
}

static void on_evict(void *ctx, uint64_t key, uint64_t size)
{
	(void)size;
	struct tier *t = ctx;
	t->st.evictions++;
	if (cidx_find(&t->dirty_map, key) != CIDX_NONE) {
		/* Its bytes serve reads until its drain lands (dirty_holds):
		 * discarded then, by drain_done, if it is not back. */
		t->st.dirty_evictions++;
		return;
	}
	chunk_gone(t, key);
}

static void read_unpin(struct path *p, struct tier *t, uint64_t key)
{
	(void)p;
	uint32_t h = cidx_find(t->rd, key);
	if (h == CIDX_NONE)
		return;
	struct rpin *r = cidx_at(t->rd, h);
	if (--r->n)
		return;
	int evicted = r->evicted;
	cidx_remove(t->rd, h);
	/* Evicted while read, and not back (nor held dirty) since. */
	if (evicted && !pol_contains(&t->pol, key) && cidx_find(&t->dirty_map, key) == CIDX_NONE)
		discard_chunk(&t->data, t->chunk_bytes, key);
}

/* A shared policy's evictions, by any node's access: counted by the
 * policy itself (path_tier_shared_evictions), and discarded now or after
 * every node's reads of the chunk (read_unpin, through each tier's rd). */
static void on_evict_shared(void *ctx, uint64_t key, uint64_t size)
{
	(void)size;
	struct path_shared *sh = ctx;
	uint32_t h = cidx_find(&sh->reading, key);
	if (h != CIDX_NONE) {
		((struct rpin *)cidx_at(&sh->reading, h))->evicted = 1;
		return;
	}
	discard_chunk(&sh->data, sh->chunk_bytes, key);
}

struct path_shared *path_shared_new(struct pol *pol, struct backend data, uint64_t chunk_bytes, struct err *e)
{
	struct path_shared *sh = calloc(1, sizeof *sh);
	if (!sh || cidx_init(&sh->filling, sizeof(struct sfill), CIDX_SPARSE) < 0) {
		free(sh);
		err_set(e, ERR_FAIL, "out of memory");
		return NULL;
	}
	if (cidx_init(&sh->premeta, sizeof(struct spremeta), CIDX_SPARSE) < 0) {
		cidx_destroy(&sh->filling);
		free(sh);
		err_set(e, ERR_FAIL, "out of memory");
		return NULL;
	}
	sh->pol = pol;
	sh->data = data;
	sh->chunk_bytes = chunk_bytes;
	sh->pins_on = data.ops && data.ops->discard;
	if (sh->pins_on) {
		if (cidx_init(&sh->reading, sizeof(struct rpin), CIDX_SPARSE) < 0) {
			cidx_destroy(&sh->filling);
			cidx_destroy(&sh->premeta);
			free(sh);
			err_set(e, ERR_FAIL, "out of memory");
			return NULL;
		}
		pol_set_evict_cb(pol, on_evict_shared, sh);
	}
	return sh;
}

void path_shared_free(struct path_shared *sh)
{
	if (!sh)
		return;
	if (sh->pins_on) {
		pol_set_evict_cb(sh->pol, NULL, NULL);
		cidx_destroy(&sh->reading);
	}
	cidx_destroy(&sh->filling);
	cidx_destroy(&sh->premeta);
	free(sh);
}

static void tier_destroy(struct tier *t)
{
	if (t->pol.st && !t->pol_shared)
		pol_destroy(&t->pol);
	mc_destroy(&t->meta_cache);
	if (t->dirty_map.map.slots)
		cidx_destroy(&t->dirty_map);
	if (t->premeta.map.slots)
		cidx_destroy(&t->premeta);
	if (t->wq_keys.map.slots)
		cidx_destroy(&t->wq_keys);
	if (t->reading.map.slots)
		cidx_destroy(&t->reading);
	if (t->unfilled) {
		cidx_destroy(t->unfilled);
		free(t->unfilled);
	}
	hist_free(t->st.read_latency_ns);
	free(t->name);
}

struct path *path_new(const struct exec *x, const struct path_cfg *cfg, struct err *e)
{
	if (!cfg->n_tiers || cfg->n_tiers > PATH_MAX_TIERS) {
		err_set(e, ERR_INPUT, "path: %zu tiers (1 to %d)", cfg->n_tiers, PATH_MAX_TIERS);
		return NULL;
	}
	if (!cfg->chunk_bytes || cfg->chunk_bytes > POL_MAX_OBJ_BYTES) {
		err_set(e, ERR_INPUT, "path: chunk size %llu bytes (1 to %llu)",
			(unsigned long long)cfg->chunk_bytes, (unsigned long long)POL_MAX_OBJ_BYTES);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_tiers; i++) {
		const struct path_tier_cfg *c = &cfg->tiers[i];
		const char *nm = c->name ? c->name : "?";
		if (!c->name || !*c->name) {
			err_set(e, ERR_INPUT, "path: tier %zu: name is empty", i);
			return NULL;
		}
		if (!c->data.ops) {
			err_set(e, ERR_INPUT, "path: tier %s: no data backend", nm);
			return NULL;
		}
		if (c->capacity_bytes && !c->policy && !c->shared) {
			err_set(e, ERR_INPUT, "path: tier %s: a bounded tier needs an eviction policy", nm);
			return NULL;
		}
		if (i + 1 == cfg->n_tiers && c->capacity_bytes) {
			err_set(e, ERR_INPUT,
				"path: tier %s: the bottom tier must be unbounded (capacity 0)", nm);
			return NULL;
		}
		if (i + 1 < cfg->n_tiers && c->write_policy == PATH_WRITE_BACK && !c->dirty_budget_bytes) {
			err_set(e, ERR_INPUT, "path: tier %s: write-back needs a dirty budget > 0", nm);
			return NULL;
		}
		if ((unsigned)c->write_policy > PATH_WRITE_AROUND || (unsigned)c->meta_kind > PATH_META_OBJECT) {
			err_set(e, ERR_INPUT, "path: tier %s: unknown write policy or metadata kind", nm);
			return NULL;
		}
	}
	struct path *p = calloc(1, sizeof *p);
	if (!p) {
		err_set(e, ERR_FAIL, "path: out of memory");
		return NULL;
	}
	p->x = *x;
	p->chunk_bytes = cfg->chunk_bytes;
	p->client = cfg->client;
	p->big.next = p->big.prev = &p->big;
	if (cidx_init(&p->pending, sizeof(struct kv_ptr), CIDX_SPARSE) < 0)
		goto oom;
	for (size_t i = 0; i < cfg->n_tiers; i++) {
		const struct path_tier_cfg *c = &cfg->tiers[i];
		struct tier *t = &p->t[i];
		p->n = i + 1;
		t->capacity_bytes = c->capacity_bytes;
		t->chunk_bytes = cfg->chunk_bytes;
		t->bounded = c->capacity_bytes > 0;
		t->wp = c->write_policy;
		t->dirty_budget_bytes = c->dirty_budget_bytes;
		t->drain_depth = c->drain_depth ? c->drain_depth : 1;
		t->data = c->data;
		t->meta = c->meta;
		t->meta_kind = c->meta_kind;
		t->meta_ttl_ns = c->meta_ttl_ns;
		t->name = strdup(c->name);
		t->st.read_latency_ns = hist_new();
		if (!t->name || !t->st.read_latency_ns)
			goto oom;
		if (mc_init(&t->meta_cache) < 0 ||
		    cidx_init(&t->dirty_map, sizeof(struct kv_ptr), CIDX_SPARSE) < 0 ||
		    cidx_init(&t->premeta, sizeof(struct premeta), CIDX_SPARSE) < 0)
			goto oom;
		if (c->write_policy == PATH_WRITE_BACK &&
		    cidx_init(&t->wq_keys, sizeof(struct wq_key), CIDX_SPARSE) < 0)
			goto oom;
		t->rd = &t->reading;
		t->pins_on = t->bounded && !c->shared && t->data.ops && t->data.ops->discard;
		if (t->pins_on && (cidx_init(&t->reading, sizeof(struct rpin), CIDX_SPARSE) < 0 ||
				   !(t->unfilled = malloc(sizeof *t->unfilled)) ||
				   cidx_init(t->unfilled, sizeof(uint64_t), CIDX_SPARSE) < 0))
			goto oom;
		if (c->shared) {
			if (!t->bounded || c->write_policy == PATH_WRITE_BACK) {
				err_set(e, ERR_INPUT, "path: tier %s: a shared tier must be bounded and not write-back",
					t->name);
				path_free(p);
				return NULL;
			}
			t->pol = *c->shared->pol;
			t->pol_shared = 1;
			t->sh = c->shared;
			t->sh->npaths++;
			t->rd = &t->sh->reading;
			t->pins_on = t->sh->pins_on;
			p->shared_mask |= 1u << i;
		} else if (t->bounded) {
			if (pol_init(&t->pol, c->policy, c->capacity_bytes, &c->admission, e) < 0) {
				err_prefix(e, "path: tier %s: ", t->name);
				path_free(p);
				return NULL;
			}
			pol_set_evict_cb(&t->pol, on_evict, t);
		}
	}
	return p;
oom:
	path_free(p);
	err_set(e, ERR_FAIL, "path: out of memory");
	return NULL;
}

void path_free(struct path *p)
{
	if (!p)
		return;
	/* Fetches in flight own their waiter arrays: find them through the
	 * pending map (slot layout in cache_index.h). */
	if (p->pending.map.slots) {
		for (size_t i = 0; i < p->pending.map.n_slots; i++) {
			uint64_t s = p->pending.map.slots[i];
			if (!s)
				continue;
			struct fetch *f = ((struct kv_ptr *)cidx_at(&p->pending, (uint32_t)s - 1))->ptr;
			fetch_free_waiters(f);
		}
		cidx_destroy(&p->pending);
	}
	while (p->big.next != &p->big) {
		union live_hdr *h = (union live_hdr *)p->big.next;
		h->l.prev->next = h->l.next;
		h->l.next->prev = h->l.prev;
		free(h);
	}
	while (p->all) {
		struct live *l = p->all;
		p->all = l->all;
		free(l);
	}
	for (size_t i = 0; i < p->n; i++)
		tier_destroy(&p->t[i]);
	free(p);
}

static int check_io(const struct path *p, uint64_t obj, uint64_t obj_bytes, uint64_t offset,
		    uint64_t length, struct err *e)
{
	if (obj >> PATH_OBJ_BITS)
		return err_set(e, ERR_INPUT, "path: object id %llu is 2^%d or more",
			       (unsigned long long)obj, PATH_OBJ_BITS);
	if (offset > obj_bytes || length > obj_bytes - offset)
		return err_set(e, ERR_INPUT,
			       "path: object %llu: bytes [%llu, +%llu) beyond its size %llu",
			       (unsigned long long)obj, (unsigned long long)offset,
			       (unsigned long long)length, (unsigned long long)obj_bytes);
	if (path_check_object(p, obj_bytes, e) < 0)
		return err_prefix(e, "path: object %llu: ", (unsigned long long)obj);
	return 0;
}

int path_check_object(const struct path *p, uint64_t obj_bytes, struct err *e)
{
	if (!obj_bytes || !((obj_bytes - 1) / p->chunk_bytes >> PATH_IDX_BITS))
		return 0;
	/* The least chunk that numbers it in 2^PATH_IDX_BITS: ceil(bytes / 2^24). */
	uint64_t least = ((obj_bytes - 1) >> PATH_IDX_BITS) + 1;
	return err_set(e, ERR_INPUT, "%llu bytes is %llu chunks of %llu bytes, and an object has at most 2^%d: "
		       "use a chunk of at least %llu bytes",
		       (unsigned long long)obj_bytes, (unsigned long long)((obj_bytes - 1) / p->chunk_bytes + 1),
		       (unsigned long long)p->chunk_bytes, PATH_IDX_BITS, (unsigned long long)least);
}

static struct rq *rq_new(struct path *p, int is_write, path_done_fn done, void *ctx, struct err *e)
{
	struct rq *r = p_alloc_z(p, sizeof *r, 0); /* every field set here */
	if (!r) {
		err_set(e, ERR_FAIL, "path: out of memory");
		return NULL;
	}
	r->bytes = 0;
	r->done = done;
	r->ctx = ctx;
	r->is_write = is_write;
	r->status = BK_OK;
	r->remaining = 1; /* the guard */
	r->start_ns = now(p);
	p->n_rq++;
	return r;
}

/* The chunk that byte pos of an object of obj_bytes falls in: its index,
 * its length (the last chunk may be short), and how many of the requested
 * bytes [pos, end) lie in it. */
static void chunk_span(uint64_t chunk_bytes, uint64_t obj_bytes, uint64_t pos, uint64_t end, uint64_t *idx,
		       uint64_t *clen, uint64_t *n)
{
	*idx = pos / chunk_bytes;
	uint64_t cstart = *idx * chunk_bytes;
	uint64_t cend = cstart + chunk_bytes < obj_bytes ? cstart + chunk_bytes : obj_bytes;
	*clen = cend - cstart;
	*n = (end < cend ? end : cend) - pos;
}

int path_read(struct path *p, uint64_t obj, uint64_t obj_bytes, uint64_t offset, uint64_t length,
	      path_done_fn done, void *ctx, struct err *e)
{
	if (check_io(p, obj, obj_bytes, offset, length, e) < 0)
		return -1;
	struct rq *r = rq_new(p, 0, done, ctx, e);
	if (!r)
		return -1;
	p->st.reads++;
	p->st.read_req_bytes += length;
	uint64_t pos = offset, end = offset + length;
	while (pos < end) {
		uint64_t idx, clen, n;
		chunk_span(p->chunk_bytes, obj_bytes, pos, end, &idx, &clen, &n);
		r->remaining++;
		if (read_chunk(p, r, obj, obj_bytes, idx, clen, pos, n) < 0) {
			p_fail(p, "read");
			rq_chunk_done(p, r, 0, BK_EIO);
		}
		pos += n;
	}
	rq_release_guard(p, r);
	return 0;
}

int path_write(struct path *p, uint64_t obj, uint64_t obj_bytes, uint64_t offset, uint64_t length,
	       path_done_fn done, void *ctx, struct err *e)
{
	if (check_io(p, obj, obj_bytes, offset, length, e) < 0)
		return -1;
	struct rq *r = rq_new(p, 1, done, ctx, e);
	if (!r)
		return -1;
	p->st.writes++;
	p->st.write_req_bytes += length;
	uint64_t pos = offset, end = offset + length;
	while (pos < end) {
		uint64_t idx, clen, n;
		chunk_span(p->chunk_bytes, obj_bytes, pos, end, &idx, &clen, &n);
		struct wop *w = wop_new(p, 0, obj, idx, clen, pos, n, write_chunk_done, r);
		r->remaining++;
		if (w)
			tier_write(p, w);
		else
			rq_chunk_done(p, r, 0, BK_EIO);
		pos += n;
	}
	rq_release_guard(p, r);
	return 0;
}

/* ---- statistics ---- */

const struct path_stats *path_stats(const struct path *p) { return &p->st; }
size_t path_n_tiers(const struct path *p) { return p->n; }
const struct path_tier_stats *path_tier_stats(const struct path *p, size_t tier) { return &p->t[tier].st; }
const char *path_tier_name(const struct path *p, size_t tier) { return p->t[tier].name; }
uint64_t path_tier_capacity_bytes(const struct path *p, size_t tier) { return p->t[tier].capacity_bytes; }
uint64_t path_tier_dirty_bytes(const struct path *p, size_t tier) { return p->t[tier].dirty_bytes; }

uint64_t path_tier_shared_evictions(const struct path *p, size_t tier)
{
	return p->t[tier].pol_shared ? pol_evictions(&p->t[tier].pol) : 0;
}

int path_tier_policy_shared(const struct path *p, size_t tier)
{
	return p->t[tier].pol_shared;
}

uint64_t path_tier_used_bytes(const struct path *p, size_t tier)
{
	return p->t[tier].bounded ? pol_used_bytes(&p->t[tier].pol) : 0;
}

int path_tier_holds(const struct path *p, size_t tier, uint64_t obj, uint64_t idx)
{
	const struct tier *t = &p->t[tier];
	return !t->bounded || pol_contains(&t->pol, chunk_key(obj, idx));
}

size_t path_inflight(const struct path *p)
{
	return p->n_live;
}

void path_tier_set_series(struct path *p, size_t tier, struct met_series *read, struct met_series *write)
{
	p->t[tier].moved[0] = read;
	p->t[tier].moved[1] = write;
}

int path_add_tier_series(struct path *const *paths, size_t nodes, struct met_registry *m)
{
	if (nodes == 0)
		return 0;
	for (size_t i = 0; i < paths[0]->n; i++) {
		struct met_series *s[2];
		for (int w = 0; w < 2; w++) {
			char name[256];
			snprintf(name, sizeof name, "tier.%s.%s_bytes", paths[0]->t[i].name, w ? "write" : "read");
			if (!(s[w] = met_series_add_spread(m, name, "B")))
				return -1;
		}
		for (size_t n = 0; n < nodes; n++)
			path_tier_set_series(paths[n], i, s[0], s[1]);
	}
	return 0;
}

const struct pol_ops *path_tier_policy(const struct path *p, size_t tier)
{
	return p->t[tier].bounded ? p->t[tier].pol.ops : NULL;
}

uint64_t path_chunk_bytes(const struct path *p)
{
	return p->chunk_bytes;
}

size_t path_requests_inflight(const struct path *p)
{
	return p->n_rq;
}

size_t path_dirty_chunks(const struct path *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += cidx_count(&p->t[i].dirty_map);
	return n;
}

int path_failed(const struct path *p, struct err *e)
{
	if (p->failed && e)
		err_set(e, ERR_FAIL, "%s", p->fail_msg);
	return p->failed;
}

void path_prefetch(const struct path *p, uint64_t obj)
{
	/* An empty volatile asm: a side effect, so that GCC never counts this
	 * function as pure (its only effects are prefetches, which GCC's IPA
	 * pure-const pass ignores) and deletes its calls, prefetches and all,
	 * where it is not inlined: that had happened (the nineteenth
	 * session's build called it nowhere), and whether it is inlined
	 * changes with unrelated edits.  It emits no instruction. */
	__asm__ volatile("");
	uint64_t key = chunk_key(obj, 0);
	for (size_t i = 0; i < p->n; i++) {
		const struct tier *t = &p->t[i];
		if (t->bounded)
			pol_prefetch(&t->pol, key);
		if (t->meta.ops && t->meta_kind != PATH_META_NONE)
			mc_prefetch(&t->meta_cache, obj);
	}
}

static int put(struct met_registry *m, const char *prefix, const char *tier, const char *what,
	       double v, const char *unit)
{
	char name[256];
	if (tier)
		snprintf(name, sizeof name, "%s.%s.%s", prefix, tier, what);
	else
		snprintf(name, sizeof name, "%s.%s", prefix, what);
	return met_set(m, name, v, unit);
}

int path_export(const struct path *p, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)now_ns;
	int rc = 0;
	const struct path_stats *s = &p->st;
	rc |= put(m, prefix, NULL, "reads", (double)s->reads, "requests");
	rc |= put(m, prefix, NULL, "writes", (double)s->writes, "requests");
	rc |= put(m, prefix, NULL, "failed", (double)s->failed, "requests");
	rc |= put(m, prefix, NULL, "read.requested_bytes", (double)s->read_req_bytes, "B");
	rc |= put(m, prefix, NULL, "read.delivered_bytes", (double)s->read_delivered_bytes, "B");
	rc |= put(m, prefix, NULL, "write.requested_bytes", (double)s->write_req_bytes, "B");
	rc |= put(m, prefix, NULL, "write.acked_bytes", (double)s->write_acked_bytes, "B");
	rc |= put(m, prefix, NULL, "coalesced", (double)s->coalesced, "chunks");
	rc |= put(m, prefix, NULL, "raced", (double)s->raced, "events");
	for (size_t i = 0; i < p->n; i++) {
		const struct tier *t = &p->t[i];
		const struct path_tier_stats *ts = &t->st;
		const char *n = t->name;
		uint64_t lookups = ts->hits + ts->misses;
		rc |= put(m, prefix, n, "hits", (double)ts->hits, "chunks");
		rc |= put(m, prefix, n, "misses", (double)ts->misses, "chunks");
		rc |= put(m, prefix, n, "miss_ratio", lookups ? (double)ts->misses / (double)lookups : 0.0, "ratio");
		rc |= put(m, prefix, n, "fill_refused", (double)ts->fill_refused, "chunks");
		rc |= put(m, prefix, n, "read_bytes", (double)ts->read_bytes, "B");
		rc |= put(m, prefix, n, "write_bytes", (double)ts->write_bytes, "B");
		rc |= put(m, prefix, n, "fill_bytes", (double)ts->fill_bytes, "B");
		rc |= put(m, prefix, n, "writeback_bytes", (double)ts->writeback_bytes, "B");
		rc |= put(m, prefix, n, "evictions", (double)ts->evictions, "chunks");
		rc |= put(m, prefix, n, "dirty_evictions", (double)ts->dirty_evictions, "chunks");
		rc |= put(m, prefix, n, "invalidations", (double)ts->invalidations, "chunks");
		rc |= put(m, prefix, n, "backpressure_waits", (double)ts->backpressure_waits, "waits");
		rc |= put(m, prefix, n, "errors", (double)ts->errors, "ops");
		rc |= put(m, prefix, n, "fill_errors", (double)ts->fill_errors, "ops");
		rc |= put(m, prefix, n, "drain_errors", (double)ts->drain_errors, "ops");
		rc |= put(m, prefix, n, "grown", (double)ts->grown, "chunks");
		rc |= put(m, prefix, n, "used_bytes", (double)path_tier_used_bytes(p, i), "B");
		rc |= put(m, prefix, n, "dirty_bytes", (double)t->dirty_bytes, "B");
		for (int op = 0; op < BK_NOPS; op++) {
			if (op == BK_READ || op == BK_WRITE)
				continue;
			char what[64];
			snprintf(what, sizeof what, "meta.%s", bk_op_name((enum bk_op)op));
			rc |= put(m, prefix, n, what, (double)ts->meta_ops[op], "ops");
		}
		char hname[256];
		snprintf(hname, sizeof hname, "%s.%s.read_latency", prefix, n);
		struct hist *h = met_hist(m, hname, "ns");
		if (!h) {
			rc = -1;
			continue;
		}
		hist_reset(h);
		hist_merge(h, ts->read_latency_ns);
	}
	return rc ? -1 : 0;
}
