/*
 * tiered — see tiered.h for the scenario keys and the metric names.
 *
 * Wiring, per tier:
 *   node scope    nodes × model instance (RNG stream "tier.NAME.node<i>"),
 *                 each node's path talking to its own, no network;
 *   shared scope  one model instance (stream "tier.NAME"), wrapped by the
 *                 network decorator (models/net.h) so that every byte
 *                 crosses the requesting node's NIC and the uplink; all
 *                 nodes' paths hold the same wrapped backend and, when the
 *                 tier is bounded, the same residency (shared_policy).
 *   either scope  when the tier's keys give the file-system client a cost
 *                 (models/fsclient.h), each instance (node scope) or the
 *                 wrapped backend (shared) is decorated by one (only then,
 *                 so scenarios without those keys run exactly as before).
 *                 Its opens and creates are per-operation latencies that
 *                 delay nothing else.  Stream "fs.tier.NAME[.node<i>]".
 *   either scope  with a [client] section (models/client.h), each node's
 *                 client threads: every instance (node scope) or the
 *                 wrapped backend (shared) is decorated, under the file-
 *                 system client, by the node's CPU with the tier's cpu_*
 *                 costs; the issuing node's threads serve every tier of it.
 *   either scope  on top, what the paths hold: read-after-write ordering
 *                 per chunk (sim/ord.h), one per instance (node scope) or
 *                 one for the tier (shared), as `tierref` has over its real
 *                 backends: a read of a chunk waits for its writes in
 *                 flight through the tier (a hit on a chunk whose fill is
 *                 still being written).
 */
#include "tiered.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/client.h"
#include "models/cold.h"
#include "models/dram.h"
#include "models/fixed.h"
#include "models/fsclient.h"
#include "models/meta.h"
#include "models/net.h"
#include "models/nvme.h"
#include "models/warm.h"
#include "sim/bkseq.h"
#include "sim/ord.h"
#include "sim/policy.h"

enum model { M_NVME, M_DRAM, M_WARM, M_COLD, M_FIXED };

static const char *const model_names[] = { "nvme", "dram", "warm", "cold", "fixed" };
#define N_MODELS (sizeof model_names / sizeof model_names[0])

#define DEFAULT_META_TTL_NS (30ull * 1000000000ull) /* assumed: NFS-style attribute caching of tens of s */

struct ttier {
	struct cfg_section *sec;
	enum model model;
	struct tiered_tier_spec sp;
	int meta;                 /* index into tiered.meta, or -1 */
	struct backend inner;     /* shared: the model */
	struct backend wrapped;   /* shared: the model behind the network */
	struct backend *local;    /* node scope: one per node */
	size_t nlocal;
	struct backend cl;        /* shared: the client's CPU over wrapped (client.h), or none */
	struct backend *cl_local; /* node scope: the same over local[i], or NULL */
	struct backend fs;        /* shared: the file-system client over cl or wrapped (fsclient.h), or none */
	struct backend *fs_local; /* node scope: the same over local[i], or NULL */
	struct backend ord;       /* shared: read-after-write ordering over the top of the above (sim/ord.h) */
	struct backend *ord_local; /* node scope: the same per node */
	char **rng_names;         /* kept alive: params borrow them */
	size_t nrng;
	struct pol pol;           /* shared and bounded: the common residency */
	int has_pol;
	struct path_shared *sh;   /* has_pol: the paths' view of it */
	struct backend *seq;      /* object tier with a [metadata]: per node (or one, shared), its
				   * metadata service then the store itself (sim/bkseq.h) */
	size_t nseq;
	struct tturn {            /* the file-system client's turns of the node's loop */
		struct client *c;
		uint64_t read_wake_ns, write_wake_ns;
	} turn;
	struct client_cost ck;    /* with a [client]: the tier's cpu_* keys (cl_wrap) */
};

struct tmeta {
	struct cfg_section *sec;
	struct backend b;
	char *rng_name;
};

struct tiered;

struct tiered {
	struct exec x;
	size_t nodes;
	uint64_t chunk;
	struct net *net;
	struct client *client;   /* the nodes' client threads ([client]), or NULL */
	struct ttier *t;
	size_t nt;
	struct tmeta *meta;
	size_t nmeta;
	struct path **paths;
};

int tiered_is_tiered(struct cfg_doc *doc)
{
	return cfg_find(doc, "tier", NULL) != NULL;
}

static char *fmt_name(const char *a, const char *b, size_t i, int with_index)
{
	char buf[256];
	if (with_index)
		snprintf(buf, sizeof buf, "%s.%s.node%zu", a, b, i);
	else
		snprintf(buf, sizeof buf, "%s.%s", a, b);
	return strdup(buf);
}

/* Builds one instance of the tier's model with RNG stream `rng`. */
/* A cold tier's fill or commit on the client's thread (cold.h, extra);
 * tt->ck is set by cl_wrap, after the model is made and before it runs. */
static int cold_extra_cb(void *ctx, uint32_t node, uint64_t bytes, exec_fn fn, void *arg)
{
	const struct ttier *tt = ctx;
	return client_extra(tt->turn.c, &tt->ck, node, bytes, fn, arg);
}

static int model_new(struct tiered *T, struct cfg_doc *d, struct ttier *tt, const char *rng, uint64_t seed,
		     struct backend *out, struct err *e)
{
	int rc = -1;
	switch (tt->model) {
	case M_NVME: {
		struct nvme_params p;
		nvme_params_default(&p);
		if (nvme_from_cfg(d, tt->sec, &p, e) == 0) {
			p.name = rng;
			rc = nvme_new(&T->x, &p, seed, out, e);
		}
		nvme_params_free(&p);
		break;
	}
	case M_DRAM: {
		struct dram_params p;
		dram_params_default(&p);
		if (dram_from_cfg(d, tt->sec, &p, e) == 0) {
			p.name = rng;
			rc = dram_new(&T->x, &p, seed, out, e);
		}
		dram_params_free(&p);
		break;
	}
	case M_WARM: {
		struct warm_params p;
		warm_params_default(&p);
		if (warm_from_cfg(d, tt->sec, &p, e) == 0) {
			p.name = rng;
			rc = warm_new(&T->x, &p, seed, out, e);
		}
		warm_params_free(&p);
		break;
	}
	case M_COLD: {
		struct cold_params p;
		cold_params_default(&p);
		if (cold_from_cfg(d, tt->sec, &p, e) == 0) {
			p.name = rng;
			p.piece_bytes = T->chunk;
			if (T->client) {
				p.extra = cold_extra_cb;
				p.extra_ctx = tt;
			}
			rc = cold_new(&T->x, &p, seed, out, e);
		}
		cold_params_free(&p);
		break;
	}
	case M_FIXED: {
		struct fixed_params p = { 0 };
		if (cfg_time_ns(d, tt->sec, "latency", &p.latency_ns, e) < 0 ||
		    cfg_rate_bps(d, tt->sec, "bandwidth", &p.bps, e) < 0)
			return -1;
		rc = fixed_new(out, &T->x, &p, e);
		break;
	}
	}
	if (rc < 0 && e && e->msg[0] && !strstr(e->msg, d->path))
		err_prefix(e, "%s:%d: [tier %s]: ", d->path, tt->sec->line, tt->sec->name);
	return rc;
}

static int find_meta(struct tiered *T, const char *name)
{
	for (size_t i = 0; i < T->nmeta; i++)
		if (strcmp(T->meta[i].sec->name, name) == 0)
			return (int)i;
	return -1;
}

int tiered_read_tier(struct cfg_doc *d, struct cfg_section *s, int bottom, struct tiered_tier_spec *tt,
		     struct err *e)
{
	memset(tt, 0, sizeof *tt);
	tt->name = s->name;
	if (s->name[0] == '\0')
		return err_set(e, ERR_INPUT, "%s:%d: [tier] needs a name, e.g. [tier hot]", d->path, s->line);
	const char *model = NULL;
	if (cfg_string(d, s, "model", &model, e) < 0)
		return -1;
	if (!model)
		return err_set(e, ERR_INPUT, "%s:%d: [tier %s]: missing key 'model' (nvme, dram, warm, cold or fixed)",
			       d->path, s->line, s->name);
	size_t m = 0;
	while (m < N_MODELS && strcmp(model_names[m], model) != 0)
		m++;
	if (m == N_MODELS)
		return cfg_error(d, s, cfg_key(s, "model"), e, "unknown model '%s' (nvme, dram, warm, cold or fixed)",
				 model);
	tt->model = model_names[m];

	tt->shared = m == M_WARM || m == M_COLD || m == M_FIXED;
	const char *scope = NULL;
	if (cfg_string(d, s, "scope", &scope, e) < 0)
		return -1;
	if (scope) {
		if (strcmp(scope, "shared") == 0)
			tt->shared = 1;
		else if (strcmp(scope, "node") == 0)
			tt->shared = 0;
		else
			return cfg_error(d, s, cfg_key(s, "scope"), e, "'%s' is not a scope (node or shared)", scope);
	}

	int got = cfg_bytes(d, s, "capacity", &tt->capacity, e);
	if (got < 0)
		return -1;
	if (bottom) /* it holds everything; a capacity there sizes the device only */
		tt->capacity = 0;
	if (!bottom && (!got || tt->capacity == 0))
		return err_set(e, ERR_INPUT, "%s:%d: [tier %s]: %s (every tier above the bottom one is a cache)",
			       d->path, got ? cfg_key(s, "capacity")->line : s->line, s->name,
			       got ? "'capacity' must be more than 0" : "missing key 'capacity'");

	/* The bottom tier holds every object: a policy or admission there
	 * would be accepted and do nothing. */
	static const char *const cache_keys[] = { "policy", "admission", NULL };
	for (int k = 0; bottom && cache_keys[k]; k++)
		if (cfg_key(s, cache_keys[k]))
			return cfg_error(d, s, cfg_key(s, cache_keys[k]), e,
					 "the bottom tier holds every object: '%s' applies only to a tier above it",
					 cache_keys[k]);
	const char *pol = "lru";
	if (cfg_string(d, s, "policy", &pol, e) < 0)
		return -1;
	if (!(tt->policy = pol_by_name(pol)))
		return cfg_error(d, s, cfg_key(s, "policy"), e, "unknown policy '%s' (known: %s)", pol, pol_names());
	if (tt->policy == &pol_belady_ops)
		return cfg_error(d, s, cfg_key(s, "policy"), e,
				 "belady needs the future and works only in `tiersim cache`, not in a timed run");
	const char *adm = NULL;
	if (cfg_string(d, s, "admission", &adm, e) < 0)
		return -1;
	if (adm && pol_adm_parse(adm, &tt->adm, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e->msg);
		return cfg_error(d, s, cfg_key(s, "admission"), e, "%s", why);
	}

	const char *w = "through";
	if (cfg_string(d, s, "write", &w, e) < 0)
		return -1;
	if (strcmp(w, "through") == 0)
		tt->wp = PATH_WRITE_THROUGH;
	else if (strcmp(w, "back") == 0)
		tt->wp = PATH_WRITE_BACK;
	else if (strcmp(w, "around") == 0)
		tt->wp = PATH_WRITE_AROUND;
	else
		return cfg_error(d, s, cfg_key(s, "write"), e, "'%s' is not a write policy (through, back or around)", w);
	if (cfg_bytes(d, s, "dirty_budget", &tt->dirty_budget, e) < 0 || cfg_u64(d, s, "drain_depth", &tt->drain_depth, e) < 0)
		return -1;
	if (bottom && tt->wp != PATH_WRITE_THROUGH)
		return cfg_error(d, s, cfg_key(s, "write"), e,
				 "the bottom tier stores every write itself: write = %s applies only to a tier above it", w);
	if (tt->wp != PATH_WRITE_BACK) {
		const char *k = cfg_key(s, "dirty_budget") ? "dirty_budget" : cfg_key(s, "drain_depth") ? "drain_depth" : NULL;
		if (k)
			return cfg_error(d, s, cfg_key(s, k), e, "only with write = back (this tier writes %s)", w);
	}
	if (tt->wp == PATH_WRITE_BACK) {
		if (tt->shared)
			return cfg_error(d, s, cfg_key(s, "write"), e, "write-back needs scope = node (dirty data is per node)");
		if (!tt->dirty_budget)
			return err_set(e, ERR_INPUT, "%s:%d: [tier %s]: write = back needs dirty_budget (e.g. dirty_budget = 64GiB)",
				       d->path, cfg_key(s, "write")->line, s->name);
	}
	if (tt->drain_depth > UINT32_MAX)
		return cfg_error(d, s, cfg_key(s, "drain_depth"), e, "too large");

	const char *meta = NULL;
	if (cfg_string(d, s, "metadata", &meta, e) < 0)
		return -1;
	if (meta && !*meta)
		return cfg_error(d, s, cfg_key(s, "metadata"), e,
				 "empty: name a [metadata NAME] section, or none for no metadata service");
	if (meta && strcmp(meta, "none") != 0) {
		if (!cfg_find(d, "metadata", meta))
			return cfg_error(d, s, cfg_key(s, "metadata"), e, "no [metadata %s] section", meta);
		tt->metadata = meta;
	}
	tt->meta_kind = !tt->metadata ? PATH_META_NONE : m == M_COLD ? PATH_META_OBJECT : PATH_META_FILE;
	const char *mk = NULL;
	if (cfg_string(d, s, "meta_kind", &mk, e) < 0)
		return -1;
	if (mk) {
		if (strcmp(mk, "file") == 0)
			tt->meta_kind = PATH_META_FILE;
		else if (strcmp(mk, "object") == 0)
			tt->meta_kind = PATH_META_OBJECT;
		else
			return cfg_error(d, s, cfg_key(s, "meta_kind"), e, "'%s' is not a kind (file or object)", mk);
		if (!tt->metadata)
			return cfg_error(d, s, cfg_key(s, "meta_kind"), e, "set 'metadata' to a [metadata NAME] first");
	}
	tt->meta_ttl_ns = DEFAULT_META_TTL_NS;
	return cfg_time_ns(d, s, "meta_ttl", &tt->meta_ttl_ns, e) < 0 ? -1 : 0;
}

struct path_tier_cfg tiered_tier_cfg(const struct tiered_tier_spec *sp, struct backend data, struct backend meta,
				     struct path_shared *shared)
{
	return (struct path_tier_cfg){
		.name = sp->name,
		.capacity_bytes = sp->capacity,
		.policy = sp->policy,
		.admission = sp->adm,
		.write_policy = sp->wp,
		.dirty_budget_bytes = sp->dirty_budget,
		.drain_depth = (uint32_t)sp->drain_depth,
		.data = data,
		.meta = meta,
		.meta_kind = sp->meta_kind,
		.meta_ttl_ns = sp->meta_ttl_ns,
		.shared = shared,
	};
}

static int read_tier(struct tiered *T, struct cfg_doc *d, struct ttier *tt, int bottom, struct err *e)
{
	struct tiered_tier_spec sp;
	if (tiered_read_tier(d, tt->sec, bottom, &sp, e) < 0)
		return -1;
	size_t m = 0;
	while (strcmp(model_names[m], sp.model) != 0)
		m++;
	tt->model = (enum model)m;
	tt->sp = sp;
	tt->meta = sp.metadata ? find_meta(T, sp.metadata) : -1;
	return 0;
}

int tiered_check_model_keys(struct cfg_doc *d, struct cfg_section *s, const char *model, struct err *e)
{
	int rc = 0;
	if (strcmp(model, "nvme") == 0) {
		struct nvme_params p;
		nvme_params_default(&p);
		rc = nvme_from_cfg(d, s, &p, e);
		nvme_params_free(&p);
	} else if (strcmp(model, "dram") == 0) {
		struct dram_params p;
		dram_params_default(&p);
		rc = dram_from_cfg(d, s, &p, e);
		dram_params_free(&p);
	} else if (strcmp(model, "warm") == 0) {
		struct warm_params p;
		warm_params_default(&p);
		rc = warm_from_cfg(d, s, &p, e);
		warm_params_free(&p);
	} else if (strcmp(model, "cold") == 0) {
		struct cold_params p;
		cold_params_default(&p);
		rc = cold_from_cfg(d, s, &p, e);
		cold_params_free(&p);
	} else if (strcmp(model, "fixed") == 0) {
		struct fixed_params p = { 0 };
		rc = cfg_time_ns(d, s, "latency", &p.latency_ns, e) < 0 || cfg_rate_bps(d, s, "bandwidth", &p.bps, e) < 0
			     ? -1 : 0;
	} else {
		return err_set(e, ERR_INPUT, "%s:%d: [tier %s]: unknown model '%s'", d->path, s->line, s->name, model);
	}
	if (rc == 0) {
		struct fsc_params p;
		rc = fsc_from_cfg(d, s, &p, e);
		fsc_params_free(&p);
	}
	struct client_cost k;
	if (rc == 0)
		rc = client_cost_from_cfg(d, s, &k, e);
	if (rc < 0 && e && e->msg[0] && !strstr(e->msg, d->path))
		err_prefix(e, "%s:%d: [tier %s]: ", d->path, s->line, s->name);
	return rc;
}

/* A step of an open (or of a create: the tier's write wake) costs the loop
 * one wake-up, shared by what the node has in flight. */
static int client_turn_cb(void *ctx, size_t node, int create, exec_fn fn, void *arg)
{
	const struct tturn *t = ctx;
	return client_turn(t->c, node, create ? t->write_wake_ns : t->read_wake_ns, fn, arg);
}

static int client_work_cb(void *ctx, size_t node, uint64_t ns)
{
	const struct tturn *t = ctx;
	return client_work(t->c, node, ns);
}

static int client_hold_cb(void *ctx, size_t node, exec_fn fn, void *arg)
{
	const struct tturn *t = ctx;
	return client_hold(t->c, node, fn, arg);
}

/* The file-system client over `in` when the tier's keys give it a cost
 * (fsclient.h); out stays empty otherwise. */
static int fs_wrap(struct tiered *T, struct cfg_doc *d, struct ttier *tt, const char *rng, uint64_t seed,
		   struct backend in, struct backend *out, struct err *e)
{
	struct fsc_params p;
	int rc = fsc_from_cfg(d, tt->sec, &p, e);
	if (rc == 0 && !T->client && (p.open_cpu_ns || p.create_cpu_ns || p.close_cpu_ns))
		rc = err_set(e, ERR_INPUT,
			     "%s:%d: [tier %s]: cpu_open, cpu_create and cpu_close cost the client's event loop, and "
			     "the scenario has no [client] section: add one (e.g. [client] reap_batch = 8)",
			     d->path, tt->sec->line, tt->sec->name);
	if (rc == 0 && fsc_active(&p)) {
		char name[300];
		snprintf(name, sizeof name, "fs.%s", rng);
		p.name = name;
		if (T->client && client_loop(T->client)) {
			p.turn = client_turn_cb;
			p.work = client_work_cb;
			p.hold = client_hold_cb;
			p.turn_ctx = &tt->turn;
		}
		rc = fsc_new(&T->x, &p, seed, in, out, e);
	}
	fsc_params_free(&p);
	return rc;
}

/* The node's client threads over `in` when the scenario has a [client]
 * (client.h); out is `in` otherwise.  A tier's cpu_* keys without a
 * [client] would cost nothing: an error. */
static int cl_wrap(struct tiered *T, struct cfg_doc *d, struct ttier *tt, struct backend in, struct backend *out,
		   struct err *e)
{
	struct client_cost k;
	if (client_cost_from_cfg(d, tt->sec, &k, e) < 0)
		return -1;
	tt->ck = k;
	tt->turn = (struct tturn){ T->client, k.read_wake_ns, k.write_wake_ns };
	if (!T->client) {
		*out = in;
		if (client_cost_any(&k))
			return err_set(e, ERR_INPUT,
				       "%s:%d: [tier %s]: cpu_* keys cost the client's threads, and the scenario has no "
				       "[client] section: add one (e.g. [client] threads = 1)",
				       d->path, tt->sec->line, tt->sec->name);
		return 0;
	}
	return client_wrap(T->client, &k, in, out, e);
}

static int build_tier(struct tiered *T, struct cfg_doc *d, struct ttier *tt, uint64_t seed, struct err *e)
{
	const char *name = tt->sec->name;
	if (tt->sp.shared) {
		char *rng = fmt_name("tier", name, 0, 0);
		tt->rng_names = malloc(sizeof *tt->rng_names);
		if (!rng || !tt->rng_names) {
			free(rng);
			return err_set(e, ERR_FAIL, "out of memory");
		}
		tt->rng_names[tt->nrng++] = rng;
		if (model_new(T, d, tt, rng, seed, &tt->inner, e) < 0)
			return -1;
		if (net_wrap(T->net, &tt->inner, &tt->wrapped, e) < 0 || cl_wrap(T, d, tt, tt->wrapped, &tt->cl, e) < 0 ||
		    fs_wrap(T, d, tt, rng, seed, tt->cl, &tt->fs, e) < 0 ||
		    ord_wrap(tt->fs.ops ? tt->fs : tt->cl, T->chunk, &tt->ord, e) < 0)
			return -1;
		if (tt->sp.capacity) {
			if (pol_init(&tt->pol, tt->sp.policy, tt->sp.capacity, &tt->sp.adm, e) < 0)
				return err_prefix(e, "%s:%d: [tier %s]: ", d->path, tt->sec->line, name);
			tt->has_pol = 1;
			if (!(tt->sh = path_shared_new(&tt->pol, tt->ord, T->chunk, e)))
				return -1;
		}
		return 0;
	}
	tt->local = calloc(T->nodes, sizeof *tt->local);
	tt->cl_local = calloc(T->nodes, sizeof *tt->cl_local);
	tt->fs_local = calloc(T->nodes, sizeof *tt->fs_local);
	tt->ord_local = calloc(T->nodes, sizeof *tt->ord_local);
	tt->rng_names = calloc(T->nodes, sizeof *tt->rng_names);
	if (!tt->local || !tt->cl_local || !tt->fs_local || !tt->ord_local || !tt->rng_names)
		return err_set(e, ERR_FAIL, "out of memory");
	for (size_t i = 0; i < T->nodes; i++) {
		char *rng = fmt_name("tier", name, i, 1);
		if (!rng)
			return err_set(e, ERR_FAIL, "out of memory");
		tt->rng_names[tt->nrng++] = rng;
		if (model_new(T, d, tt, rng, seed, &tt->local[i], e) < 0)
			return -1;
		tt->nlocal++;
		if (cl_wrap(T, d, tt, tt->local[i], &tt->cl_local[i], e) < 0 ||
		    fs_wrap(T, d, tt, rng, seed, tt->cl_local[i], &tt->fs_local[i], e) < 0 ||
		    ord_wrap(tt->fs_local[i].ops ? tt->fs_local[i] : tt->cl_local[i], T->chunk, &tt->ord_local[i], e) < 0)
			return -1;
	}
	return 0;
}

int tiered_build(struct tiered **out, struct cfg_doc *d, const struct exec *x, uint64_t seed, struct err *e)
{
	*out = NULL;
	static const char *const known[] = { "run", "cluster", "client", "tier", "metadata", "workload", "job", NULL };
	if (cfg_check_sections(d, known, e) < 0)
		return -1;
	struct tiered *T = calloc(1, sizeof *T);
	if (!T)
		return err_set(e, ERR_FAIL, "out of memory");
	T->x = *x;
	T->nodes = 1;
	T->chunk = 1 << 20;

	struct net_params np;
	net_params_default(&np);
	struct cfg_section *cl = cfg_find(d, "cluster", NULL);
	if (cl) {
		if (net_from_cfg(d, cl, &np, e) < 0 || cfg_bytes(d, cl, "chunk", &T->chunk, e) < 0)
			goto fail;
		if (T->chunk == 0 || T->chunk > POL_MAX_OBJ_BYTES) {
			cfg_error(d, cl, cfg_key(cl, "chunk"), e, "must be 1 byte to 4 GiB");
			goto fail;
		}
	}
	T->nodes = np.nodes;
	if (!(T->net = net_new(x, &np, e)))
		goto fail;
	struct client_params cp;
	int has_client = client_from_cfg(d, &cp, e);
	if (has_client < 0 || (has_client && client_new(&T->client, x, &cp, cp.shared ? 1 : T->nodes, e) < 0))
		goto fail;

	size_t nt = 0, nm = 0;
	for (size_t i = 0; i < d->nsec; i++) {
		nt += strcmp(d->sec[i].type, "tier") == 0;
		nm += strcmp(d->sec[i].type, "metadata") == 0;
	}
	T->t = calloc(nt, sizeof *T->t);
	T->meta = calloc(nm ? nm : 1, sizeof *T->meta);
	T->paths = calloc(T->nodes, sizeof *T->paths);
	if (!T->t || !T->meta || !T->paths) {
		err_set(e, ERR_FAIL, "out of memory");
		goto fail;
	}
	if (nt > PATH_MAX_TIERS) {
		err_set(e, ERR_INPUT, "%s: %zu tiers; at most %d", d->path, nt, PATH_MAX_TIERS);
		goto fail;
	}
	/* Metadata services first: tiers name them. */
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		if (strcmp(s->type, "metadata") != 0)
			continue;
		struct tmeta *tm = &T->meta[T->nmeta];
		tm->sec = s;
		if (s->name[0] == '\0') {
			err_set(e, ERR_INPUT, "%s:%d: [metadata] needs a name, e.g. [metadata mds]", d->path, s->line);
			goto fail;
		}
		struct meta_params mp;
		meta_params_default(&mp);
		int rc = meta_from_cfg(d, s, &mp, e);
		tm->rng_name = fmt_name("meta", s->name, 0, 0);
		if (rc == 0 && !tm->rng_name)
			rc = err_set(e, ERR_FAIL, "out of memory");
		mp.name = tm->rng_name;
		if (rc == 0)
			rc = meta_new(x, &mp, seed, &tm->b, e);
		meta_params_free(&mp);
		if (rc < 0) {
			free(tm->rng_name);
			tm->rng_name = NULL;
			goto fail;
		}
		T->nmeta++;
	}
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		if (strcmp(s->type, "tier") != 0)
			continue;
		struct ttier *tt = &T->t[T->nt];
		tt->sec = s;
		tt->meta = -1;
		T->nt++;
		for (size_t k = 0; k + 1 < T->nt; k++)
			if (strcmp(T->t[k].sec->name, s->name) == 0) {
				err_set(e, ERR_INPUT, "%s:%d: [tier %s]: the name is already used at line %d", d->path,
					s->line, s->name, T->t[k].sec->line);
				goto fail;
			}
		if (read_tier(T, d, tt, T->nt == nt, e) < 0 || build_tier(T, d, tt, seed, e) < 0)
			goto fail;
	}
	/* An object store's HEADs pass its metadata service, then the store
	 * (billed and rate-limited as any request; sim/bkseq.h). */
	for (size_t i = 0; i < T->nt; i++) {
		struct ttier *tt = &T->t[i];
		if (tt->meta < 0 || tt->sp.meta_kind != PATH_META_OBJECT)
			continue;
		size_t k = tt->sp.shared ? 1 : T->nodes;
		if (!(tt->seq = calloc(k, sizeof *tt->seq))) {
			err_set(e, ERR_FAIL, "out of memory");
			goto fail;
		}
		for (; tt->nseq < k; tt->nseq++)
			if (bkseq_new(T->meta[tt->meta].b, tt->sp.shared ? tt->ord : tt->ord_local[tt->nseq],
				      &tt->seq[tt->nseq], e) < 0)
				goto fail;
	}
	for (size_t n = 0; n < T->nodes; n++) {
		struct path_tier_cfg tc[PATH_MAX_TIERS];
		memset(tc, 0, sizeof tc);
		for (size_t i = 0; i < T->nt; i++) {
			struct ttier *tt = &T->t[i];
			struct backend data = tt->sp.shared ? tt->ord : tt->ord_local[n];
			struct backend meta = tt->seq ? tt->seq[tt->sp.shared ? 0 : n]
				     : tt->meta >= 0 ? T->meta[tt->meta].b : (struct backend){ 0 };
			tc[i] = tiered_tier_cfg(&tt->sp, data, meta, tt->sh);
		}
		struct path_cfg pc = { .chunk_bytes = T->chunk, .client = (uint32_t)n, .n_tiers = T->nt, .tiers = tc };
		if (!(T->paths[n] = path_new(x, &pc, e))) {
			err_prefix(e, "%s: ", d->path);
			goto fail;
		}
	}
	*out = T;
	return 0;
fail:
	/* Out of memory is the one failure whose cause a section cannot name:
	 * it is the sum of them, which the node count multiplies. */
	if (e && e->code == ERR_FAIL && strstr(e->msg, "out of memory") && strncmp(e->msg, d->path, strlen(d->path)))
		err_prefix(e, "%s: a cluster of %zu nodes: ", d->path, T->nodes);
	tiered_free(T);
	return -1;
}

size_t tiered_nodes(const struct tiered *T)
{
	return T->nodes;
}

struct path *const *tiered_paths(const struct tiered *T)
{
	return T->paths;
}

static int put(struct met_registry *m, const char *tier, const char *what, double v, const char *unit)
{
	char name[256];
	snprintf(name, sizeof name, "tier.%s.%s", tier, what);
	return met_set(m, name, v, unit);
}

int tiered_export_tiers(struct path *const *paths, size_t nodes, struct met_registry *m, uint64_t now,
			struct err *e)
{
	int rc = 0;
	char prefix[256];
	for (size_t n = 0; n < nodes; n++) {
		if (path_failed(paths[n], e))
			return -1;
		snprintf(prefix, sizeof prefix, "node%zu", n);
		rc |= path_export(paths[n], prefix, m, now);
	}
	size_t nt = nodes ? path_n_tiers(paths[0]) : 0;
	uint64_t chunk_reads = 0;
	for (size_t i = 0; i < nt; i++)
		for (size_t n = 0; n < nodes; n++)
			chunk_reads += path_tier_stats(paths[n], i)->hits;
	for (size_t i = 0; i < nt; i++) {
		const char *name = path_tier_name(paths[0], i);
		struct path_tier_stats sum = { 0 };
		snprintf(prefix, sizeof prefix, "tier.%s.read_latency", name);
		struct hist *lat = met_hist(m, prefix, "ns");
		if (!lat)
			return err_set(e, ERR_FAIL, "out of memory");
		hist_reset(lat);
		for (size_t n = 0; n < nodes; n++) {
			const struct path_tier_stats *s = path_tier_stats(paths[n], i);
			sum.hits += s->hits;
			sum.misses += s->misses;
			sum.read_bytes += s->read_bytes;
			sum.write_bytes += s->write_bytes;
			sum.fill_bytes += s->fill_bytes;
			sum.writeback_bytes += s->writeback_bytes;
			sum.evictions += s->evictions;
			sum.errors += s->errors;
			sum.fill_errors += s->fill_errors;
			sum.drain_errors += s->drain_errors;
			sum.grown += s->grown;
			for (int op = 0; op < BK_NOPS; op++)
				sum.meta_ops[op] += s->meta_ops[op];
			hist_merge(lat, s->read_latency_ns);
		}
		sum.evictions += path_tier_shared_evictions(paths[0], i); /* once: one policy for all */
		uint64_t lookups = sum.hits + sum.misses;
		rc |= put(m, name, "hits", (double)sum.hits, "chunks");
		rc |= put(m, name, "misses", (double)sum.misses, "chunks");
		rc |= put(m, name, "hit_ratio", lookups ? (double)sum.hits / (double)lookups : 0, "ratio");
		rc |= put(m, name, "served_share", chunk_reads ? (double)sum.hits / (double)chunk_reads : 0, "ratio");
		rc |= put(m, name, "read_bytes", (double)sum.read_bytes, "B");
		rc |= put(m, name, "write_bytes", (double)sum.write_bytes, "B");
		rc |= put(m, name, "fill_bytes", (double)sum.fill_bytes, "B");
		double secs = now > 0 ? now / 1e9 : 0;
		rc |= put(m, name, "read_bandwidth", secs > 0 ? sum.read_bytes / secs : 0, "B/s");
		rc |= put(m, name, "write_bandwidth", secs > 0 ? sum.write_bytes / secs : 0, "B/s");
		rc |= put(m, name, "writeback_bytes", (double)sum.writeback_bytes, "B");
		rc |= put(m, name, "evictions", (double)sum.evictions, "chunks");
		rc |= put(m, name, "errors", (double)sum.errors, "ops");
		rc |= put(m, name, "fill_errors", (double)sum.fill_errors, "ops");
		rc |= put(m, name, "drain_errors", (double)sum.drain_errors, "ops");
		rc |= put(m, name, "grown", (double)sum.grown, "chunks");
		uint64_t meta_ops = 0;
		for (int op = 0; op < BK_NOPS; op++)
			meta_ops += sum.meta_ops[op];
		rc |= put(m, name, "meta_ops", (double)meta_ops, "ops");
		/* Summed over nodes, as the rest: a node tier's capacity is each
		 * node's (it once gave node 0's under "summed over nodes"); a
		 * shared residency's is the cluster's, once. */
		uint64_t cap = path_tier_capacity_bytes(paths[0], i);
		rc |= put(m, name, "capacity", (double)cap * (path_tier_policy_shared(paths[0], i) ? 1 : (double)nodes),
			  "B");
	}
	if (rc)
		return err_set(e, ERR_FAIL, "out of memory writing metrics");
	return 0;
}

int tiered_export(struct tiered *T, struct met_registry *m, uint64_t now, struct err *e)
{
	if (tiered_export_tiers(T->paths, T->nodes, m, now, e) < 0)
		return -1;
	int rc = 0;
	char prefix[256];
	for (size_t i = 0; i < T->nt; i++) {
		struct ttier *tt = &T->t[i];
		const char *name = tt->sec->name;
		if (tt->sp.shared) {
			snprintf(prefix, sizeof prefix, "backend.%s", name);
			rc |= tt->inner.ops->export(tt->inner.self, prefix, m, now);
			if (T->client)
				rc |= tt->cl.ops->export(tt->cl.self, prefix, m, now);
			if (tt->fs.ops)
				rc |= tt->fs.ops->export(tt->fs.self, prefix, m, now);
		} else {
			for (size_t n = 0; n < tt->nlocal; n++) {
				snprintf(prefix, sizeof prefix, "backend.%s.node%zu", name, n);
				rc |= tt->local[n].ops->export(tt->local[n].self, prefix, m, now);
				if (T->client)
					rc |= tt->cl_local[n].ops->export(tt->cl_local[n].self, prefix, m, now);
				if (tt->fs_local[n].ops)
					rc |= tt->fs_local[n].ops->export(tt->fs_local[n].self, prefix, m, now);
			}
		}
	}
	for (size_t i = 0; i < T->nmeta; i++) {
		snprintf(prefix, sizeof prefix, "meta.%s", T->meta[i].sec->name);
		rc |= T->meta[i].b.ops->export(T->meta[i].b.self, prefix, m, now);
	}
	rc |= net_export(T->net, "net", m, now);
	if (T->client)
		rc |= client_export(T->client, m, now);
	if (rc)
		return err_set(e, ERR_FAIL, "out of memory writing metrics");
	return 0;
}

int tiered_add_series(struct tiered *T, struct met_registry *m)
{
	return path_add_tier_series(T->paths, T->nodes, m);
}

/* One decorator layer of a tier: the shared instance and the n per-node
 * ones that were made (either may be absent: ops NULL). */
static void destroy_layer(struct backend *shared, struct backend *local, size_t n)
{
	if (shared->ops)
		shared->ops->destroy(shared->self);
	for (size_t i = 0; local && i < n; i++)
		if (local[i].ops)
			local[i].ops->destroy(local[i].self);
}

void tiered_free(struct tiered *T)
{
	if (!T)
		return;
	for (size_t n = 0; n < T->nodes && T->paths; n++)
		path_free(T->paths[n]);
	free(T->paths);
	for (size_t i = 0; i < T->nt; i++) {
		struct ttier *tt = &T->t[i];
		/* Top down; without a [client], cl and cl_local are copies of
		 * the backends below, not decorators of their own. */
		for (size_t k = 0; k < tt->nseq; k++)
			tt->seq[k].ops->destroy(tt->seq[k].self);
		free(tt->seq);
		destroy_layer(&tt->ord, tt->ord_local, tt->nlocal);
		destroy_layer(&tt->fs, tt->fs_local, tt->nlocal);
		if (T->client)
			destroy_layer(&tt->cl, tt->cl_local, tt->nlocal);
		free(tt->ord_local);
		free(tt->fs_local);
		free(tt->cl_local);
		if (tt->wrapped.ops)
			tt->wrapped.ops->destroy(tt->wrapped.self);
		if (tt->inner.ops)
			tt->inner.ops->destroy(tt->inner.self);
		for (size_t n = 0; n < tt->nlocal; n++)
			tt->local[n].ops->destroy(tt->local[n].self);
		free(tt->local);
		path_shared_free(tt->sh);
		if (tt->has_pol)
			pol_destroy(&tt->pol);
		for (size_t k = 0; k < tt->nrng; k++)
			free(tt->rng_names[k]);
		free(tt->rng_names);
	}
	free(T->t);
	for (size_t i = 0; i < T->nmeta; i++) {
		T->meta[i].b.ops->destroy(T->meta[i].b.self);
		free(T->meta[i].rng_name);
	}
	free(T->meta);
	net_free(T->net);
	client_free(T->client);
	free(T);
}
