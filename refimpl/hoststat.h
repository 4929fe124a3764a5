/*
 * hoststat — what the host's kernel did for memory, and how busy its CPUs
 * were, while a measured run ran: counters of /proc/vmstat and the
 * aggregate "cpu" line of /proc/stat read before and after, their differences
 * recorded with the run, so that a run that is slower than its twin says
 * whether the page cache was reading from the disk or the kernel was
 * reclaiming or compacting memory (HARDWARE.md, "What is still wrong": the
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
 *   host.page_reporting.reported  free memory the guest kernel handed back
 *                              to the hypervisor (virtio-balloon free page
 *                              reporting), where the kernel exposes the
 *                              count (this machine's: reported_kib under
 *                              /sys/module/page_reporting/parameters) [KiB]
 * Why these: make validate's checkpoint case has slow runs whose warm
 * writes take ten times as long (2.5 ms at p50 against 0.25), the copy
 * into new page-cache folios (copy_folio_from_iter_atomic) 30% of the CPU
 * samples against 2.5%, and the host's CPUs busy 0.37-0.74 s against
 * 0.09-0.23 s, with no steal, no dirty-page throttling and no compaction.
 * On this machine memory handed back to the hypervisor costs more at its
 * next first touch (2 GiB touched page by page: 0.8 s reused at once, 2.7
 * s after 10 s idle), but touching 1 GiB just before a run did not remove
 * the slow runs (5 of 6 slow, against 2 of 6 without): the cause is open.
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
	int reported_ok;   /* 1: the page-reporting count read */
	uint64_t reported_kib;
};

/* The files read; NULL members (or a NULL struct): the host's own. */
struct hoststat_files {
	const char *vmstat;   /* /proc/vmstat */
	const char *stat;     /* /proc/stat */
	const char *reported; /* /sys/module/page_reporting/parameters/reported_kib */
};

/* Reads everything (f NULL: the host's files).  Never fails: a file that
 * cannot be read leaves its flag (ok, cpu_ok, reported_ok) 0, and a
 * counter the kernel does not have stays 0. */
void hoststat_read(struct hoststat *s, const struct hoststat_files *f);
/* The differences after - before into m, each group (vmstat, CPU times,
 * page reporting) when both read it.  Returns 0, or -1 out of memory. */
int hoststat_export(const struct hoststat *before, const struct hoststat *after, struct met_registry *m);

#endif
