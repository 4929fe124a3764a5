/*
 * qvalidate — see qvalidate.h for the method and its source.
 */
#include "qvalidate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "models/qtheory.h"
#include "sim/dist.h"
#include "sim/engine.h"
#include "sim/resource.h"
#include "sim/rng.h"

#define MEAN_SERVICE_NS 1e6 /* 1 ms: round numbers, and ns rounding is < 1e-6 relative */

struct qv_case {
	const char *model;
	unsigned servers;
	enum dist_kind service;
	double cv;
	double rho;
};

static const struct qv_case cases[QV_NROWS] = {
	{ "M/M/1", 1, DIST_EXP, 1.0, 0.5 },
	{ "M/M/1", 1, DIST_EXP, 1.0, 0.9 },
	{ "M/M/4", 4, DIST_EXP, 1.0, 0.5 },
	{ "M/M/4", 4, DIST_EXP, 1.0, 0.9 },
	{ "M/D/1", 1, DIST_CONST, 0.0, 0.5 },
	{ "M/D/1", 1, DIST_CONST, 0.0, 0.9 },
	{ "M/G/1 lognormal cv=1.5", 1, DIST_LOGNORMAL, 1.5, 0.5 },
	{ "M/G/1 lognormal cv=1.5", 1, DIST_LOGNORMAL, 1.5, 0.9 },
};

void qv_default_opts(struct qv_opts *o)
{
	o->seed = 1;
	o->reps = 20;
	o->warmup = 20000;
	o->customers = 200000;
}

/* One replication: a Poisson source feeding one res_queue. */
struct rep {
	struct ev_engine *eng;
	struct exec x;
	struct res_queue *q;
	gsl_rng *arrivals, *service;
	const struct dist *svc;
	double mean_ia_ns;
	uint64_t arrived, warmup, total;
	int failed;
};

static void no_op(void *arg)
{
	(void)arg;
}

static void arrive(void *arg)
{
	struct rep *r = arg;
	r->arrived++;
	if (r->arrived == r->warmup + 1)
		res_queue_reset_stats(r->q);
	double s = dist_sample(r->svc, r->service);
	if (res_queue_submit(r->q, (uint64_t)llround(s), no_op, r) < 0)
		r->failed = 1;
	if (r->arrived < r->total) {
		double ia = gsl_ran_exponential(r->arrivals, r->mean_ia_ns);
		ev_after(r->eng, (uint64_t)llround(ia), arrive, r);
	}
}

static void make_service(struct dist *d, const struct qv_case *c)
{
	memset(d, 0, sizeof *d);
	switch (c->service) {
	case DIST_EXP:
		dist_exp(d, MEAN_SERVICE_NS);
		break;
	case DIST_CONST:
		dist_const(d, MEAN_SERVICE_NS);
		break;
	default: {
		char spec[96];
		snprintf(spec, sizeof spec, "lognormal(%.0fns, %g)", MEAN_SERVICE_NS, c->cv);
		dist_parse(d, spec, DIST_TIME, NULL); /* a constant spec: cannot fail */
	}
	}
}

static double theory(const struct qv_case *c, const struct dist *svc, double lambda_per_ns)
{
	double es = dist_mean(svc);
	switch (c->service) {
	case DIST_EXP:
		return c->servers == 1 ? qt_mm1_wq(lambda_per_ns, es) : qt_mmc_wq(lambda_per_ns, es, c->servers);
	case DIST_CONST:
		return qt_md1_wq(lambda_per_ns, es);
	default:
		return qt_mg1_wq(lambda_per_ns, es, dist_m2(svc));
	}
}

static int run_rep(const struct qv_opts *o, const struct qv_case *c, const struct dist *svc, unsigned idx,
		   double *mean_wait, double *little_err, uint64_t *events, struct err *e)
{
	char name[128];
	struct rep r = { 0 };
	r.eng = ev_engine_new(NULL);
	r.x = ev_executor(r.eng);
	r.q = r.eng ? res_queue_new(&r.x, c->servers) : NULL;
	snprintf(name, sizeof name, "validate/%s/c=%u/rho=%.2f/rep=%u/arrivals", c->model, c->servers, c->rho, idx);
	r.arrivals = rng_stream_new(o->seed, name);
	snprintf(name, sizeof name, "validate/%s/c=%u/rho=%.2f/rep=%u/service", c->model, c->servers, c->rho, idx);
	r.service = rng_stream_new(o->seed, name);
	int rc = -1;
	if (!r.eng || !r.q || !r.arrivals || !r.service) {
		err_set(e, ERR_FAIL, "out of memory");
		goto out;
	}
	r.svc = svc;
	r.mean_ia_ns = dist_mean(svc) / (c->rho * c->servers);
	r.warmup = o->warmup;
	r.total = o->warmup + o->customers;
	ev_at(r.eng, 0, arrive, &r);
	if (ev_run(r.eng, UINT64_MAX, e) < 0)
		goto out;
	if (r.failed) {
		err_set(e, ERR_FAIL, "out of memory");
		goto out;
	}
	const struct res_stats *st = res_queue_stats(r.q);
	uint64_t now = ev_now(r.eng);
	double wq = hist_mean(st->wait_ns);
	double lq = res_stats_mean_queue(st, now);
	/* λ over the window: customers that arrived after the restart. */
	double lambda = (double)st->arrivals / (double)(now - st->since_ns);
	*mean_wait = wq;
	*little_err = lq > 0 ? fabs(lq - lambda * wq) / lq * 100.0 : 0.0;
	*events = ev_events_run(r.eng);
	rc = 0;
out:
	res_queue_free(r.q);
	ev_engine_free(r.eng);
	if (r.arrivals)
		gsl_rng_free(r.arrivals);
	if (r.service)
		gsl_rng_free(r.service);
	return rc;
}

int qv_run(const struct qv_opts *o, struct qv_row *rows, struct err *e)
{
	if (o->reps < 2)
		return err_set(e, ERR_INPUT, "--reps %u: need at least 2 replications", o->reps);
	if (o->customers < 1)
		return err_set(e, ERR_INPUT, "--customers: need at least 1 customer per replication");
	double *means = malloc(o->reps * sizeof *means);
	if (!means)
		return err_set(e, ERR_FAIL, "out of memory");
	int rc = 0;
	for (size_t i = 0; i < QV_NROWS && rc == 0; i++) {
		const struct qv_case *c = &cases[i];
		struct qv_row *row = &rows[i];
		struct dist svc;
		make_service(&svc, c);
		memset(row, 0, sizeof *row);
		snprintf(row->model, sizeof row->model, "%s", c->model);
		row->servers = c->servers;
		row->rho = c->rho;
		row->theory_ns = theory(c, &svc, c->rho * c->servers / dist_mean(&svc));
		for (unsigned k = 0; k < o->reps && rc == 0; k++) {
			double le = 0;
			uint64_t ev = 0;
			rc = run_rep(o, c, &svc, k, &means[k], &le, &ev, e);
			if (le > row->little_err_pct)
				row->little_err_pct = le;
			row->events += ev;
		}
		dist_free(&svc);
		if (rc)
			break;
		row->sim_ns = gsl_stats_mean(means, 1, o->reps);
		double sd = gsl_stats_sd_m(means, 1, o->reps, row->sim_ns);
		row->half_ns = gsl_cdf_tdist_Pinv(0.975, o->reps - 1) * sd / sqrt((double)o->reps);
		row->err_pct = (row->sim_ns - row->theory_ns) / row->theory_ns * 100.0;
		row->inside = fabs(row->sim_ns - row->theory_ns) <= row->half_ns;
	}
	free(means);
	return rc;
}
