/*
 * native — tiersim's own binary request trace: reader and writer.
 *
 * Why a format of our own: the importers parse text at hundreds of MB/s,
 * but a sweep replays one trace many times; a fixed-size binary record
 * reads at GB/s, and a header that carries the trace's statistics lets a
 * tool size a run (records, span, distinct objects, working set) without
 * reading it.  The layout is specified in traces/FORMAT.md; in short
 * (all integers little-endian):
 *
 *   header, 256 bytes
 *     0   8  magic "TSIMTRC\n"
 *     8   2  version (1)          10  2  header bytes (256)
 *     12  2  record bytes (40)    14  2  field count (6)
 *     16  4  flags (bit 0: complete, the statistics are final)
 *     20  4  reserved (0)
 *     24  8  records              32  8  first (min) time, ns
 *     40  8  last (max) time, ns  48  8  distinct objects
 *     56  8  bytes (sum of lengths)
 *     64  8  working-set bytes (sum over distinct objects of the largest length)
 *     72  8  reads   80  8  writes   88  8  other ops
 *     96  32 source format name, NUL-padded
 *     128 6 x 16 field table: name[12] NUL-padded, u8 offset, u8 size,
 *            u8 type (1: unsigned integer), u8 reserved
 *     224 32 reserved (0)
 *   records, 40 bytes each
 *     0 u64 time_ns   8 u64 obj_id   16 u64 offset   24 u64 length
 *     32 u32 client   36 u8 op (0 none, 1 read, 2 write, 3 other)
 *     37..39 reserved (0)
 *
 * Writing never leaves a half-written file: records stream into NAME.tmp
 * behind a placeholder header (flags 0); at the end the header is
 * rewritten in place with the statistics, the file is synced and renamed
 * to NAME.  A reader refuses a header without the complete flag.
 *
 * Compressed form (NAME ends in .zst): the same bytes as the plain form,
 * as two zstd frames.  The header is the first frame, written by hand as
 * one raw (stored) block, so its size is fixed (266 bytes) and the
 * writer can rewrite it in place at the end, exactly as for the plain
 * form; the records follow as one compressed frame with a content
 * checksum, written with ZSTD_compressStream2.  `zstd -d NAME.tst.zst`
 * therefore yields the plain file, and the reader decompresses both
 * frames as one stream (ZSTD_decompressStream), so its memory is its
 * buffers (about 0.5 MiB), whatever the trace's length.
 *
 * Checks on reading (errors name the file and the record, 1-based): the
 * magic, version, sizes and field table; a truncated record (naming the
 * field where the file ends); fewer or more records than the header
 * says; a corrupt or truncated zstd stream; an op out of range (a bad
 * record a lenient reader skips).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "trace.h"

#define NT_HDR 256
#define NT_REC 40
#define NT_FIELDS 6
#define NT_FLAG_COMPLETE 1u
#define NT_BUF_RECS 8192
/* The header frame: magic, frame header descriptor (single segment,
 * 2-byte content size = size - 256), block header (last, raw, 256). */
#define NT_ZHDR (4 + 1 + 2 + 3)
#define NT_ZFRAME (NT_ZHDR + NT_HDR)

static const unsigned char nt_magic[8] = { 'T', 'S', 'I', 'M', 'T', 'R', 'C', '\n' };

static const struct {
	const char *name;
	unsigned char off, size;
} nt_fields[NT_FIELDS] = {
	{ "time_ns", 0, 8 }, { "obj_id", 8, 8 }, { "offset", 16, 8 },
	{ "length", 24, 8 }, { "client", 32, 4 }, { "op", 36, 1 },
};

static uint32_t ld32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const unsigned char *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void st16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void st32(unsigned char *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

static void st64(unsigned char *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

static void hdr_encode(unsigned char *b, const struct trace_native_hdr *h, int complete)
{
	memset(b, 0, NT_HDR);
	memcpy(b, nt_magic, 8);
	st16(b + 8, TRACE_NATIVE_VERSION);
	st16(b + 10, NT_HDR);
	st16(b + 12, NT_REC);
	st16(b + 14, NT_FIELDS);
	st32(b + 16, complete ? NT_FLAG_COMPLETE : 0);
	st64(b + 24, h->records);
	st64(b + 32, h->records ? h->time_first_ns : 0);
	st64(b + 40, h->time_last_ns);
	st64(b + 48, h->distinct_objects);
	st64(b + 56, h->total_bytes);
	st64(b + 64, h->working_set_bytes);
	st64(b + 72, h->reads);
	st64(b + 80, h->writes);
	st64(b + 88, h->others);
	memcpy(b + 96, h->source, strnlen(h->source, sizeof h->source - 1));
	for (int i = 0; i < NT_FIELDS; i++) {
		unsigned char *f = b + 128 + 16 * i;
		memcpy(f, nt_fields[i].name, strlen(nt_fields[i].name));
		f[12] = nt_fields[i].off;
		f[13] = nt_fields[i].size;
		f[14] = 1;
	}
}

static int hdr_decode(const unsigned char *b, struct trace_native_hdr *h, const char *path,
		      struct err *e)
{
	if (memcmp(b, nt_magic, 8))
		return err_set(e, ERR_INPUT, "%s: not a tiersim native trace (bad magic)", path);
	memset(h, 0, sizeof *h);
	h->version = b[8] | (uint32_t)b[9] << 8;
	if (h->version != TRACE_NATIVE_VERSION)
		return err_set(e, ERR_INPUT, "%s: header: native trace version %u (this tiersim reads %d)",
			       path, h->version, TRACE_NATIVE_VERSION);
	unsigned hb = b[10] | (unsigned)b[11] << 8, rb = b[12] | (unsigned)b[13] << 8,
		 nf = b[14] | (unsigned)b[15] << 8;
	if (hb != NT_HDR || rb != NT_REC || nf != NT_FIELDS)
		return err_set(e, ERR_INPUT,
			       "%s: header: layout %u/%u/%u (header/record bytes, fields), expected %d/%d/%d",
			       path, hb, rb, nf, NT_HDR, NT_REC, NT_FIELDS);
	for (int i = 0; i < NT_FIELDS; i++) {
		const unsigned char *f = b + 128 + 16 * i;
		char name[13];
		memcpy(name, f, 12);
		name[12] = '\0';
		if (strcmp(name, nt_fields[i].name) || f[12] != nt_fields[i].off ||
		    f[13] != nt_fields[i].size || f[14] != 1)
			return err_set(e, ERR_INPUT, "%s: header: field %d is \"%s\" at %u (%u bytes), "
						     "expected \"%s\" at %u (%u bytes)",
				       path, i + 1, name, f[12], f[13], nt_fields[i].name,
				       nt_fields[i].off, nt_fields[i].size);
	}
	if (!(ld32(b + 16) & NT_FLAG_COMPLETE))
		return err_set(e, ERR_INPUT,
			       "%s: header: not complete (the writer never finished: an interrupted convert?)",
			       path);
	h->records = ld64(b + 24);
	h->time_first_ns = ld64(b + 32);
	h->time_last_ns = ld64(b + 40);
	h->distinct_objects = ld64(b + 48);
	h->total_bytes = ld64(b + 56);
	h->working_set_bytes = ld64(b + 64);
	h->reads = ld64(b + 72);
	h->writes = ld64(b + 80);
	h->others = ld64(b + 88);
	memcpy(h->source, b + 96, sizeof h->source - 1);
	h->source[sizeof h->source - 1] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ reader */

struct native {
	FILE *f;
	char *path;
	ZSTD_DStream *ds;     /* NULL: plain */
	unsigned char *zin;
	size_t zin_cap;
	ZSTD_inBuffer zi;
	size_t zret;          /* last ZSTD_decompressStream result: 0 at a frame's end */
	int eof;
	struct trace_native_hdr hdr;
	uint64_t rec_no;      /* records returned */
	size_t len, pos;
	unsigned char buf[NT_REC * NT_BUF_RECS];
};

/* Tops up buf from the file (decompressing if need be) until full or EOF. */
static int nt_fill(struct native *n, struct err *e)
{
	size_t rest = n->len - n->pos;
	memmove(n->buf, n->buf + n->pos, rest);
	n->len = rest;
	n->pos = 0;
	while (n->len < sizeof n->buf && !n->eof) {
		if (!n->ds) {
			size_t got = fread(n->buf + n->len, 1, sizeof n->buf - n->len, n->f);
			n->len += got;
			if (got == 0) {
				if (ferror(n->f))
					goto read_error;
				n->eof = 1;
			}
			continue;
		}
		if (n->zi.pos == n->zi.size) {
			size_t got = fread(n->zin, 1, n->zin_cap, n->f);
			if (got == 0) {
				if (ferror(n->f))
					goto read_error;
				n->eof = 1;
				if (n->zret != 0)
					return err_set(e, ERR_INPUT,
						       "%s: the zstd stream is truncated (after record %llu)",
						       n->path, (unsigned long long)n->rec_no);
				break;
			}
			n->zi.src = n->zin;
			n->zi.size = got;
			n->zi.pos = 0;
		}
		ZSTD_outBuffer o = { n->buf + n->len, sizeof n->buf - n->len, 0 };
		size_t ret = ZSTD_decompressStream(n->ds, &o, &n->zi);
		if (ZSTD_isError(ret))
			return err_set(e, ERR_INPUT, "%s: corrupt zstd stream after record %llu: %s",
				       n->path, (unsigned long long)n->rec_no, ZSTD_getErrorName(ret));
		n->zret = ret;
		n->len += o.pos;
	}
	return 0;
read_error:;
	int en = errno;
	return err_set(e, en == EISDIR ? ERR_INPUT : ERR_FAIL, "%s: read error after record %llu: %s",
		       n->path, (unsigned long long)n->rec_no, strerror(en));
}

static int native_next(void *st, struct trace_rec *r, struct err *e)
{
	struct native *n = st;
	if (n->len - n->pos < NT_REC) {
		if (nt_fill(n, e) < 0)
			return -1;
		size_t have = n->len - n->pos;
		if (have == 0) {
			if (n->rec_no != n->hdr.records)
				return err_set(e, ERR_INPUT,
					       "%s: ends after record %llu, but the header says %llu records "
					       "(a truncated file)",
					       n->path, (unsigned long long)n->rec_no,
					       (unsigned long long)n->hdr.records);
			return 0;
		}
		if (have < NT_REC) {
			int k = 0;
			while (k + 1 < NT_FIELDS && nt_fields[k + 1].off < have)
				k++;
			return err_set(e, ERR_INPUT,
				       "%s: record %llu is truncated in field %s: %zu of %d bytes",
				       n->path, (unsigned long long)n->rec_no + 1, nt_fields[k].name, have,
				       NT_REC);
		}
	}
	if (n->rec_no == n->hdr.records)
		return err_set(e, ERR_INPUT, "%s: record %llu: more records than the %llu the header says",
			       n->path, (unsigned long long)n->rec_no + 1,
			       (unsigned long long)n->hdr.records);
	const unsigned char *p = n->buf + n->pos;
	n->pos += NT_REC;
	n->rec_no++;
	r->time_ns = ld64(p);
	r->obj_id = ld64(p + 8);
	r->offset_bytes = ld64(p + 16);
	r->size_bytes = ld64(p + 24);
	r->client = ld32(p + 32);
	r->op = p[36];
	r->next_access_vtime = TRACE_NEXT_UNKNOWN;
	if (r->op > TRACE_OP_OTHER) {
		err_set(e, ERR_INPUT, "%s: record %llu: field op: %d is not an op (0-3)", n->path,
			(unsigned long long)n->rec_no, r->op);
		return TRACE_BAD_RECORD;
	}
	return 1;
}

static void native_close(void *st)
{
	struct native *n = st;
	if (!n)
		return;
	if (n->f)
		fclose(n->f);
	ZSTD_freeDStream(n->ds);
	free(n->zin);
	free(n->path);
	free(n);
}

static const struct trace_ops native_ops = {
	.name = "native",
	.next = native_next,
	.close = native_close,
};

static struct native *nt_open(const char *path, struct err *e)
{
	struct native *n = calloc(1, sizeof *n);
	if (!n || !(n->path = strdup(path))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		goto fail;
	}
	n->f = fopen(path, "rb");
	if (!n->f) {
		err_open(e, path, errno);
		goto fail;
	}
	unsigned char m[4];
	size_t got = fread(m, 1, 4, n->f);
	static const unsigned char zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	if (got == 4 && !memcmp(m, zmagic, 4)) {
		n->zin_cap = ZSTD_DStreamInSize();
		n->ds = ZSTD_createDStream();
		n->zin = malloc(n->zin_cap);
		if (!n->ds || !n->zin) {
			err_set(e, ERR_FAIL, "%s: out of memory", path);
			goto fail;
		}
		ZSTD_initDStream(n->ds);
		memcpy(n->zin, m, 4);
		n->zi = (ZSTD_inBuffer){ n->zin, 4, 0 };
	} else {
		memcpy(n->buf, m, got);
		n->len = got;
	}
	if (nt_fill(n, e) < 0)
		goto fail;
	if (n->ds && !(n->len >= 8 && !memcmp(n->buf, nt_magic, 8))) {
		/* a libCacheSim .zst, say, under a name that is not .bin.zst */
		err_set(e, ERR_INPUT,
			"%s: zstd-compressed, and not a tiersim native trace inside: decompress it (zstd -d) and "
			"name the format of what comes out with --trace-format",
			path);
		goto fail;
	}
	if (n->len < NT_HDR) {
		err_set(e, ERR_INPUT, "%s: %s (%zu of its %d header bytes)", path,
			n->len >= 8 && !memcmp(n->buf, nt_magic, 8) ? "the header is truncated"
								   : "not a tiersim native trace",
			n->len, NT_HDR);
		goto fail;
	}
	if (hdr_decode(n->buf, &n->hdr, path, e) < 0)
		goto fail;
	n->pos = NT_HDR;
	return n;
fail:
	native_close(n);
	return NULL;
}

struct trace_reader *trace_open_native(const char *path, struct err *e)
{
	struct trace_reader *t = trace_reader_new(path);
	if (!t) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		return NULL;
	}
	struct native *n = nt_open(path, e);
	if (!n) {
		trace_reader_discard(t);
		return NULL;
	}
	t->ops = &native_ops;
	t->st = n;
	/* A block-reference trace converted to native keeps its request runs. */
	t->block_refs = !strcmp(n->hdr.source, "mooncake");
	return t;
}

int trace_native_read_header(const char *path, struct trace_native_hdr *h, struct err *e)
{
	struct native *n = nt_open(path, e);
	if (!n)
		return -1;
	*h = n->hdr;
	native_close(n);
	return 0;
}

/* ------------------------------------------------------------------ writer */

struct trace_writer {
	FILE *f;
	char *path, *tmp;
	ZSTD_CCtx *cc;        /* NULL: plain */
	unsigned char *zout;
	size_t zout_cap;
	struct trace_stats st;
	char source[32];
	size_t len;
	unsigned char buf[NT_REC * NT_BUF_RECS];
};

static int wr_bytes(struct trace_writer *w, const void *p, size_t n, struct err *e)
{
	if (fwrite(p, 1, n, w->f) != n)
		return err_set(e, ERR_FAIL, "%s: write error: %s", w->tmp, strerror(errno));
	return 0;
}

/* Compresses (or writes) buf; mode ZSTD_e_end also ends the frame. */
static int wr_flush(struct trace_writer *w, ZSTD_EndDirective mode, struct err *e)
{
	if (!w->cc) {
		int rc = wr_bytes(w, w->buf, w->len, e);
		w->len = 0;
		return rc;
	}
	ZSTD_inBuffer in = { w->buf, w->len, 0 };
	for (;;) {
		ZSTD_outBuffer o = { w->zout, w->zout_cap, 0 };
		size_t left = ZSTD_compressStream2(w->cc, &o, &in, mode);
		if (ZSTD_isError(left))
			return err_set(e, ERR_FAIL, "%s: zstd: %s", w->tmp, ZSTD_getErrorName(left));
		if (wr_bytes(w, w->zout, o.pos, e) < 0)
			return -1;
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			break;
	}
	w->len = 0;
	return 0;
}

/* The header, framed for the file's form. */
static int wr_header(struct trace_writer *w, int complete, struct err *e)
{
	unsigned char b[NT_ZFRAME];
	unsigned char *h = b;
	size_t n = NT_HDR;
	if (w->cc) {
		static const unsigned char zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
		memcpy(b, zmagic, 4);
		b[4] = 0x60;            /* FCS flag 1 (2 bytes), single segment */
		st16(b + 5, NT_HDR - 256); /* content size - 256 */
		uint32_t bh = 1u | (0u << 1) | ((uint32_t)NT_HDR << 3); /* last, raw, size */
		b[7] = (unsigned char)bh;
		b[8] = (unsigned char)(bh >> 8);
		b[9] = (unsigned char)(bh >> 16);
		h = b + NT_ZHDR;
		n = NT_ZFRAME;
	}
	hdr_encode(h, &w->st.h, complete);
	memcpy(w->st.h.source, w->source, sizeof w->source);
	return wr_bytes(w, b, n, e);
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->f)
		fclose(w->f);
	if (w->tmp)
		unlink(w->tmp);
	ZSTD_freeCCtx(w->cc);
	trace_stats_free(&w->st);
	free(w->zout);
	free(w->path);
	free(w->tmp);
	free(w);
}

struct trace_writer *trace_writer_open(const char *path, const char *source, struct err *e)
{
	struct trace_writer *w = calloc(1, sizeof *w);
	if (!w) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		return NULL;
	}
	size_t pl = strlen(path);
	if (!(w->path = strdup(path)) || !(w->tmp = malloc(pl + 5))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		goto fail;
	}
	memcpy(w->tmp, path, pl);
	memcpy(w->tmp + pl, ".tmp", 5);
	snprintf(w->source, sizeof w->source, "%s", source ? source : "");
	if (trace_stats_init(&w->st, 0, e) < 0)
		goto fail;
	memcpy(w->st.h.source, w->source, sizeof w->source);
	if (pl > 4 && !strcmp(path + pl - 4, ".zst")) {
		w->cc = ZSTD_createCCtx();
		w->zout_cap = ZSTD_CStreamOutSize();
		w->zout = malloc(w->zout_cap);
		if (!w->cc || !w->zout) {
			err_set(e, ERR_FAIL, "%s: out of memory", path);
			goto fail;
		}
		ZSTD_CCtx_setParameter(w->cc, ZSTD_c_compressionLevel, 3);
		ZSTD_CCtx_setParameter(w->cc, ZSTD_c_checksumFlag, 1);
	}
	w->f = fopen(w->tmp, "wb");
	if (!w->f) {
		err_set(e, errno == ENOMEM ? ERR_FAIL : ERR_INPUT, "%s: %s", w->tmp, strerror(errno));
		goto fail;
	}
	if (wr_header(w, 0, e) < 0)
		goto fail;
	return w;
fail:
	trace_writer_abort(w);
	return NULL;
}

int trace_writer_put(struct trace_writer *w, const struct trace_rec *r, struct err *e)
{
	if (r->op < 0 || r->op > TRACE_OP_OTHER)
		return err_set(e, ERR_INPUT, "record %llu: op %d is not an op", (unsigned long long)w->st.h.records + 1,
			       r->op);
	if (trace_stats_add(&w->st, r, e) < 0)
		return -1;
	unsigned char *p = w->buf + w->len;
	st64(p, r->time_ns);
	st64(p + 8, r->obj_id);
	st64(p + 16, r->offset_bytes);
	st64(p + 24, r->size_bytes);
	st32(p + 32, r->client);
	p[36] = (unsigned char)r->op;
	p[37] = p[38] = p[39] = 0;
	w->len += NT_REC;
	if (w->len == sizeof w->buf)
		return wr_flush(w, ZSTD_e_continue, e);
	return 0;
}

int trace_writer_finish(struct trace_writer *w, struct trace_native_hdr *out, struct err *e)
{
	if (wr_flush(w, ZSTD_e_end, e) < 0)
		goto fail;
	if (fseek(w->f, 0, SEEK_SET) != 0) {
		err_set(e, ERR_FAIL, "%s: cannot seek back to the header: %s", w->tmp, strerror(errno));
		goto fail;
	}
	if (wr_header(w, 1, e) < 0)
		goto fail;
	if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) {
		err_set(e, ERR_FAIL, "%s: write error: %s", w->tmp, strerror(errno));
		goto fail;
	}
	int rc = fclose(w->f);
	w->f = NULL;
	if (rc != 0) {
		err_set(e, ERR_FAIL, "%s: write error: %s", w->tmp, strerror(errno));
		goto fail;
	}
	if (rename(w->tmp, w->path) != 0) {
		err_set(e, ERR_FAIL, "%s: cannot rename to %s: %s", w->tmp, w->path, strerror(errno));
		goto fail;
	}
	if (out) {
		*out = w->st.h;
		if (!out->records)
			out->time_first_ns = 0;
	}
	free(w->tmp);
	w->tmp = NULL; /* nothing to remove now */
	trace_writer_abort(w);
	return 0;
fail:
	trace_writer_abort(w);
	return -1;
}
