/*
 * modelload — the model-load herd (job type "modelload"); see modelload.h
 * for the scenario keys and metrics.
 *
 * What it models.  A model is deployed on every node of the job at once:
 * each node reads the whole set of weights through its data path, so the
 * node-local tiers miss together and the shared tiers (warm cluster, cold
 * object store) take N copies of the read at the same moment — the
 * thundering herd of reference §5.3.  A redeploy (loads > 1) reads the
 * same objects again, now partly from the node-local tiers the first load
 * filled.
 *
 *   Objects  the weights of W bytes are S objects (shards), shard s of
 *            floor(W/S) bytes plus one for s < W mod S, object id
 *            wl_object_id(job, s): the same objects for every node (the
 *            path coalesces only within a node, so N nodes read N copies).
 *   Load     node n's load k begins at  b = max(start + k x interval,
 *            end of its load k-1)  and reads its shards in index order,
 *            `parallel` at a time (0: all at once), each whole.  Its load
 *            time is  T_nk = (last shard delivered) - b.
 *   Herd     round k's herd time is  H_k = max_n(end of load k on n) -
 *            (start + k x interval): when the whole job can serve.
 *   Check    N nodes reading W bytes each from one shared tier of
 *            bandwidth B, fairly shared, all finish at  N x W / B
 *            (tests/test_kvcache.c checks this against a shared link).
 *   Stall    the GPUs do nothing while weights load: stall_s is the mean
 *            over nodes of the summed T_nk, where a load still running
 *            when the run ends counts its time so far.  There is no
 *            compute, so the job exports no AU.
 *
 * Defaults and sources (../shared/reference/hardware-and-scale.md):
 *   model_bytes 140 GB: a 70B-parameter model in bf16 (2 B/param)  [D] §5.3
 *   shards 30: the usual safetensors split of a 70B checkpoint into ~5 GB
 *     files (Meta-Llama-3-70B ships 30) [R]
 *   parallel 0 (all shards at once): assumed; loaders that read shard by
 *     shard are parallel = 1.
 *
 * A real-world reference, not a test: Alibaba's GenAI 2026 trace
 * (../shared/traces/alibaba_genai_2026, basemodel_update_latency_anon.csv,
 * 7,531 production base-model loads, storage to GPU) has load times of
 * p50 22.7 s, p90 42.0 s, p99 51.8 s (min 1.3 s, max 79.4 s); LoRA
 * adapters p50 4.4 s, p99 8.2 s.  For comparison [D]: 140 GB in 22.7 s is
 * 6.2 GB/s per node; ServerlessLLM quotes 26 s for 130 GB at 5 GB/s and
 * 84 s for LLaMA-2-70B with stock loaders [S] G6.  The trace does not give
 * model sizes, so the comparison is of orders of magnitude only.
 */
#include "modelload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "sim/path.h"

struct ml_job;

struct ml_node {
	struct ml_job *j;
	uint32_t idx;
	uint64_t round;      /* the load in progress, 0-based */
	uint64_t begin_ns;
	uint64_t next_shard;
	uint64_t out;        /* shard reads in flight */
	int loading;         /* begun and not complete: its GPUs are waiting */
};

struct ml_job {
	struct wl_env env;
	char *name;
	uint64_t model_bytes, shards, parallel, loads, interval_ns;
	struct ml_node *node;
	uint64_t *round_end_ns;  /* per round: the last node's end so far */
	size_t *round_nodes;     /* per round: nodes done */
	size_t nodes_done;
	int started, finished, stopped;
	uint64_t end_ns;
	uint64_t loads_done, bytes, io_errors, stall_ns, first_herd_ns, first_bytes;
	struct hist *load_time, *herd_time;
	int failed;
	struct err ferr;
};

static void ml_fail(struct ml_job *j, const struct err *e)
{
	if (!j->failed) {
		j->failed = 1;
		j->ferr = *e;
		err_prefix(&j->ferr, "job %s: ", j->name);
	}
}

static uint64_t ml_shard_bytes(const struct ml_job *j, uint64_t s)
{
	return j->model_bytes / j->shards + (s < j->model_bytes % j->shards);
}

static uint64_t ml_round_start(const struct ml_job *j, uint64_t k)
{
	return j->env.start_ns + k * j->interval_ns;
}

static void ml_begin(void *arg);

/* Node n's current load is complete. */
static void ml_loaded(struct ml_node *n)
{
	struct ml_job *j = n->j;
	uint64_t now = exec_now(j->env.x), t = now - n->begin_ns;
	n->loading = 0;
	hist_record(j->load_time, t);
	j->stall_ns += t;
	j->loads_done++;
	uint64_t k = n->round;
	if (now > j->round_end_ns[k])
		j->round_end_ns[k] = now;
	if (++j->round_nodes[k] == j->env.nodes) {
		uint64_t h = j->round_end_ns[k] - ml_round_start(j, k);
		hist_record(j->herd_time, h);
		if (k == 0)
			j->first_herd_ns = h;
	}
	if (++n->round < j->loads) {
		uint64_t due = ml_round_start(j, n->round);
		exec_at(j->env.x, due > now ? due : now, ml_begin, n);
		return;
	}
	if (++j->nodes_done == j->env.nodes) {
		j->finished = 1;
		j->end_ns = now;
		j->env.on_finish(j->env.ctx);
	}
}

static void ml_read_done(void *ctx, int status, uint64_t bytes);

/* Issues shard reads up to the parallelism; completes the load when
 * nothing is left (only possible here if the path refused every read). */
static void ml_issue(struct ml_node *n)
{
	struct ml_job *j = n->j;
	uint64_t par = j->parallel ? j->parallel : j->shards;
	while (!j->stopped && n->out < par && n->next_shard < j->shards) {
		uint64_t s = n->next_shard++, b = ml_shard_bytes(j, s);
		struct err e;
		if (path_read(j->env.paths[n->idx], wl_object_id(j->env.job_index, s), b, 0, b, ml_read_done, n, &e) <
		    0) {
			ml_fail(j, &e);
			continue;
		}
		n->out++;
	}
}

static void ml_read_done(void *ctx, int status, uint64_t bytes)
{
	struct ml_node *n = ctx;
	struct ml_job *j = n->j;
	n->out--;
	if (status != BK_OK)
		j->io_errors++;
	j->bytes += bytes;
	if (n->round == 0)
		j->first_bytes += bytes;
	ml_issue(n);
	if (n->out == 0 && n->next_shard == j->shards)
		ml_loaded(n);
}

static void ml_begin(void *arg)
{
	struct ml_node *n = arg;
	if (n->j->stopped)
		return;
	n->begin_ns = exec_now(n->j->env.x);
	n->loading = 1;
	n->next_shard = 0;
	n->out = 0;
	ml_issue(n);
	if (n->out == 0)
		ml_loaded(n);
}

static int ml_start(struct wl *w, struct err *e)
{
	struct ml_job *j = w->st;
	if (j->started)
		return err_set(e, ERR_FAIL, "job %s: started twice", j->name);
	j->started = 1;
	for (size_t i = 0; i < j->env.nodes; i++)
		exec_at(j->env.x, j->env.start_ns, ml_begin, &j->node[i]);
	return 0;
}

static int ml_done(const struct wl *w)
{
	return ((const struct ml_job *)w->st)->finished;
}

static int ml_failed(const struct wl *w, struct err *e)
{
	const struct ml_job *j = w->st;
	if (!j->failed)
		return 0;
	if (e)
		*e = j->ferr;
	return -1;
}

static int ml_set(struct met_registry *m, const char *job, const char *what, double v, const char *unit)
{
	char name[256];
	snprintf(name, sizeof name, "job.%s.%s", job, what);
	return met_set(m, name, v, unit);
}

static int ml_hist(struct met_registry *m, const char *job, const char *what, const struct hist *src)
{
	char name[256];
	snprintf(name, sizeof name, "job.%s.%s", job, what);
	struct hist *h = met_hist(m, name, "ns");
	if (!h)
		return -1;
	hist_reset(h);
	hist_merge(h, src);
	return 0;
}

static int ml_export(struct wl *w, struct met_registry *m, uint64_t now_ns)
{
	struct ml_job *j = w->st;
	uint64_t end = j->finished ? j->end_ns : now_ns;
	double wall = end > j->env.start_ns ? (double)(end - j->env.start_ns) : 0;
	const char *n = j->name;
	/* A run that ends mid-load: its GPUs have waited until now. */
	uint64_t stall = j->stall_ns;
	for (size_t i = 0; i < j->env.nodes; i++)
		if (j->node[i].loading && now_ns > j->node[i].begin_ns)
			stall += now_ns - j->node[i].begin_ns;
	int rc = 0;
	rc |= ml_set(m, n, "loads", (double)j->loads_done, "loads");
	rc |= ml_set(m, n, "load_total_s", (double)j->first_herd_ns / 1e9, "s");
	rc |= ml_set(m, n, "bytes", (double)j->bytes, "B");
	rc |= ml_set(m, n, "herd_bw", j->first_herd_ns ? (double)j->first_bytes / ((double)j->first_herd_ns / 1e9) : 0,
		     "B/s");
	rc |= ml_set(m, n, "wall_s", wall / 1e9, "s");
	rc |= ml_set(m, n, "stall_s", (double)stall / (double)j->env.nodes / 1e9, "s");
	rc |= ml_set(m, n, "io_errors", (double)j->io_errors, "ops");
	rc |= ml_hist(m, n, "load_time", j->load_time);
	rc |= ml_hist(m, n, "herd_time", j->herd_time);
	return rc ? -1 : 0;
}

static void ml_free(struct wl *w)
{
	struct ml_job *j = w->st;
	if (!j)
		return;
	free(j->node);
	free(j->round_end_ns);
	free(j->round_nodes);
	hist_free(j->load_time);
	hist_free(j->herd_time);
	free(j->name);
	free(j);
	w->st = NULL;
}

/* A load in progress reads no more shards (ml_issue), and no later load
 * begins (ml_begin); a node whose shards were all issued still loads. */
static void ml_stop(struct wl *w)
{
	((struct ml_job *)w->st)->stopped = 1;
}

static const struct wl_ops ml_ops = {
	.stop = ml_stop,
	.start = ml_start,
	.done = ml_done,
	.failed = ml_failed,
	.export = ml_export,
	.add_series = NULL,
	.free = ml_free,
};

static int ml_configure(struct ml_job *j, struct cfg_doc *d, struct cfg_section *s, struct err *e)
{
	j->model_bytes = 140000000000ull;
	j->shards = 30;
	j->parallel = 0;
	j->loads = 1;
	j->interval_ns = 0;
	if (cfg_bytes(d, s, "model_bytes", &j->model_bytes, e) < 0 || cfg_u64(d, s, "shards", &j->shards, e) < 0 ||
	    cfg_u64(d, s, "parallel", &j->parallel, e) < 0 || cfg_u64(d, s, "loads", &j->loads, e) < 0 ||
	    cfg_time_ns(d, s, "interval", &j->interval_ns, e) < 0)
		return -1;
	if (j->model_bytes == 0)
		return cfg_error(d, s, cfg_key(s, "model_bytes"), e, "must be more than 0");
	if (j->shards == 0 || j->shards > j->model_bytes || j->shards > UINT32_MAX)
		return cfg_error(d, s, cfg_key(s, "shards"), e, "must be 1 to min(model_bytes, 2^32 - 1)");
	if (j->loads == 0 || j->loads > 1000000)
		return cfg_error(d, s, cfg_key(s, "loads"), e, "must be 1 to 1000000");
	if (j->loads > 1 && j->interval_ns == 0)
		return err_set(e, ERR_INPUT, "%s:%d: [job %s]: loads = %llu needs an interval between them", d->path,
			       s->line, s->name, (unsigned long long)j->loads);
	if (j->loads > 1 && (UINT64_MAX - j->env.start_ns) / (j->loads - 1) < j->interval_ns)
		return cfg_error(d, s, cfg_key(s, "interval"), e, "the loads would run past 2^64 ns");
	return wl_check_object(&j->env, d, s, "model_bytes", "a shard", ml_shard_bytes(j, 0), e);
}

int wl_modelload_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
		     struct err *e)
{
	out->ops = &ml_ops;
	out->st = NULL;
	if (!env->nodes)
		return err_set(e, ERR_INPUT, "%s:%d: [job %s]: no nodes to run on", d->path, s->line, s->name);
	struct ml_job *j = calloc(1, sizeof *j);
	if (!j)
		return err_set(e, ERR_FAIL, "out of memory");
	out->st = j;
	j->env = *env;
	if (ml_configure(j, d, s, e) < 0) {
		ml_free(out);
		return -1;
	}
	j->name = strdup(env->name ? env->name : s->name);
	j->node = calloc(env->nodes, sizeof *j->node);
	j->round_end_ns = calloc(j->loads, sizeof *j->round_end_ns);
	j->round_nodes = calloc(j->loads, sizeof *j->round_nodes);
	j->load_time = hist_new();
	j->herd_time = hist_new();
	if (!j->name || !j->node || !j->round_end_ns || !j->round_nodes || !j->load_time || !j->herd_time) {
		ml_free(out);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	for (size_t i = 0; i < env->nodes; i++)
		j->node[i] = (struct ml_node){ .j = j, .idx = (uint32_t)i };
	return 0;
}
