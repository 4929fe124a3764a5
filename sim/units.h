/*
 * units — one parser for the human units of presets, scenarios and flags.
 *
 *   time   ns us (µs) ms s m|min h        "250us" "1.5s" "10m"; a bare
 *          number is an error (is it s or ns?) that says to add a unit.
 *   bytes  B, kB KB MB GB TB PB EB (10^3k), KiB MiB GiB TiB PiB EiB (2^10k);
 *          a bare number is bytes.  "4GiB" "4GB" "1.5MiB" (rounded to whole
 *          bytes).  "4G" or "4M" alone is an error: ambiguous.
 *   rate   bytes/s: "25GB/s" "2.5GiB/s"; bits/s: "400Gb/s" "400Gbps" "10Mbit/s";
 *          a bare number is bytes/s.
 *   ops    per second: "40k/s" "900/s" "1.2M/s" "40kops" "900ops"; "40k/s" uses
 *          k=10^3, M=10^6, G=10^9; a bare number is per second.
 *
 * Every parser rejects negative values, NaN/inf, empty strings, unknown units
 * and trailing garbage with an error that quotes the value, e.g.
 *   bad size "4XB": unknown unit "XB" (use B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)
 * Whitespace between number and unit is allowed ("4 GiB"), and around the
 * value.  Values that overflow uint64_t are errors.
 *
 * Details: numbers are decimal ("1.5", ".5", "2e-3"; no sign, no hex); a
 * number of digits alone is exact up to 2^64-1.  Times and sizes round to
 * the nearest whole ns or byte, halves away from zero ("0.5B" is 1 byte,
 * "0.4ns" is 0).  Also accepted: "µs"/"μs" for us, "GBps" for GB/s,
 * "ops/s", "op/s" and "IOPS" for ops.  Units are case-sensitive.
 */
#ifndef TIERSIM_UNITS_H
#define TIERSIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

int unit_parse_time_ns(const char *s, uint64_t *out_ns, struct err *e);
int unit_parse_bytes(const char *s, uint64_t *out_bytes, struct err *e);
int unit_parse_rate_bps(const char *s, double *out_bps, struct err *e);
int unit_parse_ops(const char *s, double *out_ops, struct err *e);
/* A plain non-negative number (no unit), e.g. a probability or a count. */
int unit_parse_double(const char *s, double *out, struct err *e);
int unit_parse_u64(const char *s, uint64_t *out, struct err *e);

/* Copies s into dst (n bytes) for an error message: bytes that are not
 * printable ASCII and '"' '\\' are escaped, and a value longer than 60 bytes
 * is cut and ends in "...".  NULL is "".  Returns dst. */
char *unit_quote(char *dst, size_t n, const char *s);

/* Human formatting with 4 significant digits and a unit: "1.25 ms",
 * "3.2 GiB", "25 GB/s".  The largest unit that keeps the value >= 1 is
 * used (times up to h, sizes in KiB..EiB, rates in kB/s..EB/s).  Returns
 * buf; the text is cut to fit n bytes. */
char *unit_fmt_time(char *buf, size_t n, double ns);
char *unit_fmt_bytes(char *buf, size_t n, double bytes);
char *unit_fmt_rate(char *buf, size_t n, double bps);

#endif
