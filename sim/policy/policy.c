/*
 * policy — the registry of eviction policies and the one place that holds
 * the request semantics of a cache (see sim/policy.h): lookup, then on a
 * miss insert if the object fits the capacity and is admitted.
 */
#include <strings.h>

#include "sim/policy.h"

const struct pol_ops *const pol_all[] = {
	&pol_fifo_ops, &pol_lru_ops, &pol_clock_ops, &pol_lfu_ops,
	&pol_arc_ops, &pol_sieve_ops, &pol_s3fifo_ops, &pol_belady_ops,
	NULL,
};

const struct pol_ops *pol_by_name(const char *name)
{
	for (size_t i = 0; pol_all[i]; i++)
		if (!strcasecmp(pol_all[i]->name, name))
			return pol_all[i];
	return NULL;
}

const char *pol_names(void)
{
	return "fifo, lru, clock, lfu, arc, sieve, s3fifo, belady";
}

int pol_init(struct pol *p, const struct pol_ops *ops, uint64_t capacity_bytes,
	     const struct pol_adm_spec *adm, struct err *e)
{
	p->ops = ops;
	p->st = NULL;
	p->adm_ops = NULL;
	p->adm = NULL;
	if (capacity_bytes == 0)
		return err_set(e, ERR_INPUT, "%s: cache size must be more than 0 bytes", ops->name);
	p->st = ops->create(capacity_bytes, e);
	if (!p->st)
		return -1;
	if (adm && adm->ops) {
		p->adm = adm->ops->create(adm->param, capacity_bytes, e);
		if (!p->adm) {
			ops->destroy(p->st);
			p->st = NULL;
			return -1;
		}
		p->adm_ops = adm->ops;
	}
	return 0;
}

void pol_destroy(struct pol *p)
{
	if (p->st)
		p->ops->destroy(p->st);
	if (p->adm)
		p->adm_ops->destroy(p->adm);
	p->st = NULL;
	p->adm = NULL;
}

/* pol_access; *inserted says whether a miss inserted the object. */
static inline __attribute__((always_inline)) int access_ins(struct pol *p, const struct pol_req *r,
							     struct err *e, int *inserted)
{
	*inserted = 0;
	uint64_t cap = ((const struct pol_base *)p->st)->capacity_bytes;
	if (r->size_bytes > POL_MAX_OBJ_BYTES && r->size_bytes <= cap)
		return err_set(e, ERR_INPUT,
			       "object %llu: size %llu bytes is more than a policy entry holds (%llu, 4 GiB - 1, "
			       "so that an entry stays small): `tiersim mrc` takes it (LRU), and a KV trace's "
			       "objects shrink with a smaller kv-bytes-per-token",
			       (unsigned long long)r->obj_id, (unsigned long long)r->size_bytes,
			       (unsigned long long)POL_MAX_OBJ_BYTES);
	int hit = p->ops->lookup(p->st, r);
	if (hit)
		return hit;
	if (r->size_bytes > cap)
		return 0;
	if (p->adm_ops) {
		int a = p->adm_ops->admit(p->adm, r);
		if (a < 0)
			return err_set(e, ERR_FAIL, "%s admission: out of memory", p->adm_ops->name);
		if (!a)
			return 0;
	}
	int ins = p->ops->insert(p->st, r);
	if (ins < 0)
		return err_set(e, ERR_FAIL, "%s: out of memory", p->ops->name);
	*inserted = ins;
	return 0;
}

int pol_access(struct pol *p, const struct pol_req *r, struct err *e)
{
	int inserted;
	return access_ins(p, r, e, &inserted);
}

/* A miss inserted the object iff insert said so (pol_ops: it evicts
 * before it inserts, so the object is resident after a 1), and a plain
 * hit leaves it resident; only a hit that changed its size may have
 * evicted it, and the policy is asked. */
int pol_access_resident(struct pol *p, const struct pol_req *r, struct err *e, int *resident)
{
	int inserted;
	int hit = access_ins(p, r, e, &inserted);
	if (hit == 0 || hit == 1)
		*resident = hit ? 1 : inserted;
	else
		*resident = hit > 0 && pol_contains(p, r->obj_id);
	return hit;
}

size_t pol_mem_bytes(const struct pol *p)
{
	size_t n = p->ops->mem_bytes(p->st);
	if (p->adm)
		n += p->adm_ops->mem_bytes(p->adm);
	return n;
}

void pol_set_evict_cb(struct pol *p, pol_evict_fn fn, void *ctx)
{
	struct pol_base *b = p->st;
	b->on_evict = fn;
	b->on_evict_ctx = ctx;
}

uint64_t pol_max_object(const struct pol_ops *ops, uint64_t capacity_bytes)
{
	return ops->max_object ? ops->max_object(capacity_bytes) : capacity_bytes;
}
