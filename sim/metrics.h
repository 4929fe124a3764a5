/*
 * metrics — what a run measures, collected in one registry per run and
 * written to the results database at the end (results.h).
 *
 *   scalars     name, value, unit: counters and derived figures
 *               ("station.cpu.utilisation", 0.81, "ratio")
 *   histograms  named hist.h histograms with a unit ("ns", "bytes")
 *   series      a value sampled every `period` of simulated time, through
 *               a probe callback, from met_sampler_start() until the run ends
 *
 * Names are dotted paths, component first.  Registering a name twice
 * replaces a scalar's value (and unit) and returns the existing histogram
 * or series unchanged (its unit, probe and ctx are the first caller's).
 * Pointers the registry hands out stay valid until met_free.
 *
 * met_tavg is the time average of a piecewise-constant quantity (queue
 * length, busy servers): call met_tavg_set at every change, read with
 * met_tavg_mean at the end.  It integrates exactly in integer ns × value.
 */
#ifndef TIERSIM_METRICS_H
#define TIERSIM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "hist.h"

/* ---- time averages ---- */
struct met_tavg {
	uint64_t t0_ns;    /* start of the averaging window */
	uint64_t last_ns;  /* time of the last change */
	double value;      /* current value */
	double area;       /* integral of value dt over [t0, last] in value*ns */
};

void met_tavg_init(struct met_tavg *a, uint64_t now_ns, double value);
/* Inline: resources call it three times per state change, millions of
 * times a run, and the call cost as much as the body. */
static inline void met_tavg_set(struct met_tavg *a, uint64_t now_ns, double value)
{
	if (now_ns > a->last_ns) {
		a->area += a->value * (double)(now_ns - a->last_ns);
		a->last_ns = now_ns;
	}
	a->value = value;
}
/* Restarts the window at now, keeping the current value (after warm-up). */
void met_tavg_restart(struct met_tavg *a, uint64_t now_ns);
double met_tavg_mean(const struct met_tavg *a, uint64_t now_ns);

/* ---- the registry ---- */
struct met_registry;

struct met_scalar {
	char *name;
	double value;
	char *unit;
};

struct met_named_hist {
	char *name;
	char *unit;
	struct hist *h;
};

struct met_series {
	char *name;
	char *unit;
	double (*probe)(void *ctx, uint64_t now_ns);
	void *ctx;
	uint64_t *t_ns;     /* sample times */
	double *v;          /* sample values */
	size_t n, cap;
	double booked;      /* a spread series: the amount booked so far */
};

struct met_registry *met_new(void);
void met_free(struct met_registry *m);

/* 0, or -1 on out of memory. */
int met_set(struct met_registry *m, const char *name, double value, const char *unit);
/* met_set of PREFIX.WHAT (a name of at most 319 bytes; longer is cut). */
int met_set_in(struct met_registry *m, const char *prefix, const char *what, double value, const char *unit);
/* A scalar of a module's export, PREFIX.WHAT = v in unit: a module lists
 * its scalars in a table and exports them with one met_set_fields. */
struct met_field {
	const char *what, *unit;
	double v;
};
/* met_set_in of each of the n fields, in order: 0, or -1 on out of memory. */
int met_set_fields(struct met_registry *m, const char *prefix, const struct met_field *f, size_t n);
/* The histogram of that name, created empty on first use; NULL on OOM. */
struct hist *met_hist(struct met_registry *m, const char *name, const char *unit);
/* One operation class of a backend, as every backend exports it:
 * PREFIX.OP.ops (ops); when bytes is not NULL (a data operation),
 * PREFIX.OP.bytes (B) and PREFIX.OP.bandwidth (B/s: *bytes / secs, 0 when
 * secs is 0); and PREFIX.OP.latency (ns), to which latency is added
 * (hist_merge: backends exported under one prefix aggregate), or which
 * it replaces when `replace` is set.  0, or -1 on out of memory. */
int met_export_op(struct met_registry *m, const char *prefix, const char *op, uint64_t ops, const uint64_t *bytes,
		  double secs, const struct hist *latency, int replace);
/* The histogram `name` (unit) of m becomes a copy of h: 0, or -1 on out
 * of memory.  For a decorator whose latency replaces its inner backend's. */
int met_hist_set(struct met_registry *m, const char *name, const char *unit, const struct hist *h);
/* Registers a series; NULL on OOM. */
struct met_series *met_series_add(struct met_registry *m, const char *name, const char *unit,
				  double (*probe)(void *ctx, uint64_t now_ns), void *ctx);
/* A series of an amount moved over time (bytes through a tier), each
 * piece of which is booked once it is over, with the interval it took:
 * met_spread(s, start_ns, end_ns, amount) at end_ns = now.  Its samples
 * are cumulative, the amount moved up to each sample time, the amount
 * of a piece counted as moved evenly over its interval: a sample taken
 * at t inside a piece's interval gets (t - start) / (end - start) of it
 * when the piece is booked, later.  Why: a counter bumped when each
 * piece ends puts a piece's bytes in the period it ended in, so pieces
 * that share a link and end together (processor sharing: N flows started
 * at once end at once) showed, in the bundled default, an object store
 * reading at 93 GB/s in one second through a 25 GB/s account and at
 * nothing in the seconds before.  Spread evenly, the rate of a period
 * is exact for pieces that moved at a constant rate (a link's flows
 * between changes of the sharing), and still smoothed over a piece's
 * whole interval otherwise.  NULL on OOM. */
struct met_series *met_series_add_spread(struct met_registry *m, const char *name, const char *unit);
/* Books amount moved over [start_ns, end_ns] into s (a spread series);
 * end_ns is the executor's now (no sample after it exists yet). */
static inline void met_spread(struct met_series *s, uint64_t start_ns, uint64_t end_ns, double amount)
{
	s->booked += amount;
	/* The samples already taken inside the interval (at its end too: a
	 * piece of no duration at a sample's instant is up to that sample):
	 * usually none, a piece being far shorter than the sampling period. */
	for (size_t k = s->n; k > 0 && s->t_ns[k - 1] >= start_ns; k--) {
		uint64_t t = s->t_ns[k - 1];
		s->v[k - 1] += t >= end_ns ? amount : amount * (double)(t - start_ns) / (double)(end_ns - start_ns);
	}
}

/* Samples every series at start and then every period_ns until the
 * executor stops running events; the sampler is one pending event, which
 * reschedules itself at now + period_ns each time it runs.
 *
 * So the event set is never empty while the sampler runs: bound the run
 * (ev_run with a finite until_ns, or ev_stop), or call met_sampler_stop
 * when the workload is done.  A sampler event left pending when the run
 * returns is fine — it is simply never run — but the registry must then
 * outlive every later run of that executor, or be stopped first.
 * -1 if period_ns is 0, the sampler is already running, or the executor
 * could not take the event. */
int met_sampler_start(struct met_registry *m, const struct exec *x, uint64_t period_ns);
/* Cancels the pending sampler event (through the executor given to
 * met_sampler_start, which must still be alive).  Returns 1 if an event was
 * pending, else 0.  The sampler may then be started again. */
int met_sampler_stop(struct met_registry *m);
/* The sampler stops by itself once the series hold MET_MAX_SAMPLES samples
 * (2^20: 12 days at 1 s; 16 MiB a series): the time it stopped, or 0. */
#define MET_MAX_SAMPLES (1u << 20)
uint64_t met_sampler_capped(const struct met_registry *m);
/* Samples every series once, now (call at the end of a run).  A series
 * keeps at most one sample per instant: sampling again at the time of its
 * last sample keeps that sample and does not call the probe, whose period
 * since its previous call would be empty. */
void met_sample_now(struct met_registry *m, uint64_t now_ns);

/* Read access, in registration order. */
size_t met_nscalars(const struct met_registry *m);
const struct met_scalar *met_scalar_at(const struct met_registry *m, size_t i);
const struct met_scalar *met_find(const struct met_registry *m, const char *name);
size_t met_nhists(const struct met_registry *m);
const struct met_named_hist *met_hist_at(const struct met_registry *m, size_t i);
/* The histogram called name, or NULL (met_hist would make one). */
const struct hist *met_find_hist(const struct met_registry *m, const char *name);
size_t met_nseries(const struct met_registry *m);
const struct met_series *met_series_at(const struct met_registry *m, size_t i);
/* 1 if any allocation failed since met_new, a registered histogram
 * included (hist_lost), so the run must fail. */
int met_failed(const struct met_registry *m);

#endif
