/*
 * tiered — a GPU cluster's storage hierarchy built from a scenario: one
 * data path (sim/path) per node over modelled tiers, the storage network
 * between the nodes and the shared tiers, and metadata services.
 *
 *   [cluster]          nodes = 4         GPU nodes (default 1)
 *                      chunk = 1MiB      the data path's chunk size
 *                      nic = 800Gb/s     each node's storage NIC, per direction
 *                      uplink = 0        a shared uplink above the NICs (0: none)
 *   [tier NAME]        one per tier, top (fastest) first, in file order
 *                      model = nvme | dram | warm | cold | fixed
 *                      scope = node | shared   node: one instance per GPU node,
 *                                 reached without the network (default for nvme,
 *                                 dram); shared: one for the cluster, reached over
 *                                 each node's NIC (default for warm, cold, fixed)
 *                      capacity = 2TB    required above the bottom tier; the
 *                                 bottom tier holds everything (no capacity)
 *                      policy = lru      eviction (tiersim cache --help lists them)
 *                      admission = always | size:BYTES | second-hit
 *                      write = through | back | around   (back: node scope only)
 *                      dirty_budget = 64GiB, drain_depth = 4   (write = back)
 *                      metadata = NAME   a [metadata NAME] service for this
 *                                 tier's namespace operations (default: none)
 *                      meta_kind = file | object  (default: file, object for cold)
 *                      meta_ttl = 30s    client metadata cache TTL (default 30 s)
 *                      ... and the model's own keys (models/<model>.h), e.g.
 *                      drives, read_bw for nvme; latency, bandwidth for fixed;
 *                      and, for any model, the file-system client's keys
 *                      (models/fsclient.h): open_latency, create_latency,
 *                      open_files, create_parallelism -- the time to open
 *                      and create the tier's files, a latency of the
 *                      operation that needs the file (and of those that
 *                      share its open), delaying nothing else but later
 *                      creates past create_parallelism (none by default)
 *   [metadata NAME]    a metadata service (models/meta.h keys), shared by the
 *                      cluster; its requests are not charged to the network
 *
 * A shared bounded tier (a warm cluster caching the cold store) keeps one
 * residency for the whole cluster (path.h, shared_policy).
 *
 * Metrics: node<i>.<tier>.* from each node's path (hits, misses, bytes,
 * metadata operations, read latency); tier.<tier>.* summed over nodes, with
 * tier.<tier>.hit_ratio and the merged tier.<tier>.read_latency histogram;
 * backend.<tier>[.node<i>].* from the models (with a file-system client,
 * its .read.latency and .write.latency include the open time, and
 * .fs.opens, .fs.creates count); meta.<name>.* and net.*.
 */
#ifndef TIERSIM_TIERED_H
#define TIERSIM_TIERED_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"
#include "sim/path.h"

struct tiered;

/* What a [tier NAME] section says about the data path, whatever the tier
 * runs on: tiered_build reads it for the modelled tiers and refimpl's
 * real tiers read it too, so one scenario file drives tiersim and tierref.
 * Strings are borrowed from the document. */
struct tiered_tier_spec {
	const char *name;
	const char *model;              /* "nvme", "dram", "warm", "cold", "fixed" */
	int shared;                     /* scope = shared */
	uint64_t capacity;              /* 0 at the bottom (holds everything) */
	const struct pol_ops *policy;
	struct pol_adm_spec adm;
	enum path_write_policy wp;
	uint64_t dirty_budget, drain_depth;
	const char *metadata;           /* a [metadata NAME] that exists, or NULL */
	enum path_meta_kind meta_kind;
	uint64_t meta_ttl_ns;
};
/* Reads and checks the keys above (bottom: s is the last tier). */
int tiered_read_tier(struct cfg_doc *doc, struct cfg_section *s, int bottom, struct tiered_tier_spec *out,
		     struct err *e);
/* The data path's configuration of a tier as the spec says, over the given
 * data and metadata backends (meta.ops NULL: none) and, for a shared
 * bounded tier, the common residency (NULL otherwise). */
struct path_tier_cfg tiered_tier_cfg(const struct tiered_tier_spec *sp, struct backend data, struct backend meta,
				     struct path_shared *shared);
/* Parses the model's own keys of a [tier] section (drives, read_bw, ...),
 * marking them used, and discards them: for a run whose tier is real. */
int tiered_check_model_keys(struct cfg_doc *doc, struct cfg_section *s, const char *model, struct err *e);
/* The metrics that depend on the nodes' paths alone: node<i>.* and
 * tier.<name>.* summed over nodes (part of tiered_export). */
int tiered_export_tiers(struct path *const *paths, size_t nodes, struct met_registry *m, uint64_t now_ns,
			struct err *e);


/* 1 if the scenario describes a tiered cluster (has [tier] sections). */
int tiered_is_tiered(struct cfg_doc *doc);
/* Builds everything over executor x.  Leaves cfg_check_unused to the
 * caller (other sections, such as [workload], are read elsewhere). */
int tiered_build(struct tiered **out, struct cfg_doc *doc, const struct exec *x, uint64_t seed, struct err *e);
size_t tiered_nodes(const struct tiered *t);
struct path *const *tiered_paths(const struct tiered *t);
int tiered_export(struct tiered *t, struct met_registry *m, uint64_t now_ns, struct err *e);
/* Registers the series tier.<name>.read_bytes and .write_bytes:
 * cumulative bytes read from and written to each tier, summed over nodes
 * (a plot differentiates them into bandwidth). */
int tiered_add_series(struct tiered *t, struct met_registry *m);
void tiered_free(struct tiered *t);

#endif
