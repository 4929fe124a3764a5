/*
 * kvcache — KV-cache inference over the tiers (job type "kvcache"), driven
 * by a Mooncake request trace; see kvcache.h for the scenario keys.
 *
 * What it models.  An LLM serving cluster with prefix caching (Mooncake,
 * LMCache): a request's prompt is a list of 512-token prefix blocks
 * (hash_ids; equal ids are equal prefixes).  The KV cache of a block that
 * was computed and stored before is loaded from the storage tiers; a block
 * never stored is recomputed by prefill on the node's GPUs and then
 * stored, so later requests sharing the prefix can load it.
 *
 *   Arrival   request r arrives at  a_r = start + (t_r - t_0) x time_scale
 *             (t in ms, t_0 the slice's first request) on job node
 *             r mod nodes (round-robin).
 *   Blocks    block k of r holds tok_k = block_tokens tokens, the last
 *             input_length - block_tokens (n - 1).  KV bytes per token
 *               q = layers x kv_heads x head_dim x 2 (K and V) x dtype_bytes
 *             and every block is one object of  B = block_tokens x q  bytes
 *             (a partial last block is stored as a whole block, as paged
 *             KV caches allocate it), object id wl_object_id(job, hash_id).
 *   Lookup    a job-wide block table, in trace order at arrival:
 *               stored  -> hit: path_read(B) on r's node; the path decides
 *                          which tier serves it;
 *               pending (another request is computing or storing it)
 *                       -> hit that joins: it waits until the block is
 *                          stored, then reads it (as the data path
 *                          coalesces a chunk fetch already in flight);
 *               absent  -> miss: r recomputes it, the block is pending.
 *             A block is thus a miss exactly on its first reference, and
 *             with an unbounded bottom tier the block hit ratio is
 *               1 - distinct blocks / block references
 *             (Mooncake conversation: 1 - 182790/288500 = 0.366).  Why a
 *             table: every unbounded tier "holds" every chunk (path.h), so
 *             residency cannot tell a block never written from one stored.
 *             Only the bottom tier is unbounded, so a stored block is never
 *             lost; eviction in the tiers above shows as slower loads.
 *   Compute   one prefill engine per node (its GPUs as one tensor-parallel
 *             instance), FIFO: r's prefill of its M_r = sum of tok_k over
 *             missed blocks takes  C_r = M_r x prefill_per_token, starting
 *             when the engine is free.  A request with no misses computes
 *             nothing (the first decoded token is not modelled).
 *   Stores    when r's prefill ends, each missed block is written (path
 *             write of B; the tiers' write policies place it) and becomes
 *             stored when the write is acknowledged.  Stores are off the
 *             TTFT path.
 *   TTFT      L_r = when r's last load completes (a_r if none);
 *               serial:  prefill is queued at L_r (load, then compute, as
 *                        vLLM with a KV connector does by default);
 *               overlap: prefill is queued at a_r and runs while loads
 *                        stream in (Mooncake's layer-wise overlap);
 *             in both, with E_r the end of r's prefill (a_r if M_r = 0),
 *               TTFT_r = max(L_r, E_r) - a_r.
 *   Saved     prefill_saved = (tokens of hit blocks) x prefill_per_token.
 *   AU        compute time / wall time per GPU (workload.h): the node's
 *             prefill busy time over the job's wall time, averaged over
 *             nodes, AU = sum_r C_r / (nodes x wall).  An inference node
 *             idles between requests too, so AU here measures load, not
 *             only stalls.
 *   Stall     per request, the part of TTFT spent waiting for KV loads
 *             beyond compute and beyond J_r, when the last block r joined
 *             (another request's, being computed and stored) was stored:
 *             L_r - max(a_r, J_r) (serial), max(0, L_r - max(E_r, J_r))
 *             (overlap); stall_s is its sum over requests divided by
 *             nodes.  It is request time, not GPU idle time.  The wait for
 *             the joined blocks, max(0, J_r - a_r), is another request's
 *             prefill, not I/O: join_wait_s, summed the same way.  (Until
 *             2026-11-25 it was in the stall: on a saturated prefill
 *             engine over ideal storage, 540 times the job's wall time.)
 *   Per tier  a hit is attributed to the top tier holding the block's first
 *             chunk when the read is issued (TIER.load_bytes); the path's
 *             own per-tier statistics (tier.*) count the exact bytes, of
 *             every job on those nodes.
 *
 *   HBM       with `hbm` > 0, each node's GPU memory keeps the blocks it
 *             computed or loaded, an LRU of hbm bytes.  A block is there
 *             from its prefill's end or its load's arrival, not before: a
 *             reference to a block whose load is still in flight on the
 *             node reads it too (the data path coalesces the two if the
 *             fetch below is still in flight).  A reference to a block in
 *             the node's HBM needs no I/O (hbm_hits), also while the block
 *             is still pending because its store is not acknowledged yet:
 *             this node computed it.  (Until 2026-11-26 a block counted as
 *             in HBM from the moment its load was issued, so a second
 *             request on the node had it at once, a second before the
 *             first read arrived.)
 *
 * Not modelled: batching and decode, failed loads (counted in io_errors;
 * the request proceeds as if loaded) and failed stores (counted; the
 * block becomes absent again and its waiters proceed without it).
 *
 * Defaults and sources (../shared/reference/hardware-and-scale.md):
 *   layers 80, kv_heads 8, head_dim 128, dtype_bytes 2: Llama-3-70B in
 *     bf16, 320 KiB per token, 160 MiB per block             [D] §5.4, K1
 *   block_tokens 512: Mooncake's block size (its trace README)
 *   prefill_per_token 50 us: assumed, derived: prefill costs ~2 FLOP per
 *     parameter per token, 1.4e11 FLOP for 70B; an 8 x H100 node at ~40%
 *     MFU of 989 TFLOP/s dense bf16 each [R] gives ~3.2e15 FLOP/s, 44 us
 *     per token, rounded up (~20k prompt tokens/s per node); attention's
 *     quadratic term is ignored.
 *
 * The trace reader parses each line with jansson (json_loadb) and keeps
 * the slice in memory (8 bytes per block reference), so bad input is
 * found before the run starts.
 */
#include "kvcache.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim/hist.h"
#include "sim/policy.h"
#include "sim/path.h"
#include "traces/trace.h"

/* ---- a map from hash id to a dense block index ---- */

struct kv_map {
	uint64_t *key; /* id + 1; 0 marks an empty slot */
	uint32_t *val;
	size_t mask;
};

static uint64_t kv_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Room for at least n keys at load factor <= 1/2; never grows. */
static int kv_map_init(struct kv_map *m, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	m->key = calloc(cap, sizeof *m->key);
	m->val = malloc(cap * sizeof *m->val);
	m->mask = cap - 1;
	return m->key && m->val ? 0 : -1;
}

static void kv_map_free(struct kv_map *m)
{
	free(m->key);
	free(m->val);
}

/* The index of id, or *n (then incremented) if id is new. */
static uint32_t kv_map_index(struct kv_map *m, uint64_t id, uint32_t *n)
{
	size_t i = kv_mix(id) & m->mask;
	while (m->key[i] && m->key[i] != id + 1)
		i = (i + 1) & m->mask;
	if (!m->key[i]) {
		m->key[i] = id + 1;
		m->val[i] = (*n)++;
	}
	return m->val[i];
}

/* ---- the request-level reader ---- */

static const char *kv_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* 1 and *out set, 0 if absent and not required, -1 on a bad value. */
static int kv_json_u64(const json_t *o, const char *key, int required, uint64_t *out, const char *path, size_t line,
		       struct err *e)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		if (!required)
			return 0;
		return err_set(e, ERR_INPUT, "%s:%zu: %s: missing", path, line, key);
	}
	if (!json_is_integer(v))
		return err_set(e, ERR_INPUT, "%s:%zu: %s: expected an integer, got %s", path, line, key,
			       kv_json_type(v));
	json_int_t x = json_integer_value(v);
	if (x < 0)
		return err_set(e, ERR_INPUT, "%s:%zu: %s: %lld is negative", path, line, key, (long long)x);
	*out = (uint64_t)x;
	return 1;
}

static int kv_push_id(struct kv_trace *t, size_t *cap, uint64_t id)
{
	if (t->nids == *cap) {
		size_t nc = *cap ? 2 * *cap : 4096;
		uint64_t *p = realloc(t->ids, nc * sizeof *p);
		if (!p)
			return -1;
		t->ids = p;
		*cap = nc;
	}
	t->ids[t->nids++] = id;
	return 0;
}

/* Parses one record (line `line`) into t. */
static int kv_parse_record(struct kv_trace *t, size_t *idcap, const char *buf, size_t len, const char *path,
			   size_t line, struct err *e)
{
	json_error_t jerr;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return err_set(e, ERR_INPUT, "%s:%zu: record: column %d: truncated or invalid JSON: %s", path, line,
			       jerr.column, jerr.text);
	int rc = -1;
	struct kv_trace_req r = { .first = t->nids };
	if (!json_is_object(o)) {
		err_set(e, ERR_INPUT, "%s:%zu: record: expected an object, got %s", path, line, kv_json_type(o));
		goto out;
	}
	if (kv_json_u64(o, "timestamp", 1, &r.t_ms, path, line, e) < 0 ||
	    kv_json_u64(o, "input_length", 1, &r.input_tokens, path, line, e) < 0 ||
	    kv_json_u64(o, "output_length", 0, &r.output_tokens, path, line, e) < 0)
		goto out;
	if (t->nreq && r.t_ms < t->req[t->nreq - 1].t_ms) {
		err_set(e, ERR_INPUT, "%s:%zu: timestamp: %llu is before the previous record's %llu (must not decrease)",
			path, line, (unsigned long long)r.t_ms, (unsigned long long)t->req[t->nreq - 1].t_ms);
		goto out;
	}
	json_t *h = json_object_get(o, "hash_ids");
	if (!h) {
		err_set(e, ERR_INPUT, "%s:%zu: hash_ids: missing", path, line);
		goto out;
	}
	if (!json_is_array(h)) {
		err_set(e, ERR_INPUT, "%s:%zu: hash_ids: expected an array, got %s", path, line, kv_json_type(h));
		goto out;
	}
	uint64_t want = r.input_tokens / t->block_tokens + (r.input_tokens % t->block_tokens != 0);
	size_t n = json_array_size(h);
	if (n != want) {
		err_set(e, ERR_INPUT,
			"%s:%zu: hash_ids: %zu entries, but input_length %llu needs ceil(%llu/%llu) = %llu", path, line,
			n, (unsigned long long)r.input_tokens, (unsigned long long)r.input_tokens,
			(unsigned long long)t->block_tokens, (unsigned long long)want);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		json_t *v = json_array_get(h, k);
		if (!json_is_integer(v)) {
			err_set(e, ERR_INPUT, "%s:%zu: hash_ids[%zu]: expected an integer, got %s", path, line, k,
				kv_json_type(v));
			goto out;
		}
		json_int_t x = json_integer_value(v);
		if (x < 0 || (uint64_t)x > UINT32_MAX) {
			err_set(e, ERR_INPUT, "%s:%zu: hash_ids[%zu]: %lld is outside 0 to 4294967295", path, line, k,
				(long long)x);
			goto out;
		}
		if (kv_push_id(t, idcap, (uint64_t)x) < 0) {
			err_set(e, ERR_FAIL, "out of memory reading %s", path);
			goto out;
		}
	}
	r.nblocks = (uint32_t)n;
	t->req[t->nreq++] = r;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int kv_trace_load(struct kv_trace *t, const char *path, uint64_t block_tokens, uint64_t max_requests,
		  struct err *e)
{
	memset(t, 0, sizeof *t);
	t->block_tokens = block_tokens;
	if (block_tokens == 0)
		return err_set(e, ERR_INPUT, "%s: block_tokens must be more than 0", path);
	FILE *f = fopen(path, "r");
	if (!f)
		return err_open(e, path, errno);
	char *buf = NULL;
	size_t bufcap = 0, reqcap = 0, idcap = 0;
	uint64_t line = 0;
	ssize_t len = 0;
	int rc = 0;
	/* Mooncake's lines: at most 64 MiB, as its trace reader's (mooncake.c). */
	while ((!max_requests || t->nreq < max_requests) &&
	       (len = trace_read_line(f, &buf, &bufcap, (size_t)64 << 20, path, &line, e)) >= 0) {
		size_t i = 0;
		while (i < (size_t)len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
			i++;
		if (i == (size_t)len)
			continue; /* blank */
		/* jansson would read a NUL outside a string as the end of the
		 * text: the record would be read as something else. */
		if (trace_line_nul(buf, (size_t)len, path, line, e) < 0) {
			rc = -1;
			break;
		}
		if (t->nreq == reqcap) {
			size_t nc = reqcap ? 2 * reqcap : 1024;
			struct kv_trace_req *p = realloc(t->req, nc * sizeof *p);
			if (!p) {
				rc = err_set(e, ERR_FAIL, "out of memory reading %s", path);
				break;
			}
			t->req = p;
			reqcap = nc;
		}
		if (kv_parse_record(t, &idcap, buf, (size_t)len, path, line, e) < 0) {
			rc = -1;
			break;
		}
		if (t->nids > INT32_MAX) {
			rc = err_set(e, ERR_INPUT, "%s:%llu: more than %d block references; take a slice (requests = N)",
				     path, (unsigned long long)line, INT32_MAX);
			break;
		}
	}
	if (rc == 0 && len == -2)
		rc = -1; /* trace_read_line's message: read error, a line too long, out of memory */
	free(buf);
	fclose(f);
	return rc;
}

void kv_trace_free(struct kv_trace *t)
{
	free(t->req);
	free(t->ids);
	memset(t, 0, sizeof *t);
}

size_t kv_trace_distinct(const struct kv_trace *t)
{
	struct kv_map m;
	if (kv_map_init(&m, t->nids) < 0) {
		kv_map_free(&m);
		return (size_t)-1;
	}
	uint32_t n = 0;
	for (size_t i = 0; i < t->nids; i++)
		kv_map_index(&m, t->ids[i], &n);
	kv_map_free(&m);
	return n;
}

/* ---- the job ---- */

enum kv_state { KV_ABSENT = 0, KV_PENDING, KV_STORED };
enum kv_mode { KV_SERIAL, KV_OVERLAP };

struct kv_job;

/* One block reference; the ctx of its path callbacks. */
struct kv_ref {
	struct kv_job *j;
	uint32_t req;
	uint32_t block;      /* dense block index */
	int32_t wait_next;   /* next waiter on the same block, -1: none */
	uint8_t missed;      /* this request computes and stores the block */
};

/* A request while it runs. */
struct kv_rt {
	struct kv_job *j;
	uint64_t arrive_ns, load_ns, comp_ns, ttft_ns;
	uint64_t join_ns;      /* the last of its joined blocks stored (0: none joined) */
	uint64_t miss_tokens;
	uint32_t node, loads_out, stores_out;
	uint8_t loaded, computed, ttft_done, done;
};

/* A node's prefill engine: one FIFO server.  Work is only ever queued
 * behind free_at_ns, so what is left to do at time t is
 * max(0, free_at - t) and busy time up to t is submitted - that. */
struct kv_node {
	uint64_t free_at_ns;
	uint64_t submitted_ns;
	/* The KV blocks in this node's GPU memory (HBM), an LRU of hbm_bytes
	 * (`hbm`; 0: not modelled, every load goes through the data path).
	 * A block loaded or computed on the node enters it. */
	struct pol hbm;
};

struct kv_job {
	struct wl_env env;
	char *name;
	struct kv_trace tr;
	/* parameters */
	uint64_t block_bytes, prefill_ns;
	uint64_t hbm_bytes;           /* per node; 0: no HBM cache */
	double time_scale;
	enum kv_mode mode;
	/* blocks (dense) and references */
	uint32_t nblocks;
	uint8_t *state;
	uint32_t *owner;              /* pending: the request computing it */
	int32_t *wait_head, *wait_tail;
	struct kv_ref *ref;
	struct kv_rt *rt;
	struct kv_node *node;
	/* progress */
	size_t next_req, done_reqs;
	int started, finished, stopped;
	uint64_t end_ns;
	/* statistics */
	uint64_t refs, hits, misses, joined, hit_tokens, miss_tokens;
	uint64_t load_bytes, store_bytes, io_errors, stall_ns, join_wait_ns;
	uint64_t hbm_hits, hbm_bytes_hit;
	uint64_t tier_bytes[PATH_MAX_TIERS];
	struct hist *ttft;
	uint64_t au_last_ns;
	double au_last_busy, au_last;
	int failed;
	struct err ferr;
};

static void kv_fail(struct kv_job *j, const struct err *e)
{
	if (!j->failed) {
		j->failed = 1;
		j->ferr = *e;
		err_prefix(&j->ferr, "job %s: ", j->name);
	}
}

static uint64_t kv_now(const struct kv_job *j)
{
	return exec_now(j->env.x);
}

static uint64_t kv_due(const struct kv_job *j, size_t i)
{
	long double dt = (long double)(j->tr.req[i].t_ms - j->tr.req[0].t_ms) * 1e6L * j->time_scale;
	return j->env.start_ns + (uint64_t)llroundl(dt);
}

static uint64_t kv_block_tok(const struct kv_job *j, const struct kv_trace_req *r, uint32_t k)
{
	uint64_t bt = j->tr.block_tokens;
	return k + 1 < r->nblocks ? bt : r->input_tokens - bt * (r->nblocks - 1);
}

static uint64_t kv_object(const struct kv_job *j, size_t ref)
{
	return wl_object_id(j->env.job_index, j->tr.ids[ref]);
}

static void kv_check_done(struct kv_job *j, uint32_t i)
{
	struct kv_rt *rt = &j->rt[i];
	if (rt->done || !rt->ttft_done || rt->stores_out)
		return;
	rt->done = 1;
	j->done_reqs++;
	if (j->done_reqs == j->tr.nreq && j->next_req == j->tr.nreq && !j->finished) {
		j->finished = 1;
		j->end_ns = kv_now(j);
		j->env.on_finish(j->env.ctx);
	}
}

static void kv_check_ttft(struct kv_job *j, uint32_t i)
{
	struct kv_rt *rt = &j->rt[i];
	if (rt->ttft_done || !rt->loaded || !rt->computed)
		return;
	rt->ttft_done = 1;
	uint64_t t = rt->load_ns > rt->comp_ns ? rt->load_ns : rt->comp_ns;
	rt->ttft_ns = t - rt->arrive_ns;
	hist_record(j->ttft, rt->ttft_ns);
	/* Waiting for another request to compute and store a shared block
	 * is waiting for its prefill, not for I/O: join_wait, not stall. */
	uint64_t ready = rt->join_ns > rt->arrive_ns ? rt->join_ns : rt->arrive_ns;
	j->join_wait_ns += ready - rt->arrive_ns;
	uint64_t from = j->mode == KV_SERIAL ? ready : rt->comp_ns > ready ? rt->comp_ns : ready;
	if (rt->load_ns > from)
		j->stall_ns += rt->load_ns - from;
}

static void kv_store_done(void *ctx, int status, uint64_t bytes);
static void kv_load_done(void *ctx, int status, uint64_t bytes);
static int kv_hbm_access(struct kv_job *j, uint32_t node, size_t ref);

static void kv_compute_done(void *arg)
{
	struct kv_rt *rt = arg;
	struct kv_job *j = rt->j;
	uint32_t i = (uint32_t)(rt - j->rt);
	const struct kv_trace_req *r = &j->tr.req[i];
	struct path *p = j->env.paths[rt->node];
	rt->computed = 1;
	rt->comp_ns = kv_now(j);
	for (uint32_t k = 0; k < r->nblocks; k++) {
		size_t ref = r->first + k;
		if (!j->ref[ref].missed || j->stopped)
			continue;
		kv_hbm_access(j, rt->node, ref); /* computed into this GPU's memory */
		struct err e;
		if (path_write(p, kv_object(j, ref), j->block_bytes, 0, j->block_bytes, kv_store_done, &j->ref[ref],
			       &e) < 0) {
			kv_fail(j, &e);
			continue;
		}
		rt->stores_out++;
	}
	kv_check_ttft(j, i);
	kv_check_done(j, i);
}

/* Queues request i's prefill on its node's engine (or completes it now
 * when it has nothing to compute). */
static void kv_submit_compute(struct kv_job *j, uint32_t i)
{
	struct kv_rt *rt = &j->rt[i];
	uint64_t c = rt->miss_tokens * j->prefill_ns, now = kv_now(j);
	if (c == 0) {
		rt->computed = 1;
		rt->comp_ns = now;
		return;
	}
	struct kv_node *n = &j->node[rt->node];
	uint64_t begin = n->free_at_ns > now ? n->free_at_ns : now;
	n->free_at_ns = begin + c;
	n->submitted_ns += c;
	exec_at(j->env.x, n->free_at_ns, kv_compute_done, rt);
}

static void kv_one_load_done(struct kv_job *j, uint32_t i)
{
	struct kv_rt *rt = &j->rt[i];
	if (--rt->loads_out)
		return;
	rt->loaded = 1;
	rt->load_ns = kv_now(j);
	if (j->mode == KV_SERIAL)
		kv_submit_compute(j, i);
	kv_check_ttft(j, i);
	kv_check_done(j, i);
}

/* 1 if block ref is in its node's HBM now (nothing changes there). */
static int kv_hbm_holds(const struct kv_job *j, uint32_t node, size_t ref)
{
	const struct kv_node *n = &j->node[node];
	return n->hbm.st && pol_contains(&n->hbm, kv_object(j, ref));
}

/* Makes block ref resident in its node's HBM, the most recently used
 * there (LRU): 1 if it already was. */
static int kv_hbm_access(struct kv_job *j, uint32_t node, size_t ref)
{
	struct kv_node *n = &j->node[node];
	if (!n->hbm.st)
		return 0;
	struct pol_req pr = { .obj_id = kv_object(j, ref), .size_bytes = j->block_bytes, .next_access_vtime = -1 };
	return pol_access(&n->hbm, &pr, NULL) > 0;
}

static void kv_hbm_hit(void *arg)
{
	struct kv_ref *rf = arg;
	kv_one_load_done(rf->j, rf->req);
}

/* Issues the read of a stored block for reference ref; -1 (the job failed)
 * if the path refused it.  A block already in the node's HBM needs no I/O:
 * it completes at once (through the executor, as a load would). */
static int kv_load(struct kv_job *j, size_t ref)
{
	struct kv_rt *rt = &j->rt[j->ref[ref].req];
	if (kv_hbm_holds(j, rt->node, ref) && kv_hbm_access(j, rt->node, ref)) {
		j->hbm_hits++;
		j->hbm_bytes_hit += j->block_bytes;
		exec_at(j->env.x, kv_now(j), kv_hbm_hit, &j->ref[ref]);
		return 0;
	}
	struct path *p = j->env.paths[rt->node];
	uint64_t obj = kv_object(j, ref);
	size_t nt = path_n_tiers(p);
	for (size_t t = 0; t < nt && t < PATH_MAX_TIERS; t++)
		if (path_tier_holds(p, t, obj, 0)) {
			j->tier_bytes[t] += j->block_bytes;
			break;
		}
	struct err e;
	if (path_read(p, obj, j->block_bytes, 0, j->block_bytes, kv_load_done, &j->ref[ref], &e) < 0) {
		kv_fail(j, &e);
		return -1;
	}
	return 0;
}

static void kv_load_done(void *ctx, int status, uint64_t bytes)
{
	struct kv_ref *rf = ctx;
	struct kv_job *j = rf->j;
	if (status != BK_OK) {
		j->io_errors++;
	} else {
		j->load_bytes += bytes;
		kv_hbm_access(j, j->rt[rf->req].node, (size_t)(rf - j->ref)); /* arrived in GPU memory */
	}
	kv_one_load_done(j, rf->req);
}

/* The block of ref has been stored (ok) or its store failed: wake its
 * waiters, in the order they came. */
static void kv_block_stored(struct kv_job *j, size_t ref, int ok)
{
	uint32_t b = j->ref[ref].block;
	j->state[b] = ok ? KV_STORED : KV_ABSENT;
	int32_t w = j->wait_head[b];
	j->wait_head[b] = j->wait_tail[b] = -1;
	uint64_t now = kv_now(j);
	while (w >= 0) {
		int32_t next = j->ref[w].wait_next;
		j->rt[j->ref[w].req].join_ns = now;
		if (!ok || kv_load(j, (size_t)w) < 0)
			kv_one_load_done(j, j->ref[w].req);
		w = next;
	}
}

static void kv_store_done(void *ctx, int status, uint64_t bytes)
{
	struct kv_ref *rf = ctx;
	struct kv_job *j = rf->j;
	if (status != BK_OK)
		j->io_errors++;
	else
		j->store_bytes += bytes;
	kv_block_stored(j, (size_t)(rf - j->ref), status == BK_OK);
	j->rt[rf->req].stores_out--;
	kv_check_done(j, rf->req);
}

/* Request i arrives now: look its blocks up, issue its loads, and queue
 * its prefill (overlap, or serial with nothing to load). */
static void kv_request(struct kv_job *j, uint32_t i)
{
	const struct kv_trace_req *r = &j->tr.req[i];
	struct kv_rt *rt = &j->rt[i];
	rt->arrive_ns = kv_now(j);
	rt->node = (uint32_t)(i % j->env.nodes);
	rt->loads_out = 1; /* held until every load is issued */
	for (uint32_t k = 0; k < r->nblocks; k++) {
		size_t ref = r->first + k;
		uint32_t b = j->ref[ref].block;
		uint64_t tok = kv_block_tok(j, r, k);
		j->refs++;
		switch (j->state[b]) {
		case KV_ABSENT:
			j->misses++;
			j->miss_tokens += tok;
			rt->miss_tokens += tok;
			j->state[b] = KV_PENDING;
			j->owner[b] = i;
			j->ref[ref].missed = 1;
			break;
		case KV_PENDING:
			j->hits++;
			j->hit_tokens += tok;
			if (j->owner[b] == i)
				break; /* a repeat within the request: computed here */
			if (kv_hbm_holds(j, rt->node, ref)) {
				/* Computed on this node, its store not yet
				 * acknowledged: in this GPU's memory all the same. */
				if (kv_load(j, ref) == 0)
					rt->loads_out++;
				break;
			}
			j->joined++;
			rt->loads_out++;
			j->ref[ref].wait_next = -1;
			if (j->wait_tail[b] >= 0)
				j->ref[j->wait_tail[b]].wait_next = (int32_t)ref;
			else
				j->wait_head[b] = (int32_t)ref;
			j->wait_tail[b] = (int32_t)ref;
			break;
		case KV_STORED:
			j->hits++;
			j->hit_tokens += tok;
			if (kv_load(j, ref) == 0)
				rt->loads_out++;
			break;
		}
	}
	if (j->mode == KV_OVERLAP)
		kv_submit_compute(j, i);
	kv_one_load_done(j, i); /* drops the hold */
}

static void kv_arrive(void *arg)
{
	struct kv_job *j = arg;
	if (j->stopped)
		return;
	uint64_t now = kv_now(j);
	while (j->next_req < j->tr.nreq && kv_due(j, j->next_req) <= now) {
		uint32_t i = (uint32_t)j->next_req++;
		kv_request(j, i);
	}
	if (j->next_req < j->tr.nreq)
		exec_at(j->env.x, kv_due(j, j->next_req), kv_arrive, j);
}

static void kv_finish_empty(void *arg)
{
	struct kv_job *j = arg;
	j->finished = 1;
	j->end_ns = kv_now(j);
	j->env.on_finish(j->env.ctx);
}

static int kv_start(struct wl *w, struct err *e)
{
	struct kv_job *j = w->st;
	if (j->started)
		return err_set(e, ERR_FAIL, "job %s: started twice", j->name);
	j->started = 1;
	if (j->tr.nreq == 0)
		exec_at(j->env.x, j->env.start_ns, kv_finish_empty, j);
	else
		exec_at(j->env.x, kv_due(j, 0), kv_arrive, j);
	return 0;
}

static int kv_done(const struct wl *w)
{
	return ((const struct kv_job *)w->st)->finished;
}

static int kv_failed(const struct wl *w, struct err *e)
{
	const struct kv_job *j = w->st;
	if (!j->failed)
		return 0;
	if (e)
		*e = j->ferr;
	return -1;
}

/* Prefill busy time of all nodes up to t, ns. */
static double kv_busy_ns(const struct kv_job *j, uint64_t t)
{
	double busy = 0;
	for (size_t n = 0; n < j->env.nodes; n++) {
		const struct kv_node *k = &j->node[n];
		uint64_t left = k->free_at_ns > t ? k->free_at_ns - t : 0;
		busy += (double)(k->submitted_ns - left);
	}
	return busy;
}

/* AU over the last sampling period. */
static double kv_au_probe(void *ctx, uint64_t now_ns)
{
	struct kv_job *j = ctx;
	if (now_ns <= j->au_last_ns)
		return j->au_last;
	if (j->finished && j->au_last_ns >= j->end_ns)
		return NAN; /* a period after the job's end (a drain): no AU, not 0 */
	double busy = kv_busy_ns(j, now_ns);
	j->au_last = (busy - j->au_last_busy) / ((double)j->env.nodes * (double)(now_ns - j->au_last_ns));
	j->au_last_busy = busy;
	j->au_last_ns = now_ns;
	return j->au_last;
}

static int kv_add_series(struct wl *w, struct met_registry *m)
{
	struct kv_job *j = w->st;
	char name[256];
	snprintf(name, sizeof name, "job.%s.au", j->name);
	return met_series_add(m, name, "ratio", kv_au_probe, j) ? 0 : -1;
}

static int kv_set(struct met_registry *m, const char *job, const char *what, double v, const char *unit)
{
	char name[256];
	snprintf(name, sizeof name, "job.%s.%s", job, what);
	return met_set(m, name, v, unit);
}

static int kv_export(struct wl *w, struct met_registry *m, uint64_t now_ns)
{
	struct kv_job *j = w->st;
	uint64_t end = j->finished ? j->end_ns : now_ns;
	double wall = end > j->env.start_ns ? (double)(end - j->env.start_ns) : 0;
	double busy = kv_busy_ns(j, end), nodes = (double)j->env.nodes;
	const char *n = j->name;
	int rc = 0;
	rc |= kv_set(m, n, "requests", (double)j->next_req, "requests");
	rc |= kv_set(m, n, "requests_done", (double)j->done_reqs, "requests");
	rc |= kv_set(m, n, "block_refs", (double)j->refs, "blocks");
	rc |= kv_set(m, n, "block_hits", (double)j->hits, "blocks");
	rc |= kv_set(m, n, "block_misses", (double)j->misses, "blocks");
	rc |= kv_set(m, n, "hbm_hits", (double)j->hbm_hits, "blocks");
	rc |= kv_set(m, n, "hbm_bytes", (double)j->hbm_bytes_hit, "B");
	rc |= kv_set(m, n, "block_hit_ratio", j->refs ? (double)j->hits / (double)j->refs : 0, "ratio");
	rc |= kv_set(m, n, "joined_hits", (double)j->joined, "blocks");
	rc |= kv_set(m, n, "hit_tokens", (double)j->hit_tokens, "tokens");
	rc |= kv_set(m, n, "miss_tokens", (double)j->miss_tokens, "tokens");
	rc |= kv_set(m, n, "prefill_saved_s", (double)j->hit_tokens * (double)j->prefill_ns / 1e9, "s");
	rc |= kv_set(m, n, "compute_s", busy / nodes / 1e9, "s");
	rc |= kv_set(m, n, "wall_s", wall / 1e9, "s");
	rc |= kv_set(m, n, "au", wall > 0 ? busy / (nodes * wall) : 0, "ratio");
	rc |= kv_set(m, n, "stall_s", (double)j->stall_ns / nodes / 1e9, "s");
	rc |= kv_set(m, n, "join_wait_s", (double)j->join_wait_ns / nodes / 1e9, "s");
	rc |= kv_set(m, n, "load_bytes", (double)j->load_bytes, "B");
	rc |= kv_set(m, n, "store_bytes", (double)j->store_bytes, "B");
	rc |= kv_set(m, n, "io_errors", (double)j->io_errors, "ops");
	const struct path *p = j->env.paths[0];
	for (size_t t = 0; t < path_n_tiers(p) && t < PATH_MAX_TIERS; t++) {
		char what[200];
		snprintf(what, sizeof what, "%s.load_bytes", path_tier_name(p, t));
		rc |= kv_set(m, n, what, (double)j->tier_bytes[t], "B");
	}
	char name[256];
	snprintf(name, sizeof name, "job.%s.ttft", n);
	struct hist *h = met_hist(m, name, "ns");
	if (!h)
		return -1;
	hist_reset(h);
	hist_merge(h, j->ttft);
	return rc ? -1 : 0;
}

static void kv_free(struct wl *w)
{
	struct kv_job *j = w->st;
	if (!j)
		return;
	kv_trace_free(&j->tr);
	free(j->state);
	free(j->owner);
	free(j->wait_head);
	free(j->wait_tail);
	free(j->ref);
	free(j->rt);
	for (size_t n = 0; j->node && n < j->env.nodes; n++)
		if (j->node[n].hbm.st)
			pol_destroy(&j->node[n].hbm);
	free(j->node);
	hist_free(j->ttft);
	free(j->name);
	free(j);
	w->st = NULL;
}

/* No request arrives any more (kv_arrive) and no block is stored
 * (kv_compute_done); the loads of requests that have arrived complete. */
static void kv_stop(struct wl *w)
{
	((struct kv_job *)w->st)->stopped = 1;
}

static const struct wl_ops kv_ops = {
	.stop = kv_stop,
	.start = kv_start,
	.done = kv_done,
	.failed = kv_failed,
	.export = kv_export,
	.add_series = kv_add_series,
	.free = kv_free,
};

uint64_t kv_job_ttft_ns(const struct wl *w, size_t i)
{
	const struct kv_job *j = w->st;
	if (w->ops != &kv_ops || i >= j->tr.nreq || !j->rt[i].ttft_done)
		return UINT64_MAX;
	return j->rt[i].ttft_ns;
}

/* a * b, or -1 if it overflows. */
static int kv_mul(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a && b > UINT64_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

static int kv_u64_pos(struct cfg_doc *d, struct cfg_section *s, const char *key, uint64_t *v, struct err *e)
{
	if (cfg_u64(d, s, key, v, e) < 0)
		return -1;
	if (*v == 0)
		return cfg_error(d, s, cfg_key(s, key), e, "must be more than 0");
	return 0;
}

/* Reads the keys into j and loads the trace. */
static int kv_configure(struct kv_job *j, struct cfg_doc *d, struct cfg_section *s, struct err *e)
{
	const char *trace = NULL, *mode = "serial";
	uint64_t requests = 0, layers = 80, kv_heads = 8, head_dim = 128, dtype = 2, block_tokens = 512;
	j->prefill_ns = 50000;
	j->time_scale = 1;
	if (cfg_string(d, s, "trace", &trace, e) < 0 || cfg_u64(d, s, "requests", &requests, e) < 0 ||
	    cfg_double(d, s, "time_scale", &j->time_scale, e) < 0 || kv_u64_pos(d, s, "layers", &layers, e) < 0 ||
	    kv_u64_pos(d, s, "kv_heads", &kv_heads, e) < 0 || kv_u64_pos(d, s, "head_dim", &head_dim, e) < 0 ||
	    kv_u64_pos(d, s, "dtype_bytes", &dtype, e) < 0 || kv_u64_pos(d, s, "block_tokens", &block_tokens, e) < 0 ||
	    cfg_time_ns(d, s, "prefill_per_token", &j->prefill_ns, e) < 0 || cfg_string(d, s, "ttft", &mode, e) < 0 ||
	    cfg_bytes(d, s, "hbm", &j->hbm_bytes, e) < 0)
		return -1;
	if (!trace)
		return err_set(e, ERR_INPUT, "%s:%d: [job %s]: missing key 'trace' (a Mooncake JSONL file)", d->path,
			       s->line, s->name);
	if (!*trace)
		return cfg_error(d, s, cfg_key(s, "trace"), e, "empty: name a Mooncake JSONL file");
	if (!(j->time_scale > 0) || !isfinite(j->time_scale))
		return cfg_error(d, s, cfg_key(s, "time_scale"), e, "must be more than 0");
	if (strcmp(mode, "serial") == 0)
		j->mode = KV_SERIAL;
	else if (strcmp(mode, "overlap") == 0)
		j->mode = KV_OVERLAP;
	else
		return cfg_error(d, s, cfg_key(s, "ttft"), e, "'%s' is not a TTFT model (serial or overlap)", mode);
	uint64_t q;
	if (kv_mul(layers, kv_heads, &q) < 0 || kv_mul(q, head_dim, &q) < 0 || kv_mul(q, 2 * dtype, &q) < 0 ||
	    kv_mul(q, block_tokens, &j->block_bytes) < 0 || j->block_bytes > (1ull << 40))
		return cfg_error(d, s, cfg_key(s, "layers"), e,
				 "a block of layers x kv_heads x head_dim x 2 x dtype_bytes x block_tokens bytes is over "
				 "1 TiB");
	if (wl_check_object(&j->env, d, s, "block_tokens", "a KV block", j->block_bytes, e) < 0)
		return -1;
	char *path = cfg_path_in(j->env.scenario_dir, trace);
	if (!path)
		return err_set(e, ERR_FAIL, "out of memory");
	int rc = kv_trace_load(&j->tr, path, block_tokens, requests, e);
	free(path);
	if (rc < 0) /* the trace's file, line and field; the scenario's line and key */
		return cfg_error_under(d, s, cfg_key(s, "trace"), e);
	if (j->tr.nreq > UINT32_MAX)
		return cfg_error(d, s, cfg_key(s, "trace"), e, "more than 2^32 requests; take a slice (requests = N)");
	if (j->tr.nreq) {
		long double span = (long double)(j->tr.req[j->tr.nreq - 1].t_ms - j->tr.req[0].t_ms) * 1e6L *
				   j->time_scale;
		if (span + (long double)j->env.start_ns > 9e18L)
			return cfg_error(d, s, cfg_key(s, "time_scale"), e, "the trace would run past 2^63 ns");
	}
	return 0;
}

/* The block table and per-request state. */
static int kv_alloc(struct kv_job *j, struct err *e)
{
	size_t nref = j->tr.nids, nreq = j->tr.nreq;
	struct kv_map map;
	int rc = -1;
	if (kv_map_init(&map, nref) < 0)
		goto out;
	j->ref = calloc(nref ? nref : 1, sizeof *j->ref);
	j->rt = calloc(nreq ? nreq : 1, sizeof *j->rt);
	j->node = calloc(j->env.nodes, sizeof *j->node);
	j->ttft = hist_new();
	if (!j->ref || !j->rt || !j->node || !j->ttft)
		goto out;
	for (size_t n = 0; j->hbm_bytes && n < j->env.nodes; n++)
		if (pol_init(&j->node[n].hbm, &pol_lru_ops, j->hbm_bytes, NULL, e) < 0)
			goto out;
	uint32_t nb = 0;
	for (size_t i = 0; i < nreq; i++) {
		const struct kv_trace_req *r = &j->tr.req[i];
		j->rt[i].j = j;
		for (uint32_t k = 0; k < r->nblocks; k++) {
			struct kv_ref *rf = &j->ref[r->first + k];
			rf->j = j;
			rf->req = (uint32_t)i;
			rf->block = kv_map_index(&map, j->tr.ids[r->first + k], &nb);
			rf->wait_next = -1;
		}
	}
	j->nblocks = nb;
	j->state = calloc(nb ? nb : 1, sizeof *j->state);
	j->owner = calloc(nb ? nb : 1, sizeof *j->owner);
	j->wait_head = malloc((nb ? nb : 1) * sizeof *j->wait_head);
	j->wait_tail = malloc((nb ? nb : 1) * sizeof *j->wait_tail);
	if (!j->state || !j->owner || !j->wait_head || !j->wait_tail)
		goto out;
	for (uint32_t b = 0; b < nb; b++)
		j->wait_head[b] = j->wait_tail[b] = -1;
	rc = 0;
out:
	kv_map_free(&map);
	return rc < 0 ? err_set(e, ERR_FAIL, "out of memory") : 0;
}

int wl_kvcache_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
		   struct err *e)
{
	out->ops = &kv_ops;
	out->st = NULL;
	if (!env->nodes)
		return err_set(e, ERR_INPUT, "%s:%d: [job %s]: no nodes to run on", d->path, s->line, s->name);
	struct kv_job *j = calloc(1, sizeof *j);
	if (!j)
		return err_set(e, ERR_FAIL, "out of memory");
	out->st = j;
	j->env = *env;
	j->name = strdup(env->name ? env->name : s->name);
	if (!j->name) {
		kv_free(out);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	if (kv_configure(j, d, s, e) < 0 || kv_alloc(j, e) < 0) {
		kv_free(out);
		return -1;
	}
	return 0;
}
