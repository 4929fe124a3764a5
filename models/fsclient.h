/*
 * fsclient — the file-system client in front of a tier whose objects are
 * files (the hot tier's files on local NVMe, the warm tier's directory or
 * NFS mount), as a decorator backend (backend.h) around the tier's device
 * model.  Equations and the sources of the defaults: fsclient.c.
 *
 * It models what a client does before the device sees a data operation:
 * open the object's file when no descriptor of it is cached, or create it
 * (and its directories) when the operation is the first write of an
 * object the tier has never seen.  The open or create is asynchronous (as
 * tierref's are, through io_uring): a latency in that operation's own
 * path, which later operations on the same file wait out too (they share
 * the one open), and which delays nothing else -- not the node's other
 * files, not its other tiers -- except other creates, when
 * create_parallelism limits how many run at once.
 *
 * Keys of a [tier NAME] section (device keys: a preset's tier section
 * replaces them with the rest of the model's keys):
 *
 *   open_latency   = 0      ; time to open an uncached file (dist)
 *   create_latency = 0      ; time to create a file, directories included (dist)
 *   open_files     = 1024   ; descriptors kept open per tier instance (LRU)
 *   create_parallelism = 0  ; creates in progress at once, FIFO; 0: no limit
 *   cpu_open   = 0      ; the node's event loop's CPU to submit an open's
 *                       ; system calls, when it starts (time)
 *   cpu_create = 0      ; the same for a create's chain (time)
 *   cpu_close  = 0      ; the loop's CPU to close the descriptor an open
 *                       ; pushes out of the cache (time)
 *
 * The cpu_* keys cost only with an event loop (a [client] with
 * reap_batch > 0): they are work on its thread, in its line, which the
 * loop's other work waits behind (fsclient.c).
 *
 * With both latencies and the cpu_* keys 0 (the default) there is no
 * decorator at all, and a scenario runs exactly as without this module.
 *
 * Metrics (export writes only its own; the caller exports the decorated
 * backend first): PREFIX.read.latency and PREFIX.write.latency replaced by
 * submit-to-done at the decorator (open time included, as a real backend
 * stamps an operation before it opens the file), PREFIX.fs.opens and
 * PREFIX.fs.creates, and the histograms PREFIX.fs.open.latency and
 * PREFIX.fs.create.latency (from the start of an open or create to its
 * descriptor, the loop's turns included; the names and the span that
 * tierref's file backends export).
 */
#ifndef TIERSIM_MODELS_FSCLIENT_H
#define TIERSIM_MODELS_FSCLIENT_H

#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/exec.h"

/* The steps of tierref's create chain (refimpl/filebk.c, the opener):
 * OPENAT, which finds no file, MKDIRAT twice (the fan-out directories) and
 * OPENAT with O_CREAT; each a turn of the loop. */
#define FSC_CREATE_STEPS 4

struct fsc_params {
	const char *name;          /* RNG stream name.  Borrowed. */
	struct dist open_ns, create_ns;
	uint64_t open_files;
	uint64_t create_parallelism;  /* 0: no limit */
	/* The node's event loop (models/client.h client_turn), or NULL: a
	 * step of an open or create chain (create 1 for a create's steps)
	 * completes when the loop's thread reaps it, in its turn. */
	int (*turn)(void *ctx, size_t node, int create, exec_fn fn, void *arg);
	/* With turn: ns of CPU on the loop's thread of node, in its line (0,
	 * or -1: out of memory). */
	int (*work)(void *ctx, size_t node, uint64_t ns);
	/* With turn: fn(arg) at the loop's next submission (a step of a
	 * chain reaches the kernel then); 0, or -1 (out of memory). */
	int (*hold)(void *ctx, size_t node, exec_fn fn, void *arg);
	void *turn_ctx;
	uint64_t open_cpu_ns, create_cpu_ns, close_cpu_ns; /* cpu_open, cpu_create, cpu_close */
};

/* Defaults: no cost (both const(0)), 1024 open files. */
void fsc_params_default(struct fsc_params *p);
void fsc_params_free(struct fsc_params *p);
/* Defaults, then the keys above of section s (marked used); -1 with
 * FILE:LINE on a bad value.  p must be freed either way. */
int fsc_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct fsc_params *p, struct err *e);
/* 1 if p costs anything (a decorator is needed). */
int fsc_active(const struct fsc_params *p);

/* Wraps inner into *out.  inner stays the caller's (destroy leaves it;
 * reset_stats passes through). */
int fsc_new(const struct exec *x, const struct fsc_params *p, uint64_t seed, struct backend inner,
	    struct backend *out, struct err *e);

#endif
