/*
 * qnet — an open network of the resource primitives, described by a
 * scenario file: the model `tiersim run` simulates until the tiered data
 * path (issue 3) arrives, and the place where the primitives meet users.
 *
 * Jobs come from sources (an inter-arrival distribution; a size for the
 * bytes they carry) and visit the resources on their route in order:
 *
 *   [run]            until = 10m      simulated time to run (required)
 *                    warmup = 1m      statistics restart then (default 0)
 *                    seed = 1         run seed (the --seed flag overrides)
 *                    sample = 1s      time-series period (default until/100)
 *                    steady_state = yes   refuse a scenario in which any
 *                                     resource is offered load >= 1
 *   [source NAME]    interarrival = exp(1ms)   (a dist.h distribution)
 *                    size = const(1MiB)        bytes per job (default 0)
 *                    route = a b c             resource names, in order
 *                    jobs = N                  stop after N jobs (default: none)
 *   [queue NAME]     servers = 4, service = exp(1ms)      (res_queue)
 *   [pipe NAME]      bandwidth = 2GB/s, latency = 100us, concurrency = 8
 *   [link NAME]      bandwidth = 100Gb/s, flow_cap = 25Gb/s (per job)
 *   [bucket NAME]    rate = 40k/s, burst = 100, mode = wait|drop
 *                    (drop: a job refused a token leaves the network and
 *                    is counted as dropped, like a throttled request)
 *
 * Offered load, for steady_state: with λ_r the rate of source r (1 /
 * E[interarrival]), a resource visited by sources R gets
 *   queue  ρ = Σ λ_r E[S] / c         link  ρ = Σ λ_r E[size_r] / bps
 *   pipe   ρ = Σ λ_r max(E[size_r] / bps, (E[size_r] / bps + latency) / concurrency)
 *          (a slot is held for the transfer and the latency; concurrency 0: no limit)
 *   bucket ρ = Σ λ_r / rate
 * counting a resource once per visit on a route.  Past a drop bucket of
 * rate R offered Λ in all, λ_r is scaled by min(1, R / Λ): the jobs it
 * refuses reach nothing behind it.  A drop bucket at ρ >= 1 is steady (it
 * sheds the excess), and steady_state does not refuse it.
 *
 * Metrics: each resource as res_stats_export ("queue.NAME.utilisation",
 * ...); each source: "source.NAME.jobs", ".completed", ".dropped",
 * ".response" (histogram, ns); series: "<kind>.NAME.in_system" sampled
 * every `sample`.
 */
#ifndef TIERSIM_QNET_H
#define TIERSIM_QNET_H

#include <stdint.h>

#include "sim/cfg.h"
#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"

struct qnet;

struct qnet_run {
	uint64_t until_ns;
	uint64_t warmup_ns;
	uint64_t sample_ns;
	uint64_t seed;
	int seed_given;       /* the scenario set seed */
};

/* Reads the [run] section (for the command, before building). */
int qnet_read_run(struct cfg_doc *doc, struct qnet_run *run, struct err *e);
/* Builds the network over executor x with RNG streams from seed.
 * Checks every key (unknown keys and sections are errors). */
int qnet_build(struct qnet **out, struct cfg_doc *doc, const struct exec *x, uint64_t seed, struct err *e);
/* Schedules the first arrivals, the warm-up restart and the sampler. */
int qnet_start(struct qnet *n, const struct qnet_run *run, struct met_registry *m, struct err *e);
/* Writes every resource's and source's statistics into m (at the end). */
int qnet_export(struct qnet *n, struct met_registry *m, struct err *e);
void qnet_free(struct qnet *n);

#endif
