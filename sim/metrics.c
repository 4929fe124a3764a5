/*
 * metrics — time averages and the per-run registry of scalars, histograms
 * and sampled series; see metrics.h.
 *
 * Time average of a piecewise-constant x(t) over [t0, now]:
 *
 *     mean = (1 / (now - t0)) * sum_k x_k * (t_{k+1} - t_k)
 *
 * accumulated at each change as area += value * (now - last).  Durations are
 * integer ns, so the only rounding is the double product and sum.
 *
 * The registry keeps three lists in registration order (the order results
 * are written in, so runs are deterministic) and, per list, an
 * open-addressing hash of name -> position so that registering and finding
 * stay O(1) with thousands of per-node metrics.  Entries are held by
 * pointer, so a pointer handed out (a histogram, a series, a scalar) stays
 * valid until met_free however many names are added later.
 *
 * Allocation failures are sticky (met_failed): the call that failed returns
 * -1 or NULL, and the run that owns the registry must fail rather than write
 * results that silently lack a metric or a sample.  So must a run whose
 * histograms lost values for want of memory (hist.h).
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- time averages ---- */

void met_tavg_init(struct met_tavg *a, uint64_t now_ns, double value)
{
	a->t0_ns = now_ns;
	a->last_ns = now_ns;
	a->value = value;
	a->area = 0.0;
}

void met_tavg_restart(struct met_tavg *a, uint64_t now_ns)
{
	met_tavg_init(a, now_ns, a->value);
}

double met_tavg_mean(const struct met_tavg *a, uint64_t now_ns)
{
	if (now_ns <= a->t0_ns)
		return a->value;
	double area = a->area;
	if (now_ns > a->last_ns)
		area += a->value * (double)(now_ns - a->last_ns);
	return area / (double)(now_ns - a->t0_ns);
}

/* ---- registry lists ---- */

/* One list per kind, in registration order, with a name index.  Items are
 * struct met_scalar, met_named_hist or met_series, each of which has
 * `char *name` as its first member, so the list can read any item's name.
 * The index is open addressing over a power-of-two table kept at most half
 * full; a slot holds position + 1 (0 = empty), so probing always ends. */
struct met_list {
	void **item;
	size_t n, cap;
	size_t *slot;
	size_t nslot;
};

static const char *met_item_name(const void *item)
{
	return *(char *const *)item;
}

static uint64_t met_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, 64-bit */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

static void met_list_index(struct met_list *l, size_t pos)
{
	size_t mask = l->nslot - 1, s = met_hash(met_item_name(l->item[pos])) & mask;
	while (l->slot[s])
		s = (s + 1) & mask;
	l->slot[s] = pos + 1;
}

/* The item called name, or NULL. */
static void *met_list_find(const struct met_list *l, const char *name)
{
	if (l->nslot == 0)
		return NULL;
	size_t mask = l->nslot - 1;
	for (size_t s = met_hash(name) & mask; l->slot[s]; s = (s + 1) & mask) {
		void *it = l->item[l->slot[s] - 1];
		if (strcmp(met_item_name(it), name) == 0)
			return it;
	}
	return NULL;
}

/* Appends item (whose name is not in the list yet); -1 on out of memory,
 * and then the list is unchanged. */
static int met_list_append(struct met_list *l, void *item)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 16;
		void **ni = realloc(l->item, ncap * sizeof *ni);
		if (!ni)
			return -1;
		l->item = ni;
		l->cap = ncap;
	}
	if (2 * (l->n + 1) > l->nslot) {
		size_t nslot = l->nslot ? 2 * l->nslot : 32;
		size_t *slot = calloc(nslot, sizeof *slot);
		if (!slot)
			return -1;
		free(l->slot);
		l->slot = slot;
		l->nslot = nslot;
		for (size_t i = 0; i < l->n; i++)
			met_list_index(l, i);
	}
	l->item[l->n] = item;
	met_list_index(l, l->n);
	l->n++;
	return 0;
}

struct met_registry {
	struct met_list scalars; /* struct met_scalar */
	struct met_list hists;   /* struct met_named_hist */
	struct met_list series;  /* struct met_series */
	int failed;

	/* The sampler: at most one pending executor event (sampler_id). */
	struct exec x;
	uint64_t period_ns;
	uint64_t sampler_id; /* 0 when not running */
	uint64_t capped_ns;  /* when the sampler stopped at MET_MAX_SAMPLES; 0: never */
};

struct met_registry *met_new(void)
{
	return calloc(1, sizeof(struct met_registry));
}

void met_free(struct met_registry *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->scalars.n; i++) {
		struct met_scalar *sc = m->scalars.item[i];
		free(sc->name);
		free(sc->unit);
		free(sc);
	}
	for (size_t i = 0; i < m->hists.n; i++) {
		struct met_named_hist *nh = m->hists.item[i];
		free(nh->name);
		free(nh->unit);
		hist_free(nh->h);
		free(nh);
	}
	for (size_t i = 0; i < m->series.n; i++) {
		struct met_series *s = m->series.item[i];
		free(s->name);
		free(s->unit);
		free(s->t_ns);
		free(s->v);
		free(s);
	}
	struct met_list *lists[] = {&m->scalars, &m->hists, &m->series};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		free(lists[i]->item);
		free(lists[i]->slot);
	}
	free(m);
}

static char *met_strdup(const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int met_export_op(struct met_registry *m, const char *prefix, const char *op, uint64_t ops, const uint64_t *bytes,
		  double secs, const struct hist *latency, int replace)
{
	char name[320];
	snprintf(name, sizeof name, "%s.%s.ops", prefix, op);
	if (met_set(m, name, (double)ops, "ops"))
		return -1;
	if (bytes) {
		snprintf(name, sizeof name, "%s.%s.bytes", prefix, op);
		if (met_set(m, name, (double)*bytes, "B"))
			return -1;
		snprintf(name, sizeof name, "%s.%s.bandwidth", prefix, op);
		if (met_set(m, name, secs > 0 ? (double)*bytes / secs : 0, "B/s"))
			return -1;
	}
	snprintf(name, sizeof name, "%s.%s.latency", prefix, op);
	struct hist *h = met_hist(m, name, "ns");
	if (!h)
		return -1;
	if (replace)
		hist_reset(h);
	hist_merge(h, latency);
	return 0;
}

int met_hist_set(struct met_registry *m, const char *name, const char *unit, const struct hist *h)
{
	struct hist *to = met_hist(m, name, unit);
	if (!to)
		return -1;
	hist_reset(to);
	hist_merge(to, h);
	return 0;
}

int met_set(struct met_registry *m, const char *name, double value, const char *unit)
{
	struct met_scalar *sc = met_list_find(&m->scalars, name);
	if (sc) {
		if (strcmp(sc->unit, unit ? unit : "") != 0) {
			char *u = met_strdup(unit);
			if (!u) {
				m->failed = 1;
				return -1;
			}
			free(sc->unit);
			sc->unit = u;
		}
		sc->value = value;
		return 0;
	}
	sc = malloc(sizeof *sc);
	char *n = met_strdup(name), *u = met_strdup(unit);
	if (sc) {
		sc->name = n;
		sc->unit = u;
		sc->value = value;
	}
	if (!sc || !n || !u || met_list_append(&m->scalars, sc) < 0) {
		free(sc);
		free(n);
		free(u);
		m->failed = 1;
		return -1;
	}
	return 0;
}

int met_set_in(struct met_registry *m, const char *prefix, const char *what, double value, const char *unit)
{
	char name[320];
	snprintf(name, sizeof name, "%s.%s", prefix, what);
	return met_set(m, name, value, unit);
}

int met_set_fields(struct met_registry *m, const char *prefix, const struct met_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (met_set_in(m, prefix, f[i].what, f[i].v, f[i].unit) < 0)
			return -1;
	return 0;
}

struct hist *met_hist(struct met_registry *m, const char *name, const char *unit)
{
	struct met_named_hist *nh = met_list_find(&m->hists, name);
	if (nh)
		return nh->h;
	nh = malloc(sizeof *nh);
	char *n = met_strdup(name), *u = met_strdup(unit);
	struct hist *h = hist_new();
	if (nh) {
		nh->name = n;
		nh->unit = u;
		nh->h = h;
	}
	if (!nh || !n || !u || !h || met_list_append(&m->hists, nh) < 0) {
		free(nh);
		free(n);
		free(u);
		hist_free(h);
		m->failed = 1;
		return NULL;
	}
	return h;
}

struct met_series *met_series_add(struct met_registry *m, const char *name, const char *unit,
				  double (*probe)(void *ctx, uint64_t now_ns), void *ctx)
{
	struct met_series *s = met_list_find(&m->series, name);
	if (s)
		return s;
	s = calloc(1, sizeof *s);
	char *n = met_strdup(name), *u = met_strdup(unit);
	if (s) {
		s->name = n;
		s->unit = u;
		s->probe = probe;
		s->ctx = ctx;
	}
	if (!s || !n || !u || met_list_append(&m->series, s) < 0) {
		free(s);
		free(n);
		free(u);
		m->failed = 1;
		return NULL;
	}
	return s;
}

static double spread_probe(void *ctx, uint64_t now_ns)
{
	(void)now_ns;
	return ((const struct met_series *)ctx)->booked;
}

struct met_series *met_series_add_spread(struct met_registry *m, const char *name, const char *unit)
{
	struct met_series *s = met_series_add(m, name, unit, spread_probe, NULL);
	if (s && !s->ctx)
		s->ctx = s;
	return s;
}

/* ---- sampling ---- */

static void met_series_push(struct met_registry *m, struct met_series *s, uint64_t now_ns)
{
	/* One sample per instant, and the first wins: a probe may report
	 * over the period since its previous call (a job's AU), and called
	 * again at the same instant it measures an empty period.  (When the
	 * latest won, a run cut at a whole second, where the sampler had
	 * just sampled, ended its AU series at 0.) */
	if (s->n > 0 && s->t_ns[s->n - 1] == now_ns)
		return;
	double v = s->probe(s->ctx, now_ns);
	if (s->n == s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 64;
		uint64_t *t = realloc(s->t_ns, ncap * sizeof *t);
		if (!t) {
			m->failed = 1;
			return;
		}
		s->t_ns = t;
		double *nv = realloc(s->v, ncap * sizeof *nv);
		if (!nv) {
			m->failed = 1;
			return;
		}
		s->v = nv;
		s->cap = ncap;
	}
	s->t_ns[s->n] = now_ns;
	s->v[s->n] = v;
	s->n++;
}

void met_sample_now(struct met_registry *m, uint64_t now_ns)
{
	/* m->series.n is re-read: a probe may register another series. */
	for (size_t i = 0; i < m->series.n; i++) {
		struct met_series *s = m->series.item[i];
		if (s->probe)
			met_series_push(m, s, now_ns);
	}
}

static void met_sampler_fire(void *arg)
{
	struct met_registry *m = arg;
	uint64_t now = exec_now(&m->x);
	met_sample_now(m, now);
	/* Out of memory: no more samples, and no more events that would keep
	 * a run whose work has stopped going (a run with 60 MiB once sampled
	 * on for weeks of simulated time). */
	if (m->failed) {
		m->sampler_id = 0;
		return;
	}
	/* Bounded: an open-loop replay stretched by a large time_scale once
	 * sampled once a second for decades of simulated time, without end
	 * in sight, its series growing all the while. */
	if (m->series.n && ((struct met_series *)m->series.item[0])->n >= MET_MAX_SAMPLES) {
		m->sampler_id = 0;
		m->capped_ns = now;
		return;
	}
	/* The clock's end: the next tick would wrap past 2^64 ns, and the
	 * executor would take it for now, and sample at this instant for
	 * ever (a queueing run with `until` past 5.1 million hours did). */
	if (now > UINT64_MAX - 1 - m->period_ns) {
		m->sampler_id = 0;
		return;
	}
	m->sampler_id = exec_at(&m->x, now + m->period_ns, met_sampler_fire, m);
	if (m->sampler_id == 0)
		m->failed = 1; /* the executor fails its run too (exec.h) */
}

int met_sampler_start(struct met_registry *m, const struct exec *x, uint64_t period_ns)
{
	if (period_ns == 0 || m->sampler_id != 0)
		return -1;
	m->x = *x;
	m->period_ns = period_ns;
	met_sampler_fire(m);
	return m->sampler_id ? 0 : -1;
}

int met_sampler_stop(struct met_registry *m)
{
	if (m->sampler_id == 0)
		return 0;
	int was = exec_cancel(&m->x, m->sampler_id);
	m->sampler_id = 0;
	return was;
}

/* ---- read access ---- */

size_t met_nscalars(const struct met_registry *m)
{
	return m->scalars.n;
}

const struct met_scalar *met_scalar_at(const struct met_registry *m, size_t i)
{
	return i < m->scalars.n ? m->scalars.item[i] : NULL;
}

const struct met_scalar *met_find(const struct met_registry *m, const char *name)
{
	return met_list_find(&m->scalars, name);
}

size_t met_nhists(const struct met_registry *m)
{
	return m->hists.n;
}

const struct hist *met_find_hist(const struct met_registry *m, const char *name)
{
	const struct met_named_hist *h = met_list_find(&m->hists, name);
	return h ? h->h : NULL;
}

const struct met_named_hist *met_hist_at(const struct met_registry *m, size_t i)
{
	return i < m->hists.n ? m->hists.item[i] : NULL;
}

size_t met_nseries(const struct met_registry *m)
{
	return m->series.n;
}

const struct met_series *met_series_at(const struct met_registry *m, size_t i)
{
	return i < m->series.n ? m->series.item[i] : NULL;
}

uint64_t met_sampler_capped(const struct met_registry *m)
{
	return m->capped_ns;
}

int met_failed(const struct met_registry *m)
{
	if (m->failed)
		return 1;
	/* A histogram that lost values to out of memory (hist_lost) would
	 * report quantiles from incomplete counts. */
	for (size_t i = 0; i < met_nhists(m); i++)
		if (hist_lost(met_hist_at(m, i)->h))
			return 1;
	return 0;
}
