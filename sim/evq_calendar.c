/*
 * evq_calendar — the pending-event set as a calendar queue.
 *
 * Algorithm: R. Brown, "Calendar queues: a fast O(1) priority queue
 * implementation for the simulation event set problem", CACM 31(10),
 * 1220-1227, 1988.  Time is cut into days of `width` ns, and day d is kept
 * in bucket d mod nbuckets, so a year of nbuckets days wraps round the
 * bucket array like the pages of a desk calendar.  Each bucket is a list
 * sorted by time.  A push inserts into its day's bucket; a pop walks forward
 * day by day from the current day and takes the head of the first bucket
 * whose head lies in the day being looked at.  With the width chosen so a
 * bucket holds a few events, both are O(1) expected.
 *
 * Resize rule (Brown 1988): double the buckets when size > 2*nbuckets,
 * halve them when size < nbuckets/2 (never below CQ_MIN_BUCKETS).  A resize
 * also chooses a new width: take the first n events at the head (n = size
 * when size <= 5, else min(25, 5 + size/10)), average their separations,
 * average again over the separations below twice that mean (so a gap does
 * not dominate), and set the width to 3 times the result.
 *
 * Why a calendar queue rather than a ladder queue (Tang, Goh and Thng,
 * "Ladder queue: an O(1) priority queue structure for large-scale discrete
 * event simulation", ACM TOMACS 15(3), 2005): under the hold model the
 * calendar touches one or two list nodes per operation, with no rungs to
 * spawn, no bottom list to sort and fewer thresholds to tune.  The
 * ladder's case is skewed or drifting distributions, where one width is
 * wrong for part of the queue.  Measured here (hold model, N = 10^3..10^5,
 * increments exponential, uniform, Pareto(1.5), exponential in ms, half
 * zero, and 95% Exp(10 ns) / 5% Exp(1 ms)): with the re-width rule below
 * the calendar was 1.5x to 6x faster than evq_heap (as written at the
 * time) in every case; without it, the 10 ns / 1 ms mix at N = 10^3 was
 * 2x slower than the heap.  That rule closed the gap the ladder queue
 * would have closed, so the ladder's extra complexity did not pay here.
 *
 * Departures from the paper, each for a reason:
 *   - The width is a power of two, 2^shift ns, the one nearest (in log) to
 *     Brown's estimate: a day is t >> shift rather than a 64-bit division,
 *     and day arithmetic is exact over the whole uint64 range of times.
 *   - Equal times pop in push order (evq.h) without storing a sequence
 *     number: equal times always share a bucket, and a push goes after every
 *     event with time <= its own, searched from the bucket's tail, so a
 *     burst at one time costs O(1) per push rather than O(burst).
 *   - Any time may be pushed, also one before the last popped: the current
 *     day moves back to it.  Invariant: no pending event has a day before
 *     q->day.  It is what makes the head of bucket (q->day mod nbuckets) the
 *     least event whenever that head's day equals q->day.
 *   - When the sampled events all share one time (separations all 0), the
 *     old width is kept rather than collapsed.
 *   - The width is also re-estimated when pops get expensive (see
 *     cq_check_cost), after Oh and Ahn, "Dynamic calendar queue", Proc.
 *     32nd Annual Simulation Symposium, 20-25, 1999: a hold-model queue
 *     never changes size, so Brown's rule alone would never fix a width
 *     sampled from the initial, unrepresentative, fill.
 *   - A cancelled event is unlinked at once (lists are doubly linked), so
 *     cancel is O(1) and the queue holds no tombstones.
 *
 * Storage: events live in a slab of slots addressed by 32-bit indices,
 * grown by 1/8 and recycled through a free list, split by use: 16-byte
 * links (time, next, prev) that pops and pushes walk, 16-byte payloads
 * (fn, arg), and a 4-byte generation per slot; plus a 4-byte list head per
 * bucket (nbuckets lies between size/2 and 2*size).  So 36 bytes per slot
 * and 2 to 8 per pending event for buckets; mem_bytes() reports it all.
 *
 * Handles are (generation << 32 | slot).  A slot's generation is odd while
 * it holds a pending event and even while free, and goes up by one at each
 * change, so a handle from before the slot's reuse never matches, and a
 * handle is never 0.  A slot whose generation would wrap round to a value
 * already issued is retired instead of reused.
 */
#include <stdlib.h>

#include "evq.h"

#define CQ_NIL UINT32_MAX          /* no slot; so slots are 0..UINT32_MAX-1 */
#define CQ_MIN_BUCKETS 2u
#define CQ_MAX_BUCKETS (1u << 31)
#define CQ_MAX_SAMPLES 25u         /* Brown 1988 */
#define CQ_FIRST_SLOTS 64u
/* Re-estimate the width when pops cost more than this many extra steps
 * each (days skipped, list nodes passed by pushes), averaged over a window
 * of nbuckets + CQ_CHECK_POPS pops.  Measured under the hold model:
 * exponential increments cost about 1; the 10 ns / 1 ms mix with a stale
 * width about 25; 6 sits between with room either side. */
#define CQ_REWIDTH_COST 6u
#define CQ_CHECK_POPS 64u

/* Bucket lists: next is CQ_NIL-terminated; prev is circular, so the head's
 * prev is the tail and push can search from the tail. */
struct cq_link {
	uint64_t t_ns;
	uint32_t next;
	uint32_t prev;
};

struct cq_payload {
	exec_fn fn;
	void *arg;
};

struct cq {
	struct cq_link *link;
	struct cq_payload *pay;
	uint32_t *gen;
	uint32_t cap;       /* slots allocated */
	uint32_t free_head; /* free slots, chained through link[].next */
	size_t size;        /* pending events */
	uint32_t *bucket;   /* head slot of each bucket, CQ_NIL when empty */
	uint32_t nbuckets;  /* a power of two */
	uint32_t mask;      /* nbuckets - 1: a day's bucket is one `and` */
	/* Brown's resize thresholds and the cost check's period for this
	 * nbuckets, worked out when it changes (cq_set_buckets) rather than
	 * at every push and pop. */
	size_t grow_above, shrink_below;
	uint32_t check_after;
	unsigned shift;     /* width = 2^shift ns; day of t = t >> shift */
	uint64_t day;       /* no pending event has a day before this one */
	uint64_t work;      /* extra steps since the last check (see above) */
	/* Pops left until the cost check (check_after after it), counted down
	 * so that a pop's share of the check is a decrement and its flags. */
	uint32_t pops_left;
	unsigned *fail_flag; /* evq_calendar_on_fail */
	unsigned fail_bit;
	/* No cache of the least event: a search that finds it in the current
	 * day's bucket (most pops) costs no more than checking a cache, and
	 * keeping one cost every push a test and every pop a store. */
};

static uint32_t cq_bucket_of(const struct cq *q, uint64_t t_ns)
{
	return (uint32_t)((t_ns >> q->shift) & q->mask);
}

/* Links slot i into bucket b right after slot p, or at the head when p is
 * CQ_NIL. */
static void cq_link_after(struct cq *q, uint32_t b, uint32_t p, uint32_t i)
{
	struct cq_link *l = q->link;
	uint32_t head = q->bucket[b];

	if (p == CQ_NIL) {
		l[i].next = head;
		if (head != CQ_NIL) {
			l[i].prev = l[head].prev;
			l[head].prev = i;
		} else {
			l[i].prev = i;
		}
		q->bucket[b] = i;
		return;
	}
	uint32_t n = l[p].next;
	l[i].next = n;
	l[i].prev = p;
	l[p].next = i;
	if (n != CQ_NIL)
		l[n].prev = i;
	else
		l[head].prev = i;
}

/* Links slot i into its bucket after the last event with time <= its own,
 * so after every equal time (push order).  A push at or after the
 * bucket's latest time, or before its earliest, is O(1); else the walk
 * starts from the end nearer in time.  (A bucket also holds the events of
 * later years, a cold tier's first bytes tens of ms ahead among events
 * microseconds apart; walking back from the tail passed three of them per
 * push on the three-tier bench.) */
/* The last event with time <= t in a bucket whose head is not later
 * than t and whose tail is: the walk from the end nearer in time. */
static uint32_t cq_walk(struct cq *q, uint32_t head, uint32_t tail, uint64_t t)
{
	const struct cq_link *l = q->link;
	uint32_t p;
	if (t - l[head].t_ns <= l[tail].t_ns - t) {
		/* From the head; the tail is later than t, so the walk stops by
		 * it (and the walk back below by the head, which is not). */
		p = head;
		for (uint32_t n = l[p].next; l[n].t_ns <= t; n = l[n].next) {
			q->work++;
			p = n;
		}
	} else {
		p = l[tail].prev;
		while (l[p].t_ns > t) {
			q->work++;
			p = l[p].prev;
		}
	}
	return p;
}

static void cq_insert_after_le(struct cq *q, uint32_t i)
{
	const struct cq_link *l = q->link;
	uint64_t t = l[i].t_ns;
	uint32_t b = cq_bucket_of(q, t);
	uint32_t head = q->bucket[b];
	uint32_t p = CQ_NIL;

	if (head != CQ_NIL && l[head].t_ns <= t) {
		uint32_t tail = l[head].prev;
		p = l[tail].t_ns <= t ? tail : cq_walk(q, head, tail, t);
	}
	cq_link_after(q, b, p, i);
}

/* Links slot i into its bucket before the first event with time >= its own,
 * so before every equal time.  Used to put back events taken from the head,
 * which precede everything left in the queue (so the search is short). */
static void cq_insert_before_ge(struct cq *q, uint32_t i)
{
	const struct cq_link *l = q->link;
	uint64_t t = l[i].t_ns;
	uint32_t b = cq_bucket_of(q, t);
	uint32_t p = CQ_NIL;

	for (uint32_t c = q->bucket[b]; c != CQ_NIL && l[c].t_ns < t; c = l[c].next)
		p = c;
	cq_link_after(q, b, p, i);
}

static void cq_unlink(struct cq *q, uint32_t i)
{
	struct cq_link *l = q->link;
	uint32_t b = cq_bucket_of(q, l[i].t_ns);
	uint32_t head = q->bucket[b];
	uint32_t n = l[i].next;

	if (i == head) {
		if (n != CQ_NIL)
			l[n].prev = l[i].prev;
		q->bucket[b] = n;
		return;
	}
	uint32_t p = l[i].prev;
	l[p].next = n;
	if (n != CQ_NIL)
		l[n].prev = p;
	else
		l[head].prev = p;
}


/* cq_find_min's search, from q->day (size > 0). */
static uint32_t cq_search_min(struct cq *q)
{
	const struct cq_link *l = q->link;
	uint32_t mask = q->mask;

	/* A bucket's head is its least time, and no event has a day before
	 * q->day: so when day q->day holds an event, that event's bucket's head
	 * has day q->day, and finding no such head proves the day empty. */
	for (uint32_t k = 0; k < q->nbuckets; k++, q->day++) {
		uint32_t h = q->bucket[q->day & mask];
		if (h != CQ_NIL && (l[h].t_ns >> q->shift) == q->day) {
			q->work += k;
			return h;
		}
	}

	/* A whole year empty: the next event lies in a later year.  Brown's
	 * remedy: search the heads directly.  (Equal times share a bucket, so
	 * the least head time is unique.) */
	uint32_t best = CQ_NIL;
	q->work += 2 * (uint64_t)q->nbuckets;
	for (uint32_t b = 0; b < q->nbuckets; b++) {
		uint32_t h = q->bucket[b];
		if (h != CQ_NIL && (best == CQ_NIL || l[h].t_ns < l[best].t_ns))
			best = h;
	}
	q->day = l[best].t_ns >> q->shift;
	return best;
}

/* The head of bucket b, the current day's, if it lies in that day (it is
 * then the least event); else CQ_NIL. */
static inline uint32_t cq_today(const struct cq *q, uint32_t b)
{
	uint32_t h = q->bucket[b];
	return h != CQ_NIL && (q->link[h].t_ns >> q->shift) == q->day ? h : CQ_NIL;
}

/* The least pending event (it heads its bucket), or CQ_NIL when empty.
 * Moves q->day forward to that event's day.  The current day's bucket is
 * looked at here, before the call: it holds the least event at most pops
 * (a refused pop or a peek leaves q->day at the least event's day, so the
 * pop after it finds it at once). */
static inline uint32_t cq_find_min(struct cq *q)
{
	if (q->size == 0)
		return CQ_NIL;
	uint32_t h = cq_today(q, (uint32_t)(q->day & q->mask));
	return h != CQ_NIL ? h : cq_search_min(q);
}

static void cq_free_slot(struct cq *q, uint32_t i)
{
	q->gen[i]++; /* odd (pending) -> even (free) */
	if (q->gen[i] == 0)
		return;  /* the generation wrapped: retire the slot */
	q->link[i].next = q->free_head;
	q->free_head = i;
}

static void cq_set_buckets(struct cq *q, uint32_t nb)
{
	q->nbuckets = nb;
	q->mask = nb - 1;
	q->grow_above = nb < CQ_MAX_BUCKETS ? 2 * (size_t)nb : SIZE_MAX;
	q->shrink_below = nb > CQ_MIN_BUCKETS ? nb / 2 : 0;
	q->check_after = nb + CQ_CHECK_POPS;
}

/* The power-of-two exponent nearest (in log) to Brown's width for the
 * sampled times t[0..n-1], in order; `keep` when they give none. */
static unsigned cq_width_shift(const uint64_t *t, unsigned n, unsigned keep)
{
	if (n < 2)
		return keep;

	double sum = 0;
	for (unsigned k = 1; k < n; k++)
		sum += (double)(t[k] - t[k - 1]);
	double mean = sum / (n - 1);
	if (mean <= 0)
		return keep;

	double sum2 = 0;
	unsigned n2 = 0;
	for (unsigned k = 1; k < n; k++) {
		double sep = (double)(t[k] - t[k - 1]);
		if (sep < 2 * mean) {
			sum2 += sep;
			n2++;
		}
	}
	/* Mostly equal times with a few gaps leave only zeros under 2*mean;
	 * the plain mean is then the better guess. */
	double w = 3 * ((n2 > 0 && sum2 > 0) ? sum2 / n2 : mean);

	unsigned s = 0;
	while (s < 63 && (double)(UINT64_C(1) << (s + 1)) <= w)
		s++;
	/* 2^s <= w < 2^(s+1): round up when w is past the geometric middle. */
	if (s < 63 && w > 1.4142135623730951 * (double)(UINT64_C(1) << s))
		s++;
	return s;
}

/* Rebuilds the calendar with nb buckets and a freshly sampled width.  On
 * out of memory it leaves the queue as it was: still correct, only slower.
 * Rare, so kept out of line: inlined, it made push and pop save and
 * restore registers that their common path does not use. */
__attribute__((noinline, cold)) static void cq_resize(struct cq *q, uint32_t nb)
{
	uint32_t *nbucket = malloc((size_t)nb * sizeof *nbucket);
	if (!nbucket)
		return;

	/* Take the sample off the head, in order. */
	uint32_t sample[CQ_MAX_SAMPLES];
	uint64_t sample_t[CQ_MAX_SAMPLES];
	unsigned ns = q->size <= 5 ? (unsigned)q->size
		: (q->size / 10 >= CQ_MAX_SAMPLES - 5 ? CQ_MAX_SAMPLES
						      : 5 + (unsigned)(q->size / 10));
	size_t size = q->size;
	for (unsigned k = 0; k < ns; k++) {
		uint32_t i = cq_find_min(q);
		cq_unlink(q, i);
		q->size--;
		sample[k] = i;
		sample_t[k] = q->link[i].t_ns;
	}
	q->size = size;

	uint32_t *old = q->bucket;
	uint32_t old_nb = q->nbuckets;
	for (uint32_t b = 0; b < nb; b++)
		nbucket[b] = CQ_NIL;
	q->bucket = nbucket;
	cq_set_buckets(q, nb);
	q->shift = cq_width_shift(sample_t, ns, q->shift);

	/* Equal times share an old bucket, in push order; re-inserting each old
	 * list front to back, after equal times, keeps that order. */
	for (uint32_t b = 0; b < old_nb; b++) {
		uint32_t i = old[b];
		while (i != CQ_NIL) {
			uint32_t n = q->link[i].next;
			cq_insert_after_le(q, i);
			i = n;
		}
	}
	free(old);

	/* The sample precedes everything left; put it back last to first, each
	 * before the equal times already there. */
	for (unsigned k = ns; k-- > 0;)
		cq_insert_before_ge(q, sample[k]);

	q->work = 0;
	q->pops_left = q->check_after;
	if (ns > 0)
		q->day = sample_t[0] >> q->shift;
	else
		q->day = 0;
}

__attribute__((noinline, cold)) static int cq_grow(struct cq *q)
{
	/* Grow by 1/8 (as evq_heap.c does): the slack stays under ~12% of the
	 * slots, and the growth is still geometric, so amortised O(1). */
	uint64_t add = q->cap / 8;
	uint64_t cap = (uint64_t)q->cap + (add < CQ_FIRST_SLOTS ? CQ_FIRST_SLOTS : add);
	if (cap > CQ_NIL)
		cap = CQ_NIL;
	if (cap <= q->cap || cap > SIZE_MAX / sizeof *q->link)
		return -1;

	struct cq_link *l = realloc(q->link, (size_t)cap * sizeof *l);
	if (!l)
		return -1;
	q->link = l;
	struct cq_payload *p = realloc(q->pay, (size_t)cap * sizeof *p);
	if (!p)
		return -1;
	q->pay = p;
	uint32_t *g = realloc(q->gen, (size_t)cap * sizeof *g);
	if (!g)
		return -1;
	q->gen = g;

	/* Chain the new slots so that lower indices are used first. */
	for (uint32_t i = (uint32_t)cap; i-- > q->cap;) {
		q->gen[i] = 0;
		q->link[i].next = q->free_head;
		q->free_head = i;
	}
	q->cap = (uint32_t)cap;
	return 0;
}

static void *cq_create(void)
{
	struct cq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->bucket = malloc(CQ_MIN_BUCKETS * sizeof *q->bucket);
	if (!q->bucket) {
		free(q);
		return NULL;
	}
	for (uint32_t b = 0; b < CQ_MIN_BUCKETS; b++)
		q->bucket[b] = CQ_NIL;
	cq_set_buckets(q, CQ_MIN_BUCKETS);
	q->pops_left = q->check_after;
	q->free_head = CQ_NIL;
	return q;
}

static void cq_destroy(void *qv)
{
	struct cq *q = qv;
	if (!q)
		return;
	free(q->link);
	free(q->pay);
	free(q->gen);
	free(q->bucket);
	free(q);
}

/* Takes a free slot (there is one) for an event and returns its handle. */
static inline uint64_t cq_take_slot(struct cq *q, uint64_t t_ns, exec_fn fn, void *arg)
{
	uint32_t i = q->free_head;
	q->free_head = q->link[i].next;
	q->gen[i]++; /* even (free) -> odd (pending) */
	q->link[i].t_ns = t_ns;
	q->pay[i].fn = fn;
	q->pay[i].arg = arg;
	uint64_t day = t_ns >> q->shift;
	if (q->size == 0 || day < q->day)
		q->day = day;
	q->size++;
	return (uint64_t)q->gen[i] << 32 | i;
}

/* A push that must first grow the slots or then resize the calendar. */
static __attribute__((noinline, cold)) uint64_t cq_push_slow(struct cq *q, uint64_t t_ns, exec_fn fn, void *arg)
{
	if (q->free_head == CQ_NIL && cq_grow(q) != 0) {
		if (q->fail_flag)
			*q->fail_flag |= q->fail_bit;
		return 0;
	}
	uint64_t handle = cq_take_slot(q, t_ns, fn, arg);
	cq_insert_after_le(q, (uint32_t)handle);
	if (q->size > q->grow_above)
		cq_resize(q, 2 * q->nbuckets);
	return handle;
}

/* A push that walks its bucket: links slot i after the last event with
 * time <= its own (cq_insert_after_le's walk), and returns the handle. */
static __attribute__((noinline)) uint64_t cq_push_walk(struct cq *q, uint32_t b, uint32_t head, uint32_t tail,
						      uint64_t handle)
{
	uint32_t i = (uint32_t)handle;
	cq_link_after(q, b, cq_walk(q, head, tail, q->link[i].t_ns), i);
	return handle;
}

/* The slow cases (growth, resize, a walk) are calls in tail position, so
 * that the common push (into an empty bucket, or at a bucket's head or
 * tail) saves no registers for them: that was a sixth of a push.  A push
 * at the tail is linked as one (a tail has no next), not by the general
 * cq_link_after. */
uint64_t evq_calendar_push(void *qv, uint64_t t_ns, exec_fn fn, void *arg)
{
	struct cq *q = qv;

	if (q->free_head == CQ_NIL || q->size >= q->grow_above)
		return cq_push_slow(q, t_ns, fn, arg);
	uint64_t handle = cq_take_slot(q, t_ns, fn, arg);
	uint32_t i = (uint32_t)handle;
	struct cq_link *l = q->link;
	uint32_t b = cq_bucket_of(q, t_ns);
	uint32_t head = q->bucket[b];
	if (head != CQ_NIL && l[head].t_ns <= t_ns) {
		uint32_t tail = l[head].prev;
		if (l[tail].t_ns > t_ns)
			return cq_push_walk(q, b, head, tail, handle);
		l[i].next = CQ_NIL;
		l[i].prev = tail;
		l[tail].next = i;
		l[head].prev = i;
		return handle;
	}
	cq_link_after(q, b, CQ_NIL, i);
	return handle;
}

static void cq_after_remove(struct cq *q)
{
	if (q->size < q->shrink_below)
		cq_resize(q, q->nbuckets / 2);
}

/* Re-estimates the width when the measured cost per pop is high (see the
 * opening comment).  At most one O(size) rebuild per nbuckets +
 * CQ_CHECK_POPS pops, so O(1) amortised even when rebuilding does not
 * help. */
static void cq_check_cost(struct cq *q)
{
	if (--q->pops_left > 0)
		return;
	/* check_after pops since the last check */
	if (q->work > (uint64_t)CQ_REWIDTH_COST * q->check_after)
		cq_resize(q, q->nbuckets);
	q->work = 0;
	q->pops_left = q->check_after;
}

/* The end of a pop whose removal may resize the calendar: its size fell
 * below the threshold, or the cost check is due. */
static __attribute__((noinline, cold)) int cq_pop_end_slow(struct cq *q)
{
	cq_after_remove(q);
	cq_check_cost(q);
	return 1;
}

/* Takes event i, the least, which heads bucket b (its time is due). */
static inline int cq_pop_at(struct cq *q, uint32_t i, uint32_t b, exec_fn *fn, void **arg)
{
	struct cq_link *l = q->link;
	uint32_t n = l[i].next;
	if (n != CQ_NIL)
		l[n].prev = l[i].prev;
	q->bucket[b] = n;

	*fn = q->pay[i].fn;
	*arg = q->pay[i].arg;
	cq_free_slot(q, i);
	q->size--;
	if (q->size < q->shrink_below)
		return cq_pop_end_slow(q);
	if (--q->pops_left == 0) { /* cq_check_cost, with the check due */
		q->pops_left = 1;
		return cq_pop_end_slow(q);
	}
	return 1;
}

/* The least event when it is not in the current day's bucket: searched
 * (q->day moves to its day).  It returns the slot, not the event through
 * the pop's out-parameters, so that those stay in registers in the
 * inlined pop (passed to a call, they lived on the stack). */
static __attribute__((noinline)) uint32_t cq_pop_search(struct cq *q)
{
	return cq_search_min(q);
}

/* As cq_find_min, with the search (and the resizes) as calls, so that the
 * common pop saves no registers for them. */
int evq_calendar_pop(void *qv, uint64_t until, uint64_t *t_ns, exec_fn *fn, void **arg)
{
	struct cq *q = qv;
	if (q->size == 0) {
		*t_ns = UINT64_MAX;
		return 0;
	}
	uint32_t b = (uint32_t)(q->day & q->mask);
	uint32_t i = cq_today(q, b);
	if (i == CQ_NIL) {
		i = cq_pop_search(q);
		b = (uint32_t)(q->day & q->mask);
	}
	*t_ns = q->link[i].t_ns;
	if (*t_ns > until)
		return 0; /* q->day stays at its day */
	return cq_pop_at(q, i, b, fn, arg);
}

void evq_calendar_on_fail(void *qv, unsigned *flag, unsigned bit)
{
	struct cq *q = qv;
	q->fail_flag = flag;
	q->fail_bit = bit;
}

static uint64_t cq_peek_time(void *qv)
{
	struct cq *q = qv;
	uint32_t i = cq_find_min(q);
	return i == CQ_NIL ? UINT64_MAX : q->link[i].t_ns;
}

static int cq_cancel(void *qv, uint64_t handle)
{
	struct cq *q = qv;
	uint32_t i = (uint32_t)handle;
	uint32_t g = (uint32_t)(handle >> 32);

	if (i >= q->cap || (g & 1) == 0 || q->gen[i] != g)
		return 0;
	cq_unlink(q, i);
	cq_free_slot(q, i);
	q->size--;
	cq_after_remove(q);
	return 1;
}

static size_t cq_size(const void *qv)
{
	const struct cq *q = qv;
	return q->size;
}

static size_t cq_mem_bytes(const void *qv)
{
	const struct cq *q = qv;
	return sizeof *q
	       + (size_t)q->cap * (sizeof *q->link + sizeof *q->pay + sizeof *q->gen)
	       + (size_t)q->nbuckets * sizeof *q->bucket;
}

const struct evq_ops evq_calendar = {
	.name = "calendar",
	.create = cq_create,
	.destroy = cq_destroy,
	.push = evq_calendar_push,
	.pop = evq_calendar_pop,
	.peek_time = cq_peek_time,
	.cancel = cq_cancel,
	.size = cq_size,
	.mem_bytes = cq_mem_bytes,
};
