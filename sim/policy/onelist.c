/*
 * onelist — see onelist.h.
 */
#include "onelist.h"

#include <stdlib.h>

void *onelist_create(uint64_t capacity_bytes, const char *name, struct err *e)
{
	struct onelist *s = calloc(1, sizeof *s);
	if (!s || cidx_init(&s->ix, sizeof(struct pol_ent), CIDX_SPARSE) < 0) {
		free(s);
		err_set(e, ERR_FAIL, "%s: out of memory", name);
		return NULL;
	}
	s->b.capacity_bytes = capacity_bytes;
	s->b.index = &s->ix;
	plist_init(&s->q);
	s->hand = CIDX_NONE;
	return s;
}

void onelist_destroy(void *st)
{
	struct onelist *s = st;
	if (!s)
		return;
	cidx_destroy(&s->ix);
	free(s);
}

int onelist_remove(void *st, uint64_t id)
{
	struct onelist *s = st;
	uint32_t h = cidx_find(&s->ix, id);
	if (h == CIDX_NONE)
		return 0;
	onelist_drop(s, h, plist_ent(&s->ix, h), 0);
	return 1;
}

int onelist_contains(const void *st, uint64_t id)
{
	const struct onelist *s = st;
	return cidx_find(&s->ix, id) != CIDX_NONE;
}

size_t onelist_mem_bytes(const void *st)
{
	const struct onelist *s = st;
	return sizeof *s + cidx_mem_bytes(&s->ix);
}
