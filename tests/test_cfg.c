/* Tests for INI documents (sim/cfg.c): parsing through inih, line numbers,
 * the checks inih does not make, typed getters and their messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/cfg.h"

static struct cfg_doc *load_ok(const char *text)
{
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	if (cfg_load_string(&d, "t.ini", text, &e))
		fail_msg("cfg_load_string failed: %s", e.msg);
	return d;
}

/* Expects the text to be rejected with exactly this message. */
static void expect_load_error(const char *text, const char *msg)
{
	struct cfg_doc sentinel;
	struct cfg_doc *d = &sentinel; /* must be reset to NULL */
	struct err e = { 0 };
	if (cfg_load_string(&d, "t.ini", text, &e) != -1)
		fail_msg("accepted: %s", text);
	assert_null(d);
	assert_int_equal(e.code, ERR_INPUT);
	assert_string_equal(e.msg, msg);
}

/* Writes bytes to a new temporary file; returns its path (static buffer). */
static const char *temp_file(const void *bytes, size_t n)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/test_cfg_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	close(fd);
	return path;
}

/* ---- parsing -------------------------------------------------------- */

static void test_section_header_splits_type_and_name(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[queue cpu]\nservers = 4\n[run]\nseed = 1\n");
	assert_int_equal(d->nsec, 2);
	assert_string_equal(d->sec[0].type, "queue");
	assert_string_equal(d->sec[0].name, "cpu");
	assert_int_equal(d->sec[0].line, 1);
	assert_string_equal(d->sec[1].type, "run");
	assert_string_equal(d->sec[1].name, "");
	assert_int_equal(d->sec[1].line, 3);
	cfg_free(d);
}

static void test_keys_keep_value_and_line(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\n\nseed = 1\n; comment\nend = 10s\n");
	assert_int_equal(d->sec[0].nkv, 2);
	assert_string_equal(d->sec[0].kv[0].key, "seed");
	assert_string_equal(d->sec[0].kv[0].value, "1");
	assert_int_equal(d->sec[0].kv[0].line, 3);
	assert_string_equal(d->sec[0].kv[1].key, "end");
	assert_string_equal(d->sec[0].kv[1].value, "10s");
	assert_int_equal(d->sec[0].kv[1].line, 5);
	assert_int_equal(d->sec[0].kv[0].used, 0);
	cfg_free(d);
}

static void test_section_without_keys_exists(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\n[queue cpu]\n");
	assert_int_equal(d->nsec, 2);
	assert_int_equal(d->sec[0].nkv, 0);
	assert_int_equal(d->sec[1].line, 2);
	cfg_free(d);
}

static void test_comments_blank_lines_and_inline_comments_are_skipped(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("; a\n# b\n\n[run] ; header comment\n  ; indented comment\n"
				    "k = v ; inline comment\n\t\n");
	assert_int_equal(d->nsec, 1);
	assert_int_equal(d->sec[0].nkv, 1);
	assert_string_equal(d->sec[0].kv[0].value, "v");
	assert_int_equal(d->sec[0].kv[0].line, 6);
	cfg_free(d);
}

static void test_hash_after_a_value_is_part_of_the_value(void **state)
{
	(void)state;
	/* inih's inline comments start with ';' only; '#' starts a line comment */
	struct cfg_doc *d = load_ok("[run]\nk = 4 # not a comment\n");
	assert_string_equal(d->sec[0].kv[0].value, "4 # not a comment");
	cfg_free(d);
}

static void test_colon_separates_like_equals(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\nk: v\nd = empirical(1ms:1)\n");
	assert_string_equal(d->sec[0].kv[0].key, "k");
	assert_string_equal(d->sec[0].kv[0].value, "v");
	assert_string_equal(d->sec[0].kv[1].value, "empirical(1ms:1)");
	cfg_free(d);
}

static void test_whitespace_around_keys_and_values_is_trimmed(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("  [ queue   cpu ]  \n   k   =   v w  \n");
	assert_string_equal(d->sec[0].type, "queue");
	assert_string_equal(d->sec[0].name, "cpu");
	assert_string_equal(d->sec[0].kv[0].key, "k");
	assert_string_equal(d->sec[0].kv[0].value, "v w");
	cfg_free(d);
}

static void test_empty_value_is_kept(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\nk =\n");
	assert_string_equal(d->sec[0].kv[0].value, "");
	cfg_free(d);
}

static void test_crlf_line_endings_are_accepted(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\r\nk = v\r\n\r\nj = w\r\n");
	assert_string_equal(d->sec[0].kv[0].value, "v");
	assert_int_equal(d->sec[0].kv[1].line, 4);
	cfg_free(d);
}

static void test_utf8_byte_order_mark_is_skipped(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("\xef\xbb\xbf[run]\nk = v\n");
	assert_string_equal(d->sec[0].type, "run");
	assert_int_equal(d->sec[0].kv[0].line, 2);
	cfg_free(d);
}

static void test_last_line_needs_no_newline(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\nk = v");
	assert_string_equal(d->sec[0].kv[0].value, "v");
	cfg_free(d);
}

static void test_empty_text_is_an_empty_document(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("");
	assert_int_equal(d->nsec, 0);
	assert_string_equal(d->text, "");
	cfg_free(d);
}

static void test_text_and_path_are_kept(void **state)
{
	(void)state;
	const char *text = "; preset\n[run]\nk = v ; c\n";
	struct cfg_doc *d = load_ok(text);
	assert_string_equal(d->text, text);
	assert_string_equal(d->path, "t.ini");
	cfg_free(d);
}

static void test_long_section_names_are_kept_whole(void **state)
{
	(void)state;
	/* inih itself would cut a section name at 49 bytes */
	char text[256], name[101];
	memset(name, 'n', 100);
	name[100] = '\0';
	snprintf(text, sizeof text, "[queue %s]\nk = 1\n", name);
	struct cfg_doc *d = load_ok(text);
	assert_string_equal(d->sec[0].name, name);
	cfg_free(d);
}

static void test_line_of_198_bytes_is_accepted(void **state)
{
	(void)state;
	/* inih's default buffer is 200 bytes: line + '\n' + '\0' */
	char text[512];
	int n = snprintf(text, sizeof text, "[run]\nk = ");
	memset(text + n, 'v', 194); /* "k = " + 194 = 198 bytes */
	strcpy(text + n + 194, "\n");
	struct cfg_doc *d = load_ok(text);
	assert_int_equal(strlen(d->sec[0].kv[0].value), 194);
	cfg_free(d);
}

static void test_line_over_198_bytes_is_rejected(void **state)
{
	(void)state;
	char text[512];
	int n = snprintf(text, sizeof text, "[run]\nk = ");
	memset(text + n, 'v', 195);
	strcpy(text + n + 195, "\n");
	expect_load_error(text, "t.ini:2: line too long (199 bytes; the limit is 198)");
}

static void test_load_reads_a_file(void **state)
{
	(void)state;
	const char text[] = "[queue cpu]\nservers = 4\n";
	const char *path = temp_file(text, sizeof text - 1);
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load(&d, path, &e), 0);
	assert_string_equal(d->path, path);
	assert_string_equal(d->text, text);
	assert_string_equal(d->sec[0].kv[0].value, "4");
	cfg_free(d);
	unlink(path);
}

/* ---- syntax errors -------------------------------------------------- */

static void test_duplicate_key_names_both_lines(void **state)
{
	(void)state;
	expect_load_error("[run]\nk = 1\nx = 2\nk = 3\n", "t.ini:4: [run] duplicate key 'k' (first at line 2)");
	expect_load_error("[queue cpu]\nk = 1\nk = 2\nk = 3\n",
			  "t.ini:3: [queue cpu] duplicate key 'k' (first at line 2)");
}

static void test_same_key_in_two_sections_is_allowed(void **state)
{
	(void)state;
	cfg_free(load_ok("[queue a]\nk = 1\n[queue b]\nk = 2\n"));
}

static void test_duplicate_section_names_both_lines(void **state)
{
	(void)state;
	expect_load_error("[queue cpu]\n[queue disk]\n[queue cpu]\n",
			  "t.ini:3: duplicate section [queue cpu] (first at line 1)");
	expect_load_error("[run]\na = 1\n[run]\n", "t.ini:3: duplicate section [run] (first at line 1)");
}

static void test_same_type_with_other_names_is_allowed(void **state)
{
	(void)state;
	cfg_free(load_ok("[queue cpu]\n[queue disk]\n[queue]\n"));
}

static void test_first_duplicate_in_the_file_is_reported(void **state)
{
	(void)state;
	expect_load_error("[run]\na = 1\n[x]\n[x]\n[run2]\nb = 1\nb = 2\n",
			  "t.ini:4: duplicate section [x] (first at line 3)");
	expect_load_error("[run]\na = 1\na = 2\n[x]\n[x]\n", "t.ini:3: [run] duplicate key 'a' (first at line 2)");
}

static void test_header_without_close_bracket_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[run]\n[queue cpu\n", "t.ini:2: section header lacks its closing ']'");
}

static void test_text_after_header_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[run] x\n", "t.ini:1: unexpected \"x\" after the section header's ']'");
}

static void test_empty_header_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[]\n", "t.ini:1: empty section header (write [TYPE] or [TYPE NAME])");
	expect_load_error("[  ]\n", "t.ini:1: empty section header (write [TYPE] or [TYPE NAME])");
}

static void test_header_of_three_words_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[queue cpu extra]\n",
			  "t.ini:1: a section header is [TYPE] or [TYPE NAME], not three or more words");
}

static void test_bad_character_in_header_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[queue c;pu]\n",
			  "t.ini:1: section name \"c;pu\" has the character ';'; use letters, digits and _-.:/@+");
	expect_load_error("[qu\x01" "eue]\n",
			  "t.ini:1: section type \"qu\\x01eue\" has the byte 0x01; use letters, digits and _-.:/@+");
}

static void test_line_without_separator_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[run]\ngarbage here\n",
			  "t.ini:2: expected \"key = value\", \"[section]\" or a comment, got \"garbage here\"");
	/* an inline comment before the '=' hides it, as in inih */
	expect_load_error("[run]\nk ; = 1\n",
			  "t.ini:2: expected \"key = value\", \"[section]\" or a comment, got \"k ; = 1\"");
}

static void test_missing_key_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[run]\n= 5\n", "t.ini:2: missing key before '='");
	expect_load_error("[run]\n : 5\n", "t.ini:2: missing key before ':'");
}

static void test_key_with_space_or_bad_character_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[run]\na b = 1\n", "t.ini:2: key \"a b\" has a space; use letters, digits and _-./@+");
	expect_load_error("[run]\na[0] = 1\n",
			  "t.ini:2: key \"a[0]\" has the character '['; use letters, digits and _-./@+");
}

static void test_key_before_any_section_is_rejected(void **state)
{
	(void)state;
	expect_load_error("k = 1\n[run]\n", "t.ini:1: key \"k\" comes before any [section]");
}

static void test_continuation_line_is_rejected(void **state)
{
	(void)state;
	expect_load_error("[run]\nk = 1\n  more\n",
			  "t.ini:3: indented line after key 'k' would continue its value; multi-line values are "
			  "not supported: remove the indentation or join the lines");
}

static void test_indented_key_after_a_key_is_rejected(void **state)
{
	(void)state;
	/* inih would read "b = 2" as a second value of a */
	expect_load_error("[run]\n  a = 1\n  b = 2\n",
			  "t.ini:3: indented line after key 'a' would continue its value; multi-line values are "
			  "not supported: remove the indentation or join the lines");
}

static void test_indented_first_key_of_a_section_is_allowed(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\na = 1\n[x]\n  b = 2\n");
	assert_string_equal(d->sec[1].kv[0].key, "b");
	cfg_free(d);
}

static void test_nul_byte_in_file_is_rejected(void **state)
{
	(void)state;
	const char text[] = "[run]\nk = \0v\n";
	const char *path = temp_file(text, sizeof text - 1);
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load(&d, path, &e), -1);
	assert_null(d);
	char want[256];
	snprintf(want, sizeof want, "%s:2: NUL byte in the file (is it a text file?)", path);
	assert_string_equal(e.msg, want);
	unlink(path);
}

static void test_missing_file_is_an_input_error(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load(&d, "/nonexistent/x.ini", &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_string_equal(e.msg, "/nonexistent/x.ini: cannot open: No such file or directory");
}

static void test_directory_is_rejected(void **state)
{
	(void)state;
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load(&d, "/tmp", &e), -1);
	assert_null(d);
	assert_non_null(strstr(e.msg, "/tmp: cannot read"));
}

static void test_file_over_8_mib_is_rejected(void **state)
{
	(void)state;
	size_t n = (8u << 20) + 1;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ';', n);
	big[n] = '\0';
	struct cfg_doc *d = NULL;
	struct err e = { 0 };
	assert_int_equal(cfg_load_string(&d, "big.ini", big, &e), -1);
	assert_string_equal(e.msg, "big.ini: too large (8388609 bytes; the limit is 8388608)");
	const char *path = temp_file(big, n);
	assert_int_equal(cfg_load(&d, path, &e), -1);
	assert_non_null(strstr(e.msg, "too large (more than 8388608 bytes)"));
	unlink(path);
	free(big);
}

static void test_many_keys_load_and_duplicates_are_found(void **state)
{
	(void)state;
	/* 100k keys in one section: duplicate detection must not be quadratic */
	size_t n = 100000;
	char *text = malloc(n * 16 + 64);
	size_t o = (size_t)sprintf(text, "[run]\n");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(text + o, "k%zu = %zu\n", i, i);
	struct cfg_doc *d = load_ok(text);
	assert_int_equal(d->sec[0].nkv, n);
	assert_int_equal(d->sec[0].kv[n - 1].line, (int)n + 1);
	cfg_free(d);
	sprintf(text + o, "k5 = x\n");
	char want[128];
	snprintf(want, sizeof want, "t.ini:%zu: [run] duplicate key 'k5' (first at line 7)", n + 2);
	expect_load_error(text, want);
	free(text);
}

/* Random bytes biased towards INI syntax: loading must return 0 or -1
 * with a message, and never crash or leak (run under ASan). */
static void test_random_input_never_crashes(void **state)
{
	(void)state;
	static const char alphabet[] = "[]=:;# \t\r\n\n\nabcq0.\x01\xff\"\\";
	uint64_t x = 88172645463325252ULL; /* xorshift64 (Marsaglia 2003) */
	char buf[600];
	int ok = 0;
	for (int iter = 0; iter < 20000; iter++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t len = x % (sizeof buf - 1);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = alphabet[x % (sizeof alphabet - 1)];
		}
		buf[len] = '\0';
		struct cfg_doc *d = NULL;
		struct err e = { 0 };
		int rc = cfg_load_string(&d, "f.ini", buf, &e);
		if (rc == 0) {
			ok++;
			assert_non_null(d);
			cfg_free(d);
		} else {
			assert_int_equal(rc, -1);
			assert_null(d);
			assert_true(strncmp(e.msg, "f.ini", 5) == 0);
		}
	}
	assert_true(ok > 0);
}

/* ---- lookups and getters -------------------------------------------- */

static const char *const DOC =
	"[queue cpu]\n"          /* 1 */
	"t = 250us\n"            /* 2 */
	"b = 4GiB\n"             /* 3 */
	"r = 25GB/s\n"           /* 4 */
	"o = 40k/s\n"            /* 5 */
	"x = 0.5\n"              /* 6 */
	"u = 42\n"               /* 7 */
	"flag = yes\n"           /* 8 */
	"s = hello world\n"      /* 9 */
	"dist = exp(1ms)\n"      /* 10 */
	"[queue disk]\n"         /* 11 */
	"service = 5\n"          /* 12 */
	"[run]\n"                /* 13 */
	"seed = -1\n";           /* 14 */

static void test_getters_parse_each_type(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok(DOC);
	struct cfg_section *s = cfg_find(d, "queue", "cpu");
	struct err e = { 0 };
	uint64_t t = 0, b = 0, u = 0;
	double r = 0, o = 0, x = 0;
	int flag = 0;
	const char *str = NULL;
	struct dist dist;
	assert_int_equal(cfg_time_ns(d, s, "t", &t, &e), 1);
	assert_int_equal(t, 250000);
	assert_int_equal(cfg_bytes(d, s, "b", &b, &e), 1);
	assert_int_equal(b, 4294967296ULL);
	assert_int_equal(cfg_rate_bps(d, s, "r", &r, &e), 1);
	assert_true(r == 25e9);
	assert_int_equal(cfg_ops(d, s, "o", &o, &e), 1);
	assert_true(o == 40e3);
	assert_int_equal(cfg_double(d, s, "x", &x, &e), 1);
	assert_true(x == 0.5);
	assert_int_equal(cfg_u64(d, s, "u", &u, &e), 1);
	assert_int_equal(u, 42);
	assert_int_equal(cfg_bool(d, s, "flag", &flag, &e), 1);
	assert_int_equal(flag, 1);
	assert_int_equal(cfg_string(d, s, "s", &str, &e), 1);
	assert_string_equal(str, "hello world");
	assert_int_equal(cfg_dist(d, s, "dist", DIST_TIME, &dist, &e), 1);
	assert_int_equal(dist.kind, DIST_EXP);
	assert_true(dist_mean(&dist) == 1e6);
	assert_int_equal(cfg_check_unused(d, &e), -1); /* [queue disk] service, [run] seed */
	cfg_free(d);
}

static void test_getter_of_absent_key_returns_0_and_keeps_default(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok(DOC);
	struct cfg_section *s = cfg_find(d, "queue", "cpu");
	struct err e = { 0 };
	uint64_t t = 7;
	assert_int_equal(cfg_time_ns(d, s, "nope", &t, &e), 0);
	assert_int_equal(t, 7);
	assert_int_equal(cfg_time_ns(d, NULL, "t", &t, &e), 0);
	assert_int_equal(t, 7);
	cfg_free(d);
}

static void test_getter_error_names_file_line_section_and_key(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok(DOC);
	struct err e = { 0 };
	uint64_t t = 7;
	assert_int_equal(cfg_time_ns(d, cfg_find(d, "queue", "disk"), "service", &t, &e), -1);
	assert_int_equal(t, 7);
	assert_int_equal(e.code, ERR_INPUT);
	assert_string_equal(e.msg, "t.ini:12: [queue disk] service: bad time \"5\": no unit (is it s or ns?); "
				   "add one of ns, us, ms, s, min, h");
	assert_int_equal(cfg_u64(d, cfg_find(d, "run", NULL), "seed", &t, &e), -1);
	assert_string_equal(e.msg, "t.ini:14: [run] seed: bad count \"-1\": negative values are not allowed");
	cfg_free(d);
}

static void test_every_typed_getter_reports_bad_values(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[q]\nv = oops\n");
	struct cfg_section *s = &d->sec[0];
	struct err e = { 0 };
	uint64_t u;
	double x;
	int b;
	struct dist dist;
	assert_int_equal(cfg_time_ns(d, s, "v", &u, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [q] v: bad time"));
	assert_int_equal(cfg_bytes(d, s, "v", &u, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [q] v: bad size"));
	assert_int_equal(cfg_rate_bps(d, s, "v", &x, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [q] v: bad rate"));
	assert_int_equal(cfg_ops(d, s, "v", &x, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [q] v: bad ops rate"));
	assert_int_equal(cfg_double(d, s, "v", &x, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [q] v: bad number"));
	assert_int_equal(cfg_u64(d, s, "v", &u, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [q] v: bad count"));
	assert_int_equal(cfg_bool(d, s, "v", &b, &e), -1);
	assert_string_equal(e.msg, "t.ini:2: [q] v: bad boolean \"oops\" (use yes/no, true/false, on/off or 1/0)");
	assert_int_equal(cfg_dist(d, s, "v", DIST_TIME, &dist, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [q] v: bad distribution \"oops\""));
	cfg_free(d);
}

static void test_bool_accepts_every_spelling_in_any_case(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[q]\na = yes\nb = TRUE\nc = On\nd = 1\ne = no\nf = False\ng = OFF\nh = 0\n");
	struct err e = { 0 };
	const char *keys = "abcdefgh";
	for (int i = 0; i < 8; i++) {
		char k[2] = { keys[i], 0 };
		int v = -1;
		assert_int_equal(cfg_bool(d, &d->sec[0], k, &v, &e), 1);
		assert_int_equal(v, i < 4);
	}
	cfg_free(d);
}

static void test_cfg_error_formats_with_and_without_key(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok(DOC);
	struct cfg_section *s = cfg_find(d, "queue", "cpu");
	struct err e = { 0 };
	assert_int_equal(cfg_error(d, s, cfg_key(s, "x"), &e, "utilisation %.2f >= 1", 1.5), -1);
	assert_string_equal(e.msg, "t.ini:6: [queue cpu] x: utilisation 1.50 >= 1");
	assert_int_equal(cfg_error(d, s, NULL, &e, "needs a service time"), -1);
	assert_string_equal(e.msg, "t.ini:1: [queue cpu]: needs a service time");
	assert_int_equal(cfg_error(d, NULL, NULL, &e, "no [run] section"), -1);
	assert_string_equal(e.msg, "t.ini: no [run] section");
	assert_int_equal(e.code, ERR_INPUT);
	cfg_free(d);
}

static void test_find_matches_type_and_optional_name(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok(DOC);
	assert_ptr_equal(cfg_find(d, "queue", "disk"), &d->sec[1]);
	assert_ptr_equal(cfg_find(d, "queue", NULL), &d->sec[0]);
	assert_ptr_equal(cfg_find(d, "run", ""), &d->sec[2]);
	assert_null(cfg_find(d, "queue", "gpu"));
	assert_null(cfg_find(d, "link", NULL));
	cfg_free(d);
}

static void test_check_unused_reports_first_unasked_key(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[queue cpu]\nservers = 4\nservce = 1ms\n[run]\nseed = 1\n");
	struct err e = { 0 };
	assert_non_null(cfg_key(cfg_find(d, "queue", "cpu"), "servers"));
	assert_int_equal(cfg_check_unused(d, &e), -1);
	assert_int_equal(e.code, ERR_INPUT);
	assert_string_equal(e.msg, "t.ini:3: [queue cpu]: unknown key 'servce'");
	cfg_free(d);
}

static void test_check_unused_passes_when_every_key_was_asked_for(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[queue cpu]\nservers = 4\n[run]\nseed = 1\n");
	struct err e = { 0 };
	uint64_t v;
	cfg_u64(d, &d->sec[0], "servers", &v, &e);
	cfg_u64(d, &d->sec[1], "seed", &v, &e);
	assert_int_equal(cfg_check_unused(d, &e), 0);
	cfg_free(d);
}

/* The folder a scenario's files are relative to, and joining a name to it. */
static void test_dir_of_and_path_in(void **state)
{
	(void)state;
	char d[64];
	cfg_dir_of("scenarios/validate/replay.ini", d, sizeof d);
	assert_string_equal(d, "scenarios/validate");
	cfg_dir_of("replay.ini", d, sizeof d);
	assert_string_equal(d, ".");
	cfg_dir_of("/replay.ini", d, sizeof d);
	assert_string_equal(d, "/");
	cfg_dir_of("/tmp/x/replay.ini", d, sizeof d);
	assert_string_equal(d, "/tmp/x");

	const struct {
		const char *dir, *file, *want;
	} c[] = {
		{ "scenarios", "data/t.bin", "scenarios/data/t.bin" },
		{ "scenarios", "/abs/t.bin", "/abs/t.bin" },
		{ "/", "t.bin", "/t.bin" },
		{ ".", "t.bin", "./t.bin" },
		{ "", "t.bin", "t.bin" },
		{ NULL, "t.bin", "t.bin" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char *p = cfg_path_in(c[i].dir, c[i].file);
		assert_non_null(p);
		assert_string_equal(p, c[i].want);
		free(p);
	}
}

static void test_check_sections_reports_unknown_type_with_the_list(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\n[queue cpu]\n\n[qeueu disk]\n");
	struct err e = { 0 };
	const char *const known[] = { "run", "queue", "link", NULL };
	assert_int_equal(cfg_check_sections(d, known, &e), -1);
	assert_string_equal(e.msg, "t.ini:4: unknown section type 'qeueu' (known: run, queue, link)");
	const char *const more[] = { "run", "queue", "qeueu", NULL };
	assert_int_equal(cfg_check_sections(d, more, &e), 0);
	cfg_free(d);
}

/* Names go into metric names: a '.' would make tier "t"'s node 0 and a
 * tier "t.node0" one name. */
static void test_section_names_are_letters_digits_underscore_and_dash(void **state)
{
	(void)state;
	const char *const known[] = { "tier", "metadata", NULL };
	struct err e = { 0 };
	struct cfg_doc *d = load_ok("[tier hot]\n[metadata vast-meta]\n[tier Nvme_2]\n");
	assert_int_equal(cfg_check_sections(d, known, &e), 0);
	cfg_free(d);
	d = load_ok("[tier t]\n[tier t.node0]\n");
	assert_int_equal(cfg_check_sections(d, known, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [tier t.node0]: a name of letters, digits, '_' and '-' only"));
	cfg_free(d);
}

/* CR LF is a line end; CR alone (old Mac files) would make the whole
 * file one line, and was reported as a line too long, or as text after a
 * section header's ']'. */
static void test_cr_alone_is_refused_and_crlf_is_a_line_end(void **state)
{
	(void)state;
	struct cfg_doc *d = load_ok("[run]\r\nuntil = 1s\r\n");
	assert_string_equal(cfg_key(cfg_find(d, "run", NULL), "until")->value, "1s");
	cfg_free(d);
	expect_load_error("[run]\runtil = 1s\r[queue q]\r",
			  "t.ini:1: a line ends with CR alone: save the file with LF (or CR LF) line ends");
	expect_load_error("[run]\nuntil = 1s\rseed = 2\n",
			  "t.ini:2: a line ends with CR alone: save the file with LF (or CR LF) line ends");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr_alone_is_refused_and_crlf_is_a_line_end),
		cmocka_unit_test(test_section_names_are_letters_digits_underscore_and_dash),
		cmocka_unit_test(test_section_header_splits_type_and_name),
		cmocka_unit_test(test_keys_keep_value_and_line),
		cmocka_unit_test(test_section_without_keys_exists),
		cmocka_unit_test(test_comments_blank_lines_and_inline_comments_are_skipped),
		cmocka_unit_test(test_hash_after_a_value_is_part_of_the_value),
		cmocka_unit_test(test_colon_separates_like_equals),
		cmocka_unit_test(test_whitespace_around_keys_and_values_is_trimmed),
		cmocka_unit_test(test_empty_value_is_kept),
		cmocka_unit_test(test_crlf_line_endings_are_accepted),
		cmocka_unit_test(test_utf8_byte_order_mark_is_skipped),
		cmocka_unit_test(test_last_line_needs_no_newline),
		cmocka_unit_test(test_empty_text_is_an_empty_document),
		cmocka_unit_test(test_text_and_path_are_kept),
		cmocka_unit_test(test_long_section_names_are_kept_whole),
		cmocka_unit_test(test_line_of_198_bytes_is_accepted),
		cmocka_unit_test(test_line_over_198_bytes_is_rejected),
		cmocka_unit_test(test_load_reads_a_file),
		cmocka_unit_test(test_duplicate_key_names_both_lines),
		cmocka_unit_test(test_same_key_in_two_sections_is_allowed),
		cmocka_unit_test(test_duplicate_section_names_both_lines),
		cmocka_unit_test(test_same_type_with_other_names_is_allowed),
		cmocka_unit_test(test_first_duplicate_in_the_file_is_reported),
		cmocka_unit_test(test_header_without_close_bracket_is_rejected),
		cmocka_unit_test(test_text_after_header_is_rejected),
		cmocka_unit_test(test_empty_header_is_rejected),
		cmocka_unit_test(test_header_of_three_words_is_rejected),
		cmocka_unit_test(test_bad_character_in_header_is_rejected),
		cmocka_unit_test(test_line_without_separator_is_rejected),
		cmocka_unit_test(test_missing_key_is_rejected),
		cmocka_unit_test(test_key_with_space_or_bad_character_is_rejected),
		cmocka_unit_test(test_key_before_any_section_is_rejected),
		cmocka_unit_test(test_continuation_line_is_rejected),
		cmocka_unit_test(test_indented_key_after_a_key_is_rejected),
		cmocka_unit_test(test_indented_first_key_of_a_section_is_allowed),
		cmocka_unit_test(test_nul_byte_in_file_is_rejected),
		cmocka_unit_test(test_missing_file_is_an_input_error),
		cmocka_unit_test(test_directory_is_rejected),
		cmocka_unit_test(test_file_over_8_mib_is_rejected),
		cmocka_unit_test(test_many_keys_load_and_duplicates_are_found),
		cmocka_unit_test(test_random_input_never_crashes),
		cmocka_unit_test(test_getters_parse_each_type),
		cmocka_unit_test(test_getter_of_absent_key_returns_0_and_keeps_default),
		cmocka_unit_test(test_getter_error_names_file_line_section_and_key),
		cmocka_unit_test(test_every_typed_getter_reports_bad_values),
		cmocka_unit_test(test_bool_accepts_every_spelling_in_any_case),
		cmocka_unit_test(test_cfg_error_formats_with_and_without_key),
		cmocka_unit_test(test_find_matches_type_and_optional_name),
		cmocka_unit_test(test_check_unused_reports_first_unasked_key),
		cmocka_unit_test(test_check_unused_passes_when_every_key_was_asked_for),
		cmocka_unit_test(test_check_sections_reports_unknown_type_with_the_list),
		cmocka_unit_test(test_dir_of_and_path_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
