/*
 * vscsi — reader of CloudPhysics VMware vscsi block I/O traces.
 *
 * Source: the CloudPhysics sample shipped with libCacheSim (1a1a11a/
 * libCacheSim data/cloudPhysicsIO.vscsi; layout in
 * ../shared/traces/README.md and libCacheSim's vscsiReader.h, "version 2"
 * records): packed little-endian 32-byte records with no header,
 *
 *   0  uint32 sn    serial number         4  uint32 len   bytes
 *   8  uint32 nSG   scatter-gather count  12 uint16 cmd   SCSI opcode
 *   14 uint16 ver                         16 uint64 lbn   first 512-byte sector
 *   24 uint64 ts    microseconds
 *
 * Mapping: obj_id = lbn, size = len, time_ns = ts x 1000 (as the file
 * has it, not rebased), op = read for SCSI READ(6/10/12/16) (0x08, 0x28,
 * 0xa8, 0x88), write for WRITE(6/10/12/16) (0x0a, 0x2a, 0xaa, 0x8a),
 * other for anything else; client 0, offset 0.  Why obj_id = lbn: that
 * is how libCacheSim and the CSV encoding of the same sample name the
 * objects, so a cache run on either encoding sees the same sequence.
 *
 * A file whose length is not a multiple of 32 ends in a truncated
 * record: an error naming the file, the record (1-based) and the field
 * where it is cut.  Memory: one buffer of VS_BUF_RECS records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define VS_REC 32
#define VS_BUF_RECS 4096

struct vscsi {
	FILE *f;
	char *path;
	uint64_t rec_no;
	size_t len, pos;
	unsigned char buf[VS_REC * VS_BUF_RECS];
};

static const struct {
	const char *name;
	unsigned off;
} vs_fields[] = { { "sn", 0 },  { "len", 4 }, { "nSG", 8 }, { "cmd", 12 },
		  { "ver", 14 }, { "lbn", 16 }, { "ts", 24 } };

static uint32_t vle32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t vle64(const unsigned char *p)
{
	return (uint64_t)vle32(p) | (uint64_t)vle32(p + 4) << 32;
}

static int vs_fill(struct vscsi *v, struct err *e)
{
	size_t rest = v->len - v->pos;
	memmove(v->buf, v->buf + v->pos, rest);
	v->len = rest;
	v->pos = 0;
	while (v->len < sizeof v->buf) {
		size_t got = fread(v->buf + v->len, 1, sizeof v->buf - v->len, v->f);
		v->len += got;
		if (got == 0) {
			if (ferror(v->f)) {
				int en = errno;
				return err_set(e, en == EISDIR ? ERR_INPUT : ERR_FAIL,
					       "%s: read error after record %llu: %s", v->path,
					       (unsigned long long)v->rec_no, strerror(en));
			}
			break;
		}
	}
	return 0;
}

static int scsi_op(unsigned cmd)
{
	switch (cmd) {
	case 0x08: case 0x28: case 0xa8: case 0x88: return TRACE_OP_READ;
	case 0x0a: case 0x2a: case 0xaa: case 0x8a: return TRACE_OP_WRITE;
	default: return TRACE_OP_OTHER;
	}
}

static int vscsi_next(void *st, struct trace_rec *r, struct err *e)
{
	struct vscsi *v = st;
	if (v->len - v->pos < VS_REC) {
		if (vs_fill(v, e) < 0)
			return -1;
		size_t have = v->len - v->pos;
		if (have == 0)
			return 0;
		if (have < VS_REC) {
			size_t k = 0;
			while (k + 1 < sizeof vs_fields / sizeof vs_fields[0] && vs_fields[k + 1].off < have)
				k++;
			return err_set(e, ERR_INPUT,
				       "%s: record %llu is truncated in field %s: %zu of %d bytes "
				       "(a vscsi file is a whole number of 32-byte records)",
				       v->path, (unsigned long long)v->rec_no + 1, vs_fields[k].name, have,
				       VS_REC);
		}
	}
	const unsigned char *p = v->buf + v->pos;
	v->pos += VS_REC;
	v->rec_no++;
	uint64_t ts = vle64(p + 24);
	if (ts > UINT64_MAX / 1000u) {
		err_set(e, ERR_INPUT, "%s: record %llu: field ts: %llu us is too large", v->path,
			(unsigned long long)v->rec_no, (unsigned long long)ts);
		return TRACE_BAD_RECORD;
	}
	r->time_ns = ts * 1000u;
	r->obj_id = vle64(p + 16);
	r->size_bytes = vle32(p + 4);
	r->op = scsi_op((unsigned)p[12] | (unsigned)p[13] << 8);
	r->next_access_vtime = TRACE_NEXT_UNKNOWN;
	r->offset_bytes = 0;
	r->client = 0;
	return 1;
}

static void vscsi_close(void *st)
{
	struct vscsi *v = st;
	if (!v)
		return;
	if (v->f)
		fclose(v->f);
	free(v->path);
	free(v);
}

static const struct trace_ops vscsi_ops = {
	.name = "vscsi",
	.next = vscsi_next,
	.close = vscsi_close,
};

struct trace_reader *trace_open_vscsi(const char *path, struct err *e)
{
	struct trace_reader *t = trace_reader_new(path);
	struct vscsi *v = calloc(1, sizeof *v);
	if (!t || !v || !(v->path = strdup(path))) {
		err_set(e, ERR_FAIL, "%s: out of memory", path);
		goto fail;
	}
	v->f = fopen(path, "rb");
	if (!v->f) {
		err_open(e, path, errno);
		goto fail;
	}
	t->ops = &vscsi_ops;
	t->st = v;
	return t;
fail:
	vscsi_close(v);
	trace_reader_discard(t);
	return NULL;
}
