/*
 * fuzz_results — sim/results.c on a results database that is any file at
 * all: corrupt, truncated, not SQLite, another program's, or hostile.  The
 * input is the file, written to a fresh temporary file (SQLite wants a
 * directory for the WAL beside it; on /dev/shm when there is one, so no
 * fsync reaches a disk).  Two paths read it:
 *   - the reports' (tiersim plot, validate hardware): db_read_open, then
 *     db_run_read of the latest run, the latest measured run and run 1,
 *     then the rows of the run a report reads (every table, every column);
 *   - the writers' (tiersim run --out, tierref run --out): db_open, which
 *     reads the schema and may upgrade it, and db_write_run of one run.
 * Checked: every refusal is an error message naming the file; a run read
 * is the one asked for; a run written gets an id.  No crash, no leak, no
 * hang, whatever the bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sim/metrics.h"
#include "sim/results.h"
#include "tests/fuzz/fuzz.h"

static void remove_all(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[128];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
}

/* What a report reads of a run: every row of it, every column. */
static void read_rows(sqlite3 *h, int64_t run)
{
	static const char *const sql[] = {
		"SELECT name, value, unit FROM metrics WHERE run = ?1 ORDER BY name",
		"SELECT name, unit, count, min, max, mean, p50, p90, p99, p999 FROM histograms WHERE run = ?1",
		"SELECT name, lo, hi, count FROM histogram_buckets WHERE run = ?1 ORDER BY name, lo",
		"SELECT name, unit, t_ns, value FROM series WHERE run = ?1 ORDER BY name, t_ns",
	};
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(h, sql[i], -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_int64(st, 1, run);
		for (int rows = 0; rows < 10000 && sqlite3_step(st) == SQLITE_ROW; rows++)
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *t = sqlite3_column_text(st, c);
				volatile size_t n = t ? strlen((const char *)t) : 0;
				volatile double d = sqlite3_column_double(st, c);
				volatile sqlite3_int64 v = sqlite3_column_int64(st, c);
				(void)n, (void)d, (void)v;
			}
		sqlite3_finalize(st);
	}
}

static void check_read(const char *path)
{
	struct err e = { 0 };
	sqlite3 *h;
	if (db_read_open(&h, path, &e) < 0) {
		FUZZ_CHECK(e.code == ERR_INPUT && strstr(e.msg, path));
		return;
	}
	static const struct {
		int64_t id;
		const char *kind;
	} ask[] = { { 0, NULL }, { 0, "measured" }, { 1, NULL } };
	for (size_t i = 0; i < sizeof ask / sizeof ask[0]; i++) {
		struct db_run r;
		memset(&e, 0, sizeof e);
		if (db_run_read(h, path, ask[i].id, ask[i].kind, &r, &e) < 0) {
			FUZZ_CHECK(e.code != ERR_OK && strstr(e.msg, path));
			continue;
		}
		FUZZ_CHECK(ask[i].id == 0 || r.id == ask[i].id);
		FUZZ_CHECK(!ask[i].kind || (r.kind && strcmp(r.kind, ask[i].kind) == 0));
		read_rows(h, r.id);
		db_run_free(&r);
	}
	sqlite3_close(h);
}

static void check_write(const char *path)
{
	struct err e = { 0 };
	struct db *db;
	if (db_open(&db, path, &e) < 0) {
		FUZZ_CHECK(e.code != ERR_OK && strstr(e.msg, path));
		return;
	}
	struct met_registry *m = met_new();
	if (m && met_set(m, "tier.hot.hit_ratio", 0.5, "ratio") == 0 && met_set(m, "replay.requests", 3, "requests") == 0) {
		struct db_run_info info = { .kind = "simulated", .started_at = "2024-01-01T00:00:00Z",
					    .scenario_path = "fuzz.ini", .scenario = "[cluster]\n", .seed = 1,
					    .version = "fuzz", .sim_seconds = 1, .wall_seconds = 0, .events = 2,
					    .queue = "heap" };
		int64_t id = -1;
		if (db_write_run(db, &info, m, &id, &e) == 0)
			FUZZ_CHECK(id >= 1);
		else
			FUZZ_CHECK(e.code != ERR_OK && strstr(e.msg, path));
	}
	met_free(m);
	db_close(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "%s/fuzz-results-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fd);
	if (off == size) {
		check_read(path);
		check_write(path);
	}
	remove_all(path);
	return 0;
}
