/*
 * fuzz_dist — sim/dist.c, the distributions scenarios name ("exp(1ms)",
 * "lognormal(20ms, 1)", "empirical(4KiB:3, 1MiB:1)"), and traces/zipf.c,
 * the Zipf sampler whose parameters come from flags.  The first byte picks
 * the field's unit (time, bytes, plain) or the Zipf sampler; the rest is
 * the spec, or for Zipf n (8 bytes) and alpha (8 bytes, a raw double).
 *
 * Checked, for a spec: a refusal leaves ERR_INPUT and a message that
 * quotes the spec ("bad distribution \"...\": ...") and a zeroed dist; an
 * accepted one has a mean and a second moment that are >= 0 (+inf where
 * they do not exist), samples that are >= 0 and not NaN, a copy
 * that samples alike, and a canonical text (dist_str) that parses back, as
 * plain numbers, to the same distribution.  GSL's error handler is left
 * on (it aborts), since dist_parse must refuse what GSL would.  For Zipf:
 * a refusal for n = 0 or a bad alpha, else ranks in 1..n.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dist.h"
#include "sim/rng.h"
#include "traces/zipf.h"
#include "tests/fuzz/fuzz.h"

static void check_zeroed(const struct dist *d)
{
	static const struct dist zero;
	FUZZ_CHECK(memcmp(d, &zero, sizeof zero) == 0);
}

static int near(double a, double b)
{
	if (a == b)
		return 1;
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

static void check_same(const struct dist *a, const struct dist *b)
{
	FUZZ_CHECK(a->kind == b->kind);
	if (a->kind != DIST_EMPIRICAL) {
		FUZZ_CHECK(a->a == b->a && a->b == b->b);
		return;
	}
	FUZZ_CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++)
		FUZZ_CHECK(a->values[i] == b->values[i] && near(a->values[a->n + i], b->values[b->n + i]));
}

static void check_samples(const struct dist *d, const struct dist *copy)
{
	gsl_rng *r1 = rng_stream_new(1, "fuzz"), *r2 = rng_stream_new(1, "fuzz");
	if (!r1 || !r2)
		goto out;
	for (int i = 0; i < 16; i++) {
		double v = dist_sample(d, r1), w = dist_sample(copy, r2);
		FUZZ_CHECK(!isnan(v) && v >= 0); /* +inf: a heavy tail's far end */
		FUZZ_CHECK(v == w);
		(void)dist_sample_round(d, r1);
		(void)dist_sample_round(copy, r2);
	}
out:
	if (r1)
		gsl_rng_free(r1);
	if (r2)
		gsl_rng_free(r2);
}

static void fuzz_spec(const char *spec, enum dist_unit unit)
{
	struct dist d;
	struct err e = { 0 };
	memset(&d, 0xa5, sizeof d); /* dist_parse overwrites it */
	if (dist_parse(&d, spec, unit, &e) < 0) {
		check_zeroed(&d);
		FUZZ_CHECK(e.code == ERR_INPUT || e.code == ERR_FAIL);
		if (e.code == ERR_INPUT)
			FUZZ_CHECK(strncmp(e.msg, "bad distribution \"", 18) == 0);
		return;
	}
	double m = dist_mean(&d), m2 = dist_m2(&d);
	FUZZ_CHECK(!isnan(m) && m >= 0);
	FUZZ_CHECK(!isnan(m2) && m2 >= 0);
	if (d.kind == DIST_EMPIRICAL) {
		double sum = 0;
		for (size_t i = 0; i < d.n; i++) {
			FUZZ_CHECK(isfinite(d.values[i]) && d.values[i] >= 0);
			FUZZ_CHECK(d.values[d.n + i] >= 0 && d.values[d.n + i] <= 1);
			sum += d.values[d.n + i];
		}
		FUZZ_CHECK(near(sum, 1) || fabs(sum - 1) < 1e-6);
	}

	struct dist c;
	if (dist_copy(&c, &d, &e) == 0) {
		check_same(&d, &c);
		check_samples(&d, &c);
		dist_free(&c);
	}

	/* The canonical text reads back, in plain numbers (ns, bytes). */
	char buf[4096];
	dist_str(&d, buf, sizeof buf);
	if (strlen(buf) + 1 < sizeof buf) {
		struct dist back;
		struct err e2 = { 0 };
		int rc = dist_parse(&back, buf, DIST_PLAIN, &e2);
		FUZZ_CHECK(rc == 0 || e2.code == ERR_FAIL);
		if (rc == 0) {
			check_same(&d, &back);
			dist_free(&back);
		}
	}
	char small[8];
	dist_str(&d, small, sizeof small); /* cut, never past the buffer */
	FUZZ_CHECK(strlen(small) < sizeof small);
	dist_free(&d);
	check_zeroed(&d);
}

static void fuzz_zipf(const uint8_t *data, size_t size)
{
	uint64_t n = 0;
	double alpha = 0;
	uint8_t b[16] = { 0 };
	memcpy(b, data, size < sizeof b ? size : sizeof b);
	memcpy(&n, b, sizeof n);
	memcpy(&alpha, b + 8, sizeof alpha);
	struct zipf z;
	struct err e = { 0 };
	if (zipf_init(&z, n, alpha, &e) < 0) {
		FUZZ_CHECK(e.code == ERR_INPUT && e.msg[0]);
		FUZZ_CHECK(n == 0 || !(alpha >= 0) || !isfinite(alpha));
		return;
	}
	gsl_rng *r = rng_stream_new(1, "fuzz");
	if (!r)
		return;
	for (int i = 0; i < 16; i++) {
		uint64_t k = zipf_draw(&z, r);
		FUZZ_CHECK(k >= 1 && k <= n);
	}
	gsl_rng_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % 4;
	if (mode == 3) {
		fuzz_zipf(data + 1, size - 1);
		return 0;
	}
	char *spec = fuzz_cstr(data + 1, size - 1);
	if (!spec)
		return 0;
	fuzz_spec(spec, mode == 0 ? DIST_TIME : mode == 1 ? DIST_BYTES : DIST_PLAIN);
	free(spec);
	return 0;
}
