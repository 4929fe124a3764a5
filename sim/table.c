/*
 * table — tables that commands print, as aligned text, csv or json; see
 * table.h.
 *
 * A cell is kept as the text it prints as, plus its kind: a string, a number
 * (already formatted, so every format prints the same digits) or empty.
 *
 *   text  the title on its own line, then a header row ("label (unit)"), a
 *         row of dashes, and the rows.  Columns are two spaces apart and as
 *         wide as their widest cell, counted in UTF-8 characters.  Numbers
 *         are right-aligned, strings left-aligned; a column whose cells are
 *         all numbers right-aligns its header too.  Lines carry no trailing
 *         spaces.
 *   csv   a header row of keys, then the rows; a field is quoted when it
 *         holds a comma, a double quote, CR or LF, with quotes doubled
 *         (RFC 4180).  Records end in LF, not RFC 4180's CRLF, as Unix tools
 *         and gnuplot expect.
 *   json  an array of objects, one per row, keys in column order, one row
 *         per line.  Strings are escaped per RFC 8259 (invalid UTF-8 becomes
 *         U+FFFD, so the output is always valid JSON); numbers are bare;
 *         empty cells and non-finite numbers are null.
 *
 * Malformed use — a cell before any row, a column index out of range, a
 * column added after the first row, a repeated key, a number format that is
 * not exactly one floating-point conversion — makes that call return -1 and
 * marks the table, so that tbl_print fails too even if the caller did not
 * check.
 */
#include "table.h"

#include <inttypes.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum tbl_kind { TBL_EMPTY = 0, TBL_STRING, TBL_NUMBER };

struct tbl_cell {
	enum tbl_kind kind;
	char *text;   /* NULL when empty */
	double value; /* numbers: the value, for json when text is not JSON */
};

struct tbl_column {
	char *key;
	char *label;
	char *unit;
};

struct tbl {
	char *title;
	struct tbl_column *col;
	size_t ncol, capcol;
	struct tbl_cell **row; /* each row has ncol cells */
	size_t nrow, caprow;
	int bad;
};

static char *tbl_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static int tbl_fail(struct tbl *t)
{
	t->bad = 1;
	return -1;
}

struct tbl *tbl_new(const char *title)
{
	struct tbl *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	if (title && !(t->title = tbl_strdup(title))) {
		free(t);
		return NULL;
	}
	return t;
}

void tbl_free(struct tbl *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++)
			free(t->row[r][c].text);
		free(t->row[r]);
	}
	for (size_t c = 0; c < t->ncol; c++) {
		free(t->col[c].key);
		free(t->col[c].label);
		free(t->col[c].unit);
	}
	free(t->row);
	free(t->col);
	free(t->title);
	free(t);
}

int tbl_col(struct tbl *t, const char *key, const char *label, const char *unit)
{
	if (!key || t->nrow > 0)
		return tbl_fail(t);
	for (size_t c = 0; c < t->ncol; c++)
		if (strcmp(t->col[c].key, key) == 0)
			return tbl_fail(t);
	if (t->ncol == t->capcol) {
		size_t ncap = t->capcol ? 2 * t->capcol : 8;
		struct tbl_column *nc = realloc(t->col, ncap * sizeof *nc);
		if (!nc)
			return tbl_fail(t);
		t->col = nc;
		t->capcol = ncap;
	}
	struct tbl_column col = {
		.key = tbl_strdup(key),
		.label = tbl_strdup(label ? label : key),
		.unit = tbl_strdup(unit ? unit : ""),
	};
	if (!col.key || !col.label || !col.unit) {
		free(col.key);
		free(col.label);
		free(col.unit);
		return tbl_fail(t);
	}
	t->col[t->ncol] = col;
	return (int)t->ncol++;
}

int tbl_row(struct tbl *t)
{
	if (t->nrow == t->caprow) {
		size_t ncap = t->caprow ? 2 * t->caprow : 16;
		struct tbl_cell **nr = realloc(t->row, ncap * sizeof *nr);
		if (!nr)
			return tbl_fail(t);
		t->row = nr;
		t->caprow = ncap;
	}
	struct tbl_cell *cells = calloc(t->ncol ? t->ncol : 1, sizeof *cells);
	if (!cells)
		return tbl_fail(t);
	t->row[t->nrow++] = cells;
	return 0;
}

/* Sets the cell (col) of the last row, taking ownership of text. */
static int tbl_put(struct tbl *t, int col, enum tbl_kind kind, char *text, double value)
{
	if (!text && kind != TBL_EMPTY)
		return tbl_fail(t);
	if (t->nrow == 0 || col < 0 || (size_t)col >= t->ncol) {
		free(text);
		return tbl_fail(t);
	}
	struct tbl_cell *cell = &t->row[t->nrow - 1][col];
	free(cell->text);
	cell->kind = kind;
	cell->text = text;
	cell->value = value;
	return 0;
}

int tbl_str(struct tbl *t, int col, const char *s)
{
	if (!s)
		return tbl_put(t, col, TBL_EMPTY, NULL, 0);
	return tbl_put(t, col, TBL_STRING, tbl_strdup(s), 0);
}

/* 1 if fmt holds exactly one conversion, of a double, with no '*' and no
 * length modifier (so snprintf(fmt, double) is well defined). */
static int tbl_fmt_ok(const char *fmt)
{
	int conversions = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		p++;
		p += strspn(p, "-+ #0");
		p += strspn(p, "0123456789");
		if (*p == '.') {
			p++;
			p += strspn(p, "0123456789");
		}
		if (!*p || !strchr("fFeEgGaA", *p))
			return 0;
		conversions++;
	}
	return conversions == 1;
}

int tbl_num(struct tbl *t, int col, const char *fmt, double v)
{
	if (!fmt || !tbl_fmt_ok(fmt))
		return tbl_fail(t);
	if (isnan(v)) /* unknown: blank in text and csv, null in json (never "nan") */
		return tbl_put(t, col, TBL_EMPTY, NULL, 0);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	int n = snprintf(NULL, 0, fmt, v);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s)
		snprintf(s, (size_t)n + 1, fmt, v);
#pragma GCC diagnostic pop
	return tbl_put(t, col, TBL_NUMBER, s, v);
}

int tbl_int(struct tbl *t, int col, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRIu64, v);
	return tbl_put(t, col, TBL_NUMBER, tbl_strdup(buf), (double)v);
}

int tbl_parse_format(const char *s, enum tbl_format *f)
{
	static const struct {
		const char *name;
		enum tbl_format f;
	} names[] = {{"text", TBL_TEXT}, {"csv", TBL_CSV}, {"json", TBL_JSON}};
	for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(s, names[i].name) == 0) {
			*f = names[i].f;
			return 0;
		}
	}
	return -1;
}

/* ---- text ---- */

/* Characters on screen, counting each UTF-8 sequence as one. */
static size_t tbl_width(const char *s)
{
	size_t w = 0;
	for (; s && *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* Writes a line's cells, holding back padding until more text follows, so
 * that no line ends in spaces. */
struct tbl_line {
	FILE *out;
	size_t pending;
};

static void tbl_line_text(struct tbl_line *l, const char *s)
{
	if (!s || !*s)
		return;
	for (; l->pending; l->pending--)
		fputc(' ', l->out);
	fputs(s, l->out);
}

static void tbl_line_cell(struct tbl_line *l, size_t c, const char *s, int right, size_t width)
{
	if (c > 0)
		l->pending += 2;
	size_t pad = width - tbl_width(s);
	if (right)
		l->pending += pad;
	tbl_line_text(l, s);
	if (!right)
		l->pending += pad;
}

static int tbl_print_text(const struct tbl *t, FILE *out)
{
	size_t *width = calloc(t->ncol ? t->ncol : 1, sizeof *width);
	char **head = calloc(t->ncol ? t->ncol : 1, sizeof *head);
	int *numeric = calloc(t->ncol ? t->ncol : 1, sizeof *numeric);
	int rc = -1;
	if (!width || !head || !numeric)
		goto out;
	for (size_t c = 0; c < t->ncol; c++) {
		const struct tbl_column *col = &t->col[c];
		size_t n = strlen(col->label) + strlen(col->unit) + 4;
		if (!(head[c] = malloc(n)))
			goto out;
		if (col->unit[0])
			snprintf(head[c], n, "%s (%s)", col->label, col->unit);
		else
			snprintf(head[c], n, "%s", col->label);
		width[c] = tbl_width(head[c]);
		int any_num = 0, any_str = 0;
		for (size_t r = 0; r < t->nrow; r++) {
			const struct tbl_cell *cell = &t->row[r][c];
			size_t w = tbl_width(cell->text);
			if (w > width[c])
				width[c] = w;
			any_num |= cell->kind == TBL_NUMBER;
			any_str |= cell->kind == TBL_STRING;
		}
		numeric[c] = any_num && !any_str;
	}

	if (t->title)
		fprintf(out, "%s\n", t->title);
	struct tbl_line l = {out, 0};
	for (size_t c = 0; c < t->ncol; c++)
		tbl_line_cell(&l, c, head[c], numeric[c], width[c]);
	fputc('\n', out);
	l.pending = 0;
	for (size_t c = 0; c < t->ncol; c++) {
		if (c > 0)
			l.pending += 2;
		for (size_t i = 0; i < width[c]; i++)
			tbl_line_text(&l, "-");
	}
	fputc('\n', out);
	for (size_t r = 0; r < t->nrow; r++) {
		l.pending = 0;
		for (size_t c = 0; c < t->ncol; c++) {
			const struct tbl_cell *cell = &t->row[r][c];
			tbl_line_cell(&l, c, cell->text, cell->kind == TBL_NUMBER, width[c]);
		}
		fputc('\n', out);
	}
	rc = 0;
out:
	for (size_t c = 0; head && c < t->ncol; c++)
		free(head[c]);
	free(head);
	free(width);
	free(numeric);
	return rc;
}

/* ---- csv ---- */

static void tbl_csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int tbl_print_csv(const struct tbl *t, FILE *out)
{
	for (size_t c = 0; c < t->ncol; c++) {
		if (c > 0)
			fputc(',', out);
		tbl_csv_field(out, t->col[c].key);
	}
	fputc('\n', out);
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			if (c > 0)
				fputc(',', out);
			tbl_csv_field(out, t->row[r][c].text);
		}
		fputc('\n', out);
	}
	return 0;
}

/* ---- json ---- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
static size_t tbl_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

static void tbl_json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', out);
	while (*s) {
		unsigned char c = *s;
		const char *esc = NULL;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default: break;
		}
		if (esc) {
			fputs(esc, out);
			s++;
		} else if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
			s++;
		} else {
			size_t n = tbl_utf8_len(s);
			if (n == 0) {
				fputs("\\ufffd", out);
				s++;
			} else {
				fwrite(s, 1, n, out);
				s += n;
			}
		}
	}
	fputc('"', out);
}

/* 1 if s is a number by RFC 8259's grammar:
 * -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int tbl_json_number_ok(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += strspn(s, "0123456789");
	else
		return 0;
	if (*s == '.') {
		s++;
		size_t n = strspn(s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		size_t n = strspn(s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

static void tbl_json_value(FILE *out, const struct tbl_cell *cell)
{
	switch (cell->kind) {
	case TBL_EMPTY:
		fputs("null", out);
		break;
	case TBL_STRING:
		tbl_json_string(out, cell->text);
		break;
	case TBL_NUMBER:
		/* The formatted digits when they are JSON ("1.250", and "+0.46"
		 * without its sign), else the value in full (a format gave
		 * "  1"); NaN, inf: null. */
		if (tbl_json_number_ok(cell->text))
			fputs(cell->text, out);
		else if (cell->text[0] == '+' && tbl_json_number_ok(cell->text + 1))
			fputs(cell->text + 1, out); /* "+0.46" as 0.46, the digits the text shows */
		else if (isfinite(cell->value))
			fprintf(out, "%.17g", cell->value);
		else
			fputs("null", out);
		break;
	}
}

static int tbl_print_json(const struct tbl *t, FILE *out)
{
	if (t->nrow == 0) {
		fputs("[]\n", out);
		return 0;
	}
	fputs("[\n", out);
	for (size_t r = 0; r < t->nrow; r++) {
		fputs("  {", out);
		for (size_t c = 0; c < t->ncol; c++) {
			if (c > 0)
				fputs(", ", out);
			tbl_json_string(out, t->col[c].key);
			fputs(": ", out);
			tbl_json_value(out, &t->row[r][c]);
		}
		fputs(r + 1 < t->nrow ? "},\n" : "}\n", out);
	}
	fputs("]\n", out);
	return 0;
}

int tbl_print(const struct tbl *t, enum tbl_format f, FILE *out)
{
	if (t->bad)
		return -1;
	int rc;
	switch (f) {
	case TBL_TEXT: rc = tbl_print_text(t, out); break;
	case TBL_CSV: rc = tbl_print_csv(t, out); break;
	case TBL_JSON: rc = tbl_print_json(t, out); break;
	default: return -1;
	}
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return rc;
}
