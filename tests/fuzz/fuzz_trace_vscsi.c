/*
 * fuzz_trace_vscsi — traces/vscsi.c, CloudPhysics vscsi block I/O traces
 * (32-byte records, no header), opened by format name.  The input is the
 * file.  Checked, besides the reader contract (fuzz_trace.h): a record's
 * time is whole microseconds, its size a uint32, its op read, write or
 * other (a SCSI opcode always says), offset and client 0; a clean end
 * means the file was a whole number of records, each one read.
 */
#include "tests/fuzz/fuzz_trace.h"

static struct trace_reader *open_vscsi(const char *path, const struct trace_opts *o, void *ctx,
				       struct err *e)
{
	(void)ctx;
	return trace_open_opts(path, "vscsi", o, e);
}

static void check_rec(const struct trace_reader *t, const struct trace_rec *r, uint64_t i,
		      void *ctx)
{
	(void)t;
	(void)i;
	(void)ctx;
	FUZZ_CHECK(r->time_ns % 1000u == 0);
	FUZZ_CHECK(r->size_bytes <= UINT32_MAX);
	FUZZ_CHECK(r->op != TRACE_OP_NONE && r->offset_bytes == 0 && r->client == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ft_fixed_records(data, size, 32, open_vscsi, check_rec);
	return 0;
}
