/*
 * dirbk — the warm tier for real: a POSIX directory (a VAST NFS mount in
 * production, any directory in tests) behind the backend contract, with
 * the metadata operations a file client issues done for real and counted
 * and timed exactly as the model counts them (models/warm.c, sim/path.h
 * PATH_META_FILE).
 *
 * Data.  READ and WRITE go to an embedded file backend (filebk.h) over the
 * same directory and layout (DIR/hh/hh/<16 hex>, names.h): io_uring,
 * buffered by default (cfg.direct 1: O_DIRECT where supported), at most
 * cfg.queue_depth in flight, the same errors and buffer rules.
 *
 * Metadata, one system call (or two) each, on object o's file F and its
 * directory D, all but READDIR as io_uring requests through the loop:
 *   LOOKUP   STATX(F)                (NFS LOOKUP + the attributes it returns)
 *   GETATTR  STATX of F's open descriptor (AT_EMPTY_PATH; the data path's,
 *            pinned open meanwhile), or STATX(F) when none is cached
 *   OPEN     OPENAT(F, O_RDONLY), then CLOSE
 *   CREATE   OPENAT(F, O_CREAT | O_WRONLY), then CLOSE (if D is missing:
 *            MKDIRAT of its two levels, EEXIST fine, and OPENAT again)
 *   UNLINK   UNLINKAT(F)
 *   READDIR  opendir(D), readdir to the end, closedir
 * A missing file or directory completes BK_ENOENT; other failures BK_EIO
 * (dirbk_last_error() names the path and the errno text); HEAD and LIST
 * BK_ENOTSUP.
 *
 * So metadata operations overlap each other and the data I/O, and the
 * loop never waits for them (io_uring runs those that block -- an NFS
 * round trip of ~100 us - 1 ms -- on its workers).  READDIR is the
 * exception: io_uring has no operation for it, so it runs synchronously
 * inside a loop callback scheduled at submit (never inside submit),
 * microseconds on a local disk, a round trip on NFS during which the loop
 * stands still (KNOWN GAP: a helper thread would remove it; the data path
 * issues READDIR rarely).  Latency is submit to completion.
 *
 * Statistics: the file backend's (PREFIX.read.ops, .read.bytes,
 * .read.bandwidth, .read.latency, write the same, ...), and per metadata
 * operation that ran: PREFIX.<op>.ops and the histogram PREFIX.<op>.latency
 * (ns), with <op> named by bk_op_name ("lookup", "getattr", ...), as the
 * modelled warm tier exports them; PREFIX.meta_errors.
 */
#ifndef TIERSIM_DIRBK_H
#define TIERSIM_DIRBK_H

#include <stdint.h>

#include "refimpl/filebk.h"
#include "refimpl/loop.h"
#include "sim/backend.h"
#include "sim/err.h"

struct dirbk_cfg {
	const char *dir;           /* must exist */
	unsigned queue_depth;      /* data operations in flight (0: 32) */
	int direct;                /* 1: O_DIRECT where supported; 0: buffered */
	int verify;                /* as filebk_cfg.verify */
	size_t buf_bytes;          /* as filebk_cfg.buf_bytes */
	int time_content;          /* as filebk_cfg.time_content (dirbk_files) */
	filebk_fault_fn fault;     /* tests: asked before every operation, data and metadata */
	void *fault_ctx;
};

/* -1 (e filled) as filebk_new. */
int dirbk_new(struct backend *out, struct loop *l, const struct dirbk_cfg *cfg, struct err *e);

/* Successful operations of that kind (data and metadata) since reset. */
uint64_t dirbk_ops(const struct backend *b, enum bk_op op);
/* The embedded file backend that does the data operations (filebk.h). */
const struct backend *dirbk_files(const struct backend *b);
/* The last failure's message, data or metadata ("" if none). */
const char *dirbk_last_error(const struct backend *b);

#endif
