/*
 * hoststat: /proc/vmstat's counters around a run.  Hand-made vmstat files
 * (the kernel's format: "name value" per line) with known differences;
 * allocstall summed over its zones; an unreadable file records nothing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "refimpl/hoststat.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Creates the two files named by the mkstemp templates a and b. */
static void make_files(char *a, char *b)
{
	int fa = mkstemp(a), fb = mkstemp(b);
	assert_true(fa >= 0 && fb >= 0);
	close(fa);
	close(fb);
}

static double value(const struct met_registry *m, const char *name, const char *unit)
{
	const struct met_scalar *s = met_find(m, name);
	assert_non_null(s);
	assert_string_equal(s->unit, unit);
	return s->value;
}

/* Reads the two snapshots from the files given (NULL: one that does not
 * exist) and exports their differences into a new registry. */
static struct met_registry *exported(struct hoststat *s0, struct hoststat *s1, const char *vmstat[2],
				     const char *stat[2], const char *reported[2])
{
	static const char *const none = "/nonexistent/hoststat-file";
	struct hoststat *s[2] = { s0, s1 };
	for (int i = 0; i < 2; i++)
		hoststat_read(s[i], &(struct hoststat_files){ vmstat ? vmstat[i] : none, stat ? stat[i] : none,
							      reported ? reported[i] : none });
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(hoststat_export(s0, s1, m), 0);
	return m;
}

static void test_hoststat_records_the_differences(void **state)
{
	(void)state;
	char a[] = "/tmp/tiersim-hoststat-a-XXXXXX", b[] = "/tmp/tiersim-hoststat-b-XXXXXX";
	make_files(a, b);
	write_file(a, "nr_free_pages 1000\npgpgin 100\npgpgout 7\npgmajfault 3\nallocstall_dma 1\n"
		      "allocstall_normal 10\npgscan_kswapd 40\npgscan_direct 500\nworkingset_refault_anon 3\n"
		      "workingset_refault_file 20\npgscan_direct_throttle 99\ncompact_stall 4\n"
		      "thp_fault_fallback 0\nthp_fault_fallback_charge 8\n");
	write_file(b, "nr_free_pages 5\npgpgin 4196\npgpgout 7\npgmajfault 5\nallocstall_dma 2\n"
		      "allocstall_normal 30\npgscan_kswapd 140\npgscan_direct 1500\nworkingset_refault_anon 300\n"
		      "workingset_refault_file 70\npgscan_direct_throttle 1\ncompact_stall 4\n"
		      "thp_fault_fallback 6\nthp_fault_fallback_charge 100\n");
	struct hoststat s0, s1;
	struct met_registry *m = exported(&s0, &s1, (const char *[2]){ a, b }, NULL, NULL);
	assert_true(s0.ok && s1.ok);
	assert_true(value(m, "host.vmstat.pgpgin", "KiB") == 4096);
	assert_true(value(m, "host.vmstat.pgpgout", "KiB") == 0);
	assert_true(value(m, "host.vmstat.pgmajfault", "events") == 2);
	/* pgscan_direct alone, not pgscan_direct_throttle */
	assert_true(value(m, "host.vmstat.pgscan_direct", "pages") == 1000);
	assert_true(value(m, "host.vmstat.pgscan_kswapd", "pages") == 100);
	assert_true(value(m, "host.vmstat.workingset_refault_file", "pages") == 50);
	/* (2 + 30) - (1 + 10) */
	assert_true(value(m, "host.vmstat.allocstall", "events") == 21);
	assert_true(value(m, "host.vmstat.compact_stall", "events") == 0);
	/* thp_fault_fallback alone, not thp_fault_fallback_charge */
	assert_true(value(m, "host.vmstat.thp_fault_fallback", "events") == 6);
	met_free(m);
	unlink(a);
	unlink(b);
}

/* /proc/stat's cpu line: busy = user + nice + system + irq + softirq
 * (not idle, iowait, steal, guest); the per-CPU lines after it are not
 * read.  Before: 100+1+50+2+3 = 156 busy, 7 iowait, 4 steal; after: 400+1+
 * 90+2+13 = 506, 17, 9: differences 350, 10 and 5 ticks, times tick_s. */
static void test_hoststat_cpu_times(void **state)
{
	(void)state;
	char a[] = "/tmp/tiersim-hoststat-a-XXXXXX", b[] = "/tmp/tiersim-hoststat-b-XXXXXX";
	make_files(a, b);
	write_file(a, "cpu  100 1 50 9000 7 2 3 4 0 0\ncpu0 999 999 999 999 999 999 999 999 0 0\n");
	write_file(b, "cpu  400 1 90 9100 17 2 13 9 5 0\ncpu0 1 1 1 1 1 1 1 1 0 0\n");
	struct hoststat s0, s1;
	struct met_registry *m = exported(&s0, &s1, NULL, (const char *[2]){ a, b }, NULL);
	assert_true(s0.cpu_ok && s1.cpu_ok);
	assert_true(s1.tick_s > 0);
	assert_int_equal(met_nscalars(m), 3); /* no vmstat counters: those files were missing */
	assert_true(fabs(value(m, "host.cpu.busy", "s") - 350 * s1.tick_s) < 1e-12);
	assert_true(fabs(value(m, "host.cpu.iowait", "s") - 10 * s1.tick_s) < 1e-12);
	assert_true(fabs(value(m, "host.cpu.steal", "s") - 5 * s1.tick_s) < 1e-12);
	met_free(m);
	/* A file without a cpu line is not read. */
	write_file(a, "intr 5 6 7\n");
	met_free(exported(&s0, &s1, NULL, (const char *[2]){ a, b }, NULL));
	assert_false(s0.cpu_ok);
	unlink(a);
	unlink(b);
}

/* The page-reporting count: one number; 1000 -> 5096 KiB is 4096. */
static void test_hoststat_page_reporting(void **state)
{
	(void)state;
	char a[] = "/tmp/tiersim-hoststat-a-XXXXXX", b[] = "/tmp/tiersim-hoststat-b-XXXXXX";
	make_files(a, b);
	write_file(a, "1000\n");
	write_file(b, "5096\n");
	struct hoststat s0, s1;
	struct met_registry *m = exported(&s0, &s1, NULL, NULL, (const char *[2]){ a, b });
	assert_true(s0.reported_ok && s1.reported_ok);
	assert_int_equal(met_nscalars(m), 1);
	assert_true(value(m, "host.page_reporting.reported", "KiB") == 4096);
	met_free(m);
	unlink(a);
	unlink(b);
}

static void test_hoststat_without_the_file_records_nothing(void **state)
{
	(void)state;
	struct hoststat s0, s1;
	hoststat_read(&s0, &(struct hoststat_files){ "/nonexistent/vmstat", "/nonexistent/stat", "/nonexistent/r" });
	assert_false(s0.ok || s0.cpu_ok || s0.reported_ok);
	hoststat_read(&s1, NULL); /* the host's own files */
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(hoststat_export(&s0, &s1, m), 0);
	assert_int_equal(met_nscalars(m), 0);
	met_free(m);
}

/* Values a kernel never writes are skipped, not misread: a sign, more than
 * 64 bits, anything after the value, and the tail of a line too long to
 * be a counter's (which would otherwise read as a line of its own).  So
 * are a cpu line with a negative time and a count that is not a number. */
static void test_hoststat_skips_malformed_values(void **state)
{
	(void)state;
	char a[] = "/tmp/tiersim-hoststat-a-XXXXXX", b[] = "/tmp/tiersim-hoststat-b-XXXXXX";
	make_files(a, b);
	char text[1024];
	snprintf(text, sizeof text,
		 "pgpgin -5\npgpgout 18446744073709551616\npgmajfault 7abc\ncompact_stall 8 9\n"
		 "%0255d pgscan_kswapd 40\nthp_fault_fallback\t6 \npgscan_direct 18446744073709551615\n", 0);
	write_file(a, text);
	struct hoststat s;
	hoststat_read(&s, &(struct hoststat_files){ a, a, a });
	assert_true(s.ok);
	assert_true(s.v[HS_PGPGIN] == 0 && s.v[HS_PGPGOUT] == 0 && s.v[HS_PGMAJFAULT] == 0);
	assert_true(s.v[HS_COMPACT_STALL] == 0 && s.v[HS_PGSCAN_KSWAPD] == 0);
	assert_true(s.v[HS_THP_FAULT_FALLBACK] == 6);
	assert_true(s.v[HS_PGSCAN_DIRECT] == UINT64_MAX);
	assert_false(s.cpu_ok || s.reported_ok);
	write_file(b, "cpu  100 1 -50 9000 7 2 3 4 0 0\n");
	hoststat_read(&s, &(struct hoststat_files){ b, b, b });
	assert_false(s.cpu_ok || s.reported_ok);
	write_file(b, "-1000\n");
	hoststat_read(&s, &(struct hoststat_files){ b, b, b });
	assert_false(s.reported_ok);
	unlink(a);
	unlink(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hoststat_records_the_differences),
		cmocka_unit_test(test_hoststat_cpu_times),
		cmocka_unit_test(test_hoststat_page_reporting),
		cmocka_unit_test(test_hoststat_without_the_file_records_nothing),
		cmocka_unit_test(test_hoststat_skips_malformed_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
