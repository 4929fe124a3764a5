/* Tests for the cache policies (sim/policy/), their shared index
 * (sim/cache_index.c), admission and the replay counters (sim/cache.c).
 *
 * Every expected outcome below was worked by hand from the published
 * algorithm; the derivation sits beside each test.  Outcome strings read
 * one letter per request: H hit, M miss.  Unless said otherwise objects
 * are 1 byte, so a capacity in bytes is a capacity in objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cache.h"
#include "sim/cache_index.h"
#include "sim/policy.h"
#include "sim/policy/ghost.h"
#include "sim/rng.h"
#include "traces/zipf.h"

static struct pol mk(const char *name, uint64_t cap)
{
	struct pol p;
	struct err e = { 0 };
	const struct pol_ops *ops = pol_by_name(name);
	if (!ops)
		fail_msg("no policy %s", name);
	if (pol_init(&p, ops, cap, NULL, &e) < 0)
		fail_msg("pol_init(%s): %s", name, e.msg);
	return p;
}

static int acc(struct pol *p, uint64_t id, uint64_t size, int64_t next)
{
	struct err e = { 0 };
	struct pol_req r = { .obj_id = id, .size_bytes = size, .next_access_vtime = next };
	int h = pol_access(p, &r, &e);
	if (h < 0)
		fail_msg("pol_access: %s", e.msg);
	return h;
}

/* Runs unit-size ids through p and checks the H/M string. */
static void run_seq(struct pol *p, const uint64_t *ids, size_t n, const char *want)
{
	char got[256];
	assert_true(n < sizeof got);
	for (size_t i = 0; i < n; i++)
		got[i] = acc(p, ids[i], 1, -1) ? 'H' : 'M';
	got[n] = '\0';
	if (strcmp(got, want))
		fail_msg("%s: got %s, want %s", p->ops->name, got, want);
}

static void expect_resident(struct pol *p, const uint64_t *in, size_t n_in,
			    const uint64_t *out, size_t n_out)
{
	for (size_t i = 0; i < n_in; i++)
		if (!pol_contains(p, in[i]))
			fail_msg("%s: %llu should be resident", p->ops->name, (unsigned long long)in[i]);
	for (size_t i = 0; i < n_out; i++)
		if (pol_contains(p, out[i]))
			fail_msg("%s: %llu should not be resident", p->ops->name, (unsigned long long)out[i]);
	assert_int_equal(pol_n_objects(p), n_in);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The reference string of Belady, Nelson & Shedler (1969). */
static const uint64_t anomaly[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };

/* FIFO, 3 frames: 1 2 3 miss; 4 evicts 1; 1 evicts 2; 2 evicts 3; 5 evicts
 * 4 -> {1,2,5}; 1 2 hit; 3 evicts 1; 4 evicts 2; 5 hits: 9 misses.
 * 4 frames: 1-4 miss; 1 2 hit; 5 evicts 1; 1 evicts 2; 2 evicts 3; 3
 * evicts 4; 4 evicts 5; 5 evicts 1: 10 misses.  More memory, more misses. */
static void test_fifo_shows_beladys_anomaly(void **state)
{
	(void)state;
	struct pol p3 = mk("fifo", 3), p4 = mk("fifo", 4);
	run_seq(&p3, anomaly, N(anomaly), "MMMMMMMHHMMH");
	run_seq(&p4, anomaly, N(anomaly), "MMMMHHMMMMMM");
	pol_destroy(&p3);
	pol_destroy(&p4);
}

/* LRU, 3 frames: 4 evicts 1, 1 evicts 2, 2 evicts 3, 5 evicts 4; 1 2 hit;
 * 3 evicts 5 (order 1 2 after the hits), 4 evicts 1, 5 evicts 2: 10 misses.
 * 4 frames: 1 2 hit; 5 evicts 3; 1 2 hit; 3 evicts 4; 4 evicts 5; 5 evicts
 * 1: 8 misses (a stack algorithm: never worse with more memory). */
static void test_lru_evicts_least_recent_and_has_no_anomaly(void **state)
{
	(void)state;
	struct pol p3 = mk("lru", 3), p4 = mk("lru", 4);
	run_seq(&p3, anomaly, N(anomaly), "MMMMMMMHHMMM");
	run_seq(&p4, anomaly, N(anomaly), "MMMMHHMHHMMM");
	expect_resident(&p4, (uint64_t[]){ 2, 3, 4, 5 }, 4, (uint64_t[]){ 1 }, 1);
	pol_destroy(&p3);
	pol_destroy(&p4);
}

/* Belady's MIN on the same string, 3 frames, next-access indices by hand
 * (0-based positions; -1 never): 4 evicts 3 (next at 9, furthest), 5
 * evicts 4 (next at 10), 3 and 4 then evict objects never used again:
 * 7 misses, the known optimum for this string. */
static void test_belady_evicts_furthest_next_access(void **state)
{
	(void)state;
	static const int64_t next[] = { 4, 5, 9, 10, 7, 8, 11, -1, -1, -1, -1, -1 };
	struct pol p = mk("belady", 3);
	char got[16];
	for (size_t i = 0; i < N(anomaly); i++)
		got[i] = acc(&p, anomaly[i], 1, next[i]) ? 'H' : 'M';
	got[N(anomaly)] = '\0';
	assert_string_equal(got, "MMMMHHMHHMMH");
	/* After request 6 (5 evicts 4) the residents are 1, 2, 5. */
	pol_destroy(&p);
	p = mk("belady", 3);
	for (size_t i = 0; i < 7; i++)
		acc(&p, anomaly[i], 1, next[i]);
	expect_resident(&p, (uint64_t[]){ 1, 2, 5 }, 3, (uint64_t[]){ 3, 4 }, 2);
	pol_destroy(&p);
}

/* CLOCK, 3 frames, 1 2 3 2 1 4 5 1: 2 and 1 get their bits set; 4 sweeps
 * 1 (clear, to the head) and 2 (clear, to the head), evicts 3 -> queue
 * 1 2 4 from the tail; 5 evicts 1; 1 misses.  LRU, whose order after the
 * hits is 3 2 1, evicts 3 then 2 and so hits on the last 1. */
static void test_clock_gives_second_chance_in_queue_order(void **state)
{
	(void)state;
	static const uint64_t seq[] = { 1, 2, 3, 2, 1, 4, 5, 1 };
	struct pol c = mk("clock", 3), l = mk("lru", 3);
	run_seq(&c, seq, N(seq), "MMMHHMMM");
	run_seq(&l, seq, N(seq), "MMMHHMMH");
	expect_resident(&c, (uint64_t[]){ 4, 5, 1 }, 3, (uint64_t[]){ 2, 3 }, 2);
	pol_destroy(&c);
	pol_destroy(&l);
}

/* SIEVE, 3 frames, A B C C A D E F C G (A=1 ... G=7).  Queue head->tail:
 * C B A; C, A visited.  D: the hand starts at the tail A (visited: clear,
 * move toward the head), B unvisited: evict B, hand at C; queue D C A.
 * E: C visited (clear), D unvisited: evict D, hand past the head (none);
 * queue E C A.  F: hand restarts at the tail A (cleared earlier): evict A,
 * hand at C; queue F E C.  C hits.  G: C visited (clear), E evicted; hand
 * at F.  Residents G F C.  LRU instead evicts C at E. */
static void test_sieve_hand_moves_and_keeps_visited_objects(void **state)
{
	(void)state;
	static const uint64_t seq[] = { 1, 2, 3, 3, 1, 4, 5, 6, 3, 7 };
	struct pol p = mk("sieve", 3), l = mk("lru", 3);
	run_seq(&p, seq, N(seq), "MMMHHMMMHM");
	expect_resident(&p, (uint64_t[]){ 7, 6, 3 }, 3, (uint64_t[]){ 1, 2, 4, 5 }, 4);
	run_seq(&l, seq, N(seq), "MMMHHMMMMM");
	/* The hand rests at F: H evicts F (unvisited); the hand moves on
	 * toward the head, so I evicts G, not C, the oldest. */
	assert_int_equal(acc(&p, 8, 1, -1), 0);
	expect_resident(&p, (uint64_t[]){ 8, 7, 3 }, 3, (uint64_t[]){ 6 }, 1);
	assert_int_equal(acc(&p, 9, 1, -1), 0);
	expect_resident(&p, (uint64_t[]){ 9, 8, 3 }, 3, (uint64_t[]){ 7 }, 1);
	pol_destroy(&p);
	pol_destroy(&l);
}

/* LFU, 3 frames, 1 1 2 2 3 4 3 1 5 5 6: counts 1:2 2:2 3:1; 4 evicts 3
 * (count 1); 3 evicts 4 (count 1); 1 hits (3); 5 evicts 3 (count 1); 5
 * hits (2); 6: counts 1:3 2:2 5:2, 2 reached 2 before 5, so 2 goes. */
static void test_lfu_evicts_least_frequent_oldest_first(void **state)
{
	(void)state;
	static const uint64_t seq[] = { 1, 1, 2, 2, 3, 4, 3, 1, 5, 5, 6 };
	struct pol p = mk("lfu", 3);
	run_seq(&p, seq, N(seq), "MHMHMMMHMHM");
	expect_resident(&p, (uint64_t[]){ 1, 5, 6 }, 3, (uint64_t[]){ 2, 3, 4 }, 3);
	pol_destroy(&p);
}

/* ARC, c = 4, p = 0, 1 2 3 4 1 2 5 6 3 7 1 8:
 *   1-4 miss: T1 = 4 3 2 1.  1, 2 hit: T2 = 2 1, T1 = 4 3.
 *   5: case IV B, REPLACE: |T1| = 2 > p = 0: 3 -> B1.  T1 = 5 4.
 *   6: same, 4 -> B1 = 4 3.  T1 = 6 5.
 *   3: in B1 (case II): p = 0 + max(|B2|/|B1|, 1) = 1; REPLACE: |T1| = 2
 *      > 1: 5 -> B1 = 5 4; 3 -> T2 = 3 2 1; T1 = 6.
 *   7: case IV B; REPLACE: |T1| = 1 is not > p = 1: T2's LRU 1 -> B2.
 *      T1 = 7 6, T2 = 3 2.
 *   1: in B2 (case III): p = max(1 - max(|B1|/|B2|, 1), 0) = max(1-2, 0)
 *      = 0; REPLACE (x in B2): |T1| = 2 > 0: 6 -> B1 = 6 5 4; 1 -> T2.
 *      T1 = 7, T2 = 1 3 2.
 *   8: case IV A (|T1|+|B1| = 4 = c): drop B1's LRU 4; REPLACE: |T1| = 1
 *      > p = 0: 7 -> B1.  Residents 8 1 3 2.
 * Had p stayed 1 at 8, REPLACE would have taken 2 from T2; had p not
 * grown at 3, 7 would have demoted 6 instead of 1.  LRU keeps 3 7 1 8. */
static void test_arc_adapts_target_on_ghost_hits(void **state)
{
	(void)state;
	static const uint64_t seq[] = { 1, 2, 3, 4, 1, 2, 5, 6, 3, 7, 1, 8 };
	struct pol p = mk("arc", 4), l = mk("lru", 4);
	run_seq(&p, seq, N(seq), "MMMMHHMMMMMM");
	expect_resident(&p, (uint64_t[]){ 8, 1, 3, 2 }, 4, (uint64_t[]){ 4, 5, 6, 7 }, 4);
	run_seq(&l, seq, N(seq), "MMMMHHMMMMMM");
	expect_resident(&l, (uint64_t[]){ 3, 7, 1, 8 }, 4, (uint64_t[]){ 2 }, 1);
	/* 7 is a ghost in B1: a miss that enters T2. */
	assert_int_equal(acc(&p, 7, 1, -1), 0);
	assert_true(pol_contains(&p, 7));
	pol_destroy(&p);
	pol_destroy(&l);
}

/* S3-FIFO, c = 20 bytes of 1-byte objects: S = 2, M = 18, G = 18 bytes.
 *   A  1..20, each requested 3 times: all in S (the cache is not full
 *      until 20), each with freq 2.
 *   B  21: evict from S: every tail has freq >= 2 and moves to M (freq 0)
 *      until S is empty; then M (20 > 18) evicts its tail 1 (freq 0; M's
 *      evictions do not enter G).  21 -> S.
 *   C  1: not in G: a plain miss; M (19 > 18) evicts 2.  1 -> S = 1 21.
 *   D  3 x5 (freq capped at 3), 4 x1 (freq 1).
 *   E  22: M = 18 is not over, S is not empty: S's tail 21 (freq 0) -> G.
 *   F  1 x2: freq 2.
 *   G  23: S's tail 1 (freq 2) moves to M (19); next tail 22 (freq 0) -> G.
 *   H  24: M is over (19 > 18): tail 3 (freq 3) goes back to the head with
 *      freq 2, tail 4 (freq 1) with freq 0, tail 5 (freq 0) is evicted.
 *   I  21: in G: a miss inserted into M; S's tail 23 (freq 0) -> G. */
static void test_s3fifo_promotes_reinserts_and_uses_ghosts(void **state)
{
	(void)state;
	struct pol p = mk("s3fifo", 20);
	for (uint64_t i = 1; i <= 20; i++) {
		assert_int_equal(acc(&p, i, 1, -1), 0);
		assert_int_equal(acc(&p, i, 1, -1), 1);
		assert_int_equal(acc(&p, i, 1, -1), 1);
	}
	assert_int_equal(pol_used_bytes(&p), 20);
	assert_int_equal(acc(&p, 21, 1, -1), 0); /* B */
	assert_false(pol_contains(&p, 1));
	assert_true(pol_contains(&p, 2));
	assert_int_equal(acc(&p, 1, 1, -1), 0); /* C */
	assert_false(pol_contains(&p, 2));
	for (int i = 0; i < 5; i++) /* D */
		assert_int_equal(acc(&p, 3, 1, -1), 1);
	assert_int_equal(acc(&p, 4, 1, -1), 1);
	assert_int_equal(acc(&p, 22, 1, -1), 0); /* E */
	assert_false(pol_contains(&p, 21));
	assert_int_equal(acc(&p, 1, 1, -1), 1); /* F */
	assert_int_equal(acc(&p, 1, 1, -1), 1);
	assert_int_equal(acc(&p, 23, 1, -1), 0); /* G */
	assert_true(pol_contains(&p, 1));
	assert_false(pol_contains(&p, 22));
	assert_int_equal(acc(&p, 24, 1, -1), 0); /* H */
	assert_true(pol_contains(&p, 3));
	assert_true(pol_contains(&p, 4));
	assert_false(pol_contains(&p, 5));
	assert_true(pol_contains(&p, 6));
	assert_int_equal(acc(&p, 21, 1, -1), 0); /* I */
	assert_true(pol_contains(&p, 21));
	assert_false(pol_contains(&p, 23));
	assert_true(pol_contains(&p, 24));
	assert_int_equal(pol_used_bytes(&p), 20);
	assert_int_equal(pol_n_objects(&p), 20);
	pol_destroy(&p);
}

/* One hit in S is not enough to reach M: with c = 20, object 1 hit once
 * and 2 hit twice; once the cache is full, the next miss sends 1 to G and
 * keeps 2 (moved to M). */
static void test_s3fifo_needs_two_hits_in_small_to_promote(void **state)
{
	(void)state;
	struct pol p = mk("s3fifo", 20);
	for (uint64_t i = 1; i <= 20; i++)
		acc(&p, i, 1, -1);
	acc(&p, 1, 1, -1);
	acc(&p, 2, 1, -1);
	acc(&p, 2, 1, -1);
	assert_int_equal(acc(&p, 21, 1, -1), 0);
	assert_false(pol_contains(&p, 1));
	assert_true(pol_contains(&p, 2));
	/* 1 is a ghost: its next miss goes straight to M, evicting S's tail
	 * 3 (freq 0) to make room. */
	assert_int_equal(acc(&p, 1, 1, -1), 0);
	assert_true(pol_contains(&p, 1));
	assert_false(pol_contains(&p, 3));
	pol_destroy(&p);
}

/* S3-FIFO does not insert an object as large as its small queue. */
static void test_s3fifo_refuses_objects_as_large_as_small_queue(void **state)
{
	(void)state;
	struct pol p = mk("s3fifo", 100); /* S = 10 bytes */
	assert_int_equal(acc(&p, 1, 10, -1), 0);
	assert_false(pol_contains(&p, 1));
	assert_int_equal(acc(&p, 2, 9, -1), 0);
	assert_true(pol_contains(&p, 2));
	pol_destroy(&p);
}

/* LRU with sizes, c = 10: A4 B4, C4 evicts A; B hits; D6 evicts C (4 + 6
 * = 10 fits with B); E11 is larger than the cache: a miss, never
 * inserted, twice.  Requests 7, misses 6; bytes 4+4+4+4+6+11+11 = 44,
 * missed 40.  The eviction callback saw A then C. */
struct evlog {
	uint64_t id[16], size[16];
	int n;
};

static void log_evict(void *ctx, uint64_t id, uint64_t size)
{
	struct evlog *l = ctx;
	if (l->n < 16) {
		l->id[l->n] = id;
		l->size[l->n] = size;
	}
	l->n++;
}

/* ARC with 0-byte objects, cache 100 bytes: a ghost hit on a 0-byte
 * object once set p to NaN (0 * |B2| / |B1| with |B1| = 0) and so to c or
 * 0.  Worked step by step from arc.c's rules (p moves by 0 for it): 13
 * misses of 15 requests, 274 of the 315 bytes requested. */
static void test_arc_ghost_hit_on_a_zero_byte_object_leaves_p(void **state)
{
	(void)state;
	static const uint64_t cap = 100;
	static const uint64_t id[] = { 6, 11, 28, 21, 6, 30, 28, 2, 30, 11, 6, 3, 21, 11, 2 },
			      sz[] = { 1, 20, 40, 0, 1, 40, 40, 20, 40, 20, 30, 40, 0, 20, 3 };
	struct cache_run run;
	struct err e = { 0 };
	assert_int_equal(cache_run_init(&run, &pol_arc_ops, &cap, 1, NULL, &e), 0);
	for (size_t i = 0; i < N(id); i++) {
		struct pol_req r = { .obj_id = id[i], .size_bytes = sz[i], .next_access_vtime = -1 };
		assert_int_equal(cache_run_access(&run, &r, &e), 0);
	}
	assert_int_equal(run.stats[0].misses, 13);
	assert_int_equal(run.stats[0].req_bytes, 315);
	assert_int_equal(run.stats[0].miss_bytes, 274);
	cache_run_destroy(&run);
}

/* pol_max_object says what the policy does: S3-FIFO at 100 bytes keeps
 * an object of 9 bytes and never one of 10 (its small queue is 10
 * bytes); LRU keeps anything up to its capacity. */
static void test_max_object_is_what_the_policy_keeps(void **state)
{
	(void)state;
	assert_int_equal(pol_max_object(&pol_s3fifo_ops, 100), 9);
	assert_int_equal(pol_max_object(&pol_s3fifo_ops, 9), 0);
	assert_int_equal(pol_max_object(&pol_lru_ops, 100), 100);
	struct pol p;
	struct err e = { 0 };
	assert_int_equal(pol_init(&p, &pol_s3fifo_ops, 100, NULL, &e), 0);
	for (uint64_t size = 9; size <= 10; size++) {
		struct pol_req r = { .obj_id = size, .size_bytes = size, .next_access_vtime = -1 };
		for (int k = 0; k < 3; k++) /* a miss, then again: a ghost would bring it to M */
			assert_true(pol_access(&p, &r, &e) >= 0);
		assert_int_equal(pol_contains(&p, size), size == 9);
	}
	pol_destroy(&p);
}

static void test_lru_evicts_until_new_object_fits(void **state)
{
	(void)state;
	enum { A = 1, B, C, D, E };
	static const uint64_t cap = 10;
	struct cache_run run;
	struct err e = { 0 };
	assert_int_equal(cache_run_init(&run, &pol_lru_ops, &cap, 1, NULL, &e), 0);
	struct evlog lg = { 0 };
	pol_set_evict_cb(&run.pols[0], log_evict, &lg);
	static const uint64_t id[] = { A, B, C, B, D, E, E }, sz[] = { 4, 4, 4, 4, 6, 11, 11 };
	for (size_t i = 0; i < N(id); i++) {
		struct pol_req r = { .obj_id = id[i], .size_bytes = sz[i], .next_access_vtime = -1 };
		assert_int_equal(cache_run_access(&run, &r, &e), 0);
	}
	expect_resident(&run.pols[0], (uint64_t[]){ B, D }, 2, (uint64_t[]){ A, C, E }, 3);
	assert_int_equal(pol_used_bytes(&run.pols[0]), 10);
	assert_int_equal(run.stats[0].requests, 7);
	assert_int_equal(run.stats[0].misses, 6);
	assert_int_equal(run.stats[0].req_bytes, 44);
	assert_int_equal(run.stats[0].miss_bytes, 40);
	assert_true(cache_byte_miss_ratio(&run.stats[0]) == 40.0 / 44.0);
	assert_true(cache_miss_ratio(&run.stats[0]) == 6.0 / 7.0);
	assert_int_equal(lg.n, 2);
	assert_int_equal(lg.id[0], A);
	assert_int_equal(lg.size[0], 4);
	assert_int_equal(lg.id[1], C);
	cache_run_destroy(&run);
}

/* A resident object whose size changes is a hit and takes the new size:
 * c = 10, A4 B4; A grows to 8: a hit (POL_HIT_GREW: held smaller), 12 >
 * 10 so the LRU object B goes; A shrinks to 3: a hit (POL_HIT_SHRANK); A grows to
 * 11 > c: a hit (grown), and A leaves the cache. */
static void test_size_change_is_a_hit_and_evicts_to_fit(void **state)
{
	(void)state;
	struct pol p = mk("lru", 10);
	acc(&p, 1, 4, -1);
	acc(&p, 2, 4, -1);
	assert_int_equal(acc(&p, 1, 8, -1), POL_HIT_GREW);
	expect_resident(&p, (uint64_t[]){ 1 }, 1, (uint64_t[]){ 2 }, 1);
	assert_int_equal(pol_used_bytes(&p), 8);
	assert_int_equal(acc(&p, 1, 3, -1), POL_HIT_SHRANK);
	assert_int_equal(pol_used_bytes(&p), 3);
	assert_int_equal(acc(&p, 1, 11, -1), POL_HIT_GREW);
	assert_int_equal(pol_n_objects(&p), 0);
	assert_int_equal(pol_used_bytes(&p), 0);
	pol_destroy(&p);
}

/* Every policy: 20 objects of 5 bytes fill c = 100; a 9-byte object must
 * evict exactly two (95 + 9 > 100, 90 + 9 <= 100); an object larger than
 * the cache is never inserted; removal and the byte count agree. */
static void test_every_policy_evicts_until_fits_and_skips_oversize(void **state)
{
	(void)state;
	for (size_t k = 0; pol_all[k]; k++) {
		struct pol p = mk(pol_all[k]->name, 100);
		for (uint64_t i = 1; i <= 20; i++)
			assert_int_equal(acc(&p, i, 5, -1), 0);
		assert_int_equal(pol_used_bytes(&p), 100);
		assert_int_equal(acc(&p, 99, 9, -1), 0);
		assert_true(pol_contains(&p, 99));
		assert_int_equal(pol_n_objects(&p), 19);
		assert_int_equal(pol_used_bytes(&p), 99);
		assert_int_equal(acc(&p, 1000, 101, -1), 0);
		assert_false(pol_contains(&p, 1000));
		assert_int_equal(acc(&p, 1000, 101, -1), 0);
		assert_int_equal(pol_used_bytes(&p), 99);
		assert_int_equal(pol_remove(&p, 99), 1);
		assert_int_equal(pol_remove(&p, 99), 0);
		assert_false(pol_contains(&p, 99));
		assert_int_equal(pol_used_bytes(&p), 90);
		assert_int_equal(pol_n_objects(&p), 18);
		assert_true(pol_mem_bytes(&p) > 0);
		pol_destroy(&p);
	}
}

static void test_unknown_policy_and_zero_capacity_are_errors(void **state)
{
	(void)state;
	assert_null(pol_by_name("nope"));
	assert_ptr_equal(pol_by_name("LRU"), &pol_lru_ops);
	struct pol p;
	struct err e = { 0 };
	assert_int_equal(pol_init(&p, &pol_lru_ops, 0, NULL, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "more than 0"));
}

/* Size admission: objects over 4 bytes are missed every time; second-hit:
 * the first miss only leaves a ghost, the second miss admits, the third
 * request hits. */
static void test_admission_size_and_second_hit(void **state)
{
	(void)state;
	struct err e = { 0 };
	struct pol_adm_spec a;
	struct pol p;
	assert_int_equal(pol_adm_parse("size:4", &a, &e), 0);
	assert_int_equal(a.param, 4);
	assert_int_equal(pol_init(&p, &pol_lru_ops, 100, &a, &e), 0);
	assert_int_equal(acc(&p, 1, 5, -1), 0);
	assert_int_equal(acc(&p, 1, 5, -1), 0);
	assert_int_equal(acc(&p, 2, 4, -1), 0);
	assert_int_equal(acc(&p, 2, 4, -1), 1);
	pol_destroy(&p);

	assert_int_equal(pol_adm_parse("second-hit", &a, &e), 0);
	assert_int_equal(pol_init(&p, &pol_lru_ops, 100, &a, &e), 0);
	assert_int_equal(acc(&p, 1, 5, -1), 0);
	assert_false(pol_contains(&p, 1));
	assert_int_equal(acc(&p, 1, 5, -1), 0);
	assert_true(pol_contains(&p, 1));
	assert_int_equal(acc(&p, 1, 5, -1), 1);
	pol_destroy(&p);

	assert_int_equal(pol_adm_parse("always", &a, &e), 0);
	assert_null(a.ops);
	assert_int_equal(pol_adm_parse("sometimes", &a, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_int_equal(pol_adm_parse("size:4XB", &a, &e), -1);
}

/* The index against a plain array, through inserts, finds and removals
 * (each with and without the caller's hash) that force growth and long
 * backward shifts; a dense one grows by a
 * quarter past 2^12 slots, so its runs wrap around a table whose size is
 * no power of two. */
static void check_cache_index_against_a_naive_set(int dense)
{
	enum { K = 200000 };
	struct cidx x;
	assert_int_equal(cidx_init(&x, 16, dense), 0);
	static uint32_t handle[K];
	static char in[K];
	memset(in, 0, sizeof in);
	uint64_t rs = 12345;
	for (int step = 0; step < 1000000; step++) {
		rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
		int k = (int)((rs >> 33) % K);
		uint64_t key = (uint64_t)k * 0x10001; /* sequential-ish keys */
		/* Half the calls pass the hash themselves (the *_hashed
		 * calls), mixed with the others on the same keys. */
		int hashed = (rs >> 21) & 1;
		uint64_t hv = cidx_hash(key);
		uint32_t h = hashed ? cidx_find_hashed(&x, key, hv) : cidx_find(&x, key);
		if (in[k]) {
			assert_int_equal(h, handle[k]);
			if ((rs >> 20) & 1) {
				if (hashed)
					cidx_remove_hashed(&x, h, hv);
				else
					cidx_remove(&x, h);
				in[k] = 0;
			}
		} else {
			assert_int_equal(h, CIDX_NONE);
			h = hashed ? cidx_insert_hashed(&x, key, hv) : cidx_insert(&x, key);
			assert_true(h != CIDX_NONE);
			handle[k] = h;
			in[k] = 1;
		}
	}
	uint32_t n = 0;
	for (int k = 0; k < K; k++) {
		n += (uint32_t)in[k];
		assert_true((cidx_find(&x, (uint64_t)k * 0x10001) != CIDX_NONE) == in[k]);
	}
	assert_int_equal(cidx_count(&x), n);
	int pow2 = (x.map.n_slots & (x.map.n_slots - 1)) == 0;
	assert_true(x.map.n_slots > 1u << 16 && pow2 == !dense);
	cidx_destroy(&x);
}

static void test_cache_index_matches_a_naive_set(void **state)
{
	(void)state;
	check_cache_index_against_a_naive_set(CIDX_SPARSE);
	check_cache_index_against_a_naive_set(CIDX_DENSE);
}

/* Ghost lists against plain arrays (oldest first): random pushes, takes
 * from anywhere (half of them given the hash: ghost_take_hashed; they
 * leave dead records, which forces compaction) and pops
 * from the oldest end, with sequence numbers modulo 2^15 so they wrap
 * around many times.  After a pop, the id the arrays say was oldest must be
 * gone; counts and bytes must agree after every step. */
static void test_ghost_lists_match_plain_arrays(void **state)
{
	(void)state;
	enum { K = 2000, CAP = 600 };
	static uint64_t arr[2][K];
	static uint32_t asz[2][K];
	size_t an[2] = { 0, 0 };
	uint64_t abytes[2] = { 0, 0 };
	static signed char where[K]; /* list of id k, or -1 */
	memset(where, -1, sizeof where);
	struct ghost g;
	assert_int_equal(ghost_init_seq_bits(&g, 15), 0);
	uint64_t rs = 99;
	unsigned compactions = 0, pushes = 0;
	for (int step = 0; step < 1000000; step++) {
		rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
		int k = (int)((rs >> 33) % K), list = (int)((rs >> 20) & 1);
		uint64_t id = (uint64_t)k * 0x9e3779b97f4a7c15ULL; /* any 64-bit ids */
		int op = (int)((rs >> 24) % 16); /* 6 pushes, 8 takes, 2 pops */
		if (op < 6 && where[k] < 0 && an[list] < CAP) {
			uint32_t size = 1 + (uint32_t)((rs >> 40) % 5000);
			assert_int_equal(ghost_push(&g, list, id, size), 0);
			pushes++;
			abytes[list] += size;
			arr[list][an[list]] = (uint64_t)k;
			asz[list][an[list]++] = size;
			where[k] = (signed char)list;
		} else if (op < 14) {
			uint32_t size = 0;
			uint64_t dead_before = where[k] >= 0 ? g.l[where[k]].dead : 0;
			int got = (rs >> 50) & 1 ? ghost_take_hashed(&g, cidx_hash(id), &size)
						 : ghost_take(&g, id, &size);
			assert_int_equal(got, where[k]);
			if (got >= 0) {
				compactions += dead_before >= 64 && g.l[got].dead == 0;
				size_t i = 0;
				while (arr[got][i] != (uint64_t)k)
					i++;
				assert_int_equal(size, asz[got][i]);
				abytes[got] -= size;
				memmove(&arr[got][i], &arr[got][i + 1], (an[got] - i - 1) * sizeof arr[0][0]);
				memmove(&asz[got][i], &asz[got][i + 1], (an[got] - i - 1) * sizeof asz[0][0]);
				an[got]--;
				where[k] = -1;
			}
		} else if (an[list] > 0) {
			ghost_pop(&g, list);
			int oldest = (int)arr[list][0];
			abytes[list] -= asz[list][0];
			memmove(&arr[list][0], &arr[list][1], (an[list] - 1) * sizeof arr[0][0]);
			memmove(&asz[list][0], &asz[list][1], (an[list] - 1) * sizeof asz[0][0]);
			an[list]--;
			where[oldest] = -1;
			uint32_t size;
			assert_int_equal(ghost_take(&g, (uint64_t)oldest * 0x9e3779b97f4a7c15ULL, &size), -1);
		}
		for (int l = 0; l < 2; l++) {
			assert_int_equal(ghost_n(&g, l), an[l]);
			assert_int_equal(ghost_bytes(&g, l), abytes[l]);
			/* Dead records stay under 1/8 of the live ones (and 64),
			 * which only compaction keeps true. */
			assert_true(g.l[l].dead <= 65 || g.l[l].dead <= an[l] / 8 + 1);
		}
	}
	assert_true(compactions > 10);
	assert_true(pushes > 4u << 15); /* the sequence numbers wrapped */
	/* Every ghost left is found, with its size, in any order of takes. */
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < an[l]; i++) {
			uint32_t size = 0;
			assert_int_equal(ghost_take(&g, arr[l][i] * 0x9e3779b97f4a7c15ULL, &size), l);
			assert_int_equal(size, asz[l][i]);
		}
	assert_int_equal(g.map.count, 0);
	ghost_destroy(&g);
}

/* The budget, <= 64 bytes per cached object including the index
 * and the ghosts, for the two policies that keep ghosts, at cache sizes
 * of 10^4 objects and more (1M Zipf(1.0) requests over 10^6 objects of
 * 4 KiB fill these caches and their ghost lists; bench/cache sweeps larger
 * ones).  Memory is deterministic, so the check is exact.  The sizes
 * include the worst that sweep found and the points where a table has
 * just grown. */
static void test_ghost_policies_stay_within_64_bytes_per_object(void **state)
{
	(void)state;
	struct err e = { 0 };
	struct zipf z;
	assert_int_equal(zipf_init(&z, 1000000, 1.0, &e), 0);
	gsl_rng *g = rng_stream_new(1, "test/ghost-budget");
	enum { R = 1000000 };
	uint32_t *id = malloc(R * sizeof *id);
	assert_non_null(id);
	for (int i = 0; i < R; i++)
		id[i] = (uint32_t)zipf_draw(&z, g);
	const struct pol_ops *ops[] = { &pol_arc_ops, &pol_s3fifo_ops };
	const uint64_t objs[] = { 10000, 10700, 11449, 13107, 19666, 25000, 41385 };
	for (size_t k = 0; k < 2; k++)
		for (size_t j = 0; j < sizeof objs / sizeof objs[0]; j++) {
			struct pol p;
			assert_int_equal(pol_init(&p, ops[k], objs[j] * 4096, NULL, &e), 0);
			for (int i = 0; i < R; i++) {
				struct pol_req r = { .obj_id = id[i], .size_bytes = 4096, .next_access_vtime = -1 };
				assert_true(pol_access(&p, &r, &e) >= 0);
			}
			double per = (double)pol_mem_bytes(&p) / (double)pol_n_objects(&p);
			if (per > 64.0)
				fail_msg("%s at %llu objects: %.1f bytes per object", ops[k]->name,
					 (unsigned long long)objs[j], per);
			assert_true(pol_n_objects(&p) > objs[j] * 99 / 100); /* full */
			pol_destroy(&p);
		}
	free(id);
	gsl_rng_free(g);
}

/* A naive LRU over a plain array (most recent last), O(n) per request,
 * with the same size-change rule; obviously correct by inspection. */
struct naive_lru {
	uint64_t id[4096], size[4096];
	int n;
	uint64_t used, cap;
};

static int naive_lru_access(struct naive_lru *c, uint64_t id, uint64_t size)
{
	int at = -1;
	for (int i = 0; i < c->n; i++)
		if (c->id[i] == id)
			at = i;
	if (at >= 0) {
		uint64_t old = c->size[at];
		memmove(&c->id[at], &c->id[at + 1], (size_t)(c->n - at - 1) * sizeof c->id[0]);
		memmove(&c->size[at], &c->size[at + 1], (size_t)(c->n - at - 1) * sizeof c->size[0]);
		c->n--;
		c->used -= old;
		if (size <= c->cap) {
			c->id[c->n] = id;
			c->size[c->n++] = size;
			c->used += size;
		}
	} else if (size <= c->cap) {
		c->id[c->n] = id;
		c->size[c->n++] = size;
		c->used += size;
	}
	while (c->used > c->cap) {
		c->used -= c->size[0];
		memmove(&c->id[0], &c->id[1], (size_t)(c->n - 1) * sizeof c->id[0]);
		memmove(&c->size[0], &c->size[1], (size_t)(c->n - 1) * sizeof c->size[0]);
		c->n--;
	}
	return at >= 0;
}

static void test_lru_agrees_with_naive_lru_on_random_requests(void **state)
{
	(void)state;
	static struct naive_lru nv;
	uint64_t rs = 99;
	for (int round = 0; round < 4; round++) {
		uint64_t cap = 200 + 700 * (uint64_t)round;
		memset(&nv, 0, sizeof nv);
		nv.cap = cap;
		struct pol p = mk("lru", cap);
		for (int i = 0; i < 50000; i++) {
			rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t id = (rs >> 33) % 300;
			/* Mostly one size per object, sometimes another. */
			uint64_t size = 1 + (id * 7) % 40;
			if (((rs >> 13) & 31) == 0)
				size = 1 + (rs >> 40) % 60;
			int want = naive_lru_access(&nv, id, size);
			int got = acc(&p, id, size, -1) > 0; /* POL_HIT_GREW too */
			if (got != want)
				fail_msg("request %d (obj %llu): got %d, want %d", i,
					 (unsigned long long)id, got, want);
			assert_int_equal(pol_used_bytes(&p), nv.used);
		}
		pol_destroy(&p);
	}
}

/* Every policy under random variable sizes, size changes and removals:
 * a model of the resident set kept from the outcomes and the eviction
 * callback must match the policy's counts, and capacity always holds. */
struct model {
	uint64_t size[512];
	char in[512];
	uint64_t used, n;
};

static void model_evict(void *ctx, uint64_t id, uint64_t size)
{
	struct model *m = ctx;
	if (id >= 512 || !m->in[id])
		fail_msg("evicted %llu, which the model does not hold", (unsigned long long)id);
	if (m->size[id] != size)
		fail_msg("evicted %llu with size %llu, model says %llu", (unsigned long long)id,
			 (unsigned long long)size, (unsigned long long)m->size[id]);
	m->in[id] = 0;
	m->used -= size;
	m->n--;
}

/* pol_access_resident's *resident is what pol_contains says after the
 * access, for every policy, with and without admission: misses that are
 * inserted or refused (too large, S3-FIFO's own rule, admission), hits,
 * and hits that grow, shrink or outgrow the cache. */
static void test_access_resident_agrees_with_contains(void **state)
{
	(void)state;
	const char *adm[] = { "always", "size:60", "second-hit" };
	for (size_t a = 0; a < sizeof adm / sizeof adm[0]; a++)
		for (size_t k = 0; pol_all[k]; k++) {
			struct err e = { 0 };
			struct pol_adm_spec spec;
			assert_int_equal(pol_adm_parse(adm[a], &spec, &e), 0);
			struct pol p;
			if (pol_init(&p, pol_all[k], 1500, &spec, &e) < 0)
				fail_msg("pol_init(%s): %s", pol_all[k]->name, e.msg);
			uint64_t rs = 11 + a;
			for (int i = 0; i < 20000; i++) {
				rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
				uint64_t id = (rs >> 33) % 256;
				uint64_t size = 1 + (id * 13 + ((rs >> 20) & 3)) % 100;
				if (((rs >> 17) & 63) == 0)
					size = 1 + (rs >> 40) % 1600; /* sometimes > cap */
				struct pol_req r = { .obj_id = id, .size_bytes = size,
						     .next_access_vtime = (int64_t)((rs >> 24) % 100000) };
				int resident = -1;
				assert_true(pol_access_resident(&p, &r, &e, &resident) >= 0);
				if (resident != pol_contains(&p, id))
					fail_msg("%s (%s), request %d: resident %d, contains %d", pol_all[k]->name,
						 adm[a], i, resident, pol_contains(&p, id));
			}
			pol_destroy(&p);
		}
}

static void test_every_policy_keeps_its_accounting_under_random_load(void **state)
{
	(void)state;
	uint64_t rs = 7;
	for (size_t k = 0; pol_all[k]; k++) {
		static struct model m;
		memset(&m, 0, sizeof m);
		uint64_t cap = 1500;
		struct pol p = mk(pol_all[k]->name, cap);
		pol_set_evict_cb(&p, model_evict, &m);
		for (int i = 0; i < 60000; i++) {
			rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t id = (rs >> 33) % 512;
			if (((rs >> 11) & 255) == 0) {
				int was = m.in[id];
				assert_int_equal(pol_remove(&p, id), was);
				if (was) {
					m.in[id] = 0;
					m.used -= m.size[id];
					m.n--;
				}
				continue;
			}
			uint64_t size = 1 + (id * 13) % 100;
			if (((rs >> 17) & 63) == 0)
				size = 1 + (rs >> 40) % 1600; /* sometimes > cap */
			int64_t next = (int64_t)((rs >> 24) % 100000) - 1;
			int was = m.in[id];
			/* A hit on an object held at another size says so (every policy). */
			int want = !was ? 0 : size > m.size[id] ? POL_HIT_GREW : size < m.size[id] ? POL_HIT_SHRANK : 1;
			/* A hit takes the new size first (then may evict, even
			 * itself, reporting the new size); an object resized past
			 * the whole cache leaves with the size it held. */
			if (was && size <= cap) {
				m.used = m.used - m.size[id] + size;
				m.size[id] = size;
			}
			assert_int_equal(acc(&p, id, size, next), want);
			if (pol_contains(&p, id) && !m.in[id]) {
				m.in[id] = 1;
				m.size[id] = size;
				m.used += size;
				m.n++;
			}
			if (pol_used_bytes(&p) != m.used || pol_n_objects(&p) != m.n)
				fail_msg("%s, request %d: policy holds %llu bytes in %llu objects, model %llu in %llu",
					 pol_all[k]->name, i, (unsigned long long)pol_used_bytes(&p),
					 (unsigned long long)pol_n_objects(&p),
					 (unsigned long long)m.used, (unsigned long long)m.n);
			assert_true(pol_used_bytes(&p) <= cap);
		}
		for (uint64_t id = 0; id < 512; id++)
			assert_int_equal(pol_contains(&p, id), m.in[id]);
		pol_destroy(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_shows_beladys_anomaly),
		cmocka_unit_test(test_lru_evicts_least_recent_and_has_no_anomaly),
		cmocka_unit_test(test_belady_evicts_furthest_next_access),
		cmocka_unit_test(test_clock_gives_second_chance_in_queue_order),
		cmocka_unit_test(test_sieve_hand_moves_and_keeps_visited_objects),
		cmocka_unit_test(test_lfu_evicts_least_frequent_oldest_first),
		cmocka_unit_test(test_arc_adapts_target_on_ghost_hits),
		cmocka_unit_test(test_s3fifo_promotes_reinserts_and_uses_ghosts),
		cmocka_unit_test(test_s3fifo_needs_two_hits_in_small_to_promote),
		cmocka_unit_test(test_s3fifo_refuses_objects_as_large_as_small_queue),
		cmocka_unit_test(test_lru_evicts_until_new_object_fits),
		cmocka_unit_test(test_max_object_is_what_the_policy_keeps),
		cmocka_unit_test(test_arc_ghost_hit_on_a_zero_byte_object_leaves_p),
		cmocka_unit_test(test_size_change_is_a_hit_and_evicts_to_fit),
		cmocka_unit_test(test_every_policy_evicts_until_fits_and_skips_oversize),
		cmocka_unit_test(test_unknown_policy_and_zero_capacity_are_errors),
		cmocka_unit_test(test_admission_size_and_second_hit),
		cmocka_unit_test(test_cache_index_matches_a_naive_set),
		cmocka_unit_test(test_ghost_lists_match_plain_arrays),
		cmocka_unit_test(test_ghost_policies_stay_within_64_bytes_per_object),
		cmocka_unit_test(test_lru_agrees_with_naive_lru_on_random_requests),
		cmocka_unit_test(test_every_policy_keeps_its_accounting_under_random_load),
		cmocka_unit_test(test_access_resident_agrees_with_contains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
