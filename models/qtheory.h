/*
 * qtheory — closed forms of queueing theory, the reference for the first
 * rung of the validation ladder (DESIGN.md) and for analytic extrapolation.
 *
 * Notation: λ arrival rate, E[S] mean service time, E[S²] its second
 * moment, c servers, a = λE[S] offered load (Erlangs), ρ = a/c.
 *
 *   M/M/1   W_q = ρ E[S] / (1 − ρ)
 *   M/M/c   W_q = C(c, a) E[S] / (c − a),  Erlang C:
 *           C(c, a) = c B(c, a) / (c − a (1 − B(c, a))),
 *           B(0, a) = 1,  B(k, a) = a B(k−1, a) / (k + a B(k−1, a))  (Erlang B
 *           by its recurrence, which is stable where the textbook sum of
 *           a^k/k! overflows)
 *   M/G/1   W_q = λ E[S²] / (2 (1 − ρ))          (Pollaczek–Khinchine)
 *   M/D/1   the M/G/1 form with E[S²] = E[S]²:  W_q = ρ E[S] / (2 (1 − ρ))
 *
 * Sources: Kleinrock, Queueing Systems Vol. 1 (1975), §3.2, §3.5, §5.6;
 * Harchol-Balter, Performance Modeling and Design of Computer Systems
 * (2013), ch. 14 and 23.  All return +inf when ρ >= 1 (no steady state).
 */
#ifndef TIERSIM_QTHEORY_H
#define TIERSIM_QTHEORY_H

double qt_erlang_b(unsigned c, double a);
double qt_erlang_c(unsigned c, double a);
double qt_mm1_wq(double lambda, double mean_s);
double qt_mmc_wq(double lambda, double mean_s, unsigned c);
double qt_mg1_wq(double lambda, double mean_s, double m2_s);
double qt_md1_wq(double lambda, double mean_s);

#endif
