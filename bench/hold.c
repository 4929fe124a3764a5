/*
 * hold — the hold-model benchmark of the pending-event sets (evq.h).
 *
 * The hold model (J. G. Vaucher and P. Duval, "A comparison of simulation
 * event list algorithms", CACM 18(4), 1975; D. W. Jones, "An empirical
 * comparison of priority-queue and event-set implementations", CACM 29(4),
 * 1986): fill the queue with N events, then repeat "hold": pop the least
 * event and push a new one at its time plus a random increment.  The size
 * stays N, and the cost per hold is the cost of one pop and one push in a
 * simulation's steady state.
 *
 * Here: increments are exponential with mean 1 us (1000 ns, rounded to
 * whole ns, as the engine keeps time), drawn with GSL's gsl_ran_exponential
 * from gsl_rng_mt19937 with a fixed seed, so every queue and every
 * repetition sees the same event times.  The queue is prefilled with N
 * events at Exp(mean) and brought to its steady state with N untimed holds;
 * then M holds are timed with clock_gettime(CLOCK_MONOTONIC).  The
 * increments of the timed holds are drawn beforehand, so the timing holds
 * queue work only.  Reported: the median over REPS repetitions of ns per
 * hold, and bytes per pending event (mem_bytes / size at the end).
 *
 * M = 2*10^6 by default: at most ~1 s of timed holds per repetition at
 * N = 10^6 on the 2-core development machine, so the default run (2 queues,
 * N = 10^3..10^6, 5 repetitions) takes about half a minute.
 *
 * Usage: hold [-q heap|calendar] [-n N] [-m M] [-r REPS]
 *   Without -q / -n it runs every queue at every N and ends with the line
 *   "hold: faster at N=10^4: <queue>".  For instruction counts, run one
 *   configuration under callgrind with --toggle-collect=hold_timed and
 *   divide the Ir count by M.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/evq.h"

#define HOLD_MEAN_NS 1000.0           /* mean increment: 1 us */
#define HOLD_SEED 20250101UL          /* any fixed seed: runs are comparable */
#define HOLD_DEFAULT_M 2000000UL
#define HOLD_DEFAULT_REPS 5

static void hold_noop(void *arg)
{
	(void)arg;
}

static uint64_t exp_ns(gsl_rng *r)
{
	return (uint64_t)(gsl_ran_exponential(r, HOLD_MEAN_NS) + 0.5);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The timed loop, kept out of line so callgrind can count it alone.
 * Returns 0, or -1 if the queue ran out of memory or ran empty. */
__attribute__((noinline)) static int hold_timed(const struct evq_ops *ops, void *q,
						 const uint64_t *inc_ns, size_t m)
{
	for (size_t k = 0; k < m; k++) {
		uint64_t t;
		exec_fn fn;
		void *arg;
		if (!ops->pop(q, UINT64_MAX, &t, &fn, &arg) || !ops->push(q, t + inc_ns[k], fn, arg))
			return -1;
	}
	return 0;
}

struct hold_result {
	double ns_per_hold;
	double bytes_per_event;
};

/* One repetition: prefill, warm up, time m holds. */
static int hold_once(const struct evq_ops *ops, size_t n, size_t m, uint64_t *inc_ns,
		     struct hold_result *out)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	void *q = ops->create();
	int rc = -1;
	if (!r || !q)
		goto done;
	gsl_rng_set(r, HOLD_SEED);

	for (size_t i = 0; i < n; i++)
		if (!ops->push(q, exp_ns(r), hold_noop, NULL))
			goto done;
	for (size_t i = 0; i < n; i++) {
		uint64_t t;
		exec_fn fn;
		void *arg;
		if (!ops->pop(q, UINT64_MAX, &t, &fn, &arg) || !ops->push(q, t + exp_ns(r), fn, arg))
			goto done;
	}
	for (size_t k = 0; k < m; k++)
		inc_ns[k] = exp_ns(r);

	double t0 = now_s();
	if (hold_timed(ops, q, inc_ns, m) != 0)
		goto done;
	double t1 = now_s();

	out->ns_per_hold = (t1 - t0) * 1e9 / (double)m;
	out->bytes_per_event = (double)ops->mem_bytes(q) / (double)ops->size(q);
	rc = 0;
done:
	if (q)
		ops->destroy(q);
	gsl_rng_free(r);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median over reps repetitions. */
static int hold_measure(const struct evq_ops *ops, size_t n, size_t m, int reps,
			uint64_t *inc_ns, struct hold_result *out)
{
	double ns[64];
	if (reps < 1 || reps > 64)
		return -1;
	for (int i = 0; i < reps; i++) {
		if (hold_once(ops, n, m, inc_ns, out) != 0)
			return -1;
		ns[i] = out->ns_per_hold;
	}
	qsort(ns, (size_t)reps, sizeof ns[0], cmp_double);
	out->ns_per_hold = reps % 2 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: hold [-q heap|calendar] [-n N] [-m M] [-r REPS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const struct evq_ops *all[] = { &evq_heap, &evq_calendar };
	const struct evq_ops *only = NULL;
	size_t ns[] = { 1000, 10000, 100000, 1000000 };
	size_t only_n = 0, m = HOLD_DEFAULT_M;
	int reps = HOLD_DEFAULT_REPS, c;

	while ((c = getopt(argc, argv, "q:n:m:r:")) != -1) {
		char *end;
		switch (c) {
		case 'q':
			only = NULL;
			for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
				if (strcmp(optarg, all[i]->name) == 0)
					only = all[i];
			if (!only) {
				fprintf(stderr, "hold: unknown queue \"%s\" (heap, calendar)\n", optarg);
				return 2;
			}
			break;
		case 'n':
		case 'm':
		case 'r': {
			unsigned long long v = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v == 0 || v > 100000000ULL) {
				fprintf(stderr, "hold: bad -%c \"%s\" (a count from 1 to 10^8)\n", c, optarg);
				return 2;
			}
			if (c == 'n')
				only_n = (size_t)v;
			else if (c == 'm')
				m = (size_t)v;
			else if (v > 64)
				return usage();
			else
				reps = (int)v;
			break;
		}
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();

	uint64_t *inc_ns = malloc(m * sizeof *inc_ns);
	if (!inc_ns) {
		fprintf(stderr, "hold: out of memory\n");
		return 1;
	}

	printf("# hold model: Exp(%.0f ns) increments, N warm-up holds, %zu timed holds, "
	       "median of %d\n", HOLD_MEAN_NS, m, reps);
	double at_1e4[2] = { -1, -1 };
	for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
		size_t n = only_n ? only_n : ns[j];
		for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
			if (only && only != all[i])
				continue;
			struct hold_result res;
			if (hold_measure(all[i], n, m, reps, inc_ns, &res) != 0) {
				fprintf(stderr, "hold: %s at N=%zu: out of memory\n", all[i]->name, n);
				free(inc_ns);
				return 1;
			}
			printf("hold %-9s N=%-7zu ns/hold=%.1f  bytes/event=%.1f\n", all[i]->name, n,
			       res.ns_per_hold, res.bytes_per_event);
			fflush(stdout);
			if (n == 10000)
				at_1e4[i] = res.ns_per_hold;
		}
		if (only_n)
			break;
	}
	if (at_1e4[0] >= 0 && at_1e4[1] >= 0)
		printf("hold: faster at N=10^4: %s\n",
		       at_1e4[0] <= at_1e4[1] ? all[0]->name : all[1]->name);
	free(inc_ns);
	return 0;
}
