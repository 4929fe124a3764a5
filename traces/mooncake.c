/*
 * mooncake — reader of Mooncake's KV-cache request traces (JSONL).
 *
 * Source: kvcache-ai/Mooncake, FAST25-release/traces/ (Apache-2.0); the
 * files and their README are in ../shared/traces/mooncake/.  Each line is
 * one request, a JSON object:
 *
 *   timestamp      integer ms from the trace start, non-decreasing
 *   input_length   prompt tokens
 *   output_length  generated tokens (checked for type, otherwise unused)
 *   hash_ids       one id per 512-token block of the prompt; equal ids are
 *                  the same prefix block (reusable KV cache)
 *
 * Why one record per block reference: the reuse in this trace is at the
 * granularity of prefix blocks, so a cache replay (and `trace inspect`'s
 * distinct objects and repeat share) must see every block a request
 * touches.  A request of k blocks becomes k records, in hash_ids order,
 * all with the request's time and client:
 *
 *   time_ns  timestamp x 10^6
 *   obj_id   the hash id
 *   size     block_tokens x kv_bytes_per_token, the same for every block:
 *            the last block of a prompt is usually partial, but a paged KV
 *            cache allocates whole blocks, and a block id names one block
 *            whatever prompt reaches it, so one size per id keeps a
 *            cache's byte accounting consistent.  Defaults: 512 tokens
 *            (Mooncake's block) x 320 KiB/token (a 70B-class GQA model in
 *            bf16: 80 layers x 8 KV heads x 128 dims x 2 x 2 B,
 *            ../shared/traces/README.md) = 160 MiB.
 *   op       read (a prefix lookup)
 *   client   the request's 0-based index (the reader sets block_refs, so
 *            a request is a run of records with one client)
 *
 * Validation (each an error naming the file, line and field; a lenient
 * reader skips the line and counts it): the line is a JSON object;
 * timestamp, input_length, output_length are non-negative integers;
 * hash_ids is an array of non-negative integers with exactly
 * ceil(input_length / block_tokens) entries; timestamps never decrease.
 * Blank lines are skipped.
 *
 * Parsing, and why two paths: jansson's json_loadb builds a tree with a
 * malloc per value and parses this trace at about 36 MB/s (measured: 2.14,
 * on the conversation trace), far below the 200 MB/s the importers must
 * reach.  So each line is first offered to a recogniser of the one shape
 * Mooncake writes: an object of only the keys above, each at most once,
 * whose values are non-negative integers (no sign, fraction, exponent or
 * leading zero, at most 18 digits) or, for hash_ids, an array of them,
 * with JSON whitespace between tokens.  That is a strict subset of JSON
 * whose meaning is unambiguous, so a line it accepts means what jansson
 * would make of it.  Anything else -- other keys, other types, any
 * malformed or unusual text -- goes to json_loadb, which decides and
 * words every error.  tests/test_importers.c checks that both paths give
 * the same records on the real traces and on mutated lines.  Lines are
 * read (trace_read_line) into one reused buffer (at most MC_MAX_LINE bytes);
 * the block ids go to one reused array, so the fast path allocates
 * nothing per record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "trace.h"

#define MC_MAX_LINE (64u << 20)

struct mooncake {
	FILE *f;
	char *path;
	char *line;
	size_t line_cap;
	uint64_t line_no;
	uint64_t block_bytes, block_tokens;
	uint64_t requests;      /* requests accepted so far */
	uint64_t last_ts_ms;
	int have_ts;
	/* the current request's blocks, handed out one at a time */
	uint64_t *ids;
	size_t n_ids, cap_ids, pos;
	uint64_t time_ns;
	uint32_t client;
	int jansson_only;       /* tests: never take the fast path */
};

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	default: return "null";
	}
}

/* The non-negative integer field key of o into *out. */
static int get_uint(struct mooncake *m, json_t *o, const char *key, int required, uint64_t *out,
		    struct err *e)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		if (!required)
			return 0;
		err_set(e, ERR_INPUT, "%s:%llu: field \"%s\" is missing", m->path,
			(unsigned long long)m->line_no, key);
		return TRACE_BAD_RECORD;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		err_set(e, ERR_INPUT, "%s:%llu: field \"%s\": expected a non-negative integer, found %s",
			m->path, (unsigned long long)m->line_no, key,
			json_is_integer(v) ? "a negative integer" : json_type_name(v));
		return TRACE_BAD_RECORD;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int grow_ids(struct mooncake *m, size_t k)
{
	if (k <= m->cap_ids)
		return 0;
	size_t cap = m->cap_ids ? m->cap_ids : 64;
	while (cap < k)
		cap *= 2;
	uint64_t *p = realloc(m->ids, cap * sizeof *p);
	if (!p)
		return -1;
	m->ids = p;
	m->cap_ids = cap;
	return 0;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A non-negative integer in the strict form (see the opening comment). */
static const char *fast_uint(const char *p, uint64_t *v)
{
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	uint64_t x = 0;
	int nd = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++nd > 18)
			return NULL;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.' || *p == 'e' || *p == 'E')
		return NULL;
	*v = x;
	return p;
}

enum { K_TS, K_IN, K_OUT, K_IDS, K_N };
static const char *const mc_keys[K_N] = { "timestamp", "input_length", "output_length", "hash_ids" };

/* The recogniser: 1 and the fields (ids in m->ids[0..*k)), or 0 when the
 * line is not in the strict shape (jansson then decides). */
static int fast_parse(struct mooncake *m, const char *s, size_t n, uint64_t *ts, uint64_t *in_len,
		      size_t *k)
{
	const char *p = skip_ws(s);
	unsigned seen = 0;
	uint64_t val[K_N] = { 0 };
	if (*p++ != '{')
		return 0;
	for (;;) {
		p = skip_ws(p);
		if (*p++ != '"')
			return 0;
		int key = -1;
		for (int i = 0; i < K_N && key < 0; i++) {
			size_t l = strlen(mc_keys[i]);
			if (!strncmp(p, mc_keys[i], l) && p[l] == '"') {
				key = i;
				p += l + 1;
			}
		}
		if (key < 0 || (seen & 1u << key))
			return 0;
		seen |= 1u << key;
		p = skip_ws(p);
		if (*p++ != ':')
			return 0;
		p = skip_ws(p);
		if (key != K_IDS) {
			if (!(p = fast_uint(p, &val[key])))
				return 0;
		} else {
			if (*p++ != '[')
				return 0;
			p = skip_ws(p);
			size_t nid = 0;
			if (*p == ']') {
				p++;
			} else {
				for (;;) {
					if (nid == m->cap_ids && grow_ids(m, nid + 1) < 0)
						return 0;
					if (!(p = fast_uint(p, &m->ids[nid])))
						return 0;
					nid++;
					p = skip_ws(p);
					if (*p == ']') {
						p++;
						break;
					}
					if (*p++ != ',')
						return 0;
					p = skip_ws(p);
				}
			}
			*k = nid;
		}
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p++ != '}')
			return 0;
		break;
	}
	p = skip_ws(p);
	if (p != s + n || !(seen & 1u << K_TS) || !(seen & 1u << K_IN) || !(seen & 1u << K_IDS))
		return 0;
	*ts = val[K_TS];
	*in_len = val[K_IN];
	return 1;
}

/* The jansson path: the fields, or an error naming the line and field. */
static int slow_parse(struct mooncake *m, size_t n, uint64_t *ts, uint64_t *in_len, size_t *kout,
		      struct err *e)
{
	json_error_t je;
	json_t *o = json_loadb(m->line, n, 0, &je);
	if (!o) {
		err_set(e, ERR_INPUT, "%s:%llu: malformed JSON at column %d: %s", m->path,
			(unsigned long long)m->line_no, je.column, je.text);
		return TRACE_BAD_RECORD;
	}
	int rc = 0;
	uint64_t out_len;
	if (!json_is_object(o)) {
		err_set(e, ERR_INPUT, "%s:%llu: expected a JSON object, found %s", m->path,
			(unsigned long long)m->line_no, json_type_name(o));
		rc = TRACE_BAD_RECORD;
		goto out;
	}
	if ((rc = get_uint(m, o, "timestamp", 1, ts, e)) < 0 ||
	    (rc = get_uint(m, o, "input_length", 1, in_len, e)) < 0 ||
	    (rc = get_uint(m, o, "output_length", 0, &out_len, e)) < 0)
		goto out;
	json_t *ids = json_object_get(o, "hash_ids");
	if (!ids || !json_is_array(ids)) {
		err_set(e, ERR_INPUT, ids ? "%s:%llu: field \"hash_ids\": expected an array, found %s"
					  : "%s:%llu: field \"hash_ids\" is missing%s",
			m->path, (unsigned long long)m->line_no, ids ? json_type_name(ids) : "");
		rc = TRACE_BAD_RECORD;
		goto out;
	}
	size_t k = json_array_size(ids);
	if (grow_ids(m, k) < 0) {
		rc = err_set(e, ERR_FAIL, "%s:%llu: out of memory", m->path, (unsigned long long)m->line_no);
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		json_t *v = json_array_get(ids, i);
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			err_set(e, ERR_INPUT,
				"%s:%llu: field \"hash_ids\"[%zu]: expected a non-negative integer, found %s",
				m->path, (unsigned long long)m->line_no, i,
				json_is_integer(v) ? "a negative integer" : json_type_name(v));
			rc = TRACE_BAD_RECORD;
			goto out;
		}
		m->ids[i] = (uint64_t)json_integer_value(v);
	}
	*kout = k;
out:
	json_decref(o);
	return rc;
}

/* Parses line m->line (n bytes) into the pending blocks. */
static int parse_request(struct mooncake *m, size_t n, struct err *e)
{
	uint64_t ts, in_len;
	size_t k = 0;
	if (m->jansson_only || !fast_parse(m, m->line, n, &ts, &in_len, &k)) {
		int rc = slow_parse(m, n, &ts, &in_len, &k, e);
		if (rc < 0)
			return rc;
	}
	uint64_t want = in_len / m->block_tokens + (in_len % m->block_tokens != 0);
	if (k != want) {
		err_set(e, ERR_INPUT,
			"%s:%llu: field \"hash_ids\": %zu entries, but input_length %llu needs "
			"ceil(%llu/%llu) = %llu",
			m->path, (unsigned long long)m->line_no, k, (unsigned long long)in_len,
			(unsigned long long)in_len, (unsigned long long)m->block_tokens,
			(unsigned long long)want);
		return TRACE_BAD_RECORD;
	}
	if (ts > UINT64_MAX / 1000000u) {
		err_set(e, ERR_INPUT, "%s:%llu: field \"timestamp\": %llu ms is too large", m->path,
			(unsigned long long)m->line_no, (unsigned long long)ts);
		return TRACE_BAD_RECORD;
	}
	if (m->have_ts && ts < m->last_ts_ms) {
		err_set(e, ERR_INPUT,
			"%s:%llu: field \"timestamp\": %llu ms is before the previous request's %llu ms "
			"(timestamps must not decrease)",
			m->path, (unsigned long long)m->line_no, (unsigned long long)ts,
			(unsigned long long)m->last_ts_ms);
		return TRACE_BAD_RECORD;
	}
	m->n_ids = k;
	m->pos = 0;
	m->time_ns = ts * 1000000u;
	m->client = (uint32_t)m->requests++;
	m->last_ts_ms = ts;
	m->have_ts = 1;
	return 0;
}

static int mooncake_next(void *st, struct trace_rec *r, struct err *e)
{
	struct mooncake *m = st;
	while (m->pos == m->n_ids) {
		m->n_ids = m->pos = 0;
		ssize_t n = trace_read_line(m->f, &m->line, &m->line_cap, MC_MAX_LINE, m->path, &m->line_no, e);
		if (n < 0)
			return n == -2 ? -1 : 0;
		/* jansson reads a NUL outside a string as the end of the text
		 * and the fast parser stops at it: either way a record with
		 * one would be read as something else (make fuzz found it). */
		if (trace_line_nul(m->line, (size_t)n, m->path, m->line_no, e) < 0)
			return TRACE_BAD_RECORD;
		size_t i = 0;
		while (i < (size_t)n && m->line[i] && strchr(" \t\r\n", m->line[i]))
			i++;
		if (i == (size_t)n)
			continue;
		int rc = parse_request(m, (size_t)n, e);
		if (rc < 0)
			return rc;
	}
	r->time_ns = m->time_ns;
	r->obj_id = m->ids[m->pos++];
	r->size_bytes = m->block_bytes;
	r->op = TRACE_OP_READ;
	r->next_access_vtime = TRACE_NEXT_UNKNOWN;
	r->offset_bytes = 0;
	r->client = m->client;
	return 1;
}

static void mooncake_close(void *st)
{
	struct mooncake *m = st;
	if (!m)
		return;
	if (m->f)
		fclose(m->f);
	free(m->line);
	free(m->ids);
	free(m->path);
	free(m);
}

static const struct trace_ops mooncake_ops = {
	.name = "mooncake",
	.next = mooncake_next,
	.close = mooncake_close,
};

struct trace_reader *trace_open_mooncake(const char *path, const struct trace_mooncake_cfg *c,
					 struct err *e)
{
	uint64_t bpt = c && c->kv_bytes_per_token ? c->kv_bytes_per_token : TRACE_KV_BYTES_PER_TOKEN;
	uint64_t bt = c && c->block_tokens ? c->block_tokens : TRACE_MOONCAKE_BLOCK_TOKENS;
	if (bpt > UINT64_MAX / bt) {
		err_set(e, ERR_INPUT, "mooncake: block of %llu tokens x %llu bytes is too large",
			(unsigned long long)bt, (unsigned long long)bpt);
		return NULL;
	}
	struct trace_reader *t = trace_reader_new(path);
	struct mooncake *m = calloc(1, sizeof *m);
	if (!t || !m || !(m->path = strdup(path))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		goto fail;
	}
	m->block_tokens = bt;
	m->block_bytes = bt * bpt;
	m->jansson_only = c && c->jansson_only;
	m->f = fopen(path, "r");
	if (!m->f) {
		err_open(e, path, errno);
		goto fail;
	}
	setvbuf(m->f, NULL, _IOFBF, 1 << 16);
	t->ops = &mooncake_ops;
	t->st = m;
	t->block_refs = 1;
	return t;
fail:
	mooncake_close(m);
	trace_reader_discard(t);
	return NULL;
}
