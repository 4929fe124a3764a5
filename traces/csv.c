/*
 * csv — reader of request traces in delimited text, with a column map.
 *
 * The map (struct trace_csv_cfg, trace.h) says which columns hold time,
 * object id, size and op, by 1-based index or by header name, whether the
 * first line is a header, and the delimiter.  For example the CloudPhysics
 * sample (../shared/traces/cloudphysics/cloudPhysicsIO.csv, header
 * version,time,op,size,lbn) reads with the defaults: id = lbn, size =
 * size, time = time (seconds), op = op (SCSI 28 read, 2a write).
 *
 * Fields follow RFC 4180 quoting on one line: a field that starts with a
 * double quote runs to the matching quote, "" inside is one quote.
 * Spaces and tabs around a field are dropped (unless one is the
 * delimiter), as is a trailing CR.  Blank lines are skipped.
 *
 * Values:
 *   id    a decimal uint64 as is; any other text is hashed (64-bit FNV-1a,
 *         Fowler/Noll/Vo; distinct strings collide with probability about
 *         n^2 / 2^65 for n distinct ids).
 *   size  a decimal integer of bytes.
 *   time  a non-negative decimal number (fractions allowed) times the
 *         time unit, to the nearest ns (halves up): exactly for DIGITS.DIGITS
 *         (decimal_ns), through a double with an exponent.
 *   op    r, read, get, 28 (SCSI READ(10)), 0x28 -> read; w, write, put,
 *         set, 2a, 0x2a -> write (any case); anything else -> other.
 *
 * Every line must have as many fields as the header (or, without one, as
 * the first line).  Errors name the file, the line and the field:
 *   "t.csv:7: field 5 (lbn) is missing: expected 5 fields, found 4"
 *   "t.csv:9: field 4 (size): bad size \"12k\" (a whole number of bytes)"
 *
 * A line with the wrong number of fields, bad quoting or a bad value is a
 * bad record (TRACE_BAD_RECORD, trace.h): a lenient reader skips and
 * counts it.  A bad header line is an error.
 *
 * A line with a NUL byte is a bad record too (a text trace has none;
 * every field would otherwise end at it unseen).
 *
 * Memory: a read buffer of CSV_BUF bytes and one line buffer of
 * CSV_MAX_LINE bytes; a longer line is an error.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace.h"

#define CSV_MAX_LINE 65536
#define CSV_BUF 65536
#define CSV_MAX_FIELDS 1024

enum { C_TIME, C_ID, C_SIZE, C_OP, C_N };
static const char *const col_key[C_N] = { "time", "id", "size", "op" };

struct csv {
	FILE *f;
	char *path;
	struct trace_csv_cfg cfg;
	uint64_t line_no;
	size_t len, pos;         /* buf[pos..len) is read but not yet a line */
	int eof;
	int ncols;               /* fields per line; 0 until the first line */
	int col[C_N];            /* 0-based column, -1 absent */
	char names[C_N][64];     /* header names of the mapped columns, for messages */
	char *fields[CSV_MAX_FIELDS];
	char line[CSV_MAX_LINE];
	char buf[CSV_BUF];
};

void trace_csv_cfg_default(struct trace_csv_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->delim = ',';
	c->header = 1;
	c->time_unit_ns = 1000000000ULL;
}

static struct trace_csv_col *cfg_col(struct trace_csv_cfg *c, int k)
{
	switch (k) {
	case C_TIME: return &c->time;
	case C_ID: return &c->id;
	case C_SIZE: return &c->size;
	default: return &c->op;
	}
}

int trace_csv_parse_opts(const char *s, struct trace_csv_cfg *c, struct err *e)
{
	char buf[512];
	if (strlen(s) >= sizeof buf)
		return err_set(e, ERR_INPUT, "csv options too long");
	strcpy(buf, s);
	char *save = NULL;
	for (char *opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		if (!eq)
			return err_set(e, ERR_INPUT, "csv option \"%s\": expected KEY=VALUE", opt);
		*eq = '\0';
		const char *k = opt, *v = eq + 1;
		int ci = -1;
		for (int i = 0; i < C_N; i++)
			if (!strcmp(k, col_key[i]))
				ci = i;
		if (ci == C_ID && !strcmp(v, "none"))
			return err_set(e, ERR_INPUT, "csv option id=none: the id column is required");
		if (ci >= 0) {
			struct trace_csv_col *col = cfg_col(c, ci);
			memset(col, 0, sizeof *col);
			if (!strcmp(v, "none")) {
				col->index = -1;
			} else if (v[0] >= '0' && v[0] <= '9') {
				char *end;
				errno = 0;
				long n = strtol(v, &end, 10);
				if (*end || errno || n < 1 || n > CSV_MAX_FIELDS)
					return err_set(e, ERR_INPUT,
						       "csv option %s=%s: a column is 1..%d or a header name",
						       k, v, CSV_MAX_FIELDS);
				col->index = (int)n;
			} else {
				if (!*v || strlen(v) >= sizeof col->name)
					return err_set(e, ERR_INPUT, "csv option %s: bad column name \"%s\"", k, v);
				strcpy(col->name, v);
			}
		} else if (!strcmp(k, "header")) {
			if (!strcmp(v, "yes"))
				c->header = 1;
			else if (!strcmp(v, "no"))
				c->header = 0;
			else
				return err_set(e, ERR_INPUT, "csv option header=%s: use yes or no", v);
		} else if (!strcmp(k, "delim")) {
			static const struct { const char *n; char c; } d[] = {
				{ "comma", ',' }, { "tab", '\t' }, { "space", ' ' },
				{ "semicolon", ';' }, { "pipe", '|' },
			};
			int found = 0;
			for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
				if (!strcmp(v, d[i].n)) {
					c->delim = d[i].c;
					found = 1;
				}
			if (!found) {
				if (strlen(v) != 1 || v[0] == '"' || v[0] == '\r' || v[0] == '\n')
					return err_set(e, ERR_INPUT,
						       "csv option delim=%s: use comma, tab, space, semicolon, pipe or one character",
						       v);
				c->delim = v[0];
			}
		} else if (!strcmp(k, "time-unit")) {
			static const struct { const char *n; uint64_t ns; } u[] = {
				{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
			};
			int found = 0;
			for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
				if (!strcmp(v, u[i].n)) {
					c->time_unit_ns = u[i].ns;
					found = 1;
				}
			if (!found)
				return err_set(e, ERR_INPUT, "csv option time-unit=%s: use ns, us, ms or s", v);
		} else {
			return err_set(e, ERR_INPUT,
				       "unknown csv option \"%s\" (use time, id, size, op, header, delim, time-unit)",
				       k);
		}
	}
	return 0;
}

static int is_blank(char ch, char delim)
{
	return (ch == ' ' || ch == '\t') && ch != delim;
}

/* Reads the next non-blank line into x->line (without its line end).
 * 1 line, 0 end, -1 error, TRACE_BAD_RECORD a line with a NUL byte (read
 * past).  Lines are cut from x->buf with memchr, so their lengths are
 * exact: a NUL byte, which would end the line early for every string
 * function after, is found and refused rather than silently dropping
 * the rest of its line. */
static int read_line(struct csv *x, struct err *e)
{
	for (;;) {
		size_t n = 0;
		int any = 0;
		for (;;) {
			if (x->pos == x->len) {
				size_t got = x->eof ? 0 : fread(x->buf, 1, sizeof x->buf, x->f);
				if (got == 0) {
					if (ferror(x->f)) {
						int en = errno;
						return err_set(e, en == EISDIR ? ERR_INPUT : ERR_FAIL,
							       "%s:%llu: read error: %s", x->path,
							       (unsigned long long)x->line_no + 1, strerror(en));
					}
					x->eof = 1;
					break;
				}
				x->pos = 0;
				x->len = got;
			}
			any = 1;
			const char *s = x->buf + x->pos, *nl = memchr(s, '\n', x->len - x->pos);
			size_t k = nl ? (size_t)(nl - s) : x->len - x->pos;
			if (k > sizeof x->line - 1 - n)
				return err_set(e, ERR_INPUT, "%s:%llu: line longer than %d bytes", x->path,
					       (unsigned long long)x->line_no + 1, CSV_MAX_LINE - 1);
			memcpy(x->line + n, s, k);
			n += k;
			x->pos += k + (nl != NULL);
			if (nl)
				break;
		}
		if (!any)
			return 0;
		x->line_no++;
		x->line[n] = '\0';
		if (trace_line_nul(x->line, n, x->path, x->line_no, e) < 0)
			return TRACE_BAD_RECORD;
		if (n && x->line[n - 1] == '\r')
			x->line[--n] = '\0';
		if (x->line_no == 1) {
			/* A UTF-8 byte-order mark (spreadsheets write one) is
			 * not part of the first field: it made the header's
			 * first name unknown, or object 1 an object "\xEF\xBB\xBF1". */
			if (n >= 3 && !memcmp(x->line, "\xEF\xBB\xBF", 3)) {
				memmove(x->line, x->line + 3, n - 2);
				n -= 3;
			}
			/* Lines ended by CR alone (classic Mac OS) made one
			 * line of the whole file: a header and no record. */
			if (memchr(x->line, '\r', n))
				return err_set(e, ERR_INPUT, "%s:1: a carriage return inside the line: lines must end "
							     "with LF or CR LF, not CR alone", x->path);
		}
		size_t i = 0;
		while (i < n && is_blank(x->line[i], x->cfg.delim))
			i++;
		if (i < n)
			return 1;
	}
}

/* Splits x->line in place into x->fields; returns the count or -1. */
static int split(struct csv *x, struct err *e)
{
	char d = x->cfg.delim, *p = x->line;
	int nf = 0;
	for (;;) {
		if (nf == CSV_MAX_FIELDS)
			return err_set(e, ERR_INPUT, "%s:%llu: more than %d fields", x->path,
				       (unsigned long long)x->line_no, CSV_MAX_FIELDS);
		while (is_blank(*p, d))
			p++;
		char *start = p, *out = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return err_set(e, ERR_INPUT, "%s:%llu: field %d: unterminated quote",
						       x->path, (unsigned long long)x->line_no, nf + 1);
				if (*p == '"') {
					if (p[1] == '"') {
						*out++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*out++ = *p++;
			}
			while (is_blank(*p, d))
				p++;
			if (*p && *p != d)
				return err_set(e, ERR_INPUT,
					       "%s:%llu: field %d: text after the closing quote",
					       x->path, (unsigned long long)x->line_no, nf + 1);
		} else {
			while (*p && *p != d)
				p++;
			out = p;
			while (out > start && is_blank(out[-1], d))
				out--;
		}
		char *next = *p ? p + 1 : NULL;
		*out = '\0';
		x->fields[nf++] = start;
		if (!next)
			break;
		p = next;
	}
	return nf;
}

static const char *const synonyms[C_N][8] = {
	{ "time", "timestamp", "ts", NULL },
	{ "obj_id", "id", "key", "lbn", "lba", "object", "obj", NULL },
	{ "obj_size", "size", "bytes", "len", "length", NULL },
	{ "op", "operation", "cmd", "type", NULL },
};

/* Whether a field reads as a number (digits, at most one '.', an
 * optional leading sign): a header's names are not numbers. */
static int looks_numeric(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	int digits = 0, dots = 0;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.' && !dots++)
			continue;
		else
			return 0;
	}
	return digits > 0;
}

/* Resolves the column map against the first line (a header or not). */
static int resolve(struct csv *x, int nf, struct err *e)
{
	x->ncols = nf;
	for (int k = 0; k < C_N; k++) {
		const struct trace_csv_col *c = cfg_col(&x->cfg, k);
		x->col[k] = -1;
		x->names[k][0] = '\0';
		if (c->index > 0) {
			if (c->index > nf)
				return err_set(e, ERR_INPUT,
					       "%s:%llu: %s column %d does not exist (the %s has %d fields)",
					       x->path, (unsigned long long)x->line_no, col_key[k],
					       c->index, x->cfg.header ? "header" : "first line", nf);
			x->col[k] = c->index - 1;
		} else if (c->name[0]) {
			if (!x->cfg.header)
				return err_set(e, ERR_INPUT,
					       "%s: %s column \"%s\" is named, but the csv has no header (header=no)",
					       x->path, col_key[k], c->name);
			for (int i = 0; i < nf && x->col[k] < 0; i++)
				if (!strcasecmp(x->fields[i], c->name))
					x->col[k] = i;
			if (x->col[k] < 0)
				return err_set(e, ERR_INPUT, "%s:%llu: no column named \"%s\" in the header",
					       x->path, (unsigned long long)x->line_no, c->name);
		} else if (c->index == 0 && x->cfg.header) {
			for (int s = 0; synonyms[k][s] && x->col[k] < 0; s++)
				for (int i = 0; i < nf && x->col[k] < 0; i++)
					if (!strcasecmp(x->fields[i], synonyms[k][s]))
						x->col[k] = i;
		}
		if (x->col[k] >= 0) {
			if (x->cfg.header)
				snprintf(x->names[k], sizeof x->names[k], "%s", x->fields[x->col[k]]);
			else
				snprintf(x->names[k], sizeof x->names[k], "%s", col_key[k]);
		}
	}
	if (x->cfg.header) {
		/* A file without a header, read as one, lost its first record
		 * and said nothing when the columns were given by number. */
		int numbers = nf > 0;
		for (int i = 0; i < nf && numbers; i++)
			numbers = looks_numeric(x->fields[i]);
		if (numbers)
			return err_set(e, ERR_INPUT,
				       "%s:%llu: the header line is all numbers, so it is a record: if the file has no "
				       "header, say header=no",
				       x->path, (unsigned long long)x->line_no);
	}
	if (x->col[C_ID] < 0)
		return err_set(e, ERR_INPUT,
			       "%s: no object id column (name one with id=COLUMN; %s)", x->path,
			       x->cfg.header ? "the header has none of obj_id, id, key, lbn, lba, object, obj"
					     : "without a header, columns are named by number");
	/* Every object 1 byte is a choice to say, not a default to fall into
	 * (a size column under another name gave byte ratios of nothing). */
	if (x->col[C_SIZE] < 0 && x->cfg.size.index != -1)
		return err_set(e, ERR_INPUT,
			       "%s: no size column (name one with size=COLUMN%s; or say size=none to count every "
			       "request as 1 byte)",
			       x->path, x->cfg.header ? "; the header has none of obj_size, size, bytes, len, length" : "");
	return 0;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int parse_u64(const char *s, uint64_t *out)
{
	if (!all_digits(s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

/* "DIGITS.DIGITS" times unit (a power of ten, 1 to 10^9 ns), exactly, to
 * the nearest ns (halves up): 0 and *out, 1 if past 2^64 - 1, -1 if v is
 * not of that form (an exponent goes through strtod).  Through a double,
 * 1700000000.123456789 s lost its last digits: a gap of 212 ns read as
 * 256. */
static int decimal_ns(const char *v, uint64_t unit, uint64_t *out)
{
	const char *dot = strchr(v, '.');
	if (!dot || dot == v || !dot[1])
		return -1;
	uint64_t whole = 0, frac = 0, scale = unit;
	for (const char *c = v; c < dot; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, (uint64_t)(*c - '0'), &whole))
			return 1;
	}
	int below = 0; /* the first digit below a ns, which rounds */
	for (const char *c = dot + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		if (scale >= 10) { /* a digit worth scale / 10 ns */
			scale /= 10;
			frac += (uint64_t)(*c - '0') * scale;
		} else if (!below) {
			below = 1;
			frac += *c >= '5';
		}
	}
	uint64_t ns;
	if (__builtin_mul_overflow(whole, unit, &ns) || __builtin_add_overflow(ns, frac, &ns))
		return 1;
	*out = ns;
	return 0;
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int parse_op(const char *s)
{
	static const char *const rd[] = { "r", "read", "get", "28", "0x28", NULL };
	static const char *const wr[] = { "w", "write", "put", "set", "2a", "0x2a", NULL };
	if (!*s)
		return TRACE_OP_NONE;
	for (int i = 0; rd[i]; i++)
		if (!strcasecmp(s, rd[i]))
			return TRACE_OP_READ;
	for (int i = 0; wr[i]; i++)
		if (!strcasecmp(s, wr[i]))
			return TRACE_OP_WRITE;
	return TRACE_OP_OTHER;
}

/* A bad value: the line has been read, so a lenient reader can go on. */
static int field_err(struct csv *x, struct err *e, int k, const char *what,
		     const char *val, const char *hint)
{
	err_set(e, ERR_INPUT, "%s:%llu: field %d (%s): bad %s \"%.40s\"%s%s%s", x->path,
		       (unsigned long long)x->line_no, x->col[k] + 1, x->names[k], what, val,
		       hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	return TRACE_BAD_RECORD;
}

static int csv_next(void *st, struct trace_rec *r, struct err *e)
{
	struct csv *x = st;
	int got;
	if (x->ncols == 0 && x->cfg.header) {
		got = read_line(x, e);
		if (got < 0) /* a bad header is no header: not a line to skip */
			return -1;
		if (got == 0)
			return err_set(e, ERR_INPUT, "%s: empty (expected a header line)", x->path);
		int nh = split(x, e);
		if (nh < 0 || resolve(x, nh, e) < 0)
			return -1;
	}
	got = read_line(x, e);
	if (got <= 0)
		return got;
	int nf = split(x, e);
	if (nf < 0) /* bad quoting or too many fields: the line is read past */
		return TRACE_BAD_RECORD;
	if (x->ncols == 0 && resolve(x, nf, e) < 0)
		return -1;
	if (nf != x->ncols) {
		if (nf < x->ncols) {
			const char *nm = "";
			for (int k = 0; k < C_N; k++)
				if (x->col[k] == nf)
					nm = x->names[k];
			err_set(e, ERR_INPUT,
				"%s:%llu: field %d%s%s%s is missing: expected %d fields, found %d",
				x->path, (unsigned long long)x->line_no, nf + 1,
				*nm ? " (" : "", nm, *nm ? ")" : "", x->ncols, nf);
			return TRACE_BAD_RECORD;
		}
		err_set(e, ERR_INPUT,
			"%s:%llu: field %d is one too many: expected %d fields, found %d",
			x->path, (unsigned long long)x->line_no, x->ncols + 1, x->ncols, nf);
		return TRACE_BAD_RECORD;
	}

	const char *v = x->fields[x->col[C_ID]];
	if (!*v)
		return field_err(x, e, C_ID, "object id", v, "empty");
	if (all_digits(v)) {
		if (parse_u64(v, &r->obj_id) < 0)
			return field_err(x, e, C_ID, "object id", v, "more than 2^64 - 1");
	} else {
		r->obj_id = fnv1a64(v);
	}

	r->size_bytes = 1;
	if (x->col[C_SIZE] >= 0) {
		v = x->fields[x->col[C_SIZE]];
		if (parse_u64(v, &r->size_bytes) < 0)
			return field_err(x, e, C_SIZE, "size", v, "a whole number of bytes");
	}

	r->time_ns = 0;
	if (x->col[C_TIME] >= 0) {
		v = x->fields[x->col[C_TIME]];
		uint64_t u;
		int dec;
		if (all_digits(v)) {
			if (parse_u64(v, &u) < 0 || u > UINT64_MAX / x->cfg.time_unit_ns)
				return field_err(x, e, C_TIME, "time", v, "too large");
			r->time_ns = u * x->cfg.time_unit_ns;
		} else if ((dec = decimal_ns(v, x->cfg.time_unit_ns, &u)) >= 0) {
			if (dec > 0)
				return field_err(x, e, C_TIME, "time", v, "too large");
			r->time_ns = u;
		} else {
			char *end = NULL;
			int numeric = *v >= '0' && *v <= '9' && !v[strspn(v, "0123456789.eE+-")];
			double d = numeric ? strtod(v, &end) : -1.0;
			if (d < 0 || (numeric && *end) || !isfinite(d))
				return field_err(x, e, C_TIME, "time", v, "a non-negative number");
			/* round, not llround: from 2^63 ns (292 years) up the
			 * nearest long long is out of range. */
			double ns = round(d * (double)x->cfg.time_unit_ns);
			if (ns >= 18446744073709551616.0)
				return field_err(x, e, C_TIME, "time", v, "too large");
			r->time_ns = (uint64_t)ns;
		}
	}

	r->op = x->col[C_OP] >= 0 ? parse_op(x->fields[x->col[C_OP]]) : TRACE_OP_NONE;
	r->next_access_vtime = TRACE_NEXT_UNKNOWN;
	r->offset_bytes = 0;
	r->client = 0;
	return 1;
}

static void csv_close(void *st)
{
	struct csv *x = st;
	if (!x)
		return;
	if (x->f)
		fclose(x->f);
	free(x->path);
	free(x);
}

static const struct trace_ops csv_ops = {
	.name = "csv",
	.next = csv_next,
	.close = csv_close,
};

struct trace_reader *trace_open_csv(const char *path, const struct trace_csv_cfg *cfg,
				    struct err *e)
{
	struct trace_reader *t = trace_reader_new(path);
	struct csv *x = calloc(1, sizeof *x);
	if (!t || !x || !(x->path = strdup(path))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		goto fail;
	}
	x->cfg = *cfg;
	if (!x->cfg.time_unit_ns)
		x->cfg.time_unit_ns = 1000000000ULL;
	if (x->cfg.delim == '"' || x->cfg.delim == '\n' || x->cfg.delim == '\0') {
		err_set(e, ERR_INPUT, "csv: bad delimiter");
		goto fail;
	}
	x->f = fopen(path, "r");
	if (!x->f) {
		err_open(e, path, errno);
		goto fail;
	}
	t->ops = &csv_ops;
	t->st = x;
	t->has_next_access = 0;
	return t;
fail:
	csv_close(x);
	trace_reader_discard(t);
	return NULL;
}
