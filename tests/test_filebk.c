/* Tests for the hot-tier file backend's large transfers (refimpl/filebk.c):
 * operations of 1 MiB and more go through scratch buffers in transparent
 * huge pages, grown as larger operations arrive and shared by the requests
 * a slot carries in turn; every byte must still be the object's.  (The
 * rest of filebk's contract is tested in test_refimpl.c.)
 *
 * Files live under $TMPDIR (or /tmp); O_DIRECT is used where the file
 * system supports it, as in production.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refimpl/content.h"
#include "refimpl/filebk.h"
#include "refimpl/loop.h"

#define MIB (1u << 20)

struct fixture {
	char dir[4096];
	struct loop *l;
	struct backend b;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	const char *base = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/tiersim-filebk-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	struct err e = { 0 };
	if (loop_new(&f->l, 64, &e))
		return -1;
	struct filebk_cfg cfg = { .dir = f->dir, .queue_depth = 4, .verify = 1 };
	if (filebk_new(&f->b, f->l, &cfg, &e))
		return -1;
	*state = f;
	return 0;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	f->b.ops->destroy(f->b.self);
	loop_free(f->l);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

struct req {
	struct bk_req r;
	int done;
};

static void req_done(struct bk_req *r)
{
	((struct req *)r)->done++;
}

/* Submits n requests at once and runs the loop until all complete. */
static void run_all(struct fixture *f, struct req *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(bk_submit(&f->b, &q[i].r), 0);
	struct err e = { 0 };
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(q[i].done, 1);
		assert_int_equal(q[i].r.status, BK_OK);
	}
}

static void test_filebk_large_buffer_less_transfers_keep_every_byte(void **state)
{
	struct fixture *f = *state;
	/* Sizes that straddle the huge-page threshold and the 2 MiB page:
	 * each slot's scratch grows from small to huge to larger. */
	static const uint64_t len[] = { 64 << 10, MIB, MIB + 4096, 3 * MIB, 4096, 2 * MIB };
	enum { N = sizeof len / sizeof len[0] };
	uint64_t off[N], at = 0;
	for (size_t i = 0; i < N; i++) {
		off[i] = at;
		at += len[i];
	}
	struct req w[N], r[N];
	for (size_t i = 0; i < N; i++)
		w[i] = (struct req){ .r = { .op = BK_WRITE, .object = 9, .offset = off[i], .length = len[i],
					    .done = req_done } };
	run_all(f, w, N);
	/* Read back twice in reverse order, so slots carry other sizes than
	 * they wrote; verify checks every byte against the content. */
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < N; i++)
			r[i] = (struct req){ .r = { .op = BK_READ, .object = 9, .offset = off[N - 1 - i],
						    .length = len[N - 1 - i], .done = req_done } };
		run_all(f, r, N);
	}
	assert_int_equal(filebk_ops(&f->b, BK_READ), 2 * N);
}

static void test_filebk_large_read_into_callers_buffer_is_exact(void **state)
{
	struct fixture *f = *state;
	const size_t n = 2 * MIB + 8192;
	struct req w = { .r = { .op = BK_WRITE, .object = 11, .offset = 4096, .length = n, .done = req_done } };
	run_all(f, &w, 1);
	/* An unaligned caller buffer is bounced through the huge scratch. */
	unsigned char *mem = malloc(n + 1);
	assert_non_null(mem);
	unsigned char *buf = mem + 1;
	memset(buf, 0, n);
	struct req r = { .r = { .op = BK_READ, .object = 11, .offset = 4096, .length = n, .buf = buf,
				.done = req_done } };
	run_all(f, &r, 1);
	uint64_t bad = 0;
	assert_int_equal(content_check(buf, 11, 4096, n, &bad), 0);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filebk_large_buffer_less_transfers_keep_every_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filebk_large_read_into_callers_buffer_is_exact, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
