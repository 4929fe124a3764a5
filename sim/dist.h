/*
 * dist — the distributions a scenario can name, sampled through GSL.
 *
 * A distribution is written as NAME(ARGS) in scenario files, with values in
 * the unit kind of the field (a time field takes "250us", a size field
 * "1MiB"); samples come back in ns or bytes as a double:
 *
 *   const(V)              deterministic V                    (alias: det)
 *   exp(MEAN)             exponential                         gsl_ran_exponential
 *   lognormal(MEAN, CV)   lognormal with that mean and coefficient of
 *                         variation: sigma^2 = ln(1+CV^2), mu = ln MEAN - sigma^2/2
 *                                                             gsl_ran_lognormal
 *   gamma(MEAN, CV)       gamma: shape k = 1/CV^2, scale = MEAN/k  gsl_ran_gamma
 *   pareto(ALPHA, MIN)    Pareto with shape ALPHA > 0 and scale MIN  gsl_ran_pareto
 *   uniform(A, B)         uniform on [A, B)                   gsl_ran_flat
 *   empirical(V1:W1, V2:W2, ...)  V_i with probability W_i/sum(W)
 *                                                             gsl_ran_discrete
 *
 * dist_mean() and dist_m2() (the second moment, +inf when it does not exist,
 * e.g. Pareto with ALPHA <= 2) are exact; the closed forms of queueing
 * theory use them.
 */
#ifndef TIERSIM_DIST_H
#define TIERSIM_DIST_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "err.h"

enum dist_unit { DIST_TIME, DIST_BYTES, DIST_PLAIN };

enum dist_kind {
	DIST_CONST,
	DIST_EXP,
	DIST_LOGNORMAL,
	DIST_GAMMA,
	DIST_PARETO,
	DIST_UNIFORM,
	DIST_EMPIRICAL,
};

struct dist {
	enum dist_kind kind;
	double a, b;                   /* kind-specific parameters, in ns/bytes:
					  const V; exp MEAN; lognormal and gamma
					  MEAN, CV; pareto ALPHA, MIN; uniform A, B */
	gsl_ran_discrete_t *table;     /* DIST_EMPIRICAL */
	double *values;                /* DIST_EMPIRICAL: 2n entries, the n values
					  then their n probabilities (sum 1) */
	size_t n;
	double mu, sigma;              /* DIST_LOGNORMAL: the normal's parameters,
					  derived from a and b once (dist_set) */
	uint64_t rounded;              /* DIST_CONST: dist_sample_round's value,
					  worked out once (dist_const, dist_parse) */
};

/* Parses spec in the given unit kind.  On error the message quotes spec and
 * says what is wrong; the caller prefixes file:line.  d is overwritten, not
 * freed, and is left zeroed (safe to dist_free) on error.  CV may be 0
 * (deterministic at MEAN); pareto's ALPHA and the CVs are plain numbers,
 * empirical weights are plain numbers >= 0 with a positive sum. */
int dist_parse(struct dist *d, const char *spec, enum dist_unit unit, struct err *e);
/* Convenience constructors (cannot fail except empirical). */
void dist_const(struct dist *d, double v);
void dist_exp(struct dist *d, double mean);
void dist_lognormal(struct dist *d, double mean, double cv);
double dist_sample(const struct dist *d, gsl_rng *r);
/* A sample rounded to the nearest whole unit (halves away from zero, as
 * llround), 0 when it is not positive: a duration in ns or a size in
 * bytes. */
uint64_t dist_sample_round_any(const struct dist *d, gsl_rng *r);
/* Inline for a constant, the latencies of most modelled devices: its
 * rounding and the call were 1% of the three-tier bench's instructions. */
static inline uint64_t dist_sample_round(const struct dist *d, gsl_rng *r)
{
	return d->kind == DIST_CONST ? d->rounded : dist_sample_round_any(d, r);
}
double dist_mean(const struct dist *d);
double dist_m2(const struct dist *d);
/* A copy of src that owns its own tables (an empirical distribution's
 * values and alias table), to be freed with dist_free.  -1 on out of
 * memory (dst zeroed). */
int dist_copy(struct dist *dst, const struct dist *src, struct err *e);
void dist_free(struct dist *d);
/* Writes the canonical text of d ("exp(1000000)"), for reports. */
char *dist_str(const struct dist *d, char *buf, size_t n);

#endif
