/*
 * dist — parse, sample and summarise the distributions of dist.h.
 *
 * Parameters kept in struct dist (all in ns, bytes or plain units):
 *   CONST      a = V
 *   EXP        a = MEAN
 *   LOGNORMAL  a = MEAN, b = CV    sigma^2 = ln(1 + CV^2), mu = ln MEAN - sigma^2/2
 *   GAMMA      a = MEAN, b = CV    shape k = 1/CV^2, scale theta = MEAN CV^2
 *   PARETO     a = ALPHA, b = MIN
 *   UNIFORM    a = A, b = B
 *   EMPIRICAL  values[0..n) the values, values[n..2n) their probabilities,
 *              table the alias table of gsl_ran_discrete_preproc
 * CV = 0 makes lognormal and gamma deterministic at MEAN (the limit as
 * CV -> 0); the samplers return MEAN without drawing.
 *
 * Moments (E X, E X^2):
 *   const      V, V^2
 *   exp        m, 2 m^2
 *   lognormal  m, m^2 (1 + CV^2)     E X^2 = exp(2 mu + 2 sigma^2)
 *   gamma      m, m^2 (1 + CV^2)     Var = k theta^2 = m^2 CV^2
 *   pareto     ALPHA MIN/(ALPHA-1) (inf if ALPHA <= 1),
 *              ALPHA MIN^2/(ALPHA-2) (inf if ALPHA <= 2)
 *   uniform    (A+B)/2, (A^2 + AB + B^2)/3
 *   empirical  sum p_i v_i, sum p_i v_i^2
 * Sources: Johnson, Kotz & Balakrishnan, Continuous Univariate
 * Distributions (1994), and the GSL manual's definitions of each sampler
 * (gsl_ran_pareto(a, b): p(x) = (a/b)/(x/b)^(a+1), x >= b).
 *
 * GSL's samplers call GSL's error handler only for bad parameters, which
 * dist_parse rejects first, and for out of memory in
 * gsl_ran_discrete_preproc.
 */
#include "dist.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

struct dist_name {
	const char *name;
	enum dist_kind kind;
	int nargs;           /* -1: one or more VALUE:WEIGHT entries */
	const char *args;    /* for messages */
};

static const struct dist_name NAMES[] = {
	{ "const", DIST_CONST, 1, "V" },
	{ "det", DIST_CONST, 1, "V" },
	{ "exp", DIST_EXP, 1, "MEAN" },
	{ "lognormal", DIST_LOGNORMAL, 2, "MEAN, CV" },
	{ "gamma", DIST_GAMMA, 2, "MEAN, CV" },
	{ "pareto", DIST_PARETO, 2, "ALPHA, MIN" },
	{ "uniform", DIST_UNIFORM, 2, "A, B" },
	{ "empirical", DIST_EMPIRICAL, -1, "V1:W1, V2:W2, ..." },
};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])
#define KNOWN "const, det, exp, lognormal, gamma, pareto, uniform, empirical"

/* Fills e with: bad distribution "SPEC": WHY. */
static int bad(struct err *e, const char *spec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct err *e, const char *spec, const char *fmt, ...)
{
	char q[256], why[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return err_set(e, ERR_INPUT, "bad distribution \"%s\": %s", unit_quote(q, sizeof q, spec), why);
}

/* One value in the field's unit. */
static int parse_value(const char *s, enum dist_unit unit, double *out, struct err *e)
{
	uint64_t u;
	switch (unit) {
	case DIST_TIME:
		if (unit_parse_time_ns(s, &u, e))
			return -1;
		*out = (double)u;
		return 0;
	case DIST_BYTES:
		if (unit_parse_bytes(s, &u, e))
			return -1;
		*out = (double)u;
		return 0;
	case DIST_PLAIN:
		return unit_parse_double(s, out, e);
	}
	return err_set(e, ERR_INPUT, "unknown unit kind %d", (int)unit);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Splits the argument text in place at commas; returns the count (0 for
 * blank text) and fills arg[0..min(count, max)). */
static size_t split_args(char *text, char **arg, size_t max)
{
	if (!*trim(text))
		return 0;
	size_t n = 0;
	for (char *p = text;; p++) {
		char *c = strchr(p, ',');
		if (n < max)
			arg[n] = p;
		n++;
		if (!c)
			break;
		*c = '\0';
		p = c;
	}
	for (size_t i = 0; i < n && i < max; i++)
		arg[i] = trim(arg[i]);
	return n;
}

static int parse_empirical(struct dist *d, const char *spec, char **arg, size_t n, enum dist_unit unit,
			   struct err *e)
{
	double *v = malloc(2 * n * sizeof *v);
	if (!v)
		return err_set(e, ERR_FAIL, "out of memory for a %zu-entry distribution", n);
	double *w = v + n, total = 0;
	struct err sub = { 0 };
	for (size_t i = 0; i < n; i++) {
		char q[256];
		char *colon = strrchr(arg[i], ':');
		if (!colon) {
			free(v);
			return bad(e, spec, "entry %zu \"%s\" is not VALUE:WEIGHT", i + 1,
				   unit_quote(q, sizeof q, arg[i]));
		}
		*colon = '\0';
		if (parse_value(trim(arg[i]), unit, &v[i], &sub)) {
			free(v);
			return bad(e, spec, "entry %zu value: %s", i + 1, sub.msg);
		}
		if (unit_parse_double(trim(colon + 1), &w[i], &sub)) {
			free(v);
			return bad(e, spec, "entry %zu weight: %s", i + 1, sub.msg);
		}
		total += w[i];
	}
	if (!(total > 0)) {
		free(v);
		return bad(e, spec, "the weights sum to 0; at least one must be > 0");
	}
	if (isinf(total)) {
		free(v);
		return bad(e, spec, "the weights sum to infinity; scale them down");
	}
	/* The alias table from the probabilities, not the weights: dist_copy
	 * rebuilds it from them, and a copy must sample alike (when the
	 * probabilities do not sum to exactly 1, GSL's table from each
	 * differs in its last bits, and so may the samples). */
	for (size_t i = 0; i < n; i++)
		w[i] /= total;
	gsl_ran_discrete_t *t = gsl_ran_discrete_preproc(n, w);
	if (!t) {
		free(v);
		return err_set(e, ERR_FAIL, "out of memory for a %zu-entry distribution", n);
	}
	d->kind = DIST_EMPIRICAL;
	d->values = v;
	d->table = t;
	d->n = n;
	return 0;
}

/* v rounded as dist_sample_round says. */
static uint64_t round_sample(double v)
{
	if (!(v > 0))
		return 0;
	if (v >= 0x1p63)
		return (uint64_t)llround(v);
	/* llround by hand, since the library call is a tenth of a timed
	 * run's sampling: v - trunc(v) is exact below 2^63 (and 0 from 2^53
	 * on, where every double is whole), so halves round up exactly as
	 * llround rounds them. */
	uint64_t t = (uint64_t)v;
	return t + (v - (double)t >= 0.5);
}

/* A lognormal of mean m and coefficient of variation cv is exp(N(mu,
 * sigma^2)) with sigma^2 = log(1 + cv^2) and mu = log(m) - sigma^2 / 2;
 * worked out once here rather than at every sample (a log1p, a log and a
 * sqrt: a third of a sample's cost). */
static void lognormal_params(struct dist *d)
{
	double s2 = log1p(d->b * d->b);
	d->mu = log(d->a) - s2 / 2;
	d->sigma = sqrt(s2);
}

int dist_parse(struct dist *d, const char *spec, enum dist_unit unit, struct err *e)
{
	memset(d, 0, sizeof *d);
	if (!spec)
		return bad(e, "", "no distribution given (write e.g. exp(1ms))");
	const char *p = spec;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return bad(e, spec, "empty (write e.g. exp(1ms) or const(250us))");
	const char *name = p;
	while (isalpha((unsigned char)*p))
		p++;
	size_t name_len = (size_t)(p - name);
	while (isspace((unsigned char)*p))
		p++;
	if (!name_len || *p != '(')
		return bad(e, spec, "expected NAME(ARGS), e.g. exp(1ms) or const(250us)");

	const struct dist_name *dn = NULL;
	for (size_t i = 0; i < NNAMES; i++)
		if (strlen(NAMES[i].name) == name_len && !memcmp(NAMES[i].name, name, name_len))
			dn = &NAMES[i];
	if (!dn) {
		char nm[256], q[256];
		snprintf(nm, sizeof nm, "%.*s", (int)(name_len < 200 ? name_len : 200), name);
		return bad(e, spec, "unknown distribution \"%s\" (known: " KNOWN ")",
			   unit_quote(q, sizeof q, nm));
	}

	const char *open = p + 1;
	const char *close = strchr(open, ')');
	if (!close)
		return bad(e, spec, "missing \")\"");
	const char *rest = close + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest) {
		char q[256];
		return bad(e, spec, "unexpected \"%s\" after \")\"", unit_quote(q, sizeof q, rest));
	}

	size_t len = (size_t)(close - open);
	char *text = malloc(len + 1);
	if (!text)
		return err_set(e, ERR_FAIL, "out of memory parsing a distribution");
	memcpy(text, open, len);
	text[len] = '\0';

	/* Count first, then fill: empirical may have any number of entries. */
	char *probe = malloc(len + 1);
	if (!probe) {
		free(text);
		return err_set(e, ERR_FAIL, "out of memory parsing a distribution");
	}
	memcpy(probe, text, len + 1);
	size_t nargs = split_args(probe, NULL, 0);
	free(probe);

	int rc = -1;
	char **arg = NULL;
	if (dn->nargs >= 0 && nargs != (size_t)dn->nargs) {
		rc = bad(e, spec, "%s takes %d argument%s (%s), got %zu", dn->name, dn->nargs,
			 dn->nargs == 1 ? "" : "s", dn->args, nargs);
		goto out;
	}
	if (dn->nargs < 0 && nargs == 0) {
		rc = bad(e, spec, "%s needs at least one VALUE:WEIGHT entry", dn->name);
		goto out;
	}
	arg = malloc(nargs * sizeof *arg);
	if (!arg) {
		rc = err_set(e, ERR_FAIL, "out of memory parsing a distribution");
		goto out;
	}
	split_args(text, arg, nargs);

	if (dn->kind == DIST_EMPIRICAL) {
		rc = parse_empirical(d, spec, arg, nargs, unit, e);
		goto out;
	}

	/* Which arguments are plain numbers regardless of the field's unit. */
	enum dist_unit u0 = dn->kind == DIST_PARETO ? DIST_PLAIN : unit;
	enum dist_unit u1 = dn->kind == DIST_LOGNORMAL || dn->kind == DIST_GAMMA ? DIST_PLAIN : unit;
	double a = 0, b = 0;
	struct err sub = { 0 };
	if (parse_value(arg[0], u0, &a, &sub)) {
		rc = bad(e, spec, "argument 1 of %s(%s): %s", dn->name, dn->args, sub.msg);
		goto out;
	}
	if (nargs > 1 && parse_value(arg[1], u1, &b, &sub)) {
		rc = bad(e, spec, "argument 2 of %s(%s): %s", dn->name, dn->args, sub.msg);
		goto out;
	}

	switch (dn->kind) {
	case DIST_CONST:
		break;
	case DIST_EXP:
	case DIST_LOGNORMAL:
	case DIST_GAMMA:
		if (!(a > 0)) {
			rc = bad(e, spec, "%s: MEAN must be > 0", dn->name);
			goto out;
		}
		if (isinf(b * b)) {
			rc = bad(e, spec, "%s: CV is too large (CV^2 overflows)", dn->name);
			goto out;
		}
		break;
	case DIST_PARETO:
		if (!(a > 0)) {
			rc = bad(e, spec, "pareto: ALPHA must be > 0");
			goto out;
		}
		if (!(b > 0)) {
			rc = bad(e, spec, "pareto: MIN must be > 0");
			goto out;
		}
		break;
	case DIST_UNIFORM:
		if (!(b > a)) {
			rc = bad(e, spec, "uniform: B must be greater than A");
			goto out;
		}
		break;
	case DIST_EMPIRICAL:
		break;
	}
	d->kind = dn->kind;
	d->a = a;
	d->b = b;
	if (d->kind == DIST_LOGNORMAL)
		lognormal_params(d);
	if (d->kind == DIST_CONST)
		d->rounded = round_sample(a);
	rc = 0;
out:
	free(arg);
	free(text);
	if (rc)
		memset(d, 0, sizeof *d);
	return rc;
}

void dist_const(struct dist *d, double v)
{
	memset(d, 0, sizeof *d);
	d->kind = DIST_CONST;
	d->a = v;
	d->rounded = round_sample(v);
}

void dist_exp(struct dist *d, double mean)
{
	memset(d, 0, sizeof *d);
	d->kind = DIST_EXP;
	d->a = mean;
}

void dist_lognormal(struct dist *d, double mean, double cv)
{
	memset(d, 0, sizeof *d);
	d->kind = DIST_LOGNORMAL;
	d->a = mean;
	d->b = cv;
	lognormal_params(d);
}

double dist_sample(const struct dist *d, gsl_rng *r)
{
	switch (d->kind) {
	case DIST_CONST:
		return d->a;
	case DIST_EXP:
		return gsl_ran_exponential(r, d->a);
	case DIST_LOGNORMAL: {
		if (d->b == 0)
			return d->a;
		return gsl_ran_lognormal(r, d->mu, d->sigma);
	}
	case DIST_GAMMA: {
		/* 1/CV^2 overflows below CV ~ 1e-154: deterministic in effect. */
		double cv2 = d->b * d->b;
		if (!(cv2 > 1e-300))
			return d->a;
		return gsl_ran_gamma(r, 1 / cv2, d->a * cv2);
	}
	case DIST_PARETO:
		return gsl_ran_pareto(r, d->a, d->b);
	case DIST_UNIFORM:
		return gsl_ran_flat(r, d->a, d->b);
	case DIST_EMPIRICAL:
		return d->values[gsl_ran_discrete(r, d->table)];
	}
	return NAN;
}

uint64_t dist_sample_round_any(const struct dist *d, gsl_rng *r)
{
	return round_sample(dist_sample(d, r));
}

double dist_mean(const struct dist *d)
{
	switch (d->kind) {
	case DIST_CONST:
	case DIST_EXP:
	case DIST_LOGNORMAL:
	case DIST_GAMMA:
		return d->a;
	case DIST_PARETO:
		return d->a > 1 ? d->a * d->b / (d->a - 1) : INFINITY;
	case DIST_UNIFORM:
		return (d->a + d->b) / 2;
	case DIST_EMPIRICAL: {
		double m = 0;
		for (size_t i = 0; i < d->n; i++)
			m += d->values[d->n + i] * d->values[i];
		return m;
	}
	}
	return NAN;
}

double dist_m2(const struct dist *d)
{
	switch (d->kind) {
	case DIST_CONST:
		return d->a * d->a;
	case DIST_EXP:
		return 2 * d->a * d->a;
	case DIST_LOGNORMAL:
	case DIST_GAMMA:
		return d->a * d->a * (1 + d->b * d->b);
	case DIST_PARETO:
		return d->a > 2 ? d->a * d->b * d->b / (d->a - 2) : INFINITY;
	case DIST_UNIFORM:
		return (d->a * d->a + d->a * d->b + d->b * d->b) / 3;
	case DIST_EMPIRICAL: {
		double m = 0;
		for (size_t i = 0; i < d->n; i++)
			m += d->values[d->n + i] * d->values[i] * d->values[i];
		return m;
	}
	}
	return NAN;
}

int dist_copy(struct dist *dst, const struct dist *src, struct err *e)
{
	*dst = *src;
	dst->table = NULL;
	dst->values = NULL;
	if (src->kind != DIST_EMPIRICAL)
		return 0;
	/* values holds the n values, then their n probabilities. */
	double *v = malloc(2 * src->n * sizeof *v);
	gsl_ran_discrete_t *t = v ? gsl_ran_discrete_preproc(src->n, src->values + src->n) : NULL;
	if (!t) {
		free(v);
		memset(dst, 0, sizeof *dst);
		return err_set(e, ERR_FAIL, "out of memory copying a %zu-entry distribution", src->n);
	}
	memcpy(v, src->values, 2 * src->n * sizeof *v);
	dst->values = v;
	dst->table = t;
	return 0;
}

void dist_free(struct dist *d)
{
	if (!d)
		return;
	if (d->table)
		gsl_ran_discrete_free(d->table);
	free(d->values);
	memset(d, 0, sizeof *d);
}

/* Appends x: whole numbers below 2^53 in full ("1000000"), others in the
 * shortest "%.*g" text that reads back as x ("0.3", "1.5e+20"). */
static size_t put_num(char *buf, size_t n, size_t o, double x)
{
	char t[40];
	if (x == floor(x) && fabs(x) < 0x1p53) {
		snprintf(t, sizeof t, "%.0f", x);
	} else {
		for (int prec = 6; prec <= 17; prec++) {
			snprintf(t, sizeof t, "%.*g", prec, x);
			if (strtod(t, NULL) == x || isnan(x))
				break;
		}
	}
	if (o < n)
		snprintf(buf + o, n - o, "%s", t);
	return o + strlen(t);
}

static size_t put_str(char *buf, size_t n, size_t o, const char *s)
{
	if (o < n)
		snprintf(buf + o, n - o, "%s", s);
	return o + strlen(s);
}

char *dist_str(const struct dist *d, char *buf, size_t n)
{
	static const char *const NAME[] = {
		[DIST_CONST] = "const", [DIST_EXP] = "exp", [DIST_LOGNORMAL] = "lognormal",
		[DIST_GAMMA] = "gamma", [DIST_PARETO] = "pareto", [DIST_UNIFORM] = "uniform",
		[DIST_EMPIRICAL] = "empirical",
	};
	if (!buf || !n)
		return buf;
	buf[0] = '\0';
	if ((unsigned)d->kind > DIST_EMPIRICAL)
		return buf;
	size_t o = put_str(buf, n, 0, NAME[d->kind]);
	o = put_str(buf, n, o, "(");
	if (d->kind == DIST_EMPIRICAL) {
		for (size_t i = 0; i < d->n; i++) {
			if (i)
				o = put_str(buf, n, o, ", ");
			o = put_num(buf, n, o, d->values[i]);
			o = put_str(buf, n, o, ":");
			o = put_num(buf, n, o, d->values[d->n + i]);
		}
	} else {
		o = put_num(buf, n, o, d->a);
		if (d->kind != DIST_CONST && d->kind != DIST_EXP) {
			o = put_str(buf, n, o, ", ");
			o = put_num(buf, n, o, d->b);
		}
	}
	put_str(buf, n, o, ")");
	return buf;
}
