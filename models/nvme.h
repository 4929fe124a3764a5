/*
 * nvme — the hot tier on a GPU node: n local NVMe drives in RAID0, as a
 * modelled backend (backend.h).  Host DRAM is the same model with one
 * device (dram.h).  Equations and the sources of the defaults: nvme.c.
 *
 * Preset section (keys of nvme_from_cfg; every key optional, defaults in
 * brackets are those of nvme_params_default):
 *
 *   [nvme NAME]
 *   drives        = 8          ; n drives in RAID0
 *   stripe        = 128KiB     ; RAID0 stripe unit
 *   read_bw       = 14GB/s     ; per drive, sequential read
 *   write_bw      = 10GB/s     ; per drive, sequential write
 *   read_iops     = 3.3M/s     ; per drive, 4 KiB random read (0: none)
 *   write_iops    = 540k/s     ; per drive, 4 KiB random write (0: none)
 *   iops_burst    = 1          ; token-bucket depth of the IOPS limit, ops
 *   parallelism   = 256        ; media accesses in flight per drive
 *   read_latency  = const(60us)  ; media access time per sub-operation
 *   write_latency = const(15us)
 *   discard_bw    = 0          ; per drive: the rate at which it discards
 *                              ; freed blocks (0: discards cost nothing)
 *   capacity      = 30.72TB    ; whole array (reported, not enforced)
 */
#ifndef TIERSIM_MODELS_NVME_H
#define TIERSIM_MODELS_NVME_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/exec.h"

struct nvme_params {
	const char *name;          /* RNG stream name; "nvme" by default.  Borrowed. */
	unsigned drives;
	uint64_t stripe_bytes;
	double read_bps, write_bps;     /* per drive */
	double read_iops, write_iops;   /* per drive; 0: no limit */
	double iops_burst;              /* ops */
	unsigned parallelism;           /* per drive */
	struct dist read_latency_ns, write_latency_ns;
	double discard_bps;             /* per drive; 0: discards cost nothing */
	uint64_t capacity_bytes;
};

/* Fills p with the defaults listed above (DGX H100 with Micron 9550-class
 * drives; see nvme.c for the sources). */
void nvme_params_default(struct nvme_params *p);
/* Frees the distributions (p stays valid: both become const(0)). */
void nvme_params_free(struct nvme_params *p);
/* Defaults, then the keys of section s.  -1 with FILE:LINE on a bad or
 * out-of-range value.  p must be freed with nvme_params_free either way. */
int nvme_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct nvme_params *p, struct err *e);
/* Checks p (every field in range); -1 and e filled otherwise. */
int nvme_params_check(const struct nvme_params *p, struct err *e);

/* Builds the backend into *out (p is copied; the distributions too).
 * -1 with e filled on bad parameters or out of memory. */
int nvme_new(const struct exec *x, const struct nvme_params *p, uint64_t seed, struct backend *out,
	     struct err *e);

/* The closed form of the saturated array read throughput (bytes/s) for
 * stripe-aligned reads of `length` bytes spread evenly over the drives:
 * n * min(B_r, IOPS_r * s, c * s / E[L_r]), s = bytes per drive per op. */
double nvme_saturated_read_bps(const struct nvme_params *p, uint64_t length);

/* The drive that holds byte `offset` of `object` (RAID0 rotation). */
unsigned nvme_drive_of(const struct nvme_params *p, uint64_t object, uint64_t offset);

#endif
