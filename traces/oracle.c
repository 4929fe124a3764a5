/*
 * oracle — reader of libCacheSim's "oracleGeneral" binary traces.
 *
 * Format (libCacheSim traceReader/customizedReader/oracle/oracleGeneralBin.h;
 * layout in ../shared/traces/README.md): packed little-endian 24-byte
 * records with no header,
 *
 *   offset 0   uint32  time, whole seconds
 *   offset 4   uint64  obj_id
 *   offset 12  uint32  obj_size, bytes
 *   offset 16  int64   next_access_vtime: the virtual time of the next
 *                      request for obj_id, i.e. its 1-based request
 *                      number in the file; -1 or INT64_MAX: never
 *
 * Read through a fixed buffer of OR_BUF_RECS records and decoded byte by
 * byte, so the reader works on any host byte order and never holds more
 * than the buffer.  A file whose length is not a multiple of 24 ends in a
 * truncated record: an error naming the file and the record's number
 * (1-based).  A zstd-compressed file (libCacheSim ships .zst traces) is
 * recognised by its magic number and refused with a hint.  A
 * next_access_vtime below -1 is no request number (and -2 would read as
 * TRACE_NEXT_UNKNOWN): a bad record, naming the record and the field,
 * that a lenient reader skips.  (libCacheSim writes none; such a value
 * means a damaged file, or one that is not oracleGeneral at all.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define OR_REC 24
#define OR_BUF_RECS 4096

struct oracle {
	FILE *f;
	char *path;
	unsigned char buf[OR_REC * OR_BUF_RECS];
	size_t len, pos;
	uint64_t rec_no;  /* records returned so far */
	int checked_magic;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int oracle_fill(struct oracle *o, struct err *e)
{
	size_t rest = o->len - o->pos;
	memmove(o->buf, o->buf + o->pos, rest);
	o->len = rest;
	o->pos = 0;
	while (o->len < sizeof o->buf) {
		size_t got = fread(o->buf + o->len, 1, sizeof o->buf - o->len, o->f);
		o->len += got;
		if (got == 0) {
			if (ferror(o->f)) {
				int en = errno;
				return err_set(e, en == EISDIR ? ERR_INPUT : ERR_FAIL,
					       "%s: read error after record %llu: %s", o->path,
					       (unsigned long long)o->rec_no, strerror(en));
			}
			break;
		}
	}
	return 0;
}

static int oracle_next(void *st, struct trace_rec *r, struct err *e)
{
	struct oracle *o = st;
	if (o->len - o->pos < OR_REC) {
		if (oracle_fill(o, e) < 0)
			return -1;
		if (!o->checked_magic) {
			o->checked_magic = 1;
			static const unsigned char zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
			if (o->len >= 4 && !memcmp(o->buf, zstd, 4))
				return err_set(e, ERR_INPUT,
					       "%s: a zstd-compressed trace; decompress it first (zstd -d)",
					       o->path);
		}
		if (o->len == 0)
			return 0;
		if (o->len < OR_REC)
			return err_set(e, ERR_INPUT,
				       "%s: record %llu is truncated: %zu of %d bytes "
				       "(an oracleGeneral file is a whole number of 24-byte records)",
				       o->path, (unsigned long long)o->rec_no + 1, o->len, OR_REC);
	}
	const unsigned char *p = o->buf + o->pos;
	o->pos += OR_REC;
	o->rec_no++;
	r->time_ns = (uint64_t)le32(p) * 1000000000ULL;
	r->obj_id = le64(p + 4);
	r->size_bytes = le32(p + 12);
	r->op = TRACE_OP_NONE;
	r->next_access_vtime = (int64_t)le64(p + 16);
	r->offset_bytes = 0;
	r->client = 0;
	if (r->next_access_vtime < TRACE_NEXT_NEVER) {
		err_set(e, ERR_INPUT,
			"%s: record %llu: field next_access_vtime: %lld is not a request number "
			"(-1 or INT64_MAX: never)",
			o->path, (unsigned long long)o->rec_no, (long long)r->next_access_vtime);
		return TRACE_BAD_RECORD;
	}
	return 1;
}

static void oracle_close(void *st)
{
	struct oracle *o = st;
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	free(o->path);
	free(o);
}

static const struct trace_ops oracle_ops = {
	.name = "oracleGeneral",
	.next = oracle_next,
	.close = oracle_close,
};

struct trace_reader *trace_open_oracle(const char *path, struct err *e)
{
	struct trace_reader *t = trace_reader_new(path);
	struct oracle *o = calloc(1, sizeof *o);
	if (!t || !o || !(o->path = strdup(path))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		goto fail;
	}
	o->f = fopen(path, "rb");
	if (!o->f) {
		err_open(e, path, errno);
		goto fail;
	}
	t->ops = &oracle_ops;
	t->st = o;
	t->has_next_access = 1;
	return t;
fail:
	oracle_close(o);
	trace_reader_discard(t);
	return NULL;
}
