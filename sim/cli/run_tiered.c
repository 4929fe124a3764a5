/*
 * run_tiered — see run_tiered.h.
 */
#include "run_tiered.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models/tiered.h"
#include "sim/engine.h"
#include "sim/table.h"
#include "traces/replay.h"
#include "traces/trace.h"
#include "traces/training.h"
#include "traces/workload.h"

struct trun {
	struct tiered *cluster;      /* NULL: the caller's (trun_build_paths) */
	struct path *const *paths;
	size_t nodes;
	struct trace_reader *trace;  /* [workload], optional */
	struct replay *replay;
	struct wl *jobs;             /* [job NAME] sections */
	struct wl_env *envs;
	size_t njobs;
	size_t active;               /* the replay and jobs still running */
	void (*on_finish)(void *);
	void *ctx;
	char *dir;                   /* the scenario's folder */
};

/* The replay or a job has ended; the run ends when all have. */
static void one_finished(void *arg)
{
	struct trun *t = arg;
	if (t->active && --t->active == 0)
		t->on_finish(t->ctx);
}

int trun_read_run(struct cfg_doc *doc, struct trun_spec *spec, struct err *e)
{
	spec->until_ns = UINT64_MAX;
	spec->sample_ns = 1000000000ull;
	spec->seed = 1;
	struct cfg_section *s = cfg_find(doc, "run", NULL);
	if (!s)
		return 0;
	if (cfg_time_ns(doc, s, "until", &spec->until_ns, e) < 0 || cfg_time_ns(doc, s, "sample", &spec->sample_ns, e) < 0 ||
	    cfg_u64(doc, s, "seed", &spec->seed, e) < 0)
		return -1;
	if (spec->until_ns == 0)
		return cfg_error(doc, s, cfg_key(s, "until"), e, "must be more than 0");
	if (spec->sample_ns == 0)
		return cfg_error(doc, s, cfg_key(s, "sample"), e, "must be more than 0");
	return 0;
}

static int read_workload(struct cfg_doc *d, const char *dir, struct replay_cfg *rc, const char **format, char **path,
			 struct err *e)
{
	struct cfg_section *s = cfg_find(d, "workload", NULL);
	if (!s)
		return 0;
	const char *trace = NULL, *mode = "open";
	int writes = 1;
	uint64_t outstanding = 16;
	*rc = (struct replay_cfg){ .mode = REPLAY_OPEN, .time_scale = 1 };
	if (cfg_string(d, s, "trace", &trace, e) < 0 || cfg_string(d, s, "format", format, e) < 0 ||
	    cfg_string(d, s, "mode", &mode, e) < 0 || cfg_double(d, s, "time_scale", &rc->time_scale, e) < 0 ||
	    cfg_u64(d, s, "outstanding", &outstanding, e) < 0 || cfg_u64(d, s, "requests", &rc->max_requests, e) < 0 ||
	    cfg_bool(d, s, "writes", &writes, e) < 0)
		return -1;
	if (!trace)
		return err_set(e, ERR_INPUT, "%s:%d: [workload]: missing key 'trace' (the request trace to replay)", d->path,
			       s->line);
	if (!*trace)
		return cfg_error(d, s, cfg_key(s, "trace"), e, "empty: name the request trace to replay");
	if (*format && trace_format_check(*format, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e->msg);
		return cfg_error(d, s, cfg_key(s, "format"), e, "%s", why);
	}
	if (strcmp(mode, "open") == 0)
		rc->mode = REPLAY_OPEN;
	else if (strcmp(mode, "closed") == 0)
		rc->mode = REPLAY_CLOSED;
	else
		return cfg_error(d, s, cfg_key(s, "mode"), e, "'%s' is not a mode (open or closed)", mode);
	if (!(rc->time_scale > 0))
		return cfg_error(d, s, cfg_key(s, "time_scale"), e, "must be more than 0");
	if (rc->mode == REPLAY_OPEN && cfg_key(s, "outstanding"))
		return cfg_error(d, s, cfg_key(s, "outstanding"), e,
				 "only with mode = closed (an open loop issues each request at its time in the trace)");
	if (rc->mode == REPLAY_CLOSED && cfg_key(s, "time_scale"))
		return cfg_error(d, s, cfg_key(s, "time_scale"), e,
				 "only with mode = open (a closed loop ignores the trace's timestamps)");
	if (outstanding == 0 || outstanding > 1000000)
		return cfg_error(d, s, cfg_key(s, "outstanding"), e, "must be 1 to 1000000");
	rc->outstanding = (uint32_t)outstanding;
	rc->writes = writes;
	if (!(*path = cfg_path_in(dir, trace)))
		return err_set(e, ERR_FAIL, "out of memory");
	return 0;
}

/* "all", "N" (the first N nodes) or "A-B" (nodes A to B inclusive). */
static int job_nodes(struct cfg_doc *d, struct cfg_section *s, size_t nodes, size_t *first, size_t *count,
		     struct err *e)
{
	const char *v = "all";
	if (cfg_string(d, s, "nodes", &v, e) < 0)
		return -1;
	*first = 0;
	*count = nodes;
	if (strcmp(v, "all") == 0)
		return 0;
	unsigned long a, b;
	int used = 0;
	if (sscanf(v, "%lu-%lu%n", &a, &b, &used) == 2 && v[used] == '\0' && a <= b && b < nodes) {
		*first = a;
		*count = b - a + 1;
		return 0;
	}
	if (sscanf(v, "%lu%n", &a, &used) == 1 && v[used] == '\0' && a >= 1 && a <= nodes) {
		*count = a;
		return 0;
	}
	return cfg_error(d, s, cfg_key(s, "nodes"), e,
			 "'%s' is not a set of nodes: use all, a count (1 to %zu) or a range A-B (0 to %zu)", v, nodes,
			 nodes - 1);
}

#define JOB_START_MAX_NS (UINT64_C(1) << 62)

static int build_jobs(struct trun *t, struct cfg_doc *d, const struct exec *x, uint64_t seed, struct err *e)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nsec; i++)
		n += strcmp(d->sec[i].type, "job") == 0;
	if (n == 0)
		return 0;
	if (n > WL_MAX_JOBS) {
		size_t k = 0, i = 0; /* the first job past the limit */
		for (; i < d->nsec && k <= WL_MAX_JOBS; i++)
			k += strcmp(d->sec[i].type, "job") == 0;
		return err_set(e, ERR_INPUT, "%s:%d: [job %s]: %zu jobs; at most %d", d->path, d->sec[i - 1].line,
			       d->sec[i - 1].name ? d->sec[i - 1].name : "", n, WL_MAX_JOBS);
	}
	t->jobs = calloc(n, sizeof *t->jobs);
	t->envs = calloc(n, sizeof *t->envs);
	if (!t->jobs || !t->envs)
		return err_set(e, ERR_FAIL, "out of memory");
	struct path *const *paths = t->paths;
	size_t nodes = t->nodes;
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		if (strcmp(s->type, "job") != 0)
			continue;
		if (s->name[0] == '\0')
			return err_set(e, ERR_INPUT, "%s:%d: [job] needs a name, e.g. [job train]", d->path, s->line);
		const char *type = NULL;
		if (cfg_string(d, s, "type", &type, e) < 0)
			return -1;
		if (!type)
			return err_set(e, ERR_INPUT, "%s:%d: [job %s]: missing key 'type'", d->path, s->line, s->name);
		const struct wl_type *wt = wl_type_by_name(type);
		if (!wt) {
			char known[256] = "";
			for (const struct wl_type *k = wl_types; k->name; k++)
				snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", known[0] ? ", " : "",
					 k->name);
			return cfg_error(d, s, cfg_key(s, "type"), e, "unknown job type '%s' (known: %s)", type, known);
		}
		size_t first, count;
		uint64_t start = 0;
		if (job_nodes(d, s, nodes, &first, &count, e) < 0 || cfg_time_ns(d, s, "start", &start, e) < 0)
			return -1;
		/* Room on the clock (2^64 ns, 584 years) for the job's work:
		 * a time past its end would wrap, and the engine take it for
		 * now (a model load started 0.2 s before the end spun for
		 * ever). */
		if (start > JOB_START_MAX_NS)
			return cfg_error(d, s, cfg_key(s, "start"), e,
					 "at most 2^62 ns (146 years), so that the job's times stay on the clock");
		struct wl_env *env = &t->envs[t->njobs];
		*env = (struct wl_env){
			.x = x, .paths = paths + first, .nodes = count, .job_index = (uint32_t)t->njobs,
			.name = s->name, .seed = seed, .start_ns = start, .scenario_dir = t->dir,
			.on_finish = one_finished, .ctx = t,
		};
		if (wt->create(&t->jobs[t->njobs], d, s, env, e) < 0)
			return -1;
		t->njobs++;
	}
	return 0;
}

/* Everything but the cluster: the replay and the jobs over t->paths. */
static int build_drivers(struct trun *t, struct cfg_doc *doc, const struct exec *x, uint64_t seed, struct err *e)
{
	struct replay_cfg rc;
	const char *format = NULL;
	char *path = NULL;
	if (read_workload(doc, t->dir, &rc, &format, &path, e) < 0 || build_jobs(t, doc, x, seed, e) < 0 ||
	    cfg_check_unused(doc, e) < 0)
		goto fail;
	if (!path && t->njobs == 0) {
		err_set(e, ERR_INPUT, "%s: nothing to run: add a [workload] (a trace to replay) or [job NAME] sections",
			doc->path);
		goto fail;
	}
	if (path) {
		if (!(t->trace = trace_open(path, format, e))) {
			/* The reader's message names the file; the scenario's
			 * line and key say where it came from. */
			struct cfg_section *w = cfg_find(doc, "workload", NULL);
			cfg_error_under(doc, w, cfg_key(w, "trace"), e);
			goto fail;
		}
		rc.on_finish = one_finished;
		rc.on_finish_ctx = t;
		rc.name = path;
		if (replay_new(&t->replay, x, t->trace, t->paths, t->nodes, &rc, e) < 0)
			goto fail;
	}
	free(path);
	return 0;
fail:
	free(path);
	return -1;
}

static struct trun *trun_alloc(const char *dir, void (*on_finish)(void *), void *ctx, struct err *e)
{
	struct trun *t = calloc(1, sizeof *t);
	if (!t || !(t->dir = strdup(dir))) {
		free(t);
		err_set(e, ERR_FAIL, "out of memory");
		return NULL;
	}
	t->on_finish = on_finish;
	t->ctx = ctx;
	return t;
}

int trun_build(struct trun **out, struct cfg_doc *doc, const char *dir, const struct exec *x, uint64_t seed,
	       void (*on_finish)(void *), void *ctx, struct err *e)
{
	*out = NULL;
	struct trun *t = trun_alloc(dir, on_finish, ctx, e);
	if (!t)
		return -1;
	if (tiered_build(&t->cluster, doc, x, seed, e) < 0)
		goto fail;
	t->paths = tiered_paths(t->cluster);
	t->nodes = tiered_nodes(t->cluster);
	if (build_drivers(t, doc, x, seed, e) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	trun_free(t);
	return -1;
}

int trun_build_paths(struct trun **out, struct cfg_doc *doc, const char *dir, const struct exec *x, uint64_t seed,
		     struct path *const *paths, size_t nodes, void (*on_finish)(void *), void *ctx, struct err *e)
{
	*out = NULL;
	struct trun *t = trun_alloc(dir, on_finish, ctx, e);
	if (!t)
		return -1;
	t->paths = paths;
	t->nodes = nodes;
	if (build_drivers(t, doc, x, seed, e) < 0) {
		trun_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

int trun_start(struct trun *t, const struct exec *x, struct met_registry *m, uint64_t sample_ns, struct err *e)
{
	if (t->cluster && tiered_add_series(t->cluster, m) < 0)
		return err_set(e, ERR_FAIL, "out of memory");
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].ops->add_series && t->jobs[i].ops->add_series(&t->jobs[i], m) < 0)
			return err_set(e, ERR_FAIL, "out of memory");
	if (met_sampler_start(m, x, sample_ns) < 0)
		return err_set(e, ERR_FAIL, "out of memory");
	t->active = t->njobs + (t->replay != NULL);
	if (t->replay && replay_start(t->replay, e) < 0)
		return -1;
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].ops->start(&t->jobs[i], e) < 0)
			return -1;
	return 0;
}

int trun_export(struct trun *t, struct met_registry *m, uint64_t now_ns, struct err *e)
{
	if (t->replay && replay_failed(t->replay, e))
		return -1;
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].ops->failed(&t->jobs[i], e))
			return -1;
	if (t->cluster && tiered_export(t->cluster, m, now_ns, e) < 0)
		return -1;
	if (t->replay && replay_export(t->replay, m) < 0)
		return err_set(e, ERR_FAIL, "out of memory writing metrics");
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].ops->export(&t->jobs[i], m, now_ns) < 0)
			return err_set(e, ERR_FAIL, "out of memory writing metrics");
	return 0;
}

size_t trun_inflight(const struct trun *t)
{
	size_t n = 0;
	struct path *const *p = tiered_paths(t->cluster);
	for (size_t i = 0; i < tiered_nodes(t->cluster); i++)
		n += path_inflight(p[i]);
	return n;
}

struct trun_left trun_left_out(const struct trun *t)
{
	struct trun_left l = { 0, 0 };
	struct path *const *p = tiered_paths(t->cluster);
	for (size_t i = 0; i < tiered_nodes(t->cluster); i++) {
		l.requests += path_requests_inflight(p[i]);
		l.dirty_chunks += path_dirty_chunks(p[i]);
	}
	return l;
}

size_t trun_active(const struct trun *t)
{
	return t->active;
}

void trun_stop(struct trun *t)
{
	if (t->replay)
		replay_stop(t->replay);
	for (size_t i = 0; i < t->njobs; i++)
		if (t->jobs[i].ops->stop)
			t->jobs[i].ops->stop(&t->jobs[i]);
}

int trun_drain(struct trun *t, struct ev_engine *eng, struct met_registry *m, uint64_t until_ns, struct err *e)
{
	int rc = TRUN_DRAINED;
	/* An instant at a time, so that the run ends with its last drain,
	 * not at the end of a slice of time (the sampler's events go on). */
	while (trun_inflight(t) > 0) {
		uint64_t next = ev_next_time(eng);
		if (next == UINT64_MAX)
			break;
		if (next > until_ns) {
			if (ev_run(eng, until_ns, e) < 0) /* moves the clock to until */
				return -1;
			rc = TRUN_DRAIN_CUT;
			break;
		}
		int r = ev_run(eng, next, e);
		if (r < 0)
			return -1;
		if (r == EV_INTERRUPTED) {
			rc = TRUN_DRAIN_INTERRUPTED;
			break;
		}
	}
	met_sampler_stop(m);
	return rc;
}

void trun_print_warnings(const struct trun *t, FILE *out)
{
	/* A tier whose policy keeps no whole chunk (S-FIFO's small queue,
	 * a tenth of the tier, under a chunk): it caches only objects
	 * smaller than that, and it looked like a tier that never hit. */
	struct path *const *p = t->cluster ? tiered_paths(t->cluster) : NULL;
	for (size_t i = 0; p && tiered_nodes(t->cluster) && i < path_n_tiers(p[0]); i++) {
		const struct pol_ops *ops = path_tier_policy(p[0], i);
		uint64_t cap = path_tier_capacity_bytes(p[0], i), chunk = path_chunk_bytes(p[0]);
		uint64_t most = ops ? pol_max_object(ops, cap) : UINT64_MAX;
		if (most < chunk)
			fprintf(out,
				"tiersim run: warning: [tier %s]: policy %s keeps no object over %llu bytes at a capacity of "
				"%llu, so no whole chunk (%llu bytes) stays in it, only smaller objects: give the tier a "
				"larger capacity or another policy\n",
				path_tier_name(p[0], i), ops->name, (unsigned long long)most, (unsigned long long)cap,
				(unsigned long long)chunk);
	}
	for (size_t i = 0; i < t->njobs; i++) {
		size_t n = 0;
		const char *const *w = wl_training_warnings(&t->jobs[i], &n);
		for (size_t k = 0; k < n; k++)
			fprintf(out, "tiersim run: warning: [job %s]: %s\n", t->envs[i].name, w[k]);
	}
}

void trun_free(struct trun *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->njobs; i++)
		t->jobs[i].ops->free(&t->jobs[i]);
	free(t->jobs);
	free(t->envs);
	replay_free(t->replay);
	trace_close(t->trace);
	tiered_free(t->cluster);
	free(t->dir);
	free(t);
}

/* ---- the summary ---- */

static double val(const struct met_registry *m, const char *fmt, const char *a)
{
	char name[256];
	snprintf(name, sizeof name, fmt, a);
	const struct met_scalar *s = met_find(m, name);
	return s ? s->value : NAN;
}

static int print_requests(const struct met_registry *m, FILE *out)
{
	fputc('\n', out);
	struct tbl *t = tbl_new("requests (the trace, end to end)");
	if (!t)
		return -1;
	int c_req = tbl_col(t, "requests", "requests", ""), c_done = tbl_col(t, "completed", "completed", ""),
	    c_fail = tbl_col(t, "failed", "failed", ""), c_tput = tbl_col(t, "throughput", "throughput", "req/s"),
	    c_bw = tbl_col(t, "bandwidth_GBps", "bandwidth", "GB/s"), c_l50 = tbl_col(t, "p50_ms", "p50", "ms"),
	    c_l99 = tbl_col(t, "p99_ms", "p99", "ms"), c_l999 = tbl_col(t, "p999_ms", "p99.9", "ms");
	tbl_row(t);
	tbl_num(t, c_req, "%.0f", val(m, "replay.%s", "requests"));
	tbl_num(t, c_done, "%.0f", val(m, "replay.%s", "completed"));
	tbl_num(t, c_fail, "%.0f", val(m, "replay.%s", "failed"));
	tbl_num(t, c_tput, "%.1f", val(m, "replay.%s", "throughput"));
	tbl_num(t, c_bw, "%.3f", val(m, "replay.%s", "bandwidth") / 1e9);
	const struct hist *lat = met_find_hist(m, "replay.latency");
	if (lat && hist_count(lat)) {
		tbl_num(t, c_l50, "%.4f", hist_quantile(lat, 0.5) / 1e6);
		tbl_num(t, c_l99, "%.4f", hist_quantile(lat, 0.99) / 1e6);
		tbl_num(t, c_l999, "%.4f", hist_quantile(lat, 0.999) / 1e6);
	}
	int rc = tbl_print(t, TBL_TEXT, out);
	tbl_free(t);
	return rc;
}

/* One row per metadata service: operations, utilisation (mean over its
 * servers and the busiest one), and the p99 of its busiest operation. */
static int print_metadata(const struct met_registry *m, FILE *out)
{
	struct tbl *t = tbl_new("metadata services");
	if (!t)
		return -1;
	int c_svc = tbl_col(t, "service", "service", ""), c_ops = tbl_col(t, "ops", "operations", ""),
	    c_rate = tbl_col(t, "ops_per_s", "rate", "ops/s"), c_u = tbl_col(t, "utilisation", "mean util", ""),
	    c_umax = tbl_col(t, "busiest_utilisation", "busiest server util", ""),
	    c_p99 = tbl_col(t, "p99_ms", "p99 (busiest op)", "ms");
	size_t rows = 0;
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t len = strlen(name);
		if (strncmp(name, "meta.", 5) != 0 || len < 18 || strcmp(name + len - 12, ".utilisation") != 0 ||
		    strchr(name + 5, '.') != name + len - 12)
			continue;
		char svc[128];
		snprintf(svc, sizeof svc, "%.*s", (int)(len - 17), name + 5);
		double ops = 0, rate = 0, umax = 0, best = -1;
		const struct hist *busiest = NULL;
		char prefix[160];
		snprintf(prefix, sizeof prefix, "meta.%s.", svc);
		size_t pl = strlen(prefix);
		for (size_t k = 0; k < met_nscalars(m); k++) {
			const struct met_scalar *x = met_scalar_at(m, k);
			if (strncmp(x->name, prefix, pl) != 0)
				continue;
			const char *rest = x->name + pl;
			size_t rl = strlen(rest);
			int server = strncmp(rest, "server", 6) == 0;
			if (!server && rl > 4 && strcmp(rest + rl - 4, ".ops") == 0) {
				ops += x->value;
				if (x->value > best) {
					char hn[200];
					snprintf(hn, sizeof hn, "%s%.*slatency", prefix, (int)(rl - 3), rest);
					const struct hist *h = met_find_hist(m, hn);
					if (h && hist_count(h)) {
						best = x->value;
						busiest = h;
					}
				}
			}
			if (server && rl > 11 && strcmp(rest + rl - 11, "utilisation") == 0 && x->value > umax)
				umax = x->value;
			if (server && rl > 10 && strcmp(rest + rl - 10, "throughput") == 0)
				rate += x->value;
		}
		tbl_row(t);
		rows++;
		tbl_str(t, c_svc, svc);
		tbl_num(t, c_ops, "%.0f", ops);
		tbl_num(t, c_rate, "%.1f", rate);
		tbl_num(t, c_u, "%.4f", met_scalar_at(m, i)->value);
		tbl_num(t, c_umax, "%.4f", umax);
		if (busiest)
			tbl_num(t, c_p99, "%.4f", hist_quantile(busiest, 0.99) / 1e6);
	}
	int rc = 0;
	if (rows) {
		fputc('\n', out);
		rc = tbl_print(t, TBL_TEXT, out);
	}
	tbl_free(t);
	return rc;
}

/* One row per job (metric job.NAME.wall_s; a model load has no AU), and
 * one per job histogram (time to first token, checkpoint stalls, load
 * times). */
static int print_jobs(const struct met_registry *m, FILE *out)
{
	struct tbl *t = tbl_new("jobs (AU = compute time / wall time, per GPU; stalls: waiting for data, at the "
				"step barrier for slower ranks, in checkpoints)");
	if (!t)
		return -1;
	int c_job = tbl_col(t, "job", "job", ""), c_au = tbl_col(t, "au_pct", "AU", "%"),
	    c_wall = tbl_col(t, "wall_s", "wall", "s"), c_comp = tbl_col(t, "compute_s", "compute", "s"),
	    c_stall = tbl_col(t, "stall_s", "I/O stall", "s"),
	    c_data = tbl_col(t, "stall_data_s", "of which data", "s"),
	    c_bar = tbl_col(t, "stall_barrier_s", "barrier", "s"),
	    c_ckpt = tbl_col(t, "checkpoint_s", "checkpoint", "s");
	size_t rows = 0;
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t len = strlen(name);
		if (strncmp(name, "job.", 4) != 0 || len < 12 || strcmp(name + len - 7, ".wall_s") != 0)
			continue;
		char job[128];
		snprintf(job, sizeof job, "%.*s", (int)(len - 11), name + 4);
		tbl_row(t);
		rows++;
		tbl_str(t, c_job, job);
		double au = val(m, "job.%s.au", job);
		if (!isnan(au))
			tbl_num(t, c_au, "%.2f", 100 * au);
		double w = val(m, "job.%s.wall_s", job), c = val(m, "job.%s.compute_s", job),
		       st = val(m, "job.%s.stall_s", job);
		if (!isnan(w))
			tbl_num(t, c_wall, "%.3f", w);
		if (!isnan(c))
			tbl_num(t, c_comp, "%.3f", c);
		if (!isnan(st))
			tbl_num(t, c_stall, "%.3f", st);
		double sd = val(m, "job.%s.stall_data_s", job), sb = val(m, "job.%s.stall_barrier_s", job),
		       ck = val(m, "job.%s.checkpoint_s", job);
		if (!isnan(sd))
			tbl_num(t, c_data, "%.3f", sd);
		if (!isnan(sb))
			tbl_num(t, c_bar, "%.3f", sb);
		if (!isnan(ck))
			tbl_num(t, c_ckpt, "%.3f", ck);
	}
	int rc = 0;
	if (rows) {
		fputc('\n', out);
		rc = tbl_print(t, TBL_TEXT, out);
	}
	tbl_free(t);
	if (rc < 0)
		return -1;

	t = tbl_new("job latencies");
	if (!t)
		return -1;
	int c_what = tbl_col(t, "histogram", "what", ""), c_n = tbl_col(t, "count", "count", ""),
	    c_p50 = tbl_col(t, "p50_s", "p50", "s"), c_p90 = tbl_col(t, "p90_s", "p90", "s"),
	    c_p99 = tbl_col(t, "p99_s", "p99", "s"), c_max = tbl_col(t, "max_s", "max", "s");
	rows = 0;
	for (size_t i = 0; i < met_nhists(m); i++) {
		const struct met_named_hist *h = met_hist_at(m, i);
		if (strncmp(h->name, "job.", 4) != 0 || strcmp(h->unit, "ns") != 0 || !hist_count(h->h))
			continue;
		tbl_row(t);
		rows++;
		tbl_str(t, c_what, h->name + 4);
		tbl_num(t, c_n, "%.0f", (double)hist_count(h->h));
		tbl_num(t, c_p50, "%.4f", hist_quantile(h->h, 0.5) / 1e9);
		tbl_num(t, c_p90, "%.4f", hist_quantile(h->h, 0.9) / 1e9);
		tbl_num(t, c_p99, "%.4f", hist_quantile(h->h, 0.99) / 1e9);
		tbl_num(t, c_max, "%.4f", (double)hist_max(h->h) / 1e9);
	}
	if (rows) {
		fputc('\n', out);
		rc = tbl_print(t, TBL_TEXT, out);
	}
	tbl_free(t);
	return rc;
}

int trun_summary(const struct met_registry *m, FILE *out)
{
	struct tbl *t = tbl_new("tiers (summed over nodes; chunk reads)");
	if (!t)
		return -1;
	int c_tier = tbl_col(t, "tier", "tier", ""), c_cap = tbl_col(t, "capacity_GB", "capacity", "GB"),
	    c_hr = tbl_col(t, "hit_ratio", "hit ratio", ""), c_sh = tbl_col(t, "served_pct", "served", "%"),
	    c_rd = tbl_col(t, "read_GB", "read", "GB"), c_rbw = tbl_col(t, "read_GBps", "mean read", "GB/s"),
	    c_wr = tbl_col(t, "written_GB", "written", "GB"), c_wbw = tbl_col(t, "write_GBps", "mean write", "GB/s"),
	    c_fill = tbl_col(t, "fill_GB", "of which fills", "GB"), c_p50 = tbl_col(t, "p50_ms", "p50 read", "ms"),
	    c_p99 = tbl_col(t, "p99_ms", "p99 read", "ms"), c_md = tbl_col(t, "meta_ops", "metadata ops", "");
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t len = strlen(name);
		if (strncmp(name, "tier.", 5) != 0 || len < 15 || strcmp(name + len - 10, ".hit_ratio") != 0)
			continue;
		char tier[128];
		snprintf(tier, sizeof tier, "%.*s", (int)(len - 15), name + 5);
		tbl_row(t);
		tbl_str(t, c_tier, tier);
		double cap = val(m, "tier.%s.capacity", tier);
		if (cap > 0)
			/* A few MiB is not "0.0", nor 256 MiB "0.3". */
			tbl_num(t, c_cap, cap < 1e7 ? "%.6f" : cap < 1e9 ? "%.4f" : cap < 1e12 ? "%.2f" : "%.0f", cap / 1e9);
		else
			tbl_str(t, c_cap, "all");
		/* Blank, as the latencies are, when nothing was looked up: the
		 * metric's 0 then stands for "no ratio". */
		if (cap > 0 && val(m, "tier.%s.hits", tier) + val(m, "tier.%s.misses", tier) > 0)
			tbl_num(t, c_hr, "%.4f", val(m, "tier.%s.hit_ratio", tier));
		tbl_num(t, c_sh, "%.2f", 100 * val(m, "tier.%s.served_share", tier));
		tbl_num(t, c_rd, "%.3f", val(m, "tier.%s.read_bytes", tier) / 1e9);
		tbl_num(t, c_rbw, "%.3f", val(m, "tier.%s.read_bandwidth", tier) / 1e9);
		tbl_num(t, c_wr, "%.3f", val(m, "tier.%s.write_bytes", tier) / 1e9);
		tbl_num(t, c_wbw, "%.3f", val(m, "tier.%s.write_bandwidth", tier) / 1e9);
		tbl_num(t, c_fill, "%.3f", val(m, "tier.%s.fill_bytes", tier) / 1e9);
		char hn[200];
		snprintf(hn, sizeof hn, "tier.%s.read_latency", tier);
		const struct hist *h = met_find_hist(m, hn);
		if (h && hist_count(h)) {
			tbl_num(t, c_p50, "%.4f", hist_quantile(h, 0.5) / 1e6);
			tbl_num(t, c_p99, "%.4f", hist_quantile(h, 0.99) / 1e6);
		}
		tbl_num(t, c_md, "%.0f", val(m, "tier.%s.meta_ops", tier));
	}
	int rc = tbl_print(t, TBL_TEXT, out);
	tbl_free(t);
	if (rc < 0)
		return -1;
	/* A hit is a lookup that found the chunk, read or not: a run whose
	 * reads failed showed a tier serving 98.6% of them with no word of
	 * the failures beside it. */
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t len = strlen(name);
		if (strncmp(name, "tier.", 5) != 0 || len < 12 || strcmp(name + len - 7, ".errors") != 0 ||
		    !(met_scalar_at(m, i)->value > 0))
			continue;
		double n = met_scalar_at(m, i)->value;
		fprintf(out, "note: tier %.*s: %.0f operation%s failed; its hits and served share count the chunks it "
			     "held, failed reads among them\n",
			(int)(len - 12), name + 5, n, n == 1 ? "" : "s");
	}

	if (met_find(m, "replay.requests") && print_requests(m, out) < 0)
		return -1;
	if (print_metadata(m, out) < 0)
		return -1;
	if (print_jobs(m, out) < 0)
		return -1;

	/* Object-store throttling, where a cold tier exists (modelled or
	 * real: a measured run's 503s were once not printed, since it has no
	 * costs), and the modelled one's costs. */
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t len = strlen(name);
		if (strncmp(name, "backend.", 8) != 0 || len < 18 || strcmp(name + len - 10, ".throttled") != 0)
			continue;
		char be[128];
		snprintf(be, sizeof be, "%.*s", (int)(len - 10), name);
		double acct = val(m, "%s.account.refused", be), blob = val(m, "%s.blob.refused", be);
		char why[128] = ""; /* the model knows which limit refused; a real endpoint does not say */
		if (!isnan(acct) && !isnan(blob) && acct + blob > 0)
			snprintf(why, sizeof why, ": %.0f over the account's request rate, %.0f over a blob's", acct, blob);
		fprintf(out, "\n%s: %.0f answers 503 (throttled%s), %.0f retries, %.0f gave up", be,
			val(m, "%s.throttled", be), why, val(m, "%s.retries", be), val(m, "%s.gave_up", be));
		if (!isnan(val(m, "%s.cost.total", be)))
			fprintf(out, "; cost $%.4f (requests $%.4f, storage $%.4f)", val(m, "%s.cost.total", be),
				val(m, "%s.cost.requests", be), val(m, "%s.cost.storage", be));
		fputc('\n', out);
	}
	/* The client's threads (models/client.h; tierref: its loop thread). */
	const struct met_scalar *busy = met_find(m, "client.cpu.busy");
	if (busy)
		fprintf(out, "\nclient threads: busy %.0f%% of the run (per thread, mean over nodes)%s\n", 100 * busy->value,
			busy->value >= 0.9 ? ": the client, not the storage, sets the pace" : "");
	return 0;
}

double trun_wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void trun_stop_engine(void *eng)
{
	ev_stop(eng);
}

/* The programs' only mutable globals: a signal handler can reach nothing
 * else, and may only write a volatile sig_atomic_t (POSIX).  The first
 * signal, and when it came (CLOCK_MONOTONIC ms, modulo 2^30). */
static volatile sig_atomic_t trun_signal, trun_signal_ms;

static int trun_mono_ms(void)
{
	struct timespec ts; /* clock_gettime is async-signal-safe */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)(((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) & 0x3fffffff);
}

/* The same signal again within this many ms is the first one delivered
 * twice: timeout(1) and batch systems signal the process and then its
 * process group, microseconds apart, and the second once killed the run
 * in the middle of writing its results. */
#define TRUN_SIGNAL_ECHO_MS 1000

static void trun_on_signal(int sig)
{
	/* The first signal is recorded; a second ends the process at once
	 * (both are async-signal-safe), unless it is the first's echo.  With
	 * SA_RESETHAND a SIGTERM after a SIGINT came here again and replaced
	 * the SIGINT. */
	if (trun_signal) {
		if (sig == trun_signal && ((trun_mono_ms() - trun_signal_ms) & 0x3fffffff) < TRUN_SIGNAL_ECHO_MS)
			return;
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	trun_signal_ms = trun_mono_ms();
	trun_signal = sig;
}

const volatile sig_atomic_t *trun_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = trun_on_signal;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &trun_signal;
}

void trun_remove_db(const char *path)
{
	char side[4096];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

const char *trun_iso_now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}
