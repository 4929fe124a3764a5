/* Tests for models/client (the node's client threads: CPU before the
 * device, the check of a read's bytes after it, queued FIFO on the issuing
 * node's threads, at most queue_depth operations per decorated instance),
 * over `fixed` devices of 10 us per operation, no queueing and infinite
 * bandwidth, driven by the DES engine.  Expected times are worked by hand
 * in the comments, from these costs:
 *   read   s1 = cpu_read_op 1 us + 4096 B / 4.096 GB/s (1 us) = 2000 ns
 *          check = 4096 B / check_bw 1.024 GB/s                = 4000 ns
 *   write  s1 = cpu_write_op 3 us + 4096 B / fill_bw 2.048 GB/s = 5000 ns */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/client.h"
#include "models/fixed.h"
#include "models/tiered.h"
#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/hist.h"
#include "sim/metrics.h"

struct world {
	struct ev_engine *eng;
	struct exec x;
	struct client *c;
	struct backend dev, dev2, a, b;
	uint64_t done_ns[8];
	struct bk_req *who[8];
	int ndone;
};

static void note(struct bk_req *r)
{
	struct world *w = r->ctx;
	assert_int_equal(r->status, BK_OK);
	w->who[w->ndone] = r;
	w->done_ns[w->ndone++] = ev_now(w->eng);
}

/* `nodes` nodes of client p (one thread, the content rates below); tier
 * a with costs ka, tier b with kb, each over a `fixed` device. */
static void world_init_with(struct world *w, size_t nodes, unsigned reap_batch, const struct client_cost *ka,
			    const struct client_cost *kb)
{
	memset(w, 0, sizeof *w);
	w->eng = ev_engine_new(NULL);
	assert_non_null(w->eng);
	w->x = ev_executor(w->eng);
	struct fixed_params fp = { .latency_ns = 10000, .bps = 0 };
	struct err e = { 0 };
	assert_int_equal(fixed_new(&w->dev, &w->x, &fp, &e), 0);
	assert_int_equal(fixed_new(&w->dev2, &w->x, &fp, &e), 0);
	struct client_params p = { .threads = 1, .check_bps = 1.024e9, .fill_bps = 2.048e9, .reap_batch = reap_batch };
	assert_int_equal(client_new(&w->c, &w->x, &p, nodes, &e), 0);
	assert_int_equal(client_wrap(w->c, ka, w->dev, &w->a, &e), 0);
	assert_int_equal(client_wrap(w->c, kb, w->dev2, &w->b, &e), 0);
}

/* `nodes` nodes of one thread; tiers a and b alike. */
static void world_init_loop(struct world *w, size_t nodes, uint64_t queue_depth, uint64_t read_wake_ns,
			    unsigned reap_batch)
{
	struct client_cost k = { .read_op_ns = 1000, .read_bps = 4.096e9, .write_op_ns = 3000,
				 .queue_depth = queue_depth, .read_wake_ns = read_wake_ns };
	assert_true(client_cost_any(&k));
	world_init_with(w, nodes, reap_batch, &k, &k);
}

static void world_init(struct world *w, size_t nodes, uint64_t queue_depth, uint64_t read_wake_ns)
{
	world_init_loop(w, nodes, queue_depth, read_wake_ns, 0);
}

static void world_free(struct world *w)
{
	w->a.ops->destroy(w->a.self);
	w->b.ops->destroy(w->b.self);
	w->dev.ops->destroy(w->dev.self);
	w->dev2.ops->destroy(w->dev2.self);
	client_free(w->c);
	ev_engine_free(w->eng);
}

/* One node of one thread, the client's content rates of the header; tier
 * a with costs ka, tier b with kb. */
static void world_init_costs(struct world *w, const struct client_cost *ka, const struct client_cost *kb)
{
	world_init_with(w, 1, 0, ka, kb);
}

static void submit(struct world *w, const struct backend *b, struct bk_req *r, enum bk_op op, uint32_t node)
{
	memset(r, 0, sizeof *r);
	r->op = op;
	r->object = 7;
	r->length = 4096;
	r->client = node;
	r->done = note;
	r->ctx = w;
	assert_int_equal(bk_submit(b, r), 0);
}

static void run(struct world *w)
{
	struct err e = { 0 };
	assert_true(ev_run(w->eng, UINT64_MAX, &e) >= 0);
}

/* CPU 0-2000, device 2000-12000, check 12000-16000. */
static void test_client_read_is_cpu_device_check(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, 0, 0);
	struct bk_req r;
	submit(&w, &w.a, &r, BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 1);
	assert_int_equal(w.done_ns[0], 16000);
	world_free(&w);
}

/* A run may end with operations on the thread, on the device, waiting
 * for a queue_depth slot or for the loop's submission, and with turns of
 * the loop queued: destroy and client_free free them (the sanitizer build
 * finds a leak otherwise; found by fuzzing, tests/fuzz/corpus/scenario/
 * crash-client-io-in-flight-leaks). */
static void test_client_free_releases_operations_and_turns_in_flight(void **state)
{
	(void)state;
	struct world w;
	world_init_loop(&w, 1, 1, 500, 4);
	struct bk_req r[3];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	submit(&w, &w.a, &r[1], BK_READ, 0); /* waits for the slot */
	submit(&w, &w.b, &r[2], BK_WRITE, 0);
	assert_int_equal(client_work(w.c, 0, 100000), 0);
	assert_int_equal(client_turn(w.c, 0, 1000, NULL, NULL), 0);
	struct err e = { 0 };
	assert_int_equal(ev_run(w.eng, 1500, &e), EV_UNTIL);
	assert_int_equal(w.ndone, 0);
	world_free(&w);
}

/* A tier's own content rates replace the client's: with cpu_check_bw
 * 4.096 GB/s the read's check is 4096 B / 4.096 GB/s = 1000 ns (CPU
 * 0-2000, device 2000-12000, check 12000-13000); with cpu_fill_bw
 * 4.096 GB/s the write's s1 is 3000 + 1000 = 4000 ns (device 4000-14000).
 * Tier b, without them, keeps the client's: its read ends at 16000 and its
 * write's s1 is 5000.  Both on node 0's one thread, in this order: a's
 * read CPU 0-2000, b's read CPU 2000-4000, a's write CPU 4000-8000, b's
 * write CPU 8000-13000; devices a-read 2000-12000, b-read 4000-14000,
 * a-write 8000-18000, b-write 13000-23000; checks a 13000-14000 (the
 * thread is busy until 13000), b 14000-18000.  So a's read is done at
 * 14000, b's read and a's write at 18000, b's write at 23000. */
static void test_client_tier_content_rates_replace_the_clients(void **state)
{
	(void)state;
	struct client_cost ka = { .read_op_ns = 1000, .read_bps = 4.096e9, .write_op_ns = 3000,
				  .check_bps = 4.096e9, .fill_bps = 4.096e9 };
	struct client_cost kb = { .read_op_ns = 1000, .read_bps = 4.096e9, .write_op_ns = 3000 };
	struct world w;
	world_init_costs(&w, &ka, &kb);
	struct bk_req ar, br, aw, bw;
	submit(&w, &w.a, &ar, BK_READ, 0);
	submit(&w, &w.b, &br, BK_READ, 0);
	submit(&w, &w.a, &aw, BK_WRITE, 0);
	submit(&w, &w.b, &bw, BK_WRITE, 0);
	run(&w);
	assert_int_equal(w.ndone, 4);
	const struct bk_req *order[4] = { &ar, &br, &aw, &bw };
	const uint64_t want[4] = { 14000, 18000, 18000, 23000 };
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			if (w.who[j] == order[i])
				assert_int_equal(w.done_ns[j], want[i]);
	world_free(&w);
}

/* The content work's cost per call (cpu_check_op 500 ns, cpu_fill_op
 * 700 ns) comes on top of its cost per byte: the read's check is 500 +
 * 4000 = 4500 ns, the write's s1 3000 + 700 + 2000 = 5700 ns.  One thread:
 * read CPU 0-2000, write CPU 2000-7700; devices 2000-12000 and
 * 7700-17700; the read's check 12000-16500.  So the read is done at
 * 16500, the write at 17700.  And the keys parse, as times. */
static void test_client_content_costs_per_call(void **state)
{
	(void)state;
	struct err e = { 0 };
	struct cfg_doc *d = NULL;
	assert_int_equal(cfg_load_string(&d, "t.ini",
					 "[tier a]\ncpu_read_op = 1us\ncpu_read_bw = 4.096GB/s\ncpu_write_op = 3us\n"
					 "cpu_check_op = 0.5us\ncpu_fill_op = 700ns\n",
					 &e),
			 0);
	struct client_cost k;
	assert_int_equal(client_cost_from_cfg(d, cfg_find(d, "tier", "a"), &k, &e), 0);
	cfg_free(d);
	assert_int_equal(k.check_op_ns, 500);
	assert_int_equal(k.fill_op_ns, 700);
	struct world w;
	world_init_costs(&w, &k, &k);
	struct bk_req rd, wr;
	submit(&w, &w.a, &rd, BK_READ, 0);
	submit(&w, &w.a, &wr, BK_WRITE, 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_ptr_equal(w.who[0], &rd);
	assert_int_equal(w.done_ns[0], 16500);
	assert_ptr_equal(w.who[1], &wr);
	assert_int_equal(w.done_ns[1], 17700);
	world_free(&w);
}

/* One thread, two reads at 0: r1 CPU 0-2000, r2 CPU 2000-4000; devices
 * 2000-12000 and 4000-14000; r1's check 12000-16000, r2's waits for it:
 * 16000-20000.  The thread was busy 2000+2000+4000+4000 = 12000 of 20000 ns. */
struct at {
	struct ev_engine *eng;
	uint64_t ns;
	int calls;
};

static void at_note(void *arg)
{
	struct at *a = arg;
	a->ns = ev_now(a->eng);
	a->calls++;
}

/* A request an object store makes for an operation (a fill, or a
 * commit: client_extra) costs the thread cpu_write_op + bytes /
 * cpu_write_bw + cpu_write_wake / n.  Costs: write op 3000 ns, wake 500
 * ns, write_bw 2.048 GB/s (4096 B: 2000 ns).  A fill of 4096 B alone:
 * 3000 + 2000 + 500 = 5500.  Behind two 4 KiB writes submitted at 0 (s1
 * = op 3000 + generation 2000 + kernel 2000 + wake 500 / n: 7500 with
 * n = 1, 7250 with n = 2, so the thread is busy to 14750), a commit (0
 * bytes) with both in flight: 3000 + 500 / 2 = 3250, done at 18000. */
static void test_client_extra_request_costs_op_bytes_and_wake(void **state)
{
	(void)state;
	struct client_cost k = { .write_op_ns = 3000, .write_wake_ns = 500, .write_bps = 2.048e9 };
	struct world w;
	world_init_costs(&w, &k, &k);
	struct at a = { .eng = w.eng };
	assert_int_equal(client_extra(w.c, &k, 0, 4096, at_note, &a), 0);
	run(&w);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.ns, 5500);
	world_free(&w);

	world_init_costs(&w, &k, &k);
	a = (struct at){ .eng = w.eng };
	struct bk_req r[2];
	submit(&w, &w.a, &r[0], BK_WRITE, 0);
	submit(&w, &w.a, &r[1], BK_WRITE, 0);
	assert_int_equal(client_extra(w.c, &k, 0, 0, at_note, &a), 0);
	run(&w);
	assert_int_equal(a.ns, 18000);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 17500); /* its device 7500-17500 */
	world_free(&w);
}

static void test_client_one_thread_serves_in_order(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, 0, 0);
	struct bk_req r[2];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	submit(&w, &w.a, &r[1], BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 16000);
	assert_int_equal(w.done_ns[1], 20000);
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(client_export(w.c, m, 20000), 0);
	const struct met_scalar *busy = met_find(m, "client.cpu.busy");
	assert_non_null(busy);
	assert_true(busy->value > 0.6 - 1e-12 && busy->value < 0.6 + 1e-12);
	/* And the busy time itself: 12000 ns. */
	const struct met_scalar *secs = met_find(m, "client.cpu.seconds");
	assert_non_null(secs);
	assert_float_equal(secs->value, 12e-6, 1e-15);
	assert_int_equal(w.a.ops->export(w.a.self, "backend.a", m, 20000), 0);
	struct hist *h = met_hist(m, "backend.a.read.latency", "ns");
	assert_int_equal(hist_count(h), 2);
	assert_int_equal(hist_max(h), 20000);
	met_free(m);
	world_free(&w);
}

/* Reads on tier a from nodes 0 and 1 at 0, over a client built for
 * `nodes` nodes: done at want0 and want1. */
static void reads_from_two_nodes(size_t nodes, uint64_t want0, uint64_t want1)
{
	struct world w;
	world_init(&w, nodes, 0, 0);
	struct bk_req r[2];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	submit(&w, &w.a, &r[1], BK_READ, 1);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], want0);
	assert_int_equal(w.done_ns[1], want1);
	world_free(&w);
}

/* Each node has its own thread: a read from node 0 and one from node 1
 * at 0 both finish at 16000. */
static void test_client_nodes_do_not_share_threads(void **state)
{
	(void)state;
	reads_from_two_nodes(2, 16000, 16000);
}

/* `shared = yes` builds the client for one node (models/tiered.c), and
 * every node's operations then run on its thread, as tierref's one loop
 * runs every node.  Node 0: CPU 0-2000, device 2000-12000, check
 * 12000-16000.  Node 1: CPU 2000-4000, device 4000-14000, check
 * 16000-20000 (after node 0's). */
static void test_client_one_shared_client_serves_every_node(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct client_params p;
	struct err e = { 0 };
	assert_int_equal(cfg_load_string(&d, "s.ini", "[client]\nshared = yes\n", &e), 0);
	assert_int_equal(client_from_cfg(d, &p, &e), 1);
	assert_true(p.shared);
	cfg_free(d);
	reads_from_two_nodes(1, 16000, 20000);
}

/* Two tiers of one node share its thread: a read on a and a write on b
 * at 0.  Read CPU 0-2000, write CPU 2000-7000 (op and fill); read device
 * 2000-12000, check 12000-16000; write device 7000-17000. */
static void test_client_tiers_of_a_node_share_its_thread(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, 0, 0);
	struct bk_req r[2];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	submit(&w, &w.b, &r[1], BK_WRITE, 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 16000);
	assert_int_equal(w.done_ns[1], 17000);
	world_free(&w);
}

/* queue_depth 1, reads r0 and r1 on a and r2 on b at 0.  r0: CPU 0-2000,
 * device 2000-12000, check 12000-16000.  b's slot is its own, so r2
 * starts at once: CPU 2000-4000 (after r0's), device 4000-14000, check
 * queued at 14000 behind r0's: 16000-20000.  r1 waits for r0's slot,
 * gets it at 16000 and queues behind r2's check: CPU 20000-22000, device
 * 22000-32000, check 32000-36000. */
static void test_client_queue_depth_holds_the_rest_in_order(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, 1, 0);
	struct bk_req r[3];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	submit(&w, &w.a, &r[1], BK_READ, 0);
	submit(&w, &w.b, &r[2], BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 3);
	assert_ptr_equal(w.who[0], &r[0]);
	assert_int_equal(w.done_ns[0], 16000);
	assert_ptr_equal(w.who[1], &r[2]);
	assert_int_equal(w.done_ns[1], 20000);
	assert_ptr_equal(w.who[2], &r[1]);
	assert_int_equal(w.done_ns[2], 36000);
	world_free(&w);
}

/* A wake of 4000 ns per batch, shared by the node's operations in
 * flight: the first read alone pays it all (CPU 2000 + 4000 = 0-6000),
 * the second, with two in flight, half (2000 + 2000 = 6000-10000).
 * Devices 6000-16000 and 10000-20000, checks 16000-20000 and
 * 20000-24000.  A third read, submitted when both are done, is alone
 * again: CPU 24000-30000, device to 40000, check to 44000. */
static void test_client_wake_is_shared_by_operations_in_flight(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1, 0, 4000);
	struct bk_req r[3];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	submit(&w, &w.a, &r[1], BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 20000);
	assert_int_equal(w.done_ns[1], 24000);
	submit(&w, &w.a, &r[2], BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 3);
	assert_int_equal(w.done_ns[2], 44000);
	world_free(&w);
}

/* reap_batch 8: the loop submits when its thread has nothing left to do,
 * and the kernel's per-byte work (here the read's 4096 B / 4.096 GB/s =
 * 1000 ns) is done then, on the thread.  Two reads at 0: r0's op 0-1000;
 * r1's op 1000-2000, so r0 waits (the thread is busy); at 2000 the thread
 * is idle: the kernel takes r0 2000-3000 and r1 3000-4000; devices
 * 3000-13000 and 4000-14000; checks 13000-17000 and 17000-21000.  (Without
 * the loop, test_client_one_thread_serves_in_order: 16000 and 20000.) */
static void test_client_loop_submits_when_the_thread_is_idle(void **state)
{
	(void)state;
	struct world w;
	world_init_loop(&w, 1, 0, 0, 8);
	struct bk_req r[2];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	submit(&w, &w.a, &r[1], BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 17000);
	assert_int_equal(w.done_ns[1], 21000);
	world_free(&w);
}

/* The loop also submits after every reap_batch completions it handles,
 * busy or not.  Write y (4 KiB on b: op 3000 + fill 2000 = 5000 ns) at 0:
 * CPU 0-5000, submitted at once (idle), device 5000-15000.  At 6000 write
 * x (the same) and write big (1 MiB: 3000 + 512000 = 515000 ns): x's CPU
 * 6000-11000, then big's 11000-526000, so x waits.  y completes at 15000:
 *   reap_batch 1: that completion submits x: device 15000-25000; big's at
 *                 526000, device to 536000.
 *   reap_batch 8: x waits for the thread to be idle, at 526000, and is
 *                 submitted with big: both done at 536000, x first. */
static void test_client_loop_submits_after_reap_batch_completions(void **state)
{
	(void)state;
	for (unsigned reap = 1; reap <= 8; reap += 7) {
		struct world w;
		world_init_loop(&w, 1, 0, 0, reap);
		struct bk_req y, x, big;
		submit(&w, &w.b, &y, BK_WRITE, 0);
		struct err e = { 0 };
		assert_true(ev_run(w.eng, 6000, &e) >= 0);
		submit(&w, &w.b, &x, BK_WRITE, 0);
		memset(&big, 0, sizeof big);
		big = (struct bk_req){ .op = BK_WRITE, .object = 8, .length = 1u << 20, .done = note, .ctx = &w };
		assert_int_equal(bk_submit(&w.b, &big), 0);
		run(&w);
		assert_int_equal(w.ndone, 3);
		assert_ptr_equal(w.who[0], &y);
		assert_int_equal(w.done_ns[0], 15000);
		assert_ptr_equal(w.who[1], &x);
		assert_int_equal(w.done_ns[1], reap == 1 ? 25000 : 536000);
		assert_ptr_equal(w.who[2], &big);
		assert_int_equal(w.done_ns[2], 536000);
		world_free(&w);
	}
}

/* The work a completion's callback starts runs before the next callback:
 * reap_batch 8, reads r0 and r1 on a at 0, and r0's callback writes w on
 * b.  r0's op 0-1000, r1's 1000-2000; submitted at 2000: kernel 2000-3000
 * and 3000-4000; devices 3000-13000 and 4000-14000; r0's check
 * 13000-17000, r1's waits from 14000.  At 17000 r0's callback starts w,
 * whose CPU (5000 ns) goes before r1's check: 17000-22000; r1's check
 * 22000-26000; w is submitted when the thread is idle, at 26000, device
 * to 36000.  (In plain FIFO order r1 would be done at 21000.) */
struct chain {
	struct world *w;
	struct bk_req wr;
};

static void start_write(struct bk_req *r)
{
	struct chain *ch = r->ctx;
	struct world *w = ch->w;
	w->who[w->ndone] = r;
	w->done_ns[w->ndone++] = ev_now(w->eng);
	submit(w, &w->b, &ch->wr, BK_WRITE, 0);
}

static void test_client_loop_runs_a_callbacks_work_before_the_next(void **state)
{
	(void)state;
	struct world w;
	world_init_loop(&w, 1, 0, 0, 8);
	struct chain ch = { .w = &w };
	struct bk_req r[2];
	submit(&w, &w.a, &r[0], BK_READ, 0);
	r[0].ctx = &ch;
	r[0].done = start_write;
	submit(&w, &w.a, &r[1], BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 3);
	assert_ptr_equal(w.who[0], &r[0]);
	assert_int_equal(w.done_ns[0], 17000);
	assert_ptr_equal(w.who[1], &r[1]);
	assert_int_equal(w.done_ns[1], 26000);
	assert_ptr_equal(w.who[2], &ch.wr);
	assert_int_equal(w.done_ns[2], 36000);
	world_free(&w);
}

/* A turn of the loop (client_turn): fn runs once the thread has done what
 * is queued, and the wake-up costs wake / n of its CPU, n the node's
 * operations in flight and the turn.  Wake 4000 ns: alone, fn runs at
 * 4000; with a read in flight (its op 0-1000, held, then the kernel
 * 1000-2000 once the thread is idle), a turn asked for at 0 queues behind
 * the op and costs 4000 / 2: 1000-3000, and the read's kernel work waits
 * for it, 3000-4000. */
static void turn_noted(void *arg)
{
	struct world *w = arg;
	w->done_ns[w->ndone++] = ev_now(w->eng);
}

static void test_client_turn_costs_a_shared_wake(void **state)
{
	(void)state;
	struct world w;
	world_init_loop(&w, 1, 0, 0, 8);
	assert_int_equal(client_turn(w.c, 0, 4000, turn_noted, &w), 0);
	run(&w);
	assert_int_equal(w.ndone, 1);
	assert_int_equal(w.done_ns[0], 4000);
	struct bk_req r;
	w.ndone = 0;
	uint64_t t0 = ev_now(w.eng);
	submit(&w, &w.a, &r, BK_READ, 0);
	assert_int_equal(client_turn(w.c, 0, 4000, turn_noted, &w), 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0] - t0, 3000);
	/* the read: kernel 3000-4000, device to 14000, check to 18000 */
	assert_int_equal(w.done_ns[1] - t0, 18000);
	world_free(&w);
}

/* Work with nothing to call back (client_work, a close's or an open's
 * system calls) takes the thread in its line: 2500 ns put there at 0, then
 * a read: its op 2500-3500, the kernel 3500-4500, the device to 14500,
 * the check to 18500 (16000 without the work). */
static void test_client_work_takes_the_thread_in_its_line(void **state)
{
	(void)state;
	struct world w;
	world_init_loop(&w, 1, 0, 0, 8);
	assert_int_equal(client_work(w.c, 0, 2500), 0);
	struct bk_req r;
	submit(&w, &w.a, &r, BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 1);
	assert_int_equal(w.done_ns[0], 18500);
	world_free(&w);
}

/* A system call held for the loop's next submission (client_hold): with
 * the thread idle it goes at once (0); with a read's op on the thread
 * (0-1000) it goes at the submission when the thread is done, at 1000,
 * with the read (kernel 1000-2000, device to 12000, check to 16000). */
static void test_client_hold_waits_for_the_loops_submission(void **state)
{
	(void)state;
	struct world w;
	world_init_loop(&w, 1, 0, 0, 8);
	assert_int_equal(client_hold(w.c, 0, turn_noted, &w), 0);
	assert_int_equal(w.ndone, 1);
	assert_int_equal(w.done_ns[0], 0);
	w.ndone = 0;
	struct bk_req r;
	submit(&w, &w.a, &r, BK_READ, 0);
	assert_int_equal(client_hold(w.c, 0, turn_noted, &w), 0);
	assert_int_equal(w.ndone, 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 1000);
	assert_int_equal(w.done_ns[1], 16000);
	world_free(&w);
}

/* An operation with no CPU of its own before the loop still gets the
 * kernel's per-byte work at the submission: a tier with only cpu_read_bw
 * 4.096 GB/s, reap_batch 8, one read at 0: kernel 0-1000, device
 * 1000-11000, check 11000-15000. */
static void test_client_loop_charges_the_kernel_without_an_op_cost(void **state)
{
	(void)state;
	struct world w;
	world_init_loop(&w, 1, 0, 0, 8);
	struct client_cost k = { .read_bps = 4.096e9 };
	struct backend only_bw;
	struct err e = { 0 };
	assert_int_equal(client_wrap(w.c, &k, w.dev, &only_bw, &e), 0);
	struct bk_req r;
	submit(&w, &only_bw, &r, BK_READ, 0);
	run(&w);
	assert_int_equal(w.ndone, 1);
	assert_int_equal(w.done_ns[0], 15000);
	only_bw.ops->destroy(only_bw.self);
	world_free(&w);
}

/* No [client]: 0; a bad value names the file, line and key. */
static void test_client_cfg_absent_and_bad_values_named(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	struct client_params p;
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\nmodel = nvme\n", &e), 0);
	assert_int_equal(client_from_cfg(d, &p, &e), 0);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[client]\ncheck_bw = 10GB/s\n", &e), 0);
	assert_int_equal(client_from_cfg(d, &p, &e), 1);
	assert_int_equal(p.threads, 1);
	assert_int_equal(p.reap_batch, 0);
	assert_true(p.check_bps == 10e9);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[client]\nreap_batch = 8\n", &e), 0);
	assert_int_equal(client_from_cfg(d, &p, &e), 1);
	assert_int_equal(p.reap_batch, 8);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[client]\nthreads = 1\nreap_batch = 5000\n", &e), 0);
	assert_int_equal(client_from_cfg(d, &p, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:3"));
	assert_non_null(strstr(e.msg, "reap_batch"));
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[client]\n\nthreads = 0\n", &e), 0);
	assert_int_equal(client_from_cfg(d, &p, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:3"));
	assert_non_null(strstr(e.msg, "threads"));
	cfg_free(d);
	struct client_cost k;
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\ncpu_read_bw = 5 parrots\n", &e), 0);
	assert_int_equal(client_cost_from_cfg(d, cfg_find(d, "tier", "hot"), &k, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2"));
	assert_non_null(strstr(e.msg, "cpu_read_bw"));
	cfg_free(d);
}

/* A tier's cpu_* keys without a [client] would cost nothing: refused,
 * naming the tier and what to add. */
static void test_client_cpu_keys_need_a_client_section(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load_string(&d, "t.ini",
					 "[tier hot]\nmodel = fixed\nlatency = 10us\ncpu_read_op = 2us\n", &e),
			 0);
	struct ev_engine *eng = ev_engine_new(NULL);
	struct exec x = ev_executor(eng);
	struct tiered *T = NULL;
	assert_int_equal(tiered_build(&T, d, &x, 1, &e), -1);
	assert_non_null(strstr(e.msg, "[tier hot]"));
	assert_non_null(strstr(e.msg, "[client]"));
	cfg_free(d);
	/* The file-system client's loop keys too (models/fsclient.h). */
	assert_int_equal(cfg_load_string(&d, "t.ini",
					 "[tier hot]\nmodel = fixed\nlatency = 10us\ncpu_close = 2us\n", &e),
			 0);
	assert_int_equal(tiered_build(&T, d, &x, 1, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:1: [tier hot]"));
	assert_non_null(strstr(e.msg, "cpu_close"));
	assert_non_null(strstr(e.msg, "[client]"));
	cfg_free(d);
	ev_engine_free(eng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_read_is_cpu_device_check),
		cmocka_unit_test(test_client_free_releases_operations_and_turns_in_flight),
		cmocka_unit_test(test_client_tier_content_rates_replace_the_clients),
		cmocka_unit_test(test_client_extra_request_costs_op_bytes_and_wake),
		cmocka_unit_test(test_client_one_thread_serves_in_order),
		cmocka_unit_test(test_client_nodes_do_not_share_threads),
		cmocka_unit_test(test_client_one_shared_client_serves_every_node),
		cmocka_unit_test(test_client_tiers_of_a_node_share_its_thread),
		cmocka_unit_test(test_client_queue_depth_holds_the_rest_in_order),
		cmocka_unit_test(test_client_wake_is_shared_by_operations_in_flight),
		cmocka_unit_test(test_client_loop_submits_when_the_thread_is_idle),
		cmocka_unit_test(test_client_loop_submits_after_reap_batch_completions),
		cmocka_unit_test(test_client_loop_charges_the_kernel_without_an_op_cost),
		cmocka_unit_test(test_client_loop_runs_a_callbacks_work_before_the_next),
		cmocka_unit_test(test_client_turn_costs_a_shared_wake),
		cmocka_unit_test(test_client_work_takes_the_thread_in_its_line),
		cmocka_unit_test(test_client_hold_waits_for_the_loops_submission),
		cmocka_unit_test(test_client_cfg_absent_and_bad_values_named),
		cmocka_unit_test(test_client_content_costs_per_call),
		cmocka_unit_test(test_client_cpu_keys_need_a_client_section),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
