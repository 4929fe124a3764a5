/* Tests for how the io_uring loop (refimpl/loop.c) hands file I/O to the
 * kernel: refills queued by completion callbacks reach the kernel while
 * more completions wait to be run, not only after the whole burst, and a
 * lone completion costs no extra io_uring_enter, and file-system calls
 * (openat, mkdirat, statx, unlinkat, close) complete through the loop with
 * the system call's result.  (The loop's contract as
 * an executor and its file and socket I/O are tested in test_refimpl.c.)
 *
 * The reads are of a small file just written with write(2), so its pages
 * are cached and each read completes as soon as it is submitted: a batch
 * submitted together is a burst of completions waiting together, as a
 * device that completes many requests in one interrupt gives.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refimpl/loop.h"

#define QD 32
#define BLOCK 512
#define NBLOCKS 64

struct fixture {
	char dir[4096], path[4200];
	int fd;
	struct loop *l;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	const char *base = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/tiersim-loop-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/f", f->dir);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (f->fd < 0)
		return -1;
	unsigned char b[BLOCK];
	for (int i = 0; i < NBLOCKS; i++) {
		memset(b, i, sizeof b);
		if (write(f->fd, b, sizeof b) != (ssize_t)sizeof b)
			return -1;
	}
	struct err e = { 0 };
	if (loop_new(&f->l, 2 * QD, &e))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	loop_free(f->l);
	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* One reader: each completion checks its block and, while reads remain,
 * reads the next block into the same request. */
struct reader;
struct rd {
	struct loop_io io;
	struct reader *rr;
	int block;
	unsigned char buf[BLOCK];
};
struct reader {
	struct loop *l;
	int fd;
	int left;           /* reads still to issue */
	uint64_t until_ns;  /* or, when set, issue until then */
	int next_block;
	int done, bad;
	/* per callback, in order: the loop's counters when it ran */
	struct loop_stats seen[4 * QD];
	int nseen;
};

static void rd_issue(struct rd *r)
{
	struct reader *rr = r->rr;
	r->block = rr->next_block++ % NBLOCKS;
	rr->left--;
	if (loop_read(rr->l, &r->io, rr->fd, r->buf, BLOCK, (off_t)r->block * BLOCK, NULL))
		rr->bad++;
}

static void rd_done(struct loop_io *io, int res)
{
	struct rd *r = (struct rd *)io;
	struct reader *rr = r->rr;
	if (rr->nseen < (int)(sizeof rr->seen / sizeof rr->seen[0]))
		loop_get_stats(rr->l, &rr->seen[rr->nseen++]);
	rr->done++;
	if (res != BLOCK || r->buf[0] != (unsigned char)r->block || r->buf[BLOCK - 1] != (unsigned char)r->block)
		rr->bad++;
	if (rr->until_ns ? loop_now(rr->l) < rr->until_ns : rr->left > 0)
		rd_issue(r);
}

static void test_loop_submits_refills_while_a_burst_is_being_run(void **state)
{
	struct fixture *f = *state;
	static struct rd r[QD];
	struct reader rr = { .l = f->l, .fd = f->fd, .left = 3 * QD };
	for (int i = 0; i < QD; i++) {
		r[i] = (struct rd){ .io.done = rd_done, .rr = &rr };
		rd_issue(&r[i]);
	}
	struct err e = { 0 };
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_int_equal(rr.done, 3 * QD);
	assert_int_equal(rr.bad, 0);
	/* Some callback ran after another of the same wake (no sleep in
	 * between) yet after a submission: refills went out mid-burst. */
	int mid_burst = 0;
	for (int i = 1; i < rr.nseen; i++)
		if (rr.seen[i].waits == rr.seen[i - 1].waits &&
		    rr.seen[i].submit_calls > rr.seen[i - 1].submit_calls)
			mid_burst = 1;
	assert_true(mid_burst);
	struct loop_stats st;
	loop_get_stats(f->l, &st);
	assert_true(st.cqes_reaped >= 3 * QD);
	/* Batched all the same: far fewer submissions than reads. */
	assert_true(st.submit_calls < 3 * QD / 2);
}

static void test_loop_lone_completion_costs_one_enter(void **state)
{
	struct fixture *f = *state;
	static struct rd r;
	enum { N = 50 };
	struct reader rr = { .l = f->l, .fd = f->fd, .left = N };
	r = (struct rd){ .io.done = rd_done, .rr = &rr };
	rd_issue(&r);
	struct err e = { 0 };
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_int_equal(rr.done, N);
	assert_int_equal(rr.bad, 0);
	struct loop_stats st;
	loop_get_stats(f->l, &st);
	/* One submit-and-wait per read, plus the final hand-over. */
	assert_true(st.submit_calls <= N + 1);
	assert_int_equal(st.cqes_reaped, N);
}

struct stopper {
	struct loop *l;
	uint64_t fired_ns;
};

static void stop_now(void *arg)
{
	struct stopper *s = arg;
	s->fired_ns = loop_now(s->l);
	loop_stop(s->l);
}

/* Submitting from inside the reap must not let I/O that completes at once
 * keep the loop reaping forever: timers and loop_stop still get their turn. */
static void test_loop_runs_timers_while_io_completes_at_once(void **state)
{
	struct fixture *f = *state;
	static struct rd r[QD];
	uint64_t t0 = loop_now(f->l);
	struct reader rr = { .l = f->l, .fd = f->fd, .until_ns = t0 + 5000 * 1000000ull };
	for (int i = 0; i < QD; i++) {
		r[i] = (struct rd){ .io.done = rd_done, .rr = &rr };
		rd_issue(&r[i]);
	}
	struct stopper s = { .l = f->l };
	struct exec x = loop_executor(f->l);
	exec_at(&x, t0 + 10 * 1000000ull, stop_now, &s);
	struct err e = { 0 };
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_true(s.fired_ns != 0);
	assert_true(s.fired_ns - t0 < 1000 * 1000000ull);
	assert_int_equal(rr.bad, 0);
	assert_true(rr.done > 0);
	/* Let what is in flight finish before the fixture goes. */
	rr.until_ns = 1;
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
}

/* One file-system call at a time: submit, run the loop, its result. */
struct fsop {
	struct loop_io io;
	int res, done;
};

static void fsop_done(struct loop_io *io, int res)
{
	struct fsop *o = (struct fsop *)io;
	o->res = res;
	o->done++;
}

static int fs_run(struct fixture *f, struct fsop *o)
{
	struct err e = { 0 };
	assert_int_equal(o->done, 0); /* never from inside the call */
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_int_equal(o->done, 1);
	return o->res;
}

static void test_loop_file_system_calls_complete_with_their_results(void **state)
{
	struct fixture *f = *state;
	char d[4300], p[4400];
	snprintf(d, sizeof d, "%s/sub", f->dir);
	snprintf(p, sizeof p, "%s/sub/x", f->dir);
	struct fsop o = { .io.done = fsop_done };
	/* No directory yet: ENOENT, then make it, then create the file. */
	assert_int_equal(loop_openat(f->l, &o.io, AT_FDCWD, p, O_RDWR | O_CREAT | O_CLOEXEC, 0644, NULL), 0);
	assert_int_equal(fs_run(f, &o), -ENOENT);
	o.done = 0;
	assert_int_equal(loop_mkdirat(f->l, &o.io, AT_FDCWD, d, 0755, NULL), 0);
	assert_int_equal(fs_run(f, &o), 0);
	o.done = 0;
	assert_int_equal(loop_mkdirat(f->l, &o.io, AT_FDCWD, d, 0755, NULL), 0);
	assert_int_equal(fs_run(f, &o), -EEXIST);
	o.done = 0;
	assert_int_equal(loop_openat(f->l, &o.io, AT_FDCWD, p, O_RDWR | O_CREAT | O_CLOEXEC, 0644, NULL), 0);
	int fd = fs_run(f, &o);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	/* statx by descriptor and by path. */
	struct statx sx;
	memset(&sx, 0, sizeof sx);
	o.done = 0;
	assert_int_equal(loop_statx(f->l, &o.io, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx, NULL), 0);
	assert_int_equal(fs_run(f, &o), 0);
	assert_int_equal(sx.stx_size, 3);
	o.done = 0;
	assert_int_equal(loop_statx(f->l, &o.io, AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx, NULL), 0);
	assert_int_equal(fs_run(f, &o), 0);
	assert_true(S_ISREG(sx.stx_mode));
	o.done = 0;
	assert_int_equal(loop_close(f->l, &o.io, fd, NULL), 0);
	assert_int_equal(fs_run(f, &o), 0);
	assert_true(fcntl(fd, F_GETFD) < 0); /* closed */
	/* A path through a regular file: ENOTDIR. */
	snprintf(d, sizeof d, "%s/sub/x/y", f->dir);
	o.done = 0;
	assert_int_equal(loop_openat(f->l, &o.io, AT_FDCWD, d, O_RDONLY, 0, NULL), 0);
	assert_int_equal(fs_run(f, &o), -ENOTDIR);
	o.done = 0;
	assert_int_equal(loop_unlinkat(f->l, &o.io, AT_FDCWD, p, 0, NULL), 0);
	assert_int_equal(fs_run(f, &o), 0);
	o.done = 0;
	assert_int_equal(loop_statx(f->l, &o.io, AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx, NULL), 0);
	assert_int_equal(fs_run(f, &o), -ENOENT);
	snprintf(d, sizeof d, "%s/sub", f->dir);
	o.done = 0;
	assert_int_equal(loop_unlinkat(f->l, &o.io, AT_FDCWD, d, AT_REMOVEDIR, NULL), 0);
	assert_int_equal(fs_run(f, &o), 0);
	/* Refused before submission: no callback, no path. */
	struct err e = { 0 };
	struct fsop bad = { 0 };
	assert_int_equal(loop_openat(f->l, &bad.io, AT_FDCWD, p, O_RDONLY, 0, &e), -1);
	bad.io.done = fsop_done;
	assert_int_equal(loop_mkdirat(f->l, &bad.io, AT_FDCWD, NULL, 0755, &e), -1);
}

/* A detached close inside loop_run goes through io_uring and is done by
 * the time loop_run returns; outside it, at once. */
static void close_in_loop(void *arg)
{
	struct fixture *f = arg;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	loop_close_detached(f->l, fd);
	assert_true(fcntl(fd, F_GETFD) >= 0); /* queued, not closed yet */
}

static void test_loop_detached_close_closes_the_descriptor(void **state)
{
	struct fixture *f = *state;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	loop_close_detached(f->l, fd);
	assert_true(fcntl(fd, F_GETFD) < 0);
	struct exec x = loop_executor(f->l);
	int probe = open(f->path, O_RDONLY | O_CLOEXEC); /* the number the next open gets */
	assert_true(probe >= 0);
	close(probe);
	exec_at(&x, loop_now(f->l), close_in_loop, f);
	struct err e = { 0 };
	assert_int_equal(loop_run(f->l, UINT64_MAX, &e), 0);
	assert_true(fcntl(probe, F_GETFD) < 0);
}

/* The process's descriptor table size (FDSize in /proc/self/status). */
static long fd_table_size(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	assert_non_null(fp);
	char line[256];
	long n = -1;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "FDSize: %ld", &n) == 1)
			break;
	fclose(fp);
	return n;
}

/* loop_reserve_fds grows the table at once, reservations add up, and the
 * soft RLIMIT_NOFILE caps them (the kernel sizes the table in powers of
 * two, so it may come out larger). */
static void test_loop_reserve_fds_grows_the_descriptor_table_now(void **state)
{
	struct fixture *f = *state;
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	long cap = rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
	long before = fd_table_size();
	assert_true(before > 0);
	long want = before + 3000 < cap ? before + 3000 : cap;
	assert_true(before < want); /* else the test could not fail */
	loop_reserve_fds(f->l, 1500);
	loop_reserve_fds(f->l, 1500);
	assert_true(fd_table_size() >= want);
}

/* A create must not queue for an io-wq worker behind blocked writes
 * (loop.c): the bound worker limit is the loop's queue depth, above the
 * kernel's default of 4 per CPU. */
static void test_loop_iowq_has_a_worker_per_operation_in_flight(void **state)
{
	struct fixture *f = *state;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	assert_true(cpus > 0 && 4 * cpus < 2 * QD); /* else the default would pass */
	unsigned bound = loop_iowq_bound_workers(f->l);
	if (bound == 0)
		skip(); /* a kernel before 5.15 */
	assert_int_equal(bound, 2 * QD); /* setup's loop_new */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loop_submits_refills_while_a_burst_is_being_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_lone_completion_costs_one_enter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_runs_timers_while_io_completes_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_file_system_calls_complete_with_their_results, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_loop_detached_close_closes_the_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_reserve_fds_grows_the_descriptor_table_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_iowq_has_a_worker_per_operation_in_flight, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
