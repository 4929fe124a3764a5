/*
 * dram — host DRAM as the fastest tier of a GPU node: the nvme model
 * (nvme.h) with one device, no IOPS limit and DRAM's bandwidth and
 * latency.  Equations and sources: dram.c.
 *
 *   [dram NAME]
 *   bandwidth   = 614.4GB/s   ; read and write (copy) bandwidth
 *   latency     = const(100ns)
 *   parallelism = 1024        ; accesses in flight
 *   capacity    = 2TB
 */
#ifndef TIERSIM_MODELS_DRAM_H
#define TIERSIM_MODELS_DRAM_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/exec.h"

struct dram_params {
	const char *name;      /* RNG stream name; "dram" by default.  Borrowed. */
	double bps;
	struct dist latency_ns;
	unsigned parallelism;
	uint64_t capacity_bytes;
};

void dram_params_default(struct dram_params *p);
void dram_params_free(struct dram_params *p);
int dram_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct dram_params *p, struct err *e);
int dram_new(const struct exec *x, const struct dram_params *p, uint64_t seed, struct backend *out, struct err *e);

#endif
