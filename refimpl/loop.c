/*
 * loop — the real executor: timers, file I/O and socket readiness in one
 * io_uring event loop (see loop.h for the contract).
 *
 * Timers are the project's pending-event set (sim/evq.h, the 4-ary heap):
 * the same (time, sequence) ordering as the DES engine, so callbacks at
 * equal deadlines run in the order they were set, and cancel is O(log n)
 * with stale handles harmless.  Executor time is CLOCK_MONOTONIC ns since
 * loop_new; a timer never runs before its deadline (it runs when the clock
 * has reached it, so callbacks see now() >= t).
 *
 * One iteration of loop_run:
 *   1. run the timers that are due (at most TIMER_BATCH, so a callback that
 *      keeps scheduling "now" cannot starve I/O);
 *   2. queue what could not get a submission entry before (SQ full);
 *   3. submit every queued SQE and wait for one completion with a timeout
 *      at the next timer deadline (a CQ overflow backlog, which is what
 *      keeps SQEs from being taken, makes that wait return at once): one io_uring_enter per iteration
 *      (io_uring_submit_and_wait_timeout), so the loop sleeps in the kernel
 *      and never spins;
 *   4. reap completions in batches of REAP_BATCH and call their callbacks;
 *      after each batch that leaves completions waiting, hand what the
 *      callbacks queued to the kernel (io_uring_submit) before reaping the
 *      next batch.
 *
 * Why step 4 submits between batches.  A device often completes many
 * requests at once (the virtual disk this was measured on completes a QD 32
 * burst of 4 KiB reads in one interrupt).  If the refills those callbacks
 * queue waited for step 3 of the next iteration, the device would sit idle
 * while every callback of the burst ran: bench/refio measured 80-86% of
 * fio's 4 KiB random-read throughput that way, with the device idle for the
 * whole turnaround.  Submitting after every REAP_BATCH callbacks lets the
 * first refills reach the device while the rest of the burst is processed
 * (92-100% of fio), at one io_uring_enter per REAP_BATCH I/Os, where fio
 * makes one per I/O.  REAP_BATCH 8: 1, 2 and 8 measured alike in throughput,
 * 8 with the least CPU; 64 (the whole burst) is the slow case above.
 *
 * user_data of an SQE tells its completion apart:
 *   0 or LIBURING_UDATA_TIMEOUT   ignored (poll removals; liburing's own
 *                                 timeout on old kernels)
 *   bit 0 set                     a poll: (gen << 32) | (fd << 1) | 1; a
 *                                 completion whose gen is not the watch's
 *                                 current one is stale and ignored
 *   otherwise                     a struct loop_io * (8-byte aligned)
 *
 * File-system calls (openat, mkdirat, statx, unlinkat, close) are
 * struct loop_io requests like reads and writes: the same user_data, the
 * same FIFO when the SQ is full, the same in-flight count.  io_uring tries
 * each without blocking first and hands the ones that must wait (a lookup
 * that misses the dentry cache, any mkdirat, an NFS server's answer) to
 * its io-wq workers, so the loop's thread never waits for the file system.
 *
 * Close goes through io_uring too (loop_close_detached).  On a local file
 * system close(2) of a regular file is cheap (it drops a reference; the
 * last fput is deferred), but on NFS it flushes the file's dirty pages and
 * waits for the server (close-to-open consistency), which is the blocking
 * this loop exists to avoid; io_uring runs such a close (a file with a
 * flush method) on a worker and any other inline at submission.
 *
 * Failures handled: -EINTR (retry), -ETIME (the timeout: normal), -EBUSY
 * and -EAGAIN from a full CQ with overflowed completions pending (reap,
 * then retry; the CQ is 4x the SQ to make that rare), SQ full (submit what
 * is queued and retry; if the kernel still refuses, file I/O waits in a
 * FIFO and polls are armed on a later iteration).
 */
#include "refimpl/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/evq.h"

#define TIMER_BATCH 4096
#define REAP_BATCH LOOP_REAP_BATCH

enum { OP_READ = 1, OP_WRITE, OP_OPENAT, OP_MKDIRAT, OP_STATX, OP_UNLINKAT, OP_CLOSE, OP_FALLOCATE };

struct watch {
	loop_fd_fn fn;
	void *ctx;
	int events;       /* watched (LOOP_IN | LOOP_OUT); 0: not watched */
	int armed;        /* events of the poll in flight; 0: none */
	int need_arm;     /* could not get an SQE: arm on the next iteration */
	uint32_t gen;     /* generation of the poll in flight */
};

struct loop {
	struct io_uring ring;
	const struct evq_ops *qo;
	void *q;
	uint64_t t0;              /* CLOCK_MONOTONIC at loop_new or loop_restart_clock */
	int stop;
	const volatile sig_atomic_t *intr; /* loop_set_interrupt: ends loop_run when non-zero */
	int running;              /* inside loop_run */
	int oom;                  /* a timer could not be queued */
	uint64_t events;
	struct loop_stats st;
	size_t io_inflight;       /* file I/O accepted and not yet completed */
	struct watch *w;          /* indexed by fd */
	size_t nw;
	size_t nwatched;
	size_t need_arm;          /* watches with need_arm set */
	uint32_t gen;
	struct loop_io *defer_head, *defer_tail; /* file I/O waiting for an SQE */
	int fd_base;              /* the lowest free descriptor at loop_new */
	unsigned fd_reserved;     /* descriptors reserved above it (loop_reserve_fds) */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t loop_now(const struct loop *l)
{
	return mono_ns() - l->t0;
}

int loop_restart_clock(struct loop *l, struct err *e)
{
	if (l->qo->size(l->q) || l->io_inflight)
		return err_set(e, ERR_FAIL, "event loop: clock restarted with %zu timers and %zu operations pending",
			       l->qo->size(l->q), l->io_inflight);
	l->t0 = mono_ns();
	return 0;
}

/* ---- the executor ---- */

static uint64_t lx_now(void *self)
{
	return loop_now(self);
}

static uint64_t lx_call_at(void *self, uint64_t t_ns, exec_fn fn, void *arg)
{
	struct loop *l = self;
	uint64_t now = loop_now(l);
	uint64_t h = l->qo->push(l->q, t_ns < now ? now : t_ns, fn, arg);
	if (!h)
		l->oom = 1;
	return h;
}

static int lx_cancel(void *self, uint64_t id)
{
	struct loop *l = self;
	return id ? l->qo->cancel(l->q, id) : 0;
}

static const struct exec_ops loop_exec_ops = {
	.now = lx_now,
	.call_at = lx_call_at,
	.cancel = lx_cancel,
};

struct exec loop_executor(struct loop *l)
{
	return (struct exec){ .ops = &loop_exec_ops, .self = l };
}

/* ---- life ---- */

int loop_new(struct loop **out, unsigned queue_depth, struct err *e)
{
	*out = NULL;
	if (queue_depth < 8)
		queue_depth = 8;
	struct loop *l = calloc(1, sizeof *l);
	if (!l)
		return err_set(e, ERR_FAIL, "event loop: out of memory");
	l->qo = &evq_heap;
	if (!(l->q = l->qo->create())) {
		free(l);
		return err_set(e, ERR_FAIL, "event loop: out of memory");
	}
	/* COOP_TASKRUN (5.19): completions are run when we enter the kernel,
	 * which we do every iteration anyway, instead of by interrupting us. */
	static const unsigned flag_sets[] = { IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN,
					      IORING_SETUP_CQSIZE, 0 };
	int rc = -EINVAL;
	for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
		struct io_uring_params p;
		memset(&p, 0, sizeof p);
		p.flags = flag_sets[i];
		p.cq_entries = 4 * queue_depth;
		rc = io_uring_queue_init_params(queue_depth, &l->ring, &p);
		if (rc != -EINVAL)
			break;
	}
	if (rc < 0) {
		l->qo->destroy(l->q);
		free(l);
		return err_set(e, ERR_FAIL, "event loop: io_uring_queue_init (%u entries): %s", queue_depth,
			       strerror(-rc));
	}
	l->t0 = mono_ns();
	/* io-wq's bound workers (the ones that run file work that blocks):
	 * the kernel's default is min(SQ entries, 4 x CPUs), 8 on a 2-core
	 * machine.  Blocking work holds a worker for as long as it blocks, and
	 * an extending O_DIRECT write on ext4 blocks for the whole transfer
	 * with the file's i_rwsem held, so a checkpoint's writes filled all 8
	 * and a create chain (MKDIRAT, OPENAT O_CREAT) queued behind them:
	 * make validate's checkpoint measured half its creates at 10-40 ms
	 * against 0.3 ms at the probe (perf sched_switch: the workers asleep
	 * in down_write in ext4_file_write_iter).  As many workers as
	 * operations can be in flight, so that no operation waits for a worker
	 * while another waits for a lock; they are made only when work blocks.
	 * Checkpoint case, 3 runs each, alternating: the slowest create 5-6
	 * ms (hot) and 1-2 ms (warm) against 17-27 and 22-39 ms with 8; the
	 * warm write p99 4.5-6.6 ms against 21-29 ms.
	 * Old kernels (before 5.15) lack the call: their default stands. */
	unsigned workers[2] = { queue_depth, 0 }; /* bound, unbound (0: unchanged) */
	(void)io_uring_register_iowq_max_workers(&l->ring, workers);
	int probe_fd = dup(l->ring.ring_fd);
	if (probe_fd >= 0) {
		l->fd_base = probe_fd;
		close(probe_fd);
	}
	*out = l;
	return 0;
}

unsigned loop_iowq_bound_workers(struct loop *l)
{
	unsigned workers[2] = { 0, 0 }; /* 0, 0: only read them */
	return io_uring_register_iowq_max_workers(&l->ring, workers) < 0 ? 0 : workers[0];
}

void loop_reserve_fds(struct loop *l, unsigned n)
{
	l->fd_reserved += n;
	struct rlimit rl;
	long want = (long)l->fd_base + l->fd_reserved;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && want >= (long)rl.rlim_cur)
		want = (long)rl.rlim_cur - 1;
	/* A descriptor numbered want makes the kernel size the table for it;
	 * closing it does not shrink the table. */
	int fd = fcntl(l->ring.ring_fd, F_DUPFD_CLOEXEC, (int)want);
	if (fd >= 0)
		close(fd);
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	io_uring_queue_exit(&l->ring);
	l->qo->destroy(l->q);
	free(l->w);
	free(l);
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}

uint64_t loop_events(const struct loop *l)
{
	return l->events;
}

void loop_thread_cpu(double *user_s, double *sys_s)
{
	struct rusage ru;
	*user_s = *sys_s = 0;
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return;
	*user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

double loop_thread_cpu_s(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void loop_get_stats(const struct loop *l, struct loop_stats *out)
{
	*out = l->st;
}

/* io_uring_submit, counted; retried on EINTR.  Returns its result. */
static int submit(struct loop *l)
{
	int rc;
	do
		rc = io_uring_submit(&l->ring);
	while (rc == -EINTR);
	l->st.submit_calls++;
	return rc;
}

/* An SQE, submitting what is queued if the SQ is full; NULL if the kernel
 * takes nothing now (CQ overflow backlog). */
static struct io_uring_sqe *get_sqe(struct loop *l)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
	if (sqe)
		return sqe;
	submit(l);
	return io_uring_get_sqe(&l->ring);
}

/* ---- file I/O ---- */

static void io_prep(struct loop *l, struct io_uring_sqe *sqe, struct loop_io *io)
{
	switch (io->op) {
	case OP_READ:
		io_uring_prep_read(sqe, io->fd, io->buf, (unsigned)io->len, (uint64_t)io->off);
		break;
	case OP_WRITE:
		io_uring_prep_write(sqe, io->fd, io->buf, (unsigned)io->len, (uint64_t)io->off);
		break;
	case OP_OPENAT:
		io_uring_prep_openat(sqe, io->fd, io->path, io->flags, io->mode);
		break;
	case OP_MKDIRAT:
		io_uring_prep_mkdirat(sqe, io->fd, io->path, io->mode);
		break;
	case OP_STATX:
		io_uring_prep_statx(sqe, io->fd, io->path, io->flags, io->mode, io->buf);
		break;
	case OP_UNLINKAT:
		io_uring_prep_unlinkat(sqe, io->fd, io->path, io->flags);
		break;
	case OP_FALLOCATE: /* mode in flags, the range in off and len */
		io_uring_prep_fallocate(sqe, io->fd, io->flags, (uint64_t)io->off, (uint64_t)io->len);
		break;
	default:
		io_uring_prep_close(sqe, io->fd);
		break;
	}
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)io);
	l->events++;
}

/* Counts io in flight and gives it an SQE, or queues it for one. */
static int io_start(struct loop *l, struct loop_io *io)
{
	io->next = NULL;
	l->io_inflight++;
	struct io_uring_sqe *sqe = l->defer_head ? NULL : get_sqe(l);
	if (sqe) {
		io_prep(l, sqe, io);
		return 0;
	}
	if (l->defer_tail)
		l->defer_tail->next = io;
	else
		l->defer_head = io;
	l->defer_tail = io;
	return 0;
}

static int io_queue(struct loop *l, struct loop_io *io, int op, int fd, void *buf, size_t len, off_t off,
		    struct err *e)
{
	if (!io || !io->done)
		return err_set(e, ERR_FAIL, "event loop: I/O request without a callback");
	if (fd < 0)
		return err_set(e, ERR_FAIL, "event loop: I/O on a bad file descriptor (%d)", fd);
	if (len > 0x7ffff000u)
		return err_set(e, ERR_FAIL, "event loop: I/O of %zu bytes is too large (at most 2 GiB)", len);
	io->op = op;
	io->fd = fd;
	io->buf = buf;
	io->len = len;
	io->off = off;
	return io_start(l, io);
}

/* A file-system call: io's fields as io_prep reads them. */
static int fs_queue(struct loop *l, struct loop_io *io, int op, int dfd, const char *path, int flags,
		    unsigned mode, void *out, struct err *e)
{
	if (!io || !io->done)
		return err_set(e, ERR_FAIL, "event loop: file-system request without a callback");
	if (op != OP_CLOSE && !path)
		return err_set(e, ERR_FAIL, "event loop: file-system request without a path");
	io->op = op;
	io->fd = dfd;
	io->path = path;
	io->flags = flags;
	io->mode = mode;
	io->buf = out;
	io->len = 0;
	io->off = 0;
	return io_start(l, io);
}

int loop_openat(struct loop *l, struct loop_io *io, int dfd, const char *path, int flags, unsigned mode,
		struct err *e)
{
	return fs_queue(l, io, OP_OPENAT, dfd, path, flags, mode, NULL, e);
}

int loop_mkdirat(struct loop *l, struct loop_io *io, int dfd, const char *path, unsigned mode, struct err *e)
{
	return fs_queue(l, io, OP_MKDIRAT, dfd, path, 0, mode, NULL, e);
}

int loop_statx(struct loop *l, struct loop_io *io, int dfd, const char *path, int flags, unsigned mask,
	       struct statx *out, struct err *e)
{
	if (!out)
		return err_set(e, ERR_FAIL, "event loop: statx without a result buffer");
	return fs_queue(l, io, OP_STATX, dfd, path, flags, mask, out, e);
}

int loop_unlinkat(struct loop *l, struct loop_io *io, int dfd, const char *path, int flags, struct err *e)
{
	return fs_queue(l, io, OP_UNLINKAT, dfd, path, flags, 0, NULL, e);
}

int loop_fallocate(struct loop *l, struct loop_io *io, int fd, int mode, off_t off, off_t len, struct err *e)
{
	if (!io || !io->done)
		return err_set(e, ERR_FAIL, "event loop: file-system request without a callback");
	if (fd < 0 || off < 0 || len <= 0)
		return err_set(e, ERR_FAIL, "event loop: fallocate of a bad descriptor or range (%d, %lld, %lld)", fd,
			       (long long)off, (long long)len);
	io->op = OP_FALLOCATE;
	io->fd = fd;
	io->path = NULL;
	io->flags = mode;
	io->mode = 0;
	io->buf = NULL;
	io->len = (size_t)len;
	io->off = off;
	return io_start(l, io);
}

int loop_close(struct loop *l, struct loop_io *io, int fd, struct err *e)
{
	if (fd < 0)
		return err_set(e, ERR_FAIL, "event loop: close of a bad file descriptor (%d)", fd);
	return fs_queue(l, io, OP_CLOSE, fd, NULL, 0, 0, NULL, e);
}

void loop_close_detached(struct loop *l, int fd)
{
	if (fd < 0)
		return;
	struct io_uring_sqe *sqe = l->running ? get_sqe(l) : NULL;
	if (!sqe) {
		close(fd);
		return;
	}
	io_uring_prep_close(sqe, fd);
	io_uring_sqe_set_data64(sqe, 0); /* no callback: reap ignores it */
	l->events++;
}

int loop_read(struct loop *l, struct loop_io *io, int fd, void *buf, size_t len, off_t off, struct err *e)
{
	return io_queue(l, io, OP_READ, fd, buf, len, off, e);
}

int loop_write(struct loop *l, struct loop_io *io, int fd, const void *buf, size_t len, off_t off, struct err *e)
{
	return io_queue(l, io, OP_WRITE, fd, (void *)(uintptr_t)buf, len, off, e);
}

static void flush_deferred(struct loop *l)
{
	while (l->defer_head) {
		struct io_uring_sqe *sqe = get_sqe(l);
		if (!sqe)
			return;
		struct loop_io *io = l->defer_head;
		l->defer_head = io->next;
		if (!l->defer_head)
			l->defer_tail = NULL;
		io_prep(l, sqe, io);
	}
}

/* ---- socket readiness ---- */

static unsigned poll_mask(int events)
{
	return (events & LOOP_IN ? POLLIN : 0) | (events & LOOP_OUT ? POLLOUT : 0);
}

static uint64_t poll_ud(uint32_t gen, int fd)
{
	return ((uint64_t)gen << 32) | ((uint64_t)(uint32_t)fd << 1) | 1;
}

static void watch_arm(struct loop *l, int fd)
{
	struct watch *w = &l->w[fd];
	struct io_uring_sqe *sqe = get_sqe(l);
	if (!sqe) {
		if (!w->need_arm) {
			w->need_arm = 1;
			l->need_arm++;
		}
		return;
	}
	if (w->need_arm) {
		w->need_arm = 0;
		l->need_arm--;
	}
	w->gen = ++l->gen;
	w->armed = w->events;
	io_uring_prep_poll_add(sqe, fd, poll_mask(w->events));
	io_uring_sqe_set_data64(sqe, poll_ud(w->gen, fd));
	l->events++;
}

/* Cancels the poll in flight; its completion (-ECANCELED, or a late
 * readiness) carries the old generation and is ignored. */
static void watch_disarm(struct loop *l, int fd)
{
	struct watch *w = &l->w[fd];
	if (w->armed) {
		struct io_uring_sqe *sqe = get_sqe(l);
		if (sqe) {
			io_uring_prep_poll_remove(sqe, poll_ud(w->gen, fd));
			io_uring_sqe_set_data64(sqe, 0);
			l->events++;
		}
		w->armed = 0;
		w->gen = ++l->gen;
	}
	if (w->need_arm) {
		w->need_arm = 0;
		l->need_arm--;
	}
}

int loop_watch(struct loop *l, int fd, int events, loop_fd_fn fn, void *ctx, struct err *e)
{
	if (fd < 0 || fd > 0x3fffffff)
		return err_set(e, ERR_FAIL, "event loop: cannot watch file descriptor %d", fd);
	events &= LOOP_IN | LOOP_OUT;
	if (events && !fn)
		return err_set(e, ERR_FAIL, "event loop: watch of fd %d without a callback", fd);
	if ((size_t)fd >= l->nw) {
		if (!events)
			return 0;
		size_t n = l->nw ? l->nw : 16;
		while (n <= (size_t)fd)
			n *= 2;
		struct watch *w = realloc(l->w, n * sizeof *w);
		if (!w)
			return err_set(e, ERR_FAIL, "event loop: out of memory watching fd %d", fd);
		memset(w + l->nw, 0, (n - l->nw) * sizeof *w);
		l->w = w;
		l->nw = n;
	}
	struct watch *w = &l->w[fd];
	if (!events) {
		if (w->events)
			l->nwatched--;
		w->events = 0;
		watch_disarm(l, fd);
		return 0;
	}
	if (!w->events)
		l->nwatched++;
	w->fn = fn;
	w->ctx = ctx;
	w->events = events;
	if (w->armed == events || w->need_arm)
		return 0;
	watch_disarm(l, fd);
	watch_arm(l, fd);
	return 0;
}

static void arm_pending_watches(struct loop *l)
{
	for (size_t fd = 0; fd < l->nw && l->need_arm; fd++)
		if (l->w[fd].need_arm)
			watch_arm(l, (int)fd);
}

static void on_poll(struct loop *l, uint64_t ud, int res)
{
	int fd = (int)((ud >> 1) & 0x7fffffff);
	uint32_t gen = (uint32_t)(ud >> 32);
	if ((size_t)fd >= l->nw)
		return;
	struct watch *w = &l->w[fd];
	if (w->gen != gen || !w->armed)
		return; /* stale: cancelled or replaced */
	w->armed = 0;
	if (!w->events)
		return;
	int rev;
	loop_fd_fn fn = w->fn;
	void *ctx = w->ctx;
	if (res == -ECANCELED) {
		watch_arm(l, fd); /* not ours to cancel: keep watching */
		return;
	}
	if (res < 0) {
		rev = w->events;
		w->events = 0;
		l->nwatched--;
	} else {
		rev = (res & (POLLIN | POLLPRI | POLLRDHUP) ? LOOP_IN : 0) | (res & POLLOUT ? LOOP_OUT : 0);
		if (res & (POLLERR | POLLHUP | POLLNVAL))
			rev |= w->events;
		rev &= w->events;
	}
	if (rev) {
		l->events++;
		fn(ctx, fd, rev);
	}
	/* The callback may have changed the watch (and l->w moved). */
	w = &l->w[fd];
	if (w->events && !w->armed && !w->need_arm)
		watch_arm(l, fd);
}

/* ---- running ---- */

static int pending(const struct loop *l)
{
	return l->qo->size(l->q) || l->io_inflight || l->nwatched;
}

/* Runs the timers due by limit; 1 if the batch ran out with more due. */
static int run_timers(struct loop *l, uint64_t limit)
{
	for (int n = 0; n < TIMER_BATCH; n++) {
		uint64_t t;
		exec_fn fn;
		void *arg;
		if (l->stop || !l->qo->pop(l->q, limit, &t, &fn, &arg))
			return 0;
		l->events++;
		fn(arg);
	}
	return l->qo->peek_time(l->q) <= limit;
}

/* Runs the completions that are ready when it is called, no more: what the
 * submissions below make ready (I/O that completes at once, from the page
 * cache) waits for the next iteration, so timers and loop_stop get their
 * turn however fast the I/O completes. */
static void reap(struct loop *l)
{
	struct io_uring_cqe *cqes[REAP_BATCH];
	uint64_t ud[REAP_BATCH];
	int res[REAP_BATCH];
	unsigned left = io_uring_cq_ready(&l->ring);
	if (!left)
		left = REAP_BATCH; /* the peek flushes a CQ overflow backlog */
	while (left) {
		unsigned n = io_uring_peek_batch_cqe(&l->ring, cqes, left < REAP_BATCH ? left : REAP_BATCH);
		if (!n)
			return;
		left -= n;
		l->st.cqes_reaped += n;
		/* Copy out and release the CQ slots before any callback runs. */
		for (unsigned i = 0; i < n; i++) {
			ud[i] = cqes[i]->user_data;
			res[i] = cqes[i]->res;
		}
		io_uring_cq_advance(&l->ring, n);
		for (unsigned i = 0; i < n; i++) {
			if (ud[i] == 0 || ud[i] == LIBURING_UDATA_TIMEOUT)
				continue;
			if (ud[i] & 1) {
				on_poll(l, ud[i], res[i]);
				continue;
			}
			struct loop_io *io = (struct loop_io *)(uintptr_t)ud[i];
			l->io_inflight--;
			l->events++;
			io->done(io, res[i]);
		}
		/* Refills go out now when more completions of this burst wait
		 * to be run, not after the whole burst (see the top); after
		 * the last batch, the loop's io_uring_enter submits them
		 * anyway.  A failure here (a CQ overflow backlog) leaves them
		 * queued for that call, which reports real errors. */
		if (left && io_uring_sq_ready(&l->ring))
			submit(l);
	}
}

/* Submits what is queued and sleeps until a completion or, with ts, until
 * ts has passed: one io_uring_enter. */
static int submit_and_wait(struct loop *l, struct __kernel_timespec *ts)
{
	int rc;
	if (ts) {
		struct io_uring_cqe *cqe;
		rc = io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, ts, NULL);
	} else {
		rc = io_uring_submit_and_wait(&l->ring, 1);
	}
	l->st.submit_calls++;
	l->st.waits++;
	return rc;
}

static int run(struct loop *l, uint64_t until_ns, struct err *e);

void loop_set_interrupt(struct loop *l, const volatile sig_atomic_t *flag)
{
	l->intr = flag;
}

int loop_run(struct loop *l, uint64_t until_ns, struct err *e)
{
	int outer = l->running;
	l->running = 1;
	int rc = run(l, until_ns, e);
	l->running = outer;
	return rc;
}

static int run(struct loop *l, uint64_t until_ns, struct err *e)
{
	l->stop = 0;
	for (;;) {
		if (l->oom)
			return err_set(e, ERR_FAIL, "event loop: out of memory queueing a timer");
		uint64_t now = loop_now(l);
		int more = run_timers(l, now < until_ns ? now : until_ns);
		if (l->oom)
			return err_set(e, ERR_FAIL, "event loop: out of memory queueing a timer");
		if (l->stop || (!more && now >= until_ns) || !pending(l) || (l->intr && *l->intr)) {
			submit(l); /* hand over what callbacks queued */
			return 0;
		}
		flush_deferred(l);
		if (l->need_arm)
			arm_pending_watches(l);

		/* Sleep until a completion or the next deadline. */
		uint64_t deadline = l->qo->peek_time(l->q);
		if (deadline > until_ns)
			deadline = until_ns;
		int rc;
		if (more) {
			rc = submit(l);
		} else if (deadline == UINT64_MAX) {
			rc = submit_and_wait(l, NULL);
		} else {
			now = loop_now(l);
			uint64_t wait = deadline > now ? deadline - now : 0;
			struct __kernel_timespec ts = { .tv_sec = (long long)(wait / 1000000000u),
							.tv_nsec = (long long)(wait % 1000000000u) };
			rc = submit_and_wait(l, &ts);
		}
		if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
			return err_set(e, ERR_FAIL, "event loop: io_uring_enter: %s", strerror(-rc));
		reap(l);
	}
}
