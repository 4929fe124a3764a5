/*
 * loop — the real executor: one event loop on io_uring (liburing) that
 * runs timers, file I/O completions and socket readiness, and implements
 * the executor contract (sim/exec.h) over the wall clock (CLOCK_MONOTONIC,
 * in ns since the loop was created).  The data path, the workload drivers
 * and the metrics run on it unchanged (DESIGN.md, "the one idea").
 *
 * One loop, one thread.  Everything registered with a loop is called from
 * loop_run on that thread; nothing here is thread-safe, by design: more
 * loops, one per core, only if measurement shows one is the bottleneck,
 * with the path's state partitioned between them (issue 5).
 *
 * Timers:    exec_at / exec_after / exec_cancel through loop_executor();
 *            callbacks at equal deadlines run in the order they were set.
 * File I/O:  loop_read / loop_write submit an io_uring read or write and
 *            call back with the result (bytes, or -errno).  What completion
 *            callbacks queue reaches the kernel after at most 8 of them
 *            have run, so a device that completes a burst is refilled while
 *            the rest of the burst is still being processed.
 * Files:     loop_openat, loop_mkdirat, loop_statx, loop_unlinkat and
 *            loop_close do the file-system call through io_uring and call
 *            back with its result, so a backend opens, creates, stats and
 *            removes files without blocking the loop (the kernel runs the
 *            ones that would block on its io-wq workers).  Readdir has no
 *            io_uring operation.
 * Sockets:   loop_watch(fd, events) calls back when the fd is readable or
 *            writable (a one-shot poll re-armed while watched), for libcurl's
 *            multi_socket interface.
 */
#ifndef TIERSIM_LOOP_H
#define TIERSIM_LOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/err.h"
#include "sim/exec.h"

struct loop;

/* The loop hands the kernel what its callbacks queued after every this
 * many completions it handles, and whenever it has no more to handle
 * (loop.c, "Why step 4 submits between batches"). */
#define LOOP_REAP_BATCH 8

/* queue_depth: io_uring entries (submission queue size), e.g. 256. */
int loop_new(struct loop **out, unsigned queue_depth, struct err *e);
void loop_free(struct loop *l);

struct exec loop_executor(struct loop *l);
/* Nanoseconds since loop_new, or since the last loop_restart_clock. */
uint64_t loop_now(const struct loop *l);
/* Sets the loop's time back to 0, so that a run's time starts when its
 * workload does, not when the loop was made (a run's set-up, before its
 * workload, can take a quarter of a second: buffers first touched).  Only
 * while the loop is idle: no timer pending and no I/O in flight (times
 * taken before would not compare with times after); -1 otherwise. */
int loop_restart_clock(struct loop *l, struct err *e);

/* ---- file I/O ---- */
struct loop_io;
/* res: bytes transferred (>= 0) or -errno. */
typedef void (*loop_io_fn)(struct loop_io *io, int res);
struct loop_io {
	loop_io_fn done;
	void *ctx;
	/* private: the operation, kept until it is submitted (it waits in a
	 * FIFO inside the loop when the submission queue is full). */
	int op;
	int fd;               /* the file; the directory fd of the *at calls */
	void *buf;            /* the data; statx's result */
	size_t len;
	off_t off;
	const char *path;     /* the *at calls */
	int flags;
	unsigned mode;        /* openat, mkdirat; statx's mask */
	struct loop_io *next;
};
/* Submits a read (write) of len bytes at off.  The caller owns io and
 * buf until done runs, which is always later, from loop_run, never from
 * inside these calls.  Submissions are batched: they reach the kernel
 * once per loop iteration, and, from completion callbacks, after every 8
 * callbacks (loop.c says why).  0, or -1 when the submission could not be
 * queued (e filled: a bad fd or a NULL io). */
int loop_read(struct loop *l, struct loop_io *io, int fd, void *buf, size_t len, off_t off, struct err *e);
int loop_write(struct loop *l, struct loop_io *io, int fd, const void *buf, size_t len, off_t off, struct err *e);

/* ---- file-system calls ----
 * The same contract as loop_read: io and what path (and statx's out)
 * point to stay the caller's until done runs (the kernel reads the path
 * when the request reaches it, which may be after these return), done
 * always runs later from loop_run, and -1 (e filled) only for a request
 * that cannot be queued (a NULL io or callback).  res is what the system
 * call returns: openat the new descriptor, the others 0, or -errno.  dfd
 * may be AT_FDCWD. */
struct statx;
int loop_openat(struct loop *l, struct loop_io *io, int dfd, const char *path, int flags, unsigned mode,
		struct err *e);
int loop_mkdirat(struct loop *l, struct loop_io *io, int dfd, const char *path, unsigned mode, struct err *e);
int loop_statx(struct loop *l, struct loop_io *io, int dfd, const char *path, int flags, unsigned mask,
	       struct statx *out, struct err *e);
int loop_unlinkat(struct loop *l, struct loop_io *io, int dfd, const char *path, int flags, struct err *e);
int loop_close(struct loop *l, struct loop_io *io, int fd, struct err *e);
/* fallocate(2) of [off, off + len) of fd with mode (FALLOC_FL_PUNCH_HOLE |
 * FALLOC_FL_KEEP_SIZE frees the blocks); res 0 or -errno. */
int loop_fallocate(struct loop *l, struct loop_io *io, int fd, int mode, off_t off, off_t len, struct err *e);
/* Closes fd without a callback: through io_uring when called from inside
 * loop_run (it reaches the kernel with the loop's next submission, before
 * loop_run returns), with close(2) otherwise (the loop may never run
 * again).  Its result is not reported, as close(2)'s of a descriptor only
 * read or written through io_uring has nothing to say that the I/O did
 * not (loop.c says why close goes through io_uring at all). */
void loop_close_detached(struct loop *l, int fd);

/* Grows the process's descriptor table now, so that n more descriptors
 * than those already reserved fit without growing it later; a backend
 * that will keep up to n files open calls it when it is made.  Growing the
 * table while io_uring's workers share it waits for an RCU grace period
 * (expand_fdtable), and an OPENAT issued inline then sleeps in
 * expand_files, with the loop: 7-15 ms at a time on the reference machine,
 * three times per replay of 5,000 requests.  Clamped to RLIMIT_NOFILE;
 * failures are ignored (the table then grows when it must, as before). */
void loop_reserve_fds(struct loop *l, unsigned n);

/* ---- socket readiness ---- */
enum { LOOP_IN = 1, LOOP_OUT = 2 };
typedef void (*loop_fd_fn)(void *ctx, int fd, int revents);
/* Watch fd for events (LOOP_IN | LOOP_OUT); 0 events stops watching.
 * Replaces a previous watch of the same fd.  Level-triggered: fn runs (from
 * loop_run) with the events that are ready, and again on the next loop
 * iteration while they stay ready and the fd is watched.  An error or
 * hang-up on the fd is reported as every watched event (the reader or
 * writer then sees the error).  If the poll itself fails (a closed fd),
 * the watch is dropped before fn runs with the watched events; fn may watch
 * again.  Stop watching an fd before closing it. */
int loop_watch(struct loop *l, int fd, int events, loop_fd_fn fn, void *ctx, struct err *e);

/* ---- running ---- */
/* Runs until loop_stop, until nothing is pending (no timer, I/O or watch),
 * or until the executor time reaches until_ns (UINT64_MAX: no limit).
 * Returns 0, or -1 on an io_uring failure (e filled). */
int loop_run(struct loop *l, uint64_t until_ns, struct err *e);
void loop_stop(struct loop *l);
/* A flag (a signal handler's, owned by the caller; NULL: none) that ends
 * loop_run, as loop_stop does, when it reads non-zero: checked at every
 * turn of the loop, which a signal wakes (io_uring_enter's EINTR).  The
 * I/O in flight stays in flight: clear the flag's use (NULL) before
 * running the loop again to let it complete. */
void loop_set_interrupt(struct loop *l, const volatile sig_atomic_t *flag);
/* Submissions and completions so far (for benchmarks). */
uint64_t loop_events(const struct loop *l);

/* How the loop talks to the kernel, since loop_new (for benchmarks and
 * tests: io_uring_enter calls per I/O, completions per wake). */
struct loop_stats {
	uint64_t submit_calls; /* io_uring_submit*: each at most one io_uring_enter */
	uint64_t waits;        /* of those, the ones that slept for a completion */
	uint64_t cqes_reaped;  /* completions taken off the CQ (I/O, polls, ...) */
};
void loop_get_stats(const struct loop *l, struct loop_stats *out);
/* The most io-wq workers the kernel will run for this loop's blocking file
 * work (bound) as it reports them now; loop_new raises it to queue_depth
 * (loop.c says why).  0 if the kernel will not say (before 5.15). */
unsigned loop_iowq_bound_workers(struct loop *l);

/* User and system CPU time of the calling thread so far, in s (getrusage
 * RUSAGE_THREAD; 0 if the kernel will not say): called on the loop's
 * thread, the cost of every callback, submission and in-line copy. */
void loop_thread_cpu(double *user_s, double *sys_s);
/* Their sum to the nanosecond (CLOCK_THREAD_CPUTIME_ID, the scheduler's
 * own count; 0 if the kernel will not say).  getrusage's figures move in
 * clock ticks (4 ms here), too coarse for anything timed in milliseconds. */
double loop_thread_cpu_s(void);

#endif
