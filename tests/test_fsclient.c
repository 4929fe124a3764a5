/* Tests for models/fsclient (the file-system client decorator: open and
 * create as asynchronous per-operation latencies, shared by the operations
 * on a file while it opens), over a `fixed` device of 10 us per operation,
 * no queueing and infinite bandwidth, driven by the DES engine.  Expected
 * times are worked by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/fixed.h"
#include "models/fsclient.h"
#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/hist.h"
#include "sim/metrics.h"

struct world {
	struct ev_engine *eng;
	struct exec x;
	struct backend dev, dev2, fs, fs2;
	uint64_t done_ns[8];
	int ndone;
};

static void note(struct bk_req *r)
{
	struct world *w = r->ctx;
	assert_int_equal(r->status, BK_OK);
	w->done_ns[w->ndone++] = ev_now(w->eng);
}

/* Two decorated `fixed` devices (two tiers of one node) with params p. */
static void world_init_params(struct world *w, struct fsc_params *p)
{
	memset(w, 0, sizeof *w);
	w->eng = ev_engine_new(NULL);
	assert_non_null(w->eng);
	w->x = ev_executor(w->eng);
	struct fixed_params fp = { .latency_ns = 10000, .bps = 0 };
	struct err e = { 0 };
	assert_int_equal(fixed_new(&w->dev, &w->x, &fp, &e), 0);
	assert_int_equal(fixed_new(&w->dev2, &w->x, &fp, &e), 0);
	assert_true(fsc_active(p));
	assert_int_equal(fsc_new(&w->x, p, 1, w->dev, &w->fs, &e), 0);
	assert_int_equal(fsc_new(&w->x, p, 1, w->dev2, &w->fs2, &e), 0);
	fsc_params_free(p);
}

/* open 5 us, create 100 us, `files` descriptors, `creates` at once (0:
 * any number). */
static void world_init_loop(struct world *w, uint64_t files, uint64_t creates,
			    int (*turn)(void *, size_t, int, exec_fn, void *), void *turn_ctx)
{
	struct fsc_params p;
	fsc_params_default(&p);
	dist_const(&p.open_ns, 5000);
	dist_const(&p.create_ns, 100000);
	p.open_files = files;
	p.create_parallelism = creates;
	p.turn = turn;
	p.turn_ctx = turn_ctx;
	world_init_params(w, &p);
}

/* As world_init_loop with one descriptor per tier, a loop whose thread
 * does the open's own work: cpu_open 3 us, cpu_create 20 us, cpu_close
 * 2 us. */
static void world_init_cpu(struct world *w, int (*turn)(void *, size_t, int, exec_fn, void *),
			   int (*work)(void *, size_t, uint64_t), void *ctx)
{
	struct fsc_params p;
	fsc_params_default(&p);
	dist_const(&p.open_ns, 5000);
	dist_const(&p.create_ns, 100000);
	p.open_files = 1;
	p.turn = turn;
	p.work = work;
	p.turn_ctx = ctx;
	p.open_cpu_ns = 3000;
	p.create_cpu_ns = 20000;
	p.close_cpu_ns = 2000;
	world_init_params(w, &p);
}

static void world_init_creates(struct world *w, uint64_t files, uint64_t creates)
{
	world_init_loop(w, files, creates, NULL, NULL);
}

static void world_init(struct world *w, uint64_t files)
{
	world_init_creates(w, files, 0);
}

static void world_free(struct world *w)
{
	w->fs.ops->destroy(w->fs.self);
	w->fs2.ops->destroy(w->fs2.self);
	w->dev.ops->destroy(w->dev.self);
	w->dev2.ops->destroy(w->dev2.self);
	ev_engine_free(w->eng);
}

static void submit(struct world *w, const struct backend *b, struct bk_req *r, enum bk_op op, uint64_t obj)
{
	memset(r, 0, sizeof *r);
	r->op = op;
	r->object = obj;
	r->length = 4096;
	r->done = note;
	r->ctx = w;
	assert_int_equal(bk_submit(b, r), 0);
}

static void run(struct world *w)
{
	struct err e = { 0 };
	assert_true(ev_run(w->eng, UINT64_MAX, &e) >= 0);
}

/* A first write creates the file: 100 us create + 10 us device = 110 us.
 * Then a write of the same object finds its descriptor open: 10 us. */
static void test_fsclient_first_write_pays_create_then_nothing(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 16);
	struct bk_req r;
	submit(&w, &w.fs, &r, BK_WRITE, 7);
	run(&w);
	assert_int_equal(w.done_ns[0], 110000);
	submit(&w, &w.fs, &r, BK_WRITE, 7);
	run(&w);
	assert_int_equal(w.done_ns[1], 120000);
	world_free(&w);
}

/* A run may end with operations still opening their file or on the
 * device: destroy frees them (the sanitizer build finds a leak otherwise;
 * found by fuzzing, tests/fuzz/corpus/scenario/seed-client-fsclient.ini). */
static void test_fsclient_destroy_frees_operations_in_flight(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 16);
	struct bk_req r[3];
	submit(&w, &w.fs, &r[0], BK_WRITE, 7); /* creating until 100 us */
	submit(&w, &w.fs, &r[1], BK_READ, 8);  /* opening until 5 us */
	submit(&w, &w.fs, &r[2], BK_READ, 7);  /* sharing the create */
	struct err e = { 0 };
	assert_int_equal(ev_run(w.eng, 50000, &e), EV_UNTIL);
	assert_int_equal(w.ndone, 1); /* the open's read, at 15 us */
	world_free(&w);
}

/* A read of an object never seen opens its file (5 + 10 = 15 us): it
 * exists (the bottom tier was populated), so it is not created. */
static void test_fsclient_first_read_pays_open(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 16);
	struct bk_req r;
	submit(&w, &w.fs, &r, BK_READ, 7);
	run(&w);
	assert_int_equal(w.done_ns[0], 15000);
	world_free(&w);
}

/* An event loop's turn (fsclient.h, turn): every step of an open or
 * create chain completes when the loop reaps it.  A stand-in loop whose
 * turn takes 1 us: a read of a new file opens (5 us), waits one turn
 * (1 us) and reads (10 us): done at 16 us; a write of another new file
 * creates (100 us), waits four turns (OPENAT, MKDIRAT twice, OPENAT with
 * O_CREAT: 4 us) and writes (10 us): done at 114 us; a second read of the
 * first file, at 2 us, shares its open (ready at 5 us), takes its own
 * turn and reads: done at 16 us too.  Six turns in all, every one on node
 * 3, the requests' node. */
struct fake_loop {
	struct exec *x;
	int turns, creates;
	size_t node;
};

static void submit_node3(struct world *w, const struct backend *b, struct bk_req *r, enum bk_op op, uint64_t obj)
{
	memset(r, 0, sizeof *r);
	*r = (struct bk_req){ .op = op, .object = obj, .length = 4096, .client = 3, .done = note, .ctx = w };
	assert_int_equal(bk_submit(b, r), 0);
}

static int fake_turn(void *ctx, size_t node, int create, exec_fn fn, void *arg)
{
	struct fake_loop *l = ctx;
	l->turns++;
	l->creates += create;
	l->node = node;
	return exec_after(l->x, 1000, fn, arg) ? 0 : -1;
}

static void test_fsclient_chain_steps_wait_for_the_loops_turn(void **state)
{
	(void)state;
	struct world w;
	struct fake_loop loop = { 0 };
	world_init_loop(&w, 16, 0, fake_turn, &loop);
	loop.x = &w.x;
	struct err e = { 0 };
	struct bk_req r[3];
	submit_node3(&w, &w.fs, &r[0], BK_READ, 7);
	submit_node3(&w, &w.fs2, &r[1], BK_WRITE, 8);
	assert_true(ev_run(w.eng, 2000, &e) >= 0);
	submit_node3(&w, &w.fs, &r[2], BK_READ, 7);
	run(&w);
	assert_int_equal(w.ndone, 3);
	assert_int_equal(w.done_ns[0], 16000);
	assert_int_equal(w.done_ns[1], 16000);
	assert_int_equal(w.done_ns[2], 114000);
	assert_int_equal(loop.turns, 6);
	assert_int_equal(loop.creates, 4);
	assert_int_equal(loop.node, 3);
	world_free(&w);
}

/* With the loop's submissions (p.hold), each step of a chain reaches the
 * kernel only at the loop's next submission.  A stand-in loop submits at
 * every multiple of 50 us; turns take 1 us; the chain's time is split
 * evenly over its steps.  A write of a new object at 0: its create's four
 * steps of 25 us go at 0 (reaped 26), 50 (76), 100 (126) and 150 (176),
 * then the device: done at 186 us (114 without the submissions).  A read
 * of a new file at 0: its open's one step goes at 0, is reaped at 6 and
 * reads: done at 16 us. */
struct fake_sub {
	struct exec *x;
	int holds;
};

static int fake_hold(void *ctx, size_t node, exec_fn fn, void *arg)
{
	(void)node;
	struct fake_sub *l = ctx;
	l->holds++;
	uint64_t now = exec_now(l->x), at = (now + 49999) / 50000 * 50000;
	return exec_after(l->x, at - now, fn, arg) ? 0 : -1;
}

static int fake_turn_1us(void *ctx, size_t node, int create, exec_fn fn, void *arg)
{
	(void)node, (void)create;
	struct fake_sub *l = ctx;
	return exec_after(l->x, 1000, fn, arg) ? 0 : -1;
}

static void test_fsclient_chain_steps_wait_for_the_loops_submissions(void **state)
{
	(void)state;
	struct fsc_params p;
	fsc_params_default(&p);
	dist_const(&p.open_ns, 5000);
	dist_const(&p.create_ns, 100000);
	struct fake_sub loop = { 0 };
	p.turn = fake_turn_1us;
	p.hold = fake_hold;
	p.turn_ctx = &loop;
	struct world w;
	world_init_params(&w, &p);
	loop.x = &w.x;
	struct bk_req r[2];
	submit_node3(&w, &w.fs, &r[0], BK_WRITE, 8);
	submit_node3(&w, &w.fs2, &r[1], BK_READ, 7);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 16000);
	assert_int_equal(w.done_ns[1], 186000);
	assert_int_equal(loop.holds, 4 + 1);
	world_free(&w);
}

/* The loop's own part of an open (fsclient.c): a stand-in thread, one
 * line of work, whose turns take 1 us each.  At 0 a write of new object 8
 * on one tier puts its create's 20 us on the thread (0-20) and creates
 * (100 us); a read of object 7 on the other tier, right after, puts its
 * open's 3 us there (20-23) and opens (5 us); its turn, due at 5, waits
 * for the thread (23-24), and it reads: done at 34 us (16 without the
 * keys).  The create's four turns run at 100-104 and it writes: done at
 * 114.  Then a read of object 9 on the first tier (one descriptor, 8's)
 * closes 8 (2 us, 114-116), opens (3 us, 116-119; 5 us: due at 119), its
 * turn runs 119-120: done at 130.  The thread worked 28 us besides its
 * turns. */
struct fake_thread {
	struct exec *x;
	uint64_t busy_until, work_ns;
};

static uint64_t thread_take(struct fake_thread *t, uint64_t ns)
{
	uint64_t now = exec_now(t->x);
	t->busy_until = (t->busy_until > now ? t->busy_until : now) + ns;
	return t->busy_until;
}

static int thread_turn(void *ctx, size_t node, int create, exec_fn fn, void *arg)
{
	(void)node;
	(void)create;
	struct fake_thread *t = ctx;
	return exec_at(t->x, thread_take(t, 1000), fn, arg) ? 0 : -1;
}

static int thread_work(void *ctx, size_t node, uint64_t ns)
{
	(void)node;
	struct fake_thread *t = ctx;
	thread_take(t, ns);
	t->work_ns += ns;
	return 0;
}

static void test_fsclient_open_work_takes_the_loops_thread(void **state)
{
	(void)state;
	struct world w;
	struct fake_thread th = { 0 };
	world_init_cpu(&w, thread_turn, thread_work, &th);
	th.x = &w.x;
	struct err e = { 0 };
	struct bk_req r[3];
	submit(&w, &w.fs, &r[0], BK_WRITE, 8);
	submit(&w, &w.fs2, &r[1], BK_READ, 7);
	assert_true(ev_run(w.eng, UINT64_MAX, &e) >= 0);
	submit(&w, &w.fs, &r[2], BK_READ, 9);
	run(&w);
	assert_int_equal(w.ndone, 3);
	assert_int_equal(w.done_ns[0], 34000);
	assert_int_equal(w.done_ns[1], 114000);
	assert_int_equal(w.done_ns[2], 130000);
	assert_int_equal(th.work_ns, 28000);
	world_free(&w);
}

/* With one descriptor: write 1 (create, 110 us), write 2 (create, closes
 * 1: done at 220 us), read 1 (reopen: 5 + 10, done at 235 us). */
static void test_fsclient_evicted_descriptor_is_reopened_not_recreated(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 1);
	struct bk_req r;
	submit(&w, &w.fs, &r, BK_WRITE, 1);
	run(&w);
	submit(&w, &w.fs, &r, BK_WRITE, 2);
	run(&w);
	submit(&w, &w.fs, &r, BK_READ, 1);
	run(&w);
	assert_int_equal(w.done_ns[0], 110000);
	assert_int_equal(w.done_ns[1], 220000);
	assert_int_equal(w.done_ns[2], 235000);
	world_free(&w);
}

/* One node, two tiers: a create on tier A (0-100 us) does not delay a read
 * on tier B submitted at the same time, which opens its file (0-5 us) and
 * completes at 15 us; A completes at 110 us.  (With the node-wide host
 * queue this replaced, B waited for A's create and completed at 115.) */
static void test_fsclient_create_on_one_tier_does_not_delay_another(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 16);
	struct bk_req a, b;
	submit(&w, &w.fs, &a, BK_WRITE, 1);
	submit(&w, &w.fs2, &b, BK_READ, 2);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 15000);
	assert_int_equal(w.done_ns[1], 110000);
	world_free(&w);
}

/* One tier, two new objects written at once: the creates overlap (0-100
 * us each), so both complete at 110 us, not at 110 and 220. */
static void test_fsclient_creates_of_different_files_overlap(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 16);
	struct bk_req a, b;
	submit(&w, &w.fs, &a, BK_WRITE, 1);
	submit(&w, &w.fs, &b, BK_WRITE, 2);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 110000);
	assert_int_equal(w.done_ns[1], 110000);
	world_free(&w);
}

/* With create_parallelism = 1, the second create waits for the first:
 * ready at 100 and 200 us, done at 110 and 210 us; with 2, both at 110;
 * a third with 2 servers starts when the first frees, at 100: done at 210.
 * A read of a known file (an open, not a create) does not queue: 15 us. */
static void test_fsclient_create_parallelism_queues_creates(void **state)
{
	(void)state;
	for (uint64_t c = 1; c <= 2; c++) {
		struct world w;
		world_init_creates(&w, 16, c);
		struct bk_req r[4];
		submit(&w, &w.fs, &r[0], BK_WRITE, 1);
		submit(&w, &w.fs, &r[1], BK_WRITE, 2);
		submit(&w, &w.fs, &r[2], BK_READ, 9);
		if (c == 2)
			submit(&w, &w.fs, &r[3], BK_WRITE, 3);
		run(&w);
		assert_int_equal(w.ndone, c == 1 ? 3 : 4);
		assert_int_equal(w.done_ns[0], 15000);
		assert_int_equal(w.done_ns[1], 110000);
		assert_int_equal(w.done_ns[2], c == 1 ? 210000 : 110000);
		if (c == 2)
			assert_int_equal(w.done_ns[3], 210000);
		world_free(&w);
	}
}

static void at_50us(void *arg)
{
	struct bk_req *r = arg;
	struct world *w = r->ctx;
	submit(w, &w->fs, r, BK_READ, 1);
}

/* Operations on a file that is still opening share its open: a write of a
 * new object at 0 creates it (ready at 100 us); a read of it at 50 us
 * waits the remaining 50 us, then 10 us: both complete at 110 us, and one
 * create is counted, no open. */
static void test_fsclient_operations_share_an_open_in_progress(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 16);
	struct bk_req a, b;
	submit(&w, &w.fs, &a, BK_WRITE, 1);
	b.ctx = &w;
	assert_true(exec_at(&w.x, 50000, at_50us, &b) != 0);
	run(&w);
	assert_int_equal(w.ndone, 2);
	assert_int_equal(w.done_ns[0], 110000);
	assert_int_equal(w.done_ns[1], 110000);
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(w.fs.ops->export(w.fs.self, "b", m, ev_now(w.eng)), 0);
	assert_int_equal((int)met_find(m, "b.fs.creates")->value, 1);
	assert_int_equal((int)met_find(m, "b.fs.opens")->value, 0);
	/* the read's latency: submit at 50 us to done at 110 us */
	struct hist *h = met_hist(m, "b.read.latency", "ns");
	assert_int_equal(hist_count(h), 1);
	assert_true(hist_quantile(h, 0.5) >= 59000 && hist_quantile(h, 0.5) <= 61000);
	met_free(m);
	world_free(&w);
}

/* The exported write latency is the decorator's (create time included),
 * and the create's own time is a histogram of its own, as tierref's. */
static void test_fsclient_exports_latency_with_create_time(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 16);
	struct bk_req r;
	submit(&w, &w.fs, &r, BK_WRITE, 1);
	run(&w);
	struct met_registry *m = met_new();
	assert_non_null(m);
	assert_int_equal(w.fs.ops->export(w.fs.self, "b", m, ev_now(w.eng)), 0);
	struct hist *h = met_hist(m, "b.write.latency", "ns");
	assert_int_equal(hist_count(h), 1);
	assert_true(hist_quantile(h, 0.5) >= 109000 && hist_quantile(h, 0.5) <= 111000);
	assert_int_equal((int)met_find(m, "b.fs.creates")->value, 1);
	/* The create itself, 100 us, as tierref times its open chain; no open. */
	struct hist *c = met_hist(m, "b.fs.create.latency", "ns");
	assert_int_equal(hist_count(c), 1);
	assert_int_equal(hist_max(c), 100000);
	assert_int_equal(hist_count(met_hist(m, "b.fs.open.latency", "ns")), 0);
	met_free(m);
	world_free(&w);
}

/* No keys: no cost, no decorator; a bad open_files names file and line. */
static void test_fsclient_cfg_defaults_inactive_and_bad_value_named(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\nmodel = nvme\n", &e), 0);
	struct fsc_params p;
	assert_int_equal(fsc_from_cfg(d, cfg_find(d, "tier", "hot"), &p, &e), 0);
	assert_false(fsc_active(&p));
	fsc_params_free(&p);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\nmodel = nvme\nopen_files = 0\n", &e), 0);
	assert_int_equal(fsc_from_cfg(d, cfg_find(d, "tier", "hot"), &p, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:3"));
	assert_non_null(strstr(e.msg, "open_files"));
	fsc_params_free(&p);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\nmodel = nvme\ncreate_parallelism = 4\n", &e), 0);
	assert_int_equal(fsc_from_cfg(d, cfg_find(d, "tier", "hot"), &p, &e), 0);
	assert_int_equal(p.create_parallelism, 4);
	fsc_params_free(&p);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\nmodel = nvme\ncpu_close = 2us\n", &e), 0);
	assert_int_equal(fsc_from_cfg(d, cfg_find(d, "tier", "hot"), &p, &e), 0);
	assert_int_equal(p.close_cpu_ns, 2000);
	assert_true(fsc_active(&p));
	fsc_params_free(&p);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\nmodel = nvme\ncpu_open = 3\n", &e), 0);
	assert_int_equal(fsc_from_cfg(d, cfg_find(d, "tier", "hot"), &p, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:3"));
	assert_non_null(strstr(e.msg, "cpu_open"));
	fsc_params_free(&p);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "t.ini", "[tier hot]\nmodel = nvme\ncreate_parallelism = x\n", &e), 0);
	assert_int_equal(fsc_from_cfg(d, cfg_find(d, "tier", "hot"), &p, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:3"));
	assert_non_null(strstr(e.msg, "create_parallelism"));
	fsc_params_free(&p);
	cfg_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fsclient_first_write_pays_create_then_nothing),
		cmocka_unit_test(test_fsclient_first_read_pays_open),
		cmocka_unit_test(test_fsclient_destroy_frees_operations_in_flight),
		cmocka_unit_test(test_fsclient_evicted_descriptor_is_reopened_not_recreated),
		cmocka_unit_test(test_fsclient_create_on_one_tier_does_not_delay_another),
		cmocka_unit_test(test_fsclient_creates_of_different_files_overlap),
		cmocka_unit_test(test_fsclient_create_parallelism_queues_creates),
		cmocka_unit_test(test_fsclient_operations_share_an_open_in_progress),
		cmocka_unit_test(test_fsclient_chain_steps_wait_for_the_loops_turn),
		cmocka_unit_test(test_fsclient_chain_steps_wait_for_the_loops_submissions),
		cmocka_unit_test(test_fsclient_open_work_takes_the_loops_thread),
		cmocka_unit_test(test_fsclient_exports_latency_with_create_time),
		cmocka_unit_test(test_fsclient_cfg_defaults_inactive_and_bad_value_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
