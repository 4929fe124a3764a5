/* Tests for sim/bkseq (two backends in sequence), over two mock backends
 * of fixed delays on the DES engine; times worked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/bkseq.h"
#include "sim/engine.h"

/* Completes each request delay_ns after it arrives, with `status`; counts
 * what it saw, and writes its private fields (as a real backend may). */
struct mock {
	struct ev_engine *eng;
	uint64_t delay_ns;
	int status;
	int seen;
	enum bk_op last_op;
};

static void mock_complete(void *arg)
{
	struct bk_req *r = arg;
	struct mock *m = r->priv[0];
	r->status = m->status;
	r->retries = m->status == BK_OK ? 2 : 0;
	r->done(r);
}

static int mock_submit(void *self, struct bk_req *r)
{
	struct mock *m = self;
	m->seen++;
	m->last_op = r->op;
	r->priv[0] = m;
	r->upriv[0] = 0xdead; /* private: must not leak to the other backend */
	r->submit_ns = ev_now(m->eng);
	return ev_after(m->eng, m->delay_ns, mock_complete, r) ? 0 : -1;
}

static int mock_export(void *self, const char *prefix, struct met_registry *mr, uint64_t now_ns)
{
	(void)self, (void)prefix, (void)mr, (void)now_ns;
	return 0;
}

static void mock_reset(void *self) { (void)self; }
static void mock_destroy(void *self) { (void)self; }

static const struct bk_ops mock_ops = {
	.name = "mock", .submit = mock_submit, .export = mock_export, .reset_stats = mock_reset, .destroy = mock_destroy,
};

struct rec {
	int calls, status;
	uint32_t retries;
	uint64_t t;
	struct ev_engine *eng;
};

static void on_done(struct bk_req *r)
{
	struct rec *c = r->ctx;
	c->calls++;
	c->status = r->status;
	c->retries = r->retries;
	c->t = ev_now(c->eng);
}

static void run(struct ev_engine *eng)
{
	struct err e = { 0 };
	assert_true(ev_run(eng, UINT64_MAX, &e) >= 0);
}

/* A metadata service of 10 us (first, answering `first_status`) and a
 * store of 20 ms (second), in sequence. */
struct rig {
	struct ev_engine *eng;
	struct mock a, b;
	struct backend seq;
	struct rec c;
};

static void rig_init(struct rig *g, int first_status)
{
	memset(g, 0, sizeof *g);
	g->eng = ev_engine_new(NULL);
	assert_non_null(g->eng);
	g->a = (struct mock){ .eng = g->eng, .delay_ns = 10000, .status = first_status };
	g->b = (struct mock){ .eng = g->eng, .delay_ns = 20000000, .status = BK_OK };
	struct err e = { 0 };
	assert_int_equal(bkseq_new((struct backend){ &mock_ops, &g->a }, (struct backend){ &mock_ops, &g->b }, &g->seq,
				   &e),
			 0);
	g->c.eng = g->eng;
}

static void rig_free(struct rig *g)
{
	g->seq.ops->destroy(g->seq.self);
	ev_engine_free(g->eng);
}

/* A HEAD through a 10 us metadata service, then a 20 ms store: done at
 * 20.01 ms with the store's status and retries; each backend saw it once. */
static void test_bkseq_sums_the_two_and_reports_the_second(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, BK_OK);
	struct bk_req r = { .op = BK_HEAD, .object = 7, .done = on_done, .ctx = &g.c };
	assert_int_equal(bk_submit(&g.seq, &r), 0);
	run(g.eng);
	assert_int_equal(g.c.calls, 1);
	assert_int_equal(g.c.status, BK_OK);
	assert_int_equal(g.c.retries, 2);
	assert_int_equal(g.c.t, 20010000);
	assert_int_equal(g.a.seen, 1);
	assert_int_equal(g.b.seen, 1);
	assert_int_equal(g.b.last_op, BK_HEAD);
	assert_ptr_equal(r.ctx, &g.c); /* the caller's request is its own again */
	rig_free(&g);
}

/* The first fails (ENOENT at 10 us): done then, with its status; the
 * second never sees the request. */
static void test_bkseq_first_failure_ends_it(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, BK_ENOENT);
	struct bk_req r = { .op = BK_HEAD, .object = 7, .done = on_done, .ctx = &g.c };
	assert_int_equal(bk_submit(&g.seq, &r), 0);
	run(g.eng);
	assert_int_equal(g.c.calls, 1);
	assert_int_equal(g.c.status, BK_ENOENT);
	assert_int_equal(g.c.t, 10000);
	assert_int_equal(g.b.seen, 0);
	rig_free(&g);
}

/* Requests still in flight at destroy are dropped and freed (ASan and
 * LeakSanitizer would say otherwise); no callback runs. */
static void test_bkseq_destroy_with_requests_in_flight(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, BK_OK);
	struct bk_req r[3];
	for (int k = 0; k < 3; k++) {
		r[k] = (struct bk_req){ .op = BK_HEAD, .object = (uint64_t)k, .done = on_done, .ctx = &g.c };
		assert_int_equal(bk_submit(&g.seq, &r[k]), 0);
	}
	struct err e = { 0 };
	assert_true(ev_run(g.eng, 15000, &e) >= 0); /* all three now at the second */
	assert_int_equal(g.b.seen, 3);
	rig_free(&g);
	assert_int_equal(g.c.calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bkseq_sums_the_two_and_reports_the_second),
		cmocka_unit_test(test_bkseq_first_failure_ends_it),
		cmocka_unit_test(test_bkseq_destroy_with_requests_in_flight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
