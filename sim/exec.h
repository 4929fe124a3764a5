/*
 * exec — the executor contract (DESIGN.md, "the one idea").
 *
 * Everything that must run both in simulation and for real — the data path,
 * the workload drivers, the resources' bookkeeping — asks the executor for
 * the time and for callbacks, and nothing else.  The DES engine (engine.h)
 * implements it over virtual time; refimpl's event loop will implement it
 * over the wall clock.  Code written against `struct exec` cannot tell which
 * world it runs in, and so never reads a clock or sleeps itself.
 *
 * Contract:
 *   now       current time in ns; never decreases.
 *   call_at   run fn(arg) at time t_ns (t_ns >= now; an earlier time is
 *             clamped to now).  Callbacks at equal times run in the order
 *             they were requested.  Returns a non-zero id, or 0 when the
 *             executor could not take the request (out of memory): the
 *             executor then fails its run with an error, so callers need not
 *             check every call.
 *   cancel    drop a pending callback; returns 1 if it was pending, 0 if it
 *             had already run, been cancelled, or the id is 0.
 */
#ifndef TIERSIM_EXEC_H
#define TIERSIM_EXEC_H

#include <stdint.h>

typedef void (*exec_fn)(void *arg);

struct exec_ops {
	uint64_t (*now)(void *self);
	uint64_t (*call_at)(void *self, uint64_t t_ns, exec_fn fn, void *arg);
	int (*cancel)(void *self, uint64_t id);
};

struct exec {
	const struct exec_ops *ops;
	void *self;
	/* Optional: where the executor keeps the current time, when it is a
	 * variable (the DES engine's clock), so that exec_now, the most
	 * frequent call of all, is a load; NULL: ask ops->now. */
	const uint64_t *clock;
};

static inline uint64_t exec_now(const struct exec *x)
{
	return x->clock ? *x->clock : x->ops->now(x->self);
}

static inline uint64_t exec_at(const struct exec *x, uint64_t t_ns, exec_fn fn, void *arg)
{
	return x->ops->call_at(x->self, t_ns, fn, arg);
}

static inline uint64_t exec_after(const struct exec *x, uint64_t delay_ns, exec_fn fn, void *arg)
{
	return x->ops->call_at(x->self, exec_now(x) + delay_ns, fn, arg);
}

static inline int exec_cancel(const struct exec *x, uint64_t id)
{
	return x->ops->cancel(x->self, id);
}

#endif
