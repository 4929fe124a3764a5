/* Tests for the SQLite results database (sim/results.c).  Each test works
 * in a fresh temporary directory and reads what was written back through
 * its own sqlite3 connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sim/results.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/tiersim-test-results-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/results.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *suffix[] = {"", "-wal", "-shm", "-journal", ".2", ".2-wal", ".2-shm", ".txt"};
	char p[160];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
		remove(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- building a registry ---- */

static double probe_len(void *ctx, uint64_t now_ns)
{
	(void)ctx;
	return (double)(now_ns / 10) + 0.5;
}

/* Scalars: q.util 0.8125, q.arrivals 1000, q.undefined NaN.
 * Histogram q.wait (ns): 5 x2, 1000 x6, 3000000, 4000000; q.empty empty.
 * Series q.len sampled at 0, 10, 20 (values 0.5, 1.5, 2.5). */
static struct met_registry *sample_registry(void)
{
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(met_set(m, "q.util", 0.8125, "ratio"), 0);
	assert_int_equal(met_set(m, "q.arrivals", 1000, "ops"), 0);
	assert_int_equal(met_set(m, "q.undefined", NAN, "ratio"), 0);
	struct hist *h = met_hist(m, "q.wait", "ns");
	assert_non_null(h);
	hist_record_n(h, 5, 2);
	hist_record_n(h, 1000, 6);
	hist_record(h, 3000000);
	hist_record(h, 4000000);
	assert_non_null(met_hist(m, "q.empty", "ns"));
	assert_non_null(met_series_add(m, "q.len", "jobs", probe_len, NULL));
	met_sample_now(m, 0);
	met_sample_now(m, 10);
	met_sample_now(m, 20);
	return m;
}

static struct db_run_info sample_info(void)
{
	return (struct db_run_info){
		.kind = "simulated",
		.started_at = "2025-01-02T03:04:05Z",
		.scenario_path = "scenarios/mm1.ini",
		.scenario = "[run]\nseed = 42\n",
		.seed = 42,
		.version = "0.1.0",
		.sim_seconds = 1.5,
		.wall_seconds = 0.25,
		.events = 12345,
		.queue = "heap",
	};
}

/* Writes the sample registry into a database at path; returns the run id. */
static int64_t write_sample(const char *path, const struct db_run_info *info)
{
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, path, &e), 0);
	struct met_registry *m = sample_registry();
	int64_t id = -1;
	assert_int_equal(db_write_run(db, info, m, &id, &e), 0);
	met_free(m);
	db_close(db);
	return id;
}

/* ---- reading back ---- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	return h;
}

static void raw_exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static int64_t query_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The one row a query returns, rendered as "v|v|v" with NULL as "NULL",
 * integers as integers and reals with %.17g. */
static void query_row(sqlite3 *h, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	size_t len = 0;
	out[0] = '\0';
	for (int c = 0; c < sqlite3_column_count(st); c++) {
		const char *sep = c ? "|" : "";
		switch (sqlite3_column_type(st, c)) {
		case SQLITE_NULL:
			len += (size_t)snprintf(out + len, size - len, "%sNULL", sep);
			break;
		case SQLITE_INTEGER:
			len += (size_t)snprintf(out + len, size - len, "%s%lld", sep,
						(long long)sqlite3_column_int64(st, c));
			break;
		case SQLITE_FLOAT:
			len += (size_t)snprintf(out + len, size - len, "%s%.17g", sep, sqlite3_column_double(st, c));
			break;
		default:
			len += (size_t)snprintf(out + len, size - len, "%s%s", sep,
						(const char *)sqlite3_column_text(st, c));
			break;
		}
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* Every table's every row, in a fixed order, as text; the wall-clock
 * columns of runs are blanked.  Caller frees. */
static char *dump(const char *path)
{
	sqlite3 *h = raw_open(path);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	sqlite3_stmt *tables;
	assert_int_equal(sqlite3_prepare_v2(h,
					    "SELECT name, sql FROM sqlite_master ORDER BY type, name",
					    -1, &tables, NULL),
			 SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		const char *sql = (const char *)sqlite3_column_text(tables, 1);
		fprintf(out, "== %s: %s\n", name, sql ? sql : "");
		if (!sql || strncmp(sql, "CREATE TABLE", 12) != 0)
			continue;
		char q[256];
		sqlite3_stmt *st;
		snprintf(q, sizeof q, "SELECT * FROM %s", name);
		assert_int_equal(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK);
		int ncol = sqlite3_column_count(st);
		sqlite3_finalize(st);
		size_t n = (size_t)snprintf(q, sizeof q, "SELECT * FROM %s ORDER BY 1", name);
		for (int c = 2; c <= ncol; c++)
			n += (size_t)snprintf(q + n, sizeof q - n, ",%d", c);
		assert_int_equal(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < ncol; c++) {
				const char *col = sqlite3_column_name(st, c);
				if (strcmp(name, "runs") == 0 &&
				    (strcmp(col, "started_at") == 0 || strcmp(col, "wall_seconds") == 0)) {
					fputs("*|", out);
					continue;
				}
				switch (sqlite3_column_type(st, c)) {
				case SQLITE_NULL: fputs("NULL|", out); break;
				case SQLITE_INTEGER: fprintf(out, "i%lld|", (long long)sqlite3_column_int64(st, c)); break;
				case SQLITE_FLOAT: fprintf(out, "r%a|", sqlite3_column_double(st, c)); break;
				default: fprintf(out, "t%s|", (const char *)sqlite3_column_text(st, c)); break;
				}
			}
			fputc('\n', out);
		}
		sqlite3_finalize(st);
	}
	sqlite3_finalize(tables);
	sqlite3_close(h);
	fclose(out);
	return buf;
}

/* ---- tests ---- */

static void test_open_creates_schema_in_wal_mode(void **state)
{
	struct fixture *f = *state;
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), 0);
	sqlite3 *h = raw_open(f->path);
	char row[256];
	query_row(h, "PRAGMA journal_mode", row, sizeof row);
	assert_string_equal(row, "wal");
	assert_int_equal(query_int(h, "PRAGMA user_version"), 1);
	query_row(h,
		  "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
		  "WHERE type = 'table' ORDER BY name)",
		  row, sizeof row);
	assert_string_equal(row, "histogram_buckets,histograms,metrics,runs,series");
	sqlite3_close(h);
	db_close(db);
}

static void test_run_row_holds_the_run_info(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	assert_int_equal(write_sample(f->path, &info), 1);
	sqlite3 *h = raw_open(f->path);
	char row[512];
	query_row(h, "SELECT * FROM runs", row, sizeof row);
	assert_string_equal(row, "1|simulated|2025-01-02T03:04:05Z|scenarios/mm1.ini|[run]\nseed = 42\n"
				 "|42|0.1.0|1.5|0.25|12345|heap");
	sqlite3_close(h);
}

static void test_metrics_rows_hold_scalars_and_nan_is_null(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	sqlite3 *h = raw_open(f->path);
	char row[512];
	query_row(h,
		  "SELECT group_concat(name || '=' || ifnull(value, 'NULL') || ' ' || unit, ';') "
		  "FROM (SELECT * FROM metrics WHERE run = 1 ORDER BY name)",
		  row, sizeof row);
	assert_string_equal(row, "q.arrivals=1000.0 ops;q.undefined=NULL ratio;q.util=0.8125 ratio");
	sqlite3_close(h);
}

static void test_histogram_row_has_summary_and_percentiles(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	sqlite3 *h = raw_open(f->path);
	char row[512];
	/* 10 values: 5 5 1000x6 3e6 4e6.  mean (10 + 6000 + 7e6) / 10.
	 * p50 rank 5: 1000's bucket [1000,1003], midpoint 1001.5.
	 * p90 rank 9: 3e6 has top bit 21, buckets 2^14 wide; 3e6 / 16384 =
	 * 183.1, so [2998272, 3014655], midpoint 3006463.5.
	 * p99 and p999 rank 10: 4e6's bucket midpoint exceeds max: 4e6. */
	query_row(h, "SELECT unit, count, min, max, mean, p50, p90, p99, p999 FROM histograms "
		     "WHERE run = 1 AND name = 'q.wait'",
		  row, sizeof row);
	assert_string_equal(row, "ns|10|5|4000000|700601|1001.5|3006463.5|4000000|4000000");
	query_row(h, "SELECT count, min, max, mean, p50, p90, p99, p999 FROM histograms "
		     "WHERE run = 1 AND name = 'q.empty'",
		  row, sizeof row);
	assert_string_equal(row, "0|NULL|NULL|NULL|NULL|NULL|NULL|NULL");
	sqlite3_close(h);
}

static void test_every_nonempty_bucket_is_stored(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	sqlite3 *h = raw_open(f->path);
	char row[512];
	/* 4e6 / 16384 = 244.1: [3997696, 4014079]. */
	query_row(h,
		  "SELECT group_concat(lo || '-' || hi || ':' || count, ' ') FROM "
		  "(SELECT * FROM histogram_buckets WHERE run = 1 AND name = 'q.wait' ORDER BY lo)",
		  row, sizeof row);
	assert_string_equal(row, "5-5:2 1000-1003:6 2998272-3014655:1 3997696-4014079:1");
	assert_int_equal(query_int(h, "SELECT count(*) FROM histogram_buckets WHERE name = 'q.empty'"), 0);
	sqlite3_close(h);
}

/* The writer does not have SQLite check each row's parent (results.c
 * says why): the rows it writes must pass the check all the same. */
static void test_written_rows_pass_the_foreign_key_check(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	assert_int_equal(write_sample(f->path, &info), 1);
	assert_int_equal(write_sample(f->path, &info), 2);
	sqlite3 *h = raw_open(f->path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	/* And the children it wrote are children: deleting a run, with
	 * foreign keys on, takes its rows with it. */
	assert_true(query_int(h, "SELECT count(*) FROM histogram_buckets WHERE run = 1") > 0);
	raw_exec(h, "PRAGMA foreign_keys = ON");
	raw_exec(h, "DELETE FROM runs WHERE id = 1");
	const char *tables[] = {"metrics", "histograms", "histogram_buckets", "series"};
	for (size_t i = 0; i < 4; i++) {
		char q[80];
		snprintf(q, sizeof q, "SELECT count(*) FROM %s WHERE run = 1", tables[i]);
		assert_int_equal(query_int(h, q), 0);
		snprintf(q, sizeof q, "SELECT count(*) FROM %s WHERE run = 2", tables[i]);
		assert_true(query_int(h, q) > 0);
	}
	sqlite3_close(h);
}

/* A run checks its --out before it starts and makes a new database only
 * with its results: a run that fails makes no file (and so never takes
 * away one another run has written to meanwhile). */
static void test_open_or_check_makes_no_file_until_asked(void **state)
{
	struct fixture *f = *state;
	struct db *db = (struct db *)1;
	struct err e = {0};
	assert_int_equal(db_open_or_check(&db, f->path, &e), 0);
	assert_null(db);
	assert_int_equal(access(f->path, F_OK), -1);
	/* There: opened at once. */
	struct db_run_info info = sample_info();
	assert_int_equal(write_sample(f->path, &info), 1);
	assert_int_equal(db_open_or_check(&db, f->path, &e), 0);
	assert_non_null(db);
	db_close(db);
	/* No directory, or a file where the directory would be: refused,
	 * naming the path and what is wrong. */
	char bad[256];
	snprintf(bad, sizeof bad, "%s/none/x.db", f->dir);
	assert_int_equal(db_open_or_check(&db, bad, &e), -1);
	assert_non_null(strstr(e.msg, bad));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	snprintf(bad, sizeof bad, "%s/x.db", f->path);
	assert_int_equal(db_open_or_check(&db, bad, &e), -1);
	assert_non_null(strstr(e.msg, "is not a directory"));
	assert_int_equal(db_open_or_check(&db, "x-in-the-working-directory.db", &e), 0);
	assert_null(db);
}

static void test_series_has_one_row_per_sample(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	sqlite3 *h = raw_open(f->path);
	char row[512];
	query_row(h,
		  "SELECT group_concat(unit || '@' || t_ns || '=' || value, ' ') FROM "
		  "(SELECT * FROM series WHERE run = 1 AND name = 'q.len' ORDER BY t_ns)",
		  row, sizeof row);
	assert_string_equal(row, "jobs@0=0.5 jobs@10=1.5 jobs@20=2.5");
	sqlite3_close(h);
}

static void test_runs_get_successive_ids_across_reopening(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	assert_int_equal(write_sample(f->path, &info), 1);
	info.kind = "measured";
	assert_int_equal(write_sample(f->path, &info), 2);
	sqlite3 *h = raw_open(f->path);
	assert_int_equal(query_int(h, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(query_int(h, "SELECT count(*) FROM metrics"), 6);
	assert_int_equal(query_int(h, "SELECT count(*) FROM series WHERE run = 2"), 3);
	sqlite3_close(h);
}

static void test_same_registry_gives_identical_tables_in_two_databases(void **state)
{
	struct fixture *f = *state;
	char other[160];
	snprintf(other, sizeof other, "%s.2", f->path);
	struct db_run_info a = sample_info(), b = sample_info();
	b.started_at = "2031-12-31T23:59:59Z";
	b.wall_seconds = 99.0;
	write_sample(f->path, &a);
	write_sample(other, &b);
	char *da = dump(f->path), *db = dump(other);
	assert_non_null(strstr(da, "tq.wait|i2998272|i3014655|i1|")); /* not trivially empty */
	assert_string_equal(da, db);
	free(da);
	free(db);
}

static void test_failure_midway_rolls_back_the_whole_run(void **state)
{
	struct fixture *f = *state;
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), 0);
	/* Another connection makes the last inserts of the run fail: by then
	 * the run, its metrics and histograms have been inserted. */
	sqlite3 *h = raw_open(f->path);
	raw_exec(h, "CREATE TRIGGER boom BEFORE INSERT ON series WHEN NEW.t_ns = 20 "
		    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	struct met_registry *m = sample_registry();
	struct db_run_info info = sample_info();
	int64_t id = -7;
	assert_int_equal(db_write_run(db, &info, m, &id, &e), -1);
	assert_int_equal(id, -7);
	assert_int_equal(e.code, ERR_FAIL);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "q.len"));
	assert_non_null(strstr(e.msg, "injected failure"));
	const char *tables[] = {"runs", "metrics", "histograms", "histogram_buckets", "series"};
	for (size_t i = 0; i < 5; i++) {
		char q[64];
		snprintf(q, sizeof q, "SELECT count(*) FROM %s", tables[i]);
		assert_int_equal(query_int(h, q), 0);
	}
	/* The connection is not left inside a transaction: the next run is
	 * written whole. */
	raw_exec(h, "DROP TRIGGER boom");
	assert_int_equal(db_write_run(db, &info, m, &id, &e), 0);
	assert_int_equal(query_int(h, "SELECT count(*) FROM series"), 3);
	sqlite3_close(h);
	met_free(m);
	db_close(db);
}

static uint64_t refuse_now(void *self)
{
	(void)self;
	return 0;
}

static uint64_t refuse_call_at(void *self, uint64_t t, exec_fn fn, void *arg)
{
	(void)self, (void)t, (void)fn, (void)arg;
	return 0;
}

static int refuse_cancel(void *self, uint64_t id)
{
	(void)self, (void)id;
	return 0;
}

static void test_registry_that_ran_out_of_memory_is_not_written(void **state)
{
	struct fixture *f = *state;
	/* An executor that refuses the sampler event marks the registry failed
	 * just as an allocation failure would. */
	static const struct exec_ops refuse = {refuse_now, refuse_call_at, refuse_cancel};
	struct exec x = { .ops = &refuse };
	struct met_registry *m = sample_registry();
	assert_int_equal(met_sampler_start(m, &x, 10), -1);
	assert_true(met_failed(m));
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), 0);
	struct db_run_info info = sample_info();
	assert_int_equal(db_write_run(db, &info, m, NULL, &e), -1);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "out of memory"));
	sqlite3 *h = raw_open(f->path);
	assert_int_equal(query_int(h, "SELECT count(*) FROM runs"), 0);
	sqlite3_close(h);
	met_free(m);
	db_close(db);
}

static void test_unknown_run_kind_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), 0);
	struct met_registry *m = sample_registry();
	struct db_run_info info = sample_info();
	info.kind = "guessed";
	assert_int_equal(db_write_run(db, &info, m, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "CHECK constraint failed"));
	met_free(m);
	db_close(db);
}

static void test_seed_keeps_all_64_bits_and_huge_counts_become_real(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	info.seed = ((uint64_t)1 << 63) + 5; /* read back as -2^63 + 5 */
	info.events = UINT64_MAX;           /* above INT64_MAX: nearest REAL, 2^64 */
	write_sample(f->path, &info);
	sqlite3 *h = raw_open(f->path);
	char row[128];
	query_row(h, "SELECT seed, typeof(events), events = 18446744073709551616.0 FROM runs", row, sizeof row);
	assert_string_equal(row, "-9223372036854775803|real|1");
	sqlite3_close(h);
}

static void test_unwritable_path_gives_clear_error(void **state)
{
	(void)state;
	struct db *db = (struct db *)&db;
	struct err e = {0};
	const char *path = "/nonexistent-tiersim-dir/sub/results.db";
	assert_int_equal(db_open(&db, path, &e), -1);
	assert_null(db);
	assert_int_equal(e.code, ERR_FAIL);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "unable to open database file"));
}

static void test_directory_as_path_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->dir, &e), -1);
	assert_non_null(strstr(e.msg, f->dir));
}

static void test_file_that_is_not_a_database_is_refused(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is a text file, not an SQLite database\n", fp);
	fclose(fp);
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), -1);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "file is not a database"));
}

static void test_other_sqlite_database_is_refused_untouched(void **state)
{
	struct fixture *f = *state;
	sqlite3 *h = raw_open(f->path);
	raw_exec(h, "CREATE TABLE inventory (item TEXT)");
	sqlite3_close(h);
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "not a tiersim results database"));
	h = raw_open(f->path);
	assert_int_equal(query_int(h, "SELECT count(*) FROM sqlite_master"), 1);
	sqlite3_close(h);
}

static void test_newer_schema_version_is_refused(void **state)
{
	struct fixture *f = *state;
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), 0);
	db_close(db);
	sqlite3 *h = raw_open(f->path);
	raw_exec(h, "PRAGMA user_version = 99");
	sqlite3_close(h);
	assert_int_equal(db_open(&db, f->path, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "99"));
	assert_non_null(strstr(e.msg, "newer"));
}

/* user_version is any 32-bit integer in a file from elsewhere: a negative
 * one was taken as a schema to upgrade, from db_migrations[-N] (found by
 * tests/fuzz/fuzz_results.c: corpus/results/crash-negative-schema-version). */
static void test_negative_schema_version_is_refused_untouched(void **state)
{
	struct fixture *f = *state;
	sqlite3 *h = raw_open(f->path);
	raw_exec(h, "PRAGMA user_version = -486539263");
	sqlite3_close(h);
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "not a tiersim results database"));
	sqlite3 *r;
	memset(&e, 0, sizeof e);
	assert_int_equal(db_read_open(&r, f->path, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	h = raw_open(f->path);
	assert_int_equal(query_int(h, "PRAGMA user_version"), -486539263);
	assert_int_equal(query_int(h, "SELECT count(*) FROM sqlite_master"), 0);
	sqlite3_close(h);
}

/* ---- reading, for reports ---- */

static void test_read_open_accepts_a_results_database_read_only(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	info.kind = "measured";
	info.seed = UINT64_MAX;
	write_sample(f->path, &info);
	write_sample(f->path, &(struct db_run_info){ .kind = "simulated" });
	sqlite3 *h;
	struct err e = {0};
	assert_int_equal(db_read_open(&h, f->path, &e), 0);
	struct db_run r;
	assert_int_equal(db_run_read(h, f->path, 0, NULL, &r, &e), 0); /* the latest */
	assert_int_equal(r.id, 3);
	assert_null(r.scenario);
	db_run_free(&r);
	assert_int_equal(db_run_read(h, f->path, 0, "measured", &r, &e), 0); /* the latest measured */
	assert_int_equal(r.id, 2);
	assert_string_equal(r.kind, "measured");
	assert_string_equal(r.scenario_path, "scenarios/mm1.ini");
	assert_string_equal(r.scenario, "[run]\nseed = 42\n");
	assert_true(r.seed == UINT64_MAX);
	db_run_free(&r);
	assert_int_equal(db_run_read(h, f->path, 1, NULL, &r, &e), 0);
	assert_string_equal(r.kind, "simulated");
	db_run_free(&r);
	/* read-only: a write fails */
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM runs", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void test_read_run_that_is_not_there_says_which_are(void **state)
{
	struct fixture *f = *state;
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), 0);
	db_close(db);
	sqlite3 *h;
	struct db_run r;
	assert_int_equal(db_read_open(&h, f->path, &e), 0);
	assert_int_equal(db_run_read(h, f->path, 0, NULL, &r, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "holds no runs"));
	assert_int_equal(db_run_read(h, f->path, 4, NULL, &r, &e), -1);
	assert_non_null(strstr(e.msg, "no run 4 (the database holds no runs)"));
	sqlite3_close(h);
	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	write_sample(f->path, &info);
	assert_int_equal(db_read_open(&h, f->path, &e), 0);
	assert_int_equal(db_run_read(h, f->path, 4, NULL, &r, &e), -1);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "no run 4 (runs 1 to 2)"));
	assert_int_equal(db_run_read(h, f->path, 0, "measured", &r, &e), -1);
	assert_non_null(strstr(e.msg, "no measured run (2 of other kinds)"));
	sqlite3_close(h);
}

/* A file that is not a results database is refused, with its name, and
 * so is one whose runs is a view (here one that would never end) or whose
 * tables lack a column: the schema is checked before any run is read. */
static void test_read_open_refuses_what_is_not_a_results_database(void **state)
{
	struct fixture *f = *state;
	sqlite3 *h;
	struct err e = {0};
	assert_int_equal(db_read_open(&h, f->path, &e), -1); /* missing */
	assert_non_null(strstr(e.msg, f->path));
	assert_int_equal(db_read_open(&h, f->dir, &e), -1);
	assert_non_null(strstr(e.msg, "not a file"));
	FILE *fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs("this is a text file, not an SQLite database\n", fp);
	fclose(fp);
	assert_int_equal(db_read_open(&h, f->path, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "not a tiersim results database"));
	remove(f->path);

	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	sqlite3 *w = raw_open(f->path);
	raw_exec(w, "ALTER TABLE runs RENAME TO old_runs;"
		    "CREATE VIEW runs (id, kind, started_at, scenario_path, scenario, seed, version, sim_seconds,"
		    " wall_seconds, events, queue) AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
		    " SELECT x, 'measured', '', '', '', 1, '', 0, 0, 0, '' FROM c");
	sqlite3_close(w);
	memset(&e, 0, sizeof e);
	assert_int_equal(db_read_open(&h, f->path, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "not a tiersim results database"));
	w = raw_open(f->path);
	raw_exec(w, "DROP VIEW runs; CREATE TABLE runs (id INTEGER PRIMARY KEY, kind TEXT)");
	sqlite3_close(w);
	assert_int_equal(db_read_open(&h, f->path, &e), -1);
	assert_non_null(strstr(e.msg, "not a tiersim results database"));
	w = raw_open(f->path);
	raw_exec(w, "PRAGMA user_version = 7");
	sqlite3_close(w);
	assert_int_equal(db_read_open(&h, f->path, &e), -1);
	assert_non_null(strstr(e.msg, "newer"));
}

/* A database with a trigger (here one that would fill metrics without
 * end on the next run) is refused, untouched, before any insert. */
static void test_open_refuses_a_database_with_triggers(void **state)
{
	struct fixture *f = *state;
	struct db_run_info info = sample_info();
	write_sample(f->path, &info);
	sqlite3 *h = raw_open(f->path);
	raw_exec(h, "CREATE TRIGGER t AFTER INSERT ON runs BEGIN INSERT INTO metrics SELECT new.id, 'x' || x, 1, 'u'"
		    " FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c); END");
	sqlite3_close(h);
	struct db *db;
	struct err e = {0};
	assert_int_equal(db_open(&db, f->path, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, f->path));
	assert_non_null(strstr(e.msg, "triggers"));
	h = raw_open(f->path);
	assert_int_equal(query_int(h, "SELECT count(*) FROM runs"), 1);
	sqlite3_close(h);
}

static void test_spec_is_a_file_and_an_optional_run(void **state)
{
	(void)state;
	char path[32];
	int64_t run;
	struct err e = {0};
	assert_int_equal(db_spec_parse("r.db", path, sizeof path, &run, &e), 0);
	assert_string_equal(path, "r.db");
	assert_int_equal(run, 0);
	assert_int_equal(db_spec_parse("dir:x/r.db:12", path, sizeof path, &run, &e), 0);
	assert_string_equal(path, "dir:x/r.db");
	assert_int_equal(run, 12);
	assert_int_equal(db_spec_parse("r.db:9223372036854775807", path, sizeof path, &run, &e), 0);
	assert_int_equal(run, INT64_MAX);
	assert_int_equal(db_spec_parse("r.db:", path, sizeof path, &run, &e), 0); /* no digits: part of the name */
	assert_string_equal(path, "r.db:");
	assert_int_equal(db_spec_parse("r.db:1x", path, sizeof path, &run, &e), 0);
	assert_string_equal(path, "r.db:1x");
	static const char *const bad[] = { "r.db:0", "r.db:9223372036854775808", ":3", "",
					   "a-file-name-that-is-much-too-long-for-the-buffer.db" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(db_spec_parse(bad[i], path, sizeof path, &run, &e), -1);
		assert_int_equal(e.code, ERR_INPUT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_schema_in_wal_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_row_holds_the_run_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_rows_hold_scalars_and_nan_is_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_row_has_summary_and_percentiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_nonempty_bucket_is_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_written_rows_pass_the_foreign_key_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_or_check_makes_no_file_until_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_has_one_row_per_sample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_get_successive_ids_across_reopening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_registry_gives_identical_tables_in_two_databases, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failure_midway_rolls_back_the_whole_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_that_ran_out_of_memory_is_not_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_run_kind_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_keeps_all_64_bits_and_huge_counts_become_real, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_path_gives_clear_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_as_path_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_that_is_not_a_database_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_sqlite_database_is_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_version_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_schema_version_is_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_open_accepts_a_results_database_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_run_that_is_not_there_says_which_are, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_open_refuses_what_is_not_a_results_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_a_database_with_triggers, setup, teardown),
		cmocka_unit_test(test_spec_is_a_file_and_an_optional_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
