/* Tests for text, csv and json tables (sim/table.c).  Expected outputs are
 * written out by hand from the format rules in table.h and table.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "sim/table.h"

/* Renders t in format f into a string (caller frees). */
static char *render(const struct tbl *t, enum tbl_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(tbl_print(t, f, out), 0);
	fclose(out);
	return buf;
}

static void expect(const struct tbl *t, enum tbl_format f, const char *want)
{
	char *got = render(t, f);
	assert_string_equal(got, want);
	free(got);
}

/* name | mean wait (ms) | count, two rows; the second has a comma and
 * quotes in its name and an empty mean. */
static struct tbl *small_table(void)
{
	struct tbl *t = tbl_new("Stations");
	assert_non_null(t);
	int name = tbl_col(t, "name", "name", "");
	int wait = tbl_col(t, "mean_wait_ms", "mean wait", "ms");
	int count = tbl_col(t, "count", "count", "");
	assert_int_equal(name, 0);
	assert_int_equal(wait, 1);
	assert_int_equal(count, 2);
	assert_int_equal(tbl_row(t), 0);
	assert_int_equal(tbl_str(t, name, "cpu"), 0);
	assert_int_equal(tbl_num(t, wait, "%.3f", 1.25), 0);
	assert_int_equal(tbl_int(t, count, 10), 0);
	assert_int_equal(tbl_row(t), 0);
	assert_int_equal(tbl_str(t, name, "disk, \"fast\""), 0);
	assert_int_equal(tbl_int(t, count, 200), 0);
	return t;
}

static void test_text_aligns_columns_and_puts_units_in_headers(void **state)
{
	(void)state;
	struct tbl *t = small_table();
	/* Widths: name 12 (disk, "fast"), mean wait (ms) 14, count 5; two
	 * spaces between columns; numbers and numeric headers right-aligned;
	 * no trailing spaces. */
	expect(t, TBL_TEXT,
	       "Stations\n"
	       "name          mean wait (ms)  count\n"
	       "------------  --------------  -----\n"
	       "cpu                    1.250     10\n"
	       "disk, \"fast\"                    200\n");
	tbl_free(t);
}

static void test_csv_has_key_header_and_rfc4180_quoting(void **state)
{
	(void)state;
	struct tbl *t = small_table();
	expect(t, TBL_CSV,
	       "name,mean_wait_ms,count\n"
	       "cpu,1.250,10\n"
	       "\"disk, \"\"fast\"\"\",,200\n");
	tbl_free(t);
}

static void test_json_is_array_of_objects_with_null_for_empty(void **state)
{
	(void)state;
	struct tbl *t = small_table();
	expect(t, TBL_JSON,
	       "[\n"
	       "  {\"name\": \"cpu\", \"mean_wait_ms\": 1.250, \"count\": 10},\n"
	       "  {\"name\": \"disk, \\\"fast\\\"\", \"mean_wait_ms\": null, \"count\": 200}\n"
	       "]\n");
	tbl_free(t);
}

static void test_csv_quotes_commas_quotes_and_line_breaks(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	const char *cells[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""};
	for (int i = 0; i < 6; i++) {
		char key[16];
		snprintf(key, sizeof key, "c%d", i);
		tbl_col(t, key, key, "");
	}
	tbl_row(t);
	for (int i = 0; i < 6; i++)
		tbl_str(t, i, cells[i]);
	expect(t, TBL_CSV,
	       "c0,c1,c2,c3,c4,c5\n"
	       "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\n");
	tbl_free(t);
}

static void test_json_escapes_strings(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "k\"ey", "k", "");
	tbl_row(t);
	/* quote, backslash, tab, newline, U+0001, é (UTF-8 kept), and a
	 * stray 0xFF byte (not UTF-8: replaced by U+FFFD). */
	tbl_str(t, 0, "q\"b\\t\tn\nc\x01" "\xc3\xa9" "\xff");
	expect(t, TBL_JSON,
	       "[\n"
	       "  {\"k\\\"ey\": \"q\\\"b\\\\t\\tn\\nc\\u0001\xc3\xa9\\ufffd\"}\n"
	       "]\n");
	tbl_free(t);
}

static void test_json_numbers_are_bare_and_non_finite_are_null(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "a", "a", "");
	tbl_col(t, "b", "b", "");
	tbl_col(t, "c", "c", "");
	tbl_col(t, "d", "d", "");
	tbl_row(t);
	tbl_num(t, 0, "%g", 1e6);      /* "1e+06" is a JSON number */
	tbl_num(t, 1, "%+.2f", 0.4624); /* "+0.46" is not: written as 0.46, the digits shown */
	tbl_num(t, 2, "%.3f", NAN);     /* unknown */
	tbl_int(t, 3, UINT64_MAX); /* counts and sizes are unsigned: 2^64 - 1, not -1 */
	expect(t, TBL_JSON,
	       "[\n"
	       "  {\"a\": 1e+06, \"b\": 0.46, \"c\": null, \"d\": 18446744073709551615}\n"
	       "]\n");
	tbl_free(t);
}

/* NaN is unknown: blank in text and csv, never "nan". */
static void test_nan_is_an_empty_cell(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "a", "a", "");
	tbl_col(t, "b", "b", "");
	tbl_row(t);
	tbl_num(t, 0, "%.6f", NAN);
	tbl_num(t, 1, "%.1f", 2.5);
	expect(t, TBL_CSV, "a,b\n,2.5\n");
	tbl_free(t);
}

static void test_numbers_have_no_thousands_separators(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "n", "n", "");
	tbl_col(t, "x", "x", "");
	tbl_row(t);
	tbl_int(t, 0, 1234567);
	tbl_num(t, 1, "%.1f", 9876543.21);
	expect(t, TBL_CSV, "n,x\n1234567,9876543.2\n");
	tbl_free(t);
}

static void test_text_counts_utf8_characters_not_bytes(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "wait_us", "wait", "\xc2\xb5s"); /* µs */
	tbl_row(t);
	tbl_int(t, 0, 12345678901LL);
	/* "wait (µs)" is 9 characters (10 bytes); the column is 11 wide. */
	expect(t, TBL_TEXT,
	       "  wait (\xc2\xb5s)\n"
	       "-----------\n"
	       "12345678901\n");
	tbl_free(t);
}

static void test_text_left_aligns_string_columns(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "tier", "tier", "");
	tbl_col(t, "hits", "hits", "");
	tbl_row(t);
	tbl_str(t, 0, "hot");
	tbl_int(t, 1, 7);
	tbl_row(t);
	tbl_str(t, 0, "cold");
	tbl_int(t, 1, 12);
	expect(t, TBL_TEXT,
	       "tier  hits\n"
	       "----  ----\n"
	       "hot      7\n"
	       "cold    12\n");
	tbl_free(t);
}

static void test_table_without_rows_prints_header_only(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "a_ms", "a", "ms");
	tbl_col(t, "b", "b", "");
	expect(t, TBL_TEXT, "a (ms)  b\n------  -\n");
	expect(t, TBL_CSV, "a_ms,b\n");
	expect(t, TBL_JSON, "[]\n");
	tbl_free(t);
}

static void test_cell_before_any_row_is_malformed(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "a", "a", "");
	assert_int_equal(tbl_str(t, 0, "x"), -1);
	assert_int_equal(tbl_print(t, TBL_CSV, stdout), -1);
	tbl_free(t);
}

static void test_column_out_of_range_is_malformed(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "a", "a", "");
	tbl_row(t);
	assert_int_equal(tbl_int(t, 1, 5), -1);
	assert_int_equal(tbl_int(t, -1, 5), -1);
	assert_int_equal(tbl_print(t, TBL_TEXT, stdout), -1);
	tbl_free(t);
}

static void test_repeated_key_is_malformed(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	assert_int_equal(tbl_col(t, "a", "a", ""), 0);
	assert_int_equal(tbl_col(t, "a", "other", ""), -1);
	assert_int_equal(tbl_print(t, TBL_JSON, stdout), -1);
	tbl_free(t);
}

static void test_column_after_first_row_is_malformed(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "a", "a", "");
	tbl_row(t);
	assert_int_equal(tbl_col(t, "b", "b", ""), -1);
	tbl_free(t);
}

static void test_number_format_must_be_one_float_conversion(void **state)
{
	(void)state;
	struct tbl *t = tbl_new(NULL);
	tbl_col(t, "a", "a", "");
	tbl_row(t);
	assert_int_equal(tbl_num(t, 0, "%d", 1.0), -1);
	assert_int_equal(tbl_num(t, 0, "%s", 1.0), -1);
	assert_int_equal(tbl_num(t, 0, "%f %f", 1.0), -1);
	assert_int_equal(tbl_num(t, 0, "%*f", 1.0), -1);
	assert_int_equal(tbl_num(t, 0, "%lf", 1.0), -1);
	tbl_free(t);

	t = tbl_new(NULL);
	tbl_col(t, "a", "a", "");
	tbl_row(t);
	assert_int_equal(tbl_num(t, 0, "%.2f%%", 12.5), 0);
	expect(t, TBL_CSV, "a\n12.50%\n");
	tbl_free(t);
}

static void test_print_reports_write_errors(void **state)
{
	(void)state;
	char path[] = "/tmp/tiersim-test-table-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *ro = fdopen(fd, "r"); /* writes to it fail */
	assert_non_null(ro);
	struct tbl *t = small_table();
	assert_int_equal(tbl_print(t, TBL_CSV, ro), -1);
	tbl_free(t);
	fclose(ro);
	remove(path);
}

static void test_parse_format_knows_text_csv_json(void **state)
{
	(void)state;
	enum tbl_format f = TBL_TEXT;
	assert_int_equal(tbl_parse_format("csv", &f), 0);
	assert_int_equal(f, TBL_CSV);
	assert_int_equal(tbl_parse_format("json", &f), 0);
	assert_int_equal(f, TBL_JSON);
	assert_int_equal(tbl_parse_format("text", &f), 0);
	assert_int_equal(f, TBL_TEXT);
	assert_int_equal(tbl_parse_format("yaml", &f), -1);
	assert_int_equal(tbl_parse_format("", &f), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_aligns_columns_and_puts_units_in_headers),
		cmocka_unit_test(test_csv_has_key_header_and_rfc4180_quoting),
		cmocka_unit_test(test_json_is_array_of_objects_with_null_for_empty),
		cmocka_unit_test(test_csv_quotes_commas_quotes_and_line_breaks),
		cmocka_unit_test(test_json_escapes_strings),
		cmocka_unit_test(test_json_numbers_are_bare_and_non_finite_are_null),
		cmocka_unit_test(test_nan_is_an_empty_cell),
		cmocka_unit_test(test_numbers_have_no_thousands_separators),
		cmocka_unit_test(test_text_counts_utf8_characters_not_bytes),
		cmocka_unit_test(test_text_left_aligns_string_columns),
		cmocka_unit_test(test_table_without_rows_prints_header_only),
		cmocka_unit_test(test_cell_before_any_row_is_malformed),
		cmocka_unit_test(test_column_out_of_range_is_malformed),
		cmocka_unit_test(test_repeated_key_is_malformed),
		cmocka_unit_test(test_column_after_first_row_is_malformed),
		cmocka_unit_test(test_number_format_must_be_one_float_conversion),
		cmocka_unit_test(test_print_reports_write_errors),
		cmocka_unit_test(test_parse_format_knows_text_csv_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
