/*
 * realtiers — see realtiers.h for which tier runs on what, and why.
 *
 * Layers of one tier instance, bottom up:
 *   raw      filebk | dirbk | blob             (the device)
 *   cbuf     Blob only: buffers, content, verification
 *   ord      reads wait for writes of the same object in flight
 *            (sim/ord.h: the simulated tiers have the same layer)
 * The path holds `ord`; exports and errors come from `raw` (and cbuf).
 */
#include "realtiers.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "models/client.h"
#include "models/net.h"
#include "models/meta.h"
#include "models/tiered.h"
#include "refimpl/blkstat.h"
#include "refimpl/blob.h"
#include "refimpl/content.h"
#include "refimpl/dirbk.h"
#include "refimpl/filebk.h"
#include "sim/ord.h"
#include "sim/policy.h"

#define BUF_PREMADE_MAX (1ull << 30) /* bytes of slot buffers made before a run, per backend */

/* ------------------------------------------------------------------ */
/* cbuf: buffers, content and verification for the Blob backend        */

struct cbuf {
	struct backend in;
	uint64_t mismatches;
	uint64_t verified_bytes;
	char last[512];        /* the last verification failure */
	char last_fail[768];   /* the blob's message for the last failed request */
};

struct cbuf_io {
	struct bk_req in;
	struct bk_req *outer;
	struct cbuf *c;
	void *buf;
};

static void cbuf_done(struct bk_req *in)
{
	struct cbuf_io *io = (struct cbuf_io *)in;
	struct bk_req *outer = io->outer;
	struct cbuf *c = io->c;
	outer->status = in->status;
	outer->retries = in->retries;
	outer->submit_ns = in->submit_ns;
	outer->upriv[0] = in->upriv[0];
	outer->upriv[1] = in->upriv[1];
	if (in->status != BK_OK)
		snprintf(c->last_fail, sizeof c->last_fail, "%s", blob_last_error(&c->in));
	if (in->op == BK_READ && in->status == BK_OK && in->length) {
		uint64_t bad = 0;
		if (content_check(io->buf, in->object, in->offset, (size_t)in->length, &bad) < 0) {
			c->mismatches++;
			outer->status = BK_EIO;
			snprintf(c->last, sizeof c->last,
				 "verify: object %016" PRIx64 " bytes [%" PRIu64 ", %" PRIu64 "): byte %" PRIu64
				 " is not the content it must have (a corrupt or foreign blob)",
				 in->object, in->offset, in->offset + in->length, bad);
		} else {
			c->verified_bytes += in->length;
			if (outer->buf)
				memcpy(outer->buf, io->buf, (size_t)in->length);
		}
	}
	free(io->buf);
	free(io);
	outer->done(outer);
}

static int cbuf_submit(void *self, struct bk_req *req)
{
	struct cbuf *c = self;
	struct cbuf_io *io = calloc(1, sizeof *io);
	if (!io)
		return -1;
	io->in = *req;
	io->in.done = cbuf_done;
	io->in.ctx = NULL;
	io->outer = req;
	io->c = c;
	if ((req->op == BK_READ || req->op == BK_WRITE) && req->length) {
		if (req->length > SIZE_MAX / 2 || !(io->buf = malloc((size_t)req->length))) {
			free(io);
			return -1;
		}
		if (req->op == BK_WRITE) {
			if (req->buf)
				memcpy(io->buf, req->buf, (size_t)req->length);
			else
				content_fill(io->buf, req->object, req->offset, (size_t)req->length);
		}
	}
	io->in.buf = io->buf;
	if (bk_submit(&c->in, &io->in) < 0) {
		free(io->buf);
		free(io);
		return -1;
	}
	return 0;
}

static int cbuf_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct cbuf *c = self;
	char name[300];
	if (c->in.ops->export(c->in.self, prefix, m, now_ns))
		return -1;
	snprintf(name, sizeof name, "%s.verify_errors", prefix);
	if (met_set(m, name, (double)c->mismatches, "ops"))
		return -1;
	snprintf(name, sizeof name, "%s.verified_bytes", prefix);
	return met_set(m, name, (double)c->verified_bytes, "B");
}

static void cbuf_reset(void *self)
{
	struct cbuf *c = self;
	c->in.ops->reset_stats(c->in.self);
}

static void cbuf_destroy(void *self)
{
	free(self);
}

static const struct bk_ops cbuf_ops = {
	.name = "blob-content", .submit = cbuf_submit, .export = cbuf_export, .reset_stats = cbuf_reset,
	.destroy = cbuf_destroy,
};

/* ------------------------------------------------------------------ */
/* rec: the dry run's instant recording backend                        */

/* Per object seen: the end of the bytes the workload reads before it
 * writes them (what populate must write; 0: none), and the end of the
 * prefix [0, wend) it has written so far.  An object the workload writes
 * before it reads it (a checkpoint, restored later) needs no blob: one
 * written whole by populate made the checkpoint's chunks fail (blob.h:
 * they cannot be committed over a whole blob), and a file tier's would
 * only be overwritten. */
struct rec_tab {
	uint64_t *obj, *end, *wend; /* open addressing */
	unsigned char *used;
	size_t cap, n, needed;
	int oom;
};

struct rec {
	struct exec x;
	struct rec_tab *tab;   /* shared by every tier of the dry run */
};

static size_t rec_slot(const struct rec_tab *t, uint64_t obj)
{
	size_t k = (size_t)((obj * 0x9e3779b97f4a7c15ull) >> 7) % t->cap;
	while (t->used[k] && t->obj[k] != obj)
		k = (k + 1) % t->cap;
	return k;
}

/* The slot of obj, made if new; (size_t)-1 when out of memory. */
static size_t rec_get(struct rec_tab *t, uint64_t obj)
{
	if (2 * (t->n + 1) > t->cap) {
		struct rec_tab g = { .cap = t->cap ? 2 * t->cap : 1024 };
		g.obj = calloc(g.cap, sizeof *g.obj);
		g.end = calloc(g.cap, sizeof *g.end);
		g.wend = calloc(g.cap, sizeof *g.wend);
		g.used = calloc(g.cap, 1);
		if (!g.obj || !g.end || !g.wend || !g.used) {
			free(g.obj);
			free(g.end);
			free(g.wend);
			free(g.used);
			return (size_t)-1;
		}
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->used[i])
				continue;
			size_t k = rec_slot(&g, t->obj[i]);
			g.used[k] = 1;
			g.obj[k] = t->obj[i];
			g.end[k] = t->end[i];
			g.wend[k] = t->wend[i];
		}
		free(t->obj);
		free(t->end);
		free(t->wend);
		free(t->used);
		t->obj = g.obj;
		t->end = g.end;
		t->wend = g.wend;
		t->used = g.used;
		t->cap = g.cap;
	}
	size_t k = rec_slot(t, obj);
	if (!t->used[k]) {
		t->used[k] = 1;
		t->obj[k] = obj;
		t->end[k] = t->wend[k] = 0;
		t->n++;
	}
	return k;
}

/* A read of [off, end) or a write of it, in the dry run's order. */
static int rec_put(struct rec_tab *t, uint64_t obj, uint64_t off, uint64_t end, int write)
{
	if (end == off)
		return 0;
	size_t k = rec_get(t, obj);
	if (k == (size_t)-1)
		return -1;
	if (write) {
		if (off <= t->wend[k] && end > t->wend[k])
			t->wend[k] = end;
	} else if (end > t->wend[k] && end > t->end[k]) {
		t->needed += t->end[k] == 0;
		t->end[k] = end;
	}
	return 0;
}

static void rec_complete(void *arg)
{
	struct bk_req *req = arg;
	req->status = BK_OK;
	req->done(req);
}

static int rec_submit(void *self, struct bk_req *req)
{
	struct rec *r = self;
	if ((req->op == BK_READ || req->op == BK_WRITE) &&
	    rec_put(r->tab, req->object, req->offset, req->offset + req->length, req->op == BK_WRITE) < 0)
		r->tab->oom = 1;
	req->retries = 0;
	req->submit_ns = exec_now(&r->x);
	return exec_at(&r->x, req->submit_ns, rec_complete, req) ? 0 : -1;
}

static int rec_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)self, (void)prefix, (void)m, (void)now_ns;
	return 0;
}

static void rec_reset(void *self)
{
	(void)self;
}

static void rec_destroy(void *self)
{
	free(self);
}

static const struct bk_ops rec_ops = {
	.name = "record", .submit = rec_submit, .export = rec_export, .reset_stats = rec_reset, .destroy = rec_destroy,
};

/* ------------------------------------------------------------------ */
/* the tiers                                                           */

struct rinst {
	struct backend raw;    /* the device (or recorder) */
	struct backend cbuf;   /* Blob: content and verification */
	struct backend top;    /* ord over cbuf or raw: what the path holds */
	char *dir;
	/* A hot instance's block device (realtiers.h, "Metrics"): its stat
	 * file, or NULL (the directory is on no block device), and its
	 * counters at the run's start and end (dev_read: 1, then 2; 0 if
	 * unread). */
	char *devstat;
	struct blkstat dev0, dev1;
	int dev_read;
};

struct rtier {
	struct tiered_tier_spec sp;
	enum rt_kind kind;
	int use_dirbk;         /* metadata on a node tier: real namespace ops */
	struct rinst *inst;    /* nodes (scope node) or 1 */
	size_t ninst, built;
	struct pol pol;        /* shared and bounded: the cluster's residency */
	int has_pol;
	struct path_shared *sh; /* has_pol: the paths' view of it (its evictions freed on the disk) */
};

struct rt {
	struct exec x;
	struct loop *l;
	struct rt_opts o;
	size_t nodes;
	uint64_t chunk;
	struct rtier *t;
	size_t nt;
	struct path **paths;
	struct rec_tab tab;
	char cold_endpoint[512], cold_account[128], cold_container[128];
};

static int mkdir_p(const char *path, struct err *e)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return err_set(e, ERR_INPUT, "%s: path too long", path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return err_set(e, ERR_FAIL, "%s: cannot create the directory: %s", buf, strerror(errno));
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

int rt_parse_cold_url(const char *url, char *endpoint, size_t ecap, char *account, size_t acap, char *container,
		      size_t ccap, struct err *e)
{
	/* The messages below quote the URL: what could hold a credential (a
	 * query, a user name) is refused first, unquoted; so are bytes that
	 * would make the quote unreadable. */
	if (strpbrk(url, "?#"))
		return err_set(e, ERR_INPUT, "--cold: put no query (credentials) or fragment in the URL; use "
					     "TIERREF_BLOB_SAS");
	for (const unsigned char *c = (const unsigned char *)url; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return err_set(e, ERR_INPUT, "--cold: white space or a control byte in the URL");
	const char *hs = strstr(url, "://");
	if (hs && memchr(hs + 3, '@', strcspn(hs + 3, "/")))
		return err_set(e, ERR_INPUT, "--cold: put no user name or password in the URL; use TIERREF_BLOB_KEY "
					     "or TIERREF_BLOB_SAS");
	if (!hs || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
		return err_set(e, ERR_INPUT, "--cold %s: not an http:// or https:// URL", url);
	hs += 3;
	/* One '/' at the end is no segment: ".../ACCOUNT/CONTAINER/". */
	char trimmed[2048];
	size_t ul = strlen(url);
	if (ul >= 2 && url[ul - 1] == '/' && url[ul - 2] != '/') {
		if (ul > sizeof trimmed)
			return err_set(e, ERR_INPUT, "--cold: URL too long");
		memcpy(trimmed, url, ul - 1);
		trimmed[ul - 1] = '\0';
		hs = trimmed + (hs - url);
		url = trimmed;
	}
	const char *path = strchr(hs, '/');
	if (!*hs || path == hs) /* "http:///acct/c" said "no container" */
		return err_set(e, ERR_INPUT, "--cold %s: no host", url);
	if (!path)
		return err_set(e, ERR_INPUT, "--cold %s: no container (use http://HOST:PORT/ACCOUNT/CONTAINER or "
					     "https://ACCOUNT.blob.core.windows.net/CONTAINER)", url);
	/* The authority: a host, and a port of 1 to 65535 if any (a bad one
	 * was reported as an endpoint that does not answer, exit 1). */
	const char *hend = *hs == '[' ? memchr(hs, ']', (size_t)(path - hs)) : NULL;
	hend = hend ? hend + 1 : hs + strcspn(hs, ":/");
	if (hend == hs || (*hs == '[' && hend == hs + 2))
		return err_set(e, ERR_INPUT, "--cold %s: no host", url);
	if (*hend == ':') {
		const char *ps = hend + 1;
		size_t pl = (size_t)(path - ps);
		unsigned long port = 0;
		for (size_t i = 0; i < pl && port <= 65535; i++)
			port = ps[i] >= '0' && ps[i] <= '9' ? port * 10 + (unsigned long)(ps[i] - '0') : 65536;
		if (pl == 0 || port == 0 || port > 65535)
			return err_set(e, ERR_INPUT, "--cold %s: port \"%.*s\" is not 1 to 65535", url, (int)(pl < 20 ? pl : 20),
				       ps);
	} else if (hend != path) {
		return err_set(e, ERR_INPUT, "--cold %s: bad host", url);
	}
	/* Path segments: one (the container, the account in the host name) or
	 * two (account/container, as Azurite serves). */
	const char *seg1 = path + 1, *slash = strchr(seg1, '/');
	const char *cont;
	size_t acc_len;
	const char *acc;
	/* A host of Azure's Blob domains, or Azurite's host-style names
	 * (ACCOUNT.localhost), carries the account: its path is the
	 * container alone.  (Two segments were taken as ACCOUNT/CONTAINER, so
	 * ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX signed for an
	 * account named CONTAINER.) */
	size_t hl = strcspn(hs, ":/");
	static const char *const host_style[] = { ".blob.core.windows.net", ".blob.core.chinacloudapi.cn",
						  ".blob.core.usgovcloudapi.net", ".localhost" };
	int account_in_host = 0;
	for (size_t i = 0; i < sizeof host_style / sizeof host_style[0]; i++) {
		size_t sl = strlen(host_style[i]);
		if (hl > sl && !strncasecmp(hs + hl - sl, host_style[i], sl))
			account_in_host = 1;
	}
	if (account_in_host && slash && slash[1])
		return err_set(e, ERR_INPUT, "--cold %s: the account is in the host name, so the path is the container "
					     "alone (a prefix under it is not supported)", url);
	if (slash && slash[1]) {
		if (strchr(slash + 1, '/'))
			return err_set(e, ERR_INPUT, "--cold %s: too many path segments (ACCOUNT/CONTAINER at most)", url);
		acc = seg1;
		acc_len = (size_t)(slash - seg1);
		cont = slash + 1;
		if ((size_t)(slash - url) + 1 > ecap)
			return err_set(e, ERR_INPUT, "--cold: URL too long");
		snprintf(endpoint, ecap, "%.*s", (int)(slash - url), url);
	} else {
		/* The account in the host name (ACCOUNT.blob.core.windows.net)
		 * needs a host that has one: not an IP address, not a bare name
		 * such as localhost.  http://127.0.0.1:10000/devstoreaccount1
		 * names an account and no container. */
		size_t host_len = strcspn(hs, ":/"), first = strcspn(hs, ".:/");
		int ip = hs[0] == '[' || strspn(hs, "0123456789.") >= host_len;
		if (ip || first >= host_len)
			return err_set(e, ERR_INPUT, "--cold %s: no container (use http://HOST:PORT/ACCOUNT/CONTAINER or "
						     "https://ACCOUNT.blob.core.windows.net/CONTAINER)", url);
		acc = hs;
		acc_len = first;
		cont = seg1;
		if ((size_t)(path - url) + 1 > ecap)
			return err_set(e, ERR_INPUT, "--cold: URL too long");
		snprintf(endpoint, ecap, "%.*s", (int)(path - url), url);
	}
	size_t cl = strcspn(cont, "/");
	if (cl == 0 || cl + 1 > ccap || acc_len == 0 || acc_len + 1 > acap)
		return err_set(e, ERR_INPUT, "--cold %s: no account or container in the URL", url);
	/* The account is signed and sent as it is: letters, digits (Azure's
	 * names are lower case; Azurite's own accounts may not be) and '-'. */
	for (size_t i = 0; i < acc_len; i++)
		if (!isalnum((unsigned char)acc[i]) && acc[i] != '-')
			return err_set(e, ERR_INPUT, "--cold %s: the account name \"%.*s\" may hold only letters, digits "
						     "and '-'", url, (int)acc_len, acc);
	snprintf(container, ccap, "%.*s", (int)cl, cont);
	snprintf(account, acap, "%.*s", (int)acc_len, acc);
	return 0;
}

/* Which flag serves a tier of this model and scope. */
static int tier_kind(const struct tiered_tier_spec *sp, enum rt_kind *k)
{
	if (!strcmp(sp->model, "nvme") || !strcmp(sp->model, "dram"))
		*k = RT_HOT;
	else if (!strcmp(sp->model, "warm"))
		*k = RT_WARM;
	else if (!strcmp(sp->model, "cold"))
		*k = RT_COLD;
	else /* fixed: a stand-in device; node-local or a shared directory */
		*k = sp->shared ? RT_WARM : RT_HOT;
	return 0;
}

static const char *const flag_of[] = { "--hot DIR", "--warm DIR", "--cold URL" };

static int inst_new(struct rt *T, struct rtier *rt, size_t i, uint64_t seed, struct err *e)
{
	struct rinst *in = &rt->inst[i];
	const char *name = rt->sp.name;
	if (T->o.dry_run) {
		struct rec *r = calloc(1, sizeof *r);
		if (!r)
			return err_set(e, ERR_FAIL, "out of memory");
		r->x = T->x;
		r->tab = &T->tab;
		in->raw = (struct backend){ &rec_ops, r };
		in->top = in->raw;
		return 0;
	}
	char dir[4096];
	unsigned qd = T->o.queue_depth ? T->o.queue_depth : 32;
	switch (rt->kind) {
	case RT_HOT:
		if (rt->sp.shared)
			snprintf(dir, sizeof dir, "%s/%s", T->o.hot_dir, name);
		else
			snprintf(dir, sizeof dir, "%s/%s/node%zu", T->o.hot_dir, name, i);
		break;
	case RT_WARM:
		snprintf(dir, sizeof dir, "%s/%s", T->o.warm_dir, name);
		break;
	case RT_COLD:
		dir[0] = '\0';
		break;
	}
	if (rt->kind != RT_COLD) {
		const char *base = rt->kind == RT_HOT ? T->o.hot_dir : T->o.warm_dir;
		struct stat st;
		if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode))
			return err_set(e, ERR_INPUT, "[tier %s]: %s %s: %s", name, rt->kind == RT_HOT ? "--hot" : "--warm",
				       base, stat(base, &st) < 0 ? strerror(errno) : "not a directory");
		if (mkdir_p(dir, e) < 0)
			return err_prefix(e, "[tier %s]: ", name);
		if (!(in->dir = strdup(dir)))
			return err_set(e, ERR_FAIL, "out of memory");
		char devstat[96];
		struct err none = { 0 };
		if (rt->kind == RT_HOT && blkstat_path(dir, devstat, sizeof devstat, &none) == 0 &&
		    !(in->devstat = strdup(devstat)))
			return err_set(e, ERR_FAIL, "out of memory");
	}
	int rc;
	/* The slots' buffers made before the run for chunk-sized operations
	 * (filebk.h buf_bytes), up to BUF_PREMADE_MAX a backend; beyond, they
	 * grow as the run needs them. */
	size_t buf = (uint64_t)qd * T->chunk <= BUF_PREMADE_MAX ? (size_t)T->chunk : 0;
	if (rt->kind == RT_WARM || (rt->kind == RT_HOT && rt->use_dirbk)) {
		struct dirbk_cfg c = {
			.dir = dir, .queue_depth = qd, .direct = rt->kind == RT_HOT, .verify = 1, .buf_bytes = buf,
			.time_content = 1
		};
		rc = dirbk_new(&in->raw, T->l, &c, e);
	} else if (rt->kind == RT_HOT) {
		struct filebk_cfg c = {
			.dir = dir, .queue_depth = qd, .direct = FILEBK_DIRECT_AUTO, .verify = 1, .buf_bytes = buf,
			.time_content = 1
		};
		rc = filebk_new(&in->raw, T->l, &c, e);
	} else {
		struct blob_params p;
		blob_params_default(&p);
		p.endpoint = T->cold_endpoint;
		p.account = T->cold_account;
		p.container = T->cold_container;
		p.key = T->o.cold_key;
		p.sas = T->o.cold_sas;
		p.seed = seed;
		/* The data path writes an object larger than a chunk one chunk
		 * at a time (write-back drains, write-through): as pieces of
		 * its blob (blob.h). */
		p.piece_bytes = T->chunk;
		if (T->o.cold_retries >= 0)
			p.max_retries = (unsigned)T->o.cold_retries;
		if (T->o.cold_backoff_ns)
			p.backoff_base_ns = T->o.cold_backoff_ns;
		rc = blob_new(T->l, &p, &in->raw, e);
		if (rc == 0) {
			struct cbuf *c = calloc(1, sizeof *c);
			if (!c)
				return err_set(e, ERR_FAIL, "out of memory");
			c->in = in->raw;
			in->cbuf = (struct backend){ &cbuf_ops, c };
		}
	}
	if (rc < 0)
		return err_prefix(e, "[tier %s]: ", name);
	/* Read-after-write order per chunk on every tier (ord.h), as in
	 * models/tiered.c. */
	return ord_wrap(in->cbuf.ops ? in->cbuf : in->raw, T->chunk, &in->top, e);
}

static int read_cluster(struct rt *T, struct cfg_doc *d, struct err *e)
{
	T->nodes = 1;
	T->chunk = 1 << 20;
	struct cfg_section *cl = cfg_find(d, "cluster", NULL);
	if (!cl)
		return 0;
	/* nic and uplink are the model's network: checked, not used. */
	struct net_params np;
	net_params_default(&np);
	if (net_from_cfg(d, cl, &np, e) < 0 || cfg_bytes(d, cl, "chunk", &T->chunk, e) < 0)
		return -1;
	if (T->chunk == 0 || T->chunk > POL_MAX_OBJ_BYTES)
		return cfg_error(d, cl, cfg_key(cl, "chunk"), e, "must be 1 byte to 4 GiB");
	T->nodes = np.nodes;
	return 0;
}

int rt_build(struct rt **out, struct cfg_doc *d, const struct exec *x, struct loop *l, const struct rt_opts *o,
	     uint64_t seed, struct err *e)
{
	*out = NULL;
	static const char *const known[] = { "run", "cluster", "client", "tier", "metadata", "workload", "job", NULL };
	if (cfg_check_sections(d, known, e) < 0)
		return -1;
	/* [client] models the client's threads; for real, tierref is the
	 * client.  Its keys are checked all the same. */
	struct client_params cp;
	if (client_from_cfg(d, &cp, e) < 0)
		return -1;
	if (!cfg_find(d, "tier", NULL))
		return err_set(e, ERR_INPUT, "%s: no [tier NAME] sections: tierref runs tiered scenarios only", d->path);
	struct rt *T = calloc(1, sizeof *T);
	if (!T)
		return err_set(e, ERR_FAIL, "out of memory");
	T->x = *x;
	T->l = l;
	T->o = *o;
	if (read_cluster(T, d, e) < 0)
		goto fail;
	/* The metadata services are modelled; for real, the tier's own
	 * namespace answers.  Their keys are checked all the same. */
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		if (strcmp(s->type, "metadata") != 0)
			continue;
		if (s->name[0] == '\0') {
			err_set(e, ERR_INPUT, "%s:%d: [metadata] needs a name, e.g. [metadata mds]", d->path, s->line);
			goto fail;
		}
		struct meta_params mp;
		meta_params_default(&mp);
		int rc = meta_from_cfg(d, s, &mp, e);
		meta_params_free(&mp);
		if (rc < 0)
			goto fail;
	}
	size_t nt = 0;
	for (size_t i = 0; i < d->nsec; i++)
		nt += strcmp(d->sec[i].type, "tier") == 0;
	if (nt > PATH_MAX_TIERS) {
		err_set(e, ERR_INPUT, "%s: %zu tiers; at most %d", d->path, nt, PATH_MAX_TIERS);
		goto fail;
	}
	T->t = calloc(nt, sizeof *T->t);
	T->paths = calloc(T->nodes, sizeof *T->paths);
	if (!T->t || !T->paths) {
		err_set(e, ERR_FAIL, "out of memory");
		goto fail;
	}
	if (!o->dry_run && o->cold_url &&
	    rt_parse_cold_url(o->cold_url, T->cold_endpoint, sizeof T->cold_endpoint, T->cold_account,
			      sizeof T->cold_account, T->cold_container, sizeof T->cold_container, e) < 0)
		goto fail;
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		if (strcmp(s->type, "tier") != 0)
			continue;
		struct rtier *rt = &T->t[T->nt++];
		for (size_t k = 0; k + 1 < T->nt; k++)
			if (strcmp(T->t[k].sp.name, s->name) == 0) {
				err_set(e, ERR_INPUT, "%s:%d: [tier %s]: the name is already used", d->path, s->line,
					s->name);
				goto fail;
			}
		if (tiered_read_tier(d, s, T->nt == nt, &rt->sp, e) < 0 ||
		    tiered_check_model_keys(d, s, rt->sp.model, e) < 0)
			goto fail;
		tier_kind(&rt->sp, &rt->kind);
		rt->use_dirbk = rt->kind == RT_HOT && rt->sp.metadata;
		const char *have = rt->kind == RT_HOT ? o->hot_dir : rt->kind == RT_WARM ? o->warm_dir : o->cold_url;
		if (!o->dry_run && !have) {
			err_set(e, ERR_INPUT, "%s:%d: [tier %s] (model %s) runs on a real %s: add %s", d->path, s->line,
				s->name, rt->sp.model,
				rt->kind == RT_HOT ? "local directory" : rt->kind == RT_WARM ? "directory" : "Blob container",
				flag_of[rt->kind]);
			goto fail;
		}
		rt->ninst = rt->sp.shared ? 1 : T->nodes;
		if (!(rt->inst = calloc(rt->ninst, sizeof *rt->inst))) {
			err_set(e, ERR_FAIL, "out of memory");
			goto fail;
		}
		for (size_t k = 0; k < rt->ninst; k++) {
			if (inst_new(T, rt, k, seed, e) < 0)
				goto fail;
			rt->built++;
		}
		if (rt->sp.shared && rt->sp.capacity) {
			if (pol_init(&rt->pol, rt->sp.policy, rt->sp.capacity, &rt->sp.adm, e) < 0) {
				err_prefix(e, "[tier %s]: ", s->name);
				goto fail;
			}
			rt->has_pol = 1;
			if (!(rt->sh = path_shared_new(&rt->pol, rt->inst[0].top, T->chunk, e)))
				goto fail;
		}
	}
	for (size_t n = 0; n < T->nodes; n++) {
		struct path_tier_cfg tc[PATH_MAX_TIERS];
		memset(tc, 0, sizeof tc);
		for (size_t i = 0; i < T->nt; i++) {
			struct rtier *rt = &T->t[i];
			struct backend top = rt->inst[rt->sp.shared ? 0 : n].top;
			/* The tier's own namespace serves its metadata. */
			tc[i] = tiered_tier_cfg(&rt->sp, top, rt->sp.metadata ? top : (struct backend){ 0 },
						rt->sh);
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
	rt_free(T);
	return -1;
}

size_t rt_nodes(const struct rt *T)
{
	return T->nodes;
}

struct path *const *rt_paths(const struct rt *T)
{
	return T->paths;
}

int rt_export(struct rt *T, struct met_registry *m, uint64_t now, struct err *e)
{
	if (tiered_export_tiers(T->paths, T->nodes, m, now, e) < 0)
		return -1;
	int rc = 0;
	char prefix[300];
	uint64_t mismatches = 0;
	for (size_t i = 0; i < T->nt; i++) {
		struct rtier *rt = &T->t[i];
		for (size_t k = 0; k < rt->built; k++) {
			if (rt->sp.shared)
				snprintf(prefix, sizeof prefix, "backend.%s", rt->sp.name);
			else
				snprintf(prefix, sizeof prefix, "backend.%s.node%zu", rt->sp.name, k);
			struct backend b = rt->inst[k].cbuf.ops ? rt->inst[k].cbuf : rt->inst[k].raw;
			rc |= b.ops->export(b.self, prefix, m, now);
			if (rt->inst[k].dev_read == 2) {
				struct blkstat d = blkstat_delta(&rt->inst[k].dev1, &rt->inst[k].dev0);
				rc |= blkstat_export(&d, prefix, m);
			}
			char name[340];
			snprintf(name, sizeof name, "%s.verify_errors", prefix);
			const struct met_scalar *s = met_find(m, name);
			if (s)
				mismatches += (uint64_t)s->value;
		}
	}
	rc |= met_set(m, "verify.mismatches", (double)mismatches, "reads");
	if (rc)
		return err_set(e, ERR_FAIL, "out of memory writing metrics");
	return 0;
}

/* Each hot instance's device counters now: reading 1 (the start) or 2
 * (the end).  An instance whose device's counters cannot be read at
 * either gets no device metrics. */
static void devices_read(struct rt *T, int reading)
{
	for (size_t i = 0; i < T->nt; i++)
		for (size_t k = 0; k < T->t[i].built; k++) {
			struct rinst *in = &T->t[i].inst[k];
			struct err none = { 0 };
			if (!in->devstat || in->dev_read != reading - 1 ||
			    blkstat_read(in->devstat, reading == 1 ? &in->dev0 : &in->dev1, &none) < 0)
				continue;
			in->dev_read = reading;
		}
}

void rt_reset_stats(struct rt *T)
{
	for (size_t i = 0; i < T->nt; i++)
		for (size_t k = 0; k < T->t[i].built; k++) {
			struct backend b = T->t[i].inst[k].cbuf.ops ? T->t[i].inst[k].cbuf : T->t[i].inst[k].raw;
			b.ops->reset_stats(b.self);
			T->t[i].inst[k].dev_read = 0;
		}
	devices_read(T, 1);
}

void rt_mark_end(struct rt *T)
{
	devices_read(T, 2);
}

uint64_t rt_mismatches(const struct rt *T)
{
	uint64_t n = 0;
	for (size_t i = 0; i < T->nt; i++)
		for (size_t k = 0; k < T->t[i].built; k++) {
			const struct rinst *in = &T->t[i].inst[k];
			if (in->cbuf.ops)
				n += ((const struct cbuf *)in->cbuf.self)->mismatches;
		}
	return n; /* the file backends' count is in their export (verify_errors) */
}

size_t rt_busy(const struct rt *T)
{
	size_t n = 0;
	for (size_t i = 0; i < T->nt; i++)
		for (size_t k = 0; k < T->t[i].built; k++) {
			const struct rtier *rt = &T->t[i];
			const struct backend *raw = &rt->inst[k].raw;
			if (rt->kind == RT_WARM || (rt->kind == RT_HOT && rt->use_dirbk))
				n += filebk_busy(dirbk_files(raw));
			else if (rt->kind == RT_HOT)
				n += filebk_busy(raw);
		}
	return n;
}

size_t rt_errors(const struct rt *T, char *buf, size_t cap)
{
	size_t len = 0;
	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < T->nt; i++)
		for (size_t k = 0; k < T->t[i].built; k++) {
			const struct rtier *rt = &T->t[i];
			const struct rinst *in = &rt->inst[k];
			const char *msgs[2] = { NULL, NULL };
			if (T->o.dry_run)
				continue;
			if (rt->kind == RT_COLD) {
				msgs[0] = ((const struct cbuf *)in->cbuf.self)->last;
				msgs[1] = ((const struct cbuf *)in->cbuf.self)->last_fail;
			} else if (rt->kind == RT_WARM || rt->use_dirbk) {
				msgs[0] = dirbk_last_error(&in->raw);
			} else {
				msgs[0] = filebk_last_error(&in->raw);
			}
			for (int j = 0; j < 2; j++)
				if (msgs[j] && msgs[j][0] && len + 1 < cap) {
					char node[32] = "";
					if (!rt->sp.shared)
						snprintf(node, sizeof node, " (node %zu)", k);
					int w = snprintf(buf + len, cap - len, "tier %s%s: %s\n", rt->sp.name, node, msgs[j]);
					if (w > 0)
						len = len + (size_t)w < cap ? len + (size_t)w : cap - 1;
				}
		}
	return len;
}

void rt_stop(struct rt *T)
{
	for (size_t i = 0; i < T->nt; i++)
		if (T->t[i].kind == RT_COLD && !T->o.dry_run)
			for (size_t k = 0; k < T->t[i].built; k++)
				blob_stop(&T->t[i].inst[k].raw);
}

int rt_add_series(struct rt *T, struct met_registry *m)
{
	return path_add_tier_series(T->paths, T->nodes, m);
}

int rt_bottom(const struct rt *T, struct rt_bottom *out, struct err *e)
{
	if (T->nt == 0 || T->o.dry_run)
		return err_set(e, ERR_FAIL, "rt_bottom: no real tiers");
	const struct rtier *rt = &T->t[T->nt - 1];
	*out = (struct rt_bottom){
		.tier = rt->sp.name,
		.kind = rt->kind,
		.dir = rt->inst[0].dir,
		.data = rt->inst[0].top,
		.raw = rt->inst[0].raw,
		.chunk_bytes = T->chunk,
	};
	if (!rt->sp.shared && T->nodes > 1)
		return err_set(e, ERR_INPUT, "[tier %s]: the bottom tier is per node (scope = node) on %zu nodes; "
					     "populate fills a shared bottom tier only", rt->sp.name, T->nodes);
	return 0;
}

static int ext_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct rt_extent *)a)->obj, y = ((const struct rt_extent *)b)->obj;
	return x < y ? -1 : x > y;
}

int rt_needed(const struct rt *T, struct rt_extent **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (T->tab.oom)
		return err_set(e, ERR_FAIL, "out of memory recording the objects read");
	if (!T->tab.needed)
		return 0;
	struct rt_extent *v = malloc(T->tab.needed * sizeof *v);
	if (!v)
		return err_set(e, ERR_FAIL, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < T->tab.cap; i++)
		if (T->tab.used[i] && T->tab.end[i])
			v[k++] = (struct rt_extent){ T->tab.obj[i], T->tab.end[i] };
	qsort(v, k, sizeof *v, ext_cmp);
	*out = v;
	*n = k;
	return 0;
}

void rt_free(struct rt *T)
{
	if (!T)
		return;
	for (size_t n = 0; n < T->nodes && T->paths; n++)
		path_free(T->paths[n]);
	free(T->paths);
	for (size_t i = 0; i < T->nt; i++) {
		struct rtier *rt = &T->t[i];
		for (size_t k = 0; k < rt->ninst; k++) {
			struct rinst *in = &rt->inst[k];
			if (in->top.ops && in->top.self != in->raw.self)
				in->top.ops->destroy(in->top.self);
			if (in->cbuf.ops)
				in->cbuf.ops->destroy(in->cbuf.self);
			if (in->raw.ops)
				in->raw.ops->destroy(in->raw.self);
			free(in->dir);
			free(in->devstat);
		}
		free(rt->inst);
		path_shared_free(rt->sh);
		if (rt->has_pol)
			pol_destroy(&rt->pol);
	}
	free(T->t);
	free(T->tab.obj);
	free(T->tab.end);
	free(T->tab.wend);
	free(T->tab.used);
	free(T);
}
