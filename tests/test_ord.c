/* Tests for sim/ord (read-after-write ordering per object or per chunk) over a `fixed`
 * device of 10 us per operation, no queueing, driven by the DES engine.
 * Expected completion times are worked by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/fixed.h"
#include "sim/backend.h"
#include "sim/engine.h"
#include "sim/ord.h"

/* Between ord and the device: a write at byte fail_off of an object
 * fails with BK_ENOSPC (a full disk), as the device answers; every other
 * request passes.  `seen` counts the requests that reached it. */
struct failer {
	struct backend dev;
	uint64_t fail_off;
	int seen;
	struct world *w;
};

struct world {
	struct ev_engine *eng;
	struct exec x;
	struct backend dev, fail, ord;
	struct failer failer;
	struct bk_req r[8];
	bk_done_fn done[8]; /* the callers', while the failer holds a write */
	void *ctx[8];
	uint64_t done_ns[8];
	int status[8];
	int ndone;
	int may_fail;       /* else note() requires BK_OK */
};

static void note(struct bk_req *r)
{
	struct world *w = r->ctx;
	if (!w->may_fail)
		assert_int_equal(r->status, BK_OK);
	w->status[r - w->r] = r->status;
	w->done_ns[r - w->r] = ev_now(w->eng);
	w->ndone++;
}

static void failer_done(struct bk_req *r)
{
	struct world *w = r->ctx;
	size_t k = (size_t)(r - w->r);
	if (r->op == BK_WRITE && r->offset == w->failer.fail_off)
		r->status = BK_ENOSPC;
	r->done = w->done[k];
	r->ctx = w->ctx[k];
	r->done(r);
}

static int failer_submit(void *self, struct bk_req *r)
{
	struct failer *f = self;
	struct world *w = f->w;
	size_t k = (size_t)(r - w->r);
	f->seen++;
	w->done[k] = r->done;
	w->ctx[k] = r->ctx;
	r->done = failer_done;
	r->ctx = w;
	return bk_submit(&f->dev, r);
}

static int failer_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)self, (void)prefix, (void)m, (void)now_ns;
	return 0;
}

static void failer_reset(void *self) { (void)self; }
static void failer_destroy(void *self) { (void)self; }

static const struct bk_ops failer_ops = {
	.name = "failer", .submit = failer_submit, .export = failer_export, .reset_stats = failer_reset, .destroy = failer_destroy,
};

static void world_init_unit(struct world *w, uint64_t unit_bytes)
{
	memset(w, 0, sizeof *w);
	w->eng = ev_engine_new(NULL);
	assert_non_null(w->eng);
	w->x = ev_executor(w->eng);
	struct fixed_params fp = { .latency_ns = 10000, .bps = 0 };
	struct err e = { 0 };
	assert_int_equal(fixed_new(&w->dev, &w->x, &fp, &e), 0);
	w->failer = (struct failer){ .dev = w->dev, .fail_off = UINT64_MAX, .w = w };
	w->fail = (struct backend){ &failer_ops, &w->failer };
	assert_int_equal(ord_wrap(w->fail, unit_bytes, &w->ord, &e), 0);
}

/* Ordered per object. */
static void world_init(struct world *w)
{
	world_init_unit(w, 0);
}

static void world_free(struct world *w)
{
	w->ord.ops->destroy(w->ord.self);
	w->dev.ops->destroy(w->dev.self);
	ev_engine_free(w->eng);
}

static void tick(void *arg)
{
	(void)arg;
}

/* Submits request k at time t_ns (runs the engine up to then first; an
 * empty event there moves the clock even when nothing else is pending). */
static void submit_range_at(struct world *w, int k, uint64_t t_ns, enum bk_op op, uint64_t obj, uint64_t off,
			    uint64_t len)
{
	struct err e = { 0 };
	assert_true(ev_at(w->eng, t_ns, tick, NULL) != 0);
	assert_true(ev_run(w->eng, t_ns, &e) >= 0);
	assert_int_equal(ev_now(w->eng), t_ns);
	struct bk_req *r = &w->r[k];
	memset(r, 0, sizeof *r);
	r->op = op;
	r->object = obj;
	r->offset = off;
	r->length = len;
	r->done = note;
	r->ctx = w;
	assert_int_equal(bk_submit(&w->ord, r), 0);
}

static void submit_at(struct world *w, int k, uint64_t t_ns, enum bk_op op, uint64_t obj)
{
	submit_range_at(w, k, t_ns, op, obj, 0, 4096);
}

static void run(struct world *w)
{
	struct err e = { 0 };
	assert_true(ev_run(w->eng, UINT64_MAX, &e) >= 0);
}

/* A write of object 1 at 0 (done 10 us); a read of 1 at 2 us waits for it
 * and then takes its 10 us: done 20 us.  A read of object 2 at 2 us does
 * not wait: 12 us.  A read of 1 at 30 us, no write in flight: 40 us. */
static void test_ord_read_waits_for_the_objects_write_only(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	submit_at(&w, 0, 0, BK_WRITE, 1);
	submit_at(&w, 1, 2000, BK_READ, 1);
	submit_at(&w, 2, 2000, BK_READ, 2);
	submit_at(&w, 3, 30000, BK_READ, 1);
	run(&w);
	assert_int_equal(w.ndone, 4);
	assert_int_equal(w.done_ns[0], 10000);
	assert_int_equal(w.done_ns[1], 20000);
	assert_int_equal(w.done_ns[2], 12000);
	assert_int_equal(w.done_ns[3], 40000);
	world_free(&w);
}

/* Writes of object 1 at 0 and 5 us (done 10 and 15 us: writes are not
 * ordered); a read at 1 us and one at 12 us both wait for the last of
 * them (15 us), then take 10 us each, side by side: 25 us.  A write at
 * 20 us, while they are at the device, does not hold them back: done at
 * 30 us; and a read at 21 us waits for it: 40 us. */
static void test_ord_reads_wait_for_every_write_in_flight(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	submit_at(&w, 0, 0, BK_WRITE, 1);
	submit_at(&w, 1, 1000, BK_READ, 1);
	submit_at(&w, 2, 5000, BK_WRITE, 1);
	submit_at(&w, 3, 12000, BK_READ, 1);
	submit_at(&w, 4, 20000, BK_WRITE, 1);
	submit_at(&w, 5, 21000, BK_READ, 1);
	run(&w);
	assert_int_equal(w.ndone, 6);
	assert_int_equal(w.done_ns[0], 10000);
	assert_int_equal(w.done_ns[2], 15000);
	assert_int_equal(w.done_ns[1], 25000);
	assert_int_equal(w.done_ns[3], 25000);
	assert_int_equal(w.done_ns[4], 30000);
	assert_int_equal(w.done_ns[5], 40000);
	world_free(&w);
}

/* Requests still waiting or in flight at destroy are dropped: no
 * callback runs (and the blocks they were in are freed). */
static void test_ord_destroy_with_requests_pending(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	for (int k = 0; k < 4; k++)
		submit_at(&w, k, 0, k % 2 ? BK_READ : BK_WRITE, 7);
	assert_int_equal(w.ndone, 0);
	world_free(&w);
}

/* Object 1: a write of [0, 4096) at 0 fails at 10 us (a full disk) and
 * one of [8192, 12288) at 0 succeeds at 10 us.  The reads waiting for
 * them that overlap the failed bytes, [0, 4096) at 2 us and [2048, 6144)
 * at 3 us, fail with its status at 10 us and never reach the device
 * (their bytes may never have been written).  [8192, 12288) at 2 us waits
 * and reads: 20 us.  [0, 4096) at 30 us, nothing in flight, reads: 40 us
 * (ord keeps no memory of the failure; the data path drops the chunk). */
static void test_ord_failed_write_fails_the_reads_waiting_on_its_bytes(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	w.may_fail = 1;
	w.failer.fail_off = 0;
	submit_range_at(&w, 0, 0, BK_WRITE, 1, 0, 4096);
	submit_range_at(&w, 1, 0, BK_WRITE, 1, 8192, 4096);
	submit_range_at(&w, 2, 2000, BK_READ, 1, 0, 4096);
	submit_range_at(&w, 3, 2000, BK_READ, 1, 8192, 4096);
	submit_range_at(&w, 4, 3000, BK_READ, 1, 2048, 4096);
	submit_range_at(&w, 5, 30000, BK_READ, 1, 0, 4096);
	run(&w);
	assert_int_equal(w.ndone, 6);
	const uint64_t t[6] = { 10000, 10000, 10000, 20000, 10000, 40000 };
	const int st[6] = { BK_ENOSPC, BK_OK, BK_ENOSPC, BK_OK, BK_ENOSPC, BK_OK };
	for (int k = 0; k < 6; k++) {
		assert_int_equal(w.done_ns[k], t[k]);
		assert_int_equal(w.status[k], st[k]);
	}
	assert_int_equal(w.failer.seen, 4); /* two writes, reads 3 and 5 */
	world_free(&w);
}

/* Units of 4096 bytes (the data path's chunks): a write of object 1's
 * chunk 0 at 0 (done 10 us) holds back a read of part of chunk 0 at 2 us
 * (20 us) but not one of chunk 1 at 2 us (12 us), which object ordering
 * would hold (test above: 20 us).  A write of chunk 2 at 3 us (13 us)
 * holds a read of chunk 2 at 4 us (23 us); a read of chunk 0 at 11 us,
 * its write done, goes at once (21 us). */
static void test_ord_per_chunk_reads_wait_for_their_chunks_write_only(void **state)
{
	(void)state;
	struct world w;
	world_init_unit(&w, 4096);
	submit_range_at(&w, 0, 0, BK_WRITE, 1, 0, 4096);
	submit_range_at(&w, 1, 2000, BK_READ, 1, 4096, 4096);
	submit_range_at(&w, 2, 2000, BK_READ, 1, 1024, 1024);
	submit_range_at(&w, 3, 3000, BK_WRITE, 1, 8192, 4096);
	submit_range_at(&w, 4, 4000, BK_READ, 1, 8192, 4096);
	submit_range_at(&w, 5, 11000, BK_READ, 1, 0, 4096);
	run(&w);
	assert_int_equal(w.ndone, 6);
	const uint64_t t[6] = { 10000, 12000, 20000, 13000, 23000, 21000 };
	for (int k = 0; k < 6; k++)
		assert_int_equal(w.done_ns[k], t[k]);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ord_read_waits_for_the_objects_write_only),
		cmocka_unit_test(test_ord_reads_wait_for_every_write_in_flight),
		cmocka_unit_test(test_ord_destroy_with_requests_pending),
		cmocka_unit_test(test_ord_failed_write_fails_the_reads_waiting_on_its_bytes),
		cmocka_unit_test(test_ord_per_chunk_reads_wait_for_their_chunks_write_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
