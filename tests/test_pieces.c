/* Tests for sim/pieces (the layout of a block blob written a chunk at a
 * time).  Slots of 100 bytes; each expected list is worked by hand from
 * pieces.h's rule: the fills of [e_{i-1}, o_i), cut at multiples of 100,
 * then p_i. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/pieces.h"

#define P 100

struct got {
	struct pieces_block b[16];
	int n;
};

static int collect(void *arg, const struct pieces_block *bl)
{
	struct got *g = arg;
	if (g->n == 16)
		return 1;
	g->b[g->n++] = *bl;
	return 0;
}

static void expect(const struct pieces *p, const struct pieces_block *want, int n)
{
	struct got g = { .n = 0 };
	assert_int_equal(pieces_walk(p, P, collect, &g), 0);
	assert_int_equal(g.n, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(g.b[i].off, want[i].off);
		assert_int_equal(g.b[i].len, want[i].len);
		assert_int_equal(g.b[i].fill, want[i].fill);
	}
}

static void free_pieces(struct pieces *p)
{
	free(p->ps);
	free(p->fills);
}

/* The last piece first: two whole slots of zeros before it.  Then the
 * middle one: one fill left.  Then the first: none. */
static void test_missing_slots_are_filled_until_written(void **state)
{
	(void)state;
	struct pieces p = { 0 };
	assert_int_equal(pieces_add(&p, 200, 50, 0), 0);
	expect(&p, (const struct pieces_block[]){ { 0, 100, 1 }, { 100, 100, 1 }, { 200, 50, 0 } }, 3);
	assert_int_equal(pieces_add(&p, 100, 100, 0), 0);
	expect(&p, (const struct pieces_block[]){ { 0, 100, 1 }, { 100, 100, 0 }, { 200, 50, 0 } }, 3);
	assert_int_equal(pieces_add(&p, 0, 100, 0), 0);
	expect(&p, (const struct pieces_block[]){ { 0, 100, 0 }, { 100, 100, 0 }, { 200, 50, 0 } }, 3);
	free_pieces(&p);
}

/* A piece rewritten shorter while a later one is listed: the rest of its
 * slot is a fill of 70 bytes at 130, so the later piece stays at 200; at
 * its old length again, the fill is gone.  With keep (a piece found in
 * the blob behind one staged here), the length stays. */
static void test_short_piece_is_followed_by_the_rest_of_its_slot(void **state)
{
	(void)state;
	struct pieces p = { 0 };
	assert_int_equal(pieces_add(&p, 0, 100, 0), 0);
	assert_int_equal(pieces_add(&p, 100, 100, 0), 0);
	assert_int_equal(pieces_add(&p, 200, 50, 0), 0);
	assert_int_equal(pieces_add(&p, 100, 30, 0), 0);
	expect(&p,
	       (const struct pieces_block[]){ { 0, 100, 0 }, { 100, 30, 0 }, { 130, 70, 1 }, { 200, 50, 0 } }, 4);
	assert_int_equal(pieces_add(&p, 100, 100, 1), 0);
	expect(&p,
	       (const struct pieces_block[]){ { 0, 100, 0 }, { 100, 30, 0 }, { 130, 70, 1 }, { 200, 50, 0 } }, 4);
	assert_int_equal(pieces_add(&p, 100, 100, 0), 0);
	expect(&p, (const struct pieces_block[]){ { 0, 100, 0 }, { 100, 100, 0 }, { 200, 50, 0 } }, 3);
	free_pieces(&p);
}

/* Fills to stage: those not held, from an offset on; after a commit, the
 * ones it listed are held and none is staged again; a fill the blob held
 * (found in it) is not staged either. */
static void test_fills_are_staged_once_while_their_gap_stays(void **state)
{
	(void)state;
	struct pieces p = { 0 };
	struct pieces_block f;
	assert_int_equal(pieces_add(&p, 300, 100, 0), 0);
	assert_int_equal(pieces_fill_to_stage(&p, P, 0, &f), 1);
	assert_true(f.off == 0 && f.len == 100 && f.fill);
	assert_int_equal(pieces_fill_to_stage(&p, P, 100, &f), 1);
	assert_true(f.off == 100 && f.len == 100);
	assert_int_equal(pieces_fill_to_stage(&p, P, 300, &f), 0);
	assert_int_equal(pieces_committed(&p, P), 0);
	assert_int_equal(p.nfill, 3);
	assert_int_equal(pieces_fill_to_stage(&p, P, 0, &f), 0);
	/* slot 1 written: the commit after it holds fills 0 and 2 only */
	assert_int_equal(pieces_add(&p, 100, 100, 0), 0);
	assert_int_equal(pieces_fill_to_stage(&p, P, 0, &f), 0);
	assert_int_equal(pieces_committed(&p, P), 0);
	assert_int_equal(p.nfill, 2);
	free_pieces(&p);

	struct pieces q = { 0 };
	assert_int_equal(pieces_add(&q, 200, 100, 0), 0);
	assert_int_equal(pieces_fill_held(&q, &(struct pieces_block){ 0, 100, 1 }), 0);
	assert_int_equal(pieces_fill_to_stage(&q, P, 0, &f), 1);
	assert_true(f.off == 100 && f.len == 100);
	free_pieces(&q);
}

/* The phases, a hand-worked sequence.  Writes a (slot 0), b (slot 1) and
 * c (slot 3) arrive together: all three stage.  b lands: the phase
 * closes, d (slot 2) and e (slot 0 again) wait.  a lands; c lands last
 * and its landing starts the commit of a, b and c, with one fill (slot 2,
 * which no write of the phase covers).  The commit ends: a, b and c
 * complete (arrival order); d stages, and e, whose slot a held, stages
 * too, a is gone.  Then a write of slot 2 while d holds it waits. */
static void test_phases_stage_together_and_commit_once(void **state)
{
	(void)state;
	struct pieces p = { 0 };
	struct pieces_job a, b, c, d, e, f;
	struct pieces_block fl;
	assert_int_equal(pieces_job_arrive(&p, &a, 0, 100), 1);
	assert_int_equal(pieces_job_arrive(&p, &b, 100, 100), 1);
	assert_int_equal(pieces_job_arrive(&p, &c, 300, 100), 1);
	assert_int_equal(pieces_job_staged(&p, &b), 0);
	assert_int_equal(pieces_job_arrive(&p, &d, 200, 100), 0);
	assert_int_equal(pieces_job_arrive(&p, &e, 0, 60), 0);
	assert_null(pieces_next_phase(&p)); /* closed: b landed */
	assert_int_equal(pieces_job_staged(&p, &a), 0);
	assert_int_equal(pieces_job_staged(&p, &c), 1);
	assert_ptr_equal(pieces_first_staged(&p), &a);
	assert_int_equal(pieces_commit_begin(&p), 0);
	expect(&p,
	       (const struct pieces_block[]){ { 0, 100, 0 }, { 100, 100, 0 }, { 200, 100, 1 }, { 300, 100, 0 } }, 4);
	assert_int_equal(pieces_fill_to_stage(&p, P, 0, &fl), 1);
	assert_true(fl.off == 200 && fl.len == 100);
	assert_int_equal(pieces_committed(&p, P), 0);
	assert_null(pieces_next_phase(&p)); /* committing */
	struct pieces_job *done = pieces_commit_end(&p);
	assert_ptr_equal(done, &a);
	assert_ptr_equal(a.next, &b);
	assert_ptr_equal(b.next, &c);
	assert_null(c.next);
	struct pieces_job *go = pieces_next_phase(&p);
	assert_ptr_equal(go, &d);
	assert_ptr_equal(d.start, &e);
	assert_null(e.start);
	assert_int_equal(pieces_job_arrive(&p, &f, 200, 100), 0);
	/* d fails: f takes its slot at once (the phase is open); e lands and
	 * commits alone: slot 0 at 60 bytes, then the rest of it a fill. */
	assert_int_equal(pieces_job_failed(&p, &d), 0);
	assert_ptr_equal(pieces_next_phase(&p), &f);
	assert_int_equal(pieces_job_staged(&p, &e), 0);
	assert_int_equal(pieces_job_staged(&p, &f), 1);
	assert_int_equal(pieces_commit_begin(&p), 0);
	expect(&p,
	       (const struct pieces_block[]){ { 0, 60, 0 }, { 60, 40, 1 }, { 100, 100, 0 }, { 200, 100, 0 },
					      { 300, 100, 0 } },
	       5);
	done = pieces_commit_end(&p);
	assert_ptr_equal(done, &e);
	assert_ptr_equal(e.next, &f);
	assert_null(p.jobs);
	assert_null(pieces_next_phase(&p));
	free_pieces(&p);
}

/* A staging write that fails as the last of its phase starts the commit
 * of the ones that landed; the first of them makes it. */
static void test_a_failed_last_stage_still_commits_the_others(void **state)
{
	(void)state;
	struct pieces p = { 0 };
	struct pieces_job a, b;
	assert_int_equal(pieces_job_arrive(&p, &a, 0, 100), 1);
	assert_int_equal(pieces_job_arrive(&p, &b, 100, 100), 1);
	assert_int_equal(pieces_job_staged(&p, &a), 0);
	assert_int_equal(pieces_job_failed(&p, &b), 1);
	assert_ptr_equal(pieces_first_staged(&p), &a);
	assert_int_equal(pieces_commit_begin(&p), 0);
	expect(&p, (const struct pieces_block[]){ { 0, 100, 0 } }, 1);
	assert_ptr_equal(pieces_commit_end(&p), &a);
	assert_null(a.next);
	free_pieces(&p);
}

/* The table: one entry per object, of the size asked, found again. */
static void test_table_keeps_one_entry_per_object(void **state)
{
	(void)state;
	struct pieces_table *t = calloc(1, sizeof *t);
	struct big {
		struct pieces p;
		int extra;
	};
	struct pieces *a = pieces_table_get(t, 7, sizeof(struct big));
	assert_non_null(a);
	assert_int_equal(((struct big *)a)->extra, 0);
	assert_ptr_equal(pieces_table_get(t, 7, sizeof(struct big)), a);
	assert_ptr_equal(pieces_table_find(t, 7), a);
	assert_null(pieces_table_find(t, 8));
	for (uint64_t o = 0; o < 5000; o++)
		assert_non_null(pieces_table_get(t, o << 20, sizeof(struct pieces)));
	assert_int_equal(pieces_add(a, 0, 10, 0), 0);
	pieces_table_clear(t);
	assert_null(pieces_table_find(t, 7));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_slots_are_filled_until_written),
		cmocka_unit_test(test_short_piece_is_followed_by_the_rest_of_its_slot),
		cmocka_unit_test(test_fills_are_staged_once_while_their_gap_stays),
		cmocka_unit_test(test_phases_stage_together_and_commit_once),
		cmocka_unit_test(test_a_failed_last_stage_still_commits_the_others),
		cmocka_unit_test(test_table_keeps_one_entry_per_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
