/*
 * engine — the discrete-event simulation kernel: a virtual clock in
 * nanoseconds and a pending-event set, behind the executor contract.
 *
 * The engine knows nothing of the model (ROSS style): a model is callbacks
 * that schedule more callbacks.  Run until a time, until no events are
 * left, or until a callback calls ev_stop().
 *
 * Invariants:
 *   - ev_now() never decreases; an event runs with ev_now() == its time.
 *   - Events at equal times run in scheduling order.
 *   - An allocation failure while scheduling is sticky: the engine stops,
 *     and ev_run() returns -1 with the error, so callbacks need not check
 *     every schedule.
 */
#ifndef TIERSIM_ENGINE_H
#define TIERSIM_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "evq.h"
#include "exec.h"

struct ev_engine;

/* ops: the pending-event set; NULL for the default (the faster one in
 * `make bench`). */
struct ev_engine *ev_engine_new(const struct evq_ops *ops);
void ev_engine_free(struct ev_engine *eng);

uint64_t ev_now(const struct ev_engine *eng);
/* Run fn(arg) at t_ns (clamped to now if earlier).  Returns the event's id
 * for ev_cancel, or 0 on out of memory (sticky, see above). */
uint64_t ev_at(struct ev_engine *eng, uint64_t t_ns, exec_fn fn, void *arg);
uint64_t ev_after(struct ev_engine *eng, uint64_t delay_ns, exec_fn fn, void *arg);
int ev_cancel(struct ev_engine *eng, uint64_t id);

enum ev_stop_reason {
	EV_UNTIL = 0, /* the next event lies after `until`; clock set to until */
	EV_EMPTY,     /* no events left; clock stays at the last event */
	EV_STOPPED,   /* a callback called ev_stop() */
	EV_INTERRUPTED, /* the interrupt flag was set (ev_set_interrupt) */
};

/* Runs events with time <= until_ns (UINT64_MAX: until empty or stopped).
 * Returns an ev_stop_reason, or -1 on error (see e). */
int ev_run(struct ev_engine *eng, uint64_t until_ns, struct err *e);
void ev_stop(struct ev_engine *eng);
/* A flag the engine reads every EV_POLL_EVENTS events and when ev_run
 * starts (a signal handler's, owned by the caller; NULL: none).  When it
 * is non-zero, ev_run returns EV_INTERRUPTED with the clock at the last
 * event run; the flag is left as it is. */
#define EV_POLL_EVENTS 4096
void ev_set_interrupt(struct ev_engine *eng, const volatile sig_atomic_t *flag);

/* Events run by ev_run so far; up to date when ev_run returns (a callback
 * that asks sees the count as of its batch's start). */
uint64_t ev_events_run(const struct ev_engine *eng);
size_t ev_pending(const struct ev_engine *eng);
/* Time of the next pending event; UINT64_MAX when none is pending. */
uint64_t ev_next_time(const struct ev_engine *eng);
const char *ev_queue_name(const struct ev_engine *eng);

/* The engine as an executor (borrowed; valid while eng lives). */
struct exec ev_executor(struct ev_engine *eng);

#endif
