/*
 * fixed — the simplest modelled backend: every operation completes
 * latency_ns + bytes / bps after it is submitted, independently of every
 * other (no queueing, no shared bandwidth; bps = 0 means infinite).  It is
 * the "ideal storage" of what-ifs (with latency 0 and bps 0, storage is
 * infinitely fast: a GPU job can only be compute-bound) and a stand-in
 * backend for tests of the data path and the drivers.
 *
 * Statistics: operations and bytes per operation type, and a latency
 * histogram, exported as PREFIX.OP.ops, PREFIX.OP.bytes, PREFIX.latency.
 */
#ifndef TIERSIM_FIXED_H
#define TIERSIM_FIXED_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/err.h"
#include "sim/exec.h"

struct fixed_params {
	uint64_t latency_ns;
	double bps;          /* 0: infinite */
};

/* 0, or -1 on out of memory. */
int fixed_new(struct backend *out, const struct exec *x, const struct fixed_params *p, struct err *e);
/* Operations of each type seen so far. */
uint64_t fixed_ops(const struct backend *b, enum bk_op op);

#endif
