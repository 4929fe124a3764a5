/*
 * replay — feeds a request trace into the data paths of a cluster's nodes.
 *
 * Two disciplines (the "open-loop" and "closed-loop"):
 *
 *   open    each record arrives at its own timestamp, (t − t_first) ×
 *           time_scale after the start, whether or not earlier requests
 *           have finished: the offered load is the trace's.  Records are
 *           read one ahead, so memory stays bounded for any trace length.
 *   closed  every node keeps `outstanding` requests in flight: a
 *           completion takes the next record of the trace and issues it on
 *           the node that completed.  Trace timestamps are ignored; the
 *           offered load is whatever the storage sustains.
 *
 * Record i goes to node i mod nodes (open), so requests spread evenly and
 * deterministically; each record reads (or writes, for write records, when
 * `writes` is on) its whole object: offset 0, length = the record's size.
 * Every request completes exactly once; the replay finishes when the trace
 * is exhausted and nothing is in flight, and then calls on_finish.
 *
 * A bad record stops the replay: no further requests are issued, and
 * replay_failed() returns the reader's error (naming the file and record).
 */
#ifndef TIERSIM_REPLAY_H
#define TIERSIM_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/exec.h"
#include "sim/metrics.h"
#include "sim/path.h"
#include "traces/trace.h"

enum replay_mode { REPLAY_OPEN, REPLAY_CLOSED };

struct replay_cfg {
	enum replay_mode mode;
	double time_scale;      /* open: > 0; 0.5 replays twice as fast */
	uint32_t outstanding;   /* closed: requests in flight per node, >= 1 */
	uint64_t max_requests;  /* 0: the whole trace */
	int writes;             /* issue write records as writes (else reads) */
	void (*on_finish)(void *ctx);
	void *on_finish_ctx;
	const char *name;       /* the trace, for messages (copied); NULL: "trace" */
};

struct replay_stats {
	uint64_t issued, completed, failed; /* completed: with success; failed: with an error */
	uint64_t read_bytes, write_bytes;   /* of the requests completed (a failed one delivered none) */
	uint64_t first_ns, last_done_ns;    /* simulated times */
};

struct replay;

/* The reader is borrowed (the caller closes it after replay_free). */
int replay_new(struct replay **out, const struct exec *x, struct trace_reader *t, struct path *const *paths,
	       size_t npaths, const struct replay_cfg *cfg, struct err *e);
/* Issues the first requests (closed) or schedules the first arrival. */
int replay_start(struct replay *r, struct err *e);
const struct replay_stats *replay_stats(const struct replay *r);
/* 1 when finished (trace exhausted and nothing in flight). */
int replay_done(const struct replay *r);
/* The run ends now (cut at its `until`): no request is issued any more;
 * those in flight complete and are counted. */
void replay_stop(struct replay *r);
/* -1 with the error once a bad record or out-of-memory stopped the replay. */
int replay_failed(const struct replay *r, struct err *e);
/* replay.requests, replay.completed, replay.failed, replay.read_bytes,
 * replay.write_bytes, replay.throughput (requests/s), replay.bandwidth
 * (B/s) over [first arrival, last completion], and the histogram
 * replay.latency (ns). */
int replay_export(const struct replay *r, struct met_registry *m);
void replay_free(struct replay *r);

#endif
