/*
 * results — runs and their metrics in SQLite.
 *
 * One database file accumulates runs.  A run is written in one
 * transaction, so a failed or interrupted run leaves nothing; the database
 * is in WAL mode so it can be read while a run writes.  Schema (also in
 * README.md):
 *
 *   runs(id INTEGER PRIMARY KEY, kind TEXT  -- 'simulated' | 'measured',
 *        started_at TEXT -- wall clock, ISO 8601 UTC,
 *        scenario_path TEXT, scenario TEXT -- the file's whole text,
 *        seed INTEGER, version TEXT, sim_seconds REAL, wall_seconds REAL,
 *        events INTEGER, queue TEXT -- pending-event set used)
 *   metrics(run, name, value REAL, unit TEXT)       PRIMARY KEY(run, name)
 *   histograms(run, name, unit, count, min, max, mean, p50, p90, p99, p999)
 *   histogram_buckets(run, name, lo, hi, count)     every non-empty bucket
 *   series(run, name, unit, t_ns INTEGER, value REAL)
 *
 * Wall-clock fields: started_at and wall_seconds.  Everything else is a
 * function of the scenario, the inputs and the seed.
 *
 * Values: a NaN metric or sample is stored as NULL; an empty histogram has
 * count 0 and NULL min .. p999, and no buckets.  Integers above INT64_MAX
 * (SQLite's limit) are stored as the nearest REAL, except the seed, which
 * keeps its 64 bits read as a signed integer (a seed >= 2^63 reads back
 * negative: add 2^64).  PRAGMA user_version holds the schema version;
 * db_open refuses a newer version, and an SQLite file that is not a
 * tiersim database (ERR_INPUT).  Errors name the database path and carry
 * SQLite's message.
 */
#ifndef TIERSIM_RESULTS_H
#define TIERSIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "metrics.h"

struct db;

struct db_run_info {
	const char *kind;          /* "simulated" or "measured" */
	const char *started_at;    /* ISO 8601 UTC */
	const char *scenario_path;
	const char *scenario;      /* text */
	uint64_t seed;
	const char *version;
	double sim_seconds;
	double wall_seconds;
	uint64_t events;
	const char *queue;
};

/* Opens (creating if needed) and brings the schema up to date. */
int db_open(struct db **out, const char *path, struct err *e);
/* For a run that writes its results at its end: opens path now when it
 * exists (so that a file that cannot be used fails before the run), and
 * otherwise only checks that its directory takes a new file (*out NULL:
 * db_open it when the results are there).  So a run that fails makes no
 * file, and never has one to take away that another run has written to
 * meanwhile.  0, or -1 with e. */
int db_open_or_check(struct db **out, const char *path, struct err *e);
void db_close(struct db *db);
/* Writes the run and all of m in one transaction; *run_id is its id
 * (run_id may be NULL).  On failure nothing of the run remains and the
 * database stays usable.  A registry with met_failed(m) set is refused:
 * its results are incomplete. */
int db_write_run(struct db *db, const struct db_run_info *info, const struct met_registry *m,
		 int64_t *run_id, struct err *e);

/* ---- reading, for reports (tiersim plot, validate hardware) ----
 *
 * The file a report is given may be anything: corrupt, not SQLite,
 * another program's database, or made to do harm (a view that never ends,
 * a schema that calls functions).  db_read_open opens it read-only with
 * SQLite's defences for untrusted files on ("Defense Against The Dark
 * Arts", sqlite.org/security.html: defensive mode, an untrusted schema, no
 * views, no triggers), and accepts it only when its schema version is one
 * this tiersim knows and runs, metrics, histograms, histogram_buckets and
 * series are tables with this schema's columns; otherwise ERR_INPUT naming
 * the file.  A report then queries the handle itself (and closes it with
 * sqlite3_close).  A file damaged beyond its schema still fails later, in
 * a query, with SQLite's message ("database disk image is malformed"). */
struct sqlite3;
int db_read_open(struct sqlite3 **out, const char *path, struct err *e);

/* "DB[:RUN]": a database file and, after its last ':', a run id of
 * decimal digits (1 or more).  The file into path (cap bytes), the id
 * into *run (0 when none is given).  0, or -1 (e filled, ERR_INPUT) for
 * an empty file name, a run id of 0 or beyond int64, or a file name too
 * long for path. */
int db_spec_parse(const char *spec, char *path, size_t cap, int64_t *run, struct err *e);

/* A run's row, as db_run_read reads it; strings are malloc'd, NULL when
 * the row's column is NULL. */
struct db_run {
	int64_t id;
	char *kind, *scenario_path, *scenario;
	uint64_t seed;
};

/* Reads run `id` (id > 0) or, with id 0, the latest run of kind `kind`
 * (any kind when NULL) from h (opened by db_read_open on path, which
 * messages name).  0, or -1 (e filled; ERR_INPUT when there is no such
 * run, saying which runs there are).  Free with db_run_free. */
int db_run_read(struct sqlite3 *h, const char *path, int64_t id, const char *kind, struct db_run *out,
		struct err *e);
void db_run_free(struct db_run *r);

#endif
