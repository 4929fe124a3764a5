/*
 * test_evq — the pending-event set contract (evq.h), run against every
 * implementation: evq_heap and evq_calendar.  The tests that keep few
 * events pending also run against the heap with its 32-bit sequence
 * numbers renumbered every few thousand pushes, to cover that path under
 * cancels and ties.  (Renumbering sorts the pending events, so with many
 * pending it would happen at every push and take minutes.)
 *
 * Order is checked against a reference: the pushed (time, seq) pairs sorted
 * with qsort for push-then-drain workloads, and a linear scan over the live
 * events for interleaved push/pop/cancel.  Random streams are splitmix64
 * (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014) with fixed seeds, so a failure replays.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim/evq.h"

/* ---- random numbers --------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for n > 0 (the modulo bias does not matter here). */
static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd(s) % n;
}

/* Exponential with the given mean, rounded to whole ns. */
static uint64_t rnd_exp_ns(uint64_t *s, double mean_ns)
{
	double u = ((double)(rnd(s) >> 11) + 0.5) / 9007199254740992.0; /* (0,1) */
	return (uint64_t)(-mean_ns * log(u) + 0.5);
}

/* ---- a queue beside its reference --------------------------------------- */

static void fn_a(void *arg)
{
	(void)arg;
}

static void fn_b(void *arg)
{
	(void)arg;
}

enum { PENDING, POPPED, CANCELLED };

/* One pushed event.  Its index in world.rec is its push sequence number,
 * and the queue carries a pointer to it as the event's arg. */
struct rec {
	uint64_t t;
	uint64_t handle;
	int state;
	size_t pos; /* index in world.pending while PENDING */
};

struct world {
	const struct evq_ops *ops;
	void *q;
	struct rec *rec;
	size_t n, cap;   /* records pushed, allocated */
	size_t *pending; /* indices of the PENDING records, unordered */
	size_t live;     /* how many */
};

static void world_settle(struct world *w, size_t i, int state)
{
	size_t last = w->pending[--w->live];
	w->pending[w->rec[i].pos] = last;
	w->rec[last].pos = w->rec[i].pos;
	w->rec[i].state = state;
}

static void world_init(struct world *w, const struct evq_ops *ops, size_t cap)
{
	w->ops = ops;
	w->q = ops->create();
	assert_non_null(w->q);
	w->rec = calloc(cap, sizeof *w->rec);
	w->pending = calloc(cap, sizeof *w->pending);
	assert_non_null(w->rec);
	assert_non_null(w->pending);
	w->n = 0;
	w->cap = cap;
	w->live = 0;
}

static void world_free(struct world *w)
{
	w->ops->destroy(w->q);
	free(w->rec);
	free(w->pending);
}

static size_t world_push(struct world *w, uint64_t t)
{
	assert_true(w->n < w->cap);
	size_t i = w->n++;
	w->rec[i].t = t;
	w->rec[i].state = PENDING;
	w->rec[i].handle = w->ops->push(w->q, t, fn_a, &w->rec[i]);
	assert_true(w->rec[i].handle != 0);
	w->rec[i].pos = w->live;
	w->pending[w->live++] = i;
	return i;
}

/* The least pending record by (time, seq), by linear scan; w->n if none. */
static size_t world_ref_min(const struct world *w)
{
	size_t best = w->n;
	for (size_t j = 0; j < w->live; j++) {
		size_t i = w->pending[j];
		if (best == w->n || w->rec[i].t < w->rec[best].t
		    || (w->rec[i].t == w->rec[best].t && i < best))
			best = i;
	}
	return best;
}

/* Pops one event, checks that it is record `want`, and marks it popped. */
static void world_pop_expect(struct world *w, size_t want)
{
	uint64_t t = 0;
	exec_fn fn = NULL;
	void *arg = NULL;

	assert_int_equal(w->ops->pop(w->q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_ptr_equal(fn, fn_a);
	struct rec *r = arg;
	assert_true(r >= w->rec && r < w->rec + w->n);
	size_t got = (size_t)(r - w->rec);
	if (got != want)
		fail_msg("%s: popped #%zu (t=%llu), expected #%zu (t=%llu)", w->ops->name, got,
			 (unsigned long long)r->t, want, (unsigned long long)w->rec[want].t);
	assert_true(t == r->t);
	assert_int_equal(r->state, PENDING);
	world_settle(w, got, POPPED);
}

static void world_cancel_expect(struct world *w, size_t i)
{
	int want = w->rec[i].state == PENDING;
	assert_int_equal(w->ops->cancel(w->q, w->rec[i].handle), want);
	if (want)
		world_settle(w, i, CANCELLED);
}

struct key {
	uint64_t t;
	size_t seq;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Pops everything and checks it against the pending records sorted by
 * (time, seq); then the queue must be empty. */
static void world_drain_sorted(struct world *w)
{
	struct key *k = malloc((w->n ? w->n : 1) * sizeof *k);
	assert_non_null(k);
	size_t m = 0;
	for (size_t i = 0; i < w->n; i++)
		if (w->rec[i].state == PENDING)
			k[m++] = (struct key){ w->rec[i].t, i };
	qsort(k, m, sizeof *k, key_cmp);
	assert_int_equal(w->ops->size(w->q), m);
	for (size_t j = 0; j < m; j++) {
		assert_true(w->ops->peek_time(w->q) == k[j].t);
		world_pop_expect(w, k[j].seq);
	}
	free(k);

	uint64_t t;
	exec_fn fn;
	void *arg;
	assert_int_equal(w->ops->pop(w->q, UINT64_MAX, &t, &fn, &arg), 0);
	assert_int_equal(w->ops->size(w->q), 0);
	assert_true(w->ops->peek_time(w->q) == UINT64_MAX);
}

/* ---- time distributions -------------------------------------------------- */

typedef uint64_t (*time_gen)(uint64_t *s, size_t i);

static uint64_t t_uniform_1ms(uint64_t *s, size_t i)
{
	(void)i;
	return rnd_below(s, 1000000);
}

static uint64_t t_few_distinct(uint64_t *s, size_t i)
{
	(void)i;
	return 1000 * rnd_below(s, 8);
}

static uint64_t t_huge_spread(uint64_t *s, size_t i)
{
	/* The extremes and their neighbours, then anything up to UINT64_MAX-1. */
	static const uint64_t edge[] = { 0, 1, 2, UINT64_MAX - 1, UINT64_MAX - 2,
					 UINT64_MAX / 2, UINT64_MAX / 2 + 1 };
	if (i < 3 * sizeof edge / sizeof edge[0])
		return edge[i % (sizeof edge / sizeof edge[0])];
	uint64_t t = rnd(s);
	return t == UINT64_MAX ? t - 1 : t;
}

static uint64_t t_clustered(uint64_t *s, size_t i)
{
	/* Tight clusters (with ties) far apart: a width that fits one cluster
	 * is years too narrow for the gaps between them. */
	static const uint64_t centre[] = { 0, UINT64_C(1) << 20, UINT64_C(1) << 40,
					   UINT64_C(1) << 62, UINT64_C(3) << 62 };
	(void)i;
	return centre[rnd_below(s, sizeof centre / sizeof centre[0])] + rnd_below(s, 64);
}

static uint64_t t_log_uniform(uint64_t *s, size_t i)
{
	/* Every scale from 1 ns to 2^60 ns equally likely: a skewed set. */
	(void)i;
	unsigned bits = (unsigned)rnd_below(s, 61);
	return bits == 0 ? 0 : rnd(s) >> (64 - bits);
}

static void push_then_drain(const struct evq_ops *ops, time_gen gen, size_t n, uint64_t seed)
{
	struct world w;
	world_init(&w, ops, n);
	for (size_t i = 0; i < n; i++)
		world_push(&w, gen(&seed, i));
	world_drain_sorted(&w);
	world_free(&w);
}

/* ---- order ------------------------------------------------------------- */

static void test_pops_random_times_in_time_then_push_order(void **state)
{
	push_then_drain(*state, t_uniform_1ms, 20000, 1);
}

static void test_pops_many_equal_times_in_push_order(void **state)
{
	push_then_drain(*state, t_few_distinct, 20000, 2);
}

static void test_pops_huge_time_spread_in_order(void **state)
{
	push_then_drain(*state, t_huge_spread, 20000, 3);
}

static void test_pops_clustered_times_in_order(void **state)
{
	push_then_drain(*state, t_clustered, 20000, 4);
}

static void test_pops_log_uniform_times_in_order(void **state)
{
	push_then_drain(*state, t_log_uniform, 20000, 5);
}

static void test_pops_one_time_for_all_in_push_order(void **state)
{
	/* Also a speed check: 10^5 pushes at one time must not be quadratic. */
	struct world w;
	world_init(&w, *state, 100000);
	for (size_t i = 0; i < w.cap; i++)
		world_push(&w, 42);
	for (size_t i = 0; i < w.cap; i++)
		world_pop_expect(&w, i);
	assert_int_equal(w.ops->size(w.q), 0);
	world_free(&w);
}

static void test_pops_descending_pushes_in_time_order(void **state)
{
	struct world w;
	world_init(&w, *state, 20000);
	for (size_t i = 0; i < w.cap; i++)
		world_push(&w, (uint64_t)(w.cap - i) * 7);
	world_drain_sorted(&w);
	world_free(&w);
}

static void test_push_before_last_popped_time_pops_next(void **state)
{
	struct world w;
	world_init(&w, *state, 64);
	for (uint64_t t = 1000; t <= 5000; t += 1000)
		world_push(&w, t);
	world_pop_expect(&w, 0); /* t = 1000 */
	world_pop_expect(&w, 1); /* t = 2000 */
	size_t past = world_push(&w, 5);    /* before everything popped */
	size_t now = world_push(&w, 2000);  /* at the last popped time */
	size_t tie = world_push(&w, 3000);  /* ties a pending event: goes after it */
	assert_true(w.ops->peek_time(w.q) == 5);
	world_pop_expect(&w, past);
	world_pop_expect(&w, now);
	world_pop_expect(&w, 2);
	world_pop_expect(&w, tie);
	world_drain_sorted(&w);
	world_free(&w);
}

/* ---- interleaved push / pop / cancel against the reference -------------- */

enum { SPREAD_EXP, SPREAD_TIES, SPREAD_HUGE, SPREAD_PAST };

/* Random pushes, pops and cancels (of any handle ever issued: pending,
 * popped or cancelled), the queue growing and shrinking through several
 * resizes; every result, size and peek checked against the reference. */
static void interleave(const struct evq_ops *ops, int spread, uint64_t seed)
{
	enum { OPS = 30000, LIVE_MAX = 1500 };
	struct world w;
	world_init(&w, ops, OPS);
	uint64_t now = 0; /* last popped time */

	for (size_t k = 0; k < OPS; k++) {
		/* Phases: mostly push, then mostly pop, twice round. */
		unsigned push_pct = ((k / (OPS / 4)) % 2 == 0) ? 65 : 35;
		unsigned r = (unsigned)rnd_below(&seed, 100);

		if ((r < push_pct && w.live < LIVE_MAX) || w.live == 0) {
			uint64_t t;
			switch (spread) {
			case SPREAD_EXP:
				t = now + rnd_exp_ns(&seed, 1000);
				break;
			case SPREAD_TIES:
				t = now + 10 * rnd_below(&seed, 3);
				break;
			case SPREAD_HUGE:
				t = now + rnd_below(&seed, UINT64_MAX - now);
				break;
			default: /* SPREAD_PAST: a third before the last popped time */
				if (rnd_below(&seed, 3) == 0)
					t = now - rnd_below(&seed, now + 1);
				else
					t = now + rnd_exp_ns(&seed, 1000);
				break;
			}
			world_push(&w, t);
		} else if (r < 85) {
			size_t want = world_ref_min(&w);
			world_pop_expect(&w, want);
			now = w.rec[want].t;
		} else {
			world_cancel_expect(&w, (size_t)rnd_below(&seed, w.n));
		}
		assert_int_equal(ops->size(w.q), w.live);
		if (k % 64 == 0) {
			size_t m = world_ref_min(&w);
			assert_true(ops->peek_time(w.q) == (m == w.n ? UINT64_MAX : w.rec[m].t));
		}
	}
	world_drain_sorted(&w);
	world_free(&w);
}

static void test_interleaved_ops_match_reference_exponential(void **state)
{
	interleave(*state, SPREAD_EXP, 11);
	interleave(*state, SPREAD_EXP, 12);
}

static void test_interleaved_ops_match_reference_with_ties(void **state)
{
	interleave(*state, SPREAD_TIES, 13);
}

static void test_interleaved_ops_match_reference_huge_spread(void **state)
{
	interleave(*state, SPREAD_HUGE, 14);
}

static void test_interleaved_ops_match_reference_with_pushes_into_past(void **state)
{
	interleave(*state, SPREAD_PAST, 15);
	interleave(*state, SPREAD_PAST, 16);
}

static void test_hold_model_matches_reference(void **state)
{
	/* Prefill, then pop-the-least / push-later: the benchmark's workload. */
	enum { N = 1000, HOLDS = 20000 };
	struct world w;
	uint64_t seed = 21;
	world_init(&w, *state, N + HOLDS);
	for (size_t i = 0; i < N; i++)
		world_push(&w, rnd_exp_ns(&seed, 1000));
	for (size_t k = 0; k < HOLDS; k++) {
		size_t want = world_ref_min(&w);
		world_pop_expect(&w, want);
		world_push(&w, w.rec[want].t + rnd_exp_ns(&seed, 1000));
	}
	world_drain_sorted(&w);
	world_free(&w);
}

static void test_hold_model_with_two_time_scales_matches_reference(void **state)
{
	/* Mostly 10 ns increments, 5% of 1 ms: the pending set drifts from
	 * what it looked like when filled, which makes the calendar queue
	 * re-estimate its width while events are pending. */
	enum { N = 1000, HOLDS = 40000 };
	struct world w;
	uint64_t seed = 22;
	world_init(&w, *state, N + HOLDS);
	for (size_t i = 0; i < N; i++)
		world_push(&w, rnd_exp_ns(&seed, 10));
	for (size_t k = 0; k < HOLDS; k++) {
		size_t want = world_ref_min(&w);
		world_pop_expect(&w, want);
		double mean = rnd_below(&seed, 20) == 0 ? 1e6 : 10;
		world_push(&w, w.rec[want].t + rnd_exp_ns(&seed, mean));
	}
	world_drain_sorted(&w);
	world_free(&w);
}

/* ---- handles and cancel ---------------------------------------------------- */

static void test_pop_returns_time_fn_and_arg_of_pushed_event(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	int a, b;
	uint64_t t;
	exec_fn fn;
	void *arg;

	assert_true(ops->push(q, 7, fn_b, &b) != 0);
	assert_true(ops->push(q, 3, fn_a, &a) != 0);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_true(t == 3);
	assert_ptr_equal(fn, fn_a);
	assert_ptr_equal(arg, &a);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_true(t == 7);
	assert_ptr_equal(fn, fn_b);
	assert_ptr_equal(arg, &b);
	ops->destroy(q);
}

static void test_pop_on_empty_returns_zero(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t t;
	exec_fn fn;
	void *arg;

	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 0);
	ops->push(q, 1, fn_a, NULL);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 0);
	ops->destroy(q);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void test_handles_are_nonzero_and_distinct(void **state)
{
	enum { N = 5000 };
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t *h = malloc(N * sizeof *h);
	assert_non_null(h);
	uint64_t t;
	exec_fn fn;
	void *arg;

	/* Reuse storage on the way: pop every third event before pushing on. */
	for (size_t i = 0; i < N; i++) {
		h[i] = ops->push(q, i, fn_a, NULL);
		assert_true(h[i] != 0);
		if (i % 3 == 2)
			ops->pop(q, UINT64_MAX, &t, &fn, &arg);
	}
	qsort(h, N, sizeof *h, u64_cmp);
	for (size_t i = 1; i < N; i++)
		assert_true(h[i - 1] != h[i]);
	free(h);
	ops->destroy(q);
}

static void test_cancel_returns_one_then_zero(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t h = ops->push(q, 10, fn_a, NULL);
	ops->push(q, 20, fn_a, NULL);

	assert_int_equal(ops->cancel(q, h), 1);
	assert_int_equal(ops->cancel(q, h), 0);
	assert_int_equal(ops->size(q), 1);
	assert_true(ops->peek_time(q) == 20);
	ops->destroy(q);
}

static void test_cancel_after_pop_returns_zero(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t h = ops->push(q, 10, fn_a, NULL);
	uint64_t t;
	exec_fn fn;
	void *arg;

	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_int_equal(ops->cancel(q, h), 0);
	ops->destroy(q);
}

static void test_cancel_of_never_issued_handle_returns_zero(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t h = ops->push(q, 10, fn_a, NULL);
	uint64_t seed = 31;

	assert_int_equal(ops->cancel(q, 0), 0);
	assert_int_equal(ops->cancel(q, UINT64_MAX), 0);
	/* Near misses of a real handle: other generation, other slot. */
	for (int bit = 0; bit < 64; bit++)
		assert_int_equal(ops->cancel(q, h ^ (UINT64_C(1) << bit)), 0);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rnd(&seed);
		if (x != h)
			assert_int_equal(ops->cancel(q, x), 0);
	}
	assert_int_equal(ops->size(q), 1);
	assert_int_equal(ops->cancel(q, h), 1);
	ops->destroy(q);
}

static void test_cancel_of_handle_guessed_from_a_freed_one_returns_zero(void **state)
{
	/* Handles of either queue carry a generation in the high 32 bits: try
	 * the generations next to a freed event's, on free and reused storage. */
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t t;
	exec_fn fn;
	void *arg;

	uint64_t h = ops->push(q, 10, fn_a, NULL);
	ops->push(q, 20, fn_a, NULL);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1); /* frees h's storage */
	for (uint64_t k = 1; k <= 4; k++) {
		assert_int_equal(ops->cancel(q, h + (k << 32)), 0);
		assert_int_equal(ops->cancel(q, h - (k << 32)), 0);
	}
	assert_int_equal(ops->size(q), 1);
	uint64_t h2 = ops->push(q, 30, fn_a, NULL); /* reuses it */
	for (uint64_t k = 1; k <= 4; k++)
		if (h + (k << 32) != h2)
			assert_int_equal(ops->cancel(q, h + (k << 32)), 0);
	assert_int_equal(ops->size(q), 2);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_true(t == 20);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_true(t == 30);
	ops->destroy(q);
}

static void test_stale_handle_after_reuse_returns_zero(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t t;
	exec_fn fn;
	void *arg;
	int a, b;

	/* Freed by pop, storage reused by the next push. */
	uint64_t h1 = ops->push(q, 10, fn_a, &a);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	uint64_t h2 = ops->push(q, 10, fn_a, &b);
	assert_true(h2 != h1);
	assert_int_equal(ops->cancel(q, h1), 0);
	assert_int_equal(ops->size(q), 1);

	/* Freed by cancel, reused again. */
	assert_int_equal(ops->cancel(q, h2), 1);
	uint64_t h3 = ops->push(q, 30, fn_a, &a);
	assert_int_equal(ops->cancel(q, h2), 0);
	assert_int_equal(ops->cancel(q, h1), 0);
	assert_int_equal(ops->size(q), 1);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_true(t == 30);
	assert_ptr_equal(arg, &a);
	assert_int_equal(ops->cancel(q, h3), 0);
	ops->destroy(q);
}

static void test_stale_handles_after_many_reuses_return_zero(void **state)
{
	/* Churn one small pool of storage many times over; no old handle may
	 * ever cancel a newer event. */
	enum { ROUNDS = 2000, K = 4 };
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t *old = malloc(ROUNDS * K * sizeof *old);
	assert_non_null(old);
	uint64_t t;
	exec_fn fn;
	void *arg;

	for (size_t r = 0; r < ROUNDS; r++) {
		for (size_t k = 0; k < K; k++)
			old[r * K + k] = ops->push(q, r, fn_a, NULL);
		for (size_t k = 0; k < K; k++)
			if (k % 2)
				assert_int_equal(ops->cancel(q, old[r * K + k]), 1);
			else
				assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
		/* Now pending: one event on recycled storage. */
		uint64_t h = ops->push(q, r, fn_a, NULL);
		for (size_t j = 0; j < (r + 1) * K; j++)
			assert_int_equal(ops->cancel(q, old[j]), 0);
		assert_int_equal(ops->cancel(q, h), 1);
	}
	free(old);
	ops->destroy(q);
}

static void test_cancel_everything_leaves_a_working_empty_queue(void **state)
{
	struct world w;
	uint64_t seed = 41;
	world_init(&w, *state, 20000);
	for (size_t i = 0; i < 10000; i++)
		world_push(&w, rnd_below(&seed, 1000000));
	for (size_t i = 0; i < 10000; i++)
		world_cancel_expect(&w, (i * 7919) % 10000); /* a scattered order */
	assert_int_equal(w.ops->size(w.q), 0);
	assert_true(w.ops->peek_time(w.q) == UINT64_MAX);
	for (size_t i = 0; i < 10000; i++)
		world_push(&w, UINT64_C(1) << 40 | rnd_below(&seed, 1000));
	world_drain_sorted(&w);
	world_free(&w);
}

/* ---- size, peek_time, memory --------------------------------------------- */

static void test_size_counts_pending_events(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t t;
	exec_fn fn;
	void *arg;

	assert_int_equal(ops->size(q), 0);
	uint64_t h = 0;
	for (uint64_t i = 0; i < 100; i++) {
		uint64_t hi = ops->push(q, 100 - i, fn_a, NULL);
		if (i == 50)
			h = hi;
		assert_int_equal(ops->size(q), i + 1);
	}
	ops->cancel(q, h);
	assert_int_equal(ops->size(q), 99);
	ops->cancel(q, h);
	assert_int_equal(ops->size(q), 99);
	for (size_t i = 99; i > 0; i--) {
		ops->pop(q, UINT64_MAX, &t, &fn, &arg);
		assert_int_equal(ops->size(q), i - 1);
	}
	ops->destroy(q);
}

static void test_peek_time_is_least_pending_time_or_max_when_empty(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t t;
	exec_fn fn;
	void *arg;

	assert_true(ops->peek_time(q) == UINT64_MAX);
	ops->push(q, 500, fn_a, NULL);
	assert_true(ops->peek_time(q) == 500);
	uint64_t h = ops->push(q, 200, fn_a, NULL);
	assert_true(ops->peek_time(q) == 200);
	ops->push(q, UINT64_MAX - 1, fn_a, NULL);
	assert_true(ops->peek_time(q) == 200);
	assert_true(ops->peek_time(q) == 200); /* peeking removes nothing */
	assert_int_equal(ops->size(q), 3);
	ops->cancel(q, h);
	assert_true(ops->peek_time(q) == 500);
	ops->pop(q, UINT64_MAX, &t, &fn, &arg);
	assert_true(ops->peek_time(q) == UINT64_MAX - 1);
	ops->pop(q, UINT64_MAX, &t, &fn, &arg);
	assert_true(t == UINT64_MAX - 1);
	assert_true(ops->peek_time(q) == UINT64_MAX);
	ops->destroy(q);
}

/* pop(until): takes the least event only when it is due by until;
 * otherwise leaves the queue as it was and reports the least time.  A push
 * of an earlier time after a refused pop is the one taken next (the
 * calendar's cached minimum must not outlive it). */
static void test_pop_until_refuses_a_later_event_and_reports_its_time(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t t = 0;
	exec_fn fn = NULL;
	void *arg = NULL;
	int a = 1, b = 2, c = 3;

	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 0);
	assert_true(t == UINT64_MAX);
	ops->push(q, 10, fn_a, &a);
	ops->push(q, 20, fn_b, &b);
	assert_int_equal(ops->pop(q, 9, &t, &fn, &arg), 0);
	assert_true(t == 10);
	assert_int_equal(ops->size(q), 2);
	ops->push(q, 7, fn_b, &c);
	assert_int_equal(ops->pop(q, 9, &t, &fn, &arg), 1);
	assert_true(t == 7 && fn == fn_b && arg == &c);
	assert_int_equal(ops->pop(q, 9, &t, &fn, &arg), 0);
	assert_true(t == 10);
	assert_int_equal(ops->pop(q, 10, &t, &fn, &arg), 1); /* due exactly at until */
	assert_true(t == 10 && fn == fn_a && arg == &a);
	assert_int_equal(ops->pop(q, 19, &t, &fn, &arg), 0);
	assert_true(t == 20);
	assert_int_equal(ops->pop(q, UINT64_MAX, &t, &fn, &arg), 1);
	assert_true(t == 20 && fn == fn_b && arg == &b);
	assert_int_equal(ops->size(q), 0);
	ops->destroy(q);
}

static void test_memory_stays_flat_under_steady_hold(void **state)
{
	const struct evq_ops *ops = *state;
	void *q = ops->create();
	uint64_t seed = 51, t;
	exec_fn fn;
	void *arg;

	for (int i = 0; i < 10000; i++)
		ops->push(q, rnd_exp_ns(&seed, 1000), fn_a, NULL);
	for (int i = 0; i < 10000; i++) { /* reach the steady state */
		ops->pop(q, UINT64_MAX, &t, &fn, &arg);
		ops->push(q, t + rnd_exp_ns(&seed, 1000), fn_a, NULL);
	}
	size_t before = ops->mem_bytes(q);
	assert_true(before >= 10000 * (sizeof(uint64_t) + sizeof(void *)));
	for (int i = 0; i < 100000; i++) {
		ops->pop(q, UINT64_MAX, &t, &fn, &arg);
		ops->push(q, t + rnd_exp_ns(&seed, 1000), fn_a, NULL);
	}
	assert_true(ops->mem_bytes(q) <= before);
	ops->destroy(q);
}

/* ---- runner ------------------------------------------------------------- */

struct named_test {
	const char *name;
	CMUnitTestFunction fn;
	int few_pending; /* never more than ~4000 pending at once */
};

#define T(f) { #f, f, 0 }
#define T_FEW(f) { #f, f, 1 }
static const struct named_test tests[] = {
	T(test_pops_random_times_in_time_then_push_order),
	T(test_pops_many_equal_times_in_push_order),
	T(test_pops_huge_time_spread_in_order),
	T(test_pops_clustered_times_in_order),
	T(test_pops_log_uniform_times_in_order),
	T(test_pops_one_time_for_all_in_push_order),
	T(test_pops_descending_pushes_in_time_order),
	T_FEW(test_push_before_last_popped_time_pops_next),
	T_FEW(test_interleaved_ops_match_reference_exponential),
	T_FEW(test_interleaved_ops_match_reference_with_ties),
	T_FEW(test_interleaved_ops_match_reference_huge_spread),
	T_FEW(test_interleaved_ops_match_reference_with_pushes_into_past),
	T_FEW(test_hold_model_matches_reference),
	T_FEW(test_hold_model_with_two_time_scales_matches_reference),
	T_FEW(test_pop_returns_time_fn_and_arg_of_pushed_event),
	T_FEW(test_pop_on_empty_returns_zero),
	T_FEW(test_handles_are_nonzero_and_distinct),
	T_FEW(test_cancel_returns_one_then_zero),
	T_FEW(test_cancel_after_pop_returns_zero),
	T_FEW(test_cancel_of_never_issued_handle_returns_zero),
	T_FEW(test_cancel_of_handle_guessed_from_a_freed_one_returns_zero),
	T_FEW(test_stale_handle_after_reuse_returns_zero),
	T_FEW(test_stale_handles_after_many_reuses_return_zero),
	T(test_cancel_everything_leaves_a_working_empty_queue),
	T_FEW(test_size_counts_pending_events),
	T_FEW(test_peek_time_is_least_pending_time_or_max_when_empty),
	T_FEW(test_pop_until_refuses_a_later_event_and_reports_its_time),
	T(test_memory_stays_flat_under_steady_hold),
};
#undef T
#undef T_FEW

enum { NTESTS = sizeof tests / sizeof tests[0], NQUEUES = 3 };

static void *heap_renumbering_create(void)
{
	void *q = evq_heap.create();
	if (q)
		evq_heap_set_seq_limit(q, 4096);
	return q;
}

int main(void)
{
	struct evq_ops heap_renumbering = evq_heap;
	heap_renumbering.name = "heap renumbering at 4096";
	heap_renumbering.create = heap_renumbering_create;
	const struct evq_ops *queue[NQUEUES] = { &evq_heap, &evq_calendar, &heap_renumbering };

	char names[NQUEUES * NTESTS][160];
	struct CMUnitTest group[NQUEUES * NTESTS];
	size_t n = 0;
	for (size_t k = 0; k < NQUEUES; k++)
		for (size_t i = 0; i < NTESTS; i++) {
			if (queue[k] == &heap_renumbering && !tests[i].few_pending)
				continue;
			snprintf(names[n], sizeof names[n], "%s: %s", queue[k]->name, tests[i].name);
			group[n] = (struct CMUnitTest){ .name = names[n],
							.test_func = tests[i].fn,
							.initial_state = (void *)queue[k] };
			n++;
		}
	/* The function behind cmocka_run_group_tests(), which needs an array
	 * filled to its full size; this one is filled to n. */
	return _cmocka_run_group_tests("evq", group, n, NULL, NULL);
}
