/*
 * fuzz_units — sim/units.c, the parser of every size, time, rate and count
 * in presets, scenarios and flags.  The first byte picks the parser; the
 * rest is the value.  Checked: a refusal leaves an error message that
 * quotes the value; an accepted rate or count is finite and not negative.
 */
#include <math.h>
#include <stdlib.h>

#include "sim/units.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *s = fuzz_cstr(data + 1, size - 1);
	if (!s)
		return 0;
	struct err e = { 0 };
	uint64_t u = 0;
	double d = 0;
	int rc;
	switch (data[0] % 6) {
	case 0: rc = unit_parse_time_ns(s, &u, &e); break;
	case 1: rc = unit_parse_bytes(s, &u, &e); break;
	case 2: rc = unit_parse_rate_bps(s, &d, &e); break;
	case 3: rc = unit_parse_ops(s, &d, &e); break;
	case 4: rc = unit_parse_double(s, &d, &e); break;
	default: rc = unit_parse_u64(s, &u, &e); break;
	}
	if (rc < 0)
		FUZZ_CHECK(e.code == ERR_INPUT && e.msg[0] != '\0');
	else
		FUZZ_CHECK(isfinite(d) && d >= 0);
	/* The quoting and the formatting that errors and reports use. */
	char q[80], f[64];
	unit_quote(q, sizeof q, s);
	unit_fmt_time(f, sizeof f, d);
	unit_fmt_bytes(f, sizeof f, (double)u);
	unit_fmt_rate(f, sizeof f, d);
	free(s);
	return 0;
}
