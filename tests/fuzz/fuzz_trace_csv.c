/*
 * fuzz_trace_csv — traces/csv.c, delimited text with a column map, and
 * its option parser (trace_csv_parse_opts).  The first line of the input
 * is the OPTS of "csv:OPTS" (e.g. "header=no,id=2,delim=tab"; empty:
 * the defaults); the rest is the file.  Checked: options that do not
 * parse leave an error message, and trace_open_opts refuses them with the
 * same one; otherwise, besides the reader contract (fuzz_trace.h): a
 * column the options say is absent gives its default (size 1, time 0,
 * op none); offset and client are 0; a file with a NUL byte does not
 * read cleanly.
 */
#include <stdlib.h>

#include "tests/fuzz/fuzz_trace.h"

struct ctx {
	const char *format;
	struct trace_csv_cfg cfg;
};

static struct trace_reader *open_csv(const char *path, const struct trace_opts *o, void *ctx,
				     struct err *e)
{
	const struct ctx *c = ctx;
	return trace_open_opts(path, c->format, o, e);
}

static void check_rec(const struct trace_reader *t, const struct trace_rec *r, uint64_t i,
		      void *ctx)
{
	(void)t;
	(void)i;
	const struct ctx *c = ctx;
	if (c->cfg.size.index < 0)
		FUZZ_CHECK(r->size_bytes == 1);
	if (c->cfg.time.index < 0)
		FUZZ_CHECK(r->time_ns == 0);
	if (c->cfg.op.index < 0)
		FUZZ_CHECK(r->op == TRACE_OP_NONE);
	FUZZ_CHECK(r->offset_bytes == 0 && r->client == 0);
}

static void run(const char *opts, const char *format, const uint8_t *file, size_t n)
{
	struct ctx c = { .format = format };
	trace_csv_cfg_default(&c.cfg);
	struct err e = { 0 }, e2 = { 0 };
	if (trace_csv_parse_opts(opts, &c.cfg, &e) < 0) {
		FUZZ_CHECK(e.code == ERR_INPUT && e.msg[0] != '\0');
		FUZZ_CHECK(trace_open_opts("/nonexistent", format, NULL, &e2) == NULL);
		FUZZ_CHECK(!strcmp(e.msg, e2.msg));
		return;
	}
	char path[64];
	int fd = fuzz_file(file, n, path, sizeof path);
	if (fd < 0)
		return;
	struct ft_pass sp;
	ft_run(path, open_csv, check_rec, &c, &sp, NULL);
	/* A NUL byte is a bad record wherever it is: a clean end saw none. */
	FUZZ_CHECK(sp.rc != 0 || !memchr(file, '\0', n));
	fuzz_file_close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *file;
	size_t n;
	char *opts = fuzz_first_line(data, size, &file, &n);
	char *format = opts ? malloc(strlen(opts) + 5) : NULL;
	if (format) {
		memcpy(format, "csv:", 4);
		strcpy(format + 4, opts);
		run(opts, format, file, n);
	}
	free(opts);
	free(format);
	return 0;
}
