/*
 * filebk — the hot tier for real: objects (chunks) stored as files under
 * a directory on a local NVMe drive, read and written through the io_uring
 * loop (loop.h), behind the backend contract (sim/backend.h), so the data
 * path runs on it unchanged.
 *
 * Files.  Object o is the file DIR/hh/hh/<16 hex digits of o> (names.h):
 * READ and WRITE of [offset, offset + length) are a read or write of the
 * same bytes of that file.  A READ of an object with no file completes
 * BK_ENOENT; a WRITE creates the file (and its fan-out directories).
 *
 * Opening never blocks the loop: a file whose descriptor is not cached is
 * opened through io_uring (OPENAT; for a write that finds no file, MKDIRAT
 * of the fan-out directories and OPENAT with O_CREAT: filebk.c has the
 * chain), while the loop runs everything else.  Operations on a file whose
 * open is in flight wait for that open, never open again, and all fail
 * with its error if it fails.
 *
 * O_DIRECT.  FILEBK_DIRECT_AUTO (the default) probes the directory at
 * filebk_new: a file opened with O_DIRECT (EINVAL on tmpfs and some
 * others) decides it, and filebk_direct() / the export's "direct" metric
 * say which mode is in use.  Under O_DIRECT, an operation whose offset or
 * length is not a multiple of 4096 is counted as "unaligned".  A read is
 * widened to the whole 4096-byte blocks around it and read direct into an
 * aligned scratch buffer (a read that ends at the end of the file once it
 * holds the range is complete), so that no read is served by the page
 * cache: the hot tier is the device, as the model has it (make validate
 * measured a third of a replay's hot reads at 1-4 us from the page cache
 * when they went buffered).  An unaligned write of content (no caller
 * buffer, as the data path's) is widened the same way: the whole blocks
 * around it are generated (content.h: every byte of an object is known)
 * and written direct, so the file holds its last block whole and a read
 * within that block past the write's end is not short.  An unaligned
 * write of a caller's bytes, whose neighbours only the caller knows, goes
 * through a second, buffered descriptor of the same file (Linux keeps the
 * two coherent: direct I/O writes back and invalidates the page cache over
 * its range, so a direct read of a block such a write left dirty first
 * waits for that block's write, in a kernel worker; in five replay runs
 * the hot reads' mean was 105 us at the median that way, 94 us with the
 * fills written direct).  A caller buffer that is not 4096-aligned is
 * bounced through an aligned one.
 *
 * Buffers.  req->buf is NULL on the simulated path.  Here a READ with no
 * buffer reads into the backend's own aligned scratch buffer (one per
 * in-flight slot; the data path does not need the bytes), and checks them
 * against content.h when cfg.verify is set; a WRITE with no buffer writes
 * the object's deterministic content (content_fill), so that whatever the
 * path writes can be read back and verified.  Scratch buffers of 1 MiB and
 * more are transparent huge pages, so a large transfer reaches the device
 * as few, large requests (filebk.c says why and what it measured).
 *
 * Queue depth.  At most cfg.queue_depth operations are in flight at the
 * device; the rest wait in FIFO order.
 *
 * Discards (backend.h).  A chunk the data path evicted has its whole
 * 4096-byte blocks punched out of the file (fallocate PUNCH_HOLE |
 * KEEP_SIZE, through io_uring, after an OPENAT for writing when no
 * writable descriptor is cached; the file keeps its size, and a missing
 * file is nothing to do), so a tier's files hold no more than its
 * capacity.  While the punch is in flight, operations on the object wait
 * for it and then go on in arrival order, so a write of the same bytes
 * right after is never lost to it.  A discard that finds an operation on
 * the object in flight (a read of that very chunk, perhaps) waits: punched
 * under a read, the blocks would read back as zeros.  It is punched when
 * the object's last operation ends, unless a write of its bytes comes
 * meanwhile (a fill of the chunk taken in again), which takes it back.
 * Statistics: PREFIX.discards, .discard_bytes (the ranges punched),
 * .discards_deferred (those that waited), .discards_skipped (out of
 * memory), .discard_errors.
 *
 * Errors (req->status; filebk_last_error() holds the last message, with
 * the path and the errno text): ENOENT -> BK_ENOENT; ENOSPC, EDQUOT ->
 * BK_ENOSPC; everything else -> BK_EIO, including a short read (the file
 * ends before offset + length: "short read: N of M bytes"; the bytes are
 * never zero-filled) and, with verify, a content mismatch.  A partial
 * transfer is first retried for the rest, as POSIX allows; only a
 * transfer of 0 bytes (end of file) ends it.  Operations other than READ
 * and WRITE complete BK_ENOTSUP.
 *
 * Fault injection (tests): cfg.fault, when set, is asked before each data
 * operation; a non-zero -errno makes the operation fail as if the syscall
 * had returned it (nothing is read or written).  It is also asked before
 * each OPENAT of a file, with op BK_CREATE (O_CREAT, for a write) or
 * BK_OPEN and offset = length = 0: a non-zero -errno fails that open as if
 * OPENAT had returned it.  This is how ENOSPC and
 * EACCES are tested where the environment cannot produce them (no tiny
 * loop-mounted file system without root; root ignores permissions).
 *
 * Statistics, named as the modelled tiers name theirs (models/nvme.c), so
 * measured and simulated runs compare column by column: PREFIX.read.ops,
 * .read.bytes, .read.bandwidth (B/s since creation or reset), histogram
 * PREFIX.read.latency (ns, submit to completion, queueing included), the
 * same for write; PREFIX.errors, PREFIX.enotsup, PREFIX.unaligned,
 * PREFIX.verify_errors, PREFIX.direct (1: O_DIRECT), PREFIX.queue_depth;
 * with cfg.time_content, PREFIX.content.check_bytes, .check_rate,
 * .fill_bytes and .fill_rate (B/s of the loop thread's CPU time in them:
 * filebk_content), and .check_calls and .fill_calls.
 * ops, bytes and latency count successful operations only.  The opens, as
 * the file-system client model names them (models/fsclient.h):
 * PREFIX.fs.creates (opens with O_CREAT, a write's), PREFIX.fs.opens (the
 * others), and the histograms PREFIX.fs.create.latency and
 * PREFIX.fs.open.latency (ns, from the first OPENAT to the descriptor,
 * MKDIRATs included; the data operations' latency includes it too).
 *
 * File descriptors are cached (cfg.max_open files, least recently used
 * closed first), since an open per 4 KiB read would cost as much as the
 * read; a descriptor an operation holds is never closed under it.  Registered files and buffers are not used: bench/refio measures
 * tierref's CPU per GB below fio's without them.
 */
#ifndef TIERSIM_FILEBK_H
#define TIERSIM_FILEBK_H

#include <stddef.h>
#include <stdint.h>

#include "refimpl/loop.h"
#include "sim/backend.h"
#include "sim/err.h"

#define FILEBK_ALIGN 4096

enum filebk_direct {
	FILEBK_DIRECT_AUTO = 0, /* O_DIRECT if the file system supports it */
	FILEBK_DIRECT_ON,       /* O_DIRECT or fail at filebk_new */
	FILEBK_DIRECT_OFF,      /* buffered */
};

/* Returns 0 to let the operation run, or -errno to fail it. */
typedef int (*filebk_fault_fn)(void *ctx, enum bk_op op, uint64_t obj, uint64_t offset, uint64_t length);

struct filebk_cfg {
	const char *dir;           /* must exist */
	unsigned queue_depth;      /* operations in flight (0: 32) */
	enum filebk_direct direct;
	unsigned max_open;         /* files kept open (0: 1024) */
	int verify;                /* check buffer-less reads against content.h */
	size_t buf_bytes;          /* each slot's buffer made and touched at creation for
				    * operations up to this size (0: grown at first need) */
	int time_content;          /* time content_check and content_fill (filebk_content) */
	filebk_fault_fn fault;     /* tests: see above */
	void *fault_ctx;
};

/* The loop must outlive the backend.  -1 (e filled, naming the directory
 * and the errno text) if the directory is missing, not a directory, not
 * writable, or O_DIRECT was required and is not supported. */
int filebk_new(struct backend *out, struct loop *l, const struct filebk_cfg *cfg, struct err *e);

/* 1 if O_DIRECT is in use. */
int filebk_direct(const struct backend *b);
/* With cfg.time_content: the calling thread's CPU time (the loop's:
 * CLOCK_THREAD_CPUTIME_ID) in the content checks of reads and the content
 * generation of writes so far, and their bytes; all 0 without it.  That
 * is the client's work on the bytes as a run does it, on bytes the
 * device has just delivered or is about to take (tierref probe's
 * cpu_check_bw, cpu_fill_bw). */
struct filebk_content {
	uint64_t check_ns, check_bytes, fill_ns, fill_bytes;
	uint64_t check_calls, fill_calls;
};
void filebk_content(const struct backend *b, struct filebk_content *out);
/* The message of the last failed operation ("" if none). */
const char *filebk_last_error(const struct backend *b);
/* When (executor time) the last failed operation completed; 0 if none. */
uint64_t filebk_last_error_ns(const struct backend *b);
/* Successful operations of that kind so far (since reset). */
uint64_t filebk_ops(const struct backend *b, enum bk_op op);
/* The most operations that were ever in flight at once. */
unsigned filebk_max_inflight(const struct backend *b);
/* The full path of object obj's file: 0, or -1 if it does not fit. */
int filebk_path(const struct backend *b, uint64_t obj, char *out, size_t cap);
/* The cached descriptor of obj's file, or -1 if it is not open (for the
 * warm tier's GETATTR). */
int filebk_cached_fd(const struct backend *b, uint64_t obj);
/* Pins obj's cached descriptor so that it stays open until
 * filebk_unpin(b, obj): the descriptor, or -1 (nothing pinned) if none is
 * open (for the warm tier's GETATTR through io_uring). */
int filebk_pin(struct backend *b, uint64_t obj);
void filebk_unpin(struct backend *b, uint64_t obj);
/* Closes obj's cached descriptors (after an unlink), at once or when its
 * operations in flight complete. */
void filebk_forget(struct backend *b, uint64_t obj);
/* The latency of the successful open chains since reset (create: those
 * with O_CREAT), as exported in PREFIX.fs.*.latency (for the probe). */
struct hist;
const struct hist *filebk_file_latency(const struct backend *b, int create);
/* The hole punches so far (since reset): done, their bytes, and those
 * that failed (a file that was never written is no punch and no error). */
struct filebk_discards {
	uint64_t punches, bytes, errors;
};
void filebk_discards(const struct backend *b, struct filebk_discards *out);
/* Discards punching now or waiting for their object's operations: a run
 * that ends runs its loop until none is left (a tier's files held more
 * than its capacity when the last ones were dropped at the end). */
size_t filebk_busy(const struct backend *b);

#endif
