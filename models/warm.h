/*
 * warm — a VAST-class all-flash cluster (the warm tier) as a modelled
 * backend (backend.h): F front-end nodes (CNodes), each a NIC and an ops/s
 * budget; E back-end enclosures (DBoxes), each an SSD/NIC bandwidth; the
 * NVMe-oF fabric between; writes mirrored on the back end.  Equations and
 * the sources of the defaults: warm.c.
 *
 *   [warm NAME]
 *   frontends        = 8
 *   frontend_nic     = 200Gb/s     ; per CNode
 *   frontend_eff     = 0.85        ; usable fraction of the NIC
 *   frontend_ops     = 200k/s      ; ops budget per CNode
 *   frontend_burst   = 64          ; ops budget bucket depth
 *   spread           = hash        ; hash | round_robin
 *   enclosures       = 4
 *   enclosure_bw     = 400Gb/s     ; per DBox: min(NIC, sum of SSDs)
 *   fabric_bw        = 0           ; whole back-end fabric; 0: not a limit
 *   placement_unit   = 1MiB        ; data placed on enclosures per unit
 *   mirror           = 2           ; back-end copies of a write
 *   latency          = const(200us); per operation, data or metadata
 *   write_latency    = (latency)   ; per WRITE instead, when set
 *   write_bw         = 0           ; per enclosure, a write's copies; 0: not a limit
 *   capacity         = 1PB
 */
#ifndef TIERSIM_MODELS_WARM_H
#define TIERSIM_MODELS_WARM_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/exec.h"

enum warm_spread { WARM_SPREAD_HASH = 0, WARM_SPREAD_RR };

struct warm_params {
	const char *name;          /* RNG stream name; "warm" by default.  Borrowed. */
	unsigned frontends;
	double fe_nic_bps, fe_eff;
	double fe_ops, fe_burst;
	enum warm_spread spread;
	unsigned enclosures;
	double encl_bps;
	double fabric_bps;         /* 0: none */
	uint64_t placement_bytes;
	unsigned mirror;
	struct dist latency_ns;
	int has_write_latency;     /* 0: writes draw latency_ns */
	struct dist write_latency_ns;
	double write_bps;          /* per enclosure; 0: none */
	uint64_t capacity_bytes;
};

void warm_params_default(struct warm_params *p);
void warm_params_free(struct warm_params *p);
int warm_params_check(const struct warm_params *p, struct err *e);
int warm_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct warm_params *p, struct err *e);
int warm_new(const struct exec *x, const struct warm_params *p, uint64_t seed, struct backend *out, struct err *e);

/* The front end that serves object `object` under hash spreading, and the
 * first enclosure that holds byte `offset` of it. */
unsigned warm_frontend_of(const struct warm_params *p, uint64_t object);
unsigned warm_enclosure_of(const struct warm_params *p, uint64_t object, uint64_t offset);

#endif
