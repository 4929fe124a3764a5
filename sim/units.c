/*
 * units — the parser and formatter of human units (see units.h for the
 * accepted spellings).
 *
 * Grammar of every value:  [ws] NUMBER [ws] [UNIT] [ws]
 *   NUMBER = DIGITS [ "." DIGITS ] [ ("e"|"E") ["+"|"-"] DIGITS ]
 *            (at least one digit; no sign, no hex, no "inf"/"nan")
 * The NUMBER is scanned here first and only then handed to strtod, so
 * strtod's extra syntax (hex floats, "infinity", leading "+") never gets
 * in.  A NUMBER of digits alone is parsed exactly with strtoull, so every
 * uint64_t is reachable ("18446744073709551615" bytes); other NUMBERs go
 * through a double, are multiplied by the unit and rounded to the nearest
 * integer (half away from zero) for the integer kinds: "0.5B" is 1 byte,
 * "0.4ns" is 0 ns.  A result >= 2^64 is an overflow error.
 *
 * Locale: strtod reads the decimal point of LC_NUMERIC.  tiersim never
 * calls setlocale(), so that is "C"; should someone change it, the scanned
 * and the strtod-parsed lengths disagree and the value is rejected rather
 * than misread.
 *
 * Multipliers: SI prefixes are powers of 10^3, IEC prefixes (Ki, Mi, ...)
 * powers of 2^10 (IEC 80000-13); a bit is 1/8 byte; m|min = 60 s,
 * h = 3600 s.
 *
 * Hand-written rather than a library: no Debian C library parses these
 * unit strings with the error messages we need.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TWO_POW_64 18446744073709551616.0

/* What a parsed value is called in messages, and which units it takes. */
struct kind {
	const char *what; /* "time", "size", ... */
	const char *use;  /* "ns, us, ms, s, min, h" */
};

static const struct kind K_TIME = { "time", "ns, us, ms, s, min, h" };
static const struct kind K_SIZE = { "size", "B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB, EiB" };
static const struct kind K_RATE = {
	"rate", "bytes/s: B/s, kB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, TiB/s; "
		"bits/s: kb/s, Mb/s, Gb/s, Tb/s, Gbps, Gbit/s"
};
static const struct kind K_OPS = { "ops rate", "/s, k/s, M/s, G/s, ops, kops, Mops, ops/s, IOPS" };
static const struct kind K_NUM = { "number", "no unit" };
static const struct kind K_U64 = { "count", "no unit" };

/* Copies s into dst for a message: at most 60 bytes, non-printable bytes
 * escaped as \xNN, "..." when cut.  Fuzzed input must not garble the
 * message or overrun it. */
static char *quote(char *dst, size_t n, const char *s, size_t len)
{
	size_t o = 0;
	size_t i;
	for (i = 0; i < len && s[i] && o + 8 < n && i < 60; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (isprint(c)) {
			dst[o++] = (char)c;
		} else {
			o += (size_t)snprintf(dst + o, n - o, "\\x%02x", c);
		}
	}
	if (i < len && s[i] && o + 4 <= n) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

char *unit_quote(char *dst, size_t n, const char *s)
{
	if (!dst || n == 0)
		return dst;
	return quote(dst, n, s ? s : "", s ? strlen(s) : 0);
}

/* Fills e with: bad KIND "VALUE": REASON. */
static int bad(struct err *e, const struct kind *k, const char *s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(struct err *e, const struct kind *k, const char *s, const char *fmt, ...)
{
	char q[256], why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	quote(q, sizeof q, s ? s : "", s ? strlen(s) : 0);
	return err_set(e, ERR_INPUT, "bad %s \"%s\": %s", k->what, q, why);
}

/* A scanned value: the number and the unit text that follows it. */
struct num {
	double v;          /* the number as a double (always set) */
	uint64_t u;        /* exact value when is_int */
	int is_int;        /* the NUMBER was digits only */
	const char *unit;  /* unit text, whitespace trimmed on both sides */
	size_t unit_len;   /* 0: bare number */
};

static int num_scan(const char *s, const struct kind *k, struct num *n, struct err *e)
{
	if (!s)
		return bad(e, k, s, "no value given (use %s)", k->use);
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return bad(e, k, s, "empty value (use %s)", k->use);
	if (*p == '-')
		return bad(e, k, s, "negative values are not allowed");
	if (!strncasecmp(p, "nan", 3) || !strncasecmp(p, "inf", 3))
		return bad(e, k, s, "NaN and infinity are not allowed");

	const char *q = p;
	int digits = 0, is_int = 1;
	while (isdigit((unsigned char)*q)) {
		q++;
		digits++;
	}
	if (*q == '.') {
		is_int = 0;
		q++;
		while (isdigit((unsigned char)*q)) {
			q++;
			digits++;
		}
	}
	if (!digits)
		return bad(e, k, s, "not a number (use a decimal number and %s)", k->use);
	if (*q == 'e' || *q == 'E') {
		const char *x = q + 1;
		if (*x == '+' || *x == '-')
			x++;
		if (isdigit((unsigned char)*x)) {
			while (isdigit((unsigned char)*x))
				x++;
			q = x;
			is_int = 0;
		}
		/* else: "5EB" is 5 exabytes, the 'E' belongs to the unit */
	}

	n->is_int = is_int;
	if (is_int) {
		char *end;
		errno = 0;
		unsigned long long u = strtoull(p, &end, 10);
		if (end != q)
			return bad(e, k, s, "not a number");
		if (errno == ERANGE)
			return bad(e, k, s, "too large (the limit is 2^64-1)");
		n->u = (uint64_t)u;
		n->v = (double)u;
	} else {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end != q)
			return bad(e, k, s, "cannot read the number (is LC_NUMERIC not \"C\"?)");
		if (isinf(v))
			return bad(e, k, s, "too large");
		/* ERANGE with a finite result is underflow: the value is ~0. */
		n->v = v;
		n->u = 0;
	}

	while (isspace((unsigned char)*q))
		q++;
	const char *end = q + strlen(q);
	while (end > q && isspace((unsigned char)end[-1]))
		end--;
	n->unit = q;
	n->unit_len = (size_t)(end - q);
	return 0;
}

/* Does the unit text equal the literal? */
static int unit_is(const struct num *n, const char *lit)
{
	return strlen(lit) == n->unit_len && !memcmp(n->unit, lit, n->unit_len);
}

/* value * mult rounded to a uint64_t, exactly for integer NUMBERs. */
static int scale_u64(const struct num *n, uint64_t mult, uint64_t *out, const struct kind *k,
		     const char *s, struct err *e)
{
	if (n->is_int) {
		if (mult && n->u > UINT64_MAX / mult)
			return bad(e, k, s, "too large (the limit is 2^64-1 %s)",
				   k == &K_TIME ? "ns" : "bytes");
		*out = n->u * mult;
		return 0;
	}
	double x = round(n->v * (double)mult);
	if (!(x < TWO_POW_64))
		return bad(e, k, s, "too large (the limit is 2^64-1 %s)", k == &K_TIME ? "ns" : "bytes");
	*out = (uint64_t)x;
	return 0;
}

static int unit_text_error(struct err *e, const struct kind *k, const char *s, const struct num *n)
{
	char q[256];
	quote(q, sizeof q, n->unit, n->unit_len);
	return bad(e, k, s, "unknown unit \"%s\" (use %s)", q, k->use);
}

/* ---- time ---------------------------------------------------------- */

struct mult {
	const char *unit;
	uint64_t mult;
};

static const struct mult TIME_UNITS[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 }, /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 1000 }, /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", 1000000 },
	{ "s", 1000000000 },
	{ "m", 60000000000ULL },
	{ "min", 60000000000ULL },
	{ "h", 3600000000000ULL },
};

int unit_parse_time_ns(const char *s, uint64_t *out_ns, struct err *e)
{
	struct num n = { 0 };
	if (num_scan(s, &K_TIME, &n, e))
		return -1;
	if (!n.unit_len)
		return bad(e, &K_TIME, s, "no unit (is it s or ns?); add one of %s", K_TIME.use);
	for (size_t i = 0; i < sizeof TIME_UNITS / sizeof TIME_UNITS[0]; i++)
		if (unit_is(&n, TIME_UNITS[i].unit))
			return scale_u64(&n, TIME_UNITS[i].mult, out_ns, &K_TIME, s, e);
	return unit_text_error(e, &K_TIME, s, &n);
}

/* ---- sizes ---------------------------------------------------------- */

/* A prefix and its multiplier; "" is 1. */
struct prefix {
	const char *p;
	double mult;
};

static const struct prefix PREFIXES[] = {
	{ "", 1.0 },
	{ "k", 1e3 }, { "K", 1e3 }, { "M", 1e6 }, { "G", 1e9 },
	{ "T", 1e12 }, { "P", 1e15 }, { "E", 1e18 },
	{ "Ki", 0x1p10 }, { "Mi", 0x1p20 }, { "Gi", 0x1p30 },
	{ "Ti", 0x1p40 }, { "Pi", 0x1p50 }, { "Ei", 0x1p60 },
};

/* Multiplier of the prefix text [p, p+len), 0 if unknown. */
static double prefix_mult(const char *p, size_t len)
{
	for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; i++)
		if (strlen(PREFIXES[i].p) == len && !memcmp(PREFIXES[i].p, p, len))
			return PREFIXES[i].mult;
	return 0;
}

int unit_parse_bytes(const char *s, uint64_t *out_bytes, struct err *e)
{
	struct num n = { 0 };
	if (num_scan(s, &K_SIZE, &n, e))
		return -1;
	if (!n.unit_len)
		return scale_u64(&n, 1, out_bytes, &K_SIZE, s, e);
	const char *u = n.unit;
	size_t len = n.unit_len;
	char last = u[len - 1];
	double m = last == 'B' || last == 'b' ? prefix_mult(u, len - 1) : 0;
	if (last == 'B' && m != 0)
		/* every multiplier is an exact integer <= 2^60 */
		return scale_u64(&n, (uint64_t)m, out_bytes, &K_SIZE, s, e);
	if (last == 'b' && m != 0 && len > 1)
		return bad(e, &K_SIZE, s, "\"%.*s\" is bits; sizes are in bytes: write %.*sB",
			   (int)len, u, (int)(len - 1), u);
	if (len == 2 && prefix_mult(u, len) != 0)
		return bad(e, &K_SIZE, s, "unit \"%.*s\" lacks the B: write %.*sB", (int)len, u, (int)len, u);
	if (len == 1 && prefix_mult(u, len) != 0)
		return bad(e, &K_SIZE, s, "ambiguous unit \"%c\": write %cB (10^3 steps) or %ciB (2^10 steps)",
			   u[0], u[0], u[0] == 'k' ? 'K' : u[0]);
	return unit_text_error(e, &K_SIZE, s, &n);
}

/* ---- rates ---------------------------------------------------------- */

static int ends_with(const char *u, size_t len, const char *suf, size_t *stem)
{
	size_t sl = strlen(suf);
	if (len < sl || memcmp(u + len - sl, suf, sl))
		return 0;
	*stem = len - sl;
	return 1;
}

int unit_parse_rate_bps(const char *s, double *out_bps, struct err *e)
{
	struct num n = { 0 };
	if (num_scan(s, &K_RATE, &n, e))
		return -1;
	if (!n.unit_len) {
		*out_bps = n.v;
		return 0;
	}
	const char *u = n.unit;
	size_t len = n.unit_len, stem;
	/* "X/s" or "Xps" where X is a size unit (B) or a bit unit (b, bit). */
	if (ends_with(u, len, "/s", &stem) || ends_with(u, len, "ps", &stem)) {
		size_t p;
		double m, v;
		if (ends_with(u, stem, "bit", &p) && (m = prefix_mult(u, p)) != 0) {
			v = n.v * m / 8;
		} else if (ends_with(u, stem, "b", &p) && (m = prefix_mult(u, p)) != 0) {
			v = n.v * m / 8;
		} else if (ends_with(u, stem, "B", &p) && (m = prefix_mult(u, p)) != 0) {
			v = n.v * m;
		} else if (stem > 0 && stem <= 2 && prefix_mult(u, stem) != 0) {
			return bad(e, &K_RATE, s, "ambiguous unit \"%.*s\": write %.*sB%.*s (bytes) or %.*sb%.*s (bits)",
				   (int)len, u, (int)stem, u, (int)(len - stem), u + stem, (int)stem, u,
				   (int)(len - stem), u + stem);
		} else {
			return unit_text_error(e, &K_RATE, s, &n);
		}
		if (isinf(v))
			return bad(e, &K_RATE, s, "too large");
		*out_bps = v;
		return 0;
	}
	size_t p;
	if ((ends_with(u, len, "B", &p) || ends_with(u, len, "b", &p)) && prefix_mult(u, p) != 0)
		return bad(e, &K_RATE, s, "a rate needs a time: write %.*s/s", (int)len, u);
	return unit_text_error(e, &K_RATE, s, &n);
}

/* ---- ops ------------------------------------------------------------ */

int unit_parse_ops(const char *s, double *out_ops, struct err *e)
{
	struct num n = { 0 };
	if (num_scan(s, &K_OPS, &n, e))
		return -1;
	if (!n.unit_len) {
		*out_ops = n.v;
		return 0;
	}
	static const char *const SUFFIXES[] = { "ops/s", "op/s", "IOPS", "iops", "ops", "/s" };
	static const struct prefix OPS_PREFIXES[] = {
		{ "", 1 }, { "k", 1e3 }, { "K", 1e3 }, { "M", 1e6 }, { "G", 1e9 },
	};
	for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++) {
		size_t stem;
		if (!ends_with(n.unit, n.unit_len, SUFFIXES[i], &stem))
			continue;
		for (size_t j = 0; j < sizeof OPS_PREFIXES / sizeof OPS_PREFIXES[0]; j++) {
			if (strlen(OPS_PREFIXES[j].p) == stem && !memcmp(OPS_PREFIXES[j].p, n.unit, stem)) {
				double v = n.v * OPS_PREFIXES[j].mult;
				if (isinf(v))
					return bad(e, &K_OPS, s, "too large");
				*out_ops = v;
				return 0;
			}
		}
		return unit_text_error(e, &K_OPS, s, &n);
	}
	if (n.unit_len == 1 && strchr("kKMG", n.unit[0]))
		return bad(e, &K_OPS, s, "a rate needs a time: write %c/s", n.unit[0]);
	return unit_text_error(e, &K_OPS, s, &n);
}

/* ---- plain numbers -------------------------------------------------- */

int unit_parse_double(const char *s, double *out, struct err *e)
{
	struct num n = { 0 };
	if (num_scan(s, &K_NUM, &n, e))
		return -1;
	if (n.unit_len) {
		char q[256];
		quote(q, sizeof q, n.unit, n.unit_len);
		return bad(e, &K_NUM, s, "unexpected \"%s\" after the number (a plain number takes no unit)", q);
	}
	*out = n.v;
	return 0;
}

int unit_parse_u64(const char *s, uint64_t *out, struct err *e)
{
	struct num n = { 0 };
	if (num_scan(s, &K_U64, &n, e))
		return -1;
	if (n.unit_len) {
		char q[256];
		quote(q, sizeof q, n.unit, n.unit_len);
		return bad(e, &K_U64, s, "unexpected \"%s\" after the number (a count takes no unit)", q);
	}
	if (n.is_int) {
		*out = n.u;
		return 0;
	}
	/* "1e6" is a whole number too. */
	if (n.v != floor(n.v))
		return bad(e, &K_U64, s, "not a whole number");
	if (!(n.v < TWO_POW_64))
		return bad(e, &K_U64, s, "too large (the limit is 2^64-1)");
	*out = (uint64_t)n.v;
	return 0;
}

/* ---- formatting ----------------------------------------------------- */

/* Writes x / div[i] with 4 significant digits and unit name[i], choosing
 * the largest unit whose rounded value is >= 1 (so 999.96 us prints as
 * "1 ms", not "1000 us").  cnt >= 1; div ascending. */
static char *fmt_scaled(char *buf, size_t n, double x, const char *const *name,
			const double *div, size_t cnt)
{
	if (!buf || !n)
		return buf;
	if (isnan(x)) {
		snprintf(buf, n, "nan");
		return buf;
	}
	const char *sign = x < 0 ? "-" : "";
	double a = fabs(x);
	if (isinf(a)) {
		snprintf(buf, n, "%sinf %s", sign, name[0]);
		return buf;
	}
	size_t i = 0;
	while (i + 1 < cnt) {
		char t[64];
		snprintf(t, sizeof t, "%.4g", a / div[i + 1]);
		if (strtod(t, NULL) < 1.0)
			break;
		i++;
	}
	snprintf(buf, n, "%s%.4g %s", sign, a / div[i], name[i]);
	return buf;
}

char *unit_fmt_time(char *buf, size_t n, double ns)
{
	static const char *const name[] = { "ns", "us", "ms", "s", "min", "h" };
	static const double div[] = { 1, 1e3, 1e6, 1e9, 60e9, 3600e9 };
	return fmt_scaled(buf, n, ns, name, div, 6);
}

char *unit_fmt_bytes(char *buf, size_t n, double bytes)
{
	static const char *const name[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	static const double div[] = { 1, 0x1p10, 0x1p20, 0x1p30, 0x1p40, 0x1p50, 0x1p60 };
	return fmt_scaled(buf, n, bytes, name, div, 7);
}

char *unit_fmt_rate(char *buf, size_t n, double bps)
{
	static const char *const name[] = { "B/s", "kB/s", "MB/s", "GB/s", "TB/s", "PB/s", "EB/s" };
	static const double div[] = { 1, 1e3, 1e6, 1e9, 1e12, 1e15, 1e18 };
	return fmt_scaled(buf, n, bps, name, div, 7);
}
