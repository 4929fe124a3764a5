/*
 * meta — a basic metadata service: N servers, each an M/G/c station.
 *
 * Equations.
 *   Placement: object o lives on server s(o) = mix64(o) mod N (mix64 =
 *   meta_hash64, splitmix64's finaliser), so sequential ids spread evenly.
 *   Each server is a res_queue with c threads and one FIFO line; an
 *   operation of kind k takes a draw of S_k.  With Poisson arrivals of
 *   rate lambda spread evenly, each server is M/G/c with
 *     utilisation rho = lambda E[S] / (N c)
 *   (E[S] the mix-weighted mean service time), and for exponential S its
 *   waiting time follows Erlang C (models/qtheory.h), the analytic rung
 *   the DES is checked against.  READ and WRITE are BK_ENOTSUP: data goes
 *   to the tiers.
 *
 * Defaults and sources (hardware-and-scale.md, section 4):
 *   One KV operation costs 1 / 21k s = 47.6 us of a core: FoundationDB's
 *   8.2M ops/s on 384 processes ~ 21k ops/s per process          [V] M6
 *   KV operations per metadata operation, 3FS-style layout (dentry key =
 *   parent inode + name, inode key separate)                       [V] M4
 *   -> [D]: getattr 1 (inode), lookup 2 (dentry + inode), open 2,
 *      create 4 (dentry, inode, parent attributes, a read first),
 *      unlink 3, readdir 5 (a short range read plus attributes);
 *      head = getattr, list = readdir.
 *   Exponential service: assumed (makes the Erlang C rung exact).
 *   threads = 16: the 16-core machines of the FDB figure            [V] M6
 *   servers = 4: assumed; section 4.1 sizes real deployments
 *   (~256 shards for 1e12 objects).
 */
#include "meta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/resource.h"
#include "sim/rng.h"

#define META_KV_NS (1e9 / 21000.0)

uint64_t meta_hash64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

unsigned meta_server_of(const struct meta_params *p, uint64_t object)
{
	return (unsigned)(meta_hash64(object) % p->servers);
}

static int is_meta(enum bk_op op)
{
	return op != BK_READ && op != BK_WRITE && (unsigned)op < BK_NOPS;
}

struct meta_server {
	struct res_queue *q;
	uint64_t ops[BK_NOPS];
};

struct meta {
	struct exec x;
	struct meta_params p;
	gsl_rng *rng;
	struct meta_server *srv;
	struct hist *latency_ns[BK_NOPS];
	uint64_t enotsup;
};

void meta_params_default(struct meta_params *p)
{
	memset(p, 0, sizeof *p);
	p->name = "meta";
	p->servers = 4;
	p->threads = 16;
	static const double kv[BK_NOPS] = {
		[BK_LOOKUP] = 2, [BK_GETATTR] = 1, [BK_OPEN] = 2, [BK_CREATE] = 4,
		[BK_UNLINK] = 3, [BK_READDIR] = 5, [BK_HEAD] = 1, [BK_LIST] = 5,
	};
	for (unsigned k = 0; k < BK_NOPS; k++) {
		if (is_meta((enum bk_op)k))
			dist_exp(&p->service_ns[k], kv[k] * META_KV_NS);
		else
			dist_const(&p->service_ns[k], 0);
	}
}

void meta_params_free(struct meta_params *p)
{
	for (unsigned k = 0; k < BK_NOPS; k++) {
		dist_free(&p->service_ns[k]);
		dist_const(&p->service_ns[k], 0);
	}
}

int meta_params_check(const struct meta_params *p, struct err *e)
{
	if (p->servers == 0 || p->threads == 0)
		return err_set(e, ERR_INPUT, "meta: servers and threads must be at least 1");
	return 0;
}

int meta_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct meta_params *p, struct err *e)
{
	meta_params_default(p);
	uint64_t n = p->servers, c = p->threads;
	if (cfg_u64(d, s, "servers", &n, e) < 0 || cfg_u64(d, s, "threads", &c, e) < 0)
		return -1;
	if (n == 0 || n > 1000000)
		return cfg_error(d, s, cfg_key(s, "servers"), e, "must be 1..1000000");
	if (c == 0 || c > 1000000)
		return cfg_error(d, s, cfg_key(s, "threads"), e, "must be 1..1000000");
	p->servers = (unsigned)n;
	p->threads = (unsigned)c;
	for (unsigned k = 0; k < BK_NOPS; k++) {
		if (!is_meta((enum bk_op)k))
			continue;
		struct dist v;
		int rc = cfg_dist(d, s, bk_op_name((enum bk_op)k), DIST_TIME, &v, e);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			dist_free(&p->service_ns[k]);
			p->service_ns[k] = v;
		}
	}
	return 0;
}

/* ---- requests ---- */

static void finish_now(void *arg)
{
	struct bk_req *r = arg;
	r->done(r);
}

static void served(void *arg)
{
	struct bk_req *r = arg;
	struct meta *m = r->priv[0];
	hist_record(m->latency_ns[r->op], exec_now(&m->x) - r->submit_ns);
	r->status = BK_OK;
	r->done(r);
}

static int meta_submit(void *self, struct bk_req *r)
{
	struct meta *m = self;
	r->submit_ns = exec_now(&m->x);
	r->retries = 0;
	r->priv[0] = m;
	if (!is_meta(r->op)) {
		m->enotsup++;
		r->status = BK_ENOTSUP;
		return exec_after(&m->x, 0, finish_now, r) ? 0 : -1;
	}
	struct meta_server *s = &m->srv[meta_server_of(&m->p, r->object)];
	if (res_queue_submit(s->q, dist_sample_round(&m->p.service_ns[r->op], m->rng), served, r))
		return -1;
	s->ops[r->op]++;
	return 0;
}

/* ---- statistics ---- */

static int meta_export(void *self, const char *prefix, struct met_registry *mr, uint64_t now_ns)
{
	struct meta *m = self;
	char name[256];
	uint64_t tot[BK_NOPS] = { 0 };
	double util = 0;
	for (unsigned i = 0; i < m->p.servers; i++) {
		const struct meta_server *s = &m->srv[i];
		uint64_t all = 0;
		for (unsigned k = 0; k < BK_NOPS; k++) {
			tot[k] += s->ops[k];
			all += s->ops[k];
		}
		snprintf(name, sizeof name, "%s.server%u.ops", prefix, i);
		if (met_set(mr, name, (double)all, "ops"))
			return -1;
		/* server<i>.utilisation, .response (latency), .wait, ... */
		snprintf(name, sizeof name, "%s.server%u", prefix, i);
		if (res_stats_export(res_queue_stats(s->q), now_ns, m->p.threads, name, mr))
			return -1;
		util += res_stats_util(res_queue_stats(s->q), now_ns, m->p.threads);
	}
	snprintf(name, sizeof name, "%s.utilisation", prefix);
	if (met_set(mr, name, util / m->p.servers, "ratio"))
		return -1;
	for (unsigned k = 0; k < BK_NOPS; k++) {
		if (!is_meta((enum bk_op)k))
			continue;
		snprintf(name, sizeof name, "%s.%s.ops", prefix, bk_op_name((enum bk_op)k));
		if (met_set(mr, name, (double)tot[k], "ops"))
			return -1;
		snprintf(name, sizeof name, "%s.%s.latency", prefix, bk_op_name((enum bk_op)k));
		struct hist *h = met_hist(mr, name, "ns");
		if (!h)
			return -1;
		hist_merge(h, m->latency_ns[k]);
	}
	snprintf(name, sizeof name, "%s.enotsup", prefix);
	return met_set(mr, name, (double)m->enotsup, "ops");
}

static void meta_reset_stats(void *self)
{
	struct meta *m = self;
	for (unsigned i = 0; i < m->p.servers; i++) {
		memset(m->srv[i].ops, 0, sizeof m->srv[i].ops);
		res_queue_reset_stats(m->srv[i].q);
	}
	for (unsigned k = 0; k < BK_NOPS; k++)
		hist_reset(m->latency_ns[k]);
	m->enotsup = 0;
}

static void meta_destroy(void *self)
{
	struct meta *m = self;
	if (!m)
		return;
	if (m->srv)
		for (unsigned i = 0; i < m->p.servers; i++)
			res_queue_free(m->srv[i].q);
	free(m->srv);
	for (unsigned k = 0; k < BK_NOPS; k++)
		hist_free(m->latency_ns[k]);
	if (m->rng)
		gsl_rng_free(m->rng);
	meta_params_free(&m->p);
	free(m);
}

static const struct bk_ops meta_ops = {
	.name = "meta",
	.submit = meta_submit,
	.export = meta_export,
	.reset_stats = meta_reset_stats,
	.destroy = meta_destroy,
};

int meta_new(const struct exec *x, const struct meta_params *p, uint64_t seed, struct backend *out, struct err *e)
{
	if (meta_params_check(p, e))
		return -1;
	struct meta *m = calloc(1, sizeof *m);
	if (!m)
		return err_set(e, ERR_FAIL, "meta: out of memory");
	m->x = *x;
	m->p = *p;
	for (unsigned k = 0; k < BK_NOPS; k++)
		dist_const(&m->p.service_ns[k], 0);
	for (unsigned k = 0; k < BK_NOPS; k++)
		if (dist_copy(&m->p.service_ns[k], &p->service_ns[k], NULL))
			goto oom;
	m->rng = rng_stream_new(seed, p->name ? p->name : "meta");
	m->srv = calloc(p->servers, sizeof *m->srv);
	if (!m->rng || !m->srv)
		goto oom;
	for (unsigned i = 0; i < p->servers; i++)
		if (!(m->srv[i].q = res_queue_new(x, p->threads)))
			goto oom;
	for (unsigned k = 0; k < BK_NOPS; k++)
		if (!(m->latency_ns[k] = hist_new()))
			goto oom;
	out->ops = &meta_ops;
	out->self = m;
	return 0;
oom:
	meta_destroy(m);
	return err_set(e, ERR_FAIL, "meta: out of memory");
}
