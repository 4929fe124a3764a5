/*
 * tiersim validate — the rungs of the validation ladder that run without
 * hardware.  `validate queueing`: the DES's resources against queueing
 * theory (models/qvalidate.h).  `validate cache`: LRU and FIFO against
 * Che's approximation (cmd_validate_cache.c, models/cvalidate.h).
 * `validate hardware`: a run measured by tierref against its simulation
 * with a probed device preset (cmd_validate_hw.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "models/qvalidate.h"
#include "sim/table.h"
#include "sim/units.h"
#include "validate_cache.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim validate queueing [--seed N] [--reps N] [--customers N] [--warmup N]\n"
		"                                 [--format text|csv|json]\n\n"
		"Simulates M/M/1, M/M/4, M/D/1 and M/G/1 (lognormal service, CV 1.5) at utilisation\n"
		"0.5 and 0.9 with the simulator's own resources, and compares the mean wait in queue\n"
		"with the closed forms (Erlang C, Pollaczek-Khinchine).  Each row gives the 95%%\n"
		"confidence interval of the simulated mean over independent replications; the\n"
		"command exits 0 only when every closed form lies inside its interval.\n\n"
		"  --seed N       run seed (default 1)\n"
		"  --reps N       replications per row (default 20)\n"
		"  --customers N  customers measured per replication (default 200000)\n"
		"  --warmup N     customers discarded first in each replication (default 20000)\n"
		"  --format F     text (default), csv or json\n");
}

static int validate_queueing(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },      { "reps", required_argument, NULL, 'r' },
		{ "customers", required_argument, NULL, 'c' }, { "warmup", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct qv_opts o;
	qv_default_opts(&o);
	enum tbl_format fmt = TBL_TEXT;
	struct err e = { 0 };
	uint64_t v;
	int c;
	optind = 1;
	int li = -1;
	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return CLI_OK;
		}
		if (c == 'f') {
			if (tbl_parse_format(optarg, &fmt) < 0) {
				fprintf(stderr, "tiersim validate: unknown format '%s' (use text, csv or json)\n", optarg);
				return CLI_USAGE;
			}
			continue;
		}
		if (c == '?' || unit_parse_u64(optarg, &v, &e) < 0) {
			if (c != '?')
				fprintf(stderr, "tiersim validate queueing: --%s: %s\n", li >= 0 ? opts[li].name : "?",
					e.msg);
			usage(stderr);
			return CLI_USAGE;
		}
		switch (c) {
		case 's': o.seed = v; break;
		case 'r':
			if (v > 100000) { /* it was cut to 100000 without a word */
				fprintf(stderr, "tiersim validate queueing: --reps %s: at most 100000\n", optarg);
				return CLI_USAGE;
			}
			o.reps = (unsigned)v;
			break;
		case 'c': o.customers = v; break;
		case 'w': o.warmup = v; break;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	struct qv_row rows[QV_NROWS];
	if (qv_run(&o, rows, &e) < 0)
		return cli_fail("validate queueing", &e);

	struct tbl *t = tbl_new("queueing theory vs simulation: mean wait in queue");
	if (!t)
		return CLI_FAIL;
	int cm = tbl_col(t, "model", "model", ""), cc = tbl_col(t, "servers", "c", ""),
	    cr = tbl_col(t, "rho", "rho", ""), ct = tbl_col(t, "theory_ms", "theory", "ms"),
	    cs = tbl_col(t, "simulated_ms", "simulated", "ms"), ch = tbl_col(t, "ci95_half_ms", "95% CI +/-", "ms"),
	    ce = tbl_col(t, "error_pct", "error", "%"), ci = tbl_col(t, "inside_ci", "inside CI", ""),
	    cl = tbl_col(t, "little_err_pct", "Little's law err", "%");
	int all = 1;
	for (int i = 0; i < QV_NROWS; i++) {
		struct qv_row *r = &rows[i];
		tbl_row(t);
		tbl_str(t, cm, r->model);
		tbl_int(t, cc, r->servers);
		tbl_num(t, cr, "%.2f", r->rho);
		tbl_num(t, ct, "%.4f", r->theory_ns / 1e6);
		tbl_num(t, cs, "%.4f", r->sim_ns / 1e6);
		tbl_num(t, ch, "%.4f", r->half_ns / 1e6);
		tbl_num(t, ce, "%+.2f", r->err_pct);
		tbl_str(t, ci, r->inside ? "yes" : "NO");
		tbl_num(t, cl, "%.3f", r->little_err_pct);
		all &= r->inside;
	}
	int rc = tbl_print(t, fmt, stdout);
	tbl_free(t);
	if (rc < 0)
		return CLI_FAIL;
	if (fmt == TBL_TEXT)
		printf("\n%s (%u replications x %llu customers after %llu warm-up, seed %llu)\n",
		       all ? "every closed form lies inside its 95% confidence interval"
			   : "SOME closed forms lie outside their 95% confidence interval",
		       o.reps, (unsigned long long)o.customers, (unsigned long long)o.warmup,
		       (unsigned long long)o.seed);
	return all ? CLI_OK : CLI_FAIL;
}

int cmd_validate(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "usage: tiersim validate queueing [OPTIONS]   (tiersim validate queueing --help)\n"
			   "       tiersim validate cache [OPTIONS]      (tiersim validate cache --help)\n"
			   "       tiersim validate hardware [OPTIONS]   (tiersim validate hardware --help)\n");
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subjects[] = { { "queueing", validate_queueing }, { "cache", cmd_validate_cache },
			 { "hardware", cmd_validate_hw } };
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
		if (strcmp(argv[1], subjects[i].name) == 0) {
			char name[64]; /* for getopt's messages (main.c) */
			snprintf(name, sizeof name, "tiersim validate %s", subjects[i].name);
			argv[1] = name;
			return subjects[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "tiersim validate: unknown subject '%s' (known: queueing, cache, hardware)\n", argv[1]);
	return CLI_USAGE;
}
