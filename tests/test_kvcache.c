/* Tests for the KV-cache inference job (traces/kvcache.c) and the model
 * load job (traces/modelload.c), over the real engine and data paths.
 *
 * KV tests use the fixed-latency backend (models/fixed.h): with a block of
 * 1024 bytes (layers = kv_heads = head_dim = dtype_bytes = 1: 2 bytes per
 * token, 512 tokens per block), latency 1 ms and 1.024 MB/s, every block
 * read or write takes 1 ms + 1 ms = 2 ms; prefill costs 10 us per token.
 * The model-load test uses a test backend of one fairly shared link
 * (sim/resource.h res_link), because the fixed backend shares nothing.
 * The Mooncake conversation trace is read from ../shared/traces (tests
 * run from the repository root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "models/fixed.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/path.h"
#include "sim/resource.h"
#include "traces/kvcache.h"
#include "traces/modelload.h"
#include "traces/workload.h"

#define MS 1000000ull
#define US 1000ull
#define CONV "../shared/traces/mooncake/conversation_trace.jsonl"

/* |a - b| <= eps (this cmocka has no assert_double_equal) */
#define assert_near(a, b, eps)                                                                   \
	do {                                                                                     \
		double a_ = (a), b_ = (b);                                                       \
		if (!(a_ - b_ <= (eps) && b_ - a_ <= (eps)))                                     \
			fail_msg("%s = %.15g, expected %.15g", #a, a_, b_);                      \
	} while (0)

/* ---- a cluster of n nodes, each one path over the same backends ---- */

struct rig {
	struct ev_engine *eng;
	struct exec x;
	struct backend top, bottom; /* top.ops NULL: one tier only */
	struct path *paths[8];
	size_t nodes;
	int finished;
	struct cfg_doc *doc;
	struct wl job;
	struct met_registry *m;
};

static void rig_finished(void *ctx)
{
	((struct rig *)ctx)->finished++;
}

/* One unbounded tier over the fixed backend, or (dram_bytes > 0) a DRAM
 * tier of that capacity (LRU, write-through, also fixed) above it. */
static void rig_init(struct rig *r, size_t nodes, uint64_t dram_bytes)
{
	memset(r, 0, sizeof *r);
	r->eng = ev_engine_new(NULL);
	assert_non_null(r->eng);
	r->x = ev_executor(r->eng);
	r->nodes = nodes;
	struct err e;
	struct fixed_params slow = { .latency_ns = 1 * MS, .bps = 1.024e6 };
	assert_int_equal(fixed_new(&r->bottom, &r->x, &slow, &e), 0);
	struct path_tier_cfg tiers[2];
	memset(tiers, 0, sizeof tiers);
	size_t nt = 0;
	if (dram_bytes) {
		struct fixed_params fast = { .latency_ns = 10 * US, .bps = 0 };
		assert_int_equal(fixed_new(&r->top, &r->x, &fast, &e), 0);
		tiers[nt++] = (struct path_tier_cfg){ .name = "dram", .capacity_bytes = dram_bytes,
						      .policy = &pol_lru_ops, .data = r->top };
	}
	tiers[nt++] = (struct path_tier_cfg){ .name = "warm", .data = r->bottom };
	for (size_t i = 0; i < nodes; i++) {
		struct path_cfg pc = { .chunk_bytes = 1 << 20, .client = (uint32_t)i, .n_tiers = nt, .tiers = tiers };
		r->paths[i] = path_new(&r->x, &pc, &e);
		assert_non_null(r->paths[i]);
	}
	r->m = met_new();
	assert_non_null(r->m);
}

/* Builds the job from an INI section; -1 and e filled on error. */
static int rig_job(struct rig *r, const char *ini, wl_new_fn create, struct err *e)
{
	assert_int_equal(cfg_load_string(&r->doc, "test.ini", ini, e), 0);
	struct cfg_section *s = cfg_find(r->doc, "job", NULL);
	assert_non_null(s);
	assert_non_null(cfg_key(s, "type"));
	struct wl_env env = {
		.x = &r->x, .paths = r->paths, .nodes = r->nodes, .job_index = 0, .name = s->name, .seed = 1,
		.start_ns = 0, .scenario_dir = ".", .on_finish = rig_finished, .ctx = r,
	};
	return create(&r->job, r->doc, s, &env, e);
}

static void rig_run(struct rig *r)
{
	struct err e;
	assert_int_equal(r->job.ops->start(&r->job, &e), 0);
	int rc = ev_run(r->eng, UINT64_MAX, &e);
	assert_int_equal(rc, EV_EMPTY);
	assert_int_equal(r->finished, 1);
	assert_true(r->job.ops->done(&r->job));
	assert_int_equal(r->job.ops->failed(&r->job, &e), 0);
	assert_int_equal(r->job.ops->export(&r->job, r->m, ev_now(r->eng)), 0);
}

static double metric(struct rig *r, const char *name)
{
	const struct met_scalar *s = met_find(r->m, name);
	if (!s)
		fail_msg("no metric %s", name);
	return s->value;
}

static void rig_free(struct rig *r)
{
	if (r->job.ops && r->job.st)
		r->job.ops->free(&r->job);
	for (size_t i = 0; i < r->nodes; i++)
		path_free(r->paths[i]);
	r->bottom.ops->destroy(r->bottom.self);
	if (r->top.ops)
		r->top.ops->destroy(r->top.self);
	met_free(r->m);
	cfg_free(r->doc);
	ev_engine_free(r->eng);
}

/* Writes text to a fresh temporary file; returns its name (free it). */
static char *tmp_trace(const char *text)
{
	char *name = strdup("/tmp/test_kvcache_XXXXXX");
	assert_non_null(name);
	int fd = mkstemp(name);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return name;
}

/* A job over a small trace written to a temporary file. */
static int tiny_job(struct rig *r, const char *trace, const char *extra, struct err *e)
{
	char *f = tmp_trace(trace);
	char ini[1024];
	snprintf(ini, sizeof ini,
		 "[job kv]\ntype = kvcache\ntrace = %s\nlayers = 1\nkv_heads = 1\nhead_dim = 1\ndtype_bytes = 1\n"
		 "prefill_per_token = 10us\n%s",
		 f, extra);
	int rc = rig_job(r, ini, wl_kvcache_new, e);
	unlink(f);
	free(f);
	return rc;
}

/* The hand-worked trace of the TTFT tests:
 *   r0  t=0    1024 tokens [0,1]    both miss
 *   r1  t=100  1500 tokens [0,1,2]  0, 1 stored: hits; 2 misses (476 tokens)
 *   r2  t=200   512 tokens [3]      miss
 *   r3  t=200  1024 tokens [3,4]    3 is r2's, pending: joins; 4 misses */
static const char *hand_trace =
	"{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 5, \"hash_ids\": [0, 1]}\n"
	"{\"timestamp\": 100, \"input_length\": 1500, \"output_length\": 5, \"hash_ids\": [0, 1, 2]}\n"
	"{\"timestamp\": 200, \"input_length\": 512, \"output_length\": 5, \"hash_ids\": [3]}\n"
	"{\"timestamp\": 200, \"input_length\": 1024, \"output_length\": 5, \"hash_ids\": [3, 4]}\n";

/* ---- (b) the reader on the real trace ---- */

static void test_conversation_trace_counts_match_readme(void **state)
{
	(void)state;
	struct kv_trace t;
	struct err e;
	int rc = kv_trace_load(&t, CONV, 512, 0, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(t.nreq, 12031);
	assert_int_equal(t.nids, 288500);
	assert_int_equal(kv_trace_distinct(&t), 182790);
	/* 59 minutes: the last request arrives at 3536999 ms */
	assert_int_equal(t.req[t.nreq - 1].t_ms - t.req[0].t_ms, 3536999);
	kv_trace_free(&t);
}

static void test_every_hash_ids_list_has_ceil_input_over_512_entries(void **state)
{
	(void)state;
	struct kv_trace t;
	struct err e;
	assert_int_equal(kv_trace_load(&t, CONV, 512, 0, &e), 0);
	size_t next = 0;
	for (size_t i = 0; i < t.nreq; i++) {
		assert_int_equal(t.req[i].nblocks, (t.req[i].input_tokens + 511) / 512);
		assert_int_equal(t.req[i].first, next);
		next += t.req[i].nblocks;
	}
	assert_int_equal(next, t.nids);
	kv_trace_free(&t);
}

static void test_requests_key_takes_a_slice(void **state)
{
	(void)state;
	struct kv_trace t;
	struct err e;
	assert_int_equal(kv_trace_load(&t, CONV, 512, 5, &e), 0);
	assert_int_equal(t.nreq, 5);
	assert_int_equal(t.nids, 14 + 15 + 15 + 5 + 14);
	kv_trace_free(&t);
}

/* ---- (a) unbounded cache: hit ratio = 1 - distinct / references ---- */

static void test_unbounded_hit_ratio_on_conversation_is_1_minus_distinct_over_refs(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 4, 0);
	int rc = rig_job(&r,
			 "[job conv]\ntype = kvcache\ntrace = " CONV "\n"
			 "layers = 1\nkv_heads = 1\nhead_dim = 1\ndtype_bytes = 1\n",
			 wl_kvcache_new, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	rig_run(&r);
	assert_int_equal((uint64_t)metric(&r, "job.conv.requests_done"), 12031);
	assert_int_equal((uint64_t)metric(&r, "job.conv.block_refs"), 288500);
	assert_int_equal((uint64_t)metric(&r, "job.conv.block_misses"), 182790);
	assert_int_equal((uint64_t)metric(&r, "job.conv.block_hits"), 288500 - 182790);
	assert_near(metric(&r, "job.conv.block_hit_ratio"), 1.0 - 182790.0 / 288500.0, 1e-12);
	assert_near(metric(&r, "job.conv.block_hit_ratio"), 0.366, 0.0005);
	/* every miss is stored once, every hit loaded once: 1024-byte blocks */
	assert_near(metric(&r, "job.conv.store_bytes"), 182790.0 * 1024, 0);
	assert_near(metric(&r, "job.conv.load_bytes"), (288500.0 - 182790) * 1024, 0);
	rig_free(&r);
}

/* ---- (c) the hand-worked trace ---- */

static void test_serial_ttft_is_load_then_prefill(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r, hand_trace, "", &e), 0);
	rig_run(&r);
	/* r0: 1024 tokens x 10 us */
	assert_int_equal(kv_job_ttft_ns(&r.job, 0), 10240 * US);
	/* r1: two parallel 2 ms loads, then 476 x 10 us */
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 2 * MS + 4760 * US);
	/* r2: 512 x 10 us */
	assert_int_equal(kv_job_ttft_ns(&r.job, 2), 5120 * US);
	/* r3: waits for r2's store (5.12 + 2 ms), reads it (2 ms), then
	 * prefills block 4 (5.12 ms) */
	assert_int_equal(kv_job_ttft_ns(&r.job, 3), 5120 * US + 2 * MS + 2 * MS + 5120 * US);
	rig_free(&r);
}

static void test_overlap_ttft_is_max_of_load_and_prefill(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r, hand_trace, "ttft = overlap\n", &e), 0);
	rig_run(&r);
	assert_int_equal(kv_job_ttft_ns(&r.job, 0), 10240 * US);
	/* max(2 ms of loads, 4.76 ms of prefill) */
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 4760 * US);
	assert_int_equal(kv_job_ttft_ns(&r.job, 2), 5120 * US);
	/* prefill queued behind r2's: 5.12 .. 10.24 ms; load done at 9.12 ms */
	assert_int_equal(kv_job_ttft_ns(&r.job, 3), 10240 * US);
	rig_free(&r);
}

static void test_hand_trace_counts_hits_misses_and_saved_prefill(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r, hand_trace, "", &e), 0);
	rig_run(&r);
	assert_int_equal((uint64_t)metric(&r, "job.kv.block_refs"), 8);
	assert_int_equal((uint64_t)metric(&r, "job.kv.block_misses"), 5);
	assert_int_equal((uint64_t)metric(&r, "job.kv.block_hits"), 3);
	assert_int_equal((uint64_t)metric(&r, "job.kv.joined_hits"), 1);
	assert_int_equal((uint64_t)metric(&r, "job.kv.hit_tokens"), 3 * 512);
	assert_int_equal((uint64_t)metric(&r, "job.kv.miss_tokens"), 1024 + 476 + 512 + 512);
	assert_near(metric(&r, "job.kv.prefill_saved_s"), 3 * 512 * 10e-6, 1e-12);
	assert_near(metric(&r, "job.kv.load_bytes"), 3 * 1024, 0);
	assert_near(metric(&r, "job.kv.store_bytes"), 5 * 1024, 0);
	/* the last store (block 4) is acknowledged at 200 + 14.24 + 2 ms */
	assert_near(metric(&r, "job.kv.wall_s"), 0.21624, 1e-12);
	assert_near(metric(&r, "job.kv.compute_s"), 2524 * 10e-6, 1e-12);
	assert_near(metric(&r, "job.kv.au"), 25.24 / 216.24, 1e-12);
	/* serial stall: r1's loads, 2 ms; r3's load of block 3, 2 ms, once
	 * r2 had stored it (5.12 ms of r2's prefill and 2 ms of store after
	 * r3 arrived: a join wait, not a stall) */
	assert_near(metric(&r, "job.kv.stall_s"), 0.002 + 0.002, 1e-12);
	assert_near(metric(&r, "job.kv.join_wait_s"), 0.00512 + 0.002, 1e-12);
	rig_free(&r);
}

static void test_ttft_histogram_holds_every_request(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r, hand_trace, "", &e), 0);
	rig_run(&r);
	const struct met_named_hist *h = NULL;
	for (size_t i = 0; i < met_nhists(r.m); i++)
		if (strcmp(met_hist_at(r.m, i)->name, "job.kv.ttft") == 0)
			h = met_hist_at(r.m, i);
	assert_non_null(h);
	assert_string_equal(h->unit, "ns");
	assert_int_equal(hist_count(h->h), 4);
	assert_int_equal(hist_min(h->h), 5120 * US);
	assert_int_equal(hist_max(h->h), 14240 * US);
	/* exporting twice does not count twice */
	assert_int_equal(r.job.ops->export(&r.job, r.m, ev_now(r.eng)), 0);
	assert_int_equal(hist_count(h->h), 4);
	rig_free(&r);
}

static void test_prefill_engine_is_fifo_per_node(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r,
				  "{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": [0]}\n"
				  "{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": [1]}\n",
				  "", &e),
			 0);
	rig_run(&r);
	assert_int_equal(kv_job_ttft_ns(&r.job, 0), 5120 * US);
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 10240 * US);
	rig_free(&r);
}

static void test_requests_go_round_robin_over_nodes(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 2, 0);
	assert_int_equal(tiny_job(&r,
				  "{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": [0]}\n"
				  "{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": [1]}\n",
				  "", &e),
			 0);
	rig_run(&r);
	assert_int_equal(kv_job_ttft_ns(&r.job, 0), 5120 * US);
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 5120 * US);
	assert_near(metric(&r, "job.kv.au"), 0.00512 / 0.00712, 1e-12);
	rig_free(&r);
}

static void test_time_scale_stretches_arrivals(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r,
				  "{\"timestamp\": 1000, \"input_length\": 512, \"hash_ids\": [0]}\n"
				  "{\"timestamp\": 1100, \"input_length\": 512, \"hash_ids\": [0]}\n",
				  "time_scale = 2\n", &e),
			 0);
	rig_run(&r);
	/* r1 arrives 200 ms after r0 (the first request is at the start) */
	assert_near(metric(&r, "job.kv.wall_s"), 0.2 + 0.002, 1e-12);
	rig_free(&r);
}

static void test_hits_are_attributed_to_the_tier_holding_the_block(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 1 << 20);
	assert_int_equal(tiny_job(&r, hand_trace, "", &e), 0);
	rig_run(&r);
	/* write-through puts every stored block in DRAM too: all 3 hits there */
	assert_near(metric(&r, "job.kv.dram.load_bytes"), 3 * 1024, 0);
	assert_near(metric(&r, "job.kv.warm.load_bytes"), 0, 0);
	/* r1's loads now take 10 us: TTFT = 10 us + 4.76 ms */
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 10 * US + 4760 * US);
	rig_free(&r);
}

/* With HBM on the node, blocks computed there stay in GPU memory: r1's two
 * stored blocks and r3's block 3 (once r2 has stored it) are HBM hits that
 * need no I/O at all, so no byte is read through the data path:
 *   r1: TTFT = 476 x 10 us (no 2 ms load)
 *   r3: r2's prefill 5.12 ms + its store 2 ms, then block 4's 5.12 ms. */
static void test_hbm_hits_skip_the_data_path(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r, hand_trace, "hbm = 1MiB\n", &e), 0);
	rig_run(&r);
	assert_int_equal((uint64_t)metric(&r, "job.kv.hbm_hits"), 3);
	assert_near(metric(&r, "job.kv.hbm_bytes"), 3 * 1024, 0);
	assert_near(metric(&r, "job.kv.load_bytes"), 0, 0);
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 4760 * US);
	assert_int_equal(kv_job_ttft_ns(&r.job, 3), 5120 * US + 2 * MS + 5120 * US);
	/* hits and misses are counted as before: HBM only changes where from */
	assert_int_equal((uint64_t)metric(&r, "job.kv.block_hits"), 3);
	rig_free(&r);
}

/* A block is in a node's HBM once its load has arrived, not when it is
 * issued: r3 asks node 1 for block 1 while r1's read of it is in flight
 * there (100 to 102 ms), so it reads the block too, 2 ms (a read that
 * hits the one tier here is its own; only fetches from below coalesce),
 * where it used to have it at once; r5 asks after r1's read arrived, and
 * has it at once.  r0, r2 and r4 (node 0) only move the round robin
 * along. */
static void test_hbm_holds_a_block_once_its_load_has_arrived(void **state)
{
	(void)state;
	static const char *t =
		"{\"timestamp\": 0, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [1]}\n"
		"{\"timestamp\": 100, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [1]}\n"
		"{\"timestamp\": 101, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [2]}\n"
		"{\"timestamp\": 101, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [1]}\n"
		"{\"timestamp\": 103, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [3]}\n"
		"{\"timestamp\": 103, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [1]}\n";
	struct rig r;
	struct err e;
	rig_init(&r, 2, 0);
	assert_int_equal(tiny_job(&r, t, "hbm = 1MiB\n", &e), 0);
	rig_run(&r);
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 2 * MS);
	assert_int_equal(kv_job_ttft_ns(&r.job, 3), 2 * MS);
	assert_int_equal(kv_job_ttft_ns(&r.job, 5), 0);
	assert_int_equal((uint64_t)metric(&r, "job.kv.hbm_hits"), 1);
	rig_free(&r);
}

/* A block this node computed is in its HBM from the prefill's end
 * (5.12 ms), though its store is acknowledged only at 7.12 ms: r1, at
 * 6 ms, needs no I/O and does not wait for the store. */
static void test_hbm_holds_a_computed_block_before_its_store_is_acknowledged(void **state)
{
	(void)state;
	static const char *t =
		"{\"timestamp\": 0, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [1]}\n"
		"{\"timestamp\": 6, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [1]}\n";
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r, t, "hbm = 1MiB\n", &e), 0);
	rig_run(&r);
	assert_int_equal(kv_job_ttft_ns(&r.job, 0), 5120 * US);
	assert_int_equal(kv_job_ttft_ns(&r.job, 1), 0);
	assert_int_equal((uint64_t)metric(&r, "job.kv.hbm_hits"), 1);
	assert_int_equal((uint64_t)metric(&r, "job.kv.joined_hits"), 0);
	assert_int_equal((uint64_t)metric(&r, "job.kv.block_hits"), 1);
	rig_free(&r);
}

/* ---- (d) bad input ---- */

static void expect_trace_error(const char *text, const char *line, const char *field)
{
	char *f = tmp_trace(text);
	struct kv_trace t;
	struct err e;
	assert_int_equal(kv_trace_load(&t, f, 512, 0, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	char want[512];
	snprintf(want, sizeof want, "%s:%s: %s", f, line, field);
	if (!strstr(e.msg, want))
		fail_msg("'%s' does not contain '%s'", e.msg, want);
	kv_trace_free(&t);
	unlink(f);
	free(f);
}

static void test_truncated_json_names_file_and_line(void **state)
{
	(void)state;
	expect_trace_error("{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": [0]}\n"
			   "{\"timestamp\": 1, \"input_length\": 512, \"hash_ids\": [1",
			   "2", "record");
}

static void test_wrong_type_names_the_field(void **state)
{
	(void)state;
	expect_trace_error("{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": [0]}\n"
			   "{\"timestamp\": 1, \"input_length\": \"512\", \"hash_ids\": [1]}\n",
			   "2", "input_length: expected an integer, got a string");
	expect_trace_error("{\"timestamp\": 0.5, \"input_length\": 512, \"hash_ids\": [0]}\n", "1", "timestamp");
	expect_trace_error("{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": [\"a\"]}\n", "1", "hash_ids[0]");
	expect_trace_error("{\"timestamp\": 0, \"input_length\": 512, \"hash_ids\": 7}\n", "1", "hash_ids");
}

static void test_hash_ids_of_the_wrong_length_is_an_error(void **state)
{
	(void)state;
	expect_trace_error("{\"timestamp\": 0, \"input_length\": 513, \"hash_ids\": [0]}\n", "1",
			   "hash_ids: 1 entries, but input_length 513 needs ceil(513/512) = 2");
}

static void test_timestamps_going_backwards_is_an_error(void **state)
{
	(void)state;
	expect_trace_error("{\"timestamp\": 10, \"input_length\": 1, \"hash_ids\": [0]}\n"
			   "\n"
			   "{\"timestamp\": 5, \"input_length\": 1, \"hash_ids\": [1]}\n",
			   "3", "timestamp: 5 is before the previous record's 10");
}

static void test_missing_field_and_negative_id_are_errors(void **state)
{
	(void)state;
	expect_trace_error("{\"input_length\": 1, \"hash_ids\": [0]}\n", "1", "timestamp: missing");
	expect_trace_error("{\"timestamp\": 0, \"input_length\": 1, \"hash_ids\": [-1]}\n", "1", "hash_ids[0]");
}

static void test_job_errors_name_the_scenario_key(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(rig_job(&r, "[job kv]\ntype = kvcache\n", wl_kvcache_new, &e), -1);
	assert_non_null(strstr(e.msg, "missing key 'trace'"));
	cfg_free(r.doc);
	r.doc = NULL;
	assert_int_equal(rig_job(&r, "[job kv]\ntype = kvcache\ntrace = " CONV "\nttft = later\n", wl_kvcache_new, &e),
			 -1);
	assert_non_null(strstr(e.msg, "test.ini:4: [job kv] ttft"));
	cfg_free(r.doc);
	r.doc = NULL;
	assert_int_equal(rig_job(&r, "[job kv]\ntype = kvcache\ntrace = nonexistent.jsonl\n", wl_kvcache_new, &e), -1);
	assert_non_null(strstr(e.msg, "nonexistent.jsonl"));
	rig_free(&r);
}

/* ---- (e) model load over a shared link ---- */

/* A backend of one link shared fairly (processor sharing) by every
 * request in flight, from every node. */
struct linkbk {
	struct res_link *l;
};

static void linkbk_done(void *arg)
{
	struct bk_req *r = arg;
	r->status = BK_OK;
	r->done(r);
}

static int linkbk_submit(void *self, struct bk_req *r)
{
	struct linkbk *b = self;
	if (r->op != BK_READ && r->op != BK_WRITE) {
		r->status = BK_ENOTSUP;
		return -1;
	}
	return res_link_submit(b->l, r->length, 0, linkbk_done, r);
}

static void linkbk_destroy(void *self)
{
	struct linkbk *b = self;
	res_link_free(b->l);
	free(b);
}

static const struct bk_ops linkbk_ops = { .name = "link", .submit = linkbk_submit, .destroy = linkbk_destroy };

/* n nodes over one shared link of bps: the shared tier (unbounded), and
 * (dram) a node-local DRAM tier above it, fixed at 100 GB/s. */
static void rig_init_shared(struct rig *r, size_t nodes, double bps, int dram)
{
	memset(r, 0, sizeof *r);
	r->eng = ev_engine_new(NULL);
	assert_non_null(r->eng);
	r->x = ev_executor(r->eng);
	r->nodes = nodes;
	struct linkbk *b = calloc(1, sizeof *b);
	assert_non_null(b);
	b->l = res_link_new(&r->x, bps);
	assert_non_null(b->l);
	r->bottom = (struct backend){ &linkbk_ops, b };
	struct err e;
	struct path_tier_cfg tiers[2];
	memset(tiers, 0, sizeof tiers);
	size_t nt = 0;
	if (dram) {
		struct fixed_params fast = { .latency_ns = 0, .bps = 100e9 };
		assert_int_equal(fixed_new(&r->top, &r->x, &fast, &e), 0);
		tiers[nt++] = (struct path_tier_cfg){ .name = "dram", .capacity_bytes = 1ull << 32,
						      .policy = &pol_lru_ops, .data = r->top };
	}
	tiers[nt++] = (struct path_tier_cfg){ .name = "warm", .data = r->bottom };
	for (size_t i = 0; i < nodes; i++) {
		struct path_cfg pc = { .chunk_bytes = 64 << 20, .client = (uint32_t)i, .n_tiers = nt, .tiers = tiers };
		r->paths[i] = path_new(&r->x, &pc, &e);
		assert_non_null(r->paths[i]);
	}
	r->m = met_new();
	assert_non_null(r->m);
}

static const struct hist *hist_of(struct rig *r, const char *name)
{
	for (size_t i = 0; i < met_nhists(r->m); i++)
		if (strcmp(met_hist_at(r->m, i)->name, name) == 0)
			return met_hist_at(r->m, i)->h;
	fail_msg("no histogram %s", name);
	return NULL;
}

static void test_model_load_herd_finishes_at_n_s_over_b(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	/* 4 nodes x 1 GB over 10 GB/s: every node done at 4 x 1 / 10 = 0.4 s */
	rig_init_shared(&r, 4, 10e9, 0);
	int rc = rig_job(&r, "[job ml]\ntype = modelload\nmodel_bytes = 1GB\nshards = 4\n", wl_modelload_new, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	rig_run(&r);
	const struct hist *lt = hist_of(&r, "job.ml.load_time");
	assert_int_equal(hist_count(lt), 4);
	assert_near((double)hist_min(lt), 0.4e9, 2);
	assert_near((double)hist_max(lt), 0.4e9, 2);
	assert_near(metric(&r, "job.ml.load_total_s"), 0.4, 2e-9);
	assert_near(metric(&r, "job.ml.bytes"), 4e9, 0);
	assert_near(metric(&r, "job.ml.herd_bw"), 10e9, 1e2);
	assert_near(metric(&r, "job.ml.stall_s"), 0.4, 2e-9);
	rig_free(&r);
}

static void test_model_load_one_shard_at_a_time_still_takes_n_s_over_b(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	/* parallel = 1: the link stays full, so the herd still ends at N S / B */
	rig_init_shared(&r, 3, 10e9, 0);
	assert_int_equal(rig_job(&r, "[job ml]\ntype = modelload\nmodel_bytes = 2GB\nshards = 5\nparallel = 1\n",
				 wl_modelload_new, &e),
			 0);
	rig_run(&r);
	assert_near(metric(&r, "job.ml.load_total_s"), 0.6, 2e-9);
	rig_free(&r);
}

static void test_model_redeploy_reads_from_the_local_tier(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	/* load 1: 2 nodes x 1 GB over 10 GB/s = 0.2 s; load 2 at 1 s from
	 * DRAM (filled by load 1): every 64 MiB chunk of every shard read at
	 * once from the fixed 100 GB/s backend, which does not share:
	 * 2^26 B / 1e11 B/s = 671088.64 ns, rounded up */
	rig_init_shared(&r, 2, 10e9, 1);
	assert_int_equal(rig_job(&r,
				 "[job ml]\ntype = modelload\nmodel_bytes = 1GB\nshards = 4\nloads = 2\n"
				 "interval = 1s\n",
				 wl_modelload_new, &e),
			 0);
	rig_run(&r);
	const struct hist *ht = hist_of(&r, "job.ml.herd_time");
	assert_int_equal(hist_count(ht), 2);
	assert_near((double)hist_max(ht), 0.2e9, 2);
	assert_near((double)hist_min(ht), 671089, 1);
	assert_near(metric(&r, "job.ml.loads"), 4, 0);
	assert_near(metric(&r, "job.ml.wall_s"), 1.000671089, 2e-9);
	rig_free(&r);
}

static void test_model_load_bad_keys_are_errors(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(rig_job(&r, "[job ml]\ntype = modelload\nshards = 0\n", wl_modelload_new, &e), -1);
	assert_non_null(strstr(e.msg, "test.ini:3: [job ml] shards"));
	cfg_free(r.doc);
	r.doc = NULL;
	assert_int_equal(rig_job(&r, "[job ml]\ntype = modelload\nloads = 3\n", wl_modelload_new, &e), -1);
	assert_non_null(strstr(e.msg, "needs an interval"));
	cfg_free(r.doc);
	r.doc = NULL;
	/* 1 MiB chunks: a shard of 2^24 chunks (16 TiB) fits, one byte more
	 * does not, and the job is refused when built, naming the key and
	 * the least chunk that would do (ceil(bytes / 2^24)). */
	assert_int_equal(rig_job(&r, "[job ml]\ntype = modelload\nmodel_bytes = 32TiB\nshards = 2\n", wl_modelload_new,
				 &e),
			 0);
	r.job.ops->free(&r.job);
	cfg_free(r.doc);
	r.doc = NULL;
	assert_int_equal(rig_job(&r, "[job ml]\ntype = modelload\nmodel_bytes = 35184372088834\nshards = 2\n",
				 wl_modelload_new, &e),
			 -1);
	assert_int_equal(e.code, ERR_INPUT);
	if (!strstr(e.msg, "test.ini:3: [job ml] model_bytes: a shard of 17592186044417 bytes is 16777217 chunks of "
			   "1048576 bytes, and an object has at most 2^24: use a chunk of at least 1048577 bytes"))
		fail_msg("%s", e.msg);
	rig_free(&r);
}

static void test_empty_trace_finishes_at_start(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init(&r, 1, 0);
	assert_int_equal(tiny_job(&r, "\n\n", "", &e), 0);
	rig_run(&r);
	assert_near(metric(&r, "job.kv.requests_done"), 0, 0);
	assert_near(metric(&r, "job.kv.wall_s"), 0, 0);
	assert_near(metric(&r, "job.kv.au"), 0, 0);
	rig_free(&r);
}

/* The first 300 conversation requests on 3 nodes with a small DRAM tier. */
static void conv_rig(struct rig *r)
{
	struct err e;
	rig_init(r, 3, 64 << 10);
	assert_int_equal(rig_job(r,
				 "[job conv]\ntype = kvcache\ntrace = " CONV "\nrequests = 300\nlayers = 1\n"
				 "kv_heads = 1\nhead_dim = 1\ndtype_bytes = 1\nttft = overlap\n",
				 wl_kvcache_new, &e),
			 0);
}

/* Runs conv_rig's job and returns the sum of the TTFTs. */
static uint64_t ttft_sum_of_a_run(void)
{
	struct rig r;
	conv_rig(&r);
	rig_run(&r);
	uint64_t sum = 0;
	for (size_t i = 0; i < 300; i++) {
		assert_true(kv_job_ttft_ns(&r.job, i) != UINT64_MAX);
		sum += kv_job_ttft_ns(&r.job, i) * (i + 1);
	}
	rig_free(&r);
	return sum;
}

/* Requests among the first n with a TTFT. */
static size_t ttfts(const struct wl *job, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += kv_job_ttft_ns(job, i) != UINT64_MAX;
	return k;
}

/* wl_ops.stop, as tierref calls it on a run cut at its `until`: a KV-cache
 * job stopped a third of the way admits no more requests (the engine runs
 * dry with fewer than the 300 having a TTFT); a model load stopped between
 * its two rounds (4 nodes x 1 GB at 10 GB/s: round 1 ends at 0.4 s, round
 * 2 begins at 1 s) never begins the second. */
static void test_a_stopped_job_starts_nothing_more(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	conv_rig(&r);
	assert_int_equal(r.job.ops->start(&r.job, &e), 0);
	size_t before = 0; /* run a second at a time until some requests are done */
	for (uint64_t t = 1000000000ull; before == 0 && t < 1000 * 1000000000ull; t += 1000000000ull) {
		assert_int_equal(ev_run(r.eng, t, &e), EV_UNTIL);
		before = ttfts(&r.job, 300);
	}
	assert_true(before > 0 && before < 300);
	r.job.ops->stop(&r.job);
	assert_int_equal(ev_run(r.eng, UINT64_MAX, &e), EV_EMPTY);
	size_t after = ttfts(&r.job, 300);
	assert_true(after >= before && after < 300);
	assert_false(r.job.ops->done(&r.job));
	rig_free(&r);

	rig_init_shared(&r, 4, 10e9, 0);
	assert_int_equal(rig_job(&r, "[job ml]\ntype = modelload\nmodel_bytes = 1GB\nshards = 4\nloads = 2\ninterval = 1s\n",
				 wl_modelload_new, &e),
			 0);
	assert_int_equal(r.job.ops->start(&r.job, &e), 0);
	assert_int_equal(ev_run(r.eng, 500000000ull, &e), EV_UNTIL);
	r.job.ops->stop(&r.job);
	assert_int_equal(ev_run(r.eng, UINT64_MAX, &e), EV_EMPTY);
	assert_int_equal(r.job.ops->export(&r.job, r.m, ev_now(r.eng)), 0);
	assert_int_equal(hist_count(hist_of(&r, "job.ml.load_time")), 4);
	assert_false(r.job.ops->done(&r.job));
	rig_free(&r);
}

/* A run that ends mid-load: the GPUs have waited from the load's start to
 * the run's end, 0.1 s of the 0.4 s the herd would take, on every node. */
static void test_a_load_cut_by_the_run_end_counts_its_stall_so_far(void **state)
{
	(void)state;
	struct rig r;
	struct err e;
	rig_init_shared(&r, 4, 10e9, 0);
	assert_int_equal(rig_job(&r, "[job ml]\ntype = modelload\nmodel_bytes = 1GB\nshards = 4\n", wl_modelload_new, &e),
			 0);
	assert_int_equal(r.job.ops->start(&r.job, &e), 0);
	assert_int_equal(ev_run(r.eng, 100000000ull, &e), EV_UNTIL);
	assert_int_equal(r.job.ops->export(&r.job, r.m, ev_now(r.eng)), 0);
	assert_near(metric(&r, "job.ml.stall_s"), 0.1, 1e-12);
	assert_near(metric(&r, "job.ml.wall_s"), 0.1, 1e-12);
	assert_near(metric(&r, "job.ml.loads"), 0, 0);
	rig_free(&r);
}

static void test_same_inputs_give_the_same_ttfts(void **state)
{
	(void)state;
	assert_int_equal(ttft_sum_of_a_run(), ttft_sum_of_a_run());
}

static void test_kvcache_is_registered(void **state)
{
	(void)state;
	const struct wl_type *t = wl_type_by_name("kvcache");
	assert_non_null(t);
	assert_ptr_equal(t->create, wl_kvcache_new);
	t = wl_type_by_name("modelload");
	assert_non_null(t);
	assert_ptr_equal(t->create, wl_modelload_new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversation_trace_counts_match_readme),
		cmocka_unit_test(test_every_hash_ids_list_has_ceil_input_over_512_entries),
		cmocka_unit_test(test_requests_key_takes_a_slice),
		cmocka_unit_test(test_unbounded_hit_ratio_on_conversation_is_1_minus_distinct_over_refs),
		cmocka_unit_test(test_serial_ttft_is_load_then_prefill),
		cmocka_unit_test(test_overlap_ttft_is_max_of_load_and_prefill),
		cmocka_unit_test(test_hand_trace_counts_hits_misses_and_saved_prefill),
		cmocka_unit_test(test_ttft_histogram_holds_every_request),
		cmocka_unit_test(test_prefill_engine_is_fifo_per_node),
		cmocka_unit_test(test_requests_go_round_robin_over_nodes),
		cmocka_unit_test(test_time_scale_stretches_arrivals),
		cmocka_unit_test(test_hits_are_attributed_to_the_tier_holding_the_block),
		cmocka_unit_test(test_hbm_hits_skip_the_data_path),
		cmocka_unit_test(test_hbm_holds_a_block_once_its_load_has_arrived),
		cmocka_unit_test(test_hbm_holds_a_computed_block_before_its_store_is_acknowledged),
		cmocka_unit_test(test_empty_trace_finishes_at_start),
		cmocka_unit_test(test_same_inputs_give_the_same_ttfts),
		cmocka_unit_test(test_a_stopped_job_starts_nothing_more),
		cmocka_unit_test(test_a_load_cut_by_the_run_end_counts_its_stall_so_far),
		cmocka_unit_test(test_truncated_json_names_file_and_line),
		cmocka_unit_test(test_wrong_type_names_the_field),
		cmocka_unit_test(test_hash_ids_of_the_wrong_length_is_an_error),
		cmocka_unit_test(test_timestamps_going_backwards_is_an_error),
		cmocka_unit_test(test_missing_field_and_negative_id_are_errors),
		cmocka_unit_test(test_job_errors_name_the_scenario_key),
		cmocka_unit_test(test_model_load_herd_finishes_at_n_s_over_b),
		cmocka_unit_test(test_model_load_one_shard_at_a_time_still_takes_n_s_over_b),
		cmocka_unit_test(test_model_redeploy_reads_from_the_local_tier),
		cmocka_unit_test(test_model_load_bad_keys_are_errors),
		cmocka_unit_test(test_kvcache_is_registered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
