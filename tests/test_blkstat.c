/*
 * blkstat: a block device's counters.  A stat line of this machine's
 * kernel (17 numbers; the values made up, each different, so a field read
 * from the wrong place shows) against the fields Documentation/block/
 * stat.rst lists; the exported differences in the units they name; an old
 * kernel's line and a missing file are errors naming the file; a
 * directory on no block device (/proc) is an error that says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "refimpl/blkstat.h"

static void write_line(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static double value(const struct met_registry *m, const char *name, const char *unit)
{
	const struct met_scalar *s = met_find(m, name);
	assert_non_null(s);
	assert_string_equal(s->unit, unit);
	return s->value;
}

/* Fields 1, 3, 5, 7, 10, 12, 14: reads, sectors read, writes, sectors
 * written, io_ticks, discards, sectors discarded. */
static void test_blkstat_reads_the_fields_stat_rst_lists(void **state)
{
	(void)state;
	char path[] = "/tmp/test_blkstatXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_line(path, "  305710    12071 21316034   164370  2195716   970045 65329850  8106231        0  2168824  8437870"
			 "    41206        0 57335896   167269   168497   219870\n");
	struct blkstat b;
	struct err e = { 0 };
	assert_int_equal(blkstat_read(path, &b, &e), 0);
	assert_int_equal(b.reads, 305710);
	assert_int_equal(b.read_sectors, 21316034);
	assert_int_equal(b.writes, 2195716);
	assert_int_equal(b.write_sectors, 65329850);
	assert_int_equal(b.io_ticks_ms, 2168824);
	assert_int_equal(b.discards, 41206);
	assert_int_equal(b.discard_sectors, 57335896);
	write_line(path, "1 2 3 4 5 6 7 8 9 10 11\n");
	assert_int_equal(blkstat_read(path, &b, &e), -1);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "11 numbers"));
	unlink(path);
	assert_int_equal(blkstat_read(path, &b, &e), -1);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "No such file"));
}

/* Two readings 2.6 s of busy time apart: 2,600 writes of 1 MiB (5,324,800
 * sectors), 2,568 discards of 1 MiB, 3 reads of 4 KiB. */
static void test_blkstat_exports_the_differences_in_seconds_and_bytes(void **state)
{
	(void)state;
	struct blkstat b0 = { .reads = 10, .read_sectors = 80, .writes = 100, .write_sectors = 800,
			      .io_ticks_ms = 1000, .discards = 7, .discard_sectors = 56 };
	struct blkstat b1 = { .reads = 13, .read_sectors = 104, .writes = 2700, .write_sectors = 800 + 5324800,
			      .io_ticks_ms = 3600, .discards = 2575, .discard_sectors = 56 + 2568 * 2048 };
	struct blkstat d = blkstat_delta(&b1, &b0);
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(blkstat_export(&d, "backend.hot.node0", m), 0);
	assert_float_equal(value(m, "backend.hot.node0.device.busy", "s"), 2.6, 1e-12);
	assert_float_equal(value(m, "backend.hot.node0.device.reads", "ops"), 3, 0);
	assert_float_equal(value(m, "backend.hot.node0.device.read_bytes", "B"), 3 * 4096, 0);
	assert_float_equal(value(m, "backend.hot.node0.device.writes", "ops"), 2600, 0);
	assert_float_equal(value(m, "backend.hot.node0.device.write_bytes", "B"), 2600.0 * 1048576, 0);
	assert_float_equal(value(m, "backend.hot.node0.device.discards", "ops"), 2568, 0);
	assert_float_equal(value(m, "backend.hot.node0.device.discard_bytes", "B"), 2568.0 * 1048576, 0);
	met_free(m);
}

/* The stat file of a directory on this machine's disk exists and reads;
 * /proc has no block device, and the error says so. */
static void test_blkstat_path_of_a_directory(void **state)
{
	(void)state;
	char path[96];
	struct err e = { 0 };
	assert_int_equal(blkstat_path("/proc", path, sizeof path, &e), -1);
	assert_non_null(strstr(e.msg, "/proc: no block device"));
	assert_int_equal(blkstat_path("/no/such/dir", path, sizeof path, &e), -1);
	assert_non_null(strstr(e.msg, "/no/such/dir: No such file"));
	if (blkstat_path("tests", path, sizeof path, &e) < 0)
		skip(); /* a checkout on tmpfs or overlayfs */
	assert_non_null(strstr(path, "/sys/dev/block/"));
	if (access(path, R_OK) != 0)
		skip(); /* no sysfs in this container */
	struct blkstat b;
	assert_int_equal(blkstat_read(path, &b, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blkstat_reads_the_fields_stat_rst_lists),
		cmocka_unit_test(test_blkstat_exports_the_differences_in_seconds_and_bytes),
		cmocka_unit_test(test_blkstat_path_of_a_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
