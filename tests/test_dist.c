/* Tests for distribution parsing, sampling and moments (sim/dist.c).
 *
 * Expected moments are worked by hand from the closed forms (times in ns,
 * so 1ms = 1e6):
 *   exp(m):           E X = m, E X^2 = 2 m^2, E X^4 = 24 m^4
 *   lognormal(m, c):  E X^n = exp(n mu + n^2 s^2/2) with s^2 = ln(1+c^2),
 *                     mu = ln m - s^2/2, so E X^2 = m^2 (1+c^2),
 *                     E X^4 = m^4 (1+c^2)^6
 *   gamma(m, c):      k = 1/c^2, theta = m c^2, E X^n = theta^n k(k+1)..(k+n-1)
 *   pareto(a, x0):    E X^n = a x0^n / (a - n) for a > n, else infinite
 *   uniform(a, b):    E X^n = (b^(n+1) - a^(n+1)) / ((n+1)(b-a))
 *   empirical:        E X^n = sum p_i v_i^n
 * Sample checks use N = 1e6 draws and a tolerance of 4 standard errors,
 * sqrt((E X^2 - (E X)^2)/N) for the mean and sqrt((E X^4 - (E X^2)^2)/N)
 * for the second moment.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/dist.h"
#include "sim/rng.h"

enum { N = 1000000 };

static struct dist parse_ok(const char *spec, enum dist_unit u)
{
	struct dist d;
	struct err e = { 0 };
	if (dist_parse(&d, spec, u, &e))
		fail_msg("dist_parse(\"%s\") failed: %s", spec, e.msg);
	return d;
}

static void expect_close(double got, double want, const char *what)
{
	if (!(fabs(got - want) <= 1e-12 * fabs(want)))
		fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* Checks dist_mean/dist_m2 against hand values, and the sample mean (and,
 * when m4 is finite, the sample second moment) of N draws. */
static void check_moments(const char *spec, enum dist_unit u, double mean, double m2, double m4,
			  const char *stream)
{
	struct dist d = parse_ok(spec, u);
	expect_close(dist_mean(&d), mean, "dist_mean");
	expect_close(dist_m2(&d), m2, "dist_m2");
	gsl_rng *r = rng_stream_new(20240601, stream);
	double s1 = 0, s2 = 0;
	for (int i = 0; i < N; i++) {
		double x = dist_sample(&d, r);
		s1 += x;
		s2 += x * x;
	}
	double se1 = sqrt((m2 - mean * mean) / N);
	if (!(fabs(s1 / N - mean) <= 4 * se1))
		fail_msg("%s: sample mean %.6g, want %.6g +- %.3g", spec, s1 / N, mean, 4 * se1);
	if (isfinite(m4)) {
		double se2 = sqrt((m4 - m2 * m2) / N);
		if (!(fabs(s2 / N - m2) <= 4 * se2))
			fail_msg("%s: sample E X^2 %.6g, want %.6g +- %.3g", spec, s2 / N, m2, 4 * se2);
	}
	gsl_rng_free(r);
	dist_free(&d);
}

/* ---- parsing -------------------------------------------------------- */

static void test_const_takes_a_value_in_the_field_unit(void **state)
{
	(void)state;
	struct dist d = parse_ok("const(250us)", DIST_TIME);
	assert_int_equal(d.kind, DIST_CONST);
	assert_true(d.a == 250000.0);
	dist_free(&d);
}

static void test_det_is_an_alias_of_const(void **state)
{
	(void)state;
	struct dist d = parse_ok("det(2ms)", DIST_TIME);
	assert_int_equal(d.kind, DIST_CONST);
	assert_true(d.a == 2e6);
	dist_free(&d);
}

static void test_two_argument_kinds_keep_their_parameters(void **state)
{
	(void)state;
	struct dist d = parse_ok("lognormal(1ms, 1.5)", DIST_TIME);
	assert_int_equal(d.kind, DIST_LOGNORMAL);
	assert_true(d.a == 1e6 && d.b == 1.5);
	d = parse_ok("gamma(1ms, 0.5)", DIST_TIME);
	assert_int_equal(d.kind, DIST_GAMMA);
	assert_true(d.a == 1e6 && d.b == 0.5);
	d = parse_ok("pareto(2.5, 1ms)", DIST_TIME);
	assert_int_equal(d.kind, DIST_PARETO);
	assert_true(d.a == 2.5 && d.b == 1e6);
	d = parse_ok("uniform(1ms, 3ms)", DIST_TIME);
	assert_int_equal(d.kind, DIST_UNIFORM);
	assert_true(d.a == 1e6 && d.b == 3e6);
}

static void test_empirical_normalises_weights(void **state)
{
	(void)state;
	struct dist d = parse_ok("empirical(1ms:3, 5ms:7)", DIST_TIME);
	assert_int_equal(d.kind, DIST_EMPIRICAL);
	assert_int_equal(d.n, 2);
	assert_non_null(d.table);
	assert_true(d.values[0] == 1e6 && d.values[1] == 5e6);
	assert_true(d.values[2] == 0.3 && d.values[3] == 0.7);
	dist_free(&d);
}

static void test_bytes_unit_reads_sizes(void **state)
{
	(void)state;
	struct dist d = parse_ok("uniform(1KiB, 3KiB)", DIST_BYTES);
	assert_true(d.a == 1024.0 && d.b == 3072.0);
}

static void test_plain_unit_reads_bare_numbers(void **state)
{
	(void)state;
	struct dist d = parse_ok("exp(2.5)", DIST_PLAIN);
	assert_true(d.a == 2.5);
}

static void test_whitespace_is_allowed_everywhere(void **state)
{
	(void)state;
	struct dist d = parse_ok("  uniform ( 1 ms ,  3ms )  ", DIST_TIME);
	assert_true(d.a == 1e6 && d.b == 3e6);
	d = parse_ok("empirical( 1ms : 1 ,2ms:1 )", DIST_TIME);
	assert_true(d.values[1] == 2e6 && d.values[3] == 0.5);
	dist_free(&d);
}

/* ---- moments -------------------------------------------------------- */

static void test_const_moments_and_samples(void **state)
{
	(void)state;
	struct dist d = parse_ok("const(250us)", DIST_TIME);
	expect_close(dist_mean(&d), 250000, "mean");
	expect_close(dist_m2(&d), 6.25e10, "m2");
	gsl_rng *r = rng_stream_new(1, "const");
	for (int i = 0; i < 100; i++)
		assert_true(dist_sample(&d, r) == 250000.0);
	gsl_rng_free(r);
}

static void test_exp_sample_moments_match_closed_form(void **state)
{
	(void)state;
	check_moments("exp(1ms)", DIST_TIME, 1e6, 2e12, 24e24, "exp");
}

static void test_lognormal_sample_moments_match_closed_form(void **state)
{
	(void)state;
	/* c = 0.5: 1+c^2 = 1.25, 1.25^6 = 3.814697265625 */
	check_moments("lognormal(1ms, 0.5)", DIST_TIME, 1e6, 1.25e12, 3.814697265625e24, "lognormal");
}

static void test_lognormal_heavy_cv_sample_mean_matches(void **state)
{
	(void)state;
	/* c = 1.5: E X^2 = 3.25e12; X^2 is too heavy-tailed to check its mean */
	check_moments("lognormal(1ms, 1.5)", DIST_TIME, 1e6, 3.25e12, INFINITY, "lognormal-heavy");
}

static void test_gamma_sample_moments_match_closed_form(void **state)
{
	(void)state;
	/* c = 0.5: k = 4, theta = 2.5e5; E X^2 = 20 theta^2, E X^4 = 840 theta^4 */
	check_moments("gamma(1ms, 0.5)", DIST_TIME, 1e6, 1.25e12, 3.28125e24, "gamma");
}

static void test_pareto_sample_moments_match_closed_form(void **state)
{
	(void)state;
	/* a = 10: E X = 10/9 ms, E X^2 = 10/8 ms^2, E X^4 = 10/6 ms^4 */
	check_moments("pareto(10, 1ms)", DIST_TIME, 1e6 * 10 / 9, 1.25e12, 1e24 * 10 / 6, "pareto");
	/* a = 2.5: E X = 2.5/1.5 ms, E X^2 = 2.5/0.5 ms^2, E X^4 infinite */
	check_moments("pareto(2.5, 1ms)", DIST_TIME, 1e6 * 2.5 / 1.5, 5e12, INFINITY, "pareto-heavy");
}

static void test_pareto_moments_are_infinite_for_small_alpha(void **state)
{
	(void)state;
	struct dist d = parse_ok("pareto(2, 1ms)", DIST_TIME);
	expect_close(dist_mean(&d), 2e6, "mean");
	assert_true(isinf(dist_m2(&d)));
	d = parse_ok("pareto(1, 1ms)", DIST_TIME);
	assert_true(isinf(dist_mean(&d)) && isinf(dist_m2(&d)));
	d = parse_ok("pareto(0.5, 1ms)", DIST_TIME);
	assert_true(isinf(dist_mean(&d)) && isinf(dist_m2(&d)));
}

static void test_pareto_never_samples_below_min(void **state)
{
	(void)state;
	struct dist d = parse_ok("pareto(1.2, 1ms)", DIST_TIME);
	gsl_rng *r = rng_stream_new(2, "pareto-min");
	for (int i = 0; i < 100000; i++)
		assert_true(dist_sample(&d, r) >= 1e6);
	gsl_rng_free(r);
}

static void test_uniform_sample_moments_match_closed_form(void **state)
{
	(void)state;
	/* E X^2 = (27-1)/6 = 13/3 ms^2, E X^4 = (243-1)/10 = 24.2 ms^4 */
	check_moments("uniform(1ms, 3ms)", DIST_TIME, 2e6, 13e12 / 3, 24.2e24, "uniform");
}

static void test_uniform_samples_stay_in_half_open_interval(void **state)
{
	(void)state;
	struct dist d = parse_ok("uniform(1ms, 3ms)", DIST_TIME);
	gsl_rng *r = rng_stream_new(3, "uniform-range");
	for (int i = 0; i < 100000; i++) {
		double x = dist_sample(&d, r);
		assert_true(x >= 1e6 && x < 3e6);
	}
	gsl_rng_free(r);
}

static void test_empirical_sample_moments_match_closed_form(void **state)
{
	(void)state;
	/* 0.3*1 + 0.7*5 = 3.8; 0.3*1 + 0.7*25 = 17.8; 0.3*1 + 0.7*625 = 437.8 */
	check_moments("empirical(1ms:0.3, 5ms:0.7)", DIST_TIME, 3.8e6, 17.8e12, 437.8e24, "empirical");
}

static void test_empirical_draws_only_listed_values(void **state)
{
	(void)state;
	struct dist d = parse_ok("empirical(1ms:1, 2ms:0, 3ms:1)", DIST_TIME);
	gsl_rng *r = rng_stream_new(4, "empirical-values");
	for (int i = 0; i < 100000; i++) {
		double x = dist_sample(&d, r);
		assert_true(x == 1e6 || x == 3e6); /* weight 0 is never drawn */
	}
	gsl_rng_free(r);
	dist_free(&d);
}

static void test_zero_cv_is_deterministic_at_the_mean(void **state)
{
	(void)state;
	const char *specs[] = { "lognormal(1ms, 0)", "gamma(1ms, 0)", "gamma(1ms, 1e-160)" };
	gsl_rng *r = rng_stream_new(5, "zero-cv");
	for (int k = 0; k < 3; k++) {
		struct dist d = parse_ok(specs[k], DIST_TIME);
		expect_close(dist_m2(&d), 1e12, specs[k]);
		for (int i = 0; i < 100; i++)
			assert_true(dist_sample(&d, r) == 1e6);
	}
	gsl_rng_free(r);
}

static void test_constructors_build_const_and_exp(void **state)
{
	(void)state;
	struct dist d;
	dist_const(&d, 5);
	expect_close(dist_mean(&d), 5, "const mean");
	expect_close(dist_m2(&d), 25, "const m2");
	dist_exp(&d, 3);
	expect_close(dist_mean(&d), 3, "exp mean");
	expect_close(dist_m2(&d), 18, "exp m2");
	dist_free(&d);
}

/* dist_sample_round rounds as llround does, halves away from zero, and
 * gives 0 for what is not positive; 0.49999999999999994 is the value
 * that floor(v + 0.5) gets wrong (v + 0.5 rounds to 1). */
static void test_sample_round_is_llround_and_never_negative(void **state)
{
	(void)state;
	static const struct {
		double v;
		uint64_t want;
	} c[] = {
		{ 2.5, 3 }, { 2.4999999, 2 }, { 3.5, 4 }, { 0.5, 1 }, { 0.49999999999999994, 0 },
		{ 0, 0 }, { -7.5, 0 }, { NAN, 0 }, { 9007199254740993.0, 9007199254740992u },
		{ 1e18 + 0.0, 1000000000000000000u }, { 4503599627370495.5, 4503599627370496u },
	};
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct dist d;
		dist_const(&d, c[i].v);
		assert_true(dist_sample_round(&d, r) == c[i].want);
	}
	gsl_rng_free(r);
}

/* The constructor and the parser give the same lognormal: the normal's
 * parameters worked by hand for mean 1 ms, CV 0.5 (sigma^2 = ln 1.25),
 * and the same samples from the same seed. */
static void test_lognormal_constructor_matches_parse(void **state)
{
	(void)state;
	struct dist c, p = parse_ok("lognormal(1ms, 0.5)", DIST_TIME);
	dist_lognormal(&c, 1e6, 0.5);
	expect_close(c.sigma, sqrt(log(1.25)), "sigma");
	expect_close(c.mu, log(1e6) - log(1.25) / 2, "mu");
	expect_close(p.mu, c.mu, "parsed mu");
	gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937), *r2 = gsl_rng_alloc(gsl_rng_mt19937);
	for (int i = 0; i < 100; i++)
		assert_true(dist_sample(&c, r1) == dist_sample(&p, r2));
	gsl_rng_free(r1);
	gsl_rng_free(r2);
}

/* ---- errors --------------------------------------------------------- */

/* Expects dist_parse to fail with an input error whose message holds both
 * pieces, and to leave d zeroed. */
static void expect_error(const char *spec, enum dist_unit u, const char *p1, const char *p2)
{
	struct dist d;
	memset(&d, 0xff, sizeof d);
	struct err e = { 0 };
	if (dist_parse(&d, spec, u, &e) != -1)
		fail_msg("\"%s\" was accepted", spec ? spec : "(null)");
	assert_int_equal(e.code, ERR_INPUT);
	if (p1 && !strstr(e.msg, p1))
		fail_msg("message for \"%s\" lacks \"%s\": %s", spec, p1, e.msg);
	if (p2 && !strstr(e.msg, p2))
		fail_msg("message for \"%s\" lacks \"%s\": %s", spec, p2, e.msg);
	assert_null(d.table);
	assert_null(d.values);
	assert_int_equal(d.n, 0);
	dist_free(&d);
}

static void test_rejects_unknown_name_listing_known_ones(void **state)
{
	(void)state;
	expect_error("expo(1ms)", DIST_TIME, "bad distribution \"expo(1ms)\": unknown distribution \"expo\"",
		     "(known: const, det, exp, lognormal, gamma, pareto, uniform, empirical)");
	expect_error("Exp(1ms)", DIST_TIME, "unknown distribution \"Exp\"", NULL);
}

static void test_rejects_text_that_is_not_name_and_args(void **state)
{
	(void)state;
	expect_error("1ms", DIST_TIME, "expected NAME(ARGS)", NULL);
	expect_error("(1ms)", DIST_TIME, "expected NAME(ARGS)", NULL);
	expect_error("exp", DIST_TIME, "expected NAME(ARGS)", NULL);
}

static void test_rejects_empty_and_null(void **state)
{
	(void)state;
	expect_error("", DIST_TIME, "empty", NULL);
	expect_error("   ", DIST_TIME, "empty", NULL);
	expect_error(NULL, DIST_TIME, "no distribution", NULL);
}

static void test_rejects_missing_close_paren(void **state)
{
	(void)state;
	expect_error("exp(1ms", DIST_TIME, "missing \")\"", NULL);
}

static void test_rejects_text_after_close_paren(void **state)
{
	(void)state;
	expect_error("exp(1ms) x", DIST_TIME, "unexpected \"x\" after \")\"", NULL);
	expect_error("exp(1ms))", DIST_TIME, "unexpected \")\"", NULL);
}

static void test_rejects_wrong_argument_count(void **state)
{
	(void)state;
	expect_error("exp(1ms, 2ms)", DIST_TIME, "exp takes 1 argument (MEAN), got 2", NULL);
	expect_error("exp()", DIST_TIME, "got 0", NULL);
	expect_error("const(1ms,2ms)", DIST_TIME, "const takes 1 argument (V), got 2", NULL);
	expect_error("lognormal(1ms)", DIST_TIME, "lognormal takes 2 arguments (MEAN, CV), got 1", NULL);
	expect_error("gamma(1ms, 1, 2)", DIST_TIME, "got 3", NULL);
	expect_error("pareto(2)", DIST_TIME, "pareto takes 2 arguments (ALPHA, MIN)", NULL);
	expect_error("uniform(1ms, 2ms, 3ms)", DIST_TIME, "uniform takes 2 arguments (A, B), got 3", NULL);
	expect_error("empirical()", DIST_TIME, "at least one VALUE:WEIGHT", NULL);
}

static void test_rejects_values_in_the_wrong_unit(void **state)
{
	(void)state;
	expect_error("exp(5)", DIST_TIME, "argument 1 of exp(MEAN): bad time \"5\": no unit", NULL);
	expect_error("exp(1ms)", DIST_BYTES, "bad size \"1ms\"", NULL);
	expect_error("exp(1ms)", DIST_PLAIN, "bad number \"1ms\"", NULL);
	expect_error("gamma(1ms, 0.5ms)", DIST_TIME, "argument 2 of gamma(MEAN, CV)", "unexpected \"ms\"");
	expect_error("pareto(2ms, 1ms)", DIST_TIME, "argument 1", "unexpected \"ms\"");
}

static void test_rejects_empty_argument(void **state)
{
	(void)state;
	expect_error("uniform(1ms, )", DIST_TIME, "argument 2", "empty");
}

static void test_rejects_non_positive_mean(void **state)
{
	(void)state;
	expect_error("exp(0ms)", DIST_TIME, "exp: MEAN must be > 0", NULL);
	expect_error("lognormal(0ms, 1)", DIST_TIME, "lognormal: MEAN must be > 0", NULL);
	expect_error("gamma(0s, 1)", DIST_TIME, "gamma: MEAN must be > 0", NULL);
	expect_error("exp(-1ms)", DIST_TIME, "negative", NULL);
}

static void test_rejects_negative_or_huge_cv(void **state)
{
	(void)state;
	expect_error("lognormal(1ms, -1)", DIST_TIME, "argument 2", "negative");
	expect_error("gamma(1ms, -0.5)", DIST_TIME, "negative", NULL);
	expect_error("gamma(1ms, 1e200)", DIST_TIME, "CV is too large", NULL);
}

static void test_rejects_non_positive_pareto_parameters(void **state)
{
	(void)state;
	expect_error("pareto(0, 1ms)", DIST_TIME, "pareto: ALPHA must be > 0", NULL);
	expect_error("pareto(-1, 1ms)", DIST_TIME, "negative", NULL);
	expect_error("pareto(2, 0ms)", DIST_TIME, "pareto: MIN must be > 0", NULL);
}

static void test_rejects_empty_uniform_interval(void **state)
{
	(void)state;
	expect_error("uniform(3ms, 1ms)", DIST_TIME, "uniform: B must be greater than A", NULL);
	expect_error("uniform(1ms, 1ms)", DIST_TIME, "B must be greater than A", NULL);
}

static void test_rejects_empirical_entry_without_weight(void **state)
{
	(void)state;
	expect_error("empirical(1ms:1, 5ms)", DIST_TIME, "entry 2 \"5ms\" is not VALUE:WEIGHT", NULL);
}

static void test_rejects_bad_empirical_value_or_weight(void **state)
{
	(void)state;
	expect_error("empirical(1xs:1)", DIST_TIME, "entry 1 value", "unknown unit \"xs\"");
	expect_error("empirical(1ms:abc)", DIST_TIME, "entry 1 weight", "not a number");
	expect_error("empirical(1ms:1, 2ms:-1)", DIST_TIME, "entry 2 weight", "negative");
}

static void test_rejects_empirical_weights_summing_to_zero_or_infinity(void **state)
{
	(void)state;
	expect_error("empirical(1ms:0, 2ms:0)", DIST_TIME, "the weights sum to 0", NULL);
	expect_error("empirical(1ms:1e308, 2ms:1e308)", DIST_TIME, "sum to infinity", NULL);
}

static void test_error_quotes_long_spec_cut(void **state)
{
	(void)state;
	char spec[4000];
	memset(spec, 'x', sizeof spec - 1);
	spec[sizeof spec - 1] = '\0';
	struct dist d;
	struct err e = { 0 };
	assert_int_equal(dist_parse(&d, spec, DIST_TIME, &e), -1);
	assert_true(strlen(e.msg) < 600);
	assert_non_null(strstr(e.msg, "...\""));
}

/* ---- text ----------------------------------------------------------- */

static void test_str_writes_canonical_text_in_base_units(void **state)
{
	(void)state;
	char b[128];
	struct dist d = parse_ok("exp(1ms)", DIST_TIME);
	assert_string_equal(dist_str(&d, b, sizeof b), "exp(1000000)");
	d = parse_ok("det(250us)", DIST_TIME);
	assert_string_equal(dist_str(&d, b, sizeof b), "const(250000)");
	d = parse_ok("lognormal(1ms, 1.5)", DIST_TIME);
	assert_string_equal(dist_str(&d, b, sizeof b), "lognormal(1000000, 1.5)");
	d = parse_ok("pareto(2.5, 1ms)", DIST_TIME);
	assert_string_equal(dist_str(&d, b, sizeof b), "pareto(2.5, 1000000)");
	d = parse_ok("uniform(1KiB, 3KiB)", DIST_BYTES);
	assert_string_equal(dist_str(&d, b, sizeof b), "uniform(1024, 3072)");
	d = parse_ok("empirical(1ms:3, 5ms:7)", DIST_TIME);
	assert_string_equal(dist_str(&d, b, sizeof b), "empirical(1000000:0.3, 5000000:0.7)");
	dist_free(&d);
}

static void test_str_truncates_to_buffer(void **state)
{
	(void)state;
	char b[6];
	struct dist d = parse_ok("exp(1ms)", DIST_TIME);
	assert_string_equal(dist_str(&d, b, sizeof b), "exp(1");
	assert_ptr_equal(dist_str(&d, b, 0), b);
}

static void test_copy_of_empirical_owns_its_tables_and_samples_alike(void **state)
{
	(void)state;
	struct dist a, b;
	assert_int_equal(dist_parse(&a, "empirical(1ms:1, 2ms:2, 5ms:7)", DIST_TIME, NULL), 0);
	assert_int_equal(dist_copy(&b, &a, NULL), 0);
	assert_ptr_not_equal(a.values, b.values);
	assert_ptr_not_equal(a.table, b.table);
	gsl_rng *r1 = rng_stream_new(5, "copy"), *r2 = rng_stream_new(5, "copy");
	double first[64];
	for (int i = 0; i < 64; i++)
		first[i] = dist_sample(&a, r1);
	dist_free(&a); /* the copy must not depend on the original */
	for (int i = 0; i < 64; i++)
		assert_true(dist_sample(&b, r2) == first[i]);
	assert_true(dist_mean(&b) == (1e6 * 1 + 2e6 * 2 + 5e6 * 7) / 10);
	dist_free(&b);
	gsl_rng_free(r1);
	gsl_rng_free(r2);
}

/* Weights whose probabilities do not sum to exactly 1 in floating point
 * (found by fuzzing, tests/fuzz/corpus/dist/crash-empirical-copy-samples-
 * differently): the copy, whose alias table dist_copy builds from the
 * probabilities, still samples as the original. */
static void test_copy_of_empirical_samples_alike_when_probabilities_do_not_sum_to_1(void **state)
{
	(void)state;
	struct dist a, b;
	assert_int_equal(dist_parse(&a, "empirical(4KiB:6, 1B:1, 1:1, 6MiB:1, 1MiB:1, 11MiB:1, 2:1, 61MB:16)",
				    DIST_BYTES, NULL), 0);
	double sum = 0;
	for (size_t i = 0; i < a.n; i++)
		sum += a.values[a.n + i];
	assert_true(sum != 1.0); /* the case at hand */
	assert_int_equal(dist_copy(&b, &a, NULL), 0);
	gsl_rng *r1 = rng_stream_new(1, "fuzz"), *r2 = rng_stream_new(1, "fuzz");
	for (int i = 0; i < 100000; i++)
		assert_true(dist_sample(&a, r1) == dist_sample(&b, r2));
	dist_free(&a);
	dist_free(&b);
	gsl_rng_free(r1);
	gsl_rng_free(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_of_empirical_owns_its_tables_and_samples_alike),
		cmocka_unit_test(test_copy_of_empirical_samples_alike_when_probabilities_do_not_sum_to_1),
		cmocka_unit_test(test_const_takes_a_value_in_the_field_unit),
		cmocka_unit_test(test_det_is_an_alias_of_const),
		cmocka_unit_test(test_two_argument_kinds_keep_their_parameters),
		cmocka_unit_test(test_empirical_normalises_weights),
		cmocka_unit_test(test_bytes_unit_reads_sizes),
		cmocka_unit_test(test_plain_unit_reads_bare_numbers),
		cmocka_unit_test(test_whitespace_is_allowed_everywhere),
		cmocka_unit_test(test_const_moments_and_samples),
		cmocka_unit_test(test_exp_sample_moments_match_closed_form),
		cmocka_unit_test(test_lognormal_sample_moments_match_closed_form),
		cmocka_unit_test(test_lognormal_heavy_cv_sample_mean_matches),
		cmocka_unit_test(test_gamma_sample_moments_match_closed_form),
		cmocka_unit_test(test_pareto_sample_moments_match_closed_form),
		cmocka_unit_test(test_pareto_moments_are_infinite_for_small_alpha),
		cmocka_unit_test(test_pareto_never_samples_below_min),
		cmocka_unit_test(test_uniform_sample_moments_match_closed_form),
		cmocka_unit_test(test_uniform_samples_stay_in_half_open_interval),
		cmocka_unit_test(test_empirical_sample_moments_match_closed_form),
		cmocka_unit_test(test_empirical_draws_only_listed_values),
		cmocka_unit_test(test_zero_cv_is_deterministic_at_the_mean),
		cmocka_unit_test(test_constructors_build_const_and_exp),
		cmocka_unit_test(test_lognormal_constructor_matches_parse),
		cmocka_unit_test(test_sample_round_is_llround_and_never_negative),
		cmocka_unit_test(test_rejects_unknown_name_listing_known_ones),
		cmocka_unit_test(test_rejects_text_that_is_not_name_and_args),
		cmocka_unit_test(test_rejects_empty_and_null),
		cmocka_unit_test(test_rejects_missing_close_paren),
		cmocka_unit_test(test_rejects_text_after_close_paren),
		cmocka_unit_test(test_rejects_wrong_argument_count),
		cmocka_unit_test(test_rejects_values_in_the_wrong_unit),
		cmocka_unit_test(test_rejects_empty_argument),
		cmocka_unit_test(test_rejects_non_positive_mean),
		cmocka_unit_test(test_rejects_negative_or_huge_cv),
		cmocka_unit_test(test_rejects_non_positive_pareto_parameters),
		cmocka_unit_test(test_rejects_empty_uniform_interval),
		cmocka_unit_test(test_rejects_empirical_entry_without_weight),
		cmocka_unit_test(test_rejects_bad_empirical_value_or_weight),
		cmocka_unit_test(test_rejects_empirical_weights_summing_to_zero_or_infinity),
		cmocka_unit_test(test_error_quotes_long_spec_cut),
		cmocka_unit_test(test_str_writes_canonical_text_in_base_units),
		cmocka_unit_test(test_str_truncates_to_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
