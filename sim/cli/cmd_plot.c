/*
 * tiersim plot — pictures of one run in a results database.
 *
 * Reads the run from SQLite (opened read-only: plotting never changes a
 * database), writes one tab-separated data file per plot, and has gnuplot
 * (found on PATH, run with execv: no shell ever sees a user's string) draw
 * each as PNG and SVG with the scripts plots/NAME.gp.  The division of
 * labour: this file selects, converts and names the data (units, derivative,
 * CDF, which curves go together); the scripts own the looks.
 *
 * Data files hold one block per curve, blocks separated by two blank lines
 * (gnuplot's `index`), each opened by a comment naming the curve; the file
 * opens with comments naming the run, the columns and their units.
 *
 * Nothing half-written: everything is made in a fresh sibling directory
 * (DIR/../.NAME.tmp.XXXXXX) and each finished file is then renamed into
 * DIR, so a file in DIR is either whole or absent.  Files this command
 * would have written but did not this time (a plot whose data the run
 * lacks) are removed from DIR, so DIR never mixes two runs.
 *
 * Conversions:
 *   bandwidth  series of cumulative bytes (unit B) sampled at t_i:
 *              rate_i = (B_i - B_{i-1}) / (t_i - t_{i-1}) in GB/s (1e9 B/s),
 *              held over (t_{i-1}, t_i]; sum(rate * dt) = B_last - B_first.
 *   CDF        histogram_buckets [lo, hi] (inclusive) with counts c_k:
 *              F(hi_k) = sum_{j<=k} c_j / sum c; drawn as (lo_k, F_{k-1}),
 *              (hi_k, F_k), i.e. linear within a bucket.  Per-node
 *              histograms of one backend operation (backend.T.nodeN.OP.latency)
 *              are merged by adding bucket counts (they share one layout).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "sim/cfg.h"
#include "sim/results.h"

#define PLOT_MAX_CURVES 24
#define PLOT_MAX_TIERS 32
#define PLOT_NAME_MAX 256

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim plot RESULTS.db [--run N] [--out DIR]\n\n"
		"Draws one run of a results database (default: the latest run) as PNG and SVG\n"
		"pictures with gnuplot, and writes the numbers behind each picture as a\n"
		"tab-separated .dat file beside it.  Plots, each drawn when the run has its data:\n\n"
		"  bandwidth          read and write GB/s per tier over time (series tier.T.read_bytes,\n"
		"                     .write_bytes, and any other cumulative-bytes series)\n"
		"  in_system          jobs in system over time per resource (<kind>.NAME.in_system)\n"
		"  au                 accelerator utilisation over time per job, %% (job.NAME.au)\n"
		"  latency_tiers      CDF of read (and write) latency per tier (tier.T.OP_latency)\n"
		"  latency_backends   CDF per backend operation, nodes merged (backend.T.OP.latency)\n"
		"  latency_metadata   CDF per metadata operation (meta.S.OP.latency)\n"
		"  latency_requests   CDF of end-to-end request latency (replay.latency,\n"
		"                     source.NAME.response)\n"
		"  latency_resources  CDF of response time per queue, pipe, link, bucket\n"
		"  checkpoint_stall   CDF of checkpoint stalls per job, s (job.NAME.checkpoint_stall)\n"
		"  tiers              hit ratio per tier, and the share of reads each tier served\n\n"
		"  --run N     the run to draw (default: the latest in the database)\n"
		"  --out DIR   where to write (default plots-runN); created if missing.  Files\n"
		"              appear whole or not at all; a plot the run lacks is removed\n\n"
		"gnuplot is run from PATH (Debian: apt-get install gnuplot-nox).  Without it the\n"
		"data files are still written, and the command says so and exits 0.  The scripts\n"
		"are looked for in $TIERSIM_PLOTS, then BINDIR/../share/tiersim/plots,\n"
		"BINDIR/../plots, and ./plots.\n\n"
		"Exit status: 0 done, 1 gnuplot or the file system failed, 2 bad input (no such\n"
		"database, no such run, not a tiersim database).\n");
}

/* ---- small helpers ---------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->len;
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

/* name='value'; as a gnuplot assignment: in a single-quoted gnuplot string
 * only ' is special (written ''); control characters become '?'. */
static void sb_gpstr(struct sbuf *b, const char *name, const char *value)
{
	sb_printf(b, "%s='", name);
	for (const char *p = value; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '\'')
			sb_printf(b, "''");
		else if (ch < 0x20 || ch == 0x7f)
			sb_printf(b, "?");
		else
			sb_printf(b, "%c", *p);
	}
	sb_printf(b, "'; ");
}

/* snprintf for paths; a path too long for buf comes out truncated (and
 * then fails to open), never overflows. */
static void pathf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Splits a dotted name into at most max components (copied into buf). */
static size_t split_dots(const char *name, char *buf, size_t bufsz, char **parts, size_t max)
{
	snprintf(buf, bufsz, "%s", name);
	size_t n = 0;
	for (char *p = buf;;) {
		if (n == max)
			return max + 1; /* too many */
		parts[n++] = p;
		char *d = strchr(p, '.');
		if (!d)
			return n;
		*d = '\0';
		p = d + 1;
	}
}

/* A duration for a legend or a tick label, in the unit that suits it. */
static void fmt_dur(char *buf, size_t n, double ns)
{
	static const struct {
		double scale;
		const char *unit;
	} u[] = { { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "µs" }, { 1, "ns" } };
	size_t i = 0;
	while (i < 3 && fabs(ns) < u[i].scale * 0.9995)
		i++;
	snprintf(buf, n, "%.3g %s", ns / u[i].scale, u[i].unit);
}

/* ---- the run ---------------------------------------------------------- */

struct pctx {
	sqlite3 *db;
	const char *db_path;
	int64_t run;
	char subtitle[PLOT_NAME_MAX + 64];
	char tiers[PLOT_MAX_TIERS][64]; /* in scenario order: hot first */
	size_t ntiers;
	char tmpdir[PATH_MAX];
	size_t nfiles;
};

static int db_err(struct pctx *p, struct err *e, const char *what)
{
	return err_set(e, ERR_FAIL, "%s: %s: %s", p->db_path, what, sqlite3_errmsg(p->db));
}

static int prepare(struct pctx *p, sqlite3_stmt **st, const char *sql, struct err *e)
{
	if (sqlite3_prepare_v2(p->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_err(p, e, "reading");
	sqlite3_bind_int64(*st, 1, p->run);
	return 0;
}

/* Tier names as the scenario's [tier NAME] sections list them, so that
 * colours and legends go hot to cold. */
static void scan_tiers(struct pctx *p, const char *scenario)
{
	for (const char *s = scenario; s && *s && p->ntiers < PLOT_MAX_TIERS;) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		const char *q = s;
		while (q < s + len && (*q == ' ' || *q == '\t'))
			q++;
		if (q + 6 < s + len && strncmp(q, "[tier", 5) == 0 && (q[5] == ' ' || q[5] == '\t')) {
			q += 5;
			while (*q == ' ' || *q == '\t')
				q++;
			const char *end = q;
			while (end < s + len && *end != ']' && *end != ' ' && *end != '\t')
				end++;
			if (end > q && (size_t)(end - q) < sizeof p->tiers[0]) {
				memcpy(p->tiers[p->ntiers], q, (size_t)(end - q));
				p->tiers[p->ntiers][end - q] = '\0';
				p->ntiers++;
			}
		}
		s = eol ? eol + 1 : NULL;
	}
}

/* 1-based colour of a tier; tiers not in the scenario are added in the
 * order they are first met. */
static int tier_color(struct pctx *p, const char *tier)
{
	for (size_t i = 0; i < p->ntiers; i++)
		if (strcmp(p->tiers[i], tier) == 0)
			return (int)i + 1;
	if (p->ntiers < PLOT_MAX_TIERS && strlen(tier) < sizeof p->tiers[0]) {
		snprintf(p->tiers[p->ntiers], sizeof p->tiers[0], "%s", tier);
		return (int)++p->ntiers;
	}
	return PLOT_MAX_TIERS + 1;
}

static int tier_rank(struct pctx *p, const char *name)
{
	char buf[PLOT_NAME_MAX], *parts[4];
	size_t n = split_dots(name, buf, sizeof buf, parts, 3);
	return n >= 2 ? tier_color(p, parts[1]) : INT_MAX;
}

/* Opens the database read-only and checks that it is a tiersim database
 * holding the run (ERR_INPUT otherwise); run <= 0 picks the latest. */
static int open_run(struct pctx *p, const char *path, int64_t run, struct err *e)
{
	p->db_path = path;
	struct db_run r;
	if (db_read_open(&p->db, path, e) < 0 || db_run_read(p->db, path, run > 0 ? run : 0, NULL, &r, e) < 0)
		return -1;
	p->run = r.id;
	const char *sp = r.scenario_path;
	const char *base = sp ? strrchr(sp, '/') : NULL;
	snprintf(p->subtitle, sizeof p->subtitle, "run %lld of %s: %s", (long long)p->run,
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path, sp ? (base ? base + 1 : sp) : "(no scenario)");
	scan_tiers(p, r.scenario);
	db_run_free(&r);
	return 0;
}

/* ---- plots ------------------------------------------------------------- */

struct plot {
	const char *id;     /* file stem */
	const char *script; /* plots/SCRIPT.gp */
	const char *what;   /* for the list printed at the end */
	char title[160];
	FILE *f;
	size_t n;           /* curves written */
	size_t dropped;     /* curves beyond PLOT_MAX_CURVES */
	struct sbuf vars;   /* gnuplot assignments: titles, styles, axes */
	char skipped[200];  /* why not, when n == 0 */
	int drawn;
};

static int plot_open(struct pctx *p, struct plot *pl, const char *columns, struct err *e)
{
	char path[PATH_MAX];
	pathf(path, sizeof path, "%s/%s.dat", p->tmpdir, pl->id);
	pl->f = fopen(path, "w");
	if (!pl->f)
		return err_set(e, ERR_FAIL, "%s: %s", path, strerror(errno));
	fprintf(pl->f, "# tiersim plot: %s\n# %s (database %s)\n# columns (tab-separated): %s\n"
		       "# one block per curve, blocks separated by two blank lines (gnuplot: index i)\n",
		pl->title, p->subtitle, p->db_path, columns);
	return 0;
}

/* Starts a curve: its block comment and its legend title, colour and dash.
 * Returns 0 when the plot has no room for it (the caller skips its rows). */
static int curve_begin(struct plot *pl, const char *title, const char *source, int color, int dash)
{
	if (pl->n == PLOT_MAX_CURVES) {
		pl->dropped++;
		return 0;
	}
	fprintf(pl->f, "%s# [%zu] %s  (from %s)\n", pl->n ? "\n\n" : "", pl->n, title, source);
	pl->n++;
	char var[16];
	snprintf(var, sizeof var, "t%zu", pl->n);
	sb_gpstr(&pl->vars, var, title);
	sb_printf(&pl->vars, "c%zu=%d; d%zu=%d; ", pl->n, color, pl->n, dash);
	return 1;
}

/* Closes the file; a plot with no curves loses its file. */
static int plot_close(struct pctx *p, struct plot *pl, const char *why_empty, struct err *e)
{
	if (!pl->f) {
		snprintf(pl->skipped, sizeof pl->skipped, "%s", why_empty);
		sb_printf(&pl->vars, "n=0; ");
		return 0;
	}
	int bad = ferror(pl->f) | (fclose(pl->f) != 0);
	pl->f = NULL;
	char path[PATH_MAX];
	pathf(path, sizeof path, "%s/%s.dat", p->tmpdir, pl->id);
	if (bad)
		return err_set(e, ERR_FAIL, "%s: write failed: %s", path, strerror(errno));
	if (pl->vars.oom)
		return err_set(e, ERR_FAIL, "out of memory");
	if (pl->n == 0) {
		unlink(path);
		snprintf(pl->skipped, sizeof pl->skipped, "%s", why_empty);
	} else {
		p->nfiles++;
	}
	sb_printf(&pl->vars, "n=%zu; ", pl->n);
	return 0;
}

/* One series, non-NULL samples in time order (t in s). */
struct samples {
	double *t, *v;
	size_t n, cap;
};

static int load_series(struct pctx *p, const char *name, struct samples *s, struct err *e)
{
	s->n = 0;
	sqlite3_stmt *st;
	if (prepare(p, &st, "SELECT t_ns, value FROM series WHERE run = ? AND name = ? AND value IS NOT NULL"
			    " ORDER BY t_ns",
		    e) < 0)
		return -1;
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			double *t = realloc(s->t, cap * sizeof *t), *v = t ? realloc(s->v, cap * sizeof *v) : NULL;
			if (t)
				s->t = t;
			if (!t || !v) {
				sqlite3_finalize(st);
				return err_set(e, ERR_FAIL, "out of memory");
			}
			s->v = v;
			s->cap = cap;
		}
		int64_t t_ns = sqlite3_column_int64(st, 0);
		double v = sqlite3_column_double(st, 1);
		if (t_ns < 0 || !isfinite(v) || sqlite3_column_type(st, 1) == SQLITE_TEXT) {
			/* Not a database tiersim wrote: say so, rather than
			 * hand gnuplot a range it cannot draw (exit 1). */
			err_set(e, ERR_INPUT, "%s: run %lld: series %s: a sample at %lld ns of %s: not a time >= 0 and a "
				"finite number (a damaged results database)", p->db_path, (long long)p->run, name,
				(long long)t_ns, (const char *)sqlite3_column_text(st, 1));
			sqlite3_finalize(st);
			return -1;
		}
		s->t[s->n] = t_ns / 1e9;
		s->v[s->n] = v;
		s->n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(p, e, "reading series");
}

/* Series names of the run, with their units, that pass keep(). */
struct names {
	char (*name)[PLOT_NAME_MAX];
	int *rank;
	size_t n, cap;
};

static int names_add(struct names *l, const char *name, int rank)
{
	if (strlen(name) >= PLOT_NAME_MAX)
		return 0; /* longer than any name tiersim writes: not ours */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char(*nm)[PLOT_NAME_MAX] = realloc(l->name, cap * sizeof *nm);
		if (!nm)
			return -1;
		l->name = nm;
		int *r = realloc(l->rank, cap * sizeof *r);
		if (!r)
			return -1;
		l->rank = r;
		l->cap = cap;
	}
	snprintf(l->name[l->n], PLOT_NAME_MAX, "%s", name);
	l->rank[l->n++] = rank;
	return 0;
}

/* Stable sort by rank (insertion sort: lists are short). */
static void names_sort(struct names *l)
{
	char tmp[PLOT_NAME_MAX];
	for (size_t i = 1; i < l->n; i++) {
		int r = l->rank[i];
		memcpy(tmp, l->name[i], PLOT_NAME_MAX);
		size_t j = i;
		for (; j > 0 && l->rank[j - 1] > r; j--) {
			memcpy(l->name[j], l->name[j - 1], PLOT_NAME_MAX);
			l->rank[j] = l->rank[j - 1];
		}
		memcpy(l->name[j], tmp, PLOT_NAME_MAX);
		l->rank[j] = r;
	}
}

static void names_free(struct names *l)
{
	free(l->name);
	free(l->rank);
	memset(l, 0, sizeof *l);
}

/* Names from a query whose first column is a name and second a unit. */
static int query_names(struct pctx *p, const char *sql, int (*keep)(struct pctx *, const char *, const char *, int *),
		       struct names *out, struct err *e)
{
	sqlite3_stmt *st;
	if (prepare(p, &st, sql, e) < 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *unit = (const char *)sqlite3_column_text(st, 1);
		int rank = 0;
		if (name && unit && keep(p, name, unit, &rank) && names_add(out, name, rank) < 0) {
			sqlite3_finalize(st);
			return err_set(e, ERR_FAIL, "out of memory");
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(p, e, "reading names");
	names_sort(out);
	return 0;
}

/* -- bandwidth: cumulative-byte series, differentiated -- */

static int keep_bytes(struct pctx *p, const char *name, const char *unit, int *rank)
{
	if (strcmp(unit, "B") != 0)
		return 0;
	if (strncmp(name, "tier.", 5) == 0)
		*rank = tier_rank(p, name) * 2 + (ends_with(name, ".write_bytes") ? 1 : 0);
	else
		*rank = INT_MAX - 1;
	return 1;
}

static int plot_bandwidth(struct pctx *p, struct plot *pl, struct err *e)
{
	struct names l = { 0 };
	struct samples s = { 0 };
	int rc = query_names(p, "SELECT name, min(unit) FROM series WHERE run = ? GROUP BY name ORDER BY name", keep_bytes,
			     &l, e);
	if (rc == 0 && l.n)
		rc = plot_open(p, pl, "t_s (end of the interval, s), dt_s (its length, s), rate (GB/s = 1e9 B/s "
				      "over the interval)", e);
	int other = 0;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		const char *name = l.name[i];
		if ((rc = load_series(p, name, &s, e)) < 0 || s.n < 2)
			continue;
		char title[PLOT_NAME_MAX], buf[PLOT_NAME_MAX], *parts[4];
		int color, dash = 1;
		size_t np = split_dots(name, buf, sizeof buf, parts, 3);
		if (np == 3 && strcmp(parts[0], "tier") == 0 &&
		    (strcmp(parts[2], "read_bytes") == 0 || strcmp(parts[2], "write_bytes") == 0)) {
			int w = parts[2][0] == 'w';
			snprintf(title, sizeof title, "%s %s", parts[1], w ? "write" : "read");
			color = tier_color(p, parts[1]);
			dash = w ? 2 : 1;
		} else {
			snprintf(title, sizeof title, "%s", name);
			color = (int)p->ntiers + 1 + other++;
		}
		char src[PLOT_NAME_MAX + 32];
		snprintf(src, sizeof src, "series %s, B cumulative", name);
		if (!curve_begin(pl, title, src, color, dash))
			continue;
		/* The first row has dt 0 and the first interval's rate, so that
		 * gnuplot's fsteps draws every interval and sum(rate*dt) holds. */
		for (size_t k = 1; k < s.n; k++) {
			double dt = s.t[k] - s.t[k - 1];
			double r = dt > 0 ? (s.v[k] - s.v[k - 1]) / dt / 1e9 : 0;
			if (k == 1)
				fprintf(pl->f, "%.9g\t0\t%.9g\n", s.t[0], r);
			fprintf(pl->f, "%.9g\t%.9g\t%.9g\n", s.t[k], dt, r);
		}
	}
	free(s.t);
	free(s.v);
	names_free(&l);
	if (rc == 0)
		rc = plot_close(p, pl, "no cumulative-bytes series (tier.T.read_bytes, unit B)", e);
	return rc;
}

/* -- series plotted as they are: jobs in system, AU -- */

static int keep_in_system(struct pctx *p, const char *name, const char *unit, int *rank)
{
	(void)p;
	(void)rank;
	return ends_with(name, ".in_system") && strcmp(unit, "jobs") == 0;
}

static int keep_au(struct pctx *p, const char *name, const char *unit, int *rank)
{
	(void)p;
	(void)rank;
	return strncmp(name, "job.", 4) == 0 && ends_with(name, ".au") && strlen(name) > 7 && strcmp(unit, "ratio") == 0;
}

static int plot_series(struct pctx *p, struct plot *pl, int au, struct err *e)
{
	struct names l = { 0 };
	struct samples s = { 0 };
	int rc = query_names(p, "SELECT name, min(unit) FROM series WHERE run = ? GROUP BY name ORDER BY name",
			     au ? keep_au : keep_in_system, &l, e);
	if (rc == 0 && l.n)
		rc = plot_open(p, pl, au ? "t_s (s), au_pct (accelerator utilisation over the sampling period, %)"
					 : "t_s (s), jobs (waiting or in service)", e);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		if ((rc = load_series(p, l.name[i], &s, e)) < 0 || s.n == 0)
			continue;
		char title[PLOT_NAME_MAX], src[PLOT_NAME_MAX + 16];
		size_t len = strlen(l.name[i]);
		if (au)
			snprintf(title, sizeof title, "%.*s", (int)(len - 7), l.name[i] + 4);
		else
			snprintf(title, sizeof title, "%.*s", (int)(len - 10), l.name[i]);
		snprintf(src, sizeof src, "series %s", l.name[i]);
		if (!curve_begin(pl, title, src, (int)i + 1, 1))
			continue;
		for (size_t k = 0; k < s.n; k++)
			fprintf(pl->f, "%.9g\t%.9g\n", s.t[k], au ? 100 * s.v[k] : s.v[k]);
	}
	free(s.t);
	free(s.v);
	names_free(&l);
	if (rc == 0)
		rc = plot_close(p, pl, au ? "no AU series (job.NAME.au)" : "no jobs-in-system series (NAME.in_system)", e);
	return rc;
}

/* -- CDFs from histogram buckets -- */

struct bucket {
	uint64_t lo, hi, count;
};

struct cdf {
	struct bucket *b;
	size_t n, cap;
	uint64_t total;
	uint64_t max; /* the histograms' exact maximum (histograms.max), not a bucket's edge */
};

static int add_buckets(struct pctx *p, struct cdf *c, const char *name, struct err *e)
{
	sqlite3_stmt *st;
	if (prepare(p, &st, "SELECT lo, hi, count FROM histogram_buckets WHERE run = ? AND name = ? ORDER BY lo", e) < 0)
		return -1;
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1),
			      n = sqlite3_column_int64(st, 2);
		if (lo < 0 || hi < lo || n <= 0)
			continue;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 512;
			struct bucket *b = realloc(c->b, cap * sizeof *b);
			if (!b) {
				sqlite3_finalize(st);
				return err_set(e, ERR_FAIL, "out of memory");
			}
			c->b = b;
			c->cap = cap;
		}
		c->b[c->n++] = (struct bucket){ (uint64_t)lo, (uint64_t)hi, (uint64_t)n };
		c->total += (uint64_t)n;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(p, e, "reading histogram buckets");
	if (prepare(p, &st, "SELECT max FROM histograms WHERE run = ? AND name = ?", e) < 0)
		return -1;
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		sqlite3_int64 mx = sqlite3_column_int64(st, 0);
		if (mx > 0 && (uint64_t)mx > c->max)
			c->max = (uint64_t)mx;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_err(p, e, "reading histograms");
}

static int bucket_cmp(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts and adds up buckets with the same bounds (merged histograms). */
static void cdf_normalise(struct cdf *c)
{
	if (c->n == 0)
		return; /* no buckets (c->b NULL): qsort's argument must not be */
	qsort(c->b, c->n, sizeof *c->b, bucket_cmp);
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (k && c->b[k - 1].lo == c->b[i].lo && c->b[k - 1].hi == c->b[i].hi)
			c->b[k - 1].count += c->b[i].count;
		else
			c->b[k++] = c->b[i];
	}
	c->n = k;
}

/* The q-quantile as hist.h reports it: the midpoint of the bucket that
 * holds it. */
static double cdf_quantile(const struct cdf *c, double q)
{
	uint64_t cum = 0;
	for (size_t i = 0; i < c->n; i++) {
		cum += c->b[i].count;
		if ((double)cum >= q * (double)c->total)
			return (c->b[i].lo + c->b[i].hi) / 2.0;
	}
	return c->n ? (double)c->b[c->n - 1].hi : 0;
}

/* One CDF group: histograms that a classifier maps to a curve key and
 * title (merging histograms with the same key). */
struct cdf_curve {
	char key[PLOT_NAME_MAX];
	int dash;
	char title[PLOT_NAME_MAX];
	char source[PLOT_NAME_MAX + 64];
	int rank, color;
	size_t members;
	struct cdf c;
};

/* Sets key (curves with one key merge), title, rank (sort order), color
 * and dash; returns 0 for a histogram that is not the plot's. */
typedef int (*classify_fn)(struct pctx *p, const char *name, char *key, char *title, int *rank, int *color,
			   int *dash);

/* Dash per operation: read solid, write dashed, others dotted. */
static int op_dash(const char *op)
{
	return strcmp(op, "read") == 0 ? 1 : strcmp(op, "write") == 0 ? 2 : 3;
}

/* tier.T.OP_latency -> "T OP" */
static int class_tiers(struct pctx *p, const char *name, char *key, char *title, int *rank, int *color, int *dash)
{
	char buf[PLOT_NAME_MAX], *s[4];
	if (split_dots(name, buf, sizeof buf, s, 3) != 3 || strcmp(s[0], "tier") != 0 || !ends_with(s[2], "_latency"))
		return 0;
	s[2][strlen(s[2]) - 8] = '\0';
	snprintf(key, PLOT_NAME_MAX, "%s", name);
	snprintf(title, PLOT_NAME_MAX, "%s %s", s[1], s[2]);
	*color = tier_color(p, s[1]);
	*dash = op_dash(s[2]);
	*rank = *color * 16 + *dash;
	return 1;
}

/* backend.T.OP.latency and backend.T.nodeN.OP.latency -> "T OP" */
static int class_backends(struct pctx *p, const char *name, char *key, char *title, int *rank, int *color, int *dash)
{
	char buf[PLOT_NAME_MAX], *s[6];
	size_t n = split_dots(name, buf, sizeof buf, s, 5);
	if ((n != 4 && n != 5) || strcmp(s[0], "backend") != 0 || strcmp(s[n - 1], "latency") != 0)
		return 0;
	if (n == 5 && (strncmp(s[2], "node", 4) != 0 || !s[2][4] || strspn(s[2] + 4, "0123456789") != strlen(s[2] + 4)))
		return 0;
	const char *op = s[n - 2];
	snprintf(key, PLOT_NAME_MAX, "backend.%s.%s.latency", s[1], op);
	snprintf(title, PLOT_NAME_MAX, "%s %s", s[1], op);
	*color = tier_color(p, s[1]);
	*dash = op_dash(op);
	*rank = *color * 16 + *dash;
	return 1;
}

/* meta.S.OP.latency -> "S OP" */
static int class_meta(struct pctx *p, const char *name, char *key, char *title, int *rank, int *color, int *dash)
{
	(void)p;
	(void)color;
	(void)dash;
	char buf[PLOT_NAME_MAX], *s[5];
	if (split_dots(name, buf, sizeof buf, s, 4) != 4 || strcmp(s[0], "meta") != 0 || strcmp(s[3], "latency") != 0)
		return 0;
	snprintf(key, PLOT_NAME_MAX, "%s", name);
	snprintf(title, PLOT_NAME_MAX, "%s %s", s[1], s[2]);
	*rank = 0;
	return 1;
}

/* replay.latency, source.NAME.response */
static int class_requests(struct pctx *p, const char *name, char *key, char *title, int *rank, int *color, int *dash)
{
	(void)p;
	(void)color;
	(void)dash;
	char buf[PLOT_NAME_MAX], *s[4];
	size_t n = split_dots(name, buf, sizeof buf, s, 3);
	snprintf(key, PLOT_NAME_MAX, "%s", name);
	if (strcmp(name, "replay.latency") == 0) {
		snprintf(title, PLOT_NAME_MAX, "trace requests, end to end");
		*rank = 0;
		return 1;
	}
	if (n == 3 && strcmp(s[0], "source") == 0 && strcmp(s[2], "response") == 0) {
		snprintf(title, PLOT_NAME_MAX, "source %s", s[1]);
		*rank = 1;
		return 1;
	}
	return 0;
}

/* queue|pipe|link|bucket.NAME.response */
static int class_resources(struct pctx *p, const char *name, char *key, char *title, int *rank, int *color, int *dash)
{
	(void)p;
	(void)color;
	(void)dash;
	char buf[PLOT_NAME_MAX], *s[4];
	if (split_dots(name, buf, sizeof buf, s, 3) != 3 || strcmp(s[2], "response") != 0)
		return 0;
	if (strcmp(s[0], "queue") && strcmp(s[0], "pipe") && strcmp(s[0], "link") && strcmp(s[0], "bucket"))
		return 0;
	snprintf(key, PLOT_NAME_MAX, "%s", name);
	/* s[0] " " s[1] is name's "s0.s1" part: it fits. */
	if (snprintf(title, PLOT_NAME_MAX, "%s %s", s[0], s[1]) >= PLOT_NAME_MAX)
		return 0;
	*rank = 0;
	return 1;
}

/* job.NAME.checkpoint_stall -> "NAME" */
static int class_stalls(struct pctx *p, const char *name, char *key, char *title, int *rank, int *color, int *dash)
{
	(void)p;
	(void)color;
	(void)dash;
	size_t len = strlen(name);
	static const char sfx[] = ".checkpoint_stall";
	if (strncmp(name, "job.", 4) != 0 || !ends_with(name, sfx) || len <= 4 + sizeof sfx - 1)
		return 0;
	snprintf(key, PLOT_NAME_MAX, "%s", name);
	snprintf(title, PLOT_NAME_MAX, "%.*s", (int)(len - 4 - (sizeof sfx - 1)), name + 4);
	*rank = 0;
	return 1;
}

struct cdf_spec {
	classify_fn classify;
	const char *ylabel;
	const char *absent;
	int seconds; /* x in s (else ms or µs, whichever suits) */
};

static int plot_cdf(struct pctx *p, struct plot *pl, const struct cdf_spec *spec, struct err *e)
{
	struct cdf_curve *cv = NULL;
	size_t ncv = 0, cap = 0;
	sqlite3_stmt *st;
	int rc = prepare(p, &st, "SELECT name FROM histograms WHERE run = ? AND unit = 'ns' AND count > 0 ORDER BY name", e);
	while (rc == 0) {
		int s = sqlite3_step(st);
		if (s == SQLITE_DONE)
			break;
		if (s != SQLITE_ROW) {
			rc = db_err(p, e, "reading histograms");
			break;
		}
		const char *name = (const char *)sqlite3_column_text(st, 0);
		char key[PLOT_NAME_MAX], title[PLOT_NAME_MAX];
		int rank = 0, color = 0, dash = 1;
		if (!name || strlen(name) >= PLOT_NAME_MAX || !spec->classify(p, name, key, title, &rank, &color, &dash))
			continue;
		size_t i = 0;
		while (i < ncv && strcmp(cv[i].key, key) != 0)
			i++;
		if (i == ncv) {
			if (ncv == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct cdf_curve *t = realloc(cv, nc * sizeof *t);
				if (!t) {
					rc = err_set(e, ERR_FAIL, "out of memory");
					break;
				}
				cv = t;
				cap = nc;
			}
			memset(&cv[ncv], 0, sizeof cv[ncv]);
			snprintf(cv[ncv].key, PLOT_NAME_MAX, "%s", key);
			snprintf(cv[ncv].title, PLOT_NAME_MAX, "%s", title);
			snprintf(cv[ncv].source, sizeof cv[ncv].source, "histogram %s", name);
			cv[ncv].rank = rank;
			cv[ncv].color = color;
			cv[ncv].dash = dash;
			ncv++;
		}
		if (cv[i].members++ == 1)
			snprintf(cv[i].source, sizeof cv[i].source, "histograms %s", key);
		rc = add_buckets(p, &cv[i].c, name, e);
	}
	sqlite3_finalize(st);

	/* Order by rank, then name (the query's order), and pick a unit. */
	for (size_t i = 1; rc == 0 && i < ncv; i++)
		for (size_t j = i; j > 0 && cv[j - 1].rank > cv[j].rank; j--) {
			struct cdf_curve t = cv[j];
			cv[j] = cv[j - 1];
			cv[j - 1] = t;
		}
	/* The data's unit; the x range: from the lowest 0.1th percentile to
	 * the largest maximum (whole decades on a log axis). */
	double p99max = 0, xlo = INFINITY, xhi = 0;
	for (size_t i = 0; rc == 0 && i < ncv; i++) {
		struct cdf *c = &cv[i].c;
		cdf_normalise(c);
		if (!c->total)
			continue;
		p99max = fmax(p99max, cdf_quantile(c, 0.99));
		xlo = fmin(xlo, fmax(1, cdf_quantile(c, 0.001)));
		xhi = fmax(xhi, (double)c->b[c->n - 1].hi);
	}
	const char *unit = spec->seconds ? "s" : p99max >= 1e6 ? "ms" : "µs";
	double scale = spec->seconds ? 1e-9 : p99max >= 1e6 ? 1e-6 : 1e-3;
	int logx = !spec->seconds || xhi > 30 * xlo;

	if (rc == 0 && ncv) {
		char cols[160];
		snprintf(cols, sizeof cols, "x (%s %s), fraction (of %s <= x, 0..1)", spec->seconds ? "stall" : "latency",
			 unit, spec->seconds ? "checkpoints" : "operations");
		rc = plot_open(p, pl, cols, e);
	}
	for (size_t i = 0; rc == 0 && i < ncv; i++) {
		struct cdf *c = &cv[i].c;
		if (!c->total)
			continue;
		char legend[PLOT_NAME_MAX + 128], a[32], b[32], m[32], nodes[32] = "";
		fmt_dur(a, sizeof a, cdf_quantile(c, 0.5));
		fmt_dur(b, sizeof b, cdf_quantile(c, 0.99));
		fmt_dur(m, sizeof m, (double)(c->max ? c->max : c->b[c->n - 1].hi));
		if (cv[i].members > 1)
			snprintf(nodes, sizeof nodes, " (%zu nodes)", cv[i].members);
		snprintf(legend, sizeof legend, "%s%s: p50 %s, p99 %s%s%s, n=%llu", cv[i].title, nodes, a, b,
			 spec->seconds ? ", max " : "", spec->seconds ? m : "", (unsigned long long)c->total);
		if (!curve_begin(pl, legend, cv[i].source, cv[i].color ? cv[i].color : (int)pl->n + 1, cv[i].dash))
			continue;
		/* On a log axis a value of 0 sits at the axis's left edge: left
		 * out, a curve of zeros (a bucket that never waits) was an empty
		 * block, which gnuplot does not count, and every legend entry
		 * after it named the next curve. */
		double zero = logx ? pow(10, floor(log10(xlo))) : 0;
		uint64_t cum = 0;
		for (size_t k = 0; k < c->n; k++) {
			double f0 = (double)cum / (double)c->total;
			cum += c->b[k].count;
			double f1 = cum == c->total ? 1.0 : (double)cum / (double)c->total;
			fprintf(pl->f, "%.9g\t%.9g\n", c->b[k].lo > 0 ? c->b[k].lo * scale : zero * scale, f0);
			fprintf(pl->f, "%.9g\t%.9g\n", c->b[k].hi > 0 ? c->b[k].hi * scale : zero * scale, f1);
		}
	}
	for (size_t i = 0; i < ncv; i++)
		free(cv[i].c.b);
	free(cv);
	if (rc == 0 && pl->n) {
		const char *what = spec->seconds ? "checkpoint stall" : "latency";
		char xl[96];
		if (logx) {
			/* Decade ticks labelled with their own units: 100 ns, 1 µs, ... */
			double lo = pow(10, floor(log10(xlo))), hi = pow(10, ceil(log10(xhi)));
			sb_printf(&pl->vars, "xmin=%.9g; xmax=%.9g; ", lo * scale, hi * scale);
			struct sbuf t = { 0 };
			sb_printf(&t, "(");
			for (double d = lo; d <= hi * 1.001; d *= 10) {
				char lab[32];
				fmt_dur(lab, sizeof lab, d);
				sb_printf(&t, "%s\"%s\" %.9g", d == lo ? "" : ", ", lab, d * scale);
			}
			sb_printf(&t, ")");
			sb_gpstr(&pl->vars, "xtics", t.oom ? "" : t.s);
			free(t.s);
			snprintf(xl, sizeof xl, "%s (log scale)", what);
		} else {
			sb_printf(&pl->vars, "xmin=0; xmax=%.9g; ", xhi * scale * 1.05);
			sb_gpstr(&pl->vars, "xtics", "");
			snprintf(xl, sizeof xl, "%s (%s)", what, unit);
		}
		sb_gpstr(&pl->vars, "xlabel", xl);
		sb_gpstr(&pl->vars, "ylabel", spec->ylabel);
		sb_printf(&pl->vars, "logx=%d; ", logx);
	}
	if (rc == 0)
		rc = plot_close(p, pl, spec->absent, e);
	return rc;
}

/* -- tiers: hit ratio and served share -- */

static int plot_tiers(struct pctx *p, struct plot *pl, struct err *e)
{
	struct names l = { 0 };
	sqlite3_stmt *st;
	/* Tiers that were looked up: one nothing was read from has no ratio
	 * (its metric's 0 stands for "none", and the text table leaves it
	 * blank), and a run with no reads at all has no plot. */
	int rc = prepare(p, &st, "SELECT name FROM metrics t WHERE run = ?1 AND name LIKE 'tier.%.hit_ratio'"
				 " AND value IS NOT NULL AND (SELECT sum(value) FROM metrics WHERE run = ?1 AND name IN"
				 " (replace(t.name, '.hit_ratio', '.hits'), replace(t.name, '.hit_ratio', '.misses'))) > 0"
				 " ORDER BY name", e);
	while (rc == 0) {
		int s = sqlite3_step(st);
		if (s == SQLITE_DONE)
			break;
		if (s != SQLITE_ROW) {
			rc = db_err(p, e, "reading metrics");
			break;
		}
		const char *name = (const char *)sqlite3_column_text(st, 0);
		char buf[PLOT_NAME_MAX], *parts[4];
		if (name && split_dots(name, buf, sizeof buf, parts, 3) == 3 && names_add(&l, parts[1], tier_color(p, parts[1])) < 0)
			rc = err_set(e, ERR_FAIL, "out of memory");
	}
	sqlite3_finalize(st);
	if (rc == 0) {
		names_sort(&l);
		if (l.n)
			rc = plot_open(p, pl, "tier, hit_pct (hit ratio: hits / lookups at the tier, %), served_pct "
					      "(share of all reads the tier served, %), served_from_pct, served_to_pct "
					      "(the tier's segment of the stacked bar)", e);
	}
	sqlite3_stmt *q = NULL;
	if (rc == 0 && l.n)
		rc = prepare(p, &q, "SELECT (SELECT value FROM metrics WHERE run = ?1 AND name = 'tier.' || ?2 || '.hit_ratio'),"
				    " (SELECT value FROM metrics WHERE run = ?1 AND name = 'tier.' || ?2 || '.served_share')", e);
	double cum = 0;
	int have_share = 0;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 2, l.name[i], -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_ROW) {
			rc = db_err(p, e, "reading metrics");
			break;
		}
		double hit = sqlite3_column_double(q, 0);
		int share_null = sqlite3_column_type(q, 1) == SQLITE_NULL;
		double share = share_null ? 0 : sqlite3_column_double(q, 1);
		have_share |= !share_null;
		char src[PLOT_NAME_MAX + 64];
		snprintf(src, sizeof src, "metrics tier.%s.hit_ratio, tier.%s.served_share", l.name[i], l.name[i]);
		if (!curve_begin(pl, l.name[i], src, tier_color(p, l.name[i]), 1))
			continue;
		fprintf(pl->f, "%s\t%.9g\t%.9g\t%.9g\t%.9g\n", l.name[i], 100 * hit, 100 * share, 100 * cum,
			100 * (cum + share));
		cum += share;
	}
	sqlite3_finalize(q);
	names_free(&l);
	if (rc == 0) {
		sb_printf(&pl->vars, "have_share=%d; ", have_share);
		rc = plot_close(p, pl, "no tier was read from (metrics tier.T.hit_ratio, .hits, .misses)", e);
	}
	return rc;
}

/* ---- drawing ---------------------------------------------------------- */

/* The first executable `gnuplot` on PATH, or 0. */
static int find_gnuplot(char *out, size_t n)
{
	const char *path = getenv("PATH");
	if (!path)
		return 0;
	while (*path) {
		const char *c = strchr(path, ':');
		size_t len = c ? (size_t)(c - path) : strlen(path);
		snprintf(out, n, "%.*s/gnuplot", len ? (int)len : 1, len ? path : ".");
		struct stat sb;
		if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0)
			return 1;
		path += len + (c ? 1 : 0);
	}
	return 0;
}

static int is_script_dir(const char *dir)
{
	char f[PATH_MAX];
	pathf(f, sizeof f, "%s/common.gp", dir);
	return access(f, R_OK) == 0;
}

/* The directory of the gnuplot scripts (see usage()), or 0. */
static int find_scripts(char *out, size_t n)
{
	const char *env = getenv("TIERSIM_PLOTS");
	if (env && *env) {
		snprintf(out, n, "%s", env);
		return is_script_dir(out);
	}
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			static const char *const rel[] = { "../share/tiersim/plots", "../plots", "plots" };
			for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
				pathf(out, n, "%s/%s", exe, rel[i]);
				if (is_script_dir(out))
					return 1;
			}
		}
	}
	snprintf(out, n, "plots");
	return is_script_dir(out);
}

/* Runs gnuplot on common.gp and the plot's script for one format; its
 * messages go to log_fd.  Returns gnuplot's exit status, -1 if it could
 * not be run. */
static int run_gnuplot(const char *gnuplot, const char *scripts, struct pctx *p, struct plot *pl, const char *fmt,
		       int log_fd)
{
	struct sbuf v = { 0 };
	char path[PATH_MAX], common[PATH_MAX], script[PATH_MAX];
	pathf(path, sizeof path, "%s/%s.dat", p->tmpdir, pl->id);
	sb_gpstr(&v, "data", path);
	pathf(path, sizeof path, "%s/%s.%s", p->tmpdir, pl->id, fmt);
	sb_gpstr(&v, "out", path);
	sb_gpstr(&v, "fmt", fmt);
	sb_gpstr(&v, "plot_title", pl->title);
	sb_gpstr(&v, "subtitle", p->subtitle);
	sb_printf(&v, "%s", pl->vars.s ? pl->vars.s : "");
	pathf(common, sizeof common, "%s/common.gp", scripts);
	pathf(script, sizeof script, "%s/%s.gp", scripts, pl->script);
	if (v.oom) {
		free(v.s);
		return -1;
	}
	char *argv[] = { "gnuplot", "-e", v.s, common, script, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(log_fd, 1);
		}
		dup2(log_fd, 2);
		execv(gnuplot, argv);
		_exit(127);
	}
	free(v.s);
	if (pid < 0)
		return -1;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Before simulating: --plot DIR is a directory, or one that mkdir can
 * make (its parent is there).  A bad one is a usage error (exit 2), not a
 * row that failed (exit 1). */
int cli_plot_dir_check(const char *dir, struct err *e)
{
	struct stat st;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : err_set(e, ERR_INPUT, "--plot %s: not a directory", dir);
	char trimmed[PATH_MAX], parent[PATH_MAX];
	snprintf(trimmed, sizeof trimmed, "%s", dir);
	size_t n = strlen(trimmed);
	while (n > 1 && trimmed[n - 1] == '/') /* "out/" is out's own name */
		trimmed[--n] = '\0';
	cfg_dir_of(trimmed, parent, sizeof parent);
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, ERR_INPUT, "--plot %s: %s is not a directory to make it in", dir, parent);
	return 0;
}

/* ---- putting the files in place --------------------------------------- */

static const char *const exts[] = { "dat", "png", "svg" };

/* Moves each finished file into dir (created if missing) and removes from
 * dir every file of this command's that was not made this time (a plot the
 * run lacks; pictures gnuplot did not draw), so dir holds one run. */
static int commit(struct pctx *p, struct plot *plots, size_t nplots, const char *dir, int keep_log, struct err *e)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return err_set(e, ERR_FAIL, "%s: cannot create: %s", dir, strerror(errno));
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INPUT, "%s: not a directory", dir);
	char from[PATH_MAX], to[PATH_MAX];
	for (size_t i = 0; i < nplots; i++)
		for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
			pathf(from, sizeof from, "%s/%s.%s", p->tmpdir, plots[i].id, exts[k]);
			pathf(to, sizeof to, "%s/%s.%s", dir, plots[i].id, exts[k]);
			int made = k == 0 ? plots[i].n > 0 : plots[i].drawn;
			if (made && rename(from, to) < 0)
				return err_set(e, ERR_FAIL, "%s: cannot move into place: %s", to, strerror(errno));
			if (!made && unlink(to) < 0 && errno != ENOENT)
				return err_set(e, ERR_FAIL, "%s: cannot remove the stale file: %s", to, strerror(errno));
		}
	pathf(from, sizeof from, "%s/gnuplot.log", p->tmpdir);
	pathf(to, sizeof to, "%s/gnuplot.log", dir);
	if (keep_log ? rename(from, to) < 0 : unlink(to) < 0 && errno != ENOENT)
		return err_set(e, ERR_FAIL, "%s: %s", to, strerror(errno));
	return 0;
}

/* Removes the scratch directory and what this command put in it. */
static void cleanup(struct pctx *p, struct plot *plots, size_t nplots)
{
	if (!p->tmpdir[0])
		return;
	char f[PATH_MAX];
	for (size_t i = 0; i < nplots; i++)
		for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
			pathf(f, sizeof f, "%s/%s.%s", p->tmpdir, plots[i].id, exts[k]);
			unlink(f);
		}
	pathf(f, sizeof f, "%s/gnuplot.log", p->tmpdir);
	unlink(f);
	rmdir(p->tmpdir);
	p->tmpdir[0] = '\0';
}

static int make_tmpdir(struct pctx *p, const char *dir, struct err *e)
{
	char parent[PATH_MAX], base[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir);
	size_t len = strlen(parent);
	while (len > 1 && parent[len - 1] == '/')
		parent[--len] = '\0';
	char *slash = strrchr(parent, '/');
	if (!slash) {
		snprintf(base, sizeof base, "%s", parent);
		snprintf(parent, sizeof parent, ".");
	} else {
		snprintf(base, sizeof base, "%s", slash + 1);
		if (slash == parent)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	int n = snprintf(p->tmpdir, sizeof p->tmpdir, "%s/.%s.tmp.XXXXXX", parent, base);
	if (n < 0 || (size_t)n >= sizeof p->tmpdir || !mkdtemp(p->tmpdir)) {
		int errnum = errno;
		p->tmpdir[0] = '\0';
		return err_set(e, errnum == ENOENT || errnum == ENOTDIR ? ERR_INPUT : ERR_FAIL,
			       "%s: cannot write beside it (in %s): %s", dir, parent, strerror(errnum));
	}
	return 0;
}

/* ---- the command ------------------------------------------------------ */

int cmd_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long run = 0;
	const char *out = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'r': {
			char *end;
			errno = 0;
			run = strtoll(optarg, &end, 10);
			if (errno || *end || end == optarg || run <= 0) {
				fprintf(stderr, "tiersim plot: --run: '%s' is not a run number (1, 2, ...)\n", optarg);
				return CLI_USAGE;
			}
			break;
		}
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "tiersim plot: try tiersim plot --help\n");
			return CLI_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tiersim plot: %s (usage: tiersim plot RESULTS.db [--run N] [--out DIR])\n",
			optind == argc ? "which database? give RESULTS.db" : "one database at a time");
		return CLI_USAGE;
	}
	if (out && !*out) {
		fprintf(stderr, "tiersim plot: --out: empty directory name\n");
		return CLI_USAGE;
	}
	return cli_plot_run(argv[optind], run, out, stdout);
}

int cli_plot_run(const char *db, long long run, const char *out, FILE *report)
{
	struct err e = { 0 };
	struct pctx p = { 0 };
	struct plot plots[] = {
		{ .id = "bandwidth", .script = "bandwidth", .what = "bandwidth per tier over time" },
		{ .id = "in_system", .script = "in_system", .what = "jobs in system over time" },
		{ .id = "au", .script = "au", .what = "AU over time per job" },
		{ .id = "latency_tiers", .script = "cdf", .what = "latency CDF per tier and operation" },
		{ .id = "latency_backends", .script = "cdf", .what = "latency CDF per backend operation" },
		{ .id = "latency_metadata", .script = "cdf", .what = "latency CDF per metadata operation" },
		{ .id = "latency_requests", .script = "cdf", .what = "end-to-end request latency CDF" },
		{ .id = "latency_resources", .script = "cdf", .what = "response time CDF per resource" },
		{ .id = "checkpoint_stall", .script = "cdf", .what = "checkpoint stall CDF per job" },
		{ .id = "tiers", .script = "tiers", .what = "hit ratio and served share per tier" },
	};
	const size_t nplots = sizeof plots / sizeof plots[0];
	for (size_t i = 0; i < nplots; i++)
		snprintf(plots[i].title, sizeof plots[i].title, "%s", plots[i].what);
	snprintf(plots[0].title, sizeof plots[0].title, "Bandwidth per tier over time (thick solid: read, thin dashed: write)");
	snprintf(plots[1].title, sizeof plots[1].title, "Jobs in system over time");
	snprintf(plots[2].title, sizeof plots[2].title, "Accelerator utilisation (AU) over time, per job");
	snprintf(plots[3].title, sizeof plots[3].title, "Latency per tier and operation (CDF)");
	snprintf(plots[4].title, sizeof plots[4].title, "Backend latency per operation (CDF)");
	snprintf(plots[5].title, sizeof plots[5].title, "Metadata latency per operation (CDF)");
	snprintf(plots[6].title, sizeof plots[6].title, "Request latency, end to end (CDF)");
	snprintf(plots[7].title, sizeof plots[7].title, "Response time per resource (CDF)");
	snprintf(plots[8].title, sizeof plots[8].title, "Checkpoint stalls (CDF)");
	snprintf(plots[9].title, sizeof plots[9].title, "Tiers: hit ratio and share of reads served");
	static const struct cdf_spec specs[] = {
		{ class_tiers, "fraction of reads <= x", "no tier latency histograms (tier.T.read_latency)", 0 },
		{ class_backends, "fraction of operations <= x", "no backend latency histograms (backend.T.OP.latency)", 0 },
		{ class_meta, "fraction of operations <= x", "no metadata latency histograms (meta.S.OP.latency)", 0 },
		{ class_requests, "fraction of requests <= x", "no request latency histograms (replay.latency, source.NAME.response)", 0 },
		{ class_resources, "fraction of jobs <= x", "no resource response histograms (queue.NAME.response, ...)", 0 },
		{ class_stalls, "fraction of checkpoints <= x", "no checkpoint stall histograms (job.NAME.checkpoint_stall)", 1 },
	};

	int rc = open_run(&p, db, run, &e);
	char dir[PATH_MAX];
	if (rc == 0) {
		if (out)
			snprintf(dir, sizeof dir, "%s", out);
		else
			snprintf(dir, sizeof dir, "plots-run%lld", (long long)p.run);
		rc = make_tmpdir(&p, dir, &e);
	}
	if (rc == 0)
		rc = plot_bandwidth(&p, &plots[0], &e);
	if (rc == 0)
		rc = plot_series(&p, &plots[1], 0, &e);
	if (rc == 0)
		rc = plot_series(&p, &plots[2], 1, &e);
	for (size_t i = 0; rc == 0 && i < sizeof specs / sizeof specs[0]; i++)
		rc = plot_cdf(&p, &plots[3 + i], &specs[i], &e);
	if (rc == 0)
		rc = plot_tiers(&p, &plots[9], &e);

	char gnuplot[PATH_MAX], scripts[PATH_MAX];
	int have_gnuplot = 0, have_scripts = 0, draw_failed = 0, log_kept = 0;
	if (rc == 0 && p.nfiles) {
		have_gnuplot = find_gnuplot(gnuplot, sizeof gnuplot);
		have_scripts = have_gnuplot && find_scripts(scripts, sizeof scripts);
	}
	if (rc == 0 && have_scripts) {
		char log[PATH_MAX];
		pathf(log, sizeof log, "%s/gnuplot.log", p.tmpdir);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			rc = err_set(&e, ERR_FAIL, "%s: %s", log, strerror(errno));
		for (size_t i = 0; rc == 0 && i < nplots; i++) {
			if (!plots[i].n)
				continue;
			int s1 = run_gnuplot(gnuplot, scripts, &p, &plots[i], "png", fd);
			int s2 = s1 == 0 ? run_gnuplot(gnuplot, scripts, &p, &plots[i], "svg", fd) : s1;
			plots[i].drawn = s1 == 0 && s2 == 0;
			draw_failed |= !plots[i].drawn;
		}
		if (fd >= 0)
			close(fd);
		struct stat sb;
		log_kept = rc == 0 && draw_failed && stat(log, &sb) == 0 && sb.st_size > 0;
	}
	if (rc == 0)
		rc = commit(&p, plots, nplots, dir, log_kept, &e);
	cleanup(&p, plots, nplots);
	if (p.db)
		sqlite3_close(p.db);
	if (rc < 0) {
		for (size_t i = 0; i < nplots; i++) {
			if (plots[i].f)
				fclose(plots[i].f);
			free(plots[i].vars.s);
		}
		return cli_fail("plot", &e);
	}

	fprintf(report, "tiersim plot: %s into %s/\n", p.subtitle, dir);
	for (size_t i = 0; i < nplots; i++) {
		if (plots[i].n)
			fprintf(report, "  %-18s %s (%zu curve%s%s)%s\n", plots[i].id, plots[i].what, plots[i].n,
			       plots[i].n == 1 ? "" : "s", plots[i].dropped ? ", more left out" : "",
			       plots[i].drawn ? ": .png .svg .dat" : have_scripts ? ": .dat (gnuplot failed)" : ": .dat");
		free(plots[i].vars.s);
	}
	for (size_t i = 0; i < nplots; i++)
		if (!plots[i].n)
			fprintf(report, "  %-18s skipped: %s\n", plots[i].id, plots[i].skipped);
	if (!p.nfiles) {
		fprintf(stderr, "tiersim plot: run %lld has nothing to plot\n", (long long)p.run);
		return CLI_OK;
	}
	if (!have_gnuplot) {
		fprintf(stderr, "tiersim plot: gnuplot not found: wrote the data files to %s; install gnuplot-nox to draw them\n",
			dir);
		return CLI_OK;
	}
	if (!have_scripts) {
		fprintf(stderr, "tiersim plot: the gnuplot scripts (plots/*.gp) were not found in $TIERSIM_PLOTS, "
				"BINDIR/../share/tiersim/plots, BINDIR/../plots or ./plots: wrote the data files to %s\n",
			dir);
		return CLI_FAIL;
	}
	if (draw_failed) {
		fprintf(stderr, "tiersim plot: gnuplot failed on some plots%s%s%s\n", log_kept ? "; see " : "",
			log_kept ? dir : "", log_kept ? "/gnuplot.log" : "");
		return CLI_FAIL;
	}
	return CLI_OK;
}
