/*
 * qvalidate — the queueing rung of the validation ladder: the DES's
 * resource primitives (sim/resource.h res_queue, over the engine, with
 * dist.h service times) against the closed forms of qtheory.h.
 *
 * Method: for each case, R independent replications (each its own RNG
 * streams, named for the case and the replication), each starting empty,
 * discarding the first `warmup` customers (statistics restart at that
 * arrival) and measuring the next `customers`.  The estimate is the mean
 * over replications of each replication's mean wait in queue; its 95%
 * confidence interval is mean ± t(0.975, R−1) · s/√R (Student's t via
 * gsl_cdf_tdist_Pinv; Law, Simulation Modeling and Analysis, 5th ed.,
 * §9.4.1).  A row passes when the closed form lies inside the interval.
 * Little's law (L_q = λ W_q) is checked per row on the same runs.
 *
 * Cases (mean service 1 ms; ρ = 0.5 and 0.9):
 *   M/M/1; M/M/4 (Erlang C); M/D/1; M/G/1 with lognormal service, CV 1.5
 *   (Pollaczek–Khinchine).
 */
#ifndef TIERSIM_QVALIDATE_H
#define TIERSIM_QVALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

struct qv_opts {
	uint64_t seed;
	unsigned reps;          /* replications per case (>= 2) */
	uint64_t warmup;        /* customers discarded per replication */
	uint64_t customers;     /* customers measured per replication */
};

struct qv_row {
	char model[32];         /* "M/M/1", "M/M/4", "M/D/1", "M/G/1 lognormal cv=1.5" */
	unsigned servers;
	double rho;
	double theory_ns;       /* closed-form mean wait in queue */
	double sim_ns;          /* mean over replications */
	double half_ns;         /* 95% CI half-width */
	double err_pct;         /* (sim - theory) / theory * 100 */
	int inside;             /* |sim - theory| <= half */
	double little_err_pct;  /* worst |L_q - λ W_q| / L_q over replications, % */
	uint64_t events;        /* DES events run for this row */
};

#define QV_NROWS 8

/* The defaults of `tiersim validate queueing`. */
void qv_default_opts(struct qv_opts *o);
/* Fills rows[0..QV_NROWS-1].  -1 on error (bad opts, out of memory). */
int qv_run(const struct qv_opts *o, struct qv_row *rows, struct err *e);

#endif
