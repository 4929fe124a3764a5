/*
 * fuzz_scenario — a scenario file as `tiersim run` takes it: the INI text
 * (sim/cfg.c), then the model it describes, built by the command's own code
 * (sim/cli/run_tiered.c, compiled in here since the command is not part of
 * libtiersim.a): a tiered cluster (models/tiered.c over the models' config
 * readers: nvme, dram, warm, cold, fixed, meta, net, fsclient, client) with
 * its [job] workloads (traces/training.c, kvcache.c, modelload.c), or a
 * queueing network (models/qnet.c); then a short run, its metrics export,
 * and everything freed.
 *
 * Files the scenario names are replaced, so that the run depends on the
 * input alone: a [workload]'s trace by a fixed synthetic oracleGeneral
 * trace (256 reads of 61 objects, 4 KiB to 2 MiB, all at time 0) and a
 * job's `trace` or `workload` by a path that does not exist (fuzz_workload
 * gives them content).  The run is bounded: 1 s of simulated time, and
 * at most 10000 events scheduled (the executor given to the model counts
 * them and stops the engine); and a scenario that asks for more than a few
 * nodes, drives, servers, GPUs or files is parsed but not built, one that
 * reads or writes more than a few thousand chunks at once is built but not
 * run (scn_size below: their cost is their size, not a bug).
 *
 * Checked: a refusal leaves ERR_INPUT or ERR_FAIL and a message that names
 * the scenario file (or the trace file it was given); a failure found in
 * the run leaves a message; nothing leaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/qnet.h"
#include "models/tiered.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/units.h"
#include "traces/dlio.h"
#include "tests/fuzz/fuzz.h"

/* The command's scenario runner (not in the library, see above). */
#include "sim/cli/run_tiered.c"

#define SCN_NAME "fuzz.ini"
#define SCN_NOFILE "/nonexistent/fuzz-file"
#define SCN_RUN_NS 1000000000ull
#define SCN_EVENTS 10000u

/* -DFUZZ_VERBOSE: say what became of each input (for writing seeds). */
#ifdef FUZZ_VERBOSE
#define SCN_SAY(...) fprintf(stderr, __VA_ARGS__)
#else
#define SCN_SAY(...) ((void)0)
#endif

/* ---- an executor that stops the engine after a budget of events ---- */

struct scn_budget {
	struct ev_engine *eng;
	struct exec inner;
	unsigned left;
};

static uint64_t scn_now(void *self)
{
	struct scn_budget *b = self;
	return exec_now(&b->inner);
}

static uint64_t scn_call_at(void *self, uint64_t t_ns, exec_fn fn, void *arg)
{
	struct scn_budget *b = self;
	if (b->left)
		b->left--;
	else
		ev_stop(b->eng);
	return exec_at(&b->inner, t_ns, fn, arg);
}

static int scn_cancel(void *self, uint64_t id)
{
	struct scn_budget *b = self;
	return exec_cancel(&b->inner, id);
}

static const struct exec_ops scn_budget_ops = { scn_now, scn_call_at, scn_cancel };

/* ---- the files a scenario names ---- */

/* 256 oracleGeneral records (24 bytes, little-endian: u32 time s, u64 id,
 * u32 size, i64 next access), all at time 0. */
static size_t scn_trace(uint8_t *buf, size_t n)
{
	size_t k = 0;
	for (uint32_t i = 0; i < 256 && k + 24 <= n; i++, k += 24) {
		uint64_t id = (i * 7u) % 61u + 1;
		uint32_t size = 4096u << (id % 10); /* 4 KiB to 2 MiB */
		memset(buf + k, 0, 24);
		for (int b = 0; b < 8; b++)
			buf[k + 4 + b] = (uint8_t)(id >> (8 * b));
		for (int b = 0; b < 4; b++)
			buf[k + 12 + b] = (uint8_t)(size >> (8 * b));
		memset(buf + k + 16, 0xff, 8); /* next access: -1, none */
	}
	return k;
}

static int scn_set(struct cfg_kv *kv, const char *value)
{
	char *v = strdup(value);
	if (!v)
		return -1;
	free(kv->value);
	kv->value = v;
	return 0;
}

/* [workload] trace -> trace; [job] trace and workload -> attach. */
static int scn_redirect(struct cfg_doc *d, const char *trace, const char *attach)
{
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		int wl = strcmp(s->type, "workload") == 0, job = strcmp(s->type, "job") == 0;
		for (size_t k = 0; k < s->nkv; k++) {
			struct cfg_kv *kv = &s->kv[k];
			const char *to = NULL;
			if (wl && strcmp(kv->key, "trace") == 0)
				to = trace;
			else if (job && (strcmp(kv->key, "trace") == 0 || strcmp(kv->key, "workload") == 0))
				to = attach;
			if (to && scn_set(kv, to) < 0)
				return -1;
		}
	}
	return 0;
}

/* The message names one of the files, first. */
static void scn_check_refusal(const struct err *e, const char *trace, const char *attach)
{
	SCN_SAY("refused (%d): %s\n", e->code, e->msg);
	FUZZ_CHECK(e->code == ERR_INPUT || e->code == ERR_FAIL);
	FUZZ_CHECK(e->msg[0] != '\0');
	if (e->code != ERR_INPUT)
		return;
	const char *const files[] = { SCN_NAME ":", trace, attach };
	int named = 0;
	for (size_t i = 0; i < 3 && !named; i++)
		named = files[i] && files[i][0] && strncmp(e->msg, files[i], strlen(files[i])) == 0;
	if (!named)
		fuzz_fail(__FILE__, __LINE__, e->msg);
}

/* ---- sizes the harness does not build, or not run ---- */

/* A model's cost grows with the sizes a scenario asks for: a node of a
 * tiered cluster is some 0.25 MB once it has run (bench/cluster_scale.c),
 * an NVMe drive, a front end, a metadata server or a GPU likewise; and a job's read or write of B bytes is B / chunk chunk
 * operations in one call of the data path.  Larger sizes than these only
 * make an execution slow and out of the search's memory (a cost that is
 * the scenario's, not a bug), so such a scenario is parsed but not built
 * (SCN_NO_BUILD), or built, checked and freed but not run (SCN_NO_RUN). */
enum { SCN_OK, SCN_NO_RUN, SCN_NO_BUILD };

struct scn_cap {
	const char *type, *key;
	uint64_t bound;
	int what;      /* SCN_NO_BUILD or SCN_NO_RUN past the bound */
	int chunks;    /* a size, bounded in chunks; else a count */
};

static const struct scn_cap scn_caps[] = {
	{ "tier", "open_files", 1 << 16, SCN_NO_BUILD, 0 },
	{ "tier", "blob_slots", 1 << 20, SCN_NO_BUILD, 0 },
	{ "job", "gpus_per_node", 16, SCN_NO_BUILD, 0 },
	{ "job", "files", 1 << 16, SCN_NO_BUILD, 0 },
	{ "job", "read_threads", 1024, SCN_NO_BUILD, 0 },
	{ "job", "prefetch", 1024, SCN_NO_BUILD, 0 },
	{ "job", "loads", 1 << 16, SCN_NO_BUILD, 0 },
	{ "workload", "outstanding", 1024, SCN_NO_BUILD, 0 },
	{ "job", "samples_per_file", 64, SCN_NO_RUN, 0 },
	{ "job", "shards", 1024, SCN_NO_RUN, 0 },
	{ "job", "sample_bytes", 1024, SCN_NO_RUN, 1 },
	{ "job", "checkpoint_bytes", 4096, SCN_NO_RUN, 1 },
	{ "job", "model_bytes", 16384, SCN_NO_RUN, 1 },
};
#define SCN_MODEL_BYTES 140000000000ull /* a model load's default (modelload.c) */

static const struct cfg_kv *scn_kv(const struct cfg_section *s, const char *key)
{
	for (size_t k = 0; s && k < s->nkv; k++)
		if (strcmp(s->kv[k].key, key) == 0)
			return &s->kv[k];
	return NULL;
}

/* The value of key as a count or a size, or dflt when absent or bad (the
 * parser's to refuse). */
static uint64_t scn_num(const struct cfg_section *s, const char *key, int bytes, uint64_t dflt)
{
	const struct cfg_kv *kv = scn_kv(s, key);
	uint64_t v;
	struct err e = { 0 };
	if (kv && (bytes ? unit_parse_bytes(kv->value, &v, &e) : unit_parse_u64(kv->value, &v, &e)) == 0)
		return v;
	return dflt;
}

static const char *scn_string(const struct cfg_section *s, const char *key)
{
	const struct cfg_kv *kv = scn_kv(s, key);
	return kv ? kv->value : "";
}

/* The instances a tiered cluster builds, each some histograms: a node's
 * path per tier, an NVMe drive, a front end or enclosure, a metadata
 * server (the models' defaults: 8 drives, 8 + 4 warm units, 1 server). */
static uint64_t scn_units(const struct cfg_doc *d, uint64_t nodes)
{
	uint64_t units = 0;
	for (size_t i = 0; i < d->nsec; i++) {
		const struct cfg_section *s = &d->sec[i];
		if (strcmp(s->type, "metadata") == 0)
			units += scn_num(s, "servers", 0, 1);
		if (strcmp(s->type, "tier") != 0)
			continue;
		const char *model = scn_string(s, "model"), *scope = scn_string(s, "scope");
		int node = strcmp(scope, "node") == 0 ||
			   (strcmp(scope, "shared") != 0 && (!strcmp(model, "nvme") || !strcmp(model, "dram")));
		uint64_t per = 1;
		if (strcmp(model, "nvme") == 0)
			per = scn_num(s, "drives", 0, 8);
		else if (strcmp(model, "warm") == 0)
			per = scn_num(s, "frontends", 0, 8) + scn_num(s, "enclosures", 0, 4);
		if (per > 1024)
			return UINT64_MAX;
		units += (node ? nodes : 1) * per + nodes;
	}
	return units;
}

/* A kvcache job's block: layers x kv_heads x head_dim x 2 x dtype_bytes x
 * block_tokens bytes (kvcache.c's defaults). */
static double scn_kv_block(const struct cfg_section *s)
{
	static const char *const keys[] = { "layers", "kv_heads", "head_dim", "dtype_bytes", "block_tokens" };
	static const uint64_t dflt[] = { 80, 8, 128, 2, 512 };
	double bytes = 2;
	for (size_t i = 0; i < 5; i++)
		bytes *= (double)scn_num(s, keys[i], 0, dflt[i]);
	return bytes;
}

/* The DLIO file a training job names, where the job's keys do not
 * override it: its dataset, loader and checkpoint sizes. */
static int scn_yaml(const struct cfg_section *job, const uint8_t *attach, size_t len, uint64_t chunk)
{
	struct dlio_workload *w = NULL;
	struct err e = { 0 };
	if (dlio_load_string(&w, "attach", (const char *)attach, len, &e) < 0)
		return SCN_OK;
	double ckpt = dlio_checkpoint_bytes_total(w);
	if (!(ckpt > 0))
		ckpt = (double)w->model_size_bytes;
	int rc = SCN_OK;
	if ((!scn_kv(job, "files") && w->num_files_train > (1 << 16)) ||
	    (!scn_kv(job, "read_threads") && w->read_threads > 1024) ||
	    (!scn_kv(job, "prefetch") && w->prefetch_size > 1024))
		rc = SCN_NO_BUILD;
	else if ((!scn_kv(job, "samples_per_file") && w->num_samples_per_file > 64) ||
		 (!scn_kv(job, "sample_bytes") && w->record_length_bytes / (double)chunk > 1024) ||
		 (!scn_kv(job, "sample_bytes_stdev") && w->record_length_bytes_stdev / (double)chunk > 256) ||
		 (!scn_kv(job, "checkpoint_bytes") && ckpt / (double)chunk > 4096))
		rc = SCN_NO_RUN;
	dlio_free(w);
	return rc;
}

static int scn_size(const struct cfg_doc *d, const uint8_t *attach, size_t attach_len)
{
	const struct cfg_section *cl = cfg_find((struct cfg_doc *)d, "cluster", NULL);
	uint64_t nodes = scn_num(cl, "nodes", 0, 1), chunk = scn_num(cl, "chunk", 1, 1 << 20);
	if (nodes > 64 || scn_units(d, nodes) > 1024)
		return SCN_NO_BUILD;
	int rc = chunk && chunk < (64 << 10) ? SCN_NO_RUN : SCN_OK;
	if (!chunk || chunk < (64 << 10))
		chunk = 64 << 10;
	for (size_t i = 0; i < d->nsec; i++) {
		const struct cfg_section *s = &d->sec[i];
		for (size_t c = 0; c < sizeof scn_caps / sizeof scn_caps[0]; c++) {
			const struct scn_cap *k = &scn_caps[c];
			if (strcmp(s->type, k->type) == 0 &&
			    scn_num(s, k->key, k->chunks, 0) / (k->chunks ? chunk : 1) > k->bound && k->what > rc)
				rc = k->what;
		}
		if (strcmp(s->type, "job") != 0)
			continue;
		int r = SCN_OK;
		if (!strcmp(scn_string(s, "type"), "modelload") && !scn_kv(s, "model_bytes") &&
		    SCN_MODEL_BYTES / chunk > 16384)
			r = SCN_NO_RUN;
		if (scn_kv_block(s) / (double)chunk > 1024)
			r = SCN_NO_RUN;
		if (r > rc)
			rc = r;
		if (attach && (r = scn_yaml(s, attach, attach_len, chunk)) > rc)
			rc = r;
	}
	return rc;
}

/* Parses, builds, runs briefly, exports and frees the scenario `text`;
 * attach: the content of the files jobs name (NULL: none). */
static void scn_run(const char *text, const uint8_t *attach, size_t attach_len)
{
	struct cfg_doc *doc = NULL;
	struct err e = { 0 };
	if (cfg_load_string(&doc, SCN_NAME, text, &e) < 0) {
		scn_check_refusal(&e, NULL, NULL);
		return;
	}
	uint8_t tbuf[256 * 24];
	char tpath[64] = "", apath[64] = SCN_NOFILE;
	int tfd = fuzz_file(tbuf, scn_trace(tbuf, sizeof tbuf), tpath, sizeof tpath);
	int afd = attach ? fuzz_file(attach, attach_len, apath, sizeof apath) : -1;
	struct ev_engine *eng = NULL;
	struct met_registry *m = NULL;
	struct qnet *net = NULL;
	struct trun *tr = NULL;
	if (tfd < 0 || (attach && afd < 0) || scn_redirect(doc, tpath, apath) < 0)
		goto out;
	int size = scn_size(doc, attach, attach_len);
	if (size == SCN_NO_BUILD) {
		SCN_SAY("too big to build\n");
		goto out;
	}

	int tiered = tiered_is_tiered(doc);
	struct qnet_run run;
	if (tiered) {
		struct trun_spec spec;
		if (trun_read_run(doc, &spec, &e) < 0) {
			scn_check_refusal(&e, tpath, apath);
			goto out;
		}
		run = (struct qnet_run){ .until_ns = spec.until_ns, .sample_ns = spec.sample_ns, .seed = spec.seed };
	} else if (qnet_read_run(doc, &run, &e) < 0) {
		scn_check_refusal(&e, tpath, apath);
		goto out;
	}
	eng = ev_engine_new(NULL);
	m = met_new();
	if (!eng || !m)
		goto out;
	struct scn_budget b = { .eng = eng, .inner = ev_executor(eng), .left = SCN_EVENTS };
	struct exec x = { .ops = &scn_budget_ops, .self = &b, .clock = b.inner.clock };
	if (tiered ? trun_build(&tr, doc, "/nonexistent", &x, run.seed, trun_stop_engine, eng, &e) < 0
		   : qnet_build(&net, doc, &x, run.seed, &e) < 0) {
		scn_check_refusal(&e, tpath, apath);
		goto out;
	}
	if (size == SCN_NO_RUN) {
		SCN_SAY("built; too big to run\n");
		goto out;
	}
	if (tiered ? trun_start(tr, &x, m, run.sample_ns, &e) < 0 : qnet_start(net, &run, m, &e) < 0) {
		FUZZ_CHECK(e.msg[0] != '\0');
		goto out;
	}
	uint64_t until = run.until_ns < SCN_RUN_NS ? run.until_ns : SCN_RUN_NS;
	int r = ev_run(eng, until, &e);
	FUZZ_CHECK(r >= 0 || (e.code == ERR_FAIL && e.msg[0]));
	uint64_t end = ev_now(eng);
	FUZZ_CHECK(end <= until);
	met_sample_now(m, end);
	struct err ex = { 0 };
	if (tiered ? trun_export(tr, m, end, &ex) < 0 : qnet_export(net, m, &ex) < 0)
		FUZZ_CHECK((ex.code == ERR_INPUT || ex.code == ERR_FAIL) && ex.msg[0]);
	SCN_SAY("ran to %llu ns, %llu events (stop %d)%s%s\n", (unsigned long long)end,
		(unsigned long long)ev_events_run(eng), r, ex.msg[0] ? ": " : "", ex.msg);
out:
	qnet_free(net);
	trun_free(tr);
	met_free(m);
	ev_engine_free(eng);
	fuzz_file_close(afd);
	fuzz_file_close(tfd);
	cfg_free(doc);
}

#ifndef FUZZ_SCENARIO_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	if (!text)
		return 0;
	scn_run(text, NULL, 0);
	free(text);
	return 0;
}
#endif
