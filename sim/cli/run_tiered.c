/*
 * run_tiered — see run_tiered.h.
 */
#include "run_tiered.h"

#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/tiered.h"
#include "sim/table.h"
#include "traces/replay.h"
#include "traces/trace.h"

struct trun {
	struct tiered *cluster;
	struct trace_reader *trace;
	struct replay *replay;
};

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

/* The trace path, relative to the scenario's folder unless absolute. */
static char *trace_path(const char *scenario, const char *trace)
{
	if (trace[0] == '/' || scenario[0] == '(') /* "(bundled default)": relative to here */
		return strdup(trace);
	char *dup = strdup(scenario);
	if (!dup)
		return NULL;
	const char *dir = dirname(dup);
	size_t n = strlen(dir) + strlen(trace) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, trace);
	free(dup);
	return p;
}

static int read_workload(struct cfg_doc *d, struct replay_cfg *rc, const char **format, char **path, struct err *e)
{
	struct cfg_section *s = cfg_find(d, "workload", NULL);
	if (!s)
		return err_set(e, ERR_INPUT, "%s: no [workload] section (it names the trace to replay: trace = FILE)", d->path);
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
	if (strcmp(mode, "open") == 0)
		rc->mode = REPLAY_OPEN;
	else if (strcmp(mode, "closed") == 0)
		rc->mode = REPLAY_CLOSED;
	else
		return cfg_error(d, s, cfg_key(s, "mode"), e, "'%s' is not a mode (open or closed)", mode);
	if (!(rc->time_scale > 0))
		return cfg_error(d, s, cfg_key(s, "time_scale"), e, "must be more than 0");
	if (outstanding == 0 || outstanding > 1000000)
		return cfg_error(d, s, cfg_key(s, "outstanding"), e, "must be 1 to 1000000");
	rc->outstanding = (uint32_t)outstanding;
	rc->writes = writes;
	if (!(*path = trace_path(d->path, trace)))
		return err_set(e, ERR_FAIL, "out of memory");
	return 0;
}

int trun_build(struct trun **out, struct cfg_doc *doc, const struct exec *x, uint64_t seed,
	       void (*on_finish)(void *), void *ctx, struct err *e)
{
	*out = NULL;
	struct trun *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(e, ERR_FAIL, "out of memory");
	struct replay_cfg rc;
	const char *format = NULL;
	char *path = NULL;
	if (tiered_build(&t->cluster, doc, x, seed, e) < 0 || read_workload(doc, &rc, &format, &path, e) < 0 ||
	    cfg_check_unused(doc, e) < 0)
		goto fail;
	if (!(t->trace = trace_open(path, format, e)))
		goto fail;
	rc.on_finish = on_finish;
	rc.on_finish_ctx = ctx;
	if (replay_new(&t->replay, x, t->trace, tiered_paths(t->cluster), tiered_nodes(t->cluster), &rc, e) < 0)
		goto fail;
	free(path);
	*out = t;
	return 0;
fail:
	free(path);
	trun_free(t);
	return -1;
}

int trun_start(struct trun *t, struct met_registry *m, uint64_t sample_ns, struct err *e)
{
	(void)m;
	(void)sample_ns;
	return replay_start(t->replay, e);
}

int trun_export(struct trun *t, struct met_registry *m, uint64_t now_ns, struct err *e)
{
	if (replay_failed(t->replay, e))
		return -1;
	if (tiered_export(t->cluster, m, now_ns, e) < 0)
		return -1;
	if (replay_export(t->replay, m) < 0)
		return err_set(e, ERR_FAIL, "out of memory writing metrics");
	return 0;
}

void trun_free(struct trun *t)
{
	if (!t)
		return;
	replay_free(t->replay);
	trace_close(t->trace);
	tiered_free(t->cluster);
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

static const struct hist *hist_named(const struct met_registry *m, const char *name)
{
	for (size_t i = 0; i < met_nhists(m); i++)
		if (strcmp(met_hist_at(m, i)->name, name) == 0)
			return met_hist_at(m, i)->h;
	return NULL;
}

int trun_summary(const struct met_registry *m, FILE *out)
{
	struct tbl *t = tbl_new("tiers (summed over nodes; chunk reads)");
	if (!t)
		return -1;
	int c_tier = tbl_col(t, "tier", "tier", ""), c_cap = tbl_col(t, "capacity_GB", "capacity", "GB"),
	    c_hr = tbl_col(t, "hit_ratio", "hit ratio", ""), c_sh = tbl_col(t, "served_pct", "served", "%"),
	    c_rd = tbl_col(t, "read_GB", "read", "GB"), c_wr = tbl_col(t, "written_GB", "written", "GB"),
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
			tbl_num(t, c_cap, "%.1f", cap / 1e9);
		else
			tbl_str(t, c_cap, "all");
		if (cap > 0)
			tbl_num(t, c_hr, "%.4f", val(m, "tier.%s.hit_ratio", tier));
		tbl_num(t, c_sh, "%.2f", 100 * val(m, "tier.%s.served_share", tier));
		tbl_num(t, c_rd, "%.3f", val(m, "tier.%s.read_bytes", tier) / 1e9);
		tbl_num(t, c_wr, "%.3f", val(m, "tier.%s.write_bytes", tier) / 1e9);
		tbl_num(t, c_fill, "%.3f", val(m, "tier.%s.fill_bytes", tier) / 1e9);
		char hn[200];
		snprintf(hn, sizeof hn, "tier.%s.read_latency", tier);
		const struct hist *h = hist_named(m, hn);
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

	fputc('\n', out);
	t = tbl_new("requests (the trace, end to end)");
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
	const struct hist *lat = hist_named(m, "replay.latency");
	if (lat && hist_count(lat)) {
		tbl_num(t, c_l50, "%.4f", hist_quantile(lat, 0.5) / 1e6);
		tbl_num(t, c_l99, "%.4f", hist_quantile(lat, 0.99) / 1e6);
		tbl_num(t, c_l999, "%.4f", hist_quantile(lat, 0.999) / 1e6);
	}
	rc = tbl_print(t, TBL_TEXT, out);
	tbl_free(t);
	if (rc < 0)
		return -1;

	/* Object-store costs and throttling, where a cold tier exists. */
	for (size_t i = 0; i < met_nscalars(m); i++) {
		const char *name = met_scalar_at(m, i)->name;
		size_t len = strlen(name);
		if (strncmp(name, "backend.", 8) != 0 || len < 19 || strcmp(name + len - 11, ".cost.total") != 0)
			continue;
		char be[128];
		snprintf(be, sizeof be, "%.*s", (int)(len - 11), name);
		fprintf(out, "\n%s: %.0f requests throttled (503), %.0f retries, %.0f gave up; cost $%.4f "
			     "(requests $%.4f, storage $%.4f)\n",
			be, val(m, "%s.throttled", be), val(m, "%s.retries", be), val(m, "%s.gave_up", be),
			val(m, "%s.cost.total", be), val(m, "%s.cost.requests", be), val(m, "%s.cost.storage", be));
	}
	return 0;
}
