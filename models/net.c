/*
 * net — node NICs, a shared uplink, and the network-attached decorator.
 *
 * Equations.
 *   Each node has a storage NIC, full duplex: two res_links (rx: towards
 *   the node, tx: away) of `nic` bytes/s each.  Above the nodes one shared
 *   uplink, also two res_links (down, up) of `uplink` bytes/s (omitted
 *   when 0).  Flows share each link max-min fairly (res_link), so n nodes
 *   reading at once through an uplink of U get min(nic, U / n) each.  A
 *   transfer's hops (NIC and uplink) are each shared on their own, not
 *   max-min along the path: a node whose NIC holds its flows back still
 *   takes their full share of the uplink, so under uneven fan-in the
 *   other nodes come out slower than a path-wide allocation gives (two
 *   flows on node 0, one on node 1, NIC 1 GB/s, uplink 1.8 GB/s: node
 *   1's gets 0.6 GB/s, where progressive filling gives it 0.8).
 *
 *   The decorator, for a request of b bytes from node i:
 *     WRITE  the bytes cross node i's tx link and the uplink's up link at
 *            once (cut-through between the two hops: a stream flows
 *            through both together), and when both have carried them the
 *            request is submitted to the inner backend; it completes when
 *            the inner backend does.
 *     READ   the request goes to the inner backend first (the tier must
 *            produce the bytes), then the bytes cross the uplink's down
 *            link and node i's rx link at once, and the read completes.
 *     other  (metadata) passes straight to the inner backend: its
 *            messages are small and their network time is part of the
 *            inner model's latency.
 *   So an idle read takes T_inner + b / min(nic, uplink).  Network and
 *   tier are store-and-forward with respect to each other, which
 *   overstates an idle request by one b / min(nic, uplink) against a
 *   fully pipelined transfer (10.5 us for 1 MiB at 100 GB/s); with
 *   chunked requests (the data path's chunks, e.g. 1 MiB) that is small
 *   next to tier latencies, and it never lets bytes occupy a link before
 *   the tier has produced them (which cut-through through the tier would).
 *   A request from a node >= nodes completes with BK_EIO.
 *
 * Defaults and sources (hardware-and-scale.md):
 *   nic = 2 x 400 Gb/s = 800 Gb/s = 100 GB/s    DGX H100 storage NIC [V] H1
 *   nodes = 1, uplink = 0 (not a limit)         assumed: a scenario sets them
 */
#include "net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/resource.h"

struct net_node {
	struct res_link *rx, *tx;
};

struct net {
	struct exec x;
	struct net_params p;
	struct net_node *node;
	struct res_link *down, *up;   /* NULL: no uplink */
};

void net_params_default(struct net_params *p)
{
	memset(p, 0, sizeof *p);
	p->nodes = 1;
	p->nic_bps = 800e9 / 8;
	p->uplink_bps = 0;
}

int net_params_check(const struct net_params *p, struct err *e)
{
	if (p->nodes == 0)
		return err_set(e, ERR_INPUT, "net: nodes must be at least 1");
	if (!(p->nic_bps > 0) || isinf(p->nic_bps))
		return err_set(e, ERR_INPUT, "net: nic must be positive and finite");
	if (!(p->uplink_bps >= 0) || isinf(p->uplink_bps))
		return err_set(e, ERR_INPUT, "net: uplink must be >= 0 and finite");
	return 0;
}

int net_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct net_params *p, struct err *e)
{
	net_params_default(p);
	uint64_t nodes = p->nodes;
	if (cfg_u64(d, s, "nodes", &nodes, e) < 0 || cfg_rate_bps(d, s, "nic", &p->nic_bps, e) < 0 ||
	    cfg_rate_bps(d, s, "uplink", &p->uplink_bps, e) < 0)
		return -1;
	if (nodes == 0 || nodes > 10000000)
		return cfg_error(d, s, cfg_key(s, "nodes"), e, "must be 1..10000000");
	p->nodes = (unsigned)nodes;
	if (!(p->nic_bps > 0))
		return cfg_error(d, s, cfg_key(s, "nic"), e, "must be positive");
	return 0;
}

void net_free(struct net *n)
{
	if (!n)
		return;
	if (n->node)
		for (unsigned i = 0; i < n->p.nodes; i++) {
			res_link_free(n->node[i].rx);
			res_link_free(n->node[i].tx);
		}
	free(n->node);
	res_link_free(n->down);
	res_link_free(n->up);
	free(n);
}

struct net *net_new(const struct exec *x, const struct net_params *p, struct err *e)
{
	if (net_params_check(p, e))
		return NULL;
	struct net *n = calloc(1, sizeof *n);
	if (!n) {
		err_set(e, ERR_FAIL, "net: out of memory");
		return NULL;
	}
	n->x = *x;
	n->p = *p;
	n->node = calloc(p->nodes, sizeof *n->node);
	if (!n->node)
		goto oom;
	for (unsigned i = 0; i < p->nodes; i++)
		if (!(n->node[i].rx = res_link_new(x, p->nic_bps)) || !(n->node[i].tx = res_link_new(x, p->nic_bps)))
			goto oom;
	if (p->uplink_bps > 0 &&
	    (!(n->down = res_link_new(x, p->uplink_bps)) || !(n->up = res_link_new(x, p->uplink_bps))))
		goto oom;
	return n;
oom:
	net_free(n);
	err_set(e, ERR_FAIL, "net: out of memory");
	return NULL;
}

int net_export(const struct net *n, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	char name[256];
	for (unsigned i = 0; i < n->p.nodes; i++) {
		snprintf(name, sizeof name, "%s.node%u.rx", prefix, i);
		if (res_stats_export(res_link_stats(n->node[i].rx), now_ns, 1, name, m))
			return -1;
		snprintf(name, sizeof name, "%s.node%u.tx", prefix, i);
		if (res_stats_export(res_link_stats(n->node[i].tx), now_ns, 1, name, m))
			return -1;
	}
	if (n->down) {
		snprintf(name, sizeof name, "%s.uplink.down", prefix);
		if (res_stats_export(res_link_stats(n->down), now_ns, 1, name, m))
			return -1;
		snprintf(name, sizeof name, "%s.uplink.up", prefix);
		if (res_stats_export(res_link_stats(n->up), now_ns, 1, name, m))
			return -1;
	}
	return 0;
}

void net_reset_stats(struct net *n)
{
	for (unsigned i = 0; i < n->p.nodes; i++) {
		res_link_reset_stats(n->node[i].rx);
		res_link_reset_stats(n->node[i].tx);
	}
	if (n->down) {
		res_link_reset_stats(n->down);
		res_link_reset_stats(n->up);
	}
}

/* ---- the decorator ---- */

struct net_call;

struct net_wrap {
	struct net *n;
	struct backend inner;
	uint64_t bad_client;
	/* Finished calls kept for reuse (chained through `next`): one per
	 * request, and malloc/free cost as much as the rest of a submit. */
	struct net_call *spare;
	/* Every call ever allocated (chained through `all_next`), so that
	 * destroy frees those still in flight when the run ends too. */
	struct net_call *all;
};

/* One request in flight: the inner request the decorator submits. */
struct net_call {
	struct bk_req in;
	struct bk_req *out;
	struct net_wrap *w;
	unsigned pending;   /* network flows still moving */
	struct net_call *next;  /* on w->spare */
	struct net_call *all_next;  /* on w->all */
};

/* Every field is set before use (in is copied whole, pending by move). */
static struct net_call *call_new(struct net_wrap *w)
{
	struct net_call *c = w->spare;
	if (c) {
		w->spare = c->next;
		return c;
	}
	if ((c = malloc(sizeof *c))) {
		c->all_next = w->all;
		w->all = c;
	}
	return c;
}

static void call_release(struct net_call *c)
{
	c->next = c->w->spare;
	c->w->spare = c;
}

static void call_finish(struct net_call *c, int status)
{
	struct bk_req *r = c->out;
	r->status = status;
	r->retries = c->in.retries;
	call_release(c);
	r->done(r);
}

static void read_moved(void *arg)
{
	struct net_call *c = arg;
	if (--c->pending == 0)
		call_finish(c, BK_OK);
}

/* Moves b bytes over the two hops at once; `then` runs when both are done
 * (never from here: link completions are executor events).  -1: OOM. */
static int move(struct net_call *c, struct res_link *node_link, struct res_link *shared, res_done_fn then)
{
	c->pending = 1;
	if (res_link_submit(node_link, c->out->length, 0, then, c))
		return -1;
	if (shared) {
		c->pending = 2;
		if (res_link_submit(shared, c->out->length, 0, then, c)) {
			c->pending = 1; /* the node hop alone */
		}
	}
	return 0;
}

static void inner_done(struct bk_req *in)
{
	struct net_call *c = in->ctx;
	struct net *n = c->w->n;
	if (c->out->op == BK_READ && in->status == BK_OK && c->out->length > 0) {
		if (move(c, n->node[c->out->client].rx, n->down, read_moved) == 0)
			return;
		call_finish(c, BK_EIO);
		return;
	}
	call_finish(c, in->status);
}

static void submit_inner(struct net_call *c)
{
	if (bk_submit(&c->w->inner, &c->in))
		call_finish(c, BK_EIO); /* from an event: not inside the caller's submit */
}

static void write_moved(void *arg)
{
	struct net_call *c = arg;
	if (--c->pending == 0)
		submit_inner(c);
}

static void finish_bad(void *arg)
{
	struct bk_req *r = arg;
	r->status = BK_EIO;
	r->done(r);
}

static int wrap_submit(void *self, struct bk_req *r)
{
	struct net_wrap *w = self;
	struct net *n = w->n;
	r->submit_ns = exec_now(&n->x);
	r->retries = 0;
	if (r->client >= n->p.nodes) {
		w->bad_client++;
		return exec_after(&n->x, 0, finish_bad, r) ? 0 : -1;
	}
	struct net_call *c = call_new(w);
	if (!c)
		return -1;
	c->in = *r;
	c->in.done = inner_done;
	c->in.ctx = c;
	c->out = r;
	c->w = w;
	c->pending = 0;
	if (r->op == BK_WRITE && r->length > 0) {
		if (move(c, n->node[r->client].tx, n->up, write_moved)) {
			call_release(c);
			return -1;
		}
		return 0;
	}
	if (bk_submit(&w->inner, &c->in)) {
		call_release(c);
		return -1;
	}
	return 0;
}

static int wrap_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	struct net_wrap *w = self;
	char name[256];
	if (w->inner.ops->export(w->inner.self, prefix, m, now_ns))
		return -1;
	snprintf(name, sizeof name, "%s.net", prefix);
	if (net_export(w->n, name, m, now_ns))
		return -1;
	snprintf(name, sizeof name, "%s.net.bad_client", prefix);
	return met_set(m, name, (double)w->bad_client, "requests");
}

static void wrap_reset_stats(void *self)
{
	struct net_wrap *w = self;
	w->bad_client = 0;
	w->inner.ops->reset_stats(w->inner.self);
	net_reset_stats(w->n);
}

static void wrap_destroy(void *self)
{
	struct net_wrap *w = self;
	while (w->all) {
		struct net_call *c = w->all;
		w->all = c->all_next;
		free(c);
	}
	free(w);
}

static const struct bk_ops wrap_ops = {
	.name = "net",
	.submit = wrap_submit,
	.export = wrap_export,
	.reset_stats = wrap_reset_stats,
	.destroy = wrap_destroy,
};

int net_wrap(struct net *n, const struct backend *inner, struct backend *out, struct err *e)
{
	struct net_wrap *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(e, ERR_FAIL, "net: out of memory");
	w->n = n;
	w->inner = *inner;
	out->ops = &wrap_ops;
	out->self = w;
	return 0;
}
