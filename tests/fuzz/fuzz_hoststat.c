/*
 * fuzz_hoststat — refimpl/hoststat.c, the reader of /proc/vmstat, the cpu
 * line of /proc/stat and the page-reporting count.  The input is a run's
 * "before" and, after its first form feed (or else the same bytes again),
 * its "after"; each is given as all three files at once (a memfd opened
 * three times), and the differences exported.  Checked: a readable file
 * always reads (ok), a counter or a cpu time moves only when the file has
 * a digit, the cpu line only from a first line starting "cpu"; the export
 * succeeds, has a group exactly when both snapshots read it, and each
 * value is the counter's growth (0 when it shrank), finite, not negative.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "refimpl/hoststat.h"
#include "sim/metrics.h"
#include "tests/fuzz/fuzz.h"

/* Reads one snapshot of data[0..size); 0, or -1 when no memfd. */
static int snapshot(const uint8_t *data, size_t size, struct hoststat *s)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);
	if (fd < 0)
		return -1;
	struct hoststat_files f = { path, path, path };
	hoststat_read(s, &f);
	fuzz_file_close(fd);

	int digit = 0;
	for (size_t i = 0; i < size && !digit; i++)
		digit = isdigit(data[i]) != 0;
	FUZZ_CHECK(s->ok);
	for (int i = 0; !digit && i < HS_N; i++)
		FUZZ_CHECK(s->v[i] == 0);
	FUZZ_CHECK(!s->cpu_ok || (digit && size > 3 && memcmp(data, "cpu", 3) == 0));
	FUZZ_CHECK(!s->reported_ok || digit);
	return 0;
}

static void check_value(const struct met_registry *m, const char *name, int present, uint64_t before,
			uint64_t after, double scale)
{
	const struct met_scalar *sc = met_find(m, name);
	FUZZ_CHECK(!sc == !present);
	if (!sc)
		return;
	FUZZ_CHECK(isfinite(sc->value) && sc->value >= 0);
	FUZZ_CHECK(sc->value == (after >= before ? (double)(after - before) * scale : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = size ? memchr(data, '\f', size) : NULL;
	size_t n0 = ff ? (size_t)(ff - data) : size;
	const uint8_t *d1 = ff ? ff + 1 : data;
	size_t n1 = ff ? size - n0 - 1 : size;
	struct hoststat s0, s1;
	if (snapshot(data, n0, &s0) < 0 || snapshot(d1, n1, &s1) < 0)
		return 0;

	struct met_registry *m = met_new();
	if (!m)
		return 0;
	FUZZ_CHECK(hoststat_export(&s0, &s1, m) == 0);
	static const char *const vm[HS_N] = {
		[HS_PGPGIN] = "host.vmstat.pgpgin",
		[HS_PGPGOUT] = "host.vmstat.pgpgout",
		[HS_PGMAJFAULT] = "host.vmstat.pgmajfault",
		[HS_PGSCAN_KSWAPD] = "host.vmstat.pgscan_kswapd",
		[HS_PGSCAN_DIRECT] = "host.vmstat.pgscan_direct",
		[HS_WORKINGSET_REFAULT] = "host.vmstat.workingset_refault_file",
		[HS_ALLOCSTALL] = "host.vmstat.allocstall",
		[HS_COMPACT_STALL] = "host.vmstat.compact_stall",
		[HS_THP_FAULT_FALLBACK] = "host.vmstat.thp_fault_fallback",
	};
	static const char *const cpu[HC_N] = { "host.cpu.busy", "host.cpu.iowait", "host.cpu.steal" };
	for (int i = 0; i < HS_N; i++)
		check_value(m, vm[i], s0.ok && s1.ok, s0.v[i], s1.v[i], 1);
	for (int i = 0; i < HC_N; i++)
		check_value(m, cpu[i], s0.cpu_ok && s1.cpu_ok, s0.cpu[i], s1.cpu[i], s1.tick_s);
	check_value(m, "host.page_reporting.reported", s0.reported_ok && s1.reported_ok, s0.reported_kib,
		    s1.reported_kib, 1);
	met_free(m);
	return 0;
}
