/* cache — cache-only replay; see cache.h. */
#include "cache.h"

#include <math.h>
#include <stdlib.h>

double cache_miss_ratio(const struct cache_stats *s)
{
	return s->requests ? (double)s->misses / (double)s->requests : NAN;
}

double cache_byte_miss_ratio(const struct cache_stats *s)
{
	return s->req_bytes ? (double)s->miss_bytes / (double)s->req_bytes : NAN;
}

int cache_run_init(struct cache_run *c, const struct pol_ops *ops,
		   const uint64_t *sizes, size_t n, const struct pol_adm_spec *adm,
		   struct err *e)
{
	c->n = 0;
	c->pols = calloc(n ? n : 1, sizeof *c->pols);
	c->stats = calloc(n ? n : 1, sizeof *c->stats);
	if (!c->pols || !c->stats) {
		cache_run_destroy(c);
		return err_set(e, ERR_FAIL, "cache: out of memory");
	}
	if (n == 0) {
		cache_run_destroy(c);
		return err_set(e, ERR_INPUT, "cache: no cache size given");
	}
	for (size_t i = 0; i < n; i++) {
		if (pol_init(&c->pols[i], ops, sizes[i], adm, e) < 0) {
			cache_run_destroy(c);
			return -1;
		}
		c->n = i + 1;
	}
	return 0;
}

void cache_run_destroy(struct cache_run *c)
{
	for (size_t i = 0; i < c->n; i++)
		pol_destroy(&c->pols[i]);
	free(c->pols);
	free(c->stats);
	c->pols = NULL;
	c->stats = NULL;
	c->n = 0;
}

int cache_run_access(struct cache_run *c, const struct pol_req *r, struct err *e)
{
	uint64_t sum; /* every size's req_bytes is the same: checked once */
	if (c->n && __builtin_add_overflow(c->stats[0].req_bytes, r->size_bytes, &sum))
		return err_set(e, ERR_INPUT,
			       "the requests' bytes pass 2^64 (16 EiB) in all: a size (or bytes per token) too large");
	for (size_t i = 0; i < c->n; i++) {
		int hit = pol_access(&c->pols[i], r, e);
		if (hit < 0)
			return -1;
		struct cache_stats *s = &c->stats[i];
		s->requests++;
		s->req_bytes += r->size_bytes;
		if (!hit) {
			s->misses++;
			s->miss_bytes += r->size_bytes;
		}
	}
	return 0;
}
