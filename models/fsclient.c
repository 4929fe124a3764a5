/*
 * fsclient — see fsclient.h.
 *
 * Equations.  A data operation (READ, WRITE) on object o submitted at time
 * t waits
 *     d = h                    if o's file is not among the open_files
 *                              most recently used files of this tier
 *                              instance; the file opens, and is ready at
 *                              R_o = t + h, with
 *           h ~ create_latency   if the operation is a WRITE and o has not
 *                                been read or written at this instance
 *                                before (its file does not exist yet)
 *           h ~ open_latency     otherwise
 *     d = max(0, R_o - t)      if it is among them: the file is open, or
 *                              still opening for an earlier operation,
 *                              whose open this one shares (tierref's
 *                              backends coalesce concurrent opens)
 * and is then submitted to the device model, so it takes
 *     T = d + T_device(queueing among the device's operations)
 * Creates share c = create_parallelism servers (0: any number at once):
 * a create drawn h at time t starts on the server free soonest, at
 *     s = max(t, F_k),  F_k = min over the c servers of when each frees,
 * and R_o = s + h becomes that server's F_k; so creates queue FIFO, c at
 * a time.  Their times are drawn at submission, in submission order, so
 * the queue needs no event: R_o is known at once (a multi-server FIFO
 * queue's departures follow from its arrivals and service times).
 * Nothing else waits for d: opens and creates are asynchronous (io_uring's
 * OPENAT and MKDIRAT in tierref, run by kernel workers), so operations on
 * other files, and the node's other tiers, go on meanwhile, and any number
 * of opens overlap (creates: c at a time, above).  An operation with d = 0
 * goes to the device at once, with no event.  Metadata operations pass through untouched (they are the
 * metadata service's business: models/meta.c, or a real directory's).
 *
 * With an event loop (turn set: models/client.h client_turn, the node's
 * client with reap_batch > 0), the open does not end at R_o: each step of
 * its chain completes when the loop's thread reaps it, in its turn, and
 * only the last goes on to the device.  An open is one step (OPENAT), a
 * create four (FSC_CREATE_STEPS), an operation sharing another's open in
 * progress one (tierref hands it on in the opener's callback); h stays the
 * probe's time for the whole chain, which it measures with the loop idle.
 * Each turn costs the thread a wake-up, the tier's cpu_read_wake (an
 * open's) or cpu_write_wake (a create's) shared by the node's operations
 * in flight (models/tiered.c): a step's completion wakes the loop as a
 * data operation's does.
 *
 * The loop's submissions (hold set: models/client.h client_hold).  A step
 * also reaches the kernel only when the loop next submits, as a data
 * operation's system call does (client.c: when the thread has nothing
 * left to do, or after reap_batch completions).  So the operation that
 * starts an open or create runs the chain's steps one after another:
 * each held for a submission, then (R_o - t) / steps in the kernel (the
 * probe's chain, with any wait for a create server, split evenly: the
 * probe timed the chain with an idle loop, which submits at once), then
 * reaped in its turn.  An operation sharing an open in
 * progress still waits for R_o and one turn.  Why: in make validate's set
 * 30 (2026-11-25), training's and KV-cache's hot creates took 14-20 ms on
 * average in the runs against 2-5 ms in the model: their loop is busy all
 * the time and submits a step only every reap_batch callbacks.  With the
 * submissions the model's came to 9-26 ms, and eleven stored sets,
 * predicted again, met 1,197 of their 1,441 rows against 1,178 (README,
 * "The loop's own part of an open").  It overshoots the KV-cache's warm
 * opens (2.2-3.0 ms against 0.4-0.8), whose OPENAT io_uring completes
 * inline; reaping them at once, with no turn, was tried (1,196 rows).
 *
 * The loop's own part of an open.  io_uring does an OPENAT whose path the
 * kernel has cached, a CLOSE, and the first try of an OPENAT with O_CREAT
 * (before it hands it to a kernel worker) inline, in the system call that
 * submits them: on the loop's thread, in submission order, so a warm
 * tier's open waits for the hot tier's create and close submitted just
 * before it.  (perf's io_uring tracepoints on a rerun of make validate's
 * replay case, 2026-11-25: the warm open's OPENAT waited a median 9 us
 * for the system calls ahead of it in its io_uring_enter, among them a
 * hot O_CREAT OPENAT's inline try, 9 us; with the hot tier admitting
 * nothing, warm opens took 4 us against 7-8 with it.)  So with a loop an
 * open of o that finds no descriptor also puts on node n's thread, in its
 * line,
 *     cpu_close                   if it pushes a descriptor out (the close)
 *     cpu_open  (cpu_create for a create)     (its system calls' inline part)
 * when it starts; R_o is as above, and the open's first turn (at R_o)
 * waits behind that work, its own included.  An open alone on an idle
 * thread takes h as before (the probe's h includes its inline part); one
 * behind other work takes longer, and the work behind it waits for it.
 *
 * "Exists" is approximated by "seen at this instance in this run": a tier
 * filled during the run (hot) starts empty, and the bottom tier's objects
 * are first read (populated), so their files are opened, not created.  A
 * file is never closed but by the cache's eviction (real backends close
 * their least recently used descriptor), and unlink (eviction from the
 * tier) is not modelled: files outlive their chunk (as tierref's do).
 *
 * Defaults and sources.
 *   open_latency = create_latency = 0   no cost: production clients open
 *       files asynchronously or keep them open; set from a measurement
 *       (`tierref probe` measures both on the real backends: from the
 *       first OPENAT to the descriptor, for a file with no descriptor
 *       cached (open), and for a new object in a new fan-out directory:
 *       OPENAT, MKDIRAT x 2, OPENAT with O_CREAT (create)).
 *   open_files = 1024   refimpl/filebk.c's descriptor cache (max_open 0 ->
 *       1024), which both real file backends use.
 *   cpu_open = cpu_create = cpu_close = 0   no CPU; `tierref probe`
 *       measures cpu_open, the loop thread's CPU per operation of its
 *       QD1 opens pass less the model's charge for the 4 KiB read and the
 *       open's turn, and cpu_close, per close of the files its passes
 *       opened (refimpl/probe.c, open_cpu).  Not cpu_create: a create's
 *       CPU in the probe is mostly the loop's wake-ups between its steps,
 *       which a run's busy loop does not pay (probe.c says how far off it
 *       was).
 *   create_parallelism = 0   creates never wait for each other; `tierref
 *       probe` measures it: new files created at QD1 and at QD 16, c =
 *       the QD 16 rate x the QD1 mean create time (Little's law at
 *       saturation).  Here a create chain is four system calls in io_uring's
 *       kernel workers, and 16 at once ran at about 18,500/s: 4 servers.
 */
#include "fsclient.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/rng.h"

void fsc_params_default(struct fsc_params *p)
{
	memset(p, 0, sizeof *p);
	p->name = "fs";
	dist_const(&p->open_ns, 0);
	dist_const(&p->create_ns, 0);
	p->open_files = 1024;
	p->create_parallelism = 0;
}

void fsc_params_free(struct fsc_params *p)
{
	dist_free(&p->open_ns);
	dist_free(&p->create_ns);
	dist_const(&p->open_ns, 0);
	dist_const(&p->create_ns, 0);
}

int fsc_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct fsc_params *p, struct err *e)
{
	fsc_params_default(p);
	if (cfg_time_dist(d, s, "open_latency", &p->open_ns, e) < 0 || cfg_time_dist(d, s, "create_latency", &p->create_ns, e) < 0 ||
	    cfg_u64(d, s, "open_files", &p->open_files, e) < 0 ||
	    cfg_u64(d, s, "create_parallelism", &p->create_parallelism, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_open", &p->open_cpu_ns, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_create", &p->create_cpu_ns, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_close", &p->close_cpu_ns, e) < 0)
		return -1;
	if (p->create_parallelism > 1u << 16)
		return cfg_error(d, s, cfg_key(s, "create_parallelism"), e, "must be 0 (no limit) to 65536");
	if (p->open_files == 0 || p->open_files > 1u << 24)
		return cfg_error(d, s, cfg_key(s, "open_files"), e, "must be 1..16777216");
	return 0;
}

int fsc_active(const struct fsc_params *p)
{
	return dist_mean(&p->open_ns) > 0 || dist_mean(&p->create_ns) > 0 || p->open_cpu_ns || p->create_cpu_ns ||
	       p->close_cpu_ns;
}

/* ---- sets of objects ---- */

/* Open addressing, linear probing; `used` marks a slot. */
struct oset {
	uint64_t *key;
	unsigned char *used;
	size_t cap, n;
};

static size_t oset_hash(uint64_t x, size_t cap)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)(x & (cap - 1));
}

/* 1 if obj was there, 0 if it was added, -1 out of memory. */
static int oset_add(struct oset *s, uint64_t obj)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 1024;
		uint64_t *nk = malloc(nc * sizeof *nk);
		unsigned char *nu = calloc(nc, 1);
		if (!nk || !nu) {
			free(nk);
			free(nu);
			return -1;
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->used[i])
				continue;
			size_t k = oset_hash(s->key[i], nc);
			while (nu[k])
				k = (k + 1) & (nc - 1);
			nk[k] = s->key[i];
			nu[k] = 1;
		}
		free(s->key);
		free(s->used);
		s->key = nk;
		s->used = nu;
		s->cap = nc;
	}
	size_t k = oset_hash(obj, s->cap);
	while (s->used[k]) {
		if (s->key[k] == obj)
			return 1;
		k = (k + 1) & (s->cap - 1);
	}
	s->key[k] = obj;
	s->used[k] = 1;
	s->n++;
	return 0;
}

/* The descriptor cache: an LRU of at most `cap` objects, as slots of a
 * fixed array linked most recent first, found by a chained hash. */
struct fdent {
	uint64_t obj;
	uint64_t ready_ns;   /* when its open completes (R_o) */
	int32_t prev, next, hnext;
};

struct fdcache {
	struct fdent *e;
	int32_t *bucket;
	size_t cap, n, nb;
	int32_t head, tail;  /* most, least recently used; -1: empty */
};

static int32_t *fd_chain(struct fdcache *c, uint64_t obj)
{
	return &c->bucket[oset_hash(obj, c->nb)];
}

static void fd_unlink(struct fdcache *c, int32_t i)
{
	struct fdent *x = &c->e[i];
	if (x->prev >= 0)
		c->e[x->prev].next = x->next;
	else
		c->head = x->next;
	if (x->next >= 0)
		c->e[x->next].prev = x->prev;
	else
		c->tail = x->prev;
}

static void fd_push(struct fdcache *c, int32_t i)
{
	c->e[i].prev = -1;
	c->e[i].next = c->head;
	if (c->head >= 0)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail < 0)
		c->tail = i;
}

/* 1 if obj's file is open (it becomes the most recent), else 0 and it is
 * opened, closing the least recently used file when the cache is full
 * (*closed set to 1); *at is its slot either way. */
static int fd_use(struct fdcache *c, uint64_t obj, int32_t *at, int *closed)
{
	for (int32_t i = *fd_chain(c, obj); i >= 0; i = c->e[i].hnext)
		if (c->e[i].obj == obj) {
			fd_unlink(c, i);
			fd_push(c, i);
			*at = i;
			return 1;
		}
	int32_t i;
	if (c->n < c->cap) {
		i = (int32_t)c->n++;
	} else {
		*closed = 1;
		i = c->tail;
		fd_unlink(c, i);
		int32_t *pp = fd_chain(c, c->e[i].obj);
		while (*pp != i)
			pp = &c->e[*pp].hnext;
		*pp = c->e[i].hnext;
	}
	c->e[i].obj = obj;
	c->e[i].ready_ns = 0;
	int32_t *h = fd_chain(c, obj);
	c->e[i].hnext = *h;
	*h = i;
	fd_push(c, i);
	*at = i;
	return 0;
}

/* ---- the decorator ---- */

struct fsc;

struct fsc_io {
	struct bk_req in;
	struct bk_req *outer;
	struct fsc *f;
	uint64_t start_ns;
	unsigned turns;          /* the loop's turns still to wait for (p.turn) */
	uint64_t step_ns;        /* with p.hold: the kernel's part of each step of its chain */
	int create;              /* they are a create's */
	int opener;              /* it started its file's open (1) or create (2): timed */
	struct fsc_io *next_free;
	struct fsc_io *all_next; /* on fsc.all */
};

struct fsc {
	struct exec x;
	struct fsc_params p;
	gsl_rng *rng;
	struct backend inner;
	struct oset seen;
	struct fdcache fd;
	struct fsc_io *free_io;
	/* Every fsc_io ever allocated (chained through all_next), so that
	 * destroy frees those still in flight when the run ends too. */
	struct fsc_io *all;
	struct hist *lat[2];   /* read, write: submit to done here */
	struct hist *fs_lat[2]; /* opens, creates: started to descriptor (the chain's turns included) */
	uint64_t opens, creates;
	uint64_t *srv_free;    /* create_parallelism servers: when each frees */
};

/* When a create of h ns submitted at now completes (equations above). */
static uint64_t create_ready(struct fsc *f, uint64_t now, uint64_t h)
{
	if (!f->srv_free)
		return now + h;
	size_t k = 0;
	for (size_t i = 1; i < f->p.create_parallelism; i++)
		if (f->srv_free[i] < f->srv_free[k])
			k = i;
	uint64_t start = f->srv_free[k] > now ? f->srv_free[k] : now;
	f->srv_free[k] = start + h;
	return f->srv_free[k];
}

static void fsc_io_done(struct bk_req *in)
{
	struct fsc_io *io = (struct fsc_io *)in;
	struct fsc *f = io->f;
	struct bk_req *outer = io->outer;
	outer->status = in->status;
	outer->retries = in->retries;
	outer->submit_ns = io->start_ns;
	if (in->status == BK_OK && (in->op == BK_READ || in->op == BK_WRITE))
		hist_record(f->lat[in->op == BK_WRITE], exec_now(&f->x) - io->start_ns);
	io->next_free = f->free_io;
	f->free_io = io;
	outer->done(outer);
}

/* After the open: to the device.  A refusal there (out of memory
 * inside an event) fails the operation, from an event. */
static void fsc_fail(void *arg)
{
	struct fsc_io *io = arg;
	io->in.status = BK_EIO;
	fsc_io_done(&io->in);
}

static void fsc_go(void *arg)
{
	struct fsc_io *io = arg;
	if (io->opener)
		hist_record(io->f->fs_lat[io->opener - 1], exec_now(&io->f->x) - io->start_ns);
	if (bk_submit(&io->f->inner, &io->in) < 0 && !exec_after(&io->f->x, 0, fsc_fail, io))
		fsc_fail(io); /* cannot even schedule: fail now (we are in an event already) */
}

/* The open is over in the kernel: each step of its chain waits for the
 * loop to reap it, and the last goes on to the device.  (A failure to
 * queue a turn skips the rest: the open costs no more.) */
static void fsc_turned(void *arg)
{
	struct fsc_io *io = arg;
	if (io->turns > 0) {
		io->turns--;
		if (io->f->p.turn(io->f->p.turn_ctx, io->in.client, io->create, fsc_turned, io) == 0)
			return;
	}
	fsc_go(io);
}

/* A step of the chain this io started (p.hold): submitted at the loop's
 * next submission, in the kernel for step_ns, reaped in the loop's turn;
 * after the last, the device. */
static void fsc_step(void *arg);

static void fsc_step_reaped(void *arg)
{
	struct fsc_io *io = arg;
	if (io->f->p.turn(io->f->p.turn_ctx, io->in.client, io->create, fsc_step, io) != 0)
		fsc_step(io);
}

static void fsc_step_kernel(void *arg)
{
	struct fsc_io *io = arg;
	if (!exec_after(&io->f->x, io->step_ns, fsc_step_reaped, io))
		fsc_step_reaped(io);
}

static void fsc_step(void *arg)
{
	struct fsc_io *io = arg;
	if (io->turns == 0) {
		fsc_go(io);
		return;
	}
	io->turns--;
	if (io->f->p.hold(io->f->p.turn_ctx, io->in.client, fsc_step_kernel, io) != 0)
		fsc_step_kernel(io);
}

static int fsc_submit(void *self, struct bk_req *r)
{
	struct fsc *f = self;
	if (r->op != BK_READ && r->op != BK_WRITE)
		return bk_submit(&f->inner, r);
	struct fsc_io *io = f->free_io;
	if (io) {
		f->free_io = io->next_free;
	} else {
		if (!(io = malloc(sizeof *io)))
			return -1;
		io->all_next = f->all;
		f->all = io;
	}
	int seen = oset_add(&f->seen, r->object);
	if (seen < 0) {
		io->next_free = f->free_io;
		f->free_io = io;
		return -1;
	}
	uint64_t now = exec_now(&f->x), d = 0;
	int32_t at;
	int closed = 0;
	io->turns = 1; /* an open's OPENAT, or the step of another's this one shares */
	io->create = 0;
	io->opener = 0;
	if (!fd_use(&f->fd, r->object, &at, &closed)) {
		int create = r->op == BK_WRITE && !seen;
		/* The loop's own part: the close the open makes room by, then
		 * the open's submissions (out of memory: they cost nothing). */
		if (f->p.work) {
			if (closed && f->p.close_cpu_ns)
				(void)f->p.work(f->p.turn_ctx, r->client, f->p.close_cpu_ns);
			uint64_t c = create ? f->p.create_cpu_ns : f->p.open_cpu_ns;
			if (c)
				(void)f->p.work(f->p.turn_ctx, r->client, c);
		}
		if (create) {
			io->turns = FSC_CREATE_STEPS;
			io->create = 1;
		}
		uint64_t hn = dist_sample_round(create ? &f->p.create_ns : &f->p.open_ns, f->rng);
		if (create)
			f->creates++;
		else
			f->opens++;
		io->opener = create ? 2 : 1;
		f->fd.e[at].ready_ns = create ? create_ready(f, now, hn) : now + hn;
		d = f->fd.e[at].ready_ns - now;
	} else if (f->fd.e[at].ready_ns > now) {
		d = f->fd.e[at].ready_ns - now; /* its open is in progress: share it */
	}
	io->in = *r;
	io->in.done = fsc_io_done;
	io->in.ctx = NULL;
	io->outer = r;
	io->f = f;
	io->start_ns = now;
	/* The open, or the rest of one in progress, then the device; with
	 * nothing to wait for, straight to the device. */
	if (io->opener && f->p.turn && f->p.hold && d > 0) {
		io->step_ns = d / io->turns;
		fsc_step(io);
		return 0;
	}
	exec_fn after = f->p.turn ? fsc_turned : fsc_go;
	if (d == 0 && io->opener)
		hist_record(f->fs_lat[io->opener - 1], 0);
	if (d > 0 ? exec_after(&f->x, d, after, io) != 0 : bk_submit(&f->inner, &io->in) == 0)
		return 0;
	io->next_free = f->free_io;
	f->free_io = io;
	return -1;
}

static int fsc_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct fsc *f = self;
	(void)now_ns;
	char name[300];
	static const char *const opn[2] = { "read", "write" };
	for (int k = 0; k < 2; k++) {
		snprintf(name, sizeof name, "%s.%s.latency", prefix, opn[k]);
		if (met_hist_set(m, name, "ns", f->lat[k]) < 0)
			return -1;
	}
	snprintf(name, sizeof name, "%s.fs.opens", prefix);
	if (met_set(m, name, (double)f->opens, "ops"))
		return -1;
	snprintf(name, sizeof name, "%s.fs.creates", prefix);
	if (met_set(m, name, (double)f->creates, "ops"))
		return -1;
	static const char *const fsn[2] = { "open", "create" };
	for (int k = 0; k < 2; k++) {
		snprintf(name, sizeof name, "%s.fs.%s.latency", prefix, fsn[k]);
		if (met_hist_set(m, name, "ns", f->fs_lat[k]) < 0)
			return -1;
	}
	return 0;
}

static void fsc_reset(void *self)
{
	struct fsc *f = self;
	f->inner.ops->reset_stats(f->inner.self);
	for (int k = 0; k < 2; k++) {
		hist_reset(f->lat[k]);
		hist_reset(f->fs_lat[k]);
	}
	f->opens = f->creates = 0;
}

static void fsc_destroy(void *self)
{
	struct fsc *f = self;
	if (!f)
		return;
	while (f->all) {
		struct fsc_io *io = f->all;
		f->all = io->all_next;
		free(io);
	}
	free(f->seen.key);
	free(f->seen.used);
	free(f->fd.e);
	free(f->fd.bucket);
	free(f->srv_free);
	for (int k = 0; k < 2; k++) {
		hist_free(f->lat[k]);
		hist_free(f->fs_lat[k]);
	}
	if (f->rng)
		gsl_rng_free(f->rng);
	fsc_params_free(&f->p);
	free(f);
}

/* A discard goes straight to the inner backend: tierref punches through a
 * writable descriptor, which its cache holds for a chunk it wrote (an
 * OPENAT only when that one has been closed), so the model opens nothing
 * for it. */
static void fsc_discard(void *self, uint64_t object, uint64_t offset, uint64_t length)
{
	struct fsc *f = self;
	f->inner.ops->discard(f->inner.self, object, offset, length);
}

/* Two tables: a discard only where the inner backend takes one (ord.c). */
static const struct bk_ops fsc_ops = {
	.name = "fsclient",
	.submit = fsc_submit,
	.export = fsc_export,
	.reset_stats = fsc_reset,
	.destroy = fsc_destroy,
};
static const struct bk_ops fsc_ops_discard = {
	.name = "fsclient",
	.submit = fsc_submit,
	.export = fsc_export,
	.reset_stats = fsc_reset,
	.destroy = fsc_destroy,
	.discard = fsc_discard,
};

int fsc_new(const struct exec *x, const struct fsc_params *p, uint64_t seed, struct backend inner,
	    struct backend *out, struct err *e)
{
	if (p->open_files == 0)
		return err_set(e, ERR_INPUT, "fsclient: open_files 0");
	struct fsc *f = calloc(1, sizeof *f);
	if (!f)
		return err_set(e, ERR_FAIL, "fsclient: out of memory");
	f->x = *x;
	f->p = *p;
	dist_const(&f->p.open_ns, 0);
	dist_const(&f->p.create_ns, 0);
	f->fd.cap = (size_t)p->open_files;
	f->fd.nb = 1;
	while (f->fd.nb < f->fd.cap)
		f->fd.nb <<= 1;
	f->fd.head = f->fd.tail = -1;
	f->fd.e = malloc(f->fd.cap * sizeof *f->fd.e);
	f->fd.bucket = malloc(f->fd.nb * sizeof *f->fd.bucket);
	for (int k = 0; k < 2; k++) {
		f->lat[k] = hist_new();
		f->fs_lat[k] = hist_new();
	}
	f->rng = rng_stream_new(seed, p->name ? p->name : "fs");
	if (p->create_parallelism)
		f->srv_free = calloc(p->create_parallelism, sizeof *f->srv_free);
	if ((p->create_parallelism && !f->srv_free) || !f->fd.e || !f->fd.bucket || !f->lat[0] || !f->lat[1] ||
	    !f->fs_lat[0] || !f->fs_lat[1] || !f->rng || dist_copy(&f->p.open_ns, &p->open_ns, NULL) ||
	    dist_copy(&f->p.create_ns, &p->create_ns, NULL)) {
		fsc_destroy(f);
		return err_set(e, ERR_FAIL, "fsclient: out of memory");
	}
	for (size_t i = 0; i < f->fd.nb; i++)
		f->fd.bucket[i] = -1;
	f->inner = inner;
	*out = (struct backend){ inner.ops->discard ? &fsc_ops_discard : &fsc_ops, f };
	return 0;
}
