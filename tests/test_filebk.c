/* Tests for the hot-tier file backend (refimpl/filebk.c): its large
 * transfers (operations of 1 MiB and more go through scratch buffers in
 * transparent huge pages, grown as larger operations arrive and shared by
 * the requests a slot carries in turn; every byte must still be the
 * object's), and its asynchronous opens (OPENAT / MKDIRAT through the
 * loop, one open per file however many operations wait for it, every
 * waiter completed when it fails).  (The rest of filebk's contract is
 * tested in test_refimpl.c.)
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
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refimpl/content.h"
#include "refimpl/dirbk.h"
#include "refimpl/filebk.h"
#include "refimpl/loop.h"
#include "refimpl/names.h"
#include "sim/metrics.h"

#define MIB (1u << 20)

struct fixture {
	char dir[4096];
	struct loop *l;
	struct backend b;
};

static int setup_with(void **state, size_t buf_bytes)
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
	struct filebk_cfg cfg = { .dir = f->dir, .queue_depth = 4, .verify = 1, .buf_bytes = buf_bytes };
	if (filebk_new(&f->b, f->l, &cfg, &e))
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, 0);
}

/* The slots' buffers made at creation for 1 MiB operations (buf_bytes):
 * larger ones still grow them. */
static int setup_premade(void **state)
{
	return setup_with(state, MIB);
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

/* ---- discards ---- */

static double metric(struct fixture *f, const char *name);

/* Blocks (512 B) the object's file holds on the disk. */
static long long file_blocks(struct fixture *f, uint64_t obj)
{
	char p[8192];
	assert_int_equal(filebk_path(&f->b, obj, p, sizeof p), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	return (long long)st.st_blocks;
}

/* An evicted chunk's blocks are freed (the file keeps its size); a write
 * of those bytes submitted while the punch is in flight waits for it, so
 * the bytes it writes are there to read back (verify checks every one);
 * a discard while an operation on the object is in flight is skipped,
 * since it could punch under a read. */
static void test_filebk_discard_frees_blocks_and_orders_the_next_write_after_it(void **state)
{
	struct fixture *f = *state;
	struct req w[2] = {
		{ .r = { .op = BK_WRITE, .object = 5, .offset = 0, .length = MIB, .done = req_done } },
		{ .r = { .op = BK_WRITE, .object = 5, .offset = MIB, .length = MIB, .done = req_done } },
	};
	run_all(f, w, 2);
	long long full = file_blocks(f, 5);
	assert_true(full >= 2 * MIB / 512);
	/* Chunk 0 discarded, and at once written again and chunk 1 read. */
	f->b.ops->discard(f->b.self, 5, 0, MIB);
	struct req again[2] = {
		{ .r = { .op = BK_WRITE, .object = 5, .offset = 0, .length = MIB, .done = req_done } },
		{ .r = { .op = BK_READ, .object = 5, .offset = MIB, .length = MIB, .done = req_done } },
	};
	run_all(f, again, 2);
	struct req rd = { .r = { .op = BK_READ, .object = 5, .offset = 0, .length = MIB, .done = req_done } };
	run_all(f, &rd, 1);
	assert_int_equal(metric(f, "b.discards"), 1);
	assert_int_equal(metric(f, "b.discard_bytes"), MIB);
	assert_int_equal(file_blocks(f, 5), full);
	/* Now discarded for good: the file keeps its size, not the blocks. */
	f->b.ops->discard(f->b.self, 5, 0, MIB);
	struct err e = { 0 };
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_true(file_blocks(f, 5) <= full / 2 + 8);
	char p[8192];
	assert_int_equal(filebk_path(&f->b, 5, p, sizeof p), 0);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 2 * MIB);
	/* A discard while the object is being read waits for the read, and
	 * then punches (it was skipped for good: a 1 MiB tier's files held
	 * 5 MiB). */
	struct req r1 = { .r = { .op = BK_READ, .object = 5, .offset = MIB, .length = MIB, .done = req_done } };
	assert_int_equal(bk_submit(&f->b, &r1.r), 0);
	f->b.ops->discard(f->b.self, 5, MIB, MIB);
	assert_int_equal(metric(f, "b.discards_deferred"), 1);
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_int_equal(r1.done, 1);
	assert_int_equal(r1.r.status, BK_OK);
	assert_int_equal(metric(f, "b.discards_skipped"), 0);
	assert_int_equal(metric(f, "b.discards"), 3);
	assert_true(file_blocks(f, 5) <= 8);
	/* Partial blocks at a range's ends stay; a missing file is no error. */
	f->b.ops->discard(f->b.self, 5, 100, 4000);
	f->b.ops->discard(f->b.self, 77, 0, MIB);
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_int_equal(metric(f, "b.discards"), 3);
	assert_int_equal(metric(f, "b.discard_errors"), 0);
}

/* A write of a deferred discard's bytes, submitted while the discard
 * waits, takes it back: punched after, it would zero what was written (a
 * fill of the chunk the tier has taken in again). */
static void test_filebk_write_cancels_a_deferred_discard(void **state)
{
	struct fixture *f = *state;
	uint8_t *buf = aligned_alloc(4096, MIB);
	assert_non_null(buf);
	memset(buf, 0x5a, MIB);
	struct req w0 = { .r = { .op = BK_WRITE, .object = 6, .offset = 0, .length = 2 * MIB, .done = req_done } };
	struct err e = { 0 };
	assert_int_equal(bk_submit(&f->b, &w0.r), 0);
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	long long full = file_blocks(f, 6);
	struct req r1 = { .r = { .op = BK_READ, .object = 6, .offset = 0, .length = MIB, .done = req_done } };
	assert_int_equal(bk_submit(&f->b, &r1.r), 0);
	f->b.ops->discard(f->b.self, 6, MIB, MIB);
	struct req w1 = { .r = { .op = BK_WRITE, .object = 6, .offset = MIB, .length = MIB, .buf = buf, .done = req_done } };
	assert_int_equal(bk_submit(&f->b, &w1.r), 0);
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_int_equal(r1.r.status, BK_OK);
	assert_int_equal(w1.r.status, BK_OK);
	assert_int_equal(file_blocks(f, 6), full);
	assert_int_equal(metric(f, "b.discards"), 0);
	free(buf);
}

/* ---- asynchronous opens ---- */

/* A backend over a fresh directory with the given cache size and fault
 * hook (the fixture's own backend is replaced). */
static void reopen_backend(struct fixture *f, unsigned max_open, filebk_fault_fn fault, void *ctx)
{
	f->b.ops->destroy(f->b.self);
	struct filebk_cfg cfg = { .dir = f->dir, .queue_depth = 4, .verify = 1, .max_open = max_open,
				  .fault = fault, .fault_ctx = ctx };
	struct err e = { 0 };
	if (filebk_new(&f->b, f->l, &cfg, &e))
		fail_msg("filebk_new: %s", e.msg);
}

static double metric(struct fixture *f, const char *name)
{
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(f->b.ops->export(f->b.self, "b", m, loop_now(f->l)), 0);
	const struct met_scalar *x = met_find(m, name);
	assert_non_null(x);
	double v = x->value;
	met_free(m);
	return v;
}

/* Submits n requests at once and runs the loop until it is idle; every
 * request must have completed exactly once (never a hang). */
static void run_any(struct fixture *f, struct req *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		q[i].r.done = req_done;
		assert_int_equal(bk_submit(&f->b, &q[i].r), 0);
		assert_int_equal(q[i].done, 0); /* never from inside submit */
	}
	struct err e = { 0 };
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(q[i].done, 1);
}

static int fanout_exists(struct fixture *f, uint64_t obj, int level)
{
	char rel[NAMES_OBJ_DIR_LEN + 1], p[8192];
	names_obj_dir(rel, obj);
	snprintf(p, sizeof p, "%s/%.*s", f->dir, level == 0 ? 2 : NAMES_OBJ_DIR_LEN, rel);
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_filebk_write_of_a_new_object_creates_its_directories_and_file(void **state)
{
	struct fixture *f = *state;
	assert_false(fanout_exists(f, 0x77, 0));
	struct req w = { .r = { .op = BK_WRITE, .object = 0x77, .length = 8192 } };
	run_any(f, &w, 1);
	assert_int_equal(w.r.status, BK_OK);
	assert_true(fanout_exists(f, 0x77, 0) && fanout_exists(f, 0x77, 1));
	assert_true(metric(f, "b.fs.creates") == 1);
	assert_true(metric(f, "b.fs.opens") == 0);
	struct req r = { .r = { .op = BK_READ, .object = 0x77, .length = 8192 } };
	run_any(f, &r, 1);
	assert_int_equal(r.r.status, BK_OK); /* verified, from the cached descriptor */
	assert_true(metric(f, "b.fs.creates") == 1);
}

/* Many writes of one new object at once: one create, every byte right. */
static void test_filebk_concurrent_writes_of_a_new_object_share_one_create(void **state)
{
	struct fixture *f = *state;
	enum { N = 12 };
	struct req w[N], r[N];
	for (int i = 0; i < N; i++)
		w[i] = (struct req){ .r = { .op = BK_WRITE, .object = 0x1234, .offset = (uint64_t)i * 4096,
					    .length = 4096 } };
	run_any(f, w, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(w[i].r.status, BK_OK);
	assert_true(metric(f, "b.fs.creates") == 1);
	/* A fresh backend: reads of the existing file share one open. */
	reopen_backend(f, 0, NULL, NULL);
	for (int i = 0; i < N; i++)
		r[i] = (struct req){ .r = { .op = BK_READ, .object = 0x1234, .offset = (uint64_t)i * 4096,
					    .length = 4096 } };
	run_any(f, r, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(r[i].r.status, BK_OK);
	assert_true(metric(f, "b.fs.opens") == 1);
	assert_true(metric(f, "b.fs.creates") == 0);
}

/* Reads of a missing object all fail ENOENT from one open; a write that
 * joins them creates the file and succeeds. */
static void test_filebk_reads_of_a_missing_object_fail_cleanly_and_a_joining_write_creates_it(void **state)
{
	struct fixture *f = *state;
	struct req q[4];
	for (int i = 0; i < 3; i++)
		q[i] = (struct req){ .r = { .op = BK_READ, .object = 0x99, .offset = 0, .length = 4096 } };
	q[3] = (struct req){ .r = { .op = BK_WRITE, .object = 0x99, .offset = 0, .length = 4096 } };
	run_any(f, q, 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(q[i].r.status, BK_ENOENT);
	assert_int_equal(q[3].r.status, BK_OK);
	assert_true(metric(f, "b.fs.creates") == 1);
	assert_true(metric(f, "b.errors") == 3);
	/* Only reads: every one fails, nothing is left behind. */
	struct req m[3];
	for (int i = 0; i < 3; i++)
		m[i] = (struct req){ .r = { .op = BK_READ, .object = 0x98, .offset = 0, .length = 4096 } };
	run_any(f, m, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(m[i].r.status, BK_ENOENT);
	assert_non_null(strstr(filebk_last_error(&f->b), "open "));
	assert_non_null(strstr(filebk_last_error(&f->b), "No such file"));
	assert_int_equal(filebk_cached_fd(&f->b, 0x98), -1);
}

/* A fan-out directory that is a regular file (ENOTDIR, which root cannot
 * bypass): every waiting operation fails with that error; other objects
 * are unaffected. */
static void test_filebk_failed_open_fails_every_waiter_with_its_error(void **state)
{
	struct fixture *f = *state;
	const uint64_t obj = 0xbad;
	char rel[NAMES_OBJ_DIR_LEN + 1], p[8192];
	names_obj_dir(rel, obj);
	snprintf(p, sizeof p, "%s/%.2s", f->dir, rel);
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	enum { N = 6 };
	struct req q[N + 1];
	for (int i = 0; i < N; i++)
		q[i] = (struct req){ .r = { .op = i % 2 ? BK_READ : BK_WRITE, .object = obj,
					    .offset = (uint64_t)i * 4096, .length = 4096 } };
	q[N] = (struct req){ .r = { .op = BK_WRITE, .object = obj + 1, .length = 4096 } };
	run_any(f, q, N + 1);
	for (int i = 0; i < N; i++)
		assert_int_equal(q[i].r.status, BK_EIO);
	assert_int_equal(q[N].r.status, BK_OK);
	/* The last failure's message names the open, the path and the errno. */
	struct req again = { .r = { .op = BK_WRITE, .object = obj, .length = 4096 } };
	run_any(f, &again, 1);
	assert_int_equal(again.r.status, BK_EIO);
	assert_non_null(strstr(filebk_last_error(&f->b), "open "));
	assert_non_null(strstr(filebk_last_error(&f->b), p));
	assert_non_null(strstr(filebk_last_error(&f->b), "Not a directory"));
}

struct open_fault {
	enum bk_op op;   /* BK_OPEN or BK_CREATE */
	int err;         /* -errno */
	int times;       /* fail this many opens, then let them run */
	int asked;
};

static int open_fault(void *ctx, enum bk_op op, uint64_t obj, uint64_t off, uint64_t len)
{
	(void)obj;
	(void)off;
	(void)len;
	struct open_fault *o = ctx;
	if (op != o->op)
		return 0;
	o->asked++;
	return o->times-- > 0 ? o->err : 0;
}

/* A full disk at the create: every write waiting for it fails ENOSPC. */
static void test_filebk_create_on_a_full_disk_fails_every_waiter_enospc(void **state)
{
	struct fixture *f = *state;
	struct open_fault of = { .op = BK_CREATE, .err = -ENOSPC, .times = 1 };
	reopen_backend(f, 0, open_fault, &of);
	enum { N = 5 };
	struct req q[N];
	for (int i = 0; i < N; i++)
		q[i] = (struct req){ .r = { .op = BK_WRITE, .object = 0x55, .offset = (uint64_t)i * 4096,
					    .length = 4096 } };
	run_any(f, q, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(q[i].r.status, BK_ENOSPC);
	assert_int_equal(of.asked, 1); /* one open for all of them */
	assert_non_null(strstr(filebk_last_error(&f->b), "No space left on device"));
	/* The disk has room again: the next write creates the file. */
	struct req w = { .r = { .op = BK_WRITE, .object = 0x55, .length = 4096 } };
	run_any(f, &w, 1);
	assert_int_equal(w.r.status, BK_OK);
}

/* A file that cannot be opened for writing (EACCES, injected: root is
 * never refused) is read through a read-only descriptor; a write waiting
 * with the reads fails "Permission denied". */
static void test_filebk_unwritable_file_is_read_read_only_and_its_write_fails(void **state)
{
	struct fixture *f = *state;
	struct req w = { .r = { .op = BK_WRITE, .object = 0x66, .length = 8192 } };
	run_any(f, &w, 1);
	assert_int_equal(w.r.status, BK_OK);
	struct open_fault of = { .op = BK_OPEN, .err = -EACCES, .times = 1 };
	reopen_backend(f, 0, open_fault, &of);
	struct req q[3] = {
		{ .r = { .op = BK_READ, .object = 0x66, .offset = 0, .length = 4096 } },
		{ .r = { .op = BK_WRITE, .object = 0x66, .offset = 0, .length = 4096 } },
		{ .r = { .op = BK_READ, .object = 0x66, .offset = 4096, .length = 4096 } },
	};
	run_any(f, q, 3);
	assert_int_equal(q[0].r.status, BK_OK);
	assert_int_equal(q[1].r.status, BK_EIO);
	assert_int_equal(q[2].r.status, BK_OK);
	assert_int_equal(of.asked, 2); /* O_RDWR refused, then O_RDONLY */
	assert_non_null(strstr(filebk_last_error(&f->b), "Permission denied"));
}

/* With one descriptor cached and many files in use at once, eviction
 * never closes a descriptor an operation holds: every read succeeds. */
static void test_filebk_eviction_spares_descriptors_in_use(void **state)
{
	struct fixture *f = *state;
	enum { NOBJ = 8, N = 32 };
	struct req w[NOBJ], r[N];
	for (int i = 0; i < NOBJ; i++)
		w[i] = (struct req){ .r = { .op = BK_WRITE, .object = 100 + (uint64_t)i, .length = 16384 } };
	run_any(f, w, NOBJ);
	reopen_backend(f, 1, NULL, NULL);
	for (int i = 0; i < N; i++)
		r[i] = (struct req){ .r = { .op = BK_READ, .object = 100 + (uint64_t)(i % NOBJ),
					    .offset = (uint64_t)(i / NOBJ) * 4096, .length = 4096 } };
	run_any(f, r, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(r[i].r.status, BK_OK);
	assert_true(metric(f, "b.fs.opens") >= NOBJ);
}

/* The warm tier's CREATE, LOOKUP, GETATTR and UNLINK go through io_uring:
 * a CREATE in a new directory makes it; many metadata operations of
 * different objects at once all complete and are counted. */
static void test_dirbk_metadata_operations_overlap_and_create_makes_directories(void **state)
{
	struct fixture *f = *state;
	struct backend d;
	struct dirbk_cfg cfg = { .dir = f->dir };
	struct err e = { 0 };
	assert_int_equal(dirbk_new(&d, f->l, &cfg, &e), 0);
	enum { N = 16 };
	struct req c[N], m[3 * N];
	for (int i = 0; i < N; i++)
		c[i] = (struct req){ .r = { .op = BK_CREATE, .object = 0x500 + (uint64_t)i, .done = req_done } };
	for (int i = 0; i < N; i++)
		assert_int_equal(bk_submit(&d, &c[i].r), 0);
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(c[i].done, 1);
		assert_int_equal(c[i].r.status, BK_OK);
		assert_true(fanout_exists(f, 0x500 + (uint64_t)i, 1));
	}
	static const enum bk_op ops[3] = { BK_LOOKUP, BK_GETATTR, BK_OPEN };
	for (int i = 0; i < 3 * N; i++) {
		m[i] = (struct req){ .r = { .op = ops[i % 3], .object = 0x500 + (uint64_t)(i / 3), .done = req_done } };
		assert_int_equal(bk_submit(&d, &m[i].r), 0);
	}
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	for (int i = 0; i < 3 * N; i++) {
		assert_int_equal(m[i].done, 1);
		assert_int_equal(m[i].r.status, BK_OK);
	}
	assert_int_equal(dirbk_ops(&d, BK_CREATE), N);
	assert_int_equal(dirbk_ops(&d, BK_LOOKUP), N);
	assert_int_equal(dirbk_ops(&d, BK_GETATTR), N);
	assert_int_equal(dirbk_ops(&d, BK_OPEN), N);
	for (int i = 0; i < N; i++) {
		c[i] = (struct req){ .r = { .op = BK_UNLINK, .object = 0x500 + (uint64_t)i, .done = req_done } };
		assert_int_equal(bk_submit(&d, &c[i].r), 0);
	}
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(c[i].r.status, BK_OK);
	assert_int_equal(dirbk_ops(&d, BK_UNLINK), N);
	d.ops->destroy(d.self);
}

/* CREATE where a fan-out directory is a regular file: a clear error. */
static void test_dirbk_create_under_a_file_is_a_clear_error(void **state)
{
	struct fixture *f = *state;
	struct backend d;
	struct dirbk_cfg cfg = { .dir = f->dir };
	struct err e = { 0 };
	assert_int_equal(dirbk_new(&d, f->l, &cfg, &e), 0);
	char rel[NAMES_OBJ_DIR_LEN + 1], p[8192];
	names_obj_dir(rel, 0xbad);
	snprintf(p, sizeof p, "%s/%.2s", f->dir, rel);
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	struct req c = { .r = { .op = BK_CREATE, .object = 0xbad, .done = req_done } };
	assert_int_equal(bk_submit(&d, &c.r), 0);
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_int_equal(c.done, 1);
	assert_int_equal(c.r.status, BK_EIO);
	assert_non_null(strstr(dirbk_last_error(&d), "create"));
	assert_non_null(strstr(dirbk_last_error(&d), "Not a directory"));
	d.ops->destroy(d.self);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filebk_large_buffer_less_transfers_keep_every_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filebk_large_read_into_callers_buffer_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filebk_discard_frees_blocks_and_orders_the_next_write_after_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filebk_write_cancels_a_deferred_discard, setup, teardown),
		cmocka_unit_test_prestate_setup_teardown(test_filebk_large_buffer_less_transfers_keep_every_byte,
							 setup_premade, teardown, NULL),
		cmocka_unit_test_setup_teardown(test_filebk_large_read_into_callers_buffer_is_exact, setup_premade,
						teardown),
		cmocka_unit_test_setup_teardown(test_filebk_write_of_a_new_object_creates_its_directories_and_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_filebk_concurrent_writes_of_a_new_object_share_one_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_filebk_reads_of_a_missing_object_fail_cleanly_and_a_joining_write_creates_it, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_filebk_failed_open_fails_every_waiter_with_its_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filebk_create_on_a_full_disk_fails_every_waiter_enospc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filebk_unwritable_file_is_read_read_only_and_its_write_fails,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_filebk_eviction_spares_descriptors_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirbk_metadata_operations_overlap_and_create_makes_directories,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirbk_create_under_a_file_is_a_clear_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
