/*
 * realtiers — a scenario's storage hierarchy on REAL devices: the same
 * [cluster], [tier NAME] and [metadata NAME] sections that models/tiered.h
 * simulates, read by the same code (tiered_read_tier), wired into the same
 * data path (sim/path.h), one path per node; only the backends differ
 * (DESIGN.md, "the one idea").  So `tiersim run X.ini` and `tierref run
 * X.ini` replay one trace through one logic, and their hit counts and
 * bytes per tier agree exactly when the timing cannot reorder requests.
 *
 * Which real backend a tier gets follows its model (and the command line):
 *   model nvme, dram (and fixed with scope = node)   --hot DIR
 *       a file backend (filebk.h, O_DIRECT where supported) per instance:
 *       DIR/<tier>/node<i> for scope = node, DIR/<tier> for scope = shared;
 *       with `metadata =` a POSIX-directory backend instead, whose metadata
 *       operations are real.
 *   model warm (and fixed with scope = shared)      --warm DIR
 *       a POSIX-directory backend (dirbk.h) in DIR/<tier>, shared by the
 *       nodes; with `metadata =` it also serves the metadata operations.
 *   model cold                                        --cold URL
 *       Azure Blob (blob.h): URL http://HOST:PORT/ACCOUNT/CONTAINER
 *       (Azurite) or https://ACCOUNT.blob.core.windows.net/CONTAINER; with
 *       `metadata =` it also serves HEAD.
 * A tier whose flag is missing is an error naming the tier and the flag.
 * The subdirectories are created; DIR itself must exist.  The models' own
 * keys (drives, read_bw, ...), the network keys of [cluster] (nic, uplink)
 * and the [metadata] services' keys are checked as tiersim checks them and
 * then ignored: the real devices, network and namespace are what they are.
 * The network is not decorated (the real one is real).
 *
 * Every real backend sits behind two decorators, in this module:
 *   ordering   a READ of an object waits while a WRITE of that object is in
 *              flight at the same backend.  The data path makes a chunk
 *              readable from a tier as soon as its fill is issued (path.h);
 *              on real devices the read must not overtake the write it
 *              depends on.  Changes timing only, never which tier serves.
 *   buffers    (Blob only) gives READ and WRITE a buffer (the simulated
 *              path carries none): a write sends the object's content
 *              (content.h), a read is checked against it; a mismatch fails
 *              the read with BK_EIO and is counted.
 * The file and directory backends verify reads themselves (cfg.verify).
 *
 * Dry run (rt_opts.dry_run): every tier gets an instant recording backend
 * on any executor (the DES engine) instead, which notes the furthest byte
 * read of every object; `tierref populate` runs the workload that way to
 * learn what the bottom tier must hold (rt_needed).
 *
 * Metrics, named as the simulated run's (models/tiered.h): node<i>.*,
 * tier.<tier>.*, backend.<tier>[.node<i>].*; and verify.mismatches (reads
 * whose bytes were not the content they must be, over every backend).
 * And for each hot tier instance on a block device, what that device did
 * from rt_reset_stats to rt_mark_end (blkstat.h), whoever asked: its
 * journal's writes, other processes' I/O and every instance on the same
 * disk count in each instance's figures (one node a run, as make
 * validate's cases, reads as the tier's own):
 *   backend.<tier>[.node<i>].device.busy   time with a request in flight
 *                                          (io_ticks) [s]
 *   ....device.writes, .discards, .reads   requests completed [ops]
 *   ....device.write_bytes, .discard_bytes, .read_bytes   [B]
 * which `tiersim validate hardware` sets beside the model's drive
 * (models/nvme.h, PREFIX.transfer.busy).
 */
#ifndef TIERSIM_REALTIERS_H
#define TIERSIM_REALTIERS_H

#include <stddef.h>
#include <stdint.h>

#include "refimpl/loop.h"
#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"
#include "sim/path.h"

struct rt_opts {
	const char *hot_dir;      /* --hot */
	const char *warm_dir;     /* --warm */
	const char *cold_url;     /* --cold */
	const char *cold_key;     /* base64 account key, or NULL */
	const char *cold_sas;     /* SAS query string, or NULL */
	unsigned queue_depth;     /* per file backend (0: 32) */
	int cold_retries;         /* retries of a Blob request (-1: blob's default, 3) */
	uint64_t cold_backoff_ns; /* first backoff (0: blob's default, 0.8 s) */
	int dry_run;              /* recording backends, no devices; l may be NULL */
};

enum rt_kind { RT_HOT, RT_WARM, RT_COLD };

struct rt;

/* Reads the scenario's tier sections and builds the real (or recording)
 * backends and one path per node over executor x (the loop's, l, unless
 * dry_run).  Leaves cfg_check_unused to the caller. */
int rt_build(struct rt **out, struct cfg_doc *doc, const struct exec *x, struct loop *l, const struct rt_opts *o,
	     uint64_t seed, struct err *e);
size_t rt_nodes(const struct rt *t);
struct path *const *rt_paths(const struct rt *t);
/* node<i>.*, tier.*, backend.*, verify.mismatches (see above). */
int rt_export(struct rt *t, struct met_registry *m, uint64_t now_ns, struct err *e);
/* Restarts every backend's statistics (backend.h, reset_stats), so that
 * they count from now: the run's start, after its set-up and preflight;
 * and reads the hot instances' devices' counters (above). */
void rt_reset_stats(struct rt *t);
/* The end of the run's time for the devices' counters (above): read now. */
void rt_mark_end(struct rt *t);
/* tier.<name>.read_bytes and .write_bytes series, as tiered_add_series. */
int rt_add_series(struct rt *t, struct met_registry *m);
/* Reads that failed verification so far, over every backend. */
uint64_t rt_mismatches(const struct rt *t);
/* The file backends' discards not yet done (filebk_busy), summed. */
size_t rt_busy(const struct rt *t);
/* The last error of each backend that had one, one "tier NAME: message"
 * line each, into buf (NUL-terminated, truncated to cap): its length. */
size_t rt_errors(const struct rt *t, char *buf, size_t cap);
/* The run was interrupted: the Blob tier tries nothing more (blob_stop);
 * file tiers' I/O in flight completes, as it must. */
void rt_stop(struct rt *t);
void rt_free(struct rt *t);

/* What the bottom tier is and how to write to it (for populate). */
struct rt_bottom {
	const char *tier;         /* its name */
	enum rt_kind kind;
	const char *dir;          /* RT_HOT / RT_WARM: the directory of its files */
	struct backend data;      /* writes with no buffer write content.h's bytes */
	struct backend raw;       /* RT_COLD: the blob backend itself */
	uint64_t chunk_bytes;
};
int rt_bottom(const struct rt *t, struct rt_bottom *out, struct err *e);

/* Dry run: the objects read, each with the end of the furthest byte read,
 * sorted by object id; *out is malloc'd (caller frees), NULL when none. */
struct rt_extent {
	uint64_t obj;
	uint64_t bytes;
};
int rt_needed(const struct rt *t, struct rt_extent **out, size_t *n, struct err *e);

/* Splits a --cold URL into the endpoint (scheme://host[:port][/ACCOUNT]),
 * the account and the container: 0, or -1 (e filled, ERR_INPUT). */
int rt_parse_cold_url(const char *url, char *endpoint, size_t ecap, char *account, size_t acap, char *container,
		      size_t ccap, struct err *e);

#endif
