/* Tests for the real executor and the real backends (refimpl/): the
 * io_uring loop (timers, file I/O, socket readiness), safe file names,
 * the deterministic content generator, the hot-tier file backend, the
 * warm-tier directory backend, and the shared data path (sim/path.c) run
 * over them for real.
 *
 * Files live in a fresh directory made with mkdtemp under $TMPDIR (or
 * /tmp) and removed at the end of each test.  Timing tolerances are loose
 * (a loaded machine), but "never early" is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refimpl/content.h"
#include "refimpl/realtiers.h"
#include "refimpl/dirbk.h"
#include "refimpl/filebk.h"
#include "refimpl/loop.h"
#include "refimpl/names.h"
#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/path.h"
#include "sim/policy.h"

#define MS 1000000ull
#define LATE_NS (50 * MS) /* how late a timer may fire on a loaded machine */

static struct loop *new_loop(unsigned depth)
{
	struct loop *l;
	struct err e = { 0 };
	if (loop_new(&l, depth, &e))
		fail_msg("loop_new: %s", e.msg);
	return l;
}

static void run(struct loop *l, uint64_t until)
{
	struct err e = { 0 };
	if (loop_run(l, until, &e))
		fail_msg("loop_run: %s", e.msg);
}

/* ---- timers ---- */

struct fired {
	struct loop *l;
	int order[64];
	uint64_t at[64];
	int n;
};

struct tmark {
	struct fired *f;
	int id;
};

static void mark(void *arg)
{
	struct tmark *m = arg;
	m->f->order[m->f->n] = m->id;
	m->f->at[m->f->n] = loop_now(m->f->l);
	m->f->n++;
}

static void test_timers_fire_in_deadline_order_never_early(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	struct fired f = { .l = l };
	uint64_t t0 = exec_now(&x);
	const uint64_t delay[] = { 30 * MS, 10 * MS, 20 * MS, 1 * MS };
	struct tmark m[4];
	for (int i = 0; i < 4; i++) {
		m[i] = (struct tmark){ &f, i };
		assert_true(exec_at(&x, t0 + delay[i], mark, &m[i]) != 0);
	}
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 4);
	const int want[] = { 3, 1, 2, 0 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f.order[i], want[i]);
		uint64_t deadline = t0 + delay[want[i]];
		assert_true(f.at[i] >= deadline);
		assert_true(f.at[i] < deadline + LATE_NS);
	}
	loop_free(l);
}

static void test_timers_at_equal_deadlines_keep_their_order(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	struct fired f = { .l = l };
	uint64_t t = exec_now(&x) + 2 * MS;
	struct tmark m[20];
	for (int i = 0; i < 20; i++) {
		m[i] = (struct tmark){ &f, i };
		exec_at(&x, t, mark, &m[i]);
	}
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(f.order[i], i);
	loop_free(l);
}

static void test_timer_in_the_past_runs_now(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	struct fired f = { .l = l };
	struct tmark m = { &f, 7 };
	exec_at(&x, 0, mark, &m);
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 1);
	loop_free(l);
}

static void test_cancelled_timer_does_not_fire(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	struct fired f = { .l = l };
	struct tmark a = { &f, 1 }, b = { &f, 2 };
	uint64_t ha = exec_after(&x, 5 * MS, mark, &a);
	exec_after(&x, 6 * MS, mark, &b);
	assert_int_equal(exec_cancel(&x, ha), 1);
	assert_int_equal(exec_cancel(&x, ha), 0);
	assert_int_equal(exec_cancel(&x, 0), 0);
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.order[0], 2);
	loop_free(l);
}

static void test_run_until_stops_at_the_time_and_resumes(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	struct fired f = { .l = l };
	struct tmark a = { &f, 1 }, b = { &f, 2 };
	uint64_t t0 = exec_now(&x);
	exec_at(&x, t0 + 5 * MS, mark, &a);
	exec_at(&x, t0 + 60 * MS, mark, &b);
	run(l, t0 + 20 * MS);
	uint64_t back = exec_now(&x);
	assert_int_equal(f.n, 1);
	assert_true(back >= t0 + 20 * MS);
	assert_true(back < t0 + 60 * MS);
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 2);
	assert_true(f.at[1] >= t0 + 60 * MS);
	loop_free(l);
}

static void stop_cb(void *arg)
{
	loop_stop(arg);
}

static void test_loop_stop_returns_with_timers_pending(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	struct fired f = { .l = l };
	struct tmark a = { &f, 1 };
	exec_after(&x, 1 * MS, stop_cb, l);
	exec_after(&x, 3000 * MS, mark, &a);
	uint64_t t0 = exec_now(&x);
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 0);
	assert_true(exec_now(&x) - t0 < 1000 * MS);
	loop_free(l);
}

/* loop_restart_clock: refused while a timer is pending; accepted when idle,
 * and the time then counts from 0 again (a run's set-up is not its time). */
static void test_loop_restart_clock_only_when_idle(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	struct fired f = { .l = l };
	struct tmark a = { &f, 1 };
	exec_after(&x, 30 * MS, mark, &a);
	struct err e = { 0 };
	assert_int_equal(loop_restart_clock(l, &e), -1);
	assert_non_null(strstr(e.msg, "1 timers"));
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 1);
	assert_true(exec_now(&x) >= 30 * MS);
	assert_int_equal(loop_restart_clock(l, &e), 0);
	assert_true(exec_now(&x) < 30 * MS);
	/* Timers set after the restart are on the new time. */
	struct tmark b = { &f, 2 };
	exec_after(&x, 5 * MS, mark, &b);
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 2);
	assert_true(f.at[1] >= 5 * MS && f.at[1] < 30 * MS);
	loop_free(l);
}

struct chain {
	struct exec x;
	int left;
};

static void chain_cb(void *arg)
{
	struct chain *c = arg;
	if (--c->left > 0)
		exec_after(&c->x, 0, chain_cb, c);
}

static void test_timers_scheduled_from_callbacks_run(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct chain c = { loop_executor(l), 10000 };
	exec_after(&c.x, 0, chain_cb, &c);
	run(l, UINT64_MAX);
	assert_int_equal(c.left, 0);
	loop_free(l);
}

/* ---- socket readiness ---- */

struct wstate {
	struct loop *l;
	int calls, last_rev, last_fd;
	int drain, unwatch_after;
};

static void on_fd(void *ctx, int fd, int rev)
{
	struct wstate *w = ctx;
	w->calls++;
	w->last_rev = rev;
	w->last_fd = fd;
	if (w->drain) {
		char buf[64];
		while (read(fd, buf, sizeof buf) > 0)
			;
	}
	if (w->calls >= w->unwatch_after)
		loop_watch(w->l, fd, 0, NULL, NULL, NULL);
}

struct wr {
	int fd;
};

static void write_byte(void *arg)
{
	struct wr *w = arg;
	assert_int_equal(write(w->fd, "x", 1), 1);
}

static void test_watch_reports_readable_when_data_arrives(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	struct wstate w = { .l = l, .drain = 1, .unwatch_after = 1 };
	struct err e = { 0 };
	assert_int_equal(loop_watch(l, p[0], LOOP_IN, on_fd, &w, &e), 0);
	struct wr wr = { p[1] };
	uint64_t t0 = exec_now(&x);
	exec_after(&x, 5 * MS, write_byte, &wr);
	run(l, t0 + 2000 * MS);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.last_rev, LOOP_IN);
	assert_int_equal(w.last_fd, p[0]);
	assert_true(exec_now(&x) - t0 < 1000 * MS); /* returned: nothing left */
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void test_watch_is_level_triggered_while_watched(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	struct wstate w = { .l = l, .drain = 0, .unwatch_after = 3 };
	assert_int_equal(loop_watch(l, p[0], LOOP_IN, on_fd, &w, NULL), 0);
	run(l, loop_now(l) + 2000 * MS);
	assert_int_equal(w.calls, 3);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void test_watch_reports_writable(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	struct wstate w = { .l = l, .unwatch_after = 1 };
	assert_int_equal(loop_watch(l, p[1], LOOP_OUT, on_fd, &w, NULL), 0);
	run(l, loop_now(l) + 2000 * MS);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.last_rev, LOOP_OUT);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void test_unwatched_fd_is_not_reported(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct exec x = loop_executor(l);
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	struct wstate w = { .l = l, .unwatch_after = 100 };
	assert_int_equal(loop_watch(l, p[0], LOOP_IN, on_fd, &w, NULL), 0);
	run(l, loop_now(l) + 2 * MS); /* the poll is armed in the kernel */
	assert_int_equal(loop_watch(l, p[0], 0, NULL, NULL, NULL), 0);
	struct wr wr = { p[1] };
	exec_after(&x, 1 * MS, write_byte, &wr);
	struct fired f = { .l = l };
	struct tmark m = { &f, 1 };
	exec_after(&x, 20 * MS, mark, &m);
	run(l, UINT64_MAX);
	assert_int_equal(f.n, 1);
	assert_int_equal(w.calls, 0);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void test_watch_switches_from_read_to_write(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	int sv[2];
	assert_int_equal(pipe2(sv, O_NONBLOCK), 0);
	struct wstate w = { .l = l, .unwatch_after = 1 };
	/* The write end of an empty pipe is never readable; switching the
	 * watch to LOOP_OUT must report it writable. */
	assert_int_equal(loop_watch(l, sv[1], LOOP_IN, on_fd, &w, NULL), 0);
	run(l, loop_now(l) + 2 * MS);
	assert_int_equal(w.calls, 0);
	assert_int_equal(loop_watch(l, sv[1], LOOP_OUT, on_fd, &w, NULL), 0);
	run(l, loop_now(l) + 2000 * MS);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.last_rev, LOOP_OUT);
	close(sv[0]);
	close(sv[1]);
	loop_free(l);
}

static void test_watch_rejects_a_negative_fd(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct err e = { 0 };
	assert_int_equal(loop_watch(l, -1, LOOP_IN, on_fd, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "-1"));
	loop_free(l);
}

/* ---- file I/O through the loop ---- */

static char tmpdir_buf[4096];

static const char *mk_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir_buf, sizeof tmpdir_buf, "%s/tiersim-refimpl-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir_buf))
		fail_msg("mkdtemp %s: %s", tmpdir_buf, strerror(errno));
	return tmpdir_buf;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(p, 0700);
	return remove(p);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct iorec {
	struct loop_io io;
	int res;
	int done;
};

static void io_done(struct loop_io *io, int res)
{
	struct iorec *r = (struct iorec *)io;
	r->res = res;
	r->done++;
}

static void test_loop_write_then_read_returns_the_bytes(void **state)
{
	(void)state;
	const char *dir = mk_tmpdir();
	char path[4200];
	snprintf(path, sizeof path, "%s/f", dir);
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	struct loop *l = new_loop(8);
	char out[1000], in[1000];
	for (int i = 0; i < 1000; i++)
		out[i] = (char)(i * 7);
	struct iorec w = { .io.done = io_done }, r = { .io.done = io_done };
	assert_int_equal(loop_write(l, &w.io, fd, out, sizeof out, 100, NULL), 0);
	assert_int_equal(w.done, 0); /* never from inside the call */
	run(l, UINT64_MAX);
	assert_int_equal(w.res, 1000);
	assert_int_equal(loop_read(l, &r.io, fd, in, sizeof in, 100, NULL), 0);
	run(l, UINT64_MAX);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res, 1000);
	assert_memory_equal(in, out, sizeof in);
	close(fd);
	loop_free(l);
	rm_tree(dir);
}

static void test_loop_takes_more_io_than_its_queue_holds(void **state)
{
	(void)state;
	const char *dir = mk_tmpdir();
	char path[4200];
	snprintf(path, sizeof path, "%s/f", dir);
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096 * 64), 0);
	struct loop *l = new_loop(8);
	static struct iorec r[300];
	static char buf[300][64];
	for (int i = 0; i < 300; i++) {
		r[i] = (struct iorec){ .io.done = io_done };
		assert_int_equal(loop_read(l, &r[i].io, fd, buf[i], 64, (off_t)(i % 64) * 4096, NULL), 0);
	}
	run(l, UINT64_MAX);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(r[i].done, 1);
		assert_int_equal(r[i].res, 64);
	}
	close(fd);
	loop_free(l);
	rm_tree(dir);
}

static void test_loop_read_of_a_bad_fd_completes_with_ebadf(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	char buf[8];
	struct iorec r = { .io.done = io_done };
	assert_int_equal(loop_read(l, &r.io, 1000, buf, sizeof buf, 0, NULL), 0);
	run(l, UINT64_MAX);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res, -EBADF);
	loop_free(l);
}


/* ---- content ---- */

static void test_content_of_a_range_matches_the_whole(void **state)
{
	(void)state;
	static unsigned char whole[10000], part[777];
	content_fill(whole, 42, 0, sizeof whole);
	content_fill(part, 42, 13, sizeof part);
	assert_memory_equal(part, whole + 13, sizeof part);
	assert_int_equal(content_check(whole + 5, 42, 5, 9000, NULL), 0);
}

static void test_content_differs_between_objects_and_offsets(void **state)
{
	(void)state;
	unsigned char a[64], b[64], c[64];
	content_fill(a, 1, 0, sizeof a);
	content_fill(b, 2, 0, sizeof b);
	content_fill(c, 1, 64, sizeof c);
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, c, sizeof a);
}

static void test_content_check_names_the_first_wrong_byte(void **state)
{
	(void)state;
	static unsigned char buf[9000];
	content_fill(buf, 7, 100, sizeof buf);
	buf[5000] ^= 1;
	buf[6000] ^= 1;
	uint64_t bad = 0;
	assert_int_equal(content_check(buf, 7, 100, sizeof buf, &bad), -1);
	assert_int_equal(bad, 5100);
	assert_int_equal(content_check(buf, 8, 100, 10, NULL), -1);
}

/* The layout content.h documents, worked by hand for object 3: word w of
 * block b at index i is splitmix64(splitmix64(3) + b) + i * K.  Block 1's
 * base is computed here from splitmix64's published finaliser. */
static uint64_t t_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_content_follows_the_documented_layout(void **state)
{
	(void)state;
	uint64_t got[2];
	content_fill(got, 3, 4096 + 8 * 5, sizeof got); /* block 1, words 5 and 6 */
	uint64_t base = t_mix(t_mix(3) + 1);
	assert_true(got[0] == base + 5 * 0x9e3779b97f4a7c15ull);
	assert_true(got[1] == base + 6 * 0x9e3779b97f4a7c15ull);
}

/* What a broken data path would do: blocks of one object swapped, or data
 * shifted by a word; each is caught at the first moved byte. */
static void test_content_check_catches_swapped_blocks_and_shifts(void **state)
{
	(void)state;
	static unsigned char buf[3 * 4096], tmp[4096];
	content_fill(buf, 11, 0, sizeof buf);
	memcpy(tmp, buf + 4096, 4096);
	memcpy(buf + 4096, buf + 8192, 4096);
	memcpy(buf + 8192, tmp, 4096);
	uint64_t bad = 0;
	assert_int_equal(content_check(buf, 11, 0, sizeof buf, &bad), -1);
	assert_int_equal(bad, 4096);
	content_fill(buf, 11, 8, sizeof buf); /* the range one word later */
	assert_int_equal(content_check(buf, 11, 0, sizeof buf, &bad), -1);
	assert_int_equal(bad, 0);
	assert_int_equal(content_check(buf + 4000, 11, 4008, 500, NULL), 0);
}

/* ---- the --cold URL ---- */

static void test_cold_url_forms(void **state)
{
	(void)state;
	char ep[256], acc[64], cont[64];
	struct err e = { 0 };
	assert_int_equal(rt_parse_cold_url("https://acct.blob.core.windows.net/data", ep, sizeof ep, acc, sizeof acc,
					   cont, sizeof cont, &e), 0);
	assert_string_equal(ep, "https://acct.blob.core.windows.net");
	assert_string_equal(acc, "acct");
	assert_string_equal(cont, "data");
	assert_int_equal(rt_parse_cold_url("http://127.0.0.1:10000/devstoreaccount1/c1", ep, sizeof ep, acc,
					   sizeof acc, cont, sizeof cont, &e), 0);
	assert_string_equal(ep, "http://127.0.0.1:10000/devstoreaccount1");
	assert_string_equal(acc, "devstoreaccount1");
	assert_string_equal(cont, "c1");
	/* One '/' at the end changes nothing, in either form; the scheme's
	 * case does not matter. */
	assert_int_equal(rt_parse_cold_url("http://127.0.0.1:10000/devstoreaccount1/c1/", ep, sizeof ep, acc,
					   sizeof acc, cont, sizeof cont, &e), 0);
	assert_string_equal(acc, "devstoreaccount1");
	assert_string_equal(cont, "c1");
	assert_int_equal(rt_parse_cold_url("HTTPS://acct.blob.core.windows.net/data/", ep, sizeof ep, acc, sizeof acc,
					   cont, sizeof cont, &e), 0);
	assert_string_equal(ep, "HTTPS://acct.blob.core.windows.net");
	assert_string_equal(acc, "acct");
	assert_string_equal(cont, "data");
	assert_int_equal(rt_parse_cold_url("http://devstoreaccount1.localhost:10000/c2", ep, sizeof ep, acc,
					   sizeof acc, cont, sizeof cont, &e), 0);
	assert_string_equal(acc, "devstoreaccount1");
	assert_string_equal(cont, "c2");
	/* A host that carries the account takes the container alone: a
	 * second segment was read as ACCOUNT/CONTAINER, and signed for an
	 * account named after the container. */
	const char *prefixed[] = { "https://acct.blob.core.windows.net/data/pfx",
				   "http://devstoreaccount1.localhost:10000/odd-sizes/pfx" };
	for (size_t i = 0; i < sizeof prefixed / sizeof *prefixed; i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(rt_parse_cold_url(prefixed[i], ep, sizeof ep, acc, sizeof acc, cont, sizeof cont, &e),
				 -1);
		assert_non_null(strstr(e.msg, "the account is in the host name"));
	}
	/* One segment after an IP address or a bare host name is an account
	 * with no container, not a container of account "127". */
	const char *bad[] = { "http://127.0.0.1:10000/devstoreaccount1", "http://localhost:10000/devstoreaccount1",
			      "http://[::1]:10000/devstoreaccount1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(rt_parse_cold_url(bad[i], ep, sizeof ep, acc, sizeof acc, cont, sizeof cont, &e), -1);
		assert_non_null(strstr(e.msg, "no container"));
	}
	/* A bad host or port is bad input (exit 2), said so; it was an
	 * endpoint that "does not answer" after its retries (exit 1). */
	static const struct {
		const char *url, *want;
	} auth[] = {
		{ "http://127.0.0.1:99999/a/c", "port \"99999\" is not 1 to 65535" },
		{ "http://127.0.0.1:65536/a/c", "port \"65536\" is not 1 to 65535" },
		{ "http://127.0.0.1:abc/a/c", "port \"abc\" is not 1 to 65535" },
		{ "http://127.0.0.1:0/a/c", "port \"0\" is not 1 to 65535" },
		{ "http://127.0.0.1:/a/c", "port \"\" is not 1 to 65535" },
		{ "http://:10000/a/c", "no host" },
		{ "http://[]:10000/a/c", "no host" },
		{ "http:///devstoreaccount1/c", "no host" },
		{ "http://", "no host" },
	};
	for (size_t i = 0; i < sizeof auth / sizeof *auth; i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(rt_parse_cold_url(auth[i].url, ep, sizeof ep, acc, sizeof acc, cont, sizeof cont, &e), -1);
		if (e.code != ERR_INPUT || !strstr(e.msg, auth[i].want))
			fail_msg("%s: %s", auth[i].url, e.msg);
	}
	assert_int_equal(rt_parse_cold_url("http://[::1]:65535/a/c", ep, sizeof ep, acc, sizeof acc, cont, sizeof cont,
					   &e),
			 0);
}

/* The messages about a --cold URL quote it, so what can hold a credential
 * -- a query, a user name -- is refused first, unquoted; a bad account
 * name or an endpoint too long for its buffer is refused, not cut. */
static void test_cold_url_refusals_never_quote_credentials(void **state)
{
	(void)state;
	char ep[256], acc[64], cont[64];
	static const char *const secret[] = { "https://acct.blob.core.windows.net?sv=1&sig=S3CR3T",
					      "http://127.0.0.1:10000/devstoreaccount1?sig=S3CR3T",
					      "https://user:S3CR3T@acct.blob.core.windows.net/data",
					      "https://acct.blob.core.windows.net/data#S3CR3T" };
	for (size_t i = 0; i < sizeof secret / sizeof *secret; i++) {
		struct err e = { 0 };
		assert_int_equal(rt_parse_cold_url(secret[i], ep, sizeof ep, acc, sizeof acc, cont, sizeof cont, &e), -1);
		assert_int_equal(e.code, ERR_INPUT);
		assert_non_null(strstr(e.msg, "--cold"));
		assert_null(strstr(e.msg, "S3CR3T"));
	}
	struct err e = { 0 };
	assert_int_equal(rt_parse_cold_url("http://127.0.0.1:10000/dev$account/c1", ep, sizeof ep, acc, sizeof acc, cont,
					   sizeof cont, &e), -1);
	assert_non_null(strstr(e.msg, "account name"));
	assert_int_equal(rt_parse_cold_url("https://acct.blob.core.windows.net/data", ep, 20, acc, sizeof acc, cont,
					   sizeof cont, &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
}

/* ---- names ---- */

static void test_object_names_have_a_fixed_layout_and_parse_back(void **state)
{
	(void)state;
	const uint64_t ids[] = { 0, 1, 0x1234, UINT64_MAX, 0x8000000000000000ull };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		char p[NAMES_OBJ_LEN + 1], d[NAMES_OBJ_DIR_LEN + 1];
		names_obj_path(p, ids[i]);
		names_obj_dir(d, ids[i]);
		assert_int_equal(strlen(p), NAMES_OBJ_LEN);
		assert_int_equal(p[2], '/');
		assert_int_equal(p[5], '/');
		assert_memory_equal(p, d, NAMES_OBJ_DIR_LEN);
		uint64_t back = 0;
		assert_int_equal(names_obj_parse(p + 6, &back), 0);
		assert_true(back == ids[i]);
	}
	char p[NAMES_OBJ_LEN + 1];
	names_obj_path(p, 0x4d2);
	assert_string_equal(p + 6, "00000000000004d2");
	uint64_t id;
	assert_int_equal(names_obj_parse("00000000000004D2", &id), -1);
	assert_int_equal(names_obj_parse("00000000000004d", &id), -1);
	assert_int_equal(names_obj_parse("00000000000004d21", &id), -1);
	assert_int_equal(names_obj_parse("../../etc/passwd", &id), -1);
}

static void test_sequential_ids_spread_over_the_fanout(void **state)
{
	(void)state;
	static unsigned char seen[256];
	int distinct = 0;
	for (uint64_t id = 0; id < 4096; id++) {
		char d[NAMES_OBJ_DIR_LEN + 1];
		names_obj_dir(d, id);
		unsigned v = (unsigned)strtoul((char[3]){ d[0], d[1], 0 }, NULL, 16);
		if (!seen[v]++)
			distinct++;
	}
	assert_true(distinct > 240); /* of 256 first-level directories */
}

static const struct {
	const char *key;
	size_t len;
} hostile[] = {
	{ "..", 2 },         { ".", 1 },           { "../etc/passwd", 13 }, { "/etc/passwd", 11 },
	{ "a/../../b", 9 },  { "a\0b", 3 },        { "%", 1 },              { "%2F", 3 },
	{ ".hidden", 7 },    { "a..b", 4 },        { "\xff\xfe\x80", 3 },   { "x\n\ty", 4 },
	{ "dir/sub/file", 12 }, { "\\..\\x", 5 },  { "ok-name_1.txt", 13 },
};

static void test_hostile_keys_stay_in_their_directory_and_decode_back(void **state)
{
	(void)state;
	const char *dir = mk_tmpdir();
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		char name[NAMES_MAX + 1], back[NAMES_MAX + 1];
		struct err e = { 0 };
		int n = names_key_encode(hostile[i].key, hostile[i].len, name, sizeof name, &e);
		assert_true(n > 0);
		assert_int_equal((size_t)n, strlen(name));
		assert_null(strchr(name, '/'));
		assert_true(name[0] != '.');
		int m = names_key_decode(name, back, sizeof back, &e);
		assert_int_equal(m, (int)hostile[i].len);
		assert_memory_equal(back, hostile[i].key, hostile[i].len);
		/* The file made from the name is an entry of dir itself. */
		char p[8192];
		assert_int_equal(names_join(p, sizeof p, dir, name, &e), 0);
		int fd = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t files = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			files++;
	closedir(d);
	assert_int_equal(files, sizeof hostile / sizeof hostile[0]);
	rm_tree(dir);
}

static void test_empty_and_overlong_keys_are_refused(void **state)
{
	(void)state;
	char name[1024], key[300];
	struct err e = { 0 };
	assert_int_equal(names_key_encode("", 0, name, sizeof name, &e), -1);
	assert_non_null(strstr(e.msg, "empty"));
	memset(key, 'a', sizeof key);
	assert_int_equal(names_key_encode(key, 255, name, sizeof name, &e), 255);
	assert_int_equal(names_key_encode(key, 256, name, sizeof name, &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
	memset(key, '/', 100); /* 100 bytes that escape to 300 */
	assert_int_equal(names_key_encode(key, 100, name, sizeof name, &e), -1);
	assert_int_equal(names_key_encode(key, 10, name, 8, &e), -1); /* buffer */
}

static void test_decoding_refuses_what_encoding_never_makes(void **state)
{
	(void)state;
	const char *bad[] = { "", ".", "..", ".x", "a/b", "%41", "%2f", "%", "%2", "%G0", "a b", "\x80" };
	char out[300];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct err e = { 0 };
		assert_int_equal(names_key_decode(bad[i], out, sizeof out, &e), -1);
		assert_true(e.msg[0] != '\0');
	}
}

static void test_join_refuses_escaping_relative_names(void **state)
{
	(void)state;
	char out[64];
	struct err e = { 0 };
	assert_int_equal(names_join(out, sizeof out, "/d", "ab/cd/x", &e), 0);
	assert_string_equal(out, "/d/ab/cd/x");
	const char *bad[] = { "", "/etc", "..", "a/../b", "a//b", "./a", "a/." };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(names_join(out, sizeof out, "/d", bad[i], &e), -1);
	char longname[100];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(names_join(out, sizeof out, "/d", longname, &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
}

/* ---- the hot-tier file backend ---- */

struct fbt {
	struct loop *l;
	struct backend b;
	char dir[4096];
	int ndone;
	int order[256];
};

struct treq {
	struct bk_req r;
	struct fbt *t;
	int id;
	int done;
};

static void treq_done(struct bk_req *r)
{
	struct treq *q = (struct treq *)r;
	q->done++;
	q->t->order[q->t->ndone++ % 256] = q->id;
}

static void fbt_open(struct fbt *t, unsigned qd, enum filebk_direct direct, filebk_fault_fn fault, void *fctx)
{
	memset(t, 0, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "%s", mk_tmpdir());
	t->l = new_loop(64);
	struct filebk_cfg cfg = { .dir = t->dir, .queue_depth = qd, .direct = direct, .fault = fault,
				  .fault_ctx = fctx };
	struct err e = { 0 };
	if (filebk_new(&t->b, t->l, &cfg, &e))
		fail_msg("filebk_new: %s", e.msg);
}

static void fbt_close(struct fbt *t)
{
	t->b.ops->destroy(t->b.self);
	loop_free(t->l);
	rm_tree(t->dir);
}

static void treq_init(struct treq *q, struct fbt *t, enum bk_op op, uint64_t obj, uint64_t off, uint64_t len,
		      void *buf)
{
	memset(q, 0, sizeof *q);
	q->r = (struct bk_req){ .op = op, .object = obj, .offset = off, .length = len, .buf = buf, .done = treq_done };
	q->t = t;
}

/* Submits one request and runs the loop until it completes. */
static int do_op(struct fbt *t, enum bk_op op, uint64_t obj, uint64_t off, uint64_t len, void *buf)
{
	struct treq q;
	treq_init(&q, t, op, obj, off, len, buf);
	assert_int_equal(bk_submit(&t->b, &q.r), 0);
	assert_int_equal(q.done, 0); /* never from inside submit */
	run(t->l, UINT64_MAX);
	assert_int_equal(q.done, 1);
	return q.r.status;
}

static int fs_supports_direct(const char *dir)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/.probe", dir);
	int fd = open(p, O_CREAT | O_RDWR | O_DIRECT, 0644);
	if (fd >= 0)
		close(fd);
	unlink(p);
	return fd >= 0;
}

static void roundtrip(enum filebk_direct mode)
{
	struct fbt t;
	fbt_open(&t, 8, mode, NULL, NULL);
	if (mode == FILEBK_DIRECT_OFF)
		assert_int_equal(filebk_direct(&t.b), 0);
	else
		assert_int_equal(filebk_direct(&t.b), fs_supports_direct(t.dir));
	/* Buffer-less write: the object's content; read it back. */
	const size_t n = 64 * 1024;
	unsigned char *buf;
	assert_int_equal(posix_memalign((void **)&buf, 4096, n), 0);
	assert_int_equal(do_op(&t, BK_WRITE, 5, 0, n, NULL), BK_OK);
	memset(buf, 0, n);
	assert_int_equal(do_op(&t, BK_READ, 5, 0, n, buf), BK_OK);
	assert_int_equal(content_check(buf, 5, 0, n, NULL), 0);
	/* The caller's bytes. */
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 31 + 7);
	assert_int_equal(do_op(&t, BK_WRITE, 6, 8192, n, buf), BK_OK);
	unsigned char *in = malloc(n);
	assert_int_equal(do_op(&t, BK_READ, 6, 8192, n, in), BK_OK); /* unaligned buffer: bounced */
	assert_memory_equal(in, buf, n);
	assert_int_equal(filebk_ops(&t.b, BK_READ), 2);
	assert_int_equal(filebk_ops(&t.b, BK_WRITE), 2);
	free(in);
	free(buf);
	fbt_close(&t);
}

static void test_filebk_write_then_read_gives_the_same_bytes(void **state)
{
	(void)state;
	roundtrip(FILEBK_DIRECT_AUTO);
}

static void test_filebk_buffered_mode_gives_the_same_bytes(void **state)
{
	(void)state;
	roundtrip(FILEBK_DIRECT_OFF);
}

static void test_filebk_unaligned_ranges_round_trip(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 8, FILEBK_DIRECT_AUTO, NULL, NULL);
	assert_int_equal(do_op(&t, BK_WRITE, 9, 0, 3 * 4096, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_WRITE, 9, 1000, 10000, NULL), BK_OK); /* same content, unaligned */
	unsigned char buf[333];
	assert_int_equal(do_op(&t, BK_READ, 9, 4321, sizeof buf, buf), BK_OK);
	assert_int_equal(content_check(buf, 9, 4321, sizeof buf, NULL), 0);
	fbt_close(&t);
}

/* Under O_DIRECT an unaligned read is widened to whole blocks and read
 * direct: the bytes of the range come back, also where the file ends in
 * the middle of a block, and a range past the end is a short read.  (The
 * file is written from a caller's buffer, which goes the buffered way and
 * so ends where the write does.) */
static void test_filebk_unaligned_reads_are_widened_to_blocks(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 8, FILEBK_DIRECT_AUTO, NULL, NULL);
	unsigned char buf[4500];
	content_fill(buf, 12, 0, sizeof buf);
	assert_int_equal(do_op(&t, BK_WRITE, 12, 0, 4500, buf), BK_OK); /* the file ends inside block 1 */
	assert_int_equal(do_op(&t, BK_READ, 12, 4321, 179, buf), BK_OK); /* up to the end */
	assert_int_equal(content_check(buf, 12, 4321, 179, NULL), 0);
	assert_int_equal(do_op(&t, BK_READ, 12, 100, 4400, buf), BK_OK); /* across the block boundary */
	assert_int_equal(content_check(buf, 12, 100, 4400, NULL), 0);
	assert_int_equal(do_op(&t, BK_READ, 12, 4400, 200, buf), BK_EIO); /* 100 bytes past the end */
	fbt_close(&t);
}

/* Under O_DIRECT an unaligned write of content (no caller buffer: the
 * data path's) is widened to the whole blocks around it, generated whole,
 * and written direct: [1000, 5500) of a new file writes blocks [0, 8192).
 * Nothing of it stays in the page cache (a buffered write would leave
 * dirty pages, which every later direct read of them must write back
 * first), and all 8192 bytes are the object's. */
static void test_filebk_unaligned_writes_of_content_go_direct_in_whole_blocks(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 8, FILEBK_DIRECT_AUTO, NULL, NULL);
	if (!filebk_direct(&t.b)) { /* no O_DIRECT here (tmpfs): nothing to show */
		fbt_close(&t);
		skip();
	}
	assert_int_equal(do_op(&t, BK_WRITE, 13, 1000, 4500, NULL), BK_OK);
	char rel[NAMES_OBJ_LEN + 1], p[8192];
	names_obj_path(rel, 13);
	snprintf(p, sizeof p, "%s/%s", t.dir, rel);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 8192);
	void *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	unsigned char vec[2];
	assert_int_equal(mincore(m, 8192, vec), 0);
	assert_int_equal(vec[0] & 1, 0);
	assert_int_equal(vec[1] & 1, 0);
	munmap(m, 8192);
	close(fd);
	static unsigned char buf[8192];
	assert_int_equal(do_op(&t, BK_READ, 13, 0, sizeof buf, buf), BK_OK);
	assert_int_equal(content_check(buf, 13, 0, sizeof buf, NULL), 0);
	fbt_close(&t);
}

static void test_filebk_creates_files_in_the_fanout_layout(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 8, FILEBK_DIRECT_AUTO, NULL, NULL);
	assert_int_equal(do_op(&t, BK_WRITE, 0x4d2, 0, 4096, NULL), BK_OK);
	char rel[NAMES_OBJ_LEN + 1], p[8192], q[8192];
	names_obj_path(rel, 0x4d2);
	snprintf(p, sizeof p, "%s/%s", t.dir, rel);
	assert_int_equal(filebk_path(&t.b, 0x4d2, q, sizeof q), 0);
	assert_string_equal(p, q);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4096);
	fbt_close(&t);
}

static void test_filebk_keeps_at_most_queue_depth_in_flight(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 4, FILEBK_DIRECT_AUTO, NULL, NULL);
	assert_int_equal(do_op(&t, BK_WRITE, 1, 0, 64 * 4096, NULL), BK_OK);
	static struct treq q[64];
	for (int i = 0; i < 64; i++) {
		treq_init(&q[i], &t, BK_READ, 1, (uint64_t)i * 4096, 4096, NULL);
		q[i].id = i;
		assert_int_equal(bk_submit(&t.b, &q[i].r), 0);
	}
	run(t.l, UINT64_MAX);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(q[i].done, 1);
		assert_int_equal(q[i].r.status, BK_OK);
	}
	assert_int_equal(filebk_max_inflight(&t.b), 4);
	fbt_close(&t);
}

static void test_filebk_at_depth_one_completes_in_submission_order(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 1, FILEBK_DIRECT_AUTO, NULL, NULL);
	assert_int_equal(do_op(&t, BK_WRITE, 1, 0, 16 * 4096, NULL), BK_OK);
	t.ndone = 0;
	static struct treq q[16];
	for (int i = 0; i < 16; i++) {
		treq_init(&q[i], &t, BK_READ, 1, (uint64_t)(15 - i) * 4096, 4096, NULL);
		q[i].id = i;
		bk_submit(&t.b, &q[i].r);
	}
	run(t.l, UINT64_MAX);
	assert_int_equal(t.ndone, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(t.order[i], i);
	fbt_close(&t);
}

static void test_filebk_missing_object_is_enoent(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 4, FILEBK_DIRECT_AUTO, NULL, NULL);
	char buf[4096];
	assert_int_equal(do_op(&t, BK_READ, 77, 0, sizeof buf, buf), BK_ENOENT);
	assert_non_null(strstr(filebk_last_error(&t.b), "No such file"));
	assert_non_null(strstr(filebk_last_error(&t.b), t.dir));
	fbt_close(&t);
}

static void test_filebk_short_read_is_an_error_never_zero_filled(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 4, FILEBK_DIRECT_AUTO, NULL, NULL);
	unsigned char *buf;
	assert_int_equal(posix_memalign((void **)&buf, 4096, 4096), 0);
	/* A caller's bytes: a write of content would fill the block whole. */
	content_fill(buf, 3, 0, 1000);
	assert_int_equal(do_op(&t, BK_WRITE, 3, 0, 1000, buf), BK_OK);
	assert_int_equal(do_op(&t, BK_READ, 3, 0, 4096, buf), BK_EIO);
	assert_non_null(strstr(filebk_last_error(&t.b), "short read: 1000 of 4096 bytes"));
	assert_int_equal(do_op(&t, BK_READ, 3, 500, 1000, buf), BK_EIO);
	assert_non_null(strstr(filebk_last_error(&t.b), "short read: 500 of 1000 bytes"));
	free(buf);
	fbt_close(&t);
}

static int fault_errno;

static int inject(void *ctx, enum bk_op op, uint64_t obj, uint64_t off, uint64_t len)
{
	(void)off;
	(void)len;
	int *which = ctx;
	return (op == BK_WRITE && obj == (uint64_t)*which) || (obj == 1000 + (uint64_t)*which) ? -fault_errno : 0;
}

static void test_filebk_disk_full_is_enospc(void **state)
{
	(void)state;
	struct fbt t;
	int which = 4;
	fault_errno = ENOSPC;
	fbt_open(&t, 4, FILEBK_DIRECT_AUTO, inject, &which);
	assert_int_equal(do_op(&t, BK_WRITE, 3, 0, 4096, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_WRITE, 4, 0, 4096, NULL), BK_ENOSPC);
	assert_non_null(strstr(filebk_last_error(&t.b), "No space left on device"));
	fbt_close(&t);
}

static void test_filebk_no_permission_is_a_clear_error(void **state)
{
	(void)state;
	struct fbt t;
	int which = 5;
	fault_errno = EACCES;
	/* Root ignores permissions: inject the error; otherwise make it. */
	int root = geteuid() == 0;
	fbt_open(&t, 4, FILEBK_DIRECT_AUTO, root ? inject : NULL, &which);
	uint64_t obj = 1005;
	assert_int_equal(do_op(&t, BK_WRITE, root ? 8 : obj, 0, 4096, NULL), BK_OK);
	char p[8192];
	filebk_path(&t.b, obj, p, sizeof p);
	if (!root) {
		*strrchr(p, '/') = '\0';
		assert_int_equal(chmod(p, 0), 0);
		filebk_forget(&t.b, obj);
	}
	char buf[4096];
	assert_int_equal(do_op(&t, BK_READ, obj, 0, sizeof buf, buf), BK_EIO);
	assert_non_null(strstr(filebk_last_error(&t.b), "Permission denied"));
	fbt_close(&t);
}

static void test_filebk_missing_directory_fails_at_creation(void **state)
{
	(void)state;
	struct loop *l = new_loop(8);
	struct backend b;
	struct err e = { 0 };
	struct filebk_cfg cfg = { .dir = "/nonexistent/tiersim/hot" };
	assert_int_equal(filebk_new(&b, l, &cfg, &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/tiersim/hot"));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	cfg.dir = "/etc/passwd";
	assert_int_equal(filebk_new(&b, l, &cfg, &e), -1);
	assert_non_null(strstr(e.msg, "not a directory"));
	loop_free(l);
}

static void test_filebk_answers_metadata_ops_enotsup(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 4, FILEBK_DIRECT_AUTO, NULL, NULL);
	assert_int_equal(do_op(&t, BK_LOOKUP, 1, 0, 0, NULL), BK_ENOTSUP);
	fbt_close(&t);
}

static void test_filebk_verify_catches_wrong_content(void **state)
{
	(void)state;
	struct fbt t;
	memset(&t, 0, sizeof t);
	snprintf(t.dir, sizeof t.dir, "%s", mk_tmpdir());
	t.l = new_loop(64);
	struct filebk_cfg cfg = { .dir = t.dir, .verify = 1 };
	assert_int_equal(filebk_new(&t.b, t.l, &cfg, NULL), 0);
	static unsigned char zeros[8192];
	assert_int_equal(do_op(&t, BK_WRITE, 2, 0, sizeof zeros, zeros), BK_OK);
	assert_int_equal(do_op(&t, BK_WRITE, 3, 0, sizeof zeros, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_READ, 3, 0, sizeof zeros, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_READ, 2, 0, sizeof zeros, NULL), BK_EIO);
	assert_non_null(strstr(filebk_last_error(&t.b), "wrong content at byte 0"));
	fbt_close(&t);
}

/* time_content counts the bytes checked and generated, and some CPU for
 * them: a buffer-less write of 1 MiB is generated (1 MiB), a caller's
 * buffer is not; a buffer-less read is checked (1 MiB), a read into the
 * caller's buffer is not.  Without time_content, nothing is counted. */
static void test_filebk_times_its_content_work_when_asked(void **state)
{
	(void)state;
	for (int timed = 0; timed < 2; timed++) {
		struct fbt t;
		memset(&t, 0, sizeof t);
		snprintf(t.dir, sizeof t.dir, "%s", mk_tmpdir());
		t.l = new_loop(64);
		struct filebk_cfg cfg = { .dir = t.dir, .verify = 1, .time_content = timed };
		assert_int_equal(filebk_new(&t.b, t.l, &cfg, NULL), 0);
		const size_t n = 1u << 20;
		unsigned char *buf;
		assert_int_equal(posix_memalign((void **)&buf, 4096, n), 0);
		memset(buf, 1, n);
		assert_int_equal(do_op(&t, BK_WRITE, 4, 0, n, NULL), BK_OK);
		assert_int_equal(do_op(&t, BK_WRITE, 5, 0, n, buf), BK_OK);
		assert_int_equal(do_op(&t, BK_READ, 4, 0, n, NULL), BK_OK);
		assert_int_equal(do_op(&t, BK_READ, 5, 0, n, buf), BK_OK);
		struct filebk_content c;
		filebk_content(&t.b, &c);
		assert_int_equal(c.fill_bytes, timed ? n : 0);
		assert_int_equal(c.check_bytes, timed ? n : 0);
		assert_true(timed ? c.fill_ns > 0 && c.check_ns > 0 : c.fill_ns == 0 && c.check_ns == 0);
		free(buf);
		fbt_close(&t);
	}
}

static void test_filebk_exports_the_modelled_metric_names(void **state)
{
	(void)state;
	struct fbt t;
	fbt_open(&t, 4, FILEBK_DIRECT_AUTO, NULL, NULL);
	assert_int_equal(do_op(&t, BK_WRITE, 1, 0, 8192, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_READ, 1, 0, 4096, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_READ, 1, 4096, 4096, NULL), BK_OK);
	struct met_registry *m = met_new();
	assert_int_equal(t.b.ops->export(t.b.self, "tier.hot", m, loop_now(t.l)), 0);
	assert_true(met_find(m, "tier.hot.read.ops")->value == 2);
	assert_true(met_find(m, "tier.hot.read.bytes")->value == 8192);
	assert_true(met_find(m, "tier.hot.write.ops")->value == 1);
	assert_non_null(met_find(m, "tier.hot.read.bandwidth"));
	assert_true(met_find(m, "tier.hot.direct")->value == fs_supports_direct(t.dir));
	int found = 0;
	for (size_t i = 0; i < met_nhists(m); i++) {
		const struct met_named_hist *h = met_hist_at(m, i);
		if (!strcmp(h->name, "tier.hot.read.latency")) {
			found = 1;
			assert_int_equal(hist_count(h->h), 2);
			assert_true(hist_min(h->h) > 0);
		}
	}
	assert_true(found);
	t.b.ops->reset_stats(t.b.self);
	assert_int_equal(filebk_ops(&t.b, BK_READ), 0);
	met_free(m);
	fbt_close(&t);
}


/* ---- the warm-tier directory backend ---- */

static void dbt_open(struct fbt *t, filebk_fault_fn fault, void *fctx)
{
	memset(t, 0, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "%s", mk_tmpdir());
	t->l = new_loop(64);
	struct dirbk_cfg cfg = { .dir = t->dir, .fault = fault, .fault_ctx = fctx };
	struct err e = { 0 };
	if (dirbk_new(&t->b, t->l, &cfg, &e))
		fail_msg("dirbk_new: %s", e.msg);
}

static void test_dirbk_metadata_ops_are_counted_and_timed(void **state)
{
	(void)state;
	struct fbt t;
	dbt_open(&t, NULL, NULL);
	const enum bk_op ops[] = { BK_CREATE, BK_LOOKUP, BK_GETATTR, BK_OPEN, BK_READDIR };
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		assert_int_equal(do_op(&t, ops[i], 11, 0, 0, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_WRITE, 11, 0, 8192, NULL), BK_OK);
	char buf[8192];
	assert_int_equal(do_op(&t, BK_READ, 11, 0, sizeof buf, buf), BK_OK);
	assert_int_equal(content_check(buf, 11, 0, sizeof buf, NULL), 0);
	assert_int_equal(do_op(&t, BK_GETATTR, 11, 0, 0, NULL), BK_OK); /* on the data path's fd */
	assert_int_equal(do_op(&t, BK_UNLINK, 11, 0, 0, NULL), BK_OK);
	assert_int_equal(do_op(&t, BK_LOOKUP, 11, 0, 0, NULL), BK_ENOENT);
	assert_int_equal(dirbk_ops(&t.b, BK_CREATE), 1);
	assert_int_equal(dirbk_ops(&t.b, BK_LOOKUP), 1);
	assert_int_equal(dirbk_ops(&t.b, BK_GETATTR), 2);
	assert_int_equal(dirbk_ops(&t.b, BK_OPEN), 1);
	assert_int_equal(dirbk_ops(&t.b, BK_READDIR), 1);
	assert_int_equal(dirbk_ops(&t.b, BK_UNLINK), 1);
	assert_int_equal(dirbk_ops(&t.b, BK_READ), 1);
	struct met_registry *m = met_new();
	assert_int_equal(t.b.ops->export(t.b.self, "tier.warm", m, loop_now(t.l)), 0);
	assert_true(met_find(m, "tier.warm.getattr.ops")->value == 2);
	assert_true(met_find(m, "tier.warm.read.bytes")->value == 8192);
	assert_true(met_find(m, "tier.warm.meta_errors")->value == 1);
	int found = 0;
	for (size_t i = 0; i < met_nhists(m); i++)
		if (!strcmp(met_hist_at(m, i)->name, "tier.warm.lookup.latency"))
			found = hist_count(met_hist_at(m, i)->h) == 1;
	assert_true(found);
	met_free(m);
	fbt_close(&t);
}

static void test_dirbk_metadata_of_a_missing_object_is_enoent(void **state)
{
	(void)state;
	struct fbt t;
	dbt_open(&t, NULL, NULL);
	const enum bk_op ops[] = { BK_LOOKUP, BK_GETATTR, BK_OPEN, BK_UNLINK, BK_READDIR };
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		assert_int_equal(do_op(&t, ops[i], 12, 0, 0, NULL), BK_ENOENT);
		assert_non_null(strstr(dirbk_last_error(&t.b), t.dir));
		assert_non_null(strstr(dirbk_last_error(&t.b), "No such file"));
	}
	assert_int_equal(do_op(&t, BK_HEAD, 12, 0, 0, NULL), BK_ENOTSUP);
	fbt_close(&t);
}

static void test_dirbk_metadata_faults_are_clear_errors(void **state)
{
	(void)state;
	struct fbt t;
	int which = 13;
	fault_errno = EACCES;
	dbt_open(&t, inject, &which);
	assert_int_equal(do_op(&t, BK_CREATE, 1013, 0, 0, NULL), BK_EIO);
	assert_non_null(strstr(dirbk_last_error(&t.b), "create"));
	assert_non_null(strstr(dirbk_last_error(&t.b), "Permission denied"));
	fbt_close(&t);
}

/* ---- the data path over the real backends ---- */

struct pres {
	int n, failed;
	uint64_t bytes;
};

static void path_cb(void *ctx, int status, uint64_t bytes)
{
	struct pres *r = ctx;
	r->n++;
	r->failed += status != BK_OK;
	r->bytes += bytes;
}

static void test_data_path_runs_over_real_backends(void **state)
{
	(void)state;
	enum { CHUNK = 64 * 1024, OBJ = 2 * CHUNK, NOBJ = 4 };
	char hot_dir[4096], warm_dir[4096];
	snprintf(hot_dir, sizeof hot_dir, "%s", mk_tmpdir());
	snprintf(warm_dir, sizeof warm_dir, "%s", mk_tmpdir());
	struct loop *l = new_loop(64);
	struct exec x = loop_executor(l);
	struct err e = { 0 };
	struct backend hot, warm;
	struct filebk_cfg hc = { .dir = hot_dir, .verify = 1 };
	struct dirbk_cfg wc = { .dir = warm_dir, .verify = 1 };
	assert_int_equal(filebk_new(&hot, l, &hc, &e), 0);
	assert_int_equal(dirbk_new(&warm, l, &wc, &e), 0);
	/* Populate the warm tier with each object's content. */
	static struct treq pop[NOBJ];
	struct fbt t = { .l = l };
	for (int o = 0; o < NOBJ; o++) {
		treq_init(&pop[o], &t, BK_WRITE, (uint64_t)o + 1, 0, OBJ, NULL);
		assert_int_equal(bk_submit(&warm, &pop[o].r), 0);
	}
	run(l, UINT64_MAX);
	for (int o = 0; o < NOBJ; o++)
		assert_int_equal(pop[o].r.status, BK_OK);
	warm.ops->reset_stats(warm.self);

	struct path_tier_cfg tiers[2] = {
		{ .name = "hot", .capacity_bytes = 4 * CHUNK, .policy = &pol_lru_ops, .data = hot },
		{ .name = "warm", .data = warm, .meta = warm, .meta_kind = PATH_META_FILE,
		  .meta_ttl_ns = 60000 * MS },
	};
	struct path_cfg pc = { .chunk_bytes = CHUNK, .n_tiers = 2, .tiers = tiers };
	struct path *p = path_new(&x, &pc, &e);
	if (!p)
		fail_msg("path_new: %s", e.msg);
	struct pres r1 = { 0 };
	for (int o = 0; o < NOBJ; o++)
		assert_int_equal(path_read(p, (uint64_t)o + 1, OBJ, 0, OBJ, path_cb, &r1, &e), 0);
	run(l, UINT64_MAX);
	assert_int_equal(r1.n, NOBJ);
	assert_int_equal(r1.failed, 0);
	assert_int_equal(r1.bytes, (uint64_t)NOBJ * OBJ);
	const struct path_tier_stats *hs = path_tier_stats(p, 0), *ws = path_tier_stats(p, 1);
	assert_int_equal(hs->misses, 2 * NOBJ);
	/* Every count the path keeps is an operation the real backends did. */
	assert_int_equal(dirbk_ops(&warm, BK_READ) * CHUNK, ws->read_bytes);
	assert_int_equal(filebk_ops(&hot, BK_WRITE) * CHUNK, hs->fill_bytes);
	assert_true(hs->fill_bytes > 0);
	assert_int_equal(dirbk_ops(&warm, BK_LOOKUP), ws->meta_ops[BK_LOOKUP]);
	assert_int_equal(dirbk_ops(&warm, BK_OPEN), ws->meta_ops[BK_OPEN]);
	assert_int_equal(ws->meta_ops[BK_LOOKUP], NOBJ);

	/* Again, most recent first: what the hot tier holds (the last two
	 * objects) is served from its files, verified. */
	assert_true(path_tier_holds(p, 0, NOBJ, 0));
	struct pres r2 = { 0 };
	for (int o = NOBJ; o > 0; o--)
		assert_int_equal(path_read(p, (uint64_t)o, OBJ, 0, OBJ, path_cb, &r2, &e), 0);
	run(l, UINT64_MAX);
	assert_int_equal(r2.n, NOBJ);
	assert_int_equal(r2.failed, 0);
	assert_int_equal(hs->hits, 4);
	assert_int_equal(filebk_ops(&hot, BK_READ), hs->hits);
	assert_int_equal(path_inflight(p), 0);
	assert_int_equal(path_failed(p, NULL), 0);

	path_free(p);
	hot.ops->destroy(hot.self);
	warm.ops->destroy(warm.self);
	loop_free(l);
	rm_tree(hot_dir);
	rm_tree(warm_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order_never_early),
		cmocka_unit_test(test_timers_at_equal_deadlines_keep_their_order),
		cmocka_unit_test(test_timer_in_the_past_runs_now),
		cmocka_unit_test(test_cancelled_timer_does_not_fire),
		cmocka_unit_test(test_run_until_stops_at_the_time_and_resumes),
		cmocka_unit_test(test_loop_stop_returns_with_timers_pending),
		cmocka_unit_test(test_loop_restart_clock_only_when_idle),
		cmocka_unit_test(test_timers_scheduled_from_callbacks_run),
		cmocka_unit_test(test_watch_reports_readable_when_data_arrives),
		cmocka_unit_test(test_watch_is_level_triggered_while_watched),
		cmocka_unit_test(test_watch_reports_writable),
		cmocka_unit_test(test_unwatched_fd_is_not_reported),
		cmocka_unit_test(test_watch_switches_from_read_to_write),
		cmocka_unit_test(test_watch_rejects_a_negative_fd),
		cmocka_unit_test(test_loop_write_then_read_returns_the_bytes),
		cmocka_unit_test(test_loop_takes_more_io_than_its_queue_holds),
		cmocka_unit_test(test_loop_read_of_a_bad_fd_completes_with_ebadf),
		cmocka_unit_test(test_content_of_a_range_matches_the_whole),
		cmocka_unit_test(test_content_differs_between_objects_and_offsets),
		cmocka_unit_test(test_content_check_names_the_first_wrong_byte),
		cmocka_unit_test(test_content_follows_the_documented_layout),
		cmocka_unit_test(test_cold_url_forms),
		cmocka_unit_test(test_cold_url_refusals_never_quote_credentials),
		cmocka_unit_test(test_content_check_catches_swapped_blocks_and_shifts),
		cmocka_unit_test(test_object_names_have_a_fixed_layout_and_parse_back),
		cmocka_unit_test(test_sequential_ids_spread_over_the_fanout),
		cmocka_unit_test(test_hostile_keys_stay_in_their_directory_and_decode_back),
		cmocka_unit_test(test_empty_and_overlong_keys_are_refused),
		cmocka_unit_test(test_decoding_refuses_what_encoding_never_makes),
		cmocka_unit_test(test_join_refuses_escaping_relative_names),
		cmocka_unit_test(test_filebk_write_then_read_gives_the_same_bytes),
		cmocka_unit_test(test_filebk_buffered_mode_gives_the_same_bytes),
		cmocka_unit_test(test_filebk_unaligned_ranges_round_trip),
		cmocka_unit_test(test_filebk_unaligned_reads_are_widened_to_blocks),
		cmocka_unit_test(test_filebk_unaligned_writes_of_content_go_direct_in_whole_blocks),
		cmocka_unit_test(test_filebk_creates_files_in_the_fanout_layout),
		cmocka_unit_test(test_filebk_keeps_at_most_queue_depth_in_flight),
		cmocka_unit_test(test_filebk_at_depth_one_completes_in_submission_order),
		cmocka_unit_test(test_filebk_missing_object_is_enoent),
		cmocka_unit_test(test_filebk_short_read_is_an_error_never_zero_filled),
		cmocka_unit_test(test_filebk_disk_full_is_enospc),
		cmocka_unit_test(test_filebk_no_permission_is_a_clear_error),
		cmocka_unit_test(test_filebk_missing_directory_fails_at_creation),
		cmocka_unit_test(test_filebk_answers_metadata_ops_enotsup),
		cmocka_unit_test(test_filebk_verify_catches_wrong_content),
		cmocka_unit_test(test_filebk_times_its_content_work_when_asked),
		cmocka_unit_test(test_filebk_exports_the_modelled_metric_names),
		cmocka_unit_test(test_dirbk_metadata_ops_are_counted_and_timed),
		cmocka_unit_test(test_dirbk_metadata_of_a_missing_object_is_enoent),
		cmocka_unit_test(test_dirbk_metadata_faults_are_clear_errors),
		cmocka_unit_test(test_data_path_runs_over_real_backends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
