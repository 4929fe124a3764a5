/*
 * azure_llm — reader of the Azure LLM inference traces (2023).
 *
 * Source: Azure/AzurePublicDataset data/AzureLLMInferenceTrace_{code,conv}.csv
 * (CC-BY-4.0; Patel et al., "Splitwise", ISCA 2024); copies and their
 * description in ../shared/traces/azure_llm_2023/.  Header
 * "TIMESTAMP,ContextTokens,GeneratedTokens"; TIMESTAMP is a wall-clock
 * string "YYYY-MM-DD HH:MM:SS.fffffff" (UTC is assumed; only differences
 * matter), the token counts are integers.
 *
 * Why one record per request: the trace has arrivals and sizes but no
 * prefix data, so each request's KV cache is its own object:
 *
 *   time_ns  TIMESTAMP - the first record's TIMESTAMP (converted with the
 *            proleptic Gregorian calendar, no time zone, no leap seconds)
 *   obj_id   the request's 0-based index (every request is distinct)
 *   size     ContextTokens x kv_bytes_per_token (the prompt's KV cache;
 *            default 320 KiB/token, a 70B-class model, see trace.h)
 *   op       none (the trace does not say)
 *   client   the request's 0-based index
 *
 * GeneratedTokens is checked but not carried.  Errors name the file, line
 * and field: a header other than the above, a line without exactly three
 * fields, a malformed time (a date the month does not have, such as
 * 2023-02-31, included), a time past 2554-07-21 (the last that 64 bits
 * of ns since 1970 hold), a token count that is not a whole number, a
 * time before the previous line's.  A lenient reader skips bad lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace.h"

struct azure {
	FILE *f;
	char *path;
	char *line;
	size_t cap;
	uint64_t line_no, requests, bpt;
	uint64_t first_ns, last_ns;
	int have_first;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Days in month m (1-12) of year y, proleptic Gregorian: a date the
 * month does not have (2023-02-31) is malformed, not the next month's. */
static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	return dm[m - 1] + (m == 2 && leap);
}

static int digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD HH:MM:SS[.fffffffff]" (s, n bytes) -> ns since 1970: 0, or
 * -1 malformed, -2 past the last time 64 bits of ns hold
 * (2554-07-21 23:34:33.709551615). */
static int parse_time(const char *s, size_t n, uint64_t *ns)
{
	unsigned y, mo, d, h, mi, se, frac = 0;
	if (n < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
	    digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	if (n > 19) {
		size_t k = n - 20;
		if (s[19] != '.' || k < 1 || k > 9 || digits(s + 20, (int)k, &frac))
			return -1;
		for (size_t i = k; i < 9; i++)
			frac *= 10;
	}
	int64_t days = days_from_civil(y, mo, d);
	uint64_t sec = (uint64_t)days * 86400u + h * 3600u + mi * 60u + se;
	if (sec > UINT64_MAX / 1000000000u || sec * 1000000000u > UINT64_MAX - frac)
		return -2;
	*ns = sec * 1000000000u + frac;
	return 0;
}

static int parse_count(const char *s, size_t n, uint64_t *out)
{
	if (n == 0 || n > 19)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static const char *const az_names[3] = { "TIMESTAMP", "ContextTokens", "GeneratedTokens" };

static int bad(struct azure *a, struct err *e, int field, const char *what, const char *v, size_t n)
{
	err_set(e, ERR_INPUT, "%s:%llu: field %d (%s): %s \"%.*s\"", a->path,
		(unsigned long long)a->line_no, field + 1, az_names[field], what,
		(int)(n > 40 ? 40 : n), v);
	return TRACE_BAD_RECORD;
}

static int azure_next(void *st, struct trace_rec *r, struct err *e)
{
	struct azure *a = st;
	ssize_t n;
	if (a->line_no == 0) {
		n = trace_read_line(a->f, &a->line, &a->cap, TRACE_MAX_LINE, a->path, &a->line_no, e);
		if (n == -2)
			return -1;
		if (n < 0 || strlen(a->line) != (size_t)n ||
		    strcasecmp(a->line, "TIMESTAMP,ContextTokens,GeneratedTokens"))
			return err_set(e, ERR_INPUT,
				       "%s:1: header \"%.60s\": expected \"TIMESTAMP,ContextTokens,GeneratedTokens\"",
				       a->path, n < 0 ? "" : a->line);
	}
	do {
		n = trace_read_line(a->f, &a->line, &a->cap, TRACE_MAX_LINE, a->path, &a->line_no, e);
		if (n == -2)
			return -1;
		if (n == -1)
			return 0;
	} while (n == 0);
	const char *p = a->line, *end = a->line + n;
	const char *f[3];
	size_t len[3];
	int nf = 0;
	while (nf < 3) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		f[nf] = p;
		len[nf] = (size_t)((c ? c : end) - p);
		nf++;
		if (!c)
			break;
		p = c + 1;
		if (nf == 3) {
			err_set(e, ERR_INPUT, "%s:%llu: field 4 is one too many: expected 3 fields",
				a->path, (unsigned long long)a->line_no);
			return TRACE_BAD_RECORD;
		}
	}
	if (nf < 3) {
		err_set(e, ERR_INPUT, "%s:%llu: field %d (%s) is missing: expected 3 fields, found %d",
			a->path, (unsigned long long)a->line_no, nf + 1, az_names[nf], nf);
		return TRACE_BAD_RECORD;
	}
	uint64_t t, ctx, gen;
	int trc = parse_time(f[0], len[0], &t);
	if (trc == -2)
		return bad(a, e, 0, "time past 2554-07-21 (64 bits of ns since 1970)", f[0], len[0]);
	if (trc < 0)
		return bad(a, e, 0, "bad time (YYYY-MM-DD HH:MM:SS.fffffff)", f[0], len[0]);
	if (parse_count(f[1], len[1], &ctx) < 0)
		return bad(a, e, 1, "bad token count", f[1], len[1]);
	if (parse_count(f[2], len[2], &gen) < 0)
		return bad(a, e, 2, "bad token count", f[2], len[2]);
	if (ctx && a->bpt > UINT64_MAX / ctx)
		return bad(a, e, 1, "too many tokens for the KV bytes per token", f[1], len[1]);
	if (!a->have_first) {
		a->first_ns = a->last_ns = t;
		a->have_first = 1;
	}
	if (t < a->last_ns)
		return bad(a, e, 0, "time before the previous line's (times must not decrease)", f[0], len[0]);
	a->last_ns = t;
	r->time_ns = t - a->first_ns;
	r->obj_id = a->requests;
	r->size_bytes = ctx * a->bpt;
	r->op = TRACE_OP_NONE;
	r->next_access_vtime = TRACE_NEXT_UNKNOWN;
	r->offset_bytes = 0;
	r->client = (uint32_t)a->requests++;
	return 1;
}

static void azure_close(void *st)
{
	struct azure *a = st;
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	free(a->line);
	free(a->path);
	free(a);
}

static const struct trace_ops azure_ops = {
	.name = "azure_llm",
	.next = azure_next,
	.close = azure_close,
};

struct trace_reader *trace_open_azure_llm(const char *path, uint64_t kv_bytes_per_token,
					  struct err *e)
{
	struct trace_reader *t = trace_reader_new(path);
	struct azure *a = calloc(1, sizeof *a);
	if (!t || !a || !(a->path = strdup(path))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		goto fail;
	}
	a->bpt = kv_bytes_per_token ? kv_bytes_per_token : TRACE_KV_BYTES_PER_TOKEN;
	a->f = fopen(path, "r");
	if (!a->f) {
		err_open(e, path, errno);
		goto fail;
	}
	setvbuf(a->f, NULL, _IOFBF, 1 << 16);
	t->ops = &azure_ops;
	t->st = a;
	return t;
fail:
	azure_close(a);
	trace_reader_discard(t);
	return NULL;
}
