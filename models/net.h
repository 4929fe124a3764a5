/*
 * net — the storage network of the GPU nodes: each node's storage NIC and
 * a shared uplink above them, and a decorator that makes any tier backend
 * network-attached by moving each request's bytes over them.  Equations
 * and sources: net.c.
 *
 *   [net NAME]
 *   nodes   = 1
 *   nic     = 800Gb/s     ; per node, each direction
 *   uplink  = 0           ; shared by all nodes, each direction; 0: none
 *
 * Ownership: the decorator borrows the net and the inner backend; destroy
 * the decorator first, then the inner backend and the net (net_free).
 */
#ifndef TIERSIM_MODELS_NET_H
#define TIERSIM_MODELS_NET_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"

struct net_params {
	unsigned nodes;
	double nic_bps;      /* per node, per direction */
	double uplink_bps;   /* shared, per direction; 0: none */
};

struct net;

void net_params_default(struct net_params *p);
int net_params_check(const struct net_params *p, struct err *e);
int net_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct net_params *p, struct err *e);
struct net *net_new(const struct exec *x, const struct net_params *p, struct err *e);
void net_free(struct net *n);
/* Links' statistics under prefix: PREFIX.node<i>.rx, .tx, PREFIX.uplink.down, .up. */
int net_export(const struct net *n, const char *prefix, struct met_registry *m, uint64_t now_ns);
void net_reset_stats(struct net *n);

/* A backend that sends each request from node req->client through the
 * network to `inner` (both borrowed).  Its export writes the inner
 * backend's statistics under the same prefix and the network's under
 * PREFIX.net. */
int net_wrap(struct net *n, const struct backend *inner, struct backend *out, struct err *e);

#endif
