/* Tests for the DES engine (sim/engine.c) and the heap's renumbering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/child.h"

#include "sim/engine.h"

/* A log of which callback ran at what time. */
struct log {
	struct ev_engine *eng;
	int ids[64];
	uint64_t at[64];
	int n;
};

struct tag {
	struct log *log;
	int id;
};

static void record(void *arg)
{
	struct tag *t = arg;
	t->log->ids[t->log->n] = t->id;
	t->log->at[t->log->n] = ev_now(t->log->eng);
	t->log->n++;
}

static void test_events_run_in_time_order(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag tags[4] = { { &log, 0 }, { &log, 1 }, { &log, 2 }, { &log, 3 } };
	ev_at(log.eng, 30, record, &tags[0]);
	ev_at(log.eng, 10, record, &tags[1]);
	ev_at(log.eng, 20, record, &tags[2]);
	ev_at(log.eng, 5, record, &tags[3]);
	assert_int_equal(ev_run(log.eng, UINT64_MAX, NULL), EV_EMPTY);
	int want[] = { 3, 1, 2, 0 };
	uint64_t when[] = { 5, 10, 20, 30 };
	assert_int_equal(log.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(log.ids[i], want[i]);
		assert_int_equal(log.at[i], when[i]);
	}
	assert_int_equal(ev_events_run(log.eng), 4);
	ev_engine_free(log.eng);
}

static void test_equal_times_run_in_scheduling_order(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag tags[40];
	for (int i = 0; i < 40; i++) {
		tags[i] = (struct tag){ &log, i };
		/* interleave two times so the heap has to reorder */
		ev_at(log.eng, (i % 2) ? 100 : 50, record, &tags[i]);
	}
	ev_run(log.eng, UINT64_MAX, NULL);
	assert_int_equal(log.n, 40);
	for (int i = 0; i < 20; i++)
		assert_int_equal(log.ids[i], 2 * i);      /* the t=50 ones, in order */
	for (int i = 0; i < 20; i++)
		assert_int_equal(log.ids[20 + i], 2 * i + 1);
	ev_engine_free(log.eng);
}

static void test_cancel_removes_pending_event_once(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag a = { &log, 1 }, b = { &log, 2 };
	uint64_t ia = ev_at(log.eng, 10, record, &a);
	ev_at(log.eng, 20, record, &b);
	assert_int_equal(ev_cancel(log.eng, ia), 1);
	assert_int_equal(ev_cancel(log.eng, ia), 0);
	assert_int_equal(ev_cancel(log.eng, 0), 0);
	ev_run(log.eng, UINT64_MAX, NULL);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.ids[0], 2);
	ev_engine_free(log.eng);
}

static void test_stale_id_does_not_cancel_reused_slot(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag a = { &log, 1 }, b = { &log, 2 };
	uint64_t ia = ev_at(log.eng, 10, record, &a);
	ev_run(log.eng, UINT64_MAX, NULL);          /* a runs; its record is freed */
	uint64_t ib = ev_at(log.eng, 20, record, &b); /* reuses the record */
	assert_int_not_equal(ia, ib);
	assert_int_equal(ev_cancel(log.eng, ia), 0);
	ev_run(log.eng, UINT64_MAX, NULL);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ids[1], 2);
	ev_engine_free(log.eng);
}

static void test_run_until_stops_at_limit_and_sets_clock(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag a = { &log, 1 }, b = { &log, 2 };
	ev_at(log.eng, 10, record, &a);
	ev_at(log.eng, 30, record, &b);
	assert_int_equal(ev_run(log.eng, 20, NULL), EV_UNTIL);
	assert_int_equal(log.n, 1);
	assert_int_equal(ev_now(log.eng), 20);
	assert_int_equal(ev_pending(log.eng), 1);
	/* an event exactly at the limit runs; then nothing is left */
	assert_int_equal(ev_run(log.eng, 30, NULL), EV_EMPTY);
	assert_int_equal(log.n, 2);
	assert_int_equal(ev_now(log.eng), 30);
	ev_engine_free(log.eng);
}

static void stopper(void *arg)
{
	ev_stop(arg);
}

static void test_stop_from_callback_returns_stopped(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag a = { &log, 1 };
	ev_at(log.eng, 10, stopper, log.eng);
	ev_at(log.eng, 20, record, &a);
	assert_int_equal(ev_run(log.eng, UINT64_MAX, NULL), EV_STOPPED);
	assert_int_equal(ev_now(log.eng), 10);
	assert_int_equal(log.n, 0);
	assert_int_equal(ev_run(log.eng, UINT64_MAX, NULL), EV_EMPTY); /* resumes */
	assert_int_equal(log.n, 1);
	ev_engine_free(log.eng);
}

static void test_past_times_are_clamped_to_now(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag a = { &log, 1 };
	ev_at(log.eng, 100, stopper, log.eng);
	ev_run(log.eng, UINT64_MAX, NULL);
	ev_at(log.eng, 5, record, &a);
	ev_run(log.eng, UINT64_MAX, NULL);
	assert_int_equal(log.at[0], 100);
	ev_engine_free(log.eng);
}

static void test_after_saturates_instead_of_wrapping(void **state)
{
	(void)state;
	struct log log = { .eng = ev_engine_new(NULL) };
	struct tag a = { &log, 1 }, b = { &log, 2 };
	ev_at(log.eng, 1000, stopper, log.eng);
	ev_run(log.eng, UINT64_MAX, NULL);
	ev_after(log.eng, UINT64_MAX - 10, record, &a); /* would wrap */
	ev_after(log.eng, 1, record, &b);
	ev_run(log.eng, UINT64_MAX, NULL);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ids[0], 2);
	assert_true(log.at[1] > 1000);
	ev_engine_free(log.eng);
}

struct chain {
	struct ev_engine *eng;
	int left;
};

static void step(void *arg)
{
	struct chain *c = arg;
	if (--c->left > 0)
		ev_after(c->eng, 7, step, c);
}

static void test_executor_contract_drives_engine(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct chain c = { eng, 10 };
	uint64_t id = exec_after(&x, 3, step, &c);
	assert_int_not_equal(id, 0);
	assert_int_equal(exec_now(&x), 0);
	ev_run(eng, UINT64_MAX, NULL);
	assert_int_equal(c.left, 0);
	assert_int_equal(exec_now(&x), 3 + 9 * 7);
	uint64_t id2 = exec_at(&x, 500, step, &c);
	assert_int_equal(exec_cancel(&x, id2), 1);
	ev_engine_free(eng);
}

/* A pending-event set whose push always fails: the engine must report the
 * failure from ev_run instead of losing the event silently. */
static void *nil_create(void) { static int token; return &token; }
static void nil_destroy(void *q) { (void)q; }
static uint64_t nil_push(void *q, uint64_t t, exec_fn fn, void *arg)
{
	(void)q; (void)t; (void)fn; (void)arg;
	return 0;
}
static int nil_pop(void *q, uint64_t until, uint64_t *t, exec_fn *fn, void **arg)
{
	(void)q; (void)until; (void)fn; (void)arg;
	*t = UINT64_MAX;
	return 0;
}
static uint64_t nil_peek(void *q) { (void)q; return UINT64_MAX; }
static int nil_cancel(void *q, uint64_t h) { (void)q; (void)h; return 0; }
static size_t nil_size(const void *q) { (void)q; return 0; }

static const struct evq_ops failing_queue = {
	.name = "failing", .create = nil_create, .destroy = nil_destroy, .push = nil_push,
	.pop = nil_pop, .peek_time = nil_peek, .cancel = nil_cancel, .size = nil_size,
	.mem_bytes = nil_size,
};

static void test_out_of_memory_is_sticky_and_reported(void **state)
{
	(void)state;
	struct ev_engine *eng = ev_engine_new(&failing_queue);
	struct err e = { 0 };
	assert_int_equal(ev_at(eng, 10, stopper, eng), 0);
	assert_int_equal(ev_run(eng, UINT64_MAX, &e), -1);
	assert_int_equal(e.code, ERR_FAIL);
	assert_non_null(strstr(e.msg, "out of memory"));
	ev_engine_free(eng);
}

/* The same through the executor over the calendar, whose push reports its
 * out of memory to the engine itself (evq_calendar_on_fail): a callback
 * that pushes until a push fails ends the run at once, with the error,
 * before the event due with it runs.  In a child under an address-space
 * limit with the heap used up; not under AddressSanitizer, whose shadow
 * memory needs an unlimited address space. */
#if defined(__SANITIZE_ADDRESS__)
#define ENGINE_NO_RLIMIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ENGINE_NO_RLIMIT 1
#endif
#endif

#ifndef ENGINE_NO_RLIMIT
struct flood {
	struct exec x;
	int failed_push; /* a push returned 0 */
	int after_ran;   /* the event due with the flood ran */
};

static void flood_noop(void *arg)
{
	(void)arg;
}

static void flood_after(void *arg)
{
	((struct flood *)arg)->after_ran = 1;
}

static void flood_push(void *arg)
{
	struct flood *f = arg;
	for (uint64_t k = 0; k < ((uint64_t)1 << 32); k++)
		if (!exec_at(&f->x, 1000000 + k, flood_noop, NULL)) {
			f->failed_push = 1;
			return;
		}
}

/* The child's checks: its exit status is the number of the first one to
 * fail, 0 when all hold. */
static int flood_child(void)
{
	struct ev_engine *eng = ev_engine_new(&evq_calendar);
	if (!eng)
		return 1;
	struct flood f = { .x = ev_executor(eng) };
	if (!exec_at(&f.x, 10, flood_push, &f) || !exec_at(&f.x, 10, flood_after, &f))
		return 2;
	long pages = 0;
	FILE *fp = fopen("/proc/self/statm", "r");
	if (!fp || fscanf(fp, "%ld", &pages) != 1)
		return 3;
	fclose(fp);
	struct rlimit rl = { .rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (64 << 20),
			     .rlim_max = RLIM_INFINITY };
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return 4;
	struct err e = { 0 };
	if (ev_run(eng, UINT64_MAX, &e) != -1 || e.code != ERR_FAIL || !strstr(e.msg, "out of memory"))
		return 5;
	if (!f.failed_push)
		return 6;
	if (f.after_ran)
		return 7;
	return 0;
}
#endif

static void test_out_of_memory_through_the_executor_stops_the_run_at_once(void **state)
{
	(void)state;
#ifdef ENGINE_NO_RLIMIT
	skip();
#else
	assert_int_equal(test_in_child(flood_child), 0);
#endif
}

struct refev {
	uint64_t t;
	long seq;
	int tag;
};

static void test_heap_renumbering_keeps_fifo_among_equal_times(void **state)
{
	(void)state;
	void *q = evq_heap.create();
	evq_heap_set_seq_limit(q, 16); /* renumber every few pushes */
	/* 200 events over 3 distinct times, pushed in an interleaved order;
	 * pops must come out by time and, within a time, in push order. */
	static int tags[200];
	for (int i = 0; i < 200; i++) {
		tags[i] = i;
		evq_heap.push(q, (uint64_t)(i % 3) * 10, NULL, &tags[i]);
		if (i % 7 == 6) { /* pop now and then, as a running model would */
			uint64_t t; exec_fn fn; void *arg;
			evq_heap.pop(q, UINT64_MAX, &t, &fn, &arg);
			evq_heap.push(q, t, NULL, arg); /* same time again: goes last */
		}
	}
	uint64_t last_t = 0;
	int seen = 0;
	/* Reference: replay the same operations on a list ordered by (time,
	 * push counter), with an unbounded counter. */
	struct refev ref[400];
	int nref = 0;
	long ctr = 0;
	for (int i = 0; i < 200; i++) {
		ref[nref++] = (struct refev){ (uint64_t)(i % 3) * 10, ctr++, i };
		if (i % 7 == 6) {
			int m = 0;
			for (int k = 1; k < nref; k++)
				if (ref[k].t < ref[m].t || (ref[k].t == ref[m].t && ref[k].seq < ref[m].seq))
					m = k;
			struct refev top = ref[m];
			ref[m] = ref[--nref];
			ref[nref++] = (struct refev){ top.t, ctr++, top.tag };
		}
	}
	while (nref > 0) {
		int m = 0;
		for (int k = 1; k < nref; k++)
			if (ref[k].t < ref[m].t || (ref[k].t == ref[m].t && ref[k].seq < ref[m].seq))
				m = k;
		uint64_t t; exec_fn fn; void *arg;
		assert_int_equal(evq_heap.pop(q, UINT64_MAX, &t, &fn, &arg), 1);
		assert_int_equal(t, ref[m].t);
		assert_int_equal(*(int *)arg, ref[m].tag);
		assert_true(t >= last_t);
		last_t = t;
		ref[m] = ref[--nref];
		seen++;
	}
	assert_int_equal(seen, 200);
	assert_int_equal(evq_heap.size(q), 0);
	evq_heap.destroy(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_run_in_time_order),
		cmocka_unit_test(test_equal_times_run_in_scheduling_order),
		cmocka_unit_test(test_cancel_removes_pending_event_once),
		cmocka_unit_test(test_stale_id_does_not_cancel_reused_slot),
		cmocka_unit_test(test_run_until_stops_at_limit_and_sets_clock),
		cmocka_unit_test(test_stop_from_callback_returns_stopped),
		cmocka_unit_test(test_past_times_are_clamped_to_now),
		cmocka_unit_test(test_after_saturates_instead_of_wrapping),
		cmocka_unit_test(test_executor_contract_drives_engine),
		cmocka_unit_test(test_out_of_memory_is_sticky_and_reported),
		cmocka_unit_test(test_out_of_memory_through_the_executor_stops_the_run_at_once),
		cmocka_unit_test(test_heap_renumbering_keeps_fifo_among_equal_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
