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
void db_close(struct db *db);
/* Writes the run and all of m in one transaction; *run_id is its id
 * (run_id may be NULL).  On failure nothing of the run remains and the
 * database stays usable.  A registry with met_failed(m) set is refused:
 * its results are incomplete. */
int db_write_run(struct db *db, const struct db_run_info *info, const struct met_registry *m,
		 int64_t *run_id, struct err *e);

#endif
