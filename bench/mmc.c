/*
 * bench/mmc — events per second of a whole M/M/c run: a Poisson source, an
 * 8-server res_queue at ρ = 0.9, histograms and time averages on, over the
 * default pending-event set and the alternative one.  Prints the median of
 * five runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_randist.h>

#include "sim/engine.h"
#include "sim/resource.h"
#include "sim/rng.h"

#define SERVERS 8
#define MEAN_S_NS 1e6
#define RHO 0.9
#define CUSTOMERS 2000000

struct src {
	struct ev_engine *eng;
	struct res_queue *q;
	gsl_rng *ra, *rs;
	uint64_t left;
};

static void done(void *arg)
{
	(void)arg;
}

static void arrive(void *arg)
{
	struct src *s = arg;
	res_queue_submit(s->q, (uint64_t)llround(gsl_ran_exponential(s->rs, MEAN_S_NS)), done, s);
	if (--s->left)
		ev_after(s->eng, (uint64_t)llround(gsl_ran_exponential(s->ra, MEAN_S_NS / (RHO * SERVERS))), arrive, s);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double one_run(const struct evq_ops *ops, uint64_t *events)
{
	struct src s = { 0 };
	s.eng = ev_engine_new(ops);
	struct exec x = ev_executor(s.eng);
	s.q = res_queue_new(&x, SERVERS);
	s.ra = rng_stream_new(1, "bench/arrivals");
	s.rs = rng_stream_new(1, "bench/service");
	s.left = CUSTOMERS;
	ev_at(s.eng, 0, arrive, &s);
	double t0 = now_s();
	ev_run(s.eng, UINT64_MAX, NULL);
	double el = now_s() - t0;
	*events = ev_events_run(s.eng);
	res_queue_free(s.q);
	gsl_rng_free(s.ra);
	gsl_rng_free(s.rs);
	ev_engine_free(s.eng);
	return el;
}

int main(void)
{
	const struct evq_ops *qs[] = { &evq_heap, &evq_calendar };
	for (size_t k = 0; k < 2; k++) {
		double rate[5];
		uint64_t ev = 0;
		for (int i = 0; i < 5; i++)
			rate[i] = 1.0 / one_run(qs[k], &ev);
		qsort(rate, 5, sizeof rate[0], cmp);
		printf("mmc %-9s M/M/%d rho=%.1f, %d customers: %.1fM events/s (median of 5; %llu events/run)\n",
		       qs[k]->name, SERVERS, RHO, CUSTOMERS, rate[2] * ev / 1e6, (unsigned long long)ev);
	}
	return 0;
}
