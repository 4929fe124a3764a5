/* Tests for trace replay (traces/replay.c) over data paths on the DES
 * engine, with the fixed-latency backend (models/fixed.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "models/fixed.h"
#include "sim/engine.h"
#include "sim/path.h"
#include "traces/replay.h"

/* ---- a trace reader over an array; record `fail_at` (1-based) is bad ---- */
struct arr {
	const struct trace_rec *recs;
	size_t n, i, fail_at;
};

static int arr_next(void *st, struct trace_rec *r, struct err *e)
{
	struct arr *a = st;
	if (a->fail_at && a->i + 1 == a->fail_at)
		return err_set(e, ERR_INPUT, "test.trace: record %zu: bad size", a->i + 1);
	if (a->i == a->n)
		return 0;
	*r = a->recs[a->i++];
	return 1;
}

static void arr_close(void *st)
{
	(void)st;
}

static const struct trace_ops arr_ops = { .name = "array", .next = arr_next, .close = arr_close };

#define MAXN 4
#define MS 1000000ull

struct rig {
	struct ev_engine *eng;
	struct exec x;
	struct backend be[MAXN];
	struct path *paths[MAXN];
	size_t n;
	struct arr arr;
	struct trace_reader tr;
	struct replay *rp;
	int finishes;
};

static void on_finish(void *ctx)
{
	((struct rig *)ctx)->finishes++;
}

static void rig_init(struct rig *g, size_t nodes, uint64_t latency_ns, const struct trace_rec *recs, size_t n)
{
	memset(g, 0, sizeof *g);
	g->eng = ev_engine_new(NULL);
	g->x = ev_executor(g->eng);
	g->n = nodes;
	for (size_t i = 0; i < nodes; i++) {
		struct fixed_params fp = { .latency_ns = latency_ns };
		assert_int_equal(fixed_new(&g->be[i], &g->x, &fp, NULL), 0);
		struct path_tier_cfg tier = { .name = "store", .data = g->be[i] };
		struct path_cfg pc = { .chunk_bytes = 1 << 20, .client = (uint32_t)i, .n_tiers = 1, .tiers = &tier };
		g->paths[i] = path_new(&g->x, &pc, NULL);
		assert_non_null(g->paths[i]);
	}
	g->arr = (struct arr){ .recs = recs, .n = n };
	g->tr = (struct trace_reader){ .ops = &arr_ops, .st = &g->arr };
}

static void rig_start(struct rig *g, struct replay_cfg *c)
{
	c->on_finish = on_finish;
	c->on_finish_ctx = g;
	assert_int_equal(replay_new(&g->rp, &g->x, &g->tr, g->paths, g->n, c, NULL), 0);
}

static void rig_free(struct rig *g)
{
	replay_free(g->rp);
	for (size_t i = 0; i < g->n; i++) {
		path_free(g->paths[i]);
		g->be[i].ops->destroy(g->be[i].self);
	}
	ev_engine_free(g->eng);
}

static const struct trace_rec three[] = {
	{ .time_ns = 5000 * MS, .obj_id = 1, .size_bytes = 4096, .op = TRACE_OP_READ },
	{ .time_ns = 6000 * MS, .obj_id = 2, .size_bytes = 4096, .op = TRACE_OP_READ },
	{ .time_ns = 8000 * MS, .obj_id = 3, .size_bytes = 4096, .op = TRACE_OP_READ },
};

static void test_open_loop_issues_at_scaled_trace_times(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, 1, 10 * MS, three, 3);
	struct replay_cfg c = { .mode = REPLAY_OPEN, .time_scale = 0.5 };
	rig_start(&g, &c);
	assert_int_equal(replay_start(g.rp, NULL), 0);
	ev_run(g.eng, UINT64_MAX, NULL);
	const struct replay_stats *s = replay_stats(g.rp);
	/* trace times 5, 6, 8 s from the first → 0, 0.5, 1.5 s; +10 ms each */
	assert_int_equal(s->issued, 3);
	assert_int_equal(s->completed, 3);
	assert_int_equal(s->first_ns, 0);
	assert_int_equal(s->last_done_ns, 1500 * MS + 10 * MS);
	assert_int_equal(s->read_bytes, 3 * 4096);
	assert_int_equal(g.finishes, 1);
	assert_true(replay_done(g.rp));
	rig_free(&g);
}

static void test_open_loop_spreads_records_round_robin(void **state)
{
	(void)state;
	struct trace_rec recs[7];
	for (int i = 0; i < 7; i++)
		recs[i] = (struct trace_rec){ .time_ns = (uint64_t)i * MS, .obj_id = (uint64_t)i, .size_bytes = 100 };
	struct rig g;
	rig_init(&g, 3, MS, recs, 7);
	struct replay_cfg c = { .mode = REPLAY_OPEN, .time_scale = 1 };
	rig_start(&g, &c);
	replay_start(g.rp, NULL);
	ev_run(g.eng, UINT64_MAX, NULL);
	/* records 0,3,6 → node 0; 1,4 → node 1; 2,5 → node 2 */
	assert_int_equal(fixed_ops(&g.be[0], BK_READ), 3);
	assert_int_equal(fixed_ops(&g.be[1], BK_READ), 2);
	assert_int_equal(fixed_ops(&g.be[2], BK_READ), 2);
	rig_free(&g);
}

static void test_closed_loop_keeps_outstanding_requests_per_node(void **state)
{
	(void)state;
	struct trace_rec recs[6];
	for (int i = 0; i < 6; i++) /* timestamps far apart: closed loop ignores them */
		recs[i] = (struct trace_rec){ .time_ns = (uint64_t)i * 1000 * MS, .obj_id = (uint64_t)i, .size_bytes = 10 };
	struct rig g;
	rig_init(&g, 1, 10 * MS, recs, 6);
	struct replay_cfg c = { .mode = REPLAY_CLOSED, .outstanding = 2 };
	rig_start(&g, &c);
	replay_start(g.rp, NULL);
	/* two in flight at once: 6 requests finish in three waves of 10 ms */
	ev_run(g.eng, 10 * MS - 1, NULL);
	assert_int_equal(replay_stats(g.rp)->completed, 0);
	ev_run(g.eng, 10 * MS, NULL);
	assert_int_equal(replay_stats(g.rp)->completed, 2);
	ev_run(g.eng, UINT64_MAX, NULL);
	assert_int_equal(replay_stats(g.rp)->completed, 6);
	assert_int_equal(replay_stats(g.rp)->last_done_ns, 30 * MS);
	assert_int_equal(g.finishes, 1);
	rig_free(&g);
}

/* Closed loop, one node, one outstanding, over `three` with record
 * fail_at bad (0: none), at most max_requests (0: all); runs to the end. */
static void run_closed_one(struct rig *g, size_t fail_at, uint64_t max_requests)
{
	rig_init(g, 1, MS, three, 3);
	g->arr.fail_at = fail_at;
	struct replay_cfg c = { .mode = REPLAY_CLOSED, .outstanding = 1, .max_requests = max_requests };
	rig_start(g, &c);
	replay_start(g->rp, NULL);
	ev_run(g->eng, UINT64_MAX, NULL);
}

static void test_max_requests_stops_early(void **state)
{
	(void)state;
	struct rig g;
	run_closed_one(&g, 0, 2);
	assert_int_equal(replay_stats(g.rp)->completed, 2);
	assert_int_equal(g.finishes, 1);
	rig_free(&g);
}

/* Closed loop on one node reads one record ahead (a prefetch hint for
 * the path): never past max_requests, so a bad record beyond them is not
 * read at all, as without the read-ahead. */
static void test_read_ahead_stops_at_max_requests(void **state)
{
	(void)state;
	struct rig g;
	run_closed_one(&g, 3, 2);
	struct err e = { 0 };
	assert_int_equal(replay_failed(g.rp, &e), 0);
	assert_int_equal(replay_stats(g.rp)->completed, 2);
	assert_int_equal(g.arr.i, 2);
	assert_int_equal(g.finishes, 1);
	rig_free(&g);
}

static void test_time_going_backwards_is_an_input_error(void **state)
{
	(void)state;
	static const struct trace_rec back[] = {
		{ .time_ns = 10 * MS, .obj_id = 1, .size_bytes = 1 },
		{ .time_ns = 20 * MS, .obj_id = 2, .size_bytes = 1 },
		{ .time_ns = 15 * MS, .obj_id = 3, .size_bytes = 1 },
	};
	struct rig g;
	rig_init(&g, 1, MS, back, 3);
	struct replay_cfg c = { .mode = REPLAY_OPEN, .time_scale = 1 };
	rig_start(&g, &c);
	replay_start(g.rp, NULL);
	ev_run(g.eng, UINT64_MAX, NULL);
	struct err e = { 0 };
	assert_int_equal(replay_failed(g.rp, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "record 3"));
	assert_non_null(strstr(e.msg, "backwards"));
	/* the two good records were issued and completed; nothing hangs */
	assert_int_equal(replay_stats(g.rp)->completed, 2);
	assert_int_equal(g.finishes, 1);
	rig_free(&g);
}

/* The reader's error ends the replay, with the records before the bad
 * one issued and completed (one a millisecond) and nothing after: also
 * when the bad record was read ahead, before its turn. */
static void test_bad_record_stops_replay_with_readers_error(void **state)
{
	(void)state;
	for (size_t bad = 2; bad <= 3; bad++) {
		struct rig g;
		run_closed_one(&g, bad, 0);
		struct err e = { 0 };
		char want[64];
		snprintf(want, sizeof want, "test.trace: record %zu", bad);
		assert_int_equal(replay_failed(g.rp, &e), -1);
		assert_non_null(strstr(e.msg, want));
		assert_int_equal(replay_stats(g.rp)->issued, bad - 1);
		assert_int_equal(replay_stats(g.rp)->completed, bad - 1);
		assert_int_equal(ev_now(g.eng), (bad - 1) * MS);
		rig_free(&g);
	}
}

/* A trace of no records is the reader's error (trace_no_records), which
 * the replay reports as it reports a bad record. */
static void test_empty_trace_is_an_error(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, 2, MS, NULL, 0);
	struct replay_cfg c = { .mode = REPLAY_OPEN, .time_scale = 1 };
	rig_start(&g, &c);
	struct err e = { 0 };
	int rc = replay_start(g.rp, &e);
	if (rc == 0)
		assert_int_equal(replay_failed(g.rp, &e), -1);
	assert_non_null(strstr(e.msg, "no records"));
	assert_int_equal(replay_stats(g.rp)->issued, 0);
	rig_free(&g);
}

static void test_bad_configuration_is_refused(void **state)
{
	(void)state;
	struct rig g;
	rig_init(&g, 1, MS, three, 3);
	struct replay *rp = NULL;
	struct err e = { 0 };
	struct replay_cfg open0 = { .mode = REPLAY_OPEN, .time_scale = 0 };
	assert_int_equal(replay_new(&rp, &g.x, &g.tr, g.paths, 1, &open0, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	struct replay_cfg closed0 = { .mode = REPLAY_CLOSED, .outstanding = 0 };
	assert_int_equal(replay_new(&rp, &g.x, &g.tr, g.paths, 1, &closed0, &e), -1);
	assert_int_equal(replay_new(&rp, &g.x, &g.tr, g.paths, 0, &closed0, &e), -1);
	rig_free(&g);
}

/* ---- the object ids the data path is given ---- */

/* A backend that notes each request's object and passes it on. */
struct seen {
	struct backend inner;
	uint64_t obj[16];
	size_t n;
};

static int seen_submit(void *self, struct bk_req *r)
{
	struct seen *s = self;
	if (s->n < 16)
		s->obj[s->n++] = r->object;
	return bk_submit(&s->inner, r);
}

static void seen_destroy(void *self)
{
	struct seen *s = self;
	s->inner.ops->destroy(s->inner.self);
}

static const struct bk_ops seen_ops = { .name = "seen", .submit = seen_submit, .destroy = seen_destroy };

/* A trace's ids become the upper half of the path's 2^40 (jobs own the
 * lower, traces/workload.h): t < 2^38 as 2^39 + t, and each distinct
 * larger id (a CSV's hashed text ids, 64-bit keys) 2^39 + 2^38 + n in
 * order of first sight, so none is refused and no two meet. */
static void test_trace_ids_are_numbered_clear_of_jobs_and_below_2_40(void **state)
{
	(void)state;
	const uint64_t big1 = UINT64_C(0x8000000000000001), big2 = UINT64_C(1) << 40;
	const uint64_t ids[] = { 5, big1, big2, big1, 5, (UINT64_C(1) << 38) - 1, UINT64_C(1) << 38 };
	struct trace_rec recs[7];
	for (size_t i = 0; i < 7; i++)
		recs[i] = (struct trace_rec){ .obj_id = ids[i], .size_bytes = 4096, .op = TRACE_OP_READ };
	struct rig g;
	rig_init(&g, 1, MS, recs, 7);
	struct seen sn = { .inner = g.be[0] };
	g.be[0] = (struct backend){ .ops = &seen_ops, .self = &sn };
	path_free(g.paths[0]);
	struct path_tier_cfg tier = { .name = "store", .data = g.be[0] };
	struct path_cfg pc = { .chunk_bytes = 1 << 20, .n_tiers = 1, .tiers = &tier };
	assert_non_null(g.paths[0] = path_new(&g.x, &pc, NULL));
	struct replay_cfg c = { .mode = REPLAY_CLOSED, .outstanding = 1 };
	rig_start(&g, &c);
	assert_int_equal(replay_start(g.rp, NULL), 0);
	ev_run(g.eng, UINT64_MAX, NULL);
	assert_int_equal(replay_failed(g.rp, NULL), 0);
	assert_int_equal(replay_stats(g.rp)->completed, 7);
	const uint64_t half = UINT64_C(1) << 39, quarter = UINT64_C(1) << 38;
	const uint64_t want[] = { half + 5, half + quarter, half + quarter + 1, half + quarter, half + 5,
				  half + quarter - 1, half + quarter + 2 };
	assert_int_equal(sn.n, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(sn.obj[i], want[i]);
	rig_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_loop_issues_at_scaled_trace_times),
		cmocka_unit_test(test_open_loop_spreads_records_round_robin),
		cmocka_unit_test(test_closed_loop_keeps_outstanding_requests_per_node),
		cmocka_unit_test(test_max_requests_stops_early),
		cmocka_unit_test(test_read_ahead_stops_at_max_requests),
		cmocka_unit_test(test_time_going_backwards_is_an_input_error),
		cmocka_unit_test(test_bad_record_stops_replay_with_readers_error),
		cmocka_unit_test(test_empty_trace_is_an_error),
		cmocka_unit_test(test_bad_configuration_is_refused),
		cmocka_unit_test(test_trace_ids_are_numbered_clear_of_jobs_and_below_2_40),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
