/*
 * workload — GPU jobs that make storage traffic: the drivers that turn a
 * job description (a DLIO workload file, a KV-cache trace, a checkpoint
 * policy) into reads and writes on the data paths of the nodes the job
 * runs on.  Like the data path they run only through the executor, so
 * `tierref` will drive real storage with the same code (DESIGN.md).
 *
 * A job is a [job NAME] section of a scenario:
 *
 *   [job NAME]   type = training | checkpoint | modelload | kvcache
 *                nodes = all | N | A-B     the cluster nodes it runs on
 *                start = 0s                when it starts
 *                ...type-specific keys (see each type's header)
 *
 * Each type provides a constructor `wl_TYPE_new` with the signature of
 * wl_new_fn and registers it in wl_types (workload.c).  A job:
 *   - starts at env->start_ns and ends by itself (an epoch count, a trace
 *     slice) or at the end of the run;
 *   - calls env->on_finish(env->ctx) once when it ends;
 *   - keeps accelerator utilisation as MLPerf Storage defines it:
 *       AU = compute time / wall time, over the job's life, per GPU,
 *     and the time its GPUs stalled waiting on I/O, by cause;
 *   - exports job.NAME.* metrics (au, compute_s, stall_s, ...) and series
 *     job.NAME.au (AU over each sampling period).
 *
 * Object ids: a job owns the ids it reads and writes, drawn from its own
 * range (wl_object_id) so two jobs never alias each other's data.
 */
#ifndef TIERSIM_WORKLOAD_H
#define TIERSIM_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"
#include "sim/path.h"

struct wl_env {
	const struct exec *x;
	struct path *const *paths;   /* the job's nodes' paths, job node 0 first */
	size_t nodes;
	uint32_t job_index;          /* 0, 1, ... in scenario order */
	const char *name;            /* the section's name */
	uint64_t seed;               /* run seed (derive streams with rng_stream_new) */
	uint64_t start_ns;
	const char *scenario_dir;    /* for files named relative to the scenario */
	void (*on_finish)(void *ctx);
	void *ctx;
};

struct wl;

struct wl_ops {
	int (*start)(struct wl *w, struct err *e);
	/* 1 once the job has ended */
	int (*done)(const struct wl *w);
	/* -1 with e if the job failed (bad input met while running, OOM) */
	int (*failed)(const struct wl *w, struct err *e);
	int (*export)(struct wl *w, struct met_registry *m, uint64_t now_ns);
	/* registers the job's series (sampled by the run's sampler) */
	int (*add_series)(struct wl *w, struct met_registry *m);
	/* The run ends now, before the job has (a run cut at its `until`):
	 * the job starts nothing more, neither I/O nor compute; what it has
	 * in flight may complete.  Its metrics stay over [start, the export's
	 * now].  For tierref, which must wait for its I/O in flight. */
	void (*stop)(struct wl *w);
	void (*free)(struct wl *w);
};

struct wl {
	const struct wl_ops *ops;
	void *st;
};

typedef int (*wl_new_fn)(struct wl *out, struct cfg_doc *d, struct cfg_section *s, const struct wl_env *env,
			 struct err *e);

struct wl_type {
	const char *name;
	wl_new_fn create;
};

/* For a job's constructor: 0 if its objects of `bytes` fit the data path's
 * chunk numbering (path_check_object); else -1 with "FILE:LINE: [job N]
 * KEY: WHAT of B bytes is C chunks ...", naming the key that sets them. */
int wl_check_object(const struct wl_env *env, struct cfg_doc *d, struct cfg_section *s, const char *key,
		    const char *what, uint64_t bytes, struct err *e);

/* NULL-terminated registry of job types (workload.c). */
extern const struct wl_type wl_types[];
const struct wl_type *wl_type_by_name(const char *name);

/* Object ids.  The data path numbers objects below 2^40 (path.h).  Jobs
 * own the lower half, [0, 2^39): the i-th object of job `job` is
 * (job << 32) | i, so jobs never share an object (at most WL_MAX_JOBS
 * jobs of 2^32 objects each).  A trace replay, which can run beside
 * them, owns the upper half, from WL_TRACE_IDS (traces/replay.c), so a
 * trace's objects are never a job's. */
#define WL_MAX_JOBS 128
#define WL_TRACE_IDS (UINT64_C(1) << 39)

static inline uint64_t wl_object_id(uint32_t job, uint64_t i)
{
	return ((uint64_t)job << 32) | (i & 0xffffffffu);
}

#endif
