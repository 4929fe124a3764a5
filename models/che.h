/*
 * che — analytic hit ratios of LRU and FIFO caches under the independent
 * reference model (IRM), the third rung of the validation ladder
 * (DESIGN.md) and the model that extrapolates cache behaviour to catalogs
 * far larger than any simulation (hardware-and-scale.md §6.1, §6.2).
 *
 * IRM: object i is requested as a Poisson process of rate λ_i, independently
 * of all others; λ need not be normalised (only ratios matter).
 *
 * LRU — Che's approximation (Che, Tung & Wang, "Hierarchical Web caching
 * systems: modeling, design and experimental results", IEEE JSAC 20(7),
 * 2002; why it is accurate: Fricker, Robert & Roberts, ITC 24, 2012,
 * arXiv:1202.3974).  An object stays in an LRU cache for a deterministic
 * "characteristic time" T_C after its last request, so
 *
 *     hit_i(T) = 1 − e^{−λ_i T}
 *
 * and T_C is the root of   Σ_i s_i · hit_i(T) = C
 * (s_i = 1 and C in objects for the classic form; s_i in bytes and C in
 * bytes for the size-aware variant).
 *
 * FIFO (and RANDOM, which has the same hit ratio under IRM) — the TTL view
 * of Garetto, Leonardi & Martina ("A unified approach to the performance
 * analysis of caching systems", INFOCOM 2014 / ACM TOMPECS 1(3), 2016),
 * after Dan & Towsley (SIGMETRICS 1990).  An object stays T after the miss
 * that inserted it, and hits do not extend its stay, so each object
 * alternates between T in the cache and an exponential 1/λ_i out of it
 * (the wait for its next request, a miss that reinserts it).  By renewal
 * reward the fraction of time in the cache, which under Poisson arrivals
 * (PASTA) is the hit probability, is
 *
 *     hit_i(T) = T / (T + 1/λ_i) = λ_i T / (1 + λ_i T)
 *
 * with T the root of  Σ_i s_i · hit_i(T) = C  as for LRU.  (The formula is
 * derived here as above; the reference file marks it [R], not yet checked
 * against the paper's text.)
 *
 * Both sums rise strictly from 0 (T = 0) to Σ s_i (T → ∞), so for
 * 0 < C < Σ s_i there is exactly one root.  It is bracketed by doubling an
 * upper bound from 1/max λ, then refined with GSL's Brent solver
 * (gsl_root_fsolver_brent) to a relative width of 1e-12.  A cache that
 * holds every object (C ≥ Σ s_i) has T = +∞ and hit ratio 1.
 *
 * Overall ratios:  request hit ratio = Σ λ_i hit_i / Σ λ_i,
 *                  byte hit ratio    = Σ λ_i s_i hit_i / Σ λ_i s_i.
 *
 * Zipf popularity: λ_i ∝ i^{−α}, i = 1..n (che_zipf_rates).
 */
#ifndef TIERSIM_CHE_H
#define TIERSIM_CHE_H

#include <stddef.h>

#include "sim/err.h"

enum che_policy {
	CHE_LRU,  /* Che's approximation */
	CHE_FIFO, /* FIFO / RANDOM, TTL without reset on hit */
};

/* "lru" or "fifo". */
const char *che_policy_name(enum che_policy p);

/* hit_i for one object of rate lambda (>= 0) at characteristic time t
 * (t = +inf allowed: 1 for lambda > 0). */
double che_hit_prob(enum che_policy p, double lambda, double t);

/* The characteristic time: the root T of Σ s_i hit_i(T) = capacity, with
 * rates lambda[0..n) (>= 0, finite, at least one > 0) and sizes size[0..n)
 * (>= 0; NULL: every object is 1, capacity in objects).  capacity > 0.
 * Writes +inf to *t when the cache holds everything.  0, or -1 with e
 * filled (ERR_INPUT for bad arguments, ERR_FAIL if the solver fails). */
int che_char_time(enum che_policy p, const double *lambda, const double *size, size_t n,
		  double capacity, double *t, struct err *e);

/* Σ λ_i hit_i(t) / Σ λ_i. */
double che_hit_ratio(enum che_policy p, const double *lambda, size_t n, double t);
/* Σ λ_i s_i hit_i(t) / Σ λ_i s_i (size NULL: as che_hit_ratio). */
double che_byte_hit_ratio(enum che_policy p, const double *lambda, const double *size, size_t n,
			  double t);

/* lambda[i] = (i+1)^{-alpha} / H(n, alpha), the request probability of rank
 * i+1 of a Zipf(alpha) law over n objects (sums to 1).  n >= 1, alpha >= 0
 * and finite.  0, or -1 with e filled (ERR_INPUT). */
int che_zipf_rates(double *lambda, size_t n, double alpha, struct err *e);

#endif
