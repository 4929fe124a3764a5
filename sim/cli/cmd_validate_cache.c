/*
 * tiersim validate cache — LRU and FIFO replay against Che's
 * approximation and its FIFO counterpart under IRM Zipf (method, warm-up
 * and criterion in models/cvalidate.h).  This file only wires the
 * project's seeded Zipf generator (traces/zipf.h, one RNG stream named
 * "validate.cache.zipf") to the comparison and prints the table.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "models/cvalidate.h"
#include "sim/rng.h"
#include "sim/table.h"
#include "sim/units.h"
#include "traces/zipf.h"
#include "validate_cache.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim validate cache [--objects N] [--requests M] [--alpha A] [--seed S]\n"
		"                              [--format text|csv|json]\n\n"
		"Generates an independent-reference Zipf(A) request stream over N unit-size objects\n"
		"with the project's seeded generator, replays it through the real LRU and FIFO\n"
		"policies at caches of 1%%, 2%%, 5%%, 10%% and 20%% of the objects, and compares each\n"
		"steady-state hit ratio with Che's approximation (LRU) and the TTL approximation of\n"
		"FIFO, whose characteristic times come from a GSL root finder.  Requests are counted\n"
		"only after warm-up: once every cache is full and at least 10x the largest cache's\n"
		"size in requests have gone by.  Exits 0 only when every row is within %.0f\n"
		"percentage points.\n\n"
		"  --objects N    distinct objects (default 100000, at least 100)\n"
		"  --requests M   requests counted after warm-up (default 5000000)\n"
		"  --alpha A      Zipf exponent (default 0.8)\n"
		"  --seed S       run seed (default 1)\n"
		"  --format F     text (default), csv or json\n",
		CV_TOLERANCE_PP);
}

struct zipf_src {
	struct zipf z;
	gsl_rng *rng;
};

static uint64_t draw_zipf(void *ctx)
{
	struct zipf_src *s = ctx;
	return zipf_draw(&s->z, s->rng);
}

static int usage_err(const char *msg)
{
	fprintf(stderr, "tiersim validate cache: %s\n", msg);
	return CLI_USAGE;
}

int cmd_validate_cache(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "objects", required_argument, NULL, 'n' }, { "requests", required_argument, NULL, 'm' },
		{ "alpha", required_argument, NULL, 'a' },   { "seed", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },  { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cv_opts o;
	cv_default_opts(&o);
	enum tbl_format fmt = TBL_TEXT;
	struct err e = { 0 };
	char msg[1200];
	int c;
	optind = 1;
	int li = -1;
	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		int bad = 0;
		switch (c) {
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'n': bad = unit_parse_u64(optarg, &o.objects, &e); break;
		case 'm': bad = unit_parse_u64(optarg, &o.requests, &e); break;
		case 's': bad = unit_parse_u64(optarg, &o.seed, &e); break;
		case 'a': bad = unit_parse_double(optarg, &o.alpha, &e); break;
		case 'f':
			if (tbl_parse_format(optarg, &fmt) < 0) {
				snprintf(msg, sizeof msg, "unknown format '%.100s' (use text, csv or json)", optarg);
				return usage_err(msg);
			}
			break;
		default:
			usage(stderr);
			return CLI_USAGE;
		}
		if (bad < 0) { /* the value's error, after the flag it was given to */
			snprintf(msg, sizeof msg, "--%s: %s", li >= 0 ? opts[li].name : "?", e.msg);
			return usage_err(msg);
		}
		li = -1;
	}
	if (optind != argc) {
		snprintf(msg, sizeof msg, "unexpected argument '%.100s'", argv[optind]);
		return usage_err(msg);
	}
	struct zipf_src src;
	if (zipf_init(&src.z, o.objects, o.alpha, &e) < 0)
		return cli_fail("validate cache", &e);
	src.rng = rng_stream_new(o.seed, "validate.cache.zipf");
	if (!src.rng) {
		fprintf(stderr, "tiersim validate cache: out of memory\n");
		return CLI_FAIL;
	}
	struct cv_result res;
	int rc = cv_run(&o, draw_zipf, &src, &res, &e);
	gsl_rng_free(src.rng);
	if (rc < 0)
		return cli_fail("validate cache", &e);

	snprintf(msg, sizeof msg, "cache policies vs analytic models: IRM Zipf(%g), %llu objects", o.alpha,
		 (unsigned long long)o.objects);
	struct tbl *t = tbl_new(msg);
	if (!t)
		return CLI_FAIL;
	int cp = tbl_col(t, "policy", "policy", ""), cm = tbl_col(t, "model", "model", ""),
	    cc = tbl_col(t, "cache_pct", "cache", "% of objects"), co = tbl_col(t, "cache_objects", "cache", "objects"),
	    ca = tbl_col(t, "analytic_hit_ratio", "analytic hit ratio", ""),
	    cs = tbl_col(t, "simulated_hit_ratio", "simulated hit ratio", ""),
	    cd = tbl_col(t, "diff_pp", "difference", "pp"), cw = tbl_col(t, "within_tolerance", "within 2 pp", "");
	for (int i = 0; i < CV_NROWS; i++) {
		const struct cv_row *r = &res.rows[i];
		tbl_row(t);
		tbl_str(t, cp, che_policy_name(r->policy));
		tbl_str(t, cm, r->policy == CHE_LRU ? "Che" : "FIFO TTL");
		tbl_num(t, cc, "%g", r->cache_pct);
		tbl_int(t, co, r->cache_objects);
		tbl_num(t, ca, "%.4f", r->analytic_hit);
		tbl_num(t, cs, "%.4f", r->sim_hit);
		tbl_num(t, cd, "%+.3f", r->diff_pp);
		tbl_str(t, cw, r->pass ? "yes" : "NO");
	}
	rc = tbl_print(t, fmt, stdout);
	tbl_free(t);
	if (rc == 0 && fmt == TBL_TEXT)
		printf("\n%s (%llu requests counted after %llu warm-up, seed %llu)\n",
		       res.all_pass ? "every row is within 2 percentage points" : "SOME rows differ by more than 2 percentage points",
		       (unsigned long long)o.requests, (unsigned long long)res.warmup_requests,
		       (unsigned long long)o.seed);
	/* A table that could not be written is said so: exit 1 alone also
	 * means a row out of its tolerance. */
	if (rc < 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "tiersim validate cache: cannot write the table (out of memory or a write error)\n");
		return CLI_FAIL;
	}
	return res.all_pass ? CLI_OK : CLI_FAIL;
}
