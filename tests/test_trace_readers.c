/* Tests for the trace readers (traces/oracle.c, traces/csv.c,
 * traces/trace.c) and the Zipf generator (traces/zipf.c); and the bad
 * input the fuzz harnesses (tests/fuzz/fuzz_trace_*.c) or their review
 * found in any reader, each now an error that names where it is.
 *
 * Real data: ../shared/traces/cloudphysics/ (run from the repository
 * root, as `make unit` does; TIERSIM_TRACES overrides the folder).  Its
 * expected values come from the files' own text and layout (README: the
 * same 113,872 requests in each encoding; the first CSV line is
 * "1,5633898,2a,512,42932745"), never from this program's output; LRU
 * miss ratios on it are checked against a naive LRU written here.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/cache.h"
#include "sim/policy.h"
#include "sim/rng.h"
#include "traces/trace.h"
#include "traces/zipf.h"

#define CP_RECORDS 113872

static char scratch[256];

static int setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof scratch, "/tmp/tiersim-trace-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tmpfile_with(const char *name, const void *data, size_t n)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", scratch, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return path;
}

static const char *cp_path(const char *file)
{
	static char path[512];
	const char *dir = getenv("TIERSIM_TRACES");
	snprintf(path, sizeof path, "%s/cloudphysics/%s", dir ? dir : "../shared/traces", file);
	return access(path, R_OK) == 0 ? path : NULL;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void oracle_rec(unsigned char *p, uint32_t t, uint64_t id, uint32_t size, int64_t next)
{
	put_le(p, t, 4);
	put_le(p + 4, id, 8);
	put_le(p + 12, size, 4);
	put_le(p + 16, (uint64_t)next, 8);
}

static void test_oracle_reads_little_endian_records(void **state)
{
	(void)state;
	unsigned char buf[72];
	oracle_rec(buf, 7, 0x0102030405060708ULL, 4096, 2);
	oracle_rec(buf + 24, 8, 42, 512, -1);
	oracle_rec(buf + 48, 4000000000u, 0x0102030405060708ULL, 4096, INT64_MAX);
	const char *path = tmpfile_with("t.bin", buf, sizeof buf);
	struct err e = { 0 };
	struct trace_reader *t = trace_open(path, "oracleGeneral", &e);
	assert_non_null(t);
	assert_true(t->has_next_access);
	struct trace_rec r;
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_true(r.time_ns == 7000000000ULL);
	assert_true(r.obj_id == 0x0102030405060708ULL);
	assert_int_equal(r.size_bytes, 4096);
	assert_int_equal(r.next_access_vtime, 2);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.obj_id, 42);
	assert_int_equal(r.next_access_vtime, -1);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_true(r.time_ns == 4000000000ULL * 1000000000ULL);
	assert_true(r.next_access_vtime == INT64_MAX);
	assert_int_equal(trace_next(t, &r, &e), 0);
	trace_close(t);
}

static void test_oracle_truncated_record_names_file_and_record(void **state)
{
	(void)state;
	unsigned char buf[58];
	oracle_rec(buf, 1, 1, 1, -1);
	oracle_rec(buf + 24, 2, 2, 2, -1);
	const char *path = tmpfile_with("trunc.bin", buf, sizeof buf);
	struct err e = { 0 };
	struct trace_reader *t = trace_open_oracle(path, &e);
	assert_non_null(t);
	struct trace_rec r;
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(trace_next(t, &r, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "record 3 is truncated"));
	assert_non_null(strstr(e.msg, "10 of 24 bytes"));
	trace_close(t);
}

static void test_missing_file_and_unknown_format_are_input_errors(void **state)
{
	(void)state;
	struct err e = { 0 };
	assert_null(trace_open("/nonexistent/x.bin", "oracleGeneral", &e));
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "/nonexistent/x.bin"));
	assert_null(trace_open("/nonexistent/x.csv", NULL, &e));
	assert_int_equal(e.code, ERR_INPUT);
	assert_null(trace_open("x.bin", "nosuchformat", &e));
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "unknown trace format \"nosuchformat\""));
	assert_null(trace_open("x.csv", "csv:colour=red", &e));
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "colour"));
	assert_null(trace_open("x.csv", "csv:delim=ab", &e));
	assert_null(trace_open("x.csv", "csv:size=0", &e));
}

/* The real trace: every next_access_vtime must be the virtual time (the
 * 1-based request number) of the next record of the same object, and an
 * object's last record must say "never" (checked through a sort of (id,
 * position), independent of the reader's logic). */
struct idpos {
	uint64_t id;
	uint32_t pos;
};

static int cmp_idpos(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void test_oracle_reads_real_cloudphysics_trace(void **state)
{
	(void)state;
	const char *path = cp_path("cloudPhysicsIO.oracleGeneral.bin");
	if (!path) {
		fprintf(stderr, "cloudphysics trace not found; skipped\n");
		skip();
	}
	struct err e = { 0 };
	struct trace_reader *t = trace_open(path, NULL, &e);
	assert_non_null(t);
	struct idpos *ip = malloc(CP_RECORDS * sizeof *ip);
	int64_t *next = malloc(CP_RECORDS * sizeof *next);
	assert_non_null(ip);
	assert_non_null(next);
	struct trace_rec r;
	uint32_t n = 0;
	int got;
	while ((got = trace_next(t, &r, &e)) == 1) {
		assert_true(n < CP_RECORDS);
		ip[n] = (struct idpos){ r.obj_id, n };
		next[n] = r.next_access_vtime;
		n++;
	}
	assert_int_equal(got, 0);
	assert_int_equal(n, CP_RECORDS);
	trace_close(t);
	qsort(ip, n, sizeof *ip, cmp_idpos);
	for (uint32_t i = 0; i < n; i++) {
		int last = i + 1 == n || ip[i + 1].id != ip[i].id;
		int64_t nx = next[ip[i].pos];
		if (last)
			assert_true(nx == -1 || nx == INT64_MAX);
		else
			assert_int_equal(nx, (int64_t)ip[i + 1].pos + 1);
	}
	free(ip);
	free(next);
}

static void test_csv_reads_real_cloudphysics_trace_with_defaults(void **state)
{
	(void)state;
	const char *path = cp_path("cloudPhysicsIO.csv");
	if (!path) {
		fprintf(stderr, "cloudphysics csv not found; skipped\n");
		skip();
	}
	struct err e = { 0 };
	struct trace_reader *t = trace_open(path, NULL, &e);
	assert_non_null(t);
	assert_false(t->has_next_access);
	struct trace_rec r;
	assert_int_equal(trace_next(t, &r, &e), 1);
	/* "1,5633898,2a,512,42932745" */
	assert_true(r.time_ns == 5633898ULL * 1000000000ULL);
	assert_int_equal(r.obj_id, 42932745);
	assert_int_equal(r.size_bytes, 512);
	assert_int_equal(r.op, TRACE_OP_WRITE);
	assert_int_equal(r.next_access_vtime, TRACE_NEXT_UNKNOWN);
	uint64_t n = 1, reads = 0, writes = 0;
	int got;
	while ((got = trace_next(t, &r, &e)) == 1) {
		n++;
		reads += r.op == TRACE_OP_READ;
		writes += r.op == TRACE_OP_WRITE;
	}
	if (got < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(n, CP_RECORDS);
	assert_int_equal(reads + writes + 1, CP_RECORDS);
	trace_close(t);
}

static struct trace_reader *open_csv_text(const char *name, const char *text, const char *fmt)
{
	const char *path = tmpfile_with(name, text, strlen(text));
	struct err e = { 0 };
	struct trace_reader *t = trace_open(path, fmt, &e);
	if (!t)
		fail_msg("open %s: %s", name, e.msg);
	return t;
}

static void test_csv_column_map_by_index_quotes_crlf_and_tabs(void **state)
{
	(void)state;
	struct trace_reader *t = open_csv_text(
		"idx.tsv",
		"read\t\"obj \"\"a\"\"\"\t100\t1.5\r\n"
		"\r\n"
		" W \t17\t0\t2\n",
		"csv:header=no,delim=tab,op=1,id=2,size=3,time=4,time-unit=ms");
	struct trace_rec r;
	struct err e = { 0 };
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.op, TRACE_OP_READ);
	assert_int_equal(r.size_bytes, 100);
	assert_int_equal(r.time_ns, 1500000);
	uint64_t hashed = r.obj_id;
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.op, TRACE_OP_WRITE);
	assert_int_equal(r.obj_id, 17);
	assert_int_equal(r.size_bytes, 0);
	assert_int_equal(r.time_ns, 2000000);
	assert_int_equal(trace_next(t, &r, &e), 0);
	trace_close(t);
	/* The same text id hashes to the same object, another does not. */
	t = open_csv_text("ids.csv", "key\n\"obj \"\"a\"\"\"\nobj \"a\"\nother\n", "csv:id=key,size=none");
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_true(r.obj_id == hashed);
	assert_int_equal(r.size_bytes, 1); /* size=none */
	assert_int_equal(r.time_ns, 0);
	assert_int_equal(r.op, TRACE_OP_NONE);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_true(r.obj_id == hashed);
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_true(r.obj_id != hashed);
	trace_close(t);
}

static void expect_csv_error(const char *name, const char *text, const char *fmt,
			     int good_records, const char *want1, const char *want2)
{
	struct trace_reader *t = open_csv_text(name, text, fmt);
	struct trace_rec r;
	struct err e = { 0 };
	for (int i = 0; i < good_records; i++)
		if (trace_next(t, &r, &e) != 1)
			fail_msg("record %d: %s", i + 1, e.msg);
	assert_int_equal(trace_next(t, &r, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	if (!strstr(e.msg, name) || !strstr(e.msg, want1) || (want2 && !strstr(e.msg, want2)))
		fail_msg("message \"%s\" lacks %s / %s / %s", e.msg, name, want1, want2 ? want2 : "");
	trace_close(t);
}

/* A UTF-8 byte-order mark (spreadsheets write one) is not part of the
 * first field: the header's "time" is found, and object 1 is object 1.
 * Lines ended by CR alone are an error at line 1, not one long header and
 * no records. */
static void test_csv_skips_a_byte_order_mark_and_refuses_cr_alone(void **state)
{
	(void)state;
	struct trace_reader *t = open_csv_text("bom.csv", "\xEF\xBB\xBFtime,id,size\n5,1,10\n", NULL);
	struct trace_rec r;
	struct err e = { 0 };
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.time_ns, 5000000000ull);
	assert_int_equal(r.obj_id, 1);
	trace_close(t);
	t = open_csv_text("bom2.csv", "\xEF\xBB\xBF" "1,10\n", "csv:header=no,id=1,size=2");
	assert_int_equal(trace_next(t, &r, &e), 1);
	assert_int_equal(r.obj_id, 1);
	trace_close(t);
	expect_csv_error("cr.csv", "id,size\r1,10\r2,10\r", NULL, 0, ":1: a carriage return inside the line",
			 "not CR alone");
}

/* Text under a name that is not .csv (or another text format's) is not
 * read as oracleGeneral binary records. */
static void test_sniff_refuses_text_as_an_oracle_general_trace(void **state)
{
	(void)state;
	const char *text = "id,size\n1,10\n2,10\n3,10\n4,10\n";
	const char *path = tmpfile_with("t48.txt", text, strlen(text));
	struct err e = { 0 };
	assert_null(trace_sniff(path, &e));
	assert_non_null(strstr(e.msg, "text, not an oracleGeneral binary trace"));
}

static void test_csv_wrong_column_count_names_file_line_and_field(void **state)
{
	(void)state;
	const char *text = "version,time,op,size,lbn\n1,5,28,512,10\n1,6,28,512\n";
	expect_csv_error("short.csv", text, NULL, 1, ":3: field 5 (lbn) is missing",
			 "expected 5 fields, found 4");
	expect_csv_error("long.csv", "version,time,op,size,lbn\n1,5,28,512,10,9\n", NULL, 0,
			 ":2: field 6 is one too many", NULL);
	expect_csv_error("nohdr.csv", "1,2,3\n4,5\n", "csv:header=no,id=1,size=none", 1,
			 ":2: field 3 is missing", "expected 3 fields, found 2");
}

static void test_csv_bad_values_name_the_field(void **state)
{
	(void)state;
	const char *hdr = "version,time,op,size,lbn\n";
	char text[256];
	snprintf(text, sizeof text, "%s1,5,28,12k,10\n", hdr);
	expect_csv_error("size.csv", text, NULL, 0, ":2: field 4 (size): bad size \"12k\"", NULL);
	snprintf(text, sizeof text, "%s1,-5,28,12,10\n", hdr);
	expect_csv_error("time.csv", text, NULL, 0, ":2: field 2 (time): bad time \"-5\"", NULL);
	snprintf(text, sizeof text, "%s1,0x10,28,12,10\n", hdr);
	expect_csv_error("hex.csv", text, NULL, 0, ":2: field 2 (time): bad time \"0x10\"", NULL);
	snprintf(text, sizeof text, "%s1,5,28,12,\n", hdr);
	expect_csv_error("id.csv", text, NULL, 0, ":2: field 5 (lbn): bad object id", NULL);
	snprintf(text, sizeof text, "%s1,5,28,12,99999999999999999999\n", hdr);
	expect_csv_error("big.csv", text, NULL, 0, "field 5 (lbn)", NULL);
	expect_csv_error("noid.csv", "a,b\n1,2\n", NULL, 0, "no object id column", NULL);
	/* A file with no header, read as having one, lost its first record;
	 * a size column under another name made every object 1 byte. */
	expect_csv_error("datahdr.csv", "1,5,100\n2,6,100\n", "csv:time=1,id=2,size=3", 0,
			 ":1: the header line is all numbers", "say header=no");
	expect_csv_error("nosize.csv", "time,id,object_size\n1,1,4096\n", NULL, 0, "no size column", "size=none");
	expect_csv_error("nosize2.csv", "1,5\n", "csv:header=no,id=2", 0, "no size column", "size=none");
	expect_csv_error("named.csv", "a,b\n1,2\n", "csv:id=lbn", 0, "no column named \"lbn\"", NULL);
	expect_csv_error("quote.csv", "id,size\n\"abc\n", NULL, 0, ":2: field 1: unterminated quote", NULL);
	expect_csv_error("empty.csv", "", NULL, 0, "empty", NULL);
}

/* A naive LRU: resident objects in an array, least recent first; a linear
 * search per request.  Obviously correct, O(requests x residents). */
struct naive {
	uint64_t *id, *size;
	size_t n, cap_n;
	uint64_t used, cap;
};

static int naive_access(struct naive *c, uint64_t id, uint64_t size)
{
	size_t at = c->n;
	for (size_t i = 0; i < c->n; i++)
		if (c->id[i] == id) {
			at = i;
			break;
		}
	int hit = at < c->n;
	if (hit) {
		c->used -= c->size[at];
		memmove(c->id + at, c->id + at + 1, (c->n - at - 1) * sizeof *c->id);
		memmove(c->size + at, c->size + at + 1, (c->n - at - 1) * sizeof *c->size);
		c->n--;
	}
	if (size <= c->cap) {
		if (c->n == c->cap_n) {
			c->cap_n = c->cap_n ? 2 * c->cap_n : 1024;
			c->id = realloc(c->id, c->cap_n * sizeof *c->id);
			c->size = realloc(c->size, c->cap_n * sizeof *c->size);
			assert_non_null(c->id);
			assert_non_null(c->size);
		}
		c->id[c->n] = id;
		c->size[c->n++] = size;
		c->used += size;
	}
	size_t drop = 0;
	while (c->used > c->cap)
		c->used -= c->size[drop++];
	memmove(c->id, c->id + drop, (c->n - drop) * sizeof *c->id);
	memmove(c->size, c->size + drop, (c->n - drop) * sizeof *c->size);
	c->n -= drop;
	return hit;
}

static void test_lru_matches_naive_lru_on_cloudphysics(void **state)
{
	(void)state;
	const char *path = cp_path("cloudPhysicsIO.oracleGeneral.bin");
	if (!path) {
		fprintf(stderr, "cloudphysics trace not found; skipped\n");
		skip();
	}
	static const uint64_t sizes[] = { 16ULL << 20, 64ULL << 20, 256ULL << 20 };
	enum { NS = sizeof sizes / sizeof sizes[0] };
	struct err e = { 0 };
	struct cache_run run;
	assert_int_equal(cache_run_init(&run, &pol_lru_ops, sizes, NS, NULL, &e), 0);
	struct naive nv[NS];
	uint64_t nv_miss[NS] = { 0 }, nv_miss_bytes[NS] = { 0 }, req_bytes = 0, reqs = 0;
	memset(nv, 0, sizeof nv);
	for (int i = 0; i < NS; i++)
		nv[i].cap = sizes[i];
	struct trace_reader *t = trace_open(path, "oracleGeneral", &e);
	assert_non_null(t);
	struct trace_rec r;
	int got;
	while ((got = trace_next(t, &r, &e)) == 1) {
		struct pol_req q = { .obj_id = r.obj_id, .size_bytes = r.size_bytes, .next_access_vtime = r.next_access_vtime };
		assert_int_equal(cache_run_access(&run, &q, &e), 0);
		reqs++;
		req_bytes += r.size_bytes;
		for (int i = 0; i < NS; i++)
			if (!naive_access(&nv[i], r.obj_id, r.size_bytes)) {
				nv_miss[i]++;
				nv_miss_bytes[i] += r.size_bytes;
			}
	}
	assert_int_equal(got, 0);
	trace_close(t);
	for (int i = 0; i < NS; i++) {
		struct cache_stats *s = &run.stats[i];
		assert_int_equal(s->requests, reqs);
		assert_int_equal(s->req_bytes, req_bytes);
		assert_int_equal(s->misses, nv_miss[i]);
		assert_int_equal(s->miss_bytes, nv_miss_bytes[i]);
		assert_true(cache_miss_ratio(s) == (double)nv_miss[i] / (double)reqs);
		assert_true(cache_byte_miss_ratio(s) == (double)nv_miss_bytes[i] / (double)req_bytes);
		/* A larger LRU never misses more (stack property). */
		if (i > 0)
			assert_true(s->misses <= run.stats[i - 1].misses);
		free(nv[i].id);
		free(nv[i].size);
	}
	/* The caches are not trivially all-hit or all-miss. */
	assert_true(run.stats[0].misses < reqs && run.stats[NS - 1].misses > 48000);
	cache_run_destroy(&run);
}

/* Zipf draws against the exact probabilities k^-a / sum j^-a, n = 10,
 * 10^6 draws, each count within 5 standard deviations. */
static void check_zipf(double alpha, uint64_t seed)
{
	enum { NZ = 10, DRAWS = 1000000 };
	struct zipf z;
	struct err e = { 0 };
	assert_int_equal(zipf_init(&z, NZ, alpha, &e), 0);
	gsl_rng *g = rng_stream_new(seed, "zipf-test");
	assert_non_null(g);
	uint64_t count[NZ + 1] = { 0 };
	for (int i = 0; i < DRAWS; i++) {
		uint64_t k = zipf_draw(&z, g);
		assert_true(k >= 1 && k <= NZ);
		count[k]++;
	}
	gsl_rng_free(g);
	double hn = 0;
	for (int k = 1; k <= NZ; k++)
		hn += pow(k, -alpha);
	for (int k = 1; k <= NZ; k++) {
		double p = pow(k, -alpha) / hn, want = p * DRAWS, sd = sqrt(DRAWS * p * (1 - p));
		if (fabs((double)count[k] - want) > 5 * sd)
			fail_msg("alpha %g: rank %d drawn %llu times, want %.0f +- %.0f", alpha, k,
				 (unsigned long long)count[k], want, 5 * sd);
	}
}

static void test_zipf_matches_exact_probabilities(void **state)
{
	(void)state;
	check_zipf(1.0, 1);
	check_zipf(0.7, 2);
	check_zipf(1.3, 3);
	check_zipf(0.0, 4);
}

static void test_zipf_is_deterministic_and_in_range(void **state)
{
	(void)state;
	struct zipf z;
	struct err e = { 0 };
	assert_int_equal(zipf_init(&z, 1000000000000ULL, 1.0, &e), 0);
	gsl_rng *a = rng_stream_new(42, "zipf"), *b = rng_stream_new(42, "zipf");
	for (int i = 0; i < 100000; i++) {
		uint64_t x = zipf_draw(&z, a);
		assert_true(x >= 1 && x <= 1000000000000ULL);
		assert_true(x == zipf_draw(&z, b));
	}
	gsl_rng_free(a);
	gsl_rng_free(b);
	assert_int_equal(zipf_init(&z, 1, 1.0, &e), 0);
	a = rng_stream_new(1, "zipf");
	assert_int_equal(zipf_draw(&z, a), 1);
	gsl_rng_free(a);
	assert_int_equal(zipf_init(&z, 0, 1.0, &e), -1);
	assert_int_equal(zipf_init(&z, 10, -1.0, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
}

/* --- bad input found while fuzzing the readers --- */

/* Reads path with format fmt to its end; the records read, the last
 * trace_next answer in *rc, the message in e, the skips in *skipped. */
static int read_all(const char *path, const char *fmt, int lenient, struct trace_rec *recs,
		    int max, int *rc, struct err *e, uint64_t *skipped)
{
	struct trace_opts o = { .lenient = lenient };
	struct trace_reader *t = trace_open_opts(path, fmt, &o, e);
	if (!t)
		fail_msg("open %s: %s", path, e->msg);
	struct trace_rec r;
	int n = 0;
	while ((*rc = trace_next(t, &r, e)) == 1) {
		if (n < max)
			recs[n] = r;
		n++;
	}
	*skipped = t->skipped;
	trace_close(t);
	return n;
}

static void expect_msg(const struct err *e, const char *path, const char *want)
{
	assert_int_equal(e->code, ERR_INPUT);
	if (!strstr(e->msg, path) || !strstr(e->msg, want))
		fail_msg("message \"%s\" lacks %s / %s", e->msg, path, want);
}

static void test_oracle_next_access_below_minus_one_is_a_bad_record(void **state)
{
	(void)state;
	unsigned char buf[72];
	oracle_rec(buf, 1, 1, 1, 3);
	oracle_rec(buf + 24, 2, 2, 2, -2); /* would read as TRACE_NEXT_UNKNOWN */
	oracle_rec(buf + 48, 3, 1, 1, -1);
	const char *path = tmpfile_with("vtime.bin", buf, sizeof buf);
	struct trace_rec r[4];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "oracleGeneral", 0, r, 4, &rc, &e, &skipped), 1);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, "record 2: field next_access_vtime: -2 is not a request number");
	assert_int_equal(read_all(path, "oracleGeneral", 1, r, 4, &rc, &e, &skipped), 2);
	assert_int_equal(rc, 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(r[1].next_access_vtime, -1);
}

static void test_csv_fractional_time_past_2_to_63_ns_keeps_its_value(void **state)
{
	(void)state;
	/* 10000000000.5 s = 1.00000000005e19 ns and 18446744073.7 s: above
	 * INT64_MAX ns, below UINT64_MAX (llround made both 2^63). */
	const char *text = "time,id\n10000000000.5,1\n18446744073.7,2\n18446744074,3\n";
	const char *path = tmpfile_with("bigtime.csv", text, strlen(text));
	struct trace_rec r[4];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "csv:size=none", 0, r, 4, &rc, &e, &skipped), 2);
	assert_true(r[0].time_ns > 10000000000400000000ULL && r[0].time_ns < 10000000000600000000ULL);
	assert_true(r[1].time_ns > 18446744073600000000ULL);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":4: field 1 (time): bad time \"18446744074\" (too large)");
}

static void test_csv_nul_byte_is_a_bad_record_naming_line_and_column(void **state)
{
	(void)state;
	static const char text[] = "id,size\n1,2\n3\0,4\n5,6\n7,8\0";
	const char *path = tmpfile_with("nul.csv", text, sizeof text - 1);
	struct trace_rec r[4];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "csv", 0, r, 4, &rc, &e, &skipped), 1);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":3: a NUL byte at column 2");
	/* The line is read past: a lenient reader goes on, to the last line's too. */
	assert_int_equal(read_all(path, "csv", 1, r, 4, &rc, &e, &skipped), 2);
	assert_int_equal(rc, 0);
	assert_int_equal(skipped, 2);
	assert_int_equal(r[1].obj_id, 5);
	/* In the header it is no header. */
	static const char hdr[] = "id\0,size\n1,2\n";
	path = tmpfile_with("nulhdr.csv", hdr, sizeof hdr - 1);
	assert_int_equal(read_all(path, "csv", 1, r, 4, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":1: a NUL byte at column 3");
}

static void test_csv_bad_quoting_is_a_bad_record_a_lenient_reader_skips(void **state)
{
	(void)state;
	const char *text = "id,size\n\"abc,1\n\"a\"b,2\n5,6\n";
	const char *path = tmpfile_with("quoting.csv", text, strlen(text));
	struct trace_rec r[4];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "csv", 0, r, 4, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":2: field 1: unterminated quote");
	assert_int_equal(read_all(path, "csv", 1, r, 4, &rc, &e, &skipped), 1);
	assert_int_equal(rc, 0);
	assert_int_equal(skipped, 2);
	assert_int_equal(r[0].obj_id, 5);
}

/* Decimal times are exact to the ns (halves up): through a double,
 * 1700000000.123456789 s lost its last digits, and a gap of 212 ns read
 * as 256. */
static void test_csv_decimal_times_are_exact(void **state)
{
	(void)state;
	const char *text = "time,id,size\n1700000000.123456789,1,1\n1700000000.123457001,2,1\n0.0000000005,3,1\n"
			   "0.00000000049,4,1\n18446744073.709551615,5,1\n";
	const char *path = tmpfile_with("dec.csv", text, strlen(text));
	struct trace_rec r[5];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "csv", 0, r, 5, &rc, &e, &skipped), 5);
	assert_int_equal(r[0].time_ns, 1700000000123456789ull);
	assert_int_equal(r[1].time_ns - r[0].time_ns, 212);
	assert_int_equal(r[2].time_ns, 1);
	assert_int_equal(r[3].time_ns, 0);
	assert_int_equal(r[4].time_ns, UINT64_MAX);
	const char *ms = "time,id,size\n2.0000005,1,1\n1.5,2,1\n";
	path = tmpfile_with("decms.csv", ms, strlen(ms));
	assert_int_equal(read_all(path, "csv:time-unit=ms", 0, r, 5, &rc, &e, &skipped), 2);
	assert_int_equal(r[0].time_ns, 2000001);
	assert_int_equal(r[1].time_ns, 1500000);
}

static void test_csv_line_limit_is_exact(void **state)
{
	(void)state;
	/* 65535 bytes of line (the limit) then a line end: read; one more
	 * byte: an error naming the line. */
	size_t n = 3 + 65535 + 1;
	char *text = malloc(n + 2);
	assert_non_null(text);
	memcpy(text, "id\n", 3);
	memset(text + 3, '7', 65535);
	text[3 + 65535] = '\n';
	const char *path = tmpfile_with("limit.csv", text, n);
	struct trace_rec r[2];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "csv:size=none", 0, r, 2, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1); /* 65535 digits: a bad id, but a whole line */
	expect_msg(&e, path, ":2: field 1 (id): bad object id");
	memcpy(text + 3 + 65535, "7\n", 2);
	path = tmpfile_with("over.csv", text, n + 1);
	assert_int_equal(read_all(path, "csv:size=none", 0, r, 2, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":2: line longer than 65535 bytes");
	free(text);
}

/* trace_read_line's bound, exact at TRACE_MAX_LINE bytes: a line of the
 * limit and its line end is read whole (here a bad record, skipped when
 * lenient, then the next is read); one byte more is bad input naming the
 * line, not memory grown without end (a file with no line ends took
 * gigabytes, then failed as out of memory, exit 1). */
static void test_azure_line_limit_is_exact(void **state)
{
	(void)state;
	const char *hdr = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
	const char *rec = "2023-11-16 18:15:46.6805900,4808,10\n";
	size_t h = strlen(hdr), k = strlen(rec), n = h + TRACE_MAX_LINE + 1 + k;
	char *text = malloc(n + 1);
	assert_non_null(text);
	memcpy(text, hdr, h);
	memset(text + h, '7', TRACE_MAX_LINE);
	text[h + TRACE_MAX_LINE] = '\n';
	memcpy(text + h + TRACE_MAX_LINE + 1, rec, k);
	const char *path = tmpfile_with("limit_azure.csv", text, n);
	struct trace_rec r[2];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "azure_llm", 1, r, 2, &rc, &e, &skipped), 1);
	assert_int_equal(skipped, 1);
	assert_int_equal(r[0].size_bytes, 4808ull * TRACE_KV_BYTES_PER_TOKEN);
	text[h + TRACE_MAX_LINE] = '7'; /* the line goes on: over the limit */
	path = tmpfile_with("over_azure.csv", text, n);
	assert_int_equal(read_all(path, "azure_llm", 1, r, 2, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	assert_int_equal(e.code, ERR_INPUT);
	expect_msg(&e, path, ":2: a line longer than 1048576 bytes");
	free(text);
}

static void test_azure_date_the_month_lacks_is_a_bad_time(void **state)
{
	(void)state;
	const char *text = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
			   "2023-02-28 00:00:00,1,1\n"
			   "2023-02-31 00:00:00,1,1\n" /* was read as 2023-03-03 */
			   "2023-02-29 00:00:00,1,1\n"
			   "2023-04-31 00:00:00,1,1\n"
			   "2024-02-29 00:00:00,1,1\n"; /* a leap year */
	const char *path = tmpfile_with("dates.csv", text, strlen(text));
	struct trace_rec r[4];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "azure_llm", 0, r, 4, &rc, &e, &skipped), 1);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":3: field 1 (TIMESTAMP): bad time (YYYY-MM-DD HH:MM:SS.fffffff) \"2023-02-31");
	assert_int_equal(read_all(path, "azure_llm", 1, r, 4, &rc, &e, &skipped), 2);
	assert_int_equal(rc, 0);
	assert_int_equal(skipped, 3);
	assert_true(r[1].time_ns == 366ULL * 86400 * 1000000000ULL);
}

static void test_azure_time_past_64_bits_of_ns_is_an_error(void **state)
{
	(void)state;
	/* The last time 64 bits of ns since 1970 hold, then one ns later;
	 * 4154 used to wrap around to a time in 1999 and be read. */
	const char *text = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
			   "1970-01-01 00:00:00,1,1\n"
			   "2554-07-21 23:34:33.709551615,1,1\n"
			   "2554-07-21 23:34:33.709551616,1,1\n"
			   "4154-11-16 18:17:04,1,1\n";
	const char *path = tmpfile_with("2554.csv", text, strlen(text));
	struct trace_rec r[4];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	assert_int_equal(read_all(path, "azure_llm", 0, r, 4, &rc, &e, &skipped), 2);
	assert_true(r[1].time_ns == UINT64_MAX);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":4: field 1 (TIMESTAMP): time past 2554-07-21");
	assert_int_equal(read_all(path, "azure_llm", 1, r, 4, &rc, &e, &skipped), 2);
	assert_int_equal(skipped, 2);
}

static void test_nul_bytes_in_text_traces_are_errors(void **state)
{
	(void)state;
	struct trace_rec r[4];
	struct err e = { 0 };
	int rc;
	uint64_t skipped;
	/* Alibaba: a NUL in the last field used to cut it short unseen. */
	static const char al[] = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
				 "creation_time,deletion_time,scheduled_time\n"
				 "p0,1,1,1,1,,LS,Running,0,10,0\0junk\n"
				 "p1,1,1,1,1,,LS,Running,0,10,0\n";
	const char *path = tmpfile_with("nul-alibaba.csv", al, sizeof al - 1);
	assert_int_equal(read_all(path, "alibaba_gpu", 0, r, 4, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":2: a NUL byte at column 30");
	assert_int_equal(read_all(path, "alibaba_gpu", 1, r, 4, &rc, &e, &skipped), 1);
	assert_int_equal(skipped, 1);
	/* Mooncake: a line of NULs is not blank. */
	static const char mc[] = "\0\0\n{\"timestamp\": 0, \"input_length\": 1, \"hash_ids\": [7]}\n";
	path = tmpfile_with("nul.jsonl", mc, sizeof mc - 1);
	assert_int_equal(read_all(path, "mooncake", 0, r, 4, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":1: a NUL byte at column 1");
	assert_int_equal(read_all(path, "mooncake", 1, r, 4, &rc, &e, &skipped), 1);
	assert_int_equal(r[0].obj_id, 7);
	/* Mooncake: a NUL inside a record, where jansson took it for the
	 * record's end and read the record as another (make fuzz). */
	static const char mc2[] = "{\"timestamp\": 1\0, \"input_length\": 1, \"hash_ids\": [5]}\n"
				  "{\"timestamp\": 2, \"input_length\": 1, \"hash_ids\": [6]}\n";
	path = tmpfile_with("nul2.jsonl", mc2, sizeof mc2 - 1);
	assert_int_equal(read_all(path, "mooncake", 0, r, 4, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":1: a NUL byte at column 16");
	assert_int_equal(read_all(path, "mooncake", 1, r, 4, &rc, &e, &skipped), 1);
	assert_int_equal(r[0].obj_id, 6);
	assert_int_equal(skipped, 1);
	/* Azure: a header with a NUL and more after it is not the header. */
	static const char az[] = "TIMESTAMP,ContextTokens,GeneratedTokens\0x\n2023-02-28 00:00:00,1,1\n";
	path = tmpfile_with("nul-azure.csv", az, sizeof az - 1);
	assert_int_equal(read_all(path, "azure_llm", 1, r, 4, &rc, &e, &skipped), 0);
	assert_int_equal(rc, -1);
	expect_msg(&e, path, ":1: header");
}

/* A format and its options are checked without a file, with the message
 * trace_open gives, so a scenario can point at its `format` line. */
static void test_format_check_needs_no_file(void **state)
{
	(void)state;
	struct err e = { 0 };
	assert_int_equal(trace_format_check("csv:time=1,id=2,size=3", &e), 0);
	assert_int_equal(trace_format_check("ORACLEGENERAL", &e), 0);
	assert_int_equal(trace_format_check("mooncake:block-tokens=512", &e), 0);
	assert_int_equal(trace_format_check("tape", &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_non_null(strstr(e.msg, "unknown trace format \"tape\""));
	assert_int_equal(trace_format_check("mooncake:block-tokens=0", &e), -1);
	assert_non_null(strstr(e.msg, "must be positive"));
	assert_int_equal(trace_format_check("vscsi:x=1", &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle_reads_little_endian_records),
		cmocka_unit_test(test_oracle_truncated_record_names_file_and_record),
		cmocka_unit_test(test_missing_file_and_unknown_format_are_input_errors),
		cmocka_unit_test(test_oracle_reads_real_cloudphysics_trace),
		cmocka_unit_test(test_csv_reads_real_cloudphysics_trace_with_defaults),
		cmocka_unit_test(test_csv_column_map_by_index_quotes_crlf_and_tabs),
		cmocka_unit_test(test_csv_wrong_column_count_names_file_line_and_field),
		cmocka_unit_test(test_csv_skips_a_byte_order_mark_and_refuses_cr_alone),
		cmocka_unit_test(test_sniff_refuses_text_as_an_oracle_general_trace),
		cmocka_unit_test(test_csv_bad_values_name_the_field),
		cmocka_unit_test(test_lru_matches_naive_lru_on_cloudphysics),
		cmocka_unit_test(test_zipf_matches_exact_probabilities),
		cmocka_unit_test(test_zipf_is_deterministic_and_in_range),
		cmocka_unit_test(test_oracle_next_access_below_minus_one_is_a_bad_record),
		cmocka_unit_test(test_csv_fractional_time_past_2_to_63_ns_keeps_its_value),
		cmocka_unit_test(test_csv_nul_byte_is_a_bad_record_naming_line_and_column),
		cmocka_unit_test(test_csv_bad_quoting_is_a_bad_record_a_lenient_reader_skips),
		cmocka_unit_test(test_csv_line_limit_is_exact),
		cmocka_unit_test(test_azure_line_limit_is_exact),
		cmocka_unit_test(test_csv_decimal_times_are_exact),
		cmocka_unit_test(test_azure_date_the_month_lacks_is_a_bad_time),
		cmocka_unit_test(test_azure_time_past_64_bits_of_ns_is_an_error),
		cmocka_unit_test(test_nul_bytes_in_text_traces_are_errors),
		cmocka_unit_test(test_format_check_needs_no_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
