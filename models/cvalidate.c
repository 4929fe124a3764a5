/* cvalidate — LRU and FIFO replay against Che's approximation; see
 * cvalidate.h for the method. */
#include "cvalidate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cache.h"
#include "sim/policy.h"

static const double cv_pcts[] = { 1.0, 2.0, 5.0, 10.0, 20.0 };
#define CV_NSIZES (sizeof cv_pcts / sizeof cv_pcts[0])
#define CV_WARMUP_FILLS 10
#define CV_WARMUP_CAP_FILLS 100

void cv_default_opts(struct cv_opts *o)
{
	o->objects = 100000;
	o->requests = 5000000;
	o->alpha = 0.8;
	o->seed = 1;
}

static int cv_all_full(const struct cache_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (pol_used_bytes(&r->pols[i]) < pol_capacity_bytes(&r->pols[i]))
			return 0;
	return 1;
}

int cv_run(const struct cv_opts *o, cv_draw_fn draw, void *ctx, struct cv_result *out, struct err *e)
{
	if (o->objects < 100)
		return err_set(e, ERR_INPUT, "--objects must be at least 100 (got %llu)",
			       (unsigned long long)o->objects);
	if (o->objects > ((uint64_t)1 << 32))
		return err_set(e, ERR_INPUT, "validate cache: --objects must be at most 2^32 (got %llu)",
			       (unsigned long long)o->objects);
	if (o->requests == 0)
		return err_set(e, ERR_INPUT, "validate cache: --requests must be at least 1");
	if (!(o->alpha >= 0.0) || !isfinite(o->alpha))
		return err_set(e, ERR_INPUT, "validate cache: --alpha must be >= 0 and finite (got %g)", o->alpha);

	size_t n = (size_t)o->objects;
	double *lambda = malloc(n * sizeof *lambda);
	if (!lambda)
		return err_set(e, ERR_FAIL, "validate cache: out of memory (%zu objects)", n);
	if (che_zipf_rates(lambda, n, o->alpha, e) < 0) {
		free(lambda);
		return -1;
	}
	uint64_t sizes[CV_NSIZES];
	for (size_t k = 0; k < CV_NSIZES; k++) {
		sizes[k] = (uint64_t)llround((double)o->objects * cv_pcts[k] / 100.0);
		if (sizes[k] == 0)
			sizes[k] = 1;
	}
	/* Analytic rows first: the solver's failures are cheap to report. */
	static const enum che_policy pols[2] = { CHE_LRU, CHE_FIFO };
	for (size_t p = 0; p < 2; p++)
		for (size_t k = 0; k < CV_NSIZES; k++) {
			struct cv_row *r = &out->rows[p * CV_NSIZES + k];
			memset(r, 0, sizeof *r);
			r->policy = pols[p];
			r->cache_pct = cv_pcts[k];
			r->cache_objects = sizes[k];
			if (che_char_time(pols[p], lambda, NULL, n, (double)sizes[k], &r->char_time, e) < 0) {
				free(lambda);
				return -1;
			}
			r->analytic_hit = che_hit_ratio(pols[p], lambda, n, r->char_time);
		}
	free(lambda);

	struct cache_run runs[2];
	if (cache_run_init(&runs[0], &pol_lru_ops, sizes, CV_NSIZES, NULL, e) < 0)
		return -1;
	if (cache_run_init(&runs[1], &pol_fifo_ops, sizes, CV_NSIZES, NULL, e) < 0) {
		cache_run_destroy(&runs[0]);
		return -1;
	}
	uint64_t cmax = sizes[CV_NSIZES - 1];
	uint64_t min_warm = CV_WARMUP_FILLS * cmax;
	uint64_t max_warm = CV_WARMUP_CAP_FILLS * cmax;
	if (max_warm < o->requests)
		max_warm = o->requests;
	int rc = 0, warming = 1;
	uint64_t warm = 0, counted = 0;
	while (counted < o->requests) {
		uint64_t rank = draw(ctx);
		if (rank < 1 || rank > o->objects) {
			rc = err_set(e, ERR_FAIL, "validate cache: the generator drew rank %llu (of 1..%llu)",
				     (unsigned long long)rank, (unsigned long long)o->objects);
			break;
		}
		struct pol_req q = { .obj_id = rank, .size_bytes = 1, .next_access_vtime = -1 };
		if (cache_run_access(&runs[0], &q, e) < 0 || cache_run_access(&runs[1], &q, e) < 0) {
			rc = -1;
			break;
		}
		if (warming) {
			warm++;
			/* Checking fullness is 10 loads; only do it once the minimum is met. */
			if (warm >= max_warm || (warm >= min_warm && cv_all_full(&runs[0]) && cv_all_full(&runs[1]))) {
				warming = 0;
				for (int p = 0; p < 2; p++)
					memset(runs[p].stats, 0, runs[p].n * sizeof *runs[p].stats);
			}
		} else {
			counted++;
		}
	}
	if (rc == 0) {
		out->warmup_requests = warm;
		out->all_pass = 1;
		for (size_t p = 0; p < 2; p++)
			for (size_t k = 0; k < CV_NSIZES; k++) {
				struct cv_row *r = &out->rows[p * CV_NSIZES + k];
				r->sim_hit = 1.0 - cache_miss_ratio(&runs[p].stats[k]);
				r->diff_pp = (r->sim_hit - r->analytic_hit) * 100.0;
				r->pass = fabs(r->diff_pp) <= CV_TOLERANCE_PP;
				out->all_pass &= r->pass;
			}
	}
	cache_run_destroy(&runs[0]);
	cache_run_destroy(&runs[1]);
	return rc;
}
