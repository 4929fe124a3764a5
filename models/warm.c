/*
 * warm — a VAST-class all-flash cluster (DASE: stateless CNodes in front,
 * DBoxes of SCM + QLC behind, every CNode reaching every SSD over NVMe-oF
 * [V] V1, V2).
 *
 * Equations.
 *
 *   Spreading.  A request goes to front end
 *     f = h(object) mod F             (spread = hash: one object, one CNode,
 *                                      as an NFS client's connection to a
 *                                      mount point would be)
 *     f = k mod F for the k-th request (spread = round_robin: VAST's
 *                                      multipath client, [V] V15)
 *   h a 64-bit mix.
 *
 *   Ops budget.  Every request this backend is given, data or metadata
 *   (LOOKUP, GETATTR, OPEN, CREATE, UNLINK, READDIR, HEAD, LIST), first
 *   takes one token from its front end's bucket (in a tiered run a file
 *   tier's metadata goes to its [metadata NAME] service instead, not
 *   through here: there frontend_ops limits the data operations alone)
 *   (res_tb_wait, rate O ops/s, depth frontend_burst;
 *   taken at once, with no event, when it holds one and no one waits):
 *   a CNode serves at most O ops/s; there is no queueing delay while it
 *   is under its budget.  Then it pays a latency L (a draw of `latency`:
 *   network round trip and protocol work; for a write the SCM mirror ack).
 *   Metadata operations then complete: VAST's metadata lives in SCM on
 *   the enclosures and is reached in <= 7 hops [S] V3, V4, folded into L.
 *
 *   Data.  A READ or WRITE of b bytes then moves, at once (cut-through: a
 *   stream flows through all its hops together, so the slowest hop, not
 *   the sum, sets its time), over
 *     the front end's NIC      a res_link of eff * NIC bytes/s,   b bytes
 *     the fabric               a res_link of fabric_bw, b (read) or m*b
 *                              (write) bytes; omitted when fabric_bw = 0
 *     the enclosures           res_links of enclosure_bw each: a read
 *                              takes b from enclosure e = h(object, offset /
 *                              placement_unit) mod E; a write puts b on
 *                              each of e, e+1, ..., e+m-1 (mod E): the
 *                              mirror, m = 2 [S] V3
 *   and completes when the last of those flows does.  Each hop is shared
 *   fairly on its own (processor sharing per link), which is max-min fair
 *   on each link, not along the path: a flow held back on one hop still
 *   takes its full share of the others.  Under uneven load (a hot
 *   enclosure) the flows that are not held back come out slower than a
 *   path-wide max-min allocation would give them: two reads on enclosure
 *   0 and one on enclosure 1, behind one front end of twice an
 *   enclosure's rate, give the lone read 1.5 s where progressive filling
 *   gives 1.0 s (sizes equal to an enclosure's rate).  Symmetric loads
 *   are exact.  An idle read takes
 *     T = L + b / min(eff * NIC, enclosure_bw, fabric_bw)
 *   (each flow rounded up to a ns); the cluster saturates at
 *     min(F * eff * NIC, E * enclosure_bw / (1 read, m write), fabric_bw).
 *   Writes.  A WRITE draws its L from `write_latency` when that is set
 *   (the write path's own round trip: a server that acknowledges from a
 *   write buffer, or hands the write to a kernel worker, answers in its
 *   own time), else from `latency`.  With write_bw = W > 0, each of its m
 *   copies also flows through its enclosure's write link, a res_link of
 *   W bytes/s shared by the writes to that enclosure only (the rate at
 *   which it absorbs writes: VAST's SCM write buffer; a directory's page
 *   cache, filled by the kernel's workers), so an idle write takes
 *     T = L + b / min(eff * NIC, enclosure_bw, fabric_bw / m, W).
 *   Reads never touch a write link.
 *   Metrics count back-end bytes (the sum over enclosures), so a write of
 *   b bytes shows m*b there (counted when the latency is drawn, which is
 *   when the data stage is booked).
 *   The data stage is one res_xfer (resource.h) starting when L ends:
 *   the same flows at the same time, but when nothing else shares the
 *   hops the request costs one event for latency and transfer together,
 *   not one per hop plus one for the latency.
 *
 * Defaults and sources (hardware-and-scale.md, section 2):
 *   frontend_eff = 0.85     midpoint of "CNode throughput ~ 0.8-0.9 x its
 *                           front-end NIC rate" (the reference's modelling
 *                           rule, given the gap below)               [D] 2.2
 *   enclosure_bw = 400 Gb/s a DBox's 4 x 100 Gb ports [S] V4, V13; the
 *                           SSDs exceed it (22 QLC x several GB/s), so it
 *                           is NIC-bound as the reference advises   [S]/[D]
 *   mirror = 2              write buffer mirrored on 2 SCM SSDs     [S] V3
 *   GAP: per-CNode and per-DBox GB/s and ops/s are "not found in public
 *   sources" (section 8).  So these are placeholders, to be calibrated:
 *   frontend_nic = 200 Gb/s (2 x 100 GbE per CNode)   [R]
 *   frontend_ops = 200k/s, frontend_burst = 64         assumed
 *   frontends = 8 (2 CBoxes of 4 CNodes [V] V1), enclosures = 4   assumed
 *   fabric_bw = 0: every CNode mounts every SSD through non-blocking
 *   switches, so the fabric is assumed not to bind        assumed
 *   placement_unit = 1 MiB, latency = const(200 us)       assumed
 *   write_latency unset (writes draw `latency`), write_bw = 0: the
 *   public sources give no separate write figures (section 8)  assumed;
 *   `tierref probe` measures both for a directory (refimpl/probe.h)
 *   capacity = 1 PB                                       assumed
 *   With these, one client's 43.4 GiB/s over one 400 GbE NIC [S] V6 is
 *   reachable (8 x 21.25 GB/s front-end), so the client NIC binds first.
 */
#include "warm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/resource.h"
#include "sim/rng.h"

static uint64_t warm_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct warm_fe {
	struct res_tb *ops;
	struct res_link *nic;
	uint64_t requests;
};

struct warm_opstats {
	uint64_t ops, bytes;
	struct hist *latency_ns;
};

/* A data operation's bytes over its hops: one res_xfer. */
struct warm_move {
	struct res_xfer xf;
	struct bk_req *r;
	struct warm *w;
	struct warm_move *next;      /* on warm.spare */
	struct warm_move *all_next;  /* on warm.all */
};

struct warm {
	struct exec x;
	struct warm_params p;
	gsl_rng *rng;
	struct warm_fe *fe;
	struct res_link **encl;
	struct res_link **wlink;   /* per enclosure, writes only; NULL: write_bw 0 */
	struct res_link *fabric;   /* NULL: none */
	uint64_t rr;
	uint64_t backend_bytes;
	struct warm_move *spare;   /* finished moves, for reuse */
	struct warm_move *all;     /* every move allocated, for destroy */
	struct warm_opstats st[BK_NOPS];
	uint64_t since_ns;
};

void warm_params_default(struct warm_params *p)
{
	memset(p, 0, sizeof *p);
	p->name = "warm";
	p->frontends = 8;
	p->fe_nic_bps = 200e9 / 8;
	p->fe_eff = 0.85;
	p->fe_ops = 200e3;
	p->fe_burst = 64;
	p->spread = WARM_SPREAD_HASH;
	p->enclosures = 4;
	p->encl_bps = 400e9 / 8;
	p->fabric_bps = 0;
	p->placement_bytes = 1024 * 1024;
	p->mirror = 2;
	dist_const(&p->latency_ns, 200e3);
	dist_const(&p->write_latency_ns, 0);
	p->capacity_bytes = 1000000000000000ull;
}

void warm_params_free(struct warm_params *p)
{
	dist_free(&p->latency_ns);
	dist_const(&p->latency_ns, 0);
	dist_free(&p->write_latency_ns);
	dist_const(&p->write_latency_ns, 0);
	p->has_write_latency = 0;
}

int warm_params_check(const struct warm_params *p, struct err *e)
{
	if (p->frontends == 0 || p->enclosures == 0)
		return err_set(e, ERR_INPUT, "warm: frontends and enclosures must be at least 1");
	if (!(p->fe_nic_bps > 0) || isinf(p->fe_nic_bps) || !(p->fe_eff > 0) || p->fe_eff > 1 ||
	    !(p->fe_nic_bps * p->fe_eff > 0))
		return err_set(e, ERR_INPUT, "warm: frontend_nic must be positive and frontend_eff in (0, 1] (and their "
					     "product more than 0)");
	if (!(p->fe_ops > 0) || isinf(p->fe_ops) || !(p->fe_burst >= 1) || isinf(p->fe_burst))
		return err_set(e, ERR_INPUT, "warm: frontend_ops must be positive and frontend_burst >= 1");
	if (!(p->encl_bps > 0) || isinf(p->encl_bps) || !(p->fabric_bps >= 0) || isinf(p->fabric_bps))
		return err_set(e, ERR_INPUT, "warm: enclosure_bw must be positive and fabric_bw >= 0");
	if (!(p->write_bps >= 0) || isinf(p->write_bps))
		return err_set(e, ERR_INPUT, "warm: write_bw must be >= 0");
	if (p->placement_bytes == 0)
		return err_set(e, ERR_INPUT, "warm: placement_unit must be positive");
	if (p->mirror == 0 || p->mirror > p->enclosures)
		return err_set(e, ERR_INPUT, "warm: mirror must be 1..enclosures (%u)", p->enclosures);
	return 0;
}

int warm_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct warm_params *p, struct err *e)
{
	warm_params_default(p);
	uint64_t fe = p->frontends, en = p->enclosures, mirror = p->mirror;
	const char *spread = NULL;
	struct dist wlat;
	int wrc = 0;
	/* latency goes into p at once (cfg_time_dist), so that a bad key after
	 * it leaks nothing: the caller frees p either way. */
	if (cfg_u64(d, s, "frontends", &fe, e) < 0 || cfg_rate_bps(d, s, "frontend_nic", &p->fe_nic_bps, e) < 0 ||
	    cfg_double(d, s, "frontend_eff", &p->fe_eff, e) < 0 || cfg_ops(d, s, "frontend_ops", &p->fe_ops, e) < 0 ||
	    cfg_double(d, s, "frontend_burst", &p->fe_burst, e) < 0 || cfg_string(d, s, "spread", &spread, e) < 0 ||
	    cfg_u64(d, s, "enclosures", &en, e) < 0 || cfg_rate_bps(d, s, "enclosure_bw", &p->encl_bps, e) < 0 ||
	    cfg_rate_bps(d, s, "fabric_bw", &p->fabric_bps, e) < 0 ||
	    cfg_bytes(d, s, "placement_unit", &p->placement_bytes, e) < 0 || cfg_u64(d, s, "mirror", &mirror, e) < 0 ||
	    cfg_time_dist(d, s, "latency", &p->latency_ns, e) < 0 || cfg_bytes(d, s, "capacity", &p->capacity_bytes, e) < 0 ||
	    cfg_rate_bps(d, s, "write_bw", &p->write_bps, e) < 0)
		return -1;
	if ((wrc = cfg_dist(d, s, "write_latency", DIST_TIME, &wlat, e)) < 0)
		return -1;
	if (wrc == 1) {
		dist_free(&p->write_latency_ns);
		p->write_latency_ns = wlat;
		p->has_write_latency = 1;
	}
	if (fe == 0 || fe > 100000)
		return cfg_error(d, s, cfg_key(s, "frontends"), e, "must be 1..100000");
	if (en == 0 || en > 100000)
		return cfg_error(d, s, cfg_key(s, "enclosures"), e, "must be 1..100000");
	p->frontends = (unsigned)fe;
	p->enclosures = (unsigned)en;
	if (mirror == 0 || mirror > en)
		return cfg_error(d, s, cfg_key(s, "mirror"), e, "must be 1..enclosures (%u)", p->enclosures);
	p->mirror = (unsigned)mirror;
	if (spread) {
		if (!strcmp(spread, "hash"))
			p->spread = WARM_SPREAD_HASH;
		else if (!strcmp(spread, "round_robin"))
			p->spread = WARM_SPREAD_RR;
		else
			return cfg_error(d, s, cfg_key(s, "spread"), e, "unknown spread \"%s\" (use hash or round_robin)",
					 spread);
	}
	if (!(p->fe_nic_bps > 0))
		return cfg_error(d, s, cfg_key(s, "frontend_nic"), e, "must be positive");
	if (!(p->fe_eff > 0) || p->fe_eff > 1)
		return cfg_error(d, s, cfg_key(s, "frontend_eff"), e, "must be in (0, 1]");
	/* Each front end's link runs at their product, which a tiny NIC
	 * rate can take below the smallest double: 0, no link at all. */
	if (!(p->fe_nic_bps * p->fe_eff > 0))
		return cfg_error(d, s, cfg_key(s, cfg_key(s, "frontend_eff") ? "frontend_eff" : "frontend_nic"), e,
				 "frontend_nic x frontend_eff is 0 B/s (%g x %g): too small", p->fe_nic_bps, p->fe_eff);
	if (!(p->fe_ops > 0))
		return cfg_error(d, s, cfg_key(s, "frontend_ops"), e, "must be positive");
	if (!(p->fe_burst >= 1))
		return cfg_error(d, s, cfg_key(s, "frontend_burst"), e, "must be at least 1");
	if (!(p->encl_bps > 0))
		return cfg_error(d, s, cfg_key(s, "enclosure_bw"), e, "must be positive");
	if (!(p->write_bps >= 0))
		return cfg_error(d, s, cfg_key(s, "write_bw"), e, "must be 0 (not a limit) or positive");
	if (p->placement_bytes == 0)
		return cfg_error(d, s, cfg_key(s, "placement_unit"), e, "must be positive");
	return 0;
}

unsigned warm_frontend_of(const struct warm_params *p, uint64_t object)
{
	return (unsigned)(warm_mix(object) % p->frontends);
}

unsigned warm_enclosure_of(const struct warm_params *p, uint64_t object, uint64_t offset)
{
	return (unsigned)(warm_mix(object ^ warm_mix(offset / p->placement_bytes)) % p->enclosures);
}

/* ---- requests ---- */

static int is_data(enum bk_op op)
{
	return op == BK_READ || op == BK_WRITE;
}

static void finish(struct warm *w, struct bk_req *r, int status)
{
	r->status = status;
	if (status == BK_OK && (unsigned)r->op < BK_NOPS) {
		struct warm_opstats *st = &w->st[r->op];
		st->ops++;
		if (is_data(r->op))
			st->bytes += r->length;
		hist_record(st->latency_ns, exec_now(&w->x) - r->submit_ns);
	}
	r->done(r);
}

static void flow_done(void *arg)
{
	struct bk_req *r = arg;
	if (--r->upriv[0] == 0)
		finish(r->priv[0], r, BK_OK);
}

static void flow(struct res_link *l, struct bk_req *r, uint64_t bytes)
{
	r->upriv[0]++;
	if (res_link_submit(l, bytes, 0, flow_done, r))
		r->upriv[0]--; /* out of memory inside an event: the hop costs no time */
}

static void after_latency(void *arg)
{
	struct bk_req *r = arg;
	struct warm *w = r->priv[0];
	if (!is_data(r->op) || r->length == 0) {
		finish(w, r, BK_OK);
		return;
	}
	unsigned m = r->op == BK_WRITE ? w->p.mirror : 1;
	unsigned fe = (unsigned)r->upriv[1];
	/* Hold one count while the flows are set up, so none can finish the
	 * request early (they cannot: completions come from later events). */
	r->upriv[0] = 1;
	flow(w->fe[fe].nic, r, r->length);
	if (w->fabric)
		flow(w->fabric, r, r->length * m);
	unsigned e0 = warm_enclosure_of(&w->p, r->object, r->offset);
	for (unsigned i = 0; i < m; i++)
		flow(w->encl[(e0 + i) % w->p.enclosures], r, r->length);
	if (r->op == BK_WRITE && w->wlink)
		for (unsigned i = 0; i < m; i++)
			flow(w->wlink[(e0 + i) % w->p.enclosures], r, r->length);
	w->backend_bytes += r->length * m;
	flow_done(r);
}

static void move_done(void *arg)
{
	struct warm_move *mv = arg;
	struct warm *w = mv->w;
	struct bk_req *r = mv->r;
	mv->next = w->spare;
	w->spare = mv;
	finish(w, r, BK_OK);
}

/* The data stage of r as one transfer starting at start_ns, when the
 * latency ends: the flows after_latency would submit then, in the same
 * order, without an event to submit them (res_xfer_start; when nothing
 * else shares the hops, the whole stage is one event).  -1: not possible
 * (more hops than a transfer has legs, or out of memory); nothing done. */
static int start_move(struct warm *w, struct bk_req *r, uint64_t start_ns)
{
	unsigned m = r->op == BK_WRITE ? w->p.mirror : 1;
	unsigned wl = r->op == BK_WRITE && w->wlink ? m : 0;
	if (1 + (w->fabric != NULL) + m + wl > RES_XFER_LEGS)
		return -1;
	struct warm_move *mv = w->spare;
	if (mv) {
		w->spare = mv->next;
	} else {
		if (!(mv = malloc(sizeof *mv)))
			return -1;
		mv->all_next = w->all;
		w->all = mv;
	}
	struct res_link *hop[RES_XFER_LEGS];
	uint64_t b[RES_XFER_LEGS];
	unsigned k = 0;
	hop[k] = w->fe[r->upriv[1]].nic;
	b[k++] = r->length;
	if (w->fabric) {
		hop[k] = w->fabric;
		b[k++] = r->length * m;
	}
	unsigned e0 = warm_enclosure_of(&w->p, r->object, r->offset);
	for (unsigned i = 0; i < m; i++) {
		hop[k] = w->encl[(e0 + i) % w->p.enclosures];
		b[k++] = r->length;
	}
	for (unsigned i = 0; i < wl; i++) {
		hop[k] = w->wlink[(e0 + i) % w->p.enclosures];
		b[k++] = r->length;
	}
	mv->r = r;
	mv->w = w;
	if (res_xfer_start(&mv->xf, &w->x, start_ns, k, hop, b, move_done, mv)) {
		mv->next = w->spare;
		w->spare = mv;
		return -1;
	}
	w->backend_bytes += r->length * m;
	return 0;
}

static void after_budget(void *arg)
{
	struct bk_req *r = arg;
	struct warm *w = r->priv[0];
	const struct dist *L = r->op == BK_WRITE && w->p.has_write_latency ? &w->p.write_latency_ns : &w->p.latency_ns;
	uint64_t lat = dist_sample_round(L, w->rng);
	if (is_data(r->op) && r->length > 0 && start_move(w, r, exec_now(&w->x) + lat) == 0)
		return;
	exec_after(&w->x, lat, after_latency, r);
}

static void finish_enotsup(void *arg)
{
	struct bk_req *r = arg;
	finish(r->priv[0], r, BK_ENOTSUP);
}

static int warm_submit(void *self, struct bk_req *r)
{
	struct warm *w = self;
	r->submit_ns = exec_now(&w->x);
	r->retries = 0;
	r->priv[0] = w;
	if ((unsigned)r->op >= BK_NOPS)
		return exec_after(&w->x, 0, finish_enotsup, r) ? 0 : -1;
	unsigned fe = w->p.spread == WARM_SPREAD_RR ? (unsigned)(w->rr++ % w->p.frontends)
						    : warm_frontend_of(&w->p, r->object);
	r->upriv[1] = fe;
	w->fe[fe].requests++;
	if (res_tb_take_now(w->fe[fe].ops, 1)) {
		after_budget(r); /* only schedules: done still runs from an event */
		return 0;
	}
	return res_tb_wait(w->fe[fe].ops, 1, after_budget, r);
}

/* ---- statistics ---- */

static int warm_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct warm *w = self;
	char name[256];
	double secs = now_ns > w->since_ns ? (double)(now_ns - w->since_ns) / 1e9 : 0;
	for (unsigned k = 0; k < BK_NOPS; k++) {
		const struct warm_opstats *st = &w->st[k];
		if (!st->ops && k != BK_READ && k != BK_WRITE)
			continue;
		if (met_export_op(m, prefix, bk_op_name((enum bk_op)k), st->ops,
				  is_data((enum bk_op)k) ? &st->bytes : NULL, secs, st->latency_ns, 0))
			return -1;
	}
	snprintf(name, sizeof name, "%s.backend.bytes", prefix);
	if (met_set(m, name, (double)w->backend_bytes, "B"))
		return -1;
	for (unsigned i = 0; i < w->p.frontends; i++) {
		snprintf(name, sizeof name, "%s.frontend%u.requests", prefix, i);
		if (met_set(m, name, (double)w->fe[i].requests, "requests"))
			return -1;
		snprintf(name, sizeof name, "%s.frontend%u.nic", prefix, i);
		if (res_stats_export(res_link_stats(w->fe[i].nic), now_ns, 1, name, m))
			return -1;
		snprintf(name, sizeof name, "%s.frontend%u.ops", prefix, i);
		if (res_stats_export(res_tb_stats(w->fe[i].ops), now_ns, 1, name, m))
			return -1;
	}
	for (unsigned i = 0; i < w->p.enclosures; i++) {
		snprintf(name, sizeof name, "%s.enclosure%u", prefix, i);
		if (res_stats_export(res_link_stats(w->encl[i]), now_ns, 1, name, m))
			return -1;
		snprintf(name, sizeof name, "%s.enclosure%u.write", prefix, i);
		if (w->wlink && res_stats_export(res_link_stats(w->wlink[i]), now_ns, 1, name, m))
			return -1;
	}
	if (w->fabric) {
		snprintf(name, sizeof name, "%s.fabric", prefix);
		if (res_stats_export(res_link_stats(w->fabric), now_ns, 1, name, m))
			return -1;
	}
	snprintf(name, sizeof name, "%s.capacity", prefix);
	return met_set(m, name, (double)w->p.capacity_bytes, "B");
}

static void warm_reset_stats(void *self)
{
	struct warm *w = self;
	for (unsigned k = 0; k < BK_NOPS; k++) {
		w->st[k].ops = w->st[k].bytes = 0;
		hist_reset(w->st[k].latency_ns);
	}
	w->backend_bytes = 0;
	w->since_ns = exec_now(&w->x);
	for (unsigned i = 0; i < w->p.frontends; i++) {
		w->fe[i].requests = 0;
		res_link_reset_stats(w->fe[i].nic);
		res_tb_reset_stats(w->fe[i].ops);
	}
	for (unsigned i = 0; i < w->p.enclosures; i++) {
		res_link_reset_stats(w->encl[i]);
		if (w->wlink)
			res_link_reset_stats(w->wlink[i]);
	}
	if (w->fabric)
		res_link_reset_stats(w->fabric);
}

static void warm_destroy(void *self)
{
	struct warm *w = self;
	if (!w)
		return;
	if (w->fe)
		for (unsigned i = 0; i < w->p.frontends; i++) {
			res_tb_free(w->fe[i].ops);
			res_link_free(w->fe[i].nic);
		}
	for (unsigned i = 0; i < w->p.enclosures; i++) {
		if (w->encl)
			res_link_free(w->encl[i]);
		if (w->wlink)
			res_link_free(w->wlink[i]);
	}
	res_link_free(w->fabric);
	free(w->fe);
	free(w->encl);
	free(w->wlink);
	for (unsigned k = 0; k < BK_NOPS; k++)
		hist_free(w->st[k].latency_ns);
	while (w->all) {
		struct warm_move *mv = w->all;
		w->all = mv->all_next;
		free(mv);
	}
	if (w->rng)
		gsl_rng_free(w->rng);
	warm_params_free(&w->p);
	free(w);
}

static const struct bk_ops warm_ops = {
	.name = "warm",
	.submit = warm_submit,
	.export = warm_export,
	.reset_stats = warm_reset_stats,
	.destroy = warm_destroy,
};

int warm_new(const struct exec *x, const struct warm_params *p, uint64_t seed, struct backend *out, struct err *e)
{
	if (warm_params_check(p, e))
		return -1;
	struct warm *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(e, ERR_FAIL, "warm: out of memory");
	w->x = *x;
	w->p = *p;
	dist_const(&w->p.latency_ns, 0);
	dist_const(&w->p.write_latency_ns, 0);
	if (dist_copy(&w->p.latency_ns, &p->latency_ns, NULL) || dist_copy(&w->p.write_latency_ns, &p->write_latency_ns, NULL))
		goto oom;
	w->since_ns = exec_now(x);
	w->rng = rng_stream_new(seed, p->name ? p->name : "warm");
	w->fe = calloc(p->frontends, sizeof *w->fe);
	w->encl = calloc(p->enclosures, sizeof *w->encl);
	if (p->write_bps > 0 && !(w->wlink = calloc(p->enclosures, sizeof *w->wlink)))
		goto oom;
	if (!w->rng || !w->fe || !w->encl)
		goto oom;
	for (unsigned i = 0; i < p->frontends; i++)
		if (!(w->fe[i].ops = res_tb_new(x, p->fe_ops, p->fe_burst)) ||
		    !(w->fe[i].nic = res_link_new(x, p->fe_nic_bps * p->fe_eff)))
			goto oom;
	for (unsigned i = 0; i < p->enclosures; i++)
		if (!(w->encl[i] = res_link_new(x, p->encl_bps)) || (w->wlink && !(w->wlink[i] = res_link_new(x, p->write_bps))))
			goto oom;
	if (p->fabric_bps > 0 && !(w->fabric = res_link_new(x, p->fabric_bps)))
		goto oom;
	for (unsigned k = 0; k < BK_NOPS; k++)
		if (!(w->st[k].latency_ns = hist_new()))
			goto oom;
	out->ops = &warm_ops;
	out->self = w;
	return 0;
oom:
	warm_destroy(w);
	return err_set(e, ERR_FAIL, "warm: out of memory");
}
