/*
 * resource — multi-server FIFO queues, bandwidth pipes, fairly shared links
 * and token buckets, each driven only through the executor contract
 * (exec.h: now, call_at, cancel), so the same bookkeeping runs over virtual
 * or wall-clock time.  What each models is in resource.h; here are the
 * equations and the arithmetic.
 *
 * res_queue (G/G/c FIFO).  A job arriving at a with service S starts at
 * s = a if a server is free, else when it reaches the head of the line and
 * a server frees; it completes at s + S.  wait = s - a, response = s + S - a.
 * One executor event per job in service (its completion); completions at
 * equal times run in the order they were scheduled (exec.h).
 *
 * Exact clocks.  Events fire at whole ns, but a pipe or link that rounded
 * every transfer up to a ns would lose up to a ns of capacity per op (a
 * 512 B op at 50 GB/s takes 10.24 ns: 7% of the bandwidth).  So pipes and
 * links keep their own clock to a fraction of a ns (struct xt; struct lt
 * for links) and only the callbacks are rounded UP to the next whole ns: a
 * callback is never early (beyond XT_EPS_NS, the rounding of the fractions
 * themselves; for a link also a relative LINK_EPS_REL of the flow's time,
 * see "res_link"), at most 1 ns late, and the late fraction is not lost
 * capacity.
 *
 * res_pipe.  One serialiser, FIFO: an op of b bytes holds it for
 *     T(b) = b * 1e9 / bps ns
 * then pays latency_ns L without holding it; completion = s + T(b) + L,
 * reported at the ceiling of that.  The head of the line starts (s) at the
 * exact moment its last obstacle goes: its arrival, the serialiser going
 * idle, or one of `concurrency` slots (ops serialising or in their
 * latency; 0: no limit) freeing.  wait = s - a, rounded up like the
 * callbacks.  T is exact when bps is a whole number (every rate the unit
 * parser produces is): q + r/bps from 128-bit integer division; otherwise
 * long double (64-bit mantissa).  Because L is the same for every op, ops
 * leave the latency stage in the order they entered it, so that stage is a
 * FIFO and needs no per-op allocation.
 *
 * res_link (max-min fairness, water-filling).  n active flows with caps
 * c_i (0: none) share capacity C.  Visit capped flows by increasing cap;
 * with R the capacity left and m the flows not yet fixed, a flow whose cap
 * is below R/m is fixed at its cap (R -= c, m -= 1); at the first cap that
 * is not, stop.  Then every flow gets
 *     r_i = min(c_i, f),   f = R/m  (f = inf when every flow is fixed)
 * which is the max-min fair allocation.  Only the earliest finish (rounded
 * up to a ns) is an executor event, moved (cancelled and rescheduled) at a
 * change of the flow set when that ns moves.  When it fires, the link steps through the exact
 * finishes due by now, removing each finished flow and sharing its
 * capacity out again; callbacks of flows finishing in the same ns then run
 * in arrival order.  Two representations of the same allocation:
 *   - no active flow capped: processor sharing, r = C/n for all, in
 *     virtual time (Kleinrock; as in fair queueing): vt, the bytes each
 *     flow has received since the link was last idle, grows at C/n; a flow
 *     of b bytes arriving at vt0 finishes when vt reaches its tag
 *     F = vt0 + b.  Flows sit in a min-heap on F: O(log n) per change.
 *   - some flow capped: each flow keeps its bytes left; at every change
 *     left_i -= r_i * dt, then the water-fill (O(capped flows) over a
 *     sorted cap list) and the next finish (O(n)): O(n) per change.
 * The first capped arrival converts tags to bytes left (left = F - vt),
 * and the last capped departure converts back (vt = 0, F = left, heapify):
 * O(n) each.  vt restarts at 0 whenever the link idles, and a link that
 * never idles rebases it (tags less vt, vt = 0) once it passes
 * LINK_VT_REBASE = 2^24 bytes, so it does not grow without bound.
 * Bytes left, vt and the link's clock fraction (struct lt) are double, not
 * long double: x87 arithmetic cost the link ~84 instructions per finish
 * computed, at millions per run.  Error bound: a tag or bytes-left value
 * of v bytes is off by at most a few ulps of max(v, 2^24), i.e. a relative
 * 1e-15 of the flow (2^-28 B absolute, from vt); a finish time d ns ahead
 * by a relative ~1e-15 of d.  So a callback can be early by at most
 * XT_EPS_NS + LINK_EPS_REL * d (a due time within that of a whole ns is
 * that ns: 2e-6 ns for a flow of a whole second), never more, and is at
 * most 1 ns late, as before; a flow with less than LINK_EPS_BYTES left has
 * finished.  Bytes completed (res_stats.bytes) are counted from each
 * flow's integer size, so they equal bytes submitted exactly.
 *
 * res_tb.  level(t) = min(burst, level(t0) + rate * (t - t0)), taken on
 * grant.  Waiters are FIFO; only the head has an event, at
 *     now + ceil((tokens - level) / rate)
 * and a grant tolerates a shortfall of TB_EPS relative (the rate
 * arithmetic is not exact).  res_tb_try never jumps the line: it refuses
 * while anyone waits.
 *
 * Statistics: met_tavg integrals for busy / in queue / in system, set at
 * every change; wait and response histograms recorded at completion, so
 * their counts equal completions and Little's law holds exactly over a
 * window that starts and ends empty.  For a token bucket, "busy" integrates
 * tokens / rate per grant (busy.area gains tokens * 1e9 / rate ns), so
 * res_stats_util gives tokens taken / (rate * elapsed) as resource.h says.
 *
 * Callbacks: done() never runs inside a submit; it runs from an executor
 * event after the resource's state is updated and the next waiter (if any)
 * has started, so work submitted from done() queues behind earlier work.
 */
#include "resource.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A link flow with fewer than this many bytes left has finished (the rest
 * is rounding in rate * time). */
#define LINK_EPS_BYTES 1e-6
/* The link's double arithmetic: a due time within this fraction of its
 * duration past a whole ns is that ns (about 9 ulps). */
#define LINK_EPS_REL 2e-15
/* Ps mode rebases virtual time when it passes this many bytes, so that a
 * tag (vt + bytes) carries vt's rounding only to 2^-29 B. */
#define LINK_VT_REBASE 0x1p24
/* Fractions of a ns below this are rounding (see xt_ceil). */
#define XT_EPS_NS 1e-9L
/* A token grant tolerates this relative shortfall (plus as much absolute). */
#define TB_EPS 1e-9

/* ---- arithmetic ---- */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ceil(x) for a duration x in ns, saturated; 0 for x <= 0 or NaN. */
static uint64_t ceil_ns(long double x)
{
	if (!(x > 0))
		return 0;
	if (x >= 0x1p64L)
		return UINT64_MAX;
	return (uint64_t)ceill(x);
}

/* Like ceil_ns, but a value within a hair above an integer (rounding in
 * rate arithmetic: 1 token at 10/s must fall due at 100000000 ns, not
 * 100000001) counts as that integer. */
static uint64_t ceil_ns_snap(long double x)
{
	if (!(x > 0))
		return 0;
	long double fl = floorl(x);
	if (x - fl <= 1e-9L + x * 1e-15L)
		x = fl;
	return ceil_ns(x);
}

/* Exact time inside a pipe or link (see "Exact clocks" at the top):
 * ns + frac, 0 <= frac < 1, the fraction kept apart so that its precision
 * does not shrink as simulated time grows. */
struct xt {
	uint64_t ns;
	long double frac;
};

static struct xt xt_at(uint64_t ns)
{
	return (struct xt){ ns, 0 };
}

/* a + d for a duration d >= 0 in ns, saturated. */
static struct xt xt_add(struct xt a, long double d)
{
	if (!(d > 0))
		return a;
	if (d >= 0x1p64L)
		return (struct xt){ UINT64_MAX, 0 };
	long double whole = floorl(d);
	struct xt r = { add_sat(a.ns, (uint64_t)whole), a.frac + (d - whole) };
	if (r.frac >= 1) {
		r.frac -= 1;
		r.ns = add_sat(r.ns, 1);
	}
	return r;
}

static int xt_lt(struct xt a, struct xt b)
{
	return a.ns < b.ns || (a.ns == b.ns && a.frac < b.frac);
}

static struct xt xt_max(struct xt a, struct xt b)
{
	return xt_lt(a, b) ? b : a;
}

/* The first whole ns at or after a.  A fraction below XT_EPS_NS is the
 * long double rounding of sums of fractions (0.24 ns added 25 times is not
 * exactly 6), not time. */
static uint64_t xt_ceil(struct xt a)
{
	return a.frac > XT_EPS_NS ? add_sat(a.ns, 1) : a.ns;
}

/* The link's clock: like struct xt, with a double fraction (see "res_link"
 * at the top for the error bound). */
struct lt {
	uint64_t ns;
	double frac;
};

static struct lt lt_at(uint64_t ns)
{
	return (struct lt){ ns, 0 };
}

/* a + d for a duration d >= 0 in ns, saturated (from 2^63 ns, 292 years,
 * on: the signed conversion is the cheap one). */
static struct lt lt_add(struct lt a, double d)
{
	if (!(d > 0))
		return a;
	if (d >= 0x1p63)
		return (struct lt){ UINT64_MAX, 0 };
	int64_t whole = (int64_t)d; /* floor, as d > 0 */
	struct lt r = { add_sat(a.ns, (uint64_t)whole), a.frac + (d - (double)whole) };
	if (r.frac >= 1) {
		r.frac -= 1;
		r.ns = add_sat(r.ns, 1);
	}
	return r;
}

static int lt_lt(struct lt a, struct lt b)
{
	return a.ns < b.ns || (a.ns == b.ns && a.frac < b.frac);
}

/* a - b in ns, for a >= b (0 otherwise). */
static double lt_sub(struct lt a, struct lt b)
{
	if (!lt_lt(b, a))
		return 0;
	return (double)(a.ns - b.ns) + (a.frac - b.frac);
}

/* The first whole ns at or after a (see xt_ceil). */
static uint64_t lt_ceil(struct lt a)
{
	return a.frac > (double)XT_EPS_NS ? add_sat(a.ns, 1) : a.ns;
}

/* ---- a growable ring of waiting jobs ---- */

struct res_job {
	uint64_t arrival_ns;
	uint64_t start_ns;  /* service (queue) or transfer (pipe) start */
	uint64_t amount;    /* service ns (queue), bytes (pipe) */
	double tokens;      /* token bucket */
	uint64_t ev;        /* pipe: pending completion event */
	struct xt t;        /* pipe: exact completion time */
	res_done_fn done;
	void *arg;
};

/* Invariant: cap is 0 or a power of two; jobs are v[(head + i) & (cap-1)]
 * for i < n, oldest first. */
struct res_ring {
	struct res_job *v;
	size_t head, n, cap;
};

static int ring_reserve(struct res_ring *r, size_t want)
{
	if (want <= r->cap)
		return 0;
	size_t cap = r->cap ? r->cap : 16;
	while (cap < want) {
		if (cap > SIZE_MAX / 2 / sizeof *r->v)
			return -1;
		cap *= 2;
	}
	struct res_job *v = malloc(cap * sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		v[i] = r->v[(r->head + i) & (r->cap - 1)];
	free(r->v);
	r->v = v;
	r->head = 0;
	r->cap = cap;
	return 0;
}

static int ring_push(struct res_ring *r, const struct res_job *j)
{
	if (ring_reserve(r, r->n + 1))
		return -1;
	r->v[(r->head + r->n) & (r->cap - 1)] = *j;
	r->n++;
	return 0;
}

/* Inserts j at position pos (0: the front; pos >= n: the back). */
static int ring_insert(struct res_ring *r, const struct res_job *j, size_t pos)
{
	if (pos >= r->n)
		return ring_push(r, j);
	if (ring_reserve(r, r->n + 1))
		return -1;
	size_t m = r->cap - 1;
	for (size_t i = r->n; i > pos; i--)
		r->v[(r->head + i) & m] = r->v[(r->head + i - 1) & m];
	r->v[(r->head + pos) & m] = *j;
	r->n++;
	return 0;
}

static struct res_job *ring_at(const struct res_ring *r, size_t i)
{
	return &r->v[(r->head + i) & (r->cap - 1)];
}

static struct res_job ring_pop(struct res_ring *r)
{
	struct res_job j = r->v[r->head];
	r->head = (r->head + 1) & (r->cap - 1);
	r->n--;
	return j;
}

static void ring_free(struct res_ring *r)
{
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* ---- statistics ---- */

static int stats_init(struct res_stats *s, uint64_t now_ns, enum res_kind kind)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->since_ns = now_ns;
	met_tavg_init(&s->busy, now_ns, 0);
	met_tavg_init(&s->in_queue, now_ns, 0);
	met_tavg_init(&s->in_system, now_ns, 0);
	s->wait_ns = hist_new();
	s->response_ns = hist_new();
	if (!s->wait_ns || !s->response_ns) {
		hist_free(s->wait_ns);
		hist_free(s->response_ns);
		return -1;
	}
	return 0;
}

static void stats_fini(struct res_stats *s)
{
	hist_free(s->wait_ns);
	hist_free(s->response_ns);
}

static void stats_reset(struct res_stats *s, uint64_t now_ns)
{
	s->arrivals = 0;
	s->completions = 0;
	s->bytes = 0;
	s->refused = 0;
	s->since_ns = now_ns;
	met_tavg_restart(&s->busy, now_ns);
	met_tavg_restart(&s->in_queue, now_ns);
	met_tavg_restart(&s->in_system, now_ns);
	hist_reset(s->wait_ns);
	hist_reset(s->response_ns);
}

/* The state after a change at now: busy servers, waiting, in system.
 * The three averages always change together (here, stats_init and
 * stats_reset), so they share last_ns, and one test and one dt serve all
 * three; met_tavg_set would do the same, three times over. */
static void stats_note(struct res_stats *s, uint64_t now_ns, double busy, double queued, double system)
{
	if (now_ns > s->busy.last_ns) {
		double dt = (double)(now_ns - s->busy.last_ns);
		s->busy.area += s->busy.value * dt;
		s->in_queue.area += s->in_queue.value * dt;
		s->in_system.area += s->in_system.value * dt;
		s->busy.last_ns = s->in_queue.last_ns = s->in_system.last_ns = now_ns;
	}
	s->busy.value = busy;
	s->in_queue.value = queued;
	s->in_system.value = system;
}

/* A job alone on a resource that is idle before it and after it (a
 * link's flow with no other, a quiet leg) changes the state from 0, 0, 0
 * (busy, queued, in system) to 1, 0, 1 and back: stats_note for those two
 * changes, less the products by 0, which add nothing (the areas are
 * finite and never -0), and the products by 1.  The caller knows the
 * values before (link_note set them from the flow count). */
static inline void stats_note_start_alone(struct res_stats *s, uint64_t now_ns)
{
	if (now_ns > s->busy.last_ns)
		s->busy.last_ns = s->in_queue.last_ns = s->in_system.last_ns = now_ns;
	s->busy.value = 1;
	s->in_queue.value = 0;
	s->in_system.value = 1;
}

static inline void stats_note_end_alone(struct res_stats *s, uint64_t now_ns)
{
	if (now_ns > s->busy.last_ns) {
		double dt = (double)(now_ns - s->busy.last_ns);
		s->busy.area += dt;
		s->in_system.area += dt;
		s->busy.last_ns = s->in_queue.last_ns = s->in_system.last_ns = now_ns;
	}
	s->busy.value = 0;
	s->in_queue.value = 0;
	s->in_system.value = 0;
}

/* Inlined by force, like hist_record: out of line it cost the three-tier
 * bench 2% in calls, at five call sites that each fold parts of it. */
static inline __attribute__((always_inline)) void stats_complete(struct res_stats *s, uint64_t now_ns,
								  uint64_t arrival_ns, uint64_t start_ns)
{
	s->completions++;
	if (start_ns == arrival_ns)
		hist_record_zero(s->wait_ns); /* served at once: most jobs */
	else
		hist_record(s->wait_ns, start_ns - arrival_ns);
	hist_record(s->response_ns, now_ns - arrival_ns);
}

double res_stats_util(const struct res_stats *s, uint64_t now_ns, double servers)
{
	if (!(servers > 0))
		return 0;
	return met_tavg_mean(&s->busy, now_ns) / servers;
}

double res_stats_mean_queue(const struct res_stats *s, uint64_t now_ns)
{
	return met_tavg_mean(&s->in_queue, now_ns);
}

double res_stats_mean_system(const struct res_stats *s, uint64_t now_ns)
{
	return met_tavg_mean(&s->in_system, now_ns);
}

static int export_scalar(struct met_registry *m, char *buf, size_t len, const char *name,
			 const char *what, double v, const char *unit)
{
	snprintf(buf, len, "%s.%s", name, what);
	return met_set(m, buf, v, unit);
}

static int export_hist(struct met_registry *m, char *buf, size_t len, const char *name,
		       const char *what, const struct hist *h)
{
	snprintf(buf, len, "%s.%s", name, what);
	struct hist *dst = met_hist(m, buf, "ns");
	if (!dst)
		return -1;
	hist_merge(dst, h);
	return 0;
}

int res_stats_export(const struct res_stats *s, uint64_t now_ns, double servers, const char *name,
		     struct met_registry *m)
{
	size_t len = strlen(name) + sizeof ".mean_in_system";
	char *buf = malloc(len);
	if (!buf)
		return -1;
	double secs = now_ns > s->since_ns ? (double)(now_ns - s->since_ns) / 1e9 : 0;
	int bytes = s->kind == RES_PIPE || s->kind == RES_LINK;
	int rc = 0;
	rc |= export_scalar(m, buf, len, name, "arrivals", (double)s->arrivals, "jobs");
	rc |= export_scalar(m, buf, len, name, "completions", (double)s->completions, "jobs");
	rc |= export_scalar(m, buf, len, name, "utilisation", res_stats_util(s, now_ns, servers), "ratio");
	rc |= export_scalar(m, buf, len, name, "mean_in_queue", res_stats_mean_queue(s, now_ns), "jobs");
	rc |= export_scalar(m, buf, len, name, "mean_in_system", res_stats_mean_system(s, now_ns), "jobs");
	rc |= export_scalar(m, buf, len, name, "throughput", secs > 0 ? (double)s->completions / secs : 0,
			    "ops/s");
	if (bytes) {
		rc |= export_scalar(m, buf, len, name, "bytes", (double)s->bytes, "B");
		rc |= export_scalar(m, buf, len, name, "bandwidth", secs > 0 ? (double)s->bytes / secs : 0,
				    "B/s");
	}
	if (s->kind == RES_TB)
		rc |= export_scalar(m, buf, len, name, "refused", (double)s->refused, "requests");
	rc |= export_hist(m, buf, len, name, "wait", s->wait_ns);
	rc |= export_hist(m, buf, len, name, "response", s->response_ns);
	free(buf);
	return rc ? -1 : 0;
}

/* ---- multi-server FIFO queue ---- */

/* A server.  Slots are allocated one by one as concurrency first needs
 * them (so a queue with a huge c costs only what it uses) and never move,
 * because a pending completion event points at its slot. */
struct res_qslot {
	struct res_queue *q;
	struct res_job job;
	uint64_t ev;              /* pending completion, 0 when idle */
	struct res_qslot *next;   /* free list */
};

struct res_queue {
	struct exec x;
	unsigned servers;
	unsigned busy;               /* slots serving a job */
	struct res_ring line;        /* waiting, FIFO */
	struct res_qslot **slot;     /* every slot allocated, for free */
	size_t nslot;
	struct res_qslot *idle;      /* free list of allocated idle slots */
	int callback_first;          /* res_queue_callback_first */
	struct res_stats st;
};

struct res_queue *res_queue_new(const struct exec *x, unsigned servers)
{
	if (!x || servers == 0)
		return NULL;
	struct res_queue *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->x = *x;
	q->servers = servers;
	if (stats_init(&q->st, exec_now(x), RES_QUEUE)) {
		free(q);
		return NULL;
	}
	return q;
}

void res_queue_free(struct res_queue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nslot; i++) {
		if (q->slot[i]->ev)
			exec_cancel(&q->x, q->slot[i]->ev);
		free(q->slot[i]);
	}
	free(q->slot);
	ring_free(&q->line);
	stats_fini(&q->st);
	free(q);
}

static void queue_note(struct res_queue *q, uint64_t now_ns)
{
	stats_note(&q->st, now_ns, q->busy, (double)q->line.n, (double)q->line.n + q->busy);
}

/* An idle slot, allocating one if fewer than `servers` exist; NULL on OOM. */
static struct res_qslot *queue_take_slot(struct res_queue *q)
{
	struct res_qslot *s = q->idle;
	if (s) {
		q->idle = s->next;
		return s;
	}
	/* busy < servers and no idle slot: nslot == busy < servers. */
	struct res_qslot **v = realloc(q->slot, (q->nslot + 1) * sizeof *v);
	if (!v)
		return NULL;
	q->slot = v;
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->q = q;
	q->slot[q->nslot++] = s;
	return s;
}

static void queue_complete(void *arg);

/* A job starts on server s at now.  Its fields are set one by one, not
 * as a struct res_job copied in: a queue reads these alone, and building
 * and copying the whole job (96 bytes) was a third of a submit. */
static void queue_begin(struct res_queue *q, struct res_qslot *s, uint64_t arrival_ns, uint64_t now_ns,
			uint64_t service_ns, res_done_fn done, void *arg)
{
	s->job.arrival_ns = arrival_ns;
	s->job.start_ns = now_ns;
	s->job.amount = service_ns;
	s->job.done = done;
	s->job.arg = arg;
	s->ev = exec_at(&q->x, add_sat(now_ns, service_ns), queue_complete, s);
}

static void queue_start(struct res_queue *q, struct res_qslot *s, const struct res_job *j, uint64_t now_ns)
{
	queue_begin(q, s, j->arrival_ns, now_ns, j->amount, j->done, j->arg);
}

/* Callback first (res_queue_callback_first): the server is freed, done
 * runs (what it submits takes the free server first), and then waiters
 * start on the servers still free. */
static void queue_complete_callback_first(struct res_queue *q, struct res_qslot *s, res_done_fn done, void *arg,
					  uint64_t now)
{
	q->busy--;
	s->next = q->idle;
	q->idle = s;
	queue_note(q, now);
	if (done)
		done(arg);
	while (q->busy < q->servers && q->line.n) {
		struct res_qslot *t = queue_take_slot(q); /* an idle one: never allocates */
		struct res_job next = ring_pop(&q->line);
		q->busy++;
		queue_start(q, t, &next, now);
	}
	queue_note(q, now);
}

static void queue_complete(void *slot)
{
	struct res_qslot *s = slot;
	struct res_queue *q = s->q;
	uint64_t now = exec_now(&q->x);
	res_done_fn done = s->job.done;
	void *arg = s->job.arg;
	s->ev = 0;
	stats_complete(&q->st, now, s->job.arrival_ns, s->job.start_ns);
	if (q->callback_first) {
		queue_complete_callback_first(q, s, done, arg, now);
		return;
	}
	if (q->line.n) {
		struct res_job next = ring_pop(&q->line);
		queue_start(q, s, &next, now);
	} else {
		q->busy--;
		s->next = q->idle;
		q->idle = s;
	}
	queue_note(q, now);
	if (done)
		done(arg);
}

int res_queue_submit_at(struct res_queue *q, uint64_t service_ns, res_done_fn done, void *arg, size_t pos)
{
	uint64_t now = exec_now(&q->x);
	if (q->busy < q->servers) {
		struct res_qslot *s = queue_take_slot(q);
		if (!s)
			return -1;
		q->busy++;
		queue_begin(q, s, now, now, service_ns, done, arg);
	} else {
		struct res_job j = { .arrival_ns = now, .amount = service_ns, .done = done, .arg = arg };
		if (ring_insert(&q->line, &j, pos))
			return -1;
	}
	q->st.arrivals++;
	queue_note(q, now);
	return 0;
}

int res_queue_submit(struct res_queue *q, uint64_t service_ns, res_done_fn done, void *arg)
{
	return res_queue_submit_at(q, service_ns, done, arg, SIZE_MAX);
}

void res_queue_reset_stats(struct res_queue *q)
{
	stats_reset(&q->st, exec_now(&q->x));
}

const struct res_stats *res_queue_stats(const struct res_queue *q)
{
	return &q->st;
}

unsigned res_queue_servers(const struct res_queue *q)
{
	return q->servers;
}

unsigned res_queue_busy(const struct res_queue *q)
{
	return q->busy;
}

size_t res_queue_waiting(const struct res_queue *q)
{
	return q->line.n;
}

void res_queue_callback_first(struct res_queue *q, int on)
{
	q->callback_first = on != 0;
}

/* ---- bandwidth pipe ---- */

struct res_pipe {
	struct exec x;
	double bps;
	uint64_t bps_int;        /* bps when it is a whole number, else 0 */
	uint64_t latency_ns;
	unsigned concurrency;    /* 0: no limit */
	struct res_ring line;    /* waiting to start serialising */
	int serialising;         /* 1 while `ser` holds the serialiser */
	struct res_job ser;
	struct xt ser_end;       /* exact end of ser's transfer */
	uint64_t ser_ev;         /* its event, at xt_ceil(ser_end) */
	struct xt free_since;    /* exact time the serialiser last went idle */
	/* In their latency, oldest first; each job's ev is its completion
	 * event and t its exact completion time.  Invariant, when latency_ns
	 * > 0 (else it stays empty): flight.cap >= every op in the pipe,
	 * reserved at submit, so moving an op into it never allocates inside
	 * an event. */
	struct res_ring flight;
	struct res_stats st;
};

struct res_pipe *res_pipe_new(const struct exec *x, double bps, uint64_t latency_ns, unsigned concurrency)
{
	if (!x || !(bps > 0) || isinf(bps))
		return NULL;
	struct res_pipe *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->x = *x;
	p->bps = bps;
	if (bps == floor(bps) && bps < 0x1p64)
		p->bps_int = (uint64_t)bps;
	p->latency_ns = latency_ns;
	p->concurrency = concurrency;
	p->free_since = xt_at(exec_now(x));
	if (stats_init(&p->st, exec_now(x), RES_PIPE)) {
		free(p);
		return NULL;
	}
	return p;
}

void res_pipe_free(struct res_pipe *p)
{
	if (!p)
		return;
	if (p->serialising && p->ser_ev)
		exec_cancel(&p->x, p->ser_ev);
	for (size_t i = 0; i < p->flight.n; i++)
		if (ring_at(&p->flight, i)->ev)
			exec_cancel(&p->x, ring_at(&p->flight, i)->ev);
	ring_free(&p->line);
	ring_free(&p->flight);
	stats_fini(&p->st);
	free(p);
}

/* start + b * 1e9 / bps exactly (see the top of the file). */
static struct xt pipe_transfer_end(const struct res_pipe *p, struct xt start, uint64_t bytes)
{
#ifdef __SIZEOF_INT128__
	if (p->bps_int) {
		__extension__ typedef unsigned __int128 u128;
		uint64_t q64, rem;
		if (bytes <= UINT64_MAX / 1000000000u) {
			/* The common case in 64 bits: the 128-bit division is a
			 * library call of about 30 instructions. */
			uint64_t num = bytes * 1000000000u;
			q64 = num / p->bps_int;
			rem = num % p->bps_int;
		} else {
			u128 num = (u128)bytes * 1000000000u;
			u128 q = num / p->bps_int;
			if (q > UINT64_MAX)
				return (struct xt){ UINT64_MAX, 0 };
			q64 = (uint64_t)q;
			rem = (uint64_t)(num % p->bps_int);
		}
		struct xt r = { add_sat(start.ns, q64), start.frac + (long double)rem / (long double)p->bps_int };
		if (r.frac >= 1) {
			r.frac -= 1;
			r.ns = add_sat(r.ns, 1);
		}
		return r;
	}
#endif
	return xt_add(start, (long double)bytes * 1e9L / (long double)p->bps);
}

static size_t pipe_in_flight(const struct res_pipe *p)
{
	return (size_t)p->serialising + p->flight.n;
}

static void pipe_note(struct res_pipe *p, uint64_t now_ns)
{
	stats_note(&p->st, now_ns, p->serialising, (double)p->line.n,
		   (double)(p->line.n + pipe_in_flight(p)));
}

static void pipe_ser_end(void *arg);

/* Starts the head of the line if the serialiser is free and the
 * concurrency limit allows.  `freed` is the exact time of the completion
 * whose event this is (it released a concurrency slot), or 0.  The op
 * starts at the exact time its last obstacle went: its arrival, the
 * serialiser going idle, or the slot freeing; that is at most now, and its
 * ceiling is now. */
static void pipe_start(struct res_pipe *p, uint64_t arrival_ns, uint64_t bytes, res_done_fn done, void *arg,
		       uint64_t now_ns, struct xt freed)
{
	/* The fields a pipe reads, one by one (as queue_begin). */
	p->ser.arrival_ns = arrival_ns;
	p->ser.start_ns = now_ns;
	p->ser.amount = bytes;
	p->ser.done = done;
	p->ser.arg = arg;
	struct xt start = xt_max(xt_max(xt_at(arrival_ns), p->free_since), freed);
	p->serialising = 1;
	p->ser_end = pipe_transfer_end(p, start, bytes);
	p->ser_ev = exec_at(&p->x, xt_ceil(p->ser_end), pipe_ser_end, p);
}

/* Whether an op may start now: the serialiser idle and a slot free. */
static int pipe_can_start(const struct res_pipe *p)
{
	return !p->serialising && (!p->concurrency || pipe_in_flight(p) < p->concurrency);
}

static void pipe_try_start(struct res_pipe *p, uint64_t now_ns, struct xt freed)
{
	if (p->line.n == 0 || !pipe_can_start(p))
		return;
	struct res_job j = ring_pop(&p->line);
	pipe_start(p, j.arrival_ns, j.amount, j.done, j.arg, now_ns, freed);
}

static void pipe_finish(struct res_pipe *p, const struct res_job *j, uint64_t now_ns)
{
	stats_complete(&p->st, now_ns, j->arrival_ns, j->start_ns);
	p->st.bytes += j->amount;
}

static void pipe_complete(void *arg)
{
	struct res_pipe *p = arg;
	uint64_t now = exec_now(&p->x);
	/* Equal latencies: completions fall due in the order ops entered the
	 * latency stage, and equal-time events run in scheduling order. */
	struct res_job j = ring_pop(&p->flight);
	pipe_finish(p, &j, now);
	pipe_try_start(p, now, j.t);
	pipe_note(p, now);
	if (j.done)
		j.done(j.arg);
}

static void pipe_ser_end(void *arg)
{
	struct res_pipe *p = arg;
	uint64_t now = exec_now(&p->x);
	p->serialising = 0;
	p->ser_ev = 0;
	p->free_since = p->ser_end;
	if (p->latency_ns == 0) {
		res_done_fn done = p->ser.done;
		void *done_arg = p->ser.arg;
		pipe_finish(p, &p->ser, now);
		pipe_try_start(p, now, xt_at(0));
		pipe_note(p, now);
		if (done)
			done(done_arg);
		return;
	}
	struct res_job j = p->ser;
	j.t = xt_add(p->ser_end, (long double)p->latency_ns);
	j.ev = exec_at(&p->x, xt_ceil(j.t), pipe_complete, p);
	ring_push(&p->flight, &j); /* cannot fail: reserved at submit */
	pipe_try_start(p, now, xt_at(0));
	pipe_note(p, now);
}

int res_pipe_submit(struct res_pipe *p, uint64_t bytes, res_done_fn done, void *arg)
{
	uint64_t now = exec_now(&p->x);
	/* Room in flight only where there is a latency stage (pipe_ser_end). */
	if (p->latency_ns && ring_reserve(&p->flight, p->line.n + pipe_in_flight(p) + 1))
		return -1;
	/* An op that finds the line empty and may start starts at once, as
	 * pipe_try_start would start it, without passing through the line. */
	if (p->line.n == 0 && pipe_can_start(p)) {
		pipe_start(p, now, bytes, done, arg, now, xt_at(0));
	} else {
		struct res_job j = { .arrival_ns = now, .amount = bytes, .done = done, .arg = arg };
		if (ring_push(&p->line, &j))
			return -1;
	}
	p->st.arrivals++;
	pipe_note(p, now);
	return 0;
}

void res_pipe_reset_stats(struct res_pipe *p)
{
	stats_reset(&p->st, exec_now(&p->x));
}

const struct res_stats *res_pipe_stats(const struct res_pipe *p)
{
	return &p->st;
}

/* ---- fairly shared link ---- */

/* The link runs in one of two modes (see "res_link" at the top):
 *   ps       no active flow has a cap: processor sharing in virtual time.
 *            flow[] is a binary min-heap on (key, seq); key is the flow's
 *            finish tag F = vt at arrival + bytes, so its bytes left are
 *            F - vt; every flow runs at bps / n.  O(log n) per change.
 *   general  some flow has a cap: flow[] is unordered; key is the flow's
 *            bytes left as of `last`, rate its own water-filled rate and
 *            finish its exact finish.  O(n) per change.
 * The link switches to general when a capped flow arrives, and back to ps
 * when the last capped flow leaves; each switch is O(n). */
struct res_lflow {
	uint64_t bytes;
	double key;             /* ps: finish tag; general: bytes left */
	double cap;             /* 0: none */
	double rate;            /* general: bytes/s from link.last */
	struct lt finish;       /* general: exact finish at the current rates */
	uint64_t finish_ns;     /* general: its event time, finish rounded up */
	uint64_t arrival_ns;
	uint64_t seq;           /* arrival order */
	res_done_fn done;
	void *arg;
};

struct res_lcall {
	uint64_t seq;
	res_done_fn done;
	void *arg;
};

/* A quiet leg as its link books it.  The link keeps its own copy of the
 * leg's times, because the leg itself (caller memory) may be gone once it
 * is due: g is used only before due_ns, while its transfer cannot have
 * completed. */
struct link_q {
	struct res_xleg *g;
	uint64_t start_ns, due_ns, bytes;
	int arrived;
};

struct res_link {
	struct exec x;
	double bps;
	int ps;                  /* mode: 1 ps, 0 general */
	double vt;               /* ps: bytes served to each flow since rebase */
	struct res_lflow *flow;  /* the active flows */
	size_t n;
	size_t cap;              /* capacity of flow, caps and call */
	double *caps;            /* caps of the capped flows, ascending */
	size_t ncaps;
	struct res_lcall *call;  /* completions being delivered by link_fire */
	struct lt last;          /* vt or the bytes left are as of this time */
	uint64_t seq;
	uint64_t ev;             /* the one pending completion event, or 0 */
	uint64_t ev_ns;          /* its time: the earliest due ns */
	/* Transfers' quiet legs (res_xfer_start) booked on the link:
	 * q[qh .. qh + quiet), by start time, their intervals [start, due]
	 * disjoint.  Invariant: while there is one, the link carries no other
	 * flow and has no event; n is 1 while the first has arrived
	 * (its `arrived`: flow[0] is that leg), else 0. */
	struct link_q *q;
	size_t qh, quiet, qcap;
	struct res_stats st;
};

struct res_link *res_link_new(const struct exec *x, double bps)
{
	if (!x || !(bps > 0) || isinf(bps))
		return NULL;
	struct res_link *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->x = *x;
	l->bps = bps;
	l->ps = 1;
	l->last = lt_at(exec_now(x));
	if (stats_init(&l->st, exec_now(x), RES_LINK)) {
		free(l);
		return NULL;
	}
	return l;
}

void res_link_free(struct res_link *l)
{
	if (!l)
		return;
	if (l->ev)
		exec_cancel(&l->x, l->ev);
	for (size_t i = 0; i < l->quiet; i++) {
		struct link_q *q = &l->q[l->qh + i];
		if (q->due_ns > exec_now(&l->x) && q->g->t->timer_ev) {
			/* Work still inside: its transfer never completes
			 * (resource.h). */
			exec_cancel(&l->x, q->g->t->timer_ev);
			q->g->t->timer_ev = 0;
		}
	}
	free(l->q);
	free(l->flow);
	free(l->caps);
	free(l->call);
	stats_fini(&l->st);
	free(l);
}

static int link_reserve(struct res_link *l, size_t want)
{
	if (want <= l->cap)
		return 0;
	size_t cap = l->cap ? l->cap * 2 : 16;
	if (cap > SIZE_MAX / sizeof *l->flow)
		return -1;
	struct res_lflow *f = realloc(l->flow, cap * sizeof *f);
	if (!f)
		return -1;
	l->flow = f;
	double *c = realloc(l->caps, cap * sizeof *c);
	if (!c)
		return -1;
	l->caps = c;
	/* link_fire reads l->call afresh after every callback, so a callback
	 * that submits (and so reallocates this) is safe. */
	struct res_lcall *k = realloc(l->call, cap * sizeof *k);
	if (!k)
		return -1;
	l->call = k;
	l->cap = cap;
	return 0;
}

/* ---- the sorted cap list ---- */

/* First index in caps[] whose value is >= v (lower bound). */
static size_t link_caps_lower(const struct res_link *l, double v)
{
	size_t lo = 0, hi = l->ncaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->caps[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void link_caps_insert(struct res_link *l, double v)
{
	size_t i = link_caps_lower(l, v);
	memmove(&l->caps[i + 1], &l->caps[i], (l->ncaps - i) * sizeof *l->caps);
	l->caps[i] = v;
	l->ncaps++;
}

static void link_caps_remove(struct res_link *l, double v)
{
	size_t i = link_caps_lower(l, v);
	/* v is present: it was inserted with its flow. */
	memmove(&l->caps[i], &l->caps[i + 1], (l->ncaps - i - 1) * sizeof *l->caps);
	l->ncaps--;
}

/* ---- ps mode: the heap ---- */

static int lflow_before(const struct res_lflow *a, const struct res_lflow *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void heap_sift_up(struct res_lflow *h, size_t i)
{
	struct res_lflow f = h[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!lflow_before(&f, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = f;
}

static void heap_sift_down(struct res_lflow *h, size_t n, size_t i)
{
	struct res_lflow f = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && lflow_before(&h[c + 1], &h[c]))
			c++;
		if (!lflow_before(&h[c], &f))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = f;
}

static void heap_make(struct res_lflow *h, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		heap_sift_down(h, n, i);
}

/* ---- both modes ---- */

/* The water level f: uncapped flows get f, capped ones min(cap, f). */
static double link_fair(const struct res_link *l)
{
	double left = l->bps;
	size_t m = l->n;
	for (size_t i = 0; i < l->ncaps; i++) {
		if (!(l->caps[i] < left / (double)m))
			break;
		left -= l->caps[i];
		m--;
	}
	return m ? left / (double)m : INFINITY;
}

/* Serves every flow at its current rate from last to t (t >= last). */
static void link_advance(struct res_link *l, struct lt t)
{
	if (l->n > 0) {
		double dt_ns = lt_sub(t, l->last);
		if (dt_ns > 0) {
			if (l->ps)
				l->vt += l->bps * dt_ns / (1e9 * (double)l->n);
			else
				for (size_t i = 0; i < l->n; i++)
					l->flow[i].key -= l->flow[i].rate * dt_ns / 1e9;
		}
	}
	if (lt_lt(l->last, t))
		l->last = t;
}

/* The ns a callback falls due for an exact time at, d ns of transfer
 * after its start: the next one up, but a hair past a whole ns is the
 * rate arithmetic's rounding (LINK_EPS_REL of d, plus XT_EPS_NS). */
static uint64_t due_of(struct lt at, double d)
{
	return at.frac <= (double)XT_EPS_NS + d * LINK_EPS_REL ? at.ns : lt_ceil(at);
}

/* The exact time d ns after last, and the ns its callback falls due. */
static uint64_t link_due_ns(const struct res_link *l, double d, struct lt *at)
{
	*at = lt_add(l->last, d);
	return due_of(*at, d);
}

/* General mode: new rates and finish times from last. */
static void link_rates(struct res_link *l)
{
	double fair = link_fair(l);
	for (size_t i = 0; i < l->n; i++) {
		struct res_lflow *f = &l->flow[i];
		f->rate = f->cap > 0 && f->cap < fair ? f->cap : fair;
		double d = f->key > LINK_EPS_BYTES ? f->key * 1e9 / f->rate : 0;
		f->finish_ns = link_due_ns(l, d, &f->finish);
	}
}

/* Ps mode: the head's exact finish and its due ns (n > 0).  Its bytes left
 * take 1e9 * n / bps ns each. */
static uint64_t link_ps_head(const struct res_link *l, struct lt *at)
{
	double left = l->flow[0].key - l->vt;
	double d = left > LINK_EPS_BYTES ? left * 1e9 * (double)l->n / l->bps : 0;
	return link_due_ns(l, d, at);
}

/* Ps mode: moves the origin of virtual time to the present (vt = 0, tags
 * less vt), so that vt stays below LINK_VT_REBASE bytes and the tags keep
 * their precision on a link that never idles.  Subtraction is monotonic,
 * but it can make two tags equal, so the heap is rebuilt: O(n), once per
 * LINK_VT_REBASE bytes. */
static void link_ps_rebase(struct res_link *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->flow[i].key -= l->vt;
	l->vt = 0;
	heap_make(l->flow, l->n);
}

/* Switches to general mode (a capped flow is coming): keys become bytes
 * left.  Flows must be advanced to last. */
static void link_to_general(struct res_link *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->flow[i].key -= l->vt;
	l->vt = 0;
	l->ps = 0;
}

/* Switches to ps mode (no capped flow left): with vt = 0 the bytes left
 * are the finish tags. */
static void link_to_ps(struct res_link *l)
{
	l->vt = 0;
	l->ps = 1;
	heap_make(l->flow, l->n);
}

static void link_fire(void *arg);

/* The one completion event, at the earliest due ns; left in place when
 * that has not moved (cancel and push again would only cost time). */
static void link_schedule(struct res_link *l)
{
	if (l->n == 0) {
		if (l->ev) {
			exec_cancel(&l->x, l->ev);
			l->ev = 0;
		}
		return;
	}
	uint64_t first = UINT64_MAX;
	if (l->ps) {
		struct lt at;
		first = link_ps_head(l, &at);
	} else {
		for (size_t i = 0; i < l->n; i++)
			if (l->flow[i].finish_ns < first)
				first = l->flow[i].finish_ns;
	}
	if (l->ev) {
		if (l->ev_ns == first)
			return;
		exec_cancel(&l->x, l->ev);
	}
	l->ev = exec_at(&l->x, first, link_fire, l);
	l->ev_ns = first;
}

static void link_note(struct res_link *l, uint64_t now_ns)
{
	stats_note(&l->st, now_ns, l->n > 0, 0, (double)l->n);
}

static void link_finished(struct res_link *l, const struct res_lflow *f, uint64_t now_ns, size_t *k)
{
	l->call[(*k)++] = (struct res_lcall){ f->seq, f->done, f->arg };
	l->st.bytes += f->bytes;
	stats_complete(&l->st, now_ns, f->arrival_ns, f->arrival_ns);
}

/* One step of link_fire in ps mode: 0 if no flow is due by now. */
static int link_ps_step(struct res_link *l, uint64_t now_ns, size_t *k)
{
	if (l->n == 0)
		return 0;
	struct lt first;
	if (link_ps_head(l, &first) > now_ns)
		return 0;
	link_advance(l, lt_lt(first, lt_at(now_ns)) ? first : lt_at(now_ns));
	double tag = l->flow[0].key;
	while (l->n > 0 && (l->flow[0].key <= tag || l->flow[0].key - l->vt <= LINK_EPS_BYTES)) {
		link_finished(l, &l->flow[0], now_ns, k);
		l->flow[0] = l->flow[--l->n];
		if (l->n)
			heap_sift_down(l->flow, l->n, 0);
	}
	if (l->n == 0)
		l->vt = 0; /* idle: rebase virtual time, keeping its precision */
	return 1;
}

/* One step of link_fire in general mode: 0 if no flow is due by now. */
static int link_general_step(struct res_link *l, uint64_t now_ns, size_t *k)
{
	struct lt first = { UINT64_MAX, 0 };
	int any = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->flow[i].finish_ns <= now_ns && (!any || lt_lt(l->flow[i].finish, first))) {
			first = l->flow[i].finish;
			any = 1;
		}
	}
	if (!any)
		return 0;
	link_advance(l, lt_lt(first, lt_at(now_ns)) ? first : lt_at(now_ns));
	size_t kept = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct res_lflow f = l->flow[i];
		if (f.finish_ns > now_ns || (lt_lt(first, f.finish) && f.key > LINK_EPS_BYTES)) {
			l->flow[kept++] = f;
			continue;
		}
		link_finished(l, &f, now_ns, k);
		if (f.cap > 0)
			link_caps_remove(l, f.cap);
	}
	l->n = kept;
	if (l->ncaps == 0)
		link_to_ps(l);
	else
		link_rates(l);
	return 1;
}

/* link_fire with one flow, in ps mode: what the general steps do for it,
 * without them.  The pending event was scheduled at the flow's due ns by
 * the last change of the flow set (every change reschedules), so the flow
 * is due exactly when the event's time is now.  The link then idles: vt
 * restarts, no event is left, and `last` is set to now (an idle link's
 * `last` is only a lower bound, which the next submit overwrites).  0 (and
 * nothing done) if the flow is not due. */
static int link_fire_single(struct res_link *l, uint64_t now)
{
	if (l->ev_ns != now)
		return 0;
	const struct res_lflow *f = &l->flow[0];
	res_done_fn done = f->done;
	void *arg = f->arg;
	l->n = 0;
	l->vt = 0;
	l->last = lt_at(now);
	l->st.bytes += f->bytes;
	stats_complete(&l->st, now, f->arrival_ns, f->arrival_ns);
	stats_note_end_alone(&l->st, now); /* link_note(l, now) from one flow */
	if (done)
		done(arg);
	return 1;
}

/* Finishes, at now, every flow due by now.  Flows finish one exact time
 * after another: advance to the earliest exact finish, remove the flows
 * finishing then, share their capacity out again, repeat while another is
 * due by now; so no capacity is lost to rounding.  Callbacks then run in
 * arrival order. */
static __attribute__((noinline)) void link_fire_steps(struct res_link *l, uint64_t now)
{
	size_t k = 0;
	while (l->ps ? link_ps_step(l, now, &k) : link_general_step(l, now, &k))
		;
	/* Insertion sort into arrival order: k is small, and mostly sorted. */
	for (size_t i = 1; i < k; i++) {
		struct res_lcall c = l->call[i];
		size_t j = i;
		for (; j > 0 && l->call[j - 1].seq > c.seq; j--)
			l->call[j] = l->call[j - 1];
		l->call[j] = c;
	}
	if (k)
		link_note(l, now);
	link_schedule(l);
	for (size_t i = 0; i < k; i++)
		if (l->call[i].done)
			l->call[i].done(l->call[i].arg);
}

/* The single flow's case first, and the steps out of line: together,
 * every event paid the steps' register saves. */
static void link_fire(void *arg)
{
	struct res_link *l = arg;
	uint64_t now = exec_now(&l->x);
	l->ev = 0;
	if (l->ps && l->n == 1 && link_fire_single(l, now))
		return;
	link_fire_steps(l, now);
}

static void link_settle(struct res_link *l, uint64_t now);
static inline int link_unsettled(const struct res_link *l, uint64_t now);
static void link_wake(struct res_link *l, uint64_t now, uint64_t bytes, double cap_bps);

/* The due ns of a flow of `bytes` that arrives at start_ns on an idle
 * link: what link_submit_idle and link_ps_head compute for it (vt = 0,
 * n = 1), in the same arithmetic. */
static uint64_t link_solo_due(const struct res_link *l, uint64_t start_ns, uint64_t bytes)
{
	double left = (double)bytes;
	double d = left > LINK_EPS_BYTES ? left * 1e9 * 1.0 / l->bps : 0;
	return due_of(lt_add(lt_at(start_ns), d), d);
}

/* res_link_submit on an idle link in ps mode (vt = 0), for an uncapped
 * flow: the most common case by far (a flow that is alone on its link),
 * and what the general path computes for it, without its searches.  The
 * link has room for one flow (link_reserve was called). */
static int link_submit_idle(struct res_link *l, uint64_t now, uint64_t bytes, res_done_fn done, void *arg)
{
	l->last = lt_at(now);
	/* The fields ps mode reads, and cap (general mode works out rate and
	 * finish itself, link_rates). */
	struct res_lflow *f = &l->flow[0];
	f->bytes = bytes;
	f->key = l->vt + (double)bytes;
	f->cap = 0;
	f->arrival_ns = now;
	f->seq = l->seq++;
	f->done = done;
	f->arg = arg;
	l->n = 1;
	l->st.arrivals++;
	stats_note_start_alone(&l->st, now); /* link_note(l, now) from idle */
	uint64_t due = link_solo_due(l, now, bytes); /* link_ps_head's: vt = 0, n = 1 */
	/* An idle link has no pending event (link_schedule cancels it). */
	l->ev = exec_at(&l->x, due, link_fire, l);
	l->ev_ns = due;
	return 0;
}

/* res_link_submit past its common case. */
static __attribute__((noinline)) int link_submit_any(struct res_link *l, uint64_t now, uint64_t bytes,
						     double cap_bps, res_done_fn done, void *arg)
{
	if (l->quiet) {
		if (link_unsettled(l, now))
			link_settle(l, now);
		link_wake(l, now, bytes, cap_bps);
	}
	if (link_reserve(l, l->n + 1)) {
		link_schedule(l); /* a leg link_wake made ordinary needs its event */
		return -1;
	}
	if (l->n == 0 && l->ps && cap_bps == 0)
		return link_submit_idle(l, now, bytes, done, arg);
	link_advance(l, lt_at(now));
	if (l->ps && cap_bps > 0)
		link_to_general(l);
	else if (l->ps && l->vt > LINK_VT_REBASE)
		link_ps_rebase(l);
	l->flow[l->n] = (struct res_lflow){
		.bytes = bytes,
		.key = (l->ps ? l->vt : 0) + (double)bytes,
		.cap = cap_bps,
		.arrival_ns = now,
		.seq = l->seq++,
		.done = done,
		.arg = arg,
	};
	l->n++;
	if (l->ps) {
		heap_sift_up(l->flow, l->n - 1);
	} else {
		if (cap_bps > 0)
			link_caps_insert(l, cap_bps);
		link_rates(l);
	}
	l->st.arrivals++;
	link_note(l, now);
	link_schedule(l);
	return 0;
}

int res_link_submit(struct res_link *l, uint64_t bytes, double cap_bps, res_done_fn done, void *arg)
{
	if (!(cap_bps >= 0) || isinf(cap_bps))
		return -1;
	uint64_t now = exec_now(&l->x);
	/* An uncapped flow onto an idle link with no quiet leg and room for a
	 * flow, before the rest's register saves: what link_submit_any does
	 * for it. */
	if (!l->quiet && l->n == 0 && l->ps && cap_bps == 0 && l->cap > 0)
		return link_submit_idle(l, now, bytes, done, arg);
	return link_submit_any(l, now, bytes, cap_bps, done, arg);
}

/* Accounts the transfer legs due since the link was last touched. */
static void link_sync(struct res_link *l)
{
	if (link_unsettled(l, exec_now(&l->x)))
		link_settle(l, exec_now(&l->x));
}

void res_link_reset_stats(struct res_link *l)
{
	link_sync(l);
	stats_reset(&l->st, exec_now(&l->x));
}

const struct res_stats *res_link_stats(struct res_link *l)
{
	link_sync(l);
	return &l->st;
}

size_t res_link_active(const struct res_link *l)
{
	if (l->quiet) {
		uint64_t now = exec_now(&l->x);
		for (size_t i = 0; i < l->quiet; i++)
			if (l->q[l->qh + i].start_ns <= now && now < l->q[l->qh + i].due_ns)
				return 1;
		return 0;
	}
	return l->n;
}


/* ---- transfers over several links ----
 *
 * A leg is QUIET while it holds its link (l->quiet) with no event (see
 * resource.h; the link accounts its arrival lazily, and then it is the
 * link's flow[0], still without an event), LOUD while it is an ordinary
 * flow of its link or its arrival event is pending (counted in t->loud),
 * and DONE when its link has completed it.  The transfer completes when
 * its timer (at the latest finish of the legs that were quiet at the
 * start) has run and no leg is loud.  A quiet leg turned loud finishes no
 * earlier than it would have alone (sharing only slows a flow), so the
 * timer never runs late: the transfer completes at its last flow's finish,
 * as separate flows would. */
enum { LEG_QUIET = 1, LEG_LOUD, LEG_DONE };

static void xfer_maybe_done(struct res_xfer *t)
{
	if (t->loud == 0 && t->timer_done && t->done)
		t->done(t->arg);
}

static void xfer_timer(void *arg)
{
	struct res_xfer *t = arg;
	t->timer_ev = 0;
	t->timer_done = 1;
	xfer_maybe_done(t);
}

static void leg_flow_done(void *arg)
{
	struct res_xleg *g = arg;
	g->state = LEG_DONE;
	g->t->loud--;
	xfer_maybe_done(g->t);
}

static void leg_arrive(void *arg)
{
	struct res_xleg *g = arg;
	g->ev = 0;
	/* Out of memory inside an event: the hop costs no time. */
	if (res_link_submit(g->l, g->bytes, 0, leg_flow_done, g))
		leg_flow_done(g);
}

/* The first quiet leg's arrival, as link_submit_idle would have made it
 * at its start (the link has room for one flow: reserved when booked). */
static void link_quiet_arrive(struct res_link *l)
{
	struct link_q *q = &l->q[l->qh];
	l->last = lt_at(q->start_ns);
	l->flow[0] = (struct res_lflow){
		.bytes = q->bytes,
		.key = l->vt + (double)q->bytes,
		.arrival_ns = q->start_ns,
		.seq = l->seq++,
		.done = leg_flow_done,
		.arg = q->g,
	};
	l->n = 1;
	l->st.arrivals++;
	stats_note_start_alone(&l->st, q->start_ns); /* link_note from idle */
	q->arrived = 1;
}

/* Brings a link with quiet legs to time now: legs due by now are
 * completed, in order, as link_fire_single would have at their due ns
 * (their transfers' timers stand for their callbacks), and a leg that has
 * started arrives. */
static void link_settle(struct res_link *l, uint64_t now)
{
	while (l->quiet && l->q[l->qh].due_ns <= now) {
		/* The leg's transfer may be over: only the link's copy is used. */
		struct link_q *q = &l->q[l->qh];
		l->n = 0;
		if (!q->arrived) {
			/* Its arrival's accounting alone (link_quiet_arrive's
			 * flow is never read: the leg is done just below). */
			l->seq++;
			l->st.arrivals++;
			stats_note_start_alone(&l->st, q->start_ns);
		}
		stats_note_end_alone(&l->st, q->due_ns);
		l->vt = 0;
		l->last = lt_at(q->due_ns);
		l->st.bytes += q->bytes;
		stats_complete(&l->st, q->due_ns, q->start_ns, q->start_ns);
		l->qh++;
		l->quiet--;
	}
	if (!l->quiet)
		l->qh = 0;
	else if (l->q[l->qh].start_ns <= now && !l->q[l->qh].arrived)
		link_quiet_arrive(l);
}

/* Whether link_settle(l, now) has anything to do. */
static inline int link_unsettled(const struct res_link *l, uint64_t now)
{
	if (!l->quiet)
		return 0;
	const struct link_q *q = &l->q[l->qh];
	return q->due_ns <= now || (q->start_ns <= now && !q->arrived);
}

/* The time (ns) by which the link's flows would all have finished if
 * nothing else arrived: in ps mode the link is work-conserving, so that is
 * last + (bytes left) / bps; with a capped flow it is not: infinity.  0
 * with no flow. */
static double link_busy_end(const struct res_link *l)
{
	if (l->n == 0)
		return 0;
	if (!l->ps)
		return INFINITY;
	double left = 0;
	for (size_t i = 0; i < l->n; i++)
		left += l->flow[i].key - l->vt;
	return (double)l->last.ns + l->last.frac + left * 1e9 / l->bps;
}

/* Whether a quiet leg starting at start_ns would find the link idle after
 * flows busy until end (ns, as link_busy_end): a margin of 2 ns past the
 * rounding of due times and of end's arithmetic, so that a leg never
 * starts in the ns a flow finishes (where the order of the two events
 * would decide whether they share). */
static int link_clear_of(double end, uint64_t start_ns)
{
	return (double)start_ns > end + 2.0 + end * 1e-12;
}

/* Before a flow of `bytes` (cap cap_bps) joins the link at now (settled):
 * every quiet leg it may share the link with stops being quiet, in start
 * order.  The busy period the new flow joins ends at `end` (if nothing
 * else arrives); a leg starting before that (or in its last ns) joins it
 * and extends it; the first leg clear of it, and all later ones, stay
 * quiet (any later arrival checks again).  A leg that has arrived becomes
 * the ordinary flow it would have been (its event is scheduled by the
 * submit's link_schedule); one that has not gets its own arrival event at
 * its start. */
static void link_wake(struct res_link *l, uint64_t now, uint64_t bytes, double cap_bps)
{
	double end = cap_bps > 0 ? INFINITY : link_busy_end(l);
	if (end < (double)now)
		end = (double)now;
	end += (double)bytes * 1e9 / l->bps;
	size_t k = 0;
	for (; k < l->quiet; k++) {
		struct link_q *q = &l->q[l->qh + k];
		if (link_clear_of(end, q->start_ns))
			break;
		struct res_xleg *g = q->g;
		g->t->loud++;
		g->state = LEG_LOUD;
		if (!q->arrived)
			g->ev = exec_at(&l->x, q->start_ns, leg_arrive, g);
		double s = (double)q->start_ns;
		end = (end > s ? end : s) + (double)q->bytes * 1e9 / l->bps;
	}
	l->qh += k;
	l->quiet -= k;
	if (!l->quiet)
		l->qh = 0;
}

/* Books leg g, alone on l over [start_ns, due_ns], as a quiet leg: 0, or
 * -1 when it cannot be (another flow, an overlapping quiet leg, or out of
 * memory). */
static int link_book(struct res_link *l, struct res_xleg *g, uint64_t start_ns, uint64_t due_ns)
{
	if (l->quiet && l->q[l->qh].arrived) {
		if (start_ns <= l->q[l->qh].due_ns)
			return -1;
	} else if (l->n > 0 && !link_clear_of(link_busy_end(l), start_ns)) {
		return -1; /* an ordinary flow may still be there at start */
	}
	/* The first booked leg starting after this one; the intervals must not
	 * touch (a flow arriving in the ns another finishes may share it). */
	size_t lo = 0, hi = l->quiet;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->q[l->qh + mid].start_ns <= start_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && l->q[l->qh + lo - 1].due_ns >= start_ns)
		return -1;
	if (lo < l->quiet && l->q[l->qh + lo].start_ns <= due_ns)
		return -1;
	if (link_reserve(l, 1))
		return -1;
	if (l->qh + l->quiet == l->qcap) {
		/* Slide down only when at least half the array is spent, so each
		 * slide is paid for by as many legs gone; else grow. */
		if (l->qh >= l->quiet && l->qh > 0) {
			memmove(l->q, l->q + l->qh, l->quiet * sizeof *l->q);
			l->qh = 0;
		} else {
			size_t cap = l->qcap ? 2 * l->qcap : 4;
			struct link_q *v = realloc(l->q, cap * sizeof *v);
			if (!v)
				return -1;
			l->q = v;
			l->qcap = cap;
		}
	}
	struct link_q *at = &l->q[l->qh + lo];
	if (lo < l->quiet)
		memmove(at + 1, at, (l->quiet - lo) * sizeof *at);
	*at = (struct link_q){ .g = g, .start_ns = start_ns, .due_ns = due_ns, .bytes = g->bytes };
	l->quiet++;
	return 0;
}

int res_xfer_start(struct res_xfer *t, const struct exec *x, uint64_t start_ns, unsigned n,
		   struct res_link *const *links, const uint64_t *bytes, res_done_fn done, void *arg)
{
	if (!t || !x || !links || !bytes || n == 0 || n > RES_XFER_LEGS)
		return -1;
	uint64_t now = exec_now(x);
	if (start_ns < now)
		start_ns = now;
	t->x = *x;
	t->start_ns = start_ns;
	t->n = n;
	t->loud = 0;
	t->timer_done = 0;
	t->timer_ev = 0;
	t->done = done;
	t->arg = arg;
	uint64_t last_due = start_ns;
	int quiet = 0;
	for (unsigned i = 0; i < n; i++) {
		struct res_xleg *g = &t->leg[i];
		struct res_link *l = links[i];
		/* Field by field, each once (state and due_ns below): a zeroed
		 * compound literal stored the leg twice over. */
		g->t = t;
		g->l = l;
		g->bytes = bytes[i];
		g->ev = 0;
		if (link_unsettled(l, now))
			link_settle(l, now);
		uint64_t due = link_solo_due(l, start_ns, bytes[i]);
		if (link_book(l, g, start_ns, due) == 0) {
			g->state = LEG_QUIET;
			g->due_ns = due;
			if (due > last_due)
				last_due = due;
			quiet = 1;
			continue;
		}
		/* Shared (or out of memory): an ordinary flow, from start_ns. */
		t->loud++;
		g->state = LEG_LOUD;
		g->due_ns = 0;
		if (start_ns > now) {
			g->ev = exec_at(x, start_ns, leg_arrive, g);
		} else if (res_link_submit(l, bytes[i], 0, leg_flow_done, g)) {
			g->state = LEG_DONE; /* out of memory: the hop costs no time */
			t->loud--;
		}
	}
	/* The timer also delivers done when no leg is left to (all failed). */
	if (quiet || t->loud == 0)
		t->timer_ev = exec_at(x, last_due, xfer_timer, t);
	else
		t->timer_done = 1;
	return 0;
}

/* ---- token bucket ---- */

struct res_tb {
	struct exec x;
	double rate;          /* tokens/s */
	double burst;
	double level;         /* tokens as of last_ns */
	uint64_t last_ns;
	struct res_ring wait; /* FIFO; only the head has an event */
	uint64_t ev;
	struct res_stats st;
};

struct res_tb *res_tb_new(const struct exec *x, double rate_per_s, double burst)
{
	if (!x || !(rate_per_s > 0) || isinf(rate_per_s) || !(burst > 0) || isinf(burst))
		return NULL;
	struct res_tb *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->x = *x;
	b->rate = rate_per_s;
	b->burst = burst;
	b->level = burst;
	b->last_ns = exec_now(x);
	if (stats_init(&b->st, b->last_ns, RES_TB)) {
		free(b);
		return NULL;
	}
	return b;
}

void res_tb_free(struct res_tb *b)
{
	if (!b)
		return;
	if (b->ev)
		exec_cancel(&b->x, b->ev);
	ring_free(&b->wait);
	stats_fini(&b->st);
	free(b);
}

static void tb_refill(struct res_tb *b, uint64_t now_ns)
{
	if (now_ns <= b->last_ns)
		return;
	double lvl = b->level + b->rate * ((double)(now_ns - b->last_ns) / 1e9);
	b->level = lvl < b->burst ? lvl : b->burst;
	b->last_ns = now_ns;
}

/* The head waiter's grant falls due at an exact time t* <= now (now is t*
 * rounded up to a ns).  Until t* the level was below the head's tokens <=
 * burst, so no cap applied; refilling without the cap and capping after
 * the take gives the level continuous time would have: without this, the
 * tokens of the fraction of a ns after t* would be lost to the cap at every
 * grant of a full bucket, and grants would drift late. */
static void tb_refill_uncapped(struct res_tb *b, uint64_t now_ns)
{
	if (now_ns <= b->last_ns)
		return;
	b->level += b->rate * ((double)(now_ns - b->last_ns) / 1e9);
	b->last_ns = now_ns;
}

static int tb_enough(const struct res_tb *b, double tokens)
{
	return b->level >= tokens - TB_EPS * (tokens > 1 ? tokens : 1);
}

/* Takes tokens (level refilled to now) and accounts a grant.  Inlined
 * by force: out of line (GCC's choice once stats_complete grew) it cost
 * res_tb_take_now, once per NVMe sub-operation, a call and its spills. */
static inline __attribute__((always_inline)) void tb_take(struct res_tb *b, double tokens, uint64_t now_ns,
							     uint64_t arrival_ns)
{
	b->level -= tokens;
	if (b->level < 0)
		b->level = 0;
	if (b->level > b->burst)
		b->level = b->burst;
	stats_complete(&b->st, now_ns, arrival_ns, now_ns);
	/* Utilisation = tokens taken / (rate * elapsed): see the top. */
	b->st.busy.area += tokens * 1e9 / b->rate;
}

static void tb_note(struct res_tb *b, uint64_t now_ns)
{
	stats_note(&b->st, now_ns, 0, (double)b->wait.n, (double)b->wait.n);
}

static void tb_fire(void *arg);

/* Schedules the head waiter's grant (level refilled to now). */
static void tb_plan(struct res_tb *b, uint64_t now_ns)
{
	if (b->wait.n == 0)
		return;
	double need = ring_at(&b->wait, 0)->tokens - b->level;
	uint64_t at = now_ns;
	if (!tb_enough(b, ring_at(&b->wait, 0)->tokens)) {
		uint64_t dt = ceil_ns_snap((long double)need * 1e9L / (long double)b->rate);
		at = add_sat(now_ns, dt ? dt : 1);
	}
	b->ev = exec_at(&b->x, at, tb_fire, b);
}

static void tb_fire(void *arg)
{
	struct res_tb *b = arg;
	uint64_t now = exec_now(&b->x);
	b->ev = 0;
	tb_refill_uncapped(b, now);
	if (!tb_enough(b, ring_at(&b->wait, 0)->tokens)) {
		/* Rounding left us a hair short: try again a ns later at the
		 * earliest, so time always moves on. */
		uint64_t dt = ceil_ns_snap((long double)(ring_at(&b->wait, 0)->tokens - b->level) * 1e9L /
					   (long double)b->rate);
		b->ev = exec_at(&b->x, add_sat(now, dt ? dt : 1), tb_fire, b);
		return;
	}
	struct res_job j = ring_pop(&b->wait);
	tb_take(b, j.tokens, now, j.arrival_ns);
	tb_note(b, now);
	tb_plan(b, now);
	if (j.done)
		j.done(j.arg);
}

int res_tb_try(struct res_tb *b, double tokens)
{
	uint64_t now = exec_now(&b->x);
	tb_refill(b, now);
	b->st.arrivals++;
	if (b->wait.n || !(tokens >= 0) || !tb_enough(b, tokens)) {
		b->st.refused++;
		return 0;
	}
	tb_take(b, tokens, now, now);
	return 1;
}

int res_tb_take_now(struct res_tb *b, double tokens)
{
	if (b->wait.n || !(tokens >= 0))
		return 0;
	uint64_t now = exec_now(&b->x);
	tb_refill(b, now);
	if (!(b->level >= tokens))
		return 0;
	b->st.arrivals++;
	tb_take(b, tokens, now, now);
	return 1;
}

int res_tb_wait(struct res_tb *b, double tokens, res_done_fn done, void *arg)
{
	if (!(tokens >= 0) || tokens > b->burst)
		return -1;
	uint64_t now = exec_now(&b->x);
	struct res_job j = { .arrival_ns = now, .tokens = tokens, .done = done, .arg = arg };
	if (ring_push(&b->wait, &j))
		return -1;
	b->st.arrivals++;
	tb_refill(b, now);
	tb_note(b, now);
	if (b->wait.n == 1)
		tb_plan(b, now);
	return 0;
}

double res_tb_level(struct res_tb *b)
{
	tb_refill(b, exec_now(&b->x));
	return b->level;
}

void res_tb_reset_stats(struct res_tb *b)
{
	stats_reset(&b->st, exec_now(&b->x));
}

const struct res_stats *res_tb_stats(const struct res_tb *b)
{
	return &b->st;
}

uint64_t res_tb_refused(const struct res_tb *b)
{
	return b->st.refused;
}
