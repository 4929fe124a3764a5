/*
 * backend — the contract between the data path and a tier's devices
 * (DESIGN.md, "the one idea").  A backend takes a request and calls the
 * request's callback with the result, later, from the executor; it never
 * blocks.  Modelled backends (models/) compute when the operation would
 * finish and schedule the callback then; real backends (refimpl/) do the
 * I/O.  The data path cannot tell them apart.
 *
 * Requests follow libuv: the caller owns the request's memory until the
 * callback runs, the callback receives the request, and `ctx` is the
 * caller's.  A backend must call done exactly once per accepted request,
 * never from inside submit (always through the executor, even at the same
 * time), so a caller's state is consistent when its callback runs.
 *
 * Operations.  Data: READ and WRITE of [offset, offset + length) of an
 * object.  Metadata — what a real client issues before or around data
 * access (DESIGN.md: "metadata is never free"):
 *   LOOKUP, GETATTR, OPEN, CREATE, UNLINK, READDIR   a file namespace
 *                                                    (the warm tier, NFS)
 *   HEAD, LIST                                       an object store
 * A backend answers an operation it does not model with BK_ENOTSUP.
 *
 * Status: BK_OK, or a failure the caller handles: BK_ENOENT (no such
 * object), BK_THROTTLED (the service refused the request and the backend
 * gave up retrying), BK_EIO, BK_ENOSPC, BK_TIMEOUT, BK_ENOTSUP.
 */
#ifndef TIERSIM_BACKEND_H
#define TIERSIM_BACKEND_H

#include <stdint.h>

#include "metrics.h"

enum bk_op {
	BK_READ = 0,
	BK_WRITE,
	BK_LOOKUP,
	BK_GETATTR,
	BK_OPEN,
	BK_CREATE,
	BK_UNLINK,
	BK_READDIR,
	BK_HEAD,
	BK_LIST,
	BK_NOPS
};

enum bk_status {
	BK_OK = 0,
	BK_ENOENT,
	BK_THROTTLED,
	BK_EIO,
	BK_ENOSPC,
	BK_TIMEOUT,
	BK_ENOTSUP,
};

/* Lower-case names ("read", "getattr"), for metrics and messages. */
const char *bk_op_name(enum bk_op op);
const char *bk_status_name(enum bk_status st);

struct bk_req;
typedef void (*bk_done_fn)(struct bk_req *req);

struct bk_req {
	/* set by the caller */
	enum bk_op op;
	uint64_t object;     /* object (or file, or directory) id */
	uint64_t offset;     /* bytes, data operations */
	uint64_t length;     /* bytes, data operations */
	uint32_t client;     /* issuing node: selects per-node links and queues */
	void *buf;           /* the bytes, for real backends; NULL in simulation */
	bk_done_fn done;
	void *ctx;
	/* set by the backend before done runs */
	int status;          /* enum bk_status */
	uint32_t retries;    /* e.g. 503s retried at an object store */
	uint64_t submit_ns;  /* when the backend accepted it */
	/* private to the backend between submit and done; callers need not
	 * set them (a backend writes each before it reads it) */
	void *priv[2];
	uint64_t upriv[2];
};

/*
 *   submit   accept the request: 0, or -1 when it cannot (out of memory;
 *            nothing is scheduled and done will not be called).
 *   export   write the backend's statistics into m under `prefix`
 *            ("tier.warm" -> "tier.warm.read.bytes", ...), as of now_ns.
 *   reset_stats   restart statistics windows (end of warm-up).
 *   destroy  free everything; pending requests are dropped without
 *            callbacks (the run is over).
 *   discard  optional (NULL: nothing to do, as in every model): the
 *            caller no longer needs [offset, offset + length) of object,
 *            which a cache evicted, and a backend that stores bytes may
 *            free their space.  Fire and forget: no callback, no error to
 *            the caller.  The backend orders it after the object's
 *            operations in flight and before those that come later, so a
 *            later write of the bytes is never lost to it.
 */
struct bk_ops {
	const char *name;
	int (*submit)(void *self, struct bk_req *req);
	int (*export)(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns);
	void (*reset_stats)(void *self);
	void (*destroy)(void *self);
	void (*discard)(void *self, uint64_t object, uint64_t offset, uint64_t length);
};

struct backend {
	const struct bk_ops *ops;
	void *self;
};

static inline int bk_submit(const struct backend *b, struct bk_req *r)
{
	return b->ops->submit(b->self, r);
}

/* 1 if r writes a piece of a larger object to an object store whose
 * pieces are piece_bytes (the data path's chunk; 0: none): a write at an
 * offset other than 0, or of exactly piece_bytes.  The store writes it as
 * Put Block then Put Block List (refimpl/blob.h, models/cold.c). */
static inline int bk_is_piece(const struct bk_req *r, uint64_t piece_bytes)
{
	return r->op == BK_WRITE && piece_bytes && r->length && (r->offset != 0 || r->length == piece_bytes);
}

#endif
