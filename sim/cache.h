/*
 * cache — cache-only replay: a request stream through one policy per
 * cache size, counting requests, misses, requested and missed bytes, with
 * no timing.  The quickest way to size a hot tier, and the second rung of
 * the validation ladder (DESIGN.md): the semantics are those of pol_access
 * (sim/policy.h), which match conventional cache simulators.
 *
 *   request miss ratio = misses / requests
 *   byte miss ratio    = missed bytes / requested bytes
 * (both NaN, a blank cell, when their denominator is 0).
 *
 * sim/ may not include traces/, so the caller reads the trace and feeds
 * each request in (sim/cli/cmd_cache.c does).  All sizes go in one trace
 * pass: one policy instance per size.
 */
#ifndef TIERSIM_CACHE_H
#define TIERSIM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "policy.h"

struct cache_stats {
	uint64_t requests;
	uint64_t misses;
	uint64_t req_bytes;
	uint64_t miss_bytes;
};

/* NaN (unknown) with no requests, or no bytes requested. */
double cache_miss_ratio(const struct cache_stats *s);
double cache_byte_miss_ratio(const struct cache_stats *s);

struct cache_run {
	size_t n;                   /* caches, one per size */
	struct pol *pols;
	struct cache_stats *stats;
};

/* One cache of each capacity in sizes[0..n) (n >= 1), all with policy ops
 * and admission adm (NULL: always).  Returns 0 or -1 (e filled; a zero
 * size is ERR_INPUT). */
int cache_run_init(struct cache_run *c, const struct pol_ops *ops,
		   const uint64_t *sizes, size_t n, const struct pol_adm_spec *adm,
		   struct err *e);
void cache_run_destroy(struct cache_run *c);

/* Feeds one request to every cache.  0, or -1 on error (e filled). */
int cache_run_access(struct cache_run *c, const struct pol_req *r, struct err *e);

#endif
