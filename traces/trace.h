/*
 * trace — streaming readers of request traces, behind one ops table.
 *
 * A reader hands out one record at a time from a buffered stream, so a
 * trace of any length is read in bounded memory (never loaded whole).
 * Formats:
 *
 *   oracleGeneral  libCacheSim's binary format: packed little-endian
 *                  24-byte records, no header: uint32 time (s), uint64
 *                  obj_id, uint32 obj_size, int64 next_access_vtime (the
 *                  1-based number of the object's next request; -1 or
 *                  INT64_MAX: never).  A truncated last record is an error naming the
 *                  file and the record.  (traces/oracle.c)
 *   csv            text with a column map: which columns hold time, object
 *                  id, size and op, by 1-based index or header name; a
 *                  header row or not; a delimiter.  A line with the wrong
 *                  number of fields, or a bad number, is an error naming
 *                  the file, line and field.  (traces/csv.c)
 *
 * Record fields: time in ns (DESIGN.md: time is uint64_t ns everywhere);
 * obj_id; size in bytes; op; next_access_vtime (TRACE_NEXT_UNKNOWN when
 * the format does not carry it).
 */
#ifndef TIERSIM_TRACE_H
#define TIERSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

enum trace_op {
	TRACE_OP_NONE = 0, /* the trace does not say */
	TRACE_OP_READ,
	TRACE_OP_WRITE,
	TRACE_OP_OTHER,
};

#define TRACE_NEXT_NEVER (-1)
#define TRACE_NEXT_UNKNOWN (-2)

struct trace_rec {
	uint64_t time_ns;
	uint64_t obj_id;
	uint64_t size_bytes;
	int op;                    /* enum trace_op */
	int64_t next_access_vtime; /* >= 0, -1/INT64_MAX never, or TRACE_NEXT_UNKNOWN */
};

/* The reader contract: next() returns 1 with a record, 0 at the end, -1
 * on error (e filled: ERR_INPUT for bad data, ERR_FAIL for I/O); after
 * 0 or -1 it must not be called again.  close() frees the state. */
struct trace_ops {
	const char *name;
	int (*next)(void *st, struct trace_rec *r, struct err *e);
	void (*close)(void *st);
};

struct trace_reader {
	const struct trace_ops *ops;
	void *st;
	int has_next_access; /* records carry next_access_vtime */
};

static inline int trace_next(struct trace_reader *t, struct trace_rec *r, struct err *e)
{
	return t->ops->next(t->st, r, e);
}

/* Frees the reader (NULL is fine). */
void trace_close(struct trace_reader *t);

/* oracleGeneral.  NULL on error (a missing file is ERR_INPUT). */
struct trace_reader *trace_open_oracle(const char *path, struct err *e);

/* A CSV column: by 1-based index, or by header name (index 0, name set),
 * or absent (index 0, name ""). */
struct trace_csv_col {
	int index;
	char name[64];
};

struct trace_csv_cfg {
	char delim;           /* ',' by default */
	int header;           /* 1: the first line names the columns */
	struct trace_csv_col time, id, size, op;
	uint64_t time_unit_ns; /* what one unit of the time column is (1e9: s) */
};

/* Defaults: header, ',' delimiter, time in seconds, and columns found by
 * header name: time (time, timestamp, ts), id (obj_id, id, key, lbn, lba,
 * object, obj), size (obj_size, size, bytes, len, length), op (op,
 * operation, cmd, type).  Without a size column every object is 1 byte;
 * without a time column every time is 0; without an op column op is
 * TRACE_OP_NONE.  The id column is required. */
void trace_csv_cfg_default(struct trace_csv_cfg *c);

/* Parses the options of "csv:OPT,OPT,..." (s is what follows "csv:"):
 *   time=COL id=COL size=COL op=COL   COL: 1-based index or header name
 *   header=yes|no
 *   delim=comma|tab|space|semicolon|pipe|C   (C: one character but ',')
 *   time-unit=ns|us|ms|s
 * into c (which holds the defaults first). */
int trace_csv_parse_opts(const char *s, struct trace_csv_cfg *c, struct err *e);

/* CSV with the column map cfg. */
struct trace_reader *trace_open_csv(const char *path, const struct trace_csv_cfg *cfg,
				    struct err *e);

/* By format name: "oracleGeneral" (any case), "csv" or "csv:OPTS"; NULL
 * format: by the file name, ".csv" is csv, anything else oracleGeneral.
 * An unknown format is ERR_INPUT. */
struct trace_reader *trace_open(const char *path, const char *format, struct err *e);

/* "oracleGeneral, csv[:OPTS]" for messages. */
const char *trace_formats(void);

#endif
