/* Che's approximation and its FIFO counterpart (models/che.c) on
 * hand-worked cases, and the analytic cache rung of the validation ladder
 * (models/cvalidate.c) on a small Zipf run. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "models/che.h"
#include "models/cvalidate.h"
#include "sim/rng.h"
#include "traces/zipf.h"

static void test_lru_two_equal_objects_half_cache_is_ln2(void **state)
{
	(void)state;
	/* 2(1 − e^{−T}) = 1  ⇒  e^{−T} = 1/2  ⇒  T = ln 2; each hit is 1/2. */
	const double lambda[2] = { 1.0, 1.0 };
	double t;
	struct err e = { 0 };
	assert_int_equal(che_char_time(CHE_LRU, lambda, NULL, 2, 1.0, &t, &e), 0);
	assert_float_equal(t, log(2.0), 1e-10);
	assert_float_equal(che_hit_ratio(CHE_LRU, lambda, 2, t), 0.5, 1e-10);
}

static void test_fifo_two_equal_objects_half_cache_is_one(void **state)
{
	(void)state;
	/* 2 · T/(1 + T) = 1  ⇒  T = 1; each hit is 1/2. */
	const double lambda[2] = { 1.0, 1.0 };
	double t;
	struct err e = { 0 };
	assert_int_equal(che_char_time(CHE_FIFO, lambda, NULL, 2, 1.0, &t, &e), 0);
	assert_float_equal(t, 1.0, 1e-10);
	assert_float_equal(che_hit_ratio(CHE_FIFO, lambda, 2, t), 0.5, 1e-10);
}

static void test_lru_unequal_rates_solve_the_quadratic(void **state)
{
	(void)state;
	/* λ = (2, 1), C = 1: with x = e^{−T}, (1 − x²) + (1 − x) = 1 ⇒
	 * x² + x − 1 = 0 ⇒ x = (√5 − 1)/2, T = −ln x.
	 * Hit ratio = (2(1 − x²) + (1 − x)) / 3. */
	const double lambda[2] = { 2.0, 1.0 };
	double t;
	struct err e = { 0 };
	assert_int_equal(che_char_time(CHE_LRU, lambda, NULL, 2, 1.0, &t, &e), 0);
	double x = (sqrt(5.0) - 1.0) / 2.0;
	assert_float_equal(t, -log(x), 1e-10);
	assert_float_equal(che_hit_ratio(CHE_LRU, lambda, 2, t), (2.0 * (1.0 - x * x) + (1.0 - x)) / 3.0, 1e-10);
}

static void test_size_aware_lru_weights_by_bytes(void **state)
{
	(void)state;
	/* λ = (1, 1), s = (1, 3), C = 2 bytes: 4(1 − e^{−T}) = 2 ⇒ T = ln 2;
	 * byte hit ratio = (1·½ + 3·½)/4 = ½. */
	const double lambda[2] = { 1.0, 1.0 }, size[2] = { 1.0, 3.0 };
	double t;
	struct err e = { 0 };
	assert_int_equal(che_char_time(CHE_LRU, lambda, size, 2, 2.0, &t, &e), 0);
	assert_float_equal(t, log(2.0), 1e-10);
	assert_float_equal(che_byte_hit_ratio(CHE_LRU, lambda, size, 2, t), 0.5, 1e-10);
}

static void test_cache_holding_everything_hits_always(void **state)
{
	(void)state;
	const double lambda[3] = { 1.0, 0.5, 0.25 };
	double t;
	struct err e = { 0 };
	assert_int_equal(che_char_time(CHE_LRU, lambda, NULL, 3, 3.0, &t, &e), 0);
	assert_true(isinf(t));
	assert_float_equal(che_hit_ratio(CHE_LRU, lambda, 3, t), 1.0, 0.0);
	assert_int_equal(che_char_time(CHE_FIFO, lambda, NULL, 3, 5.0, &t, &e), 0);
	assert_true(isinf(t));
}

static void test_bad_arguments_are_input_errors(void **state)
{
	(void)state;
	const double ok[2] = { 1.0, 1.0 }, neg[2] = { 1.0, -1.0 }, zero[2] = { 0.0, 0.0 };
	double t;
	struct err e = { 0 };
	assert_int_equal(che_char_time(CHE_LRU, ok, NULL, 2, 0.0, &t, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	e.code = 0;
	assert_int_equal(che_char_time(CHE_LRU, neg, NULL, 2, 1.0, &t, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	e.code = 0;
	assert_int_equal(che_char_time(CHE_LRU, zero, NULL, 2, 1.0, &t, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	e.code = 0;
	assert_int_equal(che_char_time(CHE_LRU, ok, NULL, 0, 1.0, &t, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
}

static void test_zipf_rates_sum_to_one_and_fall_as_power(void **state)
{
	(void)state;
	double lambda[1000];
	struct err e = { 0 };
	assert_int_equal(che_zipf_rates(lambda, 1000, 0.8, &e), 0);
	double sum = 0.0;
	for (int i = 0; i < 1000; i++)
		sum += lambda[i];
	assert_float_equal(sum, 1.0, 1e-12);
	assert_float_equal(lambda[0] / lambda[1], pow(2.0, 0.8), 1e-12);
	assert_float_equal(lambda[9] / lambda[99], pow(10.0, 0.8), 1e-9);
	assert_int_equal(che_zipf_rates(lambda, 10, -1.0, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
}

static void test_lru_beats_fifo_and_grows_with_the_cache(void **state)
{
	(void)state;
	/* Under IRM, LRU's hit ratio exceeds FIFO's, and both grow with C. */
	static double lambda[10000];
	struct err e = { 0 };
	assert_int_equal(che_zipf_rates(lambda, 10000, 0.9, &e), 0);
	double prev_l = 0.0, prev_f = 0.0;
	for (double c = 100.0; c <= 5000.0; c *= 2.0) {
		double tl, tf;
		assert_int_equal(che_char_time(CHE_LRU, lambda, NULL, 10000, c, &tl, &e), 0);
		assert_int_equal(che_char_time(CHE_FIFO, lambda, NULL, 10000, c, &tf, &e), 0);
		double hl = che_hit_ratio(CHE_LRU, lambda, 10000, tl), hf = che_hit_ratio(CHE_FIFO, lambda, 10000, tf);
		assert_true(hl > hf);
		assert_true(hl > prev_l && hf > prev_f);
		prev_l = hl;
		prev_f = hf;
	}
}

struct zsrc {
	struct zipf z;
	gsl_rng *r;
};

static uint64_t zdraw(void *ctx)
{
	struct zsrc *s = ctx;
	return zipf_draw(&s->z, s->r);
}

static void test_des_agrees_with_che_within_two_points(void **state)
{
	(void)state;
	struct cv_opts o;
	cv_default_opts(&o);
	o.objects = 20000;
	o.requests = 1000000;
	o.alpha = 0.9;
	struct zsrc s;
	struct err e = { 0 };
	assert_int_equal(zipf_init(&s.z, o.objects, o.alpha, &e), 0);
	s.r = rng_stream_new(7, "test.che.zipf");
	assert_non_null(s.r);
	struct cv_result res;
	assert_int_equal(cv_run(&o, zdraw, &s, &res, &e), 0);
	gsl_rng_free(s.r);
	assert_true(res.warmup_requests >= 10 * res.rows[CV_NROWS - 1].cache_objects);
	for (int i = 0; i < CV_NROWS; i++) {
		if (!res.rows[i].pass)
			print_error("%s %g%%: analytic %.4f simulated %.4f\n", che_policy_name(res.rows[i].policy),
				    res.rows[i].cache_pct, res.rows[i].analytic_hit, res.rows[i].sim_hit);
		assert_true(fabs(res.rows[i].diff_pp) <= CV_TOLERANCE_PP);
	}
	assert_true(res.all_pass);
}

static uint64_t bad_draw(void *ctx)
{
	(void)ctx;
	return 0;
}

static void test_validation_rejects_bad_options_and_bad_draws(void **state)
{
	(void)state;
	struct cv_opts o;
	cv_default_opts(&o);
	struct cv_result res;
	struct err e = { 0 };
	o.objects = 10;
	assert_int_equal(cv_run(&o, bad_draw, NULL, &res, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	cv_default_opts(&o);
	o.objects = 1000;
	o.requests = 10;
	e.code = 0;
	assert_int_equal(cv_run(&o, bad_draw, NULL, &res, &e), -1);
	assert_int_equal(e.code, ERR_FAIL);
}

int main(void)
{
	gsl_set_error_handler_off();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lru_two_equal_objects_half_cache_is_ln2),
		cmocka_unit_test(test_fifo_two_equal_objects_half_cache_is_one),
		cmocka_unit_test(test_lru_unequal_rates_solve_the_quadratic),
		cmocka_unit_test(test_size_aware_lru_weights_by_bytes),
		cmocka_unit_test(test_cache_holding_everything_hits_always),
		cmocka_unit_test(test_bad_arguments_are_input_errors),
		cmocka_unit_test(test_zipf_rates_sum_to_one_and_fall_as_power),
		cmocka_unit_test(test_lru_beats_fifo_and_grows_with_the_cache),
		cmocka_unit_test(test_des_agrees_with_che_within_two_points),
		cmocka_unit_test(test_validation_rejects_bad_options_and_bad_draws),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
