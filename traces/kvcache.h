/*
 * kvcache — the KV-cache inference job (job type "kvcache"): LLM serving
 * requests from a Mooncake trace whose prompts share prefix blocks; each
 * block's KV cache is loaded from the tiers when it was stored before and
 * recomputed (prefill) and then stored when it was not.  The model, its
 * equations and the sources of its defaults are in kvcache.c.
 *
 *   [job NAME]  type = kvcache
 *               trace = FILE            Mooncake JSONL (relative to the scenario)
 *               requests = 0            the first N requests (0: all)
 *               time_scale = 1          arrival = start + (t - t_first) x scale
 *               layers = 80             the served model: KV bytes per token =
 *               kv_heads = 8              layers x kv_heads x head_dim x 2 x
 *               head_dim = 128            dtype_bytes (Llama-3-70B bf16:
 *               dtype_bytes = 2           320 KiB per token)
 *               block_tokens = 512      tokens per hash_ids block (Mooncake)
 *               prefill_per_token = 50us  prefill time per recomputed token
 *               ttft = serial | overlap  load then compute, or both at once
 *               hbm = 0                 per node: GPU memory for KV blocks, an
 *                                       LRU of the blocks computed or loaded
 *                                       there (0: none, every load is I/O)
 *
 * Metrics (job.NAME.*): ttft (histogram, ns), requests, requests_done,
 * block_refs, block_hits, block_misses, block_hit_ratio, joined_hits,
 * hit_tokens, miss_tokens, prefill_saved_s, compute_s, wall_s, au, stall_s,
 * join_wait_s (kvcache.c, "Stall"), load_bytes, store_bytes, io_errors,
 * TIER.load_bytes, hbm_hits (blocks found in the node's GPU memory, no
 * I/O) and hbm_bytes (their bytes: served from HBM, not its size, which
 * is the `hbm` key); series job.NAME.au (none after the job's end).
 *
 * The request-level trace reader (kv_trace_*) is public for tests and for
 * tools that need per-request structure; traces/mooncake.c is the
 * per-block-reference importer behind `tiersim trace`.
 */
#ifndef TIERSIM_KVCACHE_H
#define TIERSIM_KVCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "traces/workload.h"

/* One request of a Mooncake trace. */
struct kv_trace_req {
	uint64_t t_ms;          /* arrival, ms from trace start */
	uint64_t input_tokens;  /* input_length */
	uint64_t output_tokens; /* output_length (0 if absent) */
	size_t first;           /* its hash_ids are ids[first .. first+nblocks) */
	uint32_t nblocks;       /* ceil(input_tokens / block_tokens) */
};

struct kv_trace {
	struct kv_trace_req *req;
	size_t nreq;
	uint64_t *ids;          /* every request's hash_ids, in order */
	size_t nids;            /* block references */
	uint64_t block_tokens;
};

/* Reads the first max_requests requests (0: all) of a Mooncake JSONL file:
 * one object per line with integer timestamp (non-decreasing), integer
 * input_length, optional integer output_length and hash_ids, an array of
 * ceil(input_length / block_tokens) integers in [0, 2^32).  Other keys are
 * ignored; blank lines are skipped.  -1 with "FILE:LINE: FIELD: ..." on bad
 * input (ERR_INPUT) or on failure to read (ERR_FAIL).  *t is zeroed first
 * and must be freed with kv_trace_free either way. */
int kv_trace_load(struct kv_trace *t, const char *path, uint64_t block_tokens, uint64_t max_requests,
		  struct err *e);
void kv_trace_free(struct kv_trace *t);
/* Distinct hash ids among the references; (size_t)-1 on out of memory. */
size_t kv_trace_distinct(const struct kv_trace *t);

/* The job constructor (wl_new_fn, registered as "kvcache"). */
int wl_kvcache_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
		   struct err *e);

/* Time to first token of request i (trace order, within the slice) of a
 * kvcache job, in ns; UINT64_MAX while it has none yet (for tests). */
uint64_t kv_job_ttft_ns(const struct wl *w, size_t i);

#endif
