/* Tests for the trace importers (traces/mooncake.c, azure_llm.c,
 * alibaba.c, vscsi.c), the native format (traces/native.c), format
 * sniffing and trace statistics (traces/trace.c).
 *
 * Real data: ../shared/traces/ (run from the repository root, as `make
 * unit` does; TIERSIM_TRACES overrides the folder; a test whose file is
 * absent is skipped).  Expected values come from
 * ../shared/traces/README.md and the files' own READMEs (Mooncake
 * conversation: 12,031 requests over 59 min, 288,500 block references,
 * 182,790 distinct blocks; synthetic 3,993 requests, 64% reuse; Azure
 * code 8,819 and conv 19,366 requests; Alibaba v2023 8,152 tasks over 149
 * days; CloudPhysics 113,872 I/Os in each encoding), never from this
 * program's output.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zstd.h>

#include "traces/trace.h"

static char scratch[256];

static int setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof scratch, "/tmp/tiersim-imp-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *scratch_path(const char *name)
{
	static char path[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", scratch, name);
	return path[k];
}

static const char *write_file(const char *name, const void *data, size_t n)
{
	const char *path = scratch_path(name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return path;
}

static const char *write_text(const char *name, const char *text)
{
	return write_file(name, text, strlen(text));
}

/* The shared trace DIR/FILE, or NULL (the test then skips). */
static const char *shared(const char *file)
{
	static char path[512];
	const char *dir = getenv("TIERSIM_TRACES");
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "../shared/traces", file);
	return access(path, R_OK) == 0 ? path : NULL;
}

#define SHARED_OR_SKIP(var, file)                    \
	const char *var = shared(file);              \
	if (!var) {                                  \
		skip();                              \
		return;                              \
	}

/* Streams the whole trace into statistics; asserts it reads cleanly. */
static void stats_of(const char *path, const char *fmt, struct trace_stats *s)
{
	struct err e = { 0 };
	struct trace_reader *t = trace_open(path, fmt, &e);
	if (!t)
		fail_msg("%s", e.msg);
	assert_int_equal(trace_stats_init(s, t->block_refs, &e), 0);
	struct trace_rec r;
	int got;
	while ((got = trace_next(t, &r, &e)) == 1)
		assert_int_equal(trace_stats_add(s, &r, &e), 0);
	if (got < 0)
		fail_msg("%s", e.msg);
	trace_close(t);
}

/* Reads the first error of a trace (it must have one). */
static const char *first_error(const char *path, const char *fmt, struct err *e)
{
	struct trace_reader *t = trace_open(path, fmt, e);
	if (!t)
		return e->msg;
	struct trace_rec r;
	int got;
	while ((got = trace_next(t, &r, e)) == 1)
		;
	trace_close(t);
	assert_int_equal(got, -1);
	assert_int_equal(e->code, ERR_INPUT);
	return e->msg;
}

#define assert_has(msg, sub)                                                         \
	do {                                                                         \
		if (!strstr((msg), (sub)))                                           \
			fail_msg("message \"%s\" lacks \"%s\"", (msg), (sub));       \
	} while (0)

/* ------------------------------------------------------------ real traces */

static void test_mooncake_conversation_matches_published_counts(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "mooncake/conversation_trace.jsonl");
	struct trace_stats s;
	stats_of(path, NULL, &s); /* strict: every hash_ids list has ceil(input_length/512) entries */
	assert_int_equal(s.requests, 12031);
	assert_int_equal(s.h.records, 288500);
	assert_int_equal(s.h.distinct_objects, 182790);
	double span_min = (double)(s.h.time_last_ns - s.h.time_first_ns) / 60e9;
	assert_true(span_min > 58.5 && span_min <= 59.5);
	double repeat = 1.0 - (double)s.h.distinct_objects / (double)s.h.records;
	assert_true(fabs(repeat - 0.366) < 0.0005);
	/* every block is 512 tokens x 320 KiB */
	assert_int_equal(s.h.total_bytes, 288500ULL * 512 * 327680);
	assert_int_equal(s.h.reads, 288500);
	trace_stats_free(&s);
}

static void test_mooncake_synthetic_matches_published_counts(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "mooncake/synthetic_trace.jsonl");
	struct trace_stats s;
	stats_of(path, "mooncake", &s);
	assert_int_equal(s.requests, 3993);
	double span_min = (double)(s.h.time_last_ns - s.h.time_first_ns) / 60e9;
	assert_true(span_min > 16.5 && span_min <= 17.5);
	double repeat = 1.0 - (double)s.h.distinct_objects / (double)s.h.records;
	assert_true(fabs(repeat - 0.64) < 0.005);
	trace_stats_free(&s);
}

static void test_mooncake_block_size_follows_kv_bytes_option(void **state)
{
	(void)state;
	const char *p = write_text("kv.jsonl",
				   "{\"timestamp\": 5, \"input_length\": 513, \"output_length\": 1, \"hash_ids\": [7, 8]}\n");
	struct err e = { 0 };
	struct trace_reader *t = trace_open(p, "mooncake:kv-bytes-per-token=1KiB", &e);
	assert_non_null(t);
	struct trace_rec r;
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.obj_id, 7);
	assert_int_equal(r.size_bytes, 512 * 1024);
	assert_int_equal(r.time_ns, 5000000);
	assert_int_equal(r.op, TRACE_OP_READ);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.obj_id, 8);
	assert_int_equal(r.size_bytes, 512 * 1024); /* the partial last block is a whole block */
	assert_int_equal(trace_next(t, &r, &e), 0);
	trace_close(t);
}

static void test_azure_llm_code_and_conv_request_counts(void **state)
{
	(void)state;
	SHARED_OR_SKIP(code, "azure_llm_2023/AzureLLMInferenceTrace_code.csv");
	struct trace_stats s;
	stats_of(code, NULL, &s);
	assert_int_equal(s.h.records, 8819);
	assert_int_equal(s.h.distinct_objects, 8819);
	assert_int_equal(s.h.time_first_ns, 0);
	double span_min = (double)s.h.time_last_ns / 60e9;
	assert_true(span_min > 50 && span_min < 65); /* "about 1 h" */
	trace_stats_free(&s);
	SHARED_OR_SKIP(conv, "azure_llm_2023/AzureLLMInferenceTrace_conv.csv");
	stats_of(conv, "azure_llm", &s);
	assert_int_equal(s.h.records, 19366);
	trace_stats_free(&s);
}

static void test_azure_llm_first_record_from_file_text(void **state)
{
	(void)state;
	SHARED_OR_SKIP(code, "azure_llm_2023/AzureLLMInferenceTrace_code.csv");
	/* lines 2-3: "2023-11-16 18:17:03.9799600,4808,10", "...04.0319600,3180,8" */
	struct err e = { 0 };
	struct trace_reader *t = trace_open(code, NULL, &e);
	assert_non_null(t);
	assert_string_equal(t->ops->name, "azure_llm");
	struct trace_rec r;
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.time_ns, 0);
	assert_int_equal(r.size_bytes, 4808ULL * 327680);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.time_ns, 52000000); /* .0319600 - (-1 s +.9799600) */
	assert_int_equal(r.size_bytes, 3180ULL * 327680);
	trace_close(t);
}

static void test_alibaba_v2023_task_count_and_span(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "alibaba_gpu_v2023/openb_pod_list_default.csv");
	struct trace_stats s;
	stats_of(path, NULL, &s);
	assert_int_equal(s.h.records, 8152);
	double days = (double)(s.h.time_last_ns - s.h.time_first_ns) / 86400e9;
	assert_true(days > 148.5 && days < 150);
	trace_stats_free(&s);
}

static void test_alibaba_typed_tasks_carry_lifetime(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "alibaba_gpu_v2023/openb_pod_list_default.csv");
	/* line 2: openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0 */
	struct err e = { 0 };
	struct trace_alibaba *a = trace_alibaba_open(path, &e);
	assert_non_null(a);
	struct trace_alibaba_task t;
	assert_int_equal(trace_alibaba_next(a, &t, &e), 1);
	assert_string_equal(t.name, "openb-pod-0000");
	assert_int_equal(t.cpu_milli, 12000);
	assert_int_equal(t.num_gpu, 1);
	assert_string_equal(t.qos, "LS");
	assert_int_equal(t.lifetime_ns, 12537496ULL * 1000000000ULL);
	uint64_t n = 1, pending = 0;
	int got;
	while ((got = trace_alibaba_next(a, &t, &e)) == 1) {
		n++;
		pending += t.scheduled_ns == UINT64_MAX;
	}
	assert_int_equal(got, 0);
	assert_int_equal(n, 8152);
	assert_true(pending > 0); /* Pending tasks have no scheduled_time */
	trace_alibaba_close(a);
}

static void test_vscsi_matches_csv_encoding_record_by_record(void **state)
{
	(void)state;
	SHARED_OR_SKIP(vs, "cloudphysics/cloudPhysicsIO.vscsi");
	char csv[512];
	snprintf(csv, sizeof csv, "%s", vs);
	strcpy(strrchr(csv, '.'), ".csv");
	if (access(csv, R_OK) != 0)
		skip();
	struct err e = { 0 };
	struct trace_reader *a = trace_open(vs, NULL, &e), *b = trace_open(csv, NULL, &e);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->ops->name, "vscsi");
	struct trace_rec ra, rb;
	uint64_t n = 0;
	int ga, gb;
	while ((ga = trace_next(a, &ra, &e)) == 1) {
		gb = trace_next(b, &rb, &e);
		assert_int_equal(gb, 1);
		n++;
		if (ra.obj_id != rb.obj_id || ra.size_bytes != rb.size_bytes || ra.op != rb.op)
			fail_msg("record %llu differs", (unsigned long long)n);
		/* the csv has whole seconds of the same clock */
		assert_int_equal(ra.time_ns / 1000000000u, rb.time_ns / 1000000000u);
	}
	assert_int_equal(ga, 0);
	assert_int_equal(trace_next(b, &rb, &e), 0);
	assert_int_equal(n, 113872);
	trace_close(a);
	trace_close(b);
}

/* Reads path as mooncake (lenient), with or without the fast path, into
 * a fingerprint of every record and the skip count. */
static void mooncake_digest(const char *path, int jansson_only, uint64_t *n, uint64_t *hash,
			    uint64_t *skipped)
{
	struct err e = { 0 };
	struct trace_mooncake_cfg c = { TRACE_KV_BYTES_PER_TOKEN, TRACE_MOONCAKE_BLOCK_TOKENS, jansson_only };
	struct trace_reader *t = trace_open_mooncake(path, &c, &e);
	assert_non_null(t);
	t->lenient = 1;
	struct trace_rec r;
	int got;
	*n = 0;
	*hash = 1469598103934665603ULL;
	while ((got = trace_next(t, &r, &e)) == 1) {
		uint64_t v[4] = { r.time_ns, r.obj_id, r.size_bytes, r.client };
		for (int i = 0; i < 4; i++)
			*hash = (*hash ^ v[i]) * 1099511628211ULL;
		(*n)++;
	}
	/* A file whose every line was mutated into a bad record has no records. */
	assert_int_equal(got, *n ? 0 : -1);
	*skipped = t->skipped;
	trace_close(t);
}

static void test_mooncake_fast_path_equals_jansson_on_real_traces(void **state)
{
	(void)state;
	SHARED_OR_SKIP(conv, "mooncake/conversation_trace.jsonl");
	uint64_t n1, h1, s1, n2, h2, s2;
	mooncake_digest(conv, 0, &n1, &h1, &s1);
	mooncake_digest(conv, 1, &n2, &h2, &s2);
	assert_int_equal(n1, 288500);
	assert_int_equal(n1, n2);
	assert_int_equal(h1, h2);
	assert_int_equal(s1 + s2, 0);
	SHARED_OR_SKIP(syn, "mooncake/synthetic_trace.jsonl");
	mooncake_digest(syn, 0, &n1, &h1, &s1);
	mooncake_digest(syn, 1, &n2, &h2, &s2);
	assert_int_equal(n1, n2);
	assert_int_equal(h1, h2);
}

static void test_mooncake_fast_path_equals_jansson_on_mutated_lines(void **state)
{
	(void)state;
	/* Each line a one- or two-byte mutation of a valid request, so the
	 * fast path meets near misses of its shape; whatever jansson accepts
	 * or refuses, the two paths must agree.  One line per file, so a
	 * mutated timestamp cannot order the lines after it. */
	static const char base[] =
		"{\"timestamp\": 10, \"input_length\": 1030, \"output_length\": 7, \"hash_ids\": [0, 11, 12]}";
	static const char alphabet[] = "0123456789-+.eE ,[]{}\":x\t\\n";
	const char *path = scratch_path("mut.jsonl");
	uint64_t x = 88172645463325252ULL; /* xorshift64 */
	uint64_t accepted = 0, refused = 0;
	for (int i = 0; i < 3000; i++) {
		char line[256];
		strcpy(line, base);
		int muts = 1 + (int)(i % 2);
		for (int k = 0; k < muts; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			size_t len = strlen(line), at = (size_t)(x % len);
			char ch = alphabet[(x >> 20) % (sizeof alphabet - 1)];
			switch ((x >> 40) % 3) {
			case 0: line[at] = ch; break;
			case 1: memmove(line + at, line + at + 1, len - at); break;
			default:
				memmove(line + at + 1, line + at, len - at + 1);
				line[at] = ch;
			}
		}
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "%s\n", line);
		fclose(f);
		uint64_t n1, h1, s1, n2, h2, s2;
		mooncake_digest(path, 0, &n1, &h1, &s1);
		mooncake_digest(path, 1, &n2, &h2, &s2);
		if (n1 != n2 || h1 != h2 || s1 != s2)
			fail_msg("the paths disagree on: %s", line);
		accepted += s1 == 0;
		refused += s1;
	}
	assert_true(accepted > 300 && refused > 1000); /* both kinds of line occur */
}

/* ------------------------------------------------------------ native */

/* Converts src to dst (native) and checks that dst reads back the same
 * records; returns the writer's header. */
static struct trace_native_hdr round_trip(const char *src, const char *fmt, const char *dst)
{
	struct err e = { 0 };
	struct trace_reader *t = trace_open(src, fmt, &e);
	if (!t)
		fail_msg("%s", e.msg);
	struct trace_writer *w = trace_writer_open(dst, t->ops->name, &e);
	assert_non_null(w);
	struct trace_rec r;
	int got;
	while ((got = trace_next(t, &r, &e)) == 1)
		assert_int_equal(trace_writer_put(w, &r, &e), 0);
	assert_int_equal(got, 0);
	struct trace_native_hdr h;
	if (trace_writer_finish(w, &h, &e) < 0)
		fail_msg("%s", e.msg);
	trace_close(t);

	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.tmp", dst);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed away */

	struct trace_reader *a = trace_open(src, fmt, &e), *b = trace_open(dst, NULL, &e);
	assert_non_null(a);
	if (!b)
		fail_msg("%s", e.msg);
	assert_string_equal(b->ops->name, "native");
	assert_int_equal(a->block_refs, b->block_refs);
	struct trace_rec ra, rb;
	uint64_t n = 0;
	while ((got = trace_next(a, &ra, &e)) == 1) {
		n++;
		if (trace_next(b, &rb, &e) != 1)
			fail_msg("record %llu: %s", (unsigned long long)n, e.msg);
		if (ra.time_ns != rb.time_ns || ra.obj_id != rb.obj_id || ra.size_bytes != rb.size_bytes ||
		    ra.op != rb.op || ra.client != rb.client || ra.offset_bytes != rb.offset_bytes)
			fail_msg("record %llu differs after the round trip", (unsigned long long)n);
	}
	assert_int_equal(got, 0);
	assert_int_equal(trace_next(b, &rb, &e), 0);
	assert_int_equal(h.records, n);
	trace_close(a);
	trace_close(b);
	return h;
}

static void test_native_round_trip_plain_gives_identical_records(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "mooncake/conversation_trace.jsonl");
	struct trace_native_hdr h = round_trip(path, NULL, scratch_path("mc.tst"));
	assert_int_equal(h.records, 288500);
	assert_int_equal(h.distinct_objects, 182790);
	assert_string_equal(h.source, "mooncake");
	struct stat st;
	assert_int_equal(stat(scratch_path("mc.tst"), &st), 0);
	assert_int_equal(st.st_size, 256 + 288500 * 40);
}

static void test_native_round_trip_zstd_gives_identical_records(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "cloudphysics/cloudPhysicsIO.vscsi");
	struct trace_native_hdr h = round_trip(path, "vscsi", scratch_path("cp.tst.zst"));
	assert_int_equal(h.records, 113872);
	struct stat st;
	assert_int_equal(stat(scratch_path("cp.tst.zst"), &st), 0);
	assert_true(st.st_size < 113872 * 40 / 2); /* compressed */
}

static void test_native_header_carries_the_statistics(void **state)
{
	(void)state;
	const char *jl = write_text("h.jsonl",
				    "{\"timestamp\": 1, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [0, 1]}\n"
				    "{\"timestamp\": 3, \"input_length\": 1500, \"output_length\": 1, \"hash_ids\": [0, 1, 2]}\n");
	const char *dst = scratch_path("h.tst.zst");
	round_trip(jl, NULL, dst);
	struct trace_native_hdr h;
	struct err e = { 0 };
	assert_int_equal(trace_native_read_header(dst, &h, &e), 0);
	assert_int_equal(h.version, TRACE_NATIVE_VERSION);
	assert_int_equal(h.records, 5);
	assert_int_equal(h.distinct_objects, 3);
	assert_int_equal(h.time_first_ns, 1000000);
	assert_int_equal(h.time_last_ns, 3000000);
	assert_int_equal(h.total_bytes, 5 * 512ULL * 327680);
	assert_int_equal(h.working_set_bytes, 3 * 512ULL * 327680);
	assert_int_equal(h.reads, 5);
	assert_int_equal(h.writes, 0);
}

static void test_native_empty_trace_round_trips(void **state)
{
	(void)state;
	const char *dst = scratch_path("empty.tst");
	struct err e = { 0 };
	struct trace_writer *w = trace_writer_open(dst, "test", &e);
	assert_non_null(w);
	assert_int_equal(trace_writer_finish(w, NULL, &e), 0);
	struct trace_reader *t = trace_open(dst, NULL, &e);
	assert_non_null(t);
	struct trace_rec r;
	/* It is written and read back whole, and then it is a trace of no
	 * records: bad input for every command, as in every format. */
	assert_int_equal(trace_next(t, &r, &e), -1);
	assert_non_null(strstr(e.msg, "empty.tst: no records"));
	trace_close(t);
}

static void test_native_abort_leaves_no_file(void **state)
{
	(void)state;
	const char *dst = scratch_path("aborted.tst");
	struct err e = { 0 };
	struct trace_writer *w = trace_writer_open(dst, "test", &e);
	assert_non_null(w);
	struct trace_rec r = { .time_ns = 1, .obj_id = 2, .size_bytes = 3, .op = TRACE_OP_READ };
	assert_int_equal(trace_writer_put(w, &r, &e), 0);
	trace_writer_abort(w);
	assert_int_equal(access(dst, F_OK), -1);
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.tmp", dst);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void test_sniffing_picks_formats_by_name_and_content(void **state)
{
	(void)state;
	struct err e = { 0 };
	const char *mc = write_text("a.jsonl", "{\"timestamp\": 0, \"input_length\": 1, \"hash_ids\": [0]}\n");
	assert_string_equal(trace_sniff(mc, &e), "mooncake");
	const char *other = write_text("b.jsonl", "{\"ts\": 0}\n");
	assert_null(trace_sniff(other, &e));
	assert_has(e.msg, "Mooncake");
	const char *az = write_text("c.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n");
	assert_string_equal(trace_sniff(az, &e), "azure_llm");
	const char *al = write_text("d.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n");
	assert_string_equal(trace_sniff(al, &e), "alibaba_gpu");
	const char *csv = write_text("e.csv", "id,size\n");
	assert_string_equal(trace_sniff(csv, &e), "csv");
	assert_string_equal(trace_sniff("x.vscsi", &e), "vscsi");
	assert_string_equal(trace_sniff("x.bin", &e), "oracleGeneral");
	const char *nat = write_text("f.dat", "TSIMTRC\n");
	assert_string_equal(trace_sniff(nat, &e), "native");
	/* A .bin.zst is libCacheSim's compressed oracleGeneral, unless it is
	 * a native trace's compressed form, whose raw header frame puts the
	 * magic at byte 10 (FORMAT.md). */
	static const char zoracle[] = "\x28\xb5\x2f\xfd\x64\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
	const char *zo = write_file("g.bin.zst", zoracle, sizeof zoracle - 1);
	assert_string_equal(trace_sniff(zo, &e), "oracleGeneral");
	static const char znative[] = "\x28\xb5\x2f\xfd\x60\x00\x00\x01\x08\x00TSIMTRC\n";
	const char *zn = write_file("h.bin.zst", znative, sizeof znative - 1);
	assert_string_equal(trace_sniff(zn, &e), "native");
}

/* ------------------------------------------------------------ bad input */

#define MC_OK0 "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 2, \"hash_ids\": [0, 1]}\n"
#define MC_OK1 "{\"timestamp\": 7, \"input_length\": 100, \"output_length\": 2, \"hash_ids\": [0]}\n"

static void test_mooncake_truncated_json_names_file_and_line(void **state)
{
	(void)state;
	const char *p = write_text("trunc.jsonl", MC_OK0 "{\"timestamp\": 9, \"input_length\": 600, \"hash_i");
	struct err e = { 0 };
	const char *msg = first_error(p, "mooncake", &e);
	assert_has(msg, "trunc.jsonl:2:");
	assert_has(msg, "JSON");
}

static void test_mooncake_wrong_type_names_the_field(void **state)
{
	(void)state;
	const char *p = write_text("type.jsonl", MC_OK0 MC_OK1
				   "{\"timestamp\": \"9\", \"input_length\": 1, \"hash_ids\": [3]}\n");
	struct err e = { 0 };
	const char *msg = first_error(p, "mooncake", &e);
	assert_has(msg, "type.jsonl:3:");
	assert_has(msg, "\"timestamp\"");
	assert_has(msg, "a string");
}

static void test_mooncake_hash_ids_of_wrong_length_is_an_error(void **state)
{
	(void)state;
	const char *p = write_text("len.jsonl", MC_OK0
				   "{\"timestamp\": 9, \"input_length\": 1025, \"hash_ids\": [0, 1]}\n");
	struct err e = { 0 };
	const char *msg = first_error(p, "mooncake", &e);
	assert_has(msg, "len.jsonl:2:");
	assert_has(msg, "\"hash_ids\"");
	assert_has(msg, "ceil(1025/512) = 3");
}

static void test_mooncake_timestamps_going_backwards_is_an_error(void **state)
{
	(void)state;
	const char *p = write_text("back.jsonl", MC_OK1 MC_OK0);
	struct err e = { 0 };
	const char *msg = first_error(p, "mooncake", &e);
	assert_has(msg, "back.jsonl:2:");
	assert_has(msg, "\"timestamp\"");
	assert_has(msg, "must not decrease");
}

static void test_mooncake_bad_hash_id_element_names_its_index(void **state)
{
	(void)state;
	const char *p = write_text("elem.jsonl", "{\"timestamp\": 0, \"input_length\": 600, \"hash_ids\": [0, -4]}\n");
	struct err e = { 0 };
	const char *msg = first_error(p, "mooncake", &e);
	assert_has(msg, "elem.jsonl:1:");
	assert_has(msg, "\"hash_ids\"[1]");
}

static void test_lenient_skips_and_counts_bad_records(void **state)
{
	(void)state;
	const char *p = write_text("len2.jsonl", MC_OK0 "{\"timestamp\": 1, \"input_length\": 9999, \"hash_ids\": [5]}\n"
						 "not json\n" MC_OK1 "[1, 2]\n");
	struct err e = { 0 };
	struct trace_opts o = { .lenient = 1 };
	struct trace_reader *t = trace_open_opts(p, NULL, &o, &e);
	assert_non_null(t);
	struct trace_rec r;
	int n = 0, got;
	while ((got = trace_next(t, &r, &e)) == 1)
		n++;
	assert_int_equal(got, 0);
	assert_int_equal(n, 3);        /* 2 blocks + 1 block */
	assert_int_equal(t->skipped, 3);
	assert_has(t->first_skip, "len2.jsonl:2:");
	trace_close(t);
}

static void test_native_truncated_record_names_record_and_field(void **state)
{
	(void)state;
	const char *dst = scratch_path("cut.tst");
	struct err e = { 0 };
	struct trace_writer *w = trace_writer_open(dst, "test", &e);
	assert_non_null(w);
	for (int i = 0; i < 3; i++) {
		struct trace_rec r = { .time_ns = (uint64_t)i, .obj_id = (uint64_t)i, .size_bytes = 1 };
		assert_int_equal(trace_writer_put(w, &r, &e), 0);
	}
	assert_int_equal(trace_writer_finish(w, NULL, &e), 0);
	assert_int_equal(truncate(dst, 256 + 2 * 40 + 28), 0); /* cut in record 3's length (24..31) */
	const char *msg = first_error(dst, NULL, &e);
	assert_has(msg, "cut.tst");
	assert_has(msg, "record 3");
	assert_has(msg, "length");
	assert_int_equal(truncate(dst, 256 + 2 * 40), 0); /* whole records, but fewer */
	msg = first_error(dst, NULL, &e);
	assert_has(msg, "ends after record 2");
}

static void test_native_incomplete_header_is_refused(void **state)
{
	(void)state;
	/* What an interrupted writer leaves: the placeholder header, whose
	 * complete flag (bit 0 of the flags at offset 16) is clear. */
	const char *dst = scratch_path("inc.tst");
	struct err e = { 0 };
	struct trace_writer *w = trace_writer_open(dst, "test", &e);
	assert_non_null(w);
	struct trace_rec r = { .obj_id = 1, .size_bytes = 1 };
	assert_int_equal(trace_writer_put(w, &r, &e), 0);
	assert_int_equal(trace_writer_finish(w, NULL, &e), 0);
	FILE *f = fopen(dst, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 16, SEEK_SET), 0);
	assert_int_equal(fputc(0, f), 0);
	fclose(f);
	assert_null(trace_open(dst, "native", &e));
	assert_int_equal(e.code, ERR_INPUT);
	assert_has(e.msg, "not complete");
}

static void test_corrupt_zstd_stream_is_an_error(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "cloudphysics/cloudPhysicsIO.vscsi");
	const char *dst = scratch_path("bad.tst.zst");
	round_trip(path, "vscsi", dst);
	FILE *f = fopen(dst, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 40000, SEEK_SET), 0);
	unsigned char junk[64];
	memset(junk, 0x5a, sizeof junk);
	assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
	fclose(f);
	struct err e = { 0 };
	const char *msg = first_error(dst, NULL, &e);
	assert_has(msg, "bad.tst.zst");
	assert_has(msg, "zstd");
	assert_has(msg, "after record");
}

static void test_truncated_zstd_stream_is_an_error(void **state)
{
	(void)state;
	SHARED_OR_SKIP(path, "cloudphysics/cloudPhysicsIO.vscsi");
	const char *dst = scratch_path("short.tst.zst");
	round_trip(path, "vscsi", dst);
	struct stat st;
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(truncate(dst, st.st_size / 2), 0);
	struct err e = { 0 };
	const char *msg = first_error(dst, NULL, &e);
	assert_has(msg, "short.tst.zst");
	assert_has(msg, "truncated");
}

/* A zstd file that is not a compressed native trace (a libCacheSim
 * oracleGeneral .zst under another name) says what to do; it said "not a
 * tiersim native trace (240 of its 256 header bytes)". */
static void test_zstd_of_another_format_says_decompress(void **state)
{
	(void)state;
	unsigned char raw[240], z[512];
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(i * 7);
	size_t n = ZSTD_compress(z, sizeof z, raw, sizeof raw, 3);
	assert_false(ZSTD_isError(n));
	const char *dst = scratch_path("s1.zst");
	FILE *f = fopen(dst, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(z, 1, n, f), n);
	fclose(f);
	struct err e = { 0 };
	assert_null(trace_open(dst, NULL, &e));
	assert_int_equal(e.code, ERR_INPUT);
	assert_has(e.msg, "s1.zst: zstd-compressed, and not a tiersim native trace inside: decompress it (zstd -d)");
}

static void test_vscsi_truncated_record_names_record_and_field(void **state)
{
	(void)state;
	unsigned char b[32 * 2 + 18];
	memset(b, 0, sizeof b);
	b[12] = 0x28;
	b[32 + 12] = 0x2a;
	const char *p = write_file("cut.vscsi", b, sizeof b);
	struct err e = { 0 };
	struct trace_reader *t = trace_open(p, NULL, &e);
	assert_non_null(t);
	struct trace_rec r;
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.op, TRACE_OP_READ);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.op, TRACE_OP_WRITE);
	assert_int_equal(trace_next(t, &r, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_has(e.msg, "cut.vscsi");
	assert_has(e.msg, "record 3");
	assert_has(e.msg, "field lbn");
	trace_close(t);
}

static void test_azure_bad_time_names_line_and_field(void **state)
{
	(void)state;
	const char *p = write_text("az.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
					     "2023-11-16 18:17:03.9799600,4808,10\n"
					     "2023-11-16 18:17:0x.0,1,1\n");
	struct err e = { 0 };
	const char *msg = first_error(p, NULL, &e);
	assert_has(msg, "az.csv:3:");
	assert_has(msg, "TIMESTAMP");
}

static void test_azure_wrong_type_names_line_and_field(void **state)
{
	(void)state;
	const char *p = write_text("az2.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
					      "2023-11-16 18:17:03.9799600,many,10\n");
	struct err e = { 0 };
	const char *msg = first_error(p, "azure_llm", &e);
	assert_has(msg, "az2.csv:2:");
	assert_has(msg, "ContextTokens");
}

static void test_azure_time_going_backwards_is_an_error(void **state)
{
	(void)state;
	const char *p = write_text("az3.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
					      "2023-11-16 18:17:03.5,1,1\n"
					      "2023-11-16 18:17:03.4,1,1\n");
	struct err e = { 0 };
	const char *msg = first_error(p, "azure_llm", &e);
	assert_has(msg, "az3.csv:3:");
	assert_has(msg, "must not decrease");
}

static void test_alibaba_bad_number_names_line_and_field(void **state)
{
	(void)state;
	const char *p = write_text("al.csv",
				   "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"
				   "p0,1000,1,1,1000,,LS,Running,0,10,0\n"
				   "p1,1000,1,two,1000,,LS,Running,5,10,5\n");
	struct err e = { 0 };
	const char *msg = first_error(p, NULL, &e);
	assert_has(msg, "al.csv:3:");
	assert_has(msg, "num_gpu");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mooncake_conversation_matches_published_counts),
		cmocka_unit_test(test_mooncake_synthetic_matches_published_counts),
		cmocka_unit_test(test_mooncake_block_size_follows_kv_bytes_option),
		cmocka_unit_test(test_mooncake_fast_path_equals_jansson_on_real_traces),
		cmocka_unit_test(test_mooncake_fast_path_equals_jansson_on_mutated_lines),
		cmocka_unit_test(test_azure_llm_code_and_conv_request_counts),
		cmocka_unit_test(test_azure_llm_first_record_from_file_text),
		cmocka_unit_test(test_alibaba_v2023_task_count_and_span),
		cmocka_unit_test(test_alibaba_typed_tasks_carry_lifetime),
		cmocka_unit_test(test_vscsi_matches_csv_encoding_record_by_record),
		cmocka_unit_test(test_native_round_trip_plain_gives_identical_records),
		cmocka_unit_test(test_native_round_trip_zstd_gives_identical_records),
		cmocka_unit_test(test_native_header_carries_the_statistics),
		cmocka_unit_test(test_native_empty_trace_round_trips),
		cmocka_unit_test(test_native_abort_leaves_no_file),
		cmocka_unit_test(test_sniffing_picks_formats_by_name_and_content),
		cmocka_unit_test(test_mooncake_truncated_json_names_file_and_line),
		cmocka_unit_test(test_mooncake_wrong_type_names_the_field),
		cmocka_unit_test(test_mooncake_hash_ids_of_wrong_length_is_an_error),
		cmocka_unit_test(test_mooncake_timestamps_going_backwards_is_an_error),
		cmocka_unit_test(test_mooncake_bad_hash_id_element_names_its_index),
		cmocka_unit_test(test_lenient_skips_and_counts_bad_records),
		cmocka_unit_test(test_native_truncated_record_names_record_and_field),
		cmocka_unit_test(test_native_incomplete_header_is_refused),
		cmocka_unit_test(test_corrupt_zstd_stream_is_an_error),
		cmocka_unit_test(test_truncated_zstd_stream_is_an_error),
		cmocka_unit_test(test_zstd_of_another_format_says_decompress),
		cmocka_unit_test(test_vscsi_truncated_record_names_record_and_field),
		cmocka_unit_test(test_azure_bad_time_names_line_and_field),
		cmocka_unit_test(test_azure_wrong_type_names_line_and_field),
		cmocka_unit_test(test_azure_time_going_backwards_is_an_error),
		cmocka_unit_test(test_alibaba_bad_number_names_line_and_field),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
