/*
 * fuzz_cfg — sim/cfg.c, the INI reader of every scenario and preset (inih
 * under our own line reader), alone: no model reads the keys.  The input
 * is the file's text; it is read twice, from memory (cfg_load_string, which
 * stops at a NUL byte) and from a file (cfg_load, which refuses NUL bytes),
 * and the two must agree when the input has no NUL.  Checked: a refusal
 * leaves ERR_INPUT (or ERR_FAIL) and a message that starts with the file's
 * name and, for a syntax error, its line; an accepted document has sections
 * and keys in file order with lines that exist, the words the header
 * documents, no duplicate section or key; every typed getter of every key
 * either parses it or names file, line, [section] and key; and after that
 * no key is unused.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg.h"
#include "tests/fuzz/fuzz.h"

#define NAME "fuzz.ini"

/* "PATH:" then, when a line is expected, "LINE: ". */
static void check_refusal(const struct err *e, const char *path, int with_line)
{
	FUZZ_CHECK(e->code == ERR_INPUT || e->code == ERR_FAIL);
	FUZZ_CHECK(e->msg[0] != '\0');
	size_t n = strlen(path);
	FUZZ_CHECK(strncmp(e->msg, path, n) == 0 && e->msg[n] == ':');
	if (with_line && e->code == ERR_INPUT) {
		const char *p = e->msg + n + 1;
		/* "too large" is about the whole file, and so has no line */
		if (strstr(p, "too large") != p)
			FUZZ_CHECK(isdigit((unsigned char)*p) && atoi(p) >= 1);
	}
}

static int count_lines(const char *s)
{
	int n = 1;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int word_ok(const char *w, const char *punct)
{
	if (!*w)
		return 0;
	for (; *w; w++)
		if (!isalnum((unsigned char)*w) && !strchr(punct, *w))
			return 0;
	return 1;
}

/* A getter's answer on one key: parsed (1) or refused naming file:line,
 * [section] and key (-1); never 0, the key being there. */
static void check_getter(int rc, const struct err *e, const struct cfg_section *s, const struct cfg_kv *kv)
{
	FUZZ_CHECK(rc == 1 || rc == -1);
	if (rc == 1)
		return;
	if (e->code == ERR_FAIL)
		return; /* out of memory */
	FUZZ_CHECK(e->code == ERR_INPUT);
	char want[600];
	snprintf(want, sizeof want, NAME ":%d: [%s%s%s] %s: ", kv->line, s->type, s->name[0] ? " " : "", s->name,
		 kv->key);
	/* The message is cut at 1023 bytes, and so may end inside want. */
	size_t n = strlen(want);
	FUZZ_CHECK(strncmp(e->msg, want, n < sizeof e->msg - 1 ? n : sizeof e->msg - 1) == 0);
}

static void check_doc(struct cfg_doc *d, const char *text)
{
	int lines = count_lines(text);
	int prev = 0;
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		FUZZ_CHECK(s->line > prev && s->line <= lines);
		prev = s->line;
		FUZZ_CHECK(word_ok(s->type, "_-.:/@+"));
		FUZZ_CHECK(s->name[0] == '\0' || word_ok(s->name, "_-.:/@+"));
		FUZZ_CHECK(cfg_find(d, s->type, s->name) == s); /* no duplicate section */
		for (size_t k = 0; k < s->nkv; k++) {
			struct cfg_kv *kv = &s->kv[k];
			FUZZ_CHECK(kv->line > prev && kv->line <= lines);
			prev = kv->line;
			FUZZ_CHECK(word_ok(kv->key, "_-./@+"));
			FUZZ_CHECK(kv->value && !kv->used);
			FUZZ_CHECK(cfg_key(s, kv->key) == kv); /* no duplicate key */
			if (i + 1 < d->nsec)
				FUZZ_CHECK(kv->line < d->sec[i + 1].line);
		}
	}

	/* Every getter on every key. */
	for (size_t i = 0; i < d->nsec; i++) {
		struct cfg_section *s = &d->sec[i];
		for (size_t k = 0; k < s->nkv; k++) {
			const struct cfg_kv *kv = &s->kv[k];
			const char *key = kv->key;
			struct err e = { 0 };
			uint64_t u = 0;
			double x = 0;
			int b = 0;
			const char *str = NULL;
			struct dist dd;
			int rc;
			rc = cfg_time_ns(d, s, key, &u, &e);
			check_getter(rc, &e, s, kv);
			rc = cfg_bytes(d, s, key, &u, &e);
			check_getter(rc, &e, s, kv);
			rc = cfg_u64(d, s, key, &u, &e);
			check_getter(rc, &e, s, kv);
			rc = cfg_rate_bps(d, s, key, &x, &e);
			check_getter(rc, &e, s, kv);
			FUZZ_CHECK(rc < 0 || (isfinite(x) && x >= 0));
			rc = cfg_ops(d, s, key, &x, &e);
			check_getter(rc, &e, s, kv);
			FUZZ_CHECK(rc < 0 || (isfinite(x) && x >= 0));
			rc = cfg_double(d, s, key, &x, &e);
			check_getter(rc, &e, s, kv);
			FUZZ_CHECK(rc < 0 || (isfinite(x) && x >= 0));
			rc = cfg_bool(d, s, key, &b, &e);
			check_getter(rc, &e, s, kv);
			FUZZ_CHECK(rc < 0 || b == 0 || b == 1);
			rc = cfg_string(d, s, key, &str, &e);
			FUZZ_CHECK(rc == 1 && str == kv->value);
			for (int unit = DIST_TIME; unit <= DIST_PLAIN; unit++) {
				rc = cfg_dist(d, s, key, (enum dist_unit)unit, &dd, &e);
				check_getter(rc, &e, s, kv);
				if (rc == 1)
					dist_free(&dd);
			}
			dist_const(&dd, 1);
			rc = cfg_time_dist(d, s, key, &dd, &e);
			check_getter(rc, &e, s, kv);
			dist_free(&dd);
		}
	}
	struct err e = { 0 };
	FUZZ_CHECK(cfg_check_unused(d, &e) == 0);
	static const char *const none[] = { NULL };
	if (d->nsec) {
		FUZZ_CHECK(cfg_check_sections(d, none, &e) == -1);
		check_refusal(&e, d->path, 1);
	}
}

/* The documents read from memory and from the file are the same. */
static void check_same(const struct cfg_doc *a, const struct cfg_doc *b)
{
	FUZZ_CHECK(a->nsec == b->nsec);
	FUZZ_CHECK(strcmp(a->text, b->text) == 0);
	for (size_t i = 0; i < a->nsec; i++) {
		const struct cfg_section *x = &a->sec[i], *y = &b->sec[i];
		FUZZ_CHECK(!strcmp(x->type, y->type) && !strcmp(x->name, y->name) && x->line == y->line);
		FUZZ_CHECK(x->nkv == y->nkv);
		for (size_t k = 0; k < x->nkv; k++)
			FUZZ_CHECK(!strcmp(x->kv[k].key, y->kv[k].key) && !strcmp(x->kv[k].value, y->kv[k].value) &&
				   x->kv[k].line == y->kv[k].line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	if (!text)
		return 0;
	int has_nul = memchr(data, '\0', size) != NULL;

	struct cfg_doc *mem = NULL, *file = NULL;
	struct err em = { 0 }, ef = { 0 };
	int rm = cfg_load_string(&mem, NAME, text, &em);
	FUZZ_CHECK(rm == 0 || rm == -1);
	FUZZ_CHECK((rm == 0) == (mem != NULL));
	if (rm < 0)
		check_refusal(&em, NAME, 1);

	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);
	if (fd >= 0) {
		int rf = cfg_load(&file, path, &ef);
		FUZZ_CHECK((rf == 0) == (file != NULL));
		if (rf < 0)
			check_refusal(&ef, path, 1);
		if (has_nul) {
			FUZZ_CHECK(rf < 0 && ef.code == ERR_INPUT && strstr(ef.msg, "NUL byte"));
		} else {
			FUZZ_CHECK(rf == rm);
			if (rf == 0)
				check_same(mem, file);
			else if (em.code == ERR_INPUT) /* the same message, but for the file's name */
				FUZZ_CHECK(strncmp(em.msg + strlen(NAME), ef.msg + strlen(path), 200) == 0);
		}
		cfg_free(file);
		fuzz_file_close(fd);
	}
	if (mem)
		check_doc(mem, text);
	cfg_free(mem);
	free(text);
	return 0;
}
