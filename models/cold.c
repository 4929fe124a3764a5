/*
 * cold — an object-store account: Azure Blob standard (or S3) as the cold
 * tier.
 *
 * Equations.
 *
 *   Request-rate limits.  Every attempt of every request (GET = BK_READ,
 *   PUT = BK_WRITE, HEAD, LIST) takes one token from the account bucket
 *   (rate R_a, depth b_a; a res_tb with res_tb_try) and then one from its
 *   blob's bucket (rate R_b, depth b_b).  A refusal by either is a 503
 *   that comes back after a throttle latency (a draw of throttle_latency);
 *   an account token taken before a per-blob refusal stays taken (the
 *   request reached the service).  Over a window T the store therefore
 *   admits at most b + R T requests per bucket.
 *
 *   Retries (AWS Architecture Blog, "Exponential Backoff And Jitter",
 *   2015, "full jitter"; Azure's guidance to back off exponentially on
 *   503 [V] A1): before retry k = 1, 2, ... the client sleeps
 *     u * min(cap, base * 2^(k-1)),   u ~ U[0,1)
 *   after the 503 arrives, and gives up with BK_THROTTLED after
 *   max_retries retries (req->retries says how many it made).
 *
 *   Per-blob buckets, bounded memory.  A set-associative table of
 *   blob_slots buckets (8 ways per set, set = hash of the blob id).  A
 *   blob not in the table has a full bucket.  A new blob takes a free way,
 *   else a way whose bucket has refilled to full (forgetting it changes
 *   nothing), else the least recently touched way; only that last case
 *   loses state (the evicted blob's bucket is forgotten as full, which
 *   errs on the permissive side) and is counted (blob.evicted_live).
 *   A bucket touched at t is full again by t + b_b / R_b, and the account
 *   admits at most b_a + R_a T requests in any T, so at most
 *     live = b_a + R_a * b_b / R_b
 *   buckets are below full at once (8,000 with the defaults).  The table
 *   holds, unless blob_slots says otherwise, the power of two at or above
 *   2 * live slots (16,384 with the defaults: 384 KiB), so a live bucket
 *   is lost only when 9 of them meet in one set, and it is then the least
 *   recently touched of them, the one nearest to full.  A set keeps its 8
 *   keys in one cache line and their buckets apart, so finding a blob
 *   reads one line, and only the blob found, or the one replaced, is
 *   refilled: the scan for a way to replace reads the buckets' levels
 *   without storing them, so their last touch stays what it was.
 *
 *   An admitted request: time to first byte F (a draw of ttfb; for a PUT,
 *   of put_ttfb when the preset gives one, as tierref probe does), then its
 *   bytes over the account's egress link (GET) or ingress link (PUT):
 *   res_links of rate E and I shared max-min fairly by the transfers in
 *   progress, each capped at connection_bw (0: none).  HEAD and LIST move
 *   no bytes.  An idle GET of b bytes takes F + b / min(E, cap); many big
 *   GETs together move E bytes/s.  Bandwidth is a shared link rather than
 *   a token bucket of bytes because an overloaded store stretches
 *   transfers instead of refusing them, and a byte bucket would need a
 *   depth of at least the largest object; request-rate limits are what
 *   answer 503.
 *
 *   Pieces.  The data path writes an object larger than a chunk one chunk
 *   at a time (write-back drains, write-through), and a block blob is
 *   written whole, so a chunk is a piece of its blob (refimpl/blob.h):
 *   Put Block of its bytes, then Put Block List, which commits every piece
 *   of the blob.  A write at an offset other than 0, or of exactly
 *   piece_bytes (the chunk, which tiered.c passes), is such a piece.  The
 *   pieces of an object go in phases, as tierref's do, by the same code
 *   (sim/pieces.h): the writes that arrive while none of the phase has
 *   landed stage side by side (each a request: tokens, F, its bytes over
 *   the ingress link); when the last lands, it makes the phase's commit:
 *   first a fill for each gap no piece covers that the blob does not
 *   hold yet (a Put Block of zeros, one per chunk slot: tokens, F, its
 *   bytes; counted as fill.blocks and fill.bytes), then the Put Block
 *   List (tokens, F', no bytes), which completes every write of the
 *   phase.  Writes that arrive meanwhile wait for the next phase.  Each
 *   attempt may be refused with a 503 and retried (retries count across
 *   a request's attempts); a commit that gives up fails its phase.  So d
 *   idle pieces of b bytes, in chunk order, arriving together, take
 *     F + d b / I + F'     (F constant, no connection cap: the d transfers share I)
 *   and are billed as d + 1 writes.
 *
 *   Cost, summed per run (from creation or reset_stats to export):
 *     requests  = sum over admitted requests of price(op) / 10^4
 *                 (503s are not billed [R]: Azure does not bill
 *                 throttling errors; check the billing page)
 *     storage   = mean stored GB over the window * price_gb_month
 *                 * window / month,  month = 730 h
 *   stored bytes start at `stored` and grow by every completed PUT
 *   (overwrites count as new bytes: the model knows no object sizes).
 *   Other operations (LOOKUP, OPEN, ...) are BK_ENOTSUP: an object store
 *   has no such calls.
 *
 * Defaults and sources (hardware-and-scale.md):
 *   account_rate 40,000 req/s                       [V] A1
 *   egress 200 Gb/s = 25 GB/s                       [V] A1
 *   ingress 60 Gb/s = 7.5 GB/s                      [V] A1
 *   blob_rate 500 req/s                             [V] A2
 *   account_burst 4000 = 0.1 s of rate,
 *   blob_burst 50 = 0.1 s of rate                   assumed: Azure does
 *                                                   not publish bucket depths
 *   blob_slots from the rates (above)               [D]
 *   ttfb lognormal(mean 20 ms, CV 1)                assumed: S3's small-GET
 *       median is "tens of ms" [V] S3 and Azure's latency doc uses 50 ms as
 *       its example [V] A6; lognormal(20 ms, 1) has median 14 ms,
 *       p99 ~ 97 ms and p99.9 ~ 180 ms, a heavy tail consistent with AWS
 *       advising a retry of small requests after 2 s [V] S3.  Calibrate
 *       with tierref against a real account.
 *   put_ttfb unset: a PUT draws ttfb               assumed: the reference
 *       gives no separate write latency; tierref probe measures one (its
 *       QD1 4 KiB PUTs), Azurite's heavier-tailed than its GETs
 *   throttle_latency 5 ms                           assumed: one round trip
 *                                                   to the front end, no data
 *   max_retries 3, backoff_base 0.8 s, cap 60 s     [R] Azure SDK
 *       (Azure.Core RetryOptions defaults); verify
 *   connection_bw 0 (none)                          assumed
 *   prices, hot tier LRS US East: read $0.0044 / 10k, write $0.055 / 10k,
 *   storage $0.018 / GB-month                       [S] A8
 *   HEAD billed as "all other operations" (read price), LIST as
 *   "list and create container" (write price)       [R]; check the page
 *   month = 730 h                                   [R] Azure's billing month
 */
#include "cold.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/pieces.h"
#include "sim/resource.h"
#include "sim/rng.h"

#define COLD_WAYS 8

static uint64_t cold_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A bucket's state: its level as of last_ns, the blob's last request. */
struct cold_bucket {
	uint64_t last_ns;
	double level;
};

_Static_assert(COLD_WAYS <= 8, "a set's used ways are one byte (struct cold, used)");

/* The derived table's largest size, 2^22 slots (a set of 8 is 192 bytes:
 * 96 MiB).  Rates whose live buckets pass 2^21 (a per-blob rate far below
 * the account's, or a huge account burst) would otherwise size it at up
 * to 2^28 slots, 6 GiB, from a few keys; past the cap, live buckets are
 * forgotten as full more often (counted in blob.evicted_live).  A preset
 * that wants more says blob_slots. */
#define COLD_DERIVED_SLOTS_MAX (1u << 22)

/* One set of the per-blob table: 192 bytes, cache-line aligned. */
struct cold_set {
	uint64_t key[COLD_WAYS];
	struct cold_bucket b[COLD_WAYS];
};

struct cold_opstats {
	uint64_t ops, bytes;
	struct hist *latency_ns;
};

enum { C_READ, C_WRITE, C_HEAD, C_LIST, C_NCLASS };

struct cold {
	struct exec x;
	struct cold_params p;
	gsl_rng *rng;
	struct res_tb *account;
	struct res_link *egress, *ingress;
	struct cold_set *set;
	uint8_t *used;           /* per set: bit w set when way w holds a blob */
	size_t nsets;
	size_t set_mask;         /* nsets - 1 when nsets is a power of two, else 0 */
	struct cold_opstats st[C_NCLASS];
	uint64_t throttled_503, retries, gave_up, enotsup, evicted_live, blob_refused;
	double usd_requests;
	struct met_tavg stored;   /* bytes at rest */
	uint64_t since_ns;
	struct pieces_table pieces; /* objects written in pieces: struct cold_obj */
	uint64_t fill_blocks, fill_bytes;
};

/* An object written in pieces: its layout and the phases of its writes
 * (sim/pieces.h). */
struct cold_obj {
	struct pieces p;            /* first: the table's entry (pieces_table_get) */
	struct bk_req *committer;   /* the write making the phase's commit */
	struct pieces_block fill;   /* the fill it stages */
};

/* A write of a piece (r->priv[1] while r->upriv[1] is not P_NONE). */
struct cold_piece {
	struct pieces_job pj;
	struct bk_req *r;
	struct cold_obj *o;
};

/* r->upriv[1]: what a request's current attempt is. */
enum { P_NONE, P_PIECE, P_COMMIT, P_FILL };

static const char *const class_name[C_NCLASS] = { "read", "write", "head", "list" };

static int op_class(enum bk_op op)
{
	switch (op) {
	case BK_READ: return C_READ;
	case BK_WRITE: return C_WRITE;
	case BK_HEAD: return C_HEAD;
	case BK_LIST: return C_LIST;
	default: return -1;
	}
}

void cold_params_default(struct cold_params *p)
{
	memset(p, 0, sizeof *p);
	p->name = "cold";
	p->account_ops = 40000;
	p->account_burst = 4000;
	p->blob_ops = 500;
	p->blob_burst = 50;
	p->blob_slots = 0; /* from the rates, at cold_new */
	p->egress_bps = 25e9;
	p->ingress_bps = 7.5e9;
	p->conn_bps = 0;
	dist_lognormal(&p->ttfb_ns, 20e6, 1.0);
	dist_const(&p->put_ttfb_ns, 0);
	p->has_put_ttfb = 0;
	dist_const(&p->throttle_ns, 5e6);
	p->max_retries = 3;
	p->backoff_base_ns = 800000000ull;
	p->backoff_cap_ns = 60000000000ull;
	p->usd_read_10k = 0.0044;
	p->usd_write_10k = 0.055;
	p->usd_head_10k = 0.0044;
	p->usd_list_10k = 0.055;
	p->usd_gb_month = 0.018;
	p->stored_bytes = 0;
}

void cold_params_free(struct cold_params *p)
{
	dist_free(&p->ttfb_ns);
	dist_free(&p->put_ttfb_ns);
	dist_free(&p->throttle_ns);
	dist_const(&p->ttfb_ns, 0);
	dist_const(&p->put_ttfb_ns, 0);
	dist_const(&p->throttle_ns, 0);
}

static int pos_finite(double v)
{
	return v > 0 && !isinf(v);
}

static int nonneg_finite(double v)
{
	return v >= 0 && !isinf(v);
}

int cold_params_check(const struct cold_params *p, struct err *e)
{
	if (!pos_finite(p->account_ops) || !pos_finite(p->blob_ops))
		return err_set(e, ERR_INPUT, "cold: account_rate and blob_rate must be positive");
	if (!(p->account_burst >= 1) || !(p->blob_burst >= 1) || isinf(p->account_burst) || isinf(p->blob_burst))
		return err_set(e, ERR_INPUT, "cold: account_burst and blob_burst must be at least 1 request");
	if (p->blob_slots > (1u << 28))
		return err_set(e, ERR_INPUT, "cold: blob_slots must be at most 268435456");
	if (!pos_finite(p->egress_bps) || !pos_finite(p->ingress_bps))
		return err_set(e, ERR_INPUT, "cold: egress and ingress must be positive");
	if (!nonneg_finite(p->conn_bps))
		return err_set(e, ERR_INPUT, "cold: connection_bw must be >= 0");
	if (p->backoff_cap_ns < p->backoff_base_ns)
		return err_set(e, ERR_INPUT, "cold: backoff_cap must be >= backoff_base");
	if (!nonneg_finite(p->usd_read_10k) || !nonneg_finite(p->usd_write_10k) || !nonneg_finite(p->usd_head_10k) ||
	    !nonneg_finite(p->usd_list_10k) || !nonneg_finite(p->usd_gb_month))
		return err_set(e, ERR_INPUT, "cold: prices must be >= 0");
	return 0;
}

int cold_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct cold_params *p, struct err *e)
{
	cold_params_default(p);
	uint64_t slots = p->blob_slots, retries = p->max_retries;
	if (cfg_ops(d, s, "account_rate", &p->account_ops, e) < 0 || cfg_double(d, s, "account_burst", &p->account_burst, e) < 0 ||
	    cfg_ops(d, s, "blob_rate", &p->blob_ops, e) < 0 || cfg_double(d, s, "blob_burst", &p->blob_burst, e) < 0 ||
	    cfg_u64(d, s, "blob_slots", &slots, e) < 0 || cfg_rate_bps(d, s, "egress", &p->egress_bps, e) < 0 ||
	    cfg_rate_bps(d, s, "ingress", &p->ingress_bps, e) < 0 ||
	    cfg_rate_bps(d, s, "connection_bw", &p->conn_bps, e) < 0 || cfg_time_dist(d, s, "ttfb", &p->ttfb_ns, e) < 0 ||
	    cfg_time_dist(d, s, "put_ttfb", &p->put_ttfb_ns, e) < 0 ||
	    cfg_time_dist(d, s, "throttle_latency", &p->throttle_ns, e) < 0 || cfg_u64(d, s, "max_retries", &retries, e) < 0 ||
	    cfg_time_ns(d, s, "backoff_base", &p->backoff_base_ns, e) < 0 ||
	    cfg_time_ns(d, s, "backoff_cap", &p->backoff_cap_ns, e) < 0 ||
	    cfg_double(d, s, "price_read_10k", &p->usd_read_10k, e) < 0 ||
	    cfg_double(d, s, "price_write_10k", &p->usd_write_10k, e) < 0 ||
	    cfg_double(d, s, "price_head_10k", &p->usd_head_10k, e) < 0 ||
	    cfg_double(d, s, "price_list_10k", &p->usd_list_10k, e) < 0 ||
	    cfg_double(d, s, "price_gb_month", &p->usd_gb_month, e) < 0 || cfg_bytes(d, s, "stored", &p->stored_bytes, e) < 0)
		return -1;
	p->has_put_ttfb = cfg_key(s, "put_ttfb") != NULL;
	if (cfg_key(s, "blob_slots") && (slots == 0 || slots > (1u << 28)))
		return cfg_error(d, s, cfg_key(s, "blob_slots"), e, "must be 1..268435456");
	p->blob_slots = (unsigned)slots;
	if (retries > 1000)
		return cfg_error(d, s, cfg_key(s, "max_retries"), e, "must be 0..1000");
	p->max_retries = (unsigned)retries;
	static const char *const positive[] = { "account_rate", "blob_rate", "egress", "ingress" };
	const double v[] = { p->account_ops, p->blob_ops, p->egress_bps, p->ingress_bps };
	for (size_t i = 0; i < 4; i++)
		if (!(v[i] > 0))
			return cfg_error(d, s, cfg_key(s, positive[i]), e, "must be positive");
	if (!(p->account_burst >= 1))
		return cfg_error(d, s, cfg_key(s, "account_burst"), e, "must be at least 1 request");
	if (!(p->blob_burst >= 1))
		return cfg_error(d, s, cfg_key(s, "blob_burst"), e, "must be at least 1 request");
	if (p->backoff_cap_ns < p->backoff_base_ns)
		return cfg_error(d, s, cfg_key(s, "backoff_cap"), e, "must be >= backoff_base");
	return 0;
}

uint64_t cold_backoff_ns(const struct cold_params *p, unsigned k, double u)
{
	double ceiling = (double)p->backoff_cap_ns;
	if (k >= 1 && k - 1 < 63) {
		double b = (double)p->backoff_base_ns * ldexp(1.0, (int)(k - 1));
		if (b < ceiling)
			ceiling = b;
	}
	return (uint64_t)(u * ceiling);
}

/* ---- per-blob buckets ---- */

unsigned cold_blob_slots(const struct cold_params *p)
{
	double live = p->account_burst + p->account_ops * p->blob_burst / p->blob_ops;
	unsigned slots = 64;
	while (slots < COLD_DERIVED_SLOTS_MAX && slots < 2 * live)
		slots <<= 1;
	return slots;
}

/* b's level at now (not stored). */
static double blob_level(const struct cold *c, const struct cold_bucket *b, uint64_t now)
{
	if (now <= b->last_ns)
		return b->level;
	double lvl = b->level + c->p.blob_ops * ((double)(now - b->last_ns) / 1e9);
	return lvl < c->p.blob_burst ? lvl : c->p.blob_burst;
}

/* The way of `key` in set s (used ways in `used`), or -1. */
static int blob_find(const struct cold_set *s, unsigned used, uint64_t key)
{
	for (int w = 0; w < COLD_WAYS; w++)
		if ((used >> w & 1) && s->key[w] == key)
			return w;
	return -1;
}

/* The way a new blob takes in a set whose ways are all used: the first
 * whose bucket has refilled to full, else the least recently touched (the
 * first of equals), whose loss is counted. */
static int blob_victim(struct cold *c, const struct cold_set *s, uint64_t now)
{
	int oldest = 0;
	for (int w = 0; w < COLD_WAYS; w++) {
		if (blob_level(c, &s->b[w], now) >= c->p.blob_burst)
			return w;
		if (s->b[w].last_ns < s->b[oldest].last_ns)
			oldest = w;
	}
	c->evicted_live++;
	return oldest;
}

/* 1: a token taken from blob `key`'s bucket; 0: refused. */
static int blob_try(struct cold *c, uint64_t key, uint64_t now)
{
	uint64_t h = cold_mix(key);
	size_t si = c->set_mask ? h & c->set_mask : h % c->nsets;
	struct cold_set *s = &c->set[si];
	unsigned used = c->used[si];
	int w = blob_find(s, used, key);
	if (w < 0) {
		w = used != (1u << COLD_WAYS) - 1 ? __builtin_ctz(~used) : blob_victim(c, s, now);
		c->used[si] = (uint8_t)(used | 1u << w);
		s->key[w] = key;
		s->b[w] = (struct cold_bucket){ .last_ns = now, .level = c->p.blob_burst };
	}
	struct cold_bucket *b = &s->b[w];
	b->level = blob_level(c, b, now);
	b->last_ns = now;
	if (b->level >= 1 - 1e-9) {
		b->level -= 1;
		if (b->level < 0)
			b->level = 0;
		return 1;
	}
	return 0;
}

/* ---- requests ---- */

static uint64_t draw_ns(struct cold *c, const struct dist *d)
{
	return dist_sample_round(d, c->rng);
}

static void finish(struct cold *c, struct bk_req *r, int status)
{
	uint64_t now = exec_now(&c->x);
	r->status = status;
	int k = op_class(r->op);
	if (status == BK_OK && k >= 0) {
		struct cold_opstats *st = &c->st[k];
		st->ops++;
		if (k == C_READ || k == C_WRITE)
			st->bytes += r->length;
		hist_record(st->latency_ns, now - r->submit_ns);
		if (k == C_WRITE)
			met_tavg_set(&c->stored, now, c->stored.value + (double)r->length);
	}
	r->done(r);
}

static void finish_ok(void *arg)
{
	struct bk_req *r = arg;
	finish(r->priv[0], r, BK_OK);
}

static void end(struct cold *c, struct bk_req *r, int status);

static void finish_status(void *arg)
{
	struct bk_req *r = arg;
	end(r->priv[0], r, (int)r->upriv[0]);
}

static int try_once(struct cold *c, struct bk_req *r);

static struct cold_piece *piece_of(struct pieces_job *pj)
{
	return (struct cold_piece *)((char *)pj - offsetof(struct cold_piece, pj));
}

/* The object's waiting writes that may stage now do (sim/pieces.h). */
static void next_phase(struct cold *c, struct cold_obj *o)
{
	for (struct pieces_job *pj = pieces_next_phase(&o->p), *nx; pj; pj = nx) {
		nx = pj->start;
		try_once(c, piece_of(pj)->r); /* an executor failure stops the run itself */
	}
}

/* The phase's commit ended: its writes complete with status, then the
 * waiting writes stage. */
static void commit_end(struct cold *c, struct cold_obj *o, int status)
{
	o->committer = NULL;
	struct pieces_job *done = pieces_commit_end(&o->p);
	next_phase(c, o);
	for (struct pieces_job *pj = done, *nx; pj; pj = nx) {
		nx = pj->next;
		struct cold_piece *cp = piece_of(pj);
		struct bk_req *r = cp->r;
		free(cp);
		finish(c, r, status);
	}
}

static void extra_send(void *arg)
{
	struct bk_req *r = arg;
	if (try_once(r->priv[0], r) < 0)
		commit_end(r->priv[0], ((struct cold_piece *)r->priv[1])->o, BK_EIO); /* out of memory inside an event */
}

/* The committer's next request: the next fill its commit lists that the
 * blob does not hold (at or after from), or, none left, the commit; sent
 * once the client has prepared it (p.extra). */
static void fill_or_commit(struct cold *c, struct bk_req *r, uint64_t from)
{
	struct cold_obj *o = ((struct cold_piece *)r->priv[1])->o;
	int fill = pieces_fill_to_stage(&o->p, c->p.piece_bytes, from, &o->fill);
	r->upriv[1] = fill ? P_FILL : P_COMMIT;
	if (!c->p.extra || c->p.extra(c->p.extra_ctx, r->client, fill ? o->fill.len : 0, extra_send, r) != 0)
		extra_send(r);
}

static void commit_start(struct cold *c, struct bk_req *r)
{
	struct cold_obj *o = ((struct cold_piece *)r->priv[1])->o;
	o->committer = r;
	if (pieces_commit_begin(&o->p) < 0)
		commit_end(c, o, BK_EIO);
	else
		fill_or_commit(c, r, 0);
}

/* A piece's bytes are through: it waits for its phase's commit, or, the
 * last of the phase, makes it. */
static void landed(void *arg)
{
	struct bk_req *r = arg;
	struct cold_piece *cp = r->priv[1];
	if (pieces_job_staged(&cp->o->p, &cp->pj))
		commit_start(r->priv[0], r);
}

static void fill_landed(void *arg)
{
	struct bk_req *r = arg;
	struct cold *c = r->priv[0];
	struct cold_obj *o = ((struct cold_piece *)r->priv[1])->o;
	c->fill_blocks++;
	c->fill_bytes += o->fill.len;
	fill_or_commit(c, r, o->fill.off + o->fill.len);
}

/* A request ends with status.  A write of a piece ends with its phase's
 * commit (the committer's end is the commit's), or alone when it fails
 * staging. */
static void end(struct cold *c, struct bk_req *r, int status)
{
	if (r->upriv[1] == P_NONE) {
		finish(c, r, status);
		return;
	}
	struct cold_piece *cp = r->priv[1];
	struct cold_obj *o = cp->o;
	if (o->committer == r) {
		commit_end(c, o, status);
		return;
	}
	int due = pieces_job_failed(&o->p, &cp->pj);
	free(cp);
	finish(c, r, status);
	if (due)
		commit_start(c, piece_of(pieces_first_staged(&o->p))->r);
	else
		next_phase(c, o);
}

static void after_ttfb(void *arg)
{
	struct bk_req *r = arg;
	struct cold *c = r->priv[0];
	int step = (int)r->upriv[1];
	if (step == P_COMMIT) {
		struct cold_obj *o = ((struct cold_piece *)r->priv[1])->o;
		commit_end(c, o, pieces_committed(&o->p, c->p.piece_bytes) < 0 ? BK_EIO : BK_OK);
		return;
	}
	if ((r->op == BK_READ || r->op == BK_WRITE) && r->length > 0) {
		struct res_link *l = r->op == BK_READ ? c->egress : c->ingress;
		uint64_t bytes = step == P_FILL ? ((struct cold_piece *)r->priv[1])->o->fill.len : r->length;
		res_done_fn fn = step == P_PIECE ? landed : step == P_FILL ? fill_landed : finish_ok;
		if (res_link_submit(l, bytes, c->p.conn_bps, fn, r) == 0)
			return;
		/* Out of memory inside an event: fail the request, not the run. */
		end(c, r, BK_EIO);
		return;
	}
	finish(c, r, BK_OK);
}

static double price_of(const struct cold *c, int k)
{
	switch (k) {
	case C_READ: return c->p.usd_read_10k;
	case C_WRITE: return c->p.usd_write_10k;
	case C_HEAD: return c->p.usd_head_10k;
	default: return c->p.usd_list_10k;
	}
}

static void attempt(void *arg);

/* One attempt: 0 scheduled, -1 the executor refused (out of memory). */
static int try_once(struct cold *c, struct bk_req *r)
{
	uint64_t now = exec_now(&c->x);
	int ok = res_tb_try(c->account, 1);
	if (ok && !blob_try(c, r->object, now)) {
		ok = 0;
		c->blob_refused++;
	}
	if (ok) {
		c->usd_requests += price_of(c, op_class(r->op)) / 1e4;
		const struct dist *f = r->op == BK_WRITE && c->p.has_put_ttfb ? &c->p.put_ttfb_ns : &c->p.ttfb_ns;
		return exec_after(&c->x, draw_ns(c, f), after_ttfb, r) ? 0 : -1;
	}
	c->throttled_503++;
	uint64_t back = draw_ns(c, &c->p.throttle_ns);
	if (r->retries >= c->p.max_retries) {
		c->gave_up++;
		r->upriv[0] = BK_THROTTLED;
		return exec_after(&c->x, back, finish_status, r) ? 0 : -1;
	}
	r->retries++;
	c->retries++;
	back += cold_backoff_ns(&c->p, r->retries, gsl_rng_uniform(c->rng));
	return exec_after(&c->x, back, attempt, r) ? 0 : -1;
}

static void attempt(void *arg)
{
	struct bk_req *r = arg;
	try_once(r->priv[0], r); /* an executor failure stops the run itself */
}

static int cold_submit(void *self, struct bk_req *r)
{
	struct cold *c = self;
	r->submit_ns = exec_now(&c->x);
	r->retries = 0;
	r->priv[0] = c;
	r->upriv[1] = P_NONE;
	if (op_class(r->op) < 0) {
		c->enotsup++;
		r->upriv[0] = BK_ENOTSUP;
		return exec_after(&c->x, 0, finish_status, r) ? 0 : -1;
	}
	if (!bk_is_piece(r, c->p.piece_bytes))
		return try_once(c, r);
	/* A piece: its phase (sim/pieces.h) may come later. */
	struct cold_obj *o = (struct cold_obj *)pieces_table_get(&c->pieces, r->object, sizeof *o);
	struct cold_piece *cp = o ? malloc(sizeof *cp) : NULL;
	if (!cp)
		return -1;
	cp->r = r;
	cp->o = o;
	r->priv[1] = cp;
	r->upriv[1] = P_PIECE;
	if (!pieces_job_arrive(&o->p, &cp->pj, r->offset, r->length) || try_once(c, r) == 0)
		return 0;
	pieces_job_failed(&o->p, &cp->pj); /* the last to arrive: nobody waits for it */
	free(cp);
	return -1;
}

/* ---- statistics ---- */

static double storage_usd(const struct cold *c, uint64_t now_ns)
{
	double secs = now_ns > c->since_ns ? (double)(now_ns - c->since_ns) / 1e9 : 0;
	return met_tavg_mean(&c->stored, now_ns) / 1e9 * c->p.usd_gb_month * secs / COLD_MONTH_S;
}

static int cold_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct cold *c = self;
	char name[256];
	double secs = now_ns > c->since_ns ? (double)(now_ns - c->since_ns) / 1e9 : 0;
	for (int k = 0; k < C_NCLASS; k++) {
		const struct cold_opstats *st = &c->st[k];
		if (met_export_op(m, prefix, class_name[k], st->ops, k == C_READ || k == C_WRITE ? &st->bytes : NULL,
				  secs, st->latency_ns, 0))
			return -1;
	}
	double st_usd = storage_usd(c, now_ns);
	const struct met_field f[] = {
		{ "throttled", "answers", (double)c->throttled_503 },
		{ "retries", "requests", (double)c->retries },
		{ "gave_up", "requests", (double)c->gave_up },
		{ "blob.refused", "requests", (double)c->blob_refused },
		{ "blob.evicted_live", "buckets", (double)c->evicted_live },
		{ "blob.slots", "buckets", (double)c->p.blob_slots },
		{ "enotsup", "ops", (double)c->enotsup },
		{ "fill.blocks", "blocks", (double)c->fill_blocks },
		{ "fill.bytes", "B", (double)c->fill_bytes },
		{ "stored", "B", c->stored.value },
		{ "cost.requests", "USD", c->usd_requests },
		{ "cost.storage", "USD", st_usd },
		{ "cost.total", "USD", c->usd_requests + st_usd },
	};
	if (met_set_fields(m, prefix, f, sizeof f / sizeof f[0]))
		return -1;
	snprintf(name, sizeof name, "%s.account", prefix);
	if (res_stats_export(res_tb_stats(c->account), now_ns, 1, name, m))
		return -1;
	snprintf(name, sizeof name, "%s.egress", prefix);
	if (res_stats_export(res_link_stats(c->egress), now_ns, 1, name, m))
		return -1;
	snprintf(name, sizeof name, "%s.ingress", prefix);
	return res_stats_export(res_link_stats(c->ingress), now_ns, 1, name, m);
}

static void cold_reset_stats(void *self)
{
	struct cold *c = self;
	uint64_t now = exec_now(&c->x);
	for (int k = 0; k < C_NCLASS; k++) {
		c->st[k].ops = c->st[k].bytes = 0;
		hist_reset(c->st[k].latency_ns);
	}
	c->throttled_503 = c->retries = c->gave_up = c->enotsup = c->evicted_live = c->blob_refused = 0;
	c->fill_blocks = c->fill_bytes = 0;
	c->usd_requests = 0;
	met_tavg_restart(&c->stored, now);
	c->since_ns = now;
	res_tb_reset_stats(c->account);
	res_link_reset_stats(c->egress);
	res_link_reset_stats(c->ingress);
}

static void cold_destroy(void *self)
{
	struct cold *c = self;
	if (!c)
		return;
	res_tb_free(c->account);
	res_link_free(c->egress);
	res_link_free(c->ingress);
	free(c->set);
	free(c->used);
	/* Writes of pieces still under way are dropped (bk_ops: destroy). */
	for (size_t k = 0; k < sizeof c->pieces.b / sizeof c->pieces.b[0]; k++)
		for (struct pieces *p = c->pieces.b[k]; p; p = p->hnext)
			for (struct pieces_job *pj = p->jobs, *nx; pj; pj = nx) {
				nx = pj->next;
				free(piece_of(pj));
			}
	pieces_table_clear(&c->pieces);
	for (int k = 0; k < C_NCLASS; k++)
		hist_free(c->st[k].latency_ns);
	if (c->rng)
		gsl_rng_free(c->rng);
	cold_params_free(&c->p);
	free(c);
}

static const struct bk_ops cold_ops = {
	.name = "cold",
	.submit = cold_submit,
	.export = cold_export,
	.reset_stats = cold_reset_stats,
	.destroy = cold_destroy,
};

int cold_new(const struct exec *x, const struct cold_params *p, uint64_t seed, struct backend *out, struct err *e)
{
	if (cold_params_check(p, e))
		return -1;
	struct cold *c = calloc(1, sizeof *c);
	if (!c)
		return err_set(e, ERR_FAIL, "cold: out of memory");
	c->x = *x;
	c->p = *p;
	dist_const(&c->p.ttfb_ns, 0);
	dist_const(&c->p.put_ttfb_ns, 0);
	dist_const(&c->p.throttle_ns, 0);
	if (dist_copy(&c->p.ttfb_ns, &p->ttfb_ns, NULL) || dist_copy(&c->p.put_ttfb_ns, &p->put_ttfb_ns, NULL) ||
	    dist_copy(&c->p.throttle_ns, &p->throttle_ns, NULL))
		goto oom;
	uint64_t now = exec_now(x);
	c->since_ns = now;
	met_tavg_init(&c->stored, now, (double)p->stored_bytes);
	c->nsets = ((p->blob_slots ? p->blob_slots : cold_blob_slots(p)) + COLD_WAYS - 1) / COLD_WAYS;
	c->set_mask = (c->nsets & (c->nsets - 1)) == 0 ? c->nsets - 1 : 0;
	c->p.blob_slots = (unsigned)(c->nsets * COLD_WAYS);
	c->set = aligned_alloc(64, c->nsets * sizeof *c->set);
	c->used = calloc(c->nsets, sizeof *c->used);
	c->rng = rng_stream_new(seed, p->name ? p->name : "cold");
	c->account = res_tb_new(x, p->account_ops, p->account_burst);
	c->egress = res_link_new(x, p->egress_bps);
	c->ingress = res_link_new(x, p->ingress_bps);
	if (!c->set || !c->used || !c->rng || !c->account || !c->egress || !c->ingress)
		goto oom;
	for (int k = 0; k < C_NCLASS; k++)
		if (!(c->st[k].latency_ns = hist_new()))
			goto oom;
	out->ops = &cold_ops;
	out->self = c;
	return 0;
oom:
	cold_destroy(c);
	return err_set(e, ERR_FAIL, "cold: out of memory");
}
