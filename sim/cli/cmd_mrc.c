/*
 * tiersim mrc — a whole LRU miss-ratio curve in one pass over a trace:
 * exact stack distances, and SHARDS sampling (--sample R) with its error
 * against the exact curve (models/mrc.h has the method and the sources).
 *
 * Which curves run:
 *   no --sample        exact only.
 *   --sample R         SHARDS, and the exact curve alongside it as long as
 *                      the trace has at most 2,000,000 distinct objects
 *                      (about 160 MB); past that the exact curve is dropped
 *                      and no error is reported.
 *   --exact-check      the exact curve whatever the trace's size.
 * With both, each row also gives the exact ratios and the absolute error,
 * and the text form ends with the mean and largest absolute error over
 * the points.
 *
 * Points: every --size given (counted exactly), else --sizes N points (20
 * by default) evenly spaced up to --max-size, or up to the working set
 * (the bytes of all distinct objects, where only cold misses remain),
 * each rounded up to a multiple of the histogram's bucket width so it is
 * exact.  The table is printed only after the whole trace has been read.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "models/mrc.h"
#include "sim/table.h"
#include "sim/units.h"
#include "traces/trace.h"

#define MAX_SIZES 256
#define MAX_POINTS 10000
#define DEFAULT_POINTS 20
#define AUTO_EXACT_MAX_OBJECTS 2000000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim mrc --trace FILE [--trace-format NAME]\n"
		"                   [--size BYTES ... | --sizes N] [--max-size BYTES]\n"
		"                   [--sample RATE [--exact-check]] [--format text|csv|json]\n\n"
		"Computes the LRU miss-ratio curve of a trace in one pass, from exact stack\n"
		"distances (byte-weighted: a request hits a cache of C bytes when its object and\n"
		"the distinct objects requested since its last request total at most C bytes).\n"
		"This equals `tiersim cache --policy lru` at every size no smaller than the\n"
		"largest object; below that an object too large to cache would, in a real LRU,\n"
		"not evict anything, and the curve may differ.  --sample RATE uses SHARDS\n"
		"spatial sampling (objects with hash mod 2^24 < RATE*2^24, distances scaled by\n"
		"1/RATE) and reports its error against the exact curve when both run.\n\n"
		"  --trace FILE          the trace (streamed, never loaded whole)\n"
		"  --trace-format NAME   any trace format (see tiersim cache --help)\n"
		"  --size BYTES          a cache size to report, counted exactly; repeatable\n"
		"  --sizes N             number of evenly spaced sizes (default %d)\n"
		"  --max-size BYTES      the largest size (default: the working set)\n"
		"  --sample RATE         SHARDS at this rate, 0 < RATE <= 1 (e.g. 0.01)\n"
		"  --exact-check         with --sample: compute the exact curve too, whatever the\n"
		"                        trace's size (done by itself up to %d objects)\n"
		"  --format F            text (default), csv or json\n",
		DEFAULT_POINTS, AUTO_EXACT_MAX_OBJECTS);
}

static int fail_msg(const char *msg)
{
	fprintf(stderr, "tiersim mrc: %s\n", msg);
	return CLI_USAGE;
}

/* The points of the curve, written to pts[0..*n). */
static void choose_points(const struct mrc *m, enum mrc_kind k, const uint64_t *sizes, size_t n_sizes,
			  uint64_t n_points, uint64_t max_size, uint64_t *pts, size_t *n)
{
	if (n_sizes) {
		memcpy(pts, sizes, n_sizes * sizeof *pts);
		*n = n_sizes;
		return;
	}
	uint64_t g = mrc_granularity(m, MRC_EXACT);
	if (mrc_has(m, MRC_SHARDS) && mrc_granularity(m, MRC_SHARDS) > g)
		g = mrc_granularity(m, MRC_SHARDS);
	uint64_t top = max_size ? max_size : mrc_working_set_bytes(m, k);
	if (top == 0)
		top = 1;
	size_t j = 0;
	for (uint64_t i = 1; i <= n_points; i++) {
		uint64_t c = (uint64_t)ceil((double)top * (double)i / (double)n_points);
		c = (c + g - 1) / g * g;
		if (c == 0)
			c = g;
		if (j == 0 || pts[j - 1] != c)
			pts[j++] = c;
	}
	*n = j;
}

int cmd_mrc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "trace-format", required_argument, NULL, 'T' },
		{ "size", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'n' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "sample", required_argument, NULL, 'r' },
		{ "exact-check", no_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trace = NULL, *trace_fmt = NULL;
	uint64_t sizes[MAX_SIZES];
	size_t n_sizes = 0;
	uint64_t n_points = 0, max_size = 0;
	double rate = 0.0;
	int exact_check = 0;
	enum tbl_format fmt = TBL_TEXT;
	struct err e = { 0 };
	char msg[1200];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 't': trace = optarg; break;
		case 'T': trace_fmt = optarg; break;
		case 's':
			if (cli_parse_size(optarg, sizes, &n_sizes, MAX_SIZES, &e) < 0)
				return cli_fail("mrc", &e);
			break;
		case 'n':
			if (unit_parse_u64(optarg, &n_points, &e) < 0) {
				snprintf(msg, sizeof msg, "--sizes: %s", e.msg);
				return fail_msg(msg);
			}
			if (n_points == 0 || n_points > MAX_POINTS) {
				snprintf(msg, sizeof msg, "--sizes %.100s: need 1 to %d points", optarg, MAX_POINTS);
				return fail_msg(msg);
			}
			break;
		case 'm':
			if (unit_parse_bytes(optarg, &max_size, &e) < 0) {
				snprintf(msg, sizeof msg, "--max-size: %s", e.msg);
				return fail_msg(msg);
			}
			if (max_size == 0)
				return fail_msg("--max-size must be more than 0 bytes");
			break;
		case 'r':
			if (unit_parse_double(optarg, &rate, &e) < 0) {
				snprintf(msg, sizeof msg, "--sample: %s", e.msg);
				return fail_msg(msg);
			}
			if (!(rate > 0.0 && rate <= 1.0)) {
				snprintf(msg, sizeof msg, "--sample %.100s: the rate must be in (0, 1]", optarg);
				return fail_msg(msg);
			}
			if (rate * (double)MRC_SHARDS_P < 0.5) { /* it was raised to 2^-24 without a word */
				snprintf(msg, sizeof msg, "--sample %.100s: below the finest rate, 2^-24 (%.3g)", optarg,
					 1.0 / (double)MRC_SHARDS_P);
				return fail_msg(msg);
			}
			break;
		case 'x': exact_check = 1; break;
		case 'f':
			if (tbl_parse_format(optarg, &fmt) < 0) {
				snprintf(msg, sizeof msg, "unknown format '%.100s' (use text, csv or json)", optarg);
				return fail_msg(msg);
			}
			break;
		default:
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc) {
		snprintf(msg, sizeof msg, "unexpected argument '%.100s'", argv[optind]);
		return fail_msg(msg);
	}
	if (!trace)
		return fail_msg("--trace FILE is required");
	if (n_sizes && (n_points || max_size))
		return fail_msg("give either --size BYTES ... or --sizes N / --max-size BYTES, not both");
	if (exact_check && rate == 0.0)
		return fail_msg("--exact-check needs --sample RATE (without it the curve is exact)");
	if (!n_points)
		n_points = DEFAULT_POINTS;

	struct mrc_cfg cfg = {
		.exact = 1,
		.exact_max_objects = (rate != 0.0 && !exact_check) ? AUTO_EXACT_MAX_OBJECTS : 0,
		.sample_rate = rate,
		.sizes = sizes,
		.n_sizes = n_sizes,
	};
	struct mrc *m = mrc_new(&cfg, &e);
	if (!m)
		return cli_fail("mrc", &e);
	struct trace_reader *tr = trace_open(trace, trace_fmt, &e);
	if (!tr) {
		mrc_free(m);
		return cli_fail("mrc", &e);
	}
	if (!strcmp(tr->ops->name, "alibaba_gpu")) { /* its sizes are GPU counts: ratios of nothing */
		trace_close(tr);
		mrc_free(m);
		return fail_msg("an alibaba_gpu trace lists GPU tasks, not object requests: nothing to cache "
				"(tiersim trace inspect reads it)");
	}
	struct trace_rec r;
	int got;
	uint64_t rec_no = 0;
	while ((got = trace_next(tr, &r, &e)) == 1) {
		rec_no++;
		if (mrc_access(m, r.obj_id, r.size_bytes, &e) < 0) {
			err_prefix(&e, "%s: record %llu: ", trace, (unsigned long long)rec_no);
			got = -1;
			break;
		}
	}
	trace_close(tr);
	if (got < 0) {
		mrc_free(m);
		return cli_fail("mrc", &e);
	}

	int shards = mrc_has(m, MRC_SHARDS), exact = mrc_has(m, MRC_EXACT);
	enum mrc_kind main_k = shards ? MRC_SHARDS : MRC_EXACT;
	uint64_t *pts = malloc((n_sizes ? n_sizes : n_points) * sizeof *pts);
	size_t np = 0;
	if (!pts) {
		mrc_free(m);
		fprintf(stderr, "tiersim mrc: out of memory\n");
		return CLI_FAIL;
	}
	choose_points(m, exact ? MRC_EXACT : MRC_SHARDS, sizes, n_sizes, n_points, max_size, pts, &np);
	struct mrc_point p0;
	if (shards && np && mrc_requests(m) && mrc_eval(m, main_k, pts[0], &p0) == 0 && isnan(p0.miss_ratio)) {
		fprintf(stderr,
			"tiersim mrc: --sample %.4g sampled none of the %llu requests of %s, so there is no curve to "
			"estimate: use a larger rate\n",
			mrc_sample_rate(m), (unsigned long long)mrc_requests(m), trace);
		free(pts);
		mrc_free(m);
		return CLI_USAGE;
	}

	if (shards)
		snprintf(msg, sizeof msg, "mrc: LRU on %.900s (SHARDS, rate %.4g)", trace, mrc_sample_rate(m));
	else
		snprintf(msg, sizeof msg, "mrc: LRU on %.900s (exact stack distances)", trace);
	struct tbl *t = tbl_new(msg);
	int rc = t ? 0 : -1;
	int c_size = -1, c_mr = -1, c_bmr = -1, c_emr = -1, c_ebmr = -1, c_err = -1;
	if (t) {
		c_size = tbl_col(t, "size_bytes", "size", "bytes");
		c_mr = tbl_col(t, "miss_ratio", "miss ratio", "");
		c_bmr = tbl_col(t, "byte_miss_ratio", "byte miss ratio", "");
		if (shards && exact) {
			c_emr = tbl_col(t, "exact_miss_ratio", "exact miss ratio", "");
			c_ebmr = tbl_col(t, "exact_byte_miss_ratio", "exact byte miss ratio", "");
			c_err = tbl_col(t, "abs_error", "abs error", "");
		}
	}
	double sum_err = 0.0, max_err = 0.0, sum_berr = 0.0;
	size_t nb = 0; /* points with byte ratios (none when no bytes were requested) */
	for (size_t i = 0; i < np && rc == 0; i++) {
		struct mrc_point p, q;
		if (mrc_eval(m, main_k, pts[i], &p) < 0)
			rc = -1;
		if (rc == 0 && (tbl_row(t) < 0 || tbl_int(t, c_size, p.size_bytes) < 0 ||
				tbl_num(t, c_mr, "%.6f", p.miss_ratio) < 0 ||
				tbl_num(t, c_bmr, "%.6f", p.byte_miss_ratio) < 0))
			rc = -1;
		if (rc == 0 && shards && exact) {
			if (mrc_eval(m, MRC_EXACT, pts[i], &q) < 0)
				rc = -1;
			double err = fabs(p.miss_ratio - q.miss_ratio);
			sum_err += err;
			if (!isnan(p.byte_miss_ratio) && !isnan(q.byte_miss_ratio)) {
				sum_berr += fabs(p.byte_miss_ratio - q.byte_miss_ratio);
				nb++;
			}
			if (err > max_err)
				max_err = err;
			if (rc == 0 && (tbl_num(t, c_emr, "%.6f", q.miss_ratio) < 0 ||
					tbl_num(t, c_ebmr, "%.6f", q.byte_miss_ratio) < 0 ||
					tbl_num(t, c_err, "%.6f", err) < 0))
				rc = -1;
		}
	}
	if (rc == 0)
		rc = tbl_print(t, fmt, stdout);
	tbl_free(t);
	if (rc == 0 && fmt == TBL_TEXT) {
		uint64_t changed = mrc_size_changes(m);
		if (!exact)
			printf("\n%llu requests; largest object %llu bytes\n", (unsigned long long)mrc_requests(m),
			       (unsigned long long)mrc_max_obj_bytes(m));
		else if (changed)
			printf("\n%llu requests; largest object %llu bytes; %llu request%s found %s object at another "
			       "size, so the exact curve is not an LRU replay's at any size (the stack brings back "
			       "objects that a shrinking one had pushed out; tiersim cache --policy lru replays it)\n",
			       (unsigned long long)mrc_requests(m), (unsigned long long)mrc_max_obj_bytes(m),
			       (unsigned long long)changed, changed == 1 ? "" : "s", changed == 1 ? "its" : "their");
		else
			printf("\n%llu requests; largest object %llu bytes (exact against an LRU replay at sizes >= it)\n",
			       (unsigned long long)mrc_requests(m), (unsigned long long)mrc_max_obj_bytes(m));
		if (shards && exact && np && nb)
			printf("SHARDS rate %.4g vs exact: mean absolute error %.6f (byte %.6f), max %.6f over %zu points\n",
			       mrc_sample_rate(m), sum_err / (double)np, sum_berr / (double)nb, max_err, np);
		else if (shards && exact && np)
			printf("SHARDS rate %.4g vs exact: mean absolute error %.6f (no bytes requested: no byte ratios), "
			       "max %.6f over %zu points\n",
			       mrc_sample_rate(m), sum_err / (double)np, max_err, np);
		else if (shards)
			printf("SHARDS rate %.4g: more than %d distinct objects, exact curve not computed (use --exact-check)\n",
			       mrc_sample_rate(m), AUTO_EXACT_MAX_OBJECTS);
	}
	free(pts);
	mrc_free(m);
	if (rc < 0) {
		fprintf(stderr, "tiersim mrc: cannot print the table (out of memory or write error)\n");
		return CLI_FAIL;
	}
	return CLI_OK;
}
