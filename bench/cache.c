/*
 * bench/cache — requests per second and memory per object of every cache
 * policy, replaying a 20M-request Zipf(1.0) trace over 1M objects of
 * 4 KiB (the performance target: >= 10M requests/s for LRU and
 * SIEVE, >= 5M for ARC and S3-FIFO, <= 64 bytes per cached object).
 *
 * The trace comes from the project's seeded Zipf generator (traces/zipf.c,
 * stream "bench/cache-zipf" of seed 1), is held in memory (so the reader
 * is not what is measured) with next-access times for Belady, and each
 * policy replays it through cache_run_access, the loop `tiersim cache`
 * runs, at a cache of 10% of the objects.  Rate: median of 3 runs, in
 * requests per second of the thread's CPU time (what one core sustains,
 * unaffected by other processes time-sharing the core) and of wall-clock
 * time.  Arguments, if any, name the policies to run (default: all).
 * Memory: the policy's own structures (index slots, entries, ghosts,
 * heaps; pol_mem_bytes) at the end of the run, when they are largest
 * (they never shrink), divided by the resident objects.
 *
 * A memory sweep follows for the policies that keep ghosts (ARC,
 * S3-FIFO): the same measure at caches of 10^4 to 3 x 10^5 objects, each
 * 7% larger than the last (so it falls at every phase of the tables'
 * growth), over the trace's first 4M requests; it prints the smallest and
 * largest bytes per object and where the largest fell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/cache.h"
#include "sim/policy.h"
#include "sim/rng.h"
#include "traces/zipf.h"

#define REQUESTS 20000000u
#define OBJECTS 1000000u
#define OBJ_BYTES 4096u
#define CACHE_OBJECTS (OBJECTS / 10)
#define RUNS 3
#define SWEEP_REQUESTS 4000000u
#define SWEEP_FROM 10000u
#define SWEEP_TO 300000u

static double now_s(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Arguments name the policies to run; none: all. */
static int wanted(int argc, char **argv, const char *name)
{
	int yes = argc < 2;
	for (int a = 1; a < argc; a++)
		yes |= !strcmp(argv[a], name);
	return yes;
}

int main(int argc, char **argv)
{
	struct err e = { 0 };
	struct zipf z;
	if (zipf_init(&z, OBJECTS, 1.0, &e) < 0) {
		fprintf(stderr, "bench/cache: %s\n", e.msg);
		return 1;
	}
	gsl_rng *g = rng_stream_new(1, "bench/cache-zipf");
	uint32_t *id = malloc(REQUESTS * sizeof *id);
	int64_t *next = malloc(REQUESTS * sizeof *next);

	int64_t *last = malloc((OBJECTS + 1) * sizeof *last);
	if (!g || !id || !next || !last) {
		fprintf(stderr, "bench/cache: out of memory\n");
		return 1;
	}
	double t0 = now_s(CLOCK_MONOTONIC);
	for (uint32_t i = 0; i < REQUESTS; i++)
		id[i] = (uint32_t)zipf_draw(&z, g);
	double gen = now_s(CLOCK_MONOTONIC) - t0;
	for (uint32_t k = 0; k <= OBJECTS; k++)
		last[k] = -1;
	for (uint32_t i = REQUESTS; i-- > 0;) {
		next[i] = last[id[i]];
		last[id[i]] = (int64_t)i + 1; /* 1-based, as oracleGeneral */
	}
	free(last);
	gsl_rng_free(g);
	printf("cache trace: %u requests, Zipf(1.0) over %u objects of %u B, generated at %.1f Mreq/s;"
	       " cache %u objects (%.0f MiB)\n",
	       REQUESTS, OBJECTS, OBJ_BYTES, REQUESTS / gen / 1e6, CACHE_OBJECTS,
	       (double)CACHE_OBJECTS * OBJ_BYTES / 1048576.0);

	const uint64_t cap = (uint64_t)CACHE_OBJECTS * OBJ_BYTES;
	for (size_t k = 0; pol_all[k]; k++) {
		if (!wanted(argc, argv, pol_all[k]->name))
			continue;
		double rate[RUNS], wrate[RUNS];
		double mr = 0, bytes_per_obj = 0;
		for (int run_i = 0; run_i < RUNS; run_i++) {
			struct cache_run run;
			if (cache_run_init(&run, pol_all[k], &cap, 1, NULL, &e) < 0) {
				fprintf(stderr, "bench/cache: %s\n", e.msg);
				return 1;
			}
			t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
			double w0 = now_s(CLOCK_MONOTONIC);
			for (uint32_t i = 0; i < REQUESTS; i++) {
				struct pol_req r = { .obj_id = id[i], .size_bytes = OBJ_BYTES, .next_access_vtime = next[i] };
				if (cache_run_access(&run, &r, &e) < 0) {
					fprintf(stderr, "bench/cache: %s\n", e.msg);
					return 1;
				}
			}
			rate[run_i] = REQUESTS / (now_s(CLOCK_THREAD_CPUTIME_ID) - t0);
			wrate[run_i] = REQUESTS / (now_s(CLOCK_MONOTONIC) - w0);
			mr = cache_miss_ratio(&run.stats[0]);
			bytes_per_obj = (double)pol_mem_bytes(&run.pols[0]) /
					(double)pol_n_objects(&run.pols[0]);
			cache_run_destroy(&run);
		}
		qsort(rate, RUNS, sizeof rate[0], cmp);
		qsort(wrate, RUNS, sizeof wrate[0], cmp);
		printf("cache %s: %.1f Mreq/s, %.1f bytes/object (miss ratio %.4f; %.1f Mreq/s wall; median of %d)\n",
		       pol_all[k]->name, rate[RUNS / 2] / 1e6, bytes_per_obj, mr, wrate[RUNS / 2] / 1e6, RUNS);
	}
	const struct pol_ops *swept[] = { &pol_arc_ops, &pol_s3fifo_ops };
	for (size_t k = 0; k < sizeof swept / sizeof swept[0]; k++) {
		if (!wanted(argc, argv, swept[k]->name))
			continue;
		double lo = 1e300, hi = 0;
		uint64_t hi_at = 0, n = 0;
		for (uint64_t objs = SWEEP_FROM; objs <= SWEEP_TO; objs = objs * 107 / 100, n++) {
			struct pol p;
			const uint64_t sweep_cap = objs * OBJ_BYTES;
			if (pol_init(&p, swept[k], sweep_cap, NULL, &e) < 0) {
				fprintf(stderr, "bench/cache: %s\n", e.msg);
				return 1;
			}
			for (uint32_t i = 0; i < SWEEP_REQUESTS; i++) {
				struct pol_req r = { .obj_id = id[i], .size_bytes = OBJ_BYTES, .next_access_vtime = next[i] };
				if (pol_access(&p, &r, &e) < 0) {
					fprintf(stderr, "bench/cache: %s\n", e.msg);
					return 1;
				}
			}
			double per = (double)pol_mem_bytes(&p) / (double)pol_n_objects(&p);
			lo = per < lo ? per : lo;
			if (per > hi) {
				hi = per;
				hi_at = objs;
			}
			pol_destroy(&p);
		}
		printf("cache memory %s: %.1f-%.1f bytes/object over %llu cache sizes of %u-%u objects"
		       " (largest at %llu; first %u requests)\n",
		       swept[k]->name, lo, hi, (unsigned long long)n, SWEEP_FROM, SWEEP_TO,
		       (unsigned long long)hi_at, SWEEP_REQUESTS);
	}
	free(id);
	free(next);
	return 0;
}
