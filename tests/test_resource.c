/* Tests for the resource primitives (sim/resource.c), driven by the real
 * DES engine through the executor contract.  Expected times are worked by
 * hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/engine.h"
#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/resource.h"

#define S 1000000000ull /* ns per s */

/* ---- a log of completions ---- */

#define LOG_MAX 64

struct log {
	struct ev_engine *eng;
	struct exec x;
	int id[LOG_MAX];
	uint64_t at[LOG_MAX];
	int n;
};

struct tag {
	struct log *log;
	int id;
};

static void log_init(struct log *log, struct tag *tags, int ntags)
{
	memset(log, 0, sizeof *log);
	log->eng = ev_engine_new(NULL);
	assert_non_null(log->eng);
	log->x = ev_executor(log->eng);
	for (int i = 0; i < ntags; i++)
		tags[i] = (struct tag){ log, i };
}

static void logged(void *arg)
{
	struct tag *t = arg;
	assert_true(t->log->n < LOG_MAX);
	t->log->id[t->log->n] = t->id;
	t->log->at[t->log->n] = ev_now(t->log->eng);
	t->log->n++;
}

static void run_all(struct log *log)
{
	assert_int_equal(ev_run(log->eng, UINT64_MAX, NULL), EV_EMPTY);
}

static void noop(void *arg)
{
	(void)arg;
}

/* Runs every event up to t and leaves the clock at t (an idle engine
 * would leave it at its last event). */
static void run_to(struct ev_engine *eng, uint64_t t)
{
	ev_at(eng, t, noop, NULL);
	assert_true(ev_run(eng, t, NULL) >= 0);
	assert_int_equal(ev_now(eng), t);
}

static void run_until(struct log *log, uint64_t t)
{
	run_to(log->eng, t);
}

/* Calls fn(arg) at t (to submit work at a given time). */
struct at_call {
	struct log *log;
	void (*fn)(struct at_call *);
	void *res;
	uint64_t amount;
	double cap;
	struct tag *tag;
};

static void at_call_run(void *arg)
{
	struct at_call *c = arg;
	c->fn(c);
}

static void expect(const struct log *log, int n, const int *ids, const uint64_t *at)
{
	assert_int_equal(log->n, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(log->id[i], ids[i]);
		assert_int_equal(log->at[i], at[i]);
	}
}

/* ---- res_queue ---- */

static void test_queue_two_servers_hand_worked_times(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	struct res_queue *q = res_queue_new(&log.x, 2);
	assert_non_null(q);
	/* 10 and 20 start at once on the two servers; 30 waits for the first
	 * free one (t=10) and ends at 40. */
	assert_int_equal(res_queue_submit(q, 10, logged, &t[0]), 0);
	assert_int_equal(res_queue_submit(q, 20, logged, &t[1]), 0);
	assert_int_equal(res_queue_submit(q, 30, logged, &t[2]), 0);
	run_all(&log);
	expect(&log, 3, (int[]){ 0, 1, 2 }, (uint64_t[]){ 10, 20, 40 });
	const struct res_stats *st = res_queue_stats(q);
	assert_int_equal(st->arrivals, 3);
	assert_int_equal(st->completions, 3);
	/* waits 0, 0, 10; responses 10, 20, 40 */
	assert_int_equal(hist_count(st->wait_ns), 3);
	assert_int_equal(hist_min(st->wait_ns), 0);
	assert_int_equal(hist_max(st->wait_ns), 10);
	assert_true(fabs(hist_sum(st->wait_ns) - 10) < 1e-9);
	assert_int_equal(hist_min(st->response_ns), 10);
	assert_int_equal(hist_max(st->response_ns), 40);
	assert_true(fabs(hist_sum(st->response_ns) - 70) < 1e-9);
	res_queue_free(q);
	ev_engine_free(log.eng);
}

static void test_queue_equal_completion_times_run_in_submission_order(void **state)
{
	(void)state;
	struct log log;
	struct tag t[5];
	log_init(&log, t, 5);
	struct res_queue *q = res_queue_new(&log.x, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(res_queue_submit(q, 7, logged, &t[i]), 0);
	run_all(&log);
	expect(&log, 5, (int[]){ 0, 1, 2, 3, 4 }, (uint64_t[]){ 7, 7, 7, 7, 7 });
	res_queue_free(q);
	ev_engine_free(log.eng);
}

static void test_queue_utilisation_and_means_of_deterministic_schedule_are_exact(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	struct res_queue *q = res_queue_new(&log.x, 2);
	res_queue_submit(q, 10, logged, &t[0]);
	res_queue_submit(q, 20, logged, &t[1]);
	res_queue_submit(q, 30, logged, &t[2]);
	run_until(&log, 40);
	const struct res_stats *st = res_queue_stats(q);
	/* busy: 2 on [0,20), 1 on [20,40) -> 60 server-ns of 80 */
	assert_true(fabs(res_stats_util(st, 40, 2) - 0.75) < 1e-12);
	/* waiting: 1 on [0,10) -> 10/40 */
	assert_true(fabs(res_stats_mean_queue(st, 40) - 0.25) < 1e-12);
	/* in system: 3 on [0,10), 2 on [10,20), 1 on [20,40) -> 70/40 */
	assert_true(fabs(res_stats_mean_system(st, 40) - 1.75) < 1e-12);
	/* idle afterwards: the window keeps growing */
	run_until(&log, 100);
	assert_true(fabs(res_stats_util(st, 100, 2) - 0.3) < 1e-12);
	res_queue_free(q);
	ev_engine_free(log.eng);
}

struct resubmit {
	struct log *log;
	struct res_queue *q;
	struct tag *later;
	int done;
};

static void resubmit_once(void *arg)
{
	struct resubmit *r = arg;
	logged(&(struct tag){ r->log, 100 });
	if (!r->done++)
		assert_int_equal(res_queue_submit(r->q, 10, logged, r->later), 0);
}

static void test_queue_work_submitted_from_done_queues_behind_waiters(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	struct res_queue *q = res_queue_new(&log.x, 1);
	struct resubmit r = { &log, q, &t[2], 0 };
	/* A (id 100) runs [0,10); B waits; A's done submits C at 10, which
	 * must queue behind B: B [10,20), C [20,30). */
	res_queue_submit(q, 10, resubmit_once, &r);
	res_queue_submit(q, 10, logged, &t[1]);
	run_all(&log);
	expect(&log, 3, (int[]){ 100, 1, 2 }, (uint64_t[]){ 10, 20, 30 });
	assert_int_equal(res_queue_stats(q)->arrivals, 3);
	assert_int_equal(res_queue_stats(q)->completions, 3);
	res_queue_free(q);
	ev_engine_free(log.eng);
}

/* The same with callback first (res_queue_callback_first): A's done runs
 * before B starts, so C takes the server A left: C [10,20), B [20,30).
 * And res_queue_submit_at puts a waiting job where it is told: D, at
 * position 0 while B waits, goes ahead of B. */
static void test_queue_callback_first_and_submit_at(void **state)
{
	(void)state;
	struct log log;
	struct tag t[4];
	log_init(&log, t, 4);
	struct res_queue *q = res_queue_new(&log.x, 1);
	res_queue_callback_first(q, 1);
	struct resubmit r = { &log, q, &t[2], 0 };
	res_queue_submit(q, 10, resubmit_once, &r);
	res_queue_submit(q, 10, logged, &t[1]);
	assert_int_equal(res_queue_waiting(q), 1);
	run_all(&log);
	expect(&log, 3, (int[]){ 100, 2, 1 }, (uint64_t[]){ 10, 20, 30 });
	log.n = 0;
	res_queue_submit(q, 10, logged, &t[0]);                 /* [30,40) */
	res_queue_submit(q, 10, logged, &t[1]);                 /* waits */
	assert_int_equal(res_queue_submit_at(q, 10, logged, &t[3], 0), 0); /* ahead of it */
	assert_int_equal(res_queue_busy(q), 1);
	assert_int_equal(res_queue_waiting(q), 2);
	run_all(&log);
	expect(&log, 3, (int[]){ 0, 3, 1 }, (uint64_t[]){ 40, 50, 60 });
	res_queue_free(q);
	ev_engine_free(log.eng);
}

static void test_queue_zero_service_completes_from_executor_not_inline(void **state)
{
	(void)state;
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	struct res_queue *q = res_queue_new(&log.x, 1);
	res_queue_submit(q, 0, logged, &t[0]);
	assert_int_equal(log.n, 0);
	run_all(&log);
	expect(&log, 1, (int[]){ 0 }, (uint64_t[]){ 0 });
	res_queue_free(q);
	ev_engine_free(log.eng);
}

static void test_queue_reset_stats_restarts_the_window(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	struct res_queue *q = res_queue_new(&log.x, 1);
	res_queue_submit(q, 100, logged, &t[0]);
	res_queue_submit(q, 100, logged, &t[1]);
	run_until(&log, 50);
	res_queue_reset_stats(q);
	const struct res_stats *st = res_queue_stats(q);
	assert_int_equal(st->arrivals, 0);
	assert_int_equal(st->completions, 0);
	assert_int_equal(hist_count(st->wait_ns), 0);
	assert_int_equal(st->since_ns, 50);
	/* After the reset: busy throughout [50, 200), then idle to 250. */
	run_all(&log);
	run_until(&log, 250);
	assert_int_equal(st->completions, 2);
	assert_true(fabs(res_stats_util(st, 250, 1) - 150.0 / 200.0) < 1e-12);
	/* one waiting on [50,100) */
	assert_true(fabs(res_stats_mean_queue(st, 250) - 50.0 / 200.0) < 1e-12);
	res_queue_free(q);
	ev_engine_free(log.eng);
}

/* An M/M/c source: Poisson arrivals, exponential service. */
struct mmc {
	struct ev_engine *eng;
	struct res_queue *q;
	gsl_rng *rng;
	double mean_ia_ns, mean_s_ns;
	int left;
};

static void mmc_arrive(void *arg)
{
	struct mmc *m = arg;
	uint64_t s = (uint64_t)llround(gsl_ran_exponential(m->rng, m->mean_s_ns));
	assert_int_equal(res_queue_submit(m->q, s, NULL, NULL), 0);
	if (--m->left > 0)
		ev_after(m->eng, (uint64_t)llround(gsl_ran_exponential(m->rng, m->mean_ia_ns)), mmc_arrive, m);
}

static void test_queue_mm2_obeys_littles_law(void **state)
{
	(void)state;
	struct mmc m = { .eng = ev_engine_new(NULL), .rng = gsl_rng_alloc(gsl_rng_mt19937),
			 .mean_ia_ns = 625, .mean_s_ns = 1000, .left = 200000 }; /* rho = 0.8 */
	struct exec x = ev_executor(m.eng);
	m.q = res_queue_new(&x, 2);
	gsl_rng_set(m.rng, 42);
	ev_at(m.eng, 0, mmc_arrive, &m);
	/* Stop while jobs are still inside, so the law holds approximately. */
	uint64_t end = 200000ull * 625 * 9 / 10;
	assert_int_equal(ev_run(m.eng, end, NULL), EV_UNTIL);
	const struct res_stats *st = res_queue_stats(m.q);
	double secs = (double)end / 1e9;
	double l = res_stats_mean_system(st, end);
	double lambda_w = (double)st->completions / secs * hist_mean(st->response_ns) / 1e9;
	assert_true(fabs(l - lambda_w) / l < 0.01);
	double lq = res_stats_mean_queue(st, end);
	double lambda_wq = (double)st->completions / secs * hist_mean(st->wait_ns) / 1e9;
	assert_true(fabs(lq - lambda_wq) / lq < 0.01);
	assert_true(fabs(res_stats_util(st, end, 2) - 0.8) < 0.02);
	/* Run to empty: starting and ending empty, the law is exact (the area
	 * under the number in system is the sum of the responses). */
	assert_int_equal(ev_run(m.eng, UINT64_MAX, NULL), EV_EMPTY);
	uint64_t now = ev_now(m.eng);
	assert_int_equal(st->completions, 200000);
	l = res_stats_mean_system(st, now);
	lambda_w = (double)st->completions / ((double)now / 1e9) * hist_mean(st->response_ns) / 1e9;
	assert_true(fabs(l - lambda_w) / l < 1e-9);
	res_queue_free(m.q);
	gsl_rng_free(m.rng);
	ev_engine_free(m.eng);
}

static void test_queue_new_rejects_zero_servers(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	assert_null(res_queue_new(&x, 0));
	ev_engine_free(eng);
}

static void test_queue_free_with_work_pending_cancels_its_events(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	struct res_queue *q = res_queue_new(&log.x, 1);
	for (int i = 0; i < 3; i++)
		res_queue_submit(q, 10, logged, &t[i]);
	res_queue_free(q);
	assert_int_equal(ev_pending(log.eng), 0);
	run_all(&log);
	assert_int_equal(log.n, 0);
	ev_engine_free(log.eng);
}

/* ---- res_pipe ---- */

static void test_pipe_serialises_in_fifo_and_pipelines_latency(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	/* 1 GB/s: 1000 B take 1000 ns; latency 100 ns does not hold the pipe.
	 * Transfers [0,1000) [1000,2000) [2000,3000); done +100. */
	struct res_pipe *p = res_pipe_new(&log.x, 1e9, 100, 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(res_pipe_submit(p, 1000, logged, &t[i]), 0);
	run_all(&log);
	expect(&log, 3, (int[]){ 0, 1, 2 }, (uint64_t[]){ 1100, 2100, 3100 });
	const struct res_stats *st = res_pipe_stats(p);
	assert_int_equal(hist_min(st->wait_ns), 0);
	assert_int_equal(hist_max(st->wait_ns), 2000);
	assert_true(fabs(hist_sum(st->wait_ns) - 3000) < 1e-9);
	assert_int_equal(st->bytes, 3000);
	res_pipe_free(p);
	ev_engine_free(log.eng);
}

static void test_pipe_concurrency_limit_holds_ops_back(void **state)
{
	(void)state;
	struct log log;
	struct tag t[4];
	log_init(&log, t, 4);
	/* latency 2500 > transfer 1000, concurrency 2:
	 *   op0 transfer [0,1000)     done 3500
	 *   op1 transfer [1000,2000)  done 4500
	 *   op2 waits for op0 to finish: [3500,4500) done 7000
	 *   op3 waits for op1 (4500) and the serialiser (4500): [4500,5500) done 8000 */
	struct res_pipe *p = res_pipe_new(&log.x, 1e9, 2500, 2);
	for (int i = 0; i < 4; i++)
		res_pipe_submit(p, 1000, logged, &t[i]);
	run_all(&log);
	expect(&log, 4, (int[]){ 0, 1, 2, 3 }, (uint64_t[]){ 3500, 4500, 7000, 8000 });
	res_pipe_free(p);
	ev_engine_free(log.eng);
}

static void test_pipe_without_concurrency_limit_overlaps_latencies(void **state)
{
	(void)state;
	struct log log;
	struct tag t[4];
	log_init(&log, t, 4);
	struct res_pipe *p = res_pipe_new(&log.x, 1e9, 2500, 0);
	for (int i = 0; i < 4; i++)
		res_pipe_submit(p, 1000, logged, &t[i]);
	run_all(&log);
	expect(&log, 4, (int[]){ 0, 1, 2, 3 }, (uint64_t[]){ 3500, 4500, 5500, 6500 });
	res_pipe_free(p);
	ev_engine_free(log.eng);
}

static void test_pipe_zero_latency_completes_at_transfer_end(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	struct res_pipe *p = res_pipe_new(&log.x, 1e9, 0, 1);
	res_pipe_submit(p, 500, logged, &t[0]);
	res_pipe_submit(p, 0, logged, &t[1]);
	run_all(&log);
	expect(&log, 2, (int[]){ 0, 1 }, (uint64_t[]){ 500, 500 });
	res_pipe_free(p);
	ev_engine_free(log.eng);
}

static uint64_t pipe_time_of(double bps, uint64_t bytes)
{
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	struct res_pipe *p = res_pipe_new(&log.x, bps, 0, 0);
	res_pipe_submit(p, bytes, logged, &t[0]);
	run_all(&log);
	assert_int_equal(log.n, 1);
	res_pipe_free(p);
	ev_engine_free(log.eng);
	return log.at[0];
}

static void test_pipe_transfer_time_rounds_up_to_whole_ns(void **state)
{
	(void)state;
	assert_int_equal(pipe_time_of(3e9, 1), 1);      /* 1/3 ns */
	assert_int_equal(pipe_time_of(3e9, 10), 4);     /* 3.33 ns */
	assert_int_equal(pipe_time_of(3e9, 3), 1);      /* exactly 1 ns */
	assert_int_equal(pipe_time_of(2.5, 5), 2 * S);  /* non-integral rate */
	/* 10^18 B at 3 GB/s: 10^27 / (3 10^9) = 333333333333333333.3 ns;
	 * b * 1e9 overflows 64 bits and needs full precision. */
	assert_int_equal(pipe_time_of(3e9, 1000000000000000000ull), 333333333333333334ull);
	/* 2^60 + 1 B at 1 GB/s is exactly (2^60 + 1) ns: a double would lose
	 * the +1. */
	assert_int_equal(pipe_time_of(1e9, (1ull << 60) + 1), (1ull << 60) + 1);
}

static void test_pipe_small_ops_lose_no_bandwidth_to_rounding(void **state)
{
	(void)state;
	struct log log;
	struct tag t[LOG_MAX];
	log_init(&log, t, LOG_MAX);
	/* 512 B at 50 GB/s is 10.24 ns: back to back, op k ends at
	 * 10.24 k ns, reported at the next whole ns (not at 11 k). */
	struct res_pipe *p = res_pipe_new(&log.x, 5e10, 0, 0);
	for (int i = 0; i < LOG_MAX; i++)
		res_pipe_submit(p, 512, logged, &t[i]);
	run_all(&log);
	assert_int_equal(log.n, LOG_MAX);
	for (int i = 0; i < LOG_MAX; i++) {
		uint64_t k = (uint64_t)i + 1;
		assert_int_equal(log.id[i], i);
		assert_int_equal(log.at[i], (1024 * k + 99) / 100);
	}
	res_pipe_free(p);
	ev_engine_free(log.eng);
}

static void test_pipe_utilisation_is_serialiser_busy_fraction(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	struct res_pipe *p = res_pipe_new(&log.x, 1e9, 100, 2);
	for (int i = 0; i < 3; i++)
		res_pipe_submit(p, 1000, logged, &t[i]);
	run_all(&log);
	assert_int_equal(ev_now(log.eng), 3100);
	const struct res_stats *st = res_pipe_stats(p);
	/* serialiser busy [0,3000) of [0,3100) */
	assert_true(fabs(res_stats_util(st, 3100, 1) - 3000.0 / 3100.0) < 1e-12);
	/* waiting to transfer: 2 on [0,1000), 1 on [1000,2000) -> 3000 */
	assert_true(fabs(res_stats_mean_queue(st, 3100) - 3000.0 / 3100.0) < 1e-12);
	/* Little: responses 1100+2100+3100 over 3100 ns */
	assert_true(fabs(res_stats_mean_system(st, 3100) - 6300.0 / 3100.0) < 1e-12);
	res_pipe_free(p);
	ev_engine_free(log.eng);
}

struct pipe_load {
	struct ev_engine *eng;
	struct res_pipe *p;
	gsl_rng *rng;
	uint64_t submitted;
	int left;
	int completed;
};

static void pipe_load_done(void *arg)
{
	struct pipe_load *pl = arg;
	pl->completed++;
	/* Half the completions submit one more op from inside done(). */
	if (pl->left > 0 && gsl_rng_uniform(pl->rng) < 0.5) {
		uint64_t b = gsl_rng_uniform_int(pl->rng, 1 << 20);
		pl->left--;
		pl->submitted += b;
		assert_int_equal(res_pipe_submit(pl->p, b, pipe_load_done, pl), 0);
	}
}

static void pipe_load_arrive(void *arg)
{
	struct pipe_load *pl = arg;
	if (pl->left <= 0)
		return;
	uint64_t b = gsl_rng_uniform_int(pl->rng, 1 << 20);
	pl->left--;
	pl->submitted += b;
	assert_int_equal(res_pipe_submit(pl->p, b, pipe_load_done, pl), 0);
	ev_after(pl->eng, gsl_rng_uniform_int(pl->rng, 2000), pipe_load_arrive, pl);
}

static void test_pipe_conserves_bytes_with_resubmitting_callbacks(void **state)
{
	(void)state;
	struct pipe_load pl = { .eng = ev_engine_new(NULL), .rng = gsl_rng_alloc(gsl_rng_mt19937), .left = 20000 };
	struct exec x = ev_executor(pl.eng);
	pl.p = res_pipe_new(&x, 7.3e9, 5000, 8);
	gsl_rng_set(pl.rng, 7);
	ev_at(pl.eng, 0, pipe_load_arrive, &pl);
	assert_int_equal(ev_run(pl.eng, UINT64_MAX, NULL), EV_EMPTY);
	const struct res_stats *st = res_pipe_stats(pl.p);
	assert_int_equal(pl.completed, 20000);
	assert_int_equal(st->arrivals, 20000);
	assert_int_equal(st->completions, 20000);
	assert_int_equal(st->bytes, pl.submitted);
	assert_int_equal(hist_count(st->response_ns), 20000);
	res_pipe_free(pl.p);
	gsl_rng_free(pl.rng);
	ev_engine_free(pl.eng);
}

static void test_pipe_new_rejects_bad_rates(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	assert_null(res_pipe_new(&x, 0, 0, 0));
	assert_null(res_pipe_new(&x, -1, 0, 0));
	assert_null(res_pipe_new(&x, NAN, 0, 0));
	ev_engine_free(eng);
}

/* ---- res_link ---- */

static void test_link_two_flows_share_then_survivor_speeds_up(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	/* 1000 B/s: both at 500 B/s; the 1000 B flow ends at 2 s, when the
	 * other has 2000 B left, now at 1000 B/s: ends at 4 s. */
	struct res_link *l = res_link_new(&log.x, 1000);
	res_link_submit(l, 1000, 0, logged, &t[0]);
	res_link_submit(l, 3000, 0, logged, &t[1]);
	assert_int_equal(res_link_active(l), 2);
	run_all(&log);
	expect(&log, 2, (int[]){ 0, 1 }, (uint64_t[]){ 2 * S, 4 * S });
	assert_int_equal(res_link_active(l), 0);
	const struct res_stats *st = res_link_stats(l);
	assert_int_equal(st->bytes, 4000);
	assert_int_equal(hist_max(st->wait_ns), 0);
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_capped_flow_leaves_the_rest_to_others(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	/* 1000 B/s; A capped at 200 B/s (1000 B), B uncapped (2000 B) gets 800.
	 * B ends at 2.5 s; A has 500 B left at 200 B/s: ends at 5 s. */
	struct res_link *l = res_link_new(&log.x, 1000);
	res_link_submit(l, 1000, 200, logged, &t[0]);
	res_link_submit(l, 2000, 0, logged, &t[1]);
	run_all(&log);
	expect(&log, 2, (int[]){ 1, 0 }, (uint64_t[]){ 2500000000ull, 5 * S });
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_cap_above_fair_share_does_not_bind(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	struct res_link *l = res_link_new(&log.x, 1000);
	res_link_submit(l, 1000, 600, logged, &t[0]);
	res_link_submit(l, 1000, 0, logged, &t[1]);
	run_all(&log);
	expect(&log, 2, (int[]){ 0, 1 }, (uint64_t[]){ 2 * S, 2 * S });
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_flows_all_capped_below_capacity_run_at_their_caps(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	/* caps 100, 250, 400 sum to 750 < 1000: each runs at its cap. */
	struct res_link *l = res_link_new(&log.x, 1000);
	res_link_submit(l, 400, 400, logged, &t[0]);
	res_link_submit(l, 500, 250, logged, &t[1]);
	res_link_submit(l, 300, 100, logged, &t[2]);
	run_all(&log);
	expect(&log, 3, (int[]){ 0, 1, 2 }, (uint64_t[]){ 1 * S, 2 * S, 3 * S });
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_water_fills_between_capped_and_uncapped_flows(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	/* 900 B/s, three flows, caps 100 and 500 and none: fair 300 > 100, so
	 * the first is fixed at 100; 800 left for two: 400 < 500, so the other
	 * two get 400.  Sizes 100, 400, 400: all end at 1 s. */
	struct res_link *l = res_link_new(&log.x, 900);
	res_link_submit(l, 100, 100, logged, &t[0]);
	res_link_submit(l, 400, 500, logged, &t[1]);
	res_link_submit(l, 400, 0, logged, &t[2]);
	run_all(&log);
	expect(&log, 3, (int[]){ 0, 1, 2 }, (uint64_t[]){ S, S, S });
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_equal_finishes_complete_in_arrival_order(void **state)
{
	(void)state;
	struct log log;
	struct tag t[4];
	log_init(&log, t, 4);
	struct res_link *l = res_link_new(&log.x, 3e9);
	for (int i = 0; i < 4; i++)
		res_link_submit(l, 777, 0, logged, &t[i]);
	run_all(&log);
	/* 4 * 777 B at 3 GB/s = 1036 ns */
	expect(&log, 4, (int[]){ 0, 1, 2, 3 }, (uint64_t[]){ 1036, 1036, 1036, 1036 });
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void link_submit_at(struct at_call *c)
{
	assert_int_equal(res_link_submit(c->res, c->amount, c->cap, logged, c->tag), 0);
}

static void test_link_late_arrival_slows_existing_flow(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	/* A: 1000 B at t=0 alone at 1000 B/s; B: 1000 B at 0.5 s.  A has 500 B
	 * left, at 500 B/s ends at 1.5 s; B has 500 B left then, alone: 2 s. */
	struct res_link *l = res_link_new(&log.x, 1000);
	res_link_submit(l, 1000, 0, logged, &t[0]);
	struct at_call c = { &log, link_submit_at, l, 1000, 0, &t[1] };
	ev_at(log.eng, S / 2, at_call_run, &c);
	run_all(&log);
	expect(&log, 2, (int[]){ 0, 1 }, (uint64_t[]){ 1500000000ull, 2 * S });
	/* in system: 1 on [0,0.5), 2 on [0.5,1.5), 1 on [1.5,2) -> 3 s / 2 s */
	const struct res_stats *st = res_link_stats(l);
	assert_true(fabs(res_stats_mean_system(st, 2 * S) - 1.5) < 1e-12);
	assert_true(fabs(res_stats_util(st, 2 * S, 1) - 1.0) < 1e-12);
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_small_flows_lose_no_capacity_to_rounding(void **state)
{
	(void)state;
	struct log log;
	struct tag t[LOG_MAX];
	log_init(&log, t, LOG_MAX);
	/* 3 B/ns shared by 64 flows of 1..64 B: under processor sharing flow k
	 * (k B) ends when every flow has had min(size, k) B, i.e. after
	 * (sum_{j<k} j + (65-k) k) / 3 ns; reported at the next whole ns. */
	struct res_link *l = res_link_new(&log.x, 3e9);
	for (int i = 0; i < LOG_MAX; i++)
		res_link_submit(l, (uint64_t)i + 1, 0, logged, &t[i]);
	run_all(&log);
	assert_int_equal(log.n, LOG_MAX);
	for (int i = 0; i < LOG_MAX; i++) {
		uint64_t k = (uint64_t)i + 1;
		uint64_t bytes = k * (k - 1) / 2 + (LOG_MAX + 1 - k) * k;
		assert_int_equal(log.id[i], i);
		assert_int_equal(log.at[i], (bytes + 2) / 3);
	}
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_switches_between_shared_and_capped_modes(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	/* 1000 B/s.  A (1000 B) alone until 0.5 s: 500 B left.  B (200 B,
	 * cap 200) arrives: A 800, B 200; A ends at 0.5 + 500/800 = 1.125 s,
	 * when B has 75 B left (still capped: 200 B/s).  C (1000 B) arrives at
	 * 1.25 s: B 200, C 800.  B ends at 1.5 s; C has 800 B left, alone at
	 * 1000 B/s: 2.3 s. */
	struct res_link *l = res_link_new(&log.x, 1000);
	res_link_submit(l, 1000, 0, logged, &t[0]);
	struct at_call b = { &log, link_submit_at, l, 200, 200, &t[1] };
	struct at_call c = { &log, link_submit_at, l, 1000, 0, &t[2] };
	ev_at(log.eng, S / 2, at_call_run, &b);
	ev_at(log.eng, 1250000000ull, at_call_run, &c);
	run_all(&log);
	expect(&log, 3, (int[]){ 0, 1, 2 }, (uint64_t[]){ 1125000000ull, 1500000000ull, 2300000000ull });
	assert_int_equal(res_link_stats(l)->bytes, 2200);
	res_link_free(l);
	ev_engine_free(log.eng);
}

struct spawn;

struct spawn_flow {
	struct spawn *sp;
	int gen;
};

struct spawn {
	struct log *log;
	struct res_link *l;
	struct spawn_flow pool[LOG_MAX];
	int n;
};

static void spawn_done(void *arg)
{
	struct spawn_flow *f = arg;
	struct spawn *sp = f->sp;
	logged(&(struct tag){ sp->log, f->gen });
	if (f->gen == 5)
		return;
	for (int i = 0; i < 2; i++) {
		struct spawn_flow *c = &sp->pool[sp->n++];
		*c = (struct spawn_flow){ sp, f->gen + 1 };
		assert_int_equal(res_link_submit(sp->l, 1000, 0, spawn_done, c), 0);
	}
}

static void test_link_callbacks_may_submit_more_flows(void **state)
{
	(void)state;
	struct log log;
	log_init(&log, NULL, 0);
	/* Each 1000 B flow of generation g < 5 submits two of generation g+1
	 * when it ends: 2^g flows share 1000 B/s and end together after 2^g s,
	 * so generation g ends at 2^(g+1) - 1 s.  The 16 callbacks of
	 * generation 4 grow the link's arrays while they are being called. */
	struct spawn sp = { .log = &log, .l = res_link_new(&log.x, 1000), .n = 1 };
	sp.pool[0] = (struct spawn_flow){ &sp, 0 };
	res_link_submit(sp.l, 1000, 0, spawn_done, &sp.pool[0]);
	run_all(&log);
	assert_int_equal(log.n, 63);
	for (int g = 0, i = 0; g <= 5; g++) {
		for (int j = 0; j < 1 << g; j++, i++) {
			assert_int_equal(log.id[i], g);
			assert_int_equal(log.at[i], ((2ull << g) - 1) * S);
		}
	}
	assert_int_equal(res_link_stats(sp.l)->bytes, 63000);
	res_link_free(sp.l);
	ev_engine_free(log.eng);
}

static void test_link_keeps_one_pending_event(void **state)
{
	(void)state;
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	struct res_link *l = res_link_new(&log.x, 1e9);
	for (int i = 0; i < 50; i++) {
		res_link_submit(l, 1000u * (unsigned)(i + 1), i % 3 ? 0 : 1e7, NULL, NULL);
		assert_int_equal(ev_pending(log.eng), 1);
	}
	run_until(&log, 30000);
	assert_int_equal(ev_pending(log.eng), 1);
	run_all(&log);
	assert_int_equal(res_link_stats(l)->completions, 50);
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_link_zero_byte_flow_completes_now(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	struct res_link *l = res_link_new(&log.x, 1000);
	res_link_submit(l, 1000, 0, logged, &t[0]);
	res_link_submit(l, 0, 0, logged, &t[1]);
	assert_int_equal(log.n, 0);
	run_all(&log);
	expect(&log, 2, (int[]){ 1, 0 }, (uint64_t[]){ 0, S });
	res_link_free(l);
	ev_engine_free(log.eng);
}

struct link_load {
	struct ev_engine *eng;
	struct res_link *l;
	gsl_rng *rng;
	uint64_t submitted;
	int left, completed, with_caps;
	uint64_t last_done;
};

static void link_load_submit(struct link_load *ll)
{
	uint64_t b = 1 + gsl_rng_uniform_int(ll->rng, 10000000);
	double cap = ll->with_caps && gsl_rng_uniform(ll->rng) < 0.3 ? 1e8 + gsl_rng_uniform(ll->rng) * 1e9 : 0;
	ll->left--;
	ll->submitted += b;
	assert_int_equal(res_link_submit(ll->l, b, cap, NULL, NULL), 0);
}

static void link_load_arrive(void *arg)
{
	struct link_load *ll = arg;
	if (ll->left <= 0)
		return;
	link_load_submit(ll);
	ev_after(ll->eng, (uint64_t)llround(gsl_ran_exponential(ll->rng, 2e5)), link_load_arrive, ll);
}

static void test_link_conserves_bytes_under_random_load_with_caps(void **state)
{
	(void)state;
	struct link_load ll = { .eng = ev_engine_new(NULL), .rng = gsl_rng_alloc(gsl_rng_mt19937),
				.left = 20000, .with_caps = 1 };
	struct exec x = ev_executor(ll.eng);
	ll.l = res_link_new(&x, 2.5e10);
	gsl_rng_set(ll.rng, 3);
	ev_at(ll.eng, 0, link_load_arrive, &ll);
	assert_int_equal(ev_run(ll.eng, UINT64_MAX, NULL), EV_EMPTY);
	const struct res_stats *st = res_link_stats(ll.l);
	assert_int_equal(st->arrivals, 20000);
	assert_int_equal(st->completions, 20000);
	assert_int_equal(st->bytes, ll.submitted);
	assert_int_equal(res_link_active(ll.l), 0);
	/* Starting and ending empty: Little's law is exact up to rounding. */
	uint64_t now = ev_now(ll.eng);
	double l = res_stats_mean_system(st, now);
	double lw = (double)st->completions / (double)now * hist_mean(st->response_ns);
	assert_true(fabs(l - lw) / l < 1e-9);
	res_link_free(ll.l);
	gsl_rng_free(ll.rng);
	ev_engine_free(ll.eng);
}

static void test_link_without_caps_is_work_conserving(void **state)
{
	(void)state;
	struct link_load ll = { .eng = ev_engine_new(NULL), .rng = gsl_rng_alloc(gsl_rng_mt19937), .left = 2000 };
	struct exec x = ev_executor(ll.eng);
	double bps = 1.7e9;
	ll.l = res_link_new(&x, bps);
	gsl_rng_set(ll.rng, 11);
	while (ll.left > 0)
		link_load_submit(&ll);
	assert_int_equal(ev_run(ll.eng, UINT64_MAX, NULL), EV_EMPTY);
	/* All start at 0 and the link never idles: the last flow ends when
	 * all bytes have crossed, up to a ns of rounding per completion. */
	double ideal = (double)ll.submitted / bps * 1e9;
	double end = (double)ev_now(ll.eng);
	assert_true(end >= ideal - 1);
	assert_true(end <= ideal + 2);
	assert_int_equal(res_link_stats(ll.l)->bytes, ll.submitted);
	res_link_free(ll.l);
	gsl_rng_free(ll.rng);
	ev_engine_free(ll.eng);
}

/* One flow of a two-link comparison. */
struct twin {
	struct ev_engine *eng;
	uint64_t at[2][3000];
};

struct twin_flow {
	struct twin *tw;
	int link, id;
};

static void twin_done(void *arg)
{
	struct twin_flow *f = arg;
	f->tw->at[f->link][f->id] = ev_now(f->tw->eng);
}

static void test_link_processor_sharing_matches_water_filling(void **state)
{
	(void)state;
	/* The same random flows on two links: A runs them uncapped (the
	 * virtual-time path), B gives each a cap far above the link rate,
	 * which never binds but forces the general water-filling path.  Every
	 * flow must finish at the same ns on both, up to a ns of rounding. */
	enum { N = 3000 };
	struct twin *tw = calloc(1, sizeof *tw);
	struct twin_flow *f = calloc(2 * N, sizeof *f);
	tw->eng = ev_engine_new(NULL);
	struct exec x = ev_executor(tw->eng);
	struct res_link *a = res_link_new(&x, 1.25e9), *b = res_link_new(&x, 1.25e9);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 5);
	uint64_t t = 0;
	for (int i = 0; i < N; i++) {
		uint64_t bytes = gsl_rng_uniform_int(rng, 4000000);
		t += (uint64_t)llround(gsl_ran_exponential(rng, 1.1e6));
		run_to(tw->eng, t);
		f[2 * i] = (struct twin_flow){ tw, 0, i };
		f[2 * i + 1] = (struct twin_flow){ tw, 1, i };
		assert_int_equal(res_link_submit(a, bytes, 0, twin_done, &f[2 * i]), 0);
		assert_int_equal(res_link_submit(b, bytes, 1e30, twin_done, &f[2 * i + 1]), 0);
	}
	assert_int_equal(ev_run(tw->eng, UINT64_MAX, NULL), EV_EMPTY);
	for (int i = 0; i < N; i++) {
		int64_t d = (int64_t)(tw->at[0][i] - tw->at[1][i]);
		assert_true(tw->at[0][i] > 0);
		assert_true(d >= -1 && d <= 1);
	}
	assert_int_equal(res_link_stats(a)->bytes, res_link_stats(b)->bytes);
	res_link_free(a);
	res_link_free(b);
	gsl_rng_free(rng);
	ev_engine_free(tw->eng);
	free(f);
	free(tw);
}

static void test_link_rejects_negative_cap(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct res_link *l = res_link_new(&x, 1000);
	assert_int_equal(res_link_submit(l, 10, -1, NULL, NULL), -1);
	assert_int_equal(res_link_submit(l, 10, NAN, NULL, NULL), -1);
	assert_int_equal(res_link_active(l), 0);
	assert_int_equal(res_link_stats(l)->arrivals, 0);
	res_link_free(l);
	ev_engine_free(eng);
}

/* ---- res_xfer ---- */

static void test_xfer_alone_finishes_at_slowest_hop_with_one_event(void **state)
{
	(void)state;
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	/* Starting at 1 s, 1000 B over a 1000 B/s and a 500 B/s hop, alone:
	 * 1 s and 2 s of transfer, so done at 3 s, from one event. */
	struct res_link *a = res_link_new(&log.x, 1000), *b = res_link_new(&log.x, 500);
	struct res_link *hop[2] = { a, b };
	uint64_t bytes[2] = { 1000, 1000 };
	struct res_xfer xf;
	assert_int_equal(res_xfer_start(&xf, &log.x, 1 * S, 2, hop, bytes, logged, &t[0]), 0);
	assert_int_equal(res_link_active(a), 0);
	run_all(&log);
	expect(&log, 1, (int[]){ 0 }, (uint64_t[]){ 3 * S });
	assert_int_equal(ev_events_run(log.eng), 1);
	/* The links account the flows they carried when next touched:
	 * reading the statistics touches them. */
	assert_int_equal(res_link_stats(a)->arrivals, 1);
	assert_int_equal(res_link_stats(a)->completions, 1);
	assert_int_equal(res_link_stats(b)->bytes, 1000);
	assert_int_equal(hist_max(res_link_stats(a)->response_ns), 1 * S);
	assert_int_equal(hist_max(res_link_stats(b)->response_ns), 2 * S);
	assert_true(fabs(res_stats_util(res_link_stats(b), 3 * S, 1) - 2.0 / 3) < 1e-12);
	res_link_free(a);
	res_link_free(b);
	ev_engine_free(log.eng);
}

static void test_xfer_shares_a_hop_that_a_flow_reaches_while_it_moves(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	/* As test_link_two_flows_share_then_survivor_speeds_up, with the
	 * first flow a transfer: 1000 B from 0 and 3000 B from 0.5 s on
	 * 1000 B/s.  Alone until 0.5 s (500 B left), then 500 B/s each: the
	 * transfer ends at 1.5 s; the flow has 2500 B left, alone: 4 s. */
	struct res_link *l = res_link_new(&log.x, 1000);
	uint64_t b = 1000;
	struct res_xfer xf;
	assert_int_equal(res_xfer_start(&xf, &log.x, 0, 1, &l, &b, logged, &t[0]), 0);
	run_until(&log, S / 2);
	assert_int_equal(res_link_active(l), 1);
	res_link_submit(l, 3000, 0, logged, &t[1]);
	run_all(&log);
	expect(&log, 2, (int[]){ 0, 1 }, (uint64_t[]){ 3 * S / 2, 4 * S });
	assert_int_equal(res_link_stats(l)->bytes, 4000);
	res_link_free(l);
	ev_engine_free(log.eng);
}

static void test_xfer_not_yet_started_waits_for_a_flow_it_would_meet(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	/* A transfer of 1000 B booked to start at 1 s on 1000 B/s; at 0 a
	 * flow of 1500 B arrives, which alone would end at 1.5 s: they share
	 * from 1 s at 500 B/s each; the flow's last 500 B end at 2 s, when
	 * the transfer has 500 B left, alone again: 2.5 s. */
	struct res_link *l = res_link_new(&log.x, 1000);
	uint64_t b = 1000;
	struct res_xfer xf;
	assert_int_equal(res_xfer_start(&xf, &log.x, 1 * S, 1, &l, &b, logged, &t[0]), 0);
	res_link_submit(l, 1500, 0, logged, &t[1]);
	run_all(&log);
	expect(&log, 2, (int[]){ 1, 0 }, (uint64_t[]){ 2 * S, 5 * S / 2 });
	res_link_free(l);
	ev_engine_free(log.eng);
}

/* The same random load twice: once with res_xfer_start, once as the
 * separate flows it stands for (an event at the start that submits one
 * flow per hop, and a count of those still moving).  Every transfer and
 * flow must complete at the same ns, and every link must end with the
 * same statistics. */
enum { XT_LINKS = 4, XT_OPS = 4000 };

struct xt_op {
	uint64_t at_ns, start_ns;
	unsigned n;
	int link[RES_XFER_LEGS];
	uint64_t bytes[RES_XFER_LEGS];
	double cap;            /* a plain flow (n == 0): its cap */
	struct xt_run *run;
	struct res_xfer xf;
	unsigned left;
	uint64_t done_ns;
};

struct xt_run {
	struct ev_engine *eng;
	struct exec x;
	struct res_link *l[XT_LINKS];
	int separate;
	struct xt_op *op;
};

static void xt_done(void *arg)
{
	struct xt_op *o = arg;
	o->done_ns = ev_now(o->run->eng);
}

static void xt_flow_done(void *arg)
{
	struct xt_op *o = arg;
	if (--o->left == 0)
		xt_done(o);
}

static void xt_start(void *arg)
{
	struct xt_op *o = arg;
	o->left = o->n;
	for (unsigned i = 0; i < o->n; i++)
		assert_int_equal(res_link_submit(o->run->l[o->link[i]], o->bytes[i], 0, xt_flow_done, o), 0);
}

static void xt_issue(void *arg)
{
	struct xt_op *o = arg;
	struct xt_run *r = o->run;
	if (o->n == 0) {
		assert_int_equal(res_link_submit(r->l[o->link[0]], o->bytes[0], o->cap, xt_done, o), 0);
	} else if (r->separate) {
		assert_true(ev_at(r->eng, o->start_ns, xt_start, o) != 0);
	} else {
		struct res_link *hop[RES_XFER_LEGS];
		for (unsigned i = 0; i < o->n; i++)
			hop[i] = r->l[o->link[i]];
		assert_int_equal(res_xfer_start(&o->xf, &r->x, o->start_ns, o->n, hop, o->bytes, xt_done, o), 0);
	}
}

static void xt_play(struct xt_run *r, const struct xt_op *ops, int separate)
{
	r->eng = ev_engine_new(NULL);
	r->x = ev_executor(r->eng);
	r->separate = separate;
	for (int i = 0; i < XT_LINKS; i++)
		r->l[i] = res_link_new(&r->x, 1e9 * (i + 1));
	r->op = calloc(XT_OPS, sizeof *r->op);
	memcpy(r->op, ops, XT_OPS * sizeof *ops);
	for (int i = 0; i < XT_OPS; i++) {
		r->op[i].run = r;
		ev_at(r->eng, r->op[i].at_ns, xt_issue, &r->op[i]);
	}
	assert_int_equal(ev_run(r->eng, UINT64_MAX, NULL), EV_EMPTY);
	run_to(r->eng, ops[XT_OPS - 1].at_ns + 10 * S);
}

static void test_xfer_matches_separate_flows_under_random_load(void **state)
{
	(void)state;
	struct xt_op *ops = calloc(XT_OPS, sizeof *ops);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	uint64_t t = 0;
	for (int i = 0; i < XT_OPS; i++) {
		struct xt_op *o = &ops[i];
		t += (uint64_t)llround(gsl_ran_exponential(rng, 2000));
		o->at_ns = t;
		/* A mean 1 us ahead, so many transfers are booked ahead and meet
		 * flows, other transfers and each other (the links are ~50%
		 * busy). */
		o->start_ns = t + (gsl_rng_uniform(rng) < 0.3 ? 0 : (uint64_t)llround(gsl_ran_exponential(rng, 1000)));
		o->n = (unsigned)gsl_rng_uniform_int(rng, RES_XFER_LEGS + 1); /* 0: a plain flow */
		unsigned k = o->n ? o->n : 1;
		for (unsigned j = 0; j < k; j++) {
			o->link[j] = (int)gsl_rng_uniform_int(rng, XT_LINKS);
			o->bytes[j] = gsl_rng_uniform_int(rng, 3000);
		}
		o->cap = o->n == 0 && gsl_rng_uniform(rng) < 0.3 ? 5e8 : 0;
	}
	struct xt_run a, b;
	xt_play(&a, ops, 0);
	xt_play(&b, ops, 1);
	for (int i = 0; i < XT_OPS; i++) {
		assert_true(b.op[i].done_ns > 0);
		assert_int_equal(a.op[i].done_ns, b.op[i].done_ns);
	}
	assert_true(ev_events_run(a.eng) < ev_events_run(b.eng));
	for (int i = 0; i < XT_LINKS; i++) {
		const struct res_stats *sa = res_link_stats(a.l[i]), *sb = res_link_stats(b.l[i]);
		assert_int_equal(sa->arrivals, sb->arrivals);
		assert_int_equal(sa->completions, sb->completions);
		assert_int_equal(sa->bytes, sb->bytes);
		assert_true(sa->busy.area == sb->busy.area);
		assert_true(sa->in_system.area == sb->in_system.area);
		assert_true(hist_sum(sa->response_ns) == hist_sum(sb->response_ns));
		assert_int_equal(hist_max(sa->response_ns), hist_max(sb->response_ns));
		res_link_free(a.l[i]);
		res_link_free(b.l[i]);
	}
	ev_engine_free(a.eng);
	ev_engine_free(b.eng);
	free(a.op);
	free(b.op);
	free(ops);
	gsl_rng_free(rng);
}

static void test_xfer_rejects_bad_arguments(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct res_link *l = res_link_new(&x, 1000);
	uint64_t b[RES_XFER_LEGS + 1] = { 0 };
	struct res_link *hop[RES_XFER_LEGS + 1] = { l, l, l, l, l };
	struct res_xfer xf;
	assert_int_equal(res_xfer_start(&xf, &x, 0, 0, hop, b, NULL, NULL), -1);
	assert_int_equal(res_xfer_start(&xf, &x, 0, RES_XFER_LEGS + 1, hop, b, NULL, NULL), -1);
	assert_int_equal(ev_pending(eng), 0);
	res_link_free(l);
	ev_engine_free(eng);
}

/* ---- res_tb ---- */

static void test_tb_starts_full_and_refuses_when_empty(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct res_tb *b = res_tb_new(&x, 10, 5);
	assert_true(fabs(res_tb_level(b) - 5) < 1e-12);
	for (int i = 0; i < 5; i++)
		assert_int_equal(res_tb_try(b, 1), 1);
	assert_int_equal(res_tb_try(b, 1), 0);
	assert_int_equal(res_tb_try(b, 0.5), 0);
	assert_int_equal(res_tb_refused(b), 2);
	assert_int_equal(res_tb_stats(b)->arrivals, 7);
	assert_int_equal(res_tb_stats(b)->completions, 5);
	res_tb_free(b);
	ev_engine_free(eng);
}

static void test_tb_refills_continuously_up_to_burst(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct res_tb *b = res_tb_new(&x, 10, 5);
	assert_int_equal(res_tb_try(b, 5), 1);
	run_to(eng, S / 20); /* 50 ms: 0.5 tokens */
	assert_true(fabs(res_tb_level(b) - 0.5) < 1e-9);
	assert_int_equal(res_tb_try(b, 1), 0);
	run_to(eng, S / 10); /* 100 ms: 1 token */
	assert_int_equal(res_tb_try(b, 1), 1);
	run_to(eng, 100 * S);
	assert_true(fabs(res_tb_level(b) - 5) < 1e-12);
	res_tb_free(b);
	ev_engine_free(eng);
}

static void test_tb_wait_fires_when_the_tokens_are_there(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	/* 10 tokens/s, burst 5, emptied at 0: 1 token at 0.1 s, 2 more at
	 * 0.3 s, then 0.5 (a fraction) at 0.35 s. */
	struct res_tb *b = res_tb_new(&log.x, 10, 5);
	assert_int_equal(res_tb_try(b, 5), 1);
	assert_int_equal(res_tb_wait(b, 1, logged, &t[0]), 0);
	assert_int_equal(res_tb_wait(b, 2, logged, &t[1]), 0);
	assert_int_equal(res_tb_wait(b, 0.5, logged, &t[2]), 0);
	run_all(&log);
	expect(&log, 3, (int[]){ 0, 1, 2 }, (uint64_t[]){ S / 10, 3 * S / 10, 35 * S / 100 });
	const struct res_stats *st = res_tb_stats(b);
	assert_int_equal(hist_max(st->wait_ns), 35 * S / 100);
	assert_true(res_tb_level(b) < 1e-9);
	res_tb_free(b);
	ev_engine_free(log.eng);
}

static void test_tb_wait_with_tokens_available_completes_now_from_executor(void **state)
{
	(void)state;
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	struct res_tb *b = res_tb_new(&log.x, 10, 5);
	res_tb_wait(b, 2, logged, &t[0]);
	assert_int_equal(log.n, 0);
	run_all(&log);
	expect(&log, 1, (int[]){ 0 }, (uint64_t[]){ 0 });
	assert_true(fabs(res_tb_level(b) - 3) < 1e-9);
	res_tb_free(b);
	ev_engine_free(log.eng);
}

static void test_tb_waiters_are_served_fifo(void **state)
{
	(void)state;
	struct log log;
	struct tag t[2];
	log_init(&log, t, 2);
	/* The 1-token waiter could go at 0.1 s but is behind the 3-token one
	 * (0.3 s); it then needs another 0.1 s. */
	struct res_tb *b = res_tb_new(&log.x, 10, 5);
	res_tb_try(b, 5);
	res_tb_wait(b, 3, logged, &t[0]);
	res_tb_wait(b, 1, logged, &t[1]);
	run_all(&log);
	expect(&log, 2, (int[]){ 0, 1 }, (uint64_t[]){ 3 * S / 10, 4 * S / 10 });
	res_tb_free(b);
	ev_engine_free(log.eng);
}

/* res_tb_take_now: grants as res_tb_try does when it can; otherwise it
 * counts nothing (no arrival, no refusal) and leaves the bucket to the
 * caller's res_tb_wait, and it never jumps a waiter. */
static void test_tb_take_now_grants_or_counts_nothing(void **state)
{
	(void)state;
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	struct res_tb *b = res_tb_new(&log.x, 10, 2);
	assert_int_equal(res_tb_take_now(b, 1), 1);
	assert_int_equal(res_tb_take_now(b, 1), 1);
	assert_int_equal(res_tb_take_now(b, 1), 0); /* empty */
	const struct res_stats *st = res_tb_stats(b);
	assert_int_equal(st->arrivals, 2);
	assert_int_equal(st->completions, 2);
	assert_int_equal(res_tb_refused(b), 0);
	assert_int_equal(hist_max(st->wait_ns), 0);
	/* A waiter for 2 tokens (due at 0.2 s); at 0.1 s 1 token is there,
	 * and a take of 0.5 would fit, but it may not go first. */
	assert_int_equal(res_tb_wait(b, 2, logged, &t[0]), 0);
	run_to(log.eng, S / 10);
	assert_int_equal(res_tb_take_now(b, 0.5), 0);
	assert_int_equal(st->arrivals, 3);
	assert_int_equal(res_tb_refused(b), 0);
	run_all(&log);
	expect(&log, 1, (int[]){ 0 }, (uint64_t[]){ 2 * S / 10 });
	assert_int_equal(res_tb_take_now(b, 0.5), 0); /* empty again */
	run_to(log.eng, 25 * S / 100);
	assert_int_equal(res_tb_take_now(b, 0.5), 1);
	assert_int_equal(st->arrivals, 4);
	assert_int_equal(st->completions, 4);
	res_tb_free(b);
	ev_engine_free(log.eng);
}

static void test_tb_try_does_not_jump_waiters(void **state)
{
	(void)state;
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	struct res_tb *b = res_tb_new(&log.x, 10, 5);
	res_tb_try(b, 4.5);
	res_tb_wait(b, 2, logged, &t[0]); /* due at 0.15 s */
	assert_int_equal(res_tb_try(b, 0.25), 0); /* 0.5 there, but someone waits */
	assert_int_equal(res_tb_refused(b), 1);
	run_all(&log);
	expect(&log, 1, (int[]){ 0 }, (uint64_t[]){ 15 * S / 100 });
	res_tb_free(b);
	ev_engine_free(log.eng);
}

static void test_tb_wait_for_more_than_burst_is_an_error(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct res_tb *b = res_tb_new(&x, 10, 5);
	assert_int_equal(res_tb_wait(b, 5.5, NULL, NULL), -1);
	assert_int_equal(res_tb_wait(b, -1, NULL, NULL), -1);
	assert_int_equal(res_tb_stats(b)->arrivals, 0);
	assert_int_equal(ev_pending(eng), 0);
	assert_int_equal(res_tb_wait(b, 5, NULL, NULL), 0); /* exactly burst is fine */
	res_tb_free(b);
	ev_engine_free(eng);
}

static void test_tb_utilisation_is_tokens_over_rate_times_elapsed(void **state)
{
	(void)state;
	struct log log;
	struct tag t[1];
	log_init(&log, t, 1);
	struct res_tb *b = res_tb_new(&log.x, 10, 5);
	res_tb_try(b, 5);
	res_tb_wait(b, 5, logged, &t[0]); /* at 0.5 s */
	run_until(&log, 2 * S);
	/* 10 tokens over 2 s at 10/s: 0.5 */
	const struct res_stats *st = res_tb_stats(b);
	assert_true(fabs(res_stats_util(st, 2 * S, 1) - 0.5) < 1e-12);
	/* one waiter on [0, 0.5 s) */
	assert_true(fabs(res_stats_mean_queue(st, 2 * S) - 0.25) < 1e-12);
	res_tb_reset_stats(b);
	assert_int_equal(res_tb_refused(b), 0);
	assert_int_equal(st->completions, 0);
	run_until(&log, 3 * S);
	assert_true(fabs(res_stats_util(st, 3 * S, 1)) < 1e-12);
	res_tb_free(b);
	ev_engine_free(log.eng);
}

static void test_tb_fractional_rates_do_not_drift_late(void **state)
{
	(void)state;
	struct log log;
	struct tag t[LOG_MAX];
	log_init(&log, t, LOG_MAX);
	/* 3 tokens/s: the k-th token after emptying is due at ceil(k/3 s),
	 * however many grants came before (rounding each up must not drift). */
	struct res_tb *b = res_tb_new(&log.x, 3, 1);
	res_tb_try(b, 1);
	for (int i = 0; i < 60; i++)
		res_tb_wait(b, 1, logged, &t[i]);
	run_all(&log);
	assert_int_equal(log.n, 60);
	for (int i = 0; i < 60; i++)
		assert_int_equal(log.at[i], ((uint64_t)(i + 1) * S + 2) / 3);
	res_tb_free(b);
	ev_engine_free(log.eng);
}

/* ---- statistics export ---- */

static void test_export_writes_named_metrics_with_units(void **state)
{
	(void)state;
	struct log log;
	struct tag t[3];
	log_init(&log, t, 3);
	struct res_queue *q = res_queue_new(&log.x, 2);
	struct res_pipe *p = res_pipe_new(&log.x, 1e9, 100, 2);
	res_queue_submit(q, 10, logged, &t[0]);
	res_queue_submit(q, 30, logged, &t[1]);
	res_pipe_submit(p, 1000, logged, &t[2]);
	run_until(&log, 2000);
	struct met_registry *m = met_new();
	assert_int_equal(res_stats_export(res_queue_stats(q), 2000, 2, "q", m), 0);
	assert_int_equal(res_stats_export(res_pipe_stats(p), 2000, 1, "p", m), 0);
	const struct met_scalar *s = met_find(m, "q.utilisation");
	assert_non_null(s);
	assert_string_equal(s->unit, "ratio");
	assert_true(fabs(s->value - 40.0 / 4000.0) < 1e-12);
	s = met_find(m, "q.throughput");
	assert_non_null(s);
	assert_string_equal(s->unit, "ops/s");
	assert_true(fabs(s->value - 2 / 2e-6) < 1e-3);
	assert_non_null(met_find(m, "q.arrivals"));
	assert_non_null(met_find(m, "q.completions"));
	assert_non_null(met_find(m, "q.mean_in_queue"));
	assert_non_null(met_find(m, "q.mean_in_system"));
	assert_null(met_find(m, "q.bytes")); /* a queue moves no bytes */
	s = met_find(m, "p.bandwidth");
	assert_non_null(s);
	assert_string_equal(s->unit, "B/s");
	assert_true(fabs(s->value - 1000 / 2e-6) < 1e-3);
	assert_non_null(met_find(m, "p.bytes"));
	struct hist *h = met_hist(m, "q.response", "ns");
	assert_int_equal(hist_count(h), 2);
	assert_int_equal(hist_max(h), 30);
	int found = 0;
	for (size_t i = 0; i < met_nhists(m); i++) {
		const struct met_named_hist *nh = met_hist_at(m, i);
		if (!strcmp(nh->name, "p.wait")) {
			assert_string_equal(nh->unit, "ns");
			found = 1;
		}
	}
	assert_true(found);
	assert_false(met_failed(m));
	met_free(m);
	res_queue_free(q);
	res_pipe_free(p);
	ev_engine_free(log.eng);
}

static void test_export_of_token_bucket_counts_refusals(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct res_tb *b = res_tb_new(&x, 10, 1);
	res_tb_try(b, 1);
	res_tb_try(b, 1);
	struct met_registry *m = met_new();
	assert_int_equal(res_stats_export(res_tb_stats(b), 0, 1, "tb", m), 0);
	const struct met_scalar *s = met_find(m, "tb.refused");
	assert_non_null(s);
	assert_true(s->value == 1);
	assert_null(met_find(m, "tb.bandwidth"));
	met_free(m);
	res_tb_free(b);
	ev_engine_free(eng);
}


/* ---- Little's law on every resource ----
 * Poisson arrivals (random sizes) into each kind of resource, starting and
 * ending empty: the time-averaged number in the system must equal the
 * completion rate times the mean response time, up to rounding — a check
 * of each resource's own bookkeeping, independent of its service rule. */
enum lkind { L_QUEUE, L_PIPE, L_LINK, L_TB };

struct little {
	struct ev_engine *eng;
	enum lkind kind;
	struct res_queue *q;
	struct res_pipe *p;
	struct res_link *l;
	struct res_tb *b;
	gsl_rng *rng;
	int left;
};

static void little_arrive(void *arg)
{
	struct little *L = arg;
	uint64_t bytes = 1 + gsl_rng_uniform_int(L->rng, 20000);
	switch (L->kind) {
	case L_QUEUE: res_queue_submit(L->q, (uint64_t)(gsl_ran_exponential(L->rng, 900.0) + 1), NULL, NULL); break;
	case L_PIPE: res_pipe_submit(L->p, bytes, NULL, NULL); break;
	case L_LINK: res_link_submit(L->l, bytes, 0, NULL, NULL); break;
	case L_TB: res_tb_wait(L->b, 1 + (double)gsl_rng_uniform_int(L->rng, 4), NULL, NULL); break;
	}
	if (--L->left > 0)
		ev_after(L->eng, (uint64_t)gsl_ran_exponential(L->rng, 1000.0) + 1, little_arrive, L);
}

static void test_littles_law_holds_on_every_resource(void **state)
{
	(void)state;
	for (int k = L_QUEUE; k <= L_TB; k++) {
		struct little L = { .eng = ev_engine_new(NULL), .kind = (enum lkind)k,
				    .rng = gsl_rng_alloc(gsl_rng_mt19937), .left = 50000 };
		gsl_rng_set(L.rng, 11 + (unsigned long)k);
		struct exec x = ev_executor(L.eng);
		const struct res_stats *st = NULL;
		switch (L.kind) { /* each loaded to about 90% */
		case L_QUEUE: L.q = res_queue_new(&x, 1); st = res_queue_stats(L.q); break;
		case L_PIPE: L.p = res_pipe_new(&x, 1.1e10, 500, 4); st = res_pipe_stats(L.p); break;
		case L_LINK: L.l = res_link_new(&x, 1.1e10); st = res_link_stats(L.l); break;
		case L_TB: L.b = res_tb_new(&x, 2.8e6, 4); st = res_tb_stats(L.b); break;
		}
		ev_at(L.eng, 0, little_arrive, &L);
		assert_int_equal(ev_run(L.eng, UINT64_MAX, NULL), EV_EMPTY);
		uint64_t now = ev_now(L.eng);
		assert_int_equal(st->completions, 50000);
		double lsys = res_stats_mean_system(st, now);
		double lw = (double)st->completions / (double)(now - st->since_ns) * hist_mean(st->response_ns);
		print_message("kind %d: L = %.6f, lambda W = %.6f\n", k, lsys, lw);
		assert_true(lsys > 0.1);
		assert_true(fabs(lsys - lw) / lsys < 1e-9);
		res_queue_free(L.q);
		res_pipe_free(L.p);
		res_link_free(L.l);
		res_tb_free(L.b);
		gsl_rng_free(L.rng);
		ev_engine_free(L.eng);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_two_servers_hand_worked_times),
		cmocka_unit_test(test_queue_equal_completion_times_run_in_submission_order),
		cmocka_unit_test(test_queue_utilisation_and_means_of_deterministic_schedule_are_exact),
		cmocka_unit_test(test_queue_work_submitted_from_done_queues_behind_waiters),
		cmocka_unit_test(test_queue_callback_first_and_submit_at),
		cmocka_unit_test(test_queue_zero_service_completes_from_executor_not_inline),
		cmocka_unit_test(test_queue_reset_stats_restarts_the_window),
		cmocka_unit_test(test_queue_mm2_obeys_littles_law),
		cmocka_unit_test(test_littles_law_holds_on_every_resource),
		cmocka_unit_test(test_queue_new_rejects_zero_servers),
		cmocka_unit_test(test_queue_free_with_work_pending_cancels_its_events),
		cmocka_unit_test(test_pipe_serialises_in_fifo_and_pipelines_latency),
		cmocka_unit_test(test_pipe_concurrency_limit_holds_ops_back),
		cmocka_unit_test(test_pipe_without_concurrency_limit_overlaps_latencies),
		cmocka_unit_test(test_pipe_zero_latency_completes_at_transfer_end),
		cmocka_unit_test(test_pipe_transfer_time_rounds_up_to_whole_ns),
		cmocka_unit_test(test_pipe_small_ops_lose_no_bandwidth_to_rounding),
		cmocka_unit_test(test_pipe_utilisation_is_serialiser_busy_fraction),
		cmocka_unit_test(test_pipe_conserves_bytes_with_resubmitting_callbacks),
		cmocka_unit_test(test_pipe_new_rejects_bad_rates),
		cmocka_unit_test(test_link_two_flows_share_then_survivor_speeds_up),
		cmocka_unit_test(test_link_capped_flow_leaves_the_rest_to_others),
		cmocka_unit_test(test_link_cap_above_fair_share_does_not_bind),
		cmocka_unit_test(test_link_flows_all_capped_below_capacity_run_at_their_caps),
		cmocka_unit_test(test_link_water_fills_between_capped_and_uncapped_flows),
		cmocka_unit_test(test_link_equal_finishes_complete_in_arrival_order),
		cmocka_unit_test(test_link_late_arrival_slows_existing_flow),
		cmocka_unit_test(test_link_small_flows_lose_no_capacity_to_rounding),
		cmocka_unit_test(test_link_switches_between_shared_and_capped_modes),
		cmocka_unit_test(test_link_callbacks_may_submit_more_flows),
		cmocka_unit_test(test_link_keeps_one_pending_event),
		cmocka_unit_test(test_link_zero_byte_flow_completes_now),
		cmocka_unit_test(test_link_conserves_bytes_under_random_load_with_caps),
		cmocka_unit_test(test_link_without_caps_is_work_conserving),
		cmocka_unit_test(test_link_processor_sharing_matches_water_filling),
		cmocka_unit_test(test_link_rejects_negative_cap),
		cmocka_unit_test(test_xfer_alone_finishes_at_slowest_hop_with_one_event),
		cmocka_unit_test(test_xfer_shares_a_hop_that_a_flow_reaches_while_it_moves),
		cmocka_unit_test(test_xfer_not_yet_started_waits_for_a_flow_it_would_meet),
		cmocka_unit_test(test_xfer_matches_separate_flows_under_random_load),
		cmocka_unit_test(test_xfer_rejects_bad_arguments),
		cmocka_unit_test(test_tb_starts_full_and_refuses_when_empty),
		cmocka_unit_test(test_tb_refills_continuously_up_to_burst),
		cmocka_unit_test(test_tb_wait_fires_when_the_tokens_are_there),
		cmocka_unit_test(test_tb_wait_with_tokens_available_completes_now_from_executor),
		cmocka_unit_test(test_tb_waiters_are_served_fifo),
		cmocka_unit_test(test_tb_take_now_grants_or_counts_nothing),
		cmocka_unit_test(test_tb_try_does_not_jump_waiters),
		cmocka_unit_test(test_tb_wait_for_more_than_burst_is_an_error),
		cmocka_unit_test(test_tb_utilisation_is_tokens_over_rate_times_elapsed),
		cmocka_unit_test(test_tb_fractional_rates_do_not_drift_late),
		cmocka_unit_test(test_export_writes_named_metrics_with_units),
		cmocka_unit_test(test_export_of_token_bucket_counts_refusals),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
