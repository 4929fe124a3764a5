/*
 * tiered_run — the speed of a full timed run over three tiers (issue 3:
 * ">= 2M requests/s"), in-process: a cluster from models/tiered.h built
 * from bench/three_tiers.ini, fed by traces/replay.h closed loop, on the
 * default event queue; then the metrics export and the SQLite write of
 * the run, timed apart, since they are a fixed cost per run (a few
 * thousand-bucket histograms per metric) that can dominate a short run.
 *
 *   tiered_run [SCENARIO.ini] [PASSES] [QUEUE]
 *
 * PASSES (default 3) replays the trace that many times back to back over
 * the same cluster (warm caches after the first pass); QUEUE names the
 * pending-event set (evq.h; default: the engine's).  Prints
 *
 *   tiered run: N requests, X k requests/s, Y instructions/request
 *
 * where instructions are user-space instructions retired in the DES part,
 * read from the hardware counter (perf_event_open) when the kernel allows
 * it; under `valgrind --tool=callgrind --collect-atstart=no` its total
 * is the DES part's alone (DES_TOGGLE below).  A second line gives each
 * pass's own rate: the first fills every tier from empty, the later ones
 * start warm, so they differ.
 */
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "models/tiered.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/evq.h"
#include "sim/metrics.h"
#include "sim/results.h"
#include "traces/replay.h"
#include "traces/trace.h"

/* Under callgrind, `--collect-atstart=no` counts the DES part alone: the
 * passes' replay, toggled on and off in des_pass (a no-op outside valgrind; and
 * left out where valgrind's headers are not installed). */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define DES_TOGGLE() CALLGRIND_TOGGLE_COLLECT
#endif
#endif
#ifndef DES_TOGGLE
#define DES_TOGGLE() ((void)0)
#endif

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A user-space instruction counter for this thread, or -1. */
static int icount_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof a;
	a.config = PERF_COUNT_HW_INSTRUCTIONS;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static long long icount_read(int fd)
{
	long long v = -1;
	if (fd < 0 || read(fd, &v, sizeof v) != sizeof v)
		return -1;
	return v;
}

static void stop_engine(void *eng)
{
	ev_stop(eng);
}

/* One pass's simulation, the part timed and counted.  Out of line, so
 * that the event loop LTO inlines into it compiles the same whatever main
 * around it keeps in registers (inlined into main, the loop cost 5
 * instructions a request more when main kept one more figure). */
static __attribute__((noinline)) int des_pass(struct ev_engine *eng, struct replay *r, struct err *e)
{
	DES_TOGGLE();
	int rc = replay_start(r, e) < 0 || ev_run(eng, UINT64_MAX, e) < 0 || replay_failed(r, e) < 0 ? -1 : 0;
	DES_TOGGLE();
	return rc;
}

static int fail(const char *what, const struct err *e)
{
	fprintf(stderr, "tiered_run: %s: %s\n", what, e->msg);
	return 1;
}

int main(int argc, char **argv)
{
	const char *ini = argc > 1 ? argv[1] : "bench/three_tiers.ini";
	char *rest = NULL;
	long passes = argc > 2 ? strtol(argv[2], &rest, 10) : 3;
	if (argc > 2 && (rest == argv[2] || *rest || passes < 1 || passes > 1000000)) {
		fprintf(stderr, "tiered_run: PASSES must be a whole number from 1 to 1000000, not '%s'\n", argv[2]);
		return 2;
	}
	struct err e = { 0 };
	struct cfg_doc *doc = NULL;
	if (cfg_load(&doc, ini, &e) < 0)
		return fail(ini, &e);
	struct cfg_section *w = cfg_find(doc, "workload", NULL);
	const char *trace = NULL, *format = NULL;
	uint64_t outstanding = 64, seed = 1;
	if (!w || cfg_string(doc, w, "trace", &trace, &e) < 0 || cfg_string(doc, w, "format", &format, &e) < 0 ||
	    cfg_u64(doc, w, "outstanding", &outstanding, &e) < 0 || !trace)
		return fail(ini, &e);
	char dir[4096];
	cfg_dir_of(ini, dir, sizeof dir);
	char *tpath = cfg_path_in(dir, trace);
	if (!tpath) {
		fprintf(stderr, "tiered_run: out of memory\n");
		return 1;
	}

	double t0 = wall();
	const struct evq_ops *qops = NULL;
	if (argc > 3 && !(qops = evq_by_name(argv[3]))) {
		fprintf(stderr, "tiered_run: unknown queue '%s'\n", argv[3]);
		return 2;
	}
	struct ev_engine *eng = ev_engine_new(qops);
	struct met_registry *m = met_new();
	struct exec x = ev_executor(eng);
	struct tiered *cl = NULL;
	if (!eng || !m || tiered_build(&cl, doc, &x, seed, &e) < 0)
		return fail("build", &e);
	if (tiered_add_series(cl, m) < 0 || met_sampler_start(m, &x, 1000000000ull) < 0)
		return fail("series", &e);
	double t_build = wall() - t0;

	int fd = icount_open();
	double des = 0;
	long long instr = 0;
	uint64_t requests = 0;
	/* Each pass's rate, for the line that prints them (the first eight). */
	enum { SHOWN = 8 };
	double pass_rate[SHOWN];
	struct replay *last = NULL;
	struct trace_reader *last_tr = NULL;
	for (long p = 0; p < passes; p++) {
		struct trace_reader *tr = trace_open(tpath, format, &e);
		if (!tr)
			return fail(tpath, &e);
		struct replay_cfg rc = { .mode = REPLAY_CLOSED, .time_scale = 1, .outstanding = (uint32_t)outstanding,
					 .writes = 1, .on_finish = stop_engine, .on_finish_ctx = eng };
		struct replay *r;
		if (replay_new(&r, &x, tr, tiered_paths(cl), tiered_nodes(cl), &rc, &e) < 0)
			return fail("replay", &e);
		if (fd >= 0) {
			ioctl(fd, PERF_EVENT_IOC_RESET, 0);
			ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
		}
		double s = wall();
		if (des_pass(eng, r, &e) < 0)
			return fail("run", &e);
		double took = wall() - s;
		des += took;
		if (fd >= 0) {
			ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
			long long c = icount_read(fd);
			instr = c < 0 || instr < 0 ? -1 : instr + c;
		}
		requests += replay_stats(r)->completed;
		if (p < SHOWN)
			pass_rate[p] = replay_stats(r)->completed / took;
		if (last) {
			replay_free(last);
			trace_close(last_tr);
		}
		last = r;
		last_tr = tr;
	}

	/* The fixed cost: export and one run into a fresh database. */
	double s = wall();
	uint64_t end = ev_now(eng);
	met_sample_now(m, end);
	if (tiered_export(cl, m, end, &e) < 0 || replay_export(last, m) < 0)
		return fail("export", &e);
	double t_export = wall() - s;
	char db_path[] = "/tmp/tiered_run.XXXXXX";
	int dfd = mkstemp(db_path);
	if (dfd < 0)
		return perror("mkstemp"), 1;
	close(dfd);
	unlink(db_path);
	s = wall();
	struct db *db = NULL;
	struct db_run_info info = { .kind = "simulated", .started_at = "", .scenario_path = ini, .scenario = doc->text,
				    .seed = seed, .version = "bench", .sim_seconds = end / 1e9,
				    .events = ev_events_run(eng), .queue = ev_queue_name(eng) };
	if (db_open(&db, db_path, &e) < 0 || db_write_run(db, &info, m, NULL, &e) < 0)
		return fail("results", &e);
	db_close(db);
	double t_db = wall() - s;
	unlink(db_path);

	printf("tiered run: %llu requests, %.0f k requests/s", (unsigned long long)requests, requests / des / 1e3);
	if (fd >= 0 && instr >= 0)
		printf(", %.0f instructions/request", (double)instr / requests);
	else
		printf(", instructions/request: no counter "
		       "(under valgrind --tool=callgrind --collect-atstart=no: its total / requests)");
	printf("\n  each pass (the first from empty tiers):");
	for (long p = 0; p < passes && p < SHOWN; p++)
		printf(" %.0f", pass_rate[p] / 1e3);
	printf("%s k requests/s", passes > SHOWN ? " ..." : "");
	printf("\n  %llu events (%.1f per request); DES %.3f s; build %.3f s, export %.3f s, results write %.3f s "
	       "(%zu histograms, %zu scalars)\n",
	       (unsigned long long)ev_events_run(eng), (double)ev_events_run(eng) / requests, des, t_build, t_export,
	       t_db, met_nhists(m), met_nscalars(m));
	replay_free(last);
	trace_close(last_tr);
	tiered_free(cl);
	met_free(m);
	ev_engine_free(eng);
	cfg_free(doc);
	free(tpath);
	if (fd >= 0)
		close(fd);
	return 0;
}
