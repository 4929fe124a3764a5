/*
 * zipf — rejection-inversion sampling of the Zipf distribution (see
 * zipf.h for the source).
 *
 * With h(x) = x^-alpha, and H an antiderivative of h,
 *   H(x) = (x^(1-alpha) - 1) / (1 - alpha)   (log x when alpha = 1),
 * a uniform u on (H(1.5) - 1, H(n + 0.5)] is mapped to x = H^-1(u) and
 * rounded to k; k is accepted when it lies within s of x (the "squeeze",
 * always right for k >= 2) or when u >= H(k + 0.5) - h(k).  The area
 * under h between k - 1/2 and k + 1/2 bounds P(k) from above because h
 * is convex, so accepted k have exactly the Zipf probabilities.
 * helper1/helper2 evaluate log1p(x)/x and expm1(x)/x stably near 0, so
 * alpha = 1 needs no special case.
 */
#include "zipf.h"

#include <math.h>

static double helper1(double x)
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

static double helper2(double x)
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
}

static double h_int(const struct zipf *z, double x)
{
	double lx = log(x);
	return helper2((1.0 - z->alpha) * lx) * lx;
}

static double h_fn(const struct zipf *z, double x)
{
	return exp(-z->alpha * log(x));
}

static double h_int_inv(const struct zipf *z, double x)
{
	double t = x * (1.0 - z->alpha);
	if (t < -1.0)
		t = -1.0;
	return exp(helper1(t) * x);
}

int zipf_init(struct zipf *z, uint64_t n, double alpha, struct err *e)
{
	if (n < 1)
		return err_set(e, ERR_INPUT, "zipf: need at least 1 object");
	if (!(alpha >= 0.0) || !isfinite(alpha))
		return err_set(e, ERR_INPUT, "zipf: exponent must be a finite number >= 0, not %g", alpha);
	z->n = n;
	z->alpha = alpha;
	z->h_x1 = h_int(z, 1.5) - 1.0;
	z->h_n = h_int(z, (double)n + 0.5);
	z->s = 2.0 - h_int_inv(z, h_int(z, 2.5) - h_fn(z, 2.0));
	return 0;
}

uint64_t zipf_draw(const struct zipf *z, gsl_rng *r)
{
	for (;;) {
		double u = z->h_n + gsl_rng_uniform(r) * (z->h_x1 - z->h_n);
		double x = h_int_inv(z, u);
		double kx = floor(x + 0.5);
		uint64_t k;
		if (kx < 1.0)
			k = 1;
		else if (kx > (double)z->n)
			k = z->n;
		else
			k = (uint64_t)kx;
		if ((double)k - x <= z->s || u >= h_int(z, (double)k + 0.5) - h_fn(z, (double)k))
			return k;
	}
}
