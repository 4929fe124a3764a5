/*
 * memcap — see memcap.h.
 */
#include "memcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include "units.h"

/* A process maps some address space it never touches: libraries, malloc's
 * arenas, stacks.  tiersim's was 35 MB above its resident set in a
 * 1000-node run (VmSize against VmRSS). */
#define MEMCAP_SLACK ((uint64_t)256 << 20)

#if defined(__SANITIZE_ADDRESS__)
#define MEMCAP_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMCAP_SANITIZER 1
#endif
#endif

/* RAM plus swap; 0 when sysinfo fails. */
static uint64_t memcap_machine(void)
{
	struct sysinfo si;
	if (sysinfo(&si) != 0)
		return 0;
	return ((uint64_t)si.totalram + (uint64_t)si.totalswap) * (uint64_t)si.mem_unit;
}

/* Three quarters of MemAvailable plus SwapFree of /proc/meminfo, plus
 * MEMCAP_SLACK for the address space a process maps but never touches; 0
 * when unknown.  MemAvailable is the kernel's estimate of what it could
 * give without swapping, counting page cache it may not reclaim in time,
 * and other processes keep allocating: a scenario of 10^7 nodes was
 * killed by the OOM killer at 22.5 GiB resident under a ceiling of all of
 * it (23.2 GiB, on a machine of 23.5 GiB). */
static uint64_t memcap_available(void)
{
	char line[256];
	unsigned long long kib, avail = 0, swap = 0;
	int have = 0;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
			avail = kib;
			have = 1;
		} else if (sscanf(line, "SwapFree: %llu kB", &kib) == 1) {
			swap = kib;
		}
	}
	fclose(f);
	return have ? (avail + swap) / 4 * 3 * 1024 + MEMCAP_SLACK : 0;
}

/* The cgroup v2 memory.max of this process's cgroup, or 0 when there is
 * none or it is "max".  /proc/self/cgroup's v2 line is "0::/PATH". */
static uint64_t memcap_cgroup(void)
{
	char line[512], path[1024];
	uint64_t v = 0;
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return 0;
	path[0] = '\0';
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", line + 3);
			break;
		}
	fclose(f);
	if (!path[0] || !(f = fopen(path, "r")))
		return 0;
	unsigned long long n;
	if (fscanf(f, "%llu", &n) == 1)
		v = n;
	fclose(f);
	return v;
}

int memcap_apply(const char *spec, struct err *e)
{
	uint64_t cap = 0;
	if (spec && spec[0]) {
		if (strcmp(spec, "off") == 0)
			return 0;
		struct err pe = { 0 };
		if (unit_parse_bytes(spec, &cap, &pe) < 0 || cap == 0)
			return err_set(e, ERR_INPUT, "%s=%s: %s", MEMCAP_ENV, spec,
				       pe.msg[0] ? pe.msg : "a limit of 0 bytes (use off for none)");
	} else {
		uint64_t bound[3] = { memcap_machine(), memcap_cgroup(), memcap_available() };
		for (size_t i = 0; i < 3; i++)
			if (bound[i] && (!cap || bound[i] < cap))
				cap = bound[i];
	}
#ifdef MEMCAP_SANITIZER
	return 0;
#else
	struct rlimit rl;
	if (!cap || getrlimit(RLIMIT_AS, &rl) != 0)
		return 0; /* nothing known to set, or nothing to compare with */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= cap)
		return 0; /* a lower limit is already in force */
	if (rl.rlim_max != RLIM_INFINITY && cap > rl.rlim_max)
		cap = rl.rlim_max;
	rl.rlim_cur = (rlim_t)cap;
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return err_set(e, ERR_FAIL, "cannot limit the address space to %llu bytes", (unsigned long long)cap);
	return 0;
#endif
}

uint64_t memcap_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return (uint64_t)rl.rlim_cur;
}

int memcap_hint(const struct err *e, char *buf, size_t n)
{
	uint64_t cap = memcap_limit();
	if (!e || e->code != ERR_FAIL || !cap || !strstr(e->msg, "out of memory"))
		return 0;
	int gib = cap >= ((uint64_t)1 << 30);
	snprintf(buf, n, "memory is limited to %.1f %s (%s): make the scenario or trace smaller, or set %s",
		 (double)cap / (gib ? 1024.0 * 1024 * 1024 : 1024.0 * 1024), gib ? "GiB" : "MiB",
		 getenv(MEMCAP_ENV) ? MEMCAP_ENV : "3/4 of the memory free when the program started, or a ulimit -v",
		 MEMCAP_ENV);
	return 1;
}
