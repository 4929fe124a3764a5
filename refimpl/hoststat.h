/*
 * hoststat — what the host's kernel did for memory, and how busy its CPUs
 * were, while a measured run ran: counters of /proc/vmstat and the
 * aggregate "cpu" line of /proc/stat read before and after, their differences
 * recorded with the run, so that a run that is slower than its twin says
 * whether the page cache was reading from the disk or the kernel was
 * reclaiming or compacting memory (README, "What is still wrong": the
 * KV-cache case's slow runs).  They count the whole host, not tierref
 * alone; no model predicts them (tiersim validate hardware leaves them).
 *
 * Metrics (hoststat_export; unit in brackets):
 *   host.vmstat.pgpgin         KiB read from block devices, direct I/O
 *                              included: more than the run's direct reads
 *                              means page-cache misses [KiB]
 *   host.vmstat.pgpgout        KiB written to block devices [KiB]
 *   host.vmstat.pgmajfault     major page faults [count]
 *   host.vmstat.pgscan_kswapd  pages scanned by kswapd, the background
 *                              reclaim [pages]
 *   host.vmstat.pgscan_direct  pages scanned by direct reclaim, in the
 *                              allocating thread [pages]
 *   host.vmstat.workingset_refault_file  file pages read again soon after
 *                              reclaim evicted them (Linux 5.9+) [pages]
 *   host.vmstat.allocstall     direct reclaims entered, all zones [count]
 *   host.vmstat.compact_stall  direct compactions entered [count]
 *   host.vmstat.thp_fault_fallback  huge page faults served with small
 *                              pages [count]
 *   host.cpu.busy              CPU time of every CPU, all processes and the
 *                              kernel: user + nice + system + irq + softirq
 *                              (proc(5)) [s]
 *   host.cpu.iowait            idle CPU time with I/O outstanding [s]
 *   host.cpu.steal             time the hypervisor ran something else on
 *                              this guest's CPUs [s]
 * (make validate's checkpoint case: its slow runs, warm writes ten times
 * slower, kept the host's CPUs busy 0.40 s against 0.11-0.15 s, with no
 * steal.)
 */
#ifndef TIERSIM_HOSTSTAT_H
#define TIERSIM_HOSTSTAT_H

#include <stdint.h>

#include "sim/metrics.h"

enum {
	HS_PGPGIN,
	HS_PGPGOUT,
	HS_PGMAJFAULT,
	HS_PGSCAN_KSWAPD,
	HS_PGSCAN_DIRECT,
	HS_WORKINGSET_REFAULT,
	HS_ALLOCSTALL,
	HS_COMPACT_STALL,
	HS_THP_FAULT_FALLBACK,
	HS_N
};

enum { HC_BUSY, HC_IOWAIT, HC_STEAL, HC_N };

struct hoststat {
	int ok;            /* 1: read; 0: /proc/vmstat could not be read */
	uint64_t v[HS_N];
	int cpu_ok;        /* 1: /proc/stat's cpu line read */
	uint64_t cpu[HC_N]; /* in clock ticks (USER_HZ) */
	double tick_s;     /* seconds per tick */
};

/* Reads the counters from path (NULL: /proc/vmstat).  Never fails: a
 * file that cannot be read leaves s->ok 0, and a counter the kernel does
 * not have stays 0. */
void hoststat_read(struct hoststat *s, const char *path);
/* Then the CPU times from path (NULL: /proc/stat); likewise never fails:
 * s->cpu_ok says whether they were read. */
void hoststat_read_cpu(struct hoststat *s, const char *path);
/* The differences after - before into m: the vmstat counters when both
 * read them, the CPU times when both read those.  Returns 0, or -1 out
 * of memory. */
int hoststat_export(const struct hoststat *before, const struct hoststat *after, struct met_registry *m);

#endif
