/*
 * results — runs and their metrics in SQLite; see results.h for the schema.
 *
 * Why SQLite: one file holds every run of a study, any tool can query it,
 * and a transaction makes a run appear whole or not at all.
 *
 * Writing.  db_write_run does BEGIN IMMEDIATE (taking the write lock up
 * front, waiting up to DB_BUSY_MS for another writer), inserts the run row
 * and every metric, histogram, bucket and sample through prepared
 * statements with bound parameters, and COMMITs; any failure ROLLs BACK, so
 * no half-written run is ever visible.  The database is in WAL mode while
 * a run writes it, so that readers (plots, reports) can query meanwhile,
 * and back in rollback-journal mode after (db_close).  Rows are
 * inserted in registry order and nothing but started_at and wall_seconds
 * comes from the wall clock, so the same registry gives the same rows.
 *
 * Values.  SQLite integers are signed 64-bit.  Counts, ns and bytes at or
 * below INT64_MAX (292 years, 8 EiB) are stored exactly as INTEGER; larger
 * ones as the nearest REAL, as SQLite itself does with large literals.  The
 * seed is an identifier, not a quantity, so it is stored exactly, as its 64
 * bits read as a signed integer: a seed >= 2^63 reads back negative (add
 * 2^64).  A NaN value (a ratio over an empty window) is stored as NULL —
 * SQL's "unknown" — in metrics.value and series.value; an empty histogram
 * has count 0 and NULL min, max, mean and percentiles.
 *
 * Schema versions.  PRAGMA user_version holds the schema version;
 * db_open creates version 1 in a fresh file and, when the schema changes,
 * will apply the steps in db_migrations[] in one transaction.  A file with a
 * newer version, or an existing SQLite file that is not a tiersim database,
 * is refused rather than touched; so is one with triggers, which would run
 * on our inserts (a file from elsewhere could make them loop for ever).
 *
 * Reading.  Reports open a database with db_read_open (results.h): read
 * only, SQLite's defences for untrusted files on, and the schema checked
 * (version, five real tables, every column) before the first run is read,
 * so that a corrupt or hostile file is an error naming it, never a crash
 * or a hang; tests/fuzz/fuzz_results.c feeds it such files.
 */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cfg.h"
#include "hist.h"

/* How long to wait for another writer (a parallel sweep writing into the
 * same file) to commit: a run commits in well under a second, so 10 s
 * rides out a queue of writers without hanging forever on a stuck one. */
#define DB_BUSY_MS 10000

/* Each step takes the schema from version i to i + 1. */
static const char *const db_migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('simulated', 'measured')),"
	"  started_at TEXT,"
	"  scenario_path TEXT,"
	"  scenario TEXT,"
	"  seed INTEGER,"
	"  version TEXT,"
	"  sim_seconds REAL,"
	"  wall_seconds REAL,"
	"  events INTEGER,"
	"  queue TEXT);"
	"CREATE TABLE metrics ("
	"  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  value REAL,"
	"  unit TEXT NOT NULL,"
	"  PRIMARY KEY (run, name)) WITHOUT ROWID;"
	"CREATE TABLE histograms ("
	"  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  unit TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  min INTEGER, max INTEGER, mean REAL,"
	"  p50 REAL, p90 REAL, p99 REAL, p999 REAL,"
	"  PRIMARY KEY (run, name)) WITHOUT ROWID;"
	"CREATE TABLE histogram_buckets ("
	"  run INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  lo INTEGER NOT NULL,"
	"  hi INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (run, name, lo),"
	"  FOREIGN KEY (run, name) REFERENCES histograms(run, name) ON DELETE CASCADE"
	") WITHOUT ROWID;"
	"CREATE TABLE series ("
	"  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  unit TEXT NOT NULL,"
	"  t_ns INTEGER NOT NULL,"
	"  value REAL);"
	/* Plots read one series of one run in time order. */
	"CREATE INDEX series_by_run_name_t ON series (run, name, t_ns);",
};
#define DB_SCHEMA_VERSION ((int)(sizeof db_migrations / sizeof db_migrations[0]))

struct db {
	sqlite3 *h;
	char *path;
	sqlite3_stmt *ins_run;
	sqlite3_stmt *ins_metric;
	sqlite3_stmt *ins_hist;
	sqlite3_stmt *ins_bucket;
	sqlite3_stmt *ins_series;
};

/* "PATH: WHAT: sqlite's message" */
static int db_fail(const struct db *db, struct err *e, const char *what)
{
	return err_set(e, ERR_FAIL, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

static int db_exec(struct db *db, const char *sql, const char *what, struct err *e)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, e, what);
	return 0;
}

static void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* The single integer a one-row query returns, e.g. PRAGMA user_version. */
static int db_query_int(struct db *db, const char *sql, int *out, struct err *e)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, e, "reading the schema");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, e, "reading the schema");
	return 0;
}

/* Brings the schema to DB_SCHEMA_VERSION.  The version is read again under
 * the write lock, so two processes opening a fresh file at once do not both
 * create the tables. */
static int db_migrate(struct db *db, struct err *e)
{
	int v, ntriggers;
	if (db_query_int(db, "PRAGMA user_version", &v, e) < 0 ||
	    db_query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", &ntriggers, e) < 0)
		return -1;
	if (ntriggers > 0)
		return err_set(e, ERR_INPUT,
			       "%s: the database has triggers, which tiersim does not make and will not run on "
			       "its inserts; give another file",
			       db->path);
	if (v == DB_SCHEMA_VERSION)
		return 0;
	if (db_exec(db, "BEGIN IMMEDIATE", "locking to set up the schema", e) < 0)
		return -1;
	if (db_query_int(db, "PRAGMA user_version", &v, e) < 0)
		goto fail;
	if (v > DB_SCHEMA_VERSION) {
		err_set(e, ERR_INPUT,
			"%s: results schema version %d is newer than this tiersim's (%d); use a newer tiersim "
			"or another file",
			db->path, v, DB_SCHEMA_VERSION);
		goto fail;
	}
	/* user_version is any 32-bit integer in a file from elsewhere; ours
	 * never go below 0, and a negative one would index db_migrations[]
	 * out of bounds below. */
	if (v < 0) {
		err_set(e, ERR_INPUT,
			"%s: an SQLite database that is not a tiersim results database (schema version %d); "
			"give a new file name",
			db->path, v);
		goto fail;
	}
	if (v == 0) {
		int ntables;
		if (db_query_int(db, "SELECT count(*) FROM sqlite_master", &ntables, e) < 0)
			goto fail;
		if (ntables > 0) {
			err_set(e, ERR_INPUT,
				"%s: an SQLite database that is not a tiersim results database; "
				"give a new file name",
				db->path);
			goto fail;
		}
	}
	for (; v < DB_SCHEMA_VERSION; v++) {
		char what[64], sql[64];
		snprintf(what, sizeof what, "upgrading the schema to version %d", v + 1);
		if (db_exec(db, db_migrations[v], what, e) < 0)
			goto fail;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (db_exec(db, sql, what, e) < 0)
			goto fail;
	}
	if (db_exec(db, "COMMIT", "committing the schema", e) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

static int db_prepare(struct db *db, sqlite3_stmt **st, const char *sql, struct err *e)
{
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return db_fail(db, e, "preparing statements");
	return 0;
}

int db_open(struct db **out, const char *path, struct err *e)
{
	*out = NULL;
	struct db *db = calloc(1, sizeof *db);
	size_t n = strlen(path) + 1;
	if (!db || !(db->path = malloc(n))) {
		free(db);
		return err_set(e, ERR_FAIL, "%s: out of memory", path);
	}
	memcpy(db->path, path, n);

	int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (db->h)
			db_fail(db, e, "cannot open");
		else
			err_set(e, ERR_FAIL, "%s: cannot open: %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	/* An existing file may come from anywhere: its schema calls no
	 * function with side effects (ours calls none), and db_migrate refuses
	 * one with triggers, which could run without end on our inserts. */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	/* The first statement reads the file: a non-database fails here. */
	if (db_exec(db, "PRAGMA journal_mode = WAL", "cannot use as a results database", e) < 0 ||
	    db_exec(db, "PRAGMA foreign_keys = ON", "enabling foreign keys", e) < 0 ||
	    db_migrate(db, e) < 0)
		goto fail;

	if (db_prepare(db, &db->ins_run,
		       "INSERT INTO runs (kind, started_at, scenario_path, scenario, seed, version,"
		       " sim_seconds, wall_seconds, events, queue) VALUES (?,?,?,?,?,?,?,?,?,?)",
		       e) < 0 ||
	    db_prepare(db, &db->ins_metric, "INSERT INTO metrics (run, name, value, unit) VALUES (?,?,?,?)", e) < 0 ||
	    db_prepare(db, &db->ins_hist,
		       "INSERT INTO histograms (run, name, unit, count, min, max, mean, p50, p90, p99, p999)"
		       " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
		       e) < 0 ||
	    db_prepare(db, &db->ins_bucket,
		       "INSERT INTO histogram_buckets (run, name, lo, hi, count) VALUES (?,?,?,?,?)", e) < 0 ||
	    db_prepare(db, &db->ins_series,
		       "INSERT INTO series (run, name, unit, t_ns, value) VALUES (?,?,?,?,?)", e) < 0)
		goto fail;
	*out = db;
	return 0;
fail:
	db_close(db);
	return -1;
}

int db_open_or_check(struct db **out, const char *path, struct err *e)
{
	*out = NULL;
	struct stat st;
	/* A directory, or a file under a path that is none, is a bad name
	 * (exit 2, as a bad --plot is), not a failure of the run's (it said
	 * "unable to open database file", exit 1). */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return err_set(e, ERR_INPUT, "%s: a directory: name the database file (e.g. %s/results.db)", path, path);
	if (access(path, F_OK) == 0 || (errno != ENOENT && errno != ENOTDIR))
		return db_open(out, path, e);
	char dir[4096];
	cfg_dir_of(path, dir, sizeof dir);
	if (stat(dir, &st) < 0)
		return err_set(e, errno == ENOENT || errno == ENOTDIR ? ERR_INPUT : ERR_FAIL, "%s: cannot create: %s: %s",
			       path, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_INPUT, "%s: cannot create: %s is not a directory", path, dir);
	if (access(dir, W_OK | X_OK) < 0)
		return err_set(e, ERR_FAIL, "%s: cannot create a file in %s: %s", path, dir, strerror(errno));
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->ins_run);
	sqlite3_finalize(db->ins_metric);
	sqlite3_finalize(db->ins_hist);
	sqlite3_finalize(db->ins_bucket);
	sqlite3_finalize(db->ins_series);
	/* Out of WAL mode when the last writer leaves (it fails, harmlessly,
	 * while another connection is open): the database is then one file
	 * again, which a reader opens read-only even in a directory it cannot
	 * write, and no -wal and -shm files are left beside it. */
	sqlite3_exec(db->h, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

/* ---- binding ---- */

static int db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* Exact up to INT64_MAX, the nearest REAL above (see the file comment). */
static int db_bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
	return sqlite3_bind_double(st, i, (double)v);
}

/* NaN is NULL ("unknown"); SQLite would store it as NULL anyway, this says
 * so on purpose. */
static int db_bind_real(sqlite3_stmt *st, int i, double v)
{
	return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

/* Runs an INSERT whose parameters are bound, and makes it ready for the
 * next one.  0, or -1 with e naming `what`. */
static int db_step(struct db *db, sqlite3_stmt *st, int bind_rc, const char *what, const char *name,
		   struct err *e)
{
	int rc = bind_rc == SQLITE_OK ? sqlite3_step(st) : bind_rc;
	if (rc != SQLITE_DONE) {
		err_set(e, ERR_FAIL, "%s: writing %s '%s': %s", db->path, what, name ? name : "",
			sqlite3_errmsg(db->h));
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

/* Folds the return codes of a series of binds: the first failure wins. */
#define DB_BIND(rc, call)                \
	do {                             \
		if ((rc) == SQLITE_OK)   \
			(rc) = (call);   \
	} while (0)

/* ---- writing ---- */

static int db_write_info(struct db *db, const struct db_run_info *info, struct err *e)
{
	sqlite3_stmt *st = db->ins_run;
	sqlite3_int64 seed;
	memcpy(&seed, &info->seed, sizeof seed); /* the 64 bits, exactly */
	int rc = SQLITE_OK;
	DB_BIND(rc, db_bind_text(st, 1, info->kind));
	DB_BIND(rc, db_bind_text(st, 2, info->started_at));
	DB_BIND(rc, db_bind_text(st, 3, info->scenario_path));
	DB_BIND(rc, db_bind_text(st, 4, info->scenario));
	DB_BIND(rc, sqlite3_bind_int64(st, 5, seed));
	DB_BIND(rc, db_bind_text(st, 6, info->version));
	DB_BIND(rc, db_bind_real(st, 7, info->sim_seconds));
	DB_BIND(rc, db_bind_real(st, 8, info->wall_seconds));
	DB_BIND(rc, db_bind_u64(st, 9, info->events));
	DB_BIND(rc, db_bind_text(st, 10, info->queue));
	return db_step(db, st, rc, "run", info->kind, e);
}

static int db_write_hist(struct db *db, int64_t run, const struct met_named_hist *nh, struct err *e)
{
	static const double q[] = {0.5, 0.9, 0.99, 0.999};
	const struct hist *h = nh->h;
	sqlite3_stmt *st = db->ins_hist;
	uint64_t count = hist_count(h);
	int rc = SQLITE_OK;
	DB_BIND(rc, sqlite3_bind_int64(st, 1, run));
	DB_BIND(rc, db_bind_text(st, 2, nh->name));
	DB_BIND(rc, db_bind_text(st, 3, nh->unit));
	DB_BIND(rc, db_bind_u64(st, 4, count));
	if (count > 0) { /* else min .. p999 stay NULL */
		DB_BIND(rc, db_bind_u64(st, 5, hist_min(h)));
		DB_BIND(rc, db_bind_u64(st, 6, hist_max(h)));
		DB_BIND(rc, db_bind_real(st, 7, hist_mean(h)));
		for (int i = 0; i < 4; i++)
			DB_BIND(rc, db_bind_real(st, 8 + i, hist_quantile(h, q[i])));
	}
	if (db_step(db, st, rc, "histogram", nh->name, e) < 0)
		return -1;

	size_t cursor = 0;
	uint64_t lo, hi, n;
	st = db->ins_bucket;
	while (hist_next_bucket(h, &cursor, &lo, &hi, &n)) {
		rc = SQLITE_OK;
		DB_BIND(rc, sqlite3_bind_int64(st, 1, run));
		DB_BIND(rc, db_bind_text(st, 2, nh->name));
		DB_BIND(rc, db_bind_u64(st, 3, lo));
		DB_BIND(rc, db_bind_u64(st, 4, hi));
		DB_BIND(rc, db_bind_u64(st, 5, n));
		if (db_step(db, st, rc, "histogram bucket of", nh->name, e) < 0)
			return -1;
	}
	return 0;
}

static int db_write_series(struct db *db, int64_t run, const struct met_series *s, struct err *e)
{
	sqlite3_stmt *st = db->ins_series;
	for (size_t i = 0; i < s->n; i++) {
		int rc = SQLITE_OK;
		DB_BIND(rc, sqlite3_bind_int64(st, 1, run));
		DB_BIND(rc, db_bind_text(st, 2, s->name));
		DB_BIND(rc, db_bind_text(st, 3, s->unit));
		DB_BIND(rc, db_bind_u64(st, 4, s->t_ns[i]));
		DB_BIND(rc, db_bind_real(st, 5, s->v[i]));
		if (db_step(db, st, rc, "series", s->name, e) < 0)
			return -1;
	}
	return 0;
}

static int db_write_rows(struct db *db, const struct db_run_info *info, const struct met_registry *m,
			 int64_t *run_id, struct err *e);

int db_write_run(struct db *db, const struct db_run_info *info, const struct met_registry *m,
		 int64_t *run_id, struct err *e)
{
	if (met_failed(m))
		return err_set(e, ERR_FAIL,
			       "%s: not writing the run: the metrics registry ran out of memory during it, "
			       "so its results are incomplete",
			       db->path);
	/* The rows reference the run row and the histograms this function
	 * has just written, so checking each one's parent proves nothing;
	 * on a 100-node run those lookups were a fifth of the write
	 * (callgrind).  The pragma cannot change inside a transaction, so it
	 * goes off around it, and on again for whatever the connection does
	 * next. */
	if (db_exec(db, "PRAGMA foreign_keys = OFF", "pausing foreign-key checks", e) < 0)
		return -1;
	int rc = db_write_rows(db, info, m, run_id, e);
	if (db_exec(db, "PRAGMA foreign_keys = ON", "enabling foreign keys", rc < 0 ? NULL : e) < 0)
		rc = -1;
	return rc;
}

static int db_write_rows(struct db *db, const struct db_run_info *info, const struct met_registry *m,
			 int64_t *run_id, struct err *e)
{
	if (db_exec(db, "BEGIN IMMEDIATE", "starting the run's transaction", e) < 0)
		return -1;
	if (db_write_info(db, info, e) < 0)
		goto fail;
	int64_t run = sqlite3_last_insert_rowid(db->h);

	for (size_t i = 0; i < met_nscalars(m); i++) {
		const struct met_scalar *sc = met_scalar_at(m, i);
		sqlite3_stmt *st = db->ins_metric;
		int rc = SQLITE_OK;
		DB_BIND(rc, sqlite3_bind_int64(st, 1, run));
		DB_BIND(rc, db_bind_text(st, 2, sc->name));
		DB_BIND(rc, db_bind_real(st, 3, sc->value));
		DB_BIND(rc, db_bind_text(st, 4, sc->unit));
		if (db_step(db, st, rc, "metric", sc->name, e) < 0)
			goto fail;
	}
	for (size_t i = 0; i < met_nhists(m); i++)
		if (db_write_hist(db, run, met_hist_at(m, i), e) < 0)
			goto fail;
	for (size_t i = 0; i < met_nseries(m); i++)
		if (db_write_series(db, run, met_series_at(m, i), e) < 0)
			goto fail;

	if (db_exec(db, "COMMIT", "committing the run", e) < 0)
		goto fail;
	if (run_id)
		*run_id = run;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* ---- reading ---- */

/* Every column of the schema (version DB_SCHEMA_VERSION), by table: a
 * report's query must prepare against a file that passes. */
static const char *const db_read_probes[] = {
	("SELECT id, kind, started_at, scenario_path, scenario, seed, version, sim_seconds, wall_seconds, events,"
	 " queue FROM runs LIMIT 0"),
	"SELECT run, name, value, unit FROM metrics LIMIT 0",
	"SELECT run, name, unit, count, min, max, mean, p50, p90, p99, p999 FROM histograms LIMIT 0",
	"SELECT run, name, lo, hi, count FROM histogram_buckets LIMIT 0",
	"SELECT run, name, unit, t_ns, value FROM series LIMIT 0",
};

/* The one integer of a one-row query on h: 0, or -1. */
static int db_read_int(sqlite3 *h, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int db_read_open(struct sqlite3 **out, const char *path, struct err *e)
{
	*out = NULL;
	struct stat sb;
	if (stat(path, &sb) < 0)
		return err_set(e, ERR_INPUT, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return err_set(e, ERR_INPUT, "%s: not a file", path);
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		err_set(e, ERR_INPUT, "%s: cannot open: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return -1;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, DB_BUSY_MS);
	/* The defences, before the first statement reads the schema. */
	sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);

	sqlite3_int64 version = 0, tables = 0;
	if (db_read_int(h, "PRAGMA user_version", &version) < 0) {
		/* What the environment does (a writer holding the database, a
		 * directory that the WAL's index cannot be made in) is not a
		 * foreign file: both were called "not a tiersim results
		 * database", exit 2. */
		int rc = sqlite3_errcode(h) & 0xff;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			err_set(e, ERR_FAIL, "%s: locked by another process for longer than %d s (%s); try again when it "
					     "is done", path, DB_BUSY_MS / 1000, sqlite3_errmsg(h));
		else if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR || rc == SQLITE_PERM)
			err_set(e, ERR_FAIL, "%s: cannot be read here (%s): a database in WAL mode needs its directory "
					     "writable, for the -shm file beside it; copy it somewhere writable",
				path, sqlite3_errmsg(h));
		else
			err_set(e, ERR_INPUT, "%s: not a tiersim results database (%s)", path, sqlite3_errmsg(h));
		goto fail;
	}
	if (version > DB_SCHEMA_VERSION) {
		err_set(e, ERR_INPUT,
			"%s: results schema version %lld is newer than this tiersim's (%d); use a newer tiersim",
			path, (long long)version, DB_SCHEMA_VERSION);
		goto fail;
	}
	int ok = version >= 1 &&
		 db_read_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
				" ('runs', 'metrics', 'histograms', 'histogram_buckets', 'series')",
			     &tables) == 0 &&
		 tables == 5;
	for (size_t i = 0; ok && i < sizeof db_read_probes / sizeof db_read_probes[0]; i++) {
		sqlite3_stmt *st;
		ok = sqlite3_prepare_v2(h, db_read_probes[i], -1, &st, NULL) == SQLITE_OK;
		sqlite3_finalize(st);
	}
	if (!ok) {
		err_set(e, ERR_INPUT, "%s: an SQLite file that is not a tiersim results database", path);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	sqlite3_close(h);
	return -1;
}

int db_spec_parse(const char *spec, char *path, size_t cap, int64_t *run, struct err *e)
{
	size_t n = strlen(spec);
	*run = 0;
	const char *colon = strrchr(spec, ':');
	if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
		uint64_t id = 0;
		for (const char *d = colon + 1; *d; d++) {
			if (id > ((uint64_t)INT64_MAX - (uint64_t)(*d - '0')) / 10)
				return err_set(e, ERR_INPUT, "%.200s: run %.40s is not a run id (1, 2, ...)", spec,
					       colon + 1);
			id = id * 10 + (uint64_t)(*d - '0');
		}
		if (id == 0)
			return err_set(e, ERR_INPUT, "%.200s: run 0 is not a run id (they start at 1)", spec);
		*run = (int64_t)id;
		n = (size_t)(colon - spec);
	}
	else if (colon && access(spec, F_OK) != 0) {
		/* "r.db:abc", "r.db:-1", "r.db:" when r.db is there: a run id
		 * that is not one, not a file called "r.db:abc". */
		char base[4096];
		size_t bn = (size_t)(colon - spec);
		if (bn > 0 && bn < sizeof base) {
			memcpy(base, spec, bn);
			base[bn] = '\0';
			if (access(base, F_OK) == 0)
				return err_set(e, ERR_INPUT, "%.200s: '%.40s' is not a run id (1, 2, ...)", spec,
					       colon + 1);
		}
	}
	if (n == 0)
		return err_set(e, ERR_INPUT, "%.200s: no database file before the run id", spec);
	if (n >= cap)
		return err_set(e, ERR_INPUT, "%.200s...: file name too long (at most %zu bytes)", spec, cap - 1);
	memcpy(path, spec, n);
	path[n] = '\0';
	return 0;
}

/* A text column, copied; NULL when NULL (or out of memory: *oom set). */
static char *db_column_dup(sqlite3_stmt *st, int i, int *oom)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (!t)
		return NULL;
	char *s = strdup((const char *)t);
	if (!s)
		*oom = 1;
	return s;
}

int db_run_read(struct sqlite3 *h, const char *path, int64_t id, const char *kind, struct db_run *out,
		struct err *e)
{
	memset(out, 0, sizeof *out);
	const char *sql = id > 0     ? "SELECT id, kind, scenario_path, scenario, seed FROM runs WHERE id = ?1"
			  : kind     ? "SELECT id, kind, scenario_path, scenario, seed FROM runs WHERE kind = ?2"
				       " ORDER BY id DESC LIMIT 1"
				     : "SELECT id, kind, scenario_path, scenario, seed FROM runs ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return err_set(e, ERR_INPUT, "%s: reading the runs: %s", path, sqlite3_errmsg(h));
	if (id > 0)
		sqlite3_bind_int64(st, 1, id);
	else if (kind)
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int oom = 0;
		out->id = sqlite3_column_int64(st, 0);
		out->kind = db_column_dup(st, 1, &oom);
		out->scenario_path = db_column_dup(st, 2, &oom);
		out->scenario = db_column_dup(st, 3, &oom);
		out->seed = (uint64_t)sqlite3_column_int64(st, 4);
		sqlite3_finalize(st);
		if (oom) {
			db_run_free(out);
			return err_set(e, ERR_FAIL, "%s: out of memory", path);
		}
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(e, ERR_INPUT, "%s: reading the runs: %s", path, sqlite3_errmsg(h));
	/* No such run: say which there are. */
	sqlite3_int64 nruns = 0, lo = 0, hi = 0;
	if (db_read_int(h, "SELECT count(*) FROM runs", &nruns) < 0 ||
	    db_read_int(h, "SELECT min(id) FROM runs", &lo) < 0 || db_read_int(h, "SELECT max(id) FROM runs", &hi) < 0)
		return err_set(e, ERR_INPUT, "%s: reading the runs: %s", path, sqlite3_errmsg(h));
	if (id > 0 && nruns == 0)
		return err_set(e, ERR_INPUT, "%s: no run %lld (the database holds no runs)", path, (long long)id);
	if (id > 0)
		return err_set(e, ERR_INPUT, "%s: no run %lld (runs %lld to %lld)", path, (long long)id, (long long)lo,
			       (long long)hi);
	if (nruns == 0)
		return err_set(e, ERR_INPUT, "%s: holds no runs", path);
	return err_set(e, ERR_INPUT, "%s: no %.40s run (%lld of other kinds)", path, kind ? kind : "",
		       (long long)nruns);
}

void db_run_free(struct db_run *r)
{
	free(r->kind);
	free(r->scenario_path);
	free(r->scenario);
	r->kind = r->scenario_path = r->scenario = NULL;
}
