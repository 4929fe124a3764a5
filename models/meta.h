/*
 * meta — a basic metadata service as a modelled backend (backend.h): N
 * servers, each c threads behind one FIFO line, keys placed by hash, a
 * service-time distribution per operation.  Equations and sources: meta.c.
 *
 *   [meta NAME]
 *   servers  = 4
 *   threads  = 16
 *   lookup   = exp(95.2us)     ; service time per operation kind
 *   getattr  = exp(47.6us)
 *   open     = exp(95.2us)
 *   create   = exp(190.5us)
 *   unlink   = exp(142.9us)
 *   readdir  = exp(238.1us)
 *   head     = exp(47.6us)     ; object-store HEAD, served like getattr
 *   list     = exp(238.1us)    ; object-store LIST, served like readdir
 *
 * The client-side cache with a TTL belongs to the data path (sim/), not
 * here.
 */
#ifndef TIERSIM_MODELS_META_H
#define TIERSIM_MODELS_META_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/exec.h"

struct meta_params {
	const char *name;           /* RNG stream name; "meta" by default.  Borrowed. */
	unsigned servers;
	unsigned threads;
	struct dist service_ns[BK_NOPS]; /* used for the metadata operations only */
};

void meta_params_default(struct meta_params *p);
void meta_params_free(struct meta_params *p);
int meta_params_check(const struct meta_params *p, struct err *e);
int meta_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct meta_params *p, struct err *e);
int meta_new(const struct exec *x, const struct meta_params *p, uint64_t seed, struct backend *out, struct err *e);

/* The server that owns `object`: meta_hash64(object) mod N. */
unsigned meta_server_of(const struct meta_params *p, uint64_t object);
/* splitmix64's finaliser (Steele, Lea and Flood 2014): a bijective 64-bit
 * mix whose every output bit depends on every input bit. */
uint64_t meta_hash64(uint64_t x);

#endif
