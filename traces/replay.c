/*
 * replay — see replay.h for the two disciplines and their invariants.
 */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cache_index.h"
#include "sim/hist.h"
#include "traces/workload.h"

/* One request in flight. */
struct rreq {
	struct replay *r;
	uint32_t node;
	int write;
	uint64_t t0;
	uint64_t bytes;
	struct rreq *next_free;
};

struct replay {
	struct exec x;
	struct trace_reader *t;
	struct path *const *paths;
	size_t npaths;
	struct replay_cfg cfg;
	char name[512];         /* cfg.name, kept */
	struct replay_stats st;
	struct hist *latency;
	struct rreq *free;      /* request records, reused */
	struct rreq **blocks;   /* every allocation, for replay_free */
	size_t nblocks;
	uint64_t inflight;
	uint64_t records;       /* records taken from the trace */
	int eof;                /* the trace (or max_requests) is exhausted */
	int finished;
	int stopped;            /* replay_stop: nothing more is issued */
	int failed;
	struct err error;
	/* open loop: the next record, read ahead */
	struct trace_rec next;
	/* closed loop on one node: the next record, read ahead for a
	 * path_prefetch hint (have_ahead); ahead_end is what the trace gave
	 * after it (1: not read yet, 0: its end, -1: ahead_err), returned in
	 * its turn. */
	struct trace_rec ahead;
	int have_ahead;
	int ahead_end;
	struct err ahead_err;
	uint64_t t_first_trace;  /* the first record's trace time */
	uint64_t t_prev_trace;   /* the previous record's trace time */
	uint64_t t_start;        /* when the replay started (executor time) */
	struct cidx big;         /* trace ids >= REPLAY_BIG_ID, in order of first sight */
	int big_ready;
};

/* Object ids for the data path.  A chunk's key packs its object id into
 * PATH_OBJ_BITS (40) bits (path.h), of which a trace replay owns the
 * upper half, [WL_TRACE_IDS, 2^40) (traces/workload.h: jobs own the lower
 * half, so the two never share an object).  But a trace's ids are 64-bit:
 * a CSV trace's text ids are 64-bit hashes (traces/csv.c), and so are the
 * keys of many published oracleGeneral traces.  So an id t below
 * REPLAY_BIG_ID (2^38) becomes WL_TRACE_IDS + t, and the n-th distinct id
 * at or above it (n = 0, 1, ...) WL_TRACE_IDS + REPLAY_BIG_ID + n.  That
 * is exact (the table keeps every big id, and a small one never reaches
 * the big range), deterministic (order of first sight), and costs no
 * table on a trace of small ids.  The handles of a cidx that never
 * removes are handed out 0, 1, 2, ..., so a big id's handle is its n. */
#define REPLAY_BIG_ID (WL_TRACE_IDS >> 1)

static int map_id(struct replay *r, uint64_t *id, struct err *e)
{
	if (*id < REPLAY_BIG_ID) {
		*id += WL_TRACE_IDS;
		return 0;
	}
	if (!r->big_ready) {
		if (cidx_init(&r->big, sizeof(uint64_t), CIDX_DENSE) < 0)
			return err_set(e, ERR_FAIL, "%s: out of memory numbering its object ids", r->name);
		r->big_ready = 1;
	}
	uint32_t h = cidx_find(&r->big, *id);
	if (h == CIDX_NONE && (h = cidx_insert(&r->big, *id)) == CIDX_NONE)
		return err_set(e, ERR_FAIL, "%s: out of memory numbering its object ids", r->name);
	*id = WL_TRACE_IDS + REPLAY_BIG_ID + h;
	return 0;
}

/* The trace's next record, its object id mapped (map_id): as trace_next. */
static int next_record(struct replay *r, struct trace_rec *rec, struct err *e)
{
	int got = trace_next(r->t, rec, e);
	if (got == 1 && map_id(r, &rec->obj_id, e) < 0)
		return -1;
	return got;
}

static void fail(struct replay *r, const struct err *e, const char *what)
{
	if (r->failed)
		return;
	r->failed = 1;
	r->eof = 1;
	if (e)
		r->error = *e;
	else
		err_set(&r->error, ERR_FAIL, "replay: %s", what);
}

static struct rreq *req_new(struct replay *r)
{
	if (!r->free) {
		enum { N = 256 };
		struct rreq **b = realloc(r->blocks, (r->nblocks + 1) * sizeof *b);
		if (!b)
			return NULL;
		r->blocks = b;
		struct rreq *blk = calloc(N, sizeof *blk);
		if (!blk)
			return NULL;
		r->blocks[r->nblocks++] = blk;
		for (size_t i = 0; i < N; i++) {
			blk[i].next_free = r->free;
			r->free = &blk[i];
		}
	}
	struct rreq *q = r->free;
	r->free = q->next_free;
	return q;
}

/* Takes the next record; 1 got one, 0 at the end (or on failure). */
/* An empty error, without zeroing its 1 KiB message buffer: this runs
 * twice per request, and the memset cost more than the rest of issue(). */
static void err_clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

static int take(struct replay *r, struct trace_rec *rec)
{
	if (r->eof)
		return 0;
	if (r->cfg.max_requests && r->records >= r->cfg.max_requests) {
		r->eof = 1;
		return 0;
	}
	struct err e;
	err_clear(&e);
	int got;
	if (r->have_ahead) {
		*rec = r->ahead;
		r->have_ahead = 0;
		got = 1;
	} else if (r->ahead_end != 1) {
		got = r->ahead_end;
		e = r->ahead_err;
	} else {
		got = next_record(r, rec, &e);
	}
	if (got < 0) {
		fail(r, &e, NULL);
		return 0;
	}
	if (got == 0) {
		r->eof = 1;
		return 0;
	}
	r->records++;
	return 1;
}

/* Closed loop on one node: reads the record after the one just issued
 * (never past max_requests) and hints the path about it.  With more nodes
 * the next record goes to whichever node completes next, which is not
 * known yet, so there are no hints.  Hints change no result
 * (path_prefetch); on bench/three_tiers.ini they (with the metadata
 * cache's one-miss table) made the run 7% faster on a quiet machine and
 * about 15% on a busy one: the misses on the per-object tables. */
static void hint_ahead(struct replay *r)
{
	if (r->cfg.mode != REPLAY_CLOSED || r->npaths != 1 || r->have_ahead || r->ahead_end != 1 ||
	    (r->cfg.max_requests && r->records >= r->cfg.max_requests))
		return;
	err_clear(&r->ahead_err);
	int got = next_record(r, &r->ahead, &r->ahead_err);
	if (got != 1) {
		r->ahead_end = got;
		return;
	}
	r->have_ahead = 1;
	path_prefetch(r->paths[0], r->ahead.obj_id);
}

static void maybe_finish(struct replay *r)
{
	if (r->eof && r->inflight == 0 && !r->finished) {
		r->finished = 1;
		if (r->cfg.on_finish)
			r->cfg.on_finish(r->cfg.on_finish_ctx);
	}
}

static void issue(struct replay *r, const struct trace_rec *rec, uint32_t node);

static void completed(void *ctx, int status, uint64_t bytes)
{
	(void)bytes;
	struct rreq *q = ctx;
	struct replay *r = q->r;
	uint64_t now = exec_now(&r->x);
	r->inflight--;
	/* A failed request delivered nothing: it counts in failed alone, not
	 * in the bytes, the throughput or the latencies (a Blob request that
	 * gave up after its retries once set the replay's p99). */
	if (status != 0) {
		r->st.failed++;
	} else {
		r->st.completed++;
		if (q->write)
			r->st.write_bytes += q->bytes;
		else
			r->st.read_bytes += q->bytes;
		hist_record(r->latency, now - q->t0);
	}
	r->st.last_done_ns = now;
	uint32_t node = q->node;
	q->next_free = r->free;
	r->free = q;
	if (r->cfg.mode == REPLAY_CLOSED && !r->stopped) {
		struct trace_rec rec;
		if (take(r, &rec)) {
			issue(r, &rec, node);
			hint_ahead(r);
		}
	}
	maybe_finish(r);
}

static void issue(struct replay *r, const struct trace_rec *rec, uint32_t node)
{
	struct rreq *q = req_new(r);
	if (!q) {
		fail(r, NULL, "out of memory");
		return;
	}
	uint64_t now = exec_now(&r->x);
	int write = r->cfg.writes && rec->op == TRACE_OP_WRITE;
	uint64_t size = rec->size_bytes;
	*q = (struct rreq){ .r = r, .node = node, .write = write, .t0 = now, .bytes = size };
	if (r->st.issued == 0)
		r->st.first_ns = now;
	struct err e;
	err_clear(&e);
	int rc = write ? path_write(r->paths[node], rec->obj_id, size, 0, size, completed, q, &e)
		       : path_read(r->paths[node], rec->obj_id, size, 0, size, completed, q, &e);
	if (rc < 0) {
		q->next_free = r->free;
		r->free = q;
		err_prefix(&e, "replay of record %llu: ", (unsigned long long)r->records);
		fail(r, &e, NULL);
		return;
	}
	r->inflight++;
	r->st.issued++;
}

/* Open loop: the read-ahead record is due now; issue it and schedule the
 * one after. */
static void arrive(void *arg)
{
	struct replay *r = arg;
	if (r->failed || r->stopped)
		return;
	issue(r, &r->next, (uint32_t)((r->records - 1) % r->npaths));
	r->t_prev_trace = r->next.time_ns;
	if (!take(r, &r->next)) {
		maybe_finish(r);
		return;
	}
	if (r->next.time_ns < r->t_prev_trace) {
		struct err e;
		err_set(&e, ERR_INPUT, "%s: record %llu: time goes backwards (%llu ns after %llu ns)", r->name,
			(unsigned long long)r->records, (unsigned long long)r->next.time_ns,
			(unsigned long long)r->t_prev_trace);
		fail(r, &e, NULL);
		maybe_finish(r);
		return;
	}
	long double due = (long double)(r->next.time_ns - r->t_first_trace) * r->cfg.time_scale;
	if (due >= (long double)(UINT64_MAX - r->t_start)) {
		/* Past the clock's end: the conversion would wrap, and every
		 * later record arrive at once. */
		struct err e;
		err_set(&e, ERR_INPUT,
			"%s: record %llu: %.3Lg ns after the first, at time_scale %g, is past the clock's end "
			"(2^64 ns, 584 years): use a smaller time_scale",
			r->name, (unsigned long long)r->records, due, r->cfg.time_scale);
		fail(r, &e, NULL);
		maybe_finish(r);
		return;
	}
	exec_at(&r->x, r->t_start + (uint64_t)due, arrive, r);
}

int replay_new(struct replay **out, const struct exec *x, struct trace_reader *t, struct path *const *paths,
	       size_t npaths, const struct replay_cfg *cfg, struct err *e)
{
	*out = NULL;
	if (npaths == 0)
		return err_set(e, ERR_INPUT, "replay: no nodes to replay onto");
	if (cfg->mode == REPLAY_OPEN && !(cfg->time_scale > 0))
		return err_set(e, ERR_INPUT, "replay: time_scale must be more than 0");
	if (cfg->mode == REPLAY_CLOSED && cfg->outstanding == 0)
		return err_set(e, ERR_INPUT, "replay: closed loop needs at least 1 outstanding request per node");
	struct replay *r = calloc(1, sizeof *r);
	if (!r || !(r->latency = hist_new())) {
		free(r);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	r->x = *x;
	r->t = t;
	r->paths = paths;
	r->npaths = npaths;
	r->cfg = *cfg;
	snprintf(r->name, sizeof r->name, "%s", cfg->name ? cfg->name : "trace");
	r->cfg.name = r->name;
	r->ahead_end = 1;
	*out = r;
	return 0;
}

int replay_start(struct replay *r, struct err *e)
{
	r->t_start = exec_now(&r->x);
	if (r->cfg.mode == REPLAY_OPEN) {
		if (take(r, &r->next)) {
			r->t_first_trace = r->next.time_ns;
			exec_at(&r->x, exec_now(&r->x), arrive, r);
		}
	} else {
		for (uint32_t k = 0; k < r->cfg.outstanding; k++)
			for (size_t n = 0; n < r->npaths; n++) {
				struct trace_rec rec;
				if (take(r, &rec)) {
					issue(r, &rec, (uint32_t)n);
					hint_ahead(r);
				}
			}
	}
	if (r->failed)
		return replay_failed(r, e);
	maybe_finish(r);
	return 0;
}

const struct replay_stats *replay_stats(const struct replay *r)
{
	return &r->st;
}

void replay_stop(struct replay *r)
{
	r->stopped = 1;
}

int replay_done(const struct replay *r)
{
	return r->finished;
}

int replay_failed(const struct replay *r, struct err *e)
{
	if (!r->failed)
		return 0;
	if (e)
		*e = r->error;
	return -1;
}

int replay_export(const struct replay *r, struct met_registry *m)
{
	const struct replay_stats *s = &r->st;
	double span = s->last_done_ns > s->first_ns ? (s->last_done_ns - s->first_ns) / 1e9 : 0;
	const struct met_field f[] = {
		{ "requests", "requests", (double)s->issued },
		{ "completed", "requests", (double)s->completed },
		{ "failed", "requests", (double)s->failed },
		{ "read_bytes", "B", (double)s->read_bytes },
		{ "write_bytes", "B", (double)s->write_bytes },
		{ "throughput", "requests/s", span > 0 ? s->completed / span : 0 },
		{ "bandwidth", "B/s", span > 0 ? (s->read_bytes + s->write_bytes) / span : 0 },
	};
	if (met_set_fields(m, "replay", f, sizeof f / sizeof f[0]))
		return -1;
	struct hist *h = met_hist(m, "replay.latency", "ns");
	if (!h)
		return -1;
	hist_reset(h);
	hist_merge(h, r->latency);
	return 0;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nblocks; i++)
		free(r->blocks[i]);
	free(r->blocks);
	hist_free(r->latency);
	if (r->big_ready)
		cidx_destroy(&r->big);
	free(r);
}
