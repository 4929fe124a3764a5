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
		cmocka_unit_test(test_table_keeps_one_entry_per_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
