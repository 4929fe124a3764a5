/*
 * cvalidate — the analytic cache rung of the validation ladder: the real
 * LRU and FIFO policies (sim/policy.h, replayed with sim/cache.h) against
 * Che's approximation and its FIFO counterpart (models/che.h) under an
 * independent-reference Zipf workload.
 *
 * Method.  n unit-size objects with Zipf(α) popularity λ_i ∝ i^{−α}.  Ranks
 * come from a caller's draw function (the `tiersim validate cache` command
 * passes the project's seeded Zipf generator, traces/zipf.h; models/ may
 * not include traces/, hence the callback).  One pass feeds every request
 * to 10 caches: LRU and FIFO at 1%, 2%, 5%, 10% and 20% of n objects.
 *
 * Warm-up.  The analytic hit ratios are those of the stationary cache, so
 * the first requests are discarded: counting starts once every cache is
 * full and at least 10·C_max requests have gone by (C_max the largest
 * cache, in objects; 10·C_max is ten fills of it).  A workload too skewed
 * to ever fill the largest cache (few distinct objects requested) stops
 * warming up after max(100·C_max, measured requests).  Then `requests`
 * requests are counted.
 *
 * Criterion (issue 3): |simulated − analytic| ≤ 2 percentage points of
 * request hit ratio in every row.
 */
#ifndef TIERSIM_CVALIDATE_H
#define TIERSIM_CVALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "che.h"
#include "sim/err.h"

struct cv_opts {
	uint64_t objects;  /* n >= 100, so that 1% is a cache of at least one object */
	uint64_t requests; /* measured after warm-up, >= 1 */
	double alpha;      /* Zipf exponent, >= 0 */
	uint64_t seed;     /* reported only; the caller seeds its draw */
};

/* A rank in 1..objects, from the caller's generator. */
typedef uint64_t (*cv_draw_fn)(void *ctx);

#define CV_NROWS 10
#define CV_TOLERANCE_PP 2.0

struct cv_row {
	enum che_policy policy;
	double cache_pct;       /* of the objects */
	uint64_t cache_objects;
	double char_time;       /* T (in units of 1/Σλ: mean requests) */
	double analytic_hit;    /* request hit ratio, 0..1 */
	double sim_hit;
	double diff_pp;         /* (sim − analytic) × 100 */
	int pass;               /* |diff_pp| <= CV_TOLERANCE_PP */
};

struct cv_result {
	struct cv_row rows[CV_NROWS];
	uint64_t warmup_requests; /* discarded */
	int all_pass;
};

/* The defaults of `tiersim validate cache`: 100,000 objects, 5,000,000
 * requests, α = 0.8, seed 1. */
void cv_default_opts(struct cv_opts *o);

/* Runs the comparison.  0, or -1 with e filled (bad options: ERR_INPUT;
 * out of memory, solver failure: ERR_FAIL; a draw out of 1..n: ERR_FAIL). */
int cv_run(const struct cv_opts *o, cv_draw_fn draw, void *ctx, struct cv_result *out, struct err *e);

#endif
