/*
 * trace — opening a trace by format name or by sniffing the file, closing
 * any reader, counting skipped records, and the statistics of a record
 * stream that `tiersim trace inspect` prints and a native header carries.
 * The readers themselves are one file per format (see trace.h).
 *
 * Statistics: distinct objects are counted exactly in a hash table
 * (sim/cache_index.h, 16 bytes an entry plus 10.7-21.3 bytes of slots), so
 * memory grows with the distinct objects, not the records.  Inter-arrival
 * times are taken between consecutive requests in file order (for block
 * references, between the first blocks of consecutive requests; a time
 * that goes backwards counts as 0, and is counted): mean and standard deviation from GSL's
 * running statistics (gsl_rstat, Welford's update), p50/p99 from a
 * log-linear histogram (sim/hist.h, within 0.4% of a sample value).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sim/hist.h"
#include "sim/units.h"
#include "trace.h"

void trace_close(struct trace_reader *t)
{
	if (!t)
		return;
	t->ops->close(t->st);
	free(t->path);
	free(t);
}

struct trace_reader *trace_reader_new(const char *path)
{
	struct trace_reader *t = calloc(1, sizeof *t);
	if (t && !(t->path = strdup(path))) {
		free(t);
		return NULL;
	}
	return t;
}

void trace_reader_discard(struct trace_reader *t)
{
	if (t)
		free(t->path);
	free(t);
}

/* An empty trace (a failed download, a header alone) is bad input in
 * every format alike: it once gave a table of blanks and exit 0 in one
 * format, and exit 2 in another. */
int trace_no_records(const struct trace_reader *t, struct err *e)
{
	const char *p = t->path ? t->path : "the trace";
	if (t->skipped)
		return err_set(e, ERR_INPUT, "%s: no records: all %llu were bad and skipped (the first: %s)", p,
			       (unsigned long long)t->skipped, t->first_skip);
	return err_set(e, ERR_INPUT, "%s: no records", p);
}

/* By hand, not getline: getline has no bound, and a file with no line
 * ends (a binary, /dev/zero) grew one line until memory ran out (exit 1
 * after gigabytes; 16.5 GB in 30 s with no memory cap), where it is bad
 * input (exit 2) once past max. */
ssize_t trace_read_line(FILE *f, char **line, size_t *cap, size_t max, const char *path, uint64_t *line_no,
			struct err *e)
{
	size_t n = 0;
	int c = EOF;
	errno = 0;
	flockfile(f);
	while ((c = getc_unlocked(f)) != EOF) {
		if (n + 2 > *cap) {
			if (*cap >= max + 2) {
				funlockfile(f);
				err_set(e, ERR_INPUT, "%s:%llu: a line longer than %zu bytes (this format's limit): "
					"not a trace of this format?", path, (unsigned long long)*line_no + 1, max);
				return -2;
			}
			size_t nc = *cap ? 2 * *cap : 256;
			if (nc > max + 2)
				nc = max + 2;
			char *p = realloc(*line, nc);
			if (!p) {
				funlockfile(f);
				err_set(e, ERR_FAIL, "%s:%llu: out of memory reading the line", path,
					(unsigned long long)*line_no + 1);
				return -2;
			}
			*line = p;
			*cap = nc;
		}
		(*line)[n++] = (char)c;
		if (c == '\n')
			break;
	}
	funlockfile(f);
	if (c == EOF && ferror(f)) {
		int en = errno;
		err_set(e, en == EISDIR ? ERR_INPUT : ERR_FAIL, "%s:%llu: read error: %s", path,
			(unsigned long long)*line_no + 1, strerror(en));
		return -2;
	}
	if (n == 0)
		return -1;
	(*line)[n] = '\0';
	(*line_no)++;
	while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
		(*line)[--n] = '\0';
	return n;
}

int trace_line_nul(const char *line, size_t n, const char *path, uint64_t line_no, struct err *e)
{
	const char *nul = memchr(line, '\0', n);
	if (!nul)
		return 0;
	return err_set(e, ERR_INPUT, "%s:%llu: a NUL byte at column %zu (not a text file?)", path,
		       (unsigned long long)line_no, (size_t)(nul - line) + 1);
}

void trace_note_skip(struct trace_reader *t, const struct err *e)
{
	if (t->skipped++ == 0)
		snprintf(t->first_skip, sizeof t->first_skip, "%.500s", e ? e->msg : "");
}

const char *trace_formats(void)
{
	return "native, mooncake[:OPTS], azure_llm[:OPTS], alibaba_gpu, vscsi, oracleGeneral, csv[:OPTS]";
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcasecmp(s + n - m, suf);
}

/* The first line of path (at most n - 1 bytes), or "" if unreadable. */
static void first_line(const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	if (!fgets(buf, (int)n, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
}

const char *trace_sniff(const char *path, struct err *e)
{
	/* Guessing reads the file's start, and the reader then opens it again:
	 * a pipe would lose what the guess read (records shifted, a CSV's
	 * header eaten), and a FIFO whose writer has gone would block the
	 * second open for ever.  stat, unlike open, does neither. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		err_set(e, ERR_INPUT,
			"%s: not a regular file (a pipe, FIFO or device), whose format cannot be guessed without "
			"consuming it: name its format with --trace-format (%s)",
			path, trace_formats());
		return NULL;
	}
	unsigned char magic[18] = { 0 };
	FILE *f = fopen(path, "rb");
	int exists = f != NULL;
	if (f) {
		size_t got = fread(magic, 1, sizeof magic, f);
		fclose(f);
		static const unsigned char zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
		if (got >= 8 && !memcmp(magic, "TSIMTRC\n", 8))
			return "native";
		/* The compressed native form opens with a raw frame of the
		 * header, so its magic sits at byte 10 (FORMAT.md) whatever the
		 * file is called: also a native trace named .bin.zst. */
		if (got == 18 && !memcmp(magic, zstd, 4) && !memcmp(magic + 10, "TSIMTRC\n", 8))
			return "native";
		if (got >= 4 && !memcmp(magic, zstd, 4) && !ends_with(path, ".bin.zst"))
			return "native";
	}
	if (ends_with(path, ".tst") || ends_with(path, ".tst.zst"))
		return "native";
	if (ends_with(path, ".vscsi"))
		return "vscsi";
	if (ends_with(path, ".jsonl")) {
		char line[4096];
		first_line(path, line, sizeof line);
		if (!exists || (strstr(line, "\"timestamp\"") && strstr(line, "\"input_length\"") &&
			   strstr(line, "\"hash_ids\"")))
			return "mooncake"; /* a missing file: the reader names it */
		err_set(e, ERR_INPUT,
			"%s: a JSONL trace without Mooncake's keys (timestamp, input_length, hash_ids); "
			"name its format with --trace-format (%s)", path, trace_formats());
		return NULL;
	}
	if (ends_with(path, ".csv")) {
		char line[4096];
		first_line(path, line, sizeof line);
		if (!strncmp(line, "TIMESTAMP,ContextTokens,GeneratedTokens", 39))
			return "azure_llm";
		if (!strncmp(line, "name,cpu_milli,memory_mib,num_gpu", 33))
			return "alibaba_gpu";
		return "csv";
	}
	/* Text is not an oracleGeneral trace: a CSV under another name was
	 * read as 24-byte binary records, and with a length a multiple of 24
	 * gave nonsense and exit 0.  A binary record's bytes are all
	 * printable almost never (a small timestamp has zero bytes; "no next
	 * access", -1, is 0xff bytes). */
	if (exists) {
		unsigned char head[24];
		size_t got = 0;
		if ((f = fopen(path, "rb"))) {
			got = fread(head, 1, sizeof head, f);
			fclose(f);
		}
		int text = got > 0, sep = 0;
		for (size_t i = 0; i < got && text; i++) {
			text = (head[i] >= 0x20 && head[i] < 0x7f) || head[i] == '\t' || head[i] == '\r' || head[i] == '\n';
			sep |= head[i] == ',' || head[i] == '\n' || head[i] == ';' || head[i] == '\t';
		}
		if (text && sep) {
			err_set(e, ERR_INPUT,
				"%s: text, not an oracleGeneral binary trace (a name without .csv, .jsonl, .vscsi or "
				".tst is taken for one): name its format with --trace-format (%s)", path, trace_formats());
			return NULL;
		}
	}
	return "oracleGeneral";
}

/* Parses "key=BYTES,key=BYTES" options of a format (name for messages)
 * into the values of keys[]. */
static int parse_byte_opts(const char *fmt, const char *s, const char *const *keys,
			   uint64_t *const *vals, struct err *e)
{
	char buf[512];
	if (strlen(s) >= sizeof buf)
		return err_set(e, ERR_INPUT, "%s options too long", fmt);
	strcpy(buf, s);
	char *save = NULL;
	for (char *opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		if (!eq)
			return err_set(e, ERR_INPUT, "%s option \"%s\": expected KEY=VALUE", fmt, opt);
		*eq = '\0';
		int k = 0;
		while (keys[k] && strcmp(keys[k], opt))
			k++;
		if (!keys[k])
			return err_set(e, ERR_INPUT, "unknown %s option \"%s\"", fmt, opt);
		if (unit_parse_bytes(eq + 1, vals[k], e) < 0)
			return err_prefix(e, "%s option %s: ", fmt, opt);
		if (*vals[k] == 0)
			return err_set(e, ERR_INPUT, "%s option %s: must be positive", fmt, opt);
	}
	return 0;
}

/* Opens path in the named format into *out; with out NULL, only checks the
 * format's name and options (trace_format_check).  0, or -1 (e filled). */
static int open_named(const char *path, const char *format, struct trace_reader **out, struct err *e)
{
	const char *colon = strchr(format, ':');
	size_t n = colon ? (size_t)(colon - format) : strlen(format);
	const char *opts = colon ? colon + 1 : NULL;
#define IS(name) (n == strlen(name) && !strncasecmp(format, name, n))
#define OPEN(call) return !out ? 0 : (*out = (call)) ? 0 : -1
	if (IS("csv")) {
		struct trace_csv_cfg c;
		trace_csv_cfg_default(&c);
		if (opts && trace_csv_parse_opts(opts, &c, e) < 0)
			return -1;
		OPEN(trace_open_csv(path, &c, e));
	}
	if (IS("mooncake")) {
		struct trace_mooncake_cfg c = { TRACE_KV_BYTES_PER_TOKEN, TRACE_MOONCAKE_BLOCK_TOKENS, 0 };
		static const char *const keys[] = { "kv-bytes-per-token", "block-tokens", NULL };
		uint64_t *const vals[] = { &c.kv_bytes_per_token, &c.block_tokens };
		if (opts && parse_byte_opts("mooncake", opts, keys, vals, e) < 0)
			return -1;
		OPEN(trace_open_mooncake(path, &c, e));
	}
	if (IS("azure_llm")) {
		uint64_t bpt = TRACE_KV_BYTES_PER_TOKEN;
		static const char *const keys[] = { "kv-bytes-per-token", NULL };
		uint64_t *const vals[] = { &bpt };
		if (opts && parse_byte_opts("azure_llm", opts, keys, vals, e) < 0)
			return -1;
		OPEN(trace_open_azure_llm(path, bpt, e));
	}
	if (!opts) {
		if (IS("oracleGeneral"))
			OPEN(trace_open_oracle(path, e));
		if (IS("native"))
			OPEN(trace_open_native(path, e));
		if (IS("alibaba_gpu"))
			OPEN(trace_open_alibaba(path, e));
		if (IS("vscsi"))
			OPEN(trace_open_vscsi(path, e));
	}
#undef IS
#undef OPEN
	return err_set(e, ERR_INPUT, "unknown trace format \"%s\" (use %s)", format, trace_formats());
}

int trace_format_check(const char *format, struct err *e)
{
	return open_named(NULL, format, NULL, e);
}

struct trace_reader *trace_open_opts(const char *path, const char *format,
				     const struct trace_opts *o, struct err *e)
{
	if (!format && !(format = trace_sniff(path, e)))
		return NULL;
	struct trace_reader *t = NULL;
	if (open_named(path, format, &t, e) < 0)
		return NULL;
	if (o)
		t->lenient = o->lenient;
	return t;
}

struct trace_reader *trace_open(const char *path, const char *format, struct err *e)
{
	return trace_open_opts(path, format, NULL, e);
}

/* --- statistics --- */

struct obj_ent {
	uint64_t key;
	uint64_t max_len;
};

int trace_stats_init(struct trace_stats *s, int block_refs, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->h.version = TRACE_NATIVE_VERSION;
	s->h.time_first_ns = UINT64_MAX;
	s->block_refs = block_refs;
	s->rstat = gsl_rstat_alloc();
	s->hist = hist_new();
	if (!s->rstat || !s->hist || cidx_init(&s->index, sizeof(struct obj_ent), CIDX_SPARSE) < 0) {
		trace_stats_free(s);
		return err_set(e, ERR_FAIL, "out of memory for trace statistics");
	}
	return 0;
}

void trace_stats_free(struct trace_stats *s)
{
	if (s->rstat)
		gsl_rstat_free(s->rstat);
	hist_free(s->hist);
	if (s->index.map.slots)
		cidx_destroy(&s->index);
	s->rstat = NULL;
	s->hist = NULL;
	memset(&s->index, 0, sizeof s->index);
}

int trace_stats_add(struct trace_stats *s, const struct trace_rec *r, struct err *e)
{
	struct trace_native_hdr *h = &s->h;
	int new_request = !s->block_refs || h->records == 0 || r->client != s->last_client;
	if (new_request) {
		if (s->requests > 0) {
			s->backwards += r->time_ns < s->last_time_ns;
			uint64_t ia = r->time_ns >= s->last_time_ns ? r->time_ns - s->last_time_ns : 0;
			gsl_rstat_add((double)ia, s->rstat);
			hist_record(s->hist, ia);
		}
		s->requests++;
		s->last_time_ns = r->time_ns;
		s->last_client = r->client;
	}
	h->records++;
	if (r->time_ns < h->time_first_ns)
		h->time_first_ns = r->time_ns;
	if (r->time_ns > h->time_last_ns)
		h->time_last_ns = r->time_ns;
	if (__builtin_add_overflow(h->total_bytes, r->size_bytes, &h->total_bytes))
		return err_set(e, ERR_INPUT,
			       "record %llu: the records' bytes pass 2^64 (16 EiB) in all: a size (or bytes per "
			       "token) too large",
			       (unsigned long long)h->records);
	if (r->op == TRACE_OP_READ)
		h->reads++;
	else if (r->op == TRACE_OP_WRITE)
		h->writes++;
	else
		h->others++;
	uint32_t k = cidx_find(&s->index, r->obj_id);
	if (k == CIDX_NONE) {
		if (cidx_count(&s->index) >= UINT32_MAX - 2)
			return err_set(e, ERR_FAIL, "more than 2^32 - 2 distinct objects: too many to count");
		k = cidx_insert(&s->index, r->obj_id);
		if (k == CIDX_NONE)
			return err_set(e, ERR_FAIL, "out of memory counting distinct objects");
		struct obj_ent *o = cidx_at(&s->index, k);
		o->max_len = r->size_bytes;
		h->working_set_bytes += r->size_bytes;
		h->distinct_objects++;
	} else {
		struct obj_ent *o = cidx_at(&s->index, k);
		if (r->size_bytes > o->max_len) {
			h->working_set_bytes += r->size_bytes - o->max_len;
			o->max_len = r->size_bytes;
		}
	}
	return 0;
}

double trace_stats_ia_mean_ns(const struct trace_stats *s)
{
	return gsl_rstat_n(s->rstat) ? gsl_rstat_mean(s->rstat) : 0.0;
}

double trace_stats_ia_cv(const struct trace_stats *s)
{
	double m = trace_stats_ia_mean_ns(s);
	return gsl_rstat_n(s->rstat) > 1 && m > 0 ? gsl_rstat_sd(s->rstat) / m : 0.0;
}

double trace_stats_ia_quantile_ns(const struct trace_stats *s, double q)
{
	return hist_quantile(s->hist, q);
}
