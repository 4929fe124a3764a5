/*
 * fuzz_trace_oracle — traces/oracle.c, libCacheSim's oracleGeneral binary
 * traces (24-byte records, no header), opened by format name.  The input
 * is the file.  Checked, besides the reader contract (fuzz_trace.h): a
 * record's time is whole seconds of a uint32, its size a uint32, its op
 * none, offset and client 0; next_access_vtime is a request number or
 * -1 (never); a clean end means the file was a whole number of records.
 */
#include "tests/fuzz/fuzz_trace.h"

static struct trace_reader *open_oracle(const char *path, const struct trace_opts *o, void *ctx,
					struct err *e)
{
	(void)ctx;
	return trace_open_opts(path, "oracleGeneral", o, e);
}

static void check_rec(const struct trace_reader *t, const struct trace_rec *r, uint64_t i,
		      void *ctx)
{
	(void)i;
	(void)ctx;
	FUZZ_CHECK(t->has_next_access);
	FUZZ_CHECK(r->time_ns % 1000000000u == 0 && r->time_ns / 1000000000u <= UINT32_MAX);
	FUZZ_CHECK(r->size_bytes <= UINT32_MAX);
	FUZZ_CHECK(r->op == TRACE_OP_NONE && r->offset_bytes == 0 && r->client == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ft_fixed_records(data, size, 24, open_oracle, check_rec);
	return 0;
}
