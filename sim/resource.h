/*
 * resource — the building blocks the models compose.  Each runs over the
 * executor contract (exec.h) and keeps its own statistics:
 *
 *   res_queue  c identical servers, one FIFO line.  A job's service time
 *              comes with the job (a model draws it from a dist.h
 *              distribution, or computes it from the request).
 *   res_pipe   a bandwidth pipe: bytes are serialised at `bps` one
 *              operation at a time in FIFO order, and each operation then
 *              pays a fixed `latency_ns` that does not hold the pipe
 *              (pipelined, like a wire's propagation delay); at most
 *              `concurrency` operations are in flight (serialising or in
 *              their latency; 0: no limit), the rest wait in FIFO order.
 *              Completion of an op of b bytes that starts transfer at s:
 *              s + b/bps + latency.  The pipe keeps time to a fraction of a
 *              ns, so back-to-back small ops lose no bandwidth; only the
 *              callback is rounded up to the next whole ns.
 *   res_link   a link shared fairly by concurrent flows: each active flow
 *              gets the max-min fair share of `bps` given the per-flow caps
 *              (cap 0: none); with no caps this is processor sharing, each
 *              of n flows at bps/n.  Flows finishing in the same ns
 *              complete in arrival order.  Cost per arrival or departure:
 *              O(log n) while no active flow is capped, O(n) while one is.
 *   res_tb     a token bucket (rate tokens/s, burst tokens) for request-rate
 *              limits: res_tb_try takes tokens now or refuses (an object
 *              store answering 503); res_tb_wait queues FIFO until the
 *              tokens are there.  res_tb_try refuses while anyone waits
 *              (it does not jump the line).
 *
 * Statistics, for every resource, from creation or the last
 * res_*_reset_stats (the end of a warm-up):
 *   utilisation      busy servers / c (queue), busy fraction (pipe: time
 *                    the serialiser is busy; link: time at least one flow is
 *                    active; tb: tokens taken / (rate × elapsed), which
 *                    the initial burst can push above 1 in a short window)
 *   mean in queue    time-averaged number waiting (not in service)
 *   mean in system   time-averaged number waiting or in service
 *   wait, response   histograms (ns) of time waiting before service, and
 *                    from arrival to completion, of jobs completed
 *   arrivals, completions, bytes (pipe, link), refused (tb)
 * Histograms count jobs at completion, so their counts equal completions;
 * a token-bucket grant by res_tb_try counts as a completion with wait 0.
 * Little's law relates them: mean in system = completions/elapsed × mean
 * response, up to the jobs still inside at the ends of the window.
 *
 * Completion callbacks run from the executor, at the completion time, in
 * the order the completions fall due; never from inside a submit (even a
 * zero-length job completes from an executor event at now).  done may be
 * NULL.  A callback runs after the resource has updated its state and
 * started its next waiter, so it may submit new work, which queues behind
 * work already waiting; it must not free the resource that called it.
 *
 * Bad arguments: res_*_new return NULL for servers 0, bps or rate <= 0,
 * burst <= 0, NaN or infinite values; submits return -1 (and change
 * nothing) for a negative or NaN cap, tokens < 0 or > burst.
 * res_*_free cancels the resource's pending events; callbacks of work still
 * inside never run.
 */
#ifndef TIERSIM_RESOURCE_H
#define TIERSIM_RESOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "hist.h"
#include "metrics.h"

typedef void (*res_done_fn)(void *arg);

/* Which resource a res_stats belongs to (it decides what
 * res_stats_export writes). */
enum res_kind { RES_QUEUE, RES_PIPE, RES_LINK, RES_TB };

/* Statistics common to all resources. */
struct res_stats {
	uint64_t arrivals;
	uint64_t completions;
	uint64_t bytes;            /* pipe and link: bytes completed */
	uint64_t since_ns;         /* start of the statistics window */
	struct met_tavg busy;      /* busy servers (queue), 0/1 (pipe, link) */
	struct met_tavg in_queue;  /* waiting, not in service */
	struct met_tavg in_system; /* waiting or in service */
	struct hist *wait_ns;
	struct hist *response_ns;
	enum res_kind kind;
	uint64_t refused;          /* tb: requests refused by res_tb_try */
};

/* Utilisation in [0,1], mean in queue and mean in system, up to now. */
double res_stats_util(const struct res_stats *s, uint64_t now_ns, double servers);
double res_stats_mean_queue(const struct res_stats *s, uint64_t now_ns);
double res_stats_mean_system(const struct res_stats *s, uint64_t now_ns);
/* Writes name.arrivals, name.completions (jobs), name.utilisation
 * (ratio), name.mean_in_queue, name.mean_in_system (jobs),
 * name.throughput (ops/s), name.bytes (B) and name.bandwidth (B/s) for a
 * pipe or link, name.refused (requests) for a token bucket, and the
 * histograms name.wait and name.response (ns), into m.  Scalars replace
 * earlier values of the same name; histograms are added (hist_merge) to
 * the registry's histogram of that name, so resources exported under one
 * name aggregate.  servers: c for a queue, 1 otherwise.  0 or -1 (OOM). */
int res_stats_export(const struct res_stats *s, uint64_t now_ns, double servers, const char *name,
		     struct met_registry *m);

/* ---- multi-server FIFO queue ---- */
struct res_queue;
struct res_queue *res_queue_new(const struct exec *x, unsigned servers);
void res_queue_free(struct res_queue *q);
/* 0, or -1 on out of memory. */
int res_queue_submit(struct res_queue *q, uint64_t service_ns, res_done_fn done, void *arg);
/* As res_queue_submit, but a job that must wait goes in at position pos
 * of the line (0: first; pos at or past its end: last), ahead of jobs that
 * came before it: the work a callback starts, which a thread does before
 * it turns to the next callback. */
int res_queue_submit_at(struct res_queue *q, uint64_t service_ns, res_done_fn done, void *arg, size_t pos);
void res_queue_reset_stats(struct res_queue *q);
const struct res_stats *res_queue_stats(const struct res_queue *q);
unsigned res_queue_servers(const struct res_queue *q);
/* Servers serving a job now, and jobs waiting for one. */
unsigned res_queue_busy(const struct res_queue *q);
size_t res_queue_waiting(const struct res_queue *q);
/* With on, a completing job's callback runs before the next waiting job
 * starts, so what the callback submits takes the server it leaves (a
 * thread that runs a callback to its end before it turns to the next);
 * by default (off) the next waiter starts first, as "Completion callbacks"
 * above says. */
void res_queue_callback_first(struct res_queue *q, int on);

/* ---- bandwidth pipe ---- */
struct res_pipe;
struct res_pipe *res_pipe_new(const struct exec *x, double bps, uint64_t latency_ns, unsigned concurrency);
void res_pipe_free(struct res_pipe *p);
int res_pipe_submit(struct res_pipe *p, uint64_t bytes, res_done_fn done, void *arg);
void res_pipe_reset_stats(struct res_pipe *p);
const struct res_stats *res_pipe_stats(const struct res_pipe *p);

/* ---- fairly shared link ---- */
struct res_link;
struct res_link *res_link_new(const struct exec *x, double bps);
void res_link_free(struct res_link *l);
/* cap_bps: this flow's own ceiling (e.g. its NIC), 0 for none. */
int res_link_submit(struct res_link *l, uint64_t bytes, double cap_bps, res_done_fn done, void *arg);
void res_link_reset_stats(struct res_link *l);
/* The link's statistics as of now: first accounts the arrival and the
 * completion of any transfer leg (below) that fell due since the link
 * was last touched. */
const struct res_stats *res_link_stats(struct res_link *l);
size_t res_link_active(const struct res_link *l);

/* ---- a transfer over several links at once ----
 *
 * res_xfer_start(t, x, start_ns, n, links, bytes, done, arg) behaves
 * exactly as submitting, at start_ns (>= now), one uncapped flow of
 * bytes[i] on links[i] for each i in order, and calling done(arg) when the
 * last of them completes: a stream moving through all its hops together
 * (cut-through), each hop shared max-min fairly with whatever else it
 * carries.  It is cheaper when nothing else shares the hops, which is the
 * common case: a flow alone on an idle link finishes at a time known when
 * it starts, so such a flow (a "quiet leg") gets no executor event of its
 * own; the link accounts its arrival and its completion when it is next
 * touched (a submit, a read of its statistics, a reset), and one event
 * at the latest quiet finish stands for all of them.  When another flow
 * does reach a link while its quiet leg is still due, the leg becomes an
 * ordinary flow there (or, if it has not started yet, arrives by its own
 * event at start_ns), as if it had been one from the start.  So neither the times
 * nor the statistics differ from separate flows; only events that changed
 * nothing are left out.  One thing may: done's event is pushed when the
 * transfer is booked, where separate flows would push theirs later, so
 * among events due in the same nanosecond it may run in another order.
 *
 * The caller owns *t until done runs.  links may repeat; n is 1 ..
 * RES_XFER_LEGS.  0, or -1 (nothing started) on bad arguments or out of
 * memory.  Links must outlive their transfers. */
#define RES_XFER_LEGS 4

struct res_xfer;

struct res_xleg {
	struct res_xfer *t;
	struct res_link *l;
	uint64_t bytes;
	uint64_t due_ns;   /* quiet: when its flow finishes */
	uint64_t ev;       /* its arrival event, when it arrives by one */
	int state;         /* private to resource.c */
};

struct res_xfer {
	struct exec x;
	uint64_t start_ns;
	unsigned n;
	unsigned loud;     /* legs running as ordinary flows, or arriving */
	int timer_done;    /* the quiet legs' event has run (or none) */
	uint64_t timer_ev;
	res_done_fn done;
	void *arg;
	struct res_xleg leg[RES_XFER_LEGS];
};

int res_xfer_start(struct res_xfer *t, const struct exec *x, uint64_t start_ns, unsigned n,
		   struct res_link *const *links, const uint64_t *bytes, res_done_fn done, void *arg);

/* ---- token bucket ---- */
struct res_tb;
/* Starts full (burst tokens). */
struct res_tb *res_tb_new(const struct exec *x, double rate_per_s, double burst);
void res_tb_free(struct res_tb *b);
/* 1 and the tokens are taken, or 0 and nothing is taken. */
int res_tb_try(struct res_tb *b, double tokens);
/* For a caller that would otherwise wait (res_tb_wait): the grant
 * res_tb_wait would make from an executor event at this same ns, without
 * the event, when nobody waits and the tokens are there (1: one arrival,
 * one grant with wait 0).  Else 0 and nothing is counted, neither an
 * arrival nor a refusal: the caller's res_tb_wait counts the arrival. */
int res_tb_take_now(struct res_tb *b, double tokens);
/* Calls done when the tokens could be taken (taking them), FIFO behind
 * earlier waiters.  tokens > burst is an error (-1): it would wait forever. */
int res_tb_wait(struct res_tb *b, double tokens, res_done_fn done, void *arg);
/* Tokens available now. */
double res_tb_level(struct res_tb *b);
void res_tb_reset_stats(struct res_tb *b);
const struct res_stats *res_tb_stats(const struct res_tb *b);
/* Requests refused by res_tb_try since the last reset. */
uint64_t res_tb_refused(const struct res_tb *b);

#endif
