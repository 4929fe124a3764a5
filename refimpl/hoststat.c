/*
 * hoststat — see hoststat.h.  /proc/vmstat is one "name value" pair per
 * line (Documentation/admin-guide/sysctl/vm.rst and mm/vmstat.c); reading
 * nine of them is a loop over fgets and sscanf, so no library (procps's
 * libproc2 has a vmstat API, but would be a dependency for this alone).
 * allocstall is split per zone since Linux 4.9 (allocstall_dma,
 * allocstall_normal, ...): their sum is recorded.
 */
#include "refimpl/hoststat.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	const char *unit;
	const char *key; /* the /proc/vmstat name, or a prefix summed (ends in '_') */
} counters[HS_N] = {
	[HS_PGPGIN] = { "host.vmstat.pgpgin", "KiB", "pgpgin" },
	[HS_PGPGOUT] = { "host.vmstat.pgpgout", "KiB", "pgpgout" },
	[HS_PGMAJFAULT] = { "host.vmstat.pgmajfault", "count", "pgmajfault" },
	[HS_PGSCAN_KSWAPD] = { "host.vmstat.pgscan_kswapd", "pages", "pgscan_kswapd" },
	[HS_PGSCAN_DIRECT] = { "host.vmstat.pgscan_direct", "pages", "pgscan_direct" },
	[HS_WORKINGSET_REFAULT] = { "host.vmstat.workingset_refault_file", "pages", "workingset_refault_file" },
	[HS_ALLOCSTALL] = { "host.vmstat.allocstall", "count", "allocstall_" },
	[HS_COMPACT_STALL] = { "host.vmstat.compact_stall", "count", "compact_stall" },
	[HS_THP_FAULT_FALLBACK] = { "host.vmstat.thp_fault_fallback", "count", "thp_fault_fallback" },
};

void hoststat_read(struct hoststat *s, const char *path)
{
	memset(s, 0, sizeof *s);
	FILE *f = fopen(path ? path : "/proc/vmstat", "r");
	if (!f)
		return;
	char line[256], name[128];
	unsigned long long value;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%127s %llu", name, &value) != 2)
			continue;
		for (int i = 0; i < HS_N; i++) {
			const char *k = counters[i].key;
			size_t n = strlen(k);
			if (k[n - 1] == '_' ? strncmp(name, k, n) == 0 : strcmp(name, k) == 0)
				s->v[i] += value;
		}
	}
	s->ok = !ferror(f);
	fclose(f);
}

int hoststat_export(const struct hoststat *before, const struct hoststat *after, struct met_registry *m)
{
	if (!before->ok || !after->ok)
		return 0;
	for (int i = 0; i < HS_N; i++) {
		/* Counters only grow; a smaller one (a wrapped 32-bit counter) gives 0. */
		uint64_t d = after->v[i] >= before->v[i] ? after->v[i] - before->v[i] : 0;
		if (met_set(m, counters[i].name, (double)d, counters[i].unit) < 0)
			return -1;
	}
	return 0;
}
