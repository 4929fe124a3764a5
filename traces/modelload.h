/*
 * modelload — the model-load job (job type "modelload"): at job start every
 * node reads the model weights, the herd that hits the shared tiers at
 * once; optionally again every `interval` (a redeploy).  The model, its
 * equations and the sources of its defaults are in modelload.c.
 *
 *   [job NAME]  type = modelload
 *               model_bytes = 140GB   the weights (70B parameters in bf16)
 *               shards = 30           stored as this many objects
 *               parallel = 0          shards read at once per node (0: all)
 *               loads = 1             loads per node
 *               interval = 0s         between load starts (loads > 1)
 *
 * Metrics (job.NAME.*): load_time (histogram, ns: one per node and load),
 * herd_time (histogram, ns: per load round, from its start to the last
 * node done), loads, load_total_s (the first round's herd time), bytes,
 * herd_bw (bytes of the first round / its herd time, B/s), wall_s,
 * stall_s (per node, time spent loading), io_errors.
 */
#ifndef TIERSIM_MODELLOAD_H
#define TIERSIM_MODELLOAD_H

#include "traces/workload.h"

/* The job constructor (wl_new_fn, registered as "modelload"). */
int wl_modelload_new(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
		     struct err *e);

#endif
