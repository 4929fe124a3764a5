/*
 * filebk — see filebk.h.
 *
 * Structure.  queue_depth slots, each able to carry one operation to the
 * loop (a struct loop_io, the bookkeeping of a transfer, an aligned scratch
 * buffer that grows to the largest operation it has carried).  A request
 * first gets its file's descriptor (below), then takes a free slot or
 * waits in the FIFO (linked through req->priv[1]); when a slot's operation
 * completes, the slot takes the next waiting request before the completed
 * request's callback runs, so the device stays busy.  Failures found
 * before any I/O (an injected fault, ENOTSUP, a failed open) complete
 * through the executor, never inside submit.
 *
 * The descriptor cache maps an object to its open file (a buffered and,
 * under O_DIRECT, a direct descriptor), in a chained hash table with an
 * LRU list of entries no request has pinned; beyond max_open entries the
 * least recently used unpinned one is closed.  A request pins its entry
 * from submit until it completes (while its file opens, while it waits for
 * a slot, while its I/O is in flight), so eviction never closes a
 * descriptor a request holds; an entry with no descriptor left when its
 * last pin goes is dropped.
 *
 * Opening never blocks the loop.  A request whose descriptor is not open
 * starts an opener (one per entry and descriptor kind), which runs
 *     OPENAT(F, O_RDWR [| O_CREAT for a write] [| O_DIRECT])
 *       -> ENOENT, a write waits:   [OPENAT again with O_CREAT, if the
 *                                    first lacked it]  MKDIRAT(D/hh),
 *                                    MKDIRAT(D/hh/hh) (EEXIST is fine),
 *                                    OPENAT(O_CREAT)
 *       -> EACCES, a read waits:    OPENAT(F, O_RDONLY)
 * one request at a time through the loop, and later requests for the same
 * descriptor join its waiter list instead of opening again.  When the
 * chain ends, every waiter goes on to its slot with the descriptor, or
 * fails with the chain's error ("open PATH: <errno text>", as filebk.h
 * lists): reads at ENOENT, writes at EACCES when they must have a
 * read-only descriptor, everyone else when the chain stops.  The opener
 * pins the entry itself until it ends, so failing every waiter midway
 * cannot free the entry under it.  The mkdir
 * steps write into the opener's own copy of the path, which the kernel
 * reads while the step is in flight and nobody else touches.
 */
#include "refimpl/filebk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refimpl/content.h"
#include "refimpl/names.h"
#include "sim/hist.h"

#define MAX_IO_BYTES (1u << 30)

struct opener;

/* One of an entry's descriptors. */
struct fdesc {
	int fd;                 /* -1: not open */
	int rw;                 /* opened for writing */
	struct opener *opening; /* the open in flight, or NULL */
};

struct fent {
	uint64_t obj;
	struct fdesc d[2];   /* [0] buffered, [1] direct */
	int stale;           /* forgotten while pinned: close at unpin */
	unsigned pins;       /* requests holding it (submit to completion) */
	unsigned discarding; /* discards in flight (each pins it too) */
	uint64_t (*defer)[2]; /* discards that found it pinned: [lo, hi), punched at unpin */
	unsigned ndefer;
	struct bk_req *park_head, *park_tail; /* arrived meanwhile (priv[1]) */
	struct fent *hnext;  /* hash chain */
	struct fent *prev, *next; /* LRU list (unpinned entries only) */
};

struct filebk;

enum open_step { OS_OPEN, OS_MKDIR_TOP, OS_MKDIR_LEAF, OS_RDONLY };

struct opener {
	struct loop_io io;   /* first: the loop hands it back */
	struct filebk *fb;
	struct fent *f;
	int direct;          /* which descriptor: f->d[direct] */
	enum open_step step;
	int creat;           /* the last OPENAT had O_CREAT */
	int made_dirs;       /* the MKDIRAT steps ran */
	uint64_t start_ns;
	struct bk_req *head, *tail; /* waiters, in arrival order (priv[1]) */
	struct opener *prev, *next; /* all openers in flight (destroy frees them) */
	size_t top_len, leaf_len;   /* path prefixes: DIR/hh, DIR/hh/hh */
	char path[];         /* DIR/hh/hh/<16 hex> */
};

/* A discard in flight (filebk.h, "Discards"): the object's file opened
 * for writing when no writable descriptor of it is cached, its blocks
 * punched out, and what it opened closed. */
enum discard_step { DS_OPEN, DS_PUNCH };

struct discard {
	struct loop_io io;   /* first: the loop hands it back */
	struct filebk *fb;
	struct fent *f;
	off_t off, len;
	int fd;              /* the descriptor punched */
	int own;             /* opened for the discard: closed after it */
	enum discard_step step;
	struct discard *prev, *next; /* all in flight (destroy frees them) */
	char path[];
};

struct slot {
	struct loop_io io;   /* first: the loop hands it back */
	struct filebk *fb;
	struct bk_req *req;
	struct fent *ent;
	unsigned char *scratch;
	size_t scap;
	unsigned char *iobuf; /* what is being transferred */
	size_t len, done;     /* bytes wanted, transferred so far */
	uint64_t io_off;      /* file offset of iobuf[0] */
	size_t skip;          /* the request's bytes start at iobuf + skip */
	size_t need;          /* a widened read: bytes it must transfer */
	int fd;
	int bounce;           /* read into scratch, copy to req->buf */
	struct slot *next_free;
};

struct opstats {
	uint64_t ops, bytes;
	struct hist *latency_ns;
};

struct filebk {
	struct loop *l;
	struct exec x;
	struct filebk_cfg cfg;
	char *dir;
	int direct;
	struct slot *slots, *free_slots;
	unsigned inflight, max_inflight;
	struct bk_req *qhead, *qtail; /* waiting for a slot */
	/* descriptor cache */
	struct fent **tab;
	size_t nbuckets, nent;
	struct fent lru;      /* sentinel: lru.next is the least recent */
	struct opener *openers;
	struct discard *discards_live;
	/* statistics */
	struct opstats st[2]; /* read, write */
	struct opstats fs[2]; /* opens, creates: the open chain, start to descriptor */
	uint64_t errors, enotsup, unaligned, verify_errors;
	uint64_t discards, discard_bytes, discards_skipped, discards_deferred, discard_errors;
	uint64_t since_ns;
	uint64_t last_err_ns;  /* when the last failure completed */
	char last_err[512];
	struct filebk_content content; /* cfg.time_content */
};

/* A request's state from submit to its slot: priv[0] its pinned entry,
 * priv[1] the link of the list it waits in (an opener's or the FIFO),
 * upriv[1] 1 for the direct descriptor.  At a failure, priv[0] becomes the
 * backend and upriv[0] the status (req_fail_later). */
#define REQ_ENT(r) ((struct fent *)(r)->priv[0])
#define REQ_DIRECT(r) ((int)(r)->upriv[1])

/* ---- errors ---- */

static int status_of(int errnum)
{
	switch (errnum) {
	case ENOENT: return BK_ENOENT;
	case ENOSPC:
	case EDQUOT: return BK_ENOSPC;
	default: return BK_EIO;
	}
}

static void set_err(struct filebk *fb, uint64_t obj, const char *what, int errnum)
{
	char rel[NAMES_OBJ_LEN + 1];
	names_obj_path(rel, obj);
	snprintf(fb->last_err, sizeof fb->last_err, "%s %s/%s: %s", what, fb->dir, rel, strerror(errnum));
}

static void req_fail_cb(void *arg)
{
	struct bk_req *r = arg;
	struct filebk *fb = r->priv[0];
	r->status = (int)r->upriv[0];
	if (r->status == BK_ENOTSUP)
		fb->enotsup++;
	else
		fb->errors++;
	fb->last_err_ns = exec_now(&fb->x);
	r->done(r);
}

/* Completes r with status through the executor (now, but never inside
 * the caller).  r holds no pin any more. */
static void req_fail_later(struct filebk *fb, struct bk_req *r, int status)
{
	r->priv[0] = fb;
	r->upriv[0] = (uint64_t)status;
	exec_at(&fb->x, exec_now(&fb->x), req_fail_cb, r);
}

/* ---- the descriptor cache ---- */

static size_t hash_obj(uint64_t obj, size_t nb)
{
	obj ^= obj >> 33;
	obj *= 0xff51afd7ed558ccdull;
	obj ^= obj >> 33;
	return (size_t)(obj & (nb - 1));
}

static void lru_unlink(struct fent *f)
{
	if (f->prev) {
		f->prev->next = f->next;
		f->next->prev = f->prev;
		f->prev = f->next = NULL;
	}
}

static void lru_push(struct filebk *fb, struct fent *f)
{
	f->prev = fb->lru.prev;
	f->next = &fb->lru;
	fb->lru.prev->next = f;
	fb->lru.prev = f;
}

static void desc_close(struct filebk *fb, struct fdesc *d)
{
	loop_close_detached(fb->l, d->fd);
	d->fd = -1;
	d->rw = 0;
}

static struct fent *ent_find(const struct filebk *fb, uint64_t obj)
{
	for (struct fent *f = fb->tab[hash_obj(obj, fb->nbuckets)]; f; f = f->hnext)
		if (f->obj == obj)
			return f;
	return NULL;
}

/* Only for an entry no request pins (so no open is in flight on it). */
static void ent_remove(struct filebk *fb, struct fent *f)
{
	struct fent **pp = &fb->tab[hash_obj(f->obj, fb->nbuckets)];
	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	lru_unlink(f);
	desc_close(fb, &f->d[0]);
	desc_close(fb, &f->d[1]);
	free(f->defer);
	free(f);
	fb->nent--;
}

static void ent_trim(struct filebk *fb)
{
	while (fb->nent > fb->cfg.max_open && fb->lru.next != &fb->lru)
		ent_remove(fb, fb->lru.next);
}

/* obj's entry, made if missing, pinned; NULL when out of memory. */
static struct fent *ent_pin(struct filebk *fb, uint64_t obj)
{
	struct fent *f = ent_find(fb, obj);
	if (!f) {
		if (!(f = calloc(1, sizeof *f)))
			return NULL;
		f->obj = obj;
		f->d[0].fd = f->d[1].fd = -1;
		size_t b = hash_obj(obj, fb->nbuckets);
		f->hnext = fb->tab[b];
		fb->tab[b] = f;
		fb->nent++;
	} else {
		lru_unlink(f);
	}
	f->pins++;
	return f;
}

static void discard_start(struct filebk *fb, uint64_t obj, uint64_t lo, uint64_t hi);

static void ent_put(struct filebk *fb, struct fent *f)
{
	if (--f->pins)
		return;
	if (f->ndefer) {
		/* The discards that waited for the object's operations go now
		 * (each pins the entry again, so it stays). */
		uint64_t(*v)[2] = f->defer, obj = f->obj;
		unsigned n = f->ndefer;
		f->defer = NULL;
		f->ndefer = 0;
		f->pins++; /* held across the loop: a punch that fails at once unpins */
		for (unsigned i = 0; i < n; i++)
			discard_start(fb, obj, v[i][0], v[i][1]);
		free(v);
		ent_put(fb, f);
		return;
	}
	if (f->stale || (f->d[0].fd < 0 && f->d[1].fd < 0)) {
		ent_remove(fb, f);
		return;
	}
	lru_push(fb, f);
	ent_trim(fb);
}

/* ---- opening ---- */

static void pump(struct filebk *fb);
static void opener_done(struct loop_io *io, int res);

static void fifo_push(struct filebk *fb, struct bk_req *r)
{
	r->priv[1] = NULL;
	if (fb->qtail)
		fb->qtail->priv[1] = r;
	else
		fb->qhead = r;
	fb->qtail = r;
}

/* Unpins r's entry and fails r with errnum ("open PATH: ..."). */
static void waiter_fail(struct filebk *fb, struct bk_req *r, int errnum)
{
	set_err(fb, r->object, "open", errnum);
	ent_put(fb, REQ_ENT(r));
	req_fail_later(fb, r, status_of(errnum));
}

/* Fails the waiters that `which` selects (1: writes, 0: reads) with
 * errnum; 1 if any waiter is left. */
static int waiters_fail(struct opener *o, int which, int errnum)
{
	struct bk_req **pp = &o->head, *last = NULL;
	while (*pp) {
		struct bk_req *r = *pp;
		if ((r->op == BK_WRITE) == which) {
			*pp = r->priv[1];
			waiter_fail(o->fb, r, errnum);
		} else {
			last = r;
			pp = (struct bk_req **)&r->priv[1];
		}
	}
	o->tail = last;
	return o->head != NULL;
}

/* Sends the opener's current step to the loop, or, for an open that the
 * fault hook fails, its result through the executor. */
static void opener_fault_cb(void *arg)
{
	struct opener *o = arg;
	opener_done(&o->io, (int)o->io.off);
}

static void opener_step(struct opener *o)
{
	struct filebk *fb = o->fb;
	o->io.done = opener_done;
	switch (o->step) {
	case OS_MKDIR_TOP:
		o->path[o->top_len] = '\0';
		loop_mkdirat(fb->l, &o->io, AT_FDCWD, o->path, 0755, NULL);
		return;
	case OS_MKDIR_LEAF:
		o->path[o->leaf_len] = '\0';
		loop_mkdirat(fb->l, &o->io, AT_FDCWD, o->path, 0755, NULL);
		return;
	default:
		break;
	}
	int flags = O_CLOEXEC | (o->direct ? O_DIRECT : 0) | (o->step == OS_RDONLY ? O_RDONLY : O_RDWR) |
		    (o->creat ? O_CREAT : 0);
	int rc = 0;
	if (fb->cfg.fault)
		rc = fb->cfg.fault(fb->cfg.fault_ctx, o->creat ? BK_CREATE : BK_OPEN, o->f->obj, 0, 0);
	if (rc) {
		o->io.off = rc;
		exec_at(&fb->x, exec_now(&fb->x), opener_fault_cb, o);
		return;
	}
	loop_openat(fb->l, &o->io, AT_FDCWD, o->path, flags, 0644, NULL);
}

/* The chain ended: res a descriptor, or -errno.  Every waiter goes on or
 * fails; the opener is freed. */
static void opener_finish(struct opener *o, int res)
{
	struct filebk *fb = o->fb;
	struct fdesc *d = &o->f->d[o->direct];
	d->opening = NULL;
	if (res >= 0) {
		d->fd = res;
		d->rw = o->step != OS_RDONLY;
		struct opstats *st = &fb->fs[o->creat];
		st->ops++;
		hist_record(st->latency_ns, exec_now(&fb->x) - o->start_ns);
	}
	for (struct bk_req *r = o->head, *n; r; r = n) {
		n = r->priv[1];
		if (res < 0)
			waiter_fail(fb, r, -res);
		else if (r->op == BK_WRITE && !d->rw)
			waiter_fail(fb, r, EACCES); /* the file opens read-only */
		else
			fifo_push(fb, r);
	}
	if (o->prev)
		o->prev->next = o->next;
	else
		fb->openers = o->next;
	if (o->next)
		o->next->prev = o->prev;
	ent_put(fb, o->f); /* the opener's own pin, last */
	free(o);
	pump(fb);
}

static void opener_done(struct loop_io *io, int res)
{
	struct opener *o = (struct opener *)io;
	switch (o->step) {
	case OS_MKDIR_TOP:
	case OS_MKDIR_LEAF:
		o->path[o->step == OS_MKDIR_TOP ? o->top_len : o->leaf_len] = '/';
		if (res < 0 && res != -EEXIST) {
			opener_finish(o, res);
			return;
		}
		if (o->step == OS_MKDIR_TOP) {
			o->step = OS_MKDIR_LEAF;
		} else {
			o->step = OS_OPEN;
			o->made_dirs = 1;
		}
		opener_step(o);
		return;
	case OS_OPEN:
		if (res == -ENOENT && waiters_fail(o, 0, ENOENT)) {
			/* Writes wait: create the file, then its directories. */
			if (!o->creat) {
				o->creat = 1;
				opener_step(o);
				return;
			}
			if (!o->made_dirs) {
				o->step = OS_MKDIR_TOP;
				opener_step(o);
				return;
			}
		} else if (res == -EACCES && waiters_fail(o, 1, EACCES)) {
			/* Reads wait: the file may still open read-only. */
			o->step = OS_RDONLY;
			o->creat = 0;
			opener_step(o);
			return;
		}
		break;
	case OS_RDONLY:
		break;
	}
	opener_finish(o, res);
}

/* Gets r (its entry pinned) its descriptor: at once into the FIFO, or by
 * joining or starting the open.  0, or -errno (r is still pinned). */
static int req_open(struct filebk *fb, struct bk_req *r)
{
	struct fent *f = REQ_ENT(r);
	struct fdesc *d = &f->d[REQ_DIRECT(r)];
	int write = r->op == BK_WRITE;
	if (d->fd >= 0 && write && !d->rw) {
		/* Opened read-only for reads: reopen for writing, unless
		 * other requests hold the descriptor. */
		if (f->pins > 1)
			return -EACCES;
		desc_close(fb, d);
	}
	if (d->fd >= 0) {
		fifo_push(fb, r);
		return 0;
	}
	r->priv[1] = NULL;
	struct opener *o = d->opening;
	if (o) {
		if (o->tail)
			o->tail->priv[1] = r;
		else
			o->head = r;
		o->tail = r;
		return 0;
	}
	size_t dl = strlen(fb->dir);
	if (!(o = calloc(1, sizeof *o + dl + NAMES_OBJ_LEN + 2)))
		return -ENOMEM;
	char rel[NAMES_OBJ_LEN + 1];
	names_obj_path(rel, f->obj);
	memcpy(o->path, fb->dir, dl);
	o->path[dl] = '/';
	memcpy(o->path + dl + 1, rel, NAMES_OBJ_LEN + 1);
	o->top_len = dl + 3;  /* DIR/hh */
	o->leaf_len = dl + 6; /* DIR/hh/hh */
	o->fb = fb;
	o->f = f;
	o->direct = REQ_DIRECT(r);
	o->step = OS_OPEN;
	o->creat = write;
	o->start_ns = exec_now(&fb->x);
	o->head = o->tail = r;
	f->pins++; /* the opener's own: waiters may all fail before it ends */
	o->next = fb->openers;
	if (o->next)
		o->next->prev = o;
	fb->openers = o;
	d->opening = o;
	opener_step(o);
	return 0;
}

/* ---- operations ---- */

/* The loop thread's CPU time since t0 (loop_thread_cpu_s), in ns. */
static uint64_t cpu_ns_since(double t0)
{
	double d = loop_thread_cpu_s() - t0;
	return d > 0 ? (uint64_t)(d * 1e9) : 0;
}

static void fill_timed(struct filebk *fb, void *buf, uint64_t obj, uint64_t off, size_t len)
{
	if (!fb->cfg.time_content) {
		content_fill(buf, obj, off, len);
		return;
	}
	double t = loop_thread_cpu_s();
	content_fill(buf, obj, off, len);
	fb->content.fill_ns += cpu_ns_since(t);
	fb->content.fill_bytes += len;
	fb->content.fill_calls++;
}

static int check_timed(struct filebk *fb, const void *buf, uint64_t obj, uint64_t off, size_t len, uint64_t *bad)
{
	if (!fb->cfg.time_content)
		return content_check(buf, obj, off, len, bad);
	double t = loop_thread_cpu_s();
	int rc = content_check(buf, obj, off, len, bad);
	fb->content.check_ns += cpu_ns_since(t);
	fb->content.check_bytes += len;
	fb->content.check_calls++;
	return rc;
}

/* Scratch buffers for operations of HUGE_MIN bytes or more are whole
 * transparent huge pages (madvise(MADV_HUGEPAGE)), so that the transfer is
 * one physically contiguous segment per 2 MiB instead of one per 4 KiB
 * page.  With 4 KiB pages a 1 MiB read is 256 segments; a device that takes
 * fewer per request (virtio-blk on the machine this was measured on: 254,
 * /sys/block/DEV/queue/max_segments) splits it into two requests and
 * cannot merge adjacent reads, and a virtual disk pays per request:
 * bench/refio measured 1 MiB sequential reads at about 1.1 GB/s (1016 KiB +
 * 8 KiB requests) from 4 KiB pages and 2.4 GB/s (four reads merged into
 * 4 MiB requests) from huge pages.  The cost: the buffer is rounded up to
 * 2 MiB (at most 1 MiB more per slot).  If the kernel has no huge page to
 * give, the buffer is ordinary memory and everything works as before. */
#define HUGE_MIN (1u << 20)
#define HUGE_PAGE (2u << 20)

static int grow_scratch(struct slot *s, size_t len)
{
	if (s->scap >= len)
		return 0;
	size_t align = len >= HUGE_MIN ? HUGE_PAGE : FILEBK_ALIGN;
	size_t cap = (len + align - 1) / align * align;
	void *p;
	if (posix_memalign(&p, align, cap))
		return -1;
	if (align == HUGE_PAGE)
		madvise(p, cap, MADV_HUGEPAGE); /* advice: failure is harmless */
	free(s->scratch);
	s->scratch = p;
	s->scap = cap;
	return 0;
}

static void slot_io_done(struct loop_io *io, int res);

static int slot_issue(struct slot *s)
{
	struct filebk *fb = s->fb;
	struct bk_req *r = s->req;
	size_t left = s->len - s->done;
	off_t off = (off_t)(s->io_off + s->done);
	if (r->op == BK_READ)
		return loop_read(fb->l, &s->io, s->fd, s->iobuf + s->done, left, off, NULL);
	return loop_write(fb->l, &s->io, s->fd, s->iobuf + s->done, left, off, NULL);
}

/* Starts r (its descriptor open, its entry pinned) on slot s: 0, or -1
 * when r failed before any I/O (its failure is scheduled, its pin
 * dropped; the slot is free again). */
static int slot_start(struct filebk *fb, struct slot *s, struct bk_req *r)
{
	int write = r->op == BK_WRITE;
	int direct = REQ_DIRECT(r);
	s->ent = REQ_ENT(r);
	s->fd = s->ent->d[direct].fd;
	s->req = r;
	s->len = (size_t)r->length;
	s->done = 0;
	s->bounce = 0;
	s->io_off = r->offset;
	s->skip = 0;
	s->need = s->len;
	int widen = direct && (r->offset % FILEBK_ALIGN || r->length % FILEBK_ALIGN);
	if (widen) {
		/* Widened (see filebk.h): the aligned blocks around the range,
		 * in scratch, the range at scratch + skip.  A read needs the
		 * range, a write (of content: submit sends a caller's buffer
		 * the buffered way) writes the blocks whole. */
		s->io_off = r->offset / FILEBK_ALIGN * FILEBK_ALIGN;
		s->skip = (size_t)(r->offset - s->io_off);
		s->need = s->skip + s->len;
		s->len = (s->need + FILEBK_ALIGN - 1) / FILEBK_ALIGN * FILEBK_ALIGN;
		if (write)
			s->need = s->len;
	}
	if (!widen && r->buf && !(direct && (uintptr_t)r->buf % FILEBK_ALIGN)) {
		s->iobuf = r->buf;
	} else {
		if (grow_scratch(s, s->len)) {
			ent_put(fb, s->ent);
			snprintf(fb->last_err, sizeof fb->last_err, "out of memory for a %zu-byte buffer", s->len);
			req_fail_later(fb, r, BK_EIO);
			return -1;
		}
		s->iobuf = s->scratch;
		if (write && r->buf)
			memcpy(s->scratch, r->buf, s->len);
		else if (write)
			fill_timed(fb, s->scratch, r->object, s->io_off, s->len);
		s->bounce = !write && r->buf;
	}
	s->io.done = slot_io_done;
	if (slot_issue(s)) { /* cannot happen: fd and io are valid */
		ent_put(fb, s->ent);
		req_fail_later(fb, r, BK_EIO);
		return -1;
	}
	fb->inflight++;
	if (fb->inflight > fb->max_inflight)
		fb->max_inflight = fb->inflight;
	return 0;
}

/* Gives waiting requests the free slots. */
static void pump(struct filebk *fb)
{
	while (fb->free_slots && fb->qhead) {
		struct bk_req *r = fb->qhead;
		fb->qhead = r->priv[1];
		if (!fb->qhead)
			fb->qtail = NULL;
		struct slot *s = fb->free_slots;
		fb->free_slots = s->next_free;
		if (slot_start(fb, s, r)) {
			s->next_free = fb->free_slots;
			fb->free_slots = s;
		}
	}
}

static void slot_io_done(struct loop_io *io, int res)
{
	struct slot *s = (struct slot *)io;
	struct filebk *fb = s->fb;
	struct bk_req *r = s->req;
	int read = r->op == BK_READ;
	if (res > 0 && s->done + (size_t)res < s->len && s->done + (size_t)res < s->need) {
		/* A partial transfer: ask for the rest.  (A widened read that
		 * stops at the end of the file once it holds the range is done.) */
		s->done += (size_t)res;
		if (slot_issue(s) == 0)
			return;
		res = -EIO;
	}
	int status = BK_OK;
	if (res < 0) {
		status = status_of(-res);
		set_err(fb, r->object, read ? "read" : "write", -res);
	} else {
		s->done += (size_t)res;
		if (s->done < s->need) {
			status = BK_EIO;
			char rel[NAMES_OBJ_LEN + 1];
			names_obj_path(rel, r->object);
			snprintf(fb->last_err, sizeof fb->last_err, "%s %s/%s at offset %llu: short %s: %zu of %zu bytes",
				 read ? "read" : "write", fb->dir, rel, (unsigned long long)r->offset,
				 read ? "read" : "write", s->done < s->skip ? 0 : s->done - s->skip, s->need - s->skip);
		}
	}
	if (status == BK_OK && read) {
		size_t n = s->need - s->skip;
		if (s->bounce)
			memcpy(r->buf, s->scratch + s->skip, n);
		uint64_t bad;
		if (fb->cfg.verify && !r->buf && check_timed(fb, s->iobuf + s->skip, r->object, r->offset, n, &bad)) {
			status = BK_EIO;
			fb->verify_errors++;
			char rel[NAMES_OBJ_LEN + 1];
			names_obj_path(rel, r->object);
			snprintf(fb->last_err, sizeof fb->last_err, "read %s/%s: wrong content at byte %llu", fb->dir, rel,
				 (unsigned long long)bad);
		}
	}
	r->status = status;
	if (status == BK_OK) {
		struct opstats *st = &fb->st[read ? 0 : 1];
		st->ops++;
		st->bytes += r->length;
		hist_record(st->latency_ns, exec_now(&fb->x) - r->submit_ns);
	} else {
		fb->errors++;
		fb->last_err_ns = exec_now(&fb->x);
	}
	ent_put(fb, s->ent);
	s->req = NULL;
	fb->inflight--;
	s->next_free = fb->free_slots;
	fb->free_slots = s;
	pump(fb);
	r->done(r);
}

/* r, its entry pinned and its descriptor chosen, goes to its open or
 * the FIFO (pump starts it); a failure to open fails it. */
static void req_go(struct filebk *fb, struct bk_req *r)
{
	int rc = req_open(fb, r);
	if (rc) {
		set_err(fb, r->object, "open", -rc);
		ent_put(fb, REQ_ENT(r));
		req_fail_later(fb, r, status_of(-rc));
	}
}

/* A write over a deferred discard's range takes it back: the punch would
 * zero the bytes written (a fill of the chunk the tier took in again). */
static void defer_cancel(struct fent *f, uint64_t off, uint64_t len)
{
	uint64_t end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
	unsigned k = 0;
	for (unsigned i = 0; i < f->ndefer; i++)
		if (f->defer[i][1] <= off || f->defer[i][0] >= end)
			memcpy(f->defer[k++], f->defer[i], sizeof f->defer[i]);
	f->ndefer = k;
	if (!k) {
		free(f->defer);
		f->defer = NULL;
	}
}

static int filebk_submit(void *self, struct bk_req *r)
{
	struct filebk *fb = self;
	r->status = BK_OK;
	r->retries = 0;
	r->submit_ns = exec_now(&fb->x);
	r->priv[0] = fb;
	r->priv[1] = NULL;
	if (r->op != BK_READ && r->op != BK_WRITE) {
		req_fail_later(fb, r, BK_ENOTSUP);
		return 0;
	}
	if (r->length > MAX_IO_BYTES || r->offset > (uint64_t)INT64_MAX - r->length) {
		snprintf(fb->last_err, sizeof fb->last_err, "%s of %llu bytes at %llu: too large (at most %u bytes)",
			 bk_op_name(r->op), (unsigned long long)r->length, (unsigned long long)r->offset, MAX_IO_BYTES);
		req_fail_later(fb, r, BK_EIO);
		return 0;
	}
	int rc;
	if (fb->cfg.fault && (rc = fb->cfg.fault(fb->cfg.fault_ctx, r->op, r->object, r->offset, r->length))) {
		set_err(fb, r->object, r->op == BK_WRITE ? "write" : "read", -rc);
		req_fail_later(fb, r, status_of(-rc));
		return 0;
	}
	int aligned = r->offset % FILEBK_ALIGN == 0 && r->length % FILEBK_ALIGN == 0;
	if (fb->direct && !aligned)
		fb->unaligned++;
	/* Unaligned reads and writes of content also go direct, widened to
	 * whole blocks (filebk.h); unaligned writes of a caller's bytes go
	 * through the buffered descriptor. */
	int use_direct = fb->direct && (aligned || r->op == BK_READ || !r->buf);
	struct fent *f = ent_pin(fb, r->object);
	if (!f) {
		set_err(fb, r->object, "open", ENOMEM);
		req_fail_later(fb, r, BK_EIO);
		return 0;
	}
	r->priv[0] = f;
	r->upriv[1] = (uint64_t)use_direct;
	if (r->op == BK_WRITE && f->ndefer)
		defer_cancel(f, r->offset, r->length);
	if (f->discarding) { /* after the discard, never beside it */
		r->priv[1] = NULL;
		if (f->park_tail)
			f->park_tail->priv[1] = r;
		else
			f->park_head = r;
		f->park_tail = r;
		return 0;
	}
	req_go(fb, r);
	pump(fb);
	return 0;
}

/* ---- discards ---- */

static void discard_io_done(struct loop_io *io, int res);

/* The discard is over: the requests parked behind it go on. */
static void discard_end(struct discard *d)
{
	struct filebk *fb = d->fb;
	struct fent *f = d->f;
	if (d->prev)
		d->prev->next = d->next;
	else
		fb->discards_live = d->next;
	if (d->next)
		d->next->prev = d->prev;
	if (--f->discarding == 0) {
		struct bk_req *r = f->park_head;
		f->park_head = f->park_tail = NULL;
		while (r) {
			struct bk_req *n = r->priv[1];
			req_go(fb, r);
			r = n;
		}
	}
	ent_put(fb, f);
	free(d);
	pump(fb);
}

static void discard_punch(struct discard *d)
{
	d->step = DS_PUNCH;
	if (loop_fallocate(d->fb->l, &d->io, d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, d->off, d->len,
			   NULL) < 0) {
		d->fb->discard_errors++;
		if (d->own)
			loop_close_detached(d->fb->l, d->fd);
		discard_end(d);
	}
}

static void discard_io_done(struct loop_io *io, int res)
{
	struct discard *d = (struct discard *)io;
	struct filebk *fb = d->fb;
	if (d->step == DS_OPEN) {
		if (res < 0) {
			/* No file (its fill never came): nothing to free. */
			if (res != -ENOENT)
				fb->discard_errors++;
			discard_end(d);
			return;
		}
		d->fd = res;
		d->own = 1;
		discard_punch(d);
		return;
	}
	if (res < 0) {
		fb->discard_errors++;
	} else {
		fb->discards++;
		fb->discard_bytes += (uint64_t)d->len;
	}
	if (d->own)
		loop_close_detached(fb->l, d->fd);
	discard_end(d);
}

static void filebk_discard(void *self, uint64_t obj, uint64_t offset, uint64_t length)
{
	struct filebk *fb = self;
	/* Whole blocks only: a block at either end may hold bytes of the
	 * chunk beside it. */
	uint64_t lo = (offset + FILEBK_ALIGN - 1) / FILEBK_ALIGN * FILEBK_ALIGN;
	uint64_t hi = length > UINT64_MAX - offset ? UINT64_MAX : offset + length;
	hi = hi / FILEBK_ALIGN * FILEBK_ALIGN;
	if (hi <= lo || hi > (uint64_t)INT64_MAX)
		return;
	struct fent *f = ent_find(fb, obj);
	if (f && f->pins) {
		/* An operation on the object is in flight (a read of the very
		 * chunk, perhaps): punching under it could hand it zeros.  The
		 * punch waits until the object's operations are over (ent_put);
		 * a write of those bytes meanwhile cancels it (defer_cancel).
		 * (Skipped for good, it left a 1 MiB tier's files at 5 MiB.) */
		uint64_t(*v)[2] = realloc(f->defer, (f->ndefer + 1) * sizeof *v);
		if (!v) {
			fb->discards_skipped++;
			return;
		}
		v[f->ndefer][0] = lo;
		v[f->ndefer][1] = hi;
		f->defer = v;
		f->ndefer++;
		fb->discards_deferred++;
		return;
	}
	discard_start(fb, obj, lo, hi);
}

/* Punches [lo, hi) of obj's file, whole blocks, pinning its entry while
 * the punch is in flight. */
static void discard_start(struct filebk *fb, uint64_t obj, uint64_t lo, uint64_t hi)
{
	struct fent *f;
	size_t dl = strlen(fb->dir);
	struct discard *d = calloc(1, sizeof *d + dl + NAMES_OBJ_LEN + 2);
	if (!d || !(f = ent_pin(fb, obj))) {
		free(d);
		fb->discards_skipped++;
		return;
	}
	d->fb = fb;
	d->f = f;
	d->off = (off_t)lo;
	d->len = (off_t)(hi - lo);
	d->fd = -1;
	d->io.done = discard_io_done;
	f->discarding++;
	d->next = fb->discards_live;
	if (d->next)
		d->next->prev = d;
	fb->discards_live = d;
	for (int k = 0; k < 2 && d->fd < 0; k++)
		if (f->d[k].fd >= 0 && f->d[k].rw)
			d->fd = f->d[k].fd;
	if (d->fd >= 0) {
		discard_punch(d);
		return;
	}
	char rel[NAMES_OBJ_LEN + 1];
	names_obj_path(rel, obj);
	memcpy(d->path, fb->dir, dl);
	d->path[dl] = '/';
	memcpy(d->path + dl + 1, rel, NAMES_OBJ_LEN + 1);
	d->step = DS_OPEN;
	if (loop_openat(fb->l, &d->io, AT_FDCWD, d->path, O_WRONLY | O_CLOEXEC, 0, NULL) < 0) {
		fb->discard_errors++;
		discard_end(d);
	}
}

/* ---- statistics ---- */

static int filebk_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct filebk *fb = self;
	double secs = now_ns > fb->since_ns ? (double)(now_ns - fb->since_ns) / 1e9 : 0;
	static const char *const opn[2] = { "read", "write" };
	char name[64], full[320];
	for (int i = 0; i < 2; i++) {
		const struct opstats *st = &fb->st[i];
		if (met_export_op(m, prefix, opn[i], st->ops, &st->bytes, secs, st->latency_ns, 1))
			return -1;
	}
	static const char *const fsn[2] = { "open", "create" };
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof name, "fs.%ss", fsn[i]);
		if (met_set_in(m, prefix, name, (double)fb->fs[i].ops, "ops"))
			return -1;
		snprintf(full, sizeof full, "%s.fs.%s.latency", prefix, fsn[i]);
		struct hist *h = met_hist(m, full, "ns");
		if (!h)
			return -1;
		hist_reset(h);
		hist_merge(h, fb->fs[i].latency_ns);
	}
	const struct met_field f[] = {
		{ "errors", "ops", (double)fb->errors },
		{ "enotsup", "ops", (double)fb->enotsup },
		{ "unaligned", "ops", (double)fb->unaligned },
		{ "verify_errors", "ops", (double)fb->verify_errors },
		{ "discards", "ops", (double)fb->discards },
		{ "discard_bytes", "B", (double)fb->discard_bytes },
		{ "discards_skipped", "ops", (double)fb->discards_skipped },
		{ "discards_deferred", "ops", (double)fb->discards_deferred },
		{ "discard_errors", "ops", (double)fb->discard_errors },
		{ "direct", "bool", fb->direct },
		{ "queue_depth", "ops", fb->cfg.queue_depth },
	};
	if (met_set_fields(m, prefix, f, sizeof f / sizeof f[0]))
		return -1;
	if (!fb->cfg.time_content)
		return 0;
	const struct filebk_content *c = &fb->content;
	const struct met_field cf[] = {
		{ "content.check_bytes", "B", (double)c->check_bytes },
		{ "content.check_rate", "B/s", c->check_ns ? c->check_bytes / (c->check_ns / 1e9) : 0 },
		{ "content.fill_bytes", "B", (double)c->fill_bytes },
		{ "content.fill_rate", "B/s", c->fill_ns ? c->fill_bytes / (c->fill_ns / 1e9) : 0 },
		{ "content.check_calls", "calls", (double)c->check_calls },
		{ "content.fill_calls", "calls", (double)c->fill_calls },
	};
	return met_set_fields(m, prefix, cf, sizeof cf / sizeof cf[0]);
}

static void filebk_reset(void *self)
{
	struct filebk *fb = self;
	for (int i = 0; i < 2; i++) {
		fb->st[i].ops = fb->st[i].bytes = 0;
		hist_reset(fb->st[i].latency_ns);
		fb->fs[i].ops = 0;
		hist_reset(fb->fs[i].latency_ns);
	}
	fb->errors = fb->enotsup = fb->unaligned = fb->verify_errors = 0;
	fb->discards = fb->discard_bytes = fb->discards_skipped = fb->discards_deferred = fb->discard_errors = 0;
	fb->content = (struct filebk_content){ 0 };
	fb->max_inflight = fb->inflight;
	fb->since_ns = exec_now(&fb->x);
}

static void filebk_destroy(void *self)
{
	struct filebk *fb = self;
	if (!fb)
		return;
	while (fb->openers) { /* dropped with their requests (backend.h) */
		struct opener *o = fb->openers;
		fb->openers = o->next;
		free(o);
	}
	while (fb->discards_live) { /* and the requests parked behind them */
		struct discard *d = fb->discards_live;
		fb->discards_live = d->next;
		if (d->own)
			loop_close_detached(fb->l, d->fd);
		free(d);
	}
	if (fb->tab) {
		for (size_t b = 0; b < fb->nbuckets; b++)
			for (struct fent *f = fb->tab[b], *n; f; f = n) {
				n = f->hnext;
				desc_close(fb, &f->d[0]);
				desc_close(fb, &f->d[1]);
				free(f->defer);
				free(f);
			}
	}
	free(fb->tab);
	if (fb->slots)
		for (unsigned i = 0; i < fb->cfg.queue_depth; i++)
			free(fb->slots[i].scratch);
	free(fb->slots);
	for (int i = 0; i < 2; i++) {
		hist_free(fb->st[i].latency_ns);
		hist_free(fb->fs[i].latency_ns);
	}
	free(fb->dir);
	free(fb);
}

static const struct bk_ops filebk_ops_table = {
	.name = "file",
	.submit = filebk_submit,
	.export = filebk_export,
	.reset_stats = filebk_reset,
	.destroy = filebk_destroy,
	.discard = filebk_discard,
};

/* 1 if a file in dir opens with O_DIRECT, 0 if the file system refuses
 * it (EINVAL), -1 (e filled) if the probe file cannot be made. */
static int probe_direct(const char *dir, struct err *e)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s/.filebk-probe-XXXXXX", dir) >= (int)sizeof p)
		return err_set(e, ERR_INPUT, "%s: path too long", dir);
	int fd = mkstemp(p);
	if (fd < 0)
		return err_set(e, ERR_FAIL, "%s: cannot create a file: %s", dir, strerror(errno));
	close(fd);
	fd = open(p, O_RDWR | O_DIRECT | O_CLOEXEC);
	int errnum = errno;
	unlink(p);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errnum == EINVAL)
		return 0;
	return err_set(e, ERR_FAIL, "%s: open with O_DIRECT: %s", dir, strerror(errnum));
}

int filebk_new(struct backend *out, struct loop *l, const struct filebk_cfg *cfg, struct err *e)
{
	if (!cfg->dir || !*cfg->dir)
		return err_set(e, ERR_INPUT, "file backend: no directory given");
	struct stat st;
	if (stat(cfg->dir, &st))
		return err_set(e, ERR_INPUT, "%s: %s", cfg->dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_INPUT, "%s: not a directory", cfg->dir);
	if (access(cfg->dir, R_OK | W_OK | X_OK))
		return err_set(e, ERR_INPUT, "%s: %s", cfg->dir, strerror(errno));
	if (strlen(cfg->dir) + NAMES_OBJ_LEN + 2 > PATH_MAX)
		return err_set(e, ERR_INPUT, "%s: path too long", cfg->dir);
	int direct = 0;
	if (cfg->direct != FILEBK_DIRECT_OFF) {
		if ((direct = probe_direct(cfg->dir, e)) < 0)
			return -1;
		if (!direct && cfg->direct == FILEBK_DIRECT_ON)
			return err_set(e, ERR_INPUT, "%s: the file system does not support O_DIRECT", cfg->dir);
	}
	struct filebk *fb = calloc(1, sizeof *fb);
	if (!fb)
		return err_set(e, ERR_FAIL, "out of memory");
	fb->l = l;
	fb->x = loop_executor(l);
	fb->cfg = *cfg;
	if (!fb->cfg.queue_depth)
		fb->cfg.queue_depth = 32;
	if (!fb->cfg.max_open)
		fb->cfg.max_open = 1024;
	/* Each cached file holds up to two descriptors (buffered and direct). */
	loop_reserve_fds(l, 2 * fb->cfg.max_open + 8);
	fb->direct = direct;
	fb->dir = strdup(cfg->dir);
	fb->cfg.dir = fb->dir;
	fb->nbuckets = 64;
	while (fb->nbuckets < 2 * (size_t)fb->cfg.max_open)
		fb->nbuckets *= 2;
	fb->tab = calloc(fb->nbuckets, sizeof *fb->tab);
	fb->slots = calloc(fb->cfg.queue_depth, sizeof *fb->slots);
	fb->st[0].latency_ns = hist_new();
	fb->st[1].latency_ns = hist_new();
	fb->fs[0].latency_ns = hist_new();
	fb->fs[1].latency_ns = hist_new();
	if (!fb->dir || !fb->tab || !fb->slots || !fb->st[0].latency_ns || !fb->st[1].latency_ns ||
	    !fb->fs[0].latency_ns || !fb->fs[1].latency_ns) {
		filebk_destroy(fb);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	fb->lru.prev = fb->lru.next = &fb->lru;
	for (unsigned i = fb->cfg.queue_depth; i-- > 0;) {
		fb->slots[i].fb = fb;
		fb->slots[i].next_free = fb->free_slots;
		fb->free_slots = &fb->slots[i];
		/* Made and touched now, not by the run's first operations: a
		 * buffer's first touch faults its pages in, and a huge page is
		 * zeroed, perhaps compacted for, first.  Here that is several ms
		 * of the loop's CPU per 2 MiB slot (tierref probe's 1 MiB reads at
		 * QD64 cost 816 us each over a 0.25 s point that paid it, 73 us
		 * once paid): a start-up cost, not the data path's (fio, too,
		 * makes its buffers first). */
		if (fb->cfg.buf_bytes) {
			if (grow_scratch(&fb->slots[i], fb->cfg.buf_bytes)) {
				filebk_destroy(fb);
				return err_set(e, ERR_FAIL, "%s: out of memory for %u buffers of %zu bytes", cfg->dir,
					       fb->cfg.queue_depth, fb->cfg.buf_bytes);
			}
			memset(fb->slots[i].scratch, 0, fb->slots[i].scap);
		}
	}
	fb->since_ns = exec_now(&fb->x);
	out->ops = &filebk_ops_table;
	out->self = fb;
	return 0;
}

int filebk_direct(const struct backend *b)
{
	return ((const struct filebk *)b->self)->direct;
}

void filebk_content(const struct backend *b, struct filebk_content *out)
{
	*out = ((const struct filebk *)b->self)->content;
}

void filebk_discards(const struct backend *b, struct filebk_discards *out)
{
	const struct filebk *fb = b->self;
	*out = (struct filebk_discards){ fb->discards, fb->discard_bytes, fb->discard_errors };
}

const char *filebk_last_error(const struct backend *b)
{
	return ((const struct filebk *)b->self)->last_err;
}

uint64_t filebk_last_error_ns(const struct backend *b)
{
	return ((const struct filebk *)b->self)->last_err_ns;
}

uint64_t filebk_ops(const struct backend *b, enum bk_op op)
{
	const struct filebk *fb = b->self;
	return op == BK_READ ? fb->st[0].ops : op == BK_WRITE ? fb->st[1].ops : 0;
}

unsigned filebk_max_inflight(const struct backend *b)
{
	return ((const struct filebk *)b->self)->max_inflight;
}

int filebk_path(const struct backend *b, uint64_t obj, char *out, size_t cap)
{
	const struct filebk *fb = b->self;
	char rel[NAMES_OBJ_LEN + 1];
	names_obj_path(rel, obj);
	int n = snprintf(out, cap, "%s/%s", fb->dir, rel);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int filebk_cached_fd(const struct backend *b, uint64_t obj)
{
	const struct fent *f = ent_find(b->self, obj);
	if (!f)
		return -1;
	return f->d[0].fd >= 0 ? f->d[0].fd : f->d[1].fd;
}

int filebk_pin(struct backend *b, uint64_t obj)
{
	struct filebk *fb = b->self;
	struct fent *f = ent_find(fb, obj);
	if (!f || (f->d[0].fd < 0 && f->d[1].fd < 0))
		return -1;
	lru_unlink(f);
	f->pins++;
	return f->d[0].fd >= 0 ? f->d[0].fd : f->d[1].fd;
}

void filebk_unpin(struct backend *b, uint64_t obj)
{
	struct filebk *fb = b->self;
	struct fent *f = ent_find(fb, obj);
	if (f && f->pins)
		ent_put(fb, f);
}

size_t filebk_busy(const struct backend *b)
{
	const struct filebk *fb = b->self;
	size_t n = 0;
	for (const struct discard *d = fb->discards_live; d; d = d->next)
		n++;
	for (size_t k = 0; k < fb->nbuckets; k++)
		for (const struct fent *f = fb->tab[k]; f; f = f->hnext)
			n += f->ndefer;
	return n;
}

const struct hist *filebk_file_latency(const struct backend *b, int create)
{
	return ((const struct filebk *)b->self)->fs[create ? 1 : 0].latency_ns;
}

void filebk_forget(struct backend *b, uint64_t obj)
{
	struct filebk *fb = b->self;
	struct fent *f = ent_find(fb, obj);
	if (!f)
		return;
	if (f->pins)
		f->stale = 1;
	else
		ent_remove(fb, f);
}
