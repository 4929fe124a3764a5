/*
 * evq — the pending-event set behind the engine, as an ops table.
 *
 * A pending event is (time, sequence, fn, arg).  Events are ordered by time,
 * then by sequence number, which the queue assigns in push order: so events
 * at equal times pop in the order they were pushed (FIFO), which is what
 * makes runs deterministic.
 *
 * Two implementations, chosen by measurement (`make bench`, bench/hold.c):
 *   evq_heap      4-ary min-heap with inline keys   (evq_heap.c)
 *   evq_calendar  calendar queue, Brown 1988        (evq_calendar.c)
 *
 * Handles: push returns a non-zero 64-bit handle; cancel(handle) removes the
 * event if still pending and returns 1, else 0 (already popped, already
 * cancelled, or a handle that was never issued).  A stale handle never
 * cancels a later event that reuses its storage.
 */
#ifndef TIERSIM_EVQ_H
#define TIERSIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "exec.h"

struct evq_ops {
	const char *name;
	void *(*create)(void);
	void (*destroy)(void *q);
	/* 0 on out of memory. */
	uint64_t (*push)(void *q, uint64_t t_ns, exec_fn fn, void *arg);
	/* Removes the least event if its time is <= until and returns 1;
	 * else returns 0, with *t_ns the least time (UINT64_MAX when empty).
	 * One call where the engine's loop would peek, then pop. */
	int (*pop)(void *q, uint64_t until, uint64_t *t_ns, exec_fn *fn, void **arg);
	/* Time of the least event; UINT64_MAX when empty. */
	uint64_t (*peek_time)(void *q);
	int (*cancel)(void *q, uint64_t handle);
	size_t (*size)(const void *q);
	/* Bytes the queue holds allocated now, for the memory benchmark. */
	size_t (*mem_bytes)(const void *q);
};

extern const struct evq_ops evq_heap;
extern const struct evq_ops evq_calendar;

/* evq_calendar's pop, for the engine to call directly when the calendar
 * is its queue (engine.c): not through the table, and so open to
 * inlining. */
int evq_calendar_pop(void *q, uint64_t until, uint64_t *t_ns, exec_fn *fn, void **arg);
/* evq_calendar's push, for the engine's executor to jump to directly. */
uint64_t evq_calendar_push(void *q, uint64_t t_ns, exec_fn fn, void *arg);
/* Where evq_calendar reports a push's out of memory, besides its 0:
 * *flag |= bit (flag NULL: nowhere).  So the engine's executor can pass
 * the push's result straight back, without a test of it. */
void evq_calendar_on_fail(void *q, unsigned *flag, unsigned bit);

/* Test hook: make the heap renumber its 32-bit sequence numbers once the
 * counter reaches `limit` instead of 2^32 - 1 (see evq_heap.c). */
void evq_heap_set_seq_limit(void *heap_queue, uint32_t limit);

/* By name ("heap", "calendar"); NULL if unknown. */
const struct evq_ops *evq_by_name(const char *name);

#endif
