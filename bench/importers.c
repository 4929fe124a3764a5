/*
 * bench/importers — how fast the trace readers parse (issue 4 targets:
 * Mooncake JSONL and Azure CSV at >= 200 MB/s on one core; the native
 * binary at >= 1 GB/s).
 *
 * Text importers: the shared real traces (../shared/traces, or
 * TIERSIM_TRACES), each read whole through its trace reader REPS times;
 * MB/s = file bytes x REPS / wall time (10^6 bytes), median of RUNS runs.
 * Native: a file of NATIVE_RECS records (Zipf(1.0) object ids from the
 * project's generator, traces/zipf.h, over 10^6 objects) written to /tmp
 * first, plain and .zst; read from the page cache; GB/s of decompressed
 * record bytes.  The files are removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/rng.h"
#include "traces/trace.h"
#include "traces/zipf.h"

#define RUNS 5
#define NATIVE_RECS 10000000ULL

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Reads path reps times; the median wall time of RUNS runs, or -1. */
static double time_reads(const char *path, const char *fmt, int reps, uint64_t *recs)
{
	double t[RUNS];
	for (int k = 0; k < RUNS; k++) {
		double t0 = now_s();
		*recs = 0;
		for (int i = 0; i < reps; i++) {
			struct err e = { 0 };
			struct trace_reader *tr = trace_open(path, fmt, &e);
			if (!tr) {
				fprintf(stderr, "bench/importers: %s\n", e.msg);
				return -1;
			}
			struct trace_rec r;
			int got;
			uint64_t sink = 0;
			while ((got = trace_next(tr, &r, &e)) == 1)
				sink += r.obj_id;
			trace_close(tr);
			if (got < 0) {
				fprintf(stderr, "bench/importers: %s\n", e.msg);
				return -1;
			}
			*recs += sink & 1; /* keep the loop */
		}
		t[k] = now_s() - t0;
	}
	qsort(t, RUNS, sizeof t[0], cmp_d);
	return t[RUNS / 2];
}

static int bench_text(const char *name, const char *file, const char *fmt, int reps, double target)
{
	char path[512];
	const char *dir = getenv("TIERSIM_TRACES");
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "../shared/traces", file);
	struct stat st;
	if (stat(path, &st) != 0) {
		printf("importer %s: skipped (%s not found)\n", name, path);
		return 0;
	}
	uint64_t dummy;
	double t = time_reads(path, fmt, reps, &dummy);
	if (t < 0)
		return -1;
	double mbps = (double)st.st_size * reps / t / 1e6;
	printf("importer %s: %.0f MB/s (%.1f MB x %d, median of %d; target >= %.0f MB/s%s)\n", name, mbps,
	       (double)st.st_size / 1e6, reps, RUNS, target, mbps >= target ? "" : ": MISSED");
	return 0;
}

static int make_native(const char *path, struct err *e)
{
	struct zipf z;
	if (zipf_init(&z, 1000000, 1.0, e) < 0)
		return -1;
	gsl_rng *g = rng_stream_new(42, "bench-importers");
	struct trace_writer *w = g ? trace_writer_open(path, "zipf", e) : NULL;
	if (!w) {
		if (g)
			gsl_rng_free(g);
		return -1;
	}
	for (uint64_t i = 0; i < NATIVE_RECS; i++) {
		struct trace_rec r = { .time_ns = i * 1000, .obj_id = zipf_draw(&z, g),
				       .size_bytes = 4096, .op = i % 4 ? TRACE_OP_READ : TRACE_OP_WRITE,
				       .client = (uint32_t)(i % 64) };
		if (trace_writer_put(w, &r, e) < 0) {
			trace_writer_abort(w);
			gsl_rng_free(g);
			return -1;
		}
	}
	gsl_rng_free(g);
	return trace_writer_finish(w, NULL, e);
}

static int bench_native(const char *suffix, double target)
{
	char path[256];
	snprintf(path, sizeof path, "/tmp/tiersim-bench-%ld.tst%s", (long)getpid(), suffix);
	struct err e = { 0 };
	double t0 = now_s();
	if (make_native(path, &e) < 0) {
		fprintf(stderr, "bench/importers: %s\n", e.msg);
		return -1;
	}
	double tw = now_s() - t0;
	struct stat st;
	stat(path, &st);
	uint64_t dummy;
	double t = time_reads(path, NULL, 1, &dummy);
	unlink(path);
	if (t < 0)
		return -1;
	double bytes = (double)NATIVE_RECS * 40;
	double gbps = bytes / t / 1e9;
	printf("importer native%s: %.2f GB/s (%.0f Mrec/s; %.0f MB of records in a %.0f MB file, "
	       "written at %.0f MB/s; target >= %.1f GB/s%s)\n",
	       suffix, gbps, NATIVE_RECS / t / 1e6, bytes / 1e6, (double)st.st_size / 1e6, bytes / tw / 1e6,
	       target, gbps >= target ? "" : ": MISSED");
	return 0;
}

int main(void)
{
	int rc = 0;
	rc |= bench_text("mooncake", "mooncake/conversation_trace.jsonl", "mooncake", 5, 200);
	rc |= bench_text("azure_llm", "azure_llm_2023/AzureLLMInferenceTrace_conv.csv", "azure_llm", 20, 200);
	rc |= bench_text("vscsi", "cloudphysics/cloudPhysicsIO.vscsi", "vscsi", 20, 1000);
	rc |= bench_native("", 1.0);
	rc |= bench_native(".zst", 0);
	return rc ? 1 : 0;
}
