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
 * Storage is one flat array of 7424 uint64 counts (58 KiB).  Allocating a
 * power of two on first use would save memory, but hist_record returns
 * nothing, so an allocation failure on the hot path could only be dropped
 * silently; a flat array fails once, in hist_new, where it can be reported.
 *
 * The sum is an exact 128-bit integer: a long double (x87, 64-bit mantissa)
 * would be exact only below 2^64 and, with its load-add-store chain through
 * memory, made hist_record about twice as slow (6.5 ns against 3-4 ns per
 * call, measured on x86-64); on arm64 long double is software emulated.
 * 2^64 values of up to 2^64 each cannot overflow it.
 *
 * Invariants: count == sum of counts[]; when count > 0, min and max are the
 * exact extremes recorded and counts[] is zero outside
 * [index(min), index(max)].  When count == 0, min == UINT64_MAX and max == 0
 * (so merging and recording need no special case).
 */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_B ((uint64_t)1 << HIST_SUB_BITS)
#define HIST_NBUCKETS ((size_t)(64 - HIST_SUB_BITS + 1) * HIST_B)

__extension__ typedef unsigned __int128 hist_u128; /* GCC and Clang, 64-bit targets */

struct hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	hist_u128 sum; /* exact sum of every value recorded */
	uint64_t counts[HIST_NBUCKETS];
};

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
	struct hist *h = malloc(sizeof *h);
	if (h)
		hist_reset(h);
	return h;
}

void hist_free(struct hist *h)
{
	free(h);
}

void hist_reset(struct hist *h)
{
	memset(h->counts, 0, sizeof h->counts);
	h->count = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = 0;
}

void hist_record(struct hist *h, uint64_t v)
{
	h->counts[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	h->counts[hist_index(v)] += n;
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
	size_t first = hist_index(src->min), last = hist_index(src->max);
	for (size_t i = first; i <= last; i++)
		dst->counts[i] += src->counts[i];
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
	size_t i = first;
	for (; i < last; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			break;
	}
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
	for (; i <= last; i++) {
		if (h->counts[i]) {
			hist_bounds(i, lo, hi);
			*count = h->counts[i];
			*cursor = i + 1;
			return 1;
		}
	}
	*cursor = HIST_NBUCKETS;
	return 0;
}
