/*
 * fuzz_cli_dbspec — the DB[:RUN] argument of `tiersim validate hardware
 * --measured` (sim/results.c, db_spec_parse).  The first byte sizes the
 * path buffer; the rest is the argument.  Checked: an accepted argument is
 * the file name, then, if a run was given, ':' and its decimal digits
 * (1 to INT64_MAX, leading zeros allowed); the file name is non-empty and
 * fits the buffer; a refusal leaves a message.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/results.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = (size_t)data[0] + 1;
	char *spec = fuzz_cstr(data + 1, size - 1);
	if (!spec)
		return 0;
	char path[257];
	memset(path, 'Z', sizeof path);
	int64_t run = -1;
	struct err e = { 0 };
	if (db_spec_parse(spec, path, cap, &run, &e) < 0) {
		FUZZ_CHECK(e.code == ERR_INPUT && e.msg[0]);
		free(spec);
		return 0;
	}
	size_t n = strnlen(path, cap);
	FUZZ_CHECK(n > 0 && n < cap && strncmp(spec, path, n) == 0);
	if (run == 0) {
		FUZZ_CHECK(spec[n] == '\0');
	} else {
		FUZZ_CHECK(run > 0 && spec[n] == ':');
		const char *d = spec + n + 1;
		FUZZ_CHECK(*d && strspn(d, "0123456789") == strlen(d));
		d += strspn(d, "0") < strlen(d) ? strspn(d, "0") : strlen(d) - 1;
		char again[32];
		snprintf(again, sizeof again, "%" PRId64, run);
		FUZZ_CHECK(strcmp(d, again) == 0);
	}
	free(spec);
	return 0;
}
