/* Tests for the tiered data path (sim/path.c).
 *
 * The path runs here over two things written in this file — a fake
 * executor (a sorted array of pending callbacks) and an in-memory backend
 * that completes every request after a fixed delay and logs it — which
 * proves it needs nothing but the executor and backend contracts; and
 * once over the real DES engine, which must give the same operations.
 *
 * Unless said otherwise: chunks of 1000 bytes; backends answer after
 * 10 ns (hot), 100 ns (warm), 1000 ns (cold); expected times are worked
 * from those delays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/engine.h"
#include "sim/path.h"

/* ---- a fake executor: events kept sorted, latest first ---- */

struct fev {
	uint64_t t, seq, id;
	exec_fn fn;
	void *arg;
};

struct fx {
	uint64_t now, seq, next_id;
	struct fev *ev;
	size_t n, cap;
	void (*after_event)(void *ctx);
	void *after_ctx;
	uint64_t events;
};

static uint64_t fx_now(void *self)
{
	return ((struct fx *)self)->now;
}

static uint64_t fx_call_at(void *self, uint64_t t, exec_fn fn, void *arg)
{
	struct fx *x = self;
	if (t < x->now)
		t = x->now;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->ev = realloc(x->ev, x->cap * sizeof *x->ev);
		assert_non_null(x->ev);
	}
	struct fev e = { .t = t, .seq = x->seq++, .id = ++x->next_id, .fn = fn, .arg = arg };
	/* Sorted descending by (t, seq): the next event is the last one. */
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->ev[mid].t > t || (x->ev[mid].t == t && x->ev[mid].seq > e.seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&x->ev[lo + 1], &x->ev[lo], (x->n - lo) * sizeof *x->ev);
	x->ev[lo] = e;
	x->n++;
	return e.id;
}

static int fx_cancel(void *self, uint64_t id)
{
	struct fx *x = self;
	for (size_t i = 0; i < x->n; i++) {
		if (x->ev[i].id == id) {
			memmove(&x->ev[i], &x->ev[i + 1], (x->n - i - 1) * sizeof *x->ev);
			x->n--;
			return 1;
		}
	}
	return 0;
}

static const struct exec_ops fx_ops = { fx_now, fx_call_at, fx_cancel };

static struct exec fx_exec(struct fx *x)
{
	return (struct exec){ .ops = &fx_ops, .self = x };
}

/* Runs events with time <= until. */
static void fx_run(struct fx *x, uint64_t until)
{
	while (x->n && x->ev[x->n - 1].t <= until) {
		struct fev e = x->ev[--x->n];
		x->now = e.t;
		x->events++;
		e.fn(e.arg);
		if (x->after_event)
			x->after_event(x->after_ctx);
	}
}

static void fx_free(struct fx *x)
{
	free(x->ev);
}

/* ---- an in-memory backend: fixed delay, logs every operation ---- */

struct oplog {
	uint64_t t;
	int op;
	uint64_t obj, off, len;
	int backend;
};

struct log {
	struct oplog *e;
	size_t n, cap;
};

struct mbk {
	const struct exec *x;
	int id;
	uint64_t delay_ns;
	uint64_t submitted[BK_NOPS], done[BK_NOPS];
	uint64_t bytes_done[BK_NOPS];
	struct log *log; /* shared, may be NULL */
	int fail_reads;  /* answer READs with BK_EIO */
	int fail_writes; /* answer WRITEs with BK_EIO */
	uint64_t discard[8][3]; /* the first discards: object, offset, length */
	size_t ndiscard;
};

static void log_add(struct log *l, uint64_t t, int op, uint64_t obj, uint64_t off, uint64_t len, int b)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->e = realloc(l->e, l->cap * sizeof *l->e);
		assert_non_null(l->e);
	}
	struct oplog *o = &l->e[l->n++];
	memset(o, 0, sizeof *o); /* padding too: logs are compared bytewise */
	o->t = t;
	o->op = op;
	o->obj = obj;
	o->off = off;
	o->len = len;
	o->backend = b;
}

static void mbk_complete(void *arg)
{
	struct bk_req *r = arg;
	struct mbk *b = r->priv[0];
	b->done[r->op]++;
	b->bytes_done[r->op] += r->length;
	r->status = (b->fail_reads && r->op == BK_READ) || (b->fail_writes && r->op == BK_WRITE) ? BK_EIO : BK_OK;
	r->done(r);
}

static int mbk_submit(void *self, struct bk_req *r)
{
	struct mbk *b = self;
	r->submit_ns = exec_now(b->x);
	r->priv[0] = b;
	b->submitted[r->op]++;
	if (b->log)
		log_add(b->log, r->submit_ns, r->op, r->object, r->offset, r->length, b->id);
	exec_after(b->x, b->delay_ns, mbk_complete, r);
	return 0;
}

static int mbk_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)self, (void)prefix, (void)m, (void)now_ns;
	return 0;
}

static void mbk_reset(void *self) { (void)self; }
static void mbk_destroy(void *self) { (void)self; }

static void mbk_discard(void *self, uint64_t obj, uint64_t off, uint64_t len)
{
	struct mbk *b = self;
	if (b->ndiscard < 8) {
		b->discard[b->ndiscard][0] = obj;
		b->discard[b->ndiscard][1] = off;
		b->discard[b->ndiscard][2] = len;
	}
	b->ndiscard++;
}

static const struct bk_ops mbk_ops = {
	.name = "mem", .submit = mbk_submit, .export = mbk_export, .reset_stats = mbk_reset,
	.destroy = mbk_destroy, .discard = mbk_discard,
};

static struct backend mbk_backend(struct mbk *b)
{
	return (struct backend){ &mbk_ops, b };
}

/* ---- a fixture: up to 3 tiers (hot, warm, cold), each with a data and a
 * metadata backend ---- */

#define CHUNK 1000

struct fixture {
	struct fx fx;
	struct exec x;
	struct mbk data[3], meta[3];
	struct path_tier_cfg tc[3];
	struct path_cfg cfg;
	struct path *p;
	struct log log;
};

static const uint64_t delays[3] = { 10, 100, 1000 };
static const char *const names[3] = { "hot", "warm", "cold" };

/* caps[i]: capacity of tier i (the last is forced to 0); n tiers, named
 * and timed top down hot, warm, with the bottom one always cold. */
static void fix_init(struct fixture *f, size_t n, const uint64_t *caps)
{
	memset(f, 0, sizeof *f);
	f->x = fx_exec(&f->fx);
	for (size_t i = 0; i < n; i++) {
		size_t k = i + 1 == n ? 2 : i; /* the bottom tier is always cold */
		f->data[i] = (struct mbk){ .x = &f->x, .id = (int)i, .delay_ns = delays[k], .log = &f->log };
		f->meta[i] = (struct mbk){ .x = &f->x, .id = 10 + (int)i, .delay_ns = 5, .log = &f->log };
		f->tc[i] = (struct path_tier_cfg){
			.name = names[k],
			.capacity_bytes = i + 1 == n ? 0 : caps[i],
			.policy = &pol_lru_ops,
			.write_policy = PATH_WRITE_THROUGH,
			.data = mbk_backend(&f->data[i]),
		};
	}
	f->cfg = (struct path_cfg){ .chunk_bytes = CHUNK, .client = 7, .n_tiers = n, .tiers = f->tc };
}

/* Two tiers, hot (hot_bytes) write-back with a dirty budget over cold. */
static void fix_write_back(struct fixture *f, uint64_t hot_bytes, uint64_t budget_bytes)
{
	uint64_t caps[] = { hot_bytes };
	fix_init(f, 2, caps);
	f->tc[0].write_policy = PATH_WRITE_BACK;
	f->tc[0].dirty_budget_bytes = budget_bytes;
}

/* Tier i is a file tier: its metadata operations go to meta[i] (5 ns
 * each), and the client caches attributes for ttl_ns. */
static void fix_file_meta(struct fixture *f, size_t i, uint64_t ttl_ns)
{
	f->tc[i].meta = mbk_backend(&f->meta[i]);
	f->tc[i].meta_kind = PATH_META_FILE;
	f->tc[i].meta_ttl_ns = ttl_ns;
}

static void fix_start(struct fixture *f)
{
	struct err e = { 0 };
	f->p = path_new(&f->x, &f->cfg, &e);
	if (!f->p)
		fail_msg("path_new: %s", e.msg);
}

/* Started: a hot tier of one chunk (LRU, write-through) over cold. */
static void fix_one_chunk_hot(struct fixture *f)
{
	uint64_t caps[] = { 1 * CHUNK };
	fix_init(f, 2, caps);
	fix_start(f);
}

static void fix_free(struct fixture *f)
{
	path_free(f->p);
	fx_free(&f->fx);
	free(f->log.e);
}

/* One request's completion, recorded. */
struct done_rec {
	int calls;
	int status;
	uint64_t bytes;
	uint64_t t;
	const struct exec *x;
};

static void on_done(void *ctx, int status, uint64_t bytes)
{
	struct done_rec *d = ctx;
	d->calls++;
	d->status = status;
	d->bytes = bytes;
	d->t = exec_now(d->x);
}

static void rd(struct fixture *f, uint64_t obj, uint64_t size, uint64_t off, uint64_t len, struct done_rec *d)
{
	struct err e = { 0 };
	d->x = &f->x;
	if (path_read(f->p, obj, size, off, len, on_done, d, &e) < 0)
		fail_msg("path_read: %s", e.msg);
}

static void wr(struct fixture *f, uint64_t obj, uint64_t size, uint64_t off, uint64_t len, struct done_rec *d)
{
	struct err e = { 0 };
	d->x = &f->x;
	if (path_write(f->p, obj, size, off, len, on_done, d, &e) < 0)
		fail_msg("path_write: %s", e.msg);
}

static void run_all(struct fixture *f)
{
	fx_run(&f->fx, UINT64_MAX);
	assert_int_equal(path_inflight(f->p), 0);
}

/* ---- reads ---- */

/* First read misses hot and is served by cold (t = 1000), filling hot in
 * the background; the second read hits hot: one hot READ, no new cold one. */
static void test_read_hit_at_top_tier(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 1, 800, 0, 800, &a);
	run_all(&f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.bytes, 800);
	assert_int_equal(a.t, 1000);
	rd(&f, 1, 800, 100, 200, &b);
	uint64_t t0 = f.fx.now;
	run_all(&f);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.bytes, 200);
	assert_int_equal(b.t - t0, 10);
	assert_int_equal(f.data[1].submitted[BK_READ], 1);
	assert_int_equal(f.data[0].submitted[BK_READ], 1);
	assert_int_equal(f.data[0].bytes_done[BK_READ], 200); /* only the bytes asked for */
	const struct path_tier_stats *hot = path_tier_stats(f.p, 0);
	assert_int_equal(hot->hits, 1);
	assert_int_equal(hot->misses, 1);
	assert_int_equal(hist_count(hot->read_latency_ns), 1);
	assert_int_equal(hist_count(path_tier_stats(f.p, 1)->read_latency_ns), 1);
	fix_free(&f);
}

/* A miss at hot and warm is served by cold at t = 1000 (the read does not
 * wait for the fills); both upper tiers then get a fill WRITE of the chunk. */
static void test_miss_fills_every_admitting_tier_above(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK, 20 * CHUNK };
	fix_init(&f, 3, caps);
	fix_start(&f);
	struct done_rec a = { 0 };
	rd(&f, 5, 3000, 1000, 1000, &a);
	run_all(&f);
	assert_int_equal(a.t, 1000);
	assert_int_equal(a.bytes, 1000);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(f.data[i].done[BK_WRITE], 1);
		assert_int_equal(path_tier_stats(f.p, i)->fill_bytes, 1000);
		assert_int_equal(path_tier_stats(f.p, i)->misses, 1);
		assert_true(path_tier_holds(f.p, i, 5, 1));
		assert_int_equal(path_tier_used_bytes(f.p, i), 1000);
	}
	assert_int_equal(path_tier_stats(f.p, 2)->hits, 1);
	assert_int_equal(f.data[2].submitted[BK_READ], 1);
	/* The fill to hot completes at 1010, after the read was delivered. */
	assert_int_equal(f.fx.now, 1100);
	fix_free(&f);
}

/* A chunk evicted from a bounded tier is discarded at its backend, by
 * object, offset and length (the chunk's whole span, also for an object's
 * last chunk, which ends before it): the hot tier of 2 chunks (LRU) evicts
 * chunk 1 of object 5, then the only chunk of object 1 (600 bytes).  The
 * bottom tier evicts nothing. */
static void test_evicted_chunk_is_discarded_at_its_tier(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 2 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec d[4] = { 0 };
	rd(&f, 5, 3000, 1000, 1000, &d[0]);
	run_all(&f);
	rd(&f, 1, 600, 0, 600, &d[1]);
	run_all(&f);
	rd(&f, 2, 1000, 0, 1000, &d[2]);
	run_all(&f);
	rd(&f, 3, 500, 0, 500, &d[3]);
	run_all(&f);
	assert_int_equal(f.data[0].ndiscard, 2);
	const uint64_t want[2][3] = { { 5, 1000, 1000 }, { 1, 0, 1000 } };
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 3; k++)
			assert_int_equal(f.data[0].discard[i][k], want[i][k]);
	assert_int_equal(path_tier_stats(f.p, 0)->evictions, 2);
	assert_int_equal(f.data[1].ndiscard, 0);
	fix_free(&f);
}

/* A hit's read is under way (hot answers in 10) when another read evicts
 * its chunk (a hot tier of one chunk): the discard waits for that read to
 * end; at once, a real backend punched the blocks under it, and tierref
 * read zeros (at outstanding 8).  After the read, it is discarded. */
static void test_chunk_evicted_under_a_read_is_discarded_after_it(void **state)
{
	(void)state;
	struct fixture f;
	fix_one_chunk_hot(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	run_all(&f);
	rd(&f, 1, 1000, 0, 1000, &b); /* a hit: hot's read ends 10 later */
	rd(&f, 2, 1000, 0, 1000, &c); /* a miss: admitting it evicts object 1 */
	assert_int_equal(path_tier_stats(f.p, 0)->evictions, 1);
	assert_int_equal(f.data[0].ndiscard, 0); /* not under the read */
	run_all(&f);
	assert_int_equal(b.status, BK_OK);
	assert_int_equal(f.data[0].ndiscard, 1);
	assert_int_equal(f.data[0].discard[0][0], 1);
	fix_free(&f);
}

/* Two misses at once on a hot tier of one chunk: object 2's reserves the
 * chunk that object 1's had reserved, before 1's fill (cold answers at
 * 1000).  Nothing was written for 1, so nothing is discarded for it (a
 * real file had no bytes there, and a drive model that charges discards
 * charged for them); 2, filled, is discarded when 3 takes its place. */
static void test_chunk_evicted_before_its_fill_is_not_discarded(void **state)
{
	(void)state;
	struct fixture f;
	fix_one_chunk_hot(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	rd(&f, 2, 1000, 0, 1000, &b);
	run_all(&f);
	assert_int_equal(path_stats(f.p)->raced, 1);
	assert_int_equal(f.data[0].submitted[BK_WRITE], 1); /* 2's fill only */
	assert_int_equal(f.data[0].ndiscard, 0);
	rd(&f, 3, 1000, 0, 1000, &c);
	run_all(&f);
	assert_int_equal(f.data[0].ndiscard, 1);
	assert_int_equal(f.data[0].discard[0][0], 2);
	fix_free(&f);
}

/* But a chunk reserved again while a read of its earlier residency held
 * its bytes does hold bytes: 1 is filled by 1010; then a hit reads it
 * (until 1020), 2 evicts it, and 1 misses again (reserved, its fetch back
 * at 2010).  The read ends at 1020 and finds 1 back, so its discard is
 * not done then; 3 evicts 1 at 1500, before the new fill, and its old
 * bytes are discarded then (not left on the disk).  2 was never filled. */
static void test_chunk_reserved_over_pinned_bytes_is_discarded(void **state)
{
	(void)state;
	struct fixture f;
	fix_one_chunk_hot(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, e = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	run_all(&f);
	assert_int_equal(f.fx.now, 1010); /* 1's fill */
	rd(&f, 1, 1000, 0, 1000, &b); /* a hit, read until 1020 */
	rd(&f, 2, 1000, 0, 1000, &c); /* evicts 1 under that read */
	rd(&f, 1, 1000, 0, 1000, &d); /* reserves 1 again, evicting 2 */
	fx_run(&f.fx, 1500);
	assert_int_equal(b.calls, 1);
	assert_int_equal(f.data[0].ndiscard, 0);
	rd(&f, 3, 1000, 0, 1000, &e); /* evicts 1 before its fill */
	assert_int_equal(f.data[0].ndiscard, 1);
	assert_int_equal(f.data[0].discard[0][0], 1);
	run_all(&f);
	assert_int_equal(f.data[0].ndiscard, 1); /* 3 stays; 1, 2 never filled again */
	fix_free(&f);
}

/* Two reads of one chunk at once, the second after its object grew (500
 * bytes, then 900): the second does not join the first's fetch of 500,
 * which would complete it with 400 bytes never read, but reads the bottom
 * tier, which holds the object at its size. */
static void test_read_of_a_grown_chunk_does_not_join_a_shorter_fetch(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 3, 500, 0, 500, &a);
	rd(&f, 3, 900, 0, 900, &b);
	run_all(&f);
	assert_int_equal(a.bytes, 500);
	assert_int_equal(b.bytes, 900);
	assert_int_equal(f.data[1].done[BK_READ], 2);
	assert_int_equal(f.data[1].bytes_done[BK_READ], 1400);
	assert_int_equal(path_stats(f.p)->coalesced, 0);
	fix_free(&f);
}

/* Hot answers in 2000, write-back, one chunk: W1 (object 2) is evicted
 * dirty by W2 (object 3).  At 2000 a read of each is served by hot until
 * 4000; each read takes its chunk back in, so the other is out again,
 * dirty, and 2 is out when its drain lands at 3000, under its read.  Its
 * blocks go after that read, not at 3000 (they were punched under it:
 * zeros in tierref). */
static void test_drained_chunk_is_discarded_after_the_read_it_serves(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 1 * CHUNK };
	fix_init(&f, 2, caps);
	f.data[0].delay_ns = 2000;
	f.tc[0].write_policy = PATH_WRITE_BACK;
	f.tc[0].dirty_budget_bytes = 10 * CHUNK;
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	wr(&f, 2, 1000, 0, 1000, &a);
	wr(&f, 3, 1000, 0, 1000, &b);
	fx_run(&f.fx, 2000);
	rd(&f, 2, 1000, 0, 1000, &c); /* back in hot; 3 out, dirty */
	rd(&f, 3, 1000, 0, 1000, &d); /* back in hot; 2 out, dirty */
	fx_run(&f.fx, 3500);
	assert_int_equal(path_tier_stats(f.p, 0)->dirty_evictions, 3);
	assert_int_equal(f.data[0].ndiscard, 0); /* 2 drained at 3000, still read */
	run_all(&f);
	assert_int_equal(c.status, BK_OK);
	assert_int_equal(c.t, 4000);
	assert_int_equal(d.t, 4000);
	assert_int_equal(f.data[0].ndiscard, 1);
	assert_int_equal(f.data[0].discard[0][0], 2);
	fix_free(&f);
}

/* Object 4 is read at 1000 bytes (hot holds its chunk at 1000), then at
 * 100 (it shrank): hot frees the chunk's bytes past 100, which its policy
 * no longer counts (a 128 KiB tier's files held 1,088 KiB).  A write at
 * 40 then frees past 40. */
static void test_chunk_that_shrinks_frees_its_tail(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 };
	rd(&f, 4, 1000, 0, 1000, &a);
	run_all(&f);
	rd(&f, 4, 100, 0, 100, &b);
	run_all(&f);
	assert_int_equal(b.status, BK_OK);
	assert_int_equal(path_tier_stats(f.p, 0)->hits, 1);
	assert_int_equal(path_tier_used_bytes(f.p, 0), 100);
	assert_int_equal(f.data[0].ndiscard, 1);
	uint64_t want[] = { 4, 100, CHUNK - 100 };
	for (int k = 0; k < 3; k++)
		assert_int_equal(f.data[0].discard[0][k], want[k]);
	wr(&f, 4, 40, 0, 40, &c);
	run_all(&f);
	assert_int_equal(f.data[0].ndiscard, 2);
	assert_int_equal(f.data[0].discard[1][1], 40);
	assert_int_equal(f.data[0].discard[1][2], CHUNK - 40);
	assert_int_equal(f.data[1].ndiscard, 0);
	fix_free(&f);
}

/* Hot write-around: a write invalidates the chunk a read had filled, and
 * its blocks are freed (they stayed on the disk: a 256 KiB tier's files
 * held 640 KiB). */
static void test_write_around_frees_the_chunk_it_invalidates(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	f.tc[0].write_policy = PATH_WRITE_AROUND;
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 4, 1000, 0, 1000, &a);
	run_all(&f);
	wr(&f, 4, 1000, 0, 1000, &b);
	run_all(&f);
	assert_int_equal(path_tier_stats(f.p, 0)->invalidations, 1);
	assert_int_equal(f.data[0].ndiscard, 1);
	assert_int_equal(f.data[0].discard[0][0], 4);
	fix_free(&f);
}

/* Hot admits only chunks of at most 500 bytes: a 1000-byte chunk is not
 * filled there (fill_refused), so it misses again next time. */
static void test_admission_refusing_a_fill(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	f.tc[0].admission = (struct pol_adm_spec){ &pol_adm_size_ops, 500 };
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	run_all(&f);
	rd(&f, 1, 1000, 0, 1000, &b);
	run_all(&f);
	const struct path_tier_stats *hot = path_tier_stats(f.p, 0);
	assert_int_equal(hot->misses, 2);
	assert_int_equal(hot->fill_refused, 2);
	assert_int_equal(hot->fill_bytes, 0);
	assert_int_equal(f.data[0].submitted[BK_WRITE], 0);
	assert_int_equal(f.data[1].submitted[BK_READ], 2);
	assert_int_equal(b.bytes, 1000);
	fix_free(&f);
}

/* Admission by size judges the object, not its chunks: with size:1500, a
 * 2500-byte object (chunks of 1000, 1000 and 500, each under 1500) is
 * not admitted, and a 1200-byte one (chunks of 1000 and 200) is. */
static void test_size_admission_judges_the_whole_object(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	f.tc[0].admission = (struct pol_adm_spec){ &pol_adm_size_ops, 1500 };
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 1, 2500, 0, 2500, &a);
	rd(&f, 2, 1200, 0, 1200, &b);
	run_all(&f);
	const struct path_tier_stats *hot = path_tier_stats(f.p, 0);
	assert_int_equal(hot->misses, 5);
	assert_int_equal(hot->fill_refused, 3);
	assert_int_equal(hot->fill_bytes, 1200);
	for (uint64_t k = 0; k < 3; k++)
		assert_false(path_tier_holds(f.p, 0, 1, k));
	assert_true(path_tier_holds(f.p, 0, 2, 0) && path_tier_holds(f.p, 0, 2, 1));
	fix_free(&f);
}

/* Three reads of one chunk issued together: one cold READ serves them all. */
static void test_concurrent_misses_coalesce_into_one_backend_read(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec d[3] = { { 0 } };
	rd(&f, 9, 1000, 0, 1000, &d[0]);
	rd(&f, 9, 1000, 0, 300, &d[1]);
	rd(&f, 9, 1000, 500, 500, &d[2]);
	run_all(&f);
	assert_int_equal(f.data[1].submitted[BK_READ], 1);
	assert_int_equal(path_stats(f.p)->coalesced, 2);
	uint64_t want[3] = { 1000, 300, 500 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(d[i].calls, 1);
		assert_int_equal(d[i].bytes, want[i]);
		assert_int_equal(d[i].t, 1000);
	}
	assert_int_equal(f.data[0].submitted[BK_WRITE], 1); /* one fill */
	fix_free(&f);
}

/* A 2500-byte object is chunks [0,1000) [1000,2000) [2000,2500): reading it
 * whole issues those three cold READs and caches 2500 bytes at hot. */
static void test_object_of_2_5_chunks_is_read_as_3_chunks(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec a = { 0 };
	rd(&f, 3, 2500, 0, 2500, &a);
	run_all(&f);
	assert_int_equal(a.bytes, 2500);
	size_t k = 0;
	uint64_t offs[3] = { 0, 1000, 2000 }, lens[3] = { 1000, 1000, 500 };
	for (size_t i = 0; i < f.log.n; i++) {
		if (f.log.e[i].backend != 1 || f.log.e[i].op != BK_READ)
			continue;
		assert_true(k < 3);
		assert_int_equal(f.log.e[i].off, offs[k]);
		assert_int_equal(f.log.e[i].len, lens[k]);
		k++;
	}
	assert_int_equal(k, 3);
	assert_int_equal(path_tier_used_bytes(f.p, 0), 2500);
	assert_int_equal(path_tier_stats(f.p, 0)->misses, 3);
	fix_free(&f);
}

/* An object that grows: 480 bytes read (a miss, hot filled with 480),
 * then the object is 700 bytes and read whole.  Its one chunk is held at
 * hot with 480 bytes only, so the read is a miss there (grown), served by
 * cold, and hot is filled with all 700; a third read hits. */
static void test_chunk_held_smaller_than_its_grown_object_is_a_miss(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 };
	rd(&f, 4, 480, 0, 480, &a);
	run_all(&f);
	rd(&f, 4, 700, 0, 700, &b);
	run_all(&f);
	const struct path_tier_stats *hot = path_tier_stats(f.p, 0);
	assert_int_equal(b.status, BK_OK);
	assert_int_equal(b.bytes, 700);
	assert_int_equal(hot->hits, 0);
	assert_int_equal(hot->misses, 2);
	assert_int_equal(hot->grown, 1);
	assert_int_equal(hot->fill_bytes, 480 + 700);
	assert_int_equal(f.data[1].bytes_done[BK_READ], 480 + 700);
	assert_int_equal(path_tier_used_bytes(f.p, 0), 700);
	rd(&f, 4, 700, 0, 700, &c);
	run_all(&f);
	assert_int_equal(hot->hits, 1);
	assert_int_equal(f.data[0].bytes_done[BK_READ], 700);
	/* Shrunk back: the 700 bytes held cover it, a hit. */
	rd(&f, 4, 300, 0, 300, &c);
	run_all(&f);
	assert_int_equal(hot->hits, 2);
	assert_int_equal(hot->grown, 1);
	fix_free(&f);
}

/* A read that fails at the serving tier fails the request, and the slot
 * reserved above is dropped. */
static void test_failed_fetch_fails_read_and_drops_reserved_slot(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	f.data[1].fail_reads = 1;
	fix_start(&f);
	struct done_rec a = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	run_all(&f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, BK_EIO);
	assert_int_equal(a.bytes, 0);
	assert_false(path_tier_holds(f.p, 0, 1, 0));
	assert_int_equal(path_stats(f.p)->failed, 1);
	fix_free(&f);
}

/* Hot (10 chunks) over cold, hot answering every WRITE with BK_EIO. */
static void fix_hot_over_cold_failing_writes(struct fixture *f)
{
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(f, 2, caps);
	f->data[0].fail_writes = 1;
	fix_start(f);
}

/* Hot fails every write (a full disk): the fill after a miss fails at
 * 1010 (cold answers at 1000, hot takes 10).  The read itself succeeded;
 * the failure counts in hot's errors and fill_errors and takes the chunk
 * out of hot, so the next read misses there again and cold serves it
 * (a second cold READ), rather than a hit on bytes that never arrived. */
static void test_failed_fill_takes_the_chunk_out_of_the_tier(void **state)
{
	(void)state;
	struct fixture f;
	fix_hot_over_cold_failing_writes(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	run_all(&f);
	assert_int_equal(a.status, BK_OK);
	assert_int_equal(a.t, 1000);
	assert_int_equal(f.fx.now, 1010);
	const struct path_tier_stats *hot = path_tier_stats(f.p, 0);
	assert_int_equal(hot->errors, 1);
	assert_int_equal(hot->fill_errors, 1);
	assert_int_equal(hot->fill_bytes, 0);
	assert_false(path_tier_holds(f.p, 0, 1, 0));
	assert_int_equal(path_tier_used_bytes(f.p, 0), 0);
	rd(&f, 1, 1000, 0, 1000, &b);
	run_all(&f);
	assert_int_equal(b.status, BK_OK);
	assert_int_equal(b.bytes, 1000);
	assert_int_equal(hot->hits, 0);
	assert_int_equal(hot->misses, 2);
	assert_int_equal(f.data[0].submitted[BK_READ], 0);
	assert_int_equal(f.data[1].submitted[BK_READ], 2);
	assert_int_equal(hot->fill_errors, 2);
	assert_int_equal(path_stats(f.p)->failed, 0);
	fix_free(&f);
}

/* A zero-length read completes, through the executor, not inside the call. */
static void test_empty_read_completes_from_the_executor(void **state)
{
	(void)state;
	struct fixture f;
	fix_init(&f, 1, NULL);
	fix_start(&f);
	struct done_rec a = { 0 };
	rd(&f, 1, 1000, 0, 0, &a);
	assert_int_equal(a.calls, 0);
	run_all(&f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.bytes, 0);
	fix_free(&f);
}

/* Two nodes' paths over the fixture's tiers, the top one shared (its
 * capacity from caps[0]): f's own path is node A (client 7), tn->b node
 * B (client 8). */
struct two_nodes {
	struct pol pol;
	struct path_shared *sh;
	struct path *b;
};

static void two_nodes_start(struct fixture *f, struct two_nodes *tn)
{
	assert_int_equal(pol_init(&tn->pol, &pol_lru_ops, f->tc[0].capacity_bytes, NULL, NULL), 0);
	tn->sh = path_shared_new(&tn->pol, f->tc[0].data, CHUNK, NULL);
	assert_non_null(tn->sh);
	f->tc[0].shared = tn->sh;
	fix_start(f);
	struct path_cfg cfg_b = f->cfg;
	cfg_b.client = 8;
	tn->b = path_new(&f->x, &cfg_b, NULL);
	assert_non_null(tn->b);
}

static void two_nodes_free(struct fixture *f, struct two_nodes *tn)
{
	path_free(tn->b);
	fix_free(f);
	path_shared_free(tn->sh);
	pol_destroy(&tn->pol);
}

/* Node A (the fixture's path) and then node B read object 42's 800
 * bytes at once. */
static void both_read_42(struct fixture *f, struct two_nodes *tn, struct done_rec *ra, struct done_rec *rb)
{
	rd(f, 42, 800, 0, 800, ra);
	rb->x = &f->x;
	assert_int_equal(path_read(tn->b, 42, 800, 0, 800, on_done, rb, NULL), 0);
}

/* Two nodes' paths share one bounded tier's policy (a cluster-wide warm
 * tier): node A's miss fills it, so node B's read of the same object is a
 * hit there and never reaches the cold store. */
static void test_shared_tier_residency_is_common_to_nodes(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	struct pol shared;
	assert_int_equal(pol_init(&shared, &pol_lru_ops, 10 * CHUNK, NULL, NULL), 0);
	struct path_shared *sh = path_shared_new(&shared, f.tc[0].data, CHUNK, NULL);
	assert_non_null(sh);
	f.tc[0].shared = sh;
	f.tc[0].policy = NULL;
	fix_start(&f);
	struct path_cfg cfg_b = f.cfg;
	cfg_b.client = 8;
	struct path *b = path_new(&f.x, &cfg_b, NULL);
	assert_non_null(b);
	struct done_rec ra = { 0 }, rb = { 0 };
	rd(&f, 42, 800, 0, 800, &ra);
	run_all(&f);
	assert_int_equal(ra.t, 1000); /* node A: a miss, served by cold */
	rb.x = &f.x;
	uint64_t t0 = f.fx.now;
	assert_int_equal(path_read(b, 42, 800, 0, 800, on_done, &rb, NULL), 0);
	fx_run(&f.fx, UINT64_MAX);
	assert_int_equal(rb.calls, 1);
	assert_int_equal(rb.t - t0, 10); /* node B: a hit in the shared tier */
	assert_int_equal(f.data[1].submitted[BK_READ], 1); /* cold read once, by A */
	assert_int_equal(path_tier_stats(b, 0)->hits, 1);
	assert_int_equal(path_tier_stats(f.p, 0)->misses, 1);
	assert_int_equal(path_tier_used_bytes(b, 0), 800);
	/* Node B reads 12 more 800-byte objects: the 10-chunk tier holds 12
	 * of the 13, so one eviction (42, the least recent), which the
	 * shared policy counts for both nodes and neither node's stats. */
	for (uint64_t o = 100; o < 112; o++) {
		struct done_rec r = { 0 };
		r.x = &f.x;
		assert_int_equal(path_read(b, o, 800, 0, 800, on_done, &r, NULL), 0);
		fx_run(&f.fx, UINT64_MAX);
	}
	assert_int_equal(path_tier_shared_evictions(f.p, 0), 1);
	assert_int_equal(path_tier_shared_evictions(b, 0), 1);
	assert_int_equal(path_tier_stats(b, 0)->evictions + path_tier_stats(f.p, 0)->evictions, 0);
	assert_int_equal(path_tier_shared_evictions(f.p, 1), 0); /* cold: its own */
	path_free(b);
	fix_free(&f);   /* neither path destroys the shared policy */
	path_shared_free(sh);
	assert_int_equal(shared.ops->contains(shared.st, 42ull << 24), 0);
	assert_int_equal(shared.ops->contains(shared.st, 111ull << 24), 1);
	pol_destroy(&shared);
}

/* Node A misses object 42 at 0: the shared tier reserves the chunk, and
 * A's fetch from cold is back at 1000, when A issues the fill.  Node B's
 * read of it at 0 finds the chunk reserved but not written: a hit whose
 * read waits for A's fetch, then reads the tier, at 1000 to 1010 (it read
 * the tier at once, on nothing: tierref's ENOENT).  Cold is read once. */
static void test_shared_tier_chunk_reserved_by_another_node_waits_for_its_fetch(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	struct two_nodes tn;
	two_nodes_start(&f, &tn);
	struct path *b = tn.b;
	struct done_rec ra = { 0 }, rb = { 0 }, rc = { 0 };
	both_read_42(&f, &tn, &ra, &rb);
	fx_run(&f.fx, 999);
	assert_int_equal(f.data[0].submitted[BK_READ], 0); /* B waits */
	fx_run(&f.fx, UINT64_MAX);
	assert_int_equal(ra.t, 1000);
	assert_int_equal(rb.t, 1010);
	assert_int_equal(rb.status, BK_OK);
	assert_int_equal(rb.bytes, 800);
	assert_int_equal(path_tier_stats(b, 0)->hits, 1);
	assert_int_equal(path_tier_stats(b, 0)->misses, 0);
	assert_int_equal(f.data[1].submitted[BK_READ], 1);
	assert_int_equal(f.data[0].submitted[BK_READ], 1);
	assert_int_equal(path_stats(b)->raced, 1);
	assert_int_equal(path_stats(f.p)->raced, 0);
	/* Then a plain hit. */
	rc.x = &f.x;
	uint64_t t0 = f.fx.now;
	assert_int_equal(path_read(b, 42, 800, 0, 800, on_done, &rc, NULL), 0);
	fx_run(&f.fx, UINT64_MAX);
	assert_int_equal(rc.t - t0, 10);
	assert_int_equal(path_tier_stats(b, 0)->hits, 2);
	two_nodes_free(&f, &tn);
}

/* As above, with file metadata at the shared tier (5 ns an operation):
 * A's fill of object 42 is a CREATE (1000 to 1005) and then a WRITE at
 * 1005.  B, released when A's fill is issued at 1000, does not know the
 * object: its LOOKUP must come after A's CREATE, at 1005 (it came at 1000:
 * tierref's ENOENT), then OPEN 1010 and READ 1015 to 1025. */
static void test_shared_tier_access_waits_for_another_nodes_create(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_file_meta(&f, 0, 1000000);
	struct two_nodes tn;
	two_nodes_start(&f, &tn);
	struct done_rec ra = { 0 }, rb = { 0 };
	both_read_42(&f, &tn, &ra, &rb);
	fx_run(&f.fx, UINT64_MAX);
	static const struct {
		int op, backend;
		uint64_t t;
	} want[] = {
		{ BK_READ, 1, 0 },     /* A's fetch from cold */
		{ BK_CREATE, 10, 1000 }, /* A's fill */
		{ BK_WRITE, 0, 1005 },
		{ BK_LOOKUP, 10, 1005 }, /* B */
		{ BK_OPEN, 10, 1010 },
		{ BK_READ, 0, 1015 },
	};
	assert_int_equal(f.log.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < f.log.n; i++) {
		assert_int_equal(f.log.e[i].op, want[i].op);
		assert_int_equal(f.log.e[i].backend, want[i].backend);
		assert_int_equal(f.log.e[i].t, want[i].t);
	}
	assert_int_equal(ra.t, 1000);
	assert_int_equal(rb.t, 1025);
	assert_int_equal(rb.status, BK_OK);
	two_nodes_free(&f, &tn);
}

/* As above, but A's fetch fails: B's waiting read goes to cold, which
 * holds every chunk, and succeeds; A's fails. */
static void test_shared_tier_read_waiting_for_a_failed_fetch_reads_the_bottom(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	struct two_nodes tn;
	two_nodes_start(&f, &tn);
	struct path *b = tn.b;
	f.data[1].fail_reads = 1;
	struct done_rec ra = { 0 }, rb = { 0 };
	both_read_42(&f, &tn, &ra, &rb);
	fx_run(&f.fx, 1000); /* A's fetch fails at 1000, and B's read goes to cold */
	f.data[1].fail_reads = 0;
	fx_run(&f.fx, UINT64_MAX);
	assert_int_not_equal(ra.status, BK_OK);
	assert_int_equal(rb.status, BK_OK);
	assert_int_equal(rb.t, 2000);
	assert_int_equal(f.data[1].submitted[BK_READ], 2);
	assert_false(path_tier_holds(b, 0, 42, 0));
	/* B's hit moved to cold, which served it (it stayed on the shared
	 * tier, which read nothing). */
	assert_int_equal(path_tier_stats(b, 0)->hits, 0);
	assert_int_equal(path_tier_stats(b, 1)->hits, 1);
	two_nodes_free(&f, &tn);
}

/* Three nodes; object 1 is 500 bytes for A and 1000 for B and C (it
 * grew).  A reserves the chunk (back at 1000, 500 bytes); B finds it held
 * smaller, a miss, and fetches 1000 bytes (back at 1000 too, its fill
 * after A's); C finds it reserved and waits.  A's 500-byte fill must not
 * release C, whose 1000 bytes it does not hold: C reads after B's fill
 * (it read after A's, bytes never written). */
static void test_shared_wait_is_not_released_by_a_shorter_fill(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	struct two_nodes tn;
	two_nodes_start(&f, &tn);
	struct path_cfg cfg_c = f.cfg;
	cfg_c.client = 9;
	struct path *c = path_new(&f.x, &cfg_c, NULL);
	assert_non_null(c);
	struct done_rec ra = { 0 }, rb = { 0 }, rc = { 0 };
	rd(&f, 1, 500, 0, 500, &ra);
	rb.x = rc.x = &f.x;
	assert_int_equal(path_read(tn.b, 1, 1000, 0, 1000, on_done, &rb, NULL), 0);
	assert_int_equal(path_read(c, 1, 1000, 0, 1000, on_done, &rc, NULL), 0);
	fx_run(&f.fx, UINT64_MAX);
	assert_int_equal(rc.status, BK_OK);
	assert_int_equal(rc.bytes, 1000);
	assert_int_equal(path_tier_stats(c, 0)->hits, 1);
	assert_int_equal(f.data[1].submitted[BK_READ], 2); /* A's and B's fetches */
	/* C's read of hot went after both fills were issued (at 1000): it
	 * is the third hot operation after A's and B's fill writes. */
	assert_int_equal(f.data[0].submitted[BK_WRITE], 2);
	assert_int_equal(f.data[0].submitted[BK_READ], 1);
	int seen_b_fill = 0;
	for (size_t i = 0; i < f.log.n; i++) {
		const struct oplog *l = &f.log.e[i];
		if (l->backend == 0 && l->op == BK_WRITE && l->len == 1000)
			seen_b_fill = 1;
		if (l->backend == 0 && l->op == BK_READ)
			assert_true(seen_b_fill);
	}
	path_free(c);
	two_nodes_free(&f, &tn);
}

/* A shared tier of one chunk answering in 2000.  Node A's miss on object
 * 1 is back at 1000; node B's read of it then is a hit, read until 3000.
 * A's miss on object 2 at 1000 evicts 1 under B's read: its blocks go
 * after that read, not at once (they were punched under it: zeros). */
static void test_shared_tier_discards_after_every_nodes_reads(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 1 * CHUNK };
	fix_init(&f, 2, caps);
	f.data[0].delay_ns = 2000;
	struct two_nodes tn;
	two_nodes_start(&f, &tn);
	struct path *b = tn.b;
	struct done_rec ra = { 0 }, rb = { 0 }, rc = { 0 };
	rd(&f, 1, 1000, 0, 1000, &ra);
	fx_run(&f.fx, 1000);
	assert_int_equal(ra.t, 1000);
	rb.x = &f.x;
	assert_int_equal(path_read(b, 1, 1000, 0, 1000, on_done, &rb, NULL), 0);
	rd(&f, 2, 1000, 0, 1000, &rc);
	fx_run(&f.fx, 2500);
	assert_int_equal(path_tier_shared_evictions(f.p, 0), 1);
	assert_int_equal(f.data[0].ndiscard, 0); /* B reads 1 until 3000 */
	fx_run(&f.fx, UINT64_MAX);
	assert_int_equal(rb.t, 3000);
	assert_int_equal(path_tier_stats(b, 0)->hits, 1);
	assert_int_equal(f.data[0].ndiscard, 1);
	assert_int_equal(f.data[0].discard[0][0], 1);
	two_nodes_free(&f, &tn);
}

static void test_shared_tier_refuses_write_back(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	struct pol shared;
	assert_int_equal(pol_init(&shared, &pol_lru_ops, 10 * CHUNK, NULL, NULL), 0);
	struct path_shared *sh = path_shared_new(&shared, f.tc[0].data, CHUNK, NULL);
	assert_non_null(sh);
	f.tc[0].shared = sh;
	f.tc[0].write_policy = PATH_WRITE_BACK;
	f.tc[0].dirty_budget_bytes = CHUNK;
	struct err e = { 0 };
	assert_null(path_new(&f.x, &f.cfg, &e));
	assert_non_null(strstr(e.msg, "shared"));
	fix_free(&f);
	path_shared_free(sh);
	pol_destroy(&shared);
}

/* ---- writes ---- */

/* All write-through: the ack comes at 1000, when the slowest tier (cold)
 * has completed its WRITE; by then every tier has its write done. */
static int wt_checked;
static struct fixture *wt_fix;
static void wt_on_done(void *ctx, int status, uint64_t bytes)
{
	(void)ctx;
	assert_int_equal(status, BK_OK);
	assert_int_equal(bytes, 1500);
	for (int i = 0; i < 3; i++)
		assert_int_equal(wt_fix->data[i].done[BK_WRITE], 2);
	assert_int_equal(wt_fix->fx.now, 1000);
	wt_checked++;
}

static void test_write_through_reaches_every_tier_before_ack(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK, 20 * CHUNK };
	fix_init(&f, 3, caps);
	fix_start(&f);
	wt_fix = &f;
	wt_checked = 0;
	struct err e = { 0 };
	assert_int_equal(path_write(f.p, 4, 1500, 0, 1500, wt_on_done, NULL, &e), 0);
	run_all(&f);
	assert_int_equal(wt_checked, 1);
	assert_true(path_tier_holds(f.p, 0, 4, 1));
	assert_true(path_tier_holds(f.p, 1, 4, 0));
	fix_free(&f);
}

/* Hot write-back over cold: acked at 10 with nothing at cold yet; the
 * drain reaches cold at 1010 and the chunk is clean again. */
static void test_write_back_acks_early_and_drains_later(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, 5 * CHUNK);
	fix_start(&f);
	struct done_rec a = { 0 };
	wr(&f, 2, 1000, 0, 1000, &a);
	fx_run(&f.fx, 10);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.t, 10);
	assert_int_equal(f.data[1].done[BK_WRITE], 0);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 1000);
	run_all(&f);
	assert_int_equal(f.fx.now, 1010);
	assert_int_equal(f.data[1].done[BK_WRITE], 1);
	assert_int_equal(path_tier_stats(f.p, 0)->writeback_bytes, 1000);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 0);
	fix_free(&f);
}

/* Budget of one chunk, one drain at a time: W1 acks at 10 and drains
 * 10..1010; W2 waits for it, acks at 1020, drains 1020..2020; W3 acks at
 * 2030. */
static void test_full_dirty_budget_makes_writes_wait(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, CHUNK);
	fix_start(&f);
	struct done_rec d[3] = { { 0 } };
	for (int i = 0; i < 3; i++)
		wr(&f, 10 + (uint64_t)i, 1000, 0, 1000, &d[i]);
	run_all(&f);
	assert_int_equal(d[0].t, 10);
	assert_int_equal(d[1].t, 1020);
	assert_int_equal(d[2].t, 2030);
	assert_int_equal(path_tier_stats(f.p, 0)->backpressure_waits, 2);
	assert_int_equal(f.data[1].done[BK_WRITE], 3);
	fix_free(&f);
}

/* Budget of one chunk: W1 (object 11) waits in the budget queue until
 * W0's drain lands at 1010.  A read of object 11 at 0 waits for W1 to
 * go, and is then a hot hit, done at 1020 (over these bare backends; the
 * programs' ord layer would have it wait for W1's write too).  (It read
 * cold at once, where W1's bytes were not: tierref read a file that did
 * not exist yet.) */
static void test_read_waits_for_a_write_queued_for_budget(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, CHUNK);
	fix_start(&f);
	struct done_rec w0 = { 0 }, w1 = { 0 }, r = { 0 };
	wr(&f, 10, 1000, 0, 1000, &w0);
	wr(&f, 11, 1000, 0, 1000, &w1);
	rd(&f, 11, 1000, 0, 1000, &r);
	run_all(&f);
	assert_int_equal(w1.t, 1020);
	assert_int_equal(r.status, BK_OK);
	assert_int_equal(r.bytes, 1000);
	assert_int_equal(r.t, 1020);
	assert_int_equal(path_stats(f.p)->raced, 1);
	assert_int_equal(path_tier_stats(f.p, 0)->hits, 1);
	assert_int_equal(path_tier_stats(f.p, 0)->misses, 0);
	assert_int_equal(f.data[1].done[BK_READ], 0);
	fix_free(&f);
}

/* The cold WRITEs in the log, in order: their offsets and start times. */
static void assert_cold_writes(const struct fixture *f, size_t n, const uint64_t *off, const uint64_t *t)
{
	size_t k = 0;
	for (size_t i = 0; i < f->log.n; i++) {
		const struct oplog *o = &f->log.e[i];
		if (o->backend != 1 || o->op != BK_WRITE)
			continue;
		assert_true(k < n);
		assert_int_equal(o->off, off[k]);
		assert_int_equal(o->t, t[k]);
		k++;
	}
	assert_int_equal(k, n);
}

static void nothing(void *arg)
{
	(void)arg;
}

/* An object's chunks drain in chunk order, not in the order they landed.
 * Chunks 2, 1, 0 of object 5 are written at 0 in that order and land at
 * 10 in that order; one drain at a time.  Chunk 2 waits for chunk 1,
 * still being written; chunk 1, landed, moves ahead of it and waits for
 * chunk 0; chunk 0 moves ahead of both.  So cold writes offsets 0, 1000,
 * 2000 at 10, 1010, 2010 (in landing order it wrote 2000, 1000, 0, and
 * an object store below had to fill the gaps: cold.c, "Pieces"). */
static void test_object_drains_in_chunk_order(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, 10 * CHUNK);
	fix_start(&f);
	struct done_rec d[3] = { { 0 } };
	for (int i = 2; i >= 0; i--)
		wr(&f, 5, 3000, (uint64_t)i * 1000, 1000, &d[i]);
	run_all(&f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(d[i].t, 10);
	const uint64_t off[] = { 0, 1000, 2000 }, t[] = { 10, 1010, 2010 };
	assert_cold_writes(&f, 3, off, t);
	assert_int_equal(path_tier_stats(f.p, 0)->writeback_bytes, 3000);
	fix_free(&f);
}

/* A chunk whose object's earlier chunk is still being written waits for
 * it, and other objects' chunks behind it wait too: chunk 1 of object 5
 * (written at 0) lands at 10, chunk 0 (written at 5) at 15, object 6's
 * chunk (written at 5) at 15 after it.  Two drains at a time: chunk 0
 * and chunk 1 drain at 15, object 6's at 1015 (in landing order chunk 1
 * drained at 10, before chunk 0 existed below). */
static void test_drain_waits_for_an_earlier_chunk_being_written(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, 10 * CHUNK);
	f.tc[0].drain_depth = 2;
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 };
	wr(&f, 5, 2000, 1000, 1000, &a);
	fx_call_at(&f.fx, 5, nothing, NULL);
	fx_run(&f.fx, 5);
	wr(&f, 5, 2000, 0, 1000, &b);
	wr(&f, 6, 1000, 0, 1000, &c);
	fx_run(&f.fx, 10);
	assert_int_equal(a.t, 10);
	assert_int_equal(f.data[1].submitted[BK_WRITE], 0);
	run_all(&f);
	const uint64_t off[] = { 0, 1000, 0 }, t[] = { 15, 15, 1015 };
	assert_cold_writes(&f, 3, off, t);
	assert_int_equal(f.log.e[f.log.n - 1].obj, 6);
	fix_free(&f);
}

/* Rewriting a dirty chunk before it drains reserves nothing more and
 * drains once. */
static void test_rewrite_of_dirty_chunk_coalesces(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, CHUNK);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	wr(&f, 2, 1000, 0, 1000, &a);
	wr(&f, 2, 1000, 0, 400, &b);
	run_all(&f);
	assert_int_equal(b.t, 10);
	assert_int_equal(path_tier_stats(f.p, 0)->backpressure_waits, 0);
	assert_int_equal(f.data[1].done[BK_WRITE], 1);
	assert_int_equal(path_stats(f.p)->raced, 1); /* saved a drain: it was still dirty */
	fix_free(&f);
}

/* A dirty chunk rewritten after its object grew (chunk 1 of 1500 bytes,
 * 500 long, then of 2500, 1000 long) drains the new length: it drained
 * 500, and a real tier below kept a hole of 500 bytes. */
static void test_rewrite_of_a_dirty_chunk_that_grew_drains_its_new_length(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, 10 * CHUNK);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	wr(&f, 7, 1500, 0, 1500, &a);
	wr(&f, 7, 2500, 0, 2500, &b);
	fx_run(&f.fx, 10);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 2500);
	run_all(&f);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 0);
	assert_int_equal(f.data[1].bytes_done[BK_WRITE], 2500);
	assert_int_equal(path_tier_stats(f.p, 0)->writeback_bytes, 2500);
	fix_free(&f);
}

/* A hot tier of one chunk, write-back: W2 evicts W1's chunk while it is
 * dirty (its drain runs 10..1010).  A read of it at 10 is served by hot,
 * from the bytes W1 wrote there, at 20: it went to cold, where the drain
 * had not landed (tierref read zeros and short reads there, and tiersim
 * counted a success).  Hot keeps the bytes until the drain lands. */
static void test_read_of_an_evicted_dirty_chunk_is_served_by_its_tier(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 1 * CHUNK, 10 * CHUNK);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 };
	wr(&f, 2, 1000, 0, 1000, &a);
	wr(&f, 3, 1000, 0, 1000, &b);
	fx_run(&f.fx, 20);
	assert_int_equal(path_tier_stats(f.p, 0)->dirty_evictions, 1);
	assert_false(path_tier_holds(f.p, 0, 2, 0));
	uint64_t t0 = f.fx.now; /* 10: the clock stops at the last event */
	rd(&f, 2, 1000, 0, 1000, &c);
	run_all(&f);
	assert_int_equal(c.status, BK_OK);
	assert_int_equal(c.t, t0 + 10);
	assert_int_equal(f.data[1].done[BK_READ], 0);
	assert_int_equal(path_tier_stats(f.p, 0)->hits, 1);
	assert_int_equal(path_tier_stats(f.p, 0)->misses, 0);
	assert_int_equal(path_stats(f.p)->raced, 1); /* its drain had not landed */
	fix_free(&f);
}

/* Write-back: object 1 is written at 1000 bytes and is dirty in hot; a
 * read of it at 100 bytes (it shrank) leaves hot's entry at 100 bytes,
 * and a read at 1000 then finds it grown there.  The dirty bytes cover
 * it: a hot hit.  (It read cold, before the drain had landed there:
 * tierref's ENOENT.) */
static void test_dirty_chunk_held_smaller_serves_a_grown_read(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, 10 * CHUNK);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 };
	wr(&f, 1, 1000, 0, 1000, &a);
	rd(&f, 1, 100, 0, 100, &b);
	rd(&f, 1, 1000, 0, 1000, &c);
	run_all(&f);
	assert_int_equal(c.status, BK_OK);
	assert_int_equal(c.bytes, 1000);
	assert_int_equal(path_tier_stats(f.p, 0)->hits, 2);
	assert_int_equal(path_tier_stats(f.p, 0)->misses, 0);
	assert_int_equal(f.data[1].submitted[BK_READ], 0);
	fix_free(&f);
}

/* Hot write-around: the chunk, resident after a read, is dropped from hot,
 * and the write goes to cold only. */
/* Write-back with a budget of one chunk, and the cold tier failing every
 * write: W1 acks at 10 and its drain fails at 1010; the failure is
 * counted (errors), nothing is written back, and the budget comes back,
 * so W2, waiting since 0, acks at 1020; its drain fails at 2020. */
static void test_failed_drain_is_counted_and_frees_the_budget(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, CHUNK);
	f.data[1].fail_writes = 1;
	fix_start(&f);
	struct done_rec d[2] = { { 0 } };
	for (int i = 0; i < 2; i++)
		wr(&f, 20 + (uint64_t)i, 1000, 0, 1000, &d[i]);
	run_all(&f);
	assert_int_equal(d[0].t, 10);
	assert_int_equal(d[1].t, 1020);
	assert_int_equal(d[0].status, BK_OK);
	assert_int_equal(d[1].status, BK_OK);
	assert_int_equal(f.fx.now, 2020);
	assert_int_equal(path_tier_stats(f.p, 0)->errors, 2);
	assert_int_equal(path_tier_stats(f.p, 0)->writeback_bytes, 0);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 0);
	fix_free(&f);
}

/* Write-through with hot failing its writes: cold has the chunk at 1000,
 * the request fails with hot's status, and the chunk leaves hot, so a
 * read then misses there and cold serves it. */
static void test_write_through_failing_at_a_tier_takes_the_chunk_out(void **state)
{
	(void)state;
	struct fixture f;
	fix_hot_over_cold_failing_writes(&f);
	struct done_rec a = { 0 }, b = { 0 };
	wr(&f, 30, 1000, 0, 1000, &a);
	run_all(&f);
	assert_int_equal(a.status, BK_EIO);
	assert_int_equal(a.t, 1000);
	assert_int_equal(f.data[1].done[BK_WRITE], 1);
	assert_false(path_tier_holds(f.p, 0, 30, 0));
	assert_int_equal(path_tier_stats(f.p, 0)->fill_errors, 0); /* a write, not a fill */
	rd(&f, 30, 1000, 0, 1000, &b);
	run_all(&f);
	assert_int_equal(b.status, BK_OK);
	assert_int_equal(path_tier_stats(f.p, 0)->misses, 1);
	assert_int_equal(f.data[1].submitted[BK_READ], 1);
	fix_free(&f);
}

/* Write-through with the cold tier failing: the hot copy is written (t =
 * 10) but the request fails with cold's status, when cold answers. */
static void test_write_through_fails_with_a_lower_tier(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	f.data[1].fail_writes = 1;
	fix_start(&f);
	struct done_rec a = { 0 };
	wr(&f, 30, 1000, 0, 1000, &a);
	run_all(&f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, BK_EIO);
	assert_int_equal(a.t, 1000);
	assert_int_equal(f.data[0].done[BK_WRITE], 1);
	fix_free(&f);
}

/* A write-back tier smaller than a chunk (500 bytes against 1000) cannot
 * hold the chunk dirty: the write goes through, to cold alone, and acks
 * when cold has it (t = 1000); nothing is dirty, nothing is written hot. */
static void test_write_back_of_a_chunk_larger_than_the_tier_goes_through(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 500, 10 * CHUNK);
	fix_start(&f);
	struct done_rec a = { 0 };
	wr(&f, 40, 1000, 0, 1000, &a);
	fx_run(&f.fx, 10);
	assert_int_equal(a.calls, 0);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 0);
	run_all(&f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, BK_OK);
	assert_int_equal(a.t, 1000);
	assert_int_equal(f.data[0].submitted[BK_WRITE], 0);
	assert_int_equal(f.data[1].done[BK_WRITE], 1);
	assert_false(path_tier_holds(f.p, 0, 40, 0));
	fix_free(&f);
}

static void test_write_around_skips_the_cache(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	f.tc[0].write_policy = PATH_WRITE_AROUND;
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 6, 1000, 0, 1000, &a);
	run_all(&f);
	assert_true(path_tier_holds(f.p, 0, 6, 0));
	uint64_t hot_writes = f.data[0].submitted[BK_WRITE]; /* the fill */
	wr(&f, 6, 1000, 0, 1000, &b);
	run_all(&f);
	assert_int_equal(b.bytes, 1000);
	assert_int_equal(f.data[0].submitted[BK_WRITE], hot_writes);
	assert_int_equal(f.data[1].done[BK_WRITE], 1);
	assert_false(path_tier_holds(f.p, 0, 6, 0));
	assert_int_equal(path_tier_stats(f.p, 0)->invalidations, 1);
	fix_free(&f);
}

/* Hot write-back (budget of one chunk, one drain at a time) over warm
 * write-around over cold: a 2,500-byte object is chunks of 1000, 1000 and
 * 500.  Each acks at hot (10 ns): the first at 10, the others as the
 * drain before frees the budget; each drain passes warm by and is written
 * at cold in 1000 ns.  So W0 acks at 10 and drains 10..1010, W1 acks at
 * 1020 and drains 1020..2020, W2 acks at 2030 and drains 2030..3030.  The
 * drains are hot's: warm, which holds nothing dirty, writes nothing back.
 * (The drain's acknowledgement came back from below warm, and was once
 * charged to warm: hot's drain count never fell, so it drained one chunk,
 * and warm's dirty bytes went below zero.) */
static void test_write_back_drains_through_a_write_around_tier(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK, 10 * CHUNK };
	fix_init(&f, 3, caps);
	f.tc[0].write_policy = PATH_WRITE_BACK;
	f.tc[0].dirty_budget_bytes = CHUNK;
	f.tc[1].write_policy = PATH_WRITE_AROUND;
	fix_start(&f);
	struct done_rec a = { 0 };
	wr(&f, 4, 2500, 0, 2500, &a);
	run_all(&f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.bytes, 2500);
	assert_int_equal(a.t, 2030);
	assert_int_equal(f.fx.now, 3030);
	assert_int_equal(f.data[1].submitted[BK_WRITE], 0);
	assert_int_equal(f.data[2].done[BK_WRITE], 3);
	assert_int_equal(path_tier_stats(f.p, 0)->writeback_bytes, 2500);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 0);
	assert_int_equal(path_tier_stats(f.p, 1)->writeback_bytes, 0);
	assert_int_equal(path_tier_dirty_bytes(f.p, 1), 0);
	assert_int_equal(path_inflight(f.p), 0);
	fix_free(&f);
}

/* ---- metadata ---- */

/* A file tier (TTL 5000 ns): the first read of an object costs
 * LOOKUP then OPEN before the READ; a read within the TTL costs nothing;
 * after it, GETATTR; a write of a new object costs CREATE. */
static void test_file_tier_metadata_ops(void **state)
{
	(void)state;
	struct fixture f;
	fix_init(&f, 1, NULL);
	fix_file_meta(&f, 0, 5000);
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	run_all(&f);
	assert_int_equal(a.t, 5 + 5 + 1000); /* lookup, open, read */
	assert_int_equal(f.log.n, 3);
	assert_int_equal(f.log.e[0].op, BK_LOOKUP);
	assert_int_equal(f.log.e[1].op, BK_OPEN);
	assert_int_equal(f.log.e[2].op, BK_READ);
	rd(&f, 1, 1000, 0, 1000, &b); /* at 1010: within TTL (expires 5000) */
	run_all(&f);
	assert_int_equal(f.log.n, 4);
	f.fx.now = 10000; /* nothing pending: move the clock past the TTL */
	rd(&f, 1, 1000, 0, 1000, &c);
	run_all(&f);
	assert_int_equal(f.log.e[4].op, BK_GETATTR);
	wr(&f, 2, 1000, 0, 1000, &d);
	run_all(&f);
	const struct path_tier_stats *s = path_tier_stats(f.p, 0);
	assert_int_equal(s->meta_ops[BK_LOOKUP], 1);
	assert_int_equal(s->meta_ops[BK_OPEN], 1);
	assert_int_equal(s->meta_ops[BK_GETATTR], 1);
	assert_int_equal(s->meta_ops[BK_CREATE], 1);
	assert_int_equal(f.meta[0].done[BK_CREATE], 1);
	fix_free(&f);
}

/* A read of an object whose write is still in its CREATE finds the
 * object in the client's metadata cache (the write put it there) and so
 * has no metadata steps of its own: it is held until the write's data
 * goes to the backend, and reads after it, not before the file exists;
 * so is a second write, which must not land before the first. */
static void test_access_waits_for_a_write_creating_its_object(void **state)
{
	(void)state;
	struct fixture f;
	fix_init(&f, 1, NULL);
	fix_file_meta(&f, 0, 5000);
	fix_start(&f);
	struct done_rec w = { 0 }, r = { 0 }, w2 = { 0 }, o = { 0 };
	wr(&f, 1, 1000, 0, 1000, &w); /* CREATE 0..5, WRITE 5..1005 */
	rd(&f, 1, 1000, 0, 1000, &r);
	wr(&f, 1, 1000, 0, 1000, &w2);
	rd(&f, 2, 1000, 0, 1000, &o); /* another object: not held */
	run_all(&f);
	static const struct {
		int op;
		uint64_t obj, t;
	} want[] = {
		{ BK_CREATE, 1, 0 }, { BK_LOOKUP, 2, 0 }, { BK_WRITE, 1, 5 },
		{ BK_READ, 1, 5 },   { BK_WRITE, 1, 5 },  { BK_OPEN, 2, 5 },
		{ BK_READ, 2, 10 },
	};
	assert_int_equal(f.log.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < f.log.n; i++) {
		assert_int_equal(f.log.e[i].op, want[i].op);
		assert_int_equal(f.log.e[i].obj, want[i].obj);
		assert_int_equal(f.log.e[i].t, want[i].t);
	}
	assert_int_equal(w.t, 5 + 1000);
	assert_int_equal(r.t, 5 + 1000);
	assert_int_equal(r.status, BK_OK);
	assert_int_equal(w2.t, 5 + 1000);
	assert_int_equal(o.t, 5 + 5 + 1000);
	fix_free(&f);
}

/* A write of a known object whose metadata has expired costs a GETATTR
 * before its data, and refreshes the entry: a read of the object meanwhile
 * is held behind it too (it read the tier first: tierref's short read of
 * an object the write grew).  TTL 5000: the rewrite at 10000 is GETATTR
 * 10000 to 10005 and WRITE at 10005; the read follows it, to 11005. */
static void test_access_waits_for_a_write_in_its_getattr(void **state)
{
	(void)state;
	struct fixture f;
	fix_init(&f, 1, NULL);
	fix_file_meta(&f, 0, 5000);
	fix_start(&f);
	struct done_rec w = { 0 }, w2 = { 0 }, r = { 0 };
	wr(&f, 1, 1000, 0, 1000, &w);
	run_all(&f);
	f.fx.now = 10000;
	wr(&f, 1, 1000, 0, 1000, &w2);
	rd(&f, 1, 1000, 0, 1000, &r);
	run_all(&f);
	static const struct {
		int op;
		uint64_t t;
	} want[] = {
		{ BK_CREATE, 0 }, { BK_WRITE, 5 }, { BK_GETATTR, 10000 }, { BK_WRITE, 10005 }, { BK_READ, 10005 },
	};
	assert_int_equal(f.log.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < f.log.n; i++) {
		assert_int_equal(f.log.e[i].op, want[i].op);
		assert_int_equal(f.log.e[i].t, want[i].t);
	}
	assert_int_equal(w2.t, 11005);
	assert_int_equal(r.t, 11005);
	fix_free(&f);
}

/* An object tier: HEAD before the GET of an unknown object, none for a
 * write; no metadata backend means no metadata operations. */
static void test_object_tier_heads_before_get(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	f.tc[1].meta = mbk_backend(&f.meta[1]);
	f.tc[1].meta_kind = PATH_META_OBJECT;
	f.tc[1].meta_ttl_ns = 1000000;
	fix_start(&f);
	struct done_rec a = { 0 }, b = { 0 };
	rd(&f, 1, 2000, 0, 2000, &a); /* two chunks, one object: one HEAD */
	run_all(&f);
	assert_int_equal(a.t, 5 + 1000);
	assert_int_equal(f.log.e[0].op, BK_HEAD);
	assert_int_equal(f.log.e[0].backend, 11);
	assert_int_equal(f.meta[1].submitted[BK_HEAD], 1);
	wr(&f, 2, 1000, 0, 1000, &b);
	run_all(&f);
	assert_int_equal(f.meta[1].submitted[BK_HEAD], 1);
	assert_int_equal(path_tier_stats(f.p, 1)->meta_ops[BK_CREATE], 0);
	assert_int_equal(path_tier_stats(f.p, 0)->meta_ops[BK_HEAD], 0);
	fix_free(&f);
}

/* ---- invariants over a random workload ---- */

struct wl {
	struct fixture *f;
	uint64_t rng;
	size_t n_req, issued;
	struct done_rec *d;
	int *is_write;
	uint64_t *len;
	uint64_t checks;
};

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check_capacity(void *ctx)
{
	struct wl *w = ctx;
	struct path *p = w->f->p;
	for (size_t i = 0; i < path_n_tiers(p); i++) {
		uint64_t cap = path_tier_capacity_bytes(p, i);
		if (cap && path_tier_used_bytes(p, i) > cap)
			fail_msg("tier %zu holds %llu > %llu", i,
				 (unsigned long long)path_tier_used_bytes(p, i), (unsigned long long)cap);
	}
	w->checks++;
}

static void wl_issue(void *arg)
{
	struct wl *w = arg;
	size_t i = w->issued++;
	uint64_t obj = xs(&w->rng) % 200; /* skewed to low ids: min of three */
	for (int k = 0; k < 2; k++) {
		uint64_t o2 = xs(&w->rng) % 200;
		obj = o2 < obj ? o2 : obj;
	}
	uint64_t size = 500 + obj * 37 % 4000; /* fixed per object */
	uint64_t off = xs(&w->rng) % size;
	uint64_t len = 1 + xs(&w->rng) % (size - off);
	w->is_write[i] = xs(&w->rng) % 4 == 0;
	w->len[i] = len;
	if (w->is_write[i])
		wr(w->f, obj, size, off, len, &w->d[i]);
	else
		rd(w->f, obj, size, off, len, &w->d[i]);
	if (w->issued < w->n_req)
		exec_after(&w->f->x, xs(&w->rng) % 50, wl_issue, w);
}

/* Three tiers (hot write-back LRU 3 KB with second-hit admission, warm
 * write-through SIEVE 20 KB, cold), 10k random reads and writes: */
static void setup_random(struct fixture *f, struct wl *w, size_t n)
{
	uint64_t caps[] = { 3 * CHUNK, 20 * CHUNK };
	fix_init(f, 3, caps);
	f->tc[0].write_policy = PATH_WRITE_BACK;
	f->tc[0].dirty_budget_bytes = 4 * CHUNK;
	f->tc[0].drain_depth = 2;
	f->tc[0].admission = (struct pol_adm_spec){ &pol_adm_second_hit_ops, 0 };
	f->tc[1].policy = &pol_sieve_ops;
	fix_file_meta(f, 1, 3000);
	f->tc[2].meta = mbk_backend(&f->meta[2]);
	f->tc[2].meta_kind = PATH_META_OBJECT;
	f->tc[2].meta_ttl_ns = 10000;
	memset(w, 0, sizeof *w);
	w->f = f;
	w->rng = 88172645463325252ULL;
	w->n_req = n;
	w->d = calloc(n, sizeof *w->d);
	w->is_write = calloc(n, sizeof *w->is_write);
	w->len = calloc(n, sizeof *w->len);
	assert_non_null(w->d);
}

static void wl_free(struct wl *w)
{
	free(w->d);
	free(w->is_write);
	free(w->len);
}

/* ... every request completes exactly once with all its bytes, no tier
 * ever holds more than its capacity (checked after every event), and the
 * path ends idle with nothing dirty. */
static void test_random_workload_conserves_bytes_and_capacity(void **state)
{
	(void)state;
	struct fixture f;
	struct wl w;
	setup_random(&f, &w, 10000);
	fix_start(&f);
	f.fx.after_event = check_capacity;
	f.fx.after_ctx = &w;
	exec_at(&f.x, 0, wl_issue, &w);
	run_all(&f);
	uint64_t want_r = 0, want_w = 0;
	for (size_t i = 0; i < w.n_req; i++) {
		assert_int_equal(w.d[i].calls, 1);
		assert_int_equal(w.d[i].status, BK_OK);
		assert_int_equal(w.d[i].bytes, w.len[i]);
		*(w.is_write[i] ? &want_w : &want_r) += w.len[i];
	}
	const struct path_stats *s = path_stats(f.p);
	assert_int_equal(s->read_req_bytes, want_r);
	assert_int_equal(s->read_delivered_bytes, want_r);
	assert_int_equal(s->write_acked_bytes, want_w);
	assert_int_equal(s->reads_done + s->writes_done, 10000);
	assert_int_equal(path_tier_dirty_bytes(f.p, 0), 0);
	assert_true(w.checks > 10000);
	/* the workload reached the interesting cases */
	const struct path_tier_stats *hot = path_tier_stats(f.p, 0), *warm = path_tier_stats(f.p, 1);
	assert_true(hot->writeback_bytes > 0);
	assert_true(hot->dirty_evictions > 0);
	assert_true(hot->backpressure_waits > 0);
	assert_true(hot->fill_refused > 0);
	assert_true(warm->fill_bytes > 0);
	assert_true(warm->evictions > 0);
	assert_true(warm->meta_ops[BK_GETATTR] > 0);
	assert_true(path_tier_stats(f.p, 2)->meta_ops[BK_HEAD] > 0);
	assert_true(s->coalesced > 0);
	/* every chunk a hot write dirtied reached warm: what hot drained is
	 * exactly what cold received (warm is write-through) */
	assert_int_equal(hot->writeback_bytes, path_tier_stats(f.p, 2)->write_bytes);
	wl_free(&w);
	fix_free(&f);
}

static void run_random_log(struct log *out, size_t n)
{
	struct fixture f;
	struct wl w;
	setup_random(&f, &w, n);
	fix_start(&f);
	exec_at(&f.x, 0, wl_issue, &w);
	run_all(&f);
	*out = f.log;
	f.log.e = NULL;
	wl_free(&w);
	fix_free(&f);
}

/* The same inputs give the same backend operations in the same order. */
static void test_same_inputs_give_same_operation_order(void **state)
{
	(void)state;
	struct log a, b;
	run_random_log(&a, 2000);
	run_random_log(&b, 2000);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.e, b.e, a.n * sizeof *a.e);
	free(a.e);
	free(b.e);
}

/* The same workload over the DES engine issues exactly the operations it
 * issues over the fake executor: the path depends on the contract only. */
static struct ev_engine *g_eng;
static void test_runs_unchanged_over_the_des_engine(void **state)
{
	(void)state;
	struct log a;
	run_random_log(&a, 2000);

	struct fixture f;
	struct wl w;
	setup_random(&f, &w, 2000);
	g_eng = ev_engine_new(NULL);
	assert_non_null(g_eng);
	f.x = ev_executor(g_eng);
	fix_start(&f);
	ev_at(g_eng, 0, wl_issue, &w);
	struct err e = { 0 };
	assert_true(ev_run(g_eng, UINT64_MAX, &e) >= 0);
	assert_int_equal(path_inflight(f.p), 0);
	for (size_t i = 0; i < w.n_req; i++)
		assert_int_equal(w.d[i].calls, 1);
	assert_int_equal(f.log.n, a.n);
	assert_memory_equal(f.log.e, a.e, a.n * sizeof *a.e);
	free(a.e);
	wl_free(&w);
	fix_free(&f);
	ev_engine_free(g_eng);
}

/* ---- configuration and export ---- */

static void test_bad_configurations_are_rejected(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK, 10 * CHUNK };
	struct err e = { 0 };
	fix_init(&f, 2, caps);
	f.tc[1].capacity_bytes = 5; /* bottom bounded */
	assert_null(path_new(&f.x, &f.cfg, &e));
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "cold"));
	fix_init(&f, 2, caps);
	f.tc[0].write_policy = PATH_WRITE_BACK; /* no budget */
	assert_null(path_new(&f.x, &f.cfg, &e));
	assert_non_null(strstr(e.msg, "hot"));
	fix_init(&f, 2, caps);
	f.cfg.chunk_bytes = 0;
	assert_null(path_new(&f.x, &f.cfg, &e));
	fix_init(&f, 2, caps);
	fix_start(&f);
	assert_int_equal(path_read(f.p, 1, 100, 50, 51, on_done, NULL, &e), -1);
	assert_int_equal(path_read(f.p, (uint64_t)1 << 40, 100, 0, 1, on_done, NULL, &e), -1);
	fix_free(&f);
}

static void test_export_writes_per_tier_metrics(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t caps[] = { 10 * CHUNK };
	fix_init(&f, 2, caps);
	fix_start(&f);
	struct done_rec a = { 0 };
	rd(&f, 1, 1000, 0, 1000, &a);
	run_all(&f);
	struct met_registry *m = met_new();
	assert_int_equal(path_export(f.p, "path", m, f.fx.now), 0);
	assert_int_equal(met_find(m, "path.hot.misses")->value, 1);
	assert_int_equal(met_find(m, "path.cold.hits")->value, 1);
	assert_int_equal(met_find(m, "path.hot.fill_bytes")->value, 1000);
	assert_non_null(met_find(m, "path.cold.meta.lookup"));
	assert_int_equal(hist_count(met_hist(m, "path.cold.read_latency", "ns")), 1);
	assert_int_equal(path_export(f.p, "path", m, f.fx.now), 0);
	assert_int_equal(hist_count(met_hist(m, "path.cold.read_latency", "ns")), 1);
	met_free(m);
	fix_free(&f);
}

/* Freeing the path with work in flight leaks nothing (ASan checks). */
static void test_free_with_work_in_flight(void **state)
{
	(void)state;
	struct fixture f;
	fix_write_back(&f, 10 * CHUNK, CHUNK);
	fix_start(&f);
	struct done_rec d[4] = { { 0 } };
	rd(&f, 1, 3000, 0, 3000, &d[0]);
	rd(&f, 1, 3000, 0, 3000, &d[1]);
	wr(&f, 2, 1000, 0, 1000, &d[2]);
	wr(&f, 3, 1000, 0, 1000, &d[3]);
	fx_run(&f.fx, 20);
	assert_true(path_inflight(f.p) > 0);
	fix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_hit_at_top_tier),
		cmocka_unit_test(test_miss_fills_every_admitting_tier_above),
		cmocka_unit_test(test_evicted_chunk_is_discarded_at_its_tier),
		cmocka_unit_test(test_chunk_evicted_under_a_read_is_discarded_after_it),
		cmocka_unit_test(test_chunk_evicted_before_its_fill_is_not_discarded),
		cmocka_unit_test(test_chunk_reserved_over_pinned_bytes_is_discarded),
		cmocka_unit_test(test_read_of_a_grown_chunk_does_not_join_a_shorter_fetch),
		cmocka_unit_test(test_drained_chunk_is_discarded_after_the_read_it_serves),
		cmocka_unit_test(test_chunk_that_shrinks_frees_its_tail),
		cmocka_unit_test(test_write_around_frees_the_chunk_it_invalidates),
		cmocka_unit_test(test_admission_refusing_a_fill),
		cmocka_unit_test(test_size_admission_judges_the_whole_object),
		cmocka_unit_test(test_concurrent_misses_coalesce_into_one_backend_read),
		cmocka_unit_test(test_object_of_2_5_chunks_is_read_as_3_chunks),
		cmocka_unit_test(test_failed_fetch_fails_read_and_drops_reserved_slot),
		cmocka_unit_test(test_failed_fill_takes_the_chunk_out_of_the_tier),
		cmocka_unit_test(test_chunk_held_smaller_than_its_grown_object_is_a_miss),
		cmocka_unit_test(test_empty_read_completes_from_the_executor),
		cmocka_unit_test(test_shared_tier_residency_is_common_to_nodes),
		cmocka_unit_test(test_shared_tier_chunk_reserved_by_another_node_waits_for_its_fetch),
		cmocka_unit_test(test_shared_tier_access_waits_for_another_nodes_create),
		cmocka_unit_test(test_shared_tier_read_waiting_for_a_failed_fetch_reads_the_bottom),
		cmocka_unit_test(test_shared_wait_is_not_released_by_a_shorter_fill),
		cmocka_unit_test(test_shared_tier_discards_after_every_nodes_reads),
		cmocka_unit_test(test_shared_tier_refuses_write_back),
		cmocka_unit_test(test_write_through_reaches_every_tier_before_ack),
		cmocka_unit_test(test_write_back_acks_early_and_drains_later),
		cmocka_unit_test(test_object_drains_in_chunk_order),
		cmocka_unit_test(test_drain_waits_for_an_earlier_chunk_being_written),
		cmocka_unit_test(test_full_dirty_budget_makes_writes_wait),
		cmocka_unit_test(test_read_waits_for_a_write_queued_for_budget),
		cmocka_unit_test(test_rewrite_of_dirty_chunk_coalesces),
		cmocka_unit_test(test_rewrite_of_a_dirty_chunk_that_grew_drains_its_new_length),
		cmocka_unit_test(test_read_of_an_evicted_dirty_chunk_is_served_by_its_tier),
		cmocka_unit_test(test_dirty_chunk_held_smaller_serves_a_grown_read),
		cmocka_unit_test(test_failed_drain_is_counted_and_frees_the_budget),
		cmocka_unit_test(test_write_through_fails_with_a_lower_tier),
		cmocka_unit_test(test_write_through_failing_at_a_tier_takes_the_chunk_out),
		cmocka_unit_test(test_write_back_of_a_chunk_larger_than_the_tier_goes_through),
		cmocka_unit_test(test_write_around_skips_the_cache),
		cmocka_unit_test(test_write_back_drains_through_a_write_around_tier),
		cmocka_unit_test(test_file_tier_metadata_ops),
		cmocka_unit_test(test_access_waits_for_a_write_creating_its_object),
		cmocka_unit_test(test_access_waits_for_a_write_in_its_getattr),
		cmocka_unit_test(test_object_tier_heads_before_get),
		cmocka_unit_test(test_random_workload_conserves_bytes_and_capacity),
		cmocka_unit_test(test_same_inputs_give_same_operation_order),
		cmocka_unit_test(test_runs_unchanged_over_the_des_engine),
		cmocka_unit_test(test_bad_configurations_are_rejected),
		cmocka_unit_test(test_export_writes_per_tier_metrics),
		cmocka_unit_test(test_free_with_work_in_flight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
