/* Tests for the log-linear histogram (sim/hist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/child.h"

#include "sim/hist.h"
#include "sim/metrics.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

/* A deterministic generator for test data: splitmix64. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double uniform(uint64_t *s)
{
	return ((double)(mix(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* Lognormal: exp(mu + sigma * z), z standard normal by Box-Muller. */
static uint64_t lognormal(uint64_t *s, double mu, double sigma)
{
	double z = sqrt(-2.0 * log(uniform(s))) * cos(2.0 * M_PI * uniform(s));
	return (uint64_t)exp(mu + sigma * z);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void test_empty_histogram_reports_zeros(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	assert_non_null(h);
	assert_int_equal(hist_count(h), 0);
	assert_int_equal(hist_min(h), 0);
	assert_int_equal(hist_max(h), 0);
	assert_true(hist_mean(h) == 0.0);
	assert_true(hist_sum(h) == 0.0);
	assert_true(hist_quantile(h, 0.5) == 0.0);
	assert_true(hist_quantile(h, 0.0) == 0.0);
	assert_true(hist_quantile(h, 1.0) == 0.0);
	size_t cur = 0;
	uint64_t lo, hi, n;
	assert_int_equal(hist_next_bucket(h, &cur, &lo, &hi, &n), 0);
	hist_free(h);
}

static void test_small_values_are_counted_exactly(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	for (uint64_t v = 0; v < 128; v++)
		hist_record(h, v);
	/* 128 values 0..127: the k-th smallest is k-1. */
	assert_true(hist_quantile(h, 0.5) == 63.0);   /* rank 64 */
	assert_true(hist_quantile(h, 0.9) == 115.0);  /* rank ceil(115.2) = 116 */
	assert_true(hist_quantile(h, 0.01) == 1.0);   /* rank ceil(1.28) = 2 */
	size_t cur = 0;
	uint64_t lo, hi, n, expect = 0;
	while (hist_next_bucket(h, &cur, &lo, &hi, &n)) {
		assert_int_equal(lo, expect);
		assert_int_equal(hi, expect);
		assert_int_equal(n, 1);
		expect++;
	}
	assert_int_equal(expect, 128);
	hist_free(h);
}

static void test_min_max_sum_and_mean_are_exact(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	hist_record(h, 1000);
	hist_record(h, 3);
	hist_record(h, 1000000007);
	assert_int_equal(hist_count(h), 3);
	assert_int_equal(hist_min(h), 3);
	assert_int_equal(hist_max(h), 1000000007);
	assert_true(hist_sum(h) == 1000001010.0);
	assert_near(hist_mean(h), 1000001010.0 / 3.0, 1e-6);
	hist_free(h);
}

/* hist_record_zero is a shortcut: every reading must match the records
 * of 0 it stands for, in an empty histogram and among other values. */
static void test_record_zero_equals_recording_zero(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *b = hist_new();
	assert_non_null(a);
	assert_non_null(b);
	for (int round = 0; round < 2; round++) {
		hist_record_zero(a);
		hist_record(b, 0);
		hist_record(a, 7000 + (uint64_t)round);
		hist_record(b, 7000 + (uint64_t)round);
		hist_record_zero(a);
		hist_record(b, 0);
	}
	assert_int_equal(hist_count(a), hist_count(b));
	assert_int_equal(hist_min(a), 0);
	assert_int_equal(hist_max(a), hist_max(b));
	assert_true(hist_sum(a) == hist_sum(b));
	size_t ca = 0, cb = 0;
	uint64_t la, ha, na, lb, hb, nb;
	while (hist_next_bucket(a, &ca, &la, &ha, &na)) {
		assert_int_equal(hist_next_bucket(b, &cb, &lb, &hb, &nb), 1);
		assert_int_equal(la, lb);
		assert_int_equal(ha, hb);
		assert_int_equal(na, nb);
	}
	assert_int_equal(hist_next_bucket(b, &cb, &lb, &hb, &nb), 0);
	hist_free(a);
	hist_free(b);
}

static void test_q0_is_min_and_q1_is_max(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	hist_record(h, 1001);
	hist_record(h, 123456789);
	/* Neither is a bucket midpoint: the extremes are kept exactly. */
	assert_true(hist_quantile(h, 0.0) == 1001.0);
	assert_true(hist_quantile(h, 1.0) == 123456789.0);
	hist_free(h);
}

static void test_quantile_is_midpoint_of_bucket_holding_rank(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	/* 1000 = 0b1111101000: top bit 9, so buckets are 2^(9-7) = 4 wide and
	 * 1000 falls in [1000, 1003], midpoint 1001.5. */
	hist_record(h, 1000);
	hist_record(h, 5000);
	assert_true(hist_quantile(h, 0.5) == 1001.5); /* rank 1 */
	hist_free(h);
}

static void test_quantile_is_clamped_to_observed_range(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	/* 1001 lies in [1000, 1003]; the midpoint 1001.5 exceeds the max. */
	hist_record(h, 1001);
	hist_record(h, 1001);
	assert_true(hist_quantile(h, 0.5) == 1001.0);
	hist_free(h);
}

static void test_buckets_split_each_power_of_two_into_128(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	/* 255: top bit 7, width 1.  256, 257: top bit 8, width 2, [256,257].
	 * 511: width 2, [510,511].  512: top bit 9, width 4, [512,515]. */
	uint64_t vals[] = {255, 256, 257, 511, 512};
	for (size_t i = 0; i < 5; i++)
		hist_record(h, vals[i]);
	uint64_t want[][3] = {{255, 255, 1}, {256, 257, 2}, {510, 511, 1}, {512, 515, 1}};
	size_t cur = 0, k = 0;
	uint64_t lo, hi, n;
	while (hist_next_bucket(h, &cur, &lo, &hi, &n)) {
		assert_true(k < 4);
		assert_int_equal(lo, want[k][0]);
		assert_int_equal(hi, want[k][1]);
		assert_int_equal(n, want[k][2]);
		k++;
	}
	assert_int_equal(k, 4);
	hist_free(h);
}

static void test_quantiles_within_one_percent_of_sorted_samples(void **state)
{
	(void)state;
	enum { N = 1000000 };
	uint64_t *x = malloc(N * sizeof *x);
	assert_non_null(x);
	struct hist *h = hist_new();
	uint64_t seed = 42;
	for (size_t i = 0; i < N; i++) {
		/* Median e^13.8 ~ 1 ms in ns, heavy right tail. */
		x[i] = lognormal(&seed, 13.8, 1.5);
		hist_record(h, x[i]);
	}
	qsort(x, N, sizeof *x, cmp_u64);
	const double qs[] = {0.5, 0.9, 0.99, 0.999};
	for (size_t i = 0; i < 4; i++) {
		double rank = ceil(qs[i] * N); /* the ceil(q n)-th smallest */
		double truth = (double)x[(size_t)rank - 1];
		double got = hist_quantile(h, qs[i]);
		assert_true(fabs(got - truth) <= 0.01 * truth);
	}
	assert_true(hist_quantile(h, 0.0) == (double)x[0]);
	assert_true(hist_quantile(h, 1.0) == (double)x[N - 1]);
	assert_int_equal(hist_min(h), x[0]);
	assert_int_equal(hist_max(h), x[N - 1]);
	free(x);
	hist_free(h);
}

static void test_merge_equals_recording_everything_in_one(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new();
	uint64_t seed = 7;
	for (int i = 0; i < 50000; i++) {
		uint64_t v = lognormal(&seed, 10.0, 2.0);
		hist_record(i % 3 ? a : b, v);
		hist_record(all, v);
	}
	hist_record(b, 0);
	hist_record(all, 0);
	hist_merge(a, b);
	assert_int_equal(hist_count(a), hist_count(all));
	assert_int_equal(hist_min(a), hist_min(all));
	assert_int_equal(hist_max(a), hist_max(all));
	assert_true(hist_sum(a) == hist_sum(all));
	const double qs[] = {0.1, 0.5, 0.9, 0.99, 0.999};
	for (size_t i = 0; i < 5; i++)
		assert_true(hist_quantile(a, qs[i]) == hist_quantile(all, qs[i]));
	size_t ca = 0, cb = 0;
	uint64_t lo1, hi1, n1, lo2, hi2, n2;
	for (;;) {
		int r1 = hist_next_bucket(a, &ca, &lo1, &hi1, &n1);
		int r2 = hist_next_bucket(all, &cb, &lo2, &hi2, &n2);
		assert_int_equal(r1, r2);
		if (!r1)
			break;
		assert_int_equal(lo1, lo2);
		assert_int_equal(hi1, hi2);
		assert_int_equal(n1, n2);
	}
	hist_free(a);
	hist_free(b);
	hist_free(all);
}

static void test_merging_an_empty_histogram_changes_nothing(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *empty = hist_new();
	hist_record(a, 500);
	hist_merge(a, empty);
	assert_int_equal(hist_count(a), 1);
	assert_int_equal(hist_min(a), 500);
	assert_int_equal(hist_max(a), 500);
	hist_merge(empty, a); /* into an empty one: a copy */
	assert_int_equal(hist_count(empty), 1);
	assert_int_equal(hist_min(empty), 500);
	assert_int_equal(hist_max(empty), 500);
	hist_free(a);
	hist_free(empty);
}

static void test_bucket_iteration_covers_every_count(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	uint64_t seed = 3;
	enum { N = 200000 };
	for (int i = 0; i < N; i++)
		hist_record(h, mix(&seed) >> (mix(&seed) % 64)); /* all magnitudes */
	size_t cur = 0;
	uint64_t lo, hi, n, total = 0, prev_hi = 0;
	int first = 1;
	while (hist_next_bucket(h, &cur, &lo, &hi, &n)) {
		assert_true(n > 0);
		assert_true(lo <= hi);
		assert_true(first || lo > prev_hi); /* increasing, disjoint */
		/* At most 1/128 of the lower bound wide (1 below 256). */
		assert_true(hi - lo + 1 <= (lo < 256 ? 1 : lo / 128));
		total += n;
		prev_hi = hi;
		first = 0;
	}
	assert_int_equal(total, N);
	assert_int_equal(total, hist_count(h));
	hist_free(h);
}

static void test_huge_values_near_uint64_max(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	hist_record(h, UINT64_MAX);
	hist_record(h, UINT64_MAX - 1);
	hist_record(h, (uint64_t)1 << 63);
	assert_int_equal(hist_min(h), (uint64_t)1 << 63);
	assert_int_equal(hist_max(h), UINT64_MAX);
	/* Top bit 63: buckets 2^56 wide.  2^63 = 128 << 56 starts the first;
	 * 2^64 - 1 and 2^64 - 2 share the last, [255 << 56, 2^64 - 1]. */
	uint64_t want[][3] = {
		{(uint64_t)1 << 63, ((uint64_t)1 << 63) + ((uint64_t)1 << 56) - 1, 1},
		{(uint64_t)255 << 56, UINT64_MAX, 2},
	};
	size_t cur = 0, k = 0;
	uint64_t lo, hi, n;
	while (hist_next_bucket(h, &cur, &lo, &hi, &n)) {
		assert_true(k < 2);
		assert_true(lo == want[k][0]);
		assert_true(hi == want[k][1]);
		assert_int_equal(n, want[k][2]);
		k++;
	}
	assert_int_equal(k, 2);
	/* p50: rank 2, the last bucket; midpoint 255*2^56 + 2^55 = 511*2^55. */
	assert_true(hist_quantile(h, 0.5) == 511.0 * 36028797018963968.0);
	assert_true(hist_quantile(h, 1.0) == 18446744073709551615.0);
	/* Mean (2^64 - 1 + 2^64 - 2 + 2^63) / 3 = (5 * 2^63 - 3) / 3. */
	assert_near(hist_mean(h), 5.0 * 9223372036854775808.0 / 3.0, 1e4);
	hist_free(h);
}

static void test_record_n_counts_value_n_times(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *b = hist_new();
	hist_record_n(a, 700, 5);
	hist_record_n(a, 9, 0); /* no-op: must not move min */
	for (int i = 0; i < 5; i++)
		hist_record(b, 700);
	assert_int_equal(hist_count(a), 5);
	assert_int_equal(hist_min(a), 700);
	assert_true(hist_sum(a) == 3500.0);
	assert_true(hist_quantile(a, 0.5) == hist_quantile(b, 0.5));
	hist_free(a);
	hist_free(b);
}

static void test_reset_empties_the_histogram(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	hist_record(h, 12345);
	hist_reset(h);
	assert_int_equal(hist_count(h), 0);
	assert_int_equal(hist_min(h), 0);
	assert_int_equal(hist_max(h), 0);
	hist_record(h, 77);
	assert_int_equal(hist_min(h), 77);
	assert_int_equal(hist_max(h), 77);
	hist_free(h);
}

/* A histogram allocates a power of two's counts when a value first falls
 * in it.  Under an address-space limit with the heap used up, a value in a
 * new power of two must be counted exactly (count, sum, min, max), lost
 * from the buckets, reported by hist_lost, carried by a merge, and make
 * the registry holding the histogram fail.  Run in a child, which uses up
 * its own memory; not under AddressSanitizer, whose shadow memory needs
 * an unlimited address space. */
#if defined(__SANITIZE_ADDRESS__)
#define HIST_NO_RLIMIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HIST_NO_RLIMIT 1
#endif
#endif

#ifndef HIST_NO_RLIMIT
/* The child's checks: its exit status is the number of the first one to
 * fail, 0 when all hold. */
static int lost_child(void)
{
	struct met_registry *m = met_new();
	struct hist *h = m ? met_hist(m, "x.latency", "ns") : NULL;
	struct hist *copy = hist_new();
	if (!h || !copy)
		return 1;
	hist_record(h, 1000);
	if (met_failed(m) || hist_lost(h))
		return 2;

	/* Limit the address space to what is mapped now plus 8 MiB, then
	 * take all of that in 1 KiB blocks, chained through themselves. */
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%ld", &pages) != 1)
		return 3;
	fclose(f);
	struct rlimit rl = { .rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (8 << 20),
			     .rlim_max = RLIM_INFINITY };
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return 4;
	void *ballast = NULL;
	for (void **b; (b = malloc(1024)) != NULL;) {
		*b = ballast;
		ballast = b;
	}

	hist_record(h, 1000);            /* its power of two exists: counted */
	hist_record(h, (uint64_t)1 << 40); /* a new one: lost from the buckets */
	hist_merge(copy, h);             /* copy's groups cannot be allocated */
	int rc = 0;
	if (hist_count(h) != 3 || hist_max(h) != (uint64_t)1 << 40 || hist_min(h) != 1000)
		rc = 5;
	else if (hist_lost(h) != 1 || !met_failed(m))
		rc = 6;
	else if (hist_count(copy) != 3 || hist_lost(copy) != 3)
		rc = 7;
	/* The median's bucket is 1000's, [1000, 1003]; q = 1 is the max. */
	else if (hist_quantile(h, 0.5) != 1001.5 || hist_quantile(h, 1.0) != (double)((uint64_t)1 << 40))
		rc = 8;

	while (ballast) {
		void *next = *(void **)ballast;
		free(ballast);
		ballast = next;
	}
	/* Memory again: the next value of that power of two gets a bucket;
	 * the loss stays counted until a reset. */
	hist_record(h, (uint64_t)1 << 40);
	if (!rc && (hist_lost(h) != 1 || hist_count(h) != 4))
		rc = 9;
	hist_reset(h);
	if (!rc && (hist_lost(h) != 0 || met_failed(m)))
		rc = 10;
	hist_free(copy);
	met_free(m);
	return rc;
}
#endif

static void test_a_power_of_two_that_cannot_be_allocated_is_counted_lost(void **state)
{
	(void)state;
#ifdef HIST_NO_RLIMIT
	skip();
#else
	assert_int_equal(test_in_child(lost_child), 0);
#endif
}

/* Groups are allocated on first use: values far apart leave the powers
 * of two between them unallocated, and every query walks past them. */
static void test_sparse_powers_of_two_read_back_exactly(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	assert_non_null(h);
	static const uint64_t v[] = { 3, 300, 1u << 20, (uint64_t)1 << 40, UINT64_MAX };
	for (size_t i = 0; i < 5; i++)
		hist_record_n(h, v[i], i + 1);
	/* 15 values: ranks 1, 2-3, 4-6, 7-10, 11-15 */
	assert_int_equal(hist_quantile(h, 1.0 / 15), 3);
	assert_near(hist_quantile(h, 3.0 / 15), 300, 300 / 128.0);
	assert_near(hist_quantile(h, 6.0 / 15), 1u << 20, (1u << 20) / 128.0);
	assert_near(hist_quantile(h, 10.0 / 15), (double)((uint64_t)1 << 40), (double)((uint64_t)1 << 40) / 128.0);
	assert_near(hist_quantile(h, 11.0 / 15), (double)UINT64_MAX, (double)UINT64_MAX / 128.0);
	size_t cur = 0, k = 0;
	uint64_t lo, hi, n;
	while (hist_next_bucket(h, &cur, &lo, &hi, &n)) {
		assert_true(k < 5);
		assert_true(lo <= v[k] && v[k] <= hi);
		assert_int_equal(n, k + 1);
		k++;
	}
	assert_int_equal(k, 5);
	assert_int_equal(hist_lost(h), 0);
	hist_free(h);
}

/* hist_record finds a value's bucket by table, hist_record_n by the
 * layout's formula: both must agree at every power of two's edges. */
static void test_record_and_record_n_use_the_same_buckets(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *b = hist_new();
	assert_non_null(a);
	assert_non_null(b);
	for (unsigned m = 0; m < 64; m++) {
		uint64_t lo = (uint64_t)1 << m, top = lo + (lo - 1);
		uint64_t v[] = { lo, lo + lo / 3, top - 1, top };
		for (size_t i = 0; i < 4; i++) {
			hist_record(a, v[i]);
			hist_record_n(b, v[i], 1);
		}
	}
	hist_record(a, 0);
	hist_record_n(b, 0, 1);
	size_t ca = 0, cb = 0;
	uint64_t lo_a, hi_a, n_a, lo_b, hi_b, n_b;
	int more;
	while ((more = hist_next_bucket(a, &ca, &lo_a, &hi_a, &n_a))) {
		assert_true(hist_next_bucket(b, &cb, &lo_b, &hi_b, &n_b));
		assert_int_equal(lo_a, lo_b);
		assert_int_equal(hi_a, hi_b);
		assert_int_equal(n_a, n_b);
	}
	assert_false(hist_next_bucket(b, &cb, &lo_b, &hi_b, &n_b));
	hist_free(a);
	hist_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_histogram_reports_zeros),
		cmocka_unit_test(test_small_values_are_counted_exactly),
		cmocka_unit_test(test_min_max_sum_and_mean_are_exact),
		cmocka_unit_test(test_record_zero_equals_recording_zero),
		cmocka_unit_test(test_q0_is_min_and_q1_is_max),
		cmocka_unit_test(test_quantile_is_midpoint_of_bucket_holding_rank),
		cmocka_unit_test(test_quantile_is_clamped_to_observed_range),
		cmocka_unit_test(test_buckets_split_each_power_of_two_into_128),
		cmocka_unit_test(test_quantiles_within_one_percent_of_sorted_samples),
		cmocka_unit_test(test_merge_equals_recording_everything_in_one),
		cmocka_unit_test(test_merging_an_empty_histogram_changes_nothing),
		cmocka_unit_test(test_bucket_iteration_covers_every_count),
		cmocka_unit_test(test_huge_values_near_uint64_max),
		cmocka_unit_test(test_record_n_counts_value_n_times),
		cmocka_unit_test(test_reset_empties_the_histogram),
		cmocka_unit_test(test_a_power_of_two_that_cannot_be_allocated_is_counted_lost),
		cmocka_unit_test(test_sparse_powers_of_two_read_back_exactly),
		cmocka_unit_test(test_record_and_record_n_use_the_same_buckets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
