/*
 * zipf — the project's seeded Zipf generator: ranks 1..n with
 * P(k) = k^-alpha / H(n, alpha), H the generalised harmonic number.
 *
 * Sampling is rejection-inversion (Hörmann & Derflinger, "Rejection-
 * inversion to generate variates from monotone discrete distributions",
 * ACM TOMACS 6(3), 1996), as in Apache Commons RNG's
 * RejectionInversionZipfSampler: O(1) memory and expected O(1) time for
 * any n and any alpha >= 0 (alpha = 1 included), with no table over the
 * n ranks, so it serves 10^6 objects and 10^12 alike.  Uniform variates
 * come from a caller's GSL generator (one of the project's seeded
 * streams, sim/rng.h), so the same seed gives the same ranks.
 */
#ifndef TIERSIM_ZIPF_H
#define TIERSIM_ZIPF_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/err.h"

struct zipf {
	uint64_t n;
	double alpha;
	double h_x1, h_n, s; /* precomputed constants of the sampler */
};

/* n >= 1, alpha >= 0 and finite.  0, or -1 with e filled (ERR_INPUT). */
int zipf_init(struct zipf *z, uint64_t n, double alpha, struct err *e);

/* A rank in 1..n (1 the most popular). */
uint64_t zipf_draw(const struct zipf *z, gsl_rng *r);

#endif
