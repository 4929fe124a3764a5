/* Tests for sim/ord (read-after-write ordering per object) over a `fixed`
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

struct world {
	struct ev_engine *eng;
	struct exec x;
	struct backend dev, ord;
	struct bk_req r[8];
	uint64_t done_ns[8];
	int ndone;
};

static void note(struct bk_req *r)
{
	struct world *w = r->ctx;
	assert_int_equal(r->status, BK_OK);
	w->done_ns[r - w->r] = ev_now(w->eng);
	w->ndone++;
}

static void world_init(struct world *w)
{
	memset(w, 0, sizeof *w);
	w->eng = ev_engine_new(NULL);
	assert_non_null(w->eng);
	w->x = ev_executor(w->eng);
	struct fixed_params fp = { .latency_ns = 10000, .bps = 0 };
	struct err e = { 0 };
	assert_int_equal(fixed_new(&w->dev, &w->x, &fp, &e), 0);
	assert_int_equal(ord_wrap(w->dev, &w->ord, &e), 0);
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
static void submit_at(struct world *w, int k, uint64_t t_ns, enum bk_op op, uint64_t obj)
{
	struct err e = { 0 };
	assert_true(ev_at(w->eng, t_ns, tick, NULL) != 0);
	assert_true(ev_run(w->eng, t_ns, &e) >= 0);
	assert_int_equal(ev_now(w->eng), t_ns);
	struct bk_req *r = &w->r[k];
	memset(r, 0, sizeof *r);
	r->op = op;
	r->object = obj;
	r->length = 4096;
	r->done = note;
	r->ctx = w;
	assert_int_equal(bk_submit(&w->ord, r), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ord_read_waits_for_the_objects_write_only),
		cmocka_unit_test(test_ord_reads_wait_for_every_write_in_flight),
		cmocka_unit_test(test_ord_destroy_with_requests_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
