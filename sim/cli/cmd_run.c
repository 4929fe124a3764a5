/*
 * tiersim run — simulate a scenario, print a summary, write the results.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "models/qnet.h"
#include "models/tiered.h"
#include "run_tiered.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/results.h"
#include "sim/table.h"
#include "sim/units.h"

extern const char tiersim_default_scenario[];

#define DEFAULT_NAME "(bundled default)"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim run [SCENARIO.ini] [--seed N] [--out results.db] [--until TIME]\n"
		"                   [--format text|csv|json] [--queue calendar|heap] [--plot DIR]\n"
		"       tiersim run --print-default\n\n"
		"Simulates SCENARIO.ini (without one, the bundled default: `tiersim run --print-default`\n"
		"shows it), prints a summary and appends the run to the SQLite database.\n\n"
		"  --seed N        run seed (overrides [run] seed; default 1)\n"
		"  --out FILE      results database (default results.db); created if missing\n"
		"  --until TIME    simulated time to run, e.g. 90s or 10m (overrides [run] until)\n"
		"  --format F      text (a summary, default), csv or json (every metric: name, value, unit)\n"
		"  --queue Q       pending-event set: calendar (default) or heap\n"
		"  --plot DIR      draw the run's plots into DIR afterwards (tiersim plot); the bundled\n"
		"                  default draws them into plots-runN unless --plot is given; with csv or\n"
		"                  json the plot's report goes to stderr\n"
		"  --print-default print the bundled default scenario and exit\n\n"
		"Ctrl-C (SIGINT) or SIGTERM ends the run where it is and writes its results so far\n"
		"(run.interrupted); the exit status is then 130 or 143.\n");
}

/* The progress line: simulated time, events/s, ETA; only on a terminal,
 * and only once a run has taken two seconds. */
struct progress {
	int on;
	int shown;
	double start;
	double last;  /* when the line was last drawn */
};

/* The event at a queueing run's `until` (see cmd_run). */
static void run_end_mark(void *arg)
{
	(void)arg;
}

static void progress_update(struct progress *p, const struct ev_engine *eng, uint64_t until)
{
	if (!p->on)
		return;
	double wall = trun_wall_seconds(), el = wall - p->start;
	if (el < 2.0 || wall - p->last < 0.25)
		return;
	p->last = wall;
	char t[32], u[32];
	if (until == 0) { /* until the trace ends: no ETA */
		fprintf(stderr, "\r  simulated %s, %.1fM events/s   ", unit_fmt_time(t, sizeof t, (double)ev_now(eng)),
			ev_events_run(eng) / el / 1e6);
	} else {
		double done = (double)ev_now(eng) / (double)until;
		fprintf(stderr, "\r  simulated %s of %s (%3.0f%%), %.1fM events/s, ETA %.0f s   ",
			unit_fmt_time(t, sizeof t, (double)ev_now(eng)), unit_fmt_time(u, sizeof u, (double)until),
			done * 100, ev_events_run(eng) / el / 1e6, done > 0 ? el / done - el : 0.0);
	}
	p->shown = 1;
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r%*s\r", 78, "");
}

/* Slices of simulated time for a run that lasts until its trace ends. */
#define SLICE_NS 100000000ull

static double metric(const struct met_registry *m, const char *prefix, const char *suffix)
{
	char name[256];
	snprintf(name, sizeof name, "%s.%s", prefix, suffix);
	const struct met_scalar *s = met_find(m, name);
	return s ? s->value : NAN;
}

/* The human summary: one row per resource, one per source. */
static int print_summary(const struct met_registry *m, FILE *out)
{
	struct tbl *t = tbl_new("resources");
	if (!t)
		return -1;
	int c_name = tbl_col(t, "resource", "resource", "");
	int c_load = tbl_col(t, "offered_load", "offered", "");
	int c_util = tbl_col(t, "utilisation", "util", "");
	int c_sys = tbl_col(t, "mean_in_system", "mean in system", "jobs");
	int c_tput = tbl_col(t, "throughput_per_s", "throughput", "/s");
	int c_bw = tbl_col(t, "bandwidth_GBps", "bandwidth", "GB/s");
	int c_wait = tbl_col(t, "mean_wait_ms", "mean wait", "ms");
	int c_p99 = tbl_col(t, "p99_response_ms", "p99 response", "ms");
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		const char *dot = strrchr(name, '.');
		if (!dot || strcmp(dot, ".offered_load") != 0)
			continue;
		char res[200];
		snprintf(res, sizeof res, "%.*s", (int)(dot - name), name);
		tbl_row(t);
		tbl_str(t, c_name, res);
		tbl_num(t, c_load, "%.3f", metric(m, res, "offered_load"));
		tbl_num(t, c_util, "%.3f", metric(m, res, "utilisation"));
		tbl_num(t, c_sys, "%.3f", metric(m, res, "mean_in_system"));
		tbl_num(t, c_tput, "%.1f", metric(m, res, "throughput"));
		double bw = metric(m, res, "bandwidth");
		if (!isnan(bw))
			tbl_num(t, c_bw, "%.2f", bw / 1e9);
		char hn[256];
		snprintf(hn, sizeof hn, "%s.wait", res);
		const struct hist *w = met_find_hist(m, hn);
		if (w && hist_count(w)) /* none completed: blank, not 0 ms */
			tbl_num(t, c_wait, "%.4f", hist_mean(w) / 1e6);
		snprintf(hn, sizeof hn, "%s.response", res);
		const struct hist *r = met_find_hist(m, hn);
		if (r && hist_count(r))
			tbl_num(t, c_p99, "%.4f", hist_quantile(r, 0.99) / 1e6);
	}
	int rc = tbl_print(t, TBL_TEXT, out);
	tbl_free(t);
	if (rc < 0)
		return -1;
	fputc('\n', out);

	t = tbl_new("sources");
	if (!t)
		return -1;
	c_name = tbl_col(t, "source", "source", "");
	int c_jobs = tbl_col(t, "jobs", "jobs", "");
	int c_done = tbl_col(t, "completed", "completed", "");
	int c_drop = tbl_col(t, "dropped", "dropped", "");
	int c_mean = tbl_col(t, "mean_response_ms", "mean response", "ms");
	int c_p50 = tbl_col(t, "p50_response_ms", "p50", "ms");
	int c_p99s = tbl_col(t, "p99_response_ms", "p99", "ms");
	int c_p999 = tbl_col(t, "p999_response_ms", "p99.9", "ms");
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t len = strlen(name);
		if (strncmp(name, "source.", 7) != 0 || len < 5 || strcmp(name + len - 5, ".jobs") != 0)
			continue;
		char src[200];
		snprintf(src, sizeof src, "%.*s", (int)(len - 5), name);
		tbl_row(t);
		tbl_str(t, c_name, src + 7);
		tbl_num(t, c_jobs, "%.0f", metric(m, src, "jobs"));
		tbl_num(t, c_done, "%.0f", metric(m, src, "completed"));
		tbl_num(t, c_drop, "%.0f", metric(m, src, "dropped"));
		char hn[256];
		snprintf(hn, sizeof hn, "%s.response", src);
		const struct hist *h = met_find_hist(m, hn);
		if (h && hist_count(h)) {
			tbl_num(t, c_mean, "%.4f", hist_mean(h) / 1e6);
			tbl_num(t, c_p50, "%.4f", hist_quantile(h, 0.50) / 1e6);
			tbl_num(t, c_p99s, "%.4f", hist_quantile(h, 0.99) / 1e6);
			tbl_num(t, c_p999, "%.4f", hist_quantile(h, 0.999) / 1e6);
		}
	}
	rc = tbl_print(t, TBL_TEXT, out);
	tbl_free(t);
	return rc;
}

/* Every metric, long form, for scripts. */
static int print_metrics(const struct met_registry *m, enum tbl_format f, FILE *out)
{
	struct tbl *t = tbl_new(NULL);
	if (!t)
		return -1;
	int cn = tbl_col(t, "name", "name", ""), cv = tbl_col(t, "value", "value", ""),
	    cu = tbl_col(t, "unit", "unit", "");
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const struct met_scalar *s = met_scalar_at(m, i);
		tbl_row(t);
		tbl_str(t, cn, s->name);
		tbl_num(t, cv, "%.17g", s->value);
		tbl_str(t, cu, s->unit);
	}
	static const struct {
		const char *suffix;
		double q;
	} qs[] = { { "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }, { "p999", 0.999 } };
	for (size_t i = 0; i < met_nhists(m); i++) {
		const struct met_named_hist *h = met_hist_at(m, i);
		char name[256];
		snprintf(name, sizeof name, "%s.count", h->name);
		tbl_row(t);
		tbl_str(t, cn, name);
		tbl_num(t, cv, "%.0f", (double)hist_count(h->h));
		tbl_str(t, cu, "samples");
		/* Empty: no mean or quantiles (blank, null), as the database
		 * holds NULL for them. */
		int empty = hist_count(h->h) == 0;
		snprintf(name, sizeof name, "%s.mean", h->name);
		tbl_row(t);
		tbl_str(t, cn, name);
		tbl_num(t, cv, "%.17g", empty ? NAN : hist_mean(h->h));
		tbl_str(t, cu, h->unit);
		for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
			snprintf(name, sizeof name, "%s.%s", h->name, qs[k].suffix);
			tbl_row(t);
			tbl_str(t, cn, name);
			tbl_num(t, cv, "%.17g", empty ? NAN : hist_quantile(h->h, qs[k].q));
			tbl_str(t, cu, h->unit);
		}
	}
	int rc = tbl_print(t, f, out);
	tbl_free(t);
	return rc;
}

/* What a cut or interrupted run left out, in words: "3 requests in
 * flight and 12 dirty chunks not yet written back are left out". */
static void left_out(char *buf, size_t len, struct trun_left l)
{
	if (!l.requests && !l.dirty_chunks) {
		snprintf(buf, len, "no request was in flight");
		return;
	}
	char r[64] = "", d[80] = "";
	if (l.requests)
		snprintf(r, sizeof r, "%zu request%s in flight", l.requests, l.requests == 1 ? "" : "s");
	if (l.dirty_chunks)
		snprintf(d, sizeof d, "%zu dirty chunk%s not yet written back", l.dirty_chunks,
			 l.dirty_chunks == 1 ? "" : "s");
	snprintf(buf, len, "%s%s%s %s left out", r, *r && *d ? " and " : "", d,
		 l.requests + l.dirty_chunks == 1 ? "is" : "are");
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },  { "out", required_argument, NULL, 'o' },
		{ "until", required_argument, NULL, 'u' }, { "format", required_argument, NULL, 'f' },
		{ "queue", required_argument, NULL, 'q' }, { "print-default", no_argument, NULL, 'p' },
		{ "plot", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
	};
	const char *out_path = "results.db", *seed_s = NULL, *until_s = NULL, *queue = NULL, *plot_dir = NULL;
	enum tbl_format fmt = TBL_TEXT;
	struct err e = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:u:f:q:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': seed_s = optarg; break;
		case 'o': out_path = optarg; break;
		case 'u': until_s = optarg; break;
		case 'q': queue = optarg; break;
		case 'P': plot_dir = optarg; break;
		case 'f':
			if (tbl_parse_format(optarg, &fmt) < 0) {
				fprintf(stderr, "tiersim run: unknown format '%s' (use text, csv or json)\n", optarg);
				return CLI_USAGE;
			}
			break;
		case 'p': fputs(tiersim_default_scenario, stdout); return CLI_OK;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "tiersim run: one scenario at a time (got %d)\n", argc - optind);
		return CLI_USAGE;
	}
	const char *path = optind < argc ? argv[optind] : NULL;
	if (plot_dir && cli_plot_dir_check(plot_dir, &e) < 0) /* before, not after, the simulation */
		return cli_fail("run", &e);

	const struct evq_ops *qops = NULL;
	if (queue && !(qops = evq_by_name(queue))) {
		fprintf(stderr, "tiersim run: unknown --queue '%s' (use heap or calendar)\n", queue);
		return CLI_USAGE;
	}
	struct cfg_doc *doc = NULL;
	int rc = path ? cfg_load(&doc, path, &e) : cfg_load_string(&doc, DEFAULT_NAME, tiersim_default_scenario, &e);
	if (rc < 0)
		return cli_fail("run", &e);

	struct qnet_run run;
	struct ev_engine *eng = NULL;
	struct qnet *net = NULL;
	struct trun *tr = NULL;
	struct met_registry *m = NULL;
	struct db *db = NULL;
	int status = CLI_FAIL;
	int created = 0; /* this run created the database file */
	int written = 0; /* the run is in the database */
	int tiered = tiered_is_tiered(doc);
	/* A tiered scenario without its tiers would otherwise be read as a
	 * queueing network, and told it lacks a [run] until. */
	static const char *const tiered_only[] = { "cluster", "workload", "job", "metadata", "client", NULL };
	for (size_t i = 0; !tiered && tiered_only[i]; i++) {
		struct cfg_section *s = cfg_find(doc, tiered_only[i], NULL);
		if (s) {
			err_set(&e, ERR_INPUT,
				"%s:%d: [%s]: a tiered cluster needs at least one [tier NAME] section (e.g. [tier "
				"store] with model = fixed); a queueing network has none of [cluster], [workload], "
				"[job], [metadata] and [client]",
				doc->path, s->line, s->type);
			goto fail;
		}
	}
	if (tiered) {
		struct trun_spec spec;
		if (trun_read_run(doc, &spec, &e) < 0)
			goto fail;
		run = (struct qnet_run){ .until_ns = spec.until_ns, .sample_ns = spec.sample_ns, .seed = spec.seed };
	} else if (qnet_read_run(doc, &run, &e) < 0) {
		goto fail;
	}
	if (seed_s && unit_parse_u64(seed_s, &run.seed, &e) < 0) {
		err_prefix(&e, "--seed: ");
		goto fail;
	}
	if (until_s) {
		if (unit_parse_time_ns(until_s, &run.until_ns, &e) < 0) {
			err_prefix(&e, "--until: ");
			goto fail;
		}
		if (!tiered && run.until_ns >= UINT64_MAX - 1) {
			err_set(&e, ERR_INPUT, "--until %s: must be less than 2^64 - 2 ns (584 years)", until_s);
			goto fail;
		}
		if (run.until_ns <= run.warmup_ns) {
			err_set(&e, ERR_INPUT, run.warmup_ns ? "--until %s: must be longer than the scenario's warm-up"
							     : "--until %s: must be more than 0",
				until_s);
			goto fail;
		}
	}
	eng = ev_engine_new(qops);
	m = met_new();
	if (!eng || !m) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}
	struct exec x = ev_executor(eng);
	char dir[4096];
	if (path)
		cfg_dir_of(path, dir, sizeof dir);
	else
		cli_data_dir(dir, sizeof dir);
	if (tiered ? trun_build(&tr, doc, dir, &x, run.seed, trun_stop_engine, eng, &e) < 0
		   : qnet_build(&net, doc, &x, run.seed, &e) < 0)
		goto fail;
	if (tr)
		trun_print_warnings(tr, stderr);
	/* Check the database before simulating, so that a bad --out fails at
	 * once rather than after the run; a new one is made only when the
	 * results are there (db_open_or_check). */
	if (db_open_or_check(&db, out_path, &e) < 0)
		goto fail;
	/* Ctrl-C or SIGTERM (a batch system's time limit) ends the run where
	 * it is, as --until would, and its results so far are written. */
	const volatile sig_atomic_t *sig = trun_catch_signals();
	ev_set_interrupt(eng, sig);
	int interrupted = 0;
	if (tiered ? trun_start(tr, &x, m, run.sample_ns, &e) < 0 : qnet_start(net, &run, m, &e) < 0)
		goto fail;
	/* A queueing run lasts until `until`, and its rates are over that:
	 * an event there keeps the clock going when the work ends before it
	 * (a source of `jobs` and a sampler that stopped at its cap once
	 * ended a 10 s run at 1.05 s, with ten times the throughput). */
	if (!tiered && !exec_at(&x, run.until_ns, run_end_mark, NULL)) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto fail;
	}

	char started[32];
	trun_iso_now(started, sizeof started);
	struct progress prog = { .on = isatty(2), .start = trun_wall_seconds() };
	/* Run in slices so the progress line can update; slicing changes no
	 * event (ev_run only moves the clock to the slice's end). */
	if (run.until_ns == UINT64_MAX) {
		/* Until the trace is replayed: slices of simulated time. */
		/* The slice's end saturates at the clock's end: wrapped, it
		 * would make every later slice end at once, at a time already
		 * past (a start near 2^64 ns spun for ever). */
		for (uint64_t t = SLICE_NS;; t = t > UINT64_MAX - 1 - SLICE_NS ? UINT64_MAX - 1 : t + SLICE_NS) {
			int r = ev_run(eng, t, &e);
			if (r < 0)
				goto failed_at;
			progress_update(&prog, eng, 0);
			interrupted = r == EV_INTERRUPTED;
			if (r != EV_UNTIL)
				break;
			/* Skip the empty slices up to the next event: a trace
			 * stretched over years of simulated time once spent
			 * minutes stepping through them. */
			uint64_t next = ev_next_time(eng);
			if (next != UINT64_MAX && next / SLICE_NS > t / SLICE_NS + 1)
				t = next / SLICE_NS * SLICE_NS;
		}
	} else {
		const uint64_t slices = 1000;
		for (uint64_t k = 1; k <= slices; k++) {
			uint64_t t = k == slices ? run.until_ns : (uint64_t)((long double)run.until_ns * k / slices);
			int r = ev_run(eng, t, &e);
			if (r < 0)
				goto failed_at;
			progress_update(&prog, eng, run.until_ns);
			interrupted = r == EV_INTERRUPTED;
			if (r != EV_UNTIL)
				break;
		}
	}
	progress_end(&prog);
	if (met_sampler_capped(m)) {
		char a[32], b[32];
		fprintf(stderr,
			"tiersim run: warning: the series stop at %s of simulated time, after %u samples, one every %s: "
			"set a larger [run] sample\n",
			unit_fmt_time(a, sizeof a, (double)met_sampler_capped(m)), MET_MAX_SAMPLES,
			unit_fmt_time(b, sizeof b, (double)run.sample_ns));
	}
	/* Cut: the run reached `until` (or a signal) before its workload
	 * ended. */
	int cut = tiered && (interrupted || trun_active(tr) > 0);
	uint64_t work_end_ns = ev_now(eng), end_ns = work_end_ns;
	met_sample_now(m, work_end_ns);
	/* A run that ends with its workload then lets its background work
	 * (fills, write-back drains) finish before anything is counted, as
	 * tierref does, up to `until`; rates and sim_seconds are over [0,
	 * end], the drain included.  A run cut at `until` stops there:
	 * draining it would run the workload on past `until` (a closed loop
	 * reissues as requests complete), and report all of it as the first
	 * `until` of simulated time. */
	struct trun_left left = { 0, 0 };
	if (cut)
		left = trun_left_out(tr);
	if (tiered && !cut) {
		int d = trun_drain(tr, eng, m, run.until_ns, &e);
		if (d < 0)
			goto fail;
		end_ns = ev_now(eng);
		met_sample_now(m, end_ns);
		if (d != TRUN_DRAINED) { /* stopped while draining */
			interrupted = d == TRUN_DRAIN_INTERRUPTED;
			cut = 1;
			left = trun_left_out(tr);
		}
	}
	double wall = trun_wall_seconds() - prog.start; /* the drain's events are counted too */
	/* Recorded, so that a script reading the database knows the run was
	 * cut and how much work it left out (absent from runs that ended). */
	if ((cut && (met_set(m, "run.cut_inflight", (double)left.requests, "requests") < 0 ||
		     met_set(m, "run.cut_dirty_chunks", (double)left.dirty_chunks, "chunks") < 0)) ||
	    (interrupted && met_set(m, "run.interrupted", (double)*sig, "signal") < 0) ||
	    (end_ns > work_end_ns &&
	     met_set(m, "run.drain_seconds", (double)(end_ns - work_end_ns) / 1e9, "s") < 0)) {
		err_set(&e, ERR_FAIL, "out of memory");
		goto failed_at;
	}
	if (tiered ? trun_export(tr, m, end_ns, &e) < 0 : qnet_export(net, m, &e) < 0)
		goto failed_at;
	if (met_failed(m)) {
		err_set(&e, ERR_FAIL, "out of memory collecting metrics");
		goto failed_at;
	}
	struct db_run_info info = {
		.kind = "simulated",
		.started_at = started,
		.scenario_path = path ? path : DEFAULT_NAME,
		.scenario = doc->text,
		.seed = run.seed,
		.version = TIERSIM_VERSION,
		.sim_seconds = end_ns / 1e9,
		.wall_seconds = wall,
		.events = ev_events_run(eng),
		.queue = ev_queue_name(eng),
	};
	int64_t run_id;
	if (!db) {
		created = access(out_path, F_OK) != 0;
		if (db_open(&db, out_path, &e) < 0)
			goto fail;
	}
	if (db_write_run(db, &info, m, &run_id, &e) < 0)
		goto fail;
	written = 1;

	if (fmt == TBL_TEXT) {
		char a[32], b[32];
		printf("tiersim %s: %s, seed %llu\n", TIERSIM_VERSION, info.scenario_path, (unsigned long long)run.seed);
		printf("simulated %s", unit_fmt_time(a, sizeof a, (double)end_ns));
		if (run.warmup_ns)
			printf(" (statistics after a %s warm-up)", unit_fmt_time(b, sizeof b, (double)run.warmup_ns));
		double rate = wall > 0 ? info.events / wall : 0.0; /* in k below 1M: a small run's "0.0M" said nothing */
		printf(" in %.2f s wall: %llu events, %.1f%s events/s\n", wall, (unsigned long long)info.events,
		       rate >= 1e6 ? rate / 1e6 : rate / 1e3, rate >= 1e6 ? "M" : "k");
		char lo[160];
		left_out(lo, sizeof lo, left);
		if (interrupted && tiered)
			printf("interrupted at %s by SIG%s: the results up to then are written; %s\n",
			       unit_fmt_time(b, sizeof b, (double)end_ns), sigabbrev_np(*sig), lo);
		else if (interrupted)
			printf("interrupted at %s by SIG%s: the results up to then are written\n",
			       unit_fmt_time(b, sizeof b, (double)end_ns), sigabbrev_np(*sig));
		else if (cut && end_ns > work_end_ns)
			printf("cut at %s (until): the workload ended at %s, its fills and write-back drains had not; %s\n",
			       unit_fmt_time(b, sizeof b, (double)end_ns), unit_fmt_time(a, sizeof a, (double)work_end_ns),
			       lo);
		else if (cut)
			printf("cut at %s (until): the workload had not ended; %s\n",
			       unit_fmt_time(b, sizeof b, (double)end_ns), lo);
		else if (end_ns > work_end_ns)
			printf("the workload ended at %s; its fills and write-back drains took %s more, and rates are "
			       "over both\n",
			       unit_fmt_time(a, sizeof a, (double)work_end_ns),
			       unit_fmt_time(b, sizeof b, (double)(end_ns - work_end_ns)));
		printf("\n");
		if ((tiered ? trun_summary(m, stdout) : print_summary(m, stdout)) < 0) {
			err_set(&e, ERR_FAIL, "out of memory printing the summary");
			goto fail;
		}
		printf("\nresults: run %lld in %s (tables runs, metrics, histograms, series)\n", (long long)run_id,
		       out_path);
	} else if (print_metrics(m, fmt, stdout) < 0) {
		err_set(&e, ERR_FAIL, "out of memory printing metrics");
		goto fail;
	}
	status = CLI_OK;
	if (interrupted) {
		/* Recorded, and not a success: the shell's status for a
		 * process ended by that signal. */
		char t[32];
		fprintf(stderr, "tiersim run: interrupted by SIG%s at %s of simulated time; run %lld in %s holds "
				"the results up to then (run.interrupted)\n",
			sigabbrev_np(*sig), unit_fmt_time(t, sizeof t, (double)end_ns), (long long)run_id, out_path);
		if (plot_dir || !path) /* an interrupted run draws nothing: say how to */
			fprintf(stderr, "tiersim run: no plots drawn (interrupted); tiersim plot %s --run %lld%s%s draws "
					"them\n",
				out_path, (long long)run_id, plot_dir ? " --out " : "", plot_dir ? plot_dir : "");
		status = 128 + *sig;
	} else if (plot_dir || !path) {
		/* The pictures of this run, drawn by the plot command itself;
		 * with --format csv or json, stdout carries the data alone, so
		 * the plot's report goes to stderr (it once followed the JSON on
		 * stdout, which no parser then took). */
		char dflt[64];
		snprintf(dflt, sizeof dflt, "plots-run%lld", (long long)run_id);
		fflush(stdout);
		if (fmt == TBL_TEXT)
			putchar('\n');
		if (cli_plot_run(out_path, run_id, plot_dir ? plot_dir : dflt, fmt == TBL_TEXT ? stdout : stderr) !=
		    CLI_OK) {
			status = CLI_FAIL; /* the plot command has said why */
			goto done;
		}
	}
	if (0) {
	failed_at:; /* the simulation itself failed: say when (out of memory gave no clue) */
		char at[32];
		progress_end(&prog);
		err_prefix(&e, "at %s of simulated time: ", unit_fmt_time(at, sizeof at, (double)ev_now(eng)));
	}
fail:
	if (status == CLI_FAIL)
		status = cli_fail("run", &e);
done:
	db_close(db);
	/* Nothing half-written: a database made for the results that then
	 * could not be written is taken away again, with its -wal and -shm
	 * (also when SQLite made them and then failed to open it).  A failed
	 * plot afterwards does not take the written run away. */
	if ((status == CLI_FAIL || status == CLI_USAGE) && !written && created)
		trun_remove_db(out_path);
	qnet_free(net);
	trun_free(tr);
	met_free(m);
	ev_engine_free(eng);
	cfg_free(doc);
	return status;
}
