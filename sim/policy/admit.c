/*
 * admit — admission policies: which missed objects enter the cache.
 *
 *   always      no admission policy (pol_adm_spec.ops == NULL).
 *   size:BYTES  admit objects of at most BYTES (a size threshold, as in
 *               the "size" admission of web caches; Aggarwal, Wolf & Yu,
 *               "Caching on the World Wide Web", IEEE TKDE 11(1), 1999).
 *   second-hit  admit an object on its second miss within a ghost window:
 *               the first miss only records the id (a ghost entry), a
 *               later miss that finds the ghost admits the object and
 *               forgets the ghost.  The window is a FIFO of ghost entries
 *               holding up to the cache's capacity in bytes of the objects
 *               it remembers (so it spans about one cache's worth of
 *               distinct misses).  This is the "second hit" / "cache on
 *               second request" filter of CDNs (Maggs & Sitaraman,
 *               "Algorithmic nuggets in content delivery", SIGCOMM CCR
 *               45(3), 2015), filtering one-hit wonders.
 */
#include <stdlib.h>
#include <string.h>

#include "ghost.h"
#include "sim/policy.h"
#include "sim/units.h"

struct adm_size {
	uint64_t max_bytes;
};

static void *adm_size_create(uint64_t param, uint64_t capacity_bytes, struct err *e)
{
	(void)capacity_bytes;
	struct adm_size *s = malloc(sizeof *s);
	if (!s) {
		err_set(e, ERR_FAIL, "admission size: out of memory");
		return NULL;
	}
	s->max_bytes = param;
	return s;
}

static void adm_size_destroy(void *st)
{
	free(st);
}

static int adm_size_admit(void *st, const struct pol_req *r)
{
	const struct adm_size *s = st;
	return (r->obj_bytes ? r->obj_bytes : r->size_bytes) <= s->max_bytes; /* the object's, not a chunk's */
}

static size_t adm_size_mem_bytes(const void *st)
{
	(void)st;
	return sizeof(struct adm_size);
}

const struct pol_adm_ops pol_adm_size_ops = {
	.name = "size",
	.create = adm_size_create,
	.destroy = adm_size_destroy,
	.admit = adm_size_admit,
	.mem_bytes = adm_size_mem_bytes,
};

struct adm_2hit {
	struct ghost g;   /* the window: one ghost list */
	uint64_t cap_bytes;
};

static void *adm_2hit_create(uint64_t param, uint64_t capacity_bytes, struct err *e)
{
	(void)param;
	struct adm_2hit *s = calloc(1, sizeof *s);
	if (!s || ghost_init(&s->g) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "admission second-hit: out of memory");
		return NULL;
	}
	s->cap_bytes = capacity_bytes;
	return s;
}

static void adm_2hit_destroy(void *st)
{
	struct adm_2hit *s = st;
	if (!s)
		return;
	ghost_destroy(&s->g);
	free(s);
}

static int adm_2hit_admit(void *st, const struct pol_req *r)
{
	struct adm_2hit *s = st;
	uint32_t size;
	if (ghost_take(&s->g, r->obj_id, &size) >= 0)
		return 1;
	if (r->size_bytes > s->cap_bytes)
		return 0;
	while (ghost_bytes(&s->g, 0) + r->size_bytes > s->cap_bytes)
		ghost_pop(&s->g, 0);
	return ghost_push(&s->g, 0, r->obj_id, (uint32_t)r->size_bytes) < 0 ? -1 : 0;
}

static size_t adm_2hit_mem_bytes(const void *st)
{
	const struct adm_2hit *s = st;
	return sizeof *s + ghost_mem_bytes(&s->g);
}

const struct pol_adm_ops pol_adm_second_hit_ops = {
	.name = "second-hit",
	.create = adm_2hit_create,
	.destroy = adm_2hit_destroy,
	.admit = adm_2hit_admit,
	.mem_bytes = adm_2hit_mem_bytes,
};

int pol_adm_parse(const char *s, struct pol_adm_spec *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (!strcmp(s, "always"))
		return 0;
	if (!strcmp(s, "second-hit")) {
		out->ops = &pol_adm_second_hit_ops;
		return 0;
	}
	if (!strncmp(s, "size:", 5)) {
		if (unit_parse_bytes(s + 5, &out->param, e) < 0)
			return err_prefix(e, "admission \"%s\": ", s);
		out->ops = &pol_adm_size_ops;
		return 0;
	}
	return err_set(e, ERR_INPUT,
		       "unknown admission policy \"%s\" (use always, size:BYTES, second-hit)", s);
}
