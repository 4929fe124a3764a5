/*
 * hist — log-linear latency (or size) histograms.
 *
 * Values are uint64_t (ns, bytes).  Values below 2^HIST_SUB_BITS are counted
 * exactly; above, each power of two is split into 2^HIST_SUB_BITS equal
 * buckets (HDR Histogram's layout), so a bucket spans at most 1/128 of its
 * lower bound and a reported quantile — the bucket midpoint, clamped to the
 * observed min and max — is within 0.4% (≤ 1%) of a true sample value.
 * (Values below 2^(HIST_SUB_BITS+1) = 256 in fact get a bucket each.)
 * The sum is kept exactly (as a 128-bit integer) for the mean.
 *
 * A histogram's 7424 counts are kept in 58 groups of 128 (1 KiB), one per
 * power of two, each allocated when a value first falls in it: about
 * 0.5 KiB plus 1 KiB per power of two in use.  hist_new returns NULL on
 * out of memory.  A recording or merge whose group cannot be allocated
 * keeps count, sum, min and max exact, loses that value's bucket, and is
 * counted by hist_lost: a histogram with lost values must not be
 * reported (met_failed checks every registered one).  Recording costs a
 * few ns (no loops, no branches beyond min/max and the group's check).
 *
 * Histograms with the same layout merge by adding counts (hist_merge), so
 * per-node histograms add up to per-cluster ones.
 */
#ifndef TIERSIM_HIST_H
#define TIERSIM_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 7

struct hist;

struct hist *hist_new(void);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);
void hist_record(struct hist *h, uint64_t v);
/* hist_record(h, 0), in a third of its instructions: the zero's bucket,
 * count and min are all it changes (a resource's job served at once
 * records a zero wait; most of them do). */
void hist_record_zero(struct hist *h);
void hist_record_n(struct hist *h, uint64_t v, uint64_t n);
void hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
/* Values counted but not in a bucket, their group not allocated (OOM). */
uint64_t hist_lost(const struct hist *h);
uint64_t hist_min(const struct hist *h); /* 0 when empty */
uint64_t hist_max(const struct hist *h);
double hist_mean(const struct hist *h);  /* 0 when empty */
double hist_sum(const struct hist *h);
/* q in [0,1]; 0 when empty.  q = 0 gives min, q = 1 gives max. */
double hist_quantile(const struct hist *h, double q);

/* Iterates the non-empty buckets in increasing order: start with *cursor =
 * 0; returns 0 when done.  [lo, hi] is the bucket's inclusive value range. */
int hist_next_bucket(const struct hist *h, size_t *cursor, uint64_t *lo, uint64_t *hi, uint64_t *count);

#endif
