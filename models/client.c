/*
 * client — see client.h.
 *
 * Equations.  Node n has c = threads client threads, one FIFO queue of c
 * servers (sim/resource.h res_queue).  A data operation of L bytes on a
 * tier with costs k, issued by node n at time t, is three stages:
 *
 *   READ   CPU  s1 = cpu_read_op + cpu_read_wake / n + L / cpu_read_bw
 *                                                        (submit, and the
 *                                                         kernel's copy of
 *                                                         a buffered read)
 *          the tier's device model                      (T_device)
 *          CPU  s2 = cpu_check_op + L / check_bw         (checking the bytes)
 *   WRITE  CPU  s1 = cpu_write_op + cpu_write_wake / n + L / cpu_write_bw
 *                     + cpu_fill_op + L / fill_bw
 *                                                        (generating the
 *                                                         bytes, submit,
 *                                                         the kernel's copy)
 *          the tier's device model
 *
 * An object store writes a larger object in pieces (cold.c, "Pieces"):
 * each piece's Put Block is the write above, and a phase of pieces ends
 * with requests the store makes for one of them, the committer: a Put
 * Block of zeros for each gap (a fill, F bytes) and the Put Block List.
 * Each costs the thread, when the store is about to send it,
 *     cpu_write_op + F / cpu_write_bw + cpu_write_wake / n
 * (client_extra: tierref's loop signs and sends it, and reaps its
 * answer), and the store sends it when that is done.  (Until 2026-11-26
 * every piece's s1 carried one commit's cpu_write_op + cpu_write_wake / n,
 * exact while a phase is one piece and fills are none, too much for a
 * phase of several, and fills cost nothing.  Without the commit's cost,
 * make validate's cold-checkpoint case (set 35) had charged the client
 * 4.2-14.6 points of busy less than its thread used.)
 *
 * where n >= 1 is the number of node n's operations in flight (past their
 * slot, below) with this one: the wake term is a cost per batch -- the
 * system call and the loop's wake-up -- shared by the operations the
 * loop handles together, so one operation alone pays all of it and a
 * deep queue almost none.  (tierref probe's 4 KiB points fit it: a hot
 * O_DIRECT read measured 26.6, 9.5, 5.4 and 3.7 us of CPU at QD 1, 4, 16
 * and 64; op 3.4 us + wake 23.2 us / n gives 26.6, 9.2, 4.9 and 3.8.)
 * Each CPU stage waits in node n's queue behind the work of every tier
 * of that node (one client serves them all: tierref's loop thread runs
 * every backend's submissions and callbacks), so
 *     T = W1 + s1 + T_device + W2 + s2
 * with W the waits in the queue (M/G/c-like, FIFO).  With queue_depth
 * q > 0, at most q operations of one decorated instance are between their
 * first stage and their done at once; the others wait for a slot in
 * arrival order, before their first stage, and that wait is in T too (a
 * real backend's submission queue: refimpl/filebk.c and dirbk.c hold at
 * most queue_depth operations in io_uring and queue the rest).  A stage whose cost
 * is 0 is skipped (no event).  Metadata operations pass through untouched
 * (the metadata service's business).  The per-byte cost a read pays
 * after its device stage, at completion, is the check alone; everything
 * else a thread does for an operation is charged before the device, which
 * is where a buffered read's copy happens (io_uring copies a page-cached
 * read inline at submission) and where an O_DIRECT write's costs are.
 *
 * The loop (reap_batch = B > 0).  tierref's thread is an io_uring event
 * loop (refimpl/loop.c): a callback prepares its operations, but the
 * kernel sees them only when the loop submits, which it does when it has
 * no more completions to handle and after every B it handles; io_uring
 * then does its per-byte part of each (a buffered read's copy, a buffered
 * write's) inline, on the same thread, in order.  So with B > 0 an
 * operation's stages are
 *     s1  = op + wake / n (+ the fill of a write)     on the thread
 *     held until the thread is idle, or until B more operations of the
 *     node have completed since the last submission
 *     s1' = L / cpu_read_bw (or L / cpu_write_bw)    on the thread, queued
 *                                                     at the submission
 *     the device, then s2 as above
 * and a data operation costs the thread what it costs with B = 0: only
 * when its device starts moves.  A completion counts when the operation is
 * done here (after its check).  With more than one thread, "idle" is all
 * of them.  The loop also runs a completion's callback to its end before
 * it turns to the next: the CPU stages a callback starts (the next read's
 * submission, a fill's generation) go ahead of the work already waiting,
 * in the order started (res_queue_callback_first, res_queue_submit_at).
 * And the steps of a file's open or create chain reach the kernel at the
 * loop's submissions too (client_hold: a call held with the operations,
 * made when they are submitted), and complete when the loop
 * reaps them: client_turn, a place in the thread's line costing a wake-up
 * shared by the operations in flight (wake / n, as a data operation's),
 * which models/fsclient.c takes after each step.  (Three make validate
 * sets re-predicted from their own measurements with B = 8, tierref's,
 * and with B = 0: replay's throughput error +31% -> +13%, +34% -> +18%
 * and +25% -> +6%, checkpoint's 2 to 5 points lower, training's and
 * KV-cache's within a point; HARDWARE.md, "The client thread as an event
 * loop".)
 *
 * cpu_check_op and cpu_fill_op (the tier's; 0 when unset) are the content
 * work's cost per call, which a rate per byte leaves out: tierref probe's
 * 4 KiB checks took 0.78-1.15 us each where 4 KiB at cpu_check_bw is 0.24
 * (refimpl/probe.c, content_op_ns).
 * check_bw and fill_bw are the tier's cpu_check_bw and cpu_fill_bw where
 * it sets them, else the client's: the same loop over the bytes runs at
 * different rates on bytes that different paths brought in or take out.
 * (tierref probe timed content_check inside the backends on the sweep's
 * 1 MiB reads: 8.1-9.2 GB/s on bytes the virtual disk had written by DMA
 * (O_DIRECT) and 13.4-14.1 on bytes the kernel had just copied from the
 * page cache, where checking a 64 MiB buffer of its own ran at 13.9;
 * `tierref run` of make validate's cases, timed the same way minutes
 * later, checked at 8.1-8.9 and 9.4-12.0 GB/s.)
 *
 * Defaults and sources.
 *   threads = 1   tierref's one io_uring event loop (refimpl/loop.h; issue
 *       5: more loops only if measurement shows one is the bottleneck).
 *   reap_batch = 0   an operation reaches its device as soon as its CPU
 *       stage is over (a client with no loop between it and the kernel);
 *       `tierref probe` writes tierref's LOOP_REAP_BATCH (8,
 *       refimpl/loop.h), configuration, not a measurement.
 *   queue_depth = 0   no limit: a modelled device's own queues decide;
 *       `tierref probe` writes tierref's (refimpl/realtiers.c, 32 unless
 *       --queue-depth), configuration, not a measurement.
 *   all costs 0   unknown for a production client; `tierref probe`
 *       measures them on the machine (refimpl/probe.h): the loop thread's
 *       CPU time per operation (CLOCK_THREAD_CPUTIME_ID) at the sweep's
 *       4 KiB and 1 MiB points gives cpu_*_op and cpu_*_bw, timing
 *       content_check and content_fill over a buffer gives check_bw and
 *       fill_bw, and timing them inside each tier's backend, on the
 *       sweep's 1 MiB operations, gives its cpu_check_bw and cpu_fill_bw.
 */
#include "client.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "sim/resource.h"

int client_from_cfg(struct cfg_doc *d, struct client_params *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	struct cfg_section *s = cfg_find(d, "client", NULL);
	if (!s)
		return 0;
	uint64_t threads = 1, reap = 0;
	if (cfg_u64(d, s, "threads", &threads, e) < 0 || cfg_bool(d, s, "shared", &p->shared, e) < 0 ||
	    cfg_rate_bps(d, s, "check_bw", &p->check_bps, e) < 0 ||
	    cfg_rate_bps(d, s, "fill_bw", &p->fill_bps, e) < 0 || cfg_u64(d, s, "reap_batch", &reap, e) < 0)
		return -1;
	if (threads == 0 || threads > 4096)
		return cfg_error(d, s, cfg_key(s, "threads"), e, "must be 1..4096");
	if (reap > 4096)
		return cfg_error(d, s, cfg_key(s, "reap_batch"), e, "must be 0..4096");
	p->threads = (unsigned)threads;
	p->reap_batch = (unsigned)reap;
	return 1;
}

int client_cost_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct client_cost *k, struct err *e)
{
	memset(k, 0, sizeof *k);
	if (cfg_time_ns(d, s, "cpu_read_op", &k->read_op_ns, e) < 0 ||
	    cfg_rate_bps(d, s, "cpu_read_bw", &k->read_bps, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_write_op", &k->write_op_ns, e) < 0 ||
	    cfg_rate_bps(d, s, "cpu_write_bw", &k->write_bps, e) < 0 ||
	    cfg_rate_bps(d, s, "cpu_check_bw", &k->check_bps, e) < 0 ||
	    cfg_rate_bps(d, s, "cpu_fill_bw", &k->fill_bps, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_check_op", &k->check_op_ns, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_fill_op", &k->fill_op_ns, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_read_wake", &k->read_wake_ns, e) < 0 ||
	    cfg_time_ns(d, s, "cpu_write_wake", &k->write_wake_ns, e) < 0 ||
	    cfg_u64(d, s, "queue_depth", &k->queue_depth, e) < 0)
		return -1;
	return 0;
}

int client_cost_any(const struct client_cost *k)
{
	return k->read_op_ns || k->write_op_ns || k->read_bps > 0 || k->write_bps > 0 || k->read_wake_ns ||
	       k->write_wake_ns || k->queue_depth || k->check_bps > 0 || k->fill_bps > 0 || k->check_op_ns ||
	       k->fill_op_ns;
}

/* ---- the node's threads ---- */

struct cdec_io;

/* A call held for the loop's next submission (client_hold). */
struct held_cb {
	struct held_cb *next;
	exec_fn fn;
	void *arg;
};

/* A node's operations whose first CPU stage is over, waiting for the
 * loop's next submission (reap_batch > 0), in order, and the calls held
 * for it; and the completions handled since that submission. */
struct held {
	struct cdec_io *head, *tail;
	struct held_cb *cb_head, *cb_tail; /* client_hold: calls for the submission */
	unsigned reaped;
	unsigned in_cb;   /* inside a completion's callback (depth) */
	size_t front;     /* CPU stages that callback has started so far */
};

struct client {
	struct exec x;
	struct client_params p;
	size_t nodes;
	struct res_queue **cpu; /* one per node */
	uint64_t *inflight;     /* per node: operations past their slot */
	struct held *held;      /* per node: operations waiting for the loop's submission */
	/* The loop's turns (client_turn, client_work): those done, for
	 * reuse, and every one ever allocated (through all_next), so that
	 * client_free frees those still queued when the run ends too. */
	struct cturn *free_turns, *all_turns;
};

/* A turn of node's loop: fn(arg) when its CPU is done (turn_queue). */
struct cturn {
	struct client *c;
	size_t node;
	exec_fn fn;
	void *arg;
	struct cturn *next_free, *all_next;
};

int client_new(struct client **out, const struct exec *x, const struct client_params *p, size_t nodes,
	       struct err *e)
{
	*out = NULL;
	if (p->threads == 0 || nodes == 0)
		return err_set(e, ERR_INPUT, "client: needs at least one thread and one node");
	struct client *c = calloc(1, sizeof *c);
	if (!c || !(c->cpu = calloc(nodes, sizeof *c->cpu)) || !(c->inflight = calloc(nodes, sizeof *c->inflight)) ||
	    !(c->held = calloc(nodes, sizeof *c->held))) {
		if (c) {
			free(c->cpu);
			free(c->inflight);
			free(c->held);
		}
		free(c);
		return err_set(e, ERR_FAIL, "client: out of memory");
	}
	c->x = *x;
	c->p = *p;
	for (; c->nodes < nodes; c->nodes++) {
		if (!(c->cpu[c->nodes] = res_queue_new(x, p->threads))) {
			client_free(c);
			return err_set(e, ERR_FAIL, "client: out of memory");
		}
		res_queue_callback_first(c->cpu[c->nodes], p->reap_batch > 0);
	}
	*out = c;
	return 0;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nodes; i++) {
		res_queue_free(c->cpu[i]);
		for (struct held_cb *cb = c->held ? c->held[i].cb_head : NULL, *n; cb; cb = n) {
			n = cb->next;
			free(cb); /* a call the run ended before */
		}
	}
	while (c->all_turns) {
		struct cturn *t = c->all_turns;
		c->all_turns = t->all_next;
		free(t);
	}
	free(c->cpu);
	free(c->inflight);
	free(c->held);
	free(c);
}

int client_export(const struct client *c, struct met_registry *m, uint64_t now_ns)
{
	char name[64];
	double busy = 0, seconds = 0;
	for (size_t i = 0; i < c->nodes; i++) {
		const struct res_stats *s = res_queue_stats(c->cpu[i]);
		double u = res_stats_util(s, now_ns, c->p.threads);
		busy += u;
		seconds += now_ns > s->since_ns ? u * (double)(now_ns - s->since_ns) / 1e9 : 0;
		snprintf(name, sizeof name, "client.node%zu.cpu", i);
		if (res_stats_export(s, now_ns, c->p.threads, name, m) < 0)
			return -1;
	}
	/* client.cpu.seconds: the CPU time a thread spent, as tierref's
	 * client.cpu.user + .system measure its loop thread's. */
	if (met_set(m, "client.cpu.seconds", seconds / (double)c->nodes, "s") < 0)
		return -1;
	return met_set(m, "client.cpu.busy", busy / (double)c->nodes, "ratio");
}

void client_reset_stats(struct client *c)
{
	for (size_t i = 0; i < c->nodes; i++)
		res_queue_reset_stats(c->cpu[i]);
}

/* The node an operation or a turn of node `node` runs on: the last one
 * when `node` is past them (client.h). */
static size_t node_of(const struct client *c, size_t node)
{
	return node < c->nodes ? node : c->nodes - 1;
}

/* A wake-up's share, wake / n rounded, for one of n operations in flight
 * (n >= 1): the loop's system call and wake-up serve them all. */
static uint64_t wake_share(uint64_t wake_ns, uint64_t n)
{
	return (wake_ns + n / 2) / n;
}

/* Nanoseconds to move `bytes` at `bps` (0: free). */
static uint64_t per_byte_ns(uint64_t bytes, double bps)
{
	return bps > 0 ? (uint64_t)llround((double)bytes * 1e9 / bps) : 0;
}

double client_content_bps(const struct client_params *p, const struct client_cost *k, int fill)
{
	double tier = fill ? k->fill_bps : k->check_bps;
	return tier > 0 ? tier : fill ? p->fill_bps : p->check_bps;
}

uint64_t client_content_ns(const struct client_params *p, const struct client_cost *k, int fill, uint64_t bytes)
{
	return (fill ? k->fill_op_ns : k->check_op_ns) + per_byte_ns(bytes, client_content_bps(p, k, fill));
}

/* ---- the decorator ---- */

struct cdec;

struct cdec_io {
	struct bk_req in;
	struct bk_req *outer;
	struct cdec *d;
	struct res_queue *cpu;
	uint64_t start_ns;
	uint64_t s1_ns;          /* the first CPU stage, less its wake term */
	uint64_t kern_ns;        /* reap_batch > 0: the kernel's per-byte work, at the submission */
	size_t node;
	struct cdec_io *next;    /* the free list, or the queue for a slot */
	struct cdec_io *all_next; /* on cdec.all */
};

struct cdec {
	struct exec x;
	struct client *c;
	struct client_cost k;
	struct backend inner;
	struct cdec_io *free_io;
	/* Every cdec_io ever allocated (chained through all_next), so that
	 * destroy frees those still in flight when the run ends too. */
	struct cdec_io *all;
	struct cdec_io *wait_head, *wait_tail; /* waiting for one of the queue_depth slots */
	uint64_t inflight;
	struct hist *lat[2]; /* read, write: submit to done here */
};

static void cdec_start(struct cdec_io *io);

static void held_flush(struct client *c, size_t node);
static void held_maybe_flush(struct client *c, size_t node);

/* CPU work of ns on node's thread, then fn(arg).  Inside a completion's
 * callback (reap_batch > 0), work that must wait goes ahead of the work
 * already waiting, in the order the callback starts it: the thread
 * finishes the callback before it turns to the next. */
static int thread_submit(struct client *c, size_t node, uint64_t ns, res_done_fn fn, void *arg)
{
	struct res_queue *q = c->cpu[node];
	struct held *h = &c->held[node];
	if (h->in_cb && res_queue_busy(q) == res_queue_servers(q))
		return res_queue_submit_at(q, ns, fn, arg, h->front++);
	return res_queue_submit(q, ns, fn, arg);
}

static void cdec_finish(void *arg)
{
	struct cdec_io *io = arg;
	struct cdec *d = io->d;
	struct client *c = d->c;
	size_t node = io->node;
	struct held *h = &c->held[node];
	struct bk_req *outer = io->outer;
	if (c->p.reap_batch && h->in_cb++ == 0)
		h->front = 0;
	outer->status = io->in.status;
	outer->retries = io->in.retries;
	outer->submit_ns = io->start_ns;
	if (io->in.status == BK_OK)
		hist_record(d->lat[io->in.op == BK_WRITE], exec_now(&d->x) - io->start_ns);
	io->next = d->free_io;
	d->free_io = io;
	d->inflight--;
	d->c->inflight[io->node]--;
	struct cdec_io *w = d->wait_head;
	if (w) { /* its slot to the first waiting */
		d->wait_head = w->next;
		if (!d->wait_head)
			d->wait_tail = NULL;
		cdec_start(w);
	}
	outer->done(outer);
	/* One completion handled by the loop (refimpl/loop.c, step 4). */
	if (c->p.reap_batch) {
		h->in_cb--;
		if (++h->reaped >= c->p.reap_batch)
			held_flush(c, node);
		else
			held_maybe_flush(c, node);
	}
}

/* The device is done: a good read's bytes are checked on a thread. */
static void cdec_device_done(struct bk_req *in)
{
	struct cdec_io *io = (struct cdec_io *)in;
	const struct cdec *d = io->d;
	uint64_t s2 = in->op == BK_READ && in->status == BK_OK ? client_content_ns(&d->c->p, &d->k, 0, in->length) : 0;
	if (s2 && res_queue_submit(io->cpu, s2, cdec_finish, io) == 0)
		return;
	cdec_finish(io); /* free, or out of memory inside an event: skip the check rather than lose the op */
}

static void cdec_fail(void *arg)
{
	struct cdec_io *io = arg;
	io->in.status = BK_EIO;
	cdec_finish(io);
}

/* To the device.  A refusal there (out of memory inside an event) fails
 * the operation, from an event. */
static void cdec_device(struct cdec_io *io)
{
	if (bk_submit(&io->d->inner, &io->in) < 0 && !exec_after(&io->d->x, 0, cdec_fail, io))
		cdec_fail(io);
}

/* The kernel has done its part of the submission on the thread. */
static void cdec_issued(void *arg)
{
	struct cdec_io *io = arg;
	cdec_device(io);
	held_maybe_flush(io->d->c, io->node);
}

/* The loop's submission: every held operation of the node, in order, to
 * the kernel's per-byte work on the thread and then its device.  (The
 * list is taken first: a failure inside may finish an operation, whose
 * callback may hold and flush others.) */
static void held_flush(struct client *c, size_t node)
{
	struct held *h = &c->held[node];
	struct cdec_io *io = h->head;
	struct held_cb *cb = h->cb_head;
	h->head = h->tail = NULL;
	h->cb_head = h->cb_tail = NULL;
	h->reaped = 0;
	while (io) {
		struct cdec_io *next = io->next;
		io->next = NULL;
		if (!io->kern_ns || res_queue_submit(io->cpu, io->kern_ns, cdec_issued, io) < 0)
			cdec_device(io);
		io = next;
	}
	while (cb) {
		struct held_cb *next = cb->next;
		exec_fn fn = cb->fn;
		void *arg = cb->arg;
		free(cb);
		fn(arg);
		cb = next;
	}
}

/* The submission when the node's thread has nothing left to do: the loop
 * goes back to the kernel (refimpl/loop.c, step 3). */
static void held_maybe_flush(struct client *c, size_t node)
{
	if ((c->held[node].head || c->held[node].cb_head) && res_queue_busy(c->cpu[node]) == 0 &&
	    res_queue_waiting(c->cpu[node]) == 0)
		held_flush(c, node);
}

/* Holds io for the loop's next submission, which is now if the thread
 * has nothing to do. */
static void held_submit(struct client *c, struct cdec_io *io)
{
	struct held *h = &c->held[io->node];
	io->next = NULL;
	if (h->tail)
		h->tail->next = io;
	else
		h->head = io;
	h->tail = io;
	held_maybe_flush(c, io->node);
}

/* The first CPU stage is over: to the device, or held for the loop's next
 * submission. */
static void cdec_go(void *arg)
{
	struct cdec_io *io = arg;
	struct client *c = io->d->c;
	if (!c->p.reap_batch) {
		cdec_device(io);
		return;
	}
	held_submit(c, io);
}

/* Takes a slot: the first CPU stage, or the device when it costs
 * nothing.  0, or -1 (out of memory) with no slot taken. */
static int cdec_begin(struct cdec_io *io)
{
	struct cdec *d = io->d;
	uint64_t n = ++d->c->inflight[io->node];
	uint64_t wake = io->in.op == BK_READ ? d->k.read_wake_ns : d->k.write_wake_ns;
	uint64_t s1 = io->s1_ns + wake_share(wake, n);
	int rc;
	if (s1)
		rc = thread_submit(d->c, io->node, s1, cdec_go, io);
	else if (d->c->p.reap_batch) {
		held_submit(d->c, io);
		rc = 0;
	} else
		rc = bk_submit(&d->inner, &io->in);
	if (rc == 0)
		d->inflight++;
	else
		d->c->inflight[io->node]--;
	return rc;
}

/* From a slot's release (inside an event).  A refusal fails the
 * operation, from an event; its finish gives the slot back. */
static void cdec_start(struct cdec_io *io)
{
	if (cdec_begin(io) == 0)
		return;
	io->d->inflight++;
	io->d->c->inflight[io->node]++;
	if (!exec_after(&io->d->x, 0, cdec_fail, io))
		cdec_fail(io);
}

static int cdec_submit(void *self, struct bk_req *r)
{
	struct cdec *d = self;
	if (r->op != BK_READ && r->op != BK_WRITE)
		return bk_submit(&d->inner, r);
	struct cdec_io *io = d->free_io;
	if (io) {
		d->free_io = io->next;
	} else {
		if (!(io = malloc(sizeof *io)))
			return -1;
		io->all_next = d->all;
		d->all = io;
	}
	const struct client_cost *k = &d->k;
	uint64_t kern = per_byte_ns(r->length, r->op == BK_READ ? k->read_bps : k->write_bps);
	uint64_t s1 = r->op == BK_READ ? k->read_op_ns : k->write_op_ns + client_content_ns(&d->c->p, k, 1, r->length);
	if (!d->c->p.reap_batch) {
		s1 += kern;
		kern = 0;
	}
	io->in = *r;
	io->in.done = cdec_device_done;
	io->in.ctx = NULL;
	io->outer = r;
	io->d = d;
	io->node = node_of(d->c, r->client);
	io->cpu = d->c->cpu[io->node];
	io->start_ns = exec_now(&d->x);
	io->s1_ns = s1;
	io->kern_ns = kern;
	io->next = NULL;
	if (d->k.queue_depth && d->inflight >= d->k.queue_depth) {
		if (d->wait_tail)
			d->wait_tail->next = io;
		else
			d->wait_head = io;
		d->wait_tail = io;
		return 0;
	}
	if (cdec_begin(io) == 0)
		return 0;
	io->next = d->free_io;
	d->free_io = io;
	return -1;
}

static int cdec_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct cdec *d = self;
	(void)now_ns;
	char name[300];
	static const char *const opn[2] = { "read", "write" };
	for (int k = 0; k < 2; k++) {
		snprintf(name, sizeof name, "%s.%s.latency", prefix, opn[k]);
		if (met_hist_set(m, name, "ns", d->lat[k]) < 0)
			return -1;
	}
	return 0;
}

static void cdec_reset(void *self)
{
	struct cdec *d = self;
	d->inner.ops->reset_stats(d->inner.self);
	hist_reset(d->lat[0]);
	hist_reset(d->lat[1]);
}

static void cdec_destroy(void *self)
{
	struct cdec *d = self;
	if (!d)
		return;
	while (d->all) {
		struct cdec_io *io = d->all;
		d->all = io->all_next;
		free(io);
	}
	hist_free(d->lat[0]);
	hist_free(d->lat[1]);
	free(d);
}

/* A discard goes straight to the device: tierref's punch is one io_uring
 * operation whose CPU is not measured, so the model charges the thread
 * nothing for it (the device's time is the inner backend's: nvme.c). */
static void cdec_discard(void *self, uint64_t object, uint64_t offset, uint64_t length)
{
	struct cdec *d = self;
	d->inner.ops->discard(d->inner.self, object, offset, length);
}

/* Two tables: a discard only where the inner backend takes one (the data
 * path keeps read pins only then: ord.c). */
static const struct bk_ops cdec_ops = {
	.name = "client",
	.submit = cdec_submit,
	.export = cdec_export,
	.reset_stats = cdec_reset,
	.destroy = cdec_destroy,
};
static const struct bk_ops cdec_ops_discard = {
	.name = "client",
	.submit = cdec_submit,
	.export = cdec_export,
	.reset_stats = cdec_reset,
	.destroy = cdec_destroy,
	.discard = cdec_discard,
};

int client_wrap(struct client *c, const struct client_cost *k, struct backend inner, struct backend *out,
		struct err *e)
{
	struct cdec *d = calloc(1, sizeof *d);
	if (!d || !(d->lat[0] = hist_new()) || !(d->lat[1] = hist_new())) {
		cdec_destroy(d);
		return err_set(e, ERR_FAIL, "client: out of memory");
	}
	d->x = c->x;
	d->c = c;
	d->k = *k;
	d->inner = inner;
	*out = (struct backend){ inner.ops->discard ? &cdec_ops_discard : &cdec_ops, d };
	return 0;
}

/* ---- turns of the loop ---- */

static void turn_run(void *arg)
{
	struct cturn *tp = arg, t = *tp;
	tp->next_free = t.c->free_turns;
	t.c->free_turns = tp;
	if (t.fn)
		t.fn(t.arg);
	held_maybe_flush(t.c, t.node);
}

/* ns of CPU on node's thread (the last if larger), then fn(arg) if fn. */
static int turn_queue(struct client *c, size_t node, uint64_t ns, exec_fn fn, void *arg)
{
	struct cturn *t = c->free_turns;
	if (t) {
		c->free_turns = t->next_free;
	} else {
		if (!(t = malloc(sizeof *t)))
			return -1;
		t->all_next = c->all_turns;
		c->all_turns = t;
	}
	*t = (struct cturn){ c, node, fn, arg, NULL, t->all_next };
	int rc = thread_submit(c, node, ns, turn_run, t);
	if (rc < 0) {
		t->next_free = c->free_turns;
		c->free_turns = t;
	}
	return rc;
}

int client_turn(struct client *c, size_t node, uint64_t wake_ns, exec_fn fn, void *arg)
{
	node = node_of(c, node);
	return turn_queue(c, node, wake_share(wake_ns, c->inflight[node] + 1), fn, arg);
}

int client_extra(struct client *c, const struct client_cost *k, size_t node, uint64_t bytes, exec_fn fn,
		 void *arg)
{
	node = node_of(c, node);
	uint64_t n = c->inflight[node] ? c->inflight[node] : 1;
	uint64_t ns = k->write_op_ns + per_byte_ns(bytes, k->write_bps) + wake_share(k->write_wake_ns, n);
	return turn_queue(c, node, ns, fn, arg);
}

int client_hold(struct client *c, size_t node, exec_fn fn, void *arg)
{
	node = node_of(c, node);
	struct held_cb *cb = malloc(sizeof *cb);
	if (!cb)
		return -1;
	*cb = (struct held_cb){ NULL, fn, arg };
	struct held *h = &c->held[node];
	if (h->cb_tail)
		h->cb_tail->next = cb;
	else
		h->cb_head = cb;
	h->cb_tail = cb;
	held_maybe_flush(c, node);
	return 0;
}

int client_work(struct client *c, size_t node, uint64_t ns)
{
	return turn_queue(c, node_of(c, node), ns, NULL, NULL);
}

int client_loop(const struct client *c)
{
	return c->p.reap_batch > 0;
}
