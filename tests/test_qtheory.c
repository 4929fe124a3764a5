/* Closed forms of queueing theory (models/qtheory.c) on hand-worked values,
 * and the queueing rung of the validation ladder (models/qvalidate.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>

#include "models/qtheory.h"
#include "models/qvalidate.h"

static void test_mm1_wait_is_rho_es_over_one_minus_rho(void **state)
{
	(void)state;
	/* λ = 0.5, E[S] = 1: ρ = 0.5, W_q = 0.5·1/0.5 = 1 */
	assert_float_equal(qt_mm1_wq(0.5, 1.0), 1.0, 1e-12);
	/* λ = 0.9, E[S] = 1: W_q = 0.9/0.1 = 9 */
	assert_float_equal(qt_mm1_wq(0.9, 1.0), 9.0, 1e-9);
}

static void test_erlang_c_matches_hand_worked_two_servers(void **state)
{
	(void)state;
	/* c = 2, a = 1: B(1,1) = 1/2, B(2,1) = (1/2)/(2 + 1/2) = 1/5;
	 * C = 2·(1/5) / (2 − 1·(4/5)) = (2/5)/(6/5) = 1/3. */
	assert_float_equal(qt_erlang_b(2, 1.0), 0.2, 1e-12);
	assert_float_equal(qt_erlang_c(2, 1.0), 1.0 / 3.0, 1e-12);
	/* M/M/2, λ = 1, E[S] = 1: W_q = C/(c − a)·E[S] = (1/3)/1 */
	assert_float_equal(qt_mmc_wq(1.0, 1.0, 2), 1.0 / 3.0, 1e-12);
}

static void test_erlang_c_with_one_server_is_rho(void **state)
{
	(void)state;
	/* M/M/1: P(wait) = ρ, and the M/M/c form reduces to M/M/1. */
	assert_float_equal(qt_erlang_c(1, 0.7), 0.7, 1e-12);
	assert_float_equal(qt_mmc_wq(0.7, 1.0, 1), qt_mm1_wq(0.7, 1.0), 1e-12);
}

static void test_erlang_c_is_stable_for_many_servers(void **state)
{
	(void)state;
	/* a^c/c! overflows a double at c = 200; the recurrence must not. */
	double pc = qt_erlang_c(200, 190.0);
	assert_true(pc > 0.0 && pc < 1.0);
	assert_false(isnan(qt_mmc_wq(190.0, 1.0, 200)));
}

static void test_pollaczek_khinchine_deterministic_is_half_of_exponential(void **state)
{
	(void)state;
	/* M/D/1 waits half as long as M/M/1 at the same ρ: E[S²] = E[S]² vs 2E[S]². */
	assert_float_equal(qt_md1_wq(0.5, 1.0), 0.5, 1e-12);
	assert_float_equal(qt_mg1_wq(0.5, 1.0, 2.0), qt_mm1_wq(0.5, 1.0), 1e-12);
}

static void test_no_steady_state_at_rho_one(void **state)
{
	(void)state;
	assert_true(isinf(qt_mm1_wq(1.0, 1.0)));
	assert_true(isinf(qt_mmc_wq(4.0, 1.0, 4)));
	assert_true(isinf(qt_mg1_wq(2.0, 1.0, 1.0)));
}

/* Rung 1 of the validation ladder: the DES's res_queue reproduces the
 * closed forms.  Each row's interval is a 95% one, so a correct simulator
 * misses ~5% of rows: one seed's 8 rows all pass only ~66% of the time, and
 * a test that demanded it would pass or fail by the seed chosen.  Instead,
 * over SEEDS seeds (SEEDS x 8 independent rows) the number of misses must
 * be at most MAX_OUT, a bound a correct simulator exceeds with probability
 * P(Binomial(40, 0.05) > 5) ≈ 1.4% (checked below with GSL), while a biased
 * one — say waits 3% long at ρ = 0.9 — misses far more.  `tiersim validate
 * queueing` with its defaults (tests/e2e) must have every row inside. */
#define SEEDS 5
#define MAX_OUT 5

static void test_des_waits_match_closed_forms_within_their_95pct_cis(void **state)
{
	(void)state;
	assert_true(gsl_cdf_binomial_Q(MAX_OUT, 0.05, SEEDS * QV_NROWS) < 0.02);
	int outside = 0;
	for (uint64_t seed = 1; seed <= SEEDS; seed++) {
		struct qv_opts o;
		qv_default_opts(&o);
		o.seed = seed;
		o.reps = 10;
		o.customers = 60000;
		o.warmup = 10000;
		struct qv_row rows[QV_NROWS];
		assert_int_equal(qv_run(&o, rows, NULL), 0);
		for (int i = 0; i < QV_NROWS; i++) {
			const struct qv_row *r = &rows[i];
			if (!r->inside)
				print_message("seed %llu: %s rho=%.1f outside: theory %.4f ms, sim %.4f +/- %.4f ms\n",
					      (unsigned long long)seed, r->model, r->rho, r->theory_ns / 1e6,
					      r->sim_ns / 1e6, r->half_ns / 1e6);
			outside += !r->inside;
			assert_true(r->half_ns > 0);
			/* No row may be off by more than 4 half-widths (~8 standard
			 * errors): that is bias, not chance. */
			assert_true(fabs(r->sim_ns - r->theory_ns) < 4 * r->half_ns);
			/* Little's law, L_q = λ W_q over each replication's window;
			 * the residue is customers still queued at the window's end. */
			assert_true(r->little_err_pct < 1.0);
		}
	}
	print_message("%d of %d rows outside their 95%% interval (at most %d allowed)\n", outside,
		      SEEDS * QV_NROWS, MAX_OUT);
	assert_true(outside <= MAX_OUT);
}

static void test_validation_rejects_fewer_than_two_replications(void **state)
{
	(void)state;
	struct qv_opts o;
	qv_default_opts(&o);
	o.reps = 1;
	struct qv_row rows[QV_NROWS];
	struct err e = { 0 };
	assert_int_equal(qv_run(&o, rows, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm1_wait_is_rho_es_over_one_minus_rho),
		cmocka_unit_test(test_erlang_c_matches_hand_worked_two_servers),
		cmocka_unit_test(test_erlang_c_with_one_server_is_rho),
		cmocka_unit_test(test_erlang_c_is_stable_for_many_servers),
		cmocka_unit_test(test_pollaczek_khinchine_deterministic_is_half_of_exponential),
		cmocka_unit_test(test_no_steady_state_at_rho_one),
		cmocka_unit_test(test_des_waits_match_closed_forms_within_their_95pct_cis),
		cmocka_unit_test(test_validation_rejects_fewer_than_two_replications),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
