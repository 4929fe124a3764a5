/*
 * tiersim validate hardware — the hardware rung of the validation ladder
 * (DESIGN.md, rung 4): a run measured by `tierref run` is simulated again,
 * with the devices described by a preset that `tierref probe` measured, and
 * every metric both runs have is compared, measured against predicted.
 *
 * Method.
 *   1. The measured run (kind 'measured') gives its scenario text, the
 *      scenario's path (files it names, such as the trace, are relative to
 *      its folder) and its seed.
 *   2. The preset is merged into the scenario at the cfg level: a preset
 *      [tier NAME] section describes that tier's device, so when it names a
 *      model its keys replace all the model keys of the scenario's [tier
 *      NAME] (the data-path keys -- capacity, policy, write, ... -- stay the
 *      scenario's); without a model key, and for [cluster] and [client]
 *      (the node's client threads, models/client.h), its keys replace
 *      same-named keys and add the others, and the section is added when
 *      the scenario has none.  The preset is checked on its
 *      own first (each tier's model keys parsed as tiersim parses them), so
 *      its errors name the preset's file and line.  The merged document is
 *      written back to INI text and parsed again: the simulated run is
 *      `tiersim run` of exactly that text (run_tiered.h, the same code path),
 *      and --out records it.
 *   3. Rows.  Exact rows -- hits, misses, hit ratios and bytes per tier,
 *      requests and bytes of the replay, a job's bytes and checkpoints --
 *      come from the same logic on the same trace and must agree exactly
 *      (the scenario must not let timing reorder requests: closed loop,
 *      outstanding = 1, or open with no overlap); any difference fails.
 *      Timing rows get the error (predicted - measured) / measured against
 *      the goals of issue 5: throughput (tier.*.read_bandwidth, ...) 10%,
 *      p50 latency 15%, p99 latency 30% (tier.*.read_latency,
 *      backend.*.write.latency, replay.latency, job histograms), AU and the
 *      stall share (stall_s / wall_s) 3 percentage points.
 *   4. The machine (text format only, print_conditions): the run's
 *      content work against the model's charge for it; a note for each
 *      under COND_SLOW.  Then the file tiers' opens and creates, the
 *      run's against the model's (print_files), with a note for each kind
 *      the model makes under COND_SLOW of the run's time.  Then each hot
 *      tier instance's disk (print_disk): the block device's busy time in
 *      the run (io_ticks, refimpl/realtiers.h) against the model drive's
 *      transfer stages (models/nvme.c, PREFIX.transfer.busy), with its
 *      writes and discards, and a note when the model's is off by more
 *      than COND_DISK.  Informational: never a row, never a failure.
 *   Exit 0 only when every row passes, 1 otherwise, 2 on bad input.
 *
 * --plot DIR: validate.dat (the rows) and, with gnuplot on PATH,
 * validate.png and validate.svg: predicted against measured, log-log, a
 * panel per kind of row (throughput in MB/s and in requests/s apart),
 * with the line y = x, the goal bands, and the names of the rows that
 * miss their goals.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "models/client.h"
#include "models/net.h"
#include "models/tiered.h"
#include "run_tiered.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/results.h"
#include "sim/table.h"
#include "sim/units.h"

#define CMD "validate hardware"
#define SLICE_NS 100000000ull

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim validate hardware --measured DB[:RUN] --preset FILE.ini [--out sim.db]\n"
		"                                 [--trace FILE] [--format text|csv|json] [--plot DIR]\n\n"
		"Simulates the scenario of a run measured by `tierref run` (kind 'measured'; RUN: its id,\n"
		"default the last measured run in DB), with the devices of a preset (`tierref probe`):\n"
		"a preset [tier NAME] with a model replaces that tier's model keys, other preset keys\n"
		"replace or add same-named keys.  Prints per metric measured, predicted and error:\n"
		"hits, misses, hit ratios and bytes per tier must agree exactly; throughput within 10%%,\n"
		"p50 latency within 15%%, p99 within 30%%, AU and stall share within 3 points.\n"
		"Then (text format) the run's content work (checks, generation) against the model's\n"
		"charge for it (cpu_check_*, cpu_fill_*), a note for each under 85%%: the machine's\n"
		"speed, run against probe.\n"
		"Exit status: 0 every row passes, 1 some row fails, 2 bad input.\n\n"
		"  --measured DB[:RUN]  the measured results database (and run id)\n"
		"  --preset FILE        the device preset (tierref probe --out FILE)\n"
		"  --out FILE           also record the simulated run in FILE\n"
		"  --trace FILE         the trace, when the one the run replayed cannot be found (it has moved)\n"
		"  --format F           text (default), csv or json\n"
		"  --plot DIR           write validate.dat, validate.png and validate.svg (gnuplot) into DIR\n");
}

/* ---- the measured run ---- */

struct mrun {
	sqlite3 *db;
	int64_t id;
	char *scenario, *path;
	uint64_t seed;
};

/* Opens the measured run of --measured DB[:RUN]: the run given, else the
 * last measured run (results.h, db_read_open: a hostile file is refused). */
static int mrun_open(struct mrun *r, const char *spec, struct err *e)
{
	char file[PATH_MAX];
	struct db_run run;
	if (db_spec_parse(spec, file, sizeof file, &r->id, e) < 0)
		return err_prefix(e, "--measured ");
	if (db_read_open(&r->db, file, e) < 0)
		return err_prefix(e, "--measured ");
	if (db_run_read(r->db, file, r->id, "measured", &run, e) < 0) {
		if (r->id == 0 && e->code == ERR_INPUT) {
			size_t n = strlen(e->msg);
			snprintf(e->msg + n, sizeof e->msg - n, "; tierref run --out %.200s records one", file);
		}
		return -1;
	}
	r->id = run.id;
	int rc = 0;
	if (!run.kind || strcmp(run.kind, "measured") != 0) {
		rc = err_set(e, ERR_INPUT, "%s: run %lld is of kind '%s', not 'measured' (a tierref run)", file,
			     (long long)r->id, run.kind ? run.kind : "?");
	} else {
		r->scenario = run.scenario ? run.scenario : strdup("");
		r->path = run.scenario_path ? run.scenario_path : strdup("scenario");
		run.scenario = run.scenario_path = NULL;
		r->seed = run.seed;
		if (!r->scenario || !r->path)
			rc = err_set(e, ERR_FAIL, "out of memory");
	}
	db_run_free(&run);
	return rc;
}

static void mrun_close(struct mrun *r)
{
	sqlite3_close(r->db);
	free(r->scenario);
	free(r->path);
}

/* A query of the measured run (?1) by a name or pattern (?2), stepped to
 * its first row: the statement (to finalize), NULL when there is none. */
static sqlite3_stmt *mrun_row(const struct mrun *r, const char *sql, const char *name)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			return st;
	}
	sqlite3_finalize(st);
	return NULL;
}

/* A measured scalar, NaN when absent or NULL. */
static double mrun_scalar(const struct mrun *r, const char *name)
{
	sqlite3_stmt *st = mrun_row(r, "SELECT value FROM metrics WHERE run = ?1 AND name = ?2", name);
	double v = st && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_double(st, 0) : NAN;
	sqlite3_finalize(st);
	return v;
}

/* What kept the measured run from running clean, into buf ("" if
 * nothing): failed operations, failed requests, wrong bytes, a cut at
 * `until` or a signal.  Its counts then depend on timing (what failed,
 * what was in flight at the cut), so its exact rows need not agree. */
static void mrun_troubles(const struct mrun *r, char *buf, size_t n)
{
	buf[0] = '\0';
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(r->db,
			       "SELECT name, value FROM metrics WHERE run = ?1 AND value > 0 AND (name GLOB "
			       "'tier.*.errors' OR name GLOB 'job.*.io_errors' OR name IN ('replay.failed', "
			       "'verify.mismatches', 'run.interrupted', 'run.cut_seconds', 'run.cut_inflight')) "
			       "ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_bind_int64(st, 1, r->id);
	size_t len = 0;
	while (sqlite3_step(st) == SQLITE_ROW && len + 1 < n) {
		int w = snprintf(buf + len, n - len, "%s%s %g", len ? ", " : "", (const char *)sqlite3_column_text(st, 0),
				 sqlite3_column_double(st, 1));
		if (w < 0)
			break;
		len = len + (size_t)w < n ? len + (size_t)w : n - 1;
	}
	sqlite3_finalize(st);
}

/* The sum of the measured run's metrics whose names match glob. */
static double mrun_sum(const struct mrun *r, const char *glob)
{
	sqlite3_stmt *st = mrun_row(r, "SELECT total(value) FROM metrics WHERE run = ?1 AND name GLOB ?2", glob);
	double v = st ? sqlite3_column_double(st, 0) : 0;
	sqlite3_finalize(st);
	return v;
}

/* The sum of the predicted scalars whose names match glob. */
static double pred_sum(const struct met_registry *m, const char *glob)
{
	double v = 0;
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const struct met_scalar *sc = met_scalar_at(m, i);
		if (fnmatch(glob, sc->name, 0) == 0)
			v += sc->value;
	}
	return v;
}

/* A measured histogram's count, p50 and p99: 0 if absent or empty. */
static int mrun_hist(const struct mrun *r, const char *name, double *p50, double *p99)
{
	sqlite3_stmt *st = mrun_row(r, "SELECT count, p50, p99 FROM histograms WHERE run = ?1 AND name = ?2", name);
	int found = st && sqlite3_column_int64(st, 0) > 0;
	if (found) {
		*p50 = sqlite3_column_double(st, 1);
		*p99 = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	return found;
}

/* ---- the merge ---- */

/* The keys of a [tier] section that describe the data path, not the
 * device (models/tiered.h): a preset's model leaves them alone. */
static const char *const path_keys[] = { "model",     "scope",    "capacity",  "policy",   "admission", "write",
					 "dirty_budget", "drain_depth", "metadata", "meta_kind", "meta_ttl", NULL };

static int is_path_key(const char *k)
{
	for (size_t i = 0; path_keys[i]; i++)
		if (strcmp(k, path_keys[i]) == 0)
			return 1;
	return 0;
}

static const char *kv_value(struct cfg_section *s, const char *key)
{
	for (size_t i = 0; i < s->nkv; i++)
		if (strcmp(s->kv[i].key, key) == 0)
			return s->kv[i].value;
	return NULL;
}

/* Every preset section is [tier NAME] of a tier the scenario has,
 * [cluster] or [client]; every tier's model keys, and the client's keys,
 * parse as tiersim parses them. */
static int preset_check(struct cfg_doc *p, struct cfg_doc *sc, struct err *e)
{
	for (size_t i = 0; i < p->nsec; i++) {
		struct cfg_section *s = &p->sec[i];
		if (strcmp(s->type, "cluster") == 0 && !s->name[0]) {
			/* Checked here, where its file and lines are the
			 * preset's: the merged text's lines exist nowhere. */
			struct net_params np;
			uint64_t chunk = 1;
			if (net_from_cfg(p, s, &np, e) < 0 || cfg_bytes(p, s, "chunk", &chunk, e) < 0)
				return -1;
			if (chunk == 0 || chunk > POL_MAX_OBJ_BYTES)
				return cfg_error(p, s, cfg_key(s, "chunk"), e, "must be 1 byte to 4 GiB");
			continue;
		}
		if (strcmp(s->type, "client") == 0 && !s->name[0]) {
			struct client_params cp;
			if (client_from_cfg(p, &cp, e) < 0)
				return -1;
			continue;
		}
		if (strcmp(s->type, "tier") != 0 || !s->name[0])
			return err_set(e, ERR_INPUT,
				       "%s:%d: [%s%s%s]: a preset holds [tier NAME], [cluster] and [client] sections",
				       p->path, s->line, s->type, s->name[0] ? " " : "", s->name);
		struct cfg_section *t = cfg_find(sc, "tier", s->name);
		if (!t)
			return err_set(e, ERR_INPUT, "%s:%d: [tier %s]: the measured scenario has no tier '%s'", p->path,
				       s->line, s->name, s->name);
		const char *model = NULL;
		if (cfg_string(p, s, "model", &model, e) < 0)
			return -1;
		if (!model)
			model = kv_value(t, "model");
		if (!model)
			return err_set(e, ERR_INPUT, "%s:%d: [tier %s]: no model (neither the preset nor the scenario names one)",
				       p->path, s->line, s->name);
		if (tiered_check_model_keys(p, s, model, e) < 0)
			return -1;
		for (size_t k = 0; k < s->nkv; k++)
			if (is_path_key(s->kv[k].key))
				s->kv[k].used = 1;
	}
	return cfg_check_unused(p, e);
}

/* A new, empty section of sc like s; NULL when out of memory. */
static struct cfg_section *sec_add(struct cfg_doc *sc, const struct cfg_section *s)
{
	struct cfg_section *ns = realloc(sc->sec, (sc->nsec + 1) * sizeof *ns);
	if (!ns)
		return NULL;
	sc->sec = ns;
	struct cfg_section *t = &sc->sec[sc->nsec];
	*t = (struct cfg_section){ .type = strdup(s->type), .name = strdup(s->name), .line = s->line };
	if (!t->type || !t->name) {
		free(t->type);
		free(t->name);
		return NULL;
	}
	sc->nsec++;
	return t;
}

/* Applies preset p to scenario sc (both checked). */
static int preset_apply(struct cfg_doc *sc, struct cfg_doc *p, struct err *e)
{
	for (size_t i = 0; i < p->nsec; i++) {
		struct cfg_section *s = &p->sec[i];
		struct cfg_section *t = cfg_find(sc, s->type, s->name[0] ? s->name : NULL);
		if (!t && !(t = sec_add(sc, s))) /* [cluster] or [client] the scenario lacks */
			return err_set(e, ERR_FAIL, "out of memory");
		if (strcmp(s->type, "tier") == 0 && kv_value(s, "model")) {
			size_t w = 0;
			for (size_t k = 0; k < t->nkv; k++) {
				if (is_path_key(t->kv[k].key)) {
					t->kv[w++] = t->kv[k];
				} else {
					free(t->kv[k].key);
					free(t->kv[k].value);
				}
			}
			t->nkv = w;
		}
		for (size_t k = 0; k < s->nkv; k++)
			if (cfg_set(t, s->kv[k].key, s->kv[k].value, s->kv[k].line) < 0)
				return err_set(e, ERR_FAIL, "out of memory");
	}
	return 0;
}

/* ---- the simulated run ---- */

/* Simulates doc (files relative to dir) with seed; fills m.  With out,
 * records the run there.  -1 and e filled on failure. */
static int simulate(struct cfg_doc *doc, const char *dir, uint64_t seed, struct met_registry *m, const char *out,
		    const char *label, struct err *e)
{
	struct trun_spec spec;
	struct ev_engine *eng = NULL;
	struct trun *tr = NULL;
	struct db *db = NULL;
	int rc = -1;
	if (!tiered_is_tiered(doc)) {
		err_set(e, ERR_INPUT, "%s: no [tier] sections: not a tiered scenario", label);
		goto out;
	}
	if (trun_read_run(doc, &spec, e) < 0)
		goto out;
	if (!(eng = ev_engine_new(NULL))) {
		err_set(e, ERR_FAIL, "out of memory");
		goto out;
	}
	struct exec x = ev_executor(eng);
	if (trun_build(&tr, doc, dir, &x, seed, trun_stop_engine, eng, e) < 0)
		goto out;
	if (out && db_open(&db, out, e) < 0)
		goto out;
	if (trun_start(tr, &x, m, spec.sample_ns, e) < 0)
		goto out;
	char started[32];
	trun_iso_now(started, sizeof started);
	double t0 = trun_wall_seconds();
	for (uint64_t t = SLICE_NS;; t += SLICE_NS) {
		uint64_t until = spec.until_ns != UINT64_MAX && t > spec.until_ns ? spec.until_ns : t;
		int r = ev_run(eng, until, e);
		if (r < 0)
			goto out;
		if (r != EV_UNTIL || until == spec.until_ns)
			break;
	}
	uint64_t end_ns = ev_now(eng);
	met_sample_now(m, end_ns);
	/* Cut at [run] until: stopped as tierref stops it, then drained. */
	if (trun_active(tr))
		trun_stop(tr);
	if (trun_drain(tr, eng, m, UINT64_MAX, e) < 0)
		goto out;
	end_ns = ev_now(eng); /* rates over the run and its drain, as tierref counts them */
	met_sample_now(m, end_ns);
	if (trun_export(tr, m, end_ns, e) < 0)
		goto out;
	if (met_failed(m)) {
		err_set(e, ERR_FAIL, "out of memory collecting metrics");
		goto out;
	}
	if (db) {
		struct db_run_info info = {
			.kind = "simulated",
			.started_at = started,
			.scenario_path = label,
			.scenario = doc->text,
			.seed = seed,
			.version = TIERSIM_VERSION,
			.sim_seconds = end_ns / 1e9,
			.wall_seconds = trun_wall_seconds() - t0,
			.events = ev_events_run(eng),
			.queue = ev_queue_name(eng),
		};
		if (db_write_run(db, &info, m, NULL, e) < 0)
			goto out;
	}
	rc = 0;
out:
	db_close(db);
	trun_free(tr);
	ev_engine_free(eng);
	return rc;
}

/* ---- the rows ---- */

enum row_kind { R_EXACT, R_TPUT, R_P50, R_P99, R_POINTS, R_NKINDS };
static const char *const kind_name[] = { "exact", "throughput", "p50", "p99", "points" };
static const double kind_goal[] = { 0, 10, 15, 30, 3 };

struct row {
	char name[200];
	enum row_kind kind;
	double measured, predicted;
	const char *unit;
	double error;      /* %, or points for R_POINTS */
	int pass;
};

struct rows {
	struct row *r;
	size_t n, cap;
};

static int rows_add(struct rows *rs, const char *name, enum row_kind k, double meas, double pred, const char *unit)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct row *r = realloc(rs->r, cap * sizeof *r);
		if (!r)
			return -1;
		rs->r = r;
		rs->cap = cap;
	}
	struct row *r = &rs->r[rs->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->kind = k;
	r->measured = meas;
	r->predicted = pred;
	r->unit = unit;
	if (k == R_EXACT) {
		r->error = meas != 0 ? 100 * (pred - meas) / meas : (pred != 0 ? INFINITY : 0);
		r->pass = !isnan(meas) && !isnan(pred) && fabs(pred - meas) <= 1e-12 * fmax(1, fabs(meas));
	} else if (k == R_POINTS) {
		r->error = 100 * (pred - meas);
		r->pass = isfinite(r->error) && fabs(r->error) <= kind_goal[k];
	} else {
		r->error = 100 * (pred - meas) / meas;
		r->pass = isfinite(r->error) && fabs(r->error) <= kind_goal[k];
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Which scalar rows a metric gives: its kind, or -1 for none. */
static int scalar_kind(const char *name)
{
	static const char *const tier_exact[] = { ".hits", ".misses", ".hit_ratio", ".read_bytes", ".write_bytes",
						  ".fill_bytes", ".writeback_bytes", NULL };
	static const char *const replay_exact[] = { "replay.requests", "replay.completed", "replay.failed",
						    "replay.read_bytes", "replay.write_bytes", NULL };
	static const char *const job_exact[] = { ".steps", ".samples", ".bytes_read", ".checkpoints",
						 ".checkpoint_bytes", ".restores", ".restore_bytes", ".io_errors", ".requests",
						 /* model load */ ".loads", ".bytes",
						 /* KV cache: by trace order, not timing (joins and HBM hits are) */
						 ".block_refs", ".block_hits", ".block_misses", ".store_bytes", NULL };
	if (starts_with(name, "tier.")) {
		for (size_t i = 0; tier_exact[i]; i++)
			if (ends_with(name, tier_exact[i]))
				return R_EXACT;
		if (ends_with(name, ".read_bandwidth") || ends_with(name, ".write_bandwidth"))
			return R_TPUT;
		return -1;
	}
	for (size_t i = 0; replay_exact[i]; i++)
		if (strcmp(name, replay_exact[i]) == 0)
			return R_EXACT;
	if (strcmp(name, "replay.throughput") == 0)
		return R_TPUT;
	if (strcmp(name, "client.cpu.busy") == 0) /* the client's threads (models/client.h) */
		return R_POINTS;
	if (starts_with(name, "job.") && strchr(name + 4, '.') == strrchr(name, '.')) {
		for (size_t i = 0; job_exact[i]; i++)
			if (ends_with(name, job_exact[i]))
				return R_EXACT;
		if (ends_with(name, ".au"))
			return R_POINTS;
	}
	return -1;
}

static int hist_wanted(const struct met_named_hist *h)
{
	if (strcmp(h->unit, "ns") != 0)
		return 0;
	return (starts_with(h->name, "tier.") && ends_with(h->name, ".read_latency")) ||
	       (starts_with(h->name, "backend.") && ends_with(h->name, ".write.latency")) ||
	       strcmp(h->name, "replay.latency") == 0 || starts_with(h->name, "job.");
}

static int build_rows(const struct mrun *mr, const struct met_registry *m, struct rows *rs)
{
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const struct met_scalar *s = met_scalar_at(m, i);
		int k = scalar_kind(s->name);
		if (k < 0)
			continue;
		double meas = mrun_scalar(mr, s->name);
		/* Timing rows of an idle tier say nothing: skipped. */
		if (k != R_EXACT && (isnan(meas) || (meas == 0 && s->value == 0)))
			continue;
		if (rows_add(rs, s->name, k, meas, s->value, s->unit) < 0)
			return -1;
		if (k == R_POINTS && ends_with(s->name, ".au")) { /* the stall share beside the AU */
			char job[160], n[200];
			snprintf(job, sizeof job, "%.*s", (int)(strlen(s->name) - 3), s->name);
			snprintf(n, sizeof n, "%s.stall_s", job);
			double ms = mrun_scalar(mr, n);
			const struct met_scalar *ps = met_find(m, n);
			snprintf(n, sizeof n, "%s.wall_s", job);
			double mw = mrun_scalar(mr, n);
			const struct met_scalar *pw = met_find(m, n);
			if (ps && pw && mw > 0 && pw->value > 0) {
				snprintf(n, sizeof n, "%s.stall_share", job);
				if (rows_add(rs, n, R_POINTS, ms / mw, ps->value / pw->value, "ratio") < 0)
					return -1;
			}
		}
	}
	for (size_t i = 0; i < met_nhists(m); i++) {
		const struct met_named_hist *h = met_hist_at(m, i);
		double p50, p99;
		if (!hist_wanted(h) || !hist_count(h->h) || !mrun_hist(mr, h->name, &p50, &p99))
			continue;
		char n[200];
		snprintf(n, sizeof n, "%s.p50", h->name);
		if (rows_add(rs, n, R_P50, p50, hist_quantile(h->h, 0.5), h->unit) < 0)
			return -1;
		snprintf(n, sizeof n, "%s.p99", h->name);
		if (rows_add(rs, n, R_P99, p99, hist_quantile(h->h, 0.99), h->unit) < 0)
			return -1;
	}
	return 0;
}

/* A value in a readable unit: ns -> ms, B/s -> MB/s. */
static double shown(const struct row *r, const char **unit)
{
	if (strcmp(r->unit, "ns") == 0) {
		*unit = "ms";
		return 1e-6;
	}
	if (strcmp(r->unit, "B/s") == 0) {
		*unit = "MB/s";
		return 1e-6;
	}
	*unit = r->unit;
	return 1;
}

static int print_rows(const struct rows *rs, const char *title, enum tbl_format f)
{
	struct tbl *t = tbl_new(title);
	if (!t)
		return -1;
	int cm = tbl_col(t, "metric", "metric", ""), ck = tbl_col(t, "kind", "kind", ""),
	    cme = tbl_col(t, "measured", "measured", ""), cp = tbl_col(t, "predicted", "predicted", ""),
	    cu = tbl_col(t, "unit", "unit", ""), ce = tbl_col(t, "error", "error", ""),
	    cg = tbl_col(t, "goal", "goal", ""), cr = tbl_col(t, "result", "result", "");
	for (size_t i = 0; i < rs->n; i++) {
		const struct row *r = &rs->r[i];
		const char *unit;
		double k = shown(r, &unit);
		tbl_row(t);
		tbl_str(t, cm, r->name);
		tbl_str(t, ck, kind_name[r->kind]);
		/* Exact rows in full: a difference must show. */
		const char *nf = r->kind == R_EXACT ? "%.15g" : "%.6g";
		tbl_num(t, cme, nf, r->measured * k);
		tbl_num(t, cp, nf, r->predicted * k);
		tbl_str(t, cu, unit);
		char err[32], goal[32];
		if (r->kind == R_POINTS)
			snprintf(err, sizeof err, "%+.2f pt", r->error);
		else
			snprintf(err, sizeof err, "%+.2f%%", r->error);
		tbl_str(t, ce, err);
		if (r->kind == R_EXACT)
			snprintf(goal, sizeof goal, "equal");
		else
			snprintf(goal, sizeof goal, "+/-%g%s", kind_goal[r->kind], r->kind == R_POINTS ? " pt" : "%");
		tbl_str(t, cg, goal);
		tbl_str(t, cr, r->pass ? "pass" : r->kind == R_EXACT ? "FAIL (differs)" : "FAIL");
	}
	int rc = tbl_print(t, f, stdout);
	tbl_free(t);
	return rc;
}

/* ---- the machine's speed: run against probe ----
 *
 * The loop thread's content work (refimpl/filebk.h: the check of every
 * byte read, the generation of every byte written) is the same calls on
 * the same bytes in the measured and the simulated run (the exact rows),
 * and the run times it: backend.B.content.check_bytes, .check_rate and
 * .check_calls, the same for fill.  The model charges it calls x
 * cpu_check_op + bytes / cpu_check_bw (the tier's, which the probe timed
 * the same way just before; [client] check_bw without them), the same for
 * fill.  So the model's charge over the run's time is the machine's speed
 * during the run against the probe's: below COND_SLOW, the run's client
 * did the same work more slowly than the model charges it, and every
 * timing row includes that.  On the shared VM this was built on, KV-cache
 * runs of one populated set, minutes apart, generated at 4.5 to 14.0 GB/s
 * against the probe's 13.3 and ran at 23 to 41 requests/s against a
 * prediction of 41: the runs at the probe's speed came within 2% of the
 * prediction, the others were slower by as much as their content work and
 * kernel copies were (README, "the machine's speed").  A database from
 * before the call counts gives the bytes' part alone. */
#define COND_SLOW 0.85
/* The share by which the model's drive may be busier or idler than the
 * run's disk before print_disk says so: near the disk's limit a few per
 * cent of device time decide whether a tier's fills keep up (HARDWARE.md,
 * "The KV-cache case's fills at the disk's limit"), and this project's
 * VM's disk moved its rate for new data by 10-20% between passes minutes
 * apart ("New files' writes on this VM"), so a note is common there. */
#define COND_DISK 0.05
/* Bytes of file pages read again after eviction worth a note: less is
 * some other process's business (a run of the e2e test saw 5 pages). */
#define REFAULT_NOTE (1u << 20)

/* The tier a backend metric belongs to: "backend.hot.node0.content..."
 * and "backend.warm.content..." give "hot" and "warm". */
static void backend_tier(const char *name, char *tier, size_t n)
{
	const char *b = name + strlen("backend.");
	size_t len = strcspn(b, ".");
	snprintf(tier, n, "%.*s", (int)len, b);
}

/* Prints the table (text format only) and a note for each row under
 * COND_SLOW; returns how many were, or -1 (out of memory). */
static int print_conditions(const struct mrun *mr, struct cfg_doc *doc, const struct met_registry *m)
{
	static const char *const what[2][4] = {
		{ "check", "checks of the bytes read", "cpu_check_bw", "cpu_check_op" },
		{ "fill", "generation of the bytes written", "cpu_fill_bw", "cpu_fill_op" },
	};
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(mr->db,
			       "SELECT name, value FROM metrics WHERE run = ?1 AND name LIKE 'backend.%.content.%_bytes' "
			       "AND value > 0 ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK)
		return 0; /* an older database: nothing to say */
	sqlite3_bind_int64(st, 1, mr->id);
	struct tbl *t = tbl_new("the machine during the run against the probe: the client thread's work");
	if (!t) {
		sqlite3_finalize(st);
		return -1;
	}
	int slow = 0, rows = 0;
	char notes[5][480];
	int cw = tbl_col(t, "work", "work", ""), cb = tbl_col(t, "bytes", "bytes", "MiB"),
	    cc = tbl_col(t, "calls", "calls", ""), cr = tbl_col(t, "run", "run", "s"),
	    cm = tbl_col(t, "model", "model's charge", "s"), cx = tbl_col(t, "ratio", "model / run", "");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *bname = (const char *)sqlite3_column_text(st, 0);
		if (!bname)
			continue;
		int k = ends_with(bname, ".content.fill_bytes");
		if (!k && !ends_with(bname, ".content.check_bytes"))
			continue;
		char prefix[200], key[256], tier[64];
		snprintf(prefix, sizeof prefix, "%.*s", (int)(strlen(bname) - strlen(k ? ".fill_bytes" : ".check_bytes")),
			 bname);
		double bytes = sqlite3_column_double(st, 1);
		snprintf(key, sizeof key, "%s.%s_rate", prefix, what[k][0]);
		double rate = mrun_scalar(mr, key);
		snprintf(key, sizeof key, "%s.%s_calls", prefix, what[k][0]);
		double calls = mrun_scalar(mr, key);
		backend_tier(bname, tier, sizeof tier);
		/* The costs as the client model reads them (models/client.h). */
		struct client_params cp;
		struct client_cost cost;
		struct cfg_section *sec = cfg_find(doc, "tier", tier);
		struct err e = { 0 };
		if (!sec || client_from_cfg(doc, &cp, &e) < 0 || client_cost_from_cfg(doc, sec, &cost, &e) < 0)
			continue;
		double bw = client_content_bps(&cp, &cost, k);
		double op = (double)(k ? cost.fill_op_ns : cost.check_op_ns);
		if (!(rate > 0) || !(bw > 0))
			continue;
		double run_s = bytes / rate;
		double model_s = bytes / bw + (calls > 0 ? calls * op / 1e9 : 0);
		snprintf(key, sizeof key, "%s %s", prefix, what[k][0]);
		tbl_row(t);
		tbl_str(t, cw, key);
		tbl_num(t, cb, "%.1f", bytes / 1048576);
		if (calls >= 0)
			tbl_num(t, cc, "%.0f", calls);
		else
			tbl_str(t, cc, "?");
		tbl_num(t, cr, "%.4f", run_s);
		tbl_num(t, cm, "%.4f", model_s);
		tbl_num(t, cx, "%.2f", model_s / run_s);
		rows++;
		if (model_s / run_s < COND_SLOW && slow < 4) { /* one left for the thread's row */
			char calls_part[120] = "";
			if (calls > 0 && op > 0)
				snprintf(calls_part, sizeof calls_part, " + %.0f calls at %s %.3g us", calls, what[k][3],
					 op / 1e3);
			if (calls > 0 && op > 0)
				snprintf(notes[slow++], sizeof notes[0],
					 "%s tier, %s: the run's client took %.3g s, the model charges %.3g s (%.0f MiB at "
					 "%s %.2f GB/s%s), %.0f%%: the machine was slower in the run than when it was "
					 "probed, and the timing rows include the difference",
					 tier, what[k][1], run_s, model_s, bytes / 1048576, what[k][2], bw / 1e9, calls_part,
					 100 * model_s / run_s);
			else
				snprintf(notes[slow++], sizeof notes[0],
					 "%s tier, %s: the run's client took %.3g s, the model charges %.3g s for its bytes "
					 "(%.0f MiB at %s %.2f GB/s), %.0f%%; %s, so no cost per call is counted: pieces "
					 "smaller than the probe's 1 MiB, or a machine slower than when it was probed",
					 tier, what[k][1], run_s, model_s, bytes / 1048576, what[k][2], bw / 1e9,
					 100 * model_s / run_s,
					 calls > 0 ? "the preset has no cpu_*_op" : "this database counts no calls");
		}
	}
	sqlite3_finalize(st);
	/* All the client thread's work, the content's and the rest (the
	 * kernel's copies, submissions, completions): its CPU time in the
	 * run against the model's charge (client.cpu.seconds). */
	const struct met_scalar *cs = met_find(m, "client.cpu.seconds");
	double cu = mrun_scalar(mr, "client.cpu.user"), csys = mrun_scalar(mr, "client.cpu.system");
	if (cs && cs->value > 0 && cu + csys > 0) {
		double run_s = cu + csys;
		tbl_row(t);
		tbl_str(t, cw, "client thread, all its work");
		tbl_num(t, cr, "%.4f", run_s);
		tbl_num(t, cm, "%.4f", cs->value);
		tbl_num(t, cx, "%.2f", cs->value / run_s);
		rows++;
		if (cs->value / run_s < COND_SLOW && slow < 4)
			snprintf(notes[slow++], sizeof notes[0],
				 "the client thread used %.3g s of CPU (user %.3g, system %.3g), the model charges "
				 "%.3g s for the same operations, %.0f%%: the work cost more in the run than the probe "
				 "measured it (a slower machine, or a cost the model does not count), and the timing "
				 "rows include the difference",
				 run_s, cu, csys, cs->value, 100 * cs->value / run_s);
	}
	if (rows > 0) {
		printf("\n");
		if (tbl_print(t, TBL_TEXT, stdout) < 0)
			slow = -1;
		for (int i = 0; i < slow; i++)
			printf("note: %s\n", notes[i]);
	}
	/* File pages read again after the kernel had evicted them (the
	 * host's /proc/vmstat, refimpl/hoststat.h): a tier the scenario has
	 * in the page cache was partly on the disk in the run (on the VM this
	 * was built on, DAMON pages out what nobody touched for a minute),
	 * which the probe, reading a set it had just written, did not see. */
	double refault = mrun_scalar(mr, "host.vmstat.workingset_refault_file") * 4096;
	if (refault >= REFAULT_NOTE && slow >= 0) {
		double read = 0;
		if (sqlite3_prepare_v2(mr->db,
				       "SELECT sum(value) FROM metrics WHERE run = ?1 AND name LIKE 'tier.%.read_bytes'", -1,
				       &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, mr->id);
			if (sqlite3_step(st) == SQLITE_ROW)
				read = sqlite3_column_double(st, 0);
			sqlite3_finalize(st);
		}
		printf("note: %.1f MiB of file pages the kernel had evicted were read again during the run "
		       "(host.vmstat.workingset_refault_file, %.0f pages, every process; the run read %.1f MiB): a "
		       "tier held in the page cache was partly on the disk, which the probe did not see\n",
		       refault / 1048576, refault / 4096, read / 1048576);
		slow++;
	}
	tbl_free(t);
	return slow;
}

/* Opens and creates of the file tiers in the run against the model's
 * (tierref's fs.*.latency histograms against the file-system client's,
 * models/fsclient.h): how many and their mean, start to descriptor.  A
 * note for each kind whose model mean is under COND_SLOW of the run's:
 * the operations that wait for them start early in the model.  Returns
 * how many notes, or -1 (out of memory). */
/* The query of print_files or print_disk, bound to the measured run, and
 * its table titled title: 1; 0 when the database has no such table (an
 * older one: nothing to say); -1 out of memory. */
static int table_query(const struct mrun *mr, const char *sql, const char *title, sqlite3_stmt **st,
		       struct tbl **t)
{
	*st = NULL;
	if (sqlite3_prepare_v2(mr->db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		return 0;
	}
	sqlite3_bind_int64(*st, 1, mr->id);
	if (!(*t = tbl_new(title))) {
		sqlite3_finalize(*st);
		return -1;
	}
	return 1;
}

/* A table of print_files or print_disk, if it has rows, and its notes;
 * frees t.  The notes' count, or -1 if the table could not be printed. */
static int table_out(struct tbl *t, int rows, char (*note)[400], int notes)
{
	if (rows > 0) {
		printf("\n");
		if (tbl_print(t, TBL_TEXT, stdout) < 0)
			notes = -1;
		for (int i = 0; i < notes; i++)
			printf("note: %s\n", note[i]);
	}
	tbl_free(t);
	return notes;
}

static int print_files(const struct mrun *mr, const struct met_registry *m)
{
	sqlite3_stmt *st;
	struct tbl *t;
	int q = table_query(mr,
			    "SELECT name, count, mean FROM histograms WHERE run = ?1 AND name LIKE "
			    "'backend.%.fs.%.latency' AND count > 0 ORDER BY name",
			    "the file system during the run against the model: opens and creates, start to descriptor",
			    &st, &t);
	if (q <= 0)
		return q;
	int cw = tbl_col(t, "what", "what", ""), crn = tbl_col(t, "run_n", "run", "count"),
	    crm = tbl_col(t, "run_mean", "run mean", "us"), cmn = tbl_col(t, "model_n", "model", "count"),
	    cmm = tbl_col(t, "model_mean", "model mean", "us"), cx = tbl_col(t, "ratio", "model / run", "");
	int rows = 0, notes = 0;
	char note[8][400];
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!name)
			continue;
		double n = sqlite3_column_double(st, 1), mean = sqlite3_column_double(st, 2);
		const struct hist *h = met_find_hist(m, name);
		char what[200];
		snprintf(what, sizeof what, "%.*s", (int)(strlen(name) - strlen(".latency")), name);
		tbl_row(t);
		tbl_str(t, cw, what);
		tbl_int(t, crn, n);
		tbl_num(t, crm, "%.1f", mean / 1e3);
		rows++;
		if (!h || hist_count(h) == 0)
			continue;
		double pm = hist_mean(h);
		tbl_int(t, cmn, hist_count(h));
		tbl_num(t, cmm, "%.1f", pm / 1e3);
		if (mean > 0)
			tbl_num(t, cx, "%.2f", pm / mean);
		if (mean > 0 && pm / mean < COND_SLOW && notes < 8)
			snprintf(note[notes++], sizeof note[0],
				 "%s: %.1f us on average in the run, %.1f us in the model (%.0f%%): the operations that "
				 "wait for them start early in the model, and the timing rows include the difference "
				 "(README, \"Where the model stands\")",
				 what, mean / 1e3, pm / 1e3, 100 * pm / mean);
	}
	sqlite3_finalize(st);
	return table_out(t, rows, note, notes);
}

/* The hot tiers' disks (header, 4): what the device did in the run
 * (PREFIX.device.*, measured) against the model's drive (PREFIX.transfer.
 * busy, .write.ops, .discards).  Why: make validate's KV-cache case fills
 * its hot tier about as fast as the disk writes and discards, and whether
 * its fills fall behind (hot write p50 60-223 ms in eight runs) or keep up
 * (the model's 14 ms) hinges on a few per cent of device time per fill
 * (HARDWARE.md, "The KV-cache case's fills at the disk's limit"). */
static int print_disk(const struct mrun *mr, const struct met_registry *m)
{
	sqlite3_stmt *st;
	struct tbl *t;
	int q = table_query(mr,
			    "SELECT name, value FROM metrics WHERE run = ?1 AND name LIKE 'backend.%.device.busy' "
			    "ORDER BY name",
			    "the hot tier's disk during the run against the model: time busy (the device's io_ticks; "
			    "the model's transfer stages)",
			    &st, &t);
	if (q <= 0)
		return q;
	int cw = tbl_col(t, "what", "what", ""), crb = tbl_col(t, "run_busy", "run busy", "s"),
	    crw = tbl_col(t, "run_writes", "run writes", "ops"), crd = tbl_col(t, "run_discards", "run discards", "ops"),
	    cmb = tbl_col(t, "model_busy", "model busy", "s"), cmw = tbl_col(t, "model_writes", "model writes", "ops"),
	    cmd = tbl_col(t, "model_discards", "model discards", "ops"), cx = tbl_col(t, "ratio", "model / run", "");
	int rows = 0, notes = 0;
	char note[8][400];
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!name)
			continue;
		int pl = (int)(strlen(name) - strlen(".device.busy"));
		char key[320];
		snprintf(key, sizeof key, "%.*s.transfer.busy", pl, name);
		const struct met_scalar *mb = met_find(m, key);
		double busy = sqlite3_column_double(st, 1);
		tbl_row(t);
		snprintf(key, sizeof key, "%.*s", pl, name);
		tbl_str(t, cw, key);
		tbl_num(t, crb, "%.3f", busy);
		snprintf(key, sizeof key, "%.*s.device.writes", pl, name);
		tbl_int(t, crw, (uint64_t)mrun_scalar(mr, key));
		snprintf(key, sizeof key, "%.*s.device.discards", pl, name);
		tbl_int(t, crd, (uint64_t)mrun_scalar(mr, key));
		rows++;
		if (!mb)
			continue; /* not an nvme drive in the model */
		tbl_num(t, cmb, "%.3f", mb->value);
		snprintf(key, sizeof key, "%.*s.write.ops", pl, name);
		const struct met_scalar *mw = met_find(m, key);
		snprintf(key, sizeof key, "%.*s.discards", pl, name);
		const struct met_scalar *md = met_find(m, key);
		tbl_int(t, cmw, mw ? (uint64_t)mw->value : 0);
		tbl_int(t, cmd, md ? (uint64_t)md->value : 0);
		if (!(busy > 0))
			continue;
		double r = mb->value / busy;
		tbl_num(t, cx, "%.2f", r);
		if (fabs(r - 1) > COND_DISK && notes < 8)
			snprintf(note[notes++], sizeof note[0],
				 "%.*s: the disk was busy %.3f s in the run, the model's drive %.3f s (%.0f%%): the "
				 "preset's rates (write_bw, discard_bw: the probe's) were %s than the disk in the run, "
				 "and a tier whose disk is busy most of the run has latencies that hinge on it",
				 pl, name, busy, mb->value, 100 * r, r < 1 ? "faster" : "slower");
	}
	sqlite3_finalize(st);
	return table_out(t, rows, note, notes);
}

/* ---- plots ---- */

static int find_gnuplot(char *out, size_t n)
{
	const char *path = getenv("PATH");
	while (path && *path) {
		const char *c = strchr(path, ':');
		size_t len = c ? (size_t)(c - path) : strlen(path);
		snprintf(out, n, "%.*s/gnuplot", len ? (int)len : 1, len ? path : ".");
		if (access(out, X_OK) == 0)
			return 1;
		path += len + (c ? 1 : 0);
	}
	return 0;
}

/* validate.dat: one gnuplot index block per panel that has rows
 * (measured, predicted, name, pass or FAIL); validate.gp; validate.png and
 * validate.svg when gnuplot runs.  A panel is a kind of timing row, and
 * throughput is two, MB/s and requests/s, so that no axis mixes units.
 * Rows that miss their goal are labelled with their names.  0 drawn, 1
 * not drawn (no gnuplot, no rows), -1 with e filled. */
/* Where each label of a panel goes (y in data units, ys[i]; left[i]: text
 * to the left of the point), so that no two overlap: a label is a line of
 * small text beside its point, about LABEL_H of the axis's height tall and
 * up to LABEL_W of its width long, to the right of a point in the left
 * half of the panel and to the left of one in the right half (so that it
 * stays in its panel).  In the axis's own coordinates (0-1; log or linear
 * as drawn), the labels are placed from the lowest point up, each at its
 * point's height or, if that is within LABEL_H of a label already placed
 * that it runs into, just above that one. */
#define LABEL_H 0.045
#define LABEL_W 0.5
static void label_heights(const double *xs, const double *yv, const int *labelled, size_t n, double lo, double hi,
			  int logscale, double *ys, int *left)
{
	double u[64], v[64], placed[64];
	size_t order[64], np = 0;
	if (n > 64)
		n = 64; /* more labels than that would not be readable however placed */
	for (size_t i = 0; i < n; i++) {
		u[i] = logscale ? (log10(xs[i]) - log10(lo)) / (log10(hi) - log10(lo)) : (xs[i] - lo) / (hi - lo);
		v[i] = logscale ? (log10(yv[i]) - log10(lo)) / (log10(hi) - log10(lo)) : (yv[i] - lo) / (hi - lo);
		ys[i] = yv[i];
		left[i] = u[i] > 0.5;
		if (labelled[i])
			order[np++] = i;
	}
	for (size_t a = 1; a < np; a++) /* by height: insertion sort of a few */
		for (size_t b = a; b > 0 && v[order[b]] < v[order[b - 1]]; b--) {
			size_t t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	for (size_t a = 0; a < np; a++) {
		size_t i = order[a];
		double at = v[i], x0 = left[i] ? u[i] - LABEL_W : u[i], x1 = x0 + LABEL_W;
		for (int moved = 1; moved;) {
			moved = 0;
			for (size_t b = 0; b < a; b++) {
				size_t k = order[b];
				double b0 = left[k] ? u[k] - LABEL_W : u[k];
				/* (at = placed + H need not give placed - at = -H
				 * exactly: without the margin this looped for ever) */
				if (x0 < b0 + LABEL_W && b0 < x1 && at > placed[b] - LABEL_H &&
				    at < placed[b] + LABEL_H - 1e-9) {
					at = placed[b] + LABEL_H;
					moved = 1;
				}
			}
		}
		placed[a] = at;
		ys[i] = logscale ? pow(10, log10(lo) + at * (log10(hi) - log10(lo))) : lo + at * (hi - lo);
	}
}

static int plot(const struct rows *rs, const char *dir, const char *title, struct err *e)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return err_set(e, ERR_FAIL, "--plot %s: %s", dir, strerror(errno));
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/validate.dat", dir);
	FILE *f = fopen(p, "w");
	if (!f)
		return err_set(e, ERR_FAIL, "%s: %s", p, strerror(errno));
	fprintf(f, "# %s\n# measured\tpredicted\tmetric\tresult\tlabel's height (the predicted axis)\tlabel's side; one block "
		   "per panel that has rows (gnuplot index): throughput (MB/s), throughput (requests/s), p50 (ms), "
		   "p99 (ms), points (%%)\n",
		   title);
	static const struct {
		int kind;
		const char *unit; /* throughput's: only rows shown in this unit; NULL: any */
		const char *label;
		const char *axis; /* the axes' unit */
	} panels[] = {
		{ R_TPUT, "MB/s", "throughput (MB/s)", "MB/s" },
		{ R_TPUT, "requests/s", "throughput (requests/s)", "requests/s" },
		{ R_P50, NULL, "p50 latency (ms)", "ms" },
		{ R_P99, NULL, "p99 latency (ms)", "ms" },
		{ R_POINTS, NULL, "AU, busy and stall shares (%)", "%" },
	};
	enum { NPANELS = sizeof panels / sizeof panels[0] };
	int blocks[NPANELS], nb = 0;
	/* Each panel's range: its values, from a half of the least to twice the
	 * most, the same on both axes (autoscaling one point gave gnuplot an
	 * empty range, which it warned about on the terminal). */
	double lo[NPANELS], hi[NPANELS];
	/* A panel's rows: their index in rs and scale to the panel's unit. */
	size_t *in = malloc((rs->n ? rs->n : 1) * sizeof *in);
	double *sc = malloc((rs->n ? rs->n : 1) * sizeof *sc), xs[64], yv[64], ys[64];
	int lab[64], left[64];
	if (!in || !sc) {
		free(in);
		free(sc);
		fclose(f);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	for (int k = 0; k < NPANELS; k++) {
		size_t m = 0;
		lo[k] = HUGE_VAL;
		hi[k] = 0;
		for (size_t i = 0; i < rs->n; i++) {
			const struct row *r = &rs->r[i];
			const char *unit = "";
			double s = r->kind == R_POINTS ? 100 : shown(r, &unit);
			if ((int)r->kind != panels[k].kind || !(r->measured > 0) || !(r->predicted > 0) ||
			    (panels[k].unit && strcmp(unit, panels[k].unit) != 0))
				continue;
			in[m] = i;
			sc[m++] = s;
			lo[k] = fmin(lo[k], fmin(r->measured, r->predicted) * s);
			hi[k] = fmax(hi[k], fmax(r->measured, r->predicted) * s);
		}
		if (!m)
			continue;
		int logscale = panels[k].kind != R_POINTS;
		double alo = logscale ? lo[k] / 2 : 0, ahi = logscale ? hi[k] * 2 : 100;
		for (size_t j = 0; j < m && j < 64; j++) {
			const struct row *r = &rs->r[in[j]];
			xs[j] = r->measured * sc[j];
			yv[j] = r->predicted * sc[j];
			lab[j] = !r->pass;
		}
		label_heights(xs, yv, lab, m < 64 ? m : 64, alo, ahi, logscale, ys, left);
		fprintf(f, "# %s\n", panels[k].label);
		for (size_t j = 0; j < m; j++) {
			const struct row *r = &rs->r[in[j]];
			fprintf(f, "%.9g\t%.9g\t%s\t%s\t%.9g\t%s\n", r->measured * sc[j], r->predicted * sc[j], r->name,
				r->pass ? "pass" : "FAIL", j < 64 ? ys[j] : r->predicted * sc[j],
				j < 64 && left[j] ? "left" : "right");
		}
		fprintf(f, "\n\n");
		blocks[nb++] = k;
	}
	free(in);
	free(sc);
	if (fclose(f) != 0)
		return err_set(e, ERR_FAIL, "%s: %s", p, strerror(errno));
	if (!nb)
		return 1;
	snprintf(p, sizeof p, "%s/validate.gp", dir);
	if (!(f = fopen(p, "w")))
		return err_set(e, ERR_FAIL, "%s: %s", p, strerror(errno));
	/* Run twice, as plots/common.gp is: gnuplot -e "fmt='png'" (or 'svg'). */
	fprintf(f, "if (fmt eq 'svg') {\n"
		   "    set terminal svg size %d,480 dynamic noenhanced font 'Sans,12' background rgb 'white'\n"
		   "    set output 'validate.svg'\n"
		   "} else {\n"
		   "    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		   "        set terminal pngcairo size %d,480 noenhanced font 'Sans,11'\n"
		   "    } else {\n"
		   "        set terminal png size %d,480 noenhanced font 'Sans' 10\n"
		   "    }\n"
		   "    set output 'validate.png'\n"
		   "}\n"
		   "set datafile separator \"\\t\"\n"
		   "set multiplot layout 1,%d title 'predicted against measured (labelled: rows that miss their goal)'\n"
		   "set key top left\nset grid\n",
		400 * nb, 400 * nb, 400 * nb, nb);
	for (int b = 0; b < nb; b++) {
		int k = blocks[b], kind = panels[k].kind;
		if (kind == R_POINTS) /* shares: 0-100%, linear (a log axis within one decade shows no ticks) */
			fprintf(f, "unset logscale xy\nset xrange [0:100]\nset yrange [0:100]\n");
		else
			fprintf(f, "set logscale xy\nset xrange [%.9g:%.9g]\nset yrange [%.9g:%.9g]\n", lo[k] / 2, hi[k] * 2,
				lo[k] / 2, hi[k] * 2);
		fprintf(f, "set title '%s, goal +/-%g%s'\nset xlabel 'measured (%s)'\nset ylabel 'predicted (%s)'\n"
			   "plot 'validate.dat' index %d using 1:2 with points pt 7 title 'rows', "
			   "'' index %d using 1:5:(stringcolumn(4) eq 'FAIL' && stringcolumn(6) eq 'right' ? "
			   "stringcolumn(3) : '') with labels font ',8' left offset char 0.6,0 notitle, "
			   "'' index %d using 1:5:(stringcolumn(4) eq 'FAIL' && stringcolumn(6) eq 'left' ? "
			   "stringcolumn(3) : '') with labels font ',8' right offset char -0.6,0 notitle, "
			   "x with lines lc 'black' title 'y = x', ",
			panels[k].label, kind_goal[kind], kind == R_POINTS ? " pt" : "%", panels[k].axis,
			panels[k].axis, b, b, b);
		/* The goal band: points are within +/-goal points, the rest within +/-goal %. */
		if (kind == R_POINTS)
			fprintf(f, "x+%g with lines dt 2 lc 'gray' notitle, x-%g with lines dt 2 lc 'gray' notitle\n",
				kind_goal[kind], kind_goal[kind]);
		else
			fprintf(f, "x*%g with lines dt 2 lc 'gray' notitle, x*%g with lines dt 2 lc 'gray' notitle\n",
				1 + kind_goal[kind] / 100, 1 - kind_goal[kind] / 100);
	}
	fprintf(f, "unset multiplot\n");
	if (fclose(f) != 0)
		return err_set(e, ERR_FAIL, "%s: %s", p, strerror(errno));
	char gp[PATH_MAX];
	if (!find_gnuplot(gp, sizeof gp))
		return 1; /* the data and the script are there; no picture */
	static const char *const fmts[] = { "fmt='png'", "fmt='svg'" };
	for (int k = 0; k < 2; k++) {
		pid_t pid = fork();
		if (pid < 0)
			return err_set(e, ERR_FAIL, "fork: %s", strerror(errno));
		if (pid == 0) {
			if (chdir(dir) < 0)
				_exit(127);
			FILE *null = freopen("/dev/null", "w", stdout);
			(void)null;
			execl(gp, "gnuplot", "-e", fmts[k], "validate.gp", (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return err_set(e, ERR_FAIL, "gnuplot failed on %s/validate.gp (%s)", dir, fmts[k]);
	}
	return 0;
}

/* ---- the command ---- */

int cmd_validate_hw(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "measured", required_argument, NULL, 'm' }, { "preset", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },      { "format", required_argument, NULL, 'f' },
		{ "plot", required_argument, NULL, 'P' },     { "trace", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	const char *measured = NULL, *preset = NULL, *out = NULL, *plot_dir = NULL, *trace = NULL;
	enum tbl_format fmt = TBL_TEXT;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': measured = optarg; break;
		case 'p': preset = optarg; break;
		case 'o': out = optarg; break;
		case 'P': plot_dir = optarg; break;
		case 't': trace = optarg; break;
		case 'f':
			if (tbl_parse_format(optarg, &fmt) < 0) {
				fprintf(stderr, "tiersim " CMD ": unknown format '%s' (use text, csv or json)\n", optarg);
				return CLI_USAGE;
			}
			break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_USAGE;
		}
	}
	if (optind != argc || !measured || !preset) {
		fprintf(stderr, "tiersim " CMD ": %s\n",
			optind != argc ? "unexpected arguments" : "--measured DB[:RUN] and --preset FILE are required");
		usage(stderr);
		return CLI_USAGE;
	}
	struct err e = { 0 };
	struct mrun mr = { 0 };
	struct cfg_doc *sc = NULL, *pr = NULL, *merged = NULL;
	struct met_registry *m = NULL;
	struct rows rs = { 0 };
	char *text = NULL;
	int status = CLI_FAIL;
	if ((plot_dir && cli_plot_dir_check(plot_dir, &e) < 0) || mrun_open(&mr, measured, &e) < 0 ||
	    cfg_load_string(&sc, mr.path, mr.scenario, &e) < 0 ||
	    cfg_load(&pr, preset, &e) < 0 || preset_check(pr, sc, &e) < 0 || preset_apply(sc, pr, &e) < 0)
		goto out;
	/* tierref runs every node in its one event loop: one client for all
	 * of them (models/client.h, shared), not one per node, or a run of n
	 * nodes is predicted n times too fast on the client's side. */
	struct cfg_section *client_sec = cfg_find(sc, "client", NULL);
	if (client_sec && cfg_set(client_sec, "shared", "yes", client_sec->line) < 0) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto out;
	}
	/* The queue depth each file backend ran with (tierref run
	 * --queue-depth), over the preset's (the probe's default, 32). */
	for (size_t i = 0; client_sec && i < sc->nsec; i++) { /* a client's key (models/client.h) */
		struct cfg_section *t = &sc->sec[i];
		if (strcmp(t->type, "tier") != 0)
			continue;
		char n1[300], n2[300], v[32];
		snprintf(n1, sizeof n1, "backend.%s.queue_depth", t->name);
		snprintf(n2, sizeof n2, "backend.%s.node0.queue_depth", t->name);
		double qd = mrun_scalar(&mr, n1);
		if (isnan(qd))
			qd = mrun_scalar(&mr, n2);
		if (isnan(qd) || qd < 1)
			continue;
		snprintf(v, sizeof v, "%.0f", qd);
		if (cfg_set(t, "queue_depth", v, t->line) < 0) {
			err_set(&e, ERR_FAIL, "out of memory");
			goto out;
		}
	}
	if (trace) {
		struct cfg_section *w = cfg_find(sc, "workload", NULL);
		char abs[PATH_MAX];
		if (!w) {
			err_set(&e, ERR_INPUT, "--trace: the measured scenario has no [workload] section");
			goto out;
		}
		if (!realpath(trace, abs)) {
			err_set(&e, ERR_INPUT, "--trace %s: %s", trace, strerror(errno));
			goto out;
		}
		if (cfg_set(w, "trace", abs, w->line) < 0) {
			err_set(&e, ERR_FAIL, "out of memory");
			goto out;
		}
	}
	char label[2 * PATH_MAX + 64];
	snprintf(label, sizeof label, "%s (run %lld) + %s", mr.path, (long long)mr.id, preset);
	if (!(text = cfg_text(sc, "; tiersim validate hardware: a measured run's scenario with a device preset\n"))) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto out;
	}
	if (cfg_load_string(&merged, label, text, &e) < 0)
		goto out;
	char dir[PATH_MAX];
	cfg_dir_of(mr.path, dir, sizeof dir);
	if (!(m = met_new())) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto out;
	}
	if (simulate(merged, dir, mr.seed, m, out, label, &e) < 0) {
		if (strstr(e.msg, "trace") && !trace)
			err_prefix(&e, "(files are relative to %.300s, the measured scenario's folder; "
				       "--trace FILE gives the trace) ", dir);
		goto out;
	}
	if (build_rows(&mr, m, &rs) < 0) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto out;
	}
	char title[PATH_MAX + 128];
	snprintf(title, sizeof title, "measured (run %lld of %s) against predicted (preset %s)", (long long)mr.id,
		 measured, preset);
	if (print_rows(&rs, fmt == TBL_TEXT ? title : NULL, fmt) < 0) {
		err_set(&e, ERR_FAIL, "out of memory printing the table");
		goto out;
	}
	size_t nexact = 0, exact_ok = 0, ntime = 0, time_ok = 0;
	for (size_t i = 0; i < rs.n; i++) {
		if (rs.r[i].kind == R_EXACT) {
			nexact++;
			exact_ok += rs.r[i].pass;
		} else {
			ntime++;
			time_ok += rs.r[i].pass;
		}
	}
	char troubles[512];
	mrun_troubles(&mr, troubles, sizeof troubles);
	/* Requests that met in flight (a chunk read joining a fetch under
	 * way), and the other events whose outcome depends on timing (a
	 * dirty chunk's drain landed or not, a chunk evicted before its fill:
	 * path.h, raced) when the two runs met different numbers of them:
	 * the exact rows need not agree then (more than one request
	 * outstanding, a job's reads, or a write-back tier).  The same number
	 * in both, as a request larger than its tier gives, excuses nothing. */
	int judge = exact_ok != nexact && !troubles[0];
	double met = judge ? mrun_sum(&mr, "node*.coalesced") : 0;
	double raced_m = judge ? mrun_sum(&mr, "node*.raced") : 0;
	double raced_p = judge ? pred_sum(m, "node*.raced") : 0;
	int timed = met > 0 || raced_m != raced_p;
	if (fmt == TBL_TEXT)
		printf("\nexact rows: %zu of %zu agree%s; timing rows: %zu of %zu within their goals\n", exact_ok, nexact,
		       exact_ok == nexact ? ""
		       : troubles[0]   ? " (the measured run did not run clean: see the note)"
		       : timed         ? " (their outcome depended on timing: see the note)"
				       : " (DIFFERENT LOGIC OR ORDER: an error)",
		       time_ok, ntime);
	if (met > 0)
		fprintf(stderr,
			"tiersim validate hardware: note: in the measured run %.0f chunk reads joined a fetch already in "
			"flight (node*.coalesced); which do depends on timing, so with requests in flight together "
			"(outstanding > 1) the exact rows need not agree: validate a run of outstanding = 1 for them\n",
			met);
	if (raced_m != raced_p)
		fprintf(stderr,
			"tiersim validate hardware: note: the runs had events whose outcome depends on timing "
			"(node*.raced: %.0f measured, %.0f predicted): a read of a dirty chunk before or after its "
			"drain landed, a rewrite of a chunk still dirty, a chunk evicted before its fill, a read "
			"that waited for a write queued for budget, or a shared chunk another node was fetching; "
			"so the exact rows need not agree\n",
			raced_m, raced_p);
	if (troubles[0])
		fprintf(stderr,
			"tiersim validate hardware: note: the measured run did not run clean (%s): what failed, or was "
			"in flight when it was cut, depends on timing, so its exact rows need not agree with the "
			"simulation; validate a run that ran clean\n",
			troubles);
	if (fmt == TBL_TEXT &&
	    (print_conditions(&mr, merged, m) < 0 || print_files(&mr, m) < 0 || print_disk(&mr, m) < 0)) {
		err_set(&e, ERR_FAIL, "out of memory printing the run's conditions");
		goto out;
	}
	if (plot_dir) {
		fflush(stdout);
		int pr_rc = plot(&rs, plot_dir, title, &e);
		if (pr_rc < 0)
			goto out;
		if (fmt == TBL_TEXT)
			printf("plot: %s/validate.%s\n", plot_dir,
			       pr_rc == 0 ? "png and .svg" : "dat (not drawn: no gnuplot on PATH or no timing rows)");
	}
	status = exact_ok == nexact && time_ok == ntime ? CLI_OK : CLI_FAIL;
	if (rs.n == 0) {
		fprintf(stderr, "tiersim " CMD ": no metric to compare\n");
		status = CLI_FAIL;
	}
	e.code = 0;
out:
	if (e.code)
		status = cli_fail(CMD, &e);
	free(rs.r);
	free(text);
	met_free(m);
	cfg_free(merged);
	cfg_free(pr);
	cfg_free(sc);
	mrun_close(&mr);
	return status;
}
