/* Tests for the modelled backends (models/nvme, dram, cold, warm, meta,
 * net) and their presets, driven by the real DES engine through the
 * executor contract.  Expected times are worked by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/backend.h"
#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/hist.h"
#include "sim/metrics.h"
#include "sim/rng.h"

#include "models/fixed.h"
#include "models/nvme.h"
#include "models/dram.h"
#include "models/cold.h"
#include "models/warm.h"
#include "models/meta.h"
#include "models/net.h"

#define S 1000000000ull /* ns per s */
#define KiB 1024ull
#define MiB (1024ull * 1024ull)

/* ---- a world: engine, executor, and a completion log ---- */

struct world {
	struct ev_engine *eng;
	struct exec x;
	int in_submit;          /* set around every submit */
	int done_inside_submit; /* done ran while in_submit was set */
	uint64_t completed;
	uint64_t last_done_ns;
	uint64_t by_status[16];
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof *w);
	w->eng = ev_engine_new(NULL);
	assert_non_null(w->eng);
	w->x = ev_executor(w->eng);
}

static void world_run(struct world *w, uint64_t until_ns)
{
	struct err e = { 0 };
	int rc = ev_run(w->eng, until_ns, &e);
	assert_true(rc >= 0);
}

static void note_done(struct bk_req *r)
{
	struct world *w = r->ctx;
	if (w->in_submit)
		w->done_inside_submit = 1;
	w->completed++;
	w->last_done_ns = ev_now(w->eng);
	w->by_status[r->status & 15]++;
}

static void submit_one(struct world *w, const struct backend *b, struct bk_req *r)
{
	w->in_submit = 1;
	int rc = bk_submit(b, r);
	w->in_submit = 0;
	assert_int_equal(rc, 0);
}

static void req_init(struct bk_req *r, struct world *w, enum bk_op op, uint64_t object, uint64_t offset,
		     uint64_t length)
{
	memset(r, 0, sizeof *r);
	r->op = op;
	r->object = object;
	r->offset = offset;
	r->length = length;
	r->done = note_done;
	r->ctx = w;
}

/* Submits one operation at the current time on an idle backend, runs the
 * world dry and returns how long the operation took. */
static uint64_t time_alone(struct world *w, const struct backend *b, struct bk_req *r, enum bk_op op,
			   uint64_t object, uint64_t offset, uint64_t length)
{
	uint64_t t0 = ev_now(w->eng);
	req_init(r, w, op, object, offset, length);
	submit_one(w, b, r);
	world_run(w, UINT64_MAX);
	return w->last_done_ns - t0;
}

/* ---- a closed-loop load: `depth` requests outstanding, each resubmitted
 * on completion with a fresh object (and offset), counting what completes
 * inside [from_ns, to_ns). ---- */

struct loop {
	struct world *w;
	const struct backend *b;
	enum bk_op op;
	uint64_t length;
	uint64_t offset_span;   /* offsets drawn from [0, span) aligned to length */
	gsl_rng *rng;
	uint64_t from_ns, to_ns;
	uint64_t ops, bytes;    /* in the window */
	uint64_t total;
	struct bk_req *req;
	size_t depth;
	uint64_t fixed_object;  /* nonzero: every request names this object */
	int stop;
};

static void loop_fill(struct loop *l, struct bk_req *r)
{
	uint64_t obj = l->fixed_object ? l->fixed_object : gsl_rng_get(l->rng);
	uint64_t off = 0;
	if (l->offset_span > l->length)
		off = gsl_rng_uniform_int(l->rng, l->offset_span / l->length) * l->length;
	req_init(r, l->w, l->op, obj, off, l->length);
	r->ctx = l;
}

static void loop_done(struct bk_req *r)
{
	struct loop *l = r->ctx;
	uint64_t now = ev_now(l->w->eng);
	if (l->w->in_submit)
		l->w->done_inside_submit = 1;
	l->total++;
	if (now >= l->from_ns && now < l->to_ns && r->status == BK_OK) {
		l->ops++;
		l->bytes += r->length;
	}
	if (now >= l->to_ns)
		return;
	loop_fill(l, r);
	r->done = loop_done;
	l->w->in_submit = 1;
	int rc = bk_submit(l->b, r);
	l->w->in_submit = 0;
	assert_int_equal(rc, 0);
}

static void loop_run_obj(struct loop *l, struct world *w, const struct backend *b, enum bk_op op,
			 uint64_t length, uint64_t span, size_t depth, uint64_t from_ns, uint64_t to_ns,
			 uint64_t fixed_object)
{
	memset(l, 0, sizeof *l);
	l->fixed_object = fixed_object;
	l->w = w;
	l->b = b;
	l->op = op;
	l->length = length;
	l->offset_span = span;
	l->depth = depth;
	l->from_ns = from_ns;
	l->to_ns = to_ns;
	l->rng = rng_stream_new(42, "test.loop");
	l->req = calloc(depth, sizeof *l->req);
	assert_non_null(l->req);
	for (size_t i = 0; i < depth; i++) {
		loop_fill(l, &l->req[i]);
		l->req[i].done = loop_done;
		w->in_submit = 1;
		assert_int_equal(bk_submit(b, &l->req[i]), 0);
		w->in_submit = 0;
	}
	world_run(w, UINT64_MAX);
	assert_false(w->done_inside_submit);
	gsl_rng_free(l->rng);
	free(l->req);
}

static void loop_run(struct loop *l, struct world *w, const struct backend *b, enum bk_op op, uint64_t length,
		     uint64_t span, size_t depth, uint64_t from_ns, uint64_t to_ns)
{
	loop_run_obj(l, w, b, op, length, span, depth, from_ns, to_ns, 0);
}

static void tick(void *arg)
{
	(void)arg;
}

static double metric(struct met_registry *m, const char *name)
{
	const struct met_scalar *s = met_find(m, name);
	if (!s)
		fail_msg("no metric %s", name);
	return s->value;
}

/* ================================================================== */
/* nvme                                                                */
/* ================================================================== */

static void nvme_test_params(struct nvme_params *p)
{
	nvme_params_default(p);
	p->drives = 8;
	p->stripe_bytes = 128 * KiB;
	p->read_bps = 14e9;
	p->write_bps = 10e9;
	p->read_iops = 3.3e6;
	p->write_iops = 540e3;
	dist_const(&p->read_latency_ns, 60000);
	dist_const(&p->write_latency_ns, 15000);
}

/* 1 MiB at offset 0 over 8 drives with a 128 KiB stripe: every drive gets
 * one 131072-byte sub-operation, all in parallel, each
 *   60000 ns media + ceil(131072 / 14e9 s) = 60000 + ceil(9362.29) = 69363 ns. */
static void test_nvme_idle_1mib_read_takes_latency_plus_one_stripe_transfer(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 7, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.completed, 1);
	assert_int_equal(r.status, BK_OK);
	assert_int_equal(w.last_done_ns, 69363);
	assert_false(w.done_inside_submit);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* A 128 KiB write inside one stripe unit: one drive, 15000 ns media, then
 * ceil(131072 * 14/10) = 183501 "read-equivalent" bytes at 14e9 B/s =
 * 13107.2 ns -> 13108: 28108 ns. */
static void test_nvme_idle_write_pays_write_bandwidth(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_WRITE, 3, 0, 128 * KiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 28108);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* A write bandwidth far below the read's: the write's time saturates
 * (it never completes) rather than overflowing the conversion of its
 * scaled bytes (found by fuzzing, tests/fuzz/corpus/scenario/
 * crash-nvme-tiny-write-bandwidth); reads keep their time. */
static void test_nvme_tiny_write_bandwidth_saturates(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	p.write_bps = 1e-300;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r, q;
	req_init(&r, &w, BK_WRITE, 3, 0, 128 * KiB);
	submit_one(&w, &b, &r);
	req_init(&q, &w, BK_READ, 4, 0, 4 * KiB);
	submit_one(&w, &b, &q);
	world_run(&w, 1000 * S);
	assert_int_equal(w.completed, 1); /* the read */
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

static void no_op(void *arg)
{
	(void)arg;
}

/* The fixed backend's time saturates at 2^64 - 1 ns: a latency near 2^64
 * must not wrap around to an earlier time, nor a bandwidth near 0 overflow
 * the conversion (found by fuzzing, tests/fuzz/corpus/scenario/
 * crash-fixed-tiny-bandwidth). */
static void test_fixed_time_saturates(void **state)
{
	(void)state;
	const struct fixed_params cases[] = { { .latency_ns = UINT64_MAX - 5, .bps = 0 },
					      { .latency_ns = 1000, .bps = 1e-300 } };
	for (size_t i = 0; i < 2; i++) {
		struct world w;
		world_init(&w);
		assert_true(ev_at(w.eng, 1000, no_op, NULL) != 0);
		world_run(&w, 1000); /* now 1000, so that now + latency would wrap */
		struct backend b;
		struct err e = { 0 };
		assert_int_equal(fixed_new(&b, &w.x, &cases[i], &e), 0);
		struct bk_req r;
		req_init(&r, &w, BK_READ, 1, 0, 4 * KiB);
		submit_one(&w, &b, &r);
		world_run(&w, UINT64_MAX - 2);
		assert_int_equal(w.completed, 0);
		world_run(&w, UINT64_MAX);
		assert_int_equal(w.completed, 1);
		assert_true(w.last_done_ns >= UINT64_MAX - 1); /* the engine's last time */
		b.ops->destroy(b.self);
		ev_engine_free(w.eng);
	}
}

/* A read that crosses one stripe boundary touches exactly two drives: the
 * one holding the first byte and the next in rotation. */
static void test_nvme_read_across_stripe_boundary_touches_two_drives(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 99, 128 * KiB - 4 * KiB, 8 * KiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "hot", m, ev_now(w.eng)), 0);
	unsigned d0 = nvme_drive_of(&p, 99, 0);
	unsigned d1 = nvme_drive_of(&p, 99, 128 * KiB);
	assert_int_equal(d1, (d0 + 1) % 8);
	int touched = 0;
	for (unsigned i = 0; i < 8; i++) {
		char name[64];
		snprintf(name, sizeof name, "hot.drive%u.transfer.bytes", i);
		double v = metric(m, name);
		if (i == d0 || i == d1) {
			assert_true(v == 4 * KiB);
			touched++;
		} else {
			assert_true(v == 0);
		}
	}
	assert_int_equal(touched, 2);
	met_free(m);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* 64 outstanding 1 MiB reads keep all 8 drives busy: the array moves
 * n * B_r = 8 * 14e9 = 112 GB/s, within 1%. */
static void test_nvme_bandwidth_saturates_at_n_times_drive_bandwidth(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct loop l;
	loop_run(&l, &w, &b, BK_READ, 1 * MiB, 64 * MiB, 64, 2000000, 22000000);
	double bps = (double)l.bytes / 0.020;
	double want = nvme_saturated_read_bps(&p, 1 * MiB);
	assert_true(fabs(want - 112e9) < 1);
	assert_true(fabs(bps - want) / want < 0.01);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* The array's saturated read rate is n times the least of a drive's
 * bandwidth, IOPS x size and parallelism x size / mean latency, with size
 * the bytes per drive.  1 MiB: 8 x 14e9 (bandwidth).  4 KiB (one drive):
 * 3.3e6 x 4096 = 13.5168e9 < 14e9 and < 256 x 4096 / 60 us = 17.48e9, so
 * 8 x 13.5168e9 (IOPS).  With parallelism 1: 4096 / 60 us = 68.27e6 per
 * drive (parallelism). */
static void test_nvme_saturated_read_rate_is_the_least_limit(void **state)
{
	(void)state;
	struct nvme_params p;
	nvme_test_params(&p);
	assert_true(fabs(nvme_saturated_read_bps(&p, 1 * MiB) - 8 * 14e9) < 1);
	assert_true(fabs(nvme_saturated_read_bps(&p, 4096) - 8 * 3.3e6 * 4096) < 1);
	p.parallelism = 1;
	assert_true(fabs(nvme_saturated_read_bps(&p, 4096) - 8 * 4096 / 60e-6) < 1);
	nvme_params_free(&p);
}

/* A zero-length read or write completes OK at once, through the executor
 * (never inside submit), and moves nothing. */
static void test_nvme_zero_length_completes_through_the_executor(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r[2];
	req_init(&r[0], &w, BK_READ, 1, 0, 0);
	req_init(&r[1], &w, BK_WRITE, 1, 4096, 0);
	for (int i = 0; i < 2; i++)
		submit_one(&w, &b, &r[i]);
	assert_int_equal(w.completed, 0);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.completed, 2);
	assert_int_equal(w.by_status[BK_OK], 2);
	assert_int_equal(w.last_done_ns, 0);
	assert_false(w.done_inside_submit);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* 4 KiB random reads, 4096 outstanding: each drive does
 * min(IOPS, B/4KiB, c/L) = min(3.3M, 3.42M, 4.27M) = 3.3M ops/s, so the
 * array does 26.4M ops/s, within 1%. */
static void test_nvme_iops_limit_binds_for_4k_random_reads(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct loop l;
	loop_run(&l, &w, &b, BK_READ, 4 * KiB, 1024 * MiB, 4096, 1000000, 6000000);
	double iops = (double)l.ops / 0.005;
	assert_true(fabs(iops - 26.4e6) / 26.4e6 < 0.01);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* One drive, one media slot, 60 us a read, no IOPS limit, 4 KiB reads 4
 * deep: the media is busy all the time and the transfer 4096 / 14e9 s of
 * every 60 us (0.5%).  The drive's utilisation is the busier stage's, 1;
 * it was the transfer's alone. */
static void test_nvme_utilisation_is_the_busier_stage(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	p.drives = 1;
	p.parallelism = 1;
	p.read_iops = 0;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct loop l;
	loop_run(&l, &w, &b, BK_READ, 4 * KiB, 1024 * MiB, 4, 0, 10000000);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "n", m, 10000000), 0);
	assert_true(metric(m, "n.utilisation") > 0.99);
	assert_true(metric(m, "n.drive0.transfer.utilisation") < 0.01);
	met_free(m);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

static void test_nvme_metadata_op_is_enotsup_through_executor(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_GETATTR, 1, 0, 0);
	submit_one(&w, &b, &r);
	assert_int_equal(w.completed, 0);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.completed, 1);
	assert_int_equal(r.status, BK_ENOTSUP);
	assert_false(w.done_inside_submit);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

static void test_nvme_rejects_zero_drives(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	p.drives = 0;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), -1);
	assert_non_null(strstr(e.msg, "drives"));
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* DRAM: one device, 100 ns + 1 MiB / 614.4 GB/s = 100 + ceil(1706.67) = 1807 ns. */
static void test_dram_idle_1mib_read_takes_latency_plus_copy(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct dram_params p;
	dram_params_default(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(dram_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 5, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 1807);
	b.ops->destroy(b.self);
	dram_params_free(&p);
	ev_engine_free(w.eng);
}

static void test_nvme_cfg_bad_value_names_file_line_and_key(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load_string(&d, "x.ini", "[nvme hot]\ndrives = 8\nread_bw = 14XB/s\n", &e), 0);
	struct nvme_params p;
	assert_int_equal(nvme_from_cfg(d, cfg_find(d, "nvme", NULL), &p, &e), -1);
	assert_non_null(strstr(e.msg, "x.ini:3"));
	assert_non_null(strstr(e.msg, "read_bw"));
	nvme_params_free(&p);
	cfg_free(d);
}

/* A discard holds its drive's transfer stage for b / discard_bw.  Reads
 * with no media time, so a read waits for the transfer stage alone: a
 * 128 KiB discard (one drive) at 7 GB/s is submitted as ceil(131072 *
 * 14e9 / 7e9) = 262144 read-rate bytes, 18724.571 ns at 14 GB/s; a 4 KiB
 * read of the same stripe unit submitted just after it transfers for
 * 292.571 ns, so it completes at 19017.143 -> 19018 ns, where alone it
 * takes 293.  With discard_bw 0 the backend takes no discards (the data
 * path keeps no pins for it) and exports no discard counts.  The transfer
 * stages' busy time, the mean over the 8 drives, is that one drive's
 * 18724.571 + 292.571 ns over 8 (292.571 / 8 alone), to the nanosecond
 * each transfer is rounded to. */
static void test_nvme_discard_holds_the_drive_for_bytes_over_discard_bw(void **state)
{
	(void)state;
	for (int on = 0; on < 2; on++) {
		struct world w;
		world_init(&w);
		struct nvme_params p;
		nvme_test_params(&p);
		dist_const(&p.read_latency_ns, 0);
		p.discard_bps = on ? 7e9 : 0;
		struct backend b;
		struct err e = { 0 };
		assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
		if (!on) {
			assert_null(b.ops->discard);
		} else {
			assert_non_null(b.ops->discard);
			b.ops->discard(b.self, 3, 0, 128 * KiB);
		}
		struct bk_req r;
		req_init(&r, &w, BK_READ, 3, 0, 4 * KiB);
		submit_one(&w, &b, &r);
		world_run(&w, UINT64_MAX);
		assert_int_equal(w.completed, 1);
		assert_int_equal(w.last_done_ns, on ? 19018 : 293);
		struct met_registry *m = met_new();
		assert_non_null(m);
		assert_int_equal(b.ops->export(b.self, "hot", m, ev_now(w.eng)), 0);
		assert_float_equal(metric(m, "hot.transfer.busy") * 1e9, (on ? 18724.571 + 292.571 : 292.571) / 8,
				   2.0 / 8);
		if (on) {
			assert_true(metric(m, "hot.discards") == 1);
			assert_true(metric(m, "hot.discard_bytes") == 128 * KiB);
		} else {
			assert_null(met_find(m, "hot.discards"));
		}
		met_free(m);
		b.ops->destroy(b.self);
		nvme_params_free(&p);
		ev_engine_free(w.eng);
	}
}

/* A discard across stripe units is split over the drives as a read is:
 * 256 KiB from offset 64 KiB covers 64 KiB of unit 0, unit 1 whole and 64
 * KiB of unit 2, so unit 0's drive discards 64 KiB (9362.3 ns at 7 GB/s
 * after the conversion to read-rate bytes) and a 4 KiB read there waits
 * 9362.286 + 292.571 = 9654.857 -> 9655 ns; unit 1's drive discards 128
 * KiB: its read, 19018 as above. */
static void test_nvme_discard_splits_over_the_drives(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	dist_const(&p.read_latency_ns, 0);
	p.discard_bps = 7e9;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	b.ops->discard(b.self, 5, 64 * KiB, 256 * KiB);
	struct bk_req r0, r1;
	req_init(&r0, &w, BK_READ, 5, 0, 4 * KiB);
	submit_one(&w, &b, &r0);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 9655);
	req_init(&r1, &w, BK_READ, 5, 128 * KiB, 4 * KiB);
	submit_one(&w, &b, &r1);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 19018);
	b.ops->destroy(b.self);
	nvme_params_free(&p);
	ev_engine_free(w.eng);
}

/* discard_bw: 0 is allowed (the default: discards free); a negative rate
 * is an error naming the file, line and key. */
static void test_nvme_cfg_discard_bw(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	struct nvme_params p;
	assert_int_equal(cfg_load_string(&d, "x.ini", "[nvme hot]\ndiscard_bw = 0\n", &e), 0);
	assert_int_equal(nvme_from_cfg(d, cfg_find(d, "nvme", NULL), &p, &e), 0);
	assert_true(p.discard_bps == 0);
	nvme_params_free(&p);
	cfg_free(d);
	d = NULL;
	assert_int_equal(cfg_load_string(&d, "x.ini", "[nvme hot]\ndrives = 1\ndiscard_bw = 5.5GB/s\n", &e), 0);
	assert_int_equal(nvme_from_cfg(d, cfg_find(d, "nvme", NULL), &p, &e), 0);
	assert_true(p.discard_bps == 5.5e9);
	nvme_params_free(&p);
	cfg_free(d);
	d = NULL;
	assert_int_equal(cfg_load_string(&d, "x.ini", "[nvme hot]\ndrives = 1\ndiscard_bw = -1GB/s\n", &e), 0);
	assert_int_equal(nvme_from_cfg(d, cfg_find(d, "nvme", NULL), &p, &e), -1);
	assert_non_null(strstr(e.msg, "x.ini:3"));
	assert_non_null(strstr(e.msg, "discard_bw"));
	nvme_params_free(&p);
	cfg_free(d);
}


/* ================================================================== */
/* cold                                                                */
/* ================================================================== */

/* A small account: 1000 req/s, bucket of 10; per-blob limits out of the
 * way; 1 ms to first byte and 1 ms for a 503 to come back. */
static void cold_test_params(struct cold_params *p, unsigned max_retries, uint64_t cap_ns)
{
	cold_params_default(p);
	p->account_ops = 1000;
	p->account_burst = 10;
	p->blob_ops = 1e6;
	p->blob_burst = 1e6;
	dist_const(&p->ttfb_ns, 1e6);
	dist_const(&p->throttle_ns, 1e6);
	p->max_retries = max_retries;
	p->backoff_base_ns = 1000000;
	p->backoff_cap_ns = cap_ns;
}

/* 300 HEADs at once against 1000 req/s with a bucket of 10: the first 10
 * pass, the rest get 503s and retry; every request ends, either OK or
 * BK_THROTTLED after exactly max_retries retries; admitted requests never
 * exceed burst + rate * elapsed. */
static void test_cold_burst_above_account_rate_gets_503s_and_every_request_ends(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct cold_params p;
	cold_test_params(&p, 4, 50000000);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	enum { N = 300 };
	struct bk_req *r = calloc(N, sizeof *r);
	assert_non_null(r);
	for (int i = 0; i < N; i++) {
		req_init(&r[i], &w, BK_HEAD, 1000 + (uint64_t)i, 0, 0);
		submit_one(&w, &b, &r[i]);
	}
	world_run(&w, UINT64_MAX);
	assert_false(w.done_inside_submit);
	assert_int_equal(w.completed, N);
	uint64_t ok = w.by_status[BK_OK], thr = w.by_status[BK_THROTTLED];
	assert_int_equal(ok + thr, N);
	assert_true(ok >= 10);
	assert_true(thr > 0);
	for (int i = 0; i < N; i++) {
		assert_true(r[i].retries <= 4);
		if (r[i].status == BK_THROTTLED)
			assert_int_equal(r[i].retries, 4);
	}
	/* admissions happen by the last completion minus the 1 ms TTFB */
	double bound = 10 + 1000.0 * (double)w.last_done_ns / 1e9 + 1;
	assert_true((double)ok <= bound);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "cold", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "cold.throttled") > 0);
	assert_true(metric(m, "cold.retries") > 0);
	assert_true(metric(m, "cold.gave_up") == (double)thr);
	met_free(m);
	free(r);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* The same burst with patient clients (50 retries, backoff cap 1 s): all
 * 300 requests are eventually admitted. */
static void test_cold_patient_retries_let_every_request_through(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct cold_params p;
	cold_test_params(&p, 50, 1000000000);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	enum { N = 300 };
	struct bk_req *r = calloc(N, sizeof *r);
	assert_non_null(r);
	for (int i = 0; i < N; i++) {
		req_init(&r[i], &w, BK_READ, 5000 + (uint64_t)i, 0, 4096);
		submit_one(&w, &b, &r[i]);
	}
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.by_status[BK_OK], N);
	uint64_t retried = 0;
	for (int i = 0; i < N; i++)
		retried += r[i].retries;
	assert_true(retried > 0);
	/* 300 admissions at 1000/s after a burst of 10 need >= 0.29 s */
	assert_true(w.last_done_ns >= 290000000ull);
	free(r);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* Full jitter: u * min(cap, base * 2^(k-1)). */
static void test_cold_backoff_is_full_jitter_capped_exponential(void **state)
{
	(void)state;
	struct cold_params p;
	cold_params_default(&p);
	p.backoff_base_ns = 100;
	p.backoff_cap_ns = 1000;
	assert_int_equal(cold_backoff_ns(&p, 1, 0.5), 50);
	assert_int_equal(cold_backoff_ns(&p, 3, 0.5), 200);
	assert_int_equal(cold_backoff_ns(&p, 5, 0.5), 500);   /* 1600 capped at 1000 */
	assert_int_equal(cold_backoff_ns(&p, 200, 0.25), 250);
	assert_int_equal(cold_backoff_ns(&p, 2, 0.0), 0);
	cold_params_free(&p);
}

/* 64 outstanding 64 MiB GETs (372 req/s, far below 40k req/s) fill the
 * 25 GB/s egress link: throughput within 2% of 25 GB/s. */
static void test_cold_egress_limit_binds_for_big_gets(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct cold_params p;
	cold_params_default(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	struct loop l;
	loop_run(&l, &w, &b, BK_READ, 64 * MiB, 64 * MiB, 64, S / 2, S / 2 + 2 * S);
	double bps = (double)l.bytes / 2.0;
	assert_true(fabs(bps - 25e9) / 25e9 < 0.02);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* One hot blob, 32 clients hammering it with HEADs and short backoffs:
 * admitted requests run at the per-blob 500 req/s, within 2%. */
static void test_cold_single_blob_is_held_to_500_requests_per_second(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct cold_params p;
	cold_params_default(&p);
	dist_const(&p.ttfb_ns, 1e6);
	dist_const(&p.throttle_ns, 1e6);
	p.max_retries = 1000;
	p.backoff_base_ns = 1000000;
	p.backoff_cap_ns = 4000000;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	struct loop l;
	loop_run_obj(&l, &w, &b, BK_HEAD, 0, 0, 32, 1 * S, 5 * S, 77);
	double rate = (double)l.ops / 4.0;
	assert_true(fabs(rate - 500) / 500 < 0.02);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "cold", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "cold.blob.refused") > 0);
	met_free(m);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* The per-blob table's size when blob_slots is unset: twice the buckets
 * that can be below full at once, b_a + R_a b_b / R_b, to a power of two.
 * Defaults: 4000 + 40000 * 50 / 500 = 8000 -> 16000 -> 16384.  1000 req/s,
 * a bucket of 10, blobs at 500/s with 50: 10 + 100 = 110 -> 220 -> 256.
 * Never under 64, never over 2^22. */
static void test_cold_blob_slots_follow_the_rates(void **state)
{
	(void)state;
	struct cold_params p;
	cold_params_default(&p);
	assert_int_equal(p.blob_slots, 0);
	assert_int_equal(cold_blob_slots(&p), 16384);
	p.account_ops = 1000;
	p.account_burst = 10;
	assert_int_equal(cold_blob_slots(&p), 256);
	p.account_ops = 1;
	p.account_burst = 1;
	assert_int_equal(cold_blob_slots(&p), 64);
	/* A huge burst or a per-blob rate far below the account's: 2^22 at
	 * most, 96 MiB (was 2^28, 6 GiB, from these few keys; found by
	 * fuzzing, tests/fuzz/corpus/scenario/crash-cold-table-from-rates). */
	p.account_burst = 1e15;
	assert_int_equal(cold_blob_slots(&p), 1u << 22);
	p.account_burst = 1;
	p.account_ops = 40000;
	p.blob_ops = 1e-3;
	assert_int_equal(cold_blob_slots(&p), 1u << 22);
	cold_params_free(&p);
}

/* The per-blob table with one set of 8 ways (blob_slots = 8), 500 req/s
 * and a bucket of 50 per blob, no retries, HEADs 1 us to first byte.
 * Blob A empties its bucket at t = 0, B1..B7 theirs at 1..7 us; A is
 * refused at 8 us (level 0.004), which touches it.  C at 10 us finds no
 * free way and no full bucket, so it takes the least recently touched
 * way, B1's (touched at 1 us, A at 8), and counts a live eviction.  Then
 * A is still refused at 11 us (remembered); B1 is admitted at 12 us (its
 * bucket forgotten as full), and takes B2's way, the next least recently
 * touched (a second live eviction); B3 is refused at 13 us. */
static void test_cold_blob_table_evicts_the_least_recently_touched_bucket(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct cold_params p;
	cold_params_default(&p);
	p.account_ops = 1e9;
	p.account_burst = 1e9;
	p.blob_slots = 8;
	p.max_retries = 0;
	dist_const(&p.ttfb_ns, 1000);
	dist_const(&p.throttle_ns, 1000);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	enum { A = 100, B1 = 101, C = 200, N = 8 * 50 + 5 };
	struct bk_req *r = calloc(N, sizeof *r);
	assert_non_null(r);
	int k = 0;
	for (int blob = 0; blob < 8; blob++) { /* A at 0, B1..B7 at 1..7 us */
		world_run(&w, (uint64_t)blob * 1000);
		for (int i = 0; i < 50; i++, k++) {
			req_init(&r[k], &w, BK_HEAD, (uint64_t)(A + blob), 0, 0);
			submit_one(&w, &b, &r[k]);
		}
	}
	const struct { uint64_t t_ns, blob; int status; } then[] = {
		{ 8000, A, BK_THROTTLED }, { 10000, C, BK_OK }, { 11000, A, BK_THROTTLED },
		{ 12000, B1, BK_OK }, { 13000, B1 + 2, BK_THROTTLED },
	};
	for (size_t j = 0; j < sizeof then / sizeof then[0]; j++) {
		world_run(&w, then[j].t_ns);
		req_init(&r[k + (int)j], &w, BK_HEAD, then[j].blob, 0, 0);
		submit_one(&w, &b, &r[k + (int)j]);
	}
	world_run(&w, UINT64_MAX);
	for (int i = 0; i < k; i++)
		assert_int_equal(r[i].status, BK_OK);
	for (size_t j = 0; j < sizeof then / sizeof then[0]; j++)
		assert_int_equal(r[k + (int)j].status, then[j].status);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "cold", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "cold.blob.evicted_live") == 2);
	assert_true(metric(m, "cold.blob.refused") == 3);
	met_free(m);
	free(r);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* 1000 GETs, 100 PUTs of 1 MiB, 10 HEADs, 5 LISTs, then one PUT of 1 GB;
 * stored 1 TB at the start; exported at t = 10 s.
 *   requests = (1000 * 0.0044 + 101 * 0.055 + 10 * 0.0044 + 5 * 0.055) / 1e4
 *   storage  = 0.018 / (730 * 3600 s) * (sum over time of stored GB) */
static void test_cold_costs_equal_hand_computed_sums(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct cold_params p;
	cold_params_default(&p);
	dist_const(&p.ttfb_ns, 1e6);
	p.stored_bytes = 1000000000000ull;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	enum { N = 1115 };
	struct bk_req *r = calloc(N + 1, sizeof *r);
	assert_non_null(r);
	int k = 0;
	for (int i = 0; i < 1000; i++, k++)
		req_init(&r[k], &w, BK_READ, (uint64_t)k + 1, 0, 1 * MiB);
	for (int i = 0; i < 100; i++, k++)
		req_init(&r[k], &w, BK_WRITE, (uint64_t)k + 1, 0, 1 * MiB);
	for (int i = 0; i < 10; i++, k++)
		req_init(&r[k], &w, BK_HEAD, (uint64_t)k + 1, 0, 0);
	for (int i = 0; i < 5; i++, k++)
		req_init(&r[k], &w, BK_LIST, (uint64_t)k + 1, 0, 0);
	assert_int_equal(k, N);
	for (int i = 0; i < N; i++)
		submit_one(&w, &b, &r[i]);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.by_status[BK_OK], N);
	/* Every write done: stored = 1e12 + 100 MiB from each write's end.  Now
	 * the 1 GB write, alone: 1 ms + 1e9 / 7.5e9 s. */
	uint64_t t1 = ev_now(w.eng);
	req_init(&r[N], &w, BK_WRITE, 999999, 0, 1000000000ull);
	submit_one(&w, &b, &r[N]);
	world_run(&w, UINT64_MAX);
	uint64_t tw = w.last_done_ns;
	assert_int_equal(tw, t1 + 1000000 + 133333334);
	ev_at(w.eng, 10 * S, tick, NULL);
	world_run(&w, UINT64_MAX);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "cold", m, 10 * S), 0);
	double want_req = (1000 * 0.0044 + 101 * 0.055 + 10 * 0.0044 + 5 * 0.055) / 1e4;
	assert_true(fabs(metric(m, "cold.cost.requests") - want_req) < 1e-12);
	/* byte-ns: 1e12 B for 10 s, each 1 MiB PUT from its completion, 1 GB
	 * from tw.  The PUT completion times come from the latency histogram's
	 * exact sum: submit at 0, so sum of (10 s - t_i) = 100 * 10 s - sum t_i. */
	const struct met_named_hist *wh = NULL;
	for (size_t i = 0; i < met_nhists(m); i++)
		if (!strcmp(met_hist_at(m, i)->name, "cold.write.latency"))
			wh = met_hist_at(m, i);
	assert_non_null(wh);
	double sum_small = 100.0 * 10e9 - (hist_sum(wh->h) - (double)(tw - t1));
	double byte_ns = 1e12 * 10e9 + (double)MiB * sum_small + 1e9 * (double)(10 * S - tw);
	double want_storage = byte_ns / 10e9 / 1e9 * 0.018 * 10.0 / (730.0 * 3600.0);
	assert_true(fabs(metric(m, "cold.cost.storage") - want_storage) / want_storage < 1e-9);
	assert_true(fabs(metric(m, "cold.cost.total") - want_req - want_storage) < 1e-9);
	assert_true(metric(m, "cold.stored") == 1e12 + 100.0 * MiB + 1e9);
	met_free(m);
	free(r);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* A store of 1 MiB pieces answering in 1 ms (ttfb const), idle. */
/* A store of 1 MiB pieces answering in 1 ms; extra (cold.h), if set, is
 * the client's CPU for fills and commits. */
static void piece_store(struct world *w, struct cold_params *p, struct backend *b,
			int (*extra)(void *, uint32_t, uint64_t, exec_fn, void *), void *extra_ctx)
{
	world_init(w);
	cold_params_default(p);
	dist_const(&p->ttfb_ns, 1e6);
	p->piece_bytes = MiB;
	p->extra = extra;
	p->extra_ctx = extra_ctx;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w->x, p, 1, b, &e), 0);
}

/* The client's CPU for a phase's fills and commit (cold.h, extra): here
 * 7 us for each, after which the store sends it.  The three writes of
 * test_cold_pieces_are_put_block_then_put_block_list take 7 us more for
 * the first (its commit), 14 us more for the second (its fill of 1 MiB,
 * then its commit) and nothing more for the third (one PUT, no phase). */
struct extra_log {
	struct world *w;
	uint64_t bytes[4];
	int n;
};

static int extra_7us(void *ctx, uint32_t node, uint64_t bytes, exec_fn fn, void *arg)
{
	struct extra_log *l = ctx;
	assert_int_equal(node, 0);
	assert_true(l->n < 4);
	l->bytes[l->n++] = bytes;
	return exec_after(&l->w->x, 7000, fn, arg) ? 0 : -1;
}

static void test_cold_fills_and_commits_wait_for_the_client(void **state)
{
	(void)state;
	struct world w;
	struct cold_params p;
	struct backend b;
	struct extra_log l = { .w = &w };
	piece_store(&w, &p, &b, extra_7us, &l);
	const uint64_t off[3] = { 0, MiB, 0 }, len[3] = { MiB, MiB / 2, 1000 };
	const uint64_t want[3] = { 2000000 + 139811 + 7000, 3000000 + 69906 + 139811 + 14000, 1000000 + 134 };
	const int calls[3] = { 1, 3, 3 };
	struct bk_req r;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(time_alone(&w, &b, &r, BK_WRITE, (uint64_t)i + 1, off[i], len[i]), want[i]);
		assert_int_equal(r.status, BK_OK);
		assert_int_equal(l.n, calls[i]);
	}
	assert_int_equal(l.bytes[0], 0);   /* the first's commit */
	assert_int_equal(l.bytes[1], MiB); /* the second's fill */
	assert_int_equal(l.bytes[2], 0);   /* its commit */
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* Pieces (cold.c): with piece_bytes 1 MiB, ttfb const 1 ms and ingress
 * 7.5 GB/s, an idle write of 1 MiB at offset 0 (exactly a piece) takes
 * 1 ms + 2^20 / 7.5e9 s (139,811 ns, rounded up) + 1 ms (its Put Block,
 * then its commit).  The 0.5 MiB at offset 1 MiB of another object takes
 * 1 ms + 69,906 ns, then a fill of the slot before it (no piece covers
 * it): 1 ms + 139,811 ns, then the commit's 1 ms.  1,000 bytes at offset
 * 0, smaller than a piece, is one PUT: 1 ms + 134 ns.  Billed: 2 + 3 + 1
 * writes, 6 x $0.055 / 10^4; one fill of 1 MiB. */
static void test_cold_pieces_are_put_block_then_put_block_list(void **state)
{
	(void)state;
	struct world w;
	struct cold_params p;
	struct backend b;
	piece_store(&w, &p, &b, NULL, NULL);
	const uint64_t off[3] = { 0, MiB, 0 }, len[3] = { MiB, MiB / 2, 1000 };
	const uint64_t want[3] = { 2000000 + 139811, 3000000 + 69906 + 139811, 1000000 + 134 };
	struct bk_req r;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(time_alone(&w, &b, &r, BK_WRITE, (uint64_t)i + 1, off[i], len[i]), want[i]);
		assert_int_equal(r.status, BK_OK);
	}
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "cold", m, ev_now(w.eng)), 0);
	assert_true(fabs(metric(m, "cold.cost.requests") - 6 * 0.055 / 1e4) < 1e-15);
	assert_true(metric(m, "cold.write.ops") == 3);
	assert_true(metric(m, "cold.fill.blocks") == 1);
	assert_true(metric(m, "cold.fill.bytes") == MiB);
	met_free(m);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

struct phased {
	struct world *w;
	const struct backend *b;
	struct bk_req r[3];
	uint64_t done_ns[3];
};

static void phased_done(struct bk_req *r)
{
	struct phased *ph = r->ctx;
	ph->done_ns[r - ph->r] = ev_now(ph->w->eng);
	assert_int_equal(r->status, BK_OK);
}

static void phased_submit_late(void *arg)
{
	struct phased *ph = arg;
	assert_int_equal(bk_submit(ph->b, &ph->r[2]), 0);
}

/* The phases of an object's pieces (sim/pieces.h), hand-worked: ttfb
 * const 1 ms, ingress 7.5 GB/s, 1 MiB pieces of object 5.  A (slot 0) and
 * B (slot 1) at t = 0 stage side by side, 2 MiB over the link:
 * 1,000,000 + 279,621 ns (2^21 / 7.5e9 s, rounded up); one commit, 1 ms
 * more: both done at 2,279,621.  C (slot 3), submitted at 1.5 ms while
 * that commit is under way, waits for it, then stages (1 ms + 139,811),
 * then its commit stages a fill of slot 2 (1 ms + 139,811), then commits
 * (1 ms): done at 2,279,621 + 3,000,000 + 279,622 = 5,559,243.  One piece
 * at a time, A, B and C would each take a commit: 6 writes and 7 with the
 * fill, where the phases take 3 + 2 + 1. */
static void test_cold_pieces_stage_together_and_commit_in_phases(void **state)
{
	(void)state;
	struct world w;
	struct cold_params p;
	struct backend b;
	piece_store(&w, &p, &b, NULL, NULL);
	struct phased ph = { .w = &w, .b = &b };
	const uint64_t off[3] = { 0, MiB, 3 * MiB };
	for (int i = 0; i < 3; i++) {
		req_init(&ph.r[i], &w, BK_WRITE, 5, off[i], MiB);
		ph.r[i].done = phased_done;
		ph.r[i].ctx = &ph;
	}
	assert_int_equal(bk_submit(&b, &ph.r[0]), 0);
	assert_int_equal(bk_submit(&b, &ph.r[1]), 0);
	ev_at(w.eng, 1500000, phased_submit_late, &ph);
	world_run(&w, UINT64_MAX);
	assert_int_equal(ph.done_ns[0], 2279621);
	assert_int_equal(ph.done_ns[1], 2279621);
	assert_int_equal(ph.done_ns[2], 5559243);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "cold", m, ev_now(w.eng)), 0);
	assert_true(fabs(metric(m, "cold.cost.requests") - 6 * 0.055 / 1e4) < 1e-15);
	assert_true(metric(m, "cold.write.ops") == 3);
	assert_true(metric(m, "cold.write.bytes") == 3 * MiB);
	assert_true(metric(m, "cold.fill.blocks") == 1);
	assert_true(metric(m, "cold.fill.bytes") == MiB);
	assert_true(metric(m, "cold.ingress.bytes") == 4 * MiB);
	met_free(m);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}

/* put_ttfb: with ttfb const 1 ms and put_ttfb const 3 ms, an idle GET of
 * 1,000 bytes takes 1 ms + 40 ns (25 GB/s egress), an idle PUT of 1,000
 * bytes 3 ms + 134 ns (7.5 GB/s ingress, rounded up).  Without put_ttfb
 * the PUT takes 1 ms + 134 ns. */
static void test_cold_put_ttfb_is_the_writes_own(void **state)
{
	(void)state;
	for (int own = 0; own < 2; own++) {
		struct world w;
		world_init(&w);
		struct cold_params p;
		cold_params_default(&p);
		dist_const(&p.ttfb_ns, 1e6);
		if (own) {
			dist_const(&p.put_ttfb_ns, 3e6);
			p.has_put_ttfb = 1;
		}
		struct backend b;
		struct err e = { 0 };
		assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
		struct bk_req r;
		assert_int_equal(time_alone(&w, &b, &r, BK_READ, 1, 0, 1000), 1000000 + 40);
		assert_int_equal(time_alone(&w, &b, &r, BK_WRITE, 2, 0, 1000), (own ? 3000000 : 1000000) + 134);
		b.ops->destroy(b.self);
		cold_params_free(&p);
		ev_engine_free(w.eng);
	}
}

static void test_cold_getattr_is_enotsup_through_executor(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct cold_params p;
	cold_params_default(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_GETATTR, 1, 0, 0);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(r.status, BK_ENOTSUP);
	assert_false(w.done_inside_submit);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
}


/* ================================================================== */
/* warm                                                                */
/* ================================================================== */

/* A 1 MiB write lands on `mirror` = 2 enclosures: 2 MiB on the back end;
 * a 1 MiB read then adds 1 MiB. */
static void test_warm_write_moves_twice_its_bytes_on_the_back_end(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct warm_params p;
	warm_params_default(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_WRITE, 11, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(r.status, BK_OK);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "warm", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "warm.backend.bytes") == 2.0 * MiB);
	double encl = 0;
	for (unsigned i = 0; i < p.enclosures; i++) {
		char name[64];
		snprintf(name, sizeof name, "warm.enclosure%u.bytes", i);
		encl += metric(m, name);
	}
	assert_true(encl == 2.0 * MiB);
	assert_true(metric(m, "warm.write.bytes") == 1.0 * MiB);
	req_init(&r, &w, BK_READ, 11, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(b.ops->export(b.self, "warm", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "warm.backend.bytes") == 3.0 * MiB);
	assert_false(w.done_inside_submit);
	met_free(m);
	b.ops->destroy(b.self);
	warm_params_free(&p);
	ev_engine_free(w.eng);
}

/* Idle 1 MiB read: 200 us latency, then the slowest hop, the front end's
 * 0.85 * 25 GB/s = 21.25 GB/s: ceil(1048576 / 21.25e9 s) = 49345 ns;
 * total 249345 ns. */
static void test_warm_idle_read_takes_latency_plus_slowest_hop(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct warm_params p;
	warm_params_default(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 3, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 249345);
	b.ops->destroy(b.self);
	warm_params_free(&p);
	ev_engine_free(w.eng);
}

/* The directory of `tierref probe`: one front end, one enclosure, mirror
 * 1, hops of 1000 GB/s (1 MiB in ceil(1048.576) = 1049 ns); latency 10 us,
 * write_latency 50 us, write_bw 1 GB/s.  Alone, a 1 MiB write takes 50 us
 * + ceil(1048576 / 1e9 s) = 50000 + 1048576 = 1098576 ns and a 1 MiB read
 * 10000 + 1049 = 11049 ns.  Two writes at once share the write link: both
 * end at 50000 + 2 * 1048576 = 2147152 ns.  A read submitted with them is
 * not slowed (it never takes the write link): done at 11049 ns. */
static void dir_params(struct warm_params *p)
{
	warm_params_default(p);
	p->frontends = p->enclosures = p->mirror = 1;
	p->fe_eff = 1;
	p->fe_nic_bps = p->encl_bps = 1000e9;
	dist_const(&p->latency_ns, 10000);
	dist_const(&p->write_latency_ns, 50000);
	p->has_write_latency = 1;
	p->write_bps = 1e9;
}

static void test_warm_write_latency_and_write_link(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct warm_params p;
	dir_params(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r[3];
	assert_int_equal(time_alone(&w, &b, &r[0], BK_WRITE, 1, 0, 1 * MiB), 1098576);
	assert_int_equal(time_alone(&w, &b, &r[0], BK_READ, 1, 0, 1 * MiB), 11049);

	/* Two writes and a read at once; the read ends first, alone. */
	uint64_t t0 = ev_now(w.eng);
	req_init(&r[0], &w, BK_WRITE, 2, 0, 1 * MiB);
	req_init(&r[1], &w, BK_WRITE, 3, 0, 1 * MiB);
	req_init(&r[2], &w, BK_READ, 1, 0, 1 * MiB);
	for (int i = 0; i < 3; i++)
		submit_one(&w, &b, &r[i]);
	world_run(&w, t0 + 11049);
	assert_int_equal(w.completed, 2 + 1);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.completed, 2 + 3);
	assert_int_equal(w.last_done_ns - t0, 2147152);

	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "warm", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "warm.enclosure0.write.bytes") == 3.0 * MiB);
	met_free(m);
	b.ops->destroy(b.self);
	warm_params_free(&p);
	ev_engine_free(w.eng);
}

/* dir_params with two enclosures, mirror 2 and a fabric of 0.5 GB/s.  A
 * write then crosses six hops (front end, fabric with both copies, two
 * enclosures, two write links), more than one transfer carries
 * (RES_XFER_LEGS), so it takes the path of one flow per hop; a read
 * crosses three and goes as one transfer.  Alone, a 1 MiB read takes 10 us
 * + its slowest hop, the fabric: 1048576 / 0.5e9 s = 2097152 ns, so
 * 2107152 ns; a 1 MiB write 50 us + 2 MiB over the fabric, 4194304 ns
 * (the write links, 1048576 ns each, run beside it): 4244304 ns.  Two
 * writes at once share the fabric: both end at 50000 + 2 * 4194304 =
 * 8438608 ns.  Each write puts 2 MiB on the back end. */
static void test_warm_fabric_and_mirror_beyond_one_transfer(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct warm_params p;
	dir_params(&p);
	p.enclosures = p.mirror = 2;
	p.fabric_bps = 0.5e9;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r[2];
	assert_int_equal(time_alone(&w, &b, &r[0], BK_READ, 1, 0, 1 * MiB), 2107152);
	assert_int_equal(time_alone(&w, &b, &r[0], BK_WRITE, 2, 0, 1 * MiB), 4244304);

	uint64_t t0 = ev_now(w.eng);
	req_init(&r[0], &w, BK_WRITE, 3, 0, 1 * MiB);
	req_init(&r[1], &w, BK_WRITE, 4, 0, 1 * MiB);
	for (int i = 0; i < 2; i++)
		submit_one(&w, &b, &r[i]);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.completed, 4);
	assert_int_equal(w.last_done_ns - t0, 8438608);
	assert_false(w.done_inside_submit);

	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "warm", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "warm.backend.bytes") == (1 + 3 * 2) * (double)MiB);
	assert_true(metric(m, "warm.fabric.bytes") == (1 + 3 * 2) * (double)MiB);
	met_free(m);
	b.ops->destroy(b.self);
	warm_params_free(&p);
	ev_engine_free(w.eng);
}

/* Without write_latency, a write draws `latency` like any operation, and
 * without write_bw there is no write link: 10000 + 1049 ns. */
static void test_warm_writes_default_to_latency_and_no_write_link(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct warm_params p;
	dir_params(&p);
	p.has_write_latency = 0;
	p.write_bps = 0;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_WRITE, 1, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 11049);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "warm", m, ev_now(w.eng)), 0);
	assert_null(met_find(m, "warm.enclosure0.write.bytes"));
	met_free(m);
	b.ops->destroy(b.self);
	warm_params_free(&p);
	ev_engine_free(w.eng);
}

static void test_warm_cfg_write_keys(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	struct warm_params p;
	assert_int_equal(cfg_load_string(&d, "w.ini", "[warm w]\nwrite_bw = 2GB/s\nwrite_latency = const(30us)\n", &e), 0);
	assert_int_equal(warm_from_cfg(d, cfg_find(d, "warm", NULL), &p, &e), 0);
	assert_true(p.write_bps == 2e9);
	assert_int_equal(p.has_write_latency, 1);
	assert_true(dist_mean(&p.write_latency_ns) == 30000);
	warm_params_free(&p);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "w.ini", "[warm w]\nmirror = 1\nwrite_bw = -1GB/s\n", &e), 0);
	assert_int_equal(warm_from_cfg(d, cfg_find(d, "warm", NULL), &p, &e), -1);
	assert_non_null(strstr(e.msg, "w.ini:3"));
	assert_non_null(strstr(e.msg, "write_bw"));
	warm_params_free(&p);
	cfg_free(d);
	assert_int_equal(cfg_load_string(&d, "w.ini", "[warm w]\nwrite_latency = const(-\n", &e), 0);
	assert_int_equal(warm_from_cfg(d, cfg_find(d, "warm", NULL), &p, &e), -1);
	assert_non_null(strstr(e.msg, "w.ini:2"));
	assert_non_null(strstr(e.msg, "write_latency"));
	warm_params_free(&p);
	cfg_free(d);
	/* A bad key after an empirical latency: the latency's tables are in p,
	 * which warm_params_free frees (they leaked; found by fuzzing,
	 * tests/fuzz/corpus/scenario/crash-warm-latency-leaks-on-bad-key). */
	assert_int_equal(cfg_load_string(&d, "w.ini", "[warm w]\nlatency = empirical(1s:1)\nwrite_bw = \n", &e), 0);
	assert_int_equal(warm_from_cfg(d, cfg_find(d, "warm", NULL), &p, &e), -1);
	assert_non_null(strstr(e.msg, "w.ini:3: [warm w] write_bw"));
	assert_int_equal(p.latency_ns.kind, DIST_EMPIRICAL);
	warm_params_free(&p);
	cfg_free(d);
}

/* Each front end's link runs at frontend_nic x frontend_eff: a product
 * that underflows to 0 is refused naming the key, not reported by
 * warm_new as out of memory (found by fuzzing, tests/fuzz/corpus/
 * scenario/crash-warm-nic-underflow). */
static void test_warm_cfg_refuses_a_frontend_rate_that_underflows(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	struct warm_params p;
	assert_int_equal(cfg_load_string(&d, "w.ini", "[warm w]\nfrontend_nic = 1e-300B/s\nfrontend_eff = 1e-300\n", &e),
			 0);
	assert_int_equal(warm_from_cfg(d, cfg_find(d, "warm", NULL), &p, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "w.ini:3: [warm w] frontend_eff: frontend_nic x frontend_eff is 0 B/s"));
	p.fe_nic_bps = 1e-300;
	p.fe_eff = 1e-300;
	struct world w;
	world_init(&w);
	struct backend b;
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	warm_params_free(&p);
	ev_engine_free(w.eng);
	cfg_free(d);
}

/* 2 front ends of 10k ops/s each, 256 outstanding GETATTRs spread round
 * robin: 20k ops/s, within 1%. */
static void test_warm_frontend_ops_budget_binds_metadata_throughput(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct warm_params p;
	warm_params_default(&p);
	p.frontends = 2;
	p.fe_ops = 10000;
	p.spread = WARM_SPREAD_RR;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
	struct loop l;
	loop_run(&l, &w, &b, BK_GETATTR, 0, 0, 256, S / 10, S / 10 + S);
	assert_true(fabs((double)l.ops - 20000) / 20000 < 0.01);
	b.ops->destroy(b.self);
	warm_params_free(&p);
	ev_engine_free(w.eng);
}

/* Round robin: 16 requests for one object visit each of 8 front ends twice;
 * hash: all 16 go to warm_frontend_of(object). */
static void test_warm_spread_round_robin_versus_hash(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct world w;
		world_init(&w);
		struct warm_params p;
		warm_params_default(&p);
		p.spread = mode ? WARM_SPREAD_RR : WARM_SPREAD_HASH;
		struct backend b;
		struct err e = { 0 };
		assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
		struct bk_req r[16];
		for (int i = 0; i < 16; i++) {
			req_init(&r[i], &w, BK_LOOKUP, 42, 0, 0);
			submit_one(&w, &b, &r[i]);
		}
		world_run(&w, UINT64_MAX);
		struct met_registry *m = met_new();
		assert_int_equal(b.ops->export(b.self, "warm", m, ev_now(w.eng)), 0);
		for (unsigned i = 0; i < 8; i++) {
			char name[64];
			snprintf(name, sizeof name, "warm.frontend%u.requests", i);
			double want = mode ? 2 : (i == warm_frontend_of(&p, 42) ? 16 : 0);
			assert_true(metric(m, name) == want);
		}
		met_free(m);
		b.ops->destroy(b.self);
		warm_params_free(&p);
		ev_engine_free(w.eng);
	}
}


/* ================================================================== */
/* meta                                                                */
/* ================================================================== */

/* An open Poisson source of GETATTRs on random objects. */
struct poisson {
	struct world *w;
	const struct backend *b;
	gsl_rng *rng;
	double rate;            /* per s */
	struct bk_req *req;
	size_t n, next;
};

static void poisson_fire(void *arg)
{
	struct poisson *ps = arg;
	struct bk_req *r = &ps->req[ps->next++];
	req_init(r, ps->w, BK_GETATTR, gsl_rng_get(ps->rng), 0, 0);
	submit_one(ps->w, ps->b, r);
	if (ps->next < ps->n)
		ev_after(ps->w->eng, (uint64_t)llround(gsl_ran_exponential(ps->rng, 1e9 / ps->rate)), poisson_fire, ps);
}

/* N = 4 servers of c = 2 threads, E[S] = 1 ms (exponential), lambda =
 * 0.6 * N c / E[S] = 4800/s for 100,000 requests (~21 s): every server's
 * utilisation is rho = lambda E[S] / (N c) = 0.6 within sampling error
 * (each server sees ~25,000 requests; 3 standard errors of a per-server
 * busy fraction is well under 0.02), and requests split ~N ways. */
static void test_meta_utilisation_is_lambda_es_over_nc(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct meta_params p;
	meta_params_default(&p);
	p.servers = 4;
	p.threads = 2;
	dist_exp(&p.service_ns[BK_GETATTR], 1e6);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(meta_new(&w.x, &p, 1, &b, &e), 0);
	struct poisson ps = { .w = &w, .b = &b, .rate = 4800, .n = 100000 };
	ps.rng = rng_stream_new(7, "test.poisson");
	ps.req = calloc(ps.n, sizeof *ps.req);
	assert_non_null(ps.req);
	ev_at(w.eng, 0, poisson_fire, &ps);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.completed, ps.n);
	assert_false(w.done_inside_submit);
	/* export at the last arrival's time keeps the window busy-ish throughout */
	struct met_registry *m = met_new();
	uint64_t now = ev_now(w.eng);
	assert_int_equal(b.ops->export(b.self, "meta", m, now), 0);
	/* the offered load over the run's actual span (~0.6) */
	double span_s = (double)now / 1e9;
	double rho_obs = (double)ps.n * 1e-3 / (8.0 * span_s);
	for (unsigned i = 0; i < 4; i++) {
		char name[64];
		snprintf(name, sizeof name, "meta.server%u.utilisation", i);
		double u = metric(m, name);
		assert_true(fabs(u - rho_obs) < 0.02);
		snprintf(name, sizeof name, "meta.server%u.ops", i);
		double ops = metric(m, name);
		assert_true(fabs(ops - 25000) < 5 * sqrt(25000 * 0.75));
	}
	assert_true(fabs(metric(m, "meta.utilisation") - rho_obs) < 0.01);
	assert_true(fabs(rho_obs - 0.6) < 0.02);
	met_free(m);
	free(ps.req);
	gsl_rng_free(ps.rng);
	b.ops->destroy(b.self);
	meta_params_free(&p);
	ev_engine_free(w.eng);
}

/* The same object always lands on meta_server_of(object). */
static void test_meta_places_an_object_on_its_hash_server(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct meta_params p;
	meta_params_default(&p);
	p.servers = 5;
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(meta_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r[10];
	for (int i = 0; i < 10; i++) {
		req_init(&r[i], &w, i % 2 ? BK_LOOKUP : BK_CREATE, 123456789, 0, 0);
		submit_one(&w, &b, &r[i]);
	}
	world_run(&w, UINT64_MAX);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "meta", m, ev_now(w.eng)), 0);
	unsigned home = meta_server_of(&p, 123456789);
	for (unsigned i = 0; i < 5; i++) {
		char name[64];
		snprintf(name, sizeof name, "meta.server%u.ops", i);
		assert_true(metric(m, name) == (i == home ? 10 : 0));
	}
	assert_true(metric(m, "meta.create.ops") == 5);
	assert_true(metric(m, "meta.lookup.ops") == 5);
	met_free(m);
	b.ops->destroy(b.self);
	meta_params_free(&p);
	ev_engine_free(w.eng);
}

static void test_meta_data_op_is_enotsup_through_executor(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct meta_params p;
	meta_params_default(&p);
	struct backend b;
	struct err e = { 0 };
	assert_int_equal(meta_new(&w.x, &p, 1, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 1, 0, 10);
	submit_one(&w, &b, &r);
	assert_int_equal(w.completed, 0);
	world_run(&w, UINT64_MAX);
	assert_int_equal(r.status, BK_ENOTSUP);
	b.ops->destroy(b.self);
	meta_params_free(&p);
	ev_engine_free(w.eng);
}


/* ================================================================== */
/* net                                                                 */
/* ================================================================== */

/* A backend that completes everything at once (through the executor). */
static void instant_fire(void *arg)
{
	struct bk_req *r = arg;
	r->status = BK_OK;
	r->done(r);
}

static int instant_submit(void *self, struct bk_req *r)
{
	struct world *w = self;
	return exec_after(&w->x, 0, instant_fire, r) ? 0 : -1;
}

static int instant_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)self, (void)prefix, (void)m, (void)now_ns;
	return 0;
}

static void instant_reset(void *self)
{
	(void)self;
}

static void instant_destroy(void *self)
{
	(void)self;
}

static const struct bk_ops instant_ops = {
	.name = "instant", .submit = instant_submit, .export = instant_export, .reset_stats = instant_reset, .destroy = instant_destroy,
};

/* Read through a 100 GB/s NIC from the 8-drive array: the array's 69363 ns
 * (see the nvme test), then ceil(1048576 / 100e9 s) = 10486 ns: 79849 ns. */
static void test_net_read_crosses_the_nic_after_the_tier(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params np;
	nvme_test_params(&np);
	struct backend inner, b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &np, 1, &inner, &e), 0);
	struct net_params p;
	net_params_default(&p);
	struct net *n = net_new(&w.x, &p, &e);
	assert_non_null(n);
	assert_int_equal(net_wrap(n, &inner, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 7, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(r.status, BK_OK);
	assert_int_equal(w.last_done_ns, 79849);
	assert_false(w.done_inside_submit);
	b.ops->destroy(b.self);
	inner.ops->destroy(inner.self);
	net_free(n);
	nvme_params_free(&np);
	ev_engine_free(w.eng);
}

/* Write: ceil(131072 / 100e9 s) = 1311 ns on the NIC first, then the
 * drive's 28108 ns (see the nvme write test): 29419 ns. */
static void test_net_write_crosses_the_nic_before_the_tier(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params np;
	nvme_test_params(&np);
	struct backend inner, b;
	struct err e = { 0 };
	assert_int_equal(nvme_new(&w.x, &np, 1, &inner, &e), 0);
	struct net_params p;
	net_params_default(&p);
	struct net *n = net_new(&w.x, &p, &e);
	assert_non_null(n);
	assert_int_equal(net_wrap(n, &inner, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_WRITE, 3, 0, 128 * KiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 29419);
	b.ops->destroy(b.self);
	inner.ops->destroy(inner.self);
	net_free(n);
	nvme_params_free(&np);
	ev_engine_free(w.eng);
}

/* Two nodes read 1 GB each at once through a 100 GB/s uplink: each gets
 * 50 GB/s there, so both finish at 1e9 / 50e9 s = 20 ms, although each
 * node's own NIC would allow 10 ms. */
static void test_net_uplink_is_shared_fairly_between_nodes(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct backend inner = { &instant_ops, &w }, b;
	struct err e = { 0 };
	struct net_params p;
	net_params_default(&p);
	p.nodes = 2;
	p.uplink_bps = 100e9;
	struct net *n = net_new(&w.x, &p, &e);
	assert_non_null(n);
	assert_int_equal(net_wrap(n, &inner, &b, &e), 0);
	struct bk_req r[2];
	for (int i = 0; i < 2; i++) {
		req_init(&r[i], &w, BK_READ, (uint64_t)i, 0, 1000000000ull);
		r[i].client = (uint32_t)i;
		submit_one(&w, &b, &r[i]);
	}
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.completed, 2);
	assert_int_equal(w.last_done_ns, 20000000);
	struct met_registry *m = met_new();
	assert_int_equal(b.ops->export(b.self, "warm", m, ev_now(w.eng)), 0);
	assert_true(metric(m, "warm.net.uplink.down.bytes") == 2e9);
	assert_true(metric(m, "warm.net.node1.rx.bytes") == 1e9);
	met_free(m);
	b.ops->destroy(b.self);
	net_free(n);
	ev_engine_free(w.eng);
}

static void test_net_unknown_client_node_is_eio_through_executor(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct backend inner = { &instant_ops, &w }, b;
	struct err e = { 0 };
	struct net_params p;
	net_params_default(&p);
	struct net *n = net_new(&w.x, &p, &e);
	assert_non_null(n);
	assert_int_equal(net_wrap(n, &inner, &b, &e), 0);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 1, 0, 10);
	r.client = 5;
	submit_one(&w, &b, &r);
	assert_int_equal(w.completed, 0);
	world_run(&w, UINT64_MAX);
	assert_int_equal(r.status, BK_EIO);
	b.ops->destroy(b.self);
	net_free(n);
	ev_engine_free(w.eng);
}


/* ================================================================== */
/* presets                                                             */
/* ================================================================== */

/* The presets live in models/presets/; tests run from the repository root
 * (make), or TIERSIM_ROOT names it. */
static struct cfg_doc *load_preset(const char *file)
{
	char path[1024];
	const char *root = getenv("TIERSIM_ROOT");
	snprintf(path, sizeof path, "%s%smodels/presets/%s", root ? root : "", root ? "/" : "", file);
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	if (cfg_load(&d, path, &e))
		fail_msg("%s", e.msg);
	return d;
}

static void preset_check_unused(struct cfg_doc *d)
{
	struct err e = { 0 };
	if (cfg_check_unused(d, &e))
		fail_msg("%s", e.msg);
}

/* Every key of dgx_h100.ini is one the parsers accept, the values are the
 * sourced ones, and the backends build. */
static void test_preset_dgx_h100_loads_with_every_key_used(void **state)
{
	(void)state;
	struct cfg_doc *d = load_preset("dgx_h100.ini");
	struct err e = { 0 };
	struct nvme_params np;
	struct dram_params dp;
	struct net_params netp;
	if (nvme_from_cfg(d, cfg_find(d, "nvme", NULL), &np, &e) || dram_from_cfg(d, cfg_find(d, "dram", NULL), &dp, &e) ||
	    net_from_cfg(d, cfg_find(d, "net", NULL), &netp, &e))
		fail_msg("%s", e.msg);
	preset_check_unused(d);
	assert_int_equal(np.drives, 8);
	assert_true(np.read_bps == 14e9);
	assert_true(netp.nic_bps == 100e9);
	struct world w;
	world_init(&w);
	struct backend b1, b2;
	assert_int_equal(nvme_new(&w.x, &np, 1, &b1, &e), 0);
	assert_int_equal(dram_new(&w.x, &dp, 1, &b2, &e), 0);
	struct net *n = net_new(&w.x, &netp, &e);
	assert_non_null(n);
	b1.ops->destroy(b1.self);
	b2.ops->destroy(b2.self);
	net_free(n);
	nvme_params_free(&np);
	dram_params_free(&dp);
	ev_engine_free(w.eng);
	cfg_free(d);
}

static void test_preset_vast_loads_with_every_key_used(void **state)
{
	(void)state;
	struct cfg_doc *d = load_preset("vast.ini");
	struct err e = { 0 };
	struct warm_params p;
	if (warm_from_cfg(d, cfg_find(d, "warm", NULL), &p, &e))
		fail_msg("%s", e.msg);
	preset_check_unused(d);
	assert_int_equal(p.mirror, 2);
	assert_true(p.encl_bps == 50e9);
	struct world w;
	world_init(&w);
	struct backend b;
	assert_int_equal(warm_new(&w.x, &p, 1, &b, &e), 0);
	b.ops->destroy(b.self);
	warm_params_free(&p);
	ev_engine_free(w.eng);
	cfg_free(d);
}

static void test_preset_azure_standard_loads_with_every_key_used(void **state)
{
	(void)state;
	struct cfg_doc *d = load_preset("azure_standard.ini");
	struct err e = { 0 };
	struct cold_params p;
	if (cold_from_cfg(d, cfg_find(d, "cold", NULL), &p, &e))
		fail_msg("%s", e.msg);
	preset_check_unused(d);
	assert_true(p.account_ops == 40000);
	assert_true(p.egress_bps == 25e9);
	assert_true(p.ingress_bps == 7.5e9);
	assert_true(p.blob_ops == 500);
	assert_true(p.ttfb_ns.kind == DIST_LOGNORMAL);
	struct world w;
	world_init(&w);
	struct backend b;
	assert_int_equal(cold_new(&w.x, &p, 1, &b, &e), 0);
	b.ops->destroy(b.self);
	cold_params_free(&p);
	ev_engine_free(w.eng);
	cfg_free(d);
}

/* A meta section in a scenario: every key parsed, an unknown one caught. */
static void test_meta_cfg_rejects_an_unknown_key(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load_string(&d, "s.ini", "[meta m]\nservers = 3\nthreads = 4\ngetattr = exp(50us)\nlookups = exp(1us)\n", &e), 0);
	struct meta_params p;
	assert_int_equal(meta_from_cfg(d, cfg_find(d, "meta", NULL), &p, &e), 0);
	assert_int_equal(p.servers, 3);
	assert_true(dist_mean(&p.service_ns[BK_GETATTR]) == 50000);
	assert_int_equal(cfg_check_unused(d, &e), -1);
	assert_non_null(strstr(e.msg, "s.ini:5"));
	assert_non_null(strstr(e.msg, "lookups"));
	meta_params_free(&p);
	cfg_free(d);
}


/* An empirical latency survives the constructor's copy (the caller frees
 * its own): the idle 1 MiB read still takes 60 us + 9363 ns. */
static void test_nvme_copies_an_empirical_latency(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct nvme_params p;
	nvme_test_params(&p);
	struct err e = { 0 };
	dist_free(&p.read_latency_ns);
	assert_int_equal(dist_parse(&p.read_latency_ns, "empirical(60us:1)", DIST_TIME, &e), 0);
	struct backend b;
	assert_int_equal(nvme_new(&w.x, &p, 1, &b, &e), 0);
	nvme_params_free(&p);
	struct bk_req r;
	req_init(&r, &w, BK_READ, 7, 0, 1 * MiB);
	submit_one(&w, &b, &r);
	world_run(&w, UINT64_MAX);
	assert_int_equal(w.last_done_ns, 69363);
	b.ops->destroy(b.self);
	ev_engine_free(w.eng);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvme_idle_1mib_read_takes_latency_plus_one_stripe_transfer),
		cmocka_unit_test(test_nvme_idle_write_pays_write_bandwidth),
		cmocka_unit_test(test_nvme_tiny_write_bandwidth_saturates),
		cmocka_unit_test(test_fixed_time_saturates),
		cmocka_unit_test(test_nvme_saturated_read_rate_is_the_least_limit),
		cmocka_unit_test(test_nvme_zero_length_completes_through_the_executor),
		cmocka_unit_test(test_nvme_read_across_stripe_boundary_touches_two_drives),
		cmocka_unit_test(test_nvme_bandwidth_saturates_at_n_times_drive_bandwidth),
		cmocka_unit_test(test_nvme_iops_limit_binds_for_4k_random_reads),
		cmocka_unit_test(test_nvme_utilisation_is_the_busier_stage),
		cmocka_unit_test(test_nvme_metadata_op_is_enotsup_through_executor),
		cmocka_unit_test(test_nvme_rejects_zero_drives),
		cmocka_unit_test(test_dram_idle_1mib_read_takes_latency_plus_copy),
		cmocka_unit_test(test_nvme_cfg_bad_value_names_file_line_and_key),
		cmocka_unit_test(test_nvme_discard_holds_the_drive_for_bytes_over_discard_bw),
		cmocka_unit_test(test_nvme_discard_splits_over_the_drives),
		cmocka_unit_test(test_nvme_cfg_discard_bw),
		cmocka_unit_test(test_cold_burst_above_account_rate_gets_503s_and_every_request_ends),
		cmocka_unit_test(test_cold_patient_retries_let_every_request_through),
		cmocka_unit_test(test_cold_backoff_is_full_jitter_capped_exponential),
		cmocka_unit_test(test_cold_egress_limit_binds_for_big_gets),
		cmocka_unit_test(test_cold_single_blob_is_held_to_500_requests_per_second),
		cmocka_unit_test(test_cold_blob_table_evicts_the_least_recently_touched_bucket),
		cmocka_unit_test(test_cold_blob_slots_follow_the_rates),
		cmocka_unit_test(test_cold_costs_equal_hand_computed_sums),
		cmocka_unit_test(test_cold_pieces_are_put_block_then_put_block_list),
		cmocka_unit_test(test_cold_pieces_stage_together_and_commit_in_phases),
		cmocka_unit_test(test_cold_fills_and_commits_wait_for_the_client),
		cmocka_unit_test(test_cold_put_ttfb_is_the_writes_own),
		cmocka_unit_test(test_cold_getattr_is_enotsup_through_executor),
		cmocka_unit_test(test_warm_write_moves_twice_its_bytes_on_the_back_end),
		cmocka_unit_test(test_warm_idle_read_takes_latency_plus_slowest_hop),
		cmocka_unit_test(test_warm_frontend_ops_budget_binds_metadata_throughput),
		cmocka_unit_test(test_warm_spread_round_robin_versus_hash),
		cmocka_unit_test(test_warm_write_latency_and_write_link),
		cmocka_unit_test(test_warm_fabric_and_mirror_beyond_one_transfer),
		cmocka_unit_test(test_warm_writes_default_to_latency_and_no_write_link),
		cmocka_unit_test(test_warm_cfg_write_keys),
		cmocka_unit_test(test_warm_cfg_refuses_a_frontend_rate_that_underflows),
		cmocka_unit_test(test_meta_utilisation_is_lambda_es_over_nc),
		cmocka_unit_test(test_meta_places_an_object_on_its_hash_server),
		cmocka_unit_test(test_meta_data_op_is_enotsup_through_executor),
		cmocka_unit_test(test_net_read_crosses_the_nic_after_the_tier),
		cmocka_unit_test(test_net_write_crosses_the_nic_before_the_tier),
		cmocka_unit_test(test_net_uplink_is_shared_fairly_between_nodes),
		cmocka_unit_test(test_net_unknown_client_node_is_eio_through_executor),
		cmocka_unit_test(test_preset_dgx_h100_loads_with_every_key_used),
		cmocka_unit_test(test_preset_vast_loads_with_every_key_used),
		cmocka_unit_test(test_preset_azure_standard_loads_with_every_key_used),
		cmocka_unit_test(test_meta_cfg_rejects_an_unknown_key),
		cmocka_unit_test(test_nvme_copies_an_empirical_latency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
