/*
 * fuzz_trace_mooncake — traces/mooncake.c, Mooncake's JSONL requests
 * (one record per prefix-block reference), and the options of
 * "mooncake:OPTS".  The first line of the input is OPTS (empty: none;
 * e.g. "block-tokens=4,kv-bytes-per-token=1"); the rest is the file.
 *
 * Checked, besides the reader contract (fuzz_trace.h): the reader is one
 * of block references; a record's op is read, its offset 0, its size
 * block-tokens x kv-bytes-per-token (when the options parse here too);
 * clients (request indices) never decrease and a request's blocks share
 * its time; times never decrease.  And the reader's two parsers agree:
 * with the recogniser of Mooncake's own shape and with jansson alone
 * (trace_mooncake_cfg.jansson_only) the same input gives the same
 * records, the same skips and the same error, strictly and leniently.
 * A file with a NUL byte does not read cleanly.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim/units.h"
#include "tests/fuzz/fuzz_trace.h"

struct ctx {
	const char *format;
	struct trace_mooncake_cfg cfg; /* the options as parsed here; 0: defaults */
	uint64_t block_bytes;          /* 0: not known here */
	uint64_t last_ns;
	uint32_t last_client;
};

static struct trace_reader *open_by_name(const char *path, const struct trace_opts *o, void *ctx,
					 struct err *e)
{
	const struct ctx *c = ctx;
	return trace_open_opts(path, c->format, o, e);
}

static struct trace_reader *open_cfg(const char *path, const struct trace_opts *o, void *ctx,
				     struct err *e)
{
	const struct ctx *c = ctx;
	struct trace_reader *t = trace_open_mooncake(path, &c->cfg, e);
	if (t)
		t->lenient = o->lenient;
	return t;
}

static void check_rec(const struct trace_reader *t, const struct trace_rec *r, uint64_t i,
		      void *ctx)
{
	struct ctx *c = ctx;
	FUZZ_CHECK(t->block_refs);
	FUZZ_CHECK(r->op == TRACE_OP_READ && r->offset_bytes == 0);
	if (c->block_bytes)
		FUZZ_CHECK(r->size_bytes == c->block_bytes);
	if (i > 0) {
		FUZZ_CHECK(r->time_ns >= c->last_ns && r->client >= c->last_client);
		FUZZ_CHECK(r->client != c->last_client || r->time_ns == c->last_ns);
	}
	c->last_ns = r->time_ns;
	c->last_client = r->client;
}

/* The options as trace.c reads them (KEY=BYTES, comma-separated, each
 * positive), into c->cfg; -1 when they do not parse. */
static int parse_opts(const char *opts, struct ctx *c)
{
	char buf[512];
	if (strlen(opts) >= sizeof buf)
		return -1;
	strcpy(buf, opts);
	char *save = NULL;
	struct err e = { 0 };
	for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		uint64_t *v = !strcmp(o, "kv-bytes-per-token") ? &c->cfg.kv_bytes_per_token
			      : !strcmp(o, "block-tokens")     ? &c->cfg.block_tokens
							       : NULL;
		if (!v || unit_parse_bytes(eq + 1, v, &e) < 0 || *v == 0)
			return -1;
	}
	return 0;
}

static void run(const char *opts, const uint8_t *file, size_t n)
{
	char format[600];
	if (strlen(opts) >= sizeof format - 16)
		return;
	snprintf(format, sizeof format, "mooncake%s%s", *opts ? ":" : "", opts);
	struct ctx c = { .format = format };
	int known = parse_opts(opts, &c) == 0;
	uint64_t bpt = c.cfg.kv_bytes_per_token ? c.cfg.kv_bytes_per_token : TRACE_KV_BYTES_PER_TOKEN;
	uint64_t bt = c.cfg.block_tokens ? c.cfg.block_tokens : TRACE_MOONCAKE_BLOCK_TOKENS;
	if (!known || bpt > UINT64_MAX / bt) { /* the second: refused on opening */
		known = 0;
		memset(&c.cfg, 0, sizeof c.cfg);
		bpt = TRACE_KV_BYTES_PER_TOKEN;
		bt = TRACE_MOONCAKE_BLOCK_TOKENS;
	}
	c.block_bytes = known ? bpt * bt : 0;
	char path[64];
	int fd = fuzz_file(file, n, path, sizeof path);
	if (fd < 0)
		return;
	struct ft_pass sp;
	ft_run(path, open_by_name, check_rec, &c, &sp, NULL);
	FUZZ_CHECK(sp.rc != 0 || !memchr(file, '\0', n)); /* text has no NUL byte */
	struct ft_pass fs, fl, js, jl;
	c.block_bytes = bpt * bt;
	c.cfg.jansson_only = 0;
	ft_run(path, open_cfg, check_rec, &c, &fs, &fl);
	FUZZ_CHECK(fs.opened);
	c.cfg.jansson_only = 1;
	ft_run(path, open_cfg, check_rec, &c, &js, &jl);
	ft_same(&fs, &js);
	ft_same(&fl, &jl);
	fuzz_file_close(fd);
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
