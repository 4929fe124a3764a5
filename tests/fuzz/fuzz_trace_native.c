/*
 * fuzz_trace_native — traces/native.c, tiersim's own binary trace (a
 * 256-byte header of statistics, then 40-byte records), plain or as zstd
 * frames.  The first byte of the input says how the rest becomes the
 * file, so that the search reaches the records behind a valid zstd
 * stream as well as damaged streams:
 *   0  as it is (a plain file, or a zstd stream to decompress)
 *   1  compressed as one zstd frame
 *   2  as the writer frames it (FORMAT.md): the first 256 bytes as a raw
 *      block frame, the rest as a compressed frame with its checksum
 * Checked, besides the reader contract (fuzz_trace.h): the header reads
 * (trace_native_read_header) exactly when the reader opens; a reader
 * that ends cleanly has read as many records as the header says; a
 * trace converted from Mooncake reads as block references.
 */
#include <stdlib.h>

#include <zstd.h>

#include "tests/fuzz/fuzz_trace.h"

static struct trace_reader *open_native(const char *path, const struct trace_opts *o, void *ctx,
					struct err *e)
{
	(void)ctx;
	return trace_open_opts(path, "native", o, e);
}

/* The file of mode 1 or 2 in out (the caller frees it); its size, or 0. */
static size_t compress(int mode, const uint8_t *in, size_t n, uint8_t **out)
{
	size_t head = mode == 2 && n >= 256 ? 256 : 0;
	size_t cap = 10 + head + ZSTD_compressBound(n - head);
	uint8_t *b = malloc(cap);
	*out = b;
	if (!b)
		return 0;
	size_t at = 0;
	if (head) {
		/* magic; single segment, 2-byte content size (256 + 0); last raw block of 256 */
		static const uint8_t frame[10] = { 0x28, 0xb5, 0x2f, 0xfd, 0x60, 0, 0, 0x01, 0x08, 0 };
		memcpy(b, frame, sizeof frame);
		memcpy(b + 10, in, head);
		at = 10 + head;
	}
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	if (!cc)
		return 0;
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, mode == 2);
	size_t z = ZSTD_compress2(cc, b + at, cap - at, in + head, n - head);
	ZSTD_freeCCtx(cc);
	return ZSTD_isError(z) ? 0 : at + z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % 3;
	const uint8_t *file = data + 1;
	size_t n = size - 1;
	uint8_t *z = NULL;
	if (mode) {
		n = compress(mode, file, n, &z);
		file = z;
		if (!n) {
			free(z);
			return 0;
		}
	}
	char path[64];
	int fd = fuzz_file(file, n, path, sizeof path);
	free(z);
	if (fd < 0)
		return 0;
	struct trace_native_hdr h;
	struct err e = { 0 };
	int hrc = trace_native_read_header(path, &h, &e);
	if (hrc < 0)
		ft_check_error(&e);
	else
		FUZZ_CHECK(memchr(h.source, '\0', sizeof h.source) != NULL);
	struct ft_pass s;
	ft_run(path, open_native, NULL, NULL, &s, NULL);
	FUZZ_CHECK(s.opened == (hrc == 0));
	if (s.opened && s.rc == 0)
		FUZZ_CHECK(s.n == h.records);
	if (s.opened) {
		struct trace_reader *t = trace_open_native(path, &e);
		FUZZ_CHECK(t != NULL);
		FUZZ_CHECK(t->block_refs == !strcmp(h.source, "mooncake"));
		trace_close(t);
	}
	fuzz_file_close(fd);
	return 0;
}
