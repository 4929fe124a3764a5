/* Tests for the unit parser and formatters (sim/units.c).  Expected values
 * are worked by hand from the unit definitions: SI prefixes 10^3k, IEC
 * prefixes 2^10k, 1 byte = 8 bits, 1 min = 60 s, 1 h = 3600 s. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/units.h"

/* ---- helpers -------------------------------------------------------- */

static uint64_t time_ok(const char *s)
{
	struct err e = { 0 };
	uint64_t v = 0;
	int rc = unit_parse_time_ns(s, &v, &e);
	if (rc)
		fail_msg("unit_parse_time_ns(\"%s\") failed: %s", s, e.msg);
	return v;
}

static uint64_t bytes_ok(const char *s)
{
	struct err e = { 0 };
	uint64_t v = 0;
	if (unit_parse_bytes(s, &v, &e))
		fail_msg("unit_parse_bytes(\"%s\") failed: %s", s, e.msg);
	return v;
}

static double rate_ok(const char *s)
{
	struct err e = { 0 };
	double v = 0;
	if (unit_parse_rate_bps(s, &v, &e))
		fail_msg("unit_parse_rate_bps(\"%s\") failed: %s", s, e.msg);
	return v;
}

static double ops_ok(const char *s)
{
	struct err e = { 0 };
	double v = 0;
	if (unit_parse_ops(s, &v, &e))
		fail_msg("unit_parse_ops(\"%s\") failed: %s", s, e.msg);
	return v;
}

enum which { TIME, BYTES, RATE, OPS, DOUBLE, U64 };

/* Parses s as `w`, expects failure, that the output is untouched, that the
 * error is an input error and that its message holds every given piece. */
static void expect_error(enum which w, const char *s, const char *piece1, const char *piece2)
{
	struct err e = { 0 };
	uint64_t u = 42;
	double d = 42;
	int rc = -2;
	switch (w) {
	case TIME: rc = unit_parse_time_ns(s, &u, &e); break;
	case BYTES: rc = unit_parse_bytes(s, &u, &e); break;
	case RATE: rc = unit_parse_rate_bps(s, &d, &e); break;
	case OPS: rc = unit_parse_ops(s, &d, &e); break;
	case DOUBLE: rc = unit_parse_double(s, &d, &e); break;
	case U64: rc = unit_parse_u64(s, &u, &e); break;
	}
	if (rc != -1)
		fail_msg("\"%s\" was accepted (u=%llu d=%g)", s ? s : "(null)", (unsigned long long)u, d);
	assert_int_equal(e.code, ERR_INPUT);
	assert_int_equal(u, 42);
	assert_true(d == 42);
	if (piece1 && !strstr(e.msg, piece1))
		fail_msg("message for \"%s\" lacks \"%s\": %s", s, piece1, e.msg);
	if (piece2 && !strstr(e.msg, piece2))
		fail_msg("message for \"%s\" lacks \"%s\": %s", s, piece2, e.msg);
}

/* ---- time ----------------------------------------------------------- */

static void test_time_accepts_every_unit(void **state)
{
	(void)state;
	assert_int_equal(time_ok("250ns"), 250);
	assert_int_equal(time_ok("250us"), 250000);
	assert_int_equal(time_ok("250\xc2\xb5s"), 250000); /* micro sign */
	assert_int_equal(time_ok("250\xce\xbcs"), 250000); /* Greek mu */
	assert_int_equal(time_ok("3ms"), 3000000);
	assert_int_equal(time_ok("2s"), 2000000000);
	assert_int_equal(time_ok("10m"), 600000000000ULL);
	assert_int_equal(time_ok("10min"), 600000000000ULL);
	assert_int_equal(time_ok("2h"), 7200000000000ULL);
}

static void test_time_accepts_fractions_and_exponents(void **state)
{
	(void)state;
	assert_int_equal(time_ok("1.5s"), 1500000000);
	assert_int_equal(time_ok("0.1s"), 100000000);
	assert_int_equal(time_ok(".5ms"), 500000);
	assert_int_equal(time_ok("5.ms"), 5000000);
	assert_int_equal(time_ok("1e3ms"), 1000000000);
	assert_int_equal(time_ok("2.5e-3s"), 2500000);
	assert_int_equal(time_ok("1E+2us"), 100000);
}

static void test_time_allows_whitespace_around_number_and_unit(void **state)
{
	(void)state;
	assert_int_equal(time_ok("4 ms"), 4000000);
	assert_int_equal(time_ok("  4ms\t "), 4000000);
}

static void test_time_rounds_to_nearest_ns(void **state)
{
	(void)state;
	assert_int_equal(time_ok("0.4ns"), 0);
	assert_int_equal(time_ok("0.5ns"), 1);
	assert_int_equal(time_ok("2.5ns"), 3);
	assert_int_equal(time_ok("1.0000000004s"), 1000000000);
	assert_int_equal(time_ok("1e-400s"), 0); /* underflows to 0 */
}

static void test_time_rejects_bare_number(void **state)
{
	(void)state;
	expect_error(TIME, "5", "bad time \"5\"", "add one of ns, us, ms, s, min, h");
	expect_error(TIME, "0", "no unit", NULL);
}

static void test_time_rejects_unknown_unit(void **state)
{
	(void)state;
	expect_error(TIME, "5sec", "unknown unit \"sec\"", "(use ns, us, ms, s, min, h)");
	expect_error(TIME, "5MS", "unknown unit \"MS\"", NULL);
}

static void test_time_rejects_trailing_garbage(void **state)
{
	(void)state;
	expect_error(TIME, "5ms x", "unknown unit \"ms x\"", NULL);
	expect_error(TIME, "5ms5", "unknown unit \"ms5\"", NULL);
	expect_error(TIME, "5 5ms", "unknown unit \"5ms\"", NULL);
}

static void test_time_rejects_negative(void **state)
{
	(void)state;
	expect_error(TIME, "-5ms", "bad time \"-5ms\"", "negative");
	expect_error(TIME, " -0s", "negative", NULL);
}

static void test_time_rejects_nan_and_inf(void **state)
{
	(void)state;
	expect_error(TIME, "nan s", "NaN", NULL);
	expect_error(TIME, "inf s", "infinity", NULL);
	expect_error(TIME, "Infinity ms", "infinity", NULL);
}

static void test_time_rejects_empty_blank_and_null(void **state)
{
	(void)state;
	expect_error(TIME, "", "empty", "ns, us");
	expect_error(TIME, "  \t", "empty", NULL);
	expect_error(TIME, NULL, "no value", NULL);
}

static void test_time_rejects_non_decimal_number_syntax(void **state)
{
	(void)state;
	expect_error(TIME, "+5ms", "not a number", NULL);
	expect_error(TIME, ".ms", "not a number", NULL);
	expect_error(TIME, "ms", "not a number", NULL);
	expect_error(TIME, "0x10ms", "unknown unit \"x10ms\"", NULL);
}

static void test_time_accepts_largest_u64(void **state)
{
	(void)state;
	assert_true(time_ok("18446744073709551615ns") == UINT64_MAX);
	/* 2^64 ns = 18446744073.709551616 s; 18446744073 s fits. */
	assert_true(time_ok("18446744073s") == 18446744073000000000ULL);
	/* 5124095 h = 18446742000000000000 ns < 2^64 */
	assert_true(time_ok("5124095h") == 18446742000000000000ULL);
}

static void test_time_rejects_overflow(void **state)
{
	(void)state;
	expect_error(TIME, "18446744073709551616ns", "too large", NULL);
	expect_error(TIME, "18446744074s", "too large", NULL);
	expect_error(TIME, "5124096h", "too large", NULL); /* 1.84467456e19 */
	expect_error(TIME, "18446744074.5s", "too large", NULL);
	expect_error(TIME, "1e400s", "too large", NULL);
	expect_error(TIME, "99999999999999999999999ns", "too large", NULL);
}

/* ---- sizes ---------------------------------------------------------- */

static void test_bytes_accepts_decimal_units(void **state)
{
	(void)state;
	assert_int_equal(bytes_ok("7B"), 7);
	assert_int_equal(bytes_ok("4kB"), 4000);
	assert_int_equal(bytes_ok("4KB"), 4000);
	assert_int_equal(bytes_ok("4MB"), 4000000);
	assert_int_equal(bytes_ok("4GB"), 4000000000ULL);
	assert_int_equal(bytes_ok("4TB"), 4000000000000ULL);
	assert_int_equal(bytes_ok("4PB"), 4000000000000000ULL);
	assert_int_equal(bytes_ok("5EB"), 5000000000000000000ULL);
}

static void test_bytes_accepts_binary_units(void **state)
{
	(void)state;
	assert_int_equal(bytes_ok("4KiB"), 4096);
	assert_int_equal(bytes_ok("4MiB"), 4194304);
	assert_int_equal(bytes_ok("4GiB"), 4294967296ULL);
	assert_int_equal(bytes_ok("4TiB"), 4398046511104ULL);
	assert_int_equal(bytes_ok("4PiB"), 4503599627370496ULL);
	assert_int_equal(bytes_ok("15EiB"), 17293822569102704640ULL);
	assert_int_equal(bytes_ok("4 GiB"), 4294967296ULL);
}

static void test_bytes_bare_number_is_bytes(void **state)
{
	(void)state;
	assert_int_equal(bytes_ok("4096"), 4096);
	assert_int_equal(bytes_ok("0"), 0);
	assert_true(bytes_ok("18446744073709551615") == UINT64_MAX);
}

static void test_bytes_rounds_to_nearest_whole_byte(void **state)
{
	(void)state;
	assert_int_equal(bytes_ok("1.5MiB"), 1572864);
	assert_int_equal(bytes_ok("0.5B"), 1);
	assert_int_equal(bytes_ok("0.4B"), 0);
	assert_int_equal(bytes_ok("1.5B"), 2);
	assert_int_equal(bytes_ok("1.5"), 2);
}

static void test_bytes_rejects_ambiguous_prefix(void **state)
{
	(void)state;
	expect_error(BYTES, "4G", "ambiguous unit \"G\"", "GB (10^3 steps) or GiB (2^10 steps)");
	expect_error(BYTES, "4M", "MB", "MiB");
	expect_error(BYTES, "4k", "kB", "KiB");
}

static void test_bytes_rejects_iec_prefix_without_b(void **state)
{
	(void)state;
	expect_error(BYTES, "4Gi", "lacks the B", "GiB");
}

static void test_bytes_rejects_bits(void **state)
{
	(void)state;
	expect_error(BYTES, "4Gb", "is bits", "GB");
}

static void test_bytes_rejects_unknown_unit(void **state)
{
	(void)state;
	expect_error(BYTES, "4XB", "bad size \"4XB\": unknown unit \"XB\"",
		     "(use B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB, EiB)");
	expect_error(BYTES, "4b", "unknown unit \"b\"", NULL);
	expect_error(BYTES, "4kiB", "unknown unit \"kiB\"", NULL);
	expect_error(BYTES, "4GiB and more", "unknown unit", NULL);
}

static void test_bytes_rejects_overflow(void **state)
{
	(void)state;
	expect_error(BYTES, "16EiB", "too large", NULL);
	expect_error(BYTES, "18446744073709551616", "too large", NULL);
	expect_error(BYTES, "18.5EB", "too large", NULL);
	expect_error(BYTES, "1e20", "too large", NULL);
}

static void test_bytes_rejects_negative_nan_and_empty(void **state)
{
	(void)state;
	expect_error(BYTES, "-1B", "negative", NULL);
	expect_error(BYTES, "NaN", "NaN", NULL);
	expect_error(BYTES, "", "empty", NULL);
}

/* ---- rates ---------------------------------------------------------- */

static void test_rate_accepts_bytes_per_second(void **state)
{
	(void)state;
	assert_true(rate_ok("25GB/s") == 25e9);
	assert_true(rate_ok("2.5GiB/s") == 2684354560.0);
	assert_true(rate_ok("100B/s") == 100.0);
	assert_true(rate_ok("3 MB/s") == 3e6);
	assert_true(rate_ok("2GBps") == 2e9);
}

static void test_rate_accepts_bits_per_second(void **state)
{
	(void)state;
	assert_true(rate_ok("400Gb/s") == 50e9);
	assert_true(rate_ok("400Gbps") == 50e9);
	assert_true(rate_ok("10Mbit/s") == 1.25e6);
	assert_true(rate_ok("8b/s") == 1.0);
	assert_true(rate_ok("8bps") == 1.0);
}

static void test_rate_bare_number_is_bytes_per_second(void **state)
{
	(void)state;
	assert_true(rate_ok("1000") == 1000.0);
	assert_true(rate_ok("2.5e9") == 2.5e9);
}

static void test_rate_rejects_size_without_per_second(void **state)
{
	(void)state;
	expect_error(RATE, "25GB", "needs a time", "GB/s");
	expect_error(RATE, "25Gb", "needs a time", "Gb/s");
}

static void test_rate_rejects_ambiguous_prefix(void **state)
{
	(void)state;
	expect_error(RATE, "25G/s", "ambiguous unit \"G/s\"", "GB/s (bytes) or Gb/s (bits)");
}

static void test_rate_rejects_unknown_unit(void **state)
{
	(void)state;
	expect_error(RATE, "25XB/s", "bad rate \"25XB/s\": unknown unit \"XB/s\"", "Gbps");
	expect_error(RATE, "25 furlongs", "unknown unit", NULL);
	expect_error(RATE, "25/s", "unknown unit \"/s\"", NULL);
}

static void test_rate_rejects_overflow_negative_and_nan(void **state)
{
	(void)state;
	expect_error(RATE, "1e300EB/s", "too large", NULL);
	expect_error(RATE, "1e400", "too large", NULL);
	expect_error(RATE, "-1GB/s", "negative", NULL);
	expect_error(RATE, "inf", "infinity", NULL);
}

/* ---- ops ------------------------------------------------------------ */

static void test_ops_accepts_every_spelling(void **state)
{
	(void)state;
	assert_true(ops_ok("40k/s") == 40e3);
	assert_true(ops_ok("40K/s") == 40e3);
	assert_true(ops_ok("900/s") == 900.0);
	assert_true(ops_ok("1.2M/s") == 1.2e6);
	assert_true(ops_ok("2G/s") == 2e9);
	assert_true(ops_ok("40kops") == 40e3);
	assert_true(ops_ok("900ops") == 900.0);
	assert_true(ops_ok("100ops/s") == 100.0);
	assert_true(ops_ok("1op/s") == 1.0);
	assert_true(ops_ok("5kIOPS") == 5e3);
}

static void test_ops_bare_number_is_per_second(void **state)
{
	(void)state;
	assert_true(ops_ok("900") == 900.0);
}

static void test_ops_rejects_prefix_without_per_second(void **state)
{
	(void)state;
	expect_error(OPS, "40k", "needs a time", "k/s");
}

static void test_ops_rejects_unknown_unit(void **state)
{
	(void)state;
	expect_error(OPS, "40X/s", "bad ops rate \"40X/s\": unknown unit \"X/s\"", "k/s");
	expect_error(OPS, "40 widgets", "unknown unit \"widgets\"", NULL);
	expect_error(OPS, "-40/s", "negative", NULL);
}

/* ---- plain numbers -------------------------------------------------- */

static void test_double_parses_plain_numbers(void **state)
{
	(void)state;
	struct err e = { 0 };
	double v = -1;
	assert_int_equal(unit_parse_double("0.3", &v, &e), 0);
	assert_true(v == 0.3);
	assert_int_equal(unit_parse_double("1e-3", &v, &e), 0);
	assert_true(v == 1e-3);
	assert_int_equal(unit_parse_double(" 0 ", &v, &e), 0);
	assert_true(v == 0.0);
}

static void test_double_rejects_unit(void **state)
{
	(void)state;
	expect_error(DOUBLE, "0.3s", "unexpected \"s\"", "no unit");
}

static void test_double_rejects_negative_nan_inf_and_empty(void **state)
{
	(void)state;
	expect_error(DOUBLE, "-0.3", "negative", NULL);
	expect_error(DOUBLE, "nan", "NaN", NULL);
	expect_error(DOUBLE, "infinity", "infinity", NULL);
	expect_error(DOUBLE, "1e400", "too large", NULL);
	expect_error(DOUBLE, "", "empty", NULL);
	expect_error(DOUBLE, "abc", "not a number", NULL);
}

static void test_u64_parses_whole_numbers(void **state)
{
	(void)state;
	struct err e = { 0 };
	uint64_t v = 1;
	assert_int_equal(unit_parse_u64("0", &v, &e), 0);
	assert_int_equal(v, 0);
	assert_int_equal(unit_parse_u64("42", &v, &e), 0);
	assert_int_equal(v, 42);
	assert_int_equal(unit_parse_u64("18446744073709551615", &v, &e), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(unit_parse_u64("1e6", &v, &e), 0);
	assert_int_equal(v, 1000000);
}

static void test_u64_rejects_fraction(void **state)
{
	(void)state;
	expect_error(U64, "1.5", "not a whole number", NULL);
}

static void test_u64_rejects_overflow(void **state)
{
	(void)state;
	expect_error(U64, "18446744073709551616", "too large", NULL);
	expect_error(U64, "1e20", "too large", NULL);
}

static void test_u64_rejects_unit_and_negative(void **state)
{
	(void)state;
	expect_error(U64, "5ms", "unexpected \"ms\"", NULL);
	expect_error(U64, "-5", "negative", NULL);
}

/* ---- messages ------------------------------------------------------- */

static void test_error_escapes_unprintable_bytes(void **state)
{
	(void)state;
	expect_error(TIME, "5\x01ms", "\"5\\x01ms\"", NULL);
}

static void test_error_cuts_long_values(void **state)
{
	(void)state;
	char s[5000];
	memset(s, 'x', sizeof s - 1);
	s[0] = '5';
	s[sizeof s - 1] = '\0';
	struct err e = { 0 };
	uint64_t v;
	assert_int_equal(unit_parse_time_ns(s, &v, &e), -1);
	assert_non_null(strstr(e.msg, "...\""));
	assert_true(strlen(e.msg) < 400);
}

static void test_null_err_is_allowed(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(unit_parse_time_ns("junk", &v, NULL), -1);
	assert_int_equal(v, 7);
}

/* ---- formatting ----------------------------------------------------- */

static void test_fmt_time_picks_largest_fitting_unit(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(unit_fmt_time(b, sizeof b, 0), "0 ns");
	assert_string_equal(unit_fmt_time(b, sizeof b, 999), "999 ns");
	assert_string_equal(unit_fmt_time(b, sizeof b, 1500), "1.5 us");
	assert_string_equal(unit_fmt_time(b, sizeof b, 1250000), "1.25 ms");
	assert_string_equal(unit_fmt_time(b, sizeof b, 2.5e9), "2.5 s");
	assert_string_equal(unit_fmt_time(b, sizeof b, 90e9), "1.5 min");
	assert_string_equal(unit_fmt_time(b, sizeof b, 7200e9), "2 h");
}

static void test_fmt_time_moves_up_when_rounding_reaches_1000(void **state)
{
	(void)state;
	char b[32];
	/* 999.96 us has 4 significant digits "1000" -> shown as 1 ms. */
	assert_string_equal(unit_fmt_time(b, sizeof b, 999960), "1 ms");
	assert_string_equal(unit_fmt_time(b, sizeof b, 999940), "999.9 us");
}

static void test_fmt_bytes_uses_binary_units(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(unit_fmt_bytes(b, sizeof b, 1000), "1000 B");
	assert_string_equal(unit_fmt_bytes(b, sizeof b, 1536), "1.5 KiB");
	assert_string_equal(unit_fmt_bytes(b, sizeof b, 3.2 * 1073741824.0), "3.2 GiB");
}

static void test_fmt_rate_uses_decimal_units(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(unit_fmt_rate(b, sizeof b, 25e9), "25 GB/s");
	assert_string_equal(unit_fmt_rate(b, sizeof b, 999), "999 B/s");
	assert_string_equal(unit_fmt_rate(b, sizeof b, 1.5e6), "1.5 MB/s");
}

static void test_fmt_handles_negative_nan_and_inf(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(unit_fmt_time(b, sizeof b, -1.5e6), "-1.5 ms");
	assert_string_equal(unit_fmt_time(b, sizeof b, NAN), "nan");
	assert_string_equal(unit_fmt_time(b, sizeof b, INFINITY), "inf ns");
}

static void test_fmt_truncates_to_buffer(void **state)
{
	(void)state;
	char b[4];
	assert_string_equal(unit_fmt_time(b, sizeof b, 1250000), "1.2");
	assert_ptr_equal(unit_fmt_time(b, 0, 1), b);
}

static void test_fmt_output_parses_back(void **state)
{
	(void)state;
	char b[32];
	/* "3.2 GiB" = 3.2 * 2^30 = 3435973836.8 -> 3435973837 bytes */
	assert_int_equal(bytes_ok(unit_fmt_bytes(b, sizeof b, 3.2 * 1073741824.0)), 3435973837ULL);
	assert_int_equal(time_ok(unit_fmt_time(b, sizeof b, 1250000)), 1250000);
	assert_true(rate_ok(unit_fmt_rate(b, sizeof b, 25e9)) == 25e9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_accepts_every_unit),
		cmocka_unit_test(test_time_accepts_fractions_and_exponents),
		cmocka_unit_test(test_time_allows_whitespace_around_number_and_unit),
		cmocka_unit_test(test_time_rounds_to_nearest_ns),
		cmocka_unit_test(test_time_rejects_bare_number),
		cmocka_unit_test(test_time_rejects_unknown_unit),
		cmocka_unit_test(test_time_rejects_trailing_garbage),
		cmocka_unit_test(test_time_rejects_negative),
		cmocka_unit_test(test_time_rejects_nan_and_inf),
		cmocka_unit_test(test_time_rejects_empty_blank_and_null),
		cmocka_unit_test(test_time_rejects_non_decimal_number_syntax),
		cmocka_unit_test(test_time_accepts_largest_u64),
		cmocka_unit_test(test_time_rejects_overflow),
		cmocka_unit_test(test_bytes_accepts_decimal_units),
		cmocka_unit_test(test_bytes_accepts_binary_units),
		cmocka_unit_test(test_bytes_bare_number_is_bytes),
		cmocka_unit_test(test_bytes_rounds_to_nearest_whole_byte),
		cmocka_unit_test(test_bytes_rejects_ambiguous_prefix),
		cmocka_unit_test(test_bytes_rejects_iec_prefix_without_b),
		cmocka_unit_test(test_bytes_rejects_bits),
		cmocka_unit_test(test_bytes_rejects_unknown_unit),
		cmocka_unit_test(test_bytes_rejects_overflow),
		cmocka_unit_test(test_bytes_rejects_negative_nan_and_empty),
		cmocka_unit_test(test_rate_accepts_bytes_per_second),
		cmocka_unit_test(test_rate_accepts_bits_per_second),
		cmocka_unit_test(test_rate_bare_number_is_bytes_per_second),
		cmocka_unit_test(test_rate_rejects_size_without_per_second),
		cmocka_unit_test(test_rate_rejects_ambiguous_prefix),
		cmocka_unit_test(test_rate_rejects_unknown_unit),
		cmocka_unit_test(test_rate_rejects_overflow_negative_and_nan),
		cmocka_unit_test(test_ops_accepts_every_spelling),
		cmocka_unit_test(test_ops_bare_number_is_per_second),
		cmocka_unit_test(test_ops_rejects_prefix_without_per_second),
		cmocka_unit_test(test_ops_rejects_unknown_unit),
		cmocka_unit_test(test_double_parses_plain_numbers),
		cmocka_unit_test(test_double_rejects_unit),
		cmocka_unit_test(test_double_rejects_negative_nan_inf_and_empty),
		cmocka_unit_test(test_u64_parses_whole_numbers),
		cmocka_unit_test(test_u64_rejects_fraction),
		cmocka_unit_test(test_u64_rejects_overflow),
		cmocka_unit_test(test_u64_rejects_unit_and_negative),
		cmocka_unit_test(test_error_escapes_unprintable_bytes),
		cmocka_unit_test(test_error_cuts_long_values),
		cmocka_unit_test(test_null_err_is_allowed),
		cmocka_unit_test(test_fmt_time_picks_largest_fitting_unit),
		cmocka_unit_test(test_fmt_time_moves_up_when_rounding_reaches_1000),
		cmocka_unit_test(test_fmt_bytes_uses_binary_units),
		cmocka_unit_test(test_fmt_rate_uses_decimal_units),
		cmocka_unit_test(test_fmt_handles_negative_nan_and_inf),
		cmocka_unit_test(test_fmt_truncates_to_buffer),
		cmocka_unit_test(test_fmt_output_parses_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
