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
 * directory D:
 *   LOOKUP   stat(F)                 (NFS LOOKUP + the attributes it returns)
 *   GETATTR  fstat of F's open descriptor (the data path's, if cached;
 *            else one opened with O_PATH for it)
 *   OPEN     open(F, O_RDONLY) and close
 *   CREATE   open(F, O_CREAT | O_WRONLY) and close (making D if missing)
 *   UNLINK   unlink(F)
 *   READDIR  opendir(D), readdir to the end, closedir
 * A missing file or directory completes BK_ENOENT; other failures BK_EIO
 * (dirbk_last_error() names the path and the errno text); HEAD and LIST
 * BK_ENOTSUP.
 *
 * Metadata system calls block, so each runs synchronously inside a loop
 * callback scheduled at submit (never inside submit).  On a local disk
 * they take microseconds, which the loop absorbs; on NFS a GETATTR is a
 * network round trip (~100 µs – 1 ms) during which the loop stands still.
 * KNOWN GAP: for NFS the metadata operations need a thread pool (or
 * io_uring's STATX / OPENAT / CLOSE / UNLINKAT, which liburing 2.3 has;
 * there is no io_uring readdir) so that they overlap each other and the
 * data I/O.  Their latency (submit to completion, loop delay included) is
 * measured all the same.
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
	filebk_fault_fn fault;     /* tests: asked before every operation, data and metadata */
	void *fault_ctx;
};

/* -1 (e filled) as filebk_new. */
int dirbk_new(struct backend *out, struct loop *l, const struct dirbk_cfg *cfg, struct err *e);

/* Successful operations of that kind (data and metadata) since reset. */
uint64_t dirbk_ops(const struct backend *b, enum bk_op op);
/* The last failure's message, data or metadata ("" if none). */
const char *dirbk_last_error(const struct backend *b);

#endif
