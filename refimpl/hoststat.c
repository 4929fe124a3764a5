/*
 * hoststat — see hoststat.h.  /proc/vmstat is one "name value" pair per
 * line (Documentation/admin-guide/sysctl/vm.rst and mm/vmstat.c); reading
 * nine of them is a loop over fgets and sscanf, so no library (procps's
 * libproc2 has a vmstat API, but would be a dependency for this alone).
 * allocstall is split per zone since Linux 4.9 (allocstall_dma,
 * allocstall_normal, ...): their sum is recorded.  /proc/stat's first
 * line is "cpu" and the times in USER_HZ ticks: user nice system idle
 * iowait irq softirq steal ... (proc(5)); kernels older than 2.6.11 stop
 * before steal, which then stays 0.  The page-reporting count is one
 * number in a file, where the kernel has it (upstream Linux exposes only
 * page_reporting_order; this machine's kernel adds reported_kib).
 *
 * A value is decimal digits that fit 64 bits and nothing else on its line
 * (the kernel writes no other): a line of another form is skipped, not
 * half read (tests/fuzz/fuzz_hoststat.c reads any bytes so).
 */
#include "refimpl/hoststat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	const char *unit;
	const char *key; /* the /proc/vmstat name, or a prefix summed (ends in '_') */
} counters[HS_N] = {
	[HS_PGPGIN] = { "host.vmstat.pgpgin", "KiB", "pgpgin" },
	[HS_PGPGOUT] = { "host.vmstat.pgpgout", "KiB", "pgpgout" },
	[HS_PGMAJFAULT] = { "host.vmstat.pgmajfault", "events", "pgmajfault" },
	[HS_PGSCAN_KSWAPD] = { "host.vmstat.pgscan_kswapd", "pages", "pgscan_kswapd" },
	[HS_PGSCAN_DIRECT] = { "host.vmstat.pgscan_direct", "pages", "pgscan_direct" },
	[HS_WORKINGSET_REFAULT] = { "host.vmstat.workingset_refault_file", "pages", "workingset_refault_file" },
	[HS_ALLOCSTALL] = { "host.vmstat.allocstall", "events", "allocstall_" },
	[HS_COMPACT_STALL] = { "host.vmstat.compact_stall", "events", "compact_stall" },
	[HS_THP_FAULT_FALLBACK] = { "host.vmstat.thp_fault_fallback", "events", "thp_fault_fallback" },
};

/* A counter's value at *p: decimal digits that fit 64 bits, no sign (a
 * kernel counter never has one).  Advances *p past them: 0, or -1. */
static int parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*p = s;
	*v = x;
	return 0;
}

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* "name value" (and nothing else but the newline) from a /proc/vmstat
 * line: 0, or -1 for a line of another form, which is skipped. */
static int parse_vmstat_line(const char *line, char *name, size_t cap, uint64_t *v)
{
	const char *s = skip_blank(line);
	size_t n = strcspn(s, " \t\n");
	if (n == 0 || n >= cap)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	s = skip_blank(s + n);
	if (parse_u64(&s, v) < 0)
		return -1;
	s = skip_blank(s);
	return *s == '\0' || *s == '\n' ? 0 : -1;
}

static void read_vmstat(struct hoststat *s, const char *path)
{
	FILE *f = fopen(path ? path : "/proc/vmstat", "r");
	if (!f)
		return;
	char line[256], name[128];
	uint64_t value;
	while (fgets(line, sizeof line, f)) {
		/* A line longer than any counter's is not one: its rest would
		 * read as a line of its own. */
		if (!strchr(line, '\n') && !feof(f)) {
			int c;
			while ((c = getc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (parse_vmstat_line(line, name, sizeof name, &value) < 0)
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

static void read_cpu(struct hoststat *s, const char *path)
{
	long hz = sysconf(_SC_CLK_TCK);
	s->tick_s = hz > 0 ? 1.0 / (double)hz : 0.01;
	FILE *f = fopen(path ? path : "/proc/stat", "r");
	if (!f)
		return;
	char line[512];
	uint64_t t[8] = { 0 };
	int n = 0;
	if (fgets(line, sizeof line, f) && strncmp(line, "cpu", 3) == 0 && (line[3] == ' ' || line[3] == '\t')) {
		/* user nice system idle iowait irq softirq [steal [guest ...]] */
		const char *p = line + 3;
		for (; n < 8; n++) {
			const char *q = skip_blank(p);
			if (parse_u64(&q, &t[n]) < 0)
				break;
			p = q;
		}
	}
	if (n >= 7) {
		s->cpu[HC_BUSY] = t[0] + t[1] + t[2] + t[5] + t[6];
		s->cpu[HC_IOWAIT] = t[4];
		s->cpu[HC_STEAL] = t[7];
		s->cpu_ok = !ferror(f);
	}
	fclose(f);
}

static void read_reported(struct hoststat *s, const char *path)
{
	FILE *f = fopen(path ? path : "/sys/module/page_reporting/parameters/reported_kib", "r");
	if (!f)
		return;
	char buf[32];
	uint64_t v;
	const char *p = fgets(buf, sizeof buf, f) ? skip_blank(buf) : NULL;
	s->reported_ok = p && parse_u64(&p, &v) == 0 && (*skip_blank(p) == '\0' || *skip_blank(p) == '\n') &&
			 !ferror(f);
	s->reported_kib = s->reported_ok ? v : 0;
	fclose(f);
}

void hoststat_read(struct hoststat *s, const struct hoststat_files *f)
{
	static const struct hoststat_files host = { NULL, NULL, NULL };
	if (!f)
		f = &host;
	memset(s, 0, sizeof *s);
	read_vmstat(s, f->vmstat);
	read_cpu(s, f->stat);
	read_reported(s, f->reported);
}

static const char *const cpu_names[HC_N] = { "host.cpu.busy", "host.cpu.iowait", "host.cpu.steal" };

/* How much a counter grew; counters only grow, so a smaller one (a
 * wrapped 32-bit counter) gives 0. */
static uint64_t grew(uint64_t before, uint64_t after)
{
	return after >= before ? after - before : 0;
}

int hoststat_export(const struct hoststat *before, const struct hoststat *after, struct met_registry *m)
{
	for (int i = 0; before->ok && after->ok && i < HS_N; i++)
		if (met_set(m, counters[i].name, (double)grew(before->v[i], after->v[i]), counters[i].unit) < 0)
			return -1;
	for (int i = 0; before->cpu_ok && after->cpu_ok && i < HC_N; i++)
		if (met_set(m, cpu_names[i], (double)grew(before->cpu[i], after->cpu[i]) * after->tick_s, "s") < 0)
			return -1;
	if (before->reported_ok && after->reported_ok &&
	    met_set(m, "host.page_reporting.reported", (double)grew(before->reported_kib, after->reported_kib), "KiB") < 0)
		return -1;
	return 0;
}
