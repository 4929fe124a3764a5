/* Tests for the xoshiro256** GSL generator and per-component streams
 * (sim/rng.c).  Known answers come from the published reference vectors:
 * xoshiro256** from state {1,2,3,4} (Vigna's xoshiro256starstar.c, as used
 * in Rust's rand_xoshiro tests), splitmix64 from state 0 (splitmix64.c) and
 * FNV-1a 64 of "a" and "foobar" (the FNV test suite). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "sim/rng.h"

/* ---- independent transcriptions of the documented formulas ---------- */

static uint64_t ref_splitmix_first(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t ref_fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static gsl_rng *with_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3)
{
	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256ss);
	assert_non_null(r);
	uint64_t s[4] = { s0, s1, s2, s3 };
	memcpy(gsl_rng_state(r), s, sizeof s);
	return r;
}

/* ---- the generator -------------------------------------------------- */

static void test_xoshiro_matches_published_vector(void **state)
{
	(void)state;
	static const uint64_t want[10] = {
		11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL, 1216172134540287360ULL,
		607988272756665600ULL, 16172922978634559625ULL, 8476171486693032832ULL,
		10595114339597558777ULL, 2904607092377533576ULL,
	};
	gsl_rng *r = with_state(1, 2, 3, 4);
	for (int i = 0; i < 10; i++)
		assert_true(gsl_rng_get(r) == want[i]);
	gsl_rng_free(r);
}

static void test_type_has_name_full_64_bit_range_and_state_size(void **state)
{
	(void)state;
	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256ss);
	assert_string_equal(gsl_rng_name(r), "xoshiro256ss");
	assert_true(gsl_rng_max(r) == UINT64_MAX);
	assert_true(gsl_rng_min(r) == 0);
	assert_int_equal(gsl_rng_size(r), 4 * sizeof(uint64_t));
	gsl_rng_free(r);
}

static void test_set_fills_state_with_splitmix64_outputs(void **state)
{
	(void)state;
	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256ss);
	gsl_rng_set(r, 0);
	uint64_t s[4];
	memcpy(s, gsl_rng_state(r), sizeof s);
	assert_true(s[0] == 0xe220a8397b1dcdafULL);
	assert_true(s[1] == 0x6e789e6aa1b965f4ULL);
	assert_true(s[2] == 0x06c45d188009454fULL);
	assert_true(s[3] == 0xf88bb8a8724c81ecULL);
	gsl_rng_free(r);
}

static void test_uniform_is_top_53_bits_scaled(void **state)
{
	(void)state;
	gsl_rng *r = with_state(1, 2, 3, 4);
	/* first output 11520 = 5 * 2048 + 1280, so 11520 >> 11 = 5 */
	assert_true(gsl_rng_uniform(r) == 5 * 0x1p-53);
	gsl_rng_free(r);
}

/* Modular inverse of an odd a mod 2^64 by Newton's iteration
 * (each step doubles the correct low bits: 3 -> 6 -> ... -> 96). */
static uint64_t inv_odd(uint64_t a)
{
	uint64_t x = a;
	for (int i = 0; i < 5; i++)
		x *= 2 - a * x;
	return x;
}

static void test_uniform_of_all_ones_output_is_below_one(void **state)
{
	(void)state;
	/* output = rotl(s1 * 5, 7) * 9; solve for output = 2^64 - 1. */
	uint64_t y = UINT64_MAX * inv_odd(9);
	uint64_t s1 = ((y >> 7) | (y << 57)) * inv_odd(5);
	gsl_rng *a = with_state(0, s1, 0, 0), *b = with_state(0, s1, 0, 0);
	assert_true(gsl_rng_get(a) == UINT64_MAX);
	double u = gsl_rng_uniform(b);
	assert_true(u < 1.0);
	assert_true(u == 1.0 - 0x1p-53);
	gsl_rng_free(a);
	gsl_rng_free(b);
}

static void test_clone_continues_the_same_sequence(void **state)
{
	(void)state;
	gsl_rng *r = rng_stream_new(1, "x");
	gsl_rng_get(r);
	gsl_rng *c = gsl_rng_clone(r);
	for (int i = 0; i < 100; i++)
		assert_true(gsl_rng_get(r) == gsl_rng_get(c));
	gsl_rng_free(r);
	gsl_rng_free(c);
}

/* ---- streams -------------------------------------------------------- */

static void test_reference_hashes_match_published_vectors(void **state)
{
	(void)state;
	/* guards the transcriptions used by the next test */
	assert_true(ref_splitmix_first(0) == 0xe220a8397b1dcdafULL);
	assert_true(ref_fnv1a("") == 0xcbf29ce484222325ULL);
	assert_true(ref_fnv1a("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(ref_fnv1a("foobar") == 0x85944171f73967e8ULL);
}

static void test_mix_follows_documented_formula(void **state)
{
	(void)state;
	const char *names[] = { "", "cpu", "warm/mds0", "a much longer component name" };
	uint64_t seeds[] = { 0, 1, 42, UINT64_MAX };
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			assert_true(rng_mix(seeds[j], names[i]) ==
				    ref_splitmix_first(ref_splitmix_first(seeds[j]) ^ ref_fnv1a(names[i])));
}

static void test_null_name_is_the_empty_name(void **state)
{
	(void)state;
	assert_true(rng_mix(9, NULL) == rng_mix(9, ""));
}

static void test_stream_is_seeded_with_mix(void **state)
{
	(void)state;
	gsl_rng *a = rng_stream_new(7, "cpu");
	gsl_rng *b = gsl_rng_alloc(rng_xoshiro256ss);
	gsl_rng_set(b, rng_mix(7, "cpu"));
	assert_ptr_equal(a->type, rng_xoshiro256ss);
	for (int i = 0; i < 100; i++)
		assert_true(gsl_rng_get(a) == gsl_rng_get(b));
	gsl_rng_free(a);
	gsl_rng_free(b);
}

static void test_same_seed_and_name_give_same_sequence(void **state)
{
	(void)state;
	gsl_rng *a = rng_stream_new(42, "disk"), *b = rng_stream_new(42, "disk");
	for (int i = 0; i < 1000; i++)
		assert_true(gsl_rng_get(a) == gsl_rng_get(b));
	gsl_rng_free(a);
	gsl_rng_free(b);
}

static void test_different_names_give_different_sequences(void **state)
{
	(void)state;
	const char *names[] = { "cpu", "disk", "cpu0", "cpu1", "" };
	uint64_t first[5][4];
	for (int i = 0; i < 5; i++) {
		gsl_rng *r = rng_stream_new(42, names[i]);
		for (int k = 0; k < 4; k++)
			first[i][k] = gsl_rng_get(r);
		gsl_rng_free(r);
	}
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			for (int k = 0; k < 4; k++)
				assert_true(first[i][k] != first[j][k]);
}

static void test_different_seeds_give_different_sequences(void **state)
{
	(void)state;
	gsl_rng *a = rng_stream_new(1, "cpu"), *b = rng_stream_new(2, "cpu");
	int same = 0;
	for (int i = 0; i < 100; i++)
		same += gsl_rng_get(a) == gsl_rng_get(b);
	assert_int_equal(same, 0);
	gsl_rng_free(a);
	gsl_rng_free(b);
}

static void test_adding_a_stream_does_not_change_another(void **state)
{
	(void)state;
	uint64_t alone[1000];
	gsl_rng *a = rng_stream_new(5, "cold");
	for (int i = 0; i < 1000; i++)
		alone[i] = gsl_rng_get(a);
	gsl_rng_free(a);

	a = rng_stream_new(5, "cold");
	gsl_rng *b = rng_stream_new(5, "warm");
	for (int i = 0; i < 1000; i++) {
		gsl_rng_get(b);
		assert_true(gsl_rng_get(a) == alone[i]);
		gsl_rng_uniform(b);
	}
	gsl_rng_free(a);
	gsl_rng_free(b);
}

/* ---- statistics: GSL's samplers on this generator -------------------- */

enum { N = 1000000 };

static void test_uniform_mean_is_within_4_sigma_of_half(void **state)
{
	(void)state;
	gsl_rng *r = rng_stream_new(2024, "uniform-mean");
	double sum = 0;
	for (int i = 0; i < N; i++) {
		double u = gsl_rng_uniform(r);
		assert_true(u >= 0.0 && u < 1.0);
		sum += u;
	}
	/* Var U(0,1) = 1/12, so the mean of N has sigma sqrt(1/(12 N)). */
	double sigma = sqrt(1.0 / (12.0 * N));
	assert_true(fabs(sum / N - 0.5) < 4 * sigma);
	gsl_rng_free(r);
}

static void test_uniform_passes_chi_square_on_100_bins(void **state)
{
	(void)state;
	gsl_rng *r = rng_stream_new(2024, "uniform-chi2");
	static long bins[100];
	memset(bins, 0, sizeof bins);
	for (int i = 0; i < N; i++)
		bins[(int)(gsl_rng_uniform(r) * 100)]++;
	double expect = N / 100.0, chi2 = 0;
	for (int b = 0; b < 100; b++)
		chi2 += (bins[b] - expect) * (bins[b] - expect) / expect;
	assert_true(gsl_cdf_chisq_Q(chi2, 99) > 0.001);
	gsl_rng_free(r);
}

static void test_uniform_int_is_in_range_and_even(void **state)
{
	(void)state;
	gsl_rng *r = rng_stream_new(3, "dice");
	long count[6] = { 0 };
	for (int i = 0; i < 600000; i++) {
		unsigned long k = gsl_rng_uniform_int(r, 6);
		assert_true(k < 6);
		count[k]++;
	}
	double chi2 = 0;
	for (int k = 0; k < 6; k++)
		chi2 += (count[k] - 1e5) * (count[k] - 1e5) / 1e5;
	assert_true(gsl_cdf_chisq_Q(chi2, 5) > 0.001);
	/* n above 2^32 works because max is 2^64-1 */
	for (int i = 0; i < 1000; i++)
		assert_true(gsl_rng_uniform_int(r, 3000000000000000000UL) < 3000000000000000000UL);
	gsl_rng_free(r);
}

static void test_exponential_sample_mean_matches(void **state)
{
	(void)state;
	gsl_rng *r = rng_stream_new(4, "exp");
	double sum = 0;
	for (int i = 0; i < N; i++)
		sum += gsl_ran_exponential(r, 2.0);
	/* Exp(mean 2) has sd 2, so the sample mean has sigma 2/sqrt(N). */
	assert_true(fabs(sum / N - 2.0) < 4 * 2.0 / sqrt(N));
	gsl_rng_free(r);
}

static void test_gaussian_samplers_have_unit_variance(void **state)
{
	(void)state;
	gsl_rng *r = rng_stream_new(5, "normal");
	double s1 = 0, s2 = 0, z1 = 0, z2 = 0;
	for (int i = 0; i < N; i++) {
		double x = gsl_ran_gaussian(r, 1.0);
		double z = gsl_ran_gaussian_ziggurat(r, 1.0);
		s1 += x;
		s2 += x * x;
		z1 += z;
		z2 += z * z;
	}
	/* mean: sigma 1/sqrt(N); E[X^2] = 1 with Var(X^2) = 2: sigma sqrt(2/N) */
	assert_true(fabs(s1 / N) < 4 / sqrt(N));
	assert_true(fabs(s2 / N - 1) < 4 * sqrt(2.0 / N));
	assert_true(fabs(z1 / N) < 4 / sqrt(N));
	assert_true(fabs(z2 / N - 1) < 4 * sqrt(2.0 / N));
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xoshiro_matches_published_vector),
		cmocka_unit_test(test_type_has_name_full_64_bit_range_and_state_size),
		cmocka_unit_test(test_set_fills_state_with_splitmix64_outputs),
		cmocka_unit_test(test_uniform_is_top_53_bits_scaled),
		cmocka_unit_test(test_uniform_of_all_ones_output_is_below_one),
		cmocka_unit_test(test_clone_continues_the_same_sequence),
		cmocka_unit_test(test_reference_hashes_match_published_vectors),
		cmocka_unit_test(test_mix_follows_documented_formula),
		cmocka_unit_test(test_null_name_is_the_empty_name),
		cmocka_unit_test(test_stream_is_seeded_with_mix),
		cmocka_unit_test(test_same_seed_and_name_give_same_sequence),
		cmocka_unit_test(test_different_names_give_different_sequences),
		cmocka_unit_test(test_different_seeds_give_different_sequences),
		cmocka_unit_test(test_adding_a_stream_does_not_change_another),
		cmocka_unit_test(test_uniform_mean_is_within_4_sigma_of_half),
		cmocka_unit_test(test_uniform_passes_chi_square_on_100_bins),
		cmocka_unit_test(test_uniform_int_is_in_range_and_even),
		cmocka_unit_test(test_exponential_sample_mean_matches),
		cmocka_unit_test(test_gaussian_samplers_have_unit_variance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
