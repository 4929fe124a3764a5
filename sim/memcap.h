/*
 * memcap — a ceiling on the programs' memory, so that a scenario too large
 * for the machine fails with "out of memory" and exit status 1, not by the
 * kernel's OOM killer.
 *
 * Linux overcommits: malloc hands out address space that no RAM backs, and
 * a process that then touches more than the machine has is killed (SIGKILL,
 * no message, results half-written, other processes at risk).  A scenario
 * that asks for 10^7 GPU nodes did exactly that.  With the soft RLIMIT_AS
 * at the machine's memory, malloc returns NULL first, and every model
 * already turns that into an error naming its section.
 *
 * The ceiling is the TIERSIM_MEMORY_LIMIT environment variable (a size,
 * "1.5GiB"; "off" for none); else the least of: three quarters of the
 * memory free when the program starts (MemAvailable plus SwapFree,
 * /proc/meminfo), plus 256 MiB
 * for address space mapped but never touched; the machine's RAM plus swap
 * (sysinfo(2)); the cgroup's memory.max (a container's own limit).  As
 * with Java's default heap limit, a run that would fit in memory other
 * processes hold fails rather than push them out.  A lower limit already
 * in force (ulimit -v) is kept.  Builds with AddressSanitizer set none:
 * its shadow memory needs terabytes of address space.
 */
#ifndef TIERSIM_MEMCAP_H
#define TIERSIM_MEMCAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MEMCAP_ENV "TIERSIM_MEMORY_LIMIT"

/* Applies the ceiling; `spec` is the environment variable's value or NULL.
 * 0 on success; -1 with ERR_INPUT naming MEMCAP_ENV when spec is not a
 * size or "off". */
int memcap_apply(const char *spec, struct err *e);

/* The soft RLIMIT_AS in force, in bytes; 0 when unlimited. */
uint64_t memcap_limit(void);

/* When e is a failure for want of memory and a ceiling is in force, writes
 * what the user can do into buf ("memory is limited to 23.4 GiB (...):
 * make the scenario smaller, or set TIERSIM_MEMORY_LIMIT") and returns 1;
 * else 0. */
int memcap_hint(const struct err *e, char *buf, size_t n);

#endif
