/*
 * cold — an object store account (Azure Blob standard, S3-like) as a
 * modelled backend (backend.h): request-rate limits that answer 503,
 * client retries with exponential backoff and full jitter, a heavy-tailed
 * time to first byte, shared egress and ingress bandwidth, and the bill.
 * Equations and the sources of the defaults: cold.c.
 *
 * Preset section (keys of cold_from_cfg; all optional):
 *
 *   [cold NAME]
 *   account_rate      = 40k/s        ; requests/s per account
 *   account_burst     = 4000         ; bucket depth, requests
 *   blob_rate         = 500/s        ; requests/s per blob
 *   blob_burst        = 50           ; bucket depth, requests
 *   blob_slots        = (derived)    ; per-blob buckets remembered; unset:
 *                                      ; 2 x those that can be below full
 *                                      ; at once, to a power of two (16384)
 *   egress            = 200Gb/s      ; account egress (GETs)
 *   ingress           = 60Gb/s       ; account ingress (PUTs)
 *   connection_bw     = 0            ; one request's own cap (0: none)
 *   ttfb              = lognormal(20ms, 1)
 *   put_ttfb          = (ttfb)       ; a PUT's own, when it differs
 *   throttle_latency  = const(5ms)   ; time for a 503 to come back
 *   max_retries       = 3
 *   backoff_base      = 800ms
 *   backoff_cap       = 60s
 *   price_read_10k    = 0.0044       ; USD per 10,000 GETs
 *   price_write_10k   = 0.055        ; USD per 10,000 PUTs
 *   price_head_10k    = 0.0044       ; USD per 10,000 HEADs
 *   price_list_10k    = 0.055        ; USD per 10,000 LISTs
 *   price_gb_month    = 0.018        ; USD per GB-month stored
 *   stored            = 0            ; bytes at rest when the run starts
 */
#ifndef TIERSIM_MODELS_COLD_H
#define TIERSIM_MODELS_COLD_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/exec.h"

struct cold_params {
	const char *name;          /* RNG stream name; "cold" by default.  Borrowed. */
	double account_ops, account_burst;
	double blob_ops, blob_burst;
	unsigned blob_slots;       /* rounded up to a multiple of 8; 0: cold_blob_slots */
	double egress_bps, ingress_bps;
	double conn_bps;           /* 0: none */
	struct dist ttfb_ns;
	struct dist put_ttfb_ns;   /* writes' (PUT) time to first byte, when has_put_ttfb */
	int has_put_ttfb;          /* 0: writes draw ttfb_ns too */
	struct dist throttle_ns;
	unsigned max_retries;
	uint64_t backoff_base_ns, backoff_cap_ns;
	double usd_read_10k, usd_write_10k, usd_head_10k, usd_list_10k;
	double usd_gb_month;
	uint64_t stored_bytes;
	/* The data path's chunk, which tiered.c sets (not a key): a write at
	 * an offset other than 0, or of exactly piece_bytes, is a piece of a
	 * larger object (cold.c, "Pieces"); 0: every write is one PUT. */
	uint64_t piece_bytes;
	/* The client's CPU for each fill and commit (tiered.c: client_extra),
	 * or NULL: none.  extra(ctx, node, bytes, fn, arg) runs fn(arg) when
	 * the CPU of a request of `bytes` for node's operation is done: 0, or
	 * nonzero (out of memory: the request goes at once). */
	int (*extra)(void *ctx, uint32_t node, uint64_t bytes, exec_fn fn, void *arg);
	void *extra_ctx;
};

/* Seconds in the billing month: 730 h. */
#define COLD_MONTH_S (730.0 * 3600.0)

void cold_params_default(struct cold_params *p);
void cold_params_free(struct cold_params *p);
int cold_params_check(const struct cold_params *p, struct err *e);
int cold_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct cold_params *p, struct err *e);
int cold_new(const struct exec *x, const struct cold_params *p, uint64_t seed, struct backend *out, struct err *e);

/* The backoff before retry number k (k = 1 for the first retry), given a
 * uniform draw u in [0,1): full jitter, u * min(cap, base * 2^(k-1)). */
uint64_t cold_backoff_ns(const struct cold_params *p, unsigned k, double u);

/* The per-blob table's size for p when blob_slots is 0: the power of two
 * at or above twice the buckets that can be below full at once,
 * account_burst + account_rate * blob_burst / blob_rate (cold.c), at most
 * 2^22 (96 MiB). */
unsigned cold_blob_slots(const struct cold_params *p);

#endif
