/* qtheory — see qtheory.h for the equations and their sources. */
#include "qtheory.h"

#include <math.h>

double qt_erlang_b(unsigned c, double a)
{
	double b = 1.0;
	for (unsigned k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	return b;
}

double qt_erlang_c(unsigned c, double a)
{
	if (a >= c)
		return 1.0;
	double b = qt_erlang_b(c, a);
	return c * b / (c - a * (1.0 - b));
}

double qt_mmc_wq(double lambda, double mean_s, unsigned c)
{
	double a = lambda * mean_s;
	if (a >= c)
		return INFINITY;
	return qt_erlang_c(c, a) * mean_s / (c - a);
}

double qt_mm1_wq(double lambda, double mean_s)
{
	double rho = lambda * mean_s;
	return rho >= 1 ? INFINITY : rho * mean_s / (1.0 - rho);
}

double qt_mg1_wq(double lambda, double mean_s, double m2_s)
{
	double rho = lambda * mean_s;
	return rho >= 1 ? INFINITY : lambda * m2_s / (2.0 * (1.0 - rho));
}

double qt_md1_wq(double lambda, double mean_s)
{
	return qt_mg1_wq(lambda, mean_s, mean_s * mean_s);
}
