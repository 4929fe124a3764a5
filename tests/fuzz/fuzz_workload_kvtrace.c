/*
 * fuzz_workload_kvtrace — kv_trace_load (traces/kvcache.c), the reader of
 * the Mooncake JSONL traces a kvcache job's `trace` names: one JSON object
 * a line with timestamp, input_length, output_length and hash_ids.  The
 * first byte sets block_tokens (1 to 2^11: tokens per hash id), the second
 * max_requests (0: all, else 1 to 7); the rest is the file.
 *
 * Checked: a refusal leaves ERR_INPUT (or ERR_FAIL) and a message that
 * names the file; an accepted trace has non-decreasing timestamps, each
 * request's blocks = ceil(input_length / block_tokens) laid end to end in
 * ids[], ids below 2^32, at most max_requests requests, and a count of
 * distinct ids between 1 and the references (0 for none).
 */
#include <string.h>

#include "traces/kvcache.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint64_t block_tokens = 1ull << (data[0] % 12), max_requests = data[1] % 8;
	char path[64];
	int fd = fuzz_file(data + 2, size - 2, path, sizeof path);
	if (fd < 0)
		return 0;
	struct kv_trace t;
	struct err e = { 0 };
	if (kv_trace_load(&t, path, block_tokens, max_requests, &e) < 0) {
		FUZZ_CHECK(e.code == ERR_INPUT || e.code == ERR_FAIL);
		FUZZ_CHECK(e.msg[0] != '\0');
		if (e.code == ERR_INPUT)
			FUZZ_CHECK(strncmp(e.msg, path, strlen(path)) == 0);
	} else {
		/* Read whole, a text trace has no NUL byte (jansson once read
		 * one as the end of its record). */
		FUZZ_CHECK(max_requests || !memchr(data + 2, '\0', size - 2));
		FUZZ_CHECK(!max_requests || t.nreq <= max_requests);
		FUZZ_CHECK(t.block_tokens == block_tokens);
		size_t next = 0;
		for (size_t i = 0; i < t.nreq; i++) {
			const struct kv_trace_req *r = &t.req[i];
			FUZZ_CHECK(i == 0 || r->t_ms >= t.req[i - 1].t_ms);
			FUZZ_CHECK(r->first == next);
			FUZZ_CHECK(r->nblocks == r->input_tokens / block_tokens + (r->input_tokens % block_tokens != 0));
			next += r->nblocks;
		}
		FUZZ_CHECK(next == t.nids);
		for (size_t i = 0; i < t.nids; i++)
			FUZZ_CHECK(t.ids[i] <= UINT32_MAX);
		size_t distinct = kv_trace_distinct(&t);
		FUZZ_CHECK(distinct == (size_t)-1 || (distinct <= t.nids && (distinct > 0) == (t.nids > 0)));
	}
	kv_trace_free(&t);
	fuzz_file_close(fd);
	return 0;
}
