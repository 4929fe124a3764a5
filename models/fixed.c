/*
 * fixed — see fixed.h.  Completion time of an operation of b bytes
 * submitted at t:  t + latency + ceil(b · 1e9 / bps) ns  (bps > 0),
 * saturated at 2^64 - 1 ns (never, in effect), as sim/resource.c's times
 * are: a latency near 2^64 or a bandwidth near 0 must not wrap around to
 * an earlier time (nor, converted from a long double past 2^64, be
 * undefined behaviour: found by fuzzing, tests/fuzz/corpus/scenario/
 * crash-fixed-tiny-bandwidth).
 */
#include "fixed.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/hist.h"

struct fixed {
	struct exec x;
	struct fixed_params p;
	uint64_t ops[BK_NOPS];
	uint64_t bytes[BK_NOPS];
	struct hist *latency;
};

static void fixed_fire(void *arg)
{
	struct bk_req *r = arg;
	struct fixed *f = r->priv[0];
	hist_record(f->latency, exec_now(&f->x) - r->submit_ns);
	r->done(r);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int fixed_submit(void *self, struct bk_req *r)
{
	struct fixed *f = self;
	uint64_t now = exec_now(&f->x), t = add_sat(now, f->p.latency_ns);
	int data = r->op == BK_READ || r->op == BK_WRITE;
	if (data && f->p.bps > 0) {
		long double x = ceill((long double)r->length * 1e9L / f->p.bps);
		t = add_sat(t, x < 0x1p64L ? (uint64_t)x : UINT64_MAX);
	}
	r->status = BK_OK;
	r->retries = 0;
	r->submit_ns = now;
	r->priv[0] = f;
	if (!exec_at(&f->x, t, fixed_fire, r))
		return -1;
	if ((unsigned)r->op < BK_NOPS) {
		f->ops[r->op]++;
		f->bytes[r->op] += data ? r->length : 0;
	}
	return 0;
}

static int fixed_export(void *self, const char *prefix, struct met_registry *m, uint64_t now_ns)
{
	(void)now_ns;
	struct fixed *f = self;
	char name[256];
	int rc = 0;
	for (int op = 0; op < BK_NOPS; op++) {
		if (!f->ops[op])
			continue;
		snprintf(name, sizeof name, "%s.%s.ops", prefix, bk_op_name(op));
		rc |= met_set(m, name, (double)f->ops[op], "ops");
		if (op == BK_READ || op == BK_WRITE) {
			snprintf(name, sizeof name, "%s.%s.bytes", prefix, bk_op_name(op));
			rc |= met_set(m, name, (double)f->bytes[op], "B");
		}
	}
	snprintf(name, sizeof name, "%s.latency", prefix);
	struct hist *h = met_hist(m, name, "ns");
	if (!h)
		return -1;
	hist_reset(h);
	hist_merge(h, f->latency);
	return rc;
}

static void fixed_reset(void *self)
{
	struct fixed *f = self;
	for (int op = 0; op < BK_NOPS; op++)
		f->ops[op] = f->bytes[op] = 0;
	hist_reset(f->latency);
}

static void fixed_destroy(void *self)
{
	struct fixed *f = self;
	if (!f)
		return;
	hist_free(f->latency);
	free(f);
}

static const struct bk_ops fixed_ops_table = {
	.name = "fixed",
	.submit = fixed_submit,
	.export = fixed_export,
	.reset_stats = fixed_reset,
	.destroy = fixed_destroy,
};

int fixed_new(struct backend *out, const struct exec *x, const struct fixed_params *p, struct err *e)
{
	if (!(p->bps >= 0))
		return err_set(e, ERR_INPUT, "fixed backend: bandwidth must not be negative");
	struct fixed *f = calloc(1, sizeof *f);
	if (!f || !(f->latency = hist_new())) {
		free(f);
		return err_set(e, ERR_FAIL, "out of memory");
	}
	f->x = *x;
	f->p = *p;
	out->ops = &fixed_ops_table;
	out->self = f;
	return 0;
}

uint64_t fixed_ops(const struct backend *b, enum bk_op op)
{
	const struct fixed *f = b->self;
	return (unsigned)op < BK_NOPS ? f->ops[op] : 0;
}
