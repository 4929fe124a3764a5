/*
 * pieces — the layout of a block blob written a chunk at a time (pieces.h).
 * Written by hand: it is Azure's block-list rule applied to the data
 * path's chunks, which no library holds.
 */
#include "sim/pieces.h"

#include <stdlib.h>
#include <string.h>

static int push(struct pieces_block **v, size_t *n, size_t *cap, const struct pieces_block *bl)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 8;
		struct pieces_block *o = realloc(*v, c * sizeof *o);
		if (!o)
			return -1;
		*v = o;
		*cap = c;
	}
	(*v)[(*n)++] = *bl;
	return 0;
}

int pieces_add(struct pieces *p, uint64_t off, uint64_t len, int keep)
{
	size_t i = p->n;
	while (i > 0 && p->ps[i - 1].off > off)
		i--;
	if (i > 0 && p->ps[i - 1].off == off) {
		if (!keep)
			p->ps[i - 1].len = len;
		return 0;
	}
	struct pieces_block bl = { .off = off, .len = len };
	if (push(&p->ps, &p->n, &p->cap, &bl) < 0)
		return -1;
	memmove(p->ps + i + 1, p->ps + i, (p->n - 1 - i) * sizeof *p->ps);
	p->ps[i] = bl;
	return 0;
}

int pieces_fill_held(struct pieces *p, const struct pieces_block *f)
{
	return push(&p->fills, &p->nfill, &p->fillcap, f);
}

int pieces_walk(const struct pieces *p, uint64_t piece_bytes, pieces_fn fn, void *arg)
{
	uint64_t pos = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct pieces_block *pc = &p->ps[i];
		while (pos < pc->off) {
			uint64_t end = (pos / piece_bytes + 1) * piece_bytes;
			struct pieces_block f = { .off = pos, .len = (end < pc->off ? end : pc->off) - pos, .fill = 1 };
			int rc = fn(arg, &f);
			if (rc)
				return rc;
			pos += f.len;
		}
		int rc = fn(arg, pc);
		if (rc)
			return rc;
		pos = pc->off + pc->len;
	}
	return 0;
}

static int held(const struct pieces *p, const struct pieces_block *f)
{
	for (size_t i = 0; i < p->nfill; i++)
		if (p->fills[i].off == f->off && p->fills[i].len == f->len)
			return 1;
	return 0;
}

struct search {
	const struct pieces *p;
	uint64_t from;
	struct pieces_block found;
};

static int search_fn(void *arg, const struct pieces_block *bl)
{
	struct search *s = arg;
	if (!bl->fill || bl->off < s->from || held(s->p, bl))
		return 0;
	s->found = *bl;
	return 1;
}

int pieces_fill_to_stage(const struct pieces *p, uint64_t piece_bytes, uint64_t from, struct pieces_block *f)
{
	struct search s = { .p = p, .from = from };
	if (!pieces_walk(p, piece_bytes, search_fn, &s))
		return 0;
	*f = s.found;
	return 1;
}

struct set {
	struct pieces_block *v;
	size_t n, cap;
};

static int set_fn(void *arg, const struct pieces_block *bl)
{
	struct set *s = arg;
	return bl->fill && push(&s->v, &s->n, &s->cap, bl) < 0;
}

int pieces_committed(struct pieces *p, uint64_t piece_bytes)
{
	struct set s = { 0 };
	int rc = pieces_walk(p, piece_bytes, set_fn, &s) ? -1 : 0;
	free(p->fills);
	if (rc) {
		free(s.v);
		s = (struct set){ 0 };
	}
	p->fills = s.v;
	p->nfill = s.n;
	p->fillcap = s.cap;
	return rc;
}

static struct pieces **slot(struct pieces_table *t, uint64_t object)
{
	uint64_t h = object * 0x9e3779b97f4a7c15ull;
	struct pieces **pp = &t->b[h >> 54]; /* 1,024 buckets: the top 10 bits */
	while (*pp && (*pp)->object != object)
		pp = &(*pp)->hnext;
	return pp;
}

struct pieces *pieces_table_find(struct pieces_table *t, uint64_t object)
{
	return *slot(t, object);
}

struct pieces *pieces_table_get(struct pieces_table *t, uint64_t object, size_t entry_bytes)
{
	struct pieces **pp = slot(t, object);
	if (!*pp && (*pp = calloc(1, entry_bytes)))
		(*pp)->object = object;
	return *pp;
}

void pieces_table_clear(struct pieces_table *t)
{
	for (size_t k = 0; k < sizeof t->b / sizeof t->b[0]; k++)
		while (t->b[k]) {
			struct pieces *p = t->b[k];
			t->b[k] = p->hnext;
			free(p->ps);
			free(p->fills);
			free(p);
		}
}

/* ---- the phases (pieces.h) ---- */

/* An earlier write of j's object holds j's slot (not yet completed). */
static int slot_held(const struct pieces *p, const struct pieces_job *j)
{
	for (const struct pieces_job *q = p->jobs; q != j; q = q->next)
		if (q->off == j->off)
			return 1;
	return 0;
}

static int phase_open(const struct pieces *p)
{
	return !p->committing && p->staged == 0;
}

static int commit_due(const struct pieces *p)
{
	return !p->committing && p->staging == 0 && p->staged > 0;
}

int pieces_job_arrive(struct pieces *p, struct pieces_job *j, uint64_t off, uint64_t len)
{
	*j = (struct pieces_job){ .off = off, .len = len, .state = PIECES_WAITING };
	if (p->jobs_tail)
		p->jobs_tail->next = j;
	else
		p->jobs = j;
	p->jobs_tail = j;
	if (!phase_open(p) || slot_held(p, j))
		return 0;
	j->state = PIECES_STAGING;
	p->staging++;
	return 1;
}

int pieces_job_staged(struct pieces *p, struct pieces_job *j)
{
	j->state = PIECES_STAGED;
	p->staging--;
	p->staged++;
	return commit_due(p);
}

static void unlink_job(struct pieces *p, struct pieces_job *j)
{
	struct pieces_job *prev = NULL;
	for (struct pieces_job *q = p->jobs; q != j; q = q->next)
		prev = q;
	if (prev)
		prev->next = j->next;
	else
		p->jobs = j->next;
	if (p->jobs_tail == j)
		p->jobs_tail = prev;
	j->next = NULL;
}

int pieces_job_failed(struct pieces *p, struct pieces_job *j)
{
	unlink_job(p, j);
	p->staging--;
	return commit_due(p);
}

struct pieces_job *pieces_first_staged(const struct pieces *p)
{
	for (struct pieces_job *q = p->jobs; q; q = q->next)
		if (q->state == PIECES_STAGED)
			return q;
	return NULL;
}

int pieces_commit_begin(struct pieces *p)
{
	p->committing = 1;
	int rc = 0;
	for (struct pieces_job *q = p->jobs; q; q = q->next)
		if (q->state == PIECES_STAGED && pieces_add(p, q->off, q->len, 0) < 0)
			rc = -1;
	return rc;
}

struct pieces_job *pieces_commit_end(struct pieces *p)
{
	struct pieces_job *done = NULL, **dt = &done, *keep = NULL, **kt = &keep, *tail = NULL;
	for (struct pieces_job *q = p->jobs, *n; q; q = n) {
		n = q->next;
		q->next = NULL;
		if (q->state == PIECES_STAGED) {
			*dt = q;
			dt = &q->next;
		} else {
			*kt = q;
			kt = &q->next;
			tail = q;
		}
	}
	p->jobs = keep;
	p->jobs_tail = tail;
	p->staged = 0;
	p->committing = 0;
	return done;
}

struct pieces_job *pieces_next_phase(struct pieces *p)
{
	if (!phase_open(p))
		return NULL;
	struct pieces_job *first = NULL, **t = &first;
	for (struct pieces_job *q = p->jobs; q; q = q->next)
		if (q->state == PIECES_WAITING && !slot_held(p, q)) {
			q->state = PIECES_STAGING;
			p->staging++;
			q->start = NULL;
			*t = q;
			t = &q->start;
		}
	return first;
}
