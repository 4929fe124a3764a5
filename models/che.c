/* che — Che's approximation (LRU) and its FIFO counterpart; see che.h for
 * the model, the equations and their sources. */
#include "che.h"

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#define CHE_MAX_ITER 200
#define CHE_REL_TOL 1e-12

const char *che_policy_name(enum che_policy p)
{
	return p == CHE_LRU ? "lru" : "fifo";
}

double che_hit_prob(enum che_policy p, double lambda, double t)
{
	if (lambda <= 0.0)
		return 0.0;
	if (isinf(t))
		return 1.0;
	double x = lambda * t;
	/* -expm1(-x) keeps the digits of 1 − e^{−x} for small x. */
	return p == CHE_LRU ? -expm1(-x) : x / (1.0 + x);
}

struct che_fn {
	enum che_policy p;
	const double *lambda, *size;
	size_t n;
	double capacity;
};

/* Σ s_i hit_i(t) − C: strictly increasing in t, −C at t = 0. */
static double che_excess(double t, void *params)
{
	const struct che_fn *f = params;
	double sum = 0.0;
	for (size_t i = 0; i < f->n; i++)
		sum += (f->size ? f->size[i] : 1.0) * che_hit_prob(f->p, f->lambda[i], t);
	return sum - f->capacity;
}

int che_char_time(enum che_policy p, const double *lambda, const double *size, size_t n,
		  double capacity, double *t, struct err *e)
{
	if (n == 0)
		return err_set(e, ERR_INPUT, "che: no objects");
	if (!(capacity > 0.0) || !isfinite(capacity))
		return err_set(e, ERR_INPUT, "che: capacity must be positive and finite (got %g)", capacity);
	double lmax = 0.0, total = 0.0; /* total: bytes of the objects that are ever requested */
	for (size_t i = 0; i < n; i++) {
		double s = size ? size[i] : 1.0;
		if (!(lambda[i] >= 0.0) || !isfinite(lambda[i]))
			return err_set(e, ERR_INPUT, "che: rate of object %zu is %g (need >= 0, finite)", i,
				       lambda[i]);
		if (!(s >= 0.0) || !isfinite(s))
			return err_set(e, ERR_INPUT, "che: size of object %zu is %g (need >= 0, finite)", i, s);
		if (lambda[i] > lmax)
			lmax = lambda[i];
		if (lambda[i] > 0.0)
			total += s;
	}
	if (lmax == 0.0)
		return err_set(e, ERR_INPUT, "che: every rate is 0");
	if (capacity >= total) {
		*t = INFINITY;
		return 0;
	}
	struct che_fn fn = { p, lambda, size, n, capacity };
	gsl_function F = { che_excess, &fn };
	/* Bracket: f(0) = −C < 0; double hi until f(hi) > 0.  f → total − C > 0
	 * as t → ∞, so this ends (1e300 caps a pathological spread of rates). */
	double lo = 0.0, hi = 1.0 / lmax;
	while (che_excess(hi, &fn) <= 0.0) {
		lo = hi;
		hi *= 2.0;
		if (hi > 1e300)
			return err_set(e, ERR_FAIL, "che: cannot bracket the characteristic time (C = %g of %g)",
				       capacity, total);
	}
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!s)
		return err_set(e, ERR_FAIL, "che: out of memory");
	int status = gsl_root_fsolver_set(s, &F, lo, hi);
	double root = 0.5 * (lo + hi);
	for (int it = 0; status == GSL_SUCCESS && it < CHE_MAX_ITER; it++) {
		status = gsl_root_fsolver_iterate(s);
		if (status != GSL_SUCCESS)
			break;
		root = gsl_root_fsolver_root(s);
		status = gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s), 0.0,
						CHE_REL_TOL);
		if (status == GSL_SUCCESS)
			break;
		if (status == GSL_CONTINUE)
			status = GSL_SUCCESS;
		if (it == CHE_MAX_ITER - 1)
			status = GSL_EMAXITER;
	}
	gsl_root_fsolver_free(s);
	if (status != GSL_SUCCESS)
		return err_set(e, ERR_FAIL, "che: root finder failed: %s", gsl_strerror(status));
	*t = root;
	return 0;
}

double che_hit_ratio(enum che_policy p, const double *lambda, size_t n, double t)
{
	return che_byte_hit_ratio(p, lambda, NULL, n, t);
}

double che_byte_hit_ratio(enum che_policy p, const double *lambda, const double *size, size_t n,
			  double t)
{
	double num = 0.0, den = 0.0;
	for (size_t i = 0; i < n; i++) {
		double w = lambda[i] * (size ? size[i] : 1.0);
		num += w * che_hit_prob(p, lambda[i], t);
		den += w;
	}
	return den > 0.0 ? num / den : 0.0;
}

int che_zipf_rates(double *lambda, size_t n, double alpha, struct err *e)
{
	if (n == 0)
		return err_set(e, ERR_INPUT, "che: a Zipf law needs at least one object");
	if (!(alpha >= 0.0) || !isfinite(alpha))
		return err_set(e, ERR_INPUT, "che: Zipf alpha must be >= 0 and finite (got %g)", alpha);
	/* Sum from the smallest term up, so the tail is not lost. */
	double h = 0.0;
	for (size_t i = n; i-- > 0;) {
		lambda[i] = pow((double)(i + 1), -alpha);
		h += lambda[i];
	}
	for (size_t i = 0; i < n; i++)
		lambda[i] /= h;
	return 0;
}
