/* Tests for the training and checkpoint jobs (traces/training.c) and the
 * DLIO workload reader (traces/dlio.c).
 *
 * The jobs run on the real DES engine over real data paths (sim/path.h),
 * whose storage is either the fixed-latency backend (models/fixed.h: no
 * shared bandwidth, so latency 0 and bps 0 is infinitely fast storage) or
 * a bandwidth pipe written here on res_pipe (sim/resource.h): every
 * operation of every node is serialised at `bps` in FIFO order and then
 * pays `latency`, so its bandwidth is a real, shared bottleneck.
 *
 * The shared workload files are read from $TIERSIM_WORKLOADS, by default
 * ../shared/workloads (run from the repository root, as `make test` does).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/fixed.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/path.h"
#include "sim/resource.h"
#include "traces/dlio.h"
#include "traces/training.h"
#include "traces/workload.h"

#define MiB (1024ull * 1024)

/* ---- a shared bandwidth pipe as a backend ---- */

struct pipe_bk {
	const struct exec *x;
	struct res_pipe *p;
	uint64_t ops[BK_NOPS];
};

static void pipe_done(void *arg)
{
	struct bk_req *r = arg;
	r->status = BK_OK;
	r->done(r);
}

static int pipe_submit(void *self, struct bk_req *r)
{
	struct pipe_bk *b = self;
	r->submit_ns = exec_now(b->x);
	b->ops[r->op]++;
	return res_pipe_submit(b->p, r->op == BK_READ || r->op == BK_WRITE ? r->length : 0, pipe_done, r);
}

static int pipe_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)self, (void)prefix, (void)m, (void)now_ns;
	return 0;
}

static void pipe_reset(void *self)
{
	(void)self;
}

static void pipe_destroy(void *self)
{
	struct pipe_bk *b = self;
	res_pipe_free(b->p);
	free(b);
}

static const struct bk_ops pipe_ops = {
	.name = "pipe", .submit = pipe_submit, .export = pipe_export, .reset_stats = pipe_reset, .destroy = pipe_destroy,
};

static struct backend pipe_new(const struct exec *x, double bps, uint64_t latency_ns)
{
	struct pipe_bk *b = calloc(1, sizeof *b);
	assert_non_null(b);
	b->x = x;
	b->p = res_pipe_new(x, bps, latency_ns, 0);
	assert_non_null(b->p);
	return (struct backend){ &pipe_ops, b };
}

/* ---- a small cluster: nodes with one-tier paths (or hot over store) ---- */

#define MAX_NODES 4

struct world {
	struct ev_engine *eng;
	struct exec x;
	struct backend store, hot[MAX_NODES];
	int has_hot;
	struct path *paths[MAX_NODES];
	size_t nodes;
	struct cfg_doc *doc;
	struct wl job;
	int finished;
};

enum storage { FAST, PIPE, FIXED };

static void world_init(struct world *w, size_t nodes, enum storage kind, double bps, uint64_t latency_ns)
{
	memset(w, 0, sizeof *w);
	assert_true(nodes <= MAX_NODES);
	w->eng = ev_engine_new(NULL);
	assert_non_null(w->eng);
	w->x = ev_executor(w->eng);
	struct err e = { 0 };
	if (kind == PIPE)
		w->store = pipe_new(&w->x, bps, latency_ns);
	else
		assert_int_equal(fixed_new(&w->store, &w->x,
					   &(struct fixed_params){ kind == FAST ? 0 : latency_ns, kind == FAST ? 0 : bps },
					   &e),
				 0);
	w->nodes = nodes;
	for (size_t i = 0; i < nodes; i++) {
		struct path_tier_cfg tc = { .name = "store", .data = w->store };
		struct path_cfg pc = { .chunk_bytes = MiB, .client = (uint32_t)i, .n_tiers = 1, .tiers = &tc };
		w->paths[i] = path_new(&w->x, &pc, &e);
		assert_non_null(w->paths[i]);
	}
}

/* Node paths of two tiers: a bounded hot tier (fixed, `hot_bps`) with the
 * given write policy, over the shared store (a pipe). */
static void world_init_tiered(struct world *w, size_t nodes, enum path_write_policy wp, double hot_bps,
			      double store_bps, uint64_t store_latency_ns)
{
	memset(w, 0, sizeof *w);
	w->eng = ev_engine_new(NULL);
	assert_non_null(w->eng);
	w->x = ev_executor(w->eng);
	struct err e = { 0 };
	w->store = pipe_new(&w->x, store_bps, store_latency_ns);
	w->nodes = nodes;
	w->has_hot = 1;
	for (size_t i = 0; i < nodes; i++) {
		assert_int_equal(fixed_new(&w->hot[i], &w->x, &(struct fixed_params){ 0, hot_bps }, &e), 0);
		struct path_tier_cfg tc[2] = {
			{ .name = "hot", .capacity_bytes = 1ull << 40, .policy = &pol_lru_ops, .write_policy = wp,
			  .dirty_budget_bytes = 1ull << 40, .drain_depth = 4, .data = w->hot[i] },
			{ .name = "store", .data = w->store },
		};
		struct path_cfg pc = { .chunk_bytes = MiB, .client = (uint32_t)i, .n_tiers = 2, .tiers = tc };
		w->paths[i] = path_new(&w->x, &pc, &e);
		assert_non_null(w->paths[i]);
	}
}

static void on_finish(void *ctx)
{
	struct world *w = ctx;
	w->finished++;
}

static const char *workloads_dir(void)
{
	const char *d = getenv("TIERSIM_WORKLOADS");
	return d ? d : "../shared/workloads";
}

/* Builds job "t" from scenario text; 0, or -1 with e. */
static int world_job(struct world *w, const char *ini, const char *dir, uint64_t seed, struct err *e)
{
	if (cfg_load_string(&w->doc, "test.ini", ini, e) < 0)
		return -1;
	struct cfg_section *s = cfg_find(w->doc, "job", "t");
	assert_non_null(s);
	const char *type = NULL;
	assert_int_equal(cfg_string(w->doc, s, "type", &type, e), 1);
	const struct wl_type *wt = wl_type_by_name(type);
	assert_non_null(wt);
	struct wl_env env = { .x = &w->x, .paths = w->paths, .nodes = w->nodes, .job_index = 0, .name = s->name,
			      .seed = seed, .start_ns = 0, .scenario_dir = dir, .on_finish = on_finish, .ctx = w };
	if (wt->create(&w->job, w->doc, s, &env, e) < 0)
		return -1;
	return cfg_check_unused(w->doc, e);
}

static void world_run(struct world *w)
{
	struct err e = { 0 };
	assert_int_equal(w->job.ops->start(&w->job, &e), 0);
	int rc = ev_run(w->eng, UINT64_MAX, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(w->finished, 1);
	assert_true(w->job.ops->done(&w->job));
	if (w->job.ops->failed(&w->job, &e))
		fail_msg("%s", e.msg);
}

static void world_free(struct world *w)
{
	if (w->job.ops)
		w->job.ops->free(&w->job);
	for (size_t i = 0; i < w->nodes; i++) {
		path_free(w->paths[i]);
		if (w->has_hot)
			w->hot[i].ops->destroy(w->hot[i].self);
	}
	w->store.ops->destroy(w->store.self);
	cfg_free(w->doc);
	ev_engine_free(w->eng);
}

static void stats_of(struct world *w, struct wl_training_stats *s)
{
	wl_training_stats(&w->job, ev_now(w->eng), s);
}

/* ---- (a) infinitely fast storage ---- */

static void test_infinitely_fast_storage_gives_au_of_exactly_one(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 2, FAST, 0, 0);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 4\nfiles = 64\nsamples_per_file = 4\n"
		      "sample_bytes = 1MiB\nbatch_size = 2\nread_threads = 2\nprefetch = 2\n"
		      "computation_time = 10ms\nepochs = 2\nshuffle = yes\n",
		      ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	struct wl_training_stats s;
	stats_of(&w, &s);
	/* 256 samples / (8 GPUs × 2) = 16 steps per epoch, 2 epochs. */
	assert_int_equal(s.gpus, 8);
	assert_int_equal(s.steps, 32);
	assert_int_equal(s.samples, 512);
	assert_int_equal(s.bytes_read, 512 * MiB);
	assert_int_equal(s.wall_ns, 32 * 10000000ull);
	assert_true(s.au == 1.0);
	assert_true(s.stall_data_ns == 0 && s.stall_barrier_ns == 0);
	world_free(&w);
}

/* ---- (b) bandwidth-bound AU ---- */

/* 4 GPUs, batches of 4 × 1 MiB, 10 ms of compute: D = 16 MiB / 10 ms. */
static double au_at_bandwidth(double ratio, struct wl_training_stats *s)
{
	const double demand = 16.0 * MiB / 0.010;
	struct world w;
	world_init(&w, 1, PIPE, ratio * demand, 0);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 4\nfiles = 2048\nsample_bytes = 1MiB\n"
		      "batch_size = 4\nread_threads = 4\nprefetch = 2\ncomputation_time = 10ms\nepochs = 1\n",
		      ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	stats_of(&w, s);
	world_free(&w);
	return s->au;
}

static void test_au_is_bandwidth_over_demand_when_storage_is_the_bottleneck(void **state)
{
	(void)state;
	const double ratios[] = { 0.25, 0.5, 0.8 };
	for (size_t i = 0; i < 3; i++) {
		struct wl_training_stats s;
		double au = au_at_bandwidth(ratios[i], &s);
		print_message("B/D = %.2f: AU = %.4f (error %.2f%%), %llu steps, stall %.3f s of %.3f s\n", ratios[i], au,
			      100 * (au - ratios[i]) / ratios[i], (unsigned long long)s.steps,
			      (s.stall_data_ns + s.stall_barrier_ns) / 1e9, s.wall_ns / 1e9);
		assert_int_equal(s.steps, 128);
		assert_true(au > ratios[i] * 0.98 && au < ratios[i] * 1.02);
	}
}

static void test_ample_bandwidth_keeps_au_near_one(void **state)
{
	(void)state;
	struct wl_training_stats s;
	double au = au_at_bandwidth(2.0, &s);
	/* Only the first batch's transfer (16 MiB at 2D: 5 ms) is exposed. */
	assert_true(au > 0.99 && au < 1.0);
}

/* ---- prefetch ---- */

static void test_prefetch_hides_latency_shorter_than_compute(void **state)
{
	(void)state;
	/* Fixed 4 ms per read, 10 ms of compute: only each epoch's first batch
	 * waits, so wall = epochs × 4 ms + steps × 10 ms exactly. */
	struct world w;
	world_init(&w, 1, FIXED, 0, 4000000);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 2\nfiles = 40\nsample_bytes = 64KiB\n"
		      "batch_size = 2\nread_threads = 2\nprefetch = 2\ncomputation_time = 10ms\nepochs = 3\n",
		      ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	struct wl_training_stats s;
	stats_of(&w, &s);
	assert_int_equal(s.steps, 30);
	assert_int_equal(s.wall_ns, 3 * 4000000ull + 30 * 10000000ull);
	assert_true(s.stall_data_ns == 3 * 4000000.0);
	world_free(&w);
}

/* ---- (c) checkpoints ---- */

static void test_checkpoint_stall_is_shard_over_bandwidth_plus_latency(void **state)
{
	(void)state;
	/* One GPU writes 64 MiB through a 1 GB/s pipe with 1 ms latency:
	 * stall = 67108864 B / 1e9 B/s + 1 ms = 135.108864 ms (the pipe's
	 * completion is rounded up to a whole ns). */
	struct world w;
	world_init(&w, 1, PIPE, 1e9, 1000000);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = checkpoint\ngpus_per_node = 1\ncheckpoint_bytes = 64MiB\ncheckpoints = 3\n"
		      "computation_time = 100ms\nrestores = 0\n",
		      ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	struct wl_training_stats s;
	stats_of(&w, &s);
	const uint64_t stall = 67108864ull + 1000000ull; /* ns */
	assert_int_equal(s.checkpoints, 3);
	assert_int_equal(s.checkpoint_bytes, 3 * 64 * MiB);
	assert_true(s.wall_ns >= 3 * (100000000ull + stall) && s.wall_ns <= 3 * (100000000ull + stall) + 3);
	assert_true(s.checkpoint_ns >= 3.0 * stall && s.checkpoint_ns <= 3.0 * stall + 3);
	struct met_registry *m = met_new();
	assert_int_equal(w.job.ops->export(&w.job, m, ev_now(w.eng)), 0);
	const struct met_named_hist *h = NULL;
	for (size_t i = 0; i < met_nhists(m); i++)
		if (strcmp(met_hist_at(m, i)->name, "job.t.checkpoint_stall") == 0)
			h = met_hist_at(m, i);
	assert_non_null(h);
	assert_int_equal(hist_count(h->h), 3);
	assert_true(hist_min(h->h) >= stall && hist_max(h->h) <= stall + 1);
	const struct met_scalar *share = met_find(m, "job.t.checkpoint_share");
	assert_non_null(share);
	double expect = (double)stall / (double)(100000000ull + stall);
	assert_true(share->value > expect - 1e-6 && share->value < expect + 1e-6);
	met_free(m);
	world_free(&w);
}

static void test_training_checkpoints_every_k_steps_and_the_parts_add_up(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 2, PIPE, 4e9, 50000);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 2\nfiles = 160\nsample_bytes = 256KiB\n"
		      "batch_size = 4\ncomputation_time = 5ms\nepochs = 2\ncheckpoint_every = 7\n"
		      "checkpoint_bytes = 8MiB\nrestores = 1\n",
		      ".", 3, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	struct wl_training_stats s;
	stats_of(&w, &s);
	/* 160 / (4 GPUs × 4) = 10 steps per epoch, 20 in all: checkpoints at 7 and 14. */
	assert_int_equal(s.steps, 20);
	assert_int_equal(s.checkpoints, 2);
	assert_int_equal(s.checkpoint_bytes, 2 * 4 * 8 * MiB);
	assert_int_equal(s.restores, 1);
	double parts = s.compute_ns + s.stall_data_ns + s.stall_barrier_ns + s.checkpoint_ns;
	assert_true(parts > (double)s.wall_ns - 1 && parts < (double)s.wall_ns + 1);
	assert_true(s.au < 1.0);
	world_free(&w);
}

static void test_write_back_checkpoint_acks_before_write_through(void **state)
{
	(void)state;
	uint64_t stall[2];
	const enum path_write_policy wp[2] = { PATH_WRITE_BACK, PATH_WRITE_THROUGH };
	for (int i = 0; i < 2; i++) {
		struct world w;
		world_init_tiered(&w, 1, wp[i], 10e9, 1e9, 0);
		struct err e = { 0 };
		if (world_job(&w,
			      "[job t]\ntype = checkpoint\ngpus_per_node = 1\ncheckpoint_bytes = 64MiB\n"
			      "checkpoints = 1\ncomputation_time = 1s\nrestores = 0\n",
			      ".", 1, &e) < 0)
			fail_msg("%s", e.msg);
		world_run(&w);
		struct wl_training_stats s;
		stats_of(&w, &s);
		stall[i] = (uint64_t)s.checkpoint_ns;
		world_free(&w);
	}
	print_message("checkpoint stall: write-back %.3f ms, write-through %.3f ms\n", stall[0] / 1e6, stall[1] / 1e6);
	/* Write-back: acknowledged when the hot tier has each 1 MiB chunk (the
	 * fixed model writes chunks in parallel: 1 MiB / 10 GB/s = 0.105 ms);
	 * write-through: when the store has them all, 64 MiB / 1 GB/s. */
	assert_true(stall[0] >= 104857 && stall[0] <= 104859);
	assert_true(stall[1] >= 67108864 && stall[1] <= 67108866);
}

static void test_transformer_checkpoint_bytes_follow_the_zero_formula(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s/dlio/mlperf_storage/llama3_8b.yaml", workloads_dir());
	struct dlio_workload *w;
	struct err e = { 0 };
	if (dlio_load(&w, path, &e) < 0)
		fail_msg("%s", e.msg);
	/* Llama 3 8B: 32 layers, h 4096, 32 heads, 8 KV heads, f 14336, V 128256. */
	double h = 4096, kv = 8 * 4096 / 32.0;
	double p = 32 * (2 * h * h + 2 * h * kv + 3 * h * 14336 + 2 * h) + 2 * 128256 * h + h;
	assert_true(dlio_transformer_params(w) == p);
	assert_true(p > 8.02e9 && p < 8.04e9);
	assert_true(dlio_checkpoint_bytes_total(w) == p * 14);
	dlio_free(w);
}

/* The shards of a file without a transformer, worked by hand from DLIO's
 * BaseCheckpointing (int8 tensors: elements are bytes). */
static void test_dlio_shards_follow_dlio_s_checkpointing(void **state)
{
	(void)state;
	char path[512];
	struct dlio_workload *w;
	struct err e = { 0 };
	/* UNet3D: model_size 499153191, no parallelism, ZeRO 0: rank 0 alone. */
	snprintf(path, sizeof path, "%s/dlio/unet3d_h100.yaml", workloads_dir());
	if (dlio_load(&w, path, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(dlio_rank_checkpoint_bytes(w, 0), 499153191);
	for (uint64_t r = 1; r < 8; r++)
		assert_int_equal(dlio_rank_checkpoint_bytes(w, r), 0);
	dlio_free(w);
	/* Megatron-DeepSpeed (LLNL): tp 4, pp 8, ZeRO 1, 40 layers (5 per
	 * stage), groups 1009254400 + 865075200 + 793600 = 1875123200, layers
	 * [52583936, 209715200] / 4 = 13145984 + 52428800 = 65574784:
	 * 30102 + 3 x 1875123200 + 5 x 65574784 = 5953273622 on every rank of
	 * replica 0 (ranks 0-31); replica 1 saves no layers: 5625399702. */
	snprintf(path, sizeof path, "%s/dlio/megatron_deepspeed_LLNL.yaml", workloads_dir());
	if (dlio_load(&w, path, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(w->n_optimization_groups, 3);
	assert_int_equal(w->n_layer_parameters, 2);
	for (uint64_t r = 0; r < 32; r++)
		assert_int_equal(dlio_rank_checkpoint_bytes(w, r), 5953273622ull);
	assert_int_equal(dlio_rank_checkpoint_bytes(w, 32), 5625399702ull);
	dlio_free(w);
	/* 10 layers over 4 stages: 3, 3, 2, 2 (tp 1); ZeRO 3: every rank its layers. */
	const char *y = "model:\n  model_size: 0\n  num_layers: 10\n  layer_parameters: [7]\n"
			"  parallelism: {pipeline: 4, zero_stage: 3}\n";
	assert_int_equal(dlio_load_string(&w, "l.yaml", y, strlen(y), &e), 0);
	static const uint64_t want[8] = { 21, 21, 14, 14, 21, 21, 14, 14 };
	for (uint64_t r = 0; r < 8; r++)
		assert_int_equal(dlio_rank_checkpoint_bytes(w, r), want[r]);
	dlio_free(w);
	const char *bad = "model:\n  optimization_groups: [1, -2]\n";
	assert_int_equal(dlio_load_string(&w, "b.yaml", bad, strlen(bad), &e), -1);
	assert_non_null(strstr(e.msg, "b.yaml:2: model.optimization_groups"));
}

/* A UNet3D job of 8 GPUs writes one model_size checkpoint per checkpoint,
 * rank 0's (it wrote 8, one per rank, until 2026-11-26), and all 8 GPUs
 * wait for it. */
/* checkpoint_every past the job's steps writes no checkpoint: a warning
 * says so (the README's own example ran 5 steps with checkpoint_every =
 * 20 and said nothing), and is not counted as the YAML's. */
static void test_checkpoints_past_the_last_step_are_a_warning(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, FAST, 0, 0);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 2\nfiles = 20\nsample_bytes = 1KiB\nbatch_size = 2\n"
		      "computation_time = 1ms\nepochs = 1\ncheckpoint_every = 20\ncheckpoint_bytes = 1MiB\n",
		      ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	size_t n = 0;
	const char *const *v = wl_training_warnings(&w.job, &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "checkpoint_every = 20 is past the job's 5 steps: it writes no checkpoint");
	world_run(&w);
	struct wl_training_stats st;
	stats_of(&w, &st);
	assert_int_equal(st.steps, 5);
	assert_int_equal(st.checkpoints, 0);
	world_free(&w);
}

static void test_unet3d_checkpoint_is_written_by_rank_0_alone(void **state)
{
	(void)state;
	char ini[1024];
	snprintf(ini, sizeof ini,
		 "[job t]\ntype = training\nworkload = %s/dlio/unet3d_h100.yaml\ngpus_per_node = 8\n"
		 "files = 112\nsample_bytes = 1MiB\nsample_bytes_stdev = 0\nepochs = 1\ncheckpoint_every = 1\n",
		 workloads_dir());
	struct world w;
	world_init(&w, 1, PIPE, 1e9, 0);
	struct err e = { 0 };
	if (world_job(&w, ini, ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	struct wl_training_stats s;
	stats_of(&w, &s);
	assert_int_equal(s.checkpoints, s.steps);
	assert_int_equal(s.checkpoint_bytes, s.checkpoints * 499153191ull);
	/* Each checkpoint holds every GPU for 499153191 B at 1 GB/s. */
	assert_true(s.checkpoint_ns >= s.checkpoints * 0.499e9);
	world_free(&w);
}

/* ---- (d) the YAML reader ---- */

static int is_yaml(const char *n)
{
	size_t l = strlen(n);
	return l > 5 && strcmp(n + l - 5, ".yaml") == 0;
}

/* Every workload file of both folders parses without warnings, and a job
 * of each runs a few steps (checkpoint-only ones a couple of small
 * checkpoints) over infinitely fast storage. */
static void test_every_shared_workload_file_parses_and_runs(void **state)
{
	(void)state;
	const char *sub[] = { "dlio", "dlio/mlperf_storage" };
	size_t files = 0;
	for (size_t k = 0; k < 2; k++) {
		char dir[512];
		snprintf(dir, sizeof dir, "%s/%s", workloads_dir(), sub[k]);
		DIR *dp = opendir(dir);
		if (!dp)
			fail_msg("cannot open %s (set TIERSIM_WORKLOADS)", dir);
		struct dirent *de;
		char **names = NULL;
		size_t n = 0;
		while ((de = readdir(dp))) {
			if (!is_yaml(de->d_name))
				continue;
			names = realloc(names, (n + 1) * sizeof *names);
			names[n++] = strdup(de->d_name);
		}
		closedir(dp);
		for (size_t i = 0; i < n; i++) {
			char path[1024];
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			struct dlio_workload *w;
			struct err e = { 0 };
			if (dlio_load(&w, path, &e) < 0)
				fail_msg("%s", e.msg);
			/* No unknown key: a warning only says what is not simulated. */
			for (size_t wi = 0; wi < w->nwarnings; wi++)
				if (!strstr(w->warnings[wi], "is not simulated"))
					fail_msg("%s", w->warnings[wi]);
			int train = w->do_train, ckpt = w->do_checkpoint, computes = w->computation_time_s > 0;
			dlio_free(w);

			struct world wd;
			world_init(&wd, 1, FAST, 0, 0);
			char ini[1024];
			snprintf(ini, sizeof ini,
				 "[job t]\ntype = training\nworkload = %s\n%s", names[i],
				 train ? "steps = 2\ncheckpoint = no\n"
				       : "checkpoint_bytes = 1MiB\ncheckpoints = 2\nrestores = 1\n");
			int rc = world_job(&wd, ini, dir, 1, &e);
			if (!train && !ckpt) {
				/* data generation only: nothing to run */
				assert_int_equal(rc, -1);
				assert_non_null(strstr(e.msg, "nothing to run"));
			} else {
				if (rc < 0)
					fail_msg("%s: %s", names[i], e.msg);
				world_run(&wd);
				struct wl_training_stats s;
				stats_of(&wd, &s);
				if (train) {
					/* llama_1t.yaml trains on DLIO's default dataset: one step */
					assert_true(s.steps >= 1 && s.steps <= 2);
					assert_true(s.au == (computes ? 1.0 : 0.0));
				} else {
					assert_int_equal(s.checkpoints, 2);
					assert_int_equal(s.restores, 1);
				}
			}
			world_free(&wd);
			free(names[i]);
			files++;
		}
		free(names);
	}
	assert_true(files >= 30);
}

static void expect_yaml_error(const char *text, const char *want)
{
	struct dlio_workload *w = NULL;
	struct err e = { 0 };
	assert_int_equal(dlio_load_string(&w, "bad.yaml", text, strlen(text), &e), -1);
	assert_null(w);
	assert_int_equal(e.code, ERR_INPUT);
	if (!strstr(e.msg, want))
		fail_msg("error \"%s\" does not contain \"%s\"", e.msg, want);
}

static void test_yaml_wrong_type_names_file_line_and_key(void **state)
{
	(void)state;
	expect_yaml_error("model:\n  name: x\nreader:\n  read_threads: 4\n  batch_size: \"abc\"\n",
			  "bad.yaml:5: reader.batch_size: \"abc\" is not a whole number");
	expect_yaml_error("reader:\n  batch_size: abc\n", "bad.yaml:2: reader.batch_size:");
	expect_yaml_error("reader:\n  batch_size: \"7\"\n", "bad.yaml:2: reader.batch_size: \"7\" is not a whole number");
	expect_yaml_error("reader:\n  batch_size: 2.5\n", "bad.yaml:2: reader.batch_size");
	expect_yaml_error("reader:\n  batch_size: [1, 2]\n", "bad.yaml:2: reader.batch_size: a list");
	expect_yaml_error("train:\n  computation_time: fast\n", "bad.yaml:2: train.computation_time");
	expect_yaml_error("workflow:\n  train: maybe\n", "bad.yaml:2: workflow.train: \"maybe\" is not a boolean");
	expect_yaml_error("dataset: 3\n", "bad.yaml:1: dataset: \"3\" is not a mapping");
	expect_yaml_error("model:\n  parallelism:\n    tensor: x\n", "bad.yaml:3: model.parallelism.tensor");
	expect_yaml_error("metric:\n  au: .nan\n", "bad.yaml:2: metric.au");
	/* The value is quoted: escaped and cut, whatever its bytes. */
	expect_yaml_error("reader:\n  batch_size: \"a\\nb\\x1b[2J\"\n",
			  "bad.yaml:2: reader.batch_size: \"a\\x0ab\\x1b[2J\" is not a whole number");
	expect_yaml_error("reader:\n  batch_size: x123456789x123456789x123456789x123456789x123456789x123456789"
			  "x123456789\n",
			  "batch_size: \"x123456789x123456789x123456789x123456789x123456789x123456789...\" is not");
}

static void test_yaml_negative_value_is_an_error(void **state)
{
	(void)state;
	expect_yaml_error("dataset:\n  num_files_train: -3\n", "bad.yaml:2: dataset.num_files_train: \"-3\" is negative");
	expect_yaml_error("\ndataset:\n  record_length_bytes: -1.5\n", "bad.yaml:3: dataset.record_length_bytes");
	/* DLIO's -1 for "off" stays allowed where DLIO uses it */
	struct dlio_workload *w;
	struct err e = { 0 };
	const char *ok = "checkpoint:\n  steps_between_checkpoints: -1\ntrain:\n  total_training_steps: -1\n";
	assert_int_equal(dlio_load_string(&w, "ok.yaml", ok, strlen(ok), &e), 0);
	assert_true(w->steps_between_checkpoints == -1 && w->total_training_steps == -1);
	dlio_free(w);
}

static void test_yaml_syntax_error_names_the_line(void **state)
{
	(void)state;
	expect_yaml_error("model:\n  name: x\n reader: [\n", "bad.yaml:");
	expect_yaml_error("", "bad.yaml:1: empty");
	expect_yaml_error("- a\n- b\n", "not a mapping");
}

static void test_yaml_unknown_keys_are_warnings_with_lines(void **state)
{
	(void)state;
	const char *text = "reader:\n  batch_size: 7\n  batch_sise: 8\nfoo:\n  bar: 1\n";
	struct dlio_workload *w;
	struct err e = { 0 };
	assert_int_equal(dlio_load_string(&w, "u.yaml", text, strlen(text), &e), 0);
	assert_int_equal(w->batch_size, 7);
	assert_int_equal(w->nwarnings, 2);
	assert_string_equal(w->warnings[0], "u.yaml:3: unknown key 'reader.batch_sise' (ignored)");
	assert_string_equal(w->warnings[1], "u.yaml:4: unknown key 'foo' (ignored)");
	dlio_free(w);
}

/* Aliases that repeat a mapping at every use ("billion laughs"): five
 * kilobytes walked 3.4 million keys, each a warning (4 s, 600 MB; found by
 * fuzzing, tests/fuzz/corpus/dlio/crash-alias-bomb).  Now an error naming
 * the line where the bound is passed; a few aliases stay fine. */
static void test_yaml_aliases_repeating_too_many_keys_are_an_error(void **state)
{
	(void)state;
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "p: &P {");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%su%d: 1", i ? ", " : "", i);
	n += (size_t)snprintf(text + n, sizeof text - n, "}\nm: &M {");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%sparallelism: *P", i ? ", " : "");
	n += (size_t)snprintf(text + n, sizeof text - n, "}\n");
	for (int i = 0; i < 150 && n + 16 < sizeof text; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "model: *M\n");
	expect_yaml_error(text, "bad.yaml:1: model.parallelism: aliases repeat more than 10000 keys");

	const char *ok = "base: &b {batch_size: 4, read_threads: 2}\nreader: *b\ndata_reader: *b\n";
	struct dlio_workload *w;
	struct err e = { 0 };
	assert_int_equal(dlio_load_string(&w, "ok.yaml", ok, strlen(ok), &e), 0);
	assert_int_equal(w->batch_size, 4);
	assert_int_equal(w->read_threads, 2);
	assert_int_equal(w->nwarnings, 1); /* 'base' */
	dlio_free(w);
}

static void test_yaml_defaults_and_values_are_dlio_s(void **state)
{
	(void)state;
	const char *text = "dataset:\n  record_length_bytes: 114660.07\n  num_files_train: 1_024\n"
			   "reader:\n  sample_shuffle: seed\n"
			   "train:\n  computation_time:\n    mean: 0.5\n    stdev: 0.1\n";
	struct dlio_workload *w;
	struct err e = { 0 };
	assert_int_equal(dlio_load_string(&w, "d.yaml", text, strlen(text), &e), 0);
	assert_true(w->record_length_bytes == 114660.07);
	assert_int_equal(w->num_files_train, 1024);
	assert_int_equal(w->sample_shuffle, DLIO_SHUFFLE_SEED);
	assert_int_equal(w->file_shuffle, DLIO_SHUFFLE_OFF);
	assert_true(w->computation_time_s == 0.5 && w->computation_time_stdev_s == 0.1);
	assert_int_equal(w->batch_size, 1);
	assert_int_equal(w->prefetch_size, 2);
	assert_int_equal(w->epochs, 1);
	assert_int_equal(w->do_train, 1);
	assert_int_equal(w->do_checkpoint, 0);
	assert_true(dlio_has(w, "reader.sample_shuffle") && dlio_has(w, "train") && !dlio_has(w, "checkpoint"));
	dlio_free(w);
}

/* A new scratch folder (dir, a mkdtemp template) and path = dir/w.yaml,
 * for a workload file a test writes. */
static void scratch_yaml(char *dir, char *path, size_t n)
{
	assert_non_null(mkdtemp(dir));
	snprintf(path, n, "%s/w.yaml", dir);
}

/* computation_time {type: ...}: DLIO's utils.sleep distributions.  Each
 * type takes its own keys; a missing one is an error, another a warning. */
static void test_yaml_compute_distributions_parse(void **state)
{
	(void)state;
	struct dlio_workload *w;
	struct err e = { 0 };
	const char *u = "train:\n  computation_time:\n    type: uniform\n    min: 0.1\n    max: 0.3\n    mean: 9\n";
	assert_int_equal(dlio_load_string(&w, "u.yaml", u, strlen(u), &e), 0);
	assert_int_equal(w->computation_time_dist, DLIO_UNIFORM);
	assert_true(w->computation_time_a == 0.1 && w->computation_time_b == 0.3);
	assert_true(fabs(w->computation_time_s - 0.2) < 1e-15);
	assert_int_equal(w->nwarnings, 1); /* mean: not a uniform's */
	assert_non_null(strstr(w->warnings[0], "u.yaml:6: unknown key 'train.computation_time.mean'"));
	dlio_free(w);
	const char *g = "train:\n  computation_time: {type: gamma, shape: 2, scale: 0.05}\n";
	assert_int_equal(dlio_load_string(&w, "g.yaml", g, strlen(g), &e), 0);
	assert_int_equal(w->computation_time_dist, DLIO_GAMMA);
	assert_true(fabs(w->computation_time_s - 0.1) < 1e-15);
	dlio_free(w);
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "train:\n  computation_time: {type: uniform, min: 0.1}\n",
		  "x.yaml:2: train.computation_time: a mapping of type uniform has no max" },
		{ "train:\n  computation_time: {type: weibull, a: 1}\n",
		  "x.yaml:2: train.computation_time.type: \"weibull\" is not a distribution" },
		{ "train:\n  computation_time: {type: uniform, min: 0.3, max: 0.1}\n",
		  "x.yaml:2: train.computation_time: a mapping has min above max" },
		{ "train:\n  computation_time: {type: gamma, shape: 0, scale: 1}\n", "needs shape and scale above 0" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(dlio_load_string(&w, "x.yaml", bad[i].text, strlen(bad[i].text), &e), -1);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("%s: want %s", e.msg, bad[i].want);
	}
	/* What DLIO would do and tiersim does not simulate is said, not
	 * dropped in silence; off, it says nothing. */
	const char *un = "workflow:\n  evaluation: True\n  generate_data: False\nreader:\n  preprocess_time: 0.1\n";
	assert_int_equal(dlio_load_string(&w, "n.yaml", un, strlen(un), &e), 0);
	assert_int_equal(w->nwarnings, 2);
	assert_non_null(strstr(w->warnings[0], "n.yaml:2: workflow.evaluation: evaluation is not simulated"));
	assert_non_null(strstr(w->warnings[1], "n.yaml:5: reader.preprocess_time: the readers' time"));
	dlio_free(w);
}

/* A step's compute is a draw of the file's distribution: over 2,000 steps
 * on storage of no time the mean compute is the distribution's mean, within
 * 4.5 standard errors (uniform(0.1, 0.3): sd 0.2/sqrt(12) s; gamma(2,
 * 0.05): sqrt(2)·0.05; exponential(0.1): 0.1; poisson(3): sqrt(3)). */
static void test_compute_follows_the_files_distribution(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		double mean, sd, lo, hi;
	} c[] = {
		{ "{type: uniform, min: 0.1, max: 0.3}", 0.2, 0.2 / 3.4641016151377544, 0.1, 0.3 },
		{ "{type: gamma, shape: 2, scale: 0.05}", 0.1, 0.07071067811865475, 0, INFINITY },
		{ "{type: exponential, scale: 0.1}", 0.1, 0.1, 0, INFINITY },
		{ "{type: poisson, lam: 3}", 3, 1.7320508075688772, 0, INFINITY },
		{ "{mean: 0.1, stdev: 0.5}", -1, 0, 0, INFINITY }, /* abs of the draw, as DLIO's sleep */
	};
	char dir[] = "/tmp/tiersim-test-training-XXXXXX", path[256];
	scratch_yaml(dir, path, sizeof path);
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "dataset:\n  num_files_train: 2000\n  record_length_bytes: 1024\ntrain:\n  computation_time: %s\n",
			c[i].yaml);
		fclose(f);
		struct world w;
		world_init(&w, 1, FAST, 0, 0);
		struct err e = { 0 };
		if (world_job(&w, "[job t]\ntype = training\nworkload = w.yaml\ngpus_per_node = 1\ncheckpoint = no\n", dir,
			      1, &e) < 0)
			fail_msg("%s", e.msg);
		world_run(&w);
		struct wl_training_stats s;
		stats_of(&w, &s);
		assert_int_equal(s.steps, 2000);
		double mean = s.compute_ns / 1e9 / 2000;
		if (c[i].mean >= 0) {
			if (fabs(mean - c[i].mean) > 4.5 * c[i].sd / sqrt(2000))
				fail_msg("%s: mean step %.6f s, want %.6f", c[i].yaml, mean, c[i].mean);
		} else {
			/* E|N(0.1, 0.5)| = 0.5·sqrt(2/pi)·exp(-0.02) + 0.1·(1 - 2·Phi(-0.2)) */
			double want = 0.5 * sqrt(2 / M_PI) * exp(-0.02) + 0.1 * (1 - 2 * 0.42074029056089696);
			if (fabs(mean - want) > 4.5 * 0.5 / sqrt(2000))
				fail_msg("%s: mean step %.6f s, want |N| mean %.6f", c[i].yaml, mean, want);
		}
		assert_true(mean >= c[i].lo && mean <= c[i].hi);
		world_free(&w);
	}
	remove(path);
	rmdir(dir);
}

static void test_scenario_error_for_a_bad_workload_names_both_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/tiersim-test-training-XXXXXX", path[256];
	scratch_yaml(dir, path, sizeof path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("dataset:\n  num_files_train: 8\nreader:\n  batch_size: \"abc\"\n", f);
	fclose(f);
	struct world w;
	world_init(&w, 1, FAST, 0, 0);
	struct err e = { 0 };
	assert_int_equal(world_job(&w, "[job t]\ntype = training\nworkload = w.yaml\n", dir, 1, &e), -1);
	if (!strstr(e.msg, "test.ini:3: [job t] workload:") || !strstr(e.msg, "w.yaml:4: reader.batch_size"))
		fail_msg("%s", e.msg);
	world_free(&w);
	remove(path);
	rmdir(dir);
}

static void test_dataset_smaller_than_one_step_is_an_error(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, FAST, 0, 0);
	struct err e = { 0 };
	assert_int_equal(world_job(&w, "[job t]\ntype = training\nfiles = 10\nbatch_size = 2\ncomputation_time = 1ms\n",
				   ".", 1, &e),
			 -1);
	assert_non_null(strstr(e.msg, "fewer than batch_size"));
	world_free(&w);
}

/* A workload file's numbers are any finite ones; those that cannot be
 * whole ns or bytes are an error naming both files.  A transformer of
 * 10^18 layers of width 10^18 was a checkpoint of 4.4e54 bytes per rank,
 * converted to uint64_t: undefined behaviour (found by fuzzing,
 * tests/fuzz/corpus/workload/crash-transformer-checkpoint-overflow). */
static void test_workload_file_values_too_large_are_errors(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{ "model:\n  num_layers: 1000000000000000000\n  transformer:\n    hidden_size: 1000000000000000000\n",
		  "w.yaml: the transformer's checkpoint is 4.375e+54 bytes per rank: too large" },
		{ "dataset:\n  record_length: 1e300\n", "w.yaml: dataset.record_length is 1e+300 bytes: too large" },
		{ "train:\n  computation_time: 1e10\n", "w.yaml: train.computation_time is 1e+10 s: too large" },
	};
	char dir[] = "/tmp/tiersim-test-training-XXXXXX", path[256];
	scratch_yaml(dir, path, sizeof path);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i][0], f);
		fclose(f);
		struct world w;
		world_init(&w, 1, FAST, 0, 0);
		struct err e = { 0 };
		assert_int_equal(world_job(&w, "[job t]\ntype = training\nworkload = w.yaml\nfiles = 64\n", dir, 1, &e),
				 -1);
		assert_int_equal(e.code, ERR_INPUT);
		if (!strstr(e.msg, "test.ini:3: [job t] workload:") || !strstr(e.msg, cases[i][1]))
			fail_msg("\"%s\" does not contain \"%s\"", e.msg, cases[i][1]);
		world_free(&w);
	}
	remove(path);
	rmdir(dir);
}

static void test_bad_job_keys_name_the_scenario_line(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{ "[job t]\ntype = training\nfiles = 64\ncheckpoint_every = 0\n",
		  "test.ini:4: [job t] checkpoint_every: must be at least 1" },
		{ "[job t]\ntype = training\nbatch_size = 0\n", "test.ini:3: [job t] batch_size: must be at least 1" },
		{ "[job t]\ntype = training\ncomputation_time = 5\n", "test.ini:3: [job t] computation_time" },
		{ "[job t]\ntype = checkpoint\ncheckpoint_bytes = 1MiB\ncheckpoint_every = 2\n",
		  "test.ini:4: [job t] checkpoint_every" },
		{ "[job t]\ntype = training\nworkload = /nonexistent/w.yaml\n",
		  "test.ini:3: [job t] workload: /nonexistent/w.yaml: cannot open" },
		{ "[job t]\ntype = checkpoint\ncheckpoint_bytes = 1MiB\nsteps = 2\n",
		  "test.ini:4: [job t] steps: a checkpoint-only job (type = checkpoint) reads no dataset: steps does "
		  "not apply; use checkpoints = N" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct world w;
		world_init(&w, 1, FAST, 0, 0);
		struct err e = { 0 };
		assert_int_equal(world_job(&w, cases[i][0], ".", 1, &e), -1);
		assert_int_equal(e.code, ERR_INPUT);
		if (!strstr(e.msg, cases[i][1]))
			fail_msg("\"%s\" does not contain \"%s\"", e.msg, cases[i][1]);
		world_free(&w);
	}
}

/* ---- (e) determinism ---- */

static void run_varied(uint64_t seed, struct wl_training_stats *s)
{
	struct world w;
	world_init(&w, 2, PIPE, 2e9, 20000);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 2\nfiles = 50\nsamples_per_file = 4\n"
		      "sample_bytes = 512KiB\nsample_bytes_stdev = 200KiB\nbatch_size = 3\nread_threads = 3\n"
		      "computation_time = 4ms\ncomputation_time_stdev = 1ms\nepochs = 3\nshuffle = yes\n"
		      "checkpoint_interval = 50ms\ncheckpoint_bytes = 2MiB\n",
		      ".", seed, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	stats_of(&w, s);
	world_free(&w);
}

static void test_same_seed_gives_identical_results(void **state)
{
	(void)state;
	struct wl_training_stats a, b, c;
	run_varied(7, &a);
	run_varied(7, &b);
	run_varied(8, &c);
	assert_memory_equal(&a, &b, sizeof a);
	assert_true(a.checkpoints > 0);
	assert_true(a.wall_ns != c.wall_ns || a.bytes_read != c.bytes_read);
}

static void test_large_datasets_shuffle_without_a_table(void **state)
{
	(void)state;
	/* 2^25 samples per rank: a Feistel permutation, not an array. */
	struct world w;
	world_init(&w, 1, FAST, 0, 0);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 2\nfiles = 1\nsamples_per_file = 67108864\n"
		      "sample_bytes = 2KiB\nbatch_size = 16\ncomputation_time = 1ms\nsteps = 50\nshuffle = yes\n",
		      ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	world_run(&w);
	struct wl_training_stats s;
	stats_of(&w, &s);
	assert_int_equal(s.steps, 50);
	assert_int_equal(s.samples, 50 * 16 * 2);
	world_free(&w);
}

static void test_au_series_reports_au_per_period(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, FAST, 0, 0);
	struct err e = { 0 };
	if (world_job(&w,
		      "[job t]\ntype = training\ngpus_per_node = 1\nfiles = 100\nsample_bytes = 4KiB\n"
		      "computation_time = 10ms\nepochs = 1\n",
		      ".", 1, &e) < 0)
		fail_msg("%s", e.msg);
	struct met_registry *m = met_new();
	assert_int_equal(w.job.ops->add_series(&w.job, m), 0);
	assert_int_equal(met_sampler_start(m, &w.x, 250000000), 0);
	assert_int_equal(w.job.ops->start(&w.job, &e), 0);
	assert_true(ev_run(w.eng, 2000000000, &e) >= 0);
	met_sampler_stop(m);
	const struct met_series *ser = met_series_at(m, 0);
	assert_string_equal(ser->name, "job.t.au");
	/* 100 steps of 10 ms: busy in [0, 1 s]; after the job's end no AU
	 * (NaN: NULL in the database, a gap in the plot), not 0. */
	assert_true(ser->n >= 8);
	for (size_t i = 1; i < ser->n; i++) {
		if (ser->t_ns[i] <= 1000000000)
			assert_true(ser->v[i] > 0.999 && ser->v[i] < 1.001);
		else if (ser->t_ns[i - 1] >= 1000000000)
			assert_true(isnan(ser->v[i]));
	}
	met_free(m);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_infinitely_fast_storage_gives_au_of_exactly_one),
		cmocka_unit_test(test_au_is_bandwidth_over_demand_when_storage_is_the_bottleneck),
		cmocka_unit_test(test_ample_bandwidth_keeps_au_near_one),
		cmocka_unit_test(test_prefetch_hides_latency_shorter_than_compute),
		cmocka_unit_test(test_checkpoint_stall_is_shard_over_bandwidth_plus_latency),
		cmocka_unit_test(test_training_checkpoints_every_k_steps_and_the_parts_add_up),
		cmocka_unit_test(test_write_back_checkpoint_acks_before_write_through),
		cmocka_unit_test(test_transformer_checkpoint_bytes_follow_the_zero_formula),
		cmocka_unit_test(test_every_shared_workload_file_parses_and_runs),
		cmocka_unit_test(test_yaml_wrong_type_names_file_line_and_key),
		cmocka_unit_test(test_yaml_negative_value_is_an_error),
		cmocka_unit_test(test_yaml_syntax_error_names_the_line),
		cmocka_unit_test(test_yaml_unknown_keys_are_warnings_with_lines),
		cmocka_unit_test(test_yaml_aliases_repeating_too_many_keys_are_an_error),
		cmocka_unit_test(test_workload_file_values_too_large_are_errors),
		cmocka_unit_test(test_yaml_defaults_and_values_are_dlio_s),
		cmocka_unit_test(test_dlio_shards_follow_dlio_s_checkpointing),
		cmocka_unit_test(test_unet3d_checkpoint_is_written_by_rank_0_alone),
		cmocka_unit_test(test_checkpoints_past_the_last_step_are_a_warning),
		cmocka_unit_test(test_yaml_compute_distributions_parse),
		cmocka_unit_test(test_compute_follows_the_files_distribution),
		cmocka_unit_test(test_scenario_error_for_a_bad_workload_names_both_files),
		cmocka_unit_test(test_dataset_smaller_than_one_step_is_an_error),
		cmocka_unit_test(test_bad_job_keys_name_the_scenario_line),
		cmocka_unit_test(test_same_seed_gives_identical_results),
		cmocka_unit_test(test_large_datasets_shuffle_without_a_table),
		cmocka_unit_test(test_au_series_reports_au_per_period),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
