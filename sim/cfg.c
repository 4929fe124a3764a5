/*
 * cfg — INI documents parsed by inih, with the line of every section and key.
 *
 * inih (Debian's libinih, r55) parses name = value lines and strips
 * comments and whitespace, but its handler is not told the line number,
 * it never reports a section header that has no keys, it cuts section
 * names at 49 bytes, and with its fixed 200-byte line buffer a longer line
 * is silently split into two "lines".  So inih reads the text through our
 * own reader (ini_parse_stream), which hands it one whole line at a time
 * and first checks that line itself:
 *
 *   - counts lines, so the handler, which inih calls while processing the
 *     line just read, knows its line number;
 *   - rejects a line longer than inih's buffer (num - 2 bytes: the line,
 *     '\n', '\0'; 198 bytes with the default INI_MAX_LINE of 200);
 *   - parses "[TYPE]" and "[TYPE NAME]" headers itself, so that sections
 *     without keys exist and names are never cut;
 *   - rejects what inih would accept silently: an indented line after a
 *     key, which inih appends to that key's value as a second handler call
 *     (a multi-line value, INI_ALLOW_MULTILINE), a key before any section,
 *     and keys or section words with characters other than letters,
 *     digits and _-.:/@+ (':' not in keys: inih splits at '=' or ':');
 *   - finds the '=' or ':' the way inih does (stopping at an inline ';'
 *     comment that follows whitespace), so a line without one gets our
 *     message, not just inih's line number.
 * A line the reader rejects is never handed to inih: the reader returns
 * NULL, which ends inih's loop.  Duplicate sections and keys are found
 * after parsing by sorting (O(n log n), as fuzzed input may hold millions
 * of keys) and reported with both lines.
 *
 * Files are read whole (the text is kept for the results database) and
 * must be at most CFG_MAX_BYTES and free of NUL bytes.  A UTF-8 byte order
 * mark at the start is skipped.
 */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "units.h"

/* Scenario and preset files are written by hand; 8 MiB is thousands of
 * times larger than any, and bounds the memory a bad file can take. */
#define CFG_MAX_BYTES (8u << 20)

/* Characters of section types, section names and keys besides letters and
 * digits. */
#define WORD_PUNCT "_-.:/@+"
#define KEY_PUNCT "_-./@+"

struct parse {
	struct cfg_doc *doc;
	const char *p, *end; /* unread text */
	int line;            /* number of the line last handed to inih */
	int prev_key;        /* a key was read since the last section header */
	int failed;          /* e is filled; the reader returns NULL */
	struct err *e;
};

static int is_word_char(unsigned char c, const char *punct)
{
	return isalnum(c) || (c && strchr(punct, c));
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Grows an array of n elements of size sz to hold n + 1: capacities are
 * powers of two, so the capacity need not be stored. */
static int grow(void **arr, size_t n, size_t sz)
{
	if (n & (n - 1))
		return 0; /* n is not a power of two: room remains */
	size_t cap = n ? 2 * n : 1;
	if (cap > SIZE_MAX / sz)
		return -1;
	void *a = realloc(*arr, cap * sz);
	if (!a)
		return -1;
	*arr = a;
	return 0;
}

static int fail(struct parse *ps, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct parse *ps, int code, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ps->failed = 1;
	return err_set(ps->e, code, "%s:%d: %s", ps->doc->path, ps->line, msg);
}

/* Quotes [s, s+n) for a message. */
static const char *quote_n(char *dst, size_t dn, const char *s, size_t n)
{
	char tmp[80]; /* more than unit_quote shows, so a cut still ends in "..." */
	size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
	memcpy(tmp, s, k);
	tmp[k] = '\0';
	unit_quote(dst, dn, tmp);
	return dst;
}

/* Reports the first character of [s, s+n) outside letters, digits and
 * punct; 0 if all are fine. */
static int check_word(struct parse *ps, const char *s, size_t n, const char *punct, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_word_char(c, punct)) {
			char q[256];
			if (isgraph(c))
				return fail(ps, ERR_INPUT, "%s \"%s\" has the character '%c'; use letters, digits and %s",
					    what, quote_n(q, sizeof q, s, n), c, punct);
			if (c == ' ' || c == '\t')
				return fail(ps, ERR_INPUT, "%s \"%s\" has a space; use letters, digits and %s", what,
					    quote_n(q, sizeof q, s, n), punct);
			return fail(ps, ERR_INPUT, "%s \"%s\" has the byte 0x%02x; use letters, digits and %s", what,
				    quote_n(q, sizeof q, s, n), c, punct);
		}
	}
	return 0;
}

static int add_section(struct parse *ps, const char *type, size_t tn, const char *name, size_t nn)
{
	struct cfg_doc *d = ps->doc;
	if (grow((void **)&d->sec, d->nsec, sizeof *d->sec))
		return fail(ps, ERR_FAIL, "out of memory");
	struct cfg_section *s = &d->sec[d->nsec];
	memset(s, 0, sizeof *s);
	s->type = dup_n(type, tn);
	s->name = dup_n(name, nn);
	s->line = ps->line;
	d->nsec++; /* counted before the check, so cfg_free frees it */
	if (!s->type || !s->name)
		return fail(ps, ERR_FAIL, "out of memory");
	return 0;
}

/* "[TYPE]" or "[TYPE NAME]", [s, end) being the line without surrounding
 * whitespace and s[0] == '['. */
static int parse_header(struct parse *ps, const char *s, const char *end)
{
	const char *close = memchr(s, ']', (size_t)(end - s));
	if (!close)
		return fail(ps, ERR_INPUT, "section header lacks its closing ']'");
	const char *after = close + 1;
	while (after < end && isspace((unsigned char)*after))
		after++;
	if (after < end && *after != ';' && *after != '#') {
		char q[256];
		return fail(ps, ERR_INPUT, "unexpected \"%s\" after the section header's ']'",
			    quote_n(q, sizeof q, after, (size_t)(end - after)));
	}
	const char *w[3];
	size_t wn[3], nw = 0;
	for (const char *p = s + 1; p < close;) {
		while (p < close && isspace((unsigned char)*p))
			p++;
		if (p == close)
			break;
		const char *q = p;
		while (q < close && !isspace((unsigned char)*q))
			q++;
		if (nw == 2)
			return fail(ps, ERR_INPUT, "a section header is [TYPE] or [TYPE NAME], not three or more words");
		w[nw] = p;
		wn[nw++] = (size_t)(q - p);
		p = q;
	}
	if (nw == 0)
		return fail(ps, ERR_INPUT, "empty section header (write [TYPE] or [TYPE NAME])");
	for (size_t i = 0; i < nw; i++)
		if (check_word(ps, w[i], wn[i], WORD_PUNCT, i ? "section name" : "section type"))
			return -1;
	ps->prev_key = 0;
	return add_section(ps, w[0], wn[0], nw == 2 ? w[1] : "", nw == 2 ? wn[1] : 0);
}

/* A key line: checks it the way inih will split it. */
static int check_key_line(struct parse *ps, const char *s, const char *end)
{
	/* inih's find_chars_or_comment(s, "=:") */
	const char *sep = s;
	int was_space = 0;
	while (sep < end && *sep != '=' && *sep != ':' && !(was_space && *sep == ';')) {
		was_space = isspace((unsigned char)*sep);
		sep++;
	}
	if (sep == end || (*sep != '=' && *sep != ':')) {
		char q[256];
		return fail(ps, ERR_INPUT, "expected \"key = value\", \"[section]\" or a comment, got \"%s\"",
			    quote_n(q, sizeof q, s, (size_t)(end - s)));
	}
	const char *kend = sep;
	while (kend > s && isspace((unsigned char)kend[-1]))
		kend--;
	if (kend == s)
		return fail(ps, ERR_INPUT, "missing key before '%c'", *sep);
	if (check_word(ps, s, (size_t)(kend - s), KEY_PUNCT, "key"))
		return -1;
	if (!ps->doc->nsec) {
		char q[256];
		return fail(ps, ERR_INPUT, "key \"%s\" comes before any [section]",
			    quote_n(q, sizeof q, s, (size_t)(kend - s)));
	}
	ps->prev_key = 1;
	return 0;
}

/* inih's ini_reader: one whole line into str (num bytes), checked first. */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct parse *ps = stream;
	if (ps->failed || ps->p >= ps->end)
		return NULL;
	const char *p = ps->p;
	const char *nl = memchr(p, '\n', (size_t)(ps->end - p));
	const char *eol = nl ? nl : ps->end;
	ps->p = nl ? nl + 1 : ps->end;
	ps->line++;

	size_t len = (size_t)(eol - p);
	if (len && p[len - 1] == '\r')
		len--;
	if (memchr(p, '\r', len)) {
		/* Old Mac line ends: the whole file would read as one line. */
		fail(ps, ERR_INPUT, "a line ends with CR alone: save the file with LF (or CR LF) line ends");
		return NULL;
	}
	if (num < 2 || len > (size_t)num - 2) {
		fail(ps, ERR_INPUT, "line too long (%zu bytes; the limit is %d)", len, num > 2 ? num - 2 : 0);
		return NULL;
	}

	const char *s = p, *end = p + len;
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (s == end || *s == ';' || *s == '#') {
		/* blank or comment */
	} else if (s > p && ps->prev_key) {
		const struct cfg_section *sec = &ps->doc->sec[ps->doc->nsec - 1];
		fail(ps, ERR_INPUT,
		     "indented line after key '%s' would continue its value; multi-line values are not "
		     "supported: remove the indentation or join the lines",
		     sec->nkv ? sec->kv[sec->nkv - 1].key : "?");
		return NULL;
	} else if (*s == '[') {
		if (parse_header(ps, s, end))
			return NULL;
	} else if (check_key_line(ps, s, end)) {
		return NULL;
	}

	memcpy(str, p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* inih's handler: a key line the reader has checked. */
static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	(void)section; /* ours is the last header the reader parsed */
	if (ps->failed || !ps->doc->nsec || !name || !value)
		return 0;
	struct cfg_section *s = &ps->doc->sec[ps->doc->nsec - 1];
	if (grow((void **)&s->kv, s->nkv, sizeof *s->kv)) {
		fail(ps, ERR_FAIL, "out of memory");
		return 0;
	}
	struct cfg_kv *kv = &s->kv[s->nkv];
	kv->key = strdup(name);
	kv->value = strdup(value);
	kv->line = ps->line;
	kv->used = 0;
	s->nkv++;
	if (!kv->key || !kv->value) {
		fail(ps, ERR_FAIL, "out of memory");
		return 0;
	}
	return 1;
}

/* ---- duplicates ----------------------------------------------------- */

static int cmp_sec(const void *a, const void *b)
{
	const struct cfg_section *x = *(const struct cfg_section *const *)a;
	const struct cfg_section *y = *(const struct cfg_section *const *)b;
	int c = strcmp(x->type, y->type);
	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int cmp_kv(const void *a, const void *b)
{
	const struct cfg_kv *x = *(const struct cfg_kv *const *)a;
	const struct cfg_kv *y = *(const struct cfg_kv *const *)b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void sec_label(char *buf, size_t n, const struct cfg_section *s)
{
	snprintf(buf, n, "[%s%s%s]", s->type, s->name[0] ? " " : "", s->name);
}

/* Reports the duplicate (section or key) whose second occurrence comes
 * first in the file. */
static int check_duplicates(struct cfg_doc *d, struct err *e)
{
	size_t most = d->nsec;
	for (size_t i = 0; i < d->nsec; i++)
		if (d->sec[i].nkv > most)
			most = d->sec[i].nkv;
	void **idx = malloc((most ? most : 1) * sizeof *idx);
	if (!idx)
		return err_set(e, ERR_FAIL, "%s: out of memory", d->path);

	const struct cfg_section *ds1 = NULL, *ds2 = NULL, *ks = NULL;
	const struct cfg_kv *dk1 = NULL, *dk2 = NULL;

	for (size_t i = 0; i < d->nsec; i++)
		idx[i] = &d->sec[i];
	qsort(idx, d->nsec, sizeof *idx, cmp_sec);
	for (size_t i = 1; i < d->nsec; i++) {
		const struct cfg_section *a = idx[i - 1], *b = idx[i];
		/* Sorted by line within a run, so the first pair of a run holds
		 * its first and second occurrences. */
		if (!strcmp(a->type, b->type) && !strcmp(a->name, b->name) && (!ds2 || b->line < ds2->line)) {
			ds1 = a;
			ds2 = b;
		}
	}

	for (size_t si = 0; si < d->nsec; si++) {
		struct cfg_section *s = &d->sec[si];
		for (size_t i = 0; i < s->nkv; i++)
			idx[i] = &s->kv[i];
		qsort(idx, s->nkv, sizeof *idx, cmp_kv);
		for (size_t i = 1; i < s->nkv; i++) {
			const struct cfg_kv *a = idx[i - 1], *b = idx[i];
			if (!strcmp(a->key, b->key) && (!dk2 || b->line < dk2->line)) {
				dk1 = a;
				dk2 = b;
				ks = s;
			}
		}
	}
	free(idx);

	char label[512];
	if (ds2 && (!dk2 || ds2->line < dk2->line)) {
		sec_label(label, sizeof label, ds2);
		return err_set(e, ERR_INPUT, "%s:%d: duplicate section %s (first at line %d)", d->path, ds2->line,
			       label, ds1->line);
	}
	if (dk2) {
		sec_label(label, sizeof label, ks);
		return err_set(e, ERR_INPUT, "%s:%d: %s duplicate key '%s' (first at line %d)", d->path, dk2->line,
			       label, dk2->key, dk1->line);
	}
	return 0;
}

/* ---- loading -------------------------------------------------------- */

/* Parses doc->text into doc; doc->path and doc->text are set. */
static int parse_doc(struct cfg_doc *doc, size_t len, struct err *e)
{
	struct parse ps = { .doc = doc, .p = doc->text, .end = doc->text + len, .e = e };
	if (len >= 3 && !memcmp(ps.p, "\xef\xbb\xbf", 3))
		ps.p += 3;
	int rc = ini_parse_stream(cfg_reader, &ps, cfg_handler, &ps);
	if (ps.failed)
		return -1;
	if (rc == -2)
		return err_set(e, ERR_FAIL, "%s: out of memory", doc->path);
	if (rc != 0)
		return err_set(e, ERR_INPUT, "%s:%d: syntax error", doc->path, rc);
	return check_duplicates(doc, e);
}

static struct cfg_doc *doc_new(const char *path, struct err *e)
{
	struct cfg_doc *d = calloc(1, sizeof *d);
	if (d)
		d->path = strdup(path ? path : "<string>");
	if (!d || !d->path) {
		free(d);
		err_set(e, ERR_FAIL, "out of memory loading %s", path ? path : "<string>");
		return NULL;
	}
	return d;
}

int cfg_load_string(struct cfg_doc **out, const char *path, const char *text, struct err *e)
{
	*out = NULL;
	if (!text)
		return err_set(e, ERR_INPUT, "%s: no text", path ? path : "<string>");
	size_t len = strlen(text);
	if (len > CFG_MAX_BYTES)
		return err_set(e, ERR_INPUT, "%s: too large (%zu bytes; the limit is %u)", path ? path : "<string>",
			       len, CFG_MAX_BYTES);
	struct cfg_doc *d = doc_new(path, e);
	if (!d)
		return -1;
	d->text = dup_n(text, len);
	if (!d->text) {
		cfg_free(d);
		return err_set(e, ERR_FAIL, "out of memory loading %s", path ? path : "<string>");
	}
	if (parse_doc(d, len, e)) {
		cfg_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

int cfg_load(struct cfg_doc **out, const char *path, struct err *e)
{
	*out = NULL;
	if (!path)
		return err_set(e, ERR_INPUT, "no file name given");
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_open(e, path, errno);
	struct cfg_doc *d = doc_new(path, e);
	if (!d) {
		fclose(f);
		return -1;
	}
	size_t cap = 0, len = 0;
	int rc = 0;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? 2 * cap : 65536;
			if (ncap > CFG_MAX_BYTES + 1)
				ncap = CFG_MAX_BYTES + 1;
			char *t = realloc(d->text, ncap + 1);
			if (!t) {
				rc = err_set(e, ERR_FAIL, "%s: out of memory", path);
				break;
			}
			d->text = t;
			cap = ncap;
		}
		size_t got = fread(d->text + len, 1, cap - len, f);
		len += got;
		if (len > CFG_MAX_BYTES) {
			rc = err_set(e, ERR_INPUT, "%s: too large (more than %u bytes)", path, CFG_MAX_BYTES);
			break;
		}
		if (got == 0) {
			if (ferror(f))
				rc = err_set(e, ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
	}
	fclose(f);
	if (!rc) {
		d->text[len] = '\0';
		const char *nul = memchr(d->text, '\0', len);
		if (nul) {
			int line = 1;
			for (const char *p = d->text; p < nul; p++)
				line += *p == '\n';
			rc = err_set(e, ERR_INPUT, "%s:%d: NUL byte in the file (is it a text file?)", path, line);
		}
	}
	if (rc || parse_doc(d, len, e)) {
		cfg_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void cfg_free(struct cfg_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->nsec; i++) {
		struct cfg_section *s = &doc->sec[i];
		for (size_t k = 0; k < s->nkv; k++) {
			free(s->kv[k].key);
			free(s->kv[k].value);
		}
		free(s->kv);
		free(s->type);
		free(s->name);
	}
	free(doc->sec);
	free(doc->text);
	free(doc->path);
	free(doc);
}

/* ---- lookups -------------------------------------------------------- */

struct cfg_section *cfg_find(struct cfg_doc *doc, const char *type, const char *name)
{
	if (!doc || !type)
		return NULL;
	for (size_t i = 0; i < doc->nsec; i++)
		if (!strcmp(doc->sec[i].type, type) && (!name || !strcmp(doc->sec[i].name, name)))
			return &doc->sec[i];
	return NULL;
}

struct cfg_kv *cfg_key(struct cfg_section *s, const char *key)
{
	if (!s || !key)
		return NULL;
	for (size_t i = 0; i < s->nkv; i++) {
		if (!strcmp(s->kv[i].key, key)) {
			s->kv[i].used = 1;
			return &s->kv[i];
		}
	}
	return NULL;
}

int cfg_error(struct cfg_doc *d, struct cfg_section *s, const struct cfg_kv *kv, struct err *e,
	      const char *fmt, ...)
{
	char msg[768], label[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *path = d && d->path ? d->path : "<string>";
	if (!s)
		return err_set(e, ERR_INPUT, "%s: %s", path, msg);
	sec_label(label, sizeof label, s);
	if (!kv)
		return err_set(e, ERR_INPUT, "%s:%d: %s: %s", path, s->line, label, msg);
	return err_set(e, ERR_INPUT, "%s:%d: %s %s: %s", path, kv->line, label, kv->key, msg);
}

int cfg_error_under(struct cfg_doc *d, struct cfg_section *s, const struct cfg_kv *kv, struct err *e)
{
	char why[sizeof e->msg];
	snprintf(why, sizeof why, "%s", e->msg);
	int code = e->code;
	cfg_error(d, s, kv, e, "%s", why);
	e->code = code;
	return -1;
}

/* Looks key up; 0 if absent, 1 with *kv if present. */
static int lookup(struct cfg_section *s, const char *key, struct cfg_kv **kv)
{
	*kv = cfg_key(s, key);
	return *kv != NULL;
}

/* Rewrites a value parser's message in e as a cfg message. */
static int value_error(struct cfg_doc *d, struct cfg_section *s, struct cfg_kv *kv, struct err *e,
		       const struct err *sub)
{
	return cfg_error(d, s, kv, e, "%s", sub->msg);
}

#define TYPED_GETTER(fname, T, parse)                                                              \
	int fname(struct cfg_doc *d, struct cfg_section *s, const char *key, T *out, struct err *e) \
	{                                                                                          \
		struct cfg_kv *kv;                                                                 \
		if (!lookup(s, key, &kv))                                                          \
			return 0;                                                                  \
		struct err sub = { 0 };                                                            \
		T v = 0;                                                                           \
		if (parse(kv->value, &v, &sub))                                                    \
			return value_error(d, s, kv, e, &sub);                                     \
		*out = v;                                                                          \
		return 1;                                                                          \
	}

TYPED_GETTER(cfg_time_ns, uint64_t, unit_parse_time_ns)
TYPED_GETTER(cfg_bytes, uint64_t, unit_parse_bytes)
TYPED_GETTER(cfg_rate_bps, double, unit_parse_rate_bps)
TYPED_GETTER(cfg_ops, double, unit_parse_ops)
TYPED_GETTER(cfg_double, double, unit_parse_double)
TYPED_GETTER(cfg_u64, uint64_t, unit_parse_u64)

int cfg_bool(struct cfg_doc *d, struct cfg_section *s, const char *key, int *out, struct err *e)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	struct cfg_kv *kv;
	if (!lookup(s, key, &kv))
		return 0;
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(kv->value, yes[i])) {
			*out = 1;
			return 1;
		}
		if (!strcasecmp(kv->value, no[i])) {
			*out = 0;
			return 1;
		}
	}
	char q[256];
	return cfg_error(d, s, kv, e, "bad boolean \"%s\" (use yes/no, true/false, on/off or 1/0)",
			 unit_quote(q, sizeof q, kv->value));
}

int cfg_string(struct cfg_doc *d, struct cfg_section *s, const char *key, const char **out, struct err *e)
{
	(void)d;
	(void)e;
	struct cfg_kv *kv;
	if (!lookup(s, key, &kv))
		return 0;
	*out = kv->value;
	return 1;
}

int cfg_dist(struct cfg_doc *d, struct cfg_section *s, const char *key, enum dist_unit u, struct dist *out,
	     struct err *e)
{
	struct cfg_kv *kv;
	if (!lookup(s, key, &kv))
		return 0;
	struct err sub = { 0 };
	struct dist v;
	if (dist_parse(&v, kv->value, u, &sub)) {
		if (sub.code == ERR_FAIL)
			return err_set(e, ERR_FAIL, "%s", sub.msg);
		return value_error(d, s, kv, e, &sub);
	}
	*out = v;
	return 1;
}

int cfg_time_dist(struct cfg_doc *d, struct cfg_section *s, const char *key, struct dist *out, struct err *e)
{
	struct dist v;
	int rc = cfg_dist(d, s, key, DIST_TIME, &v, e);
	if (rc == 1) {
		dist_free(out);
		*out = v;
	}
	return rc;
}

/* ---- checks --------------------------------------------------------- */

int cfg_check_unused(struct cfg_doc *d, struct err *e)
{
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		for (size_t k = 0; k < s->nkv; k++) {
			if (!s->kv[k].used) {
				char label[512];
				sec_label(label, sizeof label, s);
				return err_set(e, ERR_INPUT, "%s:%d: %s: unknown key '%s'", d->path, s->kv[k].line,
					       label, s->kv[k].key);
			}
		}
	}
	return 0;
}

/* A section's name goes into metric names (tier.NAME.hits,
 * backend.NAME.node0.read.ops, job.NAME.au): so letters, digits, '_' and
 * '-' only.  A '.' made two names one: tier "t"'s node 0 and a tier
 * "t.node0" wrote the same metrics, each over the other's. */
static int check_name(struct cfg_doc *d, struct cfg_section *s, struct err *e)
{
	for (const char *c = s->name; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		    *c == '-')
			continue;
		return err_set(e, ERR_INPUT,
			       "%s:%d: [%s %s]: a name of letters, digits, '_' and '-' only (it goes into metric "
			       "names such as %s.%s.*, where '%c' would be ambiguous)",
			       d->path, s->line, s->type, s->name, s->type, s->name, *c);
	}
	return 0;
}

int cfg_check_sections(struct cfg_doc *d, const char *const *known_types, struct err *e)
{
	for (size_t i = 0; i < d->nsec; i++) {
		const char *t = d->sec[i].type;
		size_t k;
		for (k = 0; known_types && known_types[k]; k++)
			if (!strcmp(t, known_types[k]))
				break;
		if (known_types && known_types[k]) {
			if (check_name(d, &d->sec[i], e) < 0)
				return -1;
			continue;
		}
		char list[512];
		size_t o = 0;
		list[0] = '\0';
		for (k = 0; known_types && known_types[k] && o < sizeof list; k++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", k ? ", " : "", known_types[k]);
		return err_set(e, ERR_INPUT, "%s:%d: unknown section type '%s' (known: %s)", d->path, d->sec[i].line,
			       t, list);
	}
	return 0;
}

void cfg_dir_of(const char *path, char *dir, size_t n)
{
	snprintf(dir, n, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, n, ".");
}

char *cfg_path_in(const char *dir, const char *file)
{
	if (file[0] == '/' || !dir || !dir[0])
		return strdup(file);
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", file);
	return p;
}

int cfg_set(struct cfg_section *s, const char *key, const char *value, int line)
{
	char *v = strdup(value);
	if (!v)
		return -1;
	for (size_t i = 0; i < s->nkv; i++)
		if (strcmp(s->kv[i].key, key) == 0) {
			free(s->kv[i].value);
			s->kv[i].value = v;
			s->kv[i].line = line;
			return 0;
		}
	struct cfg_kv *nk = realloc(s->kv, (s->nkv + 1) * sizeof *nk);
	char *k = strdup(key);
	if (!nk || !k) {
		free(v);
		free(k);
		if (nk)
			s->kv = nk;
		return -1;
	}
	s->kv = nk;
	s->kv[s->nkv++] = (struct cfg_kv){ .key = k, .value = v, .line = line };
	return 0;
}

char *cfg_text(const struct cfg_doc *d, const char *header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs(header, f);
	for (size_t i = 0; i < d->nsec; i++) {
		const struct cfg_section *s = &d->sec[i];
		fprintf(f, "\n[%s%s%s]\n", s->type, s->name[0] ? " " : "", s->name);
		for (size_t k = 0; k < s->nkv; k++)
			fprintf(f, "%s = %s\n", s->kv[k].key, s->kv[k].value);
	}
	if (ferror(f) | fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
