/*
 * client — the CPU of each GPU node's storage client: the threads that
 * submit every data operation, copy buffered bytes in the kernel, and
 * check or generate the bytes (tierref: its one event loop thread), as a
 * decorator backend (backend.h) around a tier's device model.  Equations
 * and the sources of the defaults: client.c.
 *
 * Without it, a node's client is free and infinitely parallel: only the
 * devices take time.  On a machine where a buffered read is a memcpy from
 * the page cache, or a virtual disk costs the guest CPU per byte, the
 * client is the bottleneck, and this is what decides the run.
 *
 * Keys.  The node's client, a [client] section (its presence turns the
 * model on; without one a scenario runs exactly as without this module):
 *
 *   [client]
 *   threads  = 1     ; CPU threads of one node doing its I/O work (count)
 *   check_bw = 0     ; rate of checking the bytes read (0: free) (rate)
 *   fill_bw  = 0     ; rate of generating the bytes written (0: free) (rate)
 *   shared   = no    ; yes: one client (its threads) serves every node, as
 *                    ; tierref's one event loop runs every node of a run;
 *                    ; `validate hardware` sets it (bool)
 *   reap_batch = 0   ; an event loop's submissions: operations reach the
 *                    ; kernel when the thread is idle and after every this
 *                    ; many completions, the kernel's per-byte work then
 *                    ; done on the thread (0: no loop; each operation
 *                    ; reaches its device when its CPU stage ends) (count)
 *
 * Each tier's cost of one operation on a client thread, keys of its [tier
 * NAME] section (device keys: a preset's tier section replaces them):
 *
 *   cpu_read_op  = 0  ; per read (time)
 *   cpu_read_wake = 0 ; per batch of the loop (a system call and a wake-up),
 *                     ; shared by the node's operations in flight: a read
 *                     ; alone pays it all, one of n pays 1/n (time)
 *   cpu_read_bw  = 0  ; per byte read: bytes / cpu_read_bw (0: free) (rate)
 *   cpu_write_op = 0  ; per write (time)
 *   cpu_write_wake = 0 ; the same for writes (time)
 *   cpu_write_bw = 0  ; per byte written (0: free) (rate)
 *   cpu_check_bw = 0  ; this tier's rate of checking the bytes read, which
 *                     ; replaces [client] check_bw for it (0: that) (rate)
 *   cpu_fill_bw  = 0  ; the same for generating the bytes written, in
 *                     ; place of fill_bw (rate)
 *   cpu_check_op = 0  ; per check of a read, besides its bytes (time)
 *   cpu_fill_op  = 0  ; per generation of a write's bytes (time)
 *   queue_depth  = 0  ; operations of this tier instance in flight at once,
 *                     ; the rest wait in order (0: no limit) (count)
 *
 * Metrics: client.cpu.busy (ratio: the mean over nodes of the threads'
 * busy time over the run's time, per thread; work finished after the run's
 * end, such as the drain of fills, included, so it can exceed 1, as
 * tierref's measured value of the same name can), client.cpu.seconds (s:
 * that busy time, the mean over nodes per thread, as tierref's
 * client.cpu.user + .system), client.node<i>.cpu.* (the
 * node's queue: utilisation, mean in system, wait and response); and for
 * each decorated backend PREFIX.read.latency and PREFIX.write.latency
 * replaced by submit-to-done at the decorator (CPU time included, as a
 * real backend stamps an operation before the loop thread works on it).
 */
#ifndef TIERSIM_MODELS_CLIENT_H
#define TIERSIM_MODELS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"

struct client_params {
	unsigned threads;          /* per node, or in all with shared */
	int shared;                /* one client for every node (tierref: one event loop) */
	double check_bps, fill_bps; /* 0: free */
	unsigned reap_batch;        /* 0: an operation reaches its device at the end of its first CPU stage */
};

/* A tier's cost per operation on a client thread. */
struct client_cost {
	uint64_t read_op_ns, write_op_ns;
	uint64_t read_wake_ns, write_wake_ns; /* per batch: / the node's operations in flight */
	double read_bps, write_bps; /* 0: free */
	double check_bps, fill_bps; /* 0: the client's (client_params) */
	uint64_t check_op_ns, fill_op_ns; /* per check of a read, per generation of a write */
	uint64_t queue_depth;       /* operations past the decorator at once; 0: no limit */
};

/* 1 and *p from doc's [client] section (marked used) when it has one,
 * 0 when it has none, -1 with FILE:LINE on a bad value. */
int client_from_cfg(struct cfg_doc *d, struct client_params *p, struct err *e);
/* The cpu_* keys of tier section s (marked used; absent: 0); -1 with
 * FILE:LINE on a bad value. */
int client_cost_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct client_cost *k, struct err *e);
/* 1 if k has a key set. */
int client_cost_any(const struct client_cost *k);

/* The content work the model charges a tier's operation: the check of a
 * read (fill 0) or the generation of a write (fill 1).  Its rate is the
 * tier's cpu_check_bw (cpu_fill_bw), or p's check_bw (fill_bw) when the
 * tier sets none (B/s, 0: free); an operation of `bytes` costs the
 * tier's cpu_check_op (cpu_fill_op) plus bytes at that rate (ns). */
double client_content_bps(const struct client_params *p, const struct client_cost *k, int fill);
uint64_t client_content_ns(const struct client_params *p, const struct client_cost *k, int fill, uint64_t bytes);

/* The client threads of `nodes` nodes. */
struct client;
int client_new(struct client **out, const struct exec *x, const struct client_params *p, size_t nodes,
	       struct err *e);
void client_free(struct client *c);
/* Wraps inner into *out: its data operations take cost k on the issuing
 * node's threads (bk_req.client; the last node if larger) before the
 * device, and reads the check after.  inner stays the caller's (destroy
 * leaves it; reset_stats passes through).  c must outlive *out. */
int client_wrap(struct client *c, const struct client_cost *k, struct backend inner, struct backend *out,
		struct err *e);
/* 1 if the nodes' threads are event loops (reap_batch > 0). */
int client_loop(const struct client *c);
/* A request a tier's backend makes for one of node `node`'s operations,
 * beyond the operation's own: an object store's fill or commit of a phase
 * of pieces (models/cold.c, "Pieces"), of `bytes` bytes (a fill's zeros;
 * 0 for a commit).  Its CPU on the node's thread (the last if larger),
 * after the work queued before, is what a write of the tier with costs k
 * pays apart from generating its bytes: cpu_write_op + bytes /
 * cpu_write_bw + cpu_write_wake / n (n: the node's operations in flight,
 * the one it is for among them); then fn(arg) sends it.  0, or -1 (out
 * of memory: nothing queued). */
int client_extra(struct client *c, const struct client_cost *k, size_t node, uint64_t bytes, exec_fn fn,
		 void *arg);
/* Runs fn(arg) on node `node`'s thread (the last if larger) once it has
 * done the work queued before, and wake_ns / n of its CPU (n: the node's
 * operations in flight, and this): a completion the loop reaps in its
 * turn, such as an open's, and the wake-up it costs.  Called from a
 * completion's callback, fn comes right after it, ahead of the work
 * waiting.  0, or -1 (out of memory). */
int client_turn(struct client *c, size_t node, uint64_t wake_ns, exec_fn fn, void *arg);
/* Puts ns of CPU on node `node`'s thread (the last if larger), in its
 * line as client_turn's work: work the loop does with nothing to call
 * back, such as a close.  0, or -1 (out of memory). */
int client_work(struct client *c, size_t node, uint64_t ns);
/* fn(arg) at the loop's next submission on node (now when its thread has
 * nothing to do): a system call the loop has prepared reaches the kernel
 * then.  0, or -1 (out of memory). */
int client_hold(struct client *c, size_t node, exec_fn fn, void *arg);
/* client.cpu.busy and client.node<i>.cpu.* into m, as of now_ns. */
int client_export(const struct client *c, struct met_registry *m, uint64_t now_ns);
void client_reset_stats(struct client *c);

#endif
