/* Tests for the fit of `tierref probe` (refimpl/probe.c,
 * probe_write_preset): hand-made sweeps in, the preset's keys out, each
 * expected value worked by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "refimpl/loop.h"
#include "refimpl/probe.h"

static const unsigned qds[PROBE_NQD] = { 1, 4, 16, 64 };

/* A file tier's sweep: 1 MiB points at the given bandwidths (bytes/s),
 * QD 1, 4, 16, 64; every other point an ordinary device's, so that the
 * writer has something sane everywhere.  The loop thread is never busy
 * enough to be the limit (device_limit). */
static struct probe_result *sweep(enum probe_kind kind, const double read_bps[PROBE_NQD],
				  const double write_bps[PROBE_NQD], double fill_bps)
{
	struct probe_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->kind = kind;
	r->dir = "/x";
	r->direct = kind == PROBE_HOT;
	r->scratch_bytes = 1ull << 30;
	r->fill_bps = fill_bps;
	r->fill_seconds = fill_bps > 0 ? r->scratch_bytes / fill_bps : 0;
	for (int w = 0; w < 2; w++)
		for (int s = 0; s < PROBE_NSIZE; s++)
			for (int q = 0; q < PROBE_NQD; q++) {
				struct probe_point *p = &r->pt[w][s][q];
				p->write = w;
				p->size_bytes = s ? 1u << 20 : 4096;
				p->qd = qds[q];
				p->seconds = 0.25;
				p->bps = s ? (w ? write_bps : read_bps)[q] : 4096 * 20000.0 * qds[q];
				p->ops_per_s = p->bps / (double)p->size_bytes;
				p->ops = (uint64_t)(p->ops_per_s * p->seconds);
				p->mean_ns = p->p50_ns = 50e3 * qds[q];
				p->p99_ns = 2 * p->mean_ns;
				for (int i = 0; i < PROBE_QUANTILES; i++)
					p->q_ns[i] = p->mean_ns;
				p->cpu_ns_per_op = 5e3 + (s ? 20e3 : 0);
			}
	for (int s = 0; s < PROBE_NSIZE; s++)
		r->append[s] = r->pt[1][s][0];
	r->create = r->open = r->pt[0][0][0];
	r->create_qd_rate = 1000;
	return r;
}

/* A Blob tier's sweep (sweep's points), signed with SharedKey, one
 * connection at 200 MB/s. */
static struct probe_result *cold_sweep(const double read_bps[PROBE_NQD], const double write_bps[PROBE_NQD])
{
	struct probe_result *r = sweep(PROBE_COLD, read_bps, write_bps, 0);
	r->auth = "SharedKey";
	r->conn_bps = 200e6;
	return r;
}

/* The number right after `pat` in the preset text, which `unit` must
 * follow. */
static double number_after(const char *text, const char *pat, const char *unit)
{
	const char *at = strstr(text, pat);
	assert_non_null(at);
	char *end;
	double v = strtod(at + strlen(pat), &end);
	assert_true(strncmp(end, unit, strlen(unit)) == 0);
	return v;
}

/* The value of `key = ` in MB/s (the writer's unit for bandwidths). */
static double key_mbps(const char *text, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\n%s = ", key);
	return number_after(text, pat, "MB/s\n");
}

/* The first bin of `key = empirical(`, in us. */
static double first_bin_us(const char *text, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\n%s = empirical(", key);
	return number_after(text, pat, "us:");
}

static char *preset(const struct probe_result *r, const char *tier)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	assert_non_null(f);
	assert_int_equal(probe_write_preset(r, NULL, tier, f), 0);
	fclose(f);
	/* A copy: GCC 12 takes pointers into a buffer whose address went to
	 * open_memstream for pointers to the local (-Wdangling-pointer). */
	char *copy = strdup(text);
	free(text);
	assert_non_null(copy);
	return copy;
}

/* A device flat from QD1, as this machine's virtual disk: 1 MiB reads at
 * 2610, 3190, 2660 and 2760 MB/s.  Best 3190; 90% of it is 2871, so the
 * plateau starts at QD4 (QD1's 2610 is below) and is the median of 3190,
 * 2660 and 2760: 2760.  Not 3190, one window's high. */
static void test_probe_read_bw_is_the_plateau_median_not_the_best(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2610e6, 3190e6, 2660e6, 2760e6 };
	const double wr[PROBE_NQD] = { 3000e6, 3400e6, 3600e6, 3600e6 };
	struct probe_result *r = sweep(PROBE_HOT, rd, wr, 1860e6);
	char *text = preset(r, "hot");
	assert_float_equal(key_mbps(text, "read_bw"), 2760, 1e-6);
	assert_non_null(strstr(text, "points from QD 4, where it saturates (90% of the best, 3190 MB/s at QD 4)"));
	/* write_bw: the plateau of 3000, 3400, 3600, 3600 (90% of 3600 is
	 * 3240: from QD4, median of 3400, 3600, 3600 = 3600) is above the
	 * sustained scratch write, 1860, which stands. */
	assert_float_equal(key_mbps(text, "write_bw"), 1860, 1e-6);
	free(text);
	free(r);
}

/* An even number of points on the plateau: the mean of the middle two.
 * Reads 2600, 2780, 2670, 2790: best 2790, 90% 2511, so every point
 * counts; sorted 2600, 2670, 2780, 2790, median (2670 + 2780) / 2 =
 * 2725. */
static void test_probe_plateau_of_four_points_is_the_mean_of_the_middle_two(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2600e6, 2780e6, 2670e6, 2790e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	struct probe_result *r = sweep(PROBE_HOT, rd, wr, 0);
	char *text = preset(r, "hot");
	assert_float_equal(key_mbps(text, "read_bw"), 2725, 1e-6);
	/* A device that scales with depth: writes 1000, 2000, 3000, 3100;
	 * 90% of 3100 is 2790, so only QD16 and QD64 count: (3000 + 3100) / 2
	 * = 3050.  No sustained write measured (fill_bps 0): the plateau. */
	assert_float_equal(key_mbps(text, "write_bw"), 3050, 1e-6);
	assert_non_null(strstr(text, "points from QD 16, where it saturates"));
	free(text);
	free(r);
}

/* The Blob tier's egress and ingress are plateaus too.  GETs 100, 400,
 * 380, 390 MB/s: 90% of 400 is 360, so QD4 on: median of 400, 380, 390 =
 * 390.  PUTs 50, 90, 100, 80: 90% of 100 is 90, from QD4: 90, 100, 80,
 * median 90. */
static void test_probe_cold_egress_and_ingress_are_plateaus(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 100e6, 400e6, 380e6, 390e6 };
	const double wr[PROBE_NQD] = { 50e6, 90e6, 100e6, 80e6 };
	struct probe_result *r = cold_sweep(rd, wr);
	char *text = preset(r, "cold");
	assert_float_equal(key_mbps(text, "egress"), 390, 1e-6);
	assert_float_equal(key_mbps(text, "ingress"), 90, 1e-6);
	free(text);
	free(r);
}

/* The Blob client's CPU per request.  4 KiB GETs cost the loop thread
 * 76, 74, 73 and 72 us (QD 1, 4, 16, 64): wake (76 - 72) x 64 / 63 =
 * 4.0635 us, op 72 - 4.0635 / 64 = 71.9365 us.  1 MiB GETs 70 us at every
 * depth, no dearer than a 4 KiB one: cpu_read_bw free (0).  ttfb is
 * written less a 4 KiB GET's CPU alone, op + wake = 76 us: every bin 76
 * us lower than with no CPU timed.  4 KiB Put Blobs 200 us at QD1 and
 * 136 at QD 64: wake 64 x 64 / 63 = 65.0159 us, op 136 - 65.0159 / 64 =
 * 134.9841 us; 1 MiB ones 100 us, no dearer: cpu_write_bw free.
 * put_ttfb (its QD1 latency 900 us in every bin, as the GETs') is
 * written less 200 us.  (Times are written to 4 significant digits.) */
static void test_probe_cold_client_cpu_per_request(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 100e6, 400e6, 380e6, 390e6 };
	const double wr[PROBE_NQD] = { 50e6, 90e6, 100e6, 80e6 };
	const double get4k[PROBE_NQD] = { 76e3, 74e3, 73e3, 72e3 };
	struct probe_result *r = cold_sweep(rd, wr);
	for (int q = 0; q < PROBE_NQD; q++)
		for (int s = 0; s < 2; s++)
			for (int w = 0; w < 2; w++)
				r->pt[w][s][q].cpu_ns_per_op = 0;
	for (int i = 0; i < PROBE_QUANTILES; i++)
		r->pt[0][0][0].q_ns[i] = r->pt[1][0][0].q_ns[i] = 900e3;
	char *free_cpu = preset(r, "cold");
	for (int q = 0; q < PROBE_NQD; q++) {
		r->pt[0][0][q].cpu_ns_per_op = get4k[q];
		r->pt[0][1][q].cpu_ns_per_op = 70e3;
		r->pt[1][0][q].cpu_ns_per_op = q ? 136e3 : 200e3;
		r->pt[1][1][q].cpu_ns_per_op = 100e3;
	}
	char *text = preset(r, "cold");
	assert_float_equal(number_after(text, "\ncpu_read_wake = ", "us\n"), 4.0635, 5e-4);
	assert_float_equal(number_after(text, "\ncpu_read_op = ", "us\n"), 71.9365, 5e-3);
	assert_float_equal(key_mbps(text, "cpu_read_bw"), 0, 1e-9);
	assert_float_equal(first_bin_us(free_cpu, "ttfb") - first_bin_us(text, "ttfb"), 76, 0.5);
	assert_float_equal(number_after(text, "\ncpu_write_wake = ", "us\n"), 65.0159, 0.005);
	assert_float_equal(number_after(text, "\ncpu_write_op = ", "us\n"), 134.9841, 0.05);
	assert_float_equal(key_mbps(text, "cpu_write_bw"), 0, 1e-9);
	assert_float_equal(first_bin_us(free_cpu, "put_ttfb") - first_bin_us(text, "put_ttfb"), 200, 0.5);
	free(free_cpu);
	free(text);
	free(r);
}

/* The tier's own check rate is what the QD1 read latency is written
 * less of (the sweep's reads are checked, as a run's are, and the client
 * model adds the check back at that rate): with cpu_check_bw 4.096 GB/s a
 * 4 KiB read's check is 1 us, so every bin is 1 us lower than with no
 * rate known.  And the preset says the rate. */
static void test_probe_read_latency_is_less_the_tiers_own_check(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2600e6, 2780e6, 2670e6, 2790e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	struct probe_result *r = sweep(PROBE_HOT, rd, wr, 0);
	char *none = preset(r, "hot");
	assert_null(strstr(none, "\ncpu_check_bw = "));
	r->cpu_check_bps = 4.096e9;
	r->cpu_check_bytes = 100u << 20;
	char *checked = preset(r, "hot");
	assert_float_equal(key_mbps(checked, "cpu_check_bw"), 4096, 1e-6);
	assert_float_equal(first_bin_us(none, "read_latency") - first_bin_us(checked, "read_latency"), 1.0, 0.01);
	free(none);
	free(checked);
	free(r);
}

/* The check's cost per call: with cpu_check_bw 4.096 GB/s (4 KiB: 1 us),
 * 4 KiB reads whose checks took 1.8, 2.0, 1.6 and 2.2 us per op (QD 1,
 * 4, 16, 64) leave 0.8, 1.0, 0.6 and 1.2 us per call; median (0.8 +
 * 1.0) / 2 = 0.9 us, written as cpu_check_op.  The QD1 read latency is
 * written less it too: every bin 0.9 us lower than without it.  No
 * timed generation: no cpu_fill_op. */
static void test_probe_content_cost_per_call(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2600e6, 2780e6, 2670e6, 2790e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	const double per_op_ns[PROBE_NQD] = { 1800, 2000, 1600, 2200 };
	struct probe_result *r = sweep(PROBE_HOT, rd, wr, 0);
	r->cpu_check_bps = 4.096e9;
	r->cpu_check_bytes = 100u << 20;
	char *per_byte = preset(r, "hot");
	assert_null(strstr(per_byte, "\ncpu_check_op = "));
	for (int q = 0; q < PROBE_NQD; q++)
		r->pt[0][0][q].check_ns = (uint64_t)(per_op_ns[q] * (double)r->pt[0][0][q].ops);
	char *per_call = preset(r, "hot");
	assert_float_equal(number_after(per_call, "\ncpu_check_op = ", "us\n"), 0.9, 1e-3);
	assert_null(strstr(per_call, "\ncpu_fill_op = "));
	assert_float_equal(first_bin_us(per_byte, "read_latency") - first_bin_us(per_call, "read_latency"), 0.9, 0.01);
	free(per_byte);
	free(per_call);
	free(r);
}

/* The loop's own part of an open, a create and a close (open_cpu).  4 KiB
 * reads cost the thread 9 us at QD1 and 5 us deeper: wake (9 - 5) x 64 /
 * 63 = 4.0635 us, and the model charges a read alone 9 us; the opens
 * pass took 20 us per read, so cpu_open = 20 - 9 - 4.0635 = 6.9365 us.
 * cpu_create is not written, only the creates' costs (60 and 40 us).
 * Closes 3.5 us each.  An opens pass cheaper than the read and its wake
 * (10 us) gives 0, not less. */
static void test_probe_open_create_close_cpu(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2600e6, 2780e6, 2670e6, 2790e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	struct probe_result *r = sweep(PROBE_WARM, rd, wr, 0);
	r->pt[0][0][0].cpu_ns_per_op = 9e3;
	r->open_cpu_ns = 20e3;
	r->create_cpu_ns = 60e3;
	r->create_qd_cpu_ns = 40e3;
	r->close_cpu_ns = 3.5e3;
	char *text = preset(r, "warm");
	assert_float_equal(number_after(text, "\ncpu_open = ", "us\n"), 6.9365, 1e-3);
	assert_null(strstr(text, "\ncpu_create = "));
	assert_non_null(strstr(text, "cost the thread 60.0 us each at QD1 and 40.0 us at QD 16"));
	assert_float_equal(number_after(text, "\ncpu_close = ", "us\n"), 3.5, 1e-3);
	free(text);
	r->open_cpu_ns = 10e3;
	text = preset(r, "warm");
	assert_float_equal(number_after(text, "\ncpu_open = ", "us\n"), 0, 1e-9);
	free(text);
	free(r);
}

/* The median of three by CPU per operation, whichever place it has, and
 * ties broken to a defined one. */
static void test_probe_median3_picks_the_middle_cpu(void **state)
{
	(void)state;
	static const double c[][3] = { { 1, 2, 3 }, { 3, 2, 1 }, { 2, 1, 3 }, { 2, 3, 1 }, { 1, 3, 2 }, { 93, 15, 14 } };
	static const int want[] = { 1, 1, 0, 0, 2, 1 };
	for (size_t t = 0; t < sizeof want / sizeof want[0]; t++) {
		struct probe_point v[3] = { 0 };
		for (int k = 0; k < 3; k++)
			v[k].cpu_ns_per_op = c[t][k];
		assert_int_equal(probe_median3(v), want[t]);
	}
	struct probe_point same[3] = { { .cpu_ns_per_op = 5 }, { .cpu_ns_per_op = 5 }, { .cpu_ns_per_op = 5 } };
	int i = probe_median3(same);
	assert_true(i >= 0 && i < 3);
}

/* A QD1 files pass's CPU per file is the median of its eight runs of 32
 * files.  Thread CPU marks (s) for runs at 5 us a file, and at 200 us in
 * the runs marked slow: a run takes 32 x 5 us = 160 us, or 6.4 ms. */
static void test_probe_files_cpu_is_the_median_run(void **state)
{
	(void)state;
	static const int slow[][PROBE_FILE_RUNS] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0 }, /* 5 us (and so is the mean) */
		{ 0, 0, 1, 0, 0, 0, 0, 0 }, /* 5 us; the mean would be 29.4 */
		{ 1, 1, 1, 0, 0, 0, 0, 0 }, /* 5 us: under half the pass */
		{ 1, 0, 1, 0, 1, 0, 1, 0 }, /* half: (5 + 200) / 2 = 102.5 us */
		{ 1, 1, 1, 1, 1, 0, 1, 1 }, /* 200 us: the pass was slow */
	};
	static const double want_ns[] = { 5e3, 5e3, 5e3, 102.5e3, 200e3 };
	assert_int_equal(PROBE_FILES % PROBE_FILE_RUNS, 0);
	unsigned per = PROBE_FILES / PROBE_FILE_RUNS;
	assert_int_equal(per, 32);
	for (size_t t = 0; t < sizeof want_ns / sizeof want_ns[0]; t++) {
		double mark[PROBE_FILE_RUNS + 1] = { 12.5 }; /* CPU time so far, any */
		for (int k = 0; k < PROBE_FILE_RUNS; k++)
			mark[k + 1] = mark[k] + per * (slow[t][k] ? 200e-6 : 5e-6);
		assert_float_equal(probe_run_cpu_ns(mark, PROBE_FILE_RUNS, per), want_ns[t], 1e-3);
	}
	double none[1] = { 0 };
	assert_float_equal(probe_run_cpu_ns(none, 0, per), 0, 0);
}

/* The per-byte CPU is the median of the plateau's 1 MiB points, not the
 * best point's.  Warm 1 MiB reads at 8860, 9355, 8917 and 8193 MB/s (QD
 * 1, 4, 16, 64: saturated from QD1, so all four count) took 59.8, 54.3,
 * 58.1 and 66.4 us of CPU each; the 4 KiB points 5 us at every depth (no
 * wake, op = 5 us less 4 KiB's transfer).  Median 58.95 us; three rounds
 * of op = 5 - 4096 / bw and bw = 1 MiB / (58.95 - op) settle at op =
 * 4.788 us, 54.16 us per MiB: 19,360 MB/s (the best point, QD 4, would
 * have made it 1 MiB / 49.51 us = 21,180). */
static void test_probe_cpu_per_byte_is_the_plateau_median(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 8860e6, 9355e6, 8917e6, 8193e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	const double cpu[PROBE_NQD] = { 59.8e3, 54.3e3, 58.1e3, 66.4e3 };
	struct probe_result *r = sweep(PROBE_WARM, rd, wr, 0);
	for (int q = 0; q < PROBE_NQD; q++)
		r->pt[0][1][q].cpu_ns_per_op = cpu[q];
	char *text = preset(r, "warm");
	assert_float_equal(key_mbps(text, "cpu_read_bw"), 19360.1, 0.5);
	assert_non_null(strstr(text, "through the 1 MiB points at every QD"));
	free(text);
	free(r);
}

/* ... and the median of all four 1 MiB points, not the plateau's alone,
 * which starts late where the device or server saturates late and is
 * then half the deepest point, the dearest per byte.  Put Blobs as a
 * probe of Azurite measured them: 1 MiB at 149, 153, 227 and 176 MB/s
 * (QD 1, 4, 16, 64; the plateau is QD 16 and 64) took 315, 399, 411 and
 * 800 us of CPU; 4 KiB ones 42 us at every depth (no wake).  Round 0: op
 * 42 us, per MiB 273, 357, 369 and 758 us, median 363 us.  Round 1: op =
 * 42 - 4096 x 363 / 1048576 = 40.582 us, median 364.418.  Round 2: op
 * 40.5765, median 364.4235 us: 1 MiB / 364.4235 us = 2877.36 MB/s.  The
 * plateau's median, (370.42 + 759.42) / 2 = 564.92 us, would have made it
 * 1856.1. */
static void test_probe_cpu_per_byte_counts_every_depth(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 100e6, 400e6, 380e6, 390e6 };
	const double wr[PROBE_NQD] = { 149e6, 153e6, 227e6, 176e6 };
	const double put1m[PROBE_NQD] = { 315e3, 399e3, 411e3, 800e3 };
	struct probe_result *r = cold_sweep(rd, wr);
	for (int q = 0; q < PROBE_NQD; q++) {
		r->pt[1][0][q].cpu_ns_per_op = 42e3;
		r->pt[1][1][q].cpu_ns_per_op = put1m[q];
	}
	char *text = preset(r, "cold");
	assert_float_equal(number_after(text, "\ncpu_write_wake = ", "us\n"), 0, 0);
	assert_float_equal(number_after(text, "\ncpu_write_op = ", "us\n"), 40.58, 0.005);
	assert_float_equal(key_mbps(text, "cpu_write_bw"), 2877.36, 0.05);
	free(text);
	free(r);
}

/* The warm tier's front end gets the plateau too: 1 MiB reads at 2610,
 * 3190, 2660 and 2760 MB/s make frontend_nic the median from QD 4, 2760
 * MB/s, not 3190.  Its 4 KiB rates, 20,000 x QD per second for reads and
 * writes alike, saturate at QD 64 alone: a plateau of 1,280,000/s, where
 * the loop thread (5 us per operation) was the limit, so frontend_ops is
 * written as not a limit, 100 times that. */
static void test_probe_warm_front_end_is_the_plateau(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2610e6, 3190e6, 2660e6, 2760e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	struct probe_result *r = sweep(PROBE_WARM, rd, wr, 0);
	char *text = preset(r, "warm");
	assert_float_equal(key_mbps(text, "frontend_nic"), 2760, 1e-6);
	assert_float_equal(number_after(text, "\nfrontend_ops = ", "/s\n"), 128000000, 0.5);
	free(text);
	free(r);
}

/* Whether the loop thread was the limit counts its content work too.
 * Warm 1 MiB reads at 8000 MB/s at every depth (7,629.4 per second) took
 * 60 us of CPU each besides their checks: busy 45.8%, and frontend_nic is
 * the plateau, 8000 MB/s.  With the window's checks timed at 65 us a read
 * (check_ns), busy is 45.8% + 49.6% = 95.4%, over 90%: the thread was the
 * limit, and frontend_nic is written as none, 100 times the plateau. */
static void test_probe_busy_counts_the_content_work(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 8000e6, 8000e6, 8000e6, 8000e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	struct probe_result *r = sweep(PROBE_WARM, rd, wr, 0);
	for (int q = 0; q < PROBE_NQD; q++)
		r->pt[0][1][q].cpu_ns_per_op = 60e3;
	char *idle = preset(r, "warm");
	assert_float_equal(key_mbps(idle, "frontend_nic"), 8000, 1e-6);
	for (int q = 0; q < PROBE_NQD; q++) {
		struct probe_point *p = &r->pt[0][1][q];
		p->check_ns = (uint64_t)(p->ops_per_s * p->seconds * 65e3);
		p->check_bytes = (uint64_t)(p->ops_per_s * p->seconds) << 20;
	}
	char *bound = preset(r, "warm");
	assert_float_equal(key_mbps(bound, "frontend_nic"), 800000, 1e-6);
	assert_non_null(strstr(bound, "; frontend_nic: not a limit; at its best point (QD 1) the loop thread was busy 95%"));
	free(idle);
	free(bound);
	free(r);
}

/* Buffered 4 KiB appends faster than the CPU the client model charges a
 * 4 KiB write (1 us against the sweep's 5): the difference is taken at 0,
 * and said, not let below 0, where it made write_bw 1 MiB over more than
 * its own time. */
static void test_probe_warm_appends_under_the_cpu_charge(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2610e6, 3190e6, 2660e6, 2760e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	struct probe_result *r = sweep(PROBE_WARM, rd, wr, 0);
	r->append[0].mean_ns = 1e3;
	char *text = preset(r, "warm");
	assert_non_null(strstr(text, "is more than the appends' mean, 1.0 us"));
	const char *c = strstr(text, "; write_bw: one write's rate beyond the client's CPU, (1 MiB - 4 KiB) / (");
	assert_non_null(c);
	double dl = strtod(c + strlen("; write_bw: one write's rate beyond the client's CPU, (1 MiB - 4 KiB) / ("), NULL);
	assert_non_null(strstr(c, "us - 0.0 us)"));
	assert_float_equal(key_mbps(text, "write_bw"), (1048576.0 - 4096) / (dl * 1e-6) / 1e6, 1e-3 * key_mbps(text, "write_bw"));
	free(text);
	free(r);
}

/* A warm tier's scratch set that cannot be written says why: the probe
 * read a file backend's error field at a directory backend's offset ("no
 * error given").  Files past 256 KiB fail here (RLIMIT_FSIZE, EFBIG). */
static void test_probe_warm_scratch_failure_says_why(void **state)
{
	(void)state;
	char dir[] = "/tmp/tiersim-test-probe-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct loop *l;
	struct err e = { 0 };
	assert_int_equal(loop_new(&l, 64, &e), 0);
	struct probe_opts o = { .seconds = 0.05, .scratch_bytes = 8 << 20, .seed = 1 };
	struct probe_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 256 << 10;
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = probe_dir(l, PROBE_WARM, dir, &o, r, &e);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, was);
	assert_int_equal(rc, -1);
	if (!strstr(e.msg, "writing the scratch set") || !strstr(e.msg, "File too large") ||
	    strstr(e.msg, "no error given"))
		fail_msg("%s", e.msg);
	free(r);
	loop_free(l);
	rmdir(dir);
}

/* discard_bw: 1 GiB punched; the device discarded 2,097,152 sectors
 * (1,073,741,824 bytes) in 1,024 requests and was busy 256 ms:
 * 1,073,741,824 B / 0.256 s = 4,194.304 MB/s.  No discards (a mount
 * without discard): 0, free, and the comment says why; counters not read
 * (tmpfs): 0 with the reason. */
static void test_probe_discard_bw_is_discarded_bytes_over_busy_time(void **state)
{
	(void)state;
	const double rd[PROBE_NQD] = { 2600e6, 2780e6, 2670e6, 2790e6 };
	const double wr[PROBE_NQD] = { 1000e6, 2000e6, 3000e6, 3100e6 };
	struct probe_result *r = sweep(PROBE_HOT, rd, wr, 0);
	r->discard_ok = 1;
	snprintf(r->discard_dev, sizeof r->discard_dev, "/sys/dev/block/254:0/stat");
	r->discard_punched = 1ull << 30;
	r->discard_delta = (struct blkstat){ .io_ticks_ms = 256, .discards = 1024, .discard_sectors = 2097152 };
	char *text = preset(r, "hot");
	assert_float_equal(key_mbps(text, "discard_bw"), 4194.304, 0.005); /* written to 6 figures: 4194.30 */
	assert_non_null(strstr(text, "1073.74 MB in 1024 requests (1 MiB each)"));
	free(text);
	r->discard_delta = (struct blkstat){ .io_ticks_ms = 3 };
	text = preset(r, "hot");
	assert_non_null(strstr(text, "\ndiscard_bw = 0\n"));
	assert_non_null(strstr(text, "a file system mounted without discard"));
	free(text);
	r->discard_ok = 0;
	snprintf(r->discard_dev, sizeof r->discard_dev, "no block device (device 0:42: tmpfs, ...)");
	text = preset(r, "hot");
	assert_non_null(strstr(text, "\ndiscard_bw = 0\n"));
	assert_non_null(strstr(text, "not measured: no block device (device 0:42"));
	free(text);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_read_bw_is_the_plateau_median_not_the_best),
		cmocka_unit_test(test_probe_plateau_of_four_points_is_the_mean_of_the_middle_two),
		cmocka_unit_test(test_probe_cpu_per_byte_counts_every_depth),
		cmocka_unit_test(test_probe_cold_egress_and_ingress_are_plateaus),
		cmocka_unit_test(test_probe_cold_client_cpu_per_request),
		cmocka_unit_test(test_probe_read_latency_is_less_the_tiers_own_check),
		cmocka_unit_test(test_probe_content_cost_per_call),
		cmocka_unit_test(test_probe_open_create_close_cpu),
		cmocka_unit_test(test_probe_median3_picks_the_middle_cpu),
		cmocka_unit_test(test_probe_files_cpu_is_the_median_run),
		cmocka_unit_test(test_probe_cpu_per_byte_is_the_plateau_median),
		cmocka_unit_test(test_probe_warm_front_end_is_the_plateau),
		cmocka_unit_test(test_probe_busy_counts_the_content_work),
		cmocka_unit_test(test_probe_warm_scratch_failure_says_why),
		cmocka_unit_test(test_probe_warm_appends_under_the_cpu_charge),
				cmocka_unit_test(test_probe_discard_bw_is_discarded_bytes_over_busy_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
