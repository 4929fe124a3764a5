/*
 * run_tiered — the tiered-cluster side of `tiersim run`: a cluster from
 * models/tiered.h fed by a trace replay (traces/replay.h), described by
 *
 *   [run]       until = 10m (optional: without it the run lasts until the
 *               trace is replayed), sample = 1s, seed = 1
 *   [workload]  trace = FILE           relative to the scenario's folder
 *               format = NAME          oracleGeneral, csv[:OPTS] (default:
 *                                      from the file name)
 *               mode = open | closed   (default open)
 *               time_scale = 1         open: trace time x this
 *               outstanding = 16       closed: per node
 *               requests = N           stop after N records (default: all)
 *               writes = yes | no      replay write records as writes (default yes)
 */
#ifndef TIERSIM_RUN_TIERED_H
#define TIERSIM_RUN_TIERED_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cfg.h"
#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"
#include "sim/path.h"

struct trun;

struct trun_spec {
	uint64_t until_ns;    /* UINT64_MAX: until the replay finishes */
	uint64_t sample_ns;
	uint64_t seed;
};

int trun_read_run(struct cfg_doc *doc, struct trun_spec *spec, struct err *e);
/* dir: the folder files named in the scenario are relative to.
 * on_finish(ctx) is called when the trace and every job have ended. */
int trun_build(struct trun **out, struct cfg_doc *doc, const char *dir, const struct exec *x, uint64_t seed,
	       void (*on_finish)(void *), void *ctx, struct err *e);
/* The same over paths the caller built and owns (tierref's real tiers):
 * trun_start and trun_export then leave the tiers' metrics to the caller. */
int trun_build_paths(struct trun **out, struct cfg_doc *doc, const char *dir, const struct exec *x, uint64_t seed,
		     struct path *const *paths, size_t nodes, void (*on_finish)(void *), void *ctx, struct err *e);
int trun_start(struct trun *t, const struct exec *x, struct met_registry *m, uint64_t sample_ns, struct err *e);
int trun_export(struct trun *t, struct met_registry *m, uint64_t now_ns, struct err *e);
int trun_summary(const struct met_registry *m, FILE *out);
/* Requests and background work (fills, write-back drains) in flight in
 * the cluster's data paths; 0 when every path is idle. */
size_t trun_inflight(const struct trun *t);
/* What a run cut now leaves out, over the cluster's nodes: the requests
 * in flight (path_read, path_write) and the chunks held dirty at
 * write-back tiers, not yet written back. */
struct trun_left {
	size_t requests, dirty_chunks;
};
struct trun_left trun_left_out(const struct trun *t);
/* The replay and jobs not ended yet: more than 0 after a run that
 * reached its `until` first (a cut run). */
size_t trun_active(const struct trun *t);
/* Ends the workload now (a cut run that must still wait for its I/O in
 * flight, as tierref must): the replay issues nothing more, and each job
 * starts nothing more (wl_ops.stop).  The I/O in flight then completes,
 * and trun_drain waits for it alone. */
void trun_stop(struct trun *t);
struct ev_engine;
/* After the workload has ended: runs the engine until the fills and
 * write-back drains still in flight have finished, so that bytes per
 * tier do not depend on timing (tierref does the same on the wall
 * clock), then stops the sampler, which samples the drain too.  Export
 * afterwards, at the drain's end: rates are over the whole run, drain
 * included (a rate over the workload's time alone once reported a link
 * busy 156% of the time).  Returns TRUN_DRAINED; TRUN_DRAIN_CUT if
 * until_ns came first (work still in flight: a cut run);
 * TRUN_DRAIN_INTERRUPTED if the engine's interrupt flag stopped it; or
 * -1 with e. */
enum { TRUN_DRAINED = 0, TRUN_DRAIN_CUT = 1, TRUN_DRAIN_INTERRUPTED = 2 };
int trun_drain(struct trun *t, struct ev_engine *eng, struct met_registry *m, uint64_t until_ns, struct err *e);
/* Warnings met while building (unknown keys in workload files), one a line. */
void trun_print_warnings(const struct trun *t, FILE *out);
void trun_free(struct trun *t);

/* Small pieces the commands that run scenarios share. */
/* Seconds on CLOCK_MONOTONIC, for wall times. */
double trun_wall_seconds(void);
/* A stop callback for an ev_engine (its argument). */
void trun_stop_engine(void *eng);
/* Catches SIGINT and SIGTERM, once each (a second one ends the process
 * as usual): the flag returned then holds the signal's number, for
 * ev_set_interrupt or a loop's own check; 0 until then. */
const volatile sig_atomic_t *trun_catch_signals(void);
/* The current UTC time as ISO 8601 (2026-11-24T08:00:00Z) in buf; buf. */
const char *trun_iso_now(char *buf, size_t n);
/* Removes a results database and its -wal and -shm files: a failed run
 * that created the file leaves nothing behind. */
void trun_remove_db(const char *path);

#endif
