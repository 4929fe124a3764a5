/*
 * table — the tables that commands print, in text, csv or json.
 *
 * A table is columns (a header and a unit each) and rows of cells.  Text
 * output aligns columns and puts the unit in the header ("mean wait (ms)");
 * csv has one header row of column keys that carry their unit
 * ("mean_wait_ms") and RFC 4180 quoting; json is an array of objects keyed
 * the same way.  Numbers are printed plainly (no thousands separators);
 * an empty cell is "" in csv and null in json.  csv records end in LF.
 *
 * Columns are all added before the first row.  Misuse (a cell before any
 * row, a column index out of range, a repeated key, a column after the
 * first row) fails that call and makes tbl_print fail too.
 *
 * Rendering writes to a FILE* the caller owns (only main passes stdout).
 */
#ifndef TIERSIM_TABLE_H
#define TIERSIM_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tbl_format { TBL_TEXT, TBL_CSV, TBL_JSON };

struct tbl;

/* title: printed above the text form only (may be NULL). */
struct tbl *tbl_new(const char *title);
void tbl_free(struct tbl *t);
/* key: csv/json column name; label: text header; unit: "" for none.
 * Returns the column index. */
int tbl_col(struct tbl *t, const char *key, const char *label, const char *unit);
/* Starts a new row; cells are then set by column index. */
int tbl_row(struct tbl *t);
int tbl_str(struct tbl *t, int col, const char *s);
/* A number printed with printf format fmt ("%.6f", "%.0f", "%g"): exactly
 * one floating-point conversion, no '*' or length modifier (else -1).
 * NaN means unknown: an empty cell (blank; null in json).  json writes
 * the printed digits when they form a JSON number, null for infinities. */
int tbl_num(struct tbl *t, int col, const char *fmt, double v);
int tbl_int(struct tbl *t, int col, uint64_t v);
/* 0, or -1 if the table is malformed or out of memory. */
int tbl_print(const struct tbl *t, enum tbl_format f, FILE *out);
/* "text" | "csv" | "json" -> 0, or -1 if unknown. */
int tbl_parse_format(const char *s, enum tbl_format *f);

#endif
