/* mrc — exact LRU stack distances and SHARDS; see mrc.h for the method,
 * the exactness argument and the sources. */
#include "mrc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MRC_MIN_POS ((size_t)1 << 16)   /* positions before the first compaction */
#define MRC_MIN_TAB ((size_t)1 << 12)   /* hash slots to start with */
#define MRC_MIN_HIST ((size_t)1 << 10)  /* histogram buckets to start with */
#define MRC_MAX_HIST ((size_t)1 << 20)  /* then the bucket width doubles */
#define MRC_NO_POS 0                    /* positions are 1-based */

/* splitmix64's finaliser (Steele, Lea & Flood, OOPSLA 2014). */
static uint64_t mrc_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The sampling hash is a different function from the table's, so that
 * sampled keys (low sampling hash) do not crowd a few table slots. */
static uint64_t mrc_sample_hash(uint64_t id)
{
	return mrc_mix(id + 0x9e3779b97f4a7c15ULL);
}

struct mrc_hent {
	uint64_t key;
	uint64_t pos;  /* last position; MRC_NO_POS while being moved */
	uint64_t size; /* size at the last request */
	int used;
};

/* One stack-distance engine: the exact one, or SHARDS's over sampled
 * objects.  Invariants: fen is a Fenwick tree over positions 1..cap whose
 * point values are size of y at y's last position, 0 elsewhere; live_bytes
 * is their sum; pos_key[p] is the key last placed at p (live iff that
 * key's entry still has pos == p); next is the next free position. */
struct mrc_stack {
	struct mrc_hent *tab;
	size_t tab_cap, tab_used;
	uint64_t *fen, *pos_key;
	size_t cap, next;
	uint64_t live_bytes;
	/* distance scaling: D' = ceil(D * num / den) (1/1 exact, P/T SHARDS) */
	uint64_t num, den;
	uint64_t *h_cnt, *h_bytes;
	size_t h_len;
	uint64_t g;
	uint64_t req_cnt, req_bytes;
	uint64_t size_changes;   /* hits on an object whose size had changed */
	/* exact counters at the configured sizes: hits with D' in
	 * (xs[j-1], xs[j]] land in x_cnt[j] */
	uint64_t *x_cnt, *x_bytes;
};

struct mrc {
	struct mrc_stack *st[2]; /* by enum mrc_kind; NULL when not computed */
	uint64_t exact_max_objects;
	uint64_t sample_t;       /* T of SHARDS */
	uint64_t *xs;            /* sorted distinct cfg sizes */
	size_t nxs;
	uint64_t req_cnt, req_bytes, max_obj_bytes;
};

/* ---- Fenwick tree over positions 1..cap ---- */

static void fen_add(uint64_t *fen, size_t cap, size_t p, uint64_t delta)
{
	for (; p <= cap; p += p & (~p + 1))
		fen[p] += delta; /* unsigned wrap makes "add -s" work */
}

static uint64_t fen_prefix(const uint64_t *fen, size_t p)
{
	uint64_t s = 0;
	for (; p > 0; p -= p & (~p + 1))
		s += fen[p];
	return s;
}

/* ---- hash map: open addressing, linear probing, load <= 1/2, no deletes ---- */

static struct mrc_hent *tab_find(const struct mrc_stack *s, uint64_t key)
{
	size_t mask = s->tab_cap - 1;
	for (size_t i = (size_t)mrc_mix(key) & mask;; i = (i + 1) & mask) {
		struct mrc_hent *h = &s->tab[i];
		if (!h->used || h->key == key)
			return h;
	}
}

static int tab_grow(struct mrc_stack *s)
{
	size_t ncap = s->tab_cap * 2;
	struct mrc_hent *old = s->tab;
	size_t ocap = s->tab_cap;
	s->tab = calloc(ncap, sizeof *s->tab);
	if (!s->tab) {
		s->tab = old;
		return -1;
	}
	s->tab_cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].used)
			*tab_find(s, old[i].key) = old[i];
	free(old);
	return 0;
}

/* ---- one engine ---- */

static void stack_free(struct mrc_stack *s)
{
	if (!s)
		return;
	free(s->tab);
	free(s->fen);
	free(s->pos_key);
	free(s->h_cnt);
	free(s->h_bytes);
	free(s->x_cnt);
	free(s->x_bytes);
	free(s);
}

static struct mrc_stack *stack_new(uint64_t num, uint64_t den, size_t nxs)
{
	struct mrc_stack *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->num = num;
	s->den = den;
	s->g = 1;
	s->tab_cap = MRC_MIN_TAB;
	s->cap = MRC_MIN_POS;
	s->next = 1;
	s->h_len = MRC_MIN_HIST;
	s->tab = calloc(s->tab_cap, sizeof *s->tab);
	s->fen = calloc(s->cap + 1, sizeof *s->fen);
	s->pos_key = calloc(s->cap + 1, sizeof *s->pos_key);
	s->h_cnt = calloc(s->h_len, sizeof *s->h_cnt);
	s->h_bytes = calloc(s->h_len, sizeof *s->h_bytes);
	s->x_cnt = calloc(nxs + 1, sizeof *s->x_cnt);
	s->x_bytes = calloc(nxs + 1, sizeof *s->x_bytes);
	if (!s->tab || !s->fen || !s->pos_key || !s->h_cnt || !s->h_bytes || !s->x_cnt || !s->x_bytes) {
		stack_free(s);
		return NULL;
	}
	return s;
}

/* Renumbers the live positions 1..live in order into a tree of
 * max(2·live, MRC_MIN_POS) positions; the relative order, which is all
 * that distances depend on, is kept. */
static int stack_compact(struct mrc_stack *s)
{
	size_t ncap = 2 * s->tab_used;
	if (ncap < MRC_MIN_POS)
		ncap = MRC_MIN_POS;
	uint64_t *fen = calloc(ncap + 1, sizeof *fen);
	uint64_t *pk = calloc(ncap + 1, sizeof *pk);
	if (!fen || !pk) {
		free(fen);
		free(pk);
		return -1;
	}
	size_t j = 0;
	for (size_t p = 1; p < s->next; p++) {
		struct mrc_hent *h = tab_find(s, s->pos_key[p]);
		if (!h->used || h->pos != p)
			continue;
		h->pos = ++j;
		pk[j] = h->key;
		fen[j] = h->size;
	}
	/* Linear-time Fenwick build: push each node's sum to its parent. */
	for (size_t i = 1; i <= ncap; i++) {
		size_t parent = i + (i & (~i + 1));
		if (parent <= ncap)
			fen[parent] += fen[i];
	}
	free(s->fen);
	free(s->pos_key);
	s->fen = fen;
	s->pos_key = pk;
	s->cap = ncap;
	s->next = j + 1;
	return 0;
}

static int hist_fit(struct mrc_stack *s, uint64_t idx)
{
	while (idx >= s->h_len && s->h_len < MRC_MAX_HIST) {
		size_t nlen = s->h_len * 2;
		uint64_t *c = realloc(s->h_cnt, nlen * sizeof *c);
		if (!c)
			return -1;
		s->h_cnt = c;
		uint64_t *b = realloc(s->h_bytes, nlen * sizeof *b);
		if (!b)
			return -1;
		s->h_bytes = b;
		memset(s->h_cnt + s->h_len, 0, (nlen - s->h_len) * sizeof *c);
		memset(s->h_bytes + s->h_len, 0, (nlen - s->h_len) * sizeof *b);
		s->h_len = nlen;
	}
	return 0;
}

/* Bucket ⌈D/g⌉; doubling g maps bucket i to ⌈i/2⌉. */
static int hist_add(struct mrc_stack *s, uint64_t d, uint64_t bytes)
{
	uint64_t idx = d / s->g + (d % s->g != 0);
	if (hist_fit(s, idx) < 0)
		return -1;
	while (idx >= s->h_len) {
		for (size_t i = 1; i < s->h_len; i++) {
			size_t to = (i + 1) / 2;
			if (to != i) {
				s->h_cnt[to] += s->h_cnt[i];
				s->h_bytes[to] += s->h_bytes[i];
				s->h_cnt[i] = 0;
				s->h_bytes[i] = 0;
			}
		}
		s->g *= 2;
		idx = d / s->g + (d % s->g != 0);
	}
	s->h_cnt[idx]++;
	s->h_bytes[idx] += bytes;
	return 0;
}

static void xs_add(struct mrc_stack *s, const uint64_t *xs, size_t nxs, uint64_t d, uint64_t bytes)
{
	/* lower bound: the first size >= d; none (j = nxs) means no hit */
	size_t lo = 0, hi = nxs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (xs[mid] < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->x_cnt[lo]++;
	s->x_bytes[lo] += bytes;
}

/* ceil(d · num / den), exact for the sizes in use (d < 2^53), and at most
 * UINT64_MAX (a larger double does not convert). */
static uint64_t stack_scale(const struct mrc_stack *s, uint64_t d)
{
	if (s->num == s->den)
		return d;
	double v = ceil((double)d * (double)s->num / (double)s->den);
	return v >= 0x1p64 ? UINT64_MAX : (uint64_t)v;
}

/* Records the request; *dist = its (unscaled) distance or UINT64_MAX. */
static int stack_access(struct mrc_stack *s, const uint64_t *xs, size_t nxs, uint64_t id, uint64_t size,
			uint64_t *dist)
{
	s->req_cnt++;
	s->req_bytes += size;
	if (2 * (s->tab_used + 1) > s->tab_cap && tab_grow(s) < 0)
		return -1;
	struct mrc_hent *h = tab_find(s, id);
	*dist = UINT64_MAX;
	if (h->used) {
		s->size_changes += h->size != size;
		/* bytes at positions after h->pos, plus its own (old) size */
		uint64_t others = s->live_bytes - fen_prefix(s->fen, h->pos);
		*dist = others + h->size;
		/* SHARDS: the object itself is certainly in the sample, the others
		 * with probability R, so E[others_sampled]/R is the unbiased
		 * estimate; scaling the own size too would bias every distance
		 * up by (1/R − 1)·s. */
		uint64_t ds = stack_scale(s, others) + h->size;
		if (hist_add(s, ds, size) < 0)
			return -1;
		xs_add(s, xs, nxs, ds, size);
		fen_add(s->fen, s->cap, h->pos, (uint64_t)0 - h->size);
		s->live_bytes -= h->size;
		h->pos = MRC_NO_POS;
	} else {
		h->used = 1;
		h->key = id;
		h->pos = MRC_NO_POS;
		s->tab_used++;
	}
	if (s->next > s->cap && stack_compact(s) < 0) {
		/* h is still valid: compaction never moves entries */
		return -1;
	}
	h->pos = s->next++;
	h->size = size;
	s->pos_key[h->pos] = id;
	fen_add(s->fen, s->cap, h->pos, size);
	s->live_bytes += size;
	return 0;
}

/* ---- the public interface ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void mrc_free(struct mrc *m)
{
	if (!m)
		return;
	stack_free(m->st[MRC_EXACT]);
	stack_free(m->st[MRC_SHARDS]);
	free(m->xs);
	free(m);
}

struct mrc *mrc_new(const struct mrc_cfg *cfg, struct err *e)
{
	if (!cfg->exact && cfg->sample_rate == 0.0) {
		err_set(e, ERR_INPUT, "neither the exact curve nor SHARDS asked for");
		return NULL;
	}
	if (cfg->sample_rate != 0.0 && !(cfg->sample_rate > 0.0 && cfg->sample_rate <= 1.0)) {
		err_set(e, ERR_INPUT, "sampling rate %g is not in (0, 1]", cfg->sample_rate);
		return NULL;
	}
	struct mrc *m = calloc(1, sizeof *m);
	if (!m) {
		err_set(e, ERR_FAIL, "mrc: out of memory");
		return NULL;
	}
	m->exact_max_objects = cfg->exact_max_objects;
	if (cfg->n_sizes) {
		m->xs = malloc(cfg->n_sizes * sizeof *m->xs);
		if (!m->xs) {
			mrc_free(m);
			err_set(e, ERR_FAIL, "mrc: out of memory");
			return NULL;
		}
		for (size_t i = 0; i < cfg->n_sizes; i++) {
			if (cfg->sizes[i] == 0) {
				mrc_free(m);
				err_set(e, ERR_INPUT, "a cache size must be more than 0 bytes");
				return NULL;
			}
			m->xs[i] = cfg->sizes[i];
		}
		qsort(m->xs, cfg->n_sizes, sizeof *m->xs, cmp_u64);
		size_t k = 0;
		for (size_t i = 0; i < cfg->n_sizes; i++)
			if (k == 0 || m->xs[k - 1] != m->xs[i])
				m->xs[k++] = m->xs[i];
		m->nxs = k;
	}
	if (cfg->exact && !(m->st[MRC_EXACT] = stack_new(1, 1, m->nxs)))
		goto oom;
	if (cfg->sample_rate != 0.0) {
		double t = floor(cfg->sample_rate * (double)MRC_SHARDS_P + 0.5);
		if (t < 1.0) { /* it was raised to 2^-24 without a word */
			mrc_free(m);
			err_set(e, ERR_INPUT, "sampling rate %g is below the finest, 2^-24 (%.3g)", cfg->sample_rate,
				1.0 / (double)MRC_SHARDS_P);
			return NULL;
		}
		m->sample_t = (uint64_t)t;
		if (!(m->st[MRC_SHARDS] = stack_new(MRC_SHARDS_P, m->sample_t, m->nxs)))
			goto oom;
	}
	return m;
oom:
	mrc_free(m);
	err_set(e, ERR_FAIL, "mrc: out of memory");
	return NULL;
}

int mrc_access(struct mrc *m, uint64_t obj_id, uint64_t size_bytes, struct err *e)
{
	uint64_t d;
	/* Every byte sum here (live bytes, a stack distance in bytes) is at
	 * most the requests' bytes, since an object's size is one of its
	 * requests': bounding that bounds them all (a 16 EiB object wrapped a
	 * distance to a hit in a 100-byte cache). */
	if (__builtin_add_overflow(m->req_bytes, size_bytes, &d))
		return err_set(e, ERR_INPUT,
			       "the requests' bytes pass 2^64 (16 EiB) in all: a size (or bytes per token) too large");
	m->req_cnt++;
	m->req_bytes = d;
	if (size_bytes > m->max_obj_bytes)
		m->max_obj_bytes = size_bytes;
	struct mrc_stack *x = m->st[MRC_EXACT];
	if (x) {
		if (stack_access(x, m->xs, m->nxs, obj_id, size_bytes, &d) < 0)
			return err_set(e, ERR_FAIL, "mrc: out of memory (%zu objects)", x->tab_used);
		if (m->exact_max_objects && x->tab_used > m->exact_max_objects) {
			stack_free(x);
			m->st[MRC_EXACT] = NULL;
		}
	}
	struct mrc_stack *s = m->st[MRC_SHARDS];
	if (s && (mrc_sample_hash(obj_id) & (MRC_SHARDS_P - 1)) < m->sample_t &&
	    stack_access(s, m->xs, m->nxs, obj_id, size_bytes, &d) < 0)
		return err_set(e, ERR_FAIL, "mrc: out of memory (%zu sampled objects)", s->tab_used);
	return 0;
}

int mrc_has(const struct mrc *m, enum mrc_kind k)
{
	return m->st[k] != NULL;
}

double mrc_sample_rate(const struct mrc *m)
{
	return (double)m->sample_t / (double)MRC_SHARDS_P;
}

uint64_t mrc_requests(const struct mrc *m)
{
	return m->req_cnt;
}

uint64_t mrc_max_obj_bytes(const struct mrc *m)
{
	return m->max_obj_bytes;
}

uint64_t mrc_size_changes(const struct mrc *m)
{
	const struct mrc_stack *s = m->st[MRC_EXACT];
	return s ? s->size_changes : 0;
}

uint64_t mrc_working_set_bytes(const struct mrc *m, enum mrc_kind k)
{
	const struct mrc_stack *s = m->st[k];
	return s ? stack_scale(s, s->live_bytes) : 0;
}

uint64_t mrc_granularity(const struct mrc *m, enum mrc_kind k)
{
	return m->st[k] ? m->st[k]->g : 1;
}

int mrc_eval(const struct mrc *m, enum mrc_kind k, uint64_t size_bytes, struct mrc_point *out)
{
	const struct mrc_stack *s = m->st[k];
	if (!s || size_bytes == 0)
		return -1;
	uint64_t hits = 0, hit_bytes = 0;
	size_t lo = 0, hi = m->nxs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->xs[mid] < size_bytes)
			lo = mid + 1;
		else
			hi = mid;
	}
	out->size_bytes = size_bytes;
	if (lo < m->nxs && m->xs[lo] == size_bytes) {
		for (size_t j = 0; j <= lo; j++) {
			hits += s->x_cnt[j];
			hit_bytes += s->x_bytes[j];
		}
	} else {
		uint64_t top = size_bytes / s->g;
		out->size_bytes = top * s->g;
		if (out->size_bytes == 0)
			out->size_bytes = size_bytes; /* below one bucket: bucket 0 only */
		for (size_t j = 0; j < s->h_len && j <= top; j++) {
			hits += s->h_cnt[j];
			hit_bytes += s->h_bytes[j];
		}
	}
	double mr, bmr;
	if (k == MRC_EXACT) {
		/* misses / requests, computed as sim/cache.c does, so that equal
		 * counts give bit-identical ratios */
		mr = s->req_cnt ? (double)(s->req_cnt - hits) / (double)s->req_cnt : 0.0;
		bmr = s->req_bytes ? (double)(s->req_bytes - hit_bytes) / (double)s->req_bytes : NAN;
	} else {
		/* SHARDS_adj: ratios over the expected sample, the shortfall
		 * (or excess) counted as hits at the smallest distance. */
		double r = mrc_sample_rate(m);
		double ereq = (double)m->req_cnt * r, ebytes = (double)m->req_bytes * r;
		double h = (double)hits + (ereq - (double)s->req_cnt);
		double hb = (double)hit_bytes + (ebytes - (double)s->req_bytes);
		mr = ereq > 0.0 ? 1.0 - h / ereq : 0.0;
		bmr = ebytes > 0.0 ? 1.0 - hb / ebytes : NAN;
	}
	/* No bytes requested: no byte miss ratio (NaN, a blank cell), as
	 * sim/cache.c says it; mrc said 0 where cache said nothing. */
	out->miss_ratio = mr < 0.0 ? 0.0 : mr > 1.0 ? 1.0 : mr;
	out->byte_miss_ratio = isnan(bmr) ? bmr : bmr < 0.0 ? 0.0 : bmr > 1.0 ? 1.0 : bmr;
	if (s->req_cnt == 0) /* nothing counted (or sampled): no estimate */
		out->miss_ratio = out->byte_miss_ratio = NAN;
	return 0;
}

int mrc_stack_distances(const uint64_t *ids, const uint64_t *sizes, size_t n, uint64_t *dist,
			struct err *e)
{
	struct mrc_stack *s = stack_new(1, 1, 0);
	if (!s)
		return err_set(e, ERR_FAIL, "mrc: out of memory");
	for (size_t i = 0; i < n; i++)
		if (stack_access(s, NULL, 0, ids[i], sizes ? sizes[i] : 1, &dist[i]) < 0) {
			stack_free(s);
			return err_set(e, ERR_FAIL, "mrc: out of memory");
		}
	stack_free(s);
	return 0;
}
