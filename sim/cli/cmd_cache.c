/*
 * tiersim cache — cache-only replay: a trace through one eviction policy
 * at one or more cache sizes, with no timing, printing the request and
 * byte miss ratios per size (the second rung of the validation ladder;
 * semantics in sim/policy.h, counting in sim/cache.h).
 *
 * All sizes run in one pass over the trace, one policy instance per size,
 * and the table is printed only once the whole trace has been read, so a
 * bad record never leaves half a table behind.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sim/cache.h"
#include "sim/policy.h"
#include "sim/table.h"
#include "sim/units.h"
#include "traces/trace.h"

#define MAX_SIZES 256

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim cache --trace FILE [--trace-format NAME] --policy NAME\n"
		"                     --size BYTES [--size BYTES ...] [--admission SPEC]\n"
		"                     [--format text|csv|json]\n\n"
		"Replays a request trace through one cache eviction policy, at each size given,\n"
		"with no timing, and prints per size: requests, request miss ratio and byte\n"
		"miss ratio.  Every request is a lookup (the op is ignored); a miss is counted\n"
		"even when the object is not admitted; on a miss an object no larger than the\n"
		"cache is inserted, evicting until it fits.  A request for a resident object\n"
		"with a new size is a hit and the object takes the new size.\n\n"
		"  --trace FILE          the trace (streamed, never loaded whole)\n"
		"  --trace-format NAME   %s\n"
		"                        (guessed from the name and first bytes as tiersim trace\n"
		"                        --help says; a pipe's must be given).  csv:OPT,OPT,...\n"
		"                        with OPT one of time=COL id=COL size=COL op=COL (COL a\n"
		"                        1-based index, a header name, or none; size=none counts\n"
		"                        each request as 1 byte), header=yes|no,\n"
		"                        delim=comma|tab|space|semicolon|pipe|C, time-unit=ns|us|\n"
		"                        ms|s; with a header, csv finds columns named\n"
		"                        time/timestamp/ts, obj_id/id/key/lbn/lba/object/obj,\n"
		"                        size/obj_size/bytes/len/length, op/operation/cmd/type\n"
		"  --policy NAME         %s\n"
		"  --size BYTES          cache size: 4GiB, 512MB, 1000000 (bytes); repeatable\n"
		"  --admission SPEC      always (default), size:BYTES (admit objects up to\n"
		"                        BYTES) or second-hit (admit on the second miss)\n"
		"  --format F            text (default), csv or json\n",
		trace_formats(), pol_names());
}

static int fail_msg(const char *msg)
{
	fprintf(stderr, "tiersim cache: %s\n", msg);
	return CLI_USAGE;
}

static int print_table(const char *policy, const char *trace, const struct cache_run *run,
		       const uint64_t *sizes, enum tbl_format fmt)
{
	char title[512];
	snprintf(title, sizeof title, "cache: %s on %s", policy, trace);
	struct tbl *t = tbl_new(title);
	if (!t)
		return -1;
	int c_size = tbl_col(t, "size_bytes", "size", "bytes");
	int c_req = tbl_col(t, "requests", "requests", "");
	int c_mr = tbl_col(t, "miss_ratio", "miss ratio", "");
	int c_bmr = tbl_col(t, "byte_miss_ratio", "byte miss ratio", "");
	int rc = 0;
	for (size_t i = 0; i < run->n && rc == 0; i++) {
		const struct cache_stats *s = &run->stats[i];
		if (tbl_row(t) < 0 || tbl_int(t, c_size, sizes[i]) < 0 ||
		    tbl_int(t, c_req, s->requests) < 0 ||
		    tbl_num(t, c_mr, "%.6f", cache_miss_ratio(s)) < 0 ||
		    tbl_num(t, c_bmr, "%.6f", cache_byte_miss_ratio(s)) < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = tbl_print(t, fmt, stdout);
	tbl_free(t);
	return rc;
}

int cmd_cache(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "trace-format", required_argument, NULL, 'T' },
		{ "policy", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "admission", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trace = NULL, *trace_fmt = NULL, *policy = NULL;
	uint64_t sizes[MAX_SIZES];
	size_t n_sizes = 0;
	struct pol_adm_spec adm = { 0 };
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
		case 'p': policy = optarg; break;
		case 's':
			if (cli_parse_size(optarg, sizes, &n_sizes, MAX_SIZES, &e) < 0)
				return cli_fail("cache", &e);
			break;
		case 'a':
			if (pol_adm_parse(optarg, &adm, &e) < 0)
				return cli_fail("cache", &e);
			break;
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
	if (!policy)
		return fail_msg("--policy NAME is required");
	if (n_sizes == 0)
		return fail_msg("at least one --size BYTES is required");
	const struct pol_ops *ops = pol_by_name(policy);
	if (!ops) {
		snprintf(msg, sizeof msg, "unknown policy '%.100s' (use %s)", policy, pol_names());
		return fail_msg(msg);
	}

	struct trace_reader *tr = trace_open(trace, trace_fmt, &e);
	if (!tr)
		return cli_fail("cache", &e);
	if (!strcmp(tr->ops->name, "alibaba_gpu")) { /* its sizes are GPU counts: ratios of nothing */
		trace_close(tr);
		return fail_msg("an alibaba_gpu trace lists GPU tasks, not object requests: nothing to cache "
				"(tiersim trace inspect reads it)");
	}
	if (ops == &pol_belady_ops && !tr->has_next_access) {
		trace_close(tr);
		return fail_msg("belady needs next-access times, which only oracleGeneral traces carry");
	}
	struct cache_run run;
	if (cache_run_init(&run, ops, sizes, n_sizes, &adm, &e) < 0) {
		trace_close(tr);
		return cli_fail("cache", &e);
	}
	/* Records are read a batch at a time and then replayed: it keeps the
	 * reader's stores and the replay's loads of one record apart (a load
	 * right behind the stores it spans stalls on store forwarding). */
	struct trace_rec batch[256];
	uint64_t rec_no = 0;
	int got = 1;
	while (got == 1) {
		size_t nb = 0;
		while (nb < sizeof batch / sizeof batch[0] && (got = trace_next(tr, &batch[nb], &e)) == 1)
			nb++;
		for (size_t i = 0; i < nb; i++) {
			struct pol_req q = { .obj_id = batch[i].obj_id, .size_bytes = batch[i].size_bytes,
					     .next_access_vtime = batch[i].next_access_vtime };
			rec_no++;
			if (cache_run_access(&run, &q, &e) < 0) {
				err_prefix(&e, "%s: record %llu: ", trace, (unsigned long long)rec_no);
				got = -1;
				break;
			}
		}
	}
	trace_close(tr);
	int status = CLI_OK;
	if (got < 0)
		status = cli_fail("cache", &e);
	else if (print_table(ops->name, trace, &run, sizes, fmt) < 0) {
		fprintf(stderr, "tiersim cache: cannot print the table (out of memory or write error)\n");
		status = CLI_FAIL;
	}
	cache_run_destroy(&run);
	return status;
}
