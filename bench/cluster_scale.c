/*
 * cluster_scale — what a large cluster costs to model: bench/three_tiers.ini
 * with [cluster] nodes set to 10, 100 and 1000 GPU nodes, each built
 * (models/tiered.h), replayed closed loop for 20 ms of simulated time with
 * its requests spread over every node, exported, and freed.  Prints per
 * size the wall time of the build and of the run, and the resident memory
 * the cluster holds after its run (from /proc/self/statm, less what the
 * process held before the build; each size in a child process of its own,
 * so no size reuses memory another freed), and per node the slope between
 * the largest two sizes.  Memory is what limits the size of a capacity-
 * planning run: at 1000 nodes a cluster held 6.8 GB before histograms
 * were allocated a power of two at a time (sim/hist.c).
 *
 *   cluster_scale [SCENARIO.ini]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/tiered.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "traces/replay.h"
#include "traces/trace.h"

#define SCALE_RUN_NS 20000000ull /* 20 ms simulated */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident bytes now, or 0. */
static double resident(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (double)res * (double)sysconf(_SC_PAGESIZE);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	do {
		if (n + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = 2 * cap + 4096 + 1);
			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

struct scale_point {
	unsigned nodes;
	double build_s, run_s, bytes;
	unsigned long long requests;
};

static void stop_engine(void *eng)
{
	ev_stop(eng);
}

/* Builds, runs and frees the scenario with `nodes` nodes. */
static int scale_one(const char *ini, const char *text, const char *trace, unsigned nodes, struct scale_point *pt)
{
	/* The scenario's own "nodes = 1" line, replaced. */
	const char *at = strstr(text, "\nnodes = 1\n");
	if (!at) {
		fprintf(stderr, "cluster_scale: %s: no line 'nodes = 1' to replace\n", ini);
		return -1;
	}
	size_t head = (size_t)(at - text) + 1, len = strlen(text) + 32;
	char *t = malloc(len);
	if (!t)
		return -1;
	snprintf(t, len, "%.*snodes = %u\n%s", (int)head, text, nodes, at + strlen("\nnodes = 1\n"));

	struct err e = { 0 };
	struct cfg_doc *doc = NULL;
	struct ev_engine *eng = NULL;
	struct met_registry *m = NULL;
	struct tiered *cl = NULL;
	struct trace_reader *tr = NULL;
	struct replay *r = NULL;
	int rc = -1;
	double base = resident(), t0 = wall();
	if (cfg_load_string(&doc, ini, t, &e) < 0 || !(eng = ev_engine_new(NULL)) || !(m = met_new()))
		goto out;
	struct exec x = ev_executor(eng);
	if (tiered_build(&cl, doc, &x, 1, &e) < 0)
		goto out;
	pt->build_s = wall() - t0;

	/* Enough outstanding requests that every node has some. */
	if (!(tr = trace_open(trace, "oracleGeneral", &e)))
		goto out;
	struct replay_cfg rcfg = { .mode = REPLAY_CLOSED, .time_scale = 1, .outstanding = 4 * nodes,
				   .writes = 1, .on_finish = stop_engine, .on_finish_ctx = eng };
	if (replay_new(&r, &x, tr, tiered_paths(cl), tiered_nodes(cl), &rcfg, &e) < 0)
		goto out;
	double s = wall();
	if (replay_start(r, &e) < 0 || ev_run(eng, SCALE_RUN_NS, &e) < 0 ||
	    tiered_export(cl, m, ev_now(eng), &e) < 0 || replay_export(r, m) < 0)
		goto out;
	pt->run_s = wall() - s;
	pt->bytes = resident() - base;
	pt->requests = (unsigned long long)replay_stats(r)->completed;
	pt->nodes = nodes;
	rc = 0;
out:
	if (rc < 0 && e.msg[0])
		fprintf(stderr, "cluster_scale: %u nodes: %s\n", nodes, e.msg);
	replay_free(r);
	trace_close(tr);
	tiered_free(cl);
	met_free(m);
	ev_engine_free(eng);
	cfg_free(doc);
	free(t);
	return rc;
}

int main(int argc, char **argv)
{
	const char *ini = argc > 1 ? argv[1] : "bench/three_tiers.ini";
	char *text = slurp(ini);
	if (!text) {
		perror(ini);
		return 1;
	}
	/* The trace the scenario names, relative to its file. */
	struct err e = { 0 };
	struct cfg_doc *doc = NULL;
	const char *name = NULL;
	struct cfg_section *w;
	if (cfg_load(&doc, ini, &e) < 0 || !(w = cfg_find(doc, "workload", NULL)) ||
	    cfg_string(doc, w, "trace", &name, &e) < 0 || !name) {
		fprintf(stderr, "cluster_scale: %s: %s\n", ini, e.msg[0] ? e.msg : "no [workload] trace");
		return 1;
	}
	char dir[4096];
	cfg_dir_of(ini, dir, sizeof dir);
	char *trace = cfg_path_in(dir, name);
	cfg_free(doc);
	if (!trace) {
		fprintf(stderr, "cluster_scale: out of memory\n");
		return 1;
	}

	static const unsigned sizes[] = { 10, 100, 1000 };
	struct scale_point pt[3];
	printf("cluster scale (%s, %.0f ms simulated, 4 requests outstanding per node):\n", ini, SCALE_RUN_NS / 1e6);
	for (size_t i = 0; i < 3; i++) {
		int fd[2];
		fflush(stdout);
		if (pipe(fd) < 0)
			return perror("pipe"), 1;
		pid_t pid = fork();
		if (pid < 0)
			return perror("fork"), 1;
		if (pid == 0) {
			close(fd[0]);
			int rc = scale_one(ini, text, trace, sizes[i], &pt[i]);
			if (rc == 0 && write(fd[1], &pt[i], sizeof pt[i]) != (ssize_t)sizeof pt[i])
				rc = -1;
			_exit(rc == 0 ? 0 : 1);
		}
		close(fd[1]);
		ssize_t got = read(fd[0], &pt[i], sizeof pt[i]);
		close(fd[0]);
		int status = 0;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
		    got != (ssize_t)sizeof pt[i]) {
			free(text);
			free(trace);
			return 1;
		}
		printf("  %5u nodes: build %.3f s, run %.3f s (%llu requests), %.1f MB resident\n", pt[i].nodes,
		       pt[i].build_s, pt[i].run_s, pt[i].requests, pt[i].bytes / 1e6);
	}
	printf("  per node (100 -> 1000): %.0f kB, build %.2f ms\n", (pt[2].bytes - pt[1].bytes) / 900 / 1e3,
	       (pt[2].build_s - pt[1].build_s) / 900 * 1e3);
	free(text);
	free(trace);
	return 0;
}
