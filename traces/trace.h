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
 *                  file and the record; a next_access_vtime below -1 is a
 *                  bad record.  (traces/oracle.c)
 *   csv            text with a column map: which columns hold time, object
 *                  id, size and op, by 1-based index or header name; a
 *                  header row or not; a delimiter.  A line with the wrong
 *                  number of fields, or a bad number, is an error naming
 *                  the file, line and field.  (traces/csv.c)
 *
 *   native         tiersim's own binary trace, versioned, with a header
 *                  of statistics; zstd-compressed when the name ends in
 *                  .zst.  (traces/native.c, traces/FORMAT.md)
 *   mooncake       Mooncake JSONL: one record per KV prefix-block
 *                  reference.  (traces/mooncake.c)
 *   azure_llm      Azure LLM inference CSV: one record per request.
 *                  (traces/azure_llm.c)
 *   alibaba_gpu    Alibaba GPU cluster v2023 pod list: one record per
 *                  task.  (traces/alibaba.c)
 *   vscsi          CloudPhysics packed 32-byte block I/O records.
 *                  (traces/vscsi.c)
 *
 * Record fields: time in ns (DESIGN.md: time is uint64_t ns everywhere);
 * obj_id; size in bytes; op; next_access_vtime (TRACE_NEXT_UNKNOWN when
 * the format does not carry it); client (who issued the request: a
 * request index for the LLM traces, 0 when the format does not say);
 * offset_bytes (where in the object the access starts; 0 for
 * whole-object accesses, which is every importer's case).
 *
 * Bad records: a reader may report a bad record it has consumed with
 * TRACE_BAD_RECORD from its next(); trace_next() then fails (the default)
 * or, on a lenient reader, counts it in `skipped`, keeps the first
 * message and reads on.  Damage that loses the stream's framing (a
 * truncated binary record, a corrupt zstd stream) always fails.
 */
#ifndef TIERSIM_TRACE_H
#define TIERSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <gsl/gsl_rstat.h>

#include "sim/cache_index.h"
#include "sim/err.h"

struct hist;

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
	uint64_t offset_bytes;     /* start of the access within the object */
	uint32_t client;           /* issuing client or request; 0: unknown */
};

/* What ops->next returns for a bad record it has read past (e says why). */
#define TRACE_BAD_RECORD (-2)

/* The reader contract: next() returns 1 with a record, 0 at the end, -1
 * on error (e filled: ERR_INPUT for bad data, ERR_FAIL for I/O), or
 * TRACE_BAD_RECORD (e filled, ERR_INPUT) for a bad record it has read
 * past and may continue after; after 0 or -1 it must not be called
 * again.  close() frees the state. */
struct trace_ops {
	const char *name;
	int (*next)(void *st, struct trace_rec *r, struct err *e);
	void (*close)(void *st);
};

struct trace_reader {
	const struct trace_ops *ops;
	void *st;
	int has_next_access; /* records carry next_access_vtime */
	int block_refs;      /* records are the block references of requests:
			      * a request is a run of records with one client */
	int lenient;         /* skip bad records (TRACE_BAD_RECORD) and count them */
	uint64_t skipped;    /* bad records skipped so far */
	char first_skip[512]; /* the first skipped record's message */
	uint64_t records;    /* records returned so far */
	char *path;          /* for messages (trace_open*); NULL: "the trace" */
};

void trace_note_skip(struct trace_reader *t, const struct err *e);

/* For the line-oriented readers: the next line of f into *line (a
 * malloc'd buffer of *cap bytes, grown as needed), without its line end,
 * counting it in *line_no.  Its length, -1 at the end of the file, or -2
 * with e filled: a read error ("PATH:LINE: read error"), a line longer
 * than max bytes (ERR_INPUT), or out of memory. */
#define TRACE_MAX_LINE ((size_t)1 << 20) /* the CSV-like formats' lines (a few dozen bytes) */
ssize_t trace_read_line(FILE *f, char **line, size_t *cap, size_t max, const char *path, uint64_t *line_no,
			struct err *e);

/* 0, or -1 with "PATH:LINE: a NUL byte at column C (not a text file?)"
 * when line[0..n) holds one: a text line's NUL would end a C string, or a
 * JSON text for jansson, early and unseen (a bad record). */
int trace_line_nul(const char *line, size_t n, const char *path, uint64_t line_no, struct err *e);

/* 1 with a record, 0 at the end, -1 on error (e filled).  A lenient
 * reader skips bad records, counting them in t->skipped. */
/* For the readers: a reader with its path (for trace_no_records), NULL
 * when out of memory; and the same freed before its ops are set (a
 * failed open). */
struct trace_reader *trace_reader_new(const char *path);
void trace_reader_discard(struct trace_reader *t);

/* A trace that ends before its first record: -1, "PATH: no records". */
int trace_no_records(const struct trace_reader *t, struct err *e);

static inline int trace_next(struct trace_reader *t, struct trace_rec *r, struct err *e)
{
	for (;;) {
		int got = t->ops->next(t->st, r, e);
		if (got == 1) {
			t->records++;
			return 1;
		}
		if (got == 0)
			return t->records ? 0 : trace_no_records(t, e);
		if (got != TRACE_BAD_RECORD)
			return got;
		if (!t->lenient)
			return -1;
		trace_note_skip(t, e);
	}
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

/* Options for opening any reader. */
struct trace_opts {
	int lenient; /* skip bad records and count them (trace_reader.skipped) */
};

/* By format name: "oracleGeneral" (any case), "csv" or "csv:OPTS",
 * "native", "mooncake[:OPTS]", "azure_llm[:OPTS]", "alibaba_gpu", "vscsi";
 * NULL format: from the file's name and first bytes (trace_sniff).
 * An unknown format is ERR_INPUT.  o may be NULL (strict). */
struct trace_reader *trace_open_opts(const char *path, const char *format,
				     const struct trace_opts *o, struct err *e);
struct trace_reader *trace_open(const char *path, const char *format, struct err *e);
/* Checks a format name and its options as trace_open_opts would, without
 * a file: 0, or -1 (ERR_INPUT) with trace_open's message; so a caller can
 * point at where the name was written. */
int trace_format_check(const char *format, struct err *e);

/* The format trace_open picks for path when none is given: a native or
 * zstd magic number is native; *.jsonl whose first record has Mooncake's
 * keys (timestamp, input_length, hash_ids) is mooncake (other JSONL is
 * an error); *.csv whose header is Azure's or Alibaba's is azure_llm or
 * alibaba_gpu, other *.csv is csv; *.vscsi is vscsi; anything else
 * oracleGeneral, unless its first bytes are text with a separator (a CSV
 * under another name: an error that asks for --trace-format).  Returns a
 * static name, or NULL with e filled. */
const char *trace_sniff(const char *path, struct err *e);

/* The list of format names, for messages. */
const char *trace_formats(void);

/* --- readers (each in its own file) --- */

/* Mooncake: "mooncake:kv-bytes-per-token=N,block-tokens=N". */
struct trace_mooncake_cfg {
	uint64_t kv_bytes_per_token; /* default TRACE_KV_BYTES_PER_TOKEN */
	uint64_t block_tokens;       /* 512 in Mooncake's release */
	int jansson_only;            /* parse every line with jansson (tests) */
};
/* 70B-class GQA model in bf16: 80 layers x 8 KV heads x 128 dims x 2 (K, V)
 * x 2 bytes = 327,680 B = 320 KiB per token (../shared/traces/README.md). */
#define TRACE_KV_BYTES_PER_TOKEN 327680ULL
#define TRACE_MOONCAKE_BLOCK_TOKENS 512ULL
struct trace_reader *trace_open_mooncake(const char *path, const struct trace_mooncake_cfg *c,
					 struct err *e);

/* Azure LLM: "azure_llm:kv-bytes-per-token=N". */
struct trace_reader *trace_open_azure_llm(const char *path, uint64_t kv_bytes_per_token,
					  struct err *e);

/* One task of the Alibaba GPU v2023 pod list, as the file has it. */
struct trace_alibaba_task {
	uint64_t row;              /* 0-based data row */
	char name[64];
	uint64_t cpu_milli, memory_mib, num_gpu, gpu_milli;
	char gpu_spec[64], qos[16], pod_phase[16];
	uint64_t creation_ns, deletion_ns, scheduled_ns; /* s in the file;
							  * scheduled UINT64_MAX: never (Pending) */
	uint64_t lifetime_ns;      /* deletion - creation */
};
struct trace_reader *trace_open_alibaba(const char *path, struct err *e);
/* The typed form, for a cluster driver: 1 a task, 0 end, -1 error. */
struct trace_alibaba;
struct trace_alibaba *trace_alibaba_open(const char *path, struct err *e);
int trace_alibaba_next(struct trace_alibaba *a, struct trace_alibaba_task *t, struct err *e);
void trace_alibaba_close(struct trace_alibaba *a);

struct trace_reader *trace_open_vscsi(const char *path, struct err *e);

/* --- native format (traces/native.c, traces/FORMAT.md) --- */

#define TRACE_NATIVE_VERSION 1

/* The statistics a native header carries; also what `trace inspect`
 * counts (trace_stats). */
struct trace_native_hdr {
	uint32_t version;
	uint64_t records;
	uint64_t time_first_ns, time_last_ns; /* min and max time */
	uint64_t distinct_objects;
	uint64_t total_bytes;        /* sum of the records' lengths */
	uint64_t working_set_bytes;  /* sum over distinct objects of their largest length */
	uint64_t reads, writes, others;
	char source[32];             /* the format it was converted from */
};

struct trace_reader *trace_open_native(const char *path, struct err *e);
/* Reads only the header of a native file (plain or .zst). */
int trace_native_read_header(const char *path, struct trace_native_hdr *h, struct err *e);

/* Writes a native trace: to PATH.tmp, renamed to PATH by
 * trace_writer_finish once the header is final; zstd-compressed when
 * PATH ends in .zst.  source: the input's format name (for the header). */
struct trace_writer;
struct trace_writer *trace_writer_open(const char *path, const char *source, struct err *e);
/* A bad record is ERR_INPUT naming the record ("record N: ..."), not a
 * file (the caller knows the input's name); a failed write is ERR_FAIL
 * naming PATH.tmp. */
int trace_writer_put(struct trace_writer *w, const struct trace_rec *r, struct err *e);
/* Finalises the header, syncs and renames; frees w either way. */
int trace_writer_finish(struct trace_writer *w, struct trace_native_hdr *out, struct err *e);
/* Removes PATH.tmp and frees w (NULL is fine). */
void trace_writer_abort(struct trace_writer *w);

/* --- statistics of a record stream (traces/trace.c) --- */

struct trace_stats {
	struct trace_native_hdr h;
	uint64_t requests;          /* = records, or runs of one client for block_refs */
	int block_refs;
	/* inter-arrival times between requests: mean and sd (GSL running
	 * statistics), quantiles from a log-linear histogram (within 0.4%) */
	gsl_rstat_workspace *rstat;
	struct hist *hist;
	struct cidx index;          /* distinct objects: key, largest length */
	uint32_t last_client;
	uint64_t last_time_ns;
	uint64_t backwards;         /* requests earlier than the one before them */
};
int trace_stats_init(struct trace_stats *s, int block_refs, struct err *e);
int trace_stats_add(struct trace_stats *s, const struct trace_rec *r, struct err *e);
void trace_stats_free(struct trace_stats *s);
double trace_stats_ia_mean_ns(const struct trace_stats *s);
double trace_stats_ia_cv(const struct trace_stats *s);
double trace_stats_ia_quantile_ns(const struct trace_stats *s, double q);

#endif
