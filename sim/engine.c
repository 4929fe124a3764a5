/*
 * engine — see engine.h.  The loop is: take the least pending event, set
 * the clock to its time, call it.  Everything else (what an event means)
 * belongs to the model.
 */
#include "engine.h"

#include <stdlib.h>

/* The default pending-event set, chosen by the hold benchmark (`make
 * bench`, bench/hold.c): the calendar queue beat the 4-ary heap at 10^3 to
 * 10^6 pending events (at 10^4: 231 vs 672 instructions per hold under
 * callgrind); the figures are in README.md. */
#define EV_DEFAULT_QUEUE evq_calendar

/* Latest time an event may carry: UINT64_MAX means "never" in peek_time. */
#define EV_TIME_MAX (UINT64_MAX - 1)

#define EV_HALT_STOP 1u
#define EV_HALT_FAILED 2u

struct ev_engine {
	const struct evq_ops *ops;
	void *q;
	uint64_t now;
	uint64_t events; /* counted per batch of the loop, and at its exits */
	/* Why the loop must stop, one word so that it costs one test per
	 * event: EV_HALT_STOP (a callback called ev_stop; cleared when the loop
	 * stops for it) and EV_HALT_FAILED (sticky: a push ran out of
	 * memory). */
	unsigned halt;
	const volatile sig_atomic_t *intr;
};

struct ev_engine *ev_engine_new(const struct evq_ops *ops)
{
	struct ev_engine *eng = calloc(1, sizeof *eng);
	if (!eng)
		return NULL;
	eng->ops = ops ? ops : &EV_DEFAULT_QUEUE;
	eng->q = eng->ops->create();
	if (!eng->q) {
		free(eng);
		return NULL;
	}
	if (eng->ops == &evq_calendar)
		evq_calendar_on_fail(eng->q, &eng->halt, EV_HALT_FAILED);
	return eng;
}

void ev_engine_free(struct ev_engine *eng)
{
	if (!eng)
		return;
	eng->ops->destroy(eng->q);
	free(eng);
}

uint64_t ev_now(const struct ev_engine *eng)
{
	return eng->now;
}

uint64_t ev_at(struct ev_engine *eng, uint64_t t_ns, exec_fn fn, void *arg)
{
	if (t_ns < eng->now)
		t_ns = eng->now;
	if (t_ns > EV_TIME_MAX)
		t_ns = EV_TIME_MAX;
	uint64_t id = eng->ops->push(eng->q, t_ns, fn, arg);
	if (!id)
		eng->halt |= EV_HALT_FAILED;
	return id;
}

uint64_t ev_after(struct ev_engine *eng, uint64_t delay_ns, exec_fn fn, void *arg)
{
	uint64_t t = eng->now + delay_ns;
	return ev_at(eng, t < eng->now ? EV_TIME_MAX : t, fn, arg);
}

int ev_cancel(struct ev_engine *eng, uint64_t id)
{
	return id ? eng->ops->cancel(eng->q, id) : 0;
}

void ev_stop(struct ev_engine *eng)
{
	eng->halt |= EV_HALT_STOP;
}

void ev_set_interrupt(struct ev_engine *eng, const volatile sig_atomic_t *flag)
{
	eng->intr = flag;
}

/* ev_run's loop with the queue's pop given: inlined with a constant pop
 * (the calendar's), the call is direct and can be inlined, and the event
 * it takes stays in registers rather than passing through the table's
 * out-parameters.  (Calling the calendar's push directly too, from the
 * executor, measured no better.) */
static inline __attribute__((always_inline)) int ev_loop(struct ev_engine *eng, uint64_t until_ns, struct err *e,
							int (*pop)(void *, uint64_t, uint64_t *, exec_fn *, void **))
{
	void *q = eng->q;
	/* The interrupt flag is read once per batch of events: its load
	 * (volatile, so never kept in a register) would cost more per event
	 * than the check is worth.  The events run are counted the same way:
	 * the batch's counter is added when the batch ends or the loop
	 * returns, not stored at every event. */
	for (;;) {
		if (eng->intr && *eng->intr)
			return EV_INTERRUPTED;
		for (unsigned k = 0; k < EV_POLL_EVENTS; k++) {
			if (eng->halt) {
				eng->events += k;
				if (eng->halt & EV_HALT_FAILED)
					return err_set(e, ERR_FAIL, "out of memory scheduling an event at %llu ns",
						       (unsigned long long)eng->now);
				eng->halt &= ~EV_HALT_STOP;
				return EV_STOPPED;
			}
			uint64_t t;
			exec_fn fn;
			void *arg;
			if (!pop(q, until_ns, &t, &fn, &arg)) {
				eng->events += k;
				if (t == UINT64_MAX)
					return EV_EMPTY;
				if (until_ns > eng->now)
					eng->now = until_ns;
				return EV_UNTIL;
			}
			eng->now = t;
			fn(arg);
		}
		eng->events += EV_POLL_EVENTS;
	}
}

/* The loop over the calendar, its pop inlined (flatten: LTO did not
 * inline it across the files on its own). */
static __attribute__((flatten)) int ev_run_calendar(struct ev_engine *eng, uint64_t until_ns, struct err *e)
{
	return ev_loop(eng, until_ns, e, evq_calendar_pop);
}

int ev_run(struct ev_engine *eng, uint64_t until_ns, struct err *e)
{
	if (eng->ops == &evq_calendar)
		return ev_run_calendar(eng, until_ns, e);
	return ev_loop(eng, until_ns, e, eng->ops->pop);
}

uint64_t ev_events_run(const struct ev_engine *eng)
{
	return eng->events;
}

uint64_t ev_next_time(const struct ev_engine *eng)
{
	return eng->ops->peek_time(eng->q);
}

size_t ev_pending(const struct ev_engine *eng)
{
	return eng->ops->size(eng->q);
}

const char *ev_queue_name(const struct ev_engine *eng)
{
	return eng->ops->name;
}

/* ---- the engine as an executor ---- */

static uint64_t x_now(void *self)
{
	return ev_now(self);
}

static uint64_t x_call_at(void *self, uint64_t t_ns, exec_fn fn, void *arg)
{
	return ev_at(self, t_ns, fn, arg);
}

static int x_cancel(void *self, uint64_t id)
{
	return ev_cancel(self, id);
}

/* ev_at over the calendar, which sets EV_HALT_FAILED itself when a push
 * fails (evq_calendar_on_fail): its push is a jump, with no register kept
 * to test the handle after it. */
static uint64_t x_call_at_calendar(void *self, uint64_t t_ns, exec_fn fn, void *arg)
{
	struct ev_engine *eng = self;
	if (t_ns < eng->now)
		t_ns = eng->now;
	if (t_ns > EV_TIME_MAX)
		t_ns = EV_TIME_MAX;
	return evq_calendar_push(eng->q, t_ns, fn, arg);
}

static const struct exec_ops ev_exec_ops = {
	.now = x_now,
	.call_at = x_call_at,
	.cancel = x_cancel,
};

static const struct exec_ops ev_exec_ops_calendar = {
	.now = x_now,
	.call_at = x_call_at_calendar,
	.cancel = x_cancel,
};

struct exec ev_executor(struct ev_engine *eng)
{
	return (struct exec){ .ops = eng->ops == &evq_calendar ? &ev_exec_ops_calendar : &ev_exec_ops,
			      .self = eng,
			      .clock = &eng->now };
}
