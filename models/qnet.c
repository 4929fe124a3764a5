/*
 * qnet — see qnet.h for the scenario keys and the offered-load equations.
 */
#include "qnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dist.h"
#include "sim/resource.h"
#include "sim/rng.h"

enum rkind { R_QUEUE, R_PIPE, R_LINK, R_BUCKET };


struct qres {
	enum rkind kind;
	struct cfg_section *sec;
	const struct cfg_kv *load_key; /* the key a steady-state error points at */
	union {
		struct res_queue *q;
		struct res_pipe *p;
		struct res_link *l;
		struct res_tb *b;
	} u;
	struct dist service;  /* queue */
	gsl_rng *rng;         /* queue: service draws */
	unsigned servers;     /* queue */
	double bps;           /* pipe, link */
	double flow_cap_bps;  /* link */
	double rate;          /* bucket */
	int drop;             /* bucket: refuse instead of wait */
	double latency_s;     /* pipe */
	unsigned concurrency; /* pipe: 0 no limit */
	double load;          /* offered load ρ */
	char metric[160];     /* "queue.NAME" */
};

struct qsrc {
	struct qnet *net;
	struct cfg_section *sec;
	struct dist ia, size;
	gsl_rng *rng_ia, *rng_size;
	size_t *route;
	size_t nroute;
	uint64_t jobs_limit;  /* 0: none */
	uint64_t started;     /* jobs generated (for jobs_limit) */
	uint64_t jobs, completed, dropped; /* since warm-up */
	struct hist *response;
};

struct job {
	struct qsrc *src;
	size_t step;
	uint64_t t0;
	uint64_t bytes;
	struct job *next_free;
};

#define JOB_CHUNK 1024

struct job_chunk {
	struct job_chunk *next;
	struct job jobs[JOB_CHUNK];
};

struct qnet {
	struct exec x;
	struct qres *res;
	size_t nres;
	struct qsrc *src;
	size_t nsrc;
	struct job *free_jobs;
	struct job_chunk *chunks;
	uint64_t warmup_ns;
	int failed;           /* sticky out-of-memory inside a callback */
};

/* ---- building ---- */

static const char *const section_types[] = { "run", "source", "queue", "pipe", "link", "bucket", NULL };

int qnet_read_run(struct cfg_doc *doc, struct qnet_run *run, struct err *e)
{
	memset(run, 0, sizeof *run);
	run->seed = 1;
	struct cfg_section *s = cfg_find(doc, "run", NULL);
	if (!s)
		return err_set(e, ERR_INPUT, "%s: no [run] section (it needs at least: until = 10m)", doc->path);
	int r = cfg_time_ns(doc, s, "until", &run->until_ns, e);
	if (r < 0)
		return -1;
	if (r == 0)
		return err_set(e, ERR_INPUT, "%s:%d: [run]: missing key 'until' (how long to simulate, e.g. until = 10m)",
			       doc->path, s->line);
	if (run->until_ns == 0)
		return cfg_error(doc, s, cfg_key(s, "until"), e, "must be more than 0");
	/* 2^64 - 1 ns stands for "no end" in a run (cmd_run), and an event
	 * can be no later than 2^64 - 2. */
	if (run->until_ns >= UINT64_MAX - 1)
		return cfg_error(doc, s, cfg_key(s, "until"), e, "must be less than 2^64 - 2 ns (584 years)");
	if (cfg_time_ns(doc, s, "warmup", &run->warmup_ns, e) < 0)
		return -1;
	if (run->warmup_ns >= run->until_ns)
		return cfg_error(doc, s, cfg_key(s, "warmup"), e, "warm-up must end before 'until'");
	run->sample_ns = run->until_ns / 100 ? run->until_ns / 100 : 1;
	if (cfg_time_ns(doc, s, "sample", &run->sample_ns, e) < 0)
		return -1;
	if (run->sample_ns == 0)
		return cfg_error(doc, s, cfg_key(s, "sample"), e, "must be more than 0");
	r = cfg_u64(doc, s, "seed", &run->seed, e);
	if (r < 0)
		return -1;
	run->seed_given = r;
	return 0;
}

static struct qres *find_res(struct qnet *n, const char *name)
{
	for (size_t i = 0; i < n->nres; i++)
		if (strcmp(n->res[i].sec->name, name) == 0)
			return &n->res[i];
	return NULL;
}

static int need_name(struct cfg_doc *doc, struct cfg_section *s, struct err *e)
{
	if (s->name[0] == '\0')
		return err_set(e, ERR_INPUT, "%s:%d: [%s] needs a name, e.g. [%s disk]", doc->path, s->line, s->type,
			       s->type);
	return 0;
}

static int build_resource(struct qnet *n, struct cfg_doc *doc, struct cfg_section *s, uint64_t seed, struct err *e)
{
	struct qres *r = &n->res[n->nres];
	memset(r, 0, sizeof *r);
	r->sec = s;
	if (need_name(doc, s, e) < 0)
		return -1;
	for (size_t i = 0; i < n->nres; i++)
		if (strcmp(n->res[i].sec->name, s->name) == 0)
			return err_set(e, ERR_INPUT, "%s:%d: [%s %s]: the name '%s' is already used at line %d",
				       doc->path, s->line, s->type, s->name, s->name, n->res[i].sec->line);
	snprintf(r->metric, sizeof r->metric, "%s.%s", s->type, s->name);

	if (strcmp(s->type, "queue") == 0) {
		r->kind = R_QUEUE;
		uint64_t c = 1;
		if (cfg_u64(doc, s, "servers", &c, e) < 0)
			return -1;
		if (c < 1 || c > 1000000)
			return cfg_error(doc, s, cfg_key(s, "servers"), e, "must be 1 to 1000000");
		r->servers = (unsigned)c;
		int got = cfg_dist(doc, s, "service", DIST_TIME, &r->service, e);
		if (got < 0)
			return -1;
		if (got == 0)
			return err_set(e, ERR_INPUT, "%s:%d: [queue %s]: missing key 'service' (e.g. service = exp(1ms))",
				       doc->path, s->line, s->name);
		r->load_key = cfg_key(s, "service");
		char stream[sizeof r->metric + 16];
		snprintf(stream, sizeof stream, "%s/service", r->metric);
		r->rng = rng_stream_new(seed, stream);
		r->u.q = res_queue_new(&n->x, r->servers);
		if (!r->rng || !r->u.q)
			return err_set(e, ERR_FAIL, "out of memory building [queue %s]", s->name);
	} else if (strcmp(s->type, "pipe") == 0 || strcmp(s->type, "link") == 0) {
		int pipe = s->type[0] == 'p';
		r->kind = pipe ? R_PIPE : R_LINK;
		int got = cfg_rate_bps(doc, s, "bandwidth", &r->bps, e);
		if (got < 0)
			return -1;
		if (got == 0 || r->bps <= 0)
			return err_set(e, ERR_INPUT, "%s:%d: [%s %s]: 'bandwidth' must be given and more than 0 (e.g. bandwidth = 2GB/s)",
				       doc->path, got ? cfg_key(s, "bandwidth")->line : s->line, s->type, s->name);
		r->load_key = cfg_key(s, "bandwidth");
		if (pipe) {
			uint64_t lat = 0, conc = 0;
			if (cfg_time_ns(doc, s, "latency", &lat, e) < 0 || cfg_u64(doc, s, "concurrency", &conc, e) < 0)
				return -1;
			if (conc > UINT32_MAX)
				return cfg_error(doc, s, cfg_key(s, "concurrency"), e, "too large");
			r->u.p = res_pipe_new(&n->x, r->bps, lat, (unsigned)conc);
			r->latency_s = (double)lat / 1e9;
			r->concurrency = (unsigned)conc;
		} else {
			if (cfg_rate_bps(doc, s, "flow_cap", &r->flow_cap_bps, e) < 0)
				return -1;
			r->u.l = res_link_new(&n->x, r->bps);
		}
		if (!(pipe ? (void *)r->u.p : (void *)r->u.l))
			return err_set(e, ERR_FAIL, "out of memory building [%s %s]", s->type, s->name);
	} else { /* bucket */
		r->kind = R_BUCKET;
		int got = cfg_ops(doc, s, "rate", &r->rate, e);
		if (got < 0)
			return -1;
		if (got == 0 || r->rate <= 0)
			return err_set(e, ERR_INPUT, "%s:%d: [bucket %s]: 'rate' must be given and more than 0 (e.g. rate = 40k/s)",
				       doc->path, got ? cfg_key(s, "rate")->line : s->line, s->name);
		r->load_key = cfg_key(s, "rate");
		double burst = 1;
		if (cfg_double(doc, s, "burst", &burst, e) < 0)
			return -1;
		if (burst < 1)
			return cfg_error(doc, s, cfg_key(s, "burst"), e, "must be at least 1 token");
		const char *mode = "wait";
		if (cfg_string(doc, s, "mode", &mode, e) < 0)
			return -1;
		if (strcmp(mode, "drop") == 0)
			r->drop = 1;
		else if (strcmp(mode, "wait") != 0)
			return cfg_error(doc, s, cfg_key(s, "mode"), e, "'%s' is not a mode (use wait or drop)", mode);
		r->u.b = res_tb_new(&n->x, r->rate, burst);
		if (!r->u.b)
			return err_set(e, ERR_FAIL, "out of memory building [bucket %s]", s->name);
	}
	n->nres++;
	return 0;
}

static int build_source(struct qnet *n, struct cfg_doc *doc, struct cfg_section *s, uint64_t seed, struct err *e)
{
	struct qsrc *src = &n->src[n->nsrc];
	memset(src, 0, sizeof *src);
	src->net = n;
	src->sec = s;
	if (need_name(doc, s, e) < 0)
		return -1;
	int got = cfg_dist(doc, s, "interarrival", DIST_TIME, &src->ia, e);
	if (got < 0)
		return -1;
	if (got == 0)
		return err_set(e, ERR_INPUT, "%s:%d: [source %s]: missing key 'interarrival' (e.g. interarrival = exp(1ms))",
			       doc->path, s->line, s->name);
	n->nsrc++; /* from here on qnet_free releases the dists */
	if (dist_mean(&src->ia) <= 0)
		return cfg_error(doc, s, cfg_key(s, "interarrival"), e, "the mean inter-arrival time must be more than 0");
	dist_const(&src->size, 0);
	if (cfg_dist(doc, s, "size", DIST_BYTES, &src->size, e) < 0)
		return -1;
	int jobs_set = cfg_u64(doc, s, "jobs", &src->jobs_limit, e);
	if (jobs_set < 0)
		return -1;
	if (jobs_set && src->jobs_limit == 0) /* it meant "no limit": the opposite of what it says */
		return cfg_error(doc, s, cfg_key(s, "jobs"), e, "must be at least 1 (leave it out for no limit)");
	const char *route = NULL;
	if (cfg_string(doc, s, "route", &route, e) < 0)
		return -1;
	if (!route)
		return err_set(e, ERR_INPUT, "%s:%d: [source %s]: missing key 'route' (the resources a job visits, e.g. route = cpu disk)",
			       doc->path, s->line, s->name);
	const struct cfg_kv *rkv = cfg_key(s, "route");
	size_t len = strlen(route);
	src->route = malloc((len / 2 + 1) * sizeof *src->route);
	if (!src->route)
		return err_set(e, ERR_FAIL, "out of memory");
	char word[128];
	for (const char *p = route; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t w = strcspn(p, " \t,");
		if (w == 0)
			break;
		if (w >= sizeof word)
			return cfg_error(doc, s, rkv, e, "resource name too long");
		memcpy(word, p, w);
		word[w] = '\0';
		p += w;
		struct qres *r = find_res(n, word);
		if (!r)
			return cfg_error(doc, s, rkv, e, "no resource named '%s' (define it as [queue %s], [pipe %s], [link %s] or [bucket %s])",
					 word, word, word, word, word);
		src->route[src->nroute++] = (size_t)(r - n->res);
	}
	if (src->nroute == 0)
		return cfg_error(doc, s, rkv, e, "the route is empty");
	char stream[160];
	snprintf(stream, sizeof stream, "source.%s/interarrival", s->name);
	src->rng_ia = rng_stream_new(seed, stream);
	snprintf(stream, sizeof stream, "source.%s/size", s->name);
	src->rng_size = rng_stream_new(seed, stream);
	src->response = hist_new();
	if (!src->rng_ia || !src->rng_size || !src->response)
		return err_set(e, ERR_FAIL, "out of memory");
	return 0;
}

/* Adds each source's offered load to the resources on its route (qnet.h,
 * "Offered load").  A drop bucket passes at most its rate: the jobs it
 * refuses never reach the resources behind it, so a source's rate past a
 * drop bucket is scaled by min(1, rate / Λ), Λ the rate of every source
 * into that bucket.  Λ depends on the scaling of drop buckets before it
 * on other routes, so the scales are found by repeating the pass: each
 * pass settles at least one more bucket along the longest route, and
 * routes are short. */
static void offered_load(struct qnet *n)
{
	double *in = calloc(n->nres ? n->nres : 1, sizeof *in);   /* Λ into each drop bucket */
	double *scale = malloc((n->nres ? n->nres : 1) * sizeof *scale);
	if (!in || !scale) { /* no thinning: the loads are upper bounds */
		free(in);
		free(scale);
		in = scale = NULL;
	}
	for (size_t k = 0; scale && k < n->nres; k++)
		scale[k] = 1;
	size_t longest = 0;
	for (size_t i = 0; i < n->nsrc; i++)
		longest = n->src[i].nroute > longest ? n->src[i].nroute : longest;
	for (size_t pass = 0; pass <= longest; pass++) {
		for (size_t k = 0; k < n->nres; k++) {
			n->res[k].load = 0;
			if (in)
				in[k] = 0;
		}
		for (size_t i = 0; i < n->nsrc; i++) {
			struct qsrc *s = &n->src[i];
			double lambda = 1e9 / dist_mean(&s->ia); /* jobs/s */
			double bytes = dist_mean(&s->size);
			for (size_t k = 0; k < s->nroute; k++) {
				size_t ri = s->route[k];
				struct qres *r = &n->res[ri];
				switch (r->kind) {
				case R_QUEUE: r->load += lambda * dist_mean(&r->service) / 1e9 / r->servers; break;
				case R_PIPE: {
					/* A pipe holds one of its `concurrency` slots for
					 * the transfer and the latency after it. */
					double xfer = bytes / r->bps, hold = xfer + r->latency_s;
					double per = r->concurrency && hold / r->concurrency > xfer ? hold / r->concurrency
												    : xfer;
					r->load += lambda * per;
					break;
				}
				case R_LINK: r->load += lambda * bytes / r->bps; break;
				case R_BUCKET:
					r->load += lambda / r->rate;
					if (r->drop && in) {
						in[ri] += lambda;
						lambda *= scale[ri];
					}
					break;
				}
			}
		}
		for (size_t k = 0; in && k < n->nres; k++)
			if (n->res[k].kind == R_BUCKET && n->res[k].drop)
				scale[k] = in[k] > n->res[k].rate ? n->res[k].rate / in[k] : 1;
	}
	free(in);
	free(scale);
}

int qnet_build(struct qnet **out, struct cfg_doc *doc, const struct exec *x, uint64_t seed, struct err *e)
{
	*out = NULL;
	if (cfg_check_sections(doc, section_types, e) < 0)
		return -1;
	struct qnet *n = calloc(1, sizeof *n);
	if (!n)
		return err_set(e, ERR_FAIL, "out of memory");
	n->x = *x;
	size_t nres = 0, nsrc = 0;
	for (size_t i = 0; i < doc->nsec; i++) {
		const char *t = doc->sec[i].type;
		if (strcmp(t, "source") == 0)
			nsrc++;
		else if (strcmp(t, "run") != 0)
			nres++;
	}
	n->res = calloc(nres ? nres : 1, sizeof *n->res);
	n->src = calloc(nsrc ? nsrc : 1, sizeof *n->src);
	if (!n->res || !n->src) {
		qnet_free(n);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	int rc = 0;
	for (size_t i = 0; i < doc->nsec && rc == 0; i++) {
		struct cfg_section *s = &doc->sec[i];
		if (strcmp(s->type, "run") != 0 && strcmp(s->type, "source") != 0)
			rc = build_resource(n, doc, s, seed, e);
	}
	for (size_t i = 0; i < doc->nsec && rc == 0; i++)
		if (strcmp(doc->sec[i].type, "source") == 0)
			rc = build_source(n, doc, &doc->sec[i], seed, e);
	if (rc == 0 && nsrc == 0)
		rc = err_set(e, ERR_INPUT, "%s: no [source NAME] section: nothing would arrive", doc->path);
	if (rc == 0) {
		offered_load(n);
		struct cfg_section *run = cfg_find(doc, "run", NULL);
		int steady = 0;
		rc = run ? cfg_bool(doc, run, "steady_state", &steady, e) : 0;
		for (size_t i = 0; rc >= 0 && steady && i < n->nres; i++) {
			struct qres *r = &n->res[i];
			if (r->load >= 1.0 && !(r->kind == R_BUCKET && r->drop)) /* a drop bucket sheds the rest */
				rc = cfg_error(doc, r->sec, r->load_key, e,
					       "offered load is %.3f >= 1, so there is no steady state (steady_state = yes): "
					       "add capacity or slow the sources", r->load);
		}
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0)
		rc = cfg_check_unused(doc, e);
	if (rc < 0) {
		qnet_free(n);
		return -1;
	}
	*out = n;
	return 0;
}

void qnet_free(struct qnet *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nres; i++) {
		struct qres *r = &n->res[i];
		switch (r->kind) {
		case R_QUEUE:
			res_queue_free(r->u.q);
			dist_free(&r->service);
			if (r->rng)
				gsl_rng_free(r->rng);
			break;
		case R_PIPE: res_pipe_free(r->u.p); break;
		case R_LINK: res_link_free(r->u.l); break;
		case R_BUCKET: res_tb_free(r->u.b); break;
		}
	}
	for (size_t i = 0; i < n->nsrc; i++) {
		struct qsrc *s = &n->src[i];
		dist_free(&s->ia);
		dist_free(&s->size);
		free(s->route);
		if (s->rng_ia)
			gsl_rng_free(s->rng_ia);
		if (s->rng_size)
			gsl_rng_free(s->rng_size);
		hist_free(s->response);
	}
	while (n->chunks) {
		struct job_chunk *c = n->chunks;
		n->chunks = c->next;
		free(c);
	}
	free(n->res);
	free(n->src);
	free(n);
}

/* ---- running ---- */

static struct job *job_new(struct qnet *n)
{
	if (!n->free_jobs) {
		struct job_chunk *c = malloc(sizeof *c);
		if (!c)
			return NULL;
		c->next = n->chunks;
		n->chunks = c;
		for (size_t i = 0; i < JOB_CHUNK; i++) {
			c->jobs[i].next_free = n->free_jobs;
			n->free_jobs = &c->jobs[i];
		}
	}
	struct job *j = n->free_jobs;
	n->free_jobs = j->next_free;
	return j;
}

static void job_free(struct qnet *n, struct job *j)
{
	j->next_free = n->free_jobs;
	n->free_jobs = j;
}

/* Sends the job to the next resource on its route, or completes it. */
static void advance(void *arg)
{
	struct job *j = arg;
	struct qsrc *s = j->src;
	struct qnet *n = s->net;
	uint64_t now = exec_now(&n->x);
	if (j->step == s->nroute) {
		if (j->t0 >= n->warmup_ns) {
			s->completed++;
			hist_record(s->response, now - j->t0);
		}
		job_free(n, j);
		return;
	}
	struct qres *r = &n->res[s->route[j->step++]];
	int rc = 0;
	switch (r->kind) {
	case R_QUEUE:
		rc = res_queue_submit(r->u.q, dist_sample_round(&r->service, r->rng), advance, j);
		break;
	case R_PIPE:
		rc = res_pipe_submit(r->u.p, j->bytes, advance, j);
		break;
	case R_LINK:
		rc = res_link_submit(r->u.l, j->bytes, r->flow_cap_bps, advance, j);
		break;
	case R_BUCKET:
		if (!r->drop) {
			rc = res_tb_wait(r->u.b, 1, advance, j);
		} else if (res_tb_try(r->u.b, 1)) {
			advance(j);
		} else {
			if (j->t0 >= n->warmup_ns)
				s->dropped++;
			job_free(n, j);
		}
		break;
	}
	if (rc < 0)
		n->failed = 1;
}

static void arrive(void *arg)
{
	struct qsrc *s = arg;
	struct qnet *n = s->net;
	struct job *j = job_new(n);
	if (!j) {
		n->failed = 1;
		return;
	}
	uint64_t now = exec_now(&n->x);
	*j = (struct job){ .src = s, .step = 0, .t0 = now };
	j->bytes = dist_sample_round(&s->size, s->rng_size);
	s->started++;
	if (now >= n->warmup_ns)
		s->jobs++;
	advance(j);
	if (s->jobs_limit == 0 || s->started < s->jobs_limit)
		exec_after(&n->x, dist_sample_round(&s->ia, s->rng_ia), arrive, s);
}

static void warmup_over(void *arg)
{
	struct qnet *n = arg;
	for (size_t i = 0; i < n->nres; i++) {
		struct qres *r = &n->res[i];
		switch (r->kind) {
		case R_QUEUE: res_queue_reset_stats(r->u.q); break;
		case R_PIPE: res_pipe_reset_stats(r->u.p); break;
		case R_LINK: res_link_reset_stats(r->u.l); break;
		case R_BUCKET: res_tb_reset_stats(r->u.b); break;
		}
	}
}

static const struct res_stats *stats_of(const struct qres *r)
{
	switch (r->kind) {
	case R_QUEUE: return res_queue_stats(r->u.q);
	case R_PIPE: return res_pipe_stats(r->u.p);
	case R_LINK: return res_link_stats(r->u.l);
	default: return res_tb_stats(r->u.b);
	}
}

static double probe_in_system(void *ctx, uint64_t now_ns)
{
	(void)now_ns;
	return stats_of(ctx)->in_system.value;
}

int qnet_start(struct qnet *n, const struct qnet_run *run, struct met_registry *m, struct err *e)
{
	n->warmup_ns = run->warmup_ns;
	for (size_t i = 0; i < n->nsrc; i++)
		exec_at(&n->x, 0, arrive, &n->src[i]);
	if (run->warmup_ns)
		exec_at(&n->x, run->warmup_ns, warmup_over, n);
	for (size_t i = 0; i < n->nres; i++) {
		char name[200];
		snprintf(name, sizeof name, "%s.in_system", n->res[i].metric);
		if (!met_series_add(m, name, "jobs", probe_in_system, &n->res[i]))
			return err_set(e, ERR_FAIL, "out of memory");
	}
	if (met_sampler_start(m, &n->x, run->sample_ns) < 0)
		return err_set(e, ERR_FAIL, "out of memory");
	return 0;
}

int qnet_export(struct qnet *n, struct met_registry *m, struct err *e)
{
	if (n->failed)
		return err_set(e, ERR_FAIL, "out of memory during the run");
	uint64_t now = exec_now(&n->x);
	char name[200];
	int rc = 0;
	for (size_t i = 0; i < n->nres; i++) {
		struct qres *r = &n->res[i];
		rc |= res_stats_export(stats_of(r), now, r->kind == R_QUEUE ? r->servers : 1, r->metric, m);
		snprintf(name, sizeof name, "%s.offered_load", r->metric);
		rc |= met_set(m, name, r->load, "ratio");
		if (r->kind == R_BUCKET) {
			snprintf(name, sizeof name, "%s.refused", r->metric);
			rc |= met_set(m, name, (double)res_tb_refused(r->u.b), "requests");
		}
	}
	for (size_t i = 0; i < n->nsrc; i++) {
		struct qsrc *s = &n->src[i];
		const char *sn = s->sec->name;
		snprintf(name, sizeof name, "source.%s.jobs", sn);
		rc |= met_set(m, name, (double)s->jobs, "jobs");
		snprintf(name, sizeof name, "source.%s.completed", sn);
		rc |= met_set(m, name, (double)s->completed, "jobs");
		snprintf(name, sizeof name, "source.%s.dropped", sn);
		rc |= met_set(m, name, (double)s->dropped, "jobs");
		snprintf(name, sizeof name, "source.%s.response", sn);
		struct hist *h = met_hist(m, name, "ns");
		if (!h)
			rc = -1;
		else
			hist_merge(h, s->response);
	}
	if (rc)
		return err_set(e, ERR_FAIL, "out of memory writing metrics");
	return 0;
}
