/*
 * fuzz_trace_azure_llm — traces/azure_llm.c, the Azure LLM inference CSV
 * (TIMESTAMP,ContextTokens,GeneratedTokens), and the options of
 * "azure_llm:OPTS".  The first line of the input is OPTS (empty: none;
 * e.g. "kv-bytes-per-token=2KiB"); the rest is the file.  Checked,
 * besides the reader contract (fuzz_trace.h): options that do not parse
 * leave an error message; a record's obj_id and client are its 0-based
 * request index, the first record's time is 0 and times never decrease,
 * its size is a whole number of KV bytes per token (when the options
 * say how many), its op none and offset 0.  And the calendar: a strict
 * reader's record i comes from the file's i-th data line, whose date must
 * be one the C library's timegm gives back unchanged (no 2023-02-31), and
 * whose time since the first line's must be what timegm makes of it.  A
 * file with a NUL byte does not read cleanly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/units.h"
#include "tests/fuzz/fuzz_trace.h"

#define MAX_LINES 4096

struct ctx {
	const char *format;
	uint64_t bpt; /* KV bytes per token, 0: not known here */
	uint64_t last_ns;
	/* the data lines' times by the reference calendar, ns since 1970 */
	uint64_t line_ns[MAX_LINES];
	unsigned char line_ok[MAX_LINES]; /* 0: no time, or none a uint64 of ns holds */
	size_t lines;
};

static int num(const char *s, int n, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* The reference reading of "YYYY-MM-DD HH:MM:SS[.f{1,9}]" (n bytes) into
 * ns since 1970: the day from timegm, which must give the date back as
 * it is.  -1 when it is no such time or past what 64 bits of ns hold
 * (2554-07-21). */
static int ref_time(const char *s, size_t n, uint64_t *ns)
{
	unsigned y, mo, d, h, mi, se, f = 0;
	if (n < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
	    num(s, 4, &y) || num(s + 5, 2, &mo) || num(s + 8, 2, &d) || num(s + 11, 2, &h) ||
	    num(s + 14, 2, &mi) || num(s + 17, 2, &se))
		return -1;
	if (n > 19) {
		if (s[19] != '.' || n < 21 || n > 29 || num(s + 20, (int)(n - 20), &f))
			return -1;
		for (size_t i = n - 20; i < 9; i++)
			f *= 10;
	}
	if (y < 1970 || h > 23 || mi > 59 || se > 60)
		return -1;
	struct tm tm = { .tm_year = (int)y - 1900, .tm_mon = (int)mo - 1, .tm_mday = (int)d };
	time_t day = timegm(&tm);
	if (day == (time_t)-1 || tm.tm_year != (int)y - 1900 || tm.tm_mon != (int)mo - 1 ||
	    tm.tm_mday != (int)d)
		return -1;
	uint64_t sec = (uint64_t)day + h * 3600u + mi * 60u + se;
	if (sec > UINT64_MAX / 1000000000u || sec * 1000000000u > UINT64_MAX - f)
		return -1;
	*ns = sec * 1000000000u + f;
	return 0;
}

/* The data lines of the file as trace_read_line cuts them: after the
 * header, without trailing CR/LF, blank ones skipped. */
static void ref_lines(struct ctx *c, const uint8_t *file, size_t n)
{
	const uint8_t *p = file, *end = file + n;
	int header = 1;
	c->lines = 0;
	while (p < end && c->lines < MAX_LINES) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *e = nl ? nl : end;
		size_t len = (size_t)(e - p);
		while (len && p[len - 1] == '\r')
			len--;
		if (!header && len) {
			const uint8_t *comma = memchr(p, ',', len);
			size_t tl = comma ? (size_t)(comma - p) : len;
			c->line_ok[c->lines] = ref_time((const char *)p, tl, &c->line_ns[c->lines]) == 0;
			c->lines++;
		}
		header = 0;
		p = nl ? nl + 1 : end;
	}
}

static struct trace_reader *open_azure(const char *path, const struct trace_opts *o, void *ctx,
				       struct err *e)
{
	const struct ctx *c = ctx;
	return trace_open_opts(path, c->format, o, e);
}

static void check_rec(const struct trace_reader *t, const struct trace_rec *r, uint64_t i,
		      void *ctx)
{
	struct ctx *c = ctx;
	FUZZ_CHECK(r->obj_id == i && r->client == (uint32_t)i);
	FUZZ_CHECK(i > 0 || r->time_ns == 0);
	FUZZ_CHECK(i == 0 || r->time_ns >= c->last_ns);
	c->last_ns = r->time_ns;
	if (c->bpt)
		FUZZ_CHECK(r->size_bytes % c->bpt == 0);
	FUZZ_CHECK(r->op == TRACE_OP_NONE && r->offset_bytes == 0);
	if (!t->lenient && i < c->lines) {
		FUZZ_CHECK(c->line_ok[i] && c->line_ok[0] && c->line_ns[i] >= c->line_ns[0]);
		FUZZ_CHECK(r->time_ns == c->line_ns[i] - c->line_ns[0]);
	}
}

static void run(const char *opts, const uint8_t *file, size_t n)
{
	char format[600];
	if (strlen(opts) >= sizeof format - 16)
		return;
	snprintf(format, sizeof format, "azure_llm%s%s", *opts ? ":" : "", opts);
	struct ctx *c = calloc(1, sizeof *c); /* 48 KiB: not on the stack */
	if (!c)
		return;
	c->format = format;
	ref_lines(c, file, n);
	/* The size check needs the bytes per token: the default, or one option. */
	static const char key[] = "kv-bytes-per-token=";
	struct err e = { 0 };
	if (!*opts)
		c->bpt = TRACE_KV_BYTES_PER_TOKEN;
	else if (!strncmp(opts, key, sizeof key - 1) && !strchr(opts, ',') &&
		 unit_parse_bytes(opts + sizeof key - 1, &c->bpt, &e) < 0)
		c->bpt = 0;
	char path[64];
	int fd = fuzz_file(file, n, path, sizeof path);
	struct ft_pass sp;
	if (fd >= 0) {
		ft_run(path, open_azure, check_rec, c, &sp, NULL);
		FUZZ_CHECK(sp.rc != 0 || !memchr(file, '\0', n)); /* text has no NUL byte */
	}
	fuzz_file_close(fd);
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *file;
	size_t n;
	char *opts = fuzz_first_line(data, size, &file, &n);
	if (opts)
		run(opts, file, n);
	free(opts);
	return 0;
}
