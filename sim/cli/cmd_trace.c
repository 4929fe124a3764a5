/*
 * tiersim trace — converting traces to the native format and describing
 * them.
 *
 *   tiersim trace convert IN OUT [--trace-format NAME] [--lenient]
 *   tiersim trace inspect FILE [--trace-format NAME] [--format F] [--lenient]
 *
 * Both read any format traces/trace.h knows, as a stream.  convert writes
 * OUT.tmp and renames it only when every record is in, so a failed
 * convert leaves nothing named OUT.  inspect prints its numbers only once
 * the whole trace has been read, so a bad record never leaves half a
 * report behind; for a native file it also checks the header's
 * statistics against the records.  --lenient skips bad records, and both
 * commands say how many they skipped (never silently).
 */
#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sim/table.h"
#include "sim/units.h"
#include "traces/trace.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tiersim trace convert IN OUT [--trace-format NAME] [--lenient]\n"
		"       tiersim trace inspect FILE [--trace-format NAME] [--format text|csv|json]\n"
		"                             [--lenient]\n\n"
		"convert writes the native binary trace (traces/FORMAT.md; zstd-compressed when\n"
		"OUT ends in .zst) from any readable trace.  inspect prints: records, requests\n"
		"(or block references), time span, distinct objects, bytes, working-set size\n"
		"(bytes of the distinct objects, each at its largest), read/write mix, share of\n"
		"repeat accesses (1 - distinct/references) and inter-arrival times between\n"
		"requests (mean, coefficient of variation, p50, p99).\n\n"
		"  --trace-format NAME   %s.\n"
		"                        Default: from the file's name and first bytes (*.jsonl\n"
		"                        with Mooncake's keys: mooncake; *.csv with Azure's or\n"
		"                        Alibaba's header: azure_llm, alibaba_gpu; other *.csv:\n"
		"                        csv; *.vscsi: vscsi; native magic, *.tst, *.tst.zst:\n"
		"                        native; else oracleGeneral, but text there is refused).\n"
		"                        Options:\n"
		"                        mooncake:kv-bytes-per-token=BYTES,block-tokens=N\n"
		"                        (default 320KiB per token, 512 tokens a block);\n"
		"                        azure_llm:kv-bytes-per-token=BYTES; csv:OPT,... as in\n"
		"                        tiersim cache --help\n"
		"  --lenient             skip bad records and count them (default: the first\n"
		"                        bad record is an error, exit 2)\n"
		"  --format F            text (default), csv or json (inspect)\n",
		trace_formats());
}

static int fail_msg(const char *msg)
{
	fprintf(stderr, "tiersim trace: %s\n", msg);
	return CLI_USAGE;
}

static void report_skips(const struct trace_reader *t)
{
	if (t->skipped)
		fprintf(stderr, "tiersim trace: skipped %llu bad record%s (--lenient); the first: %s\n",
			(unsigned long long)t->skipped, t->skipped == 1 ? "" : "s", t->first_skip);
}

static const char *rec_unit(const struct trace_reader *t)
{
	if (t->block_refs)
		return "block references";
	if (!strcmp(t->ops->name, "alibaba_gpu"))
		return "tasks";
	return "requests";
}

/* Parses the options after the subcommand; positional args into pos[]. */
static int parse_args(int argc, char **argv, int want_pos, char **pos, const char **trace_fmt,
		      enum tbl_format *fmt, int *lenient, int allow_format)
{
	static const struct option opts[] = {
		{ "trace-format", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "lenient", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char msg[300];
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't': *trace_fmt = optarg; break;
		case 'l': *lenient = 1; break;
		case 'f':
			if (!allow_format)
				return fail_msg("--format applies to inspect only");
			if (tbl_parse_format(optarg, fmt) < 0) {
				snprintf(msg, sizeof msg, "--format %.100s: use text, csv or json", optarg);
				return fail_msg(msg);
			}
			break;
		case 'h': usage(stdout); return -1;
		case ':':
			snprintf(msg, sizeof msg, "%.100s needs a value", argv[optind - 1]);
			return fail_msg(msg);
		default:
			snprintf(msg, sizeof msg, "unknown option %.100s (try tiersim trace --help)",
				 argv[optind - 1]);
			return fail_msg(msg);
		}
	}
	if (argc - optind != want_pos) {
		const char *sub = strrchr(argv[0], ' ');
		snprintf(msg, sizeof msg, "%s takes %d file name%s (try tiersim trace --help)", sub ? sub + 1 : argv[0],
			 want_pos, want_pos == 1 ? "" : "s");
		return fail_msg(msg);
	}
	for (int i = 0; i < want_pos; i++)
		pos[i] = argv[optind + i];
	return 0;
}

static int trace_convert(int argc, char **argv)
{
	char *pos[2];
	const char *trace_fmt = NULL;
	enum tbl_format fmt = TBL_TEXT;
	int lenient = 0;
	int rc = parse_args(argc, argv, 2, pos, &trace_fmt, &fmt, &lenient, 0);
	if (rc)
		return rc > 0 ? rc : CLI_OK;
	struct err e = { 0 };
	struct stat st;
	size_t ol = strlen(pos[1]);
	if ((ol && pos[1][ol - 1] == '/') || (stat(pos[1], &st) == 0 && S_ISDIR(st.st_mode))) {
		char msg[4200]; /* it was exit 1, ".tmp: cannot rename to dir/" */
		snprintf(msg, sizeof msg, "%s: a directory: name the file to write (e.g. %s%strace.tst)", pos[1], pos[1],
			 ol && pos[1][ol - 1] == '/' ? "" : "/");
		return fail_msg(msg);
	}
	struct trace_opts o = { .lenient = lenient };
	struct trace_reader *t = trace_open_opts(pos[0], trace_fmt, &o, &e);
	if (!t)
		return cli_fail("trace", &e);
	struct trace_writer *w = trace_writer_open(pos[1], t->ops->name, &e);
	if (!w) {
		trace_close(t);
		return cli_fail("trace", &e);
	}
	struct trace_rec r;
	int got;
	while ((got = trace_next(t, &r, &e)) == 1)
		if (trace_writer_put(w, &r, &e) < 0) {
			if (e.code == ERR_INPUT) /* the record's, which names no file; a write error names OUT */
				err_prefix(&e, "%s: ", pos[0]);
			got = -1;
			break;
		}
	if (got < 0) {
		trace_writer_abort(w);
		trace_close(t);
		return cli_fail("trace", &e);
	}
	struct trace_native_hdr h;
	if (trace_writer_finish(w, &h, &e) < 0) {
		trace_close(t);
		return cli_fail("trace", &e);
	}
	printf("converted %llu records (%s) from %s to %s; skipped %llu bad records\n",
	       (unsigned long long)h.records, rec_unit(t), t->ops->name, pos[1],
	       (unsigned long long)t->skipped);
	report_skips(t);
	trace_close(t);
	return CLI_OK;
}

static double share(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void print_text(const char *path, const struct trace_reader *t, const struct trace_stats *s)
{
	const struct trace_native_hdr *h = &s->h;
	char b1[64], b2[64], b3[64];
	uint64_t span = h->records ? h->time_last_ns - h->time_first_ns : 0;
	printf("trace              %s (%s)\n", path, t->ops->name);
	printf("records            %llu %s\n", (unsigned long long)h->records, rec_unit(t));
	printf("requests           %llu\n", (unsigned long long)s->requests);
	printf("time span          %s (%.3f s, %llu .. %llu ns)\n", unit_fmt_time(b1, sizeof b1, (double)span),
	       (double)span / 1e9, (unsigned long long)(h->records ? h->time_first_ns : 0),
	       (unsigned long long)h->time_last_ns);
	printf("distinct objects   %llu\n", (unsigned long long)h->distinct_objects);
	if (!strcmp(t->ops->name, "alibaba_gpu")) { /* a task's size is the GPUs it asks for */
		printf("GPUs               %llu over all tasks (a task's size field is its GPU count)\n",
		       (unsigned long long)h->total_bytes);
	} else {
		printf("bytes              %llu (%s)\n", (unsigned long long)h->total_bytes,
		       unit_fmt_bytes(b1, sizeof b1, (double)h->total_bytes));
		printf("working set        %llu (%s)\n", (unsigned long long)h->working_set_bytes,
		       unit_fmt_bytes(b1, sizeof b1, (double)h->working_set_bytes));
	}
	printf("read/write mix     %.1f%% read, %.1f%% write, %.1f%% other or unknown\n",
	       100 * share(h->reads, h->records), 100 * share(h->writes, h->records),
	       100 * share(h->others, h->records));
	printf("repeat accesses    %.4f (1 - distinct/%s)\n",
	       h->records ? 1.0 - share(h->distinct_objects, h->records) : 0.0, rec_unit(t));
	printf("inter-arrival      mean %s, cv %.3f, p50 %s, p99 %s (between requests)\n",
	       unit_fmt_time(b1, sizeof b1, trace_stats_ia_mean_ns(s)), trace_stats_ia_cv(s),
	       unit_fmt_time(b2, sizeof b2, trace_stats_ia_quantile_ns(s, 0.5)),
	       unit_fmt_time(b3, sizeof b3, trace_stats_ia_quantile_ns(s, 0.99)));
	if (s->backwards)
		printf("times going back   %llu request%s earlier than the one before (an open-loop replay "
		       "refuses the trace; cache, mrc and a closed loop take it in file order)\n",
		       (unsigned long long)s->backwards, s->backwards == 1 ? "" : "s");
	printf("bad records        %llu skipped%s\n", (unsigned long long)t->skipped,
	       t->lenient ? "" : " (strict)");
}

static int print_table(const char *path, const struct trace_reader *t, const struct trace_stats *s,
		       enum tbl_format fmt)
{
	const struct trace_native_hdr *h = &s->h;
	struct tbl *tb = tbl_new(NULL);
	if (!tb)
		return -1;
	uint64_t span = h->records ? h->time_last_ns - h->time_first_ns : 0;
	int c[22], k = 0, rc = 0;
	c[k++] = tbl_col(tb, "trace", "trace", "");
	c[k++] = tbl_col(tb, "format", "format", "");
	c[k++] = tbl_col(tb, "records", "records", "");
	c[k++] = tbl_col(tb, "record_unit", "record unit", "");
	c[k++] = tbl_col(tb, "requests", "requests", "");
	c[k++] = tbl_col(tb, "time_first_ns", "first time", "ns");
	c[k++] = tbl_col(tb, "time_last_ns", "last time", "ns");
	c[k++] = tbl_col(tb, "time_span_s", "time span", "s");
	c[k++] = tbl_col(tb, "distinct_objects", "distinct objects", "");
	c[k++] = tbl_col(tb, "bytes", "bytes", "bytes");
	c[k++] = tbl_col(tb, "working_set_bytes", "working set", "bytes");
	/* what bytes and working_set_bytes count: an Alibaba GPU trace's sizes are GPUs */
	c[k++] = tbl_col(tb, "size_unit", "size unit", "");
	c[k++] = tbl_col(tb, "reads", "reads", "");
	c[k++] = tbl_col(tb, "writes", "writes", "");
	c[k++] = tbl_col(tb, "other_ops", "other ops", "");
	c[k++] = tbl_col(tb, "read_share", "read share", "");
	c[k++] = tbl_col(tb, "repeat_share", "repeat share", "");
	c[k++] = tbl_col(tb, "interarrival_mean_s", "inter-arrival mean", "s");
	c[k++] = tbl_col(tb, "interarrival_cv", "inter-arrival cv", "");
	c[k++] = tbl_col(tb, "interarrival_p50_s", "inter-arrival p50", "s");
	c[k++] = tbl_col(tb, "interarrival_p99_s", "inter-arrival p99", "s");
	c[k++] = tbl_col(tb, "skipped_records", "skipped records", "");
	c[k++] = tbl_col(tb, "backwards_requests", "requests going back in time", "");
	k = 0;
	if (tbl_row(tb) < 0 || tbl_str(tb, c[k++], path) < 0 || tbl_str(tb, c[k++], t->ops->name) < 0 ||
	    tbl_int(tb, c[k++], h->records) < 0 || tbl_str(tb, c[k++], rec_unit(t)) < 0 ||
	    tbl_int(tb, c[k++], s->requests) < 0 ||
	    tbl_int(tb, c[k++], (h->records ? h->time_first_ns : 0)) < 0 ||
	    tbl_int(tb, c[k++], h->time_last_ns) < 0 ||
	    tbl_num(tb, c[k++], "%.9f", (double)span / 1e9) < 0 ||
	    tbl_int(tb, c[k++], h->distinct_objects) < 0 ||
	    tbl_int(tb, c[k++], h->total_bytes) < 0 ||
	    tbl_int(tb, c[k++], h->working_set_bytes) < 0 ||
	    tbl_str(tb, c[k++], strcmp(t->ops->name, "alibaba_gpu") ? "bytes" : "GPUs") < 0 ||
	    tbl_int(tb, c[k++], h->reads) < 0 || tbl_int(tb, c[k++], h->writes) < 0 ||
	    tbl_int(tb, c[k++], h->others) < 0 ||
	    tbl_num(tb, c[k++], "%.6f", share(h->reads, h->records)) < 0 ||
	    tbl_num(tb, c[k++], "%.6f", h->records ? 1.0 - share(h->distinct_objects, h->records) : 0.0) < 0 ||
	    tbl_num(tb, c[k++], "%.9f", trace_stats_ia_mean_ns(s) / 1e9) < 0 ||
	    tbl_num(tb, c[k++], "%.6f", trace_stats_ia_cv(s)) < 0 ||
	    tbl_num(tb, c[k++], "%.9f", trace_stats_ia_quantile_ns(s, 0.5) / 1e9) < 0 ||
	    tbl_num(tb, c[k++], "%.9f", trace_stats_ia_quantile_ns(s, 0.99) / 1e9) < 0 ||
	    tbl_int(tb, c[k++], t->skipped) < 0 || tbl_int(tb, c[k++], s->backwards) < 0)
		rc = -1;
	if (rc == 0)
		rc = tbl_print(tb, fmt, stdout);
	tbl_free(tb);
	return rc;
}

/* A native file's header must agree with its records (when none were
 * skipped). */
static int check_header(const char *path, const struct trace_stats *s, struct err *e)
{
	struct trace_native_hdr h;
	if (trace_native_read_header(path, &h, e) < 0)
		return -1;
	const struct trace_native_hdr *g = &s->h;
	const struct { const char *name; uint64_t hdr, got; } f[] = {
		{ "records", h.records, g->records },
		{ "distinct objects", h.distinct_objects, g->distinct_objects },
		{ "bytes", h.total_bytes, g->total_bytes },
		{ "working-set bytes", h.working_set_bytes, g->working_set_bytes },
		{ "reads", h.reads, g->reads },
		{ "writes", h.writes, g->writes },
		{ "last time", h.time_last_ns, g->time_last_ns },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].hdr != f[i].got)
			return err_set(e, ERR_INPUT, "%s: header: %s is %llu, but the records give %llu",
				       path, f[i].name, (unsigned long long)f[i].hdr,
				       (unsigned long long)f[i].got);
	return 0;
}

static int trace_inspect(int argc, char **argv)
{
	char *pos[1];
	const char *trace_fmt = NULL;
	enum tbl_format fmt = TBL_TEXT;
	int lenient = 0;
	int rc = parse_args(argc, argv, 1, pos, &trace_fmt, &fmt, &lenient, 1);
	if (rc)
		return rc > 0 ? rc : CLI_OK;
	struct err e = { 0 };
	struct trace_opts o = { .lenient = lenient };
	struct trace_reader *t = trace_open_opts(pos[0], trace_fmt, &o, &e);
	if (!t)
		return cli_fail("trace", &e);
	struct trace_stats s;
	if (trace_stats_init(&s, t->block_refs, &e) < 0) {
		trace_close(t);
		return cli_fail("trace", &e);
	}
	struct trace_rec r;
	int got;
	while ((got = trace_next(t, &r, &e)) == 1)
		if (trace_stats_add(&s, &r, &e) < 0) {
			err_prefix(&e, "%s: ", pos[0]);
			got = -1;
			break;
		}
	if (got == 0 && !strcmp(t->ops->name, "native") && !t->skipped && check_header(pos[0], &s, &e) < 0)
		got = -1;
	int status = CLI_OK;
	if (got < 0) {
		status = cli_fail("trace", &e);
	} else {
		if (fmt == TBL_TEXT) {
			print_text(pos[0], t, &s);
			if (fflush(stdout) != 0 || ferror(stdout)) {
				fprintf(stderr, "tiersim trace: cannot write the statistics: %s\n", strerror(errno));
				status = CLI_FAIL;
			}
		} else if (print_table(pos[0], t, &s, fmt) < 0) {
			fprintf(stderr, "tiersim trace: cannot print the table (out of memory or write error)\n");
			status = CLI_FAIL;
		}
		report_skips(t);
	}
	trace_stats_free(&s);
	trace_close(t);
	return status;
}

int cmd_trace(int argc, char **argv)
{
	if (argc < 2)
		return fail_msg("a subcommand is required: convert or inspect (try tiersim trace --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	char name[64]; /* for getopt's messages (main.c) */
	if (!strcmp(argv[1], "convert") || !strcmp(argv[1], "inspect")) {
		int convert = argv[1][0] == 'c';
		snprintf(name, sizeof name, "tiersim trace %s", argv[1]);
		argv[1] = name;
		return convert ? trace_convert(argc - 1, argv + 1) : trace_inspect(argc - 1, argv + 1);
	}
	char msg[200];
	snprintf(msg, sizeof msg, "unknown subcommand '%.60s' (use convert or inspect)", argv[1]);
	return fail_msg(msg);
}
