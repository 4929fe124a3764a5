/*
 * probe — measures the real backends the way fio does, and fits the
 * parameters of the tiers' models to the measurements, so that `tiersim`
 * predicts what `tierref` will see (the hardware rung of the validation
 * ladder, DESIGN.md).
 *
 * Method.  A scratch set of objects is written into a `probe` subfolder of
 * each backend's directory through the real backend (filebk for the hot
 * tier, dirbk for the warm tier) over the real loop, then for each point of
 * a sweep -- operation (read, write) x size (4 KiB, 1 MiB) x queue depth
 * (1, 4, 16, 64) -- exactly QD operations are kept in flight at random
 * size-aligned offsets of random objects for `seconds` of wall clock, and
 * every operation's latency (submit to completion) is kept.  The scratch
 * set (PROBE_SCRATCH_DEFAULT, or `--scratch`) is deleted afterwards.  From the sweep (probe_write_preset):
 *   read_bw               the plateau of the 1 MiB read bandwidth over the
 *                         queue depths: the median of the points from the
 *                         first that reaches 90% of the largest (the
 *                         largest of several short windows is biased up
 *                         by their noise)
 *   write_bw              the sustained write bandwidth: the scratch set's
 *                         own write (scratch_bytes of 1 MiB writes, 8 in
 *                         flight), if below the plateau of the sweep's
 *                         1 MiB writes (a 0.25 s window of writes can land in
 *                         a cache that a run writing gigabytes fills: 5.3
 *                         against 1.8 GB/s on the reference machine)
 *   read_iops, write_iops the largest 4 KiB operation rate
 *   read_latency, write_latency
 *                         empirical(...) of the QD1 4 KiB latency in
 *                         PROBE_QUANTILES probability bins: ten of 9% up to
 *                         p90, then the tail in narrowing bins (p90-p95,
 *                         p95-p99, p99-p99.9, p99.9-max), each bin its
 *                         mid-quantile weighted by its width, so the model
 *                         keeps the measured tail; less the transfer time
 *                         4 KiB / bw (the model adds it back)
 *   parallelism           Little's law: the concurrency that sustains the
 *                         largest 4 KiB rate at the QD1 mean latency,
 *                         ceil(read_iops x E[L_qd1]), at least 1
 * Every sweep point also records the loop thread's CPU time per operation
 * (loop_thread_cpu_s: CLOCK_THREAD_CPUTIME_ID, user + system), written as
 * a comment under the point's line: on a machine where the client's CPU
 * binds (buffered reads copied by the kernel and checked on the one loop
 * thread), the device figures above are partly the client's, and the
 * cpu_* keys (models/client.h) are fitted to these figures.  The sweep's
 * backend checks what it reads and generates what it writes, as a run's
 * does; that work is timed apart (filebk_content), is left out of the
 * CPU per operation, and gives the tier's cpu_check_bw (the 1 MiB reads)
 * and cpu_fill_bw (the scratch set's write and the 1 MiB writes).
 * for model = nvme (drives = 1, stripe = 1 GiB: one sub-operation per
 * operation) and, for the warm tier, model = warm with one front end and
 * one enclosure (frontend_nic = enclosure_bw = read_bw, frontend_ops =
 * read_iops, mirror = 1, latency = the read latency above).  The warm
 * tier's writes get their own keys (models/warm.c): a buffered write
 * through io_uring is handed to a kernel worker that copies it into the
 * page cache, so it costs neither the read's round trip nor its rate.
 * And a run writes new data (fills, drains, checkpoints), which the
 * sweep's writes over the scratch set do not: they overwrite pages
 * already cached.  So right after the scratch set is written, appends are
 * timed: PROBE_APPEND_OBJS new objects per size, each created by one
 * write (not timed) and then extended by PROBE_APPEND_SMALL 4 KiB or
 * PROBE_APPEND_LARGE 1 MiB writes at QD1.  New data costs the kernel new
 * pages, and on a VM that hands free memory back to the hypervisor a new
 * page is dear on first touch (2.0-2.6 against 0.2 ms per MiB on the
 * reference machine); the scratch set has used up the memory freed just
 * before, which would be cheap.  From them:
 *   write_bw              (1 MiB - 4 KiB) / (D(1 MiB) - D(4 KiB)), D(b) the
 *                         mean latency of the b-byte appends less the CPU
 *                         the client model charges it; 0 (not a limit) if
 *                         that is not positive.  With write_latency below,
 *                         the model gives both means.
 *   write_latency         empirical(...) of the 4 KiB appends' latency,
 *                         binned as above, less 4 KiB / write_bw and the
 *                         client's CPU for it
 * Every file tier's preset shows the appends in a comment, and the hot
 * tier's write_latency is that of its 4 KiB appends too (on ext4 a
 * direct write that extends a file runs in a kernel worker, one at a time
 * per file: dearer than an overwrite).
 *
 * Discards (the hot tier, model = nvme's discard_bw).  A file system
 * mounted with `discard` (this project's reference machine's root ext4)
 * sends the device a discard for the blocks a hole punch frees, at its
 * next journal commit, and a tier's evictions are punches (filebk.h): the
 * KV-cache case's fills ran at 1.48 GB/s with them and 2.0 without
 * (HARDWARE.md, "Discards").  So after the sweep the scratch set is
 * punched in 1 MiB ranges through the backend, as evictions punch
 * chunks: MiB 0 and 2 of every object, syncfs(2), then MiB 1 and 3,
 * syncfs -- no two ranges freed side by side in one commit, where ext4
 * would merge their discards into one.  The block device's counters
 * (/sys/dev/block/MAJ:MIN/stat, Documentation/block/stat.rst) are read
 * before and after, until they stop moving:
 *   discard_bw            discarded bytes / the device's busy time
 *                         (io_ticks) meanwhile; 0 (free) when the punches
 *                         sent no discard (mounted without it, or a device
 *                         without it) or the counters cannot be read (a
 *                         directory on tmpfs or overlayfs: no block device)
 *
 * Files (models/fsclient.h).  The real backends open and create files
 * asynchronously, through io_uring (filebk.c), before an operation's I/O.
 * So after the scratch set is written, PROBE_FILES new objects (random
 * ids: most land in new fan-out directories, as a run's chunks do) each
 * get one 4 KiB write at QD1 from a fresh backend, and the backend's open
 * chain is timed, from its first OPENAT to the descriptor (create: OPENAT
 * with O_CREAT, ENOENT, MKDIRAT of the two fan-out levels, OPENAT with
 * O_CREAT); then a second fresh backend (no descriptor cached) reads 4 KiB
 * of each, and its OPENAT is timed the same way (open).  The times come
 * from the backend's PREFIX.fs.create.latency and .fs.open.latency
 * histograms (filebk.h; within 1% of each sample).  The preset gets
 *   create_latency, open_latency   empirical(...) of those times, binned as
 *                                  the latencies above
 *   create_parallelism             creates at once: PROBE_FILES other new
 *                                  objects written PROBE_CREATE_QD at a
 *                                  time by a third fresh backend, their
 *                                  rate x the QD1 mean create time
 *                                  (Little's law at saturation), rounded,
 *                                  within 1..PROBE_CREATE_QD
 *   open_files = 1024              the backends' descriptor cache (filebk's
 *                                  max_open default): configuration, not
 *                                  a measurement
 *
 * The cold tier (PROBE_COLD, probe_blob).  The backend is the Blob REST
 * backend itself (blob.h) on the same loop.  The scratch set is
 * scratch_bytes of 1 MiB blobs named "probe-<pid>-<seed>/<id>" (the
 * container is created if missing), written by Put Blob, 8 in flight.
 * Then PROBE_COLD_SMALL_BLOBS blobs of 4 KiB.  The sweep is the one above
 * with GETs and Put Blobs of whole blobs (4 KiB ones of the small blobs,
 * 1 MiB ones of the scratch set); the QD1 4 KiB points run until
 * PROBE_COLD_MIN_SAMPLES have completed (a real store's tens of ms give
 * few in 0.25 s).  Afterwards
 * every scratch blob gets Delete Blob (also after a failure), and List
 * Blobs under the prefix must come back empty.  The preset (model = cold,
 * the equations in models/cold.c: an idle GET of b bytes takes
 * F + b / min(egress, connection_bw)):
 *   connection_bw  one connection's rate: (1 MiB - 4 KiB) / (E[T_1MiB] -
 *                  E[T_4KiB]) of the QD1 GETs, so that the model gives
 *                  both QD1 means; the plain QD1 1 MiB GET bandwidth
 *                  (which includes F) if that difference is not positive
 *   ttfb           empirical(...) of the QD1 4 KiB GET latency in the
 *                  PROBE_QUANTILES bins above, less
 *                  4 KiB / min(egress, connection_bw) and the client's
 *                  CPU for the GET alone (cpu_read_op + cpu_read_wake)
 *   cpu_read_op, cpu_read_wake, cpu_read_bw   the loop thread's CPU per
 *                  GET (HTTP, signing), fitted as a file tier's reads
 *   put_ttfb       the same of the QD1 4 KiB Put Blob latency, less
 *                  4 KiB / min(ingress, connection_bw) and the client's
 *                  CPU for the PUT alone
 *   cpu_write_op, cpu_write_wake, cpu_write_bw   the same per Put Blob
 *   egress         the plateau of the 1 MiB GET bandwidth over the queue
 *                  depths, as read_bw's above
 *   ingress        the same of the 1 MiB Put Blob bandwidth
 *   account_rate, blob_rate   not set: an endpoint that does not throttle
 *                  (Azurite never does) cannot show its limits; the
 *                  comment gives the 503s seen and the best GET rate
 */
#ifndef TIERSIM_PROBE_H
#define TIERSIM_PROBE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "refimpl/blkstat.h"
#include "refimpl/blob.h"
#include "refimpl/loop.h"
#include "sim/err.h"

#define PROBE_QUANTILES 14
#define PROBE_NQD 4
/* The scratch set: 1 GiB.  With 64 MiB, the sweep on this project's
 * reference machine (a virtual disk) measured the host's caches: 1 MiB
 * writes at 6 GB/s and reads at 2.2 GB/s, where fio over 4 GiB sustains
 * 1.9 GB/s and 1.0 GB/s, and the runs that wrote gigabytes saw the latter.
 * A set larger than the caches between program and device measures the
 * device; it costs one sequential write of the set per probed tier. */
#define PROBE_SCRATCH_DEFAULT (1ull << 30)
/* The Blob tier's: 64 MiB, one blob per slot at QD 64.  The host keeps
 * no cache of a remote store's blobs, so a large set buys nothing there,
 * and it changes what it measures: Azurite here, just after a 1 GiB set
 * was written, answered the QD1 4 KiB GETs in 0.90 ms (p50), after a
 * 16 MiB set in 0.69-0.70 ms, and a run after either in 0.71-0.93 ms. */
#define PROBE_COLD_SCRATCH_DEFAULT (64ull << 20)
#define PROBE_NSIZE 2
#define PROBE_FILES 256
/* Appends: new objects per size, and timed writes into each after the
 * first (4 KiB, 1 MiB): 256 and 64 in all. */
#define PROBE_APPEND_OBJS 4
#define PROBE_APPEND_SMALL 64
#define PROBE_APPEND_LARGE 16
/* Creates in flight for the create_parallelism measurement. */
#define PROBE_CREATE_QD 16
/* Samples of the cold tier's QD1 4 KiB GET latency, at least (the point
 * runs past `seconds` for them, by 10 s at most). */
#define PROBE_COLD_MIN_SAMPLES 200
/* The cold tier's 4 KiB blobs, read whole by the 4 KiB GETs.  A GET's
 * time can depend on the size of the blob it reads from: Azurite 3.35
 * here, 400 GETs of each kind interleaved, took 0.953 ms (p50) for 4 KiB
 * of a 1 MiB blob and 0.787 ms for a whole 16 KiB blob, and the ttfb
 * fitted to the former predicted a replay of small objects' GETs 24-74%
 * slow.  A whole small blob's GET is the time to first byte the model
 * means. */
#define PROBE_COLD_SMALL_BLOBS 256

enum probe_kind { PROBE_HOT, PROBE_WARM, PROBE_COLD };

struct probe_point {
	int write;               /* 0 read, 1 write */
	uint64_t size_bytes;
	unsigned qd;
	uint64_t ops;            /* completed in the window */
	double seconds;          /* the window */
	double ops_per_s, bps;
	double mean_ns;
	double q_ns[PROBE_QUANTILES]; /* latency at the middle of bin i (probe.c) */
	double p50_ns, p99_ns;
	double cpu_ns_per_op;    /* the calling thread's CPU time (user + system) per operation,
				  * the content work below not included */
	/* File tiers: the backend's content checks and generation in the
	 * window, CPU time and bytes (filebk_content). */
	uint64_t check_ns, check_bytes, fill_ns, fill_bytes;
};

struct probe_result {
	enum probe_kind kind;
	const char *dir;         /* borrowed; PROBE_COLD: the URL (no credentials) */
	int direct;              /* O_DIRECT in use */
	uint64_t scratch_bytes;
	/* The scratch set's own write: scratch_bytes in 1 MiB writes, 8 in
	 * flight, sequential in each object, into new files: the sustained
	 * write bandwidth (the sweep's short windows can be absorbed by caches
	 * a long write fills). */
	double fill_seconds, fill_bps;
	uint64_t scratch_fill_ns, scratch_fill_bytes; /* its content generation (filebk_content) */
	/* File tiers: the rates of the backend's content work, bytes over its
	 * CPU time: checks in the 1 MiB read points, generation in the
	 * scratch set's write and the 1 MiB write points (0: none timed). */
	double cpu_check_bps, cpu_fill_bps;
	uint64_t cpu_check_bytes, cpu_fill_bytes; /* the bytes they are over */
	struct probe_point pt[2][PROBE_NSIZE][PROBE_NQD];
	/* The backend's asynchronous open chain, first OPENAT to descriptor:
	 * for the first write of a new object (create: OPENAT, MKDIRAT x 2,
	 * OPENAT with O_CREAT), and the first read of an existing object with
	 * no descriptor cached (open).  q_ns, mean_ns, p50_ns, p99_ns and ops
	 * are filled. */
	struct probe_point create, open;
	/* The loop thread's CPU (user + system, content work included) per
	 * operation of those two QD1 passes, each a create or an open and a
	 * 4 KiB write or read, and of the creates PROBE_CREATE_QD at a time
	 * below; and per close of the descriptors the QD1 passes left (their
	 * backends' destroy, close(2), outside the loop). */
	double create_cpu_ns, open_cpu_ns, create_qd_cpu_ns, close_cpu_ns;
	/* Appends: QD1 writes extending new objects (4 KiB, 1 MiB), as a
	 * run's fills and checkpoints write; each file's first write (its
	 * create) is not counted; run_point's fields, over the appends. */
	struct probe_point append[PROBE_NSIZE];
	/* PROBE_FILES other new objects written PROBE_CREATE_QD at a time:
	 * their number over the time they took (creates/s). */
	double create_qd_rate;
	/* PROBE_HOT: the scratch set's punches (above, "Discards") and what
	 * the block device did meanwhile.  discard_ok 0: its counters could
	 * not be read (discard_dev says why). */
	int discard_ok;
	char discard_dev[256];     /* the counters' file, or why there is none */
	uint64_t discard_punched;  /* bytes punched */
	struct blkstat discard_delta; /* the device's counters, after less before */
	/* PROBE_COLD. */
	char prefix[64];         /* the scratch blobs' name prefix */
	const char *auth;        /* "SharedKey" or "SAS" */
	double conn_bps;         /* one connection's rate (above) */
	uint64_t requests, throttled, retries; /* HTTP requests, 503s and retries, scratch write and sweep */
	uint64_t deleted;        /* scratch blobs deleted (or already gone) */
	uint64_t left;           /* listed under prefix after the clean-up; UINT64_MAX: the listing failed */
};

struct probe_opts {
	double seconds;          /* per point (0: 0.25) */
	uint64_t scratch_bytes;  /* the scratch set (0: PROBE_SCRATCH_DEFAULT; probe_blob:
				  * PROBE_COLD_SCRATCH_DEFAULT) */
	uint64_t seed;
	int keep_scratch;        /* probe_dir: leave DIR/probe in place after a success */
	/* A signal handler's flag (NULL: none): once it reads non-zero no new
	 * operation starts, those in flight complete, and the probe fails
	 * ("interrupted"), removing its scratch set as any failure does. */
	const volatile sig_atomic_t *stop;
};

/* Measures the backend of that kind over directory dir (which must exist)
 * on loop l.  0, or -1 with e filled.  The scratch set is removed after,
 * unless o->keep_scratch and the probe succeeded: deleting files makes the
 * next creates on ext4 without a journal scan past the deleted inodes for
 * a minute (fs/ext4/ialloc.c, recently_deleted), so a caller that runs a
 * measured run straight after the probe removes the scratch set itself,
 * well before its next probe (scripts/validate.sh). */
int probe_dir(struct loop *l, enum probe_kind kind, const char *dir, const struct probe_opts *o,
	      struct probe_result *r, struct err *e);

/* Which of three runs of one point has the median CPU per operation (the
 * QD1 4 KiB points are run three times: probe.c, run_point_median). */
int probe_median3(const struct probe_point v[3]);

/* The QD1 passes of new files (creates, opens) take the loop thread's CPU
 * per file as the median over PROBE_FILE_RUNS runs of PROBE_FILES /
 * PROBE_FILE_RUNS files in a row, not the pass's mean: a stretch of
 * slower files (a file system busy for a moment) then moves it only if
 * it lasts half the pass.  One probe of make validate's replay case had
 * a third of its warm opens take 40-225 us where the rest took 4 us; the
 * pass's mean gave cpu_open 97 us (the other 143 warm tiers probed since
 * set 20: 2.0-7.3 us), and the run it predicted was charged 2.6 times the
 * CPU its thread used.  mark_s[0..runs] are the thread's CPU times (s)
 * at the start and after each run of per_run files; returns ns per file
 * (0 for no runs). */
#define PROBE_FILE_RUNS 8
double probe_run_cpu_ns(const double *mark_s, unsigned runs, unsigned per_run);

/* Removes dir's scratch set (DIR/probe), as probe_dir does when it does
 * not keep it. */
void probe_remove_scratch(const char *dir);

/* Measures the Blob container of bp (endpoint, account, container and a
 * key or SAS; its prefix and seed are the probe's) on loop l; `where` (the
 * URL, no credentials) names it in messages and the preset.  0, or -1 with
 * e filled (ERR_INPUT for bad parameters); the scratch blobs are deleted
 * either way, and blobs left behind fail the probe, naming the prefix. */
int probe_blob(struct loop *l, const struct blob_params *bp, const char *where, const struct probe_opts *o,
	       struct probe_result *r, struct err *e);

/* Writes the tier section fitted to r, [tier NAME], every number with a
 * comment saying what was measured and how.  A file tier's section holds
 * the client's CPU per operation (models/client.h: cpu_read_op,
 * cpu_read_bw, cpu_write_op, cpu_write_bw, queue_depth), fitted to the
 * loop thread's CPU time at the sweep's 4 KiB points at QD1 and QD64 and
 * its 1 MiB points of the bandwidth plateau (probe.c, cpu_fit); a
 * device limit that the loop thread reached first (busy 90% or more at
 * its best point) is written as not a limit, and the QD1 latencies are
 * less the CPU that the client model charges.  The sweep's backend
 * checks what it reads and generates what it writes, as a run's does,
 * and times that apart (filebk_content): the section's cpu_check_bw and
 * cpu_fill_bw, which the client model charges in place of the [client]
 * rates, and the points' CPU per operation is without it.  pc (or NULL:
 * not known) gives the [client] rates, used where the tier timed none. */
struct probe_client;
int probe_write_preset(const struct probe_result *r, const struct probe_client *pc, const char *tier, FILE *out);

/* The client's own work on every byte: the rates at which one thread
 * generates (content_fill) and checks (content_check) the deterministic
 * content, in 1 MiB pieces of a 64 MiB buffer, the median of several
 * passes of thread CPU time. */
struct probe_client {
	double fill_bps, check_bps;
};
int probe_client(struct probe_client *c, struct err *e);
/* [client]: threads (tierref's one loop), check_bw, fill_bw. */
int probe_write_client(const struct probe_client *c, FILE *out);

#endif
