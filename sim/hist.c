/*
 * hist — log-linear histograms (HDR Histogram's bucket layout); see hist.h.
 *
 * Layout.  With S = HIST_SUB_BITS (7) and B = 2^S = 128, a value v with
 * most significant bit m (m = 63 - clz(v)) goes to
 *
 *     shift = max(m - S, 0)
 *     index = shift * B + (v >> shift)
 *
 * For v < 2B = 256, shift is 0 and index = v: every value below 256 has a
 * bucket of its own (the first two "powers" are exact).  For m >= S+1,
 * (v >> shift) lies in [B, 2B), so each power of two [2^m, 2^(m+1)) is cut
 * into B buckets of width 2^shift, and bucket i covers
 *
 *     lo = (B + i % B) << (i / B - 1),   hi = lo + 2^(i / B - 1) - 1.
 *
 * The largest index (m = 63, shift = 56, v >> 56 = 255) is 56*128 + 255 =
 * 7423, so there are 58 * 128 = 7424 buckets, and the last one ends exactly
 * at UINT64_MAX.  A bucket's half-width over its lower bound is at most
 * 2^(shift-1) / (B * 2^shift) = 1/256, which bounds the quantile error.
 *
 * Storage: the 7424 counts are cut into 58 groups of B = 128, one per
 * power of two (the first two hold the exact values below 256),
 * and a group's 1 KiB of counts is allocated when a value first falls in
 * it.  A latency histogram spans a few powers of two (1 µs to 100 ms is
 * 17) and most of a model's histograms stay empty in a given run (write
 * latencies in a read-only one), so a histogram is about 0.5 KiB plus
 * 1 KiB per power of two used, against 58 KiB as one flat array.  A
 * 1000-node three-tier cluster's run of 1 ms went from 6.8 GB and 9.7 s
 * to 0.43 GB and 2.5 s (README, "Performance").
 *
 * A group that cannot be allocated loses its bucket counts, nothing else:
 * count, sum, min and max stay exact, the samples are counted in `lost`,
 * and hist_lost reports them, so the run that owns the histogram fails
 * (met_failed) instead of printing quantiles from incomplete counts.
 * hist_record thus stays a call that returns nothing, on the hot path.
 *
 * The sum is an exact 128-bit integer: a long double (x87, 64-bit mantissa)
 * would be exact only below 2^64 and, with its load-add-store chain through
 * memory, made hist_record about twice as slow (6.5 ns against 3-4 ns per
 * call, measured on x86-64); on arm64 long double is software emulated.
 * 2^64 values of up to 2^64 each cannot overflow it.
 *
 * Invariants: count == lost + sum of counts[]; when count > 0, min and max are the
 * exact extremes recorded and counts[] is zero outside
 * [index(min), index(max)].  When count == 0, min == UINT64_MAX and max == 0
 * (so merging and recording need no special case).
 */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_B ((uint64_t)1 << HIST_SUB_BITS)
#define HIST_NGROUPS ((size_t)(64 - HIST_SUB_BITS + 1))
#define HIST_NBUCKETS (HIST_NGROUPS * HIST_B)

__extension__ typedef unsigned __int128 hist_u128; /* GCC and Clang, 64-bit targets */

struct hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	hist_u128 sum; /* exact sum of every value recorded */
	uint64_t lost; /* values whose group could not be allocated */
	uint64_t *group[HIST_NGROUPS]; /* B counts each; NULL until first used */
};

/* Bucket i's count (0 in a group never allocated). */
static uint64_t hist_at(const struct hist *h, size_t i)
{
	const uint64_t *g = h->group[i / HIST_B];
	return g ? g[i % HIST_B] : 0;
}

/* Bucket i when its group is allocated, else the first bucket of the next
 * allocated group (HIST_NBUCKETS when none): the walks skip empty powers
 * of two whole. */
static size_t hist_live(const struct hist *h, size_t i)
{
	while (i < HIST_NBUCKETS && !h->group[i / HIST_B])
		i = (i / HIST_B + 1) * HIST_B;
	return i;
}

/* Adds n to bucket i, allocating its group on first use. */
__attribute__((noinline, cold)) static void hist_add_new(struct hist *h, size_t i, uint64_t n)
{
	uint64_t *g = calloc(HIST_B, sizeof *g);
	if (!g) {
		h->lost += n;
		return;
	}
	h->group[i / HIST_B] = g;
	g[i % HIST_B] = n;
}

static inline void hist_add(struct hist *h, size_t i, uint64_t n)
{
	uint64_t *g = h->group[i / HIST_B];
	if (__builtin_expect(g != NULL, 1))
		g[i % HIST_B] += n;
	else
		hist_add_new(h, i, n);
}

/* A value's group and its shift within the group, by its most significant
 * bit m: the groups are the powers of two, with m = 0..6 sharing group 0
 * (values below 128) and m >= 7 in group m - 6; a value of group g >= 2
 * goes to bucket (v >> (m - 7)) % B.  Looked up rather than computed, for
 * hist_record: a table load in place of a compare, a conditional move and
 * the index's shifts and adds (a third of a record's instructions, and
 * the three-tier bench records a dozen values per request).  One table
 * of pairs, so that a record takes one address of it, not two. */
_Static_assert(HIST_SUB_BITS == 7, "hist_by_msb is for B = 128");
static const struct {
	unsigned char group, shift;
} hist_by_msb[64] = {
	{ 0, 0 },   { 0, 0 },   { 0, 0 },   { 0, 0 },   { 0, 0 },   { 0, 0 },   { 0, 0 },   { 1, 0 },
	{ 2, 1 },   { 3, 2 },   { 4, 3 },   { 5, 4 },   { 6, 5 },   { 7, 6 },   { 8, 7 },   { 9, 8 },
	{ 10, 9 },  { 11, 10 }, { 12, 11 }, { 13, 12 }, { 14, 13 }, { 15, 14 }, { 16, 15 }, { 17, 16 },
	{ 18, 17 }, { 19, 18 }, { 20, 19 }, { 21, 20 }, { 22, 21 }, { 23, 22 }, { 24, 23 }, { 25, 24 },
	{ 26, 25 }, { 27, 26 }, { 28, 27 }, { 29, 28 }, { 30, 29 }, { 31, 30 }, { 32, 31 }, { 33, 32 },
	{ 34, 33 }, { 35, 34 }, { 36, 35 }, { 37, 36 }, { 38, 37 }, { 39, 38 }, { 40, 39 }, { 41, 40 },
	{ 42, 41 }, { 43, 42 }, { 44, 43 }, { 45, 44 }, { 46, 45 }, { 47, 46 }, { 48, 47 }, { 49, 48 },
	{ 50, 49 }, { 51, 50 }, { 52, 51 }, { 53, 52 }, { 54, 53 }, { 55, 54 }, { 56, 55 }, { 57, 56 },
};

static inline size_t hist_index(uint64_t v);

/* hist_add(h, hist_index(v), 1), its first use of a group out of line
 * (where the index is worked out again, so the common case keeps no
 * register for it). */
__attribute__((noinline, cold)) static void hist_add_one_new(struct hist *h, uint64_t v)
{
	hist_add_new(h, hist_index(v), 1);
}

/* hist_add(h, hist_index(v), 1) by the table above: the same bucket. */
static inline void hist_add_one(struct hist *h, uint64_t v)
{
	unsigned m = 63u - (unsigned)__builtin_clzll(v | 1);
	uint64_t *g = h->group[hist_by_msb[m].group];
	if (__builtin_expect(g != NULL, 1))
		g[(v >> hist_by_msb[m].shift) % HIST_B]++;
	else
		hist_add_one_new(h, v);
}

static inline size_t hist_index(uint64_t v)
{
	unsigned m = 63u - (unsigned)__builtin_clzll(v | 1);
	unsigned shift = m > HIST_SUB_BITS ? m - HIST_SUB_BITS : 0;
	return (size_t)shift * HIST_B + (size_t)(v >> shift);
}

static void hist_bounds(size_t i, uint64_t *lo, uint64_t *hi)
{
	if (i < 2 * HIST_B) {
		*lo = *hi = i;
		return;
	}
	unsigned shift = (unsigned)(i / HIST_B) - 1;
	*lo = (HIST_B + i % HIST_B) << shift;
	*hi = *lo + (((uint64_t)1 << shift) - 1);
}

struct hist *hist_new(void)
{
	struct hist *h = calloc(1, sizeof *h);
	if (h)
		hist_reset(h);
	return h;
}

void hist_free(struct hist *h)
{
	if (!h)
		return;
	for (size_t g = 0; g < HIST_NGROUPS; g++)
		free(h->group[g]);
	free(h);
}

/* Keeps the groups allocated: a reset histogram is usually filled again
 * over the same range (hist_reset then hist_merge is a copy). */
void hist_reset(struct hist *h)
{
	for (size_t g = 0; g < HIST_NGROUPS; g++)
		if (h->group[g])
			memset(h->group[g], 0, HIST_B * sizeof *h->group[g]);
	h->count = 0;
	h->lost = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = 0;
}

__attribute__((always_inline)) inline void hist_record(struct hist *h, uint64_t v)
{
	hist_add_one(h, v);
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

__attribute__((always_inline)) inline void hist_record_zero(struct hist *h)
{
	hist_add(h, 0, 1);
	h->count++;
	h->min = 0;
}

void hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	hist_add(h, hist_index(v), n);
	h->count += n;
	h->sum += (hist_u128)v * n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->count == 0)
		return;
	for (size_t g = 0; g < HIST_NGROUPS; g++) {
		const uint64_t *sg = src->group[g];
		if (!sg)
			continue;
		for (size_t k = 0; k < HIST_B; k++)
			if (sg[k])
				hist_add(dst, g * HIST_B + k, sg[k]);
	}
	dst->lost += src->lost;
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_count(const struct hist *h)
{
	return h->count;
}

uint64_t hist_lost(const struct hist *h)
{
	return h->lost;
}

uint64_t hist_min(const struct hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t hist_max(const struct hist *h)
{
	return h->max;
}

double hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0.0;
	/* Quotient and remainder separately: each converts to double with at
	 * most one rounding. */
	hist_u128 q = h->sum / h->count;
	uint64_t r = (uint64_t)(h->sum % h->count);
	return (double)q + (double)r / (double)h->count;
}

double hist_sum(const struct hist *h)
{
	return (double)h->sum;
}

/* The midpoint of the bucket holding the ceil(q * count)-th smallest value
 * (1-based), clamped to [min, max] so that a bucket holding the extremes
 * never reports a value outside what was seen. */
double hist_quantile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0.0;
	if (!(q > 0.0)) /* also NaN */
		return (double)h->min;
	if (q >= 1.0)
		return (double)h->max;
	double r = ceil(q * (double)h->count);
	uint64_t rank = r < 1.0 ? 1 : r >= (double)h->count ? h->count : (uint64_t)r;

	size_t first = hist_index(h->min), last = hist_index(h->max);
	uint64_t seen = 0;
	size_t i = hist_live(h, first);
	for (; i < last; i = hist_live(h, i + 1)) {
		seen += hist_at(h, i);
		if (seen >= rank)
			break;
	}
	if (i > last) /* max's group lost to out of memory (hist_lost) */
		i = last;
	uint64_t lo, hi;
	hist_bounds(i, &lo, &hi);
	double mid = (double)lo + (double)(hi - lo) / 2.0;
	if (mid < (double)h->min)
		mid = (double)h->min;
	if (mid > (double)h->max)
		mid = (double)h->max;
	return mid;
}

int hist_next_bucket(const struct hist *h, size_t *cursor, uint64_t *lo, uint64_t *hi, uint64_t *count)
{
	if (h->count == 0)
		return 0;
	size_t i = *cursor, first = hist_index(h->min), last = hist_index(h->max);
	if (i < first)
		i = first;
	for (i = hist_live(h, i); i <= last; i = hist_live(h, i + 1)) {
		if (hist_at(h, i)) {
			hist_bounds(i, lo, hi);
			*count = hist_at(h, i);
			*cursor = i + 1;
			return 1;
		}
	}
	*cursor = HIST_NBUCKETS;
	return 0;
}
