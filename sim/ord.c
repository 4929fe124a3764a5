/*
 * ord — see ord.h.
 *
 * The caller's request itself goes to the inner backend, never a copy: a
 * write lends its `done` and `ctx` to the decorator while in flight (the
 * backend contract leaves both alone between submit and done) and gets
 * them back before its own done runs; a waiting read is queued as is.
 */
#include "ord.h"

#include <stdlib.h>

#define ORD_BUCKETS 512 /* power of two: objects with writes in flight are a few hundred at most (the requests outstanding), and a small table stays in cache */

struct ord_obj;

/* A write in flight (the caller's done and ctx, kept while the decorator
 * holds them, and its unit's record) or a read waiting for one.  `next`
 * links an object's waiters, or the free list. */
struct ord_io {
	struct bk_req *req;
	bk_done_fn done;
	void *ctx;
	struct ord *o;
	struct ord_obj *ob;         /* a write's: its unit, so its completion does not look it up */
	struct ord_io *next;
};

/* A unit (an object, or a chunk of one: ord.h) with writes in flight. */
struct ord_obj {
	uint64_t obj, unit;
	unsigned writes;
	uint32_t bucket;            /* its chain: o->b[bucket] */
	struct ord_io *head, *tail; /* reads waiting for them, FIFO */
	struct ord_obj *next;       /* hash chain, or the free list */
};

/* Records and entries are carved from blocks, which destroy frees (with
 * whatever was still in flight: pending requests are dropped, backend.h). */
#define ORD_BLOCK 64

struct ord_block {
	struct ord_block *next;
	struct ord_io io[ORD_BLOCK];
	struct ord_obj obj[ORD_BLOCK];
};

struct ord {
	struct backend in;
	uint64_t unit_bytes; /* 0: the unit is the object */
	size_t nunits;       /* units with writes in flight */
	struct ord_obj *b[ORD_BUCKETS];
	struct ord_io *free_io;
	struct ord_obj *free_obj;
	struct ord_block *blocks;
};

/* One more block's records and entries on the free lists; -1 when out of
 * memory. */
static int grow(struct ord *o)
{
	struct ord_block *k = malloc(sizeof *k);
	if (!k)
		return -1;
	k->next = o->blocks;
	o->blocks = k;
	for (size_t i = 0; i < ORD_BLOCK; i++) {
		k->io[i].next = o->free_io;
		o->free_io = &k->io[i];
		k->obj[i].next = o->free_obj;
		o->free_obj = &k->obj[i];
	}
	return 0;
}

/* A 64-bit mix (MurmurHash3's finaliser, first half) of the object id
 * and unit. */
static size_t ord_hash(uint64_t obj, uint64_t unit)
{
	uint64_t x = obj ^ unit * 0x9e3779b97f4a7c15ull;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)(x & (ORD_BUCKETS - 1));
}

static uint64_t ord_unit(const struct ord *o, const struct bk_req *req)
{
	return o->unit_bytes ? req->offset / o->unit_bytes : 0;
}

/* The link that points at req's unit in its chain, or the chain's end;
 * *bucket: the chain. */
static struct ord_obj **ord_slot_in(struct ord *o, const struct bk_req *req, uint32_t *bucket)
{
	uint64_t unit = ord_unit(o, req);
	*bucket = (uint32_t)ord_hash(req->object, unit);
	struct ord_obj **pp = &o->b[*bucket];
	while (*pp && ((*pp)->obj != req->object || (*pp)->unit != unit))
		pp = &(*pp)->next;
	return pp;
}

/* The link in ob's chain that points at ob. */
static struct ord_obj **ord_link_of(struct ord *o, const struct ord_obj *ob)
{
	struct ord_obj **pp = &o->b[ob->bucket];
	while (*pp != ob)
		pp = &(*pp)->next;
	return pp;
}

static struct ord_io *io_get(struct ord *o, struct bk_req *req)
{
	if (!o->free_io && grow(o) < 0)
		return NULL;
	struct ord_io *io = o->free_io;
	o->free_io = io->next;
	io->req = req;
	io->o = o;
	io->next = NULL;
	return io;
}

static void io_put(struct ord *o, struct ord_io *io)
{
	io->next = o->free_io;
	o->free_io = io;
}

/* The reads that waited for a unit's writes go to the inner backend, in
 * arrival order.  Out of line: most units have none. */
static __attribute__((noinline)) void release_waiting(struct ord *o, struct ord_io *w)
{
	while (w) {
		struct ord_io *nx = w->next;
		struct bk_req *req = w->req;
		io_put(o, w);
		if (bk_submit(&o->in, req) < 0) { /* out of memory inside the backend */
			req->status = BK_EIO;
			req->done(req);
		}
		w = nx;
	}
}

/* A write of unit ob is done; with the last of its unit's, the unit's
 * waiting reads go to the inner backend, in arrival order. */
static inline void release(struct ord *o, struct ord_obj *ob)
{
	if (--ob->writes > 0)
		return;
	*ord_link_of(o, ob) = ob->next;
	o->nunits--;
	struct ord_io *w = ob->head;
	ob->next = o->free_obj;
	o->free_obj = ob;
	if (w)
		release_waiting(o, w);
}

/* A write failed: the reads waiting for its unit that overlap its bytes
 * leave the queue, linked through `next` in arrival order, for the caller
 * to fail.  Their bytes may never have been written (a file extended past
 * them reads zeros there, or ends before them), so reading them would
 * give wrong bytes, not the write's error. */
static struct ord_io *take_overlapping(struct ord_obj *ob, const struct bk_req *w)
{
	struct ord_io *failed = NULL, **ft = &failed, *prev = NULL;
	for (struct ord_io *r = ob->head, *nx; r; r = nx) {
		nx = r->next;
		const struct bk_req *q = r->req;
		if (q->offset >= w->offset + w->length || w->offset >= q->offset + q->length) {
			prev = r;
			continue;
		}
		if (prev)
			prev->next = nx;
		else
			ob->head = nx;
		if (ob->tail == r)
			ob->tail = prev;
		r->next = NULL;
		*ft = r;
		ft = &r->next;
	}
	return failed;
}

/* write_done for a write that failed. */
static __attribute__((noinline)) void write_failed(struct ord *o, struct ord_obj *ob, struct bk_req *req)
{
	struct ord_io *failed = take_overlapping(ob, req);
	int status = req->status;
	release(o, ob);
	req->done(req);
	while (failed) {
		struct ord_io *nx = failed->next;
		struct bk_req *r = failed->req;
		io_put(o, failed);
		r->status = status;
		r->done(r);
		failed = nx;
	}
}

/* The unit comes from the write's record (io->ob), not from a lookup, and
 * a failed write's extra work is out of line: the common completion then
 * saves no registers and ends in a jump to the caller's done. */
static void write_done(struct bk_req *req)
{
	struct ord_io *io = req->ctx;
	struct ord *o = io->o;
	struct ord_obj *ob = io->ob;
	req->done = io->done;
	req->ctx = io->ctx;
	io_put(o, io);
	if (req->status != BK_OK) {
		write_failed(o, ob, req);
		return;
	}
	release(o, ob);
	req->done(req);
}

/* A read or write that ord_submit does not pass straight through. */
static __attribute__((noinline)) int ord_submit_ordered(struct ord *o, struct bk_req *req)
{
	uint32_t bucket;
	struct ord_obj **pp = ord_slot_in(o, req, &bucket);
	if (req->op == BK_READ) {
		if (!*pp)
			return bk_submit(&o->in, req);
		/* A write of this unit is in flight: wait for it. */
		struct ord_io *io = io_get(o, req);
		if (!io)
			return -1;
		req->submit_ns = 0;
		if ((*pp)->tail)
			(*pp)->tail->next = io;
		else
			(*pp)->head = io;
		(*pp)->tail = io;
		return 0;
	}
	struct ord_io *io = io_get(o, req);
	if (!io)
		return -1;
	int fresh = !*pp;
	if (fresh) {
		if (!o->free_obj && grow(o) < 0) {
			io_put(o, io);
			return -1;
		}
		struct ord_obj *ob = o->free_obj;
		o->free_obj = ob->next;
		*ob = (struct ord_obj){ .obj = req->object, .unit = ord_unit(o, req),
					.bucket = bucket };
		*pp = ob;
		o->nunits++;
	}
	struct ord_obj *ob = *pp;
	ob->writes++;
	io->ob = ob;
	io->done = req->done;
	io->ctx = req->ctx;
	req->done = write_done;
	req->ctx = io;
	if (bk_submit(&o->in, req) < 0) {
		/* Refused: as if it had never come. */
		req->done = io->done;
		req->ctx = io->ctx;
		io_put(o, io);
		if (--ob->writes == 0 && fresh) {
			*pp = ob->next;
			o->nunits--;
			ob->next = o->free_obj;
			o->free_obj = ob;
		}
		return -1;
	}
	return 0;
}

/* What passes straight through (metadata, and reads while no write is
 * in flight: half the calls on the three-tier bench) goes first, before
 * the register saves of the rest (ord_submit_ordered). */
static int ord_submit(void *self, struct bk_req *req)
{
	struct ord *o = self;
	if ((req->op != BK_READ && req->op != BK_WRITE) || (req->op == BK_READ && !o->nunits))
		return bk_submit(&o->in, req);
	return ord_submit_ordered(o, req);
}

static int ord_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct ord *o = self;
	return o->in.ops->export(o->in.self, prefix, m, now_ns);
}

static void ord_reset(void *self)
{
	struct ord *o = self;
	o->in.ops->reset_stats(o->in.self);
}

static void ord_destroy(void *self)
{
	struct ord *o = self;
	for (struct ord_block *k = o->blocks, *nx; k; k = nx) {
		nx = k->next;
		free(k);
	}
	free(o);
}

/* A discard goes straight to the inner backend, which orders it among
 * the object's operations (backend.h). */
static void ord_discard(void *self, uint64_t object, uint64_t offset, uint64_t length)
{
	struct ord *o = self;
	o->in.ops->discard(o->in.self, object, offset, length);
}

/* Two tables: a discard only where the inner backend frees anything, so
 * that a caller can tell (the path keeps read pins only then: in a
 * simulation they were 2% of the three-tier bench's instructions). */
static const struct bk_ops ord_ops = {
	.name = "order", .submit = ord_submit, .export = ord_export, .reset_stats = ord_reset,
	.destroy = ord_destroy,
};
static const struct bk_ops ord_ops_discard = {
	.name = "order", .submit = ord_submit, .export = ord_export, .reset_stats = ord_reset,
	.destroy = ord_destroy, .discard = ord_discard,
};

int ord_wrap(struct backend in, uint64_t unit_bytes, struct backend *out, struct err *e)
{
	struct ord *o = calloc(1, sizeof *o);
	if (!o)
		return err_set(e, ERR_FAIL, "out of memory");
	o->in = in;
	o->unit_bytes = unit_bytes;
	*out = (struct backend){ in.ops->discard ? &ord_ops_discard : &ord_ops, o };
	return 0;
}
